/* pb-sync-rules.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSyncRules"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-sync-rules.h"

/* Periods are [start, end] with both days included; a NULL end is open
 * (it runs on), a NULL start reaches back for ever. Dates are canonical
 * YYYY-MM-DD (the HR register only stores those), so they compare as text.
 *
 * Every check here looks at the records it is given and nothing else: the
 * engine passes the employee's HR records as they are now, and the one
 * changed record (which may or may not be in the array, and may be newer
 * than its copy there: the passed record wins). */

static const char * const action_names[] = {
  [PB_SYNC_NOTHING] = "nothing",
  [PB_SYNC_CREATE]  = "create",
  [PB_SYNC_UPDATE]  = "update",
  [PB_SYNC_DELETE]  = "delete",
  [PB_SYNC_CLEAR]   = "clear",
  [PB_SYNC_REFUSE]  = "refuse",
};

static gboolean
date_in_period (const char *date,
                const char *start,
                const char *end)
{
  return (start == NULL || strcmp (start, date) <= 0)
         && (end == NULL || strcmp (date, end) <= 0);
}

/* Whether @other is @record (the same object, or the same row). */
static gboolean
same_record (PbRecord *record,
             PbRecord *other)
{
  if (record == NULL)
    return FALSE;
  if (record == other)
    return TRUE;

  return pb_record_get_id (record) != 0 && pb_record_get_id (record) == pb_record_get_id (other);
}

static char *
period_text (const char *start,
             const char *end)
{
  /* TRANSLATORS: a period of dates, "2024-01-01 – 2024-12-31" */
  return g_strdup_printf (_("%s – %s"),
                          start != NULL ? start : _("(no start)"),
                          /* TRANSLATORS: the end of a period that has none */
                          end != NULL ? end : _("(open)"));
}

static char *
field_label (PbEntity entity,
             guint    field)
{
  const PbEntityDef *def = pb_entity_get_def (entity);

  return g_strdelimit (g_strdup (def->fields[field].name), "_", ' ');
}

/* The first field of @record that payroll requires (SPEC P4) and that is
 * empty, or -1. The start date is always required: it is what positions
 * are matched on (P2) and what salaries are placed by (S6). */
static int
find_missing_field (const PbSyncContext *ctx,
                    PbRecord            *record,
                    PbEntity             entity,
                    guint                start_field)
{
  if (pb_record_get (record, start_field) == NULL)
    return start_field;

  for (const PbFieldRef *ref = ctx->required_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == entity && pb_record_get (record, ref->field) == NULL)
      return ref->field;

  return -1;
}

static void
refuse_missing_field (const PbSyncContext *ctx,
                      PbSyncDecision      *out,
                      PbRecord            *record,
                      PbEntity             entity,
                      guint                start_field,
                      guint                field)
{
  g_autofree char *label = field_label (entity, field);
  const char *start = pb_record_get (record, start_field);

  out->action = PB_SYNC_REFUSE;
  if (start == NULL)
    out->reason = g_strdup_printf (entity == PB_ENTITY_POSITION
                                   ? _("A position has no %s, and %s requires it: fill it in in the HR register")
                                   : _("A salary has no %s, and %s requires it: fill it in in the HR register"),
                                   label, ctx->system_name);
  else
    out->reason = g_strdup_printf (entity == PB_ENTITY_POSITION
                                   ? _("The position starting %s has no %s, and %s requires it: fill it in in the HR register")
                                   : _("The salary starting %s has no %s, and %s requires it: fill it in in the HR register"),
                                   start, label, ctx->system_name);
}

/* The first record of @records other than @record whose period overlaps
 * @record's, or NULL. */
