/* pb-outbox.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbOutbox"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gi18n.h>

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

static const char * const outbox_state_names[] = {
  "pending", "attention", "held", "done", "superseded", "discarded",
};

static const char * const error_state_names[] = { "open", "resolved", "dismissed" };

const char *
pb_outbox_state_to_string (PbOutboxState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (outbox_state_names), NULL);
  return outbox_state_names[state];
}

const char *
pb_error_state_to_string (PbErrorState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (error_state_names), NULL);
  return error_state_names[state];
}

static PbOutboxState
outbox_state_from_string (const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (outbox_state_names); i++)
    if (g_strcmp0 (text, outbox_state_names[i]) == 0)
      return i;
  return PB_OUTBOX_PENDING;
}

void
pb_error_entry_free (PbErrorEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->at);
  g_free (entry->last_at);
  g_free (entry->resolved_at);
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

static const char *
entity_of_type (const char *type)
{
  if (g_str_equal (type, "users"))
    return pb_entity_get_def (PB_ENTITY_EMPLOYEE)->name;
  if (g_str_equal (type, "positions"))
    return pb_entity_get_def (PB_ENTITY_POSITION)->name;
  if (g_str_equal (type, "absence"))
    return pb_entity_get_def (PB_ENTITY_ABSENCE)->name;
  return pb_entity_get_def (PB_ENTITY_SALARY)->name;
}

/**
 * pb_store_update_type_activation: (skip)
 *
 * Called by pb_store_save_connection() in its transaction. Once a
 * connection has been activated (U6), each data type it syncs has an
 * activation point in the change log: only later changes of that type are
 * sent (C5). A type turned on later starts at that moment; a type turned
 * off loses its activation (what changes while it is off is never sent,
 * C6) and its pending entries are held, not sent; turned on again, they
 * go back to pending: they carry changes made while it was active.
 */
gboolean
pb_store_update_type_activation (PbStore       *store,
                                 gint64         connection_id,
                                 gboolean       activated,
                                 PbDataTypes    types,
                                 GError       **error)
{
  g_autofree char *at = now_text ();

  for (guint bit = 0; bit < 4; bit++)
    {
      PbDataTypes type = 1 << bit;
      const char *name = pb_data_type_to_string (type);
      gboolean on = activated && (types & type) != 0;
      sqlite3_stmt *stmt;

      if (on)
        {
          stmt = pb_store_prepare (store,
                                   "INSERT OR IGNORE INTO connection_types (connection_id, type, activated_change, "
                                   "activated_at) VALUES (?, ?, (SELECT coalesce (max (id), 0) FROM changes), ?)",
                                   error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, connection_id);
          pb_store_bind_text (stmt, 2, name);
          pb_store_bind_text (stmt, 3, at);
          if (!step_done (store, stmt, "connection types", error))
            return FALSE;
        }
      else
        {
          stmt = pb_store_prepare (store, "DELETE FROM connection_types WHERE connection_id = ? AND type = ?", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, connection_id);
          pb_store_bind_text (stmt, 2, name);
          if (!step_done (store, stmt, "connection types", error))
            return FALSE;
        }

      if (!activated)
        continue;

      stmt = pb_store_prepare (store,
                               "UPDATE outbox SET state = ? WHERE connection_id = ? AND entity = ? AND state = ?",
                               error);
      if (stmt == NULL)
        return FALSE;
      pb_store_bind_text (stmt, 1, on ? "pending" : "held");
      sqlite3_bind_int64 (stmt, 2, connection_id);
      pb_store_bind_text (stmt, 3, entity_of_type (name));
      pb_store_bind_text (stmt, 4, on ? "held" : "pending");
      if (!step_done (store, stmt, "outbox", error))
        return FALSE;
    }

  return TRUE;
}

/**
 * pb_store_get_type_activation:
 * @activated_change: (out) (optional): changes after this one are sent
 * @activated_at: (out) (optional) (transfer full): when it was activated
 *
 * Returns: whether @type is active on the connection
 */
gboolean
pb_store_get_type_activation (PbStore      *store,
                              gint64        connection_id,
                              PbDataTypes   type,
                              gint64       *activated_change,
                              char        **activated_at)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT activated_change, activated_at FROM connection_types "
                                         "WHERE connection_id = ? AND type = ?", NULL);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_data_type_to_string (type));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (activated_change != NULL)
        *activated_change = sqlite3_column_int64 (stmt, 0);
      if (activated_at != NULL)
        *activated_at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);

  return found;
}

