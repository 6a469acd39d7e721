/* test-store.c: PbStore — migrations, file mode, writes and the change log
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "pb-connection.h"
#include "pb-store-private.h"
#include "pb-test-utils.h"

static int
read_user_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return version;
}

static void
exec_sql (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static PbRecord *
make_company (const char *key,
              const char *name)
{
  PbRecord *company = pb_record_new (PB_ENTITY_COMPANY);

  pb_record_set (company, PB_COMPANY_KEY, key);
  pb_record_set (company, PB_COMPANY_NAME, name);
  pb_record_set (company, PB_COMPANY_CURRENCY, "NOK");
  return company;
}

static PbRecord *
make_employee (const char *given,
               const char *family,
               const char *email)
{
  PbRecord *employee = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (employee, PB_EMPLOYEE_GIVEN_NAME, given);
  pb_record_set (employee, PB_EMPLOYEE_FAMILY_NAME, family);
  pb_record_set (employee, PB_EMPLOYEE_EMAIL, email);
  pb_record_set (employee, PB_EMPLOYEE_STATUS, "active");
  return employee;
}

static void
test_fresh (void)
{
  g_autofree char *dir = pb_test_make_dir ("fresh");
  g_autofree char *nested = g_build_filename (dir, "a", "b", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (nested, &error);
  g_autofree char *expected = g_build_filename (nested, "paybridge.db", NULL);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpstr (pb_store_get_path (store), ==, expected);
  g_assert_cmpint (read_user_version (expected), ==, pb_store_schema_version ());
  g_assert_cmpuint (pb_store_schema_version (), >=, 2);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_EMPLOYEE, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_default_dir (void)
{
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "paybridge", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *env_dir = NULL;

  g_unsetenv ("PAYBRIDGE_DATA_DIR");
  dir = pb_store_default_dir ();
  g_assert_cmpstr (dir, ==, expected);

  g_setenv ("PAYBRIDGE_DATA_DIR", "/tmp/somewhere", TRUE);
  env_dir = pb_store_default_dir ();
  g_assert_cmpstr (env_dir, ==, "/tmp/somewhere");
  g_unsetenv ("PAYBRIDGE_DATA_DIR");
}

static void
test_file_mode (void)
{
  g_autofree char *dir = pb_test_make_dir ("mode");
  g_autofree char *path = g_build_filename (dir, "paybridge.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "paybridge.db-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbRecord) company = make_company ("acme", "Acme AS");
  GStatBuf st;
  mode_t old_umask = umask (0);   /* the most permissive umask must not leak through */

  store = pb_store_open (dir, &error);
  umask (old_umask);
  g_assert_no_error (error);

  g_assert_true (pb_store_begin (store, &error));
  g_assert_true (pb_store_save (store, company, NULL, &error));
  g_assert_true (pb_store_commit (store, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
}

static void
test_upgrade (void)
{
  g_autofree char *dir = pb_test_make_dir ("upgrade");
  g_autofree char *path = g_build_filename (dir, "paybridge.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) old = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbRecord) found = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(PbRecord) company = make_company ("acme", "Acme AS");

  /* A file as version 1 left it, with data in it. */
  old = pb_store_open_at_version (dir, 1, &error);
  g_assert_no_error (error);
  g_clear_object (&old);
  g_assert_cmpint (read_user_version (path), ==, 1);
  exec_sql (path, "INSERT INTO companies (key, name, currency) VALUES ('old', 'Old AS', 'NOK')");

  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read_user_version (path), ==, pb_store_schema_version ());

  /* The old data is kept and the new table works. */
  found = pb_store_find_by_key (store, PB_ENTITY_COMPANY, "old", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (pb_record_get (found, PB_COMPANY_NAME), ==, "Old AS");

  g_assert_true (pb_store_begin (store, &error));
  g_assert_true (pb_store_save (store, company, NULL, &error));
  g_assert_true (pb_store_commit (store, &error));
  changes = pb_store_list_changes (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 1);
}

static void
test_refuse_newer (void)
{
  g_autofree char *dir = pb_test_make_dir ("newer");
  g_autofree char *path = g_build_filename (dir, "paybridge.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) first = pb_store_open (dir, &error);
  g_autoptr(PbStore) store = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;

  g_assert_no_error (error);
  g_clear_object (&first);
  exec_sql (path, "PRAGMA user_version = 999");
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));

  store = pb_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "newer version of Paybridge"));
  g_assert_nonnull (strstr (error->message, "999"));

  /* Never downgraded or touched. */
  g_assert_cmpint (read_user_version (path), ==, 999);
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_write_needs_transaction (void)
{
  g_autofree char *dir = pb_test_make_dir ("txn");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbRecord) company = make_company ("acme", "Acme AS");

  g_assert_false (pb_store_save (store, company, NULL, &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NO_TRANSACTION);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_COMPANY, NULL), ==, 0);
}

