/* pb-person-detail-private.h: what the tests and the demo reach
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-field-editor.h"
#include "pb-person-detail.h"

G_BEGIN_DECLS

PbFieldEditor *pb_person_detail_get_fields     (PbPersonDetail *self);
GtkWindow     *pb_person_detail_get_dialog     (PbPersonDetail *self);
const char    *pb_person_detail_get_last_toast (PbPersonDetail *self);

G_END_DECLS
