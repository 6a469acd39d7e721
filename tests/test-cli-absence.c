/* test-cli-absence.c: absence to payroll end to end: paybridge-cli against
 * a payroll-sandbox process, judged by the sandbox's timesheet entries
 * (GET /_sandbox/state), through the validating proxy too (SPEC A1-A7);
 * the offline review of mappings with the sandbox stopped (A2, A5) and a
 * locked payroll record (A6).
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <libsecret/secret.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "pb-store.h"
#include "pb-test-utils.h"

static const SecretSchema schema = {
  .name = "io.github.paybridge.Paybridge.Secret",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "connection", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

static const char sandbox_tokens[] = "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n";

/* The seeded activities (tests/sandbox/README.md, Seeds). */
#define FERIE 5001
#define PERMISJON_MED_LONN 5006

typedef struct
{
  GSubprocess *sandbox;
  guint        port;
  char        *base;       /* http://127.0.0.1:PORT */
  char        *api_url;    /* …/v2 */
  char        *data_dir;
} Fixture;

/* payroll-sandbox on @port (0: any), optionally seeded; sets f->port. */
static void
start_sandbox (Fixture    *f,
               guint       port,
               const char *seed)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  g_autofree char *port_arg = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (seed != NULL)
    f->sandbox = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--system", "tripletex",
                                "--port", port_arg, "--seed", seed, NULL);
  else
    f->sandbox = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--system", "tripletex",
                                "--port", port_arg, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->sandbox));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  f->port = (guint) g_ascii_strtoull (line + strlen ("listening on http://127.0.0.1:"), NULL, 10);
  g_assert_cmpuint (f->port, >, 0);
  if (port != 0)
    g_assert_cmpuint (f->port, ==, port);
}

static void
stop_sandbox (Fixture *f)
{
  g_subprocess_send_signal (f->sandbox, SIGTERM);
  g_subprocess_wait (f->sandbox, NULL, NULL);
  g_clear_object (&f->sandbox);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->data_dir = pb_test_make_dir ("cli-absence");
  start_sandbox (f, 0, NULL);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  f->api_url = g_strdup_printf ("%s/v2", f->base);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->sandbox != NULL)
    stop_sandbox (f);
  g_free (f->base);
  g_free (f->api_url);
  g_free (f->data_dir);
}

/* --- running paybridge-cli ---------------------------------------------------------- */

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

/* paybridge-cli --data-dir (the fixture's) ARGS..., NULL */
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

/* Imports @json (a paybridge-hr/1 document) into the fixture's register. */
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

static gboolean
have_keyring (void)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return FALSE;
    }

  return TRUE;
}

/* Every test's connection is number 1 in its own register, but the keyring
 * is shared: each takes its items away again. */
static void
remove_connection (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gone = NULL;
  Run run = { 0 };

  run_cli (f, &run, NULL, "connection", "remove", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  gone = secret_password_lookup_sync (&schema, NULL, &error, "connection", "1", "kind", "employee-token", NULL);
  g_assert_no_error (error);
  g_assert_null (gone);
  run_clear (&run);
}

/* `connection show Acme --json`'s member @key. */
static char *
show_member (Fixture    *f,
             const char *key)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  char *value;

  run_cli (f, &run, NULL, "connection", "show", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  value = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), key));
  run_clear (&run);
  return value;
}

/* --- the sandbox's side ------------------------------------------------------------- */

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

/* @method @url with the JSON @body (or none); the answer parsed, which must
 * be a 200. */
static JsonNode *
request_json (const char *method,
              const char *url,
              const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* GET /_sandbox/state, from the sandbox itself (never through the proxy). */
static JsonNode *
sandbox_state (Fixture *f)
{
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/state", f->base);

  return request_json ("GET", url, NULL);
}

static void
sandbox_set_faults (Fixture    *f,
                    const char *faults)
{
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/faults", f->base);
  g_autoptr(JsonNode) answer = request_json ("POST", url, faults);
}

static gint64
payroll_id_of (JsonNode   *state,
               const char *email)
{
  JsonArray *employees = json_object_get_array_member (json_node_get_object (state), "employees");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0)
        return json_object_get_int_member (e, "id");
    }
  return 0;
}

