/* pb-connections.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-connection.h"
#include "pb-oauth2.h"
#include "pb-provider.h"
#include "pb-store.h"

G_BEGIN_DECLS

/* What the app and the CLI do with connections, written once: set-up with
 * verification, the keyring, settings, removal (SPEC C1-C6). */

PbProviderClass *pb_connections_ref_class        (const char           *system);
GPtrArray       *pb_connections_list_classes     (void);
gboolean         pb_connections_check_sync       (PbProviderClass      *klass,
                                                  PbDataTypes           types,
                                                  GError              **error);

void             pb_connections_verify_async     (PbConnection         *connection,
                                                  GHashTable           *secrets,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
PbRemoteCompany *pb_connections_verify_finish    (GAsyncResult         *result,
                                                  GError              **error);

void             pb_connections_add_async        (PbStore              *store,
                                                  PbConnection         *connection,
                                                  GHashTable           *secrets,
                                                  gboolean              verify,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean         pb_connections_add_finish       (GAsyncResult         *result,
                                                  GError              **error);

void             pb_connections_open_async       (PbConnection         *connection,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
PbProvider      *pb_connections_open_finish      (GAsyncResult         *result,
                                                  GError              **error);

PbOAuth2        *pb_connections_make_oauth2      (PbConnection         *connection,
                                                  GError              **error);
void             pb_connections_authorize_async  (PbStore              *store,
                                                  PbConnection         *connection,
                                                  gboolean              open_browser,
                                                  PbOAuth2UriFunc       show_uri,
                                                  gpointer              show_uri_data,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean         pb_connections_authorize_finish (GAsyncResult         *result,
                                                  GError              **error);

gboolean         pb_connections_save_settings    (PbStore              *store,
                                                  PbConnection         *connection,
                                                  GError              **error);

void             pb_connections_remove_async     (PbStore              *store,
                                                  PbConnection         *connection,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean         pb_connections_remove_finish    (GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
