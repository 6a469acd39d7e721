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
  char        *outcome;         /* (nullable) what applying did */
} PbPlanItem;

typedef struct
{
  gint64     id;
  gint64     connection_id;
  char      *created_at;
  char      *applied_at;        /* (nullable) */
  GPtrArray *items;             /* (element-type PbPlanItem) */
} PbUserPlan;

const char *pb_decision_to_string        (PbDecision     decision);
gboolean    pb_decision_from_string      (const char    *text,
                                          PbDecision    *decision);
const char *pb_match_kind_to_string      (PbMatchKind    kind);

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
gboolean    pb_store_update_plan_item    (PbStore       *store,
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
gint64      pb_store_count_links         (PbStore       *store,
                                          gint64         connection_id,
                                          PbEntity       entity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbUserPlan, pb_user_plan_free)

G_END_DECLS
