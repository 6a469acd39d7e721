/* pb-sync-rules.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pb-record.h"

G_BEGIN_DECLS

/* The position (SPEC P1-P5) and salary (SPEC S1-S6) sync rules as pure
 * decisions: given what a connector can do and the employee's HR records
 * now, what to send for one changed record. No I/O, no store, no network:
 * the engine reads the records and the links, asks here, and sends. */

typedef enum
{
  PB_POSITIONS_HISTORY,   /* every period is its own record (SPEC P2) */
  PB_POSITIONS_FLAT,      /* only the current position (SPEC P3) */
} PbPositionModel;

typedef enum
{
  PB_SALARY_DELETE_REMOVES,       /* the record is deleted */
  PB_SALARY_DELETE_CLEARS_VALUES, /* the values are cleared, the record kept (SPEC S2) */
} PbSalaryDelete;

typedef enum
{
  PB_SYNC_NOTHING,   /* nothing to send; the reason may say why */
  PB_SYNC_CREATE,
  PB_SYNC_UPDATE,
  PB_SYNC_DELETE,
  PB_SYNC_CLEAR,     /* SPEC S2: keep the payroll record, clear its values */
  PB_SYNC_REFUSE,    /* not sent; the reason names the record, the field or the
                      * clashing periods, and what to do */
} PbSyncAction;

/* Flat model: which HR position is "the" position. */
typedef enum
{
  PB_SELECT_CURRENT,               /* SPEC P3: the current one only */
  PB_SELECT_CURRENT_PAST_FUTURE,   /* SPEC P5: else the latest past one, else the next future one */
} PbPositionSelect;

typedef struct
{
  PbPositionModel   position_model;
  gboolean          can_delete_positions;
  PbSalaryDelete    salary_delete;
  PbPositionSelect  position_select;     /* flat model: which one is "the" position (P3; P5 for Visma) */
  gboolean          positions_active;    /* position sync is activated on the connection (S6) */
  const char       *payroll_currency;    /* (nullable): ISO 4217 of the payroll company (S4) */
  const char       *today;               /* YYYY-MM-DD */
  const char       *system_name;         /* "Tripletex", for messages */
  const PbFieldRef *required_fields;     /* P4: (nullable) terminated by { PB_N_ENTITIES }; the
                                          * PB_ENTITY_POSITION and PB_ENTITY_SALARY entries apply */
} PbSyncContext;

typedef struct
{
  PbSyncAction  action;
  char         *reason;          /* (owned) (nullable): translated; always set for REFUSE;
                                  * for NOTHING, CREATE and CLEAR when payroll keeps something
                                  * the administrator may have to remove by hand */
  char         *advice;          /* (owned) (nullable): REFUSE whose fix is not in the HR
                                  * register (an unmapped absence type): what to do */
  gint64        position_id;     /* salary: the HR position it falls in (S6); flat model: the
                                  * selected position; history model: the position itself */
  gboolean      delete_previous; /* history model, CREATE of a linked position whose start date
                                  * changed (P2): also delete the period it was linked to */
} PbSyncDecision;

const char *pb_sync_action_to_string  (PbSyncAction         action);

void        pb_sync_decision_clear    (PbSyncDecision      *decision);

PbRecord   *pb_sync_select_position   (GPtrArray           *positions,
                                       const char          *today,
                                       PbPositionSelect     select);

gboolean    pb_sync_periods_overlap   (const char          *start_a,
                                       const char          *end_a,
                                       const char          *start_b,
                                       const char          *end_b);

void        pb_sync_decide_position   (const PbSyncContext *ctx,
                                       PbRecord            *position,
                                       const char          *linked_start,
                                       GPtrArray           *positions,
                                       PbSyncDecision      *out);

void        pb_sync_decide_salary     (const PbSyncContext *ctx,
                                       PbRecord            *salary,
                                       gboolean             linked,
                                       GPtrArray           *salaries,
                                       GPtrArray           *positions,
                                       PbSyncDecision      *out);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PbSyncDecision, pb_sync_decision_clear)

void        pb_sync_decide_absence    (const PbSyncContext *ctx,
                                       PbRecord            *absence,
                                       const char          *type_name,
                                       const char          *mapped_type,
                                       gboolean             excluded,
                                       gboolean             linked,
                                       const char          *linked_type,
                                       PbSyncDecision      *out);

G_END_DECLS
