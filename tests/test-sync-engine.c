/* test-sync-engine.c: one engine for every record, durable until it lands
 * (SPEC R1-R3, C5-C7, P1, P2, P4, S1, S2, S4-S6), against the Tripletex
 * sandbox and judged by its state.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pb-import.h"
#include "pb-mapping.h"
#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-store-private.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\" }"
  "] }";

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
} Fixture;

/* For pushes started side by side (pb_test_push() waits for one). */
typedef struct
{
  gboolean         done;
  GError          *error;
  PbPushResult     pushed;
} Result;

static void
on_done (GObject      *source,
         GAsyncResult *res,
         gpointer      data)
{
  Result *r = data;

  pb_sync_engine_push_finish (res, &r->pushed, &r->error);
  r->done = TRUE;
}

static void
wait_for (Result *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (r->error);
}

static void
import (Fixture    *f,
        const char *json)
{
  pb_test_import (f->store, json);
}

static PbPushResult
push_with (Fixture    *f,
           PbStore    *store,
           PbProvider *provider)
{
  return pb_test_push (store, f->connection, provider);
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

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
  pb_sandbox_load_seed_data (f->sandbox, payroll_seed, -1, &error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);

  f->dir = pb_test_make_dir ("sync-engine");
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  import (f, hr_json);

  f->connection = pb_connection_new ();
  f->connection->name = g_strdup ("Acme");
  f->connection->system = g_strdup ("tripletex");
  f->connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY;
  f->connection->base_url = g_strdup (pb_sandbox_get_api_url (f->sandbox));
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);

  f->provider = pb_test_new_provider ("tripletex", f->connection->base_url, NULL);

  /* The first user sync activates the connection (U6); Per is created. */
  pb_test_activate (f->store, f->connection, f->provider, TRUE);

  /* The sandbox's company pays in NOK (S4). */
  g_free (f->connection->remote_currency);
  f->connection->remote_currency = g_strdup ("NOK");
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
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

/* --- reading the sandbox's state ---------------------------------------------------- */

static JsonArray *
state_array (JsonNode   *state,
             const char *name)
{
  return json_object_get_array_member (json_node_get_object (state), name);
}

static gint64
ref_id (JsonObject *object,
        const char *member)
{
  JsonObject *ref = json_object_get_object_member (object, member);

  return ref != NULL ? json_object_get_int_member (ref, "id") : 0;
}

static gint64
payroll_employee_id (JsonNode   *state,
                     const char *email)
{
  JsonArray *employees = state_array (state, "employees");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0)
        return json_object_get_int_member (e, "id");
    }
  return 0;
}

static guint
count_with_email (JsonNode   *state,
                  const char *email)
{
  JsonArray *employees = state_array (state, "employees");
  guint count = 0;

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      count += g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0;
    }
  return count;
}

static char *
payroll_value (Fixture    *f,
               const char *email,
               const char *member)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonArray *employees = state_array (state, "employees");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0)
        return g_strdup (json_object_get_string_member_with_default (e, member, NULL));
    }
  return NULL;
}

/* The records of @array in @state whose @member refers to @id (owned by
 * @state). */
static GPtrArray *
records_referring (JsonNode   *state,
                   const char *array,
                   const char *member,
                   gint64      id)
{
  JsonArray *records = state_array (state, array);
  GPtrArray *mine = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);

      if (ref_id (record, member) == id)
        g_ptr_array_add (mine, record);
    }
  return mine;
}

/* A person's employments in payroll. */
static GPtrArray *
employments_of (JsonNode   *state,
                const char *email)
{
  return records_referring (state, "employments", "employee", payroll_employee_id (state, email));
}

static GPtrArray *
details_of (JsonNode *state,
            gint64    employment)
{
  return records_referring (state, "employmentDetails", "employment", employment);
}

static PbErrorEntry *
open_error (Fixture *f,
            guint   *n_open)
{
  g_autoptr(GPtrArray) errors = pb_store_list_errors (f->store, f->connection->id, NULL);
  PbErrorEntry *found = NULL;

  *n_open = 0;
  for (guint i = 0; i < errors->len; i++)
    {
      PbErrorEntry *e = g_ptr_array_index (errors, i);

      if (e->state != PB_ERROR_OPEN)
        continue;
      (*n_open)++;
      if (found == NULL)
        found = g_ptr_array_steal_index (errors, i--);
    }
  return found;
}

static GPtrArray *salary_details (JsonNode   *state,
                                  const char *email);

/* --- durable delivery --------------------------------------------------------------- */

/* SPEC R1, R2, C7: a change pushed while payroll refuses the credentials is
 * not lost: ten tries leave it pending and one open error entry (counted
 * ten times); with the right token it lands by itself and the entry is
 * resolved. */
static void
test_revoked_token (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PbProvider) revoked = pb_test_new_provider ("tripletex", f->connection->base_url, "revoked-token");
  g_autoptr(PbErrorEntry) e = NULL;
  g_autofree char *phone = NULL;
  PbPushResult r;
  guint n_open;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"phone\": \"+47 911 11 111\" } ] }");
  for (guint i = 0; i < 10; i++)
    {
      r = push_with (f, f->store, revoked);
      g_assert_cmpuint (r.sent, ==, 0);
      g_assert_cmpuint (r.waiting, ==, 1);
      g_assert_true (r.stopped);
    }

  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_cmpuint (e->count, ==, 10);
  g_assert_nonnull (strstr (e->advice, "Sign in again or enter new tokens"));

  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.waiting, ==, 0);
  phone = payroll_value (f, "kari@acme.no", "phoneNumberMobile");
  g_assert_cmpstr (phone, ==, "+47 911 11 111");
  g_clear_pointer (&e, pb_error_entry_free);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 0);
}

/* SPEC R2: payroll down (every answer a 503) keeps the change pending;
 * it arrives after recovery without anyone touching it again. */
static void
test_outage (Fixture       *f,
             gconstpointer  data)
{
  PbSandboxFaults down = { .fail_rate = 1.0 };
  PbSandboxFaults up = { 0 };
  g_autofree char *phone = NULL;
  PbPushResult r;
  guint n_open;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"phone\": \"+47 922 22 222\" } ] }");
  pb_sandbox_set_faults (f->sandbox, &down, NULL);
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 1);
  g_assert_cmpint (pb_store_count_outbox (f->store, f->connection->id, PB_OUTBOX_ATTENTION), ==, 0);

  pb_sandbox_set_faults (f->sandbox, &up, NULL);
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  phone = payroll_value (f, "kari@acme.no", "phoneNumberMobile");
  g_assert_cmpstr (phone, ==, "+47 922 22 222");
  g_free (open_error (f, &n_open));
  g_assert_cmpuint (n_open, ==, 0);
}

/* SPEC C7, R1: a refused entry needs attention and is not lost; a change
 * of the record supersedes it (the superseded entry is never sent) and
 * the new one resolves the error entry when it lands. Two changes before
 * a push are one send. */
