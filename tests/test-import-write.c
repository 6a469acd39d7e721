/* test-import-write.c: the import's write phase (issue 14, item 3): the
 * order in which new employees are written is decided from the file's own
 * index, not a store query per employee, and stays what the register needs
 * (SPEC R1: a good file is written whole, each person once)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-import.h"
#include "pb-store.h"
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/import-write/R1-manager-renamed-in-the-same-file", test_manager_renamed_in_file);
  g_test_add_func ("/import-write/R1-managers-stored-and-new-each-written-once", test_managers_stored_and_new);
  g_test_add_func ("/import-write/R1-children-of-new-and-known-people", test_children_of_new_and_known);

  return g_test_run ();
}
