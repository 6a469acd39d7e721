/* test-cli-person.c: paybridge-cli person show and person set (docs/cli.md):
 * one person and what payroll knows of them; one change with the import's
 * checks, through the outbox to the payroll sandbox (GET /_sandbox/state)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "pb-outbox.h"
#include "pb-store.h"
#include "pb-test-utils.h"

static const char sandbox_tokens[] = "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n";

static const char register_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"sbx\", \"name\": \"Sandbox AS\", \"currency\": \"NOK\" } ],"
  "  \"teams\": [ { \"key\": \"ops\", \"name\": \"Operations\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\", \"company\": \"sbx\","
  "      \"phone\": \"+47 900 00 001\", \"team\": \"ops\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\", \"percentage\": 80 } ],"
  "      \"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": 50000, \"currency\": \"NOK\","
  "                        \"period_unit\": \"monthly\" } ] },"
  "    { \"given_name\": \"Per\", \"family_name\": \"Hansen\", \"email\": \"per@acme.no\", \"company\": \"sbx\" } ] }";

typedef struct
{
  GSubprocess *sandbox;   /* (nullable): only the test that pushes starts it */
  char        *base;      /* http://127.0.0.1:PORT */
  char        *data_dir;
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

/* --- running paybridge-cli ---------------------------------------------------------- */

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* paybridge-cli --data-dir (the fixture's) ARGS..., NULL, with @input on
 * standard input */
static void G_GNUC_NULL_TERMINATED
run_cli (Fixture    *f,
         Run        *run,
         const char *input,
         ...)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, f->data_dir);
  va_start (args, input);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  run_clear (run);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("paybridge-cli %s: exit %d\nstdout: %s\nstderr: %s",
                  (const char *) g_ptr_array_index (argv, 3), run->status, run->out, run->err);
}

static void
import_json (Fixture    *f,
             const char *name,
             const char *json)
{
  g_autofree char *file = pb_test_write_file (f->data_dir, name, json);
  Run run = { 0 };

  run_cli (f, &run, NULL, "import", file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

static JsonObject *
parse_object (const char *text,
              JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

/* The register as another process sees it: the newest change and Kari's
 * phone. */
static gint64
max_change_id (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (f->data_dir, &error);

  g_assert_no_error (error);
  return pb_store_max_change_id (store);
}

static char *
stored_field (Fixture    *f,
              const char *email,
              guint       field)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (f->data_dir, &error);
  g_autoptr(PbRecord) person = NULL;

  g_assert_no_error (error);
  person = pb_store_find_employee (store, NULL, email, &error);
  g_assert_no_error (error);
  g_assert_nonnull (person);
  return g_strdup (pb_record_get (person, field));
}

/* The import's message for @field given as @value: what person set must
 * say too. */
static char *
import_message (Fixture    *f,
                const char *field,
                const char *value)
{
  g_autofree char *json = g_strdup_printf ("{ \"format\": \"paybridge-hr/1\", \"employees\": [ "
                                           "{ \"email\": \"kari@acme.no\", \"%s\": \"%s\" } ] }", field, value);
  g_autofree char *file = pb_test_write_file (f->data_dir, "bad.json", json);
  g_autofree char *prefix = g_strdup_printf ("%s:$.employees[0]: %s: ", file, field);
  Run run = { 0 };
  const char *start;
  char *message;

  run_cli (f, &run, NULL, "import", file, NULL);
  g_assert_cmpint (run.status, ==, 1);
  start = strstr (run.err, prefix);
  g_assert_nonnull (start);
  start += strlen (prefix);
  message = g_strndup (start, strcspn (start, "\n"));
  run_clear (&run);
  return message;
}

/* --- the payroll sandbox ------------------------------------------------------------ */

static void
start_sandbox (Fixture *f)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  f->sandbox = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--system", "tripletex",
                              "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->sandbox));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  f->base = g_strdup (line + strlen ("listening on "));
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GBytes **bytes = user_data;

  *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  if (*bytes == NULL)
    *bytes = g_bytes_new ("", 0);
}

/* GET /_sandbox/state: payroll's employee with @email. */
static JsonNode *
payroll_employee (Fixture    *f,
                  const char *email)
{
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/state", f->base);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *employees;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);

  employees = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "employees");
  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0)
        return json_node_copy (json_array_get_element (employees, i));
    }

  return NULL;
}

/* --- fixture ---------------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->data_dir = pb_test_make_dir ("cli-person");
  import_json (f, "register.json", register_json);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->sandbox != NULL)
    {
      g_subprocess_send_signal (f->sandbox, SIGTERM);
      g_subprocess_wait (f->sandbox, NULL, NULL);
      g_clear_object (&f->sandbox);
    }
  g_free (f->base);
  g_free (f->data_dir);
}

/* --- tests -------------------------------------------------------------------------- */

