/* pb-connection-row.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionRow"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-format.h"
#include "pb-connection-row.h"
#include "pb-connections.h"
#include "pb-sync-driver.h"

/* One connection in the Connections view: the system's icon, the name, and
 * under it the system and scope, what it syncs, the last sync and the open
 * errors, and (when there are any) the changes that need attention or are
 * held; at the end its state. When the keyring cannot give its secrets
 * (a missing item, a locked or absent keyring) the state says so instead,
 * with the button that fixes it. Activating the row opens its settings;
 * its menu (···) also maps the connection's absence types (the Mappings
 * view, win.map-absence-types) and shows its error log
 * (win.show-error-log). */

struct _PbConnectionRow
{
  AdwActionRow      parent_instance;

  PbConnection     *connection;    /* (owned) */
  PbProviderClass  *klass;         /* (owned) (nullable): an unknown system */
  char             *scope;         /* (owned) */
  PbKeyringStatus   keyring;
  char             *keyring_message;  /* (owned) (nullable) */
  char             *state_text;       /* (owned): the whole state, as one phrase */
  PbSyncDriver     *driver;           /* (weak) (nullable): the store's, for the last sync and errors */

  GtkImage         *icon;
  GtkLabel         *state_label;
  GtkLabel         *state_detail_label;
  GtkButton        *fix_button;
  GtkButton        *sync_button;
  GtkMenuButton    *menu_button;
};

G_DEFINE_FINAL_TYPE (PbConnectionRow, pb_connection_row, ADW_TYPE_ACTION_ROW)

static void
set_style (GtkWidget  *widget,
           const char *style)
{
  static const char * const styles[] = { "accent", "success", "warning", "error" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (widget, styles[i]);
  gtk_widget_add_css_class (widget, style);
}

/* SPEC C6, C7: "1 change needs attention · 3 changes held (positions
 * off)", or NULL when the outbox has neither. A change that merely
 * waits for the next send is not worth a line. @held_types: the types of
 * the held changes, all of them turned off. */
static char *
format_outbox (guint       attention,
               guint       held,
               PbDataTypes held_types)
{
  g_autofree char *attention_text = NULL;
  g_autofree char *held_text = NULL;

  if (attention > 0)
    attention_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change needs attention",
                                                   "%u changes need attention", attention), attention);
  if (held > 0 && held_types != 0)
    {
      g_autofree char *types = pb_connection_format_data_types_in_sentence (held_types);

      /* Translators: changes not sent because their kind of data is turned
       * off for the connection: "3 changes held (positions off)" */
      held_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change held (%s off)",
                                                "%u changes held (%s off)", held), held, types);
    }
  else if (held > 0)
    held_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change held (type off)",
                                              "%u changes held (type off)", held), held);

  if (attention_text != NULL && held_text != NULL)
    /* Translators: "2 changes need attention · 1 change held (positions off)" */
    return g_strdup_printf (_("%s · %s"), attention_text, held_text);

  if (attention_text != NULL)
    return g_steal_pointer (&attention_text);
  return g_steal_pointer (&held_text);
}

/* "Last synced 14:02" today, with the date on another day. */
static char *
format_last_synced (GDateTime *when)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *text = NULL;

  if (when == NULL)
    return g_strdup (_("Never synced"));

  local = g_date_time_to_local (when);
  now = g_date_time_new_now_local ();
  if (g_date_time_get_year (local) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    text = g_date_time_format (local, "%H:%M");
  else
    /* Translators: a date and time, see g_date_time_format() */
    text = g_date_time_format (local, _("%-d %b %Y, %H:%M"));

  /* Translators: "Last synced 14:02" or "Last synced 3 Mar 2026, 14:02" */
  return g_strdup_printf (_("Last synced %s"), text);
}

