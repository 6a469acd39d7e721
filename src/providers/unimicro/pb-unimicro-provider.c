/* pb-unimicro-provider.c: the Unimicro connector
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbUnimicro"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pb-unimicro-provider.h"
#include "pb-json-guard.h"

/* Unimicro (Uni Economy) through its REST API, as the notes part C
 * (../shared/api/payroll-apis-notes.md) describe it:
 *
 *   - OpenID Connect at login.unimicro.no (test: test-login.unimicro.no),
 *     scopes "openid profile AppFramework offline_access" (C.1).
 *   - Every request names the company in a CompanyKey header (C.2), chosen
 *     at set-up from GET /api/init/companies: the class's
 *     `company_header`; the connection keeps the key.
 *   - Entities under /api/biz/: employees (name, e-mail and phone on the
 *     BusinessRelationInfo navigation, C.4), employments (one per period,
 *     SPEC P2, with EndDateReason), salarytrans (salary as a recurring
 *     post on the employment).
 *   - Lists are bare arrays; query options filter, expand, top, orderby
 *     without '$' (C.2). skip is UNCONFIRMED, so lists are read in pages by
 *     key: orderby=ID, top=N, filter=ID gt <last ID>.
 *   - Enums as numbers (UNCONFIRMED, the front-end types suggest numbers).
 *
 * Absence: Unimicro's EmployeeLeave is leave of absence (permisjon and
 * lay-off, Leavetype 1-6) on an employment, not the HR register's absence
 * (sick leave, vacation...): nothing to map most HR types to, nothing
 * that locks (A6). SPEC's table says "no*": not offered. */

struct _PbUnimicroProvider
{
  PbProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (PbUnimicroProvider, pb_unimicro_provider, PB_TYPE_PROVIDER)

#define EMPLOYEE_EXPAND "BusinessRelationInfo,BusinessRelationInfo.DefaultEmail,BusinessRelationInfo.DefaultPhone," \
                        "BusinessRelationInfo.Addresses"

/* Wage types of the recurring salary posts (UNCONFIRMED: Unimicro's
 * standard wage types are per company; 1000 "Fastlønn" and 1010
 * "Timelønn" are the common Norwegian defaults). A yearly salary is a
 * monthly post of its yearly Rate with Amount 1/12 (Sum: the month's
 * pay), so it reads back as it was sent. */
#define WAGE_TYPE_MONTHLY 1000
#define WAGE_TYPE_HOURLY  1010

/* --- JSON helpers -------------------------------------------------------------------- */

static JsonNode *
member_at (JsonObject *object,
           const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (object == NULL)
        return NULL;
      node = json_object_get_member (object, parts[i]);
      if (node == NULL)
        return NULL;
      object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    }
  return node;
}

static const char *
member_string (JsonObject *object,
               const char *path)
{
  JsonNode *node = object != NULL ? member_at (object, path) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *path)
{
  JsonNode *node = object != NULL ? member_at (object, path) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The element @i of @array if it is an object, else NULL (no CRITICAL:
 * an answer's array may hold anything). */
static JsonObject *
object_element (JsonArray *array,
                guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
member_number (JsonObject *object,
               const char *path,
               double     *value)
{
  JsonNode *node = object != NULL ? member_at (object, path) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    {
      char *end = NULL;

      *value = g_ascii_strtod (json_node_get_string (node), &end);
      return end != json_node_get_string (node) && *end == '\0';
    }
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

static gint64
member_int (JsonObject *object,
            const char *path)
{
  double value = 0;

  /* Beyond 64 bits no number: the conversion would be undefined. */
  return member_number (object, path, &value) && value >= -0x1p63 && value < 0x1p63 ? (gint64) value : 0;
}

/* Dates come as "YYYY-MM-DD" or with a time after 'T' (UNCONFIRMED). */
static char *
member_date (JsonObject *object,
             const char *path)
{
  const char *text = member_string (object, path);

  return text != NULL && strlen (text) >= 10 ? g_strndup (text, 10) : NULL;
}

static char *
format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (value >= -0x1p63 && value < 0x1p63 && value == (double) (gint64) value)
    return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) value);
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", value));
}

/* The record's "ID" as text (a positive integer), or NULL. */
static char *
dup_id (JsonObject *object)
{
  gint64 id = member_int (object, "ID");

  return id > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, id) : NULL;
}

static void
set_body (PbHttpRequest *request,
          JsonObject    *body)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

  pb_http_request_set_body (request, node);
}

static void
set_string_or_null (JsonObject *object,
                    const char *name,
                    const char *value)
{
  if (value != NULL && *value != '\0')
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* An OData string literal: quotes doubled. */
static char *
quote (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "'", -1);
  g_autofree char *joined = g_strjoinv ("''", parts);

  return g_strdup_printf ("'%s'", joined);
}

/* --- errors -------------------------------------------------------------------------- */

/* The error body (UNCONFIRMED, notes F.3): {"Message", "Messages":
 * [{"PropertyName", "Message"}]}; keys in either case. */
static void
unimicro_decode_error (guint                   status,
                       JsonNode               *body,
                       PbProviderErrorDetails *details,
                       PbProviderError        *code)
{
  JsonObject *object = body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  JsonNode *messages;

  pb_http_decode_error_default (status, body, details, code);
  if (object == NULL)
    return;
  if (details->message == NULL && member_string (object, "Message") != NULL)
    details->message = g_strdup (member_string (object, "Message"));
  messages = json_object_get_member (object, "Messages");
  if (messages == NULL)
    messages = json_object_get_member (object, "messages");
  for (guint i = 0; messages != NULL && JSON_NODE_HOLDS_ARRAY (messages)
                    && i < json_array_get_length (json_node_get_array (messages)); i++)
    {
      JsonObject *entry = object_element (json_node_get_array (messages), i);
      const char *field = member_string (entry, "PropertyName") ?: member_string (entry, "propertyName");
      const char *message = member_string (entry, "Message") ?: member_string (entry, "message");

      if (entry != NULL)
        pb_provider_error_details_add_field (details, field, message ?: "");
    }
}

static void
unimicro_setup_http (PbProvider *provider,
                     PbHttp     *http)
{
  pb_http_set_error_decoder (http, unimicro_decode_error);
}

static GError *
invalid_response (const char *what)
{
  return g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                      _("Unimicro sent %s without what Paybridge needs to read it. "
                        "Try again later, or report it to Unimicro"), what);
}

/* --- operations: state and steps -------------------------------------------------------- */

typedef void (*ThenFunc) (GTask *task);

