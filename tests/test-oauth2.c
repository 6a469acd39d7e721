/* test-oauth2.c: PbOAuth2 against the sandbox's OAuth2 server (SPEC C2)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "pb-oauth2.h"
#include "pb-sandbox.h"
#include "pb-secrets.h"
#include "pb-test-utils.h"

/* SPEC C2: OAuth2 sign-in through the system browser with a loopback
 * redirect, PKCE and a state check; the tokens live in the keyring only and
 * never in a log. The test plays the browser: PbOAuth2 shows it the
 * authorization URL, it GETs it from the sandbox without following
 * redirects, and GETs the 302's Location, which is PbOAuth2's loopback
 * server. */

/* The same schema as pb-secrets.c, to look at the keyring from outside. */
static const SecretSchema schema = {
  .name = "io.github.paybridge.Paybridge.Secret",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "connection", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

/* The register the connections of these tests belong to (their keyring
 * items are found by connection id from outside). */
#define REGISTER_ID "test-oauth2-register"

/* Everything logged while the tests run, for the redaction test. */
static GString *captured_log;

/* Connection ids of this test: far from the CLI tests', which share the
 * throw-away keyring of build-aux/run-headless, and apart for each process
 * (meson test --repeat runs copies at once). */
static gint64 next_connection_id;

typedef enum
{
  BROWSER_FOLLOW,        /* GET the URL, GET the Location */
  BROWSER_WRONG_STATE,   /* ...with the state in the Location replaced */
  BROWSER_DENY,          /* ...with the code replaced by error=access_denied */
  BROWSER_IDLE,          /* only note the URL (timeout, cancel) */
} BrowserMode;

typedef struct
{
  guint   status;
  char   *body;
  char   *location;
  char   *www_authenticate;
  char   *cache_control;
  GError *error;
  gboolean done;
} Call;

typedef struct
{
  PbSandbox    *sandbox;
  SoupSession  *session;        /* the "browser": never follows redirects */
  gint64        connection_id;
  char         *id_text;
  guint         needs_sign_in;  /* emissions of ::needs-sign-in */

  BrowserMode   mode;
  char         *shown;          /* the authorization URL PbOAuth2 showed */
  guint         shown_count;
  char         *location;       /* the sandbox's 302 Location, as it came */
  guint         pending;        /* browser requests in flight */
  guint         loopback_status;
  char         *loopback_page;
} Fixture;

typedef struct
{
  gboolean  ok;
  JsonNode *node;
  GError   *error;
  gboolean  done;
} Result;

/* --- helpers ---------------------------------------------------------------- */

static void
wait_until (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
on_timer_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the loop for @ms, so that anything that would go wrong can. */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_timer_cb, &done);
  wait_until (&done);
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->node, json_node_unref);
  g_clear_error (&r->error);
  r->ok = FALSE;
  r->done = FALSE;
}

static void
call_clear (Call *c)
{
  g_clear_pointer (&c->body, g_free);
  g_clear_pointer (&c->location, g_free);
  g_clear_pointer (&c->www_authenticate, g_free);
  g_clear_pointer (&c->cache_control, g_free);
  g_clear_error (&c->error);
  c->status = 0;
  c->done = FALSE;
}

static char *
url_of (Fixture    *f,
        const char *path)
{
  return g_strconcat (pb_sandbox_get_url (f->sandbox), path, NULL);
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

/* The decoded query of @url. */
static GHashTable *
query_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);

  g_assert_nonnull (uri);
  if (g_uri_get_query (uri) == NULL)
    return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
}

/* @url with parameter @name set to @value, or removed when @value is NULL. */
static char *
with_param (const char *url,
            const char *name,
            const char *value)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = query_of (url);
  g_autoptr(GString) query = g_string_new (NULL);
  g_autoptr(GUri) changed = NULL;
  GHashTableIter iter;
  gpointer key, val;

  if (value != NULL)
    g_hash_table_replace (params, g_strdup (name), g_strdup (value));
  else
    g_hash_table_remove (params, name);

  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &val))
    {
      g_autofree char *k = g_uri_escape_string (key, NULL, FALSE);
      g_autofree char *v = g_uri_escape_string (val, NULL, FALSE);

      g_string_append_printf (query, "%s%s=%s", query->len > 0 ? "&" : "", k, v);
    }

  changed = g_uri_build (G_URI_FLAGS_ENCODED_QUERY, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                         g_uri_get_port (uri), g_uri_get_path (uri), query->str, NULL);
  return g_uri_to_string (changed);
}

static void
on_call_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Call *c = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &c->error);

  if (c->error == NULL)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

      c->status = soup_message_get_status (msg);
      c->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      c->location = g_strdup (soup_message_headers_get_one (headers, "Location"));
      c->www_authenticate = g_strdup (soup_message_headers_get_one (headers, "WWW-Authenticate"));
      c->cache_control = g_strdup (soup_message_headers_get_one (headers, "Cache-Control"));
    }
  c->done = TRUE;
}

/* One request as a browser or a plain HTTP client makes it, async (the
 * sandbox serves on this thread). @form: a POST body; @basic: "id:secret". */
