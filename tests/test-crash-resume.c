/* test-crash-resume.c: paybridge-cli killed at random points of a user
 * sync and of a push, and run against a faulty payroll, judged by the
 * payroll-sandbox's records (GET /_sandbox/state) against a clean run's
 * (SPEC R2, R3, U4, U6, U7, U11, C7).
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The payroll-sandbox is its own process, so it outlives the client that
 * is killed. Every test first does its workload once without a kill or a
 * fault: that run's payroll state, with ids, versions and urls taken out
 * and every reference named by what it points at (an employee by email, an
 * employment by its employee and start date…), is what every other run
 * must end in exactly. That is: nobody missing, nobody doubled, no
 * employment or salary without its owner or twice, every HR change with
 * its final values; and the outbox empty, no open error.
 *
 * Seeds: --seeds=N or PB_CRASH_SEEDS=N (how many; the CI form is short,
 * the benchmarks crash-resume-50 and faults-20 run the long forms),
 * PB_CRASH_SEED=N (that seed alone, to replay a failure: every failure
 * prints its seed). */

#include "config.h"

#include <gio/gio.h>
#include <libsecret/secret.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

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

/* Every answer waits this long, so a run lasts long enough to be killed
 * in the middle of it, with several requests in flight. */
#define LATENCY_MS 8
#define N_PEOPLE 10       /* in the register at activation */
#define N_NEW 2           /* added after it, created by the push */
#define MAX_ROUNDS 12     /* pushes (or user syncs) a faulty run may take */

static guint64 seeds_option;   /* --seeds=N; 0: not given */

typedef struct
{
  guint64      seed;
  GSubprocess *sandbox;
  char        *base;       /* http://127.0.0.1:PORT */
  char        *api_url;    /* …/v2 */
  char        *data_dir;
  SoupSession *session;
} Fixture;

/* --- the seeds -------------------------------------------------------------------------- */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* In [lo, hi]. */
static guint
rand_range (guint64 *state,
            guint    lo,
            guint    hi)
{
  return lo + (guint) (splitmix64 (state) % (hi - lo + 1));
}

/* The seeds to run: PB_CRASH_SEED alone, or 1..PB_CRASH_SEEDS (default
 * @short_form). */
static GArray *
seeds_to_run (guint short_form)
{
  const char *one = g_getenv ("PB_CRASH_SEED");
  const char *many = g_getenv ("PB_CRASH_SEEDS");
  GArray *seeds = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 n = short_form;

  if (one != NULL)
    {
      guint64 seed = g_ascii_strtoull (one, NULL, 10);

      g_array_append_val (seeds, seed);
      return seeds;
    }
  if (seeds_option > 0)
    n = seeds_option;
  else if (many != NULL)
    n = g_ascii_strtoull (many, NULL, 10);
  for (guint64 seed = 1; seed <= n; seed++)
    g_array_append_val (seeds, seed);
  return seeds;
}

/* --- the sandbox ------------------------------------------------------------------------ */

/* payroll-sandbox (Tripletex) with every answer LATENCY_MS late; faults
 * are set later through /_sandbox/faults. */
static void
start_sandbox (Fixture *f)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  g_autofree char *latency = g_strdup_printf ("--latency-ms=%d", LATENCY_MS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  f->sandbox = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--system", "tripletex",
                              latency, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->sandbox));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  f->base = g_strdup (line + strlen ("listening on "));
  f->api_url = g_strdup_printf ("%s/v2", f->base);
}

static void
stop_sandbox (Fixture *f)
{
  if (f->sandbox == NULL)
    return;
  g_subprocess_send_signal (f->sandbox, SIGTERM);
  g_subprocess_wait (f->sandbox, NULL, NULL);
  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->api_url, g_free);
}

/* @method on the sandbox's @path (a control endpoint: never faulted) with
 * the JSON @body or none; the parsed answer, which must be a 200. The
 * sandbox is another process, so a synchronous call is safe. */
static JsonNode *
control (Fixture    *f,
         const char *method,
         const char *path,
         const char *body)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* API requests the sandbox has seen so far. */
static gint64
requests_seen (Fixture *f)
{
  g_autoptr(JsonNode) counts = control (f, "GET", "/_sandbox/requests", NULL);

  return json_object_get_int_member (json_node_get_object (counts), "total");
}

/* --- the fixture ------------------------------------------------------------------------ */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->data_dir = pb_test_make_dir ("crash-resume");
  f->session = soup_session_new ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  stop_sandbox (f);
  g_clear_object (&f->session);
  g_free (f->data_dir);
}

/* A new register and a new sandbox for the next seed. */
static void
fixture_restart (Fixture *f)
{
  stop_sandbox (f);
  g_free (f->data_dir);
  f->data_dir = pb_test_make_dir ("crash-resume");
  start_sandbox (f);
}