static gint64
ref_id (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  return json_object_get_int_member (json_node_get_object (node), "id");
}

/* @employee's timesheet entries in @state (owned by @state), on @activity
 * or (0) on any, by date. */
static GPtrArray *
entries_of (JsonNode *state,
            gint64    employee,
            gint64    activity)
{
  JsonArray *all = json_object_get_array_member (json_node_get_object (state), "timesheetEntries");
  GPtrArray *mine = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);

      if (ref_id (o, "employee") == employee && (activity == 0 || ref_id (o, "activity") == activity))
        g_ptr_array_add (mine, o);
    }
  return mine;
}

/* Checks that @entries are one per date of @dates (a comma list, in
 * order), each with @hours and @comment. */
static void
assert_entries (GPtrArray  *entries,
                const char *dates,
                double      hours,
                const char *comment)
{
  g_auto(GStrv) days = g_strsplit (dates, ",", -1);

  g_assert_cmpuint (entries->len, ==, g_strv_length (days));
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *e = NULL;

      /* The entry of the i-th date, whatever order payroll keeps. */
      for (guint j = 0; j < entries->len; j++)
        if (g_strcmp0 (json_object_get_string_member (g_ptr_array_index (entries, j), "date"), days[i]) == 0)
          e = g_ptr_array_index (entries, j);
      g_assert_nonnull (e);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (e, "hours"), hours, 0.001);
      g_assert_cmpstr (json_object_get_string_member (e, "comment"), ==, comment);
    }
}

/* --- the register's side ------------------------------------------------------------ */

/* The state of the one HR absence that starts on @start. */
static char *
hr_absence_state (Fixture    *f,
                  const char *start)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (f->data_dir, &error);
  g_autoptr(GPtrArray) absences = NULL;
  char *state = NULL;

  g_assert_no_error (error);
  absences = pb_store_list (store, PB_ENTITY_ABSENCE, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < absences->len; i++)
    {
      PbRecord *absence = g_ptr_array_index (absences, i);

      if (g_strcmp0 (pb_record_get (absence, PB_ABSENCE_START_DATE), start) == 0)
        {
          g_assert_null (state);
          state = g_strdup (pb_record_get (absence, PB_ABSENCE_STATE));
        }
    }
  g_assert_nonnull (state);
  return state;
}

/* `errors Acme --json`'s open entries (a copy of the document in *@doc). */
static GPtrArray *
open_errors (Fixture   *f,
             JsonNode **doc)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *open = g_ptr_array_new ();
  JsonArray *entries;
  Run run = { 0 };

  run_cli (f, &run, NULL, "errors", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  *doc = json_node_copy (json_parser_get_root (parser));
  entries = json_object_get_array_member (json_node_get_object (*doc), "errors");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member (e, "state"), "open") == 0)
        g_ptr_array_add (open, e);
    }
  run_clear (&run);
  return open;
}

/* Register: the company payroll has (so the default scope is it), three
 * HR absence types and three people: Kari's absence manager is Ingrid,
 * Ingrid's is Per (so Per is one of the company's absence managers). */
