/* pb-http.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbHttp"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pb-http.h"
#include "pb-json-guard.h"
#include "pb-pacer.h"

/* PbHttp is the one way Paybridge talks HTTP to a payroll system: one
 * SoupSession per connection, JSON in and out, a bound on requests in
 * flight, a token-bucket rate limiter that also obeys the server's
 * X-Rate-Limit-* headers, a sliding-window limiter for quotas counted over
 * any window of a few seconds (PbHttpLimits.window_requests), retries with exponential backoff and jitter, one
 * re-authorization on 401, a timeout per attempt, cancellation, and log
 * lines with every secret redacted. Connectors never see SoupMessages.
 *
 * Pacing (issue 14): a connection made by pb_provider_new() is paced
 * (pb_http_set_paced()): its bound on requests in flight is learnt from the
 * answers by a PbPacer (grows while answers are fast and the quota left is
 * high, halves on 429), between 1 and the limits' max_in_flight, which is
 * then a ceiling. The SoupSession is made with room for PB_HTTP_MAX_CONNECTIONS
 * connections: libsoup fixes its pool's size when the session is created,
 * so a bound raised later would otherwise change nothing (PERF-NOTES).
 *
 * Retries and duplicates (SPEC R2): GET, PUT and DELETE are idempotent and
 * retried on network errors, timeouts, 429 and 5xx. A POST creates
 * something, so it is only retried when the server said it did nothing
 * (429, 503) or the connection was never made; any other failure of a POST
 * is returned, and the engine looks the record up before creating it again.
 *
 * The wire (issue 9): a request's body is encoded once and set again when
 * libsoup resends the request by itself on a new connection, and a 400/422
 * right after a dropped connection is retried once as a network failure
 * (answer_may_be_about_a_lost_body()). */

struct _PbHttpRequest
{
  gatomicrefcount  ref_count;
  char            *method;
  char            *path;
  GPtrArray       *query;       /* name, value, name, value... */
  JsonNode        *body;        /* (nullable) */
  GHashTable      *form;        /* (nullable) x-www-form-urlencoded body */
  GHashTable      *headers;     /* (nullable) extra headers */
  gboolean         authorized;
  SoupMessageHeaders *response_headers; /* (nullable) of the last answer */
};

G_DEFINE_BOXED_TYPE (PbHttpRequest, pb_http_request, pb_http_request_ref, pb_http_request_unref)

struct _PbHttp
{
  GObject                    parent_instance;

  char                      *base_url;
  PbHttpLimits               limits;
  SoupSession               *session;

  PbHttpAuthorizeFunc        authorize;
  PbHttpAuthorizeFinishFunc  authorize_finish;
  gpointer                   auth_data;
  PbHttpDecodeErrorFunc      decode_error;
  char                      *media_type;     /* (nullable) NULL: application/json */
  GHashTable                *headers;        /* (nullable) name -> value, sent with every request */

  GQueue                     queue;          /* GTask* waiting for a slot (owned refs) */
  guint                      in_flight;
  guint                      max_in_flight_seen;
  double                     tokens;         /* token bucket */
  gint64                     tokens_at;      /* monotonic µs of the last refill */
  gint64                     paused_until;   /* monotonic µs: the server asked us to wait */
  gint64                    *window_done;    /* (nullable) ring: monotonic µs the last
                                              * window_requests answers came */
  guint                      window_next;    /* the ring's oldest entry */
  guint                      pump_source;
  PbPacer                    pacer;          /* what the answers say (always fed) */
  gboolean                   paced;          /* the bound is the pacer's */
};

G_DEFINE_FINAL_TYPE (PbHttp, pb_http, G_TYPE_OBJECT)

enum {
  RETRY_SCHEDULED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  PbHttp        *http;                /* (owned) */
  PbHttpRequest *request;             /* (owned) */
  SoupMessage   *message;             /* (owned) (nullable) the current attempt */
  char          *authorization;       /* (owned) (nullable) never logged */
  GCancellable  *attempt_cancellable; /* (owned) (nullable) */
  GCancellable  *user_cancellable;    /* (owned) (nullable) the caller's */
  gulong         cancel_id;
  guint          timeout_source;
  guint          wait_source;
  guint          attempt;             /* attempts made so far */
  gboolean       timed_out;
  gboolean       auth_retried;
  gboolean       force_auth;
  gint64         started;             /* monotonic µs of the current attempt */
  GBytes        *body;                /* (owned) (nullable) the encoded request body */
  const char    *content_type;        /* (nullable) of @body */
  gboolean       resent;              /* libsoup sent this attempt again by itself */
  gboolean       after_drop;          /* the attempt before this one lost its connection */
} Call;

static void pump           (PbHttp *self);
static void start_attempt  (GTask  *task);
static void submit         (GTask  *task);
static void on_authorized_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* --- requests ------------------------------------------------------------ */

PbHttpRequest *
pb_http_request_new (const char *method,
                     const char *path)
{
  PbHttpRequest *request = g_new0 (PbHttpRequest, 1);

  g_atomic_ref_count_init (&request->ref_count);
  request->method = g_strdup (method);
  request->path = g_strdup (path);
  request->query = g_ptr_array_new_with_free_func (g_free);
  request->authorized = TRUE;

  return request;
}

PbHttpRequest *
pb_http_request_ref (PbHttpRequest *request)
{
  g_atomic_ref_count_inc (&request->ref_count);
  return request;
}

void
pb_http_request_unref (PbHttpRequest *request)
{
  if (!g_atomic_ref_count_dec (&request->ref_count))
    return;

  g_free (request->method);
  g_free (request->path);
  g_ptr_array_unref (request->query);
  g_clear_pointer (&request->response_headers, soup_message_headers_unref);
  g_clear_pointer (&request->body, json_node_unref);
  g_clear_pointer (&request->form, g_hash_table_unref);
  g_clear_pointer (&request->headers, g_hash_table_unref);
  g_free (request);
}

void
pb_http_request_add_query (PbHttpRequest *request,
                           const char    *name,
                           const char    *value)
{
  g_ptr_array_add (request->query, g_strdup (name));
  g_ptr_array_add (request->query, g_strdup (value));
}

