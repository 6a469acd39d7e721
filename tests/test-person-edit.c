/* test-person-edit.c: editing a person in the People view (issue 12):
 * the person's own fields, a position, an absence and a salary changed
 * through the view's actions, each change reaching the payroll sandbox
 * through the outbox (judged by GET /_sandbox/state); a bad value shows
 * its message and saves nothing; Undo sends the correction; the periods
 * rule is checked before saving; what payroll knows is shown.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pb-application.h"
#include "pb-mapping.h"
#include "pb-outbox.h"
#include "pb-people-page.h"
#include "pb-person-detail-private.h"
#include "pb-record-editor.h"
#include "pb-sandbox.h"
#include "pb-sync-driver.h"
#include "pb-sync-engine.h"
#include "pb-test-ui.h"
#include "pb-test-utils.h"
#include "pb-window.h"

#define WAIT_CAP_SECONDS 60

/* Kari is in both systems; her pending vacation and her salary are from
 * before the connection was activated, so nothing of them is sent until
 * they change (SPEC C5). */
static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"absence_types\": [ { \"key\": \"vac\", \"name\": \"Vacation\" } ],"
  "  \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
  "    \"phone\": \"+47 400 00 001\", \"company\": \"acme\", \"first_workday\": \"2024-01-01\","
  "    \"absences\": [ { \"type\": \"vac\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-19\" } ],"
  "    \"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"50000\", \"currency\": \"NOK\","
  "                      \"period_unit\": \"monthly\" } ] }"
  "] }";

static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" }"
  "] }";

typedef struct
{
  PbTestApp       t;
  PbPersonDetail *detail;
  gint64          kari;
} Fixture;

/* --- helpers ------------------------------------------------------------------------ */

typedef struct
{
  GBytes  *body;
  GError  *error;
  gboolean done;
} Fetch;

static void
on_fetched_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &fetch->error);
  fetch->done = TRUE;
}

/* GET /_sandbox/state, over HTTP as any client would. */
static JsonNode *
sandbox_state (Fixture *f)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/state", pb_sandbox_get_url (f->t.sandbox));
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  Fetch fetch = { 0 };
  JsonNode *node;
  gsize size;
  const char *data;

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, on_fetched_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (fetch.error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
  data = g_bytes_get_data (fetch.body, &size);
  node = json_from_string (data, &error);
  g_assert_no_error (error);
  g_bytes_unref (fetch.body);
  return node;
}

static JsonArray *
state_array (JsonNode   *state,
             const char *name)
{
  return json_object_get_array_member (json_node_get_object (state), name);
}

static gint64
ref_id (JsonObject *object,
        const char *member)
{
  JsonObject *ref = json_object_get_object_member (object, member);

  return ref != NULL ? json_object_get_int_member (ref, "id") : 0;
}

static JsonObject *
payroll_kari (JsonNode *state)
{
  JsonArray *employees = state_array (state, "employees");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), "kari@acme.no") == 0)
        return e;
    }
  g_assert_not_reached ();
  return NULL;
}

/* How many records of @array in @state refer to payroll's Kari by @member. */
static guint
count_kari_records (JsonNode   *state,
                    const char *array,
                    const char *member)
{
  gint64 id = json_object_get_int_member (payroll_kari (state), "id");
  JsonArray *records = state_array (state, array);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (records); i++)
    n += ref_id (json_array_get_object_element (records, i), member) == id;
  return n;
}

/* The annual salary on the employment details of Kari's employments. */
static double
kari_annual_salary (JsonNode *state)
{
  gint64 id = json_object_get_int_member (payroll_kari (state), "id");
  JsonArray *employments = state_array (state, "employments");
  JsonArray *details = state_array (state, "employmentDetails");
  double salary = 0;

  for (guint i = 0; i < json_array_get_length (employments); i++)
    {
      JsonObject *employment = json_array_get_object_element (employments, i);

      if (ref_id (employment, "employee") != id)
        continue;
      for (guint d = 0; d < json_array_get_length (details); d++)
        {
          JsonObject *detail = json_array_get_object_element (details, d);

          if (ref_id (detail, "employment") == json_object_get_int_member (employment, "id"))
            salary = MAX (salary, json_object_get_double_member_with_default (detail, "annualSalary", 0));
        }
    }
  return salary;
}

