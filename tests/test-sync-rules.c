/* test-sync-rules.c: the position and salary sync rules as pure decisions
 * (SPEC P2-P5, S2, S4-S6), one table row per case
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-sync-rules.h"

#define OPEN NULL
#define TODAY "2025-03-15"
#define SYSTEM "Tripletex"

/* One HR record: a position or a salary. id 0 ends a list; as the changed
 * record, id 0 means it was deleted in HR (NULL). @blank names a field
 * left empty. */
typedef struct
{
  gint64      id;
  const char *start;
  const char *end;
  const char *blank;
} Period;

/* Payroll requires these (SPEC P4); the employee entry must not apply to
 * positions or salaries. */
static const PbFieldRef required_fields[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_PHONE },
  { PB_ENTITY_POSITION, PB_POSITION_PERCENTAGE },
  { PB_ENTITY_POSITION, PB_POSITION_TITLE },
  { PB_ENTITY_SALARY, PB_SALARY_AMOUNT },
  { PB_N_ENTITIES, 0 },
};

static PbRecord *
make_record (PbEntity      entity,
             const Period *period,
             const char   *currency)
{
  PbRecord *record;
  int blank;

  if (period->id == 0)
    return NULL;

  record = pb_record_new (entity);
  pb_record_set_id (record, period->id);
  pb_record_set_parent_id (record, 7);
  if (entity == PB_ENTITY_POSITION)
    {
      pb_record_set (record, PB_POSITION_START_DATE, period->start);
      pb_record_set (record, PB_POSITION_END_DATE, period->end);
      pb_record_set (record, PB_POSITION_TITLE, "Developer");
      pb_record_set (record, PB_POSITION_PERCENTAGE, "100");
      pb_record_set (record, PB_POSITION_CONTRACT_TYPE, "permanent");
    }
  else
    {
      pb_record_set (record, PB_SALARY_START_DATE, period->start);
      pb_record_set (record, PB_SALARY_END_DATE, period->end);
      pb_record_set (record, PB_SALARY_AMOUNT, "50000.00");
      pb_record_set (record, PB_SALARY_CURRENCY, currency != NULL ? currency : "NOK");
      pb_record_set (record, PB_SALARY_PERIOD_UNIT, "monthly");
      pb_record_set (record, PB_SALARY_NOTE, "Raise");
    }

  if (period->blank != NULL)
    {
      blank = pb_entity_find_field (entity, period->blank);
      g_assert_cmpint (blank, >=, 0);
      pb_record_set (record, blank, NULL);
    }

  return record;
}

static GPtrArray *
make_records (PbEntity      entity,
              const Period *periods,
              guint         n_periods)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n_periods && periods[i].id != 0; i++)
    g_ptr_array_add (records, make_record (entity, &periods[i], NULL));

  return records;
}

/* @reason: a part of the reason, or NULL when there must be none. */
static void
assert_decision (const PbSyncDecision *decision,
                 PbSyncAction          action,
                 gint64                position_id,
                 gboolean              delete_previous,
                 const char           *reason)
{
  g_test_message ("decision: %s, position %" G_GINT64_FORMAT ", reason: %s",
                  pb_sync_action_to_string (decision->action), decision->position_id,
                  decision->reason != NULL ? decision->reason : "(none)");
  g_assert_cmpstr (pb_sync_action_to_string (decision->action), ==, pb_sync_action_to_string (action));
  g_assert_cmpint (decision->position_id, ==, position_id);
  g_assert_cmpint (decision->delete_previous, ==, delete_previous);
  if (reason == NULL)
    g_assert_null (decision->reason);
  else
    {
      g_assert_nonnull (decision->reason);
      if (strstr (decision->reason, reason) == NULL)
        g_error ("“%s” is not in the reason “%s”", reason, decision->reason);
    }
}

/* --- positions --------------------------------------------------------------------------- */

typedef struct
{
  const char       *name;
  PbPositionModel   model;
  PbPositionSelect  select;
  gboolean          can_delete;
  gboolean          no_required;    /* the system requires no position field */
  Period            position;       /* the changed one; id 0: deleted in HR */
  const char       *linked_start;
  Period            positions[5];   /* the employee's positions in HR (may hold a copy of @position) */
  /* expected */
  PbSyncAction      action;
  gint64            position_id;
  gboolean          delete_previous;
  const char       *reason;
} PositionCase;

#define HISTORY PB_POSITIONS_HISTORY
#define FLAT PB_POSITIONS_FLAT
#define CURRENT PB_SELECT_CURRENT
#define CPF PB_SELECT_CURRENT_PAST_FUTURE

