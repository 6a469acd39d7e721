/* pb-sandbox-tripletex.c: the Tripletex API v2 on loopback
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pb-sandbox-tripletex.h"

/* What the emulation follows (sources: the documents in tests/contract/specs/,
 * Tripletex's changelog and examples in github.com/Tripletex/tripletex-api2
 * and developer.tripletex.no):
 *
 * - Session: PUT /token/session/:create with consumerToken, employeeToken
 *   and expirationDate (later than today) in the query, no auth; every
 *   other call carries Basic base64("0:<token>") and fails with 401/3000
 *   once the token's expirationDate has come.
 * - Envelopes {"value": X} and {"fullResultSize", "from", "count",
 *   "versionDigest", "values"}; paging with from (0) and count (1000).
 * - `fields`: a comma list of property names, `*`, and `name(sub,...)` to
 *   expand a reference. Without it every property of the object comes back
 *   (`changes` only when asked for), references as {"id", "url"}. With it
 *   only the properties named (there is no implicit id: "project(name)
 *   returns project: {name}" says the spec).
 * - `url` is "127.0.0.1:PORT/v2/<path>/<id>": without a scheme, like the
 *   real API's "tenant.tripletex.dev/v2/employee/123".
 * - POST 201, PUT 200, DELETE 204. Unknown body property: 422/16000;
 *   Swagger 2's `required` and the rules below: 422/18000 with
 *   validationMessages; PUT with a stale version: 409/8000; a second
 *   timesheet entry for the same employee/date/activity/project:
 *   409/14000; a locked timesheet entry: 409/10000.
 * - Records created through the API start at version 1 (what POST
 *   /employee returned on the real one), seeded ones at 0; +1 per change.
 *
 * Records are JsonObjects holding what was set, references as plain ids.
 * Derived properties (displayName, employments, monthlySalary...) are
 * computed when an object is written out. Members starting with '_' are
 * the sandbox's own and never leave it. */

#define CONSUMER_TOKEN   "sandbox-consumer"
#define EMPLOYEE_TOKEN   "sandbox-employee"
#define DOCS_LINK        "https://tripletex.no/v2-docs/"
#define MSG_REQUIRED     "Feltet må fylles ut."
#define MSG_VALIDATION   "Validering feilet."

/* --- state ---------------------------------------------------------------- */

typedef struct
{
  GHashTable *by_id;    /* gint64* -> JsonObject* (owned) */
  GPtrArray  *order;    /* JsonObject* (unowned), by id */
  gint64      next_id;
} Table;

typedef struct
{
  Table       tables[TX_N_TYPES];
  GHashTable *employee_keys;   /* "email:<casefolded>", "number:<n>" -> gint64* id */
  GHashTable *by_parent[TX_N_TYPES];  /* (nullable) parent id -> GPtrArray of records; a cache */
  gint64      company_id;
  gint64      api_user_id;
} Store;

typedef struct
{
  gint64  id;
  char   *token;
  char   *expiration;   /* YYYY-MM-DD: invalid from that day on */
} Session;

typedef struct
{
  PbSandbox  *sandbox;      /* (unowned) it owns us */
  Store      *store;        /* (owned) */
  GHashTable *sessions;     /* token -> Session* */
  gint64      next_session_id;
  guint       sessions_created;
} Tx;

/* The kept types, the first id each gets, and their names in the state. */
static const struct
{
  TxTypeId    type;
  gint64      first_id;
  const char *state_name;
  const char *kind;
} kept[] = {
  { TX_T_CURRENCY, 1, "currencies", "currency" },
  { TX_T_COUNTRY, 1, "countries", "country" },
  { TX_T_COMPANY, 1, "company", "company" },
  { TX_T_ADDRESS, 7001, "addresses", "address" },
  { TX_T_DEPARTMENT, 101, "departments", "department" },
  { TX_T_ACTIVITY, 5001, "activities", "activity" },
  { TX_T_COMPANY_STANDARD_TIME, 801, "standardTimes", "companyStandardTime" },
  { TX_T_EMPLOYEE, 20001, "employees", "employee" },
  { TX_T_EMPLOYMENT, 30001, "employments", "employment" },
  { TX_T_EMPLOYMENT_DETAILS, 40001, "employmentDetails", "employmentDetails" },
  { TX_T_TIMESHEET_ENTRY, 60001, "timesheetEntries", "timesheetEntry" },
};

static const TxType *
type_info (TxTypeId id)
{
  return pb_sandbox_tripletex_type (id);
}

static gboolean
is_kept (TxTypeId type)
{
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      if (kept[i].type == type)
        return TRUE;
    }
  return FALSE;
}

static Store *
store_new (void)
{
  Store *store = g_new0 (Store, 1);

  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      Table *table = &store->tables[kept[i].type];

      table->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                            (GDestroyNotify) json_object_unref);
      table->order = g_ptr_array_new ();
      table->next_id = kept[i].first_id;
    }
  store->employee_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return store;
}

static void
store_free (Store *store)
{
  for (guint i = 0; i < TX_N_TYPES; i++)
    {
      g_clear_pointer (&store->tables[i].order, g_ptr_array_unref);
      g_clear_pointer (&store->tables[i].by_id, g_hash_table_unref);
    }
  g_clear_pointer (&store->employee_keys, g_hash_table_unref);
  for (guint i = 0; i < TX_N_TYPES; i++)
    g_clear_pointer (&store->by_parent[i], g_hash_table_unref);
  g_free (store);
}

static void
session_free (Session *session)
{
  g_free (session->token);
  g_free (session->expiration);
  g_free (session);
}

static gint64
record_id (JsonObject *record)
{
  return json_object_get_int_member_with_default (record, "id", 0);
}

static JsonObject *
table_get (Tx       *tx,
           TxTypeId  type,
           gint64    id)
{
  Table *table = &tx->store->tables[type];

  if (table->by_id == NULL)
    return NULL;
  return g_hash_table_lookup (table->by_id, &id);
}

static GPtrArray *
table_records (Tx       *tx,
               TxTypeId  type)
{
  return tx->store->tables[type].order;
}

/* Emails and employee numbers are unique among employees; this index
 * keeps checking that from going quadratic on big seeds. */
static char *
employee_key (JsonObject *record,
              const char *name)
{
  JsonNode *node = json_object_get_member (record, name);
  g_autofree char *folded = NULL;
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  text = json_node_get_string (node);
  if (text[0] == '\0')
    return NULL;
  if (g_str_equal (name, "email"))
    {
      folded = g_utf8_casefold (text, -1);
      return g_strconcat ("email:", folded, NULL);
    }
  return g_strconcat ("number:", text, NULL);
}

static void
index_employee (Store      *store,
                JsonObject *record,
                gboolean    add)
{
  const char *names[] = { "email", "employeeNumber" };
  gint64 id = json_object_get_int_member_with_default (record, "id", 0);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *key = employee_key (record, names[i]);
      gint64 *have;

      if (key == NULL)
        continue;
      have = g_hash_table_lookup (store->employee_keys, key);
      if (add)
        g_hash_table_replace (store->employee_keys, g_steal_pointer (&key), g_memdup2 (&id, sizeof id));
      else if (have != NULL && *have == id)
        g_hash_table_remove (store->employee_keys, key);
    }
}

/* Takes @record; it must have an id not taken yet. */
static void
table_insert (Tx         *tx,
              TxTypeId    type,
              JsonObject *record)
{
  Table *table = &tx->store->tables[type];
  gint64 id = record_id (record);
  guint position = table->order->len;

  g_clear_pointer (&tx->store->by_parent[type], g_hash_table_unref);

  while (position > 0 && record_id (g_ptr_array_index (table->order, position - 1)) > id)
    position--;
  g_ptr_array_insert (table->order, position, record);
  g_hash_table_insert (table->by_id, g_memdup2 (&id, sizeof id), record);
  table->next_id = MAX (table->next_id, id + 1);
  if (type == TX_T_EMPLOYEE)
    index_employee (tx->store, record, TRUE);
}

/* Puts @record (owned) where the record with its id was. */
static void
table_replace (Tx         *tx,
               TxTypeId    type,
               JsonObject *record)
{
  Table *table = &tx->store->tables[type];
  gint64 id = record_id (record);
  JsonObject *old = g_hash_table_lookup (table->by_id, &id);
  guint position = 0;

  g_return_if_fail (old != NULL);
  g_clear_pointer (&tx->store->by_parent[type], g_hash_table_unref);
  if (type == TX_T_EMPLOYEE)
    {
      index_employee (tx->store, old, FALSE);
      index_employee (tx->store, record, TRUE);
    }
  if (g_ptr_array_find (table->order, old, &position))
    g_ptr_array_index (table->order, position) = record;
  g_hash_table_insert (table->by_id, g_memdup2 (&id, sizeof id), record);
}

static void
table_remove (Tx       *tx,
              TxTypeId  type,
              gint64    id)
{
  Table *table = &tx->store->tables[type];
  JsonObject *record = g_hash_table_lookup (table->by_id, &id);

  if (record == NULL)
    return;
  g_clear_pointer (&tx->store->by_parent[type], g_hash_table_unref);
  if (type == TX_T_EMPLOYEE)
    index_employee (tx->store, record, FALSE);
  g_ptr_array_remove (table->order, record);
  g_hash_table_remove (table->by_id, &id);
}

/* The records of @type whose reference @link is @parent, in id order
 * (owned by the store). The index is built on first use after a change, so
 * listing employees with their employments stays linear. */
static GPtrArray *
children_of (Tx         *tx,
             TxTypeId    type,
             const char *link,
             gint64      parent)
{
  GHashTable **index = &tx->store->by_parent[type];

  if (*index == NULL)
    {
      GPtrArray *records = tx->store->tables[type].order;

      *index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
      for (guint i = 0; i < records->len; i++)
        {
          JsonObject *record = g_ptr_array_index (records, i);
          gint64 key = json_object_get_int_member_with_default (record, link, 0);
          GPtrArray *list = g_hash_table_lookup (*index, &key);

          if (list == NULL)
            {
              list = g_ptr_array_new ();
              g_hash_table_insert (*index, g_memdup2 (&key, sizeof key), list);
            }
          g_ptr_array_add (list, record);
        }
    }
  return g_hash_table_lookup (*index, &parent);
}

static char *
now_text (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
}

static char *
today_text (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

/* --- small JSON helpers --------------------------------------------------- */

static gboolean
is_date (const char *text)
{
  guint year, month, day;
  char end;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    {
      if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
        return FALSE;
    }
  if (sscanf (text, "%4u-%2u-%2u%c", &year, &month, &day, &end) != 3)
    return FALSE;
  return g_date_valid_dmy (day, month, year);
}

static gboolean
node_to_int (JsonNode *node,
             gint64   *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *value = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      {
        double number = json_node_get_double (node);

        if (number != floor (number) || fabs (number) > 9007199254740992.0)
          return FALSE;
        *value = (gint64) number;
        return TRUE;
      }
    case G_TYPE_STRING:
      return g_ascii_string_to_signed (json_node_get_string (node), 10, G_MININT64, G_MAXINT64, value, NULL);
    default:
      return FALSE;
    }
}

static gboolean
node_to_double (JsonNode *node,
                double   *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *value = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *value = json_node_get_double (node);
      return TRUE;
    case G_TYPE_STRING:
      {
        const char *text = json_node_get_string (node);
        char *end = NULL;

        if (text[0] == '\0')
          return FALSE;
        *value = g_ascii_strtod (text, &end);
        return end != NULL && *end == '\0' && isfinite (*value);
      }
    default:
      return FALSE;
    }
}

static gboolean
node_to_bool (JsonNode *node,
              gboolean *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      *value = json_node_get_boolean (node);
      return TRUE;
    case G_TYPE_STRING:
      if (g_ascii_strcasecmp (json_node_get_string (node), "true") == 0)
        *value = TRUE;
      else if (g_ascii_strcasecmp (json_node_get_string (node), "false") == 0)
        *value = FALSE;
      else
        return FALSE;
      return TRUE;
    default:
      return FALSE;
    }
}

/* Scalars as text (Jackson reads 42 into a String field as "42"). */
static char *
node_to_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buffer[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
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

static gboolean
member_is_set (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node)[0] != '\0';
  return TRUE;
}

static gint64
member_ref (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  gint64 id = 0;

  if (node == NULL || !node_to_int (node, &id))
    return 0;
  return id;
}

static double
member_double (JsonObject *object,
               const char *name,
               double      fallback)
{
  double value = fallback;

  node_to_double (json_object_get_member (object, name), &value);
  return value;
}

static gboolean
member_bool (JsonObject *object,
             const char *name)
{
  gboolean value = FALSE;

  node_to_bool (json_object_get_member (object, name), &value);
  return value;
}

static JsonObject *
object_copy (JsonObject *object);

/* json_node_copy() shares an object's or array's contents: a draft made
 * from such a copy would change the stored record before it is validated,
 * and a refused PUT would leave its values behind. */
static JsonNode *
node_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(JsonObject) object = object_copy (json_node_get_object (node));

      return json_node_init_object (json_node_alloc (), object);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_sized_new (json_array_get_length (array));

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, node_copy (json_array_get_element (array, i)));
      return json_node_init_array (json_node_alloc (), copy);
    }
  return json_node_copy (node);
}

static JsonObject *
object_copy (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data, node_copy (json_object_get_member (object, l->data)));
  return copy;
}

static JsonNode *
null_node (void)
{
  return json_node_init_null (json_node_alloc ());
}

static JsonNode *
int_node (gint64 value)
{
  return json_node_init_int (json_node_alloc (), value);
}

static JsonNode *
double_node (double value)
{
  return json_node_init_double (json_node_alloc (), value);
}

static JsonNode *
bool_node (gboolean value)
{
  return json_node_init_boolean (json_node_alloc (), value);
}