static PbRecord *
find_overlap (PbRecord  *record,
              GPtrArray *records,
              guint      start_field,
              guint      end_field)
{
  const char *start = pb_record_get (record, start_field);
  const char *end = pb_record_get (record, end_field);

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      PbRecord *other = g_ptr_array_index (records, i);

      if (same_record (record, other))
        continue;
      if (pb_sync_periods_overlap (start, end, pb_record_get (other, start_field), pb_record_get (other, end_field)))
        return other;
    }

  return NULL;
}

static char *
overlap_periods (PbRecord *record,
                 PbRecord *other,
                 guint     start_field,
                 guint     end_field)
{
  g_autofree char *mine = period_text (pb_record_get (record, start_field), pb_record_get (record, end_field));
  g_autofree char *theirs = period_text (pb_record_get (other, start_field), pb_record_get (other, end_field));

  /* TRANSLATORS: "2024-01-01 – 2024-12-31 overlaps 2024-06-01 – (open)" */
  return g_strdup_printf (_("%s overlaps %s"), mine, theirs);
}

/* @positions as they are now, with @position (when not NULL) in place of
 * its older copy. The array does not own the records. */
static GPtrArray *
positions_now (PbRecord  *position,
               GPtrArray *positions)
{
  GPtrArray *now = g_ptr_array_new ();

  for (guint i = 0; positions != NULL && i < positions->len; i++)
    if (!same_record (position, g_ptr_array_index (positions, i)))
      g_ptr_array_add (now, g_ptr_array_index (positions, i));
  if (position != NULL)
    g_ptr_array_add (now, position);

  return now;
}

static void
decide_flat_position (const PbSyncContext *ctx,
                      PbRecord            *position,
                      const char          *linked_start,
                      GPtrArray           *positions,
                      PbSyncDecision      *out)
{
  g_autoptr(GPtrArray) now = positions_now (position, positions);
  PbRecord *selected;
  int missing;

  /* SPEC P3: whichever position changed, payroll holds only the selected
   * one, and the change may have made another one the selected one: the
   * decision is always about it. */
  selected = pb_sync_select_position (now, ctx->today, ctx->position_select);
  if (selected == NULL)
    {
      out->action = PB_SYNC_NOTHING;
      out->reason = g_strdup_printf (_("The employee has no current position in the HR register, "
                                       "so none is sent to %s"),
                                     ctx->system_name);
      return;
    }

  out->position_id = pb_record_get_id (selected);
  missing = find_missing_field (ctx, selected, PB_ENTITY_POSITION, PB_POSITION_START_DATE);
  if (missing >= 0)
    {
      refuse_missing_field (ctx, out, selected, PB_ENTITY_POSITION, PB_POSITION_START_DATE, missing);
      return;
    }

  /* The one payroll position is updated in place, whatever its start. */
  out->action = linked_start != NULL ? PB_SYNC_UPDATE : PB_SYNC_CREATE;
}

/* --- public API ------------------------------------------------------------------------- */

/**
 * pb_sync_action_to_string:
 *
 * Returns: a stable name of @action for logs and tests: "create", "refuse"...
 */
const char *
pb_sync_action_to_string (PbSyncAction action)
{
  g_return_val_if_fail (action < G_N_ELEMENTS (action_names), NULL);

  return action_names[action];
}

/**
 * pb_sync_decision_clear:
 *
 * Frees what @decision owns and resets it to "nothing", so that it can be
 * reused; g_auto(PbSyncDecision) calls it.
 */
void
pb_sync_decision_clear (PbSyncDecision *decision)
{
  g_clear_pointer (&decision->reason, g_free);
  g_clear_pointer (&decision->advice, g_free);
  memset (decision, 0, sizeof *decision);
}

/**
 * pb_sync_periods_overlap:
 *
 * Whether the periods [@start_a, @end_a] and [@start_b, @end_b] share a
 * day: both ends are included, so one ending the day the other starts
 * overlaps it, and one ending the day before does not. A NULL end is open.
 */
