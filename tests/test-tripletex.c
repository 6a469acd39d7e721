/* test-tripletex.c: every operation of the Tripletex connector against the
 * in-process payroll sandbox
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-test-utils.h"

typedef struct
{
  PbSandbox  *sandbox;
  PbProvider *provider;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  seed)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  if (seed != NULL)
    {
      pb_sandbox_load_seed_data (f->sandbox, seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  f->provider = pb_test_new_provider ("tripletex", pb_sandbox_get_api_url (f->sandbox), NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->provider);
  g_clear_object (&f->sandbox);
}

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

static PbRecord *
make_employee (const char *given,
               const char *family,
               const char *email)
{
  PbRecord *e = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (e, PB_EMPLOYEE_GIVEN_NAME, given);
  pb_record_set (e, PB_EMPLOYEE_FAMILY_NAME, family);
  pb_record_set (e, PB_EMPLOYEE_EMAIL, email);
  pb_record_set (e, PB_EMPLOYEE_PHONE, "+47 912 34 567");
  pb_record_set (e, PB_EMPLOYEE_EMPLOYEE_NUMBER, "1001");
  pb_record_set (e, PB_EMPLOYEE_DATE_OF_BIRTH, "1985-05-15");
  pb_record_set (e, PB_EMPLOYEE_NATIONAL_ID, "15058510170");
  pb_record_set (e, PB_EMPLOYEE_BANK_ACCOUNT, "29141777635");
  pb_record_set (e, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
  pb_record_set (e, PB_EMPLOYEE_POSTAL_CODE, "0155");
  pb_record_set (e, PB_EMPLOYEE_CITY, "Oslo");
  pb_record_set (e, PB_EMPLOYEE_COUNTRY, "NO");
  return e;
}

static PbRemote *
create_employee (Fixture  *f,
                 PbRecord *employee)
{
  PbProviderArgs args = { .record = employee };
  g_autoptr(GError) error = NULL;
  PbRemote *remote = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (remote);
  return remote;
}

/* --- credentials -------------------------------------------------------------- */

static void
test_verify (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (company->name, ==, "Sandbox AS");
  g_assert_cmpstr (company->currency, ==, "NOK");
  g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 1);
}

static void
test_wrong_token (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(PbProvider) wrong = pb_test_new_provider ("tripletex", pb_sandbox_get_api_url (f->sandbox), "not-my-token");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = pb_test_call (wrong, PB_OP_VERIFY_CREDENTIALS, NULL, &error);

  g_assert_null (company);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "refused the consumer or employee token"));
  g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 0);
}

/* One session serves many requests; a 401 (the sandbox forgot it) makes
 * exactly one new one, even with requests in flight together. */
static void
test_session_renewal (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  Result results[5] = { { 0 } };
  guint done = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 1);

  pb_sandbox_expire_sessions (f->sandbox);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    pb_provider_call_async (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, NULL, on_done, &results[i]);
  while (done < G_N_ELEMENTS (results))
    {
      g_main_context_iteration (NULL, TRUE);
      done = 0;
      for (guint i = 0; i < G_N_ELEMENTS (results); i++)
        done += results[i].done;
    }

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_no_error (results[i].error);
      pb_remote_company_free (results[i].result);
    }
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", "/v2/token/session"), ==, 2);
}

/* --- employees ---------------------------------------------------------------------- */