/* NULL gives a JSON null. */
static JsonNode *
string_node (const char *value)
{
  if (value == NULL)
    return null_node ();
  return json_node_init_string (json_node_alloc (), value);
}

static JsonNode *
string_node_take (char *value)
{
  JsonNode *node = string_node (value);

  g_free (value);
  return node;
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  return node;
}

/* --- problems: what makes a 422 ------------------------------------------- */

typedef struct
{
  char *field;
  char *message;
  char *path;     /* (nullable) */
} Problem;

typedef struct
{
  GPtrArray *mapping;      /* Problem*: the body does not fit the model (16000) */
  GPtrArray *validation;   /* Problem*: it fits but breaks a rule (18000) */
} Problems;

static void
problem_free (Problem *problem)
{
  g_free (problem->field);
  g_free (problem->message);
  g_free (problem->path);
  g_free (problem);
}

static void
problems_init (Problems *problems)
{
  problems->mapping = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  problems->validation = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
}

static void
problems_clear (Problems *problems)
{
  g_clear_pointer (&problems->mapping, g_ptr_array_unref);
  g_clear_pointer (&problems->validation, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Problems, problems_clear)

static gboolean
problems_any (Problems *problems)
{
  return problems->mapping->len > 0 || problems->validation->len > 0;
}

static void
add_problem (GPtrArray  *list,
             const char *field,
             const char *message)
{
  Problem *problem = g_new0 (Problem, 1);

  problem->field = g_strdup (field);
  problem->message = g_strdup (message);
  g_ptr_array_add (list, problem);
}

static char *
field_name (const char *prefix,
            const char *name)
{
  if (prefix == NULL || prefix[0] == '\0')
    return g_strdup (name);
  return g_strconcat (prefix, ".", name, NULL);
}

/* --- errors --------------------------------------------------------------- */

static JsonNode *
api_error_node (PbSandboxExchange *ex,
                guint              status,
                int                code,
                const char        *message,
                const char        *developer_message,
                GPtrArray         *problems)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "link");
  json_builder_add_string_value (builder, DOCS_LINK);
  json_builder_set_member_name (builder, "developerMessage");
  if (developer_message != NULL)
    json_builder_add_string_value (builder, developer_message);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "validationMessages");
  if (problems != NULL && problems->len > 0)
    {
      json_builder_begin_array (builder);
      for (guint i = 0; i < problems->len; i++)
        {
          Problem *problem = g_ptr_array_index (problems, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "field");
          json_builder_add_string_value (builder, problem->field);
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, problem->message);
          json_builder_set_member_name (builder, "path");
          if (problem->path != NULL)
            json_builder_add_string_value (builder, problem->path);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "rootId");
          json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "requestId");
  if (ex->request_id != NULL)
    json_builder_add_string_value (builder, ex->request_id);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
fail_full (PbSandboxExchange *ex,
           guint              status,
           int                code,
           const char        *message,
           const char        *developer_message,
           GPtrArray         *problems)
{
  g_autoptr(JsonNode) node = api_error_node (ex, status, code, message, developer_message, problems);

  pb_sandbox_exchange_set_json (ex, status, node);
}

static void
fail (PbSandboxExchange *ex,
      guint              status,
      int                code,
      const char        *message)
{
  fail_full (ex, status, code, message, NULL, NULL);
}

static void
fail_problems (PbSandboxExchange *ex,
               Problems          *problems)
{
  if (problems->mapping->len > 0)
    {
      Problem *first = g_ptr_array_index (problems->mapping, 0);
      g_autofree char *message = g_strdup_printf ("Feil i forespørselen: %s: %s", first->field, first->message);

      fail_full (ex, 422, 16000, message, "Request mapping failed", problems->mapping);
    }
  else
    fail_full (ex, 422, 18000, MSG_VALIDATION, "VALIDATION_ERROR", problems->validation);
}

static void
fail_one (PbSandboxExchange *ex,
          const char        *field,
          const char        *message)
{
  g_auto(Problems) problems = { 0 };

  problems_init (&problems);
  add_problem (problems.validation, field, message);
  fail_problems (ex, &problems);
}

static void
fail_not_found (PbSandboxExchange *ex)
{
  fail (ex, 404, 6000, "Objektet finnes ikke.");
}

static void
tripletex_respond_error (gpointer           backend,
                         PbSandboxExchange *ex,
                         guint              status,
                         int                code,
                         const char        *message)
{
  fail (ex, status, code, message);
}

/* --- `fields` ------------------------------------------------------------- */

/* A parsed `fields` value: `*` and the names asked for, each with its own
 * selection when written `name(...)`. */
typedef struct _Sel Sel;

struct _Sel
{
  gboolean    all;
  GHashTable *names;   /* name -> Sel* (nullable: no parentheses) */
};

static void
sel_free (Sel *sel)
{
  if (sel == NULL)
    return;
  g_hash_table_unref (sel->names);
  g_free (sel);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sel, sel_free)

static Sel *
sel_new (void)
{
  Sel *sel = g_new0 (Sel, 1);

  sel->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) sel_free);
  return sel;
}

static void
skip_spaces (const char **p)
{
  while (g_ascii_isspace (**p))
    (*p)++;
}

static Sel *
sel_parse_list (const char **p,
                guint        depth,
                GError     **error)
{
  g_autoptr(Sel) sel = sel_new ();

  if (depth > 16)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Fields filter nested too deep");
      return NULL;
    }

  for (;;)
    {
      skip_spaces (p);
      if (**p == '*')
        {
          sel->all = TRUE;
          (*p)++;
        }
      else
        {
          const char *start = *p;
          g_autofree char *name = NULL;
          Sel *child = NULL;

          while (g_ascii_isalnum (**p) || **p == '_')
            (*p)++;
          if (*p == start)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Illegal fields filter: unexpected “%c”", **p != '\0' ? **p : ' ');
              return NULL;
            }
          name = g_strndup (start, *p - start);
          skip_spaces (p);
          if (**p == '(')
            {
              (*p)++;
              child = sel_parse_list (p, depth + 1, error);
              if (child == NULL)
                return NULL;
              skip_spaces (p);
              if (**p != ')')
                {
                  sel_free (child);
                  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                       "Illegal fields filter: missing “)”");
                  return NULL;
                }
              (*p)++;
            }
          g_hash_table_replace (sel->names, g_steal_pointer (&name), child);
        }
      skip_spaces (p);
      if (**p != ',')
        break;
      (*p)++;
    }
  return g_steal_pointer (&sel);
}

static gboolean
sel_check (const Sel  *sel,
           TxTypeId    type,
           GError    **error)
{
  const TxType *info = type_info (type);
  GHashTableIter iter;
  gpointer key, value;

  if (info->stub)
    return TRUE;

  g_hash_table_iter_init (&iter, sel->names);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const TxProp *prop = pb_sandbox_tripletex_find_prop (info, key);

      if (prop == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Illegal field in fields filter: %s. %s does not match a field in the model: %sDTO",
                       (const char *) key, (const char *) key, info->name);
          return FALSE;
        }
      if (value != NULL && prop->target != TX_T_NONE && !sel_check (value, prop->target, error))
        return FALSE;
    }
  return TRUE;
}

/* Reads `fields` for objects of @type: FALSE (with a 400 in @ex) when it is
 * not a valid filter; *sel stays NULL when there is none. */
static gboolean
read_fields (PbSandboxExchange  *ex,
             TxTypeId            type,
             Sel               **sel)
{
  const char *text = pb_sandbox_exchange_get_query (ex, "fields");
  const char *p = text;
  g_autoptr(GError) error = NULL;
  g_autoptr(Sel) parsed = NULL;

  *sel = NULL;
  if (text == NULL || text[0] == '\0')
    return TRUE;

  parsed = sel_parse_list (&p, 0, &error);
  if (parsed != NULL && *p != '\0')
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Illegal fields filter: unexpected “%c”", *p);
  if (error == NULL)
    sel_check (parsed, type, &error);
  if (error != NULL)
    {
      fail (ex, 400, 11000, error->message);
      return FALSE;
    }
  *sel = g_steal_pointer (&parsed);
  return TRUE;
}

/* --- writing objects out -------------------------------------------------- */

static JsonNode *render_object (Tx *tx, TxTypeId type, JsonObject *record, const Sel *sel);

static char *
record_url (Tx       *tx,
            TxTypeId  type,
            gint64    id)
{
  return g_strdup_printf ("%s/v2/%s/%" G_GINT64_FORMAT,
                          pb_sandbox_get_host (tx->sandbox), type_info (type)->path, id);
}

static void
set_string_member_take (JsonObject *object,
                        const char *name,
                        char       *value)
{
  json_object_set_member (object, name, string_node_take (value));
}

static JsonNode *
ref_node (Tx       *tx,
          TxTypeId  type,
          gint64    id)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", id);
  set_string_member_take (object, "url", record_url (tx, type, id));
  return object_node (object);
}

static int
compare_by_date (gconstpointer a,
                 gconstpointer b)
{
  JsonObject *x = *(JsonObject * const *) a;
  JsonObject *y = *(JsonObject * const *) b;
  int order = g_strcmp0 (member_string (x, "date"), member_string (y, "date"));

  if (order != 0)
    return order;
  return record_id (x) < record_id (y) ? -1 : record_id (x) > record_id (y);
}

/* The details of an employment, by date. */
static GPtrArray *
employment_details_of (Tx     *tx,
                       gint64  employment_id)
{
  GPtrArray *mine = children_of (tx, TX_T_EMPLOYMENT_DETAILS, "employment", employment_id);
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; mine != NULL && i < mine->len; i++)
    g_ptr_array_add (found, g_ptr_array_index (mine, i));
  g_ptr_array_sort (found, compare_by_date);
  return found;
}

/* The salary in force today, else the first one to come. */
static JsonObject *
latest_salary (Tx     *tx,
               gint64  employment_id)
{
  g_autoptr(GPtrArray) details = employment_details_of (tx, employment_id);
  g_autofree char *today = today_text ();
  JsonObject *latest = NULL;

  for (guint i = 0; i < details->len; i++)
    {
      JsonObject *row = g_ptr_array_index (details, i);

      if (latest == NULL || g_strcmp0 (member_string (row, "date"), today) <= 0)
        latest = row;
    }
  return latest;
}

static char *
address_text (JsonObject *record)
{
  GString *text = g_string_new (NULL);
  const char *line1 = member_string (record, "addressLine1");
  const char *postal = member_string (record, "postalCode");
  const char *city = member_string (record, "city");

  if (line1 != NULL && line1[0] != '\0')
    g_string_append (text, line1);
  if ((postal != NULL && postal[0] != '\0') || (city != NULL && city[0] != '\0'))
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      if (postal != NULL && postal[0] != '\0')
        g_string_append_printf (text, "%s ", postal);
      if (city != NULL)
        g_string_append (text, city);
    }
  return g_string_free (text, FALSE);
}

static JsonNode *
ids_node (GPtrArray *records)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; records != NULL && i < records->len; i++)
    json_array_add_int_element (array, record_id (g_ptr_array_index (records, i)));
  return array_node (array);
}

static JsonNode *
changes_node (Tx         *tx,
              JsonObject *record)
{
  JsonArray *array = json_array_new ();
  const char *created = member_string (record, "_created");
  const char *updated = member_string (record, "_updated");
  const char *stamps[] = { created, g_strcmp0 (created, updated) != 0 ? updated : NULL };
  const char *kinds[] = { "CREATE", "UPDATE" };

  for (guint i = 0; i < G_N_ELEMENTS (stamps); i++)
    {
      JsonObject *change;

      if (stamps[i] == NULL)
        continue;
      change = json_object_new ();
      json_object_set_int_member (change, "employeeId", tx->store->api_user_id);
      json_object_set_string_member (change, "timestamp", stamps[i]);
      json_object_set_string_member (change, "changeType", kinds[i]);
      json_array_add_object_element (array, change);
    }
  return array_node (array);
}

static gint64
company_id (Tx *tx)
{
  return tx->store->company_id;
}

/* Properties the API derives: NULL when @name is not derived for @type.
 * What a record holds itself comes first (a seed may set read-only ones). */