static gboolean
exec_bound (PbStore      *store,
            const char   *sql,
            GError      **error,
            gint64        a,
            gint64        b)
{
  sqlite3_stmt *stmt = pb_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, a);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, b);
  return step_done (store, stmt, "outbox", error);
}

/**
 * pb_store_enqueue:
 *
 * One open entry per record carries all its changes, since the send reads
 * the record as it is then: a pending or held entry takes the newer change
 * id (which tells a send in flight that it sent older values, see
 * pb_store_outbox_done()); an entry that needs attention is superseded by
 * a new pending one, so that a change of the record sends it again.
 */
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
  const char *name = pb_entity_get_def (entity)->name;
  sqlite3_stmt *stmt;

  stmt = pb_store_prepare (store,
                           "UPDATE outbox SET change_id = max (change_id, ?) WHERE connection_id = ? AND entity = ? "
                           "AND record_id = ? AND state IN ('pending', 'held')", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, change_id);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  pb_store_bind_text (stmt, 3, name);
  sqlite3_bind_int64 (stmt, 4, record_id);
  if (!step_done (store, stmt, "outbox", error))
    return FALSE;
  if (sqlite3_changes (pb_store_get_db (store)) > 0)
    return TRUE;

  stmt = pb_store_prepare (store,
                           "UPDATE outbox SET state = 'superseded', finished_at = ? WHERE connection_id = ? "
                           "AND entity = ? AND record_id = ? AND state = 'attention'", error);
  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, at);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  pb_store_bind_text (stmt, 3, name);
  sqlite3_bind_int64 (stmt, 4, record_id);
  if (!step_done (store, stmt, "outbox", error))
    return FALSE;

  stmt = pb_store_prepare (store,
                           "INSERT INTO outbox (connection_id, entity, record_id, employee_id, change_id, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)", error);
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
  return step_done (store, stmt, "outbox", error);
}

#define ENTRY_COLUMNS "id, entity, record_id, employee_id, change_id, attempts, state, created_at"

static GArray *
query_entries (PbStore     *store,
               const char  *sql,
               gint64       connection_id,
               GError     **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (PbOutboxEntry));
  sqlite3_stmt *stmt = pb_store_prepare (store, sql, error);
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
      entry.state = outbox_state_from_string ((const char *) sqlite3_column_text (stmt, 6));
      g_strlcpy (entry.created_at, (const char *) sqlite3_column_text (stmt, 7), sizeof entry.created_at);
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
  return query_entries (store,
                        "SELECT " ENTRY_COLUMNS " FROM outbox WHERE connection_id = ? AND state = 'pending' "
                        "ORDER BY id", connection_id, error);
}

/**
 * pb_store_list_outbox_open:
 *
 * Returns: (transfer full) (element-type PbOutboxEntry): every entry still
 *   in the outbox (pending, needing attention or held), oldest first
 */
GArray *
pb_store_list_outbox_open (PbStore  *store,
                           gint64    connection_id,
                           GError  **error)
{
  return query_entries (store,
                        "SELECT " ENTRY_COLUMNS " FROM outbox WHERE connection_id = ? "
                        "AND state IN ('pending', 'attention', 'held') ORDER BY id", connection_id, error);
}

gint64
pb_store_count_outbox (PbStore       *store,
                       gint64         connection_id,
                       PbOutboxState  state)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT count (*) FROM outbox WHERE connection_id = ? AND state = ?", NULL);
  gint64 count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_outbox_state_to_string (state));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return count;
}

/**
 * pb_store_outbox_done:
 * @entry: as it was listed when its send began
 * @resolve: the change went through: resolve the open errors of the
 *   record (and those about the connection itself). Not when a rule said
 *   there is nothing to send: an absence rejected in HR (A7) keeps its
 *   error entry open until it is sent after all.
 * @still_pending: (out) (optional): %TRUE when the record changed while it
 *   was being sent: the entry stays pending, for the newer values
 *
 * The entry is through: it leaves the outbox.
 */
