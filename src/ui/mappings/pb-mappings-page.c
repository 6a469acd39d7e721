/* pb-mappings-page.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMappingsPage"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connections.h"
#include "pb-format.h"
#include "pb-mapping.h"
#include "pb-mappings-page-private.h"
/* The engine's refresh; a stand-in until it is in the tree. */
#include "pb-mappings.h"

/* The Mappings view: for one connection (a chooser when there are
 * several), every HR absence type with the payroll type its absences are
 * sent as, or "Do not sync" (SPEC A2). Types nobody decided on stand out:
 * they are never sent. The choices come from payroll's types as last read,
 * kept in the store with when they were read, so the review works with no
 * network; when they were never read, or long ago, the page says so and
 * offers Refresh (pb_mappings_refresh_async()).
 *
 * A choice is saved at once. Changing the mapping of a type whose absences
 * were already sent first asks: those absences get no more updates and
 * must be corrected in payroll by hand (A5). */

typedef struct
{
  PbMappingsPage *self;          /* (owned) */
  PbConnection   *connection;    /* (owned) */
  GCancellable   *cancellable;   /* (owned) */
} RefreshData;

typedef struct
{
  PbMappingsPage *self;          /* (owned) */
  PbMappingRow   *row;           /* (owned) */
  gint64          connection_id;
  PbMappingState  state;
  char           *remote_type;   /* (owned) (nullable) */
} Choice;

struct _PbMappingsPage
{
  GtkWidget             parent_instance;

  PbStore              *store;          /* (owned) (nullable) */
  GPtrArray            *connections;    /* (owned) of PbConnection */
  gint64                connection_id;  /* the one shown; 0: none */
  guint                 n_unmapped;
  char                 *summary;        /* (owned) (nullable) */
  PbMappingsCacheState  cache_state;
  char                 *cache_text;     /* (owned) (nullable) */
  char                 *refresh_error;  /* (owned) (nullable) */
  char                 *last_toast;     /* (owned) (nullable) */
  GCancellable         *refresh;        /* (owned) (nullable): the refresh under way */
  GtkWidget            *dialog;         /* (nullable): weak; the A5 question */
  guint                 reload_source;
  guint                 updating;       /* > 0: the chooser is set here */
  gboolean              paused;         /* an import is writing: no choices saved */
  gboolean              disposed;

  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwPreferencesGroup  *connection_group;
  AdwComboRow          *connection_row;
  AdwActionRow         *cache_row;
  GtkImage             *cache_icon;
  GtkSpinner           *spinner;
  GtkButton            *refresh_button;
  GtkLabel             *error_label;
  GtkListBox           *types_list;
};

G_DEFINE_FINAL_TYPE (PbMappingsPage, pb_mappings_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STORE,
  PROP_SUMMARY,
  PROP_N_UNMAPPED,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
refresh_data_free (RefreshData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->connection);
  g_object_unref (data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RefreshData, refresh_data_free)

static void
choice_free (Choice *choice)
{
  g_object_unref (choice->self);
  g_object_unref (choice->row);
  g_free (choice->remote_type);
  g_free (choice);
}

static PbConnection *
get_connection (PbMappingsPage *self)
{
  for (guint i = 0; self->connections != NULL && i < self->connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);

      if (connection->id == self->connection_id)
        return connection;
    }

  return NULL;
}

static const char *
system_name (PbConnection     *connection,
             PbProviderClass **klass)
{
  *klass = pb_connections_ref_class (connection->system);
  return *klass != NULL ? (*klass)->display_name : connection->system;
}

static void
show_toast (PbMappingsPage *self,
            const char     *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 6);
  g_free (self->last_toast);
  self->last_toast = g_strdup (title);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
set_refresh_error (PbMappingsPage *self,
                   const char     *message)
{
  g_free (self->refresh_error);
  self->refresh_error = g_strdup (message);
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_refreshing (PbMappingsPage *self)
{
  gboolean refreshing = self->refresh != NULL;

  gtk_spinner_set_spinning (self->spinner, refreshing);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), refreshing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "mappings.refresh",
                                 !refreshing && !self->paused && get_connection (self) != NULL);
}