static JsonNode *
computed_value (Tx          *tx,
                TxTypeId     type,
                JsonObject  *record,
                const char  *name)
{
  gint64 id = record_id (record);

  if (g_str_equal (name, "url"))
    return type_info (type)->path != NULL && id != 0 ? string_node_take (record_url (tx, type, id)) : NULL;
  if (g_str_equal (name, "changes"))
    return changes_node (tx, record);

  switch (type)
    {
    case TX_T_EMPLOYEE:
      if (g_str_equal (name, "displayName"))
        {
          g_autofree char *text = g_strdup_printf ("%s %s", member_string (record, "firstName") ?: "",
                                                   member_string (record, "lastName") ?: "");
          return string_node (g_strstrip (text));
        }
      if (g_str_equal (name, "companyId"))
        return int_node (company_id (tx));
      if (g_str_equal (name, "employments"))
        return ids_node (children_of (tx, TX_T_EMPLOYMENT, "employee", id));
      if (g_str_equal (name, "allowInformationRegistration"))
        return bool_node (TRUE);
      break;

    case TX_T_EMPLOYMENT:
      if (g_str_equal (name, "employmentDetails"))
        {
          g_autoptr(GPtrArray) details = employment_details_of (tx, id);
          return ids_node (details);
        }
      if (g_str_equal (name, "latestSalary") || g_str_equal (name, "lastSalaryChangeDate"))
        {
          JsonObject *latest = latest_salary (tx, id);

          if (latest == NULL)
            return null_node ();
          if (g_str_equal (name, "latestSalary"))
            return int_node (record_id (latest));
          return string_node (member_string (latest, "date"));
        }
      break;

    case TX_T_EMPLOYMENT_DETAILS:
      if (g_str_equal (name, "monthlySalary"))
        {
          double annual = member_double (record, "annualSalary", NAN);

          return isnan (annual) ? null_node () : double_node (round (annual / 12 * 100) / 100);
        }
      break;

    case TX_T_TIMESHEET_ENTRY:
      if (g_str_equal (name, "chargeableHours") || g_str_equal (name, "hourlyRate")
          || g_str_equal (name, "hourlyCost") || g_str_equal (name, "hourlyCostPercentage"))
        return double_node (0);
      break;

    case TX_T_ACTIVITY:
      {
        const char *kind = member_string (record, "activityType");

        if (g_str_equal (name, "isProjectActivity"))
          return bool_node (g_strcmp0 (kind, "PROJECT_GENERAL_ACTIVITY") == 0
                            || g_strcmp0 (kind, "PROJECT_SPECIFIC_ACTIVITY") == 0);
        if (g_str_equal (name, "isGeneral"))
          return bool_node (g_strcmp0 (kind, "GENERAL_ACTIVITY") == 0);
        if (g_str_equal (name, "isTask"))
          return bool_node (g_strcmp0 (kind, "TASK") == 0);
        if (g_str_equal (name, "displayName"))
          return string_node (member_string (record, "name"));
        if (g_str_equal (name, "rate") || g_str_equal (name, "costPercentage"))
          return double_node (0);
      }
      break;

    case TX_T_DEPARTMENT:
      if (g_str_equal (name, "displayName"))
        {
          const char *number = member_string (record, "departmentNumber");
          const char *title = member_string (record, "name");

          if (number != NULL && number[0] != '\0')
            return string_node_take (g_strdup_printf ("%s %s", number, title ?: ""));
          return string_node (title);
        }
      break;

    case TX_T_COUNTRY:
      if (g_str_equal (name, "displayName"))
        return string_node (member_string (record, "name"));
      break;

    case TX_T_CURRENCY:
      if (g_str_equal (name, "displayName"))
        return string_node (member_string (record, "code"));
      if (g_str_equal (name, "factor"))
        return int_node (1);
      break;

    case TX_T_COMPANY:
      if (g_str_equal (name, "displayName"))
        return string_node (member_string (record, "name"));
      if (g_str_equal (name, "companyMigration"))
        return string_node ("NONE");
      break;

    case TX_T_ADDRESS:
      if (g_str_equal (name, "displayName") || g_str_equal (name, "addressAsString")
          || g_str_equal (name, "displayNameInklMatrikkel"))
        return string_node_take (address_text (record));
      break;

    case TX_T_COMPANY_STANDARD_TIME:
      if (g_str_equal (name, "company"))
        return int_node (company_id (tx));
      break;

    case TX_T_NONE:
    default:
      break;
    }
  return NULL;
}

/* A property as the API writes it: held, derived, or its empty value. */
static JsonNode *
prop_value (Tx           *tx,
            TxTypeId      type,
            JsonObject   *record,
            const TxProp *prop)
{
  JsonNode *node = json_object_get_member (record, prop->name);
  JsonNode *computed;

  if (node != NULL && prop->kind != TX_CHANGES && !g_str_equal (prop->name, "url"))
    return json_node_copy (node);

  computed = computed_value (tx, type, record, prop->name);
  if (computed != NULL)
    return computed;

  switch (prop->kind)
    {
    case TX_STR:
      /* The real API writes unset text as "" and unset dates, numbers and
       * references as null. */
      return string_node ("");
    case TX_BOOL:
      return bool_node (FALSE);
    case TX_REFS:
    case TX_CHANGES:
      return array_node (json_array_new ());
    case TX_INT:
    case TX_NUM:
    case TX_DATE:
    case TX_ENUM:
    case TX_REF:
    case TX_OBJ:
    default:
      return null_node ();
    }
}

static JsonNode *
render_ref (Tx        *tx,
            TxTypeId   type,
            JsonNode  *value,
            const Sel *expand)
{
  JsonObject *record;
  gint64 id = 0;

  if (!node_to_int (value, &id) || id == 0)
    return null_node ();
  if (expand == NULL || type_info (type)->stub)
    return ref_node (tx, type, id);
  record = is_kept (type) ? table_get (tx, type, id) : NULL;
  if (record == NULL)
    return ref_node (tx, type, id);
  return render_object (tx, type, record, expand);
}

/* @record as the API writes it, filtered by @sel (NULL: no `fields`). */
static JsonNode *
render_object (Tx         *tx,
               TxTypeId    type,
               JsonObject *record,
               const Sel  *sel)
{
  JsonObject *out = json_object_new ();

  for (const TxProp *prop = type_info (type)->props; prop->name != NULL; prop++)
    {
      gpointer child = NULL;
      gboolean named = sel != NULL && g_hash_table_lookup_extended (sel->names, prop->name, NULL, &child);
      g_autoptr(JsonNode) value = NULL;
      JsonNode *written = NULL;

      if (!named && (prop->kind == TX_CHANGES || (sel != NULL && !sel->all)))
        continue;

      value = prop_value (tx, type, record, prop);
      switch (prop->kind)
        {
        case TX_REF:
          written = render_ref (tx, prop->target, value, child);
          break;

        case TX_REFS:
          {
            JsonArray *array = json_array_new ();

            if (JSON_NODE_HOLDS_ARRAY (value))
              {
                JsonArray *ids = json_node_get_array (value);

                for (guint i = 0; i < json_array_get_length (ids); i++)
                  json_array_add_element (array, render_ref (tx, prop->target, json_array_get_element (ids, i), child));
              }
            written = array_node (array);
          }
          break;

        case TX_OBJ:
          if (JSON_NODE_HOLDS_OBJECT (value))
            written = render_object (tx, prop->target, json_node_get_object (value), child);
          else
            written = null_node ();
          break;

        case TX_CHANGES:
          {
            JsonArray *array = json_array_new ();
            JsonArray *changes = json_node_get_array (value);

            for (guint i = 0; i < json_array_get_length (changes); i++)
              json_array_add_element (array, render_object (tx, TX_T_CHANGE,
                                                            json_array_get_object_element (changes, i), child));
            written = array_node (array);
          }
          break;

        case TX_INT:
        case TX_NUM:
        case TX_STR:
        case TX_DATE:
        case TX_ENUM:
        case TX_BOOL:
        default:
          written = g_steal_pointer (&value);
          break;
        }
      json_object_set_member (out, prop->name, written);
    }
  return object_node (out);
}

static void
respond_value (Tx                *tx,
               PbSandboxExchange *ex,
               guint              status,
               TxTypeId           type,
               JsonObject        *record,
               const Sel         *sel)
{
  JsonObject *envelope = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  json_object_set_member (envelope, "value", render_object (tx, type, record, sel));
  node = object_node (envelope);
  pb_sandbox_exchange_set_json (ex, status, node);
}

/* The list envelope over records[from, from + count). */
static JsonObject *
list_envelope (Tx        *tx,
               TxTypeId   type,
               GPtrArray *records,
               guint64    from,
               guint64    count,
               const Sel *sel)
{
  JsonObject *envelope = json_object_new ();
  JsonArray *values = json_array_new ();

  for (guint64 i = from; i < records->len && i - from < count; i++)
    json_array_add_element (values, render_object (tx, type, g_ptr_array_index (records, i), sel));

  json_object_set_int_member (envelope, "fullResultSize", records->len);
  json_object_set_int_member (envelope, "from", (gint64) from);
  json_object_set_int_member (envelope, "count", json_array_get_length (values));
  json_object_set_null_member (envelope, "versionDigest");
  json_object_set_array_member (envelope, "values", values);
  return envelope;
}

static void
respond_list (Tx                *tx,
              PbSandboxExchange *ex,
              guint              status,
              TxTypeId           type,
              GPtrArray         *records,
              guint64            from,
              guint64            count,
              const Sel         *sel)
{
  g_autoptr(JsonNode) node = object_node (list_envelope (tx, type, records, from, count, sel));

  pb_sandbox_exchange_set_json (ex, status, node);
}

/* --- reading request bodies ----------------------------------------------- */

typedef enum
{
  MODE_CREATE,   /* POST: id and version are ignored */
  MODE_UPDATE,   /* PUT: only the members given change */
  MODE_SEED,     /* a seed: read-only properties and ids allowed */
} Mode;

/* A record about to be written, with the records created along with it:
 * an employee's address and employments, an employment's details. Nothing
 * is stored until every draft of a request has passed validation. */
typedef struct _Draft Draft;

struct _Draft
{
  TxTypeId    type;
  Mode        mode;
  char       *field;       /* (nullable) where it sits in the body, for messages */
  JsonObject *object;      /* (owned) the record as it will be */
  JsonObject *existing;    /* (unowned) (nullable) the record it replaces */
  Draft      *address;     /* (owned) (nullable) Employee.address to create or change */
  GPtrArray  *children;    /* (owned) Draft*: employments of an employee, details of an employment */
  const char *child_link;  /* the children's member naming this record */
};

static void
draft_free (Draft *draft)
{
  if (draft == NULL)
    return;
  g_free (draft->field);
  g_clear_pointer (&draft->object, json_object_unref);
  g_clear_pointer (&draft->address, draft_free);
  g_clear_pointer (&draft->children, g_ptr_array_unref);
  g_free (draft);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Draft, draft_free)

/* In a seed a reference may name its target by other properties, e.g.
 * {"email": "..."} for an employee or {"code": "NOK"} for a currency. */
static gint64
find_by_example (Tx         *tx,
                 TxTypeId    type,
                 JsonObject *example)
{
  GPtrArray *records = table_records (tx, type);
  g_autoptr(GList) members = json_object_get_members (example);

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records, i);
      gboolean all = TRUE;

      for (GList *l = members; l != NULL && all; l = l->next)
        {
          const TxProp *prop = pb_sandbox_tripletex_find_prop (type_info (type), l->data);
          g_autoptr(JsonNode) have = NULL;
          g_autofree char *want_text = NULL;
          g_autofree char *have_text = NULL;

          if (prop == NULL)
            {
              all = FALSE;
              break;
            }
          have = prop_value (tx, type, record, prop);
          want_text = node_to_text (json_object_get_member (example, l->data));
          have_text = node_to_text (have);
          all = want_text != NULL && g_strcmp0 (want_text, have_text) == 0;
        }
      if (all)
        return record_id (record);
    }
  return 0;
}

static void read_members (Tx *tx, TxTypeId type, JsonObject *target, JsonObject *body,
                          Mode mode, const char *prefix, Problems *problems);

/* Reads one member of a body into @target. */
static void
read_member (Tx           *tx,
             const TxProp *prop,
             JsonObject   *target,
             JsonNode     *node,
             Mode          mode,
             const char   *field,
             Problems     *problems)
{
  const char *name = prop->name;
  g_autofree char *message = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      json_object_remove_member (target, name);
      return;
    }

  switch (prop->kind)
    {
    case TX_INT:
      {
        gint64 value = 0;

        if (!node_to_int (node, &value))
          goto not_mapped;
        json_object_set_int_member (target, name, value);
      }
      break;

    case TX_NUM:
      {
        double value = 0;

        if (!node_to_double (node, &value))
          goto not_mapped;
        json_object_set_double_member (target, name, value);
      }
      break;

    case TX_BOOL:
      {
        gboolean value = FALSE;

        if (!node_to_bool (node, &value))
          goto not_mapped;
        json_object_set_boolean_member (target, name, value);
      }
      break;

    case TX_STR:
      {
        g_autofree char *text = node_to_text (node);

        if (text == NULL)
          goto not_mapped;
        json_object_set_string_member (target, name, text);
      }
      break;

    case TX_DATE:
      {
        g_autofree char *text = node_to_text (node);

        if (text == NULL)
          goto not_mapped;
        if (text[0] == '\0')
          json_object_remove_member (target, name);
        else if (!is_date (text))
          {
            message = g_strdup_printf ("Ugyldig dato: “%s” (forventet ÅÅÅÅ-MM-DD).", text);
            add_problem (problems->validation, field, message);
          }
        else
          json_object_set_string_member (target, name, text);
      }
      break;

    case TX_ENUM:
      {
        g_autofree char *text = node_to_text (node);

        if (text == NULL || !g_strv_contains (prop->values, text))
          {
            g_autofree char *allowed = g_strjoinv (", ", (char **) prop->values);

            message = g_strdup_printf ("Ugyldig verdi “%s”; gyldige verdier: %s",
                                       text != NULL ? text : "?", allowed);
            add_problem (problems->mapping, field, message);
            return;
          }
        json_object_set_string_member (target, name, text);
      }
      break;

    case TX_REF:
      {
        JsonObject *ref;
        JsonNode *id_node;
        gint64 id = 0;

        if (!JSON_NODE_HOLDS_OBJECT (node))
          goto not_mapped;
        ref = json_node_get_object (node);
        id_node = json_object_get_member (ref, "id");
        if (id_node != NULL && !JSON_NODE_HOLDS_NULL (id_node))
          {
            if (!node_to_int (id_node, &id))
              goto not_mapped;
          }
        else if (mode == MODE_SEED && json_object_get_size (ref) > 0 && is_kept (prop->target))
          {
            id = find_by_example (tx, prop->target, ref);
            if (id == 0)
              {
                add_problem (problems->validation, field, "No record matches this reference");
                return;
              }
          }
        else if (json_object_get_size (ref) == 0)
          {
            json_object_remove_member (target, name);
            return;
          }
        else
          {
            g_autofree char *id_field = field_name (field, "id");

            add_problem (problems->validation, id_field, MSG_REQUIRED);
            return;
          }

        if (is_kept (prop->target) && table_get (tx, prop->target, id) == NULL)
          {
            message = g_strdup_printf ("Objektet med id %" G_GINT64_FORMAT " finnes ikke.", id);
            add_problem (problems->validation, field, message);
            return;
          }
        json_object_set_int_member (target, name, id);
      }
      break;

    case TX_OBJ:
      {
        JsonObject *sub;

        if (!JSON_NODE_HOLDS_OBJECT (node))
          goto not_mapped;
        sub = json_object_has_member (target, name) && JSON_NODE_HOLDS_OBJECT (json_object_get_member (target, name))
              ? object_copy (json_object_get_object_member (target, name))
              : json_object_new ();
        read_members (tx, prop->target, sub, json_node_get_object (node), mode, field, problems);
        json_object_set_object_member (target, name, sub);
      }
      break;

    case TX_REFS:
      /* Lists of references (Employee.employments...) are derived; the
       * ones that create records are read by build_draft(). */
      if (!JSON_NODE_HOLDS_ARRAY (node))
        goto not_mapped;
      break;

    case TX_CHANGES:
    default:
      break;
    }
  return;

