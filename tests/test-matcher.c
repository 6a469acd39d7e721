/* test-matcher.c: user matching, table-driven (SPEC U1-U4, U9, U10)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-matcher.h"
#include "pb-test-utils.h"

/* A person as "email|given|family|status" with optional ";field=value". */
static PbRecord *
person (const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, ";", -1);
  g_auto(GStrv) head = g_strsplit (parts[0], "|", 4);
  PbRecord *record = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (record, PB_EMPLOYEE_EMAIL, head[0][0] ? head[0] : NULL);
  pb_record_set (record, PB_EMPLOYEE_GIVEN_NAME, head[1]);
  pb_record_set (record, PB_EMPLOYEE_FAMILY_NAME, head[2] && head[2][0] ? head[2] : NULL);
  pb_record_set (record, PB_EMPLOYEE_STATUS, head[2] && head[3] ? head[3] : NULL);
  for (guint i = 1; parts[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (parts[i], "=", 2);
      int field = pb_entity_find_field (PB_ENTITY_EMPLOYEE, kv[0]);

      g_assert_cmpint (field, >=, 0);
      pb_record_set (record, field, kv[1]);
    }
  return record;
}

static GPtrArray *
people (const char * const *specs)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; specs[i] != NULL; i++)
    g_ptr_array_add (array, person (specs[i]));
  return array;
}

static const guint compared[] = {
  PB_EMPLOYEE_GIVEN_NAME, PB_EMPLOYEE_FAMILY_NAME, PB_EMPLOYEE_EMAIL, PB_EMPLOYEE_PHONE,
  PB_EMPLOYEE_DATE_OF_BIRTH, PB_EMPLOYEE_NATIONAL_ID, PB_EMPLOYEE_BANK_ACCOUNT, PB_EMPLOYEE_IBAN,
  PB_EMPLOYEE_COUNTRY, PB_EMPLOYEE_CITY,
};
static const guint required[] = { PB_EMPLOYEE_GIVEN_NAME, PB_EMPLOYEE_FAMILY_NAME, PB_EMPLOYEE_EMAIL };

typedef struct
{
  const char *name;
  const char *hr[6];
  const char *payroll[6];
  /* Expected, one per match in order: "kind hr payroll [ambiguity] [differing fields] [missing fields]" */
  const char *expected[8];
} Case;

static const Case cases[] = {
  /* SPEC U1: trimmed, case-insensitive */
  { "U1/case-and-whitespace",
    { "Kari.Nordmann@Acme.no|Kari|Nordmann|active" },
    { "  kari.nordmann@ACME.NO |Kari|Nordmann" },
    { "matched 0 0" } },
  { "U1/unicode",
    { "åse@fjord.no|Åse|Ødegård|active", "\xef\xac\x81nn@x.no|Finn|Berg|active" },
    { "ÅSE@FJORD.NO|A\xcc\x8ase|Ødegård", "finn@x.no|Finn|Berg" },   /* NFD name, fi ligature */
    { "matched 0 0", "matched 1 1" } },
  /* SPEC U4 */
  { "U4/one-side-only",
    { "a@x.no|A|A|active", "b@x.no|B|B|active" },
    { "b@x.no|B|B", "c@x.no|C|C" },
    { "hr-only 0 -1", "matched 1 0", "payroll-only -1 1" } },
  /* Ambiguous: never guessed */
  { "ambiguous/shared-email-in-payroll",
    { "a@x.no|A|A|active" },
    { "a@x.no|A|One", "A@X.NO|A|Two" },
    { "ambiguous 0 -1 shared-payroll", "ambiguous -1 0 shared-payroll", "ambiguous -1 1 shared-payroll" } },
  { "ambiguous/shared-email-in-hr",
    { "a@x.no|A|One|active", " a@x.no|A|Two|active" },
    { "a@x.no|A|A" },
    { "ambiguous 0 -1 shared-hr", "ambiguous 1 -1 shared-hr", "ambiguous -1 0 shared-hr" } },
  { "ambiguous/no-email-in-payroll",
    { "a@x.no|A|A|active" },
    { "|Nils|Noemail", "a@x.no|A|A" },
    { "matched 0 1", "ambiguous -1 0 no-email" } },
  /* SPEC U9, U10 */
  { "U9/deactivated-is-locked",
    { "a@x.no|A|A|deactivated" },
    { "a@x.no|A|Changed" },
    { "locked 0 0 family_name" } },
  { "U10/deleted-shows-as-payroll-only",
    { "a@x.no|A|A|deleted" },
    { "a@x.no|A|A" },
    { "payroll-only -1 0" } },
  /* SPEC U3: every field type */
  { "U3/field-types",
    { "a@x.no|Marte|Lunde|active;phone=+47 912 34 567;date_of_birth=1990-01-02;national_id=15058510170;"
      "bank_account=29141777635;iban=NO9386011117947;country=NO;city= Oslo " },
    { "A@x.no|Marthe|Lunde;phone=+4791234567;date_of_birth=1990-01-03;national_id=24127010087;"
      "bank_account=17066907430;iban=;country=SE;city=Oslo" },
    { "matched 0 0 given_name,date_of_birth,national_id,country,bank_account,iban" } },
  { "U3/empty-equals-missing",
    { "a@x.no|A|A|active;phone=;city=" },
    { "a@x.no|A|A;phone= ;city=" },
    { "matched 0 0" } },
  /* SPEC U2 */
  { "U2/missing-required",
    { "a@x.no|A||active", "b@x.no|B||active" },
    { "a@x.no|A|Payroll" },
    { "matched 0 0 family_name missing:family_name", "hr-only 1 -1 missing:family_name" } },
};

