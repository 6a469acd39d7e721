/* pb-tripletex-provider.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbTripletex"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-tripletex-provider.h"
#include "pb-json-guard.h"

/* The Tripletex connector, written against Tripletex API v2 (OpenAPI
 * 2.72.00 with the required fields of Swagger 2.71.19; both documents and
 * where they come from are in tests/contract/specs/). What it maps:
 *
 *   users      -> /employee
 *   positions  -> /employee/employment (history: one per period) with its
 *                 first /employee/employment/details (percentage, form, type)
 *   salary     -> /employee/employment/details dated at the salary's start
 *                 (annualSalary or hourlyWage); a delete clears the values
 *                 and keeps the record (SPEC S2)
 *   absence    -> /timesheet/entry hours on the general activity the absence
 *                 type is mapped to, one entry per weekday; hours per day from
 *                 the company's standard time and the absence's percentage.
 *                 An entry with `locked` set cannot be changed (SPEC A6).
 *
 * Authorization: a session token made from the consumer token and the
 * employee token (PUT /token/session/:create, expiring tomorrow), sent as
 * Basic 0:<token>; renewed when its date comes and once on a 401. */

typedef struct
{
  char    *token;           /* (nullable) never logged */
  char    *expires;         /* YYYY-MM-DD */
  gboolean in_flight;
  GQueue   waiters;         /* GTask* of authorize calls */
} Session;

typedef struct
{
  Session     session;
  GHashTable *country_ids;    /* ISO alpha-2 -> id; filled on first use */
  GHashTable *country_codes;  /* id -> ISO alpha-2 */
  double      hours_per_day;  /* the company's standard day; 0 until read */
  char       *department_id;  /* (nullable) for new employees */
  gboolean    departments_read;
} PbTripletexProviderPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (PbTripletexProvider, pb_tripletex_provider, PB_TYPE_PROVIDER)

#define EMPLOYEE_FIELDS \
  "id,version,firstName,lastName,email,phoneNumberMobile,employeeNumber,dateOfBirth," \
  "nationalIdentityNumber,bankAccountNumber,iban,bic," \
  "address(addressLine1,addressLine2,postalCode,city,country(id,isoAlpha2Code))"
#define DETAILS_FIELDS \
  "id,version,date,employmentType,employmentForm,remunerationType,percentageOfFullTimeEquivalent," \
  "annualSalary,hourlyWage"
#define EMPLOYMENT_FIELDS \
  "id,version,startDate,endDate,employmentEndReason,employmentDetails(" DETAILS_FIELDS ")"
#define ENTRY_FIELDS "id,version,date,hours,comment,locked,activity(id),employee(id)"

/* --- small JSON helpers ------------------------------------------------------ */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static double
member_double (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  return json_node_get_double (node);
}

static char *
member_id (JsonObject *object)
{
  return pb_provider_dup_json_id (object);
}

/* Element @i of a list Tripletex sent, when it is an object: anything else
 * (a number, a string, null) reads as NULL, which every reader takes as a
 * record without its members, rather than a CRITICAL (found by
 * tests/fuzz/fuzz-tripletex-answer.c). */
static JsonObject *
object_element (JsonArray *array,
                guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
set_ref (JsonObject *object,
         const char *member,
         const char *id)
{
  JsonObject *ref = json_object_new ();

  json_object_set_int_member (ref, "id", g_ascii_strtoll (id, NULL, 10));
  json_object_set_object_member (object, member, ref);
}

static void
set_string_or_empty (JsonObject *object,
                     const char *member,
                     const char *value)
{
  json_object_set_string_member (object, member, value != NULL ? value : "");
}

static char *
format_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char *p;

  g_ascii_formatd (buf, sizeof buf, "%.4f", value);
  p = buf + strlen (buf) - 1;
  while (*p == '0')
    *p-- = '\0';
  if (*p == '.')
    *p = '\0';
  return g_strdup (buf);
}

static char *
format_amount (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2f", value));
}

/* --- envelopes, paging, errors ------------------------------------------------- */

static JsonObject *
tripletex_unwrap (PbProvider *provider,
                  JsonNode   *answer)
{
  JsonObject *value;

  if (!JSON_NODE_HOLDS_OBJECT (answer))
    return NULL;
  value = member_object (json_node_get_object (answer), "value");
  return value != NULL ? json_object_ref (value) : NULL;
}

static JsonArray *
tripletex_page_values (PbProvider *provider,
                       JsonNode   *page)
{
  JsonNode *values;

  if (!JSON_NODE_HOLDS_OBJECT (page))
    return NULL;
  values = json_object_get_member (json_node_get_object (page), "values");
  return values != NULL && JSON_NODE_HOLDS_ARRAY (values) ? json_node_get_array (values) : NULL;
}

/* Not exact (it changed behaviour in 2026): only how many pages to read at once. */
static gint64
tripletex_page_total (PbProvider *provider,
                      JsonNode   *page)
{
  JsonNode *total;

  if (!JSON_NODE_HOLDS_OBJECT (page))
    return -1;
  total = json_object_get_member (json_node_get_object (page), "fullResultSize");
  if (total == NULL || !JSON_NODE_HOLDS_VALUE (total) || json_node_get_value_type (total) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (total);
}

static void
tripletex_set_page (PbProvider    *provider,
                    PbHttpRequest *request,
                    guint          offset,
                    guint          page_size)
{
  g_autofree char *from = g_strdup_printf ("%u", offset);
  g_autofree char *count = g_strdup_printf ("%u", page_size);

  pb_http_request_set_query (request, "from", from);
  pb_http_request_set_query (request, "count", count);
}

/* Tripletex's own codes (notes §2.2): 10000 Locked, 8000 Revision,
 * 14000 Duplicate entry, 3000 Authentication. */
static void
tripletex_decode_error (guint                   status,
                        JsonNode               *body,
                        PbProviderErrorDetails *details,
                        PbProviderError        *code)
{
  pb_http_decode_error_default (status, body, details, code);

  if (details->code == 10000)
    *code = PB_PROVIDER_ERROR_LOCKED;
  else if (details->code == 8000 || details->code == 7000 || details->code == 14000)
    *code = PB_PROVIDER_ERROR_CONFLICT;
  else if (details->code == 3000)
    *code = PB_PROVIDER_ERROR_NOT_AUTHORIZED;
}

/* --- the session token ------------------------------------------------------------ */

static char *
date_in_days (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

static char *
authorization_value (const char *token)
{
  g_autofree char *pair = g_strdup_printf ("0:%s", token);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strdup_printf ("Basic %s", encoded);
}

static gboolean
session_valid (Session *session)
{
  g_autofree char *today = date_in_days (0);

  /* The token lapses at midnight of its expiration date: renew on that day. */
  return session->token != NULL && strcmp (today, session->expires) < 0;
}

static void
finish_waiters (PbTripletexProvider *self,
                const GError        *error)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  GTask *task;

  while ((task = g_queue_pop_head (&priv->session.waiters)) != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, authorization_value (priv->session.token), g_free);
      g_object_unref (task);
    }
}

static void
on_session_created_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(PbTripletexProvider) self = user_data;
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = pb_http_send_finish (PB_HTTP (source), result, &error);
  JsonObject *value = answer != NULL ? tripletex_unwrap (PB_PROVIDER (self), answer) : NULL;
  g_autoptr(JsonObject) owned = value;
  const char *token = member_string (value, "token");

  priv->session.in_flight = FALSE;

  if (error == NULL && token == NULL)
    error = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                         _("Tripletex made a session without a token"));

  if (error != NULL)
    {
      /* 422 on :create means the consumer or employee token is wrong. */
      if (g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION))
        {
          g_autoptr(GError) refused = g_error_copy (error);

          refused->code = PB_PROVIDER_ERROR_NOT_AUTHORIZED;
          g_free (refused->message);
          refused->message = g_strdup_printf (_("Tripletex refused the consumer or employee token. Check the tokens "
                                                "(test and production tokens differ). %s"), error->message);
          g_clear_error (&error);
          error = g_steal_pointer (&refused);
        }
      finish_waiters (self, error);
      return;
    }

  g_free (priv->session.token);
  priv->session.token = g_strdup (token);
  g_free (priv->session.expires);
  priv->session.expires = g_strdup (member_string (value, "expirationDate"));
  if (priv->session.expires == NULL)
    priv->session.expires = date_in_days (1);
  g_debug ("New Tripletex session, expiring %s", priv->session.expires);

  finish_waiters (self, NULL);
}

/* Makes at most one session at a time: callers that arrive while one is
 * being made wait for it. After a 401 (@rejected set) a new session is made
 * only if the refused one is still the current one: when several requests
 * fail with the same old token, the first makes a session, the others use it. */
