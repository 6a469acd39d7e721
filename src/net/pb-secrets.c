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
  guint         next;
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
call_new (gint64               connection_id,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, source_tag);
  call->cancellable = g_cancellable_new ();
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

void
pb_secrets_store_async (gint64               connection_id,
                        const char          *kind,
                        const char          *label,
                        const char          *secret,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = call_new (connection_id, cancellable, callback, user_data, pb_secrets_store_async);
  Call *call = g_task_get_task_data (task);

  g_debug ("Storing the %s of connection %s", kind, call->connection);
  secret_password_store (&schema, SECRET_COLLECTION_DEFAULT, label, secret, call->cancellable,
                         on_stored_cb, task,
                         "connection", call->connection, "kind", kind, NULL);
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

  if (secret == NULL)
    {
      g_task_return_new_error (task, PB_SECRETS_ERROR, PB_SECRETS_ERROR_MISSING,
                               _("The keyring holds no %s for this connection: enter it again"),
                               call->kinds[call->next]);
      g_object_unref (task);
      return;
    }

  g_hash_table_insert (call->found, g_strdup (call->kinds[call->next]), g_strdup (secret));
  secret_password_free (secret);
  call->next++;
  lookup_next (task);
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

  secret_password_lookup (&schema, call->cancellable, on_looked_up_cb, task,
                          "connection", call->connection, "kind", call->kinds[call->next], NULL);
}

/**
 * pb_secrets_lookup_async:
 * @kinds: the secrets to read; every one must be there
 */
void
pb_secrets_lookup_async (gint64               connection_id,
                         const char * const  *kinds,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = call_new (connection_id, cancellable, callback, user_data, pb_secrets_lookup_async);
  Call *call = g_task_get_task_data (task);

  call->kinds = g_strdupv ((char **) kinds);
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

/* Deletes every secret of the connection. */
void
pb_secrets_clear_async (gint64               connection_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = call_new (connection_id, cancellable, callback, user_data, pb_secrets_clear_async);
  Call *call = g_task_get_task_data (task);

  secret_password_clear (&schema, call->cancellable, on_cleared_cb, task, "connection", call->connection, NULL);
}

gboolean
pb_secrets_clear_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_secrets_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
