/* test-cli-absence-resend.c: paybridge-cli absence resend (SPEC A7), on an
 * absence the engine rejected against the in-process Tripletex sandbox
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
#include "pb-mapping.h"
#include "pb-outbox.h"
#include "pb-sandbox.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"absence_types\": [ { \"key\": \"sick\", \"name\": \"Sick leave\" }, { \"key\": \"other\", \"name\": \"Other\" } ],"
  "  \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\" }"
  "] }";

static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" }"
  "] }";

typedef struct
{
  PbSandbox    *sandbox;
  PbStore      *store;
  char         *dir;
  PbConnection *connection;
  PbProvider   *provider;
  char         *sick;         /* payroll's activity for sick leave */
  gint64        absence_id;   /* Kari's absence of "other", rejected */
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
  g_autoptr(GError) error = NULL;

  pb_import_data (f->store, "change.json", json, strlen (json), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
}

static PbPushResult
push (Fixture *f)
{
  return pb_test_push (f->store, f->connection, f->provider);
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

/* Kari's timesheet entries in payroll. */
static guint
count_entries (Fixture *f)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonArray *entries = json_object_get_array_member (json_node_get_object (state), "timesheetEntries");

  return entries != NULL ? json_array_get_length (entries) : 0;
}

static char *
absence_state (Fixture *f)
{
  g_autoptr(PbRecord) absence = pb_store_get (f->store, PB_ENTITY_ABSENCE, f->absence_id, NULL);

  return g_strdup (pb_record_get (absence, PB_ABSENCE_STATE));
}

static gint64
type_id (Fixture    *f,
         const char *key)
{
  g_autoptr(PbRecord) type = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, key, NULL);

  return pb_record_get_id (type);
}

/* --- fixture ---------------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  g_autoptr(PbRecord) kari = NULL;
  g_autoptr(GPtrArray) absences = NULL;
  PbPushResult pushed;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_load_seed_data (f->sandbox, payroll_seed, -1, &error);
  g_assert_no_error (error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);

  f->dir = pb_test_make_dir ("cli-absence");
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  import (f, hr_json);

  f->connection = pb_connection_new ();
  f->connection->name = g_strdup ("Acme");
  f->connection->system = g_strdup ("tripletex");
  f->connection->sync_types = PB_DATA_USERS | PB_DATA_ABSENCE;
  f->connection->base_url = g_strdup (pb_sandbox_get_api_url (f->sandbox));
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  f->provider = pb_test_new_provider ("tripletex", f->connection->base_url, NULL);

  /* The first user sync activates the connection (U6): Kari is linked. */
  pb_test_activate (f->store, f->connection, f->provider, FALSE);

  /* Sick leave is mapped; "other" is not (A2). */
  remotes = pb_test_call (f->provider, PB_OP_LIST_ABSENCE_TYPES, &(PbProviderArgs) { 0 }, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < remotes->len; i++)
    if (g_strcmp0 (((PbRemote *) g_ptr_array_index (remotes, i))->name, "Sykdom med lønn") == 0)
      f->sick = g_strdup (((PbRemote *) g_ptr_array_index (remotes, i))->id);
  g_assert_nonnull (f->sick);
  pb_store_set_mapping (f->store, f->connection->id, type_id (f, "sick"), PB_MAPPING_MAPPED, f->sick, &error);
  g_assert_no_error (error);

  /* SPEC A7: Kari's approved absence of "other" is rejected in HR. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", \"absences\": ["
             "  { \"type\": \"other\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
             "    \"state\": \"approved\" },"
             "  { \"type\": \"sick\", \"start_date\": \"2025-05-05\", \"end_date\": \"2025-05-05\", "
             "    \"state\": \"approved\" } ] } ] }");
  pushed = push (f);
  g_assert_cmpuint (pushed.rejected, ==, 1);
  g_assert_cmpuint (pushed.sent, ==, 1);
  g_assert_cmpuint (count_entries (f), ==, 1);

  kari = pb_store_find_employee (f->store, NULL, "kari@acme.no", NULL);
  absences = pb_store_list (f->store, PB_ENTITY_ABSENCE, pb_record_get_id (kari), NULL);
  for (guint i = 0; i < absences->len; i++)
    if (g_strcmp0 (pb_record_get (g_ptr_array_index (absences, i), PB_ABSENCE_TYPE), "other") == 0)
      f->absence_id = pb_record_get_id (g_ptr_array_index (absences, i));
  g_assert_cmpint (f->absence_id, !=, 0);
  g_assert_cmpint (pb_store_count_open_errors (f->store, f->connection->id), ==, 1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->provider);
  g_clear_object (&f->connection);
  g_clear_object (&f->store);
  g_clear_object (&f->sandbox);
  g_free (f->sick);
  g_free (f->dir);
}

/* --- tests -------------------------------------------------------------------------- */

