/* pb-people-page.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbPeoplePage"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-format.h"
#include "pb-people-model.h"
#include "pb-people-page.h"
#include "pb-person-detail.h"

/* The People view: the employees of the HR register in a sortable table,
 * narrowed by a search and by company, location and team, beside a detail
 * pane for the selected person. The two panes sit in an AdwLeaflet, so at
 * narrow widths the table fills the page and selecting a person moves to
 * their details (the window's back button comes back).
 *
 * The model chain is PbPeopleModel -> GtkSingleSelection: the model reads
 * the employees from the store a page at a time, with the search and the
 * drop-downs as its query's WHERE and the column view's sort as its ORDER
 * BY, so that a register of 10,000 people opens on one page's read. */

typedef enum
{
  FILTER_COMPANY,
  FILTER_LOCATION,
  FILTER_TEAM,
  N_FILTERS
} Filter;

typedef enum
{
  COLUMN_NAME,
  COLUMN_EMAIL,
  COLUMN_TEAM,
  COLUMN_LOCATION,
  COLUMN_COMPANY,
  COLUMN_STATUS,
  N_COLUMNS
} Column;

/* Which columns fit the table's width, widest first. libadwaita 1.2 has no
 * breakpoints, so the page measures the table itself (see size_allocate). */
typedef enum
{
  LAYOUT_ALL,            /* every column */
  LAYOUT_NO_LOCATION,    /* location only in the details */
  LAYOUT_NO_COMPANY,     /* nor company */
  LAYOUT_COMPACT,        /* the email under the name, then team (status in the details) */
} Layout;

typedef char *(*PersonTextFunc) (PbRecord     *person,
                                 PbPeoplePage *self);

/* How many new rows the table builds a frame (see follow_growth()). */
#define GROWTH_STEP 4

/* What a cell factory needs: the page (for key -> name maps) and how to
 * word the column's value. */
typedef struct
{
  PbPeoplePage   *self;
  PersonTextFunc  text;
  int             min_chars;    /* below this, the column view scrolls */
} ColumnInfo;

struct _PbPeoplePage
{
  GtkWidget            parent_instance;

  PbStore             *store;                     /* (owned) (nullable) */
  GSettings           *settings;                  /* (owned) (nullable) */

  PbPeopleModel       *people;                    /* (owned) what the query finds */
  GHashTable          *bound_cells;               /* (owned) GtkListItem -> ColumnInfo, the cells bound */
  guint                grow_tick;                 /* the table grows a step a frame */
  GtkSingleSelection  *selection;                 /* (owned) */
  int                  probe_column;              /* see get_sort() */

  GHashTable          *names[N_FILTERS];          /* (owned) key -> name */
  GPtrArray           *filter_keys[N_FILTERS];    /* (owned) drop-down index -> key; [0] NULL */
  char               **search_terms;              /* (owned) casefolded */
  gboolean             loading;                   /* drop-downs change without the user */
  char                *summary;                   /* (owned) (nullable) "3 of 40 people" */
  Layout               layout;                    /* which columns the table's width allows */
  guint                layout_idle;
  ColumnInfo           columns[N_COLUMNS];

  GtkStack            *main_stack;
  AdwLeaflet          *leaflet;
  GtkWidget           *list_pane;
  GtkSearchEntry      *search_entry;
  GtkDropDown         *company_dropdown;
  GtkDropDown         *location_dropdown;
  GtkDropDown         *team_dropdown;
  GtkStack            *list_stack;
  GtkColumnView       *column_view;
  GtkColumnViewColumn *name_column;
  GtkColumnViewColumn *email_column;
  GtkColumnViewColumn *team_column;
  GtkColumnViewColumn *location_column;
  GtkColumnViewColumn *company_column;
  GtkColumnViewColumn *status_column;
  gboolean             all_active;     /* the status column would say nothing */
  gboolean             reloading;      /* the table is being read again */
  gboolean             requerying;     /* the same person moves: the details stay */
  PbPersonDetail      *detail;
  GtkWidget           *detail_separator;
  gboolean             adding;                    /* the detail pane holds a new person */
};

