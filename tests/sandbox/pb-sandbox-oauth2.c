/* pb-sandbox-oauth2.c: the sandbox's OAuth2 authorization server
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <string.h>

#include "pb-sandbox-oauth2.h"

/* An OAuth2 authorization server as the payroll systems that use OAuth2
 * run one (Fortnox, Visma, Unimicro...), for the sign-in of SPEC C2:
 *
 *   GET  /oauth2/authorize  RFC 6749 §4.1.1 with RFC 7636 §4.3 (PKCE, S256
 *                           only). It approves at once, without a login
 *                           page, and redirects to the client's loopback
 *                           redirect URI (RFC 8252 §7.3) with a code.
 *   POST /oauth2/token      §4.1.3 (authorization_code, with the PKCE
 *                           verifier, §4.5 of RFC 7636) and §6
 *                           (refresh_token, rotating the refresh token or
 *                           not, as set).
 *   GET  /oauth2/me         a protected resource (RFC 6750): the account's
 *                           name and currency for a valid Bearer token.
 *
 * The same server answers at Fortnox's paths, /oauth-v1/auth and
 * /oauth-v1/token, where the token endpoint takes the client's
 * credentials as HTTP Basic only (Fortnox's documentation: "Authorization:
 * Basic {Credentials}"). Refresh tokens live 45 days (Fortnox's lifetime)
 * and, with rotation on (the default), are used once.
 *
 * The one client is `sandbox-client`. It may authenticate with the secret
 * `sandbox-secret` (HTTP Basic, §2.3.1, or in the form) or not at all (a
 * public client, as a desktop app is); a wrong secret is `invalid_client`.
 *
 * Codes live 60 s and are used once: a code presented a second time is
 * refused and the tokens issued from it are revoked (§4.1.2). Tokens are
 * random and kept in memory only; the state JSON and the log carry counts,
 * never a code or a token. No faults apply here: the faults are for the
 * emulated API. */

#define CLIENT_ID          "sandbox-client"
#define CLIENT_SECRET      "sandbox-secret"
#define CODE_LIFETIME_US   (60 * G_USEC_PER_SEC)
#define ACCOUNT_NAME       "Sandbox AS"
#define ACCOUNT_CURRENCY   "NOK"

typedef struct
{
  char   *redirect_uri;
  char   *challenge;      /* base64url(SHA-256(verifier)) */
  char   *scope;          /* (nullable) */
  guint   family;         /* the grant: every token issued from this code */
  gint64  expires;        /* monotonic µs */
} Code;

typedef struct
{
  char   *scope;          /* (nullable) */
  guint   family;
  gint64  expires;        /* monotonic µs; 0: never (a refresh token without a lifetime) */
} Grant;

/* A system that signs in per tenant (Visma Connect's `tenant_id`): every
 * token request must name the one tenant the sandbox knows. */
#define TENANT_UNKNOWN_DESCRIPTION "The tenant is unknown, or the app has not been authorized for it"


struct _PbSandboxOAuth2
{
  GHashTable *codes;          /* code -> Code* */
  GHashTable *used_codes;     /* code -> family (GUINT_TO_POINTER) */
  GHashTable *access_tokens;  /* token -> Grant* */
  GHashTable *refresh_tokens; /* token -> Grant* */
  GHashTable *token_counts;   /* grant_type as sent ("" when missing) -> count */
  guint       next_family;
  gboolean    rotate;         /* a refresh hands out a new refresh token */
  guint       access_lifetime;/* seconds */
  guint       refresh_lifetime;/* seconds; 0: refresh tokens never expire */
  char       *last_verifier;  /* (nullable) for tests of the client's logging */
  char       *tenant_param;   /* (nullable) the token request's tenant parameter, "tenant_id" */
  char       *tenant;         /* (nullable) the tenant it must name */
  GHashTable *tenant_counts;  /* "missing", "wrong": refused token requests */
};

static void
code_free (Code *code)
{
  g_free (code->redirect_uri);
  g_free (code->challenge);
  g_free (code->scope);
  g_free (code);
}

static void
grant_free (Grant *grant)
{
  g_free (grant->scope);
  g_free (grant);
}

PbSandboxOAuth2 *
pb_sandbox_oauth2_new (void)
{
  PbSandboxOAuth2 *server = g_new0 (PbSandboxOAuth2, 1);

  server->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) code_free);
  server->used_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->access_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) grant_free);
  server->refresh_tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) grant_free);
  server->token_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  server->next_family = 1;
  server->rotate = TRUE;
  server->access_lifetime = 3600;
  server->refresh_lifetime = 45 * 24 * 3600;
  server->tenant_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return server;
}