static void
tripletex_authorize (gpointer             user_data,
                     const char          *rejected,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             callback_data)
{
  PbTripletexProvider *self = user_data;
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  PbProvider *provider = PB_PROVIDER (self);
  GTask *task = g_task_new (self, cancellable, callback, callback_data);
  g_autoptr(PbHttpRequest) request = NULL;
  g_autofree char *tomorrow = NULL;
  g_autofree char *current = NULL;
  const char *consumer = pb_provider_get_secret (provider, "consumer-token");
  const char *employee = pb_provider_get_secret (provider, "employee-token");

  if (session_valid (&priv->session) && !priv->session.in_flight)
    {
      current = authorization_value (priv->session.token);
      if (rejected == NULL || g_strcmp0 (rejected, current) != 0)
        {
          g_task_return_pointer (task, g_steal_pointer (&current), g_free);
          g_object_unref (task);
          return;
        }
    }

  if (consumer == NULL || employee == NULL)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED,
                               _("The Tripletex consumer token or employee token is missing"));
      g_object_unref (task);
      return;
    }

  g_queue_push_tail (&priv->session.waiters, task);
  if (priv->session.in_flight)
    return;

  priv->session.in_flight = TRUE;
  tomorrow = date_in_days (1);
  request = pb_http_request_new ("PUT", "/token/session/:create");
  pb_http_request_set_authorized (request, FALSE);
  pb_http_request_add_query (request, "consumerToken", consumer);
  pb_http_request_add_query (request, "employeeToken", employee);
  pb_http_request_add_query (request, "expirationDate", tomorrow);
  pb_http_send_async (pb_provider_get_http (provider), request, NULL, on_session_created_cb, g_object_ref (self));
}

static char *
tripletex_authorize_finish (gpointer       user_data,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
tripletex_setup_http (PbProvider *provider,
                      PbHttp     *http)
{
  pb_http_set_authorizer (http, tripletex_authorize, tripletex_authorize_finish, provider);
  pb_http_set_error_decoder (http, tripletex_decode_error);
}

/* --- chained steps ----------------------------------------------------------------- */

typedef void (*ThenFunc) (GTask *task);

/* Most operations are a few requests in a row. Each keeps its state in an
 * Op, the task's data, and moves on in the callback of the last request. */
typedef struct
{
  PbRecord   *record;
  PbRecord   *employee;
  PbRecord   *related;
  char       *employee_id;
  char       *remote_id;
  char       *parent_id;
  char       *remote_type;
  gint64      remote_version; /* update: the version an earlier answer gave; 0: unknown */
  GPtrArray  *entries;     /* absences: the entries read */
  gboolean    look_first;  /* absence create: look for its entries first (R3) */
  ThenFunc    next;        /* the step after the request in flight */
  PbProviderArgs rules;    /* only `omit` and `pay_by_cash`: the class's
                            * field rules, as pb_provider_call_async() set them */
} Op;

static void
op_free (Op *op)
{
  g_clear_object (&op->record);
  g_clear_object (&op->employee);
  g_clear_object (&op->related);
  g_free (op->employee_id);
  g_free (op->remote_id);
  g_free (op->parent_id);
  g_free (op->remote_type);
  g_clear_pointer (&op->entries, g_ptr_array_unref);
  g_free (op);
}

static Op *
op_new (GTask                *task,
        const PbProviderArgs *args)
{
  Op *op = g_new0 (Op, 1);

  op->record = args->record != NULL ? pb_record_copy (args->record) : NULL;
  op->employee = args->employee != NULL ? g_object_ref (args->employee) : NULL;
  op->related = args->related != NULL ? g_object_ref (args->related) : NULL;
  op->employee_id = g_strdup (args->employee_id);
  op->remote_id = g_strdup (args->remote_id);
  op->parent_id = g_strdup (args->parent_id);
  op->remote_type = g_strdup (args->remote_type);
  op->remote_version = args->remote_version;
  op->rules.omit = args->omit;
  op->rules.pay_by_cash = args->pay_by_cash;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  return op;
}

static gboolean
return_if_error (GTask  *task,
                 GError *error)
{
  if (error == NULL)
    return FALSE;

  g_task_return_error (task, error);
  g_object_unref (task);
  return TRUE;
}

/* --- verify credentials ------------------------------------------------------------ */

static void
on_who_am_i_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) me = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  JsonObject *company = member_object (me, "company");
  PbRemoteCompany *info;

  if (return_if_error (task, error))
    return;

  if (company == NULL || member_string (company, "name") == NULL)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                               _("Tripletex did not say which company the tokens belong to"));
      g_object_unref (task);
      return;
    }

  info = g_new0 (PbRemoteCompany, 1);
  info->id = member_id (company);
  info->name = g_strdup (member_string (company, "name"));
  info->currency = g_strdup (member_string (member_object (company, "currency"), "code"));
  info->org_number = g_strdup (member_string (company, "organizationNumber"));
  g_task_return_pointer (task, info, (GDestroyNotify) pb_remote_company_free);
  g_object_unref (task);
}

static void
tripletex_verify_credentials (PbProvider           *provider,
                              const PbProviderArgs *args,
                              GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/token/session/>whoAmI");

  pb_http_request_add_query (request, "fields", "companyId,company(id,name,organizationNumber,currency(code))");
  pb_provider_send_async (provider, request, g_task_get_cancellable (task), on_who_am_i_cb, task);
}

/* --- countries and departments, read once -------------------------------------------- */

static void
on_countries_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  PbTripletexProvider *self = PB_TRIPLETEX_PROVIDER (source);
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  ThenFunc then = ((Op *) g_task_get_task_data (task))->next;
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonObject *country = object_element (values, i);
      const char *code = member_string (country, "isoAlpha2Code");
      g_autofree char *id = member_id (country);

      if (code == NULL || id == NULL)
        continue;
      g_hash_table_insert (priv->country_ids, g_strdup (code), g_strdup (id));
      g_hash_table_insert (priv->country_codes, g_strdup (id), g_strdup (code));
    }

  then (task);
}

/* Tripletex addresses name their country by id: read the ids once. */
static void
with_countries (PbTripletexProvider *self,
                GTask               *task,
                ThenFunc             then)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  g_autoptr(PbHttpRequest) request = NULL;

  if (g_hash_table_size (priv->country_ids) > 0)
    {
      then (task);
      return;
    }

  ((Op *) g_task_get_task_data (task))->next = then;
  request = pb_http_request_new ("GET", "/country");
  pb_http_request_add_query (request, "fields", "id,isoAlpha2Code");
  pb_provider_list_all_async (PB_PROVIDER (self), request, g_task_get_cancellable (task), on_countries_cb, task);
}

static void
on_departments_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  PbTripletexProvider *self = PB_TRIPLETEX_PROVIDER (source);
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  ThenFunc then = ((Op *) g_task_get_task_data (task))->next;
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  /* Companies with the department module require one on every employee;
   * new employees go to the first active department. */
  priv->departments_read = TRUE;
  for (guint i = 0; i < json_array_get_length (values) && priv->department_id == NULL; i++)
    {
      JsonObject *department = object_element (values, i);
      JsonNode *inactive = department != NULL ? json_object_get_member (department, "isInactive") : NULL;

      if (department == NULL)
        continue;
      if (inactive == NULL || !JSON_NODE_HOLDS_VALUE (inactive) || !json_node_get_boolean (inactive))
        priv->department_id = member_id (department);
    }

  then (task);
}

static void
with_department (PbTripletexProvider *self,
                 GTask               *task,
                 ThenFunc             then)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  g_autoptr(PbHttpRequest) request = NULL;

  if (priv->departments_read)
    {
      then (task);
      return;
    }

  ((Op *) g_task_get_task_data (task))->next = then;
  request = pb_http_request_new ("GET", "/department");
  pb_http_request_add_query (request, "fields", "id,name,isInactive");
  pb_provider_list_all_async (PB_PROVIDER (self), request, g_task_get_cancellable (task), on_departments_cb, task);
}

/* --- employees ------------------------------------------------------------------------ */

/* @country_codes: id -> ISO alpha-2, only read (a listing gives each
 * worker thread a copy) */