/**
 * pb_http_request_copy:
 *
 * Returns: (transfer full): an independent copy (for the pages of a list)
 */
PbHttpRequest *
pb_http_request_copy (PbHttpRequest *request)
{
  PbHttpRequest *copy = pb_http_request_new (request->method, request->path);

  for (guint i = 0; i < request->query->len; i++)
    g_ptr_array_add (copy->query, g_strdup (request->query->pdata[i]));
  if (request->body != NULL)
    copy->body = json_node_copy (request->body);
  if (request->form != NULL)
    copy->form = g_hash_table_ref (request->form);
  if (request->headers != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, request->headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        pb_http_request_set_header (copy, name, value);
    }
  copy->authorized = request->authorized;

  return copy;
}

/* Replaces the value of query parameter @name, or adds it. */
void
pb_http_request_set_query (PbHttpRequest *request,
                           const char    *name,
                           const char    *value)
{
  for (guint i = 0; i + 1 < request->query->len; i += 2)
    if (g_str_equal (request->query->pdata[i], name))
      {
        g_free (request->query->pdata[i + 1]);
        request->query->pdata[i + 1] = g_strdup (value);
        return;
      }

  pb_http_request_add_query (request, name, value);
}

void
pb_http_request_add_query_int (PbHttpRequest *request,
                               const char    *name,
                               gint64         value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  pb_http_request_add_query (request, name, text);
}

/**
 * pb_http_request_set_body:
 * @body: (transfer none): the JSON to send
 */
void
pb_http_request_set_body (PbHttpRequest *request,
                          JsonNode      *body)
{
  g_clear_pointer (&request->body, json_node_unref);
  request->body = body != NULL ? json_node_ref (body) : NULL;
}

/**
 * pb_http_request_set_form:
 * @form: (transfer none): names to values, sent as a form (OAuth2 token requests)
 */
void
pb_http_request_set_form (PbHttpRequest *request,
                          GHashTable    *form)
{
  g_clear_pointer (&request->form, g_hash_table_unref);
  request->form = form != NULL ? g_hash_table_ref (form) : NULL;
}

void
pb_http_request_set_authorized (PbHttpRequest *request,
                                gboolean       authorized)
{
  request->authorized = authorized;
}

void
pb_http_request_set_header (PbHttpRequest *request,
                            const char    *name,
                            const char    *value)
{
  if (request->headers == NULL)
    request->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (request->headers, g_strdup (name), g_strdup (value));
}

const char *
pb_http_request_get_method (PbHttpRequest *request)
{
  return request->method;
}

const char *
pb_http_request_get_path (PbHttpRequest *request)
{
  return request->path;
}

/* The value of query parameter @name (the first), or %NULL. */
const char *
pb_http_request_get_query (PbHttpRequest *request,
                           const char    *name)
{
  for (guint i = 0; i + 1 < request->query->len; i += 2)
    if (g_str_equal (request->query->pdata[i], name))
      return request->query->pdata[i + 1];
  return NULL;
}

static gboolean
request_is_idempotent (PbHttpRequest *request)
{
  return g_ascii_strcasecmp (request->method, "POST") != 0 &&
         g_ascii_strcasecmp (request->method, "PATCH") != 0;
}

/* The characters a path may keep: Tripletex paths hold `:` and `>`
 * ("/token/session/>whoAmI"); `>` is not allowed in a URI, so it is escaped. */
#define PATH_ALLOWED "/:@!$&'()*+,;=-._~"

static char *
build_url (const char    *base_url,
           PbHttpRequest *request)
{
  g_autofree char *path = g_uri_escape_string (request->path, PATH_ALLOWED, TRUE);
  GString *url = g_string_new (base_url);

  if (url->len > 0 && url->str[url->len - 1] == '/')
    g_string_truncate (url, url->len - 1);
  g_string_append (url, path);

  for (guint i = 0; i + 1 < request->query->len; i += 2)
    {
      g_autofree char *name = g_uri_escape_string (request->query->pdata[i], NULL, TRUE);
      g_autofree char *value = g_uri_escape_string (request->query->pdata[i + 1], NULL, TRUE);

      g_string_append_c (url, i == 0 ? '?' : '&');
      g_string_append_printf (url, "%s=%s", name, value);
    }

  return g_string_free (url, FALSE);
}

/* --- redaction ------------------------------------------------------------ */

static gboolean
is_secret_name (const char *name,
                gsize       len)
{
  static const char * const words[] = { "token", "secret", "password", "passwd", "key", "assertion", NULL };
  g_autofree char *lower = g_ascii_strdown (name, len);

  if (g_str_equal (lower, "code") || g_str_equal (lower, "authorization") ||
      g_str_equal (lower, "code_verifier"))
    return TRUE;
  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;

  return FALSE;
}

/**
 * pb_http_redact:
 * @text: a URL, query string or log line
 *
 * Replaces the value of every `name=value` pair whose name looks secret
 * (tokens, secrets, passwords, keys, OAuth2 codes) and anything after
 * "Authorization:" or "Basic "/"Bearer " by `[redacted]`.
 *
 * Returns: (transfer full): the text safe to log
 */
char *
pb_http_redact (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      gboolean boundary = p == text || !g_ascii_isalnum (p[-1]);
      gsize scheme_len = 0;

      if (boundary && g_ascii_strncasecmp (p, "Basic ", 6) == 0)
        scheme_len = 6;
      else if (boundary && g_ascii_strncasecmp (p, "Bearer ", 7) == 0)
        scheme_len = 7;

      if (scheme_len > 0)
        {
          g_string_append_len (out, p, scheme_len);
          g_string_append (out, "[redacted]");
          p += scheme_len;
          while (*p != '\0' && !g_ascii_isspace (*p) && *p != '"' && *p != ',')
            p++;
          continue;
        }

      if (*p == '=')
        {
          /* The name is the run of name characters just written. */
          gsize name_end = out->len;
          gsize name_start = name_end;

          while (name_start > 0 && (g_ascii_isalnum (out->str[name_start - 1]) || out->str[name_start - 1] == '_' ||
                                    out->str[name_start - 1] == '-' || out->str[name_start - 1] == '.'))
            name_start--;

          g_string_append_c (out, '=');
          p++;
          if (name_start < name_end && is_secret_name (out->str + name_start, name_end - name_start))
            {
              g_string_append (out, "[redacted]");
              while (*p != '\0' && *p != '&' && *p != ' ' && *p != '"' && *p != ',' && *p != '\n')
                p++;
            }
          continue;
        }

      g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}

