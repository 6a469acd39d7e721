/* pb-connection-format.h: how the UI words connections
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-connection.h"
#include "pb-provider.h"
#include "pb-store.h"

G_BEGIN_DECLS

const char *pb_connection_format_state          (PbConnectionState  state);
const char *pb_connection_format_state_style    (PbConnectionState  state);
const char *pb_connection_format_data_type      (PbDataTypes        type);
char       *pb_connection_format_data_types     (PbDataTypes        types);
char       *pb_connection_format_data_types_in_sentence (PbDataTypes types);
char       *pb_connection_format_capabilities   (PbProviderClass   *klass);
char       *pb_connection_format_scope          (PbConnection      *connection,
                                                 PbStore           *store);
char       *pb_connection_format_secret_kind    (const char        *kind);
char       *pb_connection_format_company        (const char        *name,
                                                 const char        *currency);
gboolean    pb_connection_class_wants_tenant_id (PbProviderClass   *klass);
gboolean    pb_connection_class_is_secret_kind  (PbProviderClass   *klass,
                                                 const char        *kind);
PbConnection *pb_connection_ui_copy             (PbConnection      *connection);

/* The data types in the order the UI lists them. */
#define PB_N_DATA_TYPES 4
extern const PbDataTypes pb_connection_data_types[PB_N_DATA_TYPES];

/* The secret kind that carries Visma.net Payroll's Tenant ID (SPEC V1). */
#define PB_SECRET_KIND_TENANT_ID "tenant-id"

G_END_DECLS
