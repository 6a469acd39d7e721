/* pb-user-plan.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbUserPlan"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "pb-csv.h"
#include "pb-store-private.h"
#include "pb-user-plan.h"

static const char * const decision_names[] = {
  [PB_DECISION_NONE] = "none",
  [PB_DECISION_PREFER_HR] = "prefer-hr",
  [PB_DECISION_PREFER_PAYROLL] = "prefer-payroll",
  [PB_DECISION_CREATE_IN_PAYROLL] = "create-in-payroll",
  [PB_DECISION_CREATE_IN_HR] = "create-in-hr",
  [PB_DECISION_LEAVE] = "leave",
  [PB_DECISION_LINK] = "link",
};

static const char * const kind_names[] = {
  [PB_MATCH_MATCHED] = "matched",
  [PB_MATCH_HR_ONLY] = "hr-only",
  [PB_MATCH_PAYROLL_ONLY] = "payroll-only",
  [PB_MATCH_AMBIGUOUS] = "ambiguous",
  [PB_MATCH_LOCKED] = "locked",
};

static const char * const ambiguity_names[] = {
  [PB_AMBIGUOUS_NONE] = NULL,
  [PB_AMBIGUOUS_NO_EMAIL_IN_PAYROLL] = "no-email-in-payroll",
  [PB_AMBIGUOUS_SHARED_EMAIL_IN_PAYROLL] = "shared-email-in-payroll",
  [PB_AMBIGUOUS_SHARED_EMAIL_IN_HR] = "shared-email-in-hr",
};

const char *
pb_decision_to_string (PbDecision decision)
{
  return decision < G_N_ELEMENTS (decision_names) ? decision_names[decision] : "none";
}

gboolean
pb_decision_from_string (const char *text,
                         PbDecision *decision)
{
  for (guint i = 0; i < G_N_ELEMENTS (decision_names); i++)
    if (g_strcmp0 (text, decision_names[i]) == 0)
      {
        *decision = i;
        return TRUE;
      }
  return FALSE;
}

const char *
pb_match_kind_to_string (PbMatchKind kind)
{
  return kind < G_N_ELEMENTS (kind_names) ? kind_names[kind] : "?";
}

static const char * const outcome_names[] = {
  [PB_OUTCOME_NONE] = NULL,
  [PB_OUTCOME_LINKED] = "linked",
  [PB_OUTCOME_PAYROLL_UPDATED] = "payroll updated",
  [PB_OUTCOME_HR_UPDATED] = "HR updated",
  [PB_OUTCOME_CREATED_IN_PAYROLL] = "created in payroll",
  [PB_OUTCOME_CREATED_IN_HR] = "created in HR",
  [PB_OUTCOME_LEFT] = "left",
  [PB_OUTCOME_SKIPPED] = "skipped",
  [PB_OUTCOME_FAILED] = "failed",
};

G_STATIC_ASSERT (G_N_ELEMENTS (outcome_names) == PB_N_OUTCOMES);

const char *
pb_outcome_to_string (PbOutcome outcome)
{
  return outcome < PB_N_OUTCOMES ? outcome_names[outcome] : NULL;
}

PbOutcome
pb_plan_item_get_outcome (const PbPlanItem *item)
{
  if (item->outcome == NULL)
    return PB_OUTCOME_NONE;

  for (guint i = 1; i < PB_N_OUTCOMES; i++)
    {
      gsize len = strlen (outcome_names[i]);

      if (strncmp (item->outcome, outcome_names[i], len) == 0 &&
          (item->outcome[len] == '\0' || item->outcome[len] == ':'))
        return i;
    }

  return PB_OUTCOME_FAILED;   /* text from elsewhere: not a success */
}

/* Returns: (nullable): the words after "name: ", e.g. the failure's message */
const char *
pb_plan_item_get_outcome_detail (const PbPlanItem *item)
{
  const char *colon = item->outcome != NULL ? strstr (item->outcome, ": ") : NULL;

  return colon != NULL ? colon + 2 : NULL;
}

void
pb_plan_item_set_outcome (PbPlanItem *item,
                          PbOutcome   outcome,
                          const char *detail)
{
  g_free (item->outcome);
  if (outcome == PB_OUTCOME_NONE)
    item->outcome = NULL;
  else if (detail != NULL)
    item->outcome = g_strdup_printf ("%s: %s", outcome_names[outcome], detail);
  else
    item->outcome = g_strdup (outcome_names[outcome]);
}

/* Done: applied with an outcome that a later run must not repeat. A failed
 * person is tried again. */
gboolean
pb_plan_item_is_done (const PbPlanItem *item)
{
  PbOutcome outcome = pb_plan_item_get_outcome (item);

  return outcome != PB_OUTCOME_NONE && outcome != PB_OUTCOME_FAILED;
}

