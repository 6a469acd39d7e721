/* pb-validate.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each check returns TRUE when @value is acceptable, and otherwise sets
 * @message (if not NULL) to a sentence that names the problem in the words
 * an HR administrator uses. None of them looks at anything but @value. */

gboolean pb_validate_email          (const char  *value,
                                     char       **message);
gboolean pb_validate_date           (const char  *value,
                                     char       **message);
gboolean pb_validate_percentage     (const char  *value,
                                     char       **canonical,
                                     char       **message);
gboolean pb_validate_amount         (const char  *value,
                                     char       **canonical,
                                     char       **message);
gboolean pb_validate_currency       (const char  *value,
                                     char       **message);
gboolean pb_validate_country        (const char  *value,
                                     char       **message);
gboolean pb_validate_no_account     (const char  *value,
                                     char       **canonical,
                                     char       **message);
gboolean pb_validate_no_national_id (const char  *value,
                                     char       **message);
gboolean pb_validate_no_org_number  (const char  *value,
                                     char       **message);
gboolean pb_validate_iban           (const char  *value,
                                     char       **canonical,
                                     char       **message);
gboolean pb_validate_bic            (const char  *value,
                                     char       **message);
int      pb_date_compare            (const char  *a,
                                     const char  *b);

G_END_DECLS
