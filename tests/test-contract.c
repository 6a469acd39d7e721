/* test-contract.c: the Tripletex connector's whole repertoire, sent through
 * the validating proxy (tests/contract) to the payroll sandbox; both sides
 * must follow the published OpenAPI document with zero violations.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-test-utils.h"

typedef struct
{
  gpointer result;
  GError  *error;
  gboolean done;
} Result;

static void
on_done (GObject      *source,
         GAsyncResult *res,
         gpointer      data)
{
  Result *r = data;

  r->result = pb_provider_call_finish (PB_PROVIDER (source), res, &r->error);
  r->done = TRUE;
}

static gpointer
call_ok (PbProvider            *provider,
         PbProviderOp           op,
         const PbProviderArgs  *args)
{
  Result r = { 0 };

  pb_provider_call_async (provider, op, args, NULL, on_done, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  return r.result;
}

static gpointer
call_err (PbProvider            *provider,
          PbProviderOp           op,
          const PbProviderArgs  *args,
          GError               **error)
{
  Result r = { 0 };

  pb_provider_call_async (provider, op, args, NULL, on_done, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_propagate_error (error, r.error);
  return r.result;
}

static void
on_report_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GBytes **bytes = data;

  *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  if (*bytes == NULL)
    *bytes = g_bytes_new ("", 0);
}

static JsonObject *
fetch_report (const char *proxy_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/_contract/report", proxy_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_report_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* POST /_contract/reset: the report so far, then cleared. */
static JsonObject *
reset_report (const char *proxy_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/_contract/reset", proxy_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_report_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* A payroll sandbox behind the validating proxy (tests/contract): the
 * proxy's URL, the API's URL through it and, for a system that signs in
 * with OAuth2, the access token the sandbox minted (the sign-in is not in
 * the documents and does not go through the proxy). */
typedef struct
{
  PbSandbox   *sandbox;
  GSubprocess *proxy;
  char        *proxy_url;
  char        *api_url;
  char        *token;      /* (nullable) */
} Proxied;

static void
proxied_clear (Proxied *p)
{
  if (p->proxy != NULL)
    {
      g_subprocess_send_signal (p->proxy, SIGTERM);
      g_subprocess_wait (p->proxy, NULL, NULL);
    }
  g_clear_object (&p->proxy);
  g_clear_object (&p->sandbox);
  g_clear_pointer (&p->proxy_url, g_free);
  g_clear_pointer (&p->api_url, g_free);
  g_clear_pointer (&p->token, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Proxied, proxied_clear)

/* Starts @system's sandbox (with @seed, a source path, when not NULL; an
 * access token for @scope when not NULL) and the proxy holding @spec (a
 * source path; NULL: the proxy's own default, Tripletex's document); the
 * API at @api_path of the proxy. FALSE when the proxy did not start (the
 * test is then skipped or failed). */
static gboolean
proxied_start (Proxied    *p,
               const char *system,
               const char *spec,
               const char *seed,
               const char *scope,
               const char *api_path)
{
  g_autofree char *runner = pb_test_source_path ("tests/contract/run-contract");
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  p->sandbox = pb_sandbox_new (system, &error);
  g_assert_no_error (error);
  if (seed != NULL)
    {
      g_autofree char *path = pb_test_source_path (seed);

      pb_sandbox_load_seed_file (p->sandbox, path, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (p->sandbox, 0, &error);
  g_assert_no_error (error);
  if (scope != NULL)
    p->token = pb_sandbox_oauth2_mint_access_token (p->sandbox, scope);

  if (spec != NULL)
    {
      g_autofree char *path = pb_test_source_path (spec);

      g_setenv ("PB_CONTRACT_SPEC", path, TRUE);
    }
  p->proxy = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                            "sh", runner, "proxy", "--upstream", pb_sandbox_get_url (p->sandbox), "--quiet", NULL);
  if (spec != NULL)
    g_unsetenv ("PB_CONTRACT_SPEC");
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p->proxy));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    {
      g_autofree char *why = g_strdup_printf ("the validating proxy did not start: %s",
                                              line != NULL ? line : "(no output)");
      g_subprocess_force_exit (p->proxy);
      g_clear_object (&p->proxy);
      pb_test_skip_or_fail (why);
      return FALSE;
    }
  p->proxy_url = g_strdup (line + strlen ("listening on "));
  p->api_url = g_strconcat (p->proxy_url, api_path, NULL);
  return TRUE;
}

/* @system's connector at the proxy, signed in with the minted token. */
static PbProvider *
proxied_provider (Proxied    *p,
                  const char *system)
{
  g_autoptr(GError) error = NULL;
  PbProvider *provider = pb_provider_new (system, p->api_url, NULL, &error);

  g_assert_no_error (error);
  pb_test_authorize_bearer (provider, &p->token);
  return provider;
}

/* The proxy's report: every violation is told, every operation of
 * @expected went through the proxy, and there are 0 violations. */
static void
assert_report_clean (Proxied            *p,
                     const char * const *expected,
                     guint               n_expected)
{
  g_autoptr(JsonObject) report = fetch_report (p->proxy_url);
  JsonArray *violations = json_object_get_array_member (report, "violations");
  JsonObject *ops = json_object_get_object_member (report, "operations");

  for (guint i = 0; i < json_array_get_length (violations); i++)
    {
      JsonObject *v = json_array_get_object_element (violations, i);
      g_test_message ("violation: %s %s %s %s: %s",
                      json_object_get_string_member_with_default (v, "direction", ""),
                      json_object_get_string_member_with_default (v, "method", ""),
                      json_object_get_string_member_with_default (v, "path", ""),
                      json_object_get_string_member_with_default (v, "where", ""),
                      json_object_get_string_member_with_default (v, "message", ""));
    }
  g_test_message ("%" G_GINT64_FORMAT " exchanges checked", json_object_get_int_member (report, "requests"));

  for (guint i = 0; i < n_expected; i++)
    {
      g_test_message ("operation %s: %" G_GINT64_FORMAT, expected[i],
                      json_object_get_int_member_with_default (ops, expected[i], 0));
      g_assert_cmpint (json_object_get_int_member_with_default (ops, expected[i], 0), >, 0);
    }

  g_assert_cmpuint (json_array_get_length (violations), ==, 0);
}

static void
test_repertoire (void)
{
  g_auto(Proxied) p = { 0 };
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  if (!proxied_start (&p, "tripletex", NULL, NULL, NULL, "/v2"))
    return;
  provider = pb_test_new_provider ("tripletex", p.api_url, NULL);

  {
    g_autoptr(PbRemoteCompany) company = call_ok (provider, PB_OP_VERIFY_CREDENTIALS, NULL);
    g_autoptr(PbRecord) kari = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) nameless = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) position = pb_record_new (PB_ENTITY_POSITION);
    g_autoptr(PbRecord) salary = pb_record_new (PB_ENTITY_SALARY);
    g_autoptr(PbRecord) absence = pb_record_new (PB_ENTITY_ABSENCE);
    g_autoptr(PbRemote) employee = NULL;
    g_autoptr(PbRemote) found = NULL;
    g_autoptr(PbRemote) updated = NULL;
    g_autoptr(PbRemote) employment = NULL;
    g_autoptr(PbRemote) employment2 = NULL;
    g_autoptr(PbRemote) paid = NULL;
    g_autoptr(PbRemote) repaid = NULL;
    g_autoptr(PbRemote) sent = NULL;
    g_autoptr(PbRemote) resent = NULL;
    g_autoptr(GPtrArray) employees = NULL;
    g_autoptr(GPtrArray) employments = NULL;
    g_autoptr(GPtrArray) types = NULL;
    PbProviderArgs args = { 0 };
    const char *activity = NULL;
    gpointer nothing;

    pb_record_set (kari, PB_EMPLOYEE_GIVEN_NAME, "Kari");
    pb_record_set (kari, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
    pb_record_set (kari, PB_EMPLOYEE_EMAIL, "kari@acme.no");
    pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 912 34 567");
    pb_record_set (kari, PB_EMPLOYEE_EMPLOYEE_NUMBER, "1001");
    pb_record_set (kari, PB_EMPLOYEE_DATE_OF_BIRTH, "1985-05-15");
    pb_record_set (kari, PB_EMPLOYEE_NATIONAL_ID, "15058510170");
    pb_record_set (kari, PB_EMPLOYEE_BANK_ACCOUNT, "29141777635");
    pb_record_set (kari, PB_EMPLOYEE_IBAN, "NO9386011117947");
    pb_record_set (kari, PB_EMPLOYEE_BIC, "DNBANOKK");
    pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
    pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE2, "Leil. 2");
    pb_record_set (kari, PB_EMPLOYEE_POSTAL_CODE, "0155");
    pb_record_set (kari, PB_EMPLOYEE_CITY, "Oslo");
    pb_record_set (kari, PB_EMPLOYEE_COUNTRY, "NO");

    args.record = kari;
    employee = call_ok (provider, PB_OP_CREATE_EMPLOYEE, &args);
    employees = call_ok (provider, PB_OP_LIST_EMPLOYEES, NULL);
    found = call_ok (provider, PB_OP_FIND_EMPLOYEE, &args);
    pb_record_set (kari, PB_EMPLOYEE_CITY, "Bergen");
    pb_record_set (kari, PB_EMPLOYEE_PHONE, NULL);
    args.remote_id = employee->id;
    updated = call_ok (provider, PB_OP_UPDATE_EMPLOYEE, &args);

    /* An error answer must be an ApiError too. */
    pb_record_set (nameless, PB_EMPLOYEE_GIVEN_NAME, "Nils");
    pb_record_set (nameless, PB_EMPLOYEE_EMAIL, "nils@acme.no");
    args = (PbProviderArgs) { .record = nameless };
    nothing = call_err (provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
    g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
    g_clear_error (&error);

    pb_record_set (position, PB_POSITION_START_DATE, "2024-01-01");
    pb_record_set (position, PB_POSITION_TITLE, "Engineer");
    pb_record_set (position, PB_POSITION_PERCENTAGE, "80");
    pb_record_set (position, PB_POSITION_CONTRACT_TYPE, "temporary");
    args = (PbProviderArgs) { .employee_id = employee->id, .record = position };
    employment = call_ok (provider, PB_OP_CREATE_EMPLOYMENT, &args);
    pb_record_set (position, PB_POSITION_END_DATE, "2025-06-30");
    pb_record_set (position, PB_POSITION_END_REASON, "contract_expired");
    args.remote_id = employment->id;
    employment2 = call_ok (provider, PB_OP_UPDATE_EMPLOYMENT, &args);
    args = (PbProviderArgs) { .employee_id = employee->id };
    employments = call_ok (provider, PB_OP_LIST_EMPLOYMENTS, &args);

    pb_record_set (salary, PB_SALARY_START_DATE, "2024-03-01");
    pb_record_set (salary, PB_SALARY_AMOUNT, "650000.00");
    pb_record_set (salary, PB_SALARY_CURRENCY, "NOK");
    pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "yearly");
    args = (PbProviderArgs) { .employee_id = employee->id, .parent_id = employment->id, .record = salary,
                              .related = position };
    paid = call_ok (provider, PB_OP_CREATE_SALARY, &args);
    pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "hourly");
    pb_record_set (salary, PB_SALARY_AMOUNT, "350.00");
    args.remote_id = paid->id;
    repaid = call_ok (provider, PB_OP_UPDATE_SALARY, &args);
    nothing = call_ok (provider, PB_OP_DELETE_SALARY, &args);

    types = call_ok (provider, PB_OP_LIST_ABSENCE_TYPES, NULL);
    for (guint i = 0; i < types->len; i++)
      if (g_strcmp0 (((PbRemote *) g_ptr_array_index (types, i))->name, "Ferie") == 0)
        activity = ((PbRemote *) g_ptr_array_index (types, i))->id;
    g_assert_nonnull (activity);

    pb_record_set (absence, PB_ABSENCE_TYPE, "vacation");
    pb_record_set (absence, PB_ABSENCE_START_DATE, "2026-07-06");
    pb_record_set (absence, PB_ABSENCE_END_DATE, "2026-07-08");
    pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "100");
    pb_record_set (absence, PB_ABSENCE_NOTE, "Summer");
    args = (PbProviderArgs) { .employee_id = employee->id, .remote_type = activity, .record = absence };
    sent = call_ok (provider, PB_OP_CREATE_ABSENCE, &args);
    pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "50");
    args.remote_id = sent->id;
    resent = call_ok (provider, PB_OP_UPDATE_ABSENCE, &args);
    args.remote_id = resent->id;
    nothing = call_ok (provider, PB_OP_DELETE_ABSENCE, &args);
    (void) nothing;
  }

  /* Every operation the connector uses went through the proxy. */
  {
    static const char * const expected[] = {
      "PUT /token/session/:create", "GET /token/session/>whoAmI", "GET /employee", "POST /employee",
      "PUT /employee/{id}", "GET /employee/{id}", "GET /country", "GET /department",
      "POST /employee/employment", "PUT /employee/employment/{id}", "GET /employee/employment",
      "GET /employee/employment/{id}", "PUT /employee/employment/details/{id}",
      "POST /employee/employment/details", "GET /employee/employment/details/{id}", "GET /activity",
      "GET /salary/settings/standardTime/byDate", "POST /timesheet/entry/list", "GET /timesheet/entry",
      "DELETE /timesheet/entry/{id}",
    };


    assert_report_clean (&p, expected, G_N_ELEMENTS (expected));
  }
}