/* --- running paybridge-cli ---------------------------------------------------------------- */

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

static GPtrArray *
cli_argv (Fixture *f,
          va_list  args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *arg;

  g_ptr_array_add (argv, pb_test_build_path ("src/cli/paybridge-cli"));
  g_ptr_array_add (argv, g_strdup ("--data-dir"));
  g_ptr_array_add (argv, g_strdup (f->data_dir));
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* paybridge-cli --data-dir (the fixture's) ARGS..., NULL, to the end. */
static void G_GNUC_NULL_TERMINATED
run_cli (Fixture    *f,
         Run        *run,
         const char *input,
         ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, input);
  argv = cli_argv (f, args);
  va_end (args);

  run_clear (run);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("[seed %" G_GUINT64_FORMAT "] paybridge-cli %s %s: exit %d\nstdout: %s\nstderr: %s",
                  f->seed, (const char *) g_ptr_array_index (argv, 3),
                  argv->len > 5 ? (const char *) g_ptr_array_index (argv, 4) : "",
                  run->status, run->out, run->err);
}

static void
on_exited_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* paybridge-cli ARGS..., NULL, sent SIGKILL once the sandbox has seen
 * @after more API requests, and then @extra_us later (unless it ended by
 * itself first). Returns: whether it was killed. */
static gboolean G_GNUC_NULL_TERMINATED
run_cli_killed (Fixture *f,
                gint64   after,
                guint    extra_us,
                ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = requests_seen (f);
  gint64 seen = 0;
  gboolean exited = FALSE;
  gboolean killed = FALSE;
  va_list args;

  va_start (args, extra_us);
  argv = cli_argv (f, args);
  va_end (args);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (process, NULL, on_exited_cb, &exited);
  while (!exited)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (exited)
        break;
      seen = requests_seen (f) - base;
      if (seen >= after)
        {
          g_usleep (extra_us);
          g_subprocess_send_signal (process, SIGKILL);
          killed = TRUE;
          break;
        }
      g_usleep (500);
    }
  while (!exited)
    g_main_context_iteration (NULL, TRUE);
  /* Killed only if it had not ended by itself just before. */
  killed = killed && g_subprocess_get_if_signaled (process);
  g_test_message ("[seed %" G_GUINT64_FORMAT "] paybridge-cli %s %s: %s after %" G_GINT64_FORMAT
                  " requests (+%u µs)", f->seed, (const char *) g_ptr_array_index (argv, 3),
                  (const char *) g_ptr_array_index (argv, 4),
                  killed ? "killed" : "ended by itself", seen, extra_us);
  return killed;
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

/* Every seed's connection is number 1 in its own register, but the
 * keyring is shared: each takes its items away again. */
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

static JsonNode *
cli_json (Fixture    *f,
          const char *what,
          const char *flag)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *node;
  Run run = { 0 };

  if (flag != NULL)
    run_cli (f, &run, NULL, what, "Acme", "--json", flag, NULL);
  else
    run_cli (f, &run, NULL, what, "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  node = json_node_copy (json_parser_get_root (parser));
  run_clear (&run);
  return node;
}

/* The connection's outbox counts and open errors, as `connection show`
 * gives them, in one line: "pending N, attention N, held N, open errors N". */
static char *
outbox_summary (Fixture *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *show, *outbox;
  Run run = { 0 };
  char *summary;

  run_cli (f, &run, NULL, "connection", "show", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  show = json_node_get_object (json_parser_get_root (parser));
  outbox = json_object_get_object_member (show, "outbox");
  summary = g_strdup_printf ("%s: pending %" G_GINT64_FORMAT ", attention %" G_GINT64_FORMAT
                             ", held %" G_GINT64_FORMAT ", open errors %" G_GINT64_FORMAT,
                             json_object_get_string_member (show, "state"),
                             json_object_get_int_member (outbox, "pending"),
                             json_object_get_int_member (outbox, "attention"),
                             json_object_get_int_member (outbox, "held"),
                             json_object_get_int_member (show, "open_errors"));
  run_clear (&run);
  return summary;
}

/* A step of a clean run must succeed; if not, the open errors say why. */
static void
assert_ran (Fixture *f,
            Run     *run)
{
  if (run->status != 0)
    {
      g_autoptr(JsonNode) errors = cli_json (f, "errors", "--open");
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *text = NULL;

      json_generator_set_root (generator, errors);
      text = json_generator_to_data (generator, NULL);
      g_test_message ("open errors: %s", text);
    }
  g_assert_cmpint (run->status, ==, 0);
}

/* --- the workload ------------------------------------------------------------------------- */

/* The register at activation: N_PEOPLE people of one company (the payroll
 * company, so the default scope is it), each with an employee number. */
static char *
base_register (void)
{
  GString *json = g_string_new ("{ \"format\": \"paybridge-hr/1\","
                                "  \"companies\": [ { \"key\": \"sbx\", \"name\": \"Sandbox Holding\","
                                "                     \"currency\": \"NOK\", \"org_number\": \"999999999\" } ],"
                                "  \"absence_types\": [ { \"key\": \"vacation\", \"name\": \"Vacation\" } ],"
                                "  \"employees\": [");

  for (guint i = 0; i < N_PEOPLE; i++)
    g_string_append_printf (json, "%s{ \"employee_number\": \"%u\", \"given_name\": \"Given%u\","
                            " \"family_name\": \"Family%u\", \"email\": \"p%02u@acme.no\", \"company\": \"sbx\","
                            " \"phone\": \"+47 4100 00%02u\" }",
                            i > 0 ? ", " : "", 1000 + i, i, i, i, i);
  g_string_append (json, "] }");
  return g_string_free (json, FALSE);
}

/* The first batch of changes after activation (SPEC U7, P1, S1, A1):
 * everyone's phone and every third family name change; everyone gets a
 * position (every other one an earlier, ended one too), a monthly salary
 * per position and two days of vacation (weekdays); N_NEW new people with a position and a
 * salary. */
static char *
batch_a (void)
{
  GString *json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");

  for (guint i = 0; i < N_PEOPLE + N_NEW; i++)
    {
      gboolean two = i % 2 == 0;

      g_string_append_printf (json, "%s{ \"email\": \"p%02u@acme.no\", \"phone\": \"+47 4200 00%02u\"",
                              i > 0 ? ", " : "", i, i);
      if (i >= N_PEOPLE)
        g_string_append_printf (json, ", \"employee_number\": \"%u\", \"given_name\": \"New%u\","
                                " \"family_name\": \"Person%u\", \"company\": \"sbx\"", 1000 + i, i, i);
      else if (i % 3 == 0)
        g_string_append_printf (json, ", \"family_name\": \"Renamed%u\"", i);
      g_string_append (json, ", \"positions\": [");
      if (two)
        g_string_append (json, "{ \"start_date\": \"2023-01-01\", \"end_date\": \"2023-12-31\","
                         " \"title\": \"Trainee\", \"percentage\": \"50\" }, ");
      g_string_append_printf (json, "{ \"start_date\": \"2024-01-01\", \"title\": \"Engineer\","
                              " \"percentage\": \"%u\" } ]", 60 + i);
      g_string_append (json, ", \"salaries\": [");
      if (two)
        g_string_append_printf (json, "{ \"start_date\": \"2023-01-01\", \"end_date\": \"2023-12-31\","
                                " \"amount\": \"%u\", \"currency\": \"NOK\", \"period_unit\": \"monthly\" }, ",
                                30000 + i);
      g_string_append_printf (json, "{ \"start_date\": \"2024-01-01\", \"amount\": \"%u\", \"currency\": \"NOK\","
                              " \"period_unit\": \"monthly\" } ]", 40000 + 100 * i);
      if (i < N_PEOPLE)
        g_string_append_printf (json, ", \"absences\": [ { \"type\": \"vacation\", \"start_date\": \"2026-03-%02u\","
                                " \"end_date\": \"2026-03-%02u\", \"state\": \"approved\", \"note\": \"Trip %u\" } ]",
                                2 + i % 4, 3 + i % 4, i);
      g_string_append (json, " }");
    }
  g_string_append (json, "] }");
  return g_string_free (json, FALSE);
}

/* The second batch, made after the first push (or its kill): new values
 * for records the first one made, which must win (SPEC R3: no change
 * lost): phones again, a raise, another percentage, another note. */
static char *
batch_b (void)
{
  GString *json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");

  for (guint i = 0; i < N_PEOPLE + N_NEW; i += 2)
    {
      g_string_append_printf (json, "%s{ \"email\": \"p%02u@acme.no\", \"phone\": \"+47 4300 00%02u\","
                              " \"positions\": [ { \"start_date\": \"2023-01-01\", \"end_date\": \"2023-12-31\","
                              " \"title\": \"Trainee\", \"percentage\": \"50\" }, { \"start_date\": \"2024-01-01\","
                              " \"title\": \"Engineer\", \"percentage\": \"%u\" } ],"
                              " \"salaries\": [ { \"start_date\": \"2023-01-01\", \"end_date\": \"2023-12-31\","
                              " \"amount\": \"%u\", \"currency\": \"NOK\", \"period_unit\": \"monthly\" },"
                              " { \"start_date\": \"2024-01-01\", \"amount\": \"%u\", \"currency\": \"NOK\","
                              " \"period_unit\": \"monthly\" } ]",
                              i > 0 ? ", " : "", i, i, 90 - i, 30000 + i, 50000 + 100 * i);
      if (i < N_PEOPLE)
        g_string_append_printf (json, ", \"absences\": [ { \"type\": \"vacation\", \"start_date\": \"2026-03-%02u\","
                                " \"end_date\": \"2026-03-%02u\", \"state\": \"approved\", \"note\": \"Trip %u, again\" } ]",
                                2 + i % 4, 3 + i % 4, i);
      g_string_append (json, " }");
    }
  g_string_append (json, "] }");
  return g_string_free (json, FALSE);
}

/* Register and connection (users, positions, salary, absence), not yet
 * active. */
static void
set_up_connection (Fixture *f)
{
  g_autofree char *reg = base_register ();
  Run run = { 0 };

  import_json (f, "register.json", reg);
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users,positions,salary,absence", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

/* Payroll's absence types read, vacation mapped to Ferie. */
static void
map_vacation (Fixture *f)
{
  Run run = { 0 };

  run_cli (f, &run, NULL, "mapping", "refresh", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Ferie", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

/* --- judging the payroll side -------------------------------------------------------------- */

static gint64
ref_id (JsonNode *node)
{
  JsonObject *o;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  o = json_node_get_object (node);
  if (!json_object_has_member (o, "id") || !json_object_has_member (o, "url"))
    return 0;
  return json_object_get_int_member (o, "id");
}

/* A reference as what it points at: the key of a kept record, or the id of
 * a seeded one (countries, departments, activities: the same every run). */
static JsonNode *
ref_key (GHashTable *keys,
         gint64      id)
{
  const char *key = g_hash_table_lookup (keys, &id);
  g_autofree char *text = key != NULL ? g_strdup (key) : g_strdup_printf ("#%" G_GINT64_FORMAT, id);

  return json_node_init_string (json_node_alloc (), text);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* @record without id, version and url, each reference replaced by its key
 * (lists of references sorted). */
static char *
normalize_record (JsonObject *record,
                  GHashTable *keys)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) members = json_object_get_members (record);

  json_builder_begin_object (builder);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (record, name);

      if (g_str_equal (name, "id") || g_str_equal (name, "version") || g_str_equal (name, "url")
          || g_str_equal (name, "changes"))
        continue;
      json_builder_set_member_name (builder, name);
      if (ref_id (value) != 0)
        json_builder_add_value (builder, ref_key (keys, ref_id (value)));
      else if (JSON_NODE_HOLDS_ARRAY (value) && json_array_get_length (json_node_get_array (value)) > 0
               && ref_id (json_array_get_element (json_node_get_array (value), 0)) != 0)
        {
          JsonArray *array = json_node_get_array (value);
          g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              g_autoptr(JsonNode) key = ref_key (keys, ref_id (json_array_get_element (array, i)));

              g_ptr_array_add (refs, g_strdup (json_node_get_string (key)));
            }
          g_ptr_array_sort (refs, compare_strings);
          json_builder_begin_array (builder);
          for (guint i = 0; i < refs->len; i++)
            json_builder_add_string_value (builder, g_ptr_array_index (refs, i));
          json_builder_end_array (builder);
        }
      else
        json_builder_add_value (builder, json_node_copy (value));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static JsonArray *
section (JsonNode   *state,
         const char *name)
{
  return json_object_get_array_member (json_node_get_object (state), name);
}

static gint64 *
id_of (JsonObject *record)
{
  return g_memdup2 (&(gint64) { json_object_get_int_member (record, "id") }, sizeof (gint64));
}

/* The keys of the kept records: an employee by email, their address by
 * theirs, an employment by its employee and start date, its details by
 * the employment and date, a timesheet entry by employee, activity and
 * date. Two records with one key show up as two equal lines. */
static GHashTable *
record_keys (JsonNode *state)
{
  GHashTable *keys = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  JsonArray *employees = section (state, "employees");
  JsonArray *employments = section (state, "employments");
  JsonArray *details = section (state, "employmentDetails");
  JsonArray *entries = section (state, "timesheetEntries");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);
      gint64 address = ref_id (json_object_get_member (e, "address"));
      const char *email = json_object_get_string_member_with_default (e, "email", "");

      g_hash_table_insert (keys, id_of (e), g_strdup_printf ("employee %s", email));
      if (address != 0)
        g_hash_table_insert (keys, g_memdup2 (&address, sizeof address), g_strdup_printf ("address of %s", email));
    }
  for (guint i = 0; i < json_array_get_length (employments); i++)
    {
      JsonObject *e = json_array_get_object_element (employments, i);
      gint64 employee = ref_id (json_object_get_member (e, "employee"));
      const char *owner = g_hash_table_lookup (keys, &employee);

      g_hash_table_insert (keys, id_of (e), g_strdup_printf ("employment of %s from %s", owner,
                                                             json_object_get_string_member (e, "startDate")));
    }
  for (guint i = 0; i < json_array_get_length (details); i++)
    {
      JsonObject *d = json_array_get_object_element (details, i);
      gint64 employment = ref_id (json_object_get_member (d, "employment"));
      const char *owner = g_hash_table_lookup (keys, &employment);

      g_hash_table_insert (keys, id_of (d), g_strdup_printf ("details of %s on %s", owner,
                                                             json_object_get_string_member (d, "date")));
    }
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *t = json_array_get_object_element (entries, i);
      gint64 employee = ref_id (json_object_get_member (t, "employee"));

      g_hash_table_insert (keys, id_of (t), g_strdup_printf ("hours of %s on %s, activity %" G_GINT64_FORMAT,
                                                             (const char *) g_hash_table_lookup (keys, &employee),
                                                             json_object_get_string_member (t, "date"),
                                                             ref_id (json_object_get_member (t, "activity"))));
    }
  return keys;
}

/* Payroll's records as sorted lines "KEY: {normalized record}". */
static GPtrArray *
normalize_state (JsonNode *state)
{
  const char *sections[] = { "employees", "addresses", "employments", "employmentDetails", "timesheetEntries" };
  g_autoptr(GHashTable) keys = record_keys (state);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (guint s = 0; s < G_N_ELEMENTS (sections); s++)
    {
      JsonArray *records = section (state, sections[s]);

      for (guint i = 0; i < json_array_get_length (records); i++)
        {
          JsonObject *r = json_array_get_object_element (records, i);
          gint64 id = json_object_get_int_member (r, "id");
          const char *key = g_hash_table_lookup (keys, &id);
          g_autofree char *body = normalize_record (r, keys);

          g_ptr_array_add (lines, g_strdup_printf ("%s: %s", key != NULL ? key : "(nobody's)", body));
        }
    }
  g_ptr_array_sort (lines, compare_strings);
  return lines;
}

/* Asserts that @state is @expected's, listing what differs. */
static void
assert_same_payroll (Fixture   *f,
                     GPtrArray *expected,
                     JsonNode  *state)
{
  g_autoptr(GPtrArray) got = normalize_state (state);
  guint i = 0, j = 0, differing = 0;

  while (i < expected->len || j < got->len)
    {
      int cmp = i >= expected->len ? 1 : j >= got->len ? -1
                : g_strcmp0 (g_ptr_array_index (expected, i), g_ptr_array_index (got, j));

      if (cmp == 0)
        {
          i++, j++;
          continue;
        }
      differing++;
      if (cmp < 0)
        g_test_message ("[seed %" G_GUINT64_FORMAT "] missing: %s", f->seed,
                        (const char *) g_ptr_array_index (expected, i++));
      else
        g_test_message ("[seed %" G_GUINT64_FORMAT "] extra:   %s", f->seed,
                        (const char *) g_ptr_array_index (got, j++));
    }
  if (differing > 0)
    g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): payroll "
                        "differs from the clean run's in %u records (see the messages above)",
                        f->seed, f->seed, differing);
}

