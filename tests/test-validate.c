/* test-validate.c: the field checks every import and entry goes through (SPEC R1)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-validate.h"

static void
test_email (void)
{
  char *msg = NULL;

  g_assert_true (pb_validate_email ("kari.nordmann@example.no", NULL));
  g_assert_true (pb_validate_email ("o+tag@sub.example.com", NULL));

  g_assert_false (pb_validate_email ("kari.example.no", &msg));
  g_assert_cmpstr (msg, ==, "“kari.example.no” is not an email address: it needs exactly one “@”");
  g_clear_pointer (&msg, g_free);

  g_assert_false (pb_validate_email ("kari@example", &msg));
  g_assert_nonnull (strstr (msg, "domain"));
  g_clear_pointer (&msg, g_free);

  g_assert_false (pb_validate_email ("kari nordmann@example.no", &msg));
  g_assert_nonnull (strstr (msg, "contains"));
  g_clear_pointer (&msg, g_free);

  g_assert_false (pb_validate_email ("a@@b.no", NULL));
  g_assert_false (pb_validate_email ("@b.no", NULL));
  g_assert_false (pb_validate_email ("a@b..no", NULL));
  g_assert_false (pb_validate_email ("", NULL));
}

static void
test_date (void)
{
  char *msg = NULL;

  g_assert_true (pb_validate_date ("2024-02-29", NULL));
  g_assert_false (pb_validate_date ("2023-02-29", &msg));
  g_assert_cmpstr (msg, ==, "“2023-02-29” is not a real calendar date");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_date ("01.02.2024", &msg));
  g_assert_cmpstr (msg, ==, "“01.02.2024” is not a date in the form YYYY-MM-DD");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_date ("2024-1-01", NULL));
  g_assert_false (pb_validate_date ("2024-13-01", NULL));
  g_assert_cmpint (pb_date_compare ("2024-01-02", "2024-01-10"), <, 0);
}

static void
test_percentage (void)
{
  char *canon = NULL;
  char *msg = NULL;

  g_assert_true (pb_validate_percentage ("100", &canon, NULL));
  g_assert_cmpstr (canon, ==, "100");
  g_clear_pointer (&canon, g_free);
  g_assert_true (pb_validate_percentage ("62.50", &canon, NULL));
  g_assert_cmpstr (canon, ==, "62.5");
  g_clear_pointer (&canon, g_free);
  g_assert_true (pb_validate_percentage ("0", NULL, NULL));

  g_assert_false (pb_validate_percentage ("101", &canon, &msg));
  g_assert_null (canon);
  g_assert_cmpstr (msg, ==, "101 is outside 0–100");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_percentage ("-1", NULL, NULL));
  g_assert_false (pb_validate_percentage ("50%", NULL, NULL));
  g_assert_false (pb_validate_percentage ("5,5", NULL, NULL));
}

static void
test_amount_currency (void)
{
  char *canon = NULL;
  char *msg = NULL;

  g_assert_true (pb_validate_amount ("650000", &canon, NULL));
  g_assert_cmpstr (canon, ==, "650000.00");
  g_clear_pointer (&canon, g_free);
  g_assert_false (pb_validate_amount ("12.345", NULL, NULL));
  g_assert_false (pb_validate_amount ("-5", NULL, NULL));

  g_assert_true (pb_validate_currency ("NOK", NULL));
  g_assert_true (pb_validate_currency ("SEK", NULL));
  g_assert_false (pb_validate_currency ("NOKK", NULL));
  g_assert_false (pb_validate_currency ("nok", &msg));
  g_assert_cmpstr (msg, ==, "“nok” is not an ISO 4217 currency code (such as NOK, SEK, EUR)");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_currency ("ABC", NULL));

  g_assert_true (pb_validate_country ("NO", NULL));
  g_assert_true (pb_validate_country ("ZW", NULL));
  g_assert_true (pb_validate_country ("AD", NULL));
  g_assert_false (pb_validate_country ("XX", NULL));
  g_assert_false (pb_validate_country ("NOR", NULL));
}

static void
test_account (void)
{
  char *canon = NULL;
  char *msg = NULL;

  g_assert_true (pb_validate_no_account ("29141777635", NULL, NULL));
  g_assert_true (pb_validate_no_account ("1706.69.07430", &canon, NULL));
  g_assert_cmpstr (canon, ==, "17066907430");
  g_clear_pointer (&canon, g_free);

  g_assert_false (pb_validate_no_account ("29141777636", NULL, &msg));
  g_assert_cmpstr (msg, ==, "“29141777636” has a wrong check digit (MOD11): check the account number");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_no_account ("2914177763", NULL, &msg));
  g_assert_cmpstr (msg, ==, "“2914177763” is not a Norwegian account number (11 digits)");
  g_clear_pointer (&msg, g_free);
}

static void
test_national_id (void)
{
  char *msg = NULL;

  g_assert_true (pb_validate_no_national_id ("15058510170", NULL));
  g_assert_true (pb_validate_no_national_id ("24127010087", NULL));
  /* D number: day + 40 */
  g_assert_true (pb_validate_no_national_id ("45019010086", NULL));

  g_assert_false (pb_validate_no_national_id ("15058510171", &msg));
  g_assert_cmpstr (msg, ==, "has wrong check digits: check the national identity number");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_no_national_id ("1505851017", &msg));
  g_assert_cmpstr (msg, ==, "is not a national identity number (11 digits)");
  g_clear_pointer (&msg, g_free);
  g_assert_false (pb_validate_no_national_id ("35138510170", NULL));
}