/* The Fortnox connector's whole repertoire through the proxy holding
 * Fortnox's published OpenAPI document (tests/contract/specs/), both
 * directions: 0 violations. The sign-in is not in the document and does
 * not go through the proxy: the sandbox mints the access token. */
static void
test_fortnox_repertoire (void)
{
  g_auto(Proxied) p = { 0 };
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  if (!proxied_start (&p, "fortnox", "tests/contract/specs/fortnox-openapi.json", NULL,
                      "salary companyinformation", "/3"))
    return;
  provider = proxied_provider (&p, "fortnox");

  {
    g_autoptr(PbRemoteCompany) company = call_ok (provider, PB_OP_VERIFY_CREDENTIALS, NULL);
    g_autoptr(PbRecord) anna = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) nameless = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) position = pb_record_new (PB_ENTITY_POSITION);
    g_autoptr(PbRecord) absence = pb_record_new (PB_ENTITY_ABSENCE);
    g_autoptr(PbRemote) employee = NULL;
    g_autoptr(PbRemote) found = NULL;
    g_autoptr(PbRemote) updated = NULL;
    g_autoptr(PbRemote) employment = NULL;
    g_autoptr(PbRemote) employment2 = NULL;
    g_autoptr(PbRemote) sent = NULL;
    g_autoptr(PbRemote) resent = NULL;
    g_autoptr(GPtrArray) employees = NULL;
    g_autoptr(GPtrArray) employments = NULL;
    g_autoptr(GPtrArray) types = NULL;
    PbProviderArgs args = { 0 };
    gpointer nothing;

    g_assert_cmpstr (company->name, ==, "Sandbox AB");
    pb_record_set (anna, PB_EMPLOYEE_GIVEN_NAME, "Anna");
    pb_record_set (anna, PB_EMPLOYEE_FAMILY_NAME, "Lindqvist");
    pb_record_set (anna, PB_EMPLOYEE_EMAIL, "anna@example.se");
    pb_record_set (anna, PB_EMPLOYEE_PHONE, "+46 70 123 45 67");
    pb_record_set (anna, PB_EMPLOYEE_EMPLOYEE_NUMBER, "A-1001");
    pb_record_set (anna, PB_EMPLOYEE_NATIONAL_ID, "19850515-1234");
    pb_record_set (anna, PB_EMPLOYEE_ADDRESS_LINE1, "Storgatan 1");
    pb_record_set (anna, PB_EMPLOYEE_ADDRESS_LINE2, "Lgh 1102");
    pb_record_set (anna, PB_EMPLOYEE_POSTAL_CODE, "111 22");
    pb_record_set (anna, PB_EMPLOYEE_CITY, "Stockholm");

    args.record = anna;
    employee = call_ok (provider, PB_OP_CREATE_EMPLOYEE, &args);
    employees = call_ok (provider, PB_OP_LIST_EMPLOYEES, NULL);
    found = call_ok (provider, PB_OP_FIND_EMPLOYEE, &args);
    g_assert_nonnull (found);
    pb_record_set (anna, PB_EMPLOYEE_CITY, "Uppsala");
    pb_record_set (anna, PB_EMPLOYEE_PHONE, NULL);
    args.remote_id = employee->id;
    updated = call_ok (provider, PB_OP_UPDATE_EMPLOYEE, &args);

    /* A create without a required member is not sent... */
    pb_record_set (nameless, PB_EMPLOYEE_GIVEN_NAME, "Nils");
    pb_record_set (nameless, PB_EMPLOYEE_EMAIL, "nils@example.se");
    args = (PbProviderArgs) { .record = nameless };
    nothing = call_err (provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
    g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
    g_clear_error (&error);
    /* ...and an error answer must be ErrorInformation too: a second
     * employee with Anna's EmployeeId. */
    pb_record_set (nameless, PB_EMPLOYEE_FAMILY_NAME, "Berg");
    pb_record_set (nameless, PB_EMPLOYEE_EMPLOYEE_NUMBER, "A-1001");
    nothing = call_err (provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
    g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
    g_clear_error (&error);

    pb_record_set (position, PB_POSITION_START_DATE, "2024-01-01");
    pb_record_set (position, PB_POSITION_TITLE, "Ingenjör");
    pb_record_set (position, PB_POSITION_CONTRACT_TYPE, "temporary");
    args = (PbProviderArgs) { .employee_id = employee->id, .record = position };
    employment = call_ok (provider, PB_OP_CREATE_EMPLOYMENT, &args);
    pb_record_set (position, PB_POSITION_END_DATE, "2025-06-30");
    args.remote_id = employment->id;
    employment2 = call_ok (provider, PB_OP_UPDATE_EMPLOYMENT, &args);
    args = (PbProviderArgs) { .employee_id = employee->id };
    employments = call_ok (provider, PB_OP_LIST_EMPLOYMENTS, &args);
    g_assert_cmpuint (employments->len, ==, 1);

    types = call_ok (provider, PB_OP_LIST_ABSENCE_TYPES, NULL);
    pb_record_set (absence, PB_ABSENCE_START_DATE, "2026-07-06");
    pb_record_set (absence, PB_ABSENCE_END_DATE, "2026-07-08");
    pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "100");
    args = (PbProviderArgs) { .employee_id = employee->id, .remote_type = "SEM", .record = absence };
    sent = call_ok (provider, PB_OP_CREATE_ABSENCE, &args);
    pb_record_set (absence, PB_ABSENCE_END_DATE, "2026-07-07");
    pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "50");
    args.remote_id = sent->id;
    resent = call_ok (provider, PB_OP_UPDATE_ABSENCE, &args);
    args.remote_id = resent->id;
    nothing = call_ok (provider, PB_OP_DELETE_ABSENCE, &args);
    (void) nothing;
  }

  {
    static const char * const expected[] = {
      "GET /3/companyinformation", "GET /3/employees", "POST /3/employees", "PUT /3/employees/{EmployeeId}",
      "GET /3/employees/{EmployeeId}", "GET /3/absencetransactions", "POST /3/absencetransactions",
      "PUT /3/absencetransactions/{id}", "DELETE /3/absencetransactions/{id}",
    };


    assert_report_clean (&p, expected, G_N_ELEMENTS (expected));
  }
}

