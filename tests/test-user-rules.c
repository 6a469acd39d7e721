/* test-user-rules.c: Visma.net Payroll's user rules (SPEC V2-V5) as data on
 * the connector's class, enforced by the shared code in pb-provider.c
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
#include "pb-user-sync.h"

/* The connector under test is "sandbox-visma-rules" (src/providers/test/):
 * Tripletex's connector and wire, run against the payroll sandbox's
 * Tripletex API, with Visma.net Payroll's field rules in its class. Every
 * test also runs the plain Tripletex class the same way, so a rule that
 * held for another reason than the class's data would show. */

#define RULES_ID "sandbox-visma-rules"

typedef struct
{
  PbSandbox  *sandbox;
  PbProvider *rules;       /* Visma.net Payroll's rules on Tripletex's wire */
  PbProvider *tripletex;   /* the same wire without them */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  f->rules = pb_test_new_provider (RULES_ID, pb_sandbox_get_api_url (f->sandbox), NULL);
  f->tripletex = pb_test_new_provider ("tripletex", pb_sandbox_get_api_url (f->sandbox), NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->rules);
  g_clear_object (&f->tripletex);
  g_clear_object (&f->sandbox);
}

typedef struct
{
  gpointer  result;
  gboolean  ok;
  GError   *error;
  gboolean  done;
} SyncWait;

static void
on_plan_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SyncWait *r = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == pb_user_sync_plan_async)
    r->result = pb_user_sync_plan_finish (result, &r->error);
  else
    r->ok = pb_user_sync_apply_finish (result, NULL, &r->error);
  r->done = TRUE;
}

static PbRecord *
make_employee (const char *email,
               const char *number)
{
  PbRecord *e = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (e, PB_EMPLOYEE_GIVEN_NAME, "Kari");
  pb_record_set (e, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
  pb_record_set (e, PB_EMPLOYEE_EMAIL, email);
  pb_record_set (e, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);
  pb_record_set (e, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
  pb_record_set (e, PB_EMPLOYEE_POSTAL_CODE, "0155");
  pb_record_set (e, PB_EMPLOYEE_CITY, "Oslo");
  pb_record_set (e, PB_EMPLOYEE_COUNTRY, "NO");
  return e;
}

static PbRemote *
create_ok (PbProvider *provider,
           PbRecord   *employee)
{
  PbProviderArgs args = { .record = employee };
  g_autoptr(GError) error = NULL;
  PbRemote *remote = pb_test_call (provider, PB_OP_CREATE_EMPLOYEE, &args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (remote);
  return remote;
}

static PbRemote *
update_ok (PbProvider *provider,
           PbRemote   *remote,
           PbRecord   *employee)
{
  PbProviderArgs args = { .record = employee, .remote_id = remote->id };
  g_autoptr(GError) error = NULL;
  PbRemote *updated = pb_test_call (provider, PB_OP_UPDATE_EMPLOYEE, &args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (updated);
  return updated;
}

/* --- what the sandbox holds ------------------------------------------------------ */

static char *
dup_state_text (Fixture *f)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);

  return json_to_string (state, FALSE);
}

static guint
n_payroll_employees (Fixture *f)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (state), "employees"));
}

/* The employee with @id as the sandbox holds it, with its address record
 * put in place of the address id. */
static JsonObject *
dup_payroll_employee (Fixture    *f,
                      const char *id)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonObject *root = json_node_get_object (state);
  JsonArray *employees = json_object_get_array_member (root, "employees");
  JsonArray *addresses = json_object_get_array_member (root, "addresses");
  gint64 wanted = g_ascii_strtoll (id, NULL, 10);

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *employee = json_array_get_object_element (employees, i);
      gint64 address_id;

      if (json_object_get_int_member (employee, "id") != wanted)
        continue;

      /* The state is in the API's shapes: references are {"id", "url"}. */
      employee = json_object_ref (employee);
      g_assert_true (json_object_has_member (employee, "address"));
      address_id = json_object_get_int_member (json_object_get_object_member (employee, "address"), "id");
      for (guint j = 0; j < json_array_get_length (addresses); j++)
        {
          JsonObject *address = json_array_get_object_element (addresses, j);

          if (json_object_get_int_member (address, "id") == address_id)
            json_object_set_object_member (employee, "address", json_object_ref (address));
        }
      return employee;
    }

  g_assert_not_reached ();
}

