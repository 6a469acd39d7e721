/* test-unimicro.c: the Unimicro connector against the payroll sandbox
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "pb-connections.h"
#include "pb-outbox.h"
#include "pb-oauth2.h"
#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-store.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

/* The real connector ("unimicro") over real HTTP against `--system
 * unimicro`: signed in through PbOAuth2, tokens in the test keyring, the
 * company chosen at set-up (the connection's key) in the CompanyKey header
 * of every request. Shapes cite ../shared/api/payroll-apis-notes.md part C. */

#define COMPANY "5f1c2a9e-0000-4000-8000-000000000001"
#define OTHER   "5f1c2a9e-0000-4000-8000-000000000002"

typedef PbTestOAuth2Fixture Fixture;

static void
check_uri (const char *uri)
{
  g_assert_null (strstr (uri, "tenant_id="));
  g_assert_nonnull (strstr (uri, "AppFramework"));   /* C.1: the scope that grants API access */
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *seed = data;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return;

  f->sandbox = pb_sandbox_new ("unimicro", &error);
  g_assert_no_error (error);
  if (seed != NULL)
    {
      pb_sandbox_load_seed_data (f->sandbox, seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  pb_test_oauth2_set_up (f, "unimicro", pb_sandbox_get_url (f->sandbox), pb_sandbox_get_api_url (f->sandbox),
                         COMPANY, check_uri);
  pb_provider_set_company (f->provider, COMPANY);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pb_test_oauth2_tear_down (f);
}

static gboolean
skipped (Fixture *f)
{
  if (f->sandbox != NULL)
    return FALSE;
  pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
  return TRUE;
}

/* --- helpers ---------------------------------------------------------------------------- */

static PbRecord *
make_employee (const char *email,
               const char *number)
{
  PbRecord *record = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (record, PB_EMPLOYEE_GIVEN_NAME, "Kari");
  pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
  pb_record_set (record, PB_EMPLOYEE_EMAIL, email);
  pb_record_set (record, PB_EMPLOYEE_PHONE, "+47 900 00 001");
  pb_record_set (record, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);
  pb_record_set (record, PB_EMPLOYEE_FIRST_WORKDAY, "2020-01-01");
  pb_record_set (record, PB_EMPLOYEE_DATE_OF_BIRTH, "1990-05-17");
  pb_record_set (record, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
  return record;
}

static PbRecord *
make_position (const char *start,
               const char *end,
               const char *reason)
{
  PbRecord *record = pb_record_new (PB_ENTITY_POSITION);

  pb_record_set (record, PB_POSITION_START_DATE, start);
  pb_record_set (record, PB_POSITION_END_DATE, end);
  pb_record_set (record, PB_POSITION_END_REASON, reason);
  pb_record_set (record, PB_POSITION_TITLE, "Lærer");
  pb_record_set (record, PB_POSITION_PERCENTAGE, "60");
  pb_record_set (record, PB_POSITION_CONTRACT_TYPE, "temporary");
  return record;
}

/* The records of @entity in the first company, as the sandbox holds them. */
static JsonArray *
held (Fixture    *f,
      const char *entity)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonArray *companies = json_object_get_array_member (json_node_get_object (state), "companies");

  return json_array_ref (json_object_get_array_member (json_array_get_object_element (companies, 0), entity));
}

static JsonObject *
held_one (Fixture    *f,
          const char *entity,
          const char *id)
{
  g_autoptr(JsonArray) records = held (f, entity);

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);

      if (json_object_get_int_member (record, "ID") == g_ascii_strtoll (id, NULL, 10))
        return json_object_ref (record);
    }
  return NULL;
}

static char *
seed_of (guint n)
{
  GString *seed = g_string_new ("{\"employees\": [");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (seed, "%s{\"EmployeeNumber\": %u, \"BusinessRelationInfo\": {\"Name\": \"P%u Seeded\", "
                            "\"DefaultEmail\": {\"EmailAddress\": \"p%u@nordlys.no\"}}}",
                            i > 0 ? ", " : "", i + 1, i + 1, i + 1);
  g_string_append (seed, "]}");
  return g_string_free (seed, FALSE);
}

