/* pb-sandbox.c: a loopback emulation of payroll systems' APIs
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSandbox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "pb-sandbox-oauth2.h"
#include "pb-sandbox-private.h"
#include "pb-sandbox-fortnox.h"
#include "pb-sandbox-tripletex.h"
#include "pb-sandbox-unimicro.h"
#include "pb-sandbox-visma.h"

/* PbSandbox serves one payroll system's API on 127.0.0.1 with a SoupServer
 * on the caller's GMainContext. This file is the part every system shares:
 * listening, the /_sandbox/ control endpoints, request counting, and the
 * faults (latency, rate limit, failures, dropped connections before or
 * after the work, malformed bodies). Everything a system answers is in its own file, behind a
 * PbSandboxSystem table; a second system is a second file and one line in
 * @systems below.
 *
 * Faults are deterministic: two PRNG streams (splitmix64) seeded from
 * PbSandboxFaults.seed. Every API request draws three numbers from the
 * first stream whether or not a fault is configured, so changing one rate
 * does not shift the pattern of another; the drop before read draws from a
 * third stream of its own (it is decided before the request is read), so
 * adding it left the patterns of the others as they were; the random 429
 * (throttle) has a fourth stream for the same reason. */

typedef struct
{
  PbSandboxExchange  ex;               /* first member: a Call is an exchange */
  PbSandbox         *self;             /* (unowned) outlives its calls */
  char              *path;             /* (owned) (nullable) decoded path */
  gboolean           drop;
  gboolean           gone;             /* the client left while we waited */
  gulong             disconnected_id;
  guint              source;
} Call;

typedef struct
{
  gint64 start;   /* monotonic µs the window opened */
  guint  used;
} RateWindow;

struct _PbSandbox
{
  GObject                parent_instance;

  const PbSandboxSystem *system;
  gpointer               backend;       /* (owned) by system->backend_free */
  JsonNode              *seed;          /* (owned) (nullable) NULL: the default */

  SoupServer            *server;        /* (owned) */
  guint                  port;
  char                  *url;           /* (owned) (nullable) */
  char                  *api_url;       /* (owned) (nullable) */
  char                  *host;          /* (owned) "127.0.0.1:PORT" */

  PbSandboxFaults        faults;
  guint64                rng;           /* request stream */
  guint64                lock_rng;      /* record stream */
  guint64                read_rng;      /* drop-before-read stream */
  guint64                throttle_rng;  /* random 429 stream */
  guint                  dropped_before_read;
  guint                  dropped;       /* answers the drops (rate or next) kept back */
  GHashTable            *windows;       /* rate key -> RateWindow* */
  GHashTable            *slides;        /* rate key -> GQueue* of monotonic µs (sliding windows) */

  GHashTable            *counts;        /* "METHOD path" -> count */
  guint                  total;
  GPtrArray             *waiting;       /* Call* paused for latency or drop */
  char                  *drop_next_method; /* (owned) (nullable) pb_sandbox_drop_next() */
  char                  *drop_next_path;   /* (owned) (nullable) a glob */

  PbSandboxOAuth2       *oauth2;        /* (owned) /oauth2/, served whatever the system */
};

G_DEFINE_FINAL_TYPE (PbSandbox, pb_sandbox, G_TYPE_OBJECT)

G_DEFINE_QUARK (pb-sandbox-error-quark, pb_sandbox_error)

#define READ_RNG_SALT G_GUINT64_CONSTANT (0x2545F4914F6CDD1D)
#define THROTTLE_RNG_SALT G_GUINT64_CONSTANT (0x6A09E667F3BCC909)

static const PbSandboxSystem *systems[] = {
  &pb_sandbox_tripletex_system,
  &pb_sandbox_visma_system,
  &pb_sandbox_fortnox_system,
  &pb_sandbox_unimicro_system,
};

static const char *system_names[G_N_ELEMENTS (systems) + 1];

/* --- PRNG ----------------------------------------------------------------- */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double
draw (guint64 *state)
{
  return (double) (splitmix64 (state) >> 11) * (1.0 / 9007199254740992.0);
}

/* --- exchanges ------------------------------------------------------------ */

void
pb_sandbox_exchange_set_json (PbSandboxExchange *ex,
                              guint              status,
                              JsonNode          *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *text;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  g_clear_pointer (&ex->body, g_bytes_unref);
  ex->body = g_bytes_new_take (text, length);
  g_free (ex->content_type);
  ex->content_type = g_strdup ("application/json; charset=utf-8");
  ex->status = status;
}

void
pb_sandbox_exchange_set_empty (PbSandboxExchange *ex,
                               guint              status)
{
  g_clear_pointer (&ex->body, g_bytes_unref);
  g_clear_pointer (&ex->content_type, g_free);
  ex->status = status;
}

void
pb_sandbox_exchange_set_header (PbSandboxExchange *ex,
                                const char        *name,
                                const char        *value)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (ex->msg), name, value);
}

const char *
pb_sandbox_exchange_get_header (PbSandboxExchange *ex,
                                const char        *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (ex->msg), name);
}

const char *
pb_sandbox_exchange_get_query (PbSandboxExchange *ex,
                               const char        *name)
{
  if (ex->query == NULL)
    return NULL;
  return g_hash_table_lookup (ex->query, name);
}

/**
 * pb_sandbox_exchange_parse_body:
 *
 * Returns: (transfer full): the request's JSON body, or %NULL with
 *   G_IO_ERROR_INVALID_DATA when it is missing or not JSON
 */
JsonNode *
pb_sandbox_exchange_parse_body (PbSandboxExchange  *ex,
                                GError            **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (ex->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  JsonNode *root;

  if (size == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The request has no body");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, size, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Invalid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The request has no body");
      return NULL;
    }
  return json_node_copy (root);
}

