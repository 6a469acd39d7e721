/* test-periods.c: the periods rule the app checks before it saves a
 * position, an absence or a salary (no overlaps, within employment)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-periods.h"

static PbRecord *
period (PbEntity    entity,
        gint64      id,
        const char *start,
        const char *end)
{
  PbRecord *record = pb_record_new (entity);
  guint start_field = entity == PB_ENTITY_ABSENCE ? PB_ABSENCE_START_DATE : 0;
  guint end_field = entity == PB_ENTITY_ABSENCE ? PB_ABSENCE_END_DATE : 1;

  pb_record_set_id (record, id);
  pb_record_set (record, start_field, start);
  pb_record_set (record, end_field, end);
  return record;
}

static GPtrArray *
three_positions (void)
{
  GPtrArray *others = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (others, period (PB_ENTITY_POSITION, 1, "2023-01-01", "2023-12-31"));
  g_ptr_array_add (others, period (PB_ENTITY_POSITION, 2, "2024-01-01", "2024-06-30"));
  g_ptr_array_add (others, period (PB_ENTITY_POSITION, 3, "2024-07-01", NULL));
  return others;
}

static void
assert_contains (const char *message,
                 const char *part)
{
  g_assert_nonnull (message);
  if (strstr (message, part) == NULL)
    g_error ("“%s” does not say “%s”", message, part);
}

/* Periods that touch but do not share a day keep the rule; a new one
 * inside an open-ended one clashes with it and names it. */
static void
test_overlaps (void)
{
  g_autoptr(GPtrArray) others = three_positions ();
  g_autoptr(PbRecord) fits = period (PB_ENTITY_POSITION, 0, "2022-01-01", "2022-12-31");
  g_autoptr(PbRecord) inside = period (PB_ENTITY_POSITION, 0, "2025-01-01", NULL);
  g_autoptr(PbRecord) across = period (PB_ENTITY_POSITION, 0, "2023-12-31", "2024-07-01");
  g_autofree char *ok = pb_periods_check (fits, others, NULL, NULL);
  g_autofree char *one = pb_periods_check (inside, others, NULL, NULL);
  g_autofree char *three = pb_periods_check (across, others, NULL, NULL);

  g_assert_null (ok);
  assert_contains (one, "2025-01-01 – ongoing overlaps another: 2024-07-01 – ongoing");
  g_assert_null (strstr (one, "2024-01-01"));
  assert_contains (three, "overlaps others: 2023-01-01 – 2023-12-31, 2024-01-01 – 2024-06-30, 2024-07-01 – ongoing");
}

/* An edited record is checked against the others, not its own old copy. */
static void
test_edit_skips_itself (void)
{
  g_autoptr(GPtrArray) others = three_positions ();
  g_autoptr(PbRecord) ended = period (PB_ENTITY_POSITION, 3, "2024-07-01", "2025-02-28");
  g_autoptr(PbRecord) longer = period (PB_ENTITY_POSITION, 2, "2024-01-01", "2024-07-01");
  g_autofree char *ok = pb_periods_check (ended, others, NULL, NULL);
  g_autofree char *clash = pb_periods_check (longer, others, NULL, NULL);

  g_assert_null (ok);
  assert_contains (clash, "2024-07-01 – ongoing");
  g_assert_null (strstr (clash, "2024-01-01 – 2024-06-30"));
}

/* Within the employment: not before the first workday, not after the
 * last, and not open-ended when the employment ends. */
static void
test_within_employment (void)
{
  g_autoptr(PbRecord) early = period (PB_ENTITY_SALARY, 0, "2019-12-31", "2020-06-30");
  g_autoptr(PbRecord) open = period (PB_ENTITY_SALARY, 0, "2020-01-01", NULL);
  g_autoptr(PbRecord) late = period (PB_ENTITY_SALARY, 0, "2020-01-01", "2025-01-01");
  g_autoptr(PbRecord) inside = period (PB_ENTITY_SALARY, 0, "2020-01-01", "2024-12-31");
  g_autofree char *m_early = pb_periods_check (early, NULL, "2020-01-01", "2024-12-31");
  g_autofree char *m_open = pb_periods_check (open, NULL, "2020-01-01", "2024-12-31");
  g_autofree char *m_late = pb_periods_check (late, NULL, "2020-01-01", "2024-12-31");
  g_autofree char *m_inside = pb_periods_check (inside, NULL, "2020-01-01", "2024-12-31");
  g_autofree char *m_no_end = pb_periods_check (open, NULL, "2020-01-01", NULL);

  assert_contains (m_early, "starts before the first workday, 2020-01-01");
  assert_contains (m_open, "has no end, but the employment ends 2024-12-31");
  assert_contains (m_late, "ends after the last workday, 2024-12-31");
  g_assert_null (m_inside);
  g_assert_null (m_no_end);
}

/* Absences follow the rule too, and a period may not end before it starts. */
static void
test_absences_and_order (void)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(PbRecord) clash = period (PB_ENTITY_ABSENCE, 0, "2024-07-19", "2024-07-22");
  g_autoptr(PbRecord) backwards = period (PB_ENTITY_ABSENCE, 0, "2024-08-02", "2024-08-01");
  g_autofree char *m_clash = NULL;
  g_autofree char *m_backwards = NULL;

  g_ptr_array_add (others, period (PB_ENTITY_ABSENCE, 7, "2024-07-01", "2024-07-19"));
  m_clash = pb_periods_check (clash, others, NULL, NULL);
  m_backwards = pb_periods_check (backwards, others, NULL, NULL);
  assert_contains (m_clash, "The absence 2024-07-19 – 2024-07-22 overlaps another: 2024-07-01 – 2024-07-19");
  assert_contains (m_backwards, "2024-08-02 – 2024-08-01 ends before it starts");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/periods/overlaps", test_overlaps);
  g_test_add_func ("/periods/edit-skips-itself", test_edit_skips_itself);
  g_test_add_func ("/periods/within-employment", test_within_employment);
  g_test_add_func ("/periods/absences-and-order", test_absences_and_order);

  return g_test_run ();
}