/* Whether payroll's types are there, and how old they are. */
static void
update_cache_row (PbMappingsPage *self,
                  GPtrArray      *remote_types,
                  const char     *read_at)
{
  PbConnection *connection = get_connection (self);
  g_autoptr(PbProviderClass) klass = NULL;
  g_autoptr(GDateTime) when = read_at != NULL ? g_date_time_new_from_iso8601 (read_at, NULL) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = pb_format_timestamp (read_at);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *system;
  guint n = remote_types != NULL ? remote_types->len : 0;

  if (connection == NULL)
    return;
  system = system_name (connection, &klass);

  if (when == NULL)
    {
      self->cache_state = PB_MAPPINGS_CACHE_EMPTY;
      title = g_strdup (_("Payroll’s absence types have not been read yet"));
      /* Translators: %s is the payroll system, "Tripletex" */
      subtitle = g_strdup_printf (_("Refresh to read them from %s. Until then a type can only be set to “Do not sync”."),
                                  system);
    }
  else if (g_date_time_difference (now, when) > PB_MAPPINGS_CACHE_MAX_AGE_DAYS * G_TIME_SPAN_DAY)
    {
      self->cache_state = PB_MAPPINGS_CACHE_OLD;
      /* Translators: "Read on 3 Mar 2026, 14:02" */
      title = g_strdup_printf (_("Read on %s"), date);
      /* Translators: %s is the payroll system, "Tripletex" */
      subtitle = g_strdup_printf (_("%s may have other absence types by now. Refresh to read them again."), system);
    }
  else
    {
      self->cache_state = PB_MAPPINGS_CACHE_FRESH;
      title = g_strdup_printf (_("Read on %s"), date);
      /* Translators: "12 absence types in Tripletex" */
      subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u absence type in %s", "%u absence types in %s", n),
                                  n, system);
    }

  g_free (self->cache_text);
  self->cache_text = g_strdup (title);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->cache_row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->cache_row), subtitle);

  gtk_image_set_from_icon_name (self->cache_icon, self->cache_state == PB_MAPPINGS_CACHE_FRESH
                                                  ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  if (self->cache_state == PB_MAPPINGS_CACHE_FRESH)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->cache_icon), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->cache_icon), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (self->refresh_button), "suggested-action");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->cache_icon), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->cache_icon), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->refresh_button), "suggested-action");
    }
}

static void
save_choice (PbMappingsPage *self,
             PbMappingRow   *row,
             gint64          connection_id,
             PbMappingState  state,
             const char     *remote_type)
{
  const PbAbsenceMapping *mapping = pb_mapping_row_get_mapping (row);
  g_autoptr(GError) error = NULL;

  if (self->store == NULL || mapping == NULL)
    return;

  /* A question (SPEC A5) answered once the import had started. */
  if (self->paused)
    {
      pb_mapping_row_reset (row);
      show_toast (self, _("Nothing saved: editing is paused until the import is done"));
      return;
    }

  if (!pb_store_set_mapping (self->store, connection_id, mapping->absence_type_id, state, remote_type, &error))
    {
      g_autofree char *title = g_strdup_printf (_("Could not save the mapping: %s"), error->message);

      g_warning ("%s", title);
      pb_mapping_row_reset (row);
      show_toast (self, title);
    }
  /* The store tells of the change: the page reloads. */
}

static void
on_dialog_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       gpointer          user_data)
{
  Choice *choice = user_data;

  if (g_strcmp0 (response, "change") == 0 && !choice->self->disposed)
    save_choice (choice->self, choice->row, choice->connection_id, choice->state, choice->remote_type);
  else
    pb_mapping_row_reset (choice->row);
}