/* SPEC U2: the decision would send this person to payroll, and HR lacks a
 * field payroll requires: not synced until it is filled in. */
gboolean
pb_plan_item_is_blocked (const PbPlanItem *item)
{
  return item->missing != 0 && item->employee_id != 0 &&
         (item->decision == PB_DECISION_CREATE_IN_PAYROLL || item->decision == PB_DECISION_PREFER_HR);
}

/* The payroll half of a manual pair: shown and applied as part of its HR
 * item, never on its own. */
gboolean
pb_plan_item_is_absorbed (const PbPlanItem *item)
{
  return item->paired && item->kind == PB_MATCH_PAYROLL_ONLY;
}

/**
 * pb_user_plan_find_partner:
 *
 * Returns: (nullable) (transfer none): the other half of @item's manual pair
 */
PbPlanItem *
pb_user_plan_find_partner (PbUserPlan *plan,
                           PbPlanItem *item)
{
  if (!item->paired || item->remote_id == NULL)
    return NULL;

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *other = g_ptr_array_index (plan->items, i);

      if (other != item && other->paired && g_strcmp0 (other->remote_id, item->remote_id) == 0)
        return other;
    }
  return NULL;
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const PbPairCandidate *ca = a;
  const PbPairCandidate *cb = b;

  /* Suggestions first, the strongest reason first; else as listed. */
  if (ca->reasons != cb->reasons)
    {
      if (ca->reasons == 0 || cb->reasons == 0)
        return ca->reasons == 0 ? 1 : -1;
      return (int) (ca->reasons & -ca->reasons) - (int) (cb->reasons & -cb->reasons);
    }
  return (int) ca->item->position - (int) cb->item->position;
}

/**
 * pb_user_plan_pair_candidates:
 * @hr: the HR person of an HR-only item
 *
 * The payroll-only people of the plan, not paired yet, that @hr can be
 * paired with: the suggested ones first (same employee number, national
 * identity number or name), then the others.
 *
 * Returns: (transfer full) (element-type PbPairCandidate): the candidates
 */
GArray *
pb_user_plan_pair_candidates (PbUserPlan *plan,
                              PbRecord   *hr)
{
  GArray *candidates = g_array_new (FALSE, FALSE, sizeof (PbPairCandidate));

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      PbPairCandidate candidate = { item, 0 };

      if (item->kind != PB_MATCH_PAYROLL_ONLY || item->paired || item->payroll == NULL ||
          pb_plan_item_is_done (item))
        continue;
      candidate.reasons = pb_match_pair_reasons (hr, item->payroll);
      g_array_append_val (candidates, candidate);
    }

  g_array_sort (candidates, compare_candidates);
  return candidates;
}

/* The indexed form of pb_user_plan_pair_candidates(): one scan of the plan
 * per index, not per HR person (printing a plan with thousands of people on
 * each side only was quadratic). */
struct _PbPairIndex
{
  GHashTable *by_reason[3];   /* key -> GPtrArray of payroll-only PbPlanItem */
};

/* Equal keys for values pb_match_values_equal() finds equal: surrounding
 * spaces do not count, and NFC. */
static char *
value_key (const char *value)
{
  g_autofree char *trimmed = NULL;

  if (value == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (value));
  if (trimmed[0] == '\0')
    return NULL;
  return g_utf8_normalize (trimmed, -1, G_NORMALIZE_NFC);
}

static char *
reason_key (PbRecord *person,
            guint     reason)
{
  if (reason == 0)
    return value_key (pb_record_get (person, PB_EMPLOYEE_EMPLOYEE_NUMBER));
  if (reason == 1)
    return value_key (pb_record_get (person, PB_EMPLOYEE_NATIONAL_ID));
  return pb_match_name_key (person);
}

/**
 * pb_pair_index_new:
 *
 * Indexes the payroll-only people of @plan that pb_user_plan_pair_candidates()
 * would list. @plan must not change while the index is used.
 */
PbPairIndex *
pb_pair_index_new (PbUserPlan *plan)
{
  PbPairIndex *index = g_new0 (PbPairIndex, 1);

  for (guint r = 0; r < G_N_ELEMENTS (index->by_reason); r++)
    index->by_reason[r] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);

      if (item->kind != PB_MATCH_PAYROLL_ONLY || item->paired || item->payroll == NULL ||
          pb_plan_item_is_done (item))
        continue;

      for (guint r = 0; r < G_N_ELEMENTS (index->by_reason); r++)
        {
          g_autofree char *key = reason_key (item->payroll, r);
          GPtrArray *items;

          if (key == NULL)
            continue;
          items = g_hash_table_lookup (index->by_reason[r], key);
          if (items == NULL)
            {
              items = g_ptr_array_new ();
              g_hash_table_insert (index->by_reason[r], g_steal_pointer (&key), items);
            }
          g_ptr_array_add (items, item);
        }
    }

  return index;
}

