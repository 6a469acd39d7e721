/* test-cli-outbox.c: paybridge-cli outbox and the outbox in connection
 * show (SPEC C6, C7, R1), on an outbox the engine filled against the
 * in-process Tripletex sandbox
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-sandbox.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\" }"
  "] }";

/* Payroll already has employee number 77, someone else's. */
static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"firstName\": \"Other\", \"lastName\": \"Person\", \"email\": \"other@acme.no\", \"employeeNumber\": \"77\" }"
  "] }";

typedef struct
{
  PbSandbox    *sandbox;
  PbStore      *store;
  char         *dir;
  PbConnection *connection;
  PbProvider   *provider;

  /* The outbox the fixture leaves: one entry in each open state. */
  gint64        attention_id;   /* Kari: payroll refused her employee number */
  gint64        held_id;        /* Per's position: positions turned off */
  gint64        pending_id;     /* Per's new phone number, not pushed yet */
} Fixture;

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

/* --- helpers ------------------------------------------------------------------------ */

static void
import (Fixture    *f,
        const char *json)
{
  pb_test_import (f->store, json);
}

static PbPushResult
push (Fixture *f)
{
  return pb_test_push (f->store, f->connection, f->provider);
}

static void
set_types (Fixture     *f,
           PbDataTypes  types)
{
  g_autoptr(GError) error = NULL;

  f->connection->sync_types = types;
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
}

/* The open entry of @entity for the person with @email. */
static gint64
find_entry (Fixture    *f,
            PbEntity    entity,
            const char *email)
{
  g_autoptr(GArray) open = pb_store_list_outbox_open (f->store, f->connection->id, NULL);
  g_autoptr(PbRecord) person = pb_store_find_employee (f->store, NULL, email, NULL);

  g_assert_nonnull (person);
  for (guint i = 0; i < open->len; i++)
    {
      PbOutboxEntry *e = &g_array_index (open, PbOutboxEntry, i);

      if (e->entity == entity && e->employee_id == pb_record_get_id (person))
        return e->id;
    }

  g_assert_not_reached ();
}

static gint64
count (Fixture       *f,
       PbOutboxState  state)
{
  return pb_store_count_outbox (f->store, f->connection->id, state);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* paybridge-cli --data-dir (the fixture's) ARGS..., NULL */
static void G_GNUC_NULL_TERMINATED
run_cli (Fixture *f,
         Run     *run,
         ...)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;
  int wait_status;

  g_ptr_array_add (argv, cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, f->dir);
  va_start (args, run);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  run_clear (run);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run->out, &run->err,
                &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

static JsonObject *
parse_object (const char *text,
              JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static JsonObject *
entry_in (JsonArray *entries,
          gint64     id)
{
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);

      if (json_object_get_int_member (e, "id") == id)
        return e;
    }

  return NULL;
}

static gchar *
id_text (gint64 id)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, id);
}

/* --- fixture ---------------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PbPushResult pushed;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_load_seed_data (f->sandbox, payroll_seed, -1, &error);
  g_assert_no_error (error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);

  f->dir = pb_test_make_dir ("cli-outbox");
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  import (f, hr_json);

  f->connection = pb_connection_new ();
  f->connection->name = g_strdup ("Acme");
  f->connection->system = g_strdup ("tripletex");
  f->connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS;
  f->connection->base_url = g_strdup (pb_sandbox_get_api_url (f->sandbox));
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  f->provider = pb_test_new_provider ("tripletex", f->connection->base_url, NULL);

  /* The first user sync activates the connection (U6); Per is created. */
  pb_test_activate (f->store, f->connection, f->provider, TRUE);

  /* SPEC C7: payroll refuses Kari's new employee number: needs attention. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"employee_number\": \"77\" } ] }");
  pushed = push (f);
  g_assert_cmpuint (pushed.attention, ==, 1);

  /* SPEC C6: Per's new position is in the outbox when positions are
   * turned off: held. His new phone number waits for the next push. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"per@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2025-01-01\", \"title\": \"Developer\" } ] } ] }");
  g_assert_cmpint (pb_sync_engine_enqueue (f->store, f->connection, &error), ==, 1);
  g_assert_no_error (error);
  set_types (f, PB_DATA_USERS);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"per@acme.no\", "
             "\"phone\": \"+47 911 11 111\" } ] }");
  g_assert_cmpint (pb_sync_engine_enqueue (f->store, f->connection, &error), ==, 1);
  g_assert_no_error (error);

  f->attention_id = find_entry (f, PB_ENTITY_EMPLOYEE, "kari@acme.no");
  f->held_id = find_entry (f, PB_ENTITY_POSITION, "per@acme.no");
  f->pending_id = find_entry (f, PB_ENTITY_EMPLOYEE, "per@acme.no");
  g_assert_cmpint (count (f, PB_OUTBOX_ATTENTION), ==, 1);
  g_assert_cmpint (count (f, PB_OUTBOX_HELD), ==, 1);
  g_assert_cmpint (count (f, PB_OUTBOX_PENDING), ==, 1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->provider);
  g_clear_object (&f->connection);
  g_clear_object (&f->store);
  g_clear_object (&f->sandbox);
  g_free (f->dir);
}

/* --- tests -------------------------------------------------------------------------- */

