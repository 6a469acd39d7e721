/* pb-sandbox-unimicro.c: the Unimicro (Uni Economy) API emulation
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pb-sandbox-oauth2.h"
#include "pb-sandbox-unimicro.h"

/* Unimicro's API (app.unimicro.no/api), as the notes part C describe it
 * (UM-MCP, UM-GRASP, UM-SWAG, UM-ENT). There is no published OpenAPI
 * document of today's API; where the notes mark a shape UNCONFIRMED the
 * sandbox follows the closest documented form, and tests/sandbox/README.md
 * lists each.
 *
 *   - Auth: a Bearer token from the sandbox's OAuth2 server (standing in
 *     for login.unimicro.no). Expired or unknown: 401.
 *   - Every /api/biz/ request needs a `CompanyKey` header naming a company
 *     the user may reach (C.2): missing 400, unknown 403 (both codes
 *     UNCONFIRMED). GET /api/init/companies lists them and needs none.
 *   - /api/biz/{employees,employments,EmployeeLeave,salarytrans}[/{ID}],
 *     paths case-insensitive: lists are bare JSON arrays (C.2), create is
 *     201, update (PUT, members merged) 200, delete 204 (UNCONFIRMED).
 *   - Query options without `$` (C.2): filter (`Field op value` joined by
 *     ` and `, op eq ne gt ge lt le, and contains(Field,'x')), expand
 *     (navigations are left out unless expanded), top, orderby. Any other
 *     option is 400 (skip and select are UNCONFIRMED; the sandbox is
 *     strict so that a connector relying on them fails here first).
 *   - Members are PascalCase as in UM-ENT; enums are numbers (UNCONFIRMED,
 *     the front-end types suggest numbers); dates "YYYY-MM-DD" (a time
 *     after a 'T' is accepted and kept). Unknown members are 400. */

#define API_BIZ        "biz"
#define COMPANY_HEADER "CompanyKey"

typedef struct
{
  const char         *path;      /* canonical: "employees" */
  const char * const *fields;    /* writable members besides the common ones */
} Entity;

static const char * const employee_fields[] = {
  "EmployeeNumber", "BusinessRelationID", "BusinessRelationInfo", "SocialSecurityNumber", "BirthDate", "Sex",
  "EmploymentDate", "Active", "MunicipalityNo", "InternationalID", "InternasjonalIDType",
  "InternasjonalIDCountry", "ForeignWorker", "PaymentInterval", "AdvancePaymentAmount", "FreeText",
  "SubEntityID", "UserID", "PhotoID", "EmployeeLanguageID", "OtpExport", "OtpStatus", "EmploymentDateOtp",
  "EndDateOtp", "IncludeOtpUntilMonth", "IncludeOtpUntilYear", "TypeOfPaymentOtp", NULL
};

static const char * const employment_fields[] = {
  "EmployeeID", "EmployeeNumber", "StartDate", "EndDate", "EndDateReason", "JobCode", "JobName",
  "WorkPercent", "HoursPerWeek", "MonthRate", "HourRate", "UserDefinedRate", "PayGrade", "RegulativeGroupID",
  "RegulativeStepNr", "LastSalaryChangeDate", "LastWorkPercentChangeDate", "SeniorityDate",
  "TypeOfEmployment", "EmploymentType", "RemunerationType", "WorkingHoursScheme", "ShipType", "ShipReg",
  "TradeArea", "Standard", "SubEntityID", "DimensionsID", "LedgerAccount", NULL
};

static const char * const leave_fields[] = {
  "EmploymentID", "FromDate", "ToDate", "LeavePercent", "LeaveType", "Description", "AffectsOtp", NULL
};

static const char * const salarytrans_fields[] = {
  "EmployeeID", "EmployeeNumber", "EmploymentID", "PayrollRunID", "WageTypeID", "WageTypeNumber", "Text",
  "FromDate", "ToDate", "Amount", "Rate", "Sum", "Account", "DimensionsID", "VatTypeID", "SalaryBalanceID",
  "IsRecurringPost", "recurringPostValidFrom", "recurringPostValidTo", "SystemType", NULL
};

static const char * const common_fields[] = {
  "ID", "StatusCode", "CreatedAt", "CreatedBy", "UpdatedAt", "UpdatedBy", "Deleted", "_createguid",
  "CustomFields", NULL
};

/* Members that are navigations: left out of answers unless expanded. */
static const char * const navigations[] = {
  "BusinessRelationInfo", "DefaultEmail", "DefaultPhone", "Emails", "Phones", "Addresses",
  "Employments", "Leaves", NULL
};

static const Entity entities[] = {
  { "employees", employee_fields },
  { "employments", employment_fields },
  { "EmployeeLeave", leave_fields },
  { "salarytrans", salarytrans_fields },
};

typedef struct
{
  const char *key;
  const char *name;
  const char *org_number;
} Company;

static const Company companies[] = {
  { PB_SANDBOX_UNIMICRO_COMPANY_KEY, "Nordlys Data AS", "912345678" },
  { PB_SANDBOX_UNIMICRO_OTHER_COMPANY_KEY, "Nordlys Eiendom AS", "987654321" },
};

typedef struct
{
  const Entity *entity;
  guint         company;
  gint64        id;
  JsonObject   *doc;
} Rec;

typedef struct
{
  PbSandbox  *sandbox;
  GPtrArray  *records;   /* Rec*, in creation order */
  gint64      next_id;
  guint       n_reachable;  /* the user may reach the first this many companies */
  gboolean    long_names;   /* /init/companies spells CompanyKey, CompanyName (C.2) */
} Unimicro;

/* --- records -------------------------------------------------------------- */

static void
rec_free (Rec *rec)
{
  json_object_unref (rec->doc);
  g_free (rec);
}

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

/* A number member (int or double); FALSE if absent, null or not a number. */
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
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

static gboolean
member_is_set (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node);
}

