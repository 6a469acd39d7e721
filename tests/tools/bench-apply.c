/* bench-apply.c: user-sync apply throughput against payroll-sandbox with
 * latency, several people at once next to one at a time
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pb-providers.h"
#include "pb-user-sync.h"

/* bench-apply PAYROLL_SANDBOX [N] [LATENCY_MS] [RATE_LIMIT]: starts the
 * payroll-sandbox program (Tripletex) with every answer delayed LATENCY_MS
 * (default 50), and a quota of RATE_LIMIT ("N/SECONDS", default none: the
 * sandbox then sends no X-Rate-Limit-* headers), and in this one process
 * creates N people (default 200) in payroll by a user sync twice: as the
 * engine runs it (the bound on requests in flight paced by the answers,
 * issue 14), and with that bound fixed at 1, one request at a time. Each
 * run has its own people, its own register and the same sandbox.
 *
 * Prints, for each: the time of the apply and people per second, the API
 * requests the apply made per person (the sandbox's own counts, GET
 * /_sandbox/requests, before and after the apply: the session, the one
 * listing and the creates, retries included) by endpoint, and the bound
 * the pacer reached; then the ratio. A benchmark, not a test: nothing here
 * asserts a time. */

typedef struct
{
  gboolean  done;
  gpointer  result;
  gboolean  ok;
  GError   *error;
  PbUserSyncReport report;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == pb_user_sync_plan_async)
    wait->result = pb_user_sync_plan_finish (result, &wait->error);
  else
    wait->ok = pb_user_sync_apply_finish (result, &wait->report, &wait->error);
  wait->done = TRUE;
}

/* --- the sandbox's control endpoints (a separate process: sync calls are fine) --- */

static SoupSession *control_session;
static char *control_root;   /* http://127.0.0.1:PORT */

static JsonNode *
control_get (const char *path)
{
  g_autofree char *url = g_strconcat (control_root, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  reply = soup_session_send_and_read (control_session, msg, NULL, &error);
  if (reply == NULL)
    g_error ("GET %s: %s", path, error->message);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), &error))
    g_error ("GET %s: %s", path, error->message);
  return json_parser_steal_root (parser);
}

/* "POST /v2/employee" -> count, "GET /v2/employee/12" as "GET /v2/employee/{id}" */
static GHashTable *
api_requests (void)
{
  g_autoptr(JsonNode) counts = control_get ("/_sandbox/requests");
  JsonObject *requests = json_object_get_object_member (json_node_get_object (counts), "requests");
  g_autoptr(GList) keys = json_object_get_members (requests);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (GList *l = keys; l != NULL; l = l->next)
    {
      const char *key = l->data;
      const char *path = strchr (key, ' ');
      g_auto(GStrv) parts = NULL;
      g_autofree char *endpoint = NULL;
      guint n;

      if (path == NULL || !g_str_has_prefix (path + 1, "/v2"))
        continue;
      parts = g_strsplit (key, "/", -1);
      for (guint i = 1; parts[i] != NULL; i++)
        if (parts[i][0] != '\0' && strspn (parts[i], "0123456789") == strlen (parts[i]))
          {
            g_free (parts[i]);
            parts[i] = g_strdup ("{id}");
          }
      endpoint = g_strjoinv ("/", parts);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (out, endpoint)) + (guint) json_object_get_int_member (requests, key);
      g_hash_table_replace (out, g_steal_pointer (&endpoint), GUINT_TO_POINTER (n));
    }
  return out;
}

/* The requests between @before and @after, one line per endpoint. */
static guint
count_requests (GHashTable *before,
                GHashTable *after,
                guint       n)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (after), (GCompareFunc) g_strcmp0);
  guint total = 0;

  for (GList *l = keys; l != NULL; l = l->next)
    {
      guint k = GPOINTER_TO_UINT (g_hash_table_lookup (after, l->data)) -
                GPOINTER_TO_UINT (g_hash_table_lookup (before, l->data));

      if (k == 0)
        continue;
      printf ("             %6u  %-40s %5.2f per person\n", k, (const char *) l->data, (double) k / n);
      total += k;
    }
  return total;
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