void
pb_sandbox_oauth2_free (PbSandboxOAuth2 *server)
{
  g_hash_table_unref (server->codes);
  g_hash_table_unref (server->used_codes);
  g_hash_table_unref (server->access_tokens);
  g_hash_table_unref (server->refresh_tokens);
  g_hash_table_unref (server->token_counts);
  g_free (server->last_verifier);
  g_free (server->tenant_param);
  g_free (server->tenant);
  g_hash_table_unref (server->tenant_counts);
  g_free (server);
}

static gboolean
has_prefix (const char *path,
            const char *prefix)
{
  gsize length = strlen (prefix);

  return g_str_has_prefix (path, prefix) && (path[length] == '/' || path[length] == '\0');
}

gboolean
pb_sandbox_oauth2_owns_path (const char *path)
{
  return has_prefix (path, PB_SANDBOX_OAUTH2_PREFIX) || has_prefix (path, PB_SANDBOX_FORTNOX_OAUTH_PREFIX);
}

static char *new_secret (const char *prefix);

/**
 * pb_sandbox_oauth2_mint_access_token:
 *
 * For tests that sign in by other means than the browser flow (the
 * contract test, which must not send the sign-in through its proxy): a
 * live access token of a new grant, as if the code flow had run.
 *
 * Returns: (transfer full): the token
 */
char *
pb_sandbox_oauth2_mint_access_token (PbSandbox  *self,
                                     const char *scope)
{
  PbSandboxOAuth2 *server = pb_sandbox_get_oauth2 (self);
  char *access = new_secret ("sbx-at-");
  Grant *grant = g_new0 (Grant, 1);

  grant->scope = g_strdup (scope);
  grant->family = server->next_family++;
  grant->expires = g_get_monotonic_time () + (gint64) server->access_lifetime * G_USEC_PER_SEC;
  g_hash_table_insert (server->access_tokens, g_strdup (access), grant);
  return access;
}

/**
 * pb_sandbox_oauth2_check_access:
 * @why: (out): when refused, why, in words for the log and the answer
 *
 * Whether @token is a live access token of this server: for the emulated
 * APIs that take this server's Bearer tokens (Fortnox).
 */
gboolean
pb_sandbox_oauth2_check_access (PbSandboxOAuth2  *server,
                                const char       *token,
                                const char      **why)
{
  Grant *grant = token != NULL ? g_hash_table_lookup (server->access_tokens, token) : NULL;

  if (grant == NULL)
    {
      *why = "The access token is unknown or revoked";
      return FALSE;
    }
  if (g_get_monotonic_time () >= grant->expires)
    {
      *why = "The access token expired";
      return FALSE;
    }
  return TRUE;
}

/* --- helpers -------------------------------------------------------------- */

/* 32 random bytes as hex, with a prefix that says what it is. The sandbox
 * is not a security boundary; GLib's PRNG (seeded from /dev/urandom) is
 * enough to make every token distinct. */
static char *
new_secret (const char *prefix)
{
  GString *text = g_string_new (prefix);

  for (guint i = 0; i < 8; i++)
    g_string_append_printf (text, "%08x", g_random_int ());
  return g_string_free (text, FALSE);
}

static char *
base64url (const guint8 *data,
           gsize         length)
{
  char *text = g_base64_encode (data, length);
  gsize end = strlen (text);

  while (end > 0 && text[end - 1] == '=')
    text[--end] = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

/* RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
static char *
s256 (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  return base64url (digest, length);
}

/* RFC 7636 §4.1: 43 to 128 characters of [A-Z] [a-z] [0-9] - . _ ~ */
static gboolean
is_pkce_text (const char *text)
{
  gsize length = strlen (text);

  if (length < 43 || length > 128)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Reads x-www-form-urlencoded @text. A name given twice is an error
 * (RFC 6749 §3.1: "Request and response parameters MUST NOT be included
 * more than once"), and so is broken percent-encoding. */
static GHashTable *
parse_params (const char  *text,
              gssize       length,
              GError     **error)
{
  g_autoptr(GHashTable) params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GUriParamsIter iter;
  char *name = NULL;
  char *value = NULL;

  if (text == NULL || length == 0)
    return g_steal_pointer (&params);

  g_uri_params_iter_init (&iter, text, length, "&", G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &name, &value, error))
    {
      if (g_hash_table_contains (params, name))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The parameter %s is given more than once", name);
          g_free (name);
          g_free (value);
          return NULL;
        }
      g_hash_table_insert (params, name, value);
    }
  if (error != NULL && *error != NULL)
    return NULL;

  return g_steal_pointer (&params);
}

static const char *
param (GHashTable *params,
       const char *name)
{
  const char *value = g_hash_table_lookup (params, name);

  return value != NULL && *value != '\0' ? value : NULL;
}

/* RFC 6749 §5.2 (and §4.1.2.1 when it cannot redirect): a JSON error body. */
static void
respond_oauth_error (PbSandboxExchange *ex,
                     guint              status,
                     const char        *error,
                     const char        *description)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, error);
  json_builder_set_member_name (builder, "error_description");
  json_builder_add_string_value (builder, description);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  pb_sandbox_exchange_set_json (ex, status, node);
  pb_sandbox_exchange_set_header (ex, "Cache-Control", "no-store");
  pb_sandbox_exchange_set_header (ex, "Pragma", "no-cache");
}