static void
update (PbConnectionRow *self)
{
  PbConnection *connection = self->connection;
  gboolean oauth2 = self->klass != NULL && self->klass->auth_kind == PB_AUTH_OAUTH2;
  /* SPEC C4: only what is chosen and sent counts as synced; a type chosen
   * but not sent by this Paybridge (absence, set before it was held back)
   * is named as such. */
  PbDataTypes sent = self->klass != NULL ? connection->sync_types & pb_connections_offered_types (self->klass) : 0;
  PbDataTypes held = connection->sync_types & ~sent;
  g_autofree char *types = pb_connection_format_data_types_in_sentence (sent);
  g_autofree char *syncs = NULL;
  g_autofree char *errors = NULL;
  g_autofree char *synced = NULL;
  g_autofree char *outbox = NULL;
  guint n_errors = 0;
  g_autofree char *subtitle = NULL;
  const char *state = pb_connection_format_state (connection->state);
  const char *style = pb_connection_format_state_style (connection->state);
  const char *fix = NULL;
  const char *fix_action = "connections.reenter";

  if (sent != 0)
    /* Translators: "Syncs users, positions and salary" */
    syncs = g_strdup_printf (_("Syncs %s"), types);
  else
    syncs = g_strdup (_("Syncs nothing"));

  if (held != 0)
    {
      g_autofree char *held_types = pb_connection_format_data_types_in_sentence (held);
      char *longer;

      /* Translators: "Syncs users · absence: not sent yet" */
      longer = g_strdup_printf (_("%s · %s: not sent yet"), syncs, held_types);
      g_free (syncs);
      syncs = longer;
    }

  /* The app's sync driver knows when the connection was last in step and
   * counts its error log (SPEC C7); without one (a view on its own, in a
   * test) nothing has synced and nothing has failed. */
  if (self->driver != NULL)
    {
      n_errors = pb_sync_driver_get_open_errors (self->driver, connection->id);
      PbDataTypes held_types = 0;
      guint n_held = pb_sync_driver_get_held (self->driver, connection->id, &held_types);

      outbox = format_outbox (pb_sync_driver_get_attention (self->driver, connection->id), n_held, held_types);
    }
  synced = format_last_synced (self->driver != NULL ? pb_sync_driver_get_last_synced (self->driver, connection->id)
                                                    : NULL);
  if (n_errors == 0)
    errors = g_strdup (_("No open errors"));
  else
    errors = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u open error", "%u open errors", n_errors),
                              n_errors);

  subtitle = g_strdup_printf ("%s · %s\n%s\n%s · %s%s%s",
                              self->klass != NULL ? self->klass->display_name : connection->system,
                              self->scope, syncs, synced, errors, outbox != NULL ? "\n" : "",
                              outbox != NULL ? outbox : "");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), connection->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  gtk_image_set_from_icon_name (self->icon, self->klass != NULL ? self->klass->icon_name : "network-server-symbolic");

  switch (self->keyring)
    {
    case PB_KEYRING_MISSING:
      state = oauth2 ? _("Needs sign-in") : _("Tokens missing");
      style = "warning";
      fix = oauth2 ? _("_Sign In…") : _("_Enter Tokens…");
      break;

    case PB_KEYRING_LOCKED:
      state = _("Keyring locked");
      style = "warning";
      fix = _("_Try Again");
      fix_action = "connections.refresh";
      break;

    case PB_KEYRING_UNAVAILABLE:
      state = _("Keyring not available");
      style = "error";
      fix = _("_Try Again");
      fix_action = "connections.refresh";
      break;

    case PB_KEYRING_UNKNOWN:
    case PB_KEYRING_OK:
    default:
      if (connection->state == PB_CONNECTION_NEEDS_SIGN_IN)
        fix = oauth2 ? _("_Sign In…") : _("_Enter Tokens…");
      break;
    }

  if (self->klass == NULL)
    {
      state = _("Unknown payroll system");
      style = "error";
      fix = NULL;
    }

  /* "Established — not active yet" on two short lines, so that it takes
   * little of a narrow row's width. */
  {
    g_auto(GStrv) parts = g_strsplit (state, " — ", 2);
    g_autofree char *detail = NULL;

    g_free (self->state_text);
    self->state_text = g_strdup (state);
    gtk_label_set_label (self->state_label, parts[0]);
    if (parts[0] != NULL && parts[1] != NULL)
      {
        char first[8] = { 0 };

        g_unichar_to_utf8 (g_unichar_totitle (g_utf8_get_char (parts[1])), first);
        detail = g_strconcat (first, g_utf8_next_char (parts[1]), NULL);
      }
    gtk_label_set_label (self->state_detail_label, detail);
    gtk_widget_set_visible (GTK_WIDGET (self->state_detail_label), parts[0] != NULL && parts[1] != NULL);
  }
  set_style (GTK_WIDGET (self->state_label), style);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), self->keyring_message);

  gtk_widget_set_visible (GTK_WIDGET (self->fix_button), fix != NULL);

  /* User sync (SPEC U1-U6) is how a connection becomes active (C3), so it
   * is the row's main action until it is; afterwards it stays at hand. */
  gtk_widget_set_visible (GTK_WIDGET (self->sync_button), fix == NULL && self->klass != NULL);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->sync_button), "x", connection->id);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->sync_button), "connections.sync-users");
  if (connection->state == PB_CONNECTION_ESTABLISHED)
    gtk_widget_add_css_class (GTK_WIDGET (self->sync_button), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->sync_button), "suggested-action");
  if (fix != NULL)
    {
      GtkActionable *actionable = GTK_ACTIONABLE (self->fix_button);

      /* Name and target must never disagree on the parameter's type. */
      gtk_button_set_label (self->fix_button, fix);
      gtk_actionable_set_action_name (actionable, NULL);
      if (g_str_equal (fix_action, "connections.reenter"))
        gtk_actionable_set_action_target (actionable, "x", connection->id);
      else
        gtk_actionable_set_action_target_value (actionable, NULL);
      gtk_actionable_set_action_name (actionable, fix_action);
    }
}

