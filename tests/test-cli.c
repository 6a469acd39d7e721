/* test-cli.c: paybridge-cli as scripts use it (docs/cli.md)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "pb-test-utils.h"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Runs paybridge-cli with @args (NULL-terminated) and @env_data_dir as
 * PAYBRIDGE_DATA_DIR (or unset when NULL). */
static void
run_cli (Run        *run,
         const char *env_data_dir,
         ...)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, cli);
  va_start (args, env_data_dir);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (env_data_dir != NULL)
    envp = g_environ_setenv (envp, "PAYBRIDGE_DATA_DIR", env_data_dir, TRUE);
  else
    envp = g_environ_unsetenv (envp, "PAYBRIDGE_DATA_DIR");

  run_clear (run);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &run->status, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s\nstderr: %s", run->out, run->err);
}

static int
exit_code (const Run *run)
{
  return WIFEXITED (run->status) ? WEXITSTATUS (run->status) : -1;
}

static gint64
count_people (const char *dir)
{
  Run run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  gint64 count;

  run_cli (&run, NULL, "--data-dir", dir, "people", "--json", NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  count = json_object_get_int_member (root, "count");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "employees")), ==, count);
  run_clear (&run);

  return count;
}

static void
test_import_then_people (void)
{
  g_autofree char *dir = pb_test_make_dir ("cli-demo");
  g_autofree char *demo = pb_test_source_path ("data/demo/hr-demo.json");
  Run run = { 0 };

  if (!g_file_test (demo, G_FILE_TEST_EXISTS))
    {
      pb_test_skip_or_fail ("data/demo/hr-demo.json is missing");
      return;
    }

  run_cli (&run, NULL, "--data-dir", dir, "import", demo, NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "Imported "));
  g_assert_nonnull (strstr (run.out, "employees: "));
  g_assert_cmpint (count_people (dir), >=, 35);

  /* Again: nothing changes. */
  run_cli (&run, NULL, "--data-dir", dir, "import", demo, NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_nonnull (strstr (run.out, "nothing changed"));
  run_clear (&run);
}

static void
test_bad_row (void)
{
  g_autofree char *dir = pb_test_make_dir ("cli-bad");
  g_autofree char *good = pb_test_write_file (dir, "good.csv",
                                              "given_name,family_name,email\n"
                                              "Kari,Nordmann,kari@acme.no\n");
  g_autofree char *bad = pb_test_write_file (dir, "bad.csv",
                                             "given_name,family_name,email,bank_account\n"
                                             "Per,Berg,per@acme.no,\n"
                                             "Liv,Dahl,liv@acme.no,1234.56.78900\n");
  g_autofree char *expected = NULL;
  Run run = { 0 };

  run_cli (&run, NULL, "--data-dir", dir, "import", good, NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_cmpint (count_people (dir), ==, 1);

  run_cli (&run, NULL, "--data-dir", dir, "import", bad, NULL);
  g_assert_cmpint (exit_code (&run), ==, 1);
  expected = g_strdup_printf ("%s:3: bank_account: “1234.56.78900” has a wrong check digit (MOD11): "
                              "check the account number\n", bad);
  g_assert_true (g_str_has_prefix (run.err, expected));
  g_assert_nonnull (strstr (run.err, "1 error; nothing was imported"));
  g_assert_cmpint (count_people (dir), ==, 1);
  run_clear (&run);
}

static void
test_data_dir_from_env (void)
{
  g_autofree char *dir = pb_test_make_dir ("cli-env");
  g_autofree char *file = pb_test_write_file (dir, "p.csv", "given_name,family_name,email\nA,B,a@b.no\n");
  g_autofree char *db = g_build_filename (dir, "store", "paybridge.db", NULL);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  Run run = { 0 };

  run_cli (&run, store, "import", file, NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_people (store), ==, 1);
  run_clear (&run);
}

static void
test_usage_errors (void)
{
  g_autofree char *dir = pb_test_make_dir ("cli-usage");
  Run run = { 0 };

  run_cli (&run, NULL, "--data-dir", dir, NULL);
  g_assert_cmpint (exit_code (&run), ==, 2);
  run_cli (&run, NULL, "--data-dir", dir, "frobnicate", NULL);
  g_assert_cmpint (exit_code (&run), ==, 2);
  g_assert_nonnull (strstr (run.err, "unknown command “frobnicate”"));
  run_cli (&run, NULL, "--data-dir", dir, "import", NULL);
  g_assert_cmpint (exit_code (&run), ==, 2);
  run_cli (&run, NULL, "--data-dir", dir, "people", "--bogus", NULL);
  g_assert_cmpint (exit_code (&run), ==, 2);
  run_cli (&run, NULL, "--help", NULL);
  g_assert_cmpint (exit_code (&run), ==, 0);
  g_assert_nonnull (strstr (run.out, "import"));
  run_cli (&run, NULL, "--data-dir", dir, "import", "/nonexistent/file.json", NULL);
  g_assert_cmpint (exit_code (&run), ==, 1);
  run_cli (&run, NULL, "--data-dir", dir, "import", "notes.txt", NULL);
  g_assert_cmpint (exit_code (&run), ==, 1);
  g_assert_nonnull (strstr (run.err, ".json (paybridge-hr/1) and .csv"));
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/import-then-people-json", test_import_then_people);
  g_test_add_func ("/cli/bad-row-exits-1-and-writes-nothing", test_bad_row);
  g_test_add_func ("/cli/data-dir-from-env", test_data_dir_from_env);
  g_test_add_func ("/cli/usage-errors-exit-2", test_usage_errors);

  return g_test_run ();
}