gboolean
pb_sync_periods_overlap (const char *start_a,
                         const char *end_a,
                         const char *start_b,
                         const char *end_b)
{
  /* a starts no later than b ends, and b starts no later than a ends. */
  return (start_a == NULL || end_b == NULL || strcmp (start_a, end_b) <= 0)
         && (start_b == NULL || end_a == NULL || strcmp (start_b, end_a) <= 0);
}

/**
 * pb_sync_select_position:
 * @positions: (element-type PbRecord) (nullable): an employee's HR positions
 * @today: YYYY-MM-DD
 * @select: the rule
 *
 * The position a flat-model payroll system holds. %PB_SELECT_CURRENT (SPEC
 * P3): the one running today (started, and not ended before today); if
 * several run, the one that started last. %PB_SELECT_CURRENT_PAST_FUTURE
 * (SPEC P5): the current one; if none, the most recent past one (the latest
 * end); if none, the next future one (the earliest start). Positions
 * without a start date are never selected.
 *
 * Returns: (transfer none) (nullable): the position, or %NULL if none fits
 */
PbRecord *
pb_sync_select_position (GPtrArray        *positions,
                         const char       *today,
                         PbPositionSelect  select)
{
  PbRecord *current = NULL;
  PbRecord *past = NULL;
  PbRecord *future = NULL;

  g_return_val_if_fail (today != NULL, NULL);

  for (guint i = 0; positions != NULL && i < positions->len; i++)
    {
      PbRecord *position = g_ptr_array_index (positions, i);
      const char *start = pb_record_get (position, PB_POSITION_START_DATE);
      const char *end = pb_record_get (position, PB_POSITION_END_DATE);

      if (start == NULL)
        continue;

      if (date_in_period (today, start, end))
        {
          if (current == NULL || strcmp (start, pb_record_get (current, PB_POSITION_START_DATE)) > 0)
            current = position;
        }
      else if (end != NULL && strcmp (end, today) < 0)
        {
          int cmp = past == NULL ? 1 : strcmp (end, pb_record_get (past, PB_POSITION_END_DATE));

          if (cmp > 0 || (cmp == 0 && strcmp (start, pb_record_get (past, PB_POSITION_START_DATE)) > 0))
            past = position;
        }
      else if (future == NULL || strcmp (start, pb_record_get (future, PB_POSITION_START_DATE)) < 0)
        {
          future = position;
        }
    }

  if (current != NULL || select == PB_SELECT_CURRENT)
    return current;

  return past != NULL ? past : future;
}

/**
 * pb_sync_decide_position:
 * @ctx: the connection and its payroll system
 * @position: (nullable): the HR position now; %NULL when it was deleted in HR
 * @linked_start: (nullable): the start date of the payroll period it is
 *   linked to; %NULL when not linked. Flat model: the start date of the
 *   employee's one payroll position, %NULL when payroll has none yet.
 * @positions: (element-type PbRecord) (nullable): every HR position of the
 *   employee now (may include @position)
 * @out: (out caller-allocates): the decision; whatever it held is
 *   overwritten, so clear it first when reusing it
 *
 * What to send to payroll for a change to one position (SPEC P1-P5).
 *
 * History model (P2): a deleted position is deleted in payroll if the
 * system can, else payroll keeps it. A position is refused when a field
 * payroll requires is empty (P4) or when its period overlaps another HR
 * position of the employee. Else it is created when not linked, updated
 * when linked with the same start date, and created anew when its start
 * date changed.
 *
 * Flat model (P3, P5): the decision is about the selected position (see
 * pb_sync_select_position()), whichever position changed, and
 * @out->position_id names it.
 */
