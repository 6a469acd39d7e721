/* test-secrets.c: PbSecrets — keyring items keyed by the register's
 * identity and the connection, and the claim of items stored before that
 * (SPEC C2). Runs against the throw-away keyring of build-aux/run-headless.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>

#include "pb-connection.h"
#include "pb-connections.h"
#include "pb-secrets.h"
#include "pb-store-private.h"
#include "pb-test-utils.h"

/* The schema as Paybridge wrote it before items had a `register`: the
 * tests store legacy items with it, and search the keyring from outside. */
static const SecretSchema legacy_schema = {
  .name = "io.github.paybridge.Paybridge.Secret",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "connection", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

static const char * const token_kinds[] = { "consumer-token", "employee-token", NULL };

typedef struct
{
  GAsyncResult *result;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return ((Wait *) data)->result != NULL;
}

static GAsyncResult *
wait_for (Wait *wait)
{
  g_assert_true (pb_test_iterate_until (has_result, wait, 30));
  return wait->result;
}

static void
store_secret (const char *register_id,
              gint64      connection_id,
              const char *kind,
              const char *label,
              const char *secret)
{
  Wait wait = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  pb_secrets_store_async (register_id, connection_id, kind, label, secret, NULL, on_done_cb, &wait);
  result = wait_for (&wait);
  g_assert_true (pb_secrets_store_finish (result, &error));
  g_assert_no_error (error);
}

static GHashTable *
lookup_secrets (const char          *register_id,
                gint64               connection_id,
                const char * const  *kinds,
                const char * const  *labels,
                GError             **error)
{
  Wait wait = { NULL };
  g_autoptr(GAsyncResult) result = NULL;

  pb_secrets_lookup_async (register_id, connection_id, kinds, labels, NULL, on_done_cb, &wait);
  result = wait_for (&wait);
  return pb_secrets_lookup_finish (result, error);
}

/* The one secret of @kind, or NULL with the error checked to be
 * PB_SECRETS_ERROR_MISSING. */
static char *
lookup_one (const char *register_id,
            gint64      connection_id,
            const char *kind,
            const char *label)
{
  const char * const kinds[] = { kind, NULL };
  const char * const labels[] = { label, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) found = lookup_secrets (register_id, connection_id, kinds,
                                                label != NULL ? labels : NULL, &error);

  if (found == NULL)
    {
      g_assert_error (error, PB_SECRETS_ERROR, PB_SECRETS_ERROR_MISSING);
      return NULL;
    }

  g_assert_no_error (error);
  return g_strdup (g_hash_table_lookup (found, kind));
}

static void
clear_secrets (const char *register_id,
               gint64      connection_id)
{
  Wait wait = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  pb_secrets_clear_async (register_id, connection_id, NULL, on_done_cb, &wait);
  result = wait_for (&wait);
  g_assert_true (pb_secrets_clear_finish (result, &error));
  g_assert_no_error (error);
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Every Paybridge item of connection @id and @kind, as (label, register or
 * "-" for none, secret) lines sorted, so a test can say exactly what the
 * keyring holds. */
static char *
describe_items (const char *id,
                const char *kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = secret_attributes_build (&legacy_schema, "connection", id, "kind", kind, NULL);
  g_autoptr(SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  GList *items;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  items = secret_service_search_sync (service, &legacy_schema, attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                                      NULL, &error);
  g_assert_no_error (error);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) item_attributes = secret_item_get_attributes (l->data);
      g_autofree char *label = secret_item_get_label (l->data);
      g_autoptr(SecretValue) value = secret_item_get_secret (l->data);
      const char *register_id = g_hash_table_lookup (item_attributes, "register");

      g_ptr_array_add (lines, g_strdup_printf ("%s|%s|%s", label, register_id != NULL ? register_id : "-",
                                               value != NULL ? secret_value_get_text (value) : "?"));
    }
  g_list_free_full (items, g_object_unref);
  g_ptr_array_sort (lines, compare_lines);
  g_ptr_array_add (lines, NULL);

  return g_strjoinv ("\n", (char **) lines->pdata);
}

static void
store_legacy (const char *id,
              const char *kind,
              const char *label,
              const char *secret)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (secret_password_store_sync (&legacy_schema, SECRET_COLLECTION_DEFAULT, label, secret, NULL,
                                             &error, "connection", id, "kind", kind, NULL));
  g_assert_no_error (error);
}

static void
clear_connection_one (void)
{
  g_autoptr(GError) error = NULL;

  /* Every register's and the legacy items of connection 1 (test clean-up
   * only: Paybridge itself never clears by the id alone). */
  secret_password_clear_sync (&legacy_schema, NULL, &error, "connection", "1", NULL);
  g_assert_no_error (error);
}

static gboolean
have_keyring (void)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return FALSE;
    }

  clear_connection_one ();
  return TRUE;
}

