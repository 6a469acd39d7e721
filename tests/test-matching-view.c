/* test-matching-view.c: the matching view against the Tripletex sandbox —
 * sections, decisions through the rows and for all, offline review across
 * restarts, stale decisions, apply and the report (SPEC U1-U6, U11)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "pb-connections-page-private.h"
#include "pb-import.h"
#include "pb-matching-row.h"
#include "pb-matching-window-private.h"
#include "pb-outbox.h"
#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

/* HR: Kari (phone differs), Ola (the same), Per and Dup (HR only; Dup's
 * employee number is Other's in payroll), Liv (deactivated). Payroll:
 * Kari, Ola, Trond and Other (payroll only), and the sandbox's API user. */
static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\", \"phone\": \"+47 900 00 001\" },"
  "  { \"given_name\": \"Ola\", \"family_name\": \"Hansen\", \"email\": \"ola@acme.no\" },"
  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\" },"
  "  { \"given_name\": \"Liv\", \"family_name\": \"Dahl\", \"email\": \"liv@acme.no\", \"status\": \"deactivated\" },"
  "  { \"given_name\": \"Dup\", \"family_name\": \"Number\", \"email\": \"dup@acme.no\", \"employee_number\": \"77\" }"
  "] }";

static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\", \"phoneNumberMobile\": \"+47 999 99 999\" },"
  "  { \"firstName\": \"Ola\", \"lastName\": \"Hansen\", \"email\": \"ola@acme.no\" },"
  "  { \"firstName\": \"Trond\", \"lastName\": \"Viken\", \"email\": \"trond@acme.no\" },"
  "  { \"firstName\": \"Other\", \"lastName\": \"Person\", \"email\": \"other@acme.no\", \"employeeNumber\": \"77\" }"
  "] }";

static gboolean have_display;

typedef struct
{
  char             *dir;
  PbSandbox        *sandbox;
  guint             port;
  PbStore          *store;
  PbConnection     *connection;
  PbProvider       *provider;
  PbMatchingWindow *window;
} Fixture;

static void
start_sandbox (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_load_seed_data (f->sandbox, payroll_seed, -1, &error);
  g_assert_no_error (error);
  /* The same port as before a "restart", so the connection's URL holds. */
  pb_sandbox_listen (f->sandbox, f->port, &error);
  g_assert_no_error (error);
  f->port = pb_sandbox_get_port (f->sandbox);

  g_clear_object (&f->provider);
  f->provider = pb_test_new_provider ("tripletex", pb_sandbox_get_api_url (f->sandbox), NULL);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!have_display)
    return;

  f->dir = pb_test_make_dir ("matching-view");
  start_sandbox (f);

  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  pb_import_data (f->store, "hr.json", hr_json, strlen (hr_json), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);

  f->connection = pb_connection_new ();
  f->connection->name = g_strdup ("Acme");
  f->connection->system = g_strdup ("tripletex");
  f->connection->base_url = g_strdup (pb_sandbox_get_api_url (f->sandbox));
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
}

static void
close_window (Fixture *f)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  close_window (f);
  g_clear_object (&f->provider);
  g_clear_object (&f->connection);
  g_clear_object (&f->store);
  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->dir, g_free);
}

static gboolean
shows_plan (gpointer data)
{
  return g_strcmp0 (pb_matching_window_get_state (data), "plan") == 0;
}

static gboolean
shows_report (gpointer data)
{
  return g_strcmp0 (pb_matching_window_get_state (data), "report") == 0;
}

/* A window as the Connections view opens it; @provider NULL: none given,
 * so anything needing the network would go to the keyring and fail. */
static void
open_window (Fixture    *f,
             PbProvider *provider)
{
  close_window (f);
  f->window = pb_matching_window_new (NULL, f->store, f->connection);
  if (provider != NULL)
    pb_matching_window_set_provider (f->window, provider);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 700);
  gtk_window_present (GTK_WINDOW (f->window));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static char *