static JsonObject *
object_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonNode) copy = json_node_copy (node);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;

  /* json_node_copy() shares the object: go through text for a deep copy. */
  json_generator_set_root (generator, copy);
  text = json_generator_to_data (generator, NULL);
  if (!json_parser_load_from_data (parser, text, -1, NULL))
    g_assert_not_reached ();
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static Rec *
find_rec (Unimicro     *um,
          const Entity *entity,
          guint         company,
          gint64        id)
{
  for (guint i = 0; i < um->records->len; i++)
    {
      Rec *rec = g_ptr_array_index (um->records, i);

      if (rec->entity == entity && rec->company == company && rec->id == id)
        return rec;
    }
  return NULL;
}

static const Entity *
entity_named (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (g_ascii_strcasecmp (entities[i].path, name) == 0)
      return &entities[i];
  return NULL;
}

static char *
now_text (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.000Z");
}

/* --- answers -------------------------------------------------------------- */

/* The error body (UNCONFIRMED: the notes know no shape; UM-MCP surfaces the
 * status and raw text): {"Message", "Messages": [{"PropertyName",
 * "Message", "EntityType"}]}, after the AppFramework validation messages;
 * with a property, Message is "Validation failed" and the entry says why. */
static void
fail_with (PbSandboxExchange *ex,
           guint              status,
           const char        *message,
           const char        *entity,
           const char        *property)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonArray *messages = json_array_new ();

  /* A refusal of a property says what is wrong in its entry only. */
  json_object_set_string_member (body, "Message", property != NULL ? "Validation failed" : message);
  if (property != NULL)
    {
      JsonObject *entry = json_object_new ();

      json_object_set_string_member (entry, "PropertyName", property);
      json_object_set_string_member (entry, "Message", message);
      json_object_set_string_member (entry, "EntityType", entity != NULL ? entity : "");
      json_array_add_object_element (messages, entry);
    }
  json_object_set_array_member (body, "Messages", messages);
  node = json_node_init_object (json_node_alloc (), body);
  pb_sandbox_exchange_set_json (ex, status, node);
}

static void
unimicro_respond_error (gpointer           backend,
                        PbSandboxExchange *ex,
                        guint              status,
                        int                code,
                        const char        *message)
{
  fail_with (ex, status, message, NULL, NULL);
}

/* --- expand ---------------------------------------------------------------- */

static gboolean
is_navigation (const char *name)
{
  return g_strv_contains (navigations, name);
}

/* Whether @path ("BusinessRelationInfo.DefaultEmail") is expanded. */
static gboolean
expanded (GStrv       expand,
          const char *path)
{
  gsize length = strlen (path);

  for (guint i = 0; expand != NULL && expand[i] != NULL; i++)
    if (g_ascii_strncasecmp (expand[i], path, length) == 0 && (expand[i][length] == '\0' || expand[i][length] == '.'))
      return TRUE;
  return FALSE;
}

static void
prune (JsonObject *object,
       const char *prefix,
       GStrv       expand)
{
  g_autoptr(GList) names = json_object_get_members (object);

  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *path = prefix != NULL ? g_strconcat (prefix, ".", name, NULL) : g_strdup (name);
      JsonNode *member = json_object_get_member (object, name);

      if (is_navigation (name) && !expanded (expand, path))
        json_object_set_null_member (object, name);
      else if (JSON_NODE_HOLDS_OBJECT (member))
        prune (json_node_get_object (member), path, expand);
      else if (JSON_NODE_HOLDS_ARRAY (member))
        for (guint i = 0; i < json_array_get_length (json_node_get_array (member)); i++)
          {
            JsonNode *element = json_array_get_element (json_node_get_array (member), i);

            if (JSON_NODE_HOLDS_OBJECT (element))
              prune (json_node_get_object (element), path, expand);
          }
    }
}

static JsonArray *children_of (Unimicro *um, const Entity *entity, guint company, const char *link, gint64 id);

/* The record as an answer: its navigations filled in, then pruned. */
static JsonObject *
render (Unimicro *um,
        Rec      *rec,
        GStrv     expand,
        gboolean  all)
{
  JsonObject *out = object_copy (rec->doc);

  if (g_str_equal (rec->entity->path, "employees"))
    json_object_set_array_member (out, "Employments",
                                  children_of (um, entity_named ("employments"), rec->company, "EmployeeID", rec->id));
  else if (g_str_equal (rec->entity->path, "employments"))
    json_object_set_array_member (out, "Leaves",
                                  children_of (um, entity_named ("EmployeeLeave"), rec->company, "EmploymentID", rec->id));
  if (!all)
    prune (out, NULL, expand);
  return out;
}

static JsonArray *
children_of (Unimicro     *um,
             const Entity *entity,
             guint         company,
             const char   *link,
             gint64        id)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < um->records->len; i++)
    {
      Rec *rec = g_ptr_array_index (um->records, i);
      double value;

      if (rec->entity == entity && rec->company == company
          && member_number (rec->doc, link, &value) && (gint64) value == id)
        json_array_add_object_element (array, render (um, rec, NULL, TRUE));
    }
  return array;
}

/* --- filter ------------------------------------------------------------------ */

typedef struct
{
  char   *path;
  char   *op;          /* eq ne gt ge lt le contains */
  char   *text;        /* a string value; NULL: a number or literal */
  double  number;
  int     literal;     /* 0: number, 1: true, 2: false, 3: null */
} Clause;

static void
clause_clear (Clause *clause)
{
  g_free (clause->path);
  g_free (clause->op);
  g_free (clause->text);
}

static char *
parse_quoted (const char *text,
              const char **end)
{
  GString *out = g_string_new (NULL);

  if (*text != '\'')
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  for (text++; *text != '\0'; text++)
    {
      if (*text == '\'')
        {
          if (text[1] == '\'')
            {
              g_string_append_c (out, '\'');
              text++;
              continue;
            }
          *end = text + 1;
          return g_string_free (out, FALSE);
        }
      g_string_append_c (out, *text);
    }
  g_string_free (out, TRUE);
  return NULL;
}