typedef struct
{
  PbProviderOp  op;
  PbRecord     *record;
  PbRecord     *employee;
  PbRecord     *related;
  char         *employee_id;
  char         *remote_id;
  char         *parent_id;
  guint64       omit;

  JsonNode     *answer;     /* the last answer */
  JsonArray    *items;      /* a list read */
  gint64        last_id;    /* keyset paging */
  PbHttpRequest *list;      /* the list request, without paging */
  ThenFunc      next;
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
  g_clear_pointer (&op->answer, json_node_unref);
  g_clear_pointer (&op->items, json_array_unref);
  g_clear_pointer (&op->list, pb_http_request_unref);
  g_free (op);
}

static Op *
op_new (GTask                *task,
        PbProviderOp          kind,
        const PbProviderArgs *args)
{
  Op *op = g_new0 (Op, 1);

  op->op = kind;
  if (args != NULL)
    {
      op->record = args->record != NULL ? pb_record_copy (args->record) : NULL;
      op->employee = args->employee != NULL ? g_object_ref (args->employee) : NULL;
      op->related = args->related != NULL ? g_object_ref (args->related) : NULL;
      op->employee_id = g_strdup (args->employee_id);
      op->remote_id = g_strdup (args->remote_id);
      op->parent_id = g_strdup (args->parent_id);
      op->omit = args->omit;
    }
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  return op;
}

/* Ends @task with @error (taken) if set. */
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

static void
return_pointer (GTask          *task,
                gpointer        result,
                GDestroyNotify  destroy)
{
  g_task_return_pointer (task, result, destroy);
  g_object_unref (task);
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  JsonNode *answer = pb_http_send_finish (PB_HTTP (source), result, &error);

  if (return_if_error (task, error))
    return;
  g_clear_pointer (&op->answer, json_node_unref);
  op->answer = answer;
  op->next (task);
}

/* Sends @request; its answer (object, array or NULL) into op->answer, then @then. */
static void
send_async (GTask         *task,
            PbHttpRequest *request,
            ThenFunc       then)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  op->next = then;
  pb_http_send_async (pb_provider_get_http (self), request, g_task_get_cancellable (task), on_sent_cb, task);
}

static JsonObject *
answer_object (Op *op)
{
  return op->answer != NULL && JSON_NODE_HOLDS_OBJECT (op->answer) ? json_node_get_object (op->answer) : NULL;
}

/* A list, page by page by key, into op->items; then @then. */
#define KEYSET "ID gt "
static void list_page (GTask *task);

static void
on_page (GTask *task)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  JsonArray *page = op->answer != NULL && JSON_NODE_HOLDS_ARRAY (op->answer) ? json_node_get_array (op->answer) : NULL;
  guint n;
  gint64 last = op->last_id;

  if (page == NULL)
    {
      return_if_error (task, invalid_response (_("a list")));
      return;
    }
  n = json_array_get_length (page);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *row = object_element (page, i);

      json_array_add_element (op->items, json_node_copy (json_array_get_element (page, i)));
      last = MAX (last, member_int (row, "ID"));
    }
  /* A full page whose IDs did not move on would repeat itself forever. */
  if (n >= PB_PROVIDER_GET_CLASS (self)->page_size && last > op->last_id)
    {
      op->last_id = last;
      list_page (task);
    }
  else
    {
      ThenFunc then = g_object_get_data (G_OBJECT (task), "list-then");

      then (task);
    }
}

/* The page of @list (its own filter kept) after ID @after: keyset paging,
 * `top` at a time. */
static PbHttpRequest *
keyed_page (PbProvider    *self,
            PbHttpRequest *list,
            gint64         after)
{
  PbHttpRequest *page = pb_http_request_copy (list);
  const char *filter = pb_http_request_get_query (list, "filter");
  g_autofree char *keyed = NULL;
  g_autofree char *top = g_strdup_printf ("%u", PB_PROVIDER_GET_CLASS (self)->page_size);

  keyed = filter != NULL ? g_strdup_printf ("%s and " KEYSET "%" G_GINT64_FORMAT, filter, after)
                         : g_strdup_printf (KEYSET "%" G_GINT64_FORMAT, after);
  pb_http_request_set_query (page, "filter", keyed);
  pb_http_request_set_query (page, "orderby", "ID");
  pb_http_request_set_query (page, "top", top);
  return page;
}

static void
list_page (GTask *task)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) page = keyed_page (self, op->list, op->last_id);

  send_async (task, page, on_page);
}

/* Paging for pb_provider_list_converted_async(): a bare array... */
static JsonArray *
unimicro_page_values (PbProvider *provider,
                      JsonNode   *page)
{
  return JSON_NODE_HOLDS_ARRAY (page) ? json_node_get_array (page) : NULL;
}

/* ...and the keyset: the page after the highest ID of @values, which
 * @sent asked for IDs above. */
static PbHttpRequest *
unimicro_next_page (PbProvider    *provider,
                    PbHttpRequest *request,
                    PbHttpRequest *sent,
                    JsonNode      *page,
                    JsonArray     *values)
{
  gint64 before = 0;
  gint64 last;
  guint n;

  if (sent == NULL)
    return keyed_page (provider, request, 0);

  before = g_ascii_strtoll (g_strrstr (pb_http_request_get_query (sent, "filter"), KEYSET) + strlen (KEYSET),
                            NULL, 10);
  last = before;
  n = json_array_get_length (values);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (values, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        last = MAX (last, member_int (json_node_get_object (element), "ID"));
    }
  /* A full page whose IDs did not move on would repeat itself forever. */
  if (n < PB_PROVIDER_GET_CLASS (provider)->page_size || last <= before)
    return NULL;
  return keyed_page (provider, request, last);
}

/* Lists @path (with @filter and @expand, both nullable) into op->items. */
static void
list_async (GTask      *task,
            const char *path,
            const char *filter,
            const char *expand,
            ThenFunc    then)
{
  Op *op = g_task_get_task_data (task);

  g_clear_pointer (&op->list, pb_http_request_unref);
  op->list = pb_http_request_new ("GET", path);
  if (expand != NULL)
    pb_http_request_add_query (op->list, "expand", expand);
  if (filter != NULL)
    pb_http_request_add_query (op->list, "filter", filter);
  g_object_set_data (G_OBJECT (task), "list-then", then);
  g_clear_pointer (&op->items, json_array_unref);
  op->items = json_array_new ();
  op->last_id = 0;
  list_page (task);
}

/* --- verify: the company --------------------------------------------------------------- */