/* A string member of the payroll record; absent and "" are both NULL. */
static const char *
payroll_string (JsonObject *object,
                const char *member)
{
  const char *value = json_object_get_string_member_with_default (object, member, NULL);

  return value != NULL && value[0] != '\0' ? value : NULL;
}

static const char *
payroll_address (JsonObject *employee,
                 const char *member)
{
  JsonNode *node = json_object_get_member (employee, "address");

  g_assert_true (node != NULL && JSON_NODE_HOLDS_OBJECT (node));
  return payroll_string (json_node_get_object (node), member);
}

static void
assert_refused (GError     *error,
                PbProvider *provider,
                const char *part)
{
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, part));
  /* Names the system, from its class, so the administrator knows whose rule. */
  g_assert_nonnull (strstr (error->message, pb_provider_get_display_name (provider)));
}

/* --- registration ------------------------------------------------------------------ */

/* Offered only with PAYBRIDGE_TEST_PROVIDERS set, next to sandbox-oauth2.
 * Runs first, before any thread the sandbox may start, as it changes the
 * environment. */
static void
test_registered_for_tests_only (void)
{
  GType type;

  g_unsetenv ("PAYBRIDGE_TEST_PROVIDERS");
  g_assert_true (pb_provider_type_for_id (RULES_ID) == G_TYPE_INVALID);
  g_setenv ("PAYBRIDGE_TEST_PROVIDERS", "1", TRUE);

  type = pb_provider_type_for_id (RULES_ID);
  g_assert_true (type != G_TYPE_INVALID);
  /* The same wire as Tripletex: only the class's data differ. */
  g_assert_true (g_type_is_a (type, PB_TYPE_TRIPLETEX_PROVIDER));
  g_assert_true (pb_provider_type_for_id ("sandbox-oauth2") != G_TYPE_INVALID);
}

/* --- SPEC V2: Employment ID -------------------------------------------------------------- */

/* SPEC V2: at most 12 characters; longer is refused with a clear error
 * before anything is sent: not even a session is made. */
static void
test_employment_id_too_long (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", "1234567890123");
  g_autoptr(PbRecord) ola = make_employee ("ola@acme.no", "ØÆÅ-56789012");   /* 12 characters, 15 bytes */
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) again = NULL;
  g_autoptr(JsonObject) payroll = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = kari };
  guint employees = n_payroll_employees (f);
  guint requests;

  g_assert_null (pb_test_call (f->rules, PB_OP_CREATE_EMPLOYEE, &args, &error));
  assert_refused (error, f->rules, "Employment ID (employee number): “1234567890123” is 13 characters");
  g_assert_nonnull (strstr (error->message, "at most 12"));
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, NULL), ==, 0);
  g_assert_cmpuint (n_payroll_employees (f), ==, employees);
  /* The caller's record is the HR register's: it is left as it was. */
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1234567890123");
  g_clear_error (&error);

  /* Exactly 12 characters go through, counted in characters, not bytes. */
  created = create_ok (f->rules, ola);
  payroll = dup_payroll_employee (f, created->id);
  g_assert_cmpstr (payroll_string (payroll, "employeeNumber"), ==, "ØÆÅ-56789012");
  g_assert_cmpuint (n_payroll_employees (f), ==, employees + 1);

  /* An update is held to the limit as well: no version read, no PUT. */
  requests = pb_sandbox_get_request_count (f->sandbox, NULL, NULL);
  pb_record_set (ola, PB_EMPLOYEE_EMPLOYEE_NUMBER, "ØÆÅ-567890123");
  args.record = ola;
  args.remote_id = created->id;
  again = pb_test_call (f->rules, PB_OP_UPDATE_EMPLOYEE, &args, &error);
  g_assert_null (again);
  assert_refused (error, f->rules, "is 13 characters");
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, NULL), ==, requests);
  g_clear_pointer (&payroll, json_object_unref);
  payroll = dup_payroll_employee (f, created->id);
  g_assert_cmpstr (payroll_string (payroll, "employeeNumber"), ==, "ØÆÅ-56789012");
}

/* SPEC V2: required to create an employee; refused before sending. The
 * engine can ask the class the same question without a connection (U2). */
