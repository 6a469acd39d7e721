/* test-connections-view.c: the Connections view, the set-up assistant and
 * the settings window, driven through their actions against the in-process
 * payroll sandbox and the (throw-away) keyring (SPEC C1-C4, C6)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pb-application.h"
#include "pb-connection-assistant.h"
#include "pb-connection-auth-editor-private.h"
#include "pb-connection-scope-editor.h"
#include "pb-connection-settings.h"
#include "pb-connection-sync-editor.h"
#include "pb-connections-page-private.h"
#include "pb-connections.h"
#include "pb-import.h"
#include "pb-sandbox.h"
#include "pb-outbox.h"
#include "pb-secrets.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"
#include "pb-window.h"

/* The keyring items as PbSecrets files them; the tests read the keyring
 * themselves rather than through PbSecrets. */
static const SecretSchema schema = {
  .name = "io.github.paybridge.Paybridge.Secret",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "connection", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

static const char register_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" },"
  "                  { \"key\": \"sbx\", \"name\": \"Sandbox Holding\", \"currency\": \"NOK\","
  "                    \"org_number\": \"999999999\" } ],"
  "  \"locations\": [ { \"key\": \"oslo\", \"name\": \"Oslo\", \"company\": \"acme\" } ],"
  "  \"teams\": [ { \"key\": \"eng\", \"name\": \"Engineering\" },"
  "               { \"key\": \"sales\", \"name\": \"Sales\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Ada\", \"family_name\": \"Lovelace\", \"email\": \"ada@acme.no\","
  "      \"employee_number\": \"1001\", \"team\": \"eng\", \"company\": \"acme\", \"location\": \"oslo\" }"
  "  ] }";

static gboolean have_display;

typedef struct
{
  PbSandbox         *sandbox;
  char              *dir;
  PbApplication     *app;
  PbWindow          *window;
  PbStore           *store;     /* the application's */
  PbConnectionsPage *page;
} Fixture;

/* --- helpers ------------------------------------------------------------------------ */

static void
iterate_idle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
is_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

static gboolean
available (void)
{
  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return FALSE;
    }

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no session bus, so no keyring (run under build-aux/run-headless)");
      return FALSE;
    }

  return TRUE;
}

/* The first visible toplevel of @type: the assistant, the settings and
 * the dialogs are transient windows, not windows of the application. */
static gpointer
find_toplevel (GType type)
{
  g_autoptr(GListModel) toplevels = NULL;
  guint n;

  toplevels = g_object_ref (gtk_window_get_toplevels ());
  n = g_list_model_get_n_items (toplevels);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;   /* GTK keeps its own reference */
    }

  return NULL;
}

static gboolean
has_assistant (gpointer data)
{
  return find_toplevel (PB_TYPE_CONNECTION_ASSISTANT) != NULL;
}

static gboolean
has_no_assistant (gpointer data)
{
  return find_toplevel (PB_TYPE_CONNECTION_ASSISTANT) == NULL;
}

static gboolean
has_settings (gpointer data)
{
  return find_toplevel (PB_TYPE_CONNECTION_SETTINGS) != NULL;
}

static gboolean
has_no_settings (gpointer data)
{
  return find_toplevel (PB_TYPE_CONNECTION_SETTINGS) == NULL;
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

/* A descendant of @root by its widget name (rows made in C are named
 * after their system id or secret kind). */
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

static void
activate (gpointer    widget,
          const char *action,
          const char *format,
          ...)
{
  va_list args;
  GVariant *parameter = NULL;

  if (format != NULL)
    {
      va_start (args, format);
      parameter = g_variant_new_va (format, NULL, &args);
      va_end (args);
    }

  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (widget), action, parameter));
}

static void
set_text (gpointer    editable,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

/* Whether the buttons of an action are sensitive: the way to see if a
 * widget action is enabled from outside. */
static gboolean
is_sensitive (gpointer    window,
              GType       type,
              const char *button)
{
  return gtk_widget_get_sensitive (GTK_WIDGET (child (window, type, button)));
}

static char *
lookup_secret (gint64      connection_id,
               const char *kind)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, connection_id);
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_sync (&schema, NULL, &error, "connection", id, "kind", kind, NULL);

  g_assert_no_error (error);
  return secret;
}

/* Paybridge's keyring items of the first few connection ids (every test
 * starts a new register, so ids start at 1). Lookups rather than
 * secret_password_search_sync(), which leaks in libsecret 0.20. */
static guint
count_keyring_items (void)
{
  static const char * const kinds[] = { "consumer-token", "employee-token" };
  guint n = 0;

  for (gint64 id = 1; id <= 4; id++)
    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      {
        g_autofree char *secret = lookup_secret (id, kinds[i]);

        n += secret != NULL;
      }

  return n;
}

static void
clear_keyring (void)
{
  g_autoptr(GError) error = NULL;

  secret_password_clear_sync (&schema, NULL, &error, NULL);
  g_assert_no_error (error);
}

static guint
count_connections (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = pb_store_list_connections (f->store, &error);

  g_assert_no_error (error);
  return connections->len;
}

static const char *
page_stack (Fixture *f)
{
  return gtk_stack_get_visible_child_name (child (f->page, PB_TYPE_CONNECTIONS_PAGE, "stack"));
}

/* --- the fixture: the whole application over a register with teams ---------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint n_apps;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *app_id = NULL;

  if (!have_display || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return;

  /* Connection ids start at 1 in every new register: items of an earlier
   * test must not answer for this one. */
  clear_keyring ();

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);

  f->dir = pb_test_make_dir ("connections-view");
  {
    g_autoptr(PbStore) store = pb_store_open (f->dir, &error);
    g_autoptr(PbImportResult) result = NULL;

    g_assert_no_error (error);
    path = pb_test_write_file (f->dir, "register.json", register_json);
    pb_import_file (store, path, PB_IMPORT_FLAGS_NONE, &result, &error);
    g_assert_no_error (error);
  }

  /* Each test its own id: the applications of earlier tests are still
   * exported on the bus (see fixture_tear_down()). */
  app_id = g_strdup_printf ("io.github.paybridge.Paybridge.TestConnections%u", ++n_apps);
  g_setenv ("PAYBRIDGE_DATA_DIR", f->dir, TRUE);
  f->app = pb_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (f->app), NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("PAYBRIDGE_DATA_DIR");
  f->store = pb_application_get_store (f->app);
  g_assert_nonnull (f->store);

  g_application_activate (G_APPLICATION (f->app));
  f->window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  g_assert_true (PB_IS_WINDOW (f->window));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  g_assert_true (pb_test_iterate_until (is_mapped, f->window, 20));
  pb_window_set_view (f->window, "connections");

  f->page = PB_CONNECTIONS_PAGE (pb_window_ensure_page (f->window, "connections"));
  g_assert_true (PB_IS_CONNECTIONS_PAGE (f->page));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GtkWindow *window;

  if (f->app != NULL)
    {
      g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (f->app)));

      while ((window = find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL)
        gtk_window_destroy (window);
      for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_destroy (l->data);
      iterate_idle ();

      /* GTK keeps a reference from start-up until a shutdown that only
       * g_application_run() would bring. */
      g_clear_object (&f->app);
    }

  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->dir, g_free);

  if (have_display && g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    clear_keyring ();
  iterate_idle ();
}

/* --- driving the assistant ------------------------------------------------------------ */

static PbConnectionAssistant *
open_assistant (Fixture *f)
{
  PbConnectionAssistant *assistant;

  /* win.add-connection, as the window's action (and the page's buttons). */
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "add-connection", NULL);
  g_assert_true (pb_test_iterate_until (has_assistant, NULL, 20));
  assistant = find_toplevel (PB_TYPE_CONNECTION_ASSISTANT);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (assistant)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (assistant)) == GTK_WINDOW (f->window));
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "system");

  return assistant;
}

static gboolean
auth_settled (gpointer data)
{
  PbAuthEditorState state = pb_connection_auth_editor_get_state (data);

  return state != PB_AUTH_EDITOR_CHECKING && state != PB_AUTH_EDITOR_SIGNING_IN;
}

/* Chooses Tripletex, points the API address at the sandbox and enters the
 * tokens: the assistant is left on the authorization page, not yet
 * checked. */