/* The people of the register, each exactly once in payroll by email and
 * by employee number (SPEC R2, R3); no employment whose employee is gone,
 * no details whose employment is gone. */
static void
assert_nobody_doubled (Fixture  *f,
                       JsonNode *state,
                       guint     people)
{
  JsonArray *employees = section (state, "employees");
  JsonArray *employments = section (state, "employments");
  JsonArray *details = section (state, "employmentDetails");
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint p = 0; p < people; p++)
    {
      g_autofree char *email = g_strdup_printf ("p%02u@acme.no", p);
      g_autofree char *number = g_strdup_printf ("%u", 1000 + p);
      guint by_email = 0, by_number = 0;

      for (guint i = 0; i < json_array_get_length (employees); i++)
        {
          JsonObject *e = json_array_get_object_element (employees, i);

          by_email += g_ascii_strcasecmp (json_object_get_string_member (e, "email"), email) == 0;
          by_number += g_strcmp0 (json_object_get_string_member (e, "employeeNumber"), number) == 0;
        }
      if (by_email != 1 || by_number != 1)
        g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): %s is in "
                            "payroll %u times by email, %u by employee number", f->seed, f->seed, email,
                            by_email, by_number);
    }
  for (guint i = 0; i < json_array_get_length (employees); i++)
    g_hash_table_add (ids, id_of (json_array_get_object_element (employees, i)));
  for (guint i = 0; i < json_array_get_length (employments); i++)
    {
      JsonObject *e = json_array_get_object_element (employments, i);
      gint64 employee = ref_id (json_object_get_member (e, "employee"));

      if (!g_hash_table_contains (ids, &employee))
        g_test_fail_printf ("seed %" G_GUINT64_FORMAT ": employment %" G_GINT64_FORMAT " has no employee",
                            f->seed, json_object_get_int_member (e, "id"));
      g_hash_table_add (ids, id_of (e));
    }
  for (guint i = 0; i < json_array_get_length (details); i++)
    {
      JsonObject *d = json_array_get_object_element (details, i);
      gint64 employment = ref_id (json_object_get_member (d, "employment"));

      if (!g_hash_table_contains (ids, &employment))
        g_test_fail_printf ("seed %" G_GUINT64_FORMAT ": employment details %" G_GINT64_FORMAT " have no "
                            "employment", f->seed, json_object_get_int_member (d, "id"));
    }
}