static void
test_superseded (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PbErrorEntry) e = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *number = NULL;
  g_autoptr(GArray) open = NULL;
  PbPushResult r;
  guint n_open;

  /* Payroll already has employee number 77 (another person). */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"employee_number\": \"77\" } ] }");
  r = push (f);
  g_assert_cmpuint (r.attention, ==, 1);
  g_assert_cmpint (pb_store_count_outbox (f->store, f->connection->id, PB_OUTBOX_ATTENTION), ==, 1);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_cmpstr (e->who, ==, "Kari Nordmann <kari@acme.no>");

  /* Not tried again by itself. */
  r = push (f);
  g_assert_cmpuint (r.sent + r.attention, ==, 0);

  /* Two changes, one send; the entry that needed attention is superseded. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"employee_number\": \"78\" } ] }");
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"phone\": \"+47 933 33 333\" } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  number = payroll_value (f, "kari@acme.no", "employeeNumber");
  phone = payroll_value (f, "kari@acme.no", "phoneNumberMobile");
  g_assert_cmpstr (number, ==, "78");
  g_assert_cmpstr (phone, ==, "+47 933 33 333");
  open = pb_store_list_outbox_open (f->store, f->connection->id, NULL);
  g_assert_cmpuint (open->len, ==, 0);
  g_clear_pointer (&e, pb_error_entry_free);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 0);
}

/* SPEC C7, R1: only the administrator takes an entry out unsent: a
 * discarded entry is never sent, and its error entry is set aside with it. */
static void
test_discard (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GArray) open = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *number = NULL;
  guint n_open;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"employee_number\": \"77\" } ] }");
  g_assert_cmpuint (push (f).attention, ==, 1);
  open = pb_store_list_outbox_open (f->store, f->connection->id, NULL);
  g_assert_cmpuint (open->len, ==, 1);
  g_assert_cmpint (g_array_index (open, PbOutboxEntry, 0).state, ==, PB_OUTBOX_ATTENTION);
  g_assert_cmpuint (strlen (g_array_index (open, PbOutboxEntry, 0).created_at), >=, 20);

  pb_store_outbox_discard (f->store, f->connection->id, g_array_index (open, PbOutboxEntry, 0).id, &error);
  g_assert_no_error (error);
  g_free (open_error (f, &n_open));
  g_assert_cmpuint (n_open, ==, 0);
  errors = pb_store_list_errors (f->store, f->connection->id, NULL);
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpint (((PbErrorEntry *) g_ptr_array_index (errors, 0))->state, ==, PB_ERROR_DISMISSED);
  /* Retry has nothing to send back, and a push sends nothing. Payroll
   * kept its value: the refused update changed nothing there. */
  g_assert_cmpint (pb_store_outbox_retry (f->store, f->connection->id, 0, NULL), ==, 0);
  g_assert_cmpuint (push (f).sent, ==, 0);
  number = payroll_value (f, "kari@acme.no", "employeeNumber");
  g_assert_cmpstr (number, !=, "77");
}

/* SPEC R3: one drainer per connection. Two pushes started together (two
 * stores on one register, as the app and the CLI) send each entry once;
 * a lease left by a killed process expires, or is taken over at once when
 * its holder is a process of this machine that is gone. */
static void
test_two_pushes (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PbStore) other = pb_store_open (f->dir, NULL);
  g_autoptr(JsonNode) state = NULL;
  Result a = { 0 }, b = { 0 };
  gboolean taken = FALSE;
  g_autoptr(GError) error = NULL;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
             "  { \"given_name\": \"Nils\", \"family_name\": \"Ny\", \"email\": \"nils@acme.no\" } ] }");

  pb_sync_engine_push_async (f->store, f->connection, f->provider, NULL, on_done, &a);
  pb_sync_engine_push_async (other, f->connection, f->provider, NULL, on_done, &b);
  wait_for (&a);
  wait_for (&b);
  g_assert_cmpuint (a.pushed.sent + b.pushed.sent, ==, 1);
  g_assert_true (a.pushed.busy != b.pushed.busy);
  state = pb_sandbox_dup_state (f->sandbox);
  g_assert_cmpuint (count_with_email (state, "nils@acme.no"), ==, 1);

  /* Released when done: a later push gets it. */
  a = (Result) { 0 };
  pb_sync_engine_push_async (other, f->connection, f->provider, NULL, on_done, &a);
  wait_for (&a);
  g_assert_false (a.pushed.busy);

  /* A holder that died: its lease runs out. */
  pb_store_take_lease (f->store, f->connection->id, "killed-process", 60, &taken, &error);
  g_assert_no_error (error);
  g_assert_true (taken);
  a = (Result) { 0 };
  pb_sync_engine_push_async (other, f->connection, f->provider, NULL, on_done, &a);
  wait_for (&a);
  g_assert_true (a.pushed.busy);
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (f->store), "UPDATE outbox_leases SET expires_at = 0", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  a = (Result) { 0 };
  pb_sync_engine_push_async (other, f->connection, f->provider, NULL, on_done, &a);
  wait_for (&a);
  g_assert_false (a.pushed.busy);

  /* SPEC R3, found by test-crash-resume (PB_CRASH_SEED=2 of push-killed):
   * a push killed while holding the lease left the next one "busy" for
   * two minutes. A holder that names a process of this machine that is
   * gone is taken over at once; a live one (this process) is not. */
  {
    g_autofree char *mine = pb_store_new_lease_holder ();
    g_auto(GStrv) parts = g_strsplit (mine, " ", -1);
    g_autofree char *dead = NULL;
    g_autofree char *alive = NULL;
    pid_t gone;

    /* A process that ran and was reaped. (Not a GSubprocess: GLib's child
     * watch may reap a quick one before its identifier is read, which then
     * is NULL; that made this test fail now and then on a busy machine.) */
    gone = fork ();
    g_assert_cmpint (gone, >=, 0);
    if (gone == 0)
      _exit (0);
    g_assert_cmpint (waitpid (gone, NULL, 0), ==, gone);

    g_assert_cmpuint (g_strv_length (parts), ==, 3);
    dead = g_strdup_printf ("%s %d %s", parts[0], (int) gone, parts[2]);
    alive = g_strdup_printf ("%s %d %s", parts[0], (int) getppid (), parts[2]);

    pb_store_release_lease (f->store, f->connection->id, "killed-process");
    pb_store_take_lease (f->store, f->connection->id, alive, 60, &taken, &error);
    g_assert_no_error (error);
    g_assert_true (taken);
    a = (Result) { 0 };
    pb_sync_engine_push_async (other, f->connection, f->provider, NULL, on_done, &a);
    wait_for (&a);
    g_assert_true (a.pushed.busy);

    pb_store_release_lease (f->store, f->connection->id, alive);
    pb_store_take_lease (f->store, f->connection->id, dead, 60, &taken, &error);
    g_assert_no_error (error);
    g_assert_true (taken);
    a = (Result) { 0 };
    pb_sync_engine_push_async (other, f->connection, f->provider, NULL, on_done, &a);
    wait_for (&a);
    g_assert_false (a.pushed.busy);
  }
}

/* SPEC R2: with one connection in ten dropped after payroll did the work
 * (the answer lost) and one in ten before it read the request, every
 * change lands exactly once: creates are found before they are made again,
 * an update's body survives libsoup's own resend, and a 422 about a body
 * lost on the wire is not taken as payroll's refusal. */