/* A connection saved in @store, as `connection add` makes it. */
static PbConnection *
add_connection (PbStore    *store,
                const char *name)
{
  PbConnection *connection = pb_connection_new ();
  g_autoptr(GError) error = NULL;

  connection->name = g_strdup (name);
  connection->system = g_strdup ("tripletex");
  connection->sync_types = PB_DATA_USERS;
  g_assert_true (pb_store_save_connection (store, connection, &error));
  g_assert_no_error (error);

  return connection;
}

static void
remove_connection (PbStore      *store,
                   PbConnection *connection)
{
  Wait wait = { NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  pb_connections_remove_async (store, connection, NULL, on_done_cb, &wait);
  result = wait_for (&wait);
  g_assert_true (pb_connections_remove_finish (result, &error));
  g_assert_no_error (error);
}

/* The register's identity is made once, kept, and differs between data
 * folders; a file from before it gets one when upgraded. */
static void
test_register_id (void)
{
  g_autofree char *dir_a = pb_test_make_dir ("register-a");
  g_autofree char *dir_b = pb_test_make_dir ("register-b");
  g_autofree char *dir_old = pb_test_make_dir ("register-old");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) a = pb_store_open (dir_a, &error);
  g_autoptr(PbStore) b = pb_store_open (dir_b, &error);
  g_autoptr(PbStore) again = NULL;
  g_autoptr(PbStore) old = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autofree char *id_a = NULL;

  g_assert_no_error (error);
  id_a = g_strdup (pb_store_get_register_id (a));
  g_assert_true (g_uuid_string_is_valid (id_a));
  g_assert_true (g_uuid_string_is_valid (pb_store_get_register_id (b)));
  g_assert_cmpstr (id_a, !=, pb_store_get_register_id (b));

  /* Saved and loaded connections carry it. */
  connection = add_connection (a, "Acme");
  g_assert_cmpstr (connection->register_id, ==, id_a);
  g_clear_object (&a);
  again = pb_store_open (dir_a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_store_get_register_id (again), ==, id_a);
  listed = pb_store_list_connections (again, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (((PbConnection *) g_ptr_array_index (listed, 0))->register_id, ==, id_a);

  /* Data version 6 had no register (whatever number the step gets). */
  old = pb_store_open_at_version (dir_old, 6, &error);
  g_assert_no_error (error);
  g_assert_null (pb_store_get_register_id (old));
  g_clear_object (&old);
  old = pb_store_open (dir_old, &error);
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (pb_store_get_register_id (old)));
}

/* SPEC C2: two data folders, each with its connection 1 (ids start at 1 in
 * every register). Each reads back its own tokens, and removing the
 * connection in one leaves the other's. Keyed by the id alone, the second
 * store overwrote the first's tokens and the removal deleted both. */
static void
test_two_registers (void)
{
  g_autofree char *dir_a = pb_test_make_dir ("two-a");
  g_autofree char *dir_b = pb_test_make_dir ("two-b");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) a = NULL;
  g_autoptr(PbStore) b = NULL;
  g_autoptr(PbConnection) in_a = NULL;
  g_autoptr(PbConnection) in_b = NULL;
  g_autoptr(GHashTable) found = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *items = NULL;
  g_autofree char *expected = NULL;

  if (!have_keyring ())
    return;

  a = pb_store_open (dir_a, &error);
  g_assert_no_error (error);
  b = pb_store_open (dir_b, &error);
  g_assert_no_error (error);
  in_a = add_connection (a, "Acme");
  in_b = add_connection (b, "Acme");
  g_assert_cmpint (in_a->id, ==, 1);
  g_assert_cmpint (in_b->id, ==, 1);

  store_secret (in_a->register_id, in_a->id, "consumer-token", "A consumer", "consumer-a");
  store_secret (in_a->register_id, in_a->id, "employee-token", "A employee", "employee-a");
  store_secret (in_b->register_id, in_b->id, "consumer-token", "B consumer", "consumer-b");
  store_secret (in_b->register_id, in_b->id, "employee-token", "B employee", "employee-b");

  /* Two items of each kind for connection 1, one per register. */
  items = describe_items ("1", "employee-token");
  expected = g_strdup_printf ("A employee|%s|employee-a\nB employee|%s|employee-b",
                              in_a->register_id, in_b->register_id);
  g_assert_cmpstr (items, ==, expected);

  found = lookup_secrets (in_a->register_id, in_a->id, token_kinds, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (found, "consumer-token"), ==, "consumer-a");
  g_assert_cmpstr (g_hash_table_lookup (found, "employee-token"), ==, "employee-a");
  g_clear_pointer (&found, g_hash_table_unref);
  found = lookup_secrets (in_b->register_id, in_b->id, token_kinds, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (found, "consumer-token"), ==, "consumer-b");
  g_assert_cmpstr (g_hash_table_lookup (found, "employee-token"), ==, "employee-b");

  /* Removing A's connection deletes A's items only. */
  remove_connection (a, in_a);
  gone = lookup_one (pb_store_get_register_id (a), 1, "employee-token", NULL);
  g_assert_null (gone);
  kept = lookup_one (in_b->register_id, in_b->id, "employee-token", NULL);
  g_assert_cmpstr (kept, ==, "employee-b");
  g_clear_pointer (&items, g_free);
  items = describe_items ("1", "consumer-token");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("B consumer|%s|consumer-b", in_b->register_id);
  g_assert_cmpstr (items, ==, expected);

  remove_connection (b, in_b);
  g_clear_pointer (&items, g_free);
  items = describe_items ("1", "consumer-token");
  g_assert_cmpstr (items, ==, "");
}

