/* test-errorlog-view.c: the Error Log view over entries of real pushes to
 * the in-process payroll sandbox (SPEC C7, U11): its filters and search,
 * Retry now (the entry resolves itself when payroll takes the change, and
 * the view follows), Dismiss, Open person, the CSV export, and rows cheap
 * enough to open fast (issue 11)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "pb-application.h"
#include "pb-error-log-page-private.h"
#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-people-page.h"
#include "pb-person-detail.h"
#include "pb-sandbox.h"
#include "pb-sync-driver.h"
#include "pb-sync-engine.h"
#include "pb-test-ui.h"
#include "pb-test-utils.h"
#include "pb-window.h"

#define WAIT_CAP_SECONDS 90

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\" }"
  "] }";

/* Dup's employee number belongs to someone else in payroll. */
static const char dup_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
  "  { \"given_name\": \"Dup\", \"family_name\": \"Number\", \"email\": \"dup@acme.no\", "
  "    \"employee_number\": \"77\" } ] }";

static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"firstName\": \"Other\", \"lastName\": \"Person\", \"email\": \"other@acme.no\", \"employeeNumber\": \"77\" }"
  "] }";

/* The same, with the clash gone: Other's number was a mistake, fixed in payroll. */
static const char payroll_fixed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"firstName\": \"Other\", \"lastName\": \"Person\", \"email\": \"other@acme.no\", \"employeeNumber\": \"78\" }"
  "] }";

typedef struct
{
  PbTestApp       t;
  PbErrorLogPage *page;
} Fixture;

/* --- helpers ------------------------------------------------------------------------ */


static guint
n_shown (Fixture *f)
{
  return g_list_model_get_n_items (G_LIST_MODEL (pb_error_log_page_get_model (f->page)));
}

static const char *
page_stack (Fixture *f)
{
  return gtk_stack_get_visible_child_name (pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "stack"));
}

static void
select_filter (Fixture    *f,
               const char *name,
               guint       position)
{
  gtk_drop_down_set_selected (pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, name), position);
  pb_test_iterate_idle ();
}

static void
search (Fixture    *f,
        const char *text)
{
  GtkEditable *entry = pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "search_entry");

  gtk_editable_set_text (entry, text);
  /* The search entry waits a moment before it says it changed. */
  g_signal_emit_by_name (entry, "search-changed");
  pb_test_iterate_idle ();
}

static PbErrorItem *
shown_item (Fixture *f,
            guint    position)
{
  PbErrorItem *item = g_list_model_get_item (G_LIST_MODEL (pb_error_log_page_get_model (f->page)), position);

  g_assert_nonnull (item);
  return item;
}

static gboolean
nothing_shown (gpointer data)
{
  return n_shown (data) == 0;
}

typedef struct
{
  PbSyncDriver *driver;
  gint64        connection_id;
} Errors;

static gboolean
has_open_error (gpointer data)
{
  Errors *errors = data;

  return pb_sync_driver_get_open_errors (errors->driver, errors->connection_id) > 0 &&
         pb_sync_driver_is_idle (errors->driver);
}

/* The refusal of a real push: Dup arrives in HR with payroll's number 77
 * and the driver sends him; payroll says no (SPEC C7). */
static void
make_refused_entry (Fixture *f)
{
  Errors errors = { pb_application_get_sync_driver (f->t.app), f->t.connection->id };

  pb_test_import (f->t.store, dup_json);
  g_assert_true (pb_test_iterate_until (has_open_error, &errors, WAIT_CAP_SECONDS));
  pb_test_iterate_idle ();
}

static gint64
employee_id (Fixture    *f,
             const char *email)
{
  g_autoptr(GPtrArray) people = pb_store_list (f->t.store, PB_ENTITY_EMPLOYEE, 0, NULL);

  for (guint i = 0; people != NULL && i < people->len; i++)
    {
      PbRecord *person = g_ptr_array_index (people, i);

      if (g_strcmp0 (pb_record_get_by_name (person, "email"), email) == 0)
        return pb_record_get_id (person);
    }

  g_assert_not_reached ();
  return 0;
}