char *
pb_http_request_dup_log_line (PbHttpRequest *request)
{
  g_autofree char *url = build_url ("", request);
  g_autofree char *line = g_strdup_printf ("%s %s", request->method, url);

  return pb_http_redact (line);
}

/* --- backoff and limits ------------------------------------------------- */

/**
 * pb_http_backoff_delay:
 * @attempt: the retry about to be made, from 1
 * @random: a random number, for the jitter
 *
 * Exponential backoff with "equal jitter": the n-th retry waits between
 * half and all of base·2^(n-1), capped at the limit's maximum.
 *
 * Returns: milliseconds to wait
 */
guint
pb_http_backoff_delay (const PbHttpLimits *limits,
                       guint               attempt,
                       guint32             random)
{
  guint64 ceiling = limits->backoff_base_ms;
  guint half;

  for (guint i = 1; i < attempt && ceiling < limits->backoff_max_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, (guint64) limits->backoff_max_ms);

  half = ceiling / 2;
  return half + (ceiling - half > 0 ? random % (ceiling - half + 1) : 0);
}

gboolean
pb_http_url_is_loopback (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *host;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;

  return g_str_equal (host, "localhost") || g_str_has_prefix (host, "127.") ||
         g_str_equal (host, "::1") || g_str_equal (host, "[::1]");
}

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static gboolean
on_pump_timeout_cb (gpointer user_data)
{
  PbHttp *self = user_data;

  self->pump_source = 0;
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_pump (PbHttp *self,
               gint64  at_us)
{
  gint64 delay_ms = MAX (0, (at_us - now_us () + 999) / 1000);

  if (self->pump_source != 0)
    return;
  self->pump_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) delay_ms, on_pump_timeout_cb, self, NULL);
}

/* The sliding window: a request counts from its start until window_ms
 * after its answer. In flight ones count at once; answered ones while
 * their time in the ring is within the window. Returns 0 when one more may
 * start, else the monotonic µs when one of the answered leaves the window
 * (G_MAXINT64: only an answer can free a place). */
static gint64
window_wait_until (PbHttp *self,
                   gint64  now)
{
  gint64 window = (gint64) self->limits.window_ms * 1000;
  gint64 first_free = G_MAXINT64;
  guint used = self->in_flight;

  if (self->window_done == NULL)
    return 0;
  for (guint i = 0; i < self->limits.window_requests; i++)
    {
      gint64 done = self->window_done[i];

      if (done != 0 && done + window > now)
        {
          used++;
          first_free = MIN (first_free, done + window);
        }
    }
  return used < self->limits.window_requests ? 0 : first_free;
}

static guint
current_bound (PbHttp *self)
{
  return self->paced ? MIN (pb_pacer_get_bound (&self->pacer), self->limits.max_in_flight)
                     : self->limits.max_in_flight;
}

/* Starts queued calls while a slot is free and the rate allows. */
static void
pump (PbHttp *self)
{
  while (self->queue.length > 0 && self->in_flight < current_bound (self))
    {
      gint64 now = now_us ();
      gint64 paused_until = MAX (self->paused_until, pb_pacer_get_paused_until (&self->pacer));
      GTask *task;

      if (paused_until > now)
        {
          schedule_pump (self, paused_until);
          return;
        }

      {
        gint64 until = window_wait_until (self, now);

        if (until == G_MAXINT64)
          return;   /* release_slot() pumps again */
        if (until != 0)
          {
            schedule_pump (self, until);
            return;
          }
      }

      if (self->limits.requests_per_second > 0)
        {
          self->tokens = MIN ((double) self->limits.burst,
                              self->tokens + (now - self->tokens_at) / 1e6 * self->limits.requests_per_second);
          self->tokens_at = now;
          if (self->tokens < 1.0)
            {
              schedule_pump (self, now + (gint64) ((1.0 - self->tokens) / self->limits.requests_per_second * 1e6));
              return;
            }
          self->tokens -= 1.0;
        }

      task = g_queue_pop_head (&self->queue);
      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          continue;
        }

      self->in_flight++;
      self->max_in_flight_seen = MAX (self->max_in_flight_seen, self->in_flight);
      start_attempt (task);   /* takes over the queue's reference */
    }
}

static void
enqueue (PbHttp *self,
         GTask  *task)
{
  g_queue_push_tail (&self->queue, task);
  pump (self);
}

/* --- a call ----------------------------------------------------------------- */

static void
clear_message (Call *call)
{
  if (call->message != NULL)
    g_signal_handlers_disconnect_by_data (call->message, call);
  g_clear_object (&call->message);
}

static void
call_free (Call *call)
{
  if (call->cancel_id != 0)
    g_cancellable_disconnect (call->user_cancellable, call->cancel_id);
  /* Our own reference: GTask may drop its one before it frees this. */
  g_clear_object (&call->user_cancellable);
  g_clear_handle_id (&call->timeout_source, g_source_remove);
  g_clear_handle_id (&call->wait_source, g_source_remove);
  g_clear_object (&call->attempt_cancellable);
  clear_message (call);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_pointer (&call->authorization, g_free);
  g_clear_pointer (&call->request, pb_http_request_unref);
  g_clear_object (&call->http);
  g_free (call);
}

static void
release_slot (PbHttp *self)
{
  g_assert (self->in_flight > 0);
  self->in_flight--;
  if (self->window_done != NULL)
    {
      self->window_done[self->window_next] = now_us ();
      self->window_next = (self->window_next + 1) % self->limits.window_requests;
    }
  pump (self);
}