/**
 * pb_pair_index_suggest:
 *
 * Returns: (transfer full) (element-type PbPairCandidate): the candidates of
 *   pb_user_plan_pair_candidates() that have a reason, in its order
 */
GArray *
pb_pair_index_suggest (PbPairIndex *index,
                       PbRecord    *hr)
{
  GArray *candidates = g_array_new (FALSE, FALSE, sizeof (PbPairCandidate));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  for (guint r = 0; r < G_N_ELEMENTS (index->by_reason); r++)
    {
      g_autofree char *key = reason_key (hr, r);
      GPtrArray *items = key != NULL ? g_hash_table_lookup (index->by_reason[r], key) : NULL;

      for (guint i = 0; items != NULL && i < items->len; i++)
        {
          PbPairCandidate candidate = { g_ptr_array_index (items, i), 0 };

          if (!g_hash_table_add (seen, candidate.item))
            continue;
          candidate.reasons = pb_match_pair_reasons (hr, candidate.item->payroll);
          if (candidate.reasons != 0)
            g_array_append_val (candidates, candidate);
        }
    }

  g_array_sort (candidates, compare_candidates);
  return candidates;
}

void
pb_pair_index_free (PbPairIndex *index)
{
  if (index == NULL)
    return;
  for (guint r = 0; r < G_N_ELEMENTS (index->by_reason); r++)
    g_hash_table_unref (index->by_reason[r]);
  g_free (index);
}

void
pb_user_plan_count_outcomes (PbUserPlan *plan,
                             guint       counts[PB_N_OUTCOMES])
{
  memset (counts, 0, sizeof (guint) * PB_N_OUTCOMES);
  for (guint i = 0; i < plan->items->len; i++)
    if (!pb_plan_item_is_absorbed (g_ptr_array_index (plan->items, i)))
      counts[pb_plan_item_get_outcome (g_ptr_array_index (plan->items, i))]++;
}

static int
index_of (const char * const *names,
          guint               n,
          const char         *text)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], text) == 0)
      return i;
  return 0;
}

PbUserPlan *
pb_user_plan_new (gint64 connection_id)
{
  PbUserPlan *plan = g_new0 (PbUserPlan, 1);

  plan->connection_id = connection_id;
  plan->items = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_plan_item_free);
  return plan;
}

void
pb_user_plan_free (PbUserPlan *plan)
{
  if (plan == NULL)
    return;

  g_free (plan->created_at);
  g_free (plan->applied_at);
  g_ptr_array_unref (plan->items);
  g_clear_pointer (&plan->people, g_hash_table_unref);
  g_free (plan);
}

PbPlanItem *
pb_plan_item_new (void)
{
  return g_new0 (PbPlanItem, 1);
}

void
pb_plan_item_free (PbPlanItem *item)
{
  g_free (item->remote_id);
  g_clear_object (&item->payroll);
  g_free (item->outcome);
  g_free (item);
}

/* The payroll record as a flat JSON object of its set fields, written by
 * hand: json-glib's builder and generator for each of 100,000 items was a
 * large part of saving a plan. Read back by record_from_json(). */
static char *
record_to_json (PbRecord *record)
{
  const PbEntityDef *def;
  g_autoptr(GString) json = NULL;
  gboolean first = TRUE;

  if (record == NULL)
    return NULL;

  def = pb_entity_get_def (pb_record_get_entity (record));
  json = g_string_sized_new (512);
  g_string_append_c (json, '{');
  for (guint i = 0; i < def->n_fields; i++)
    {
      const char *value = pb_record_get (record, i);

      if (value == NULL)
        continue;
      if (!first)
        g_string_append_c (json, ',');
      first = FALSE;
      g_string_append_printf (json, "\"%s\":\"", def->fields[i].name);
      for (const char *c = value; *c != '\0'; c++)
        switch (*c)
          {
          case '"':
            g_string_append (json, "\\\"");
            break;
          case '\\':
            g_string_append (json, "\\\\");
            break;
          case '\n':
            g_string_append (json, "\\n");
            break;
          case '\r':
            g_string_append (json, "\\r");
            break;
          case '\t':
            g_string_append (json, "\\t");
            break;
          default:
            if ((guchar) *c < 0x20)
              g_string_append_printf (json, "\\u%04x", (guint) (guchar) *c);
            else
              g_string_append_c (json, *c);
          }
      g_string_append_c (json, '"');
    }
  g_string_append_c (json, '}');
  return g_strndup (json->str, json->len);    /* not the 512 bytes */
}

/* The four hex digits of a \u escape. */
static gboolean
read_hex4 (const char *p,
           gunichar   *c)
{
  *c = 0;
  for (guint i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);

      if (d < 0)
        return FALSE;
      *c = *c * 16 + d;
    }
  return TRUE;
}