typedef gboolean (*StateCheck) (JsonNode   *state,
                                gconstpointer expected);

/* Waits until the sandbox's state says what @check wants; the driver
 * sends on its own (SPEC U7: the outbox, processed on the main loop). */
static void
wait_for_state (Fixture       *f,
                StateCheck     check,
                gconstpointer  expected,
                const char    *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_CAP_SECONDS * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonNode) state = sandbox_state (f);
      gint64 pause = g_get_monotonic_time () + G_USEC_PER_SEC / 10;

      if (check (state, expected))
        return;
      while (g_get_monotonic_time () < pause)
        g_main_context_iteration (NULL, FALSE);
    }
  g_error ("The sandbox never showed %s", what);
}

static gboolean
phone_is (JsonNode      *state,
          gconstpointer  expected)
{
  return g_strcmp0 (json_object_get_string_member_with_default (payroll_kari (state), "phoneNumberMobile", NULL),
                    expected) == 0;
}

static gboolean
n_employments_is (JsonNode      *state,
                  gconstpointer  expected)
{
  return count_kari_records (state, "employments", "employee") == GPOINTER_TO_UINT (expected);
}

static gboolean
n_entries_is (JsonNode      *state,
              gconstpointer  expected)
{
  return count_kari_records (state, "timesheetEntries", "employee") == GPOINTER_TO_UINT (expected);
}

static gboolean
annual_salary_is (JsonNode      *state,
                  gconstpointer  expected)
{
  return kari_annual_salary (state) == *(const double *) expected;
}

static PbFieldEditor *
fields (Fixture *f)
{
  return pb_person_detail_get_fields (f->detail);
}

static PbRecord *
kari_now (Fixture *f)
{
  PbRecord *kari = pb_store_get (f->t.store, PB_ENTITY_EMPLOYEE, f->kari, NULL);

  g_assert_nonnull (kari);
  return kari;
}

static PbRecord *
only_child (Fixture  *f,
            PbEntity  entity)
{
  g_autoptr(GPtrArray) records = pb_store_list (f->t.store, entity, f->kari, NULL);

  g_assert_cmpuint (records->len, ==, 1);
  return g_object_ref (g_ptr_array_index (records, 0));
}

static GtkListBox *
detail_list (Fixture    *f,
             const char *name)
{
  GObject *list = gtk_widget_get_template_child (GTK_WIDGET (f->detail), PB_TYPE_PERSON_DETAIL, name);

  g_assert_true (GTK_IS_LIST_BOX (list));
  return GTK_LIST_BOX (list);
}

static const char *
row_subtitle (Fixture    *f,
              const char *list,
              int         index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (detail_list (f, list), index);

  g_assert_true (ADW_IS_ACTION_ROW (row));
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

/* Opens the editor by the view's action, fills it in and saves. */
static PbRecordEditor *
open_editor (Fixture    *f,
             const char *action,
             GVariant   *target)
{
  GtkWindow *dialog;

  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (f->detail), action, target));
  pb_test_iterate_idle ();
  dialog = pb_person_detail_get_dialog (f->detail);
  g_assert_true (PB_IS_RECORD_EDITOR (dialog));
  return PB_RECORD_EDITOR (dialog);
}