not_mapped:
  message = g_strdup_printf ("Kan ikke lese verdien som %s.",
                             prop->kind == TX_INT ? "et heltall"
                             : prop->kind == TX_NUM ? "et tall"
                             : prop->kind == TX_BOOL ? "true eller false"
                             : prop->kind == TX_REF ? "en referanse ({\"id\": …})"
                             : prop->kind == TX_OBJ ? "et objekt"
                             : prop->kind == TX_REFS ? "en liste"
                             : "tekst");
  add_problem (problems->mapping, field, message);
}

/* The members build_draft() reads itself. */
static gboolean
is_nested_member (TxTypeId    type,
                  const char *name)
{
  return (type == TX_T_EMPLOYEE && (g_str_equal (name, "address") || g_str_equal (name, "employments")))
         || (type == TX_T_EMPLOYMENT && g_str_equal (name, "employmentDetails"));
}

static void
read_members (Tx         *tx,
              TxTypeId    type,
              JsonObject *target,
              JsonObject *body,
              Mode        mode,
              const char *prefix,
              Problems   *problems)
{
  const TxType *info = type_info (type);
  g_autoptr(GList) members = json_object_get_members (body);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const TxProp *prop = pb_sandbox_tripletex_find_prop (info, name);
      g_autofree char *field = field_name (prefix, name);
      JsonNode *node = json_object_get_member (body, name);

      if (prop == NULL)
        {
          /* Jackson's "Unrecognized field": the request is not read. */
          g_autofree char *message = g_strdup_printf ("Feltet finnes ikke i %s.", info->name);

          add_problem (problems->mapping, field, message);
          continue;
        }
      if (is_nested_member (type, name))
        continue;
      if (g_str_equal (name, "id") || g_str_equal (name, "version"))
        {
          gint64 value = 0;

          /* POST bodies "should not have ID and version set"; PUT takes the
           * id from the path and checks the version first. */
          if (mode != MODE_SEED || JSON_NODE_HOLDS_NULL (node))
            continue;
          if (!node_to_int (node, &value) || value < 0)
            add_problem (problems->mapping, field, "Kan ikke lese verdien som et heltall.");
          else
            json_object_set_int_member (target, name, value);
          continue;
        }
      if (g_str_equal (name, "url") || prop->kind == TX_CHANGES)
        continue;
      if ((prop->flags & TX_RO) != 0 && mode != MODE_SEED)
        continue;
      read_member (tx, prop, target, node, mode, field, problems);
    }
}

/* Reads a body (an object) into a draft of a new record (@existing NULL)
 * or of a change to @existing. @skip names a member the body may carry but
 * that its parent sets (the employee of a nested employment). */
static Draft *
build_draft (Tx          *tx,
             TxTypeId     type,
             JsonNode    *body,
             Mode         mode,
             JsonObject  *existing,
             const char  *field,
             const char  *skip,
             Problems    *problems)
{
  g_autoptr(Draft) draft = g_new0 (Draft, 1);
  JsonObject *object;

  draft->type = type;
  draft->mode = mode;
  draft->field = g_strdup (field);
  draft->existing = existing;
  draft->object = existing != NULL ? object_copy (existing) : json_object_new ();
  draft->children = g_ptr_array_new_with_free_func ((GDestroyNotify) draft_free);

  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      add_problem (problems->mapping, field != NULL ? field : type_info (type)->name,
                   "Forventet et JSON-objekt.");
      return g_steal_pointer (&draft);
    }
  object = json_node_get_object (body);
  if (skip != NULL && json_object_has_member (object, skip))
    {
      g_autoptr(JsonNode) copy = json_node_copy (body);

      json_object_remove_member (json_node_get_object (copy), skip);
      read_members (tx, type, draft->object, json_node_get_object (copy), mode, field, problems);
    }
  else
    read_members (tx, type, draft->object, object, mode, field, problems);

  if (type == TX_T_EMPLOYEE && json_object_has_member (object, "address"))
    {
      JsonNode *node = json_object_get_member (object, "address");
      g_autofree char *sub_field = field_name (field, "address");

      if (JSON_NODE_HOLDS_NULL (node))
        json_object_remove_member (draft->object, "address");
      else if (!JSON_NODE_HOLDS_OBJECT (node))
        add_problem (problems->mapping, sub_field, "Forventet et JSON-objekt.");
      else
        {
          /* An address is its own record: POST creates it, PUT changes the
           * one the employee has (or the one named by its id). */
          gint64 id = member_ref (json_node_get_object (node), "id");
          JsonObject *current = table_get (tx, TX_T_ADDRESS, id != 0 ? id : member_ref (draft->object, "address"));

          if (mode == MODE_SEED)
            current = NULL;
          draft->address = build_draft (tx, TX_T_ADDRESS, node,
                                        mode == MODE_SEED ? MODE_SEED : current != NULL ? MODE_UPDATE : MODE_CREATE,
                                        current, sub_field, NULL, problems);
        }
    }

  if ((type == TX_T_EMPLOYEE && json_object_has_member (object, "employments"))
      || (type == TX_T_EMPLOYMENT && json_object_has_member (object, "employmentDetails")))
    {
      const char *name = type == TX_T_EMPLOYEE ? "employments" : "employmentDetails";
      TxTypeId child_type = type == TX_T_EMPLOYEE ? TX_T_EMPLOYMENT : TX_T_EMPLOYMENT_DETAILS;
      JsonNode *node = json_object_get_member (object, name);
      g_autofree char *sub_field = field_name (field, name);

      draft->child_link = type == TX_T_EMPLOYEE ? "employee" : "employment";
      if (!JSON_NODE_HOLDS_ARRAY (node) && !JSON_NODE_HOLDS_NULL (node))
        add_problem (problems->mapping, sub_field, "Kan ikke lese verdien som en liste.");
      else if (JSON_NODE_HOLDS_ARRAY (node) && mode != MODE_UPDATE)
        {
          /* Created with their parent, as the official example POSTs an
           * employee with employments and their details in one call. A PUT
           * leaves them alone: they have their own endpoints. */
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            g_ptr_array_add (draft->children,
                             build_draft (tx, child_type, json_array_get_element (array, i),
                                          mode, NULL, sub_field, draft->child_link, problems));
        }
    }

  return g_steal_pointer (&draft);
}

/* --- validation and writing ----------------------------------------------- */

static gboolean
is_email (const char *text)
{
  const char *at = strchr (text, '@');

  return at != NULL && at != text && strchr (at + 1, '@') == NULL
         && strchr (at + 1, '.') != NULL && at[1] != '.' && !g_str_has_suffix (text, ".")
         && strpbrk (text, " \t,;<>") == NULL;
}

/* Another employee has the same email (ignoring case) or number. */
static gboolean
employee_taken (Tx         *tx,
                JsonObject *object,
                const char *name)
{
  g_autofree char *key = employee_key (object, name);
  gint64 *id = key != NULL ? g_hash_table_lookup (tx->store->employee_keys, key) : NULL;

  return id != NULL && *id != record_id (object);
}

static void
validate_draft (Tx       *tx,
                Draft    *draft,
                gboolean  nested,
                Problems *problems)
{
  const TxType *info = type_info (draft->type);
  JsonObject *object = draft->object;
  const char *prefix = draft->field;

  for (guint i = 0; info->required != NULL && info->required[i] != NULL; i++)
    {
      if (!member_is_set (object, info->required[i]))
        {
          g_autofree char *field = field_name (prefix, info->required[i]);

          add_problem (problems->validation, field, MSG_REQUIRED);
        }
    }

  if (draft->mode == MODE_SEED && draft->existing == NULL && json_object_has_member (object, "id")
      && table_get (tx, draft->type, record_id (object)) != NULL)
    {
      g_autofree char *field = field_name (prefix, "id");

      add_problem (problems->validation, field, "This id is taken");
    }

  switch (draft->type)
    {
    case TX_T_EMPLOYEE:
      {
        const char *email = member_string (object, "email");

        if (email != NULL && email[0] != '\0')
          {
            g_autofree char *field = field_name (prefix, "email");

            if (!is_email (email))
              add_problem (problems->validation, field, "Ugyldig e-postadresse.");
            else if (employee_taken (tx, object, "email"))
              add_problem (problems->validation, field, "Det finnes allerede en bruker med denne e-postadressen.");
          }
        if (employee_taken (tx, object, "employeeNumber"))
          {
            g_autofree char *field = field_name (prefix, "employeeNumber");

            add_problem (problems->validation, field, "Det finnes allerede en ansatt med dette ansattnummeret.");
          }
      }
      break;

    case TX_T_EMPLOYMENT:
      {
        const char *start = member_string (object, "startDate");
        const char *end = member_string (object, "endDate");

        if (!nested && member_ref (object, "employee") == 0)
          {
            g_autofree char *field = field_name (prefix, "employee");

            add_problem (problems->validation, field, MSG_REQUIRED);
          }
        if (start != NULL && end != NULL && strcmp (end, start) < 0)
          {
            g_autofree char *field = field_name (prefix, "endDate");

            add_problem (problems->validation, field, "Sluttdato kan ikke være før startdato.");
          }
        if (g_strcmp0 (member_string (object, "taxDeductionCode"), "") == 0)
          {
            g_autofree char *field = field_name (prefix, "taxDeductionCode");

            add_problem (problems->validation, field, "Skattetrekkskoden kan ikke være tom.");
          }
      }
      break;

    case TX_T_EMPLOYMENT_DETAILS:
      {
        double percentage = member_double (object, "percentageOfFullTimeEquivalent", 0);
        const char *amounts[] = { "annualSalary", "hourlyWage" };

        if (!nested && member_ref (object, "employment") == 0)
          {
            g_autofree char *field = field_name (prefix, "employment");

            add_problem (problems->validation, field, MSG_REQUIRED);
          }
        if (percentage < 0 || percentage > 100)
          {
            g_autofree char *field = field_name (prefix, "percentageOfFullTimeEquivalent");

            add_problem (problems->validation, field, "Stillingsprosenten må være mellom 0 og 100.");
          }
        for (guint i = 0; i < G_N_ELEMENTS (amounts); i++)
          {
            if (member_double (object, amounts[i], 0) < 0)
              {
                g_autofree char *field = field_name (prefix, amounts[i]);

                add_problem (problems->validation, field, "Beløpet kan ikke være negativt.");
              }
          }
      }
      break;

    case TX_T_TIMESHEET_ENTRY:
      {
        double hours = member_double (object, "hours", 0);
        JsonObject *activity = table_get (tx, TX_T_ACTIVITY, member_ref (object, "activity"));

        if (hours < 0 || hours > 24)
          {
            g_autofree char *field = field_name (prefix, "hours");

            add_problem (problems->validation, field, "Antall timer må være mellom 0 og 24.");
          }
        if (activity != NULL && member_bool (activity, "isDisabled"))
          {
            g_autofree char *field = field_name (prefix, "activity");

            add_problem (problems->validation, field, "Aktiviteten er deaktivert.");
          }
        if (activity != NULL && member_ref (object, "project") == 0
            && (g_strcmp0 (member_string (activity, "activityType"), "PROJECT_GENERAL_ACTIVITY") == 0
                || g_strcmp0 (member_string (activity, "activityType"), "PROJECT_SPECIFIC_ACTIVITY") == 0))
          {
            g_autofree char *field = field_name (prefix, "project");

            add_problem (problems->validation, field, "Aktiviteten krever et prosjekt.");
          }
      }
      break;

    case TX_T_NONE:
    default:
      break;
    }

  if (draft->address != NULL)
    validate_draft (tx, draft->address, TRUE, problems);
  for (guint i = 0; i < draft->children->len; i++)
    validate_draft (tx, g_ptr_array_index (draft->children, i), TRUE, problems);
}

static gboolean
same_timesheet_key (JsonObject *a,
                    JsonObject *b)
{
  return member_ref (a, "employee") == member_ref (b, "employee")
         && member_ref (a, "activity") == member_ref (b, "activity")
         && member_ref (a, "project") == member_ref (b, "project")
         && g_strcmp0 (member_string (a, "date"), member_string (b, "date")) == 0;
}

static gboolean
batch_replaces (GPtrArray *batch,
                gint64     id)
{
  for (guint i = 0; i < batch->len; i++)
    {
      if (record_id (g_ptr_array_index (batch, i)) == id)
        return TRUE;
    }
  return FALSE;
}

/* "Only one entry per employee/date/activity/project combination is
 * supported": @entry (a draft's object) against the stored entries and the
 * entries before it in @batch (the drafts' objects of one request, of
 * which those with an id replace the stored entry with that id). */
