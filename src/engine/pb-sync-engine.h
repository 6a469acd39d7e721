/* pb-sync-engine.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-connection.h"
#include "pb-outbox.h"
#include "pb-provider.h"

G_BEGIN_DECLS

/* Real-time sync (SPEC U7, U9-U11, C5-C7): HR changes after a connection's
 * activation go through its durable outbox to the payroll system. */

gboolean pb_sync_engine_activate     (PbStore             *store,
                                      PbConnection        *connection,
                                      GError             **error);
int      pb_sync_engine_enqueue      (PbStore             *store,
                                      PbConnection        *connection,
                                      GError             **error);
void     pb_sync_engine_push_async   (PbStore             *store,
                                      PbConnection        *connection,
                                      PbProvider          *provider,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean pb_sync_engine_record_error (PbStore             *store,
                                      PbConnection        *connection,
                                      PbRecord            *person,
                                      const char          *what,
                                      const GError        *failure,
                                      GError             **error);
gboolean pb_sync_engine_push_finish  (GAsyncResult        *result,
                                      guint               *sent,
                                      guint               *failed,
                                      guint               *pending,
                                      GError             **error);

G_END_DECLS
