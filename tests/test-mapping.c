/* test-mapping.c: absence-type mappings in the store, the payroll types as
 * last read, and reading them from payroll (SPEC A2, A5)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-import.h"
#include "pb-mapping.h"
#include "pb-mappings.h"
#include "pb-sandbox.h"
#include "pb-store-private.h"
#include "pb-test-utils.h"
#include "pb-user-plan.h"

/* Three HR types (listed by name: Child sick, Sick leave, Vacation) and
 * one employee with one absence of each of two types. */
static const char register_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"absence_types\": ["
  "    { \"key\": \"vacation\", \"name\": \"Vacation\" },"
  "    { \"key\": \"sick\", \"name\": \"Sick leave\" },"
  "    { \"key\": \"child-sick\", \"name\": \"Child sick\" } ],"
  "  \"employees\": [ { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
  "    \"absences\": ["
  "      { \"type\": \"sick\", \"start_date\": \"2026-03-02\", \"end_date\": \"2026-03-03\", \"state\": \"approved\" },"
  "      { \"type\": \"vacation\", \"start_date\": \"2026-07-06\", \"end_date\": \"2026-07-10\", \"state\": \"approved\" }"
  "    ] } ] }";

typedef struct
{
  char         *dir;
  PbStore      *store;
  PbConnection *connection;
  PbConnection *other;
  guint         changed;      /* PbStore::changed with MAPPINGS */
} Fixture;

static void
on_store_changed_cb (PbStore  *store,
                     guint     what,
                     Fixture  *f)
{
  if (what & PB_STORE_CHANGED_MAPPINGS)
    f->changed++;
}

static PbConnection *
add_connection (PbStore    *store,
                const char *name)
{
  g_autoptr(GError) error = NULL;
  PbConnection *connection = pb_connection_new ();

  connection->name = g_strdup (name);
  connection->system = g_strdup ("tripletex");
  g_assert_true (pb_store_save_connection (store, connection, &error));
  g_assert_no_error (error);
  return connection;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = pb_test_make_dir ("mapping");
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  pb_import_data (f->store, "register.json", register_json, -1, FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  f->connection = add_connection (f->store, "Acme");
  f->other = add_connection (f->store, "Other");
  g_signal_connect (f->store, "changed", G_CALLBACK (on_store_changed_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->connection);
  g_clear_object (&f->other);
  g_clear_object (&f->store);
  g_free (f->dir);
}

static gint64
type_id (Fixture    *f,
         const char *key)
{
  g_autoptr(PbRecord) type = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, key, NULL);

  g_assert_nonnull (type);
  return pb_record_get_id (type);
}

static GPtrArray *
list_mappings (Fixture      *f,
               PbConnection *connection)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *mappings = pb_store_list_mappings (f->store, connection->id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (mappings->len, ==, 3);
  return mappings;
}

static PbAbsenceMapping *
mapping_of (GPtrArray  *mappings,
            const char *key)
{
  for (guint i = 0; i < mappings->len; i++)
    {
      PbAbsenceMapping *mapping = g_ptr_array_index (mappings, i);

      if (g_str_equal (mapping->key, key))
        return mapping;
    }
  g_assert_not_reached ();
}

static void
save_types (Fixture      *f,
            PbConnection *connection,
            ...)
{
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  g_autoptr(GError) error = NULL;
  const char *id;
  va_list args;

  va_start (args, connection);
  while ((id = va_arg (args, const char *)) != NULL)
    {
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (id);
      type->name = g_strdup (va_arg (args, const char *));
      g_ptr_array_add (types, type);
    }
  va_end (args);

  g_assert_true (pb_store_save_remote_types (f->store, connection->id, types, &error));
  g_assert_no_error (error);
}

static void
set_mapping (Fixture        *f,
             PbConnection   *connection,
             const char     *key,
             PbMappingState  state,
             const char     *remote_type)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pb_store_set_mapping (f->store, connection->id, type_id (f, key), state, remote_type, &error));
  g_assert_no_error (error);
}

/* SPEC A2: every HR type is listed; with no decision it is unmapped (and
 * counted), then mapped to a payroll type or excluded, and unset again. */
