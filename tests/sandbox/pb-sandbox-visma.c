/* pb-sandbox-visma.c: the Visma.net Employee API v2 emulation
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pb-sandbox-oauth2.h"
#include "pb-sandbox-visma.h"

/* Visma.net Payroll's Employee API v2 (api.employeecore.hrm.visma.net/v2),
 * as its public documentation repository describes it (notes part B: the
 * changelog, the FAQ, Visma's sample code). There is no published OpenAPI
 * document; where the notes mark a shape UNCONFIRMED the sandbox follows
 * the closest documented form, and tests/sandbox/README.md lists each.
 *
 *   - Auth: a Bearer token from the sandbox's OAuth2 server (standing in
 *     for Visma Connect), whose token requests must carry
 *     tenant_id=sandbox-tenant. Expired or unknown: 401.
 *   - Media type application/vnd.no.payroll.employee.V2.0+json: a body of
 *     another Content-Type is 415; an Accept that allows neither it nor a
 *     wildcard is 406. Answers carry it.
 *   - Lists: {"data": [...], "cursor": {"nextToken": ...}} (v1's documented
 *     cursor form; v2's is unconfirmed), `page-size` 1-200, default 50.
 *   - Writes are asynchronous: 202 with Location of a job; the job is
 *     Queued until `job_ms` (a fault setting) has passed, then it runs:
 *     Succeeded (statusCode 4) with artifactId, or Failed with
 *     validationResults [{"field", "message"}]. Nothing exists before.
 *   - PUT replaces the whole document (omitted members are gone) and needs
 *     no If-Match; with one, it must be the current ETag (quoted or not),
 *     else 412. Every document has an ETag: its version.
 *   - Positions have their own endpoints and are not part of the employee
 *     document (embed=(positions) adds them to a read). */

#define MEDIA_TYPE   "application/vnd.no.payroll.employee.V2.0+json"
#define TENANT_ID    "sandbox-tenant"
#define TENANT_PARAM "tenant_id"
#define CLIENT_ID    "sandbox-client"

typedef struct
{
  char       *id;
  gint64      version;
  JsonObject *doc;
} Doc;

typedef struct
{
  Doc        base;
  GPtrArray  *positions;   /* Doc* */
} Employee;

typedef struct
{
  char       *id;
  char       *kind;        /* "Employee", "Position" */
  char       *action;      /* "Create", "Update" */
  char       *employee_id; /* (nullable) positions: whose; updates: the artifact */
  char       *target_id;   /* (nullable) update: the document replaced */
  gint64      if_version;  /* update: the version If-Match named; -1: none */
  JsonObject *body;        /* (nullable) what to apply when it runs */
  gint64      due;         /* monotonic µs */
  char       *created;
  char       *status;
  int         status_code;
  char       *artifact_id;
  JsonArray  *validation;
} Job;

typedef struct
{
  PbSandbox  *sandbox;
  GPtrArray  *employees;   /* Employee* */
  GPtrArray  *jobs;        /* Job* */
  guint       next_id;
} Visma;

/* --- records -------------------------------------------------------------- */

static void
doc_clear (Doc *doc)
{
  g_free (doc->id);
  g_clear_pointer (&doc->doc, json_object_unref);
}

static void
position_free (Doc *doc)
{
  doc_clear (doc);
  g_free (doc);
}

static void
employee_free (Employee *employee)
{
  doc_clear (&employee->base);
  g_ptr_array_unref (employee->positions);
  g_free (employee);
}

static void
job_free (Job *job)
{
  g_free (job->id);
  g_free (job->kind);
  g_free (job->action);
  g_free (job->employee_id);
  g_free (job->target_id);
  g_clear_pointer (&job->body, json_object_unref);
  g_free (job->created);
  g_free (job->status);
  g_free (job->artifact_id);
  g_clear_pointer (&job->validation, json_array_unref);
  g_free (job);
}

/* GUID-shaped ids, counted so that a run is repeatable. */
static char *
new_id (Visma      *visma,
        const char *kind)
{
  guint n = ++visma->next_id;
  guint k = kind[0];

  return g_strdup_printf ("%08x-0000-4000-8000-%012x", k, n);
}

static char *
now_text (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonNode *
node_copy_deep (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *copy = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;
      JsonNode *result;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        json_object_set_member (copy, name, node_copy_deep (member));
      result = json_node_init_object (json_node_alloc (), copy);
      json_object_unref (copy);
      return result;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *source = json_node_get_array (node);
      JsonArray *copy = json_array_new ();
      JsonNode *result;

      for (guint i = 0; i < json_array_get_length (source); i++)
        json_array_add_element (copy, node_copy_deep (json_array_get_element (source, i)));
      result = json_node_init_array (json_node_alloc (), copy);
      json_array_unref (copy);
      return result;
    }
  return json_node_copy (node);
}

/* A deep copy: json_node_copy() shares the objects inside. */
static JsonObject *
object_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonNode) copy = node_copy_deep (node);

  return json_object_ref (json_node_get_object (copy));
}

static Employee *
find_employee (Visma      *visma,
               const char *id)
{
  for (guint i = 0; id != NULL && i < visma->employees->len; i++)
    {
      Employee *employee = g_ptr_array_index (visma->employees, i);

      if (g_str_equal (employee->base.id, id))
        return employee;
    }
  return NULL;
}

static Doc *
find_position (Employee   *employee,
               const char *id)
{
  for (guint i = 0; id != NULL && i < employee->positions->len; i++)
    {
      Doc *position = g_ptr_array_index (employee->positions, i);

      if (g_str_equal (position->id, id))
        return position;
    }
  return NULL;
}

/* --- answers -------------------------------------------------------------- */

