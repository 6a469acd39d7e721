/* pb-sync-engine.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSyncEngine"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pb-connections.h"
#include "pb-sync-engine.h"
#include "pb-user-plan.h"
#include "pb-user-sync.h"

/* An entry that failed for a reason that may pass (network, rate limit,
 * server) is tried again at the next push, this many times at most. */
#define MAX_ATTEMPTS 5

/**
 * pb_sync_engine_activate:
 *
 * SPEC C5: only changes made from now on are sent; there is no backfill.
 */
gboolean
pb_sync_engine_activate (PbStore       *store,
                         PbConnection  *connection,
                         GError       **error)
{
  return pb_store_set_outbox_cursor (store, connection->id, pb_store_max_change_id (store), error);
}

static gboolean
in_scope (PbConnection *connection,
          PbRecord     *employee)
{
  switch (connection->scope_kind)
    {
    case PB_SCOPE_TEAM:
      return g_strcmp0 (pb_record_get (employee, PB_EMPLOYEE_TEAM), connection->scope_key) == 0;
    case PB_SCOPE_LOCATION:
      return g_strcmp0 (pb_record_get (employee, PB_EMPLOYEE_LOCATION), connection->scope_key) == 0;
    case PB_SCOPE_COMPANY:
      return g_strcmp0 (pb_record_get (employee, PB_EMPLOYEE_COMPANY), connection->scope_key) == 0;
    case PB_SCOPE_ALL:
    default:
      return TRUE;
    }
}

/* Did the change touch a field the connector sends? */
static gboolean
touches_sent_fields (PbProviderClass *klass,
                     const PbChange  *change)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *changed;

  if (change->op == PB_CHANGE_CREATE)
    return TRUE;
  if (change->new_values == NULL || !json_parser_load_from_data (parser, change->new_values, -1, NULL))
    return FALSE;

  changed = json_node_get_object (json_parser_get_root (parser));
  for (const PbFieldRef *ref = klass->readable_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE &&
        json_object_has_member (changed, pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[ref->field].name))
      return TRUE;

  return FALSE;
}

/**
 * pb_sync_engine_enqueue:
 *
 * Moves the HR changes after the connection's cursor into its outbox, in
 * one transaction with the cursor. Only for an active connection that
 * syncs users; people out of scope, deactivated (U9) or deleted (U10) are
 * not sent.
 *
 * Returns: how many entries were added, or -1 with @error set
 */
int
pb_sync_engine_enqueue (PbStore       *store,
                        PbConnection  *connection,
                        GError       **error)
{
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  g_autoptr(GPtrArray) changes = NULL;
  gint64 cursor;
  int added = 0;

  if (connection->state != PB_CONNECTION_ACTIVE || !(connection->sync_types & PB_DATA_USERS) || klass == NULL)
    return 0;

  cursor = pb_store_get_outbox_cursor (store, connection->id);
  changes = pb_store_list_changes (store, cursor, error);
  if (changes == NULL)
    return -1;
  if (changes->len == 0)
    return 0;

  if (!pb_store_begin (store, error))
    return -1;

  for (guint i = 0; i < changes->len; i++)
    {
      PbChange *change = g_ptr_array_index (changes, i);
      g_autoptr(PbRecord) employee = NULL;
      const char *status;

      if (change->entity != PB_ENTITY_EMPLOYEE || change->op == PB_CHANGE_DELETE)
        continue;
      employee = pb_store_get (store, PB_ENTITY_EMPLOYEE, change->record_id, NULL);
      if (employee == NULL || !in_scope (connection, employee))
        continue;
      status = pb_record_get (employee, PB_EMPLOYEE_STATUS);
      if (g_strcmp0 (status, "active") != 0 || !touches_sent_fields (klass, change))
        continue;

      if (!pb_store_enqueue (store, connection->id, PB_ENTITY_EMPLOYEE, change->record_id, change->record_id,
                             change->id, error))
        goto fail;
      added++;
    }

  if (!pb_store_set_outbox_cursor (store, connection->id,
                                   ((PbChange *) g_ptr_array_index (changes, changes->len - 1))->id, error) ||
      !pb_store_commit (store, error))
    goto fail;

  return added;

fail:
  pb_store_rollback (store);
  return -1;
}

/* --- push ------------------------------------------------------------------------ */

typedef struct
{
  PbStore      *store;
  PbConnection *connection;
  PbProvider   *provider;
  GArray       *entries;
  guint         next;
  PbRecord     *employee;
  guint         sent;
  guint         failed;
  guint         pending;
} Push;

