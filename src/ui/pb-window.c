/* pb-window.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-application.h"
#include "pb-connection.h"
#include "pb-connections-page.h"
#include "pb-error-log-page.h"
#include "pb-mapping.h"
#include "pb-mappings-page.h"
#include "pb-people-page.h"
#include "pb-window.h"

/* The main window: a sidebar of views (People, Connections, Mappings, with
 * the count of absence types not mapped, and Error log) and
 * the chosen view, in an AdwLeaflet that folds into one column at narrow
 * widths. The content header's back button returns to the sidebar, or,
 * when the People view shows a person in place of its table, to the table.
 * The window's size and the last view are kept in GSettings. A .json or
 * .csv file dropped anywhere on the window is imported, as app.import
 * (the content header's button) imports the file chosen.
 *
 * Only the view shown is built for the first frame: Connections, Mappings
 * and Error Log are made at their first visit (pb_window_ensure_page()),
 * by the sidebar, an action or a call that shows them. Until Mappings is
 * made, the window counts the sidebar's unmapped absence types itself. */
struct _PbWindow
{
  AdwApplicationWindow  parent_instance;

  PbStore              *store;      /* (owned) (nullable) */
  GSettings            *settings;   /* (owned) (nullable): no schema installed */

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkListBox           *sidebar_list;
  GtkWidget            *content;
  GtkWidget            *back_button;
  GtkWidget            *import_button;
  AdwWindowTitle       *content_title;
  AdwViewStack         *stack;
  PbPeoplePage         *people_page;
  PbConnectionsPage    *connections_page;  /* (nullable): until first shown */
  PbMappingsPage       *mappings_page;     /* (nullable): until first shown */
  PbErrorLogPage       *errorlog_page;     /* (nullable): until first shown */
  guint                 count_source;      /* recount unmapped types (no Mappings page yet) */
  GtkLabel             *mappings_count;
  GtkRevealer          *import_revealer;
  GtkLabel             *import_label;
  GtkProgressBar       *import_progress;
  GtkDropTarget        *drop;       /* (unowned): takes nothing while an import runs */
  guint                 pulse_id;   /* the bar pulses while the import reads */
  gboolean              importing;  /* the strip shows: the register's writes are paused */
};

G_DEFINE_FINAL_TYPE (PbWindow, pb_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
update_back_button (PbWindow *self)
{
  gboolean people = g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "people") == 0;
  gboolean visible = adw_leaflet_get_folded (self->leaflet) ||
                     (people && pb_people_page_get_can_navigate_back (self->people_page));

  gtk_widget_set_visible (self->back_button, visible);
}

static void
update_subtitle (PbWindow *self)
{
  const char *subtitle = NULL;

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "people") == 0)
    subtitle = pb_people_page_get_summary (self->people_page);
  else if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "connections") == 0 &&
           self->connections_page != NULL)
    subtitle = pb_connections_page_get_summary (self->connections_page);
  else if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "mappings") == 0 &&
           self->mappings_page != NULL)
    subtitle = pb_mappings_page_get_summary (self->mappings_page);
  else if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "errorlog") == 0 &&
           self->errorlog_page != NULL)
    subtitle = pb_error_log_page_get_summary (self->errorlog_page);

  adw_window_title_set_subtitle (self->content_title, subtitle);
}

static GtkListBoxRow *
get_sidebar_row (PbWindow   *self,
                 const char *name)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (gtk_widget_get_name (row), name) == 0)
      return GTK_LIST_BOX_ROW (row);

  return NULL;
}