static gboolean
on_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;

  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Runs where the user cancelled. The running attempt (if any) is cancelled
 * and finishes through its own callback; a call waiting for its next retry
 * is finished from an idle, never from inside the signal emission. */
static void
on_user_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  if (call->attempt_cancellable != NULL)
    g_cancellable_cancel (call->attempt_cancellable);

  if (call->wait_source != 0)
    {
      g_clear_handle_id (&call->wait_source, g_source_remove);
      g_idle_add_full (G_PRIORITY_DEFAULT, on_cancelled_idle_cb, task, g_object_unref);
    }
}

static gboolean
on_retry_wait_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  call->wait_source = 0;
  submit (task);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (GTask       *task,
                guint        delay_ms,
                guint        status,
                const char  *reason)
{
  Call *call = g_task_get_task_data (task);
  g_autofree char *line = pb_http_request_dup_log_line (call->request);

  g_debug ("%s: %s; retry %u in %u ms", line, reason, call->attempt, delay_ms);
  g_signal_emit (call->http, signals[RETRY_SCHEDULED], 0, call->attempt, delay_ms, status);

  call->wait_source = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, on_retry_wait_done_cb, task, NULL);
}

/* Tries again, or returns @error when the retries are spent. Takes
 * @task's reference and @error. */
static void
retry_or_fail (GTask   *task,
               GError  *error,
               guint    status,
               guint    server_delay_ms)
{
  Call *call = g_task_get_task_data (task);
  PbHttp *self = call->http;
  guint delay;

  if (call->attempt > self->limits.max_retries)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  delay = server_delay_ms > 0 ? server_delay_ms
                              : pb_http_backoff_delay (&self->limits, call->attempt, g_random_int ());
  delay = MIN (delay, MAX (self->limits.backoff_max_ms, server_delay_ms));
  schedule_retry (task, delay, status, error->message);
  g_error_free (error);
}

static guint
header_uint (SoupMessageHeaders *headers,
             const char         *name,
             gboolean           *present)
{
  const char *value = soup_message_headers_get_one (headers, name);
  g_autofree char *trimmed = value != NULL ? g_strstrip (g_strdup (value)) : NULL;
  guint64 number = 0;

  if (present != NULL)
    *present = FALSE;
  if (trimmed == NULL || !g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXUINT, &number, NULL))
    return 0;
  if (present != NULL)
    *present = TRUE;
  return (guint) number;
}

/* Tells the pacer what an attempt's answer (NULL @headers: none) said.
 * X-Rate-Limit-Remaining 0 there means the period is used up: every
 * request of this connection is held until X-Rate-Limit-Reset seconds have
 * passed, paced or not. */
static void
tell_pacer (PbHttp             *self,
            Call               *call,
            guint               status,
            guint               in_flight,
            SoupMessageHeaders *headers)
{
  PbPacerAnswer answer = {
    .now_us = now_us (),
    .sent_us = call->started,
    .status = status,
    .in_flight = in_flight,
  };
  guint before = current_bound (self);

  if (headers != NULL)
    {
      answer.limit = header_uint (headers, "X-Rate-Limit-Limit", &answer.has_limit);
      answer.remaining = header_uint (headers, "X-Rate-Limit-Remaining", &answer.has_remaining);
      answer.reset_s = header_uint (headers, "X-Rate-Limit-Reset", &answer.has_reset);
      answer.retry_after_s = header_uint (headers, "Retry-After", NULL);
    }
  pb_pacer_on_answer (&self->pacer, &answer);

  if (self->paced && current_bound (self) != before)
    g_debug ("%s: %u requests in flight allowed (was %u)", self->base_url, current_bound (self), before);
}

/**
 * pb_http_decode_error_default:
 *
 * The error decoder used when a connector sets none; connectors with their
 * own error codes call it first and then refine @code.
 */
void
pb_http_decode_error_default (guint                   status,
                      JsonNode               *body,
                      PbProviderErrorDetails *details,
                      PbProviderError        *code)
{
  JsonObject *object;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return;

  object = json_node_get_object (body);

  /* Tripletex's ApiError and most JSON APIs: message, code, requestId,
   * developerMessage, validationMessages[{field, message}]; OAuth2 token
   * endpoints: error, error_description (RFC 6749 §5.2). */
  if (json_object_has_member (object, "message") && JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "message")))
    details->message = g_strdup (json_object_get_string_member_with_default (object, "message", NULL));
  else if (json_object_has_member (object, "error_description"))
    details->message = g_strdup (json_object_get_string_member_with_default (object, "error_description", NULL));
  else if (json_object_has_member (object, "error") && JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "error")))
    details->message = g_strdup (json_object_get_string_member_with_default (object, "error", NULL));

  if (json_object_has_member (object, "developerMessage") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "developerMessage")))
    details->developer_message = g_strdup (json_object_get_string_member (object, "developerMessage"));
  if (json_object_has_member (object, "code") && JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "code")) &&
      json_node_get_value_type (json_object_get_member (object, "code")) == G_TYPE_INT64)
    details->code = (int) json_object_get_int_member (object, "code");
  if (details->request_id == NULL && json_object_has_member (object, "requestId") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "requestId")))
    details->request_id = g_strdup (json_object_get_string_member (object, "requestId"));

  if (json_object_has_member (object, "validationMessages") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "validationMessages")))
    {
      JsonArray *array = json_object_get_array_member (object, "validationMessages");

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          JsonObject *vm;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          vm = json_node_get_object (element);
          pb_provider_error_details_add_field (details,
                                               json_object_get_string_member_with_default (vm, "field", NULL),
                                               json_object_get_string_member_with_default (vm, "message", ""));
        }
    }

  if (json_object_has_member (object, "error") &&
      g_strcmp0 (json_object_get_string_member_with_default (object, "error", NULL), "invalid_grant") == 0)
    *code = PB_PROVIDER_ERROR_NOT_AUTHORIZED;
}