section_emails (Fixture           *f,
                PbMatchingSection  section)
{
  GListModel *model = pb_matching_window_get_section (f->window, section);
  g_autoptr(GPtrArray) emails = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PbMatchingEntry) entry = g_list_model_get_item (model, i);
      const char *email = pb_matching_entry_get_email (entry);

      g_ptr_array_add (emails, g_ascii_strdown (email != NULL ? email : "-", -1));
    }
  g_ptr_array_sort (emails, compare_strings);
  g_ptr_array_add (emails, NULL);
  return g_strjoinv (" ", (char **) emails->pdata);
}

static PbMatchingRow *
find_row (GtkWidget  *widget,
          const char *email)
{
  if (PB_IS_MATCHING_ROW (widget))
    {
      PbMatchingEntry *entry = pb_matching_row_get_entry (PB_MATCHING_ROW (widget));

      if (entry != NULL && g_strcmp0 (pb_matching_entry_get_email (entry), email) == 0)
        return PB_MATCHING_ROW (widget);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      PbMatchingRow *row = find_row (child, email);

      if (row != NULL)
        return row;
    }

  return NULL;
}

typedef struct
{
  Fixture    *f;
  const char *email;
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *wait = data;

  return find_row (GTK_WIDGET (wait->f->window), wait->email) != NULL;
}

static PbPlanItem *
stored_item (Fixture    *f,
             const char *email)
{
  static PbUserPlan *plan;

  g_clear_pointer (&plan, pb_user_plan_free);
  plan = pb_store_load_last_plan (f->store, f->connection->id, NULL);
  g_assert_nonnull (plan);
  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      g_autoptr(PbRecord) hr = item->employee_id ? pb_store_get (f->store, PB_ENTITY_EMPLOYEE, item->employee_id, NULL)
                                                 : NULL;
      PbRecord *person = hr != NULL ? hr : item->payroll;

      if (person != NULL && g_ascii_strcasecmp (pb_record_get (person, PB_EMPLOYEE_EMAIL), email) == 0)
        return item;
    }
  g_assert_not_reached ();
}

/* SPEC U1-U4, U9: one click reads both sides into the four sections. */
static void
test_sections (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *attention = NULL;
  g_autofree char *hr_only = NULL;
  g_autofree char *payroll_only = NULL;
  g_autofree char *matched = NULL;

  if (!have_display)
    return;

  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));

  attention = section_emails (f, PB_MATCHING_SECTION_ATTENTION);
  hr_only = section_emails (f, PB_MATCHING_SECTION_HR_ONLY);
  payroll_only = section_emails (f, PB_MATCHING_SECTION_PAYROLL_ONLY);
  matched = section_emails (f, PB_MATCHING_SECTION_MATCHED);
  g_assert_cmpstr (attention, ==, "kari@acme.no");                              /* U3 */
  g_assert_cmpstr (hr_only, ==, "dup@acme.no liv@acme.no per@acme.no");        /* U4, U9 */
  g_assert_cmpstr (payroll_only, ==, "admin@sandbox.example other@acme.no trond@acme.no");
  g_assert_cmpstr (matched, ==, "ola@acme.no");                                 /* U1 */

  /* Before anything is decided the summary says so; nothing is sent. */
  g_assert_nonnull (strstr (pb_matching_window_get_summary (f->window), "1 to link"));
  g_assert_nonnull (strstr (pb_matching_window_get_summary (f->window), "6 not decided"));
}

/* SPEC U3: the row shows both values and its choice is saved at once; the
 * choice for all decides a section. */
