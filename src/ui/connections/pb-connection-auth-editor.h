/* pb-connection-auth-editor.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-connection.h"
#include "pb-provider.h"
#include "pb-store.h"

G_BEGIN_DECLS

typedef enum
{
  PB_AUTH_EDITOR_UNCHECKED,   /* nothing checked since the last change */
  PB_AUTH_EDITOR_CHECKING,    /* asking the payroll system */
  PB_AUTH_EDITOR_VERIFIED,    /* the payroll company answered */
  PB_AUTH_EDITOR_FAILED,      /* refused, unreachable, no keyring... */
  PB_AUTH_EDITOR_SIGNING_IN,  /* OAuth2: waiting for the browser */
} PbAuthEditorState;

#define PB_TYPE_CONNECTION_AUTH_EDITOR (pb_connection_auth_editor_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionAuthEditor, pb_connection_auth_editor, PB, CONNECTION_AUTH_EDITOR, GtkWidget)

void               pb_connection_auth_editor_set_class      (PbConnectionAuthEditor  *self,
                                                             PbProviderClass         *klass);
void               pb_connection_auth_editor_set_connection (PbConnectionAuthEditor  *self,
                                                             PbConnection            *connection);
PbAuthEditorState  pb_connection_auth_editor_get_state      (PbConnectionAuthEditor  *self);
gboolean           pb_connection_auth_editor_get_busy       (PbConnectionAuthEditor  *self);
gboolean           pb_connection_auth_editor_get_complete   (PbConnectionAuthEditor  *self);
gboolean           pb_connection_auth_editor_has_new_secrets(PbConnectionAuthEditor  *self);
GHashTable        *pb_connection_auth_editor_dup_secrets    (PbConnectionAuthEditor  *self);
void               pb_connection_auth_editor_apply          (PbConnectionAuthEditor  *self,
                                                             PbConnection            *connection);
void               pb_connection_auth_editor_check          (PbConnectionAuthEditor  *self);
void               pb_connection_auth_editor_cancel         (PbConnectionAuthEditor  *self);
const char        *pb_connection_auth_editor_get_company    (PbConnectionAuthEditor  *self);
const char        *pb_connection_auth_editor_get_currency   (PbConnectionAuthEditor  *self);
const char        *pb_connection_auth_editor_get_org_number (PbConnectionAuthEditor  *self);
const char        *pb_connection_auth_editor_get_result     (PbConnectionAuthEditor  *self);
void               pb_connection_auth_editor_show_error     (PbConnectionAuthEditor  *self,
                                                             const GError            *error);
void               pb_connection_auth_editor_show_notice    (PbConnectionAuthEditor  *self,
                                                             const char              *heading,
                                                             const char              *message);
void               pb_connection_auth_editor_set_secret     (PbConnectionAuthEditor  *self,
                                                             const char              *kind,
                                                             const char              *value);
void               pb_connection_auth_editor_set_base_url   (PbConnectionAuthEditor  *self,
                                                             const char              *url);
void               pb_connection_auth_editor_focus          (PbConnectionAuthEditor  *self);
void               pb_connection_auth_editor_set_store      (PbConnectionAuthEditor  *self,
                                                             PbStore                 *store);
void               pb_connection_auth_editor_sign_in_with   (PbConnectionAuthEditor  *self,
                                                             PbConnection            *connection);
void               pb_connection_auth_editor_abort_sign_in  (PbConnectionAuthEditor  *self,
                                                             const GError            *error);
gboolean           pb_connection_auth_editor_get_signed_in  (PbConnectionAuthEditor  *self);

G_END_DECLS