static void
test_employee_roundtrip (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  g_autoptr(PbRemote) created = create_employee (f, kari);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PbRemote) found = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { 0 };
  PbRemote *listed = NULL;

  g_assert_nonnull (created->id);
  g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_EMAIL), ==, "kari@acme.no");

  all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (((PbRemote *) g_ptr_array_index (all, i))->id, created->id) == 0)
      listed = g_ptr_array_index (all, i);
  g_assert_nonnull (listed);

  /* Every readable field comes back as HR sent it (SPEC U3 compares them). */
  for (guint i = 0; i < PB_EMPLOYEE_N_FIELDS; i++)
    {
      if (i == PB_EMPLOYEE_STATUS || i == PB_EMPLOYEE_COMPANY || i == PB_EMPLOYEE_LOCATION ||
          i == PB_EMPLOYEE_TEAM || i == PB_EMPLOYEE_MANAGER_EMAIL || i == PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL ||
          i == PB_EMPLOYEE_FIRST_WORKDAY || i == PB_EMPLOYEE_LAST_WORKDAY)
        continue;
      g_test_message ("field %s", pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[i].name);
      g_assert_cmpstr (pb_record_get (listed->record, i), ==, pb_record_get (kari, i));
    }

  /* Found by email, case-insensitively (SPEC U1). */
  pb_record_set (kari, PB_EMPLOYEE_EMAIL, "KARI@acme.no");
  args.record = kari;
  found = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->id, ==, created->id);

  /* A partial, versioned update. */
  pb_record_set (kari, PB_EMPLOYEE_EMAIL, "kari@acme.no");
  pb_record_set (kari, PB_EMPLOYEE_PHONE, NULL);
  pb_record_set (kari, PB_EMPLOYEE_CITY, "Bergen");
  args.remote_id = created->id;
  updated = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_CITY), ==, "Bergen");
  g_assert_null (pb_record_get (updated->record, PB_EMPLOYEE_PHONE));
  g_assert_cmpint (updated->version, >, created->version);
}

static void
test_find_missing (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PbRecord) nobody = make_employee ("No", "Body", "nobody@acme.no");
  PbProviderArgs args = { .record = nobody };
  g_autoptr(GError) error = NULL;
  PbRemote *found = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);

  g_assert_no_error (error);
  g_assert_null (found);
}

/* 422: the payroll system's field messages come through to the error log. */
static void
test_validation_messages (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PbRecord) nameless = make_employee ("Nils", NULL, "nils@acme.no");
  PbProviderArgs args = { .record = nameless };
  g_autoptr(GError) error = NULL;
  PbRemote *remote = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  const PbProviderErrorDetails *details;
  gboolean named = FALSE;

  g_assert_null (remote);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  details = pb_provider_error_get_details (error);
  g_assert_cmpuint (details->status, ==, 422);
  g_assert_nonnull (details->request_id);
  for (guint i = 0; i < details->field_messages->len; i++)
    named |= g_strcmp0 (((PbFieldMessage *) g_ptr_array_index (details->field_messages, i))->field, "lastName") == 0;
  g_assert_true (named);
}

/* 409: someone else changed the record between our read and our write:
 * read again and write once more. */
static void
test_version_conflict_refetch (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  g_autoptr(PbRemote) created = create_employee (f, kari);
  g_autoptr(PbRecord) a = pb_record_copy (kari);
  g_autoptr(PbRecord) b = pb_record_copy (kari);
  PbProviderArgs args_a = { .record = a, .remote_id = created->id };
  PbProviderArgs args_b = { .record = b, .remote_id = created->id };
  PbSandboxFaults faults = { .latency_ms = 40 };
  Result ra = { 0 }, rb = { 0 };
  g_autofree char *prefix = g_strdup_printf ("/v2/employee/%s", created->id);

  pb_record_set (a, PB_EMPLOYEE_CITY, "Bergen");
  pb_record_set (b, PB_EMPLOYEE_PHONE, "+47 400 00 000");

  /* Both read the same version before either writes. */
  pb_sandbox_set_faults (f->sandbox, &faults, NULL);
  pb_provider_call_async (f->provider, PB_OP_UPDATE_EMPLOYEE, &args_a, NULL, on_done, &ra);
  pb_provider_call_async (f->provider, PB_OP_UPDATE_EMPLOYEE, &args_b, NULL, on_done, &rb);
  while (!ra.done || !rb.done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_no_error (ra.error);
  g_assert_no_error (rb.error);
  /* PUTs: A, B (409), B again. GETs: the three version reads (A, B, B
   * after the conflict), none more: each PUT's answer is the employee, as
   * the create's was (issue 14). */
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", prefix), ==, 3);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", prefix), ==, 3);
  pb_remote_free (ra.result);
  pb_remote_free (rb.result);
}

/* Issue 14: an update with the version payroll's last answer gave is one
 * PUT, no version read and no read back; the answer is the employee with
 * the new values and version. A version gone stale meets a 409: one read
 * of the version, one more PUT. */
