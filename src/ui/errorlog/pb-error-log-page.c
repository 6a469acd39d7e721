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
 * (the person opens in People, win.show-person), what, what
 * the payroll system said with our words below, what to do, and its state.
 * A search and three filters (connection, kind, state: Open at first)
 * narrow it. The rows come from a PbErrorLogModel, which reads pages of
 * the log on demand and follows the store, so entries the sync driver
 * resolves leave the Open filter as it happens. The action bar of a
 * selection and its context menu (right-click, Menu, Shift+F10) retry (the
 * record's entry that needs attention goes back to the outbox, and the
 * driver sends it), dismiss, or open the person (also Enter or a
 * double-click on a row); Export writes what is shown as CSV with the columns
 * of `paybridge-cli errors NAME --csv`. */

typedef enum
{
  LAYOUT_ALL,
  LAYOUT_COMPACT,   /* when, who, what payroll said */
} Layout;

typedef enum
{
  COL_WHEN,
  COL_WHO,
  COL_WHAT,
  COL_SAID,
  COL_ADVICE,
  COL_STATE,
  N_COLUMNS
} Column;

struct _PbErrorLogPage
{
  GtkWidget          parent_instance;

  PbStore           *store;            /* (owned) (nullable) */
  PbErrorLogModel   *model;            /* (owned) (nullable) */
  GtkMultiSelection *selection;        /* (owned) (nullable) */
  GArray            *connection_ids;   /* gint64, by the connection drop-down's items */
  char              *summary;
  gboolean           paused;           /* an import is writing: no retry or dismiss */
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
  GtkColumnViewColumn *columns[N_COLUMNS];
  GtkWidget         *context_menu;     /* the selection's, on a right-click */
};

G_DEFINE_FINAL_TYPE (PbErrorLogPage, pb_error_log_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

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
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errorlog.retry-selected", any_open && !self->paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "errorlog.dismiss-selected", any_open && !self->paused);
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

/* GtkColumnView makes the cells of up to 200 rows when its model is set,
 * and measures every one of them: a cell is a single GtkInscription (made
 * for list cells: its size does not depend on its text, so nothing is laid
 * out to measure it), set up once; bind only sets its text. The actions on
 * a row are the selection's (the action bar, the context menu on a
 * right-click, Menu or Shift+F10, and Enter or a double-click opens the
 * person), so no row carries buttons or a menu of its own. */

#define CELL_LIST_ITEM "pb-list-item"

static GtkWidget *
make_cell (GtkListItem *list_item,
           int          min_chars,
           int          nat_chars,
           int          min_lines,
           int          nat_lines)
{
  GtkWidget *cell = gtk_inscription_new (NULL);
  GtkInscription *inscription = GTK_INSCRIPTION (cell);

  gtk_inscription_set_xalign (inscription, 0);
  gtk_inscription_set_yalign (inscription, 0);
  gtk_inscription_set_min_chars (inscription, min_chars);
  gtk_inscription_set_nat_chars (inscription, nat_chars);
  gtk_inscription_set_min_lines (inscription, min_lines);
  gtk_inscription_set_nat_lines (inscription, nat_lines);
  gtk_inscription_set_text_overflow (inscription, GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  if (nat_lines > 1)
    gtk_inscription_set_wrap_mode (inscription, PANGO_WRAP_WORD_CHAR);
  /* For the context menu: the row under the pointer. */
  g_object_set_data (G_OBJECT (cell), CELL_LIST_ITEM, list_item);

  return cell;
}

/* When: first and last seen and how often, on demand. */
static gboolean
on_when_query_tooltip_cb (GtkWidget   *widget,
                          int          x,
                          int          y,
                          gboolean     keyboard,
                          GtkTooltip  *tooltip,
                          GtkListItem *list_item)
{
  PbErrorItem *item = gtk_list_item_get_item (list_item);
  const PbErrorEntry *entry;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autofree char *text = NULL;

  if (item == NULL)
    return FALSE;
  entry = pb_error_item_get_entry (item);
  first = pb_format_timestamp (entry->at);
  last = pb_format_timestamp (entry->last_at);
  if (entry->count > 1)
    text = g_strdup_printf (_("First seen %s, last seen %s, %u times"), first, last, entry->count);
  else
    text = g_steal_pointer (&last);
  gtk_tooltip_set_text (tooltip, text);

  return TRUE;
}

/* Who, what payroll said and what to do, whole, on demand: the cells
 * show what fits in a few lines. */
static gboolean
on_full_text_query_tooltip_cb (GtkWidget   *widget,
                               int          x,
                               int          y,
                               gboolean     keyboard,
                               GtkTooltip  *tooltip,
                               GtkListItem *list_item)
{
  PbErrorItem *item = gtk_list_item_get_item (list_item);
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "pb-column"));
  const PbErrorEntry *entry;
  g_autofree char *text = NULL;

  if (item == NULL)
    return FALSE;
  entry = pb_error_item_get_entry (item);
  if (column == COL_SAID)
    text = entry->system_message != NULL ? g_strdup_printf ("%s\n\n%s", entry->system_message, entry->message)
                                         : g_strdup (entry->message);
  else if (column == COL_ADVICE)
    text = entry->system_message != NULL
      ? g_strdup_printf (_("%s\n\nPayroll said: %s"), entry->advice != NULL ? entry->advice : "",
                         entry->system_message)
      : g_strdup (entry->advice);
  else
    text = g_strdup (entry->who);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);

  return TRUE;
}