/* C.2: rows have Key (or CompanyKey), Name (or CompanyName) and
 * OrganizationNumber; a row without a key cannot be chosen and is left
 * out. Unimicro is Norwegian accounting and payroll: NOK. */
static GPtrArray *
parse_companies (JsonNode *answer)
{
  JsonArray *rows = answer != NULL && JSON_NODE_HOLDS_ARRAY (answer) ? json_node_get_array (answer) : NULL;
  GPtrArray *companies;

  if (rows == NULL)
    return NULL;

  companies = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_company_free);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonNode *element = json_array_get_element (rows, i);
      JsonObject *row = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *key = row != NULL ? member_string (row, "Key") ?: member_string (row, "CompanyKey") : NULL;
      const char *name = row != NULL ? member_string (row, "Name") ?: member_string (row, "CompanyName") : NULL;
      PbRemoteCompany *company;

      if (key == NULL || *key == '\0')
        continue;
      company = g_new0 (PbRemoteCompany, 1);
      company->id = g_strdup (key);
      company->name = g_strdup (name != NULL && *name != '\0' ? name : key);
      company->org_number = g_strdup (member_string (row, "OrganizationNumber"));
      company->currency = g_strdup ("NOK");
      g_ptr_array_add (companies, company);
    }

  return companies;
}

static void
verified (GTask *task)
{
  PbProvider *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  const char *chosen = pb_provider_get_company (self);
  g_autoptr(GPtrArray) companies = parse_companies (op->answer);
  g_autoptr(GString) names = g_string_new (NULL);

  if (companies == NULL)
    {
      return_if_error (task, invalid_response (_("the list of companies")));
      return;
    }
  for (guint i = 0; i < companies->len; i++)
    {
      PbRemoteCompany *company = g_ptr_array_index (companies, i);

      if (chosen != NULL && g_ascii_strcasecmp (company->id, chosen) == 0)
        {
          return_pointer (task, g_ptr_array_steal_index (companies, i), (GDestroyNotify) pb_remote_company_free);
          return;
        }
      g_string_append_printf (names, "%s%s (%s)", names->len > 0 ? ", " : "", company->name, company->id);
    }

  /* No company chosen, or one this user cannot reach: name those there are. */
  if (companies->len == 0)
    return_if_error (task, g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FORBIDDEN,
                                                _("This Unimicro user may not act on any company. Ask an "
                                                  "administrator in Unimicro to give the user access to the "
                                                  "company, or sign in as another user.")));
  else
    return_if_error (task, g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                                        chosen == NULL
                                        ? _("Choose the Unimicro company to connect to by its key: %s")
                                        : _("This Unimicro user cannot reach the chosen company. Choose one of: %s"),
                                        names->str));
}

static void
unimicro_verify_credentials (PbProvider           *provider,
                             const PbProviderArgs *args,
                             GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", PB_PROVIDER_GET_CLASS (provider)->companies_path);

  op_new (task, PB_OP_VERIFY_CREDENTIALS, args);
  send_async (task, request, verified);
}

/* --- the companies to choose from (issue 15) -------------------------------------------- */

static void
companies_listed (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GPtrArray *companies = parse_companies (op->answer);

  if (companies == NULL)
    {
      return_if_error (task, invalid_response (_("the list of companies")));
      return;
    }
  return_pointer (task, companies, (GDestroyNotify) g_ptr_array_unref);
}

/* GET /api/init/companies: needs no CompanyKey (C.2). */
static void
unimicro_list_companies (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", PB_PROVIDER_GET_CLASS (provider)->companies_path);

  op_new (task, PB_OP_LIST_COMPANIES, args);
  send_async (task, request, companies_listed);
}

/* --- mapping: employees -------------------------------------------------------------------- */

/* The address: the first of BusinessRelationInfo.Addresses[] (C.4; its
 * members AddressLine1, AddressLine2, PostalCode, City, CountryCode are
 * UNCONFIRMED, Unimicro's Address entity as its front-end names them).
 * The held one's ID is kept, so that it is changed, not added to. */
static const struct
{
  guint       field;
  const char *member;
} address_members[] = {
  { PB_EMPLOYEE_ADDRESS_LINE1, "AddressLine1" },
  { PB_EMPLOYEE_ADDRESS_LINE2, "AddressLine2" },
  { PB_EMPLOYEE_POSTAL_CODE, "PostalCode" },
  { PB_EMPLOYEE_CITY, "City" },
  { PB_EMPLOYEE_COUNTRY, "CountryCode" },
};

static JsonObject *
first_address (JsonObject *info)
{
  JsonNode *node = info != NULL ? json_object_get_member (info, "Addresses") : NULL;
  JsonArray *array = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  return array != NULL && json_array_get_length (array) > 0 ? object_element (array, 0) : NULL;
}

static PbRecord *
employee_record (JsonObject *json)
{
  PbRecord *record = pb_record_new (PB_ENTITY_EMPLOYEE);
  const char *name = member_string (json, "BusinessRelationInfo.Name");
  g_autofree char *birth = member_date (json, "BirthDate");
  g_autofree char *first = member_date (json, "EmploymentDate");
  gint64 number = member_int (json, "EmployeeNumber");

  /* Unimicro has one name; the HR register's family name is its last word
   * (UNCONFIRMED how Unimicro splits it; it does not). */
  if (name != NULL)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (name));
      char *space = strrchr (trimmed, ' ');

      if (space != NULL)
        {
          *space = '\0';
          pb_record_set (record, PB_EMPLOYEE_GIVEN_NAME, g_strstrip (trimmed));
          pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, space + 1);
        }
      else
        pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, trimmed);
    }
  pb_record_set (record, PB_EMPLOYEE_EMAIL, member_string (json, "BusinessRelationInfo.DefaultEmail.EmailAddress"));
  pb_record_set (record, PB_EMPLOYEE_PHONE, member_string (json, "BusinessRelationInfo.DefaultPhone.Number"));
  if (number > 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, number);

      pb_record_set (record, PB_EMPLOYEE_EMPLOYEE_NUMBER, text);
    }
  pb_record_set (record, PB_EMPLOYEE_DATE_OF_BIRTH, birth);
  pb_record_set (record, PB_EMPLOYEE_FIRST_WORKDAY, first);
  for (guint i = 0; i < G_N_ELEMENTS (address_members); i++)
    pb_record_set (record, address_members[i].field,
                   member_string (first_address (member_object (json, "BusinessRelationInfo")), address_members[i].member));
  return record;
}

