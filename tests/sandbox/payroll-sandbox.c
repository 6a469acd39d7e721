/* payroll-sandbox.c: serve an emulated payroll API on 127.0.0.1
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb-sandbox.h"

/* payroll-sandbox --system tripletex|fortnox [--port N] [--seed FILE]
 *                 [--latency-ms N] [--rate-limit N/SECONDS] [--fail-rate P]
 *                 [--drop-rate P] [--drop-before-read-rate P] [--malformed-rate P]
 *                 [--lock-rate P]
 *
 * Prints "listening on http://127.0.0.1:PORT" as its first line once it
 * accepts requests, then serves until SIGINT or SIGTERM. Exit status: 0
 * after a signal, 1 when it cannot start, 2 on a usage error. */

static gboolean
on_signal_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_rate (const char  *name,
            const char  *text,
            double      *rate,
            GError     **error)
{
  char *end = NULL;

  if (text == NULL)
    return TRUE;
  *rate = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !(*rate >= 0.0 && *rate <= 1.0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--%s: expected a probability from 0 to 1, not “%s”", name, text);
      return FALSE;
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *system = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *rate_limit = NULL;
  g_autofree char *fail_rate = NULL;
  g_autofree char *drop_rate = NULL;
  g_autofree char *drop_before_read_rate = NULL;
  g_autofree char *malformed_rate = NULL;
  g_autofree char *lock_rate = NULL;
  g_autofree char *throttle_rate = NULL;
  gint throttle_seconds = 0;
  gint port = 0;
  gint latency_ms = 0;
  gint64 fault_seed = 0;
  int job_ms = 0;
  gboolean verbose = FALSE;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_STRING, &system, "The payroll system to emulate", "SYSTEM" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0: any free one)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_FILENAME, &seed, "Records to start from (JSON)", "FILE" },
    { "latency-ms", 0, 0, G_OPTION_ARG_INT, &latency_ms, "Delay every answer", "N" },
    { "rate-limit", 0, 0, G_OPTION_ARG_STRING, &rate_limit, "Requests allowed per token and window", "N/SECONDS" },
    { "fail-rate", 0, 0, G_OPTION_ARG_STRING, &fail_rate, "Share of requests answered 500 or 503", "P" },
    { "drop-rate", 0, 0, G_OPTION_ARG_STRING, &drop_rate, "Share of connections closed without an answer", "P" },
    { "drop-before-read-rate", 0, 0, G_OPTION_ARG_STRING, &drop_before_read_rate,
      "Share of connections closed before the request is read (nothing done)", "P" },
    { "malformed-rate", 0, 0, G_OPTION_ARG_STRING, &malformed_rate, "Share of answers cut short", "P" },
    { "lock-rate", 0, 0, G_OPTION_ARG_STRING, &lock_rate, "Share of created timesheet entries locked", "P" },
    { "throttle-rate", 0, 0, G_OPTION_ARG_STRING, &throttle_rate,
      "Share of requests answered 429 with Retry-After (nothing done)", "P" },
    { "throttle-seconds", 0, 0, G_OPTION_ARG_INT, &throttle_seconds, "The Retry-After of those 429s (default 1)", "N" },
    { "job-ms", 0, 0, G_OPTION_ARG_INT, &job_ms, "How long an asynchronous write (Visma's jobs) takes", "N" },
    { "fault-seed", 0, 0, G_OPTION_ARG_INT64, &fault_seed, "Seed of the faults' random numbers", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log every request (never a token)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *systems = g_strjoinv ("|", (char **) pb_sandbox_list_systems ());
  g_autofree char *summary = g_strdup_printf ("Serves the API of a payroll system (%s) on 127.0.0.1.", systems);
  PbSandboxFaults faults = { 0 };
  guint sigint, sigterm;

  setlocale (LC_ALL, "");

  context = g_option_context_new ("— a payroll system's API on loopback");
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)
      || !parse_rate ("fail-rate", fail_rate, &faults.fail_rate, &error)
      || !parse_rate ("drop-rate", drop_rate, &faults.drop_rate, &error)
      || !parse_rate ("drop-before-read-rate", drop_before_read_rate, &faults.drop_before_read_rate, &error)
      || !parse_rate ("malformed-rate", malformed_rate, &faults.malformed_rate, &error)
      || !parse_rate ("lock-rate", lock_rate, &faults.lock_rate, &error)
      || !parse_rate ("throttle-rate", throttle_rate, &faults.throttle_rate, &error)
      || (rate_limit != NULL
          && !pb_sandbox_parse_rate_limit (rate_limit, &faults.rate_limit_count, &faults.rate_limit_seconds, &error)))
    {
      g_printerr ("payroll-sandbox: %s\n", error->message);
      return 2;
    }
  if (system == NULL || argc > 1 || port < 0 || port > 65535 || latency_ms < 0 || job_ms < 0
      || throttle_seconds < 0 || throttle_seconds > 3600)
    {
      g_printerr ("payroll-sandbox: %s\n",
                  system == NULL ? "--system is required"
                  : argc > 1 ? "unexpected arguments"
                  : latency_ms < 0 ? "--latency-ms: expected 0 or more"
                  : job_ms < 0 ? "--job-ms: expected 0 or more"
                  : throttle_seconds < 0 || throttle_seconds > 3600 ? "--throttle-seconds: expected 0 to 3600"
                  : "--port: expected 0 to 65535");
      return 2;
    }
  faults.latency_ms = latency_ms;
  faults.job_ms = job_ms;
  faults.throttle_seconds = (guint) throttle_seconds;
  faults.seed = (guint64) fault_seed;

  if (verbose)
    g_log_set_debug_enabled (TRUE);

  sandbox = pb_sandbox_new (system, &error);
  if (sandbox == NULL)
    {
      g_printerr ("payroll-sandbox: %s\n", error->message);
      return 2;
    }
  /* A system's own quota (Fortnox: 25 requests in any 5 s) stays unless
   * --rate-limit gives another (0/1: none). */
  if (rate_limit == NULL)
    {
      PbSandboxFaults defaults;

      pb_sandbox_get_faults (sandbox, &defaults);
      faults.rate_limit_count = defaults.rate_limit_count;
      faults.rate_limit_seconds = defaults.rate_limit_seconds;
    }
  if ((seed != NULL && !pb_sandbox_load_seed_file (sandbox, seed, &error))
      || !pb_sandbox_set_faults (sandbox, &faults, &error)
      || !pb_sandbox_listen (sandbox, port, &error))
    {
      g_printerr ("payroll-sandbox: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal_cb, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal_cb, loop);

  /* The first line of output: scripts wait for it, then read the URL. */
  g_print ("listening on %s\n", pb_sandbox_get_url (sandbox));
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  return 0;
}
