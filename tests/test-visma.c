/* test-visma.c: the Visma.net Payroll connector against the payroll sandbox
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

/* The real connector ("visma") over real HTTP against `--system visma`:
 * signed in through PbOAuth2 with the connection's tenant (the class's
 * tenant parameter, SPEC V1), tokens in the test keyring. Every SPEC V
 * rule is proved here on Visma's own wire. */

typedef PbTestOAuth2Fixture Fixture;

/* SPEC V1: the sign-in names the tenant. */
static void
check_uri (const char *uri)
{
  g_assert_nonnull (strstr (uri, "tenant_id="));   /* SPEC V1 */
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *seed = data;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return;

  f->sandbox = pb_sandbox_new ("visma", &error);
  g_assert_no_error (error);
  if (seed != NULL)
    {
      pb_sandbox_load_seed_data (f->sandbox, seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  pb_test_oauth2_set_up (f, "visma", pb_sandbox_get_url (f->sandbox), pb_sandbox_get_api_url (f->sandbox),
                         "sandbox-tenant", check_uri);
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
  pb_record_set (record, PB_EMPLOYEE_COUNTRY, "NO");
  return record;
}

static PbRemote *
create_ok (Fixture  *f,
           PbRecord *record)
{
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = record, .employee = record };
  PbRemote *remote = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (remote);
  return remote;
}

static PbRemote *
update_ok (Fixture    *f,
           const char *id,
           PbRecord   *record)
{
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .remote_id = id, .record = record, .employee = record };
  PbRemote *remote = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (remote);
  return remote;
}

/* The employee with @id as the sandbox holds it (with its positions). */
static JsonObject *
held (Fixture    *f,
      const char *id)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonArray *employees = json_object_get_array_member (json_node_get_object (state), "employees");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *employee = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member (employee, "id"), id) == 0)
        return json_object_ref (employee);
    }
  return NULL;
}

static JsonObject *
first_position (JsonObject *employee)
{
  return json_array_get_object_element (json_object_get_array_member (employee, "positions"), 0);
}

/* Fails naming the open error entries, if any. */
static void
assert_no_open_errors (Fixture *f)
{
  g_autoptr(GPtrArray) errors = pb_store_list_errors (f->store, f->connection->id, NULL);

  for (guint i = 0; i < errors->len; i++)
    {
      PbErrorEntry *e = g_ptr_array_index (errors, i);

      if (e->state == PB_ERROR_OPEN)
        g_error ("%s: %s (%s)", e->what, e->message, e->system_message ? e->system_message : "");
    }
}

static char *
seed_of (guint n)
{
  GString *seed = g_string_new ("{\"employees\": [");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (seed, "%s{\"number\": \"%u\", \"personNames\": [{\"firstName\": \"P%u\", "
                            "\"lastName\": \"Seeded\"}], \"emails\": [{\"type\": \"business\", "
                            "\"address\": \"p%u@nordlys.no\"}], \"positions\": [{\"activeStart\": \"2021-01-01\"}]}",
                            i > 0 ? ", " : "", i + 1, i + 1, i + 1);
  g_string_append (seed, "]}");
  return g_string_free (seed, FALSE);
}

/* --- credentials (SPEC V1) ------------------------------------------------------------- */

static void
test_credentials (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = NULL;
  g_autoptr(PbProviderClass) klass = NULL;
  g_autoptr(JsonNode) state = NULL;
  JsonObject *oauth2;

  if (skipped (f))
    return;

  /* SPEC V1: the tenant is a capability of the class, sent with the
   * sign-in and every token request. */
  klass = g_type_class_ref (pb_provider_type_for_id ("visma"));
  g_assert_cmpstr (klass->oauth2_tenant_param, ==, "tenant_id");
  g_assert_cmpstr (klass->default_base_url, ==, "https://api.employeecore.hrm.visma.net/v2/");
  g_assert_true ((klass->data_types & PB_DATA_ABSENCE) == 0);

  company = pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (company->currency, ==, "NOK");
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employees"), ==, 1);

  state = pb_sandbox_dup_state (f->sandbox);
  oauth2 = json_object_get_object_member (json_node_get_object (state), "oauth2");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (oauth2, "tenantRefused"), "missing"),
                   ==, 0);

  /* A Tenant ID that is not the one the app was authorized for. */
  g_assert_false (pb_test_oauth2_sign_in (f, "another-tenant", &error));
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
}

/* 401 after the access token expired: refreshed (with the tenant), sent again. */
static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) employees = NULL;

  if (skipped (f))
    return;

  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  employees = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);
}

/* --- reads -------------------------------------------------------------------------------- */

static void
test_list_paging (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) employees = NULL;
  PbRemote *last;

  if (skipped (f))
    return;

  employees = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (employees->len, ==, 205);
  /* page-size 100: three pages, the cursor repeated */
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employees"), ==, 3);
  last = g_ptr_array_index (employees, 204);
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_EMAIL), ==, "p205@nordlys.no");
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "205");
  g_assert_cmpstr (pb_record_get (last->record, PB_EMPLOYEE_FIRST_WORKDAY), ==, "2021-01-01");
}

/* Issue 14: the list is converted page by page in a worker thread as the
 * pages come (the cursor read on the main loop first); it keeps payroll's
 * order all the same. */