static void
call_free (Call *call)
{
  g_clear_handle_id (&call->source, g_source_remove);
  g_clear_signal_handler (&call->disconnected_id, call->ex.msg);
  g_clear_object (&call->ex.msg);
  g_clear_pointer (&call->ex.body, g_bytes_unref);
  g_free (call->ex.content_type);
  g_free (call->ex.request_id);
  g_free (call->ex.rate_key);
  g_free (call->path);
  g_free (call);
}

/* Session tokens travel in headers, but DELETE /token/session/{token} and
 * the like carry one in the path: anything shaped like a UUID is left out
 * of log lines. */
static char *
dup_log_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (strlen (parts[i]) >= 32 && strchr (parts[i], '-') != NULL)
        {
          g_free (parts[i]);
          parts[i] = g_strdup ("[redacted]");
        }
    }
  return g_strjoinv ("/", parts);
}

static void
call_send (Call *call)
{
  PbSandboxExchange *ex = &call->ex;
  g_autofree char *log_path = dup_log_path (ex->path);

  /* libsoup 3.2 has no phrase for 429. */
  soup_server_message_set_status (ex->msg, ex->status != 0 ? ex->status : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                  ex->status == 429 ? "Too Many Requests" : NULL);
  if (ex->body != NULL)
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (ex->body, &size);

      soup_server_message_set_response (ex->msg, ex->content_type, SOUP_MEMORY_COPY, data, size);
    }
  g_debug ("%s %s -> %u%s", ex->method, log_path, ex->status, call->drop ? " (dropped)" : "");
}

static void
on_message_disconnected_cb (SoupServerMessage *msg,
                            gpointer           user_data)
{
  Call *call = user_data;

  call->gone = TRUE;
}

static void
call_finish_waiting (Call *call)
{
  PbSandbox *self = call->self;

  call->source = 0;
  g_clear_signal_handler (&call->disconnected_id, call->ex.msg);
  if (!call->gone)
    {
      if (call->drop)
        {
          g_autofree char *log_path = dup_log_path (call->ex.path);
          g_autoptr(GIOStream) stream = NULL;

          /* The work is done (a POST created its record) but the client
           * never hears of it: the case an idempotent client must handle. */
          g_debug ("%s %s -> connection dropped", call->ex.method, log_path);
          stream = soup_server_message_steal_connection (call->ex.msg);
          if (stream != NULL)
            g_io_stream_close (stream, NULL, NULL);
        }
      else
        {
          call_send (call);
          soup_server_message_unpause (call->ex.msg);
        }
    }
  g_ptr_array_remove_fast (self->waiting, call);
  call_free (call);
}

static gboolean
call_wait_done_cb (gpointer user_data)
{
  call_finish_waiting (user_data);
  return G_SOURCE_REMOVE;
}

/* Answers now, or after the configured latency, or drops the connection. */
static void
call_complete (Call *call)
{
  PbSandbox *self = call->self;
  guint latency = call->ex.request_id != NULL ? self->faults.latency_ms : 0;

  if (latency == 0 && !call->drop)
    {
      call_send (call);
      call_free (call);
      return;
    }

  soup_server_message_pause (call->ex.msg);
  call->disconnected_id = g_signal_connect (call->ex.msg, "disconnected",
                                            G_CALLBACK (on_message_disconnected_cb), call);
  g_ptr_array_add (self->waiting, call);
  if (latency > 0)
    call->source = g_timeout_add (latency, call_wait_done_cb, call);
  else
    call->source = g_idle_add (call_wait_done_cb, call);
}

/* --- faults --------------------------------------------------------------- */

static void
respond_error (PbSandbox         *self,
               PbSandboxExchange *ex,
               guint              status,
               int                code,
               const char        *message)
{
  self->system->respond_error (self->backend, ex, status, code, message);
}

static void
slide_free (gpointer data)
{
  g_queue_free_full (data, g_free);
}

/* A sliding window: the request is allowed when fewer than the quota were
 * allowed in the window's length before it; refused ones do not count. */
static gboolean
check_sliding_window (PbSandbox         *self,
                      PbSandboxExchange *ex)
{
  guint limit = self->faults.rate_limit_count;
  gint64 period = (gint64) self->faults.rate_limit_seconds * G_USEC_PER_SEC;
  gint64 now = g_get_monotonic_time ();
  const char *key = ex->rate_key != NULL ? ex->rate_key : "";
  GQueue *times = g_hash_table_lookup (self->slides, key);
  gint64 *at;

  if (times == NULL)
    {
      times = g_queue_new ();
      g_hash_table_insert (self->slides, g_strdup (key), times);
    }
  while (!g_queue_is_empty (times) && *(gint64 *) g_queue_peek_head (times) <= now - period)
    g_free (g_queue_pop_head (times));

  if (g_queue_get_length (times) >= limit)
    {
      respond_error (self, ex, 429, 0, "Too Many Requests");
      return FALSE;
    }
  at = g_new (gint64, 1);
  *at = now;
  g_queue_push_tail (times, at);
  return TRUE;
}

