/* test-people-view.c: the People view over an imported register
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pb-application.h"
#include "pb-connection.h"
#include "pb-import.h"
#include "pb-mapping.h"
#include "pb-outbox.h"
#include "pb-people-model.h"
#include "pb-people-page.h"
#include "pb-field-editor.h"
#include "pb-person-detail-private.h"
#include "pb-store.h"
#include "pb-test-utils.h"
#include "pb-user-plan.h"
#include "pb-window.h"

/* Three people in two teams. The store lists them by family name:
 * Hopper, Lovelace, Turing. */
static const char people_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"locations\": [ { \"key\": \"oslo\", \"name\": \"Oslo\", \"company\": \"acme\" } ],"
  "  \"teams\": [ { \"key\": \"eng\", \"name\": \"Engineering\" },"
  "               { \"key\": \"sales\", \"name\": \"Sales\" } ],"
  "  \"absence_types\": [ { \"key\": \"vacation\", \"name\": \"Vacation\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Ada\", \"family_name\": \"Lovelace\", \"email\": \"ada@acme.no\","
  "      \"employee_number\": \"1001\", \"team\": \"eng\", \"company\": \"acme\", \"location\": \"oslo\","
  "      \"phone\": \"+47 400 00 001\", \"first_workday\": \"2023-03-01\","
  "      \"positions\": [ { \"start_date\": \"2023-03-01\", \"end_date\": \"2023-12-31\", \"title\": \"Engineer\" },"
  "                       { \"start_date\": \"2024-01-01\", \"title\": \"Lead Engineer\", \"percentage\": \"80\" } ],"
  "      \"absences\": [ { \"type\": \"vacation\", \"start_date\": \"2024-07-01\", \"end_date\": \"2024-07-19\","
  "                        \"state\": \"approved\" } ],"
  "      \"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"650000\", \"currency\": \"NOK\","
  "                        \"period_unit\": \"yearly\" } ] },"
  "    { \"given_name\": \"Grace\", \"family_name\": \"Hopper\", \"email\": \"grace@acme.no\","
  "      \"employee_number\": \"1002\", \"team\": \"eng\", \"company\": \"acme\","
  "      \"manager_email\": \"ada@acme.no\" },"
  "    { \"given_name\": \"Alan\", \"family_name\": \"Turing\", \"email\": \"alan@acme.no\","
  "      \"employee_number\": \"1003\", \"team\": \"sales\", \"status\": \"deactivated\" }"
  "  ] }";

static const char more_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"employees\": ["
  "    { \"given_name\": \"Edsger\", \"family_name\": \"Dijkstra\", \"email\": \"edsger@acme.no\","
  "      \"team\": \"sales\" }"
  "  ] }";

static gboolean have_display;

typedef struct
{
  char         *dir;
  PbStore      *store;
  GtkWindow    *window;
  PbPeoplePage *page;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static GObject *
page_child (Fixture    *fixture,
            const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (fixture->page), PB_TYPE_PEOPLE_PAGE, name);

  g_assert_nonnull (child);
  return child;
}

static GListModel *
shown_people (Fixture *fixture)
{
  return G_LIST_MODEL (gtk_column_view_get_model (GTK_COLUMN_VIEW (page_child (fixture, "column_view"))));
}

static char *
shown_name (Fixture *fixture,
            guint    position)
{
  g_autoptr(PbRecord) person = g_list_model_get_item (shown_people (fixture), position);

  g_assert_nonnull (person);
  return pb_record_dup_display_name (person);
}

typedef struct
{
  Fixture *fixture;
  guint    n_items;
} CountWait;

static gboolean
has_n_items (gpointer data)
{
  CountWait *wait = data;

  return g_list_model_get_n_items (shown_people (wait->fixture)) == wait->n_items;
}

static void
assert_shown_names (Fixture    *fixture,
                    const char *first,
                    ...)
{
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  CountWait wait = { fixture, 0 };
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    g_ptr_array_add (expected, (gpointer) name);
  va_end (args);

  /* The search entry reports changes after a short delay. */
  wait.n_items = expected->len;
  if (!pb_test_iterate_until (has_n_items, &wait, 10))
    g_assert_cmpuint (g_list_model_get_n_items (shown_people (fixture)), ==, expected->len);

  for (guint i = 0; i < expected->len; i++)
    {
      g_autofree char *name = shown_name (fixture, i);

      g_assert_cmpstr (name, ==, g_ptr_array_index (expected, i));
    }
}

static void
import_json (PbStore    *store,
             const char *dir,
             const char *name,
             const char *json)
{
  g_autofree char *path = pb_test_write_file (dir, name, json);
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pb_import_file (store, path, PB_IMPORT_FLAGS_NONE, &result, &error);
  g_assert_no_error (error);
}

enum
{
  FIXTURE_EMPTY  = 1 << 0,   /* no import */
  FIXTURE_NARROW = 1 << 1,   /* a phone-sized window: the page folds */
};

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  int flags = GPOINTER_TO_INT (data);
  gboolean empty = (flags & FIXTURE_EMPTY) != 0;
  g_autoptr(GError) error = NULL;

  if (!have_display)
    return;

  fixture->dir = pb_test_make_dir ("people-view");
  fixture->store = pb_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  if (!empty)
    import_json (fixture->store, fixture->dir, "people.json", people_json);

  fixture->page = PB_PEOPLE_PAGE (pb_people_page_new ());
  pb_people_page_set_store (fixture->page, fixture->store);

  /* Wide enough for the table and the details side by side, or not. */
  fixture->window = GTK_WINDOW (gtk_window_new ());
  if (flags & FIXTURE_NARROW)
    gtk_window_set_default_size (fixture->window, 360, 640);
  else
    gtk_window_set_default_size (fixture->window, 1100, 700);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->page));
  gtk_window_present (fixture->window);
  g_assert_true (pb_test_iterate_until (is_mapped, fixture->page, 10));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (fixture->window);
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->dir, g_free);

  /* Let GTK finish disposing the window. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_lists_imported_people (Fixture       *fixture,
                            gconstpointer  data)
{
  GtkDropDown *teams;
  GListModel *team_names;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_child (fixture, "main_stack"))),
                   ==, "people");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_child (fixture, "list_stack"))),
                   ==, "list");

  /* The team filter offers the teams by name, after "All teams". */
  teams = GTK_DROP_DOWN (page_child (fixture, "team_dropdown"));
  team_names = gtk_drop_down_get_model (teams);
  g_assert_cmpuint (g_list_model_get_n_items (team_names), ==, 3);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (team_names), 1), ==, "Engineering");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (team_names), 2), ==, "Sales");
}