static void
test_dropped_connections (Fixture       *f,
                          gconstpointer  data)
{
  PbSandboxFaults drops = { .drop_rate = 0.1, .drop_before_read_rate = 0.1, .seed = 7 };
  g_autoptr(GString) json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");
  g_autoptr(JsonNode) state = NULL;
  guint rounds = 0;
  PbPushResult r;

  for (guint i = 0; i < 30; i++)
    g_string_append_printf (json, "%s{ \"given_name\": \"P%u\", \"family_name\": \"Test\", "
                                  "\"email\": \"p%u@acme.no\", \"phone\": \"+47 900 00 %03u\", "
                                  "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ], "
                                  "\"salaries\": [ { \"start_date\": \"2024-03-01\", \"amount\": \"%u\", "
                                  "\"currency\": \"NOK\", \"period_unit\": \"yearly\" } ] }",
                            i > 0 ? "," : "", i, i, i, 500000 + i);
  g_string_append (json, "] }");
  import (f, json->str);
  pb_sandbox_set_faults (f->sandbox, &drops, NULL);

  do
    {
      r = push (f);
      g_assert_cmpuint (r.attention, ==, 0);
    }
  while (r.waiting > 0 && ++rounds < 30);
  g_assert_cmpuint (r.waiting, ==, 0);

  /* And every one a second time, as updates. */
  g_string_assign (json, "{ \"format\": \"paybridge-hr/1\", \"employees\": [");
  for (guint i = 0; i < 30; i++)
    g_string_append_printf (json, "%s{ \"email\": \"p%u@acme.no\", \"phone\": \"+47 911 00 %03u\" }",
                            i > 0 ? "," : "", i, i);
  g_string_append (json, "] }");
  import (f, json->str);
  rounds = 0;
  do
    r = push (f);
  while (r.waiting > 0 && ++rounds < 30);
  g_assert_cmpuint (r.waiting, ==, 0);
  {
    g_autoptr(GPtrArray) errors = pb_store_list_errors (f->store, f->connection->id, NULL);
    for (guint i = 0; i < errors->len; i++)
      {
        PbErrorEntry *e = g_ptr_array_index (errors, i);
        if (e->state == PB_ERROR_OPEN)
          g_test_message ("open error: %s: %s (%s)", e->what, e->message, e->system_message);
      }
  }
  g_assert_cmpint (pb_store_count_outbox (f->store, f->connection->id, PB_OUTBOX_ATTENTION), ==, 0);

  state = pb_sandbox_dup_state (f->sandbox);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%u@acme.no", i);
      g_autofree char *expected = g_strdup_printf ("+47 911 00 %03u", i);
      g_autofree char *phone = payroll_value (f, email, "phoneNumberMobile");

      g_autoptr(GPtrArray) employments = employments_of (state, email);
      g_autoptr(GPtrArray) salaries = salary_details (state, email);

      g_assert_cmpuint (count_with_email (state, email), ==, 1);
      g_assert_cmpstr (phone, ==, expected);
      g_assert_cmpuint (employments->len, ==, 1);
      g_assert_cmpuint (salaries->len, ==, 1);
      g_assert_cmpfloat (json_object_get_double_member (g_ptr_array_index (salaries, 0), "annualSalary"), ==,
                         500000 + i);
    }
}

/* --- per-type activation ------------------------------------------------------------ */

/* SPEC C5, C6: a change made while users are off is never sent; an entry
 * pending when a type is turned off is held, not sent, and goes once it is
 * on again. */
static void
test_type_activation (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *phone = NULL;
  PbPushResult r;

  set_types (f, PB_DATA_POSITIONS | PB_DATA_SALARY);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"phone\": \"+47 944 44 444\" } ] }");
  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY);
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  phone = payroll_value (f, "kari@acme.no", "phoneNumberMobile");
  g_assert_cmpstr (phone, !=, "+47 944 44 444");

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"phone\": \"+47 955 55 555\" } ] }");
  g_assert_cmpint (pb_sync_engine_enqueue (f->store, f->connection, NULL), ==, 1);
  set_types (f, PB_DATA_POSITIONS);
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.held, ==, 1);

  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS);
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.held, ==, 0);
  g_clear_pointer (&phone, g_free);
  phone = payroll_value (f, "kari@acme.no", "phoneNumberMobile");
  g_assert_cmpstr (phone, ==, "+47 955 55 555");
}

/* SPEC C5: a position that existed before position sync was turned on is
 * sent only once it changes after that. */
static void
test_positions_turned_on_later (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) one = NULL;

  set_types (f, PB_DATA_USERS);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ] } ] }");
  g_assert_cmpuint (push (f).sent, ==, 0);
  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS);
  g_assert_cmpuint (push (f).sent, ==, 0);
  before = pb_sandbox_dup_state (f->sandbox);
  none = employments_of (before, "kari@acme.no");
  g_assert_cmpuint (none->len, ==, 0);

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\", \"percentage\": \"80\" } ] } ] }");
  g_assert_cmpuint (push (f).sent, ==, 1);
  after = pb_sandbox_dup_state (f->sandbox);
  one = employments_of (after, "kari@acme.no");
  g_assert_cmpuint (one->len, ==, 1);
}

/* --- positions ---------------------------------------------------------------------- */

/* SPEC P1, P2: a new position is a new employment; a change of its end is
 * an update of the same one; a new start date is a new period; Tripletex
 * keeps what HR deletes; overlapping periods are refused before sending,
 * naming both. */
static void
test_positions (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) employments = NULL;
  g_autoptr(PbErrorEntry) e = NULL;
  JsonObject *employment;
  gint64 first_id;
  PbPushResult r;
  guint n_open;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\", \"percentage\": \"80\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  state = pb_sandbox_dup_state (f->sandbox);
  employments = employments_of (state, "kari@acme.no");
  g_assert_cmpuint (employments->len, ==, 1);
  employment = g_ptr_array_index (employments, 0);
  g_assert_cmpstr (json_object_get_string_member (employment, "startDate"), ==, "2024-01-01");
  first_id = json_object_get_int_member (employment, "id");

  /* P1: the end date changes the same employment. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"title\": \"Developer\", "
             "\"end_reason\": \"internal_change\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = pb_sandbox_dup_state (f->sandbox);
  employments = employments_of (state, "kari@acme.no");
  g_assert_cmpuint (employments->len, ==, 1);
  employment = g_ptr_array_index (employments, 0);
  g_assert_cmpint (json_object_get_int_member (employment, "id"), ==, first_id);
  g_assert_cmpstr (json_object_get_string_member (employment, "endDate"), ==, "2024-12-31");

  /* P2: a new period is a new employment. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"title\": \"Developer\" },"
             "                 { \"start_date\": \"2025-01-01\", \"title\": \"Lead\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = pb_sandbox_dup_state (f->sandbox);
  employments = employments_of (state, "kari@acme.no");
  g_assert_cmpuint (employments->len, ==, 2);

  /* P2: an overlapping period is refused before sending, naming both. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"title\": \"Developer\" },"
             "                 { \"start_date\": \"2025-01-01\", \"title\": \"Lead\" },"
             "                 { \"start_date\": \"2024-06-01\", \"end_date\": \"2024-08-31\", \"title\": \"Extra\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 1);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_nonnull (strstr (e->message, "2024-06-01"));
  g_assert_nonnull (strstr (e->message, "2024-01-01"));
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = pb_sandbox_dup_state (f->sandbox);
  employments = employments_of (state, "kari@acme.no");
  g_assert_cmpuint (employments->len, ==, 2);

  /* Tripletex cannot delete an employment: HR's delete sends nothing. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"title\": \"Developer\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 0);
}

/* --- salary ------------------------------------------------------------------------- */