static void
test_list_paging_order (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) employees = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  if (skipped (f))
    return;

  employees = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (employees->len, ==, 205);
  for (guint i = 0; i < employees->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (employees, i);
      g_autofree char *email = g_strdup_printf ("p%u@nordlys.no", i + 1);
      g_autofree char *number = g_strdup_printf ("%u", i + 1);

      g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, email);
      g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, number);
      g_assert_true (g_hash_table_add (ids, remote->id));
    }
  /* The sandbox counts ids across employees and positions (one each
   * here): P150's is the 299th, 0x12b, which the next test leaves out. */
  g_assert_true (g_str_has_suffix (((PbRemote *) g_ptr_array_index (employees, 149))->id, "-00000000012b"));
}

/* SPEC R1 on a later page (converted in a worker thread): the listing
 * fails naming the person, and nothing half-read is given. */
static void
test_list_paging_without_id (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) employees = NULL;
  PbSandboxFaults faults = { .omit_id = 299 };     /* P150, on the second page */

  if (skipped (f))
    return;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  employees = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (employees);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "p150@nordlys.no"));
  g_assert_nonnull (strstr (error->message, "“id”"));
}

/* SPEC U1: trimmed, any case. */
static void
test_find_by_email (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) wanted = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autoptr(PbRecord) unknown = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autoptr(PbRemote) found = NULL;
  g_autoptr(PbRemote) none = NULL;
  PbProviderArgs args = { .record = wanted };

  if (skipped (f))
    return;

  pb_record_set (wanted, PB_EMPLOYEE_EMAIL, "P3@Nordlys.no");
  found = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (pb_record_get (found->record, PB_EMPLOYEE_GIVEN_NAME), ==, "P3");

  pb_record_set (unknown, PB_EMPLOYEE_EMAIL, "nobody@nordlys.no");
  args.record = unknown;
  none = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_null (none);
}

/* SPEC P5: the first and last workday are the selected position's. */
static void
test_selected_position (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) employees = NULL;

  if (skipped (f))
    return;

  employees = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (employees->len, ==, 3);
  for (guint i = 0; i < employees->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (employees, i);
      const char *number = pb_record_get (remote->record, PB_EMPLOYEE_EMPLOYEE_NUMBER);
      const char *first = pb_record_get (remote->record, PB_EMPLOYEE_FIRST_WORKDAY);
      const char *last = pb_record_get (remote->record, PB_EMPLOYEE_LAST_WORKDAY);

      if (g_str_equal (number, "1"))          /* past, current, future: the current */
        {
          g_assert_cmpstr (first, ==, "2018-01-01");
          g_assert_null (last);
        }
      else if (g_str_equal (number, "2"))     /* two past, one future: the most recent past */
        {
          g_assert_cmpstr (first, ==, "2016-01-01");
          g_assert_cmpstr (last, ==, "2017-06-30");
        }
      else                                    /* only future ones: the next */
        {
          g_assert_cmpstr (first, ==, "2090-01-01");
          g_assert_cmpstr (last, ==, "2090-12-31");
        }
    }
}

static const char p5_seed[] =
  "{\"employees\": ["
  " {\"number\": \"1\", \"personNames\": [{\"firstName\": \"A\", \"lastName\": \"Current\"}], \"positions\": ["
  "   {\"activeStart\": \"2010-01-01\", \"activeEnd\": \"2017-12-31\", \"positionEndReason\": [\"resigned\"]},"
  "   {\"activeStart\": \"2018-01-01\", \"activeEnd\": null},"
  "   {\"activeStart\": \"2099-01-01\"}]},"
  " {\"number\": \"2\", \"personNames\": [{\"firstName\": \"B\", \"lastName\": \"Past\"}], \"positions\": ["
  "   {\"activeStart\": \"2010-01-01\", \"activeEnd\": \"2012-12-31\"},"
  "   {\"activeStart\": \"2016-01-01\", \"activeEnd\": \"2017-06-30\"},"
  "   {\"activeStart\": \"2095-01-01\"}]},"
  " {\"number\": \"3\", \"personNames\": [{\"firstName\": \"C\", \"lastName\": \"Future\"}], \"positions\": ["
  "   {\"activeStart\": \"2091-01-01\"},"
  "   {\"activeStart\": \"2090-01-01\", \"activeEnd\": \"2090-12-31\"}]}"
  "]}";

/* --- writes: asynchronous jobs ------------------------------------------------------------ */