gboolean
pb_store_outbox_done (PbStore              *store,
                      const PbOutboxEntry  *entry,
                      gboolean              resolve,
                      gboolean             *still_pending,
                      GError              **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE outbox SET state = 'done', finished_at = ? "
                                         "WHERE id = ? AND change_id = ? AND state = 'pending'", error);
  gint64 connection_id;

  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, at);
  sqlite3_bind_int64 (stmt, 2, entry->id);
  sqlite3_bind_int64 (stmt, 3, entry->change_id);
  if (!step_done (store, stmt, "outbox", error))
    return FALSE;
  if (still_pending != NULL)
    *still_pending = sqlite3_changes (pb_store_get_db (store)) == 0;

  if (!resolve)
    return TRUE;

  stmt = pb_store_prepare (store, "SELECT connection_id FROM outbox WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, entry->id);
  connection_id = sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);

  return pb_store_resolve_errors (store, connection_id, entry->entity, entry->record_id, error) &&
         pb_store_resolve_errors (store, connection_id, PB_N_ENTITIES, 0, error);
}

/* A try that may pass (an answer that could not be read): one more
 * attempt counted, still pending. */
gboolean
pb_store_outbox_tried (PbStore              *store,
                       const PbOutboxEntry  *entry,
                       GError              **error)
{
  return exec_bound (store, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", error, entry->id, 0);
}

/* Payroll (or a rule) refused the entry as it is: it waits for a change of
 * the record or a retry. A record changed meanwhile is sent again instead. */
gboolean
pb_store_outbox_park (PbStore              *store,
                      const PbOutboxEntry  *entry,
                      GError              **error)
{
  return exec_bound (store,
                     "UPDATE outbox SET state = 'attention' "
                     "WHERE id = ? AND change_id = ? AND state = 'pending'",
                     error, entry->id, entry->change_id);
}

/**
 * pb_store_outbox_retry:
 * @entry_id: one entry, or 0 for every entry that needs attention
 *
 * Returns: how many entries went back to pending, or -1 with @error set
 */
gint64
pb_store_outbox_retry (PbStore  *store,
                       gint64    connection_id,
                       gint64    entry_id,
                       GError  **error)
{
  gboolean ok = entry_id != 0
    ? exec_bound (store, "UPDATE outbox SET state = 'pending', attempts = 0 WHERE connection_id = ? AND id = ? "
                  "AND state = 'attention'", error, connection_id, entry_id)
    : exec_bound (store, "UPDATE outbox SET state = 'pending', attempts = 0 WHERE connection_id = ? "
                  "AND state = 'attention'", error, connection_id, 0);

  return ok ? sqlite3_changes (pb_store_get_db (store)) : -1;
}

/**
 * pb_store_outbox_retry_record:
 * @entity: the record's kind, or PB_N_ENTITIES for every entry of the
 *   connection that needs attention (an error about the connection itself)
 *
 * "Retry now" from the Error Log view: the record's entry that needs
 * attention goes back to pending, and PbStore::changed tells the sync
 * driver there is something to send, as after a change of the register.
 *
 * Returns: how many entries went back to pending (0: the record had none
 *   needing attention), or -1 with @error set
 */
gint64
pb_store_outbox_retry_record (PbStore   *store,
                              gint64     connection_id,
                              PbEntity   entity,
                              gint64     record_id,
                              GError   **error)
{
  sqlite3_stmt *stmt;
  gint64 n;

  g_return_val_if_fail (PB_IS_STORE (store), -1);
  g_return_val_if_fail (entity <= PB_N_ENTITIES, -1);

  if (entity == PB_N_ENTITIES)
    {
      n = pb_store_outbox_retry (store, connection_id, 0, error);
    }
  else
    {
      stmt = pb_store_prepare (store,
                               "UPDATE outbox SET state = 'pending', attempts = 0 WHERE connection_id = ? "
                               "AND entity = ? AND record_id = ? AND state = 'attention'", error);
      if (stmt == NULL)
        return -1;
      sqlite3_bind_int64 (stmt, 1, connection_id);
      pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
      sqlite3_bind_int64 (stmt, 3, record_id);
      if (!step_done (store, stmt, "outbox", error))
        return -1;
      n = sqlite3_changes (pb_store_get_db (store));
    }

  if (n > 0)
    pb_store_note_change (store, PB_STORE_CHANGED_REGISTER);

  return n;
}

/* The administrator sets an entry aside: it leaves the outbox unsent. */
gboolean
pb_store_outbox_discard (PbStore  *store,
                         gint64    connection_id,
                         gint64    entry_id,
                         GError  **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE outbox SET state = 'discarded', finished_at = ? WHERE connection_id = ? "
                                         "AND id = ? AND state IN ('pending', 'attention', 'held')", error);

  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, at);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  sqlite3_bind_int64 (stmt, 3, entry_id);
  if (!step_done (store, stmt, "outbox", error))
    return FALSE;
  if (sqlite3_changes (pb_store_get_db (store)) == 0)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND,
                   _("The outbox has no open entry %" G_GINT64_FORMAT), entry_id);
      return FALSE;
    }

  /* What was wrong with it is set aside with it. */
  stmt = pb_store_prepare (store,
                           "UPDATE error_log SET resolved = 2, resolved_at = ?1 WHERE resolved = 0 AND connection_id = ?2 "
                           "AND (entity, record_id) = (SELECT entity, record_id FROM outbox WHERE id = ?3)", error);
  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, at);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  sqlite3_bind_int64 (stmt, 3, entry_id);
  return step_done (store, stmt, "error log", error);
}