static PbProviderError
code_for_status (guint status)
{
  switch (status)
    {
    case 401:
      return PB_PROVIDER_ERROR_NOT_AUTHORIZED;
    case 403:
      return PB_PROVIDER_ERROR_FORBIDDEN;
    case 404:
      return PB_PROVIDER_ERROR_NOT_FOUND;
    case 409:
      return PB_PROVIDER_ERROR_CONFLICT;
    case 423:
      return PB_PROVIDER_ERROR_LOCKED;
    case 400:
    case 422:
      return PB_PROVIDER_ERROR_VALIDATION;
    case 429:
      return PB_PROVIDER_ERROR_RATE_LIMITED;
    default:
      return status >= 500 ? PB_PROVIDER_ERROR_SERVER : PB_PROVIDER_ERROR_FAILED;
    }
}

/* Whether a 400 or 422 may be about a body that never arrived whole rather
 * than about what we sent. libsoup sends an idempotent request again by
 * itself when a kept-alive connection turns out closed (its "restarted");
 * PbHttp resets the body for that resend (on_message_restarted_cb), but a
 * body lost on the wire is not something the payroll system can tell from
 * a body it refuses: both come back "422 Ugyldig JSON". So such an answer
 * on the attempt right after a lost connection (libsoup's resend, or our
 * own retry after a network error) is taken as part of the network
 * failure: retried, and if it cannot be, a transient
 * PB_PROVIDER_ERROR_NETWORK with the answer in its details. Only once: the
 * attempt after it no longer follows a drop, so a real refusal comes back
 * as PB_PROVIDER_ERROR_VALIDATION one request later. */
static gboolean
answer_may_be_about_a_lost_body (Call  *call,
                                 guint  status)
{
  return (status == 400 || status == 422) && call->body != NULL && (call->resent || call->after_drop);
}

static GError *
error_from_response (PbHttp      *self,
                     Call        *call,
                     guint        status,
                     const char  *request_id,
                     JsonNode    *body,
                     guint        retry_after,
                     gboolean     body_suspect)
{
  PbProviderErrorDetails *details = pb_provider_error_details_new ();
  PbProviderError code = code_for_status (status);
  g_autoptr(GString) message = g_string_new (NULL);

  details->status = status;
  details->request_id = g_strdup (request_id);
  details->retry_after = retry_after;
  (self->decode_error != NULL ? self->decode_error : pb_http_decode_error_default) (status, body, details, &code);

  if (body_suspect)
    {
      code = PB_PROVIDER_ERROR_NETWORK;
      g_string_append (message, _("The connection to the payroll system dropped, and the request sent again "
                                  "was refused as if it had arrived incomplete: "));
    }
  g_string_append_printf (message, _("The payroll system answered %u %s"), status,
                          soup_status_get_phrase (status) ? soup_status_get_phrase (status) : "");
  if (details->message != NULL)
    g_string_append_printf (message, ": %s", details->message);
  for (guint i = 0; i < details->field_messages->len; i++)
    {
      PbFieldMessage *fm = g_ptr_array_index (details->field_messages, i);
      g_string_append_printf (message, "%s%s%s%s", i == 0 ? " (" : "; ", fm->field ? fm->field : "",
                              fm->field ? ": " : "", fm->message);
      if (i + 1 == details->field_messages->len)
        g_string_append_c (message, ')');
    }

  return pb_provider_error_new_with_details (code, details, "%s", message->str);
}

/* A successful answer that is not JSON: retried when the request may be
 * sent again, else the caller's error. Consumes the reference of @task. */
static void
fail_unparsed (GTask      *task,
               guint       status,
               const char *request_id,
               GError     *parse_error)
{
  Call *call = g_task_get_task_data (task);
  g_autofree char *line = pb_http_request_dup_log_line (call->request);
  PbProviderErrorDetails *details = pb_provider_error_details_new ();
  GError *failure;

  details->status = status;
  details->request_id = g_strdup (request_id);
  if (parse_error->domain == PB_JSON_GUARD_ERROR)
    failure = pb_provider_error_new_with_details (PB_PROVIDER_ERROR_INVALID_RESPONSE, details,
                                                  _("The payroll system's answer to %s was not read: %s"),
                                                  line, parse_error->message);
  else
    failure = pb_provider_error_new_with_details (PB_PROVIDER_ERROR_INVALID_RESPONSE, details,
                                                  _("The payroll system sent an answer that is not valid JSON (%s)"),
                                                  parse_error->message);
  /* A message, not a warning: the caller gets the error with its
   * details and the error log keeps it. */
  g_message ("%s: the answer is not valid JSON", line);
  if (request_is_idempotent (call->request))
    retry_or_fail (task, failure, status, 0);
  else
    {
      g_task_return_error (task, failure);
      g_object_unref (task);
    }
}

/* Answers from this size on are parsed in a worker thread. */
#define PARSE_IN_THREAD_BYTES (64 * 1024)

typedef struct
{
  GBytes *bytes;
  guint   status;
  char   *request_id;
} Parse;

static void
parse_free (Parse *parse)
{
  g_bytes_unref (parse->bytes);
  g_free (parse->request_id);
  g_free (parse);
}

static void
parse_in_thread (GTask        *worker,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Parse *parse = task_data;
  GError *error = NULL;
  JsonNode *body = pb_json_parse_guarded (g_bytes_get_data (parse->bytes, NULL), g_bytes_get_size (parse->bytes),
                                          &error);

  if (body == NULL)
    g_task_return_error (worker, error);
  else
    g_task_return_pointer (worker, body, (GDestroyNotify) json_node_unref);
}