static void
test_states (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) before = list_mappings (f, f->connection);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) unset = NULL;
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(PbAbsenceMapping) one = NULL;
  g_autoptr(GError) error = NULL;
  PbAbsenceMapping *m;

  /* By name: Child sick, Sick leave, Vacation. */
  g_assert_cmpstr (((PbAbsenceMapping *) g_ptr_array_index (before, 0))->key, ==, "child-sick");
  g_assert_cmpstr (((PbAbsenceMapping *) g_ptr_array_index (before, 1))->key, ==, "sick");
  g_assert_cmpstr (((PbAbsenceMapping *) g_ptr_array_index (before, 2))->key, ==, "vacation");
  for (guint i = 0; i < before->len; i++)
    {
      m = g_ptr_array_index (before, i);
      g_assert_cmpint (m->state, ==, PB_MAPPING_UNMAPPED);
      g_assert_null (m->remote_type);
      g_assert_null (m->remote_name);
      g_assert_null (m->changed_at);
      g_assert_cmpint (m->sent, ==, 0);
    }
  g_assert_cmpint (pb_store_count_unmapped (f->store, f->connection->id), ==, 3);

  save_types (f, f->connection, "5001", "Ferie", "5002", "Sykdom med lønn", NULL);
  set_mapping (f, f->connection, "sick", PB_MAPPING_MAPPED, "5002");
  set_mapping (f, f->connection, "vacation", PB_MAPPING_EXCLUDED, NULL);
  g_assert_cmpuint (f->changed, ==, 3);

  after = list_mappings (f, f->connection);
  m = mapping_of (after, "sick");
  g_assert_cmpint (m->state, ==, PB_MAPPING_MAPPED);
  g_assert_cmpstr (m->remote_type, ==, "5002");
  g_assert_cmpstr (m->remote_name, ==, "Sykdom med lønn");
  g_assert_cmpstr (m->name, ==, "Sick leave");
  g_assert_nonnull (m->changed_at);
  m = mapping_of (after, "vacation");
  g_assert_cmpint (m->state, ==, PB_MAPPING_EXCLUDED);
  g_assert_null (m->remote_type);
  g_assert_null (m->remote_name);
  g_assert_cmpint (mapping_of (after, "child-sick")->state, ==, PB_MAPPING_UNMAPPED);
  g_assert_cmpint (pb_store_count_unmapped (f->store, f->connection->id), ==, 1);
  g_assert_cmpstr (pb_mapping_state_to_string (PB_MAPPING_EXCLUDED), ==, "excluded");

  one = pb_store_get_mapping (f->store, f->connection->id, type_id (f, "sick"), &error);
  g_assert_no_error (error);
  g_assert_cmpint (one->state, ==, PB_MAPPING_MAPPED);
  g_assert_cmpstr (one->remote_name, ==, "Sykdom med lønn");
  g_assert_null (pb_store_get_mapping (f->store, f->connection->id, 999999, &error));
  g_assert_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Mappings are per connection. */
  others = list_mappings (f, f->other);
  g_assert_cmpint (mapping_of (others, "sick")->state, ==, PB_MAPPING_UNMAPPED);
  g_assert_cmpint (pb_store_count_unmapped (f->store, f->other->id), ==, 3);

  /* Unset: no decision again. */
  set_mapping (f, f->connection, "sick", PB_MAPPING_UNMAPPED, NULL);
  unset = list_mappings (f, f->connection);
  m = mapping_of (unset, "sick");
  g_assert_cmpint (m->state, ==, PB_MAPPING_UNMAPPED);
  g_assert_null (m->remote_type);
  g_assert_cmpint (pb_store_count_unmapped (f->store, f->connection->id), ==, 2);
}

/* SPEC A2: the payroll types are kept as last read, with when; a new read
 * replaces them (order kept), and a mapping to a type no longer listed
 * stays, its payroll name NULL. */
static void
test_cache_replace (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) empty = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *never = NULL;
  g_autofree char *read_at = NULL;
  g_autofree char *read_again = NULL;
  PbAbsenceMapping *m;

  empty = pb_store_list_remote_types (f->store, f->connection->id, &never, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_null (never);

  save_types (f, f->connection, "5002", "Sykdom med lønn", "5001", "Ferie", NULL);
  first = pb_store_list_remote_types (f->store, f->connection->id, &read_at, &error);
  g_assert_no_error (error);
  g_assert_nonnull (read_at);
  g_assert_cmpuint (first->len, ==, 2);
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (first, 0))->id, ==, "5002");
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (first, 1))->name, ==, "Ferie");
  set_mapping (f, f->connection, "sick", PB_MAPPING_MAPPED, "5002");

  /* Read long ago; read again now, without 5002. */
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (f->store),
                                 "UPDATE remote_absence_type_reads SET read_at = '2020-01-01T00:00:00Z'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  save_types (f, f->connection, "5001", "Ferie", "5010", "Avspasering", NULL);
  second = pb_store_list_remote_types (f->store, f->connection->id, &read_again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->len, ==, 2);
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (second, 0))->id, ==, "5001");
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (second, 1))->id, ==, "5010");
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (second, 1))->name, ==, "Avspasering");
  g_assert_true (g_str_has_prefix (read_again, "20"));
  g_assert_cmpstr (read_again, >, "2020-01-01T00:00:00Z");

  mappings = list_mappings (f, f->connection);
  m = mapping_of (mappings, "sick");
  g_assert_cmpint (m->state, ==, PB_MAPPING_MAPPED);
  g_assert_cmpstr (m->remote_type, ==, "5002");
  g_assert_null (m->remote_name);

  /* Per connection: the other one has read nothing. */
  g_clear_pointer (&never, g_free);
  others = pb_store_list_remote_types (f->store, f->other->id, &never, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (others->len, ==, 0);
  g_assert_null (never);
}

