/* pb-oauth2.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbOAuth2"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/random.h>

#include "pb-oauth2.h"
#include "pb-secrets.h"

/* PbOAuth2 signs a connection in to a payroll system that uses OAuth2 and
 * keeps its requests authorized (SPEC C2). One per connection.
 *
 * Signing in (pb_oauth2_authorize_async) is the authorization code grant
 * (RFC 6749 §4.1) for a native app (RFC 8252): PKCE with S256 (RFC 7636)
 * and a random `state`, both from getrandom(), never from a clock-seeded
 * PRNG; the system browser opens the authorization URL and comes back to a
 * SoupServer on 127.0.0.1 on a port the kernel picks, redirect URI
 * http://127.0.0.1:PORT/callback (RFC 8252 §7.3). The redirect is checked
 * by path and then by `state` before `code` or `error` is read. An answer
 * with a missing or wrong `state` is refused with a page saying so and the
 * sign-in goes on waiting: it may be a stale tab or a forged request (a
 * login CSRF), and neither may end the sign-in the user is doing; its
 * `code` is never exchanged. The wait ends with the real answer, the
 * timeout (5 minutes unless set) or the caller's cancellable.
 *
 * The code is exchanged through PbHttp at the token endpoint, and the
 * tokens go to the keyring (PbSecrets) as one item of kind
 * PB_OAUTH2_SECRET_KIND: {access_token, refresh_token, expires_at (unix
 * seconds), token_type}. Nothing secret is logged: not the code, the
 * verifier, the state, a token or the authorization URL (it holds the
 * state).
 *
 * Authorizing requests (pb_oauth2_attach) follows PbHttpAuthorizeFunc: the
 * tokens are read from the keyring on first use and refreshed when less
 * than the refresh margin (10 minutes) remains, or when a request's 401
 * names the current Authorization value. Like GOA's per-account lock, but
 * on the main loop: one load or refresh in flight per connection, and
 * every caller that comes meanwhile waits in a queue of GTasks for its
 * result. A refresh answer without a refresh_token keeps the old one; a new
 * one replaces it (rotation) and is stored. invalid_grant or invalid_client
 * means the sign-in is gone: PB_PROVIDER_ERROR_NOT_AUTHORIZED and the
 * ::needs-sign-in signal, and the refused refresh token is not sent again. */

typedef struct
{
  char   *access_token;
  char   *refresh_token;   /* (nullable) the server may not issue one */
  char   *token_type;
  gint64  expires_at;      /* unix seconds; 0: not known */
  gint64  lifetime;        /* seconds the server gave; 0: not known (read from the keyring) */
} Tokens;

struct _PbOAuth2
{
  GObject       parent_instance;

  char         *auth_url;
  char         *token_path;       /* the token endpoint's path on token_http */
  GPtrArray    *token_query;      /* (nullable) name, value... of the token URL's query */
  char         *client_id;
  char         *client_secret;    /* (nullable) */
  gboolean      client_auth_basic;
  char         *scope;            /* (nullable) space-separated */
  char        **extra_params;     /* (nullable) name, value... */
  char        **token_params;     /* (nullable) name, value... of every token request */
  char         *register_id;      /* with connection_id, the keyring item's key */
  gint64        connection_id;
  char         *label;            /* the keyring item's label */

  gboolean      open_browser;
  guint         timeout;          /* seconds to wait for the browser */
  guint         refresh_margin;   /* seconds */

  PbHttp       *token_http;       /* (owned) to the token endpoint */

  Tokens       *tokens;           /* (owned) (nullable) NULL: not read from the keyring yet */
  guint         generation;       /* +1 whenever a sign-in or forget replaces the tokens */
  gboolean      busy;             /* a load or refresh is in flight */
  guint         busy_generation;  /* @generation when it started */
  gboolean      busy_forced;      /* the refresh is for a 401, not for the time */
  GQueue        waiters;          /* GTask* of authorize calls waiting for it (owned refs) */
  char         *dead_refresh;     /* (nullable) the refresh token refused with invalid_grant */
  gboolean      needs_sign_in;
};

/* One sign-in: the task data of pb_oauth2_authorize_async(). */
typedef struct
{
  SoupServer   *server;        /* (owned) (nullable) the loopback redirect target */
  char         *redirect_uri;
  char         *state;         /* (owned) secret */
  char         *verifier;      /* (owned) secret */
  char         *code;          /* (owned) (nullable) secret, once the browser came back */
  GError       *refused;       /* (owned) (nullable) the `error` the browser came back with */
  GCancellable *cancellable;   /* (owned) (nullable) the caller's */
  gulong        cancel_id;
  guint         timeout_id;
  gboolean      show_uri;      /* the URL was shown: a browser that fails to open is no failure */
  gboolean      redirected;    /* the browser came back with our state: no other answer counts */
  gboolean      exchanging;
  gboolean      done;          /* the task has returned */
} Flow;

/* An authorize call of PbHttp's: the task data of authorize_request(). */
typedef struct
{
  char         *rejected;      /* (owned) (nullable) the value a 401 refused */
  GCancellable *cancellable;   /* (owned) (nullable) */
  gulong        cancel_id;
} Waiter;

static void advance (PbOAuth2 *self);