static GPtrArray *
salary_details (JsonNode   *state,
                const char *email)
{
  g_autoptr(GPtrArray) employments = employments_of (state, email);
  GPtrArray *all = g_ptr_array_new ();

  for (guint i = 0; i < employments->len; i++)
    {
      g_autoptr(GPtrArray) details = details_of (state, json_object_get_int_member (g_ptr_array_index (employments, i),
                                                                                   "id"));

      for (guint d = 0; d < details->len; d++)
        if (json_object_get_double_member_with_default (g_ptr_array_index (details, d), "annualSalary", 0) > 0 ||
            json_object_get_double_member_with_default (g_ptr_array_index (details, d), "hourlyWage", 0) > 0)
          g_ptr_array_add (all, g_ptr_array_index (details, d));
    }
  return all;
}

/* SPEC S1, S6: a salary goes to payroll linked to the employment its
 * position is, in the same push as that position; S4: a currency other
 * than payroll's is refused; S5: overlapping salaries are refused; S2:
 * Tripletex clears the values of a deleted salary. */
static void
test_salary (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) salaries = NULL;
  g_autoptr(PbErrorEntry) e = NULL;
  JsonObject *details;
  PbPushResult r;
  guint n_open;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ],"
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"50000\", \"currency\": \"NOK\", "
             "\"period_unit\": \"monthly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 2);
  state = pb_sandbox_dup_state (f->sandbox);
  salaries = salary_details (state, "kari@acme.no");
  g_assert_cmpuint (salaries->len, ==, 1);
  details = g_ptr_array_index (salaries, 0);
  g_assert_cmpfloat (json_object_get_double_member (details, "annualSalary"), ==, 600000.0);

  /* An update changes the same details. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"55000\", \"currency\": \"NOK\", "
             "\"period_unit\": \"monthly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_clear_pointer (&salaries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = pb_sandbox_dup_state (f->sandbox);
  salaries = salary_details (state, "kari@acme.no");
  g_assert_cmpuint (salaries->len, ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (g_ptr_array_index (salaries, 0), "annualSalary"), ==, 660000.0);

  /* S4 */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"5000\", \"currency\": \"EUR\", "
             "\"period_unit\": \"monthly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 1);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_nonnull (strstr (e->message, "EUR"));
  g_assert_nonnull (strstr (e->message, "NOK"));

  /* S5: two periods that overlap are both refused, naming the other. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"amount\": \"55000\", "
             "\"currency\": \"NOK\", \"period_unit\": \"monthly\" },"
             "              { \"start_date\": \"2024-06-01\", \"amount\": \"100\", \"currency\": \"NOK\", "
             "\"period_unit\": \"hourly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 2);
  g_clear_pointer (&e, pb_error_entry_free);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 2);
  g_assert_nonnull (strstr (e->message, "2024-06-01"));

  /* Back to one NOK salary: sent, and every error entry resolved. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"end_date\": null, \"amount\": \"55000\", "
             "\"currency\": \"NOK\", \"period_unit\": \"monthly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  g_clear_pointer (&e, pb_error_entry_free);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 0);

  /* S2: deleting the first clears its values in Tripletex. */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"salaries\": [] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_clear_pointer (&salaries, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = pb_sandbox_dup_state (f->sandbox);
  salaries = salary_details (state, "kari@acme.no");
  g_assert_cmpuint (salaries->len, ==, 0);
}

/* SPEC S3: amount, period unit and start date reach payroll as
 * Tripletex holds them: a monthly salary as its annual sum, an hourly
 * wage as the hourly wage with the remuneration type that says so. */
static void
test_salary_fields (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) salaries = NULL;
  JsonObject *first, *second;
  PbPushResult r;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ],"
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-06-30\", \"amount\": \"40000\", "
             "\"currency\": \"NOK\", \"period_unit\": \"monthly\" },"
             "              { \"start_date\": \"2024-07-01\", \"amount\": \"310.50\", \"currency\": \"NOK\", "
             "\"period_unit\": \"hourly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 3);
  state = pb_sandbox_dup_state (f->sandbox);
  salaries = salary_details (state, "kari@acme.no");
  g_assert_cmpuint (salaries->len, ==, 2);
  first = g_ptr_array_index (salaries, 0);
  second = g_ptr_array_index (salaries, 1);
  if (g_strcmp0 (json_object_get_string_member (first, "date"), "2024-07-01") == 0)
    {
      JsonObject *swap = first;
      first = second;
      second = swap;
    }
  g_assert_cmpstr (json_object_get_string_member (first, "date"), ==, "2024-01-01");
  g_assert_cmpfloat (json_object_get_double_member (first, "annualSalary"), ==, 480000.0);
  g_assert_cmpstr (json_object_get_string_member (first, "remunerationType"), ==, "MONTHLY_WAGE");
  g_assert_cmpstr (json_object_get_string_member (second, "date"), ==, "2024-07-01");
  g_assert_cmpfloat (json_object_get_double_member (second, "hourlyWage"), ==, 310.5);
  g_assert_cmpstr (json_object_get_string_member (second, "remunerationType"), ==, "HOURLY_WAGE");
}

/* SPEC R1, R3: entries version 6 gave up on ("failed") come back as
 * pending when the register is upgraded, the newest of each record; an
 * older one of the same record is superseded, not sent twice. */
static void
test_failed_entries_migrated (void)
{
  g_autofree char *dir = pb_test_make_dir ("migrate-outbox");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) old = pb_store_open_at_version (dir, 6, &error);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GArray) pending = NULL;
  g_autoptr(GArray) open = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (old),
                                 "INSERT INTO connections (id, name, system, created_at, state, sync_types, activated_at) "
                                 "VALUES (1, 'Acme', 'tripletex', '2026-01-01', 'active', 1, '2026-01-01');"
                                 "INSERT INTO outbox (id, connection_id, entity, record_id, employee_id, change_id, "
                                 "created_at, attempts, state) VALUES "
                                 "(1, 1, 'employee', 7, 7, 10, '2026-01-02', 5, 'failed'),"
                                 "(2, 1, 'employee', 7, 7, 11, '2026-01-03', 5, 'failed'),"
                                 "(3, 1, 'employee', 8, 8, 12, '2026-01-03', 1, 'failed'),"
                                 "(4, 1, 'employee', 9, 9, 13, '2026-01-03', 0, 'done');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&old);

  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  pending = pb_store_list_outbox (store, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 2);
  g_assert_cmpint (g_array_index (pending, PbOutboxEntry, 0).id, ==, 2);
  g_assert_cmpint (g_array_index (pending, PbOutboxEntry, 0).attempts, ==, 0);
  g_assert_cmpint (g_array_index (pending, PbOutboxEntry, 1).id, ==, 3);
  open = pb_store_list_outbox_open (store, 1, &error);
  g_assert_cmpuint (open->len, ==, 2);
  g_assert_true (pb_store_get_type_activation (store, 1, PB_DATA_USERS, NULL, NULL));
  g_assert_false (pb_store_get_type_activation (store, 1, PB_DATA_POSITIONS, NULL, NULL));
}