/* --- the fixture: the app with an active connection to the sandbox ------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  if (!pb_test_app_start (&f->t, "errorlog-view", payroll_seed, hr_json))
    return;

  /* An established connection syncing users: from now on HR changes go to
   * payroll (what the first user sync does at its end, done directly). */
  pb_test_app_connect (&f->t, PB_DATA_USERS, FALSE);
  pb_test_app_show (&f->t, 1100, 720);
  pb_window_set_view (f->t.window, "errorlog");

  f->page = PB_ERROR_LOG_PAGE (pb_window_ensure_page (f->t.window, "errorlog"));
  g_assert_true (PB_IS_ERROR_LOG_PAGE (f->page));
}

/* The window as it opens, on People: the Error Log not made yet. */
static void
fixture_set_up_at_start (Fixture       *f,
                         gconstpointer  data)
{
  if (!pb_test_app_start (&f->t, "errorlog-view", payroll_seed, hr_json))
    return;

  pb_test_app_connect (&f->t, PB_DATA_USERS, FALSE);
  pb_test_app_show (&f->t, 1100, 720);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pb_test_app_stop (&f->t);
}

/* --- the tests ---------------------------------------------------------------------- */

/* SPEC C7: no entry at all says "No Errors"; the refusal of a real push
 * shows as one open entry, with who, what and payroll's own words; the
 * filters (state, kind, connection) and the search narrow it, and a view
 * that matches nothing says so rather than "No Errors". */
static void
test_filters_and_search (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PbErrorItem) item = NULL;
  const PbErrorEntry *entry;
  g_autoptr(PbConnection) other = pb_connection_new ();
  g_autoptr(GError) error = NULL;

  if (!pb_test_ui_available ())
    return;

  g_assert_cmpuint (n_shown (f), ==, 0);
  g_assert_cmpstr (page_stack (f), ==, "empty");

  make_refused_entry (f);
  /* The view followed the driver by itself (U11: open errors are shown). */
  g_assert_cmpuint (n_shown (f), ==, 1);
  g_assert_cmpstr (page_stack (f), ==, "list");
  item = shown_item (f, 0);
  entry = pb_error_item_get_entry (item);
  g_assert_cmpstr (entry->who, ==, "Dup Number <dup@acme.no>");
  g_assert_cmpint (entry->state, ==, PB_ERROR_OPEN);
  g_assert_cmpint (entry->entity, ==, PB_ENTITY_EMPLOYEE);
  g_assert_cmpint (entry->connection_id, ==, f->t.connection->id);
  g_assert_nonnull (entry->system_message);
  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "errorlog");

  /* State: Open (the default) shows it, Resolved and Dismissed do not, Any does. */
  select_filter (f, "state_dropdown", 1);
  g_assert_cmpuint (n_shown (f), ==, 0);
  g_assert_cmpstr (page_stack (f), ==, "no-match");
  select_filter (f, "state_dropdown", 2);
  g_assert_cmpuint (n_shown (f), ==, 0);
  select_filter (f, "state_dropdown", 3);
  g_assert_cmpuint (n_shown (f), ==, 1);
  select_filter (f, "state_dropdown", 0);

  /* Kind: it is about a person, not a position nor the connection. */
  select_filter (f, "kind_dropdown", 2);
  g_assert_cmpuint (n_shown (f), ==, 0);
  select_filter (f, "kind_dropdown", 5);
  g_assert_cmpuint (n_shown (f), ==, 0);
  select_filter (f, "kind_dropdown", 1);
  g_assert_cmpuint (n_shown (f), ==, 1);
  select_filter (f, "kind_dropdown", 0);

  /* Search: in who, what and the messages, whatever the case. */
  search (f, "DUP@acme");
  g_assert_cmpuint (n_shown (f), ==, 1);
  search (f, "nordmann");
  g_assert_cmpuint (n_shown (f), ==, 0);
  g_assert_cmpstr (page_stack (f), ==, "no-match");
  search (f, "");
  g_assert_cmpuint (n_shown (f), ==, 1);

  /* Connection: another one's log is empty; the row menu's
   * win.show-error-log (x) opens this one's. */
  other->name = g_strdup ("Other payroll");
  other->system = g_strdup ("tripletex");
  other->sync_types = PB_DATA_USERS;
  pb_store_save_connection (f->t.store, other, &error);
  g_assert_no_error (error);
  pb_test_iterate_idle ();
  pb_window_set_view (f->t.window, "people");
  g_action_group_activate_action (G_ACTION_GROUP (f->t.window), "show-error-log", g_variant_new_int64 (other->id));
  pb_test_iterate_idle ();
  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "errorlog");
  g_assert_cmpuint (n_shown (f), ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (f->t.window), "show-error-log",
                                  g_variant_new_int64 (f->t.connection->id));
  pb_test_iterate_idle ();
  g_assert_cmpuint (n_shown (f), ==, 1);
  select_filter (f, "connection_dropdown", 0);
  g_assert_cmpuint (n_shown (f), ==, 1);
}

