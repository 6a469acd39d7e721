/* pb-field-editor.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_FIELD_EDITOR (pb_field_editor_get_type ())

G_DECLARE_FINAL_TYPE (PbFieldEditor, pb_field_editor, PB, FIELD_EDITOR, GObject)

PbFieldEditor *pb_field_editor_new         (PbStore       *store,
                                            PbEntity       entity);
void           pb_field_editor_set_store   (PbFieldEditor *self,
                                            PbStore       *store);
void           pb_field_editor_add         (PbFieldEditor *self,
                                            GtkWidget     *container,
                                            guint          field,
                                            const char    *title);
void           pb_field_editor_load        (PbFieldEditor *self,
                                            PbRecord      *record);
PbRecord      *pb_field_editor_dup_record  (PbFieldEditor *self);
PbRecord      *pb_field_editor_get_original (PbFieldEditor *self);
gboolean       pb_field_editor_is_valid    (PbFieldEditor *self);
gboolean       pb_field_editor_is_changed  (PbFieldEditor *self);
GtkWidget     *pb_field_editor_get_row     (PbFieldEditor *self,
                                            guint          field);
const char    *pb_field_editor_get_message (PbFieldEditor *self,
                                            guint          field);
void           pb_field_editor_set_problem (PbFieldEditor *self,
                                            guint          field,
                                            const char    *message);
gboolean       pb_field_editor_set_text    (PbFieldEditor *self,
                                            guint          field,
                                            const char    *text);

G_END_DECLS
