/* pb-connections-page-private.h: what the tests look at
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-connection-row.h"
#include "pb-connections-page.h"

G_BEGIN_DECLS

PbConnectionRow *pb_connections_page_find_row       (PbConnectionsPage *self,
                                                     const char        *name);
const char      *pb_connections_page_get_last_toast (PbConnectionsPage *self);
guint            pb_connections_page_get_n_pending  (PbConnectionsPage *self);

G_END_DECLS