static void
set_json (PbSandboxExchange *ex,
          guint              status,
          JsonNode          *node)
{
  pb_sandbox_exchange_set_json (ex, status, node);
  g_free (ex->content_type);
  ex->content_type = g_strdup (MEDIA_TYPE "; charset=utf-8");
}

static void
set_object (PbSandboxExchange *ex,
            guint              status,
            JsonObject        *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  set_json (ex, status, node);
}

/* The error body (UNCONFIRMED: Visma publishes none; the job's own
 * validationResults shape is reused): {"status", "message",
 * "correlationId", "validationResults": [{"field", "message"}]}. */
static void
fail_with (PbSandboxExchange *ex,
           guint              status,
           const char        *message,
           const char        *field)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *results = json_array_new ();

  json_object_set_int_member (body, "status", status);
  json_object_set_string_member (body, "message", message);
  json_object_set_string_member (body, "correlationId", ex->request_id != NULL ? ex->request_id : "");
  if (field != NULL)
    {
      JsonObject *result = json_object_new ();

      json_object_set_string_member (result, "field", field);
      json_object_set_string_member (result, "message", message);
      json_array_add_object_element (results, result);
    }
  json_object_set_array_member (body, "validationResults", results);
  set_object (ex, status, body);
}

static void
visma_respond_error (gpointer           backend,
                     PbSandboxExchange *ex,
                     guint              status,
                     int                code,
                     const char        *message)
{
  fail_with (ex, status, message, NULL);
}

static void
set_etag (PbSandboxExchange *ex,
          const Doc         *doc)
{
  g_autofree char *etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "\"", doc->version);

  pb_sandbox_exchange_set_header (ex, "ETag", etag);
}

static JsonObject *
doc_to_json (const Doc *doc)
{
  JsonObject *json = object_copy (doc->doc);

  json_object_set_string_member (json, "id", doc->id);
  json_object_set_string_member (json, "tenantId", TENANT_ID);
  return json;
}

static JsonObject *
employee_to_json (Employee *employee,
                  gboolean  positions)
{
  JsonObject *json = doc_to_json (&employee->base);

  if (positions)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < employee->positions->len; i++)
        json_array_add_object_element (array, doc_to_json (g_ptr_array_index (employee->positions, i)));
      json_object_set_array_member (json, "positions", array);
    }
  return json;
}

static JsonObject *
job_to_json (Job *job)
{
  JsonObject *json = json_object_new ();

  json_object_set_string_member (json, "correlationId", job->id);
  json_object_set_string_member (json, "clientId", CLIENT_ID);
  json_object_set_string_member (json, "id", job->id);
  json_object_set_string_member (json, "tenantId", TENANT_ID);
  json_object_set_string_member (json, "created", job->created);
  if (job->artifact_id != NULL)
    json_object_set_string_member (json, "artifactId", job->artifact_id);
  else
    json_object_set_null_member (json, "artifactId");
  json_object_set_string_member (json, "artifactType", job->kind);
  json_object_set_string_member (json, "status", job->status);
  json_object_set_int_member (json, "statusCode", job->status_code);
  json_object_set_string_member (json, "action", job->action);
  json_object_set_string_member (json, "lastChange", job->created);
  json_object_set_array_member (json, "validationResults", json_array_ref (job->validation));
  return json;
}

/* --- validation ----------------------------------------------------------- */

static void
invalid (JsonArray  *results,
         const char *field,
         const char *message)
{
  JsonObject *result = json_object_new ();

  json_object_set_string_member (result, "field", field);
  json_object_set_string_member (result, "message", message);
  json_array_add_object_element (results, result);
}

static gboolean
is_date (const char *text)
{
  int y, m, d;

  if (text == NULL || strlen (text) != 10 || sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return FALSE;
  return g_date_valid_dmy (d, m, y);
}

/* A timeline is an array of entries with activeStart (a date) and
 * activeEnd (a date or null: open); entries may not overlap. */
static void
check_timeline (JsonObject *object,
                const char *name,
                const char *prefix,
                JsonArray  *results)
{
  JsonArray *array = member_array (object, name);
  g_autofree char *field = g_strdup_printf ("%s%s", prefix, name);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *a = json_array_get_object_element (array, i);
      const char *start = member_string (a, "activeStart");
      const char *end = member_string (a, "activeEnd");

      if (a == NULL)
        {
          invalid (results, field, "Every entry must be an object");
          return;
        }
      if (start != NULL && !is_date (start))
        invalid (results, field, "activeStart must be a date YYYY-MM-DD");
      if (end != NULL && (!is_date (end) || (start != NULL && strcmp (end, start) < 0)))
        invalid (results, field, "activeEnd must be a date not before activeStart");
      for (guint j = i + 1; j < json_array_get_length (array); j++)
        {
          JsonObject *b = json_array_get_object_element (array, j);
          const char *bs = member_string (b, "activeStart");
          const char *be = member_string (b, "activeEnd");

          /* [start, end] and [bs, be] overlap unless one ends before the other starts */
          if (!((end != NULL && bs != NULL && strcmp (end, bs) < 0) ||
                (be != NULL && start != NULL && strcmp (be, start) < 0)))
            {
              invalid (results, field, "Entries of a timeline may not overlap: end the current entry first");
              return;
            }
        }
    }
}

