/* pb-connection-assistant.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionAssistant"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-assistant.h"
#include "pb-connection-auth-editor.h"
#include "pb-connection-format.h"
#include "pb-connection-scope-editor.h"
#include "pb-connection-sync-editor.h"
#include "pb-connections.h"
#include "pb-secrets.h"

/* Setting up a connection, as the seed article's "Step 1" and "Step 2" do:
 *
 *   system -> authorization (C2) -> name and scope (C1) -> what to
 *   sync (C4) -> done: established, not active (C3)
 *
 * Authorization comes before the scope so that the scope page knows the
 * payroll company: it preselects the register's company that matches it
 * and never defaults to everyone of several companies (SPEC C1).
 *
 * A modal window whose pages sit in an AdwLeaflet that never unfolds, with
 * Cancel, Back and Next (Connect on the last page) in the header bar. The
 * authorization page checks the credentials before it lets the user go on;
 * Connect runs pb_connections_add_async(), which checks them again, saves
 * the connection and puts the secrets in the keyring, or leaves nothing
 * behind. Everything the buttons do is a window action (assistant.next,
 * .back, .check, .finish, .cancel, .select-system), so tests drive it the
 * way a user does. */

struct _PbConnectionAssistant
{
  AdwWindow                parent_instance;

  PbStore                 *store;          /* (owned) */
  GPtrArray               *classes;        /* (owned) of PbProviderClass, in offered order */
  GPtrArray               *system_checks;  /* (owned) the check mark of each class's row */
  PbProviderClass         *klass;          /* (nullable): the chosen one, in @classes */
  PbConnection            *connection;     /* (owned) (nullable): once added */
  gboolean                 provisional;    /* @connection is saved only to sign in (OAuth2) */
  GCancellable            *cancellable;    /* (owned) (nullable): while adding */
  gboolean                 next_after_check;
  char                    *preselected_for;  /* (owned) (nullable): the payroll company
                                              * the scope was last preselected for */
  gboolean                 disposed;

  GtkButton               *cancel_button;
  GtkButton               *back_button;
  AdwWindowTitle          *window_title;
  GtkButton               *next_button;
  GtkButton               *finish_button;
  GtkButton               *done_button;
  GtkSpinner              *spinner;
  AdwLeaflet              *leaflet;
  AdwPreferencesGroup     *systems_group;
  PbConnectionScopeEditor *scope_editor;
  GtkLabel                *auth_heading;
  PbConnectionAuthEditor  *auth_editor;
  PbConnectionSyncEditor  *sync_editor;
  GtkLabel                *finish_error_label;
  AdwStatusPage           *done_page;
};

G_DEFINE_FINAL_TYPE (PbConnectionAssistant, pb_connection_assistant, ADW_TYPE_WINDOW)

enum {
  CONNECTION_ADDED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* The pages in order; "done" is not a step. */
static const char * const pages[] = { "system", "auth", "scope", "sync", "done" };
#define N_STEPS 4

/* What Connect's callback holds on to. */
typedef struct
{
  PbConnectionAssistant *self;         /* (owned) */
  GCancellable          *cancellable;  /* (owned) */
} Add;

/* PbHttp keeps the caller's cancellable without a reference until its
 * innermost task is finalized, which can come after the outer callbacks
 * have run: the cancellable is dropped from an idle, once the call has
 * unwound. */
static gboolean
release_cb (gpointer object)
{
  return G_SOURCE_REMOVE;
}

static void
release_later (gpointer object)
{
  g_idle_add_full (G_PRIORITY_LOW, release_cb, object, g_object_unref);
}

static void
add_free (Add *add)
{
  g_object_unref (add->self);
  release_later (add->cancellable);
  g_free (add);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Add, add_free)

static guint
page_index (PbConnectionAssistant *self)
{
  const char *name = adw_leaflet_get_visible_child_name (self->leaflet);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    if (g_strcmp0 (name, pages[i]) == 0)
      return i;

  return 0;
}

static gboolean
on_page (PbConnectionAssistant *self,
         const char            *name)
{
  return g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), name) == 0;
}