void
pb_sync_decide_position (const PbSyncContext *ctx,
                         PbRecord            *position,
                         const char          *linked_start,
                         GPtrArray           *positions,
                         PbSyncDecision      *out)
{
  g_autofree char *periods = NULL;
  const char *start;
  PbRecord *other;
  int missing;

  g_return_if_fail (ctx != NULL && ctx->today != NULL && ctx->system_name != NULL);
  g_return_if_fail (position == NULL || PB_IS_RECORD (position));
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof *out);

  if (ctx->position_model == PB_POSITIONS_FLAT)
    {
      decide_flat_position (ctx, position, linked_start, positions, out);
      return;
    }

  if (position == NULL)
    {
      out->action = linked_start != NULL && ctx->can_delete_positions ? PB_SYNC_DELETE : PB_SYNC_NOTHING;
      if (linked_start != NULL && !ctx->can_delete_positions)
        out->reason = g_strdup_printf (_("%s keeps the position starting %s: it cannot delete positions. "
                                         "End or delete it in %s by hand if it should go"),
                                       ctx->system_name, linked_start, ctx->system_name);
      return;
    }

  out->position_id = pb_record_get_id (position);
  start = pb_record_get (position, PB_POSITION_START_DATE);

  /* SPEC P4: a field payroll requires is empty. */
  missing = find_missing_field (ctx, position, PB_ENTITY_POSITION, PB_POSITION_START_DATE);
  if (missing >= 0)
    {
      refuse_missing_field (ctx, out, position, PB_ENTITY_POSITION, PB_POSITION_START_DATE, missing);
      return;
    }

  /* SPEC P2: overlapping periods are refused before create or update. */
  other = find_overlap (position, positions, PB_POSITION_START_DATE, PB_POSITION_END_DATE);
  if (other != NULL)
    {
      periods = overlap_periods (position, other, PB_POSITION_START_DATE, PB_POSITION_END_DATE);
      out->action = PB_SYNC_REFUSE;
      out->reason = g_strdup_printf (_("Positions overlap: %s, and %s keeps each period as its own record. "
                                       "Change the dates in the HR register so that the periods do not overlap"),
                                     periods, ctx->system_name);
      return;
    }

  if (linked_start == NULL)
    {
      out->action = PB_SYNC_CREATE;
      return;
    }

  if (g_str_equal (linked_start, start))
    {
      out->action = PB_SYNC_UPDATE;
      return;
    }

  /* SPEC P2: payroll matches periods on their start date, so a changed
   * start date is a new period. The old one stays in payroll unless the
   * system can delete positions: then the engine deletes it too. */
  out->action = PB_SYNC_CREATE;
  out->delete_previous = ctx->can_delete_positions;
  if (!ctx->can_delete_positions)
    out->reason = g_strdup_printf (_("The start date changed from %s to %s: %s gets a new period and keeps "
                                     "the one starting %s, as it cannot delete positions. "
                                     "Delete that one in %s by hand if it should go"),
                                   linked_start, start, ctx->system_name, linked_start, ctx->system_name);
}

/**
 * pb_sync_decide_salary:
 * @ctx: the connection and its payroll system
 * @salary: (nullable): the HR salary now; %NULL when it was deleted in HR
 * @linked: whether it has a payroll record
 * @salaries: (element-type PbRecord) (nullable): the employee's HR salaries
 *   now (may include @salary)
 * @positions: (element-type PbRecord) (nullable): the employee's HR
 *   positions now
 * @out: (out caller-allocates): the decision; whatever it held is
 *   overwritten, so clear it first when reusing it
 *
 * What to send to payroll for a change to one salary (SPEC S1-S6).
 *
 * A deleted salary is deleted in payroll, or its values cleared (S2). A
 * salary is refused, in this order, when its currency is not the payroll
 * company's (S4), when its period overlaps another HR salary of the
 * employee (S5), when position sync is off (S6), when no HR position
 * contains its start date (S6), or when a field payroll requires is empty.
 * Else it is created or updated, and @out->position_id names the position
 * it falls in (the one that started last, if positions overlap).
 */