G_DEFINE_FINAL_TYPE (PbOAuth2, pb_oauth2, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION_ID,
  PROP_OPEN_BROWSER,
  PROP_TIMEOUT,
  PROP_REFRESH_MARGIN,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  NEEDS_SIGN_IN,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

#define CALLBACK_PATH "/callback"

/* The authorization request's own parameters; extra ones may not replace them. */
static const char * const reserved_params[] = {
  "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", NULL
};

/* --- helpers -------------------------------------------------------------- */

/* Overwrites a secret before freeing it. */
static void
secret_free (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
tokens_free (Tokens *tokens)
{
  if (tokens == NULL)
    return;
  secret_free (tokens->access_token);
  secret_free (tokens->refresh_token);
  g_free (tokens->token_type);
  g_free (tokens);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tokens, tokens_free)

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static char *
authorization_value (const Tokens *tokens)
{
  return g_strdup_printf ("Bearer %s", tokens->access_token);
}

/* Whether the access token should be renewed before it is used: less than
 * the margin left. A token that lives shorter than twice the margin (some
 * systems give 5 minutes) would otherwise be renewed before every request,
 * so for tokens got in this process the margin is at most half their life. */
static gboolean
tokens_due (PbOAuth2     *self,
            const Tokens *tokens)
{
  gint64 margin = self->refresh_margin;

  if (tokens->expires_at == 0)
    return FALSE;
  if (tokens->lifetime > 0)
    margin = MIN (margin, tokens->lifetime / 2);
  return tokens->expires_at - now_seconds () < margin;
}

/* Fills @buffer from the kernel's CSPRNG (RFC 7636 §7.1: the verifier must
 * not be guessable). */
static gboolean
random_bytes (guint8  *buffer,
              gsize    length,
              GError **error)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not get random numbers from the system: %s"), g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }

  return TRUE;
}

/* RFC 7636 Appendix A: base64url without padding. */
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

/* @length random bytes as base64url: 32 give the 43 characters RFC 7636
 * §4.1 recommends for a verifier. */
static char *
random_text (gsize    length,
             GError **error)
{
  guint8 buffer[64];
  char *text;

  g_assert (length <= sizeof buffer);
  if (!random_bytes (buffer, length, error))
    return NULL;
  text = base64url (buffer, length);
  explicit_bzero (buffer, sizeof buffer);
  return text;
}

/* RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
static char *
code_challenge (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  return base64url (digest, length);
}

/* Compares secrets in time that does not depend on where they differ. */
static gboolean
secret_equal (const char *a,
              const char *b)
{
  gsize length;
  guchar diff = 0;

  if (a == NULL || b == NULL || (length = strlen (a)) != strlen (b))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    diff |= (guchar) a[i] ^ (guchar) b[i];
  return diff == 0;
}

/* https, or plain http to this machine (the sandbox): a code or a token
 * never crosses a network unencrypted. */
static gboolean
check_endpoint (const char  *url,
                const char  *what,
                GUri       **parsed,
                GError     **error)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL) : NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) ||
      g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                   /* Translators: the first %s is "authorization endpoint" or "token endpoint" */
                   _("The OAuth2 %s “%s” is not an http(s) address"), what, url != NULL ? url : "");
      return FALSE;
    }
  if (g_str_equal (g_uri_get_scheme (uri), "http") && !pb_http_url_is_loopback (url))
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INSECURE,
                   _("The OAuth2 %s “%s” is not encrypted: use https:// (plain http is only allowed to this computer)"),
                   what, url);
      return FALSE;
    }

  if (parsed != NULL)
    *parsed = g_steal_pointer (&uri);
  return TRUE;
}

/* RFC 6749 §5.2 error codes into PB_PROVIDER_ERROR codes: the grant or the
 * client is no longer good means "sign in again". The OAuth2 code is kept
 * as the developer message for the error log. */
static void
decode_token_error (guint                   status,
                    JsonNode               *body,
                    PbProviderErrorDetails *details,
                    PbProviderError        *code)
{
  const char *error;

  pb_http_decode_error_default (status, body, details, code);
  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return;

  error = json_object_get_string_member_with_default (json_node_get_object (body), "error", NULL);
  if (error == NULL)
    return;
  if (details->developer_message == NULL)
    details->developer_message = g_strdup (error);
  if (g_str_equal (error, "invalid_grant") || g_str_equal (error, "invalid_client") ||
      g_str_equal (error, "unauthorized_client"))
    *code = PB_PROVIDER_ERROR_NOT_AUTHORIZED;
}

/* expires_in as a number, or as a number in a string (some servers). */
static gint64
member_seconds (JsonObject *object,
                const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value = 0;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return json_node_get_int (node);
    case G_TYPE_DOUBLE:
      return (gint64) json_node_get_double (node);
    case G_TYPE_STRING:
      if (g_ascii_string_to_signed (json_node_get_string (node), 10, 0, G_MAXINT32, &value, NULL))
        return value;
      return 0;
    default:
      return 0;
    }
}

static const char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Reads a token endpoint's answer (RFC 6749 §5.1). Without a new
 * refresh_token the one of @previous stays (§6: the server MAY issue one). */
static Tokens *
tokens_from_answer (JsonNode      *answer,
                    const Tokens  *previous,
                    GError       **error)
{
  g_autoptr(Tokens) tokens = g_new0 (Tokens, 1);
  JsonObject *object;
  const char *access, *refresh, *type;
  gint64 expires_in;

  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_set_error_literal (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                           _("The payroll system's token endpoint sent no tokens"));
      return NULL;
    }
  object = json_node_get_object (answer);
  access = member_text (object, "access_token");
  refresh = member_text (object, "refresh_token");
  type = member_text (object, "token_type");

  if (access == NULL || *access == '\0')
    {
      g_set_error_literal (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                           _("The payroll system's token endpoint sent no access token"));
      return NULL;
    }
  /* Only Bearer tokens (RFC 6750) are supported; a server that leaves the
   * type out is taken to mean Bearer. */
  if (type != NULL && g_ascii_strcasecmp (type, "bearer") != 0)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("The payroll system sent a token of type “%s”; Paybridge supports Bearer tokens"), type);
      return NULL;
    }

  tokens->access_token = g_strdup (access);
  tokens->token_type = g_strdup ("Bearer");
  if (refresh != NULL && *refresh != '\0')
    tokens->refresh_token = g_strdup (refresh);
  else if (previous != NULL)
    tokens->refresh_token = g_strdup (previous->refresh_token);

  expires_in = member_seconds (object, "expires_in");
  if (expires_in > 0)
    {
      tokens->lifetime = expires_in;
      tokens->expires_at = now_seconds () + expires_in;
    }

  return g_steal_pointer (&tokens);
}

/* The keyring item's secret: small JSON with an absolute expiry. */
static char *
tokens_to_json (const Tokens *tokens)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, tokens->access_token);
  json_builder_set_member_name (builder, "refresh_token");
  if (tokens->refresh_token != NULL)
    json_builder_add_string_value (builder, tokens->refresh_token);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, tokens->expires_at);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, tokens->token_type);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static Tokens *