static void
respond_not_allowed (PbSandboxExchange *ex,
                     const char        *allow)
{
  g_autofree char *description = g_strdup_printf ("Use %s", allow);

  pb_sandbox_exchange_set_header (ex, "Allow", allow);
  respond_oauth_error (ex, 405, "invalid_request", description);
}

/* RFC 8252 §7.3 and §8.3: a loopback IP literal over plain http, any port;
 * no fragment (RFC 6749 §3.1.2). "localhost" is not accepted: the RFC
 * recommends against it, and a strict sandbox catches the mistake. */
static gboolean
is_loopback_redirect (const char *redirect_uri)
{
  g_autoptr(GUri) uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
  const char *host;

  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 || g_uri_get_fragment (uri) != NULL)
    return FALSE;
  host = g_uri_get_host (uri);
  return g_strcmp0 (host, "127.0.0.1") == 0 || g_strcmp0 (host, "::1") == 0;
}

/* §4.1.2 and §4.1.2.1: the answer goes back to the client's redirect URI,
 * with `state` as it came. */
static void
respond_redirect (PbSandboxExchange *ex,
                  const char        *redirect_uri,
                  const char        *first_name,
                  const char        *first_value,
                  const char        *second_name,
                  const char        *second_value,
                  const char        *state)
{
  GString *location = g_string_new (redirect_uri);
  const char *names[] = { first_name, second_name, "state" };
  const char *values[] = { first_value, second_value, state };
  gboolean has_query = strchr (redirect_uri, '?') != NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *escaped = NULL;

      if (names[i] == NULL || values[i] == NULL)
        continue;
      escaped = g_uri_escape_string (values[i], NULL, FALSE);
      g_string_append_c (location, has_query ? '&' : '?');
      g_string_append_printf (location, "%s=%s", names[i], escaped);
      has_query = TRUE;
    }

  text = g_string_free (location, FALSE);
  pb_sandbox_exchange_set_empty (ex, 302);
  pb_sandbox_exchange_set_header (ex, "Location", text);
  pb_sandbox_exchange_set_header (ex, "Cache-Control", "no-store");
}

/* --- GET /oauth2/authorize ---------------------------------------------- */

