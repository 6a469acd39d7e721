/* bench-push.c: real-time sync (the outbox) throughput against
 * payroll-sandbox with latency, several people at once next to one at a
 * time
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pb-import.h"
#include "pb-providers.h"
#include "pb-sync-engine.h"
#include "pb-user-sync.h"

/* bench-push PAYROLL_SANDBOX [N] [LATENCY_MS]: starts the payroll-sandbox
 * program (Tripletex) and in this one process runs the same work twice: as
 * the engine runs it (lanes side by side as the connector's bound on
 * requests in flight allows, paced by the answers, issue 14), and with
 * that bound fixed at 1, one request at a time.
 *
 * Each run has its own register and its own N people (default 2000). Set-up,
 * with no latency and not timed: the people are created in payroll and
 * linked by a user sync (which activates the connection for users,
 * positions and salary; the payroll currency is NOK); then one position and
 * one monthly NOK salary per person are imported, changes after the
 * activation. Timed, with every answer delayed LATENCY_MS (default 50):
 * pb_sync_engine_push_async() until the outbox is empty.
 *
 * Requests are the sandbox's own counts of API requests (GET
 * /_sandbox/requests, every "METHOD /v2/..." key, before and after the timed
 * part), so retries and the session are in them. Each run ends by checking
 * in GET /_sandbox/state that every person has exactly one employment, from
 * the position's start date, and exactly one employment details record
 * with a salary, the person's own: a run that did not do the work fails
 * here instead of printing a figure.
 *
 * Prints wall time, requests, requests/s, records/s and the process's CPU
 * time of each run, the requests by endpoint, and the ratio of the wall
 * times. A benchmark, not a test: nothing here asserts a time. */

#define START_DATE "2024-01-01"
#define FIRST_AMOUNT 40000   /* person i earns FIRST_AMOUNT + i NOK a month */

typedef struct
{
  gboolean         done;
  gpointer         result;
  gboolean         ok;
  GError          *error;
  PbUserSyncReport report;
  PbPushResult     pushed;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == pb_user_sync_plan_async)
    wait->result = pb_user_sync_plan_finish (result, &wait->error);
  else if (tag == pb_user_sync_apply_async)
    wait->ok = pb_user_sync_apply_finish (result, &wait->report, &wait->error);
  else
    wait->ok = pb_sync_engine_push_finish (result, &wait->pushed, &wait->error);
  wait->done = TRUE;
}

static void
wait_for (Wait *wait)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
  if (wait->error != NULL)
    g_error ("%s", wait->error->message);
}

/* The store's folder holds files only (the database and its journal). */
static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static char *
email_of (const char *label,
          guint       i)
{
  return g_strdup_printf ("%s.%05u@bench.example", label, i);
}

/* --- the sandbox's control endpoints (a separate process: sync calls are fine) --- */

typedef struct
{
  SoupSession *session;
  char        *root;       /* http://127.0.0.1:PORT */
} Sandbox;

static JsonNode *
control (Sandbox    *sandbox,
         const char *method,
         const char *path,
         const char *body)
{
  g_autofree char *url = g_strconcat (sandbox->root, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  reply = soup_session_send_and_read (sandbox->session, msg, NULL, &error);
  if (reply == NULL)
    g_error ("%s %s: %s", method, path, error->message);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_error ("%s %s: HTTP %u", method, path, soup_message_get_status (msg));
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), &error))
    g_error ("%s %s: %s", method, path, error->message);
  return json_parser_steal_root (parser);
}

static void
set_latency (Sandbox    *sandbox,
             const char *latency_ms)
{
  g_autofree char *body = g_strdup_printf ("{\"latency_ms\": %s}", latency_ms);
  g_autoptr(JsonNode) faults = control (sandbox, "POST", "/_sandbox/faults", body);

  if (g_strcmp0 (latency_ms, "0") != 0 &&
      json_object_get_int_member (json_node_get_object (faults), "latency_ms") != atoi (latency_ms))
    g_error ("payroll-sandbox did not take latency_ms %s", latency_ms);
}

/* "GET /v2/employee/20001" -> "GET /v2/employee/{id}" */
static char *
endpoint_of (const char *key)
{
  g_auto(GStrv) parts = g_strsplit (key, "/", -1);

  for (guint i = 1; parts[i] != NULL; i++)
    if (parts[i][0] != '\0' && strspn (parts[i], "0123456789") == strlen (parts[i]))
      {
        g_free (parts[i]);
        parts[i] = g_strdup ("{id}");
      }
  return g_strjoinv ("/", parts);
}

