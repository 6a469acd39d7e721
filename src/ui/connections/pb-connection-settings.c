/* pb-connection-settings.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionSettings"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-auth-editor.h"
#include "pb-connection-format.h"
#include "pb-connection-scope-editor.h"
#include "pb-connection-settings.h"
#include "pb-connection-sync-editor.h"
#include "pb-connections.h"
#include "pb-secrets.h"

/* "Edit connection settings" (SPEC C4), at any time: the assistant's pages
 * as the tabs of one window (General: name and scope; Authorization; What
 * to Sync), with Cancel and Save.
 *
 * Save checks new credentials with the payroll system before they replace
 * the keyring's, then saves the settings with pb_connections_save_settings().
 * Turning a data type off says that its sends stop and that what was sent
 * stays in payroll (SPEC C6). "Remove Connection…" asks first, naming what
 * goes (the connection and its keyring items) and what does not (anything
 * in the payroll system). */

struct _PbConnectionSettings
{
  AdwWindow                parent_instance;

  PbStore                 *store;          /* (owned) */
  PbConnection            *connection;     /* (owned): a copy, edited on save */
  PbProviderClass         *klass;          /* (owned) (nullable) */
  GCancellable            *cancellable;    /* (owned) (nullable): saving or removing */
  GList                   *pending_kinds;  /* (owned): secrets still to store */
  GHashTable              *secrets;        /* (owned) (nullable): being stored */
  gboolean                 save_after_check;
  gboolean                 paused;         /* an import is writing: no save */
  gboolean                 disposed;

  AdwToastOverlay         *toast_overlay;
  AdwViewSwitcherTitle    *switcher_title;
  GtkButton               *save_button;
  GtkSpinner              *spinner;
  AdwViewStack            *stack;
  AdwActionRow            *system_row;
  GtkImage                *system_icon;
  AdwActionRow            *state_row;
  PbConnectionScopeEditor *scope_editor;
  PbConnectionAuthEditor  *auth_editor;
  PbConnectionSyncEditor  *sync_editor;
};

G_DEFINE_FINAL_TYPE (PbConnectionSettings, pb_connection_settings, ADW_TYPE_WINDOW)

enum {
  SAVED,
  REMOVED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static gboolean
is_busy (PbConnectionSettings *self)
{
  return self->cancellable != NULL || self->save_after_check ||
         pb_connection_auth_editor_get_busy (self->auth_editor);
}

static void
update_actions (PbConnectionSettings *self)
{
  gboolean busy = is_busy (self);
  gboolean can_save = !busy && self->klass != NULL &&
                      pb_connection_scope_editor_get_valid (self->scope_editor) &&
                      pb_connection_auth_editor_get_complete (self->auth_editor);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "settings.save", can_save && !self->paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "settings.remove", !busy && !self->paused);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
toast (PbConnectionSettings *self,
       const char           *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
show_details (PbConnectionSettings *self)
{
  PbConnection *connection = self->connection;
  g_autofree char *company = pb_connection_format_company (connection->remote_company, connection->remote_currency);
  g_autofree char *system = NULL;

  if (company != NULL)
    /* Translators: under the payroll system's name: "Company: Sandbox AS (NOK)" */
    system = g_strdup_printf (_("Company: %s"), company);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->system_row),
                                 self->klass != NULL ? self->klass->display_name : connection->system);
  adw_action_row_set_subtitle (self->system_row, system);
  gtk_image_set_from_icon_name (self->system_icon,
                                self->klass != NULL ? self->klass->icon_name : "network-server-symbolic");
  adw_action_row_set_subtitle (self->state_row, pb_connection_format_state (connection->state));
  adw_view_switcher_title_set_title (self->switcher_title, connection->name);
}

/* The words of the toast after saving; with types turned off, SPEC C6. */
static char *
describe_saved (PbConnectionSettings *self,
                PbConnection         *saved)
{
  /* A held type (chosen, never sent: SPEC C4) that goes is no C6 news. */
  PbDataTypes offered = self->klass != NULL ? pb_connections_offered_types (self->klass) : 0;
  PbDataTypes turned_off = self->connection->sync_types & offered & ~saved->sync_types;

  if (turned_off != 0)
    {
      g_autofree char *types = pb_connection_format_data_types (turned_off);

      /* Translators: "Saved “Acme”. Positions are no longer sent; what was already sent stays in Tripletex." */
      return g_strdup_printf (_("Saved “%s”. %s are no longer sent; what was already sent stays in %s."),
                              saved->name, types,
                              self->klass != NULL ? self->klass->display_name : saved->system);
    }

  return g_strdup_printf (_("Saved “%s”"), saved->name);
}