/* --- the lease -------------------------------------------------------------------- */

/* This boot of this machine: a pid names a process only within it. */
static const char *
boot_id (void)
{
  static char *id;
  static gsize once;

  if (g_once_init_enter (&once))
    {
      g_autofree char *text = NULL;

      /* No spaces: the holder's parts are separated by them. */
      if (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &text, NULL, NULL))
        id = g_strdup (g_strstrip (text));
      else
        id = g_strdelimit (g_strdup_printf ("host-%s", g_get_host_name ()), " ", '-');
      g_once_init_leave (&once, 1);
    }
  return id;
}

/**
 * pb_store_new_lease_holder:
 *
 * A holder name for one drain: "BOOT-ID PID UUID". Unique, and it says
 * which process holds the lease, so that a process killed while holding it
 * does not stall the next push until the lease runs out (SPEC R3).
 *
 * Returns: (transfer full): the name
 */
char *
pb_store_new_lease_holder (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strdup_printf ("%s %d %s", boot_id (), (int) getpid (), uuid);
}

/* Whether @holder (from pb_store_new_lease_holder()) names a process of
 * this boot that no longer runs. Anything else (another machine sharing
 * the folder, an unknown form, a pid alive again) counts as alive: its
 * lease then runs out as it always did. */
static gboolean
holder_is_dead (const char *holder)
{
  g_auto(GStrv) parts = g_strsplit (holder, " ", -1);
  guint64 pid = 0;

  if (g_strv_length (parts) != 3 || g_strcmp0 (parts[0], boot_id ()) != 0
      || !g_ascii_string_to_unsigned (parts[1], 10, 2, G_MAXINT, &pid, NULL)
      || (pid_t) pid == getpid ())
    return FALSE;
  return kill ((pid_t) pid, 0) == -1 && errno == ESRCH;
}

/**
 * pb_store_take_lease:
 * @holder: who asks (unique per drain; pb_store_new_lease_holder())
 * @seconds: how long the lease lasts unless taken again
 * @taken: (out): whether @holder holds it now
 *
 * One process at a time sends a connection's outbox: two pushes at once
 * would each send every pending entry. The lease is taken (or renewed by
 * its holder) in one statement, so two processes cannot both win; a
 * process killed while holding it loses it when it expires, or at once
 * when its holder name shows it was a process of this machine that is
 * gone (SPEC R3: the next push resumes, it is not told "busy" for two
 * minutes). Taking it over from a dead holder names that holder in the
 * statement, so of two processes that both saw it dead only one wins.
 */
