/* pb-csv.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writing CSV (RFC 4180) for exports: the error log, the user-sync report. */

void pb_csv_append_row (GString           *out,
                        const char * const *values,
                        guint               n_values);

G_END_DECLS
