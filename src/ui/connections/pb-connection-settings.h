/* pb-connection-settings.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-connection.h"
#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_CONNECTION_SETTINGS (pb_connection_settings_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionSettings, pb_connection_settings, PB, CONNECTION_SETTINGS, AdwWindow)

PbConnectionSettings *pb_connection_settings_new            (GtkWindow            *parent,
                                                             PbStore              *store,
                                                             PbConnection         *connection);
PbConnection         *pb_connection_settings_get_connection (PbConnectionSettings *self);
void                  pb_connection_settings_set_page       (PbConnectionSettings *self,
                                                             const char           *name);
const char           *pb_connection_settings_get_page       (PbConnectionSettings *self);
void                  pb_connection_settings_ask_for_secrets (PbConnectionSettings *self,
                                                              const char           *heading,
                                                              const char           *message);

void                  pb_connection_settings_set_paused (PbConnectionSettings *self,
                                                         gboolean              paused);

G_END_DECLS