void
pb_sync_decide_salary (const PbSyncContext *ctx,
                       PbRecord            *salary,
                       gboolean             linked,
                       GPtrArray           *salaries,
                       GPtrArray           *positions,
                       PbSyncDecision      *out)
{
  g_autofree char *periods = NULL;
  const char *start;
  const char *currency;
  PbRecord *other;
  PbRecord *position = NULL;
  int missing;

  g_return_if_fail (ctx != NULL && ctx->today != NULL && ctx->system_name != NULL);
  g_return_if_fail (salary == NULL || PB_IS_RECORD (salary));
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof *out);

  if (salary == NULL)
    {
      if (!linked)
        out->action = PB_SYNC_NOTHING;
      else if (ctx->salary_delete == PB_SALARY_DELETE_REMOVES)
        out->action = PB_SYNC_DELETE;
      else
        {
          /* SPEC S2 */
          out->action = PB_SYNC_CLEAR;
          out->reason = g_strdup_printf (_("%s keeps the salary record and only its values are cleared: "
                                           "delete the record in %s by hand if it should go"),
                                         ctx->system_name, ctx->system_name);
        }
      return;
    }

  /* Without a start date nothing below can be placed. */
  start = pb_record_get (salary, PB_SALARY_START_DATE);
  if (start == NULL)
    {
      refuse_missing_field (ctx, out, salary, PB_ENTITY_SALARY, PB_SALARY_START_DATE, PB_SALARY_START_DATE);
      return;
    }

  /* SPEC S4 */
  currency = pb_record_get (salary, PB_SALARY_CURRENCY);
  if (ctx->payroll_currency != NULL && currency != NULL && g_ascii_strcasecmp (currency, ctx->payroll_currency) != 0)
    {
      out->action = PB_SYNC_REFUSE;
      out->reason = g_strdup_printf (_("The salary starting %s is in %s and %s pays in %s: "
                                       "give the salary in %s in the HR register, "
                                       "or sync it to a payroll company that pays in %s"),
                                     start, currency, ctx->system_name, ctx->payroll_currency,
                                     ctx->payroll_currency, currency);
      return;
    }

  /* SPEC S5 */
  other = find_overlap (salary, salaries, PB_SALARY_START_DATE, PB_SALARY_END_DATE);
  if (other != NULL)
    {
      periods = overlap_periods (salary, other, PB_SALARY_START_DATE, PB_SALARY_END_DATE);
      out->action = PB_SYNC_REFUSE;
      out->reason = g_strdup_printf (_("Salaries overlap: %s, and %s refuses overlapping salary periods. "
                                       "End the earlier salary before the later one starts in the HR register"),
                                     periods, ctx->system_name);
      return;
    }

  /* SPEC S6: a salary is sent into the employment period it falls in. */
  if (!ctx->positions_active)
    {
      out->action = PB_SYNC_REFUSE;
      out->reason = g_strdup_printf (_("The salary starting %s cannot be sent: %s puts every salary in an "
                                       "employment period, and position sync is off. "
                                       "Turn on position sync for this connection"),
                                     start, ctx->system_name);
      return;
    }

  for (guint i = 0; positions != NULL && i < positions->len; i++)
    {
      PbRecord *candidate = g_ptr_array_index (positions, i);
      const char *candidate_start = pb_record_get (candidate, PB_POSITION_START_DATE);

      if (candidate_start == NULL
          || !date_in_period (start, candidate_start, pb_record_get (candidate, PB_POSITION_END_DATE)))
        continue;
      if (position == NULL || strcmp (candidate_start, pb_record_get (position, PB_POSITION_START_DATE)) > 0)
        position = candidate;
    }
  if (position == NULL)
    {
      out->action = PB_SYNC_REFUSE;
      out->reason = g_strdup_printf (_("The salary starting %s falls in no position in the HR register, "
                                       "and %s puts every salary in an employment period. "
                                       "Add a position that covers %s"),
                                     start, ctx->system_name, start);
      return;
    }

  /* SPEC P4 (as for positions): a field payroll requires is empty. */
  missing = find_missing_field (ctx, salary, PB_ENTITY_SALARY, PB_SALARY_START_DATE);
  if (missing >= 0)
    {
      refuse_missing_field (ctx, out, salary, PB_ENTITY_SALARY, PB_SALARY_START_DATE, missing);
      return;
    }

  out->position_id = pb_record_get_id (position);
  out->action = linked ? PB_SYNC_UPDATE : PB_SYNC_CREATE;
}