/* The outbox empty and nothing open in the error log (SPEC R3, C7). */
static void
assert_settled (Fixture *f)
{
  g_autofree char *summary = outbox_summary (f);

  if (g_strcmp0 (summary, "active: pending 0, attention 0, held 0, open errors 0") != 0)
    {
      g_autoptr(JsonNode) errors = cli_json (f, "errors", "--open");
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *text = NULL;

      json_generator_set_root (generator, errors);
      text = json_generator_to_data (generator, NULL);
      g_test_message ("[seed %" G_GUINT64_FORMAT "] open errors: %s", f->seed, text);
      g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): not "
                          "settled: %s", f->seed, f->seed, summary);
    }
}

static void
judge (Fixture   *f,
       GPtrArray *expected,
       guint      people)
{
  g_autoptr(JsonNode) state = control (f, "GET", "/_sandbox/state", NULL);

  assert_nobody_doubled (f, state, people);
  assert_same_payroll (f, expected, state);
  assert_settled (f);
}

/* --- SPEC R3: a user sync killed ---------------------------------------------------------- */

/* The first user sync (HR wins, everyone created in payroll), killed once
 * the sandbox has seen a random number of its requests, then run again to
 * the end: everyone in payroll exactly once, as the clean run left them,
 * the connection active (SPEC R3, U4, U6). */