/* A JSON string at *@p (after its opening quote) into @out; moves *@p past
 * the closing quote. FALSE on anything record_to_json() does not write. */
static gboolean
read_string (const char **p,
             GString     *out)
{
  const char *c = *p;

  g_string_truncate (out, 0);
  for (;;)
    {
      const char *run = c;

      while (*c != '"' && *c != '\\' && *c != '\0')
        c++;
      g_string_append_len (out, run, c - run);
      if (*c == '"')
        break;
      if (*c == '\0')
        return FALSE;
      c++;     /* the backslash */
      switch (*c)
        {
        case '"':
        case '\\':
        case '/':
          g_string_append_c (out, *c);
          break;
        case 'n':
          g_string_append_c (out, '\n');
          break;
        case 'r':
          g_string_append_c (out, '\r');
          break;
        case 't':
          g_string_append_c (out, '\t');
          break;
        case 'b':
          g_string_append_c (out, '\b');
          break;
        case 'f':
          g_string_append_c (out, '\f');
          break;
        case 'u':
          {
            gunichar u;

            /* No NUL and no surrogate halves: json-glib decides those. */
            if (!read_hex4 (c + 1, &u) || u == 0 || (u >= 0xd800 && u <= 0xdfff))
              return FALSE;
            g_string_append_unichar (out, u);
            c += 4;
          }
          break;
        default:
          return FALSE;
        }
      c++;
    }
  *p = c + 1;
  return TRUE;
}

/* record_to_json()'s flat object of strings, read without json-glib (a
 * parser per item was most of loading a plan of 100,000 people). Returns
 * NULL for anything else, which json-glib then reads. */
static PbRecord *
record_from_flat_json (const char *text)
{
  g_autoptr(PbRecord) record = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autoptr(GString) name = g_string_sized_new (32);
  g_autoptr(GString) value = g_string_sized_new (128);
  const char *p = text;

  if (*p++ != '{')
    return NULL;
  if (*p == '}')
    return p[1] == '\0' ? g_steal_pointer (&record) : NULL;
  for (;;)
    {
      int field;

      if (*p++ != '"' || !read_string (&p, name) || *p++ != ':' || *p++ != '"' || !read_string (&p, value))
        return NULL;
      field = pb_entity_find_field (PB_ENTITY_EMPLOYEE, name->str);
      if (field >= 0)
        pb_record_set (record, field, value->str);
      if (*p == '}')
        return p[1] == '\0' ? g_steal_pointer (&record) : NULL;
      if (*p++ != ',')
        return NULL;
    }
}

static PbRecord *
record_from_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  PbRecord *record;
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  if (text != NULL && (record = record_from_flat_json (text)) != NULL)
    return record;
  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;

  record = pb_record_new (PB_ENTITY_EMPLOYEE);
  json_object_iter_init (&iter, json_node_get_object (json_parser_get_root (parser)));
  while (json_object_iter_next (&iter, &member, &node))
    {
      int field = pb_entity_find_field (PB_ENTITY_EMPLOYEE, member);

      if (field >= 0 && JSON_NODE_HOLDS_VALUE (node))
        pb_record_set (record, field, json_node_get_string (node));
    }

  return record;
}

/* The columns of one item but its plan and position, bound from 2 on (1
 * is the plan, or the text of an UPDATE's SET list): @payroll is its
 * payroll record as record_to_json() writes it. */
static void
bind_item (sqlite3_stmt *stmt,
           int           first,
           PbPlanItem   *item,
           const char   *payroll)
{
  pb_store_bind_text (stmt, first, pb_match_kind_to_string (item->kind));
  pb_store_bind_text (stmt, first + 1, ambiguity_names[item->ambiguity]);
  if (item->employee_id != 0)
    sqlite3_bind_int64 (stmt, first + 2, item->employee_id);
  else
    sqlite3_bind_null (stmt, first + 2);
  pb_store_bind_text (stmt, first + 3, item->remote_id);
  sqlite3_bind_int64 (stmt, first + 4, item->remote_version);
  pb_store_bind_text (stmt, first + 5, payroll);
  sqlite3_bind_int64 (stmt, first + 6, item->differing);
  sqlite3_bind_int64 (stmt, first + 7, item->missing);
  pb_store_bind_text (stmt, first + 8, item->decision != PB_DECISION_NONE ? pb_decision_to_string (item->decision) : NULL);
  pb_store_bind_text (stmt, first + 9, item->outcome);
  sqlite3_bind_int64 (stmt, first + 10, item->changed);
  sqlite3_bind_int (stmt, first + 11, item->paired ? 1 : 0);
}

/* Whether the stored row under @stmt (the columns of bind_item() from
 * column 1 on) holds what @item and @payroll would write. */