/* SPEC A5: before a type whose absences were sent maps elsewhere. */
static void
ask_before_change (PbMappingsPage *self,
                   PbMappingRow   *row,
                   PbMappingState  state,
                   const char     *remote_type)
{
  const PbAbsenceMapping *mapping = pb_mapping_row_get_mapping (row);
  PbConnection *connection = get_connection (self);
  g_autoptr(PbProviderClass) klass = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;
  Choice *choice;
  const char *system;

  if (connection == NULL)
    return;
  system = system_name (connection, &klass);

  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));

  /* Translators: %s is an HR absence type, "Ferie" */
  heading = g_strdup_printf (_("Change the Mapping of “%s”?"), mapping->name);
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       /* Translators: the count, then the payroll system twice */
                                       "%" G_GINT64_FORMAT " absence of this type was already sent to %s. "
                                       "It will no longer be updated in payroll: when it changes, it must "
                                       "be corrected in %s by hand.",
                                       "%" G_GINT64_FORMAT " absences of this type were already sent to %s. "
                                       "They will no longer be updated in payroll: when they change, they "
                                       "must be corrected in %s by hand.",
                                       mapping->sent),
                          mapping->sent, system, system);

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "change", _("_Change Mapping"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "change",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  choice = g_new0 (Choice, 1);
  choice->self = g_object_ref (self);
  choice->row = g_object_ref (row);
  choice->connection_id = self->connection_id;
  choice->state = state;
  choice->remote_type = g_strdup (remote_type);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_dialog_response_cb), choice,
                         (GClosureNotify) (void (*) (void)) choice_free, 0);

  g_set_weak_pointer (&self->dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_row_chosen_cb (PbMappingsPage *self,
                  guint           state,
                  const char     *remote_type,
                  PbMappingRow   *row)
{
  const PbAbsenceMapping *mapping = pb_mapping_row_get_mapping (row);

  if (mapping->sent > 0)
    ask_before_change (self, row, state, remote_type);
  else
    save_choice (self, row, self->connection_id, state, remote_type);
}

/* Rows are kept while the types stay the same, so that a row being used
 * keeps its focus when the store changes under it. */
static void
update_rows (PbMappingsPage *self,
             GPtrArray      *mappings,
             GPtrArray      *remote_types)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->types_list));
  gboolean same = TRUE;
  guint i = 0;

  for (; child != NULL && same; child = gtk_widget_get_next_sibling (child), i++)
    same = i < mappings->len && PB_IS_MAPPING_ROW (child) &&
           pb_mapping_row_get_mapping (PB_MAPPING_ROW (child))->absence_type_id ==
           ((PbAbsenceMapping *) g_ptr_array_index (mappings, i))->absence_type_id;
  same = same && i == mappings->len;

  if (!same)
    {
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->types_list))) != NULL)
        gtk_list_box_remove (self->types_list, child);

      for (i = 0; i < mappings->len; i++)
        {
          GtkWidget *row = pb_mapping_row_new ();

          pb_mapping_row_update (PB_MAPPING_ROW (row), g_ptr_array_index (mappings, i), remote_types);
          g_signal_connect_object (row, "chosen", G_CALLBACK (on_row_chosen_cb), self, G_CONNECT_SWAPPED);
          gtk_list_box_append (self->types_list, row);
        }
      return;
    }

  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->types_list)), i = 0;
       child != NULL;
       child = gtk_widget_get_next_sibling (child), i++)
    pb_mapping_row_update (PB_MAPPING_ROW (child), g_ptr_array_index (mappings, i), remote_types);
}

static void
update_chooser (PbMappingsPage *self)
{
  GListModel *model = adw_combo_row_get_model (self->connection_row);
  guint n = self->connections->len;
  gboolean same = model != NULL && g_list_model_get_n_items (model) == n;
  guint selected = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < n; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);

      if (same)
        {
          g_autoptr(GtkStringObject) string = g_list_model_get_item (model, i);

          same = g_strcmp0 (gtk_string_object_get_string (string), connection->name) == 0;
        }
      if (connection->id == self->connection_id)
        selected = i;
    }

  self->updating++;
  if (!same)
    {
      g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

      for (guint i = 0; i < n; i++)
        gtk_string_list_append (names, ((PbConnection *) g_ptr_array_index (self->connections, i))->name);
      adw_combo_row_set_model (self->connection_row, G_LIST_MODEL (names));
    }
  adw_combo_row_set_selected (self->connection_row, selected);
  self->updating--;

  gtk_widget_set_visible (GTK_WIDGET (self->connection_group), n > 1);
}

