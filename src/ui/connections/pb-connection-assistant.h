/* pb-connection-assistant.h
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

#define PB_TYPE_CONNECTION_ASSISTANT (pb_connection_assistant_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionAssistant, pb_connection_assistant, PB, CONNECTION_ASSISTANT, AdwWindow)

PbConnectionAssistant *pb_connection_assistant_new            (GtkWindow             *parent,
                                                               PbStore               *store);
const char            *pb_connection_assistant_get_page       (PbConnectionAssistant *self);
PbConnection          *pb_connection_assistant_get_connection (PbConnectionAssistant *self);

G_END_DECLS