tokens_from_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(Tokens) tokens = NULL;
  JsonObject *object;
  JsonNode *root;
  JsonNode *expires;
  const char *access, *refresh;

  if (!json_parser_load_from_data (parser, text, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  object = json_node_get_object (root);
  access = member_text (object, "access_token");
  refresh = member_text (object, "refresh_token");
  expires = json_object_get_member (object, "expires_at");
  if (access == NULL || *access == '\0' || expires == NULL || !JSON_NODE_HOLDS_VALUE (expires) ||
      json_node_get_value_type (expires) != G_TYPE_INT64)
    return NULL;

  tokens = g_new0 (Tokens, 1);
  tokens->access_token = g_strdup (access);
  tokens->refresh_token = refresh != NULL && *refresh != '\0' ? g_strdup (refresh) : NULL;
  tokens->expires_at = json_node_get_int (expires);
  tokens->token_type = g_strdup ("Bearer");

  return g_steal_pointer (&tokens);
}

/* A POST to the token endpoint with @form (RFC 6749 §4.1.3, §6). The
 * client authenticates in the form (client_secret_post) when it has a
 * secret; a public client sends its id alone. A system that wants HTTP
 * Basic (§2.3.1; Fortnox: "Authorization: Basic base64(ClientId:ClientSecret)")
 * gets that instead, and neither in the form. */
static PbHttpRequest *
token_request_new (PbOAuth2   *self,
                   GHashTable *form)
{
  PbHttpRequest *request = pb_http_request_new ("POST", self->token_path);

  if (self->client_auth_basic)
    {
      g_autofree char *pair = g_strdup_printf ("%s:%s", self->client_id,
                                               self->client_secret != NULL ? self->client_secret : "");
      g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
      g_autofree char *header = g_strconcat ("Basic ", encoded, NULL);

      pb_http_request_set_header (request, "Authorization", header);
      secret_free (g_steal_pointer (&pair));
    }
  else
    {
      g_hash_table_insert (form, g_strdup ("client_id"), g_strdup (self->client_id));
      if (self->client_secret != NULL)
        g_hash_table_insert (form, g_strdup ("client_secret"), g_strdup (self->client_secret));
    }
  for (guint i = 0; self->token_params != NULL && self->token_params[i] != NULL; i += 2)
    if (!g_hash_table_contains (form, self->token_params[i]))
      g_hash_table_insert (form, g_strdup (self->token_params[i]), g_strdup (self->token_params[i + 1]));

  pb_http_request_set_authorized (request, FALSE);
  pb_http_request_set_form (request, form);
  if (self->token_query != NULL)
    for (guint i = 0; i + 1 < self->token_query->len; i += 2)
      pb_http_request_add_query (request, self->token_query->pdata[i], self->token_query->pdata[i + 1]);

  return request;
}

static GHashTable *
form_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) secret_free);
}

static char *
item_label (PbOAuth2 *self)
{
  return g_strdup (self->label);
}

/* --- the authorizer: waiting callers ------------------------------------ */

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_id != 0)
    g_cancellable_disconnect (waiter->cancellable, waiter->cancel_id);
  g_clear_object (&waiter->cancellable);
  secret_free (waiter->rejected);
  g_free (waiter);
}

static gboolean
on_waiter_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  PbOAuth2 *self = g_task_get_source_object (task);

  /* Still waiting: it leaves the queue now instead of when the refresh ends. */
  if (g_queue_remove (&self->waiters, task))
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);   /* the queue's */
    }
  return G_SOURCE_REMOVE;
}

/* Runs in the emission of ::cancelled: the task is finished from an idle,
 * where disconnecting the handler is allowed. */
static void
on_waiter_cancelled_cb (GCancellable *cancellable,
                        gpointer      user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, on_waiter_cancelled_idle_cb, g_object_ref (user_data), g_object_unref);
}

/* Gives every waiting caller the current Authorization value, or @error.
 * The queue is emptied first: a callback may call the authorizer again. */
static void
finish_waiters (PbOAuth2     *self,
                const GError *error)
{
  GQueue waiters = self->waiters;
  g_autofree char *value = error == NULL ? authorization_value (self->tokens) : NULL;
  GTask *task;

  g_queue_init (&self->waiters);
  while ((task = g_queue_pop_head (&waiters)) != NULL)
    {
      if (g_task_return_error_if_cancelled (task))
        {
          /* The caller gave up meanwhile. */
        }
      else if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_strdup (value), (GDestroyNotify) secret_free);
      g_object_unref (task);
    }

  if (value != NULL)
    explicit_bzero (value, strlen (value));
}

/* The sign-in is gone: tell the engine and the UI (::needs-sign-in, once
 * per loss), then fail every waiting caller. Takes @error. */
static void
fail_needs_sign_in (PbOAuth2 *self,
                    GError   *error)
{
  GQueue waiters = self->waiters;
  gboolean was = self->needs_sign_in;
  GTask *task;

  g_queue_init (&self->waiters);
  self->needs_sign_in = TRUE;
  g_debug ("Connection %" G_GINT64_FORMAT " needs a new sign-in", self->connection_id);
  if (!was)
    g_signal_emit (self, signals[NEEDS_SIGN_IN], 0);

  while ((task = g_queue_pop_head (&waiters)) != NULL)
    {
      if (!g_task_return_error_if_cancelled (task))
        g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
  g_error_free (error);
}

static GError *
sign_in_again_error (const GError *cause)
{
  GError *error;

  if (cause != NULL && cause->domain == PB_PROVIDER_ERROR)
    {
      /* A copy keeps the system's details for the error log. */
      error = g_error_copy (cause);
      error->code = PB_PROVIDER_ERROR_NOT_AUTHORIZED;
      g_free (error->message);
      error->message = g_strdup_printf (_("The payroll system no longer accepts the sign-in of this connection "
                                          "(%s). Sign in again."), cause->message);
      return error;
    }

  return g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED,
                              _("The payroll system no longer accepts the sign-in of this connection. Sign in again."));
}

/* --- the authorizer: refresh ---------------------------------------------- */

static void
on_refreshed_stored_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(PbOAuth2) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pb_secrets_store_finish (result, &error))
    /* The new tokens work in this process; if the refresh token rotated,
     * the next start will need a new sign-in. */
    g_warning ("Could not keep the renewed sign-in of connection %" G_GINT64_FORMAT " in the keyring: %s",
               self->connection_id, error->message);

  self->busy = FALSE;
  if (self->busy_generation != self->generation)
    {
      advance (self);
      return;
    }
  /* Not advance(): a server that answers a refresh with the same access
   * token would make a caller's @rejected match again, and again. */
  finish_waiters (self, NULL);
}

static void
on_refreshed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PbOAuth2) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = pb_http_send_finish (PB_HTTP (source), result, &error);
  g_autoptr(Tokens) tokens = NULL;
  g_autofree char *json = NULL;
  g_autofree char *label = NULL;

  if (self->busy_generation != self->generation)
    {
      /* Signed in again or forgotten meanwhile: this answer is for tokens
       * that are gone. */
      self->busy = FALSE;
      advance (self);
      return;
    }

  if (error != NULL)
    {
      self->busy = FALSE;

      if (g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED))
        {
          /* invalid_grant / invalid_client: the refresh token is dead. It
           * is remembered (in memory) so that it is not sent again if the
           * keyring still holds it; a new sign-in replaces the item. */
          g_debug ("The token endpoint refused the refresh token of connection %" G_GINT64_FORMAT,
                   self->connection_id);
          secret_free (self->dead_refresh);
          self->dead_refresh = g_steal_pointer (&self->tokens->refresh_token);
          g_clear_pointer (&self->tokens, tokens_free);
          fail_needs_sign_in (self, sign_in_again_error (error));
          return;
        }

      if (!self->busy_forced && self->tokens->expires_at > now_seconds ())
        {
          /* Renewing early failed (network, 5xx), but the token still
           * works: use it, and try again on the next call. */
          g_debug ("Renewing the access token of connection %" G_GINT64_FORMAT " failed; it is still valid",
                   self->connection_id);
          finish_waiters (self, NULL);
          return;
        }

      g_prefix_error (&error, _("Could not renew the sign-in: "));
      finish_waiters (self, error);
      return;
    }

  tokens = tokens_from_answer (answer, self->tokens, &error);
  if (tokens == NULL)
    {
      self->busy = FALSE;
      finish_waiters (self, error);
      return;
    }

  g_debug ("Renewed the access token of connection %" G_GINT64_FORMAT "%s; it is valid for %" G_GINT64_FORMAT " s",
           self->connection_id,
           g_strcmp0 (tokens->refresh_token, self->tokens->refresh_token) != 0 ? " (new refresh token)" : "",
           tokens->lifetime);
  tokens_free (self->tokens);
  self->tokens = g_steal_pointer (&tokens);

  /* Stored before the callers go on, so that a rotated refresh token is
   * in the keyring before anything can lose it. Still busy meanwhile. */
  json = tokens_to_json (self->tokens);
  label = item_label (self);
  pb_secrets_store_async (self->register_id, self->connection_id, PB_OAUTH2_SECRET_KIND, label, json, NULL,
                          on_refreshed_stored_cb, g_object_ref (self));
  explicit_bzero (json, strlen (json));
}