G_DEFINE_FINAL_TYPE (PbPeoplePage, pb_people_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STORE,
  PROP_CAN_NAVIGATE_BACK,
  PROP_SUMMARY,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static const struct
{
  PbEntity    entity;
  guint       employee_field;
  const char *settings_key;
  const char *all_label;
} filter_defs[N_FILTERS] = {
  [FILTER_COMPANY]  = { PB_ENTITY_COMPANY, PB_EMPLOYEE_COMPANY, "people-company-filter", N_("All companies") },
  [FILTER_LOCATION] = { PB_ENTITY_LOCATION, PB_EMPLOYEE_LOCATION, "people-location-filter", N_("All locations") },
  [FILTER_TEAM]     = { PB_ENTITY_TEAM, PB_EMPLOYEE_TEAM, "people-team-filter", N_("All teams") },
};

static GtkDropDown *
get_dropdown (PbPeoplePage *self,
              Filter        filter)
{
  switch (filter)
    {
    case FILTER_COMPANY:
      return self->company_dropdown;
    case FILTER_LOCATION:
      return self->location_dropdown;
    case FILTER_TEAM:
      return self->team_dropdown;
    case N_FILTERS:
    default:
      g_assert_not_reached ();
    }
}

/* The key the drop-down of @filter selects, or %NULL for "All ...". */
static const char *
get_filter_key (PbPeoplePage *self,
                Filter        filter)
{
  guint selected = gtk_drop_down_get_selected (get_dropdown (self, filter));

  if (self->filter_keys[filter] == NULL || selected >= self->filter_keys[filter]->len)
    return NULL;

  return g_ptr_array_index (self->filter_keys[filter], selected);
}

static const char *
lookup_name (PbPeoplePage *self,
             Filter        filter,
             const char   *key)
{
  const char *name;

  if (key == NULL)
    return NULL;

  name = g_hash_table_lookup (self->names[filter], key);

  return name != NULL ? name : key;
}

static char *
get_display_name (PbRecord     *person,
                  PbPeoplePage *self)
{
  return pb_record_dup_display_name (person);
}

static char *
get_email (PbRecord     *person,
           PbPeoplePage *self)
{
  return g_strdup (pb_record_get (person, PB_EMPLOYEE_EMAIL));
}

static char *
get_team (PbRecord     *person,
          PbPeoplePage *self)
{
  return g_strdup (lookup_name (self, FILTER_TEAM, pb_record_get (person, PB_EMPLOYEE_TEAM)));
}

static char *
get_location (PbRecord     *person,
              PbPeoplePage *self)
{
  return g_strdup (lookup_name (self, FILTER_LOCATION, pb_record_get (person, PB_EMPLOYEE_LOCATION)));
}

static char *
get_company (PbRecord     *person,
             PbPeoplePage *self)
{
  return g_strdup (lookup_name (self, FILTER_COMPANY, pb_record_get (person, PB_EMPLOYEE_COMPANY)));
}

static char *
get_status (PbRecord     *person,
            PbPeoplePage *self)
{
  return g_strdup (pb_format_employee_status (pb_record_get (person, PB_EMPLOYEE_STATUS)));
}

/* The status cell says only what sets someone apart: "Active" is what
 * nearly everyone is, so it is left blank and the column stays narrow. */
static char *
get_status_cell (PbRecord     *person,
                 PbPeoplePage *self)
{
  if (g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_STATUS), "active") == 0)
    return NULL;
  return get_status (person, self);
}

static gboolean
is_deleted (PbRecord *person)
{
  return g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_STATUS), "deleted") == 0;
}

static void
set_dimmed (GtkWidget *widget,
            gboolean   dimmed)
{
  if (dimmed)
    gtk_widget_add_css_class (widget, "dim-label");
  else
    gtk_widget_remove_css_class (widget, "dim-label");
}

static GtkWidget *
new_cell_label (int min_chars)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), min_chars);

  return label;
}

static void
on_text_cell_setup_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *list_item,
                       ColumnInfo               *column)
{
  gtk_list_item_set_child (list_item, new_cell_label (column->min_chars));
}

static void
on_text_cell_bind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *list_item,
                      ColumnInfo               *column)
{
  PbRecord *person = gtk_list_item_get_item (list_item);
  GtkWidget *label = gtk_list_item_get_child (list_item);
  g_autofree char *text = column->text (person, column->self);

  gtk_label_set_label (GTK_LABEL (label), text != NULL ? text : "");
  set_dimmed (label, is_deleted (person));
  g_hash_table_insert (column->self->bound_cells, list_item, column);
}

/* A cell no longer shows its item (unbound, or torn down). */
static void
on_cell_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   ColumnInfo               *column)
{
  g_hash_table_remove (column->self->bound_cells, list_item);
}

/* The name cell: an avatar, the name and, when the page is narrow and the
 * email column hidden, the email under it. */
static void
on_name_cell_setup_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *list_item,
                       ColumnInfo               *column)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *avatar = adw_avatar_new (32, NULL, TRUE);
  GtkWidget *name = new_cell_label (column->min_chars);
  GtkWidget *email = new_cell_label (column->min_chars);

  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (email, "caption");
  gtk_widget_add_css_class (email, "dim-label");
  g_object_bind_property (column->self->email_column, "visible", email, "visible",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);

  gtk_box_append (GTK_BOX (labels), name);
  gtk_box_append (GTK_BOX (labels), email);
  gtk_box_append (GTK_BOX (box), avatar);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_list_item_set_child (list_item, box);
}

static void
on_name_cell_bind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *list_item,
                      ColumnInfo               *column)
{
  PbRecord *person = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *avatar = gtk_widget_get_first_child (box);
  GtkWidget *labels = gtk_widget_get_next_sibling (avatar);
  GtkWidget *name_label = gtk_widget_get_first_child (labels);
  GtkWidget *email_label = gtk_widget_get_next_sibling (name_label);
  g_autofree char *name = pb_record_dup_display_name (person);
  const char *email = pb_record_get (person, PB_EMPLOYEE_EMAIL);

  adw_avatar_set_text (ADW_AVATAR (avatar), name);
  gtk_label_set_label (GTK_LABEL (name_label), name);
  gtk_label_set_label (GTK_LABEL (email_label), email != NULL ? email : "");
  set_dimmed (name_label, is_deleted (person));
  gtk_widget_set_opacity (avatar, is_deleted (person) ? 0.55 : 1.0);
  g_hash_table_insert (column->self->bound_cells, list_item, column);
}