static void
test_sorts_by_column (Fixture       *fixture,
                      gconstpointer  data)
{
  GtkColumnView *view;
  GtkColumnViewColumn *email_column;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  view = GTK_COLUMN_VIEW (page_child (fixture, "column_view"));
  email_column = GTK_COLUMN_VIEW_COLUMN (page_child (fixture, "email_column"));

  gtk_column_view_sort_by_column (view, email_column, GTK_SORT_ASCENDING);
  assert_shown_names (fixture, "Ada Lovelace", "Alan Turing", "Grace Hopper", NULL);

  gtk_column_view_sort_by_column (view, email_column, GTK_SORT_DESCENDING);
  assert_shown_names (fixture, "Grace Hopper", "Alan Turing", "Ada Lovelace", NULL);
}

static void
test_search_filters (Fixture       *fixture,
                     gconstpointer  data)
{
  GtkEditable *search;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  search = GTK_EDITABLE (page_child (fixture, "search_entry"));

  /* By name, case-insensitively */
  gtk_editable_set_text (search, "LOVE");
  assert_shown_names (fixture, "Ada Lovelace", NULL);

  /* By email */
  gtk_editable_set_text (search, "alan@");
  assert_shown_names (fixture, "Alan Turing", NULL);

  /* By employee number */
  gtk_editable_set_text (search, "1002");
  assert_shown_names (fixture, "Grace Hopper", NULL);

  /* Every word must match */
  gtk_editable_set_text (search, "a turing");
  assert_shown_names (fixture, "Alan Turing", NULL);

  gtk_editable_set_text (search, "nobody");
  assert_shown_names (fixture, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_child (fixture, "list_stack"))),
                   ==, "no-results");

  gtk_editable_set_text (search, "");
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_child (fixture, "list_stack"))),
                   ==, "list");
}

static void
test_team_filter (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkDropDown *teams;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  teams = GTK_DROP_DOWN (page_child (fixture, "team_dropdown"));

  gtk_drop_down_set_selected (teams, 2);   /* Sales */
  assert_shown_names (fixture, "Alan Turing", NULL);

  gtk_drop_down_set_selected (teams, 1);   /* Engineering */
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", NULL);

  /* The search narrows within the team. */
  gtk_editable_set_text (GTK_EDITABLE (page_child (fixture, "search_entry")), "grace");
  assert_shown_names (fixture, "Grace Hopper", NULL);

  gtk_editable_set_text (GTK_EDITABLE (page_child (fixture, "search_entry")), "");
  gtk_drop_down_set_selected (teams, 0);   /* All teams */
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;

  return n;
}

static const char *
detail_label (GtkWidget  *detail,
              const char *name)
{
  GObject *label = gtk_widget_get_template_child (detail, PB_TYPE_PERSON_DETAIL, name);

  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_label (GTK_LABEL (label));
}

/* What the person's editable row of @field shows: its text, or the
 * name of the choice a combo row has selected. */
static const char *
detail_field (GtkWidget *detail,
              guint      field)
{
  GtkWidget *row = pb_field_editor_get_row (pb_person_detail_get_fields (PB_PERSON_DETAIL (detail)), field);

  g_assert_nonnull (row);
  if (ADW_IS_COMBO_ROW (row))
    return gtk_string_object_get_string (adw_combo_row_get_selected_item (ADW_COMBO_ROW (row)));
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static GtkListBox *
detail_list (GtkWidget  *detail,
             const char *name)
{
  GObject *list = gtk_widget_get_template_child (detail, PB_TYPE_PERSON_DETAIL, name);

  g_assert_true (GTK_IS_LIST_BOX (list));
  return GTK_LIST_BOX (list);
}

static void
test_selection_fills_detail (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkSelectionModel *selection;
  GtkWidget *detail;
  GObject *detail_stack;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  detail_stack = gtk_widget_get_template_child (detail, PB_TYPE_PERSON_DETAIL, "stack");

  /* Nothing selected at first */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (detail_stack)), ==, "empty");

  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));   /* Ada Lovelace */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (detail_stack)), ==, "person");
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Ada Lovelace");
  g_assert_cmpstr (detail_label (detail, "subtitle_label"), ==, "Lead Engineer");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_EMAIL), ==, "ada@acme.no");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1001");
  /* Keys are shown by name */
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_TEAM), ==, "Engineering");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_COMPANY), ==, "Acme AS");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_LOCATION), ==, "Oslo");
  g_assert_cmpuint (count_rows (detail_list (detail, "positions_list")), ==, 2);
  g_assert_cmpuint (count_rows (detail_list (detail, "absences_list")), ==, 1);
  g_assert_cmpuint (count_rows (detail_list (detail, "salaries_list")), ==, 1);

  /* The newest position comes first, with its period */
  {
    GtkListBoxRow *row = gtk_list_box_get_row_at_index (detail_list (detail, "positions_list"), 0);

    g_assert_true (ADW_IS_ACTION_ROW (row));
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Lead Engineer");
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "2024-01-01 – ongoing"));
  }

  /* Another person replaces the lists; the manager is named */
  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));   /* Grace Hopper */
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Grace Hopper");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_MANAGER_EMAIL), ==, "ada@acme.no");
  g_assert_cmpuint (count_rows (detail_list (detail, "positions_list")), ==, 0);
  g_assert_cmpuint (count_rows (detail_list (detail, "salaries_list")), ==, 0);
}

/* --- absences and payroll (SPEC A1, A2, A7) ---------------------------------------- */

/* Ada's absences besides her vacation, one for each thing payroll may
 * know of them. */
static const char absences_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"absence_types\": [ { \"key\": \"sick\", \"name\": \"Sick leave\" }, { \"key\": \"course\", \"name\": \"Course\" },"
  "                       { \"key\": \"other\", \"name\": \"Other\" } ],"
  "  \"employees\": [ { \"email\": \"ada@acme.no\", \"absences\": ["
  "    { \"type\": \"vacation\", \"start_date\": \"2024-07-01\", \"end_date\": \"2024-07-19\", \"state\": \"approved\" },"
  "    { \"type\": \"sick\", \"start_date\": \"2024-09-02\", \"end_date\": \"2024-09-03\", \"state\": \"approved\" },"
  "    { \"type\": \"other\", \"start_date\": \"2024-10-07\", \"end_date\": \"2024-10-08\", \"state\": \"rejected\" },"
  "    { \"type\": \"course\", \"start_date\": \"2024-11-04\", \"end_date\": \"2024-11-05\", \"state\": \"approved\" },"
  "    { \"type\": \"sick\", \"start_date\": \"2024-12-02\", \"state\": \"approved\" },"
  "    { \"type\": \"other\", \"start_date\": \"2025-01-06\", \"end_date\": \"2025-01-07\", \"state\": \"unapproved\" },"
  "    { \"type\": \"other\", \"start_date\": \"2025-02-03\", \"end_date\": \"2025-02-04\", \"state\": \"approved\" }"
  "  ] } ] }";

