/* bench-errorlog.c: how long the Error Log view takes to open over an error
 * log of N entries (default 100,000; issue 11: under 100 ms): the model's
 * creation (its count), the first page read, and, with a display, the
 * page's first frame. Prints milliseconds, and the query plans of the
 * first page so that a missing index shows.
 *
 *   meson test -C _build --benchmark errorlog-100000
 *   build-aux/run-headless _build/tests/tools/bench-errorlog 100000
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "pb-connection.h"
#include "pb-error-log-page-private.h"
#include "pb-store-private.h"

static void
fill (PbStore *store,
      gint64   connection_id,
      guint    n)
{
  g_autofree char *sql = NULL;
  char *message = NULL;

  /* A third each open, resolved and dismissed; seen one second apart. */
  sql = g_strdup_printf ("WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %u) "
                         "INSERT INTO error_log (connection_id, at, last_at, entity, record_id, employee_id, who, "
                         "what, message, system_message, advice, resolved, count) "
                         "SELECT %" G_GINT64_FORMAT ", strftime ('%%Y-%%m-%%dT%%H:%%M:%%SZ', '2026-01-01', '+' || i || ' seconds'), "
                         "strftime ('%%Y-%%m-%%dT%%H:%%M:%%SZ', '2026-01-01', '+' || i || ' seconds'), "
                         "'employee', i, NULL, 'Person ' || i || ' <p' || i || '@acme.no>', 'Update the employee', "
                         "'Payroll refused the change', '422 Unprocessable Entity: Validering feilet.', "
                         "'Correct the field in the HR register', i %% 3, 1 + i %% 4 FROM n",
                         n, connection_id);
  if (sqlite3_exec (pb_store_get_db (store), "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec (pb_store_get_db (store), sql, NULL, NULL, &message) != SQLITE_OK ||
      sqlite3_exec (pb_store_get_db (store), "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    g_error ("Could not fill the error log: %s", message);
}

static void
print_plan (PbStore    *store,
            const char *label,
            const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  sqlite3_stmt *stmt;

  if (sqlite3_prepare_v2 (pb_store_get_db (store), explain, -1, &stmt, NULL) != SQLITE_OK)
    return;
  g_print ("plan (%s):\n", label);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_print ("  %s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
on_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-errorlog-XXXXXX", &error);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbErrorLogModel) model = NULL;
  PbErrorQuery open = PB_ERROR_QUERY_INIT;
  gboolean have_display;
  gint64 start;
  double t_model, t_page, t_open;
  g_autofree char *rm = NULL;

  have_display = gtk_init_check ();
  if (have_display)
    adw_init ();

  g_assert_no_error (error);
  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  connection->name = g_strdup ("Bench payroll");
  connection->system = g_strdup ("tripletex");
  pb_store_save_connection (store, connection, &error);
  g_assert_no_error (error);
  fill (store, connection->id, n);

  print_plan (store, "open, all connections",
              "SELECT id FROM error_log WHERE 1 AND resolved = 0 ORDER BY coalesce (last_at, at) DESC, id DESC "
              "LIMIT 200 OFFSET 0");
  print_plan (store, "any state, one connection",
              "SELECT id FROM error_log WHERE 1 AND connection_id = 1 ORDER BY coalesce (last_at, at) DESC, id DESC "
              "LIMIT 200 OFFSET 0");

  /* The view opens as the model over the whole log, then the Open filter. */
  start = g_get_monotonic_time ();
  model = pb_error_log_model_new (store);
  open.state = PB_ERROR_OPEN;
  pb_error_log_model_set_query (model, &open);
  t_model = ms_since (start);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < MIN (PB_ERROR_LOG_PAGE_SIZE, g_list_model_get_n_items (G_LIST_MODEL (model))); i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
  t_page = ms_since (start);

  g_print ("entries: %u, open: %u\n", n, g_list_model_get_n_items (G_LIST_MODEL (model)));
  g_print ("model (count): %.1f ms\n", t_model);
  g_print ("first page (%u rows): %.1f ms\n", PB_ERROR_LOG_PAGE_SIZE, t_page);
  g_print ("open (model + first page): %.1f ms\n", t_model + t_page);

  /* The last page: its offset is walked in the index. */
  start = g_get_monotonic_time ();
  g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), g_list_model_get_n_items (G_LIST_MODEL (model)) - 1));
  g_print ("last page: %.1f ms\n", ms_since (start));

  if (have_display)
    {
      GtkWidget *window = gtk_window_new ();
      GtkWidget *page;
      gboolean painted = FALSE;
      gboolean timed_out = FALSE;
      GdkFrameClock *clock;

      gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
      g_timeout_add_seconds (60, on_timeout_cb, &timed_out);

      /* The window first, empty: GTK's own start (fonts, theme, the
       * renderer, the first map) is not the view's. */
      gtk_window_present (GTK_WINDOW (window));
      clock = gtk_widget_get_frame_clock (window);
      g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &painted);
      while (!painted && !timed_out)
        g_main_context_iteration (NULL, TRUE);

      painted = FALSE;
      start = g_get_monotonic_time ();
      page = pb_error_log_page_new ();
      pb_error_log_page_set_store (PB_ERROR_LOG_PAGE (page), store);
      gtk_window_set_child (GTK_WINDOW (window), page);
      g_print ("page built: %.1f ms\n", ms_since (start));
      while (!painted && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      t_open = ms_since (start);
      g_print ("page's first frame: %.1f ms%s\n", t_open, timed_out ? " (timed out)" : "");
      g_signal_handlers_disconnect_by_data (clock, &painted);
      gtk_window_destroy (GTK_WINDOW (window));
    }
  else
    g_print ("page's first frame: no display (run under build-aux/run-headless)\n");

  g_clear_object (&model);
  g_clear_object (&store);
  rm = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (rm) != 0)
    g_printerr ("Could not remove %s\n", dir);

  return t_model + t_page < 100 ? EXIT_SUCCESS : EXIT_FAILURE;
}