static gboolean
row_is_item (sqlite3_stmt *stmt,
             PbPlanItem   *item,
             const char   *payroll)
{
  return g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), pb_match_kind_to_string (item->kind)) == 0 &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), ambiguity_names[item->ambiguity]) == 0 &&
         sqlite3_column_int64 (stmt, 3) == item->employee_id &&
         (sqlite3_column_type (stmt, 3) == SQLITE_NULL) == (item->employee_id == 0) &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 4), item->remote_id) == 0 &&
         sqlite3_column_int64 (stmt, 5) == item->remote_version &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 6), payroll) == 0 &&
         sqlite3_column_int64 (stmt, 7) == item->differing &&
         sqlite3_column_int64 (stmt, 8) == item->missing &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 9),
                    item->decision != PB_DECISION_NONE ? pb_decision_to_string (item->decision) : NULL) == 0 &&
         g_strcmp0 ((const char *) sqlite3_column_text (stmt, 10), item->outcome) == 0 &&
         sqlite3_column_int64 (stmt, 11) == item->changed &&
         (sqlite3_column_int (stmt, 12) != 0) == item->paired;
}

/* The connection's newest plan if the new one may take its place: not
 * applied, and no item of it applied either (an apply stopped half way
 * keeps its plan, as its outcomes say what was done). Compares its rows
 * with @plan's items by position as it reads them; @payrolls gets the
 * payroll JSON of the items whose row differs or is missing (NULL for the
 * items whose row is already what they would write). Returns the plan's
 * id and its number of items in @n_rows, or 0. */
static gint64
replaceable_plan (PbStore     *store,
                  PbUserPlan  *plan,
                  GPtrArray   *payrolls,
                  guint       *n_rows,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 id;
  int rc;

  stmt = pb_store_prepare (store,
                           "SELECT id, applied_at FROM user_plans WHERE connection_id = ? ORDER BY id DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, plan->connection_id);
  rc = sqlite3_step (stmt);
  id = rc == SQLITE_ROW && sqlite3_column_type (stmt, 1) == SQLITE_NULL ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "user plan");
      return -1;
    }
  if (id == 0)
    return 0;

  stmt = pb_store_prepare (store,
                           "SELECT position, kind, ambiguity, employee_id, remote_id, remote_version, payroll, "
                           "differing, missing, decision, outcome, changed, paired FROM user_plan_items "
                           "WHERE plan_id = ? ORDER BY position", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, id);
  *n_rows = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint position = sqlite3_column_int (stmt, 0);

      if (sqlite3_column_type (stmt, 10) != SQLITE_NULL || position != *n_rows)
        {
          id = 0;     /* applied in part, or not numbered 0, 1, 2...: a new plan */
          break;
        }
      if (position < plan->items->len)
        {
          PbPlanItem *item = g_ptr_array_index (plan->items, position);
          const char *payroll = g_ptr_array_index (payrolls, position);

          if (row_is_item (stmt, item, *payroll != '\0' ? payroll : NULL))
            g_clear_pointer (&payrolls->pdata[position], g_free);
        }
      (*n_rows)++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "user plan");
      return -1;
    }
  return id;
}

/**
 * pb_store_save_plan:
 *
 * Stores a new plan and its items in one transaction. An unapplied plan of
 * the connection, with no item applied, is replaced in place: only the
 * items that differ from its rows are written, the rows it has past the
 * new plan's end are deleted, and the plan keeps its id (issue 14: a plan
 * of 100,000 people wrote 100,000 rows each time).
 */