/* A reload gave items shown the values of the people now at their
 * positions: their cells are bound again, the rows GTK built kept
 * (building them anew stalled the main loop). */
static void
on_people_items_updated_cb (PbPeoplePage  *self,
                            guint          position,
                            guint          n_items,
                            PbPeopleModel *people)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer list_item, column;

  /* Binding puts the cell in the table again: the cells first, then bind. */
  g_hash_table_iter_init (&iter, self->bound_cells);
  while (g_hash_table_iter_next (&iter, &list_item, &column))
    {
      guint cell_position = gtk_list_item_get_position (list_item);

      if (cell_position >= position && cell_position - position < n_items)
        {
          g_ptr_array_add (cells, list_item);
          g_ptr_array_add (cells, column);
        }
    }

  for (guint i = 0; i < cells->len; i += 2)
    {
      GtkListItem *cell = g_ptr_array_index (cells, i);
      ColumnInfo *info = g_ptr_array_index (cells, i + 1);

      if (gtk_list_item_get_item (cell) == NULL)
        continue;
      if (info == &self->columns[COLUMN_NAME])
        on_name_cell_bind_cb (NULL, cell, info);
      else
        on_text_cell_bind_cb (NULL, cell, info);
    }
}

/* How each column sorts, in the store's terms. */
static const PbPeopleSort column_sorts[N_COLUMNS] = {
  [COLUMN_NAME] = PB_PEOPLE_SORT_REGISTER,   /* by family name, as the register lists people */
  [COLUMN_EMAIL] = PB_PEOPLE_SORT_EMAIL,
  [COLUMN_TEAM] = PB_PEOPLE_SORT_TEAM,
  [COLUMN_LOCATION] = PB_PEOPLE_SORT_LOCATION,
  [COLUMN_COMPANY] = PB_PEOPLE_SORT_COMPANY,
  [COLUMN_STATUS] = PB_PEOPLE_SORT_STATUS,
};

/* The columns' sorters never sort anything: the store does. Each says
 * which column it is when get_sort() compares through the column view's
 * sorter (GTK 4.8 has no getter for its primary column and order). */
static int
column_probe_cb (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  ColumnInfo *column = user_data;
  PbPeoplePage *self = column->self;

  if (self->probe_column < 0)
    self->probe_column = column - self->columns;

  return GTK_ORDERING_SMALLER;
}

/* The column the table is sorted by and its direction, as the column
 * view's sorter would apply them. */
static void
get_sort (PbPeoplePage *self,
          PbPeopleSort *sort,
          gboolean     *descending)
{
  GtkSorter *sorter = gtk_column_view_get_sorter (self->column_view);
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering order;

  self->probe_column = -1;
  order = sorter != NULL ? gtk_sorter_compare (sorter, a, b) : GTK_ORDERING_EQUAL;
  if (self->probe_column < 0 || order == GTK_ORDERING_EQUAL)
    {
      *sort = PB_PEOPLE_SORT_REGISTER;
      *descending = FALSE;
      return;
    }

  *sort = column_sorts[self->probe_column];
  *descending = order == GTK_ORDERING_LARGER;
}

static void
setup_column (PbPeoplePage        *self,
              GtkColumnViewColumn *view_column,
              Column               column,
              int                  min_chars,
              PersonTextFunc       text)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkSorter) sorter = NULL;

  self->columns[column].self = self;
  self->columns[column].text = text;
  self->columns[column].min_chars = min_chars;

  if (column == COLUMN_NAME)
    {
      g_signal_connect (factory, "setup", G_CALLBACK (on_name_cell_setup_cb), &self->columns[column]);
      g_signal_connect (factory, "bind", G_CALLBACK (on_name_cell_bind_cb), &self->columns[column]);
    }
  else
    {
      g_signal_connect (factory, "setup", G_CALLBACK (on_text_cell_setup_cb), &self->columns[column]);
      g_signal_connect (factory, "bind", G_CALLBACK (on_text_cell_bind_cb), &self->columns[column]);
    }
  g_signal_connect (factory, "unbind", G_CALLBACK (on_cell_unbind_cb), &self->columns[column]);
  g_signal_connect (factory, "teardown", G_CALLBACK (on_cell_unbind_cb), &self->columns[column]);
  gtk_column_view_column_set_factory (view_column, factory);

  sorter = GTK_SORTER (gtk_custom_sorter_new (column_probe_cb, &self->columns[column], NULL));
  gtk_column_view_column_set_sorter (view_column, sorter);
}

/* Drop-downs word their selected item with an ellipsis so that three fit
 * side by side in a narrow window; the popover lists names in full. */
static void
on_dropdown_item_setup_cb (GtkSignalListItemFactory *factory,
                           GtkListItem              *list_item,
                           gpointer                  ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (ellipsize != NULL)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (list_item, label);
}