static PbRemote *
employee_remote (JsonObject  *json,
                 GError     **error)
{
  g_autofree char *id = dup_id (json);
  PbRemote *remote;

  if (id == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("Unimicro sent the employee “%s” without its “ID”: it cannot be linked or changed. "
                     "Read it again later, or report it to Unimicro"),
                   member_string (json, "BusinessRelationInfo.Name") ?: "?");
      return NULL;
    }
  remote = pb_remote_new (id, 0);
  remote->record = employee_record (json);
  return remote;
}

/* A contact navigation: {"ID" (kept, so the same one is changed), key: value}. */
static void
set_contact (JsonObject *info,
             JsonObject *current,
             const char *navigation,
             const char *key,
             const char *value)
{
  JsonObject *old = member_object (current, navigation);
  JsonObject *contact;

  if (value == NULL && old == NULL)
    return;
  contact = json_object_new ();
  if (member_int (old, "ID") > 0)
    json_object_set_int_member (contact, "ID", member_int (old, "ID"));
  set_string_or_null (contact, key, value);
  json_object_set_object_member (info, navigation, contact);
}

static void
set_address (JsonObject *info,
             JsonObject *held,
             Op         *op)
{
  JsonObject *old = first_address (held);
  JsonObject *address = json_object_new ();
  JsonArray *addresses = json_array_new ();
  gboolean any = FALSE;

  if (member_int (old, "ID") > 0)
    json_object_set_int_member (address, "ID", member_int (old, "ID"));
  for (guint i = 0; i < G_N_ELEMENTS (address_members); i++)
    {
      const char *value = pb_record_get (op->record, address_members[i].field);

      set_string_or_null (address, address_members[i].member, value);
      any |= value != NULL && *value != '\0';
    }
  if (!any && old == NULL)
    {
      json_object_unref (address);
      json_array_unref (addresses);
      return;
    }
  json_array_add_object_element (addresses, address);
  json_object_set_array_member (info, "Addresses", addresses);
}

/* The employee body from HR's @record; @current: what Unimicro holds (update). */
static JsonObject *
employee_body (Op          *op,
               JsonObject  *current,
               GError     **error)
{
  JsonObject *body = json_object_new ();
  JsonObject *info = json_object_new ();
  JsonObject *held = member_object (current, "BusinessRelationInfo");
  PbRecord *record = op->record;
  const char *given = pb_record_get (record, PB_EMPLOYEE_GIVEN_NAME);
  const char *family = pb_record_get (record, PB_EMPLOYEE_FAMILY_NAME);
  const char *number = pb_record_get (record, PB_EMPLOYEE_EMPLOYEE_NUMBER);
  g_autofree char *name = g_strstrip (g_strdup_printf ("%s %s", given ?: "", family ?: ""));

  if (member_int (held, "ID") > 0)
    json_object_set_int_member (info, "ID", member_int (held, "ID"));
  json_object_set_string_member (info, "Name", name);
  set_contact (info, held, "DefaultEmail", "EmailAddress", pb_record_get (record, PB_EMPLOYEE_EMAIL));
  set_contact (info, held, "DefaultPhone", "Number", pb_record_get (record, PB_EMPLOYEE_PHONE));
  set_address (info, held, op);
  json_object_set_object_member (body, "BusinessRelationInfo", info);

  /* EmployeeNumber is an int (C.4); empty: Unimicro assigns one. */
  if (number != NULL && *number != '\0')
    {
      char *end = NULL;
      gint64 value = g_ascii_strtoll (number, &end, 10);

      if (end == number || *end != '\0' || value <= 0 || value > G_MAXINT32)
        {
          json_object_unref (body);
          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                       _("Unimicro takes only whole numbers as employee numbers, not “%s”. "
                         "Correct the employee number in the HR register"), number);
          return NULL;
        }
      json_object_set_int_member (body, "EmployeeNumber", value);
    }
  set_string_or_null (body, "BirthDate", pb_record_get (record, PB_EMPLOYEE_DATE_OF_BIRTH));
  if (pb_provider_args_sends (&(PbProviderArgs) { .omit = op->omit }, PB_EMPLOYEE_NATIONAL_ID))
    set_string_or_null (body, "SocialSecurityNumber", pb_record_get (record, PB_EMPLOYEE_NATIONAL_ID));
  set_string_or_null (body, "EmploymentDate", pb_record_get (record, PB_EMPLOYEE_FIRST_WORKDAY));
  return body;
}

/* --- employees ----------------------------------------------------------------------------- */

/* One page of the employees, in a worker thread (PbListConvertFunc): only
 * the page is read. */
static GPtrArray *
employees_page_from_json (JsonArray  *values,
                          gpointer    user_data,
                          GError    **error)
{
  guint n = json_array_get_length (values);
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_full (n, (GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (values, i);
      PbRemote *remote;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_propagate_error (error, invalid_response (_("an employee")));
          return NULL;
        }
      remote = employee_remote (json_node_get_object (element), error);
      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

/* One employee without an ID fails the listing, naming them (SPEC R1). */
static void
on_employees_listed_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) remotes = pb_provider_list_converted_finish (PB_PROVIDER (source), result, &error);
  const char *email = op->record != NULL ? pb_record_get (op->record, PB_EMPLOYEE_EMAIL) : NULL;

  if (return_if_error (task, error))
    return;

  if (op->op == PB_OP_FIND_EMPLOYEE)
    {
      /* SPEC U1: trimmed and case-insensitive, whatever the filter did. */
      g_autofree char *wanted = g_strstrip (g_strdup (email ?: ""));

      for (guint i = 0; i < remotes->len; i++)
        {
          PbRemote *remote = g_ptr_array_index (remotes, i);
          g_autofree char *found = g_strdup (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL));

          if (found != NULL && g_ascii_strcasecmp (g_strstrip (found), wanted) == 0)
            {
              return_pointer (task, g_ptr_array_steal_index (remotes, i), (GDestroyNotify) pb_remote_free);
              return;
            }
        }
      return_pointer (task, NULL, NULL);
      return;
    }
  return_pointer (task, g_steal_pointer (&remotes), (GDestroyNotify) g_ptr_array_unref);
}

/* Each page is converted in a worker thread as it comes (issue 14). */
static void
list_employees (GTask      *task,
                const char *filter)
{
  PbProvider *provider = g_task_get_source_object (task);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/biz/employees");

  pb_http_request_add_query (request, "expand", EMPLOYEE_EXPAND);
  if (filter != NULL)
    pb_http_request_add_query (request, "filter", filter);
  pb_provider_list_converted_async (provider, request, employees_page_from_json, NULL, NULL,
                                    (GDestroyNotify) pb_remote_free, g_task_get_cancellable (task),
                                    on_employees_listed_cb, task);
}

