/* shoot-import.c: the app importing a big file, for screenshots of its
 * progress bar and for the main loop's longest stall in the app itself
 *
 * shoot-import PB_GEN_HR N [OUT.png [WIDTHxHEIGHT]]
 *
 * Writes N people with pb-gen-hr, opens the app on the demo register (when
 * PB_SOURCE_ROOT is set; else an empty one) and imports them with
 * app.import-file, as the header button or a drop does. With OUT.png: a
 * screenshot once the bar is about half-way. Without: a 1 ms timer on the
 * main loop records the longest gap between its runs, and how much of it
 * the main thread spent on the CPU (the rest is the machine's other work),
 * from the start of the import to the toast and the reloaded list.
 * With PB_SHOOT_PRELOAD=M the register holds pb-gen-hr's first M people
 * (same seed) before the app starts: the import then changes a register
 * that already holds most of them (a re-import of a grown file).
 * Run it under build-aux/run-headless; dark style:
 * ADW_DEBUG_COLOR_SCHEME=prefer-dark. Not a test: a tool for the docs.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gdk/x11/gdkx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pb-application.h"
#include "pb-import.h"
#include "pb-window.h"

typedef struct
{
  PbApplication *app;
  gint64 busiest_importing;  /* the most CPU in one gap that ended with the import still running */
  gint64 last;
  gint64 last_cpu;
  gint64 longest;       /* µs between two runs */
  gint64 longest_cpu;   /* the main thread's CPU time in that gap */
  gint64 busiest;       /* the most CPU time in one gap */
} Stall;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
on_tick (gpointer user_data)
{
  Stall *stall = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();

  if (stall->last != 0)
    {
      if (now - stall->last > stall->longest)
        {
          stall->longest = now - stall->last;
          stall->longest_cpu = cpu - stall->last_cpu;
        }
      stall->busiest = MAX (stall->busiest, cpu - stall->last_cpu);
      if (pb_application_is_importing (stall->app))
        stall->busiest_importing = MAX (stall->busiest_importing, cpu - stall->last_cpu);
    }
  stall->last = now;
  stall->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

/* As the loop runs in the app: blocking, so that the 1 ms timer does not
 * starve the sources of lower priority (the frame clock, the People
 * list's growth a step a frame) as iterate_for()'s sleeps would. */
static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

static void
shoot (GtkWidget  *window,
       const char *out)
{
  g_autofree char *id = g_strdup_printf ("0x%lx", (unsigned long) gdk_x11_surface_get_xid (
                                           gtk_native_get_surface (GTK_NATIVE (window))));
  g_autofree char *command = g_strdup_printf ("import -window %s %s", id, out);

  if (system (command) != 0)
    g_error ("%s failed", command);
}

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

int
main (int   argc,
      char *argv[])
{
  const char *gen = argc > 2 ? argv[1] : NULL;
  const char *n = argc > 2 ? argv[2] : NULL;
  const char *out = argc > 3 ? argv[3] : NULL;
  const char *root = g_getenv ("PB_SOURCE_ROOT");
  int width = 1280, height = 800;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) generator = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *people = NULL;
  PbApplication *app;
  PbWindow *window;
  GtkProgressBar *bar;
  Stall stall = { 0 };
  gint64 start, cpu_start;
  guint tick;

  if (gen == NULL || strspn (n, "0123456789") != strlen (n))
    {
      g_printerr ("usage: [PB_SOURCE_ROOT=…] shoot-import PB_GEN_HR N [OUT.png [WxH]]\n");
      return 2;
    }
  if (argc > 4)
    sscanf (argv[4], "%dx%d", &width, &height);

  gtk_init ();
  adw_init ();

  dir = g_dir_make_tmp ("pb-shoot-import-XXXXXX", &error);
  people = g_build_filename (dir, "people.json", NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, people);
  generator = g_subprocess_launcher_spawn (launcher, &error, gen, "--seed", "1", n, NULL);
  if (generator == NULL || !g_subprocess_wait_check (generator, NULL, &error))
    g_error ("%s", error->message);

  if (root != NULL)
    {
      g_autofree char *demo = g_build_filename (root, "data", "demo", "hr-demo.json", NULL);
      g_autoptr(PbStore) store = pb_store_open (dir, &error);
      g_autoptr(PbImportResult) result = NULL;

      if (store == NULL || !pb_import_file (store, demo, PB_IMPORT_FLAGS_NONE, &result, &error))
        g_error ("register: %s", error->message);
    }

  if (g_getenv ("PB_SHOOT_PRELOAD") != NULL)
    {
      g_autofree char *preload = g_build_filename (dir, "preload.json", NULL);
      g_autoptr(GSubprocessLauncher) preloader = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(PbStore) store = NULL;
      g_autoptr(PbImportResult) result = NULL;

      g_subprocess_launcher_set_stdout_file_path (preloader, preload);
      process = g_subprocess_launcher_spawn (preloader, &error, gen, "--seed", "1",
                                             g_getenv ("PB_SHOOT_PRELOAD"), NULL);
      if (process == NULL || !g_subprocess_wait_check (process, NULL, &error))
        g_error ("%s", error->message);
      store = pb_store_open (dir, &error);
      if (store == NULL || !pb_import_file (store, preload, PB_IMPORT_FLAGS_NONE, &result, &error))
        g_error ("preload: %s", error->message);
      g_unlink (preload);
    }

  g_setenv ("PAYBRIDGE_DATA_DIR", dir, TRUE);
  app = pb_application_new ("io.github.paybridge.Paybridge.ShootImport", G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_application_activate (G_APPLICATION (app));
  window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  pb_window_set_view (window, "people");
  iterate_for (1500);   /* the first frames (GL on llvmpipe takes its time) */

  bar = GTK_PROGRESS_BAR (gtk_widget_get_template_child (GTK_WIDGET (window), PB_TYPE_WINDOW, "import_progress"));
  stall.app = app;
  start = g_get_monotonic_time ();
  cpu_start = thread_cpu_us ();
  tick = g_timeout_add (1, on_tick, &stall);
  g_action_group_activate_action (G_ACTION_GROUP (app), "import-file", g_variant_new_string (people));

  if (out != NULL)
    {
      while (pb_application_is_importing (app) && gtk_progress_bar_get_fraction (bar) < 0.45)
        g_main_context_iteration (NULL, TRUE);
      iterate_for (300);   /* the revealer's slide is over */
      shoot (GTK_WIDGET (window), out);
    }

  while (pb_application_is_importing (app))
    g_main_context_iteration (NULL, TRUE);
  /* What the end of the import queued: the list reloaded, the toast. */
  run_for (1000);
  g_source_remove (tick);

  if (out == NULL)
    {
      gint64 reload_start, reload_cpu;

      printf ("app import of %s people: %.1f ms longest stall (%.1f ms of it on the main thread's CPU), "
              "%.1f ms the most CPU in one gap (%.1f ms while the worker ran), %.2f s in all, "
              "%.2f s main-thread CPU\n",
              n, stall.longest / 1000.0, stall.longest_cpu / 1000.0, stall.busiest / 1000.0,
              stall.busiest_importing / 1000.0,
              (g_get_monotonic_time () - start) / 1e6, (thread_cpu_us () - cpu_start) / 1e6);

      /* What the import's end does on the loop, alone: every view read again
       * (the People list: every person, issue 14's lazy list). */
      reload_start = g_get_monotonic_time ();
      reload_cpu = thread_cpu_us ();
      pb_window_reload (window);
      printf ("pb_window_reload after it: %.1f ms (%.1f ms main-thread CPU)\n",
              (g_get_monotonic_time () - reload_start) / 1000.0, (thread_cpu_us () - reload_cpu) / 1000.0);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (200);
  g_object_unref (app);
  remove_dir (dir);
  return 0;
}
