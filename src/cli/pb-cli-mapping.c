/* pb-cli-mapping.c: paybridge-cli mapping list|set|exclude|unset|refresh
 * (SPEC A2, A5)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbCli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "pb-cli-private.h"
#include "pb-mapping.h"
#include "pb-mappings.h"

/* --- helpers -------------------------------------------------------------------- */

/* Like pb_cli_open_connection(), for commands with arguments after NAME:
 * their options, exactly @n_args arguments (NAME first), the register and
 * the connection. */
static int
open_with_args (CliContext     *ctx,
                const char     *command,
                const char     *args_text,
                GOptionEntry   *entries,
                int             n_args,
                int            *argc,
                char         ***argv,
                PbStore       **store,
                PbConnection  **connection)
{
  if (!pb_cli_parse_options (command, entries, argc, argv))
    return EXIT_USAGE;
  if (*argc != n_args + 1)
    return pb_cli_usage_error (_("%s takes %s"), command, args_text);

  *store = pb_cli_open_store (ctx);
  if (*store == NULL || (*connection = pb_cli_find_connection (*store, (*argv)[1])) == NULL)
    return EXIT_FAILED;

  return EXIT_OK;
}

static gboolean
same_text (const char *a,
           const char *b)
{
  g_autofree char *fa = NULL;
  g_autofree char *fb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  fa = g_utf8_casefold (a, -1);
  fb = g_utf8_casefold (b, -1);
  return g_str_equal (fa, fb);
}

/* @text padded with spaces to @width characters (not bytes: names are
 * Norwegian). */
static char *
pad (const char *text,
     guint       width)
{
  glong len = g_utf8_strlen (text, -1);
  GString *padded = g_string_new (text);

  while (len++ < (glong) width)
    g_string_append_c (padded, ' ');
  return g_string_free (padded, FALSE);
}

/* "read 3 days ago": when payroll's types were read, relative to now. */
static char *
format_read_at (const char *read_at)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_iso8601 (read_at, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan span;
  gint64 n;

  if (then == NULL)
    return g_strdup_printf (_("read %s"), read_at);

  span = g_date_time_difference (now, then);
  if (span < G_TIME_SPAN_MINUTE)
    return g_strdup (_("read just now"));
  if (span < G_TIME_SPAN_HOUR)
    {
      n = span / G_TIME_SPAN_MINUTE;
      return g_strdup_printf (ngettext ("read %" G_GINT64_FORMAT " minute ago",
                                        "read %" G_GINT64_FORMAT " minutes ago", n), n);
    }
  if (span < G_TIME_SPAN_DAY)
    {
      n = span / G_TIME_SPAN_HOUR;
      return g_strdup_printf (ngettext ("read %" G_GINT64_FORMAT " hour ago",
                                        "read %" G_GINT64_FORMAT " hours ago", n), n);
    }
  n = span / G_TIME_SPAN_DAY;
  return g_strdup_printf (ngettext ("read %" G_GINT64_FORMAT " day ago",
                                    "read %" G_GINT64_FORMAT " days ago", n), n);
}

/* What an HR type goes to, for people: "Sykdom med lønn (5002)", "Do not
 * sync", "NOT MAPPED (never sent)". */
static char *
describe_mapping (PbAbsenceMapping *mapping)
{
  switch (mapping->state)
    {
    case PB_MAPPING_MAPPED:
      if (mapping->remote_name == NULL)
        return g_strdup_printf (_("%s (no longer in payroll’s list)"), mapping->remote_type);
      return g_strdup_printf ("%s (%s)", mapping->remote_name, mapping->remote_type);
    case PB_MAPPING_EXCLUDED:
      return g_strdup (_("Do not sync"));
    case PB_MAPPING_UNMAPPED:
    default:
      return g_strdup (_("NOT MAPPED (never sent)"));
    }
}

static void
print_hr_types (GPtrArray *mappings)
{
  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      fprintf (stderr, "  %-16s %s\n", mapping->key, mapping->name);
    }
}

/* HR_TYPE: the HR absence type's key (exact, else ignoring case), else its
 * name ignoring case. Says why when there is none, or several. */