/* Returns FALSE (with a 429 in @ex) when the caller's quota is spent. */
static gboolean
check_rate_limit (PbSandbox         *self,
                  PbSandboxExchange *ex)
{
  const char *prefix = self->system->rate_limit_header;
  guint limit = self->faults.rate_limit_count;
  gint64 period = (gint64) self->faults.rate_limit_seconds * G_USEC_PER_SEC;
  gint64 now = g_get_monotonic_time ();
  const char *key = ex->rate_key != NULL ? ex->rate_key : "";
  RateWindow *window;
  g_autofree char *limit_text = NULL;
  g_autofree char *remaining_text = NULL;
  g_autofree char *reset_text = NULL;
  gint64 reset;
  gboolean allowed;

  if (limit == 0 || period == 0)
    return TRUE;
  if (self->system->sliding_window)
    return check_sliding_window (self, ex);

  window = g_hash_table_lookup (self->windows, key);
  if (window == NULL)
    {
      window = g_new0 (RateWindow, 1);
      window->start = now;
      g_hash_table_insert (self->windows, g_strdup (key), window);
    }
  else if (now >= window->start + period)
    {
      window->start = now;
      window->used = 0;
    }

  allowed = window->used < limit;
  if (allowed)
    window->used++;

  reset = (window->start + period - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  reset = MAX (reset, 1);
  limit_text = g_strdup_printf ("%u", limit);
  remaining_text = g_strdup_printf ("%u", limit - window->used);
  reset_text = g_strdup_printf ("%" G_GINT64_FORMAT, reset);

  if (prefix != NULL)
    {
      g_autofree char *limit_name = g_strconcat (prefix, "Limit", NULL);
      g_autofree char *remaining_name = g_strconcat (prefix, "Remaining", NULL);
      g_autofree char *reset_name = g_strconcat (prefix, "Reset", NULL);

      pb_sandbox_exchange_set_header (ex, limit_name, limit_text);
      pb_sandbox_exchange_set_header (ex, remaining_name, remaining_text);
      /* Tripletex leaves the reset header out of its 429s (its issue #103);
       * a client has to live on Retry-After there. */
      if (allowed || self->system->reset_on_429)
        pb_sandbox_exchange_set_header (ex, reset_name, reset_text);
    }

  if (!allowed)
    {
      pb_sandbox_exchange_set_header (ex, "Retry-After", reset_text);
      respond_error (self, ex, 429, 0, "Too many requests: the rate limit for this token is spent");
    }
  return allowed;
}

/* A body cut short, as from a proxy that gave up half way. */
static void
malform (PbSandboxExchange *ex)
{
  gsize size = 0;
  const char *data = ex->body != NULL ? g_bytes_get_data (ex->body, &size) : NULL;
  GBytes *cut;

  if (data == NULL || size < 2)
    cut = g_bytes_new_static ("{\"value\":{\"id\":", 15);
  else
    cut = g_bytes_new (data, MAX (size / 2, 1));
  g_clear_pointer (&ex->body, g_bytes_unref);
  ex->body = cut;
  g_free (ex->content_type);
  ex->content_type = g_strdup ("application/json; charset=utf-8");
  if (ex->status < 200 || ex->status >= 300 || ex->status == 204)
    ex->status = 200;
}

/* The deep_body fault: the answer keeps its status and its body becomes
 * {"value":[[[…]]]}, nested @depth deep, as from a hostile or broken
 * server; a client must refuse it, not overflow its stack. */
static void
deepen (PbSandboxExchange *ex,
        guint              depth)
{
  GString *body = g_string_sized_new (2 * depth + 16);

  g_string_append (body, "{\"value\":");
  for (guint i = 1; i < depth; i++)
    g_string_append_c (body, '[');
  for (guint i = 1; i < depth; i++)
    g_string_append_c (body, ']');
  g_string_append_c (body, '}');
  g_clear_pointer (&ex->body, g_bytes_unref);
  ex->body = g_string_free_to_bytes (body);
  g_free (ex->content_type);
  ex->content_type = g_strdup ("application/json; charset=utf-8");
  if (ex->status == 204)
    ex->status = 200;
}

/* Leaves the "id" (or "ID") member out of every object whose id is @id. */
static void
strip_id (JsonNode *node,
          gint64    id)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        strip_id (json_array_get_element (array, i), id);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      /* "ID": Unimicro's spelling. */
      const char *name = json_object_has_member (object, "id") ? "id" : "ID";
      JsonNode *member = json_object_get_member (object, name);
      g_autoptr(GList) members = NULL;

      if (member != NULL && JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_INT64
          && json_node_get_int (member) == id)
        json_object_remove_member (object, name);
      members = json_object_get_values (object);
      for (GList *l = members; l != NULL; l = l->next)
        strip_id (l->data, id);
    }
}

/* The omit_id fault: a record that comes without its id, as from an API
 * that leaves a member out (a connector must say so, not crash). */
static void
omit_id (PbSandboxExchange *ex,
         gint64             id)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = ex->body != NULL ? g_bytes_get_data (ex->body, &size) : NULL;
  g_autoptr(JsonNode) root = NULL;

  if (data == NULL || ex->status < 200 || ex->status >= 300
      || !json_parser_load_from_data (parser, data, size, NULL) || json_parser_get_root (parser) == NULL)
    return;
  root = json_node_copy (json_parser_get_root (parser));
  strip_id (root, id);
  pb_sandbox_exchange_set_json (ex, ex->status, root);
}

gboolean
pb_sandbox_roll_lock (PbSandbox *self)
{
  double value = draw (&self->lock_rng);

  return value < self->faults.lock_rate;
}

