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

/* Every row of @table (every column, quoted as SQL writes it) in id order,
 * one line each; or, for "sqlite_master", the schema's indexes. */
static char *
dump_rows (sqlite3    *db,
           const char *table)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;

  if (g_str_equal (table, "sqlite_master"))
    sql = g_strdup ("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name");
  else
    sql = g_strdup_printf ("SELECT * FROM %s ORDER BY rowid", table);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);

          g_string_append_printf (out, "%s=%s%s", sqlite3_column_name (stmt, i),
                                  text != NULL ? text : "NULL",
                                  i + 1 < sqlite3_column_count (stmt) ? "|" : "\n");
        }
    }
  sqlite3_finalize (stmt);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
insert_has_ephemeral_table (sqlite3    *db,
                            const char *insert)
{
  g_autofree char *sql = g_strdup_printf ("EXPLAIN %s", insert);
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    found |= g_str_equal ((const char *) sqlite3_column_text (stmt, 1), "OpenEphemeral");
  sqlite3_finalize (stmt);

  return found;
}

/* A write @db refuses with a CHECK constraint that @message names. */
static void
assert_check_refuses (sqlite3    *db,
                      const char *sql,
                      const char *message)
{
  /* The store's connection gives extended result codes. */
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_CONSTRAINT_CHECK);
  g_assert_cmpstr (sqlite3_errmsg (db), ==, message);
}

/* Version 13 rebuilds the tables whose CHECK used an IN list (employees,
 * absences, salaries, changes, outbox): a register of version 12 keeps
 * every row, id, index, reference and constraint, and their INSERTs no
 * longer build a temporary b-tree per row. */
