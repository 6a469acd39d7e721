/* pb-mapping.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMapping"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-mapping.h"
#include "pb-store-private.h"

static const char * const state_names[] = { "unmapped", "mapped", "excluded" };

const char *
pb_mapping_state_to_string (PbMappingState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

void
pb_remote_type_free (PbRemoteType *type)
{
  if (type == NULL)
    return;
  g_free (type->id);
  g_free (type->name);
  g_free (type);
}

void
pb_absence_mapping_free (PbAbsenceMapping *mapping)
{
  if (mapping == NULL)
    return;
  g_free (mapping->key);
  g_free (mapping->name);
  g_free (mapping->remote_type);
  g_free (mapping->remote_name);
  g_free (mapping->changed_at);
  g_free (mapping);
}

static char *
now_text (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Every HR absence type, with its mapping for the connection (or none),
 * the payroll type's name as last read and how many absences of the type
 * were sent: the count an administrator is told about before a change
 * (A5). */
#define MAPPING_QUERY \
  "SELECT t.id, t.key, t.name, m.absence_type_id IS NOT NULL, m.remote_type, r.name, m.changed_at, " \
  "  (SELECT count (*) FROM links l JOIN absences a ON a.id = l.record_id " \
  "   WHERE l.connection_id = ?1 AND l.entity = 'absence' AND a.type_id = t.id) " \
  "FROM absence_types t " \
  "LEFT JOIN absence_mappings m ON m.absence_type_id = t.id AND m.connection_id = ?1 " \
  "LEFT JOIN remote_absence_types r ON r.connection_id = ?1 AND r.remote_id = m.remote_type "

static PbAbsenceMapping *
mapping_from_row (sqlite3_stmt *stmt)
{
  PbAbsenceMapping *mapping = g_new0 (PbAbsenceMapping, 1);
  gboolean has_row = sqlite3_column_int (stmt, 3);

  mapping->absence_type_id = sqlite3_column_int64 (stmt, 0);
  mapping->key = column_dup (stmt, 1);
  mapping->name = column_dup (stmt, 2);
  mapping->remote_type = column_dup (stmt, 4);
  mapping->state = !has_row ? PB_MAPPING_UNMAPPED
                 : mapping->remote_type != NULL ? PB_MAPPING_MAPPED : PB_MAPPING_EXCLUDED;
  mapping->remote_name = column_dup (stmt, 5);
  mapping->changed_at = column_dup (stmt, 6);
  mapping->sent = sqlite3_column_int64 (stmt, 7);
  return mapping;
}

/**
 * pb_store_list_mappings:
 *
 * Returns: (transfer full) (element-type PbAbsenceMapping): every HR
 *   absence type by name, each with its mapping for the connection
 */
GPtrArray *
pb_store_list_mappings (PbStore  *store,
                        gint64    connection_id,
                        GError  **error)
{
  g_autoptr(GPtrArray) mappings = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_absence_mapping_free);
  sqlite3_stmt *stmt = pb_store_prepare (store, MAPPING_QUERY "ORDER BY t.name COLLATE NOCASE, t.id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (mappings, mapping_from_row (stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, _("Could not read the absence-type mappings"));
      return NULL;
    }
  return g_steal_pointer (&mappings);
}

/**
 * pb_store_get_mapping:
 *
 * Returns: (transfer full) (nullable): the mapping of one HR absence type;
 *   %NULL with @error set when there is no such type
 */
PbAbsenceMapping *
pb_store_get_mapping (PbStore  *store,
                      gint64    connection_id,
                      gint64    absence_type_id,
                      GError  **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (store, MAPPING_QUERY "WHERE t.id = ?2", error);
  PbAbsenceMapping *mapping = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, absence_type_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    mapping = mapping_from_row (stmt);
  sqlite3_reset (stmt);

  if (mapping == NULL)
    g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND,
                 _("There is no absence type %" G_GINT64_FORMAT " in the HR register"), absence_type_id);
  return mapping;
}

/**
 * pb_store_set_mapping:
 * @state: UNMAPPED removes the decision; EXCLUDED: "Do not sync"
 * @remote_type: (nullable): the payroll type, for MAPPED
 *
 * Any type id is taken (an administrator may map to a type the cache does
 * not have yet); callers check it against the types read.
 */
gboolean
pb_store_set_mapping (PbStore         *store,
                      gint64           connection_id,
                      gint64           absence_type_id,
                      PbMappingState   state,
                      const char      *remote_type,
                      GError         **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt;

  g_return_val_if_fail (state != PB_MAPPING_MAPPED || remote_type != NULL, FALSE);

  if (state == PB_MAPPING_UNMAPPED)
    stmt = pb_store_prepare (store, "DELETE FROM absence_mappings WHERE connection_id = ? AND absence_type_id = ?",
                             error);
  else
    stmt = pb_store_prepare (store,
                             "INSERT INTO absence_mappings (connection_id, absence_type_id, remote_type, changed_at) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT (connection_id, absence_type_id) DO UPDATE SET "
                             "remote_type = excluded.remote_type, changed_at = excluded.changed_at "
                             "WHERE remote_type IS NOT excluded.remote_type", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  sqlite3_bind_int64 (stmt, 2, absence_type_id);
  if (state != PB_MAPPING_UNMAPPED)
    {
      pb_store_bind_text (stmt, 3, state == PB_MAPPING_MAPPED ? remote_type : NULL);
      pb_store_bind_text (stmt, 4, at);
    }
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (store, error, _("Could not save the mapping"));
    }
  sqlite3_reset (stmt);
  pb_store_note_change (store, PB_STORE_CHANGED_MAPPINGS);
  return TRUE;
}