static gint64
ada_absence (PbStore    *store,
             const char *start)
{
  g_autoptr(PbRecord) ada = pb_store_find_employee (store, NULL, "ada@acme.no", NULL);
  g_autoptr(GPtrArray) absences = pb_store_list (store, PB_ENTITY_ABSENCE, pb_record_get_id (ada), NULL);

  for (guint i = 0; i < absences->len; i++)
    if (g_strcmp0 (pb_record_get (g_ptr_array_index (absences, i), PB_ABSENCE_START_DATE), start) == 0)
      return pb_record_get_id (g_ptr_array_index (absences, i));
  g_assert_not_reached ();
}

static gint64
type_id (PbStore    *store,
         const char *key)
{
  g_autoptr(PbRecord) type = pb_store_find_by_key (store, PB_ENTITY_ABSENCE_TYPE, key, NULL);

  g_assert_nonnull (type);
  return pb_record_get_id (type);
}

static PbConnection *
save_connection (PbStore           *store,
                 const char        *name,
                 PbDataTypes        types,
                 PbConnectionState  state)
{
  PbConnection *connection = pb_connection_new ();
  g_autoptr(GError) error = NULL;

  connection->name = g_strdup (name);
  connection->system = g_strdup ("tripletex");
  connection->sync_types = types;
  connection->state = state;
  pb_store_save_connection (store, connection, &error);
  g_assert_no_error (error);
  return connection;
}

/* An active Tripletex connection that syncs absence, with Ada's absences
 * in each state; another that does not sync absence is not shown. */
static PbConnection *
set_up_absence_sync (Fixture *fixture)
{
  PbStore *store = fixture->store;
  PbConnection *connection;
  g_autoptr(PbConnection) other = NULL;
  g_autoptr(PbRecord) ada = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbErrorEntry) entry = g_new0 (PbErrorEntry, 1);

  import_json (store, fixture->dir, "absences.json", absences_json);
  connection = save_connection (store, "Acme payroll", PB_DATA_USERS | PB_DATA_ABSENCE, PB_CONNECTION_ACTIVE);
  other = save_connection (store, "Acme bonus", PB_DATA_USERS, PB_CONNECTION_ACTIVE);

  pb_store_set_mapping (store, connection->id, type_id (store, "vacation"), PB_MAPPING_MAPPED, "A1", &error);
  g_assert_no_error (error);
  pb_store_set_mapping (store, connection->id, type_id (store, "sick"), PB_MAPPING_MAPPED, "A2", &error);
  g_assert_no_error (error);
  pb_store_set_mapping (store, connection->id, type_id (store, "course"), PB_MAPPING_EXCLUDED, NULL, &error);
  g_assert_no_error (error);

  ada = pb_store_find_employee (store, NULL, "ada@acme.no", NULL);
  pb_store_link (store, connection->id, PB_ENTITY_EMPLOYEE, pb_record_get_id (ada), "7", 0, &error);
  g_assert_no_error (error);
  pb_store_link (store, connection->id, PB_ENTITY_ABSENCE, ada_absence (store, "2024-07-01"), "900", 0, &error);
  g_assert_no_error (error);
  pb_store_enqueue (store, connection->id, PB_ENTITY_ABSENCE, ada_absence (store, "2024-09-02"),
                    pb_record_get_id (ada), pb_store_max_change_id (store), &error);
  g_assert_no_error (error);

  /* What the engine writes when it rejects an absence (A7). */
  entry->entity = PB_ENTITY_ABSENCE;
  entry->record_id = ada_absence (store, "2024-10-07");
  entry->employee_id = pb_record_get_id (ada);
  entry->who = g_strdup ("Ada Lovelace <ada@acme.no>");
  entry->what = g_strdup ("Send the absence from 2024-10-07 to 2024-10-08 (Other)");
  entry->message = g_strdup ("The absence type “Other” is not mapped to a type in Tripletex");
  entry->advice = g_strdup ("The absence is marked rejected in HR; notified: Ada Lovelace (the employee)");
  pb_store_add_error (store, connection->id, entry, &error);
  g_assert_no_error (error);

  return connection;
}

/* The row of Ada's absence from @start (the subtitle starts with its period). */
static AdwActionRow *
absence_row (GtkWidget  *detail,
             const char *start)
{
  GtkListBox *list = detail_list (detail, "absences_list");

  for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, i);

      if (ADW_IS_ACTION_ROW (row) && g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), start))
        return ADW_ACTION_ROW (row);
    }
  g_assert_not_reached ();
}