static void
update_actions (PbConnectionAssistant *self)
{
  guint index = page_index (self);
  gboolean adding = self->cancellable != NULL;
  gboolean auth_busy = pb_connection_auth_editor_get_busy (self->auth_editor);
  gboolean done = on_page (self, "done");
  gboolean can_next = FALSE;
  g_autofree char *step = NULL;

  if (on_page (self, "system"))
    can_next = self->klass != NULL;
  else if (on_page (self, "scope"))
    can_next = pb_connection_scope_editor_get_valid (self->scope_editor);
  else if (on_page (self, "auth"))
    can_next = pb_connection_auth_editor_get_complete (self->auth_editor) && !auth_busy;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.next", can_next);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.back", index > 0 && !done && !adding);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.check",
                                 on_page (self, "auth") && !auth_busy &&
                                 pb_connection_auth_editor_get_complete (self->auth_editor));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.finish",
                                 on_page (self, "sync") && !adding &&
                                 pb_connection_sync_editor_get_types (self->sync_editor) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "assistant.select-system", on_page (self, "system"));

  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), !done);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), index > 0 && !done);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), index < 3);
  gtk_widget_set_visible (GTK_WIDGET (self->finish_button), on_page (self, "sync"));
  gtk_widget_set_visible (GTK_WIDGET (self->done_button), done);
  /* Signing in has its own page with a spinner. */
  gtk_widget_set_visible (GTK_WIDGET (self->spinner),
                          adding || (on_page (self, "auth") &&
                                     pb_connection_auth_editor_get_state (self->auth_editor) == PB_AUTH_EDITOR_CHECKING));
  gtk_spinner_set_spinning (self->spinner, gtk_widget_get_visible (GTK_WIDGET (self->spinner)));

  if (!done)
    /* Translators: the assistant's subtitle: "Step 2 of 4" */
    step = g_strdup_printf (_("Step %u of %u"), index + 1, N_STEPS);
  adw_window_title_set_subtitle (self->window_title, step);
}

static void
go_to (PbConnectionAssistant *self,
       const char            *name)
{
  adw_leaflet_set_visible_child_name (self->leaflet, name);
  update_actions (self);

  if (g_str_equal (name, "scope"))
    pb_connection_scope_editor_focus (self->scope_editor);
  else if (g_str_equal (name, "auth"))
    pb_connection_auth_editor_focus (self->auth_editor);
}

static void
on_page_changed_cb (PbConnectionAssistant *self,
                    GParamSpec            *pspec,
                    AdwLeaflet            *leaflet)
{
  if (!self->disposed)
    update_actions (self);
}

static void
on_editor_changed_cb (PbConnectionAssistant *self,
                      GParamSpec            *pspec,
                      GObject               *editor)
{
  if (!self->disposed)
    update_actions (self);
}

/* Next on the authorization page checks first, and goes on once the
 * payroll system has answered. */
static void
on_auth_state_cb (PbConnectionAssistant  *self,
                  GParamSpec             *pspec,
                  PbConnectionAuthEditor *editor)
{
  PbAuthEditorState state = pb_connection_auth_editor_get_state (editor);

  if (self->disposed)
    return;

  /* SPEC C1: the scope follows the payroll company, once per company (a
   * check again of the same one keeps what the user chose meanwhile). */
  if (state == PB_AUTH_EDITOR_VERIFIED)
    {
      const char *company = pb_connection_auth_editor_get_company (editor);

      if (company != NULL && g_strcmp0 (company, self->preselected_for) != 0)
        {
          g_free (self->preselected_for);
          self->preselected_for = g_strdup (company);
          g_autofree char *name = pb_connection_scope_editor_dup_name (self->scope_editor);

          pb_connection_scope_editor_preselect (self->scope_editor, company,
                                                pb_connection_auth_editor_get_org_number (editor));
          /* The name the user did not choose follows the payroll company,
           * as the name field's description suggests. */
          if (self->klass != NULL && (*name == '\0' || g_str_equal (name, self->klass->display_name)))
            pb_connection_scope_editor_set_name (self->scope_editor, company);
        }
    }

  if (state == PB_AUTH_EDITOR_VERIFIED && self->next_after_check && on_page (self, "auth"))
    {
      self->next_after_check = FALSE;
      go_to (self, "scope");
      return;
    }

  if (state != PB_AUTH_EDITOR_CHECKING)
    self->next_after_check = FALSE;
  update_actions (self);
}

