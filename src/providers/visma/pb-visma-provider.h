/* pb-visma-provider.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-provider.h"

G_BEGIN_DECLS

#define PB_TYPE_VISMA_PROVIDER (pb_visma_provider_get_type ())

G_DECLARE_FINAL_TYPE (PbVismaProvider, pb_visma_provider, PB, VISMA_PROVIDER, PbProvider)

/* The media type of the Employee API v2 (VN-EMP changelog, 2024-02-26). */
#define PB_VISMA_MEDIA_TYPE "application/vnd.no.payroll.employee.V2.0+json"

GPtrArray *pb_visma_provider_read_answer (PbVismaProvider  *self,
                                          PbEntity          entity,
                                          const char       *data,
                                          gsize             length,
                                          GError          **error);

G_END_DECLS