/* The row's last subtitle line: what payroll knows. */
static const char *
sync_line (GtkWidget  *detail,
           const char *start)
{
  const char *subtitle = adw_action_row_get_subtitle (absence_row (detail, start));
  const char *newline = strrchr (subtitle, '\n');

  g_assert_nonnull (newline);
  return newline + 1;
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
absence_state (PbStore    *store,
               const char *start)
{
  g_autoptr(PbRecord) absence = pb_store_get (store, PB_ENTITY_ABSENCE, ada_absence (store, start), NULL);

  return g_strdup (pb_record_get (absence, PB_ABSENCE_STATE));
}

typedef struct
{
  GtkWidget  *detail;
  const char *start;
  const char *line;
} LineWait;

static gboolean
has_line (gpointer data)
{
  LineWait *wait = data;

  return g_strcmp0 (sync_line (wait->detail, wait->start), wait->line) == 0;
}

/* SPEC A1, A2, A7: each absence says what payroll knows of it: sent,
 * waiting, rejected with the reason (and Resend), or why it is not sent. */
static void
test_absence_sync_state (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GtkSelectionModel *selection;
  GtkWidget *detail;
  LineWait wait;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  connection = set_up_absence_sync (fixture);
  pb_people_page_reload (fixture->page);
  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));   /* Ada Lovelace */
  g_assert_cmpuint (count_rows (detail_list (detail, "absences_list")), ==, 7);

  g_assert_cmpstr (sync_line (detail, "2024-07-01"), ==, "Sent to Tripletex");
  g_assert_cmpstr (sync_line (detail, "2024-09-02"), ==, "Waiting to be sent");
  g_assert_cmpstr (sync_line (detail, "2024-10-07"), ==,
                   "Rejected: The absence type “Other” is not mapped to a type in Tripletex");
  g_assert_cmpstr (sync_line (detail, "2024-11-04"), ==, "Not sent: Course is set to Do not sync");
  g_assert_cmpstr (sync_line (detail, "2024-12-02"), ==, "Not sent: no end date");
  g_assert_cmpstr (sync_line (detail, "2025-01-06"), ==, "Not sent: not approved");
  g_assert_cmpstr (sync_line (detail, "2025-02-03"), ==, "Not sent: Other is not mapped");
  /* One line each: the other connection does not sync absence. */
  g_assert_null (strchr (strchr (adw_action_row_get_subtitle (absence_row (detail, "2024-07-01")), '\n') + 1, '\n'));

  /* Only the rejected one has Resend. */
  g_assert_nonnull (find_named (GTK_WIDGET (absence_row (detail, "2024-10-07")), "resend-button"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (absence_row (detail, "2024-10-07")), "absence-rejected"));
  g_assert_null (find_named (GTK_WIDGET (absence_row (detail, "2025-02-03")), "resend-button"));
  g_assert_null (find_named (GTK_WIDGET (absence_row (detail, "2024-07-01")), "resend-button"));

  /* The lines follow the register: "Other" mapped now. */
  pb_store_set_mapping (fixture->store, connection->id, type_id (fixture->store, "other"), PB_MAPPING_MAPPED, "A3",
                        &error);
  g_assert_no_error (error);
  /* SPEC C5: mapping the type does not send it; its next change does,
   * and the line says so instead of promising it. */
  wait = (LineWait) { detail, "2025-02-03", "Not sent: it goes to Tripletex when it next changes in HR" };
  g_assert_true (pb_test_iterate_until (has_line, &wait, 10));

  /* A connection that stops being active is no longer asked. */
  connection->state = PB_CONNECTION_NEEDS_SIGN_IN;
  pb_store_save_connection (fixture->store, connection, &error);
  g_assert_no_error (error);
  pb_people_page_reload (fixture->page);
  g_assert_null (strchr (adw_action_row_get_subtitle (absence_row (detail, "2024-07-01")), '\n'));
}

/* SPEC A7: Resend approves a rejected absence again in HR: a change the
 * outbox sends; the row says approved, without Resend. */
static void
test_absence_resend (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autofree char *state = NULL;
  GtkSelectionModel *selection;
  GtkWidget *detail;
  GtkWidget *resend;
  PbChange *change;
  gint64 before;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  connection = set_up_absence_sync (fixture);
  pb_people_page_reload (fixture->page);
  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));   /* Ada Lovelace */

  before = pb_store_max_change_id (fixture->store);
  resend = find_named (GTK_WIDGET (absence_row (detail, "2024-10-07")), "resend-button");
  g_assert_nonnull (resend);
  g_signal_emit_by_name (resend, "clicked");

  state = absence_state (fixture->store, "2024-10-07");
  g_assert_cmpstr (state, ==, "approved");
  changes = pb_store_list_changes (fixture->store, before, NULL);
  g_assert_cmpuint (changes->len, ==, 1);
  change = g_ptr_array_index (changes, 0);
  g_assert_cmpint (change->entity, ==, PB_ENTITY_ABSENCE);
  g_assert_cmpint (change->record_id, ==, ada_absence (fixture->store, "2024-10-07"));
  g_assert_cmpint (change->op, ==, PB_CHANGE_UPDATE);
  g_assert_nonnull (strstr (change->new_values, "\"approved\""));
  g_assert_nonnull (strstr (change->old_values, "\"rejected\""));

  /* The row now: approved, no Resend; the cause (not mapped) still shows. */
  g_assert_null (find_named (GTK_WIDGET (absence_row (detail, "2024-10-07")), "resend-button"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (absence_row (detail, "2024-10-07")), "absence-rejected"));
  g_assert_cmpstr (sync_line (detail, "2024-10-07"), ==, "Not sent: Other is not mapped");

  /* Resending one that is not rejected changes nothing. */
  g_assert_false (pb_store_resend_absence (fixture->store, ada_absence (fixture->store, "2024-10-07"), NULL));
  g_clear_pointer (&changes, g_ptr_array_unref);
  changes = pb_store_list_changes (fixture->store, before, NULL);
  g_assert_cmpuint (changes->len, ==, 1);
}

/* --- the pane and paybridge-cli person show agree (one sync state) ------------------ */

/* The state a line of the pane says, in paybridge-cli's --json names. */
static const char *
line_state (const char *line)
{
  static const struct { const char *prefix; const char *state; } states[] = {
    { "Linked to employee ", "sent" },
    { "Sent to ", "sent" },
    { "Linked; a change is waiting", "pending" },
    { "Not linked yet: waiting", "pending" },
    { "Waiting to be sent", "pending" },
    { "Waiting: ", "held" },
    { "Needs attention: ", "attention" },
    { "Rejected: ", "attention" },
    { "Not linked: ", "not-sent" },
    { "Not sent", "not-sent" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (g_str_has_prefix (line, states[i].prefix))
      return states[i].state;
  return line;
}

/* paybridge-cli person show EMAIL --json on the fixture's register: the
 * connection named @name. */
static JsonObject *
cli_connection (Fixture    *fixture,
                const char *email,
                const char *name,
                JsonParser *parser)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  JsonArray *connections;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "--data-dir", fixture->dir,
                              "person", "show", email, "--json", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);

  connections = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "connections");
  for (guint i = 0; i < json_array_get_length (connections); i++)
    {
      JsonObject *connection = json_array_get_object_element (connections, i);

      if (g_strcmp0 (json_object_get_string_member (connection, "name"), name) == 0)
        return connection;
    }
  g_assert_not_reached ();
}

static const char *
cli_record_state (JsonObject *connection,
                  const char *entity,
                  gint64      id)
{
  JsonArray *records = json_object_get_array_member (connection, "records");

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);

      if (g_strcmp0 (json_object_get_string_member (record, "entity"), entity) == 0 &&
          json_object_get_int_member (record, "id") == id)
        return json_object_get_string_member (record, "sync");
    }
  g_assert_not_reached ();
}