static void
handle_api (PbSandbox *self,
            Call      *call)
{
  PbSandboxExchange *ex = &call->ex;
  double fail = draw (&self->rng);
  double drop = draw (&self->rng);
  double malformed = draw (&self->rng);

  ex->request_id = g_uuid_string_random ();
  if (self->system->request_id_header != NULL)
    pb_sandbox_exchange_set_header (ex, self->system->request_id_header, ex->request_id);

  if (self->system->identify != NULL)
    self->system->identify (self->backend, ex);

  if (!check_rate_limit (self, ex))
    return;

  /* A 429 out of the blue, as from a system whose quota other clients of
   * the same company spend: Retry-After says when to come back. */
  if (draw (&self->throttle_rng) < self->faults.throttle_rate)
    {
      g_autofree char *after = g_strdup_printf ("%u", MAX (self->faults.throttle_seconds, 1));

      pb_sandbox_exchange_set_header (ex, "Retry-After", after);
      respond_error (self, ex, 429, 0, "Too many requests (injected by the sandbox): retry after the delay given");
      return;
    }

  if (fail < self->faults.fail_rate)
    {
      /* The lower half of the band is a 500, the upper a 503. */
      if (fail < self->faults.fail_rate / 2)
        respond_error (self, ex, 500, 1000, "Internal error (injected by the sandbox)");
      else
        respond_error (self, ex, 503, 1000, "Service unavailable (injected by the sandbox)");
      return;
    }

  self->system->handle (self->backend, ex);
  if (self->faults.omit_id != 0)
    omit_id (ex, self->faults.omit_id);
  if (self->faults.deep_body != 0)
    deepen (ex, self->faults.deep_body);

  if (drop < self->faults.drop_rate)
    call->drop = TRUE;
  else if (self->drop_next_method != NULL && g_str_equal (ex->method, self->drop_next_method)
           && g_pattern_match_simple (self->drop_next_path, ex->path))
    {
      /* pb_sandbox_drop_next(): this one, once. */
      call->drop = TRUE;
      g_clear_pointer (&self->drop_next_method, g_free);
      g_clear_pointer (&self->drop_next_path, g_free);
    }
  if (call->drop)
    self->dropped++;
  else if (malformed < self->faults.malformed_rate)
    malform (ex);
}

/* --- control endpoints ---------------------------------------------------- */

static JsonNode *
faults_to_json (const PbSandboxFaults *faults)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "latency_ms");
  json_builder_add_int_value (builder, faults->latency_ms);
  json_builder_set_member_name (builder, "rate_limit");
  if (faults->rate_limit_count > 0)
    {
      g_autofree char *text = g_strdup_printf ("%u/%u", faults->rate_limit_count, faults->rate_limit_seconds);
      json_builder_add_string_value (builder, text);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "fail_rate");
  json_builder_add_double_value (builder, faults->fail_rate);
  json_builder_set_member_name (builder, "drop_rate");
  json_builder_add_double_value (builder, faults->drop_rate);
  json_builder_set_member_name (builder, "drop_before_read_rate");
  json_builder_add_double_value (builder, faults->drop_before_read_rate);
  json_builder_set_member_name (builder, "malformed_rate");
  json_builder_add_double_value (builder, faults->malformed_rate);
  json_builder_set_member_name (builder, "lock_rate");
  json_builder_add_double_value (builder, faults->lock_rate);
  json_builder_set_member_name (builder, "throttle_rate");
  json_builder_add_double_value (builder, faults->throttle_rate);
  json_builder_set_member_name (builder, "throttle_seconds");
  json_builder_add_int_value (builder, faults->throttle_seconds);
  json_builder_set_member_name (builder, "seed");
  json_builder_add_int_value (builder, (gint64) faults->seed);
  json_builder_set_member_name (builder, "omit_id");
  json_builder_add_int_value (builder, faults->omit_id);
  json_builder_set_member_name (builder, "job_ms");
  json_builder_add_int_value (builder, faults->job_ms);
  json_builder_set_member_name (builder, "deep_body");
  json_builder_add_int_value (builder, faults->deep_body);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static gboolean
json_number (JsonNode *node,
             double   *value)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *value = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *value = json_node_get_double (node);
      return TRUE;
    default:
      return FALSE;
    }
}

/* Applies the members of @object (the CLI's option names, with '_' or '-')
 * on top of @faults. */
static gboolean
faults_merge_json (PbSandboxFaults  *faults,
                   JsonObject       *object,
                   GError          **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *name = g_strdelimit (g_strdup (l->data), "-", '_');
      JsonNode *node = json_object_get_member (object, l->data);
      double number = 0;

      if (g_str_equal (name, "rate_limit"))
        {
          const char *text = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

          if (JSON_NODE_HOLDS_NULL (node) || g_strcmp0 (text, "") == 0)
            {
              faults->rate_limit_count = 0;
              faults->rate_limit_seconds = 0;
            }
          else if (text == NULL
                   || !pb_sandbox_parse_rate_limit (text, &faults->rate_limit_count,
                                                    &faults->rate_limit_seconds, error))
            {
              if (text == NULL)
                g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                                     "rate_limit: expected \"N/SECONDS\"");
              return FALSE;
            }
          continue;
        }

      if (!json_number (node, &number))
        {
          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                       "%s: expected a number", name);
          return FALSE;
        }

      if (g_str_equal (name, "latency_ms"))
        {
          if (number < 0 || number > 600000)
            {
              g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                                   "latency_ms: expected 0 to 600000");
              return FALSE;
            }
          faults->latency_ms = (guint) number;
        }
      else if (g_str_equal (name, "fail_rate"))
        faults->fail_rate = number;
      else if (g_str_equal (name, "drop_rate"))
        faults->drop_rate = number;
      else if (g_str_equal (name, "drop_before_read_rate"))
        faults->drop_before_read_rate = number;
      else if (g_str_equal (name, "malformed_rate"))
        faults->malformed_rate = number;
      else if (g_str_equal (name, "lock_rate"))
        faults->lock_rate = number;
      else if (g_str_equal (name, "throttle_rate"))
        faults->throttle_rate = number;
      else if (g_str_equal (name, "throttle_seconds"))
        {
          if (number < 0 || number > 3600)
            {
              g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                                   "throttle_seconds: expected 0 to 3600");
              return FALSE;
            }
          faults->throttle_seconds = (guint) number;
        }
      else if (g_str_equal (name, "seed"))
        faults->seed = (guint64) number;
      else if (g_str_equal (name, "omit_id"))
        faults->omit_id = (gint64) number;
      else if (g_str_equal (name, "job_ms"))
        {
          if (number < 0 || number > 600000)
            {
              g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                                   "job_ms: expected 0 to 600000");
              return FALSE;
            }
          faults->job_ms = (guint) number;
        }
      else if (g_str_equal (name, "deep_body"))
        {
          if (number < 0 || number > 10000000)
            {
              g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                                   "deep_body: expected 0 to 10000000");
              return FALSE;
            }
          faults->deep_body = (guint) number;
        }
      else
        {
          g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                       "%s: no such fault", (const char *) l->data);
          return FALSE;
        }
    }
  return TRUE;
}

