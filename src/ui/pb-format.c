/* pb-format.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbFormat"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-format.h"
#include "pb-record.h"

/* The register stores choices as stable lower-case words ("active",
 * "permanent"...); these turn them into words for people. An unknown word
 * is shown as it is rather than hidden. */

const char *
pb_format_employee_status (const char *status)
{
  if (status == NULL || g_str_equal (status, "active"))
    return _("Active");
  if (g_str_equal (status, "deactivated"))
    return _("Deactivated");
  if (g_str_equal (status, "deleted"))
    return _("Deleted");
  return status;
}

const char *
pb_format_contract_type (const char *contract_type)
{
  if (contract_type == NULL || g_str_equal (contract_type, "permanent"))
    return _("Permanent");
  if (g_str_equal (contract_type, "temporary"))
    return _("Temporary");
  if (g_str_equal (contract_type, "hourly"))
    return _("Hourly");
  if (g_str_equal (contract_type, "freelance"))
    return _("Freelance");
  return contract_type;
}

const char *
pb_format_absence_state (const char *state)
{
  if (state == NULL || g_str_equal (state, "pending"))
    return _("Pending");
  if (g_str_equal (state, "approved"))
    return _("Approved");
  if (g_str_equal (state, "unapproved"))
    return _("Unapproved");
  if (g_str_equal (state, "rejected"))
    return _("Rejected");
  return state;
}

/**
 * pb_format_period:
 *
 * Returns: (transfer full): "2024-01-01 – 2024-06-30", or
 *   "2024-01-01 – ongoing" when the period has no end.
 */
char *
pb_format_period (const char *start_date,
                  const char *end_date)
{
  if (start_date == NULL)
    start_date = "?";

  if (end_date == NULL || *end_date == '\0')
    /* Translators: a period that has not ended, e.g. "2024-01-01 – ongoing" */
    return g_strdup_printf (_("%s – ongoing"), start_date);

  /* Translators: a period from one date to another */
  return g_strdup_printf (_("%s – %s"), start_date, end_date);
}

/**
 * pb_format_percentage:
 *
 * Returns: (transfer full): "100 %", "62.5 %"; 100 when unset (the
 *   register's default for positions and absences).
 */
char *
pb_format_percentage (const char *percentage)
{
  /* Translators: a percentage; use the sign and spacing of your language */
  return g_strdup_printf (_("%s %%"), percentage != NULL ? percentage : "100");
}

/* Groups the integer digits of a canonical amount ("650000.50") in threes
 * with a narrow no-break space, the ISO 31-0 way, which reads well in every
 * locale without guessing the user's separators. */
static char *
group_digits (const char *amount)
{
  const char *dot = strchr (amount, '.');
  gsize int_len = dot != NULL ? (gsize) (dot - amount) : strlen (amount);
  const char *digits = amount;
  g_autoptr(GString) out = g_string_new (NULL);

  if (*digits == '-')
    {
      g_string_append_c (out, '-');
      digits++;
      int_len--;
    }

  for (gsize i = 0; i < int_len; i++)
    {
      if (i > 0 && (int_len - i) % 3 == 0 && int_len > 4)
        g_string_append (out, "\xe2\x80\xaf" /* U+202F NARROW NO-BREAK SPACE */);
      g_string_append_c (out, digits[i]);
    }

  /* "63500.00" reads as "63 500"; "63500.50" keeps its decimals. */
  if (dot != NULL && strspn (dot + 1, "0") != strlen (dot + 1))
    g_string_append (out, dot);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * pb_format_salary:
 *
 * Returns: (transfer full): "650 000 NOK per year"
 */
char *
pb_format_salary (const char *amount,
                  const char *currency,
                  const char *period_unit)
{
  g_autofree char *grouped = group_digits (amount != NULL ? amount : "0");

  if (currency == NULL)
    currency = "";

  if (g_strcmp0 (period_unit, "yearly") == 0)
    /* Translators: an amount, a currency code: "650 000 NOK per year" */
    return g_strdup_printf (_("%s %s per year"), grouped, currency);
  if (g_strcmp0 (period_unit, "monthly") == 0)
    return g_strdup_printf (_("%s %s per month"), grouped, currency);
  if (g_strcmp0 (period_unit, "hourly") == 0)
    return g_strdup_printf (_("%s %s per hour"), grouped, currency);

  return g_strdup_printf ("%s %s", grouped, currency);
}

/* The words for an employee field, as the People view's labels say them. */
const char *
pb_format_employee_field (guint field)
{
  static const char * const labels[] = {
    [PB_EMPLOYEE_EMPLOYEE_NUMBER] = N_("Employee number"),
    [PB_EMPLOYEE_GIVEN_NAME] = N_("Given name"),
    [PB_EMPLOYEE_FAMILY_NAME] = N_("Family name"),
    [PB_EMPLOYEE_EMAIL] = N_("Email"),
    [PB_EMPLOYEE_PHONE] = N_("Phone"),
    [PB_EMPLOYEE_DATE_OF_BIRTH] = N_("Date of birth"),
    [PB_EMPLOYEE_NATIONAL_ID] = N_("National identity number"),
    [PB_EMPLOYEE_ADDRESS_LINE1] = N_("Address"),
    [PB_EMPLOYEE_ADDRESS_LINE2] = N_("Address line 2"),
    [PB_EMPLOYEE_POSTAL_CODE] = N_("Postal code"),
    [PB_EMPLOYEE_CITY] = N_("City"),
    [PB_EMPLOYEE_COUNTRY] = N_("Country"),
    [PB_EMPLOYEE_BANK_ACCOUNT] = N_("Bank account"),
    [PB_EMPLOYEE_IBAN] = N_("IBAN"),
    [PB_EMPLOYEE_BIC] = N_("BIC"),
    [PB_EMPLOYEE_FIRST_WORKDAY] = N_("First workday"),
    [PB_EMPLOYEE_LAST_WORKDAY] = N_("Last workday"),
    [PB_EMPLOYEE_COMPANY] = N_("Company"),
    [PB_EMPLOYEE_LOCATION] = N_("Location"),
    [PB_EMPLOYEE_TEAM] = N_("Team"),
    [PB_EMPLOYEE_MANAGER_EMAIL] = N_("Manager"),
    [PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL] = N_("Absence manager"),
    [PB_EMPLOYEE_STATUS] = N_("Status"),
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == PB_EMPLOYEE_N_FIELDS);

  return field < G_N_ELEMENTS (labels) ? _(labels[field]) : "";
}

/* A comma-separated list of the fields set in @fields, e.g. "Phone, City". */
char *
pb_format_employee_fields (guint32 fields)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    if (fields & (1u << f))
      g_string_append_printf (out, "%s%s", out->len > 0 ? ", " : "", pb_format_employee_field (f));

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* An ISO 8601 time stored by the app, in the local zone: "22 Nov 2026, 14:02". */
char *
pb_format_timestamp (const char *iso8601)
{
  g_autoptr(GDateTime) utc = iso8601 != NULL ? g_date_time_new_from_iso8601 (iso8601, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup (iso8601 != NULL ? iso8601 : "");

  local = g_date_time_to_local (utc);
  /* Translators: a date and time, see g_date_time_format() */
  return g_date_time_format (local, _("%-d %b %Y, %H:%M"));
}
