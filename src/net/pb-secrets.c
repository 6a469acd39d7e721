/* pb-secrets.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSecrets"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "pb-secrets.h"

G_DEFINE_QUARK (pb-secrets-error-quark, pb_secrets_error)

static const SecretSchema schema = {
  .name = "io.github.paybridge.Paybridge.Secret",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "register", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "connection", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

/* A keyring that waits for a password prompt on a screen nobody looks at
 * would hang the sync; after this long the call is given up. */
static guint timeout_seconds = 30;

void
pb_secrets_set_timeout (guint seconds)
{
  timeout_seconds = seconds;
}

typedef struct
{
  GCancellable *cancellable;   /* ours: cancelled by the caller's or the timeout */
  gulong        cancel_id;
  GCancellable *caller;
  guint         timeout_id;
  gboolean      timed_out;
  GHashTable   *found;         /* lookup: kind -> secret */
  char        **kinds;         /* lookup: what is still to read */
  char        **labels;        /* lookup: (nullable) their labels, to claim legacy items */
  guint         next;
  SecretItem   *legacy;        /* lookup: the legacy item being claimed */
  char         *register_id;
  char         *connection;
} Call;

static void
call_free (Call *call)
{
  if (call->cancel_id != 0)
    g_cancellable_disconnect (call->caller, call->cancel_id);
  g_clear_handle_id (&call->timeout_id, g_source_remove);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->caller);
  g_clear_pointer (&call->found, g_hash_table_unref);
  g_strfreev (call->kinds);
  g_strfreev (call->labels);
  g_clear_object (&call->legacy);
  g_free (call->register_id);
  g_free (call->connection);
  g_free (call);
}

static gboolean
on_timeout_cb (gpointer user_data)
{
  Call *call = user_data;

  call->timeout_id = 0;
  call->timed_out = TRUE;
  g_cancellable_cancel (call->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled_cb (GCancellable *caller,
                        GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static GTask *
call_new (const char          *register_id,
          gint64               connection_id,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, source_tag);
  call->cancellable = g_cancellable_new ();
  call->register_id = g_strdup (register_id);
  call->connection = g_strdup_printf ("%" G_GINT64_FORMAT, connection_id);
  if (cancellable != NULL)
    {
      call->caller = g_object_ref (cancellable);
      call->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled_cb),
                                               call->cancellable, NULL);
    }
  call->timeout_id = g_timeout_add_seconds (timeout_seconds, on_timeout_cb, call);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  return task;
}

/* libsecret's errors, in words the UI can act on. */
static GError *
translate_error (Call   *call,
                 GError *error)
{
  GError *result;

  if (call->timed_out)
    result = g_error_new (PB_SECRETS_ERROR, PB_SECRETS_ERROR_UNAVAILABLE,
                          _("The keyring did not answer within %u seconds. Is it locked, waiting for a password?"),
                          timeout_seconds);
  else if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    result = g_error_new (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? G_IO_ERROR : PB_SECRETS_ERROR,
                          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? G_IO_ERROR_CANCELLED
                                                                                     : PB_SECRETS_ERROR_LOCKED,
                          g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED)
                            ? _("The keyring is locked: unlock it and try again")
                            : _("Cancelled"));
  else
    result = g_error_new (PB_SECRETS_ERROR, PB_SECRETS_ERROR_UNAVAILABLE,
                          _("The keyring is not available: %s"), error->message);

  g_error_free (error);
  return result;
}

/**
 * pb_secrets_label:
 *
 * Returns: (transfer full): the keyring item's label, readable in Seahorse:
 *   "Paybridge: Tripletex — Acme AS, employee token"
 */
char *
pb_secrets_label (const char *system_name,
                  const char *connection_name,
                  const char *kind)
{
  g_autofree char *words = g_strdelimit (g_strdup (kind), "-", ' ');

  return g_strdup_printf (_("Paybridge: %s — %s, %s"), system_name, connection_name, words);
}

/**
 * pb_secrets_labels:
 *
 * Returns: (transfer full): pb_secrets_label() of each of @kinds, in their
 *   order (the @labels of pb_secrets_lookup_async())
 */