static void
http_call (Fixture    *f,
           const char *method,
           const char *url,
           const char *form,
           const char *basic,
           Call       *c)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);

  call_clear (c);
  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (form != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (form, strlen (form));
      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", bytes);
    }
  if (basic != NULL)
    {
      g_autofree char *encoded = g_base64_encode ((const guchar *) basic, strlen (basic));
      g_autofree char *header = g_strdup_printf ("Basic %s", encoded);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_call_done_cb, c);
  wait_until (&c->done);
}

static JsonObject *
call_json (Call *c)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, c->body, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* --- the browser -------------------------------------------------------- */

typedef struct
{
  Fixture *f;
  Call     call;
  gboolean loopback;
} Visit;

static void visit (Fixture *f, const char *url, gboolean loopback);

static void
on_visit_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Visit *v = user_data;
  Fixture *f = v->f;

  on_call_done_cb (source, result, &v->call);
  g_assert_no_error (v->call.error);

  if (v->loopback)
    {
      f->loopback_status = v->call.status;
      g_free (f->loopback_page);
      f->loopback_page = g_strdup (v->call.body);
    }
  else
    {
      g_autofree char *next = NULL;

      /* The authorization server approves at once: a 302 to the loopback. */
      g_assert_cmpuint (v->call.status, ==, 302);
      g_assert_nonnull (v->call.location);
      g_free (f->location);
      f->location = g_strdup (v->call.location);

      switch (f->mode)
        {
        case BROWSER_WRONG_STATE:
          next = with_param (f->location, "state", "forged-state-0123456789");
          break;

        case BROWSER_DENY:
          {
            g_autofree char *no_code = with_param (f->location, "code", NULL);
            g_autofree char *denied = with_param (no_code, "error", "access_denied");
            next = with_param (denied, "error_description", "The user said no");
          }
          break;

        case BROWSER_FOLLOW:
        case BROWSER_IDLE:
        default:
          next = g_strdup (f->location);
          break;
        }
      visit (f, next, TRUE);
    }

  call_clear (&v->call);
  g_free (v);
  f->pending--;
}

static void
visit (Fixture    *f,
       const char *url,
       gboolean    loopback)
{
  Visit *v = g_new0 (Visit, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  g_assert_nonnull (msg);
  v->f = f;
  v->loopback = loopback;
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  f->pending++;
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_visit_done_cb, v);
}

/* PbOAuth2UriFunc: the user's browser. */
static void
show_uri (const char *uri,
          gpointer    data)
{
  Fixture *f = data;

  g_free (f->shown);
  f->shown = g_strdup (uri);
  f->shown_count++;
  if (f->mode != BROWSER_IDLE)
    visit (f, uri, FALSE);
}

static void
wait_for_browser (Fixture *f)
{
  while (f->pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* --- the fixture ---------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  f->session = soup_session_new ();
  f->connection_id = next_connection_id++;
  f->id_text = g_strdup_printf ("%" G_GINT64_FORMAT, f->connection_id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  wait_for_browser (f);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    secret_password_clear_sync (&schema, NULL, NULL, "connection", f->id_text, NULL);
  g_clear_object (&f->session);
  g_clear_object (&f->sandbox);
  g_free (f->id_text);
  g_free (f->shown);
  g_free (f->location);
  g_free (f->loopback_page);
}

static gboolean
have_keyring (void)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return FALSE;
    }
  return TRUE;
}

static void
on_needs_sign_in (PbOAuth2 *oauth2,
                  Fixture  *f)
{
  f->needs_sign_in++;
}

static PbOAuth2 *
make_oauth2 (Fixture *f)
{
  static const char * const scopes[] = { "payroll", "employees", NULL };
  static const char * const extra[] = { "tenant", "sandbox tenant/1", NULL };
  g_autofree char *auth_url = url_of (f, "/oauth2/authorize");
  g_autofree char *token_url = url_of (f, "/oauth2/token");
  PbOAuth2Endpoints endpoints = {
    .auth_url = auth_url,
    .token_url = token_url,
    .client_id = "sandbox-client",
    .client_secret = "sandbox-secret",
    .scopes = scopes,
    .extra_params = extra,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *label = pb_secrets_label ("Sandbox", "OAuth2 test", PB_OAUTH2_SECRET_KIND);
  PbOAuth2 *oauth2 = pb_oauth2_new (&endpoints, REGISTER_ID, f->connection_id, label, &error);

  g_assert_no_error (error);
  pb_oauth2_set_open_browser (oauth2, FALSE);
  g_signal_connect (oauth2, "needs-sign-in", G_CALLBACK (on_needs_sign_in), f);
  return oauth2;
}

static PbHttp *
make_http (Fixture  *f,
           PbOAuth2 *oauth2)
{
  PbHttpLimits limits = { 10, 0, 1, 1, 5000, 20, 200 };
  g_autoptr(GError) error = NULL;
  PbHttp *http = pb_http_new (pb_sandbox_get_url (f->sandbox), &limits, &error);

  g_assert_no_error (error);
  pb_oauth2_attach (oauth2, http);
  return http;
}

static void
on_authorized_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Result *r = data;

  r->ok = pb_oauth2_authorize_finish (PB_OAUTH2 (source), result, &r->error);
  r->done = TRUE;
}

static void
sign_in (Fixture  *f,
         PbOAuth2 *oauth2)
{
  Result r = { 0 };

  f->mode = BROWSER_FOLLOW;
  pb_oauth2_authorize_async (oauth2, show_uri, f, NULL, on_authorized_cb, &r);
  wait_until (&r.done);
  wait_for_browser (f);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Result *r = data;

  r->node = pb_http_send_finish (PB_HTTP (source), result, &r->error);
  r->ok = r->error == NULL;
  r->done = TRUE;
}

