/* shoot-assistant.c: screenshots of the set-up assistant for docs/screenshots
 *
 * shoot-assistant PAGE OUT.png [WIDTHxHEIGHT] [--narrow]
 *
 * PAGE: system, auth, scope, scope-all, sync or done (Tripletex), or
 * visma-tenant, visma-authority or visma-waiting (Visma.net Payroll's
 * Tenant ID, the authority check box, the sign-in), or fortnox-system,
 * fortnox-sign-in or fortnox-waiting (Fortnox chosen, its sign-in page,
 * waiting for the browser), fortnox-sync (what to sync with Fortnox), or
 * unimicro-system, unimicro-sign-in or unimicro-company (Unimicro chosen,
 * its sign-in page, and its companies after signing in to an in-process
 * Unimicro sandbox, the tool playing the browser; unimicro-company-one:
 * the sandbox's user reaches one company). Sets up the demo (the
 * demo register, an in-process sandbox seeded as the demo's), drives the
 * assistant through its actions to PAGE as a user would, and saves the
 * assistant window (--narrow: at WIDTHxHEIGHT, else at its own size). Run it under build-aux/run-headless; dark style:
 * ADW_DEBUG_COLOR_SCHEME=prefer-dark. Not a test: a tool for the docs.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pb-application.h"
#include "pb-connection-assistant.h"
#include "pb-connection-auth-editor-private.h"
#include "pb-connection-scope-editor.h"
#include "pb-import.h"
#include "pb-sandbox.h"
#include "pb-window.h"

/* Stands in for the browser sign-in: the assistant waits for it. */
static void
fortnox_waiting_sign_in (PbConnectionAuthEditor *editor,
                         PbStore                *store,
                         PbConnection           *connection,
                         GCancellable           *cancellable)
{
  pb_connection_auth_editor_sign_in_uri (editor, cancellable,
                                         "https://apps.fortnox.se/oauth-v1/auth?client_id=paybridge"
                                         "&scope=salary%20companyinformation&response_type=code");
}

static void
waiting_sign_in (PbConnectionAuthEditor *editor,
                 PbStore                *store,
                 PbConnection           *connection,
                 GCancellable           *cancellable)
{
  pb_connection_auth_editor_sign_in_uri (editor, cancellable,
                                         "https://connect.visma.com/connect/authorize?client_id=paybridge-desktop"
                                         "&tenant_id=0f3c5b7e-2a41-4d8e-9b6a-1c2d3e4f5a6b");
}

/* The browser, for a sign-in at the sandbox: it approves at once and
 * redirects to Paybridge's loopback address, which is then followed. */
typedef struct
{
  SoupSession *session;
  gboolean     done;
} Browser;

static void
on_back_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  ((Browser *) data)->done = TRUE;
}

static void
on_approved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Browser *browser = data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (message), "Location");
  g_autoptr(SoupMessage) back = NULL;

  if (location == NULL)
    g_error ("the sandbox did not redirect the sign-in");
  back = soup_message_new ("GET", location);
  soup_session_send_and_read_async (browser->session, back, G_PRIORITY_DEFAULT, NULL, on_back_cb, browser);
}

static gboolean
browser_done (gpointer data)
{
  return ((Browser *) data)->done;
}

static gboolean has_sign_in_uri (gpointer data);
static gboolean wait_until (gboolean (*done) (gpointer), gpointer data);

static void
play_browser (PbConnectionAuthEditor *auth)
{
  g_autoptr(SoupMessage) message = NULL;
  Browser browser = { soup_session_new (), FALSE };

  if (!wait_until (has_sign_in_uri, auth))
    g_error ("no sign-in link");
  message = soup_message_new ("GET", pb_connection_auth_editor_get_sign_in_uri (auth));
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (browser.session, message, G_PRIORITY_DEFAULT, NULL, on_approved_cb, &browser);
  if (!wait_until (browser_done, &browser))
    g_error ("the sign-in did not come back");
  g_object_unref (browser.session);
}

static gboolean
has_sign_in_uri (gpointer data)
{
  return pb_connection_auth_editor_get_sign_in_uri (data) != NULL;
}