static void
with_full_text_tooltip (GtkWidget   *cell,
                        GtkListItem *list_item,
                        Column       column)
{
  g_object_set_data (G_OBJECT (cell), "pb-column", GUINT_TO_POINTER (column));
  gtk_widget_set_has_tooltip (cell, TRUE);
  g_signal_connect (cell, "query-tooltip", G_CALLBACK (on_full_text_query_tooltip_cb), list_item);
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *cell = NULL;

  switch (column)
    {
    case COL_WHEN:
      cell = make_cell (list_item, 8, 14, 1, 1);
      gtk_widget_set_has_tooltip (cell, TRUE);
      g_signal_connect (cell, "query-tooltip", G_CALLBACK (on_when_query_tooltip_cb), list_item);
      break;

    case COL_WHO:
      cell = make_cell (list_item, 8, 18, 1, 2);
      with_full_text_tooltip (cell, list_item, column);
      break;

    case COL_WHAT:
      cell = make_cell (list_item, 8, 18, 1, 3);
      break;

    case COL_SAID:
      /* Four lines: payroll's words, then ours (the rows' height: an
       * inscription's does not follow its text); the whole on hover. */
      cell = make_cell (list_item, 12, 40, 4, 4);
      with_full_text_tooltip (cell, list_item, column);
      break;

    case COL_ADVICE:
      /* What to do is what the administrator came for: room for it. */
      cell = make_cell (list_item, 14, 34, 4, 4);
      with_full_text_tooltip (cell, list_item, column);
      break;

    case COL_STATE:
      cell = make_cell (list_item, 6, 10, 1, 1);
      break;

    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  gtk_list_item_set_child (list_item, cell);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkInscription *cell = GTK_INSCRIPTION (gtk_list_item_get_child (list_item));
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

        if (entry->count > 1)
          {
            /* Translators: how many tries met the same problem */
            g_autofree char *text = g_strdup_printf (_("%s ×%u"), relative, entry->count);

            gtk_inscription_set_text (cell, text);
          }
        else
          gtk_inscription_set_text (cell, relative);
      }
      break;

    case COL_WHO:
      gtk_inscription_set_text (cell, format_who (entry));
      break;

    case COL_WHAT:
      gtk_inscription_set_text (cell, entry->what);
      break;

    case COL_SAID:
      /* Payroll's own words, then ours below, smaller, when they differ. */
      if (entry->system_message != NULL && *entry->system_message != '\0' &&
          entry->message != NULL && g_strcmp0 (entry->message, entry->system_message) != 0)
        {
          g_autofree char *markup = g_markup_printf_escaped ("%s\n<span size=\"small\" alpha=\"55%%\">%s</span>",
                                                             entry->system_message, entry->message);

          gtk_inscription_set_markup (cell, markup);
        }
      else if (entry->system_message != NULL && *entry->system_message != '\0')
        gtk_inscription_set_text (cell, entry->system_message);
      else
        gtk_inscription_set_text (cell, entry->message);
      break;

    case COL_ADVICE:
      gtk_inscription_set_text (cell, entry->advice);
      break;

    case COL_STATE:
      gtk_inscription_set_text (cell, format_state (entry->state));
      if (entry->state == PB_ERROR_OPEN)
        gtk_widget_add_css_class (GTK_WIDGET (cell), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (cell), "error");
      break;

    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

/* The columns of a fixed width, in pixels. */
#define WHEN_WIDTH  130
#define WHAT_WIDTH  160
#define STATE_WIDTH 90

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
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_append_column (self->column_view, view_column);
  self->columns[column] = view_column;
}