/* SPEC S6: without position sync, a salary is refused with what to do. */
static void
test_salary_needs_positions (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PbErrorEntry) e = NULL;
  PbPushResult r;
  guint n_open;

  set_types (f, PB_DATA_USERS | PB_DATA_SALARY);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", "
             "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ],"
             "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"50000\", \"currency\": \"NOK\", "
             "\"period_unit\": \"monthly\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 1);
  e = open_error (f, &n_open);
  g_assert_nonnull (strstr (e->message, "position sync"));
}

/* SPEC C5, R1: entries of a person that payroll does not know wait for
 * the person, and one person's refusal holds back only their records. */
static void
test_person_first (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) nils = NULL;
  g_autoptr(GPtrArray) kari = NULL;
  PbPushResult r;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
             "  { \"given_name\": \"Nils\", \"family_name\": \"Ny\", \"email\": \"nils@acme.no\","
             "    \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ] },"
             "  { \"given_name\": \"Dup\", \"family_name\": \"Number\", \"email\": \"dup@acme.no\", \"employee_number\": \"77\","
             "    \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ] },"
             "  { \"email\": \"kari@acme.no\", \"positions\": [ { \"start_date\": \"2023-01-01\", \"title\": \"Tester\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 3);        /* Nils, his position, Kari's position */
  g_assert_cmpuint (r.attention, ==, 1);   /* Dup */
  g_assert_cmpuint (r.waiting, ==, 1);     /* Dup's position waits for Dup */
  state = pb_sandbox_dup_state (f->sandbox);
  nils = employments_of (state, "nils@acme.no");
  kari = employments_of (state, "kari@acme.no");
  g_assert_cmpuint (nils->len, ==, 1);
  g_assert_cmpuint (kari->len, ==, 1);
}

/* --- absence (SPEC A1-A7) ---------------------------------------------------------- */

static const char absence_types_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"absence_types\": ["
  "  { \"key\": \"sick\", \"name\": \"Sick leave\" }, { \"key\": \"vac\", \"name\": \"Vacation\" },"
  "  { \"key\": \"course\", \"name\": \"Course\" }, { \"key\": \"other\", \"name\": \"Other\" } ] }";

/* Reads payroll's types into the cache and maps sick and vac; course is
 * "Do not sync", other is left unmapped. Returns the sick type's payroll id. */
static char *
map_absence_types (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = pb_test_call (f->provider, PB_OP_LIST_ABSENCE_TYPES, &(PbProviderArgs) { 0 }, &error);
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  const char *sick = NULL, *vac = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (remote->id);
      type->name = g_strdup (remote->name);
      g_ptr_array_add (types, type);
      if (g_strcmp0 (remote->name, "Sykdom med lønn") == 0)
        sick = type->id;
      else if (g_strcmp0 (remote->name, "Ferie") == 0)
        vac = type->id;
    }
  g_assert_nonnull (sick);
  g_assert_nonnull (vac);
  pb_store_save_remote_types (f->store, f->connection->id, types, &error);
  g_assert_no_error (error);

  import (f, absence_types_json);
  {
    g_autoptr(PbRecord) t_sick = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, "sick", NULL);
    g_autoptr(PbRecord) t_vac = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, "vac", NULL);
    g_autoptr(PbRecord) t_course = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, "course", NULL);

    pb_store_set_mapping (f->store, f->connection->id, pb_record_get_id (t_sick), PB_MAPPING_MAPPED, sick, &error);
    pb_store_set_mapping (f->store, f->connection->id, pb_record_get_id (t_vac), PB_MAPPING_MAPPED, vac, &error);
    pb_store_set_mapping (f->store, f->connection->id, pb_record_get_id (t_course), PB_MAPPING_EXCLUDED, NULL,
                          &error);
    g_assert_no_error (error);
  }
  return g_strdup (sick);
}

/* A person's timesheet entries in payroll. */
static GPtrArray *
entries_of (JsonNode   *state,
            const char *email)
{
  return records_referring (state, "timesheetEntries", "employee", payroll_employee_id (state, email));
}

static guint
count_entries (Fixture    *f,
               const char *email)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  g_autoptr(GPtrArray) entries = entries_of (state, email);

  return entries->len;
}

static char *
absence_state (Fixture    *f,
               const char *email,
               const char *start)
{
  g_autoptr(PbRecord) employee = pb_store_find_employee (f->store, NULL, email, NULL);
  g_autoptr(GPtrArray) absences = pb_store_list (f->store, PB_ENTITY_ABSENCE, pb_record_get_id (employee), NULL);

  for (guint i = 0; i < absences->len; i++)
    if (g_strcmp0 (pb_record_get (g_ptr_array_index (absences, i), PB_ABSENCE_START_DATE), start) == 0)
      return g_strdup (pb_record_get (g_ptr_array_index (absences, i), PB_ABSENCE_STATE));
  return NULL;
}

#define KARI_ABSENCES(list) \
  "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", \"absences\": [" list "] } ] }"

/* SPEC A1, A3, A4: approved absences with an end date of a mapped type go
 * to Tripletex as timesheet hours on the mapped activity, one entry a
 * weekday; others do not; a change updates them; unapproving deletes. */
static void
test_absence (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *sick = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  PbPushResult r;

  set_types (f, PB_DATA_USERS | PB_DATA_ABSENCE);
  sick = map_absence_types (f);

  /* A1: 2025-03-17 (Monday) to 2025-03-19: three days. Pending, open-ended
   * and excluded ones are not sent. */
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-19\", "
                            "  \"state\": \"approved\", \"note\": \"Flu\" },"
                            "{ \"type\": \"vac\", \"start_date\": \"2025-07-01\", \"end_date\": \"2025-07-04\" },"
                            "{ \"type\": \"sick\", \"start_date\": \"2025-04-01\", \"state\": \"approved\" },"
                            "{ \"type\": \"course\", \"start_date\": \"2025-05-05\", \"end_date\": \"2025-05-06\", "
                            "  \"state\": \"approved\" }"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  state = pb_sandbox_dup_state (f->sandbox);
  entries = entries_of (state, "kari@acme.no");
  g_assert_cmpuint (entries->len, ==, 3);
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *e = g_ptr_array_index (entries, i);
      g_autofree char *activity = g_strdup_printf ("%" G_GINT64_FORMAT, ref_id (e, "activity"));

      g_assert_cmpstr (activity, ==, sick);
      g_assert_cmpstr (json_object_get_string_member (e, "comment"), ==, "Flu");
    }

  /* A3: a longer period and a new note update the same absence. */
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-20\", "
                            "  \"state\": \"approved\", \"note\": \"Flu, day four\" },"
                            "{ \"type\": \"vac\", \"start_date\": \"2025-07-01\", \"end_date\": \"2025-07-04\" },"
                            "{ \"type\": \"sick\", \"start_date\": \"2025-04-01\", \"state\": \"approved\" },"
                            "{ \"type\": \"course\", \"start_date\": \"2025-05-05\", \"end_date\": \"2025-05-06\", "
                            "  \"state\": \"approved\" }"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 4);

  /* A4: unapproved after approval: deleted in payroll. */
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"state\": \"unapproved\" }"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 0);

  /* A4: approved again, then its end date removed: deleted again. */
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
                            "\"state\": \"approved\" }"));
  g_assert_cmpuint (push (f).sent, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 2);
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": null, "
                            "\"state\": \"approved\" }"));
  g_assert_cmpuint (push (f).sent, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 0);

  /* A4: deleted in HR. */
  import (f, KARI_ABSENCES ("{ \"type\": \"vac\", \"start_date\": \"2025-07-01\", \"end_date\": \"2025-07-04\", "
                            "\"state\": \"approved\" }"));
  g_assert_cmpuint (push (f).sent, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 4);
  import (f, KARI_ABSENCES (""));
  g_assert_cmpuint (push (f).sent, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 0);
}