static void
set_summary (PbMappingsPage *self,
             const char     *summary)
{
  if (g_strcmp0 (self->summary, summary) == 0)
    return;
  g_free (self->summary);
  self->summary = g_strdup (summary);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SUMMARY]);
}

static void
set_n_unmapped (PbMappingsPage *self,
                guint           n_unmapped)
{
  if (self->n_unmapped == n_unmapped)
    return;
  self->n_unmapped = n_unmapped;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_N_UNMAPPED]);
}

static void
cancel_refresh (PbMappingsPage *self)
{
  if (self->refresh != NULL)
    g_cancellable_cancel (self->refresh);
  g_clear_object (&self->refresh);
}

static void
on_connection_selected_cb (PbMappingsPage *self,
                           GParamSpec     *pspec,
                           AdwComboRow    *row)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating > 0 || self->connections == NULL || selected >= self->connections->len)
    return;

  pb_mappings_page_show_connection (self, ((PbConnection *) g_ptr_array_index (self->connections, selected))->id);
}

static gboolean
on_reload_idle_cb (gpointer user_data)
{
  PbMappingsPage *self = user_data;

  self->reload_source = 0;
  pb_mappings_page_reload (self);
  return G_SOURCE_REMOVE;
}

/* Mappings saved (here or by the CLI in this process), payroll's types
 * read, connections or absence types changed: one reload for a burst. */
static void
on_store_changed_cb (PbMappingsPage *self,
                     guint           what,
                     PbStore        *store)
{
  if (self->reload_source == 0 && !self->disposed)
    self->reload_source = g_idle_add (on_reload_idle_cb, self);
}

static void
on_refreshed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(RefreshData) data = user_data;
  PbMappingsPage *self = data->self;
  g_autoptr(PbProviderClass) klass = NULL;
  g_autoptr(GError) error = NULL;
  guint n_types = 0;

  pb_mappings_refresh_finish (result, &n_types, &error);
  if (self->disposed || g_cancellable_is_cancelled (data->cancellable))
    return;

  g_clear_object (&self->refresh);
  update_refreshing (self);

  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read payroll’s absence types: %s"), error->message);

      set_refresh_error (self, message);
      return;
    }

  {
    /* Translators: "Read 12 absence types from Tripletex" */
    g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Read %u absence type from %s",
                                                           "Read %u absence types from %s", n_types),
                                              n_types, system_name (data->connection, &klass));

    show_toast (self, title);
  }
  pb_mappings_page_reload (self);
}

static void
on_opened_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(RefreshData) data = user_data;
  PbMappingsPage *self = data->self;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  PbConnection *connection;
  GCancellable *cancellable;

  provider = pb_connections_open_finish (result, &error);
  if (self->disposed || g_cancellable_is_cancelled (data->cancellable))
    return;

  if (provider == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read payroll’s absence types: %s"), error->message);

      g_clear_object (&self->refresh);
      update_refreshing (self);
      set_refresh_error (self, message);
      return;
    }

  /* The arguments before the data goes (their order of evaluation is not
   * defined). */
  connection = data->connection;
  cancellable = data->cancellable;
  pb_mappings_refresh_async (self->store, connection, provider, cancellable, on_refreshed_cb,
                             g_steal_pointer (&data));
}

/* mappings.refresh: read payroll's types again, with a spinner; a failure
 * shows under the row, and the types as last read stay usable. */
static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PbMappingsPage *self = PB_MAPPINGS_PAGE (widget);
  PbConnection *connection = get_connection (self);
  RefreshData *data;

  if (connection == NULL || self->store == NULL || self->refresh != NULL)
    return;

  self->refresh = g_cancellable_new ();
  set_refresh_error (self, NULL);
  update_refreshing (self);

  data = g_new0 (RefreshData, 1);
  data->self = g_object_ref (self);
  data->connection = g_object_ref (connection);
  data->cancellable = g_object_ref (self->refresh);
  pb_connections_open_async (connection, data->cancellable, on_opened_cb, data);
}