static gboolean
parse_value (const char *text,
             Clause     *clause)
{
  const char *end = NULL;
  char *number_end = NULL;

  if (*text == '\'')
    {
      clause->text = parse_quoted (text, &end);
      return clause->text != NULL && *end == '\0';
    }
  if (g_str_equal (text, "true") || g_str_equal (text, "false") || g_str_equal (text, "null"))
    {
      clause->literal = g_str_equal (text, "true") ? 1 : g_str_equal (text, "false") ? 2 : 3;
      return TRUE;
    }
  clause->number = g_ascii_strtod (text, &number_end);
  return number_end != text && *number_end == '\0';
}

static gboolean
is_path (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_')
      return FALSE;
  return TRUE;
}

/* Parses @filter into clauses; FALSE on anything the sandbox cannot read. */
static gboolean
parse_filter (const char *filter,
              GArray     *clauses)
{
  g_autoptr(GRegex) and = g_regex_new ("\\s+and\\s+", G_REGEX_CASELESS, 0, NULL);
  g_auto(GStrv) parts = g_regex_split (and, filter, 0);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *part = g_strstrip (g_strdup (parts[i]));
      Clause clause = { 0 };

      if (g_ascii_strncasecmp (part, "contains(", 9) == 0)
        {
          char *comma = strchr (part, ',');
          const char *end = NULL;

          if (comma == NULL || part[strlen (part) - 1] != ')')
            return FALSE;
          part[strlen (part) - 1] = '\0';
          *comma = '\0';
          clause.path = g_strstrip (g_strdup (part + 9));
          clause.op = g_strdup ("contains");
          clause.text = parse_quoted (g_strstrip (comma + 1), &end);
          if (clause.text == NULL || *end != '\0' || !is_path (clause.path))
            {
              clause_clear (&clause);
              return FALSE;
            }
        }
      else
        {
          g_auto(GStrv) words = g_strsplit (part, " ", 3);

          if (g_strv_length (words) != 3 || !is_path (words[0]))
            return FALSE;
          clause.path = g_strdup (words[0]);
          clause.op = g_ascii_strdown (words[1], -1);
          if (!g_strv_contains ((const char * const[]) { "eq", "ne", "gt", "ge", "lt", "le", NULL }, clause.op)
              || !parse_value (g_strstrip (words[2]), &clause))
            {
              clause_clear (&clause);
              return FALSE;
            }
        }
      g_array_append_val (clauses, clause);
    }
  return TRUE;
}

static gboolean
compare_ok (const char *op,
            int         cmp)
{
  return (g_str_equal (op, "eq") && cmp == 0) || (g_str_equal (op, "ne") && cmp != 0)
      || (g_str_equal (op, "gt") && cmp > 0) || (g_str_equal (op, "ge") && cmp >= 0)
      || (g_str_equal (op, "lt") && cmp < 0) || (g_str_equal (op, "le") && cmp <= 0);
}

static gboolean
matches (JsonObject *doc,
         GArray     *clauses)
{
  for (guint i = 0; i < clauses->len; i++)
    {
      Clause *clause = &g_array_index (clauses, Clause, i);
      JsonNode *node = member_at (doc, clause->path);
      gboolean is_null = node == NULL || JSON_NODE_HOLDS_NULL (node);
      double number;
      const char *text = member_string (doc, clause->path);

      if (g_str_equal (clause->op, "contains"))
        {
          g_autofree char *haystack = text != NULL ? g_utf8_casefold (text, -1) : NULL;
          g_autofree char *needle = g_utf8_casefold (clause->text, -1);

          if (haystack == NULL || strstr (haystack, needle) == NULL)
            return FALSE;
        }
      else if (clause->literal == 3)
        {
          if (!compare_ok (clause->op, is_null ? 0 : 1))
            return FALSE;
        }
      else if (clause->text != NULL)
        {
          /* SQL Server's default collation: case-insensitive. */
          g_autofree char *a = text != NULL ? g_utf8_casefold (text, -1) : NULL;
          g_autofree char *b = g_utf8_casefold (clause->text, -1);

          if (a == NULL || !compare_ok (clause->op, g_utf8_collate (a, b)))
            return FALSE;
        }
      else if (clause->literal == 1 || clause->literal == 2)
        {
          if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN
              || !compare_ok (clause->op, json_node_get_boolean (node) == (clause->literal == 1) ? 0 : 1))
            return FALSE;
        }
      else if (!member_number (doc, clause->path, &number)
               || !compare_ok (clause->op, number < clause->number ? -1 : number > clause->number ? 1 : 0))
        return FALSE;
    }
  return TRUE;
}

/* --- validation ------------------------------------------------------------ */

static gboolean
is_date (const char *text)
{
  g_autofree char *date = NULL;
  g_autoptr(GDateTime) parsed = NULL;

  if (text == NULL || strlen (text) < 10 || (text[10] != '\0' && text[10] != 'T'))
    return FALSE;
  date = g_strdup_printf ("%.10sT00:00:00Z", text);
  parsed = g_date_time_new_from_iso8601 (date, NULL);
  return parsed != NULL;
}

/* A date member: NULL if fine (absent or null when @required is FALSE). */
static const char *
check_date (JsonObject *doc,
            const char *name,
            gboolean    required)
{
  if (!member_is_set (doc, name))
    return required ? "is required" : NULL;
  return is_date (member_string (doc, name)) ? NULL : "is not a date (YYYY-MM-DD)";
}

static const char *
check_int (JsonObject *doc,
           const char *name,
           double      min,
           double      max)
{
  double value;

  if (!member_is_set (doc, name))
    return NULL;
  if (!member_number (doc, name, &value) || value < min || value > max)
    return "is out of range";
  return NULL;
}

static gint64
int_member (JsonObject *doc,
            const char *name)
{
  double value = 0;

  return member_number (doc, name, &value) ? (gint64) value : 0;
}

static char *
date_of (JsonObject *doc,
         const char *name)
{
  const char *text = member_string (doc, name);

  return text != NULL ? g_strndup (text, 10) : NULL;
}

static gboolean
is_blank (const char *text)
{
  while (text != NULL && g_ascii_isspace (*text))
    text++;
  return text == NULL || *text == '\0';
}