gboolean
pb_store_save_plan (PbStore     *store,
                    PbUserPlan  *plan,
                    GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GPtrArray) payrolls = g_ptr_array_new_full (plan->items->len, g_free);
  sqlite3_stmt *stmt;
  gint64 replaced;
  guint n_rows = 0;

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);

      item->position = i;
      g_ptr_array_add (payrolls, record_to_json (item->payroll));
      /* An item without a payroll record is compared and written all the
       * same: mark it with a non-NULL slot. */
      if (payrolls->pdata[i] == NULL)
        payrolls->pdata[i] = g_strdup ("");
    }

  if (!pb_store_begin (store, error))
    return FALSE;

  g_free (plan->created_at);
  plan->created_at = g_date_time_format_iso8601 (now);

  replaced = replaceable_plan (store, plan, payrolls, &n_rows, error);
  if (replaced < 0)
    goto fail;

  if (replaced > 0)
    {
      plan->id = replaced;
      stmt = pb_store_prepare (store, "UPDATE user_plans SET created_at = ? WHERE id = ?", error);
      if (stmt == NULL)
        goto fail;
      pb_store_bind_text (stmt, 1, plan->created_at);
      sqlite3_bind_int64 (stmt, 2, plan->id);
    }
  else
    {
      n_rows = 0;
      stmt = pb_store_prepare (store, "INSERT INTO user_plans (connection_id, created_at) VALUES (?, ?)", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, plan->connection_id);
      pb_store_bind_text (stmt, 2, plan->created_at);
    }
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      pb_store_set_error (store, error, "user plan");
      goto fail;
    }
  sqlite3_reset (stmt);
  if (replaced == 0)
    plan->id = sqlite3_last_insert_rowid (pb_store_get_db (store));

  if (n_rows > plan->items->len)
    {
      stmt = pb_store_prepare (store, "DELETE FROM user_plan_items WHERE plan_id = ? AND position >= ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, plan->id);
      sqlite3_bind_int (stmt, 2, plan->items->len);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          sqlite3_reset (stmt);
          pb_store_set_error (store, error, "user plan item");
          goto fail;
        }
      sqlite3_reset (stmt);
    }

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      const char *payroll = g_ptr_array_index (payrolls, i);

      if (payroll == NULL)
        continue;      /* its row is already what it would write */
      if (*payroll == '\0')
        payroll = NULL;

      if (i < n_rows)
        stmt = pb_store_prepare (store,
                                 "UPDATE user_plan_items SET kind = ?2, ambiguity = ?3, employee_id = ?4, "
                                 "remote_id = ?5, remote_version = ?6, payroll = ?7, differing = ?8, missing = ?9, "
                                 "decision = ?10, outcome = ?11, changed = ?12, paired = ?13 "
                                 "WHERE plan_id = ?1 AND position = ?14", error);
      else
        stmt = pb_store_prepare (store,
                                 "INSERT INTO user_plan_items (plan_id, kind, ambiguity, employee_id, "
                                 "remote_id, remote_version, payroll, differing, missing, decision, outcome, changed, "
                                 "paired, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                                 error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, plan->id);
      bind_item (stmt, 2, item, payroll);
      sqlite3_bind_int (stmt, 14, i);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          sqlite3_reset (stmt);
          pb_store_set_error (store, error, "user plan item");
          goto fail;
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }

  return pb_store_commit (store, error);

fail:
  pb_store_rollback (store);
  return FALSE;
}

/**
 * pb_store_load_last_plan:
 *
 * Returns: (transfer full) (nullable): the connection's newest plan, read
 *   from the store only (no network: SPEC "reviewable offline")
 */
PbUserPlan *
pb_store_load_last_plan (PbStore     *store,
                         gint64       connection_id,
                         GError     **error)
{
  return pb_store_load_plan (store, connection_id, 0, error);
}

/**
 * pb_store_load_plan:
 * @plan_id: the plan, or 0 for the connection's newest
 *
 * Returns: (transfer full) (nullable): the plan with its items, or %NULL
 *   without @error set if there is none
 */
PbUserPlan *
pb_store_load_plan (PbStore     *store,
                    gint64       connection_id,
                    gint64       plan_id,
                    GError     **error)
{
  g_autoptr(PbUserPlan) plan = pb_user_plan_new (connection_id);
  sqlite3_stmt *stmt;
  int rc;

  stmt = pb_store_prepare (store,
                           "SELECT id, created_at, applied_at FROM user_plans WHERE connection_id = ? "
                           "AND (?2 = 0 OR id = ?2) ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, plan_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return NULL;
    }
  plan->id = sqlite3_column_int64 (stmt, 0);
  plan->created_at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  plan->applied_at = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  sqlite3_reset (stmt);

  stmt = pb_store_prepare (store,
                           "SELECT position, kind, ambiguity, employee_id, remote_id, remote_version, payroll, "
                           "differing, missing, decision, outcome, changed, paired FROM user_plan_items WHERE plan_id = ? "
                           "ORDER BY position", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, plan->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PbPlanItem *item = pb_plan_item_new ();

      item->position = sqlite3_column_int (stmt, 0);
      item->kind = index_of (kind_names, G_N_ELEMENTS (kind_names), (const char *) sqlite3_column_text (stmt, 1));
      item->ambiguity = index_of (ambiguity_names, G_N_ELEMENTS (ambiguity_names),
                                  (const char *) sqlite3_column_text (stmt, 2));
      item->employee_id = sqlite3_column_int64 (stmt, 3);
      item->remote_id = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      item->remote_version = sqlite3_column_int64 (stmt, 5);
      item->payroll = record_from_json ((const char *) sqlite3_column_text (stmt, 6));
      item->differing = (guint32) sqlite3_column_int64 (stmt, 7);
      item->missing = (guint32) sqlite3_column_int64 (stmt, 8);
      pb_decision_from_string ((const char *) sqlite3_column_text (stmt, 9), &item->decision);
      item->outcome = g_strdup ((const char *) sqlite3_column_text (stmt, 10));
      item->changed = (guint32) sqlite3_column_int64 (stmt, 11);
      item->paired = sqlite3_column_int (stmt, 12) != 0;
      g_ptr_array_add (plan->items, item);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "user plan");
      return NULL;
    }

  return g_steal_pointer (&plan);
}

