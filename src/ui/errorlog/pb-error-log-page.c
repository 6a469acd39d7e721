/* pb-error-log-page.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbErrorLogPage"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection.h"
#include "pb-csv.h"
#include "pb-error-log-page-private.h"
#include "pb-format.h"
#include "pb-outbox.h"
#include "pb-window.h"

/* The Error Log view (SPEC C7, U11): the error log of every connection or
 * one, newest first (by when last seen), one row per problem: when, who
 * (a link that opens the person in People, win.show-person), what, what
 * the payroll system said with our words below, what to do, and its state.
 * A search and three filters (connection, kind, state: Open at first)
 * narrow it. The rows come from a PbErrorLogModel, which reads pages of
 * the log on demand and follows the store, so entries the sync driver
 * resolves leave the Open filter as it happens. Each row's menu and the
 * action bar of a selection retry (the record's entry that needs
 * attention goes back to the outbox, and the driver sends it), dismiss,
 * or open the person; Export writes what is shown as CSV with the columns
 * of `paybridge-cli errors NAME --csv`. */

typedef enum
{
  LAYOUT_ALL,
  LAYOUT_COMPACT,   /* when, who, what payroll said, the menu */
} Layout;

struct _PbErrorLogPage
{
  GtkWidget          parent_instance;

  PbStore           *store;            /* (owned) (nullable) */
  PbErrorLogModel   *model;            /* (owned) (nullable) */
  GtkMultiSelection *selection;        /* (owned) (nullable) */
  GArray            *connection_ids;   /* gint64, by the connection drop-down's items */
  char              *summary;
  char              *last_toast;
  gboolean           loading;
  Layout             layout;
  guint              layout_idle;

  GtkWidget         *box;
  GtkSearchEntry    *search_entry;
  GtkDropDown       *connection_dropdown;
  GtkDropDown       *kind_dropdown;
  GtkDropDown       *state_dropdown;
  GtkStack          *stack;
  GtkColumnView     *column_view;
  GtkActionBar      *action_bar;
  GtkLabel          *selection_label;
  GtkColumnViewColumn *columns[7];
};

G_DEFINE_FINAL_TYPE (PbErrorLogPage, pb_error_log_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

typedef enum
{
  COL_WHEN,
  COL_WHO,
  COL_WHAT,
  COL_SAID,
  COL_ADVICE,
  COL_STATE,
  COL_MENU,
} Column;

/* The kind drop-down's items, in order. */
static const int kind_entities[] = {
  -1, PB_ENTITY_EMPLOYEE, PB_ENTITY_POSITION, PB_ENTITY_SALARY, PB_ENTITY_ABSENCE, PB_N_ENTITIES,
};

/* The state drop-down's items, in order: Open is the first, and the default. */
static const int state_values[] = { PB_ERROR_OPEN, PB_ERROR_RESOLVED, PB_ERROR_DISMISSED, -1 };

/* The columns of `paybridge-cli errors NAME --csv` (src/cli/pb-cli-sync.c). */
static const char * const csv_columns[] = {
  "id", "state", "at", "last_at", "count", "who", "what", "message", "system_message", "request_id", "advice",
};

/* --- formatting ------------------------------------------------------------------ */

static const char *
format_state (PbErrorState state)
{
  switch (state)
    {
    case PB_ERROR_OPEN:
      return C_("error state", "Open");
    case PB_ERROR_RESOLVED:
      return C_("error state", "Resolved");
    case PB_ERROR_DISMISSED:
      return C_("error state", "Dismissed");
    default:
      return "";
    }
}

/* "Just now", "5 minutes ago", "3 hours ago", "2 days ago", then the date. */
static char *
format_relative (const char *iso8601)
{
  g_autoptr(GDateTime) then = iso8601 != NULL ? g_date_time_new_from_iso8601 (iso8601, NULL) : NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan span;
  gint64 n;

  if (then == NULL)
    return g_strdup (iso8601 != NULL ? iso8601 : "");

  span = g_date_time_difference (now, then);
  if (span < G_TIME_SPAN_MINUTE)
    return g_strdup (_("Just now"));
  if (span < G_TIME_SPAN_HOUR)
    {
      n = span / G_TIME_SPAN_MINUTE;
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " minute ago",
                                           "%" G_GINT64_FORMAT " minutes ago", n), n);
    }
  if (span < G_TIME_SPAN_DAY)
    {
      n = span / G_TIME_SPAN_HOUR;
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " hour ago",
                                           "%" G_GINT64_FORMAT " hours ago", n), n);
    }
  if (span < 7 * G_TIME_SPAN_DAY)
    {
      n = span / G_TIME_SPAN_DAY;
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " day ago",
                                           "%" G_GINT64_FORMAT " days ago", n), n);
    }

  return pb_format_timestamp (iso8601);
}