/* Checks @doc (the record after the change) for @entity; on a problem sets
 * *property and returns the message. */
static const char *
check_record (Unimicro     *um,
              const Entity *entity,
              guint         company,
              JsonObject   *doc,
              gint64        self_id,
              const char  **property)
{
  const char *problem;

#define CHECK(prop, expr) G_STMT_START { if ((problem = (expr)) != NULL) { *property = (prop); return problem; } } G_STMT_END

  if (g_str_equal (entity->path, "employees"))
    {
      const char *name = member_string (doc, "BusinessRelationInfo.Name");
      gint64 number = int_member (doc, "EmployeeNumber");

      CHECK ("BusinessRelationInfo.Name", is_blank (name) ? "is required" : NULL);
      CHECK ("BirthDate", check_date (doc, "BirthDate", FALSE));
      CHECK ("EmploymentDate", check_date (doc, "EmploymentDate", FALSE));
      CHECK ("Sex", check_int (doc, "Sex", 0, 2));
      CHECK ("EmployeeNumber", check_int (doc, "EmployeeNumber", 1, G_MAXINT32));
      for (guint i = 0; i < um->records->len; i++)
        {
          Rec *other = g_ptr_array_index (um->records, i);

          if (other->entity == entity && other->company == company && other->id != self_id
              && int_member (other->doc, "EmployeeNumber") == number)
            CHECK ("EmployeeNumber", "is used by another employee");
        }
    }
  else if (g_str_equal (entity->path, "employments"))
    {
      g_autofree char *start = date_of (doc, "StartDate");
      g_autofree char *end = date_of (doc, "EndDate");

      CHECK ("EmployeeID", find_rec (um, entity_named ("employees"), company, int_member (doc, "EmployeeID")) == NULL
                           ? "names no employee" : NULL);
      CHECK ("StartDate", check_date (doc, "StartDate", TRUE));
      CHECK ("EndDate", check_date (doc, "EndDate", FALSE));
      CHECK ("EndDate", end != NULL && strcmp (end, start) < 0 ? "is before the start date" : NULL);
      CHECK ("EndDateReason", check_int (doc, "EndDateReason", 0, 6));
      /* a-melding: a reason belongs to an employment that ends. */
      CHECK ("EndDateReason", end == NULL && int_member (doc, "EndDateReason") != 0
                              ? "is only allowed with an end date" : NULL);
      CHECK ("WorkPercent", check_int (doc, "WorkPercent", 0, 100));
      CHECK ("EmploymentType", check_int (doc, "EmploymentType", 0, 2));
      CHECK ("TypeOfEmployment", check_int (doc, "TypeOfEmployment", 0, 4));
      CHECK ("RemunerationType", check_int (doc, "RemunerationType", 0, 5));
    }
  else if (g_str_equal (entity->path, "EmployeeLeave"))
    {
      CHECK ("EmploymentID", find_rec (um, entity_named ("employments"), company, int_member (doc, "EmploymentID")) == NULL
                             ? "names no employment" : NULL);
      CHECK ("FromDate", check_date (doc, "FromDate", TRUE));
      CHECK ("ToDate", check_date (doc, "ToDate", FALSE));
      CHECK ("LeavePercent", check_int (doc, "LeavePercent", 0, 100));
      CHECK ("LeaveType", check_int (doc, "LeaveType", 0, 6));
    }
  else if (g_str_equal (entity->path, "salarytrans"))
    {
      Rec *employment = find_rec (um, entity_named ("employments"), company, int_member (doc, "EmploymentID"));
      double number;

      CHECK ("EmployeeID", find_rec (um, entity_named ("employees"), company, int_member (doc, "EmployeeID")) == NULL
                           ? "names no employee" : NULL);
      CHECK ("EmploymentID", member_is_set (doc, "EmploymentID")
                             && (employment == NULL
                                 || int_member (employment->doc, "EmployeeID") != int_member (doc, "EmployeeID"))
                             ? "names no employment of this employee" : NULL);
      CHECK ("WageTypeNumber", !member_number (doc, "WageTypeNumber", &number) ? "is required" : NULL);
      CHECK ("Rate", member_is_set (doc, "Rate") && !member_number (doc, "Rate", &number) ? "is not a number" : NULL);
      CHECK ("Amount", member_is_set (doc, "Amount") && !member_number (doc, "Amount", &number)
                       ? "is not a number" : NULL);
      CHECK ("recurringPostValidFrom", check_date (doc, "recurringPostValidFrom", FALSE));
      CHECK ("recurringPostValidTo", check_date (doc, "recurringPostValidTo", FALSE));
    }
#undef CHECK
  return NULL;
}

/* Unknown members (the sandbox is strict: UNCONFIRMED whether Unimicro
 * ignores them). Navigations inside are free-form. */
static const char *
find_unknown (const Entity *entity,
              JsonObject   *body)
{
  g_autoptr(GList) names = json_object_get_members (body);

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (entity->fields, l->data) && !g_strv_contains (common_fields, l->data))
      return l->data;
  return NULL;
}

/* Members of @patch into @doc, objects merged member by member. */
static void
merge (JsonObject *doc,
       JsonObject *patch)
{
  g_autoptr(GList) names = json_object_get_members (patch);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (patch, l->data);
      JsonNode *old = json_object_get_member (doc, l->data);

      if (JSON_NODE_HOLDS_OBJECT (value) && old != NULL && JSON_NODE_HOLDS_OBJECT (old))
        merge (json_node_get_object (old), json_node_get_object (value));
      else
        json_object_set_member (doc, l->data, json_node_copy (value));
    }
}

static void
stamp (JsonObject *doc,
       gboolean    created)
{
  g_autofree char *now = now_text ();

  if (created)
    {
      json_object_set_string_member (doc, "CreatedAt", now);
      json_object_set_string_member (doc, "CreatedBy", "sandbox-user");
      json_object_set_int_member (doc, "StatusCode", 30001);   /* Active */
      json_object_set_boolean_member (doc, "Deleted", FALSE);
    }
  json_object_set_string_member (doc, "UpdatedAt", now);
  json_object_set_string_member (doc, "UpdatedBy", "sandbox-user");
}