static void
start_refresh (PbOAuth2 *self,
               gboolean  forced)
{
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(PbHttpRequest) request = NULL;

  if (self->tokens->refresh_token == NULL)
    {
      /* No refresh token was issued: the access token is all there is. */
      if (!forced && self->tokens->expires_at > now_seconds ())
        {
          finish_waiters (self, NULL);
          return;
        }
      g_clear_pointer (&self->tokens, tokens_free);
      fail_needs_sign_in (self, g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED,
                                                     _("The sign-in of this connection has expired. Sign in again.")));
      return;
    }

  g_debug ("Renewing the access token of connection %" G_GINT64_FORMAT ": %s", self->connection_id,
           forced ? "the server refused it" : "it expires soon");

  self->busy = TRUE;
  self->busy_generation = self->generation;
  self->busy_forced = forced;

  form = form_new ();
  g_hash_table_insert (form, g_strdup ("grant_type"), g_strdup ("refresh_token"));
  g_hash_table_insert (form, g_strdup ("refresh_token"), g_strdup (self->tokens->refresh_token));
  request = token_request_new (self, form);
  pb_http_send_async (self->token_http, request, NULL, on_refreshed_cb, g_object_ref (self));
}

/* --- the authorizer: loading ---------------------------------------------- */

static void
on_tokens_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(PbOAuth2) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) secrets = pb_secrets_lookup_finish (result, &error);
  g_autoptr(Tokens) tokens = NULL;

  self->busy = FALSE;
  if (self->busy_generation != self->generation)
    {
      advance (self);
      return;
    }

  if (g_error_matches (error, PB_SECRETS_ERROR, PB_SECRETS_ERROR_MISSING))
    {
      fail_needs_sign_in (self, g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED,
                                                     _("This connection is not signed in to the payroll system. "
                                                       "Sign in again.")));
      return;
    }
  if (error != NULL)
    {
      /* A locked or missing keyring: its own clear message (PbSecrets). */
      finish_waiters (self, error);
      return;
    }

  tokens = tokens_from_json (g_hash_table_lookup (secrets, PB_OAUTH2_SECRET_KIND));
  if (tokens == NULL)
    {
      fail_needs_sign_in (self, g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED,
                                                     _("The stored sign-in of this connection cannot be read. "
                                                       "Sign in again.")));
      return;
    }
  if (self->dead_refresh != NULL && secret_equal (tokens->refresh_token, self->dead_refresh))
    {
      /* The same sign-in the server refused: no need to ask it again. */
      fail_needs_sign_in (self, sign_in_again_error (NULL));
      return;
    }

  /* Another process (the CLI) may have signed in meanwhile. */
  self->needs_sign_in = FALSE;
  self->tokens = g_steal_pointer (&tokens);
  advance (self);
}

static void
start_load (PbOAuth2 *self)
{
  static const char * const kinds[] = { PB_OAUTH2_SECRET_KIND, NULL };
  const char * const labels[] = { self->label, NULL };

  self->busy = TRUE;
  self->busy_generation = self->generation;
  pb_secrets_lookup_async (self->register_id, self->connection_id, kinds, labels, NULL,
                           on_tokens_loaded_cb, g_object_ref (self));
}

/* Moves the waiting callers on: load the tokens, refresh them, or hand
 * them out. Called when nothing is in flight. */
static void
advance (PbOAuth2 *self)
{
  g_autofree char *current = NULL;
  gboolean forced = FALSE;

  if (self->busy || self->waiters.length == 0)
    return;

  if (self->tokens == NULL)
    {
      start_load (self);
      return;
    }

  /* A caller whose 401 names the current value forces a refresh; callers
   * whose 401 named an older value get the current one. */
  current = authorization_value (self->tokens);
  for (GList *l = self->waiters.head; l != NULL && !forced; l = l->next)
    {
      Waiter *waiter = g_task_get_task_data (l->data);

      forced = waiter->rejected != NULL && secret_equal (waiter->rejected, current);
    }
  explicit_bzero (current, strlen (current));

  if (forced || tokens_due (self, self->tokens))
    start_refresh (self, forced);
  else
    finish_waiters (self, NULL);
}

/* PbHttpAuthorizeFunc */
static void
authorize_request (gpointer             user_data,
                   const char          *rejected,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             callback_data)
{
  PbOAuth2 *self = user_data;
  GTask *task = g_task_new (self, cancellable, callback, callback_data);
  Waiter *waiter = g_new0 (Waiter, 1);

  g_task_set_source_tag (task, authorize_request);
  waiter->rejected = g_strdup (rejected);
  g_task_set_task_data (task, waiter, (GDestroyNotify) waiter_free);

  g_queue_push_tail (&self->waiters, task);
  if (cancellable != NULL)
    {
      waiter->cancellable = g_object_ref (cancellable);
      waiter->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_waiter_cancelled_cb), task, NULL);
    }

  /* When a load or refresh is in flight, its end moves this one on. */
  advance (self);
}

/* PbHttpAuthorizeFinishFunc */
static char *
authorize_request_finish (gpointer       user_data,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, user_data), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == authorize_request, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- signing in ----------------------------------------------------------- */

static void
flow_free (Flow *flow)
{
  if (flow->cancel_id != 0)
    g_cancellable_disconnect (flow->cancellable, flow->cancel_id);
  g_clear_handle_id (&flow->timeout_id, g_source_remove);
  if (flow->server != NULL)
    soup_server_disconnect (flow->server);
  g_clear_object (&flow->server);
  g_clear_object (&flow->cancellable);
  g_clear_error (&flow->refused);
  g_free (flow->redirect_uri);
  secret_free (flow->state);
  secret_free (flow->verifier);
  secret_free (flow->code);
  g_free (flow);
}