static void
test_org_iban_bic (void)
{
  char *canon = NULL;

  g_assert_true (pb_validate_no_org_number ("923123458", NULL));
  g_assert_false (pb_validate_no_org_number ("923123459", NULL));

  g_assert_true (pb_validate_iban ("NO93 8601 1117 947", &canon, NULL));
  g_assert_cmpstr (canon, ==, "NO9386011117947");
  g_clear_pointer (&canon, g_free);
  g_assert_true (pb_validate_iban ("SE4550000000058398257466", NULL, NULL));
  g_assert_false (pb_validate_iban ("NO9486011117947", NULL, NULL));

  g_assert_true (pb_validate_bic ("DNBANOKK", NULL));
  g_assert_true (pb_validate_bic ("DNBANOKKXXX", NULL));
  g_assert_false (pb_validate_bic ("dnbanokk", NULL));
  g_assert_false (pb_validate_bic ("DNB", NULL));
}

/* An amount or percentage already in its canonical form is kept as given
 * without printf (pb-validate.c); the canonical form is still exactly the
 * printf one: checked for many generated texts, canonical and not. */
static char *
printf_canonical (const char *value,
                  gboolean    fixed)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, fixed ? "%.2f" : "%.4f", g_ascii_strtod (value, NULL));
  if (!fixed)
    {
      char *q = buf + strlen (buf) - 1;

      while (*q == '0')
        *q-- = '\0';
      if (*q == '.')
        *q = '\0';
    }
  return g_strdup (buf);
}

static void
test_decimal_canonical (void)
{
  static const char * const fixed_cases[] = {
    "0.00", "0.05", "1620000.00", "00.50", "0", "7", "7.5", "7.50", "999999999999.99", "1000000000000.00",
    "123456789012.34", "+5.00", "12.", ".5", "1e5",
  };
  static const char * const percent_cases[] = {
    "100", "100.0", "50.5", "50.50", "33.3333", "0", "0.0001", "007", "0.10", "99.9999", "5.", "+5", "-0",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);

  for (guint i = 0; i < G_N_ELEMENTS (fixed_cases) + 3000; i++)
    {
      g_autofree char *generated = NULL;
      const char *value;
      char *canon = NULL;

      if (i < G_N_ELEMENTS (fixed_cases))
        value = fixed_cases[i];
      else
        {
          GString *text = g_string_new (NULL);
          guint n_int = g_rand_int_range (rand, 1, 14);
          guint n_frac = g_rand_int_range (rand, 0, 3);

          for (guint d = 0; d < n_int; d++)
            g_string_append_c (text, '0' + g_rand_int_range (rand, d == 0 && n_int > 1 && g_rand_boolean (rand) ? 1 : 0, 10));
          if (n_frac > 0 || g_rand_int_range (rand, 0, 8) == 0)
            g_string_append_c (text, '.');
          for (guint d = 0; d < n_frac; d++)
            g_string_append_c (text, '0' + g_rand_int_range (rand, 0, 10));
          value = generated = g_string_free (text, FALSE);
        }

      if (pb_validate_amount (value, &canon, NULL))
        {
          g_autofree char *expected = printf_canonical (value, TRUE);

          g_assert_cmpstr (canon, ==, expected);
        }
      else
        g_assert_null (canon);
      g_free (canon);
    }

  for (guint i = 0; i < G_N_ELEMENTS (percent_cases) + 3000; i++)
    {
      g_autofree char *generated = NULL;
      const char *value;
      char *canon = NULL;

      if (i < G_N_ELEMENTS (percent_cases))
        value = percent_cases[i];
      else
        value = generated = g_strdup_printf ("%u%s%.*u", g_rand_int_range (rand, 0, 101),
                                             g_rand_boolean (rand) ? "." : "",
                                             g_rand_int_range (rand, 1, 5), g_rand_int_range (rand, 0, 10000));
      if (pb_validate_percentage (value, &canon, NULL))
        {
          g_autofree char *expected = printf_canonical (value, FALSE);

          g_assert_cmpstr (canon, ==, expected);
        }
      else
        g_assert_null (canon);
      g_free (canon);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/validate/email", test_email);
  g_test_add_func ("/validate/date", test_date);
  g_test_add_func ("/validate/percentage", test_percentage);
  g_test_add_func ("/validate/amount-currency-country", test_amount_currency);
  g_test_add_func ("/validate/decimal-canonical-as-printf", test_decimal_canonical);
  g_test_add_func ("/validate/no-account-mod11", test_account);
  g_test_add_func ("/validate/no-national-id", test_national_id);
  g_test_add_func ("/validate/org-number-iban-bic", test_org_iban_bic);

  return g_test_run ();
}
