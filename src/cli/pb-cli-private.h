/* pb-cli-private.h: what the command files of paybridge-cli share
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pb-connection.h"
#include "pb-provider.h"
#include "pb-store.h"

G_BEGIN_DECLS

/* Exit statuses, as docs/cli.md promises scripts. */
enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,   /* the work ran and something failed or was refused */
  EXIT_USAGE = 2,
};

typedef struct
{
  const char *data_dir;   /* (nullable) --data-dir */
} CliContext;

typedef int (*CliCommandFunc) (CliContext *ctx,
                               int         argc,
                               char      **argv);

typedef struct
{
  const char     *name;
  const char     *args;
  const char     *summary;
  CliCommandFunc  func;
} CliCommand;

int       pb_cli_usage_error   (const char     *format,
                                ...) G_GNUC_PRINTF (1, 2);
gboolean  pb_cli_parse_options (const char     *command,
                                GOptionEntry   *entries,
                                int            *argc,
                                char         ***argv);
PbStore  *pb_cli_open_store    (CliContext     *ctx);
PbConnection *pb_cli_find_connection (PbStore    *store,
                                      const char *name);
PbProvider   *pb_cli_open_provider   (PbConnection *connection,
                                      GError      **error);
int           pb_cli_open_connection (CliContext    *ctx,
                                      const char    *command,
                                      GOptionEntry  *entries,
                                      int           *argc,
                                      char        ***argv,
                                      PbStore      **store,
                                      PbConnection **connection);
void      pb_cli_print_json    (JsonNode       *root);
void      pb_cli_print_builder (JsonBuilder    *builder);
int       pb_cli_fail          (const char     *format,
                                ...) G_GNUC_PRINTF (1, 2);

/* Runs the main loop until *@done is set by an async callback: the CLI
 * drives the same asynchronous engine as the app. */
void      pb_cli_wait          (gboolean       *done);

int       pb_cli_connection    (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_users         (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_push          (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_errors        (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_mapping       (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_outbox        (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_absence       (CliContext     *ctx,
                                int             argc,
                                char          **argv);
int       pb_cli_person        (CliContext     *ctx,
                                int             argc,
                                char          **argv);

G_END_DECLS