/* GET /oauth2/me, the sandbox's protected resource. */
static void
send_me (PbHttp *http,
         Result *r)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/oauth2/me");

  result_clear (r);
  pb_http_send_async (http, request, NULL, on_sent_cb, r);
}

static void
get_me (PbHttp *http,
        Result *r)
{
  send_me (http, r);
  wait_until (&r->done);
}

static void
assert_me (Result *r)
{
  JsonObject *object;

  g_assert_no_error (r->error);
  g_assert_nonnull (r->node);
  object = json_node_get_object (r->node);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Sandbox AS");
  g_assert_cmpstr (json_object_get_string_member (object, "currency"), ==, "NOK");
}

typedef struct
{
  char   *access_token;
  char   *refresh_token;
  char   *token_type;
  gint64  expires_at;
} Stored;

static void
stored_clear (Stored *s)
{
  g_clear_pointer (&s->access_token, g_free);
  g_clear_pointer (&s->refresh_token, g_free);
  g_clear_pointer (&s->token_type, g_free);
  s->expires_at = 0;
}

/* The keyring item, looked up by its attributes as Seahorse would. */
static gboolean
lookup_stored (Fixture *f,
               Stored  *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *secret = NULL;
  JsonObject *object;

  stored_clear (s);
  secret = secret_password_lookup_sync (&schema, NULL, &error, "connection", f->id_text,
                                        "kind", PB_OAUTH2_SECRET_KIND, NULL);
  g_assert_no_error (error);
  if (secret == NULL)
    return FALSE;

  json_parser_load_from_data (parser, secret, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  s->access_token = g_strdup (json_object_get_string_member (object, "access_token"));
  s->refresh_token = g_strdup (json_object_get_string_member_with_default (object, "refresh_token", NULL));
  s->token_type = g_strdup (json_object_get_string_member (object, "token_type"));
  g_assert_true (json_node_get_value_type (json_object_get_member (object, "expires_at")) == G_TYPE_INT64);
  s->expires_at = json_object_get_int_member (object, "expires_at");
  g_assert_cmpuint (json_object_get_size (object), ==, 4);
  return TRUE;
}

/* --- signing in ------------------------------------------------------------ */

static void
test_happy_path (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GHashTable) back = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *expected_redirect = NULL;
  g_autoptr(GUri) redirect = NULL;
  Stored stored = { 0 };
  Result r = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!have_keyring ())
    return;

  oauth2 = make_oauth2 (f);
  sign_in (f, oauth2);

  /* The URL it showed: RFC 6749 §4.1.1 + RFC 7636 §4.3, all escaped. */
  g_assert_cmpuint (f->shown_count, ==, 1);
  g_assert_true (g_str_has_prefix (f->shown, pb_sandbox_get_url (f->sandbox)));
  g_assert_nonnull (strstr (f->shown, "tenant=sandbox%20tenant%2F1"));
  params = query_of (f->shown);
  g_assert_cmpstr (g_hash_table_lookup (params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (params, "client_id"), ==, "sandbox-client");
  g_assert_cmpstr (g_hash_table_lookup (params, "code_challenge_method"), ==, "S256");
  g_assert_cmpstr (g_hash_table_lookup (params, "scope"), ==, "payroll employees");
  g_assert_cmpstr (g_hash_table_lookup (params, "tenant"), ==, "sandbox tenant/1");
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "state")), >=, 22);
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "code_challenge")), ==, 43);
  g_assert_null (g_hash_table_lookup (params, "client_secret"));

  /* RFC 8252 §7.3: the loopback IP literal, a port, our path. */
  redirect = g_uri_parse (g_hash_table_lookup (params, "redirect_uri"), G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (redirect);
  g_assert_cmpstr (g_uri_get_scheme (redirect), ==, "http");
  g_assert_cmpstr (g_uri_get_host (redirect), ==, "127.0.0.1");
  g_assert_cmpint (g_uri_get_port (redirect), >, 0);
  g_assert_cmpstr (g_uri_get_path (redirect), ==, "/callback");

  /* The sandbox sent it back with a code and the same state. */
  back = query_of (f->location);
  g_assert_cmpstr (g_hash_table_lookup (back, "state"), ==, g_hash_table_lookup (params, "state"));
  g_assert_nonnull (g_hash_table_lookup (back, "code"));
  g_assert_cmpuint (f->loopback_status, ==, 200);
  g_assert_nonnull (strstr (f->loopback_page, "You can close this window and return to Paybridge"));

  /* RFC 7636: a verifier of 43-128 unreserved characters whose S256 is
   * the challenge that was sent. */
  verifier = pb_sandbox_oauth2_dup_last_code_verifier (f->sandbox);
  g_assert_nonnull (verifier);
  g_assert_cmpuint (strlen (verifier), >=, 43);
  g_assert_cmpuint (strlen (verifier), <=, 128);
  for (const char *p = verifier; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || strchr ("-._~", *p) != NULL);
  {
    g_autofree char *challenge = s256 (verifier);
    g_assert_cmpstr (challenge, ==, g_hash_table_lookup (params, "code_challenge"));
  }

  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "authorization_code"), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 0);

  /* One keyring item: {access_token, refresh_token, expires_at, token_type}. */
  g_assert_true (lookup_stored (f, &stored));
  g_assert_true (g_str_has_prefix (stored.access_token, "sbx-at-"));
  g_assert_true (g_str_has_prefix (stored.refresh_token, "sbx-rt-"));
  g_assert_cmpstr (stored.token_type, ==, "Bearer");
  g_assert_cmpint (stored.expires_at, >=, now + 3600 - 5);
  g_assert_cmpint (stored.expires_at, <=, now + 3600 + 5);

  /* Requests through PbHttp carry the Bearer token. */
  http = make_http (f, oauth2);
  get_me (http, &r);
  assert_me (&r);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 0);

  /* The loopback server is gone once the sign-in is over. */
  {
    Call c = { 0 };
    g_autofree char *again = g_strdup (f->location);

    http_call (f, "GET", again, NULL, NULL, &c);
    g_assert_nonnull (c.error);
    call_clear (&c);
  }

  /* The sandbox's state has counts, not tokens. */
  {
    g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
    g_autofree char *text = json_to_string (state, FALSE);
    JsonObject *oauth = json_object_get_object_member (json_node_get_object (state), "oauth2");

    g_assert_nonnull (oauth);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (oauth, "tokenRequests"),
                                                 "authorization_code"), ==, 1);
    g_assert_null (strstr (text, stored.access_token));
    g_assert_null (strstr (text, stored.refresh_token));
  }

  g_assert_cmpuint (f->needs_sign_in, ==, 0);
  result_clear (&r);
  stored_clear (&stored);
}

