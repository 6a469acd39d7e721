/* pb-user-plan.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-matcher.h"
#include "pb-store.h"

G_BEGIN_DECLS

/* A user-sync plan as stored for offline review: per person what the
 * matcher found, the payroll side as it was read, the administrator's
 * decision and, once applied, the outcome. */

typedef enum
{
  PB_DECISION_NONE,
  PB_DECISION_PREFER_HR,          /* matched: overwrite payroll with HR (U3) */
  PB_DECISION_PREFER_PAYROLL,     /* matched: overwrite HR with payroll (U3) */
  PB_DECISION_CREATE_IN_PAYROLL,  /* HR only (U4) */
  PB_DECISION_CREATE_IN_HR,       /* payroll only (U4, U10) */
  PB_DECISION_LEAVE,              /* one side only: leave it */
  PB_DECISION_LINK,               /* matched without differences: just link */
} PbDecision;

/* What applying did to a person (SPEC U5). Stored as text, "name" or
 * "name: detail", so the CLI and the report read the same words. */
typedef enum
{
  PB_OUTCOME_NONE,                /* not applied (yet) */
  PB_OUTCOME_LINKED,
  PB_OUTCOME_PAYROLL_UPDATED,
  PB_OUTCOME_HR_UPDATED,
  PB_OUTCOME_CREATED_IN_PAYROLL,
  PB_OUTCOME_CREATED_IN_HR,
  PB_OUTCOME_LEFT,
  PB_OUTCOME_SKIPPED,             /* locked, ambiguous, missing fields, undecided */
  PB_OUTCOME_FAILED,              /* U11: the others went on */
  PB_N_OUTCOMES
} PbOutcome;

/* A person appeared in or vanished from payroll since the previous plan. */
#define PB_PLAN_CHANGED_PERSON (1u << 31)

typedef struct
{
  guint        position;
  PbMatchKind  kind;
  PbAmbiguity  ambiguity;
  gint64       employee_id;     /* 0: none */
  char        *remote_id;       /* (nullable) */
  gint64       remote_version;
  PbRecord    *payroll;         /* (nullable) the payroll person as read */
  guint32      differing;
  guint32      missing;
  PbDecision   decision;
  char        *outcome;         /* (nullable) what applying did: see PbOutcome */
  guint32      changed;         /* payroll fields changed since the previous plan,
                                 * or PB_PLAN_CHANGED_PERSON */
  gboolean     paired;          /* half of a manual pair: the HR item (kind
                                 * matched, holding the payroll person) or
                                 * the payroll item absorbed into it */
} PbPlanItem;

/* A candidate to pair an HR-only person with, and why it is suggested. */
typedef struct
{
  PbPlanItem  *item;            /* (unowned) a payroll-only item of the plan */
  PbPairReason reasons;
} PbPairCandidate;

typedef struct
{
  gint64     id;
  gint64     connection_id;
  char      *created_at;
  char      *applied_at;        /* (nullable) */
  GPtrArray *items;             /* (element-type PbPlanItem) */
  GHashTable *people;           /* (nullable) gint64 id -> PbRecord: the HR
                                 * people a plan just made was made from
                                 * (not stored), so showing it need not read
                                 * the register again */
} PbUserPlan;

const char *pb_decision_to_string        (PbDecision     decision);
gboolean    pb_decision_from_string      (const char    *text,
                                          PbDecision    *decision);
const char *pb_match_kind_to_string      (PbMatchKind    kind);

PbOutcome   pb_plan_item_get_outcome     (const PbPlanItem *item);
const char *pb_plan_item_get_outcome_detail (const PbPlanItem *item);
void        pb_plan_item_set_outcome     (PbPlanItem    *item,
                                          PbOutcome      outcome,
                                          const char    *detail);
const char *pb_outcome_to_string         (PbOutcome      outcome);
gboolean    pb_plan_item_is_done         (const PbPlanItem *item);
gboolean    pb_plan_item_is_blocked      (const PbPlanItem *item);
gboolean    pb_plan_item_is_absorbed     (const PbPlanItem *item);
PbPlanItem *pb_user_plan_find_partner    (PbUserPlan    *plan,
                                          PbPlanItem    *item);
GArray     *pb_user_plan_pair_candidates (PbUserPlan    *plan,
                                          PbRecord      *hr);

/* The suggested candidates of many HR-only people at once, by index. */
typedef struct _PbPairIndex PbPairIndex;

PbPairIndex *pb_pair_index_new           (PbUserPlan    *plan);
GArray      *pb_pair_index_suggest       (PbPairIndex   *index,
                                          PbRecord      *hr);
void         pb_pair_index_free          (PbPairIndex   *index);
void        pb_user_plan_count_outcomes  (PbUserPlan    *plan,
                                          guint          counts[PB_N_OUTCOMES]);
char       *pb_user_plan_to_csv          (PbStore       *store,
                                          PbUserPlan    *plan);

PbUserPlan *pb_user_plan_new             (gint64         connection_id);
void        pb_user_plan_free            (PbUserPlan    *plan);
PbPlanItem *pb_plan_item_new             (void);
void        pb_plan_item_free            (PbPlanItem    *item);

gboolean    pb_store_save_plan           (PbStore       *store,
                                          PbUserPlan    *plan,
                                          GError       **error);
PbUserPlan *pb_store_load_last_plan      (PbStore       *store,
                                          gint64         connection_id,
                                          GError       **error);
PbUserPlan *pb_store_load_plan           (PbStore       *store,
                                          gint64         connection_id,
                                          gint64         plan_id,
                                          GError       **error);
GPtrArray  *pb_store_list_reports        (PbStore       *store,
                                          gint64         connection_id,
                                          GError       **error);
gboolean    pb_store_update_plan_item    (PbStore       *store,
                                          PbUserPlan    *plan,
                                          PbPlanItem    *item,
                                          GError       **error);
gboolean    pb_store_update_plan_pair    (PbStore       *store,
                                          PbUserPlan    *plan,
                                          PbPlanItem    *item,
                                          GError       **error);
gboolean    pb_store_mark_plan_applied   (PbStore       *store,
                                          PbUserPlan    *plan,
                                          GError       **error);

gboolean    pb_store_link                (PbStore       *store,
                                          gint64         connection_id,
                                          PbEntity       entity,
                                          gint64         record_id,
                                          const char    *remote_id,
                                          gint64         remote_version,
                                          GError       **error);
char       *pb_store_find_link           (PbStore       *store,
                                          gint64         connection_id,
                                          PbEntity       entity,
                                          gint64         record_id);
char       *pb_store_find_link_versioned (PbStore       *store,
                                          gint64         connection_id,
                                          PbEntity       entity,
                                          gint64         record_id,
                                          gint64        *version);
gboolean     pb_store_set_link_key       (PbStore      *store,
                                          gint64        connection_id,
                                          PbEntity      entity,
                                          gint64        record_id,
                                          const char   *remote_key,
                                          GError      **error);
char        *pb_store_find_link_key      (PbStore      *store,
                                          gint64        connection_id,
                                          PbEntity      entity,
                                          gint64        record_id,
                                          char        **remote_key);
gboolean     pb_store_unlink             (PbStore      *store,
                                          gint64        connection_id,
                                          PbEntity      entity,
                                          gint64        record_id,
                                          GError      **error);
gint64      pb_store_count_links         (PbStore       *store,
                                          gint64         connection_id,
                                          PbEntity       entity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbUserPlan, pb_user_plan_free)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbPairIndex, pb_pair_index_free)

G_END_DECLS