static const char *
kind_name (PbMatchKind kind)
{
  switch (kind)
    {
    case PB_MATCH_MATCHED:
      return "matched";
    case PB_MATCH_HR_ONLY:
      return "hr-only";
    case PB_MATCH_PAYROLL_ONLY:
      return "payroll-only";
    case PB_MATCH_AMBIGUOUS:
      return "ambiguous";
    case PB_MATCH_LOCKED:
      return "locked";
    default:
      return "?";
    }
}

static const char *
ambiguity_name (PbAmbiguity ambiguity)
{
  switch (ambiguity)
    {
    case PB_AMBIGUOUS_NO_EMAIL_IN_PAYROLL:
      return " no-email";
    case PB_AMBIGUOUS_SHARED_EMAIL_IN_PAYROLL:
      return " shared-payroll";
    case PB_AMBIGUOUS_SHARED_EMAIL_IN_HR:
      return " shared-hr";
    case PB_AMBIGUOUS_NONE:
    default:
      return "";
    }
}

static void
append_fields (GString *out,
               guint32  bits,
               const char *prefix)
{
  gboolean first = TRUE;

  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    if (bits & (1u << f))
      {
        g_string_append_printf (out, "%s%s", first ? prefix : ",",
                                pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[f].name);
        first = FALSE;
      }
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GPtrArray) hr = people (c->hr);
  g_autoptr(GPtrArray) payroll = people (c->payroll);
  g_autoptr(GArray) matches = pb_match_people (hr, payroll, compared, G_N_ELEMENTS (compared),
                                               required, G_N_ELEMENTS (required));
  guint n_expected = 0;

  while (c->expected[n_expected] != NULL)
    n_expected++;

  for (guint i = 0; i < matches->len; i++)
    {
      PbMatch *m = &g_array_index (matches, PbMatch, i);
      g_autoptr(GString) got = g_string_new (NULL);

      g_string_append_printf (got, "%s %d %d%s", kind_name (m->kind), m->hr, m->payroll,
                              ambiguity_name (m->ambiguity));
      append_fields (got, m->differing, " ");
      append_fields (got, m->missing, " missing:");
      g_test_message ("%s", got->str);
      if (i < n_expected)
        g_assert_cmpstr (got->str, ==, c->expected[i]);
    }
  g_assert_cmpuint (matches->len, ==, n_expected);
}

static void
test_values_equal (void)
{
  g_assert_true (pb_match_values_equal (PB_EMPLOYEE_EMAIL, " A@B.no", "a@b.NO "));
  g_assert_true (pb_match_values_equal (PB_EMPLOYEE_PHONE, "+47 912-34 567", "+4791234567"));
  g_assert_false (pb_match_values_equal (PB_EMPLOYEE_PHONE, "+47 912 34 567", "+47 912 34 568"));
  g_assert_true (pb_match_values_equal (PB_EMPLOYEE_CITY, NULL, ""));
  g_assert_true (pb_match_values_equal (PB_EMPLOYEE_CITY, "  ", NULL));
  g_assert_false (pb_match_values_equal (PB_EMPLOYEE_CITY, "Oslo", NULL));
  g_assert_false (pb_match_values_equal (PB_EMPLOYEE_GIVEN_NAME, "marte", "Marte"));
  g_assert_true (pb_match_values_equal (PB_EMPLOYEE_GIVEN_NAME, "\xc3\x85se", "A\xcc\x8ase"));

  {
    g_autofree char *key = pb_match_key ("  Kari@ACME.no ");
    g_assert_cmpstr (key, ==, "kari@acme.no");
  }
  g_assert_null (pb_match_key ("   "));
  g_assert_null (pb_match_key (NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matcher/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/matcher/values-equal", test_values_equal);

  return g_test_run ();
}