/**
 * pb_sync_decide_absence:
 * @absence: (nullable): the HR absence now; %NULL when it was deleted
 * @type_name: the HR absence type's name, for messages
 * @mapped_type: (nullable): the payroll type its HR type maps to now;
 *   %NULL when unmapped or excluded
 * @excluded: the HR type is mapped to "Do not sync"
 * @linked: it has a payroll record
 * @linked_type: (nullable): the payroll type it was sent with
 *
 * SPEC A1-A5. An absence is sent when it is approved, has an end date and
 * its type is mapped (A1, A2; an unmapped type is refused, so that the
 * absence is rejected in HR and someone maps it: the seed counts it as a
 * sync error; an excluded one is simply not sent); a sent one is updated
 * (A3) and deleted when deleted, no longer approved or without an end
 * date (A4) — unless its type's mapping changed since it was sent: then
 * payroll's record gets no more updates at all (A5).
 */
void
pb_sync_decide_absence (const PbSyncContext *ctx,
                        PbRecord            *absence,
                        const char          *type_name,
                        const char          *mapped_type,
                        gboolean             excluded,
                        gboolean             linked,
                        const char          *linked_type,
                        PbSyncDecision      *out)
{
  const char *start;
  gboolean sendable;

  g_return_if_fail (ctx != NULL && ctx->system_name != NULL);
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof *out);

  /* SPEC A5 */
  if (linked && linked_type != NULL && g_strcmp0 (linked_type, mapped_type) != 0)
    {
      out->action = PB_SYNC_NOTHING;
      out->reason = g_strdup_printf (_("The mapping of “%s” changed after this absence was sent: %s’s record "
                                       "gets no more updates from Paybridge; correct it by hand in %s"),
                                     type_name, ctx->system_name, ctx->system_name);
      return;
    }

  if (absence == NULL)
    {
      out->action = linked ? PB_SYNC_DELETE : PB_SYNC_NOTHING;   /* A4 */
      return;
    }

  start = pb_record_get (absence, PB_ABSENCE_START_DATE);
  sendable = g_strcmp0 (pb_record_get (absence, PB_ABSENCE_STATE), "approved") == 0 &&
             pb_record_get (absence, PB_ABSENCE_END_DATE) != NULL;
  if (!sendable)
    {
      out->action = linked ? PB_SYNC_DELETE : PB_SYNC_NOTHING;   /* A1, A4 */
      return;
    }

  if (excluded)
    {
      out->action = linked ? PB_SYNC_DELETE : PB_SYNC_NOTHING;   /* A2 */
      if (!linked)
        out->reason = g_strdup_printf (_("“%s” is set to “Do not sync” for %s"), type_name, ctx->system_name);
      return;
    }

  if (mapped_type == NULL)
    {
      out->action = PB_SYNC_REFUSE;   /* A2, A7 */
      out->reason = g_strdup_printf (_("The absence type “%s” is not mapped to a type in %s, so the absence from "
                                       "%s cannot be sent: map it (Mappings, or paybridge-cli mapping set), "
                                       "then resend the absence"),
                                     type_name, ctx->system_name, start != NULL ? start : "?");
      /* The fix is in the Mappings view, not in the HR register. */
      out->advice = g_strdup_printf (_("Map “%s” to a %s type in Mappings, then resend the absence from the "
                                       "person’s page"), type_name, ctx->system_name);
      return;
    }

  out->action = linked ? PB_SYNC_UPDATE : PB_SYNC_CREATE;   /* A3, A1 */
}
