/* pb-application.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"
#include "pb-sync-driver.h"

G_BEGIN_DECLS

#define PB_TYPE_APPLICATION (pb_application_get_type ())

G_DECLARE_FINAL_TYPE (PbApplication, pb_application, PB, APPLICATION, AdwApplication)

PbApplication *pb_application_new              (const char        *application_id,
                                                GApplicationFlags  flags);
PbStore       *pb_application_get_store        (PbApplication     *self);
PbSyncDriver  *pb_application_get_sync_driver  (PbApplication     *self);
const GError  *pb_application_get_store_error  (PbApplication     *self);
void           pb_application_import_file      (PbApplication     *self,
                                                GFile             *file);
gboolean       pb_application_is_importing     (PbApplication     *self);

GSettings     *pb_application_new_settings     (void);

G_END_DECLS
