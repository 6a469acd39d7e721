/* test-rejection-notice.c: how the app tells of an absence payroll cannot
 * take (SPEC A7): a desktop notification when no window of the app has the
 * focus, a toast when one has; both say who, which period, payroll's words
 * and who is notified, and both lead to the person.
 *
 * The notification is caught by a stand-in org.freedesktop.Notifications
 * server on the test's private session bus (build-aux/run-headless), the
 * interface GLib's "freedesktop" notification backend talks to.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "pb-application.h"
#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-people-page.h"
#include "pb-sandbox.h"
#include "pb-sync-driver.h"
#include "pb-sync-engine.h"
#include "pb-test-ui.h"
#include "pb-test-utils.h"
#include "pb-window.h"

#define WAIT_CAP_SECONDS 90

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"absence_types\": [ { \"key\": \"other\", \"name\": \"Other\" } ],"
  "  \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"given_name\": \"Ola\", \"family_name\": \"Hansen\", \"email\": \"ola@acme.no\" }"
  "] }";

/* Kari's approved absence, while she is linked to no one in payroll (she
 * was in the register before the activation, and no user sync ran): it
 * cannot be sent, so it is rejected in HR (SPEC A7). */
static const char rejected_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", \"absences\": ["
  "  { \"type\": \"other\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
  "    \"state\": \"approved\" } ] } ] }";

static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"firstName\": \"Ola\", \"lastName\": \"Hansen\", \"email\": \"ola@acme.no\" }"
  "] }";

/* --- a stand-in notification server ------------------------------------------------- */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/> <arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/> <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/> <arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/> <arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'> <arg type='u' direction='in'/> </method>"
  "    <method name='GetCapabilities'> <arg type='as' direction='out'/> </method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/> <arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/> <arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'> <arg type='u'/> <arg type='s'/> </signal>"
  "    <signal name='NotificationClosed'> <arg type='u'/> <arg type='u'/> </signal>"
  "  </interface>"
  "</node>";

typedef struct
{
  GDBusConnection *bus;
  guint            object_id;
  guint            name_id;
  gboolean         owned;
  guint            n_notified;
  guint32          last_id;
  char            *summary;
  char            *body;
  GStrv            actions;
  gboolean         window_was_active;   /* the watched window, as Notify came */
} Server;

/* (nullable): the window whose focus decides between toast and notification */
static GtkWindow *watched_window;

static void
server_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *object_path,
                    const char            *interface_name,
                    const char            *method_name,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  Server *server = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      const char *summary, *body;
      g_autofree const char **actions = NULL;

      g_variant_get (parameters, "(&su&s&s&s^a&s@a{sv}i)", NULL, NULL, NULL, &summary, &body,
                     &actions, NULL, NULL);
      g_free (server->summary);
      g_free (server->body);
      g_strfreev (server->actions);
      server->summary = g_strdup (summary);
      server->body = g_strdup (body);
      server->actions = g_strdupv ((char **) actions);
      server->n_notified++;
      server->window_was_active = watched_window != NULL && gtk_window_is_active (watched_window);
      server->last_id = 41 + server->n_notified;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", server->last_id));
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ssss)", "test", "paybridge", "1", "1.2"));
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ((Server *) user_data)->owned = TRUE;
}

static gboolean
server_owned (gpointer data)
{
  return ((Server *) data)->owned;
}

static void
server_start (Server *server)
{
  static const GDBusInterfaceVTable vtable = { server_method_call, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr(GError) error = NULL;

  server->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  server->object_id = g_dbus_connection_register_object (server->bus, "/org/freedesktop/Notifications",
                                                         info->interfaces[0], &vtable, server, NULL, &error);
  g_assert_no_error (error);
  server->name_id = g_bus_own_name_on_connection (server->bus, "org.freedesktop.Notifications",
                                                  G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired, NULL,
                                                  server, NULL);
  g_assert_true (pb_test_iterate_until (server_owned, server, 10));
}

static void
server_stop (Server *server)
{
  if (server->bus == NULL)
    return;
  g_bus_unown_name (server->name_id);
  g_dbus_connection_unregister_object (server->bus, server->object_id);
  g_clear_object (&server->bus);
  g_clear_pointer (&server->summary, g_free);
  g_clear_pointer (&server->body, g_free);
  g_clear_pointer (&server->actions, g_strfreev);
}

/* What the person clicking the notification does: the server says the
 * default action was invoked. */
static void
server_click (Server *server)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal (server->bus, NULL, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", "ActionInvoked",
                                 g_variant_new ("(us)", server->last_id, "default"), &error);
  g_assert_no_error (error);
}

/* --- the fixture: the app, no window yet, an active connection ---------------------- */

typedef struct
{
  PbTestApp t;
  Server    server;
} Fixture;

static gint64
employee_id (Fixture    *f,
             const char *email)
{
  g_autoptr(PbRecord) person = pb_store_find_employee (f->t.store, NULL, email, NULL);

  g_assert_nonnull (person);
  return pb_record_get_id (person);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  if (!pb_test_app_start (&f->t, "rejection-notice", payroll_seed, hr_json))
    return;
  server_start (&f->server);
  /* An established connection syncing users and absence. */
  pb_test_app_connect (&f->t, PB_DATA_USERS | PB_DATA_ABSENCE, FALSE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  watched_window = NULL;
  pb_test_app_stop (&f->t);
  server_stop (&f->server);
  pb_test_iterate_idle ();
}

static gboolean
was_notified (gpointer data)
{
  return ((Fixture *) data)->server.n_notified > 0;
}

static PbWindow *
main_window (Fixture *f)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (f->t.app));

  return PB_IS_WINDOW (window) ? PB_WINDOW (window) : NULL;
}