static void
handle_authorize (PbSandboxOAuth2   *server,
                  PbSandboxExchange *ex)
{
  GUri *uri = soup_server_message_get_uri (ex->msg);
  const char *raw_query = g_uri_get_query (uri);
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  const char *client_id, *redirect_uri, *response_type, *challenge, *method, *state, *scope;
  g_autofree char *code = NULL;
  Code *record;

  if (!g_str_equal (ex->method, "GET"))
    {
      respond_not_allowed (ex, "GET");
      return;
    }

  params = parse_params (raw_query, -1, &error);
  if (params == NULL)
    {
      respond_oauth_error (ex, 400, "invalid_request", error->message);
      return;
    }

  client_id = param (params, "client_id");
  redirect_uri = param (params, "redirect_uri");
  state = param (params, "state");

  /* §4.1.2.1: with a client or redirect URI that cannot be trusted, tell
   * the user and never redirect. */
  if (client_id == NULL || !g_str_equal (client_id, CLIENT_ID))
    {
      respond_oauth_error (ex, 400, client_id == NULL ? "invalid_request" : "unauthorized_client",
                           client_id == NULL ? "client_id is missing" : "Unknown client_id");
      return;
    }
  if (redirect_uri == NULL || !is_loopback_redirect (redirect_uri))
    {
      respond_oauth_error (ex, 400, "invalid_request",
                           redirect_uri == NULL ? "redirect_uri is missing"
                                                : "redirect_uri must be http://127.0.0.1:PORT/... or http://[::1]:PORT/...");
      return;
    }

  /* From here on the errors go back to the client by redirect. */
  response_type = param (params, "response_type");
  challenge = param (params, "code_challenge");
  method = param (params, "code_challenge_method");
  scope = param (params, "scope");

  if (response_type == NULL)
    respond_redirect (ex, redirect_uri, "error", "invalid_request", "error_description",
                      "response_type is missing", state);
  else if (!g_str_equal (response_type, "code"))
    respond_redirect (ex, redirect_uri, "error", "unsupported_response_type", "error_description",
                      "Only response_type=code is supported", state);
  /* RFC 7636 §4.4.1: PKCE is required here; "plain" (the default when the
   * method is left out) is not accepted. */
  else if (challenge == NULL)
    respond_redirect (ex, redirect_uri, "error", "invalid_request", "error_description",
                      "code challenge required", state);
  else if (method == NULL || !g_str_equal (method, "S256"))
    respond_redirect (ex, redirect_uri, "error", "invalid_request", "error_description",
                      "transform algorithm not supported: use code_challenge_method=S256", state);
  else if (strlen (challenge) != 43 || !is_pkce_text (challenge))
    respond_redirect (ex, redirect_uri, "error", "invalid_request", "error_description",
                      "code_challenge is not a base64url SHA-256", state);
  else
    {
      record = g_new0 (Code, 1);
      record->redirect_uri = g_strdup (redirect_uri);
      record->challenge = g_strdup (challenge);
      record->scope = g_strdup (scope);
      record->family = server->next_family++;
      record->expires = g_get_monotonic_time () + CODE_LIFETIME_US;
      code = new_secret ("sbx-code-");
      g_hash_table_insert (server->codes, g_strdup (code), record);
      respond_redirect (ex, redirect_uri, "code", code, NULL, NULL, state);
    }
}

/* --- POST /oauth2/token --------------------------------------------------- */

static void
revoke_family (PbSandboxOAuth2 *server,
               guint            family)
{
  GHashTable *tables[] = { server->access_tokens, server->refresh_tokens };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, tables[i]);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (((Grant *) value)->family == family)
          g_hash_table_iter_remove (&iter);
    }
}

/* §5.1: a new access token (and refresh token when @refresh is set). */
static void
respond_tokens (PbSandboxOAuth2   *server,
                PbSandboxExchange *ex,
                guint              family,
                const char        *scope,
                gboolean           refresh)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *access = new_secret ("sbx-at-");
  g_autofree char *refresh_token = refresh ? new_secret ("sbx-rt-") : NULL;
  Grant *grant = g_new0 (Grant, 1);

  grant->scope = g_strdup (scope);
  grant->family = family;
  grant->expires = g_get_monotonic_time () + (gint64) server->access_lifetime * G_USEC_PER_SEC;
  g_hash_table_insert (server->access_tokens, g_strdup (access), grant);

  if (refresh_token != NULL)
    {
      grant = g_new0 (Grant, 1);
      grant->scope = g_strdup (scope);
      grant->family = family;
      if (server->refresh_lifetime > 0)
        grant->expires = g_get_monotonic_time () + (gint64) server->refresh_lifetime * G_USEC_PER_SEC;
      g_hash_table_insert (server->refresh_tokens, g_strdup (refresh_token), grant);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, access);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, "Bearer");
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, server->access_lifetime);
  if (refresh_token != NULL)
    {
      json_builder_set_member_name (builder, "refresh_token");
      json_builder_add_string_value (builder, refresh_token);
    }
  json_builder_set_member_name (builder, "scope");
  json_builder_add_string_value (builder, scope != NULL ? scope : "");
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  pb_sandbox_exchange_set_json (ex, 200, node);
  pb_sandbox_exchange_set_header (ex, "Cache-Control", "no-store");
  pb_sandbox_exchange_set_header (ex, "Pragma", "no-cache");
}

/* §2.3.1: HTTP Basic with the form-encoded id and secret, or both in the
 * body; a public client sends its client_id alone. Using two methods at
 * once is an error (§2.3). Returns FALSE with the error answer set. */