static const char *
format_who (const PbErrorEntry *entry)
{
  if (entry->who != NULL && *entry->who != '\0')
    return entry->who;
  if (entry->entity == PB_N_ENTITIES)
    return _("The connection");
  return "—";
}

/* --- the toast and the summary --------------------------------------------------- */

static void
toast (PbErrorLogPage *self,
       const char     *text)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  if (PB_IS_WINDOW (root))
    pb_window_add_toast (PB_WINDOW (root), adw_toast_new (text));
}

static void
update_summary (PbErrorLogPage *self)
{
  guint n = self->model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  g_autofree char *summary = NULL;

  if (self->model != NULL && n > 0)
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u entry", "%u entries", n), n);

  if (g_strcmp0 (summary, self->summary) == 0)
    return;
  g_free (self->summary);
  self->summary = g_steal_pointer (&summary);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SUMMARY]);
}

/* --- the selection --------------------------------------------------------------- */

/* The entries of the selection (or of the row whose menu was used). */
static GPtrArray *
selected_items (PbErrorLogPage *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  if (self->selection == NULL)
    return g_steal_pointer (&items);

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      gpointer item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (item != NULL)
        g_ptr_array_add (items, item);
    }

  return g_steal_pointer (&items);
}

static gint64
single_employee (GPtrArray *items)
{
  gint64 id = 0;

  for (guint i = 0; i < items->len; i++)
    {
      const PbErrorEntry *entry = pb_error_item_get_entry (g_ptr_array_index (items, i));

      if (entry->employee_id == 0 || (id != 0 && entry->employee_id != id))
        return 0;
      id = entry->employee_id;
    }

  return id;
}

static void
update_selection (PbErrorLogPage *self)
{
  g_autoptr(GPtrArray) items = selected_items (self);
  g_autofree char *label = NULL;
  gboolean any_open = FALSE;

  for (guint i = 0; i < items->len; i++)
    if (pb_error_item_get_entry (g_ptr_array_index (items, i))->state == PB_ERROR_OPEN)
      any_open = TRUE;

  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u selected", "%u selected", items->len), items->len);
  gtk_label_set_label (self->selection_label, label);
  gtk_action_bar_set_revealed (self->action_bar, items->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errorlog.retry-selected", any_open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errorlog.dismiss-selected", any_open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errorlog.open-selected", single_employee (items) != 0);
}

static void
on_selection_changed_cb (PbErrorLogPage    *self,
                         guint              position,
                         guint              n_items,
                         GtkSelectionModel *selection)
{
  update_selection (self);
}

/* --- the actions ----------------------------------------------------------------- */

/* Retry now: the record's entry that needs attention goes back to the
 * outbox (all of the connection's, for an error about the connection), and
 * the driver sends it; the entry resolves itself once payroll takes it. */
static void
retry_entries (PbErrorLogPage *self,
               GPtrArray      *items)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  for (guint i = 0; i < items->len; i++)
    {
      const PbErrorEntry *entry = pb_error_item_get_entry (g_ptr_array_index (items, i));
      gint64 retried;

      if (entry->state != PB_ERROR_OPEN)
        continue;
      retried = pb_store_outbox_retry_record (self->store, entry->connection_id, entry->entity,
                                              entry->record_id, &error);
      if (retried < 0)
        {
          g_autofree char *text = g_strdup_printf (_("Could not retry: %s"), error->message);

          toast (self, text);
          return;
        }
      n += retried;
    }

  if (n > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Sending %" G_GINT64_FORMAT " change again",
                                                            "Sending %" G_GINT64_FORMAT " changes again", n), n);
      toast (self, text);
    }
  else
    toast (self, _("Nothing waits to be sent again: the entry is sent again when the record changes"));
}