static void
save_settings (PbConnectionSettings *self)
{
  g_autoptr(PbConnection) saved = pb_connection_ui_copy (self->connection);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean new_secrets = pb_connection_auth_editor_has_new_secrets (self->auth_editor);

  pb_connection_scope_editor_apply (self->scope_editor, saved);
  pb_connection_auth_editor_apply (self->auth_editor, saved);
  saved->sync_types = pb_connection_sync_editor_get_types (self->sync_editor);

  if (pb_connection_auth_editor_get_state (self->auth_editor) == PB_AUTH_EDITOR_VERIFIED)
    {
      g_free (saved->remote_company);
      saved->remote_company = g_strdup (pb_connection_auth_editor_get_company (self->auth_editor));
      g_free (saved->remote_currency);
      saved->remote_currency = g_strdup (pb_connection_auth_editor_get_currency (self->auth_editor));

      /* Credentials the payroll system accepted end "needs sign-in". */
      if (new_secrets && saved->state == PB_CONNECTION_NEEDS_SIGN_IN)
        saved->state = saved->activated_at != NULL ? PB_CONNECTION_ACTIVE : PB_CONNECTION_ESTABLISHED;
    }

  if (!pb_connections_save_settings (self->store, saved, &error))
    {
      g_autofree char *title = g_strdup_printf (_("Not saved: %s"), error->message);

      toast (self, title);
      update_actions (self);
      return;
    }

  message = describe_saved (self, saved);
  g_signal_emit (self, signals [SAVED], 0, saved, message);
  g_set_object (&self->connection, saved);
  gtk_window_close (GTK_WINDOW (self));
}

static void store_next_secret (PbConnectionSettings *self);

static void
on_secret_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(PbConnectionSettings) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pb_secrets_store_finish (result, &error))
    {
      g_autofree char *title = NULL;

      if (self->disposed)
        return;

      g_clear_object (&self->cancellable);
      g_clear_pointer (&self->pending_kinds, g_list_free);
      g_clear_pointer (&self->secrets, g_hash_table_unref);
      title = g_strdup_printf (_("Not saved: %s"), error->message);
      toast (self, title);
      update_actions (self);
      return;
    }

  if (!self->disposed)
    store_next_secret (self);
}

/* The new secrets replace the keyring's one by one (same schema and
 * attributes, so each store overwrites its item), then the settings. */
static void
store_next_secret (PbConnectionSettings *self)
{
  g_autofree char *label = NULL;
  g_autofree char *name = NULL;
  char *kind;

  if (self->pending_kinds == NULL)
    {
      g_clear_object (&self->cancellable);
      g_clear_pointer (&self->secrets, g_hash_table_unref);
      save_settings (self);
      return;
    }

  kind = self->pending_kinds->data;
  self->pending_kinds = g_list_delete_link (self->pending_kinds, self->pending_kinds);
  name = pb_connection_scope_editor_dup_name (self->scope_editor);
  label = pb_secrets_label (self->klass->display_name, name, kind);
  pb_secrets_store_async (self->connection->register_id, self->connection->id, kind, label,
                          g_hash_table_lookup (self->secrets, kind), self->cancellable,
                          on_secret_stored_cb, g_object_ref (self));
}

static void
save_verified (PbConnectionSettings *self)
{
  self->secrets = pb_connection_auth_editor_dup_secrets (self->auth_editor);
  if (self->secrets == NULL)
    {
      save_settings (self);
      return;
    }

  self->cancellable = g_cancellable_new ();
  self->pending_kinds = g_hash_table_get_keys (self->secrets);
  update_actions (self);
  store_next_secret (self);
}

