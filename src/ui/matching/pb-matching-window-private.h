/* pb-matching-window-private.h: what the tests look at and drive
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-matching-entry.h"
#include "pb-matching-window.h"
#include "pb-provider.h"
#include "pb-user-plan.h"

G_BEGIN_DECLS

GArray     *pb_matching_window_pair_candidates (PbMatchingWindow *self,
                                                guint             hr_position);
void        pb_matching_window_set_provider  (PbMatchingWindow  *self,
                                              PbProvider        *provider);
const char *pb_matching_window_get_state     (PbMatchingWindow  *self);
GListModel *pb_matching_window_get_section   (PbMatchingWindow  *self,
                                              PbMatchingSection  section);
const char *pb_matching_window_get_summary   (PbMatchingWindow  *self);
const char *pb_matching_window_get_notice    (PbMatchingWindow  *self);
PbUserPlan *pb_matching_window_get_plan      (PbMatchingWindow  *self);
const char *pb_matching_window_get_report_title (PbMatchingWindow *self);
const char *pb_matching_window_get_last_notification (PbMatchingWindow *self);
char       *pb_matching_window_dup_report_csv (PbMatchingWindow *self);

G_END_DECLS
