/* test-pacer.c: the bound on requests in flight, answer by answer
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pb-pacer.h"

/* PbPacer is pure: each case feeds a sequence of answers (status, round
 * trip, requests in flight, rate-limit headers) on a made-up clock and
 * reads the bound that results. SPEC R2 (429 honoured, Retry-After), issue
 * 14 (paced by the system's own signals, never above its quota). */

#define MS (G_TIME_SPAN_MILLISECOND)

typedef struct
{
  PbPacer pacer;
  gint64  now;   /* the made-up monotonic clock, µs */
} Fixture;

static void
setup (Fixture *f, guint start, guint ceiling)
{
  pb_pacer_init (&f->pacer, start, ceiling);
  f->now = 1000 * G_USEC_PER_SEC;
}

/* One answer that took @rtt_ms, with the bound's worth of requests in
 * flight (the bound is what holds them back). */
static void
answer (Fixture             *f,
        guint                status,
        gint64               rtt_ms,
        const PbPacerAnswer *headers)
{
  PbPacerAnswer a = headers != NULL ? *headers : (PbPacerAnswer) { 0 };

  f->now += 1 * MS;
  a.now_us = f->now;
  a.sent_us = f->now - rtt_ms * MS;
  a.status = status;
  if (a.in_flight == 0)
    a.in_flight = pb_pacer_get_bound (&f->pacer);
  pb_pacer_on_answer (&f->pacer, &a);
}

/* Fast answers, the bound saturated, no quota said: it doubles per round
 * of answers (one more per answer) up to the ceiling, never past it. */
static void
test_grows_to_ceiling (void)
{
  Fixture f;

  setup (&f, 4, 32);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 4);
  for (guint i = 0; i < 4; i++)
    answer (&f, 200, 50, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 8);
  for (guint i = 0; i < 8; i++)
    answer (&f, 201, 50, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 16);
  for (guint i = 0; i < 200; i++)
    answer (&f, 200, 50, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 32);
  g_assert_cmpuint (f.pacer.halvings, ==, 0);
}

/* A bound that is not what holds the requests back (fewer in flight than
 * it allows) does not grow: idle time earns no credit. */
static void
test_no_growth_unsaturated (void)
{
  Fixture f;
  PbPacerAnswer one = { .in_flight = 1 };

  setup (&f, 4, 32);
  for (guint i = 0; i < 50; i++)
    answer (&f, 200, 50, &one);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 4);
}

/* Slow answers (over twice the quickest seen, plus jitter) hold it. */
static void
test_slow_answers_hold (void)
{
  Fixture f;

  setup (&f, 4, 32);
  answer (&f, 200, 50, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 5);
  for (guint i = 0; i < 50; i++)
    answer (&f, 200, 200, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 5);
  /* Fast again: it grows again. */
  answer (&f, 200, 60, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 6);
}

/* SPEC R2: a 429 halves it once per round (the other answers of requests
 * already on the wire say the same), holds the connection for
 * Retry-After, and above the new threshold it grows back by one per round
 * trip only. */
static void
test_429_halves_once_and_waits (void)
{
  Fixture f;
  PbPacerAnswer retry = { .retry_after_s = 3 };
  gint64 at;

  setup (&f, 16, 32);
  answer (&f, 200, 50, NULL);   /* 17 */
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 17);
  answer (&f, 429, 50, &retry);
  at = f.now;
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 8);
  g_assert_cmpint (pb_pacer_get_paused_until (&f.pacer), ==, at + 3 * G_USEC_PER_SEC);
  /* Sent before the halving: no second halving. */
  for (guint i = 0; i < 5; i++)
    answer (&f, 429, 60, &retry);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 8);
  g_assert_cmpuint (f.pacer.halvings, ==, 1);

  /* Additive now: a round of answers at 8 in flight makes it 9, not 16. */
  for (guint i = 0; i < 9; i++)
    answer (&f, 200, 1, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 9);

  /* A 429 for a request sent after the halving halves it again. */
  f.now += 100 * MS;
  answer (&f, 429, 1, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 4);
  g_assert_cmpuint (f.pacer.halvings, ==, 2);

  /* ...down to one, never zero. */
  for (guint i = 0; i < 10; i++)
    {
      f.now += 100 * MS;
      answer (&f, 429, 1, NULL);
    }
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 1);
}

/* Tripletex leaves X-Rate-Limit-Reset out of its 429s (its issue #103):
 * without Retry-After either, nothing holds the connection (the request's
 * own backoff does); with the reset it waits the reset. */