typedef struct
{
  gboolean    done;
  PbProvider *provider;
  GError     *error;
} Opened;

static void
on_opened_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Opened *o = user_data;

  o->provider = pb_connections_open_finish (result, &o->error);
  o->done = TRUE;
}

/* --- the company (notes C.2) ----------------------------------------------------------------- */

static void
test_company (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = NULL;
  g_autoptr(PbProvider) unchosen = NULL;
  g_autoptr(PbProvider) opened = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) unreachable = NULL;
  PbRemoteCompany *row;
  Opened o = { 0 };

  if (skipped (f))
    return;

  /* The chosen company: its name and organisation number (SPEC C1 matches by it). */
  company = pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (company->id, ==, COMPANY);
  g_assert_cmpstr (company->name, ==, "Nordlys Data AS");
  g_assert_cmpstr (company->org_number, ==, "912345678");
  g_assert_cmpstr (company->currency, ==, "NOK");
  g_clear_pointer (&company, pb_remote_company_free);

  /* None chosen: set-up is told the companies to choose from, by key. */
  unchosen = pb_provider_new ("unimicro", f->connection->base_url, NULL, &error);
  g_assert_no_error (error);
  pb_oauth2_attach (f->oauth2, pb_provider_get_http (unchosen));
  company = pb_test_call (unchosen, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_null (company);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Nordlys Data AS (" COMPANY ")"));
  g_assert_nonnull (strstr (error->message, "Nordlys Eiendom AS (" OTHER ")"));
  g_clear_error (&error);
  /* Issue 15: set-up lists the companies to choose from, with no company
   * chosen: key, name and organisation number, as /init/companies has them. */
  g_assert_true (pb_provider_class_chooses_company (PB_PROVIDER_GET_CLASS (unchosen)));
  listed = pb_test_call (unchosen, PB_OP_LIST_COMPANIES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 2);
  row = g_ptr_array_index (listed, 0);
  g_assert_cmpstr (row->id, ==, COMPANY);
  g_assert_cmpstr (row->name, ==, "Nordlys Data AS");
  g_assert_cmpstr (row->org_number, ==, "912345678");
  g_assert_cmpstr (row->currency, ==, "NOK");
  row = g_ptr_array_index (listed, 1);
  g_assert_cmpstr (row->id, ==, OTHER);
  g_assert_cmpstr (row->name, ==, "Nordlys Eiendom AS");
  g_assert_cmpstr (row->org_number, ==, "987654321");
  /* ...and the API refuses it without a CompanyKey. */
  none = pb_test_call (unchosen, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_clear_error (&error);

  /* The engine sets the connection's company on the connector it opens. */
  pb_connections_open_async (f->connection, NULL, on_opened_cb, &o);
  while (!o.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (o.error);
  opened = o.provider;
  g_assert_cmpstr (pb_provider_get_company (opened), ==, COMPANY);
  all = pb_test_call (opened, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);

  /* C.2: rows may spell their members CompanyKey and CompanyName; the
   * same companies are read. */
  pb_sandbox_load_seed_data (f->sandbox, "{\"company_members\": \"CompanyKey\"}", -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = pb_test_call (unchosen, PB_OP_LIST_COMPANIES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 2);
  row = g_ptr_array_index (listed, 1);
  g_assert_cmpstr (row->id, ==, OTHER);
  g_assert_cmpstr (row->name, ==, "Nordlys Eiendom AS");
  g_assert_cmpstr (row->org_number, ==, "987654321");
  company = pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (company->name, ==, "Nordlys Data AS");
  g_clear_pointer (&company, pb_remote_company_free);

  /* A user who may act on no company: none listed, and the check says so
   * rather than listing nothing to choose from. */
  pb_sandbox_load_seed_data (f->sandbox, "{\"companies\": 0}", -1, &error);
  g_assert_no_error (error);
  unreachable = pb_test_call (f->provider, PB_OP_LIST_COMPANIES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unreachable->len, ==, 0);
  company = pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_null (company);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FORBIDDEN);
  g_assert_true (g_str_has_prefix (error->message, "This Unimicro user may not act on any company."));
}

static void
test_class (void)
{
  GType type = pb_provider_type_for_id ("unimicro");
  g_autoptr(PbProviderClass) klass = NULL;

  g_assert_true (type != G_TYPE_INVALID);
  klass = g_type_class_ref (type);
  g_assert_cmpstr (klass->display_name, ==, "Unimicro");
  g_assert_cmpint (klass->auth_kind, ==, PB_AUTH_OAUTH2);
  g_assert_cmpstr (klass->default_base_url, ==, "https://app.unimicro.no/api/");   /* C.1 */
  g_assert_cmpstr (klass->test_base_url, ==, "https://test.unimicro.no/api/");
  g_assert_true (g_str_has_prefix (klass->oauth2_auth_url, "https://login.unimicro.no/"));
  g_assert_true (g_str_has_prefix (klass->oauth2_token_url, "https://login.unimicro.no/"));
  g_assert_cmpstr (klass->company_header, ==, "CompanyKey");
  g_assert_null (klass->oauth2_tenant_param);
  /* SPEC table: users, positions (history, deletable), salary deleted (S2); absence no*. */
  g_assert_cmpint (klass->data_types, ==, PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY);
  g_assert_cmpint (klass->position_model, ==, PB_POSITIONS_HISTORY);
  g_assert_true (klass->can_delete_positions);
  g_assert_cmpint (klass->salary_delete, ==, PB_SALARY_DELETE_REMOVES);
  g_assert_false (pb_provider_class_supports (klass, PB_OP_CREATE_ABSENCE));
  g_assert_false (pb_provider_class_supports (klass, PB_OP_LIST_ABSENCE_TYPES));
  g_assert_true (pb_provider_class_supports (klass, PB_OP_DELETE_EMPLOYMENT));
  /* Issue 15: set-up chooses the company among those listed. */
  g_assert_true (pb_provider_class_supports (klass, PB_OP_LIST_COMPANIES));
  g_assert_true (pb_provider_class_chooses_company (klass));
}

/* --- users ------------------------------------------------------------------------------------ */

static void
test_list_paging (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  PbRemote *last;

  if (skipped (f))
    return;

  /* Bare arrays (C.2), read by key in pages of 100: 205 people, 3 requests. */
  remotes = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 205);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/api/biz/employees"), ==, 3);
  last = g_ptr_array_index (remotes, 204);
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_GIVEN_NAME), ==, "P205");
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_FAMILY_NAME), ==, "Seeded");
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_EMAIL), ==, "p205@nordlys.no");
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "205");
}

