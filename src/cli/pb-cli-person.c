/* pb-cli-person.c: paybridge-cli person, one person of the HR register and
 * what each payroll system knows of them; one change without a file
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
#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-sync-state.h"
#include "pb-user-plan.h"

static const PbEntity child_entities[] = { PB_ENTITY_POSITION, PB_ENTITY_ABSENCE, PB_ENTITY_SALARY };

/* "Tripletex" */
static const char *
system_name (PbConnection *connection)
{
  GType type = pb_provider_type_for_id (connection->system);
  PbProviderClass *klass;
  const char *name;

  if (type == G_TYPE_INVALID)
    return connection->system;
  klass = g_type_class_ref (type);
  name = klass->display_name;   /* static */
  g_type_class_unref (klass);
  return name;
}

static char *
sync_info_text (const PbSyncInfo *info,
                const char       *system)
{
  switch (info->state)
    {
    case PB_SYNC_SENT:
      /* Translators: "sent (Tripletex id 12)" */
      return g_strdup_printf (_("sent (%s id %s)"), system, info->remote_id);
    case PB_SYNC_PENDING:
      return g_strdup (_("waiting for the next push"));
    case PB_SYNC_ATTENTION:
      /* Translators: the reason payroll (or a rule) refused the change */
      return g_strdup_printf (_("needs attention: %s"), info->reason != NULL ? info->reason : _("see the error log"));
    case PB_SYNC_HELD:
      return g_strdup_printf (_("held: %s"), info->reason);
    case PB_SYNC_OFF:
      return g_strdup (_("not synced by this connection"));
    case PB_SYNC_NOT_SENT:
    default:
      return g_strdup (_("not sent"));
    }
}

/* "linked (Tripletex id 12)", "not linked", "held back: …" */
static char *
link_text (const PbSyncInfo  *info,
           const char        *system,
           const char       **link)
{
  if (info->remote_id != NULL)
    {
      *link = "linked";
      return g_strdup_printf (_("linked (%s id %s)"), system, info->remote_id);
    }
  if (info->state == PB_SYNC_ATTENTION)
    {
      *link = "held-back";
      return g_strdup_printf (_("held back: %s"), info->reason != NULL ? info->reason : _("see the error log"));
    }

  *link = "not-linked";
  return g_strdup (_("not linked"));
}

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
record_to_json (JsonBuilder *builder,
                PbRecord    *record)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));

  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, pb_record_get_id (record));
  for (guint f = 0; f < def->n_fields; f++)
    add_string (builder, def->fields[f].name, pb_record_get (record, f));
}

static void
sync_info_to_json (JsonBuilder      *builder,
                   const PbSyncInfo *info)
{
  add_string (builder, "sync", pb_sync_state_to_string (info->state));
  add_string (builder, "payroll_id", info->remote_id);
  add_string (builder, "reason", info->reason);
}

/* "position from 2024-06-01", "absence sick from 2024-03-04" */
static char *
describe_record (PbRecord *record)
{
  PbEntity entity = pb_record_get_entity (record);
  const char *name = pb_entity_get_def (entity)->name;

  if (entity == PB_ENTITY_ABSENCE)
    /* Translators: "absence sick from 2024-03-04" */
    return g_strdup_printf (_("%s %s from %s"), name, pb_record_get (record, PB_ABSENCE_TYPE),
                            pb_record_get (record, PB_ABSENCE_START_DATE));

  /* Translators: "position from 2024-06-01" */
  return g_strdup_printf (_("%s from %s"), name, pb_record_get (record, 0));
}

static void
print_record_fields (PbRecord   *record,
                     const char *indent)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));

  for (guint f = 0; f < def->n_fields; f++)
    if (pb_record_get (record, f) != NULL)
      printf ("%s%-22s %s\n", indent, def->fields[f].name, pb_record_get (record, f));
}

