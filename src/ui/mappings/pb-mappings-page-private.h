/* pb-mappings-page-private.h: what the tests look at
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-mapping-row.h"
#include "pb-mappings-page.h"

G_BEGIN_DECLS

typedef enum
{
  PB_MAPPINGS_CACHE_EMPTY,   /* payroll's types were never read */
  PB_MAPPINGS_CACHE_OLD,     /* read more than PB_MAPPINGS_CACHE_MAX_AGE_DAYS ago */
  PB_MAPPINGS_CACHE_FRESH,
} PbMappingsCacheState;

PbMappingRow         *pb_mappings_page_find_row          (PbMappingsPage *self,
                                                          const char     *key);
guint                 pb_mappings_page_get_n_rows        (PbMappingsPage *self);
PbMappingsCacheState  pb_mappings_page_get_cache_state   (PbMappingsPage *self);
const char           *pb_mappings_page_get_cache_text    (PbMappingsPage *self);
const char           *pb_mappings_page_get_refresh_error (PbMappingsPage *self);
gboolean              pb_mappings_page_get_refreshing    (PbMappingsPage *self);
const char           *pb_mappings_page_get_last_toast    (PbMappingsPage *self);

G_END_DECLS