/* A wrong or missing state is refused with a page, its code is never
 * exchanged, and the sign-in goes on waiting for the real answer. */
static void
test_wrong_state_refused (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autofree char *no_state = NULL;
  Stored stored = { 0 };
  Result r = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = make_oauth2 (f);
  f->mode = BROWSER_WRONG_STATE;
  pb_oauth2_authorize_async (oauth2, show_uri, f, NULL, on_authorized_cb, &r);
  wait_for_browser (f);

  g_assert_cmpuint (f->loopback_status, ==, 400);
  g_assert_nonnull (strstr (f->loopback_page, "does not belong to the sign-in Paybridge is waiting for"));

  /* No state at all: the same. */
  no_state = with_param (f->location, "state", NULL);
  visit (f, no_state, TRUE);
  wait_for_browser (f);
  g_assert_cmpuint (f->loopback_status, ==, 400);

  spin (200);
  g_assert_false (r.done);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, NULL), ==, 0);
  g_assert_false (lookup_stored (f, &stored));

  /* The real answer still completes it. */
  visit (f, f->location, TRUE);
  wait_until (&r.done);
  wait_for_browser (f);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_cmpuint (f->loopback_status, ==, 200);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "authorization_code"), ==, 1);
  g_assert_true (lookup_stored (f, &stored));

  result_clear (&r);
  stored_clear (&stored);
}

/* §4.1.2.1: error=access_denied with the right state ends the sign-in. */
static void
test_access_denied (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = make_oauth2 (f);
  Result r = { 0 };

  f->mode = BROWSER_DENY;
  pb_oauth2_authorize_async (oauth2, show_uri, f, NULL, on_authorized_cb, &r);
  wait_until (&r.done);
  wait_for_browser (f);

  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (r.error->message, "The user said no"));
  g_assert_nonnull (strstr (f->loopback_page, "The user said no"));
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, NULL), ==, 0);
  result_clear (&r);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = make_oauth2 (f);
  g_autoptr(GHashTable) params = NULL;
  Result r = { 0 };
  Call c = { 0 };
  gint64 started = g_get_monotonic_time ();

  g_assert_cmpuint (pb_oauth2_get_timeout (oauth2), ==, 300);
  pb_oauth2_set_timeout (oauth2, 1);
  f->mode = BROWSER_IDLE;
  pb_oauth2_authorize_async (oauth2, show_uri, f, NULL, on_authorized_cb, &r);
  wait_until (&r.done);

  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (r.error->message, "1 second"));
  g_assert_cmpint (g_get_monotonic_time () - started, >=, G_USEC_PER_SEC / 2);

  /* Nothing listens any more. */
  params = query_of (f->shown);
  http_call (f, "GET", g_hash_table_lookup (params, "redirect_uri"), NULL, NULL, &c);
  g_assert_nonnull (c.error);
  call_clear (&c);
  result_clear (&r);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = make_oauth2 (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GHashTable) params = NULL;
  Result r = { 0 };
  Call c = { 0 };

  f->mode = BROWSER_IDLE;
  pb_oauth2_authorize_async (oauth2, show_uri, f, cancellable, on_authorized_cb, &r);
  g_timeout_add (50, cancel_cb, cancellable);
  wait_until (&r.done);

  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  params = query_of (f->shown);
  http_call (f, "GET", g_hash_table_lookup (params, "redirect_uri"), NULL, NULL, &c);
  g_assert_nonnull (c.error);
  call_clear (&c);
  result_clear (&r);

  /* Cancelled before it starts: no URL is shown. */
  f->shown_count = 0;
  pb_oauth2_authorize_async (oauth2, show_uri, f, cancellable, on_authorized_cb, &r);
  wait_until (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f->shown_count, ==, 0);
  result_clear (&r);
}

