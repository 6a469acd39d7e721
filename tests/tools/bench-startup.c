/* bench-startup.c: the app's cold start, from its spawn to its first
 * painted frame, and its peak resident memory by then, over an empty
 * register and one of N people (issue 14: 10,000 people in under 300 ms
 * and 120 MB), with GSK's default renderer and with cairo.
 *
 * The register is made once (pb-gen-hr, then `paybridge-cli import`) in
 * $PB_BENCH_DIR (default /tmp/paybridge-bench-startup-HASH, one per build
 * of paybridge-cli) and reused. Each
 * start runs `paybridge --data-dir DIR` with PB_REPORT_FIRST_FRAME=1 (see
 * src/ui/main.c): the app prints the monotonic time of its first frame's
 * after-paint and its VmHWM, then quits. The first start of each renderer
 * is a warm-up (a fresh home has a cold Mesa shader cache) and is printed
 * apart; the others give the median, min and max, and the median CPU time
 * (user + system) of a whole run, which a busy machine disturbs less than
 * the wall clock. PAYBRIDGE may be a
 * comma-separated list of builds (before,after): they are started in turn.
 *
 *   build-aux/run-headless meson test -C _build --benchmark startup-10000
 *   build-aux/run-headless _build/tests/tools/bench-startup \
 *     _build/tests/tools/pb-gen-hr _build/src/cli/paybridge-cli _build/src/ui/paybridge 10000 [RUNS]
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct
{
  double ms;        /* spawn to the first frame */
  double cpu_ms;    /* user + system CPU of the whole run (it quits at the first frame) */
  double main_ms;   /* main() to the first frame */
  long   rss_kb;
} Start;

static void
run_or_die (const char * const *argv,
            const char         *stdout_path)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  if (stdout_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, stdout_path);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL || !g_subprocess_wait_check (process, NULL, &error))
    g_error ("%s: %s", argv[0], error->message);
}

/* The register of @n people in @dir, made the first time. */
static void
ensure_register (const char *gen,
                 const char *cli,
                 const char *dir,
                 guint       n)
{
  g_autofree char *done = g_build_filename (dir, "bench-complete", NULL);
  g_autofree char *json = g_build_filename (dir, "people.json", NULL);
  g_autofree char *n_text = g_strdup_printf ("%u", n);

  if (g_file_test (done, G_FILE_TEST_EXISTS))
    return;

  g_mkdir_with_parents (dir, 0700);
  if (n > 0)
    {
      const char *gen_argv[] = { gen, "--seed", "1", n_text, NULL };
      const char *import_argv[] = { cli, "--data-dir", dir, "import", json, NULL };

      g_printerr ("Making a register of %u people in %s\n", n, dir);
      run_or_die (gen_argv, json);
      run_or_die (import_argv, "/dev/null");
    }
  else
    {
      const char *people_argv[] = { cli, "--data-dir", dir, "people", NULL };

      run_or_die (people_argv, "/dev/null");   /* creates the empty store */
    }
  g_file_set_contents (done, "", 0, NULL);
}

static double
children_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_CHILDREN, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

static gboolean
start_once (const char *app,
            const char *dir,
            const char *renderer,
            Start      *start)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 spawned;
  gint64 frame_us = 0;
  double cpu_before = children_cpu_ms ();
  const char *argv[] = { app, "--data-dir", dir, NULL };

  g_subprocess_launcher_setenv (launcher, "PB_REPORT_FIRST_FRAME", "1", TRUE);
  if (renderer != NULL)
    g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", renderer, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "GSK_RENDERER");

  spawned = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error))
    {
      g_printerr ("%s: %s\n", app, error->message);
      return FALSE;
    }
  g_subprocess_wait (process, NULL, NULL);

  memset (start, 0, sizeof *start);
  start->cpu_ms = children_cpu_ms () - cpu_before;
  start->rss_kb = -1;
  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "first-frame-monotonic-us "))
        frame_us = g_ascii_strtoll (lines[i] + strlen ("first-frame-monotonic-us "), NULL, 10);
      else if (g_str_has_prefix (lines[i], "first-frame-ms "))
        start->main_ms = g_ascii_strtod (lines[i] + strlen ("first-frame-ms "), NULL);
      else if (g_str_has_prefix (lines[i], "peak-rss-kb "))
        start->rss_kb = strtol (lines[i] + strlen ("peak-rss-kb "), NULL, 10);
    }
  if (frame_us == 0)
    {
      g_printerr ("%s did not report its first frame (output: %s)\n", app, out);
      return FALSE;
    }
  start->ms = (frame_us - spawned) / 1000.0;

  return TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* @apps: one or more builds of the app, measured in turn, start by start,
 * so that a busy machine weighs on each alike. */