/* The sandbox's counts of API requests so far, by endpoint. */
static GHashTable *
api_requests (Sandbox *sandbox)
{
  g_autoptr(JsonNode) counts = control (sandbox, "GET", "/_sandbox/requests", NULL);
  JsonObject *requests = json_object_get_object_member (json_node_get_object (counts), "requests");
  g_autoptr(GList) keys = json_object_get_members (requests);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      const char *path = strchr (key, ' ');
      g_autofree char *endpoint = NULL;
      guint n;

      if (path == NULL || !g_str_has_prefix (path + 1, "/v2"))
        continue;
      endpoint = endpoint_of (key);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (out, endpoint));
      n += (guint) json_object_get_int_member (requests, key);
      g_hash_table_replace (out, g_steal_pointer (&endpoint), GUINT_TO_POINTER (n));
    }
  return out;
}

/* The requests between @before and @after. With @print, one line per endpoint. */
static guint
count_requests (GHashTable *before,
                GHashTable *after,
                gboolean    print)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (after), (GCompareFunc) g_strcmp0);
  guint total = 0;

  for (GList *l = keys; l != NULL; l = l->next)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (after, l->data)) -
                GPOINTER_TO_UINT (g_hash_table_lookup (before, l->data));

      if (n == 0)
        continue;
      if (print)
        printf ("             %6u  %s\n", n, (const char *) l->data);
      total += n;
    }
  return total;
}

/* --- checking the sandbox's state ------------------------------------------------ */

static gint64
ref_id (JsonObject *object,
        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  return json_object_get_int_member_with_default (json_node_get_object (node), "id", 0);
}

/* Every person of the run has exactly one employment, starting on the
 * position's start date, and exactly one employment details record with a
 * salary, which is theirs. Fails loudly otherwise. */
static void
verify (Sandbox    *sandbox,
        const char *label,
        guint       n)
{
  g_autoptr(JsonNode) state = control (sandbox, "GET", "/_sandbox/state", NULL);
  JsonObject *root = json_node_get_object (state);
  JsonArray *employees = json_object_get_array_member (root, "employees");
  JsonArray *employments = json_object_get_array_member (root, "employments");
  JsonArray *details = json_object_get_array_member (root, "employmentDetails");
  /* payroll employee id -> HR index + 1 */
  g_autoptr(GHashTable) person_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  /* employment id -> HR index + 1 */
  g_autoptr(GHashTable) employment_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree guint *n_employments = g_new0 (guint, n);
  g_autofree guint *n_salaries = g_new0 (guint, n);
  g_autofree guint *n_details = g_new0 (guint, n);
  g_autofree double *annual = g_new0 (double, n);
  g_autofree char *prefix = g_strconcat (label, ".", NULL);
  guint found = 0, all_details = 0;

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);
      const char *email = json_object_get_string_member_with_default (e, "email", "");
      guint64 index;

      if (!g_str_has_prefix (email, prefix) || strchr (email, '@') == NULL)
        continue;
      {
        g_autofree char *digits = g_strndup (email + strlen (prefix), strchr (email, '@') - email - strlen (prefix));

        if (!g_ascii_string_to_unsigned (digits, 10, 0, n - 1, &index, NULL))
          g_error ("%s: payroll has %s, who is not in this run", label, email);
      }
      if (g_hash_table_contains (person_of, &(gint64) { json_object_get_int_member (e, "id") }))
        g_error ("%s: payroll employee id %" G_GINT64_FORMAT " twice", label, json_object_get_int_member (e, "id"));
      g_hash_table_insert (person_of, g_memdup2 (&(gint64) { json_object_get_int_member (e, "id") }, sizeof (gint64)),
                           GUINT_TO_POINTER ((guint) index + 1));
      found++;
    }
  if (found != n)
    g_error ("%s: %u of %u people are in payroll", label, found, n);

  for (guint i = 0; i < json_array_get_length (employments); i++)
    {
      JsonObject *e = json_array_get_object_element (employments, i);
      guint index = GPOINTER_TO_UINT (g_hash_table_lookup (person_of, &(gint64) { ref_id (e, "employee") }));

      if (index-- == 0)
        continue;
      n_employments[index]++;
      if (g_strcmp0 (json_object_get_string_member_with_default (e, "startDate", ""), START_DATE) != 0)
        g_error ("%s: person %u's employment starts %s, not " START_DATE, label, index,
                 json_object_get_string_member_with_default (e, "startDate", "(none)"));
      g_hash_table_insert (employment_of, g_memdup2 (&(gint64) { json_object_get_int_member (e, "id") }, sizeof (gint64)),
                           GUINT_TO_POINTER (index + 1));
    }

  for (guint i = 0; i < json_array_get_length (details); i++)
    {
      JsonObject *d = json_array_get_object_element (details, i);
      guint index = GPOINTER_TO_UINT (g_hash_table_lookup (employment_of, &(gint64) { ref_id (d, "employment") }));
      double salary;

      if (index-- == 0)
        continue;
      all_details++;
      n_details[index]++;
      salary = json_object_get_double_member_with_default (d, "annualSalary", 0);
      if (salary > 0 || json_object_get_double_member_with_default (d, "hourlyWage", 0) > 0)
        {
          n_salaries[index]++;
          annual[index] = salary;
        }
    }

  for (guint i = 0; i < n; i++)
    {
      double expected = (FIRST_AMOUNT + i) * 12.0;

      if (n_employments[i] != 1)
        g_error ("%s: person %u has %u employments in payroll, not 1", label, i, n_employments[i]);
      if (n_salaries[i] != 1)
        g_error ("%s: person %u has %u employment details with a salary, not 1", label, i, n_salaries[i]);
      if (annual[i] != expected)
        g_error ("%s: person %u's annual salary is %.2f, not %.2f", label, i, annual[i], expected);
    }

  printf ("             verified: %u people, each with 1 employment from " START_DATE " and 1 employment details "
          "with their salary (%u employment details in all)\n", n, all_details);
}