/* Ends the sign-in: stops listening and returns @error (taken) or TRUE.
 * Never called from inside the loopback server's handler, which may not
 * see its server go. */
static void
flow_return (GTask  *task,
             GError *error)
{
  Flow *flow = g_task_get_task_data (task);

  if (flow->done)
    {
      g_clear_error (&error);
      return;
    }

  flow->done = TRUE;
  g_clear_handle_id (&flow->timeout_id, g_source_remove);
  if (flow->cancel_id != 0)
    {
      g_cancellable_disconnect (flow->cancellable, flow->cancel_id);
      flow->cancel_id = 0;
    }
  if (flow->server != NULL)
    {
      soup_server_remove_handler (flow->server, NULL);
      soup_server_disconnect (flow->server);
    }

  if (error != NULL)
    {
      g_debug ("Sign-in of connection %" G_GINT64_FORMAT " ended: %s",
               pb_oauth2_get_connection_id (g_task_get_source_object (task)), error->message);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);

  g_object_unref (task);   /* the reference the flow held while it ran */
}

static void
on_tokens_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbOAuth2 *self = g_task_get_source_object (task);
  Tokens *tokens = g_object_get_data (G_OBJECT (task), "pb-oauth2-tokens");
  GError *error = NULL;

  if (!pb_secrets_store_finish (result, &error))
    {
      g_prefix_error (&error, _("Signed in, but the sign-in could not be kept: "));
      flow_return (task, error);
      return;
    }

  /* The keyring has them now, so this process uses them too, even if the
   * caller cancelled at the last moment. A load or refresh in flight is
   * for the tokens these replace: @generation makes it start over. */
  tokens_free (self->tokens);
  self->tokens = g_object_steal_data (G_OBJECT (task), "pb-oauth2-tokens");
  self->generation++;
  g_clear_pointer (&self->dead_refresh, secret_free);
  self->needs_sign_in = FALSE;
  g_debug ("Connection %" G_GINT64_FORMAT " is signed in; the access token is valid for %" G_GINT64_FORMAT " s",
           self->connection_id, tokens->lifetime);

  flow_return (task, NULL);
  advance (self);
}

static void
on_code_exchanged_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbOAuth2 *self = g_task_get_source_object (task);
  Flow *flow = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) answer = pb_http_send_finish (PB_HTTP (source), result, &error);
  g_autofree char *json = NULL;
  g_autofree char *label = NULL;
  Tokens *tokens;

  if (flow->done)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&error, _("The payroll system did not complete the sign-in: "));
      flow_return (task, error);
      return;
    }

  tokens = tokens_from_answer (answer, NULL, &error);
  if (tokens == NULL)
    {
      flow_return (task, error);
      return;
    }

  g_object_set_data_full (G_OBJECT (task), "pb-oauth2-tokens", tokens, (GDestroyNotify) tokens_free);
  json = tokens_to_json (tokens);
  label = item_label (self);
  pb_secrets_store_async (self->register_id, self->connection_id, PB_OAUTH2_SECRET_KIND, label, json,
                          flow->cancellable, on_tokens_stored_cb, g_object_ref (task));
  explicit_bzero (json, strlen (json));
}

/* The browser has its page; now the code is exchanged, or the error the
 * browser brought is returned. */
static gboolean
on_redirect_answered_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  PbOAuth2 *self = g_task_get_source_object (task);
  Flow *flow = g_task_get_task_data (task);
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(PbHttpRequest) request = NULL;

  if (flow->done || flow->exchanging)
    return G_SOURCE_REMOVE;

  if (flow->refused != NULL)
    {
      flow_return (task, g_steal_pointer (&flow->refused));
      return G_SOURCE_REMOVE;
    }

  /* The user is done in the browser; PbHttp's own timeout covers the
   * exchange from here. */
  g_clear_handle_id (&flow->timeout_id, g_source_remove);
  flow->exchanging = TRUE;
  g_debug ("The browser came back; exchanging the authorization code of connection %" G_GINT64_FORMAT,
           self->connection_id);

  form = form_new ();
  g_hash_table_insert (form, g_strdup ("grant_type"), g_strdup ("authorization_code"));
  g_hash_table_insert (form, g_strdup ("code"), g_strdup (flow->code));
  g_hash_table_insert (form, g_strdup ("redirect_uri"), g_strdup (flow->redirect_uri));
  g_hash_table_insert (form, g_strdup ("code_verifier"), g_strdup (flow->verifier));
  request = token_request_new (self, form);
  pb_http_send_async (self->token_http, request, flow->cancellable, on_code_exchanged_cb, g_object_ref (task));

  return G_SOURCE_REMOVE;
}

static void
on_redirect_finished_cb (SoupServerMessage *msg,
                         gpointer           user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, on_redirect_answered_idle_cb, g_object_ref (user_data), g_object_unref);
}

static void
respond_page (SoupServerMessage *msg,
              guint              status,
              const char        *title,
              const char        *text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);
  g_autofree char *html = NULL;

  html = g_strdup_printf ("<!DOCTYPE html>\n"
                          "<html><head><meta charset=\"utf-8\"><title>Paybridge: %s</title></head>\n"
                          "<body style=\"font-family: sans-serif; margin: 3em auto; max-width: 36em\">\n"
                          "<h1>%s</h1>\n<p>%s</p>\n</body></html>\n",
                          escaped_title, escaped_title, escaped_text);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, html, strlen (html));
}

/* RFC 6749 §4.1.2.1 error codes: declining is "not authorized"; the rest
 * is the server's or the set-up's trouble. */
static GError *
redirect_error (const char *code,
                const char *description)
{
  PbProviderError error_code = PB_PROVIDER_ERROR_FAILED;
  const char *shown = description != NULL && *description != '\0' ? description : code;

  if (g_str_equal (code, "access_denied") || g_str_equal (code, "unauthorized_client"))
    error_code = PB_PROVIDER_ERROR_NOT_AUTHORIZED;
  else if (g_str_equal (code, "server_error") || g_str_equal (code, "temporarily_unavailable"))
    error_code = PB_PROVIDER_ERROR_SERVER;

  return g_error_new (PB_PROVIDER_ERROR, error_code, _("The payroll system did not grant access: %s"), shown);
}

/* The loopback server: the browser comes back here. Nothing of the query
 * is logged. */