static void
test_new_refuses_bad_endpoints (void)
{
  g_autoptr(GError) error = NULL;
  static const char * const reserved[] = { "state", "mine", NULL };
  PbOAuth2Endpoints endpoints = {
    .auth_url = "http://payroll.example.com/oauth2/authorize",
    .token_url = "https://payroll.example.com/oauth2/token",
    .client_id = "client",
  };
  PbOAuth2 *oauth2 = pb_oauth2_new (&endpoints, REGISTER_ID, 1, NULL, &error);

  /* A code must not cross a network unencrypted. */
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INSECURE);
  g_assert_null (oauth2);
  g_clear_error (&error);

  endpoints.auth_url = "https://payroll.example.com/oauth2/authorize";
  endpoints.token_url = "not a url";
  oauth2 = pb_oauth2_new (&endpoints, REGISTER_ID, 1, NULL, &error);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  endpoints.token_url = "https://payroll.example.com/oauth2/token";
  endpoints.extra_params = reserved;
  oauth2 = pb_oauth2_new (&endpoints, REGISTER_ID, 1, NULL, &error);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  endpoints.extra_params = NULL;
  oauth2 = pb_oauth2_new (&endpoints, REGISTER_ID, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pb_oauth2_get_connection_id (oauth2), ==, 1);
  g_assert_true (pb_oauth2_get_open_browser (oauth2));
  g_assert_cmpuint (pb_oauth2_get_refresh_margin (oauth2), ==, 600);
  g_object_unref (oauth2);
}

/* --- the sandbox's server ---------------------------------------------------- */

static char *
authorize_url (Fixture    *f,
               const char *challenge,
               const char *method,
               const char *redirect_uri)
{
  g_autofree char *base = url_of (f, "/oauth2/authorize");
  g_autofree char *redirect = g_uri_escape_string (redirect_uri, NULL, FALSE);
  GString *url = g_string_new (base);

  g_string_append_printf (url, "?response_type=code&client_id=sandbox-client&redirect_uri=%s&state=st4te", redirect);
  if (challenge != NULL)
    g_string_append_printf (url, "&code_challenge=%s", challenge);
  if (method != NULL)
    g_string_append_printf (url, "&code_challenge_method=%s", method);
  return g_string_free (url, FALSE);
}

/* A code from the sandbox for @verifier's challenge. */
static char *
get_code (Fixture    *f,
          const char *verifier)
{
  g_autofree char *challenge = s256 (verifier);
  g_autofree char *url = authorize_url (f, challenge, "S256", "http://127.0.0.1:9/cb");
  g_autoptr(GHashTable) back = NULL;
  Call c = { 0 };
  char *code;

  http_call (f, "GET", url, NULL, NULL, &c);
  g_assert_cmpuint (c.status, ==, 302);
  g_assert_true (g_str_has_prefix (c.location, "http://127.0.0.1:9/cb?"));
  back = query_of (c.location);
  g_assert_cmpstr (g_hash_table_lookup (back, "state"), ==, "st4te");
  code = g_strdup (g_hash_table_lookup (back, "code"));
  g_assert_nonnull (code);
  call_clear (&c);
  return code;
}

static void
token_call (Fixture    *f,
            const char *code,
            const char *verifier,
            const char *client,
            const char *basic,
            Call       *c)
{
  g_autofree char *url = url_of (f, "/oauth2/token");
  g_autofree char *form = g_strdup_printf ("grant_type=authorization_code&code=%s&redirect_uri=%s"
                                           "&code_verifier=%s%s",
                                           code, "http%3A%2F%2F127.0.0.1%3A9%2Fcb", verifier, client);

  http_call (f, "POST", url, form, basic, c);
}

static void
assert_oauth_error (Call       *c,
                    guint       status,
                    const char *error)
{
  g_autoptr(JsonObject) object = call_json (c);

  g_assert_cmpuint (c->status, ==, status);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, error);
  g_assert_nonnull (json_object_get_string_member (object, "error_description"));
}

