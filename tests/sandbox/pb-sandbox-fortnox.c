/* pb-sandbox-fortnox.c: the Fortnox API (/3) on loopback
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pb-sandbox-fortnox.h"
#include "pb-sandbox-oauth2.h"

/* What the emulation follows (sources: Fortnox's OpenAPI document in
 * tests/contract/specs/fortnox-openapi.json, and the notes in
 * shared/api/payroll-apis-notes.md part A, whose source keys are cited):
 *
 * - Authorization: "Authorization: Bearer <access token>" from the
 *   sandbox's OAuth2 server, which answers at Fortnox's /oauth-v1/auth and
 *   /oauth-v1/token (Basic client authentication, rotating single-use
 *   refresh tokens of 45 days, access tokens of an hour). A missing,
 *   unknown or expired token: 401 with ErrorInformation 2000310
 *   ("Ogiltig inloggning", FX-ERR; 401 rather than 403 is UNCONFIRMED).
 * - The quota (FX-RATE): 25 requests in any 5 seconds per access token, a
 *   sliding window; over it, 429 with an ErrorInformation body and no
 *   Retry-After or rate headers (none are documented).
 * - Bodies wrapped in the entity's name, {"Employee": {...}} and lists in
 *   the plural, paged by `page` (from 1) and `limit` (default 100; at
 *   most 500, UNCONFIRMED) with MetaInformation (@TotalResources,
 *   @TotalPages, @CurrentPage; FX-OAS-OLD) when the list is more than a
 *   page or a page was asked for (the OpenAPI document declares neither
 *   on these lists).
 * - Errors: {"ErrorInformation": {"error", "message", "code"}}, lower-case
 *   as in FX-RESP's example, from the API's own checks; capitalised
 *   ("Error", "Message", "Code", as the OpenAPI document declares) for
 *   401, 404 of unknown paths, 429 and injected 5xx: a client must read
 *   both. Status 400 for a refused body (FX-RESP).
 * - /3/employees: required Email, FirstName, LastName; EmployeeId 1-15
 *   characters, generated when not sent, never changed (a PUT naming
 *   another is refused); the enumerations (EmploymentForm, SalaryForm,
 *   PersonelType, ...) and JobTitle's 30 characters from the document; an
 *   unknown member is 2001399 "Felaktigt fältnamn" (FX-ERR). No DELETE.
 * - /3/absencetransactions: required EmployeeId (an existing one),
 *   CauseCode (the document's enumeration) and Date; an `id` (uuid) per
 *   transaction; GET ?employeeid=&date=, GET/PUT/DELETE by id, GET by
 *   employee/date/code. DELETE answers 200 with {} (the document: 200
 *   "empty"). A transaction the lock fault locked refuses PUT and DELETE
 *   (how Fortnox words that is UNCONFIRMED).
 * - /3/companyinformation: the company's name and organisation number.
 *
 * Codes and words for refusals no source shows (duplicate EmployeeId,
 * EmployeeId changed, unknown employee, locked) are the sandbox's own and
 * marked so in tests/sandbox/README.md. */

#define PAGE_DEFAULT 100
#define PAGE_MAX     500

typedef enum
{
  FX_STR,
  FX_DATE,
  FX_NUM,
  FX_INT,
  FX_BOOL,
  FX_ARRAY,
  FX_ENUM,
} FxKind;

typedef struct
{
  const char         *name;
  FxKind              kind;
  guint               max_length;
  const char * const *values;
} FxProp;