static void
test_upgrade_rebuilt_tables (void)
{
  static const char * const tables[] = {
    "employees", "positions", "absences", "salaries", "changes", "outbox", "user_plan_items",
    "connection_types", "sqlite_master",
  };
  static const char * const inserts[] = {
    "INSERT INTO employees (given_name, family_name, email, status) VALUES ('A', 'B', 'c@d', ?)",
    "INSERT INTO absences (employee_id, type_id, start_date, state) VALUES (1, 1, '2025-01-01', ?)",
    "INSERT INTO salaries (employee_id, start_date, amount, currency, period_unit) "
    "VALUES (1, '2025-01-01', '1', 'NOK', ?)",
    "INSERT INTO changes (at, entity, record_id, op) VALUES ('x', 'team', 1, ?)",
    "INSERT INTO outbox (connection_id, entity, record_id, change_id, created_at, state) "
    "VALUES (1, 'employee', 1, 1, 'x', ?)",
  };
  g_autofree char *dir = pb_test_make_dir ("upgrade-13");
  g_autofree char *path = g_build_filename (dir, "paybridge.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) old = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PbRecord) kari = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpuint (pb_store_schema_version (), >=, 13);
  old = pb_store_open_at_version (dir, 12, &error);
  g_assert_no_error (error);
  db = pb_store_get_db (old);
  g_assert_cmpint (sqlite3_exec (db,
    "INSERT INTO companies (id, key, name, currency) VALUES (1, 'acme', 'Acme AS', 'NOK');"
    "INSERT INTO teams (id, key, name) VALUES (1, 'eng', 'Engineering');"
    "INSERT INTO absence_types (id, key, name) VALUES (1, 'sick', 'Sick leave');"
    "INSERT INTO employees (id, employee_number, given_name, family_name, email, company_id, team_id, status)"
    "  VALUES (7, '100', 'Kari', 'Nordmann', 'kari@example.no', 1, 1, 'active');"
    "INSERT INTO employees (id, employee_number, given_name, family_name, email, manager_id, absence_manager_id,"
    "  first_workday, last_workday, status)"
    "  VALUES (9, '101', 'Ola', 'Nordmann', 'Ola@Example.no', 7, 7, '2020-01-01', '2024-12-31', 'deactivated');"
    "INSERT INTO positions (id, employee_id, start_date, title) VALUES (3, 7, '2020-01-01', 'Engineer');"
    "INSERT INTO positions (id, employee_id, start_date, end_date, title, percentage)"
    "  VALUES (4, 9, '2020-01-01', '2024-12-31', 'Tester', '50');"
    "INSERT INTO absences (id, employee_id, type_id, start_date, end_date, percentage, state, note)"
    "  VALUES (5, 7, 1, '2025-02-03', '2025-02-04', '100', 'approved', 'flu');"
    "INSERT INTO absences (id, employee_id, type_id, start_date, state) VALUES (6, 9, 1, '2024-03-01', 'rejected');"
    "INSERT INTO salaries (id, employee_id, start_date, amount, currency, period_unit)"
    "  VALUES (8, 7, '2020-01-01', '650000.00', 'NOK', 'yearly');"
    "INSERT INTO salaries (id, employee_id, start_date, amount, currency, period_unit, note)"
    "  VALUES (9, 9, '2020-01-01', '250.00', 'NOK', 'hourly', 'part time');"
    "INSERT INTO changes (id, at, entity, record_id, employee_id, op, old_values, new_values)"
    "  VALUES (11, '2025-01-01T00:00:00Z', 'employee', 7, 7, 'create', NULL, '{\"given_name\":\"Kari\"}');"
    "INSERT INTO changes (id, at, entity, record_id, employee_id, op, old_values, new_values)"
    "  VALUES (12, '2025-01-02T00:00:00Z', 'employee', 7, 7, 'update', '{\"phone\":null}', '{\"phone\":\"1\"}');"
    "INSERT INTO changes (id, at, entity, record_id, employee_id, op, old_values)"
    "  VALUES (13, '2025-01-03T00:00:00Z', 'position', 2, 7, 'delete', '{\"title\":\"X\"}');"
    "INSERT INTO connections (id, name, system, created_at) VALUES (1, 'Tripletex', 'tripletex', 'x');"
    "INSERT INTO connection_types (connection_id, type, activated_change, activated_at)"
    "  VALUES (1, 'users', 11, 'x');"
    "INSERT INTO outbox (id, connection_id, entity, record_id, employee_id, change_id, created_at, attempts, state,"
    "  finished_at) VALUES (21, 1, 'employee', 7, 7, 11, 'x', 2, 'done', 'y');"
    "INSERT INTO outbox (id, connection_id, entity, record_id, employee_id, change_id, created_at, state)"
    "  VALUES (22, 1, 'employee', 7, 7, 12, 'x', 'attention');"
    "INSERT INTO user_plans (id, connection_id, created_at) VALUES (1, 1, 'x');"
    "INSERT INTO user_plan_items (plan_id, position, kind, employee_id) VALUES (1, 0, 'create', 9);",
    NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (inserts); i++)
    g_assert_true (insert_has_ephemeral_table (db, inserts[i]));
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    g_ptr_array_add (before, dump_rows (db, tables[i]));
  g_clear_object (&old);
  g_assert_cmpint (read_user_version (path), ==, 12);

  /* Up to 13 only: 14 adds the sort-key columns (test_upgrade_sort_keys). */
  store = pb_store_open_at_version (dir, 13, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read_user_version (path), ==, 13);
  db = pb_store_get_db (store);

  /* Every row, with its id, and every index, by name and definition. */
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *after = dump_rows (db, tables[i]);

      g_assert_cmpstr (after, ==, g_ptr_array_index (before, i));
    }
  g_assert_nonnull (strstr (g_ptr_array_index (before, 8), "name=employees_email|"));
  g_assert_nonnull (strstr (g_ptr_array_index (before, 8), "name=outbox_open|"));
  g_assert_nonnull (strstr (g_ptr_array_index (before, 8), "name=sqlite_autoindex_absences_1|"));

  /* No temporary b-tree per INSERT any more. */
  for (guint i = 0; i < G_N_ELEMENTS (inserts); i++)
    g_assert_false (insert_has_ephemeral_table (db, inserts[i]));

  /* Foreign keys are on again, and the rebuilt tables' references hold. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA foreign_keys", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO positions (employee_id, start_date, title)"
                                     " VALUES (99, '2020-01-01', 'Ghost')", NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT_FOREIGNKEY);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE employees SET manager_id = 98 WHERE id = 9", NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT_FOREIGNKEY);

  /* The same values are refused, the constraint named; the others are
   * still taken. */
  assert_check_refuses (db, "UPDATE employees SET status = 'gone' WHERE id = 7",
                        "CHECK constraint failed: status = 'active' OR status = 'deactivated' OR status = 'deleted'");
  assert_check_refuses (db, "UPDATE employees SET status = 'Active' WHERE id = 7",
                        "CHECK constraint failed: status = 'active' OR status = 'deactivated' OR status = 'deleted'");
  assert_check_refuses (db, "UPDATE employees SET last_workday = '2019-01-01' WHERE id = 9",
                        "CHECK constraint failed: last_workday IS NULL OR first_workday IS NULL OR "
                        "last_workday >= first_workday");
  assert_check_refuses (db, "UPDATE absences SET state = 'maybe' WHERE id = 5",
                        "CHECK constraint failed: state = 'pending' OR state = 'approved' OR state = 'unapproved' "
                        "OR state = 'rejected'");
  assert_check_refuses (db, "UPDATE salaries SET period_unit = 'weekly' WHERE id = 8",
                        "CHECK constraint failed: period_unit = 'monthly' OR period_unit = 'yearly' OR "
                        "period_unit = 'hourly'");
  assert_check_refuses (db, "UPDATE changes SET op = 'move' WHERE id = 11",
                        "CHECK constraint failed: op = 'create' OR op = 'update' OR op = 'delete'");
  assert_check_refuses (db, "UPDATE outbox SET state = 'failed' WHERE id = 22",
                        "CHECK constraint failed: state = 'pending' OR state = 'attention' OR state = 'held' OR "
                        "state = 'done' OR state = 'superseded' OR state = 'discarded'");
  g_assert_cmpint (sqlite3_exec (db,
    "UPDATE employees SET status = 'deleted' WHERE id = 7;"
    "UPDATE absences SET state = 'unapproved' WHERE id = 5;"
    "UPDATE salaries SET period_unit = 'monthly' WHERE id = 8;"
    "UPDATE outbox SET state = 'discarded' WHERE id = 22;",
    NULL, NULL, NULL), ==, SQLITE_OK);

  /* The unique indexes still refuse (SPEC U1: emails case-insensitively),
   * through the store's own writes too. */
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO employees (given_name, family_name, email)"
                                     " VALUES ('O', 'N', 'OLA@example.NO')", NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT_UNIQUE);
  kari = pb_store_find_employee (store, NULL, "KARI@example.no", &error);
  g_assert_no_error (error);
  g_assert_nonnull (kari);
  g_assert_cmpint (pb_record_get_id (kari), ==, 7);

  /* ON DELETE CASCADE is kept: deleting Ola takes his position, absence
   * and salary (after his plan item, which refers to him without one). */
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM user_plan_items; DELETE FROM employees WHERE id = 9",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
    "SELECT (SELECT count(*) FROM positions), (SELECT count(*) FROM absences), (SELECT count(*) FROM salaries)",
    -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 1);
  g_assert_cmpint (sqlite3_column_int (stmt, 2), ==, 1);
  sqlite3_finalize (stmt);
}

