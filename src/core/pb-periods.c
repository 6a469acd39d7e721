/* pb-periods.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbPeriods"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-periods.h"
#include "pb-sync-rules.h"

static void
period_fields (PbEntity  entity,
               guint    *start,
               guint    *end)
{
  switch (entity)
    {
    case PB_ENTITY_POSITION:
      *start = PB_POSITION_START_DATE;
      *end = PB_POSITION_END_DATE;
      break;
    case PB_ENTITY_ABSENCE:
      *start = PB_ABSENCE_START_DATE;
      *end = PB_ABSENCE_END_DATE;
      break;
    case PB_ENTITY_SALARY:
      *start = PB_SALARY_START_DATE;
      *end = PB_SALARY_END_DATE;
      break;
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_ENTITY_EMPLOYEE:
    case PB_N_ENTITIES:
    default:
      g_return_if_reached ();
    }
}

static char *
period_text (const char *start,
             const char *end)
{
  if (end == NULL)
    /* Translators: a period without an end, "2024-01-01 – ongoing" */
    return g_strdup_printf (_("%s – ongoing"), start != NULL ? start : "?");
  /* Translators: a period of dates, "2024-01-01 – 2024-12-31" */
  return g_strdup_printf (_("%s – %s"), start != NULL ? start : "?", end);
}

/**
 * pb_periods_check:
 * @record: a position, absence or salary, as it would be saved
 * @others: (element-type PbRecord) (nullable): the employee's records of
 *   the same kind as stored; the one with @record's id (its older copy) is
 *   left out
 * @first_workday: (nullable): the employee's first workday
 * @last_workday: (nullable): the employee's last workday
 *
 * Checks the periods rule. Both ends of a period are included days, and a
 * missing end is open.
 *
 * Returns: (transfer full) (nullable): %NULL when @record keeps the rule,
 *   else a sentence that names the periods that clash
 */
char *
pb_periods_check (PbRecord   *record,
                  GPtrArray  *others,
                  const char *first_workday,
                  const char *last_workday)
{
  PbEntity entity = pb_record_get_entity (record);
  const char *start, *end;
  guint start_field = 0, end_field = 0;
  g_autoptr(GPtrArray) clashes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *mine = NULL;

  period_fields (entity, &start_field, &end_field);
  start = pb_record_get (record, start_field);
  end = pb_record_get (record, end_field);
  mine = period_text (start, end);

  if (start != NULL && end != NULL && strcmp (end, start) < 0)
    return g_strdup_printf (_("The period %s ends before it starts"), mine);

  if (first_workday != NULL && start != NULL && strcmp (start, first_workday) < 0)
    return g_strdup_printf (_("The period %s starts before the first workday, %s"), mine, first_workday);
  if (last_workday != NULL && (end == NULL || strcmp (end, last_workday) > 0))
    return end == NULL
           ? g_strdup_printf (_("The period %s has no end, but the employment ends %s: give it an end date"),
                              mine, last_workday)
           : g_strdup_printf (_("The period %s ends after the last workday, %s"), mine, last_workday);
  if (last_workday != NULL && start != NULL && strcmp (start, last_workday) > 0)
    return g_strdup_printf (_("The period %s starts after the last workday, %s"), mine, last_workday);

  for (guint i = 0; others != NULL && i < others->len; i++)
    {
      PbRecord *other = g_ptr_array_index (others, i);

      if (pb_record_get_id (record) != 0 && pb_record_get_id (other) == pb_record_get_id (record))
        continue;
      if (pb_sync_periods_overlap (start, end, pb_record_get (other, start_field), pb_record_get (other, end_field)))
        g_ptr_array_add (clashes, period_text (pb_record_get (other, start_field), pb_record_get (other, end_field)));
    }

  if (clashes->len > 0)
    {
      g_autofree char *list = NULL;

      g_ptr_array_add (clashes, NULL);
      /* Translators: the separator of a list of periods */
      list = g_strjoinv (_(", "), (char **) clashes->pdata);
      if (entity == PB_ENTITY_POSITION)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The position %s overlaps another: %s",
                                             "The position %s overlaps others: %s", clashes->len - 1),
                                mine, list);
      if (entity == PB_ENTITY_ABSENCE)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The absence %s overlaps another: %s",
                                             "The absence %s overlaps others: %s", clashes->len - 1),
                                mine, list);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The salary %s overlaps another: %s",
                                           "The salary %s overlaps others: %s", clashes->len - 1),
                              mine, list);
    }

  return NULL;
}