static void
on_auth_state_cb (PbConnectionSettings   *self,
                  GParamSpec             *pspec,
                  PbConnectionAuthEditor *editor)
{
  PbAuthEditorState state = pb_connection_auth_editor_get_state (editor);

  if (self->disposed)
    return;

  if (self->save_after_check && state != PB_AUTH_EDITOR_CHECKING)
    {
      self->save_after_check = FALSE;

      if (state == PB_AUTH_EDITOR_VERIFIED)
        {
          save_verified (self);
          return;
        }

      /* The new credentials were refused: they must not replace the
       * keyring's. The Authorization page says why. */
      adw_view_stack_set_visible_child_name (self->stack, "auth");
      toast (self, _("Not saved: the payroll system did not accept the new credentials"));
    }

  update_actions (self);
}

static void
on_editor_changed_cb (PbConnectionSettings *self,
                      GParamSpec           *pspec,
                      GObject              *editor)
{
  if (!self->disposed)
    update_actions (self);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbConnectionSettings *self = PB_CONNECTION_SETTINGS (widget);

  if (is_busy (self) || self->klass == NULL)
    return;

  /* New credentials are checked before they replace the keyring's. */
  if (pb_connection_auth_editor_has_new_secrets (self->auth_editor) &&
      pb_connection_auth_editor_get_state (self->auth_editor) != PB_AUTH_EDITOR_VERIFIED)
    {
      self->save_after_check = TRUE;
      pb_connection_auth_editor_check (self->auth_editor);
      update_actions (self);
      return;
    }

  save_verified (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbConnectionSettings *self = PB_CONNECTION_SETTINGS (widget);

  g_cancellable_cancel (self->cancellable);
  pb_connection_auth_editor_cancel (self->auth_editor);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_removed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PbConnectionSettings) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pb_connections_remove_finish (result, &error))
    {
      g_autofree char *title = NULL;

      if (self->disposed)
        return;

      g_clear_object (&self->cancellable);
      title = g_strdup_printf (_("Not removed: %s"), error->message);
      toast (self, title);
      update_actions (self);
      return;
    }

  if (self->disposed)
    return;

  g_clear_object (&self->cancellable);
  g_signal_emit (self, signals [REMOVED], 0, self->connection);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_remove_response_cb (PbConnectionSettings *self,
                       const char           *response,
                       AdwMessageDialog     *dialog)
{
  if (!g_str_equal (response, "remove") || self->disposed || is_busy (self))
    return;

  self->cancellable = g_cancellable_new ();
  update_actions (self);
  pb_connections_remove_async (self->store, self->connection, self->cancellable,
                               on_removed_cb, g_object_ref (self));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbConnectionSettings *self = PB_CONNECTION_SETTINGS (widget);
  const char *system = self->klass != NULL ? self->klass->display_name : self->connection->system;
  gboolean oauth2 = self->klass != NULL && self->klass->auth_kind == PB_AUTH_OAUTH2;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  heading = g_strdup_printf (_("Remove “%s”?"), self->connection->name);
  /* What is deleted, and what is not. */
  body = g_strdup_printf (oauth2
                          ? _("This deletes the connection from Paybridge and its sign-in from your keyring. "
                              "Nothing is deleted in %s: the employees, positions, absence and salary "
                              "already sent there stay.")
                          : _("This deletes the connection from Paybridge and its tokens from your keyring. "
                              "Nothing is deleted in %s: the employees, positions, absence and salary "
                              "already sent there stay."),
                          system);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
pb_connection_settings_dispose (GObject *object)
{
  PbConnectionSettings *self = (PbConnectionSettings *)object;

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTION_SETTINGS);

  g_clear_object (&self->store);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->klass, g_type_class_unref);
  g_clear_pointer (&self->pending_kinds, g_list_free);
  g_clear_pointer (&self->secrets, g_hash_table_unref);

  G_OBJECT_CLASS (pb_connection_settings_parent_class)->dispose (object);
}

