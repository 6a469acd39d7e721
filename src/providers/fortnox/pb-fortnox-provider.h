/* pb-fortnox-provider.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-provider.h"

G_BEGIN_DECLS

#define PB_TYPE_FORTNOX_PROVIDER (pb_fortnox_provider_get_type ())

G_DECLARE_FINAL_TYPE (PbFortnoxProvider, pb_fortnox_provider, PB, FORTNOX_PROVIDER, PbProvider)

/* Fortnox's absence cause codes (the OpenAPI document's enumeration) with
 * their meaning in English: the payroll absence types. NULL-terminated
 * pairs: code, name. */
extern const char * const pb_fortnox_cause_codes[];

GPtrArray *pb_fortnox_provider_read_answer (PbFortnoxProvider  *self,
                                            PbEntity            entity,
                                            const char         *data,
                                            gsize               length,
                                            GError            **error);

G_END_DECLS
