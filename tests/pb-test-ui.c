/* pb-test-ui.c: the app under test — what the UI tests share
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pb-sync-driver.h"
#include "pb-sync-engine.h"
#include "pb-test-ui.h"
#include "pb-test-utils.h"

static gboolean have_display;

/**
 * pb_test_ui_init:
 *
 * What a UI test's main() does first: GTK and libadwaita on the display if
 * there is one, the system's MIME database and icon theme, and
 * g_test_init() with isolated folders.
 *
 * Returns: whether there is a display
 */
gboolean
pb_test_ui_init (int    *argc,
                 char ***argv)
{
#ifdef __SANITIZE_ADDRESS__
  /* GL under ASan reports the driver's leaks, not ours. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
#endif

  pb_test_use_system_mime_database ();
  have_display = gtk_init_check ();
  if (have_display)
    {
      adw_init ();
      gtk_icon_theme_get_for_display (gdk_display_get_default ());
    }

  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  return have_display;
}

/**
 * pb_test_ui_available:
 *
 * Whether the test can run: a display and a session bus (the app's
 * GApplication and keyring need one). If not, skips the test (fails it in
 * CI) and returns %FALSE.
 */
gboolean
pb_test_ui_available (void)
{
  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return FALSE;
    }

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no session bus (run under build-aux/run-headless)");
      return FALSE;
    }

  return TRUE;
}

/* Runs what the main loop has ready, until nothing is. */
void
pb_test_iterate_idle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Returns: (transfer none): @widget's template child @name (asserted) */
gpointer
pb_test_template_child (gpointer    widget,
                        GType       type,
                        const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/**
 * pb_test_app_start:
 * @name: names the register's folder and the application id
 * @payroll_seed: (nullable): what the Tripletex sandbox holds
 * @hr_json: (nullable): imported into the register before the app opens it
 *
 * Starts the application, registered but without a window, on a register
 * of its own. Does nothing and returns %FALSE without a display or a
 * session bus (the test then skips through pb_test_ui_available()).
 */
gboolean
pb_test_app_start (PbTestApp  *t,
                   const char *name,
                   const char *payroll_seed,
                   const char *hr_json)
{
  static guint n_apps;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = NULL;
  g_autofree char *suffix = NULL;

  if (!have_display || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return FALSE;

  t->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  if (payroll_seed != NULL)
    {
      pb_sandbox_load_seed_data (t->sandbox, payroll_seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (t->sandbox, 0, &error);
  g_assert_no_error (error);

  t->dir = pb_test_make_dir (name);
  if (hr_json != NULL)
    {
      g_autoptr(PbStore) store = pb_store_open (t->dir, &error);

      g_assert_no_error (error);
      pb_test_import (store, hr_json);
    }

  /* "errorlog-view" -> ….Test_errorlog_view_3: an application id of its own,
   * so tests do not hand their windows to one another. */
  suffix = g_strdelimit (g_strdup (name), "-", '_');
  app_id = g_strdup_printf ("io.github.paybridge.Paybridge.Test_%s_%u", suffix, ++n_apps);
  g_setenv ("PAYBRIDGE_DATA_DIR", t->dir, TRUE);
  t->app = pb_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (t->app), NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("PAYBRIDGE_DATA_DIR");
  t->store = pb_application_get_store (t->app);
  g_assert_nonnull (t->store);
  return TRUE;
}

/**
 * pb_test_app_connect:
 * @types: what the connection syncs
 * @by_user_sync: activated by its first user sync (which links the people
 *   in both, SPEC U6), else activated directly (nobody linked)
 *
 * An active connection "Acme payroll" to the sandbox, whose changes the
 * app's sync driver sends with the test's provider.
 */
void
pb_test_app_connect (PbTestApp   *t,
                     PbDataTypes  types,
                     gboolean     by_user_sync)
{
  g_autoptr(GError) error = NULL;

  t->connection = pb_connection_new ();
  t->connection->name = g_strdup ("Acme payroll");
  t->connection->system = g_strdup ("tripletex");
  t->connection->sync_types = types;
  t->connection->base_url = g_strdup (pb_sandbox_get_api_url (t->sandbox));
  t->connection->remote_currency = g_strdup ("NOK");   /* the sandbox company's (S4) */
  if (!by_user_sync)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      t->connection->state = PB_CONNECTION_ACTIVE;
      t->connection->activated_at = g_date_time_format_iso8601 (now);
    }
  t->provider = pb_test_new_provider ("tripletex", t->connection->base_url, NULL);
  pb_store_save_connection (t->store, t->connection, &error);
  g_assert_no_error (error);
  pb_sync_driver_set_provider (pb_application_get_sync_driver (t->app), t->connection->id, t->provider);

  if (by_user_sync)
    pb_test_activate (t->store, t->connection, t->provider, FALSE);
  else
    {
      pb_sync_engine_activate (t->store, t->connection, &error);
      g_assert_no_error (error);
    }
}

/* The application's window, mapped at @width x @height. */
void
pb_test_app_show (PbTestApp *t,
                  int        width,
                  int        height)
{
  g_application_activate (G_APPLICATION (t->app));
  t->window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (t->app)));
  g_assert_true (PB_IS_WINDOW (t->window));
  gtk_window_set_default_size (GTK_WINDOW (t->window), width, height);
  g_assert_true (pb_test_iterate_until (is_mapped, t->window, 20));
}

/* Closes every window, then drops the app, the connection and the sandbox. */
void
pb_test_app_stop (PbTestApp *t)
{
  if (t->app != NULL)
    {
      g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (t->app)));

      for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_destroy (l->data);
      pb_test_iterate_idle ();
      g_clear_object (&t->app);
    }

  t->store = NULL;
  t->window = NULL;
  g_clear_object (&t->provider);
  g_clear_object (&t->connection);
  g_clear_object (&t->sandbox);
  g_clear_pointer (&t->dir, g_free);
  pb_test_iterate_idle ();
}
