/* pb-mappings-stub.c: STAND-IN until src/engine/pb-mappings.c lands on main
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMappings"

#include "config.h"

#include "pb-mapping.h"
#include "pb-mappings-stub.h"

/* Just enough of the engine's refresh for the view to work: list payroll's
 * absence types and keep them in the store. Built only while
 * src/engine/pb-mappings.c is not there; delete it once it is. */

typedef struct
{
  PbStore *store;
  gint64   connection_id;
  guint    n_types;
} Refresh;

static void
refresh_free (Refresh *refresh)
{
  g_object_unref (refresh->store);
  g_free (refresh);
}

static void
on_listed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Refresh *refresh = g_task_get_task_data (task);
  g_autoptr(GPtrArray) remotes = NULL;
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  GError *error = NULL;

  remotes = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  if (remotes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (remote->id);
      type->name = g_strdup (remote->name != NULL ? remote->name : remote->id);
      g_ptr_array_add (types, type);
    }

  if (!pb_store_save_remote_types (refresh->store, refresh->connection_id, types, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  refresh->n_types = types->len;
  g_task_return_boolean (task, TRUE);
}

void
pb_mappings_refresh_async (PbStore             *store,
                           PbConnection        *connection,
                           PbProvider          *provider,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Refresh *refresh;
  PbProviderArgs args = { 0 };

  g_return_if_fail (PB_IS_STORE (store));
  g_return_if_fail (PB_IS_CONNECTION (connection));
  g_return_if_fail (PB_IS_PROVIDER (provider));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pb_mappings_refresh_async);
  refresh = g_new0 (Refresh, 1);
  refresh->store = g_object_ref (store);
  refresh->connection_id = connection->id;
  g_task_set_task_data (task, refresh, (GDestroyNotify) refresh_free);

  pb_provider_call_async (provider, PB_OP_LIST_ABSENCE_TYPES, &args, cancellable, on_listed_cb,
                          g_steal_pointer (&task));
}

gboolean
pb_mappings_refresh_finish (GAsyncResult  *result,
                            guint         *n_types,
                            GError       **error)
{
  GTask *task = G_TASK (result);

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (task) == pb_mappings_refresh_async, FALSE);

  if (!g_task_propagate_boolean (task, error))
    return FALSE;
  if (n_types != NULL)
    *n_types = ((Refresh *) g_task_get_task_data (task))->n_types;
  return TRUE;
}