static void
test_create_update_jobs (Fixture       *f,
                         gconstpointer  data)
{
  PbSandboxFaults faults = { .job_ms = 250 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(JsonObject) employee = NULL;
  JsonArray *names;

  if (skipped (f))
    return;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);

  created = create_ok (f, kari);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/v2/employees/withPosition"), ==, 1);
  /* The job took time: polled more than once, with backoff. */
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employees/jobs/"), >=, 2);
  g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_EMAIL), ==, "kari@nordlys.no");
  g_assert_cmpint (created->version, ==, 1);

  employee = held (f, created->id);
  g_assert_cmpstr (json_object_get_string_member (employee, "number"), ==, "1010");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (employee, "phones"), 0), "type"), ==, "business");
  g_assert_cmpstr (json_object_get_string_member (first_position (employee), "activeStart"), ==, "2020-01-01");
  g_clear_pointer (&employee, json_object_unref);

  /* An update reads the document and sends it all back with If-Match. */
  pb_record_set (kari, PB_EMPLOYEE_FAMILY_NAME, "Haugen");
  pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 900 00 002");
  updated = update_ok (f, created->id, kari);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", "/v2/employees/"), ==, 1);
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_FAMILY_NAME), ==, "Haugen");
  g_assert_cmpint (updated->version, ==, 2);

  employee = held (f, created->id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (employee, "phones"), 0), "number"), ==, "+47 900 00 002");
  /* Names are a timeline: the old one ended, the new one added. */
  names = json_object_get_array_member (employee, "personNames");
  g_assert_cmpuint (json_array_get_length (names), ==, 2);
  g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (names, 0), "activeEnd"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (names, 1), "lastName"), ==, "Haugen");
}

/* A failed job's validationResults are the error's words (C7). */
static void
test_failed_job (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  PbProviderArgs args = { .record = kari, .employee = kari };
  g_autoptr(PbRemote) remote = NULL;
  const PbProviderErrorDetails *details;
  const PbRefusal *refusal;

  if (skipped (f))
    return;

  pb_record_set (kari, PB_EMPLOYEE_BANK_ACCOUNT, "12345678901");     /* a bad check digit */
  remote = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_null (remote);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "salaryPaymentMethod.localBankAccount"));
  g_assert_nonnull (strstr (error->message, "Not a Norwegian bank account number"));
  details = pb_provider_error_get_details (error);
  g_assert_nonnull (details);
  g_assert_cmpuint (details->field_messages->len, ==, 1);
  refusal = pb_provider_class_find_refusal (PB_PROVIDER_GET_CLASS (f->provider), error, NULL);
  g_assert_nonnull (refusal);
  g_assert_nonnull (strstr (refusal->advice, "Norwegian national account"));
}

/* --- someone changed it meanwhile: 412 ------------------------------------------------ */

typedef struct
{
  gboolean    done;
  GError     *error;
  gpointer    result;
} Called;

static void
on_called_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Called *c = user_data;

  c->result = pb_provider_call_finish (PB_PROVIDER (source), result, &c->error);
  c->done = TRUE;
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Called *c = user_data;

  c->result = pb_provider_send_finish (PB_PROVIDER (source), result, &c->error);
  c->done = TRUE;
}

/* SPEC R1, U3 (VN-EMP: PUT replaces, If-Match): someone changes the
 * employee in Visma between the connector's read and its PUT. The PUT
 * with the old ETag is refused (412); the connector reads the document
 * again, rebuilds the change on it and sends it once more: HR's change
 * lands and the other change, to a member HR does not have, stays. */
static void
test_412_read_again (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(PbHttpRequest) put = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *employee_path = NULL;
  g_autofree char *put_path = NULL;
  PbSandboxFaults faults = { .latency_ms = 300 };
  PbProviderArgs args = { .record = kari, .employee = kari };
  Called update = { 0 };
  Called meanwhile = { 0 };
  guint reads, puts;

  if (skipped (f))
    return;

  created = create_ok (f, kari);
  before = held (f, created->id);
  employee_path = g_strdup_printf ("/v2/employees/%s", created->id);
  reads = pb_sandbox_get_request_count (f->sandbox, "GET", employee_path);
  puts = pb_sandbox_get_request_count (f->sandbox, "PUT", employee_path);

  /* Every answer comes 300 ms late: the connector's read is answered with
   * the ETag of the moment it was asked. */
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 900 00 002");
  args.remote_id = created->id;
  pb_provider_call_async (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, NULL, on_called_cb, &update);
  while (pb_sandbox_get_request_count (f->sandbox, "GET", employee_path) == reads)
    g_main_context_iteration (NULL, TRUE);

  /* Read: now someone else replaces the document (no If-Match), and
   * their job runs before the connector's PUT comes. */
  other = held (f, created->id);
  json_object_remove_member (other, "id");
  json_object_remove_member (other, "tenantId");
  json_object_remove_member (other, "etag");
  json_object_remove_member (other, "positions");
  json_object_remove_member (other, "lastChange");
  json_object_set_boolean_member (other, "payslipInEnglish", TRUE);
  body = json_node_init_object (json_node_alloc (), other);
  put_path = g_strdup_printf ("/employees/%s", created->id);
  put = pb_http_request_new ("PUT", put_path);
  pb_http_request_set_body (put, body);
  pb_provider_send_async (f->provider, put, NULL, on_sent_cb, &meanwhile);
  while (pb_sandbox_get_request_count (f->sandbox, "PUT", employee_path) == puts)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&after, json_object_unref);
  after = held (f, created->id);     /* runs the due job */
  g_assert_true (json_object_get_boolean_member_with_default (after, "payslipInEnglish", FALSE));
  g_assert_cmpint (json_object_get_int_member (after, "etag"), >, json_object_get_int_member (before, "etag"));
  g_assert_false (update.done);

  while (!update.done || !meanwhile.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (meanwhile.error);
  g_clear_pointer ((JsonObject **) &meanwhile.result, json_object_unref);
  g_assert_no_error (update.error);
  updated = update.result;
  g_assert_cmpstr (updated->id, ==, created->id);

  /* Their PUT, the connector's refused one (412), and its second. */
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", employee_path) - puts, ==, 3);
  g_clear_pointer (&after, json_object_unref);
  after = held (f, created->id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (after, "phones"), 0), "number"), ==, "+47 900 00 002");
  g_assert_true (json_object_get_boolean_member_with_default (after, "payslipInEnglish", FALSE));
}