static gboolean
settled (gpointer data)
{
  PbAuthEditorState state = pb_connection_auth_editor_get_state (data);

  return state != PB_AUTH_EDITOR_CHECKING && state != PB_AUTH_EDITOR_SIGNING_IN;
}

static gpointer
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static gboolean
wait_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
checked (gpointer data)
{
  PbAuthEditorState state = pb_connection_auth_editor_get_state (data);

  return state == PB_AUTH_EDITOR_VERIFIED || state == PB_AUTH_EDITOR_FAILED;
}

static gboolean
on_done (gpointer data)
{
  return g_strcmp0 (pb_connection_assistant_get_page (data), "done") == 0;
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gpointer
child (gpointer widget, GType type, const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

int
main (int   argc,
      char *argv[])
{
  const char *page = argc > 2 ? argv[1] : NULL;
  const char *out = argc > 2 ? argv[2] : NULL;
  int width = 1280, height = 800;
  gboolean narrow = FALSE;
  const char *root = g_getenv ("PB_SOURCE_ROOT");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *demo = NULL;
  g_autofree char *id = NULL;
  g_autofree char *command = NULL;
  PbApplication *app;
  PbWindow *window;
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  GType type = PB_TYPE_CONNECTION_ASSISTANT;

  if (page == NULL || root == NULL)
    {
      g_printerr ("usage: PB_SOURCE_ROOT=… shoot-assistant PAGE OUT.png [WxH] [--narrow]\n");
      return 2;
    }
  for (int i = 3; i < argc; i++)
    if (g_str_equal (argv[i], "--narrow"))
      narrow = TRUE;
    else
      sscanf (argv[i], "%dx%d", &width, &height);

  gtk_init ();
  adw_init ();
  /* A page, not a transition half done (on a loaded machine the 1.5 s
   * below may not see one end), as run-demo's screenshots. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  {
    const char *system = g_str_has_prefix (page, "unimicro-") ? "unimicro" : "tripletex";
    g_autofree char *seed_name = g_strdup_printf ("seed-%s-demo.json", system);

    sandbox = pb_sandbox_new (system, &error);
    seed = g_build_filename (root, "tests", "sandbox", seed_name, NULL);
    if (sandbox == NULL || !pb_sandbox_load_seed_file (sandbox, seed, &error) ||
        (g_str_equal (page, "unimicro-company-one") &&
         !pb_sandbox_load_seed_data (sandbox, "{\"companies\": 1}", -1, &error)) ||
        !pb_sandbox_listen (sandbox, 0, &error))
      g_error ("sandbox: %s", error->message);
  }

  dir = g_dir_make_tmp ("pb-shoot-XXXXXX", &error);
  demo = g_build_filename (root, "data", "demo", "hr-demo.json", NULL);
  {
    g_autoptr(PbStore) store = pb_store_open (dir, &error);
    g_autoptr(PbImportResult) result = NULL;

    if (store == NULL || !pb_import_file (store, demo, PB_IMPORT_FLAGS_NONE, &result, &error))
      g_error ("register: %s", error->message);
  }

  g_setenv ("PAYBRIDGE_DATA_DIR", dir, TRUE);
  app = pb_application_new ("io.github.paybridge.Paybridge.Shoot", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_application_activate (G_APPLICATION (app));
  window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  pb_window_set_view (window, "connections");
  iterate_for (500);

  g_action_group_activate_action (G_ACTION_GROUP (window), "add-connection", NULL);
  iterate_for (300);
  assistant = find_toplevel (PB_TYPE_CONNECTION_ASSISTANT);
  if (narrow)
    gtk_window_set_default_size (GTK_WINDOW (assistant), width, height);

  if (g_str_has_prefix (page, "visma-"))
    {
      gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.select-system", "s", "visma");
      gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.next", NULL);
      auth = child (assistant, type, "auth_editor");
      if (!g_str_equal (page, "visma-tenant"))
        {
          gtk_editable_set_text (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "tenant_row"),
                                 "0f3c5b7e-2a41-4d8e-9b6a-1c2d3e4f5a6b");
          gtk_check_button_set_active (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "authority_check"), TRUE);
        }
      if (g_str_equal (page, "visma-waiting"))
        {
          pb_connection_auth_editor_set_sign_in_func (waiting_sign_in);
          gtk_widget_activate_action (GTK_WIDGET (auth), "auth.sign-in", NULL);
        }
    }
  else if (g_str_has_prefix (page, "unimicro-"))
    {
      gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.select-system", "s", "unimicro");
      if (!g_str_equal (page, "unimicro-system"))
        gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.next", NULL);
      if (g_str_has_prefix (page, "unimicro-company"))
        {
          g_autofree char *auth_url = g_strdup_printf ("%s/oauth2/authorize", pb_sandbox_get_url (sandbox));
          g_autofree char *token_url = g_strdup_printf ("%s/oauth2/token", pb_sandbox_get_url (sandbox));
          GType auth_type = PB_TYPE_CONNECTION_AUTH_EDITOR;

          auth = child (assistant, type, "auth_editor");
          gtk_editable_set_text (child (auth, auth_type, "api_row"), pb_sandbox_get_api_url (sandbox));
          gtk_editable_set_text (child (auth, auth_type, "auth_url_row"), auth_url);
          gtk_editable_set_text (child (auth, auth_type, "token_url_row"), token_url);
          gtk_editable_set_text (child (auth, auth_type, "client_id_row"), "sandbox-client");
          gtk_widget_activate_action (GTK_WIDGET (auth), "auth.sign-in", NULL);
          play_browser (auth);
          if (!wait_until (settled, auth))
            g_error ("the companies were not listed");
        }
    }
  else if (g_str_has_prefix (page, "fortnox-"))
    {
      gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.select-system", "s", "fortnox");
      if (g_str_equal (page, "fortnox-sync"))
        /* What to sync depends on the system alone: straight to its page
         * (the sign-in before it is fortnox-waiting's). */
        adw_leaflet_set_visible_child_name (child (assistant, type, "leaflet"), "sync");
      else if (!g_str_equal (page, "fortnox-system"))
        gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.next", NULL);
      if (g_str_equal (page, "fortnox-waiting"))
        {
          auth = child (assistant, type, "auth_editor");
          pb_connection_auth_editor_set_sign_in_func (fortnox_waiting_sign_in);
          gtk_widget_activate_action (GTK_WIDGET (auth), "auth.sign-in", NULL);
        }
    }
  else
    gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.select-system", "s", "tripletex");
  if (!g_str_equal (page, "system") && !g_str_has_prefix (page, "visma-") && !g_str_has_prefix (page, "fortnox-") &&
      !g_str_has_prefix (page, "unimicro-"))
    {
      gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.next", NULL);
      auth = child (assistant, type, "auth_editor");
      gtk_editable_set_text (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "api_row"),
                             pb_sandbox_get_api_url (sandbox));
      gtk_editable_set_text (GTK_EDITABLE (find_named (GTK_WIDGET (auth), "consumer-token")), "sandbox-consumer");
      gtk_editable_set_text (GTK_EDITABLE (find_named (GTK_WIDGET (auth), "employee-token")), "sandbox-employee");
      if (!g_str_equal (page, "auth"))
        {
          gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.next", NULL);
          if (!wait_until (checked, auth))
            g_error ("the check did not end");
          if (g_str_equal (page, "scope-all"))
            adw_combo_row_set_selected (child (child (assistant, type, "scope_editor"),
                                               PB_TYPE_CONNECTION_SCOPE_EDITOR, "kind_row"), 0);
          if (g_str_equal (page, "sync") || g_str_equal (page, "done"))
            gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.next", NULL);
          if (g_str_equal (page, "done"))
            {
              gtk_widget_activate_action (GTK_WIDGET (assistant), "assistant.finish", NULL);
              if (!wait_until (on_done, assistant))
                g_error ("Connect did not end");
            }
        }
    }
  iterate_for (1500);

  /* Without a window manager the assistant sits at the screen's corner,
   * over the main window: the assistant alone is the clearer picture. */
  id = g_strdup_printf ("0x%lx", (unsigned long) gdk_x11_surface_get_xid (
                          gtk_native_get_surface (GTK_NATIVE (assistant))));
  command = g_strdup_printf ("import -window %s %s", id, out);
  if (system (command) != 0)
    g_error ("%s failed", command);

  gtk_window_destroy (GTK_WINDOW (assistant));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (200);
  return 0;
}