static PbConnectionAuthEditor *
fill_in_up_to_tokens (Fixture               *f,
                      PbConnectionAssistant *assistant,
                      const char            *employee_token)
{
  GType type = PB_TYPE_CONNECTION_ASSISTANT;
  PbConnectionAuthEditor *auth;
  GtkWidget *system_row;

  /* Step 1 (SPEC C4): the system, with what Paybridge syncs with it: what
   * the connector supports and the engine sends */
  system_row = find_named (GTK_WIDGET (child (assistant, type, "systems_group")), "tripletex");
  g_assert_true (ADW_IS_ACTION_ROW (system_row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (system_row)), ==, "Tripletex");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (system_row)), ==,
                   "Users, positions, absence and salary · API tokens");
  activate (assistant, "assistant.select-system", "s", "tripletex");
  g_assert_true (is_sensitive (assistant, type, "next_button"));
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "auth");

  /* Step 2 (SPEC C2): the API address (Advanced, the production URL
   * unless changed) and one password row per token */
  auth = child (assistant, type, "auth_editor");
  g_assert_false (is_sensitive (assistant, type, "next_button"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR,
                                                              "tenant_group"))));
  g_assert_cmpstr (gtk_editable_get_text (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "api_row")), ==,
                   "https://tripletex.no/v2");
  adw_expander_row_set_expanded (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "advanced_row"), TRUE);
  set_text (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "api_row"), pb_sandbox_get_api_url (f->sandbox));
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (find_named (GTK_WIDGET (auth), "consumer-token")));
  set_text (find_named (GTK_WIDGET (auth), "consumer-token"), "sandbox-consumer");
  g_assert_false (is_sensitive (assistant, type, "next_button"));
  set_text (find_named (GTK_WIDGET (auth), "employee-token"), employee_token);
  g_assert_true (is_sensitive (assistant, type, "next_button"));

  return auth;
}

/* Step 3 (SPEC C1), after the credentials were checked: the scope page
 * preselects the register's company that matches the payroll company (the
 * sandbox's Sandbox AS, by organisation number, among two); "All
 * employees" warns that everyone of both goes to payroll. Then a name and
 * the Engineering team, and on to what to sync. */
static void
choose_name_and_team (PbConnectionAssistant *assistant,
                      const char            *name)
{
  GType type = PB_TYPE_CONNECTION_ASSISTANT;
  PbConnectionScopeEditor *scope;
  AdwComboRow *kind_row;
  AdwComboRow *target_row;
  GtkLabel *note;
  GListModel *kinds;
  GListModel *targets;
  g_autoptr(PbConnection) chosen = pb_connection_new ();

  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "scope");
  scope = child (assistant, type, "scope_editor");
  kind_row = child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "kind_row");
  target_row = child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "target_row");
  note = child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "scope_note_label");
  kinds = adw_combo_row_get_model (kind_row);
  g_assert_cmpuint (g_list_model_get_n_items (kinds), ==, 4);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (kinds), 0), ==, "All employees");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (kinds), 1), ==, "One team");

  /* SPEC C1: the matching company, not everyone */
  pb_connection_scope_editor_apply (scope, chosen);
  g_assert_cmpint (chosen->scope_kind, ==, PB_SCOPE_COMPANY);
  g_assert_cmpstr (chosen->scope_key, ==, "sbx");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (target_row)));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (adw_combo_row_get_model (target_row)),
                                               adw_combo_row_get_selected (target_row)), ==, "Sandbox Holding");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (note)));
  g_assert_cmpstr (gtk_label_get_label (note), ==, "This company matches Sandbox AS, the company in payroll");
  g_assert_true (is_sensitive (assistant, type, "next_button"));

  /* "All employees" is a choice, with the warning */
  adw_combo_row_set_selected (kind_row, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (target_row)));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (note)));
  g_assert_cmpstr (gtk_label_get_label (note), ==,
                   "2 companies in the register: everyone in all of them is sent to Sandbox AS");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (note), "warning"));

  set_text (child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "name_row"), "");
  g_assert_false (is_sensitive (assistant, type, "next_button"));
  set_text (child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "name_row"), name);
  adw_combo_row_set_selected (kind_row, 1);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (target_row)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (note)));
  targets = adw_combo_row_get_model (target_row);
  g_assert_cmpuint (g_list_model_get_n_items (targets), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (targets), 0), ==, "Engineering");
  adw_combo_row_set_selected (target_row, 0);
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "sync");
}

static gboolean
on_done_page (gpointer data)
{
  return g_strcmp0 (pb_connection_assistant_get_page (data), "done") == 0;
}

static gboolean
keyring_answered (gpointer data)
{
  return pb_connections_page_get_n_pending (data) == 0;
}

/* The whole assistant, as in the seed article: choose Tripletex, name and
 * scope, tokens checked against the sandbox, users and positions, Connect.
 * SPEC C1-C4. */
static void
test_assistant_sets_up_tripletex (Fixture       *f,
                                  gconstpointer  data)
{
  GType type = PB_TYPE_CONNECTION_ASSISTANT;
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  PbConnectionSyncEditor *sync;
  g_autoptr(PbConnection) connection = NULL;
  g_autofree char *consumer = NULL;
  g_autofree char *employee = NULL;
  PbConnectionRow *row;
  const char *description;
  const char *subtitle;

  if (!available ())
    return;

  /* The empty state invites adding one */
  g_assert_cmpstr (page_stack (f), ==, "empty");
  g_assert_null (pb_connections_page_get_summary (f->page));

  assistant = open_assistant (f);
  auth = fill_in_up_to_tokens (f, assistant, "sandbox-employee");

  /* Check: the payroll company's name and currency, before anything is saved */
  activate (assistant, "assistant.check", NULL);
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Sandbox AS (NOK)");
  g_assert_cmpstr (adw_preferences_row_get_title (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "result_row")),
                   ==, "Sandbox AS (NOK)");
  g_assert_cmpuint (count_connections (f), ==, 0);
  g_assert_cmpuint (count_keyring_items (), ==, 0);

  activate (assistant, "assistant.next", NULL);
  choose_name_and_team (assistant, "Acme payroll");

  /* Step 4 (SPEC C4): what the connector supports and Paybridge sends:
   * Tripletex has all four. Users and positions are on by default; absence
   * (which waits for its mappings) and salary are the administrator's
   * choice. */
  sync = child (assistant, type, "sync_editor");
  g_assert_cmpuint (pb_connection_sync_editor_get_types (sync), ==, PB_DATA_USERS | PB_DATA_POSITIONS);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR, "users_row"))));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR,
                                                               "positions_row"))));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR, "salary_row"))));
  {
    AdwActionRow *absence = child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR, "absence_row");

    g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (absence)));
    g_assert_false (gtk_switch_get_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_ABSENCE)));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (absence), "as the type it is mapped to"));
    gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_ABSENCE), TRUE);
    g_assert_cmpuint (pb_connection_sync_editor_get_types (sync), ==,
                      PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_ABSENCE);
  }
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_USERS), TRUE);
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_POSITIONS), TRUE);
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_ABSENCE), FALSE);
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_SALARY), FALSE);
  g_assert_null (pb_connection_sync_editor_get_note (sync));

  activate (assistant, "assistant.finish", NULL);
  g_assert_true (pb_test_iterate_until (on_done_page, assistant, 20));

  /* SPEC C3: established, not active; the next step is the user sync */
  description = adw_status_page_get_description (child (assistant, type, "done_page"));
  g_assert_nonnull (strstr (description, "established but not active"));
  g_assert_nonnull (strstr (description, "synchronize users"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (assistant, type, "done_button"))));

  /* The store has it, as chosen */
  connection = pb_store_find_connection (f->store, "Acme payroll", NULL);
  g_assert_nonnull (connection);
  g_assert_cmpstr (connection->system, ==, "tripletex");
  g_assert_cmpint (connection->state, ==, PB_CONNECTION_ESTABLISHED);
  g_assert_cmpuint (connection->sync_types, ==, PB_DATA_USERS | PB_DATA_POSITIONS);
  g_assert_cmpint (connection->scope_kind, ==, PB_SCOPE_TEAM);
  g_assert_cmpstr (connection->scope_key, ==, "eng");
  g_assert_cmpstr (connection->base_url, ==, pb_sandbox_get_api_url (f->sandbox));
  g_assert_cmpstr (connection->remote_company, ==, "Sandbox AS");
  g_assert_cmpstr (connection->remote_currency, ==, "NOK");
  g_assert_true (pb_connection_assistant_get_connection (assistant) != NULL);

  /* SPEC C2: the tokens are in the keyring, under the connection's id */
  consumer = lookup_secret (connection->id, "consumer-token");
  employee = lookup_secret (connection->id, "employee-token");
  g_assert_cmpstr (consumer, ==, "sandbox-consumer");
  g_assert_cmpstr (employee, ==, "sandbox-employee");
  g_assert_cmpuint (count_keyring_items (), ==, 2);

  /* The list shows it */
  g_assert_cmpstr (page_stack (f), ==, "list");
  g_assert_cmpstr (pb_connections_page_get_summary (f->page), ==, "1 connection");
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  g_assert_nonnull (row);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_nonnull (strstr (subtitle, "Tripletex · Team: Engineering"));
  g_assert_nonnull (strstr (subtitle, "Syncs users and positions"));
  g_assert_nonnull (strstr (subtitle, "Never synced"));
  g_assert_nonnull (strstr (subtitle, "No open errors"));
  g_assert_true (pb_test_iterate_until (keyring_answered, f->page, 20));
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  g_assert_cmpint (pb_connection_row_get_keyring_status (row), ==, PB_KEYRING_OK);
  g_assert_cmpstr (pb_connection_row_get_state_text (row), ==, "Established — not active yet");

  /* SPEC C2: no secret in the settings either: every key of the app's
   * schema, as the app left it. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.paybridge.Paybridge");
    g_autoptr(GSettingsSchema) settings_schema = NULL;
    g_auto(GStrv) keys = NULL;

    g_object_get (settings, "settings-schema", &settings_schema, NULL);
    keys = g_settings_schema_list_keys (settings_schema);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
        g_autofree char *text = g_variant_print (value, FALSE);

        g_assert_null (strstr (text, "sandbox-employee"));
        g_assert_null (strstr (text, "sandbox-consumer"));
      }
  }

  /* Done closes it */
  activate (assistant, "window.close", NULL);
  g_assert_true (pb_test_iterate_until (has_no_assistant, NULL, 20));
}

