/* test-refusals.c: the refusals each connector knows, case by case: the
 * cause and fix the error log gives for what the payroll system said
 * (SPEC C7; issue 11: a duplicate employee number is a person to pair, not
 * a field to correct)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-providers.h"
#include "pb-provider.h"

typedef struct
{
  const char *name;
  const char *field;      /* as Tripletex names it in validationMessages */
  const char *message;    /* as Tripletex says it */
  const char *top;        /* the answer's own message, for refusals without fields */
  const char *advice;     /* a part of the advice expected; NULL: none known */
  const char *english;    /* a part of the translation expected */
} Case;

static const Case tripletex_cases[] = {
  { "duplicate-employee-number", "employeeNumber", "Det finnes allerede en ansatt med dette ansattnummeret.", NULL,
    "pair them in Sync Users", "employee number already exists" },
  { "duplicate-email", "email", "Det finnes allerede en bruker med denne e-postadressen.", NULL,
    "run Sync users to match them", "email address already exists" },
  { "invalid-email", "email", "Ugyldig e-postadresse.", NULL, "Correct the email address", "Invalid email" },
  { "department-required", "department.id", "Feltet må fylles ut.", NULL, "requires a department",
    "must be filled in" },
  { "nested-department-required", "employments.department.id", "Feltet må fylles ut.", NULL,
    "requires a department", NULL },
  { "other-field-required", "lastName", "Feltet må fylles ut.", NULL, "Fill in the field Tripletex names", NULL },
  { "percentage", "employmentDetails.percentageOfFullTimeEquivalent", "Stillingsprosenten må være mellom 0 og 100.",
    NULL, "position’s percentage", "between 0 and 100" },
  { "end-before-start", "endDate", "Sluttdato kan ikke være før startdato.", NULL, "period’s dates",
    "end date cannot be before" },
  { "negative-amount", "annualSalary", "Beløpet kan ikke være negativt.", NULL, "salary’s amount", "negative" },
  { "hours", "hours", "Antall timer må være mellom 0 og 24.", NULL, "standard working day", "between 0 and 24" },
  { "activity-deactivated", "activity", "Aktiviteten er deaktivert.", NULL, "map it to an active one",
    "deactivated" },
  { "activity-needs-project", "activity.id", "Aktiviteten krever et prosjekt.", NULL, "needs no project",
    "requires a project" },
  { "timesheet-duplicate", NULL, NULL,
    "Duplicate entry: det finnes allerede en timeføring for denne ansatte, datoen, aktiviteten og prosjektet.",
    "remove them in Tripletex", "already are hours" },
  { "tax-code", "taxDeductionCode", "Skattetrekkskoden kan ikke være tom.", NULL, "tax deduction settings", NULL },
  { "invalid-date", "startDate", "Ugyldig dato (forventet ÅÅÅÅ-MM-DD).", NULL, "Correct the date", NULL },
  /* Not known: the engine's advice for the kind of error stands */
  { "unknown-message", "comment", "Noe gikk galt.", NULL, NULL, NULL },
  /* A field that only ends like a known one is not it */
  { "field-suffix-only", "myemployeeNumber", "Det finnes allerede en ansatt med dette ansattnummeret.", NULL, NULL,
    NULL },
};

static void
test_tripletex_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(PbProviderClass) klass = g_type_class_ref (PB_TYPE_TRIPLETEX_PROVIDER);
  PbProviderErrorDetails *details = pb_provider_error_details_new ();
  g_autoptr(GError) error = NULL;
  const PbRefusal *refusal;
  const char *words = NULL;

  details->status = 422;
  details->code = 18000;
  details->message = g_strdup (c->top != NULL ? c->top : "Validering feilet.");
  if (c->message != NULL)
    pb_provider_error_details_add_field (details, c->field, c->message);
  error = pb_provider_error_new_with_details (PB_PROVIDER_ERROR_VALIDATION, details, "refused");

  refusal = pb_provider_class_find_refusal (klass, error, &words);
  if (c->advice == NULL)
    {
      g_assert_null (refusal);
      return;
    }
  g_assert_nonnull (refusal);
  g_assert_nonnull (strstr (refusal->advice, c->advice));
  g_assert_cmpstr (words, ==, c->message != NULL ? c->message : c->top);
  if (c->english != NULL)
    g_assert_nonnull (strstr (refusal->translation, c->english));
}

/* Every known refusal is reachable: no earlier, wider row hides it. */
static void
test_tripletex_table_reachable (void)
{
  g_autoptr(PbProviderClass) klass = g_type_class_ref (PB_TYPE_TRIPLETEX_PROVIDER);

  for (const PbRefusal *r = klass->refusals; r->message != NULL; r++)
    {
      PbProviderErrorDetails *details = pb_provider_error_details_new ();
      g_autoptr(GError) error = NULL;

      details->message = g_strdup (r->field == NULL ? r->message : "Validering feilet.");
      if (r->field != NULL)
        pb_provider_error_details_add_field (details, r->field, r->message);
      error = pb_provider_error_new_with_details (PB_PROVIDER_ERROR_VALIDATION, details, "refused");
      g_assert_true (pb_provider_class_find_refusal (klass, error, NULL) == r);
      g_assert_nonnull (r->advice);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (tripletex_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/refusals/tripletex/C7-%s", tripletex_cases[i].name);

      g_test_add_data_func (path, &tripletex_cases[i], test_tripletex_case);
    }
  g_test_add_func ("/refusals/tripletex/every-row-reachable", test_tripletex_table_reachable);

  return g_test_run ();
}
