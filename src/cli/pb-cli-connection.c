/* pb-cli-connection.c: paybridge-cli connection add|list|show|set|remove|test
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
#include "pb-connection.h"
#include "pb-connections.h"
#include "pb-outbox.h"

typedef struct
{
  gboolean  done;
  gpointer  result;
  gboolean  ok;
  GError   *error;
} Wait;

static char *
known_systems (void)
{
  g_autoptr(GPtrArray) classes = pb_connections_list_classes ();
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < classes->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", ((PbProviderClass *) classes->pdata[i])->id);

  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == pb_connections_verify_async)
    wait->result = pb_connections_verify_finish (result, &wait->error);
  else if (g_task_get_source_tag (G_TASK (result)) == pb_connections_add_async)
    wait->ok = pb_connections_add_finish (result, &wait->error);
  else if (g_task_get_source_tag (G_TASK (result)) == pb_connections_authorize_async)
    wait->ok = pb_connections_authorize_finish (result, &wait->error);
  else
    wait->ok = pb_connections_remove_finish (result, &wait->error);
  wait->done = TRUE;
}

/* Secrets come on standard input as key=value lines, never as arguments
 * (arguments are visible to every user in ps). */
static GHashTable *
read_secrets (GError **error)
{
  g_autoptr(GHashTable) secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  char line[8192];
  guint n = 0;

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      char *eq;

      n++;
      g_strchomp (line);
      if (line[0] == '\0' || line[0] == '#')
        continue;
      eq = strchr (line, '=');
      if (eq == NULL || eq == line)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                       _("standard input, line %u: expected key=value"), n);
          return NULL;
        }
      *eq = '\0';
      g_hash_table_insert (secrets, g_strdup (g_strstrip (line)), g_strdup (g_strstrip (eq + 1)));
      explicit_bzero (line, sizeof line);
    }

  return g_steal_pointer (&secrets);
}

static void
add_member (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* SPEC C4: of what a connection is set to sync, what is sent and what is
 * held (chosen, but not sent by this Paybridge: a type PB_ENGINE_SENDS lacks;
 * or a type of an unknown system). */
static PbDataTypes
sent_types (PbConnection *connection)
{
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);

  return klass != NULL ? connection->sync_types & pb_connections_offered_types (klass) : 0;
}

/* SPEC C6, C7: what still waits to go to payroll, and the open errors. */
static void
outbox_to_json (JsonBuilder  *builder,
                PbStore      *store,
                PbConnection *connection)
{
  json_builder_set_member_name (builder, "outbox");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pending");
  json_builder_add_int_value (builder, pb_store_count_outbox (store, connection->id, PB_OUTBOX_PENDING));
  json_builder_set_member_name (builder, "attention");
  json_builder_add_int_value (builder, pb_store_count_outbox (store, connection->id, PB_OUTBOX_ATTENTION));
  json_builder_set_member_name (builder, "held");
  json_builder_add_int_value (builder, pb_store_count_outbox (store, connection->id, PB_OUTBOX_HELD));
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "open_errors");
  json_builder_add_int_value (builder, pb_store_count_open_errors (store, connection->id));
}

/* @store: (nullable): with it, the outbox counts and open errors too */
static void
connection_to_json (JsonBuilder  *builder,
                    PbConnection *connection,
                    PbStore      *store)
{
  g_autofree char *scope = pb_connection_dup_scope (connection);
  g_autofree char *sync = pb_data_types_to_string (connection->sync_types);
  PbDataTypes sent = sent_types (connection);
  g_autofree char *sends = pb_data_types_to_string (sent);
  g_autofree char *held = pb_data_types_to_string (connection->sync_types & ~sent);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, connection->id);
  add_member (builder, "name", connection->name);
  add_member (builder, "system", connection->system);
  add_member (builder, "scope", scope);
  add_member (builder, "sync", sync);
  add_member (builder, "sends", sends);
  add_member (builder, "held", held);
  add_member (builder, "state", pb_connection_state_to_string (connection->state));
  add_member (builder, "base_url", connection->base_url);
  add_member (builder, "auth_url", connection->auth_url);
  add_member (builder, "token_url", connection->token_url);
  add_member (builder, "tenant_id", connection->tenant_id);
  add_member (builder, "client_id", connection->client_id);
  add_member (builder, "payroll_company", connection->remote_company);
  add_member (builder, "payroll_currency", connection->remote_currency);
  add_member (builder, "created_at", connection->created_at);
  add_member (builder, "activated_at", connection->activated_at);
  if (store != NULL)
    outbox_to_json (builder, store, connection);
  json_builder_end_object (builder);
}