/* The pane's line of the person for the connection named @name. */
static const char *
payroll_line (GtkWidget  *detail,
              const char *name)
{
  GtkListBox *list = detail_list (detail, "payroll_list");

  for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    {
      AdwPreferencesRow *row = ADW_PREFERENCES_ROW (gtk_list_box_get_row_at_index (list, i));

      if (g_str_has_prefix (adw_preferences_row_get_title (row), name))
        return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
    }
  g_assert_not_reached ();
}

/* The pane and paybridge-cli person show say the same of Ada and each of
 * her absences: sent, waiting, needing attention (SPEC C7, A7) or not
 * sent. A change committed but not yet in the outbox waits for the next
 * push: the pane does not say it was sent (SPEC U7); the register's
 * changes from before the connection synced absence are not waiting
 * (SPEC C5). */
static void
test_agrees_with_cli (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char * const starts[] = {
    "2024-07-01", "2024-09-02", "2024-10-07", "2024-11-04", "2024-12-02", "2025-01-06", "2025-02-03",
  };
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  g_autoptr(JsonParser) parser3 = json_parser_new ();
  g_autoptr(PbRecord) ada = NULL;
  g_autoptr(GError) error = NULL;
  GtkSelectionModel *selection;
  JsonObject *cli;
  GtkWidget *detail;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  connection = set_up_absence_sync (fixture);
  pb_people_page_reload (fixture->page);
  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));   /* Ada Lovelace */

  cli = cli_connection (fixture, "ada@acme.no", "Acme payroll", parser);
  g_assert_cmpstr (line_state (payroll_line (detail, "Acme payroll")), ==, "sent");
  g_assert_cmpstr (json_object_get_string_member (cli, "sync"), ==, "sent");
  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      g_test_message ("absence from %s", starts[i]);
      g_assert_cmpstr (line_state (sync_line (detail, starts[i])), ==,
                       cli_record_state (cli, "absence", ada_absence (fixture->store, starts[i])));
    }
  g_assert_cmpstr (cli_record_state (cli, "absence", ada_absence (fixture->store, "2024-07-01")), ==, "sent");
  g_assert_cmpstr (cli_record_state (cli, "absence", ada_absence (fixture->store, "2024-09-02")), ==, "pending");
  g_assert_cmpstr (cli_record_state (cli, "absence", ada_absence (fixture->store, "2024-10-07")), ==, "attention");
  g_assert_cmpstr (cli_record_state (cli, "absence", ada_absence (fixture->store, "2024-11-04")), ==, "not-sent");

  /* Her phone changes; nothing has put it in the outbox yet. */
  ada = pb_store_find_employee (fixture->store, NULL, "ada@acme.no", NULL);
  pb_record_set (ada, PB_EMPLOYEE_PHONE, "+47 400 00 009");
  g_assert_true (pb_store_begin (fixture->store, &error));
  g_assert_true (pb_store_save (fixture->store, ada, NULL, &error));
  g_assert_true (pb_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  pb_people_page_reload (fixture->page);

  cli = cli_connection (fixture, "ada@acme.no", "Acme payroll", parser2);
  g_assert_cmpstr (json_object_get_string_member (cli, "sync"), ==, "pending");
  g_assert_cmpstr (payroll_line (detail, "Acme payroll"), ==, "Linked; a change is waiting to be sent");

  /* SPEC C6: a change of her position in the outbox of a connection that
   * does not sync positions (any more) is held: both say so. */
  {
    g_autoptr(GPtrArray) positions = pb_store_list (fixture->store, PB_ENTITY_POSITION, pb_record_get_id (ada), NULL);
    gint64 position = pb_record_get_id (g_ptr_array_index (positions, positions->len - 1));
    GtkListBoxRow *row;

    pb_store_enqueue (fixture->store, connection->id, PB_ENTITY_POSITION, position, pb_record_get_id (ada),
                      pb_store_max_change_id (fixture->store), &error);
    g_assert_no_error (error);
    pb_store_save_connection (fixture->store, connection, &error);
    g_assert_no_error (error);
    pb_people_page_reload (fixture->page);

    cli = cli_connection (fixture, "ada@acme.no", "Acme payroll", parser3);
    g_assert_cmpstr (cli_record_state (cli, "position", position), ==, "held");
    row = gtk_list_box_get_row_at_index (detail_list (detail, "positions_list"), 0);   /* the newest */
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "\nWaiting: position sync is off"));
  }
}

static gboolean
scrolled_down (gpointer data)
{
  return gtk_adjustment_get_value (data) > 0;
}

/* SPEC A7: a rejection's notification opens the person, at their
 * absences, even when a search hides them. */
static void
test_show_person_at_absences (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbRecord) ada = NULL;
  GtkWidget *detail;
  GtkScrolledWindow *scroller;
  GtkAdjustment *adjustment;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  connection = set_up_absence_sync (fixture);
  pb_people_page_reload (fixture->page);
  gtk_window_set_default_size (fixture->window, 1100, 400);
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_template_child (detail, PB_TYPE_PERSON_DETAIL, "scroller"));
  adjustment = gtk_scrolled_window_get_vadjustment (scroller);

  gtk_editable_set_text (GTK_EDITABLE (page_child (fixture, "search_entry")), "grace");
  assert_shown_names (fixture, "Grace Hopper", NULL);

  ada = pb_store_find_employee (fixture->store, NULL, "ada@acme.no", NULL);
  g_assert_true (pb_people_page_show_person (fixture->page, pb_record_get_id (ada)));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Ada Lovelace");
  g_assert_true (pb_test_iterate_until (scrolled_down, adjustment, 10));
  g_assert_false (pb_people_page_show_person (fixture->page, 999999));
}

static void
test_reload_keeps_selection (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkSelectionModel *selection;
  GtkWidget *detail;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  g_assert_true (gtk_selection_model_select_item (selection, 2, TRUE));   /* Alan Turing */

  import_json (fixture->store, fixture->dir, "more.json", more_json);
  pb_people_page_reload (fixture->page);

  assert_shown_names (fixture, "Edsger Dijkstra", "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
  g_assert_true (gtk_selection_model_is_selected (selection, 3));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Alan Turing");
}

static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
} LabelWait;

static gboolean
has_label (gpointer data)
{
  LabelWait *wait = data;

  return find_label (wait->widget, wait->text) != NULL;
}

/* Issue 14: a reload keeps the table's rows (GTK 4.8 building them again
 * stalled the main loop): a row's cells show whoever is at its position
 * now, and the details follow the selected person with their new values. */