/* SPEC C2: an item stored before items had a register (attributes
 * `connection` and `kind` only) is found by the connection it was written
 * for: its label names the system and the connection. It moves under the
 * register's key, so another register can no longer take it. */
static void
test_legacy_claimed (void)
{
  g_autofree char *dir_a = pb_test_make_dir ("legacy-a");
  g_autofree char *dir_b = pb_test_make_dir ("legacy-b");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) a = NULL;
  g_autoptr(PbStore) b = NULL;
  g_auto(GStrv) labels = pb_secrets_labels ("Tripletex", "Acme", token_kinds);
  g_autoptr(GHashTable) found = NULL;
  g_autofree char *items = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *other = NULL;
  const char *register_a;

  if (!have_keyring ())
    return;

  a = pb_store_open (dir_a, &error);
  g_assert_no_error (error);
  b = pb_store_open (dir_b, &error);
  g_assert_no_error (error);
  register_a = pb_store_get_register_id (a);
  g_assert_cmpstr (labels[1], ==, "Paybridge: Tripletex — Acme, employee token");

  store_legacy ("1", "consumer-token", labels[0], "old-consumer");
  store_legacy ("1", "employee-token", labels[1], "old-employee");

  /* A lookup by the new key alone never finds a legacy item. */
  secret = lookup_one (register_a, 1, "employee-token", NULL);
  g_assert_null (secret);

  found = lookup_secrets (register_a, 1, token_kinds, (const char * const *) labels, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (found, "consumer-token"), ==, "old-consumer");
  g_assert_cmpstr (g_hash_table_lookup (found, "employee-token"), ==, "old-employee");

  /* Moved: one item, A's, same label and secret; no legacy one left. */
  items = describe_items ("1", "employee-token");
  expected = g_strdup_printf ("%s|%s|old-employee", labels[1], register_a);
  g_assert_cmpstr (items, ==, expected);

  /* Found now by the new key, without the labels. */
  secret = lookup_one (register_a, 1, "consumer-token", NULL);
  g_assert_cmpstr (secret, ==, "old-consumer");

  /* B has a connection 1 with the same label: the item is A's now. */
  other = lookup_one (pb_store_get_register_id (b), 1, "employee-token", labels[1]);
  g_assert_null (other);

  clear_secrets (register_a, 1);
  g_clear_pointer (&items, g_free);
  items = describe_items ("1", "employee-token");
  g_assert_cmpstr (items, ==, "");
}

/* SPEC C2: a legacy item is claimed only when it is plainly this
 * connection's. One labelled for another connection stays where it is,
 * for whichever register it belongs to, and a clear does not touch it. */
static void
test_legacy_other_label_left (void)
{
  g_autofree char *dir = pb_test_make_dir ("legacy-other");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autofree char *label = pb_secrets_label ("Tripletex", "Acme", "employee-token");
  g_autofree char *other_label = pb_secrets_label ("Tripletex", "Beta", "employee-token");
  g_autofree char *expected = g_strdup_printf ("%s|-|beta-employee", other_label);
  g_autofree char *secret = NULL;
  g_autofree char *items = NULL;
  const char *register_id;

  if (!have_keyring ())
    return;

  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  register_id = pb_store_get_register_id (store);
  store_legacy ("1", "employee-token", other_label, "beta-employee");

  secret = lookup_one (register_id, 1, "employee-token", label);
  g_assert_null (secret);
  clear_secrets (register_id, 1);
  items = describe_items ("1", "employee-token");
  g_assert_cmpstr (items, ==, expected);

  /* ...and the connection it names does get it. */
  secret = lookup_one (register_id, 1, "employee-token", other_label);
  g_assert_cmpstr (secret, ==, "beta-employee");
  clear_secrets (register_id, 1);
  g_clear_pointer (&items, g_free);
  items = describe_items ("1", "employee-token");
  g_assert_cmpstr (items, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  pb_secrets_set_timeout (20);

  g_test_add_func ("/secrets/register-id", test_register_id);
  g_test_add_func ("/secrets/C2-two-registers-keep-their-own", test_two_registers);
  g_test_add_func ("/secrets/C2-legacy-item-claimed", test_legacy_claimed);
  g_test_add_func ("/secrets/C2-legacy-item-of-another-connection-left", test_legacy_other_label_left);

  return g_test_run ();
}