/* Only People is made for the window's first frame: Connections, Mappings
 * and the Error Log come at their first visit. A connection row's
 * win.show-error-log (x) (SPEC C7) reached before the Error Log exists
 * makes it and shows that connection's open errors; the sync driver, which
 * starts after the first frame, has sent and recorded the refusal by then. */
static void
test_opened_before_made (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PbErrorItem) item = NULL;
  AdwViewStack *stack;

  if (!pb_test_ui_available ())
    return;

  stack = pb_test_template_child (f->t.window, PB_TYPE_WINDOW, "stack");
  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "people");
  g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "people"));
  g_assert_null (adw_view_stack_get_child_by_name (stack, "connections"));
  g_assert_null (adw_view_stack_get_child_by_name (stack, "mappings"));
  g_assert_null (adw_view_stack_get_child_by_name (stack, "errorlog"));

  make_refused_entry (f);
  g_assert_null (adw_view_stack_get_child_by_name (stack, "errorlog"));

  g_action_group_activate_action (G_ACTION_GROUP (f->t.window), "show-error-log",
                                  g_variant_new_int64 (f->t.connection->id));
  pb_test_iterate_idle ();
  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "errorlog");
  f->page = PB_ERROR_LOG_PAGE (adw_view_stack_get_child_by_name (stack, "errorlog"));
  g_assert_true (PB_IS_ERROR_LOG_PAGE (f->page));
  g_assert_true (GTK_WIDGET (f->page) == pb_window_ensure_page (f->t.window, "errorlog"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->page)));
  g_assert_cmpuint (n_shown (f), ==, 1);
  item = shown_item (f, 0);
  g_assert_cmpint (pb_error_item_get_entry (item)->connection_id, ==, f->t.connection->id);
  g_assert_cmpstr (pb_error_item_get_entry (item)->who, ==, "Dup Number <dup@acme.no>");
  /* Made once: the sidebar visits the same page. */
  pb_window_set_view (f->t.window, "people");
  pb_window_set_view (f->t.window, "errorlog");
  g_assert_true (adw_view_stack_get_visible_child (stack) == GTK_WIDGET (f->page));
}

/* SPEC C7: Retry now sends the record's refused entry again once the cause
 * is fixed (here in payroll, where the clashing number was a mistake); the
 * driver sends it, payroll takes it, the entry resolves itself and leaves
 * the Open view, with no reload asked for. */