gboolean
pb_store_take_lease (PbStore     *store,
                     gint64       connection_id,
                     const char  *holder,
                     guint        seconds,
                     gboolean    *taken,
                     GError     **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *current = NULL;
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "INSERT INTO outbox_leases (connection_id, holder, expires_at) VALUES (?, ?, ?) "
                                         "ON CONFLICT (connection_id) DO UPDATE SET holder = excluded.holder, "
                                         "expires_at = excluded.expires_at "
                                         "WHERE outbox_leases.holder = excluded.holder OR outbox_leases.expires_at < ?",
                                         error);

  *taken = FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, holder);
  sqlite3_bind_int64 (stmt, 3, now + seconds);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!step_done (store, stmt, "lease", error))
    return FALSE;

  *taken = sqlite3_changes (pb_store_get_db (store)) > 0;
  if (*taken)
    return TRUE;

  /* Held: by a process that is gone? */
  stmt = pb_store_prepare (store, "SELECT holder FROM outbox_leases WHERE connection_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    current = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (current == NULL || !holder_is_dead (current))
    return TRUE;

  g_debug ("The outbox lease of connection %" G_GINT64_FORMAT " was held by a process that is gone (%s)",
           connection_id, current);
  stmt = pb_store_prepare (store, "UPDATE outbox_leases SET holder = ?, expires_at = ? "
                                  "WHERE connection_id = ? AND holder = ?", error);
  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, holder);
  sqlite3_bind_int64 (stmt, 2, now + seconds);
  sqlite3_bind_int64 (stmt, 3, connection_id);
  pb_store_bind_text (stmt, 4, current);
  if (!step_done (store, stmt, "lease", error))
    return FALSE;

  *taken = sqlite3_changes (pb_store_get_db (store)) > 0;
  return TRUE;
}

void
pb_store_release_lease (PbStore    *store,
                        gint64      connection_id,
                        const char *holder)
{
  sqlite3_stmt *stmt = pb_store_prepare (store, "DELETE FROM outbox_leases WHERE connection_id = ? AND holder = ?",
                                         NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, holder);
  sqlite3_step (stmt);
  sqlite3_reset (stmt);
}

/* --- the error log ---------------------------------------------------------------- */

static void
bind_subject (sqlite3_stmt *stmt,
              int           index,
              PbEntity      entity,
              gint64        record_id)
{
  if (entity == PB_N_ENTITIES)
    {
      sqlite3_bind_null (stmt, index);
      sqlite3_bind_int64 (stmt, index + 1, 0);
    }
  else
    {
      pb_store_bind_text (stmt, index, pb_entity_get_def (entity)->name);
      sqlite3_bind_int64 (stmt, index + 1, record_id);
    }
}

/**
 * pb_store_add_error:
 *
 * One entry per problem (C7): when the same record (or, with entity
 * PB_N_ENTITIES, the connection itself) already has an open entry saying
 * the same, that entry counts one more try and is seen again now; an open
 * entry of the record that says something else is resolved, the new one
 * taking its place. @entry gets its id and times.
 */