static PbAbsenceMapping *
find_hr_type (GPtrArray  *mappings,
              const char *wanted)
{
  PbAbsenceMapping *found = NULL;
  guint n_found = 0;

  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      if (g_str_equal (mapping->key, wanted))
        return mapping;
    }

  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      if (same_text (mapping->key, wanted))
        return mapping;
    }

  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      if (same_text (mapping->name, wanted))
        {
          found = mapping;
          n_found++;
        }
    }

  if (n_found == 1)
    return found;

  if (n_found > 1)
    pb_cli_fail (_("Several HR absence types are called “%s”: give its key"), wanted);
  else if (mappings->len == 0)
    pb_cli_fail (_("The HR register has no absence types: import them first"));
  else
    pb_cli_fail (_("The HR register has no absence type “%s”; its absence types are:"), wanted);
  if (mappings->len > 0)
    print_hr_types (mappings);
  return NULL;
}

static void
print_remote_types (GPtrArray *types)
{
  for (guint i = 0; i < types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (types, i);

      fprintf (stderr, "  %-10s %s\n", type->id, type->name);
    }
}

/* REMOTE_TYPE: the payroll type's id, else its name ignoring case, among
 * the types as last read: set works offline (SPEC A2), against the cache. */
static PbRemoteType *
find_remote_type (PbConnection *connection,
                  GPtrArray    *types,
                  const char   *read_at,
                  const char   *wanted)
{
  PbRemoteType *found = NULL;
  guint n_found = 0;

  if (read_at == NULL)
    {
      pb_cli_fail (_("Payroll’s absence types were never read: run paybridge-cli mapping refresh %s first"),
                   connection->name);
      return NULL;
    }
  if (types->len == 0)
    {
      pb_cli_fail (_("Payroll listed no absence types when they were read: add them in payroll, then run "
                     "paybridge-cli mapping refresh %s"), connection->name);
      return NULL;
    }

  for (guint i = 0; i < types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (types, i);

      if (g_str_equal (type->id, wanted))
        return type;
    }

  for (guint i = 0; i < types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (types, i);

      if (same_text (type->name, wanted))
        {
          found = type;
          n_found++;
        }
    }

  if (n_found == 1)
    return found;

  if (n_found > 1)
    pb_cli_fail (_("Several payroll absence types are called “%s”: give its id"), wanted);
  else
    pb_cli_fail (_("Payroll has no absence type “%s” (as read; run paybridge-cli mapping refresh %s "
                   "if it was added since). Payroll’s absence types are:"), wanted, connection->name);
  print_remote_types (types);
  return NULL;
}

/* SPEC A5: absences of the type already sent are not updated once its
 * mapping changes; say so, and go on only with --yes (or a yes on a
 * terminal). Returns: whether to go on */
static gboolean
confirm_change (PbAbsenceMapping *mapping,
                gboolean          yes)
{
  g_autofree char *warning =
    g_strdup_printf (ngettext ("%" G_GINT64_FORMAT " absence of type “%s” was already sent to payroll: it will no "
                               "longer be updated in payroll and must be corrected by hand there (SPEC A5).",
                               "%" G_GINT64_FORMAT " absences of type “%s” were already sent to payroll: they will "
                               "no longer be updated in payroll and must be corrected by hand there (SPEC A5).",
                               mapping->sent),
                     mapping->sent, mapping->key);

  if (yes)
    {
      printf ("%s\n", warning);
      return TRUE;
    }

  fprintf (stderr, "%s\n", warning);
  if (isatty (STDIN_FILENO))
    {
      char answer[16] = "";

      printf ("%s ", _("Change the mapping? [y/N]"));
      fflush (stdout);
      if (fgets (answer, sizeof answer, stdin) != NULL && (answer[0] == 'y' || answer[0] == 'Y'))
        return TRUE;
    }

  pb_cli_fail (_("Nothing was changed: add --yes to change the mapping of “%s”"), mapping->key);
  return FALSE;
}

/* Sets @hr_type's mapping (MAPPED to @remote, or EXCLUDED, or UNMAPPED)
 * after the A5 check. */
static int
change_mapping (PbStore          *store,
                PbConnection     *connection,
                PbAbsenceMapping *mapping,
                PbMappingState    state,
                PbRemoteType     *remote,
                gboolean          yes)
{
  g_autoptr(PbAbsenceMapping) now = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  if (mapping->state == state
      && (state != PB_MAPPING_MAPPED || g_strcmp0 (mapping->remote_type, remote->id) == 0))
    {
      description = describe_mapping (mapping);
      printf (_("%s (%s) → %s already; nothing changed\n"), mapping->key, mapping->name, description);
      return EXIT_OK;
    }

  if (mapping->sent > 0 && !confirm_change (mapping, yes))
    return EXIT_FAILED;

  if (!pb_store_set_mapping (store, connection->id, mapping->absence_type_id, state,
                             remote != NULL ? remote->id : NULL, &error))
    return pb_cli_fail ("%s", error->message);

  now = pb_store_get_mapping (store, connection->id, mapping->absence_type_id, &error);
  if (now == NULL)
    return pb_cli_fail ("%s", error->message);
  description = describe_mapping (now);
  printf ("%s (%s) → %s\n", now->key, now->name, description);
  return EXIT_OK;
}