static void
dismiss_entries (PbErrorLogPage *self,
                 GPtrArray      *items)
{
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    {
      const PbErrorEntry *entry = pb_error_item_get_entry (g_ptr_array_index (items, i));
      g_autoptr(GError) error = NULL;

      if (entry->state != PB_ERROR_OPEN)
        continue;
      if (!pb_store_dismiss_error (self->store, entry->connection_id, entry->id, &error))
        g_warning ("Could not dismiss error %" G_GINT64_FORMAT ": %s", entry->id, error->message);
      else
        n++;
    }

  if (n > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u entry dismissed",
                                                            "%u entries dismissed", n), n);
      toast (self, text);
    }
  /* Dismissing writes no change of the register: read the log again now. */
  pb_error_log_model_reload (self->model);
}

static void
open_person (PbErrorLogPage *self,
             gint64          employee_id)
{
  if (employee_id != 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-person", "x", employee_id);
}

/* The entry a row's menu acts on, from the menu item's target. */
static PbErrorItem *
item_from_target (GVariant *parameter)
{
  PbErrorEntry *entry = g_new0 (PbErrorEntry, 1);
  const char *entity;
  gint32 state;

  g_variant_get (parameter, "(xx&sxxi)", &entry->connection_id, &entry->id, &entity,
                 &entry->record_id, &entry->employee_id, &state);
  if (*entity == '\0' || !pb_entity_from_name (entity, &entry->entity))
    entry->entity = PB_N_ENTITIES;
  entry->state = state;

  return pb_error_item_new (entry);
}

static void
retry_entry_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (items, item_from_target (parameter));
  retry_entries (PB_ERROR_LOG_PAGE (widget), items);
}

static void
dismiss_entry_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (items, item_from_target (parameter));
  dismiss_entries (PB_ERROR_LOG_PAGE (widget), items);
}

static void
retry_selected_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);
  g_autoptr(GPtrArray) items = selected_items (self);

  retry_entries (self, items);
}

static void
dismiss_selected_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);
  g_autoptr(GPtrArray) items = selected_items (self);

  dismiss_entries (self, items);
}

static void
open_selected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);
  g_autoptr(GPtrArray) items = selected_items (self);

  open_person (self, single_employee (items));
}

static void
on_export_response_cb (PbErrorLogPage       *self,
                       int                   response,
                       GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  if (file != NULL)
    {
      if (pb_error_log_page_export (self, file, &error))
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Exported to %s"), name);

          toast (self, text);
        }
      else
        {
          g_autofree char *text = g_strdup_printf (_("Could not export: %s"), error->message);

          toast (self, text);
        }
    }

  g_object_unref (chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export the Error Log"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "error-log.csv");
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_export_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
clear_filters_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);

  self->loading = TRUE;
  gtk_drop_down_set_selected (self->connection_dropdown, 0);
  gtk_drop_down_set_selected (self->kind_dropdown, 0);
  gtk_drop_down_set_selected (self->state_dropdown, G_N_ELEMENTS (state_values) - 1);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  self->loading = FALSE;
  pb_error_log_page_reload (self);
}

/* --- the query ------------------------------------------------------------------- */

static void
update_stack (PbErrorLogPage *self)
{
  const char *name = "empty";

  if (self->model != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 0)
    name = "list";
  else if (self->model != NULL && pb_error_log_model_count_all (self->model) > 0)
    name = "no-match";

  gtk_stack_set_visible_child_name (self->stack, name);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errorlog.export", g_str_equal (name, "list"));
  update_summary (self);
}

static void
apply_query (PbErrorLogPage *self)
{
  PbErrorQuery query = PB_ERROR_QUERY_INIT;
  guint connection = gtk_drop_down_get_selected (self->connection_dropdown);
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);
  guint state = gtk_drop_down_get_selected (self->state_dropdown);

  if (self->model == NULL)
    return;

  if (connection != GTK_INVALID_LIST_POSITION && connection < self->connection_ids->len)
    query.connection_id = g_array_index (self->connection_ids, gint64, connection);
  if (kind < G_N_ELEMENTS (kind_entities))
    query.entity = kind_entities[kind];
  if (state < G_N_ELEMENTS (state_values))
    query.state = state_values[state];
  query.search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  pb_error_log_model_set_query (self->model, &query);
}