static void
test_users_sync_killed (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GArray) seeds = seeds_to_run (5);
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(JsonNode) clean = NULL;
  gint64 clean_requests;
  guint killed = 0;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  /* The clean run: what every seed must end in, and how many requests
   * it takes (the range of the kill). */
  fixture_restart (f);
  set_up_connection (f);
  clean_requests = requests_seen (f);
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
  assert_ran (f, &run);
  clean_requests = requests_seen (f) - clean_requests;
  clean = control (f, "GET", "/_sandbox/state", NULL);
  expected = normalize_state (clean);
  judge (f, expected, N_PEOPLE);
  remove_connection (f);
  g_test_message ("clean user sync: %" G_GINT64_FORMAT " requests", clean_requests);

  for (guint s = 0; s < seeds->len; s++)
    {
      guint64 rng;

      f->seed = g_array_index (seeds, guint64, s);
      rng = f->seed;
      fixture_restart (f);
      set_up_connection (f);
      killed += run_cli_killed (f, rand_range (&rng, 1, (guint) clean_requests),
                                rand_range (&rng, 0, LATENCY_MS * 1000),
                                "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
      run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
      if (run.status != 0)
        g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): the user "
                            "sync run again exited %d: %s", f->seed, f->seed, run.status, run.err);
      judge (f, expected, N_PEOPLE);
      remove_connection (f);
      if (g_test_failed ())
        break;
    }
  g_test_message ("%u of %u runs killed before they ended", killed, seeds->len);
  /* A kill that never lands proves nothing. */
  g_assert_cmpuint (killed, >, 0);
  run_clear (&run);
}