static void
test_update_at_known_version (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  g_autoptr(PbRemote) created = create_employee (f, kari);
  g_autoptr(PbRecord) changed = pb_record_copy (kari);
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(PbRemote) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("/v2/employee/%s", created->id);
  PbProviderArgs args = { .record = changed, .remote_id = created->id, .remote_version = created->version };

  g_assert_cmpint (created->version, >, 0);
  pb_record_set (changed, PB_EMPLOYEE_CITY, "Bergen");
  updated = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", prefix), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", prefix), ==, 0);
  g_assert_cmpstr (updated->id, ==, created->id);
  g_assert_cmpint (updated->version, >, created->version);
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_CITY), ==, "Bergen");
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_EMAIL), ==, "kari@acme.no");

  /* The same, stale, version again. */
  pb_record_set (changed, PB_EMPLOYEE_CITY, "Tromsø");
  again = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", prefix), ==, 3);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", prefix), ==, 1);
  g_assert_cmpint (again->version, >, updated->version);
  g_assert_cmpstr (pb_record_get (again->record, PB_EMPLOYEE_CITY), ==, "Tromsø");
}

static void
omit_id (Fixture    *f,
         const char *id)
{
  PbSandboxFaults faults = { .omit_id = g_ascii_strtoll (id, NULL, 10) };
  g_autoptr(GError) error = NULL;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
}

/* SPEC R1: an answer without the id the connector needs is an error that
 * names the record and the field, never a NULL id or "/employee/(null)". */
static void
test_employee_without_id (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  g_autoptr(PbRecord) ola = make_employee ("Ola", "Hansen", "ola@acme.no");
  g_autoptr(PbRemote) k = create_employee (f, kari);
  g_autoptr(PbRemote) o = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PbRemote) found = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = ola };

  pb_record_set (ola, PB_EMPLOYEE_EMPLOYEE_NUMBER, "1002");
  o = create_employee (f, ola);
  omit_id (f, o->id);

  /* The listing names the person and the field. */
  all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (all);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Ola Hansen"));
  g_assert_nonnull (strstr (error->message, "ola@acme.no"));
  g_assert_nonnull (strstr (error->message, "“id”"));
  g_clear_error (&error);

  /* Found by email: the same. */
  found = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_null (found);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_clear_error (&error);

  /* The update is sent; its read-back has no id: an error, not a remote
   * without one. */
  args.remote_id = o->id;
  pb_record_set (ola, PB_EMPLOYEE_CITY, "Bergen");
  updated = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);
  g_assert_null (updated);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "Ola Hansen"));
  g_clear_error (&error);

  /* Never a request to a "(null)" path. */
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/employee/(null)"), ==, 0);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/employee/0"), ==, 0);

  /* Kari, whose id comes, is listed as ever once the fault is off. */
  omit_id (f, "0");
  all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (k->id);
}

/* A create whose answer carries no id cannot be read back or linked. */
static void
test_create_without_id (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  PbProviderArgs args = { .record = kari };
  g_autoptr(GError) error = NULL;
  PbRemote *remote;

  /* Employees get ids from 20001; the API user is the first. */
  omit_id (f, "20002");
  remote = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_null (remote);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“id”"));
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employee/"), ==, 0);
}

static char *
many_employees_seed (guint n)
{
  g_autoptr(GString) seed = g_string_new ("{ \"employees\": [");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (seed, "%s{\"firstName\":\"Person\",\"lastName\":\"%05u\",\"email\":\"p%05u@acme.no\"}",
                            i > 0 ? "," : "", i, i);
  g_string_append (seed, "] }");
  return g_string_free (g_steal_pointer (&seed), FALSE);
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_autoptr(GHashTable) emails = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      const char *email = pb_record_get (((PbRemote *) g_ptr_array_index (all, i))->record, PB_EMPLOYEE_EMAIL);
      if (email != NULL && g_str_has_prefix (email, "p"))
        g_hash_table_add (emails, (gpointer) email);
    }
  /* All 2,500, each once, in three pages of at most 1,000. */
  g_assert_cmpuint (g_hash_table_size (emails), ==, 2500);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employee"), ==, 3);

  /* Issue 14: each page is parsed and converted in a worker thread as it
   * comes; the list keeps payroll's order all the same (the API user
   * first, then p00000, p00001, ...). */
  g_assert_cmpuint (all->len, ==, 2501);
  for (guint i = 1; i < all->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("p%05u@acme.no", i - 1);

      g_assert_cmpstr (pb_record_get (((PbRemote *) g_ptr_array_index (all, i))->record, PB_EMPLOYEE_EMAIL), ==,
                       expected);
    }
}

