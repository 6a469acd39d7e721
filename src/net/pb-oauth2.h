/* pb-oauth2.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-http.h"

G_BEGIN_DECLS

/* The kind of the one keyring item (PbSecrets) that holds a connection's
 * OAuth2 tokens: a JSON object {access_token, refresh_token, expires_at
 * (absolute unix seconds), token_type}. */
#define PB_OAUTH2_SECRET_KIND "oauth2-tokens"

/* Where a payroll system signs users in, and who Paybridge is to it. The
 * connector gives the defaults; a connection may override the URLs
 * (--auth-url, --token-url). */
typedef struct
{
  const char         *auth_url;       /* authorization endpoint (https, or http to this machine) */
  const char         *token_url;      /* token endpoint (same rule) */
  const char         *client_id;
  const char         *client_secret;  /* (nullable) NULL: a public client */
  const char * const *scopes;         /* (nullable) sent space-separated as `scope` */
  const char * const *extra_params;   /* (nullable) name, value, name, value..., NULL:
                                       * more authorization parameters, e.g. a tenant */
  const char * const *token_params;   /* (nullable) the same for every token request
                                       * (code exchange and refresh): Visma Connect's
                                       * tenant_id */
  gboolean            client_auth_basic; /* the client authenticates at the token endpoint
                                          * with HTTP Basic (Fortnox), not in the form */
} PbOAuth2Endpoints;

/* Shows the authorization URL to the user: the CLI prints it, the UI
 * offers "copy link". Called once, before pb_oauth2_authorize_async()
 * returns. */
typedef void (*PbOAuth2UriFunc) (const char *uri,
                                 gpointer    user_data);

#define PB_TYPE_OAUTH2 (pb_oauth2_get_type ())

G_DECLARE_FINAL_TYPE (PbOAuth2, pb_oauth2, PB, OAUTH2, GObject)

PbOAuth2   *pb_oauth2_new                (const PbOAuth2Endpoints  *endpoints,
                                          const char               *register_id,
                                          gint64                    connection_id,
                                          const char               *label,
                                          GError                  **error);
gint64      pb_oauth2_get_connection_id  (PbOAuth2                 *self);
gboolean    pb_oauth2_get_open_browser   (PbOAuth2                 *self);
void        pb_oauth2_set_open_browser   (PbOAuth2                 *self,
                                          gboolean                  open_browser);
guint       pb_oauth2_get_timeout        (PbOAuth2                 *self);
void        pb_oauth2_set_timeout        (PbOAuth2                 *self,
                                          guint                     seconds);
guint       pb_oauth2_get_refresh_margin (PbOAuth2                 *self);
void        pb_oauth2_set_refresh_margin (PbOAuth2                 *self,
                                          guint                     seconds);

void        pb_oauth2_authorize_async    (PbOAuth2                 *self,
                                          PbOAuth2UriFunc           show_uri,
                                          gpointer                  show_uri_data,
                                          GCancellable             *cancellable,
                                          GAsyncReadyCallback       callback,
                                          gpointer                  user_data);
gboolean    pb_oauth2_authorize_finish   (PbOAuth2                 *self,
                                          GAsyncResult             *result,
                                          GError                  **error);

void        pb_oauth2_attach             (PbOAuth2                 *self,
                                          PbHttp                   *http);

void        pb_oauth2_forget_async       (PbOAuth2                 *self,
                                          GCancellable             *cancellable,
                                          GAsyncReadyCallback       callback,
                                          gpointer                  user_data);
gboolean    pb_oauth2_forget_finish      (PbOAuth2                 *self,
                                          GAsyncResult             *result,
                                          GError                  **error);

G_END_DECLS