/* fortnox_Employee's properties, as the OpenAPI document has them. */
static const FxProp employee_props[] = {
  { "ATFValue", FX_NUM, 0, NULL },
  { "ATKValue", FX_NUM, 0, NULL },
  { "AbsenceHoursNonVacationBased", FX_NUM, 0, NULL },
  { "AbsenceHoursVacationBased", FX_NUM, 0, NULL },
  { "AbsenceWorkdaysNonVacationBased", FX_NUM, 0, NULL },
  { "AbsenceWorkdaysVacationBased", FX_NUM, 0, NULL },
  { "Address1", FX_STR, 0, NULL },
  { "Address2", FX_STR, 0, NULL },
  { "AutoNonRecurringTax", FX_BOOL, 0, NULL },
  { "AverageHourlyWage", FX_STR, 0, NULL },
  { "AverageWeeklyHours", FX_STR, 0, NULL },
  { "BankAccountNo", FX_STR, 0, NULL },
  { "City", FX_STR, 0, NULL },
  { "ClearingNo", FX_STR, 0, NULL },
  { "CostCenter", FX_STR, 0, NULL },
  { "Country", FX_STR, 0, NULL },
  { "CurrentCompBalance", FX_NUM, 0, NULL },
  { "CurrentFlexBalance", FX_NUM, 0, NULL },
  { "DatedSchedules", FX_ARRAY, 0, NULL },
  { "DatedWages", FX_ARRAY, 0, NULL },
  { "Email", FX_STR, 0, NULL },
  { "EmployedTo", FX_DATE, 0, NULL },
  { "EmployeeCategories", FX_ARRAY, 0, NULL },
  { "EmployeeChildren", FX_ARRAY, 0, NULL },
  { "EmployeeId", FX_STR, 15, NULL },
  { "EmploymentDate", FX_DATE, 0, NULL },
  { "EmploymentForm", FX_ENUM, 0, (const char * const[]) { "TV", "PRO", "TID", "SVT", "VIK", "PRJ", "PRA", "FER", "SES", "NEJ", NULL } },
  { "FirstName", FX_STR, 0, NULL },
  { "ForaType", FX_ENUM, 0, (const char * const[]) { "A", "A51", "A52", "A53", "A54", "A55", "A56", "A57", "A58", "A59", "A60", "A61", "A62", "A63", "A64", "A65", "A66", "A67", "A68", "A69", "A70", "A71", "A72", "A73", "A74", "A75", "A76", "A77", "A78", "A79", "A80", "A81", "A82", "A83", "A84", "A85", "A86", "A3", "A91", "A92", "A93", "A11", "A12", "A13", "A14", "A15", "A16", "A17", "A18", "A19", "A20", "A21", "A22", "A23", "A24", "A25", "A26", "A27", "A28", "A29", "A30", "A41", "A42", "A43", "A44", "A45", "A46", "A47", "A48", "T", "T6", "-", NULL } },
  { "FullName", FX_STR, 0, NULL },
  { "FullTimeEquivalent", FX_NUM, 0, NULL },
  { "HourlyPay", FX_STR, 0, NULL },
  { "Inactive", FX_BOOL, 0, NULL },
  { "InitialComp", FX_NUM, 0, NULL },
  { "InitialFlex", FX_NUM, 0, NULL },
  { "JobTitle", FX_STR, 30, NULL },
  { "LastName", FX_STR, 0, NULL },
  { "MonthlySalary", FX_STR, 0, NULL },
  { "NonRecurringTax", FX_STR, 0, NULL },
  { "NonVacationBasedCalendarDaysPartial", FX_NUM, 0, NULL },
  { "NonVacationBasedCalendarDaysWhole", FX_NUM, 0, NULL },
  { "OpeningSalaries", FX_ARRAY, 0, NULL },
  { "PayslipType", FX_ENUM, 0, (const char * const[]) { "pdf", "digital", "kivra", NULL } },
  { "PersonalIdentityNumber", FX_STR, 0, NULL },
  { "PersonelType", FX_ENUM, 0, (const char * const[]) { "TJM", "ARB", NULL } },
  { "Phone1", FX_STR, 0, NULL },
  { "Phone2", FX_STR, 0, NULL },
  { "PostCode", FX_STR, 0, NULL },
  { "PreliminaryTaxDeducted", FX_NUM, 0, NULL },
  { "Project", FX_STR, 0, NULL },
  { "SalaryForm", FX_ENUM, 0, (const char * const[]) { "MAN", "TIM", NULL } },
  { "ScheduleId", FX_STR, 0, NULL },
  { "TaxAllowance", FX_ENUM, 0, (const char * const[]) { "HUV", "EXT", "TMP", "STU", "EJ", "???", NULL } },
  { "TaxColumn", FX_INT, 0, NULL },
  { "TaxTable", FX_STR, 0, NULL },
  { "VacationBasedAttendanceDays", FX_NUM, 0, NULL },
  { "VacationBasedAttendanceHours", FX_NUM, 0, NULL },
  { "VacationBasedCalendarDaysWhole", FX_NUM, 0, NULL },
  { "VacationBasedSalaryTotal", FX_NUM, 0, NULL },
  { "VacationBasedSalaryVariableAddition", FX_NUM, 0, NULL },
  { "VacationBasedSalaryWorkedTime", FX_NUM, 0, NULL },
  { "VacationCalculationAdvanceVacationDebt", FX_NUM, 0, NULL },
  { "VacationCalculationIncludeInCalculation", FX_BOOL, 0, NULL },
  { "VacationCalculationSameWagePercent", FX_BOOL, 0, NULL },
  { "VacationCalculationSoleCustody", FX_BOOL, 0, NULL },
  { "VacationCalculationSumOnlyNoDays", FX_BOOL, 0, NULL },
  { "VacationCalculationTotalVacationSalarySum", FX_NUM, 0, NULL },
  { "VacationCalculationVacationEntitlement", FX_NUM, 0, NULL },
  { "VacationCalculationVariableAdditionSum", FX_NUM, 0, NULL },
  { "VacationDaysPaid", FX_NUM, 0, NULL },
  { "VacationDaysPendingPaid", FX_NUM, 0, NULL },
  { "VacationDaysPendingPrepaid", FX_NUM, 0, NULL },
  { "VacationDaysPendingSaved", FX_NUM, 0, NULL },
  { "VacationDaysPendingSavedYear1", FX_NUM, 0, NULL },
  { "VacationDaysPendingSavedYear2", FX_NUM, 0, NULL },
  { "VacationDaysPendingSavedYear3", FX_NUM, 0, NULL },
  { "VacationDaysPendingSavedYear4", FX_NUM, 0, NULL },
  { "VacationDaysPendingSavedYear5", FX_NUM, 0, NULL },
  { "VacationDaysPendingSavedYear6Plus", FX_NUM, 0, NULL },
  { "VacationDaysPendingUnpaid", FX_NUM, 0, NULL },
  { "VacationDaysPrepaid", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredPaid", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredPrepaid", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSaved", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSavedYear1", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSavedYear2", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSavedYear3", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSavedYear4", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSavedYear5", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredSavedYear6Plus", FX_NUM, 0, NULL },
  { "VacationDaysRegisteredUnpaid", FX_NUM, 0, NULL },
  { "VacationDaysSaved", FX_NUM, 0, NULL },
  { "VacationDaysSavedEmploymentRateYear1", FX_NUM, 0, NULL },
  { "VacationDaysSavedEmploymentRateYear2", FX_NUM, 0, NULL },
  { "VacationDaysSavedEmploymentRateYear3", FX_NUM, 0, NULL },
  { "VacationDaysSavedEmploymentRateYear4", FX_NUM, 0, NULL },
  { "VacationDaysSavedEmploymentRateYear5", FX_NUM, 0, NULL },
  { "VacationDaysSavedEmploymentRateYear6Plus", FX_NUM, 0, NULL },
  { "VacationDaysSavedYear1", FX_NUM, 0, NULL },
  { "VacationDaysSavedYear2", FX_NUM, 0, NULL },
  { "VacationDaysSavedYear3", FX_NUM, 0, NULL },
  { "VacationDaysSavedYear4", FX_NUM, 0, NULL },
  { "VacationDaysSavedYear5", FX_NUM, 0, NULL },
  { "VacationDaysSavedYear6Plus", FX_NUM, 0, NULL },
  { "VacationDaysUnpaid", FX_NUM, 0, NULL },
  { "WorkingTimeEnumeration", FX_STR, 0, NULL },
  { NULL }
};

static const char * const cause_codes[] = {
  "ASK", "FPE", "FRA", "HAV", "KOM", "MIL", "NAR", "OS1", "OS2", "OS3", "OS4", "OS5",
  "PAP", "PEM", "PER", "SEM", "SJK", "SMB", "SVE", "TJL", "UTB", "VAB", NULL
};

/* fortnox_AbsenceTransactionPayload's properties. */
static const FxProp absence_props[] = {
  { "CauseCode", FX_ENUM, 3, cause_codes },
  { "CostCenter", FX_STR, 0, NULL },
  { "Date", FX_DATE, 0, NULL },
  { "EmployeeId", FX_STR, 15, NULL },
  { "Extent", FX_NUM, 0, NULL },
  { "HolidayEntitling", FX_BOOL, 0, NULL },
  { "Hours", FX_NUM, 0, NULL },
  { "Project", FX_STR, 0, NULL },
  { NULL }
};

/* --- state ---------------------------------------------------------------- */

typedef struct
{
  PbSandbox  *sandbox;
  GPtrArray  *employees;   /* JsonObject* (owned), as stored: the Employee's members */
  GPtrArray  *absences;    /* JsonObject* (owned): members, "id", "_locked" */
  JsonObject *company;     /* (owned) */
  guint       next_employee;
} Fx;

static void
fx_clear (Fx *fx)
{
  g_clear_pointer (&fx->employees, g_ptr_array_unref);
  g_clear_pointer (&fx->absences, g_ptr_array_unref);
  g_clear_pointer (&fx->company, json_object_unref);
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

static JsonObject *
find_employee (Fx         *fx,
               const char *id)
{
  for (guint i = 0; id != NULL && i < fx->employees->len; i++)
    if (g_strcmp0 (member_string (g_ptr_array_index (fx->employees, i), "EmployeeId"), id) == 0)
      return g_ptr_array_index (fx->employees, i);
  return NULL;
}

static JsonObject *
find_absence (Fx         *fx,
              const char *id)
{
  for (guint i = 0; id != NULL && i < fx->absences->len; i++)
    if (g_strcmp0 (member_string (g_ptr_array_index (fx->absences, i), "id"), id) == 0)
      return g_ptr_array_index (fx->absences, i);
  return NULL;
}

/* --- answers --------------------------------------------------------------- */

static void
error_body (PbSandboxExchange *ex,
            guint              status,
            int                code,
            const char        *message,
            gboolean           capitalised)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ErrorInformation");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, capitalised ? "Error" : "error");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, capitalised ? "Message" : "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, capitalised ? "Code" : "code");
  json_builder_add_int_value (builder, code);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  pb_sandbox_exchange_set_json (ex, status, node);
}