/* RFC 7636 §4.6: the server checks the verifier; codes are single-use. */
static void
test_pkce_verifier_checked (Fixture       *f,
                            gconstpointer  data)
{
  const char *verifier = "the-real-verifier_0123456789.abcdefghijklmnopqrstuvwxyz~";
  const char *wrong = "a-wrong-verifier_0123456789.abcdefghijklmnopqrstuvwxyz~~~";
  g_autofree char *code = get_code (f, verifier);
  g_autoptr(JsonObject) tokens = NULL;
  Call c = { 0 };

  token_call (f, code, wrong, "&client_id=sandbox-client&client_secret=sandbox-secret", NULL, &c);
  assert_oauth_error (&c, 400, "invalid_grant");
  g_assert_nonnull (strstr (c.body, "PKCE"));

  /* The code was spent by the failed attempt. */
  token_call (f, code, verifier, "&client_id=sandbox-client&client_secret=sandbox-secret", NULL, &c);
  assert_oauth_error (&c, 400, "invalid_grant");
  g_free (code);

  /* The right verifier on a new code: tokens, not to be cached. */
  code = get_code (f, verifier);
  token_call (f, code, verifier, "&client_id=sandbox-client&client_secret=sandbox-secret", NULL, &c);
  g_assert_cmpuint (c.status, ==, 200);
  g_assert_cmpstr (c.cache_control, ==, "no-store");
  tokens = call_json (&c);
  g_assert_cmpstr (json_object_get_string_member (tokens, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (tokens, "expires_in"), ==, 3600);
  g_assert_nonnull (json_object_get_string_member (tokens, "access_token"));
  g_assert_nonnull (json_object_get_string_member (tokens, "refresh_token"));
  g_assert_true (json_object_has_member (tokens, "scope"));

  /* Used twice: refused, and what it gave is revoked (RFC 6749 §4.1.2). */
  token_call (f, code, verifier, "&client_id=sandbox-client&client_secret=sandbox-secret", NULL, &c);
  assert_oauth_error (&c, 400, "invalid_grant");
  {
    g_autofree char *me = url_of (f, "/oauth2/me");
    g_autofree char *refresh = g_strdup_printf ("grant_type=refresh_token&client_id=sandbox-client&refresh_token=%s",
                                                json_object_get_string_member (tokens, "refresh_token"));
    g_autofree char *token_url = url_of (f, "/oauth2/token");

    http_call (f, "POST", token_url, refresh, NULL, &c);
    assert_oauth_error (&c, 400, "invalid_grant");
    http_call (f, "GET", me, NULL, NULL, &c);
    g_assert_cmpuint (c.status, ==, 401);
    g_assert_cmpstr (c.www_authenticate, ==, "Bearer realm=\"sandbox\"");
  }
  g_free (code);

  /* Client authentication: a public client (no secret) and HTTP Basic
   * are accepted; a wrong secret is invalid_client, 401. */
  code = get_code (f, verifier);
  token_call (f, code, verifier, "&client_id=sandbox-client&client_secret=wrong", NULL, &c);
  assert_oauth_error (&c, 401, "invalid_client");
  g_free (code);
  code = get_code (f, verifier);
  token_call (f, code, verifier, "&client_id=sandbox-client", NULL, &c);
  g_assert_cmpuint (c.status, ==, 200);
  g_free (code);
  code = get_code (f, verifier);
  token_call (f, code, verifier, "", "sandbox-client:sandbox-secret", &c);
  g_assert_cmpuint (c.status, ==, 200);
  g_free (code);
  code = get_code (f, verifier);
  token_call (f, code, verifier, "", "sandbox-client:wrong", &c);
  assert_oauth_error (&c, 401, "invalid_client");

  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "authorization_code"), ==, 8);
  call_clear (&c);
}

/* §4.1.2.1: errors go back by redirect when the redirect URI is good, and
 * are shown (never redirected) when it is not. */
static void
test_sandbox_authorize_errors (Fixture       *f,
                               gconstpointer  data)
{
  const char *challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  g_autoptr(GHashTable) back = NULL;
  Call c = { 0 };
  g_autofree char *plain = authorize_url (f, challenge, "plain", "http://127.0.0.1:9/cb");
  g_autofree char *missing = authorize_url (f, NULL, NULL, "http://127.0.0.1:9/cb");
  g_autofree char *remote = authorize_url (f, challenge, "S256", "http://evil.example.com/cb");
  g_autofree char *token = NULL;
  g_autofree char *token_url = url_of (f, "/oauth2/token");

  http_call (f, "GET", plain, NULL, NULL, &c);
  g_assert_cmpuint (c.status, ==, 302);
  back = query_of (c.location);
  g_assert_cmpstr (g_hash_table_lookup (back, "error"), ==, "invalid_request");
  g_assert_cmpstr (g_hash_table_lookup (back, "state"), ==, "st4te");
  g_assert_null (g_hash_table_lookup (back, "code"));
  g_clear_pointer (&back, g_hash_table_unref);

  http_call (f, "GET", missing, NULL, NULL, &c);
  g_assert_cmpuint (c.status, ==, 302);
  back = query_of (c.location);
  g_assert_cmpstr (g_hash_table_lookup (back, "error"), ==, "invalid_request");
  g_assert_cmpstr (g_hash_table_lookup (back, "error_description"), ==, "code challenge required");

  http_call (f, "GET", remote, NULL, NULL, &c);
  assert_oauth_error (&c, 400, "invalid_request");
  g_assert_null (c.location);

  token = with_param (plain, "response_type", "token");
  http_call (f, "GET", token, NULL, NULL, &c);
  g_assert_cmpuint (c.status, ==, 302);
  g_assert_nonnull (strstr (c.location, "error=unsupported_response_type"));

  http_call (f, "POST", token_url, "grant_type=password&client_id=sandbox-client", NULL, &c);
  assert_oauth_error (&c, 400, "unsupported_grant_type");
  http_call (f, "POST", token_url, "grant_type=refresh_token&grant_type=refresh_token", NULL, &c);
  assert_oauth_error (&c, 400, "invalid_request");
  http_call (f, "GET", token_url, NULL, NULL, &c);
  g_assert_cmpuint (c.status, ==, 405);
  call_clear (&c);
}

/* --- the authorizer ------------------------------------------------------ */

/* Signs in with one PbOAuth2, then gives a second one for the same
 * connection, as the app has after a restart: it reads the keyring, and
 * with access tokens of 300 s (less than the 10-minute margin) it must
 * renew before the first request. */
