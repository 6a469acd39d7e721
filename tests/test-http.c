/* test-http.c: PbHttp against a local SoupServer (SPEC R2)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "pb-http.h"
#include "pb-test-utils.h"

typedef struct
{
  SoupServer  *server;
  char        *base_url;
  GHashTable  *hits;          /* path -> count */
  guint        in_handler;    /* messages paused right now */
  guint        max_paused;
  GPtrArray   *paused;        /* SoupServerMessage* */
  char        *last_authorization;
  char        *last_query;
  /* The wire: PUTs under /wire/ and /suspect */
  guint        drop_every;    /* drop every Nth PUT that comes on a reused connection; 0: never */
  gboolean     drop_first;    /* drop the first PUT to /suspect..., fresh connection or not */
  guint        reused_arrivals;
  guint        drops;
  guint        bad_bodies;    /* PUTs whose body was empty, short or not JSON */
  GHashTable  *applied;       /* path -> times applied */
} Fixture;

static guint
hits (Fixture    *f,
      const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (f->hits, path));
}

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  if (json != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static gboolean
unpause_all_cb (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (f->paused, i);
      respond_json (msg, 200, "{\"value\":{\"ok\":true}}");
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (f->paused, 0);
  f->in_handler = 0;
  return G_SOURCE_REMOVE;
}

/* --- the wire: connections closed before the request is read ----------- */

/* Runs once the request's headers are in, before its body is read. A
 * connection that already carried a request is what libsoup reuses; when
 * the server closes one of those before answering, libsoup sends an
 * idempotent request again by itself (its "restarted"), and PbHttp never
 * sees the failure. That resend is what lost the body (issue 9). */
static gboolean
drop_connection_cb (gpointer data)
{
  SoupServerMessage *msg = data;
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           data)
{
  Fixture *f = data;
  GSocket *socket = soup_server_message_get_socket (msg);
  guint served = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (socket), "pb-test-served"));
  gboolean drop = FALSE;

  g_object_set_data (G_OBJECT (socket), "pb-test-served", GUINT_TO_POINTER (served + 1));
  if (!g_str_equal (soup_server_message_get_method (msg), "PUT"))
    return;

  if (g_str_has_prefix (path, "/wire/") && served > 0 && f->drop_every > 0)
    drop = ++f->reused_arrivals % f->drop_every == 0;
  else if (g_str_has_prefix (path, "/suspect") && f->drop_first && hits (f, path) == 0 && f->drops == 0)
    drop = TRUE;

  if (drop)
    {
      f->drops++;
      soup_server_message_pause (msg);
      g_idle_add_full (G_PRIORITY_DEFAULT, drop_connection_cb, g_object_ref (msg), g_object_unref);
    }
}

/* PUT /wire/N with {"n": N}: applied once per good body, 422 "Ugyldig
 * JSON" (Tripletex's code 22000) for an empty or broken one, as payroll
 * answered the resend. */