static void
test_decide_in_rows_and_for_all (Fixture       *f,
                                 gconstpointer  data)
{
  RowWait wait = { f, "kari@acme.no" };
  PbMatchingRow *row;
  GtkDropDown *choice;

  if (!have_display)
    return;

  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  g_assert_true (pb_test_iterate_until (row_shown, &wait, 20));
  row = find_row (GTK_WIDGET (f->window), "kari@acme.no");
  choice = pb_matching_row_get_choice (row);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (choice)));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (choice)), ==, 3);

  gtk_drop_down_set_selected (choice, 1);                     /* HR wins */
  g_assert_cmpint (stored_item (f, "kari@acme.no")->decision, ==, PB_DECISION_PREFER_HR);
  g_assert_nonnull (strstr (pb_matching_window_get_summary (f->window), "1 to update in payroll"));

  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "create-in-payroll");
  g_assert_cmpint (stored_item (f, "per@acme.no")->decision, ==, PB_DECISION_CREATE_IN_PAYROLL);
  g_assert_cmpint (stored_item (f, "dup@acme.no")->decision, ==, PB_DECISION_CREATE_IN_PAYROLL);
  g_assert_cmpint (stored_item (f, "liv@acme.no")->decision, ==, PB_DECISION_NONE);   /* locked: U9 */
  g_assert_nonnull (strstr (pb_matching_window_get_summary (f->window), "2 to create in payroll"));

  /* For all in the section overrides the single choice, and the row shows it. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "prefer-payroll");
  g_assert_cmpint (stored_item (f, "kari@acme.no")->decision, ==, PB_DECISION_PREFER_PAYROLL);
  g_assert_cmpuint (gtk_drop_down_get_selected (choice), ==, 2);
}

/* Issue 14: while an import holds the register's write transaction the
 * window saves nothing (pb_matching_window_set_paused(), from the
 * Connections view): the rows' choices are insensitive and a decision for
 * all does nothing; after it, both work again. */
static void
test_paused_for_import (Fixture       *f,
                        gconstpointer  data)
{
  RowWait wait = { f, "kari@acme.no" };
  PbMatchingRow *row;
  GtkDropDown *choice;

  if (!have_display)
    return;

  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  g_assert_true (pb_test_iterate_until (row_shown, &wait, 20));
  row = find_row (GTK_WIDGET (f->window), "kari@acme.no");
  choice = pb_matching_row_get_choice (row);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (choice)));

  pb_matching_window_set_paused (f->window, TRUE);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (choice)));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "create-in-payroll");
  g_assert_cmpint (stored_item (f, "per@acme.no")->decision, ==, PB_DECISION_NONE);

  pb_matching_window_set_paused (f->window, FALSE);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (choice)));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "create-in-payroll");
  g_assert_cmpint (stored_item (f, "per@acme.no")->decision, ==, PB_DECISION_CREATE_IN_PAYROLL);
}

/* Offline review (issue 5, "Done when"): plan, cut the network, open the
 * plan, decide, restart, the decisions are there; apply once the payroll
 * system is back. SPEC U5, U6, U11 on the way. */
static void
test_offline_restart_then_apply (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbConnection) stored = NULL;
  g_autofree char *csv = NULL;

  if (!have_display)
    return;

  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  close_window (f);

  /* The network is gone, and the app restarts: a new store object. */
  g_clear_object (&f->sandbox);
  g_clear_object (&f->provider);
  dir = g_path_get_dirname (pb_store_get_path (f->store));
  g_clear_object (&f->store);
  f->store = pb_store_open (dir, &error);
  g_assert_no_error (error);

  open_window (f, NULL);
  g_assert_cmpstr (pb_matching_window_get_state (f->window), ==, "plan");     /* from the store alone */
  g_assert_nonnull (strstr (pb_matching_window_get_notice (f->window), "Decisions are saved"));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "prefer-hr");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "create-in-payroll");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "leave-payroll-only");
  close_window (f);

  g_clear_object (&f->store);
  f->store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored_item (f, "kari@acme.no")->decision, ==, PB_DECISION_PREFER_HR);
  g_assert_cmpint (stored_item (f, "per@acme.no")->decision, ==, PB_DECISION_CREATE_IN_PAYROLL);
  g_assert_cmpint (stored_item (f, "trond@acme.no")->decision, ==, PB_DECISION_LEAVE);

  /* The payroll system is back (same address, same data). */
  start_sandbox (f);
  open_window (f, f->provider);
  g_assert_cmpstr (pb_matching_window_get_summary (f->window), ==,
                   "1 to update in payroll · 2 to create in payroll · 1 to link · 3 left as they are · 1 not synced");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.apply", NULL);
  g_assert_true (pb_test_iterate_until (shows_report, f->window, 20));

  /* Dup fails (employee number taken in payroll: U11), the rest is done. */
  g_assert_cmpstr (pb_matching_window_get_report_title (f->window), ==, "Synchronized with 1 Failure");
  g_assert_nonnull (pb_matching_window_get_last_notification (f->window));
  g_assert_nonnull (strstr (pb_matching_window_get_last_notification (f->window), "1 created in payroll"));
  stored = pb_store_find_connection (f->store, "Acme", NULL);
  g_assert_cmpint (stored->state, ==, PB_CONNECTION_ACTIVE);                   /* U6 */

  csv = pb_matching_window_dup_report_csv (f->window);
  g_assert_nonnull (strstr (csv, "\"Per Berg\",\"per@acme.no\",\"\",\"hr-only\",\"create-in-payroll\",\"created in payroll\""));

  /* U5: the report opens again later, from the store. */
  open_window (f, NULL);
  pb_matching_window_show_report (f->window, 0);
  g_assert_cmpstr (pb_matching_window_get_state (f->window), ==, "report");
  g_assert_cmpstr (pb_matching_window_get_report_title (f->window), ==, "Synchronized with 1 Failure");
}

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
popover_shown (gpointer data)
{
  GtkPopover *popover = gtk_menu_button_get_popover (data);

  return popover != NULL && gtk_widget_get_mapped (GTK_WIDGET (popover));
}

