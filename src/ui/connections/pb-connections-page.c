/* pb-connections-page.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionsPage"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-assistant.h"
#include "pb-connection-row.h"
#include "pb-connection-settings.h"
#include "pb-connections-page-private.h"
#include "pb-connections.h"
#include "pb-matching-window.h"
#include "pb-secrets.h"

/* The Connections view: every connection as a row, or, with none, a status
 * page that invites adding one. The page owns the windows it opens: the
 * set-up assistant (connections.add) and a connection's settings
 * (connections.edit, or connections.reenter to enter lost tokens again),
 * and reloads after each adds, saves or removes.
 *
 * After each load it asks the keyring, asynchronously, whether each
 * connection's secrets are there. A missing item, a locked keyring or none
 * at all shows in that connection's row with the action that fixes it;
 * PbSecrets gives up after its timeout, so a keyring waiting for a prompt
 * nobody sees never hangs the page. */

typedef struct
{
  PbKeyringStatus  status;
  char            *message;   /* (nullable) */
} KeyringResult;

typedef struct
{
  PbConnectionsPage *self;        /* (owned) */
  GCancellable      *cancellable; /* (owned): the load it belongs to */
  gint64             id;
} Lookup;

struct _PbConnectionsPage
{
  GtkWidget             parent_instance;

  PbStore              *store;        /* (owned) (nullable) */
  GListStore           *connections;  /* (owned) of PbConnection */
  GHashTable           *keyring;      /* (owned) id -> KeyringResult */
  GCancellable         *cancellable;  /* (owned): this load's keyring lookups */
  guint                 n_pending;    /* lookups not answered yet */
  char                 *summary;      /* (owned) (nullable) */
  char                 *last_toast;   /* (owned) (nullable) */
  GtkWidget            *assistant;    /* (nullable): weak */
  GtkWidget            *settings;     /* (nullable): weak */
  GtkWidget            *matching;     /* (nullable): weak */
  guint                 reload_source;
  gboolean              paused;       /* an import is writing: no writes from here */
  gboolean              disposed;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkListBox           *list;
};

G_DEFINE_FINAL_TYPE (PbConnectionsPage, pb_connections_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
keyring_result_free (KeyringResult *result)
{
  g_free (result->message);
  g_free (result);
}

static void
lookup_free (Lookup *lookup)
{
  g_object_unref (lookup->self);
  g_object_unref (lookup->cancellable);
  g_free (lookup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Lookup, lookup_free)

static PbConnection *
find_connection (PbConnectionsPage *self,
                 gint64             id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PbConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);

      if (connection->id == id)
        return connection;   /* the store keeps its own reference */
    }

  return NULL;
}

static PbConnectionRow *
find_row_by_id (PbConnectionsPage *self,
                gint64             id)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (PB_IS_CONNECTION_ROW (child) && pb_connection_row_get_connection (PB_CONNECTION_ROW (child))->id == id)
      return PB_CONNECTION_ROW (child);

  return NULL;
}

static void
show_toast (PbConnectionsPage *self,
            const char        *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 8);
  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
update_summary (PbConnectionsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  g_clear_pointer (&self->summary, g_free);
  if (n > 0)
    self->summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connection", "%u connections", n), n);

  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SUMMARY]);
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  PbConnectionsPage *self = user_data;
  PbConnection *connection = item;
  GtkWidget *row = pb_connection_row_new (connection, self->store);
  KeyringResult *result = g_hash_table_lookup (self->keyring, &connection->id);

  if (result != NULL)
    pb_connection_row_set_keyring_status (PB_CONNECTION_ROW (row), result->status, result->message);

  return row;
}

