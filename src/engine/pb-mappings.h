/* pb-mappings.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-connection.h"
#include "pb-mapping.h"
#include "pb-provider.h"

G_BEGIN_DECLS

/* Reading the payroll system's absence types into the store's cache, so
 * that mappings can then be reviewed and changed with no network (SPEC A2). */

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