static gboolean
authenticate_client (PbSandboxExchange *ex,
                     GHashTable        *params,
                     gboolean           basic_only)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "Authorization");
  const char *form_id = param (params, "client_id");
  const char *form_secret = g_hash_table_lookup (params, "client_secret");
  g_autofree char *basic_id = NULL;
  g_autofree char *basic_secret = NULL;
  const char *id, *secret;

  if (header != NULL && g_ascii_strncasecmp (header, "Basic ", 6) == 0)
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (header + 6, &length);
      g_autofree char *text = g_strndup ((const char *) decoded, length);
      char *colon = strchr (text, ':');

      if (colon == NULL || form_secret != NULL)
        {
          pb_sandbox_exchange_set_header (ex, "WWW-Authenticate", "Basic realm=\"sandbox\"");
          respond_oauth_error (ex, 401, "invalid_client",
                               colon == NULL ? "Malformed Basic credentials"
                                             : "Use one way of client authentication, not two");
          return FALSE;
        }
      *colon = '\0';
      basic_id = g_uri_unescape_string (text, NULL);
      basic_secret = g_uri_unescape_string (colon + 1, NULL);
      if (basic_id != NULL && form_id != NULL && !g_str_equal (basic_id, form_id))
        {
          respond_oauth_error (ex, 400, "invalid_request", "client_id differs from the Basic credentials");
          return FALSE;
        }
    }

  if (basic_only && basic_id == NULL)
    {
      pb_sandbox_exchange_set_header (ex, "WWW-Authenticate", "Basic realm=\"sandbox\"");
      respond_oauth_error (ex, 401, "invalid_client",
                           "The client's credentials must come as HTTP Basic (Authorization: Basic)");
      return FALSE;
    }

  id = basic_id != NULL ? basic_id : form_id;
  secret = basic_id != NULL ? basic_secret : form_secret;

  if (id == NULL)
    {
      respond_oauth_error (ex, 401, "invalid_client", "No client authentication and no client_id");
      return FALSE;
    }
  if (!g_str_equal (id, CLIENT_ID) || (secret != NULL && !g_str_equal (secret, CLIENT_SECRET)))
    {
      if (basic_id != NULL)
        pb_sandbox_exchange_set_header (ex, "WWW-Authenticate", "Basic realm=\"sandbox\"");
      respond_oauth_error (ex, 401, "invalid_client", "Client authentication failed");
      return FALSE;
    }

  return TRUE;
}

/* §4.1.3 and RFC 7636 §4.5-4.6. */
static void
exchange_code (PbSandboxOAuth2   *server,
               PbSandboxExchange *ex,
               GHashTable        *params)
{
  const char *code = param (params, "code");
  const char *redirect_uri = param (params, "redirect_uri");
  const char *verifier = param (params, "code_verifier");
  g_autofree char *challenge = NULL;
  gpointer family = NULL;
  Code *record;
  g_autofree char *key = NULL;

  if (code == NULL || redirect_uri == NULL || verifier == NULL)
    {
      respond_oauth_error (ex, 400, "invalid_request",
                           code == NULL ? "code is missing"
                                        : redirect_uri == NULL ? "redirect_uri is missing" : "code_verifier is missing");
      return;
    }
  if (!is_pkce_text (verifier))
    {
      respond_oauth_error (ex, 400, "invalid_request", "code_verifier must be 43 to 128 unreserved characters");
      return;
    }

  g_free (server->last_verifier);
  server->last_verifier = g_strdup (verifier);

  /* Used once: a second use revokes what the first one gave (§4.1.2). */
  if (g_hash_table_lookup_extended (server->used_codes, code, NULL, &family))
    {
      revoke_family (server, GPOINTER_TO_UINT (family));
      respond_oauth_error (ex, 400, "invalid_grant", "The authorization code was already used");
      return;
    }
  if (!g_hash_table_steal_extended (server->codes, code, (gpointer *) &key, (gpointer *) &record))
    {
      respond_oauth_error (ex, 400, "invalid_grant", "Unknown authorization code");
      return;
    }

  /* Whatever happens next, the code is spent: a wrong verifier cannot be
   * tried again with the same code. */
  g_hash_table_insert (server->used_codes, g_strdup (code), GUINT_TO_POINTER (record->family));
  challenge = s256 (verifier);

  if (g_get_monotonic_time () > record->expires)
    respond_oauth_error (ex, 400, "invalid_grant", "The authorization code expired");
  else if (!g_str_equal (record->redirect_uri, redirect_uri))
    respond_oauth_error (ex, 400, "invalid_grant", "redirect_uri differs from the authorization request's");
  else if (!g_str_equal (challenge, record->challenge))
    respond_oauth_error (ex, 400, "invalid_grant", "PKCE verification failed: the code_verifier does not match");
  else
    respond_tokens (server, ex, record->family, record->scope, TRUE);

  code_free (record);
}