/* One run: returns the seconds apply took for @n people. */
static double
run (const char *api_url,
     const char *label,
     guint       n,
     guint       max_in_flight)
{
  g_autofree char *dir = g_dir_make_tmp ("bench-apply-XXXXXX", NULL);
  g_autoptr(GHashTable) secrets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  Wait planned = { 0 };
  Wait applied = { 0 };
  const PbPacer *pacer;
  PbHttp *http;
  guint requests;
  gint64 start;
  double seconds;

  store = pb_store_open (dir, &error);
  if (store == NULL || !pb_store_begin (store, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PbRecord) person = pb_record_new (PB_ENTITY_EMPLOYEE);
      g_autofree char *email = g_strdup_printf ("%s.%05u@bench.example", label, i);

      pb_record_set (person, PB_EMPLOYEE_GIVEN_NAME, "Bench");
      pb_record_set (person, PB_EMPLOYEE_FAMILY_NAME, label);
      pb_record_set (person, PB_EMPLOYEE_EMAIL, email);
      pb_record_set (person, PB_EMPLOYEE_STATUS, "active");
      if (!pb_store_save (store, person, NULL, &error))
        g_error ("%s", error->message);
    }
  if (!pb_store_commit (store, &error))
    g_error ("%s", error->message);

  connection->name = g_strdup (label);
  connection->system = g_strdup ("tripletex");
  connection->base_url = g_strdup (api_url);
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("%s", error->message);

  g_hash_table_insert (secrets, (char *) "consumer-token", (char *) "sandbox-consumer");
  g_hash_table_insert (secrets, (char *) "employee-token", (char *) "sandbox-employee");
  provider = pb_provider_new ("tripletex", api_url, secrets, &error);
  if (provider == NULL)
    g_error ("%s", error->message);
  if (max_in_flight > 0)
    pb_http_set_max_in_flight (pb_provider_get_http (provider), max_in_flight);

  pb_user_sync_plan_async (store, connection, provider, NULL, on_done_cb, &planned);
  wait_for (&planned);
  plan = planned.result;
  pb_user_sync_decide_defaults (plan, PB_DECISION_NONE, TRUE, FALSE);

  before = api_requests ();
  start = g_get_monotonic_time ();
  pb_user_sync_apply_async (store, connection, provider, plan, NULL, NULL, NULL, on_done_cb, &applied);
  wait_for (&applied);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  after = api_requests ();

  if (applied.report.created_in_payroll != n || applied.report.failed != 0)
    g_error ("%s: created %u of %u, %u failed", label, applied.report.created_in_payroll, n,
             applied.report.failed);

  http = pb_provider_get_http (provider);
  pacer = pb_http_get_pacer (http);
  printf ("%-10s %5u people, %s: %7.2f s, %7.1f people/s; at most %u in flight, the pacer halved %u times\n",
          label, n, max_in_flight > 0 ? "fixed bound" : "paced bound", seconds, n / seconds,
          pb_http_get_max_in_flight_seen (http), pacer->halvings);
  requests = count_requests (before, after, n);
  printf ("             %6u  requests in all: %.2f per person\n", requests, (double) requests / n);
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
  guint n = argc > 2 ? (guint) atoi (argv[2]) : 200;
  const char *latency = argc > 3 ? argv[3] : "50";
  const char *rate_limit = argc > 4 ? argv[4] : NULL;
  g_autoptr(GSubprocess) sandbox = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *api_url = NULL;
  double parallel, sequential;

  if (sandbox_path == NULL || n == 0)
    {
      fprintf (stderr, "Usage: bench-apply PAYROLL_SANDBOX [N] [LATENCY_MS] [RATE_LIMIT]\n");
      return 2;
    }

  sandbox = rate_limit != NULL
    ? g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                        sandbox_path, "--system", "tripletex", "--latency-ms", latency, "--rate-limit", rate_limit,
                        NULL)
    : g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                        sandbox_path, "--system", "tripletex", "--latency-ms", latency, NULL);
  if (sandbox == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sandbox));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    g_error ("payroll-sandbox did not start: %s", error != NULL ? error->message : line);
  control_root = g_strdup (line + strlen ("listening on "));
  control_session = soup_session_new ();
  api_url = g_strconcat (control_root, "/v2", NULL);

  printf ("apply: create N people in payroll through payroll-sandbox, %s ms per answer%s%s\n", latency,
          rate_limit != NULL ? ", quota " : "", rate_limit != NULL ? rate_limit : "");
  parallel = run (api_url, "paced", n, 0);
  sequential = run (api_url, "one", n, 1);
  printf ("paced took %.2f s, one at a time %.2f s: paced is %.1fx the throughput of one at a time\n",
          parallel, sequential, sequential / parallel);

  g_object_unref (control_session);
  g_free (control_root);

  g_subprocess_force_exit (sandbox);
  return 0;
}