/* Fills in what the server derives: ids, numbers, sums. */
static void
derive (Unimicro     *um,
        const Entity *entity,
        guint         company,
        JsonObject   *doc)
{
  if (g_str_equal (entity->path, "employees"))
    {
      JsonNode *info = json_object_get_member (doc, "BusinessRelationInfo");

      if (!member_is_set (doc, "EmployeeNumber"))
        {
          gint64 max = 0;

          for (guint i = 0; i < um->records->len; i++)
            {
              Rec *other = g_ptr_array_index (um->records, i);

              if (other->entity == entity && other->company == company)
                max = MAX (max, int_member (other->doc, "EmployeeNumber"));
            }
          json_object_set_int_member (doc, "EmployeeNumber", max + 1);
        }
      if (info != NULL && JSON_NODE_HOLDS_OBJECT (info) && !member_is_set (json_node_get_object (info), "ID"))
        json_object_set_int_member (json_node_get_object (info), "ID", um->next_id++);
      if (info != NULL && JSON_NODE_HOLDS_OBJECT (info))
        json_object_set_int_member (doc, "BusinessRelationID",
                                    int_member (json_node_get_object (info), "ID"));
    }
  else if (g_str_equal (entity->path, "employments") || g_str_equal (entity->path, "salarytrans"))
    {
      Rec *employee = find_rec (um, entity_named ("employees"), company, int_member (doc, "EmployeeID"));

      if (employee != NULL)
        json_object_set_int_member (doc, "EmployeeNumber", int_member (employee->doc, "EmployeeNumber"));
      if (g_str_equal (entity->path, "salarytrans"))
        {
          double rate = 0, amount = 0;

          member_number (doc, "Rate", &rate);
          member_number (doc, "Amount", &amount);
          json_object_set_double_member (doc, "Sum", rate * amount);
        }
    }
}

static Rec *
add_rec (Unimicro     *um,
         const Entity *entity,
         guint         company,
         JsonObject   *doc)
{
  Rec *rec = g_new0 (Rec, 1);

  rec->entity = entity;
  rec->company = company;
  rec->id = um->next_id++;
  rec->doc = json_object_ref (doc);
  json_object_set_int_member (doc, "ID", rec->id);
  derive (um, entity, company, doc);
  stamp (doc, TRUE);
  g_ptr_array_add (um->records, rec);
  return rec;
}

/* --- requests ------------------------------------------------------------------- */

static JsonObject *
read_body (PbSandboxExchange *ex,
           const Entity      *entity)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = pb_sandbox_exchange_parse_body (ex, &error);
  const char *unknown;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail_with (ex, 400, error != NULL ? error->message : "The body is not a JSON object", entity->path, NULL);
      return NULL;
    }
  unknown = find_unknown (entity, json_node_get_object (node));
  if (unknown != NULL)
    {
      g_autofree char *message = g_strdup_printf ("Unknown property “%s”", unknown);

      fail_with (ex, 400, message, entity->path, unknown);
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

static void
respond_record (PbSandboxExchange *ex,
                Unimicro          *um,
                guint              status,
                Rec               *rec,
                GStrv              expand)
{
  g_autoptr(JsonObject) out = render (um, rec, expand, FALSE);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), out);

  pb_sandbox_exchange_set_json (ex, status, node);
}

static int
compare_by (gconstpointer a,
            gconstpointer b,
            gpointer      user_data)
{
  JsonObject *x = *(JsonObject **) a;
  JsonObject *y = *(JsonObject **) b;
  const char *field = user_data;
  const char *sx = member_string (x, field);
  const char *sy = member_string (y, field);
  double nx = 0, ny = 0;

  if (sx != NULL || sy != NULL)
    return g_strcmp0 (sx, sy);
  member_number (x, field, &nx);
  member_number (y, field, &ny);
  return nx < ny ? -1 : nx > ny ? 1 : 0;
}

static void
respond_list (PbSandboxExchange *ex,
              Unimicro          *um,
              const Entity      *entity,
              guint              company,
              GStrv              expand)
{
  const char *filter = pb_sandbox_exchange_get_query (ex, "filter");
  const char *top = pb_sandbox_exchange_get_query (ex, "top");
  const char *orderby = pb_sandbox_exchange_get_query (ex, "orderby");
  g_autoptr(GArray) clauses = g_array_new (FALSE, TRUE, sizeof (Clause));
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(JsonArray) out = json_array_new ();
  g_autoptr(JsonNode) node = NULL;
  gint64 limit = -1;

  g_array_set_clear_func (clauses, (GDestroyNotify) clause_clear);
  if (filter != NULL && !parse_filter (filter, clauses))
    {
      fail_with (ex, 400, "The filter could not be parsed", entity->path, "filter");
      return;
    }
  if (top != NULL)
    {
      char *end = NULL;

      limit = g_ascii_strtoll (top, &end, 10);
      if (end == top || *end != '\0' || limit < 0)
        {
          fail_with (ex, 400, "top is not a number", entity->path, "top");
          return;
        }
    }

  for (guint i = 0; i < um->records->len; i++)
    {
      Rec *rec = g_ptr_array_index (um->records, i);

      if (rec->entity == entity && rec->company == company)
        {
          /* Filters see the whole record, navigations included. */
          g_autoptr(JsonObject) full = render (um, rec, NULL, TRUE);

          if (matches (full, clauses))
            g_ptr_array_add (rows, render (um, rec, expand, FALSE));
        }
    }

  if (orderby != NULL)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (orderby));
      g_auto(GStrv) words = g_strsplit (stripped, " ", 2);
      g_autofree char *field = g_strdup (words[0]);
      gboolean desc = words[1] != NULL && g_ascii_strcasecmp (g_strstrip (words[1]), "desc") == 0;

      if (!is_path (field) || (words[1] != NULL && !desc && g_ascii_strcasecmp (g_strstrip (words[1]), "asc") != 0))
        {
          fail_with (ex, 400, "orderby could not be parsed", entity->path, "orderby");
          return;
        }
      g_ptr_array_sort_with_data (rows, compare_by, field);
      if (desc)
        for (guint i = 0; i < rows->len / 2; i++)
          {
            gpointer tmp = rows->pdata[i];

            rows->pdata[i] = rows->pdata[rows->len - 1 - i];
            rows->pdata[rows->len - 1 - i] = tmp;
          }
    }

  for (guint i = 0; i < rows->len && (limit < 0 || i < limit); i++)
    json_array_add_object_element (out, json_object_ref (g_ptr_array_index (rows, i)));
  node = json_node_init_array (json_node_alloc (), out);
  pb_sandbox_exchange_set_json (ex, 200, node);
}