gboolean
pb_store_add_error (PbStore       *store,
                    gint64         connection_id,
                    PbErrorEntry  *entry,
                    GError       **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt;

  stmt = pb_store_prepare (store,
                           "SELECT id, at, count FROM error_log WHERE connection_id = ? AND resolved = 0 "
                           "AND entity IS ? AND coalesce (record_id, 0) = ? AND what = ? AND message = ? "
                           "ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  bind_subject (stmt, 2, entry->entity, entry->record_id);
  pb_store_bind_text (stmt, 4, entry->what);
  pb_store_bind_text (stmt, 5, entry->message);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_free (entry->at);
      entry->at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      entry->count = sqlite3_column_int (stmt, 2) + 1;
      sqlite3_reset (stmt);

      stmt = pb_store_prepare (store,
                               "UPDATE error_log SET count = count + 1, last_at = ?, system_message = ?, "
                               "request_id = ?, advice = ? WHERE id = ?", error);
      if (stmt == NULL)
        return FALSE;
      pb_store_bind_text (stmt, 1, at);
      pb_store_bind_text (stmt, 2, entry->system_message);
      pb_store_bind_text (stmt, 3, entry->request_id);
      pb_store_bind_text (stmt, 4, entry->advice);
      sqlite3_bind_int64 (stmt, 5, id);
      if (!step_done (store, stmt, "error log", error))
        return FALSE;
      entry->id = id;
      g_free (entry->last_at);
      entry->last_at = g_steal_pointer (&at);
      entry->state = PB_ERROR_OPEN;
      return TRUE;
    }
  sqlite3_reset (stmt);

  if (entry->entity != PB_N_ENTITIES &&
      !pb_store_resolve_errors (store, connection_id, entry->entity, entry->record_id, error))
    return FALSE;

  stmt = pb_store_prepare (store,
                           "INSERT INTO error_log (connection_id, at, last_at, entity, record_id, employee_id, who, "
                           "what, message, system_message, request_id, advice) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, at);
  pb_store_bind_text (stmt, 3, at);
  bind_subject (stmt, 4, entry->entity, entry->record_id);
  if (entry->employee_id != 0)
    sqlite3_bind_int64 (stmt, 6, entry->employee_id);
  else
    sqlite3_bind_null (stmt, 6);
  pb_store_bind_text (stmt, 7, entry->who);
  pb_store_bind_text (stmt, 8, entry->what);
  pb_store_bind_text (stmt, 9, entry->message);
  pb_store_bind_text (stmt, 10, entry->system_message);
  pb_store_bind_text (stmt, 11, entry->request_id);
  pb_store_bind_text (stmt, 12, entry->advice);
  if (!step_done (store, stmt, "error log", error))
    return FALSE;

  entry->id = sqlite3_last_insert_rowid (pb_store_get_db (store));
  g_free (entry->at);
  entry->at = g_strdup (at);
  g_free (entry->last_at);
  entry->last_at = g_steal_pointer (&at);
  entry->count = 1;
  entry->state = PB_ERROR_OPEN;
  return TRUE;
}

/* The change went through: the open entries of the record (PB_N_ENTITIES:
 * those about the connection itself) are resolved. */
gboolean
pb_store_resolve_errors (PbStore   *store,
                         gint64     connection_id,
                         PbEntity   entity,
                         gint64     record_id,
                         GError   **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE error_log SET resolved = 1, resolved_at = ? WHERE connection_id = ? "
                                         "AND resolved = 0 AND entity IS ? AND coalesce (record_id, 0) = ?", error);

  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, at);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  bind_subject (stmt, 3, entity, record_id);
  return step_done (store, stmt, "error log", error);
}

gboolean
pb_store_dismiss_error (PbStore  *store,
                        gint64    connection_id,
                        gint64    error_id,
                        GError  **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "UPDATE error_log SET resolved = 2, resolved_at = ? WHERE connection_id = ? "
                                         "AND id = ? AND resolved = 0", error);

  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, at);
  sqlite3_bind_int64 (stmt, 2, connection_id);
  sqlite3_bind_int64 (stmt, 3, error_id);
  if (!step_done (store, stmt, "error log", error))
    return FALSE;
  if (sqlite3_changes (pb_store_get_db (store)) == 0)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND,
                   _("The error log has no open entry %" G_GINT64_FORMAT), error_id);
      return FALSE;
    }
  return TRUE;
}

gint64
pb_store_count_open_errors (PbStore *store,
                            gint64   connection_id)
{
  return single_int (store, "SELECT count (*) FROM error_log WHERE resolved = 0 AND connection_id = ?",
                     connection_id);
}

/**
 * pb_store_list_errors:
 *
 * Returns: (transfer full) (element-type PbErrorEntry): newest first (by
 *   when they were last seen)
 */
#define ERROR_COLUMNS \
  "id, at, who, what, message, system_message, request_id, advice, employee_id, coalesce (last_at, at), " \
  "count, resolved, resolved_at, entity, coalesce (record_id, 0), connection_id"

static PbErrorEntry *
read_error_entry (sqlite3_stmt *stmt)
{
  PbErrorEntry *entry = g_new0 (PbErrorEntry, 1);
  const char *entity = (const char *) sqlite3_column_text (stmt, 13);

  entry->id = sqlite3_column_int64 (stmt, 0);
  entry->at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  entry->who = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  entry->what = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  entry->message = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  entry->system_message = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  entry->request_id = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
  entry->advice = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  entry->employee_id = sqlite3_column_int64 (stmt, 8);
  entry->last_at = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
  entry->count = sqlite3_column_int (stmt, 10);
  entry->state = CLAMP (sqlite3_column_int (stmt, 11), PB_ERROR_OPEN, PB_ERROR_DISMISSED);
  entry->resolved_at = g_strdup ((const char *) sqlite3_column_text (stmt, 12));
  if (entity == NULL || !pb_entity_from_name (entity, &entry->entity))
    entry->entity = PB_N_ENTITIES;
  entry->record_id = sqlite3_column_int64 (stmt, 14);
  entry->connection_id = sqlite3_column_int64 (stmt, 15);

  return entry;
}

