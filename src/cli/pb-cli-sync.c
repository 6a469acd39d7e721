/* pb-cli-sync.c: paybridge-cli push and errors (SPEC U7, U11, C7)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbCli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "pb-cli-private.h"
#include "pb-connections.h"
#include "pb-csv.h"
#include "pb-sync-engine.h"

typedef struct
{
  gboolean      done;
  gboolean      ok;
  GError       *error;
  PbPushResult  result;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = pb_sync_engine_push_finish (result, &wait->result, &wait->error);
  wait->done = TRUE;
}

/* --wait goes on while a round makes progress, this many rounds at most. */
#define MAX_ROUNDS 50

int
pb_cli_push (CliContext  *ctx,
             int          argc,
             char       **argv)
{
  gboolean wait_for_empty = FALSE;
  gboolean retry = FALSE;
  GOptionEntry entries[] = {
    { "wait", 0, 0, G_OPTION_ARG_NONE, &wait_for_empty,
      N_("Go on until the outbox is empty or only what needs attention remains"), NULL },
    { "retry", 0, 0, G_OPTION_ARG_NONE, &retry,
      N_("Send again the entries that need attention"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  PbPushResult total = { 0 };
  Wait wait = { 0 };
  gint64 attention;

  status = pb_cli_open_connection (ctx, "push", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;
  if (connection->state != PB_CONNECTION_ACTIVE)
    return pb_cli_fail (_("“%s” is not active yet: nothing is sent before the first user sync (SPEC C3)"),
                        connection->name);
  if (retry && pb_store_outbox_retry (store, connection->id, 0, &error) < 0)
    return pb_cli_fail ("%s", error->message);

  provider = pb_cli_open_provider (connection, &error);
  if (provider == NULL)
    return pb_cli_fail ("%s", error->message);

  for (guint round = 0; round < MAX_ROUNDS; round++)
    {
      wait = (Wait) { 0 };
      pb_sync_engine_push_async (store, connection, provider, NULL, on_done_cb, &wait);
      pb_cli_wait (&wait.done);
      if (!wait.ok)
        {
          g_autoptr(GError) failure = wait.error;
          return pb_cli_fail ("%s", failure->message);
        }
      total.sent += wait.result.sent;
      total.unchanged += wait.result.unchanged;
      total.attention += wait.result.attention;
      total.waiting = wait.result.waiting;
      total.held = wait.result.held;
      total.busy = wait.result.busy;
      total.stopped = wait.result.stopped;
      if (!wait_for_empty || wait.result.waiting == 0 || wait.result.busy || wait.result.stopped ||
          wait.result.sent + wait.result.attention + wait.result.unchanged == 0)
        break;
    }

  if (total.busy)
    {
      printf (_("Another Paybridge is sending the changes of “%s” now: nothing was sent by this one.\n"),
              connection->name);
      return EXIT_OK;
    }

  attention = pb_store_count_outbox (store, connection->id, PB_OUTBOX_ATTENTION);
  printf (_("Sent %u, nothing to send for %u, need attention %" G_GINT64_FORMAT ", still waiting %u, "
            "held %u.\n"),
          total.sent, total.unchanged, attention, total.waiting, total.held);
  if (total.stopped)
    printf (_("%s did not take the changes now: they wait in the outbox and go at the next push.\n"),
            pb_provider_get_display_name (provider));
  if (attention > 0 || total.stopped)
    printf (_("See the error log: paybridge-cli errors “%s”\n"), connection->name);
  if (total.held > 0)
    printf (_("Held entries wait for their data type to be turned on again: paybridge-cli connection set "
              "“%s” --sync …\n"), connection->name);

  return attention > 0 || total.waiting > 0 ? EXIT_FAILED : EXIT_OK;
}

/* The error log's columns in --json and --csv, in this order. */
static const char * const error_columns[] = {
  "id", "state", "at", "last_at", "count", "who", "what", "message", "system_message", "request_id", "advice",
};

/* One entry's values in the order of error_columns; @id and @count are
 * the caller's buffers. */
static void
error_row (PbErrorEntry  *e,
           char           id[32],
           char           count[16],
           const char    *row[G_N_ELEMENTS (error_columns)])
{
  const char *values[] = {
    id, pb_error_state_to_string (e->state), e->at, e->last_at, count, e->who, e->what, e->message,
    e->system_message, e->request_id, e->advice,
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (values) == G_N_ELEMENTS (error_columns));
  g_snprintf (id, 32, "%" G_GINT64_FORMAT, e->id);
  g_snprintf (count, 16, "%u", e->count);
  memcpy (row, values, sizeof values);
}

int
pb_cli_errors (CliContext  *ctx,
               int          argc,
               char       **argv)
{
  gboolean json = FALSE;
  gboolean csv = FALSE;
  gboolean open_only = FALSE;
  gint64 dismiss = 0;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print CSV"), NULL },
    { "open", 0, 0, G_OPTION_ARG_NONE, &open_only, N_("Only the open entries"), NULL },
    { "dismiss", 0, 0, G_OPTION_ARG_INT64, &dismiss, N_("Set the open entry ID aside"), N_("ID") },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  status = pb_cli_open_connection (ctx, "errors", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  if (dismiss != 0)
    {
      if (!pb_store_dismiss_error (store, connection->id, dismiss, &error))
        return pb_cli_fail ("%s", error->message);
      printf (_("Dismissed entry %" G_GINT64_FORMAT ".\n"), dismiss);
      return EXIT_OK;
    }

  errors = pb_store_list_errors (store, connection->id, &error);
  if (errors == NULL)
    return pb_cli_fail ("%s", error->message);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "errors");
  json_builder_begin_array (builder);
  if (csv)
    pb_csv_append_row (out, error_columns, G_N_ELEMENTS (error_columns));

  for (guint i = 0; i < errors->len; i++)
    {
      PbErrorEntry *e = g_ptr_array_index (errors, i);
      const char *row[G_N_ELEMENTS (error_columns)];
      char id[32], count[16];

      if (open_only && e->state != PB_ERROR_OPEN)
        continue;
      error_row (e, id, count, row);

      if (json)
        {
          json_builder_begin_object (builder);
          for (guint f = 0; f < G_N_ELEMENTS (error_columns); f++)
            {
              json_builder_set_member_name (builder, error_columns[f]);
              if (g_str_equal (error_columns[f], "id"))
                json_builder_add_int_value (builder, e->id);
              else if (g_str_equal (error_columns[f], "count"))
                json_builder_add_int_value (builder, e->count);
              else
                json_builder_add_string_value (builder, row[f]);
            }
          json_builder_end_object (builder);
        }
      else if (csv)
        pb_csv_append_row (out, row, G_N_ELEMENTS (row));
      else
        {
          g_string_append_printf (out, "#%s  %s  %s%s%s\n  %s: %s\n", id, e->last_at, pb_error_state_to_string (e->state),
                                  e->count > 1 ? "  ×" : "", e->count > 1 ? count : "", e->what, e->message);
          if (e->who != NULL)
            g_string_append_printf (out, "  %s\n", e->who);
          if (e->advice != NULL)
            g_string_append_printf (out, "  → %s\n", e->advice);
        }
    }

  json_builder_end_array (builder);
  json_builder_end_object (builder);
  if (json)
    pb_cli_print_builder (builder);
  else
    fwrite (out->str, 1, out->len, stdout);

  return EXIT_OK;
}
