/* test-import-write.c: the import's write phase (issue 14, item 3): the
 * order in which new employees are written is decided from the file's own
 * index, not a store query per employee, and stays what the register needs
 * (SPEC R1: a good file is written whole, each person once); records are
 * written as they are read, and the change rows and outbox entries stay
 * exactly what they were when everything was read first (SPEC U7, R1, R3)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "pb-connection.h"
#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-store.h"
#include "pb-store-private.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"

static gboolean
import_csv (PbStore         *store,
            const char      *data,
            PbImportResult **result,
            GError         **error)
{
  return pb_import_data (store, "w.csv", data, strlen (data), TRUE, PB_IMPORT_FLAGS_NONE, result, error);
}

static char *
manager_of (PbStore    *store,
            const char *email)
{
  g_autoptr(PbRecord) record = pb_store_find_employee (store, NULL, email, NULL);

  g_assert_nonnull (record);
  return g_strdup (pb_record_get (record, PB_EMPLOYEE_MANAGER_EMAIL));
}

/* SPEC R1: a subordinate listed before the manager who changes email in the
 * same file waits for that manager (the register holds them under the old
 * email until then); everyone is written once. */
static void
test_manager_renamed_in_file (void)
{
  g_autofree char *dir = pb_test_make_dir ("write-renamed");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbImportResult) result = NULL;
  g_autofree char *manager = NULL;
  static const char before[] =
    "employee_number,given_name,family_name,email\n"
    "100,Mona,Lie,mona@x.no\n";
  static const char after[] =
    "employee_number,given_name,family_name,email,manager_email\n"
    "200,Sara,Dahl,sara@x.no,Mona.Lie@x.no\n"
    "100,Mona,Lie,mona.lie@x.no,\n";

  g_assert_no_error (error);
  g_assert_true (import_csv (store, before, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (import_csv (store, after, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_CREATE), ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_UPDATE), ==, 1);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_EMPLOYEE, NULL), ==, 2);
  manager = manager_of (store, "sara@x.no");
  g_assert_cmpstr (manager, ==, "mona.lie@x.no");
  g_assert_null (pb_store_find_employee (store, NULL, "mona@x.no", NULL));
}

/* SPEC R1: managers who are in the register and not in the file, in it
 * under the same email, and new in it (listed after their people, three
 * levels deep): each new person is created once, with their manager. */
static void
test_managers_stored_and_new (void)
{
  g_autofree char *dir = pb_test_make_dir ("write-managers");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbImportResult) result = NULL;
  static const char before[] =
    "given_name,family_name,email\n"
    "Olav,Berg,olav@x.no\n"
    "Kari,Holm,kari@x.no\n";
  static const char after[] =
    "given_name,family_name,email,manager_email,absence_manager_email\n"
    "Ane,Lund,ane@x.no,per@x.no,KARI@x.no\n"
    "Per,Moe,per@x.no,liv@x.no,olav@x.no\n"
    "Kari,Holm,kari@x.no,olav@x.no,\n"
    "Liv,Vik,liv@x.no,Kari@X.no,\n";
  const struct { const char *email; const char *manager; } expected[] = {
    { "ane@x.no", "per@x.no" },
    { "per@x.no", "liv@x.no" },
    { "kari@x.no", "olav@x.no" },
    { "liv@x.no", "kari@x.no" },
  };

  g_assert_no_error (error);
  g_assert_true (import_csv (store, before, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (import_csv (store, after, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_CREATE), ==, 3);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_UPDATE), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *manager = manager_of (store, expected[i].email);

      g_assert_cmpstr (manager, ==, expected[i].manager);
    }
}

/* SPEC R1: a new person's positions are written without a look for old
 * ones to delete; a known person's list still replaces theirs. */
