/* pb-matcher.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pb-record.h"

G_BEGIN_DECLS

/* User matching (SPEC U1-U4, U9, U10): who in HR is who in payroll. Pure:
 * it reads two arrays of employee records (payroll people already mapped
 * into the HR register's fields) and says, per person, what they are. */

typedef enum
{
  PB_MATCH_MATCHED,       /* same email on both sides (U1) */
  PB_MATCH_HR_ONLY,       /* U4 */
  PB_MATCH_PAYROLL_ONLY,  /* U4; also people deleted in HR (U10) */
  PB_MATCH_AMBIGUOUS,     /* shared or missing emails: never guessed */
  PB_MATCH_LOCKED,        /* deactivated in HR: not synced any more (U9) */
} PbMatchKind;

typedef enum
{
  PB_AMBIGUOUS_NONE,
  PB_AMBIGUOUS_NO_EMAIL_IN_PAYROLL,
  PB_AMBIGUOUS_SHARED_EMAIL_IN_PAYROLL,
  PB_AMBIGUOUS_SHARED_EMAIL_IN_HR,
} PbAmbiguity;

typedef struct
{
  PbMatchKind  kind;
  PbAmbiguity  ambiguity;
  int          hr;          /* index in the HR array, -1 for none */
  int          payroll;     /* index in the payroll array, -1 for none */
  guint32      differing;   /* bit per employee field whose values differ (U3) */
  guint32      missing;     /* bit per required field empty in HR (U2) */
} PbMatch;

G_STATIC_ASSERT (PB_EMPLOYEE_N_FIELDS <= 32);

/* Why an HR-only person may be a payroll-only one under another email: the
 * suggestions for a manual pair, strongest first. */
typedef enum
{
  PB_PAIR_SAME_EMPLOYEE_NUMBER = 1 << 0,
  PB_PAIR_SAME_NATIONAL_ID     = 1 << 1,
  PB_PAIR_SAME_NAME            = 1 << 2,
} PbPairReason;

char     *pb_match_key            (const char   *email);
gboolean  pb_match_values_equal   (guint         field,
                                   const char   *a,
                                   const char   *b);
char     *pb_match_name_key       (PbRecord     *person);
PbPairReason pb_match_pair_reasons (PbRecord    *hr,
                                   PbRecord     *payroll);
const char *pb_match_pair_reason_to_string (PbPairReason reasons);
GArray   *pb_match_people         (GPtrArray    *hr,
                                   GPtrArray    *payroll,
                                   const guint  *compared,
                                   guint         n_compared,
                                   const guint  *required,
                                   guint         n_required);

G_END_DECLS