/* --- commands --------------------------------------------------------------------- */

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
print_json (PbConnection *connection,
            GPtrArray    *mappings,
            GPtrArray    *types,
            const char   *read_at)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint unmapped = 0;

  json_builder_begin_object (builder);
  add_string (builder, "connection", connection->name);
  add_string (builder, "types_read_at", read_at);
  json_builder_set_member_name (builder, "payroll_types");
  json_builder_begin_array (builder);
  for (guint i = 0; i < types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (types, i);

      json_builder_begin_object (builder);
      add_string (builder, "id", type->id);
      add_string (builder, "name", type->name);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "mappings");
  json_builder_begin_array (builder);
  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      json_builder_begin_object (builder);
      add_string (builder, "hr_type", mapping->key);
      add_string (builder, "hr_name", mapping->name);
      add_string (builder, "state", pb_mapping_state_to_string (mapping->state));
      add_string (builder, "remote_type", mapping->remote_type);
      add_string (builder, "remote_name", mapping->remote_name);
      add_string (builder, "changed_at", mapping->changed_at);
      json_builder_set_member_name (builder, "sent");
      json_builder_add_int_value (builder, mapping->sent);
      json_builder_end_object (builder);
      if (mapping->state == PB_MAPPING_UNMAPPED)
        unmapped++;
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "unmapped");
  json_builder_add_int_value (builder, unmapped);
  json_builder_end_object (builder);
  pb_cli_print_builder (builder);
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
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *read_at = NULL;
  guint unmapped = 0;
  int status;

  status = pb_cli_open_connection (ctx, "mapping list", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  types = pb_store_list_remote_types (store, connection->id, &read_at, &error);
  if (types != NULL)
    mappings = pb_store_list_mappings (store, connection->id, &error);
  if (mappings == NULL)
    return pb_cli_fail ("%s", error->message);

  if (json)
    {
      print_json (connection, mappings, types, read_at);
      return EXIT_OK;
    }

  if (read_at != NULL)
    {
      g_autofree char *when = format_read_at (read_at);

      printf (_("Payroll’s absence types: %u, %s (%s)\n"), types->len, when, read_at);
    }
  else
    printf (_("Payroll’s absence types: never read: run paybridge-cli mapping refresh %s\n"), connection->name);

  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);
      g_autofree char *description = describe_mapping (mapping);
      g_autofree char *hr = g_strdup_printf ("%s (%s)", mapping->key, mapping->name);

      g_autofree char *hr_cell = pad (hr, 30);
      g_autofree char *to_cell = pad (description, 40);

      printf ("%s → %s ", hr_cell, to_cell);
      printf (ngettext ("%" G_GINT64_FORMAT " absence sent\n", "%" G_GINT64_FORMAT " absences sent\n",
                        mapping->sent), mapping->sent);
      if (mapping->state == PB_MAPPING_UNMAPPED)
        unmapped++;
    }

  if (mappings->len == 0)
    printf ("%s\n", _("The HR register has no absence types."));
  else if (unmapped > 0)
    printf (ngettext ("%u HR absence type is not mapped: its absences are never sent (SPEC A2).\n",
                      "%u HR absence types are not mapped: their absences are never sent (SPEC A2).\n", unmapped),
            unmapped);

  return EXIT_OK;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  guint     n_types;
  GError   *error;
} Wait;

static void
on_refreshed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = pb_mappings_refresh_finish (result, &wait->n_types, &wait->error);
  wait->done = TRUE;
}

static int
cmd_refresh (CliContext  *ctx,
             int          argc,
             char       **argv)
{
  GOptionEntry entries[] = {
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };
  int status;

  status = pb_cli_open_connection (ctx, "mapping refresh", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  provider = pb_cli_open_provider (connection, &error);
  if (provider == NULL)
    return pb_cli_fail (_("Could not read payroll’s absence types: %s"), error->message);

  pb_mappings_refresh_async (store, connection, provider, NULL, on_refreshed_cb, &wait);
  pb_cli_wait (&wait.done);
  if (!wait.ok)
    {
      g_autoptr(GError) failure = wait.error;

      return pb_cli_fail (_("Could not read payroll’s absence types (those read before are kept): %s"),
                          failure->message);
    }

  printf (ngettext ("Read %u absence type from %s:\n", "Read %u absence types from %s:\n", wait.n_types),
          wait.n_types, pb_provider_get_display_name (provider));
  types = pb_store_list_remote_types (store, connection->id, NULL, &error);
  if (types != NULL)
    mappings = pb_store_list_mappings (store, connection->id, &error);
  if (mappings == NULL)
    return pb_cli_fail ("%s", error->message);
  for (guint i = 0; i < types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (types, i);

      printf ("  %-10s %s\n", type->id, type->name);
    }

  /* A type mapped to what payroll no longer lists is kept, and named. */
  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      if (mapping->state == PB_MAPPING_MAPPED && mapping->remote_name == NULL)
        printf (_("%s is mapped to %s, which payroll no longer lists: map it again\n"), mapping->key,
                mapping->remote_type);
    }

  return EXIT_OK;
}