/**
 * pb_store_list_errors:
 *
 * Returns: (transfer full) (element-type PbErrorEntry): newest first (by
 *   when they were last seen)
 */
GPtrArray *
pb_store_list_errors (PbStore  *store,
                      gint64    connection_id,
                      GError  **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_error_entry_free);
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT " ERROR_COLUMNS " FROM error_log WHERE connection_id = ? "
                                         "ORDER BY coalesce (last_at, at) DESC, id DESC",
                                         error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, read_error_entry (stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "error log");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* The WHERE clause of @query, whose values bind_query() binds from the
 * first parameter on, in the same order. Each combination of filters is its own statement
 * text, so the store's statement cache holds a few at most. */
static void
append_query_where (GString            *sql,
                    const PbErrorQuery *query)
{
  g_string_append (sql, " WHERE 1");
  if (query->connection_id != 0)
    g_string_append (sql, " AND connection_id = ?");
  if (query->state >= 0)
    g_string_append (sql, " AND resolved = ?");
  if (query->entity == PB_N_ENTITIES)
    g_string_append (sql, " AND entity IS NULL");
  else if (query->entity >= 0)
    g_string_append (sql, " AND entity = ?");
  if (query->search != NULL && *query->search != '\0')
    g_string_append (sql, " AND (who LIKE ? ESCAPE '\\' OR what LIKE ? ESCAPE '\\' "
                          "OR message LIKE ? ESCAPE '\\' OR system_message LIKE ? ESCAPE '\\')");
}

static int
bind_query (sqlite3_stmt       *stmt,
            const PbErrorQuery *query)
{
  int index = 1;

  if (query->connection_id != 0)
    sqlite3_bind_int64 (stmt, index++, query->connection_id);
  if (query->state >= 0)
    sqlite3_bind_int (stmt, index++, query->state);
  if (query->entity >= 0 && query->entity != PB_N_ENTITIES)
    pb_store_bind_text (stmt, index++, pb_entity_get_def (query->entity)->name);
  if (query->search != NULL && *query->search != '\0')
    {
      g_autoptr(GString) pattern = g_string_new ("%");

      for (const char *c = query->search; *c != '\0'; c++)
        {
          if (*c == '%' || *c == '_' || *c == '\\')
            g_string_append_c (pattern, '\\');
          g_string_append_c (pattern, *c);
        }
      g_string_append_c (pattern, '%');
      for (guint i = 0; i < 4; i++)
        sqlite3_bind_text (stmt, index++, pattern->str, -1, SQLITE_TRANSIENT);
    }

  return index;
}

/**
 * pb_store_count_errors:
 *
 * Returns: how many entries of the error log @query finds, or -1 with
 *   @error set
 */
gint64
pb_store_count_errors (PbStore             *store,
                       const PbErrorQuery  *query,
                       GError             **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT count (*) FROM error_log");
  sqlite3_stmt *stmt;
  gint64 count;

  g_return_val_if_fail (PB_IS_STORE (store), -1);
  g_return_val_if_fail (query != NULL, -1);

  append_query_where (sql, query);
  stmt = pb_store_prepare (store, sql->str, error);
  if (stmt == NULL)
    return -1;
  bind_query (stmt, query);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      pb_store_set_error (store, error, "error log");
      return -1;
    }
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  return count;
}

/**
 * pb_store_list_errors_page:
 * @offset: how many entries to skip
 * @limit: the most entries to return
 *
 * One page of what @query finds in the error log, newest first (by when
 * last seen), as the Error Log view shows it: an index walks each
 * connection-and-state filter in that order, so a page costs its offset
 * and size, not the log's.
 *
 * Returns: (transfer full) (element-type PbErrorEntry): the page, or %NULL
 *   with @error set
 */