static const char base_register[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"sbx\", \"name\": \"Sandbox Holding\", \"currency\": \"NOK\","
  "                     \"org_number\": \"999999999\" } ],"
  "  \"absence_types\": ["
  "    { \"key\": \"vacation\", \"name\": \"Vacation\" },"
  "    { \"key\": \"sick\", \"name\": \"Sick leave\" },"
  "    { \"key\": \"child-sick\", \"name\": \"Child sick\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\", \"company\": \"sbx\","
  "      \"absence_manager_email\": \"ingrid@acme.no\" },"
  "    { \"given_name\": \"Ingrid\", \"family_name\": \"Haugen\", \"email\": \"ingrid@acme.no\", \"company\": \"sbx\","
  "      \"absence_manager_email\": \"per@acme.no\" },"
  "    { \"given_name\": \"Per\", \"family_name\": \"Hansen\", \"email\": \"per@acme.no\", \"company\": \"sbx\" } ] }";

/* Kari's absences (the whole list: a list given is complete). */
static void
import_kari_absences (Fixture    *f,
                      const char *absences)
{
  g_autofree char *json = g_strdup_printf ("{ \"format\": \"paybridge-hr/1\", \"employees\": [ {"
                                           "  \"email\": \"kari@acme.no\", \"absences\": [ %s ] } ] }", absences);

  import_json (f, "kari.json", json);
}

/* Register, connection (users and absence, at @api_url), the first user
 * sync that creates everyone in payroll and activates, and payroll's
 * absence types read. Returns Kari's id in payroll. */
static gint64
set_up_connection (Fixture    *f,
                   const char *api_url)
{
  g_autofree char *state_name = NULL;
  g_autoptr(JsonNode) state = NULL;
  gint64 kari;
  Run run = { 0 };

  import_json (f, "register.json", base_register);
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", api_url, "--sync", "users,absence", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sandbox AS (NOK)"));
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  state_name = show_member (f, "state");
  g_assert_cmpstr (state_name, ==, "active");

  run_cli (f, &run, NULL, "mapping", "refresh", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "  5001       Ferie\n"));

  state = sandbox_state (f);
  kari = payroll_id_of (state, "kari@acme.no");
  g_assert_cmpint (kari, >, 0);
  run_clear (&run);
  return kari;
}

/* --- the validating proxy ----------------------------------------------------------- */

/* The validating proxy (tests/contract) in front of the fixture's
 * sandbox. Returns FALSE, the test skipped (or failed, PB_REQUIRE_ALL),
 * when it cannot run here. */
static gboolean
start_proxy (Fixture      *f,
             GSubprocess **proxy,
             char        **proxy_url)
{
  g_autofree char *runner = pb_test_source_path ("tests/contract/run-contract");
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  *proxy = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                          "sh", runner, "proxy", "--upstream", f->base, "--quiet", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proxy));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    {
      g_autofree char *why = g_strdup_printf ("the validating proxy did not start: %s",
                                              line != NULL ? line : "(no output)");

      g_subprocess_force_exit (*proxy);
      g_subprocess_wait (*proxy, NULL, NULL);
      g_clear_object (proxy);
      pb_test_skip_or_fail (why);
      return FALSE;
    }
  *proxy_url = g_strdup (line + strlen ("listening on "));
  return TRUE;
}

/* The proxy's report: each of @expected went through it, and nothing
 * broke the published OpenAPI document; then the proxy is stopped. */
static void
check_proxy (GSubprocess        *proxy,
             const char         *proxy_url,
             const char * const *expected)
{
  g_autofree char *report_url = g_strdup_printf ("%s/_contract/report", proxy_url);
  g_autoptr(JsonNode) report = request_json ("GET", report_url, NULL);
  JsonObject *r = json_node_get_object (report);
  JsonArray *violations = json_object_get_array_member (r, "violations");
  JsonObject *ops = json_object_get_object_member (r, "operations");
  GList *names = json_object_get_members (ops);

  for (guint i = 0; i < json_array_get_length (violations); i++)
    {
      JsonObject *v = json_array_get_object_element (violations, i);

      g_test_message ("violation: %s %s %s %s: %s",
                      json_object_get_string_member_with_default (v, "direction", ""),
                      json_object_get_string_member_with_default (v, "method", ""),
                      json_object_get_string_member_with_default (v, "path", ""),
                      json_object_get_string_member_with_default (v, "where", ""),
                      json_object_get_string_member_with_default (v, "message", ""));
    }
  for (GList *l = names; l != NULL; l = l->next)
    g_test_message ("operation %s: %" G_GINT64_FORMAT, (const char *) l->data,
                    json_object_get_int_member (ops, l->data));
  g_list_free (names);
  for (guint i = 0; expected[i] != NULL; i++)
    {
      g_test_message ("expected operation %s", expected[i]);
      g_assert_cmpint (json_object_get_int_member_with_default (ops, expected[i], 0), >, 0);
    }
  g_assert_cmpuint (json_array_get_length (violations), ==, 0);

  g_subprocess_send_signal (proxy, SIGTERM);
  g_subprocess_wait (proxy, NULL, NULL);
}