static void
test_429_reset_or_nothing (void)
{
  Fixture f;
  PbPacerAnswer reset = { .has_reset = TRUE, .reset_s = 7 };

  setup (&f, 8, 32);
  answer (&f, 429, 50, NULL);
  g_assert_cmpint (pb_pacer_get_paused_until (&f.pacer), ==, 0);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 4);
  f.now += 100 * MS;
  answer (&f, 429, 50, &reset);
  g_assert_cmpint (pb_pacer_get_paused_until (&f.pacer), ==, f.now + 7 * G_USEC_PER_SEC);
}

/* Never above the quota Tripletex announces (X-Rate-Limit-Limit), nor
 * above what is left of the period. */
static void
test_quota_caps (void)
{
  Fixture f;
  PbPacerAnswer plenty = { .has_limit = TRUE, .limit = 10, .has_remaining = TRUE, .remaining = 1000,
                           .has_reset = TRUE, .reset_s = 60 };
  PbPacerAnswer few = { .has_limit = TRUE, .limit = 1000, .has_remaining = TRUE, .remaining = 3,
                        .has_reset = TRUE, .reset_s = 60 };

  setup (&f, 4, 32);
  for (guint i = 0; i < 100; i++)
    answer (&f, 200, 50, &plenty);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 10);

  setup (&f, 16, 32);
  answer (&f, 200, 50, &few);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 3);
}

/* It grows only while the quota left is high: at least twice the bound
 * and a quarter of the period's quota. */
static void
test_low_quota_holds (void)
{
  Fixture f;
  PbPacerAnswer low = { .has_limit = TRUE, .limit = 1000, .has_remaining = TRUE, .remaining = 200,
                        .has_reset = TRUE, .reset_s = 30 };
  PbPacerAnswer high = { .has_limit = TRUE, .limit = 1000, .has_remaining = TRUE, .remaining = 900,
                         .has_reset = TRUE, .reset_s = 30 };

  setup (&f, 4, 32);
  for (guint i = 0; i < 20; i++)
    answer (&f, 200, 50, &low);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 4);
  for (guint i = 0; i < 4; i++)
    answer (&f, 200, 50, &high);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 8);
}

/* X-Rate-Limit-Remaining 0: every request waits X-Rate-Limit-Reset. */
static void
test_spent_quota_waits_reset (void)
{
  Fixture f;
  PbPacerAnswer spent = { .has_limit = TRUE, .limit = 100, .has_remaining = TRUE, .remaining = 0,
                          .has_reset = TRUE, .reset_s = 12 };

  setup (&f, 4, 32);
  answer (&f, 200, 50, &spent);
  g_assert_cmpint (pb_pacer_get_paused_until (&f.pacer), ==, f.now + 12 * G_USEC_PER_SEC);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), >=, 1);
}

/* A network failure or a 500 changes nothing; a 503 halves as a 429 does. */
static void
test_failures (void)
{
  Fixture f;

  setup (&f, 8, 32);
  answer (&f, 0, 50, NULL);
  answer (&f, 500, 50, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 8);
  answer (&f, 503, 50, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 4);
}

/* A ceiling under the start: the ceiling. */
static void
test_start_within_ceiling (void)
{
  Fixture f;

  setup (&f, 4, 2);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 2);
  for (guint i = 0; i < 10; i++)
    answer (&f, 200, 5, NULL);
  g_assert_cmpuint (pb_pacer_get_bound (&f.pacer), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pacer/grows-to-ceiling", test_grows_to_ceiling);
  g_test_add_func ("/pacer/no-growth-unsaturated", test_no_growth_unsaturated);
  g_test_add_func ("/pacer/slow-answers-hold", test_slow_answers_hold);
  g_test_add_func ("/pacer/R2/429-halves-once-and-waits", test_429_halves_once_and_waits);
  g_test_add_func ("/pacer/R2/429-reset-or-nothing", test_429_reset_or_nothing);
  g_test_add_func ("/pacer/quota-caps", test_quota_caps);
  g_test_add_func ("/pacer/low-quota-holds", test_low_quota_holds);
  g_test_add_func ("/pacer/spent-quota-waits-reset", test_spent_quota_waits_reset);
  g_test_add_func ("/pacer/failures", test_failures);
  g_test_add_func ("/pacer/start-within-ceiling", test_start_within_ceiling);

  return g_test_run ();
}