static void
fail (PbSandboxExchange *ex,
      guint              status,
      int                code,
      const char        *format,
      ...) G_GNUC_PRINTF (4, 5);

static void
fail (PbSandboxExchange *ex,
      guint              status,
      int                code,
      const char        *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  error_body (ex, status, code, message, FALSE);
}

static void
fortnox_respond_error (gpointer           backend,
                       PbSandboxExchange *ex,
                       guint              status,
                       int                code,
                       const char        *message)
{
  error_body (ex, status, code != 0 ? code : (status == 429 ? 0 : 1000003), message, TRUE);
}

static void
reply_wrapped (PbSandboxExchange *ex,
               guint              status,
               const char        *name,
               JsonObject        *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_object_member (json_node_get_object (node), name, object);
  pb_sandbox_exchange_set_json (ex, status, node);
}

static JsonObject *
object_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonNode) copy = json_node_copy (node);

  return json_object_ref (json_node_get_object (copy));
}

/* What the API shows of a stored record: its members without the
 * sandbox's own ('_'), the derived FullName, and with @url an "@url". */
static JsonObject *
render (Fx         *fx,
        JsonObject *record,
        const char *url_path)
{
  JsonObject *out = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (record);

  for (GList *l = names; l != NULL; l = l->next)
    if (((const char *) l->data)[0] != '_')
      json_object_set_member (out, l->data, json_node_copy (json_object_get_member (record, l->data)));
  if (member_string (record, "FirstName") != NULL && url_path != NULL
      && g_str_has_prefix (url_path, "/employees"))
    {
      g_autofree char *full = g_strdup_printf ("%s %s", member_string (record, "FirstName"),
                                               member_string (record, "LastName") != NULL
                                               ? member_string (record, "LastName") : "");
      json_object_set_string_member (out, "FullName", g_strstrip (full));
    }
  return out;
}

