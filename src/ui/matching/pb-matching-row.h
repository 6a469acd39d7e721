/* pb-matching-row.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pb-matching-entry.h"

G_BEGIN_DECLS

#define PB_TYPE_MATCHING_ROW (pb_matching_row_get_type ())

G_DECLARE_FINAL_TYPE (PbMatchingRow, pb_matching_row, PB, MATCHING_ROW, GtkWidget)

GtkWidget       *pb_matching_row_new       (void);
PbMatchingEntry *pb_matching_row_get_entry (PbMatchingRow   *self);
void             pb_matching_row_set_entry (PbMatchingRow   *self,
                                            PbMatchingEntry *entry);
GtkDropDown     *pb_matching_row_get_choice (PbMatchingRow  *self);
GtkMenuButton   *pb_matching_row_get_pair_button   (PbMatchingRow *self);
void             pb_matching_row_set_compact       (PbMatchingRow *self,
                                                    gboolean       compact);
GtkButton       *pb_matching_row_get_unpair_button (PbMatchingRow *self);

G_END_DECLS