static void
on_secrets_looked_up_cb (GObject      *source,
                         GAsyncResult *res,
                         gpointer      user_data)
{
  g_autoptr(Lookup) lookup = user_data;
  PbConnectionsPage *self = lookup->self;
  g_autoptr(GHashTable) secrets = NULL;
  g_autoptr(GError) error = NULL;
  KeyringResult *result;
  PbConnectionRow *row;
  gint64 *id;

  secrets = pb_secrets_lookup_finish (res, &error);

  /* A later load, or the page went away. */
  if (self->disposed || g_cancellable_is_cancelled (lookup->cancellable))
    return;

  result = g_new0 (KeyringResult, 1);
  if (error == NULL)
    result->status = PB_KEYRING_OK;
  else if (g_error_matches (error, PB_SECRETS_ERROR, PB_SECRETS_ERROR_MISSING))
    result->status = PB_KEYRING_MISSING;
  else if (g_error_matches (error, PB_SECRETS_ERROR, PB_SECRETS_ERROR_LOCKED))
    result->status = PB_KEYRING_LOCKED;
  else
    result->status = PB_KEYRING_UNAVAILABLE;

  if (error != NULL)
    {
      g_debug ("Keyring for connection %" G_GINT64_FORMAT ": %s", lookup->id, error->message);
      result->message = g_strdup (error->message);
    }

  id = g_memdup2 (&lookup->id, sizeof lookup->id);
  g_hash_table_replace (self->keyring, id, result);
  self->n_pending--;

  row = find_row_by_id (self, lookup->id);
  if (row != NULL)
    pb_connection_row_set_keyring_status (row, result->status, result->message);
}

/* Asks the keyring for each connection's secrets; the answers only say
 * whether they are there, and are dropped at once. */
static void
check_keyring (PbConnectionsPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PbConnection) connection = g_list_model_get_item (G_LIST_MODEL (self->connections), i);
      g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
      Lookup *lookup;

      static const char * const oauth2_kinds[] = { PB_OAUTH2_SECRET_KIND, NULL };
      const char * const *kinds;
      g_auto(GStrv) labels = NULL;

      if (klass == NULL)
        continue;

      /* OAuth2: the one item PbOAuth2 keeps the tokens in. */
      kinds = klass->auth_kind == PB_AUTH_OAUTH2 ? oauth2_kinds : klass->secret_kinds;
      if (kinds == NULL || kinds[0] == NULL)
        continue;

      lookup = g_new0 (Lookup, 1);
      lookup->self = g_object_ref (self);
      lookup->cancellable = g_object_ref (self->cancellable);
      lookup->id = connection->id;
      self->n_pending++;
      labels = pb_secrets_labels (klass->display_name, connection->name, kinds);
      pb_secrets_lookup_async (connection->register_id, connection->id, kinds, (const char * const *) labels,
                               self->cancellable, on_secrets_looked_up_cb, lookup);
    }
}

static GtkWindow *
get_parent_window (PbConnectionsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
on_connection_added_cb (PbConnectionsPage     *self,
                        PbConnection          *connection,
                        PbConnectionAssistant *assistant)
{
  pb_connections_page_reload (self);
}

static void
on_settings_saved_cb (PbConnectionsPage    *self,
                      PbConnection         *connection,
                      const char           *message,
                      PbConnectionSettings *settings)
{
  pb_connections_page_reload (self);
  show_toast (self, message);
}

static void
on_settings_removed_cb (PbConnectionsPage    *self,
                        PbConnection         *connection,
                        PbConnectionSettings *settings)
{
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  g_autofree char *title = NULL;

  pb_connections_page_reload (self);
  /* Translators: "Removed “Acme”. Nothing was deleted in Tripletex." */
  title = g_strdup_printf (_("Removed “%s”. Nothing was deleted in %s."), connection->name,
                           klass != NULL ? klass->display_name : connection->system);
  show_toast (self, title);
}

static void
on_users_synced_cb (PbConnectionsPage *self,
                    PbMatchingWindow  *window)
{
  pb_connections_page_reload (self);
}

static gboolean
on_reload_idle_cb (gpointer user_data)
{
  PbConnectionsPage *self = user_data;

  self->reload_source = 0;
  pb_connections_page_reload (self);
  return G_SOURCE_REMOVE;
}

/* A connection changed behind the page's back: activated by a user sync,
 * or set to "needs sign-in" by the sync driver. One reload for a burst. */
static void
on_store_changed_cb (PbConnectionsPage *self,
                     guint              what,
                     PbStore           *store)
{
  if ((what & PB_STORE_CHANGED_CONNECTIONS) && self->reload_source == 0 && !self->disposed)
    self->reload_source = g_idle_add (on_reload_idle_cb, self);
}

static void
sync_users_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  pb_connections_page_sync_users (PB_CONNECTIONS_PAGE (widget), g_variant_get_int64 (parameter));
}