/* SPEC U1, U3, U4 (issue 11): Dup is in payroll as Other, under another
 * email, with the same employee number. "Pair with…" on his Only in HR row
 * suggests Other first; pairing moves him to Needs Attention (the email
 * differs) and takes Other out of Only in Payroll; Unpair puts both back;
 * paired again with HR winning, the sync links him with no failure. */
static void
test_pair_and_unpair (Fixture       *f,
                      gconstpointer  data)
{
  RowWait wait = { f, "dup@acme.no" };
  g_autofree char *attention = NULL;
  g_autofree char *hr_only = NULL;
  g_autofree char *payroll_only = NULL;
  g_autofree char *link = NULL;
  PbMatchingRow *row;
  GtkMenuButton *pair;
  GtkWidget *list;
  GtkWidget *first;
  PbPlanItem *dup;

  if (!have_display)
    return;

  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (find_type (GTK_WIDGET (f->window), ADW_TYPE_VIEW_STACK)),
                                         "hr_only");
  g_assert_true (pb_test_iterate_until (row_shown, &wait, 20));
  row = find_row (GTK_WIDGET (f->window), "dup@acme.no");
  pair = pb_matching_row_get_pair_button (row);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (pair)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pb_matching_row_get_unpair_button (row))));

  /* The search over the unmatched payroll people, the suggestion first. */
  gtk_menu_button_popup (pair);
  g_assert_true (pb_test_iterate_until (popover_shown, pair, 20));
  list = find_type (GTK_WIDGET (gtk_menu_button_get_popover (pair)), GTK_TYPE_LIST_BOX);
  g_assert_nonnull (list);
  first = gtk_widget_get_first_child (list);
  g_assert_true (ADW_IS_ACTION_ROW (first));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (first)), ==, "Other Person");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (first)), ==, "other@acme.no");
  g_assert_true (has_label (first, "Same employee number"));
  g_assert_false (has_label (gtk_widget_get_next_sibling (first), "Same employee number"));
  {
    GtkWidget *search = find_type (GTK_WIDGET (gtk_menu_button_get_popover (pair)), GTK_TYPE_SEARCH_ENTRY);
    guint n = 0;

    gtk_editable_set_text (GTK_EDITABLE (search), "trond");
    g_signal_emit_by_name (search, "search-changed");
    for (GtkWidget *c = gtk_widget_get_first_child (list); c != NULL; c = gtk_widget_get_next_sibling (c))
      if (ADW_IS_ACTION_ROW (c))
        n++;
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (gtk_widget_get_first_child (list))), ==,
                     "Trond Viken");
    gtk_editable_set_text (GTK_EDITABLE (search), "");
    g_signal_emit_by_name (search, "search-changed");
    first = gtk_widget_get_first_child (list);
  }
  g_signal_emit_by_name (list, "row-activated", first);

  attention = section_emails (f, PB_MATCHING_SECTION_ATTENTION);
  hr_only = section_emails (f, PB_MATCHING_SECTION_HR_ONLY);
  payroll_only = section_emails (f, PB_MATCHING_SECTION_PAYROLL_ONLY);
  g_assert_cmpstr (attention, ==, "dup@acme.no kari@acme.no");                  /* U3: the email differs */
  g_assert_cmpstr (hr_only, ==, "liv@acme.no per@acme.no");
  g_assert_cmpstr (payroll_only, ==, "admin@sandbox.example trond@acme.no");
  dup = stored_item (f, "dup@acme.no");
  g_assert_true (dup->paired);
  g_assert_cmpint (dup->kind, ==, PB_MATCH_MATCHED);
  g_assert_true (dup->differing & (1u << PB_EMPLOYEE_EMAIL));

  /* The row under Needs Attention offers the U3 choice and Unpair. */
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (find_type (GTK_WIDGET (f->window), ADW_TYPE_VIEW_STACK)),
                                         "attention");
  g_assert_true (pb_test_iterate_until (row_shown, &wait, 20));
  row = find_row (GTK_WIDGET (f->window), "dup@acme.no");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (pb_matching_row_get_unpair_button (row))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pb_matching_row_get_pair_button (row))));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (pb_matching_row_get_choice (row))), ==, 3);

  g_signal_emit_by_name (pb_matching_row_get_unpair_button (row), "clicked");
  g_clear_pointer (&attention, g_free);
  g_clear_pointer (&hr_only, g_free);
  g_clear_pointer (&payroll_only, g_free);
  attention = section_emails (f, PB_MATCHING_SECTION_ATTENTION);
  hr_only = section_emails (f, PB_MATCHING_SECTION_HR_ONLY);
  payroll_only = section_emails (f, PB_MATCHING_SECTION_PAYROLL_ONLY);
  g_assert_cmpstr (attention, ==, "kari@acme.no");
  g_assert_cmpstr (hr_only, ==, "dup@acme.no liv@acme.no per@acme.no");
  g_assert_cmpstr (payroll_only, ==, "admin@sandbox.example other@acme.no trond@acme.no");
  g_assert_false (stored_item (f, "dup@acme.no")->paired);

  /* Paired again through the action, HR wins: linked, no failure. */
  {
    guint hr_position = stored_item (f, "dup@acme.no")->position;
    guint payroll_position = stored_item (f, "other@acme.no")->position;

    gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.pair", "(uu)", hr_position, payroll_position);
  }
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "prefer-hr");
  g_assert_nonnull (strstr (pb_matching_window_get_summary (f->window), "2 to update in payroll"));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.apply", NULL);
  g_assert_true (pb_test_iterate_until (shows_report, f->window, 20));
  g_assert_cmpstr (pb_matching_window_get_report_title (f->window), ==, "Users Synchronized");
  dup = stored_item (f, "dup@acme.no");
  link = pb_store_find_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, dup->employee_id);
  g_assert_cmpstr (link, ==, dup->remote_id);
  g_assert_cmpint (pb_store_count_open_errors (f->store, f->connection->id), ==, 0);
}