static void
add_position (Fixture    *f,
              const char *title,
              const char *start)
{
  PbRecordEditor *editor = open_editor (f, "person.add-record", g_variant_new_string ("position"));
  PbFieldEditor *position = pb_record_editor_get_fields (editor);

  g_assert_true (pb_field_editor_set_text (position, PB_POSITION_TITLE, title));
  g_assert_true (pb_field_editor_set_text (position, PB_POSITION_START_DATE, start));
  g_assert_null (pb_record_editor_get_problem (editor));
  g_assert_true (pb_record_editor_save (editor));
  g_assert_null (pb_person_detail_get_dialog (f->detail));
  pb_test_iterate_idle ();
}

/* --- the fixture: the app with an active connection to the sandbox ------------------- */

static void
map_vacation (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = pb_test_call (f->t.provider, PB_OP_LIST_ABSENCE_TYPES, &(PbProviderArgs) { 0 }, &error);
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  g_autoptr(PbRecord) vac = pb_store_find_by_key (f->t.store, PB_ENTITY_ABSENCE_TYPE, "vac", NULL);
  const char *ferie = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (remote->id);
      type->name = g_strdup (remote->name);
      g_ptr_array_add (types, type);
      if (g_strcmp0 (remote->name, "Ferie") == 0)
        ferie = type->id;
    }
  g_assert_nonnull (ferie);
  pb_store_save_remote_types (f->t.store, f->t.connection->id, types, &error);
  g_assert_no_error (error);
  pb_store_set_mapping (f->t.store, f->t.connection->id, pb_record_get_id (vac), PB_MAPPING_MAPPED, ferie, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  PbPeoplePage *page;

  if (!pb_test_app_start (&f->t, "person-edit", payroll_seed, hr_json))
    return;

  /* A connection syncing everything, activated by its first user sync
   * (which links Kari, SPEC U6); the company pays in NOK (S4). */
  pb_test_app_connect (&f->t, PB_DATA_ALL, TRUE);
  map_vacation (f);
  pb_test_app_show (&f->t, 1100, 760);

  {
    g_autoptr(PbRecord) kari = pb_store_find_employee (f->t.store, NULL, "kari@acme.no", NULL);

    f->kari = pb_record_get_id (kari);
  }
  pb_window_set_view (f->t.window, "people");
  page = PB_PEOPLE_PAGE (gtk_widget_get_template_child (GTK_WIDGET (f->t.window), PB_TYPE_WINDOW, "people_page"));
  g_assert_true (pb_people_page_show_person (page, f->kari));
  f->detail = PB_PERSON_DETAIL (gtk_widget_get_template_child (GTK_WIDGET (page), PB_TYPE_PEOPLE_PAGE, "detail"));
  g_assert_cmpint (pb_record_get_id (pb_person_detail_get_person (f->detail)), ==, f->kari);
  pb_test_iterate_idle ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pb_test_app_stop (&f->t);
}

/* --- the tests ---------------------------------------------------------------------- */

/* SPEC U7: a phone edited in the pane and saved is one change of the
 * register, and the outbox takes it to payroll; Undo is a new change
 * with the previous value, sent as well. The Payroll group says Kari is
 * linked. */
