/* pb-sync-state.c: what a connection's payroll knows of one record, worked
 * out in one place for paybridge-cli person show and the person pane
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSyncState"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-outbox.h"
#include "pb-sync-engine.h"
#include "pb-sync-state.h"
#include "pb-user-plan.h"

/* The order of the answer, first match wins:
 *
 * 1. an absence rejected in HR with its error entry open needs attention
 *    until HR changes it (A7: Resend approves it again);
 * 2. the record's entry still in the outbox says it: pending, needing
 *    attention (C7) or held (C6);
 * 3. a connection that does not sync the data type: off;
 * 4. a change of the record after the connection's cursor that the next
 *    push puts in the outbox (pb_take_rule_takes(), the very rule
 *    pb_sync_engine_enqueue() applies: its type active since before it,
 *    C5; the person in scope and active in HR, C1, U9, U10; a change of
 *    the person touching a field the connector sends): pending (U7);
 * 5. an open error entry of the record (a rule held it back, U2, or a
 *    user sync failed for it, U11): needs attention;
 * 6. linked: sent;
 * 7. else not sent. */

struct _PbSyncView
{
  PbStore      *store;        /* (owned) */
  PbConnection *connection;   /* (owned) */
  gint64        employee_id;
  GArray       *open;         /* (element-type PbOutboxEntry) the connection's */
  GPtrArray    *changes;      /* (element-type PbChange) the person's, that the next push takes */
  GPtrArray    *errors;       /* (element-type PbErrorEntry) the person's open ones */
};

static const char * const state_names[] = {
  [PB_SYNC_SENT] = "sent",
  [PB_SYNC_PENDING] = "pending",
  [PB_SYNC_ATTENTION] = "attention",
  [PB_SYNC_HELD] = "held",
  [PB_SYNC_OFF] = "off",
  [PB_SYNC_NOT_SENT] = "not-sent",
};

/**
 * pb_sync_state_to_string:
 *
 * Returns: the state's name in paybridge-cli's --json ("sent", "pending",
 *   "attention", "held", "off", "not-sent")
 */
const char *
pb_sync_state_to_string (PbSyncState state)
{
  g_return_val_if_fail (state <= PB_SYNC_NOT_SENT, NULL);

  return state_names[state];
}

void
pb_sync_info_clear (PbSyncInfo *info)
{
  g_clear_pointer (&info->remote_id, g_free);
  g_clear_pointer (&info->remote_key, g_free);
  g_clear_pointer (&info->reason, g_free);
  g_clear_pointer (&info->since, g_free);
  g_clear_pointer (&info->sent_at, g_free);
}

/* The view's person, for pb_take_rule_takes(): only theirs are asked. */
static PbRecord *
the_person (gint64   employee_id,
            gpointer user_data)
{
  return user_data;
}

/* The person's changes after the cursor that the next push puts in the
 * outbox: those pb_sync_engine_enqueue()'s rule takes. */
static GPtrArray *
list_waiting_changes (PbStore       *store,
                      PbConnection  *connection,
                      gint64         employee_id,
                      GError       **error)
{
  g_autoptr(PbTakeRule) rule = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(PbRecord) employee = NULL;
  GPtrArray *waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_change_free);

  if (employee_id == 0)
    return waiting;
  rule = pb_take_rule_new (store, connection);
  /* Someone deleted in HR: the rule takes none of their changes (U10). */
  employee = pb_store_get (store, PB_ENTITY_EMPLOYEE, employee_id, NULL);
  if (!pb_take_rule_any (rule) || employee == NULL)
    return waiting;

  changes = pb_store_list_changes (store, pb_store_get_outbox_cursor (store, connection->id), error);
  if (changes == NULL)
    {
      g_ptr_array_unref (waiting);
      return NULL;
    }

  for (guint i = 0; i < changes->len; i++)
    {
      PbChange *change = g_ptr_array_index (changes, i);

      if (pb_take_rule_person_of (change) == employee_id &&
          pb_take_rule_takes (rule, change, the_person, employee))
        g_ptr_array_add (waiting, g_ptr_array_steal_index (changes, i--));
    }

  return waiting;
}

/**
 * pb_sync_view_new:
 * @employee_id: the person whose records are asked about
 *
 * Reads what @connection's outbox, change log and error log hold of the
 * person, once for pb_sync_view_get() of the person and their records.
 *
 * Returns: (transfer full): the view, or %NULL with @error set
 */
PbSyncView *
pb_sync_view_new (PbStore       *store,
                  PbConnection  *connection,
                  gint64         employee_id,
                  GError       **error)
{
  g_autoptr(PbSyncView) view = g_new0 (PbSyncView, 1);
  g_autoptr(GPtrArray) errors = NULL;

  g_return_val_if_fail (PB_IS_STORE (store), NULL);
  g_return_val_if_fail (connection != NULL, NULL);

  view->store = g_object_ref (store);
  view->connection = g_object_ref (connection);
  view->employee_id = employee_id;

  view->open = pb_store_list_outbox_open (store, connection->id, error);
  if (view->open == NULL)
    return NULL;

  view->changes = list_waiting_changes (store, connection, employee_id, error);
  if (view->changes == NULL)
    return NULL;

  errors = pb_store_list_errors (store, connection->id, error);
  if (errors == NULL)
    return NULL;
  view->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_error_entry_free);
  for (guint i = 0; i < errors->len; i++)
    {
      PbErrorEntry *entry = g_ptr_array_index (errors, i);

      if (entry->state == PB_ERROR_OPEN && entry->employee_id == employee_id)
        g_ptr_array_add (view->errors, g_ptr_array_steal_index (errors, i--));
    }

  return g_steal_pointer (&view);
}