static char *
record_url (Fx         *fx,
            const char *collection,
            const char *id)
{
  return g_strdup_printf ("http://%s/3/%s/%s", pb_sandbox_get_host (fx->sandbox), collection, id);
}

/* A page of @records (JsonObject*, already rendered) as {plural: [...],
 * MetaInformation}, or FALSE with a 400 for a bad page or limit. */
static gboolean
reply_page (PbSandboxExchange *ex,
            const char        *plural,
            GPtrArray         *records)
{
  const char *page_text = pb_sandbox_exchange_get_query (ex, "page");
  const char *limit_text = pb_sandbox_exchange_get_query (ex, "limit");
  guint64 page = 1, limit = PAGE_DEFAULT;
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), json_object_new ());
  JsonObject *root = json_node_get_object (node);
  JsonObject *meta = json_object_new ();
  JsonArray *values = json_array_new ();
  guint total_pages;

  if ((page_text != NULL && (!g_ascii_string_to_unsigned (page_text, 10, 1, G_MAXUINT32, &page, NULL)))
      || (limit_text != NULL && (!g_ascii_string_to_unsigned (limit_text, 10, 1, PAGE_MAX, &limit, NULL))))
    {
      json_object_unref (meta);
      json_array_unref (values);
      fail (ex, 400, 2000588, "Ogiltig parameter i anropet");
      return FALSE;
    }

  total_pages = (records->len + limit - 1) / limit;
  for (guint64 i = (page - 1) * limit; i < records->len && i < page * limit; i++)
    json_array_add_object_element (values, json_object_ref (g_ptr_array_index (records, i)));
  json_object_set_int_member (meta, "@TotalResources", records->len);
  json_object_set_int_member (meta, "@TotalPages", MAX (total_pages, 1));
  json_object_set_int_member (meta, "@CurrentPage", page);
  /* The published document declares no MetaInformation on these lists,
   * the generic paging documentation does: it comes when the list is
   * more than one page, or a page was asked for. */
  if (total_pages > 1 || page_text != NULL || limit_text != NULL)
    json_object_set_object_member (root, "MetaInformation", meta);
  else
    json_object_unref (meta);
  json_object_set_array_member (root, plural, values);
  pb_sandbox_exchange_set_json (ex, 200, node);
  return TRUE;
}

/* --- checks ----------------------------------------------------------------- */

static gboolean
is_date (const char *text)
{
  int y, m, d;
  char tail;

  return text != NULL && strlen (text) == 10 && sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3
         && g_date_valid_dmy (d, m, y);
}

/* The body's @wrapper object, checked member by member against @props.
 * Returns NULL with a 400 in @ex. */