/* SPEC A5: how many absences of a type were sent through the connection,
 * the count an administrator is told before changing its mapping. */
static void
test_sent_count (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) absences = pb_store_list (f->store, PB_ENTITY_ABSENCE, 0, NULL);
  g_autoptr(GPtrArray) mappings = NULL;
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (absences->len, ==, 2);
  for (guint i = 0; i < absences->len; i++)
    {
      PbRecord *absence = g_ptr_array_index (absences, i);

      if (g_str_equal (pb_record_get (absence, PB_ABSENCE_TYPE), "sick"))
        {
          g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_ABSENCE, pb_record_get_id (absence),
                                        "60001", 0, &error));
          g_assert_no_error (error);
        }
    }
  /* A link of another kind with the same record id is no absence sent. */
  g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_POSITION,
                                pb_record_get_id (g_ptr_array_index (absences, 0)), "30001", 0, &error));
  g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_POSITION,
                                pb_record_get_id (g_ptr_array_index (absences, 1)), "30002", 0, &error));
  g_assert_no_error (error);

  mappings = list_mappings (f, f->connection);
  g_assert_cmpint (mapping_of (mappings, "sick")->sent, ==, 1);
  g_assert_cmpint (mapping_of (mappings, "vacation")->sent, ==, 0);
  g_assert_cmpint (mapping_of (mappings, "child-sick")->sent, ==, 0);
  others = list_mappings (f, f->other);
  g_assert_cmpint (mapping_of (others, "sick")->sent, ==, 0);
}

/* Removing a connection takes its mappings and types read with it. */
static void
test_connection_removed (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  int rows = -1;

  save_types (f, f->connection, "5001", "Ferie", NULL);
  set_mapping (f, f->connection, "vacation", PB_MAPPING_MAPPED, "5001");
  g_assert_true (pb_store_delete_connection (f->store, f->connection, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_prepare_v2 (pb_store_get_db (f->store),
                                       "SELECT (SELECT count (*) FROM absence_mappings) + "
                                       "(SELECT count (*) FROM remote_absence_types) + "
                                       "(SELECT count (*) FROM remote_absence_type_reads)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    rows = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  g_assert_cmpint (rows, ==, 0);
}

/* --- reading payroll's types -------------------------------------------------------- */

typedef struct
{
  gboolean done;
  gboolean ok;
  guint    n_types;
  GError  *error;
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

static gboolean
is_done (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
refresh (Fixture    *f,
         PbProvider *provider,
         Wait       *wait)
{
  pb_mappings_refresh_async (f->store, f->connection, provider, NULL, on_refreshed_cb, wait);
  g_assert_true (pb_test_iterate_until (is_done, wait, 30));
}

/* SPEC A2: the refresh reads the sandbox's absence activities into the
 * cache; one that fails keeps what was read before, and when. */
static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("tripletex", &error);
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbProvider) refused = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  g_autofree char *read_at = NULL;
  g_autofree char *kept_at = NULL;
  Wait wait = { 0 };
  Wait failed = { 0 };

  g_assert_no_error (error);
  pb_sandbox_listen (sandbox, 0, &error);
  g_assert_no_error (error);
  provider = pb_test_new_provider ("tripletex", pb_sandbox_get_api_url (sandbox), NULL);

  refresh (f, provider, &wait);
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  g_assert_cmpuint (wait.n_types, ==, 9);   /* the sandbox's default activities */
  types = pb_store_list_remote_types (f->store, f->connection->id, &read_at, &error);
  g_assert_no_error (error);
  g_assert_nonnull (read_at);
  g_assert_cmpuint (types->len, ==, 9);
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (types, 0))->id, ==, "5001");
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (types, 0))->name, ==, "Ferie");
  g_assert_cmpstr (((PbRemoteType *) g_ptr_array_index (types, 1))->name, ==, "Sykdom med lønn");
  g_assert_cmpuint (f->changed, ==, 1);

  /* A refusal: an error, the cache untouched. */
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (f->store),
                                 "UPDATE remote_absence_type_reads SET read_at = '2020-01-01T00:00:00Z'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  refused = pb_test_new_provider ("tripletex", pb_sandbox_get_api_url (sandbox), "not-my-token");
  refresh (f, refused, &failed);
  g_assert_false (failed.ok);
  g_assert_error (failed.error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_clear_error (&failed.error);
  kept = pb_store_list_remote_types (f->store, f->connection->id, &kept_at, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kept->len, ==, 9);
  g_assert_cmpstr (kept_at, ==, "2020-01-01T00:00:00Z");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/mapping/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("store/A2-unmapped-mapped-excluded-unset", test_states);
  ADD ("store/A2-types-read-replaced-with-when", test_cache_replace);
  ADD ("store/A5-sent-count", test_sent_count);
  ADD ("store/connection-removed", test_connection_removed);
  ADD ("refresh/A2-reads-payroll-types", test_refresh);
#undef ADD

  return g_test_run ();
}