static void
pb_mappings_page_dispose (GObject *object)
{
  PbMappingsPage *self = (PbMappingsPage *)object;

  self->disposed = TRUE;
  cancel_refresh (self);
  if (self->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->dialog));
  g_clear_weak_pointer (&self->dialog);
  g_clear_handle_id (&self->reload_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_MAPPINGS_PAGE);

  g_clear_object (&self->store);
  g_clear_pointer (&self->connections, g_ptr_array_unref);

  G_OBJECT_CLASS (pb_mappings_page_parent_class)->dispose (object);
}

static void
pb_mappings_page_finalize (GObject *object)
{
  PbMappingsPage *self = (PbMappingsPage *)object;

  g_free (self->summary);
  g_free (self->cache_text);
  g_free (self->refresh_error);
  g_free (self->last_toast);

  G_OBJECT_CLASS (pb_mappings_page_parent_class)->finalize (object);
}

static void
pb_mappings_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PbMappingsPage *self = PB_MAPPINGS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;

    case PROP_N_UNMAPPED:
      g_value_set_uint (value, self->n_unmapped);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_mappings_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PbMappingsPage *self = PB_MAPPINGS_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      pb_mappings_page_set_store (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_mappings_page_class_init (PbMappingsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_mappings_page_dispose;
  object_class->finalize = pb_mappings_page_finalize;
  object_class->get_property = pb_mappings_page_get_property;
  object_class->set_property = pb_mappings_page_set_property;

  properties [PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         PB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The connection shown, for the window's subtitle; %NULL with none. */
  properties [PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* HR absence types not mapped nor excluded, summed over the
   * connections that sync absence: the sidebar’s count. */
  properties [PROP_N_UNMAPPED] =
    g_param_spec_uint ("n-unmapped", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "mappings.refresh", NULL, refresh_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-mappings-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, connection_group);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, connection_row);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, cache_row);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, cache_icon);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, PbMappingsPage, types_list);
}

static void
pb_mappings_page_init (PbMappingsPage *self)
{
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->connection_row, "notify::selected", G_CALLBACK (on_connection_selected_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_stack_set_visible_child_name (self->stack, "no-connection");
  update_refreshing (self);
}

GtkWidget *
pb_mappings_page_new (void)
{
  return g_object_new (PB_TYPE_MAPPINGS_PAGE, NULL);
}

PbStore *
pb_mappings_page_get_store (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), NULL);

  return self->store;
}

/**
 * pb_mappings_page_set_store:
 * @store: (nullable): the register whose mappings to show
 */
void
pb_mappings_page_set_store (PbMappingsPage *self,
                            PbStore        *store)
{
  g_return_if_fail (PB_IS_MAPPINGS_PAGE (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_store_changed_cb, self);
  if (g_set_object (&self->store, store))
    {
      if (store != NULL)
        g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed_cb), self, G_CONNECT_SWAPPED);
      pb_mappings_page_reload (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STORE]);
    }
}

/**
 * pb_mappings_page_reload:
 *
 * Reads the connections, the shown connection's mappings and payroll's
 * types as last read from the store again.
 */
void
pb_mappings_page_reload (PbMappingsPage *self)
{
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GPtrArray) remote_types = NULL;
  g_autofree char *read_at = NULL;
  g_autoptr(GError) error = NULL;
  PbConnection *connection;
  guint n_unmapped = 0;

  g_return_if_fail (PB_IS_MAPPINGS_PAGE (self));

  g_clear_handle_id (&self->reload_source, g_source_remove);

  if (self->store != NULL)
    {
      connections = pb_store_list_connections (self->store, &error);
      if (connections == NULL)
        {
          g_autofree char *title = g_strdup_printf (_("Could not read the connections: %s"), error->message);

          g_warning ("%s", title);
          show_toast (self, title);
          g_clear_error (&error);
        }
    }

  g_ptr_array_set_size (self->connections, 0);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    {
      PbConnection *c = g_ptr_array_index (connections, i);

      g_ptr_array_add (self->connections, g_object_ref (c));
      /* The sidebar's count: only a connection that syncs absence sends it (A2). */
      if (c->sync_types & PB_DATA_ABSENCE)
        n_unmapped += pb_store_count_unmapped (self->store, c->id);
    }
  set_n_unmapped (self, n_unmapped);

  if (get_connection (self) == NULL)
    {
      cancel_refresh (self);
      set_refresh_error (self, NULL);
      self->connection_id = self->connections->len > 0
                            ? ((PbConnection *) g_ptr_array_index (self->connections, 0))->id : 0;
    }
  connection = get_connection (self);
  update_chooser (self);
  update_refreshing (self);

  if (connection == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "no-connection");
      set_summary (self, NULL);
      return;
    }
  set_summary (self, connection->name);

  mappings = pb_store_list_mappings (self->store, connection->id, &error);
  if (mappings != NULL)
    remote_types = pb_store_list_remote_types (self->store, connection->id, &read_at, &error);
  if (mappings == NULL || remote_types == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Could not read the absence-type mappings: %s"), error->message);

      g_warning ("%s", title);
      show_toast (self, title);
      return;
    }

  gtk_stack_set_visible_child_name (self->stack, mappings->len > 0 ? "list" : "no-types");
  update_cache_row (self, remote_types, read_at);
  update_rows (self, mappings, remote_types);
}