static void
unimicro_list_employees (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  op_new (task, PB_OP_LIST_EMPLOYEES, NULL);
  list_employees (task, NULL);
}

static void
unimicro_find_employee (PbProvider           *provider,
                        const PbProviderArgs *args,
                        GTask                *task)
{
  const char *email = args->record != NULL ? pb_record_get (args->record, PB_EMPLOYEE_EMAIL) : NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (email ?: ""));
  g_autofree char *literal = quote (trimmed);
  g_autofree char *filter = g_strdup_printf ("BusinessRelationInfo.DefaultEmail.EmailAddress eq %s", literal);

  op_new (task, PB_OP_FIND_EMPLOYEE, args);
  if (*trimmed == '\0')
    {
      return_pointer (task, NULL, NULL);
      return;
    }
  list_employees (task, filter);
}

/* After a write: the employee read back with its navigations (a write's
 * answer need not carry them). */
static void
return_employee (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  JsonObject *json = answer_object (op);
  PbRemote *remote;

  if (json == NULL)
    {
      return_if_error (task, invalid_response (_("an employee")));
      return;
    }
  remote = employee_remote (json, &error);
  if (return_if_error (task, error))
    return;
  return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
}

static void
read_back_employee (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autofree char *id = dup_id (answer_object (op));
  g_autofree char *path = NULL;
  g_autoptr(PbHttpRequest) request = NULL;

  if (id == NULL && op->remote_id == NULL)
    {
      /* SPEC R1: without its ID the new employee can be neither read nor linked. */
      return_if_error (task, g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                                          _("Unimicro did not send the “ID” of the employee it created")));
      return;
    }
  path = g_strdup_printf ("/biz/employees/%s", id != NULL ? id : op->remote_id);
  request = pb_http_request_new ("GET", path);
  pb_http_request_add_query (request, "expand", EMPLOYEE_EXPAND);
  send_async (task, request, return_employee);
}

static void
unimicro_create_employee (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  Op *op = op_new (task, PB_OP_CREATE_EMPLOYEE, args);
  GError *error = NULL;
  g_autoptr(JsonObject) body = employee_body (op, NULL, &error);
  g_autoptr(PbHttpRequest) request = NULL;

  if (return_if_error (task, error))
    return;
  request = pb_http_request_new ("POST", "/biz/employees");
  set_body (request, body);
  send_async (task, request, read_back_employee);
}

static void
update_employee_put (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = g_strdup_printf ("/biz/employees/%s", op->remote_id);
  g_autoptr(PbHttpRequest) request = NULL;

  if (answer_object (op) == NULL)
    {
      return_if_error (task, invalid_response (_("an employee")));
      return;
    }
  body = employee_body (op, answer_object (op), &error);
  if (return_if_error (task, error))
    return;
  json_object_set_int_member (body, "ID", g_ascii_strtoll (op->remote_id, NULL, 10));
  request = pb_http_request_new ("PUT", path);
  set_body (request, body);
  send_async (task, request, read_back_employee);
}

static void
unimicro_update_employee (PbProvider           *provider,
                          const PbProviderArgs *args,
                          GTask                *task)
{
  g_autofree char *path = g_strdup_printf ("/biz/employees/%s", args->remote_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", path);

  op_new (task, PB_OP_UPDATE_EMPLOYEE, args);
  pb_http_request_add_query (request, "expand", EMPLOYEE_EXPAND);
  send_async (task, request, update_employee_put);
}

/* --- mapping: employments (SPEC P2) ----------------------------------------------------------- */

/* HR end reasons <-> EndDateReason (UM-ENT; the a-melding's sluttårsak). */
static const struct
{
  const char *hr;
  int         unimicro;
} end_reasons[] = {
  { "wrongly_reported", 1 },     /* ShouldNotHaveBeenReported */
  { "dismissed", 2 },            /* EmployerHasResignedEmployee */
  { "resigned", 3 },             /* EmployeeHasResigned */
  { "system_change", 4 },        /* ChangedAccountingSystemOrAccountant */
  { "internal_change", 5 },      /* ChangeInOrganizationStructureOrChangedJobInternally */
  { "contract_expired", 6 },     /* TemporaryEmploymentHasExpired */
};

static PbRecord *
position_record (JsonObject *json)
{
  PbRecord *record = pb_record_new (PB_ENTITY_POSITION);
  g_autofree char *start = member_date (json, "StartDate");
  g_autofree char *end = member_date (json, "EndDate");
  gint64 reason = member_int (json, "EndDateReason");
  double percent;

  pb_record_set (record, PB_POSITION_START_DATE, start);
  pb_record_set (record, PB_POSITION_END_DATE, end);
  pb_record_set (record, PB_POSITION_TITLE, member_string (json, "JobName"));
  if (member_number (json, "WorkPercent", &percent))
    {
      g_autofree char *text = format_number (percent);

      pb_record_set (record, PB_POSITION_PERCENTAGE, text);
    }
  /* TypeOfEmployment 3: freelancer; EmploymentType 2 Temporary (with
   * RemunerationType 2 HourlyPaid: hourly), 1 Permanent. */
  if (member_int (json, "TypeOfEmployment") == 3)
    pb_record_set (record, PB_POSITION_CONTRACT_TYPE, "freelance");
  else if (member_int (json, "EmploymentType") == 2)
    pb_record_set (record, PB_POSITION_CONTRACT_TYPE, member_int (json, "RemunerationType") == 2 ? "hourly" : "temporary");
  else if (member_int (json, "EmploymentType") == 1)
    pb_record_set (record, PB_POSITION_CONTRACT_TYPE, "permanent");
  for (guint i = 0; i < G_N_ELEMENTS (end_reasons); i++)
    if (end_reasons[i].unimicro == reason)
      pb_record_set (record, PB_POSITION_END_REASON, end_reasons[i].hr);
  return record;
}

static JsonObject *
position_body (Op *op)
{
  JsonObject *body = json_object_new ();
  PbRecord *record = op->record;
  const char *contract = pb_record_get (record, PB_POSITION_CONTRACT_TYPE);
  const char *reason = pb_record_get (record, PB_POSITION_END_REASON);
  const char *end = pb_record_get (record, PB_POSITION_END_DATE);
  const char *percent = pb_record_get (record, PB_POSITION_PERCENTAGE);
  int reason_value = 0;

  json_object_set_int_member (body, "EmployeeID", g_ascii_strtoll (op->employee_id, NULL, 10));
  json_object_set_string_member (body, "StartDate", pb_record_get (record, PB_POSITION_START_DATE));
  set_string_or_null (body, "EndDate", end);
  set_string_or_null (body, "JobName", pb_record_get (record, PB_POSITION_TITLE));
  if (percent != NULL && *percent != '\0')
    json_object_set_double_member (body, "WorkPercent", g_ascii_strtod (percent, NULL));
  else
    json_object_set_null_member (body, "WorkPercent");
  json_object_set_int_member (body, "TypeOfEmployment", g_strcmp0 (contract, "freelance") == 0 ? 3 : 1);
  json_object_set_int_member (body, "EmploymentType",
                              g_strcmp0 (contract, "temporary") == 0 || g_strcmp0 (contract, "hourly") == 0 ? 2
                              : contract != NULL && g_strcmp0 (contract, "freelance") != 0 ? 1 : 0);
  json_object_set_int_member (body, "RemunerationType", g_strcmp0 (contract, "hourly") == 0 ? 2 : 1);
  /* A reason only with an end date (the a-melding; the sandbox refuses it). */
  for (guint i = 0; end != NULL && *end != '\0' && reason != NULL && i < G_N_ELEMENTS (end_reasons); i++)
    if (g_str_equal (end_reasons[i].hr, reason))
      reason_value = end_reasons[i].unimicro;
  json_object_set_int_member (body, "EndDateReason", reason_value);
  return body;
}

static PbRemote *
position_remote (JsonObject  *json,
                 GError     **error)
{
  g_autofree char *id = dup_id (json);
  PbRemote *remote;

  if (id == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("Unimicro sent an employment without its “ID”: it cannot be linked or changed. "
                     "Read it again later, or report it to Unimicro"));
      return NULL;
    }
  remote = pb_remote_new (id, 0);
  remote->record = position_record (json);
  return remote;
}