static void
on_model_items_changed_cb (PbErrorLogPage *self,
                           guint           position,
                           guint           removed,
                           guint           added,
                           GListModel     *model)
{
  update_stack (self);
}

static void
on_search_changed_cb (PbErrorLogPage *self,
                      GtkSearchEntry *entry)
{
  if (!self->loading)
    apply_query (self);
}

static void
on_search_stop_cb (PbErrorLogPage *self,
                   GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_filter_selected_cb (PbErrorLogPage *self,
                       GParamSpec     *pspec,
                       GtkDropDown    *dropdown)
{
  if (!self->loading)
    apply_query (self);
}

/* The connection drop-down: All Connections, then each by name. */
static void
load_connections (PbErrorLogPage *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GPtrArray) connections = NULL;
  gint64 want = 0;
  guint selected = gtk_drop_down_get_selected (self->connection_dropdown);
  guint position = 0;
  gint64 all = 0;

  if (selected != GTK_INVALID_LIST_POSITION && selected < self->connection_ids->len)
    want = g_array_index (self->connection_ids, gint64, selected);

  g_array_set_size (self->connection_ids, 0);
  gtk_string_list_append (names, _("All Connections"));
  g_array_append_val (self->connection_ids, all);

  if (self->store != NULL)
    connections = pb_store_list_connections (self->store, NULL);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (connections, i);

      gtk_string_list_append (names, connection->name);
      g_array_append_val (self->connection_ids, connection->id);
      if (connection->id == want)
        position = i + 1;
    }

  self->loading = TRUE;
  gtk_drop_down_set_model (self->connection_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->connection_dropdown, position);
  self->loading = FALSE;
}

static void
on_store_changed_cb (PbErrorLogPage *self,
                     guint           what,
                     PbStore        *store)
{
  if (what & PB_STORE_CHANGED_CONNECTIONS)
    {
      load_connections (self);
      apply_query (self);
    }
}

/* --- the cells ------------------------------------------------------------------- */

static GtkWidget *
make_label (gboolean wrap)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_yalign (GTK_LABEL (label), 0);
  if (wrap)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_width_chars (GTK_LABEL (label), 12);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
    }
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);

  return label;
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *widget = NULL;

  switch (column)
    {
    case COL_WHEN:
    case COL_STATE:
      widget = make_label (FALSE);
      break;

    case COL_WHO:
      widget = gtk_button_new ();
      gtk_widget_set_halign (widget, GTK_ALIGN_START);
      gtk_widget_set_valign (widget, GTK_ALIGN_START);
      gtk_widget_add_css_class (widget, "flat");
      gtk_widget_add_css_class (widget, "link");
      gtk_button_set_child (GTK_BUTTON (widget), make_label (FALSE));
      break;

    case COL_WHAT:
    case COL_ADVICE:
      widget = make_label (TRUE);
      break;

    case COL_SAID:
      {
        GtkWidget *ours = make_label (TRUE);

        widget = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
        gtk_box_append (GTK_BOX (widget), make_label (TRUE));
        gtk_widget_add_css_class (ours, "dim-label");
        gtk_widget_add_css_class (ours, "caption");
        gtk_box_append (GTK_BOX (widget), ours);
      }
      break;

    case COL_MENU:
      widget = gtk_menu_button_new ();
      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (widget), "view-more-symbolic");
      gtk_widget_set_tooltip_text (widget, _("Actions"));
      gtk_widget_set_valign (widget, GTK_ALIGN_START);
      gtk_widget_add_css_class (widget, "flat");
      break;

    default:
      g_assert_not_reached ();
    }

  gtk_list_item_set_child (list_item, widget);
}