static gboolean
timesheet_duplicate (Tx         *tx,
                     JsonObject *entry,
                     GPtrArray  *batch)
{
  GPtrArray *stored = table_records (tx, TX_T_TIMESHEET_ENTRY);

  for (guint i = 0; i < stored->len; i++)
    {
      JsonObject *other = g_ptr_array_index (stored, i);
      gint64 id = record_id (other);

      if (id == record_id (entry))
        continue;
      if (batch != NULL && batch_replaces (batch, id))
        continue;
      if (same_timesheet_key (other, entry))
        return TRUE;
    }

  for (guint i = 0; batch != NULL && i < batch->len; i++)
    {
      JsonObject *other = g_ptr_array_index (batch, i);

      if (other == entry)
        break;
      if (same_timesheet_key (other, entry))
        return TRUE;
    }
  return FALSE;
}

/* What the API fills in on a new record. */
static void
apply_defaults (Tx         *tx,
                Draft      *draft,
                JsonObject *parent)
{
  JsonObject *object = draft->object;

  if (draft->existing != NULL)
    return;

  switch (draft->type)
    {
    case TX_T_EMPLOYMENT:
      {
        /* The rules of Employment.isMainEmployer (API 2.46.2): the one
         * follows from the other, and both from nothing. */
        const char *code = member_string (object, "taxDeductionCode");

        if (!json_object_has_member (object, "isMainEmployer"))
          json_object_set_boolean_member (object, "isMainEmployer",
                                          g_strcmp0 (code, "loennFraBiarbeidsgiver") != 0);
        if (code == NULL)
          json_object_set_string_member (object, "taxDeductionCode",
                                         member_bool (object, "isMainEmployer")
                                         ? "loennFraHovedarbeidsgiver" : "loennFraBiarbeidsgiver");
      }
      break;

    case TX_T_EMPLOYMENT_DETAILS:
      if (!json_object_has_member (object, "date"))
        {
          JsonObject *employment = parent != NULL ? parent
                                   : table_get (tx, TX_T_EMPLOYMENT, member_ref (object, "employment"));
          const char *start = member_string (employment, "startDate");

          if (start != NULL)
            json_object_set_string_member (object, "date", start);
        }
      break;

    case TX_T_TIMESHEET_ENTRY:
      if (draft->mode != MODE_SEED)
        json_object_set_boolean_member (object, "locked", pb_sandbox_roll_lock (tx->sandbox));
      break;

    case TX_T_NONE:
    default:
      break;
    }
}

/* Stores a validated draft and what comes with it; returns the record. */
static JsonObject *
commit_draft (Tx         *tx,
              Draft      *draft,
              JsonObject *parent,
              const char *link)
{
  JsonObject *object = draft->object;
  g_autofree char *stamp = now_text ();

  if (draft->address != NULL)
    {
      JsonObject *address = commit_draft (tx, draft->address, NULL, NULL);

      json_object_set_int_member (object, "address", record_id (address));
    }
  if (parent != NULL)
    json_object_set_int_member (object, link, record_id (parent));

  apply_defaults (tx, draft, parent);

  if (draft->existing != NULL)
    {
      json_object_set_int_member (object, "version",
                                  json_object_get_int_member_with_default (draft->existing, "version", 0) + 1);
      json_object_set_string_member (object, "_updated", stamp);
      table_replace (tx, draft->type, json_object_ref (object));
    }
  else
    {
      if (draft->mode != MODE_SEED || !json_object_has_member (object, "id"))
        json_object_set_int_member (object, "id", tx->store->tables[draft->type].next_id);
      if (draft->mode != MODE_SEED)
        json_object_set_int_member (object, "version", 1);
      else if (!json_object_has_member (object, "version"))
        json_object_set_int_member (object, "version", 0);
      json_object_set_string_member (object, "_created", stamp);
      json_object_set_string_member (object, "_updated", stamp);
      table_insert (tx, draft->type, json_object_ref (object));
    }

  for (guint i = 0; i < draft->children->len; i++)
    commit_draft (tx, g_ptr_array_index (draft->children, i), object, draft->child_link);
  return object;
}

/* --- query parameters ----------------------------------------------------- */