/* Norwegian national account: 11 digits, MOD11 check digit. */
static gboolean
is_norwegian_account (const char *text)
{
  static const int weights[] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
  int sum = 0, check;

  if (text == NULL || strlen (text) != 11)
    return FALSE;
  for (guint i = 0; i < 11; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  for (guint i = 0; i < 10; i++)
    sum += (text[i] - '0') * weights[i];
  check = 11 - sum % 11;
  if (check == 11)
    check = 0;
  return check != 10 && check == text[10] - '0';
}

static const char * const employee_members[] = {
  "id", "tenantId", "number", "isDraft", "lastChange", "personNames", "personIds", "dateOfBirth",
  "phones", "emails", "address", "relatives", "salaryPaymentMethod", "taxInformation",
  "sicknessInformation", "pensionCompanyIds", "unions", "printPayslip", "externalIds", "manager",
  "notes", "additionalAccounts", "creditorClaims", "taxAndContributionRules", "payslipInEnglish",
  "setOfAccount", "positions", NULL
};

static const char * const address_members[] = {
  "streetName", "cityName", "zipCode", "countryCode", NULL
};

static const char * const position_members[] = {
  "id", "tenantId", "employeeId", "activeStart", "activeEnd", "typeOfPosition", "employmentForm",
  "typeOfWork", "workTimeAgreement", "partTimeFactors", "salaryInformation", "taxUnitIds",
  "positionEndReason", "externalIds", "absence", "accountingDimensions", "typeOfPerson", "manager",
  "lastChange", NULL
};

/* Unknown members are refused at once (400): the document's shape is
 * checked when the request comes, its rules when the job runs. */
static const char *
find_unknown (JsonObject         *object,
              const char * const *known)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      return l->data;
  return NULL;
}

static const char *
check_shape (JsonObject *body,
             gboolean    employee)
{
  const char *unknown = find_unknown (body, employee ? employee_members : position_members);
  JsonObject *address = employee ? member_object (body, "address") : NULL;

  if (unknown != NULL)
    return unknown;
  if (address != NULL && (unknown = find_unknown (address, address_members)) != NULL)
    return unknown;
  if (employee)
    {
      JsonArray *positions = member_array (body, "positions");

      for (guint i = 0; positions != NULL && i < json_array_get_length (positions); i++)
        {
          JsonObject *position = json_array_get_object_element (positions, i);

          if (position != NULL && (unknown = find_unknown (position, position_members)) != NULL)
            return unknown;
        }
    }
  return NULL;
}

static const char * const employment_forms[] = {
  "fast", "midlertidig", "fastAnsattUtleid", "midlertidigAnsattUtleid",
  "midlertidigAnsattSomTilkallingsvikar", "frilanser", NULL
};

static void
check_position (Visma      *visma,
                Employee   *employee,
                const char *self_id,
                JsonObject *position,
                const char *prefix,
                JsonArray  *results)
{
  const char *start = member_string (position, "activeStart");
  const char *end = member_string (position, "activeEnd");
  JsonArray *forms = member_array (position, "employmentForm");
  JsonArray *factors = member_array (position, "partTimeFactors");
  JsonArray *salaries = member_array (position, "salaryInformation");
  JsonArray *reasons = member_array (position, "positionEndReason");
  g_autofree char *start_field = g_strdup_printf ("%sactiveStart", prefix);
  g_autofree char *end_field = g_strdup_printf ("%sactiveEnd", prefix);

  if (!is_date (start))
    invalid (results, start_field, "The position needs activeStart, a date YYYY-MM-DD");
  if (end != NULL && (!is_date (end) || (start != NULL && strcmp (end, start) < 0)))
    invalid (results, end_field, "activeEnd must be a date not before activeStart");

  /* An end reason belongs to an ended position: one left on a position
   * without an end date is refused (what SPEC V5's clearing avoids). */
  if (end == NULL && reasons != NULL && json_array_get_length (reasons) > 0)
    {
      g_autofree char *field = g_strdup_printf ("%spositionEndReason", prefix);

      invalid (results, field, "A position without activeEnd cannot have an end reason");
    }

  for (guint i = 0; forms != NULL && i < json_array_get_length (forms); i++)
    {
      const char *value = member_string (json_array_get_object_element (forms, i), "value");

      if (value == NULL || !g_strv_contains (employment_forms, value))
        {
          g_autofree char *field = g_strdup_printf ("%semploymentForm", prefix);

          invalid (results, field, "Unknown employment form");
        }
    }
  for (guint i = 0; factors != NULL && i < json_array_get_length (factors); i++)
    {
      JsonObject *entry = json_array_get_object_element (factors, i);
      JsonNode *value = entry != NULL ? json_object_get_member (entry, "value") : NULL;
      double number = value != NULL && JSON_NODE_HOLDS_VALUE (value) ? json_node_get_double (value) : -1;

      if (number < 0 || number > 100)
        {
          g_autofree char *field = g_strdup_printf ("%spartTimeFactors", prefix);

          invalid (results, field, "The part-time factor must be 0 to 100");
        }
    }
  for (guint i = 0; salaries != NULL && i < json_array_get_length (salaries); i++)
    {
      JsonObject *entry = json_array_get_object_element (salaries, i);
      const char *type = member_string (entry, "contractSalaryType");
      const char *amount = NULL;
      g_autofree char *field = g_strdup_printf ("%ssalaryInformation", prefix);

      if (g_strcmp0 (type, "monthly") == 0)
        amount = member_string (entry, "monthlySalary");
      else if (g_strcmp0 (type, "hourly") == 0)
        amount = member_string (entry, "hourlySalary");
      else if (g_strcmp0 (type, "yearly") == 0)
        amount = member_string (entry, "yearlySalary");
      else
        {
          invalid (results, field, "contractSalaryType must be monthly, hourly or yearly");
          continue;
        }
      if (amount == NULL || g_ascii_strtod (amount, NULL) < 0)
        invalid (results, field, "The salary amount must be a number (as text), not negative");
      if (!is_date (member_string (entry, "activeStart")))
        invalid (results, field, "Every salary entry needs activeStart");
    }
  check_timeline (position, "employmentForm", prefix, results);
  check_timeline (position, "partTimeFactors", prefix, results);
  check_timeline (position, "salaryInformation", prefix, results);

  /* Positions may have gaps, not overlap. */
  for (guint i = 0; employee != NULL && start != NULL && i < employee->positions->len; i++)
    {
      Doc *other = g_ptr_array_index (employee->positions, i);
      const char *os = member_string (other->doc, "activeStart");
      const char *oe = member_string (other->doc, "activeEnd");

      if (g_strcmp0 (other->id, self_id) == 0)
        continue;
      if (!((end != NULL && os != NULL && strcmp (end, os) < 0) || (oe != NULL && strcmp (oe, start) < 0)))
        {
          invalid (results, start_field, "The position overlaps another position of the employee");
          break;
        }
    }
}

