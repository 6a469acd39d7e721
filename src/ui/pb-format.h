/* pb-format.h: how the UI words values of the HR register
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *pb_format_employee_status (const char *status);
const char *pb_format_contract_type   (const char *contract_type);
const char *pb_format_absence_state   (const char *state);
char       *pb_format_period          (const char *start_date,
                                       const char *end_date);
char       *pb_format_percentage      (const char *percentage);
char       *pb_format_salary          (const char *amount,
                                       const char *currency,
                                       const char *period_unit);
const char *pb_format_employee_field  (guint       field);
char       *pb_format_employee_fields (guint32     fields);
char       *pb_format_timestamp       (const char *iso8601);

G_END_DECLS