static void
test_retry_resolves (Fixture       *f,
                     gconstpointer  data)
{
  GtkSelectionModel *selection;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  PbErrorEntry *entry;

  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  g_assert_cmpuint (n_shown (f), ==, 1);

  pb_sandbox_load_seed_data (f->t.sandbox, payroll_fixed, -1, &error);
  g_assert_no_error (error);

  selection = pb_error_log_page_get_selection (f->page);
  gtk_selection_model_select_item (selection, 0, TRUE);
  pb_test_iterate_idle ();
  g_assert_true (gtk_widget_get_visible (pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "action_bar")));
  g_assert_true (gtk_action_bar_get_revealed (pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "action_bar")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.retry-selected", NULL));
  g_assert_cmpstr (pb_error_log_page_get_last_toast (f->page), ==, "Sending 1 change again");

  g_assert_true (pb_test_iterate_until (nothing_shown, f, WAIT_CAP_SECONDS));
  log = pb_store_list_errors (f->t.store, f->t.connection->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, ==, 1);
  entry = g_ptr_array_index (log, 0);
  g_assert_cmpint (entry->state, ==, PB_ERROR_RESOLVED);
  g_assert_cmpstr (page_stack (f), ==, "no-match");

  /* Resolved, it is in the Resolved view. */
  select_filter (f, "state_dropdown", 1);
  g_assert_cmpuint (n_shown (f), ==, 1);

  /* Retrying again finds nothing waiting. */
  g_assert_cmpint (pb_store_outbox_retry_record (f->t.store, f->t.connection->id, PB_ENTITY_EMPLOYEE,
                                                 entry->record_id, &error), ==, 0);
  g_assert_no_error (error);
}

/* SPEC C7: Dismiss sets the entry aside: it leaves the Open view for the
 * Dismissed one. */
static void
test_dismiss (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PbErrorItem) item = NULL;

  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  gtk_selection_model_select_item (pb_error_log_page_get_selection (f->page), 0, TRUE);
  pb_test_iterate_idle ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.dismiss-selected", NULL));
  pb_test_iterate_idle ();
  g_assert_cmpuint (n_shown (f), ==, 0);
  g_assert_cmpint (pb_store_count_open_errors (f->t.store, f->t.connection->id), ==, 0);

  select_filter (f, "state_dropdown", 2);
  g_assert_cmpuint (n_shown (f), ==, 1);
  item = shown_item (f, 0);
  g_assert_cmpint (pb_error_item_get_entry (item)->state, ==, PB_ERROR_DISMISSED);
}

/* Issue 14: while an import holds the register's write transaction
 * (pb_error_log_page_set_paused(), from the window's import strip), Retry
 * and Dismiss are off and write nothing; after it, Dismiss works. */
static void
test_paused_for_import (Fixture       *f,
                        gconstpointer  data)
{
  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  gtk_selection_model_select_item (pb_error_log_page_get_selection (f->page), 0, TRUE);
  pb_test_iterate_idle ();

  pb_error_log_page_set_paused (f->page, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.retry-selected", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.dismiss-selected", NULL));
  pb_test_iterate_idle ();
  g_assert_null (pb_error_log_page_get_last_toast (f->page));
  g_assert_cmpuint (n_shown (f), ==, 1);
  g_assert_cmpint (pb_store_count_open_errors (f->t.store, f->t.connection->id), ==, 1);

  pb_error_log_page_set_paused (f->page, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.dismiss-selected", NULL));
  pb_test_iterate_idle ();
  g_assert_cmpuint (n_shown (f), ==, 0);
  g_assert_cmpint (pb_store_count_open_errors (f->t.store, f->t.connection->id), ==, 0);
}

/* Open person (the Who link, win.show-person): People, with the person
 * selected and shown, even when People's search hid them. */
static void
test_open_person (Fixture       *f,
                  gconstpointer  data)
{
  PbPeoplePage *people;
  GtkColumnView *view;
  GtkSingleSelection *selection;
  PbRecord *selected;
  GtkWidget *detail;

  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  people = pb_test_template_child (f->t.window, PB_TYPE_WINDOW, "people_page");
  gtk_editable_set_text (pb_test_template_child (people, PB_TYPE_PEOPLE_PAGE, "search_entry"), "kari");
  g_signal_emit_by_name (pb_test_template_child (people, PB_TYPE_PEOPLE_PAGE, "search_entry"), "search-changed");
  pb_test_iterate_idle ();

  gtk_selection_model_select_item (pb_error_log_page_get_selection (f->page), 0, TRUE);
  pb_test_iterate_idle ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.open-selected", NULL));
  pb_test_iterate_idle ();

  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "people");
  view = pb_test_template_child (people, PB_TYPE_PEOPLE_PAGE, "column_view");
  selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (view));
  selected = gtk_single_selection_get_selected_item (selection);
  g_assert_nonnull (selected);
  g_assert_cmpint (pb_record_get_id (selected), ==, employee_id (f, "dup@acme.no"));
  detail = pb_test_template_child (people, PB_TYPE_PEOPLE_PAGE, "detail");
  g_assert_cmpstr (gtk_label_get_label (pb_test_template_child (detail, PB_TYPE_PERSON_DETAIL, "name_label")), ==, "Dup Number");
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Issue 12: a person whose change payroll refused says so in their pane,
 * and its "Open Error Log" shows that connection's log searched for them:
 * their entry, no one else's. */