/* SPEC R1 on a later page of a long list (converted in a worker thread):
 * the listing fails, naming the person, and nothing half-read is given. */
static void
test_paging_without_id (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;

  omit_id (f, "21502");     /* ids from 20001, the API user first: p01500, on the second page */
  all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (all);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "p01500@acme.no"));
  g_assert_nonnull (strstr (error->message, "“id”"));
}

/* --- employments and salary ------------------------------------------------------------ */

static PbRecord *
make_position (const char *start,
               const char *end,
               const char *percentage)
{
  PbRecord *p = pb_record_new (PB_ENTITY_POSITION);

  pb_record_set (p, PB_POSITION_START_DATE, start);
  pb_record_set (p, PB_POSITION_END_DATE, end);
  pb_record_set (p, PB_POSITION_TITLE, "Engineer");
  pb_record_set (p, PB_POSITION_PERCENTAGE, percentage);
  pb_record_set (p, PB_POSITION_CONTRACT_TYPE, "permanent");
  return p;
}

static void
test_employments_and_salary (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  g_autoptr(PbRemote) employee = create_employee (f, kari);
  g_autoptr(PbRecord) position = make_position ("2024-01-01", NULL, "80");
  g_autoptr(PbRecord) salary = pb_record_new (PB_ENTITY_SALARY);
  g_autoptr(PbRemote) employment = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(PbRemote) paid = NULL;
  g_autoptr(PbRemote) repaid = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .employee_id = employee->id, .record = position };
  PbRemote *listed_one;
  gpointer nothing;

  employment = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (employment->record, PB_POSITION_START_DATE), ==, "2024-01-01");
  g_assert_cmpstr (pb_record_get (employment->record, PB_POSITION_PERCENTAGE), ==, "80");

  /* The period ends: end date and reason change (SPEC P2). */
  pb_record_set (position, PB_POSITION_END_DATE, "2025-06-30");
  pb_record_set (position, PB_POSITION_END_REASON, "resigned");
  pb_record_set (position, PB_POSITION_PERCENTAGE, "60");
  args.remote_id = employment->id;
  updated = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (updated->record, PB_POSITION_END_DATE), ==, "2025-06-30");
  g_assert_cmpstr (pb_record_get (updated->record, PB_POSITION_END_REASON), ==, "resigned");
  g_assert_cmpstr (pb_record_get (updated->record, PB_POSITION_PERCENTAGE), ==, "60");

  args = (PbProviderArgs) { .employee_id = employee->id };
  listed = pb_test_call (f->provider, PB_OP_LIST_EMPLOYMENTS, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 1);
  listed_one = g_ptr_array_index (listed, 0);
  g_assert_cmpstr (listed_one->id, ==, employment->id);

  /* Tripletex cannot delete employments: refused without a request. */
  args.remote_id = employment->id;
  nothing = pb_test_call (f->provider, PB_OP_DELETE_EMPLOYMENT, &args, &error);
  g_assert_null (nothing);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* Salary: details dated at its start, monthly amounts sent as annual. */
  pb_record_set (salary, PB_SALARY_START_DATE, "2024-03-01");
  pb_record_set (salary, PB_SALARY_AMOUNT, "50000.00");
  pb_record_set (salary, PB_SALARY_CURRENCY, "NOK");
  pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "monthly");
  args = (PbProviderArgs) { .employee_id = employee->id, .parent_id = employment->id, .record = salary,
                            .related = position };
  paid = pb_test_call (f->provider, PB_OP_CREATE_SALARY, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (paid->record, PB_SALARY_AMOUNT), ==, "600000.00");
  g_assert_cmpstr (pb_record_get (paid->record, PB_SALARY_PERIOD_UNIT), ==, "yearly");

  pb_record_set (salary, PB_SALARY_AMOUNT, "320.50");
  pb_record_set (salary, PB_SALARY_PERIOD_UNIT, "hourly");
  args.remote_id = paid->id;
  repaid = pb_test_call (f->provider, PB_OP_UPDATE_SALARY, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_record_get (repaid->record, PB_SALARY_AMOUNT), ==, "320.50");
  g_assert_cmpstr (pb_record_get (repaid->record, PB_SALARY_PERIOD_UNIT), ==, "hourly");

  /* SPEC S2: a delete clears the values and keeps the record. */
  nothing = pb_test_call (f->provider, PB_OP_DELETE_SALARY, &args, &error);
  g_assert_no_error (error);
  state = pb_sandbox_dup_state (f->sandbox);
  {
    JsonArray *details = json_object_get_array_member (json_node_get_object (state), "employmentDetails");
    gboolean kept = FALSE;

    for (guint i = 0; i < json_array_get_length (details); i++)
      {
        JsonObject *d = json_array_get_object_element (details, i);
        g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (d, "id"));

        if (g_str_equal (id, paid->id))
          {
            kept = TRUE;
            g_assert_cmpfloat (json_object_get_double_member_with_default (d, "annualSalary", 0), ==, 0);
            g_assert_cmpfloat (json_object_get_double_member_with_default (d, "hourlyWage", 0), ==, 0);
          }
      }
    g_assert_true (kept);
  }

  /* SPEC S6: no employment, no salary. */
  args.parent_id = NULL;
  args.remote_id = NULL;
  nothing = pb_test_call (f->provider, PB_OP_CREATE_SALARY, &args, &error);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "position sync"));
}

