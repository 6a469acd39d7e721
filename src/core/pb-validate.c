/* pb-validate.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbValidate"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-validate.h"

/* ISO 4217 active currency codes (list one, 2024 amendment 178). */
static const char iso4217[] =
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD "
  "BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP "
  "DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR "
  "IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD "
  "MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB "
  "PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD "
  "SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS "
  "VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA "
  "XXX YER ZAR ZMW ZWG ZWL";

/* ISO 3166-1 alpha-2 officially assigned codes. */
static const char iso3166[] =
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO "
  "BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ "
  "DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP "
  "GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG "
  "KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML "
  "MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE "
  "PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL "
  "SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM "
  "US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

static gboolean
fail (char       **message,
      const char  *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (char       **message,
      const char  *format,
      ...)
{
  if (message != NULL)
    {
      va_list args;

      va_start (args, format);
      *message = g_strdup_vprintf (format, args);
      va_end (args);
    }

  return FALSE;
}

static gboolean
in_code_list (const char *list,
              const char *value,
              gsize       len)
{
  if (strlen (value) != len)
    return FALSE;

  for (const char *p = list; *p != '\0'; p += len + 1)
    {
      if (strncmp (p, value, len) == 0)
        return TRUE;
      if (p[len] == '\0')
        break;
    }

  return FALSE;
}

/* Copies the digits of @value, allowing the spaces and dots people write
 * account numbers with ("1234.56.78903"). Returns NULL on any other character. */
static char *
digits_only (const char *value)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != ' ' && *p != '.')
        {
          g_string_free (digits, TRUE);
          return NULL;
        }
    }

  return g_string_free (digits, FALSE);
}

/* The MOD11 check digit used by Norwegian account numbers, organisation
 * numbers and national identity numbers; -1 when no valid digit exists. */
static int
mod11_check_digit (const char *digits,
                   const int  *weights,
                   guint       n_weights)
{
  int sum = 0;
  int check;

  for (guint i = 0; i < n_weights; i++)
    sum += (digits[i] - '0') * weights[i];

  check = 11 - (sum % 11);
  if (check == 11)
    return 0;
  if (check == 10)
    return -1;
  return check;
}

gboolean
pb_validate_email (const char  *value,
                   char       **message)
{
  const char *at;
  const char *dot;
  gsize len = strlen (value);

  if (len == 0)
    return fail (message, _("is empty"));
  if (len > 254)
    return fail (message, _("is longer than 254 characters"));

  for (const char *p = value; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || *p == ',' || *p == ';' || *p == '<' || *p == '>' ||
          *p == '(' || *p == ')' || *p == '[' || *p == ']' || *p == '\\' || *p == '"')
        return fail (message, _("“%s” is not an email address: it contains “%c”"), value, *p);
    }

  at = strchr (value, '@');
  if (at == NULL || strchr (at + 1, '@') != NULL)
    return fail (message, _("“%s” is not an email address: it needs exactly one “@”"), value);
  if (at == value || at - value > 64)
    return fail (message, _("“%s” is not an email address: the part before “@” is empty or too long"), value);

  dot = strrchr (at + 1, '.');
  if (dot == NULL || dot == at + 1 || dot[1] == '\0' || strstr (at + 1, "..") != NULL ||
      value[len - 1] == '.' || value[0] == '.' || strstr (value, "..") != NULL)
    return fail (message, _("“%s” is not an email address: the domain after “@” is not valid"), value);

  return TRUE;
}

gboolean
pb_validate_date (const char  *value,
                  char       **message)
{
  int y, m, d;

  if (strlen (value) != 10 || value[4] != '-' || value[7] != '-')
    return fail (message, _("“%s” is not a date in the form YYYY-MM-DD"), value);

  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (value[i]))
      return fail (message, _("“%s” is not a date in the form YYYY-MM-DD"), value);

  y = atoi (value);
  m = atoi (value + 5);
  d = atoi (value + 8);

  if (y < 1900 || y > 2199 || !g_date_valid_dmy (d, m, y))
    return fail (message, _("“%s” is not a real calendar date"), value);

  return TRUE;
}