/* Payroll changed under a decision: nothing is applied, the window reads
 * again and shows who changed, with their decision reset. */
static void
test_stale_decision (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PbRecord) changed = NULL;
  PbPlanItem *kari;
  PbProviderArgs args = { 0 };
  g_autoptr(GError) error = NULL;

  if (!have_display)
    return;

  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "prefer-hr");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.bulk", "s", "create-in-payroll");

  kari = stored_item (f, "kari@acme.no");
  changed = pb_record_copy (kari->payroll);
  pb_record_set (changed, PB_EMPLOYEE_PHONE, "+47 911 11 111");
  args.record = changed;
  args.remote_id = kari->remote_id;
  pb_remote_free (pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error));
  g_assert_no_error (error);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "matching.apply", NULL);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  while (pb_matching_window_get_notice (f->window) == NULL ||
         strstr (pb_matching_window_get_notice (f->window), "Payroll changed") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  g_assert_nonnull (strstr (pb_matching_window_get_notice (f->window), "Kari Nordmann"));

  kari = stored_item (f, "kari@acme.no");
  g_assert_cmpuint (kari->changed, ==, 1u << PB_EMPLOYEE_PHONE);
  g_assert_cmpint (kari->decision, ==, PB_DECISION_NONE);
  g_assert_cmpint (stored_item (f, "per@acme.no")->decision, ==, PB_DECISION_CREATE_IN_PAYROLL);
  g_assert_null (stored_item (f, "per@acme.no")->outcome);
}