static void
on_sync_status_changed_cb (PbConnectionRow *self,
                           gint64           connection_id,
                           PbSyncDriver    *driver)
{
  /* A row taken out of its list may outlive its template. */
  if (self->connection != NULL && self->connection->id == connection_id)
    update (self);
}

static void
pb_connection_row_activate (AdwActionRow *row)
{
  PbConnectionRow *self = PB_CONNECTION_ROW (row);

  gtk_widget_activate_action (GTK_WIDGET (self), "connections.edit", "x", self->connection->id);
}

static void
pb_connection_row_dispose (GObject *object)
{
  PbConnectionRow *self = (PbConnectionRow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTION_ROW);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->klass, g_type_class_unref);
  g_clear_weak_pointer (&self->driver);

  G_OBJECT_CLASS (pb_connection_row_parent_class)->dispose (object);
}

static void
pb_connection_row_finalize (GObject *object)
{
  PbConnectionRow *self = (PbConnectionRow *)object;

  g_free (self->scope);
  g_free (self->keyring_message);
  g_free (self->state_text);

  G_OBJECT_CLASS (pb_connection_row_parent_class)->finalize (object);
}

static void
pb_connection_row_class_init (PbConnectionRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  AdwActionRowClass *row_class = ADW_ACTION_ROW_CLASS (klass);

  object_class->dispose = pb_connection_row_dispose;
  object_class->finalize = pb_connection_row_finalize;

  row_class->activate = pb_connection_row_activate;

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connection-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionRow, icon);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionRow, state_detail_label);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionRow, fix_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionRow, sync_button);
}

static void
pb_connection_row_init (PbConnectionRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->menu_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_icon_name (self->menu_button, "view-more-symbolic");
  gtk_widget_set_valign (GTK_WIDGET (self->menu_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->menu_button), _("More"));
  gtk_widget_add_css_class (GTK_WIDGET (self->menu_button), "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->menu_button));
}

/* ···: the settings, and the absence types' mappings (SPEC A2). */
static void
set_menu (PbConnectionRow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) edit = g_menu_item_new (_("_Edit Connection Settings…"), NULL);
  g_autoptr(GMenuItem) map = g_menu_item_new (_("_Map Absence Types…"), NULL);
  g_autoptr(GMenuItem) errors = g_menu_item_new (_("Show _Error Log"), NULL);

  g_menu_item_set_action_and_target_value (edit, "connections.edit", g_variant_new_int64 (self->connection->id));
  g_menu_item_set_action_and_target_value (map, "win.map-absence-types",
                                           g_variant_new_int64 (self->connection->id));
  g_menu_append_item (menu, edit);
  g_menu_append_item (menu, map);
  g_menu_item_set_action_and_target_value (errors, "win.show-error-log",
                                           g_variant_new_int64 (self->connection->id));
  g_menu_append_item (menu, errors);
  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (menu));
}

/**
 * pb_connection_row_new:
 * @store: (nullable): the register, to name the scope's team, location or
 *   company
 */
GtkWidget *
pb_connection_row_new (PbConnection *connection,
                       PbStore      *store)
{
  PbConnectionRow *self;

  g_return_val_if_fail (PB_IS_CONNECTION (connection), NULL);

  self = g_object_new (PB_TYPE_CONNECTION_ROW, NULL);
  self->connection = g_object_ref (connection);
  self->klass = pb_connections_ref_class (connection->system);
  self->scope = pb_connection_format_scope (connection, store);
  if (store != NULL && pb_sync_driver_get_for_store (store) != NULL)
    {
      g_set_weak_pointer (&self->driver, pb_sync_driver_get_for_store (store));
      g_signal_connect_object (self->driver, "status-changed", G_CALLBACK (on_sync_status_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  gtk_widget_set_name (GTK_WIDGET (self), connection->name);
  set_menu (self);
  update (self);

  return GTK_WIDGET (self);
}

PbConnection *
pb_connection_row_get_connection (PbConnectionRow *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_ROW (self), NULL);

  return self->connection;
}

/**
 * pb_connection_row_set_keyring_status:
 * @message: (nullable): the keyring's own words, as the state's tooltip
 */
void
pb_connection_row_set_keyring_status (PbConnectionRow *self,
                                      PbKeyringStatus  status,
                                      const char      *message)
{
  g_return_if_fail (PB_IS_CONNECTION_ROW (self));

  self->keyring = status;
  g_free (self->keyring_message);
  self->keyring_message = g_strdup (message);
  update (self);
}

PbKeyringStatus
pb_connection_row_get_keyring_status (PbConnectionRow *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_ROW (self), PB_KEYRING_UNKNOWN);

  return self->keyring;
}

/**
 * pb_connection_row_get_state_text:
 *
 * Returns: what the row says about the state: "Established — not active yet"
 */
const char *
pb_connection_row_get_state_text (PbConnectionRow *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_ROW (self), NULL);

  return self->state_text;
}