/* SPEC R2, R3: absences whose answers are lost on the wire land once:
 * a create whose entries payroll already made takes them, instead of
 * making them again (Tripletex refuses that) or rejecting the absence. */
static void
test_absence_dropped (Fixture       *f,
                      gconstpointer  data)
{
  PbSandboxFaults drops = { .drop_rate = 0.3, .drop_before_read_rate = 0.1, .seed = 11 };
  g_autofree char *sick = NULL;
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GHashTable) days = g_hash_table_new (g_str_hash, g_str_equal);
  guint rounds = 0;
  PbPushResult r;

  set_types (f, PB_DATA_USERS | PB_DATA_ABSENCE);
  sick = map_absence_types (f);
  /* Eight Monday-to-Wednesday absences: 24 days. */
  for (guint week = 0; week < 8; week++)
    {
      g_autoptr(GDate) monday = g_date_new_dmy (3, G_DATE_MARCH, 2025);
      char start[16], end[16];

      g_date_add_days (monday, 7 * week);
      g_date_strftime (start, sizeof start, "%Y-%m-%d", monday);
      g_date_add_days (monday, 2);
      g_date_strftime (end, sizeof end, "%Y-%m-%d", monday);
      g_string_append_printf (json, "%s{ \"type\": \"sick\", \"start_date\": \"%s\", \"end_date\": \"%s\", "
                                    "\"state\": \"approved\" }", week > 0 ? "," : "", start, end);
    }
  {
    g_autofree char *doc = g_strdup_printf (KARI_ABSENCES ("%s"), json->str);

    import (f, doc);
  }
  pb_sandbox_set_faults (f->sandbox, &drops, NULL);
  do
    {
      r = push (f);
      g_assert_cmpuint (r.attention, ==, 0);
    }
  while (r.waiting > 0 && ++rounds < 40);
  g_assert_cmpuint (r.waiting, ==, 0);

  state = pb_sandbox_dup_state (f->sandbox);
  entries = entries_of (state, "kari@acme.no");
  g_assert_cmpuint (entries->len, ==, 24);
  for (guint i = 0; i < entries->len; i++)
    g_assert_true (g_hash_table_add (days, (gpointer) json_object_get_string_member (g_ptr_array_index (entries, i),
                                                                                   "date")));
  for (guint week = 0; week < 8; week++)
    {
      g_autoptr(GDate) monday = g_date_new_dmy (3, G_DATE_MARCH, 2025);
      g_autofree char *text = NULL;
      char start[16];

      g_date_add_days (monday, 7 * week);
      g_date_strftime (start, sizeof start, "%Y-%m-%d", monday);
      text = absence_state (f, "kari@acme.no", start);
      g_assert_cmpstr (text, ==, "approved");
    }
}

/* SPEC A2, A7: an approved absence of an unmapped type, or of a person
 * payroll does not know, is rejected in HR, with an error entry that names
 * who is notified; an excluded type is simply not sent. */
static void
test_absence_rejected (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *sick = NULL;
  g_autofree char *kari_state = NULL;
  g_autofree char *course_state = NULL;
  g_autofree char *nils_state = NULL;
  g_autoptr(PbErrorEntry) e = NULL;
  PbPushResult r;
  guint n_open;

  set_types (f, PB_DATA_ABSENCE);
  sick = map_absence_types (f);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
             "  { \"email\": \"per@acme.no\", \"absence_manager_email\": \"kari@acme.no\" },"
             "  { \"email\": \"kari@acme.no\", \"absence_manager_email\": \"per@acme.no\", \"absences\": ["
             "    { \"type\": \"other\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", \"state\": \"approved\" },"
             "    { \"type\": \"course\", \"start_date\": \"2025-05-05\", \"end_date\": \"2025-05-06\", \"state\": \"approved\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 1);
  kari_state = absence_state (f, "kari@acme.no", "2025-03-17");
  course_state = absence_state (f, "kari@acme.no", "2025-05-05");
  g_assert_cmpstr (kari_state, ==, "rejected");
  g_assert_cmpstr (course_state, ==, "approved");
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_nonnull (strstr (e->message, "not mapped"));
  g_assert_nonnull (strstr (e->advice, "Kari Nordmann (the employee)"));
  g_assert_nonnull (strstr (e->advice, "Per Berg (absence manager)"));

  /* The rejection is a change too: it is not sent, and its entry stays open. */
  r = push (f);
  g_assert_cmpuint (r.sent + r.attention, ==, 0);
  g_clear_pointer (&e, pb_error_entry_free);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);

  /* A7: a person payroll does not know (users are not synced). */
  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
             "  { \"given_name\": \"Nils\", \"family_name\": \"Ny\", \"email\": \"nils@acme.no\", \"absences\": ["
             "    { \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", \"state\": \"approved\" } ] } ] }");
  r = push (f);
  g_assert_cmpuint (r.attention, ==, 1);
  nils_state = absence_state (f, "nils@acme.no", "2025-03-17");
  g_assert_cmpstr (nils_state, ==, "rejected");
  {
    g_autoptr(GPtrArray) errors = pb_store_list_errors (f->store, f->connection->id, NULL);
    PbErrorEntry *newest = g_ptr_array_index (errors, 0);

    g_assert_cmpstr (newest->what, ==, "Send the absence from 2025-03-17 to 2025-03-18 (Sick leave)");
    g_assert_nonnull (strstr (newest->message, "then approve the absence again"));
    g_assert_nonnull (strstr (newest->advice, "Nils Ny (the employee)"));
  }
}

/* SPEC A5: once an absence was sent, a change of its type's mapping stops
 * its updates; A6: hours locked in payroll are refused with what to do,
 * and the absence is rejected (A7). */
