/* pb-sync-rules.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pb-record.h"

G_BEGIN_DECLS

/* How payroll systems keep positions and salaries (SPEC P2, P3, S2). */

typedef enum
{
  PB_POSITIONS_HISTORY,   /* every period is its own record (SPEC P2) */
  PB_POSITIONS_FLAT,      /* only the current position (SPEC P3) */
} PbPositionModel;

typedef enum
{
  PB_SALARY_DELETE_REMOVES,       /* the record is deleted */
  PB_SALARY_DELETE_CLEARS_VALUES, /* the values are cleared, the record kept (SPEC S2) */
} PbSalaryDelete;

G_END_DECLS