static void
test_change_rows (void)
{
  g_autofree char *dir = pb_test_make_dir ("changes");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbRecord) team = pb_record_new (PB_ENTITY_TEAM);
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@example.no");
  g_autoptr(PbRecord) position = pb_record_new (PB_ENTITY_POSITION);
  g_autoptr(GPtrArray) changes = NULL;
  PbChangeOp op = PB_CHANGE_NONE;
  PbChange *c;

  pb_record_set (team, PB_TEAM_KEY, "eng");
  pb_record_set (team, PB_TEAM_NAME, "Engineering");
  pb_record_set (kari, PB_EMPLOYEE_TEAM, "eng");

  g_assert_true (pb_store_begin (store, &error));
  g_assert_true (pb_store_save (store, team, &op, &error));
  g_assert_cmpint (op, ==, PB_CHANGE_CREATE);
  g_assert_true (pb_store_save (store, kari, &op, &error));
  g_assert_cmpint (op, ==, PB_CHANGE_CREATE);
  pb_record_set_parent_id (position, pb_record_get_id (kari));
  pb_record_set (position, PB_POSITION_START_DATE, "2024-01-01");
  pb_record_set (position, PB_POSITION_TITLE, "Engineer");
  pb_record_set (position, PB_POSITION_PERCENTAGE, "100");
  g_assert_true (pb_store_save (store, position, &op, &error));
  g_assert_true (pb_store_commit (store, &error));
  g_assert_no_error (error);

  /* An update writes only what differs; saving the same again writes nothing. */
  g_assert_true (pb_store_begin (store, &error));
  pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 900 00 000");
  g_assert_true (pb_store_save (store, kari, &op, &error));
  g_assert_cmpint (op, ==, PB_CHANGE_UPDATE);
  g_assert_true (pb_store_save (store, kari, &op, &error));
  g_assert_cmpint (op, ==, PB_CHANGE_NONE);
  g_assert_true (pb_store_delete (store, position, &error));
  g_assert_true (pb_store_commit (store, &error));
  g_assert_no_error (error);

  changes = pb_store_list_changes (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 5);

  c = g_ptr_array_index (changes, 1);
  g_assert_cmpint (c->entity, ==, PB_ENTITY_EMPLOYEE);
  g_assert_cmpint (c->op, ==, PB_CHANGE_CREATE);
  g_assert_cmpint (c->record_id, ==, pb_record_get_id (kari));
  g_assert_cmpint (c->employee_id, ==, pb_record_get_id (kari));
  g_assert_null (c->old_values);
  g_assert_cmpstr (c->new_values, ==,
                   "{\"given_name\":\"Kari\",\"family_name\":\"Nordmann\",\"email\":\"kari@example.no\","
                   "\"team\":\"eng\",\"status\":\"active\"}");

  c = g_ptr_array_index (changes, 2);
  g_assert_cmpint (c->entity, ==, PB_ENTITY_POSITION);
  g_assert_cmpint (c->employee_id, ==, pb_record_get_id (kari));

  c = g_ptr_array_index (changes, 3);
  g_assert_cmpint (c->op, ==, PB_CHANGE_UPDATE);
  g_assert_cmpstr (c->old_values, ==, "{\"phone\":null}");
  g_assert_cmpstr (c->new_values, ==, "{\"phone\":\"+47 900 00 000\"}");

  c = g_ptr_array_index (changes, 4);
  g_assert_cmpint (c->op, ==, PB_CHANGE_DELETE);
  g_assert_cmpint (c->entity, ==, PB_ENTITY_POSITION);
  g_assert_nonnull (strstr (c->old_values, "\"title\":\"Engineer\""));
  g_assert_null (c->new_values);
}