/* --- absence as timesheet hours ------------------------------------------------------------ */

static char *
activity_id (Fixture    *f,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) types = pb_test_call (f->provider, PB_OP_LIST_ABSENCE_TYPES, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < types->len; i++)
    {
      PbRemote *type = g_ptr_array_index (types, i);
      if (g_strcmp0 (type->name, name) == 0)
        return g_strdup (type->id);
    }
  g_assert_not_reached ();
}

static guint
count_entries (Fixture    *f,
               const char *employee_id,
               double     *hours)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonArray *entries = json_object_get_array_member (json_node_get_object (state), "timesheetEntries");
  guint n = 0;

  *hours = 0;
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             json_object_get_int_member (json_object_get_object_member (entry, "employee"), "id"));
      if (g_str_equal (id, employee_id))
        {
          n++;
          *hours += json_object_get_double_member (entry, "hours");
        }
    }
  return n;
}

/* What can be an absence type: the general (internal) activities that take
 * hours and are not invoiced. Project activities, tasks, disabled and
 * chargeable activities are not offered for mapping (SPEC A2). */
static const char activities_seed[] =
  "{\"activities\": ["
  "  {\"id\": 5001, \"name\": \"Ferie\", \"number\": \"FERIE\", \"activityType\": \"GENERAL_ACTIVITY\"},"
  "  {\"id\": 5002, \"name\": \"Gammel ferie\", \"number\": \"FERIE-GML\", \"activityType\": \"GENERAL_ACTIVITY\","
  "   \"isDisabled\": true},"
  "  {\"id\": 5003, \"name\": \"Rådgivning\", \"number\": \"RAAD\", \"activityType\": \"GENERAL_ACTIVITY\","
  "   \"isChargeable\": true},"
  "  {\"id\": 5004, \"name\": \"Prosjektmøte\", \"number\": \"PMOTE\", \"activityType\": \"PROJECT_GENERAL_ACTIVITY\"},"
  "  {\"id\": 5005, \"name\": \"Oppgave\", \"number\": \"OPPG\", \"activityType\": \"TASK\"},"
  "  {\"id\": 5006, \"name\": \"Sykdom med lønn\", \"number\": \"SYK-MED\", \"activityType\": \"GENERAL_ACTIVITY\","
  "   \"isChargeable\": false}"
  "]}";

static void
test_absence_types (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) types = pb_test_call (f->provider, PB_OP_LIST_ABSENCE_TYPES, NULL, &error);
  PbRemote *type;

  g_assert_no_error (error);
  g_assert_cmpuint (types->len, ==, 2);
  type = g_ptr_array_index (types, 0);
  g_assert_cmpstr (type->id, ==, "5001");
  g_assert_cmpstr (type->name, ==, "Ferie");
  type = g_ptr_array_index (types, 1);
  g_assert_cmpstr (type->id, ==, "5006");
  g_assert_cmpstr (type->name, ==, "Sykdom med lønn");
}

