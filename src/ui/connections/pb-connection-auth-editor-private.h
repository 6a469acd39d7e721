/* pb-connection-auth-editor-private.h: the OAuth2 sign-in seam
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-connection-auth-editor.h"

G_BEGIN_DECLS

/* Starts signing in to @connection's payroll system (OAuth2): calls
 * pb_connection_auth_editor_sign_in_uri() once the authorization URL is
 * known (the waiting page's "Copy Link"), then, once,
 * pb_connection_auth_editor_sign_in_finish(). @cancellable is cancelled by
 * the waiting page's Cancel, and identifies the attempt. The default is
 * the editor's oauth2_sign_in() (PbOAuth2 through
 * pb_connections_authorize_async()); tests put a stand-in here. */
typedef void (*PbSignInFunc) (PbConnectionAuthEditor *self,
                              PbStore                *store,
                              PbConnection           *connection,
                              GCancellable           *cancellable);

void        pb_connection_auth_editor_set_sign_in_func (PbSignInFunc            func);
void        pb_connection_auth_editor_sign_in_uri      (PbConnectionAuthEditor *self,
                                                        GCancellable           *cancellable,
                                                        const char             *uri);
void        pb_connection_auth_editor_sign_in_finish   (PbConnectionAuthEditor *self,
                                                        GCancellable           *cancellable,
                                                        const GError           *error);
const char *pb_connection_auth_editor_get_sign_in_uri  (PbConnectionAuthEditor *self);

G_END_DECLS