static gboolean
read_count_param (PbSandboxExchange *ex,
                  const char        *name,
                  guint64            fallback,
                  guint64           *value)
{
  const char *text = pb_sandbox_exchange_get_query (ex, name);

  *value = fallback;
  if (text == NULL || text[0] == '\0')
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, value, NULL))
    {
      g_autofree char *message = g_strdup_printf ("Ugyldig verdi for parameteren %s: “%s”.", name, text);

      fail (ex, 422, 21000, message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_paging (PbSandboxExchange *ex,
             guint64           *from,
             guint64           *count)
{
  return read_count_param (ex, "from", 0, from) && read_count_param (ex, "count", 1000, count);
}

typedef enum
{
  F_IDS,         /* the record's id is in a comma list */
  F_REFS,        /* the reference in `member` is in a comma list */
  F_CONTAINS,    /* `member` contains the text, ignoring case */
  F_EQUALS,      /* `member` is the text */
  F_CODES,       /* `member` is one of a comma list, ignoring case */
  F_BOOL,        /* `member` is true or false */
  F_DATE_FROM,   /* `member` is on or after the date */
  F_DATE_TO,     /* `member` is before the date */
} FilterOp;

typedef struct
{
  const char *param;
  FilterOp    op;
  const char *member;
  gboolean    required;
} Filter;

typedef struct
{
  const Filter *filter;
  const TxProp *prop;
  char         *text;     /* casefolded for F_CONTAINS */
  GArray       *ids;      /* gint64 */
  char        **codes;    /* casefolded */
  gboolean      flag;
} Condition;

static void
condition_clear (Condition *condition)
{
  g_clear_pointer (&condition->text, g_free);
  g_clear_pointer (&condition->ids, g_array_unref);
  g_clear_pointer (&condition->codes, g_strfreev);
}

/* Reads the filters of a search; FALSE with an error in @ex. */
static GArray *
read_conditions (PbSandboxExchange *ex,
                 TxTypeId           type,
                 const Filter      *filters)
{
  g_autoptr(GArray) conditions = g_array_new (FALSE, TRUE, sizeof (Condition));
  g_auto(Problems) problems = { 0 };

  problems_init (&problems);
  g_array_set_clear_func (conditions, (GDestroyNotify) condition_clear);

  for (const Filter *filter = filters; filter != NULL && filter->param != NULL; filter++)
    {
      const char *text = pb_sandbox_exchange_get_query (ex, filter->param);
      Condition condition = { filter, NULL, NULL, NULL, NULL, FALSE };
      g_autofree char *bad = NULL;

      if (text == NULL || text[0] == '\0')
        {
          if (filter->required)
            add_problem (problems.validation, filter->param, MSG_REQUIRED);
          continue;
        }
      if (filter->member != NULL)
        condition.prop = pb_sandbox_tripletex_find_prop (type_info (type), filter->member);

      switch (filter->op)
        {
        case F_IDS:
        case F_REFS:
          {
            g_auto(GStrv) parts = g_strsplit (text, ",", -1);

            condition.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
            for (guint i = 0; parts[i] != NULL; i++)
              {
                gint64 id = 0;

                g_strstrip (parts[i]);
                if (parts[i][0] == '\0')
                  continue;
                if (!g_ascii_string_to_signed (parts[i], 10, 0, G_MAXINT64, &id, NULL))
                  bad = g_strdup_printf ("Ugyldig id i parameteren %s: “%s”.", filter->param, parts[i]);
                g_array_append_val (condition.ids, id);
              }
          }
          break;

        case F_CONTAINS:
          condition.text = g_utf8_casefold (text, -1);
          break;

        case F_EQUALS:
          condition.text = g_strdup (text);
          break;

        case F_CODES:
          {
            g_autofree char *folded = g_utf8_casefold (text, -1);

            condition.codes = g_strsplit (folded, ",", -1);
            for (guint i = 0; condition.codes[i] != NULL; i++)
              g_strstrip (condition.codes[i]);
          }
          break;

        case F_BOOL:
          {
            g_autoptr(JsonNode) node = string_node (text);

            if (!node_to_bool (node, &condition.flag))
              bad = g_strdup_printf ("Ugyldig verdi for parameteren %s: “%s” (true eller false).",
                                     filter->param, text);
          }
          break;

        case F_DATE_FROM:
        case F_DATE_TO:
          if (!is_date (text))
            add_problem (problems.validation, filter->param, "Ugyldig dato (forventet ÅÅÅÅ-MM-DD).");
          condition.text = g_strdup (text);
          break;

        default:
          break;
        }

      g_array_append_val (conditions, condition);
      if (bad != NULL)
        {
          fail (ex, 422, 21000, bad);
          return NULL;
        }
    }

  if (problems_any (&problems))
    {
      fail_problems (ex, &problems);
      return NULL;
    }
  return g_steal_pointer (&conditions);
}

static gboolean
condition_holds (Tx              *tx,
                 TxTypeId         type,
                 JsonObject      *record,
                 const Condition *condition)
{
  const Filter *filter = condition->filter;
  g_autoptr(JsonNode) value = NULL;
  g_autofree char *text = NULL;

  if (filter->op == F_IDS || filter->op == F_REFS)
    {
      gint64 id = filter->op == F_IDS ? record_id (record) : member_ref (record, filter->member);

      for (guint i = 0; i < condition->ids->len; i++)
        {
          if (g_array_index (condition->ids, gint64, i) == id)
            return TRUE;
        }
      return FALSE;
    }

  if (condition->prop == NULL)
    return TRUE;
  value = prop_value (tx, type, record, condition->prop);

  switch (filter->op)
    {
    case F_BOOL:
      {
        gboolean flag = FALSE;

        node_to_bool (value, &flag);
        return flag == condition->flag;
      }

    case F_CONTAINS:
      {
        g_autofree char *folded = NULL;

        text = node_to_text (value);
        if (text == NULL)
          return FALSE;
        folded = g_utf8_casefold (text, -1);
        return strstr (folded, condition->text) != NULL;
      }

    case F_EQUALS:
      text = node_to_text (value);
      return g_strcmp0 (text, condition->text) == 0;

    case F_CODES:
      {
        g_autofree char *folded = NULL;

        text = node_to_text (value);
        if (text == NULL)
          return FALSE;
        folded = g_utf8_casefold (text, -1);
        return g_strv_contains ((const char * const *) condition->codes, folded);
      }

    case F_DATE_FROM:
      text = node_to_text (value);
      return text != NULL && strcmp (text, condition->text) >= 0;

    case F_DATE_TO:
      text = node_to_text (value);
      return text != NULL && strcmp (text, condition->text) < 0;

    case F_IDS:
    case F_REFS:
    default:
      return TRUE;
    }
}

/* `sorting`: "a,-b,c.d" */
typedef struct
{
  const TxProp *prop;
  const TxProp *sub;        /* (nullable) a property of what @prop refers to */
  gboolean      descending;
} SortKey;

typedef struct
{
  Tx       *tx;
  TxTypeId  type;
  GArray   *keys;   /* SortKey */
} SortContext;

static GArray *
read_sorting (PbSandboxExchange *ex,
              TxTypeId           type)
{
  const char *text = pb_sandbox_exchange_get_query (ex, "sorting");
  g_autoptr(GArray) keys = g_array_new (FALSE, TRUE, sizeof (SortKey));
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return g_steal_pointer (&keys);

  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *part = g_strstrip (parts[i]);
      g_auto(GStrv) path = NULL;
      SortKey key = { NULL, NULL, FALSE };

      if (part[0] == '\0')
        continue;
      if (part[0] == '-')
        {
          key.descending = TRUE;
          part++;
        }
      path = g_strsplit (part, ".", 2);
      if (path[0] != NULL)
        key.prop = pb_sandbox_tripletex_find_prop (type_info (type), path[0]);
      if (key.prop != NULL && path[1] != NULL)
        {
          if ((key.prop->kind == TX_REF || key.prop->kind == TX_OBJ) && !type_info (key.prop->target)->stub)
            key.sub = pb_sandbox_tripletex_find_prop (type_info (key.prop->target), path[1]);
          if (key.sub == NULL)
            key.prop = NULL;
        }
      if (key.prop == NULL || key.prop->kind == TX_REFS || key.prop->kind == TX_CHANGES)
        {
          g_autofree char *message = g_strdup_printf ("Illegal sorting field: %s", part);

          fail (ex, 422, 17000, message);
          return NULL;
        }
      g_array_append_val (keys, key);
    }
  return g_steal_pointer (&keys);
}

static JsonNode *
sort_value (SortContext   *context,
            JsonObject    *record,
            const SortKey *key)
{
  JsonNode *value = prop_value (context->tx, context->type, record, key->prop);
  JsonObject *target = NULL;
  JsonNode *sub;

  if (key->sub == NULL)
    return value;
  if (key->prop->kind == TX_REF)
    {
      gint64 id = 0;

      if (node_to_int (value, &id) && is_kept (key->prop->target))
        target = table_get (context->tx, key->prop->target, id);
    }
  else if (JSON_NODE_HOLDS_OBJECT (value))
    target = json_node_get_object (value);
  sub = target != NULL ? prop_value (context->tx, key->prop->target, target, key->sub) : null_node ();
  json_node_unref (value);
  return sub;
}

static int
compare_nodes (JsonNode *a,
               JsonNode *b)
{
  double x, y;
  gboolean p, q;

  if (JSON_NODE_HOLDS_NULL (a) || JSON_NODE_HOLDS_NULL (b))
    return JSON_NODE_HOLDS_NULL (b) - JSON_NODE_HOLDS_NULL (a);
  if (!JSON_NODE_HOLDS_VALUE (a) || !JSON_NODE_HOLDS_VALUE (b))
    return 0;
  if (json_node_get_value_type (a) == G_TYPE_STRING && json_node_get_value_type (b) == G_TYPE_STRING)
    {
      g_autofree char *fa = g_utf8_casefold (json_node_get_string (a), -1);
      g_autofree char *fb = g_utf8_casefold (json_node_get_string (b), -1);

      return g_strcmp0 (fa, fb);
    }
  if (node_to_bool (a, &p) && node_to_bool (b, &q))
    return p - q;
  if (node_to_double (a, &x) && node_to_double (b, &y))
    return x < y ? -1 : x > y;
  return 0;
}

static int
compare_records (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  SortContext *context = user_data;
  JsonObject *x = *(JsonObject * const *) a;
  JsonObject *y = *(JsonObject * const *) b;

  for (guint i = 0; i < context->keys->len; i++)
    {
      const SortKey *key = &g_array_index (context->keys, SortKey, i);
      g_autoptr(JsonNode) vx = sort_value (context, x, key);
      g_autoptr(JsonNode) vy = sort_value (context, y, key);
      int order = compare_nodes (vx, vy);

      if (order != 0)
        return key->descending ? -order : order;
    }
  return record_id (x) < record_id (y) ? -1 : record_id (x) > record_id (y);
}

/* --- routes --------------------------------------------------------------- */

typedef struct _Route Route;

typedef void (*Handler) (Tx                *tx,
                         PbSandboxExchange *ex,
                         const Route       *route,
                         const char        *arg);

struct _Route
{
  const char   *method;
  const char   *pattern;   /* "{id}" matches digits, "{token}" any segment */
  gboolean      open;      /* needs no session */
  Handler       handler;
  TxTypeId      type;
  const Filter *filters;
};

static gboolean
read_json_body (PbSandboxExchange  *ex,
                JsonNode          **body)
{
  g_autoptr(GError) error = NULL;

  *body = pb_sandbox_exchange_parse_body (ex, &error);
  if (*body == NULL)
    {
      fail_full (ex, 422, 22000, "Ugyldig JSON i forespørselen.", error->message, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_id (const char *text,
         gint64     *id)
{
  return g_ascii_string_to_signed (text, 10, 1, G_MAXINT64, id, NULL);
}

static void
handle_search (Tx                *tx,
               PbSandboxExchange *ex,
               const Route       *route,
               const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  g_autoptr(GArray) conditions = NULL;
  g_autoptr(GArray) keys = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  g_autoptr(JsonNode) node = NULL;
  GPtrArray *records = table_records (tx, route->type);
  const char *include_contacts = pb_sandbox_exchange_get_query (ex, "includeContacts");
  const char *only_contacts = pb_sandbox_exchange_get_query (ex, "onlyContacts");
  guint64 from, count;
  JsonObject *envelope;

  if (!read_fields (ex, route->type, &sel) || !read_paging (ex, &from, &count))
    return;
  if ((conditions = read_conditions (ex, route->type, route->filters)) == NULL)
    return;
  if ((keys = read_sorting (ex, route->type)) == NULL)
    return;

  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records, i);
      gboolean keep = TRUE;

      for (guint c = 0; c < conditions->len && keep; c++)
        keep = condition_holds (tx, route->type, record, &g_array_index (conditions, Condition, c));

      /* Contacts (isContact) are employees only when asked for. */
      if (keep && route->type == TX_T_EMPLOYEE)
        {
          gboolean contact = member_bool (record, "isContact");

          if (g_strcmp0 (only_contacts, "true") == 0)
            keep = contact;
          else if (g_strcmp0 (include_contacts, "true") != 0)
            keep = !contact;
        }
      if (keep)
        g_ptr_array_add (found, record);
    }

  if (keys->len > 0)
    {
      SortContext context = { tx, route->type, keys };

      g_ptr_array_sort_with_data (found, compare_records, &context);
    }

  envelope = list_envelope (tx, route->type, found, from, count, sel);
  if (route->type == TX_T_TIMESHEET_ENTRY)
    {
      double sum = 0;

      for (guint i = 0; i < found->len; i++)
        sum += member_double (g_ptr_array_index (found, i), "hours", 0);
      json_object_set_double_member (envelope, "sumAllHours", sum);
    }
  node = object_node (envelope);
  pb_sandbox_exchange_set_json (ex, 200, node);
}

static void
handle_get (Tx                *tx,
            PbSandboxExchange *ex,
            const Route       *route,
            const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  JsonObject *record;
  gint64 id = 0;

  if (!read_fields (ex, route->type, &sel))
    return;
  record = read_id (arg, &id) ? table_get (tx, route->type, id) : NULL;
  if (record == NULL)
    {
      fail_not_found (ex);
      return;
    }
  respond_value (tx, ex, 200, route->type, record, sel);
}

static gboolean
check_locked (PbSandboxExchange *ex,
              TxTypeId           type,
              JsonObject        *record)
{
  if (type == TX_T_TIMESHEET_ENTRY && member_bool (record, "locked"))
    {
      fail_full (ex, 409, 10000, "Timeføringen er låst og kan ikke endres eller slettes.",
                 "Locked: the timesheet entry is locked (approved, closed or paid out)", NULL);
      return FALSE;
    }
  return TRUE;
}

/* A PUT names the version it read: if someone changed the record since,
 * it is refused (without a version there is no check). */
static gboolean
check_version (PbSandboxExchange *ex,
               JsonObject        *record,
               JsonNode          *sent)
{
  gint64 have = json_object_get_int_member_with_default (record, "version", 0);
  gint64 version = 0;

  if (sent == NULL || JSON_NODE_HOLDS_NULL (sent))
    return TRUE;
  if (!node_to_int (sent, &version))
    {
      fail_one (ex, "version", "Kan ikke lese verdien som et heltall.");
      return FALSE;
    }
  if (version != have)
    {
      g_autofree char *developer = g_strdup_printf ("Revision Exception: version %" G_GINT64_FORMAT
                                                    " was sent, the object is at version %" G_GINT64_FORMAT,
                                                    version, have);

      fail_full (ex, 409, 8000, "Objektet har blitt endret av noen andre siden det ble hentet. Prøv igjen.",
                 developer, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
fail_duplicate (PbSandboxExchange *ex)
{
  fail_full (ex, 409, 14000,
             "Duplicate entry: det finnes allerede en timeføring for denne ansatte, "
             "datoen, aktiviteten og prosjektet.",
             "Only one entry per employee/date/activity/project combination is supported.", NULL);
}

/* The end of a single POST or PUT: validate, refuse a duplicate entry,
 * commit and answer with the record. */
static void
validate_commit_respond (Tx                *tx,
                         PbSandboxExchange *ex,
                         const Route       *route,
                         Draft             *draft,
                         Problems          *problems,
                         guint              status,
                         Sel               *sel)
{
  JsonObject *record;

  if (problems->mapping->len == 0)
    validate_draft (tx, draft, FALSE, problems);
  if (problems_any (problems))
    {
      fail_problems (ex, problems);
      return;
    }
  if (route->type == TX_T_TIMESHEET_ENTRY && timesheet_duplicate (tx, draft->object, NULL))
    {
      fail_duplicate (ex);
      return;
    }

  record = commit_draft (tx, draft, NULL, NULL);
  respond_value (tx, ex, status, route->type, record, sel);
}

static void
handle_post (Tx                *tx,
             PbSandboxExchange *ex,
             const Route       *route,
             const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(Draft) draft = NULL;
  g_auto(Problems) problems = { 0 };

  problems_init (&problems);
  if (!read_fields (ex, route->type, &sel) || !read_json_body (ex, &body))
    return;

  draft = build_draft (tx, route->type, body, MODE_CREATE, NULL, NULL, NULL, &problems);
  validate_commit_respond (tx, ex, route, draft, &problems, 201, sel);
}

static void
handle_put (Tx                *tx,
            PbSandboxExchange *ex,
            const Route       *route,
            const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(Draft) draft = NULL;
  g_auto(Problems) problems = { 0 };
  JsonObject *record;
  gint64 id = 0;

  problems_init (&problems);
  if (!read_fields (ex, route->type, &sel))
    return;
  record = read_id (arg, &id) ? table_get (tx, route->type, id) : NULL;
  if (record == NULL)
    {
      fail_not_found (ex);
      return;
    }
  if (!read_json_body (ex, &body) || !check_locked (ex, route->type, record))
    return;
  if (JSON_NODE_HOLDS_OBJECT (body)
      && !check_version (ex, record, json_object_get_member (json_node_get_object (body), "version")))
    return;

  draft = build_draft (tx, route->type, body, MODE_UPDATE, record, NULL, NULL, &problems);
  validate_commit_respond (tx, ex, route, draft, &problems, 200, sel);
}

/* POST and PUT /timesheet/entry/list: all or nothing. */
static void
handle_timesheet_list (Tx                *tx,
                       PbSandboxExchange *ex,
                       const Route       *route,
                       const char        *arg)
{
  gboolean update = g_str_equal (ex->method, "PUT");
  g_autoptr(Sel) sel = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) draft_free);
  g_autoptr(GPtrArray) objects = g_ptr_array_new ();
  g_autoptr(GPtrArray) records = g_ptr_array_new ();
  g_auto(Problems) problems = { 0 };
  JsonArray *array;

  problems_init (&problems);
  if (!read_fields (ex, TX_T_TIMESHEET_ENTRY, &sel) || !read_json_body (ex, &body))
    return;
  if (!JSON_NODE_HOLDS_ARRAY (body))
    {
      add_problem (problems.mapping, "TimesheetEntry", "Forventet en liste (JSON-array).");
      fail_problems (ex, &problems);
      return;
    }

  array = json_node_get_array (body);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *existing = NULL;

      if (update && JSON_NODE_HOLDS_OBJECT (element))
        {
          JsonObject *object = json_node_get_object (element);
          gint64 id = member_ref (object, "id");

          /* "Should have ID and version set". */
          if (id == 0)
            {
              fail_one (ex, "id", MSG_REQUIRED);
              return;
            }
          existing = table_get (tx, TX_T_TIMESHEET_ENTRY, id);
          if (existing == NULL)
            {
              fail_not_found (ex);
              return;
            }
          if (!check_locked (ex, TX_T_TIMESHEET_ENTRY, existing)
              || !check_version (ex, existing, json_object_get_member (object, "version")))
            return;
        }
      g_ptr_array_add (drafts, build_draft (tx, TX_T_TIMESHEET_ENTRY, element,
                                            update ? MODE_UPDATE : MODE_CREATE, existing, NULL, NULL, &problems));
    }

  for (guint i = 0; problems.mapping->len == 0 && i < drafts->len; i++)
    validate_draft (tx, g_ptr_array_index (drafts, i), FALSE, &problems);
  if (problems_any (&problems))
    {
      fail_problems (ex, &problems);
      return;
    }

  for (guint i = 0; i < drafts->len; i++)
    g_ptr_array_add (objects, ((Draft *) g_ptr_array_index (drafts, i))->object);
  for (guint i = 0; i < objects->len; i++)
    {
      if (timesheet_duplicate (tx, g_ptr_array_index (objects, i), objects))
        {
          fail_duplicate (ex);
          return;
        }
    }

  for (guint i = 0; i < drafts->len; i++)
    g_ptr_array_add (records, commit_draft (tx, g_ptr_array_index (drafts, i), NULL, NULL));
  respond_list (tx, ex, update ? 200 : 201, TX_T_TIMESHEET_ENTRY, records, 0, G_MAXUINT64, sel);
}

static void
handle_timesheet_delete (Tx                *tx,
                         PbSandboxExchange *ex,
                         const Route       *route,
                         const char        *arg)
{
  const char *version = pb_sandbox_exchange_get_query (ex, "version");
  JsonObject *record;
  gint64 id = 0;

  record = read_id (arg, &id) ? table_get (tx, TX_T_TIMESHEET_ENTRY, id) : NULL;
  if (record == NULL)
    {
      fail_not_found (ex);
      return;
    }
  if (!check_locked (ex, TX_T_TIMESHEET_ENTRY, record))
    return;
  if (version != NULL && version[0] != '\0')
    {
      g_autoptr(JsonNode) sent = string_node (version);
      gint64 number = 0;

      if (!node_to_int (sent, &number))
        {
          fail (ex, 422, 21000, "Ugyldig verdi for parameteren version.");
          return;
        }
      if (!check_version (ex, record, sent))
        return;
    }
  table_remove (tx, TX_T_TIMESHEET_ENTRY, id);
  pb_sandbox_exchange_set_empty (ex, 204);
}

static void
handle_company_get (Tx                *tx,
                    PbSandboxExchange *ex,
                    const Route       *route,
                    const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  JsonObject *record;
  gint64 id = 0;

  if (!read_fields (ex, TX_T_COMPANY, &sel))
    return;
  record = read_id (arg, &id) ? table_get (tx, TX_T_COMPANY, id) : NULL;
  if (record == NULL)
    {
      fail_not_found (ex);
      return;
    }
  respond_value (tx, ex, 200, TX_T_COMPANY, record, sel);
}

static void
handle_standard_time_by_date (Tx                *tx,
                              PbSandboxExchange *ex,
                              const Route       *route,
                              const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  g_autofree char *today = today_text ();
  const char *date = pb_sandbox_exchange_get_query (ex, "date");
  GPtrArray *records = table_records (tx, TX_T_COMPANY_STANDARD_TIME);
  JsonObject *found = NULL;

  if (!read_fields (ex, TX_T_COMPANY_STANDARD_TIME, &sel))
    return;
  if (date == NULL || date[0] == '\0')
    date = today;
  else if (!is_date (date))
    {
      fail_one (ex, "date", "Ugyldig dato (forventet ÅÅÅÅ-MM-DD).");
      return;
    }

  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *record = g_ptr_array_index (records, i);
      const char *from = member_string (record, "fromDate");

      if (g_strcmp0 (from, date) <= 0
          && (found == NULL || g_strcmp0 (member_string (found, "fromDate"), from) <= 0))
        found = record;
    }
  if (found == NULL)
    {
      fail_not_found (ex);
      return;
    }
  respond_value (tx, ex, 200, TX_T_COMPANY_STANDARD_TIME, found, sel);
}

/* --- sessions ------------------------------------------------------------- */

static JsonObject *
session_object (Tx      *tx,
                Session *session)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", session->id);
  json_object_set_int_member (object, "version", 0);
  json_object_set_int_member (object, "consumerToken", 1);
  json_object_set_int_member (object, "employeeToken", 1);
  json_object_set_string_member (object, "expirationDate", session->expiration);
  json_object_set_string_member (object, "token", session->token);
  return object;
}