static void
test_employment_id_required_to_create (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", NULL);
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = kari };
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (f->rules);
  guint employees = n_payroll_employees (f);

  g_assert_null (pb_test_call (f->rules, PB_OP_CREATE_EMPLOYEE, &args, &error));
  assert_refused (error, f->rules, "Employment ID (employee number) is required to create an employee in");
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, NULL), ==, 0);
  g_assert_cmpuint (n_payroll_employees (f), ==, employees);
  g_clear_error (&error);

  g_assert_false (pb_provider_class_check_record (klass, PB_OP_CREATE_EMPLOYEE, kari, &error));
  assert_refused (error, f->rules, "is required to create an employee");
  g_clear_error (&error);

  /* Only to create: an update may lack it (payroll keeps its own, below),
   * and a look-up by email sends no fields at all. */
  g_assert_true (pb_provider_class_check_record (klass, PB_OP_UPDATE_EMPLOYEE, kari, &error));
  g_assert_no_error (error);
  g_assert_true (pb_provider_class_check_record (klass, PB_OP_FIND_EMPLOYEE, kari, &error));
  g_assert_no_error (error);
  g_assert_null (pb_test_call (f->rules, PB_OP_FIND_EMPLOYEE, &args, &error));
  g_assert_no_error (error);
}

/* SPEC V2: can never be unset. An update with the employee number empty in
 * HR leaves payroll's value alone; Tripletex's own class clears it. */
static void
test_employment_id_never_unset (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", "1001");
  g_autoptr(PbRemote) created = create_ok (f->rules, kari);
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(PbRemote) cleared = NULL;
  g_autoptr(JsonObject) payroll = NULL;

  pb_record_set (kari, PB_EMPLOYEE_EMPLOYEE_NUMBER, NULL);
  pb_record_set (kari, PB_EMPLOYEE_CITY, "Bergen");
  updated = update_ok (f->rules, created, kari);
  g_assert_cmpint (updated->version, >, created->version);
  payroll = dup_payroll_employee (f, created->id);
  g_assert_cmpstr (payroll_address (payroll, "city"), ==, "Bergen");   /* the update went through */
  g_assert_cmpstr (payroll_string (payroll, "employeeNumber"), ==, "1001");
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1001");

  /* The rule is the class's: the same update through Tripletex clears it. */
  cleared = update_ok (f->tripletex, created, kari);
  g_clear_pointer (&payroll, json_object_unref);
  payroll = dup_payroll_employee (f, created->id);
  g_assert_null (payroll_string (payroll, "employeeNumber"));
}

/* --- SPEC V3: bank account ------------------------------------------------------------------ */

/* SPEC V3: only a Norwegian national account number is sent; for any
 * other country the payment is by cash, which on Tripletex's wire is an
 * employee without an account. The international fields are never sent. */
static void
test_bank_account_national_only (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", "1001");
  g_autoptr(PbRecord) sven = make_employee ("sven@acme.se", "1002");
  g_autoptr(PbRemote) norwegian = NULL;
  g_autoptr(PbRemote) swedish = NULL;
  g_autoptr(PbRemote) moved = NULL;
  g_autoptr(JsonObject) payroll = NULL;
  g_autofree char *state = NULL;
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (f->rules);

  pb_record_set (kari, PB_EMPLOYEE_BANK_ACCOUNT, "29141777635");
  pb_record_set (sven, PB_EMPLOYEE_COUNTRY, "SE");
  pb_record_set (sven, PB_EMPLOYEE_BANK_ACCOUNT, "12345678903");
  pb_record_set (sven, PB_EMPLOYEE_IBAN, "SE4550000000058398257466");
  pb_record_set (sven, PB_EMPLOYEE_BIC, "ESSESESS");

  g_assert_false (pb_provider_class_pays_by_cash (klass, kari));
  g_assert_true (pb_provider_class_pays_by_cash (klass, sven));

  /* The decision is the shared code's: the connector gets no account to send. */
  {
    g_autoptr(PbRecord) prepared = NULL;
    g_autoptr(GError) error = NULL;
    guint64 omit = 0;
    gboolean cash = FALSE;

    prepared = pb_provider_class_prepare_record (klass, PB_OP_CREATE_EMPLOYEE, sven, &omit, &cash, &error);
    g_assert_no_error (error);
    g_assert_true (cash);
    g_assert_null (pb_record_get (prepared, PB_EMPLOYEE_BANK_ACCOUNT));
    g_assert_null (pb_record_get (prepared, PB_EMPLOYEE_IBAN));
    g_assert_cmpstr (pb_record_get (sven, PB_EMPLOYEE_BANK_ACCOUNT), ==, "12345678903");
  }

  norwegian = create_ok (f->rules, kari);
  swedish = create_ok (f->rules, sven);

  payroll = dup_payroll_employee (f, norwegian->id);
  g_assert_cmpstr (payroll_string (payroll, "bankAccountNumber"), ==, "29141777635");
  g_clear_pointer (&payroll, json_object_unref);
  payroll = dup_payroll_employee (f, swedish->id);
  g_assert_null (payroll_string (payroll, "bankAccountNumber"));
  g_assert_null (payroll_string (payroll, "iban"));
  g_assert_null (payroll_string (payroll, "bic"));
  state = dup_state_text (f);
  g_assert_null (strstr (state, "12345678903"));
  g_assert_null (strstr (state, "SE4550000000058398257466"));

  /* Moving abroad makes it cash: the account payroll had is cleared. */
  pb_record_set (kari, PB_EMPLOYEE_COUNTRY, "DK");
  moved = update_ok (f->rules, norwegian, kari);
  g_clear_pointer (&payroll, json_object_unref);
  payroll = dup_payroll_employee (f, norwegian->id);
  g_assert_null (payroll_string (payroll, "bankAccountNumber"));
  g_assert_null (pb_record_get (moved->record, PB_EMPLOYEE_BANK_ACCOUNT));
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_BANK_ACCOUNT), ==, "29141777635");
}