static void
select_system (PbConnectionAssistant *self,
               PbProviderClass       *klass)
{
  g_autofree char *name = pb_connection_scope_editor_dup_name (self->scope_editor);
  g_autofree char *heading = NULL;
  gboolean rename;

  if (klass == self->klass)
    return;

  /* A connection saved to sign in to the other system goes. */
  if (self->connection != NULL && self->provisional)
    {
      pb_connections_remove_async (self->store, self->connection, NULL, NULL, NULL);
      self->provisional = FALSE;
      g_clear_object (&self->connection);
    }

  /* The name follows the system until the user types one. */
  rename = *name == '\0' || (self->klass != NULL && g_str_equal (name, self->klass->display_name));
  self->klass = klass;

  for (guint i = 0; i < self->classes->len; i++)
    gtk_widget_set_visible (g_ptr_array_index (self->system_checks, i),
                            g_ptr_array_index (self->classes, i) == klass);

  if (rename)
    pb_connection_scope_editor_set_name (self->scope_editor, klass->display_name);

  /* Translators: the authorization page's heading, "Connect to Tripletex" */
  heading = g_strdup_printf (_("Connect to %s"), klass->display_name);
  gtk_label_set_label (self->auth_heading, heading);
  pb_connection_auth_editor_set_class (self->auth_editor, klass);
  pb_connection_sync_editor_set_class (self->sync_editor, klass);
  /* Users first: every other type follows the people the user sync links.
   * Positions too, where offered; salary is the administrator's choice
   * (it needs positions, SPEC S6, and is the most sensitive). A type the
   * engine does not send is never on (SPEC C4). */
  pb_connection_sync_editor_set_types (self->sync_editor,
                                       pb_connections_offered_types (klass) & (PB_DATA_USERS | PB_DATA_POSITIONS));
  g_clear_pointer (&self->preselected_for, g_free);

  update_actions (self);
}

static void
on_system_activated_cb (PbConnectionAssistant *self,
                        AdwActionRow          *row)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "assistant.select-system", "s",
                              gtk_widget_get_name (GTK_WIDGET (row)));
}

/* One row per connector, with its one-line summary read from its
 * capability flags; the chosen one has a check mark, as GNOME's choice
 * lists do. These rows are made in C: they come from the list of
 * connectors. */
static void
add_system_rows (PbConnectionAssistant *self)
{
  for (guint i = 0; i < self->classes->len; i++)
    {
      PbProviderClass *klass = g_ptr_array_index (self->classes, i);
      g_autofree char *summary = pb_connection_format_capabilities (klass);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");
      GtkWidget *icon = gtk_image_new_from_icon_name (klass->icon_name);

      gtk_image_set_icon_size (GTK_IMAGE (icon), GTK_ICON_SIZE_LARGE);
      gtk_widget_set_visible (check, FALSE);
      gtk_widget_add_css_class (check, "accent");

      gtk_widget_set_name (row, klass->id);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), klass->display_name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
      g_signal_connect_object (row, "activated", G_CALLBACK (on_system_activated_cb), self, G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->systems_group, row);
      g_ptr_array_add (self->system_checks, check);
    }
}

static PbConnection *
build_connection (PbConnectionAssistant *self)
{
  PbConnection *connection = pb_connection_new ();

  connection->system = g_strdup (self->klass->id);
  pb_connection_scope_editor_apply (self->scope_editor, connection);
  pb_connection_auth_editor_apply (self->auth_editor, connection);
  connection->sync_types = pb_connection_sync_editor_get_types (self->sync_editor);

  return connection;
}

static void
show_done (PbConnectionAssistant *self)
{
  g_autofree char *description = NULL;

  /* SPEC C3: established, not active; the next step is the user sync. */
  description = g_strdup_printf (_("“%s” is established but not active yet: nothing is sent to %s until "
                                   "you synchronize users. That is the next step. Paybridge then matches "
                                   "the people in the register with those in %s by email address."),
                                 self->connection->name, self->klass->display_name, self->klass->display_name);
  adw_status_page_set_description (self->done_page, description);
  go_to (self, "done");
}

