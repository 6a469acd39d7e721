/* pb-cli-outbox.c: paybridge-cli outbox, what waits to go to payroll
 * (SPEC C6, C7, R1, R3)
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
#include "pb-outbox.h"

/* An outbox entry as the administrator knows it: whose, and which record. */
typedef struct
{
  PbOutboxEntry  entry;
  char          *name;        /* (owned) (nullable): the person's */
  char          *email;       /* (owned) (nullable) */
  char          *start_date;  /* (owned) (nullable): of a position or salary */
  char          *created_at;  /* (owned) (nullable) */
  gboolean       gone;        /* the record is no longer in the register */
} Described;

static void
described_clear (Described *d)
{
  g_free (d->name);
  g_free (d->email);
  g_free (d->start_date);
  g_free (d->created_at);
}


/* The store's records of the entry, through pb_store_get(). */
static void
describe (PbStore             *store,
          const PbOutboxEntry *entry,
          Described           *d)
{
  g_autoptr(PbRecord) person = NULL;
  g_autoptr(PbRecord) record = NULL;

  *d = (Described) { .entry = *entry };
  d->created_at = g_strdup (entry->created_at);

  person = pb_store_get (store, PB_ENTITY_EMPLOYEE, entry->employee_id, NULL);
  if (person != NULL)
    {
      d->name = g_strstrip (pb_record_dup_display_name (person));
      d->email = g_strdup (pb_record_get (person, PB_EMPLOYEE_EMAIL));
    }

  if (entry->entity == PB_ENTITY_EMPLOYEE)
    {
      d->gone = person == NULL;
      return;
    }

  record = pb_store_get (store, entry->entity, entry->record_id, NULL);
  d->gone = record == NULL;
  if (record == NULL)
    return;
  if (entry->entity == PB_ENTITY_POSITION)
    d->start_date = g_strdup (pb_record_get (record, PB_POSITION_START_DATE));
  else if (entry->entity == PB_ENTITY_SALARY)
    d->start_date = g_strdup (pb_record_get (record, PB_SALARY_START_DATE));
}