GPtrArray *
pb_store_list_errors_page (PbStore             *store,
                           const PbErrorQuery  *query,
                           guint                offset,
                           guint                limit,
                           GError             **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_error_entry_free);
  g_autoptr(GString) sql = g_string_new ("SELECT " ERROR_COLUMNS " FROM error_log");
  sqlite3_stmt *stmt;
  int index;
  int rc;

  g_return_val_if_fail (PB_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  append_query_where (sql, query);
  g_string_append (sql, " ORDER BY coalesce (last_at, at) DESC, id DESC LIMIT ? OFFSET ?");
  stmt = pb_store_prepare (store, sql->str, error);
  if (stmt == NULL)
    return NULL;
  index = bind_query (stmt, query);
  sqlite3_bind_int64 (stmt, index, limit);
  sqlite3_bind_int64 (stmt, index + 1, offset);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, read_error_entry (stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, "error log");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/**
 * pb_store_get_error:
 * @id: the entry's id, as pb_store_add_error() set it
 *
 * One entry of the connection's error log (SPEC C7): what a notification
 * of a rejected absence (A7) words itself from.
 *
 * Returns: (transfer full) (nullable): the entry; %NULL with
 *   %PB_STORE_ERROR_NOT_FOUND when the connection has no such entry
 */
PbErrorEntry *
pb_store_get_error (PbStore  *store,
                    gint64    connection_id,
                    gint64    id,
                    GError  **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT " ERROR_COLUMNS " FROM error_log WHERE connection_id = ? AND id = ?",
                                         error);
  PbErrorEntry *entry = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    entry = read_error_entry (stmt);
  sqlite3_reset (stmt);

  if (rc == SQLITE_DONE)
    g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND,
                 "No error-log entry %" G_GINT64_FORMAT " for connection %" G_GINT64_FORMAT, id, connection_id);
  else if (rc != SQLITE_ROW)
    pb_store_set_error (store, error, "error log");
  return entry;
}

/* Does the record have an entry still in the outbox (pending, needing
 * attention or held)? A record that depends on it waits for it. */
gboolean
pb_store_outbox_has_open (PbStore   *store,
                          gint64     connection_id,
                          PbEntity   entity,
                          gint64     record_id)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT 1 FROM outbox WHERE connection_id = ? AND entity = ? AND record_id = ? "
                                         "AND state IN ('pending', 'attention', 'held') LIMIT 1", NULL);
  gboolean found;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);

  return found;
}

/**
 * pb_store_outbox_sent_at:
 *
 * When payroll last took a change of the record from the connection's
 * outbox (what the person pane shows as "sent at").
 *
 * Returns: (transfer full) (nullable): ISO 8601, UTC; %NULL when never
 */
char *
pb_store_outbox_sent_at (PbStore   *store,
                         gint64     connection_id,
                         PbEntity   entity,
                         gint64     record_id)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT MAX(finished_at) FROM outbox WHERE connection_id = ? AND entity = ? "
                                         "AND record_id = ? AND state = 'done'", NULL);
  char *at = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, pb_entity_get_def (entity)->name);
  sqlite3_bind_int64 (stmt, 3, record_id);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    at = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);

  return at;
}

/**
 * pb_store_resend_absence:
 * @absence_id: an absence of the HR register
 *
 * SPEC A7: once the cause of a rejection is fixed, the administrator sends
 * the absence again: it is approved again in HR, in its own transaction.
 * That is an HR change like any other: the outbox sends it, and when
 * payroll takes it the rejection's error entry is resolved.
 *
 * Returns: %FALSE with %PB_STORE_ERROR_NOT_FOUND when there is no such
 *   absence, %PB_STORE_ERROR_CONSTRAINT when it is not rejected
 */
gboolean
pb_store_resend_absence (PbStore  *store,
                         gint64    absence_id,
                         GError  **error)
{
  g_autoptr(PbRecord) absence = pb_store_get (store, PB_ENTITY_ABSENCE, absence_id, error);

  if (absence == NULL)
    return FALSE;

  if (g_strcmp0 (pb_record_get (absence, PB_ABSENCE_STATE), "rejected") != 0)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT,
                   _("The absence from %s is not rejected: there is nothing to resend"),
                   pb_record_get (absence, PB_ABSENCE_START_DATE));
      return FALSE;
    }

  pb_record_set (absence, PB_ABSENCE_STATE, "approved");
  if (!pb_store_begin (store, error))
    return FALSE;
  if (!pb_store_save (store, absence, NULL, error) || !pb_store_commit (store, error))
    {
      pb_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}