/* SPEC R2 through the Visma connector: a write meets the spent quota (its
 * POST, its job's polls and its read-back all count); the 429 is waited
 * out for Retry-After and the employee is made once. */
static void
test_429_write (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) state = NULL;
  PbSandboxFaults faults = { .rate_limit_count = 2, .rate_limit_seconds = 1 };
  guint before;
  gint64 start;

  if (skipped (f))
    return;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  before = pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/");
  start = g_get_monotonic_time ();
  created = create_ok (f, kari);
  g_test_message ("created in %" G_GINT64_FORMAT " ms, %u requests", (g_get_monotonic_time () - start) / 1000,
                  pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/") - before);
  /* The window's rest: Retry-After said 1. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_EMAIL), ==, "kari@nordlys.no");
  state = pb_sandbox_dup_state (f->sandbox);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (state), "employees")),
                    ==, 1);
}

/* --- SPEC V2-V5 -------------------------------------------------------------------------- */

/* SPEC V2: longer than 12 characters is refused before anything is sent. */
static void
test_v2_employment_id_too_long (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1234567890123");
  PbProviderArgs args = { .record = kari, .employee = kari };
  guint before;

  if (skipped (f))
    return;

  before = pb_sandbox_get_request_count (f->sandbox, NULL, NULL);
  g_assert_null (pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error));
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "Employment ID"));
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, NULL), ==, before);

  /* 12 characters in 15 bytes is not too long. */
  {
    g_autoptr(PbRecord) ola = make_employee ("ola@nordlys.no", "ØÆÅ-56789012");
    g_autoptr(PbRemote) created = create_ok (f, ola);

    g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "ØÆÅ-56789012");
  }
}

/* SPEC V2: required to create; never unset. */
static void
test_v2_required_never_unset (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) nameless = make_employee ("ola@nordlys.no", NULL);
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(JsonObject) employee = NULL;
  PbProviderArgs args = { .record = nameless, .employee = nameless };

  if (skipped (f))
    return;

  g_assert_null (pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error));
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/v2/"), ==, 0);

  created = create_ok (f, kari);
  pb_record_set (kari, PB_EMPLOYEE_EMPLOYEE_NUMBER, NULL);
  updated = update_ok (f, created->id, kari);
  employee = held (f, created->id);
  g_assert_cmpstr (json_object_get_string_member (employee, "number"), ==, "1010");
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1010");
}

/* SPEC V3: a Norwegian national account, or cash for another country. */
static void
test_v3_bank_account (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRecord) linnea = make_employee ("linnea@nordlys.no", "1012");
  g_autoptr(PbRemote) norwegian = NULL;
  g_autoptr(PbRemote) swedish = NULL;
  g_autoptr(JsonObject) k = NULL;
  g_autoptr(JsonObject) l = NULL;
  JsonObject *payment;

  if (skipped (f))
    return;

  pb_record_set (kari, PB_EMPLOYEE_BANK_ACCOUNT, "15062803964");
  norwegian = create_ok (f, kari);
  pb_record_set (linnea, PB_EMPLOYEE_COUNTRY, "SE");
  pb_record_set (linnea, PB_EMPLOYEE_BANK_ACCOUNT, "15062803964");
  pb_record_set (linnea, PB_EMPLOYEE_IBAN, "SE4550000000058398257466");
  swedish = create_ok (f, linnea);

  k = held (f, norwegian->id);
  payment = json_object_get_object_member (k, "salaryPaymentMethod");
  g_assert_cmpstr (json_object_get_string_member (payment, "paymentType"), ==, "bankAccount");
  g_assert_cmpstr (json_object_get_string_member (payment, "localBankAccount"), ==, "15062803964");

  l = held (f, swedish->id);
  payment = json_object_get_object_member (l, "salaryPaymentMethod");
  g_assert_cmpstr (json_object_get_string_member (payment, "paymentType"), ==, "cash");
  g_assert_false (json_object_has_member (payment, "localBankAccount"));
  g_assert_false (json_object_has_member (payment, "internationalIban"));
}

/* SPEC V4: the second address line is not sent (Visma's address has no
 * member for it; the sandbox would refuse one). */
static void
test_v4_address_line2 (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(JsonObject) employee = NULL;
  JsonObject *address;

  if (skipped (f))
    return;

  pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
  pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE2, "Leilighet H0201");
  pb_record_set (kari, PB_EMPLOYEE_POSTAL_CODE, "0155");
  pb_record_set (kari, PB_EMPLOYEE_CITY, "Oslo");
  created = create_ok (f, kari);
  employee = held (f, created->id);
  address = json_object_get_object_member (employee, "address");
  g_assert_cmpstr (json_object_get_string_member (address, "streetName"), ==, "Storgata 1");
  g_assert_cmpuint (json_object_get_size (address), ==, 4);
  g_assert_null (pb_record_get (created->record, PB_EMPLOYEE_ADDRESS_LINE2));
}