static void
on_callback_request_cb (SoupServer        *server,
                        SoupServerMessage *msg,
                        const char        *path,
                        GHashTable        *query,
                        gpointer           user_data)
{
  GTask *task = user_data;
  Flow *flow = g_task_get_task_data (task);
  const char *state, *code, *error;

  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
      respond_page (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("Not allowed"), _("Paybridge only answers GET here."));
      return;
    }
  /* The scheme is http by construction (the server has no TLS); the path
   * must be ours. A browser also asks for /favicon.ico. */
  if (!g_str_equal (path, CALLBACK_PATH))
    {
      respond_page (msg, SOUP_STATUS_NOT_FOUND, _("Not found"), _("There is nothing here."));
      return;
    }
  if (flow->redirected || flow->done)
    {
      respond_page (msg, SOUP_STATUS_OK, _("Signed in"),
                    _("Paybridge already has the answer to this sign-in. You can close this window and return to "
                      "Paybridge."));
      return;
    }

  state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  if (!secret_equal (state, flow->state))
    {
      g_debug ("Refused an answer to the loopback address with %s state; still waiting for the browser",
               state == NULL ? "no" : "a wrong");
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, _("Sign-in refused"),
                    _("This answer does not belong to the sign-in Paybridge is waiting for, so it was ignored. "
                      "Return to Paybridge and start the sign-in again if needed."));
      return;
    }

  flow->redirected = TRUE;
  code = g_hash_table_lookup (query, "code");
  error = g_hash_table_lookup (query, "error");

  if (error != NULL)
    {
      g_autofree char *text = NULL;

      flow->refused = redirect_error (error, g_hash_table_lookup (query, "error_description"));
      text = g_strdup_printf (_("%s. You can close this window and return to Paybridge."), flow->refused->message);
      respond_page (msg, SOUP_STATUS_OK, _("Sign-in failed"), text);
    }
  else if (code == NULL || *code == '\0')
    {
      flow->refused = g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                                           _("The payroll system came back from the sign-in without a code"));
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, _("Sign-in failed"),
                    _("The answer has no authorization code. Return to Paybridge and sign in again."));
    }
  else
    {
      flow->code = g_strdup (code);
      respond_page (msg, SOUP_STATUS_OK, _("Signed in"), _("You can close this window and return to Paybridge."));
    }

  /* The sign-in goes on once the page is written: the server must not go
   * away under the browser before that. */
  g_signal_connect_data (msg, "finished", G_CALLBACK (on_redirect_finished_cb), g_object_ref (task),
                         (GClosureNotify) g_object_unref, G_CONNECT_DEFAULT);
}

static gboolean
on_flow_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  PbOAuth2 *self = g_task_get_source_object (task);
  Flow *flow = g_task_get_task_data (task);

  flow->timeout_id = 0;
  flow_return (task, g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_TIMEOUT,
                                  ngettext ("The sign-in was not finished in the browser within %u second. "
                                            "Start it again.",
                                            "The sign-in was not finished in the browser within %u seconds. "
                                            "Start it again.",
                                            self->timeout),
                                  self->timeout));
  return G_SOURCE_REMOVE;
}

static gboolean
on_flow_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  Flow *flow = g_task_get_task_data (task);

  if (!flow->done)
    flow_return (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The sign-in was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
on_flow_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, on_flow_cancelled_idle_cb, g_object_ref (user_data), g_object_unref);
}

static void
on_browser_launched_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Flow *flow = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_app_info_launch_default_for_uri_finish (result, &error) || flow->done ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The message may quote the URL, and with it the state: not repeated. */
  if (flow->show_uri)
    {
      g_debug ("Could not open a web browser; the link was shown instead");
      return;
    }
  flow_return (task, g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FAILED,
                                          _("Could not open a web browser for the sign-in. Open the link "
                                            "yourself (paybridge-cli connection authorize --no-browser prints it).")));
}

static void
append_param (GString    *url,
              gboolean   *first,
              const char *name,
              const char *value)
{
  g_autofree char *escaped_name = g_uri_escape_string (name, NULL, FALSE);
  g_autofree char *escaped_value = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_c (url, *first ? (strchr (url->str, '?') != NULL ? '&' : '?') : '&');
  g_string_append_printf (url, "%s=%s", escaped_name, escaped_value);
  *first = FALSE;
}

/* RFC 6749 §4.1.1 with RFC 7636 §4.3, every value escaped. */
static char *
build_authorization_url (PbOAuth2 *self,
                         Flow     *flow)
{
  GString *url = g_string_new (self->auth_url);
  g_autofree char *challenge = code_challenge (flow->verifier);
  gboolean first = TRUE;

  append_param (url, &first, "response_type", "code");
  append_param (url, &first, "client_id", self->client_id);
  append_param (url, &first, "redirect_uri", flow->redirect_uri);
  if (self->scope != NULL)
    append_param (url, &first, "scope", self->scope);
  append_param (url, &first, "state", flow->state);
  append_param (url, &first, "code_challenge", challenge);
  append_param (url, &first, "code_challenge_method", "S256");
  for (guint i = 0; self->extra_params != NULL && self->extra_params[i] != NULL; i += 2)
    append_param (url, &first, self->extra_params[i], self->extra_params[i + 1]);

  return g_string_free (url, FALSE);
}

/* Where the URL goes, without its query (which holds the state). */
static char *
dup_endpoint_for_log (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *partial = NULL;

  if (uri == NULL)
    return g_strdup ("?");
  partial = g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO | G_URI_HIDE_QUERY | G_URI_HIDE_FRAGMENT);
  return pb_http_redact (partial);
}

/* --- GObject -------------------------------------------------------------- */

static void
pb_oauth2_finalize (GObject *object)
{
  PbOAuth2 *self = (PbOAuth2 *) object;

  /* Every waiter and every operation in flight holds a reference. */
  g_assert (self->waiters.length == 0);

  g_clear_object (&self->token_http);
  g_clear_pointer (&self->tokens, tokens_free);
  g_clear_pointer (&self->dead_refresh, secret_free);
  g_clear_pointer (&self->token_query, g_ptr_array_unref);
  g_free (self->auth_url);
  g_free (self->token_path);
  g_free (self->client_id);
  secret_free (self->client_secret);
  g_free (self->scope);
  g_strfreev (self->extra_params);
  g_strfreev (self->token_params);
  g_free (self->label);
  g_free (self->register_id);

  G_OBJECT_CLASS (pb_oauth2_parent_class)->finalize (object);
}

