/* pb-store-private.h: for tests and the store's own modules
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "pb-store.h"

G_BEGIN_DECLS

/* Opens the store migrating only up to @max_version (tests build old files
 * with it to prove upgrades). */
PbStore *pb_store_open_at_version (const char  *data_dir,
                                   guint        max_version,
                                   GError     **error);
sqlite3 *pb_store_get_db          (PbStore     *self);

G_END_DECLS
