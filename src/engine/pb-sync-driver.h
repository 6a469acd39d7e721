/* pb-sync-driver.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-provider.h"
#include "pb-store.h"

G_BEGIN_DECLS

/* Real-time sync on the main loop (SPEC U7, R2, R3): sends every active
 * connection's outbox as the HR register changes. */

#define PB_TYPE_SYNC_DRIVER (pb_sync_driver_get_type ())

G_DECLARE_FINAL_TYPE (PbSyncDriver, pb_sync_driver, PB, SYNC_DRIVER, GObject)

PbSyncDriver *pb_sync_driver_new             (PbStore      *store);
PbSyncDriver *pb_sync_driver_get_for_store   (PbStore      *store);
PbStore      *pb_sync_driver_get_store       (PbSyncDriver *self);
void          pb_sync_driver_set_provider    (PbSyncDriver *self,
                                              gint64        connection_id,
                                              PbProvider   *provider);
void          pb_sync_driver_start           (PbSyncDriver *self);
gboolean      pb_sync_driver_is_idle         (PbSyncDriver *self);
GDateTime    *pb_sync_driver_get_last_synced (PbSyncDriver *self,
                                              gint64        connection_id);
guint         pb_sync_driver_get_open_errors (PbSyncDriver *self,
                                              gint64        connection_id);
guint         pb_sync_driver_get_attention   (PbSyncDriver *self,
                                              gint64        connection_id);
guint         pb_sync_driver_get_held        (PbSyncDriver *self,
                                              gint64        connection_id,
                                              PbDataTypes  *types);

G_END_DECLS