/**
 * pb_store_list_reports:
 *
 * The connection's applied plans, newest first: each is the saved report
 * of one user sync (SPEC U5). Their items are not loaded; open one with
 * pb_store_load_plan().
 *
 * Returns: (transfer full) (element-type PbUserPlan): the reports
 */
GPtrArray *
pb_store_list_reports (PbStore     *store,
                       gint64       connection_id,
                       GError     **error)
{
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_user_plan_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = pb_store_prepare (store,
                           "SELECT id, created_at, applied_at FROM user_plans WHERE connection_id = ? "
                           "AND applied_at IS NOT NULL ORDER BY id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PbUserPlan *plan = pb_user_plan_new (connection_id);

      plan->id = sqlite3_column_int64 (stmt, 0);
      plan->created_at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      plan->applied_at = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      g_ptr_array_add (reports, plan);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "user sync reports");
      return NULL;
    }

  return g_steal_pointer (&reports);
}

/**
 * pb_user_plan_to_csv:
 *
 * The report of an applied plan as CSV: one row per person with what was
 * decided and what happened. Names and emails come from the HR register,
 * or from the payroll side for people only there. No secret is in a plan.
 *
 * Returns: (transfer full): the CSV text
 */
char *
pb_user_plan_to_csv (PbStore    *store,
                     PbUserPlan *plan)
{
  static const char * const header[] = {
    "name", "email", "employee_number", "match", "decision", "outcome", "detail",
  };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GHashTable) people = pb_store_index_by_id (store, PB_ENTITY_EMPLOYEE, NULL);

  pb_csv_append_row (out, header, G_N_ELEMENTS (header));
  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      PbRecord *hr = people != NULL ? g_hash_table_lookup (people, &item->employee_id) : NULL;
      PbRecord *person = hr != NULL ? hr : item->payroll;
      g_autofree char *name = NULL;
      const char *row[G_N_ELEMENTS (header)];

      if (pb_plan_item_is_absorbed (item))
        continue;
      name = person != NULL ? pb_record_dup_display_name (person) : NULL;

      row[0] = name;
      row[1] = person != NULL ? pb_record_get (person, PB_EMPLOYEE_EMAIL) : NULL;
      row[2] = person != NULL ? pb_record_get (person, PB_EMPLOYEE_EMPLOYEE_NUMBER) : NULL;
      row[3] = pb_match_kind_to_string (item->kind);
      row[4] = item->decision != PB_DECISION_NONE ? pb_decision_to_string (item->decision) : NULL;
      row[5] = pb_outcome_to_string (pb_plan_item_get_outcome (item));
      row[6] = pb_plan_item_get_outcome_detail (item);
      pb_csv_append_row (out, row, G_N_ELEMENTS (row));
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Saves an item's decision and outcome (each write is its own transaction:
 * decisions survive a restart, outcomes a crash mid-apply). */
gboolean
pb_store_update_plan_item (PbStore     *store,
                           PbUserPlan  *plan,
                           PbPlanItem  *item,
                           GError     **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE user_plan_items SET decision = ?, outcome = ?, employee_id = ?, "
                                         "remote_id = ? WHERE plan_id = ? AND position = ?", error);

  if (stmt == NULL)
    return FALSE;

  pb_store_bind_text (stmt, 1, item->decision != PB_DECISION_NONE ? pb_decision_to_string (item->decision) : NULL);
  pb_store_bind_text (stmt, 2, item->outcome);
  if (item->employee_id != 0)
    sqlite3_bind_int64 (stmt, 3, item->employee_id);
  else
    sqlite3_bind_null (stmt, 3);
  pb_store_bind_text (stmt, 4, item->remote_id);
  sqlite3_bind_int64 (stmt, 5, plan->id);
  sqlite3_bind_int (stmt, 6, item->position);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, "user plan item");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Saves what pairing or unpairing changed in an item (SPEC U3, U4): its
 * kind, payroll side, differences and decision. */