static const PositionCase position_cases[] = {
  /* SPEC P2: history model, deletes */
  { "P2/deleted-linked-deletable", HISTORY, CURRENT, TRUE, FALSE,
    { 0 }, "2024-01-01", { { 2, "2023-01-01", "2023-12-31" } },
    PB_SYNC_DELETE, 0, FALSE, NULL },
  { "P2/deleted-linked-kept-by-payroll", HISTORY, CURRENT, FALSE, FALSE,
    { 0 }, "2024-01-01", { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, "Tripletex keeps the position starting 2024-01-01: it cannot delete positions" },
  { "P2/deleted-not-linked", HISTORY, CURRENT, TRUE, FALSE,
    { 0 }, NULL, { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, NULL },
  { "P2/deleted-not-linked-not-deletable", HISTORY, CURRENT, FALSE, FALSE,
    { 0 }, NULL, { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, NULL },

  /* SPEC P2: history model, create and update matched on the start date */
  { "P2/new-is-created", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", OPEN }, NULL, { { 1, "2024-01-01", OPEN } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P2/new-not-in-the-array-is-created", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", OPEN }, NULL, { { 0 } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P2/linked-same-start-is-updated", HISTORY, CURRENT, FALSE, FALSE,
    { 1, "2024-01-01", "2024-12-31" }, "2024-01-01", { { 1, "2024-01-01", OPEN } },
    PB_SYNC_UPDATE, 1, FALSE, NULL },
  { "P2/start-changed-new-period-old-deleted", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-02-01", OPEN }, "2024-01-01", { { 1, "2024-01-01", OPEN } },
    PB_SYNC_CREATE, 1, TRUE, NULL },
  { "P2/start-changed-new-period-old-kept", HISTORY, CURRENT, FALSE, FALSE,
    { 1, "2024-02-01", OPEN }, "2024-01-01", { { 1, "2024-01-01", OPEN } },
    PB_SYNC_CREATE, 1, FALSE, "keeps the one starting 2024-01-01" },
  /* The stale copy of the position itself (same id, old dates that would
   * overlap) is not "another position". */
  { "P2/own-stale-copy-is-not-an-overlap", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-06-01", OPEN }, "2024-06-01",
    { { 2, "2023-01-01", "2024-05-31" }, { 1, "2023-06-01", OPEN } },
    PB_SYNC_UPDATE, 1, FALSE, NULL },

  /* SPEC P2: overlapping periods are refused, naming both */
  { "P2/overlap-with-open-ended", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", "2024-12-31" }, NULL,
    { { 1, "2024-01-01", "2024-12-31" }, { 2, "2024-06-01", OPEN } },
    PB_SYNC_REFUSE, 1, FALSE, "2024-01-01 – 2024-12-31 overlaps 2024-06-01 – (open)" },
  { "P2/own-open-end-overlaps-later", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", OPEN }, NULL,
    { { 2, "2025-01-01", "2025-06-30" } },
    PB_SYNC_REFUSE, 1, FALSE, "2024-01-01 – (open) overlaps 2025-01-01 – 2025-06-30" },
  { "P2/both-open-ended", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2025-01-01", OPEN }, NULL,
    { { 2, "2023-01-01", OPEN } },
    PB_SYNC_REFUSE, 1, FALSE, "2025-01-01 – (open) overlaps 2023-01-01 – (open)" },
  { "P2/inside-another", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-03-01", "2024-04-30" }, NULL,
    { { 2, "2024-01-01", "2024-12-31" } },
    PB_SYNC_REFUSE, 1, FALSE, "2024-03-01 – 2024-04-30 overlaps 2024-01-01 – 2024-12-31" },
  { "P2/ends-the-day-the-other-starts", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", "2024-06-01" }, NULL,
    { { 2, "2024-06-01", OPEN } },
    PB_SYNC_REFUSE, 1, FALSE, "2024-01-01 – 2024-06-01 overlaps 2024-06-01 – (open)" },
  { "P2/starts-the-day-the-other-ends", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-06-01", OPEN }, "2024-06-01",
    { { 2, "2024-01-01", "2024-06-01" } },
    PB_SYNC_REFUSE, 1, FALSE, "2024-06-01 – (open) overlaps 2024-01-01 – 2024-06-01" },
  { "P2/ends-the-day-before-the-other-starts", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", "2024-05-31" }, NULL,
    { { 2, "2024-06-01", OPEN } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P2/starts-the-day-after-the-other-ends", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-06-01", OPEN }, "2024-06-01",
    { { 2, "2024-01-01", "2024-05-31" }, { 3, "2023-01-01", "2023-12-31" } },
    PB_SYNC_UPDATE, 1, FALSE, NULL },
  { "P2/start-change-into-an-overlap", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-05-01", OPEN }, "2024-06-01",
    { { 2, "2024-01-01", "2024-05-31" }, { 1, "2024-06-01", OPEN } },
    PB_SYNC_REFUSE, 1, FALSE, "2024-05-01 – (open) overlaps 2024-01-01 – 2024-05-31" },

  /* SPEC P4: a field the system requires */
  { "P4/missing-percentage", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", OPEN, "percentage" }, NULL, { { 0 } },
    PB_SYNC_REFUSE, 1, FALSE, "The position starting 2024-01-01 has no percentage, and Tripletex requires it" },
  { "P4/missing-title-when-linked", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", OPEN, "title" }, "2024-01-01", { { 0 } },
    PB_SYNC_REFUSE, 1, FALSE, "has no title" },
  { "P4/missing-field-the-system-does-not-require", HISTORY, CURRENT, TRUE, FALSE,
    { 1, "2024-01-01", OPEN, "contract_type" }, NULL, { { 0 } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P4/no-required-fields", HISTORY, CURRENT, TRUE, TRUE,
    { 1, "2024-01-01", OPEN, "title" }, NULL, { { 0 } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P4/missing-start-date", HISTORY, CURRENT, TRUE, TRUE,
    { 1, NULL, OPEN }, NULL, { { 0 } },
    PB_SYNC_REFUSE, 1, FALSE, "A position has no start date" },
  { "P4/flat-selected-missing-percentage", FLAT, CURRENT, FALSE, FALSE,
    { 2, "2020-01-01", "2020-12-31" }, "2024-01-01",
    { { 1, "2024-01-01", OPEN, "percentage" }, { 2, "2020-01-01", "2020-12-31" } },
    PB_SYNC_REFUSE, 1, FALSE, "The position starting 2024-01-01 has no percentage" },

  /* SPEC P3: flat model, only the current position is sent (today is 2025-03-15) */
  { "P3/current-created", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2024-01-01", OPEN }, NULL, { { 1, "2024-01-01", OPEN } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P3/current-linked-updated-whatever-its-start", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2024-02-01", OPEN }, "2024-01-01", { { 1, "2024-01-01", OPEN } },
    PB_SYNC_UPDATE, 1, FALSE, NULL },
  { "P3/change-to-a-past-one-sends-the-current", FLAT, CURRENT, FALSE, FALSE,
    { 2, "2020-01-01", "2020-12-31" }, "2024-01-01",
    { { 1, "2024-01-01", OPEN }, { 2, "2020-01-01", "2020-06-30" } },
    PB_SYNC_UPDATE, 1, FALSE, NULL },
  { "P3/only-past-none-current", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2020-01-01", "2024-12-31" }, "2020-01-01", { { 1, "2020-01-01", "2024-12-31" } },
    PB_SYNC_NOTHING, 0, FALSE, "no current position" },
  { "P3/only-future-none-current", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2025-04-01", OPEN }, NULL, { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, "no current position" },
  { "P3/ending-today-is-current", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2024-01-01", TODAY }, NULL, { { 0 } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P3/starting-today-is-current", FLAT, CURRENT, FALSE, FALSE,
    { 1, TODAY, OPEN }, NULL, { { 2, "2024-01-01", "2025-03-14" } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P3/ended-yesterday-is-not-current", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2024-01-01", "2025-03-14" }, "2024-01-01", { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, "no current position" },
  { "P3/deleted-sends-the-remaining-current", FLAT, CURRENT, TRUE, FALSE,
    { 0 }, "2024-01-01", { { 2, "2025-01-01", OPEN } },
    PB_SYNC_UPDATE, 2, FALSE, NULL },
  { "P3/deleted-none-left", FLAT, CURRENT, TRUE, FALSE,
    { 0 }, "2024-01-01", { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, "no current position" },
  /* Ending position 1 (the array still holds it open-ended) makes 2 the
   * current one: the passed record wins over its copy. */
  { "P3/change-makes-another-current", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2024-01-01", "2025-02-28" }, "2024-01-01",
    { { 1, "2024-01-01", OPEN }, { 2, "2025-03-01", OPEN } },
    PB_SYNC_UPDATE, 2, FALSE, NULL },
  /* No overlap check in the flat model; the latest start wins. */
  { "P3/two-current-the-later-start-wins", FLAT, CURRENT, FALSE, FALSE,
    { 1, "2024-01-01", OPEN }, NULL,
    { { 1, "2024-01-01", OPEN }, { 2, "2025-01-01", OPEN }, { 3, "2024-06-01", OPEN } },
    PB_SYNC_CREATE, 2, FALSE, NULL },

  /* SPEC P5: the current one; else the most recent past one; else the future one */
  { "P5/current-over-past-and-future", FLAT, CPF, FALSE, FALSE,
    { 3, "2025-06-01", OPEN }, "2024-01-01",
    { { 1, "2020-01-01", "2023-12-31" }, { 2, "2024-01-01", "2025-05-31" }, { 3, "2025-06-01", OPEN } },
    PB_SYNC_UPDATE, 2, FALSE, NULL },
  { "P5/most-recent-past", FLAT, CPF, FALSE, FALSE,
    { 1, "2020-01-01", "2023-12-31" }, NULL,
    { { 1, "2020-01-01", "2023-12-31" }, { 2, "2024-01-01", "2024-12-31" }, { 3, "2019-01-01", "2019-12-31" } },
    PB_SYNC_CREATE, 2, FALSE, NULL },
  { "P5/past-over-future", FLAT, CPF, FALSE, FALSE,
    { 2, "2025-06-01", OPEN }, NULL,
    { { 1, "2020-01-01", "2025-03-14" }, { 2, "2025-06-01", OPEN } },
    PB_SYNC_CREATE, 1, FALSE, NULL },
  { "P5/earliest-future", FLAT, CPF, FALSE, FALSE,
    { 2, "2025-06-01", OPEN }, "2025-04-01",
    { { 1, "2025-04-01", "2025-05-31" }, { 2, "2025-06-01", OPEN } },
    PB_SYNC_UPDATE, 1, FALSE, NULL },
  { "P5/no-position-at-all", FLAT, CPF, FALSE, FALSE,
    { 0 }, "2025-04-01", { { 0 } },
    PB_SYNC_NOTHING, 0, FALSE, "no current position" },
};

static void
test_position_case (gconstpointer data)
{
  const PositionCase *c = data;
  PbSyncContext ctx = {
    .position_model = c->model,
    .can_delete_positions = c->can_delete,
    .salary_delete = PB_SALARY_DELETE_CLEARS_VALUES,
    .position_select = c->select,
    .positions_active = TRUE,
    .payroll_currency = "NOK",
    .today = TODAY,
    .system_name = SYSTEM,
    .required_fields = c->no_required ? NULL : required_fields,
  };
  g_autoptr(PbRecord) position = make_record (PB_ENTITY_POSITION, &c->position, NULL);
  g_autoptr(GPtrArray) positions = make_records (PB_ENTITY_POSITION, c->positions, G_N_ELEMENTS (c->positions));
  g_auto(PbSyncDecision) decision = { 0 };

  pb_sync_decide_position (&ctx, position, c->linked_start, positions, &decision);
  assert_decision (&decision, c->action, c->position_id, c->delete_previous, c->reason);
}

/* --- salaries ---------------------------------------------------------------------------- */

typedef struct
{
  const char     *name;
  PbSalaryDelete  salary_delete;
  gboolean        positions_inactive;
  const char     *payroll_currency;
  Period          salary;        /* the changed one; id 0: deleted in HR */
  const char     *currency;      /* of @salary; NULL: NOK */
  gboolean        linked;
  Period          salaries[4];   /* the employee's other salaries (may hold a copy of @salary) */
  Period          positions[4];  /* none given: the two below */
  /* expected */
  PbSyncAction    action;
  gint64          position_id;
  const char     *reason;
} SalaryCase;

/* Position 10 is 2024, position 11 runs from 2025 on. */
static const Period default_positions[] = {
  { 10, "2024-01-01", "2024-12-31" },
  { 11, "2025-01-01", OPEN },
  { 0 },
};

#define REMOVES PB_SALARY_DELETE_REMOVES
#define CLEARS PB_SALARY_DELETE_CLEARS_VALUES

static const SalaryCase salary_cases[] = {
  /* SPEC S2: delete semantics per connector */
  { "S2/deleted-linked-removed", REMOVES, FALSE, "NOK",
    { 0 }, NULL, TRUE, { { 0 } }, { { 0 } },
    PB_SYNC_DELETE, 0, NULL },
  { "S2/deleted-linked-values-cleared", CLEARS, FALSE, "NOK",
    { 0 }, NULL, TRUE, { { 0 } }, { { 0 } },
    PB_SYNC_CLEAR, 0, "Tripletex keeps the salary record" },
  { "S2/deleted-not-linked", CLEARS, FALSE, "NOK",
    { 0 }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_NOTHING, 0, NULL },
  { "S2/deleted-not-linked-removes", REMOVES, FALSE, "NOK",
    { 0 }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_NOTHING, 0, NULL },

  /* SPEC S6: linked to the employment period it falls in */
  { "S6/new-falls-in-the-open-position", CLEARS, FALSE, "NOK",
    { 1, "2025-02-01", OPEN }, NULL, FALSE, { { 1, "2025-02-01", OPEN } }, { { 0 } },
    PB_SYNC_CREATE, 11, NULL },
  { "S6/linked-is-updated", CLEARS, FALSE, "NOK",
    { 1, "2024-03-01", "2024-12-31" }, NULL, TRUE, { { 0 } }, { { 0 } },
    PB_SYNC_UPDATE, 10, NULL },
  { "S6/starting-on-a-positions-last-day-falls-in-it", CLEARS, FALSE, "NOK",
    { 1, "2024-12-31", OPEN }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_CREATE, 10, NULL },
  { "S6/starting-on-a-positions-first-day-falls-in-it", CLEARS, FALSE, "NOK",
    { 1, "2025-01-01", OPEN }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_CREATE, 11, NULL },
  { "S6/in-a-gap-between-positions", CLEARS, FALSE, "NOK",
    { 1, "2024-09-01", OPEN }, NULL, FALSE, { { 0 } },
    { { 10, "2024-01-01", "2024-06-30" }, { 11, "2025-01-01", OPEN } },
    PB_SYNC_REFUSE, 0, "The salary starting 2024-09-01 falls in no position in the HR register" },
  { "S6/the-day-after-a-position-ends", CLEARS, FALSE, "NOK",
    { 1, "2024-07-01", OPEN }, NULL, TRUE, { { 0 } },
    { { 10, "2024-01-01", "2024-06-30" } },
    PB_SYNC_REFUSE, 0, "Add a position that covers 2024-07-01" },
  { "S6/before-every-position", CLEARS, FALSE, "NOK",
    { 1, "2023-06-01", "2023-12-31" }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "Add a position that covers 2023-06-01" },
  { "S6/no-position-at-all", CLEARS, FALSE, "NOK",
    { 1, "2024-01-01", OPEN }, NULL, FALSE, { { 0 } }, { { 99, NULL, NULL } },
    PB_SYNC_REFUSE, 0, "falls in no position" },
  { "S6/overlapping-positions-the-later-start-wins", CLEARS, FALSE, "NOK",
    { 1, "2024-08-01", OPEN }, NULL, FALSE, { { 0 } },
    { { 10, "2024-01-01", OPEN }, { 12, "2024-06-01", "2024-12-31" }, { 11, "2025-01-01", OPEN } },
    PB_SYNC_CREATE, 12, NULL },
  { "S6/position-sync-off", CLEARS, TRUE, "NOK",
    { 1, "2025-02-01", OPEN }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "Turn on position sync" },

  /* SPEC S4: the payroll company's currency */
  { "S4/other-currency-refused", CLEARS, FALSE, "NOK",
    { 1, "2025-01-01", OPEN }, "EUR", FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "The salary starting 2025-01-01 is in EUR and Tripletex pays in NOK" },
  { "S4/other-currency-refused-when-linked", CLEARS, FALSE, "SEK",
    { 1, "2025-01-01", OPEN }, NULL, TRUE, { { 0 } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "is in NOK and Tripletex pays in SEK" },
  { "S4/payroll-currency-unknown", CLEARS, FALSE, NULL,
    { 1, "2025-01-01", OPEN }, "EUR", FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_CREATE, 11, NULL },
  { "S4/currency-checked-before-overlap", CLEARS, FALSE, "NOK",
    { 1, "2025-01-01", OPEN }, "EUR", FALSE, { { 2, "2024-01-01", OPEN } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "is in EUR" },

  /* SPEC S5: overlapping salary periods */
  { "S5/overlaps-an-open-ended-salary", CLEARS, FALSE, "NOK",
    { 1, "2025-01-01", OPEN }, NULL, FALSE, { { 2, "2024-01-01", OPEN }, { 1, "2025-01-01", OPEN } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "2025-01-01 – (open) overlaps 2024-01-01 – (open)" },
  { "S5/ends-the-day-the-next-starts", CLEARS, FALSE, "NOK",
    { 1, "2024-01-01", "2024-07-01" }, NULL, TRUE, { { 2, "2024-07-01", OPEN } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "2024-01-01 – 2024-07-01 overlaps 2024-07-01 – (open)" },
  { "S5/ends-the-day-before-the-next-starts", CLEARS, FALSE, "NOK",
    { 1, "2024-01-01", "2024-06-30" }, NULL, TRUE, { { 2, "2024-07-01", OPEN } }, { { 0 } },
    PB_SYNC_UPDATE, 10, NULL },
  { "S5/own-stale-copy-is-not-an-overlap", CLEARS, FALSE, "NOK",
    { 1, "2024-07-01", OPEN }, NULL, TRUE,
    { { 1, "2024-01-01", OPEN }, { 2, "2024-01-01", "2024-06-30" } }, { { 0 } },
    PB_SYNC_UPDATE, 10, NULL },

  /* SPEC P4 for salaries: a field the system requires */
  { "P4/salary-missing-amount", CLEARS, FALSE, "NOK",
    { 1, "2025-01-01", OPEN, "amount" }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "The salary starting 2025-01-01 has no amount, and Tripletex requires it" },
  { "P4/salary-missing-note-not-required", CLEARS, FALSE, "NOK",
    { 1, "2025-01-01", OPEN, "note" }, NULL, TRUE, { { 0 } }, { { 0 } },
    PB_SYNC_UPDATE, 11, NULL },
  { "P4/salary-missing-start-date", CLEARS, FALSE, "NOK",
    { 1, NULL, OPEN }, NULL, FALSE, { { 0 } }, { { 0 } },
    PB_SYNC_REFUSE, 0, "A salary has no start date" },
};

static void
test_salary_case (gconstpointer data)
{
  const SalaryCase *c = data;
  PbSyncContext ctx = {
    .position_model = PB_POSITIONS_HISTORY,
    .can_delete_positions = FALSE,
    .salary_delete = c->salary_delete,
    .position_select = PB_SELECT_CURRENT,
    .positions_active = !c->positions_inactive,
    .payroll_currency = c->payroll_currency,
    .today = TODAY,
    .system_name = SYSTEM,
    .required_fields = required_fields,
  };
  g_autoptr(PbRecord) salary = make_record (PB_ENTITY_SALARY, &c->salary, c->currency);
  g_autoptr(GPtrArray) salaries = make_records (PB_ENTITY_SALARY, c->salaries, G_N_ELEMENTS (c->salaries));
  g_autoptr(GPtrArray) positions = NULL;
  g_auto(PbSyncDecision) decision = { 0 };

  /* { 99, NULL, NULL }: the employee has no position */
  if (c->positions[0].id == 99)
    positions = g_ptr_array_new ();
  else if (c->positions[0].id == 0)
    positions = make_records (PB_ENTITY_POSITION, default_positions, G_N_ELEMENTS (default_positions));
  else
    positions = make_records (PB_ENTITY_POSITION, c->positions, G_N_ELEMENTS (c->positions));

  pb_sync_decide_salary (&ctx, salary, c->linked, salaries, positions, &decision);
  assert_decision (&decision, c->action, c->position_id, FALSE, c->reason);
}

/* --- helpers ----------------------------------------------------------------------------- */

typedef struct
{
  const char *a_start, *a_end, *b_start, *b_end;
  gboolean    overlap;
} OverlapCase;

/* SPEC P2, S5: both ends are included, an open end runs on. */
static const OverlapCase overlap_cases[] = {
  { "2024-01-01", "2024-06-01", "2024-06-01", OPEN, TRUE },
  { "2024-01-01", "2024-05-31", "2024-06-01", OPEN, FALSE },
  { "2024-06-01", OPEN, "2024-01-01", "2024-05-31", FALSE },
  { "2024-06-01", OPEN, "2024-01-01", "2024-06-01", TRUE },
  { "2024-01-01", OPEN, "2030-01-01", OPEN, TRUE },
  { "2024-03-01", "2024-03-01", "2024-03-01", "2024-03-01", TRUE },
  { "2024-03-01", "2024-03-01", "2024-03-02", "2024-03-02", FALSE },
  { "2024-01-01", "2024-12-31", "2024-02-01", "2024-02-28", TRUE },
  { NULL, "2024-12-31", "2025-01-01", OPEN, FALSE },
  { NULL, "2025-01-01", "2025-01-01", OPEN, TRUE },
};

static void
test_periods_overlap (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (overlap_cases); i++)
    {
      const OverlapCase *c = &overlap_cases[i];

      g_test_message ("case %u", i);
      g_assert_cmpint (pb_sync_periods_overlap (c->a_start, c->a_end, c->b_start, c->b_end), ==, c->overlap);
      /* It is symmetric. */
      g_assert_cmpint (pb_sync_periods_overlap (c->b_start, c->b_end, c->a_start, c->a_end), ==, c->overlap);
    }
}

/* SPEC P3, P5: the selection on its own, including positions without a
 * start date (never selected) and no array at all. */
static void
test_select_position (void)
{
  static const Period periods[] = {
    { 1, "2019-01-01", "2019-12-31" },
    { 2, NULL, OPEN },
    { 3, "2026-01-01", OPEN },
    { 4, "2025-09-01", "2025-12-31" },
    { 0 },
  };
  g_autoptr(GPtrArray) positions = make_records (PB_ENTITY_POSITION, periods, G_N_ELEMENTS (periods));
  PbRecord *selected;

  g_assert_null (pb_sync_select_position (NULL, TODAY, PB_SELECT_CURRENT_PAST_FUTURE));
  g_assert_null (pb_sync_select_position (positions, TODAY, PB_SELECT_CURRENT));

  selected = pb_sync_select_position (positions, TODAY, PB_SELECT_CURRENT_PAST_FUTURE);
  g_assert_nonnull (selected);
  g_assert_cmpint (pb_record_get_id (selected), ==, 1);

  /* On 2025-10-01, 4 runs. */
  selected = pb_sync_select_position (positions, "2025-10-01", PB_SELECT_CURRENT);
  g_assert_cmpint (pb_record_get_id (selected), ==, 4);

  g_ptr_array_remove_index (positions, 0);
  selected = pb_sync_select_position (positions, TODAY, PB_SELECT_CURRENT_PAST_FUTURE);
  g_assert_cmpint (pb_record_get_id (selected), ==, 4);
}

static void
test_decision_clear (void)
{
  static const Period no_start = { 5, NULL, OPEN };
  g_autoptr(PbRecord) position = make_record (PB_ENTITY_POSITION, &no_start, NULL);
  PbSyncDecision decision = { 0 };
  const PbSyncContext ctx = {
    .position_model = PB_POSITIONS_HISTORY,
    .today = TODAY,
    .system_name = SYSTEM,
  };

  pb_sync_decide_position (&ctx, position, NULL, NULL, &decision);
  g_assert_cmpint (decision.action, ==, PB_SYNC_REFUSE);
  g_assert_cmpint (decision.position_id, ==, 5);
  g_assert_nonnull (decision.reason);

  pb_sync_decision_clear (&decision);
  g_assert_null (decision.reason);
  g_assert_cmpint (decision.action, ==, PB_SYNC_NOTHING);
  g_assert_cmpint (decision.position_id, ==, 0);

  g_assert_cmpstr (pb_sync_action_to_string (PB_SYNC_CLEAR), ==, "clear");
  g_assert_cmpstr (pb_sync_action_to_string (PB_SYNC_REFUSE), ==, "refuse");
}

/* --- absence (SPEC A1-A5) --------------------------------------------------------- */

typedef struct
{
  const char   *name;
  gboolean      deleted;
  const char   *state;        /* HR state */
  const char   *end;          /* NULL: open-ended */
  const char   *mapped;       /* the payroll type its HR type maps to now */
  gboolean      excluded;
  gboolean      linked;
  const char   *linked_type;  /* the payroll type it was sent with */
  PbSyncAction  action;
  const char   *reason;       /* a substring of the reason, or NULL for none */
} AbsenceCase;

static const AbsenceCase absence_cases[] = {
  /* A1: approved, with an end date, mapped: sent */
  { "A1-approved-ended-mapped-created", FALSE, "approved", "2025-03-20", "SICK", FALSE, FALSE, NULL, PB_SYNC_CREATE, NULL },
  { "A1-pending-not-sent", FALSE, "pending", "2025-03-20", "SICK", FALSE, FALSE, NULL, PB_SYNC_NOTHING, NULL },
  { "A1-open-ended-not-sent", FALSE, "approved", NULL, "SICK", FALSE, FALSE, NULL, PB_SYNC_NOTHING, NULL },
  { "A1-rejected-not-sent", FALSE, "rejected", "2025-03-20", "SICK", FALSE, FALSE, NULL, PB_SYNC_NOTHING, NULL },
  /* A2: excluded is never sent; unmapped is refused (and rejected, A7) */
  { "A2-excluded-not-sent", FALSE, "approved", "2025-03-20", NULL, TRUE, FALSE, NULL, PB_SYNC_NOTHING, "Do not sync" },
  { "A2-unmapped-refused", FALSE, "approved", "2025-03-20", NULL, FALSE, FALSE, NULL, PB_SYNC_REFUSE, "not mapped" },
  { "A2-unmapped-pending-nothing", FALSE, "pending", "2025-03-20", NULL, FALSE, FALSE, NULL, PB_SYNC_NOTHING, NULL },
  /* A3: a sent one is updated */
  { "A3-linked-updated", FALSE, "approved", "2025-03-21", "SICK", FALSE, TRUE, "SICK", PB_SYNC_UPDATE, NULL },
  { "A3-linked-type-unknown-updated", FALSE, "approved", "2025-03-21", "SICK", FALSE, TRUE, NULL, PB_SYNC_UPDATE, NULL },
  /* A4: deleted, unapproved, end date removed */
  { "A4-deleted", TRUE, NULL, NULL, "SICK", FALSE, TRUE, "SICK", PB_SYNC_DELETE, NULL },
  { "A4-deleted-never-sent", TRUE, NULL, NULL, "SICK", FALSE, FALSE, NULL, PB_SYNC_NOTHING, NULL },
  { "A4-unapproved", FALSE, "unapproved", "2025-03-20", "SICK", FALSE, TRUE, "SICK", PB_SYNC_DELETE, NULL },
  { "A4-rejected-after-sent", FALSE, "rejected", "2025-03-20", "SICK", FALSE, TRUE, "SICK", PB_SYNC_DELETE, NULL },
  { "A4-end-date-removed", FALSE, "approved", NULL, "SICK", FALSE, TRUE, "SICK", PB_SYNC_DELETE, NULL },
  /* A5: the mapping changed after it was sent: no more updates, nor deletes */
  { "A5-remapped-no-update", FALSE, "approved", "2025-03-21", "VAC", FALSE, TRUE, "SICK", PB_SYNC_NOTHING, "correct it by hand" },
  { "A5-remapped-no-delete", TRUE, NULL, NULL, "VAC", FALSE, TRUE, "SICK", PB_SYNC_NOTHING, "no more updates" },
  { "A5-excluded-after-sent", FALSE, "approved", "2025-03-21", NULL, TRUE, TRUE, "SICK", PB_SYNC_NOTHING, "changed" },
  { "A5-unmapped-after-sent", FALSE, "approved", "2025-03-21", NULL, FALSE, TRUE, "SICK", PB_SYNC_NOTHING, "changed" },
};

static void
test_absence_case (gconstpointer data)
{
  const AbsenceCase *c = data;
  PbSyncContext ctx = { .today = TODAY, .system_name = SYSTEM };
  g_autoptr(PbRecord) absence = NULL;
  g_auto(PbSyncDecision) decision = { 0 };

  if (!c->deleted)
    {
      absence = pb_record_new (PB_ENTITY_ABSENCE);
      pb_record_set_id (absence, 3);
      pb_record_set (absence, PB_ABSENCE_START_DATE, "2025-03-17");
      pb_record_set (absence, PB_ABSENCE_END_DATE, c->end);
      pb_record_set (absence, PB_ABSENCE_STATE, c->state);
    }

  pb_sync_decide_absence (&ctx, absence, "Sick leave", c->mapped, c->excluded, c->linked, c->linked_type, &decision);
  g_assert_cmpstr (pb_sync_action_to_string (decision.action), ==, pb_sync_action_to_string (c->action));
  if (c->reason != NULL)
    {
      g_assert_nonnull (decision.reason);
      g_assert_nonnull (strstr (decision.reason, c->reason));
    }
  else
    g_assert_null (decision.reason);

  /* Issue 11: only an unmapped type's refusal has its fix outside the HR
   * register, and its advice says where. */
  if (c->action == PB_SYNC_REFUSE && c->mapped == NULL)
    {
      g_assert_nonnull (decision.advice);
      g_assert_nonnull (strstr (decision.advice, "Mappings"));
      g_assert_nonnull (strstr (decision.advice, "resend"));
    }
  else
    g_assert_null (decision.advice);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (position_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sync-rules/position/%s", position_cases[i].name);

      g_test_add_data_func (path, &position_cases[i], test_position_case);
    }
  for (guint i = 0; i < G_N_ELEMENTS (salary_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sync-rules/salary/%s", salary_cases[i].name);

      g_test_add_data_func (path, &salary_cases[i], test_salary_case);
    }
  for (guint i = 0; i < G_N_ELEMENTS (absence_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sync-rules/absence/%s", absence_cases[i].name);

      g_test_add_data_func (path, &absence_cases[i], test_absence_case);
    }
  g_test_add_func ("/sync-rules/periods-overlap", test_periods_overlap);
  g_test_add_func ("/sync-rules/select-position", test_select_position);
  g_test_add_func ("/sync-rules/decision-clear", test_decision_clear);

  return g_test_run ();
}