static PbDataTypes
parse_sync (const char       *text,
            PbProviderClass  *klass,
            GError          **error)
{
  g_autofree char *bad = NULL;
  PbDataTypes types;

  if (!pb_data_types_parse (text, &types, &bad))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--sync: “%s” is not one of users, positions, absence, salary"), bad);
      return (PbDataTypes) -1;
    }

  /* SPEC C4: only what the connector supports and Paybridge sends. */
  if (!pb_connections_check_offered (klass, types, error))
    return (PbDataTypes) -1;

  return types;
}

/* Who is sent, said after adding: the default scope is named, and
 * everyone of several companies is warned about (SPEC C1). */
static void
print_scope (PbStore      *store,
             PbConnection *connection,
             gboolean      by_default)
{
  g_autofree char *scope = pb_connection_dup_scope (connection);
  gint64 n_companies = pb_store_count (store, PB_ENTITY_COMPANY, NULL);

  if (by_default && connection->scope_kind == PB_SCOPE_COMPANY)
    printf (_("Scope: %s, the register’s company that matches the payroll company.\n"), scope);
  else
    printf (_("Scope: %s\n"), scope);

  if (connection->scope_kind == PB_SCOPE_ALL && n_companies > 1)
    printf (_("%" G_GINT64_FORMAT " companies in the register: everyone in all of them is sent to %s.\n"),
            n_companies, connection->remote_company != NULL ? connection->remote_company : connection->name);
}