void
pb_sync_view_free (PbSyncView *view)
{
  if (view == NULL)
    return;

  g_clear_object (&view->store);
  g_clear_object (&view->connection);
  g_clear_pointer (&view->open, g_array_unref);
  g_clear_pointer (&view->changes, g_ptr_array_unref);
  g_clear_pointer (&view->errors, g_ptr_array_unref);
  g_free (view);
}

static PbErrorEntry *
find_open_error (PbSyncView *view,
                 PbEntity    entity,
                 gint64      record_id)
{
  for (guint i = 0; i < view->errors->len; i++)
    {
      PbErrorEntry *entry = g_ptr_array_index (view->errors, i);

      if (entry->entity == entity && entry->record_id == record_id)
        return entry;
    }

  return NULL;
}

static gboolean
is_rejected_absence (PbSyncView *view,
                     PbEntity    entity,
                     gint64      record_id)
{
  g_autoptr(PbRecord) absence = NULL;

  if (entity != PB_ENTITY_ABSENCE)
    return FALSE;
  absence = pb_store_get (view->store, PB_ENTITY_ABSENCE, record_id, NULL);
  return absence != NULL && g_strcmp0 (pb_record_get (absence, PB_ABSENCE_STATE), "rejected") == 0;
}

static void
set_attention (PbSyncInfo   *info,
               PbErrorEntry *error)
{
  info->state = PB_SYNC_ATTENTION;
  g_free (info->reason);
  info->reason = error != NULL ? g_strdup (error->message) : NULL;
}

/**
 * pb_sync_view_get:
 * @entity: the person (%PB_ENTITY_EMPLOYEE) or a position, absence or salary
 * @record_id: the person's id or one of their records'
 * @info: (out caller-allocates): the answer; clear it with pb_sync_info_clear()
 *
 * What the view's connection knows of the record (see the top of this file
 * for the order of the answer).
 */
void
pb_sync_view_get (PbSyncView *view,
                  PbEntity    entity,
                  gint64      record_id,
                  PbSyncInfo *info)
{
  const PbOutboxEntry *entry = NULL;
  PbErrorEntry *error;

  g_return_if_fail (view != NULL);
  g_return_if_fail (info != NULL);

  *info = (PbSyncInfo) { PB_SYNC_NOT_SENT };
  info->remote_id = pb_store_find_link_key (view->store, view->connection->id, entity, record_id,
                                            &info->remote_key);
  error = find_open_error (view, entity, record_id);

  if (error != NULL && is_rejected_absence (view, entity, record_id))
    {
      set_attention (info, error);
      return;
    }

  for (guint i = 0; i < view->open->len; i++)
    {
      const PbOutboxEntry *e = &g_array_index (view->open, PbOutboxEntry, i);

      if (e->entity == entity && e->record_id == record_id)
        entry = e;
    }
  if (entry != NULL)
    {
      info->since = g_strdup (entry->created_at);
      switch (entry->state)
        {
        case PB_OUTBOX_ATTENTION:
          set_attention (info, error);
          return;
        case PB_OUTBOX_HELD:
          info->state = PB_SYNC_HELD;
          /* Translators: "positions sync is off for the connection" */
          info->reason = g_strdup_printf (_("%s sync is off for the connection"),
                                          pb_data_type_to_string (pb_take_rule_type_of (entity)));
          return;
        case PB_OUTBOX_PENDING:
        case PB_OUTBOX_DONE:
        case PB_OUTBOX_SUPERSEDED:
        case PB_OUTBOX_DISCARDED:
        default:
          info->state = PB_SYNC_PENDING;
          info->queued = TRUE;
          return;
        }
    }

  if (!(view->connection->sync_types & pb_take_rule_type_of (entity)))
    {
      info->state = PB_SYNC_OFF;
      return;
    }

  for (guint i = 0; i < view->changes->len; i++)
    {
      PbChange *change = g_ptr_array_index (view->changes, i);

      if (change->entity == entity && change->record_id == record_id)
        {
          info->state = PB_SYNC_PENDING;
          return;
        }
    }

  if (error != NULL)
    set_attention (info, error);
  else if (info->remote_id != NULL)
    {
      info->state = PB_SYNC_SENT;
      info->sent_at = pb_store_outbox_sent_at (view->store, view->connection->id, entity, record_id);
    }
}

/**
 * pb_sync_state_get:
 * @info: (out caller-allocates): the answer; clear it with pb_sync_info_clear()
 *
 * pb_sync_view_get() for one record: what @connection knows of it.
 *
 * Returns: %FALSE with @error set when the register could not be read
 */
gboolean
pb_sync_state_get (PbStore       *store,
                   PbConnection  *connection,
                   PbEntity       entity,
                   gint64         record_id,
                   PbSyncInfo    *info,
                   GError       **error)
{
  g_autoptr(PbSyncView) view = NULL;
  gint64 employee_id = record_id;

  g_return_val_if_fail (info != NULL, FALSE);

  *info = (PbSyncInfo) { PB_SYNC_NOT_SENT };
  if (entity != PB_ENTITY_EMPLOYEE)
    {
      g_autoptr(PbRecord) record = pb_store_get (store, entity, record_id, NULL);

      /* A record no longer in the register belongs to nobody: only its
       * link and outbox entry say anything of it. */
      employee_id = record != NULL ? pb_record_get_parent_id (record) : 0;
    }

  view = pb_sync_view_new (store, connection, employee_id, error);
  if (view == NULL)
    return FALSE;
  pb_sync_view_get (view, entity, record_id, info);
  return TRUE;
}