static void
push_free (Push *push)
{
  g_object_unref (push->store);
  g_object_unref (push->connection);
  g_object_unref (push->provider);
  g_clear_pointer (&push->entries, g_array_unref);
  g_clear_object (&push->employee);
  g_free (push);
}

static void push_next (GTask *task);

static PbOutboxEntry *
current_entry (Push *push)
{
  return &g_array_index (push->entries, PbOutboxEntry, push->next);
}

static const char *
advice_for (const GError *error)
{
  if (error->domain == PB_PROVIDER_ERROR)
    switch ((PbProviderError) error->code)
      {
      case PB_PROVIDER_ERROR_NOT_AUTHORIZED:
        return _("Sign in again or enter new tokens in the connection’s settings");
      case PB_PROVIDER_ERROR_FORBIDDEN:
        return _("Give the payroll user the access this needs, then change the person again");
      case PB_PROVIDER_ERROR_VALIDATION:
      case PB_PROVIDER_ERROR_INVALID_INPUT:
        return _("Correct the field in the HR register: the person is sent again when changed");
      case PB_PROVIDER_ERROR_LOCKED:
        return _("Unlock the record in the payroll system, then change the person again");
      case PB_PROVIDER_ERROR_CONFLICT:
        return _("Someone changed the person in payroll at the same time: run “Sync users”");
      case PB_PROVIDER_ERROR_NETWORK:
      case PB_PROVIDER_ERROR_TIMEOUT:
      case PB_PROVIDER_ERROR_RATE_LIMITED:
      case PB_PROVIDER_ERROR_SERVER:
        return _("Paybridge tries again at the next push");
      case PB_PROVIDER_ERROR_FAILED:
      case PB_PROVIDER_ERROR_NOT_SUPPORTED:
      case PB_PROVIDER_ERROR_NOT_FOUND:
      case PB_PROVIDER_ERROR_INVALID_RESPONSE:
      case PB_PROVIDER_ERROR_INSECURE:
      default:
        break;
      }
  return NULL;
}

/**
 * pb_sync_engine_record_error:
 * @person: (nullable): the HR person (or payroll person) it is about
 *
 * SPEC C7, U11: an actionable entry in the error log — who, what, what
 * the payroll system said, what to do.
 */
gboolean
pb_sync_engine_record_error (PbStore       *store,
                             PbConnection  *connection,
                             PbRecord      *person,
                             const char    *what,
                             const GError  *failure,
                             GError       **error)
{
  const PbProviderErrorDetails *details = pb_provider_error_get_details (failure);
  g_autoptr(PbErrorEntry) log = g_new0 (PbErrorEntry, 1);

  if (person != NULL)
    {
      g_autofree char *name = pb_record_dup_display_name (person);
      log->who = g_strdup_printf ("%s <%s>", name, pb_record_get (person, PB_EMPLOYEE_EMAIL));
      log->employee_id = pb_record_get_id (person);
    }
  log->what = g_strdup (what);
  log->message = g_strdup (failure->message);
  if (details != NULL)
    {
      log->system_message = g_strdup (details->message);
      log->request_id = g_strdup (details->request_id);
    }
  log->advice = g_strdup (advice_for (failure));

  return pb_store_add_error (store, connection->id, log, error);
}

/* A send failed: log it (U11: the others go on) and either keep the entry
 * for the next push or give up on it. */
