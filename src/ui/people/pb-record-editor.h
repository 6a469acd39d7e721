/* pb-record-editor.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-field-editor.h"
#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_RECORD_EDITOR (pb_record_editor_get_type ())

G_DECLARE_FINAL_TYPE (PbRecordEditor, pb_record_editor, PB, RECORD_EDITOR, AdwWindow)

/* Writes @record (the editor closes when it returns TRUE). */
typedef gboolean (*PbRecordEditorSaveFunc) (PbRecordEditor  *editor,
                                            PbRecord        *record,
                                            gpointer         user_data,
                                            GError         **error);

PbRecordEditor *pb_record_editor_new         (PbStore                *store,
                                              PbRecord               *employee,
                                              PbRecord               *record,
                                              PbRecordEditorSaveFunc  save_func,
                                              gpointer                user_data);
PbFieldEditor  *pb_record_editor_get_fields  (PbRecordEditor         *self);
const char     *pb_record_editor_get_problem (PbRecordEditor         *self);
gboolean        pb_record_editor_can_save    (PbRecordEditor         *self);
gboolean        pb_record_editor_save        (PbRecordEditor         *self);

G_END_DECLS
