/* pb-connection-row.h
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

/* What the keyring said about a connection's secrets. */
typedef enum
{
  PB_KEYRING_UNKNOWN,       /* not asked yet, or asking */
  PB_KEYRING_OK,
  PB_KEYRING_MISSING,       /* an item is gone: enter the tokens (or sign in) again */
  PB_KEYRING_LOCKED,
  PB_KEYRING_UNAVAILABLE,   /* no keyring service, or it did not answer */
} PbKeyringStatus;

#define PB_TYPE_CONNECTION_ROW (pb_connection_row_get_type ())

G_DECLARE_FINAL_TYPE (PbConnectionRow, pb_connection_row, PB, CONNECTION_ROW, AdwActionRow)

GtkWidget       *pb_connection_row_new                (PbConnection    *connection,
                                                       PbStore         *store);
PbConnection    *pb_connection_row_get_connection     (PbConnectionRow *self);
void             pb_connection_row_set_keyring_status (PbConnectionRow *self,
                                                       PbKeyringStatus  status,
                                                       const char      *message);
PbKeyringStatus  pb_connection_row_get_keyring_status (PbConnectionRow *self);
const char      *pb_connection_row_get_state_text     (PbConnectionRow *self);

G_END_DECLS