static void
control_reply (PbSandboxExchange *ex,
               guint              status,
               JsonNode          *node)
{
  pb_sandbox_exchange_set_json (ex, status, node);
}

static void
control_error (PbSandboxExchange *ex,
               guint              status,
               const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  control_reply (ex, status, node);
}

static JsonNode *
dup_request_counts (PbSandbox *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GList) keys = g_hash_table_get_keys (self->counts);

  keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, self->total);
  json_builder_set_member_name (builder, "sessionsCreated");
  json_builder_add_int_value (builder, pb_sandbox_get_session_count (self));
  json_builder_set_member_name (builder, "droppedBeforeRead");
  json_builder_add_int_value (builder, self->dropped_before_read);
  json_builder_set_member_name (builder, "requests");
  json_builder_begin_object (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_int_value (builder, GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, l->data)));
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* POST /_sandbox/lock {"timesheetEntryIds": [1, 2], "locked": true} */
static void
control_lock (PbSandbox         *self,
              PbSandboxExchange *ex,
              JsonObject        *body)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GList) members = json_object_get_members (body);
  gboolean locked = TRUE;

  if (json_object_has_member (body, "locked"))
    {
      JsonNode *node = json_object_get_member (body, "locked");

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        {
          control_error (ex, 400, "locked: expected true or false");
          return;
        }
      locked = json_node_get_boolean (node);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, locked ? "locked" : "unlocked");
  json_builder_begin_array (builder);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (body, name);
      g_autofree char *kind = NULL;
      JsonArray *ids;

      if (g_str_equal (name, "locked"))
        continue;
      if (!g_str_has_suffix (name, "Ids") || !JSON_NODE_HOLDS_ARRAY (node))
        {
          g_autofree char *message = g_strdup_printf ("%s: expected a list named <kind>Ids", name);
          control_error (ex, 400, message);
          return;
        }
      kind = g_strndup (name, strlen (name) - 3);
      ids = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (ids); i++)
        {
          g_autoptr(GError) error = NULL;
          JsonNode *element = json_array_get_element (ids, i);
          gint64 id;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
            {
              control_error (ex, 400, "Ids must be integers");
              return;
            }
          id = json_node_get_int (element);
          if (!pb_sandbox_set_locked (self, kind, id, locked, &error))
            {
              control_error (ex, g_error_matches (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND) ? 404 : 400,
                             error->message);
              return;
            }
          json_builder_add_int_value (builder, id);
        }
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);
  control_reply (ex, 200, reply);
}

static void
handle_control (PbSandbox         *self,
                PbSandboxExchange *ex)
{
  const char *name = ex->path + strlen ("/_sandbox/");
  gboolean get = g_str_equal (ex->method, "GET");
  gboolean post = g_str_equal (ex->method, "POST");
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (name, "state") && !g_str_equal (name, "reset") && !g_str_equal (name, "faults")
      && !g_str_equal (name, "lock") && !g_str_equal (name, "requests"))
    {
      control_error (ex, 404, "No such control endpoint");
      return;
    }

  if ((g_str_equal (name, "state") || g_str_equal (name, "requests")) && !get)
    {
      control_error (ex, 405, "Use GET");
      return;
    }
  if ((g_str_equal (name, "reset") || g_str_equal (name, "lock")) && !post)
    {
      control_error (ex, 405, "Use POST");
      return;
    }
  if (g_str_equal (name, "faults") && !get && !post)
    {
      control_error (ex, 405, "Use GET or POST");
      return;
    }

  if (post && !g_str_equal (name, "reset"))
    {
      body = pb_sandbox_exchange_parse_body (ex, &error);
      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
        {
          control_error (ex, 400, error != NULL ? error->message : "Expected a JSON object");
          return;
        }
    }

  if (g_str_equal (name, "state"))
    reply = pb_sandbox_dup_state (self);
  else if (g_str_equal (name, "requests"))
    reply = dup_request_counts (self);
  else if (g_str_equal (name, "reset"))
    {
      pb_sandbox_reset (self);
      reply = json_node_init_object (json_node_alloc (), json_object_new ());
      json_object_set_boolean_member (json_node_get_object (reply), "reset", TRUE);
    }
  else if (g_str_equal (name, "faults"))
    {
      PbSandboxFaults faults = self->faults;

      if (post && (!faults_merge_json (&faults, json_node_get_object (body), &error)
                   || !pb_sandbox_set_faults (self, &faults, &error)))
        {
          control_error (ex, 400, error->message);
          return;
        }
      reply = faults_to_json (&self->faults);
    }
  else
    {
      control_lock (self, ex, json_node_get_object (body));
      return;
    }

  control_reply (ex, 200, reply);
}

/* --- the server ----------------------------------------------------------- */

static void
count_request (PbSandbox  *self,
               const char *method,
               const char *path)
{
  g_autofree char *key = g_strdup_printf ("%s %s", method, path);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, key));

  self->total++;
  g_hash_table_replace (self->counts, g_steal_pointer (&key), GUINT_TO_POINTER (n + 1));
}