static void
test_absence (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no");
  g_autoptr(PbRemote) employee = create_employee (f, kari);
  g_autoptr(PbRecord) absence = pb_record_new (PB_ENTITY_ABSENCE);
  g_autofree char *vacation = activity_id (f, "Ferie");
  g_autoptr(PbRemote) sent = NULL;
  g_autoptr(PbRemote) resent = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .employee_id = employee->id, .remote_type = vacation, .record = absence };
  gpointer nothing;
  double hours;

  /* Monday 2026-07-06 to Friday 2026-07-17: ten weekdays. */
  pb_record_set (absence, PB_ABSENCE_TYPE, "vacation");
  pb_record_set (absence, PB_ABSENCE_START_DATE, "2026-07-06");
  pb_record_set (absence, PB_ABSENCE_END_DATE, "2026-07-17");
  pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "100");
  pb_record_set (absence, PB_ABSENCE_STATE, "approved");
  pb_record_set (absence, PB_ABSENCE_NOTE, "Summer");

  sent = pb_test_call (f->provider, PB_OP_CREATE_ABSENCE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f, employee->id, &hours), ==, 10);
  g_assert_cmpfloat_with_epsilon (hours, 75.0, 0.001);   /* 7.5 h standard day */

  /* SPEC A3: the percentage and dates change: the entries follow. */
  pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "50");
  pb_record_set (absence, PB_ABSENCE_END_DATE, "2026-07-10");
  args.remote_id = sent->id;
  resent = pb_test_call (f->provider, PB_OP_UPDATE_ABSENCE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f, employee->id, &hours), ==, 5);
  g_assert_cmpfloat_with_epsilon (hours, 18.75, 0.001);

  /* SPEC R2, R3 (found by test-crash-resume's faults-converge, seed 7):
   * the update's answer was lost (a dropped connection, a killed push),
   * so it is sent again with the ids it began with, which are gone. It
   * finds the entries it made instead of being refused as a duplicate
   * (Tripletex's 409, code 14000), and nothing is doubled. */
  {
    g_autoptr(PbRemote) again = NULL;

    args.remote_id = sent->id;
    again = pb_test_call (f->provider, PB_OP_UPDATE_ABSENCE, &args, &error);
    g_assert_no_error (error);
    g_assert_nonnull (again);
    g_assert_cmpstr (again->id, ==, resent->id);
    g_assert_cmpuint (count_entries (f, employee->id, &hours), ==, 5);
    g_assert_cmpfloat_with_epsilon (hours, 18.75, 0.001);
  }

  /* SPEC A6: a locked entry refuses both update and delete. */
  {
    g_auto(GStrv) ids = g_strsplit (resent->id, ",", -1);
    pb_sandbox_set_locked (f->sandbox, "timesheetEntry", g_ascii_strtoll (ids[2], NULL, 10), TRUE, &error);
    g_assert_no_error (error);
  }
  args.remote_id = resent->id;
  nothing = pb_test_call (f->provider, PB_OP_UPDATE_ABSENCE, &args, &error);
  g_assert_null (nothing);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, "Unlock them in Tripletex"));
  g_clear_error (&error);
  nothing = pb_test_call (f->provider, PB_OP_DELETE_ABSENCE, &args, &error);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (f, employee->id, &hours), ==, 5);

  /* Unlocked again, the delete goes through (SPEC A4). */
  {
    g_auto(GStrv) ids = g_strsplit (resent->id, ",", -1);
    pb_sandbox_set_locked (f->sandbox, "timesheetEntry", g_ascii_strtoll (ids[2], NULL, 10), FALSE, &error);
  }
  nothing = pb_test_call (f->provider, PB_OP_DELETE_ABSENCE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (f, employee->id, &hours), ==, 0);
}

/* SPEC R2: 5xx, 429 and dropped connections are retried; nothing is lost. */
static void
test_faults_retried (Fixture       *f,
                     gconstpointer  data)
{
  PbSandboxFaults faults = { .fail_rate = 0.3, .drop_rate = 0.1, .malformed_rate = 0.1, .seed = 7 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PbRemoteCompany) company = NULL;

  company = pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_no_error (error);
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    {
      g_clear_pointer (&all, g_ptr_array_unref);
      all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
      g_assert_no_error (error);
    }
}