static int
cmd_set (CliContext  *ctx,
         int          argc,
         char       **argv)
{
  gboolean yes = FALSE;
  GOptionEntry entries[] = {
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes, N_("Change it even when absences of the type were sent (SPEC A5)"),
      NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *read_at = NULL;
  PbAbsenceMapping *mapping;
  PbRemoteType *remote;
  int status;

  status = open_with_args (ctx, "mapping set", "NAME HR_TYPE REMOTE_TYPE", entries, 3, &argc, &argv, &store,
                           &connection);
  if (status != EXIT_OK)
    return status;

  mappings = pb_store_list_mappings (store, connection->id, &error);
  if (mappings != NULL)
    types = pb_store_list_remote_types (store, connection->id, &read_at, &error);
  if (types == NULL)
    return pb_cli_fail ("%s", error->message);

  mapping = find_hr_type (mappings, argv[2]);
  if (mapping == NULL)
    return EXIT_FAILED;
  remote = find_remote_type (connection, types, read_at, argv[3]);
  if (remote == NULL)
    return EXIT_FAILED;

  return change_mapping (store, connection, mapping, PB_MAPPING_MAPPED, remote, yes);
}

/* exclude and unset: NAME HR_TYPE [--yes] */
static int
set_state (CliContext      *ctx,
           const char      *command,
           PbMappingState   state,
           int              argc,
           char           **argv)
{
  gboolean yes = FALSE;
  GOptionEntry entries[] = {
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes, N_("Change it even when absences of the type were sent (SPEC A5)"),
      NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GError) error = NULL;
  PbAbsenceMapping *mapping;
  int status;

  status = open_with_args (ctx, command, "NAME HR_TYPE", entries, 2, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  mappings = pb_store_list_mappings (store, connection->id, &error);
  if (mappings == NULL)
    return pb_cli_fail ("%s", error->message);
  mapping = find_hr_type (mappings, argv[2]);
  if (mapping == NULL)
    return EXIT_FAILED;

  return change_mapping (store, connection, mapping, state, NULL, yes);
}

static int
cmd_exclude (CliContext  *ctx,
             int          argc,
             char       **argv)
{
  return set_state (ctx, "mapping exclude", PB_MAPPING_EXCLUDED, argc, argv);
}

static int
cmd_unset (CliContext  *ctx,
           int          argc,
           char       **argv)
{
  return set_state (ctx, "mapping unset", PB_MAPPING_UNMAPPED, argc, argv);
}

static const CliCommand subcommands[] = {
  { "list", "NAME [--json]", N_("Each HR absence type and the payroll type it is sent as"), cmd_list },
  { "refresh", "NAME", N_("Read payroll’s absence types again (kept for offline use)"), cmd_refresh },
  { "set", "NAME HR_TYPE REMOTE_TYPE [--yes]", N_("Send an HR absence type as a payroll type"), cmd_set },
  { "exclude", "NAME HR_TYPE [--yes]", N_("Never send an HR absence type (“Do not sync”)"), cmd_exclude },
  { "unset", "NAME HR_TYPE [--yes]", N_("Take the decision back: not mapped, never sent"), cmd_unset },
};

int
pb_cli_mapping (CliContext  *ctx,
                int          argc,
                char       **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help"))
    {
      FILE *out = argc < 2 ? stderr : stdout;

      fprintf (out, "%s\n", _("Usage: paybridge-cli mapping COMMAND [ARGS]"));
      for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
        fprintf (out, "  %-8s %-34s %s\n", subcommands[i].name, subcommands[i].args, _(subcommands[i].summary));
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (argv[1], subcommands[i].name))
      return subcommands[i].func (ctx, argc - 1, argv + 1);

  return pb_cli_usage_error (_("unknown mapping command “%s”"), argv[1]);
}
