/* pb-error-log-page.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_ERROR_LOG_PAGE (pb_error_log_page_get_type ())

G_DECLARE_FINAL_TYPE (PbErrorLogPage, pb_error_log_page, PB, ERROR_LOG_PAGE, GtkWidget)

GtkWidget  *pb_error_log_page_new             (void);
void        pb_error_log_page_set_store       (PbErrorLogPage  *self,
                                               PbStore         *store);
void        pb_error_log_page_reload          (PbErrorLogPage  *self);
void        pb_error_log_page_set_paused      (PbErrorLogPage  *self,
                                               gboolean         paused);
gboolean    pb_error_log_page_show_person     (PbErrorLogPage  *self,
                                               gint64           connection_id,
                                               const char      *email);
gboolean    pb_error_log_page_show_connection (PbErrorLogPage  *self,
                                               gint64           connection_id);
const char *pb_error_log_page_get_summary     (PbErrorLogPage  *self);
gboolean    pb_error_log_page_export          (PbErrorLogPage  *self,
                                               GFile           *file,
                                               GError         **error);

G_END_DECLS