static PbConnectionSettings *
open_settings (PbConnectionsPage *self,
               gint64             id)
{
  PbConnection *connection = find_connection (self, id);
  PbConnectionSettings *settings;

  if (connection == NULL || self->store == NULL)
    return NULL;

  /* One settings window at a time (it is modal anyway). */
  if (self->settings != NULL)
    gtk_window_destroy (GTK_WINDOW (self->settings));

  settings = pb_connection_settings_new (get_parent_window (self), self->store, connection);
  g_signal_connect_object (settings, "saved", G_CALLBACK (on_settings_saved_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "removed", G_CALLBACK (on_settings_removed_cb), self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->settings, GTK_WIDGET (settings));
  pb_connection_settings_set_paused (settings, self->paused);
  gtk_window_present (GTK_WINDOW (settings));

  return settings;
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  pb_connections_page_add_connection (PB_CONNECTIONS_PAGE (widget));
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  pb_connections_page_edit_connection (PB_CONNECTIONS_PAGE (widget), g_variant_get_int64 (parameter));
}

/* "Enter Tokens Again" / "Sign In Again": the settings, on the
 * Authorization page, saying why. */
static void
reenter_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PbConnectionsPage *self = PB_CONNECTIONS_PAGE (widget);
  gint64 id = g_variant_get_int64 (parameter);
  PbConnection *connection = find_connection (self, id);
  KeyringResult *result = g_hash_table_lookup (self->keyring, &id);
  g_autoptr(PbProviderClass) klass = NULL;
  PbConnectionSettings *settings;
  const char *heading;
  const char *message;
  gboolean oauth2;

  if (connection == NULL)
    return;

  klass = pb_connections_ref_class (connection->system);
  oauth2 = klass != NULL && klass->auth_kind == PB_AUTH_OAUTH2;
  settings = open_settings (self, id);
  if (settings == NULL)
    return;

  if (result != NULL && result->status == PB_KEYRING_MISSING)
    {
      heading = oauth2 ? _("The keyring lost this connection’s sign-in")
                       : _("The keyring holds no tokens for this connection");
      message = oauth2 ? _("Sign in again, then save.") : _("Paste the tokens again, check them and save.");
    }
  else
    {
      heading = _("The payroll system no longer accepts the credentials");
      message = oauth2 ? _("Sign in again, then save.") : _("Paste new tokens, check them and save.");
    }

  pb_connection_settings_ask_for_secrets (settings, heading, message);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  pb_connections_page_reload (PB_CONNECTIONS_PAGE (widget));
}

static void
pb_connections_page_dispose (GObject *object)
{
  PbConnectionsPage *self = (PbConnectionsPage *)object;

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);

  if (self->assistant != NULL)
    gtk_window_destroy (GTK_WINDOW (self->assistant));
  if (self->settings != NULL)
    gtk_window_destroy (GTK_WINDOW (self->settings));
  if (self->matching != NULL)
    gtk_window_destroy (GTK_WINDOW (self->matching));
  g_clear_weak_pointer (&self->assistant);
  g_clear_weak_pointer (&self->settings);
  g_clear_weak_pointer (&self->matching);
  g_clear_handle_id (&self->reload_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTIONS_PAGE);

  g_clear_object (&self->store);
  g_clear_object (&self->connections);

  G_OBJECT_CLASS (pb_connections_page_parent_class)->dispose (object);
}

