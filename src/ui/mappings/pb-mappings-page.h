/* pb-mappings-page.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"

G_BEGIN_DECLS

/* Payroll's types read longer ago than this are called old, with Refresh. */
#define PB_MAPPINGS_CACHE_MAX_AGE_DAYS 7

#define PB_TYPE_MAPPINGS_PAGE (pb_mappings_page_get_type ())

G_DECLARE_FINAL_TYPE (PbMappingsPage, pb_mappings_page, PB, MAPPINGS_PAGE, GtkWidget)

GtkWidget  *pb_mappings_page_new               (void);
PbStore    *pb_mappings_page_get_store         (PbMappingsPage *self);
void        pb_mappings_page_set_store         (PbMappingsPage *self,
                                                PbStore        *store);
void        pb_mappings_page_reload            (PbMappingsPage *self);
void        pb_mappings_page_set_paused        (PbMappingsPage *self,
                                                gboolean        paused);
gboolean    pb_mappings_page_show_connection   (PbMappingsPage *self,
                                                gint64          connection_id);
gint64      pb_mappings_page_get_connection_id (PbMappingsPage *self);
guint       pb_mappings_page_get_n_unmapped    (PbMappingsPage *self);
const char *pb_mappings_page_get_summary       (PbMappingsPage *self);

G_END_DECLS