static void
wire_handler (Fixture           *f,
              SoupServerMessage *msg,
              const char        *path)
{
  g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  goffset declared = soup_message_headers_get_content_length (soup_server_message_get_request_headers (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *expected = NULL;
  JsonNode *root;

  if (g_bytes_get_size (bytes) == 0 || declared != (goffset) g_bytes_get_size (bytes)
      || !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_test_message ("%s arrived with content-length %" G_GOFFSET_FORMAT " and %" G_GSIZE_FORMAT " bytes",
                      path, declared, g_bytes_get_size (bytes));
      f->bad_bodies++;
      respond_json (msg, 422, "{\"status\":422,\"code\":22000,\"message\":\"Ugyldig JSON\"}");
      return;
    }

  expected = g_strdup_printf ("/wire/%" G_GINT64_FORMAT,
                              json_object_get_int_member_with_default (json_node_get_object (root), "n", -1));
  g_assert_cmpstr (expected, ==, path);
  g_hash_table_insert (f->applied, g_strdup (path),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (f->applied, path)) + 1));
  respond_json (msg, 200, "{\"value\":{\"version\":1}}");
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  Fixture *f = data;
  guint n = hits (f, path) + 1;
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  GUri *uri = soup_server_message_get_uri (msg);

  g_hash_table_insert (f->hits, g_strdup (path), GUINT_TO_POINTER (n));
  g_free (f->last_authorization);
  f->last_authorization = g_strdup (auth);
  g_free (f->last_query);
  f->last_query = g_strdup (g_uri_get_query (uri));

  if (g_str_equal (path, "/ok"))
    respond_json (msg, 200, "{\"value\":{\"id\":7}}");
  else if (g_str_equal (path, "/empty"))
    respond_json (msg, 204, NULL);
  else if (g_str_equal (path, "/flaky"))
    respond_json (msg, n <= 2 ? 503 : 200, n <= 2 ? "{\"status\":503,\"message\":\"busy\"}" : "{\"value\":1}");
  else if (g_str_equal (path, "/always-500"))
    respond_json (msg, 500, "{\"status\":500,\"code\":1000,\"message\":\"boom\"}");
  else if (g_str_equal (path, "/rate"))
    {
      if (n == 1)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
      respond_json (msg, n == 1 ? 429 : 200, n == 1 ? "{\"status\":429}" : "{\"value\":2}");
    }
  else if (g_str_equal (path, "/invalid"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "x-tlx-request-id", "req-42");
      respond_json (msg, 422,
                    "{\"status\":422,\"code\":18000,\"message\":\"Validering feilet.\",\"developerMessage\":null,"
                    "\"validationMessages\":[{\"field\":\"email\",\"message\":\"Ugyldig e-post\",\"path\":null,\"rootId\":null}],"
                    "\"requestId\":\"req-42\"}");
    }
  else if (g_str_equal (path, "/bad-json"))
    respond_json (msg, 200, "{\"value\": [1, 2");
  else if (g_str_equal (path, "/auth"))
    {
      if (g_strcmp0 (auth, "Bearer fresh") == 0)
        respond_json (msg, 200, "{\"value\":\"in\"}");
      else
        respond_json (msg, 401, "{\"status\":401,\"code\":3000,\"message\":\"expired\"}");
    }
  else if (g_str_equal (path, "/always-401"))
    respond_json (msg, 401, "{\"status\":401,\"code\":3000,\"message\":\"Ugyldig token\"}");
  else if (g_str_has_prefix (path, "/wire/"))
    wire_handler (f, msg, path);
  else if (g_str_equal (path, "/suspect"))
    respond_json (msg, n == 1 ? 422 : 200,
                  n == 1 ? "{\"status\":422,\"code\":22000,\"message\":\"Ugyldig JSON\"}" : "{\"value\":3}");
  else if (g_str_equal (path, "/suspect-always"))
    respond_json (msg, 422, "{\"status\":422,\"code\":22000,\"message\":\"Ugyldig JSON\"}");
  else if (g_str_equal (path, "/slow"))
    {
      f->in_handler++;
      f->max_paused = MAX (f->max_paused, f->in_handler);
      g_ptr_array_add (f->paused, msg);
      soup_server_message_pause (msg);
    }
  else
    respond_json (msg, 404, "{\"status\":404}");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->paused = g_ptr_array_new ();
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, handler, f, NULL);
  soup_server_add_early_handler (f->server, NULL, early_handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  if (g_str_has_suffix (f->base_url, "/"))
    f->base_url[strlen (f->base_url) - 1] = '\0';
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  unpause_all_cb (f);
  g_clear_object (&f->server);
  g_hash_table_unref (f->hits);
  g_hash_table_unref (f->applied);
  g_ptr_array_unref (f->paused);
  g_free (f->base_url);
  g_free (f->last_authorization);
  g_free (f->last_query);
}

typedef struct
{
  JsonNode *node;
  GError   *error;
  gboolean  done;
} Result;

static void
on_done (GObject      *source,
         GAsyncResult *res,
         gpointer      data)
{
  Result *r = data;

  r->node = pb_http_send_finish (PB_HTTP (source), res, &r->error);
  r->done = TRUE;
}

static void
wait_for (Result *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->node, json_node_unref);
  g_clear_error (&r->error);
  r->done = FALSE;
}

static PbHttp *
make_http (Fixture *f,
           guint    max_retries)
{
  PbHttpLimits limits = { 3, 0, 1, max_retries, 2000, 20, 1000 };
  g_autoptr(GError) error = NULL;
  PbHttp *http = pb_http_new (f->base_url, &limits, &error);

  g_assert_no_error (error);
  return http;
}