static GMenuModel *
make_row_menu (const PbErrorEntry *entry)
{
  GMenu *menu = g_menu_new ();
  GVariant *target;
  g_autoptr(GMenuItem) retry = g_menu_item_new (_("_Retry Now"), NULL);
  g_autoptr(GMenuItem) dismiss = g_menu_item_new (_("_Dismiss"), NULL);

  target = g_variant_new ("(xxsxxi)", entry->connection_id, entry->id,
                          entry->entity < PB_N_ENTITIES ? pb_entity_get_def (entry->entity)->name : "",
                          entry->record_id, entry->employee_id, (gint32) entry->state);
  g_variant_ref_sink (target);
  g_menu_item_set_action_and_target_value (retry, "errorlog.retry-entry", target);
  g_menu_item_set_action_and_target_value (dismiss, "errorlog.dismiss-entry", target);
  g_variant_unref (target);

  if (entry->state == PB_ERROR_OPEN)
    {
      g_menu_append_item (menu, retry);
      g_menu_append_item (menu, dismiss);
    }
  if (entry->employee_id != 0)
    {
      g_autoptr(GMenuItem) open = g_menu_item_new (_("_Open Person"), NULL);

      g_menu_item_set_action_and_target_value (open, "win.show-person", g_variant_new_int64 (entry->employee_id));
      g_menu_append_item (menu, open);
    }

  return G_MENU_MODEL (menu);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *widget = gtk_list_item_get_child (list_item);
  PbErrorItem *item = gtk_list_item_get_item (list_item);
  const PbErrorEntry *entry;

  if (item == NULL)
    return;
  entry = pb_error_item_get_entry (item);

  switch (column)
    {
    case COL_WHEN:
      {
        g_autofree char *relative = format_relative (entry->last_at);
        g_autofree char *text = NULL;
        g_autofree char *first = pb_format_timestamp (entry->at);
        g_autofree char *last = pb_format_timestamp (entry->last_at);
        g_autofree char *tooltip = NULL;

        /* Translators: how many tries met the same problem */
        text = entry->count > 1 ? g_strdup_printf (_("%s ×%u"), relative, entry->count) : g_strdup (relative);
        if (entry->count > 1)
          tooltip = g_strdup_printf (_("First seen %s, last seen %s, %u times"), first, last, entry->count);
        else
          tooltip = g_strdup (last);
        gtk_label_set_label (GTK_LABEL (widget), text);
        gtk_widget_set_tooltip_text (widget, tooltip);
      }
      break;

    case COL_WHO:
      gtk_label_set_label (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (widget))), format_who (entry));
      if (entry->employee_id != 0)
        {
          gtk_actionable_set_action_target_value (GTK_ACTIONABLE (widget), g_variant_new_int64 (entry->employee_id));
          gtk_actionable_set_action_name (GTK_ACTIONABLE (widget), "win.show-person");
          gtk_widget_set_tooltip_text (widget, _("Open in People"));
          gtk_widget_set_sensitive (widget, TRUE);
        }
      else
        {
          gtk_actionable_set_action_name (GTK_ACTIONABLE (widget), NULL);
          gtk_widget_set_tooltip_text (widget, NULL);
          gtk_widget_set_sensitive (widget, FALSE);
        }
      break;

    case COL_WHAT:
      gtk_label_set_label (GTK_LABEL (widget), entry->what);
      break;

    case COL_SAID:
      {
        GtkWidget *said = gtk_widget_get_first_child (widget);
        GtkWidget *ours = gtk_widget_get_next_sibling (said);
        gboolean has_system = entry->system_message != NULL && *entry->system_message != '\0';

        gtk_label_set_label (GTK_LABEL (said), has_system ? entry->system_message : entry->message);
        gtk_label_set_label (GTK_LABEL (ours), has_system ? entry->message : NULL);
        gtk_widget_set_visible (ours, has_system && g_strcmp0 (entry->message, entry->system_message) != 0);
      }
      break;

    case COL_ADVICE:
      gtk_label_set_label (GTK_LABEL (widget), entry->advice != NULL ? entry->advice : "");
      break;

    case COL_STATE:
      gtk_label_set_label (GTK_LABEL (widget), format_state (entry->state));
      if (entry->state == PB_ERROR_OPEN)
        gtk_widget_add_css_class (widget, "error");
      else
        gtk_widget_remove_css_class (widget, "error");
      break;

    case COL_MENU:
      {
        g_autoptr(GMenuModel) menu = make_row_menu (entry);

        gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (widget), menu);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
add_column (PbErrorLogPage *self,
            Column          column,
            const char     *title,
            int             fixed_width,
            gboolean        expand)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GUINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GUINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, g_object_ref (factory));
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (view_column, fixed_width);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, column != COL_MENU);
  gtk_column_view_append_column (self->column_view, view_column);
  self->columns[column] = view_column;
}

/* --- the layout ------------------------------------------------------------------ */