static void
test_edit_phone (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PbRecord) saved = NULL;
  g_autoptr(PbRecord) undone = NULL;
  gint64 before;

  if (!pb_test_ui_available ())
    return;

  g_assert_true (g_str_has_prefix (row_subtitle (f, "payroll_list", 0), "Linked to employee "));

  before = pb_store_max_change_id (f->t.store);
  g_assert_true (pb_field_editor_set_text (fields (f), PB_EMPLOYEE_PHONE, "+47 955 55 555"));
  g_assert_true (pb_field_editor_is_changed (fields (f)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.save", NULL));
  saved = kari_now (f);
  g_assert_cmpstr (pb_record_get (saved, PB_EMPLOYEE_PHONE), ==, "+47 955 55 555");
  g_assert_cmpint (pb_store_max_change_id (f->t.store), ==, before + 1);
  g_assert_cmpstr (pb_person_detail_get_last_toast (f->detail), ==, "Kari Nordmann saved");
  /* The pane shows what is stored, with nothing left to save. */
  g_assert_false (pb_field_editor_is_changed (fields (f)));
  wait_for_state (f, phone_is, "+47 955 55 555", "the new phone");

  /* Undo: the old phone back, as a new change that payroll gets too. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.undo", NULL));
  undone = kari_now (f);
  g_assert_cmpstr (pb_record_get (undone, PB_EMPLOYEE_PHONE), ==, "+47 400 00 001");
  g_assert_cmpint (pb_store_max_change_id (f->t.store), ==, before + 2);
  g_assert_cmpstr (pb_person_detail_get_last_toast (f->detail), ==, "Change undone");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pb_field_editor_get_row (fields (f), PB_EMPLOYEE_PHONE))),
                   ==, "+47 400 00 001");
  wait_for_state (f, phone_is, "+47 400 00 001", "the phone put back by Undo");
}

/* SPEC R1: a bad value shows the import's message under its field, Save
 * cannot be used while it is there, and nothing is written; Cancel puts
 * the stored values back. */
static void
test_bad_value (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PbRecord) after = NULL;
  gint64 before = pb_store_max_change_id (f->t.store);
  GtkWidget *save_button;

  if (!pb_test_ui_available ())
    return;

  save_button = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->detail), PB_TYPE_PERSON_DETAIL,
                                                           "save_button"));
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_PHONE, "+47 400 00 001 ext. 12345678901234567");
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_EMAIL, "kari.acme.no");
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_LAST_WORKDAY, "2023-12-31");
  pb_test_iterate_idle ();
  g_assert_cmpstr (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_PHONE), ==,
                   "Phone is longer than 32 characters");
  g_assert_cmpstr (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_EMAIL), ==,
                   "“kari.acme.no” is not an email address: it needs exactly one “@”");
  g_assert_cmpstr (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_LAST_WORKDAY), ==,
                   "The last workday is before the first workday");
  g_assert_true (gtk_widget_has_css_class (pb_field_editor_get_row (fields (f), PB_EMPLOYEE_PHONE), "error"));
  g_assert_false (pb_field_editor_is_valid (fields (f)));
  g_assert_false (gtk_widget_get_sensitive (save_button));

  gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.save", NULL);
  pb_test_iterate_idle ();
  g_assert_cmpint (pb_store_max_change_id (f->t.store), ==, before);
  after = kari_now (f);
  g_assert_cmpstr (pb_record_get (after, PB_EMPLOYEE_PHONE), ==, "+47 400 00 001");
  g_assert_cmpstr (pb_record_get (after, PB_EMPLOYEE_EMAIL), ==, "kari@acme.no");

  /* A fixed value clears its message; Cancel restores the rest. */
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_EMAIL, "kari@acme.no");
  g_assert_null (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_EMAIL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.cancel", NULL));
  g_assert_null (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_PHONE));
  g_assert_null (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_LAST_WORKDAY));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pb_field_editor_get_row (fields (f), PB_EMPLOYEE_PHONE))),
                   ==, "+47 400 00 001");
  g_assert_false (pb_field_editor_is_changed (fields (f)));
  g_assert_cmpint (pb_store_max_change_id (f->t.store), ==, before);
}

/* SPEC P1, P2: a position added in the editor goes to payroll as an
 * employment; one that would overlap it is refused before saving, naming
 * the period it clashes with, and nothing is written. */