static JsonObject *
read_body (PbSandboxExchange *ex,
           const char        *wrapper,
           const FxProp      *props)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = pb_sandbox_exchange_parse_body (ex, &error);
  JsonNode *inner;
  JsonObject *object;
  g_autoptr(GList) names = NULL;

  if (body == NULL)
    {
      fail (ex, 400, 2002115, "Error deserializing JSON: JSON_ERROR_SYNTAX");
      return NULL;
    }
  inner = JSON_NODE_HOLDS_OBJECT (body) ? json_object_get_member (json_node_get_object (body), wrapper) : NULL;
  if (inner == NULL || !JSON_NODE_HOLDS_OBJECT (inner))
    {
      fail (ex, 400, 2001392, "Ingen eller felaktig typ av data");
      return NULL;
    }
  object = json_node_get_object (inner);
  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (object, name);
      const FxProp *prop = NULL;
      gboolean ok;

      for (const FxProp *p = props; p->name != NULL; p++)
        if (g_str_equal (p->name, name))
          prop = p;
      if (prop == NULL)
        {
          fail (ex, 400, 2001399, "Felaktigt fältnamn (%s)", name);
          return NULL;
        }
      if (JSON_NODE_HOLDS_NULL (value))
        continue;
      switch (prop->kind)
        {
        case FX_STR:
        case FX_DATE:
        case FX_ENUM:
          ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
          if (ok && prop->kind == FX_DATE && *json_node_get_string (value) != '\0')
            ok = is_date (json_node_get_string (value));
          if (ok && prop->kind == FX_ENUM)
            ok = g_strv_contains (prop->values, json_node_get_string (value));
          if (ok && prop->max_length > 0)
            ok = g_utf8_strlen (json_node_get_string (value), -1) <= (glong) prop->max_length;
          break;
        case FX_NUM:
          ok = JSON_NODE_HOLDS_VALUE (value) && (json_node_get_value_type (value) == G_TYPE_DOUBLE
                                                 || json_node_get_value_type (value) == G_TYPE_INT64);
          break;
        case FX_INT:
          ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_INT64;
          break;
        case FX_BOOL:
          ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN;
          break;
        case FX_ARRAY:
        default:
          ok = JSON_NODE_HOLDS_ARRAY (value);
          break;
        }
      if (!ok)
        {
          fail (ex, 400, 2000588, "Ogiltig parameter i anropet (%s)", name);
          return NULL;
        }
    }
  return json_object_ref (object);
}

static void
merge (JsonObject *into,
       JsonObject *from)
{
  g_autoptr(GList) names = json_object_get_members (from);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (from, l->data);

      if (JSON_NODE_HOLDS_NULL (value))
        json_object_remove_member (into, l->data);
      else
        json_object_set_member (into, l->data, json_node_copy (value));
    }
}

static gboolean
is_employee_id (const char *id)
{
  glong length = id != NULL ? g_utf8_strlen (id, -1) : 0;

  if (length < 1 || length > 15)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* --- /3/employees -------------------------------------------------------------- */

static void
employee_reply (Fx                *fx,
                PbSandboxExchange *ex,
                guint              status,
                JsonObject        *record)
{
  reply_wrapped (ex, status, "Employee", render (fx, record, "/employees"));
}

static void
list_employees (Fx                *fx,
                PbSandboxExchange *ex)
{
  g_autoptr(GPtrArray) rendered = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < fx->employees->len; i++)
    {
      JsonObject *record = g_ptr_array_index (fx->employees, i);
      JsonObject *out = render (fx, record, "/employees");

      json_object_set_string_member (out, "@url", record_url (fx, "employees", member_string (record, "EmployeeId")));
      g_ptr_array_add (rendered, out);
    }
  reply_page (ex, "Employees", rendered);
}