static void
entry_failed (GTask        *task,
              const char   *what,
              const GError *error)
{
  Push *push = g_task_get_task_data (task);
  PbOutboxEntry *entry = current_entry (push);
  g_autoptr(GError) store_error = NULL;
  gboolean transient = pb_provider_error_is_transient (error);
  gboolean give_up = !transient || entry->attempts + 1 >= MAX_ATTEMPTS;

  /* Cancelled (the app quits, the connection was removed, its sign-in was
   * lost): nothing was learnt about this entry, so it is neither logged nor
   * counted and stays pending for the next push. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (!pb_sync_engine_record_error (push->store, push->connection, push->employee, what, error, &store_error) ||
      !pb_store_finish_outbox (push->store, entry->id, FALSE, give_up, &store_error))
    g_warning ("Could not record a failure: %s", store_error->message);

  if (give_up)
    push->failed++;
  else
    push->pending++;

  g_clear_object (&push->employee);
  push->next++;
  push_next (task);
}

static void
entry_done (GTask *task)
{
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pb_store_finish_outbox (push->store, current_entry (push)->id, TRUE, FALSE, &error))
    g_warning ("Could not mark an outbox entry done: %s", error->message);
  push->sent++;
  g_clear_object (&push->employee);
  push->next++;
  push_next (task);
}

static void
on_written_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) remote = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  const char *what = g_object_get_data (G_OBJECT (task), "pb-what");

  if (remote == NULL ||
      !pb_store_link (push->store, push->connection->id, PB_ENTITY_EMPLOYEE, current_entry (push)->record_id,
                      remote->id, remote->version, &error))
    {
      entry_failed (task, what, error);
      return;
    }

  entry_done (task);
}

static void
on_found_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) found = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  PbProviderArgs args = { .record = push->employee };

  if (error != NULL && !g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED))
    {
      entry_failed (task, _("Create the employee in payroll"), error);
      return;
    }

  /* Found: an earlier push created them and was cut off (SPEC R3), or
   * they were made in payroll by hand; link, then send HR's values. */
  if (found != NULL)
    {
      args.remote_id = found->id;
      g_object_set_data (G_OBJECT (task), "pb-what", (gpointer) _("Update the employee in payroll"));
      pb_provider_call_async (push->provider, PB_OP_UPDATE_EMPLOYEE, &args, g_task_get_cancellable (task),
                              on_written_cb, task);
      return;
    }

  g_object_set_data (G_OBJECT (task), "pb-what", (gpointer) _("Create the employee in payroll"));
  pb_provider_call_async (push->provider, PB_OP_CREATE_EMPLOYEE, &args, g_task_get_cancellable (task),
                          on_written_cb, task);
}

static void
send_entry (GTask *task)
{
  Push *push = g_task_get_task_data (task);
  PbOutboxEntry *entry = current_entry (push);
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (push->connection->system);
  g_autoptr(GError) error = NULL;
  g_autofree char *link = NULL;
  PbProviderArgs args = { 0 };

  push->employee = pb_store_get (push->store, PB_ENTITY_EMPLOYEE, entry->record_id, &error);
  if (push->employee == NULL)
    {
      entry_failed (task, _("Send the employee"), error);
      return;
    }

  /* SPEC U2: not sent while a field payroll requires is empty in HR. */
  for (const PbFieldRef *ref = klass->required_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE && pb_record_get (push->employee, ref->field) == NULL)
      {
        g_set_error (&error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                     _("%s is empty in the HR register and %s requires it"),
                     pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[ref->field].name, klass->display_name);
        entry_failed (task, _("Send the employee"), error);
        return;
      }

  args.record = push->employee;
  link = pb_store_find_link (push->store, push->connection->id, PB_ENTITY_EMPLOYEE, entry->record_id);
  if (link != NULL)
    {
      args.remote_id = link;
      g_object_set_data (G_OBJECT (task), "pb-what", (gpointer) _("Update the employee in payroll"));
      pb_provider_call_async (push->provider, PB_OP_UPDATE_EMPLOYEE, &args, g_task_get_cancellable (task),
                              on_written_cb, task);
      return;
    }

  /* SPEC C4: a new HR employee is created in payroll; look first. */
  pb_provider_call_async (push->provider, PB_OP_FIND_EMPLOYEE, &args, g_task_get_cancellable (task),
                          on_found_cb, task);
}

static void
push_next (GTask *task)
{
  Push *push = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (push->next < push->entries->len)
    {
      send_entry (task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/**
 * pb_sync_engine_push_async:
 *
 * Moves new HR changes into the outbox and sends every pending entry, one
 * after the other (PbHttp bounds and paces the requests). Each entry is
 * marked done only once the payroll system took it.
 */
void
pb_sync_engine_push_async (PbStore             *store,
                           PbConnection        *connection,
                           PbProvider          *provider,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Push *push = g_new0 (Push, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, pb_sync_engine_push_async);
  push->store = g_object_ref (store);
  push->connection = g_object_ref (connection);
  push->provider = g_object_ref (provider);
  g_task_set_task_data (task, push, (GDestroyNotify) push_free);

  if (pb_sync_engine_enqueue (store, connection, &error) < 0 ||
      (push->entries = pb_store_list_outbox (store, connection->id, &error)) == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  push_next (task);
}

gboolean
pb_sync_engine_push_finish (GAsyncResult  *result,
                            guint         *sent,
                            guint         *failed,
                            guint         *pending,
                            GError       **error)
{
  Push *push;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_sync_engine_push_async, FALSE);

  push = g_task_get_task_data (G_TASK (result));
  if (sent != NULL)
    *sent = push->sent;
  if (failed != NULL)
    *failed = push->failed;
  if (pending != NULL)
    *pending = push->pending;

  return g_task_propagate_boolean (G_TASK (result), error);
}
