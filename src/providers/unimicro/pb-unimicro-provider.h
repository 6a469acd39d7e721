/* pb-unimicro-provider.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-provider.h"

G_BEGIN_DECLS

#define PB_TYPE_UNIMICRO_PROVIDER (pb_unimicro_provider_get_type ())

G_DECLARE_FINAL_TYPE (PbUnimicroProvider, pb_unimicro_provider, PB, UNIMICRO_PROVIDER, PbProvider)

GPtrArray *pb_unimicro_provider_read_answer (PbUnimicroProvider  *self,
                                             PbEntity             entity,
                                             const char          *data,
                                             gsize                length,
                                             GError             **error);

G_END_DECLS
