/* pb-connection-sync-editor.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-provider.h"

G_BEGIN_DECLS

#define PB_TYPE_CONNECTION_SYNC_EDITOR (pb_connection_sync_editor_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionSyncEditor, pb_connection_sync_editor, PB, CONNECTION_SYNC_EDITOR, GtkWidget)

void         pb_connection_sync_editor_set_class       (PbConnectionSyncEditor *self,
                                                        PbProviderClass        *klass);
PbDataTypes  pb_connection_sync_editor_get_types       (PbConnectionSyncEditor *self);
void         pb_connection_sync_editor_set_types       (PbConnectionSyncEditor *self,
                                                        PbDataTypes             types);
void         pb_connection_sync_editor_set_saved_types (PbConnectionSyncEditor *self,
                                                        PbDataTypes             types);
const char  *pb_connection_sync_editor_get_note        (PbConnectionSyncEditor *self);
GtkSwitch   *pb_connection_sync_editor_get_switch      (PbConnectionSyncEditor *self,
                                                        PbDataTypes             type);

G_END_DECLS
