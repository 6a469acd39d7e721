/* pb-error-log-model.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-outbox.h"
#include "pb-store.h"

G_BEGIN_DECLS

#define PB_ERROR_LOG_PAGE_SIZE 200

#define PB_TYPE_ERROR_ITEM (pb_error_item_get_type ())

G_DECLARE_FINAL_TYPE (PbErrorItem, pb_error_item, PB, ERROR_ITEM, GObject)

PbErrorItem        *pb_error_item_new       (PbErrorEntry *entry);
const PbErrorEntry *pb_error_item_get_entry (PbErrorItem  *self);

#define PB_TYPE_ERROR_LOG_MODEL (pb_error_log_model_get_type ())

G_DECLARE_FINAL_TYPE (PbErrorLogModel, pb_error_log_model, PB, ERROR_LOG_MODEL, GObject)

PbErrorLogModel *pb_error_log_model_new               (PbStore         *store);
PbStore         *pb_error_log_model_get_store         (PbErrorLogModel *self);
void             pb_error_log_model_set_query         (PbErrorLogModel    *self,
                                                       const PbErrorQuery *query);
void             pb_error_log_model_get_query         (PbErrorLogModel    *self,
                                                       PbErrorQuery       *query);
gint64           pb_error_log_model_count_all         (PbErrorLogModel *self);
void             pb_error_log_model_reload            (PbErrorLogModel *self);
guint            pb_error_log_model_get_n_cached_pages (PbErrorLogModel *self);

G_END_DECLS