static PbRecord *
employee_from_json (GHashTable *country_codes,
                    JsonObject *json)
{
  PbRecord *record = pb_record_new (PB_ENTITY_EMPLOYEE);
  JsonObject *address = member_object (json, "address");
  JsonObject *country = member_object (address, "country");
  const char *code = member_string (country, "isoAlpha2Code");
  g_autofree char *country_id = member_id (country);

  pb_record_set (record, PB_EMPLOYEE_GIVEN_NAME, member_string (json, "firstName"));
  pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, member_string (json, "lastName"));
  pb_record_set (record, PB_EMPLOYEE_EMAIL, member_string (json, "email"));
  pb_record_set (record, PB_EMPLOYEE_PHONE, member_string (json, "phoneNumberMobile"));
  pb_record_set (record, PB_EMPLOYEE_EMPLOYEE_NUMBER, member_string (json, "employeeNumber"));
  pb_record_set (record, PB_EMPLOYEE_DATE_OF_BIRTH, member_string (json, "dateOfBirth"));
  pb_record_set (record, PB_EMPLOYEE_NATIONAL_ID, member_string (json, "nationalIdentityNumber"));
  pb_record_set (record, PB_EMPLOYEE_BANK_ACCOUNT, member_string (json, "bankAccountNumber"));
  pb_record_set (record, PB_EMPLOYEE_IBAN, member_string (json, "iban"));
  pb_record_set (record, PB_EMPLOYEE_BIC, member_string (json, "bic"));
  pb_record_set (record, PB_EMPLOYEE_ADDRESS_LINE1, member_string (address, "addressLine1"));
  pb_record_set (record, PB_EMPLOYEE_ADDRESS_LINE2, member_string (address, "addressLine2"));
  pb_record_set (record, PB_EMPLOYEE_POSTAL_CODE, member_string (address, "postalCode"));
  pb_record_set (record, PB_EMPLOYEE_CITY, member_string (address, "city"));
  if (code == NULL && country_id != NULL)
    code = g_hash_table_lookup (country_codes, country_id);
  pb_record_set (record, PB_EMPLOYEE_COUNTRY, code);

  return record;
}

/* SPEC R1: a record the connector is to hand on needs its id (the engine
 * links by it and builds paths with it). @what names the record for the
 * error, e.g. the employee “Ola Hansen” (ola@acme.no). */
static PbRemote *
remote_from_json (JsonObject  *json,
                  const char  *what,
                  GError     **error)
{
  g_autofree char *id = member_id (json);
  JsonNode *version;

  if (id == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("Tripletex sent %s without its “id”: it cannot be linked or changed. "
                     "Read it again later, or report it to Tripletex"), what);
      return NULL;
    }
  /* "version" only when it is a whole number: anything else raised a
   * CRITICAL (found by tests/fuzz/fuzz-tripletex-answer.c). */
  version = json_object_get_member (json, "version");
  return pb_remote_new (id, version != NULL && JSON_NODE_HOLDS_VALUE (version) &&
                            json_node_get_value_type (version) == G_TYPE_INT64 ? json_node_get_int (version) : 0);
}

/* The employee “Ola Hansen” (ola@acme.no), from what Tripletex sent. */
static char *
describe_employee (JsonObject *json)
{
  const char *first = member_string (json, "firstName");
  const char *last = member_string (json, "lastName");
  const char *email = member_string (json, "email");
  const char *number = member_string (json, "employeeNumber");
  g_autofree char *name = g_strstrip (g_strdup_printf ("%s %s", first != NULL ? first : "", last != NULL ? last : ""));

  if (*name == '\0')
    {
      g_free (name);
      name = g_strdup (member_string (json, "displayName"));
    }
  if (email != NULL && *email != '\0')
    return g_strdup_printf (_("the employee “%s” (%s)"), name != NULL ? name : "", email);
  if (number != NULL && *number != '\0')
    return g_strdup_printf (_("the employee “%s” (number %s)"), name != NULL ? name : "", number);
  return g_strdup_printf (_("the employee “%s”"), name != NULL ? name : "");
}

static PbRemote *
employee_remote_from_json (GHashTable  *country_codes,
                           JsonObject  *json,
                           GError     **error)
{
  g_autofree char *what = describe_employee (json);
  PbRemote *remote = remote_from_json (json, what, error);

  if (remote != NULL)
    remote->record = employee_from_json (country_codes, json);
  return remote;
}

/* One page of a listing, in a worker thread (PbListConvertFunc):
 * @user_data is the listing's own copy of the country codes. */
static GPtrArray *
employees_page_from_json (JsonArray  *values,
                          gpointer    user_data,
                          GError    **error)
{
  guint n = json_array_get_length (values);
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_full (n, (GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < n; i++)
    {
      PbRemote *remote = employee_remote_from_json (user_data, object_element (values, i), error);

      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

static GHashTable *
country_codes_of (PbTripletexProvider *self)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);

  return priv->country_codes;
}

static GHashTable *
copy_country_codes (PbTripletexProvider *self)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer id, code;

  g_hash_table_iter_init (&iter, priv->country_codes);
  while (g_hash_table_iter_next (&iter, &id, &code))
    g_hash_table_insert (copy, g_strdup (id), g_strdup (code));
  return copy;
}

/* @rules: the class's field rules for this record (see PbProviderArgs):
 * a field they leave out is not in the body at all, so Tripletex keeps its
 * value even on an update, where an empty field is sent as "" to clear it. */
static JsonObject *
employee_to_json (PbTripletexProvider  *self,
                  PbRecord             *record,
                  const PbProviderArgs *rules,
                  gboolean              create)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  JsonObject *json = json_object_new ();
  JsonObject *address = json_object_new ();
  const char *country = pb_record_get (record, PB_EMPLOYEE_COUNTRY);
  static const struct { guint field; const char *member; } address_members[] = {
    { PB_EMPLOYEE_ADDRESS_LINE1, "addressLine1" },
    { PB_EMPLOYEE_ADDRESS_LINE2, "addressLine2" },
    { PB_EMPLOYEE_POSTAL_CODE, "postalCode" },
    { PB_EMPLOYEE_CITY, "city" },
  };
  static const struct { guint field; const char *member; } plain[] = {
    { PB_EMPLOYEE_GIVEN_NAME, "firstName" },
    { PB_EMPLOYEE_FAMILY_NAME, "lastName" },
    { PB_EMPLOYEE_EMAIL, "email" },
    { PB_EMPLOYEE_PHONE, "phoneNumberMobile" },
    { PB_EMPLOYEE_EMPLOYEE_NUMBER, "employeeNumber" },
    { PB_EMPLOYEE_NATIONAL_ID, "nationalIdentityNumber" },
    { PB_EMPLOYEE_BANK_ACCOUNT, "bankAccountNumber" },
    { PB_EMPLOYEE_IBAN, "iban" },
    { PB_EMPLOYEE_BIC, "bic" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (plain); i++)
    {
      const char *value = pb_record_get (record, plain[i].field);

      if (!pb_provider_args_sends (rules, plain[i].field) ||
          (rules->pay_by_cash && plain[i].field == PB_EMPLOYEE_BANK_ACCOUNT))
        continue;
      /* A partial update: on create only what is set, on update every
       * field, with "" clearing what HR cleared. */
      if (value != NULL || !create)
        set_string_or_empty (json, plain[i].member, value);
    }

  /* SPEC V3, for a class with a national-account rule (Tripletex itself has
   * none): Tripletex has no payment method, so "cash" is an employee
   * without an account. A new one gets none; an update clears the account
   * payroll may still have. */
  if (rules->pay_by_cash && !create)
    json_object_set_string_member (json, "bankAccountNumber", "");

  if (pb_record_get (record, PB_EMPLOYEE_DATE_OF_BIRTH) != NULL &&
      pb_provider_args_sends (rules, PB_EMPLOYEE_DATE_OF_BIRTH))
    json_object_set_string_member (json, "dateOfBirth", pb_record_get (record, PB_EMPLOYEE_DATE_OF_BIRTH));

  for (guint i = 0; i < G_N_ELEMENTS (address_members); i++)
    if (pb_provider_args_sends (rules, address_members[i].field))
      set_string_or_empty (address, address_members[i].member, pb_record_get (record, address_members[i].field));
  if (country != NULL && pb_provider_args_sends (rules, PB_EMPLOYEE_COUNTRY) &&
      g_hash_table_lookup (priv->country_ids, country) != NULL)
    set_ref (address, "country", g_hash_table_lookup (priv->country_ids, country));
  json_object_set_object_member (json, "address", address);

  if (create)
    {
      /* Payroll people get no login to Tripletex. */
      json_object_set_string_member (json, "userType", "NO_ACCESS");
      if (priv->department_id != NULL)
        set_ref (json, "department", priv->department_id);
    }

  return json;
}

/* Lists employees; with op->record set (find by email), gives only the one
 * whose email matches exactly, or NULL: the search is "containing" and
 * matching is trimmed and case-insensitive (SPEC U1). */
static void
on_employees_listed_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  /* One employee without an id fails the listing, naming them: a plan
   * without that person would be wrong (they would look missing), and one
   * with them could not be applied. */
  g_autoptr(GPtrArray) remotes = pb_provider_list_converted_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  if (op->record == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&remotes), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      g_autofree char *found = g_strdup (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL));

      if (found != NULL &&
          g_ascii_strcasecmp (g_strstrip (found), pb_record_get (op->record, PB_EMPLOYEE_EMAIL)) == 0)
        {
          g_task_return_pointer (task, g_ptr_array_steal_index (remotes, i), (GDestroyNotify) pb_remote_free);
          g_object_unref (task);
          return;
        }
    }

  g_task_return_pointer (task, NULL, NULL);
  g_object_unref (task);
}