/* --- A1-A4, A7 ------------------------------------------------------------------------ */

/* SPEC A1-A4, A7 from the CLI: with vacation mapped to Ferie, Kari's
 * approved vacation with an end date arrives as timesheet hours on Ferie,
 * one entry per weekday, the hours of a standard day, the note as the
 * comment; a pending absence and one without an end date are not sent
 * (A1). New dates, percentage and note replace the entries (A3);
 * unapproved, they are gone (A4). An absence of an unmapped type is not
 * sent: push exits 1, the HR absence is rejected and the one open error
 * entry names who is notified (A2, A7); mapped and approved again, it
 * arrives. With @data set, every request goes
 * through the validating proxy: 0 violations. */
static void
test_absence_sync (Fixture       *f,
                   gconstpointer  data)
{
  gboolean through_proxy = GPOINTER_TO_INT (data);
  g_autoptr(GSubprocess) proxy = NULL;
  g_autofree char *proxy_url = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *hr_state = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(JsonNode) errors = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) open = NULL;
  JsonObject *entry;
  gint64 kari;
  Run run = { 0 };

  if (!have_keyring ())
    return;
  if (through_proxy)
    {
      if (!start_proxy (f, &proxy, &proxy_url))
        return;
      api_url = g_strdup_printf ("%s/v2", proxy_url);
    }
  else
    api_url = g_strdup (f->api_url);

  kari = set_up_connection (f, api_url);
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Ferie", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "vacation (Vacation) → Ferie (5001)\n");
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "sick", "Sykdom med lønn", NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* A1: 2026-03-05 is a Thursday; the sick leaves are open-ended or
   * pending, so not sent. */
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-03-05\", \"end_date\": \"2026-03-10\","
                        "  \"state\": \"approved\", \"note\": \"Skiing in Hemsedal\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-16\", \"state\": \"approved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-23\", \"end_date\": \"2026-03-24\","
                        "  \"state\": \"pending\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  g_assert_nonnull (strstr (run.out, "need attention 0, still waiting 0"));

  state = sandbox_state (f);
  entries = entries_of (state, kari, FERIE);
  assert_entries (entries, "2026-03-05,2026-03-06,2026-03-09,2026-03-10", 7.5, "Skiing in Hemsedal");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = entries_of (state, kari, 0);
  g_assert_cmpuint (entries->len, ==, 4);   /* nothing on Sykdom med lønn (A1) */
  entry = g_ptr_array_index (entries, 0);
  g_assert_false (json_object_get_boolean_member (entry, "locked"));
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  /* Pushing again sends nothing more. */
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 0, "));

  /* A3: a day longer, half days, another note. */
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-03-05\", \"end_date\": \"2026-03-11\","
                        "  \"percentage\": \"50\", \"state\": \"approved\", \"note\": \"Skiing, half days\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-16\", \"state\": \"approved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-23\", \"end_date\": \"2026-03-24\","
                        "  \"state\": \"pending\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  state = sandbox_state (f);
  entries = entries_of (state, kari, 0);
  assert_entries (entries, "2026-03-05,2026-03-06,2026-03-09,2026-03-10,2026-03-11", 3.75, "Skiing, half days");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = entries_of (state, kari, FERIE);
  g_assert_cmpuint (entries->len, ==, 5);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  /* A4: unapproved after approval, payroll's hours are deleted. */
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-03-05\", \"state\": \"unapproved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-16\", \"state\": \"approved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-23\", \"end_date\": \"2026-03-24\","
                        "  \"state\": \"pending\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  state = sandbox_state (f);
  entries = entries_of (state, kari, 0);
  g_assert_cmpuint (entries->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  run_cli (f, &run, NULL, "errors", "Acme", "--open", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  /* A2, A7: child-sick is not mapped: not sent, rejected in HR, and the
   * error entry says who is notified. */
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-03-05\", \"state\": \"unapproved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-16\", \"state\": \"approved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-23\", \"end_date\": \"2026-03-24\","
                        "  \"state\": \"pending\" },"
                        "{ \"type\": \"child-sick\", \"start_date\": \"2026-03-30\", \"end_date\": \"2026-03-31\","
                        "  \"state\": \"approved\", \"note\": \"Kindergarten closed\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "Sent 0, "));
  g_assert_nonnull (strstr (run.out, "need attention 1"));
  g_assert_nonnull (strstr (run.out, "paybridge-cli errors"));
  hr_state = hr_absence_state (f, "2026-03-30");
  g_assert_cmpstr (hr_state, ==, "rejected");
  g_clear_pointer (&hr_state, g_free);
  hr_state = hr_absence_state (f, "2026-03-23");
  g_assert_cmpstr (hr_state, ==, "pending");   /* only the refused one */

  open = open_errors (f, &errors);
  g_assert_cmpuint (open->len, ==, 1);
  entry = g_ptr_array_index (open, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "who"), "Kari Nordmann"));
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "message"), "“Child sick” is not mapped"));
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "advice"),
                            "The absence is marked rejected in HR; notified: Kari Nordmann (the employee), "
                            "Ingrid Haugen (absence manager), Per Hansen (company absence manager)"));

  state = sandbox_state (f);
  entries = entries_of (state, kari, 0);
  g_assert_cmpuint (entries->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  /* The cause fixed (child-sick mapped) and the absence approved again in
   * HR, as the error says: it arrives. */
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "child-sick", "Syk barn", NULL);
  g_assert_cmpint (run.status, ==, 0);
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-03-05\", \"state\": \"unapproved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-16\", \"state\": \"approved\" },"
                        "{ \"type\": \"sick\", \"start_date\": \"2026-03-23\", \"end_date\": \"2026-03-24\","
                        "  \"state\": \"pending\" },"
                        "{ \"type\": \"child-sick\", \"start_date\": \"2026-03-30\", \"end_date\": \"2026-03-31\","
                        "  \"state\": \"approved\", \"note\": \"Kindergarten closed\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  g_assert_nonnull (strstr (run.out, "need attention 0"));
  g_clear_pointer (&hr_state, g_free);
  hr_state = hr_absence_state (f, "2026-03-30");
  g_assert_cmpstr (hr_state, ==, "approved");
  run_cli (f, &run, NULL, "errors", "Acme", "--open", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  state = sandbox_state (f);
  entries = entries_of (state, kari, 5005);   /* Syk barn */
  assert_entries (entries, "2026-03-30,2026-03-31", 7.5, "Kindergarten closed");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = entries_of (state, kari, 0);
  g_assert_cmpuint (entries->len, ==, 2);

  if (through_proxy)
    {
      static const char * const expected[] = {
        "PUT /token/session/:create", "GET /activity", "GET /salary/settings/standardTime/byDate",
        "POST /timesheet/entry/list", "GET /timesheet/entry", "DELETE /timesheet/entry/{id}", NULL,
      };

      check_proxy (proxy, proxy_url, expected);
    }

  remove_connection (f);
  run_clear (&run);
}