static void
test_person_opens_log (Fixture       *f,
                       gconstpointer  data)
{
  PbPeoplePage *people;
  GtkWidget *detail, *button;

  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  /* Kari too has an entry of her own, not to be shown. */
  {
    g_autoptr(PbErrorEntry) other = g_new0 (PbErrorEntry, 1);
    g_autoptr(GError) error = NULL;

    other->entity = PB_ENTITY_EMPLOYEE;
    other->record_id = employee_id (f, "kari@acme.no");
    other->employee_id = other->record_id;
    other->who = g_strdup ("Kari Nordmann <kari@acme.no>");
    other->what = g_strdup ("Update the employee");
    other->message = g_strdup ("Something else");
    pb_store_add_error (f->t.store, f->t.connection->id, other, &error);
    g_assert_no_error (error);
  }
  pb_window_set_view (f->t.window, "people");
  people = pb_test_template_child (f->t.window, PB_TYPE_WINDOW, "people_page");
  g_assert_true (pb_people_page_show_person (people, employee_id (f, "dup@acme.no")));
  pb_test_iterate_idle ();

  detail = pb_test_template_child (people, PB_TYPE_PEOPLE_PAGE, "detail");
  button = find_named (detail, "open-error-button");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  pb_test_iterate_idle ();

  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "errorlog");
  g_assert_cmpstr (gtk_editable_get_text (pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "search_entry")), ==,
                   "dup@acme.no");
  g_assert_cmpuint (n_shown (f), ==, 1);
  {
    g_autoptr(PbErrorItem) item = shown_item (f, 0);

    g_assert_cmpint (pb_error_item_get_entry (item)->employee_id, ==, employee_id (f, "dup@acme.no"));
  }
}

/* Finds a descendant of @widget that is a @type (and, for a GtkInscription,
 * shows @text); counts those of @type in @count. */
static GtkWidget *
find_descendant (GtkWidget  *widget,
                 GType       type,
                 const char *text,
                 guint      *count)
{
  GtkWidget *found = NULL;

  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    {
      if (count != NULL)
        (*count)++;
      if (text == NULL || (GTK_IS_INSCRIPTION (widget) &&
                           g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), text) == 0))
        found = widget;
    }

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *in_child = find_descendant (c, type, text, count);

      if (found == NULL)
        found = in_child;
    }

  return found;
}

static gboolean
who_cell_shown (gpointer data)
{
  Fixture *f = data;

  return find_descendant (pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "column_view"), GTK_TYPE_INSCRIPTION,
                          "Dup Number <dup@acme.no>", NULL) != NULL;
}

/* Issue 11: the view opens fast at 100,000 entries because its rows are
 * cheap: each cell is one GtkInscription, and no row has buttons or a
 * menu of its own. Every action stays reachable from the keyboard: the
 * selection's context menu (Menu, Shift+F10) offers Retry, Dismiss and
 * Open person, and activating a row (Enter, a double-click) opens the
 * person. */