/* --- SPEC R3: a push killed ------------------------------------------------------------------ */

/* Activation (a clean user sync), vacation mapped, then the first batch of
 * HR changes pushed and killed at a random point, the second batch made,
 * and `push` run again to the end: payroll as the clean run left it (every
 * change with its final values, nothing doubled, no employment or salary
 * twice or without its owner), the outbox empty, no open error (SPEC R3,
 * U7, P1, P2, S1, A1, A3). */
static void
test_push_killed (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GArray) seeds = seeds_to_run (5);
  g_autofree char *a = batch_a ();
  g_autofree char *b = batch_b ();
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(JsonNode) clean = NULL;
  gint64 clean_requests;
  guint killed = 0;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  fixture_restart (f);
  set_up_connection (f);
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
  assert_ran (f, &run);
  map_vacation (f);
  import_json (f, "a.json", a);
  clean_requests = requests_seen (f);
  run_cli (f, &run, NULL, "push", "Acme", NULL);
  assert_ran (f, &run);
  clean_requests = requests_seen (f) - clean_requests;
  import_json (f, "b.json", b);
  run_cli (f, &run, NULL, "push", "Acme", NULL);
  assert_ran (f, &run);
  clean = control (f, "GET", "/_sandbox/state", NULL);
  expected = normalize_state (clean);
  judge (f, expected, N_PEOPLE + N_NEW);
  remove_connection (f);
  g_test_message ("clean push of the first batch: %" G_GINT64_FORMAT " requests", clean_requests);

  for (guint s = 0; s < seeds->len; s++)
    {
      guint64 rng;

      f->seed = g_array_index (seeds, guint64, s);
      rng = f->seed;
      fixture_restart (f);
      set_up_connection (f);
      run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
      g_assert_cmpint (run.status, ==, 0);
      map_vacation (f);
      import_json (f, "a.json", a);
      killed += run_cli_killed (f, rand_range (&rng, 1, (guint) clean_requests),
                                rand_range (&rng, 0, LATENCY_MS * 1000), "push", "Acme", NULL);
      import_json (f, "b.json", b);
      run_cli (f, &run, NULL, "push", "Acme", NULL);
      if (run.status != 0 || strstr (run.out, "still waiting 0") == NULL)
        g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): the push "
                            "run again exited %d: %s%s", f->seed, f->seed, run.status, run.out, run.err);
      judge (f, expected, N_PEOPLE + N_NEW);
      remove_connection (f);
      if (g_test_failed ())
        break;
    }
  g_test_message ("%u of %u runs killed before they ended", killed, seeds->len);
  g_assert_cmpuint (killed, >, 0);
  run_clear (&run);
}