int
pb_date_compare (const char *a,
                 const char *b)
{
  /* Both are valid YYYY-MM-DD strings, which sort as text. */
  return strcmp (a, b);
}

/* Parses a plain decimal number ("50", "62.5", "-3" when allowed) into a
 * canonical text with at most @decimals decimals and no trailing zeros
 * (percentages) or exactly @decimals decimals (@fixed, amounts). */
static gboolean
parse_decimal (const char  *value,
               guint        decimals,
               gboolean     fixed,
               double      *out,
               char       **canonical)
{
  const char *p = value;
  guint n_int = 0;
  guint n_frac = 0;
  gboolean point = FALSE;
  char *end = NULL;
  double number;

  if (*p == '-' || *p == '+')
    p++;
  while (g_ascii_isdigit (*p))
    p++, n_int++;
  if (*p == '.')
    {
      point = TRUE;
      p++;
      while (g_ascii_isdigit (*p))
        p++, n_frac++;
    }
  if (*p != '\0' || n_int == 0 || n_frac > decimals)
    return FALSE;

  number = g_ascii_strtod (value, &end);
  if (end == NULL || *end != '\0')
    return FALSE;

  *out = number;

  /* Already as the formatting below writes it (an import gives every
   * amount so): the value itself, without printf. With at most 15 digits
   * printed, a decimal reads into a double and prints back unchanged. */
  if (canonical != NULL && value[0] != '-' && value[0] != '+' && !(n_int > 1 && value[0] == '0') &&
      (fixed ? point && n_frac == 2 && n_int + 2 <= 15
             : n_int + 4 <= 15 && (!point || (n_frac > 0 && value[n_int + n_frac] != '0'))))
    {
      *canonical = g_strdup (value);
      return TRUE;
    }

  if (canonical != NULL)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (buf, sizeof buf, fixed ? "%.2f" : "%.4f", number);
      if (!fixed)
        {
          char *q = buf + strlen (buf) - 1;

          while (*q == '0')
            *q-- = '\0';
          if (*q == '.')
            *q = '\0';
        }
      *canonical = g_strdup (buf);
    }

  return TRUE;
}

gboolean
pb_validate_percentage (const char  *value,
                        char       **canonical,
                        char       **message)
{
  double number;

  if (!parse_decimal (value, 4, FALSE, &number, canonical))
    return fail (message, _("“%s” is not a number (use a dot for decimals, at most 4)"), value);

  if (number < 0 || number > 100)
    {
      if (canonical != NULL)
        g_clear_pointer (canonical, g_free);
      return fail (message, _("%s is outside 0–100"), value);
    }

  return TRUE;
}

gboolean
pb_validate_amount (const char  *value,
                    char       **canonical,
                    char       **message)
{
  double number;

  if (!parse_decimal (value, 2, TRUE, &number, canonical))
    return fail (message, _("“%s” is not an amount (digits, a dot and at most 2 decimals)"), value);

  if (number < 0 || number > 1e12)
    {
      if (canonical != NULL)
        g_clear_pointer (canonical, g_free);
      return fail (message, _("%s is not an amount between 0 and 1,000,000,000,000"), value);
    }

  return TRUE;
}

gboolean
pb_validate_currency (const char  *value,
                      char       **message)
{
  if (!in_code_list (iso4217, value, 3))
    return fail (message, _("“%s” is not an ISO 4217 currency code (such as NOK, SEK, EUR)"), value);

  return TRUE;
}

gboolean
pb_validate_country (const char  *value,
                     char       **message)
{
  if (!in_code_list (iso3166, value, 2))
    return fail (message, _("“%s” is not an ISO 3166 country code (such as NO, SE, DK)"), value);

  return TRUE;
}

gboolean
pb_validate_no_account (const char  *value,
                        char       **canonical,
                        char       **message)
{
  static const int weights[] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
  g_autofree char *digits = digits_only (value);
  int check;

  if (digits == NULL || strlen (digits) != 11)
    return fail (message, _("“%s” is not a Norwegian account number (11 digits)"), value);

  check = mod11_check_digit (digits, weights, G_N_ELEMENTS (weights));
  if (check != digits[10] - '0')
    return fail (message, _("“%s” has a wrong check digit (MOD11): check the account number"), value);

  if (canonical != NULL)
    *canonical = g_steal_pointer (&digits);

  return TRUE;
}