/* The positions of a list's items (every page). */
static GPtrArray *
positions_from_json (JsonArray  *items,
                     GError    **error)
{
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *json = object_element (items, i);
      PbRemote *remote;

      if (json == NULL)
        {
          g_propagate_error (error, invalid_response (_("an employment")));
          return NULL;
        }
      remote = position_remote (json, error);
      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

static void
return_positions (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *remotes = positions_from_json (op->items, &error);

  if (return_if_error (task, error))
    return;
  return_pointer (task, remotes, (GDestroyNotify) g_ptr_array_unref);
}

static void
return_position (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  PbRemote *remote;

  if (answer_object (op) == NULL)
    {
      return_if_error (task, invalid_response (_("an employment")));
      return;
    }
  remote = position_remote (answer_object (op), &error);
  if (return_if_error (task, error))
    return;
  return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
}

static void
unimicro_list_employments (PbProvider           *provider,
                           const PbProviderArgs *args,
                           GTask                *task)
{
  g_autofree char *filter = g_strdup_printf ("EmployeeID eq %" G_GINT64_FORMAT,
                                             g_ascii_strtoll (args->employee_id, NULL, 10));

  op_new (task, PB_OP_LIST_EMPLOYMENTS, args);
  list_async (task, "/biz/employments", filter, NULL, return_positions);
}

static void
unimicro_create_employment (PbProvider           *provider,
                            const PbProviderArgs *args,
                            GTask                *task)
{
  Op *op = op_new (task, PB_OP_CREATE_EMPLOYMENT, args);
  g_autoptr(JsonObject) body = position_body (op);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("POST", "/biz/employments");

  set_body (request, body);
  send_async (task, request, return_position);
}

static void
unimicro_update_employment (PbProvider           *provider,
                            const PbProviderArgs *args,
                            GTask                *task)
{
  Op *op = op_new (task, PB_OP_UPDATE_EMPLOYMENT, args);
  g_autoptr(JsonObject) body = position_body (op);
  g_autofree char *path = g_strdup_printf ("/biz/employments/%s", args->remote_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("PUT", path);

  json_object_set_int_member (body, "ID", g_ascii_strtoll (args->remote_id, NULL, 10));
  set_body (request, body);
  send_async (task, request, return_position);
}

static void
return_deleted (GTask *task)
{
  return_pointer (task, NULL, NULL);
}

static void
delete_async (GTask      *task,
              const char *entity,
              const char *id)
{
  g_autofree char *path = g_strdup_printf ("/biz/%s/%s", entity, id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("DELETE", path);

  send_async (task, request, return_deleted);
}

static void
unimicro_delete_employment (PbProvider           *provider,
                            const PbProviderArgs *args,
                            GTask                *task)
{
  op_new (task, PB_OP_DELETE_EMPLOYMENT, args);
  delete_async (task, "employments", args->remote_id);
}

/* --- salary: recurring posts on the employment (SPEC S1-S3, S6) --------------------------------- */

static PbRecord *
salary_record (JsonObject *json)
{
  PbRecord *record = pb_record_new (PB_ENTITY_SALARY);
  g_autofree char *from = member_date (json, "recurringPostValidFrom");
  g_autofree char *to = member_date (json, "recurringPostValidTo");
  double rate = 0;
  double quantity = 0;

  pb_record_set (record, PB_SALARY_START_DATE, from);
  pb_record_set (record, PB_SALARY_END_DATE, to);
  if (member_number (json, "Rate", &rate))
    {
      g_autofree char *text = format_number (rate);

      pb_record_set (record, PB_SALARY_AMOUNT, text);
    }
  pb_record_set (record, PB_SALARY_CURRENCY, "NOK");
  if (member_int (json, "WageTypeNumber") == WAGE_TYPE_HOURLY)
    pb_record_set (record, PB_SALARY_PERIOD_UNIT, "hourly");
  else if (member_number (json, "Amount", &quantity) && fabs (quantity * 12 - 1) < 1e-6)
    pb_record_set (record, PB_SALARY_PERIOD_UNIT, "yearly");
  else
    pb_record_set (record, PB_SALARY_PERIOD_UNIT, "monthly");
  pb_record_set (record, PB_SALARY_NOTE, member_string (json, "Text"));
  return record;
}

static PbRemote *
salary_remote (JsonObject  *json,
               GError     **error)
{
  g_autofree char *id = dup_id (json);
  PbRemote *remote;

  if (id == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("Unimicro sent a salary post without its “ID”: it cannot be linked or changed. "
                     "Read it again later, or report it to Unimicro"));
      return NULL;
    }
  remote = pb_remote_new (id, 0);
  remote->record = salary_record (json);
  return remote;
}

static JsonObject *
salary_body (Op *op)
{
  JsonObject *body = json_object_new ();
  PbRecord *record = op->record;
  const char *unit = pb_record_get (record, PB_SALARY_PERIOD_UNIT);
  double amount = g_ascii_strtod (pb_record_get (record, PB_SALARY_AMOUNT) ?: "0", NULL);
  const char *note = pb_record_get (record, PB_SALARY_NOTE);

  json_object_set_int_member (body, "EmployeeID", g_ascii_strtoll (op->employee_id, NULL, 10));
  json_object_set_int_member (body, "EmploymentID", g_ascii_strtoll (op->parent_id, NULL, 10));
  json_object_set_boolean_member (body, "IsRecurringPost", TRUE);
  json_object_set_int_member (body, "WageTypeNumber",
                              g_strcmp0 (unit, "hourly") == 0 ? WAGE_TYPE_HOURLY : WAGE_TYPE_MONTHLY);
  json_object_set_double_member (body, "Rate", amount);
  json_object_set_double_member (body, "Amount", g_strcmp0 (unit, "yearly") == 0 ? 1.0 / 12.0 : 1.0);
  set_string_or_null (body, "Text", note != NULL && *note != '\0' ? note
                      : g_strcmp0 (unit, "hourly") == 0 ? "Timelønn" : "Fastlønn");
  json_object_set_string_member (body, "recurringPostValidFrom", pb_record_get (record, PB_SALARY_START_DATE));
  set_string_or_null (body, "recurringPostValidTo", pb_record_get (record, PB_SALARY_END_DATE));
  return body;
}

/* The salaries of a list's items (every page). */
static GPtrArray *
salaries_from_json (JsonArray  *items,
                    GError    **error)
{
  g_autoptr(GPtrArray) remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *json = object_element (items, i);
      PbRemote *remote;

      if (json == NULL)
        {
          g_propagate_error (error, invalid_response (_("a salary post")));
          return NULL;
        }
      remote = salary_remote (json, error);
      if (remote == NULL)
        return NULL;
      g_ptr_array_add (remotes, remote);
    }
  return g_steal_pointer (&remotes);
}

static void
return_salaries (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *remotes = salaries_from_json (op->items, &error);

  if (return_if_error (task, error))
    return;
  return_pointer (task, remotes, (GDestroyNotify) g_ptr_array_unref);
}

static void
return_salary (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  PbRemote *remote;

  if (answer_object (op) == NULL)
    {
      return_if_error (task, invalid_response (_("a salary post")));
      return;
    }
  remote = salary_remote (answer_object (op), &error);
  if (return_if_error (task, error))
    return;
  return_pointer (task, remote, (GDestroyNotify) pb_remote_free);
}

static void
unimicro_list_salaries (PbProvider           *provider,
                        const PbProviderArgs *args,
                        GTask                *task)
{
  g_autofree char *filter = g_strdup_printf ("EmploymentID eq %" G_GINT64_FORMAT " and IsRecurringPost eq true",
                                             g_ascii_strtoll (args->parent_id, NULL, 10));

  op_new (task, PB_OP_LIST_SALARIES, args);
  list_async (task, "/biz/salarytrans", filter, NULL, return_salaries);
}

static void
unimicro_create_salary (PbProvider           *provider,
                        const PbProviderArgs *args,
                        GTask                *task)
{
  Op *op = op_new (task, PB_OP_CREATE_SALARY, args);
  g_autoptr(JsonObject) body = salary_body (op);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("POST", "/biz/salarytrans");

  set_body (request, body);
  send_async (task, request, return_salary);
}

static void
unimicro_update_salary (PbProvider           *provider,
                        const PbProviderArgs *args,
                        GTask                *task)
{
  Op *op = op_new (task, PB_OP_UPDATE_SALARY, args);
  g_autoptr(JsonObject) body = salary_body (op);
  g_autofree char *path = g_strdup_printf ("/biz/salarytrans/%s", args->remote_id);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("PUT", path);

  json_object_set_int_member (body, "ID", g_ascii_strtoll (args->remote_id, NULL, 10));
  set_body (request, body);
  send_async (task, request, return_salary);
}

static void
unimicro_delete_salary (PbProvider           *provider,
                        const PbProviderArgs *args,
                        GTask                *task)
{
  op_new (task, PB_OP_DELETE_SALARY, args);
  delete_async (task, "salarytrans", args->remote_id);    /* SPEC S2: Unimicro deletes it */
}

/* --- the class: what Unimicro is ----------------------------------------------------------------- */

static const PbFieldRef required_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_POSITION, PB_POSITION_START_DATE },
  { PB_ENTITY_SALARY, PB_SALARY_AMOUNT },
  { PB_ENTITY_SALARY, PB_SALARY_START_DATE },
  { PB_N_ENTITIES, 0 },
};