/* PUT /token/session/:create?consumerToken&employeeToken&expirationDate */
static void
handle_session_create (Tx                *tx,
                       PbSandboxExchange *ex,
                       const Route       *route,
                       const char        *arg)
{
  const char *consumer = pb_sandbox_exchange_get_query (ex, "consumerToken");
  const char *employee = pb_sandbox_exchange_get_query (ex, "employeeToken");
  const char *expiration = pb_sandbox_exchange_get_query (ex, "expirationDate");
  g_autofree char *today = today_text ();
  g_autoptr(Sel) sel = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_auto(Problems) problems = { 0 };
  Session *session;

  problems_init (&problems);
  if (!read_fields (ex, TX_T_SESSION_TOKEN, &sel))
    return;

  /* The messages and the "arg:" fields are the real ones (issue #53 of
   * Tripletex/tripletex-api2). */
  if (consumer == NULL || consumer[0] == '\0')
    add_problem (problems.validation, "arg:consumerToken", MSG_REQUIRED);
  else if (!g_str_equal (consumer, CONSUMER_TOKEN))
    add_problem (problems.validation, "arg:consumerToken", "The consumer token is invalid or does not exist.");
  if (employee == NULL || employee[0] == '\0')
    add_problem (problems.validation, "arg:employeeToken", MSG_REQUIRED);
  else if (!g_str_equal (employee, EMPLOYEE_TOKEN))
    add_problem (problems.validation, "arg:employeeToken", "The employee token is invalid or does not exist.");
  if (expiration == NULL || expiration[0] == '\0')
    add_problem (problems.validation, "arg:expirationDate", MSG_REQUIRED);
  else if (!is_date (expiration))
    add_problem (problems.validation, "arg:expirationDate", "Invalid date, expected yyyy-MM-dd.");
  else if (strcmp (expiration, today) <= 0)
    add_problem (problems.validation, "arg:expirationDate", "The expiration date must be later than today.");

  for (guint i = 0; i < problems.validation->len; i++)
    {
      Problem *problem = g_ptr_array_index (problems.validation, i);

      problem->path = g_strdup (problem->field);
    }
  if (problems_any (&problems))
    {
      fail_problems (ex, &problems);
      return;
    }

  session = g_new0 (Session, 1);
  session->id = tx->next_session_id++;
  session->token = g_uuid_string_random ();
  session->expiration = g_strdup (expiration);
  g_hash_table_insert (tx->sessions, session->token, session);
  tx->sessions_created++;

  object = session_object (tx, session);
  respond_value (tx, ex, 200, TX_T_SESSION_TOKEN, object, sel);
}

/* DELETE /token/session/{token} */
static void
handle_session_delete (Tx                *tx,
                       PbSandboxExchange *ex,
                       const Route       *route,
                       const char        *arg)
{
  if (!g_hash_table_remove (tx->sessions, arg))
    {
      fail_not_found (ex);
      return;
    }
  pb_sandbox_exchange_set_empty (ex, 204);
}

static void
handle_who_am_i (Tx                *tx,
                 PbSandboxExchange *ex,
                 const Route       *route,
                 const char        *arg)
{
  g_autoptr(Sel) sel = NULL;
  g_autoptr(JsonObject) object = json_object_new ();

  if (!read_fields (ex, TX_T_LOGGED_IN_USER_INFO, &sel))
    return;

  json_object_set_int_member (object, "employeeId", tx->store->api_user_id);
  json_object_set_int_member (object, "actualEmployeeId", tx->store->api_user_id);
  json_object_set_int_member (object, "employee", tx->store->api_user_id);
  json_object_set_int_member (object, "companyId", company_id (tx));
  json_object_set_int_member (object, "company", company_id (tx));
  json_object_set_string_member (object, "language", "NO");
  json_object_set_boolean_member (object, "loggedInWithConnect", FALSE);
  json_object_set_boolean_member (object, "employeeIsProxy", FALSE);
  respond_value (tx, ex, 200, TX_T_LOGGED_IN_USER_INFO, object, sel);
}

static gboolean
decode_basic (const char  *header,
              char       **user,
              char       **token)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  const char *colon;

  if (header == NULL || g_ascii_strncasecmp (header, "Basic ", 6) != 0)
    return FALSE;
  decoded = g_base64_decode (header + 6, &length);
  text = g_strndup ((const char *) decoded, length);
  colon = strchr (text, ':');
  if (colon == NULL)
    return FALSE;
  *user = g_strndup (text, colon - text);
  *token = g_strdup (colon + 1);
  return TRUE;
}

/* FALSE with a 401 (or 403) in @ex when the request has no live session. */
static gboolean
authenticate (Tx                *tx,
              PbSandboxExchange *ex)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "Authorization");
  g_autofree char *user = NULL;
  g_autofree char *token = NULL;
  g_autofree char *today = today_text ();
  g_autofree char *company = g_strdup_printf ("%" G_GINT64_FORMAT, company_id (tx));
  Session *session;

  if (header == NULL)
    {
      fail (ex, 401, 3000, "Authorization header missing: use Basic authentication with the session token.");
      return FALSE;
    }
  if (!decode_basic (header, &user, &token))
    {
      fail (ex, 401, 3000, "Authentication failed: expected Basic authentication with the session token.");
      return FALSE;
    }
  session = g_hash_table_lookup (tx->sessions, token);
  if (session == NULL)
    {
      fail (ex, 401, 3000, "Authentication failed: the session token is invalid or expired.");
      return FALSE;
    }
  /* "Your session token will expire at midnight on the specified date." */
  if (strcmp (session->expiration, today) <= 0)
    {
      fail (ex, 401, 3000, "Authentication failed: the session token has expired.");
      return FALSE;
    }
  /* "0" or blank: the employee's own company; anything else would be an
   * accountant's client, and the sandbox has none. */
  if (user[0] != '\0' && !g_str_equal (user, "0") && !g_str_equal (user, company))
    {
      fail (ex, 403, 9000, "Ingen tilgang til dette selskapet.");
      return FALSE;
    }
  return TRUE;
}

static const Filter employee_filters[] = {
  { "id", F_IDS, NULL, FALSE },
  { "firstName", F_CONTAINS, "firstName", FALSE },
  { "lastName", F_CONTAINS, "lastName", FALSE },
  { "employeeNumber", F_EQUALS, "employeeNumber", FALSE },
  { "email", F_CONTAINS, "email", FALSE },
  { "departmentId", F_REFS, "department", FALSE },
  { "allowInformationRegistration", F_BOOL, "allowInformationRegistration", FALSE },
  { NULL }
};

static const Filter department_filters[] = {
  { "id", F_IDS, NULL, FALSE },
  { "name", F_CONTAINS, "name", FALSE },
  { "departmentNumber", F_CONTAINS, "departmentNumber", FALSE },
  { "departmentManagerId", F_REFS, "departmentManager", FALSE },
  { "isInactive", F_BOOL, "isInactive", FALSE },
  { NULL }
};

static const Filter country_filters[] = {
  { "id", F_IDS, NULL, FALSE },
  { "code", F_CODES, "isoAlpha2Code", FALSE },
  { NULL }
};

static const Filter currency_filters[] = {
  { "id", F_IDS, NULL, FALSE },
  { "code", F_CODES, "code", FALSE },
  { NULL }
};

static const Filter employment_filters[] = {
  { "employeeId", F_REFS, "employee", FALSE },
  { NULL }
};

static const Filter employment_details_filters[] = {
  { "employmentId", F_REFS, "employment", FALSE },
  { NULL }
};

static const Filter activity_filters[] = {
  { "id", F_IDS, NULL, FALSE },
  { "name", F_CONTAINS, "name", FALSE },
  { "number", F_EQUALS, "number", FALSE },
  { "description", F_CONTAINS, "description", FALSE },
  { "isProjectActivity", F_BOOL, "isProjectActivity", FALSE },
  { "isGeneral", F_BOOL, "isGeneral", FALSE },
  { "isChargeable", F_BOOL, "isChargeable", FALSE },
  { "isTask", F_BOOL, "isTask", FALSE },
  { "isInactive", F_BOOL, "isDisabled", FALSE },
  { NULL }
};

static const Filter timesheet_filters[] = {
  { "id", F_IDS, NULL, FALSE },
  { "employeeId", F_REFS, "employee", FALSE },
  { "projectId", F_REFS, "project", FALSE },
  { "activityId", F_REFS, "activity", FALSE },
  { "dateFrom", F_DATE_FROM, "date", TRUE },
  { "dateTo", F_DATE_TO, "date", TRUE },
  { "comment", F_CONTAINS, "comment", FALSE },
  { NULL }
};

/* The operations the sandbox serves (a connector needs no others). */
static const Route routes[] = {
  { "PUT", "/token/session/:create", TRUE, handle_session_create, TX_T_SESSION_TOKEN, NULL },
  { "GET", "/token/session/>whoAmI", FALSE, handle_who_am_i, TX_T_LOGGED_IN_USER_INFO, NULL },
  { "DELETE", "/token/session/{token}", FALSE, handle_session_delete, TX_T_SESSION_TOKEN, NULL },
  { "GET", "/company/{id}", FALSE, handle_company_get, TX_T_COMPANY, NULL },
  { "GET", "/employee", FALSE, handle_search, TX_T_EMPLOYEE, employee_filters },
  { "POST", "/employee", FALSE, handle_post, TX_T_EMPLOYEE, NULL },
  { "GET", "/employee/{id}", FALSE, handle_get, TX_T_EMPLOYEE, NULL },
  { "PUT", "/employee/{id}", FALSE, handle_put, TX_T_EMPLOYEE, NULL },
  { "GET", "/employee/employment", FALSE, handle_search, TX_T_EMPLOYMENT, employment_filters },
  { "POST", "/employee/employment", FALSE, handle_post, TX_T_EMPLOYMENT, NULL },
  { "GET", "/employee/employment/{id}", FALSE, handle_get, TX_T_EMPLOYMENT, NULL },
  { "PUT", "/employee/employment/{id}", FALSE, handle_put, TX_T_EMPLOYMENT, NULL },
  { "GET", "/employee/employment/details", FALSE, handle_search, TX_T_EMPLOYMENT_DETAILS,
    employment_details_filters },
  { "POST", "/employee/employment/details", FALSE, handle_post, TX_T_EMPLOYMENT_DETAILS, NULL },
  { "GET", "/employee/employment/details/{id}", FALSE, handle_get, TX_T_EMPLOYMENT_DETAILS, NULL },
  { "PUT", "/employee/employment/details/{id}", FALSE, handle_put, TX_T_EMPLOYMENT_DETAILS, NULL },
  { "GET", "/department", FALSE, handle_search, TX_T_DEPARTMENT, department_filters },
  { "POST", "/department", FALSE, handle_post, TX_T_DEPARTMENT, NULL },
  { "GET", "/department/{id}", FALSE, handle_get, TX_T_DEPARTMENT, NULL },
  { "PUT", "/department/{id}", FALSE, handle_put, TX_T_DEPARTMENT, NULL },
  { "GET", "/country", FALSE, handle_search, TX_T_COUNTRY, country_filters },
  { "GET", "/country/{id}", FALSE, handle_get, TX_T_COUNTRY, NULL },
  { "GET", "/currency", FALSE, handle_search, TX_T_CURRENCY, currency_filters },
  { "GET", "/currency/{id}", FALSE, handle_get, TX_T_CURRENCY, NULL },
  { "GET", "/activity", FALSE, handle_search, TX_T_ACTIVITY, activity_filters },
  { "POST", "/activity", FALSE, handle_post, TX_T_ACTIVITY, NULL },
  { "GET", "/activity/{id}", FALSE, handle_get, TX_T_ACTIVITY, NULL },
  { "GET", "/salary/settings/standardTime/byDate", FALSE, handle_standard_time_by_date,
    TX_T_COMPANY_STANDARD_TIME, NULL },
  { "GET", "/timesheet/entry", FALSE, handle_search, TX_T_TIMESHEET_ENTRY, timesheet_filters },
  { "POST", "/timesheet/entry", FALSE, handle_post, TX_T_TIMESHEET_ENTRY, NULL },
  { "POST", "/timesheet/entry/list", FALSE, handle_timesheet_list, TX_T_TIMESHEET_ENTRY, NULL },
  { "PUT", "/timesheet/entry/list", FALSE, handle_timesheet_list, TX_T_TIMESHEET_ENTRY, NULL },
  { "GET", "/timesheet/entry/{id}", FALSE, handle_get, TX_T_TIMESHEET_ENTRY, NULL },
  { "PUT", "/timesheet/entry/{id}", FALSE, handle_put, TX_T_TIMESHEET_ENTRY, NULL },
  { "DELETE", "/timesheet/entry/{id}", FALSE, handle_timesheet_delete, TX_T_TIMESHEET_ENTRY, NULL },
};

/* Matches @path against @pattern; *arg points into @path at the "{...}". */
static gboolean
route_matches (const char  *pattern,
               const char  *path,
               char       **arg)
{
  g_auto(GStrv) want = g_strsplit (pattern, "/", -1);
  g_auto(GStrv) have = g_strsplit (path, "/", -1);

  if (g_strv_length (want) != g_strv_length (have))
    return FALSE;
  for (guint i = 0; want[i] != NULL; i++)
    {
      if (g_str_equal (want[i], "{id}"))
        {
          if (have[i][0] == '\0' || strspn (have[i], "0123456789") != strlen (have[i]))
            return FALSE;
          *arg = g_strdup (have[i]);
        }
      else if (g_str_equal (want[i], "{token}"))
        {
          if (have[i][0] == '\0' || have[i][0] == ':' || have[i][0] == '>')
            return FALSE;
          *arg = g_strdup (have[i]);
        }
      else if (!g_str_equal (want[i], have[i]))
        return FALSE;
    }
  return TRUE;
}