static gboolean
drop_before_read_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Runs when a request's headers are in and its body is not read yet: the
 * drop before read. The connection closes and nothing is done, as when a
 * server (or a proxy in front of it) closes a kept-alive connection just
 * as the client sends on it. An HTTP client may send such a request again
 * by itself (libsoup does for PUT, GET and DELETE on a reused connection):
 * that resend must carry the whole body. */
static void
on_request_headers_cb (SoupServer        *server,
                       SoupServerMessage *msg,
                       const char        *path,
                       GHashTable        *query,
                       gpointer           user_data)
{
  PbSandbox *self = user_data;
  const char *prefix = self->system->api_prefix;
  gsize prefix_length = strlen (prefix);
  g_autofree char *decoded = g_uri_unescape_string (path, "/");
  g_autofree char *log_path = NULL;
  const char *method = soup_server_message_get_method (msg);

  if (decoded == NULL || !g_str_has_prefix (decoded, prefix)
      || (decoded[prefix_length] != '/' && decoded[prefix_length] != '\0'))
    return;
  if (!(draw (&self->read_rng) < self->faults.drop_before_read_rate))
    return;

  count_request (self, method, decoded);
  self->dropped_before_read++;
  log_path = dup_log_path (decoded);
  g_debug ("%s %s -> connection dropped before the request was read", method, log_path);
  soup_server_message_pause (msg);
  g_idle_add_full (G_PRIORITY_DEFAULT, drop_before_read_cb, g_object_ref (msg), g_object_unref);
}

static void
on_request_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  PbSandbox *self = user_data;
  const char *prefix = self->system->api_prefix;
  gsize prefix_length = strlen (prefix);
  Call *call = g_new0 (Call, 1);

  call->self = self;
  call->ex.sandbox = self;
  call->ex.msg = g_object_ref (msg);
  call->ex.method = soup_server_message_get_method (msg);
  call->ex.query = query;
  /* Paths arrive percent-encoded: Tripletex's "/token/session/>whoAmI" may
   * come as "%3EwhoAmI" or with a raw '>'. An encoded '/' is refused. */
  call->path = g_uri_unescape_string (path, "/");
  call->ex.path = call->path != NULL ? call->path : path;
  call->ex.api_path = "";

  count_request (self, call->ex.method, call->ex.path);

  if (call->path == NULL)
    respond_error (self, &call->ex, 404, 6000, "Not found");
  else if (g_str_has_prefix (call->path, "/_sandbox/"))
    handle_control (self, &call->ex);
  else if (pb_sandbox_oauth2_owns_path (call->path))
    pb_sandbox_oauth2_handle (self->oauth2, &call->ex);
  else if (g_str_has_prefix (call->path, prefix)
           && (call->path[prefix_length] == '/' || call->path[prefix_length] == '\0'))
    {
      call->ex.api_path = call->path + prefix_length;
      handle_api (self, call);
    }
  else
    respond_error (self, &call->ex, 404, 6000, "Not found: the API lives under its prefix");

  call_complete (call);
}

/* --- GObject -------------------------------------------------------------- */

static void
pb_sandbox_dispose (GObject *object)
{
  PbSandbox *self = PB_SANDBOX (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (self->waiting != NULL)
    {
      while (self->waiting->len > 0)
        call_free (g_ptr_array_steal_index_fast (self->waiting, self->waiting->len - 1));
    }
  g_clear_object (&self->server);

  G_OBJECT_CLASS (pb_sandbox_parent_class)->dispose (object);
}

static void
pb_sandbox_finalize (GObject *object)
{
  PbSandbox *self = PB_SANDBOX (object);

  if (self->backend != NULL)
    self->system->backend_free (self->backend);
  g_clear_pointer (&self->seed, json_node_unref);
  g_clear_pointer (&self->windows, g_hash_table_unref);
  g_clear_pointer (&self->slides, g_hash_table_unref);
  g_clear_pointer (&self->counts, g_hash_table_unref);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->drop_next_method, g_free);
  g_clear_pointer (&self->drop_next_path, g_free);
  g_clear_pointer (&self->oauth2, pb_sandbox_oauth2_free);
  g_free (self->url);
  g_free (self->api_url);
  g_free (self->host);

  G_OBJECT_CLASS (pb_sandbox_parent_class)->finalize (object);
}

static void
pb_sandbox_class_init (PbSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pb_sandbox_dispose;
  object_class->finalize = pb_sandbox_finalize;
}

static void
pb_sandbox_init (PbSandbox *self)
{
  self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->slides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, slide_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->waiting = g_ptr_array_new ();
  self->oauth2 = pb_sandbox_oauth2_new ();
  self->host = g_strdup ("127.0.0.1:0");
  self->rng = 0;
  self->lock_rng = G_GUINT64_CONSTANT (0x5DEECE66D);
  self->read_rng = READ_RNG_SALT;
  self->throttle_rng = THROTTLE_RNG_SALT;
}

/* --- public API ----------------------------------------------------------- */

/**
 * pb_sandbox_list_systems:
 *
 * Returns: (transfer none): the names pb_sandbox_new() accepts
 */
const char **
pb_sandbox_list_systems (void)
{
  if (system_names[0] == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (systems); i++)
        system_names[i] = systems[i]->name;
    }
  return system_names;
}

/**
 * pb_sandbox_new:
 * @system: "tripletex" (see pb_sandbox_list_systems())
 *
 * A sandbox holding the system's default records; it does not listen
 * until pb_sandbox_listen().
 */