static void
check_employee (Visma      *visma,
                const char *self_id,
                JsonObject *body,
                JsonArray  *results)
{
  const char *number = member_string (body, "number");
  JsonArray *names = member_array (body, "personNames");
  JsonArray *emails = member_array (body, "emails");
  JsonObject *payment = member_object (body, "salaryPaymentMethod");
  gboolean named = FALSE;

  for (guint i = 0; names != NULL && i < json_array_get_length (names); i++)
    {
      JsonObject *name = json_array_get_object_element (names, i);

      if (member_string (name, "firstName") == NULL || *member_string (name, "firstName") == '\0' ||
          member_string (name, "lastName") == NULL || *member_string (name, "lastName") == '\0')
        invalid (results, "personNames", "Every name needs firstName and lastName");
      else
        named = TRUE;
    }
  if (!named)
    invalid (results, "personNames", "The employee needs a name");
  check_timeline (body, "personNames", "", results);

  /* The 12-character limit is the Huma article's (UNCONFIRMED in Visma's
   * own material); unique numbers are the API's. */
  if (number != NULL && g_utf8_strlen (number, -1) > 12)
    invalid (results, "number", "The employee number can be at most 12 characters");
  for (guint i = 0; number != NULL && i < visma->employees->len; i++)
    {
      Employee *other = g_ptr_array_index (visma->employees, i);

      if (g_strcmp0 (other->base.id, self_id) != 0 &&
          g_strcmp0 (member_string (other->base.doc, "number"), number) == 0)
        invalid (results, "number", "Another employee has this number");
    }

  for (guint i = 0; emails != NULL && i < json_array_get_length (emails); i++)
    {
      const char *address = member_string (json_array_get_object_element (emails, i), "address");

      if (address == NULL || strchr (address, '@') == NULL)
        invalid (results, "emails", "Not an email address");
    }

  if (payment != NULL)
    {
      const char *type = member_string (payment, "paymentType");

      if (g_strcmp0 (type, "cash") != 0 && g_strcmp0 (type, "bankAccount") != 0)
        invalid (results, "salaryPaymentMethod.paymentType", "paymentType must be cash or bankAccount");
      else if (g_str_equal (type, "bankAccount") &&
               !json_object_get_boolean_member_with_default (payment, "internationalBankAccount", FALSE) &&
               !is_norwegian_account (member_string (payment, "localBankAccount")))
        invalid (results, "salaryPaymentMethod.localBankAccount",
                 "Not a Norwegian bank account number (11 digits with a valid check digit)");
    }
}

/* --- jobs ------------------------------------------------------------------- */

static gint64
job_ms (Visma *visma)
{
  PbSandboxFaults faults;

  pb_sandbox_get_faults (visma->sandbox, &faults);
  return faults.job_ms;
}

static Job *
job_new (Visma      *visma,
         const char *kind,
         const char *action,
         JsonObject *body)
{
  Job *job = g_new0 (Job, 1);

  job->id = new_id (visma, "job");
  job->kind = g_strdup (kind);
  job->action = g_strdup (action);
  job->body = body != NULL ? object_copy (body) : NULL;
  job->due = g_get_monotonic_time () + job_ms (visma) * 1000;
  job->created = now_text ();
  job->status = g_strdup ("Queued");
  job->status_code = 1;
  job->if_version = -1;
  job->validation = json_array_new ();
  g_ptr_array_add (visma->jobs, job);
  return job;
}

static void
stamp (JsonObject *doc)
{
  g_autofree char *now = now_text ();

  json_object_remove_member (doc, "id");
  json_object_remove_member (doc, "tenantId");
  json_object_set_string_member (doc, "lastChange", now);
}

static char *
next_number (Visma *visma)
{
  guint64 highest = 0;

  for (guint i = 0; i < visma->employees->len; i++)
    {
      Employee *employee = g_ptr_array_index (visma->employees, i);
      const char *number = member_string (employee->base.doc, "number");

      if (number != NULL)
        highest = MAX (highest, g_ascii_strtoull (number, NULL, 10));
    }
  return g_strdup_printf ("%" G_GUINT64_FORMAT, highest + 1);
}

static Doc *
add_position (Visma      *visma,
              Employee   *employee,
              JsonObject *body)
{
  Doc *position = g_new0 (Doc, 1);

  position->id = new_id (visma, "position");
  position->version = 1;
  position->doc = object_copy (body);
  stamp (position->doc);
  json_object_set_string_member (position->doc, "employeeId", employee->base.id);
  g_ptr_array_add (employee->positions, position);
  return position;
}