static void
on_added_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Add) add = user_data;
  PbConnectionAssistant *self = add->self;
  g_autoptr(PbConnection) connection = g_steal_pointer (&self->connection);
  g_autoptr(GError) error = NULL;

  if (!pb_connections_add_finish (result, &error))
    {
      g_autofree char *message = NULL;

      if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_clear_object (&self->cancellable);

      /* Credentials refused after all: back to where they are entered. */
      if (g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED) ||
          g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FORBIDDEN))
        {
          pb_connection_auth_editor_show_error (self->auth_editor, error);
          go_to (self, "auth");
          return;
        }

      /* SPEC C2: a failed set-up leaves nothing stored; say so. */
      message = g_strdup_printf (_("Could not set up the connection: %s Nothing was saved."), error->message);
      gtk_label_set_label (self->finish_error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->finish_error_label), TRUE);
      update_actions (self);
      return;
    }

  if (self->disposed)
    return;

  g_clear_object (&self->cancellable);
  self->connection = g_steal_pointer (&connection);
  g_signal_emit (self, signals [CONNECTION_ADDED], 0, self->connection);
  show_done (self);
}

static void
on_provisional_added_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(Add) add = user_data;
  PbConnectionAssistant *self = add->self;
  g_autoptr(PbConnection) connection = g_steal_pointer (&self->connection);
  g_autoptr(GError) error = NULL;

  if (self->disposed)
    {
      /* Closed meanwhile: take it back if it was saved. */
      if (pb_connections_add_finish (result, NULL))
        pb_connections_remove_async (self->store, connection, NULL, NULL, NULL);
      return;
    }

  g_clear_object (&self->cancellable);
  if (!pb_connections_add_finish (result, &error))
    {
      pb_connection_auth_editor_abort_sign_in (self->auth_editor, error);
      update_actions (self);
      return;
    }

  self->connection = g_steal_pointer (&connection);
  self->provisional = TRUE;
  update_actions (self);
  pb_connection_auth_editor_sign_in_with (self->auth_editor, self->connection);
}

/* OAuth2 keeps the tokens under the connection's id, so the connection is
 * saved before the browser opens, established and with no tokens yet. If
 * the assistant does not get to Connect, it is removed again (see
 * dispose), keyring items and all: nothing is left behind (SPEC C2). */
static void
on_prepare_sign_in_cb (PbConnectionAssistant  *self,
                       PbConnectionAuthEditor *editor)
{
  g_autoptr(GHashTable) secrets = NULL;
  Add *add;

  if (self->disposed || self->cancellable != NULL)
    return;

  /* Signing in again: the name or scope may have changed meanwhile. */
  if (self->connection != NULL && self->provisional)
    {
      g_autoptr(PbConnection) connection = pb_connection_ui_copy (self->connection);
      g_autoptr(GError) error = NULL;

      pb_connection_scope_editor_apply (self->scope_editor, connection);
      pb_connection_auth_editor_apply (self->auth_editor, connection);
      if (!pb_connections_save_settings (self->store, connection, &error))
        {
          pb_connection_auth_editor_abort_sign_in (editor, error);
          return;
        }

      g_set_object (&self->connection, connection);
      pb_connection_auth_editor_sign_in_with (editor, connection);
      return;
    }

  g_clear_object (&self->connection);
  self->connection = build_connection (self);
  secrets = pb_connection_auth_editor_dup_secrets (editor);
  self->cancellable = g_cancellable_new ();
  update_actions (self);

  add = g_new0 (Add, 1);
  add->self = g_object_ref (self);
  add->cancellable = g_object_ref (self->cancellable);
  pb_connections_add_async (self->store, self->connection, secrets, PB_CONNECTIONS_ADD_VERIFY, self->cancellable,
                            on_provisional_added_cb, add);
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbConnectionAssistant *self = PB_CONNECTION_ASSISTANT (widget);

  if (on_page (self, "system") && self->klass != NULL)
    go_to (self, "auth");
  else if (on_page (self, "scope") && pb_connection_scope_editor_get_valid (self->scope_editor))
    go_to (self, "sync");
  else if (on_page (self, "auth"))
    {
      if (pb_connection_auth_editor_get_state (self->auth_editor) == PB_AUTH_EDITOR_VERIFIED)
        go_to (self, "scope");
      else if (pb_connection_auth_editor_get_complete (self->auth_editor))
        {
          self->next_after_check = TRUE;
          pb_connection_auth_editor_check (self->auth_editor);
        }
    }
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbConnectionAssistant *self = PB_CONNECTION_ASSISTANT (widget);
  guint index = page_index (self);

  if (index == 0 || on_page (self, "done") || self->cancellable != NULL)
    return;

  self->next_after_check = FALSE;
  pb_connection_auth_editor_cancel (self->auth_editor);
  gtk_widget_set_visible (GTK_WIDGET (self->finish_error_label), FALSE);
  go_to (self, pages[index - 1]);
}