/* Not sent (neither set nor cleared): the bank account lives in
 * BusinessRelationInfo.BankAccounts[], whose expand path and update rules
 * are UNCONFIRMED (notes C.4, F.3). */
static const PbFieldRule field_rules[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BANK_ACCOUNT, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_IBAN, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BIC, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER, PB_FIELD_RULE_NEVER_UNSET, 0, "EmployeeNumber" },
  { PB_N_ENTITIES, 0, 0, 0, NULL },
};

/* What user sync compares and may take from payroll (SPEC U3). */
static const PbFieldRef readable_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_PHONE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_DATE_OF_BIRTH },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FIRST_WORKDAY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE1 },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_POSTAL_CODE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_CITY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_COUNTRY },
  { PB_N_ENTITIES, 0 },
};

/* Refusals the sandbox shows (Unimicro's words UNCONFIRMED). */
static const PbRefusal refusals[] = {
  { "EmployeeNumber", "another employee", NULL,
    N_("Another employee in Unimicro has this employee number. Give this person another employee number in the "
       "HR register, or link them to the existing one with Sync users.") },
  { "EndDateReason", "end date", NULL,
    N_("Unimicro keeps an end reason only on an employment that has ended. Set the end date of the position in "
       "the HR register, or clear its end reason.") },
  { "CompanyKey", "no access", NULL,
    N_("The Unimicro user who signed in cannot reach the company this connection was set up for. Sign in as a "
       "user of that company, or set the connection up again and choose a company.") },
  { NULL, NULL, NULL, NULL },
};

