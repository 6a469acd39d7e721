/* pb-matching-window.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-connection.h"
#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_MATCHING_WINDOW (pb_matching_window_get_type ())

G_DECLARE_FINAL_TYPE (PbMatchingWindow, pb_matching_window, PB, MATCHING_WINDOW, AdwWindow)

PbMatchingWindow *pb_matching_window_new         (GtkWindow        *parent,
                                                  PbStore          *store,
                                                  PbConnection     *connection);
void              pb_matching_window_show_report (PbMatchingWindow *self,
                                                  gint64            plan_id);

void              pb_matching_window_set_paused  (PbMatchingWindow *self,
                                                  gboolean          paused);

G_END_DECLS
