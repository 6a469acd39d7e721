/* pb-tripletex-provider.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-provider.h"

G_BEGIN_DECLS

#define PB_TYPE_TRIPLETEX_PROVIDER (pb_tripletex_provider_get_type ())

G_DECLARE_FINAL_TYPE (PbTripletexProvider, pb_tripletex_provider, PB, TRIPLETEX_PROVIDER, PbProvider)

G_END_DECLS