static Employee *
add_employee (Visma      *visma,
              JsonObject *body)
{
  Employee *employee = g_new0 (Employee, 1);
  JsonArray *positions = member_array (body, "positions");

  employee->base.id = new_id (visma, "employee");
  employee->base.version = 1;
  employee->base.doc = object_copy (body);
  employee->positions = g_ptr_array_new_with_free_func ((GDestroyNotify) position_free);
  json_object_remove_member (employee->base.doc, "positions");
  stamp (employee->base.doc);
  if (member_string (employee->base.doc, "number") == NULL)
    json_object_set_string_member (employee->base.doc, "number", next_number (visma));
  g_ptr_array_add (visma->employees, employee);
  for (guint i = 0; positions != NULL && i < json_array_get_length (positions); i++)
    add_position (visma, employee, json_array_get_object_element (positions, i));
  return employee;
}

/* Runs a job whose time has come: its rules are checked now, as Visma's
 * jobs do, and what it makes exists only from now on. */
static void
run_job (Visma *visma,
         Job   *job)
{
  Employee *employee = find_employee (visma, job->employee_id);

  if (g_str_equal (job->kind, "Employee") && g_str_equal (job->action, "Create"))
    {
      JsonArray *positions = member_array (job->body, "positions");

      check_employee (visma, NULL, job->body, job->validation);
      if (positions == NULL || json_array_get_length (positions) == 0)
        invalid (job->validation, "positions", "POST /employees/withPosition needs a position");
      for (guint i = 0; positions != NULL && i < json_array_get_length (positions); i++)
        check_position (visma, NULL, NULL, json_array_get_object_element (positions, i), "positions.",
                        job->validation);
      if (json_array_get_length (job->validation) == 0)
        job->artifact_id = g_strdup (add_employee (visma, job->body)->base.id);
    }
  else if (g_str_equal (job->kind, "Employee"))
    {
      if (employee == NULL)
        invalid (job->validation, "id", "The employee no longer exists");
      else if (job->if_version >= 0 && job->if_version != employee->base.version)
        invalid (job->validation, "If-Match", "The employee was changed after the ETag was read");
      else
        check_employee (visma, employee->base.id, job->body, job->validation);
      if (json_array_get_length (job->validation) == 0)
        {
          /* PUT replaces: what the body leaves out is gone. */
          g_clear_pointer (&employee->base.doc, json_object_unref);
          employee->base.doc = object_copy (job->body);
          json_object_remove_member (employee->base.doc, "positions");
          stamp (employee->base.doc);
          if (member_string (employee->base.doc, "number") == NULL)
            json_object_set_string_member (employee->base.doc, "number", next_number (visma));
          employee->base.version++;
          job->artifact_id = g_strdup (employee->base.id);
        }
    }
  else if (g_str_equal (job->action, "Create"))
    {
      if (employee == NULL)
        invalid (job->validation, "employeeId", "The employee no longer exists");
      else
        check_position (visma, employee, NULL, job->body, "", job->validation);
      if (json_array_get_length (job->validation) == 0)
        job->artifact_id = g_strdup (add_position (visma, employee, job->body)->id);
    }
  else
    {
      Doc *position = employee != NULL ? find_position (employee, job->target_id) : NULL;

      if (position == NULL)
        invalid (job->validation, "id", "The position no longer exists");
      else if (job->if_version >= 0 && job->if_version != position->version)
        invalid (job->validation, "If-Match", "The position was changed after the ETag was read");
      else
        check_position (visma, employee, position->id, job->body, "", job->validation);
      if (json_array_get_length (job->validation) == 0)
        {
          g_clear_pointer (&position->doc, json_object_unref);
          position->doc = object_copy (job->body);
          stamp (position->doc);
          json_object_set_string_member (position->doc, "employeeId", employee->base.id);
          position->version++;
          job->artifact_id = g_strdup (position->id);
        }
    }

  g_free (job->status);
  if (json_array_get_length (job->validation) == 0)
    {
      job->status = g_strdup ("Succeeded");
      job->status_code = 4;
    }
  else
    {
      job->status = g_strdup ("Failed");
      job->status_code = 5;
    }
  g_clear_pointer (&job->body, json_object_unref);
}

static void
run_due_jobs (Visma *visma)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < visma->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (visma->jobs, i);

      if (job->body != NULL && now >= job->due)
        run_job (visma, job);
    }
}

static Job *
find_job (Visma      *visma,
          const char *id)
{
  for (guint i = 0; i < visma->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (visma->jobs, i);

      if (g_str_equal (job->id, id))
        return job;
    }
  return NULL;
}

/* 202 Accepted, Location: the job; the body is the job as queued. */
static void
accept_job (PbSandboxExchange *ex,
            Job               *job,
            const char        *jobs_path)
{
  g_autofree char *location = g_strdup_printf ("/v2%s/%s", jobs_path, job->id);
  g_autoptr(JsonObject) json = job_to_json (job);

  pb_sandbox_exchange_set_header (ex, "Location", location);
  set_object (ex, 202, json);
}

/* --- requests --------------------------------------------------------------- */

/* Accept: the media type, a wildcard, or none. */
static gboolean
accept_ok (PbSandboxExchange *ex)
{
  const char *accept = pb_sandbox_exchange_get_header (ex, "Accept");

  return accept == NULL || strstr (accept, MEDIA_TYPE) != NULL || strstr (accept, "*/*") != NULL ||
         strstr (accept, "application/*") != NULL;
}