static void
test_add_position (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PbRecord) position = NULL;
  PbRecordEditor *editor;
  PbFieldEditor *editing;
  gint64 before;

  if (!pb_test_ui_available ())
    return;

  add_position (f, "Developer", "2024-01-01");
  position = only_child (f, PB_ENTITY_POSITION);
  g_assert_cmpstr (pb_record_get (position, PB_POSITION_TITLE), ==, "Developer");
  g_assert_cmpstr (pb_person_detail_get_last_toast (f->detail), ==, "Position added");
  wait_for_state (f, n_employments_is, GUINT_TO_POINTER (1), "Kari's employment");

  /* The periods rule: before the first workday, then overlapping. */
  editor = open_editor (f, "person.add-record", g_variant_new_string ("position"));
  editing = pb_record_editor_get_fields (editor);
  pb_field_editor_set_text (editing, PB_POSITION_TITLE, "Lead");
  pb_field_editor_set_text (editing, PB_POSITION_START_DATE, "2023-06-01");
  g_assert_cmpstr (pb_record_editor_get_problem (editor), ==,
                   "The period 2023-06-01 – ongoing starts before the first workday, 2024-01-01");
  pb_field_editor_set_text (editing, PB_POSITION_START_DATE, "2024-06-01");
  g_assert_cmpstr (pb_record_editor_get_problem (editor), ==,
                   "The position 2024-06-01 – ongoing overlaps another: 2024-01-01 – ongoing");
  g_assert_false (pb_record_editor_can_save (editor));
  before = pb_store_max_change_id (f->t.store);
  g_assert_false (pb_record_editor_save (editor));
  g_assert_cmpint (pb_store_max_change_id (f->t.store), ==, before);
  gtk_window_destroy (GTK_WINDOW (editor));

  /* What payroll knows of the position, once sent. */
  pb_test_iterate_idle ();
  g_assert_nonnull (strstr (row_subtitle (f, "positions_list", 0), "\nSent to Tripletex"));
}

/* SPEC A1: approving the vacation from its row's menu sends it (one
 * timesheet entry a weekday); A4: unapproving deletes it again. */
static void
test_approve_absence (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PbRecord) absence = NULL;
  g_autoptr(PbRecord) approved = NULL;
  g_autoptr(JsonNode) state = NULL;

  if (!pb_test_ui_available ())
    return;

  absence = only_child (f, PB_ENTITY_ABSENCE);
  g_assert_cmpstr (pb_record_get (absence, PB_ABSENCE_STATE), ==, "pending");
  state = sandbox_state (f);
  g_assert_cmpuint (count_kari_records (state, "timesheetEntries", "employee"), ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.set-absence-state", "(sx)",
                                             "approved", pb_record_get_id (absence)));
  approved = only_child (f, PB_ENTITY_ABSENCE);
  g_assert_cmpstr (pb_record_get (approved, PB_ABSENCE_STATE), ==, "approved");
  g_assert_cmpstr (pb_person_detail_get_last_toast (f->detail), ==, "Absence approved");
  wait_for_state (f, n_entries_is, GUINT_TO_POINTER (3), "the vacation's three days");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.set-absence-state", "(sx)",
                                             "unapproved", pb_record_get_id (absence)));
  wait_for_state (f, n_entries_is, GUINT_TO_POINTER (0), "the vacation deleted");
}

/* SPEC S1, S6: the salary changed in its editor reaches payroll on the
 * employment of the position added first; Undo sends the old amount. */
static void
test_change_salary (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PbRecord) salary = NULL;
  g_autoptr(PbRecord) changed = NULL;
  g_autoptr(PbRecord) undone = NULL;
  PbRecordEditor *editor;
  double raised = 660000.0, old = 600000.0;

  if (!pb_test_ui_available ())
    return;

  add_position (f, "Developer", "2024-01-01");
  wait_for_state (f, n_employments_is, GUINT_TO_POINTER (1), "Kari's employment");

  salary = only_child (f, PB_ENTITY_SALARY);
  editor = open_editor (f, "person.edit-record", g_variant_new ("(sx)", "salary", pb_record_get_id (salary)));
  g_assert_true (pb_field_editor_set_text (pb_record_editor_get_fields (editor), PB_SALARY_AMOUNT, "55000"));
  g_assert_true (pb_record_editor_save (editor));
  changed = only_child (f, PB_ENTITY_SALARY);
  g_assert_cmpstr (pb_record_get (changed, PB_SALARY_AMOUNT), ==, "55000.00");
  g_assert_cmpint (pb_record_get_id (changed), ==, pb_record_get_id (salary));
  wait_for_state (f, annual_salary_is, &raised, "the raised salary");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.undo", NULL));
  undone = only_child (f, PB_ENTITY_SALARY);
  g_assert_cmpstr (pb_record_get (undone, PB_SALARY_AMOUNT), ==, pb_record_get (salary, PB_SALARY_AMOUNT));
  wait_for_state (f, annual_salary_is, &old, "the salary put back by Undo");
}