static void
pb_oauth2_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PbOAuth2 *self = PB_OAUTH2 (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_ID:
      g_value_set_int64 (value, self->connection_id);
      break;

    case PROP_OPEN_BROWSER:
      g_value_set_boolean (value, self->open_browser);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_REFRESH_MARGIN:
      g_value_set_uint (value, self->refresh_margin);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_oauth2_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PbOAuth2 *self = PB_OAUTH2 (object);

  switch (prop_id)
    {
    case PROP_CONNECTION_ID:
      self->connection_id = g_value_get_int64 (value);
      break;

    case PROP_OPEN_BROWSER:
      pb_oauth2_set_open_browser (self, g_value_get_boolean (value));
      break;

    case PROP_TIMEOUT:
      pb_oauth2_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_REFRESH_MARGIN:
      pb_oauth2_set_refresh_margin (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_oauth2_class_init (PbOAuth2Class *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pb_oauth2_finalize;
  object_class->get_property = pb_oauth2_get_property;
  object_class->set_property = pb_oauth2_set_property;

  properties [PROP_CONNECTION_ID] =
    g_param_spec_int64 ("connection-id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PbOAuth2:open-browser:
   *
   * Whether signing in opens the system browser. The CLI's --no-browser
   * and the tests turn it off and follow the URL themselves.
   */
  properties [PROP_OPEN_BROWSER] =
    g_param_spec_boolean ("open-browser", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PbOAuth2:timeout:
   *
   * Seconds to wait for the browser to come back before the sign-in fails
   * with %PB_PROVIDER_ERROR_TIMEOUT.
   */
  properties [PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT / 1000, 300,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * PbOAuth2:refresh-margin:
   *
   * The access token is renewed when fewer seconds than this remain (at
   * most half the token's life, for tokens got in this process).
   */
  properties [PROP_REFRESH_MARGIN] =
    g_param_spec_uint ("refresh-margin", NULL, NULL, 0, G_MAXINT32, 600,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PbOAuth2::needs-sign-in:
   *
   * The connection's sign-in is gone (no tokens in the keyring, or the
   * payroll system refused the refresh token): requests fail with
   * %PB_PROVIDER_ERROR_NOT_AUTHORIZED until pb_oauth2_authorize_async()
   * succeeds. Emitted once each time the sign-in is lost, before the
   * waiting requests fail.
   */
  signals [NEEDS_SIGN_IN] =
    g_signal_new ("needs-sign-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
pb_oauth2_init (PbOAuth2 *self)
{
  g_queue_init (&self->waiters);
  self->open_browser = TRUE;
  self->timeout = 300;
  self->refresh_margin = 600;
}

/* --- public API ----------------------------------------------------------- */

/**
 * pb_oauth2_new:
 * @endpoints: the payroll system's OAuth2 endpoints and Paybridge's client
 * @register_id: the register of the connection (pb_store_get_register_id())
 * @connection_id: the connection whose keyring item this is
 * @label: (nullable): the keyring item's label, readable in Seahorse (e.g.
 *   pb_secrets_label (system, name, PB_OAUTH2_SECRET_KIND)); %NULL for a
 *   plain one
 *
 * Nothing is read or sent until the first request or sign-in.
 *
 * Returns: (transfer full) (nullable): the sign-in of the connection, or
 *   %NULL with %PB_PROVIDER_ERROR_INVALID_INPUT or _INSECURE when an
 *   endpoint is not a usable https address
 */
PbOAuth2 *
pb_oauth2_new (const PbOAuth2Endpoints  *endpoints,
               const char               *register_id,
               gint64                    connection_id,
               const char               *label,
               GError                  **error)
{
  g_autoptr(PbOAuth2) self = NULL;
  g_autoptr(GUri) token_uri = NULL;
  g_autofree char *token_base = NULL;
  const char *query;
  PbHttpLimits limits = { 2, 0, 1, 2, 30000, 500, 5000 };

  g_return_val_if_fail (endpoints != NULL, NULL);
  g_return_val_if_fail (register_id != NULL && *register_id != '\0', NULL);
  g_return_val_if_fail (connection_id >= 0, NULL);

  if (!check_endpoint (endpoints->auth_url, _("authorization endpoint"), NULL, error) ||
      !check_endpoint (endpoints->token_url, _("token endpoint"), &token_uri, error))
    return NULL;
  if (endpoints->client_id == NULL || *endpoints->client_id == '\0')
    {
      g_set_error_literal (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                           _("The OAuth2 client id is missing"));
      return NULL;
    }
  if (endpoints->extra_params != NULL)
    {
      guint n = g_strv_length ((char **) endpoints->extra_params);

      for (guint i = 0; i < n; i += 2)
        if (i + 1 >= n || g_strv_contains (reserved_params, endpoints->extra_params[i]))
          {
            g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                         _("The OAuth2 parameter “%s” cannot be set here"), endpoints->extra_params[i]);
            return NULL;
          }
    }

  self = g_object_new (PB_TYPE_OAUTH2, "connection-id", connection_id, NULL);
  self->register_id = g_strdup (register_id);
  self->auth_url = g_strdup (endpoints->auth_url);
  self->client_id = g_strdup (endpoints->client_id);
  self->client_secret = g_strdup (endpoints->client_secret);
  self->client_auth_basic = endpoints->client_auth_basic;
  if (endpoints->scopes != NULL && endpoints->scopes[0] != NULL)
    self->scope = g_strjoinv (" ", (char **) endpoints->scopes);
  self->extra_params = g_strdupv ((char **) endpoints->extra_params);
  if (endpoints->token_params != NULL && g_strv_length ((char **) endpoints->token_params) % 2 != 0)
    {
      g_set_error_literal (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                           _("The OAuth2 token parameters must come in pairs"));
      return NULL;
    }
  self->token_params = g_strdupv ((char **) endpoints->token_params);
  self->label = label != NULL
    ? g_strdup (label)
    : g_strdup_printf (_("Paybridge: connection %" G_GINT64_FORMAT ", OAuth2 tokens"), connection_id);

  /* PbHttp takes a base URL and paths: the token URL is split, its path
   * kept decoded (PbHttp escapes it) and its query as parameters. */
  token_base = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (token_uri), NULL, g_uri_get_host (token_uri),
                           g_uri_get_port (token_uri), "", NULL, NULL);
  {
    g_autoptr(GUri) decoded = g_uri_parse (endpoints->token_url, G_URI_FLAGS_NONE, NULL);
    const char *path = decoded != NULL ? g_uri_get_path (decoded) : NULL;

    self->token_path = g_strdup (path != NULL && *path != '\0' ? path : "/");
  }
  query = g_uri_get_query (token_uri);
  if (query != NULL && *query != '\0')
    {
      GUriParamsIter iter;
      char *name, *value;

      self->token_query = g_ptr_array_new_with_free_func (g_free);
      g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_NONE);
      while (g_uri_params_iter_next (&iter, &name, &value, NULL))
        {
          g_ptr_array_add (self->token_query, name);
          g_ptr_array_add (self->token_query, value);
        }
    }

  self->token_http = pb_http_new (token_base, &limits, error);
  if (self->token_http == NULL)
    return NULL;
  pb_http_set_error_decoder (self->token_http, decode_token_error);

  return g_steal_pointer (&self);
}

gint64
pb_oauth2_get_connection_id (PbOAuth2 *self)
{
  g_return_val_if_fail (PB_IS_OAUTH2 (self), 0);

  return self->connection_id;
}

gboolean
pb_oauth2_get_open_browser (PbOAuth2 *self)
{
  g_return_val_if_fail (PB_IS_OAUTH2 (self), FALSE);

  return self->open_browser;
}

void
pb_oauth2_set_open_browser (PbOAuth2 *self,
                            gboolean  open_browser)
{
  g_return_if_fail (PB_IS_OAUTH2 (self));

  open_browser = !!open_browser;
  if (self->open_browser == open_browser)
    return;
  self->open_browser = open_browser;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_OPEN_BROWSER]);
}

guint
pb_oauth2_get_timeout (PbOAuth2 *self)
{
  g_return_val_if_fail (PB_IS_OAUTH2 (self), 0);

  return self->timeout;
}

/**
 * pb_oauth2_set_timeout:
 * @seconds: how long a sign-in waits for the browser (default 300)
 *
 * Applies to sign-ins started from now on.
 */
void
pb_oauth2_set_timeout (PbOAuth2 *self,
                       guint     seconds)
{
  g_return_if_fail (PB_IS_OAUTH2 (self));
  g_return_if_fail (seconds > 0);

  if (self->timeout == seconds)
    return;
  self->timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TIMEOUT]);
}

guint
pb_oauth2_get_refresh_margin (PbOAuth2 *self)
{
  g_return_val_if_fail (PB_IS_OAUTH2 (self), 0);

  return self->refresh_margin;
}

void
pb_oauth2_set_refresh_margin (PbOAuth2 *self,
                              guint     seconds)
{
  g_return_if_fail (PB_IS_OAUTH2 (self));

  if (self->refresh_margin == seconds)
    return;
  self->refresh_margin = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_REFRESH_MARGIN]);
}

