/* pb-cli.c: paybridge-cli, the same engine as the app without a display
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbCli"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "pb-cli-private.h"
#include "pb-connections.h"
#include "pb-import.h"

static int cmd_import (CliContext *ctx, int argc, char **argv);
static int cmd_people (CliContext *ctx, int argc, char **argv);

static const CliCommand commands[] = {
  { "import", "FILE [--replace]", N_("Load HR data (.json paybridge-hr/1 or .csv of employees) in one transaction"),
    cmd_import },
  { "people", "[--json]", N_("List the HR register’s employees"), cmd_people },
  { "person", "show|set EMAIL", N_("One person and what payroll knows of them; change their fields"),
    pb_cli_person },
  { "connection", "add|list|show|set|remove|test", N_("Manage connections to payroll systems"),
    pb_cli_connection },
  { "users", "plan|sync NAME", N_("Match people between HR and payroll, and sync them"), pb_cli_users },
  { "push", "NAME [--wait]", N_("Send the connection’s waiting HR changes now"), pb_cli_push },
  { "errors", "NAME [--json|--csv]", N_("The connection’s error log"), pb_cli_errors },
  { "mapping", "list|set|exclude|unset|refresh", N_("Map HR absence types to payroll’s (SPEC A2)"),
    pb_cli_mapping },
  { "outbox", "NAME [--json]", N_("What waits to go to payroll; --retry, --discard"), pb_cli_outbox },
  { "absence", "resend EMAIL TYPE START_DATE", N_("Send a rejected absence again (SPEC A7)"), pb_cli_absence },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n", _("Usage: paybridge-cli [--data-dir DIR] COMMAND [ARGS]"));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %-30s %s\n", commands[i].name, commands[i].args, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("The data folder is --data-dir, else $PAYBRIDGE_DATA_DIR, else $XDG_DATA_HOME/paybridge."));
}

int
pb_cli_usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "paybridge-cli: %s\n", message);
  fprintf (stderr, "%s\n", _("Try “paybridge-cli --help”."));
  return EXIT_USAGE;
}

/* Parses a command's own options with GOptionContext; returns FALSE on a
 * usage error (already printed). */
gboolean
pb_cli_parse_options (const char    *command,
               GOptionEntry  *entries,
               int           *argc,
               char        ***argv)
{
  g_autofree char *name = g_strdup_printf ("paybridge-cli %s", command);
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;

  g_option_context_set_help_enabled (context, TRUE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_set_prgname (name);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      pb_cli_usage_error ("%s", error->message);
      return FALSE;
    }

  return TRUE;
}

/* Prints why when there is no such connection. */
PbConnection *
pb_cli_find_connection (PbStore    *store,
                        const char *name)
{
  g_autoptr(GError) error = NULL;
  PbConnection *connection = pb_store_find_connection (store, name, &error);

  if (connection == NULL)
    {
      if (error != NULL)
        pb_cli_fail ("%s", error->message);
      else
        pb_cli_fail (_("There is no connection called “%s”"), name);
    }

  return connection;
}

/**
 * pb_cli_open_connection:
 * @command: "users plan", for messages
 * @store: (out): the register
 * @connection: (out): the connection named by the one argument
 *
 * How every command on one connection starts: its options, exactly one
 * NAME, the register, the connection. Says what is wrong if anything is.
 *
 * Returns: EXIT_OK to go on, else the exit status to return
 */
int
pb_cli_open_connection (CliContext     *ctx,
                        const char     *command,
                        GOptionEntry   *entries,
                        int            *argc,
                        char         ***argv,
                        PbStore       **store,
                        PbConnection  **connection)
{
  if (!pb_cli_parse_options (command, entries, argc, argv))
    return EXIT_USAGE;
  if (*argc != 2)
    return pb_cli_usage_error (_("%s takes one connection NAME"), command);

  *store = pb_cli_open_store (ctx);
  if (*store == NULL || (*connection = pb_cli_find_connection (*store, (*argv)[1])) == NULL)
    return EXIT_FAILED;

  return EXIT_OK;
}

typedef struct
{
  PbProvider *provider;
  GError     *error;
  gboolean    done;
} Opened;

static void
on_opened_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Opened *opened = user_data;

  opened->provider = pb_connections_open_finish (result, &opened->error);
  opened->done = TRUE;
}

/* The connection's connector with its credentials (keyring or OAuth2). */
PbProvider *
pb_cli_open_provider (PbConnection  *connection,
                      GError       **error)
{
  Opened opened = { NULL, NULL, FALSE };

  pb_connections_open_async (connection, NULL, on_opened_cb, &opened);
  pb_cli_wait (&opened.done);
  if (opened.error != NULL)
    g_propagate_error (error, opened.error);
  return opened.provider;
}