static void
on_sidebar_row_activated_cb (PbWindow      *self,
                             GtkListBoxRow *row,
                             GtkListBox    *list)
{
  pb_window_set_view (self, gtk_widget_get_name (GTK_WIDGET (row)));
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_stack_visible_child_cb (PbWindow     *self,
                           GParamSpec   *pspec,
                           AdwViewStack *stack)
{
  GtkWidget *child = adw_view_stack_get_visible_child (stack);
  const char *name = adw_view_stack_get_visible_child_name (stack);
  AdwViewStackPage *page;

  if (child == NULL)
    return;

  page = adw_view_stack_get_page (stack, child);
  adw_window_title_set_title (self->content_title, adw_view_stack_page_get_title (page));
  update_subtitle (self);

  gtk_list_box_select_row (self->sidebar_list, get_sidebar_row (self, name));
  if (self->settings != NULL && name != NULL)
    g_settings_set_string (self->settings, "last-view", name);

  update_back_button (self);
}

static void
on_leaflet_folded_cb (PbWindow   *self,
                      GParamSpec *pspec,
                      AdwLeaflet *leaflet)
{
  update_back_button (self);
}

static void
on_people_can_navigate_back_cb (PbWindow     *self,
                                GParamSpec   *pspec,
                                PbPeoplePage *page)
{
  update_back_button (self);
}

static void
on_people_summary_cb (PbWindow     *self,
                      GParamSpec   *pspec,
                      PbPeoplePage *page)
{
  update_subtitle (self);
}

static void
on_connections_summary_cb (PbWindow          *self,
                           GParamSpec        *pspec,
                           PbConnectionsPage *page)
{
  update_subtitle (self);
}

static void
on_mappings_summary_cb (PbWindow       *self,
                        GParamSpec     *pspec,
                        PbMappingsPage *page)
{
  update_subtitle (self);
}

static void
on_errorlog_summary_cb (PbWindow       *self,
                        GParamSpec     *pspec,
                        PbErrorLogPage *page)
{
  update_subtitle (self);
}

/* The sidebar's count: absence types of the connections that sync absence
 * that are neither mapped nor excluded, and so never sent (SPEC A2). */
static void
set_mappings_count (PbWindow *self,
                    guint     n)
{
  g_autofree char *count = g_strdup_printf ("%u", n);
  g_autofree char *tooltip = NULL;

  tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u absence type not mapped", "%u absence types not mapped", n),
                             n);
  gtk_label_set_label (self->mappings_count, count);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->mappings_count), tooltip);
  gtk_widget_set_visible (GTK_WIDGET (self->mappings_count), n > 0);
}

static void
on_mappings_n_unmapped_cb (PbWindow       *self,
                           GParamSpec     *pspec,
                           PbMappingsPage *page)
{
  set_mappings_count (self, pb_mappings_page_get_n_unmapped (page));
}

/* The count the Mappings page keeps once made (pb_mappings_page_reload()):
 * the unmapped types of each connection that syncs absence. */
static void
count_unmapped (PbWindow *self)
{
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_clear_handle_id (&self->count_source, g_source_remove);
  if (self->store == NULL || self->mappings_page != NULL)
    return;

  connections = pb_store_list_connections (self->store, &error);
  if (connections == NULL)
    {
      g_warning ("Could not read the connections: %s", error->message);
      return;
    }
  for (guint i = 0; i < connections->len; i++)
    {
      PbConnection *c = g_ptr_array_index (connections, i);

      if (c->sync_types & PB_DATA_ABSENCE)
        n += pb_store_count_unmapped (self->store, c->id);
    }
  set_mappings_count (self, n);
}

static gboolean
count_unmapped_idle_cb (gpointer user_data)
{
  PbWindow *self = user_data;

  self->count_source = 0;
  count_unmapped (self);
  return G_SOURCE_REMOVE;
}

/* As the Mappings page does: any change of the register may change the
 * count; one recount for a burst. */
static void
on_store_changed_cb (PbWindow *self,
                     guint     what,
                     PbStore  *store)
{
  if (self->mappings_page == NULL && self->count_source == 0)
    self->count_source = g_idle_add (count_unmapped_idle_cb, self);
}

static gboolean
is_view_name (const char *name)
{
  return g_strcmp0 (name, "people") == 0 || g_strcmp0 (name, "connections") == 0 ||
         g_strcmp0 (name, "mappings") == 0 || g_strcmp0 (name, "errorlog") == 0;
}

static void
add_page (PbWindow   *self,
          GtkWidget  *page,
          const char *name,
          const char *title,
          const char *icon_name)
{
  AdwViewStackPage *stack_page = adw_view_stack_add_titled (self->stack, page, name, title);

  adw_view_stack_page_set_icon_name (stack_page, icon_name);
}

/**
 * pb_window_ensure_page:
 * @name: "people", "connections", "mappings" or "errorlog"
 *
 * The view @name, made and added to the window if it was not yet (a view
 * is made at its first visit, not for the first frame).
 *
 * Returns: (transfer none) (nullable): the view's page, %NULL for an
 *   unknown name
 */