static PbOAuth2 *
signed_in_restart (Fixture *f,
                   Stored  *first)
{
  g_autoptr(PbOAuth2) before = make_oauth2 (f);

  pb_sandbox_oauth2_set_access_lifetime (f->sandbox, 300);
  sign_in (f, before);
  g_assert_true (lookup_stored (f, first));
  return make_oauth2 (f);
}

/* SPEC C2, STYLE 6: one refresh in flight per connection; the other
 * callers wait for it and get its token. */
static void
test_refresh_serialized (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  Stored first = { 0 }, after = { 0 };
  Result results[10] = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = signed_in_restart (f, &first);
  http = make_http (f, oauth2);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    send_me (http, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      wait_until (&results[i].done);
      assert_me (&results[i]);
      result_clear (&results[i]);
    }

  g_assert_cmpuint (pb_http_get_max_in_flight_seen (http), ==, 10);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/oauth2/me"), ==, 10);
  g_assert_true (lookup_stored (f, &after));
  g_assert_cmpstr (after.access_token, !=, first.access_token);

  /* The renewed token is good for a while: no refresh for the next one. */
  get_me (http, &results[0]);
  assert_me (&results[0]);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);

  result_clear (&results[0]);
  stored_clear (&first);
  stored_clear (&after);
}

/* A refresh answer without a refresh_token keeps the old one. */
static void
test_refresh_keeps_old_refresh_token (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  Stored first = { 0 }, after = { 0 };
  Result r = { 0 };

  if (!have_keyring ())
    return;

  pb_sandbox_oauth2_set_rotation (f->sandbox, FALSE);
  oauth2 = signed_in_restart (f, &first);
  http = make_http (f, oauth2);

  get_me (http, &r);
  assert_me (&r);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);
  g_assert_true (lookup_stored (f, &after));
  g_assert_cmpstr (after.access_token, !=, first.access_token);
  g_assert_cmpstr (after.refresh_token, ==, first.refresh_token);

  /* ...and it still works for the next refresh. */
  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  get_me (http, &r);
  assert_me (&r);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 2);

  result_clear (&r);
  stored_clear (&first);
  stored_clear (&after);
}

/* A new refresh_token replaces the old one, in the keyring too. */
static void
test_refresh_rotation (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  g_autofree char *token_url = url_of (f, "/oauth2/token");
  g_autofree char *old_form = NULL;
  Stored first = { 0 }, second = { 0 }, third = { 0 };
  Result r = { 0 };
  Call c = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = signed_in_restart (f, &first);
  http = make_http (f, oauth2);

  get_me (http, &r);
  assert_me (&r);
  g_assert_true (lookup_stored (f, &second));
  g_assert_cmpstr (second.refresh_token, !=, first.refresh_token);

  /* The old one is dead at the server. */
  old_form = g_strdup_printf ("grant_type=refresh_token&client_id=sandbox-client&refresh_token=%s",
                              first.refresh_token);
  http_call (f, "POST", token_url, old_form, NULL, &c);
  assert_oauth_error (&c, 400, "invalid_grant");

  /* The next refresh uses the new one. */
  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  get_me (http, &r);
  assert_me (&r);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 3);
  g_assert_true (lookup_stored (f, &third));
  g_assert_cmpstr (third.refresh_token, !=, second.refresh_token);
  g_assert_cmpuint (f->needs_sign_in, ==, 0);

  call_clear (&c);
  result_clear (&r);
  stored_clear (&first);
  stored_clear (&second);
  stored_clear (&third);
}

/* A 401 that names the current token renews it, once for all the
 * requests that got it. */
static void
test_refresh_on_401 (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  Result results[5] = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = make_oauth2 (f);
  sign_in (f, oauth2);
  http = make_http (f, oauth2);
  get_me (http, &results[0]);
  assert_me (&results[0]);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 0);

  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    send_me (http, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      wait_until (&results[i].done);
      assert_me (&results[i]);
      result_clear (&results[i]);
    }

  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/oauth2/me"), ==, 11);
}

/* invalid_grant: NOT_AUTHORIZED, ::needs-sign-in, and the dead refresh
 * token is not sent again; a new sign-in recovers. */
static void
test_refresh_invalid_grant (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  Stored first = { 0 };
  Result r = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = signed_in_restart (f, &first);
  http = make_http (f, oauth2);
  pb_sandbox_oauth2_revoke_refresh_tokens (f->sandbox);

  get_me (http, &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (r.error->message, "Sign in again"));
  g_assert_cmpuint (f->needs_sign_in, ==, 1);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/oauth2/me"), ==, 0);

  /* Again: no second try with the same refresh token, no second signal. */
  get_me (http, &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_cmpuint (f->needs_sign_in, ==, 1);
  g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);

  /* "Sign in again". */
  sign_in (f, oauth2);
  get_me (http, &r);
  assert_me (&r);
  g_assert_cmpuint (f->needs_sign_in, ==, 1);

  result_clear (&r);
  stored_clear (&first);
}

/* --- the keyring ------------------------------------------------------------- */

static void
test_keyring_missing_item (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  Result r = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = make_oauth2 (f);
  http = make_http (f, oauth2);
  get_me (http, &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (r.error->message, "Sign in again"));
  g_assert_cmpuint (f->needs_sign_in, ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, "/oauth2/"), ==, 0);
  result_clear (&r);
}

static void
on_forgotten_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Result *r = data;

  r->ok = pb_oauth2_forget_finish (PB_OAUTH2 (source), result, &r->error);
  r->done = TRUE;
}

