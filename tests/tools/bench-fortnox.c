/* bench-fortnox.c: a full user sync of N people (default 1,000) through the
 * payroll sandbox's Fortnox, with Fortnox's real quota (25 requests in any
 * 5 s, a sliding window): the rate achieved against the 5 requests a
 * second allowed, and the 429s
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "pb-import.h"
#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-user-sync.h"

/* bench-fortnox [N]: an HR register of N people, none in Fortnox yet, and
 * a Fortnox connection to an in-process sandbox with its default quota.
 * Timed: the user sync's plan (reading Fortnox's people) and its apply
 * (creating everyone there), as the Sync Users view runs them. The
 * connector is signed in at the sandbox's /oauth-v1/ by this program (no
 * keyring), the same tokens PbOAuth2 would hold.
 *
 * Prints the API requests (the sandbox's own count of "/3/..." requests,
 * 429s included), the wall time, the rate against the allowed 5/s, and
 * the 429s the connector met (PbHttp's retry-scheduled with status 429).
 * Fails (exit 1) when the sync did not create everyone: a figure is only
 * printed for work done. */

#define VERIFIER "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"

typedef struct
{
  gboolean         done;
  gpointer         result;
  GError          *error;
  PbUserSyncReport report;
  GBytes          *bytes;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == pb_user_sync_plan_async)
    wait->result = pb_user_sync_plan_finish (result, &wait->error);
  else
    pb_user_sync_apply_finish (result, &wait->report, &wait->error);
  wait->done = TRUE;
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &wait->error);
  wait->done = TRUE;
}

static void
wait_for (Wait *wait)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
  if (wait->error != NULL)
    g_error ("%s", wait->error->message);
}

static GBytes *
send (SoupSession *session,
      SoupMessage *msg)
{
  Wait wait = { 0 };

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &wait);
  wait_for (&wait);
  return wait.bytes;
}

/* The authorization code grant at the sandbox's Fortnox paths. */
static char *
sign_in (PbSandbox *sandbox)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autofree char *challenge = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token_url = g_strconcat (pb_sandbox_get_url (sandbox), "/oauth-v1/token", NULL);
  g_autofree char *form = NULL;
  g_autofree char *basic = g_base64_encode ((const guchar *) "sandbox-client:sandbox-secret", 29);
  g_autofree char *header = g_strconcat ("Basic ", basic, NULL);
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) exchange = NULL;
  g_autoptr(GBytes) ignored = NULL;
  g_autoptr(GBytes) tokens = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) body = NULL;

  g_checksum_update (sum, (const guchar *) VERIFIER, -1);
  g_checksum_get_digest (sum, digest, &length);
  challenge = g_base64_encode (digest, length);
  g_strdelimit (challenge, "+", '-');
  g_strdelimit (challenge, "/", '_');
  *strchr (challenge, '=') = '\0';
  url = g_strdup_printf ("%s/oauth-v1/auth?client_id=sandbox-client&response_type=code&state=b&scope=salary"
                         "&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb&code_challenge=%s"
                         "&code_challenge_method=S256", pb_sandbox_get_url (sandbox), challenge);
  authorize = soup_message_new ("GET", url);
  ignored = send (session, authorize);
  location = g_uri_parse (soup_message_headers_get_one (soup_message_get_response_headers (authorize), "Location"),
                          G_URI_FLAGS_NONE, NULL);
  params = g_uri_parse_params (g_uri_get_query (location), -1, "&", G_URI_PARAMS_NONE, NULL);

  form = g_strdup_printf ("grant_type=authorization_code&code=%s&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb"
                          "&code_verifier=" VERIFIER, (const char *) g_hash_table_lookup (params, "code"));
  exchange = soup_message_new ("POST", token_url);
  body = g_bytes_new (form, strlen (form));
  soup_message_set_request_body_from_bytes (exchange, "application/x-www-form-urlencoded", body);
  soup_message_headers_replace (soup_message_get_request_headers (exchange), "Authorization", header);
  tokens = send (session, exchange);
  if (!json_parser_load_from_data (parser, g_bytes_get_data (tokens, NULL), g_bytes_get_size (tokens), NULL))
    g_error ("the token endpoint did not answer JSON");
  return g_strconcat ("Bearer ", json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                                "access_token"), NULL);
}