gboolean
pb_store_update_plan_pair (PbStore     *store,
                           PbUserPlan  *plan,
                           PbPlanItem  *item,
                           GError     **error)
{
  g_autofree char *payroll = record_to_json (item->payroll);
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE user_plan_items SET kind = ?, remote_id = ?, remote_version = ?, "
                                         "payroll = ?, differing = ?, missing = ?, decision = ?, paired = ? "
                                         "WHERE plan_id = ? AND position = ?", error);

  if (stmt == NULL)
    return FALSE;

  pb_store_bind_text (stmt, 1, pb_match_kind_to_string (item->kind));
  pb_store_bind_text (stmt, 2, item->remote_id);
  sqlite3_bind_int64 (stmt, 3, item->remote_version);
  pb_store_bind_text (stmt, 4, payroll);
  sqlite3_bind_int64 (stmt, 5, item->differing);
  sqlite3_bind_int64 (stmt, 6, item->missing);
  pb_store_bind_text (stmt, 7, item->decision != PB_DECISION_NONE ? pb_decision_to_string (item->decision) : NULL);
  sqlite3_bind_int (stmt, 8, item->paired ? 1 : 0);
  sqlite3_bind_int64 (stmt, 9, plan->id);
  sqlite3_bind_int (stmt, 10, item->position);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, "user plan item");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
pb_store_mark_plan_applied (PbStore     *store,
                            PbUserPlan  *plan,
                            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  sqlite3_stmt *stmt = pb_store_prepare (store, "UPDATE user_plans SET applied_at = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;

  g_free (plan->applied_at);
  plan->applied_at = g_date_time_format_iso8601 (now);
  pb_store_bind_text (stmt, 1, plan->applied_at);
  sqlite3_bind_int64 (stmt, 2, plan->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, "user plan");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * pb_store_link:
 *
 * Records that HR @record_id is @remote_id in the connection's payroll
 * system (replacing an earlier link of the record).
 */
gboolean
pb_store_link (PbStore     *store,
               gint64       connection_id,
               PbEntity     entity,
               gint64       record_id,
               const char  *remote_id,
               gint64       remote_version,
               GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format_iso8601 (now);
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "INSERT OR REPLACE INTO links (connection_id, entity, record_id, remote_id, "
                                         "remote_version, linked_at) VALUES (?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  pb_store_bind_text (stmt, 4, remote_id);
  sqlite3_bind_int64 (stmt, 5, remote_version);
  pb_store_bind_text (stmt, 6, at);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, "link");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * pb_store_find_link:
 *
 * Returns: (transfer full) (nullable): the payroll id of the HR record
 */
char *
pb_store_find_link (PbStore    *store,
                    gint64      connection_id,
                    PbEntity    entity,
                    gint64      record_id)
{
  return pb_store_find_link_versioned (store, connection_id, entity, record_id, NULL);
}

/**
 * pb_store_find_link_versioned:
 * @version: (out) (optional): the linked record's version in payroll as its
 *   last answer gave it; 0 when it is not linked or the system keeps none
 *
 * Returns: (transfer full) (nullable): payroll's id of the record
 */
char *
pb_store_find_link_versioned (PbStore    *store,
                              gint64      connection_id,
                              PbEntity    entity,
                              gint64      record_id,
                              gint64     *version)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT remote_id, remote_version FROM links WHERE connection_id = ? "
                                         "AND entity = ? AND record_id = ?", NULL);
  char *remote_id = NULL;

  if (version != NULL)
    *version = 0;
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      remote_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (version != NULL)
        *version = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);

  return remote_id;
}

/**
 * pb_store_set_link_key:
 *
 * Payroll's own key of a linked record, where the engine matches on it:
 * a position's start date (SPEC P2).
 */
gboolean
pb_store_set_link_key (PbStore     *store,
                       gint64       connection_id,
                       PbEntity     entity,
                       gint64       record_id,
                       const char  *remote_key,
                       GError     **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE links SET remote_key = ? WHERE connection_id = ? AND entity = ? "
                                         "AND record_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, remote_key);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  pb_store_bind_text (stmt, 3, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 4, record_id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, "link");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * pb_store_find_link_key:
 * @remote_key: (out) (transfer full) (nullable): payroll's key of it
 *
 * Returns: (transfer full) (nullable): the payroll id of the HR record
 */
char *
pb_store_find_link_key (PbStore    *store,
                        gint64      connection_id,
                        PbEntity    entity,
                        gint64      record_id,
                        char      **remote_key)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT remote_id, remote_key FROM links WHERE connection_id = ? "
                                         "AND entity = ? AND record_id = ?", NULL);
  char *remote_id = NULL;

  *remote_key = NULL;
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      remote_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      *remote_key = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);

  return remote_id;
}

gboolean
pb_store_unlink (PbStore   *store,
                 gint64     connection_id,
                 PbEntity   entity,
                 gint64     record_id,
                 GError   **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "DELETE FROM links WHERE connection_id = ? AND entity = ? AND record_id = ?",
                                         error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, "link");
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gint64
pb_store_count_links (PbStore  *store,
                      gint64    connection_id,
                      PbEntity  entity)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT count(*) FROM links WHERE connection_id = ? AND entity = ?", NULL);
  gint64 count = 0;

  if (stmt == NULL)
    return -1;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return count;
}