static JsonObject *
read_body (PbSandboxExchange *ex)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (ex->msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (g_strcmp0 (type, MEDIA_TYPE) != 0)
    {
      g_autofree char *message = g_strdup_printf ("Unsupported media type %s: send %s", type != NULL ? type : "(none)",
                                                  MEDIA_TYPE);
      fail_with (ex, 415, message, NULL);
      return NULL;
    }
  node = pb_sandbox_exchange_parse_body (ex, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail_with (ex, 400, error != NULL ? error->message : "The body must be a JSON object", NULL);
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

/* If-Match, quoted or not (changelog 21.6.47.0); -1 when absent, -2 when
 * unreadable. */
static gint64
if_match (PbSandboxExchange *ex)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "If-Match");
  g_autofree char *text = NULL;
  char *end = NULL;
  gint64 value;

  if (header == NULL)
    return -1;
  text = g_strstrip (g_strdup (header));
  if (g_str_has_prefix (text, "W/"))
    memmove (text, text + 2, strlen (text + 2) + 1);
  if (text[0] == '"' && strlen (text) >= 2 && text[strlen (text) - 1] == '"')
    {
      text[strlen (text) - 1] = '\0';
      memmove (text, text + 1, strlen (text));
    }
  value = g_ascii_strtoll (text, &end, 10);
  return end != NULL && *end == '\0' && *text != '\0' ? value : -2;
}

static gboolean
check_if_match (PbSandboxExchange *ex,
                Doc               *doc,
                gint64            *version)
{
  *version = if_match (ex);
  if (*version == -1 || *version == doc->version)
    return TRUE;
  fail_with (ex, 412, "Precondition failed: the document changed since its ETag was read", "If-Match");
  return FALSE;
}

/* Paging: page-size 1-200 (default 50) and an opaque cursor. */
static void
respond_page (PbSandboxExchange *ex,
              GPtrArray         *items)     /* JsonObject* (owned by the array) */
{
  const char *size_text = pb_sandbox_exchange_get_query (ex, "page-size");
  const char *cursor = pb_sandbox_exchange_get_query (ex, "cursor");
  guint64 size = 50, from = 0;
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *next = json_object_new ();
  JsonArray *data = json_array_new ();

  if (size_text != NULL && (!g_ascii_string_to_unsigned (size_text, 10, 1, 200, &size, NULL)))
    {
      json_array_unref (data);
      json_object_unref (next);
      fail_with (ex, 400, "page-size must be 1 to 200", "page-size");
      return;
    }
  if (cursor != NULL)
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (cursor, &length);
      g_autofree char *text = g_strndup ((const char *) decoded, length);

      if (!g_str_has_prefix (text, "from:") ||
          !g_ascii_string_to_unsigned (text + 5, 10, 0, G_MAXUINT, &from, NULL))
        {
          json_array_unref (data);
          json_object_unref (next);
          fail_with (ex, 400, "Invalid cursor", "cursor");
          return;
        }
    }

  for (guint64 i = from; i < items->len && i < from + size; i++)
    json_array_add_object_element (data, json_object_ref (g_ptr_array_index (items, i)));
  json_object_set_array_member (body, "data", data);
  if (from + size < items->len)
    {
      g_autofree char *text = g_strdup_printf ("from:%" G_GUINT64_FORMAT, from + size);
      g_autofree char *token = g_base64_encode ((const guchar *) text, strlen (text));

      json_object_set_string_member (next, "nextToken", token);
    }
  else
    json_object_set_null_member (next, "nextToken");
  json_object_set_object_member (body, "cursor", next);
  set_object (ex, 200, body);
}

static void
not_allowed (PbSandboxExchange *ex,
             const char        *allow)
{
  pb_sandbox_exchange_set_header (ex, "Allow", allow);
  fail_with (ex, 405, "Method not allowed", NULL);
}

