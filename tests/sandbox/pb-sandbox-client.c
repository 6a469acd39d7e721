/* pb-sandbox-client.c: a blocking HTTP client for the sandbox's own tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-sandbox-client.h"

void
pb_sandbox_reply_free (PbSandboxReply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply);
}

typedef struct
{
  GBytes   *body;
  GError   *error;
  gboolean  done;
} Pending;

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pending *pending = user_data;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &pending->error);
  pending->done = TRUE;
}

static void
add_headers (SoupMessage        *msg,
             const char * const *headers)
{
  /* name, value, ..., NULL; a pair whose value is NULL is left out */
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    if (headers[i + 1] != NULL)
      soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);
}

/**
 * pb_sandbox_client_send:
 * @target: the path and query, after the sandbox's address
 * @body: (nullable): sent as @content_type
 * @headers: (nullable): name, value, ..., NULL (a NULL value: not sent)
 * @more_headers: (nullable): likewise, after @headers
 *
 * Sends one request to @sandbox and waits for the whole answer, running
 * the main loop meanwhile (the sandbox answers from it).
 */
PbSandboxReply *
pb_sandbox_client_send (SoupSession        *session,
                        PbSandbox          *sandbox,
                        const char         *method,
                        const char         *target,
                        const char         *content_type,
                        const char         *body,
                        const char * const *headers,
                        const char * const *more_headers)
{
  g_autofree char *url = g_strconcat (pb_sandbox_get_url (sandbox), target, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  PbSandboxReply *reply = g_new0 (PbSandboxReply, 1);
  Pending pending = { NULL, NULL, FALSE };
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data;

  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  add_headers (msg, headers);
  add_headers (msg, more_headers);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &pending);
  while (!pending.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (pending.error);

  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  data = g_bytes_get_data (pending.body, &size);
  if (size > 0 && json_parser_load_from_data (parser, data, size, NULL) && json_parser_get_root (parser) != NULL)
    reply->json = json_node_copy (json_parser_get_root (parser));
  g_bytes_unref (pending.body);
  return reply;
}
