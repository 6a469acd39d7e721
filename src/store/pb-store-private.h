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
sqlite3      *pb_store_get_db    (PbStore       *self);
sqlite3_stmt *pb_store_prepare   (PbStore       *self,
                                  const char    *sql,
                                  GError       **error);
void          pb_store_bind_text (sqlite3_stmt  *stmt,
                                  int            index,
                                  const char    *value);
gboolean      pb_store_set_error (PbStore       *self,
                                  GError       **error,
                                  const char    *what);

gboolean      pb_store_update_type_activation (PbStore     *self,
                                               gint64       connection_id,
                                               gboolean     activated,
                                               PbDataTypes  types,
                                               GError     **error);

void          pb_store_note_change (PbStore             *self,
                                    PbStoreChangedFlags  what);

gboolean      pb_store_save_over   (PbStore     *self,
                                    PbRecord    *record,
                                    PbRecord    *stored,
                                    PbChangeOp  *out_op,
                                    GError     **error);
char         *pb_store_values_json (PbRecord       *record,
                                    const gboolean *mask);
void          pb_store_set_bulk    (PbStore     *self,
                                    gboolean     bulk);

G_END_DECLS