/* Issue 14: the list is converted page by page in a worker thread as the
 * pages come (the next key read on the main loop first); it keeps
 * payroll's order all the same. */
static void
test_list_paging_order (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  gint64 last = 0;

  if (skipped (f))
    return;

  remotes = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 205);
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      g_autofree char *email = g_strdup_printf ("p%u@nordlys.no", i + 1);
      gint64 id = g_ascii_strtoll (remote->id, NULL, 10);

      g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, email);
      /* Unimicro's order: by ID. */
      g_assert_cmpint (id, >, last);
      last = id;
    }
}

/* SPEC R1 on a later page (converted in a worker thread): the listing
 * fails naming the person, and nothing half-read is given. */
static void
test_list_paging_without_id (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  PbSandboxFaults faults = { 0 };

  if (skipped (f))
    return;

  /* P150, on the second page: its ID from a listing first. */
  remotes = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (remotes, 149))->record, PB_EMPLOYEE_EMAIL), ==,
                   "p150@nordlys.no");
  faults.omit_id = g_ascii_strtoll (((PbRemote *) g_ptr_array_index (remotes, 149))->id, NULL, 10);
  g_clear_pointer (&remotes, g_ptr_array_unref);

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  remotes = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "P150 Seeded"));
  g_assert_nonnull (strstr (error->message, "“ID”"));
}