static void
on_dropdown_item_bind_cb (GtkSignalListItemFactory *factory,
                          GtkListItem              *list_item,
                          gpointer                  ellipsize)
{
  GtkStringObject *item = gtk_list_item_get_item (list_item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)),
                       gtk_string_object_get_string (item));
}

static GtkListItemFactory *
new_dropdown_factory (gboolean ellipsize)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (on_dropdown_item_setup_cb), GINT_TO_POINTER (ellipsize));
  g_signal_connect (factory, "bind", G_CALLBACK (on_dropdown_item_bind_cb), GINT_TO_POINTER (ellipsize));

  return factory;
}

static guint
find_key (GPtrArray  *keys,
          const char *key)
{
  if (key == NULL || *key == '\0')
    return 0;

  for (guint i = 1; i < keys->len; i++)
    if (g_strcmp0 (g_ptr_array_index (keys, i), key) == 0)
      return i;

  return 0;
}

/* Rebuilds the drop-down of @filter from the register and selects @want
 * again if it is still there. */
static void
load_filter (PbPeoplePage *self,
             Filter        filter,
             const char   *want)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  GtkDropDown *dropdown = get_dropdown (self, filter);

  g_hash_table_remove_all (self->names[filter]);
  g_clear_pointer (&self->filter_keys[filter], g_ptr_array_unref);
  self->filter_keys[filter] = g_ptr_array_new_with_free_func (g_free);

  gtk_string_list_append (model, _(filter_defs[filter].all_label));
  g_ptr_array_add (self->filter_keys[filter], NULL);

  records = self->store != NULL ? pb_store_list (self->store, filter_defs[filter].entity, 0, &error) : NULL;
  if (error != NULL)
    g_warning ("Could not list the %s: %s", pb_entity_get_def (filter_defs[filter].entity)->plural,
               error->message);

  /* The store lists them by name. */
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      PbRecord *record = g_ptr_array_index (records, i);
      /* Companies, locations and teams all have the key first, the name second. */
      const char *key = pb_record_get (record, 0);
      g_autofree char *name = pb_record_dup_display_name (record);

      gtk_string_list_append (model, name);
      g_ptr_array_add (self->filter_keys[filter], g_strdup (key));
      g_hash_table_insert (self->names[filter], g_strdup (key), g_steal_pointer (&name));
    }

  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (dropdown, find_key (self->filter_keys[filter], want));
}

static char *
dup_summary (guint n_shown,
             guint n_all)
{
  if (n_all == 0)
    return NULL;

  if (n_shown == n_all)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u person", "%u people", n_all), n_all);

  /* Translators: how many people the search and filters leave, of all */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u person", "%u of %u people", n_all),
                          n_shown, n_all);
}

static gboolean
grow_tick_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  PbPeoplePage *self = user_data;

  if (pb_people_model_grow (self->people))
    return G_SOURCE_CONTINUE;

  self->grow_tick = 0;
  return G_SOURCE_REMOVE;
}

/* The new people past the rows the table had come a few a frame: GTK 4.8
 * builds a row for each (up to ~200) as it is told of them, and 200 at
 * once stalled the main loop for 100 ms and more. A table not shown yet
 * (the window opening) gets them all at once, as the window's first frame
 * shows them. */
static void
follow_growth (PbPeoplePage *self)
{
  if (self->grow_tick != 0 ||
      pb_people_model_get_n_found (self->people) == g_list_model_get_n_items (G_LIST_MODEL (self->people)))
    return;

  if (!gtk_widget_get_realized (GTK_WIDGET (self->column_view)))
    {
      pb_people_model_finish_growth (self->people);
      return;
    }

  self->grow_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->column_view), grow_tick_cb, self, NULL);
}

static void
update_stacks (PbPeoplePage *self)
{
  guint n_all = pb_people_model_get_n_all (self->people);
  guint n_shown = pb_people_model_get_n_found (self->people);
  g_autofree char *summary = dup_summary (n_shown, n_all);

  gtk_stack_set_visible_child_name (self->main_stack, n_all > 0 ? "people" : "empty");
  gtk_stack_set_visible_child_name (self->list_stack, n_shown > 0 ? "list" : "no-results");
  follow_growth (self);

  if (g_strcmp0 (summary, self->summary) != 0)
    {
      g_free (self->summary);
      self->summary = g_steal_pointer (&summary);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SUMMARY]);
    }
}

static void
fill_query (PbPeoplePage  *self,
            PbPeopleQuery *query)
{
  *query = (PbPeopleQuery) PB_PEOPLE_QUERY_INIT;
  query->search = (const char * const *) self->search_terms;
  query->company = get_filter_key (self, FILTER_COMPANY);
  query->location = get_filter_key (self, FILTER_LOCATION);
  query->team = get_filter_key (self, FILTER_TEAM);
  get_sort (self, &query->sort, &query->descending);
}

static void on_selected_item_changed_cb (PbPeoplePage       *self,
                                         GParamSpec         *pspec,
                                         GtkSingleSelection *selection);

/* The search, a drop-down or the sort changed: the model reads again. The
 * selected person stays selected, details untouched, if still found. */
