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

#include "pb-cli-private.h"
#include "pb-connections.h"
#include "pb-csv.h"
#include "pb-sync-engine.h"

typedef struct
{
  gboolean  done;
  gpointer  result;
  gboolean  ok;
  GError   *error;
  guint     sent, failed, pending;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = pb_sync_engine_push_finish (result, &wait->sent, &wait->failed, &wait->pending, &wait->error);
  wait->done = TRUE;
}

int
pb_cli_push (CliContext  *ctx,
             int          argc,
             char       **argv)
{
  gboolean wait_for_empty = FALSE;
  GOptionEntry entries[] = {
    { "wait", 0, 0, G_OPTION_ARG_NONE, &wait_for_empty,
      N_("Go on until the outbox is empty or only failures remain"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  guint sent = 0, failed = 0, pending = 0;
  Wait wait = { 0 };

  status = pb_cli_open_connection (ctx, "push", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;
  if (connection->state != PB_CONNECTION_ACTIVE)
    return pb_cli_fail (_("“%s” is not active yet: nothing is sent before the first user sync (SPEC C3)"),
                        connection->name);

  provider = pb_cli_open_provider (connection, &error);
  if (provider == NULL)
    return pb_cli_fail ("%s", error->message);

  /* --wait: entries that failed for a passing reason are tried again
   * (PbHttp already backed off within each attempt). */
  for (guint round = 0; round < 5; round++)
    {
      wait = (Wait) { 0 };
      pb_sync_engine_push_async (store, connection, provider, NULL, on_done_cb, &wait);
      pb_cli_wait (&wait.done);
      if (!wait.ok)
        {
          g_autoptr(GError) failure = wait.error;
          return pb_cli_fail ("%s", failure->message);
        }
      sent += wait.sent;
      failed += wait.failed;
      pending = wait.pending;
      if (!wait_for_empty || pending == 0)
        break;
    }

  printf (_("Sent %u, failed %u, still waiting %u.\n"), sent, failed, pending);
  if (failed > 0)
    printf (_("See the error log: paybridge-cli errors “%s”\n"), connection->name);

  return failed > 0 || pending > 0 ? EXIT_FAILED : EXIT_OK;
}

/* The error log's columns in --json and --csv, in this order. */
static const char * const error_columns[] = {
  "at", "who", "what", "message", "system_message", "request_id", "advice",
};

int
pb_cli_errors (CliContext  *ctx,
               int          argc,
               char       **argv)
{
  gboolean json = FALSE;
  gboolean csv = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print CSV"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;

  status = pb_cli_open_connection (ctx, "errors", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;
  errors = pb_store_list_errors (store, connection->id, &error);
  if (errors == NULL)
    return pb_cli_fail ("%s", error->message);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "errors");
      json_builder_begin_array (builder);
      for (guint i = 0; i < errors->len; i++)
        {
          PbErrorEntry *e = g_ptr_array_index (errors, i);
          const char *values[] = { e->at, e->who, e->what, e->message, e->system_message, e->request_id,
                                   e->advice };

          json_builder_begin_object (builder);
          G_STATIC_ASSERT (G_N_ELEMENTS (values) == G_N_ELEMENTS (error_columns));
          for (guint f = 0; f < G_N_ELEMENTS (values); f++)
            {
              json_builder_set_member_name (builder, error_columns[f]);
              json_builder_add_string_value (builder, values[f]);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      pb_cli_print_builder (builder);
      return EXIT_OK;
    }

  if (csv)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      pb_csv_append_row (out, error_columns, G_N_ELEMENTS (error_columns));
      for (guint i = 0; i < errors->len; i++)
        {
          PbErrorEntry *e = g_ptr_array_index (errors, i);
          const char *row[] = { e->at, e->who, e->what, e->message, e->system_message, e->request_id, e->advice };

          pb_csv_append_row (out, row, G_N_ELEMENTS (row));
        }
      fwrite (out->str, 1, out->len, stdout);
      return EXIT_OK;
    }

  for (guint i = 0; i < errors->len; i++)
    {
      PbErrorEntry *e = g_ptr_array_index (errors, i);

      printf ("%s  %s\n  %s: %s\n%s%s%s", e->at, e->who ? e->who : "", e->what, e->message,
                e->advice ? "  → " : "", e->advice ? e->advice : "", e->advice ? "\n" : "");
    }

  return EXIT_OK;
}