static void
list_employees_step (GTask *task)
{
  PbProvider *provider = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/employee");

  pb_http_request_add_query (request, "fields", EMPLOYEE_FIELDS);
  if (op->record != NULL)
    pb_http_request_add_query (request, "email", pb_record_get (op->record, PB_EMPLOYEE_EMAIL));
  /* Each page is converted in a worker thread as it comes (issue 14). */
  pb_provider_list_converted_async (provider, request, employees_page_from_json,
                                    copy_country_codes (PB_TRIPLETEX_PROVIDER (provider)),
                                    (GDestroyNotify) g_hash_table_unref, (GDestroyNotify) pb_remote_free,
                                    g_task_get_cancellable (task), on_employees_listed_cb, task);
}

static void
tripletex_list_employees (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  static const PbProviderArgs all = { NULL };

  /* No record: the whole list (a record would make it a find). */
  op_new (task, &all);
  with_countries (PB_TRIPLETEX_PROVIDER (provider), task, list_employees_step);
}

/* Looks an employee up by email: the engine does this before a create
 * that may have happened already (a crash between send and record). */
static void
tripletex_find_employee (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  op_new (task, args);
  with_countries (PB_TRIPLETEX_PROVIDER (provider), task, list_employees_step);
}

static void
on_employee_saved_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  PbTripletexProvider *self = PB_TRIPLETEX_PROVIDER (source);
  GError *error = NULL;
  g_autoptr(JsonObject) json = NULL;
  PbRemote *remote;

  json = pb_provider_send_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  remote = employee_remote_from_json (country_codes_of (self), json, &error);
  if (return_if_error (task, error))
    return;
  g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
  g_object_unref (task);
}

static void
create_employee_step (GTask *task)
{
  PbTripletexProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(JsonObject) body = employee_to_json (self, op->record, &op->rules, TRUE);

  /* The answer, with the address we sent where it gives only a reference,
   * is the new employee: no read back (issue 14). */
  pb_provider_create_answered_async (PB_PROVIDER (self), "/employee", body, g_task_get_cancellable (task),
                                     on_employee_saved_cb, task);
}

static void
create_employee_after_countries (GTask *task)
{
  with_department (g_task_get_source_object (task), task, create_employee_step);
}

static void
tripletex_create_employee (PbProvider           *provider,
                           const PbProviderArgs *args,
                           GTask                *task)
{
  op_new (task, args);
  with_countries (PB_TRIPLETEX_PROVIDER (provider), task, create_employee_after_countries);
}

static void
update_employee_step (GTask *task)
{
  PbTripletexProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(JsonObject) body = employee_to_json (self, op->record, &op->rules, FALSE);
  g_autofree char *path = g_strdup_printf ("/employee/%s", op->remote_id);

  /* With the version the link kept from the last answer, the PUT goes at
   * once and its answer (completed with what we sent, as for a create) is
   * the employee: one request, not a version read, the PUT and a read
   * back (issue 14). A version that is stale meets a 409, and the version
   * is read once. */
  pb_provider_put_at_version_async (PB_PROVIDER (self), path, body, op->remote_version,
                                    g_task_get_cancellable (task), on_employee_saved_cb, task);
}

static void
tripletex_update_employee (PbProvider           *provider,
                           const PbProviderArgs *args,
                           GTask                *task)
{
  op_new (task, args);
  with_countries (PB_TRIPLETEX_PROVIDER (provider), task, update_employee_step);
}

/* --- employments (positions) --------------------------------------------------------- */

static const struct
{
  const char *hr;
  const char *tripletex;
} end_reasons[] = {
  { "resigned", "EMPLOYMENT_END_EMPLOYEE" },
  { "dismissed", "EMPLOYMENT_END_EMPLOYER" },
  { "contract_expired", "EMPLOYMENT_END_EXPIRED" },
  { "internal_change", "EMPLOYMENT_END_INTERNAL_CHANGE" },
  { "wrongly_reported", "EMPLOYMENT_END_WRONGLY_REPORTED" },
  { "system_change", "EMPLOYMENT_END_SYSTEM_OR_ACCOUNTANT_CHANGE" },
};

static const char *
end_reason_to_tripletex (const char *hr)
{
  for (guint i = 0; hr != NULL && i < G_N_ELEMENTS (end_reasons); i++)
    if (g_str_equal (end_reasons[i].hr, hr))
      return end_reasons[i].tripletex;
  return NULL;
}

static const char *
end_reason_from_tripletex (const char *tripletex)
{
  for (guint i = 0; tripletex != NULL && i < G_N_ELEMENTS (end_reasons); i++)
    if (g_str_equal (end_reasons[i].tripletex, tripletex))
      return end_reasons[i].hr;
  return NULL;
}

/* HR contract type -> Tripletex employmentType + employmentForm. */
static void
set_contract (JsonObject *details,
              const char *contract_type)
{
  const char *type = "ORDINARY";
  const char *form = "PERMANENT";

  if (g_strcmp0 (contract_type, "temporary") == 0)
    form = "TEMPORARY";
  else if (g_strcmp0 (contract_type, "hourly") == 0)
    form = "TEMPORARY_ON_CALL";
  else if (g_strcmp0 (contract_type, "freelance") == 0)
    type = "FREELANCE";

  json_object_set_string_member (details, "employmentType", type);
  json_object_set_string_member (details, "employmentForm", form);
}

static const char *
contract_from_details (JsonObject *details)
{
  const char *type = member_string (details, "employmentType");
  const char *form = member_string (details, "employmentForm");

  if (g_strcmp0 (type, "FREELANCE") == 0)
    return "freelance";
  if (g_strcmp0 (form, "TEMPORARY_ON_CALL") == 0)
    return "hourly";
  if (g_strcmp0 (form, "TEMPORARY") == 0 || g_strcmp0 (form, "TEMPORARY_AND_HIRED_OUT") == 0)
    return "temporary";
  return "permanent";
}

static double
percentage_of (PbRecord *position)
{
  const char *value = position != NULL ? pb_record_get (position, PB_POSITION_PERCENTAGE) : NULL;

  return value != NULL ? g_ascii_strtod (value, NULL) : 100.0;
}

/* The details record that describes the employment itself: the earliest. */
static JsonObject *
first_details (JsonObject *employment)
{
  JsonNode *node = employment != NULL ? json_object_get_member (employment, "employmentDetails") : NULL;
  JsonObject *first = NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *details = object_element (array, i);

      if (first == NULL || g_strcmp0 (member_string (details, "date"), member_string (first, "date")) < 0)
        first = details;
    }

  return first;
}

static PbRemote *
employment_from_json (JsonObject  *json,
                      GError     **error)
{
  g_autofree char *what = g_strdup_printf (_("the employment from %s"),
                                           member_string (json, "startDate") ? member_string (json, "startDate") : "?");
  PbRemote *remote = remote_from_json (json, what, error);
  JsonObject *details = first_details (json);
  g_autofree char *percentage = NULL;

  if (remote == NULL)
    return NULL;
  remote->record = pb_record_new (PB_ENTITY_POSITION);
  pb_record_set (remote->record, PB_POSITION_START_DATE, member_string (json, "startDate"));
  pb_record_set (remote->record, PB_POSITION_END_DATE, member_string (json, "endDate"));
  pb_record_set (remote->record, PB_POSITION_END_REASON,
                 end_reason_from_tripletex (member_string (json, "employmentEndReason")));
  if (details != NULL)
    {
      percentage = format_number (member_double (details, "percentageOfFullTimeEquivalent"));
      pb_record_set (remote->record, PB_POSITION_PERCENTAGE, percentage);
      pb_record_set (remote->record, PB_POSITION_CONTRACT_TYPE, contract_from_details (details));
    }

  return remote;
}

static void
on_employments_listed_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);
  GPtrArray *remotes;

  if (return_if_error (task, error))
    return;

  remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      PbRemote *remote = employment_from_json (object_element (values, i), &error);

      if (remote == NULL)
        {
          g_ptr_array_unref (remotes);
          return_if_error (task, error);
          return;
        }
      g_ptr_array_add (remotes, remote);
    }

  g_task_return_pointer (task, remotes, (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

static void
tripletex_list_employments (PbProvider           *provider,
                            const PbProviderArgs *args,
                            GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/employee/employment");

  pb_http_request_add_query (request, "employeeId", args->employee_id);
  pb_http_request_add_query (request, "fields", EMPLOYMENT_FIELDS);
  pb_provider_list_all_async (provider, request, g_task_get_cancellable (task), on_employments_listed_cb, task);
}

static void
on_employment_saved_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) json = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  PbRemote *remote;

  if (return_if_error (task, error))
    return;

  remote = employment_from_json (json, &error);
  if (return_if_error (task, error))
    return;
  g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
  g_object_unref (task);
}

