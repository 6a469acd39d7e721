/* pb-test-rules-provider.c: Visma.net Payroll's field rules on Tripletex's wire, for tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbTestRules"

#include "config.h"

#include "pb-providers.h"

/* Only offered with PAYBRIDGE_TEST_PROVIDERS set. There is no Visma.net
 * Payroll connector yet, nor a Visma emulation in the payroll sandbox; this
 * connector proves that SPEC V2-V5 hold as *data*: it is the Tripletex
 * connector (every operation, the wire, the sandbox's Tripletex API) with
 * Visma.net Payroll's rules in its class and nothing else changed. The
 * shared code in pb-provider.c enforces them. The Visma connector will copy
 * the tables below; it must not have to write any check of its own.
 *
 * Where the rules come from: the help article on an HR system's Visma.net
 * Payroll integration (Huma's, "Supported fields") and Visma's Employee API
 * documentation (github.com/payroll-no/employee-public-api-docs). */

typedef struct
{
  PbTripletexProvider parent_instance;
} PbTestRulesProvider;

typedef struct
{
  PbTripletexProviderClass parent_class;
} PbTestRulesProviderClass;

G_DEFINE_FINAL_TYPE (PbTestRulesProvider, pb_test_rules_provider, PB_TYPE_TRIPLETEX_PROVIDER)

/* SPEC V2. Visma's "Employment ID" is the employee's number in payroll, the
 * HR register's employee number: the article calls it "Employment ID"
 * (12 characters at most, required to create, never unset), and the
 * Employee API's employee has one identifier of that kind, `number` (a
 * string, e.g. "99-1", in Visma's sample code and API changelog). We
 * found no field named "Employment ID" nor its 12-character limit in
 * Visma's published material (UNCONFIRMED there): the limit and the
 * create rule are the article's, and SPEC V2 keeps them for what the user
 * sees. Note that v2 of the API would auto-assign `number` if left out;
 * the rule refuses instead, as the article says.
 *
 * SPEC V3: only a Norwegian national account number is sent, so the
 * international account fields are never sent (the article: "Use
 * International bank account for other countries", set up in Visma).
 *
 * SPEC V4: the second address line is not sent (Visma's address has
 * streetName only). */
static const PbFieldRule field_rules[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER,
    PB_FIELD_RULE_REQUIRED_TO_CREATE | PB_FIELD_RULE_NEVER_UNSET, 12, "Employment ID" },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE2, PB_FIELD_RULE_NOT_SENT, 0, "second address line" },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_IBAN, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BIC, PB_FIELD_RULE_NOT_SENT, 0, NULL },
  { PB_N_ENTITIES, 0, 0, 0, NULL },
};

/* What user sync compares and may take from payroll (SPEC U3): the
 * article's supported fields. First and last workday go both ways (SPEC V5).
 * Fields that are not sent are not compared: a difference there could
 * never be settled. (On Tripletex's wire the workdays read back empty:
 * Tripletex keeps them on employments. No test syncs users through this
 * connector; the Visma connector will map them.) */
static const PbFieldRef readable_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_PHONE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMPLOYEE_NUMBER },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FIRST_WORKDAY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_LAST_WORKDAY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_BANK_ACCOUNT },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_ADDRESS_LINE1 },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_POSTAL_CODE },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_CITY },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_COUNTRY },
  { PB_N_ENTITIES, 0 },
};

static void
pb_test_rules_provider_class_init (PbTestRulesProviderClass *klass)
{
  PbProviderClass *provider_class = PB_PROVIDER_CLASS (klass);

  /* Everything else (operations, hooks, secrets, limits, required fields)
   * is Tripletex's, copied from the parent class. */
  provider_class->id = "sandbox-visma-rules";
  provider_class->display_name = "Sandbox with Visma.net Payroll rules";
  provider_class->icon_name = "applications-science-symbolic";
  provider_class->summary = "Tripletex's sandbox with Visma.net Payroll's field rules "
                            "(only with PAYBRIDGE_TEST_PROVIDERS).";
  provider_class->default_base_url = "http://127.0.0.1:1";
  provider_class->test_base_url = NULL;

  provider_class->field_rules = field_rules;
  provider_class->readable_fields = readable_fields;
  provider_class->bank_account_national_country = "NO";          /* SPEC V3 */
  provider_class->clears_end_reason_with_last_workday = TRUE;    /* SPEC V5 */
}

static void
pb_test_rules_provider_init (PbTestRulesProvider *self)
{
}