static void
apply_layout (PbErrorLogPage *self,
              Layout          layout)
{
  self->layout = layout;
  gtk_column_view_column_set_visible (self->columns[COL_WHAT], layout == LAYOUT_ALL);
  gtk_column_view_column_set_visible (self->columns[COL_ADVICE], layout == LAYOUT_ALL);
  gtk_column_view_column_set_visible (self->columns[COL_STATE], layout == LAYOUT_ALL);
}

static Layout
layout_for_width (int width)
{
  return width >= 700 ? LAYOUT_ALL : LAYOUT_COMPACT;
}

static gboolean
apply_layout_idle (gpointer data)
{
  PbErrorLogPage *self = data;

  self->layout_idle = 0;
  apply_layout (self, layout_for_width (gtk_widget_get_width (GTK_WIDGET (self))));

  return G_SOURCE_REMOVE;
}

static void
pb_error_log_page_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  gtk_widget_measure (PB_ERROR_LOG_PAGE (widget)->box, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
pb_error_log_page_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);

  gtk_widget_allocate (self->box, width, height, baseline, NULL);

  /* Showing or hiding columns now would resize the table in the middle of
   * this allocation: do it right after (the table scrolls, so its width
   * does not depend on its columns). */
  if (layout_for_width (width) != self->layout && self->layout_idle == 0)
    self->layout_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_layout_idle, self, NULL);
}

/* --- PbErrorLogPage -------------------------------------------------------------- */

static void
pb_error_log_page_dispose (GObject *object)
{
  PbErrorLogPage *self = (PbErrorLogPage *)object;

  g_clear_handle_id (&self->layout_idle, g_source_remove);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_ERROR_LOG_PAGE);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_error_log_page_parent_class)->dispose (object);
}

static void
pb_error_log_page_finalize (GObject *object)
{
  PbErrorLogPage *self = (PbErrorLogPage *)object;

  g_clear_pointer (&self->connection_ids, g_array_unref);
  g_free (self->summary);
  g_free (self->last_toast);

  G_OBJECT_CLASS (pb_error_log_page_parent_class)->finalize (object);
}

static void
pb_error_log_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (object);

  switch (prop_id)
    {
    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_error_log_page_class_init (PbErrorLogPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_error_log_page_dispose;
  object_class->finalize = pb_error_log_page_finalize;
  object_class->get_property = pb_error_log_page_get_property;

  widget_class->measure = pb_error_log_page_measure;
  widget_class->size_allocate = pb_error_log_page_size_allocate;

  /**
   * PbErrorLogPage:summary:
   *
   * How many entries the view shows, for the window's subtitle.
   */
  properties [PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-error-log-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, connection_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, action_bar);
  gtk_widget_class_bind_template_child (widget_class, PbErrorLogPage, selection_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_selected_cb);

  gtk_widget_class_install_action (widget_class, "errorlog.retry-entry", "(xxsxxi)", retry_entry_action);
  gtk_widget_class_install_action (widget_class, "errorlog.dismiss-entry", "(xxsxxi)", dismiss_entry_action);
  gtk_widget_class_install_action (widget_class, "errorlog.retry-selected", NULL, retry_selected_action);
  gtk_widget_class_install_action (widget_class, "errorlog.dismiss-selected", NULL, dismiss_selected_action);
  gtk_widget_class_install_action (widget_class, "errorlog.open-selected", NULL, open_selected_action);
  gtk_widget_class_install_action (widget_class, "errorlog.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "errorlog.clear-filters", NULL, clear_filters_action);

  gtk_widget_class_set_css_name (widget_class, "errorlogpage");
}

static void
pb_error_log_page_init (PbErrorLogPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->box = gtk_widget_get_first_child (GTK_WIDGET (self));
  self->connection_ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  add_column (self, COL_WHEN, C_("column", "When"), 130, FALSE);
  add_column (self, COL_WHO, C_("column", "Who"), 150, FALSE);
  add_column (self, COL_WHAT, C_("column", "What"), 160, FALSE);
  add_column (self, COL_SAID, C_("column", "Payroll Said"), -1, TRUE);
  add_column (self, COL_ADVICE, C_("column", "What to Do"), -1, TRUE);
  add_column (self, COL_STATE, C_("column", "State"), 90, FALSE);
  add_column (self, COL_MENU, NULL, 50, FALSE);
  self->layout = LAYOUT_ALL;

  load_connections (self);
  update_stack (self);
  update_selection (self);
}

GtkWidget *
pb_error_log_page_new (void)
{
  return g_object_new (PB_TYPE_ERROR_LOG_PAGE, NULL);
}

/**
 * pb_error_log_page_set_store:
 * @store: (nullable): the register whose error log to show
 */
void
pb_error_log_page_set_store (PbErrorLogPage *self,
                             PbStore        *store)
{
  g_return_if_fail (PB_IS_ERROR_LOG_PAGE (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));

  if (self->store == store)
    return;

  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->store, store);

  if (store != NULL)
    {
      self->model = pb_error_log_model_new (store);
      g_signal_connect_object (self->model, "items-changed", G_CALLBACK (on_model_items_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed_cb), self, G_CONNECT_SWAPPED);
      self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
      g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (on_selection_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (on_selection_changed_cb),
                               self, G_CONNECT_SWAPPED);
      gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
    }

  load_connections (self);
  apply_query (self);
  update_stack (self);
  update_selection (self);
}

/**
 * pb_error_log_page_reload:
 *
 * Reads the connections and the error log again.
 */
void
pb_error_log_page_reload (PbErrorLogPage *self)
{
  g_return_if_fail (PB_IS_ERROR_LOG_PAGE (self));

  load_connections (self);
  apply_query (self);
  update_stack (self);
}

/**
 * pb_error_log_page_show_connection:
 * @connection_id: a connection, or 0 for all
 *
 * Shows the error log of one connection (from its row's menu), or of all.
 *
 * Returns: whether there is such a connection
 */
gboolean
pb_error_log_page_show_connection (PbErrorLogPage *self,
                                   gint64          connection_id)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), FALSE);

  load_connections (self);
  for (guint i = 0; i < self->connection_ids->len; i++)
    if (g_array_index (self->connection_ids, gint64, i) == connection_id)
      {
        gtk_drop_down_set_selected (self->connection_dropdown, i);
        apply_query (self);
        return TRUE;
      }

  return FALSE;
}