GtkWidget *
pb_window_ensure_page (PbWindow   *self,
                       const char *name)
{
  g_return_val_if_fail (PB_IS_WINDOW (self), NULL);

  if (g_strcmp0 (name, "people") == 0)
    return GTK_WIDGET (self->people_page);

  if (g_strcmp0 (name, "connections") == 0)
    {
      if (self->connections_page == NULL)
        {
          self->connections_page = g_object_new (PB_TYPE_CONNECTIONS_PAGE, NULL);
          g_signal_connect_object (self->connections_page, "notify::summary",
                                   G_CALLBACK (on_connections_summary_cb), self, G_CONNECT_SWAPPED);
          pb_connections_page_set_store (self->connections_page, self->store);
          pb_connections_page_set_paused (self->connections_page, self->importing);
          add_page (self, GTK_WIDGET (self->connections_page), "connections", _("Connections"),
                    "network-server-symbolic");
        }
      return GTK_WIDGET (self->connections_page);
    }

  if (g_strcmp0 (name, "mappings") == 0)
    {
      if (self->mappings_page == NULL)
        {
          g_clear_handle_id (&self->count_source, g_source_remove);
          self->mappings_page = g_object_new (PB_TYPE_MAPPINGS_PAGE, NULL);
          g_signal_connect_object (self->mappings_page, "notify::summary",
                                   G_CALLBACK (on_mappings_summary_cb), self, G_CONNECT_SWAPPED);
          g_signal_connect_object (self->mappings_page, "notify::n-unmapped",
                                   G_CALLBACK (on_mappings_n_unmapped_cb), self, G_CONNECT_SWAPPED);
          pb_mappings_page_set_store (self->mappings_page, self->store);
          pb_mappings_page_set_paused (self->mappings_page, self->importing);
          set_mappings_count (self, pb_mappings_page_get_n_unmapped (self->mappings_page));
          add_page (self, GTK_WIDGET (self->mappings_page), "mappings", _("Mappings"),
                    "x-office-calendar-symbolic");
        }
      return GTK_WIDGET (self->mappings_page);
    }

  if (g_strcmp0 (name, "errorlog") == 0)
    {
      if (self->errorlog_page == NULL)
        {
          self->errorlog_page = g_object_new (PB_TYPE_ERROR_LOG_PAGE, NULL);
          g_signal_connect_object (self->errorlog_page, "notify::summary",
                                   G_CALLBACK (on_errorlog_summary_cb), self, G_CONNECT_SWAPPED);
          pb_error_log_page_set_store (self->errorlog_page, self->store);
          pb_error_log_page_set_paused (self->errorlog_page, self->importing);
          add_page (self, GTK_WIDGET (self->errorlog_page), "errorlog", _("Error Log"),
                    "dialog-warning-symbolic");
        }
      return GTK_WIDGET (self->errorlog_page);
    }

  return NULL;
}

/* win.map-absence-types (x): the Mappings view on that connection (SPEC
 * A2), from the menu of a connection's row. */
static void
map_absence_types_action (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  PbWindow *self = user_data;
  gint64 connection_id = g_variant_get_int64 (parameter);
  gboolean found;

  pb_window_ensure_page (self, "mappings");
  found = pb_mappings_page_show_connection (self->mappings_page, connection_id);
  pb_window_set_view (self, "mappings");
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);

  if (!found)
    g_debug ("No connection %" G_GINT64_FORMAT " to map absence types of", connection_id);
}

static void
show_view (PbWindow   *self,
           const char *name)
{
  pb_window_set_view (self, name);
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
}

/* win.show-error-log (x): the Error Log view on one connection (0: all),
 * from the menu of a connection's row (SPEC C7). */
static void
show_error_log_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PbWindow *self = user_data;

  pb_window_ensure_page (self, "errorlog");
  if (!pb_error_log_page_show_connection (self->errorlog_page, g_variant_get_int64 (parameter)))
    g_debug ("No connection %" G_GINT64_FORMAT " to show the error log of", g_variant_get_int64 (parameter));
  show_view (self, "errorlog");
}

/* win.show-person-errors ((xs)): the Error Log on one connection, searched
 * for one person's email (a person's "Open Error Log"). */