static void
test_children_of_new_and_known (void)
{
  g_autofree char *dir = pb_test_make_dir ("write-children");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(PbRecord) known = NULL;
  g_autoptr(GPtrArray) positions = NULL;
  static const char first[] =
    "{\"format\":\"paybridge-hr/1\",\"employees\":["
    "{\"given_name\":\"Eva\",\"family_name\":\"Ås\",\"email\":\"eva@x.no\","
    "\"positions\":[{\"start_date\":\"2024-01-01\",\"end_date\":\"2024-12-31\",\"title\":\"A\"},"
    "{\"start_date\":\"2025-01-01\",\"title\":\"B\"}]}]}";
  static const char second[] =
    "{\"format\":\"paybridge-hr/1\",\"employees\":["
    "{\"given_name\":\"Eva\",\"family_name\":\"Ås\",\"email\":\"eva@x.no\","
    "\"positions\":[{\"start_date\":\"2025-01-01\",\"title\":\"C\"}]},"
    "{\"given_name\":\"Nils\",\"family_name\":\"Ro\",\"email\":\"nils@x.no\","
    "\"positions\":[{\"start_date\":\"2025-02-01\",\"title\":\"D\"}]}]}";

  g_assert_no_error (error);
  g_assert_true (pb_import_data (store, "c.json", first, strlen (first), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (pb_import_data (store, "c.json", second, strlen (second), FALSE, PB_IMPORT_FLAGS_NONE, &result,
                                 &error));
  g_assert_no_error (error);

  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_POSITION, PB_CHANGE_DELETE), ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_POSITION, PB_CHANGE_CREATE), ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_POSITION, PB_CHANGE_UPDATE), ==, 1);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_POSITION, NULL), ==, 2);

  known = pb_store_find_employee (store, NULL, "eva@x.no", NULL);
  positions = pb_store_list (store, PB_ENTITY_POSITION, pb_record_get_id (known), NULL);
  g_assert_cmpuint (positions->len, ==, 1);
  g_assert_cmpstr (pb_record_get (g_ptr_array_index (positions, 0), PB_POSITION_TITLE), ==, "C");
}


static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The change rows after @after as "entity record employee op old new",
 * sorted: what was written, whatever the order of writing. */
static GPtrArray *
dup_changes (PbStore *store,
             gint64   after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) changes = pb_store_list_changes (store, after, &error);
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint i = 0; i < changes->len; i++)
    {
      PbChange *change = g_ptr_array_index (changes, i);

      g_ptr_array_add (rows, g_strdup_printf ("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s %s %s",
                                              pb_entity_get_def (change->entity)->name, change->record_id,
                                              change->employee_id, pb_change_op_to_string (change->op),
                                              change->old_values ? change->old_values : "-",
                                              change->new_values ? change->new_values : "-"));
    }
  g_ptr_array_sort (rows, compare_strings);

  return rows;
}

static const char first_json[] =
  "{\"format\":\"paybridge-hr/1\",\"teams\":[{\"key\":\"a\",\"name\":\"A\"}],\"employees\":["
  "{\"given_name\":\"Ada\",\"family_name\":\"Lund\",\"email\":\"ada@x.no\",\"employee_number\":\"1\","
  "\"team\":\"a\",\"positions\":[{\"start_date\":\"2024-01-01\",\"title\":\"Dev\"}]},"
  "{\"given_name\":\"Bo\",\"family_name\":\"Ek\",\"email\":\"bo@x.no\",\"employee_number\":\"2\"},"
  "{\"given_name\":\"Cy\",\"family_name\":\"Ås\",\"email\":\"cy@x.no\",\"employee_number\":\"3\","
  "\"manager_email\":\"ada@x.no\"}]}";

/* Ada changes (an update, her position's title, a new position), Dag is
 * new and listed before Eve, his new manager (he waits for her), Eve is
 * new, Cy is listed as he is, Bo is not listed. */
#define SECOND_EMPLOYEES \
  "\"employees\":[" \
  "{\"given_name\":\"Ada\",\"family_name\":\"Lund\",\"email\":\"ada@x.no\",\"employee_number\":\"1\"," \
  "\"team\":\"a\",\"phone\":\"+47 911 11 111\",\"positions\":[" \
  "{\"start_date\":\"2024-01-01\",\"title\":\"Lead \\\"dev\\\"\\\\ops\"}," \
  "{\"start_date\":\"2025-01-01\",\"title\":\"CTO\"}]}," \
  "{\"given_name\":\"Dag\",\"family_name\":\"Moe\",\"email\":\"dag@x.no\",\"manager_email\":\"eve@x.no\"}," \
  "{\"given_name\":\"Eve\",\"family_name\":\"Ro\",\"email\":\"eve@x.no\",\"manager_email\":\"cy@x.no\"}," \
  "{\"given_name\":\"Cy\",\"family_name\":\"Ås\",\"email\":\"cy@x.no\",\"employee_number\":\"3\"," \
  "\"manager_email\":\"ada@x.no\"}]"

static const char second_json[] =
  "{\"format\":\"paybridge-hr/1\",\"teams\":[{\"key\":\"a\",\"name\":\"A\"}]," SECOND_EMPLOYEES "}";

/* The teams after the employees: read again holding every record. */
static const char second_json_teams_last[] =
  "{\"format\":\"paybridge-hr/1\"," SECOND_EMPLOYEES ",\"teams\":[{\"key\":\"a\",\"name\":\"A\"}]}";

/* What main wrote for second_json before the import streamed (main at
 * 0e29610, the same files through paybridge-cli), in its order. */