static GPtrArray *
list_active_connections (PbStore  *store,
                         GError  **error)
{
  g_autoptr(GPtrArray) all = pb_store_list_connections (store, error);
  GPtrArray *active;

  if (all == NULL)
    return NULL;

  active = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (all, i);

      /* Nothing syncs before the first user sync (SPEC U6). */
      if (connection->activated_at != NULL || connection->state == PB_CONNECTION_ACTIVE)
        g_ptr_array_add (active, g_object_ref (connection));
    }

  return active;
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
  g_autoptr(PbRecord) person = NULL;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GPtrArray *children[G_N_ELEMENTS (child_entities)] = { NULL };
  g_autofree char *name = NULL;
  gint64 person_id;
  int status = EXIT_FAILED;

  if (!pb_cli_parse_options ("person show", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return pb_cli_usage_error (_("person show takes one EMAIL"));

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;

  person = pb_store_find_employee (store, NULL, argv[1], &error);
  if (person == NULL)
    {
      if (error != NULL)
        return pb_cli_fail ("%s", error->message);
      return pb_cli_fail (_("There is no employee with the email “%s” in the HR register"), argv[1]);
    }
  person_id = pb_record_get_id (person);
  name = g_strstrip (pb_record_dup_display_name (person));

  for (guint c = 0; c < G_N_ELEMENTS (child_entities); c++)
    if ((children[c] = pb_store_list (store, child_entities[c], person_id, &error)) == NULL)
      goto out;
  if ((connections = list_active_connections (store, &error)) == NULL)
    goto out;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "employee");
  json_builder_begin_object (builder);
  record_to_json (builder, person);
  json_builder_end_object (builder);
  if (!json)
    {
      printf ("%s <%s>\n", name, pb_record_get (person, PB_EMPLOYEE_EMAIL));
      print_record_fields (person, "  ");
    }

  for (guint c = 0; c < G_N_ELEMENTS (child_entities); c++)
    {
      const PbEntityDef *def = pb_entity_get_def (child_entities[c]);

      json_builder_set_member_name (builder, def->plural);
      json_builder_begin_array (builder);
      if (!json)
        printf ("\n%s (%u)\n", def->plural, children[c]->len);
      for (guint i = 0; i < children[c]->len; i++)
        {
          PbRecord *record = g_ptr_array_index (children[c], i);

          json_builder_begin_object (builder);
          record_to_json (builder, record);
          json_builder_end_object (builder);
          if (!json)
            {
              g_autofree char *what = describe_record (record);

              printf ("  %s\n", what);
              print_record_fields (record, "    ");
            }
        }
      json_builder_end_array (builder);
    }

  json_builder_set_member_name (builder, "connections");
  json_builder_begin_array (builder);
  for (guint i = 0; i < connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (connections, i);
      const char *system = system_name (connection);
      g_auto(PbSyncInfo) self_info = { 0 };
      g_autoptr(PbSyncView) view = NULL;
      g_autofree char *link = NULL;
      const char *link_name = NULL;

      /* The connection's outbox, change log and error log, read once. */
      view = pb_sync_view_new (store, connection, person_id, &error);
      if (view == NULL)
        goto out;

      pb_sync_view_get (view, PB_ENTITY_EMPLOYEE, person_id, &self_info);
      link = link_text (&self_info, system, &link_name);

      json_builder_begin_object (builder);
      add_string (builder, "name", connection->name);
      add_string (builder, "system", connection->system);
      add_string (builder, "state", pb_connection_state_to_string (connection->state));
      add_string (builder, "link", link_name);
      sync_info_to_json (builder, &self_info);
      json_builder_set_member_name (builder, "records");
      json_builder_begin_array (builder);

      if (!json)
        {
          g_autofree char *employee_sync = sync_info_text (&self_info, system);

          /* Translators: "Acme (Tripletex, active)" */
          printf ("\n%s (%s, %s)\n", connection->name, system, pb_connection_state_to_string (connection->state));
          printf ("  %-28s %s\n", _("link"), link);
          printf ("  %-28s %s\n", pb_entity_get_def (PB_ENTITY_EMPLOYEE)->name, employee_sync);
        }

      for (guint c = 0; c < G_N_ELEMENTS (child_entities); c++)
        for (guint r = 0; r < children[c]->len; r++)
          {
            PbRecord *record = g_ptr_array_index (children[c], r);
            g_auto(PbSyncInfo) info = { 0 };

            pb_sync_view_get (view, child_entities[c], pb_record_get_id (record), &info);
            json_builder_begin_object (builder);
            add_string (builder, "entity", pb_entity_get_def (child_entities[c])->name);
            json_builder_set_member_name (builder, "id");
            json_builder_add_int_value (builder, pb_record_get_id (record));
            sync_info_to_json (builder, &info);
            json_builder_end_object (builder);

            if (!json)
              {
                g_autofree char *what = describe_record (record);
                g_autofree char *text = sync_info_text (&info, system);

                printf ("  %-28s %s\n", what, text);
              }
          }

      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  if (json)
    pb_cli_print_builder (builder);
  else if (connections->len == 0)
    printf ("\n%s\n", _("No connection is active: payroll knows nothing of anyone yet."));
  status = EXIT_OK;

out:
  for (guint c = 0; c < G_N_ELEMENTS (child_entities); c++)
    g_clear_pointer (&children[c], g_ptr_array_unref);
  if (error != NULL)
    return pb_cli_fail ("%s", error->message);
  return status;
}

static int
cmd_set (CliContext  *ctx,
         int          argc,
         char       **argv)
{
  GOptionEntry entries[] = {
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *summary = NULL;

  if (!pb_cli_parse_options ("person set", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 3)
    return pb_cli_usage_error (_("person set takes an EMAIL and one or more FIELD=VALUE"));

  for (int i = 2; i < argc; i++)
    {
      const char *equals = strchr (argv[i], '=');

      if (equals == NULL || equals == argv[i])
        return pb_cli_usage_error (_("“%s” is not FIELD=VALUE (an empty VALUE clears the field)"), argv[i]);
      g_ptr_array_add (names, g_strndup (argv[i], equals - argv[i]));
      g_ptr_array_add (values, g_strdup (equals + 1));
    }
  g_ptr_array_add (names, NULL);
  g_ptr_array_add (values, NULL);

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;

  if (!pb_import_set_fields (store, argv[1], (const char * const *) names->pdata,
                             (const char * const *) values->pdata, &result, &error))
    {
      GPtrArray *issues = result != NULL ? pb_import_result_get_issues (result) : NULL;

      for (guint i = 0; issues != NULL && i < issues->len; i++)
        {
          g_autofree char *line = pb_import_issue_format (g_ptr_array_index (issues, i));
          fprintf (stderr, "%s\n", line);
        }
      return pb_cli_fail ("%s", error->message);
    }

  if (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_UPDATE) == 0)
    {
      printf (_("Nothing changed: %s already has those values.\n"), argv[1]);
      return EXIT_OK;
    }

  /* The same words as the import's. */
  summary = pb_import_result_summary (result);
  printf (_("Changed %s: %s\n"), argv[1], summary);
  return EXIT_OK;
}

static const CliCommand subcommands[] = {
  { "show", "EMAIL [--json]", N_("The person, their positions, absences and salaries, and what payroll knows"),
    cmd_show },
  { "set", "EMAIL FIELD=VALUE…", N_("Change fields, checked as the import checks them, in one transaction"),
    cmd_set },
};

/**
 * pb_cli_person:
 *
 * paybridge-cli person show EMAIL [--json] | set EMAIL FIELD=VALUE…
 */
int
pb_cli_person (CliContext  *ctx,
               int          argc,
               char       **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help"))
    {
      FILE *out = argc < 2 ? stderr : stdout;

      fprintf (out, "%s\n", _("Usage: paybridge-cli person COMMAND [ARGS]"));
      for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
        fprintf (out, "  %-5s %-24s %s\n", subcommands[i].name, subcommands[i].args, _(subcommands[i].summary));
      fprintf (out, "%s\n", _("FIELD is a column of the import (docs/import-format.md): phone, team, status, …"));
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (argv[1], subcommands[i].name))
      return subcommands[i].func (ctx, argc - 1, argv + 1);

  return pb_cli_usage_error (_("unknown person command “%s”"), argv[1]);
}