/* SPEC A1, A7: Ola is in HR but linked to no one in payroll (the first
 * user sync created no one: only Kari, already in payroll, was matched);
 * his approved, mapped absence is not sent but rejected, and the error
 * entry says he is not linked and who is notified. */
static void
test_not_linked (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *seed = pb_test_write_file (f->data_dir, "seed.json",
                                              "{ \"employees\": [ { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\","
                                              "  \"email\": \"kari@acme.no\" } ] }");
  g_autofree char *state_name = NULL;
  g_autofree char *hr_state = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(JsonNode) errors = NULL;
  g_autoptr(GPtrArray) open = NULL;
  JsonArray *all;
  JsonObject *entry;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  /* Payroll has Kari only. */
  stop_sandbox (f);
  start_sandbox (f, 0, seed);
  g_free (f->base);
  g_free (f->api_url);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  f->api_url = g_strdup_printf ("%s/v2", f->base);

  import_json (f, "register.json",
               "{ \"format\": \"paybridge-hr/1\","
               "  \"companies\": [ { \"key\": \"sbx\", \"name\": \"Sandbox Holding\", \"currency\": \"NOK\","
               "                     \"org_number\": \"999999999\" } ],"
               "  \"absence_types\": [ { \"key\": \"vacation\", \"name\": \"Vacation\" } ],"
               "  \"employees\": ["
               "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
               "      \"company\": \"sbx\" },"
               "    { \"given_name\": \"Ola\", \"family_name\": \"Berg\", \"email\": \"ola@acme.no\", \"company\": \"sbx\","
               "      \"absence_manager_email\": \"kari@acme.no\" } ] }");
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users,absence", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--create-in", "none", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  state_name = show_member (f, "state");
  g_assert_cmpstr (state_name, ==, "active");
  run_cli (f, &run, NULL, "mapping", "refresh", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Ferie", NULL);
  g_assert_cmpint (run.status, ==, 0);

  import_json (f, "ola.json",
               "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\","
               "  \"absences\": [ { \"type\": \"vacation\", \"start_date\": \"2026-06-01\","
               "                    \"end_date\": \"2026-06-02\", \"state\": \"approved\" } ] } ] }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "Sent 0, "));
  g_assert_nonnull (strstr (run.out, "need attention 1"));

  hr_state = hr_absence_state (f, "2026-06-01");
  g_assert_cmpstr (hr_state, ==, "rejected");
  open = open_errors (f, &errors);
  g_assert_cmpuint (open->len, ==, 1);
  entry = g_ptr_array_index (open, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "who"), "Ola Berg"));
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "message"), "Ola Berg is not linked"));
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "advice"),
                            "notified: Ola Berg (the employee), Kari Nordmann (absence manager)"));

  state = sandbox_state (f);
  g_assert_cmpint (payroll_id_of (state, "ola@acme.no"), ==, 0);
  all = json_object_get_array_member (json_node_get_object (state), "timesheetEntries");
  g_assert_cmpuint (json_array_get_length (all), ==, 0);

  remove_connection (f);
  run_clear (&run);
}