static void
count_http_message (const char     *domain,
                    GLogLevelFlags  level,
                    const char     *message,
                    gpointer        user_data)
{
  guint *count = user_data;

  g_test_message ("%s: %s", domain, message);
  (*count)++;
}

/* SPEC R2, issue 9: with the connection closed before the request is read
 * on one request in eight, every update still reaches payroll, whole, and
 * once: libsoup's own resends of a PUT carry the body. */
static void
test_updates_dropped_before_read (Fixture       *f,
                                  gconstpointer  data)
{
  PbSandboxFaults faults = { .drop_before_read_rate = 0.125, .seed = 9 };
  g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  const guint n = 24;
  guint bergen = 0;
  guint refused = 0;
  guint handler;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("wire%02u@acme.no", i);
      PbRecord *record = make_employee ("Wire", "Person", email);

      pb_record_set (record, PB_EMPLOYEE_EMPLOYEE_NUMBER, NULL);
      g_ptr_array_add (records, record);
      g_ptr_array_add (created, create_employee (f, record));
    }

  /* PbHttp says so when payroll refuses a request sent again after a drop:
   * that must not happen, the body goes with every resend. */
  handler = g_log_set_handler ("PbHttp", G_LOG_LEVEL_MESSAGE, count_http_message, &refused);
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      PbRecord *record = g_ptr_array_index (records, i);
      PbRemote *before = g_ptr_array_index (created, i);
      PbProviderArgs args = { .record = record, .remote_id = before->id };
      g_autoptr(PbRemote) updated = NULL;

      pb_record_set (record, PB_EMPLOYEE_CITY, "Bergen");
      updated = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_CITY), ==, "Bergen");
      /* Applied once: one version up. */
      g_assert_cmpint (updated->version, ==, before->version + 1);
    }
  g_log_remove_handler ("PbHttp", handler);
  g_test_message ("%u requests dropped before read", pb_sandbox_get_dropped_before_read_count (f->sandbox));
  g_assert_cmpuint (pb_sandbox_get_dropped_before_read_count (f->sandbox), >=, 3);
  g_assert_cmpuint (refused, ==, 0);

  faults.drop_before_read_rate = 0;
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  all = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    bergen += g_strcmp0 (pb_record_get (((PbRemote *) g_ptr_array_index (all, i))->record, PB_EMPLOYEE_CITY),
                         "Bergen") == 0;
  g_assert_cmpuint (bergen, ==, n);
}

int
main (int   argc,
      char *argv[])
{
  static char *paging_seed;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  paging_seed = many_employees_seed (2500);

#define ADD(path, seed, func) \
  g_test_add ("/tripletex/" path, Fixture, seed, fixture_set_up, func, fixture_tear_down)
  ADD ("verify-credentials", NULL, test_verify);
  ADD ("wrong-token-not-authorized", NULL, test_wrong_token);
  ADD ("session/renewed-once-on-401", NULL, test_session_renewal);
  ADD ("employee/create-list-find-update", NULL, test_employee_roundtrip);
  ADD ("employee/find-missing", NULL, test_find_missing);
  ADD ("employee/422-field-messages", NULL, test_validation_messages);
  ADD ("employee/409-refetch-and-retry", NULL, test_version_conflict_refetch);
  ADD ("employee/update-at-known-version", NULL, test_update_at_known_version);
  ADD ("employee/paging-2500", paging_seed, test_paging);
  ADD ("employee/paging-R1-without-id-on-page-2", paging_seed, test_paging_without_id);
  ADD ("employee/R1-answer-without-id", NULL, test_employee_without_id);
  ADD ("employee/R1-create-answer-without-id", NULL, test_create_without_id);
  ADD ("employment-and-salary", NULL, test_employments_and_salary);
  ADD ("absence/timesheet-entries-and-locks", NULL, test_absence);
  ADD ("absence/A2-types-are-general-activities-that-take-hours", activities_seed, test_absence_types);
  ADD ("faults-retried", NULL, test_faults_retried);
  ADD ("wire/updates-dropped-before-read", NULL, test_updates_dropped_before_read);
#undef ADD

  return g_test_run ();
}