static void
pb_unimicro_provider_class_init (PbUnimicroProviderClass *klass)
{
  PbProviderClass *provider_class = PB_PROVIDER_CLASS (klass);
  static const PbHttpLimits limits = { 4, 10, 5, 4, 30000, 500, 30000 };
  /* C.1: AppFramework grants API access; offline_access for a refresh token. */
  static const char * const scopes[] = { "openid", "profile", "AppFramework", "offline_access", NULL };

  provider_class->id = "unimicro";
  provider_class->display_name = "Unimicro";
  provider_class->icon_name = "x-office-address-book-symbolic";
  provider_class->summary = N_("Users, positions and salary. Connects with a Unimicro sign-in and a company.");
  provider_class->auth_kind = PB_AUTH_OAUTH2;
  /* SPEC table: absence "no*" (EmployeeLeave is leave of absence, not HR absence). */
  provider_class->data_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY;
  provider_class->position_model = PB_POSITIONS_HISTORY;              /* SPEC P2 */
  provider_class->position_select = PB_SELECT_CURRENT;
  provider_class->can_delete_positions = TRUE;                        /* SPEC table: yes */
  provider_class->salary_delete = PB_SALARY_DELETE_REMOVES;           /* SPEC S2 */
  provider_class->records_can_lock = FALSE;
  provider_class->required_fields = required_fields;
  provider_class->field_rules = field_rules;
  provider_class->refusals = refusals;
  provider_class->readable_fields = readable_fields;
  /* C.1: UM-GRASP's production API base; the test environment's beside it. */
  provider_class->default_base_url = "https://app.unimicro.no/api/";
  provider_class->test_base_url = "https://test.unimicro.no/api/";
  /* C.1: the issuer login.unimicro.no; the endpoints are its OpenID
   * configuration's (UNCONFIRMED paths: IdentityServer's usual ones). */
  provider_class->oauth2_auth_url = "https://login.unimicro.no/connect/authorize";
  provider_class->oauth2_token_url = "https://login.unimicro.no/connect/token";
  /* UNCONFIRMED: Paybridge's client id at developer.unimicro.no (a
   * "Mobile/native app": public, PKCE). */
  provider_class->oauth2_client_id = "paybridge-desktop";
  provider_class->oauth2_scopes = scopes;
  /* C.2: the company chosen at set-up among /init/companies names every
   * request (the connection's tenant_id keeps its key). */
  provider_class->company_header = "CompanyKey";
  provider_class->companies_path = "/init/companies";
  provider_class->http_limits = limits;
  provider_class->page_size = 100;

  provider_class->setup_http = unimicro_setup_http;
  provider_class->page_values = unimicro_page_values;
  provider_class->next_page = unimicro_next_page;

  provider_class->ops[PB_OP_VERIFY_CREDENTIALS] = unimicro_verify_credentials;
  provider_class->ops[PB_OP_LIST_EMPLOYEES] = unimicro_list_employees;
  provider_class->ops[PB_OP_FIND_EMPLOYEE] = unimicro_find_employee;
  provider_class->ops[PB_OP_CREATE_EMPLOYEE] = unimicro_create_employee;
  provider_class->ops[PB_OP_UPDATE_EMPLOYEE] = unimicro_update_employee;
  provider_class->ops[PB_OP_LIST_EMPLOYMENTS] = unimicro_list_employments;
  provider_class->ops[PB_OP_CREATE_EMPLOYMENT] = unimicro_create_employment;
  provider_class->ops[PB_OP_UPDATE_EMPLOYMENT] = unimicro_update_employment;
  provider_class->ops[PB_OP_DELETE_EMPLOYMENT] = unimicro_delete_employment;
  provider_class->ops[PB_OP_LIST_SALARIES] = unimicro_list_salaries;
  provider_class->ops[PB_OP_CREATE_SALARY] = unimicro_create_salary;
  provider_class->ops[PB_OP_UPDATE_SALARY] = unimicro_update_salary;
  provider_class->ops[PB_OP_DELETE_SALARY] = unimicro_delete_salary;
  provider_class->ops[PB_OP_LIST_COMPANIES] = unimicro_list_companies;
}

/* --- reading an answer whole (tests and tests/fuzz/) ------------------------------- */

static gboolean
answer_is_error (JsonObject *object)
{
  return json_object_has_member (object, "Message") || json_object_has_member (object, "Messages") ||
         json_object_has_member (object, "messages");
}

static GPtrArray *
answer_read_list (PbProvider  *provider,
                  PbEntity     entity,
                  JsonArray   *values,
                  GError     **error)
{
  if (entity == PB_ENTITY_EMPLOYEE)
    return employees_page_from_json (values, NULL, error);
  if (entity == PB_ENTITY_POSITION)
    return positions_from_json (values, error);
  return salaries_from_json (values, error);
}

static GPtrArray *
answer_read_object (PbProvider  *provider,
                    PbEntity     entity,
                    JsonObject  *object,
                    GError     **error)
{
  if (entity == PB_ENTITY_EMPLOYEE)
    return pb_remotes_take_one (employee_remote (object, error));
  if (entity == PB_ENTITY_POSITION)
    return pb_remotes_take_one (position_remote (object, error));
  return pb_remotes_take_one (salary_remote (object, error));
}

/**
 * pb_unimicro_provider_read_answer:
 * @entity: %PB_ENTITY_EMPLOYEE, %PB_ENTITY_POSITION (employments) or
 *   %PB_ENTITY_SALARY (salary posts)
 *
 * Reads the body of a Unimicro answer as the connector reads one
 * (pb_provider_read_answer()): an error body (an object with "Message" or
 * "Messages") through the connector's error decoder; else a list (a bare
 * array) through the employees' page converter or the employments' or
 * salary posts' reader, or the one object through the reader of a single
 * employee, employment or salary post. For tests and the fuzz target
 * tests/fuzz/fuzz-unimicro-answer.c.
 *
 * Returns: (transfer full) (element-type PbRemote): the records
 */
GPtrArray *
pb_unimicro_provider_read_answer (PbUnimicroProvider  *self,
                                  PbEntity             entity,
                                  const char          *data,
                                  gsize                length,
                                  GError             **error)
{
  static const PbAnswerReaders readers = {
    .is_error = answer_is_error,
    .decode_error = unimicro_decode_error,
    .read_list = answer_read_list,
    .read_object = answer_read_object,
  };

  g_return_val_if_fail (PB_IS_UNIMICRO_PROVIDER (self), NULL);
  g_return_val_if_fail (entity == PB_ENTITY_EMPLOYEE || entity == PB_ENTITY_POSITION ||
                        entity == PB_ENTITY_SALARY, NULL);

  return pb_provider_read_answer (PB_PROVIDER (self), &readers, entity, data, length, error);
}

static void
pb_unimicro_provider_init (PbUnimicroProvider *self)
{
}