static void
test_show (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *employee, *position;
  JsonArray *positions;
  Run run = { 0 };

  run_cli (f, &run, NULL, "person", "show", "KARI@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "Kari Nordmann <kari@acme.no>\n"));
  g_assert_nonnull (strstr (run.out, "  phone                  +47 900 00 001\n"));
  g_assert_nonnull (strstr (run.out, "\npositions (1)\n  position from 2024-01-01\n"));
  g_assert_nonnull (strstr (run.out, "    title                  Developer\n"));
  g_assert_nonnull (strstr (run.out, "\nabsences (0)\n"));
  g_assert_nonnull (strstr (run.out, "\nsalaries (1)\n  salary from 2024-01-01\n"));
  g_assert_nonnull (strstr (run.out, "No connection is active"));
  /* Only Kari's. */
  g_assert_null (strstr (run.out, "Hansen"));

  run_cli (f, &run, NULL, "person", "show", "kari@acme.no", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out, parser);
  employee = json_object_get_object_member (root, "employee");
  g_assert_cmpstr (json_object_get_string_member (employee, "email"), ==, "kari@acme.no");
  g_assert_cmpstr (json_object_get_string_member (employee, "team"), ==, "ops");
  g_assert_true (json_object_get_null_member (employee, "iban"));
  g_assert_cmpint (json_object_get_int_member (employee, "id"), >, 0);
  positions = json_object_get_array_member (root, "positions");
  g_assert_cmpuint (json_array_get_length (positions), ==, 1);
  position = json_array_get_object_element (positions, 0);
  g_assert_cmpstr (json_object_get_string_member (position, "percentage"), ==, "80");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "absences")), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "salaries")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "connections")), ==, 0);

  run_cli (f, &run, NULL, "person", "show", "nobody@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "There is no employee with the email “nobody@acme.no” in the HR register"));
  g_assert_cmpstr (run.out, ==, "");
  run_clear (&run);
}

/* A bad value gets the import's message, a non-zero exit and writes
 * nothing, not even the good values given with it (one transaction). */
static void
test_set_bad_value (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *date_message = import_message (f, "date_of_birth", "1990-02-31");
  g_autofree char *team_message = import_message (f, "team", "nowhere");
  g_autofree char *date_line = g_strdup_printf ("kari@acme.no: date_of_birth: %s\n", date_message);
  g_autofree char *team_line = g_strdup_printf ("kari@acme.no: team: %s\n", team_message);
  g_autofree char *phone = NULL;
  gint64 before = max_change_id (f);
  Run run = { 0 };

  g_assert_nonnull (strstr (date_message, "1990-02-31"));

  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "phone=+47 911 11 111", "date_of_birth=1990-02-31",
           NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, date_line));
  g_assert_nonnull (strstr (run.err, "paybridge-cli: kari@acme.no: 1 error; nothing was changed\n"));
  g_assert_cmpstr (run.out, ==, "");

  /* A reference is checked against the register, as the import does. */
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "team=nowhere", "phone=+47 911 11 111", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, team_line));

  /* Required fields stay required. */
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "given_name=", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "kari@acme.no: given_name: is required and cannot be empty\n"));

  /* The email is someone else's. */
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "email=PER@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "kari@acme.no: email: “PER@acme.no” belongs to another employee in the "
                                     "register (Per Hansen, per@acme.no)\n"));

  g_assert_cmpint (max_change_id (f), ==, before);
  phone = stored_field (f, "kari@acme.no", PB_EMPLOYEE_PHONE);
  g_assert_cmpstr (phone, ==, "+47 900 00 001");
  run_clear (&run);
}

static void
test_set_unknown (Fixture       *f,
                  gconstpointer  data)
{
  gint64 before = max_change_id (f);
  Run run = { 0 };

  run_cli (f, &run, NULL, "person", "set", "nobody@acme.no", "phone=+47 911 11 111", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.err, ==, "paybridge-cli: There is no employee with the email “nobody@acme.no” in the "
                                "HR register\n");

  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "phone=+47 911 11 111", "colour=red", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_true (g_str_has_prefix (run.err, "kari@acme.no: colour: unknown field (the fields are: "
                                            "employee_number, given_name, "));
  g_assert_nonnull (strstr (run.err, "paybridge-cli: kari@acme.no: 1 error; nothing was changed\n"));

  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "phone=1", "PHONE=2", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "kari@acme.no: phone: is given twice\n"));

  /* Not FIELD=VALUE, or no change at all: usage errors. */
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "phone", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "“phone” is not FIELD=VALUE"));
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (f, &run, NULL, "person", "frobnicate", NULL);
  g_assert_cmpint (run.status, ==, 2);

  g_assert_cmpint (max_change_id (f), ==, before);
  run_clear (&run);
}

