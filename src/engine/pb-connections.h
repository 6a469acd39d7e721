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

/* The data types the sync engine sends. A connector may support more (its
 * `data_types`), but a type is offered, and claimed anywhere in the UI or
 * the CLI, only when the engine sends it too. Widen this when the engine
 * learns a type. */
#define PB_ENGINE_SENDS (PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_ABSENCE | PB_DATA_SALARY)

#define PB_CONNECTIONS_ERROR (pb_connections_error_quark ())

typedef enum
{
  /* No scope was given, the payroll company matches no company of the
   * register, and the register has more than one: sending everyone would
   * send other companies' staff (SPEC C1). */
  PB_CONNECTIONS_ERROR_SCOPE_UNCLEAR,
} PbConnectionsError;

typedef enum
{
  PB_CONNECTIONS_ADD_NONE          = 0,
  /* Check the credentials with the payroll system before saving. */
  PB_CONNECTIONS_ADD_VERIFY        = 1 << 0,
  /* The connection has no scope chosen: take the register's company that
   * matches the payroll company (pb_connections_default_scope()). */
  PB_CONNECTIONS_ADD_DEFAULT_SCOPE = 1 << 1,
} PbConnectionsAddFlags;

GQuark           pb_connections_error_quark      (void);

PbProviderClass *pb_connections_ref_class        (const char           *system);
GPtrArray       *pb_connections_list_classes     (void);
gboolean         pb_connections_check_sync       (PbProviderClass      *klass,
                                                  PbDataTypes           types,
                                                  GError              **error);
PbDataTypes      pb_connections_offered_types    (PbProviderClass      *klass);
gboolean         pb_connections_check_offered    (PbProviderClass      *klass,
                                                  PbDataTypes           types,
                                                  GError              **error);

PbRecord        *pb_connections_match_company    (PbStore              *store,
                                                  const char           *name,
                                                  const char           *org_number,
                                                  GError              **error);
gboolean         pb_connections_default_scope    (PbStore              *store,
                                                  PbConnection         *connection,
                                                  const PbRemoteCompany *company,
                                                  GError              **error);

void             pb_connections_verify_async     (PbConnection         *connection,
                                                  GHashTable           *secrets,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
PbRemoteCompany *pb_connections_verify_finish    (GAsyncResult         *result,
                                                  GError              **error);
void             pb_connections_list_companies_async  (PbConnection    *connection,
                                                       GCancellable    *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer         user_data);
GPtrArray       *pb_connections_list_companies_finish (GAsyncResult    *result,
                                                       GError         **error);

void             pb_connections_add_async        (PbStore              *store,
                                                  PbConnection         *connection,
                                                  GHashTable           *secrets,
                                                  PbConnectionsAddFlags flags,
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