static void
authorize_cb (gpointer             user_data,
              const char          *rejected,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             callback_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, callback_data);

  g_task_return_pointer (task, g_strdup (user_data), g_free);
}

static char *
authorize_finish_cb (gpointer       user_data,
                     GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_retry_cb (PbHttp *http,
             guint   attempt,
             guint   delay_ms,
             guint   status,
             guint  *rejected)
{
  if (status == 429)
    (*rejected)++;
}

static guint
api_requests (PbSandbox *sandbox)
{
  return pb_sandbox_get_request_count (sandbox, NULL, "/3/");
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GString) hr = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [\n");
  g_autofree char *dir = g_dir_make_tmp ("bench-fortnox-XXXXXX", &error);
  g_autofree char *authorization = NULL;
  PbSandboxFaults faults;
  Wait planned = { 0 }, applied = { 0 };
  guint rejected = 0, before, requests;
  gint64 start;
  double seconds, rate;

  if (n == 0 || dir == NULL)
    g_error ("usage: bench-fortnox [N]");

  sandbox = pb_sandbox_new ("fortnox", &error);
  if (sandbox == NULL || !pb_sandbox_listen (sandbox, 0, &error))
    g_error ("%s", error->message);
  pb_sandbox_get_faults (sandbox, &faults);
  if (faults.rate_limit_count != 25 || faults.rate_limit_seconds != 5)
    g_error ("the sandbox's Fortnox quota is %u/%u, not 25/5", faults.rate_limit_count, faults.rate_limit_seconds);
  authorization = sign_in (sandbox);

  store = pb_store_open (dir, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (hr, "%s{ \"given_name\": \"Bench\", \"family_name\": \"P%05u\", "
                            "\"email\": \"p%05u@bench.example\", \"employee_number\": \"B%05u\" }\n",
                            i > 0 ? "," : "", i, i, i);
  g_string_append (hr, "] }\n");
  if (!pb_import_data (store, "hr.json", hr->str, hr->len, FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error))
    g_error ("%s", error->message);

  connection->name = g_strdup ("Fortnox bench");
  connection->system = g_strdup ("fortnox");
  connection->base_url = g_strdup (pb_sandbox_get_api_url (sandbox));
  connection->sync_types = PB_DATA_USERS;
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("%s", error->message);
  provider = pb_provider_new ("fortnox", pb_sandbox_get_api_url (sandbox), NULL, &error);
  if (provider == NULL)
    g_error ("%s", error->message);
  pb_http_set_authorizer (pb_provider_get_http (provider), authorize_cb, authorize_finish_cb, authorization);
  g_signal_connect (pb_provider_get_http (provider), "retry-scheduled", G_CALLBACK (on_retry_cb), &rejected);

  before = api_requests (sandbox);
  start = g_get_monotonic_time ();
  pb_user_sync_plan_async (store, connection, provider, NULL, on_done_cb, &planned);
  wait_for (&planned);
  pb_user_sync_decide_defaults (planned.result, PB_DECISION_NONE, TRUE, FALSE);
  pb_user_sync_apply_async (store, connection, provider, planned.result, NULL, NULL, NULL, on_done_cb, &applied);
  wait_for (&applied);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  requests = api_requests (sandbox) - before;

  if (applied.report.created_in_payroll != n || applied.report.failed != 0)
    {
      fprintf (stderr, "bench-fortnox: created %u of %u in Fortnox, %u failed\n", applied.report.created_in_payroll,
               n, applied.report.failed);
      return 1;
    }

  rate = requests / seconds;
  printf ("Fortnox user sync of %u people: %u API requests in %.1f s\n", n, requests, seconds);
  printf ("rate %.2f requests/s of the 5.00 allowed (25 in any 5 s): %.1f %%\n", rate, rate / 5.0 * 100.0);
  printf ("429 answers: %u\n", rejected);
  pb_user_plan_free (planned.result);
  g_clear_object (&store);
  {
    g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
    const char *name;

    while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (dir);
  }
  return rate >= 4.75 && rejected == 0 ? 0 : 1;
}