static void
pb_connection_settings_class_init (PbConnectionSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_connection_settings_dispose;

  /**
   * PbConnectionSettings::saved:
   * @connection: the connection as saved
   * @message: what to tell the user (SPEC C6 when types were turned off)
   */
  signals [SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, PB_TYPE_CONNECTION, G_TYPE_STRING);

  /**
   * PbConnectionSettings::removed:
   * @connection: the connection, no longer in the store or the keyring
   */
  signals [REMOVED] =
    g_signal_new ("removed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, PB_TYPE_CONNECTION);

  gtk_widget_class_install_action (widget_class, "settings.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "settings.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "settings.remove", NULL, remove_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "settings.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "settings.save", NULL);

  g_type_ensure (PB_TYPE_CONNECTION_SCOPE_EDITOR);
  g_type_ensure (PB_TYPE_CONNECTION_AUTH_EDITOR);
  g_type_ensure (PB_TYPE_CONNECTION_SYNC_EDITOR);

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connection-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, save_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, spinner);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, stack);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, system_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, system_icon);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, state_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, scope_editor);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, auth_editor);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSettings, sync_editor);
  gtk_widget_class_bind_template_callback (widget_class, on_auth_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_editor_changed_cb);
}

static void
pb_connection_settings_init (PbConnectionSettings *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * pb_connection_settings_new:
 * @parent: (nullable): the window it is modal for
 * @connection: the saved connection to edit (it is copied: the settings
 *   change only the store, and only on Save)
 */
PbConnectionSettings *
pb_connection_settings_new (GtkWindow    *parent,
                            PbStore      *store,
                            PbConnection *connection)
{
  PbConnectionSettings *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (PB_IS_STORE (store), NULL);
  g_return_val_if_fail (PB_IS_CONNECTION (connection), NULL);

  self = g_object_new (PB_TYPE_CONNECTION_SETTINGS,
                       "transient-for", parent,
                       NULL);
  self->store = g_object_ref (store);
  self->connection = pb_connection_ui_copy (connection);
  self->klass = pb_connections_ref_class (connection->system);

  pb_connection_scope_editor_set_store (self->scope_editor, store);
  pb_connection_scope_editor_set_connection (self->scope_editor, self->connection);
  pb_connection_scope_editor_set_payroll_company (self->scope_editor,
                                                  self->connection->remote_company != NULL
                                                  ? self->connection->remote_company
                                                  : self->klass != NULL ? self->klass->display_name : NULL);

  pb_connection_auth_editor_set_store (self->auth_editor, store);
  pb_connection_auth_editor_set_connection (self->auth_editor, self->connection);
  if (self->klass != NULL)
    {
      pb_connection_auth_editor_set_class (self->auth_editor, self->klass);
      pb_connection_sync_editor_set_class (self->sync_editor, self->klass);
    }
  pb_connection_sync_editor_set_types (self->sync_editor, self->connection->sync_types);
  pb_connection_sync_editor_set_saved_types (self->sync_editor, self->connection->sync_types);

  show_details (self);
  update_actions (self);

  return self;
}

/**
 * pb_connection_settings_get_connection:
 *
 * Returns: (transfer none): the connection as last saved
 */
PbConnection *
pb_connection_settings_get_connection (PbConnectionSettings *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SETTINGS (self), NULL);

  return self->connection;
}

/**
 * pb_connection_settings_set_page:
 * @name: "general", "auth" or "sync"
 */
void
pb_connection_settings_set_page (PbConnectionSettings *self,
                                 const char           *name)
{
  g_return_if_fail (PB_IS_CONNECTION_SETTINGS (self));

  adw_view_stack_set_visible_child_name (self->stack, name);
  if (g_strcmp0 (name, "auth") == 0)
    pb_connection_auth_editor_focus (self->auth_editor);
}

const char *
pb_connection_settings_get_page (PbConnectionSettings *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SETTINGS (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

/**
 * pb_connection_settings_ask_for_secrets:
 *
 * Opens the Authorization page with a notice, e.g. that the keyring lost
 * the tokens ("Enter Tokens Again").
 */
void
pb_connection_settings_ask_for_secrets (PbConnectionSettings *self,
                                        const char           *heading,
                                        const char           *message)
{
  g_return_if_fail (PB_IS_CONNECTION_SETTINGS (self));

  pb_connection_settings_set_page (self, "auth");
  pb_connection_auth_editor_show_notice (self->auth_editor, heading, message);
}

/**
 * pb_connection_settings_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, Save and Remove are off (both write the register).
 */
void
pb_connection_settings_set_paused (PbConnectionSettings *self,
                                   gboolean              paused)
{
  g_return_if_fail (PB_IS_CONNECTION_SETTINGS (self));

  self->paused = !!paused;
  update_actions (self);
}