static void
handle_entity (Unimicro          *um,
               PbSandboxExchange *ex,
               guint              company,
               const Entity      *entity,
               const char        *id_text)
{
  const char *expand_text = pb_sandbox_exchange_get_query (ex, "expand");
  g_auto(GStrv) expand = expand_text != NULL ? g_strsplit (expand_text, ",", -1) : NULL;
  Rec *rec = NULL;

  for (guint i = 0; expand != NULL && expand[i] != NULL; i++)
    g_strstrip (expand[i]);

  if (id_text != NULL)
    {
      char *end = NULL;
      gint64 id = g_ascii_strtoll (id_text, &end, 10);

      rec = end != id_text && *end == '\0' ? find_rec (um, entity, company, id) : NULL;
      if (rec == NULL)
        {
          fail_with (ex, 404, "Not found", entity->path, NULL);
          return;
        }
    }

  if (g_str_equal (ex->method, "GET"))
    {
      if (rec != NULL)
        respond_record (ex, um, 200, rec, expand);
      else
        respond_list (ex, um, entity, company, expand);
    }
  else if (g_str_equal (ex->method, "POST") && rec == NULL)
    {
      g_autoptr(JsonObject) body = read_body (ex, entity);
      const char *property = NULL;
      const char *problem;

      if (body == NULL)
        return;
      json_object_remove_member (body, "ID");
      problem = check_record (um, entity, company, body, -1, &property);
      if (problem != NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s %s", property, problem);

          fail_with (ex, 400, message, entity->path, property);
          return;
        }
      rec = add_rec (um, entity, company, body);
      respond_record (ex, um, 201, rec, expand);
    }
  else if (g_str_equal (ex->method, "PUT") && rec != NULL)
    {
      g_autoptr(JsonObject) body = read_body (ex, entity);
      g_autoptr(JsonObject) doc = NULL;
      const char *property = NULL;
      const char *problem;

      if (body == NULL)
        return;
      if (member_is_set (body, "ID") && int_member (body, "ID") != rec->id)
        {
          fail_with (ex, 400, "ID does not match the address", entity->path, "ID");
          return;
        }
      doc = object_copy (rec->doc);
      merge (doc, body);
      json_object_set_int_member (doc, "ID", rec->id);
      problem = check_record (um, entity, company, doc, rec->id, &property);
      if (problem != NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s %s", property, problem);

          fail_with (ex, 400, message, entity->path, property);
          return;
        }
      derive (um, entity, company, doc);
      stamp (doc, FALSE);
      json_object_unref (rec->doc);
      rec->doc = g_steal_pointer (&doc);
      respond_record (ex, um, 200, rec, expand);
    }
  else if (g_str_equal (ex->method, "DELETE") && rec != NULL)
    {
      /* An employee or employment with records under it stays. */
      for (guint i = 0; i < um->records->len; i++)
        {
          Rec *other = g_ptr_array_index (um->records, i);
          const char *link = g_str_equal (entity->path, "employees") ? "EmployeeID"
                           : g_str_equal (entity->path, "employments") ? "EmploymentID" : NULL;

          if (link != NULL && other->company == company && int_member (other->doc, link) == rec->id
              && member_is_set (other->doc, link))
            {
              fail_with (ex, 400, "The record has records that depend on it", entity->path, NULL);
              return;
            }
        }
      g_ptr_array_remove (um->records, rec);
      pb_sandbox_exchange_set_empty (ex, 204);
    }
  else
    {
      pb_sandbox_exchange_set_header (ex, "Allow", rec != NULL ? "GET, PUT, DELETE" : "GET, POST");
      fail_with (ex, 405, "Method not allowed", entity->path, NULL);
    }
}

static void
respond_companies (Unimicro          *um,
                   PbSandboxExchange *ex)
{
  g_autoptr(JsonArray) out = json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; i < um->n_reachable; i++)
    {
      JsonObject *row = json_object_new ();

      json_object_set_int_member (row, "ID", i + 1);
      json_object_set_string_member (row, um->long_names ? "CompanyKey" : "Key", companies[i].key);
      json_object_set_string_member (row, um->long_names ? "CompanyName" : "Name", companies[i].name);
      json_object_set_string_member (row, "OrganizationNumber", companies[i].org_number);
      json_array_add_object_element (out, row);
    }
  node = json_node_init_array (json_node_alloc (), out);
  pb_sandbox_exchange_set_json (ex, 200, node);
}

static gboolean
query_ok (PbSandboxExchange *ex)
{
  static const char * const known[] = { "filter", "expand", "top", "orderby", "action", NULL };
  GHashTableIter iter;
  gpointer name;

  if (ex->query == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, ex->query);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_strv_contains (known, name))
      {
        g_autofree char *message = g_strdup_printf ("Unknown query option “%s”", (const char *) name);

        fail_with (ex, 400, message, NULL, name);
        return FALSE;
      }
  return TRUE;
}