static const char * const second_changes[] = {
  "employee 1 1 update {\"phone\":null} {\"phone\":\"+47 911 11 111\"}",
  "employee 4 4 create - {\"given_name\":\"Eve\",\"family_name\":\"Ro\",\"email\":\"eve@x.no\","
  "\"manager_email\":\"cy@x.no\",\"status\":\"active\"}",
  "employee 5 5 create - {\"given_name\":\"Dag\",\"family_name\":\"Moe\",\"email\":\"dag@x.no\","
  "\"manager_email\":\"eve@x.no\",\"status\":\"active\"}",
  "position 1 1 update {\"title\":\"Dev\"} {\"title\":\"Lead \\\"dev\\\"\\\\ops\"}",
  "position 2 1 create - {\"start_date\":\"2025-01-01\",\"title\":\"CTO\",\"percentage\":\"100\","
  "\"contract_type\":\"permanent\"}",
};

static void
on_changed_cb (PbStore  *store,
               guint     what,
               gpointer  user_data)
{
  guint *n = user_data;

  (*n)++;
}

static PbStore *
open_with_first (const char *name,
                 gint64     *after)
{
  g_autofree char *dir = pb_test_make_dir (name);
  g_autoptr(GError) error = NULL;
  PbStore *store = pb_store_open (dir, &error);

  g_assert_no_error (error);
  g_assert_true (pb_import_data (store, "first.json", first_json, strlen (first_json), FALSE,
                                 PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  *after = pb_store_max_change_id (store);

  return store;
}

/* SPEC R1, U7, R3: an import over a register that updates some, adds
 * some and leaves some writes exactly the change rows it wrote when it
 * read the whole file first, tells `changed` once, after the commit, and
 * the outbox takes each changed record once: nothing lost, nothing doubled. */
static void
test_update_add_leave (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) outbox = NULL;
  g_autoptr(GArray) again = NULL;
  gint64 after;
  g_autoptr(PbStore) store = open_with_first ("write-stream", &after);
  const struct { PbEntity entity; gint64 record_id; } sent[] = {
    { PB_ENTITY_EMPLOYEE, 1 }, { PB_ENTITY_EMPLOYEE, 4 }, { PB_ENTITY_EMPLOYEE, 5 },
    { PB_ENTITY_POSITION, 1 }, { PB_ENTITY_POSITION, 2 },
  };
  guint n_changed = 0;

  connection->name = g_strdup ("Acme");
  connection->system = g_strdup ("tripletex");
  connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS;
  connection->state = PB_CONNECTION_ACTIVE;
  g_assert_true (pb_store_save_connection (store, connection, &error));
  g_assert_no_error (error);
  g_assert_true (pb_sync_engine_activate (store, connection, &error));   /* SPEC C5: from here on */
  g_assert_no_error (error);

  g_signal_connect (store, "changed", G_CALLBACK (on_changed_cb), &n_changed);
  g_assert_true (pb_import_data (store, "second.json", second_json, strlen (second_json), FALSE,
                                 PB_IMPORT_FLAGS_NONE, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_changed, ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_CREATE), ==, 2);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_UPDATE), ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_POSITION, PB_CHANGE_CREATE), ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_POSITION, PB_CHANGE_UPDATE), ==, 1);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_TEAM, PB_CHANGE_UPDATE), ==, 0);

  rows = dup_changes (store, after);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (second_changes));
  for (guint i = 0; i < G_N_ELEMENTS (second_changes); i++)
    g_assert_true (g_ptr_array_find_with_equal_func (rows, second_changes[i], g_str_equal, NULL));

  /* Dag was written after Eve, his manager; Bo and Cy are untouched. */
  {
    g_autofree char *manager = manager_of (store, "dag@x.no");
    g_assert_cmpstr (manager, ==, "eve@x.no");
  }

  /* SPEC U7: each changed record once in the outbox, with its newest change. */
  g_assert_cmpint (pb_sync_engine_enqueue (store, connection, &error), ==, G_N_ELEMENTS (sent));
  g_assert_no_error (error);
  outbox = pb_store_list_outbox (store, connection->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, G_N_ELEMENTS (sent));
  for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < outbox->len; j++)
        {
          PbOutboxEntry *entry = &g_array_index (outbox, PbOutboxEntry, j);

          if (entry->entity == sent[i].entity && entry->record_id == sent[i].record_id)
            {
              g_assert_false (found);
              g_assert_cmpint (entry->state, ==, PB_OUTBOX_PENDING);
              g_assert_cmpint (entry->change_id, >, after);
              found = TRUE;
            }
        }
      g_assert_true (found);
    }

  /* SPEC R3: taken once; the next look finds nothing new. */
  g_assert_cmpint (pb_sync_engine_enqueue (store, connection, &error), ==, 0);
  g_assert_no_error (error);
  again = pb_store_list_outbox (store, connection->id, &error);
  g_assert_cmpuint (again->len, ==, outbox->len);
}