static void
test_keyring_forget (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  Stored stored = { 0 };
  Result r = { 0 };

  if (!have_keyring ())
    return;

  oauth2 = make_oauth2 (f);
  sign_in (f, oauth2);
  g_assert_true (lookup_stored (f, &stored));
  http = make_http (f, oauth2);
  get_me (http, &r);
  assert_me (&r);

  result_clear (&r);
  pb_oauth2_forget_async (oauth2, NULL, on_forgotten_cb, &r);
  wait_until (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_false (lookup_stored (f, &stored));

  get_me (http, &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_cmpuint (f->needs_sign_in, ==, 1);
  result_clear (&r);
}

/* --- redaction ------------------------------------------------------------- */

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  if (captured_log != NULL)
    g_string_append_printf (captured_log, "%s: %s\n", domain != NULL ? domain : "-", message != NULL ? message : "");

  /* Debug lines are only captured; the rest is shown as usual. */
  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_not_logged (const char *what,
                   const char *secret)
{
  const char *found;

  g_assert_nonnull (secret);
  g_assert_cmpuint (strlen (secret), >=, 12);
  found = strstr (captured_log->str, secret);
  if (found != NULL)
    {
      const char *line = found;

      /* Name the line, not the secret's neighbours in the whole log. */
      while (line > captured_log->str && line[-1] != '\n')
        line--;
      g_test_fail_printf ("The %s appears in the log line starting \"%.30s\"", what, line);
    }
}

/* SPEC C2: no code, verifier, state or token in any log line, through a
 * sign-in, a request, a refresh with rotation and a refused refresh. */
static void
test_redaction (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbHttp) http = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GHashTable) back = NULL;
  g_autofree char *verifier = NULL;
  Stored first = { 0 }, second = { 0 };
  Result r = { 0 };

  if (!have_keyring ())
    return;

  g_string_truncate (captured_log, 0);

  oauth2 = make_oauth2 (f);
  sign_in (f, oauth2);
  g_assert_true (lookup_stored (f, &first));
  http = make_http (f, oauth2);
  get_me (http, &r);
  assert_me (&r);
  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  get_me (http, &r);
  assert_me (&r);
  g_assert_true (lookup_stored (f, &second));
  pb_sandbox_oauth2_revoke_refresh_tokens (f->sandbox);
  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  get_me (http, &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);

  /* The log was written... */
  g_assert_nonnull (strstr (captured_log->str, "PbOAuth2: Connection"));
  g_assert_nonnull (strstr (captured_log->str, "PbHttp: POST /oauth2/token"));
  g_assert_nonnull (strstr (captured_log->str, "PbSandbox: GET /oauth2/authorize"));

  /* ...and holds none of the secrets. */
  params = query_of (f->shown);
  back = query_of (f->location);
  verifier = pb_sandbox_oauth2_dup_last_code_verifier (f->sandbox);
  assert_not_logged ("state", g_hash_table_lookup (params, "state"));
  assert_not_logged ("code", g_hash_table_lookup (back, "code"));
  assert_not_logged ("verifier", verifier);
  assert_not_logged ("first access token", first.access_token);
  assert_not_logged ("first refresh token", first.refresh_token);
  assert_not_logged ("second access token", second.access_token);
  assert_not_logged ("second refresh token", second.refresh_token);
  assert_not_logged ("client secret", "sandbox-secret");
  /* The error the caller got has none either. */
  g_assert_null (strstr (r.error->message, second.refresh_token));

  result_clear (&r);
  stored_clear (&first);
  stored_clear (&second);
}

int
main (int   argc,
      char *argv[])
{
  captured_log = g_string_new (NULL);
  next_connection_id = G_GINT64_CONSTANT (1000000000) + (gint64) getpid () * 100;
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_log_set_debug_enabled (TRUE);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/oauth2/authorize/happy-path", test_happy_path);
  ADD ("/oauth2/authorize/wrong-state-refused", test_wrong_state_refused);
  ADD ("/oauth2/authorize/access-denied", test_access_denied);
  ADD ("/oauth2/authorize/pkce-verifier-checked", test_pkce_verifier_checked);
  ADD ("/oauth2/authorize/timeout", test_timeout);
  ADD ("/oauth2/authorize/cancel", test_cancel);
  g_test_add_func ("/oauth2/authorize/refuses-bad-endpoints", test_new_refuses_bad_endpoints);
  ADD ("/oauth2/sandbox/authorize-errors", test_sandbox_authorize_errors);
  ADD ("/oauth2/refresh/serialized-10-concurrent", test_refresh_serialized);
  ADD ("/oauth2/refresh/keeps-old-refresh-token", test_refresh_keeps_old_refresh_token);
  ADD ("/oauth2/refresh/rotation", test_refresh_rotation);
  ADD ("/oauth2/refresh/on-401", test_refresh_on_401);
  ADD ("/oauth2/refresh/invalid-grant-needs-sign-in", test_refresh_invalid_grant);
  ADD ("/oauth2/keyring/missing-item-needs-sign-in", test_keyring_missing_item);
  ADD ("/oauth2/keyring/forget-deletes-item", test_keyring_forget);
  ADD ("/oauth2/redaction/no-secret-in-log", test_redaction);
#undef ADD

  return g_test_run ();
}