gboolean
pb_validate_no_national_id (const char  *value,
                            char       **message)
{
  static const int k1_weights[] = { 3, 7, 6, 1, 8, 9, 4, 5, 2 };
  static const int k2_weights[] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
  int day, month;

  if (strlen (value) != 11 || strspn (value, "0123456789") != 11)
    return fail (message, _("is not a national identity number (11 digits)"));

  /* Birth number, D number (day + 40), H number (month + 40) and the
   * synthetic test numbers of the Norwegian test registry (month + 80). */
  day = (value[0] - '0') * 10 + (value[1] - '0');
  month = (value[2] - '0') * 10 + (value[3] - '0');
  if (day > 40)
    day -= 40;
  if (month > 80)
    month -= 80;
  else if (month > 40)
    month -= 40;
  if (day < 1 || day > 31 || month < 1 || month > 12)
    return fail (message, _("is not a national identity number: the first six digits are not a date"));

  if (mod11_check_digit (value, k1_weights, G_N_ELEMENTS (k1_weights)) != value[9] - '0' ||
      mod11_check_digit (value, k2_weights, G_N_ELEMENTS (k2_weights)) != value[10] - '0')
    return fail (message, _("has wrong check digits: check the national identity number"));

  return TRUE;
}

gboolean
pb_validate_no_org_number (const char  *value,
                           char       **message)
{
  static const int weights[] = { 3, 2, 7, 6, 5, 4, 3, 2 };

  if (strlen (value) != 9 || strspn (value, "0123456789") != 9)
    return fail (message, _("“%s” is not an organisation number (9 digits)"), value);

  if (mod11_check_digit (value, weights, G_N_ELEMENTS (weights)) != value[8] - '0')
    return fail (message, _("“%s” has a wrong check digit (MOD11): check the organisation number"), value);

  return TRUE;
}

gboolean
pb_validate_iban (const char  *value,
                  char       **canonical,
                  char       **message)
{
  g_autoptr(GString) compact = g_string_new (NULL);
  guint remainder = 0;

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == ' ')
        continue;
      if (!g_ascii_isalnum (*p))
        return fail (message, _("“%s” is not an IBAN: only letters and digits are allowed"), value);
      g_string_append_c (compact, g_ascii_toupper (*p));
    }

  if (compact->len < 15 || compact->len > 34 ||
      !g_ascii_isalpha (compact->str[0]) || !g_ascii_isalpha (compact->str[1]) ||
      !g_ascii_isdigit (compact->str[2]) || !g_ascii_isdigit (compact->str[3]))
    return fail (message, _("“%s” is not an IBAN (two letters, two check digits, then the account)"), value);

  /* ISO 13616: move the first four characters to the end, turn letters
   * into 10..35 and the whole number must be 1 modulo 97. */
  for (guint i = 0; i < compact->len; i++)
    {
      char c = compact->str[(i + 4) % compact->len];

      if (g_ascii_isdigit (c))
        remainder = (remainder * 10 + (c - '0')) % 97;
      else
        remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    }

  if (remainder != 1)
    return fail (message, _("“%s” has wrong check digits: check the IBAN"), value);

  if (canonical != NULL)
    *canonical = g_strdup (compact->str);

  return TRUE;
}

gboolean
pb_validate_bic (const char  *value,
                 char       **message)
{
  gsize len = strlen (value);

  if (len != 8 && len != 11)
    return fail (message, _("“%s” is not a BIC (8 or 11 characters)"), value);

  for (gsize i = 0; i < len; i++)
    {
      gboolean ok = i < 6 ? g_ascii_isupper (value[i])
                          : (g_ascii_isupper (value[i]) || g_ascii_isdigit (value[i]));
      if (!ok)
        return fail (message, _("“%s” is not a BIC (bank and country code in capitals, then location)"), value);
    }

  return TRUE;
}