static void
unimicro_handle (gpointer           backend,
                 PbSandboxExchange *ex)
{
  Unimicro *um = backend;
  const char *problem = NULL;
  const char *key;
  g_autofree char *trimmed = NULL;
  g_auto(GStrv) parts = NULL;
  const Entity *entity;
  guint company = G_N_ELEMENTS (companies);
  guint n;

  if (!pb_sandbox_oauth2_check_bearer (pb_sandbox_get_oauth2 (um->sandbox),
                                       pb_sandbox_exchange_get_header (ex, "Authorization"), &problem))
    {
      pb_sandbox_exchange_set_header (ex, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
      fail_with (ex, 401, problem, NULL, NULL);
      return;
    }
  if (!query_ok (ex))
    return;

  trimmed = g_strdup (ex->api_path[0] == '/' ? ex->api_path + 1 : ex->api_path);
  while (*trimmed != '\0' && trimmed[strlen (trimmed) - 1] == '/')
    trimmed[strlen (trimmed) - 1] = '\0';
  parts = g_strsplit (trimmed, "/", -1);
  n = g_strv_length (parts);

  if (n == 2 && g_ascii_strcasecmp (parts[0], "init") == 0 && g_ascii_strcasecmp (parts[1], "companies") == 0)
    {
      if (!g_str_equal (ex->method, "GET"))
        fail_with (ex, 405, "Method not allowed", NULL, NULL);
      else
        respond_companies (um, ex);
      return;
    }
  if (n < 2 || n > 3 || g_ascii_strcasecmp (parts[0], API_BIZ) != 0 || (entity = entity_named (parts[1])) == NULL)
    {
      fail_with (ex, 404, "Not found", NULL, NULL);
      return;
    }

  key = pb_sandbox_exchange_get_header (ex, COMPANY_HEADER);
  if (key == NULL || *key == '\0')
    {
      fail_with (ex, 400, "The CompanyKey header is required", NULL, COMPANY_HEADER);
      return;
    }
  for (guint i = 0; i < um->n_reachable; i++)
    if (g_ascii_strcasecmp (companies[i].key, key) == 0)
      company = i;
  if (company == G_N_ELEMENTS (companies))
    {
      fail_with (ex, 403, "The user has no access to this company", NULL, COMPANY_HEADER);
      return;
    }

  handle_entity (um, ex, company, entity, n == 3 ? parts[2] : NULL);
}

static void
unimicro_identify (gpointer           backend,
                   PbSandboxExchange *ex)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "Authorization");

  if (header != NULL && g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
    ex->rate_key = g_strdup (header + 7);
}

/* --- seeds, state ----------------------------------------------------------- */

static gpointer
unimicro_backend_new (PbSandbox *sandbox)
{
  Unimicro *um = g_new0 (Unimicro, 1);

  um->sandbox = sandbox;
  um->records = g_ptr_array_new_with_free_func ((GDestroyNotify) rec_free);
  um->next_id = 1;
  um->n_reachable = G_N_ELEMENTS (companies);
  return um;
}

static void
unimicro_backend_free (gpointer backend)
{
  Unimicro *um = backend;

  g_ptr_array_unref (um->records);
  g_free (um);
}

static gboolean
seed_one (Unimicro      *um,
          const Entity  *entity,
          JsonObject    *body,
          const char    *where,
          Rec          **added,
          GError       **error)
{
  const char *unknown = find_unknown (entity, body);
  const char *property = NULL;
  const char *problem = unknown == NULL ? check_record (um, entity, 0, body, -1, &property) : NULL;

  if (unknown != NULL || problem != NULL)
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "%s.%s: %s", where,
                   unknown != NULL ? unknown : property, unknown != NULL ? "unknown member" : problem);
      return FALSE;
    }
  *added = add_rec (um, entity, 0, body);
  return TRUE;
}

/* A seed: {"employees": [Employee, each with "Employments": [Employment,
 * each with "Leaves": [EmployeeLeave] and "RecurringPosts":
 * [SalaryTransaction]]]}, into the first company. Ids are assigned and
 * links filled in. */
static gboolean
load_employees (Unimicro   *um,
                JsonArray  *employees,
                GError    **error)
{
  for (guint i = 0; employees != NULL && i < json_array_get_length (employees); i++)
    {
      g_autoptr(JsonObject) body = NULL;
      g_autofree char *where = g_strdup_printf ("employees[%u]", i);
      g_autoptr(JsonArray) employments = NULL;
      JsonObject *element = json_array_get_object_element (employees, i);
      Rec *employee;

      if (element == NULL)
        {
          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "%s: not an object", where);
          return FALSE;
        }
      body = object_copy (element);
      if (json_object_has_member (body, "Employments") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (body, "Employments")))
        employments = json_array_ref (json_object_get_array_member (body, "Employments"));
      json_object_remove_member (body, "Employments");
      if (!seed_one (um, entity_named ("employees"), body, where, &employee, error))
        return FALSE;

      for (guint j = 0; employments != NULL && j < json_array_get_length (employments); j++)
        {
          g_autoptr(JsonObject) job = object_copy (json_array_get_object_element (employments, j));
          g_autofree char *at = g_strdup_printf ("%s.Employments[%u]", where, j);
          g_autoptr(JsonArray) leaves = NULL;
          g_autoptr(JsonArray) posts = NULL;
          Rec *employment;

          if (json_object_has_member (job, "Leaves"))
            leaves = json_array_ref (json_object_get_array_member (job, "Leaves"));
          if (json_object_has_member (job, "RecurringPosts"))
            posts = json_array_ref (json_object_get_array_member (job, "RecurringPosts"));
          json_object_remove_member (job, "Leaves");
          json_object_remove_member (job, "RecurringPosts");
          json_object_set_int_member (job, "EmployeeID", employee->id);
          if (!seed_one (um, entity_named ("employments"), job, at, &employment, error))
            return FALSE;
          for (guint k = 0; leaves != NULL && k < json_array_get_length (leaves); k++)
            {
              g_autoptr(JsonObject) leave = object_copy (json_array_get_object_element (leaves, k));
              g_autofree char *leave_at = g_strdup_printf ("%s.Leaves[%u]", at, k);
              Rec *added;

              json_object_set_int_member (leave, "EmploymentID", employment->id);
              if (!seed_one (um, entity_named ("EmployeeLeave"), leave, leave_at, &added, error))
                return FALSE;
            }
          for (guint k = 0; posts != NULL && k < json_array_get_length (posts); k++)
            {
              g_autoptr(JsonObject) post = object_copy (json_array_get_object_element (posts, k));
              g_autofree char *post_at = g_strdup_printf ("%s.RecurringPosts[%u]", at, k);
              Rec *added;

              json_object_set_int_member (post, "EmployeeID", employee->id);
              json_object_set_int_member (post, "EmploymentID", employment->id);
              json_object_set_boolean_member (post, "IsRecurringPost", TRUE);
              if (!seed_one (um, entity_named ("salarytrans"), post, post_at, &added, error))
                return FALSE;
            }
        }
    }
  return TRUE;
}