static void
send (PbHttp     *http,
      const char *method,
      const char *path,
      Result     *r)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new (method, path);

  result_clear (r);
  pb_http_send_async (http, request, NULL, on_done, r);
  wait_for (r);
}

static void
test_ok_and_empty (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 0);
  Result r = { 0 };

  send (http, "GET", "/ok", &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (r.node), "value"), "id"), ==, 7);

  send (http, "DELETE", "/empty", &r);
  g_assert_no_error (r.error);
  g_assert_null (r.node);
  result_clear (&r);
}

typedef struct
{
  guint attempts[8];
  guint delays[8];
  guint statuses[8];
  guint n;
} Retries;

static void
on_retry (PbHttp  *http,
          guint    attempt,
          guint    delay_ms,
          guint    status,
          Retries *retries)
{
  if (retries->n < G_N_ELEMENTS (retries->delays))
    {
      retries->attempts[retries->n] = attempt;
      retries->delays[retries->n] = delay_ms;
      retries->statuses[retries->n] = status;
      retries->n++;
    }
}

/* SPEC R2: 5xx is retried with exponential backoff and jitter. */
static void
test_backoff_schedule (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 4);
  Retries retries = { 0 };
  Result r = { 0 };

  g_signal_connect (http, "retry-scheduled", G_CALLBACK (on_retry), &retries);
  send (http, "GET", "/flaky", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (hits (f, "/flaky"), ==, 3);
  g_assert_cmpuint (retries.n, ==, 2);
  /* base 20 ms: retry n waits within [base·2^(n-1)/2, base·2^(n-1)] */
  g_assert_cmpuint (retries.attempts[0], ==, 1);
  g_assert_cmpuint (retries.delays[0], >=, 10);
  g_assert_cmpuint (retries.delays[0], <=, 20);
  g_assert_cmpuint (retries.statuses[0], ==, 503);
  g_assert_cmpuint (retries.attempts[1], ==, 2);
  g_assert_cmpuint (retries.delays[1], >=, 20);
  g_assert_cmpuint (retries.delays[1], <=, 40);
  result_clear (&r);
}

static void
test_backoff_function (void)
{
  PbHttpLimits limits = { 1, 0, 1, 10, 1000, 500, 30000 };

  g_assert_cmpuint (pb_http_backoff_delay (&limits, 1, 0), ==, 250);
  g_assert_cmpuint (pb_http_backoff_delay (&limits, 1, G_MAXUINT32), <=, 500);
  g_assert_cmpuint (pb_http_backoff_delay (&limits, 3, 0), ==, 1000);
  g_assert_cmpuint (pb_http_backoff_delay (&limits, 3, 1000), ==, 2000);
  /* capped */
  g_assert_cmpuint (pb_http_backoff_delay (&limits, 20, 0), ==, 15000);
  g_assert_cmpuint (pb_http_backoff_delay (&limits, 20, G_MAXUINT32), <=, 30000);
}

static void
test_gives_up (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 2);
  Result r = { 0 };
  const PbProviderErrorDetails *details;

  send (http, "GET", "/always-500", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_SERVER);
  g_assert_cmpuint (hits (f, "/always-500"), ==, 3);
  details = pb_provider_error_get_details (r.error);
  g_assert_cmpuint (details->status, ==, 500);
  g_assert_cmpint (details->code, ==, 1000);
  g_assert_cmpstr (details->message, ==, "boom");
  result_clear (&r);
}