const char *
pb_error_log_page_get_summary (PbErrorLogPage *self)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), NULL);

  return self->summary;
}

/**
 * pb_error_log_page_export:
 * @file: where to write
 *
 * Writes what the view shows (its search and filters, every page of it) as
 * CSV, with the columns of `paybridge-cli errors NAME --csv`.
 */
gboolean
pb_error_log_page_export (PbErrorLogPage  *self,
                          GFile           *file,
                          GError         **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  PbErrorQuery query;
  const guint chunk = 1000;

  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (self->model != NULL, FALSE);

  pb_error_log_model_get_query (self->model, &query);
  pb_csv_append_row (out, csv_columns, G_N_ELEMENTS (csv_columns));
  for (guint offset = 0; ; offset += chunk)
    {
      g_autoptr(GPtrArray) entries = pb_store_list_errors_page (self->store, &query, offset, chunk, error);

      if (entries == NULL)
        return FALSE;

      for (guint i = 0; i < entries->len; i++)
        {
          PbErrorEntry *e = g_ptr_array_index (entries, i);
          char id[32], count[16];
          const char *row[] = {
            id, pb_error_state_to_string (e->state), e->at, e->last_at, count, e->who, e->what, e->message,
            e->system_message, e->request_id, e->advice,
          };

          G_STATIC_ASSERT (G_N_ELEMENTS (row) == G_N_ELEMENTS (csv_columns));
          g_snprintf (id, sizeof id, "%" G_GINT64_FORMAT, e->id);
          g_snprintf (count, sizeof count, "%u", e->count);
          pb_csv_append_row (out, row, G_N_ELEMENTS (row));
        }

      if (entries->len < chunk)
        break;
    }

  return g_file_replace_contents (file, out->str, out->len, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                  NULL, NULL, error);
}

PbErrorLogModel *
pb_error_log_page_get_model (PbErrorLogPage *self)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), NULL);

  return self->model;
}

GtkSelectionModel *
pb_error_log_page_get_selection (PbErrorLogPage *self)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), NULL);

  return GTK_SELECTION_MODEL (self->selection);
}

const char *
pb_error_log_page_get_last_toast (PbErrorLogPage *self)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), NULL);

  return self->last_toast;
}