static void
test_rollback_keeps_nothing (void)
{
  g_autofree char *dir = pb_test_make_dir ("rollback");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@example.no");
  g_autoptr(PbRecord) dup = make_employee ("Kari", "Other", "KARI@example.no");
  g_autoptr(GPtrArray) changes = NULL;

  g_assert_true (pb_store_begin (store, &error));
  g_assert_true (pb_store_save (store, kari, NULL, &error));
  /* Emails are unique case-insensitively (SPEC U1). */
  g_assert_false (pb_store_save (store, dup, NULL, &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT);
  pb_store_rollback (store);

  g_assert_cmpint (pb_store_count (store, PB_ENTITY_EMPLOYEE, NULL), ==, 0);
  changes = pb_store_list_changes (store, 0, NULL);
  g_assert_cmpuint (changes->len, ==, 0);
}

static void
test_unknown_reference (void)
{
  g_autofree char *dir = pb_test_make_dir ("ref");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@example.no");

  pb_record_set (kari, PB_EMPLOYEE_TEAM, "nope");
  g_assert_true (pb_store_begin (store, &error));
  g_assert_false (pb_store_save (store, kari, NULL, &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT);
  g_assert_cmpstr (error->message, ==, "team: there is no team “nope” in the HR register");
  pb_store_rollback (store);
}

/* SPEC C1, C3: a connection has a name, a system and a scope, and starts
 * established, not active. No secret has a column. */
static void
test_connections (void)
{
  g_autofree char *dir = pb_test_make_dir ("connections");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbConnection) c = pb_connection_new ();
  g_autoptr(PbConnection) dup = pb_connection_new ();
  g_autoptr(PbConnection) found = NULL;
  g_autoptr(PbRecord) team = pb_record_new (PB_ENTITY_TEAM);
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *scope = NULL;

  c->name = g_strdup ("Acme payroll");
  c->system = g_strdup ("tripletex");
  c->sync_types = PB_DATA_USERS | PB_DATA_SALARY;

  /* A scope must name something in the register. */
  g_assert_true (pb_connection_parse_scope (c, "team:eng", &error));
  g_assert_false (pb_store_save_connection (store, c, &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT);
  g_assert_cmpstr (error->message, ==, "There is no team “eng” in the HR register");
  g_clear_error (&error);

  pb_record_set (team, PB_TEAM_KEY, "eng");
  pb_record_set (team, PB_TEAM_NAME, "Engineering");
  g_assert_true (pb_store_begin (store, NULL));
  g_assert_true (pb_store_save (store, team, NULL, NULL));
  g_assert_true (pb_store_commit (store, NULL));

  g_assert_true (pb_store_save_connection (store, c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c->id, >, 0);
  g_assert_nonnull (c->created_at);

  found = pb_store_find_connection (store, "Acme payroll", &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->state, ==, PB_CONNECTION_ESTABLISHED);
  g_assert_cmpint (found->sync_types, ==, PB_DATA_USERS | PB_DATA_SALARY);
  scope = pb_connection_dup_scope (found);
  g_assert_cmpstr (scope, ==, "team:eng");

  dup->name = g_strdup ("Acme payroll");
  dup->system = g_strdup ("tripletex");
  g_assert_false (pb_store_save_connection (store, dup, &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  g_assert_false (pb_connection_parse_scope (dup, "department:x", &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  found->state = PB_CONNECTION_ACTIVE;
  g_assert_true (pb_store_save_connection (store, found, &error));
  all = pb_store_list_connections (store, &error);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpint (((PbConnection *) g_ptr_array_index (all, 0))->state, ==, PB_CONNECTION_ACTIVE);

  g_assert_true (pb_store_delete_connection (store, found, &error));
  g_clear_pointer (&all, g_ptr_array_unref);
  all = pb_store_list_connections (store, &error);
  g_assert_cmpuint (all->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/store/migrations/fresh", test_fresh);
  g_test_add_func ("/store/migrations/upgrade-keeps-data", test_upgrade);
  g_test_add_func ("/store/migrations/refuse-newer", test_refuse_newer);
  g_test_add_func ("/store/default-dir", test_default_dir);
  g_test_add_func ("/store/file-mode-0600", test_file_mode);
  g_test_add_func ("/store/write-needs-transaction", test_write_needs_transaction);
  g_test_add_func ("/store/change-rows", test_change_rows);
  g_test_add_func ("/store/rollback-keeps-nothing", test_rollback_keeps_nothing);
  g_test_add_func ("/store/unknown-reference", test_unknown_reference);
  g_test_add_func ("/store/connections", test_connections);

  return g_test_run ();
}