/* SPEC C2: a refused token is said clearly, Next does not get past it, and
 * nothing is stored: no row, no keyring item. */
static void
test_assistant_wrong_token_stores_nothing (Fixture       *f,
                                           gconstpointer  data)
{
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  AdwActionRow *result_row;

  if (!available ())
    return;

  assistant = open_assistant (f);
  auth = fill_in_up_to_tokens (f, assistant, "not-my-token");

  activate (assistant, "assistant.check", NULL);
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_FAILED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Tripletex did not accept the tokens");
  result_row = child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "result_row");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (result_row)));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (result_row), "refused the consumer or employee token"));

  /* Next checks again and stays */
  activate (assistant, "assistant.next", NULL);
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_FAILED);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "auth");

  /* Editing a token forgets the outcome */
  set_text (find_named (GTK_WIDGET (auth), "employee-token"), "still-wrong");
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_UNCHECKED);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (result_row)));

  activate (assistant, "assistant.cancel", NULL);
  g_assert_true (pb_test_iterate_until (has_no_assistant, NULL, 20));

  g_assert_cmpuint (count_connections (f), ==, 0);
  g_assert_cmpuint (count_keyring_items (), ==, 0);
  g_assert_cmpstr (page_stack (f), ==, "empty");
  g_assert_null (pb_connections_page_find_row (f->page, "Acme payroll"));
}

typedef struct
{
  gboolean  done;
  GError   *error;
} AddWait;

static void
on_added_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  AddWait *wait = data;

  pb_connections_add_finish (result, &wait->error);
  wait->done = TRUE;
}

static gboolean
add_done (gpointer data)
{
  return ((AddWait *) data)->done;
}

/* A connection made the way the CLI makes one, for the tests of what
 * comes after the assistant. */
static gint64
add_connection (Fixture     *f,
                const char  *name,
                PbDataTypes  types)
{
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(GHashTable) secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  AddWait wait = { 0 };

  connection->name = g_strdup (name);
  connection->system = g_strdup ("tripletex");
  connection->sync_types = types;
  connection->base_url = g_strdup (pb_sandbox_get_api_url (f->sandbox));
  g_hash_table_insert (secrets, g_strdup ("consumer-token"), g_strdup ("sandbox-consumer"));
  g_hash_table_insert (secrets, g_strdup ("employee-token"), g_strdup ("sandbox-employee"));
  pb_connections_add_async (f->store, connection, secrets, PB_CONNECTIONS_ADD_VERIFY, NULL, on_added_cb, &wait);
  g_assert_true (pb_test_iterate_until (add_done, &wait, 20));
  g_assert_no_error (wait.error);

  activate (f->page, "connections.refresh", NULL);
  g_assert_true (pb_test_iterate_until (keyring_answered, f->page, 20));

  return connection->id;
}

/* Connect fails when the name was taken meanwhile: the page says that
 * nothing was saved, and nothing was (SPEC C2). */
static void
test_assistant_finish_failure_saves_nothing (Fixture       *f,
                                             gconstpointer  data)
{
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  GtkLabel *error_label;

  if (!available ())
    return;

  assistant = open_assistant (f);
  auth = fill_in_up_to_tokens (f, assistant, "sandbox-employee");
  activate (assistant, "assistant.next", NULL);   /* checks, then goes on */
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  choose_name_and_team (assistant, "Acme payroll");

  add_connection (f, "Acme payroll", PB_DATA_USERS);
  g_assert_cmpuint (count_keyring_items (), ==, 2);

  activate (assistant, "assistant.finish", NULL);
  error_label = child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "finish_error_label");
  g_assert_true (pb_test_iterate_until (is_visible, error_label, 20));
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "already a connection called “Acme payroll”"));
  g_assert_nonnull (strstr (gtk_label_get_label (error_label), "Nothing was saved"));
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "sync");
  g_assert_cmpuint (count_connections (f), ==, 1);
  g_assert_cmpuint (count_keyring_items (), ==, 2);
}

static PbConnectionSettings *
open_settings_from_row (Fixture    *f,
                        const char *name)
{
  PbConnectionRow *row = pb_connections_page_find_row (f->page, name);

  g_assert_nonnull (row);
  /* Activating the row opens its settings (connections.edit) */
  gtk_widget_activate (GTK_WIDGET (row));
  g_assert_true (pb_test_iterate_until (has_settings, NULL, 20));

  return find_toplevel (PB_TYPE_CONNECTION_SETTINGS);
}

/* SPEC C4, C6: settings can be edited at any time; turning positions off
 * says that their sends stop and what was sent stays in payroll. */
static void
test_settings_turn_off_positions (Fixture       *f,
                                  gconstpointer  data)
{
  PbConnectionSettings *settings;
  PbConnectionSyncEditor *sync;
  g_autoptr(PbConnection) saved = NULL;
  GtkWidget *note_box;
  const char *note;
  PbConnectionRow *row;

  if (!available ())
    return;

  add_connection (f, "Acme payroll", PB_DATA_USERS | PB_DATA_POSITIONS);
  settings = open_settings_from_row (f, "Acme payroll");
  g_assert_cmpstr (pb_connection_settings_get_page (settings), ==, "general");
  g_assert_cmpstr (adw_view_switcher_title_get_title (child (settings, PB_TYPE_CONNECTION_SETTINGS,
                                                             "switcher_title")), ==, "Acme payroll");
  g_assert_cmpstr (adw_action_row_get_subtitle (child (settings, PB_TYPE_CONNECTION_SETTINGS, "system_row")),
                   ==, "Company: Sandbox AS (NOK)");

  pb_connection_settings_set_page (settings, "sync");
  sync = child (settings, PB_TYPE_CONNECTION_SETTINGS, "sync_editor");
  note_box = child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR, "note_box");
  g_assert_true (gtk_switch_get_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_POSITIONS)));
  g_assert_false (gtk_widget_get_visible (note_box));

  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_POSITIONS), FALSE);
  note = pb_connection_sync_editor_get_note (sync);
  g_assert_nonnull (note);
  g_assert_true (gtk_widget_get_visible (note_box));
  g_assert_nonnull (strstr (note, "Turning off positions stops sending"));
  g_assert_nonnull (strstr (note, "what was already sent stays in Tripletex"));

  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));

  saved = pb_store_find_connection (f->store, "Acme payroll", NULL);
  g_assert_cmpuint (saved->sync_types, ==, PB_DATA_USERS);
  g_assert_cmpstr (saved->base_url, ==, pb_sandbox_get_api_url (f->sandbox));
  g_assert_cmpstr (pb_connections_page_get_last_toast (f->page), ==,
                   "Saved “Acme payroll”. Positions are no longer sent; what was already sent stays in Tripletex.");

  row = pb_connections_page_find_row (f->page, "Acme payroll");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Syncs users\n"));
}

/* SPEC C4: absence, turned on in the settings, is what the row claims. */
static void
test_settings_absence_sent (Fixture       *f,
                            gconstpointer  data)
{
  PbConnectionSettings *settings;
  PbConnectionSyncEditor *sync;
  g_autoptr(PbConnection) connection = NULL;
  PbConnectionRow *row;
  const char *subtitle;

  if (!available ())
    return;

  add_connection (f, "Acme payroll", PB_DATA_USERS | PB_DATA_POSITIONS);
  settings = open_settings_from_row (f, "Acme payroll");
  pb_connection_settings_set_page (settings, "sync");
  sync = child (settings, PB_TYPE_CONNECTION_SETTINGS, "sync_editor");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR,
                                                               "absence_row"))));
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_ABSENCE), TRUE);
  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));
  connection = pb_store_find_connection (f->store, "Acme payroll", NULL);
  g_assert_cmpuint (connection->sync_types, ==, PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_ABSENCE);
  activate (f->page, "connections.refresh", NULL);
  g_assert_true (pb_test_iterate_until (keyring_answered, f->page, 20));
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_nonnull (strstr (subtitle, "\nSyncs users, positions and absence\n"));
}