/**
 * pb_oauth2_authorize_async:
 * @show_uri: (nullable) (scope call): shows the authorization URL (the CLI
 *   prints it, the UI offers to copy it); called before this returns
 * @cancellable: (nullable): the UI's Cancel
 *
 * Signs the connection in (SPEC C2): listens on 127.0.0.1, shows and (with
 * #PbOAuth2:open-browser) opens the authorization URL, waits for the
 * browser to come back with the right `state`, exchanges the code with the
 * PKCE verifier and stores the tokens in the keyring. Requests through an
 * attached PbHttp use them at once.
 *
 * Fails with %PB_PROVIDER_ERROR_TIMEOUT when the browser does not come back
 * within #PbOAuth2:timeout, %G_IO_ERROR_CANCELLED, %PB_PROVIDER_ERROR_NOT_AUTHORIZED
 * when access was declined or the code refused, or a %PB_SECRETS_ERROR
 * when the keyring cannot keep the tokens.
 */
void
pb_oauth2_authorize_async (PbOAuth2            *self,
                           PbOAuth2UriFunc      show_uri,
                           gpointer             show_uri_data,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Flow *flow;
  GError *error = NULL;
  GSList *uris;
  guint port = 0;
  g_autofree char *url = NULL;
  g_autofree char *endpoint = NULL;

  g_return_if_fail (PB_IS_OAUTH2 (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* This reference is the flow's: flow_return() drops it. */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pb_oauth2_authorize_async);
  flow = g_new0 (Flow, 1);
  flow->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  flow->show_uri = show_uri != NULL;
  g_task_set_task_data (task, flow, (GDestroyNotify) flow_free);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  flow->verifier = random_text (32, &error);
  if (flow->verifier != NULL)
    flow->state = random_text (16, &error);
  if (flow->state == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* RFC 8252 §7.3 and §8.3: the loopback IP literal, not "localhost", and
   * a port the kernel picks; nothing else on the network can reach it. */
  flow->server = soup_server_new ("server-header", "Paybridge ", NULL);
  soup_server_add_handler (flow->server, NULL, on_callback_request_cb, task, NULL);
  if (!soup_server_listen_local (flow->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FAILED,
                               _("Could not listen on this computer for the sign-in to come back: %s"),
                               error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  uris = soup_server_get_uris (flow->server);
  if (uris != NULL)
    port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  flow->redirect_uri = g_strdup_printf ("http://127.0.0.1:%u" CALLBACK_PATH, port);

  flow->timeout_id = g_timeout_add_seconds (self->timeout, on_flow_timeout_cb, task);
  if (cancellable != NULL)
    flow->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_flow_cancelled_cb), task, NULL);

  url = build_authorization_url (self, flow);
  endpoint = dup_endpoint_for_log (self->auth_url);
  g_debug ("Sign-in of connection %" G_GINT64_FORMAT " at %s; waiting for the browser on 127.0.0.1:%u",
           self->connection_id, endpoint, port);

  if (show_uri != NULL)
    show_uri (url, show_uri_data);
  if (self->open_browser)
    g_app_info_launch_default_for_uri_async (url, NULL, cancellable, on_browser_launched_cb, g_object_ref (task));
  else if (show_uri == NULL)
    g_debug ("Neither shown nor opened: the sign-in can only time out or be cancelled");

  explicit_bzero (url, strlen (url));
}

/**
 * pb_oauth2_authorize_finish:
 *
 * Returns: %TRUE when the connection is signed in and its tokens are in
 *   the keyring
 */
gboolean
pb_oauth2_authorize_finish (PbOAuth2      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_oauth2_authorize_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pb_oauth2_attach:
 * @http: the connection's PbHttp
 *
 * Makes @http send `Authorization: Bearer <access token>` with every
 * request that needs it, reading, renewing and serializing as this file's
 * header comment says. @http keeps @self alive.
 */
void
pb_oauth2_attach (PbOAuth2 *self,
                  PbHttp   *http)
{
  g_return_if_fail (PB_IS_OAUTH2 (self));
  g_return_if_fail (PB_IS_HTTP (http));

  pb_http_set_authorizer (http, authorize_request, authorize_request_finish, self);
  g_object_set_data_full (G_OBJECT (http), "pb-oauth2", g_object_ref (self), g_object_unref);
}

static void
on_forgotten_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!pb_secrets_clear_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * pb_oauth2_forget_async:
 *
 * Signs the connection out here: forgets the tokens in memory and deletes
 * the connection's keyring items. The next request fails with
 * %PB_PROVIDER_ERROR_NOT_AUTHORIZED until a new sign-in. (PbSecrets clears
 * by connection: every secret of the connection goes, which for an OAuth2
 * connection is this one item.)
 */
void
pb_oauth2_forget_async (PbOAuth2            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PB_IS_OAUTH2 (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pb_oauth2_forget_async);

  /* A load or refresh in flight is for these tokens: it starts over. */
  g_clear_pointer (&self->tokens, tokens_free);
  g_clear_pointer (&self->dead_refresh, secret_free);
  self->generation++;
  g_debug ("Forgetting the sign-in of connection %" G_GINT64_FORMAT, self->connection_id);

  pb_secrets_clear_async (self->register_id, self->connection_id, cancellable, on_forgotten_cb, task);
}

gboolean
pb_oauth2_forget_finish (PbOAuth2      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_oauth2_forget_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