static gboolean
check_required (PbSandboxExchange *ex,
                JsonObject        *object,
                const char * const *required)
{
  for (guint i = 0; required[i] != NULL; i++)
    {
      const char *value = member_string (object, required[i]);

      if (value == NULL || *value == '\0')
        {
          fail (ex, 400, 2000588, "Ogiltig parameter i anropet: %s måste anges", required[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
create_employee (Fx                *fx,
                 PbSandboxExchange *ex)
{
  static const char * const required[] = { "Email", "FirstName", "LastName", NULL };
  g_autoptr(JsonObject) body = read_body (ex, "Employee", employee_props);
  const char *id;
  JsonObject *record;

  if (body == NULL || !check_required (ex, body, required))
    return;
  id = member_string (body, "EmployeeId");
  if (id != NULL && !is_employee_id (id))
    {
      fail (ex, 400, 2000588, "Ogiltig parameter i anropet (EmployeeId)");
      return;
    }
  if (id != NULL && find_employee (fx, id) != NULL)
    {
      /* The sandbox's words and code: no source shows Fortnox's. */
      fail (ex, 400, 2000637, "Anställnings-id %s används redan (EmployeeId already in use)", id);
      return;
    }

  record = object_copy (body);
  if (id == NULL)
    {
      g_autofree char *generated = NULL;

      do
        {
          g_free (generated);
          generated = g_strdup_printf ("%u", fx->next_employee++);
        }
      while (find_employee (fx, generated) != NULL);
      json_object_set_string_member (record, "EmployeeId", generated);
    }
  g_ptr_array_add (fx->employees, record);
  employee_reply (fx, ex, 201, record);
}

static void
update_employee (Fx                *fx,
                 PbSandboxExchange *ex,
                 JsonObject        *record)
{
  g_autoptr(JsonObject) body = read_body (ex, "Employee", employee_props);
  const char *id;

  if (body == NULL)
    return;
  id = member_string (body, "EmployeeId");
  if (id != NULL && g_strcmp0 (id, member_string (record, "EmployeeId")) != 0)
    {
      /* FX-CS: EmployeeId can never be changed. The words are the sandbox's. */
      fail (ex, 400, 2000638, "Anställnings-id kan inte ändras (EmployeeId cannot be changed)");
      return;
    }
  merge (record, body);
  {
    static const char * const required[] = { "Email", "FirstName", "LastName", NULL };

    for (guint i = 0; required[i] != NULL; i++)
      if (member_string (record, required[i]) == NULL || *member_string (record, required[i]) == '\0')
        {
          fail (ex, 400, 2000588, "Ogiltig parameter i anropet: %s måste anges", required[i]);
          return;
        }
  }
  employee_reply (fx, ex, 200, record);
}

static void
handle_employees (Fx                *fx,
                  PbSandboxExchange *ex,
                  const char        *rest)
{
  JsonObject *record;

  if (*rest == '\0')
    {
      if (g_str_equal (ex->method, "GET"))
        list_employees (fx, ex);
      else if (g_str_equal (ex->method, "POST"))
        create_employee (fx, ex);
      else
        fail (ex, 405, 1000003, "Method not allowed");
      return;
    }

  record = find_employee (fx, rest + 1);
  if (record == NULL)
    {
      fail (ex, 404, 2000639, "Kan inte hitta den anställda (%s)", rest + 1);
      return;
    }
  if (g_str_equal (ex->method, "GET"))
    employee_reply (fx, ex, 200, record);
  else if (g_str_equal (ex->method, "PUT"))
    update_employee (fx, ex, record);
  else
    fail (ex, 405, 1000003, "Method not allowed");
}

/* --- /3/absencetransactions ------------------------------------------------------- */

static JsonObject *
render_absence (Fx         *fx,
                JsonObject *record)
{
  JsonObject *out = render (fx, record, NULL);

  json_object_set_string_member (out, "@url", record_url (fx, "absencetransactions", member_string (record, "id")));
  return out;
}

static void
list_absences (Fx                *fx,
               PbSandboxExchange *ex,
               const char        *employee,
               const char        *date,
               const char        *code)
{
  g_autoptr(GPtrArray) rendered = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < fx->absences->len; i++)
    {
      JsonObject *record = g_ptr_array_index (fx->absences, i);

      if ((employee != NULL && g_strcmp0 (member_string (record, "EmployeeId"), employee) != 0)
          || (date != NULL && g_strcmp0 (member_string (record, "Date"), date) != 0)
          || (code != NULL && g_strcmp0 (member_string (record, "CauseCode"), code) != 0))
        continue;
      g_ptr_array_add (rendered, render_absence (fx, record));
    }
  reply_page (ex, "AbsenceTransactions", rendered);
}

static gboolean
check_absence (Fx                *fx,
               PbSandboxExchange *ex,
               JsonObject        *values)
{
  static const char * const required[] = { "EmployeeId", "CauseCode", "Date", NULL };

  if (!check_required (ex, values, required))
    return FALSE;
  if (find_employee (fx, member_string (values, "EmployeeId")) == NULL)
    {
      fail (ex, 400, 2000639, "Kan inte hitta den anställda (%s)", member_string (values, "EmployeeId"));
      return FALSE;
    }
  return TRUE;
}

static void
create_absence (Fx                *fx,
                PbSandboxExchange *ex)
{
  g_autoptr(JsonObject) body = read_body (ex, "AbsenceTransaction", absence_props);
  g_autofree char *id = NULL;
  JsonObject *record;

  if (body == NULL || !check_absence (fx, ex, body))
    return;
  record = object_copy (body);
  id = g_uuid_string_random ();
  json_object_set_string_member (record, "id", id);
  if (pb_sandbox_roll_lock (fx->sandbox))
    json_object_set_boolean_member (record, "_locked", TRUE);
  g_ptr_array_add (fx->absences, record);
  reply_wrapped (ex, 201, "AbsenceTransaction", render_absence (fx, record));
}

static gboolean
refuse_locked (PbSandboxExchange *ex,
               JsonObject        *record)
{
  if (!json_object_get_boolean_member_with_default (record, "_locked", FALSE))
    return FALSE;
  /* The sandbox's words: how Fortnox refuses an attested one is UNCONFIRMED. */
  fail (ex, 400, 2000640, "Frånvarotransaktionen är låst (attesterad) och kan inte ändras");
  return TRUE;
}

static void
handle_absences (Fx                *fx,
                 PbSandboxExchange *ex,
                 const char        *rest)
{
  g_auto(GStrv) parts = NULL;
  JsonObject *record;

  if (*rest == '\0')
    {
      if (g_str_equal (ex->method, "GET"))
        list_absences (fx, ex, pb_sandbox_exchange_get_query (ex, "employeeid"),
                       pb_sandbox_exchange_get_query (ex, "date"), NULL);
      else if (g_str_equal (ex->method, "POST"))
        create_absence (fx, ex);
      else
        fail (ex, 405, 1000003, "Method not allowed");
      return;
    }

  parts = g_strsplit (rest + 1, "/", -1);
  if (g_strv_length (parts) == 3 && g_str_equal (ex->method, "GET"))
    {
      list_absences (fx, ex, parts[0], parts[1], parts[2]);
      return;
    }
  record = g_strv_length (parts) == 1 ? find_absence (fx, parts[0]) : NULL;
  if (record == NULL)
    {
      fail (ex, 404, 2000729, "A valid identifier was not provided");
      return;
    }

  if (g_str_equal (ex->method, "GET"))
    reply_wrapped (ex, 200, "AbsenceTransaction", render_absence (fx, record));
  else if (g_str_equal (ex->method, "PUT"))
    {
      g_autoptr(JsonObject) body = read_body (ex, "AbsenceTransaction", absence_props);
      g_autoptr(JsonObject) merged = NULL;

      if (body == NULL || refuse_locked (ex, record))
        return;
      merged = object_copy (record);
      merge (merged, body);
      if (!check_absence (fx, ex, merged))
        return;
      merge (record, body);
      reply_wrapped (ex, 200, "AbsenceTransaction", render_absence (fx, record));
    }
  else if (g_str_equal (ex->method, "DELETE"))
    {
      if (refuse_locked (ex, record))
        return;
      g_ptr_array_remove (fx->absences, record);
      pb_sandbox_exchange_set_json (ex, 200, json_node_init_object (json_node_alloc (), json_object_new ()));
    }
  else
    fail (ex, 405, 1000003, "Method not allowed");
}

/* --- /3/companyinformation ----------------------------------------------------------- */

static void
handle_company (Fx                *fx,
                PbSandboxExchange *ex)
{
  if (!g_str_equal (ex->method, "GET"))
    {
      fail (ex, 405, 1000003, "Method not allowed");
      return;
    }
  reply_wrapped (ex, 200, "CompanyInformation", object_copy (fx->company));
}

/* --- the system -------------------------------------------------------------------- */

static const char *
bearer_token (PbSandboxExchange *ex)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  header += 7;
  while (*header == ' ')
    header++;
  return header;
}

static void
fortnox_identify (gpointer           backend,
                  PbSandboxExchange *ex)
{
  const char *token = bearer_token (ex);

  /* FX-RATE: the quota is per access token. */
  if (token != NULL)
    ex->rate_key = g_strdup (token);
}

static gboolean
path_is (const char  *path,
         const char  *collection,
         const char **rest)
{
  gsize length = strlen (collection);

  if (!g_str_has_prefix (path, collection) || (path[length] != '\0' && path[length] != '/'))
    return FALSE;
  *rest = path + length;
  return TRUE;
}

static void
fortnox_handle (gpointer           backend,
                PbSandboxExchange *ex)
{
  Fx *fx = backend;
  const char *why = NULL;
  const char *rest = NULL;
  PbSandboxOAuth2 *oauth2 = pb_sandbox_get_oauth2 (fx->sandbox);

  if (!pb_sandbox_oauth2_check_access (oauth2, bearer_token (ex), &why))
    {
      error_body (ex, 401, 2000310, "Ogiltig inloggning", TRUE);
      g_debug ("refused: %s", why);
      return;
    }

  if (path_is (ex->api_path, "/employees", &rest))
    handle_employees (fx, ex, rest);
  else if (path_is (ex->api_path, "/absencetransactions", &rest))
    handle_absences (fx, ex, rest);
  else if (g_str_equal (ex->api_path, "/companyinformation"))
    handle_company (fx, ex);
  else
    error_body (ex, 404, 2000729, "A valid identifier was not provided", TRUE);
}

/* The seed: {"company": {CompanyInformation}, "employees": [Employee...],
 * "absencetransactions": [AbsenceTransaction...]}, each member optional. */
static gboolean
fortnox_load_seed (gpointer   backend,
                   JsonNode  *seed,
                   GError   **error)
{
  Fx *fx = backend;
  Fx next = { .sandbox = fx->sandbox, .next_employee = 1 };
  JsonObject *root = seed != NULL && JSON_NODE_HOLDS_OBJECT (seed) ? json_node_get_object (seed) : NULL;
  JsonNode *company = root != NULL ? json_object_get_member (root, "company") : NULL;
  const char *sections[] = { "employees", "absencetransactions" };

  if (seed != NULL && root == NULL)
    {
      g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "A Fortnox seed is a JSON object");
      return FALSE;
    }

  next.employees = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  next.absences = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  if (company != NULL && JSON_NODE_HOLDS_OBJECT (company))
    next.company = object_copy (json_node_get_object (company));
  else
    {
      next.company = json_object_new ();
      json_object_set_string_member (next.company, "CompanyName", "Sandbox AB");
      json_object_set_string_member (next.company, "OrganizationNumber", "556000-0000");
      json_object_set_string_member (next.company, "CountryCode", "SE");
      json_object_set_string_member (next.company, "City", "Stockholm");
      json_object_set_int_member (next.company, "DatabaseNumber", 100001);
    }

  for (guint s = 0; root != NULL && s < G_N_ELEMENTS (sections); s++)
    {
      JsonNode *node = json_object_get_member (root, sections[s]);
      JsonArray *array;

      if (node == NULL)
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "“%s” must be an array", sections[s]);
          fx_clear (&next);
          return FALSE;
        }
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *record;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "%s[%u] is not an object",
                           sections[s], i);
              fx_clear (&next);
              return FALSE;
            }
          record = object_copy (json_node_get_object (element));
          if (s == 0)
            {
              if (member_string (record, "EmployeeId") == NULL)
                {
                  g_autofree char *id = g_strdup_printf ("%u", next.next_employee++);
                  json_object_set_string_member (record, "EmployeeId", id);
                }
              g_ptr_array_add (next.employees, record);
            }
          else
            {
              if (member_string (record, "id") == NULL)
                {
                  g_autofree char *id = g_uuid_string_random ();
                  json_object_set_string_member (record, "id", id);
                }
              g_ptr_array_add (next.absences, record);
            }
        }
    }

  fx_clear (fx);
  *fx = next;
  return TRUE;
}

