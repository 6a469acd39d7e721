/* pb-mappings.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMappings"

#include "config.h"

#include "pb-mappings.h"

typedef struct
{
  PbStore      *store;
  PbConnection *connection;
} RefreshState;

static void
refresh_state_free (RefreshState *state)
{
  g_clear_object (&state->store);
  g_clear_object (&state->connection);
  g_free (state);
}

static void
on_types_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RefreshState *state = g_task_get_task_data (task);
  g_autoptr(GPtrArray) remotes = NULL;
  g_autoptr(GPtrArray) types = NULL;
  GError *error = NULL;

  remotes = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  for (guint i = 0; remotes != NULL && i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (remote->id);
      type->name = g_strdup (remote->name);
      g_ptr_array_add (types, type);
    }

  /* The cache is replaced only by a complete answer: a failed read above
   * leaves the types read before, and when, as they were. */
  if (!pb_store_save_remote_types (state->store, state->connection->id, types, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("%s: %u absence types read", state->connection->name, types->len);
  g_task_return_int (task, types->len);
}

/**
 * pb_mappings_refresh_async:
 *
 * Reads the payroll system's absence types (PB_OP_LIST_ABSENCE_TYPES) and
 * replaces the connection's cache of them, noting when they were read.
 * Mappings are kept, also those to a type payroll no longer lists.
 */
void
pb_mappings_refresh_async (PbStore             *store,
                           PbConnection        *connection,
                           PbProvider          *provider,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  RefreshState *state;

  g_return_if_fail (PB_IS_STORE (store));
  g_return_if_fail (PB_IS_CONNECTION (connection));
  g_return_if_fail (PB_IS_PROVIDER (provider));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pb_mappings_refresh_async);
  state = g_new0 (RefreshState, 1);
  state->store = g_object_ref (store);
  state->connection = g_object_ref (connection);
  g_task_set_task_data (task, state, (GDestroyNotify) refresh_state_free);

  pb_provider_call_async (provider, PB_OP_LIST_ABSENCE_TYPES, NULL, cancellable, on_types_listed_cb, task);
}

/**
 * pb_mappings_refresh_finish:
 * @n_types: (out) (optional): how many types payroll listed
 *
 * Returns: %TRUE when the types were read and saved
 */
gboolean
pb_mappings_refresh_finish (GAsyncResult  *result,
                            guint         *n_types,
                            GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_mappings_refresh_async, FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_types != NULL)
    *n_types = n;
  return TRUE;
}
