/* pb-sandbox-fortnox.h: the Fortnox API (/3) emulation (private)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-sandbox-private.h"

G_BEGIN_DECLS

extern const PbSandboxSystem pb_sandbox_fortnox_system;

G_END_DECLS