/* SPEC U9, U10: the confirmations say what happens in each active
 * connection; deactivating holds Kari back, and the Payroll group says so. */
static void
test_deactivate (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *deactivate = NULL;
  g_autofree char *delete = NULL;
  g_autoptr(PbRecord) after = NULL;
  GtkWindow *dialog;

  if (!pb_test_ui_available ())
    return;

  deactivate = pb_person_detail_dup_consequences (f->detail, "deactivated");
  delete = pb_person_detail_dup_consequences (f->detail, "deleted");
  g_assert_nonnull (strstr (deactivate, "Acme payroll: they stay in Tripletex as they are, and Paybridge sends no more"));
  g_assert_nonnull (strstr (delete, "Acme payroll: they stay in Tripletex: Paybridge never deletes anyone in payroll"));
  g_assert_nonnull (strstr (delete, "offers to recreate them in the HR register"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.deactivate", NULL));
  dialog = pb_person_detail_get_dialog (f->detail);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), ==, deactivate);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "deactivated");
  pb_test_iterate_idle ();
  after = kari_now (f);
  g_assert_cmpstr (pb_record_get (after, PB_EMPLOYEE_STATUS), ==, "deactivated");
  g_assert_true (g_str_has_prefix (row_subtitle (f, "payroll_list", 0), "Held back: deactivated in HR"));
}

/* Add person: an empty pane, Save (insensitive until the required
 * fields are in) adds them, and the People table selects them. */
static void
test_add_person (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PbRecord) added = NULL;

  if (!pb_test_ui_available ())
    return;

  pb_person_detail_add_person (f->detail, f->t.store);
  g_assert_cmpint (pb_record_get_id (pb_person_detail_get_person (f->detail)), ==, 0);
  g_assert_cmpstr (pb_field_editor_get_message (fields (f), PB_EMPLOYEE_EMAIL), ==, "Email is required");
  g_assert_false (pb_field_editor_is_valid (fields (f)));
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_GIVEN_NAME, "Per");
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_FAMILY_NAME, "Berg");
  pb_field_editor_set_text (fields (f), PB_EMPLOYEE_EMAIL, "per@acme.no");
  g_assert_true (pb_field_editor_is_valid (fields (f)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->detail), "person.save", NULL));
  pb_test_iterate_idle ();
  added = pb_store_find_employee (f->t.store, NULL, "per@acme.no", NULL);
  g_assert_nonnull (added);
  g_assert_cmpstr (pb_record_get (added, PB_EMPLOYEE_STATUS), ==, "active");
  g_assert_cmpint (pb_record_get_id (pb_person_detail_get_person (f->detail)), ==, pb_record_get_id (added));
  g_assert_cmpstr (pb_person_detail_get_last_toast (f->detail), ==, "Per Berg added");
}

int
main (int   argc,
      char *argv[])
{
  pb_test_ui_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/person-edit/U7-edit-phone-and-undo", test_edit_phone);
  ADD ("/person-edit/R1-bad-value-saves-nothing", test_bad_value);
  ADD ("/person-edit/P1-P2-add-position", test_add_position);
  ADD ("/person-edit/A1-A4-approve-absence", test_approve_absence);
  ADD ("/person-edit/S1-change-salary-and-undo", test_change_salary);
  ADD ("/person-edit/U9-U10-deactivate", test_deactivate);
  ADD ("/person-edit/add-person", test_add_person);

#undef ADD

  return g_test_run ();
}