/* The state for tests: records as stored, each with an "id" (the
 * EmployeeId, the transaction's uuid) and absences referring to their
 * employee as {"employee": {"id": EmployeeId}}, as the shared connector
 * suite reads a state; "locked" says what the lock fault did. */
static JsonNode *
fortnox_dup_state (gpointer backend)
{
  Fx *fx = backend;
  JsonObject *root = json_object_new ();
  JsonArray *employees = json_array_new ();
  JsonArray *absences = json_array_new ();

  for (guint i = 0; i < fx->employees->len; i++)
    {
      JsonObject *record = g_ptr_array_index (fx->employees, i);
      JsonObject *out = render (fx, record, "/employees");

      json_object_set_string_member (out, "id", member_string (record, "EmployeeId"));
      json_array_add_object_element (employees, out);
    }
  for (guint i = 0; i < fx->absences->len; i++)
    {
      JsonObject *record = g_ptr_array_index (fx->absences, i);
      JsonObject *out = render (fx, record, NULL);
      JsonObject *employee = json_object_new ();

      json_object_set_string_member (employee, "id", member_string (record, "EmployeeId"));
      json_object_set_object_member (out, "employee", employee);
      json_object_set_boolean_member (out, "locked",
                                      json_object_get_boolean_member_with_default (record, "_locked", FALSE));
      json_array_add_object_element (absences, out);
    }
  json_object_set_object_member (root, "company", object_copy (fx->company));
  json_object_set_array_member (root, "employees", employees);
  json_object_set_array_member (root, "absencetransactions", absences);
  return json_node_init_object (json_node_alloc (), root);
}