gint64
pb_store_count_unmapped (PbStore *store,
                         gint64   connection_id)
{
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT count (*) FROM absence_types t WHERE NOT EXISTS (SELECT 1 FROM "
                                         "absence_mappings m WHERE m.connection_id = ? AND m.absence_type_id = t.id)",
                                         NULL);
  gint64 count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return count;
}

/**
 * pb_store_save_remote_types:
 * @types: (element-type PbRemoteType): as payroll listed them
 *
 * Replaces the connection's cache of payroll types in one transaction and
 * notes when they were read. Mappings to a type no longer listed stay: the
 * list shows them as gone from payroll.
 */
gboolean
pb_store_save_remote_types (PbStore    *store,
                            gint64      connection_id,
                            GPtrArray  *types,
                            GError    **error)
{
  g_autofree char *at = now_text ();
  sqlite3_stmt *stmt;

  if (!pb_store_begin (store, error))
    return FALSE;

  stmt = pb_store_prepare (store, "DELETE FROM remote_absence_types WHERE connection_id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto sql_fail;
  sqlite3_reset (stmt);

  for (guint i = 0; i < types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (types, i);

      stmt = pb_store_prepare (store,
                               "INSERT OR REPLACE INTO remote_absence_types (connection_id, remote_id, name, position) "
                               "VALUES (?, ?, ?, ?)", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, connection_id);
      pb_store_bind_text (stmt, 2, type->id);
      pb_store_bind_text (stmt, 3, type->name != NULL ? type->name : type->id);
      sqlite3_bind_int (stmt, 4, i);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        goto sql_fail;
      sqlite3_reset (stmt);
    }

  stmt = pb_store_prepare (store, "INSERT OR REPLACE INTO remote_absence_type_reads (connection_id, read_at) "
                           "VALUES (?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  pb_store_bind_text (stmt, 2, at);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    goto sql_fail;
  sqlite3_reset (stmt);

  pb_store_note_change (store, PB_STORE_CHANGED_MAPPINGS);
  if (!pb_store_commit (store, error))
    goto fail;
  return TRUE;

sql_fail:
  sqlite3_reset (stmt);
  pb_store_set_error (store, error, _("Could not save the payroll absence types"));
fail:
  pb_store_rollback (store);
  return FALSE;
}

/**
 * pb_store_list_remote_types:
 * @read_at: (out) (optional) (transfer full) (nullable): when they were
 *   read; %NULL: never
 *
 * Returns: (transfer full) (element-type PbRemoteType): as payroll listed
 *   them
 */
GPtrArray *
pb_store_list_remote_types (PbStore  *store,
                            gint64    connection_id,
                            char    **read_at,
                            GError  **error)
{
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  sqlite3_stmt *stmt;
  int rc;

  if (read_at != NULL)
    {
      *read_at = NULL;
      stmt = pb_store_prepare (store, "SELECT read_at FROM remote_absence_type_reads WHERE connection_id = ?", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, connection_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        *read_at = column_dup (stmt, 0);
      sqlite3_reset (stmt);
    }

  stmt = pb_store_prepare (store, "SELECT remote_id, name FROM remote_absence_types WHERE connection_id = ? "
                           "ORDER BY position", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, connection_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = column_dup (stmt, 0);
      type->name = column_dup (stmt, 1);
      g_ptr_array_add (types, type);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (store, error, _("Could not read the payroll absence types"));
      return NULL;
    }
  return g_steal_pointer (&types);
}

/**
 * pb_store_list_absence_notified:
 *
 * SPEC A7: who is told when an absence of @employee_id is rejected: the
 * employee, their absence manager, and the company's absence managers
 * (the register has no such role of its own: everyone who is the absence
 * manager of someone in the employee's company).
 *
 * Returns: (transfer full): "Name (the employee)", "Name (absence
 *   manager)"..., each person once
 */
GStrv
pb_store_list_absence_notified (PbStore *store,
                                gint64   employee_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  sqlite3_stmt *stmt = pb_store_prepare (store,
                                         "SELECT id, given_name || ' ' || family_name, 0 FROM employees WHERE id = ?1 "
                                         "UNION ALL "
                                         "SELECT m.id, m.given_name || ' ' || m.family_name, 1 FROM employees e "
                                         "JOIN employees m ON m.id = e.absence_manager_id WHERE e.id = ?1 "
                                         "UNION ALL "
                                         "SELECT * FROM (SELECT DISTINCT m.id, m.given_name || ' ' || m.family_name, 2 "
                                         "FROM employees me JOIN employees e ON e.company_id = me.company_id "
                                         "JOIN employees m ON m.id = e.absence_manager_id "
                                         "WHERE me.id = ?1 AND m.status = 'active' ORDER BY 2)", NULL);

  if (stmt == NULL)
    return g_strv_builder_end (builder);
  sqlite3_bind_int64 (stmt, 1, employee_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      int role = sqlite3_column_int (stmt, 2);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);

      if (g_hash_table_contains (seen, &id))
        continue;
      g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
      g_autofree char *who = role == 0 ? g_strdup_printf (_("%s (the employee)"), name)
                           : role == 1 ? g_strdup_printf (_("%s (absence manager)"), name)
                           : g_strdup_printf (_("%s (company absence manager)"), name);

      g_strv_builder_add (builder, who);
    }
  sqlite3_reset (stmt);

  return g_strv_builder_end (builder);
}