/* §6 */
static void
refresh (PbSandboxOAuth2   *server,
         PbSandboxExchange *ex,
         GHashTable        *params)
{
  const char *token = param (params, "refresh_token");
  const char *scope = param (params, "scope");
  Grant *grant;
  g_autofree char *granted_scope = NULL;
  guint family;

  if (token == NULL)
    {
      respond_oauth_error (ex, 400, "invalid_request", "refresh_token is missing");
      return;
    }
  grant = g_hash_table_lookup (server->refresh_tokens, token);
  if (grant != NULL && grant->expires != 0 && g_get_monotonic_time () >= grant->expires)
    {
      g_hash_table_remove (server->refresh_tokens, token);
      grant = NULL;
    }
  if (grant == NULL)
    {
      respond_oauth_error (ex, 400, "invalid_grant", "The refresh token is invalid, expired or revoked");
      return;
    }
  /* The scope may only narrow (§6); the sandbox knows no scope values, so
   * any other scope than the granted one is refused. */
  if (scope != NULL && g_strcmp0 (scope, grant->scope) != 0)
    {
      respond_oauth_error (ex, 400, "invalid_scope", "The scope differs from the one granted");
      return;
    }

  granted_scope = g_strdup (grant->scope);
  family = grant->family;
  if (server->rotate)
    g_hash_table_remove (server->refresh_tokens, token);
  respond_tokens (server, ex, family, granted_scope, server->rotate);
}

static void
handle_token (PbSandboxOAuth2   *server,
              PbSandboxExchange *ex,
              gboolean           basic_only)
{
  SoupMessageHeaders *headers;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type;
  const char *grant_type;
  gsize size = 0;
  const char *data;

  if (!g_str_equal (ex->method, "POST"))
    {
      respond_not_allowed (ex, "POST");
      return;
    }

  headers = soup_server_message_get_request_headers (ex->msg);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (g_strcmp0 (content_type, "application/x-www-form-urlencoded") != 0)
    {
      respond_oauth_error (ex, 400, "invalid_request", "The body must be application/x-www-form-urlencoded");
      return;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (ex->msg));
  data = g_bytes_get_data (body, &size);
  params = parse_params (data, size, &error);
  if (params == NULL)
    {
      respond_oauth_error (ex, 400, "invalid_request", error->message);
      return;
    }

  grant_type = g_hash_table_lookup (params, "grant_type");
  {
    const char *counted = grant_type != NULL ? grant_type : "";
    guint n = GPOINTER_TO_UINT (g_hash_table_lookup (server->token_counts, counted));

    g_hash_table_replace (server->token_counts, g_strdup (counted), GUINT_TO_POINTER (n + 1));
  }

  if (!authenticate_client (ex, params, basic_only))
    return;

  /* Visma Connect: "Since the APIs are tenant-enabled, a valid tenantId
   * must be provided" (its sample code), in both grants. The error body of
   * a missing or wrong one is not published (notes B.1): RFC 6749's
   * invalid_request, and invalid_grant for a tenant the user has not
   * authorized the app for, so the client asks to sign in again. */
  if (server->tenant_param != NULL && grant_type != NULL && *grant_type != '\0')
    {
      const char *tenant = param (params, server->tenant_param);
      const char *what = tenant == NULL ? "missing" : "wrong";

      if (tenant == NULL || !g_str_equal (tenant, server->tenant))
        {
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (server->tenant_counts, what));
          g_autofree char *message = g_strdup_printf ("%s is missing", server->tenant_param);

          g_hash_table_replace (server->tenant_counts, g_strdup (what), GUINT_TO_POINTER (n + 1));
          if (tenant == NULL)
            respond_oauth_error (ex, 400, "invalid_request", message);
          else
            respond_oauth_error (ex, 400, "invalid_grant", TENANT_UNKNOWN_DESCRIPTION);
          return;
        }
    }

  if (grant_type == NULL || *grant_type == '\0')
    respond_oauth_error (ex, 400, "invalid_request", "grant_type is missing");
  else if (g_str_equal (grant_type, "authorization_code"))
    exchange_code (server, ex, params);
  else if (g_str_equal (grant_type, "refresh_token"))
    refresh (server, ex, params);
  else
    respond_oauth_error (ex, 400, "unsupported_grant_type", "Use authorization_code or refresh_token");
}

/* --- GET /oauth2/me -------------------------------------------------------- */

/* RFC 6750 §3: 401 with WWW-Authenticate, and no error code when the
 * request carried no token at all. */