PbSandbox *
pb_sandbox_new (const char  *system,
                GError     **error)
{
  g_autoptr(PbSandbox) self = NULL;
  const PbSandboxSystem *found = NULL;

  g_return_val_if_fail (system != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (systems); i++)
    {
      if (g_ascii_strcasecmp (systems[i]->name, system) == 0)
        found = systems[i];
    }
  if (found == NULL)
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_UNKNOWN_SYSTEM,
                   "The sandbox does not emulate “%s” (yet)", system);
      return NULL;
    }

  self = g_object_new (PB_TYPE_SANDBOX, NULL);
  self->system = found;
  self->faults.rate_limit_count = found->default_rate_limit_count;
  self->faults.rate_limit_seconds = found->default_rate_limit_seconds;
  self->backend = found->backend_new (self);
  if (!found->load_seed (self->backend, NULL, error))
    return NULL;

  self->server = soup_server_new ("server-header", "payroll-sandbox ", NULL);
  soup_server_add_handler (self->server, NULL, on_request_cb, self, NULL);
  soup_server_add_early_handler (self->server, NULL, on_request_headers_cb, self, NULL);

  return g_steal_pointer (&self);
}

const char *
pb_sandbox_get_system (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), NULL);

  return self->system->name;
}

static gboolean
load_seed_node (PbSandbox  *self,
                JsonNode   *seed,
                GError    **error)
{
  if (!self->system->load_seed (self->backend, seed, error))
    return FALSE;
  g_clear_pointer (&self->seed, json_node_unref);
  self->seed = seed != NULL ? json_node_ref (seed) : NULL;
  return TRUE;
}

/**
 * pb_sandbox_load_seed_data:
 * @json: a seed in the system's format (tests/sandbox/README.md)
 * @length: its length, or -1 when nul-terminated
 *
 * Replaces every record with the seed's; pb_sandbox_reset() comes back to
 * it. On error nothing changes.
 */
gboolean
pb_sandbox_load_seed_data (PbSandbox   *self,
                           const char  *json,
                           gssize       length,
                           GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PB_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  if (!json_parser_load_from_data (parser, json, length, &local_error))
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                   "The seed is not JSON: %s", local_error->message);
      return FALSE;
    }
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED,
                           "The seed must be a JSON object");
      return FALSE;
    }
  return load_seed_node (self, json_parser_get_root (parser), error);
}

gboolean
pb_sandbox_load_seed_file (PbSandbox   *self,
                           const char  *path,
                           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (PB_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;
  if (!pb_sandbox_load_seed_data (self, contents, length, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

/**
 * pb_sandbox_reset:
 *
 * Back to the last seed loaded (or the default): every record as it was.
 * Sessions, fault settings and counters stay.
 */
void
pb_sandbox_reset (PbSandbox *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PB_IS_SANDBOX (self));

  /* The seed loaded once already, so it loads again. */
  if (!self->system->load_seed (self->backend, self->seed, &error))
    g_critical ("Reloading the seed failed: %s", error->message);
}

/**
 * pb_sandbox_listen:
 * @port: the port on 127.0.0.1, 0 for any free one
 *
 * Serves on the thread-default GMainContext from now on.
 */
gboolean
pb_sandbox_listen (PbSandbox  *self,
                   guint       port,
                   GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  GSList *uris;

  g_return_val_if_fail (PB_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  if (self->url != NULL)
    {
      g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_LISTEN, "Already listening");
      return FALSE;
    }

  if (!soup_server_listen_local (self->server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &local_error))
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_LISTEN,
                   "Cannot listen on 127.0.0.1:%u: %s", port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (self->server);
  self->port = uris != NULL ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_free (self->host);
  self->host = g_strdup_printf ("127.0.0.1:%u", self->port);
  self->url = g_strdup_printf ("http://%s", self->host);
  self->api_url = g_strconcat (self->url, self->system->api_prefix, NULL);
  return TRUE;
}

guint
pb_sandbox_get_port (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), 0);

  return self->port;
}

/**
 * pb_sandbox_get_url:
 *
 * Returns: (nullable): "http://127.0.0.1:PORT", or %NULL before
 *   pb_sandbox_listen()
 */
const char *
pb_sandbox_get_url (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), NULL);

  return self->url;
}

/**
 * pb_sandbox_get_api_url:
 *
 * Returns: (nullable): the base URL a connector is given, e.g.
 *   "http://127.0.0.1:PORT/v2" for Tripletex
 */
const char *
pb_sandbox_get_api_url (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), NULL);

  return self->api_url;
}

const char *
pb_sandbox_get_host (PbSandbox *self)
{
  return self->host;
}

/**
 * pb_sandbox_parse_rate_limit:
 * @text: "N/SECONDS", e.g. "100/60"
 */
gboolean
pb_sandbox_parse_rate_limit (const char  *text,
                             guint       *count,
                             guint       *seconds,
                             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "/", 2);
  guint64 n = 0;
  guint64 s = 0;

  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT32, &n, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, 86400, &s, NULL))
    {
      g_set_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                   "Rate limit “%s”: expected N/SECONDS, e.g. 100/60", text);
      return FALSE;
    }
  *count = (guint) n;
  *seconds = (guint) s;
  return TRUE;
}

/**
 * pb_sandbox_set_faults:
 *
 * Replaces the fault settings, restarts the PRNG from @faults->seed and
 * forgets every rate-limit window.
 */
