/* pb-pacer.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many requests a connection may have on the wire, learnt from the
 * payroll system's own answers (issue 14): plain data and pure functions
 * (the clock is an argument), so that the rule can be tested answer by
 * answer. PbHttp keeps one per connection. */

typedef struct
{
  gint64   now_us;          /* monotonic time the answer came */
  gint64   sent_us;         /* monotonic time the request went out */
  guint    status;          /* HTTP status; 0: no answer (network error, timeout) */
  guint    in_flight;       /* requests on the wire when it came, this one included,
                             * and those waiting for the bound */
  gboolean has_limit;       /* X-Rate-Limit-Limit: requests allowed in the period */
  guint    limit;
  gboolean has_remaining;   /* X-Rate-Limit-Remaining */
  guint    remaining;
  gboolean has_reset;       /* X-Rate-Limit-Reset: seconds left in the period */
  guint    reset_s;
  guint    retry_after_s;   /* Retry-After (seconds); 0: none */
} PbPacerAnswer;

typedef struct
{
  guint    ceiling;         /* never more in flight than this */
  double   window;          /* the bound now (fractional: additive growth) */
  double   threshold;       /* below it the window doubles per round trip, above it grows by one */
  gint64   fastest_us;      /* the quickest round trip lately: "fast" is measured against it */
  gint64   fastest_at;      /* monotonic time it was seen */
  gint64   decreased_at;    /* monotonic time of the last halving */
  gint64   paused_until;    /* monotonic time before which nothing is sent */
  guint    quota;           /* X-Rate-Limit-Limit last seen; 0: unknown */
  guint    halvings;        /* how often it halved (for tests and logs) */
} PbPacer;

#define PB_PACER_START 4

void   pb_pacer_init             (PbPacer             *pacer,
                                  guint                start,
                                  guint                ceiling);
void   pb_pacer_on_answer        (PbPacer             *pacer,
                                  const PbPacerAnswer *answer);
guint  pb_pacer_get_bound        (const PbPacer       *pacer);
gint64 pb_pacer_get_paused_until (const PbPacer       *pacer);

G_END_DECLS
