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

#include "pb-providers.h"
#include "pb-user-sync.h"

/* bench-apply PAYROLL_SANDBOX [N] [LATENCY_MS]: starts the payroll-sandbox
 * program (Tripletex) with every answer delayed LATENCY_MS (default 50),
 * and in this one process creates N people (default 200) in payroll by a
 * user sync twice: as the engine runs it (as many people at once as the
 * connector's bound on requests in flight), and with that bound set to 1,
 * one request at a time. Each run has its own people, its own register and
 * the same sandbox. Prints the time and people per second of each and the
 * ratio. A benchmark, not a test: nothing here asserts a time. */

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
  Wait planned = { 0 };
  Wait applied = { 0 };
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

  start = g_get_monotonic_time ();
  pb_user_sync_apply_async (store, connection, provider, plan, NULL, NULL, NULL, on_done_cb, &applied);
  wait_for (&applied);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  if (applied.report.created_in_payroll != n || applied.report.failed != 0)
    g_error ("%s: created %u of %u, %u failed", label, applied.report.created_in_payroll, n,
             applied.report.failed);

  printf ("%-10s %5u people, %2u in flight: %7.2f s, %7.1f people/s\n", label, n,
          pb_http_get_max_in_flight (pb_provider_get_http (provider)), seconds, n / seconds);
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
  g_autoptr(GSubprocess) sandbox = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *api_url = NULL;
  double parallel, sequential;

  if (sandbox_path == NULL || n == 0)
    {
      fprintf (stderr, "Usage: bench-apply PAYROLL_SANDBOX [N] [LATENCY_MS]\n");
      return 2;
    }

  sandbox = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              sandbox_path, "--system", "tripletex", "--latency-ms", latency, NULL);
  if (sandbox == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sandbox));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    g_error ("payroll-sandbox did not start: %s", error != NULL ? error->message : line);
  api_url = g_strconcat (line + strlen ("listening on "), "/v2", NULL);

  printf ("apply: create N people in payroll through payroll-sandbox, %s ms per answer\n", latency);
  parallel = run (api_url, "parallel", n, 0);
  sequential = run (api_url, "sequential", n, 1);
  printf ("parallel is %.1fx the throughput of sequential\n", sequential / parallel);

  g_subprocess_force_exit (sandbox);
  return 0;
}
