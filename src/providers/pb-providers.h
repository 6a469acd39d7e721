/* pb-providers.h: the built-in connectors
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-provider.h"
#include "fortnox/pb-fortnox-provider.h"
#include "tripletex/pb-tripletex-provider.h"
#include "visma/pb-visma-provider.h"
#include "unimicro/pb-unimicro-provider.h"

GType pb_test_oauth2_provider_get_type (void);

G_BEGIN_DECLS


G_END_DECLS