static void
test_find_by_email (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) wanted = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autoptr(PbRemote) found = NULL;
  g_autoptr(PbRemote) missing = NULL;
  PbProviderArgs args = { .record = wanted };

  if (skipped (f))
    return;

  /* SPEC U1: trimmed, case-insensitive. */
  pb_record_set (wanted, PB_EMPLOYEE_EMAIL, "  HENRIK.Solberg@NordlysData.no ");
  found = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (pb_record_get (found->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1002");
  g_assert_cmpstr (pb_record_get (found->record, PB_EMPLOYEE_GIVEN_NAME), ==, "Henrik");
  g_assert_cmpstr (pb_record_get (found->record, PB_EMPLOYEE_PHONE), ==, "+47 926 00 000");

  pb_record_set (wanted, PB_EMPLOYEE_EMAIL, "o'brien@nordlysdata.no");   /* a quote in the filter */
  missing = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_null (missing);
}

static void
test_create_update (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@example.com", "101");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  PbProviderArgs args = { .record = kari, .employee = kari };
  JsonObject *info;

  if (skipped (f))
    return;

  created = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_GIVEN_NAME), ==, "Kari");
  g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_EMAIL), ==, "kari@example.com");
  before = held_one (f, "employees", created->id);
  info = json_object_get_object_member (before, "BusinessRelationInfo");
  g_assert_cmpstr (json_object_get_string_member (info, "Name"), ==, "Kari Nordmann");   /* C.4 */
  g_assert_cmpint (json_object_get_int_member (before, "EmployeeNumber"), ==, 101);     /* an int */
  g_assert_cmpstr (json_object_get_string_member (before, "BirthDate"), ==, "1990-05-17");
  g_assert_false (json_object_has_member (before, "Address"));

  pb_record_set (kari, PB_EMPLOYEE_FAMILY_NAME, "Berg");
  pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 900 00 002");
  args.remote_id = created->id;
  updated = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (updated->id, ==, created->id);
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_FAMILY_NAME), ==, "Berg");
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_PHONE), ==, "+47 900 00 002");
  after = held_one (f, "employees", created->id);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (after, "BusinessRelationInfo"), "Name"),
                   ==, "Kari Berg");
  g_assert_cmpuint (json_array_get_length (held (f, "employees")), ==, 4);
}

static void
test_number_not_integer (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@example.com", "A-101");
  PbProviderArgs args = { .record = kari, .employee = kari };
  PbRemote *created;

  if (skipped (f))
    return;

  created = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_null (created);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "A-101"));
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/api/biz/employees"), ==, 0);
}

/* SPEC R1: a record without its ID is an error naming it, not a crash. */
static void
test_omitted_id (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PbSandboxFaults faults = { .omit_id = 1 };
  GPtrArray *remotes;

  if (skipped (f))
    return;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  remotes = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "Ingrid Haugen"));
}

/* --- positions (SPEC P2) ---------------------------------------------------------------------- */

