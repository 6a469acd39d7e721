/* pb-error-log-page-private.h: for the tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-error-log-model.h"
#include "pb-error-log-page.h"

G_BEGIN_DECLS

PbErrorLogModel    *pb_error_log_page_get_model      (PbErrorLogPage *self);
GtkSelectionModel  *pb_error_log_page_get_selection  (PbErrorLogPage *self);
const char         *pb_error_log_page_get_last_toast (PbErrorLogPage *self);

G_END_DECLS