/* A POST that failed with 500 may have created the record: not retried. */
static void
test_post_not_retried (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  Result r = { 0 };

  send (http, "POST", "/always-500", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_SERVER);
  g_assert_cmpuint (hits (f, "/always-500"), ==, 1);

  /* ...but a 503 says nothing was done. */
  send (http, "POST", "/flaky", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (hits (f, "/flaky"), ==, 3);
  result_clear (&r);
}

/* SPEC R2: 429 honours Retry-After. */
static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  Retries retries = { 0 };
  Result r = { 0 };

  g_signal_connect (http, "retry-scheduled", G_CALLBACK (on_retry), &retries);
  send (http, "POST", "/rate", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (hits (f, "/rate"), ==, 2);
  g_assert_cmpuint (retries.n, ==, 1);
  g_assert_cmpuint (retries.statuses[0], ==, 429);
  g_assert_cmpuint (retries.delays[0], ==, 1000);
  result_clear (&r);
}

static void
test_no_retry_on_422 (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  Result r = { 0 };
  const PbProviderErrorDetails *details;
  PbFieldMessage *fm;

  send (http, "PUT", "/invalid", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_assert_cmpuint (hits (f, "/invalid"), ==, 1);
  details = pb_provider_error_get_details (r.error);
  g_assert_nonnull (details);
  g_assert_cmpuint (details->status, ==, 422);
  g_assert_cmpint (details->code, ==, 18000);
  g_assert_cmpstr (details->request_id, ==, "req-42");
  g_assert_cmpstr (details->message, ==, "Validering feilet.");
  g_assert_null (details->developer_message);
  g_assert_cmpuint (details->field_messages->len, ==, 1);
  fm = g_ptr_array_index (details->field_messages, 0);
  g_assert_cmpstr (fm->field, ==, "email");
  g_assert_cmpstr (fm->message, ==, "Ugyldig e-post");
  g_assert_nonnull (strstr (r.error->message, "email: Ugyldig e-post"));

  /* The details survive g_error_copy (the error log keeps copies). */
  {
    g_autoptr(GError) copy = g_error_copy (r.error);
    g_assert_cmpstr (pb_provider_error_get_details (copy)->request_id, ==, "req-42");
  }
  result_clear (&r);
}

static void
test_invalid_json (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 1);
  Result r = { 0 };

  send (http, "GET", "/bad-json", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (hits (f, "/bad-json"), ==, 2);
  result_clear (&r);
}

/* --- the wire ---------------------------------------------------------------- */

static void
send_put (PbHttp     *http,
          const char *path,
          gint64      n,
          Result     *r)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("PUT", path);
  g_autoptr(JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_int_member (json_node_get_object (body), "n", n);
  json_object_set_string_member (json_node_get_object (body), "comment", "a body long enough to notice when it is cut");
  pb_http_request_set_body (request, body);
  result_clear (r);
  pb_http_send_async (http, request, NULL, on_done, r);
  wait_for (r);
}

/* SPEC R2, issue 9: every third PUT that comes on a kept-alive connection
 * finds it closed before the server reads it. libsoup sends such a PUT
 * again by itself; the body must go with it, every time, and each change
 * is applied exactly once. */
static void
test_wire_body_survives_resend (Fixture       *f,
                                gconstpointer  data)
{
  PbHttpLimits limits = { 1, 0, 1, 0, 2000, 20, 1000 };   /* no retries of PbHttp's own */
  g_autoptr(GError) error = NULL;
  g_autoptr(PbHttp) http = pb_http_new (f->base_url, &limits, &error);
  Retries retries = { 0 };
  Result r = { 0 };
  const guint n_changes = 20;

  g_assert_no_error (error);
  g_signal_connect (http, "retry-scheduled", G_CALLBACK (on_retry), &retries);
  f->drop_every = 3;

  for (guint i = 1; i <= n_changes; i++)
    {
      g_autofree char *path = g_strdup_printf ("/wire/%u", i);

      send_put (http, path, i, &r);
      g_assert_no_error (r.error);
    }
  result_clear (&r);

  /* The faults happened, on reused connections only: libsoup's resends. */
  g_assert_cmpuint (f->drops, >=, 4);
  g_assert_cmpuint (retries.n, ==, 0);
  g_assert_cmpuint (f->bad_bodies, ==, 0);
  g_assert_cmpuint (g_hash_table_size (f->applied), ==, n_changes);
  for (guint i = 1; i <= n_changes; i++)
    {
      g_autofree char *path = g_strdup_printf ("/wire/%u", i);

      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (f->applied, path)), ==, 1);
    }
}

/* The same with requests side by side on several connections. */
static void
test_wire_body_survives_resend_parallel (Fixture       *f,
                                         gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 0);
  Result results[30] = { 0 };

  f->drop_every = 4;
  for (guint round = 0; round < 3; round++)
    {
      for (guint i = 0; i < 10; i++)
        {
          guint n = round * 10 + i + 1;
          g_autofree char *path = g_strdup_printf ("/wire/%u", n);
          g_autoptr(PbHttpRequest) request = pb_http_request_new ("PUT", path);
          g_autoptr(JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());

          json_object_set_int_member (json_node_get_object (body), "n", n);
          pb_http_request_set_body (request, body);
          pb_http_send_async (http, request, NULL, on_done, &results[n - 1]);
        }
      for (guint i = 0; i < 10; i++)
        wait_for (&results[round * 10 + i]);
    }

  g_assert_cmpuint (f->drops, >=, 3);
  g_assert_cmpuint (f->bad_bodies, ==, 0);
  for (guint n = 1; n <= G_N_ELEMENTS (results); n++)
    {
      g_autofree char *path = g_strdup_printf ("/wire/%u", n);

      g_assert_no_error (results[n - 1].error);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (f->applied, path)), ==, 1);
      result_clear (&results[n - 1]);
    }
}