static void
show_person_errors_action (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  PbWindow *self = user_data;
  gint64 connection_id;
  const char *email;

  g_variant_get (parameter, "(x&s)", &connection_id, &email);
  pb_window_ensure_page (self, "errorlog");
  if (!pb_error_log_page_show_person (self->errorlog_page, connection_id, email))
    g_debug ("No connection %" G_GINT64_FORMAT " to show the error log of", connection_id);
  show_view (self, "errorlog");
}

/* win.show-person (x): People, with that employee selected (the Who of
 * the Error Log). */
static void
show_person_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PbWindow *self = user_data;

  show_view (self, "people");
  if (!pb_people_page_show_person (self->people_page, g_variant_get_int64 (parameter)))
    g_debug ("No employee %" G_GINT64_FORMAT " to show", g_variant_get_int64 (parameter));
}

/* win.add-connection: the Connections view, and its set-up assistant. */
static void
add_connection_action (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PbWindow *self = user_data;

  pb_window_set_view (self, "connections");
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
  pb_connections_page_add_connection (self->connections_page);
}

static const GActionEntry win_actions[] = {
  { "add-connection", add_connection_action },
  { "map-absence-types", map_absence_types_action, "x" },
  { "show-error-log", show_error_log_action, "x" },
  { "show-person-errors", show_person_errors_action, "(xs)" },
  { "show-person", show_person_action, "x" },
};

static void
on_back_clicked_cb (PbWindow  *self,
                    GtkButton *button)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "people") == 0 &&
      pb_people_page_get_can_navigate_back (self->people_page))
    pb_people_page_navigate_back (self->people_page);
  else
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static gboolean
focus_search (GtkWidget *widget,
              GVariant  *args,
              gpointer   user_data)
{
  PbWindow *self = PB_WINDOW (widget);

  pb_window_set_view (self, "people");
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
  pb_people_page_focus_search (self->people_page);

  return TRUE;
}

static void
save_window_state (PbWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  /* The default size follows the window's size while it is not maximized,
   * so this is the size to come back to. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
}

static void
restore_window_state (PbWindow *self)
{
  g_autofree char *view = NULL;

  if (self->settings == NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 1100, 720);
      pb_window_set_view (self, "people");
      return;
    }

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  view = g_settings_get_string (self->settings, "last-view");
  pb_window_set_view (self, view);
}

static void
pb_window_show_content (PbWindow *self)
{
  /* Folded, the window opens on the view rather than on the sidebar. */
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static gboolean
pb_window_close_request (GtkWindow *window)
{
  save_window_state (PB_WINDOW (window));

  return GTK_WINDOW_CLASS (pb_window_parent_class)->close_request (window);
}

/* While an import runs, its worker holds the register's one write
 * transaction for the whole file (10-20 s at 100,000 people): every view's
 * writes are off meanwhile, so nothing on the main loop waits on its lock
 * (issue 14) or fails with "database is locked". */
static void
update_write_actions (PbWindow *self)
{
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "add-connection")),
                               self->store != NULL && !self->importing);
  pb_people_page_set_paused (self->people_page, self->importing);
  if (self->connections_page != NULL)
    pb_connections_page_set_paused (self->connections_page, self->importing);
  if (self->mappings_page != NULL)
    pb_mappings_page_set_paused (self->mappings_page, self->importing);
  if (self->errorlog_page != NULL)
    pb_error_log_page_set_paused (self->errorlog_page, self->importing);
}

static void
pb_window_constructed (GObject *object)
{
  PbWindow *self = (PbWindow *)object;

  G_OBJECT_CLASS (pb_window_parent_class)->constructed (object);

  pb_people_page_set_settings (self->people_page, self->settings);
  pb_people_page_set_store (self->people_page, self->store);
  if (self->store != NULL)
    g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed_cb), self, G_CONNECT_SWAPPED);
  count_unmapped (self);
  update_write_actions (self);
  restore_window_state (self);
  pb_window_show_content (self);
}

static void
pb_window_dispose (GObject *object)
{
  PbWindow *self = (PbWindow *)object;

  g_clear_handle_id (&self->pulse_id, g_source_remove);
  g_clear_handle_id (&self->count_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_WINDOW);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_window_parent_class)->dispose (object);
}

static void
pb_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PbWindow *self = PB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PbWindow *self = PB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
on_drop_cb (PbWindow      *self,
            const GValue  *value,
            double         x,
            double         y,
            GtkDropTarget *target)
{
  return pb_window_import_drop (self, value);
}