static void
respond_bearer_error (PbSandboxExchange *ex,
                      const char        *error,
                      const char        *description)
{
  g_autofree char *challenge = NULL;

  if (error != NULL)
    challenge = g_strdup_printf ("Bearer realm=\"sandbox\", error=\"%s\", error_description=\"%s\"",
                                 error, description);
  else
    challenge = g_strdup ("Bearer realm=\"sandbox\"");
  respond_oauth_error (ex, 401, error != NULL ? error : "invalid_request", description);
  pb_sandbox_exchange_set_header (ex, "WWW-Authenticate", challenge);
}

static void
handle_me (PbSandboxOAuth2   *server,
           PbSandboxExchange *ex)
{
  const char *header = pb_sandbox_exchange_get_header (ex, "Authorization");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *token;
  Grant *grant;

  if (!g_str_equal (ex->method, "GET"))
    {
      respond_not_allowed (ex, "GET");
      return;
    }
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    {
      respond_bearer_error (ex, NULL, "A Bearer access token is required");
      return;
    }

  token = header + 7;
  while (*token == ' ')
    token++;
  grant = g_hash_table_lookup (server->access_tokens, token);
  if (grant == NULL)
    {
      respond_bearer_error (ex, "invalid_token", "The access token is unknown or revoked");
      return;
    }
  if (g_get_monotonic_time () >= grant->expires)
    {
      respond_bearer_error (ex, "invalid_token", "The access token expired");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, ACCOUNT_NAME);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, ACCOUNT_CURRENCY);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  pb_sandbox_exchange_set_json (ex, 200, node);
}

void
pb_sandbox_oauth2_handle (PbSandboxOAuth2   *server,
                          PbSandboxExchange *ex)
{
  const char *rest;

  if (has_prefix (ex->path, PB_SANDBOX_FORTNOX_OAUTH_PREFIX))
    {
      rest = ex->path + strlen (PB_SANDBOX_FORTNOX_OAUTH_PREFIX);
      if (g_str_equal (rest, "/auth"))
        handle_authorize (server, ex);
      else if (g_str_equal (rest, "/token"))
        handle_token (server, ex, TRUE);
      else
        respond_oauth_error (ex, 404, "not_found", "Fortnox's OAuth2 server has /oauth-v1/auth and /oauth-v1/token");
      return;
    }

  rest = ex->path + strlen (PB_SANDBOX_OAUTH2_PREFIX);
  if (g_str_equal (rest, "/authorize"))
    handle_authorize (server, ex);
  else if (g_str_equal (rest, "/token"))
    handle_token (server, ex, FALSE);
  else if (g_str_equal (rest, "/me"))
    handle_me (server, ex);
  else
    respond_oauth_error (ex, 404, "not_found", "The OAuth2 server has /oauth2/authorize, /oauth2/token and /oauth2/me");
}

JsonNode *
pb_sandbox_oauth2_dup_state (PbSandboxOAuth2 *server)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GList) keys = g_hash_table_get_keys (server->token_counts);

  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "clientId");
  json_builder_add_string_value (builder, CLIENT_ID);
  json_builder_set_member_name (builder, "rotation");
  json_builder_add_boolean_value (builder, server->rotate);
  json_builder_set_member_name (builder, "accessLifetime");
  json_builder_add_int_value (builder, server->access_lifetime);
  json_builder_set_member_name (builder, "tokenRequests");
  json_builder_begin_object (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_int_value (builder, GPOINTER_TO_UINT (g_hash_table_lookup (server->token_counts, l->data)));
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "pendingCodes");
  json_builder_add_int_value (builder, g_hash_table_size (server->codes));
  json_builder_set_member_name (builder, "accessTokens");
  json_builder_add_int_value (builder, g_hash_table_size (server->access_tokens));
  json_builder_set_member_name (builder, "refreshTokens");
  json_builder_add_int_value (builder, g_hash_table_size (server->refresh_tokens));
  if (server->tenant_param != NULL)
    {
      json_builder_set_member_name (builder, "tenantParam");
      json_builder_add_string_value (builder, server->tenant_param);
      json_builder_set_member_name (builder, "tenantRefused");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "missing");
      json_builder_add_int_value (builder, GPOINTER_TO_UINT (g_hash_table_lookup (server->tenant_counts, "missing")));
      json_builder_set_member_name (builder, "wrong");
      json_builder_add_int_value (builder, GPOINTER_TO_UINT (g_hash_table_lookup (server->tenant_counts, "wrong")));
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* --- for emulated systems -------------------------------------------------- */

void
pb_sandbox_oauth2_set_tenant (PbSandboxOAuth2 *server,
                              const char      *param_name,
                              const char      *tenant)
{
  g_free (server->tenant_param);
  g_free (server->tenant);
  server->tenant_param = g_strdup (param_name);
  server->tenant = g_strdup (tenant);
}