static int
cmd_add (CliContext  *ctx,
         int          argc,
         char       **argv)
{
  g_autofree char *system = NULL;
  g_autofree char *name = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *sync = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *auth_url = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *tenant_id = NULL;
  g_autofree char *client_id = NULL;
  gboolean no_verify = FALSE;
  GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_STRING, &system, N_("The payroll system (tripletex, …)"), "SYSTEM" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("A name for the connection"), "NAME" },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope, N_("all, team:KEY, location:KEY or company:KEY"), "SCOPE" },
    { "sync", 0, 0, G_OPTION_ARG_STRING, &sync, N_("What to sync: users,positions,absence,salary"), "TYPES" },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &base_url, N_("The API address (default: the real one)"), "URL" },
    { "auth-url", 0, 0, G_OPTION_ARG_STRING, &auth_url, N_("OAuth2 authorization endpoint"), "URL" },
    { "token-url", 0, 0, G_OPTION_ARG_STRING, &token_url, N_("OAuth2 token endpoint"), "URL" },
    { "tenant-id", 0, 0, G_OPTION_ARG_STRING, &tenant_id, N_("Visma.net Payroll tenant ID, or Unimicro company key"), "ID" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id, N_("OAuth2 client id"), "ID" },
    { "no-verify", 0, 0, G_OPTION_ARG_NONE, &no_verify, N_("Save without checking the credentials"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbProviderClass) klass = NULL;
  g_autoptr(GHashTable) secrets = NULL;
  g_autoptr(GError) error = NULL;
  PbConnectionsAddFlags flags;
  Wait wait = { 0 };

  if (!pb_cli_parse_options ("connection add", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 1 || system == NULL || name == NULL)
    return pb_cli_usage_error (_("connection add needs --system and --name"));

  klass = pb_connections_ref_class (system);
  if (klass == NULL)
    {
      g_autofree char *known = known_systems ();
      return pb_cli_usage_error (_("there is no payroll system “%s” (known: %s)"), system, known);
    }

  connection = pb_connection_new ();
  connection->name = g_strdup (name);
  connection->system = g_strdup (system);
  connection->base_url = g_strdup (base_url);
  connection->auth_url = g_strdup (auth_url);
  connection->token_url = g_strdup (token_url);
  connection->tenant_id = g_strdup (tenant_id);
  connection->client_id = g_strdup (client_id);
  if (scope != NULL && !pb_connection_parse_scope (connection, scope, &error))
    return pb_cli_usage_error ("%s", error->message);
  if (sync != NULL && (connection->sync_types = parse_sync (sync, klass, &error)) == (PbDataTypes) -1)
    return pb_cli_usage_error ("%s", error->message);

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;

  secrets = read_secrets (&error);
  if (secrets == NULL)
    return pb_cli_fail ("%s", error->message);

  /* SPEC C1: without --scope, the register's company that matches the
   * payroll company; never everyone of several companies by default. */
  flags = no_verify ? PB_CONNECTIONS_ADD_NONE : PB_CONNECTIONS_ADD_VERIFY;
  if (scope == NULL)
    flags |= PB_CONNECTIONS_ADD_DEFAULT_SCOPE;
  pb_connections_add_async (store, connection, secrets, flags, NULL, on_done_cb, &wait);
  pb_cli_wait (&wait.done);
  if (!wait.ok)
    {
      g_autoptr(GError) failure = g_steal_pointer (&wait.error);

      if (failure->domain == PB_PROVIDER_ERROR && failure->code == PB_PROVIDER_ERROR_NOT_AUTHORIZED)
        return pb_cli_fail (_("%s refused the credentials; nothing was saved. %s"), klass->display_name,
                            failure->message);
      if (g_error_matches (failure, PB_CONNECTIONS_ERROR, PB_CONNECTIONS_ERROR_SCOPE_UNCLEAR))
        return pb_cli_fail (_("%s\nNothing was saved. Pass --scope company:KEY for the company whose "
                              "people belong in this payroll, or --scope all to send everyone in all "
                              "of them."), failure->message);
      return pb_cli_fail (_("%s Nothing was saved."), failure->message);
    }

  if (connection->remote_company != NULL)
    printf (_("Added “%s”: %s, %s (%s). It is established, not active: run a user sync next.\n"),
            name, klass->display_name, connection->remote_company,
            connection->remote_currency ? connection->remote_currency : "?");
  else
    printf (_("Added “%s”: %s. It is established, not active: run a user sync next.\n"),
            name, klass->display_name);
  print_scope (store, connection, scope == NULL);

  return EXIT_OK;
}

/* "users,positions", or "users (absence held: not sent yet)". */
static char *
describe_sync (PbConnection *connection)
{
  PbDataTypes sent = sent_types (connection);
  g_autofree char *sends = pb_data_types_to_string (sent);
  g_autofree char *held = NULL;

  if ((connection->sync_types & ~sent) == 0)
    return g_steal_pointer (&sends);

  held = pb_data_types_to_string (connection->sync_types & ~sent);
  /* Translators: what a connection sends, and what it is set to sync but
   * is not sent: "users,positions (absence held: not sent yet)" */
  return g_strdup_printf (_("%s (%s held: not sent yet)"), sends, held);
}

/* "2 waiting, 1 needs attention, 3 held (data type off)", or "empty" */
static char *
describe_outbox (PbStore      *store,
                 PbConnection *connection)
{
  gint64 pending = pb_store_count_outbox (store, connection->id, PB_OUTBOX_PENDING);
  gint64 attention = pb_store_count_outbox (store, connection->id, PB_OUTBOX_ATTENTION);
  gint64 held = pb_store_count_outbox (store, connection->id, PB_OUTBOX_HELD);
  g_autofree char *waiting_text = NULL;
  g_autofree char *attention_text = NULL;
  g_autofree char *held_text = NULL;

  if (pending + attention + held == 0)
    return g_strdup (_("empty"));

  waiting_text = g_strdup_printf (_("%" G_GINT64_FORMAT " waiting"), pending);
  attention_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " needs attention",
                                                 "%" G_GINT64_FORMAT " need attention", attention), attention);
  held_text = g_strdup_printf (_("%" G_GINT64_FORMAT " held (data type off)"), held);
  return g_strdup_printf ("%s, %s, %s", waiting_text, attention_text, held_text);
}