/* The sandbox's first company (tests/sandbox/pb-sandbox-unimicro.h), holding the seed. */
#define UNIMICRO_COMPANY "5f1c2a9e-0000-4000-8000-000000000001"

/* One request of our own through the proxy (@body: JSON or NULL), with
 * the token and, when @company, the CompanyKey header; the answer's
 * status, and its "ID" in *id when it has one. */
static guint
unimicro_send (Proxied     *p,
               const char  *method,
               const char  *path,
               const char  *body,
               gboolean     company,
               gint64      *id)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (p->api_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autofree char *bearer = g_strconcat ("Bearer ", p->token, NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (msg);
  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", bearer);
  if (company)
    soup_message_headers_append (soup_message_get_request_headers (msg), "CompanyKey", UNIMICRO_COMPANY);
  if (body != NULL)
    {
      g_autoptr(GBytes) content = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", content);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_report_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (id != NULL)
    {
      JsonNode *root;

      *id = 0;
      if (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL)
          && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
        *id = json_object_get_int_member_with_default (json_node_get_object (root), "ID", 0);
    }
  return soup_message_get_status (msg);
}

/* The Unimicro connector through the proxy holding our document of
 * Unimicro's documented shapes (tests/contract/specs/unimicro-documented.json,
 * made from ../shared/api/payroll-apis-notes.md part C: Unimicro publishes
 * none that we hold), both directions: 0 violations. What a user sync
 * does to people with positions and salary, the list reads (paged by key:
 * filter, orderby, top) and the updates, over the demo seed. The sign-in
 * (login.unimicro.no's OpenID Connect) is not in the document: the sandbox
 * mints the access token. */
static void
test_unimicro_documented (void)
{
  g_auto(Proxied) p = { 0 };
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  /* The document's servers: https://app.unimicro.no/api (notes C.1). */
  if (!proxied_start (&p, "unimicro", "tests/contract/specs/unimicro-documented.json",
                      "tests/sandbox/seed-unimicro-demo.json", "openid profile AppFramework offline_access", "/api"))
    return;
  provider = proxied_provider (&p, "unimicro");
  pb_provider_set_company (provider, UNIMICRO_COMPANY);

  {
    g_autoptr(PbRemoteCompany) company = call_ok (provider, PB_OP_VERIFY_CREDENTIALS, NULL);
    g_autoptr(PbRecord) kari = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) ola = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) twin = pb_record_new (PB_ENTITY_EMPLOYEE);
    g_autoptr(PbRecord) position = pb_record_new (PB_ENTITY_POSITION);
    g_autoptr(PbRecord) freelance = pb_record_new (PB_ENTITY_POSITION);
    g_autoptr(PbRecord) salary = pb_record_new (PB_ENTITY_SALARY);
    g_autoptr(PbRemote) employee = NULL;
    g_autoptr(PbRemote) employee2 = NULL;
    g_autoptr(PbRemote) found = NULL;
    g_autoptr(PbRemote) updated = NULL;
    g_autoptr(PbRemote) employment = NULL;
    g_autoptr(PbRemote) employment2 = NULL;
    g_autoptr(PbRemote) extra = NULL;
    g_autoptr(PbRemote) paid = NULL;
    g_autoptr(PbRemote) repaid = NULL;
    g_autoptr(GPtrArray) employees = NULL;
    g_autoptr(GPtrArray) employments = NULL;
    g_autoptr(GPtrArray) salaries = NULL;
    g_autoptr(GPtrArray) seeded = NULL;
    PbProviderArgs args = { 0 };
    gpointer nothing;

    g_assert_cmpstr (company->name, ==, "Nordlys Data AS");

    /* The seed's people, read as a user sync reads them. */
    employees = call_ok (provider, PB_OP_LIST_EMPLOYEES, NULL);
    g_assert_cmpuint (employees->len, ==, 3);
    args = (PbProviderArgs) { .employee_id = ((PbRemote *) g_ptr_array_index (employees, 1))->id };
    employments = call_ok (provider, PB_OP_LIST_EMPLOYMENTS, &args);
    g_assert_cmpuint (employments->len, ==, 2);
    args = (PbProviderArgs) { .employee_id = ((PbRemote *) g_ptr_array_index (employees, 0))->id };
    g_clear_pointer (&employments, g_ptr_array_unref);
    employments = call_ok (provider, PB_OP_LIST_EMPLOYMENTS, &args);
    g_assert_cmpuint (employments->len, ==, 1);
    args.parent_id = ((PbRemote *) g_ptr_array_index (employments, 0))->id;
    seeded = call_ok (provider, PB_OP_LIST_SALARIES, &args);
    g_assert_cmpuint (seeded->len, ==, 1);
    g_clear_pointer (&employees, g_ptr_array_unref);
    g_clear_pointer (&employments, g_ptr_array_unref);

    /* New people: everything the connector sends of a person. */
    pb_record_set (kari, PB_EMPLOYEE_GIVEN_NAME, "Kari");
    pb_record_set (kari, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
    pb_record_set (kari, PB_EMPLOYEE_EMAIL, "kari@nordlysdata.no");
    pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 912 34 567");
    pb_record_set (kari, PB_EMPLOYEE_EMPLOYEE_NUMBER, "2001");
    pb_record_set (kari, PB_EMPLOYEE_DATE_OF_BIRTH, "1985-05-15");
    pb_record_set (kari, PB_EMPLOYEE_FIRST_WORKDAY, "2024-01-01");
    pb_record_set (kari, PB_EMPLOYEE_NATIONAL_ID, "15058510170");
    pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
    pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE2, "Leil. 2");
    pb_record_set (kari, PB_EMPLOYEE_POSTAL_CODE, "0155");
    pb_record_set (kari, PB_EMPLOYEE_CITY, "Oslo");
    pb_record_set (kari, PB_EMPLOYEE_COUNTRY, "NO");
    args = (PbProviderArgs) { .record = kari };
    employee = call_ok (provider, PB_OP_CREATE_EMPLOYEE, &args);
    g_assert_cmpstr (pb_record_get (employee->record, PB_EMPLOYEE_CITY), ==, "Oslo");

    /* No employee number (Unimicro assigns one), no address, no phone. */
    pb_record_set (ola, PB_EMPLOYEE_GIVEN_NAME, "Ola");
    pb_record_set (ola, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
    pb_record_set (ola, PB_EMPLOYEE_EMAIL, "ola@nordlysdata.no");
    args = (PbProviderArgs) { .record = ola };
    employee2 = call_ok (provider, PB_OP_CREATE_EMPLOYEE, &args);
    g_assert_nonnull (pb_record_get (employee2->record, PB_EMPLOYEE_EMPLOYEE_NUMBER));

    employees = call_ok (provider, PB_OP_LIST_EMPLOYEES, NULL);
    g_assert_cmpuint (employees->len, ==, 5);
    args = (PbProviderArgs) { .record = kari };
    found = call_ok (provider, PB_OP_FIND_EMPLOYEE, &args);
    g_assert_nonnull (found);
    g_assert_cmpstr (found->id, ==, employee->id);
    pb_record_set (kari, PB_EMPLOYEE_CITY, "Bergen");
    pb_record_set (kari, PB_EMPLOYEE_PHONE, NULL);
    args.remote_id = employee->id;
    updated = call_ok (provider, PB_OP_UPDATE_EMPLOYEE, &args);
    g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_CITY), ==, "Bergen");
    g_assert_null (pb_record_get (updated->record, PB_EMPLOYEE_PHONE));

    /* An error answer, through the proxy too: Kari's employee number again. */
    pb_record_set (twin, PB_EMPLOYEE_GIVEN_NAME, "Kari");
    pb_record_set (twin, PB_EMPLOYEE_FAMILY_NAME, "Berg");
    pb_record_set (twin, PB_EMPLOYEE_EMAIL, "kari.berg@nordlysdata.no");
    pb_record_set (twin, PB_EMPLOYEE_EMPLOYEE_NUMBER, "2001");
    args = (PbProviderArgs) { .record = twin };
    nothing = call_err (provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
    g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
    g_clear_error (&error);

    /* Positions: one per period (SPEC P2), ended with a reason. */
    pb_record_set (position, PB_POSITION_START_DATE, "2024-01-01");
    pb_record_set (position, PB_POSITION_TITLE, "Utvikler");
    pb_record_set (position, PB_POSITION_PERCENTAGE, "80");
    pb_record_set (position, PB_POSITION_CONTRACT_TYPE, "temporary");
    args = (PbProviderArgs) { .employee_id = employee->id, .record = position };
    employment = call_ok (provider, PB_OP_CREATE_EMPLOYMENT, &args);
    pb_record_set (position, PB_POSITION_END_DATE, "2025-06-30");
    pb_record_set (position, PB_POSITION_END_REASON, "contract_expired");
    args.remote_id = employment->id;
    employment2 = call_ok (provider, PB_OP_UPDATE_EMPLOYMENT, &args);
    g_assert_cmpstr (pb_record_get (employment2->record, PB_POSITION_END_REASON), ==, "contract_expired");
    pb_record_set (freelance, PB_POSITION_START_DATE, "2025-07-01");
    pb_record_set (freelance, PB_POSITION_CONTRACT_TYPE, "freelance");
    args = (PbProviderArgs) { .employee_id = employee->id, .record = freelance };
    extra = call_ok (provider, PB_OP_CREATE_EMPLOYMENT, &args);
    args = (PbProviderArgs) { .employee_id = employee->id };
    employments = call_ok (provider, PB_OP_LIST_EMPLOYMENTS, &args);
    g_assert_cmpuint (employments->len, ==, 2);

    /* Salary: a recurring post on the employment (SPEC S1-S3). */
    pb_record_set (salary, PB_SALARY_START_DATE, "2024-03-01");
    pb_record_set (salary, PB_SALARY_AMOUNT, "650000");
    pb_record_set (salary, PB_SALARY_CURRENCY, "NOK");
    pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "yearly");
    args = (PbProviderArgs) { .employee_id = employee->id, .parent_id = employment->id, .record = salary };
    paid = call_ok (provider, PB_OP_CREATE_SALARY, &args);
    pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "hourly");
    pb_record_set (salary, PB_SALARY_AMOUNT, "350.50");
    pb_record_set (salary, PB_SALARY_END_DATE, "2025-06-30");
    args.remote_id = paid->id;
    repaid = call_ok (provider, PB_OP_UPDATE_SALARY, &args);
    g_assert_cmpstr (pb_record_get (repaid->record, PB_SALARY_PERIOD_UNIT), ==, "hourly");
    salaries = call_ok (provider, PB_OP_LIST_SALARIES, &args);
    g_assert_cmpuint (salaries->len, ==, 1);
    nothing = call_ok (provider, PB_OP_DELETE_SALARY, &args);
    args = (PbProviderArgs) { .employee_id = employee->id, .remote_id = extra->id };
    nothing = call_ok (provider, PB_OP_DELETE_EMPLOYMENT, &args);
    (void) nothing;

    /* EmployeeLeave: the connector offers no absence (SPEC table "no*"),
     * but the sandbox serves it (notes C.3, C.4): its answers are held
     * to the document too. */
    {
      g_autofree char *leave = g_strdup_printf ("{\"EmploymentID\": %s, \"FromDate\": \"2024-09-02\", "
                                                "\"ToDate\": \"2024-12-20\", \"LeavePercent\": 50, "
                                                "\"LeaveType\": 5, \"Description\": \"Studiepermisjon\", "
                                                "\"AffectsOtp\": false}", employment->id);
      g_autofree char *leave_path = NULL;
      g_autofree char *expanded = g_strdup_printf ("/biz/employments/%s?expand=Leaves", employment->id);
      gint64 id = 0;

      g_assert_cmpuint (unimicro_send (&p, "GET", "/biz/EmployeeLeave?filter=LeaveType%20eq%205&top=10",
                                       NULL, TRUE, NULL), ==, 200);
      g_assert_cmpuint (unimicro_send (&p, "POST", "/biz/EmployeeLeave", leave, TRUE, &id), ==, 201);
      g_assert_cmpint (id, >, 0);
      leave_path = g_strdup_printf ("/biz/EmployeeLeave/%" G_GINT64_FORMAT, id);
      g_assert_cmpuint (unimicro_send (&p, "PUT", leave_path, "{\"LeavePercent\": 100}", TRUE, NULL), ==, 200);
      g_assert_cmpuint (unimicro_send (&p, "GET", expanded, NULL, TRUE, NULL), ==, 200);
      g_assert_cmpuint (unimicro_send (&p, "DELETE", leave_path, NULL, TRUE, NULL), ==, 204);
    }
  }

  {
    static const char * const expected[] = {
      "GET /init/companies", "GET /biz/employees", "POST /biz/employees", "GET /biz/employees/{id}",
      "PUT /biz/employees/{id}", "GET /biz/employments", "POST /biz/employments", "PUT /biz/employments/{id}",
      "DELETE /biz/employments/{id}", "GET /biz/salarytrans", "POST /biz/salarytrans",
      "PUT /biz/salarytrans/{id}", "DELETE /biz/salarytrans/{id}", "GET /biz/EmployeeLeave",
      "POST /biz/EmployeeLeave", "PUT /biz/EmployeeLeave/{id}", "DELETE /biz/EmployeeLeave/{id}",
      "GET /biz/employments/{id}",
    };


    assert_report_clean (&p, expected, G_N_ELEMENTS (expected));
  }

  /* The document has teeth here too: a request without the CompanyKey
   * header (notes C.2) and with `skip` (UNCONFIRMED, not declared) is
   * reported, on the request side only (the sandbox's 400 is JSON). */
  {
    g_autoptr(JsonObject) cleared = NULL;
    g_autoptr(JsonObject) bad = NULL;
    JsonArray *found;
    gboolean header = FALSE, skip = FALSE;

    cleared = reset_report (p.proxy_url);
    g_assert_cmpuint (unimicro_send (&p, "GET", "/biz/employees?skip=1", NULL, FALSE, NULL), ==, 400);

    bad = fetch_report (p.proxy_url);
    found = json_object_get_array_member (bad, "violations");
    for (guint i = 0; i < json_array_get_length (found); i++)
      {
        JsonObject *v = json_array_get_object_element (found, i);
        const char *where = json_object_get_string_member_with_default (v, "where", "");

        g_test_message ("expected violation: %s %s", where, json_object_get_string_member_with_default (v, "message", ""));
        g_assert_cmpstr (json_object_get_string_member_with_default (v, "direction", ""), ==, "request");
        header |= g_str_equal (where, "/headers/companykey");
        skip |= g_str_equal (where, "/query/skip");
      }
    g_assert_cmpuint (json_array_get_length (found), ==, 2);
    g_assert_true (header);
    g_assert_true (skip);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/contract/tripletex/repertoire-zero-violations", test_repertoire);
  g_test_add_func ("/contract/fortnox/repertoire-zero-violations", test_fortnox_repertoire);
  g_test_add_func ("/contract/unimicro/documented-shapes-zero-violations", test_unimicro_documented);

  return g_test_run ();
}