static void
test_reload_keeps_rows (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PbRecord) ada = NULL;
  g_autoptr(GtkWidget) first_name = NULL;
  g_autoptr(GError) error = NULL;
  GtkSelectionModel *selection;
  GtkWidget *column_view;
  GtkWidget *detail;
  LabelWait wait;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  column_view = GTK_WIDGET (page_child (fixture, "column_view"));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  wait = (LabelWait) { column_view, "Grace Hopper" };
  g_assert_true (pb_test_iterate_until (has_label, &wait, 10));
  first_name = g_object_ref (find_label (column_view, "Grace Hopper"));
  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));   /* Ada Lovelace */
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_EMAIL), ==, "ada@acme.no");

  /* Ada's email changes: she stays at her place, the details show it. */
  ada = pb_store_find_employee (fixture->store, NULL, "ada@acme.no", NULL);
  pb_record_set (ada, PB_EMPLOYEE_EMAIL, "ada.lovelace@acme.no");
  g_assert_true (pb_store_begin (fixture->store, &error));
  g_assert_true (pb_store_save (fixture->store, ada, NULL, &error));
  g_assert_true (pb_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  pb_people_page_reload (fixture->page);
  g_assert_true (gtk_selection_model_is_selected (selection, 1));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Ada Lovelace");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_EMAIL), ==, "ada.lovelace@acme.no");
  g_assert_true (gtk_widget_is_ancestor (first_name, column_view));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (first_name)), ==, "Grace Hopper");

  /* Dijkstra comes first: the first row, the same widgets, shows him; Ada
   * is selected one further down. */
  import_json (fixture->store, fixture->dir, "more.json", more_json);
  pb_people_page_reload (fixture->page);
  assert_shown_names (fixture, "Edsger Dijkstra", "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
  g_assert_true (gtk_widget_is_ancestor (first_name, column_view));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (first_name)), ==, "Edsger Dijkstra");
  wait = (LabelWait) { column_view, "Alan Turing" };
  g_assert_true (pb_test_iterate_until (has_label, &wait, 10));
  g_assert_true (gtk_selection_model_is_selected (selection, 2));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Ada Lovelace");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_EMAIL), ==, "ada.lovelace@acme.no");
}

static void
test_empty_register (Fixture       *fixture,
                     gconstpointer  data)
{
  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_child (fixture, "main_stack"))),
                   ==, "empty");

  import_json (fixture->store, fixture->dir, "people.json", people_json);
  pb_people_page_reload (fixture->page);

  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_child (fixture, "main_stack"))),
                   ==, "people");
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
}

/* Sorting by team, then by name the other way. */
static void
test_sorts_by_team_and_name (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkColumnView *view;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  view = GTK_COLUMN_VIEW (page_child (fixture, "column_view"));

  /* Sales after Engineering; within Engineering the register's order. */
  gtk_column_view_sort_by_column (view, GTK_COLUMN_VIEW_COLUMN (page_child (fixture, "team_column")),
                                  GTK_SORT_DESCENDING);
  assert_shown_names (fixture, "Alan Turing", "Grace Hopper", "Ada Lovelace", NULL);
  gtk_column_view_sort_by_column (view, GTK_COLUMN_VIEW_COLUMN (page_child (fixture, "name_column")),
                                  GTK_SORT_DESCENDING);
  assert_shown_names (fixture, "Alan Turing", "Ada Lovelace", "Grace Hopper", NULL);
  gtk_column_view_sort_by_column (view, NULL, GTK_SORT_ASCENDING);
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
}

/* The company and location drop-downs, and the summary the window shows
 * as its subtitle. */
static void
test_company_location_filters (Fixture       *fixture,
                               gconstpointer  data)
{
  GtkDropDown *companies;
  GtkDropDown *locations;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  companies = GTK_DROP_DOWN (page_child (fixture, "company_dropdown"));
  locations = GTK_DROP_DOWN (page_child (fixture, "location_dropdown"));
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "3 people");

  gtk_drop_down_set_selected (companies, 1);   /* Acme AS: Turing has no company */
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", NULL);
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "2 of 3 people");

  gtk_drop_down_set_selected (locations, 1);   /* Oslo: only Ada */
  assert_shown_names (fixture, "Ada Lovelace", NULL);
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "1 of 3 people");

  gtk_drop_down_set_selected (companies, 0);
  assert_shown_names (fixture, "Ada Lovelace", NULL);
  gtk_drop_down_set_selected (locations, 0);
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "3 people");
}

/* A search that still finds the selected person keeps them selected, and
 * their details as they were (the table is read again, not the details);
 * one that hides them clears the details. */
static void
test_search_keeps_selection (Fixture       *fixture,
                             gconstpointer  data)
{
  GtkSelectionModel *selection;
  GtkWidget *detail;
  GtkEditable *search;
  GObject *detail_stack;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  detail_stack = gtk_widget_get_template_child (detail, PB_TYPE_PERSON_DETAIL, "stack");
  search = GTK_EDITABLE (page_child (fixture, "search_entry"));

  g_assert_true (gtk_selection_model_select_item (selection, 1, TRUE));   /* Ada Lovelace */
  /* An edit not saved yet */
  gtk_editable_set_text (GTK_EDITABLE (pb_field_editor_get_row (pb_person_detail_get_fields (PB_PERSON_DETAIL (detail)),
                                                                PB_EMPLOYEE_PHONE)), "+47 999 99 999");

  gtk_editable_set_text (search, "a");
  assert_shown_names (fixture, "Grace Hopper", "Ada Lovelace", "Alan Turing", NULL);
  gtk_editable_set_text (search, "acme.no ada");
  assert_shown_names (fixture, "Ada Lovelace", NULL);
  g_assert_true (gtk_selection_model_is_selected (selection, 0));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Ada Lovelace");
  g_assert_cmpstr (detail_field (detail, PB_EMPLOYEE_PHONE), ==, "+47 999 99 999");
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "1 of 3 people");

  gtk_editable_set_text (search, "turing");
  assert_shown_names (fixture, "Alan Turing", NULL);
  g_assert_false (gtk_selection_model_is_selected (selection, 0));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (detail_stack)), ==, "empty");
}

/* 1,200 people: six pages of the model. The table reads only the pages it
 * shows; a person past the first page is selected, stays selected
 * through a reload and a sort, and is found by a search. */
#define N_MANY 1200

