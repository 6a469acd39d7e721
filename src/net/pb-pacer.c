/* pb-pacer.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbPacer"

#include "config.h"

#include "pb-pacer.h"

/* The bound on requests in flight, paced by what the payroll system says
 * (issue 14), in the manner of TCP's congestion window (AIMD):
 *
 * - It grows only when it is what holds the requests back (as many on the
 *   wire as it allows), the answer was fast (at most twice the quickest
 *   round trip of the last 10 seconds, plus 10 ms of jitter) and the quota left in the
 *   period is high (X-Rate-Limit-Remaining at least twice the bound and at
 *   least a quarter of X-Rate-Limit-Limit). Below the threshold it grows by
 *   one per answer (doubling per round trip), above it by one per round
 *   trip.
 * - A 429, or a 503, halves it, once per round of requests: the answers to
 *   requests sent before the last halving say the same thing again and do
 *   not halve it further. The threshold becomes the halved bound, so it
 *   grows back slowly. Retry-After (or else X-Rate-Limit-Reset) holds every
 *   request of the connection until it has passed.
 * - It never exceeds the ceiling (the connector's own maximum), nor the
 *   quota the system announces (X-Rate-Limit-Limit: more in flight than the
 *   period allows cannot all be answered), nor what is left of the period
 *   (X-Rate-Limit-Remaining); it never falls under one. Remaining 0 holds
 *   every request until X-Rate-Limit-Reset seconds have passed.
 * - Slow answers (beyond the "fast" mark) hold it where it is. */

#define JITTER_US (10 * G_TIME_SPAN_MILLISECOND)
#define FASTEST_WINDOW_US (10 * G_TIME_SPAN_SECOND)

void
pb_pacer_init (PbPacer *pacer,
               guint    start,
               guint    ceiling)
{
  g_return_if_fail (pacer != NULL);

  *pacer = (PbPacer) { 0 };
  pacer->ceiling = MAX (ceiling, 1);
  pacer->window = CLAMP (start, 1, pacer->ceiling);
  pacer->threshold = pacer->ceiling;
}

static void
hold_until (PbPacer *pacer,
            gint64   now_us,
            guint    seconds)
{
  if (seconds > 0)
    pacer->paused_until = MAX (pacer->paused_until, now_us + (gint64) seconds * G_USEC_PER_SEC);
}

static void
clamp_window (PbPacer             *pacer,
              const PbPacerAnswer *answer)
{
  double top = pacer->ceiling;

  if (pacer->quota > 0)
    top = MIN (top, pacer->quota);
  /* No more on the wire than the period has left (the answer's own
   * request is already counted in it). */
  if (answer->has_remaining && answer->remaining > 0)
    top = MIN (top, answer->remaining);
  pacer->window = CLAMP (pacer->window, 1.0, MAX (top, 1.0));
}

void
pb_pacer_on_answer (PbPacer             *pacer,
                    const PbPacerAnswer *answer)
{
  gint64 round_trip;
  gboolean fast, quota_high, saturated;

  g_return_if_fail (pacer != NULL && answer != NULL);

  round_trip = answer->sent_us > 0 ? answer->now_us - answer->sent_us : 0;

  if (answer->has_limit && answer->limit > 0)
    pacer->quota = answer->limit;
  if (answer->has_remaining && answer->remaining == 0 && answer->has_reset)
    hold_until (pacer, answer->now_us, answer->reset_s);

  if (answer->status == 429 || answer->status == 503)
    {
      hold_until (pacer, answer->now_us, answer->retry_after_s > 0 ? answer->retry_after_s
                                         : answer->has_reset ? answer->reset_s : 0);
      if (answer->sent_us >= pacer->decreased_at)
        {
          pacer->threshold = MAX (1.0, (double) (guint) (pacer->window / 2));
          pacer->window = pacer->threshold;
          pacer->decreased_at = answer->now_us;
          pacer->halvings++;
        }
      clamp_window (pacer, answer);
      return;
    }

  if (answer->status == 0 || answer->status >= 500)
    {
      clamp_window (pacer, answer);
      return;
    }

  /* The quickest round trip of the last 10 s (as BBR keeps its minimum
   * RTT): a path that got slower for good sets a new mark. */
  if (round_trip > 0 && (pacer->fastest_us == 0 || round_trip < pacer->fastest_us ||
                         answer->now_us - pacer->fastest_at > FASTEST_WINDOW_US))
    {
      pacer->fastest_us = round_trip;
      pacer->fastest_at = answer->now_us;
    }

  fast = round_trip <= 0 || round_trip <= 2 * pacer->fastest_us + JITTER_US;
  quota_high = !answer->has_remaining ||
               (answer->remaining >= 2 * pacer->window &&
                (pacer->quota == 0 || 4.0 * answer->remaining >= pacer->quota));
  saturated = answer->in_flight >= (guint) pacer->window;

  if (fast && quota_high && saturated && answer->status < 400)
    {
      if (pacer->window < pacer->threshold)
        pacer->window += 1.0;
      else
        pacer->window += 1.0 / pacer->window;
    }

  clamp_window (pacer, answer);
}

/* Requests allowed on the wire now. */
guint
pb_pacer_get_bound (const PbPacer *pacer)
{
  return MAX (1, (guint) pacer->window);
}

/* Monotonic µs before which nothing is sent (the system asked to wait). */
gint64
pb_pacer_get_paused_until (const PbPacer *pacer)
{
  return pacer->paused_until;
}