char **
pb_secrets_labels (const char         *system_name,
                   const char         *connection_name,
                   const char * const *kinds)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **labels;

  for (guint i = 0; kinds != NULL && kinds[i] != NULL; i++)
    {
      g_autofree char *label = pb_secrets_label (system_name, connection_name, kinds[i]);

      g_strv_builder_add (builder, label);
    }
  labels = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  return labels;
}

static void
on_stored_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, translate_error (call, error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * pb_secrets_store_async:
 * @register_id: the register's identity (pb_store_get_register_id())
 *
 * Stores (or replaces) the @kind secret of the connection.
 */
void
pb_secrets_store_async (const char          *register_id,
                        gint64               connection_id,
                        const char          *kind,
                        const char          *label,
                        const char          *secret,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (register_id != NULL && *register_id != '\0');
  g_return_if_fail (kind != NULL);

  task = call_new (register_id, connection_id, cancellable, callback, user_data, pb_secrets_store_async);
  call = g_task_get_task_data (task);
  g_debug ("Storing the %s of connection %s of register %s", kind, call->connection, call->register_id);
  secret_password_store (&schema, SECRET_COLLECTION_DEFAULT, label, secret, call->cancellable,
                         on_stored_cb, task,
                         "register", call->register_id, "connection", call->connection, "kind", kind, NULL);
}

gboolean
pb_secrets_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_secrets_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void lookup_next (GTask *task);

static void
return_missing (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_task_return_new_error (task, PB_SECRETS_ERROR, PB_SECRETS_ERROR_MISSING,
                           _("The keyring holds no %s for this connection: enter it again"),
                           call->kinds[call->next]);
  g_object_unref (task);
}

/* The secret of the current kind is found: on to the next kind. */
static void
found (GTask      *task,
       const char *secret)
{
  Call *call = g_task_get_task_data (task);

  g_hash_table_insert (call->found, g_strdup (call->kinds[call->next]), g_strdup (secret));
  g_clear_object (&call->legacy);
  call->next++;
  lookup_next (task);
}

static void
on_legacy_deleted_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Left behind, it does no harm: the new item is found first. */
  if (!secret_item_delete_finish (SECRET_ITEM (source), result, &error))
    g_debug ("Could not delete the old keyring item of connection %s: %s", call->connection, error->message);

  lookup_next (task);
}

static void
on_claimed_stored_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SecretItem *legacy = g_steal_pointer (&call->legacy);

  /* The secret was read, so the lookup succeeds either way; only a copy
   * that is safely stored lets the old item go. */
  call->next++;
  if (!secret_password_store_finish (result, &error))
    {
      g_debug ("Could not move the old keyring item of connection %s: %s", call->connection, error->message);
      g_object_unref (legacy);
      lookup_next (task);
      return;
    }

  g_debug ("Moved the old %s item of connection %s to register %s",
           call->kinds[call->next - 1], call->connection, call->register_id);
  secret_item_delete (legacy, call->cancellable, on_legacy_deleted_cb, task);
  g_object_unref (legacy);
}

static void
on_legacy_searched_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  const char *label = call->labels[call->next];
  const char *kind = call->kinds[call->next];
  GError *error = NULL;
  GList *items = secret_service_search_finish (SECRET_SERVICE (source), result, &error);
  g_autoptr(SecretValue) value = NULL;
  SecretItem *match = NULL;
  guint n_matches = 0;

  if (error != NULL)
    {
      g_task_return_error (task, translate_error (call, error));
      g_object_unref (task);
      return;
    }

  /* The search by connection and kind also finds every register's
   * new-style items: only those without a `register` count. */
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      g_autofree char *item_label = secret_item_get_label (l->data);

      if (!g_hash_table_contains (attributes, "register") && g_strcmp0 (item_label, label) == 0)
        {
          match = l->data;
          n_matches++;
        }
    }

  if (n_matches == 1)
    value = secret_item_get_secret (match);
  if (value == NULL || secret_value_get_text (value) == NULL)
    {
      g_list_free_full (items, g_object_unref);
      return_missing (task);
      return;
    }

  g_hash_table_insert (call->found, g_strdup (kind), g_strdup (secret_value_get_text (value)));
  call->legacy = g_object_ref (match);
  g_list_free_full (items, g_object_unref);
  secret_password_store (&schema, SECRET_COLLECTION_DEFAULT, label, secret_value_get_text (value),
                         call->cancellable, on_claimed_stored_cb, task,
                         "register", call->register_id, "connection", call->connection, "kind", kind, NULL);
}