static void
test_many_people (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GString) json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");
  GtkSelectionModel *selection;
  PbPeopleModel *model;
  GtkWidget *detail;
  GtkColumnView *view;
  CountWait wait;
  guint position;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  for (guint i = 0; i < N_MANY; i++)
    g_string_append_printf (json, "%s{ \"given_name\": \"Person\", \"family_name\": \"P%04u\", "
                            "\"email\": \"p%04u@big.no\", \"employee_number\": \"B%04u\" }",
                            i > 0 ? ", " : "", i, (N_MANY - 1 - i), i);
  g_string_append (json, "] }");
  import_json (fixture->store, fixture->dir, "many.json", json->str);
  pb_people_page_reload (fixture->page);

  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  model = PB_PEOPLE_MODEL (gtk_single_selection_get_model (GTK_SINGLE_SELECTION (selection)));
  detail = GTK_WIDGET (page_child (fixture, "detail"));
  view = GTK_COLUMN_VIEW (page_child (fixture, "column_view"));
  /* After Hopper and Lovelace, before Turing. The summary counts them at
   * once; the table is told of the new rows a few a frame (issue 14). */
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "1203 people");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), <, N_MANY + 3);
  wait = (CountWait) { fixture, N_MANY + 3 };
  g_assert_true (pb_test_iterate_until (has_n_items, &wait, 10));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), <, 3);

  /* Position 1,101 is P1099, on the sixth page; the last is Turing. */
  g_assert_true (gtk_selection_model_select_item (selection, 1101, TRUE));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Person P1099");
  {
    g_autofree char *last = shown_name (fixture, N_MANY + 2);
    g_autofree char *edge = shown_name (fixture, 199);
    g_autofree char *next = shown_name (fixture, 200);

    g_assert_cmpstr (last, ==, "Alan Turing");
    g_assert_cmpstr (edge, ==, "Person P0197");
    g_assert_cmpstr (next, ==, "Person P0198");
  }
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), <, 6);

  pb_people_page_reload (fixture->page);
  g_assert_true (gtk_selection_model_is_selected (selection, 1101));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Person P1099");

  /* By email: P1099 has p0100@, the 101st of the p…@big.no, after the
   * three of Acme (ada@, alan@, grace@). */
  gtk_column_view_sort_by_column (view, GTK_COLUMN_VIEW_COLUMN (page_child (fixture, "email_column")),
                                  GTK_SORT_ASCENDING);
  position = gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection));
  g_assert_cmpuint (position, ==, 3 + 100);
  {
    g_autofree char *name = shown_name (fixture, position);

    g_assert_cmpstr (name, ==, "Person P1099");
  }

  gtk_editable_set_text (GTK_EDITABLE (page_child (fixture, "search_entry")), "b1099");
  assert_shown_names (fixture, "Person P1099", NULL);
  g_assert_true (gtk_selection_model_is_selected (selection, 0));
  g_assert_cmpstr (pb_people_page_get_summary (fixture->page), ==, "1 of 1203 people");
}

static gboolean
column_hidden (gpointer data)
{
  return !gtk_column_view_column_get_visible (data);
}

static gboolean
is_folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

static gboolean
nothing_selected (gpointer data)
{
  return gtk_bitset_is_empty (gtk_selection_model_get_selection (data));
}

/* At phone width the table shows name (with the email under it), team and
 * status; choosing a person shows their details in its place, and going
 * back returns to the table with nobody selected. */
static void
test_narrow_navigation (Fixture       *fixture,
                        gconstpointer  data)
{
  AdwLeaflet *leaflet;
  GtkSelectionModel *selection;
  GtkWidget *detail;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  leaflet = ADW_LEAFLET (page_child (fixture, "leaflet"));
  selection = GTK_SELECTION_MODEL (shown_people (fixture));
  detail = GTK_WIDGET (page_child (fixture, "detail"));

  g_assert_true (pb_test_iterate_until (is_folded, leaflet, 10));
  g_assert_true (pb_test_iterate_until (column_hidden, page_child (fixture, "email_column"), 10));
  g_assert_false (gtk_column_view_column_get_visible (GTK_COLUMN_VIEW_COLUMN (page_child (fixture, "company_column"))));
  g_assert_true (gtk_column_view_column_get_visible (GTK_COLUMN_VIEW_COLUMN (page_child (fixture, "name_column"))));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (page_child (fixture, "list_pane")));
  g_assert_false (pb_people_page_get_can_navigate_back (fixture->page));

  g_assert_true (gtk_selection_model_select_item (selection, 2, TRUE));   /* Alan Turing */
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == detail);
  g_assert_true (pb_people_page_get_can_navigate_back (fixture->page));
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Alan Turing");
  g_assert_cmpstr (detail_label (detail, "subtitle_label"), ==, "Deactivated");

  /* The selection goes once the sliding back has ended. */
  pb_people_page_navigate_back (fixture->page);
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == GTK_WIDGET (page_child (fixture, "list_pane")));
  g_assert_false (pb_people_page_get_can_navigate_back (fixture->page));
  g_assert_true (pb_test_iterate_until (nothing_selected, selection, 10));

  /* The same person again */
  g_assert_true (gtk_selection_model_select_item (selection, 2, TRUE));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == detail);
  /* Issue 12: saving a change reads the table again; the page stays on
   * the person (it slid back to the table once), also after the slide. */
  g_assert_true (pb_field_editor_set_text (pb_person_detail_get_fields (PB_PERSON_DETAIL (detail)),
                                           PB_EMPLOYEE_PHONE, "+47 912 34 567"));
  g_assert_true (gtk_widget_activate_action (detail, "person.save", NULL));
  for (gint64 end = g_get_monotonic_time () + 500 * 1000; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == detail);
  g_assert_cmpstr (detail_label (detail, "name_label"), ==, "Alan Turing");
  g_assert_false (nothing_selected (selection));
}

/* The whole application: started on a data folder, its window shows the
 * People view with the register's people and switches views. */
static PbApplication *
start_application (const char  *id,
                   const char  *dir,
                   PbWindow   **out_window)
{
  g_autoptr(PbApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  PbWindow *window;

  g_setenv ("PAYBRIDGE_DATA_DIR", dir, TRUE);
  app = pb_application_new (id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("PAYBRIDGE_DATA_DIR");
  g_assert_nonnull (pb_application_get_store (app));
  g_assert_null (pb_application_get_store_error (app));

  g_application_activate (G_APPLICATION (app));
  window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (PB_IS_WINDOW (window));
  g_assert_true (pb_test_iterate_until (is_mapped, window, 10));

  *out_window = window;
  return g_steal_pointer (&app);
}

/* Dialogs are transient for the window, not windows of the application. */
static AdwMessageDialog *
find_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;

  return NULL;
}

static void
stop_application (PbApplication *app)
{
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  AdwMessageDialog *dialog;

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  while ((dialog = find_dialog ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static GListModel *
window_people (PbWindow *window)
{
  GtkWidget *page = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), PB_TYPE_WINDOW, "people_page"));
  GtkColumnView *view;

  g_assert_true (PB_IS_PEOPLE_PAGE (page));
  view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (page, PB_TYPE_PEOPLE_PAGE, "column_view"));
  return G_LIST_MODEL (gtk_column_view_get_model (view));
}