static void
test_positions_history (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@example.com", "101");
  PbProviderArgs args = { .record = kari, .employee = kari };
  g_autoptr(PbRemote) employee = NULL;
  g_autoptr(PbRecord) first = make_position ("2020-01-01", "2020-12-31", "contract_expired");
  g_autoptr(PbRecord) second = make_position ("2021-01-01", NULL, "resigned");
  g_autoptr(PbRemote) one = NULL;
  g_autoptr(PbRemote) two = NULL;
  g_autoptr(PbRemote) changed = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(JsonObject) held_two = NULL;
  g_autoptr(JsonObject) held_one_ = NULL;
  gpointer deleted;

  if (skipped (f))
    return;

  employee = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);

  /* Every period is its own Employment (P2). */
  args = (PbProviderArgs) { .employee_id = employee->id, .record = first, .employee = kari };
  one = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  args.record = second;
  two = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one->id, !=, two->id);

  held_one_ = held_one (f, "employments", one->id);
  g_assert_cmpstr (json_object_get_string_member (held_one_, "EndDate"), ==, "2020-12-31");
  g_assert_cmpint (json_object_get_int_member (held_one_, "EndDateReason"), ==, 6);   /* TemporaryEmploymentHasExpired */
  g_assert_cmpint (json_object_get_int_member (held_one_, "EmploymentType"), ==, 2);  /* Temporary */
  g_assert_cmpstr (json_object_get_string_member (held_one_, "JobName"), ==, "Lærer");
  /* A reason without an end date is not sent (the a-melding keeps it for ended ones). */
  held_two = held_one (f, "employments", two->id);
  g_assert_cmpint (json_object_get_int_member (held_two, "EndDateReason"), ==, 0);

  args = (PbProviderArgs) { .employee_id = employee->id };
  listed = pb_test_call (f->provider, PB_OP_LIST_EMPLOYMENTS, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 2);
  g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (listed, 0))->record, PB_POSITION_END_REASON),
                   ==, "contract_expired");
  g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (listed, 0))->record, PB_POSITION_PERCENTAGE),
                   ==, "60");
  g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (listed, 1))->record, PB_POSITION_CONTRACT_TYPE),
                   ==, "temporary");

  /* The second ends: its reason goes with the end date. */
  pb_record_set (second, PB_POSITION_END_DATE, "2023-06-30");
  args = (PbProviderArgs) { .employee_id = employee->id, .remote_id = two->id, .record = second, .employee = kari };
  changed = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (changed->record, PB_POSITION_END_REASON), ==, "resigned");
  g_clear_pointer (&held_two, json_object_unref);
  held_two = held_one (f, "employments", two->id);
  g_assert_cmpint (json_object_get_int_member (held_two, "EndDateReason"), ==, 3);   /* EmployeeHasResigned */

  /* SPEC table: Unimicro deletes positions. */
  args = (PbProviderArgs) { .remote_id = one->id };
  deleted = pb_test_call (f->provider, PB_OP_DELETE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_null (deleted);
  g_assert_null (held_one (f, "employments", one->id));
}

/* --- salary (SPEC S1-S3) ---------------------------------------------------------------------- */

static void
test_salary (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) salary = pb_record_new (PB_ENTITY_SALARY);
  g_autoptr(GPtrArray) employments = NULL;
  g_autoptr(GPtrArray) salaries = NULL;
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(JsonObject) post = NULL;
  PbRemote *employment;
  PbProviderArgs args = { .employee_id = "1" };   /* Ingrid, the seed's first */
  gpointer deleted;

  if (skipped (f))
    return;

  employments = pb_test_call (f->provider, PB_OP_LIST_EMPLOYMENTS, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (employments->len, ==, 1);
  employment = g_ptr_array_index (employments, 0);

  /* The seed's recurring post is read as a monthly salary. */
  args.parent_id = employment->id;
  salaries = pb_test_call (f->provider, PB_OP_LIST_SALARIES, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (salaries->len, ==, 1);
  g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (salaries, 0))->record, PB_SALARY_AMOUNT),
                   ==, "60000");
  g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (salaries, 0))->record, PB_SALARY_PERIOD_UNIT),
                   ==, "monthly");

  pb_record_set (salary, PB_SALARY_START_DATE, "2024-01-01");
  pb_record_set (salary, PB_SALARY_AMOUNT, "250");
  pb_record_set (salary, PB_SALARY_CURRENCY, "NOK");
  pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "hourly");
  args.record = salary;
  created = pb_test_call (f->provider, PB_OP_CREATE_SALARY, &args, &error);
  g_assert_no_error (error);
  post = held_one (f, "salarytrans", created->id);
  g_assert_true (json_object_get_boolean_member (post, "IsRecurringPost"));
  g_assert_cmpint (json_object_get_int_member (post, "EmploymentID"), ==, g_ascii_strtoll (employment->id, NULL, 10));
  g_assert_cmpint (json_object_get_int_member (post, "WageTypeNumber"), ==, 1010);
  g_assert_cmpfloat (json_object_get_double_member (post, "Rate"), ==, 250);

  pb_record_set (salary, PB_SALARY_AMOUNT, "275");
  pb_record_set (salary, PB_SALARY_END_DATE, "2024-12-31");
  args.remote_id = created->id;
  updated = pb_test_call (f->provider, PB_OP_UPDATE_SALARY, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (updated->record, PB_SALARY_AMOUNT), ==, "275");
  g_assert_cmpstr (pb_record_get (updated->record, PB_SALARY_END_DATE), ==, "2024-12-31");

  /* SPEC S2: Unimicro deletes it. */
  args = (PbProviderArgs) { .parent_id = employment->id, .remote_id = created->id };
  deleted = pb_test_call (f->provider, PB_OP_DELETE_SALARY, &args, &error);
  g_assert_no_error (error);
  g_assert_null (deleted);
  g_assert_null (held_one (f, "salarytrans", created->id));
}