void
pb_cli_print_builder (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  pb_cli_print_json (root);
}

int
pb_cli_fail (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "paybridge-cli: %s\n", message);
  return EXIT_FAILED;
}

void
pb_cli_wait (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}

PbStore *
pb_cli_open_store (CliContext *ctx)
{
  g_autoptr(GError) error = NULL;
  PbStore *store = pb_store_open (ctx->data_dir, &error);

  if (store == NULL)
    fprintf (stderr, "paybridge-cli: %s\n", error->message);

  return store;
}

void
pb_cli_print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

static int
cmd_import (CliContext  *ctx,
            int          argc,
            char       **argv)
{
  gboolean replace = FALSE;
  GOptionEntry entries[] = {
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("The file is the whole register: people not in it are marked deleted"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (!pb_cli_parse_options ("import", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return pb_cli_usage_error (_("import takes one FILE"));

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;

  if (!pb_import_file (store, argv[1], replace ? PB_IMPORT_FLAGS_REPLACE : PB_IMPORT_FLAGS_NONE,
                       &result, &error))
    {
      if (result != NULL)
        {
          GPtrArray *issues = pb_import_result_get_issues (result);

          for (guint i = 0; i < issues->len; i++)
            {
              g_autofree char *line = pb_import_issue_format (g_ptr_array_index (issues, i));
              fprintf (stderr, "%s\n", line);
            }
        }
      fprintf (stderr, "paybridge-cli: %s\n", error->message);
      return EXIT_FAILED;
    }

  summary = pb_import_result_summary (result);
  printf (_("Imported %s: %s\n"), argv[1], summary);
  return EXIT_OK;
}

static const char *
value_or_empty (const char *value)
{
  return value != NULL ? value : "";
}

static int
cmd_people (CliContext  *ctx,
            int          argc,
            char       **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { NULL }
  };
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GPtrArray) people = NULL;
  g_autoptr(GError) error = NULL;

  if (!pb_cli_parse_options ("people", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 1)
    return pb_cli_usage_error (_("people takes no arguments"));

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;

  people = pb_store_list (store, PB_ENTITY_EMPLOYEE, 0, &error);
  if (people == NULL)
    {
      fprintf (stderr, "paybridge-cli: %s\n", error->message);
      return EXIT_FAILED;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "employees");
      json_builder_begin_array (builder);
      for (guint i = 0; i < people->len; i++)
        {
          PbRecord *person = g_ptr_array_index (people, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_int_value (builder, pb_record_get_id (person));
          for (guint f = 0; f < def->n_fields; f++)
            {
              json_builder_set_member_name (builder, def->fields[f].name);
              if (pb_record_get (person, f) != NULL)
                json_builder_add_string_value (builder, pb_record_get (person, f));
              else
                json_builder_add_null_value (builder);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, people->len);
      json_builder_end_object (builder);
      pb_cli_print_builder (builder);
      return EXIT_OK;
    }

  for (guint i = 0; i < people->len; i++)
    {
      PbRecord *person = g_ptr_array_index (people, i);
      g_autofree char *name = pb_record_dup_display_name (person);

      printf ("%-30s %-40s %-14s %s\n", name, value_or_empty (pb_record_get (person, PB_EMPLOYEE_EMAIL)),
              value_or_empty (pb_record_get (person, PB_EMPLOYEE_TEAM)),
              value_or_empty (pb_record_get (person, PB_EMPLOYEE_STATUS)));
    }

  return EXIT_OK;
}

int
main (int   argc,
      char *argv[])
{
  CliContext ctx = { NULL };
  int first = 1;

  setlocale (LC_ALL, "");
  /* Standard output is for results (scripts parse --json): logs go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Global options come before the command, so that each command's own
   * options can be parsed by the command alone. */
  while (first < argc && argv[first][0] == '-')
    {
      const char *arg = argv[first];

      if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        {
          print_usage (stdout);
          return EXIT_OK;
        }
      else if (g_str_equal (arg, "--version"))
        {
          printf ("paybridge-cli %s\n", PACKAGE_VERSION);
          return EXIT_OK;
        }
      else if (g_str_equal (arg, "--data-dir") && first + 1 < argc)
        {
          ctx.data_dir = argv[first + 1];
          first += 2;
        }
      else if (g_str_has_prefix (arg, "--data-dir="))
        {
          ctx.data_dir = arg + strlen ("--data-dir=");
          first++;
        }
      else
        return pb_cli_usage_error (_("unknown option “%s”"), arg);
    }

  if (first >= argc)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[first], commands[i].name))
      return commands[i].func (&ctx, argc - first, argv + first);

  return pb_cli_usage_error (_("unknown command “%s”"), argv[first]);
}