static gboolean
unimicro_load_seed (gpointer   backend,
                    JsonNode  *seed,
                    GError   **error)
{
  Unimicro *um = backend;
  g_autoptr(GPtrArray) old = g_steal_pointer (&um->records);
  gint64 old_next = um->next_id;
  JsonArray *employees = NULL;
  guint n_reachable = G_N_ELEMENTS (companies);
  gboolean long_names = FALSE;

  if (seed != NULL)
    {
      g_autoptr(GList) members = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (seed))
        {
          g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "A seed is a JSON object");
          um->records = g_steal_pointer (&old);
          return FALSE;
        }
      members = json_object_get_members (json_node_get_object (seed));
      for (GList *l = members; l != NULL; l = l->next)
        if (!g_str_equal (l->data, "employees") && !g_str_equal (l->data, "companies") &&
            !g_str_equal (l->data, "company_members"))
          {
            g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                         "Unknown section “%s” (Unimicro seeds have “employees”, “companies” and "
                         "“company_members”)",
                         (const char *) l->data);
            um->records = g_steal_pointer (&old);
            return FALSE;
          }
      /* "companies": how many of the sandbox's companies the user may
       * reach (0, 1 or 2; set-up's company page, issue 15). */
      if (json_object_has_member (json_node_get_object (seed), "companies"))
        {
          JsonNode *n = json_object_get_member (json_node_get_object (seed), "companies");

          if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
              json_node_get_int (n) < 0 || json_node_get_int (n) > (gint64) G_N_ELEMENTS (companies))
            {
              g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                           "“companies” is how many companies the user may reach: 0 to %u",
                           (guint) G_N_ELEMENTS (companies));
              um->records = g_steal_pointer (&old);
              return FALSE;
            }
          n_reachable = json_node_get_int (n);
        }
      /* "company_members": "CompanyKey" spells /init/companies' rows
       * CompanyKey and CompanyName, the other spelling C.2 knows of. */
      if (json_object_has_member (json_node_get_object (seed), "company_members"))
        {
          JsonNode *n = json_object_get_member (json_node_get_object (seed), "company_members");
          const char *spelling = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
            ? json_node_get_string (n) : NULL;

          if (g_strcmp0 (spelling, "Key") != 0 && g_strcmp0 (spelling, "CompanyKey") != 0)
            {
              g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                                   "“company_members” is “Key” (Key, Name) or “CompanyKey” (CompanyKey, CompanyName)");
              um->records = g_steal_pointer (&old);
              return FALSE;
            }
          long_names = g_str_equal (spelling, "CompanyKey");
        }
      if (json_object_has_member (json_node_get_object (seed), "employees"))
        employees = json_object_get_array_member (json_node_get_object (seed), "employees");
    }

  um->records = g_ptr_array_new_with_free_func ((GDestroyNotify) rec_free);
  um->next_id = 1;
  if (!load_employees (um, employees, error))
    {
      g_ptr_array_unref (um->records);
      um->records = g_steal_pointer (&old);
      um->next_id = old_next;
      return FALSE;
    }
  um->n_reachable = n_reachable;
  um->long_names = long_names;
  return TRUE;
}

static JsonNode *
unimicro_dup_state (gpointer backend)
{
  Unimicro *um = backend;
  g_autoptr(JsonObject) state = json_object_new ();
  JsonArray *list = json_array_new ();

  for (guint c = 0; c < G_N_ELEMENTS (companies); c++)
    {
      JsonObject *company = json_object_new ();

      json_object_set_string_member (company, "Key", companies[c].key);
      json_object_set_string_member (company, "Name", companies[c].name);
      json_object_set_string_member (company, "OrganizationNumber", companies[c].org_number);
      for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
        {
          JsonArray *records = json_array_new ();

          for (guint i = 0; i < um->records->len; i++)
            {
              Rec *rec = g_ptr_array_index (um->records, i);

              if (rec->entity == &entities[e] && rec->company == c)
                json_array_add_object_element (records, object_copy (rec->doc));
            }
          json_object_set_array_member (company, entities[e].path, records);
        }
      json_array_add_object_element (list, company);
    }
  json_object_set_array_member (state, "companies", list);
  return json_node_init_object (json_node_alloc (), g_steal_pointer (&state));
}

static guint
unimicro_get_session_count (gpointer backend)
{
  return 0;
}

static void
unimicro_expire_sessions (gpointer backend)
{
  Unimicro *um = backend;

  pb_sandbox_oauth2_expire_access_tokens (um->sandbox);
}

static gboolean
unimicro_set_locked (gpointer     backend,
                     const char  *kind,
                     gint64       id,
                     gboolean     locked,
                     GError     **error)
{
  g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND,
               "The Unimicro sandbox has nothing that locks (%s)", kind);
  return FALSE;
}

const PbSandboxSystem pb_sandbox_unimicro_system = {
  .name = "unimicro",
  .api_prefix = "/api",
  .request_id_header = NULL,
  .rate_limit_header = NULL,      /* UNCONFIRMED: Unimicro documents no rate limits */
  .reset_on_429 = FALSE,
  .backend_new = unimicro_backend_new,
  .backend_free = unimicro_backend_free,
  .load_seed = unimicro_load_seed,
  .identify = unimicro_identify,
  .handle = unimicro_handle,
  .respond_error = unimicro_respond_error,
  .dup_state = unimicro_dup_state,
  .get_session_count = unimicro_get_session_count,
  .expire_sessions = unimicro_expire_sessions,
  .set_locked = unimicro_set_locked,
};