/* SPEC V5: the last workday is the selected position's end; removing it in
 * HR clears the position's end reason in payroll. */
static void
test_v5_last_workday (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1010");
  g_autoptr(PbRecord) position = pb_record_new (PB_ENTITY_POSITION);
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) ended = NULL;
  g_autoptr(PbRemote) employment = NULL;
  g_autoptr(PbRemote) reopened = NULL;
  g_autoptr(GPtrArray) employments = NULL;
  g_autoptr(JsonObject) employee = NULL;
  PbProviderArgs args = { 0 };

  if (skipped (f))
    return;

  created = create_ok (f, kari);
  pb_record_set (kari, PB_EMPLOYEE_LAST_WORKDAY, "2026-06-30");
  ended = update_ok (f, created->id, kari);
  g_assert_cmpstr (pb_record_get (ended->record, PB_EMPLOYEE_LAST_WORKDAY), ==, "2026-06-30");

  /* The position gets its end reason (as the administrator sets it). */
  args.employee_id = created->id;
  employments = pb_test_call (f->provider, PB_OP_LIST_EMPLOYMENTS, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (employments->len, ==, 1);
  pb_record_set (position, PB_POSITION_START_DATE, "2020-01-01");
  pb_record_set (position, PB_POSITION_END_DATE, "2026-06-30");
  pb_record_set (position, PB_POSITION_END_REASON, "resigned");
  args.remote_id = ((PbRemote *) g_ptr_array_index (employments, 0))->id;
  args.record = position;
  employment = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (employment->record, PB_POSITION_END_REASON), ==, "resigned");

  /* The last workday removed in HR: end and end reason go. */
  pb_record_set (kari, PB_EMPLOYEE_LAST_WORKDAY, NULL);
  reopened = update_ok (f, created->id, kari);
  g_assert_null (pb_record_get (reopened->record, PB_EMPLOYEE_LAST_WORKDAY));
  employee = held (f, created->id);
  g_assert_true (json_object_get_null_member (first_position (employee), "activeEnd"));
  g_assert_false (json_object_has_member (first_position (employee), "positionEndReason"));
}

/* --- positions and salary through the engine ----------------------------------------------- */

static void
test_engine_position_salary (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) employee = NULL;
  g_autoptr(JsonNode) state = NULL;
  JsonArray *employees;
  JsonObject *position = NULL;
  JsonArray *salaries;
  PbPushResult r;

  if (skipped (f))
    return;

  pb_test_import (f->store,
                  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@nordlys.no\","
                  "    \"employee_number\": \"1010\", \"first_workday\": \"2024-01-01\", \"country\": \"NO\" } ] }");
  pb_test_activate (f->store, f->connection, f->provider, TRUE);
  g_free (f->connection->remote_currency);
  f->connection->remote_currency = g_strdup ("NOK");
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);

  pb_test_import (f->store,
                  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                  "  { \"email\": \"kari@nordlys.no\","
                  "    \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\","
                  "                       \"percentage\": \"80\", \"contract_type\": \"permanent\" } ],"
                  "    \"salaries\": [ { \"start_date\": \"2024-03-01\", \"amount\": \"650000\","
                  "                      \"currency\": \"NOK\", \"period_unit\": \"yearly\" } ] } ] }");
  r = pb_test_push (f->store, f->connection, f->provider);
  assert_no_open_errors (f);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.sent, ==, 2);

  state = pb_sandbox_dup_state (f->sandbox);
  employees = json_object_get_array_member (json_node_get_object (state), "employees");
  g_assert_cmpuint (json_array_get_length (employees), ==, 1);
  employee = json_object_ref (json_array_get_object_element (employees, 0));
  /* The position made with the employee (from the first workday) is the
   * HR position's period (P2: matched on the start date), updated. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (employee, "positions")), ==, 1);
  position = first_position (employee);
  g_assert_cmpstr (json_object_get_string_member (position, "activeStart"), ==, "2024-01-01");
  salaries = json_object_get_array_member (position, "salaryInformation");
  g_assert_cmpuint (json_array_get_length (salaries), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (salaries, 0), "yearlySalary"),
                   ==, "650000.00");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (salaries, 0), "activeStart"),
                   ==, "2024-03-01");

  /* A raise from 2025: the 2024 entry ends, a new one is added. */
  pb_test_import (f->store,
                  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                  "  { \"email\": \"kari@nordlys.no\","
                  "    \"salaries\": [ { \"start_date\": \"2024-03-01\", \"end_date\": \"2024-12-31\","
                  "                      \"amount\": \"650000\", \"currency\": \"NOK\", \"period_unit\": \"yearly\" },"
                  "                    { \"start_date\": \"2025-01-01\", \"amount\": \"700000\","
                  "                      \"currency\": \"NOK\", \"period_unit\": \"yearly\" } ] } ] }");
  r = pb_test_push (f->store, f->connection, f->provider);
  assert_no_open_errors (f);
  g_assert_cmpuint (r.attention, ==, 0);
  g_clear_pointer (&employee, json_object_unref);
  employee = held (f, json_object_get_string_member (json_array_get_object_element (employees, 0), "id"));
  salaries = json_object_get_array_member (first_position (employee), "salaryInformation");
  g_assert_cmpuint (json_array_get_length (salaries), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (salaries, 0), "activeEnd"),
                   ==, "2024-12-31");
}