/* The change is one row of the change log, which the outbox sends at the
 * next push (SPEC C5); person show follows it from waiting to sent. */
static void
test_set_reaches_payroll (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  g_autoptr(JsonNode) payroll = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *payroll_id = NULL;
  g_autofree char *linked = NULL;
  JsonObject *root, *connection;
  JsonArray *records;
  PbChange *change;
  gint64 before;
  Run run = { 0 };

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  start_sandbox (f);
  api_url = g_strdup_printf ("%s/v2", f->base);
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", api_url, "--sync", "users,positions", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);

  payroll = payroll_employee (f, "kari@acme.no");
  g_assert_nonnull (payroll);
  payroll_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (json_node_get_object (payroll),
                                                                                  "id"));
  g_clear_pointer (&payroll, json_node_unref);

  /* Linked; the employee as sent; her position never sent (it was in
   * the register before the connection became active, SPEC C5). */
  run_cli (f, &run, NULL, "person", "show", "kari@acme.no", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out, parser);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "connections")), ==, 1);
  connection = json_array_get_object_element (json_object_get_array_member (root, "connections"), 0);
  g_assert_cmpstr (json_object_get_string_member (connection, "name"), ==, "Acme");
  g_assert_cmpstr (json_object_get_string_member (connection, "state"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (connection, "link"), ==, "linked");
  g_assert_cmpstr (json_object_get_string_member (connection, "payroll_id"), ==, payroll_id);
  g_assert_cmpstr (json_object_get_string_member (connection, "sync"), ==, "sent");
  records = json_object_get_array_member (connection, "records");
  g_assert_cmpuint (json_array_get_length (records), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (records, 0), "entity"), ==,
                   "position");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (records, 0), "sync"), ==,
                   "not-sent");
  /* Salary is not among what Acme syncs. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (records, 1), "sync"), ==, "off");

  run_cli (f, &run, NULL, "person", "show", "kari@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 0);
  linked = g_strdup_printf ("\nAcme (Tripletex, active)\n  link                         linked (Tripletex id %s)\n"
                            "  employee                     sent (Tripletex id %s)\n"
                            "  position from 2024-01-01     not sent\n"
                            "  salary from 2024-01-01       not synced by this connection\n",
                            payroll_id, payroll_id);
  g_assert_nonnull (strstr (run.out, linked));

  /* The change. */
  before = max_change_id (f);
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "phone=+47 912 34 567", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Changed kari@acme.no: employees: 0 created, 1 updated, 0 deleted\n");

  store = pb_store_open (f->data_dir, &error);
  g_assert_no_error (error);
  changes = pb_store_list_changes (store, before, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 1);
  change = g_ptr_array_index (changes, 0);
  g_assert_cmpint (change->entity, ==, PB_ENTITY_EMPLOYEE);
  g_assert_cmpint (change->op, ==, PB_CHANGE_UPDATE);
  g_assert_cmpstr (change->new_values, ==, "{\"phone\":\"+47 912 34 567\"}");
  g_assert_cmpstr (change->old_values, ==, "{\"phone\":\"+47 900 00 001\"}");

  /* The same values again change nothing. */
  run_cli (f, &run, NULL, "person", "set", "kari@acme.no", "phone=+47 912 34 567", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Nothing changed: kari@acme.no already has those values.\n");
  g_assert_cmpint (max_change_id (f), ==, before + 1);

  run_cli (f, &run, NULL, "person", "show", "kari@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "  employee                     waiting for the next push\n"));

  payroll = payroll_employee (f, "kari@acme.no");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (payroll), "phoneNumberMobile"), !=,
                   "+47 912 34 567");
  g_clear_pointer (&payroll, json_node_unref);

  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);

  payroll = payroll_employee (f, "kari@acme.no");
  g_assert_nonnull (payroll);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (payroll), "phoneNumberMobile"), ==,
                   "+47 912 34 567");

  run_cli (f, &run, NULL, "person", "show", "kari@acme.no", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out, parser2);
  connection = json_array_get_object_element (json_object_get_array_member (root, "connections"), 0);
  g_assert_cmpstr (json_object_get_string_member (connection, "sync"), ==, "sent");

  run_cli (f, &run, NULL, "connection", "remove", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cli/person/show", Fixture, NULL, fixture_set_up, test_show, fixture_tear_down);
  g_test_add ("/cli/person/set/bad-value", Fixture, NULL, fixture_set_up, test_set_bad_value, fixture_tear_down);
  g_test_add ("/cli/person/set/unknown", Fixture, NULL, fixture_set_up, test_set_unknown, fixture_tear_down);
  g_test_add ("/cli/person/set/reaches-payroll", Fixture, NULL, fixture_set_up, test_set_reaches_payroll,
              fixture_tear_down);

  return g_test_run ();
}