static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_actionable (c, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Issue 14: while an import holds the register's write transaction
 * (pb_connections_page_set_paused(), from the window's import strip), an
 * open connection's settings can be looked at, but Save and Remove are off
 * and a Save writes nothing; Add Connection is off too. After it, Save
 * works. */
static void
test_settings_paused_for_import (Fixture       *f,
                                 gconstpointer  data)
{
  PbConnectionSettings *settings;
  PbConnectionSyncEditor *sync;
  g_autoptr(PbConnection) connection = NULL;
  GtkWidget *save;
  GtkWidget *add;

  if (!available ())
    return;

  add_connection (f, "Acme payroll", PB_DATA_USERS | PB_DATA_POSITIONS);
  add = find_actionable (GTK_WIDGET (f->page), "connections.add");
  g_assert_nonnull (add);
  g_assert_true (gtk_widget_get_sensitive (add));
  settings = open_settings_from_row (f, "Acme payroll");
  save = GTK_WIDGET (child (settings, PB_TYPE_CONNECTION_SETTINGS, "save_button"));
  pb_connection_settings_set_page (settings, "sync");
  sync = child (settings, PB_TYPE_CONNECTION_SETTINGS, "sync_editor");
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_POSITIONS), FALSE);
  g_assert_true (gtk_widget_get_sensitive (save));

  pb_connections_page_set_paused (f->page, TRUE);
  g_assert_false (gtk_widget_get_sensitive (save));
  g_assert_false (gtk_widget_get_sensitive (add));
  activate (settings, "settings.save", NULL);
  activate (settings, "settings.remove", NULL);
  connection = pb_store_find_connection (f->store, "Acme payroll", NULL);
  g_assert_nonnull (connection);
  g_assert_cmpuint (connection->sync_types, ==, PB_DATA_USERS | PB_DATA_POSITIONS);
  g_assert_true (has_settings (NULL));   /* still open, the edit in it */
  g_clear_object (&connection);

  pb_connections_page_set_paused (f->page, FALSE);
  g_assert_true (gtk_widget_get_sensitive (save));
  g_assert_true (gtk_widget_get_sensitive (add));
  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));
  connection = pb_store_find_connection (f->store, "Acme payroll", NULL);
  g_assert_cmpuint (connection->sync_types, ==, PB_DATA_USERS);
}

typedef struct
{
  Fixture    *f;
  const char *name;
  const char *needle;
  gboolean    present;
} SubtitleWait;

/* The row of @name (a new one after each reload) says @needle, or no
 * longer does. */
static gboolean
subtitle_says (gpointer data)
{
  SubtitleWait *wait = data;
  PbConnectionRow *row = pb_connections_page_find_row (wait->f->page, wait->name);
  const char *subtitle = row != NULL ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : NULL;

  return subtitle != NULL && (strstr (subtitle, wait->needle) != NULL) == wait->present;
}

typedef struct
{
  PbStore       *store;
  gint64         connection_id;
  PbOutboxState  state;
  gint64         n;
} OutboxWait;

static gboolean
outbox_has (gpointer data)
{
  OutboxWait *wait = data;

  return pb_store_count_outbox (wait->store, wait->connection_id, wait->state) == wait->n;
}

static void
import_json (Fixture    *f,
             const char *json)
{
  g_autoptr(GError) error = NULL;

  pb_import_data (f->store, "change.json", json, strlen (json), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
}

/* SPEC C6, C7: the row says, in words, how many changes payroll refused
 * (they need attention) and how many are held because their type was
 * turned off, as the app's sync driver meets them; the held line goes
 * once the type is on again and they are sent. */
static void
test_row_outbox (Fixture       *f,
                 gconstpointer  data)
{
  /* Payroll already has employee number 77, someone else's. */
  static const char seed[] =
    "{ \"employees\": [ { \"firstName\": \"Other\", \"lastName\": \"Person\", "
    "\"email\": \"other@acme.no\", \"employeeNumber\": \"77\" } ] }";
  PbSandboxFaults down = { .fail_rate = 1.0, .seed = 1 };
  PbSandboxFaults up = { .seed = 1 };
  SubtitleWait attention = { f, "Acme payroll", "\n1 change needs attention", TRUE };
  SubtitleWait both = { f, "Acme payroll", "\n1 change needs attention · 1 change held (positions off)", TRUE };
  SubtitleWait held_gone = { f, "Acme payroll", "held", FALSE };
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  PbConnectionSettings *settings;
  PbConnectionSyncEditor *sync;
  PbConnectionRow *row;
  const char *subtitle;
  OutboxWait done = { f->store, 0, PB_OUTBOX_DONE, 1 };
  OutboxWait pending = { f->store, 0, PB_OUTBOX_PENDING, 1 };

  if (!available ())
    return;

  pb_sandbox_load_seed_data (f->sandbox, seed, -1, &error);
  g_assert_no_error (error);
  add_connection (f, "Acme payroll", PB_DATA_USERS | PB_DATA_POSITIONS);
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_null (strstr (subtitle, "attention"));
  g_assert_null (strstr (subtitle, "held"));

  /* What the first user sync does at its end (SPEC U6), done directly. */
  connection = pb_store_find_connection (f->store, "Acme payroll", &error);
  g_assert_no_error (error);
  connection->state = PB_CONNECTION_ACTIVE;
  connection->activated_at = g_date_time_format_iso8601 (now);
  pb_store_save_connection (f->store, connection, &error);
  g_assert_no_error (error);
  pb_sync_engine_activate (f->store, connection, &error);
  g_assert_no_error (error);
  done.connection_id = pending.connection_id = connection->id;

  /* SPEC C7: payroll refuses a new person with that number. */
  import_json (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"given_name\": \"Dup\", "
                  "\"family_name\": \"Number\", \"email\": \"dup@acme.no\", \"employee_number\": \"77\" } ] }");
  g_assert_true (pb_test_iterate_until (subtitle_says, &attention, 30));
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_nonnull (strstr (subtitle, "1 open error\n1 change needs attention"));
  g_assert_true (g_str_has_suffix (subtitle, "\n1 change needs attention"));

  /* Ada changes: she is created in payroll. */
  import_json (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ada@acme.no\", "
                  "\"phone\": \"+47 911 11 111\" } ] }");
  g_assert_true (pb_test_iterate_until (outbox_has, &done, 30));

  /* SPEC C6: payroll is out of reach, so her new position waits; then
   * positions are turned off in the settings: it is held, not sent. */
  pb_sandbox_set_faults (f->sandbox, &down, &error);
  g_assert_no_error (error);
  import_json (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ada@acme.no\", "
                  "\"positions\": [ { \"start_date\": \"2025-01-01\", \"title\": \"Analyst\" } ] } ] }");
  g_assert_true (pb_test_iterate_until (outbox_has, &pending, 30));

  settings = open_settings_from_row (f, "Acme payroll");
  pb_connection_settings_set_page (settings, "sync");
  sync = child (settings, PB_TYPE_CONNECTION_SETTINGS, "sync_editor");
  gtk_switch_set_active (pb_connection_sync_editor_get_switch (sync, PB_DATA_POSITIONS), FALSE);
  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));
  g_assert_true (pb_test_iterate_until (subtitle_says, &both, 30));
  g_assert_cmpint (pb_store_count_outbox (f->store, connection->id, PB_OUTBOX_HELD), ==, 1);

  /* On again, with payroll back: the held change goes, and so does the line. */
  pb_sandbox_set_faults (f->sandbox, &up, &error);
  g_assert_no_error (error);
  g_clear_object (&connection);
  connection = pb_store_find_connection (f->store, "Acme payroll", &error);
  g_assert_no_error (error);
  connection->sync_types |= PB_DATA_POSITIONS;
  pb_store_save_connection (f->store, connection, &error);
  g_assert_no_error (error);
  g_assert_true (pb_test_iterate_until (subtitle_says, &held_gone, 60));
  done.n = 2;
  g_assert_true (pb_test_iterate_until (outbox_has, &done, 60));
  g_assert_true (pb_test_iterate_until (subtitle_says, &attention, 30));
}

/* "Remove Connection" names what is deleted and what is not, and deletes
 * the connection and its keyring items. */
static void
test_settings_remove (Fixture       *f,
                      gconstpointer  data)
{
  PbConnectionSettings *settings;
  AdwMessageDialog *dialog;
  const char *body;
  gint64 id;

  if (!available ())
    return;

  id = add_connection (f, "Acme payroll", PB_DATA_USERS);
  g_assert_cmpuint (count_keyring_items (), ==, 2);
  settings = open_settings_from_row (f, "Acme payroll");

  activate (settings, "settings.remove", NULL);
  g_assert_true (pb_test_iterate_until (has_message_dialog, NULL, 20));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (settings));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Remove “Acme payroll”?");
  body = adw_message_dialog_get_body (dialog);
  g_assert_nonnull (strstr (body, "deletes the connection from Paybridge and its tokens from your keyring"));
  g_assert_nonnull (strstr (body, "Nothing is deleted in Tripletex"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "remove"), ==, ADW_RESPONSE_DESTRUCTIVE);

  adw_message_dialog_response (dialog, "remove");
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));

  g_assert_cmpuint (count_connections (f), ==, 0);
  g_assert_cmpuint (count_keyring_items (), ==, 0);
  g_assert_null (lookup_secret (id, "consumer-token"));
  g_assert_cmpstr (page_stack (f), ==, "empty");
  g_assert_null (pb_connections_page_find_row (f->page, "Acme payroll"));
  g_assert_cmpstr (pb_connections_page_get_last_toast (f->page), ==,
                   "Removed “Acme payroll”. Nothing was deleted in Tripletex.");
}

