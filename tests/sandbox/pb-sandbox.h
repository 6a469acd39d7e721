/* pb-sandbox.h: a loopback emulation of payroll systems' APIs
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define PB_SANDBOX_ERROR (pb_sandbox_error_quark ())

typedef enum
{
  PB_SANDBOX_ERROR_UNKNOWN_SYSTEM,  /* no emulation of that payroll system */
  PB_SANDBOX_ERROR_INVALID_SEED,    /* the seed is not what the system accepts */
  PB_SANDBOX_ERROR_INVALID_FAULTS,  /* a fault setting out of range */
  PB_SANDBOX_ERROR_LISTEN,          /* could not listen on 127.0.0.1 */
  PB_SANDBOX_ERROR_NOT_FOUND,       /* no such record */
} PbSandboxError;

GQuark pb_sandbox_error_quark (void);

/* Faults the sandbox injects into the emulated API (never into the
 * /_sandbox/ control endpoints). Rates are probabilities 0..1 drawn from the
 * sandbox's own PRNG, seeded with @seed, so a run is repeatable: every API
 * request draws the same three numbers (fail, drop, malformed) whatever the
 * settings, every created record that can be locked draws one more from
 * a second stream, and every API request draws one from a third when its
 * headers are in (drop before read). */
typedef struct
{
  guint   latency_ms;          /* every API answer is delayed this long */
  guint   rate_limit_count;    /* requests allowed per window and token; 0: no limit */
  guint   rate_limit_seconds;  /* length of the window */
  double  fail_rate;           /* 500 or 503, nothing done */
  double  drop_rate;           /* request done, connection closed without an answer */
  double  drop_before_read_rate; /* connection closed once the headers are in: nothing done */
  double  malformed_rate;      /* request done, answer's body cut short */
  double  throttle_rate;       /* 429 with Retry-After (throttle_seconds), nothing done; drawn
                                * from a fourth stream, so the others keep their patterns */
  guint   throttle_seconds;    /* the Retry-After of those 429s; 0: 1 second */
  double  lock_rate;           /* created timesheet entries come back locked */
  guint64 seed;                /* seed of the PRNG */
  gint64  omit_id;             /* answers leave out the "id" of the record with this id; 0: off */
  guint   job_ms;              /* asynchronous writes (Visma's jobs) run this long after they are
                                * queued; 0: by the first poll. Systems without jobs ignore it */
  guint   deep_body;           /* answers' bodies are JSON nested this deep; 0: off */
} PbSandboxFaults;

#define PB_TYPE_SANDBOX (pb_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (PbSandbox, pb_sandbox, PB, SANDBOX, GObject)

PbSandbox   *pb_sandbox_new                   (const char             *system,
                                               GError                **error);
const char  *pb_sandbox_get_system            (PbSandbox              *self);
const char **pb_sandbox_list_systems          (void);

gboolean     pb_sandbox_load_seed_file        (PbSandbox              *self,
                                               const char             *path,
                                               GError                **error);
gboolean     pb_sandbox_load_seed_data        (PbSandbox              *self,
                                               const char             *json,
                                               gssize                  length,
                                               GError                **error);
void         pb_sandbox_reset                 (PbSandbox              *self);

gboolean     pb_sandbox_listen                (PbSandbox              *self,
                                               guint                   port,
                                               GError                **error);
guint        pb_sandbox_get_port              (PbSandbox              *self);
const char  *pb_sandbox_get_url               (PbSandbox              *self);
const char  *pb_sandbox_get_api_url           (PbSandbox              *self);

gboolean     pb_sandbox_set_faults            (PbSandbox              *self,
                                               const PbSandboxFaults  *faults,
                                               GError                **error);
void         pb_sandbox_get_faults            (PbSandbox              *self,
                                               PbSandboxFaults        *faults);

gboolean     pb_sandbox_parse_rate_limit      (const char             *text,
                                               guint                  *count,
                                               guint                  *seconds,
                                               GError                **error);

JsonNode    *pb_sandbox_dup_state             (PbSandbox              *self);
guint        pb_sandbox_get_request_count     (PbSandbox              *self,
                                               const char             *method,
                                               const char             *path_prefix);
guint        pb_sandbox_get_dropped_before_read_count (PbSandbox      *self);
guint        pb_sandbox_get_dropped_count     (PbSandbox              *self);
void         pb_sandbox_drop_next             (PbSandbox              *self,
                                               const char             *method,
                                               const char             *path_glob);
guint        pb_sandbox_get_session_count     (PbSandbox              *self);
void         pb_sandbox_expire_sessions       (PbSandbox              *self);
gboolean     pb_sandbox_set_locked            (PbSandbox              *self,
                                               const char             *kind,
                                               gint64                  id,
                                               gboolean                locked,
                                               GError                **error);

/* The OAuth2 server every sandbox serves at /oauth2/ (README: OAuth2). */
guint        pb_sandbox_get_oauth2_count      (PbSandbox              *self,
                                               const char             *grant_type);
void         pb_sandbox_oauth2_revoke_refresh_tokens (PbSandbox       *self);
void         pb_sandbox_oauth2_expire_access_tokens  (PbSandbox       *self);
void         pb_sandbox_oauth2_set_rotation   (PbSandbox              *self,
                                               gboolean                rotate);
void         pb_sandbox_oauth2_set_access_lifetime   (PbSandbox       *self,
                                                      guint            seconds);
char        *pb_sandbox_oauth2_dup_last_code_verifier (PbSandbox      *self);
char        *pb_sandbox_oauth2_mint_access_token (PbSandbox          *self,
                                                  const char         *scope);

G_END_DECLS
