/* pb-sandbox-private.h: what an emulated payroll system plugs into
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "pb-sandbox.h"

G_BEGIN_DECLS

/* One request to the emulated API or a control endpoint. PbSandbox owns it;
 * a system fills in the answer with the pb_sandbox_exchange_* calls and
 * PbSandbox sends it (maybe late, cut short or not at all: the faults). */
typedef struct
{
  PbSandbox         *sandbox;      /* (unowned) */
  SoupServerMessage *msg;          /* (unowned) */
  const char        *method;
  const char        *path;         /* percent-decoded, e.g. "/v2/token/session/>whoAmI" */
  const char        *api_path;     /* @path after the system's prefix, e.g. "/employee/7" */
  GHashTable        *query;        /* (nullable) decoded names to values */
  char              *request_id;   /* (owned) (nullable) set on API requests */
  char              *rate_key;     /* (owned) (nullable) set by the system: whose quota */

  guint              status;
  GBytes            *body;         /* (owned) (nullable) */
  char              *content_type; /* (owned) (nullable) */
} PbSandboxExchange;

/* An emulated payroll system. A new system is one new file that defines one
 * of these, plus a line in the table in pb-sandbox.c. The backend is the
 * system's state; it lives as long as the PbSandbox. */
typedef struct
{
  const char *name;                 /* "tripletex": the --system value */
  const char *api_prefix;           /* where the API lives, e.g. "/v2" */
  const char *request_id_header;    /* (nullable) header naming each answer */
  const char *rate_limit_header;    /* (nullable) prefix: "X-Rate-Limit-" gives -Limit, -Remaining, -Reset */
  gboolean    reset_on_429;         /* send the -Reset header on a 429 too */
  /* The quota counts the requests of any window of its length (Fortnox:
   * 25 in any 5 s), not of fixed windows; a 429 says nothing more than
   * its status and error body (no Retry-After, no headers). */
  gboolean    sliding_window;
  /* The quota the system always has (a fault setting may change it);
   * 0: none. */
  guint       default_rate_limit_count;
  guint       default_rate_limit_seconds;

  gpointer  (*backend_new)        (PbSandbox          *sandbox);
  void      (*backend_free)       (gpointer            backend);
  /* Replaces every record with @seed's (NULL: the system's default); on
   * error nothing changes. Sessions survive. */
  gboolean  (*load_seed)          (gpointer            backend,
                                   JsonNode           *seed,
                                   GError            **error);
  /* Sets ex->rate_key (if the request names a caller) before rate limits
   * and faults are applied. Optional. */
  void      (*identify)           (gpointer            backend,
                                   PbSandboxExchange  *ex);
  void      (*handle)             (gpointer            backend,
                                   PbSandboxExchange  *ex);
  /* An error answer in the system's own shape. */
  void      (*respond_error)      (gpointer            backend,
                                   PbSandboxExchange  *ex,
                                   guint               status,
                                   int                 code,
                                   const char         *message);
  JsonNode *(*dup_state)          (gpointer            backend);
  guint     (*get_session_count)  (gpointer            backend);
  /* Forgets every session, as the real server does when they lapse. */
  void      (*expire_sessions)    (gpointer            backend);
  gboolean  (*set_locked)         (gpointer            backend,
                                   const char         *kind,
                                   gint64              id,
                                   gboolean            locked,
                                   GError            **error);
} PbSandboxSystem;

void        pb_sandbox_exchange_set_json    (PbSandboxExchange *ex,
                                             guint              status,
                                             JsonNode          *node);
void        pb_sandbox_exchange_set_empty   (PbSandboxExchange *ex,
                                             guint              status);
void        pb_sandbox_exchange_set_header  (PbSandboxExchange *ex,
                                             const char        *name,
                                             const char        *value);
const char *pb_sandbox_exchange_get_header  (PbSandboxExchange *ex,
                                             const char        *name);
const char *pb_sandbox_exchange_get_query   (PbSandboxExchange *ex,
                                             const char        *name);
JsonNode   *pb_sandbox_exchange_parse_body  (PbSandboxExchange *ex,
                                             GError           **error);

/* "127.0.0.1:PORT", for the URLs a system writes into its records. */
const char *pb_sandbox_get_host             (PbSandbox         *self);
/* Draws from the second PRNG stream: TRUE with the lock_rate probability. */
gboolean    pb_sandbox_roll_lock            (PbSandbox         *self);

G_END_DECLS
