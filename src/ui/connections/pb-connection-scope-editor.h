/* pb-connection-scope-editor.h
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

#define PB_TYPE_CONNECTION_SCOPE_EDITOR (pb_connection_scope_editor_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionScopeEditor, pb_connection_scope_editor, PB, CONNECTION_SCOPE_EDITOR, GtkWidget)

void        pb_connection_scope_editor_set_store      (PbConnectionScopeEditor *self,
                                                       PbStore                 *store);
void        pb_connection_scope_editor_set_connection (PbConnectionScopeEditor *self,
                                                       PbConnection            *connection);
void        pb_connection_scope_editor_set_name       (PbConnectionScopeEditor *self,
                                                       const char              *name);
char       *pb_connection_scope_editor_dup_name       (PbConnectionScopeEditor *self);
gboolean    pb_connection_scope_editor_select_scope   (PbConnectionScopeEditor *self,
                                                       PbScopeKind              kind,
                                                       const char              *key);
gboolean    pb_connection_scope_editor_get_valid      (PbConnectionScopeEditor *self);
void        pb_connection_scope_editor_apply          (PbConnectionScopeEditor *self,
                                                       PbConnection            *connection);
void        pb_connection_scope_editor_set_payroll_company (PbConnectionScopeEditor *self,
                                                            const char              *name);
gboolean    pb_connection_scope_editor_preselect      (PbConnectionScopeEditor *self,
                                                       const char              *name,
                                                       const char              *org_number);
void        pb_connection_scope_editor_focus          (PbConnectionScopeEditor *self);

G_END_DECLS
