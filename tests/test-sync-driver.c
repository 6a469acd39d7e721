/* test-sync-driver.c: HR changes reach payroll from the main loop, with no
 * push by hand (SPEC U7, U11, C3, C5, C7, R2, R3)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-secrets.h"
#include "pb-store-private.h"
#include "pb-sync-driver.h"
#include "pb-sync-engine.h"
#include "pb-test-utils.h"
#include "pb-user-plan.h"

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\" }"
  "] }";

static const char payroll_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Kari\", \"lastName\": \"Nordmann\", \"email\": \"kari@acme.no\" },"
  "  { \"firstName\": \"Other\", \"lastName\": \"Person\", \"email\": \"other@acme.no\", \"employeeNumber\": \"77\" }"
  "] }";

/* Every wait is for a condition, never for a time; the cap only stops a
 * broken build from hanging (meson's own timeout is longer). */
#define WAIT_CAP_SECONDS 90

/* Connection ids of this process: its keyring items must not meet those of
 * another test run at the same time in the same throw-away keyring. */
static gint64 next_connection_id;

typedef struct
{
  char         *dir;
  PbStore      *store;
  PbSandbox    *sandbox;
  PbConnection *connection;   /* active */
  PbProvider   *provider;
  PbSyncDriver *driver;
  PbSandbox    *sandbox_b;    /* only for the established-connection test */
  PbConnection *connection_b;
  PbProvider   *provider_b;
  gboolean      secrets_stored;
} Fixture;

/* --- helpers ---------------------------------------------------------------- */

static gboolean
driver_is_idle (gpointer data)
{
  return pb_sync_driver_is_idle (data);
}

static void
import (PbStore    *store,
        const char *json)
{
  g_autoptr(GError) error = NULL;

  pb_import_data (store, "change.json", json, strlen (json), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
}

static void
import_phone (PbStore    *store,
              const char *email,
              const char *phone)
{
  g_autofree char *json = g_strdup_printf ("{ \"format\": \"paybridge-hr/1\", \"employees\": [ "
                                           "{ \"email\": \"%s\", \"phone\": \"%s\" } ] }", email, phone);

  import (store, json);
}

/* The payroll people with @email, as the sandbox holds them. */
static GPtrArray *
payroll_people (PbSandbox  *sandbox,
                const char *email)
{
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (sandbox);
  JsonArray *employees = json_object_get_array_member (json_node_get_object (state), "employees");
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0)
        g_ptr_array_add (found, json_object_ref (e));
    }
  return found;
}

static char *
payroll_value (PbSandbox  *sandbox,
               const char *email,
               const char *member)
{
  g_autoptr(GPtrArray) people = payroll_people (sandbox, email);

  if (people->len == 0)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (g_ptr_array_index (people, 0), member, NULL));
}

typedef struct
{
  PbSandbox  *sandbox;
  const char *email;
  const char *member;
  const char *value;
} Expect;

static gboolean
payroll_has (gpointer data)
{
  Expect *expect = data;
  g_autofree char *value = payroll_value (expect->sandbox, expect->email, expect->member);

  return g_strcmp0 (value, expect->value) == 0;
}

/* Writes of employees the payroll system has seen (creates and updates). */
static guint
employee_writes (PbSandbox *sandbox)
{
  return pb_sandbox_get_request_count (sandbox, "POST", "/v2/employee") +
         pb_sandbox_get_request_count (sandbox, "PUT", "/v2/employee");
}

static PbProvider *
new_provider (PbConnection *connection)
{
  g_autoptr(GHashTable) secrets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  PbProvider *provider;

  provider = pb_test_new_provider ("tripletex", connection->base_url, NULL);
  return provider;
}

static PbSandbox *
new_sandbox (void)
{
  g_autoptr(GError) error = NULL;
  PbSandbox *sandbox = pb_sandbox_new ("tripletex", &error);

  g_assert_no_error (error);
  pb_sandbox_load_seed_data (sandbox, payroll_seed, -1, &error);
  g_assert_no_error (error);
  pb_sandbox_listen (sandbox, 0, &error);
  g_assert_no_error (error);
  return sandbox;
}

