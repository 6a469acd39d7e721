/* pb-mappings-stub.h: STAND-IN until src/engine/pb-mappings.h lands on main
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-connection.h"
#include "pb-provider.h"
#include "pb-store.h"

G_BEGIN_DECLS

/* The engine's refresh, as its author announced it: reads the payroll
 * system's absence types into the store's cache. This header and
 * pb-mappings-stub.c go when the engine's own pb-mappings.{c,h} are
 * merged; the view is written against exactly this signature. */
void      pb_mappings_refresh_async  (PbStore             *store,
                                      PbConnection        *connection,
                                      PbProvider          *provider,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean  pb_mappings_refresh_finish (GAsyncResult        *result,
                                      guint               *n_types,
                                      GError             **error);

G_END_DECLS