static void
test_absence_remapped_and_locked (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *sick = NULL;
  g_autofree char *state_text = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(PbRecord) t_sick = NULL;
  g_autoptr(PbErrorEntry) e = NULL;
  g_autoptr(GError) error = NULL;
  PbPushResult r;
  guint n_open;

  set_types (f, PB_DATA_USERS | PB_DATA_ABSENCE);
  sick = map_absence_types (f);
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
                            "\"state\": \"approved\" },"
                            "{ \"type\": \"vac\", \"start_date\": \"2025-07-01\", \"end_date\": \"2025-07-02\", "
                            "\"state\": \"approved\" }"));
  g_assert_cmpuint (push (f).sent, ==, 2);

  /* A5: sick now maps to another activity; the sent absence is left. */
  t_sick = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, "sick", NULL);
  {
    g_autoptr(GPtrArray) types = pb_store_list_remote_types (f->store, f->connection->id, NULL, NULL);
    const char *other = NULL;

    for (guint i = 0; i < types->len && other == NULL; i++)
      if (g_strcmp0 (((PbRemoteType *) g_ptr_array_index (types, i))->name, "Sykdom uten lønn") == 0)
        other = ((PbRemoteType *) g_ptr_array_index (types, i))->id;
    pb_store_set_mapping (f->store, f->connection->id, pb_record_get_id (t_sick), PB_MAPPING_MAPPED, other, &error);
    g_assert_no_error (error);
  }
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-19\", "
                            "\"state\": \"approved\" },"
                            "{ \"type\": \"vac\", \"start_date\": \"2025-07-01\", \"end_date\": \"2025-07-02\", "
                            "\"state\": \"approved\" }"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.unchanged, ==, 1);
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 4);

  /* A6: the vacation's hours are locked in payroll. */
  state = pb_sandbox_dup_state (f->sandbox);
  entries = entries_of (state, "kari@acme.no");
  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *entry = g_ptr_array_index (entries, i);

      if (g_str_has_prefix (json_object_get_string_member (entry, "date"), "2025-07"))
        {
          pb_sandbox_set_locked (f->sandbox, "timesheetEntry", json_object_get_int_member (entry, "id"), TRUE, &error);
          g_assert_no_error (error);
        }
    }
  import (f, KARI_ABSENCES ("{ \"type\": \"sick\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-19\", "
                            "\"state\": \"approved\" },"
                            "{ \"type\": \"vac\", \"start_date\": \"2025-07-01\", \"end_date\": \"2025-07-03\", "
                            "\"state\": \"approved\" }"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 1);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_nonnull (strstr (e->message, "locked"));
  g_assert_nonnull (strstr (e->advice, "approve the absence again"));
  state_text = absence_state (f, "kari@acme.no", "2025-07-01");
  g_assert_cmpstr (state_text, ==, "rejected");
  g_assert_cmpuint (count_entries (f, "kari@acme.no"), ==, 4);
}

/* SPEC U7 (issue 14: the main loop never blocks): the start of a push of
 * many changes (reading them, filling the outbox, taking the lease) is not
 * done on the caller's main loop. Another connection holds the store's
 * write lock while the push starts; a timeout on the main loop finds the
 * push still starting, nothing asked of payroll yet, and lets the lock go.
 * A push that started on the main loop would hold the loop (and the lock
 * would never be let go) until SQLite gave up waiting for it. Run again
 * with the lock held 6 s, past SQLite's usual 5 s wait (an import of a
 * large file holds it longer): the push waits its turn rather than
 * failing with "database is locked". */
typedef struct
{
  Fixture  *f;
  PbStore  *locker;
  Result   *pushed;
  guint     requests;
  gboolean  fired;
} Unlock;

static gboolean
on_unlock_cb (gpointer user_data)
{
  Unlock *unlock = user_data;

  unlock->fired = TRUE;
  g_assert_false (unlock->pushed->done);
  g_assert_cmpuint (pb_sandbox_get_request_count (unlock->f->sandbox, NULL, "/v2/employee"), ==, unlock->requests);
  pb_store_rollback (unlock->locker);
  return G_SOURCE_REMOVE;
}

static void
test_push_start_off_the_loop (Fixture       *f,
                              gconstpointer  data)
{
  const guint n = 100;
  g_autoptr(GString) json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");
  g_autoptr(PbStore) locker = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GError) error = NULL;
  Result pushed = { 0 };
  Unlock unlock = { f, NULL, &pushed, 0, FALSE };
  guint hold_ms = GPOINTER_TO_UINT (data) != 0 ? GPOINTER_TO_UINT (data) : 50;
  guint posts;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s{ \"given_name\": \"Many\", \"family_name\": \"Person %u\", "
                                  "\"email\": \"many.%u@acme.no\" }", i > 0 ? ", " : "", i, i);
  g_string_append (json, "] }");
  import (f, json->str);

  locker = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (pb_store_begin (locker, &error));
  g_assert_no_error (error);
  unlock.locker = locker;
  unlock.requests = pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/employee");
  posts = pb_sandbox_get_request_count (f->sandbox, "POST", "/v2/employee");

  g_timeout_add (hold_ms, on_unlock_cb, &unlock);
  pb_sync_engine_push_async (f->store, f->connection, f->provider, NULL, on_done, &pushed);
  wait_for (&pushed);

  /* Started once the lock went: every change lands, once. */
  g_assert_true (unlock.fired);
  g_assert_false (pushed.pushed.busy);
  g_assert_cmpuint (pushed.pushed.sent, ==, n);
  g_assert_cmpuint (pushed.pushed.waiting, ==, 0);
  g_assert_cmpint (pb_store_count_outbox (f->store, f->connection->id, PB_OUTBOX_PENDING), ==, 0);
  state = pb_sandbox_dup_state (f->sandbox);
  for (guint i = 0; i < n; i += 33)
    {
      g_autofree char *email = g_strdup_printf ("many.%u@acme.no", i);

      g_assert_cmpuint (count_with_email (state, email), ==, 1);
    }
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/v2/employee"), ==, posts + n);
}

/* Issue 14 (the main loop never blocks), SPEC R1-R3 (never lose or double a
 * change): the answers of a push arrive while another connection holds the
 * store's write lock (an import in a worker or in another process does so
 * for seconds). The drain's writes wait for the lock away from the main
 * loop: a timeout ticking every 10 ms keeps ticking while it is held, and
 * once it goes every record is in payroll once, none is sent again by the
 * next push, the outbox is empty and no error entry is left over. Payroll
 * answers 100 ms late, so the lock is taken (when the first request is
 * seen) before any answer arrives. Run again with the push cancelled while
 * the lock is held: what payroll answered is still recorded (a link lost
 * would make the absence twice at the next push). */
typedef struct
{
  Fixture  *f;
  PbStore  *locker;
  Result   *pushed;
  guint     before;    /* API requests before the push */
  gboolean  locked;
  gboolean  released;
  guint     ticks;     /* while the lock was held */
  gint64    pending;   /* outbox entries when the push started */
  GCancellable *cancel; /* (nullable) cancelled while the lock is held */
} Hold;