/* An established connection (SPEC C3) syncing users, with an id of this
 * process (renumbered before anything refers to it). */
static PbConnection *
new_connection (PbStore    *store,
                const char *name,
                PbSandbox  *sandbox)
{
  PbConnection *connection = pb_connection_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  gint64 id = next_connection_id++;

  connection->name = g_strdup (name);
  connection->system = g_strdup ("tripletex");
  connection->sync_types = PB_DATA_USERS;
  connection->base_url = g_strdup (pb_sandbox_get_api_url (sandbox));
  pb_store_save_connection (store, connection, &error);
  g_assert_no_error (error);

  sql = g_strdup_printf ("UPDATE connections SET id = %" G_GINT64_FORMAT " WHERE id = %" G_GINT64_FORMAT,
                         id, connection->id);
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  connection->id = id;
  return connection;
}

/* What the first completed user sync does at its end (SPEC U6), done
 * directly so that these tests depend on the outbox only: from now on
 * changes are sent, none from before (SPEC C5). */
static void
activate (PbStore      *store,
          PbConnection *connection)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;

  connection->state = PB_CONNECTION_ACTIVE;
  g_free (connection->activated_at);
  connection->activated_at = g_date_time_format_iso8601 (now);
  pb_store_save_connection (store, connection, &error);
  g_assert_no_error (error);
  pb_sync_engine_activate (store, connection, &error);
  g_assert_no_error (error);
}

/* A driver that notices quickly and retries soon, so the tests are short. */
static PbSyncDriver *
new_driver (PbStore *store)
{
  return g_object_new (PB_TYPE_SYNC_DRIVER,
                       "store", store,
                       "quiet-ms", 20,
                       "retry-base-ms", 50,
                       "retry-max-ms", 400,
                       NULL);
}

static void
start_driver (Fixture *f)
{
  f->driver = new_driver (f->store);
  pb_sync_driver_set_provider (f->driver, f->connection->id, f->provider);
  if (f->connection_b != NULL)
    pb_sync_driver_set_provider (f->driver, f->connection_b->id, f->provider_b);
  pb_sync_driver_start (f->driver);
}

typedef struct
{
  gint64 connection_id;
  guint  emissions;
  guint  last_open_errors;
} Watch;

static void
on_status_changed (PbSyncDriver *driver,
                   gint64        connection_id,
                   Watch        *watch)
{
  if (connection_id != watch->connection_id)
    return;
  watch->emissions++;
  watch->last_open_errors = pb_sync_driver_get_open_errors (driver, connection_id);
}

typedef struct
{
  PbSyncDriver *driver;
  gint64        connection_id;
  guint         more_than;
} ErrorCount;

static gboolean
open_errors_above (gpointer data)
{
  ErrorCount *count = data;

  return pb_sync_driver_get_open_errors (count->driver, count->connection_id) > count->more_than;
}

/* --- fixture ---------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = new_sandbox ();
  f->dir = pb_test_make_dir ("sync-driver");
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  import (f->store, hr_json);

  f->connection = new_connection (f->store, "Acme", f->sandbox);
  activate (f->store, f->connection);
  f->provider = new_provider (f->connection);
}

static void
on_cleared (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gboolean *done = user_data;

  pb_secrets_clear_finish (result, NULL);
  *done = TRUE;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->secrets_stored)
    {
      gboolean done = FALSE;

      pb_secrets_clear_async (f->connection->register_id, f->connection->id, NULL, on_cleared, &done);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }

  g_clear_object (&f->driver);
  g_clear_object (&f->provider);
  g_clear_object (&f->provider_b);
  g_clear_object (&f->connection);
  g_clear_object (&f->connection_b);
  g_clear_object (&f->store);
  g_clear_object (&f->sandbox);
  g_clear_object (&f->sandbox_b);
  g_free (f->dir);
}

/* --- tests ------------------------------------------------------------------ */

/* Links the HR person to the payroll one with the same email, as a user
 * sync does for a match. */