/* SPEC C6, C7: every entry still in the outbox is listed, with its state
 * and the record it carries as the register names it. */
static void
test_list (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *attention_line = NULL;
  g_autofree char *held_line = NULL;
  g_autoptr(GDateTime) created = NULL;
  JsonObject *root, *e, *counts;
  JsonArray *entries;
  Run run = { 0 };

  run_cli (f, &run, "outbox", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out, parser);
  g_assert_cmpstr (json_object_get_string_member (root, "connection"), ==, "Acme");
  entries = json_object_get_array_member (root, "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 3);

  e = entry_in (entries, f->attention_id);
  g_assert_nonnull (e);
  g_assert_cmpstr (json_object_get_string_member (e, "state"), ==, "attention");
  g_assert_cmpstr (json_object_get_string_member (e, "entity"), ==, "employee");
  g_assert_cmpstr (json_object_get_string_member (e, "name"), ==, "Kari Nordmann");
  g_assert_cmpstr (json_object_get_string_member (e, "email"), ==, "kari@acme.no");
  g_assert_true (json_object_get_null_member (e, "start_date"));
  g_assert_true (json_object_get_boolean_member (e, "in_register"));
  g_assert_cmpint (json_object_get_int_member (e, "attempts"), >=, 1);
  created = g_date_time_new_from_iso8601 (json_object_get_string_member (e, "created_at"), NULL);
  g_assert_nonnull (created);

  e = entry_in (entries, f->held_id);
  g_assert_nonnull (e);
  g_assert_cmpstr (json_object_get_string_member (e, "state"), ==, "held");
  g_assert_cmpstr (json_object_get_string_member (e, "entity"), ==, "position");
  g_assert_cmpstr (json_object_get_string_member (e, "name"), ==, "Per Berg");
  g_assert_cmpstr (json_object_get_string_member (e, "start_date"), ==, "2025-01-01");
  g_assert_cmpint (json_object_get_int_member (e, "attempts"), ==, 0);

  e = entry_in (entries, f->pending_id);
  g_assert_nonnull (e);
  g_assert_cmpstr (json_object_get_string_member (e, "state"), ==, "pending");
  g_assert_cmpstr (json_object_get_string_member (e, "email"), ==, "per@acme.no");

  counts = json_object_get_object_member (root, "counts");
  g_assert_cmpint (json_object_get_int_member (counts, "pending"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "attention"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "held"), ==, 1);

  /* The same in words. */
  run_cli (f, &run, "outbox", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  attention_line = g_strdup_printf ("#%-5" G_GINT64_FORMAT " attention  employee Kari Nordmann <kari@acme.no>\n",
                                    f->attention_id);
  held_line = g_strdup_printf ("#%-5" G_GINT64_FORMAT " held       position from 2025-01-01 of Per Berg "
                               "<per@acme.no>\n       0 attempts, since ", f->held_id);
  g_assert_nonnull (strstr (run.out, attention_line));
  g_assert_nonnull (strstr (run.out, held_line));
  g_assert_nonnull (strstr (run.out, "Waiting 1, need attention 1, held 1.\n"));

  /* What a push sends leaves the list. */
  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS);
  g_assert_cmpuint (push (f).sent, ==, 2);
  run_cli (f, &run, "outbox", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_object (&parser);
  parser = json_parser_new ();
  root = parse_object (run.out, parser);
  entries = json_object_get_array_member (root, "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 1);
  g_assert_nonnull (entry_in (entries, f->attention_id));
  run_clear (&run);
}

/* SPEC C7: an entry that needs attention goes again when asked; one that
 * is held or already waiting is not "retried" (R1: the refusal says why). */
static void
test_retry (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *held = id_text (f->held_id);
  g_autofree char *pending = id_text (f->pending_id);
  g_autofree char *attention = id_text (f->attention_id);
  Run run = { 0 };

  run_cli (f, &run, "outbox", "Acme", "--retry", held, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "is held: its data type is off for “Acme”"));
  run_cli (f, &run, "outbox", "Acme", "--retry", pending, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "does not need attention"));
  run_cli (f, &run, "outbox", "Acme", "--retry", "9999", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "The outbox of “Acme” has no entry 9999"));
  g_assert_cmpint (count (f, PB_OUTBOX_ATTENTION), ==, 1);
  g_assert_cmpint (count (f, PB_OUTBOX_PENDING), ==, 1);

  run_cli (f, &run, "outbox", "Acme", "--retry", attention, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "1 entry goes again at the next push of “Acme”.\n");
  g_assert_cmpint (count (f, PB_OUTBOX_ATTENTION), ==, 0);
  g_assert_cmpint (count (f, PB_OUTBOX_PENDING), ==, 2);
  g_assert_cmpint (count (f, PB_OUTBOX_HELD), ==, 1);

  /* Payroll refuses it again; --retry-all sends back every such entry. */
  g_assert_cmpuint (push (f).attention, ==, 1);
  g_assert_cmpint (count (f, PB_OUTBOX_ATTENTION), ==, 1);
  run_cli (f, &run, "outbox", "Acme", "--retry-all", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (count (f, PB_OUTBOX_ATTENTION), ==, 0);
  run_cli (f, &run, "outbox", "Acme", "--retry-all", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Nothing in the outbox of “Acme” needs attention.\n");
  run_clear (&run);
}

/* Discarding is the administrator's explicit choice: without --yes it is
 * refused as a usage error and nothing changes (R1); with it, the line
 * says what was discarded, and it is never sent. */
static void
test_discard (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *held = id_text (f->held_id);
  g_autofree char *expected = NULL;
  Run run = { 0 };

  run_cli (f, &run, "outbox", "Acme", "--discard", held, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "add --yes"));
  g_assert_cmpstr (run.out, ==, "");
  g_assert_cmpint (count (f, PB_OUTBOX_HELD), ==, 1);

  run_cli (f, &run, "outbox", "Acme", "--discard", held, "--retry", "1", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (f, &run, "outbox", "Acme", "--discard", "9999", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "has no entry 9999"));
  run_cli (f, &run, "outbox", "Nobody", "--discard", held, "--yes", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpint (count (f, PB_OUTBOX_HELD), ==, 1);

  run_cli (f, &run, "outbox", "Acme", "--discard", held, "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  expected = g_strdup_printf ("Discarded entry %s (held): position from 2025-01-01 of Per Berg <per@acme.no>. "
                              "It is not sent to payroll.\n", held);
  g_assert_cmpstr (run.out, ==, expected);
  g_assert_cmpint (count (f, PB_OUTBOX_HELD), ==, 0);

  /* Gone for good: turning positions on again sends nothing of it. */
  run_cli (f, &run, "outbox", "Acme", "--discard", held, "--yes", NULL);
  g_assert_cmpint (run.status, ==, 1);
  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS);
  g_assert_cmpint (count (f, PB_OUTBOX_PENDING), ==, 1);
  run_clear (&run);
}

/* SPEC C6, C7: connection show counts the outbox and the open errors,
 * and keeps its other keys. */
static void
test_show (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root, *outbox;
  Run run = { 0 };

  run_cli (f, &run, "connection", "show", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out, parser);
  g_assert_cmpstr (json_object_get_string_member (root, "name"), ==, "Acme");
  g_assert_cmpstr (json_object_get_string_member (root, "sync"), ==, "users");
  g_assert_cmpstr (json_object_get_string_member (root, "state"), ==, "active");
  outbox = json_object_get_object_member (root, "outbox");
  g_assert_nonnull (outbox);
  g_assert_cmpint (json_object_get_int_member (outbox, "pending"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (outbox, "attention"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (outbox, "held"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (root, "open_errors"), ==, 1);

  run_cli (f, &run, "connection", "show", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\nOutbox: 1 waiting, 1 needs attention, 1 held (data type off)\n"));
  g_assert_nonnull (strstr (run.out, "\nOpen errors: 1\n"));

  /* Sent after all: the counts follow. */
  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"employee_number\": \"78\" } ] }");
  g_assert_cmpuint (push (f).sent, ==, 3);
  run_cli (f, &run, "connection", "show", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\nOutbox: empty\n"));
  g_assert_nonnull (strstr (run.out, "\nOpen errors: 0\n"));
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add ("/cli/outbox/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("C6-C7-lists-open-entries", test_list);
  ADD ("C7-retry", test_retry);
  ADD ("R1-discard-needs-yes", test_discard);
  ADD ("C6-C7-connection-show-counts", test_show);

#undef ADD

  return g_test_run ();
}