/* A 422 about the body, on the attempt right after the connection dropped
 * (libsoup's resend on a reused connection, or PbHttp's own retry on a
 * fresh one), may be about a body lost on the wire: it is tried again, not
 * taken as the payroll system refusing the change. */
static void
test_wire_422_after_drop_retried (Fixture       *f,
                                  gconstpointer  data)
{
  gboolean reused = GPOINTER_TO_INT (data);
  g_autoptr(PbHttp) http = make_http (f, 3);
  Retries retries = { 0 };
  Result r = { 0 };

  g_signal_connect (http, "retry-scheduled", G_CALLBACK (on_retry), &retries);
  if (reused)
    {
      send (http, "GET", "/ok", &r);   /* the PUT then goes on a kept-alive connection */
      g_assert_no_error (r.error);
    }
  f->drop_first = TRUE;
  send_put (http, "/suspect", 1, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (f->drops, ==, 1);
  g_assert_cmpuint (hits (f, "/suspect"), ==, 2);
  /* Reused: libsoup resent after the drop, PbHttp retried after the 422.
   * Fresh: PbHttp retried after the drop and again after the 422. */
  g_assert_cmpuint (retries.n, ==, reused ? 1 : 2);
  g_assert_cmpuint (retries.statuses[retries.n - 1], ==, 422);
  result_clear (&r);
}

/* ...but only once: the same 422 again, with no drop before it, is the
 * payroll system's answer. */
static void
test_wire_422_twice_is_validation (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  Result r = { 0 };

  send (http, "GET", "/ok", &r);
  f->drop_first = TRUE;
  send_put (http, "/suspect-always", 1, &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_assert_cmpuint (pb_provider_error_get_details (r.error)->status, ==, 422);
  g_assert_cmpuint (f->drops, ==, 1);
  g_assert_cmpuint (hits (f, "/suspect-always"), ==, 2);
  result_clear (&r);
}

/* A 422 that follows a drop and cannot be retried any more stays a
 * transient failure for the engine (pb_provider_error_is_transient). */
static void
test_wire_422_after_drop_transient (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 0);
  Result r = { 0 };

  send (http, "GET", "/ok", &r);
  f->drop_first = TRUE;
  send_put (http, "/suspect-always", 1, &r);
  g_assert_nonnull (r.error);
  g_assert_true (pb_provider_error_is_transient (r.error));
  g_assert_cmpuint (pb_provider_error_get_details (r.error)->status, ==, 422);
  g_assert_cmpuint (hits (f, "/suspect-always"), ==, 1);
  result_clear (&r);
}

/* --- authorization ---------------------------------------------------------- */

typedef struct
{
  guint    calls;
  guint    forced;
  gboolean fail;
} Authorizer;

static void
fake_authorize (gpointer             user_data,
                const char          *rejected,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             callback_data)
{
  Authorizer *a = user_data;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, callback_data);

  a->calls++;
  if (rejected != NULL)
    a->forced++;
  if (a->fail)
    g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED, "bad token");
  else
    g_task_return_pointer (task, g_strdup (a->forced > 0 ? "Bearer fresh" : "Bearer stale-secret-1234"), g_free);
}