/* SPEC V3: an employee whose country is not filled in is not of "another
 * country": the account (a Norwegian number by the register's own check)
 * is sent rather than replaced by cash. */
static void
test_v3_country_unknown (void)
{
  g_autoptr(PbProviderClass) klass = g_type_class_ref (pb_provider_type_for_id ("visma"));
  g_autoptr(PbRecord) kari = make_employee ("kari@nordlys.no", "1001");
  g_autoptr(PbRecord) prepared = NULL;
  g_autoptr(GError) error = NULL;
  guint64 omit = 0;
  gboolean cash = TRUE;

  pb_record_set (kari, PB_EMPLOYEE_COUNTRY, NULL);
  pb_record_set (kari, PB_EMPLOYEE_BANK_ACCOUNT, "29141777635");
  prepared = pb_provider_class_prepare_record (klass, PB_OP_CREATE_EMPLOYEE, kari, &omit, &cash, &error);
  g_assert_no_error (error);
  g_assert_false (cash);
  g_assert_cmpstr (pb_record_get (prepared, PB_EMPLOYEE_BANK_ACCOUNT), ==, "29141777635");
}

/* SPEC V5 as class data: first and last workday are read both ways; the end
 * reason is cleared only when HR removed a last workday payroll has. */
static void
test_v5_class (void)
{
  g_autoptr(PbProviderClass) visma = g_type_class_ref (pb_provider_type_for_id ("visma"));
  g_autoptr(PbProviderClass) tripletex = g_type_class_ref (pb_provider_type_for_id ("tripletex"));
  g_autoptr(PbRecord) hr = make_employee ("kari@nordlys.no", "1001");
  g_autoptr(PbRecord) payroll = make_employee ("kari@nordlys.no", "1001");

  g_assert_true (pb_provider_class_reads_field (visma, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FIRST_WORKDAY));
  g_assert_true (pb_provider_class_reads_field (visma, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_LAST_WORKDAY));
  /* Not sent, so not compared: a difference could never be settled. */
  g_assert_false (pb_provider_class_reads_field (visma, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2));

  pb_record_set (payroll, PB_EMPLOYEE_LAST_WORKDAY, "2026-06-30");
  g_assert_true (pb_provider_class_clears_end_reason (visma, hr, payroll));
  g_assert_false (pb_provider_class_clears_end_reason (tripletex, hr, payroll));
  pb_record_set (hr, PB_EMPLOYEE_LAST_WORKDAY, "2026-08-31");
  g_assert_false (pb_provider_class_clears_end_reason (visma, hr, payroll));
  pb_record_set (hr, PB_EMPLOYEE_LAST_WORKDAY, NULL);
  pb_record_set (payroll, PB_EMPLOYEE_LAST_WORKDAY, NULL);
  g_assert_false (pb_provider_class_clears_end_reason (visma, hr, payroll));
  g_assert_false (pb_provider_class_clears_end_reason (visma, hr, NULL));
}

/* The rules are data on the class: Tripletex's has none of them, so
 * nothing in the shared code keys on a system. */
static void
test_rules_are_data (void)
{
  g_autoptr(PbProviderClass) visma = g_type_class_ref (pb_provider_type_for_id ("visma"));
  g_autoptr(PbProviderClass) tripletex = g_type_class_ref (pb_provider_type_for_id ("tripletex"));

  for (guint field = 0; field < PB_EMPLOYEE_N_FIELDS; field++)
    {
      g_assert_cmpuint (pb_provider_class_get_rule_flags (tripletex, PB_ENTITY_EMPLOYEE, field), ==,
                        PB_FIELD_RULE_NONE);
      g_assert_cmpuint (pb_provider_class_get_max_length (tripletex, PB_ENTITY_EMPLOYEE, field), ==, 0);
    }
  g_assert_null (tripletex->bank_account_national_country);
  g_assert_false (tripletex->clears_end_reason_with_last_workday);
  g_assert_null (tripletex->oauth2_tenant_param);

  g_assert_cmpuint (pb_provider_class_get_rule_flags (visma, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==,
                    PB_FIELD_RULE_REQUIRED_TO_CREATE | PB_FIELD_RULE_NEVER_UNSET);
  g_assert_cmpuint (pb_provider_class_get_max_length (visma, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, 12);
  g_assert_cmpuint (pb_provider_class_get_rule_flags (visma, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2), ==,
                    PB_FIELD_RULE_NOT_SENT);
  g_assert_cmpstr (visma->bank_account_national_country, ==, "NO");
  g_assert_true (visma->clears_end_reason_with_last_workday);
  g_assert_cmpint (visma->position_select, ==, PB_SELECT_CURRENT_PAST_FUTURE);    /* SPEC P5 */
}

typedef struct
{
  gpointer          plan;
  gboolean          ok;
  GError           *error;
  gboolean          done;
} SyncWait;

static void
on_sync_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SyncWait *r = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == pb_user_sync_plan_async)
    r->plan = pb_user_sync_plan_finish (result, &r->error);
  else
    r->ok = pb_user_sync_apply_finish (result, NULL, &r->error);
  r->done = TRUE;
}