static void
tripletex_create_employment (PbProvider           *provider,
                             const PbProviderArgs *args,
                             GTask                *task)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *details = json_object_new ();
  JsonArray *all_details = json_array_new ();
  PbRecord *position = args->record;
  const char *end_reason = end_reason_to_tripletex (pb_record_get (position, PB_POSITION_END_REASON));

  set_ref (body, "employee", args->employee_id);
  json_object_set_string_member (body, "startDate", pb_record_get (position, PB_POSITION_START_DATE));
  if (pb_record_get (position, PB_POSITION_END_DATE) != NULL)
    json_object_set_string_member (body, "endDate", pb_record_get (position, PB_POSITION_END_DATE));
  if (end_reason != NULL)
    json_object_set_string_member (body, "employmentEndReason", end_reason);
  json_object_set_boolean_member (body, "isMainEmployer", TRUE);

  json_object_set_string_member (details, "date", pb_record_get (position, PB_POSITION_START_DATE));
  json_object_set_double_member (details, "percentageOfFullTimeEquivalent", percentage_of (position));
  set_contract (details, pb_record_get (position, PB_POSITION_CONTRACT_TYPE));
  json_array_add_object_element (all_details, details);
  json_object_set_array_member (body, "employmentDetails", all_details);

  /* The answer (its details as references, completed with what we sent)
   * is the new employment: no read back (issue 14). */
  pb_provider_create_answered_async (provider, "/employee/employment", body, g_task_get_cancellable (task),
                                     on_employment_saved_cb, task);
}

static void
on_employment_refetched_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  on_employment_saved_cb (source, result, user_data);
}

static void
refetch_employment (GTask *task)
{
  PbProvider *provider = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autofree char *path = g_strdup_printf ("/employee/employment/%s", op->remote_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", path);

  pb_http_request_add_query (request, "fields", EMPLOYMENT_FIELDS);
  pb_provider_send_async (provider, request, g_task_get_cancellable (task), on_employment_refetched_cb, task);
}

static void
on_employment_details_updated_cb (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) json = NULL;

  json = pb_provider_send_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  refetch_employment (task);
}

static void
on_employment_updated_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  GTask *task = user_data;
  PbProvider *provider = PB_PROVIDER (source);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonObject) employment = pb_provider_send_finish (provider, result, &error);
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *details;

  if (return_if_error (task, error))
    return;

  /* Then the percentage and contract on the employment's first details. */
  json_object_set_double_member (body, "percentageOfFullTimeEquivalent", percentage_of (op->record));
  set_contract (body, pb_record_get (op->record, PB_POSITION_CONTRACT_TYPE));

  details = first_details (employment);
  if (details != NULL)
    {
      g_autofree char *id = member_id (details);
      g_autofree char *path = NULL;

      if (id == NULL)
        {
          g_autofree char *what = g_strdup_printf (_("the employment details from %s"),
                                                   member_string (details, "date") ? member_string (details, "date") : "?");
          GError *missing = NULL;

          remote_from_json (details, what, &missing);
          return_if_error (task, missing);
          return;
        }
      path = g_strdup_printf ("/employee/employment/details/%s", id);

      pb_provider_put_versioned_async (provider, path, body, NULL, g_task_get_cancellable (task),
                                       on_employment_details_updated_cb, task);
    }
  else
    {
      set_ref (body, "employment", op->remote_id);
      json_object_set_string_member (body, "date", pb_record_get (op->record, PB_POSITION_START_DATE));
      pb_provider_create_async (provider, "/employee/employment/details", body, NULL,
                                g_task_get_cancellable (task), on_employment_details_updated_cb, task);
    }
}

/* History model (SPEC P2): the engine matched this period on its start
 * date; the end date and reason change here. */
static void
tripletex_update_employment (PbProvider           *provider,
                             const PbProviderArgs *args,
                             GTask                *task)
{
  Op *op = op_new (task, args);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = g_strdup_printf ("/employee/employment/%s", op->remote_id);
  const char *end_date = pb_record_get (op->record, PB_POSITION_END_DATE);
  const char *end_reason = end_reason_to_tripletex (pb_record_get (op->record, PB_POSITION_END_REASON));

  json_object_set_string_member (body, "startDate", pb_record_get (op->record, PB_POSITION_START_DATE));
  json_object_set_string_member (body, "endDate", end_date != NULL ? end_date : "");
  if (end_reason != NULL)
    json_object_set_string_member (body, "employmentEndReason", end_reason);

  /* Read back with the details: their percentage is updated next. */
  pb_provider_put_versioned_async (provider, path, body, EMPLOYMENT_FIELDS, g_task_get_cancellable (task),
                                   on_employment_updated_cb, task);
}

/* --- salary ----------------------------------------------------------------------------- */

static void
salary_values (JsonObject *body,
               PbRecord   *salary)
{
  const char *unit = pb_record_get (salary, PB_SALARY_PERIOD_UNIT);
  double amount = g_ascii_strtod (pb_record_get (salary, PB_SALARY_AMOUNT), NULL);

  if (g_strcmp0 (unit, "hourly") == 0)
    {
      json_object_set_string_member (body, "remunerationType", "HOURLY_WAGE");
      json_object_set_double_member (body, "hourlyWage", amount);
      json_object_set_double_member (body, "annualSalary", 0);
    }
  else
    {
      json_object_set_string_member (body, "remunerationType", "MONTHLY_WAGE");
      json_object_set_double_member (body, "annualSalary", g_strcmp0 (unit, "monthly") == 0 ? amount * 12 : amount);
      json_object_set_double_member (body, "hourlyWage", 0);
    }
}

static PbRemote *
salary_from_json (JsonObject  *json,
                  GError     **error)
{
  g_autofree char *what = g_strdup_printf (_("the salary from %s"),
                                           member_string (json, "date") ? member_string (json, "date") : "?");
  PbRemote *remote = remote_from_json (json, what, error);
  double annual = member_double (json, "annualSalary");
  double hourly = member_double (json, "hourlyWage");
  g_autofree char *amount = format_amount (hourly > 0 ? hourly : annual);

  if (remote == NULL)
    return NULL;
  remote->record = pb_record_new (PB_ENTITY_SALARY);
  pb_record_set (remote->record, PB_SALARY_START_DATE, member_string (json, "date"));
  pb_record_set (remote->record, PB_SALARY_AMOUNT, amount);
  pb_record_set (remote->record, PB_SALARY_PERIOD_UNIT, hourly > 0 ? "hourly" : "yearly");
  return remote;
}

static void
on_salary_saved_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) json = NULL;
  Op *op = g_task_get_task_data (task);

  json = pb_provider_send_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  if (op != NULL && op->record == NULL)   /* a delete: nothing to give back */
    g_task_return_pointer (task, NULL, NULL);
  else
    {
      PbRemote *remote = salary_from_json (json, &error);

      if (return_if_error (task, error))
        return;
      g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
    }
  g_object_unref (task);
}

static void
on_salaries_listed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);
  g_autoptr(GPtrArray) remotes = NULL;

  if (return_if_error (task, error))
    return;

  remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      PbRemote *remote = salary_from_json (object_element (values, i), &error);

      if (remote == NULL)
        {
          return_if_error (task, error);
          return;
        }
      g_ptr_array_add (remotes, remote);
    }

  g_task_return_pointer (task, g_steal_pointer (&remotes), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

/* The employment's details records: each is the salary from its date. */
static void
tripletex_list_salaries (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/employee/employment/details");

  pb_http_request_add_query (request, "employmentId", args->parent_id);
  pb_http_request_add_query (request, "fields", DETAILS_FIELDS);
  pb_provider_list_all_async (provider, request, g_task_get_cancellable (task), on_salaries_listed_cb, task);
}

static void
tripletex_create_salary (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  g_autoptr(JsonObject) body = json_object_new ();

  if (args->parent_id == NULL)
    {
      /* SPEC S6 */
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                               _("The salary starting %s falls in no employment in Tripletex: turn on position "
                                 "sync so the employment is sent first"),
                               pb_record_get (args->record, PB_SALARY_START_DATE));
      g_object_unref (task);
      return;
    }

  op_new (task, args);
  set_ref (body, "employment", args->parent_id);
  json_object_set_string_member (body, "date", pb_record_get (args->record, PB_SALARY_START_DATE));
  json_object_set_double_member (body, "percentageOfFullTimeEquivalent", percentage_of (args->related));
  set_contract (body, args->related != NULL ? pb_record_get (args->related, PB_POSITION_CONTRACT_TYPE) : NULL);
  salary_values (body, args->record);

  pb_provider_create_async (provider, "/employee/employment/details", body, DETAILS_FIELDS,
                            g_task_get_cancellable (task), on_salary_saved_cb, task);
}

static void
tripletex_update_salary (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = g_strdup_printf ("/employee/employment/details/%s", args->remote_id);

  op_new (task, args);
  json_object_set_string_member (body, "date", pb_record_get (args->record, PB_SALARY_START_DATE));
  salary_values (body, args->record);
  /* The version the engine read with the list goes with the PUT, and the
   * PUT's answer is the salary: no version read, no read back (issue 14). */
  pb_provider_put_at_version_async (provider, path, body, args->remote_version, g_task_get_cancellable (task),
                                    on_salary_saved_cb, task);
}