/**
 * pb_sandbox_oauth2_check_bearer:
 * @header: (nullable): the request's Authorization header
 * @problem: (out): why not, when it returns FALSE
 *
 * Whether @header carries a Bearer access token this server issued and
 * that has not expired (RFC 6750), for an emulated API protected by it.
 */
gboolean
pb_sandbox_oauth2_check_bearer (PbSandboxOAuth2  *server,
                                const char       *header,
                                const char      **problem)
{
  const char *token;
  Grant *grant;

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    {
      *problem = "A Bearer access token is required";
      return FALSE;
    }
  token = header + 7;
  while (*token == ' ')
    token++;
  grant = g_hash_table_lookup (server->access_tokens, token);
  if (grant == NULL)
    {
      *problem = "The access token is unknown or revoked";
      return FALSE;
    }
  if (g_get_monotonic_time () >= grant->expires)
    {
      *problem = "The access token expired";
      return FALSE;
    }
  return TRUE;
}

/* --- PbSandbox's OAuth2 API (pb-sandbox.h) -------------------------------- */

/**
 * pb_sandbox_get_oauth2_count:
 * @grant_type: (nullable): "authorization_code", "refresh_token"..., or
 *   %NULL for every token request
 *
 * Returns: how many requests the token endpoint has had with that
 *   grant_type, whatever the answer
 */
guint
pb_sandbox_get_oauth2_count (PbSandbox  *self,
                             const char *grant_type)
{
  PbSandboxOAuth2 *server;
  GHashTableIter iter;
  gpointer value;
  guint total = 0;

  g_return_val_if_fail (PB_IS_SANDBOX (self), 0);

  server = pb_sandbox_get_oauth2 (self);
  if (grant_type != NULL)
    return GPOINTER_TO_UINT (g_hash_table_lookup (server->token_counts, grant_type));

  g_hash_table_iter_init (&iter, server->token_counts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += GPOINTER_TO_UINT (value);
  return total;
}

/**
 * pb_sandbox_oauth2_revoke_refresh_tokens:
 *
 * Forgets every refresh token, as when the user withdraws the app's access
 * at the payroll system: the next refresh gets `invalid_grant`. Access
 * tokens keep working until they expire.
 */
void
pb_sandbox_oauth2_revoke_refresh_tokens (PbSandbox *self)
{
  g_return_if_fail (PB_IS_SANDBOX (self));

  g_hash_table_remove_all (pb_sandbox_get_oauth2 (self)->refresh_tokens);
}

/**
 * pb_sandbox_oauth2_expire_access_tokens:
 *
 * Every access token handed out so far expires now: the next request with
 * one gets 401 (`invalid_token`). Refresh tokens stay valid.
 */
void
pb_sandbox_oauth2_expire_access_tokens (PbSandbox *self)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (PB_IS_SANDBOX (self));

  g_hash_table_iter_init (&iter, pb_sandbox_get_oauth2 (self)->access_tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Grant *) value)->expires = MIN (((Grant *) value)->expires, now);
}

/**
 * pb_sandbox_oauth2_set_rotation:
 * @rotate: %TRUE (the default): a refresh answers with a new refresh token
 *   and the old one stops working; %FALSE: the answer has no refresh_token
 *   and the old one stays valid
 */
void
pb_sandbox_oauth2_set_rotation (PbSandbox *self,
                                gboolean   rotate)
{
  g_return_if_fail (PB_IS_SANDBOX (self));

  pb_sandbox_get_oauth2 (self)->rotate = !!rotate;
}

/**
 * pb_sandbox_oauth2_set_access_lifetime:
 * @seconds: `expires_in` of access tokens issued from now on (default 3600)
 */
void
pb_sandbox_oauth2_set_access_lifetime (PbSandbox *self,
                                       guint      seconds)
{
  g_return_if_fail (PB_IS_SANDBOX (self));

  pb_sandbox_get_oauth2 (self)->access_lifetime = seconds;
}

/**
 * pb_sandbox_oauth2_dup_last_code_verifier:
 *
 * For tests of a client: the `code_verifier` of the last well-formed
 * authorization_code request (to check its shape, and that it appears in
 * no log). Never in the state JSON.
 *
 * Returns: (transfer full) (nullable): the verifier
 */
char *
pb_sandbox_oauth2_dup_last_code_verifier (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), NULL);

  return g_strdup (pb_sandbox_get_oauth2 (self)->last_verifier);
}