gboolean
pb_sandbox_set_faults (PbSandbox              *self,
                       const PbSandboxFaults  *faults,
                       GError                **error)
{
  const double rates[] = { faults->fail_rate, faults->drop_rate, faults->drop_before_read_rate,
                           faults->malformed_rate, faults->lock_rate, faults->throttle_rate };

  g_return_val_if_fail (PB_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (faults != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      if (!(rates[i] >= 0.0 && rates[i] <= 1.0))
        {
          g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                               "Fault rates are probabilities from 0 to 1");
          return FALSE;
        }
    }
  if (faults->rate_limit_count > 0 && faults->rate_limit_seconds == 0)
    {
      g_set_error_literal (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_FAULTS,
                           "A rate limit needs a window of at least one second");
      return FALSE;
    }

  self->faults = *faults;
  self->rng = faults->seed;
  self->lock_rng = faults->seed ^ G_GUINT64_CONSTANT (0x5DEECE66D);
  self->read_rng = faults->seed ^ READ_RNG_SALT;
  self->throttle_rng = faults->seed ^ THROTTLE_RNG_SALT;
  g_hash_table_remove_all (self->windows);
  g_hash_table_remove_all (self->slides);
  return TRUE;
}

void
pb_sandbox_get_faults (PbSandbox       *self,
                       PbSandboxFaults *faults)
{
  g_return_if_fail (PB_IS_SANDBOX (self));
  g_return_if_fail (faults != NULL);

  *faults = self->faults;
}

/**
 * pb_sandbox_dup_state:
 *
 * Returns: (transfer full): every record the sandbox holds, in the
 *   system's own shapes (sessions as a count only: never a token)
 */
JsonNode *
pb_sandbox_dup_state (PbSandbox *self)
{
  JsonNode *state;

  g_return_val_if_fail (PB_IS_SANDBOX (self), NULL);

  state = self->system->dup_state (self->backend);
  if (JSON_NODE_HOLDS_OBJECT (state))
    json_object_set_member (json_node_get_object (state), "oauth2", pb_sandbox_oauth2_dup_state (self->oauth2));
  return state;
}

PbSandboxOAuth2 *
pb_sandbox_get_oauth2 (PbSandbox *self)
{
  return self->oauth2;
}

/**
 * pb_sandbox_get_request_count:
 * @method: (nullable): "GET"..., or %NULL for any
 * @path_prefix: (nullable): e.g. "/v2/employee", or %NULL for any
 *
 * How many requests the server has seen (control endpoints included,
 * whatever the answer), counted on the percent-decoded path.
 */
guint
pb_sandbox_get_request_count (PbSandbox  *self,
                              const char *method,
                              const char *path_prefix)
{
  GHashTableIter iter;
  gpointer key, value;
  guint total = 0;

  g_return_val_if_fail (PB_IS_SANDBOX (self), 0);

  g_hash_table_iter_init (&iter, self->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *space = strchr (key, ' ');
      gsize method_length = space - (const char *) key;

      if (method != NULL && (strlen (method) != method_length || strncmp (key, method, method_length) != 0))
        continue;
      if (path_prefix != NULL && !g_str_has_prefix (space + 1, path_prefix))
        continue;
      total += GPOINTER_TO_UINT (value);
    }
  return total;
}

/**
 * pb_sandbox_expire_sessions:
 *
 * Makes every session token handed out so far invalid: the next request
 * with one gets 401, as when a real session lapses.
 */
void
pb_sandbox_expire_sessions (PbSandbox *self)
{
  g_return_if_fail (PB_IS_SANDBOX (self));

  if (self->system->expire_sessions != NULL)
    self->system->expire_sessions (self->backend);
}

/**
 * pb_sandbox_drop_next:
 * @method: (nullable): "POST", "PUT", …; NULL: forget an earlier call
 * @path_glob: the request's path (the API prefix included, no query) as a
 *   g_pattern_match_simple() glob ('*' and '?' as in a shell), e.g.
 *   "/v2/employee"
 *
 * The next API request of @method whose path matches @path_glob is
 * handled (a POST creates its record), then its connection is closed
 * without an answer, as by the drop_rate fault; the requests after it are
 * answered. For a test of a lost answer of exactly one request (SPEC R3).
 * Setting the faults does not forget it.
 */
void
pb_sandbox_drop_next (PbSandbox  *self,
                      const char *method,
                      const char *path_glob)
{
  g_return_if_fail (PB_IS_SANDBOX (self));
  g_return_if_fail (method == NULL || path_glob != NULL);

  g_clear_pointer (&self->drop_next_method, g_free);
  g_clear_pointer (&self->drop_next_path, g_free);
  self->drop_next_method = g_strdup (method);
  self->drop_next_path = g_strdup (path_glob);
}

/**
 * pb_sandbox_get_dropped_count:
 *
 * Returns: how many API requests were handled and then went without an
 *   answer (the drop_rate fault and pb_sandbox_drop_next())
 */
guint
pb_sandbox_get_dropped_count (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), 0);

  return self->dropped;
}

/**
 * pb_sandbox_get_dropped_before_read_count:
 *
 * Returns: how many API requests the drop before read has closed the
 *   connection on (they are counted as requests too)
 */
guint
pb_sandbox_get_dropped_before_read_count (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), 0);

  return self->dropped_before_read;
}

/**
 * pb_sandbox_get_session_count:
 *
 * Returns: how many sessions (tokens) the API has handed out
 */
guint
pb_sandbox_get_session_count (PbSandbox *self)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), 0);

  return self->system->get_session_count (self->backend);
}

/**
 * pb_sandbox_set_locked:
 * @kind: the system's record kind, e.g. "timesheetEntry" for Tripletex
 *
 * Locks a record as the payroll system does when hours are approved or
 * paid out: changing or deleting it is refused from then on.
 */
gboolean
pb_sandbox_set_locked (PbSandbox   *self,
                       const char  *kind,
                       gint64       id,
                       gboolean     locked,
                       GError     **error)
{
  g_return_val_if_fail (PB_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (kind != NULL, FALSE);

  return self->system->set_locked (self->backend, kind, id, locked, error);
}
