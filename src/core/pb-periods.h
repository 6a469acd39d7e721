/* pb-periods.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pb-record.h"

G_BEGIN_DECLS

/* The periods rule of an employee's positions, absences and salaries, as
 * the app checks it before saving one: a period does not end before it
 * starts, lies within the employment (first to last workday), and does
 * not overlap another period of the same kind. */

char *pb_periods_check (PbRecord   *record,
                        GPtrArray  *others,
                        const char *first_workday,
                        const char *last_workday);

G_END_DECLS