/* --- the offline review (A2, A5) ----------------------------------------------------- */

/* A seed that gives a restarted sandbox the people @state has (with their
 * ids, so the register's links still hold); activities are the default's. */
static char *
seed_from_state (JsonNode *state)
{
  JsonArray *employees = json_object_get_array_member (json_node_get_object (state), "employees");
  gint64 api_user = json_object_get_int_member (json_node_get_object (state), "apiUserId");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "employees");
  json_builder_begin_array (builder);
  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);
      static const char * const kept[] = { "firstName", "lastName", "email" };

      if (json_object_get_int_member (e, "id") == api_user)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, json_object_get_int_member (e, "id"));
      for (guint k = 0; k < G_N_ELEMENTS (kept); k++)
        {
          json_builder_set_member_name (builder, kept[k]);
          json_builder_add_string_value (builder, json_object_get_string_member (e, kept[k]));
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Whether anything accepts a TCP connection on 127.0.0.1:@port. */
static gboolean
port_answers (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  if (connection == NULL)
    g_test_message ("127.0.0.1:%u: %s", port, error->message);
  return connection != NULL;
}

/* The offline review: payroll's types are read, the sandbox is
 * stopped (nothing answers on its port), the app (each paybridge-cli run
 * is a fresh one) changes a mapping from the cache, the sandbox comes back
 * on the same port with the same people, push: the absence arrives on the
 * newly mapped type, not the one mapped before (SPEC A2). Then A5: the
 * type of the absence sent is mapped to another type (--yes): a change of
 * the absence gets no more updates, its hours stay on the old type and
 * push sends nothing for it. */
static void
test_offline_review (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *seed_json = NULL;
  g_autofree char *seed = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  guint port;
  gint64 kari;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  kari = set_up_connection (f, f->api_url);
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Ferie", NULL);
  g_assert_cmpint (run.status, ==, 0);
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-04-06\", \"end_date\": \"2026-04-08\","
                        "  \"state\": \"approved\", \"note\": \"Moving house\" }");

  /* The sandbox stops: from here on payroll is unreachable. */
  state = sandbox_state (f);
  seed_json = seed_from_state (state);
  seed = pb_test_write_file (f->data_dir, "seed.json", seed_json);
  g_clear_pointer (&state, json_node_unref);
  port = f->port;
  stop_sandbox (f);
  g_assert_false (port_answers (port));
  run_cli (f, &run, NULL, "mapping", "refresh", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "those read before are kept"));

  /* The review works from the cache. */
  run_cli (f, &run, NULL, "mapping", "list", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "vacation (Vacation)            → Ferie (5001)"));
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Permisjon med lønn", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "vacation (Vacation) → Permisjon med lønn (5006)\n");
  g_assert_false (port_answers (port));

  /* Payroll is back, on the same port, with the same people. */
  start_sandbox (f, port, seed);
  state = sandbox_state (f);
  g_assert_cmpint (payroll_id_of (state, "kari@acme.no"), ==, kari);
  entries = entries_of (state, kari, 0);
  g_assert_cmpuint (entries->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  state = sandbox_state (f);
  entries = entries_of (state, kari, PERMISJON_MED_LONN);
  assert_entries (entries, "2026-04-06,2026-04-07,2026-04-08", 7.5, "Moving house");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = entries_of (state, kari, FERIE);
  g_assert_cmpuint (entries->len, ==, 0);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  /* A5: vacation's absence was sent; its type changes only with --yes,
   * and the CLI says the absence is no longer updated. */
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Ferie", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Nothing was changed: add --yes"));
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Ferie", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "1 absence of type “vacation” was already sent to payroll: it will no longer be "
                                     "updated in payroll and must be corrected by hand there"));

  /* A change to it: nothing is sent, payroll keeps the hours on the old
   * type as they were. */
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-04-06\", \"end_date\": \"2026-04-09\","
                        "  \"state\": \"approved\", \"note\": \"Moving house, one more day\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 0, nothing to send for 1, need attention 0"));
  state = sandbox_state (f);
  entries = entries_of (state, kari, PERMISJON_MED_LONN);
  assert_entries (entries, "2026-04-06,2026-04-07,2026-04-08", 7.5, "Moving house");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = entries_of (state, kari, 0);
  g_assert_cmpuint (entries->len, ==, 3);

  remove_connection (f);
  run_clear (&run);
}