static void
test_application_window (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(PbApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  PbWindow *window;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  dir = pb_test_make_dir ("app");
  {
    g_autoptr(PbStore) store = pb_store_open (dir, &error);

    g_assert_no_error (error);
    import_json (store, dir, "people.json", people_json);
  }

  app = start_application ("io.github.paybridge.Paybridge.TestWindow", dir, &window);

  g_assert_cmpstr (pb_window_get_view (window), ==, "people");
  g_assert_cmpuint (g_list_model_get_n_items (window_people (window)), ==, 3);

  pb_window_set_view (window, "errorlog");
  g_assert_cmpstr (pb_window_get_view (window), ==, "errorlog");
  pb_window_set_view (window, "no-such-view");
  g_assert_cmpstr (pb_window_get_view (window), ==, "people");

  stop_application (app);
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_clear_object (&app);
  g_assert_null (app);
}

static gboolean
has_four_people (gpointer data)
{
  return g_list_model_get_n_items (data) == 4;
}

static gboolean
has_dialog (gpointer data)
{
  return find_dialog () != NULL;
}

/* app.import's work after the file chooser: a good file lands in the
 * register and the view; a bad one shows every problem and changes
 * nothing. */
static void
test_application_import (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;
  g_autoptr(GFile) good_file = NULL;
  g_autoptr(GFile) bad_file = NULL;
  g_autoptr(PbApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;
  GObject *issues;
  PbWindow *window;
  GListModel *people;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  dir = pb_test_make_dir ("app-import");
  {
    g_autoptr(PbStore) store = pb_store_open (dir, &error);

    g_assert_no_error (error);
    import_json (store, dir, "people.json", people_json);
  }
  good = pb_test_write_file (dir, "more.json", more_json);
  bad = pb_test_write_file (dir, "bad.csv",
                            "given_name,family_name,email\n"
                            "Bad,Email,not-an-email\n"
                            ",NoGiven,nogiven@acme.no\n");
  good_file = g_file_new_for_path (good);
  bad_file = g_file_new_for_path (bad);

  app = start_application ("io.github.paybridge.Paybridge.TestImport", dir, &window);
  people = window_people (window);
  g_assert_cmpuint (g_list_model_get_n_items (people), ==, 3);

  pb_application_import_file (app, good_file);
  g_assert_true (pb_test_iterate_until (has_four_people, people, 10));
  g_assert_null (find_dialog ());

  pb_application_import_file (app, bad_file);
  g_assert_true (pb_test_iterate_until (has_dialog, NULL, 10));
  dialog = find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Nothing Was Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "bad.csv has 2 problems"));

  /* Every issue, one a line, in a text view inside the dialog */
  issues = G_OBJECT (adw_message_dialog_get_extra_child (dialog));
  g_assert_true (GTK_IS_SCROLLED_WINDOW (issues));
  {
    GtkWidget *view = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (issues));
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
    GtkTextIter start, end;
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, 0);
    lines = g_strsplit (text, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 2);
    g_assert_true (g_str_has_prefix (lines[0], "bad.csv:2: email: "));
    g_assert_true (g_str_has_prefix (lines[1], "bad.csv:3: given_name: "));
  }
  g_assert_cmpuint (g_list_model_get_n_items (people), ==, 4);

  stop_application (app);
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &app);
  g_clear_object (&app);
  g_assert_null (app);
}

int
main (int   argc,
      char *argv[])
{
#ifdef __SANITIZE_ADDRESS__
  /* Mesa's llvmpipe JIT allocates while registering unwind tables; with
   * ASan's slow unwinder (fast_unwind_on_malloc=0, needed for the leak
   * suppressions) that deadlocks in libgcc's unwinder lock. The cairo
   * renderer draws the same widgets without a JIT. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
#endif

  /* GTK and libadwaita start before the test dirs are isolated, so that
   * they find the system's icon theme and schemas. */
  pb_test_use_system_mime_database ();
  have_display = gtk_init_check ();
  if (have_display)
    {
      adw_init ();
      gtk_icon_theme_get_for_display (gdk_display_get_default ());
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, empty) \
  g_test_add (path, Fixture, GINT_TO_POINTER (empty), fixture_set_up, func, fixture_tear_down)

  ADD ("/people-view/lists-imported-people", test_lists_imported_people, 0);
  ADD ("/people-view/sorts-by-column", test_sorts_by_column, 0);
  ADD ("/people-view/search-filters", test_search_filters, 0);
  ADD ("/people-view/team-filter", test_team_filter, 0);
  ADD ("/people-view/sorts-by-team-and-name", test_sorts_by_team_and_name, 0);
  ADD ("/people-view/company-location-filters", test_company_location_filters, 0);
  ADD ("/people-view/search-keeps-selection", test_search_keeps_selection, 0);
  ADD ("/people-view/many-people", test_many_people, 0);
  ADD ("/people-view/selection-fills-detail", test_selection_fills_detail, 0);
  ADD ("/people-view/reload-keeps-selection", test_reload_keeps_selection, 0);
  ADD ("/people-view/reload-keeps-rows", test_reload_keeps_rows, 0);
  ADD ("/people-view/A1-A2-A7-absence-sync-state", test_absence_sync_state, 0);
  ADD ("/people-view/A7-absence-resend", test_absence_resend, 0);
  ADD ("/people-view/A7-show-person-at-absences", test_show_person_at_absences, 0);
  ADD ("/people-view/C7-A7-U7-agrees-with-cli", test_agrees_with_cli, 0);
  ADD ("/people-view/empty-register", test_empty_register, FIXTURE_EMPTY);
  ADD ("/people-view/narrow-navigation", test_narrow_navigation, FIXTURE_NARROW);
  g_test_add_func ("/people-view/application-window", test_application_window);
  g_test_add_func ("/people-view/application-import", test_application_import);

#undef ADD

  return g_test_run ();
}