/* The connection's row offers "Sync Users…" while it is established (the
 * way to activate it, SPEC C3/U6), and it opens this window on the stored
 * plan. */
static gboolean
has_matching_window (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (PB_IS_MATCHING_WINDOW (window))
        {
          *(PbMatchingWindow **) data = PB_MATCHING_WINDOW (window);
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
has_no_matching_window (gpointer data)
{
  PbMatchingWindow *window = NULL;

  return !has_matching_window (&window);
}

static void
test_row_opens_window (Fixture       *f,
                       gconstpointer  data)
{
  GtkWindow *main_window;
  GtkWidget *page;
  PbConnectionRow *row;
  PbMatchingWindow *opened = NULL;
  GtkWidget *button;

  if (!have_display)
    return;

  /* A plan read earlier; the window opens on it without the network. */
  open_window (f, f->provider);
  g_assert_true (pb_test_iterate_until (shows_plan, f->window, 20));
  close_window (f);

  page = pb_connections_page_new ();
  pb_connections_page_set_store (PB_CONNECTIONS_PAGE (page), f->store);
  main_window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (main_window, page);
  gtk_window_present (main_window);

  row = pb_connections_page_find_row (PB_CONNECTIONS_PAGE (page), "Acme");
  g_assert_nonnull (row);
  button = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (row), PB_TYPE_CONNECTION_ROW, "sync_button"));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "connections.sync-users");
  g_assert_true (gtk_widget_has_css_class (button, "suggested-action"));

  gtk_widget_activate (button);
  g_assert_true (pb_test_iterate_until (has_matching_window, &opened, 20));
  g_assert_cmpstr (pb_matching_window_get_state (opened), ==, "plan");
  g_assert_cmpuint (g_list_model_get_n_items (pb_matching_window_get_section (opened,
                                                                              PB_MATCHING_SECTION_ATTENTION)),
                    ==, 1);

  gtk_window_destroy (main_window);   /* takes the matching window with it */
  g_assert_true (pb_test_iterate_until (has_no_matching_window, NULL, 20));
}

int
main (int   argc,
      char *argv[])
{
#ifdef __SANITIZE_ADDRESS__
  /* See test-people-view.c: no llvmpipe JIT under ASan. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
#endif

  pb_test_use_system_mime_database ();
  have_display = gtk_init_check ();
  if (have_display)
    {
      adw_init ();
      gtk_icon_theme_get_for_display (gdk_display_get_default ());
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (!have_display)
    pb_test_skip_or_fail ("no display (run under build-aux/run-headless)");

#define ADD(path, func) g_test_add ("/matching-view/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("sections-U1-U4-U9", test_sections);
  ADD ("decide-in-rows-and-for-all-U3-U4", test_decide_in_rows_and_for_all);
  ADD ("offline-review-restart-then-apply-U5-U6-U11", test_offline_restart_then_apply);
  ADD ("stale-decision-reread", test_stale_decision);
  ADD ("connection-row-opens-it-C3-U6", test_row_opens_window);
  ADD ("pair-and-unpair-U1-U3-U4", test_pair_and_unpair);
  ADD ("paused-for-import", test_paused_for_import);
#undef ADD

  return g_test_run ();
}