static int
cmd_list (CliContext  *ctx,
          int          argc,
          char       **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;

  if (!pb_cli_parse_options ("connection list", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 1)
    return pb_cli_usage_error (_("connection list takes no arguments"));

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;
  connections = pb_store_list_connections (store, &error);
  if (connections == NULL)
    return pb_cli_fail ("%s", error->message);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "connections");
      json_builder_begin_array (builder);
      for (guint i = 0; i < connections->len; i++)
        connection_to_json (builder, g_ptr_array_index (connections, i), NULL);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      pb_cli_print_builder (builder);
      return EXIT_OK;
    }

  for (guint i = 0; i < connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (connections, i);
      g_autofree char *sync = describe_sync (connection);

      printf ("%-24s %-12s %-14s %s\n", connection->name, connection->system,
              pb_connection_state_to_string (connection->state), sync);
    }

  return EXIT_OK;
}

static int
cmd_show (CliContext  *ctx,
          int          argc,
          char       **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *scope = NULL;
  g_autofree char *sync = NULL;
  g_autofree char *outbox = NULL;

  status = pb_cli_open_connection (ctx, "connection show", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  if (json)
    {
      connection_to_json (builder, connection, store);
      pb_cli_print_builder (builder);
      return EXIT_OK;
    }

  scope = pb_connection_dup_scope (connection);
  sync = describe_sync (connection);
  outbox = describe_outbox (store, connection);
  printf ("%s: %s\n", _("Name"), connection->name);
  printf ("%s: %s\n", _("System"), connection->system);
  printf ("%s: %s\n", _("State"), pb_connection_state_to_string (connection->state));
  printf ("%s: %s\n", _("Scope"), scope);
  printf ("%s: %s\n", _("Sync"), sync);
  if (connection->base_url != NULL)
    printf ("%s: %s\n", _("API address"), connection->base_url);
  if (connection->remote_company != NULL)
    printf ("%s: %s (%s)\n", _("Payroll company"), connection->remote_company,
            connection->remote_currency ? connection->remote_currency : "?");
  /* Translators: "Outbox: 2 waiting, 1 needs attention, 3 held (data type off)" */
  printf ("%s: %s\n", _("Outbox"), outbox);
  printf ("%s: %" G_GINT64_FORMAT "\n", _("Open errors"), pb_store_count_open_errors (store, connection->id));

  return EXIT_OK;
}

static int
cmd_set (CliContext  *ctx,
         int          argc,
         char       **argv)
{
  g_autofree char *scope = NULL;
  g_autofree char *sync = NULL;
  g_autofree char *base_url = NULL;
  GOptionEntry entries[] = {
    { "sync", 0, 0, G_OPTION_ARG_STRING, &sync, N_("What to sync: users,positions,absence,salary"), "TYPES" },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope, N_("all, team:KEY, location:KEY or company:KEY"), "SCOPE" },
    { "base-url", 0, 0, G_OPTION_ARG_STRING, &base_url, N_("The API address"), "URL" },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(PbProviderClass) klass = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *now_syncing = NULL;
  PbDataTypes before;

  status = pb_cli_open_connection (ctx, "connection set", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;
  klass = pb_connections_ref_class (connection->system);
  if (klass == NULL)
    return pb_cli_fail (_("This Paybridge does not know the payroll system “%s”"), connection->system);

  before = connection->sync_types;
  if (sync != NULL && (connection->sync_types = parse_sync (sync, klass, &error)) == (PbDataTypes) -1)
    return pb_cli_fail ("%s", error->message);
  if (scope != NULL && !pb_connection_parse_scope (connection, scope, &error))
    return pb_cli_fail ("%s", error->message);
  if (base_url != NULL)
    {
      g_free (connection->base_url);
      connection->base_url = g_strdup (base_url);
    }

  if (!pb_connections_save_settings (store, connection, &error))
    return pb_cli_fail ("%s", error->message);

  now_syncing = describe_sync (connection);
  printf (_("“%s” now syncs: %s\n"), connection->name, now_syncing);
  if (scope != NULL)
    print_scope (store, connection, FALSE);
  /* SPEC C6: turning a type off stops its sends; payroll keeps what it got
   * (a held type was never sent). */
  if (before & ~connection->sync_types & pb_connections_offered_types (klass))
    printf (_("What was already sent stays in %s.\n"), klass->display_name);

  return EXIT_OK;
}

static int
cmd_remove (CliContext  *ctx,
            int          argc,
            char       **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  Wait wait = { 0 };

  status = pb_cli_open_connection (ctx, "connection remove", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  pb_connections_remove_async (store, connection, NULL, on_done_cb, &wait);
  pb_cli_wait (&wait.done);
  if (!wait.ok)
    {
      g_autoptr(GError) failure = g_steal_pointer (&wait.error);
      return pb_cli_fail ("%s", failure->message);
    }

  printf (_("Removed “%s” and its keyring items. Nothing was deleted in the payroll system.\n"),
          connection->name);
  return EXIT_OK;
}

static int
cmd_test (CliContext  *ctx,
          int          argc,
          char       **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(PbRemoteCompany) company = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };

  status = pb_cli_open_connection (ctx, "connection test", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  pb_connections_verify_async (connection, NULL, NULL, on_done_cb, &wait);
  pb_cli_wait (&wait.done);
  company = wait.result;
  error = wait.error;
  if (company == NULL)
    return pb_cli_fail (_("“%s” does not work: %s"), connection->name, error->message);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "connection", connection->name);
      add_member (builder, "company", company->name);
      add_member (builder, "currency", company->currency);
      json_builder_end_object (builder);
      pb_cli_print_builder (builder);
    }
  else
    printf ("%s (%s)\n", company->name, company->currency ? company->currency : "?");

  return EXIT_OK;
}

/* The address goes on its own line, flushed at once, so a script (or a
 * test playing the browser) can follow it. */
static void
print_uri (const char *uri,
           gpointer    user_data)
{
  fprintf (stderr, "%s\n", _("Open this address in a browser to sign in:"));
  printf ("%s\n", uri);
  fflush (stdout);
}

static int
cmd_authorize (CliContext  *ctx,
               int          argc,
               char       **argv)
{
  gboolean no_browser = FALSE;
  GOptionEntry entries[] = {
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser, N_("Only print the address; do not open a browser"),
      NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  Wait wait = { 0 };

  status = pb_cli_open_connection (ctx, "connection authorize", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  pb_connections_authorize_async (store, connection, !no_browser, print_uri, NULL, NULL, on_done_cb, &wait);
  pb_cli_wait (&wait.done);
  if (!wait.ok)
    {
      g_autoptr(GError) failure = g_steal_pointer (&wait.error);
      return pb_cli_fail (_("Not signed in: %s"), failure->message);
    }

  printf (_("Signed in to “%s”. The tokens are in the keyring.\n"), connection->name);
  return EXIT_OK;
}

static const CliCommand subcommands[] = {
  { "add", "--system SYSTEM --name NAME [...]", N_("Add a connection; secrets as key=value lines on stdin"), cmd_add },
  { "list", "[--json]", N_("List the connections"), cmd_list },
  { "show", "NAME [--json]", N_("Show one connection"), cmd_show },
  { "set", "NAME [--sync TYPES] [--scope SCOPE] [--base-url URL]", N_("Change what a connection syncs"), cmd_set },
  { "remove", "NAME", N_("Remove a connection and its keyring items"), cmd_remove },
  { "test", "NAME [--json]", N_("Check the credentials; print the payroll company"), cmd_test },
  { "authorize", "NAME [--no-browser]", N_("Sign in with OAuth2 in the browser"), cmd_authorize },
};

int
pb_cli_connection (CliContext  *ctx,
                   int          argc,
                   char       **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help"))
    {
      FILE *out = argc < 2 ? stderr : stdout;

      fprintf (out, "%s\n", _("Usage: paybridge-cli connection COMMAND [ARGS]"));
      for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
        fprintf (out, "  %-9s %-36s %s\n", subcommands[i].name, subcommands[i].args, _(subcommands[i].summary));
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (argv[1], subcommands[i].name))
      return subcommands[i].func (ctx, argc - 1, argv + 1);

  return pb_cli_usage_error (_("unknown connection command “%s”"), argv[1]);
}