/**
 * pb_mappings_page_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, the mappings' choosers are insensitive and Refresh (it
 * writes payroll's types to the register) is off: nothing on the main
 * loop waits on the import's write lock (issue 14).
 */
void
pb_mappings_page_set_paused (PbMappingsPage *self,
                             gboolean        paused)
{
  g_return_if_fail (PB_IS_MAPPINGS_PAGE (self));

  self->paused = !!paused;
  gtk_widget_set_sensitive (GTK_WIDGET (self->types_list), !paused);
  update_refreshing (self);
}

/**
 * pb_mappings_page_show_connection:
 *
 * Shows the mappings of the connection @connection_id.
 *
 * Returns: whether there is such a connection
 */
gboolean
pb_mappings_page_show_connection (PbMappingsPage *self,
                                  gint64          connection_id)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), FALSE);

  if (connection_id != self->connection_id)
    {
      gint64 before = self->connection_id;

      self->connection_id = connection_id;
      if (get_connection (self) == NULL)
        {
          self->connection_id = before;
          return FALSE;
        }
      cancel_refresh (self);
      set_refresh_error (self, NULL);
      if (self->dialog != NULL)
        gtk_window_destroy (GTK_WINDOW (self->dialog));
    }

  pb_mappings_page_reload (self);
  return get_connection (self) != NULL;
}

gint64
pb_mappings_page_get_connection_id (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), 0);

  return self->connection_id;
}

guint
pb_mappings_page_get_n_unmapped (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), 0);

  return self->n_unmapped;
}

/**
 * pb_mappings_page_get_summary:
 *
 * Returns: (nullable): the name of the connection shown
 */
const char *
pb_mappings_page_get_summary (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), NULL);

  return self->summary;
}

/* --- for the tests (pb-mappings-page-private.h) ------------------------------------ */

PbMappingRow *
pb_mappings_page_find_row (PbMappingsPage *self,
                           const char     *key)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->types_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (PB_IS_MAPPING_ROW (child) && g_strcmp0 (pb_mapping_row_get_mapping (PB_MAPPING_ROW (child))->key, key) == 0)
      return PB_MAPPING_ROW (child);

  return NULL;
}

guint
pb_mappings_page_get_n_rows (PbMappingsPage *self)
{
  guint n = 0;

  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->types_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += PB_IS_MAPPING_ROW (child);

  return n;
}

PbMappingsCacheState
pb_mappings_page_get_cache_state (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), PB_MAPPINGS_CACHE_EMPTY);

  return self->cache_state;
}

const char *
pb_mappings_page_get_cache_text (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), NULL);

  return self->cache_text;
}

const char *
pb_mappings_page_get_refresh_error (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), NULL);

  return self->refresh_error;
}

gboolean
pb_mappings_page_get_refreshing (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), FALSE);

  return self->refresh != NULL;
}

const char *
pb_mappings_page_get_last_toast (PbMappingsPage *self)
{
  g_return_val_if_fail (PB_IS_MAPPINGS_PAGE (self), NULL);

  return self->last_toast;
}