/* SPEC V3: an employee whose country is not filled in is not of "another
 * country": the account (a Norwegian number by the register's own check)
 * is sent rather than replaced by cash. */
static void
test_bank_account_country_unknown (void)
{
  g_autoptr(PbProviderClass) klass = g_type_class_ref (pb_provider_type_for_id (RULES_ID));
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", "1001");
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

/* --- SPEC V4: address line 2 ---------------------------------------------------------------- */

/* SPEC V4: the second address line never reaches payroll, neither set nor
 * cleared. */
static void
test_address_line2_not_sent (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", "1001");
  g_autoptr(PbRecord) ola = make_employee ("ola@acme.no", "1002");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) known = NULL;
  g_autoptr(PbRemote) updated = NULL;
  g_autoptr(JsonObject) payroll = NULL;
  g_autofree char *state = NULL;

  pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE2, "c/o Hansen");
  created = create_ok (f->rules, kari);
  state = dup_state_text (f);
  g_assert_null (strstr (state, "c/o Hansen"));
  payroll = dup_payroll_employee (f, created->id);
  g_assert_cmpstr (payroll_address (payroll, "addressLine1"), ==, "Storgata 1");
  g_assert_null (payroll_address (payroll, "addressLine2"));
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_ADDRESS_LINE2), ==, "c/o Hansen");

  /* The connector never even holds the value: it gets a prepared copy. */
  {
    g_autoptr(PbRecord) prepared = NULL;
    g_autoptr(GError) error = NULL;
    guint64 omit = 0;
    gboolean cash = TRUE;

    prepared = pb_provider_class_prepare_record (PB_PROVIDER_GET_CLASS (f->rules), PB_OP_UPDATE_EMPLOYEE, kari,
                                                 &omit, &cash, &error);
    g_assert_no_error (error);
    g_assert_null (pb_record_get (prepared, PB_EMPLOYEE_ADDRESS_LINE2));
    g_assert_cmpstr (pb_record_get (prepared, PB_EMPLOYEE_ADDRESS_LINE1), ==, "Storgata 1");
    g_assert_true (omit & (G_GUINT64_CONSTANT (1) << PB_EMPLOYEE_ADDRESS_LINE2));
    g_assert_false (omit & (G_GUINT64_CONSTANT (1) << PB_EMPLOYEE_ADDRESS_LINE1));
    g_assert_false (cash);
  }

  pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE2, "Leilighet 3");
  g_clear_pointer (&updated, pb_remote_free);
  updated = update_ok (f->rules, created, kari);
  g_clear_pointer (&state, g_free);
  state = dup_state_text (f);
  g_assert_null (strstr (state, "Leilighet 3"));

  /* Not cleared either: what payroll has stays (put there by Tripletex's
   * class, which has no such rule). */
  pb_record_set (ola, PB_EMPLOYEE_ADDRESS_LINE2, "Postboks 9");
  known = create_ok (f->tripletex, ola);
  pb_record_set (ola, PB_EMPLOYEE_ADDRESS_LINE2, NULL);
  pb_record_set (ola, PB_EMPLOYEE_CITY, "Bergen");
  g_clear_pointer (&updated, pb_remote_free);
  updated = update_ok (f->rules, known, ola);
  g_clear_pointer (&payroll, json_object_unref);
  payroll = dup_payroll_employee (f, known->id);
  g_assert_cmpstr (payroll_address (payroll, "city"), ==, "Bergen");
  g_assert_cmpstr (payroll_address (payroll, "addressLine2"), ==, "Postboks 9");
}