/* A keyring item gone missing is a clear state in the row with the action
 * that fixes it, never a crash or a hang; entering the tokens again
 * (checked first) puts them back. */
static void
test_missing_keyring_item (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *id_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *employee = NULL;
  PbConnectionSettings *settings;
  PbConnectionAuthEditor *auth;
  PbConnectionRow *row;
  GtkWidget *fix_button;
  gint64 id;

  if (!available ())
    return;

  id = add_connection (f, "Acme payroll", PB_DATA_USERS);
  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  secret_password_clear_sync (&schema, NULL, &error, "connection", id_text, "kind", "employee-token", NULL);
  g_assert_no_error (error);

  activate (f->page, "connections.refresh", NULL);
  g_assert_true (pb_test_iterate_until (keyring_answered, f->page, 20));
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  g_assert_cmpint (pb_connection_row_get_keyring_status (row), ==, PB_KEYRING_MISSING);
  g_assert_cmpstr (pb_connection_row_get_state_text (row), ==, "Tokens missing");
  fix_button = child (row, PB_TYPE_CONNECTION_ROW, "fix_button");
  g_assert_true (gtk_widget_get_visible (fix_button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (fix_button)), ==, "_Enter Tokens…");

  /* The button opens the settings on Authorization, saying why */
  gtk_widget_activate (fix_button);
  g_assert_true (pb_test_iterate_until (has_settings, NULL, 20));
  settings = find_toplevel (PB_TYPE_CONNECTION_SETTINGS);
  g_assert_cmpstr (pb_connection_settings_get_page (settings), ==, "auth");
  auth = child (settings, PB_TYPE_CONNECTION_SETTINGS, "auth_editor");
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==,
                   "The keyring holds no tokens for this connection");

  /* Check with what the keyring holds: it says what is missing */
  activate (auth, "auth.check", NULL);
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_FAILED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==,
                   "The keyring holds no tokens for this connection");

  /* One token of two cannot be saved; both can, once checked */
  set_text (find_named (GTK_WIDGET (auth), "employee-token"), "sandbox-employee");
  g_assert_false (is_sensitive (settings, PB_TYPE_CONNECTION_SETTINGS, "save_button"));
  set_text (find_named (GTK_WIDGET (auth), "consumer-token"), "sandbox-consumer");
  g_assert_true (is_sensitive (settings, PB_TYPE_CONNECTION_SETTINGS, "save_button"));
  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));

  employee = lookup_secret (id, "employee-token");
  g_assert_cmpstr (employee, ==, "sandbox-employee");
  g_assert_cmpuint (count_keyring_items (), ==, 2);
  g_assert_true (pb_test_iterate_until (keyring_answered, f->page, 20));
  row = pb_connections_page_find_row (f->page, "Acme payroll");
  g_assert_cmpint (pb_connection_row_get_keyring_status (row), ==, PB_KEYRING_OK);
  g_assert_false (gtk_widget_get_visible (child (row, PB_TYPE_CONNECTION_ROW, "fix_button")));
}

/* New tokens that the payroll system refuses do not replace the keyring's. */
static void
test_settings_refused_tokens_not_saved (Fixture       *f,
                                        gconstpointer  data)
{
  PbConnectionSettings *settings;
  PbConnectionAuthEditor *auth;
  g_autofree char *employee = NULL;
  gint64 id;

  if (!available ())
    return;

  id = add_connection (f, "Acme payroll", PB_DATA_USERS);
  settings = open_settings_from_row (f, "Acme payroll");
  pb_connection_settings_set_page (settings, "auth");
  auth = child (settings, PB_TYPE_CONNECTION_SETTINGS, "auth_editor");

  set_text (find_named (GTK_WIDGET (auth), "consumer-token"), "sandbox-consumer");
  set_text (find_named (GTK_WIDGET (auth), "employee-token"), "not-my-token");
  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  iterate_idle ();

  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_FAILED);
  g_assert_true (find_toplevel (PB_TYPE_CONNECTION_SETTINGS) == settings);
  employee = lookup_secret (id, "employee-token");
  g_assert_cmpstr (employee, ==, "sandbox-employee");
}

/* --- OAuth2 and the tenant ID, with a stand-in connector ---------------------------- */

#define PB_TYPE_TEST_OAUTH_PROVIDER (pb_test_oauth_provider_get_type ())
G_DECLARE_FINAL_TYPE (PbTestOauthProvider, pb_test_oauth_provider, PB, TEST_OAUTH_PROVIDER, PbProvider)

struct _PbTestOauthProvider
{
  PbProvider parent_instance;
};

G_DEFINE_FINAL_TYPE (PbTestOauthProvider, pb_test_oauth_provider, PB_TYPE_PROVIDER)

static void
pb_test_oauth_provider_class_init (PbTestOauthProviderClass *klass)
{
  static const char * const kinds[] = { "access-token", "refresh-token", NULL };
  PbProviderClass *provider_class = PB_PROVIDER_CLASS (klass);

  provider_class->id = "test-oauth";
  provider_class->display_name = "Example Payroll";
  provider_class->icon_name = "network-server-symbolic";
  provider_class->auth_kind = PB_AUTH_OAUTH2;
  provider_class->secret_kinds = kinds;
  provider_class->oauth2_tenant_param = "tenant_id";
  provider_class->data_types = PB_DATA_USERS | PB_DATA_ABSENCE;
  provider_class->default_base_url = "https://payroll.example/api";
}

static void
pb_test_oauth_provider_init (PbTestOauthProvider *self)
{
}

static GCancellable *sign_in_cancellable;

/* Stands in for PbOAuth2: hands out the URL and waits. */
static void
waiting_sign_in (PbConnectionAuthEditor *editor,
                 PbStore                *store,
                 PbConnection           *connection,
                 GCancellable           *cancellable)
{
  g_assert_cmpint (connection->id, ==, 42);
  g_assert_cmpstr (connection->tenant_id, ==, "sandbox-tenant");
  g_set_object (&sign_in_cancellable, cancellable);
  pb_connection_auth_editor_sign_in_uri (editor, cancellable, "http://127.0.0.1:1/authorize?state=abc");
}

/* Stands in for PbOAuth2 when the user declines in the browser. */
static void
declined_sign_in (PbConnectionAuthEditor *editor,
                  PbStore                *store,
                  PbConnection           *connection,
                  GCancellable           *cancellable)
{
  g_autoptr(GError) error = g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED,
                                                 "access_denied: the user said no");

  pb_connection_auth_editor_sign_in_finish (editor, cancellable, error);
}

static void
on_clipboard_text_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  char **text = data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
text_read (gpointer data)
{
  return *(char **) data != NULL;
}

/* The OAuth2 page: "Sign in with <system>", then a waiting page with a
 * spinner, Cancel and "Copy Link"; a Tenant ID row when the connector asks
 * for one (SPEC V1); unsupported types disabled with the reason (C4). */