static void
pb_connections_page_finalize (GObject *object)
{
  PbConnectionsPage *self = (PbConnectionsPage *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keyring, g_hash_table_unref);
  g_free (self->summary);
  g_free (self->last_toast);

  G_OBJECT_CLASS (pb_connections_page_parent_class)->finalize (object);
}

static void
pb_connections_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  PbConnectionsPage *self = PB_CONNECTIONS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_connections_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  PbConnectionsPage *self = PB_CONNECTIONS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      pb_connections_page_set_store (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_connections_page_class_init (PbConnectionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_connections_page_dispose;
  object_class->finalize = pb_connections_page_finalize;
  object_class->get_property = pb_connections_page_get_property;
  object_class->set_property = pb_connections_page_set_property;

  properties [PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         PB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* "2 connections", for the window's subtitle; %NULL with none. */
  properties [PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "connections.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "connections.edit", "x", edit_action);
  gtk_widget_class_install_action (widget_class, "connections.reenter", "x", reenter_action);
  gtk_widget_class_install_action (widget_class, "connections.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "connections.sync-users", "x", sync_users_action);

  g_type_ensure (PB_TYPE_CONNECTION_ROW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connections-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionsPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionsPage, list);
}

static void
pb_connections_page_init (PbConnectionsPage *self)
{
  self->connections = g_list_store_new (PB_TYPE_CONNECTION);
  self->keyring = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify) keyring_result_free);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_list_box_bind_model (self->list, G_LIST_MODEL (self->connections), create_row_cb, self, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connections.add", FALSE);
  update_summary (self);
}

GtkWidget *
pb_connections_page_new (void)
{
  return g_object_new (PB_TYPE_CONNECTIONS_PAGE, NULL);
}

PbStore *
pb_connections_page_get_store (PbConnectionsPage *self)
{
  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), NULL);

  return self->store;
}

/**
 * pb_connections_page_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, adding a connection and user sync are off, and a
 * connection's settings can be looked at but not saved or removed:
 * nothing on the main loop waits on the import's write lock (issue 14).
 */
void
pb_connections_page_set_paused (PbConnectionsPage *self,
                                gboolean           paused)
{
  g_return_if_fail (PB_IS_CONNECTIONS_PAGE (self));

  self->paused = !!paused;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connections.add", self->store != NULL && !paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connections.sync-users", !paused);
  /* A settings dialog or a matching window open already. */
  if (self->settings != NULL)
    pb_connection_settings_set_paused (PB_CONNECTION_SETTINGS (self->settings), paused);
  if (self->matching != NULL)
    pb_matching_window_set_paused (PB_MATCHING_WINDOW (self->matching), paused);
}

/**
 * pb_connections_page_set_store:
 * @store: (nullable): the register whose connections to show
 */
void
pb_connections_page_set_store (PbConnectionsPage *self,
                               PbStore           *store)
{
  g_return_if_fail (PB_IS_CONNECTIONS_PAGE (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_store_changed_cb, self);
  if (g_set_object (&self->store, store))
    {
      if (store != NULL)
        g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed_cb), self, G_CONNECT_SWAPPED);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "connections.add", store != NULL && !self->paused);
      pb_connections_page_reload (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STORE]);
    }
}

/**
 * pb_connections_page_reload:
 *
 * Reads the connections from the store again and asks the keyring about
 * each. Called after every add, save and remove.
 */