static void
pb_window_class_init (PbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = pb_window_constructed;
  object_class->dispose = pb_window_dispose;
  object_class->get_property = pb_window_get_property;
  object_class->set_property = pb_window_set_property;

  window_class->close_request = pb_window_close_request;

  /**
   * PbWindow:store:
   *
   * The HR register the window shows; %NULL when it could not be opened.
   */
  properties [PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         PB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PB_TYPE_PEOPLE_PAGE);
  g_type_ensure (PB_TYPE_CONNECTIONS_PAGE);
  g_type_ensure (PB_TYPE_MAPPINGS_PAGE);
  g_type_ensure (PB_TYPE_ERROR_LOG_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, content);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, import_button);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, people_page);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, mappings_count);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, import_revealer);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, import_label);
  gtk_widget_class_bind_template_child (widget_class, PbWindow, import_progress);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stack_visible_child_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_folded_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_people_can_navigate_back_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_people_summary_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked_cb);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, focus_search, NULL);
}

static void
pb_window_init (PbWindow *self)
{
  GtkDropTarget *drop;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };

  gtk_widget_init_template (GTK_WIDGET (self));

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  self->drop = drop;

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->settings = pb_application_new_settings ();
}

/**
 * pb_window_new:
 * @store: (nullable): the opened HR register
 */
PbWindow *
pb_window_new (GtkApplication *application,
               PbStore        *store)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (store == NULL || PB_IS_STORE (store), NULL);

  return g_object_new (PB_TYPE_WINDOW,
                       "application", application,
                       "store", store,
                       NULL);
}

PbStore *
pb_window_get_store (PbWindow *self)
{
  g_return_val_if_fail (PB_IS_WINDOW (self), NULL);

  return self->store;
}

/**
 * pb_window_set_view:
 * @name: "people", "connections", "mappings" or "errorlog"
 *
 * Shows the view @name; an unknown name shows People.
 */
void
pb_window_set_view (PbWindow   *self,
                    const char *name)
{
  g_return_if_fail (PB_IS_WINDOW (self));

  if (!is_view_name (name))
    name = "people";

  pb_window_ensure_page (self, name);
  adw_view_stack_set_visible_child_name (self->stack, name);
  /* The stack does not notify when the child stays the same. */
  on_stack_visible_child_cb (self, NULL, self->stack);
}