static void
test_oauth2_pages (void)
{
  g_autoptr(PbProviderClass) klass = NULL;
  g_autoptr(PbConnection) saved = pb_connection_new ();
  GType type = PB_TYPE_CONNECTION_AUTH_EDITOR;
  PbConnectionAuthEditor *auth;
  PbConnectionSyncEditor *sync;
  g_autofree char *copied = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  GtkWidget *box;
  AdwActionRow *positions;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  klass = g_type_class_ref (PB_TYPE_TEST_OAUTH_PROVIDER);
  auth = g_object_new (PB_TYPE_CONNECTION_AUTH_EDITOR, NULL);
  sync = g_object_new (PB_TYPE_CONNECTION_SYNC_EDITOR, NULL);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (auth));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (sync));
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (window, box);
  gtk_window_present (window);
  g_assert_true (pb_test_iterate_until (is_mapped, window, 20));

  /* As in the settings of a saved connection */
  saved->id = 42;
  saved->name = g_strdup ("Example");
  saved->system = g_strdup ("test-oauth");
  pb_connection_auth_editor_set_connection (auth, saved);
  pb_connection_auth_editor_set_class (auth, klass);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "tokens_group"))));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "oauth_group"))));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "tenant_group"))));
  g_assert_cmpstr (gtk_button_get_label (child (auth, type, "sign_in_button")), ==, "_Sign in with Example Payroll");
  g_assert_false (pb_connection_auth_editor_get_complete (auth));

  /* The tenant ID and the authority check box first: no sign-in without
   * both (SPEC V1) */
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (child (auth, type, "sign_in_button"))));
  set_text (child (auth, type, "tenant_row"), "sandbox-tenant");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (child (auth, type, "sign_in_button"))));
  gtk_check_button_set_active (child (auth, type, "authority_check"), TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (auth, type, "sign_in_button"))));

  /* Waiting: spinner, Copy Link, Cancel */
  pb_connection_auth_editor_set_sign_in_func (waiting_sign_in);
  activate (auth, "auth.sign-in", NULL);
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_SIGNING_IN);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (auth, type, "stack")), ==, "waiting");
  g_assert_true (gtk_spinner_get_spinning (child (auth, type, "waiting_spinner")));
  g_assert_cmpstr (gtk_label_get_label (child (auth, type, "waiting_title")), ==, "Waiting for Example Payroll");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (auth, type, "copy_link_button"))));

  activate (auth, "auth.copy-link", NULL);
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (auth)), NULL, on_clipboard_text_cb, &copied);
  g_assert_true (pb_test_iterate_until (text_read, &copied, 20));
  g_assert_cmpstr (copied, ==, "http://127.0.0.1:1/authorize?state=abc");

  activate (auth, "auth.cancel-sign-in", NULL);
  g_assert_true (g_cancellable_is_cancelled (sign_in_cancellable));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_UNCHECKED);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (auth, type, "stack")), ==, "form");
  g_assert_false (gtk_spinner_get_spinning (child (auth, type, "waiting_spinner")));

  /* A late answer of the cancelled attempt is ignored */
  pb_connection_auth_editor_sign_in_finish (auth, sign_in_cancellable, NULL);
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_UNCHECKED);
  g_assert_false (pb_connection_auth_editor_get_signed_in (auth));

  /* Declined in the browser: said plainly, back on the form */
  pb_connection_auth_editor_set_sign_in_func (declined_sign_in);
  activate (auth, "auth.sign-in", NULL);
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_FAILED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Example Payroll did not accept the sign-in");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (auth, type, "stack")), ==, "form");
  pb_connection_auth_editor_set_sign_in_func (NULL);

  /* SPEC C4: what the connector cannot sync is shown, off, with the reason */
  pb_connection_sync_editor_set_class (sync, klass);
  pb_connection_sync_editor_set_types (sync, PB_DATA_ALL);
  g_assert_cmpuint (pb_connection_sync_editor_get_types (sync), ==, PB_DATA_USERS | PB_DATA_ABSENCE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR,
                                                               "absence_row"))));
  positions = child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR, "positions_row");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (positions)));
  g_assert_cmpstr (adw_action_row_get_subtitle (positions), ==,
                   "Example Payroll cannot sync positions: its API has no place for it");

  gtk_window_destroy (window);
  g_clear_object (&sign_in_cancellable);
  iterate_idle ();
}

/* --- OAuth2 through the assistant, against the sandbox's OAuth2 server ----------- */

typedef struct
{
  SoupSession *session;
  char        *location;
  gboolean     done;
} Browser;

static void
on_redirect_followed_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      data)
{
  Browser *browser = data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  browser->done = TRUE;
}

static void
on_authorize_answered_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      data)
{
  Browser *browser = data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  g_autoptr(SoupMessage) back = NULL;

  g_assert_cmpuint (soup_message_get_status (message), ==, 302);
  browser->location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                              "Location"));
  g_assert_true (g_str_has_prefix (browser->location, "http://127.0.0.1:"));

  /* ...and comes back to Paybridge's loopback address */
  back = soup_message_new ("GET", browser->location);
  soup_session_send_and_read_async (browser->session, back, G_PRIORITY_DEFAULT, NULL,
                                    on_redirect_followed_cb, browser);
}

static gboolean
browser_done (gpointer data)
{
  return ((Browser *) data)->done;
}

/* The test plays the browser: the sandbox approves at once and redirects. */
static void
play_browser (const char *uri)
{
  g_autoptr(SoupMessage) message = soup_message_new ("GET", uri);
  Browser browser = { 0 };

  browser.session = soup_session_new ();
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (browser.session, message, G_PRIORITY_DEFAULT, NULL,
                                    on_authorize_answered_cb, &browser);
  g_assert_true (pb_test_iterate_until (browser_done, &browser, 20));
  g_clear_object (&browser.session);
  g_free (browser.location);
}

static gboolean
has_sign_in_uri (gpointer data)
{
  return pb_connection_auth_editor_get_sign_in_uri (data) != NULL;
}

static gboolean
no_connections (gpointer data)
{
  return count_connections (data) == 0;
}

/* The page reloads on its own after the store's connections change. */
static gboolean
shows_empty_state (gpointer data)
{
  return g_strcmp0 (page_stack (data), "empty") == 0;
}

static char *
lookup_oauth2_tokens (gint64 id)
{
  return lookup_secret (id, "oauth2-tokens");
}

/* Chooses the sandbox's OAuth2 system, names it and points its addresses
 * at the sandbox; then "Sign in with Sandbox OAuth2" and waits for the
 * sign-in link. The assistant is left on the waiting page. */
static PbConnectionAuthEditor *
start_oauth2_sign_in (Fixture               *f,
                      PbConnectionAssistant *assistant)
{
  GType type = PB_TYPE_CONNECTION_AUTH_EDITOR;
  g_autofree char *auth_url = g_strdup_printf ("%s/oauth2/authorize", pb_sandbox_get_url (f->sandbox));
  g_autofree char *token_url = g_strdup_printf ("%s/oauth2/token", pb_sandbox_get_url (f->sandbox));
  PbConnectionAuthEditor *auth;

  activate (assistant, "assistant.select-system", "s", "sandbox-oauth2");
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "auth");

  auth = child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "auth_editor");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "tokens_group"))));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "oauth_group"))));
  g_assert_cmpstr (gtk_button_get_label (child (auth, type, "sign_in_button")), ==, "_Sign in with Sandbox OAuth2");
  g_assert_false (is_sensitive (assistant, PB_TYPE_CONNECTION_ASSISTANT, "next_button"));

  set_text (child (auth, type, "api_row"), pb_sandbox_get_url (f->sandbox));
  set_text (child (auth, type, "auth_url_row"), auth_url);
  set_text (child (auth, type, "token_url_row"), token_url);

  activate (auth, "auth.sign-in", NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (auth, type, "stack")), ==, "waiting");
  g_assert_true (pb_test_iterate_until (has_sign_in_uri, auth, 20));
  g_assert_true (g_str_has_prefix (pb_connection_auth_editor_get_sign_in_uri (auth), auth_url));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (child (auth, type, "copy_link_button"))));

  return auth;
}

/* SPEC C2, OAuth2: sign in in the browser (the test plays it), the
 * company shown, then what to sync and Connect: established, with the
 * tokens in the keyring and nothing of them in the UI. */
static void
test_assistant_oauth2_sign_in (Fixture       *f,
                               gconstpointer  data)
{
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  PbConnectionSyncEditor *sync;
  g_autoptr(PbConnection) connection = NULL;
  g_autofree char *tokens = NULL;

  if (!available ())
    return;

  assistant = open_assistant (f);
  auth = start_oauth2_sign_in (f, assistant);
  play_browser (pb_connection_auth_editor_get_sign_in_uri (auth));

  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Sandbox AS (NOK)");
  g_assert_true (pb_connection_auth_editor_get_signed_in (auth));

  /* SPEC C1: no company of the register is Sandbox AS (no organisation
   * number from this system, no name alike), and there are two: one
   * company is chosen, with a note to choose, never everyone */
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "scope");
  {
    PbConnectionScopeEditor *scope = child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "scope_editor");
    GtkLabel *note = child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "scope_note_label");
    g_autoptr(PbConnection) chosen = pb_connection_new ();

    pb_connection_scope_editor_apply (scope, chosen);
    g_assert_cmpint (chosen->scope_kind, ==, PB_SCOPE_COMPANY);
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (note)));
    g_assert_cmpstr (gtk_label_get_label (note), ==, "No company of the register matches Sandbox AS, the company "
                                                     "in payroll: choose the one whose people belong there");
    set_text (child (scope, PB_TYPE_CONNECTION_SCOPE_EDITOR, "name_row"), "Signed in");
  }
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "sync");

  /* SPEC C4: only users; the others shown off, with the reason */
  sync = child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "sync_editor");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (child (sync, PB_TYPE_CONNECTION_SYNC_EDITOR,
                                                                "positions_row"))));
  g_assert_cmpuint (pb_connection_sync_editor_get_types (sync), ==, PB_DATA_USERS);

  activate (assistant, "assistant.finish", NULL);
  g_assert_true (pb_test_iterate_until (on_done_page, assistant, 20));

  connection = pb_store_find_connection (f->store, "Signed in", NULL);
  g_assert_nonnull (connection);
  g_assert_cmpint (connection->state, ==, PB_CONNECTION_ESTABLISHED);
  g_assert_cmpuint (connection->sync_types, ==, PB_DATA_USERS);
  g_assert_cmpstr (connection->remote_company, ==, "Sandbox AS");
  g_assert_cmpstr (connection->auth_url + strlen (pb_sandbox_get_url (f->sandbox)), ==, "/oauth2/authorize");
  tokens = lookup_oauth2_tokens (connection->id);
  g_assert_nonnull (tokens);
  g_assert_nonnull (strstr (tokens, "access_token"));

  g_assert_true (pb_test_iterate_until (keyring_answered, f->page, 20));
  g_assert_cmpint (pb_connection_row_get_keyring_status (pb_connections_page_find_row (f->page, "Signed in")),
                   ==, PB_KEYRING_OK);

  activate (assistant, "window.close", NULL);
  g_assert_true (pb_test_iterate_until (has_no_assistant, NULL, 20));
  g_assert_cmpuint (count_connections (f), ==, 1);
}