static void
refilter (PbPeoplePage *self)
{
  PbRecord *selected = gtk_single_selection_get_selected_item (self->selection);
  gint64 selected_id = selected != NULL ? pb_record_get_id (selected) : 0;
  PbPeopleQuery query;
  guint position;

  fill_query (self, &query);
  self->requerying = TRUE;
  pb_people_model_set_query (self->people, &query);
  position = pb_people_model_find (self->people, selected_id);
  gtk_single_selection_set_selected (self->selection, position);
  self->requerying = FALSE;
  if (selected_id != 0 && position == GTK_INVALID_LIST_POSITION)
    on_selected_item_changed_cb (self, NULL, self->selection);   /* filtered out */

  update_stacks (self);
}

static void
save_filters (PbPeoplePage *self)
{
  if (self->settings == NULL)
    return;

  for (guint i = 0; i < N_FILTERS; i++)
    {
      const char *key = get_filter_key (self, i);

      g_settings_set_string (self->settings, filter_defs[i].settings_key, key != NULL ? key : "");
    }
}

static void
select_person_id (PbPeoplePage *self,
                  gint64        id)
{
  gtk_single_selection_set_selected (self->selection, pb_people_model_find (self->people, id));
}

static gboolean
can_navigate_back (PbPeoplePage *self)
{
  return adw_leaflet_get_folded (self->leaflet) &&
         adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->detail) &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "people") == 0;
}

/* Back at the table of a folded page, the selection is dropped so that
 * tapping the same person again shows them again. Waits for the sliding
 * transition to end so the details do not blank out while still visible. */
static void
maybe_unselect (PbPeoplePage *self)
{
  if (adw_leaflet_get_folded (self->leaflet) &&
      adw_leaflet_get_visible_child (self->leaflet) == self->list_pane &&
      !adw_leaflet_get_child_transition_running (self->leaflet))
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

/* A wide page shows the details beside the table only while someone is
 * selected: no empty pane taking a third of the window. Folded, the
 * details are a page of their own, shown when someone is chosen. */
#define FOLD_WIDTH (2 * 340 + 1)   /* the table's and the details' width-request */

static gboolean
wants_detail (PbPeoplePage *self)
{
  return gtk_single_selection_get_selected_item (self->selection) != NULL || self->adding ||
         gtk_widget_get_width (GTK_WIDGET (self)) < FOLD_WIDTH;
}

static void
update_detail_visible (PbPeoplePage *self)
{
  gboolean visible = wants_detail (self);

  gtk_widget_set_visible (GTK_WIDGET (self->detail), visible);
  gtk_widget_set_visible (self->detail_separator, visible);
}

/* A status that says the same of everyone says nothing: the column shows
 * only when someone is not active, and gives its width to the others. */
static void
update_status_column (PbPeoplePage *self)
{
  gboolean all_active = pb_people_model_get_all_active (self->people);

  self->all_active = all_active;
  /* Narrow, the name and email need the room more: the status is in the
   * details. */
  gtk_column_view_column_set_visible (self->status_column, !all_active && self->layout != LAYOUT_COMPACT);
}

static void
on_selected_item_changed_cb (PbPeoplePage       *self,
                             GParamSpec         *pspec,
                             GtkSingleSelection *selection)
{
  PbRecord *person = gtk_single_selection_get_selected_item (selection);

  if (self->requerying)
    return;

  pb_person_detail_set_person (self->detail, self->store, person);
  if (person != NULL)
    self->adding = FALSE;
  update_detail_visible (self);

  if (person != NULL)
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->detail));
  else if (adw_leaflet_get_folded (self->leaflet) && !self->reloading)
    adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
on_sorter_changed_cb (PbPeoplePage     *self,
                      GtkSorterChange   change,
                      GtkSorter        *sorter)
{
  refilter (self);
}

static void
on_leaflet_folded_cb (PbPeoplePage *self,
                      GParamSpec   *pspec,
                      AdwLeaflet   *leaflet)
{
  gboolean folded = adw_leaflet_get_folded (leaflet);

  if (folded && gtk_single_selection_get_selected_item (self->selection) == NULL)
    adw_leaflet_set_visible_child (leaflet, self->list_pane);

  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_CAN_NAVIGATE_BACK]);
}

static void
on_leaflet_visible_child_cb (PbPeoplePage *self,
                             GParamSpec   *pspec,
                             AdwLeaflet   *leaflet)
{
  maybe_unselect (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_CAN_NAVIGATE_BACK]);
}

static void
on_leaflet_transition_running_cb (PbPeoplePage *self,
                                  GParamSpec   *pspec,
                                  AdwLeaflet   *leaflet)
{
  maybe_unselect (self);
}

static void
on_search_changed_cb (PbPeoplePage   *self,
                      GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  g_autofree char *folded = g_utf8_casefold (normalized != NULL ? normalized : text, -1);
  g_auto(GStrv) words = g_strsplit_set (folded, " \t\n", -1);
  g_autoptr(GStrvBuilder) terms = g_strv_builder_new ();
  gboolean any = FALSE;

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      {
        g_strv_builder_add (terms, words[i]);
        any = TRUE;
      }

  g_clear_pointer (&self->search_terms, g_strfreev);
  if (any)
    self->search_terms = g_strv_builder_end (terms);

  refilter (self);
}