static void
on_parsed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;   /* the attempt's reference */
  Parse *parse = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) parse_error = NULL;
  JsonNode *body = g_task_propagate_pointer (G_TASK (result), &parse_error);

  if (body == NULL)
    {
      fail_unparsed (task, parse->status, parse->request_id, parse_error);
      return;
    }
  g_task_return_pointer (task, body, (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;   /* the reference the pump gave the attempt */
  Call *call = g_task_get_task_data (task);
  PbHttp *self = call->http;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *line = pb_http_request_dup_log_line (call->request);
  SoupMessageHeaders *headers;
  const char *request_id;
  gint64 elapsed_ms = (now_us () - call->started) / 1000;
  gboolean body_suspect;
  guint status;
  guint retry_after;
  /* What the bound held back: the requests on the wire and those waiting. */
  guint in_flight = self->in_flight + self->queue.length;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_clear_handle_id (&call->timeout_source, g_source_remove);
  g_clear_object (&call->attempt_cancellable);
  if (error != NULL && !g_cancellable_is_cancelled (call->user_cancellable))
    tell_pacer (self, call, 0, in_flight, NULL);
  else if (error == NULL)
    tell_pacer (self, call, soup_message_get_status (call->message), in_flight,
                soup_message_get_response_headers (call->message));
  release_slot (self);

  if (error != NULL)
    {
      gboolean never_sent;

      if (g_cancellable_is_cancelled (call->user_cancellable))
        {
          g_debug ("%s: cancelled", line);
          g_task_return_error_if_cancelled (task);
          g_object_unref (task);
          return;
        }

      never_sent = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
                   g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
      g_debug ("%s: %s after %" G_GINT64_FORMAT " ms", line,
               call->timed_out ? "timed out" : error->message, elapsed_ms);
      call->after_drop = !call->timed_out;

      {
        PbProviderErrorDetails *details = pb_provider_error_details_new ();
        GError *failure = call->timed_out
          ? pb_provider_error_new_with_details (PB_PROVIDER_ERROR_TIMEOUT, details,
                                                _("The payroll system did not answer within %u seconds"),
                                                self->limits.timeout_ms / 1000)
          : pb_provider_error_new_with_details (PB_PROVIDER_ERROR_NETWORK, details,
                                                _("Could not reach the payroll system: %s"), error->message);

        if (request_is_idempotent (call->request) || never_sent)
          retry_or_fail (task, failure, 0, 0);
        else
          {
            g_task_return_error (task, failure);
            g_object_unref (task);
          }
      }
      return;
    }

  status = soup_message_get_status (call->message);
  headers = soup_message_get_response_headers (call->message);
  g_clear_pointer (&call->request->response_headers, soup_message_headers_unref);
  call->request->response_headers = soup_message_headers_ref (headers);
  body_suspect = answer_may_be_about_a_lost_body (call, status);
  call->after_drop = FALSE;
  request_id = soup_message_headers_get_one (headers, "x-tlx-request-id");
  if (request_id == NULL)
    request_id = soup_message_headers_get_one (headers, "X-Request-Id");
  retry_after = header_uint (headers, "Retry-After", NULL);

  g_debug ("%s -> %u in %" G_GINT64_FORMAT " ms%s%s", line, status, elapsed_ms,
           request_id ? ", request id " : "", request_id ? request_id : "");

  /* A long successful answer (a page of a list) is parsed in a worker
   * thread: 1,000 employees took 20 ms of the main loop (issue 14). */
  if (SOUP_STATUS_IS_SUCCESSFUL (status) && g_bytes_get_size (bytes) >= PARSE_IN_THREAD_BYTES)
    {
      Parse *parse = g_new0 (Parse, 1);
      g_autoptr(GTask) worker = g_task_new (NULL, NULL, on_parsed_cb, task);

      parse->bytes = g_bytes_ref (bytes);
      parse->status = status;
      parse->request_id = g_strdup (request_id);
      g_task_set_source_tag (worker, on_sent_cb);
      g_task_set_task_data (worker, parse, (GDestroyNotify) parse_free);
      g_task_run_in_thread (worker, parse_in_thread);
      return;
    }

  if (g_bytes_get_size (bytes) > 0)
    {
      g_autoptr(GError) parse_error = NULL;

      /* The guard first: json-glib would overflow the stack on a deeply
       * nested answer and cut a text at a \u0000 without a word. */
      body = pb_json_parse_guarded (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &parse_error);
      if (body == NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          fail_unparsed (task, status, request_id, parse_error);
          return;
        }
    }

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) json_node_unref);
      g_object_unref (task);
      return;
    }

  /* One re-authorization per call: the session may have expired. */
  if (status == SOUP_STATUS_UNAUTHORIZED && call->request->authorized && self->authorize != NULL &&
      !call->auth_retried)
    {
      call->auth_retried = TRUE;
      call->force_auth = TRUE;
      submit (task);
      return;
    }

  {
    GError *failure = error_from_response (self, call, status, request_id, body, retry_after, body_suspect);

    if (body_suspect)
      {
        g_message ("%s: %u right after a dropped connection; the body may have been lost on the way, "
                   "so it is sent again", line, status);
        retry_or_fail (task, failure, status, 0);
      }
    else if (status == 429)
      {
        guint wait_ms = retry_after > 0 ? retry_after * 1000 : header_uint (headers, "X-Rate-Limit-Reset", NULL) * 1000;

        /* Tripletex may omit the reset header on 429: then our own backoff.
         * (The pacer holds the connection's other requests as long.) */
        retry_or_fail (task, failure, status, wait_ms);
      }
    else if (status >= 500 && (request_is_idempotent (call->request) || status == 503))
      retry_or_fail (task, failure, status, retry_after * 1000);
    else
      {
        g_task_return_error (task, failure);
        g_object_unref (task);
      }
  }
}

static gboolean
on_attempt_timeout_cb (gpointer user_data)
{
  Call *call = user_data;

  call->timeout_source = 0;
  call->timed_out = TRUE;
  if (call->attempt_cancellable != NULL)
    g_cancellable_cancel (call->attempt_cancellable);

  return G_SOURCE_REMOVE;
}

/* libsoup sends an idempotent request (PUT, GET, DELETE) again by itself
 * when the kept-alive connection it picked turns out closed before any
 * answer came. It drops the message's body stream before it does (it has
 * been read), so without this the resend goes out with Content-Length: 0:
 * a PUT lost that way came back "422 Ugyldig JSON" (issue 9). The body is
 * set again from the kept bytes, unless libsoup changed the method (a
 * redirect of a POST to a GET drops the body on purpose). */