/* SPEC R1: a document that lists the employees before the teams they
 * name is read again holding every record (the streaming run's writes
 * rolled back): the same change rows, each once. */
static void
test_teams_after_employees (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 after;
  g_autoptr(PbStore) store = open_with_first ("write-hold", &after);
  guint n_changed = 0;

  g_signal_connect (store, "changed", G_CALLBACK (on_changed_cb), &n_changed);
  g_assert_true (pb_import_data (store, "second.json", second_json_teams_last, strlen (second_json_teams_last),
                                 FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_changed, ==, 1);

  rows = dup_changes (store, after);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (second_changes));
  for (guint i = 0; i < G_N_ELEMENTS (second_changes); i++)
    g_assert_true (g_ptr_array_find_with_equal_func (rows, second_changes[i], g_str_equal, NULL));
}

/* SPEC R1: rows written before a bad row further on are rolled back
 * (nothing written, `changed` not told), and a manager the file names
 * before it lists them is no error. */
static void
test_bad_row_after_written_ones (void)
{
  g_autofree char *dir = pb_test_make_dir ("write-bad-later");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbImportResult) result = NULL;
  GPtrArray *issues;
  guint n_changed = 0;
  static const char csv[] =
    "given_name,family_name,email,manager_email\n"
    "Ane,Lund,ane@x.no,\n"
    "Per,Moe,per@x.no,liv@x.no\n"
    "Liv,Vik,liv@x.no,\n"
    "Ola,Dal,ola@x.no,nobody@x.no\n"
    "Kim,,kim@x.no,\n";

  g_assert_no_error (error);
  g_signal_connect (store, "changed", G_CALLBACK (on_changed_cb), &n_changed);
  g_assert_false (import_csv (store, csv, &result, &error));
  g_assert_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID);
  g_assert_cmpuint (n_changed, ==, 0);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_EMPLOYEE, NULL), ==, 0);
  g_assert_cmpint (pb_store_max_change_id (store), ==, 0);

  /* In the order of the checks: Kim's missing name (matching), then
   * Ola's manager (references); Per's manager, listed later, is none. */
  issues = pb_import_result_get_issues (result);
  g_assert_cmpuint (issues->len, ==, 2);
  g_assert_cmpstr (((PbImportIssue *) issues->pdata[0])->where, ==, "w.csv:6");
  g_assert_cmpstr (((PbImportIssue *) issues->pdata[0])->field, ==, "family_name");
  g_assert_cmpstr (((PbImportIssue *) issues->pdata[1])->where, ==, "w.csv:5");
  g_assert_cmpstr (((PbImportIssue *) issues->pdata[1])->field, ==, "manager_email");
}

/* The change rows' JSON is written without json-glib now: the text is
 * still exactly json-glib's, for every ASCII character and UTF-8. */
static void
test_change_json_as_json_glib (void)
{
  g_autoptr(PbRecord) record = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *written = NULL;
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  gboolean mask[64] = { FALSE };
  char ascii[128];

  for (guint c = 1; c < 128; c++)
    ascii[c - 1] = c;
  ascii[127] = '\0';
  pb_record_set (record, PB_EMPLOYEE_GIVEN_NAME, ascii);
  pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, "Ås Øre € \xF0\x9F\x98\x80 \xE2\x80\xA8");
  mask[PB_EMPLOYEE_GIVEN_NAME] = mask[PB_EMPLOYEE_FAMILY_NAME] = mask[PB_EMPLOYEE_PHONE] = TRUE;

  json_builder_begin_object (builder);
  for (guint i = 0; i < def->n_fields; i++)
    {
      if (!mask[i])
        continue;
      json_builder_set_member_name (builder, def->fields[i].name);
      if (pb_record_get (record, i) == NULL)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, pb_record_get (record, i));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  expected = json_generator_to_data (generator, NULL);

  written = pb_store_values_json (record, mask);
  g_assert_cmpstr (written, ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import-write/R1-manager-renamed-in-the-same-file", test_manager_renamed_in_file);
  g_test_add_func ("/import-write/R1-managers-stored-and-new-each-written-once", test_managers_stored_and_new);
  g_test_add_func ("/import-write/R1-children-of-new-and-known-people", test_children_of_new_and_known);
  g_test_add_func ("/import-write/R1-U7-R3-update-add-leave-change-rows-and-outbox", test_update_add_leave);
  g_test_add_func ("/import-write/R1-teams-after-employees-read-again", test_teams_after_employees);
  g_test_add_func ("/import-write/R1-bad-row-after-written-ones", test_bad_row_after_written_ones);
  g_test_add_func ("/import-write/R1-change-json-as-json-glib", test_change_json_as_json_glib);

  return g_test_run ();
}