/* SPEC S2: Tripletex keeps the details record and clears its salary. */
static void
tripletex_delete_salary (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = g_strdup_printf ("/employee/employment/details/%s", args->remote_id);
  Op *op = op_new (task, args);

  g_clear_object (&op->record);
  json_object_set_double_member (body, "annualSalary", 0);
  json_object_set_double_member (body, "hourlyWage", 0);
  pb_provider_put_versioned_async (provider, path, body, NULL, g_task_get_cancellable (task), on_salary_saved_cb,
                                   task);
}

/* --- absence as timesheet hours ------------------------------------------------------------ */

static void
on_activities_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);
  GPtrArray *types;

  if (return_if_error (task, error))
    return;

  types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonObject *activity = object_element (values, i);
      g_autofree char *what = g_strdup_printf (_("the activity “%s”"),
                                               member_string (activity, "name") ? member_string (activity, "name") : "");
      PbRemote *remote = remote_from_json (activity, what, &error);

      if (remote == NULL)
        {
          g_ptr_array_unref (types);
          return_if_error (task, error);
          return;
        }
      remote->name = g_strdup (member_string (activity, "name"));
      g_ptr_array_add (types, remote);
    }

  g_task_return_pointer (task, types, (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

/* Absence types in Tripletex are the company's general (internal)
 * activities: Ferie, Sykdom med lønn, Egenmelding... (notes §6.1). The API
 * has no flag for "absence" (the administrator maps by name), but it does
 * tell which activities can take absence hours at all: not project
 * activities or tasks (isGeneral: activityType GENERAL_ACTIVITY), not
 * disabled ones (Tripletex refuses hours on those: isInactive), and not
 * chargeable ones (hours invoiced to a customer are work, not absence). */
static void
tripletex_list_absence_types (PbProvider           *provider,
                              const PbProviderArgs *args,
                              GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/activity");

  pb_http_request_add_query (request, "isGeneral", "true");
  pb_http_request_add_query (request, "isInactive", "false");
  pb_http_request_add_query (request, "isChargeable", "false");
  pb_http_request_add_query (request, "fields", "id,name,number");
  pb_provider_list_all_async (provider, request, g_task_get_cancellable (task), on_activities_cb, task);
}

/* The weekdays of an absence, from start to end inclusive. */
static GPtrArray *
absence_days (PbRecord *absence)
{
  GPtrArray *days = g_ptr_array_new_with_free_func (g_free);
  GDate start, end;

  g_date_clear (&start, 1);
  g_date_clear (&end, 1);
  g_date_set_parse (&start, pb_record_get (absence, PB_ABSENCE_START_DATE));
  g_date_set_parse (&end, pb_record_get (absence, PB_ABSENCE_END_DATE));
  if (!g_date_valid (&start) || !g_date_valid (&end))
    return days;

  for (GDate d = start; g_date_compare (&d, &end) <= 0; g_date_add_days (&d, 1))
    {
      GDateWeekday weekday = g_date_get_weekday (&d);
      char buf[16];

      if (weekday == G_DATE_SATURDAY || weekday == G_DATE_SUNDAY)
        continue;
      g_date_strftime (buf, sizeof buf, "%Y-%m-%d", &d);
      g_ptr_array_add (days, g_strdup (buf));
    }

  return days;
}

static double
absence_hours (PbTripletexProvider *self,
               PbRecord            *absence)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  const char *percentage = pb_record_get (absence, PB_ABSENCE_PERCENTAGE);
  double share = percentage != NULL ? g_ascii_strtod (percentage, NULL) / 100.0 : 1.0;

  /* Hours are sent with two decimals, as the timesheet shows them. */
  return ((gint64) (priv->hours_per_day * share * 100 + 0.5)) / 100.0;
}

/* Every entry the connector keeps is changed or deleted by its id later:
 * one without is an error naming its date (SPEC R1). Takes @task on
 * failure. */
static gboolean
entries_have_ids (GTask     *task,
                  JsonArray *entries)
{
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = object_element (entries, i);
      g_autofree char *id = member_id (entry);

      if (id == NULL)
        {
          g_autofree char *what = g_strdup_printf (_("the timesheet entry on %s"),
                                                   member_string (entry, "date") ? member_string (entry, "date") : "?");
          GError *error = NULL;

          remote_from_json (entry, what, &error);
          return !return_if_error (task, error);
        }
    }
  return TRUE;
}

static char *
ids_joined (GPtrArray *entries)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      g_autofree char *id = member_id (g_ptr_array_index (entries, i));
      g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", id);
    }

  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void absence_write (GTask *task);

static void
on_standard_time_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  PbTripletexProvider *self = PB_TRIPLETEX_PROVIDER (source);
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  GError *error = NULL;
  g_autoptr(JsonObject) standard = pb_provider_send_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error))
    return;

  priv->hours_per_day = member_double (standard, "hoursPerDay");
  if (priv->hours_per_day <= 0)
    priv->hours_per_day = 7.5;   /* the Norwegian standard day */

  absence_write (task);
}

static void
with_standard_day (GTask *task)
{
  PbTripletexProvider *self = g_task_get_source_object (task);
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) request = NULL;

  if (priv->hours_per_day > 0)
    {
      absence_write (task);
      return;
    }

  request = pb_http_request_new ("GET", "/salary/settings/standardTime/byDate");
  pb_http_request_add_query (request, "date", pb_record_get (op->record, PB_ABSENCE_START_DATE));
  pb_http_request_add_query (request, "fields", "id,fromDate,hoursPerDay");
  pb_provider_send_async (PB_PROVIDER (self), request, g_task_get_cancellable (task), on_standard_time_cb, task);
}

static void
on_entries_created_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) answer = pb_http_send_finish (PB_HTTP (source), result, &error);
  JsonArray *values;
  PbRemote *remote;

  if (return_if_error (task, error))
    return;

  values = answer != NULL ? tripletex_page_values (NULL, answer) : NULL;
  if (values == NULL)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                               _("Tripletex did not list the timesheet entries it made"));
      g_object_unref (task);
      return;
    }
  if (!entries_have_ids (task, values))
    return;

  for (guint i = 0; i < json_array_get_length (values); i++)
    g_ptr_array_add (op->entries, json_object_ref (object_element (values, i)));

  /* One absence is several entries: its remote id lists them all. */
  remote = pb_remote_new (NULL, 0);
  remote->id = ids_joined (op->entries);
  g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
  g_object_unref (task);
}

/* Writes the absence's entries: those kept from before (op->entries, with
 * hours and comment updated) and new ones for the other days. */
static void look_for_entries (GTask *task);

static void
absence_write (GTask *task)
{
  PbTripletexProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(GPtrArray) days = absence_days (op->record);
  g_autoptr(JsonArray) create = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(PbHttpRequest) request = NULL;
  double hours = absence_hours (self, op->record);
  const char *note = pb_record_get (op->record, PB_ABSENCE_NOTE);

  if (op->look_first)
    {
      op->look_first = FALSE;
      look_for_entries (task);
      return;
    }

  if (op->entries == NULL)
    op->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < days->len; i++)
    {
      JsonObject *entry = json_object_new ();

      set_ref (entry, "employee", op->employee_id);
      set_ref (entry, "activity", op->remote_type);
      json_object_set_string_member (entry, "date", g_ptr_array_index (days, i));
      json_object_set_double_member (entry, "hours", hours);
      set_string_or_empty (entry, "comment", note);
      json_array_add_object_element (create, entry);
    }

  if (json_array_get_length (create) == 0)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                               _("The absence from %s to %s has no weekdays to register in Tripletex"),
                               pb_record_get (op->record, PB_ABSENCE_START_DATE),
                               pb_record_get (op->record, PB_ABSENCE_END_DATE));
      g_object_unref (task);
      return;
    }

  node = json_node_init_array (json_node_alloc (), create);
  request = pb_http_request_new ("POST", "/timesheet/entry/list");
  pb_http_request_set_body (request, node);
  pb_http_send_async (pb_provider_get_http (PB_PROVIDER (self)), request, g_task_get_cancellable (task),
                      on_entries_created_cb, task);
}

static gboolean
check_absence_sendable (GTask                *task,
                        const PbProviderArgs *args)
{
  if (args->remote_type == NULL || pb_record_get (args->record, PB_ABSENCE_END_DATE) == NULL)
    {
      /* SPEC A1: the engine sends only mapped absences with an end date. */
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                               _("An absence needs an end date and a mapped absence type to be sent"));
      g_object_unref (task);
      return FALSE;
    }

  return TRUE;
}

static void
tripletex_create_absence (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  Op *op;

  if (!check_absence_sendable (task, args))
    return;

  op = op_new (task, args);
  op->look_first = TRUE;
  with_standard_day (task);
}

