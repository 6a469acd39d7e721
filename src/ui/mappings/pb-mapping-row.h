/* pb-mapping-row.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-mapping.h"

G_BEGIN_DECLS

#define PB_TYPE_MAPPING_ROW (pb_mapping_row_get_type ())

G_DECLARE_FINAL_TYPE (PbMappingRow, pb_mapping_row, PB, MAPPING_ROW, AdwComboRow)

GtkWidget              *pb_mapping_row_new                 (void);
void                    pb_mapping_row_update              (PbMappingRow           *self,
                                                            const PbAbsenceMapping *mapping,
                                                            GPtrArray              *remote_types);
void                    pb_mapping_row_reset               (PbMappingRow           *self);
const PbAbsenceMapping *pb_mapping_row_get_mapping         (PbMappingRow           *self);
guint                   pb_mapping_row_find_item           (PbMappingRow           *self,
                                                            PbMappingState          state,
                                                            const char             *remote_type);

G_END_DECLS