/* --- SPEC V5: workdays and the end reason -------------------------------------------- */

/* SPEC V5: first and last workday are compared in user sync, where
 * payroll's value may win (U3); removing the last workday in HR clears the
 * selected position's end reason. */
static void
test_workdays_and_end_reason (void)
{
  g_autoptr(PbProviderClass) rules = g_type_class_ref (pb_provider_type_for_id (RULES_ID));
  g_autoptr(PbProviderClass) tripletex = g_type_class_ref (pb_provider_type_for_id ("tripletex"));
  g_autoptr(PbRecord) hr = make_employee ("kari@acme.no", "1001");
  g_autoptr(PbRecord) payroll = make_employee ("kari@acme.no", "1001");

  g_assert_true (pb_provider_class_reads_field (rules, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FIRST_WORKDAY));
  g_assert_true (pb_provider_class_reads_field (rules, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_LAST_WORKDAY));
  /* Not sent, so not compared: a difference could never be settled. */
  g_assert_false (pb_provider_class_reads_field (rules, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2));

  /* Payroll has a last workday; HR had it removed. */
  pb_record_set (payroll, PB_EMPLOYEE_LAST_WORKDAY, "2026-06-30");
  g_assert_true (pb_provider_class_clears_end_reason (rules, hr, payroll));
  g_assert_false (pb_provider_class_clears_end_reason (tripletex, hr, payroll));

  /* Still there, or never there: nothing to clear. */
  pb_record_set (hr, PB_EMPLOYEE_LAST_WORKDAY, "2026-08-31");
  g_assert_false (pb_provider_class_clears_end_reason (rules, hr, payroll));
  pb_record_set (hr, PB_EMPLOYEE_LAST_WORKDAY, NULL);
  pb_record_set (payroll, PB_EMPLOYEE_LAST_WORKDAY, NULL);
  g_assert_false (pb_provider_class_clears_end_reason (rules, hr, payroll));
  g_assert_false (pb_provider_class_clears_end_reason (rules, hr, NULL));
}

/* --- the rules are data ----------------------------------------------------------------------- */

/* The same records through the Tripletex class, which has none of these
 * rules: everything reaches the sandbox. Nothing in the shared code keys
 * on a system. */