void
pb_connections_page_reload (PbConnectionsPage *self)
{
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PB_IS_CONNECTIONS_PAGE (self));

  /* Answers for the previous load no longer apply. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->n_pending = 0;
  g_hash_table_remove_all (self->keyring);

  if (self->store != NULL)
    {
      connections = pb_store_list_connections (self->store, &error);
      if (connections == NULL)
        {
          g_autofree char *title = g_strdup_printf (_("Could not read the connections: %s"), error->message);

          g_warning ("%s", title);
          show_toast (self, title);
        }
    }

  g_list_store_splice (self->connections, 0, g_list_model_get_n_items (G_LIST_MODEL (self->connections)),
                       connections != NULL ? connections->pdata : NULL,
                       connections != NULL ? connections->len : 0);
  update_summary (self);
  check_keyring (self);
}

/**
 * pb_connections_page_add_connection:
 *
 * Opens the set-up assistant (or brings it back to the front).
 */
void
pb_connections_page_add_connection (PbConnectionsPage *self)
{
  PbConnectionAssistant *assistant;

  g_return_if_fail (PB_IS_CONNECTIONS_PAGE (self));

  if (self->store == NULL)
    return;

  if (self->assistant != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->assistant));
      return;
    }

  assistant = pb_connection_assistant_new (get_parent_window (self), self->store);
  g_signal_connect_object (assistant, "connection-added", G_CALLBACK (on_connection_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->assistant, GTK_WIDGET (assistant));
  gtk_window_present (GTK_WINDOW (assistant));
}

/**
 * pb_connections_page_edit_connection:
 *
 * Opens the settings of the connection @id.
 *
 * Returns: whether there is such a connection
 */
gboolean
pb_connections_page_edit_connection (PbConnectionsPage *self,
                                     gint64             id)
{
  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), FALSE);

  return open_settings (self, id) != NULL;
}

/**
 * pb_connections_page_sync_users:
 *
 * Opens user matching and sync (SPEC U1-U6) for the connection @id, or
 * brings its window back to the front.
 *
 * Returns: (transfer none) (nullable): the window; %NULL if there is no
 *   such connection
 */
PbMatchingWindow *
pb_connections_page_sync_users (PbConnectionsPage *self,
                                gint64             id)
{
  PbConnection *connection;
  PbMatchingWindow *window;

  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), NULL);

  connection = find_connection (self, id);
  if (connection == NULL || self->store == NULL)
    return NULL;

  if (self->matching != NULL && g_object_get_data (G_OBJECT (self->matching), "connection-id") != NULL &&
      *(gint64 *) g_object_get_data (G_OBJECT (self->matching), "connection-id") == id)
    {
      gtk_window_present (GTK_WINDOW (self->matching));
      return PB_MATCHING_WINDOW (self->matching);
    }

  window = pb_matching_window_new (get_parent_window (self), self->store, connection);
  g_object_set_data_full (G_OBJECT (window), "connection-id", g_memdup2 (&id, sizeof id), g_free);
  g_signal_connect_object (window, "synced", G_CALLBACK (on_users_synced_cb), self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->matching, GTK_WIDGET (window));
  pb_matching_window_set_paused (window, self->paused);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

/**
 * pb_connections_page_get_summary:
 *
 * Returns: (nullable): "2 connections"; %NULL with none
 */
const char *
pb_connections_page_get_summary (PbConnectionsPage *self)
{
  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), NULL);

  return self->summary;
}

/* --- for the tests (pb-connections-page-private.h) ------------------------------- */

PbConnectionRow *
pb_connections_page_find_row (PbConnectionsPage *self,
                              const char        *name)
{
  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (PB_IS_CONNECTION_ROW (child) &&
        g_strcmp0 (pb_connection_row_get_connection (PB_CONNECTION_ROW (child))->name, name) == 0)
      return PB_CONNECTION_ROW (child);

  return NULL;
}

const char *
pb_connections_page_get_last_toast (PbConnectionsPage *self)
{
  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), NULL);

  return self->last_toast;
}

/* Keyring lookups of the current load not answered yet. */
guint
pb_connections_page_get_n_pending (PbConnectionsPage *self)
{
  g_return_val_if_fail (PB_IS_CONNECTIONS_PAGE (self), 0);

  return self->n_pending;
}