/* --- A6 -------------------------------------------------------------------------------- */

/* SPEC A6, A7: payroll locks the hours it is given (the sandbox's
 * lock_rate 1, as when they are approved there); a change of the absence
 * cannot be sent: push exits 1, the error says the hours are locked and to
 * approve the absence again, the HR absence is rejected, and payroll's
 * hours are as they were. With @data set, through the validating proxy
 * (the locked answer too). */
static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  gboolean through_proxy = GPOINTER_TO_INT (data);
  g_autoptr(GSubprocess) proxy = NULL;
  g_autofree char *proxy_url = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *hr_state = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(JsonNode) errors = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) open = NULL;
  JsonObject *entry;
  const char *message;
  const char *advice;
  gint64 kari;
  Run run = { 0 };

  if (!have_keyring ())
    return;
  if (through_proxy)
    {
      if (!start_proxy (f, &proxy, &proxy_url))
        return;
      api_url = g_strdup_printf ("%s/v2", proxy_url);
    }
  else
    api_url = g_strdup (f->api_url);

  kari = set_up_connection (f, api_url);
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "5001", NULL);
  g_assert_cmpint (run.status, ==, 0);
  sandbox_set_faults (f, "{\"lock_rate\": 1}");

  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-05-11\", \"end_date\": \"2026-05-12\","
                        "  \"state\": \"approved\", \"note\": \"Wedding\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  state = sandbox_state (f);
  entries = entries_of (state, kari, FERIE);
  assert_entries (entries, "2026-05-11,2026-05-12", 7.5, "Wedding");
  for (guint i = 0; i < entries->len; i++)
    g_assert_true (json_object_get_boolean_member (g_ptr_array_index (entries, i), "locked"));
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  /* A change: refused by payroll's lock. */
  import_kari_absences (f,
                        "{ \"type\": \"vacation\", \"start_date\": \"2026-05-11\", \"end_date\": \"2026-05-13\","
                        "  \"state\": \"approved\", \"note\": \"Wedding and a day after\" }");
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "Sent 0, "));
  g_assert_nonnull (strstr (run.out, "paybridge-cli errors"));

  hr_state = hr_absence_state (f, "2026-05-11");
  g_assert_cmpstr (hr_state, ==, "rejected");
  open = open_errors (f, &errors);
  g_assert_cmpuint (open->len, ==, 1);
  entry = g_ptr_array_index (open, 0);
  message = json_object_get_string_member (entry, "message");
  advice = json_object_get_string_member (entry, "advice");
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "who"), "Kari Nordmann"));
  g_assert_nonnull (strstr (message, "locked"));
  g_assert_nonnull (strstr (message, "2026-05-1"));
  g_assert_nonnull (strstr (message, "approve the absence again"));
  g_assert_nonnull (strstr (advice, "approve the absence again in HR"));
  g_assert_nonnull (strstr (advice, "notified: Kari Nordmann (the employee), Ingrid Haugen (absence manager)"));

  /* Payroll's locked hours are as they were. */
  state = sandbox_state (f);
  entries = entries_of (state, kari, 0);
  assert_entries (entries, "2026-05-11,2026-05-12", 7.5, "Wedding");

  if (through_proxy)
    {
      static const char * const expected[] = {
        "POST /timesheet/entry/list", "GET /timesheet/entry", NULL,
      };

      check_proxy (proxy, proxy_url, expected);
    }

  remove_connection (f);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cli/absence/A1-A4-A7-timesheet-hours", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_absence_sync, fixture_tear_down);
  g_test_add ("/cli/absence/A1-A7-not-linked-rejected", Fixture, NULL, fixture_set_up, test_not_linked,
              fixture_tear_down);
  g_test_add ("/cli/absence/A2-A5-offline-review", Fixture, NULL, fixture_set_up, test_offline_review,
              fixture_tear_down);
  g_test_add ("/cli/absence/A6-locked", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up, test_locked,
              fixture_tear_down);
  g_test_add ("/cli/absence/A1-A4-A7-contract-zero-violations", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_absence_sync, fixture_tear_down);
  g_test_add ("/cli/absence/A6-locked-contract-zero-violations", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_locked, fixture_tear_down);

  return g_test_run ();
}