static void
test_cheap_rows (Fixture       *f,
                 gconstpointer  data)
{
  GtkWidget *view;
  GtkWidget *popover = NULL;
  GMenuModel *menu;
  guint n_buttons = 0;
  guint n_cells = 0;
  g_autofree char *retry = NULL;
  g_autofree char *open = NULL;

  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  view = pb_test_template_child (f->page, PB_TYPE_ERROR_LOG_PAGE, "column_view");
  g_assert_true (pb_test_iterate_until (who_cell_shown, f, 20));

  /* One row, six cells, each an inscription; no button in the rows (the
   * column headers are the view's own GtkColumnViewTitles, not buttons). */
  find_descendant (view, GTK_TYPE_INSCRIPTION, NULL, &n_cells);
  g_assert_cmpuint (n_cells, ==, 6);
  find_descendant (view, GTK_TYPE_BUTTON, NULL, &n_buttons);
  find_descendant (view, GTK_TYPE_MENU_BUTTON, NULL, &n_buttons);
  g_assert_cmpuint (n_buttons, ==, 0);

  /* The context menu: the selection's actions. */
  gtk_selection_model_select_item (pb_error_log_page_get_selection (f->page), 0, TRUE);
  pb_test_iterate_idle ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "errorlog.context-menu", NULL));
  pb_test_iterate_idle ();
  popover = find_descendant (GTK_WIDGET (f->page), GTK_TYPE_POPOVER_MENU, NULL, NULL);
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (popover));
  menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
  g_assert_true (g_menu_model_get_item_attribute (menu, 0, G_MENU_ATTRIBUTE_ACTION, "s", &retry));
  g_assert_cmpstr (retry, ==, "errorlog.retry-selected");
  g_assert_true (g_menu_model_get_item_attribute (menu, 2, G_MENU_ATTRIBUTE_ACTION, "s", &open));
  g_assert_cmpstr (open, ==, "errorlog.open-selected");
  gtk_popover_popdown (GTK_POPOVER (popover));
  pb_test_iterate_idle ();

  /* Activating the row opens the person in People. */
  g_signal_emit_by_name (view, "activate", 0);
  pb_test_iterate_idle ();
  g_assert_cmpstr (pb_window_get_view (f->t.window), ==, "people");
}

/* The header of `paybridge-cli errors NAME --csv`. */
#define HEADER "\"id\",\"state\",\"at\",\"last_at\",\"count\",\"who\",\"what\",\"message\",\"system_message\",\"request_id\",\"advice\""

/* The CSV export writes what is shown, with the columns of
 * `paybridge-cli errors NAME --csv`. */
static void
test_export_csv (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!pb_test_ui_available ())
    return;

  make_refused_entry (f);
  path = g_build_filename (f->t.dir, "errors.csv", NULL);
  file = g_file_new_for_path (path);
  g_assert_true (pb_error_log_page_export (f->page, file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\r\n", -1);
  g_assert_cmpstr (lines[0], ==, HEADER);
  g_assert_nonnull (lines[1]);
  g_assert_true (g_str_has_prefix (strchr (lines[1], ',') + 1, "\"open\","));
  g_assert_nonnull (strstr (lines[1], "Dup Number <dup@acme.no>"));
  g_assert_cmpstr (lines[2], ==, "");

  /* What is shown: nothing is resolved, so that export has the header only. */
  select_filter (f, "state_dropdown", 1);
  g_assert_true (pb_error_log_page_export (f->page, file, &error));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, HEADER "\r\n");
}

int
main (int   argc,
      char *argv[])
{
  pb_test_ui_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/errorlog-view/filters-and-search", test_filters_and_search);
  ADD ("/errorlog-view/retry-resolves", test_retry_resolves);
  ADD ("/errorlog-view/dismiss", test_dismiss);
  ADD ("/errorlog-view/paused-for-import", test_paused_for_import);
  ADD ("/errorlog-view/open-person", test_open_person);
  ADD ("/errorlog-view/person-opens-log", test_person_opens_log);
  ADD ("/errorlog-view/export-csv", test_export_csv);
  ADD ("/errorlog-view/cheap-rows", test_cheap_rows);
  g_test_add ("/errorlog-view/opened-before-made", Fixture, NULL, fixture_set_up_at_start,
              test_opened_before_made, fixture_tear_down);

#undef ADD

  return g_test_run ();
}