static gboolean
has_window (gpointer data)
{
  PbWindow *window = main_window (data);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static gint64
selected_person (PbWindow *window)
{
  PbPeoplePage *people = PB_PEOPLE_PAGE (gtk_widget_get_template_child (GTK_WIDGET (window), PB_TYPE_WINDOW,
                                                                        "people_page"));
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (GTK_WIDGET (people),
                                                                        PB_TYPE_PEOPLE_PAGE, "column_view"));
  PbRecord *selected = gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (gtk_column_view_get_model (view)));

  return selected != NULL ? pb_record_get_id (selected) : 0;
}

/* SPEC A7: with no window of the app open, the rejection is a desktop
 * notification: who and which period, payroll's reason, who is notified;
 * clicking it opens the app on that person. */
static void
test_notification (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *body = NULL;
  PbWindow *window;

  if (!pb_test_ui_available ())
    return;

  g_assert_null (main_window (f));
  pb_test_import (f->t.store, rejected_json);
  g_assert_true (pb_test_iterate_until (was_notified, f, WAIT_CAP_SECONDS));
  pb_test_iterate_idle ();

  g_assert_cmpuint (f->server.n_notified, ==, 1);
  g_assert_cmpstr (f->server.summary, ==, "Absence rejected by Tripletex");
  body = g_strescape (f->server.body, NULL);
  g_test_message ("body: %s", body);
  g_assert_nonnull (strstr (f->server.body, "Kari Nordmann"));
  g_assert_nonnull (strstr (f->server.body, "17"));
  g_assert_nonnull (strstr (f->server.body, "Notified:"));
  g_assert_cmpint (pb_store_count_open_errors (f->t.store, f->t.connection->id), ==, 1);

  /* Clicking it opens the app's window on Kari. */
  server_click (&f->server);
  g_assert_true (pb_test_iterate_until (has_window, f, 20));
  pb_test_iterate_idle ();
  window = main_window (f);
  g_assert_cmpstr (pb_window_get_view (window), ==, "people");
  g_assert_cmpint (selected_person (window), ==, employee_id (f, "kari@acme.no"));
}

/* Finds a GtkLabel showing @text under @widget. */
static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_active (gpointer data)
{
  return gtk_window_is_active (data);
}

typedef struct
{
  PbWindow   *window;
  const char *text;
  Server     *server;
} Shown;

static gboolean
label_shown (gpointer data)
{
  Shown *shown = data;

  return find_label (GTK_WIDGET (shown->window), shown->text) != NULL;
}

static gboolean
toast_or_notification (gpointer data)
{
  Shown *shown = data;

  return label_shown (shown) || shown->server->n_notified > 0;
}

/* Finds the button inside the toast showing @title. */
static GtkWidget *
toast_button (PbWindow   *window,
              const char *title)
{
  GtkWidget *label = find_label (GTK_WIDGET (window), title);
  GtkWidget *toast = label;

  while (toast != NULL && g_strcmp0 (G_OBJECT_TYPE_NAME (toast), "AdwToastWidget") != 0)
    toast = gtk_widget_get_parent (toast);
  g_assert_nonnull (toast);

  for (GtkWidget *c = gtk_widget_get_first_child (toast); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_BUTTON (c) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (c)), "_Show") == 0)
      return c;

  return NULL;
}

/* SPEC A7: with the app's window in front, the rejection is a toast (no
 * notification on top of what the administrator is looking at); its Show
 * button opens the person. */
static void
test_toast (Fixture       *f,
            gconstpointer  data)
{
  PbWindow *window;
  GtkWidget *button;
  Shown shown;

  if (!pb_test_ui_available ())
    return;

  g_application_activate (G_APPLICATION (f->t.app));
  g_assert_true (pb_test_iterate_until (has_window, f, 20));
  window = main_window (f);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  pb_window_set_view (window, "mappings");
  /* With no window manager, the X server gives the focus when asked. */
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (pb_test_iterate_until (is_active, window, 20));

  pb_test_import (f->t.store, rejected_json);
  shown = (Shown) { window, "Absence rejected by Tripletex", &f->server };
  watched_window = GTK_WINDOW (window);
  g_assert_true (pb_test_iterate_until (toast_or_notification, &shown, WAIT_CAP_SECONDS));
  pb_test_iterate_idle ();
  if (f->server.n_notified > 0)
    {
      /* The window lost the focus on the way (a busy X server without a
       * window manager): then a notification is right, and no toast. */
      g_assert_false (f->server.window_was_active);
      g_assert_false (label_shown (&shown));
      g_test_message ("The window was not active when the rejection came: a notification, rightly");
      return;
    }

  button = toast_button (window, shown.text);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  pb_test_iterate_idle ();
  g_assert_cmpstr (pb_window_get_view (window), ==, "people");
  g_assert_cmpint (selected_person (window), ==, employee_id (f, "kari@acme.no"));
}

int
main (int   argc,
      char *argv[])
{
  /* GLib's notification backend that speaks org.freedesktop.Notifications,
   * whatever else the machine has. */
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  pb_test_ui_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/rejection-notice/A7-notification", test_notification);
  ADD ("/rejection-notice/A7-toast", test_toast);
#undef ADD

  return g_test_run ();
}