/* --- SPEC R2, C7: a faulty payroll --------------------------------------------------------- */

/* A user sync (@users) or `push --wait` until it exits 0 or MAX_ROUNDS;
 * after every round that left a failure whose retries ran out, the error
 * log has an open entry for it (C7): for a person the user sync failed,
 * one naming them; for an outbox entry that needs attention, one naming
 * its person; for a push that says "See the error log", at least one.
 * Returns the rounds taken. */
static guint
until_done (Fixture    *f,
            const char *what,
            gboolean    users)
{
  Run run = { 0 };
  guint round;

  for (round = 1; round <= MAX_ROUNDS; round++)
    {
      g_autoptr(JsonNode) errors = NULL;
      g_autoptr(JsonNode) outbox = NULL;
      JsonArray *open, *entries;

      if (users)
        run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
      else
        run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
      if (run.status == 0)
        break;

      errors = cli_json (f, "errors", "--open");
      open = json_object_get_array_member (json_node_get_object (errors), "errors");
      /* A push whose entries only wait for another try (an answer that
       * could not be read has five) has nothing to log yet; one that
       * parked an entry or met an outage says "See the error log". */
      if (json_array_get_length (open) == 0 && (users || strstr (run.out, "See the error log") != NULL))
        g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): %s "
                            "failed (%s%s) and the error log has nothing open", f->seed, f->seed, what,
                            run.out, run.err);
      if (users)
        {
          /* Every person the run failed has an open entry naming them
           * (U11, C7): "Name <email>   failed: …" in its report. */
          g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);

          for (guint i = 0; lines[i] != NULL; i++)
            {
              const char *open_angle = strchr (lines[i], '<');
              const char *close_angle = open_angle != NULL ? strchr (open_angle, '>') : NULL;
              g_autofree char *email = NULL;
              gboolean logged = FALSE;

              if (close_angle == NULL || strstr (close_angle, " failed") == NULL)
                continue;
              email = g_strndup (open_angle + 1, close_angle - open_angle - 1);
              for (guint j = 0; j < json_array_get_length (open); j++)
                logged |= strstr (json_object_get_string_member_with_default (json_array_get_object_element (open, j),
                                                                              "who", ""), email) != NULL;
              if (!logged)
                g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): the "
                                    "user sync failed %s and no open error names them", f->seed, f->seed, email);
            }
          continue;
        }

      /* Every entry that needs attention has its own open entry (C7),
       * and is sent again. */
      outbox = cli_json (f, "outbox", NULL);
      entries = json_object_get_array_member (json_node_get_object (outbox), "entries");
      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          JsonObject *e = json_array_get_object_element (entries, i);
          const char *email = json_object_get_string_member_with_default (e, "email", "");
          gboolean logged = FALSE;

          if (g_strcmp0 (json_object_get_string_member (e, "state"), "attention") != 0)
            continue;
          for (guint j = 0; j < json_array_get_length (open); j++)
            {
              const char *who = json_object_get_string_member_with_default (json_array_get_object_element (open, j),
                                                                            "who", "");

              const char *message = json_object_get_string_member_with_default (json_array_get_object_element (open, j),
                                                                                "message", "");

              logged |= strstr (who, email) != NULL;
              /* SPEC R2: a retry that payroll refuses as a duplicate (409)
               * means the first send landed and was sent again blind. */
              if (strstr (who, email) != NULL && strstr (message, " 409 ") != NULL)
                g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): a "
                                    "send of %s was refused as a duplicate: %s", f->seed, f->seed, email, message);
            }
          if (!logged)
            g_test_fail_printf ("seed %" G_GUINT64_FORMAT ": an outbox entry of %s needs attention and no open "
                                "error names them", f->seed, email);
        }
      run_cli (f, &run, NULL, "outbox", "Acme", "--retry-all", NULL);
    }
  g_test_message ("[seed %" G_GUINT64_FORMAT "] %s: %u rounds", f->seed, what, round);
  if (round > MAX_ROUNDS)
    g_test_fail_printf ("seed %" G_GUINT64_FORMAT " (replay: PB_CRASH_SEED=%" G_GUINT64_FORMAT "): %s did not "
                        "converge in %u rounds", f->seed, f->seed, what, MAX_ROUNDS);
  run_clear (&run);
  return round;
}