static gboolean
on_hold_cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_hold_release_cb (gpointer user_data)
{
  Hold *hold = user_data;

  /* The answers that came meanwhile wait to be recorded: payroll made
   * people, none is recorded yet. */
  g_assert_false (hold->pushed->done);
  g_assert_cmpuint (pb_sandbox_get_request_count (hold->f->sandbox, "POST", "/v2/employee"), >, 0);
  g_assert_cmpint (pb_store_count_outbox (hold->f->store, hold->f->connection->id, PB_OUTBOX_PENDING), ==,
                   hold->pending);
  pb_store_rollback (hold->locker);
  hold->released = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
on_hold_take_cb (gpointer user_data)
{
  Hold *hold = user_data;
  g_autoptr(GError) error = NULL;

  if (pb_sandbox_get_request_count (hold->f->sandbox, NULL, "/v2/") == hold->before)
    return G_SOURCE_CONTINUE;

  g_assert_true (pb_store_begin (hold->locker, &error));
  g_assert_no_error (error);
  hold->locked = TRUE;
  g_timeout_add (500, on_hold_release_cb, hold);
  if (hold->cancel != NULL)
    g_timeout_add (250, on_hold_cancel_cb, hold->cancel);
  return G_SOURCE_REMOVE;
}

static gboolean
on_hold_tick_cb (gpointer user_data)
{
  Hold *hold = user_data;

  if (hold->locked && !hold->released)
    hold->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
test_drain_writes_off_the_loop (Fixture       *f,
                                gconstpointer  data)
{
  gboolean cancel = GPOINTER_TO_INT (data);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const guint n = 6;
  g_autoptr(GString) json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");
  g_autoptr(PbStore) locker = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbErrorEntry) e = NULL;
  PbSandboxFaults slow = { .latency_ms = 100 };
  Result pushed = { 0 };
  Hold hold = { f, NULL, &pushed, 0, FALSE, FALSE, 0, 0, cancel ? cancellable : NULL };
  PbPushResult r;
  guint n_open;
  guint tick;

  /* An absence has no look before its create: sent again without its
   * link, it would be in payroll twice. */
  set_types (f, PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY | PB_DATA_ABSENCE);
  g_free (map_absence_types (f));
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s{ \"given_name\": \"Held\", \"family_name\": \"Person %u\", "
                                  "\"email\": \"held.%u@acme.no\", "
                                  "\"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\" } ], "
                                  "\"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": \"50000\", "
                                  "\"currency\": \"NOK\", \"period_unit\": \"monthly\" } ], "
                                  "\"absences\": [ { \"type\": \"sick\", \"start_date\": \"2025-03-17\", "
                                  "\"end_date\": \"2025-03-19\", \"state\": \"approved\" } ] }",
                            i > 0 ? ", " : "", i, i);
  g_string_append (json, "] }");
  import (f, json->str);

  locker = pb_store_open_another (f->store, &error);
  g_assert_no_error (error);
  hold.locker = locker;
  pb_sandbox_set_faults (f->sandbox, &slow, &error);
  g_assert_no_error (error);
  hold.before = pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/");
  hold.pending = 4 * n;

  g_timeout_add (1, on_hold_take_cb, &hold);
  tick = g_timeout_add (10, on_hold_tick_cb, &hold);
  pb_sync_engine_push_async (f->store, f->connection, f->provider, cancellable, on_done, &pushed);
  while (!pushed.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);

  /* The loop went on while the lock was held: a loop that waited for it
   * would not have ticked until SQLite gave up (5 s), and then the writes
   * would have failed. */
  g_test_message ("%u ticks of 10 ms while the lock was held for 500 ms", hold.ticks);
  g_assert_true (hold.released);
  g_assert_cmpuint (hold.ticks, >=, 10);

  /* Cancelled while the lock was held: the answers that came were still
   * recorded once it went (the links above all), and the next push sends
   * the rest without making anything twice. */
  r = pushed.pushed;
  if (cancel)
    {
      guint sent = r.sent;

      g_assert_error (pushed.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&pushed.error);
      r = push (f);
      g_assert_false (r.busy);
      r.sent += sent;
    }
  g_assert_no_error (pushed.error);

  /* Every person, employment, salary and absence (three weekdays) landed
   * once, and left the outbox. */
  g_assert_cmpuint (r.sent, ==, 4 * n);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 0);
  g_assert_cmpint (pb_store_count_outbox (f->store, f->connection->id, PB_OUTBOX_PENDING), ==, 0);
  g_assert_cmpint (pb_store_count_outbox (f->store, f->connection->id, PB_OUTBOX_ATTENTION), ==, 0);
  e = open_error (f, &n_open);
  g_assert_cmpuint (n_open, ==, 0);
  state = pb_sandbox_dup_state (f->sandbox);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = g_strdup_printf ("held.%u@acme.no", i);
      g_autoptr(GPtrArray) employments = employments_of (state, email);
      g_autoptr(GPtrArray) salaries = salary_details (state, email);
      g_autoptr(GPtrArray) hours = entries_of (state, email);
      g_autoptr(PbRecord) person = pb_store_find_employee (f->store, NULL, email, NULL);
      g_autofree char *link = NULL;

      g_assert_cmpuint (count_with_email (state, email), ==, 1);
      g_assert_cmpuint (employments->len, ==, 1);
      g_assert_cmpuint (salaries->len, ==, 1);
      g_assert_cmpuint (hours->len, ==, 3);
      g_assert_nonnull (person);
      link = pb_store_find_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, pb_record_get_id (person));
      g_assert_cmpint (g_ascii_strtoll (link, NULL, 10), ==, payroll_employee_id (state, email));
    }

  /* The links were kept: the next push sends nothing and makes nothing. */
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 0);
  g_assert_cmpuint (r.attention, ==, 0);
  again = pb_sandbox_dup_state (f->sandbox);
  g_assert_cmpuint (json_array_get_length (state_array (again, "employees")), ==,
                    json_array_get_length (state_array (state, "employees")));
  g_assert_cmpuint (json_array_get_length (state_array (again, "employments")), ==,
                    json_array_get_length (state_array (state, "employments")));
  g_assert_cmpuint (json_array_get_length (state_array (again, "employmentDetails")), ==,
                    json_array_get_length (state_array (state, "employmentDetails")));
  g_assert_cmpuint (json_array_get_length (state_array (again, "timesheetEntries")), ==,
                    json_array_get_length (state_array (state, "timesheetEntries")));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add ("/sync-engine/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("R1-R2-C7-revoked-token-then-lands", test_revoked_token);
  ADD ("R2-outage-then-lands", test_outage);
  ADD ("C7-R1-superseded-entry-not-sent", test_superseded);
  ADD ("C7-R1-discard", test_discard);
  ADD ("R3-two-pushes-send-once", test_two_pushes);
  ADD ("U7-push-starts-off-the-main-loop", test_push_start_off_the_loop);
  g_test_add ("/sync-engine/U7-push-waits-for-a-long-held-lock", Fixture, GUINT_TO_POINTER (6000),
              fixture_set_up, test_push_start_off_the_loop, fixture_tear_down);
  ADD ("R1-R3-drain-writes-off-the-main-loop", test_drain_writes_off_the_loop);
  g_test_add ("/sync-engine/R1-R3-drain-writes-cancelled-under-the-lock", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_drain_writes_off_the_loop, fixture_tear_down);
  ADD ("R2-dropped-connections-exactly-once", test_dropped_connections);
  ADD ("C5-C6-type-activation", test_type_activation);
  ADD ("C5-positions-turned-on-later", test_positions_turned_on_later);
  ADD ("P1-P2-positions", test_positions);
  ADD ("S1-S2-S4-S5-S6-salary", test_salary);
  ADD ("S6-salary-needs-position-sync", test_salary_needs_positions);
  ADD ("S3-salary-fields", test_salary_fields);
  ADD ("R1-person-before-their-records", test_person_first);
  ADD ("A1-A3-A4-absence", test_absence);
  ADD ("A2-A7-absence-rejected", test_absence_rejected);
  ADD ("R2-R3-absence-dropped-exactly-once", test_absence_dropped);
  ADD ("A5-A6-A7-absence-remapped-and-locked", test_absence_remapped_and_locked);
#undef ADD
  g_test_add_func ("/sync-engine/R1-R3-failed-entries-come-back", test_failed_entries_migrated);

  return g_test_run ();
}
