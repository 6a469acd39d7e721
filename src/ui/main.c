/* main.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "Paybridge"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb-application.h"

/* PB_REPORT_FIRST_FRAME=1: at the first window's first painted frame (the
 * first after-paint of its frame clock), print the time since main() and
 * the monotonic clock (so that a launcher can count from its own spawn),
 * the peak resident memory so far, then quit. tests/tools/bench-startup
 * reads these lines. */
static gint64 main_started_us;

static long
read_status_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, field)) == NULL)
    return -1;

  return strtol (line + strlen (field), NULL, 10);
}

static void
on_first_after_paint_cb (GdkFrameClock *clock,
                         GApplication  *app)
{
  gint64 now = g_get_monotonic_time ();

  g_signal_handlers_disconnect_by_func (clock, on_first_after_paint_cb, app);
  printf ("first-frame-ms %.1f\n", (now - main_started_us) / 1000.0);
  printf ("first-frame-monotonic-us %" G_GINT64_FORMAT "\n", now);
  printf ("peak-rss-kb %ld\n", read_status_kb ("VmHWM:"));
  fflush (stdout);
  g_application_quit (app);
}

static void
on_window_realize_cb (GtkWidget    *window,
                      GApplication *app)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_first_after_paint_cb), app);
}

static void
on_window_added_cb (GtkApplication *app,
                    GtkWindow      *window)
{
  g_signal_handlers_disconnect_by_func (app, on_window_added_cb, NULL);
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    on_window_realize_cb (GTK_WIDGET (window), G_APPLICATION (app));
  else
    g_signal_connect (window, "realize", G_CALLBACK (on_window_realize_cb), app);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PbApplication) app = NULL;

  main_started_us = g_get_monotonic_time ();
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Paybridge"));

  app = pb_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  if (g_getenv ("PB_REPORT_FIRST_FRAME") != NULL)
    g_signal_connect (app, "window-added", G_CALLBACK (on_window_added_cb), NULL);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