/* SPEC A7: once its type is mapped, the rejected absence is resent: it is
 * approved again in HR, the next push sends it, and its error entry is
 * resolved by itself. */
static void
test_resend (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  Run run = { 0 };
  gint64 before = pb_store_max_change_id (f->store);
  PbPushResult pushed;

  pb_store_set_mapping (f->store, f->connection->id, type_id (f, "other"), PB_MAPPING_MAPPED, f->sick, &error);
  g_assert_no_error (error);

  /* By the type's name, any case. */
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "OTHER", "2025-03-17", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "approved again"));
  state = absence_state (f);
  g_assert_cmpstr (state, ==, "approved");
  {
    g_autoptr(GPtrArray) changes = pb_store_list_changes (f->store, before, NULL);

    g_assert_cmpuint (changes->len, ==, 1);
    g_assert_cmpint (((PbChange *) g_ptr_array_index (changes, 0))->record_id, ==, f->absence_id);
  }

  pushed = push (f);
  g_assert_cmpuint (pushed.sent, ==, 1);
  g_assert_cmpuint (pushed.rejected, ==, 0);
  g_assert_cmpuint (count_entries (f), ==, 3);
  g_assert_cmpint (pb_store_count_open_errors (f->store, f->connection->id), ==, 0);

  /* Not rejected any more: nothing to resend. */
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "other", "2025-03-17", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "not rejected"));
  run_clear (&run);
}

/* SPEC A7: what cannot be resent is said, with the exit statuses
 * docs/cli.md gives; the register is unchanged. */
static void
test_resend_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *state = NULL;
  gint64 before = pb_store_max_change_id (f->store);
  Run run = { 0 };

  run_cli (f, &run, "absence", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "other", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (f, &run, "absence", "forget", "kari@acme.no", NULL);
  g_assert_cmpint (run.status, ==, 2);

  run_cli (f, &run, "absence", "resend", "nobody@acme.no", "other", "2025-03-17", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "nobody@acme.no"));
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "holiday", "2025-03-17", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "holiday"));
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "other", "2025-03-18", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Kari Nordmann has no Other absence from 2025-03-18"));
  /* The sent one is approved, not rejected. */
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "sick", "2025-05-05", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "not rejected"));

  g_assert_cmpint (pb_store_max_change_id (f->store), ==, before);
  state = absence_state (f);
  g_assert_cmpstr (state, ==, "rejected");

  /* Resent with its cause still there, it is rejected again (A7). */
  run_cli (f, &run, "absence", "resend", "kari@acme.no", "other", "2025-03-17", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (push (f).rejected, ==, 1);
  g_clear_pointer (&state, g_free);
  state = absence_state (f);
  g_assert_cmpstr (state, ==, "rejected");
  g_assert_cmpint (pb_store_count_open_errors (f->store, f->connection->id), ==, 1);
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add ("/cli/absence/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("A7-resend", test_resend);
  ADD ("A7-resend-refused", test_resend_refused);

#undef ADD

  return g_test_run ();
}