static void
on_message_restarted_cb (SoupMessage *message,
                         gpointer     user_data)
{
  Call *call = user_data;
  g_autofree char *line = pb_http_request_dup_log_line (call->request);

  call->resent = TRUE;
  if (call->body != NULL && g_strcmp0 (soup_message_get_method (message), call->request->method) == 0)
    soup_message_set_request_body_from_bytes (message, call->content_type, call->body);
  g_debug ("%s: sent again by libsoup on a new connection", line);
}

static void
send_message (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  PbHttp *self = call->http;
  PbHttpRequest *request = call->request;
  g_autofree char *url = build_url (self->base_url, request);
  SoupMessageHeaders *headers;

  clear_message (call);
  call->message = soup_message_new (request->method, url);
  if (call->message == NULL)
    {
      release_slot (self);
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                               _("Cannot build a request to %s"), self->base_url);
      g_object_unref (task);
      return;
    }

  headers = soup_message_get_request_headers (call->message);
  soup_message_headers_replace (headers, "Accept", self->media_type != NULL ? self->media_type : "application/json");
  if (call->authorization != NULL)
    soup_message_headers_replace (headers, "Authorization", call->authorization);
  if (self->headers != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, self->headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        soup_message_headers_replace (headers, name, value);
    }
  if (request->headers != NULL)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, request->headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        soup_message_headers_replace (headers, name, value);
    }

  /* The body is encoded once per call and kept: libsoup reads it as a
   * stream, and a resend of its own needs it from the start again. */
  if (call->body == NULL && request->body != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      gsize length;
      char *data;

      json_generator_set_root (generator, request->body);
      data = json_generator_to_data (generator, &length);
      call->body = g_bytes_new_take (data, length);
      call->content_type = self->media_type != NULL ? self->media_type : "application/json; charset=utf-8";
    }
  else if (call->body == NULL && request->form != NULL)
    {
      char *data = soup_form_encode_hash (request->form);

      call->body = g_bytes_new_take (data, strlen (data));
      call->content_type = "application/x-www-form-urlencoded";
    }
  if (call->body != NULL)
    {
      soup_message_set_request_body_from_bytes (call->message, call->content_type, call->body);
      g_signal_connect (call->message, "restarted", G_CALLBACK (on_message_restarted_cb), call);
    }
  call->resent = FALSE;

  call->attempt++;
  call->timed_out = FALSE;
  call->started = now_us ();
  call->attempt_cancellable = g_cancellable_new ();
  call->timeout_source = g_timeout_add_full (G_PRIORITY_DEFAULT, self->limits.timeout_ms,
                                             on_attempt_timeout_cb, call, NULL);

  soup_session_send_and_read_async (self->session, call->message, G_PRIORITY_DEFAULT,
                                    call->attempt_cancellable, on_sent_cb, task);
}

static void
on_authorized_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  PbHttp *self = call->http;
  g_autoptr(GError) error = NULL;
  char *authorization;

  authorization = self->authorize_finish (self->auth_data, result, &error);
  if (authorization == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  g_free (call->authorization);
  call->authorization = authorization;
  enqueue (self, task);   /* the queue takes our reference */
}

static void
start_attempt (GTask *task)
{
  send_message (task);
}

/* Authorizes a call, then queues it for a slot. Authorization comes first
 * and holds no slot: a connector's authorizer may itself send a request
 * (Tripletex creates a session) through this PbHttp, which with every slot
 * taken by calls waiting for it would never start. */
static void
submit (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  PbHttp *self = call->http;

  if (call->request->authorized && self->authorize != NULL)
    {
      const char *rejected = call->force_auth ? call->authorization : NULL;

      call->force_auth = FALSE;
      self->authorize (self->auth_data, rejected, call->user_cancellable, on_authorized_cb, task);
      return;
    }

  enqueue (self, task);
}

/* --- PbHttp ------------------------------------------------------------------ */

static void
pb_http_dispose (GObject *object)
{
  PbHttp *self = (PbHttp *) object;

  g_clear_handle_id (&self->pump_source, g_source_remove);
  g_queue_clear_full (&self->queue, g_object_unref);

  G_OBJECT_CLASS (pb_http_parent_class)->dispose (object);
}

static void
pb_http_finalize (GObject *object)
{
  PbHttp *self = (PbHttp *) object;

  g_clear_object (&self->session);
  g_free (self->base_url);
  g_free (self->window_done);
  g_free (self->media_type);
  g_clear_pointer (&self->headers, g_hash_table_unref);

  G_OBJECT_CLASS (pb_http_parent_class)->finalize (object);
}