const char *
pb_window_get_view (PbWindow *self)
{
  g_return_val_if_fail (PB_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

/**
 * pb_window_add_toast:
 * @toast: (transfer full): the toast to show
 */
void
pb_window_add_toast (PbWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (PB_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * pb_window_sync_users:
 * @plan_id: a saved report to show, 0 for the last one, or -1 for none
 *
 * Shows the Connections view and opens user sync for the connection
 * @connection_id, on a report if @plan_id says so.
 */
void
pb_window_sync_users (PbWindow *self,
                      gint64    connection_id,
                      gint64    plan_id)
{
  PbMatchingWindow *matching;

  g_return_if_fail (PB_IS_WINDOW (self));

  pb_window_set_view (self, "connections");
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
  matching = pb_connections_page_sync_users (self->connections_page, connection_id);
  if (matching != NULL && plan_id >= 0)
    pb_matching_window_show_report (matching, plan_id);
}

/**
 * pb_window_reload:
 *
 * Reads the register again into every view, after an import for example.
 */
void
pb_window_reload (PbWindow *self)
{
  g_return_if_fail (PB_IS_WINDOW (self));

  pb_people_page_reload (self->people_page);
  if (self->connections_page != NULL)
    pb_connections_page_reload (self->connections_page);
  if (self->mappings_page != NULL)
    pb_mappings_page_reload (self->mappings_page);
  else
    count_unmapped (self);
  if (self->errorlog_page != NULL)
    pb_error_log_page_reload (self->errorlog_page);
}

/**
 * pb_window_show_person:
 * @employee_id: an employee of the register
 *
 * Shows the People view on the employee (a rejected absence's notification
 * opens it, SPEC A7).
 */
void
pb_window_show_person (PbWindow *self,
                       gint64    employee_id)
{
  g_return_if_fail (PB_IS_WINDOW (self));

  pb_window_set_view (self, "people");
  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->content);
  pb_people_page_show_person (self->people_page, employee_id);
}

static gboolean
pulse_cb (gpointer user_data)
{
  PbWindow *self = user_data;

  gtk_progress_bar_pulse (self->import_progress);
  return G_SOURCE_CONTINUE;
}

/**
 * pb_window_show_import:
 * @text: (nullable): "Importing people.json… 4,200 records written", or
 *   %NULL to hide the import's bar
 * @fraction: how far it has got, from 0 to 1; below 0 while that is not
 *   known (the bar pulses)
 *
 * Shows an import in progress in a strip under the content header, with
 * a Cancel button (app.cancel-import). While it shows, the window takes no
 * dropped file, and the views' writes to the register are off (the strip
 * says so): they are back once it is hidden, when the import ends, is
 * cancelled or fails.
 */
void
pb_window_show_import (PbWindow   *self,
                       const char *text,
                       double      fraction)
{
  g_autofree char *full = NULL;

  g_return_if_fail (PB_IS_WINDOW (self));

  gtk_drop_target_set_actions (self->drop, text != NULL ? 0 : GDK_ACTION_COPY);
  if (self->importing != (text != NULL))
    {
      self->importing = text != NULL;
      update_write_actions (self);
    }
  gtk_revealer_set_reveal_child (self->import_revealer, text != NULL);
  /* A revealer without a slide keeps its child's height while hidden
   * (GTK 4.8 scales only slides): the strip is shown and hidden too. */
  gtk_widget_set_visible (GTK_WIDGET (self->import_revealer), text != NULL);
  if (text == NULL || fraction >= 0)
    g_clear_handle_id (&self->pulse_id, g_source_remove);
  if (text == NULL)
    return;

  /* Translators: the import strip: "Importing people.json… 4,200 records
   * written · Editing is paused until the import is done" */
  full = g_strdup_printf (_("%s · Editing is paused until the import is done"), text);
  gtk_label_set_text (self->import_label, full);
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->import_progress, CLAMP (fraction, 0, 1));
  else if (self->pulse_id == 0)
    {
      gtk_progress_bar_pulse (self->import_progress);
      self->pulse_id = g_timeout_add (150, pulse_cb, self);
    }
}

static gboolean
is_importable (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = g_ascii_strdown (name != NULL ? name : "", -1);

  return g_str_has_suffix (lower, ".json") || g_str_has_suffix (lower, ".csv");
}

/**
 * pb_window_import_drop:
 * @value: what was dropped on the window: a #GdkFileList or a #GFile
 *
 * Imports each .json or .csv file of @value, one transaction each, with
 * the same summary toast and list of problems as app.import. Other files
 * are named in a toast and left alone.
 *
 * Returns: whether a file was taken to import
 */
gboolean
pb_window_import_drop (PbWindow     *self,
                       const GValue *value)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(GSList) files = NULL;
  g_autoptr(GString) refused = g_string_new (NULL);
  guint n_refused = 0;
  gboolean taken = FALSE;

  g_return_val_if_fail (PB_IS_WINDOW (self), FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    files = gdk_file_list_get_files (g_value_get_boxed (value));
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE) && g_value_get_object (value) != NULL)
    files = g_slist_prepend (NULL, g_value_get_object (value));

  /* One import at a time: the drop target takes nothing meanwhile. */
  if (self->store == NULL || !PB_IS_APPLICATION (app) || pb_application_is_importing (PB_APPLICATION (app)))
    return FALSE;

  for (GSList *l = files; l != NULL; l = l->next)
    {
      if (is_importable (l->data))
        {
          pb_application_import_file (PB_APPLICATION (app), l->data);
          taken = TRUE;
        }
      else
        {
          g_autofree char *name = g_file_get_basename (l->data);
          g_autofree char *escaped = g_markup_escape_text (name, -1);   /* a toast's title is markup */

          g_string_append_printf (refused, "%s%s", n_refused > 0 ? ", " : "", escaped);
          n_refused++;
        }
    }

  if (n_refused > 0)
    {
      /* Translators: "Not imported: notes.txt. Paybridge imports .json and .csv files" */
      g_autofree char *title = g_strdup_printf (_("Not imported: %s. Paybridge imports .json and .csv files"),
                                                refused->str);

      pb_window_add_toast (self, adw_toast_new (title));
    }

  return taken;
}