static gboolean
measure (char       **apps,
         const char  *dir,
         guint        n,
         const char  *renderer,
         guint        runs)
{
  guint n_apps = g_strv_length (apps);
  g_autofree Start *first = g_new0 (Start, n_apps);
  g_autofree double *ms = g_new0 (double, n_apps * runs);
  g_autofree double *main_ms = g_new0 (double, n_apps * runs);
  g_autofree double *rss = g_new0 (double, n_apps * runs);
  g_autofree double *cpu = g_new0 (double, n_apps * runs);

  for (guint a = 0; a < n_apps; a++)
    if (!start_once (apps[a], dir, renderer, &first[a]))
      return FALSE;

  for (guint i = 0; i < runs; i++)
    for (guint a = 0; a < n_apps; a++)
      {
        Start start;

        if (!start_once (apps[a], dir, renderer, &start))
          return FALSE;
        ms[a * runs + i] = start.ms;
        main_ms[a * runs + i] = start.main_ms;
        rss[a * runs + i] = start.rss_kb / 1024.0;
        cpu[a * runs + i] = start.cpu_ms;
      }

  for (guint a = 0; a < n_apps; a++)
    {
      double *m = ms + a * runs, *mm = main_ms + a * runs, *r = rss + a * runs, *c = cpu + a * runs;

      qsort (m, runs, sizeof (double), compare_double);
      qsort (mm, runs, sizeof (double), compare_double);
      qsort (r, runs, sizeof (double), compare_double);
      qsort (c, runs, sizeof (double), compare_double);
      if (n_apps > 1)
        g_print ("%s\n", apps[a]);
      g_print ("%6u people, GSK_RENDERER=%-7s first frame %6.1f ms median (%6.1f-%6.1f; from main() %6.1f), "
               "CPU %6.1f ms, peak RSS %5.1f MB (%5.1f-%5.1f); first start %6.1f ms, %5.1f MB\n",
               n, renderer != NULL ? renderer : "default", m[runs / 2], m[0], m[runs - 1], mm[runs / 2],
               c[runs / 2], r[runs / 2], r[0], r[runs - 1], first[a].ms, first[a].rss_kb / 1024.0);
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const char *base = g_getenv ("PB_BENCH_DIR");
  g_autofree char *base_owned = NULL;
  const char *renderers[] = { NULL, "cairo" };
  guint sizes[2] = { 0, 10000 };
  guint runs = 5;
  gboolean ok = TRUE;
  g_auto(GStrv) apps = NULL;

  if (argc < 4)
    {
      g_printerr ("Usage: %s PB-GEN-HR PAYBRIDGE-CLI PAYBRIDGE[,PAYBRIDGE...] [N_PEOPLE [RUNS]]\n", argv[0]);
      return 2;
    }
  apps = g_strsplit (argv[3], ",", -1);
  if (argc > 4)
    sizes[1] = (guint) g_ascii_strtoull (argv[4], NULL, 10);
  if (argc > 5)
    runs = MAX (1, (guint) g_ascii_strtoull (argv[5], NULL, 10));
  if (base == NULL)
    {
      /* One per build: another branch's build may have migrated a shared
       * register past what this one knows. */
      g_autofree char *cli = g_canonicalize_filename (argv[2], NULL);

      base = base_owned = g_strdup_printf ("/tmp/paybridge-bench-startup-%08x", g_str_hash (cli));
    }

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("No display: run it under build-aux/run-headless\n");
      return 77;
    }

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autofree char *name = g_strdup_printf ("%u", sizes[s]);
      g_autofree char *dir = g_build_filename (base, name, NULL);

      ensure_register (argv[1], argv[2], dir, sizes[s]);
      for (guint r = 0; r < G_N_ELEMENTS (renderers); r++)
        ok = measure (apps, dir, sizes[s], renderers[r], runs) && ok;
    }

  return ok ? 0 : 1;
}