static void
handle_employees (Visma             *visma,
                  PbSandboxExchange *ex,
                  char             **parts,
                  guint              n)
{
  gboolean get = g_str_equal (ex->method, "GET");
  gboolean put = g_str_equal (ex->method, "PUT");
  gboolean post = g_str_equal (ex->method, "POST");
  g_autoptr(JsonObject) body = NULL;
  Employee *employee;
  const char *bad;
  gint64 version;

  /* /employees */
  if (n == 1)
    {
      const char *embed = pb_sandbox_exchange_get_query (ex, "embed");
      gboolean positions = embed != NULL && strstr (embed, "positions") != NULL;
      g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      PbSandboxFaults faults;

      if (!get)
        {
          not_allowed (ex, "GET");
          return;
        }
      pb_sandbox_get_faults (visma->sandbox, &faults);
      for (guint i = 0; i < visma->employees->len; i++)
        {
          Employee *listed = g_ptr_array_index (visma->employees, i);
          JsonObject *json = employee_to_json (listed, positions);

          /* omit_id: ids are GUIDs, so the one whose counter (the last
           * group, new_id()) is the number is listed without its id. */
          if (faults.omit_id > 0 && g_ascii_strtoll (strrchr (listed->base.id, '-') + 1, NULL, 16) == faults.omit_id)
            json_object_remove_member (json, "id");
          g_ptr_array_add (items, json);
        }
      respond_page (ex, items);
      return;
    }

  /* /employees/withPosition */
  if (n == 2 && g_str_equal (parts[1], "withPosition"))
    {
      if (!post)
        {
          not_allowed (ex, "POST");
          return;
        }
      if ((body = read_body (ex)) == NULL)
        return;
      if ((bad = check_shape (body, TRUE)) != NULL)
        {
          g_autofree char *message = g_strdup_printf ("Unknown member “%s”", bad);
          fail_with (ex, 400, message, bad);
          return;
        }
      accept_job (ex, job_new (visma, "Employee", "Create", body), "/employees/jobs");
      return;
    }

  /* /employees/jobs, /employees/jobs/{id} */
  if (g_str_equal (parts[1], "jobs") && n <= 3)
    {
      if (!get)
        {
          not_allowed (ex, "GET");
          return;
        }
      if (n == 3)
        {
          Job *job = find_job (visma, parts[2]);
          g_autoptr(JsonObject) json = NULL;

          if (job == NULL || !g_str_equal (job->kind, "Employee"))
            {
              fail_with (ex, 404, "No such job", NULL);
              return;
            }
          json = job_to_json (job);
          set_object (ex, 200, json);
        }
      else
        {
          g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

          for (guint i = 0; i < visma->jobs->len; i++)
            if (g_str_equal (((Job *) g_ptr_array_index (visma->jobs, i))->kind, "Employee"))
              g_ptr_array_add (items, job_to_json (g_ptr_array_index (visma->jobs, i)));
          respond_page (ex, items);
        }
      return;
    }

  employee = find_employee (visma, parts[1]);
  if (employee == NULL)
    {
      fail_with (ex, 404, "No such employee", NULL);
      return;
    }

  /* /employees/{id} */
  if (n == 2)
    {
      if (get)
        {
          g_autoptr(JsonObject) json = employee_to_json (employee, FALSE);

          set_etag (ex, &employee->base);
          set_object (ex, 200, json);
        }
      else if (put)
        {
          Job *job;

          if ((body = read_body (ex)) == NULL || !check_if_match (ex, &employee->base, &version))
            return;
          if ((bad = check_shape (body, TRUE)) != NULL)
            {
              g_autofree char *message = g_strdup_printf ("Unknown member “%s”", bad);
              fail_with (ex, 400, message, bad);
              return;
            }
          job = job_new (visma, "Employee", "Update", body);
          job->employee_id = g_strdup (employee->base.id);
          job->if_version = version >= 0 ? version : -1;
          accept_job (ex, job, "/employees/jobs");
        }
      else
        not_allowed (ex, "GET, PUT");
      return;
    }

  if (!g_str_equal (parts[2], "positions") || n > 5)
    {
      fail_with (ex, 404, "Not found", NULL);
      return;
    }

  /* /employees/{id}/positions */
  if (n == 3)
    {
      if (get)
        {
          g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

          for (guint i = 0; i < employee->positions->len; i++)
            g_ptr_array_add (items, doc_to_json (g_ptr_array_index (employee->positions, i)));
          respond_page (ex, items);
        }
      else if (post)
        {
          g_autofree char *jobs_path = g_strdup_printf ("/employees/%s/positions/jobs", employee->base.id);
          Job *job;

          if ((body = read_body (ex)) == NULL)
            return;
          if ((bad = check_shape (body, FALSE)) != NULL)
            {
              g_autofree char *message = g_strdup_printf ("Unknown member “%s”", bad);
              fail_with (ex, 400, message, bad);
              return;
            }
          job = job_new (visma, "Position", "Create", body);
          job->employee_id = g_strdup (employee->base.id);
          accept_job (ex, job, jobs_path);
        }
      else
        not_allowed (ex, "GET, POST");
      return;
    }

  /* /employees/{id}/positions/jobs/{id} */
  if (g_str_equal (parts[3], "jobs"))
    {
      Job *job = n == 5 ? find_job (visma, parts[4]) : NULL;
      g_autoptr(JsonObject) json = NULL;

      if (!get)
        {
          not_allowed (ex, "GET");
          return;
        }
      if (job == NULL || !g_str_equal (job->kind, "Position") || g_strcmp0 (job->employee_id, employee->base.id) != 0)
        {
          fail_with (ex, 404, "No such job", NULL);
          return;
        }
      json = job_to_json (job);
      set_object (ex, 200, json);
      return;
    }

  /* /employees/{id}/positions/{id} */
  {
    Doc *position = n == 4 ? find_position (employee, parts[3]) : NULL;
    g_autofree char *jobs_path = g_strdup_printf ("/employees/%s/positions/jobs", employee->base.id);
    Job *job;

    if (position == NULL)
      {
        fail_with (ex, 404, "No such position", NULL);
        return;
      }
    if (get)
      {
        g_autoptr(JsonObject) json = doc_to_json (position);

        set_etag (ex, position);
        set_object (ex, 200, json);
        return;
      }
    if (!put)
      {
        not_allowed (ex, "GET, PUT");
        return;
      }
    if ((body = read_body (ex)) == NULL || !check_if_match (ex, position, &version))
      return;
    if ((bad = check_shape (body, FALSE)) != NULL)
      {
        g_autofree char *message = g_strdup_printf ("Unknown member “%s”", bad);
        fail_with (ex, 400, message, bad);
        return;
      }
    job = job_new (visma, "Position", "Update", body);
    job->employee_id = g_strdup (employee->base.id);
    job->target_id = g_strdup (position->id);
    job->if_version = version >= 0 ? version : -1;
    accept_job (ex, job, jobs_path);
  }
}

static void
visma_handle (gpointer           backend,
              PbSandboxExchange *ex)
{
  Visma *visma = backend;
  const char *problem = NULL;
  g_autofree char *trimmed = NULL;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (!pb_sandbox_oauth2_check_bearer (pb_sandbox_get_oauth2 (visma->sandbox),
                                       pb_sandbox_exchange_get_header (ex, "Authorization"), &problem))
    {
      pb_sandbox_exchange_set_header (ex, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
      fail_with (ex, 401, problem, NULL);
      return;
    }
  if (!accept_ok (ex))
    {
      fail_with (ex, 406, "Not acceptable: this API answers " MEDIA_TYPE, NULL);
      return;
    }

  run_due_jobs (visma);

  trimmed = g_strdup (ex->api_path[0] == '/' ? ex->api_path + 1 : ex->api_path);
  while (*trimmed != '\0' && trimmed[strlen (trimmed) - 1] == '/')
    trimmed[strlen (trimmed) - 1] = '\0';
  parts = g_strsplit (trimmed, "/", -1);
  n = g_strv_length (parts);

  if (n >= 1 && g_str_equal (parts[0], "employees"))
    handle_employees (visma, ex, parts, n);
  else
    fail_with (ex, 404, "Not found", NULL);
}

static void
visma_identify (gpointer           backend,
                PbSandboxExchange *ex)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "Authorization");

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
    ex->rate_key = g_strdup (header + 7);
}