static void
on_search_stop_cb (PbPeoplePage   *self,
                   GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_filter_selected_cb (PbPeoplePage *self,
                       GParamSpec   *pspec,
                       GtkDropDown  *dropdown)
{
  if (self->loading)
    return;

  save_filters (self);
  refilter (self);
}

static void
on_clear_filters_clicked_cb (PbPeoplePage *self,
                             GtkButton    *button)
{
  self->loading = TRUE;
  for (guint i = 0; i < N_FILTERS; i++)
    gtk_drop_down_set_selected (get_dropdown (self, i), 0);
  self->loading = FALSE;

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  save_filters (self);
  refilter (self);
}

static void
on_column_view_activate_cb (PbPeoplePage  *self,
                            guint          position,
                            GtkColumnView *view)
{
  gtk_single_selection_set_selected (self->selection, position);
  if (gtk_single_selection_get_selected_item (self->selection) != NULL)
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->detail));
}

/* Add person: an empty person in the detail pane; once saved, the table
 * has them, selected. */
static void
add_person_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PbPeoplePage *self = PB_PEOPLE_PAGE (widget);

  if (self->store == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->adding = TRUE;
  update_detail_visible (self);
  pb_person_detail_add_person (self->detail, self->store);
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->detail));
}

static void
on_person_saved_cb (PbPeoplePage   *self,
                    gint64          employee_id,
                    PbPersonDetail *detail)
{
  pb_people_page_reload (self);
  select_person_id (self, employee_id);
}

static Layout
layout_for_width (int width)
{
  if (width >= 720)
    return LAYOUT_ALL;
  if (width >= 600)
    return LAYOUT_NO_LOCATION;
  if (width >= 440)
    return LAYOUT_NO_COMPANY;
  return LAYOUT_COMPACT;
}

static void
apply_layout (PbPeoplePage *self,
              Layout        layout)
{
  self->layout = layout;
  gtk_column_view_column_set_visible (self->location_column, layout == LAYOUT_ALL);
  gtk_column_view_column_set_visible (self->company_column, layout <= LAYOUT_NO_LOCATION);
  gtk_column_view_column_set_visible (self->email_column, layout <= LAYOUT_NO_COMPANY);
  gtk_column_view_column_set_visible (self->status_column, !self->all_active && layout != LAYOUT_COMPACT);
}

static gboolean
apply_layout_idle (gpointer data)
{
  PbPeoplePage *self = data;

  self->layout_idle = 0;
  apply_layout (self, layout_for_width (gtk_widget_get_width (self->list_pane)));
  update_detail_visible (self);

  return G_SOURCE_REMOVE;
}

static GtkSizeRequestMode
pb_people_page_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (GTK_WIDGET (PB_PEOPLE_PAGE (widget)->main_stack));
}

static void
pb_people_page_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  PbPeoplePage *self = PB_PEOPLE_PAGE (widget);

  gtk_widget_measure (GTK_WIDGET (self->main_stack), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
pb_people_page_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  PbPeoplePage *self = PB_PEOPLE_PAGE (widget);

  gtk_widget_allocate (GTK_WIDGET (self->main_stack), width, height, baseline, NULL);

  /* Showing or hiding columns now would resize the table in the middle of
   * this allocation: do it right after. The table's width does not depend
   * on its columns (it scrolls), so this settles at once. */
  if (gtk_widget_get_mapped (self->list_pane) &&
      (layout_for_width (gtk_widget_get_width (self->list_pane)) != self->layout ||
       wants_detail (self) != gtk_widget_get_visible (GTK_WIDGET (self->detail))) &&
      self->layout_idle == 0)
    self->layout_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, apply_layout_idle, self, NULL);
}

static void
pb_people_page_dispose (GObject *object)
{
  PbPeoplePage *self = (PbPeoplePage *)object;

  g_clear_handle_id (&self->layout_idle, g_source_remove);
  if (self->grow_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->column_view), self->grow_tick);
  self->grow_tick = 0;

  /* The sorters, the filter and the cell factories call back into @self,
   * and the column view's sorter changes as its columns go: take the
   * models down before the widgets. */
  if (self->column_view != NULL)
    {
      g_signal_handlers_disconnect_by_data (gtk_column_view_get_sorter (self->column_view), self);
      gtk_column_view_set_model (self->column_view, NULL);
    }
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);

  g_clear_object (&self->selection);
  g_clear_object (&self->people);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_PEOPLE_PAGE);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_people_page_parent_class)->dispose (object);
}

static void
pb_people_page_finalize (GObject *object)
{
  PbPeoplePage *self = (PbPeoplePage *)object;

  for (guint i = 0; i < N_FILTERS; i++)
    {
      g_clear_pointer (&self->names[i], g_hash_table_unref);
      g_clear_pointer (&self->filter_keys[i], g_ptr_array_unref);
    }
  g_clear_pointer (&self->search_terms, g_strfreev);
  g_clear_pointer (&self->summary, g_free);
  g_clear_pointer (&self->bound_cells, g_hash_table_unref);

  G_OBJECT_CLASS (pb_people_page_parent_class)->finalize (object);
}