static void
tripletex_handle (gpointer           backend,
                  PbSandboxExchange *ex)
{
  Tx *tx = backend;
  const char *path = ex->api_path;
  g_autofree char *trimmed = NULL;
  const Route *found = NULL;
  g_autoptr(GString) allowed = g_string_new (NULL);

  /* A trailing slash names the same resource. */
  if (g_str_has_suffix (path, "/") && strlen (path) > 1)
    path = trimmed = g_strndup (path, strlen (path) - 1);

  if (!g_str_equal (path, "/token/session/:create") && !authenticate (tx, ex))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *arg = NULL;

      if (!route_matches (routes[i].pattern, path, &arg))
        continue;
      if (g_str_equal (routes[i].method, ex->method))
        {
          found = &routes[i];
          found->handler (tx, ex, found, arg);
          return;
        }
      if (strstr (allowed->str, routes[i].method) == NULL)
        g_string_append_printf (allowed, "%s%s", allowed->len > 0 ? ", " : "", routes[i].method);
    }

  if (allowed->len > 0)
    {
      pb_sandbox_exchange_set_header (ex, "Allow", allowed->str);
      fail (ex, 405, 0, "Method not allowed.");
      return;
    }
  fail (ex, 404, 6000, "Not found: no such endpoint.");
}

static void
tripletex_identify (gpointer           backend,
                    PbSandboxExchange *ex)
{
  g_autofree char *user = NULL;
  g_autofree char *token = NULL;

  /* Rate limits count "the API calls for an employee for each API
   * consumer": per session token here. */
  if (decode_basic (pb_sandbox_exchange_get_header (ex, "Authorization"), &user, &token))
    ex->rate_key = g_steal_pointer (&token);
}

/* --- seeds ---------------------------------------------------------------- */

/* The company a new Tripletex account looks like, give or take: what any
 * section a seed leaves out comes from. */
static const char default_seed[] =
  "{"
  "\"currencies\": ["
  "  {\"id\": 1, \"code\": \"NOK\", \"description\": \"Norske kroner\", \"factor\": 1},"
  "  {\"id\": 2, \"code\": \"SEK\", \"description\": \"Svenske kroner\", \"factor\": 100},"
  "  {\"id\": 3, \"code\": \"DKK\", \"description\": \"Danske kroner\", \"factor\": 100},"
  "  {\"id\": 5, \"code\": \"EUR\", \"description\": \"Euro\", \"factor\": 1}"
  "],"
  "\"countries\": ["
  "  {\"id\": 161, \"name\": \"Norge\", "
  "\"isoAlpha2Code\": \"NO\", \"isoAlpha3Code\": \"NOR\", \"isoNumericCode\": \"578\"},"
  "  {\"id\": 200, \"name\": \"Sverige\", "
  "\"isoAlpha2Code\": \"SE\", \"isoAlpha3Code\": \"SWE\", \"isoNumericCode\": \"752\"},"
  "  {\"id\": 57, \"name\": \"Danmark\", "
  "\"isoAlpha2Code\": \"DK\", \"isoAlpha3Code\": \"DNK\", \"isoNumericCode\": \"208\"},"
  "  {\"id\": 71, \"name\": \"Finland\", "
  "\"isoAlpha2Code\": \"FI\", \"isoAlpha3Code\": \"FIN\", \"isoNumericCode\": \"246\"}"
  "],"
  "\"company\": {\"id\": 1, \"name\": \"Sandbox AS\", \"organizationNumber\": \"999999999\","
  "  \"type\": \"AS\", \"email\": \"post@sandbox.example\", \"startDate\": \"2019-01-01\","
  "  \"currency\": {\"code\": \"NOK\"}},"
  "\"departments\": [{\"name\": \"Avdeling\", \"departmentNumber\": \"1\"}],"
  "\"activities\": ["
  "  {\"name\": \"Ferie\", \"number\": \"FERIE\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Sykdom med lønn\", \"number\": \"SYK-MED\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Sykdom uten lønn\", \"number\": \"SYK-UTEN\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Egenmelding\", \"number\": \"EGENMELD\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Syk barn\", \"number\": \"SYKBARN\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Permisjon med lønn\", \"number\": \"PERM-MED\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Permisjon uten lønn\", \"number\": \"PERM-UTEN\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Velferdspermisjon\", \"number\": \"VELFERD\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"name\": \"Administrasjon\", \"number\": \"ADM\", \"activityType\": \"GENERAL_ACTIVITY\"}"
  "],"
  "\"standardHoursPerDay\": 7.5,"
  "\"apiUser\": {\"firstName\": \"Sandbox\", \"lastName\": \"Admin\", \"email\": \"admin@sandbox.example\","
  "  \"userType\": \"EXTENDED\", \"employeeNumber\": \"0\"},"
  "\"employees\": [],"
  "\"employments\": [],"
  "\"employmentDetails\": [],"
  "\"timesheetEntries\": []"
  "}";

/* The sections of a seed, in the order they load (references point back). */
static const struct
{
  const char *name;
  TxTypeId    type;
  gboolean    single;
} sections[] = {
  { "currencies", TX_T_CURRENCY, FALSE },
  { "countries", TX_T_COUNTRY, FALSE },
  { "company", TX_T_COMPANY, TRUE },
  { "departments", TX_T_DEPARTMENT, FALSE },
  { "activities", TX_T_ACTIVITY, FALSE },
  { "standardTimes", TX_T_COMPANY_STANDARD_TIME, FALSE },
  { "apiUser", TX_T_EMPLOYEE, TRUE },
  { "employees", TX_T_EMPLOYEE, FALSE },
  { "employments", TX_T_EMPLOYMENT, FALSE },
  { "employmentDetails", TX_T_EMPLOYMENT_DETAILS, FALSE },
  { "timesheetEntries", TX_T_TIMESHEET_ENTRY, FALSE },
};

static JsonObject *
load_record (Tx          *tx,
             TxTypeId     type,
             JsonNode    *node,
             const char  *where,
             GError     **error)
{
  g_auto(Problems) problems = { 0 };
  g_autoptr(Draft) draft = NULL;

  problems_init (&problems);
  draft = build_draft (tx, type, node, MODE_SEED, NULL, NULL, NULL, &problems);
  if (problems.mapping->len == 0)
    validate_draft (tx, draft, FALSE, &problems);
  if (problems.mapping->len == 0 && problems.validation->len == 0
      && type == TX_T_TIMESHEET_ENTRY && timesheet_duplicate (tx, draft->object, NULL))
    add_problem (problems.validation, "date", "A second entry for this employee, date, activity and project");
  if (problems_any (&problems))
    {
      Problem *first = g_ptr_array_index (problems.mapping->len > 0 ? problems.mapping : problems.validation, 0);

      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                   "%s.%s: %s", where, first->field, first->message);
      return NULL;
    }
  return commit_draft (tx, draft, NULL, NULL);
}

static gboolean
load_store (Tx          *tx,
            JsonObject  *seed,
            JsonObject  *defaults,
            GError     **error)
{
  g_autoptr(GList) members = seed != NULL ? json_object_get_members (seed) : NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      gboolean known = g_str_equal (l->data, "standardHoursPerDay");

      for (guint i = 0; i < G_N_ELEMENTS (sections) && !known; i++)
        known = g_str_equal (l->data, sections[i].name);
      if (!known)
        {
          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                       "%s: not a section of a Tripletex seed", (const char *) l->data);
          return FALSE;
        }
    }

  for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
    {
      const char *name = sections[s].name;
      JsonObject *source = seed != NULL && json_object_has_member (seed, name) ? seed : defaults;
      g_autoptr(JsonNode) node = NULL;

      if (g_str_equal (name, "standardTimes") && source == defaults)
        {
          /* "standardHoursPerDay": 7.5 is short for one standard time. */
          JsonObject *hours_source = seed != NULL && json_object_has_member (seed, "standardHoursPerDay")
                                     ? seed : defaults;
          JsonObject *standard;
          JsonArray *array;
          double hours = 0;

          if (!node_to_double (json_object_get_member (hours_source, "standardHoursPerDay"), &hours))
            {
              g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                                   "standardHoursPerDay: expected a number");
              return FALSE;
            }
          standard = json_object_new ();
          json_object_set_string_member (standard, "fromDate", "2000-01-01");
          json_object_set_double_member (standard, "hoursPerDay", hours);
          array = json_array_new ();
          json_array_add_object_element (array, standard);
          node = array_node (array);
        }
      else if (json_object_has_member (source, name))
        node = json_node_copy (json_object_get_member (source, name));

      if (sections[s].single)
        {
          JsonObject *record;

          if (node == NULL || JSON_NODE_HOLDS_NULL (node))
            {
              g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "%s: required", name);
              return FALSE;
            }
          record = load_record (tx, sections[s].type, node, name, error);
          if (record == NULL)
            return FALSE;
          if (sections[s].type == TX_T_COMPANY)
            tx->store->company_id = record_id (record);
          else
            tx->store->api_user_id = record_id (record);
          continue;
        }

      if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "%s: expected a list", name);
          return FALSE;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
        {
          g_autofree char *where = g_strdup_printf ("%s[%u]", name, i);

          if (load_record (tx, sections[s].type, json_array_get_element (json_node_get_array (node), i),
                           where, error) == NULL)
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
tripletex_load_seed (gpointer   backend,
                     JsonNode  *seed,
                     GError   **error)
{
  Tx *tx = backend;
  g_autoptr(JsonParser) parser = json_parser_new ();
  Store *old = tx->store;

  if (seed != NULL && !JSON_NODE_HOLDS_OBJECT (seed))
    {
      g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED, "The seed must be an object");
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, default_seed, -1, error))
    g_error ("The default Tripletex seed does not parse");

  /* Load into a new store; the old one stays until that has worked. */
  tx->store = store_new ();
  if (!load_store (tx, seed != NULL ? json_node_get_object (seed) : NULL,
                   json_node_get_object (json_parser_get_root (parser)), error))
    {
      store_free (tx->store);
      tx->store = old;
      return FALSE;
    }
  if (old != NULL)
    store_free (old);
  return TRUE;
}

/* --- the rest of the system ----------------------------------------------- */

static JsonNode *
tripletex_dup_state (gpointer backend)
{
  Tx *tx = backend;
  JsonObject *state = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      GPtrArray *records = table_records (tx, kept[i].type);

      if (kept[i].type == TX_T_COMPANY)
        {
          JsonObject *company = table_get (tx, TX_T_COMPANY, company_id (tx));

          json_object_set_member (state, kept[i].state_name,
                                  company != NULL ? render_object (tx, TX_T_COMPANY, company, NULL) : null_node ());
        }
      else
        {
          JsonArray *array = json_array_new ();

          for (guint r = 0; r < records->len; r++)
            json_array_add_element (array, render_object (tx, kept[i].type, g_ptr_array_index (records, r), NULL));
          json_object_set_array_member (state, kept[i].state_name, array);
        }
    }
  json_object_set_int_member (state, "apiUserId", tx->store->api_user_id);
  json_object_set_int_member (state, "sessions", g_hash_table_size (tx->sessions));
  json_object_set_int_member (state, "sessionsCreated", tx->sessions_created);
  return object_node (state);
}

static guint
tripletex_get_session_count (gpointer backend)
{
  Tx *tx = backend;

  return tx->sessions_created;
}

static void
tripletex_expire_sessions (gpointer backend)
{
  Tx *tx = backend;

  g_hash_table_remove_all (tx->sessions);
}

static gboolean
tripletex_set_locked (gpointer     backend,
                      const char  *kind,
                      gint64       id,
                      gboolean     locked,
                      GError     **error)
{
  Tx *tx = backend;
  JsonObject *record;

  if (!g_str_equal (kind, "timesheetEntry") && !g_str_equal (kind, "timesheetEntries"))
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND,
                   "Only timesheetEntry records can be locked, not “%s”", kind);
      return FALSE;
    }
  record = table_get (tx, TX_T_TIMESHEET_ENTRY, id);
  if (record == NULL)
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND,
                   "No timesheet entry %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  json_object_set_boolean_member (record, "locked", locked);
  return TRUE;
}

static gpointer
tripletex_backend_new (PbSandbox *sandbox)
{
  Tx *tx = g_new0 (Tx, 1);

  tx->sandbox = sandbox;
  tx->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) session_free);
  tx->next_session_id = 1;
  return tx;
}

static void
tripletex_backend_free (gpointer backend)
{
  Tx *tx = backend;

  g_clear_pointer (&tx->store, store_free);
  g_clear_pointer (&tx->sessions, g_hash_table_unref);
  g_free (tx);
}

const PbSandboxSystem pb_sandbox_tripletex_system = {
  .name = "tripletex",
  .api_prefix = "/v2",
  .request_id_header = "x-tlx-request-id",
  .rate_limit_header = "X-Rate-Limit-",
  .reset_on_429 = FALSE,
  .backend_new = tripletex_backend_new,
  .backend_free = tripletex_backend_free,
  .load_seed = tripletex_load_seed,
  .identify = tripletex_identify,
  .handle = tripletex_handle,
  .respond_error = tripletex_respond_error,
  .dup_state = tripletex_dup_state,
  .get_session_count = tripletex_get_session_count,
  .expire_sessions = tripletex_expire_sessions,
  .set_locked = tripletex_set_locked,
};