static void
check_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PbConnectionAssistant *self = PB_CONNECTION_ASSISTANT (widget);

  self->next_after_check = FALSE;
  pb_connection_auth_editor_check (self->auth_editor);
}

/* OAuth2: the connection was saved to sign in; Connect saves what the
 * later pages chose, and the company the sign-in opened. */
static void
finish_provisional (PbConnectionAssistant *self)
{
  g_autoptr(PbConnection) connection = pb_connection_ui_copy (self->connection);
  g_autoptr(GError) error = NULL;

  pb_connection_scope_editor_apply (self->scope_editor, connection);
  pb_connection_auth_editor_apply (self->auth_editor, connection);
  connection->sync_types = pb_connection_sync_editor_get_types (self->sync_editor);
  g_free (connection->remote_company);
  connection->remote_company = g_strdup (pb_connection_auth_editor_get_company (self->auth_editor));
  g_free (connection->remote_currency);
  connection->remote_currency = g_strdup (pb_connection_auth_editor_get_currency (self->auth_editor));

  if (!pb_connections_save_settings (self->store, connection, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not set up the connection: %s"), error->message);

      gtk_label_set_label (self->finish_error_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->finish_error_label), TRUE);
      return;
    }

  self->provisional = FALSE;
  g_set_object (&self->connection, connection);
  g_signal_emit (self, signals [CONNECTION_ADDED], 0, self->connection);
  show_done (self);
}

static void
finish_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbConnectionAssistant *self = PB_CONNECTION_ASSISTANT (widget);
  g_autoptr(GHashTable) secrets = NULL;
  Add *add;

  if (!on_page (self, "sync") || self->cancellable != NULL || self->klass == NULL)
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->finish_error_label), FALSE);
  if (self->connection != NULL && self->provisional)
    {
      finish_provisional (self);
      return;
    }

  g_clear_object (&self->connection);
  self->connection = build_connection (self);
  secrets = pb_connection_auth_editor_dup_secrets (self->auth_editor);
  self->cancellable = g_cancellable_new ();
  update_actions (self);

  /* Checks the credentials once more, saves, stores the secrets; any
   * failure on the way leaves nothing behind (SPEC C2). */
  add = g_new0 (Add, 1);
  add->self = g_object_ref (self);
  add->cancellable = g_object_ref (self->cancellable);
  pb_connections_add_async (self->store, self->connection, secrets, PB_CONNECTIONS_ADD_VERIFY, self->cancellable,
                            on_added_cb, add);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbConnectionAssistant *self = PB_CONNECTION_ASSISTANT (widget);

  g_cancellable_cancel (self->cancellable);
  pb_connection_auth_editor_cancel (self->auth_editor);
  gtk_window_close (GTK_WINDOW (self));
}

static void
select_system_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PbConnectionAssistant *self = PB_CONNECTION_ASSISTANT (widget);
  const char *id = g_variant_get_string (parameter, NULL);

  for (guint i = 0; i < self->classes->len; i++)
    {
      PbProviderClass *klass = g_ptr_array_index (self->classes, i);

      if (g_strcmp0 (klass->id, id) == 0)
        {
          select_system (self, klass);
          return;
        }
    }

  g_warning ("No payroll system “%s”", id);
}

