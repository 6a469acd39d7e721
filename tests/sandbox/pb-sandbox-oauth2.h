/* pb-sandbox-oauth2.h: the sandbox's OAuth2 authorization server (private)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-sandbox-private.h"

G_BEGIN_DECLS

/* Every sandbox, whatever system it emulates, serves one OAuth2 server at
 * /oauth2/ (RFC 6749 §4.1 with RFC 7636 PKCE). Its public knobs are the
 * pb_sandbox_oauth2_* functions in pb-sandbox.h. */
typedef struct _PbSandboxOAuth2 PbSandboxOAuth2;

#define PB_SANDBOX_OAUTH2_PREFIX "/oauth2"
/* The same server at Fortnox's paths: /oauth-v1/auth, /oauth-v1/token. */
#define PB_SANDBOX_FORTNOX_OAUTH_PREFIX "/oauth-v1"

PbSandboxOAuth2 *pb_sandbox_oauth2_new        (void);
void             pb_sandbox_oauth2_free       (PbSandboxOAuth2   *server);
gboolean         pb_sandbox_oauth2_owns_path  (const char        *path);
void             pb_sandbox_oauth2_handle     (PbSandboxOAuth2   *server,
                                               PbSandboxExchange *ex);
gboolean         pb_sandbox_oauth2_check_access (PbSandboxOAuth2 *server,
                                                 const char      *token,
                                                 const char     **why);
/* Counts and settings only: never a code or a token. */
JsonNode        *pb_sandbox_oauth2_dup_state  (PbSandboxOAuth2   *server);

/* For a system that signs in per tenant: token requests must carry
 * @param_name=@tenant (Visma Connect: tenant_id). */
void             pb_sandbox_oauth2_set_tenant (PbSandboxOAuth2   *server,
                                               const char        *param_name,
                                               const char        *tenant);
gboolean         pb_sandbox_oauth2_check_bearer (PbSandboxOAuth2 *server,
                                               const char        *header,
                                               const char       **problem);

/* Defined in pb-sandbox.c: the sandbox's server. */
PbSandboxOAuth2 *pb_sandbox_get_oauth2        (PbSandbox         *self);

G_END_DECLS