/* The family names of the register's People pages in @sort, joined by
 * spaces. */
static char *
people_order (PbStore      *store,
              PbPeopleSort  sort)
{
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GString) names = g_string_new (NULL);

  query.sort = sort;
  page = pb_store_list_people_page (store, &query, 0, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < page->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? " " : "",
                            pb_record_get (g_ptr_array_index (page, i), PB_EMPLOYEE_FAMILY_NAME));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static char *
column_text (sqlite3    *db,
             const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

/* The details of EXPLAIN QUERY PLAN @sql, joined by "; ". */
static char *
query_plan (sqlite3    *db,
            const char *sql)
{
  g_autofree char *explain = g_strdup_printf ("EXPLAIN QUERY PLAN %s", sql);
  sqlite3_stmt *stmt = NULL;
  GString *plan = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s; ", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (plan, FALSE);
}

/* Version 14 gives every name its sort key: a register of version 13
 * sorts its existing people in the Norwegian alphabet (Æ, Ø, Å after Z)
 * at once, by name and by team. */
static void
test_upgrade_sort_keys (void)
{
  g_autofree char *dir = pb_test_make_dir ("upgrade-14");
  g_autofree char *path = g_build_filename (dir, "paybridge.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) old = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autofree char *by_name = NULL;
  g_autofree char *by_team = NULL;
  g_autofree char *family_sort = NULL;
  g_autofree char *team_sort = NULL;
  g_autofree char *plan = NULL;

  g_assert_cmpuint (pb_store_schema_version (), >=, 14);
  old = pb_store_open_at_version (dir, 13, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (old),
    "INSERT INTO teams (id, key, name) VALUES (1, 'a', 'Åfjord'), (2, 'b', 'Ørsta'), (3, 'c', 'Zeta');"
    "INSERT INTO employees (id, given_name, family_name, email, team_id) VALUES"
    "  (1, 'Per', 'Åsen', 'per@example.no', 1),"
    "  (2, 'Kari', 'Ødegård', 'kari@example.no', 2),"
    "  (3, 'Ola', 'Ærø', 'ola@example.no', 3),"
    "  (4, 'Liv', 'Berg', 'liv@example.no', 1),"
    "  (5, 'Åse', 'Øyen', 'ase@example.no', 2);",
    NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&old);

  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read_user_version (path), ==, pb_store_schema_version ());

  family_sort = column_text (pb_store_get_db (store), "SELECT family_sort FROM employees WHERE id = 3");
  g_assert_cmpstr (family_sort, ==, "\xc2\x80r\xc2\x81"); /* ærø: æ, r, ø */
  team_sort = column_text (pb_store_get_db (store), "SELECT name_sort FROM teams WHERE id = 1");
  g_assert_cmpstr (team_sort, ==, "\xc2\x82" "fjord");

  by_name = people_order (store, PB_PEOPLE_SORT_REGISTER);
  g_assert_cmpstr (by_name, ==, "Berg Ærø Ødegård Øyen Åsen");
  /* teams Zeta < Ørsta < Åfjord; within a team, the register's order */
  by_team = people_order (store, PB_PEOPLE_SORT_TEAM);
  g_assert_cmpstr (by_team, ==, "Ærø Ødegård Øyen Berg Åsen");

  /* The default order is read from an index, not sorted per page. */
  plan = query_plan (pb_store_get_db (store),
                     "SELECT id FROM employees ORDER BY family_sort, given_sort, id LIMIT 256 OFFSET 256");
  g_assert_nonnull (strstr (plan, "COVERING INDEX employees_sort"));
  g_assert_null (strstr (plan, "TEMP B-TREE"));
}

/* A save writes the key with the name: an insert, and an update that
 * renames (from Aasen, among the A's, to Åsen, after Z). */
static void
test_save_sets_sort_key (void)
{
  g_autofree char *dir = pb_test_make_dir ("sort-key-save");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbRecord) aasen = make_employee ("Per", "Aasen", "per@example.no");
  g_autoptr(PbRecord) berg = make_employee ("Liv", "Berg", "liv@example.no");
  g_autoptr(PbRecord) team = pb_record_new (PB_ENTITY_TEAM);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *key = NULL;
  g_autofree char *team_key = NULL;
  g_autofree char *email_key = NULL;

  pb_record_set (team, PB_TEAM_KEY, "t");
  pb_record_set (team, PB_TEAM_NAME, "Øst");
  g_assert_true (pb_store_begin (store, &error));
  g_assert_true (pb_store_save (store, aasen, NULL, &error));
  g_assert_true (pb_store_save (store, berg, NULL, &error));
  g_assert_true (pb_store_save (store, team, NULL, &error));
  g_assert_true (pb_store_commit (store, &error));
  g_assert_no_error (error);
  before = people_order (store, PB_PEOPLE_SORT_REGISTER);
  g_assert_cmpstr (before, ==, "Aasen Berg");
  team_key = column_text (pb_store_get_db (store), "SELECT name_sort FROM teams");
  g_assert_cmpstr (team_key, ==, "\xc2\x81st");

  pb_record_set (aasen, PB_EMPLOYEE_FAMILY_NAME, "Åsen");
  pb_record_set (aasen, PB_EMPLOYEE_EMAIL, "PER.ÅSEN@example.no");
  g_assert_true (pb_store_begin (store, &error));
  g_assert_true (pb_store_save (store, aasen, NULL, &error));
  g_assert_true (pb_store_commit (store, &error));
  g_assert_no_error (error);
  after = people_order (store, PB_PEOPLE_SORT_REGISTER);
  g_assert_cmpstr (after, ==, "Berg Åsen");
  key = column_text (pb_store_get_db (store), "SELECT family_sort FROM employees WHERE family_name = 'Åsen'");
  g_assert_cmpstr (key, ==, "\xc2\x82sen");
  email_key = column_text (pb_store_get_db (store), "SELECT email_sort FROM employees WHERE family_name = 'Åsen'");
  g_assert_cmpstr (email_key, ==, "per.\xc2\x82sen@example.no");
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
  g_test_add_func ("/store/migrations/13-rebuilt-tables-keep-everything", test_upgrade_rebuilt_tables);
  g_test_add_func ("/store/migrations/14-sort-keys", test_upgrade_sort_keys);
  g_test_add_func ("/store/sort-key-on-save", test_save_sets_sort_key);
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