/* --- seeds, state ----------------------------------------------------------- */

static gpointer
visma_backend_new (PbSandbox *sandbox)
{
  Visma *visma = g_new0 (Visma, 1);

  visma->sandbox = sandbox;
  visma->employees = g_ptr_array_new_with_free_func ((GDestroyNotify) employee_free);
  visma->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  pb_sandbox_oauth2_set_tenant (pb_sandbox_get_oauth2 (sandbox), TENANT_PARAM, TENANT_ID);
  return visma;
}

static void
visma_backend_free (gpointer backend)
{
  Visma *visma = backend;

  g_ptr_array_unref (visma->employees);
  g_ptr_array_unref (visma->jobs);
  g_free (visma);
}

/* A seed: {"employees": [employee documents, each with its "positions"]}.
 * Each is held to the same rules as a job; ids are assigned. */
static gboolean
visma_load_seed (gpointer   backend,
                 JsonNode  *seed,
                 GError   **error)
{
  Visma *visma = backend;
  g_autoptr(GPtrArray) old = visma->employees;
  JsonArray *employees = NULL;
  guint old_next = visma->next_id;

  if (seed != NULL)
    {
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (seed))
        {
          g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "A seed is a JSON object");
          visma->employees = g_steal_pointer (&old);
          return FALSE;
        }
      members = json_object_get_members (json_node_get_object (seed));
      for (GList *l = members; l != NULL; l = l->next)
        if (!g_str_equal (l->data, "employees"))
          {
            g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                         "Unknown section “%s” (Visma seeds have “employees”)", (const char *) l->data);
            visma->employees = g_steal_pointer (&old);
            return FALSE;
          }
      employees = member_array (json_node_get_object (seed), "employees");
    }

  visma->employees = g_ptr_array_new_with_free_func ((GDestroyNotify) employee_free);
  visma->next_id = 0;
  for (guint i = 0; employees != NULL && i < json_array_get_length (employees); i++)
    {
      JsonObject *body = json_array_get_object_element (employees, i);
      g_autoptr(JsonArray) results = json_array_new ();
      JsonArray *positions = member_array (body, "positions");
      const char *bad = body != NULL ? check_shape (body, TRUE) : "(not an object)";

      if (bad == NULL)
        {
          check_employee (visma, NULL, body, results);
          for (guint j = 0; positions != NULL && j < json_array_get_length (positions); j++)
            check_position (visma, NULL, NULL, json_array_get_object_element (positions, j), "positions.", results);
        }
      if (bad != NULL || json_array_get_length (results) > 0)
        {
          JsonObject *first = bad == NULL ? json_array_get_object_element (results, 0) : NULL;

          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "employees[%u].%s: %s", i,
                       bad != NULL ? bad : member_string (first, "field"),
                       bad != NULL ? "unknown member" : member_string (first, "message"));
          g_ptr_array_unref (visma->employees);
          visma->employees = g_steal_pointer (&old);
          visma->next_id = old_next;
          return FALSE;
        }
      add_employee (visma, body);
    }
  g_ptr_array_set_size (visma->jobs, 0);
  return TRUE;
}

static JsonNode *
visma_dup_state (gpointer backend)
{
  Visma *visma = backend;
  g_autoptr(JsonObject) state = json_object_new ();
  JsonArray *employees = json_array_new ();
  JsonArray *jobs = json_array_new ();

  run_due_jobs (visma);
  for (guint i = 0; i < visma->employees->len; i++)
    {
      Employee *employee = g_ptr_array_index (visma->employees, i);
      JsonObject *json = employee_to_json (employee, TRUE);

      json_object_set_int_member (json, "etag", employee->base.version);
      json_array_add_object_element (employees, json);
    }
  for (guint i = 0; i < visma->jobs->len; i++)
    json_array_add_object_element (jobs, job_to_json (g_ptr_array_index (visma->jobs, i)));
  json_object_set_string_member (state, "tenantId", TENANT_ID);
  json_object_set_array_member (state, "employees", employees);
  json_object_set_array_member (state, "jobs", jobs);
  return json_node_init_object (json_node_alloc (), state);
}

static guint
visma_get_session_count (gpointer backend)
{
  return 0;
}

static void
visma_expire_sessions (gpointer backend)
{
  Visma *visma = backend;

  pb_sandbox_oauth2_expire_access_tokens (visma->sandbox);
}

static gboolean
visma_set_locked (gpointer     backend,
                  const char  *kind,
                  gint64       id,
                  gboolean     locked,
                  GError     **error)
{
  g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND,
               "Visma.net Payroll's Employee API has nothing that locks (%s)", kind);
  return FALSE;
}

const PbSandboxSystem pb_sandbox_visma_system = {
  .name = "visma",
  .api_prefix = "/v2",
  .request_id_header = "X-Request-Id",
  .rate_limit_header = "X-RateLimit-",
  .reset_on_429 = TRUE,
  .backend_new = visma_backend_new,
  .backend_free = visma_backend_free,
  .load_seed = visma_load_seed,
  .identify = visma_identify,
  .handle = visma_handle,
  .respond_error = visma_respond_error,
  .dup_state = visma_dup_state,
  .get_session_count = visma_get_session_count,
  .expire_sessions = visma_expire_sessions,
  .set_locked = visma_set_locked,
};