/* SPEC C2: the connection saved to sign in goes again, keyring items and
 * all, when the assistant is cancelled, even after signing in. */
static void
test_assistant_oauth2_cancel_leaves_nothing (Fixture       *f,
                                             gconstpointer  data)
{
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  g_autofree char *tokens = NULL;

  if (!available ())
    return;

  /* Cancelled on the waiting page: back to the form */
  assistant = open_assistant (f);
  auth = start_oauth2_sign_in (f, assistant);
  g_assert_cmpuint (count_connections (f), ==, 1);   /* saved to sign in */
  activate (auth, "auth.cancel-sign-in", NULL);
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_UNCHECKED);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "stack")),
                   ==, "form");

  /* Signed in, then the assistant cancelled */
  activate (auth, "auth.sign-in", NULL);
  g_assert_true (pb_test_iterate_until (has_sign_in_uri, auth, 20));
  play_browser (pb_connection_auth_editor_get_sign_in_uri (auth));
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  tokens = lookup_oauth2_tokens (1);
  g_assert_nonnull (tokens);

  activate (assistant, "assistant.cancel", NULL);
  g_assert_true (pb_test_iterate_until (has_no_assistant, NULL, 20));
  g_assert_true (pb_test_iterate_until (no_connections, f, 20));
  g_clear_pointer (&tokens, g_free);
  tokens = lookup_oauth2_tokens (1);
  g_assert_null (tokens);
  g_assert_true (pb_test_iterate_until (shows_empty_state, f, 20));
}

/* --- Unimicro: sign in, then the company (issue 15) ---------------------------- */

/* The sandbox's companies (tests/sandbox/README.md, "Unimicro"). */
#define UM_FIRST_KEY  "5f1c2a9e-0000-4000-8000-000000000001"
#define UM_SECOND_KEY "5f1c2a9e-0000-4000-8000-000000000002"

static PbSandbox *
start_unimicro_sandbox (const char *seed)
{
  g_autoptr(GError) error = NULL;
  PbSandbox *sandbox = pb_sandbox_new ("unimicro", &error);

  g_assert_no_error (error);
  if (seed != NULL)
    {
      pb_sandbox_load_seed_data (sandbox, seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (sandbox, 0, &error);
  g_assert_no_error (error);
  return sandbox;
}

/* Chooses Unimicro, points it at @sandbox (Paybridge's client there is
 * sandbox-client, set under Advanced) and signs in, the test playing the
 * browser; returns once the companies are listed (and checked, if one
 * was chosen). */
static PbConnectionAuthEditor *
sign_in_to_unimicro (PbConnectionAssistant *assistant,
                     PbSandbox             *sandbox)
{
  GType type = PB_TYPE_CONNECTION_AUTH_EDITOR;
  g_autofree char *auth_url = g_strdup_printf ("%s/oauth2/authorize", pb_sandbox_get_url (sandbox));
  g_autofree char *token_url = g_strdup_printf ("%s/oauth2/token", pb_sandbox_get_url (sandbox));
  PbConnectionAuthEditor *auth;

  activate (assistant, "assistant.select-system", "s", "unimicro");
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "auth");
  auth = child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "auth_editor");
  g_assert_cmpstr (gtk_button_get_label (child (auth, type, "sign_in_button")), ==, "_Sign in with Unimicro");
  /* No company before signing in: there is nothing to choose from yet */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "company_group"))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "tenant_group"))));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "client_id_row"))));

  set_text (child (auth, type, "api_row"), pb_sandbox_get_api_url (sandbox));
  set_text (child (auth, type, "auth_url_row"), auth_url);
  set_text (child (auth, type, "token_url_row"), token_url);
  set_text (child (auth, type, "client_id_row"), "sandbox-client");

  activate (auth, "auth.sign-in", NULL);
  g_assert_true (pb_test_iterate_until (has_sign_in_uri, auth, 20));
  play_browser (pb_connection_auth_editor_get_sign_in_uri (auth));
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_true (pb_connection_auth_editor_get_signed_in (auth));

  return auth;
}

/* The radio button of the company row named @key. */
static GtkCheckButton *
company_check (PbConnectionAuthEditor *auth,
               const char             *key)
{
  GtkWidget *row = find_named (GTK_WIDGET (child (auth, PB_TYPE_CONNECTION_AUTH_EDITOR, "company_group")), key);

  g_assert_true (ADW_IS_ACTION_ROW (row));
  g_assert_true (gtk_widget_get_visible (row));
  return GTK_CHECK_BUTTON (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)));
}

static gboolean
file_holds (const char *path,
            const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

/* Whether any file in @dir (the register's data directory) holds @needle. */
static gboolean
dir_holds (const char *dir,
           const char *needle)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) ? dir_holds (path, needle) : file_holds (path, needle))
        return TRUE;
    }
  return FALSE;
}

/* Issue 15, SPEC C1-C4 for Unimicro: the assistant offers every connector
 * (Unimicro's summary says it asks for the company); signing in through
 * the sandbox's OAuth2 lists the two companies the user may act on, by
 * name and organisation number; nothing goes on until one is chosen; the
 * connection test then runs in it, and Connect stores its key as the
 * connection's company, the tokens in the keyring and no secret in the
 * settings or the register. The settings show the company by name and
 * change it. */
