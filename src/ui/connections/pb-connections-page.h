/* pb-connections-page.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-matching-window.h"
#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_CONNECTIONS_PAGE (pb_connections_page_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionsPage, pb_connections_page, PB, CONNECTIONS_PAGE, GtkWidget)

GtkWidget  *pb_connections_page_new             (void);
PbStore    *pb_connections_page_get_store       (PbConnectionsPage *self);
void        pb_connections_page_set_store       (PbConnectionsPage *self,
                                                 PbStore           *store);
void        pb_connections_page_reload          (PbConnectionsPage *self);
void        pb_connections_page_set_paused      (PbConnectionsPage *self,
                                                 gboolean           paused);
void        pb_connections_page_add_connection  (PbConnectionsPage *self);
gboolean    pb_connections_page_edit_connection (PbConnectionsPage *self,
                                                 gint64             id);
const char *pb_connections_page_get_summary     (PbConnectionsPage *self);
PbMatchingWindow *pb_connections_page_sync_users (PbConnectionsPage *self,
                                                  gint64             id);

G_END_DECLS