static void
link_person (Fixture    *f,
             const char *email)
{
  g_autoptr(PbRecord) person = pb_store_find_employee (f->store, NULL, email, NULL);
  g_autoptr(GPtrArray) remote = payroll_people (f->sandbox, email);
  g_autofree char *remote_id = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (person);
  g_assert_cmpuint (remote->len, ==, 1);
  remote_id = g_strdup_printf ("%" G_GINT64_FORMAT,
                               json_object_get_int_member (g_ptr_array_index (remote, 0), "id"));
  pb_store_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, pb_record_get_id (person), remote_id, 0, &error);
  g_assert_no_error (error);
}

/* SPEC U7: a change to a linked person of an active connection reaches
 * payroll by itself; C5: starting sends nothing of before the activation. */
static void
test_change_reaches_payroll (Fixture       *f,
                             gconstpointer  data)
{
  Expect phone = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 911 11 111" };
  Watch watch = { f->connection->id, 0, 0 };
  g_autoptr(GDateTime) activated = NULL;
  GDateTime *synced;

  link_person (f, "kari@acme.no");
  start_driver (f);
  g_signal_connect (f->driver, "status-changed", G_CALLBACK (on_status_changed), &watch);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (employee_writes (f->sandbox), ==, 0);
  /* Until it sends, the last time it was in step is its activation. */
  activated = g_date_time_ref (pb_sync_driver_get_last_synced (f->driver, f->connection->id));
  watch.emissions = 0;

  import_phone (f->store, "kari@acme.no", phone.value);
  g_assert_true (pb_test_iterate_until (payroll_has, &phone, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (employee_writes (f->sandbox), ==, 1);

  synced = pb_sync_driver_get_last_synced (f->driver, f->connection->id);
  g_assert_nonnull (synced);
  g_assert_cmpint (g_date_time_compare (synced, activated), >, 0);
  g_assert_cmpuint (watch.emissions, >, 0);
  g_assert_cmpuint (pb_sync_driver_get_open_errors (f->driver, f->connection->id), ==, 0);
}

static gboolean
saw_employee_get (gpointer data)
{
  Fixture *f = data;

  return pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employee") > 0;
}

/* SPEC U7: one push at a time; a change made while one is in flight goes
 * out in a run right after it (the run in flight already read the person). */
static void
test_change_during_push_runs_again (Fixture       *f,
                                    gconstpointer  data)
{
  PbSandboxFaults slow = { .latency_ms = 300 };
  Expect second = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 922 22 222" };
  g_autoptr(GError) error = NULL;

  start_driver (f);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  pb_sandbox_set_faults (f->sandbox, &slow, &error);
  g_assert_no_error (error);

  import_phone (f->store, "kari@acme.no", "+47 911 11 111");
  /* The first request of the push is at the sandbox, its answer delayed. */
  g_assert_true (pb_test_iterate_until (saw_employee_get, f, WAIT_CAP_SECONDS));
  g_assert_false (pb_sync_driver_is_idle (f->driver));
  import_phone (f->store, "kari@acme.no", second.value);

  g_assert_true (pb_test_iterate_until (payroll_has, &second, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "PUT", "/v2/employee"), ==, 2);
}

/* SPEC C3: nothing is sent for an established connection that is not
 * active; C5: once active, only changes made after that are. */
static void
test_not_active_not_sent (Fixture       *f,
                          gconstpointer  data)
{
  Expect kari_a = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 933 33 333" };
  Expect per_b = { NULL, "per@acme.no", "phoneNumberMobile", "+47 944 44 444" };
  g_autofree char *kari_b = NULL;

  f->sandbox_b = new_sandbox ();
  per_b.sandbox = f->sandbox_b;
  f->connection_b = new_connection (f->store, "Established", f->sandbox_b);
  f->provider_b = new_provider (f->connection_b);
  start_driver (f);

  import_phone (f->store, "kari@acme.no", kari_a.value);
  g_assert_true (pb_test_iterate_until (payroll_has, &kari_a, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (employee_writes (f->sandbox_b), ==, 0);
  g_assert_null (pb_sync_driver_get_last_synced (f->driver, f->connection_b->id));

  activate (f->store, f->connection_b);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_nonnull (pb_sync_driver_get_last_synced (f->driver, f->connection_b->id));
  import_phone (f->store, "per@acme.no", per_b.value);
  g_assert_true (pb_test_iterate_until (payroll_has, &per_b, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));

  /* Per was created; Kari's change from before the activation never went. */
  g_assert_cmpuint (employee_writes (f->sandbox_b), ==, 1);
  kari_b = payroll_value (f->sandbox_b, "kari@acme.no", "phoneNumberMobile");
  g_assert_cmpstr (kari_b, !=, kari_a.value);
}

static void
set_state (PbStore           *store,
           PbConnection      *connection,
           PbConnectionState  state)
{
  g_autoptr(GError) error = NULL;

  connection->state = state;
  pb_store_save_connection (store, connection, &error);
  g_assert_no_error (error);
}

/* SPEC C3, U7: what waits in the outbox of a connection that is no longer
 * active (its sign-in was lost) is held, not sent with credentials that
 * fail, and goes out, with what changed meanwhile, once it is active again. */
static void
test_outbox_held_while_not_active (Fixture       *f,
                                   gconstpointer  data)
{
  PbSandboxFaults down = { .fail_rate = 1.0 };
  PbSandboxFaults up = { 0 };
  Expect kari = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 988 88 888" };
  Expect per = { f->sandbox, "per@acme.no", "phoneNumberMobile", "+47 999 99 990" };
  ErrorCount errors = { NULL, f->connection->id, 0 };
  g_autoptr(GError) error = NULL;
  guint writes;

  start_driver (f);
  errors.driver = f->driver;
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));

  pb_sandbox_set_faults (f->sandbox, &down, &error);
  g_assert_no_error (error);
  import_phone (f->store, "kari@acme.no", kari.value);
  g_assert_true (pb_test_iterate_until (open_errors_above, &errors, WAIT_CAP_SECONDS));

  /* Retrying stops once it is not active. */
  set_state (f->store, f->connection, PB_CONNECTION_NEEDS_SIGN_IN);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  pb_sandbox_set_faults (f->sandbox, &up, &error);
  g_assert_no_error (error);
  writes = employee_writes (f->sandbox);
  import_phone (f->store, "per@acme.no", per.value);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (employee_writes (f->sandbox), ==, writes);
  g_assert_false (payroll_has (&kari));

  set_state (f->store, f->connection, PB_CONNECTION_ACTIVE);
  g_assert_true (pb_test_iterate_until (payroll_has, &kari, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (payroll_has, &per, WAIT_CAP_SECONDS));
}

/* Requests for a payroll session: each PbHttp attempt of a call makes one
 * while the system is down. */
static guint
session_attempts (PbSandbox *sandbox)
{
  return pb_sandbox_get_request_count (sandbox, "PUT", "/v2/token/session");
}

typedef struct
{
  PbSandbox *sandbox;
  guint      count;
} Attempts;

static gboolean
session_attempts_reached (gpointer data)
{
  Attempts *attempts = data;

  return session_attempts (attempts->sandbox) >= attempts->count;
}

/* SPEC R2, R3: a change made while payroll is down goes out when it is
 * back, retried by itself (one error logged, not one per retry); and one
 * made while it is down survives a restart of driver and store and is sent
 * once, by the new driver's start. */
static void
test_down_back_and_restart (Fixture       *f,
                            gconstpointer  data)
{
  PbSandboxFaults down = { .fail_rate = 1.0 };
  PbSandboxFaults up = { 0 };
  Expect phone = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 955 55 555" };
  Expect nils = { f->sandbox, "nils@acme.no", "firstName", "Nils" };
  ErrorCount errors = { NULL, f->connection->id, 0 };
  Attempts attempts = { f->sandbox, 0 };
  g_autoptr(GPtrArray) created = NULL;
  g_autoptr(GArray) pending = NULL;
  g_autoptr(GError) error = NULL;
  guint logged;

  start_driver (f);
  errors.driver = f->driver;
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));

  pb_sandbox_set_faults (f->sandbox, &down, &error);
  g_assert_no_error (error);
  import_phone (f->store, "kari@acme.no", phone.value);
  g_assert_true (pb_test_iterate_until (open_errors_above, &errors, WAIT_CAP_SECONDS));
  g_assert_false (payroll_has (&phone));

  /* It keeps trying by itself (every run starts with a session), but
   * while the system is down no entry is sent: one error in the log, one
   * attempt used. */
  attempts.count = session_attempts (f->sandbox) + 6;
  g_assert_true (pb_test_iterate_until (session_attempts_reached, &attempts, WAIT_CAP_SECONDS));
  g_assert_cmpuint (pb_sync_driver_get_open_errors (f->driver, f->connection->id), ==, 1);
  pending = pb_store_list_outbox (f->store, f->connection->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_cmpuint (g_array_index (pending, PbOutboxEntry, 0).attempts, ==, 1);
  g_clear_pointer (&pending, g_array_unref);

  pb_sandbox_set_faults (f->sandbox, &up, &error);
  g_assert_no_error (error);
  g_assert_true (pb_test_iterate_until (payroll_has, &phone, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  /* C7: the entry resolves itself once the change lands. */
  g_assert_cmpuint (pb_sync_driver_get_open_errors (f->driver, f->connection->id), ==, 0);

  /* Down again; a new person waits in the outbox when the app stops. */
  pb_sandbox_set_faults (f->sandbox, &down, &error);
  g_assert_no_error (error);
  import (f->store, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                    "  { \"given_name\": \"Nils\", \"family_name\": \"Ny\", \"email\": \"nils@acme.no\" } ] }");
  errors.more_than = pb_sync_driver_get_open_errors (f->driver, f->connection->id);
  g_assert_true (pb_test_iterate_until (open_errors_above, &errors, WAIT_CAP_SECONDS));
  logged = pb_sync_driver_get_open_errors (f->driver, f->connection->id);

  g_clear_object (&f->driver);
  g_clear_object (&f->provider);
  g_clear_object (&f->store);
  pb_sandbox_set_faults (f->sandbox, &up, &error);
  g_assert_no_error (error);

  /* The next start: a fresh store object on the same file, a fresh driver. */
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  f->provider = new_provider (f->connection);
  start_driver (f);
  g_assert_true (pb_test_iterate_until (payroll_has, &nils, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));

  created = payroll_people (f->sandbox, "nils@acme.no");
  g_assert_cmpuint (created->len, ==, 1);
  pending = pb_store_list_outbox (f->store, f->connection->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 0);
  g_assert_cmpuint (logged, ==, 1);
  g_assert_cmpuint (pb_sync_driver_get_open_errors (f->driver, f->connection->id), ==, 0);
}

/* SPEC U11, C7: a person payroll refuses lands in the error log, the count
 * the driver reports goes up (and is announced), and the others go on. */
static void
test_failure_logged_and_counted (Fixture       *f,
                                 gconstpointer  data)
{
  Expect nils = { f->sandbox, "nils@acme.no", "firstName", "Nils" };
  Watch watch = { f->connection->id, 0, 0 };
  ErrorCount errors = { NULL, f->connection->id, 0 };
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GPtrArray) dup = NULL;
  PbErrorEntry *entry;

  start_driver (f);
  errors.driver = f->driver;
  g_signal_connect (f->driver, "status-changed", G_CALLBACK (on_status_changed), &watch);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (pb_sync_driver_get_open_errors (f->driver, f->connection->id), ==, 0);

  /* Dup's employee number belongs to someone else in payroll. */
  import (f->store, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                    "  { \"given_name\": \"Dup\", \"family_name\": \"Number\", \"email\": \"dup@acme.no\", "
                    "    \"employee_number\": \"77\" },"
                    "  { \"given_name\": \"Nils\", \"family_name\": \"Ny\", \"email\": \"nils@acme.no\" } ] }");
  g_assert_true (pb_test_iterate_until (open_errors_above, &errors, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (payroll_has, &nils, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));

  g_assert_cmpuint (pb_sync_driver_get_open_errors (f->driver, f->connection->id), ==, 1);
  g_assert_cmpuint (watch.last_open_errors, ==, 1);
  /* SPEC C7: and its entry needs attention; nothing is held (C6). */
  g_assert_cmpuint (pb_sync_driver_get_attention (f->driver, f->connection->id), ==, 1);
  g_assert_cmpuint (pb_sync_driver_get_held (f->driver, f->connection->id, NULL), ==, 0);
  log = pb_store_list_errors (f->store, f->connection->id, NULL);
  g_assert_cmpuint (log->len, ==, 1);
  entry = g_ptr_array_index (log, 0);
  g_assert_cmpstr (entry->who, ==, "Dup Number <dup@acme.no>");
  g_assert_nonnull (entry->system_message);
  dup = payroll_people (f->sandbox, "dup@acme.no");
  g_assert_cmpuint (dup->len, ==, 0);
}

typedef struct
{
  gint64  connection_id;
  GArray *error_ids;   /* gint64 */
  guint   pushes;      /* how many runs of the main loop the emissions came in */
  gboolean in_run;
} Rejections;

static gboolean
clear_in_run (gpointer data)
{
  ((Rejections *) data)->in_run = FALSE;
  return G_SOURCE_REMOVE;
}

static void
on_absence_rejected (PbSyncDriver *driver,
                     gint64        connection_id,
                     gint64        error_id,
                     Rejections   *seen)
{
  g_assert_cmpint (connection_id, ==, seen->connection_id);
  g_array_append_val (seen->error_ids, error_id);
  /* Emissions of one push come together, before the loop runs again. */
  if (!seen->in_run)
    {
      seen->pushes++;
      seen->in_run = TRUE;
      g_idle_add (clear_in_run, seen);
    }
}

static gboolean
rejected_at_least (gpointer data)
{
  Rejections *seen = data;

  return seen->error_ids->len >= 2;
}

static gint64
absence_id (PbStore    *store,
            const char *email,
            const char *start)
{
  g_autoptr(PbRecord) person = pb_store_find_employee (store, NULL, email, NULL);
  g_autoptr(GPtrArray) absences = pb_store_list (store, PB_ENTITY_ABSENCE, pb_record_get_id (person), NULL);

  for (guint i = 0; i < absences->len; i++)
    if (g_strcmp0 (pb_record_get (g_ptr_array_index (absences, i), PB_ABSENCE_START_DATE), start) == 0)
      return pb_record_get_id (g_ptr_array_index (absences, i));
  g_assert_not_reached ();
}

/* SPEC A7: each absence a push rejects in HR (here: its type is not
 * mapped) is announced with the connection and its error entry, which
 * names the absence and who is notified; those of one push come
 * together, so that the app can tell them in one notification. */
static void
test_absence_rejected_signal (Fixture       *f,
                              gconstpointer  data)
{
  Rejections seen = { f->connection->id, g_array_new (FALSE, FALSE, sizeof (gint64)), 0, FALSE };
  g_autoptr(GError) error = NULL;
  gint64 first, second;

  f->connection->sync_types |= PB_DATA_ABSENCE;
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  import (f->store, "{ \"format\": \"paybridge-hr/1\", "
                    "  \"absence_types\": [ { \"key\": \"other\", \"name\": \"Other\" } ] }");
  link_person (f, "kari@acme.no");
  start_driver (f);
  g_signal_connect (f->driver, "absence-rejected", G_CALLBACK (on_absence_rejected), &seen);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (seen.error_ids->len, ==, 0);

  import (f->store, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                    "  { \"email\": \"per@acme.no\" },"
                    "  { \"email\": \"kari@acme.no\", \"absence_manager_email\": \"per@acme.no\", \"absences\": ["
                    "    { \"type\": \"other\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
                    "      \"state\": \"approved\" },"
                    "    { \"type\": \"other\", \"start_date\": \"2025-04-07\", \"end_date\": \"2025-04-08\", "
                    "      \"state\": \"approved\" } ] } ] }");
  g_assert_true (pb_test_iterate_until (rejected_at_least, &seen, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (seen.error_ids->len, ==, 2);
  g_assert_cmpuint (seen.pushes, ==, 1);

  first = absence_id (f->store, "kari@acme.no", "2025-03-17");
  second = absence_id (f->store, "kari@acme.no", "2025-04-07");
  for (guint i = 0; i < seen.error_ids->len; i++)
    {
      g_autoptr(PbErrorEntry) entry = pb_store_get_error (f->store, f->connection->id,
                                                          g_array_index (seen.error_ids, gint64, i), &error);
      g_autoptr(PbRecord) absence = NULL;

      g_assert_no_error (error);
      g_assert_cmpint (entry->entity, ==, PB_ENTITY_ABSENCE);
      g_assert_true (entry->record_id == first || entry->record_id == second);
      g_assert_cmpint (entry->state, ==, PB_ERROR_OPEN);
      g_assert_nonnull (strstr (entry->message, "not mapped"));
      g_assert_nonnull (strstr (entry->advice, "notified: Kari Nordmann (the employee), Per Berg (absence manager)"));
      absence = pb_store_get (f->store, PB_ENTITY_ABSENCE, entry->record_id, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (pb_record_get (absence, PB_ABSENCE_STATE), ==, "rejected");
    }
  g_assert_cmpint (g_array_index (seen.error_ids, gint64, 0), !=, g_array_index (seen.error_ids, gint64, 1));

  /* Another connection's entry, or none: not found. */
  g_assert_null (pb_store_get_error (f->store, f->connection->id + 1000, g_array_index (seen.error_ids, gint64, 0),
                                     &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The rejection is itself an HR change, and rejects nothing more. */
  import_phone (f->store, "kari@acme.no", "+47 933 33 333");
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (seen.error_ids->len, ==, 2);

  g_signal_handlers_disconnect_by_data (f->driver, &seen);
  g_array_unref (seen.error_ids);
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Pushed;

static void
on_pushed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pushed *pushed = user_data;

  pb_sync_engine_push_finish (result, NULL, &pushed->error);
  pushed->done = TRUE;
}

static gboolean
push_done (gpointer data)
{
  return ((Pushed *) data)->done;
}

/* SPEC R3: the driver cancels the push in flight when it stops (the app
 * quits) or the sign-in is lost; the entry being sent is then neither
 * failed nor logged nor counted as an attempt, and goes out next time. */
static void
test_cancelled_push_keeps_entry (Fixture       *f,
                                 gconstpointer  data)
{
  PbSandboxFaults slow = { .latency_ms = 300 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GArray) pending = NULL;
  g_autoptr(GError) error = NULL;
  Pushed pushed = { 0 };

  pb_sandbox_set_faults (f->sandbox, &slow, &error);
  g_assert_no_error (error);
  import_phone (f->store, "kari@acme.no", "+47 912 34 567");
  pb_sync_engine_push_async (f->store, f->connection, f->provider, cancellable, on_pushed, &pushed);
  g_assert_true (pb_test_iterate_until (saw_employee_get, f, WAIT_CAP_SECONDS));
  g_cancellable_cancel (cancellable);
  g_assert_true (pb_test_iterate_until (push_done, &pushed, WAIT_CAP_SECONDS));

  g_assert_error (pushed.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&pushed.error);
  pending = pb_store_list_outbox (f->store, f->connection->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 1);
  g_assert_cmpuint (g_array_index (pending, PbOutboxEntry, 0).attempts, ==, 0);
  log = pb_store_list_errors (f->store, f->connection->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, ==, 0);
}

static void
on_secret_stored (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint *left = user_data;
  g_autoptr(GError) error = NULL;

  pb_secrets_store_finish (result, &error);
  g_assert_no_error (error);
  (*left)--;
}

static gboolean
nothing_left (gpointer data)
{
  return *(guint *) data == 0;
}

/* SPEC U7, C2: with no connector handed in, the driver opens the
 * connection's own from the keyring, once, and keeps it: two runs, one
 * payroll session. */
static void
test_keyring_provider_kept (Fixture       *f,
                            gconstpointer  data)
{
  Expect first = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 966 66 666" };
  Expect second = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 977 77 777" };
  guint left = 2;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  f->secrets_stored = TRUE;
  pb_secrets_store_async (f->connection->register_id, f->connection->id, "consumer-token", "Paybridge test",
                          "sandbox-consumer", NULL, on_secret_stored, &left);
  pb_secrets_store_async (f->connection->register_id, f->connection->id, "employee-token", "Paybridge test",
                          "sandbox-employee", NULL, on_secret_stored, &left);
  g_assert_true (pb_test_iterate_until (nothing_left, &left, WAIT_CAP_SECONDS));

  f->driver = new_driver (f->store);
  pb_sync_driver_start (f->driver);

  import_phone (f->store, "kari@acme.no", first.value);
  g_assert_true (pb_test_iterate_until (payroll_has, &first, WAIT_CAP_SECONDS));
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  import_phone (f->store, "kari@acme.no", second.value);
  g_assert_true (pb_test_iterate_until (payroll_has, &second, WAIT_CAP_SECONDS));

  g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 1);
}

typedef struct
{
  Fixture  *f;
  PbStore  *locker;
  gboolean  fired;
} Unlock;

static gboolean
on_unlock_cb (gpointer user_data)
{
  Unlock *unlock = user_data;

  unlock->fired = TRUE;
  g_assert_false (pb_sync_driver_is_idle (unlock->f->driver));
  g_assert_cmpuint (employee_writes (unlock->f->sandbox), ==, 0);
  pb_store_rollback (unlock->locker);
  return G_SOURCE_REMOVE;
}

/* SPEC U7 (issue 14: the main loop never blocks): a run's enqueue is not
 * done on the main loop. Another connection holds the store's write lock
 * when the change comes; a timeout on the main loop lets it go, and the
 * change then reaches payroll in that run. A run that enqueued on the main
 * loop would hold the loop until SQLite gave up, and its failed run would
 * wait for the (here ten-minute) retry. */
static void
test_run_enqueues_off_the_loop (Fixture       *f,
                                gconstpointer  data)
{
  Expect phone = { f->sandbox, "kari@acme.no", "phoneNumberMobile", "+47 933 33 333" };
  g_autoptr(PbStore) locker = NULL;
  g_autoptr(GError) error = NULL;
  Unlock unlock = { f, NULL, FALSE };

  link_person (f, "kari@acme.no");
  f->driver = g_object_new (PB_TYPE_SYNC_DRIVER, "store", f->store, "quiet-ms", 20,
                            "retry-base-ms", 600000, "retry-max-ms", 600000, NULL);
  pb_sync_driver_set_provider (f->driver, f->connection->id, f->provider);
  pb_sync_driver_start (f->driver);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));

  locker = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  import_phone (f->store, "kari@acme.no", phone.value);
  /* Before the driver's quiet time is over: its run finds the lock held. */
  g_assert_true (pb_store_begin (locker, &error));
  g_assert_no_error (error);
  unlock.locker = locker;
  g_timeout_add (300, on_unlock_cb, &unlock);

  g_assert_true (pb_test_iterate_until (payroll_has, &phone, WAIT_CAP_SECONDS));
  g_assert_true (unlock.fired);
  g_assert_true (pb_test_iterate_until (driver_is_idle, f->driver, WAIT_CAP_SECONDS));
  g_assert_cmpuint (employee_writes (f->sandbox), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  pb_secrets_set_timeout (20);
  next_connection_id = G_GINT64_CONSTANT (2000000000) + (gint64) getpid () * 100;

#define ADD(path, func) g_test_add ("/sync-driver/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("U7-change-reaches-payroll-by-itself", test_change_reaches_payroll);
  ADD ("U7-change-during-a-push-runs-again", test_change_during_push_runs_again);
  ADD ("U7-run-enqueues-off-the-main-loop", test_run_enqueues_off_the_loop);
  ADD ("C3-C5-not-active-not-sent", test_not_active_not_sent);
  ADD ("C3-U7-outbox-held-while-not-active", test_outbox_held_while_not_active);
  ADD ("R2-R3-down-back-and-restart", test_down_back_and_restart);
  ADD ("R3-cancelled-push-keeps-its-entry", test_cancelled_push_keeps_entry);
  ADD ("U11-C7-failure-logged-and-counted", test_failure_logged_and_counted);
  ADD ("U7-C2-keyring-connector-opened-once", test_keyring_provider_kept);
  ADD ("A7-absence-rejected-signal", test_absence_rejected_signal);
#undef ADD

  return g_test_run ();
}