/* "position from 2024-06-01 of Kari Nordmann <kari@acme.no>" */
static char *
describe_text (const Described *d)
{
  const char *entity = pb_entity_get_def (d->entry.entity)->name;
  g_autofree char *what = NULL;
  g_autofree char *who = NULL;

  if (d->start_date != NULL)
    /* Translators: "position from 2024-06-01" */
    what = g_strdup_printf (_("%s from %s"), entity, d->start_date);
  else
    what = g_strdup (entity);

  if (d->name != NULL && d->email != NULL)
    who = g_strdup_printf ("%s <%s>", d->name, d->email);
  else if (d->name != NULL)
    who = g_strdup (d->name);
  else
    /* Translators: a person who is no longer in the HR register */
    who = g_strdup_printf (_("employee %" G_GINT64_FORMAT " (no longer in the register)"), d->entry.employee_id);

  if (d->entry.entity == PB_ENTITY_EMPLOYEE)
    return g_strdup_printf ("%s %s", what, who);

  if (d->gone)
    /* Translators: "position 12 (no longer in the register) of Kari Nordmann <kari@acme.no>" */
    return g_strdup_printf (_("%s %" G_GINT64_FORMAT " (no longer in the register) of %s"), what,
                            d->entry.record_id, who);

  /* Translators: "position from 2024-06-01 of Kari Nordmann <kari@acme.no>" */
  return g_strdup_printf (_("%s of %s"), what, who);
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
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
described_to_json (JsonBuilder     *builder,
                   const Described *d)
{
  json_builder_begin_object (builder);
  add_int (builder, "id", d->entry.id);
  add_string (builder, "state", pb_outbox_state_to_string (d->entry.state));
  add_string (builder, "entity", pb_entity_get_def (d->entry.entity)->name);
  add_int (builder, "record_id", d->entry.record_id);
  add_int (builder, "employee_id", d->entry.employee_id);
  add_string (builder, "name", d->name);
  add_string (builder, "email", d->email);
  add_string (builder, "start_date", d->start_date);
  json_builder_set_member_name (builder, "in_register");
  json_builder_add_boolean_value (builder, !d->gone);
  add_int (builder, "attempts", d->entry.attempts);
  add_string (builder, "created_at", d->created_at);
  json_builder_end_object (builder);
}

/* Finds an open entry of the connection, described; FALSE when there is
 * none with that id. */
static gboolean
find_open_entry (PbStore    *store,
                 gint64      connection_id,
                 gint64      entry_id,
                 Described  *found,
                 GError    **error)
{
  g_autoptr(GArray) entries = pb_store_list_outbox_open (store, connection_id, error);

  if (entries == NULL)
    return FALSE;

  for (guint i = 0; i < entries->len; i++)
    if (g_array_index (entries, PbOutboxEntry, i).id == entry_id)
      {
        describe (store, &g_array_index (entries, PbOutboxEntry, i), found);
        return TRUE;
      }

  return FALSE;
}

static int
retry (PbStore      *store,
       PbConnection *connection,
       gint64        entry_id)
{
  g_autoptr(GError) error = NULL;
  gint64 n;

  if (entry_id != 0)
    {
      Described d;

      if (!find_open_entry (store, connection->id, entry_id, &d, &error))
        {
          if (error != NULL)
            return pb_cli_fail ("%s", error->message);
          return pb_cli_fail (_("The outbox of “%s” has no entry %" G_GINT64_FORMAT), connection->name, entry_id);
        }
      if (d.entry.state != PB_OUTBOX_ATTENTION)
        {
          PbOutboxState state = d.entry.state;

          described_clear (&d);
          return pb_cli_fail (state == PB_OUTBOX_HELD
                              ? _("Entry %" G_GINT64_FORMAT " is held: its data type is off for “%s”; turn it on "
                                  "with paybridge-cli connection set")
                              : _("Entry %" G_GINT64_FORMAT " does not need attention: it is sent at the next push "
                                  "of “%s”"),
                              entry_id, connection->name);
        }
      described_clear (&d);
    }

  n = pb_store_outbox_retry (store, connection->id, entry_id, &error);
  if (n < 0)
    return pb_cli_fail ("%s", error->message);

  if (n == 0)
    printf (_("Nothing in the outbox of “%s” needs attention.\n"), connection->name);
  else
    printf (g_dngettext (GETTEXT_PACKAGE,
                         "%" G_GINT64_FORMAT " entry goes again at the next push of “%s”.\n",
                         "%" G_GINT64_FORMAT " entries go again at the next push of “%s”.\n", n),
            n, connection->name);

  return EXIT_OK;
}

static int
discard (PbStore      *store,
         PbConnection *connection,
         gint64        entry_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  Described d;

  if (!find_open_entry (store, connection->id, entry_id, &d, &error))
    {
      if (error != NULL)
        return pb_cli_fail ("%s", error->message);
      return pb_cli_fail (_("The outbox of “%s” has no entry %" G_GINT64_FORMAT), connection->name, entry_id);
    }

  text = describe_text (&d);
  if (!pb_store_outbox_discard (store, connection->id, entry_id, &error))
    {
      described_clear (&d);
      return pb_cli_fail ("%s", error->message);
    }

  /* Translators: "Discarded entry 7 (attention): position from 2024-06-01
   * of Kari Nordmann <kari@acme.no>. It is not sent to payroll." */
  printf (_("Discarded entry %" G_GINT64_FORMAT " (%s): %s. It is not sent to payroll.\n"), entry_id,
          pb_outbox_state_to_string (d.entry.state), text);
  described_clear (&d);

  return EXIT_OK;
}

static void
print_counts (JsonBuilder *builder,
              gint64       pending,
              gint64       attention,
              gint64       held)
{
  json_builder_begin_object (builder);
  add_int (builder, "pending", pending);
  add_int (builder, "attention", attention);
  add_int (builder, "held", held);
  json_builder_end_object (builder);
}

/**
 * pb_cli_outbox:
 *
 * paybridge-cli outbox NAME [--json] [--retry ID | --retry-all | --discard ID --yes]
 *
 * Lists what the connection still has to send (pending, needing
 * attention, held: SPEC C6, C7), sends entries that need attention again
 * at the next push, or sets one aside for good: that is the
 * administrator's explicit choice, so it wants --yes.
 */
int
pb_cli_outbox (CliContext  *ctx,
               int          argc,
               char       **argv)
{
  gboolean json = FALSE;
  gint64 retry_id = 0;
  gboolean retry_all = FALSE;
  gint64 discard_id = 0;
  gboolean yes = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { "retry", 0, 0, G_OPTION_ARG_INT64, &retry_id, N_("Send the entry ID that needs attention again"), N_("ID") },
    { "retry-all", 0, 0, G_OPTION_ARG_NONE, &retry_all, N_("Send every entry that needs attention again"), NULL },
    { "discard", 0, 0, G_OPTION_ARG_INT64, &discard_id, N_("Take the entry ID out of the outbox unsent"), N_("ID") },
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes, N_("Confirm --discard"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GArray) open = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  gint64 counts[PB_OUTBOX_HELD + 1] = { 0 };

  if (!pb_cli_parse_options ("outbox", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return pb_cli_usage_error (_("outbox takes one connection NAME"));
  if ((retry_id != 0) + retry_all + (discard_id != 0) > 1)
    return pb_cli_usage_error (_("outbox takes one of --retry, --retry-all and --discard"));
  if (retry_id < 0 || discard_id < 0)
    return pb_cli_usage_error (_("an entry ID is a positive number"));
  /* Refused before the store is even opened. */
  if (discard_id != 0 && !yes)
    return pb_cli_usage_error (_("--discard takes the entry out of the outbox for good, unsent: "
                                 "add --yes to do it"));

  store = pb_cli_open_store (ctx);
  if (store == NULL || (connection = pb_cli_find_connection (store, argv[1])) == NULL)
    return EXIT_FAILED;

  if (retry_id != 0 || retry_all)
    return retry (store, connection, retry_id);
  if (discard_id != 0)
    return discard (store, connection, discard_id);

  open = pb_store_list_outbox_open (store, connection->id, &error);
  if (open == NULL)
    return pb_cli_fail ("%s", error->message);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_string (builder, "connection", connection->name);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);

  for (guint i = 0; i < open->len; i++)
    {
      Described d;
      g_autofree char *text = NULL;

      describe (store, &g_array_index (open, PbOutboxEntry, i), &d);
      if (d.entry.state <= PB_OUTBOX_HELD)
        counts[d.entry.state]++;

      if (json)
        described_to_json (builder, &d);
      else
        {
          text = describe_text (&d);
          printf ("#%-5" G_GINT64_FORMAT " %-10s %s\n       ", d.entry.id, pb_outbox_state_to_string (d.entry.state),
                  text);
          printf (g_dngettext (GETTEXT_PACKAGE, "%u attempt", "%u attempts", d.entry.attempts), d.entry.attempts);
          if (d.created_at != NULL)
            /* Translators: after "2 attempts": when the entry came into the outbox */
            printf (_(", since %s"), d.created_at);
          printf ("\n");
        }
      described_clear (&d);
    }

  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "counts");
  print_counts (builder, counts[PB_OUTBOX_PENDING], counts[PB_OUTBOX_ATTENTION], counts[PB_OUTBOX_HELD]);
  json_builder_end_object (builder);

  if (json)
    {
      pb_cli_print_builder (builder);
      return EXIT_OK;
    }

  if (open->len == 0)
    printf (_("Nothing waits in the outbox of “%s”.\n"), connection->name);
  else
    printf (_("Waiting %" G_GINT64_FORMAT ", need attention %" G_GINT64_FORMAT ", held %" G_GINT64_FORMAT ".\n"),
            counts[PB_OUTBOX_PENDING], counts[PB_OUTBOX_ATTENTION], counts[PB_OUTBOX_HELD]);

  return EXIT_OK;
}
