/* pb-user-sync.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-connection.h"
#include "pb-provider.h"
#include "pb-user-plan.h"

G_BEGIN_DECLS

/* One-click user sync (SPEC U1-U6, U9-U11): read both sides and plan
 * (stored, reviewable offline), take decisions, apply them, report. */

#define PB_USER_SYNC_ERROR (pb_user_sync_error_quark ())

typedef enum
{
  PB_USER_SYNC_ERROR_STALE,   /* payroll changed under a decision: plan again */
  PB_USER_SYNC_ERROR_PAIR,    /* these two people cannot be paired (or unpaired) */
} PbUserSyncError;

/* Called after each person applied: @done of @total have an outcome. */
typedef void (*PbUserSyncProgress) (guint    done,
                                    guint    total,
                                    gpointer user_data);

typedef struct
{
  guint linked;
  guint payroll_updated;
  guint hr_updated;
  guint created_in_payroll;
  guint created_in_hr;
  guint left;
  guint skipped;     /* locked, ambiguous, missing required fields, undecided */
  guint failed;      /* U11: the others went on */
  gboolean activated; /* U6: this sync activated the connection */
} PbUserSyncReport;

GQuark      pb_user_sync_error_quark     (void);

GPtrArray  *pb_user_sync_people_in_scope (PbStore             *store,
                                          PbConnection        *connection,
                                          GError             **error);

void        pb_user_sync_plan_async      (PbStore             *store,
                                          PbConnection        *connection,
                                          PbProvider          *provider,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
PbUserPlan *pb_user_sync_plan_finish     (GAsyncResult        *result,
                                          GError             **error);

guint       pb_user_sync_decide_defaults (PbUserPlan          *plan,
                                          PbDecision           prefer,
                                          gboolean             create_in_payroll,
                                          gboolean             create_in_hr);

gboolean    pb_user_sync_pair            (PbStore             *store,
                                          PbConnection        *connection,
                                          PbUserPlan          *plan,
                                          PbPlanItem          *hr_item,
                                          PbPlanItem          *payroll_item,
                                          GError             **error);
gboolean    pb_user_sync_unpair          (PbStore             *store,
                                          PbConnection        *connection,
                                          PbUserPlan          *plan,
                                          PbPlanItem          *item,
                                          GError             **error);

void        pb_user_sync_apply_async     (PbStore             *store,
                                          PbConnection        *connection,
                                          PbProvider          *provider,
                                          PbUserPlan          *plan,
                                          PbUserSyncProgress   progress,
                                          gpointer             progress_data,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean    pb_user_sync_apply_finish    (GAsyncResult        *result,
                                          PbUserSyncReport    *report,
                                          GError             **error);

G_END_DECLS