static guint
fortnox_get_session_count (gpointer backend)
{
  return 0;
}

static void
fortnox_expire_sessions (gpointer backend)
{
  Fx *fx = backend;

  /* Sessions are OAuth2 access tokens here. */
  pb_sandbox_oauth2_expire_access_tokens (fx->sandbox);
}

static gboolean
fortnox_set_locked (gpointer   backend,
                    const char *kind,
                    gint64     id,
                    gboolean   locked,
                    GError   **error)
{
  g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND,
               "Fortnox's absence transactions have uuids: lock them with the lock fault (lock_rate)");
  return FALSE;
}

static gpointer
fortnox_backend_new (PbSandbox *sandbox)
{
  Fx *fx = g_new0 (Fx, 1);

  fx->sandbox = sandbox;
  return fx;
}

static void
fortnox_backend_free (gpointer backend)
{
  Fx *fx = backend;

  fx_clear (fx);
  g_free (fx);
}

const PbSandboxSystem pb_sandbox_fortnox_system = {
  .name = "fortnox",
  .api_prefix = "/3",
  .request_id_header = NULL,
  .rate_limit_header = NULL,
  .reset_on_429 = FALSE,
  .sliding_window = TRUE,
  .default_rate_limit_count = 25,
  .default_rate_limit_seconds = 5,
  .backend_new = fortnox_backend_new,
  .backend_free = fortnox_backend_free,
  .load_seed = fortnox_load_seed,
  .identify = fortnox_identify,
  .handle = fortnox_handle,
  .respond_error = fortnox_respond_error,
  .dup_state = fortnox_dup_state,
  .get_session_count = fortnox_get_session_count,
  .expire_sessions = fortnox_expire_sessions,
  .set_locked = fortnox_set_locked,
};