static void
pb_people_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PbPeoplePage *self = PB_PEOPLE_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_CAN_NAVIGATE_BACK:
      g_value_set_boolean (value, pb_people_page_get_can_navigate_back (self));
      break;

    case PROP_SUMMARY:
      g_value_set_string (value, self->summary);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_people_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PbPeoplePage *self = PB_PEOPLE_PAGE (object);

  switch (prop_id)
    {
    case PROP_STORE:
      pb_people_page_set_store (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_people_page_class_init (PbPeoplePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_people_page_dispose;
  object_class->finalize = pb_people_page_finalize;
  object_class->get_property = pb_people_page_get_property;
  object_class->set_property = pb_people_page_set_property;

  widget_class->get_request_mode = pb_people_page_get_request_mode;
  widget_class->measure = pb_people_page_measure;
  widget_class->size_allocate = pb_people_page_size_allocate;

  properties [PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL,
                         PB_TYPE_STORE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Whether the page shows a person's details in place of the table, so
   * that the window's back button should return to the table. */
  properties [PROP_CAN_NAVIGATE_BACK] =
    g_param_spec_boolean ("can-navigate-back", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* How many people are listed, for the window's subtitle. */
  properties [PROP_SUMMARY] =
    g_param_spec_string ("summary", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PB_TYPE_PERSON_DETAIL);

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-people-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, list_pane);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, company_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, location_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, team_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, column_view);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, name_column);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, email_column);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, team_column);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, location_column);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, company_column);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, status_column);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, detail);
  gtk_widget_class_bind_template_child (widget_class, PbPeoplePage, detail_separator);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_folded_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_visible_child_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_clear_filters_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_column_view_activate_cb);

  gtk_widget_class_install_action (widget_class, "people.add-person", NULL, add_person_action);
}

static void
pb_people_page_init (PbPeoplePage *self)
{
  g_autoptr(GtkListItemFactory) button_factory = new_dropdown_factory (TRUE);
  g_autoptr(GtkListItemFactory) list_factory = new_dropdown_factory (FALSE);

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The layout follows the table's width once it is mapped; an allocation
   * made before (the window sized while another view was shown) would
   * leave every column on a narrow window. */
  g_signal_connect_object (self->list_pane, "map", G_CALLBACK (gtk_widget_queue_allocate), self,
                           G_CONNECT_SWAPPED);

  for (guint i = 0; i < N_FILTERS; i++)
    {
      GtkDropDown *dropdown = get_dropdown (self, i);

      self->names[i] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      gtk_drop_down_set_factory (dropdown, button_factory);
      gtk_drop_down_set_list_factory (dropdown, list_factory);
    }

  /* Names get the room they need first; the rest ellipsize. */
  setup_column (self, self->name_column, COLUMN_NAME, 15, get_display_name);
  setup_column (self, self->email_column, COLUMN_EMAIL, 12, get_email);
  setup_column (self, self->team_column, COLUMN_TEAM, 10, get_team);
  setup_column (self, self->location_column, COLUMN_LOCATION, 6, get_location);
  setup_column (self, self->company_column, COLUMN_COMPANY, 6, get_company);
  setup_column (self, self->status_column, COLUMN_STATUS, 4, get_status_cell);

  self->bound_cells = g_hash_table_new (NULL, NULL);
  self->people = pb_people_model_new (NULL);
  pb_people_model_set_growth_step (self->people, GROWTH_STEP);
  g_signal_connect_object (self->people, "items-updated",
                           G_CALLBACK (on_people_items_updated_cb), self, G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->people)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_column_view_get_sorter (self->column_view), "changed",
                           G_CALLBACK (on_sorter_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->leaflet, "notify::child-transition-running",
                           G_CALLBACK (on_leaflet_transition_running_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->detail, "person-saved", G_CALLBACK (on_person_saved_cb), self, G_CONNECT_SWAPPED);

  /* Typing anywhere in the page searches. */
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));

  apply_layout (self, LAYOUT_ALL);
  on_leaflet_folded_cb (self, NULL, self->leaflet);
  update_stacks (self);
}

GtkWidget *
pb_people_page_new (void)
{
  return g_object_new (PB_TYPE_PEOPLE_PAGE, NULL);
}

/**
 * pb_people_page_get_store:
 *
 * Returns: (transfer none) (nullable): the register the page shows
 */
PbStore *
pb_people_page_get_store (PbPeoplePage *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_PAGE (self), NULL);

  return self->store;
}

/**
 * pb_people_page_set_store:
 * @store: (nullable): the HR register to show
 *
 * Shows @store's employees (and reloads).
 */
void
pb_people_page_set_store (PbPeoplePage *self,
                          PbStore      *store)
{
  g_return_if_fail (PB_IS_PEOPLE_PAGE (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));

  if (g_set_object (&self->store, store))
    {
      pb_people_page_reload (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STORE]);
    }
}

/**
 * pb_people_page_set_settings:
 * @settings: (nullable): settings of the `io.github.paybridge.Paybridge`
 *   schema, where the drop-downs' choices are kept
 *
 * Restores the company, location and team filters from @settings, and
 * saves them there from now on.
 */