static PbPlanItem *
plan_and_apply (Fixture     *f,
                PbUserPlan **out)
{
  SyncWait r = { 0 };
  PbUserPlan *plan;
  PbPlanItem *item = NULL;

  pb_user_sync_plan_async (f->store, f->connection, f->provider, NULL, on_sync_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  plan = r.plan;
  for (guint i = 0; i < plan->items->len; i++)
    if (((PbPlanItem *) g_ptr_array_index (plan->items, i))->kind == PB_MATCH_HR_ONLY)
      item = g_ptr_array_index (plan->items, i);
  g_assert_nonnull (item);

  pb_user_sync_decide_defaults (plan, PB_DECISION_PREFER_HR, TRUE, FALSE);
  memset (&r, 0, sizeof r);
  pb_user_sync_apply_async (f->store, f->connection, f->provider, plan, NULL, NULL, NULL, on_sync_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  *out = plan;
  return item;
}

/* SPEC U2 + V2: user sync shows an HR-only person without an Employment ID
 * as missing it, does not create them (nothing is sent), and creates them
 * once the number is filled in. */
static void
test_u2_employment_id_missing (Fixture       *f,
                               gconstpointer  data)
{
  PbUserPlan *first = NULL;
  PbUserPlan *second = NULL;
  g_autoptr(JsonNode) state = NULL;
  PbPlanItem *item;

  if (skipped (f))
    return;

  pb_test_import (f->store,
                  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@nordlys.no\" } ] }");
  item = plan_and_apply (f, &first);
  g_assert_cmpuint (item->missing, ==, 1u << PB_EMPLOYEE_EMPLOYEE_NUMBER);
  g_assert_cmpstr (item->outcome, ==, "skipped: missing in HR: employee_number");
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/v2/"), ==, 0);
  g_assert_cmpint (pb_store_count_open_errors (f->store, f->connection->id), ==, 1);
  pb_user_plan_free (first);

  pb_test_import (f->store,
                  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@nordlys.no\","
                  "    \"employee_number\": \"3003\" } ] }");
  item = plan_and_apply (f, &second);
  g_assert_cmpuint (item->missing, ==, 0);
  g_assert_cmpstr (item->outcome, ==, "created in payroll");
  g_assert_cmpint (pb_store_count_open_errors (f->store, f->connection->id), ==, 0);
  state = pb_sandbox_dup_state (f->sandbox);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (state), "employees")),
                    ==, 1);
  pb_user_plan_free (second);
}

/* pb_visma_provider_read_answer (the fuzz target's entry): a list page
 * with embedded positions, a position, its salary timeline, an error body
 * and an employee without an id (SPEC R1), by the connector's readers. */
static void
test_read_answer (void)
{
  g_autoptr(PbVismaProvider) provider = g_object_new (PB_TYPE_VISMA_PROVIDER, NULL);
  static const char page[] = "{\"data\": [{\"id\": \"e1\", \"number\": \"1001\","
    " \"personNames\": [{\"firstName\": \"Ingrid\", \"lastName\": \"Haugen\", \"activeStart\": \"2019-01-02\"}],"
    " \"emails\": [{\"type\": \"business\", \"address\": \"ingrid@example.no\"}],"
    " \"positions\": [{\"id\": \"p1\", \"activeStart\": \"2019-01-02\"}]}], \"cursor\": {\"nextToken\": null}}";
  static const char position[] = "{\"id\": \"p1\", \"activeStart\": \"2019-01-02\","
    " \"partTimeFactors\": [{\"activeStart\": \"2019-01-02\", \"value\": 80}],"
    " \"salaryInformation\": [{\"activeStart\": \"2019-01-02\", \"contractSalaryType\": \"yearly\","
    " \"yearlySalary\": \"650000\"}, {\"activeEnd\": null}]}";
  static const char refused[] = "{\"status\": 400, \"message\": \"Validation failed\", \"correlationId\": \"c-1\","
    " \"validationResults\": [{\"field\": \"number\", \"message\": \"taken\"}]}";
  static const char no_id[] = "{\"data\": [{\"number\": \"1002\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  PbRemote *remote;

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, page, strlen (page), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (remote->id, ==, "e1");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_GIVEN_NAME), ==, "Ingrid");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, "ingrid@example.no");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_FIRST_WORKDAY), ==, "2019-01-02");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_POSITION, position, strlen (position), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (remote->id, ==, "p1");
  g_assert_cmpstr (pb_record_get (remote->record, PB_POSITION_PERCENTAGE), ==, "80");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  /* The timeline entry without a start is not a salary. */
  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_SALARY, position, strlen (position), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  /* Known by its position and start: unique in the connection (SPEC R3). */
  g_assert_cmpstr (remote->id, ==, "p1/2019-01-02");
  g_assert_cmpstr (pb_record_get (remote->record, PB_SALARY_PERIOD_UNIT), ==, "yearly");
  g_assert_cmpstr (pb_record_get (remote->record, PB_SALARY_AMOUNT), ==, "650000");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, refused, strlen (refused), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Validation failed (1 fields)"));
  g_clear_error (&error);

  /* SPEC R1 */
  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, no_id, strlen (no_id), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "1002"));
  g_clear_error (&error);
}