/* pb_unimicro_provider_read_answer (the fuzz target's entry): a list (a
 * bare array), one employee, employments, salary posts, an error body and
 * an employee without an ID (SPEC R1), by the connector's readers. */
static void
test_read_answer (void)
{
  g_autoptr(PbUnimicroProvider) provider = g_object_new (PB_TYPE_UNIMICRO_PROVIDER, NULL);
  static const char page[] = "[{\"ID\": 1, \"EmployeeNumber\": 1001, \"BusinessRelationInfo\":"
    " {\"Name\": \"Ingrid Haugen\", \"DefaultEmail\": {\"EmailAddress\": \"ingrid@example.no\"}}}]";
  static const char one[] = "{\"ID\": 1, \"EmployeeNumber\": 1001}";
  static const char employments[] = "[{\"ID\": 3, \"StartDate\": \"2019-01-02\", \"JobName\": \"Utvikler\","
    " \"WorkPercent\": 100}]";
  static const char salaries[] = "[{\"ID\": 4, \"WageTypeNumber\": 1000, \"Rate\": 60000, \"Amount\": 1,"
    " \"recurringPostValidFrom\": \"2019-01-02\"}]";
  static const char refused[] = "{\"Message\": \"Validation failed\", \"Messages\": [{\"PropertyName\": \"Bogus\","
    " \"Message\": \"Unknown property\"}]}";
  static const char no_id[] = "[{\"BusinessRelationInfo\": {\"Name\": \"Karin Ek\"}}]";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  PbRemote *remote;

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, page, strlen (page), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (remote->id, ==, "1");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, "ingrid@example.no");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1001");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, one, strlen (one), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_POSITION, employments, strlen (employments), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (remote->id, ==, "3");
  g_assert_cmpstr (pb_record_get (remote->record, PB_POSITION_START_DATE), ==, "2019-01-02");
  g_assert_cmpstr (pb_record_get (remote->record, PB_POSITION_TITLE), ==, "Utvikler");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_SALARY, salaries, strlen (salaries), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (remote->id, ==, "4");
  g_assert_cmpstr (pb_record_get (remote->record, PB_SALARY_START_DATE), ==, "2019-01-02");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, refused, strlen (refused), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Validation failed (1 fields)"));
  g_clear_error (&error);

  /* SPEC R1 */
  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, no_id, strlen (no_id), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "Karin Ek"));
  g_clear_error (&error);
}

/* Found by tests/fuzz/fuzz-unimicro-answer: "[0]", a list whose element is
 * not an object, was a json-glib CRITICAL in the employments' and salary
 * posts' readers; so was a "Messages" entry that is not an object in the
 * error decoder. Each is now an answer Paybridge cannot read. */