/* SPEC R3: a create whose answer was lost (or whose process was killed)
 * may have made the entries already; Tripletex refuses a second entry of
 * an employee, day and activity. Entries of the absence's days on its
 * activity that say exactly what would be sent (hours and comment) are
 * taken as this absence's; anything else is left to the create, which
 * Tripletex then refuses as a duplicate (someone's own hours there are
 * never taken over or changed). */
static void
on_entries_looked_up_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  PbTripletexProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);
  g_autoptr(GPtrArray) days = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  const char *note;
  double hours;
  PbRemote *remote;

  if (return_if_error (task, error) || !entries_have_ids (task, values))
    return;

  days = absence_days (op->record);
  if (json_array_get_length (values) != days->len || days->len == 0)
    {
      absence_write (task);
      return;
    }

  wanted = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < days->len; i++)
    g_hash_table_add (wanted, g_ptr_array_index (days, i));
  hours = absence_hours (self, op->record);
  note = pb_record_get (op->record, PB_ABSENCE_NOTE);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonObject *entry = object_element (values, i);
      const char *comment = member_string (entry, "comment");
      const char *date = member_string (entry, "date");

      if (date == NULL || !g_hash_table_remove (wanted, date) ||
          ABS (member_double (entry, "hours") - hours) > 0.005 ||
          g_strcmp0 (comment != NULL && comment[0] != '\0' ? comment : NULL, note) != 0)
        {
          absence_write (task);
          return;
        }
    }

  op->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; i < json_array_get_length (values); i++)
    g_ptr_array_add (op->entries, json_object_ref (object_element (values, i)));
  remote = pb_remote_new (NULL, 0);
  remote->id = ids_joined (op->entries);
  g_task_return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
  g_object_unref (task);
}

static void
look_for_entries (GTask *task)
{
  PbProvider *provider = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/timesheet/entry");
  g_autoptr(GDate) after = g_date_new ();
  char to[16];

  /* dateTo is exclusive: the day after the end. */
  g_date_set_parse (after, pb_record_get (op->record, PB_ABSENCE_END_DATE));
  g_date_add_days (after, 1);
  g_date_strftime (to, sizeof to, "%Y-%m-%d", after);

  pb_http_request_add_query (request, "employeeId", op->employee_id);
  pb_http_request_add_query (request, "activityId", op->remote_type);
  pb_http_request_add_query (request, "dateFrom", pb_record_get (op->record, PB_ABSENCE_START_DATE));
  pb_http_request_add_query (request, "dateTo", to);
  pb_http_request_add_query (request, "fields", ENTRY_FIELDS);
  pb_provider_list_all_async (provider, request, g_task_get_cancellable (task), on_entries_looked_up_cb, task);
}

/* Reads the entries of an absence (its remote id lists them) and refuses
 * when any is locked: approved hours cannot be changed (SPEC A6). */

static void
on_entries_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  ThenFunc then = op->next;
  GError *error = NULL;
  g_autoptr(JsonArray) values = pb_provider_list_all_finish (PB_PROVIDER (source), result, &error);

  if (return_if_error (task, error) || !entries_have_ids (task, values))
    return;

  op->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonObject *entry = object_element (values, i);
      JsonNode *locked = entry != NULL ? json_object_get_member (entry, "locked") : NULL;

      if (locked != NULL && JSON_NODE_HOLDS_VALUE (locked) && json_node_get_boolean (locked))
        {
          PbProviderErrorDetails *details = pb_provider_error_details_new ();

          details->message = g_strdup_printf ("timesheet entry %" G_GINT64_FORMAT " on %s is locked",
                                              json_object_get_int_member (entry, "id"),
                                              member_string (entry, "date"));
          g_task_return_error (task, pb_provider_error_new_with_details (
                                 PB_PROVIDER_ERROR_LOCKED, details,
                                 _("The hours of this absence are locked (approved) in Tripletex, from %s. "
                                   "Unlock them in Tripletex, then approve the absence again."),
                                 member_string (entry, "date")));
          g_object_unref (task);
          return;
        }
      g_ptr_array_add (op->entries, json_object_ref (entry));
    }

  then (task);
}

static void
read_entries (GTask       *task,
              ThenFunc  then)
{
  PbProvider *provider = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/timesheet/entry");

  op->next = then;
  pb_http_request_add_query (request, "id", op->remote_id);
  pb_http_request_add_query (request, "employeeId", op->employee_id);
  /* dateFrom and dateTo are required; the ids narrow it down. */
  pb_http_request_add_query (request, "dateFrom", "1900-01-01");
  pb_http_request_add_query (request, "dateTo", "2200-01-01");
  pb_http_request_add_query (request, "fields", ENTRY_FIELDS);
  pb_provider_list_all_async (provider, request, g_task_get_cancellable (task), on_entries_read_cb, task);
}

static void delete_next_entry (GTask *task);

static void
on_entry_deleted_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) nothing = pb_provider_send_finish (PB_PROVIDER (source), result, &error);

  /* Already gone is as good as deleted. */
  if (g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_FOUND))
    g_clear_error (&error);
  if (return_if_error (task, error))
    return;

  delete_next_entry (task);
}

/* Deletes op->entries one by one, then goes on with op->next. */
static void
delete_next_entry (GTask *task)
{
  PbProvider *provider = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  ThenFunc after = op->next;
  g_autoptr(JsonObject) entry = NULL;
  g_autoptr(PbHttpRequest) request = NULL;
  g_autofree char *path = NULL;

  if (op->entries->len == 0)
    {
      after (task);
      return;
    }

  entry = g_ptr_array_steal_index (op->entries, op->entries->len - 1);
  path = g_strdup_printf ("/timesheet/entry/%" G_GINT64_FORMAT, json_object_get_int_member (entry, "id"));
  request = pb_http_request_new ("DELETE", path);
  pb_http_request_add_query_int (request, "version", json_object_get_int_member_with_default (entry, "version", 0));
  pb_provider_send_async (provider, request, g_task_get_cancellable (task), on_entry_deleted_cb, task);
}

static void
return_deleted (GTask *task)
{
  g_task_return_pointer (task, NULL, NULL);
  g_object_unref (task);
}

static void
delete_entries_then_return (GTask *task)
{
  ((Op *) g_task_get_task_data (task))->next = return_deleted;
  delete_next_entry (task);
}

static void
tripletex_delete_absence (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  op_new (task, args);
  read_entries (task, delete_entries_then_return);
}

static void
delete_entries_then_write (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  op->next = with_standard_day;
  /* SPEC R2, R3, as for a create: an update whose new entries were made
   * but whose answer was lost (a dropped connection, a killed process)
   * finds them when sent again, instead of being refused as a duplicate
   * (found by test-crash-resume, PB_CRASH_SEED=7 of faults-converge). */
  op->look_first = TRUE;
  delete_next_entry (task);
}

/* SPEC A3: new dates, percentage or note. The old entries are checked for
 * locks first, then replaced, so the absence is never half old, half new
 * in payroll after a successful update. */
static void
tripletex_update_absence (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  if (!check_absence_sendable (task, args))
    return;

  op_new (task, args);
  read_entries (task, delete_entries_then_write);
}

/* --- the class -------------------------------------------------------------------------- */

static const char * const secret_kinds[] = { "consumer-token", "employee-token", NULL };

static const PbFieldRef required_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_POSITION, PB_POSITION_START_DATE },
  { PB_ENTITY_POSITION, PB_POSITION_PERCENTAGE },
  { PB_ENTITY_SALARY, PB_SALARY_AMOUNT },
  { PB_N_ENTITIES, 0 },
};

/* No field rules (SPEC V2-V4 are Visma.net Payroll's): Tripletex takes
 * every field it maps, and an empty one clears it. */
static const PbFieldRule field_rules[] = {
  { PB_N_ENTITIES, 0, 0, 0, NULL },
};

static const PbFieldRef readable_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_PHONE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_DATE_OF_BIRTH },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_NATIONAL_ID },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE1 },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2 },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_POSTAL_CODE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_CITY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_COUNTRY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BANK_ACCOUNT },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_IBAN },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BIC },
  { PB_N_ENTITIES, 0 },
};

static void
pb_tripletex_provider_finalize (GObject *object)
{
  PbTripletexProvider *self = (PbTripletexProvider *) object;
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);

  g_assert (priv->session.waiters.length == 0);
  g_free (priv->session.token);
  g_free (priv->session.expires);
  g_hash_table_unref (priv->country_ids);
  g_hash_table_unref (priv->country_codes);
  g_free (priv->department_id);

  G_OBJECT_CLASS (pb_tripletex_provider_parent_class)->finalize (object);
}

/* Tripletex's refusals that Paybridge knows (its validation messages are
 * Norwegian; the ones below are those its API answers for what Paybridge
 * sends: see tests/contract/specs and the sandbox, which answers them). The
 * advice is the real cause: a duplicate employee number is someone already
 * in Tripletex under another email, not a field to correct. The first
 * match wins: specific fields before "any field". */