static void
test_rules_are_data (Fixture       *f,
                     gconstpointer  data)
{
  PbProviderClass *tripletex = PB_PROVIDER_GET_CLASS (f->tripletex);
  PbProviderClass *rules = PB_PROVIDER_GET_CLASS (f->rules);
  g_autoptr(PbRecord) kari = make_employee ("kari@acme.no", "1234567890123");
  g_autoptr(PbRecord) nils = make_employee ("nils@acme.no", NULL);
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) numberless = NULL;
  g_autoptr(JsonObject) payroll = NULL;

  for (guint field = 0; field < PB_EMPLOYEE_N_FIELDS; field++)
    {
      g_assert_cmpuint (pb_provider_class_get_rule_flags (tripletex, PB_ENTITY_EMPLOYEE, field), ==,
                        PB_FIELD_RULE_NONE);
      g_assert_cmpuint (pb_provider_class_get_max_length (tripletex, PB_ENTITY_EMPLOYEE, field), ==, 0);
    }
  g_assert_null (tripletex->bank_account_national_country);
  g_assert_false (tripletex->clears_end_reason_with_last_workday);

  g_assert_cmpuint (pb_provider_class_get_rule_flags (rules, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==,
                    PB_FIELD_RULE_REQUIRED_TO_CREATE | PB_FIELD_RULE_NEVER_UNSET);
  g_assert_cmpuint (pb_provider_class_get_max_length (rules, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, 12);
  g_assert_cmpuint (pb_provider_class_get_rule_flags (rules, PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2), ==,
                    PB_FIELD_RULE_NOT_SENT);
  g_assert_cmpstr (rules->bank_account_national_country, ==, "NO");
  /* Both classes have the same operations: the rules class is Tripletex's wire. */
  for (guint op = 0; op < PB_N_OPS; op++)
    g_assert_true (rules->ops[op] == tripletex->ops[op]);

  pb_record_set (kari, PB_EMPLOYEE_ADDRESS_LINE2, "c/o Hansen");
  pb_record_set (kari, PB_EMPLOYEE_COUNTRY, "SE");
  pb_record_set (kari, PB_EMPLOYEE_BANK_ACCOUNT, "29141777635");
  created = create_ok (f->tripletex, kari);
  payroll = dup_payroll_employee (f, created->id);
  g_assert_cmpstr (payroll_string (payroll, "employeeNumber"), ==, "1234567890123");
  g_assert_cmpstr (payroll_address (payroll, "addressLine2"), ==, "c/o Hansen");
  g_assert_cmpstr (payroll_string (payroll, "bankAccountNumber"), ==, "29141777635");

  numberless = create_ok (f->tripletex, nils);
  g_assert_nonnull (numberless->id);
}

/* SPEC U2 + V2: user sync shows an HR-only person without an Employment ID
 * as missing it, and does not create them, before anything is sent. */
static void
test_plan_shows_required_to_create (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *dir = pb_test_make_dir ("user-rules-plan");
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbRecord) person = make_employee ("new@acme.no", NULL);
  g_autoptr(GError) error = NULL;
  PbUserPlan *plan = NULL;
  PbPlanItem *item = NULL;
  guint before = n_payroll_employees (f);
  SyncWait r = { 0 };

  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  pb_record_set_id (person, 0);
  pb_record_set (person, PB_EMPLOYEE_STATUS, "active");
  g_assert_true (pb_store_begin (store, NULL));
  pb_store_save (store, person, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pb_store_commit (store, NULL));
  connection->name = g_strdup ("Visma-like");
  connection->system = g_strdup (RULES_ID);
  connection->base_url = g_strdup (pb_sandbox_get_api_url (f->sandbox));
  pb_store_save_connection (store, connection, &error);
  g_assert_no_error (error);

  pb_user_sync_plan_async (store, connection, f->rules, NULL, on_plan_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  plan = r.result;
  for (guint i = 0; i < plan->items->len; i++)
    if (((PbPlanItem *) g_ptr_array_index (plan->items, i))->employee_id == pb_record_get_id (person))
      item = g_ptr_array_index (plan->items, i);
  g_assert_nonnull (item);
  g_assert_cmpint (item->kind, ==, PB_MATCH_HR_ONLY);
  g_assert_cmpuint (item->missing, ==, 1u << PB_EMPLOYEE_EMPLOYEE_NUMBER);

  pb_user_sync_decide_defaults (plan, PB_DECISION_NONE, TRUE, FALSE);
  memset (&r, 0, sizeof r);
  pb_user_sync_apply_async (store, connection, f->rules, plan, NULL, NULL, NULL, on_plan_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r.error);
  g_assert_cmpstr (item->outcome, ==, "skipped: missing in HR: employee_number");
  g_assert_cmpuint (n_payroll_employees (f), ==, before);
  pb_user_plan_free (plan);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* First: it changes the environment, and the other tests need the variable. */
  g_test_add_func ("/user-rules/registered-for-tests-only", test_registered_for_tests_only);
  g_setenv ("PAYBRIDGE_TEST_PROVIDERS", "1", TRUE);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/user-rules/V2/employment-id/longer-than-12-refused-before-sending", test_employment_id_too_long);
  ADD ("/user-rules/V2/employment-id/required-to-create", test_employment_id_required_to_create);
  ADD ("/user-rules/V2/employment-id/never-unset", test_employment_id_never_unset);
  ADD ("/user-rules/V3/bank-account/national-only-else-cash", test_bank_account_national_only);
  g_test_add_func ("/user-rules/V3/bank-account/country-unknown-is-not-cash", test_bank_account_country_unknown);
  ADD ("/user-rules/V4/address-line2/never-sent", test_address_line2_not_sent);
  g_test_add_func ("/user-rules/V5/workdays-both-ways-and-end-reason", test_workdays_and_end_reason);
  ADD ("/user-rules/rules-are-data/tripletex-has-none", test_rules_are_data);
  ADD ("/user-rules/U2-V2/plan-shows-employment-id-missing", test_plan_shows_required_to_create);
#undef ADD

  return g_test_run ();
}