void
pb_people_page_set_settings (PbPeoplePage *self,
                             GSettings    *settings)
{
  g_return_if_fail (PB_IS_PEOPLE_PAGE (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (!g_set_object (&self->settings, settings) || settings == NULL)
    return;

  self->loading = TRUE;
  for (guint i = 0; i < N_FILTERS; i++)
    {
      g_autofree char *key = g_settings_get_string (settings, filter_defs[i].settings_key);

      gtk_drop_down_set_selected (get_dropdown (self, i), find_key (self->filter_keys[i], key));
    }
  self->loading = FALSE;

  refilter (self);
}

/**
 * pb_people_page_reload:
 *
 * Reads the employees, companies, locations and teams from the store
 * again, keeping the search, the filters and the selected person when they
 * still apply. Call it after anything changed the register.
 */
void
pb_people_page_reload (PbPeoplePage *self)
{
  PbPeopleQuery query;
  PbRecord *selected;
  gint64 selected_id;

  g_return_if_fail (PB_IS_PEOPLE_PAGE (self));

  selected = gtk_single_selection_get_selected_item (self->selection);
  selected_id = selected != NULL ? pb_record_get_id (selected) : 0;

  self->loading = TRUE;
  for (guint i = 0; i < N_FILTERS; i++)
    {
      g_autofree char *want = NULL;

      if (self->settings != NULL)
        want = g_settings_get_string (self->settings, filter_defs[i].settings_key);
      else
        want = g_strdup (get_filter_key (self, i));

      load_filter (self, i, want);
    }
  self->loading = FALSE;

  /* The selection is dropped for a moment: a folded page must not slide
   * back to the table (and lose the person) on the way. */
  self->reloading = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  fill_query (self, &query);
  pb_people_model_reload_with (self->people, self->store, &query);

  /* The same person selected again: the details show what the register
   * holds now (the model's items are positions, updated in place: the
   * one at the person's old position may be someone else now). */
  select_person_id (self, selected_id);
  self->reloading = FALSE;
  if (selected_id != 0 && gtk_single_selection_get_selected_item (self->selection) == NULL &&
      adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_pane);   /* gone, or filtered out */
  update_status_column (self);
  update_stacks (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_CAN_NAVIGATE_BACK]);
}

/**
 * pb_people_page_get_summary:
 *
 * Returns: (nullable): "40 people", or "3 of 40 people" when a search or
 *   filter hides some; %NULL when the register is empty
 */
const char *
pb_people_page_get_summary (PbPeoplePage *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_PAGE (self), NULL);

  return self->summary;
}

/**
 * pb_people_page_get_can_navigate_back:
 *
 * Returns: whether the page, folded, shows a person in place of the table
 */
gboolean
pb_people_page_get_can_navigate_back (PbPeoplePage *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_PAGE (self), FALSE);

  return can_navigate_back (self);
}

/**
 * pb_people_page_navigate_back:
 *
 * Returns from a person's details to the table when the page is folded.
 */
void
pb_people_page_navigate_back (PbPeoplePage *self)
{
  g_return_if_fail (PB_IS_PEOPLE_PAGE (self));

  if (can_navigate_back (self))
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

void
pb_people_page_focus_search (PbPeoplePage *self)
{
  g_return_if_fail (PB_IS_PEOPLE_PAGE (self));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "people") != 0)
    return;

  if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/**
 * pb_people_page_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, Add Person and the person pane's writes are off (issue
 * 14: nothing on the main loop waits on the import's write lock).
 */
void
pb_people_page_set_paused (PbPeoplePage *self,
                           gboolean      paused)
{
  g_return_if_fail (PB_IS_PEOPLE_PAGE (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "people.add-person", !paused);
  pb_person_detail_set_paused (self->detail, paused);
}

/**
 * pb_people_page_show_person:
 * @employee_id: an employee of the register
 *
 * Selects the employee and shows their details, scrolled to their
 * absences; a search or filter that hides them is cleared first, and the
 * register is read again when the table does not have them yet (an import
 * since). The Error Log's Who and a rejected absence's notification open a
 * person so.
 *
 * Returns: whether the register has the employee
 */
gboolean
pb_people_page_show_person (PbPeoplePage *self,
                            gint64        employee_id)
{
  g_return_val_if_fail (PB_IS_PEOPLE_PAGE (self), FALSE);

  select_person_id (self, employee_id);
  if (gtk_single_selection_get_selected_item (self->selection) == NULL)
    {
      on_clear_filters_clicked_cb (self, NULL);
      /* The entry tells its change only after a delay. */
      g_clear_pointer (&self->search_terms, g_strfreev);
      refilter (self);
      select_person_id (self, employee_id);
    }
  if (gtk_single_selection_get_selected_item (self->selection) == NULL)
    {
      pb_people_page_reload (self);
      select_person_id (self, employee_id);
    }
  if (gtk_single_selection_get_selected_item (self->selection) == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "people") != 0)
    return FALSE;

  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->detail));
  pb_person_detail_show_absences (self->detail);
  return TRUE;
}