/* The same class of answer tests/fuzz/fuzz-unimicro-answer found in
 * Unimicro: elements that are not objects where the readers take objects
 * (a list page's "data", embedded positions, emails, timelines, an error's
 * validationResults) were json-glib CRITICALs; now a list element that is
 * not an object is an answer Paybridge cannot read, and the rest is passed
 * over. */
static void
test_read_answer_not_objects (void)
{
  g_autoptr(PbVismaProvider) provider = g_object_new (PB_TYPE_VISMA_PROVIDER, NULL);
  static const PbEntity entities[] = { PB_ENTITY_EMPLOYEE, PB_ENTITY_POSITION };
  static const char employee[] = "{\"id\": \"e1\", \"positions\": [0, {\"id\": \"p1\", \"activeStart\": \"2019-01-02\"}],"
    " \"emails\": [1, {\"type\": \"business\", \"address\": \"ingrid@example.no\"}],"
    " \"personNames\": [\"x\", {\"firstName\": \"Ingrid\", \"activeStart\": \"2019-01-02\"}]}";
  static const char position[] = "{\"id\": \"p1\", \"activeStart\": \"2019-01-02\", \"partTimeFactors\": [0],"
    " \"positionEndReason\": [{}], \"salaryInformation\": [0, {\"activeStart\": \"2020-01-01\"}]}";
  static const char refused[] = "{\"message\": \"Validation failed\", \"validationResults\": [0,"
    " {\"field\": \"number\", \"message\": \"taken\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  PbRemote *remote;

  for (guint e = 0; e < G_N_ELEMENTS (entities); e++)
    {
      remotes = pb_visma_provider_read_answer (provider, entities[e], "{\"data\": [0]}", 13, &error);
      g_assert_null (remotes);
      g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
      g_clear_error (&error);
    }

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, employee, strlen (employee), &error);
  g_assert_no_error (error);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, "ingrid@example.no");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_GIVEN_NAME), ==, "Ingrid");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_FIRST_WORKDAY), ==, "2019-01-02");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_POSITION, position, strlen (position), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_SALARY, position, strlen (position), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, refused, strlen (refused), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "(1 fields)"));
}

/* As tests/fuzz/fuzz-fortnox-answer found in Fortnox: a part-time factor
 * beyond 64 bits was converted to gint64 as is, undefined behaviour (UBSan
 * stops the sanitizer build here); it is written out as a decimal. */
static void
test_read_answer_huge_numbers (void)
{
  g_autoptr(PbVismaProvider) provider = g_object_new (PB_TYPE_VISMA_PROVIDER, NULL);
  static const char position[] = "{\"id\": \"p1\", \"activeStart\": \"2019-01-02\","
    " \"partTimeFactors\": [{\"activeStart\": \"2019-01-02\", \"value\": 1e300}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  const char *percentage;

  remotes = pb_visma_provider_read_answer (provider, PB_ENTITY_POSITION, position, strlen (position), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  percentage = pb_record_get (((PbRemote *) g_ptr_array_index (remotes, 0))->record, PB_POSITION_PERCENTAGE);
  g_assert_nonnull (percentage);
  g_assert_true (g_str_has_prefix (percentage, "1000000000"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *many = seed_of (205);
  g_autofree char *few = seed_of (5);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, seed, func) g_test_add ("/visma/" path, Fixture, seed, fixture_set_up, func, fixture_tear_down)
  ADD ("V1-credentials-tenant", NULL, test_credentials);
  ADD ("R2-401-refresh", NULL, test_refresh);
  ADD ("list-paging", many, test_list_paging);
  ADD ("list-paging-keeps-order", many, test_list_paging_order);
  ADD ("R1-list-paging-without-id", many, test_list_paging_without_id);
  ADD ("U1-find-by-email", few, test_find_by_email);
  ADD ("P5-selected-position", p5_seed, test_selected_position);
  ADD ("create-update-async-jobs", NULL, test_create_update_jobs);
  ADD ("C7-failed-job-validation-text", NULL, test_failed_job);
  ADD ("R1-412-read-again", NULL, test_412_read_again);
  ADD ("R2-429-write", NULL, test_429_write);
  ADD ("V2-employment-id-too-long", NULL, test_v2_employment_id_too_long);
  ADD ("V2-required-never-unset", NULL, test_v2_required_never_unset);
  ADD ("V3-bank-account-national-only", NULL, test_v3_bank_account);
  ADD ("V4-address-line2-not-sent", NULL, test_v4_address_line2);
  ADD ("V5-last-workday-clears-end-reason", NULL, test_v5_last_workday);
  ADD ("P1-S1-position-salary-through-engine", NULL, test_engine_position_salary);
  ADD ("U2-V2-employment-id-missing-until-filled", NULL, test_u2_employment_id_missing);
#undef ADD
  g_test_add_func ("/visma/V3-country-unknown-is-not-cash", test_v3_country_unknown);
  g_test_add_func ("/visma/V5-workdays-both-ways-and-end-reason", test_v5_class);
  g_test_add_func ("/visma/rules-are-data-tripletex-has-none", test_rules_are_data);
  g_test_add_func ("/visma/read-answer", test_read_answer);
  g_test_add_func ("/visma/read-answer-not-objects", test_read_answer_not_objects);
  g_test_add_func ("/visma/read-answer-huge-numbers", test_read_answer_huge_numbers);

  return g_test_run ();
}