/* --- the rows' actions ----------------------------------------------------------- */

/* Enter or a double-click on a row opens its person. */
static void
on_row_activate_cb (PbErrorLogPage *self,
                    guint           position,
                    GtkColumnView  *view)
{
  g_autoptr(PbErrorItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (item != NULL)
    open_person (self, pb_error_item_get_entry (item)->employee_id);
}

static void
popup_context_menu (PbErrorLogPage *self,
                    double          x,
                    double          y)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

/* A right-click acts on the row under the pointer: it joins the selection
 * (or is it, when it was not selected), and the selection's menu opens. */
static void
on_secondary_pressed_cb (PbErrorLogPage  *self,
                         int              n_press,
                         double           x,
                         double           y,
                         GtkGestureClick *gesture)
{
  GtkWidget *picked = gtk_widget_pick (GTK_WIDGET (self->column_view), x, y, GTK_PICK_DEFAULT);
  GtkListItem *list_item = NULL;
  double page_x, page_y;

  for (GtkWidget *w = picked; w != NULL && list_item == NULL; w = gtk_widget_get_parent (w))
    list_item = g_object_get_data (G_OBJECT (w), CELL_LIST_ITEM);
  if (list_item == NULL || self->selection == NULL)
    return;

  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  if (!gtk_list_item_get_selected (list_item))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection),
                                     gtk_list_item_get_position (list_item), TRUE);
  if (!gtk_widget_translate_coordinates (GTK_WIDGET (self->column_view), GTK_WIDGET (self), x, y, &page_x, &page_y))
    return;
  popup_context_menu (self, page_x, page_y);
}

/* Menu or Shift+F10: the selection's menu, at the focused row. */
static void
context_menu_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PbErrorLogPage *self = PB_ERROR_LOG_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  graphene_rect_t bounds;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self->column_view)))
    return;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->column_view)) &&
      gtk_widget_compute_bounds (focus, widget, &bounds))
    popup_context_menu (self, bounds.origin.x + 24, bounds.origin.y + bounds.size.height / 2);
  else if (gtk_widget_compute_bounds (GTK_WIDGET (self->column_view), widget, &bounds))
    popup_context_menu (self, bounds.origin.x + 24, bounds.origin.y + 24);
}

static void
setup_context_menu (PbErrorLogPage *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkGesture *gesture;

  g_menu_append (menu, _("_Retry Now"), "errorlog.retry-selected");
  g_menu_append (menu, _("_Dismiss"), "errorlog.dismiss-selected");
  g_menu_append (menu, _("_Open Person"), "errorlog.open-selected");
  self->context_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (gesture), GTK_PHASE_CAPTURE);
  g_signal_connect_object (gesture, "pressed", G_CALLBACK (on_secondary_pressed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (gesture));

  g_signal_connect_object (self->column_view, "activate", G_CALLBACK (on_row_activate_cb), self, G_CONNECT_SWAPPED);
}

