/* pb-json-guard.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How deep objects and lists may nest in a JSON text Paybridge reads: an
 * HR document needs 4 ($, employees, one employee, its positions, one
 * position), a payroll answer a few more. json-glib recurses once per
 * level, so a text nested 80,000 deep overflows the stack. */
#define PB_JSON_MAX_DEPTH 64

typedef enum
{
  PB_JSON_GUARD_OK,
  PB_JSON_GUARD_TOO_DEEP,     /* nested deeper than the limit */
  PB_JSON_GUARD_NUL,          /* a string holds \u0000: text cannot hold it */
  PB_JSON_GUARD_BIG_NUMBER,   /* an integer json-glib would wrap around */
} PbJsonGuardProblem;

#define PB_JSON_GUARD_ERROR (pb_json_guard_error_quark ())

/* The codes are the problems (never PB_JSON_GUARD_OK). */
GQuark pb_json_guard_error_quark (void);

/* Where the first problem is. @path is the object or list it is in, written
 * as the import writes record paths ("$", "$.employees[3]",
 * "$.employees[3].positions[0]"); @member the member whose value (or, with
 * @in_name, whose name) it is, when it is in an object. */
typedef struct
{
  PbJsonGuardProblem  problem;
  guint               line;      /* 1-based */
  guint               column;    /* 1-based, in bytes */
  char               *path;      /* (owned) */
  char               *member;    /* (owned) (nullable) */
  gboolean            in_name;
} PbJsonGuardReport;

gboolean   pb_json_guard_check          (const char        *data,
                                         gsize              length,
                                         guint              max_depth,
                                         PbJsonGuardReport *report);
void       pb_json_guard_report_clear   (PbJsonGuardReport *report);
char      *pb_json_guard_report_describe (const PbJsonGuardReport *report,
                                          guint                    max_depth);

JsonNode  *pb_json_parse_guarded        (const char        *data,
                                         gsize              length,
                                         GError           **error);

G_END_DECLS
