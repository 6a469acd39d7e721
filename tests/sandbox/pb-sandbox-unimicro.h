/* pb-sandbox-unimicro.h: the Unimicro (Uni Economy) API emulation (private)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-sandbox-private.h"

G_BEGIN_DECLS

extern const PbSandboxSystem pb_sandbox_unimicro_system;

/* The companies the sandbox's user may reach (GET /api/init/companies):
 * the first holds the seed's records, the second is empty. */
#define PB_SANDBOX_UNIMICRO_COMPANY_KEY       "5f1c2a9e-0000-4000-8000-000000000001"
#define PB_SANDBOX_UNIMICRO_OTHER_COMPANY_KEY "5f1c2a9e-0000-4000-8000-000000000002"

G_END_DECLS