static void
test_assistant_sets_up_unimicro (Fixture       *f,
                                 gconstpointer  data)
{
  GType type = PB_TYPE_CONNECTION_AUTH_EDITOR;
  g_autoptr(GPtrArray) classes = pb_connections_list_classes ();
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbConnection) changed = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tokens = NULL;
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  PbConnectionSettings *settings;
  GtkWidget *systems;
  GtkWidget *row;
  const char *access_token;

  if (!available ())
    return;

  sandbox = start_unimicro_sandbox (NULL);
  assistant = open_assistant (f);

  /* Every connector is offered, Unimicro too, saying what it asks for */
  systems = GTK_WIDGET (child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "systems_group"));
  for (guint i = 0; i < classes->len; i++)
    {
      PbProviderClass *klass = g_ptr_array_index (classes, i);

      row = find_named (systems, klass->id);
      g_assert_true (ADW_IS_ACTION_ROW (row) && gtk_widget_get_visible (row));
      g_assert_cmpint (pb_provider_class_chooses_company (klass), ==, g_str_equal (klass->id, "unimicro"));
    }
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find_named (systems, "unimicro"))), ==,
                   "Users, positions and salary · sign in with OAuth2, then choose the company");

  auth = sign_in_to_unimicro (assistant, sandbox);

  /* Two companies: one row each, none chosen, no going on yet */
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_UNCHECKED);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "company_group"))));
  row = find_named (GTK_WIDGET (child (auth, type, "company_group")), UM_FIRST_KEY);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Nordlys Data AS");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Organisation number 912345678");
  row = find_named (GTK_WIDGET (child (auth, type, "company_group")), UM_SECOND_KEY);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Nordlys Eiendom AS");
  g_assert_false (gtk_check_button_get_active (company_check (auth, UM_FIRST_KEY)));
  g_assert_false (gtk_check_button_get_active (company_check (auth, UM_SECOND_KEY)));
  g_assert_false (pb_connection_auth_editor_get_complete (auth));
  g_assert_false (is_sensitive (assistant, PB_TYPE_CONNECTION_ASSISTANT, "next_button"));

  /* The second company chosen: the connection test runs in it */
  gtk_widget_activate (GTK_WIDGET (row));
  g_assert_true (gtk_check_button_get_active (company_check (auth, UM_SECOND_KEY)));
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Nordlys Eiendom AS (NOK)");

  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "scope");
  set_text (child (child (assistant, PB_TYPE_CONNECTION_ASSISTANT, "scope_editor"),
                   PB_TYPE_CONNECTION_SCOPE_EDITOR, "name_row"), "Eiendom payroll");
  activate (assistant, "assistant.next", NULL);
  g_assert_cmpstr (pb_connection_assistant_get_page (assistant), ==, "sync");
  activate (assistant, "assistant.finish", NULL);
  g_assert_true (pb_test_iterate_until (on_done_page, assistant, 20));

  connection = pb_store_find_connection (f->store, "Eiendom payroll", NULL);
  g_assert_nonnull (connection);
  g_assert_cmpstr (connection->system, ==, "unimicro");
  g_assert_cmpint (connection->state, ==, PB_CONNECTION_ESTABLISHED);
  g_assert_cmpstr (connection->tenant_id, ==, UM_SECOND_KEY);
  g_assert_cmpstr (connection->remote_company, ==, "Nordlys Eiendom AS");
  g_assert_cmpstr (connection->client_id, ==, "sandbox-client");
  g_assert_cmpstr (connection->base_url, ==, pb_sandbox_get_api_url (sandbox));
  g_assert_cmpuint (count_connections (f), ==, 1);

  /* SPEC C2: the tokens are in the keyring, and nowhere else */
  tokens = lookup_oauth2_tokens (connection->id);
  g_assert_nonnull (tokens);
  json_parser_load_from_data (parser, tokens, -1, &error);
  g_assert_no_error (error);
  access_token = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                "access_token");
  g_assert_true (access_token != NULL && strlen (access_token) > 8);
  g_assert_false (dir_holds (f->dir, access_token));
  {
    g_autoptr(GSettings) app_settings = g_settings_new ("io.github.paybridge.Paybridge");
    g_autoptr(GSettingsSchema) settings_schema = NULL;
    g_auto(GStrv) keys = NULL;

    g_object_get (app_settings, "settings-schema", &settings_schema, NULL);
    keys = g_settings_schema_list_keys (settings_schema);
    for (guint i = 0; keys[i] != NULL; i++)
      {
        g_autoptr(GVariant) value = g_settings_get_value (app_settings, keys[i]);
        g_autofree char *text = g_variant_print (value, FALSE);

        g_assert_null (strstr (text, access_token));
      }
  }

  activate (assistant, "window.close", NULL);
  g_assert_true (pb_test_iterate_until (has_no_assistant, NULL, 20));

  /* The settings: the company by name, not its key; "Choose Another"
   * lists them again and saves the other one */
  settings = open_settings_from_row (f, "Eiendom payroll");
  g_assert_cmpstr (adw_action_row_get_subtitle (child (settings, PB_TYPE_CONNECTION_SETTINGS, "system_row")),
                   ==, "Company: Nordlys Eiendom AS (NOK)");
  pb_connection_settings_set_page (settings, "auth");
  auth = child (settings, PB_TYPE_CONNECTION_SETTINGS, "auth_editor");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "company_group"))));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "companies_button"))));
  row = find_named (GTK_WIDGET (child (auth, type, "company_group")), UM_SECOND_KEY);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Nordlys Eiendom AS");
  g_assert_null (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)));
  g_assert_null (find_named (GTK_WIDGET (child (auth, type, "company_group")), UM_FIRST_KEY));

  activate (auth, "auth.list-companies", NULL);
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  /* The saved one stays chosen, and is checked at once */
  g_assert_true (gtk_check_button_get_active (company_check (auth, UM_SECOND_KEY)));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  gtk_widget_activate (gtk_widget_get_ancestor (GTK_WIDGET (company_check (auth, UM_FIRST_KEY)),
                                                ADW_TYPE_ACTION_ROW));
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Nordlys Data AS (NOK)");
  activate (settings, "settings.save", NULL);
  g_assert_true (pb_test_iterate_until (has_no_settings, NULL, 20));

  changed = pb_store_find_connection (f->store, "Eiendom payroll", NULL);
  g_assert_cmpstr (changed->tenant_id, ==, UM_FIRST_KEY);
  g_assert_cmpstr (changed->remote_company, ==, "Nordlys Data AS");
  g_assert_cmpstr (changed->client_id, ==, "sandbox-client");
}

/* Issue 15: a user who may act on one company has it chosen for them,
 * and still shown; one who may act on none is told so, and cannot go on. */
static void
test_assistant_unimicro_one_company_or_none (Fixture       *f,
                                             gconstpointer  data)
{
  GType type = PB_TYPE_CONNECTION_AUTH_EDITOR;
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  PbConnectionAssistant *assistant;
  PbConnectionAuthEditor *auth;
  GtkWidget *result_row;

  if (!available ())
    return;

  sandbox = start_unimicro_sandbox ("{\"companies\": 1}");
  assistant = open_assistant (f);
  auth = sign_in_to_unimicro (assistant, sandbox);

  /* One: chosen, shown (a row with a check mark, nothing to untick),
   * checked, and Next goes on */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "company_group"))));
  {
    GtkWidget *row = find_named (GTK_WIDGET (child (auth, type, "company_group")), UM_FIRST_KEY);

    g_assert_true (ADW_IS_ACTION_ROW (row) && gtk_widget_get_visible (row));
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Nordlys Data AS");
    g_assert_null (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)));
  }
  g_assert_null (find_named (GTK_WIDGET (child (auth, type, "company_group")), UM_SECOND_KEY));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_VERIFIED);
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Nordlys Data AS (NOK)");
  g_assert_true (is_sensitive (assistant, PB_TYPE_CONNECTION_ASSISTANT, "next_button"));

  /* None: said plainly; no company, no Next */
  pb_sandbox_load_seed_data (sandbox, "{\"companies\": 0}", -1, &error);
  g_assert_no_error (error);
  activate (auth, "auth.sign-in", NULL);
  g_assert_true (pb_test_iterate_until (has_sign_in_uri, auth, 20));
  play_browser (pb_connection_auth_editor_get_sign_in_uri (auth));
  g_assert_true (pb_test_iterate_until (auth_settled, auth, 20));
  g_assert_cmpint (pb_connection_auth_editor_get_state (auth), ==, PB_AUTH_EDITOR_FAILED);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (child (auth, type, "company_group"))));
  g_assert_cmpstr (pb_connection_auth_editor_get_result (auth), ==, "Unimicro refused access");
  result_row = GTK_WIDGET (child (auth, type, "result_row"));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (result_row)),
                                   "This Unimicro user may not act on any company."));
  g_assert_false (pb_connection_auth_editor_get_complete (auth));
  g_assert_false (is_sensitive (assistant, PB_TYPE_CONNECTION_ASSISTANT, "next_button"));

  /* Cancelled: the connection saved to sign in goes (SPEC C2) */
  activate (assistant, "assistant.cancel", NULL);
  g_assert_true (pb_test_iterate_until (has_no_assistant, NULL, 20));
  g_assert_true (pb_test_iterate_until (no_connections, f, 20));
}

int
main (int   argc,
      char *argv[])
{
#ifdef __SANITIZE_ADDRESS__
  /* See test-people-view.c: no llvmpipe JIT under ASan's slow unwinder. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
#endif

  /* The sandbox's OAuth2 system, besides Tripletex (pb-providers.c). */
  g_setenv ("PAYBRIDGE_TEST_PROVIDERS", "1", TRUE);

  pb_test_use_system_mime_database ();
  have_display = gtk_init_check ();
  if (have_display)
    {
      adw_init ();
      gtk_icon_theme_get_for_display (gdk_display_get_default ());
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* A keyring that does not answer fails the test instead of hanging it. */
  pb_secrets_set_timeout (10);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/connections-view/assistant/C1-C4-sets-up-tripletex", test_assistant_sets_up_tripletex);
  ADD ("/connections-view/assistant/wrong-token-stores-nothing", test_assistant_wrong_token_stores_nothing);
  ADD ("/connections-view/assistant/finish-failure-saves-nothing", test_assistant_finish_failure_saves_nothing);
  ADD ("/connections-view/assistant/sets-up-unimicro", test_assistant_sets_up_unimicro);
  ADD ("/connections-view/assistant/unimicro-one-company-or-none", test_assistant_unimicro_one_company_or_none);
  ADD ("/connections-view/settings/turn-off-positions", test_settings_turn_off_positions);
  ADD ("/connections-view/settings/refused-tokens-not-saved", test_settings_refused_tokens_not_saved);
  ADD ("/connections-view/settings/C4-absence-sent", test_settings_absence_sent);
  ADD ("/connections-view/settings/paused-for-import", test_settings_paused_for_import);
  ADD ("/connections-view/settings/remove", test_settings_remove);
  ADD ("/connections-view/row/C6-C7-outbox-attention-and-held", test_row_outbox);
  ADD ("/connections-view/keyring/missing-item", test_missing_keyring_item);
  ADD ("/connections-view/oauth2/assistant-sign-in", test_assistant_oauth2_sign_in);
  ADD ("/connections-view/oauth2/assistant-cancel-leaves-nothing", test_assistant_oauth2_cancel_leaves_nothing);
  g_test_add_func ("/connections-view/oauth2/pages", test_oauth2_pages);

#undef ADD

  return g_test_run ();
}
