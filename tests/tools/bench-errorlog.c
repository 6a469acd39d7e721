/* bench-errorlog.c: how long the Error Log view takes to open over an error
 * log of N entries (default 100,000; issue 11: under 100 ms): the model's
 * creation (its count), the first page read, and, with a display, the
 * page's first frame, split into the widget's construction, setting its
 * model (GtkColumnView makes the cells of its rows there) and the first
 * frame (until the toplevel's frame clock's after-paint); the same for a
 * plain GtkColumnView with a GtkLabel per cell over the same model, so
 * that GTK's own cost under the display shows apart from ours. Prints
 * milliseconds, and the query plans of the first page so that a missing
 * index shows.
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

/* --- the baseline: a plain GtkColumnView, one GtkLabel per cell ------------------ */

#define BASELINE_COLUMNS 6

static void
baseline_setup_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, gtk_label_new (NULL));
}

static void
baseline_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  const PbErrorEntry *entry = pb_error_item_get_entry (gtk_list_item_get_item (list_item));
  const char *texts[BASELINE_COLUMNS] = {
    entry->last_at, entry->who, entry->what, entry->system_message, entry->advice, "Open",
  };

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)), texts[GPOINTER_TO_UINT (user_data)]);
}

static GtkWidget *
baseline_new (GtkColumnView **view_out)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));

  for (guint i = 0; i < BASELINE_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_signal_connect (factory, "setup", G_CALLBACK (baseline_setup_cb), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (baseline_bind_cb), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new ("Column", factory);
      gtk_column_view_column_set_expand (column, i == 3 || i == 4);
      gtk_column_view_append_column (view, column);
    }
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (view));
  *view_out = view;

  return scrolled;
}

/* --- timing a view --------------------------------------------------------------- */

typedef struct
{
  double built;      /* the widget constructed */
  double model;      /* its model set (GtkColumnView makes the rows' cells here) */
  double frame;      /* from shown to the toplevel's after-paint */
  double total;
} Timing;

/* Waits for the next frame of @window to be painted. */
static void
wait_for_frame (GtkWidget *window,
                gboolean  *timed_out)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);
  gboolean painted = FALSE;

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &painted);
  while (!painted && !*timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (clock, &painted);
}

static void
print_timing (const char   *label,
              const Timing *t)
{
  g_print ("%s: built %.1f ms, set model %.1f ms, first frame %.1f ms; total %.1f ms\n",
           label, t->built, t->model, t->frame, t->total);
}

/* The plain view over the same model (the Open filter) as the page. */
static void
time_baseline (GtkWidget *window,
               PbStore   *store,
               Timing    *t,
               gboolean  *timed_out)
{
  PbErrorQuery open = PB_ERROR_QUERY_INIT;
  g_autoptr(PbErrorLogModel) model = NULL;
  g_autoptr(GtkMultiSelection) selection = NULL;
  GtkColumnView *view;
  GtkWidget *scrolled;
  gint64 start = g_get_monotonic_time ();
  gint64 step = start;

  scrolled = baseline_new (&view);
  t->built = ms_since (step);
  step = g_get_monotonic_time ();
  model = pb_error_log_model_new (store);
  open.state = PB_ERROR_OPEN;
  pb_error_log_model_set_query (model, &open);
  selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (model)));
  gtk_column_view_set_model (view, GTK_SELECTION_MODEL (selection));
  t->model = ms_since (step);
  step = g_get_monotonic_time ();
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  wait_for_frame (window, timed_out);
  t->frame = ms_since (step);
  t->total = ms_since (start);
  gtk_window_set_child (GTK_WINDOW (window), NULL);
  wait_for_frame (window, timed_out);
}

static void
time_page (GtkWidget *window,
           PbStore   *store,
           Timing    *t,
           gboolean  *timed_out)
{
  GtkWidget *page;
  gint64 start = g_get_monotonic_time ();
  gint64 step = start;

  page = pb_error_log_page_new ();
  t->built = ms_since (step);
  step = g_get_monotonic_time ();
  pb_error_log_page_set_store (PB_ERROR_LOG_PAGE (page), store);
  t->model = ms_since (step);
  step = g_get_monotonic_time ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  wait_for_frame (window, timed_out);
  t->frame = ms_since (step);
  t->total = ms_since (start);
  gtk_window_set_child (GTK_WINDOW (window), NULL);
  wait_for_frame (window, timed_out);
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
  double t_model, t_page, t_open = 0;
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
      gboolean timed_out = FALSE;
      Timing baseline, page;

      gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
      g_timeout_add_seconds (60, on_timeout_cb, &timed_out);

      /* The window first, empty: GTK's own start (fonts, theme, the
       * renderer, the first map) is not the view's. */
      gtk_window_present (GTK_WINDOW (window));
      wait_for_frame (window, &timed_out);

      /* GTK's fixed cost under this display: a plain GtkColumnView with a
       * GtkLabel per cell over the same model, then the page. Each is
       * shown twice: the first time also pays for the first glyphs, CSS
       * and (the page's) template; the second shows the steady cost. */
      time_baseline (window, store, &baseline, &timed_out);
      time_page (window, store, &page, &timed_out);
      print_timing ("baseline, first shown (plain GtkColumnView, a GtkLabel per cell)", &baseline);
      print_timing ("page, first shown", &page);
      time_baseline (window, store, &baseline, &timed_out);
      time_page (window, store, &page, &timed_out);
      print_timing ("baseline, again", &baseline);
      print_timing ("page, again", &page);
      t_open = page.total;
      g_print ("page's first frame: %.1f ms%s (ours over the baseline: %+.1f ms)\n", t_open,
               timed_out ? " (timed out)" : "", page.total - baseline.total);
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
