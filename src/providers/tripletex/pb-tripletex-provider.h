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

/* Derivable only so that a test connector (src/providers/test/) can run
 * Tripletex's wire against the payroll sandbox with another system's field
 * rules; a subclass changes class data, never the mapping. */
G_DECLARE_DERIVABLE_TYPE (PbTripletexProvider, pb_tripletex_provider, PB, TRIPLETEX_PROVIDER, PbProvider)

struct _PbTripletexProviderClass
{
  PbProviderClass parent_class;
};

GPtrArray *pb_tripletex_provider_read_answer (PbTripletexProvider  *self,
                                              PbEntity              entity,
                                              const char           *data,
                                              gsize                 length,
                                              GError              **error);

G_END_DECLS