static void
pb_connection_assistant_dispose (GObject *object)
{
  PbConnectionAssistant *self = (PbConnectionAssistant *)object;

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  /* Saved only to sign in, and never connected: nothing may stay. */
  if (self->connection != NULL && self->provisional && self->store != NULL)
    {
      self->provisional = FALSE;
      pb_connections_remove_async (self->store, self->connection, NULL, NULL, NULL);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTION_ASSISTANT);

  g_clear_object (&self->store);
  g_clear_object (&self->connection);
  self->klass = NULL;
  g_clear_pointer (&self->system_checks, g_ptr_array_unref);
  g_clear_pointer (&self->classes, g_ptr_array_unref);
  g_clear_pointer (&self->preselected_for, g_free);

  G_OBJECT_CLASS (pb_connection_assistant_parent_class)->dispose (object);
}

static void
pb_connection_assistant_class_init (PbConnectionAssistantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_connection_assistant_dispose;

  /**
   * PbConnectionAssistant::connection-added:
   * @connection: the new connection, saved, its secrets in the keyring
   */
  signals [CONNECTION_ADDED] =
    g_signal_new ("connection-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, PB_TYPE_CONNECTION);

  gtk_widget_class_install_action (widget_class, "assistant.select-system", "s", select_system_action);
  gtk_widget_class_install_action (widget_class, "assistant.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "assistant.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "assistant.check", NULL, check_action);
  gtk_widget_class_install_action (widget_class, "assistant.finish", NULL, finish_action);
  gtk_widget_class_install_action (widget_class, "assistant.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "assistant.cancel", NULL);

  g_type_ensure (PB_TYPE_CONNECTION_SCOPE_EDITOR);
  g_type_ensure (PB_TYPE_CONNECTION_AUTH_EDITOR);
  g_type_ensure (PB_TYPE_CONNECTION_SYNC_EDITOR);

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connection-assistant.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, back_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, window_title);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, next_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, finish_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, done_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, spinner);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, systems_group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, scope_editor);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, auth_heading);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, auth_editor);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, sync_editor);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, finish_error_label);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAssistant, done_page);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_editor_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_auth_state_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_prepare_sign_in_cb);
}

static void
pb_connection_assistant_init (PbConnectionAssistant *self)
{
  self->classes = pb_connections_list_classes ();
  self->system_checks = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  add_system_rows (self);
  /* With one connector there is nothing to choose, but it is shown. */
  if (self->classes->len == 1)
    select_system (self, g_ptr_array_index (self->classes, 0));
  update_actions (self);
}

/**
 * pb_connection_assistant_new:
 * @parent: (nullable): the window it is modal for
 * @store: the register the connection is saved in
 */
PbConnectionAssistant *
pb_connection_assistant_new (GtkWindow *parent,
                             PbStore   *store)
{
  PbConnectionAssistant *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (PB_IS_STORE (store), NULL);

  self = g_object_new (PB_TYPE_CONNECTION_ASSISTANT,
                       "transient-for", parent,
                       NULL);
  self->store = g_object_ref (store);
  pb_connection_scope_editor_set_store (self->scope_editor, store);
  pb_connection_auth_editor_set_store (self->auth_editor, store);
  if (self->klass != NULL)
    pb_connection_scope_editor_set_name (self->scope_editor, self->klass->display_name);

  return self;
}

/**
 * pb_connection_assistant_get_page:
 *
 * Returns: "system", "scope", "auth", "sync" or "done"
 */
const char *
pb_connection_assistant_get_page (PbConnectionAssistant *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_ASSISTANT (self), NULL);

  return adw_leaflet_get_visible_child_name (self->leaflet);
}

/**
 * pb_connection_assistant_get_connection:
 *
 * Returns: (transfer none) (nullable): the connection, once it is set up
 */
PbConnection *
pb_connection_assistant_get_connection (PbConnectionAssistant *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_ASSISTANT (self), NULL);

  return self->cancellable == NULL && !self->provisional ? self->connection : NULL;
}