static void
on_service_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(SecretService) service = secret_service_get_finish (result, &error);
  g_autoptr(GHashTable) attributes = NULL;

  if (service == NULL)
    {
      g_task_return_error (task, translate_error (call, error));
      g_object_unref (task);
      return;
    }

  attributes = secret_attributes_build (&schema, "connection", call->connection,
                                        "kind", call->kinds[call->next], NULL);
  secret_service_search (service, &schema, attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                         call->cancellable, on_legacy_searched_cb, task);
}

/* Before items had a `register` attribute they were keyed by the
 * connection's id alone, and a connection with the same id in another data
 * folder overwrote them: such an item belongs to whichever register wrote
 * it last, and nothing in it says which. Its label does name the payroll
 * system and the connection, so it is claimed only when its label is the
 * one this connection would give it, and only if exactly one such item is
 * there: moved under this register's key and then deleted, so that no
 * other register can claim it too. Any other legacy item is left alone: a
 * register that cannot tell whose it is asks for the secret again rather
 * than take another register's. */
static void
claim_legacy (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  secret_service_get (SECRET_SERVICE_NONE, call->cancellable, on_service_cb, task);
}

static void
on_looked_up_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, translate_error (call, error));
      g_object_unref (task);
      return;
    }

  if (secret != NULL)
    {
      found (task, secret);
      secret_password_free (secret);
    }
  else if (call->labels != NULL && call->labels[call->next] != NULL)
    claim_legacy (task);
  else
    return_missing (task);
}

static void
lookup_next (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  if (call->kinds[call->next] == NULL)
    {
      g_task_return_pointer (task, g_hash_table_ref (call->found), (GDestroyNotify) g_hash_table_unref);
      g_object_unref (task);
      return;
    }

  /* All three attributes: an item of another register, or a legacy one
   * without `register`, never matches. */
  secret_password_lookup (&schema, call->cancellable, on_looked_up_cb, task,
                          "register", call->register_id, "connection", call->connection,
                          "kind", call->kinds[call->next], NULL);
}

/**
 * pb_secrets_lookup_async:
 * @register_id: the register's identity (pb_store_get_register_id())
 * @kinds: the secrets to read; every one must be there
 * @labels: (nullable): the label of each of @kinds' items (pb_secrets_labels()):
 *   with them, an item stored before items had a register is claimed for
 *   this one when its label matches; %NULL never claims one
 */
void
pb_secrets_lookup_async (const char          *register_id,
                         gint64               connection_id,
                         const char * const  *kinds,
                         const char * const  *labels,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (register_id != NULL && *register_id != '\0');
  g_return_if_fail (kinds != NULL);
  g_return_if_fail (labels == NULL || g_strv_length ((char **) labels) == g_strv_length ((char **) kinds));

  task = call_new (register_id, connection_id, cancellable, callback, user_data, pb_secrets_lookup_async);
  call = g_task_get_task_data (task);
  call->kinds = g_strdupv ((char **) kinds);
  call->labels = g_strdupv ((char **) labels);
  call->found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lookup_next (task);
}

/**
 * pb_secrets_lookup_finish:
 *
 * Returns: (transfer full): kind -> secret, all that were asked for
 */
GHashTable *
pb_secrets_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_secrets_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_cleared_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;

  /* FALSE without an error: there was nothing to clear. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_task_return_error (task, translate_error (call, error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * pb_secrets_clear_async:
 * @register_id: the register's identity (pb_store_get_register_id())
 *
 * Deletes every secret of the connection in this register. Items of the
 * same connection id in another register, and legacy items nobody has
 * claimed (whose they are is not known), stay.
 */
void
pb_secrets_clear_async (const char          *register_id,
                        gint64               connection_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (register_id != NULL && *register_id != '\0');

  task = call_new (register_id, connection_id, cancellable, callback, user_data, pb_secrets_clear_async);
  call = g_task_get_task_data (task);
  secret_password_clear (&schema, call->cancellable, on_cleared_cb, task,
                         "register", call->register_id, "connection", call->connection, NULL);
}

gboolean
pb_secrets_clear_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_secrets_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
