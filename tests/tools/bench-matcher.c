/* bench-matcher.c: time user matching of N HR people against N payroll people
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pb-matcher.h"

/* bench-matcher [N]: N people on each side (default 100,000); 90 % of them
 * on both sides (a tenth of those with a changed phone and city), 10 % only
 * on one side. Prints the time of pb_match_people() alone, best of 3. */
int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  g_autoptr(GPtrArray) hr = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) payroll = g_ptr_array_new_with_free_func (g_object_unref);
  static const guint compared[] = {
    PB_EMPLOYEE_GIVEN_NAME, PB_EMPLOYEE_FAMILY_NAME, PB_EMPLOYEE_EMAIL, PB_EMPLOYEE_PHONE,
    PB_EMPLOYEE_CITY, PB_EMPLOYEE_POSTAL_CODE, PB_EMPLOYEE_ADDRESS_LINE1, PB_EMPLOYEE_EMPLOYEE_NUMBER,
  };
  static const guint required[] = { PB_EMPLOYEE_GIVEN_NAME, PB_EMPLOYEE_FAMILY_NAME, PB_EMPLOYEE_EMAIL };
  double best = G_MAXDOUBLE;
  guint counts[5] = { 0 };

  for (guint i = 0; i < n; i++)
    {
      PbRecord *h = pb_record_new (PB_ENTITY_EMPLOYEE);
      PbRecord *p = pb_record_new (PB_ENTITY_EMPLOYEE);
      g_autofree char *email = g_strdup_printf ("Person.%06u@Example.no", i);
      g_autofree char *other = g_strdup_printf ("payroll.%06u@example.no", i);
      g_autofree char *number = g_strdup_printf ("%u", 1000 + i);

      pb_record_set (h, PB_EMPLOYEE_EMAIL, email);
      pb_record_set (h, PB_EMPLOYEE_GIVEN_NAME, "Kari");
      pb_record_set (h, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
      pb_record_set (h, PB_EMPLOYEE_PHONE, "+47 912 34 567");
      pb_record_set (h, PB_EMPLOYEE_CITY, "Oslo");
      pb_record_set (h, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);
      pb_record_set (h, PB_EMPLOYEE_STATUS, "active");

      pb_record_set (p, PB_EMPLOYEE_EMAIL, i % 10 == 9 ? other : email);
      pb_record_set (p, PB_EMPLOYEE_GIVEN_NAME, "Kari");
      pb_record_set (p, PB_EMPLOYEE_FAMILY_NAME, "Nordmann");
      pb_record_set (p, PB_EMPLOYEE_PHONE, i % 10 == 3 ? "+47 400 00 000" : "+4791234567");
      pb_record_set (p, PB_EMPLOYEE_CITY, i % 10 == 3 ? "Bergen" : "Oslo");
      pb_record_set (p, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);

      g_ptr_array_add (hr, h);
      g_ptr_array_add (payroll, p);
    }

  for (guint run = 0; run < 3; run++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GArray) matches = pb_match_people (hr, payroll, compared, G_N_ELEMENTS (compared),
                                                   required, G_N_ELEMENTS (required));
      double seconds = (g_get_monotonic_time () - start) / 1e6;

      best = MIN (best, seconds);
      if (run == 0)
        for (guint i = 0; i < matches->len; i++)
          counts[g_array_index (matches, PbMatch, i).kind]++;
    }

  printf ("plan %u x %u people: %.3f s (best of 3); matched %u, HR only %u, payroll only %u\n",
          n, n, best, counts[PB_MATCH_MATCHED], counts[PB_MATCH_HR_ONLY], counts[PB_MATCH_PAYROLL_ONLY]);
  return 0;
}