static void
pb_http_class_init (PbHttpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pb_http_dispose;
  object_class->finalize = pb_http_finalize;

  /**
   * PbHttp::retry-scheduled:
   * @attempt: the retry about to be made, from 1
   * @delay_ms: how long it waits first
   * @status: the HTTP status that caused it, 0 for no answer
   */
  signals[RETRY_SCHEDULED] =
    g_signal_new ("retry-scheduled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
}

static void
pb_http_init (PbHttp *self)
{
  g_queue_init (&self->queue);
}

/**
 * pb_http_new:
 * @base_url: e.g. "https://tripletex.no/v2"
 * @limits: (nullable): %NULL for PB_HTTP_LIMITS_DEFAULT
 *
 * Plain http:// is refused unless the host is this machine (the payroll
 * sandbox): tokens never cross a network unencrypted. TLS certificates are
 * always verified (libsoup's default; nothing here turns it off).
 */
PbHttp *
pb_http_new (const char          *base_url,
             const PbHttpLimits  *limits,
             GError             **error)
{
  static const PbHttpLimits defaults = PB_HTTP_LIMITS_DEFAULT;
  g_autoptr(GUri) uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *user_agent = g_strdup_printf ("Paybridge/%s", PACKAGE_VERSION);
  PbHttp *self;

  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                   _("“%s” is not an http(s) address"), base_url);
      return NULL;
    }

  if (g_str_equal (g_uri_get_scheme (uri), "http") && !pb_http_url_is_loopback (base_url))
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INSECURE,
                   _("“%s” is not encrypted: use https:// (plain http is only allowed to this computer)"),
                   base_url);
      return NULL;
    }

  self = g_object_new (PB_TYPE_HTTP, NULL);
  self->base_url = g_strdup (base_url);
  self->limits = limits != NULL ? *limits : defaults;
  if (self->limits.max_in_flight == 0)
    self->limits.max_in_flight = 4;
  if (self->limits.burst == 0)
    self->limits.burst = 1;
  if (self->limits.timeout_ms == 0)
    self->limits.timeout_ms = 30000;
  if (self->limits.backoff_base_ms == 0)
    self->limits.backoff_base_ms = 500;
  if (self->limits.backoff_max_ms == 0)
    self->limits.backoff_max_ms = 30000;
  self->tokens = self->limits.burst;
  self->tokens_at = now_us ();
  if (self->limits.window_requests > 0 && self->limits.window_ms > 0)
    {
      self->window_done = g_new0 (gint64, self->limits.window_requests);
      /* The window holds at most its quota in flight. */
      self->limits.max_in_flight = MIN (self->limits.max_in_flight, self->limits.window_requests);
    }

  self->limits.max_in_flight = MIN (self->limits.max_in_flight, PB_HTTP_MAX_CONNECTIONS);
  pb_pacer_init (&self->pacer, MIN (self->limits.max_in_flight, PB_PACER_START), self->limits.max_in_flight);

  /* The connection pool allows more than any bound, so the bound is ours:
   * libsoup fixes the pool's size here, once (its defaults, 2 per host and
   * 10 in all, would cap a bound raised later). */
  self->session = soup_session_new_with_options ("user-agent", user_agent,
                                                 "max-conns-per-host", PB_HTTP_MAX_CONNECTIONS,
                                                 "max-conns", PB_HTTP_MAX_CONNECTIONS,
                                                 NULL);

  return self;
}

const char *
pb_http_get_base_url (PbHttp *self)
{
  return self->base_url;
}

void
pb_http_set_authorizer (PbHttp                    *self,
                        PbHttpAuthorizeFunc        authorize,
                        PbHttpAuthorizeFinishFunc  authorize_finish,
                        gpointer                   user_data)
{
  self->authorize = authorize;
  self->authorize_finish = authorize_finish;
  self->auth_data = user_data;
}

void
pb_http_set_error_decoder (PbHttp                *self,
                           PbHttpDecodeErrorFunc  decode)
{
  self->decode_error = decode;
}

/**
 * pb_http_set_media_type:
 * @media_type: (nullable): e.g. "application/vnd.no.payroll.employee.V2.0+json";
 *   %NULL for plain JSON
 *
 * The media type of a JSON API that has its own: sent as Accept on every
 * request and as the Content-Type of JSON bodies. Answers are read as JSON
 * whatever their type.
 */
void
pb_http_set_media_type (PbHttp     *self,
                        const char *media_type)
{
  g_free (self->media_type);
  self->media_type = g_strdup (media_type);
}

/**
 * pb_http_set_header:
 * @value: (nullable): %NULL to stop sending it
 *
 * A header sent with every request of the connection (Unimicro's
 * CompanyKey); a request's own header of that name wins.
 */
void
pb_http_set_header (PbHttp     *self,
                    const char *name,
                    const char *value)
{
  if (self->headers == NULL)
    self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (value == NULL)
    g_hash_table_remove (self->headers, name);
  else
    g_hash_table_insert (self->headers, g_strdup (name), g_strdup (value));
}

/**
 * pb_http_request_get_response_header:
 *
 * Returns: (nullable): a header of the last answer @request got (Location,
 *   ETag...), once it has been sent
 */
const char *
pb_http_request_get_response_header (PbHttpRequest *request,
                                     const char    *name)
{
  if (request->response_headers == NULL)
    return NULL;
  return soup_message_headers_get_one (request->response_headers, name);
}

/**
 * pb_http_send_async:
 *
 * Queues @request; it is sent when a slot is free and the rate allows, and
 * retried as the header comment of this file describes.
 */
void
pb_http_send_async (PbHttp              *self,
                    PbHttpRequest       *request,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (PB_IS_HTTP (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pb_http_send_async);

  call = g_new0 (Call, 1);
  call->http = g_object_ref (self);
  call->request = pb_http_request_ref (request);
  call->user_cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (cancellable != NULL)
    call->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled_cb), task, NULL);

  submit (task);
}

/**
 * pb_http_send_finish:
 *
 * Returns: (transfer full) (nullable): the JSON answer; %NULL with no error
 *   for an empty answer (204)
 */
JsonNode *
pb_http_send_finish (PbHttp        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_http_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
pb_http_get_max_in_flight_seen (PbHttp *self)
{
  return self->max_in_flight_seen;
}

/* How many requests may be on the wire at once now: callers that fan out
 * (user sync, the outbox's lanes) keep that many operations going, no more,
 * and ask again as they go (a paced bound moves). */
guint
pb_http_get_max_in_flight (PbHttp *self)
{
  return current_bound (self);
}

/* Sets a fixed bound, e.g. 1 for a sequential comparison run; it ends the
 * pacing (pb_http_set_paced()). */
void
pb_http_set_max_in_flight (PbHttp *self,
                           guint   max_in_flight)
{
  g_return_if_fail (max_in_flight > 0);

  self->paced = FALSE;
  self->limits.max_in_flight = MIN (max_in_flight, PB_HTTP_MAX_CONNECTIONS);
  schedule_pump (self, 0);
}

/**
 * pb_http_set_paced:
 * @paced: whether the bound is learnt from the answers
 *
 * Paced, the bound on requests in flight starts at PB_PACER_START (or the
 * limits' max_in_flight if lower) and moves with the answers between 1 and
 * max_in_flight, as pb-pacer.c describes; not paced, it is max_in_flight.
 */
void
pb_http_set_paced (PbHttp   *self,
                   gboolean  paced)
{
  g_return_if_fail (PB_IS_HTTP (self));

  self->paced = paced;
  schedule_pump (self, 0);
}

/* The pacer, for tests and benchmarks that tell what it learnt. */
const PbPacer *
pb_http_get_pacer (PbHttp *self)
{
  return &self->pacer;
}
