/* pb-outbox.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbOutbox"

#include "config.h"

#include "pb-outbox.h"
#include "pb-store-private.h"

/* Durability (SPEC U7, R3): every HR change is written to `changes` in the
 * transaction that makes it. Each connection keeps a cursor into that log;
 * moving changes past the cursor into the connection's `outbox` happens in
 * one transaction with the cursor's move, and each entry is marked done
 * only after the payroll system took it. A crash at any point leaves either
 * the change after the cursor or the entry pending: nothing is lost. */

static char *
now_text (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

void
pb_error_entry_free (PbErrorEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->at);
  g_free (entry->who);
  g_free (entry->what);
  g_free (entry->message);
  g_free (entry->system_message);
  g_free (entry->request_id);
  g_free (entry->advice);
  g_free (entry);
}

static gint64
single_int (PbStore    *store,
            const char *sql,
            gint64      arg)
{
  sqlite3_stmt *stmt = pb_store_prepare (store, sql, NULL);
  gint64 value = 0;

  if (stmt == NULL)
    return 0;
  if (arg != 0)
    sqlite3_bind_int64 (stmt, 1, arg);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return value;
}

gint64
pb_store_max_change_id (PbStore *store)
{
  return single_int (store, "SELECT coalesce (max (id), 0) FROM changes", 0);
}

gint64
pb_store_get_outbox_cursor (PbStore *store,
                            gint64   connection_id)
{
  return single_int (store, "SELECT change_id FROM outbox_cursors WHERE connection_id = ?", connection_id);
}

static gboolean
step_done (PbStore      *store,
           sqlite3_stmt *stmt,
           const char   *what,
           GError      **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, what);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
pb_store_set_outbox_cursor (PbStore  *store,
                            gint64    connection_id,
                            gint64    change_id,
                            GError  **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "INSERT OR REPLACE INTO outbox_cursors (connection_id, change_id) "
                                         "VALUES (?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, change_id);
  return step_done (store, stmt, "outbox cursor", error);
}

/* Adds an entry unless the record already waits in the outbox: the send
 * reads the record as it is then, so one entry covers any number of changes. */
gboolean
pb_store_enqueue (PbStore   *store,
                  gint64     connection_id,
                  PbEntity   entity,
                  gint64     record_id,
                  gint64     employee_id,
                  gint64     change_id,
                  GError   **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "INSERT INTO outbox (connection_id, entity, record_id, employee_id, "
                                         "change_id, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
                                         "(SELECT 1 FROM outbox WHERE connection_id = ? AND entity = ? "
                                         "AND record_id = ? AND state = 'pending')", error);
  const char *name = pb_entity_get_def (entity)->name;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  if (employee_id != 0)
    sqlite3_bind_int64 (stmt, 4, employee_id);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_int64 (stmt, 5, change_id);
  pb_store_bind_text (stmt, 6, at);
  sqlite3_bind_int64 (stmt, 7, connection_id);
  pb_store_bind_text (stmt, 8, name);
  sqlite3_bind_int64 (stmt, 9, record_id);
  return step_done (store, stmt, "outbox", error);
}

/**
 * pb_store_list_outbox:
 *
 * Returns: (transfer full) (element-type PbOutboxEntry): the pending
 *   entries, oldest first
 */
GArray *
pb_store_list_outbox (PbStore  *store,
                      gint64    connection_id,
                      GError  **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (PbOutboxEntry));
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT id, entity, record_id, employee_id, change_id, attempts FROM outbox "
                                         "WHERE connection_id = ? AND state = 'pending' ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PbOutboxEntry entry = { 0 };

      entry.id = sqlite3_column_int64 (stmt, 0);
      pb_entity_from_name ((const char *) sqlite3_column_text (stmt, 1), &entry.entity);
      entry.record_id = sqlite3_column_int64 (stmt, 2);
      entry.employee_id = sqlite3_column_int64 (stmt, 3);
      entry.change_id = sqlite3_column_int64 (stmt, 4);
      entry.attempts = sqlite3_column_int (stmt, 5);
      g_array_append_val (entries, entry);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "outbox");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/**
 * pb_store_finish_outbox:
 * @done: the payroll system took it
 * @give_up: not done, and trying again will not help
 *
 * A failure that may pass (network, rate limit) stays pending with one
 * more attempt counted.
 */
gboolean
pb_store_finish_outbox (PbStore  *store,
                        gint64    entry_id,
                        gboolean  done,
                        gboolean  give_up,
                        GError  **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE outbox SET state = ?, attempts = attempts + ?, finished_at = ? "
                                         "WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, done ? "done" : give_up ? "failed" : "pending");
  sqlite3_bind_int (stmt, 2, done ? 0 : 1);
  pb_store_bind_text (stmt, 3, done || give_up ? at : NULL);
  sqlite3_bind_int64 (stmt, 4, entry_id);
  return step_done (store, stmt, "outbox", error);
}

gboolean
pb_store_add_error (PbStore       *store,
                    gint64         connection_id,
                    PbErrorEntry  *entry,
                    GError       **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "INSERT INTO error_log (connection_id, at, employee_id, who, what, message, "
                                         "system_message, request_id, advice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                         error);

  if (stmt == NULL)
    return FALSE;

  g_free (entry->at);
  entry->at = now_text ();
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, entry->at);
  if (entry->employee_id != 0)
    sqlite3_bind_int64 (stmt, 3, entry->employee_id);
  else
    sqlite3_bind_null (stmt, 3);
  pb_store_bind_text (stmt, 4, entry->who);
  pb_store_bind_text (stmt, 5, entry->what);
  pb_store_bind_text (stmt, 6, entry->message);
  pb_store_bind_text (stmt, 7, entry->system_message);
  pb_store_bind_text (stmt, 8, entry->request_id);
  pb_store_bind_text (stmt, 9, entry->advice);
  if (!step_done (store, stmt, "error log", error))
    return FALSE;

  entry->id = sqlite3_last_insert_rowid (pb_store_get_db (store));
  return TRUE;
}

/**
 * pb_store_list_errors:
 *
 * Returns: (transfer full) (element-type PbErrorEntry): newest first
 */
GPtrArray *
pb_store_list_errors (PbStore  *store,
                      gint64    connection_id,
                      GError  **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_error_entry_free);
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT id, at, who, what, message, system_message, request_id, advice, "
                                         "employee_id FROM error_log WHERE connection_id = ? ORDER BY id DESC",
                                         error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PbErrorEntry *entry = g_new0 (PbErrorEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      entry->who = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      entry->what = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      entry->message = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      entry->system_message = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      entry->request_id = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      entry->advice = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      entry->employee_id = sqlite3_column_int64 (stmt, 8);
      g_ptr_array_add (entries, entry);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "error log");
      return NULL;
    }
  return g_steal_pointer (&entries);
}