/* --- one run ----------------------------------------------------------------------- */

static void
import (PbStore    *store,
        const char *name,
        GString    *json)
{
  g_autoptr(GError) error = NULL;

  if (!pb_import_data (store, name, json->str, json->len, FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error))
    g_error ("%s: %s", name, error->message);
}

/* One run: returns the seconds the push took for @n people. */
static double
run (Sandbox    *sandbox,
     const char *api_url,
     const char *label,
     guint       n,
     const char *latency_ms,
     guint       max_in_flight)
{
  g_autofree char *dir = g_dir_make_tmp ("bench-push-XXXXXX", NULL);
  g_autoptr(GHashTable) secrets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) hr = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [\n");
  g_autoptr(GString) changes = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [\n");
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  Wait planned = { 0 };
  Wait applied = { 0 };
  PbPushResult total = { 0 };
  guint pushes = 0;
  guint requests;
  gint64 start;
  double seconds, cpu;

  /* Set-up, untimed and without latency. */
  set_latency (sandbox, "0");

  store = pb_store_open (dir, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = email_of (label, i);

      g_string_append_printf (hr, "%s{ \"given_name\": \"Bench\", \"family_name\": \"%s\", \"email\": \"%s\" }\n",
                              i > 0 ? "," : "", label, email);
      g_string_append_printf (changes,
                              "%s{ \"email\": \"%s\", "
                              "\"positions\": [ { \"start_date\": \"" START_DATE "\", \"title\": \"Developer\", "
                              "\"percentage\": \"100\" } ], "
                              "\"salaries\": [ { \"start_date\": \"" START_DATE "\", \"amount\": \"%u\", "
                              "\"currency\": \"NOK\", \"period_unit\": \"monthly\" } ] }\n",
                              i > 0 ? "," : "", email, FIRST_AMOUNT + i);
    }
  g_string_append (hr, "] }\n");
  g_string_append (changes, "] }\n");
  import (store, "hr.json", hr);

  connection->name = g_strdup (label);
  connection->system = g_strdup ("tripletex");
  connection->base_url = g_strdup (api_url);
  connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY;
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("%s", error->message);

  g_hash_table_insert (secrets, (char *) "consumer-token", (char *) "sandbox-consumer");
  g_hash_table_insert (secrets, (char *) "employee-token", (char *) "sandbox-employee");
  provider = pb_provider_new ("tripletex", api_url, secrets, &error);
  if (provider == NULL)
    g_error ("%s", error->message);

  /* The people are created in payroll and linked; this activates the
   * connection (SPEC U6, C5). */
  pb_user_sync_plan_async (store, connection, provider, NULL, on_done_cb, &planned);
  wait_for (&planned);
  plan = planned.result;
  pb_user_sync_decide_defaults (plan, PB_DECISION_NONE, TRUE, FALSE);
  pb_user_sync_apply_async (store, connection, provider, plan, NULL, NULL, NULL, on_done_cb, &applied);
  wait_for (&applied);
  if (!applied.report.activated || applied.report.created_in_payroll != n || applied.report.failed != 0)
    g_error ("%s: set-up created %u of %u in payroll, %u failed%s", label, applied.report.created_in_payroll, n,
             applied.report.failed, applied.report.activated ? "" : ", not activated");

  /* The sandbox's company pays in NOK (SPEC S4). */
  g_free (connection->remote_currency);
  connection->remote_currency = g_strdup ("NOK");
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("%s", error->message);

  /* Changes after the activation: a position and a salary each. */
  import (store, "changes.json", changes);

  if (max_in_flight > 0)
    pb_http_set_max_in_flight (pb_provider_get_http (provider), max_in_flight);

  /* Timed: the push, until the outbox is empty. */
  set_latency (sandbox, latency_ms);
  before = api_requests (sandbox);
  cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  do
    {
      Wait pushed = { 0 };

      pb_sync_engine_push_async (store, connection, provider, NULL, on_done_cb, &pushed);
      wait_for (&pushed);
      pushes++;
      if (pushed.pushed.busy || pushed.pushed.stopped || pushed.pushed.attention > 0 || pushed.pushed.held > 0)
        g_error ("%s: push %u: %u sent, %u need attention, %u held%s%s", label, pushes, pushed.pushed.sent,
                 pushed.pushed.attention, pushed.pushed.held, pushed.pushed.busy ? ", busy" : "",
                 pushed.pushed.stopped ? ", stopped" : "");
      if (pushed.pushed.waiting > 0 && pushed.pushed.sent == 0)
        g_error ("%s: push %u sent nothing and %u wait", label, pushes, pushed.pushed.waiting);
      total.sent += pushed.pushed.sent;
      total.unchanged += pushed.pushed.unchanged;
      total.waiting = pushed.pushed.waiting;
    }
  while (total.waiting > 0);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  cpu = cpu_seconds () - cpu;
  after = api_requests (sandbox);

  if (total.sent != 2 * n)
    g_error ("%s: %u of %u changes sent (%u unchanged)", label, total.sent, 2 * n, total.unchanged);

  requests = count_requests (before, after, FALSE);
  printf ("%-10s %5u people, %s, at most %2u in flight: %8.2f s, %6u requests (%.2f per person), "
          "%6.1f requests/s, %6.1f people/s, %6.1f records/s (%u records, %u push%s), client CPU %.2f s\n",
          label, n, max_in_flight > 0 ? "fixed bound" : "paced bound",
          pb_http_get_max_in_flight_seen (pb_provider_get_http (provider)), seconds, requests,
          (double) requests / n, requests / seconds, n / seconds, total.sent / seconds, total.sent, pushes,
          pushes == 1 ? "" : "es", cpu);
  count_requests (before, after, TRUE);
  verify (sandbox, label, n);
  fflush (stdout);

  g_clear_object (&provider);
  g_clear_object (&store);
  remove_dir (dir);
  return seconds;
}

int
main (int   argc,
      char *argv[])
{
  const char *sandbox_path = argc > 1 ? argv[1] : NULL;
  guint n = argc > 2 ? (guint) atoi (argv[2]) : 2000;
  const char *latency = argc > 3 ? argv[3] : "50";
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *api_url = NULL;
  Sandbox sandbox = { 0 };
  double parallel, sequential;

  if (sandbox_path == NULL || n == 0 || n > 99999 || strspn (latency, "0123456789") != strlen (latency))
    {
      fprintf (stderr, "Usage: bench-push PAYROLL_SANDBOX [N] [LATENCY_MS]\n");
      return 2;
    }

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                            sandbox_path, "--system", "tripletex", "--latency-ms", latency, NULL);
  if (child == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    g_error ("payroll-sandbox did not start: %s", error != NULL ? error->message : line);
  sandbox.root = g_strdup (line + strlen ("listening on "));
  sandbox.session = soup_session_new ();
  api_url = g_strconcat (sandbox.root, "/v2", NULL);

  printf ("push: a position and a salary for each of N people, already linked, through payroll-sandbox, "
          "%s ms per answer\n", latency);
  fflush (stdout);
  parallel = run (&sandbox, api_url, "paced", n, latency, 0);
  sequential = run (&sandbox, api_url, "one", n, latency, 1);
  printf ("paced took %.2f s, one at a time %.2f s: paced is %.1fx the throughput of one at a time\n",
          parallel, sequential, sequential / parallel);

  g_object_unref (sandbox.session);
  g_free (sandbox.root);
  g_subprocess_force_exit (child);
  return 0;
}