/* The whole workload (user sync, two batches pushed) against a payroll that
 * answers 10 % of requests 500 or 503, 5 % 429 with Retry-After, drops 2 %
 * of connections after doing the work and cuts 1 % of answers short, run
 * again until done: payroll ends as the clean run's, every failure that
 * outlasted the retries was in the error log meanwhile, and at the end
 * nothing is open (SPEC R2, C7, U11). */
static void
test_faults_converge (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GArray) seeds = seeds_to_run (1);
  g_autofree char *a = batch_a ();
  g_autofree char *b = batch_b ();
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(JsonNode) clean = NULL;
  guint64 injected = 0;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  fixture_restart (f);
  set_up_connection (f);
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
  assert_ran (f, &run);
  map_vacation (f);
  import_json (f, "a.json", a);
  run_cli (f, &run, NULL, "push", "Acme", NULL);
  assert_ran (f, &run);
  import_json (f, "b.json", b);
  run_cli (f, &run, NULL, "push", "Acme", NULL);
  assert_ran (f, &run);
  clean = control (f, "GET", "/_sandbox/state", NULL);
  expected = normalize_state (clean);
  remove_connection (f);

  for (guint s = 0; s < seeds->len; s++)
    {
      g_autofree char *faults = NULL;
      g_autoptr(JsonNode) set = NULL;
      g_autoptr(JsonNode) counts = NULL;
      gint64 before;

      f->seed = g_array_index (seeds, guint64, s);
      fixture_restart (f);
      set_up_connection (f);
      before = requests_seen (f);
      faults = g_strdup_printf ("{\"fail_rate\": 0.10, \"throttle_rate\": 0.05, \"drop_rate\": 0.02,"
                                " \"malformed_rate\": 0.01, \"seed\": %" G_GUINT64_FORMAT "}", f->seed);
      set = control (f, "POST", "/_sandbox/faults", faults);

      until_done (f, "users sync", TRUE);
      map_vacation (f);
      import_json (f, "a.json", a);
      until_done (f, "push of the first batch", FALSE);
      import_json (f, "b.json", b);
      until_done (f, "push of the second batch", FALSE);

      counts = control (f, "GET", "/_sandbox/requests", NULL);
      injected += json_object_get_int_member (json_node_get_object (counts), "total") - before;
      g_clear_pointer (&set, json_node_unref);
      set = control (f, "POST", "/_sandbox/faults", "{\"fail_rate\": 0, \"throttle_rate\": 0, \"drop_rate\": 0,"
                     " \"malformed_rate\": 0}");
      judge (f, expected, N_PEOPLE + N_NEW);
      remove_connection (f);
      if (g_test_failed ())
        break;
    }
  g_test_message ("%" G_GUINT64_FORMAT " requests under faults", injected);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  /* --seeds=N is ours; g_test_init() would refuse it. */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--seeds="))
      {
        seeds_option = g_ascii_strtoull (argv[i] + strlen ("--seeds="), NULL, 10);
        memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
        argc--;
        i--;
      }
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/crash-resume/users-sync-killed", Fixture, NULL, fixture_set_up, test_users_sync_killed,
              fixture_tear_down);
  g_test_add ("/crash-resume/push-killed", Fixture, NULL, fixture_set_up, test_push_killed, fixture_tear_down);
  g_test_add ("/crash-resume/faults-converge", Fixture, NULL, fixture_set_up, test_faults_converge,
              fixture_tear_down);

  return g_test_run ();
}