static void
test_read_answer_not_objects (void)
{
  g_autoptr(PbUnimicroProvider) provider = g_object_new (PB_TYPE_UNIMICRO_PROVIDER, NULL);
  static const PbEntity entities[] = { PB_ENTITY_EMPLOYEE, PB_ENTITY_POSITION, PB_ENTITY_SALARY };
  static const char *const lists[] = { "[0]", "[{\"ID\": 1}, []]", "[null]" };
  static const char refused[] = "{\"Message\": \"Validation failed\", \"Messages\": [0, \"x\","
    " {\"PropertyName\": \"Bogus\", \"Message\": \"Unknown property\"}]}";
  static const char addresses[] = "{\"ID\": 1, \"BusinessRelationInfo\": {\"Addresses\": [7]}}";

  for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) remotes = NULL;

      for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
        {
          remotes = pb_unimicro_provider_read_answer (provider, entities[e], lists[l], strlen (lists[l]), &error);
          g_assert_null (remotes);
          g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
          g_clear_error (&error);
        }

      remotes = pb_unimicro_provider_read_answer (provider, entities[e], refused, strlen (refused), &error);
      g_assert_null (remotes);
      g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
      g_assert_nonnull (strstr (error->message, "(1 fields)"));
      g_clear_error (&error);

      remotes = pb_unimicro_provider_read_answer (provider, entities[e], addresses, strlen (addresses), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (remotes->len, ==, 1);
    }
}

/* As tests/fuzz/fuzz-fortnox-answer found in Fortnox: a number beyond 64
 * bits was converted to gint64 as is, undefined behaviour (UBSan stops the
 * sanitizer build here): an "ID" of 1e300 is no ID, and a WorkPercent of
 * 1e300 is written out as a decimal. */
static void
test_read_answer_huge_numbers (void)
{
  g_autoptr(PbUnimicroProvider) provider = g_object_new (PB_TYPE_UNIMICRO_PROVIDER, NULL);
  static const char no_id[] = "[{\"ID\": 1e300}]";
  static const char employment[] = "{\"ID\": 3, \"StartDate\": \"2019-01-02\", \"WorkPercent\": -1e300}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, no_id, strlen (no_id), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_clear_error (&error);

  remotes = pb_unimicro_provider_read_answer (provider, PB_ENTITY_POSITION, employment, strlen (employment), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *many = seed_of (205);
  g_autofree char *path = NULL;
  g_autofree char *demo = NULL;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  path = pb_test_source_path ("tests/sandbox/seed-unimicro-demo.json");
  g_assert_true (g_file_get_contents (path, &demo, NULL, NULL));

#define ADD(path, seed, func) g_test_add ("/unimicro/" path, Fixture, seed, fixture_set_up, func, fixture_tear_down)
  ADD ("C2-company-chosen-at-set-up", demo, test_company);
  ADD ("list-paging-by-key", many, test_list_paging);
  ADD ("list-paging-keeps-order", many, test_list_paging_order);
  ADD ("R1-list-paging-without-id", many, test_list_paging_without_id);
  ADD ("U1-find-by-email", demo, test_find_by_email);
  ADD ("create-update-employee", demo, test_create_update);
  ADD ("employee-number-whole", demo, test_number_not_integer);
  ADD ("R1-omitted-id", demo, test_omitted_id);
  ADD ("P2-positions-history-end-reason", demo, test_positions_history);
  ADD ("S1-S2-S3-salary-recurring-post", demo, test_salary);
#undef ADD
  g_test_add_func ("/unimicro/class-capabilities", test_class);
  g_test_add_func ("/unimicro/read-answer", test_read_answer);
  g_test_add_func ("/unimicro/read-answer-not-objects", test_read_answer_not_objects);
  g_test_add_func ("/unimicro/read-answer-huge-numbers", test_read_answer_huge_numbers);

  return g_test_run ();
}