/* --- the layout ------------------------------------------------------------------ */

static void
apply_layout (PbErrorLogPage *self,
              Layout          layout)
{
  self->layout = layout;
  /* Narrow: who, and what to do about it (what payroll said is in its
   * tooltip); the rest when there is room. */
  gtk_column_view_column_set_visible (self->columns[COL_WHEN], layout == LAYOUT_ALL);
  gtk_column_view_column_set_visible (self->columns[COL_WHAT], layout == LAYOUT_ALL);
  gtk_column_view_column_set_visible (self->columns[COL_SAID], layout == LAYOUT_ALL);
  gtk_column_view_column_set_visible (self->columns[COL_STATE], layout == LAYOUT_ALL);
  /* GTK 4.8 still counts the fixed width of a hidden column when it
   * shares out the room: the narrow layout would leave the right empty. */
  gtk_column_view_column_set_fixed_width (self->columns[COL_WHEN], layout == LAYOUT_ALL ? WHEN_WIDTH : 0);
  gtk_column_view_column_set_fixed_width (self->columns[COL_WHAT], layout == LAYOUT_ALL ? WHAT_WIDTH : 0);
  gtk_column_view_column_set_fixed_width (self->columns[COL_STATE], layout == LAYOUT_ALL ? STATE_WIDTH : 0);
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
  gtk_popover_present (GTK_POPOVER (self->context_menu));

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
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
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

  gtk_widget_class_install_action (widget_class, "errorlog.retry-selected", NULL, retry_selected_action);
  gtk_widget_class_install_action (widget_class, "errorlog.dismiss-selected", NULL, dismiss_selected_action);
  gtk_widget_class_install_action (widget_class, "errorlog.open-selected", NULL, open_selected_action);
  gtk_widget_class_install_action (widget_class, "errorlog.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "errorlog.clear-filters", NULL, clear_filters_action);
  gtk_widget_class_install_action (widget_class, "errorlog.context-menu", NULL, context_menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "errorlog.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "errorlog.context-menu", NULL);

  gtk_widget_class_set_css_name (widget_class, "errorlogpage");
}

static void
pb_error_log_page_init (PbErrorLogPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->box = gtk_widget_get_first_child (GTK_WIDGET (self));
  self->connection_ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  add_column (self, COL_WHEN, C_("column", "When"), WHEN_WIDTH, FALSE);
  add_column (self, COL_WHO, C_("column", "Who"), 150, FALSE);
  add_column (self, COL_WHAT, C_("column", "What"), WHAT_WIDTH, FALSE);
  /* Payroll's own words when payroll refused; Paybridge's when its sync
   * rules held the record back before sending: so not "Payroll Said". */
  add_column (self, COL_SAID, C_("column", "Reason"), -1, TRUE);
  add_column (self, COL_ADVICE, C_("column", "What to Do"), -1, TRUE);
  add_column (self, COL_STATE, C_("column", "State"), STATE_WIDTH, FALSE);
  self->layout = LAYOUT_ALL;
  setup_context_menu (self);

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

/**
 * pb_error_log_page_show_person:
 * @email: the person's email, as the Who column shows it
 *
 * The open entries of one connection's log about one person: what a
 * person's "Open Error Log" leads to.
 *
 * Returns: %FALSE if there is no such connection
 */
gboolean
pb_error_log_page_show_person (PbErrorLogPage *self,
                               gint64          connection_id,
                               const char     *email)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_PAGE (self), FALSE);

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), email != NULL ? email : "");
  return pb_error_log_page_show_connection (self, connection_id);
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

/**
 * pb_error_log_page_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, Retry and Dismiss (both write the register) are off: the
 * main loop would wait on the import's write lock (issue 14).
 */
void
pb_error_log_page_set_paused (PbErrorLogPage *self,
                              gboolean        paused)
{
  g_return_if_fail (PB_IS_ERROR_LOG_PAGE (self));

  self->paused = !!paused;
  update_selection (self);
}