static const PbRefusal refusals[] = {
  { "employeeNumber", "Det finnes allerede en ansatt med dette ansattnummeret",
    N_("An employee with this employee number already exists."),
    N_("This person probably exists in Tripletex under another email: pair them in Sync Users (or give them "
       "another employee number in the HR register)") },
  { "email", "Det finnes allerede en bruker med denne e-postadressen",
    N_("A user with this email address already exists."),
    N_("Someone in Tripletex already has this email: run Sync users to match them, or correct the email in the "
       "HR register") },
  { "email", "Ugyldig e-postadresse",
    N_("Invalid email address."),
    N_("Correct the email address in the HR register") },
  { "department.id", "Feltet må fylles ut",
    N_("This field must be filled in."),
    N_("Tripletex requires a department for new employees: create one in Tripletex (or turn department "
       "accounting off there), then retry") },
  { "percentageOfFullTimeEquivalent", "Stillingsprosenten må være mellom 0 og 100",
    N_("The percentage of full time must be between 0 and 100."),
    N_("Correct the position’s percentage in the HR register") },
  { NULL, "Sluttdato kan ikke være før startdato",
    N_("The end date cannot be before the start date."),
    N_("Correct the period’s dates in the HR register") },
  { NULL, "Beløpet kan ikke være negativt",
    N_("The amount cannot be negative."),
    N_("Correct the salary’s amount in the HR register") },
  { "hours", "Antall timer må være mellom 0 og 24",
    N_("The number of hours must be between 0 and 24."),
    N_("Check the absence’s percentage in the HR register and the standard working day in Tripletex") },
  { "activity", "Aktiviteten er deaktivert",
    N_("The activity is deactivated."),
    N_("The payroll type this absence type is mapped to is deactivated in Tripletex: map it to an active one "
       "(Mappings), then approve the absence again") },
  { "activity", "Aktiviteten krever et prosjekt",
    N_("The activity requires a project."),
    N_("Map this absence type to an activity that needs no project (Mappings), then approve the absence again") },
  { NULL, "det finnes allerede en timeføring",
    N_("There already are hours for this employee, date, activity and project."),
    N_("Tripletex already has hours for these days on this activity: remove them in Tripletex, then approve the "
       "absence again") },
  { NULL, "Skattetrekkskoden kan ikke være tom",
    N_("The tax deduction code cannot be empty."),
    N_("Fill in the employee’s tax deduction settings in Tripletex, then retry") },
  { NULL, "Ugyldig dato",
    N_("Invalid date (expected YYYY-MM-DD)."),
    N_("Correct the date in the HR register") },
  { NULL, "Feltet må fylles ut",
    N_("This field must be filled in."),
    N_("Fill in the field Tripletex names in the HR register (or in Tripletex, for its own fields), then retry") },
  { NULL, NULL, NULL, NULL },
};

static void
pb_tripletex_provider_class_init (PbTripletexProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  PbProviderClass *provider_class = PB_PROVIDER_CLASS (klass);
  /* The first number is a ceiling: the bound is paced by Tripletex's
   * answers (X-Rate-Limit-*, 429; issue 14), which publishes no number. */
  static const PbHttpLimits limits = { 32, 0, 1, 4, 30000, 500, 30000 };

  object_class->finalize = pb_tripletex_provider_finalize;

  provider_class->id = "tripletex";
  provider_class->display_name = "Tripletex";
  provider_class->icon_name = "x-office-spreadsheet-symbolic";
  provider_class->summary = N_("Users, positions, absence as timesheet hours, and salary. Connects with API tokens.");
  provider_class->auth_kind = PB_AUTH_API_TOKENS;
  provider_class->secret_kinds = secret_kinds;
  provider_class->data_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_ABSENCE | PB_DATA_SALARY;
  provider_class->position_model = PB_POSITIONS_HISTORY;
  provider_class->can_delete_positions = FALSE;
  provider_class->salary_delete = PB_SALARY_DELETE_CLEARS_VALUES;
  provider_class->records_can_lock = TRUE;
  provider_class->required_fields = required_fields;
  provider_class->field_rules = field_rules;
  provider_class->refusals = refusals;
  provider_class->readable_fields = readable_fields;
  provider_class->default_base_url = "https://tripletex.no/v2";
  provider_class->test_base_url = "https://api-test.tripletex.tech/v2";
  provider_class->http_limits = limits;
  provider_class->page_size = 1000;

  provider_class->setup_http = tripletex_setup_http;
  provider_class->set_page = tripletex_set_page;
  provider_class->page_values = tripletex_page_values;
  provider_class->page_total = tripletex_page_total;
  provider_class->unwrap = tripletex_unwrap;

  provider_class->ops[PB_OP_VERIFY_CREDENTIALS] = tripletex_verify_credentials;
  provider_class->ops[PB_OP_LIST_EMPLOYEES] = tripletex_list_employees;
  provider_class->ops[PB_OP_FIND_EMPLOYEE] = tripletex_find_employee;
  provider_class->ops[PB_OP_CREATE_EMPLOYEE] = tripletex_create_employee;
  provider_class->ops[PB_OP_UPDATE_EMPLOYEE] = tripletex_update_employee;
  provider_class->ops[PB_OP_LIST_EMPLOYMENTS] = tripletex_list_employments;
  provider_class->ops[PB_OP_CREATE_EMPLOYMENT] = tripletex_create_employment;
  provider_class->ops[PB_OP_UPDATE_EMPLOYMENT] = tripletex_update_employment;
  /* No DELETE for employments in the Tripletex API: position delete is unsupported. */
  provider_class->ops[PB_OP_LIST_ABSENCE_TYPES] = tripletex_list_absence_types;
  provider_class->ops[PB_OP_CREATE_ABSENCE] = tripletex_create_absence;
  provider_class->ops[PB_OP_UPDATE_ABSENCE] = tripletex_update_absence;
  provider_class->ops[PB_OP_DELETE_ABSENCE] = tripletex_delete_absence;
  provider_class->ops[PB_OP_CREATE_SALARY] = tripletex_create_salary;
  provider_class->ops[PB_OP_UPDATE_SALARY] = tripletex_update_salary;
  provider_class->ops[PB_OP_DELETE_SALARY] = tripletex_delete_salary;
  provider_class->ops[PB_OP_LIST_SALARIES] = tripletex_list_salaries;
}

/* --- reading an answer whole (tests and tests/fuzz/) ------------------------------- */

static PbRemote *
answer_read_one (PbTripletexProvider  *self,
                 PbEntity              entity,
                 JsonObject           *object,
                 GError              **error)
{
  if (entity == PB_ENTITY_EMPLOYEE)
    return employee_remote_from_json (country_codes_of (self), object, error);
  if (entity == PB_ENTITY_POSITION)
    return employment_from_json (object, error);
  return salary_from_json (object, error);
}

/* A search's "values", each by the reader of one. */
static GPtrArray *
answer_read_list (PbProvider  *provider,
                  PbEntity     entity,
                  JsonArray   *values,
                  GError     **error)
{
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      PbRemote *remote = answer_read_one (PB_TRIPLETEX_PROVIDER (provider), entity, object_element (values, i), error);

      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

static GPtrArray *
answer_read_object (PbProvider  *provider,
                    PbEntity     entity,
                    JsonObject  *object,
                    GError     **error)
{
  return pb_remotes_take_one (answer_read_one (PB_TRIPLETEX_PROVIDER (provider), entity, object, error));
}

/**
 * pb_tripletex_provider_read_answer:
 * @entity: %PB_ENTITY_EMPLOYEE, %PB_ENTITY_POSITION (employments) or
 *   %PB_ENTITY_SALARY
 *
 * Reads the body of a Tripletex answer as the connector reads one
 * (pb_provider_read_answer()): a search's "values" or one "value", each
 * object into a #PbRemote by the same functions the listings and saves
 * use. For tests and the fuzz target tests/fuzz/fuzz-tripletex-answer.c.
 *
 * Returns: (transfer full) (element-type PbRemote): the records
 */
GPtrArray *
pb_tripletex_provider_read_answer (PbTripletexProvider  *self,
                                   PbEntity              entity,
                                   const char           *data,
                                   gsize                 length,
                                   GError              **error)
{
  static const PbAnswerReaders readers = {
    .read_list = answer_read_list,
    .read_object = answer_read_object,
    .unreadable = N_("Tripletex sent neither “values” nor “value”"),
  };

  g_return_val_if_fail (PB_IS_TRIPLETEX_PROVIDER (self), NULL);
  g_return_val_if_fail (entity == PB_ENTITY_EMPLOYEE || entity == PB_ENTITY_POSITION ||
                        entity == PB_ENTITY_SALARY, NULL);

  return pb_provider_read_answer (PB_PROVIDER (self), &readers, entity, data, length, error);
}

static void
pb_tripletex_provider_init (PbTripletexProvider *self)
{
  PbTripletexProviderPrivate *priv = pb_tripletex_provider_get_instance_private (self);
  g_queue_init (&priv->session.waiters);
  priv->country_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  priv->country_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