static char *
fake_authorize_finish (gpointer       user_data,
                       GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_reauthorize_once_on_401 (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  Authorizer a = { 0 };
  Result r = { 0 };

  pb_http_set_authorizer (http, fake_authorize, fake_authorize_finish, &a);
  send (http, "GET", "/auth", &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (a.calls, ==, 2);
  g_assert_cmpuint (a.forced, ==, 1);
  g_assert_cmpuint (hits (f, "/auth"), ==, 2);
  g_assert_cmpstr (f->last_authorization, ==, "Bearer fresh");

  /* A refused authorization fails the request without sending it. */
  a.fail = TRUE;
  send (http, "GET", "/ok", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_cmpuint (hits (f, "/ok"), ==, 0);
  result_clear (&r);
}

static void
test_still_401_after_refresh (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  Authorizer a = { 0 };
  Result r = { 0 };

  /* The refreshed token is still refused: exactly one refresh, then give up. */
  pb_http_set_authorizer (http, fake_authorize, fake_authorize_finish, &a);
  send (http, "GET", "/always-401", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_cmpstr (pb_provider_error_get_details (r.error)->message, ==, "Ugyldig token");
  g_assert_cmpuint (a.calls, ==, 2);
  g_assert_cmpuint (a.forced, ==, 1);
  g_assert_cmpuint (hits (f, "/always-401"), ==, 2);
  result_clear (&r);
}

/* --- cancellation, timeouts, concurrency --------------------------------------- */

static void
test_cancel_in_flight (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 3);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/slow");
  Result r = { 0 };

  pb_http_send_async (http, request, cancellable, on_done, &r);
  while (f->in_handler == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  wait_for (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
}

static void
test_cancel_during_backoff (Fixture       *f,
                            gconstpointer  data)
{
  PbHttpLimits limits = { 2, 0, 1, 5, 2000, 60000, 60000 };   /* a minute's wait */
  g_autoptr(PbHttp) http = pb_http_new (f->base_url, &limits, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/always-500");
  Retries retries = { 0 };
  Result r = { 0 };

  g_signal_connect (http, "retry-scheduled", G_CALLBACK (on_retry), &retries);
  pb_http_send_async (http, request, cancellable, on_done, &r);
  while (retries.n == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  wait_for (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (hits (f, "/always-500"), ==, 1);
  result_clear (&r);
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  PbHttpLimits limits = { 2, 0, 1, 1, 150, 10, 20 };
  g_autoptr(PbHttp) http = pb_http_new (f->base_url, &limits, NULL);
  Result r = { 0 };

  send (http, "GET", "/slow", &r);
  g_assert_error (r.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_TIMEOUT);
  g_assert_true (pb_provider_error_is_transient (r.error));
  g_assert_cmpuint (hits (f, "/slow"), ==, 2);   /* one retry */
  result_clear (&r);
}

static void
test_concurrency_bound (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 0);   /* max_in_flight 3 */
  Result results[10] = { { 0 } };
  guint done = 0;

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/slow");
      pb_http_send_async (http, request, NULL, on_done, &results[i]);
    }

  /* Release the server's paused answers batch by batch. */
  while (done < G_N_ELEMENTS (results))
    {
      g_main_context_iteration (NULL, TRUE);
      if (f->in_handler == 3 || (f->in_handler > 0 && done + f->in_handler == G_N_ELEMENTS (results)))
        unpause_all_cb (f);
      done = 0;
      for (guint i = 0; i < G_N_ELEMENTS (results); i++)
        done += results[i].done;
    }

  g_assert_cmpuint (f->max_paused, ==, 3);
  g_assert_cmpuint (pb_http_get_max_in_flight_seen (http), ==, 3);
  g_assert_cmpuint (hits (f, "/slow"), ==, 10);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_no_error (results[i].error);
      result_clear (&results[i]);
    }
}

/* --- redaction ------------------------------------------------------------------ */

static GString *captured;

/* Installed once for the whole program: collects every message while a
 * test captures, and otherwise writes as GLib would. */
static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (captured == NULL)
    return g_log_writer_default (level, fields, n_fields, user_data);

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_string_append_len (captured, fields[i].value, fields[i].length);
        g_string_append_c (captured, '\n');
      }
  return G_LOG_WRITER_HANDLED;
}

static void
test_redaction_in_debug_log (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PbHttp) http = make_http (f, 0);
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("PUT", "/token/session/:create");
  Authorizer a = { 0 };
  Result r = { 0 };

  pb_http_request_add_query (request, "consumerToken", "sandbox-consumer-SECRET-1");
  pb_http_request_add_query (request, "employeeToken", "sandbox-employee-SECRET-2");
  pb_http_request_add_query (request, "expirationDate", "2026-11-23");

  captured = g_string_new (NULL);

  pb_http_set_authorizer (http, fake_authorize, fake_authorize_finish, &a);
  pb_http_send_async (http, request, NULL, on_done, &r);
  wait_for (&r);
  result_clear (&r);
  send (http, "GET", "/auth", &r);   /* 401, then the fresh token */
  result_clear (&r);

  g_test_message ("captured log:\n%s", captured->str);
  /* The debug log did record the requests... */
  g_assert_nonnull (strstr (captured->str, "PUT /token/session/:create"));
  g_assert_nonnull (strstr (captured->str, "expirationDate=2026-11-23"));
  /* ...but no token, in the query or the Authorization header. */
  g_assert_null (strstr (captured->str, "SECRET"));
  g_assert_null (strstr (captured->str, "stale-secret"));
  g_assert_null (strstr (captured->str, "fresh"));
  g_assert_nonnull (strstr (captured->str, "consumerToken=[redacted]"));
  /* The server did get them. */
  g_assert_cmpstr (f->last_authorization, ==, "Bearer fresh");
  g_string_free (g_steal_pointer (&captured), TRUE);
}

static void
test_redact_function (void)
{
  g_autofree char *a = pb_http_redact ("GET /x?consumerToken=abc&count=10&access_token=zz&code=123");
  g_autofree char *b = pb_http_redact ("Authorization: Basic MDp0b2tlbg== and Bearer eyJhbGc.x.y");
  g_autofree char *c = pb_http_redact ("client_secret=s3cr3t&grant_type=refresh_token&refresh_token=rt");

  g_assert_cmpstr (a, ==, "GET /x?consumerToken=[redacted]&count=10&access_token=[redacted]&code=[redacted]");
  g_assert_cmpstr (b, ==, "Authorization: Basic [redacted] and Bearer [redacted]");
  g_assert_cmpstr (c, ==, "client_secret=[redacted]&grant_type=refresh_token&refresh_token=[redacted]");
}

static void
test_insecure_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbHttp) remote = pb_http_new ("http://tripletex.no/v2", NULL, &error);
  g_autoptr(PbHttp) loopback = NULL;
  g_autoptr(PbHttp) secure = NULL;

  g_assert_null (remote);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INSECURE);
  g_clear_error (&error);

  loopback = pb_http_new ("http://127.0.0.1:8080/v2", NULL, &error);
  g_assert_no_error (error);
  secure = pb_http_new ("https://tripletex.no/v2", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pb_http_url_is_loopback ("http://localhost:1/"));
  g_assert_false (pb_http_url_is_loopback ("http://10.0.0.1/"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(path, func) g_test_add ("/http/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("ok-and-empty", test_ok_and_empty);
  ADD ("retry/backoff-schedule", test_backoff_schedule);
  ADD ("retry/gives-up-with-details", test_gives_up);
  ADD ("retry/post-not-retried-on-500", test_post_not_retried);
  ADD ("retry/429-honours-retry-after", test_retry_after);
  ADD ("retry/no-retry-on-422", test_no_retry_on_422);
  ADD ("retry/invalid-json", test_invalid_json);
  ADD ("auth/reauthorize-once-on-401", test_reauthorize_once_on_401);
  ADD ("auth/still-failing-after-refresh", test_still_401_after_refresh);
  ADD ("cancel/in-flight", test_cancel_in_flight);
  ADD ("cancel/during-backoff", test_cancel_during_backoff);
  ADD ("timeout", test_timeout);
  ADD ("concurrency-bound", test_concurrency_bound);
  ADD ("redaction/debug-log", test_redaction_in_debug_log);
  ADD ("wire/body-survives-libsoup-resend", test_wire_body_survives_resend);
  ADD ("wire/body-survives-libsoup-resend-parallel", test_wire_body_survives_resend_parallel);
  ADD ("wire/422-after-drop-is-not-validation", test_wire_422_twice_is_validation);
  ADD ("wire/422-after-drop-stays-transient", test_wire_422_after_drop_transient);
#undef ADD
  g_test_add ("/http/wire/422-after-libsoup-resend-retried", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_wire_422_after_drop_retried, fixture_tear_down);
  g_test_add ("/http/wire/422-after-dropped-attempt-retried", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_wire_422_after_drop_retried, fixture_tear_down);
  g_test_add_func ("/http/backoff-function", test_backoff_function);
  g_test_add_func ("/http/redaction/function", test_redact_function);
  g_test_add_func ("/http/insecure-refused", test_insecure_refused);

  return g_test_run ();
}
