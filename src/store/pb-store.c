/* pb-store.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbStore"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pb-connection.h"
#include "pb-sort-key.h"
#include "pb-store-private.h"

static void register_people_functions (PbStore *self);

struct _PbStore
{
  GObject     parent_instance;

  char       *path;        /* (owned) */
  sqlite3    *db;          /* (owned) */
  GHashTable *statements;  /* (owned) SQL text -> sqlite3_stmt*, prepared once */
  GHashTable *selects[PB_N_ENTITIES]; /* (owned) WHERE... -> the SELECT's text (select_sql()) */
  char       *register_id; /* (owned) (nullable) the register's identity; NULL below its migration */
  PbStoreChangedFlags uncommitted;  /* written in the open transaction, not yet told */
  GHashTable *ref_ids;     /* (owned) (nullable) "table\x1fkey" -> id of a company, team...,
                            * valid inside one transaction while none of them is written */
  gint64      at_second;   /* the second @at_text formats */
  char        at_text[32]; /* "YYYY-MM-DDTHH:MM:SS" of @at_second */
  sqlite3_stmt *insert_stmt[PB_N_ENTITIES]; /* (unowned: in @statements) each entity's INSERT */
  sqlite3_stmt *change_stmt;                 /* (unowned: in @statements) the change row's INSERT */
};

G_DEFINE_FINAL_TYPE (PbStore, pb_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (pb-store-error-quark, pb_store_error)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* The schema, one step per version. A step is never edited once released:
 * a change is a new step. PRAGMA user_version holds the number of steps
 * applied, and all pending steps run in one transaction at open. */
static const char * const migrations[] = {
  /* 1: the HR register */
  "CREATE TABLE companies ("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  currency TEXT NOT NULL CHECK (length (currency) = 3),"
  "  org_number TEXT);"
  "CREATE TABLE locations ("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  company_id INTEGER REFERENCES companies (id));"
  "CREATE TABLE teams ("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL);"
  "CREATE TABLE absence_types ("
  "  id INTEGER PRIMARY KEY,"
  "  key TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL);"
  "CREATE TABLE employees ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_number TEXT UNIQUE,"
  "  given_name TEXT NOT NULL,"
  "  family_name TEXT NOT NULL,"
  "  email TEXT NOT NULL,"
  "  phone TEXT,"
  "  date_of_birth TEXT,"
  "  national_id TEXT,"
  "  address_line1 TEXT,"
  "  address_line2 TEXT,"
  "  postal_code TEXT,"
  "  city TEXT,"
  "  country TEXT,"
  "  bank_account TEXT,"
  "  iban TEXT,"
  "  bic TEXT,"
  "  first_workday TEXT,"
  "  last_workday TEXT,"
  "  company_id INTEGER REFERENCES companies (id),"
  "  location_id INTEGER REFERENCES locations (id),"
  "  team_id INTEGER REFERENCES teams (id),"
  "  manager_id INTEGER REFERENCES employees (id),"
  "  absence_manager_id INTEGER REFERENCES employees (id),"
  "  status TEXT NOT NULL DEFAULT 'active'"
  "    CHECK (status IN ('active', 'deactivated', 'deleted')),"
  "  CHECK (last_workday IS NULL OR first_workday IS NULL OR last_workday >= first_workday));"
  "CREATE UNIQUE INDEX employees_email ON employees (lower (email));"
  "CREATE TABLE positions ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,"
  "  start_date TEXT NOT NULL,"
  "  end_date TEXT,"
  "  title TEXT NOT NULL,"
  "  percentage TEXT NOT NULL DEFAULT '100',"
  "  contract_type TEXT,"
  "  end_reason TEXT,"
  "  CHECK (end_date IS NULL OR end_date >= start_date),"
  "  UNIQUE (employee_id, start_date));"
  "CREATE TABLE absences ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,"
  "  type_id INTEGER NOT NULL REFERENCES absence_types (id),"
  "  start_date TEXT NOT NULL,"
  "  end_date TEXT,"
  "  percentage TEXT NOT NULL DEFAULT '100',"
  "  state TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (state IN ('pending', 'approved', 'unapproved', 'rejected')),"
  "  note TEXT,"
  "  CHECK (end_date IS NULL OR end_date >= start_date),"
  "  UNIQUE (employee_id, type_id, start_date));"
  "CREATE TABLE salaries ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,"
  "  start_date TEXT NOT NULL,"
  "  end_date TEXT,"
  "  amount TEXT NOT NULL,"
  "  currency TEXT NOT NULL,"
  "  period_unit TEXT NOT NULL CHECK (period_unit IN ('monthly', 'yearly', 'hourly')),"
  "  note TEXT,"
  "  CHECK (end_date IS NULL OR end_date >= start_date),"
  "  UNIQUE (employee_id, start_date));"
  "CREATE INDEX positions_employee ON positions (employee_id);"
  "CREATE INDEX absences_employee ON absences (employee_id);"
  "CREATE INDEX salaries_employee ON salaries (employee_id);",

  /* 2: the change log that feeds the sync engine's outbox */
  "CREATE TABLE changes ("
  "  id INTEGER PRIMARY KEY,"
  "  at TEXT NOT NULL,"
  "  entity TEXT NOT NULL,"
  "  record_id INTEGER NOT NULL,"
  "  employee_id INTEGER,"
  "  op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),"
  "  old_values TEXT,"
  "  new_values TEXT);"
  "CREATE INDEX changes_employee ON changes (employee_id);",

  /* 3: connections to payroll systems (their secrets are in the keyring) */
  "CREATE TABLE connections ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  system TEXT NOT NULL,"
  "  scope_kind TEXT NOT NULL DEFAULT 'all' CHECK (scope_kind IN ('all', 'team', 'location', 'company')),"
  "  scope_key TEXT,"
  "  sync_types INTEGER NOT NULL DEFAULT 0,"
  "  base_url TEXT,"
  "  auth_url TEXT,"
  "  token_url TEXT,"
  "  tenant_id TEXT,"
  "  client_id TEXT,"
  "  state TEXT NOT NULL DEFAULT 'established'"
  "    CHECK (state IN ('established', 'active', 'needs-sign-in', 'error')),"
  "  remote_company TEXT,"
  "  remote_currency TEXT,"
  "  created_at TEXT NOT NULL,"
  "  activated_at TEXT,"
  "  CHECK ((scope_kind = 'all') = (scope_key IS NULL)));",

  /* 4: links between HR records and payroll records, and user-sync plans
   * kept for offline review (the payroll side as it was read) */
  "CREATE TABLE links ("
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  entity TEXT NOT NULL,"
  "  record_id INTEGER NOT NULL,"
  "  remote_id TEXT NOT NULL,"
  "  remote_version INTEGER NOT NULL DEFAULT 0,"
  "  linked_at TEXT NOT NULL,"
  "  PRIMARY KEY (connection_id, entity, record_id));"
  "CREATE UNIQUE INDEX links_remote ON links (connection_id, entity, remote_id);"
  "CREATE TABLE user_plans ("
  "  id INTEGER PRIMARY KEY,"
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  created_at TEXT NOT NULL,"
  "  applied_at TEXT);"
  "CREATE TABLE user_plan_items ("
  "  plan_id INTEGER NOT NULL REFERENCES user_plans (id) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  ambiguity TEXT,"
  "  employee_id INTEGER REFERENCES employees (id),"
  "  remote_id TEXT,"
  "  remote_version INTEGER NOT NULL DEFAULT 0,"
  "  payroll TEXT,"
  "  differing INTEGER NOT NULL DEFAULT 0,"
  "  missing INTEGER NOT NULL DEFAULT 0,"
  "  decision TEXT,"
  "  outcome TEXT,"
  "  PRIMARY KEY (plan_id, position));",

  /* 5: the outbox of each connection, fed from the change log after its
   * cursor, and the error log */
  "CREATE TABLE outbox_cursors ("
  "  connection_id INTEGER PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,"
  "  change_id INTEGER NOT NULL);"
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY,"
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  entity TEXT NOT NULL,"
  "  record_id INTEGER NOT NULL,"
  "  employee_id INTEGER,"
  "  change_id INTEGER NOT NULL,"
  "  created_at TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),"
  "  finished_at TEXT);"
  "CREATE INDEX outbox_pending ON outbox (connection_id, state);"
  "CREATE TABLE error_log ("
  "  id INTEGER PRIMARY KEY,"
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  at TEXT NOT NULL,"
  "  entity TEXT,"
  "  record_id INTEGER,"
  "  employee_id INTEGER,"
  "  who TEXT,"
  "  what TEXT NOT NULL,"
  "  message TEXT NOT NULL,"
  "  system_message TEXT,"
  "  request_id TEXT,"
  "  advice TEXT,"
  "  resolved INTEGER NOT NULL DEFAULT 0);",

  /* 6: what changed on the payroll side of a person since the previous
   * plan (a re-plan after a stale decision shows it) */
  "ALTER TABLE user_plan_items ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;",

  /* 7: durable delivery (SPEC R1-R3, C5-C7). An outbox entry is never
   * given up: it is pending (to send), needs attention (payroll refused it:
   * sent again when the record changes or on request), held (its data type
   * is off), or it has left the outbox because payroll took it (done), a
   * newer entry of the same record replaced it (superseded) or the
   * administrator discarded it. The entries version 6 marked failed go
   * back to pending (the newest of each record; older ones are superseded),
   * so that the changes they carry are sent after all. Each data type of a
   * connection has its own activation (C5); links keep payroll's key of a
   * record (a position's start date, P2); one error entry per problem, with
   * a count; one process at a time drains a connection (a lease). */
  "CREATE TABLE outbox_v7 ("
  "  id INTEGER PRIMARY KEY,"
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  entity TEXT NOT NULL,"
  "  record_id INTEGER NOT NULL,"
  "  employee_id INTEGER,"
  "  change_id INTEGER NOT NULL,"
  "  created_at TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  state TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (state IN ('pending', 'attention', 'held', 'done', 'superseded', 'discarded')),"
  "  finished_at TEXT);"
  "INSERT INTO outbox_v7 (id, connection_id, entity, record_id, employee_id, change_id, created_at, attempts, "
  "  state, finished_at)"
  "  SELECT o.id, o.connection_id, o.entity, o.record_id, o.employee_id, o.change_id, o.created_at,"
  "    CASE o.state WHEN 'failed' THEN 0 ELSE o.attempts END,"
  "    CASE WHEN o.state != 'failed' THEN o.state"
  "         WHEN EXISTS (SELECT 1 FROM outbox n WHERE n.connection_id = o.connection_id AND n.entity = o.entity"
  "                      AND n.record_id = o.record_id AND n.id > o.id AND n.state != 'done') THEN 'superseded'"
  "         ELSE 'pending' END,"
  "    CASE o.state WHEN 'failed' THEN NULL ELSE o.finished_at END"
  "  FROM outbox o;"
  "DROP TABLE outbox;"
  "ALTER TABLE outbox_v7 RENAME TO outbox;"
  "CREATE INDEX outbox_open ON outbox (connection_id, state, entity, record_id);"
  "CREATE TABLE connection_types ("
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  type TEXT NOT NULL CHECK (type IN ('users', 'positions', 'absence', 'salary')),"
  "  activated_change INTEGER NOT NULL,"
  "  activated_at TEXT NOT NULL,"
  "  PRIMARY KEY (connection_id, type));"
  "INSERT INTO connection_types (connection_id, type, activated_change, activated_at)"
  "  SELECT c.id, t.name, coalesce (k.change_id, 0), coalesce (c.activated_at, c.created_at)"
  "  FROM connections c"
  "  JOIN (SELECT 1 AS bit, 'users' AS name UNION ALL SELECT 2, 'positions'"
  "        UNION ALL SELECT 4, 'absence' UNION ALL SELECT 8, 'salary') t ON (c.sync_types & t.bit) != 0"
  "  LEFT JOIN outbox_cursors k ON k.connection_id = c.id"
  "  WHERE c.activated_at IS NOT NULL;"
  "ALTER TABLE links ADD COLUMN remote_key TEXT;"
  "ALTER TABLE error_log ADD COLUMN count INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE error_log ADD COLUMN last_at TEXT;"
  "ALTER TABLE error_log ADD COLUMN resolved_at TEXT;"
  "ALTER TABLE error_log ADD COLUMN kind TEXT;"
  "UPDATE error_log SET last_at = at;"
  "CREATE INDEX error_log_open ON error_log (connection_id, resolved, entity, record_id);"
  "CREATE TABLE outbox_leases ("
  "  connection_id INTEGER PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,"
  "  holder TEXT NOT NULL,"
  "  expires_at INTEGER NOT NULL);",

  /* 8: the register's identity, one row: with a connection's id it keys the
   * connection's keyring items, so that two data folders never share one.
   * SQL has no portable UUID: ensure_register_id() inserts it. */
  "CREATE TABLE register ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  uuid TEXT NOT NULL);",

  /* 9: absence-type mappings per connection (SPEC A2, A5): an HR type maps
   * to one payroll type, or is excluded (remote_type NULL); no row is
   * unmapped. The payroll system's types are kept as last read, with when,
   * so mappings can be reviewed with no network. */
  "CREATE TABLE absence_mappings ("
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  absence_type_id INTEGER NOT NULL REFERENCES absence_types (id) ON DELETE CASCADE,"
  "  remote_type TEXT,"
  "  changed_at TEXT NOT NULL,"
  "  PRIMARY KEY (connection_id, absence_type_id));"
  "CREATE TABLE remote_absence_types ("
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  remote_id TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  position INTEGER NOT NULL,"
  "  PRIMARY KEY (connection_id, remote_id));"
  "CREATE TABLE remote_absence_type_reads ("
  "  connection_id INTEGER PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,"
  "  read_at TEXT NOT NULL);",

  /* 10: manual pairs in a user-sync plan (SPEC U3, U4): an HR-only person
   * the administrator paired with a payroll-only one. Both items are
   * marked; the HR item holds the payroll person and is treated as
   * matched, the payroll item is absorbed into it until unpaired. */
  "ALTER TABLE user_plan_items ADD COLUMN paired INTEGER NOT NULL DEFAULT 0;",

  /* 11: the Error Log view pages through the error log newest first, of
   * all connections or one, by state or not (SPEC C7): each of the four
   * walks its index in order and stops at the page's end. */
  "CREATE INDEX error_log_recent ON error_log (coalesce (last_at, at), id);"
  "CREATE INDEX error_log_state_recent ON error_log (resolved, coalesce (last_at, at), id);"
  "CREATE INDEX error_log_conn_recent ON error_log (connection_id, coalesce (last_at, at), id);"
  "CREATE INDEX error_log_conn_state_recent ON error_log (connection_id, resolved, coalesce (last_at, at), id);",

  /* 12: a person's positions, absences and salaries are found through
   * their UNIQUE (employee_id, ...) indexes, whose first column is the
   * employee: the separate employee_id indexes were kept up to date on
   * every insert (an import of 100,000 people writes 700,000 of these
   * rows) and never needed. */
  "DROP INDEX positions_employee;"
  "DROP INDEX absences_employee;"
  "DROP INDEX salaries_employee;"
  /* ... and no query reads the change log by employee (the outbox reads it
   * in id order, pb_store_list_changes()): one index entry less per
   * change row. */
  "DROP INDEX changes_employee;",

  /* 13: SQLite 3.40 checks `x IN ('a', 'b', 'c')` by building a temporary
   * b-tree of the list on every execution of an INSERT (about a tenth of
   * an import of 100,000 people). The tables written per record or per
   * change are rebuilt (SQLite cannot alter a CHECK) with the same
   * columns, values, rows and indexes, each such check written as
   * comparisons joined by OR, which accepts and refuses exactly the same
   * values (the columns are NOT NULL and TEXT). SQLite's table rebuild
   * (lang_altertable.html#otheralter): create, copy, drop, rename,
   * indexes again; migrate() turns foreign keys off around the
   * transaction and runs foreign_key_check before it commits. The ids are
   * copied, so every reference to these rows stays valid. */
  "CREATE TABLE employees_v13 ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_number TEXT UNIQUE,"
  "  given_name TEXT NOT NULL,"
  "  family_name TEXT NOT NULL,"
  "  email TEXT NOT NULL,"
  "  phone TEXT,"
  "  date_of_birth TEXT,"
  "  national_id TEXT,"
  "  address_line1 TEXT,"
  "  address_line2 TEXT,"
  "  postal_code TEXT,"
  "  city TEXT,"
  "  country TEXT,"
  "  bank_account TEXT,"
  "  iban TEXT,"
  "  bic TEXT,"
  "  first_workday TEXT,"
  "  last_workday TEXT,"
  "  company_id INTEGER REFERENCES companies (id),"
  "  location_id INTEGER REFERENCES locations (id),"
  "  team_id INTEGER REFERENCES teams (id),"
  "  manager_id INTEGER REFERENCES employees (id),"
  "  absence_manager_id INTEGER REFERENCES employees (id),"
  "  status TEXT NOT NULL DEFAULT 'active'"
  "    CHECK (status = 'active' OR status = 'deactivated' OR status = 'deleted'),"
  "  CHECK (last_workday IS NULL OR first_workday IS NULL OR last_workday >= first_workday));"
  "INSERT INTO employees_v13 SELECT * FROM employees;"
  "DROP TABLE employees;"
  "ALTER TABLE employees_v13 RENAME TO employees;"
  "CREATE UNIQUE INDEX employees_email ON employees (lower (email));"
  "CREATE TABLE absences_v13 ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,"
  "  type_id INTEGER NOT NULL REFERENCES absence_types (id),"
  "  start_date TEXT NOT NULL,"
  "  end_date TEXT,"
  "  percentage TEXT NOT NULL DEFAULT '100',"
  "  state TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (state = 'pending' OR state = 'approved' OR state = 'unapproved' OR state = 'rejected'),"
  "  note TEXT,"
  "  CHECK (end_date IS NULL OR end_date >= start_date),"
  "  UNIQUE (employee_id, type_id, start_date));"
  "INSERT INTO absences_v13 SELECT * FROM absences;"
  "DROP TABLE absences;"
  "ALTER TABLE absences_v13 RENAME TO absences;"
  "CREATE TABLE salaries_v13 ("
  "  id INTEGER PRIMARY KEY,"
  "  employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,"
  "  start_date TEXT NOT NULL,"
  "  end_date TEXT,"
  "  amount TEXT NOT NULL,"
  "  currency TEXT NOT NULL,"
  "  period_unit TEXT NOT NULL"
  "    CHECK (period_unit = 'monthly' OR period_unit = 'yearly' OR period_unit = 'hourly'),"
  "  note TEXT,"
  "  CHECK (end_date IS NULL OR end_date >= start_date),"
  "  UNIQUE (employee_id, start_date));"
  "INSERT INTO salaries_v13 SELECT * FROM salaries;"
  "DROP TABLE salaries;"
  "ALTER TABLE salaries_v13 RENAME TO salaries;"
  "CREATE TABLE changes_v13 ("
  "  id INTEGER PRIMARY KEY,"
  "  at TEXT NOT NULL,"
  "  entity TEXT NOT NULL,"
  "  record_id INTEGER NOT NULL,"
  "  employee_id INTEGER,"
  "  op TEXT NOT NULL CHECK (op = 'create' OR op = 'update' OR op = 'delete'),"
  "  old_values TEXT,"
  "  new_values TEXT);"
  "INSERT INTO changes_v13 SELECT * FROM changes;"
  "DROP TABLE changes;"
  "ALTER TABLE changes_v13 RENAME TO changes;"
  "CREATE TABLE outbox_v13 ("
  "  id INTEGER PRIMARY KEY,"
  "  connection_id INTEGER NOT NULL REFERENCES connections (id) ON DELETE CASCADE,"
  "  entity TEXT NOT NULL,"
  "  record_id INTEGER NOT NULL,"
  "  employee_id INTEGER,"
  "  change_id INTEGER NOT NULL,"
  "  created_at TEXT NOT NULL,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  state TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (state = 'pending' OR state = 'attention' OR state = 'held' OR state = 'done' OR state = 'superseded' OR state = 'discarded'),"
  "  finished_at TEXT);"
  "INSERT INTO outbox_v13 SELECT * FROM outbox;"
  "DROP TABLE outbox;"
  "ALTER TABLE outbox_v13 RENAME TO outbox;"
  "CREATE INDEX outbox_open ON outbox (connection_id, state, entity, record_id);",

  /* 14: names sort in the Norwegian alphabet (Æ, Ø, Å after Z, accents
   * folded), which COLLATE NOCASE (UTF-8 bytes) cannot: each name (and
   * email) keeps its pb_sort_key(), written with it, and the People pages
   * order by the keys BINARY, as cheap as before. Existing rows get
   * theirs here through the SQL function pb_sort_key (registered on every
   * connection). */
  "ALTER TABLE employees ADD COLUMN family_sort TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE employees ADD COLUMN given_sort TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE employees ADD COLUMN email_sort TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE companies ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE locations ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE teams ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';"
  "UPDATE employees SET family_sort = pb_sort_key (family_name), given_sort = pb_sort_key (given_name),"
  "  email_sort = pb_sort_key (email);"
  "UPDATE companies SET name_sort = pb_sort_key (name);"
  "UPDATE locations SET name_sort = pb_sort_key (name);"
  "UPDATE teams SET name_sort = pb_sort_key (name);"
  /* The People list's default order walks this index (the rowid, the
   * last tie, is in it): a page at 50,000 of 100,000 reads in a few ms
   * instead of sorting every row. */
  "CREATE INDEX employees_sort ON employees (family_sort, given_sort);",
};

gboolean
pb_store_set_error (PbStore     *self,
                  GError     **error,
                  const char  *what)
{
  int code = sqlite3_extended_errcode (self->db);
  int primary = code & 0xff;

  g_set_error (error, PB_STORE_ERROR,
               primary == SQLITE_CONSTRAINT ? PB_STORE_ERROR_CONSTRAINT :
               primary == SQLITE_BUSY ? PB_STORE_ERROR_BUSY : PB_STORE_ERROR_FAILED,
               "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (PbStore     *self,
      const char  *sql,
      GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return pb_store_set_error (self, error, sql);

  return TRUE;
}

/* PbStore::changed is emitted only once what it reports is committed: a
 * listener (the sync driver) may read the change log at once, and a
 * rolled-back write must never reach payroll. */
static void
emit_changed (PbStore *self)
{
  PbStoreChangedFlags what = self->uncommitted;

  self->uncommitted = 0;
  if (what != 0)
    g_signal_emit (self, signals [CHANGED], 0, (guint) what);
}

void
pb_store_note_change (PbStore             *self,
             PbStoreChangedFlags  what)
{
  self->uncommitted |= what;
  /* Outside a transaction SQLite has committed the statement already. */
  if (sqlite3_get_autocommit (self->db))
    emit_changed (self);
}

/* Statements are prepared once per store and reset after each use. */
sqlite3_stmt *
pb_store_prepare (PbStore     *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      pb_store_set_error (self, error, _("Could not prepare a query"));
      return NULL;
    }

  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* pb_store_prepare() for the statements of every write (a record's
 * INSERT, the change row), kept at hand: no hashing of their text per
 * row. */
static sqlite3_stmt *
prepare_kept (PbStore        *self,
              sqlite3_stmt  **kept,
              const char     *sql,
              GError        **error)
{
  if (*kept != NULL)
    {
      sqlite3_reset (*kept);
      sqlite3_clear_bindings (*kept);
      return *kept;
    }

  *kept = pb_store_prepare (self, sql, error);
  return *kept;
}

void
pb_store_bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

static int
user_version (PbStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return version;
}

/* The first row of PRAGMA foreign_key_check: a reference to a row that
 * is not there, or NULL when every reference holds. */
static char *
broken_reference (PbStore *self)
{
  sqlite3_stmt *stmt = NULL;
  char *broken = NULL;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA foreign_key_check", -1, &stmt, NULL) != SQLITE_OK)
    return g_strdup (sqlite3_errmsg (self->db));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    broken = g_strdup_printf ("%s row %lld refers to a missing %s row",
                              (const char *) sqlite3_column_text (stmt, 0),
                              (long long) sqlite3_column_int64 (stmt, 1),
                              (const char *) sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);

  return broken;
}

static gboolean
migrate_steps (PbStore     *self,
               guint        version,
               guint        max_version,
               GError     **error)
{
  g_autofree char *broken = NULL;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint v = version; v < max_version; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %u", v + 1);

      g_debug ("Migrating %s to data version %u", self->path, v + 1);
      if (!exec (self, migrations[v], error) || !exec (self, set_version, error))
        {
          g_prefix_error (error, _("Could not upgrade %s to data version %u: "), self->path, v + 1);
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
    }

  broken = broken_reference (self);
  if (broken != NULL)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_FAILED,
                   _("Could not upgrade %s to data version %u: %s"), self->path, max_version, broken);
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }

  return exec (self, "COMMIT", error);
}

static gboolean
migrate (PbStore     *self,
         guint        max_version,
         GError     **error)
{
  int version = user_version (self);

  if (version < 0)
    return pb_store_set_error (self, error, _("Could not read the data file’s version"));

  if ((guint) version > G_N_ELEMENTS (migrations))
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_TOO_NEW,
                   _("%s was written by a newer version of Paybridge (data version %d; this version "
                     "knows up to %u). It is left as it is: update Paybridge to open it."),
                   self->path, version, (guint) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  if ((guint) version >= max_version)
    return TRUE;

  /* A step that rebuilds a table (create, copy, drop, rename) needs
   * foreign keys off: with them on, dropping the old employees table would
   * first delete its rows, and with them every position, absence and
   * salary (ON DELETE CASCADE). The pragma has no effect inside a
   * transaction, so it is set around it; foreign_key_check proves the
   * references whole before the commit. */
  if (!exec (self, "PRAGMA foreign_keys = OFF", error))
    return FALSE;

  if (!migrate_steps (self, version, max_version, error))
    {
      exec (self, "PRAGMA foreign_keys = ON", NULL);
      return FALSE;
    }

  return exec (self, "PRAGMA foreign_keys = ON", error);
}

/* Gives the register its identity the first time it is opened with the
 * `register` table, and reads it. Two processes opening a new file at once
 * both try; the first insert wins and both read the same row. A file kept
 * below that version (tests) has none. */
static gboolean
ensure_register_id (PbStore  *self,
                    GError  **error)
{
  g_autofree char *uuid = g_uuid_string_random ();
  sqlite3_stmt *stmt;
  int rc;

  stmt = pb_store_prepare (self, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'register'", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return pb_store_set_error (self, error, _("Could not read the register’s identity"));

  stmt = pb_store_prepare (self, "INSERT OR IGNORE INTO register (id, uuid) VALUES (1, ?)", error);
  if (stmt == NULL)
    return FALSE;
  pb_store_bind_text (stmt, 1, uuid);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return pb_store_set_error (self, error, _("Could not give the register its identity"));

  stmt = pb_store_prepare (self, "SELECT uuid FROM register WHERE id = 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    self->register_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (self->register_id == NULL)
    return pb_store_set_error (self, error, _("Could not read the register’s identity"));

  return TRUE;
}

/* The file holds national identity numbers and bank accounts: it is created
 * 0600 in a 0700 folder before SQLite opens it, and SQLite gives its -wal
 * and -shm files the same mode. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_IO,
                   _("Could not create %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  close (fd);
  return TRUE;
}

static void
pb_store_finalize (GObject *object)
{
  PbStore *self = (PbStore *) object;

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->ref_ids, g_hash_table_unref);
  for (guint i = 0; i < PB_N_ENTITIES; i++)
    g_clear_pointer (&self->selects[i], g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);
  g_free (self->register_id);

  G_OBJECT_CLASS (pb_store_parent_class)->finalize (object);
}

static void
pb_store_class_init (PbStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pb_store_finalize;

  /**
   * PbStore::changed:
   * @what: the #PbStoreChangedFlags of what changed
   *
   * Emitted after a commit (or a write outside a transaction) that changed
   * the HR register or the connections; never for a rollback. Handlers run
   * inside pb_store_commit(): they should schedule work, not write.
   */
  signals [CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pb_store_init (PbStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
}

/**
 * pb_store_default_dir:
 *
 * Returns: (transfer full): `$PAYBRIDGE_DATA_DIR`, or `$XDG_DATA_HOME/paybridge`
 */
char *
pb_store_default_dir (void)
{
  const char *env = g_getenv ("PAYBRIDGE_DATA_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);

  return g_build_filename (g_get_user_data_dir (), "paybridge", NULL);
}

guint
pb_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

PbStore *
pb_store_open_at_version (const char  *data_dir,
                          guint        max_version,
                          GError     **error)
{
  g_autoptr(PbStore) self = g_object_new (PB_TYPE_STORE, NULL);
  g_autofree char *default_dir = NULL;

  if (data_dir == NULL)
    data_dir = default_dir = pb_store_default_dir ();

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_IO,
                   _("Could not create the data folder %s: %s"), data_dir, g_strerror (saved));
      return NULL;
    }

  self->path = g_build_filename (data_dir, "paybridge.db", NULL);
  if (!create_private_file (self->path, error))
    return NULL;

  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_IO, _("Could not open %s: %s"),
                   self->path, self->db ? sqlite3_errmsg (self->db) : g_strerror (ENOMEM));
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);
  register_people_functions (self);

  if (!exec (self, "PRAGMA foreign_keys = ON", error) ||
      !exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = NORMAL", error))
    {
      g_prefix_error (error, _("Could not open %s: "), self->path);
      return NULL;
    }

  if (!migrate (self, max_version, error) || !ensure_register_id (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * pb_store_open:
 * @data_dir: (nullable): the data folder; %NULL for pb_store_default_dir()
 *
 * Opens (creating if needed) the store and brings its schema up to date in
 * one transaction. A file from a newer Paybridge is refused, never touched.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
PbStore *
pb_store_open (const char  *data_dir,
               GError     **error)
{
  return pb_store_open_at_version (data_dir, G_N_ELEMENTS (migrations), error);
}

/**
 * pb_store_open_another:
 *
 * A second connection to @self's file, for a worker thread (a connection
 * is used by one thread at a time): no migration, the same register. The
 * file is in WAL mode, so the main loop's connection reads on while the
 * worker writes. Its #PbStore::changed is emitted in the worker's thread.
 * It waits up to two minutes for another connection's write lock.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
PbStore *
pb_store_open_another (PbStore  *self,
                       GError  **error)
{
  g_autoptr(PbStore) other = g_object_new (PB_TYPE_STORE, NULL);

  g_return_val_if_fail (PB_IS_STORE (self), NULL);

  other->path = g_strdup (self->path);
  other->register_id = g_strdup (self->register_id);
  if (sqlite3_open_v2 (other->path, &other->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_IO, _("Could not open %s: %s"),
                   other->path, other->db ? sqlite3_errmsg (other->db) : g_strerror (ENOMEM));
      return NULL;
    }

  sqlite3_extended_result_codes (other->db, 1);
  /* A worker may wait where the main loop must not: behind an import that
   * holds the write lock for all of a large file (10-20 s at 100,000
   * people), a push's start or a plan waits its turn instead of failing
   * with "database is locked". (The engine's writer sets a short one and
   * retries, to stay cancellable.) */
  sqlite3_busy_timeout (other->db, 120000);
  register_people_functions (other);
  if (!exec (other, "PRAGMA foreign_keys = ON", error) ||
      !exec (other, "PRAGMA synchronous = NORMAL", error))
    {
      g_prefix_error (error, _("Could not open %s: "), other->path);
      return NULL;
    }

  return g_steal_pointer (&other);
}

const char *
pb_store_get_path (PbStore *self)
{
  return self->path;
}

/**
 * pb_store_set_busy_timeout:
 *
 * How long a statement waits for another connection's write lock before
 * it fails with %PB_STORE_ERROR_BUSY (5 s unless set). A worker that
 * retries on its own sets it shorter, to look at its cancellable between
 * the tries.
 */
void
pb_store_set_busy_timeout (PbStore *self,
                           guint    ms)
{
  g_return_if_fail (PB_IS_STORE (self));

  sqlite3_busy_timeout (self->db, (int) MIN (ms, G_MAXINT));
}

/**
 * pb_store_get_register_id:
 *
 * Returns: the register's identity, a UUID made when the file was first
 *   opened by a Paybridge that knows it. It and a connection's id key the
 *   connection's keyring items (PbSecrets), so that registers in two data
 *   folders never share or overwrite one.
 */
const char *
pb_store_get_register_id (PbStore *self)
{
  g_return_val_if_fail (PB_IS_STORE (self), NULL);

  return self->register_id;
}

sqlite3 *
pb_store_get_db (PbStore *self)
{
  return self->db;
}

static void
forget_ref_ids (PbStore *self)
{
  g_clear_pointer (&self->ref_ids, g_hash_table_unref);
}

gboolean
pb_store_begin (PbStore  *self,
                GError  **error)
{
  forget_ref_ids (self);
  return exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
pb_store_commit (PbStore  *self,
                 GError  **error)
{
  forget_ref_ids (self);
  if (!exec (self, "COMMIT", error))
    {
      /* SQLite may have rolled the transaction back itself. */
      if (sqlite3_get_autocommit (self->db))
        self->uncommitted = 0;
      return FALSE;
    }

  emit_changed (self);
  return TRUE;
}

void
pb_store_rollback (PbStore *self)
{
  forget_ref_ids (self);
  if (!sqlite3_get_autocommit (self->db))
    exec (self, "ROLLBACK", NULL);
  self->uncommitted = 0;
}

/**
 * pb_store_set_bulk:
 *
 * A larger page cache for a bulk write (an import of 100,000 people keeps
 * its indexes' pages in memory instead of reading them back), or SQLite's
 * default again. Durability is untouched: `synchronous` stays NORMAL in WAL
 * mode, and the write is still one transaction.
 */
void
pb_store_set_bulk (PbStore  *self,
                   gboolean  bulk)
{
  exec (self, bulk ? "PRAGMA cache_size = -32768" : "PRAGMA cache_size = -2000", NULL);

#ifdef __GLIBC__
  /* Before data version 13, SQLite checked `x IN ('a', 'b', 'c')`
   * (changes.op, employees.status, absences.state, salaries.period_unit)
   * through a temporary b-tree that each execution of the INSERT opened
   * and closed: about 90 KB allocated and freed per row. Freed at the top
   * of the heap, glibc's default (128 KB) gave it back to the kernel each
   * time and took it again for the next row (brk, page faults: a tenth of
   * an import of 100,000 people). Version 13 wrote those checks without
   * IN; freed memory is still kept during bulk writes (a record, its
   * change row's JSON and SQLite's own buffers are allocated and freed per
   * row), and afterwards the default again, and what is free given back. */
  {
    static gint n_bulk = 0;

    if (bulk && g_atomic_int_add (&n_bulk, 1) == 0)
      mallopt (M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    else if (!bulk && g_atomic_int_dec_and_test (&n_bulk))
      {
        mallopt (M_TRIM_THRESHOLD, 128 * 1024);
        malloc_trim (0);
      }
  }
#endif
}

/* --- SQL built from the field tables ----------------------------------- */

static char *
field_column (const PbFieldDef *field)
{
  if (field->type == PB_FIELD_REF)
    {
      if (g_str_has_suffix (field->name, "_email"))
        return g_strdup_printf ("%.*s_id", (int) (strlen (field->name) - strlen ("_email")), field->name);
      return g_strdup_printf ("%s_id", field->name);
    }

  return g_strdup (field->name);
}

/* How a referenced record is named in the register: employees by email,
 * everything else by key. */
static const char *
ref_name_column (PbEntity entity)
{
  return entity == PB_ENTITY_EMPLOYEE ? "email" : "key";
}

static char *
select_sql (PbEntity    entity,
            const char *where)
{
  const PbEntityDef *def = pb_entity_get_def (entity);
  g_autoptr(GString) sql = g_string_new ("SELECT t.id, ");

  g_string_append (sql, def->has_parent ? "t.employee_id" : "0");
  for (guint i = 0; i < def->n_fields; i++)
    {
      const PbFieldDef *field = &def->fields[i];
      g_autofree char *column = field_column (field);

      if (field->type == PB_FIELD_REF)
        g_string_append_printf (sql, ", (SELECT r.%s FROM %s r WHERE r.id = t.%s)",
                                ref_name_column (field->ref), pb_entity_get_def (field->ref)->plural, column);
      else
        g_string_append_printf (sql, ", t.%s", column);
    }
  g_string_append_printf (sql, " FROM %s t %s", def->plural, where);

  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static PbRecord *
record_from_row (PbEntity      entity,
                 sqlite3_stmt *stmt)
{
  const PbEntityDef *def = pb_entity_get_def (entity);
  PbRecord *record = pb_record_new (entity);

  pb_record_set_id (record, sqlite3_column_int64 (stmt, 0));
  pb_record_set_parent_id (record, sqlite3_column_int64 (stmt, 1));
  for (guint i = 0; i < def->n_fields; i++)
    pb_record_set (record, i, (const char *) sqlite3_column_text (stmt, i + 2));

  return record;
}

static GPtrArray *
query_records (PbStore     *self,
               PbEntity     entity,
               const char  *where,
               const char  *arg_text,
               gint64       arg_int,
               GError     **error)
{
  const char *sql;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt;
  int rc;

  /* The SELECT's text is built once per WHERE (a query per person of an
   * import built it 300,000 times). */
  if (self->selects[entity] == NULL)
    self->selects[entity] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sql = g_hash_table_lookup (self->selects[entity], where);
  if (sql == NULL)
    {
      char *text = select_sql (entity, where);

      g_hash_table_insert (self->selects[entity], g_strdup (where), text);
      sql = text;
    }

  stmt = pb_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;

  if (arg_text != NULL)
    pb_store_bind_text (stmt, 1, arg_text);
  else if (arg_int != 0)
    sqlite3_bind_int64 (stmt, 1, arg_int);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, record_from_row (entity, stmt));

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (self, error, _("Could not read the HR register"));
      return NULL;
    }

  return g_steal_pointer (&records);
}

/**
 * pb_store_list:
 * @parent_id: for positions, absences and salaries: the employee, or 0 for all
 *
 * Returns: (transfer full) (element-type PbRecord): the records, employees
 *   by family and given name, periods by start date, others by name
 */
GPtrArray *
pb_store_list (PbStore   *self,
               PbEntity   entity,
               gint64     parent_id,
               GError   **error)
{
  const PbEntityDef *def = pb_entity_get_def (entity);
  const char *order;
  g_autofree char *where = NULL;

  g_return_val_if_fail (PB_IS_STORE (self), NULL);

  if (entity == PB_ENTITY_EMPLOYEE)
    order = "ORDER BY t.family_sort, t.given_sort, t.id";
  else if (def->has_parent)
    order = "ORDER BY t.employee_id, t.start_date, t.id";
  else if (entity == PB_ENTITY_ABSENCE_TYPE)
    order = "ORDER BY t.name COLLATE NOCASE, t.id";
  else
    order = "ORDER BY t.name_sort, t.id";

  where = g_strdup_printf ("%s %s", def->has_parent && parent_id != 0 ? "WHERE t.employee_id = ?" : "", order);

  return query_records (self, entity, where, NULL, def->has_parent ? parent_id : 0, error);
}

/**
 * pb_store_index_by_id:
 *
 * Every record of @entity, by id: one query where a loop of
 * pb_store_get() would make one per record (a plan of 100,000 people).
 *
 * Returns: (transfer full) (nullable): gint64 id -> PbRecord
 */
GHashTable *
pb_store_index_by_id (PbStore   *self,
                      PbEntity   entity,
                      GError   **error)
{
  g_autoptr(GPtrArray) records = pb_store_list (self, entity, 0, error);
  GHashTable *index;

  if (records == NULL)
    return NULL;

  index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  for (guint i = 0; i < records->len; i++)
    {
      PbRecord *record = g_ptr_array_index (records, i);
      gint64 id = pb_record_get_id (record);

      g_hash_table_insert (index, g_memdup2 (&id, sizeof id), g_object_ref (record));
    }

  return index;
}

static PbRecord *
first_or_null (GPtrArray *records)
{
  if (records == NULL || records->len == 0)
    return NULL;

  return g_object_ref (g_ptr_array_index (records, 0));
}

PbRecord *
pb_store_get (PbStore   *self,
              PbEntity   entity,
              gint64     id,
              GError   **error)
{
  g_autoptr(GPtrArray) records = query_records (self, entity, "WHERE t.id = ?", NULL, id, error);
  PbRecord *record;

  if (records == NULL)
    return NULL;

  record = first_or_null (records);
  if (record == NULL)
    {
      /* The id as text: a format macro inside _() cannot be translated. */
      g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);

      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND,
                   _("There is no %s with id %s"), pb_entity_get_def (entity)->name, id_text);
    }

  return record;
}

/**
 * pb_store_find_by_key:
 *
 * Looks up a company, location, team or absence type by its key.
 *
 * Returns: (transfer full) (nullable): the record; %NULL without an error
 *   when there is none
 */
PbRecord *
pb_store_find_by_key (PbStore     *self,
                      PbEntity     entity,
                      const char  *key,
                      GError     **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (!pb_entity_get_def (entity)->has_parent && entity != PB_ENTITY_EMPLOYEE, NULL);

  records = query_records (self, entity, "WHERE t.key = ?", key, 0, error);
  return first_or_null (records);
}

/**
 * pb_store_find_employee:
 * @employee_number: (nullable): tried first
 * @email: (nullable): compared case-insensitively (SPEC U1)
 *
 * Returns: (transfer full) (nullable): the employee; %NULL without an error
 *   when there is none
 */
PbRecord *
pb_store_find_employee (PbStore     *self,
                        const char  *employee_number,
                        const char  *email,
                        GError     **error)
{
  if (employee_number != NULL)
    {
      g_autoptr(GPtrArray) records = query_records (self, PB_ENTITY_EMPLOYEE,
                                                    "WHERE t.employee_number = ?",
                                                    employee_number, 0, error);
      if (records == NULL)
        return NULL;
      if (records->len > 0)
        return first_or_null (records);
    }

  if (email != NULL)
    {
      g_autoptr(GPtrArray) records = query_records (self, PB_ENTITY_EMPLOYEE,
                                                    "WHERE lower (t.email) = lower (?)",
                                                    email, 0, error);
      return first_or_null (records);
    }

  return NULL;
}

gint64
pb_store_count (PbStore   *self,
                PbEntity   entity,
                GError   **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", pb_entity_get_def (entity)->plural);
  sqlite3_stmt *stmt = pb_store_prepare (self, sql, error);
  gint64 count = -1;

  if (stmt == NULL)
    return -1;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else
    pb_store_set_error (self, error, _("Could not count records"));
  sqlite3_reset (stmt);

  return count;
}

/* --- the People view's pages ------------------------------------------- */

/* What a search looks in: the names, email and employee number, NFKC
 * normalized and casefolded, so that "ODEGARD" does not find "Ødegård" but
 * "ØDEGÅRD" does. The People view folds the words it looks for the same
 * way. */
char *
pb_store_fold_search_text (const char *text)
{
  g_autofree char *normalized = NULL;

  if (text == NULL)
    return NULL;

  normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  return g_utf8_casefold (normalized != NULL ? normalized : text, -1);
}

/* pb_people_search_key (given, family, email, number) */
static void
people_search_key_func (sqlite3_context  *context,
                        int               argc,
                        sqlite3_value   **argv)
{
  const char *parts[4] = { NULL, };
  g_autofree char *joined = NULL;
  char *folded;

  for (int i = 0; i < argc && i < 4; i++)
    parts[i] = (const char *) sqlite3_value_text (argv[i]);

  joined = g_strjoin ("\n", parts[0] ?: "", parts[1] ?: "", parts[2] ?: "", parts[3] ?: "", NULL);
  folded = pb_store_fold_search_text (joined);
  sqlite3_result_text (context, folded, -1, g_free);
}

/* pb_sort_key (name): the key a name sorts by (migration 14) */
static void
sort_key_func (sqlite3_context  *context,
               int               argc,
               sqlite3_value   **argv)
{
  char *key = pb_sort_key ((const char *) sqlite3_value_text (argv[0]));

  if (key == NULL)
    sqlite3_result_null (context);
  else
    sqlite3_result_text (context, key, -1, g_free);
}

static void
register_people_functions (PbStore *self)
{
  sqlite3_create_function (self->db, "pb_sort_key", 1,
                           SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                           sort_key_func, NULL, NULL);
  sqlite3_create_function (self->db, "pb_people_search_key", 4,
                           SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                           people_search_key_func, NULL, NULL);
}

/* The WHERE of @query over employees aliased "e", with its parameters
 * (strings, bound in order) added to @params. */
static void
people_where (const PbPeopleQuery *query,
              GString             *sql,
              GPtrArray           *params)
{
  static const struct { gsize offset; const char *sql; } refs[] = {
    { G_STRUCT_OFFSET (PbPeopleQuery, company), "e.company_id = (SELECT id FROM companies WHERE key = ?)" },
    { G_STRUCT_OFFSET (PbPeopleQuery, location), "e.location_id = (SELECT id FROM locations WHERE key = ?)" },
    { G_STRUCT_OFFSET (PbPeopleQuery, team), "e.team_id = (SELECT id FROM teams WHERE key = ?)" },
    { G_STRUCT_OFFSET (PbPeopleQuery, status), "e.status = ?" },
  };

  g_string_append (sql, " WHERE 1");
  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    {
      const char *value = G_STRUCT_MEMBER (const char *, query, refs[i].offset);

      if (value == NULL)
        continue;
      g_string_append_printf (sql, " AND %s", refs[i].sql);
      g_ptr_array_add (params, g_strdup (value));
    }

  for (guint i = 0; query->search != NULL && query->search[i] != NULL; i++)
    {
      if (*query->search[i] == '\0')
        continue;
      g_string_append (sql, " AND instr (pb_people_search_key (e.given_name, e.family_name, e.email, "
                            "e.employee_number), ?) > 0");
      g_ptr_array_add (params, pb_store_fold_search_text (query->search[i]));
    }
}

/* The ORDER BY of @query over employees aliased @t: the column, then the
 * register's order (GtkSortListModel's stable sort kept ties so). */
static void
people_order (const PbPeopleQuery *query,
              const char          *t,
              GString             *sql)
{
  const char *dir = query->descending ? " DESC" : "";

  g_string_append (sql, " ORDER BY ");
  switch (query->sort)
    {
    case PB_PEOPLE_SORT_REGISTER:
      g_string_append_printf (sql, "%s.family_sort%s, %s.given_sort%s, ",
                              t, dir, t, dir);
      break;
    case PB_PEOPLE_SORT_EMAIL:
      g_string_append_printf (sql, "%s.email_sort%s, ", t, dir);
      break;
    case PB_PEOPLE_SORT_TEAM:
      g_string_append_printf (sql, "(SELECT name_sort FROM teams WHERE id = %s.team_id)%s, ", t, dir);
      break;
    case PB_PEOPLE_SORT_LOCATION:
      g_string_append_printf (sql, "(SELECT name_sort FROM locations WHERE id = %s.location_id)%s, ",
                              t, dir);
      break;
    case PB_PEOPLE_SORT_COMPANY:
      g_string_append_printf (sql, "(SELECT name_sort FROM companies WHERE id = %s.company_id)%s, ",
                              t, dir);
      break;
    case PB_PEOPLE_SORT_STATUS:
      g_string_append_printf (sql, "%s.status%s, ", t, dir);
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append_printf (sql, "%s.family_sort, %s.given_sort, %s.id", t, t, t);
}

/* The people @query finds, each with its rank from 1:
 * "SELECT e.id AS pid, row_number () OVER (ORDER BY ...) AS n ...". */
static void
people_ranked (const PbPeopleQuery *query,
               GString             *sql,
               GPtrArray           *params)
{
  g_autoptr(GString) order = g_string_new (NULL);

  people_order (query, "e", order);
  g_string_append_printf (sql, "SELECT e.id AS pid, row_number () OVER (%s) AS n FROM employees e", order->str);
  people_where (query, sql, params);
}

static void
bind_params (sqlite3_stmt *stmt,
             GPtrArray    *params)
{
  for (guint i = 0; i < params->len; i++)
    pb_store_bind_text (stmt, i + 1, g_ptr_array_index (params, i));
}

/**
 * pb_store_count_people:
 *
 * Returns: how many employees @query finds, or -1 with @error set
 */
gint64
pb_store_count_people (PbStore              *self,
                       const PbPeopleQuery  *query,
                       GError              **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT count(*) FROM employees e");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  gint64 count = -1;

  g_return_val_if_fail (PB_IS_STORE (self), -1);
  g_return_val_if_fail (query != NULL, -1);

  people_where (query, sql, params);
  stmt = pb_store_prepare (self, sql->str, error);
  if (stmt == NULL)
    return -1;

  bind_params (stmt, params);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  else
    pb_store_set_error (self, error, _("Could not count records"));
  sqlite3_reset (stmt);

  return count;
}

/**
 * pb_store_list_people_page:
 * @offset: the first person's position in what @query finds
 * @limit: at most this many
 *
 * One page of what @query finds, in its order: only the page's rows are
 * read in full. LIMIT and OFFSET let SQLite keep only the best rows of its
 * sort (the first page of 10,000 people in a few milliseconds, where a
 * rank of every row takes tens).
 *
 * Returns: (transfer full) (element-type PbRecord): the employees, or
 *   %NULL with @error set
 */
GPtrArray *
pb_store_list_people_page (PbStore              *self,
                           const PbPeopleQuery  *query,
                           guint                 offset,
                           guint                 limit,
                           GError              **error)
{
  g_autoptr(GString) where = g_string_new ("JOIN (SELECT e.id AS pid FROM employees e");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PB_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  people_where (query, where, params);
  people_order (query, "e", where);
  g_string_append (where, " LIMIT ? OFFSET ?) p ON p.pid = t.id");
  people_order (query, "t", where);
  sql = select_sql (PB_ENTITY_EMPLOYEE, where->str);
  stmt = pb_store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;

  bind_params (stmt, params);
  sqlite3_bind_int64 (stmt, params->len + 1, limit);
  sqlite3_bind_int64 (stmt, params->len + 2, offset);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, record_from_row (PB_ENTITY_EMPLOYEE, stmt));

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (self, error, _("Could not read the HR register"));
      return NULL;
    }

  return g_steal_pointer (&records);
}

/**
 * pb_store_find_person_position:
 *
 * Returns: where @employee_id is in what @query finds (from 0); -1 when
 *   it finds no such person, -2 with @error set
 */
gint64
pb_store_find_person_position (PbStore              *self,
                               const PbPeopleQuery  *query,
                               gint64                employee_id,
                               GError              **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT p.n - 1 FROM (");
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  gint64 position = -1;
  int rc;

  g_return_val_if_fail (PB_IS_STORE (self), -2);
  g_return_val_if_fail (query != NULL, -2);

  people_ranked (query, sql, params);
  g_string_append (sql, ") p WHERE p.pid = ?");
  stmt = pb_store_prepare (self, sql->str, error);
  if (stmt == NULL)
    return -2;

  bind_params (stmt, params);
  sqlite3_bind_int64 (stmt, params->len + 1, employee_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    position = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      pb_store_set_error (self, error, _("Could not read the HR register"));
      position = -2;
    }
  sqlite3_reset (stmt);

  return position;
}

/* --- writes ------------------------------------------------------------- */

static gboolean
require_transaction (PbStore  *self,
                     GError  **error)
{
  if (sqlite3_get_autocommit (self->db))
    {
      g_set_error_literal (error, PB_STORE_ERROR, PB_STORE_ERROR_NO_TRANSACTION,
                           "A write to the HR register must run inside pb_store_begin()");
      return FALSE;
    }

  return TRUE;
}

/* The key of a reference in @ref_ids: employees by lower-case email (as
 * the query compares them; SQLite's lower() is ASCII-only too). */
static char *
ref_cache_key (PbEntity    entity,
               const char *value)
{
  g_autofree char *folded = entity == PB_ENTITY_EMPLOYEE ? g_ascii_strdown (value, -1) : NULL;

  return g_strconcat (pb_entity_get_def (entity)->plural, "\x1f", folded ? folded : value, NULL);
}

static void
remember_ref_id (PbStore    *self,
                 PbEntity    entity,
                 const char *value,
                 gint64      id)
{
  if (sqlite3_get_autocommit (self->db))
    return;
  if (self->ref_ids == NULL)
    self->ref_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->ref_ids, ref_cache_key (entity, value), g_memdup2 (&id, sizeof id));
}

static gboolean
resolve_ref (PbStore           *self,
             const PbFieldDef  *field,
             const char        *value,
             gint64            *id,
             GError           **error)
{
  const PbEntityDef *target = pb_entity_get_def (field->ref);
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt;

  *id = 0;
  if (value == NULL)
    return TRUE;

  /* Asked once per transaction (an import names the same few companies
   * and teams, and each manager, for 100,000 people); @ref_ids is emptied
   * when a write could make an answer wrong. */
  if (self->ref_ids != NULL)
    {
      g_autofree char *cache_key = ref_cache_key (field->ref, value);
      gint64 *cached = g_hash_table_lookup (self->ref_ids, cache_key);

      if (cached != NULL)
        {
          *id = *cached;
          return TRUE;
        }
    }

  if (field->ref == PB_ENTITY_EMPLOYEE)
    sql = g_strdup ("SELECT id FROM employees WHERE lower (email) = lower (?)");
  else
    sql = g_strdup_printf ("SELECT id FROM %s WHERE key = ?", target->plural);

  stmt = pb_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;

  pb_store_bind_text (stmt, 1, value);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    *id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (*id == 0)
    {
      g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT,
                   _("%s: there is no %s “%s” in the HR register"), field->name, target->name, value);
      return FALSE;
    }

  remember_ref_id (self, field->ref, value, *id);
  return TRUE;
}

static gboolean
bind_field (PbStore       *self,
            sqlite3_stmt  *stmt,
            int            index,
            PbRecord      *record,
            guint          field,
            GError       **error)
{
  const PbFieldDef *def = &pb_entity_get_def (pb_record_get_entity (record))->fields[field];
  const char *value = pb_record_get (record, field);

  if (def->type == PB_FIELD_REF)
    {
      gint64 id;

      if (!resolve_ref (self, def, value, &id, error))
        return FALSE;
      if (id == 0)
        sqlite3_bind_null (stmt, index);
      else
        sqlite3_bind_int64 (stmt, index, id);
    }
  else
    pb_store_bind_text (stmt, index, value);

  return TRUE;
}

/* Appends @value as a JSON string exactly as json-glib 1.6's generator
 * writes it (the change log's text stays what it was when json-glib built
 * it): `"` and `\\` escaped, \b \t \n \f \r by name, the other control
 * characters below 0x1f and DEL as \u00xx (json-glib leaves 0x1f as it is),
 * everything else, UTF-8 included, as given. */
static void
append_json_string (GString    *out,
                    const char *value)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        default:
          if (*p < 0x1f || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

/* Writes the JSON object of the fields of @record selected by @mask, as
 * json-glib's generator did (compact: `{"name":"value","other":null}`),
 * without building a json-glib tree per change row. */
char *
pb_store_values_json (PbRecord       *record,
                      const gboolean *mask)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));
  GString *out = g_string_sized_new (256);
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  for (guint i = 0; i < def->n_fields; i++)
    {
      const char *value;

      if (!mask[i])
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      append_json_string (out, def->fields[i].name);
      g_string_append_c (out, ':');
      value = pb_record_get (record, i);
      if (value == NULL)
        g_string_append (out, "null");
      else
        append_json_string (out, value);
    }
  g_string_append_c (out, '}');

  return g_string_free (out, FALSE);
}

/* Now, as g_date_time_format_iso8601() writes it in UTC
 * ("2026-01-02T03:04:05.123456Z", no fraction on a whole second), with
 * the date and time formatted once a second, not once per change row. */
static void
format_now (PbStore *self,
            char    *buf,
            gsize    size)
{
  gint64 now = g_get_real_time ();
  gint64 second = now / G_USEC_PER_SEC;
  int usec = now % G_USEC_PER_SEC;

  if (second != self->at_second || self->at_text[0] == '\0')
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (second);
      g_autofree char *text = g_date_time_format (time, "%Y-%m-%dT%H:%M:%S");

      g_strlcpy (self->at_text, text, sizeof self->at_text);
      self->at_second = second;
    }

  if (usec != 0)
    g_snprintf (buf, size, "%s.%06dZ", self->at_text, usec);
  else
    g_snprintf (buf, size, "%sZ", self->at_text);
}

static gboolean
log_change (PbStore     *self,
            PbRecord    *record,
            PbChangeOp   op,
            const char  *old_values,
            const char  *new_values,
            GError     **error)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));
  char at[48];
  gint64 employee_id = 0;
  sqlite3_stmt *stmt;

  stmt = prepare_kept (self, &self->change_stmt,
                       "INSERT INTO changes (at, entity, record_id, employee_id, op, old_values, new_values) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  if (def->entity == PB_ENTITY_EMPLOYEE)
    employee_id = pb_record_get_id (record);
  else if (def->has_parent)
    employee_id = pb_record_get_parent_id (record);

  format_now (self, at, sizeof at);
  pb_store_bind_text (stmt, 1, at);
  pb_store_bind_text (stmt, 2, def->name);
  sqlite3_bind_int64 (stmt, 3, pb_record_get_id (record));
  if (employee_id != 0)
    sqlite3_bind_int64 (stmt, 4, employee_id);
  pb_store_bind_text (stmt, 5, pb_change_op_to_string (op));
  pb_store_bind_text (stmt, 6, old_values);
  pb_store_bind_text (stmt, 7, new_values);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (self, error, _("Could not record the change"));
    }
  sqlite3_reset (stmt);
  pb_store_note_change (self, PB_STORE_CHANGED_REGISTER);

  return TRUE;
}

/* The names the register sorts by, each with the column of its
 * pb_sort_key(), written with the name (migration 14). */
static const struct {
  PbEntity    entity;
  guint       field;
  const char *column;
} sort_keys[] = {
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_FAMILY_NAME, "family_sort" },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_GIVEN_NAME, "given_sort" },
  { PB_ENTITY_EMPLOYEE, PB_EMPLOYEE_EMAIL, "email_sort" },
  { PB_ENTITY_COMPANY, PB_COMPANY_NAME, "name_sort" },
  { PB_ENTITY_LOCATION, PB_LOCATION_NAME, "name_sort" },
  { PB_ENTITY_TEAM, PB_TEAM_NAME, "name_sort" },
};

/* Binds the sort key of each name of @record that @mask selects (all
 * when %NULL), from @index on, in the order of sort_keys[]; returns the
 * next index. */
static int
bind_sort_keys (sqlite3_stmt   *stmt,
                int             index,
                PbRecord       *record,
                const gboolean *mask)
{
  PbEntity entity = pb_record_get_entity (record);

  for (guint i = 0; i < G_N_ELEMENTS (sort_keys); i++)
    {
      g_autofree char *key = NULL;

      if (sort_keys[i].entity != entity || (mask != NULL && !mask[sort_keys[i].field]))
        continue;
      key = pb_sort_key (pb_record_get (record, sort_keys[i].field));
      sqlite3_bind_text (stmt, index++, key != NULL ? key : "", -1, SQLITE_TRANSIENT);
    }

  return index;
}

static gboolean
insert_record (PbStore   *self,
               PbRecord  *record,
               GError   **error)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));
  g_autofree gboolean *mask = g_new0 (gboolean, def->n_fields);
  g_autofree char *new_values = NULL;
  sqlite3_stmt *stmt = self->insert_stmt[def->entity];
  int index = 1;

  if (stmt == NULL)
    {
      g_autoptr(GString) sql = g_string_new (NULL);

      g_string_append_printf (sql, "INSERT INTO %s (%s", def->plural, def->has_parent ? "employee_id" : "id");
      for (guint i = 0; i < def->n_fields; i++)
        {
          g_autofree char *column = field_column (&def->fields[i]);
          g_string_append_printf (sql, ", %s", column);
        }
      for (guint i = 0; i < G_N_ELEMENTS (sort_keys); i++)
        if (sort_keys[i].entity == def->entity)
          g_string_append_printf (sql, ", %s", sort_keys[i].column);
      g_string_append (sql, ") VALUES (?");
      for (guint i = 0; i < def->n_fields; i++)
        g_string_append (sql, ", ?");
      for (guint i = 0; i < G_N_ELEMENTS (sort_keys); i++)
        if (sort_keys[i].entity == def->entity)
          g_string_append (sql, ", ?");
      g_string_append (sql, ")");
      stmt = prepare_kept (self, &self->insert_stmt[def->entity], sql->str, error);
    }
  else
    stmt = prepare_kept (self, &self->insert_stmt[def->entity], NULL, error);
  if (stmt == NULL)
    return FALSE;

  if (def->has_parent)
    sqlite3_bind_int64 (stmt, index++, pb_record_get_parent_id (record));
  else
    sqlite3_bind_null (stmt, index++);

  for (guint i = 0; i < def->n_fields; i++)
    {
      if (!bind_field (self, stmt, index++, record, i, error))
        return FALSE;
      mask[i] = pb_record_get (record, i) != NULL;
    }
  bind_sort_keys (stmt, index, record, NULL);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_autofree char *name = pb_record_dup_display_name (record);
      sqlite3_reset (stmt);
      return pb_store_set_error (self, error, name);
    }
  sqlite3_reset (stmt);

  pb_record_set_id (record, sqlite3_last_insert_rowid (self->db));
  if (def->entity == PB_ENTITY_EMPLOYEE && pb_record_get (record, PB_EMPLOYEE_EMAIL) != NULL)
    remember_ref_id (self, PB_ENTITY_EMPLOYEE, pb_record_get (record, PB_EMPLOYEE_EMAIL), pb_record_get_id (record));
  new_values = pb_store_values_json (record, mask);

  return log_change (self, record, PB_CHANGE_CREATE, NULL, new_values, error);
}

static gboolean
update_record (PbStore     *self,
               PbRecord    *record,
               PbRecord    *known,
               PbChangeOp  *out_op,
               GError     **error)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));
  g_autoptr(PbRecord) current = NULL;
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autofree gboolean *mask = g_new0 (gboolean, def->n_fields);
  g_autofree char *old_values = NULL;
  g_autofree char *new_values = NULL;
  sqlite3_stmt *stmt;
  guint n_changed = 0;
  int index = 1;

  if (known != NULL)
    current = g_object_ref (known);
  else
    current = pb_store_get (self, def->entity, pb_record_get_id (record), error);
  if (current == NULL)
    return FALSE;

  if (def->has_parent)
    pb_record_set_parent_id (record, pb_record_get_parent_id (current));

  g_string_append_printf (sql, "UPDATE %s SET ", def->plural);
  for (guint i = 0; i < def->n_fields; i++)
    {
      g_autofree char *column = NULL;

      if (pb_record_equal_field (current, record, i))
        continue;
      column = field_column (&def->fields[i]);
      g_string_append_printf (sql, "%s%s = ?", n_changed > 0 ? ", " : "", column);
      mask[i] = TRUE;
      n_changed++;
    }
  for (guint i = 0; n_changed > 0 && i < G_N_ELEMENTS (sort_keys); i++)
    if (sort_keys[i].entity == def->entity && mask[sort_keys[i].field])
      g_string_append_printf (sql, ", %s = ?", sort_keys[i].column);

  if (n_changed == 0)
    {
      *out_op = PB_CHANGE_NONE;
      return TRUE;
    }

  /* A new email: references by email are looked up again. */
  if (def->entity == PB_ENTITY_EMPLOYEE && mask[PB_EMPLOYEE_EMAIL])
    forget_ref_ids (self);

  g_string_append (sql, " WHERE id = ?");

  /* Each set of changed columns gives its own statement text; caching them
   * all is still cheap because imports change few distinct sets. */
  stmt = pb_store_prepare (self, sql->str, error);
  if (stmt == NULL)
    return FALSE;

  for (guint i = 0; i < def->n_fields; i++)
    if (mask[i] && !bind_field (self, stmt, index++, record, i, error))
      return FALSE;
  index = bind_sort_keys (stmt, index, record, mask);
  sqlite3_bind_int64 (stmt, index, pb_record_get_id (record));

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_autofree char *name = pb_record_dup_display_name (record);
      sqlite3_reset (stmt);
      return pb_store_set_error (self, error, name);
    }
  sqlite3_reset (stmt);

  old_values = pb_store_values_json (current, mask);
  new_values = pb_store_values_json (record, mask);
  *out_op = PB_CHANGE_UPDATE;

  return log_change (self, record, PB_CHANGE_UPDATE, old_values, new_values, error);
}

static gboolean
save_record (PbStore     *self,
             PbRecord    *record,
             PbRecord    *known,
             PbChangeOp  *out_op,
             GError     **error)
{
  PbChangeOp op = PB_CHANGE_CREATE;
  gboolean ok;

  if (!require_transaction (self, error))
    return FALSE;

  /* A key may change or go: references are looked up again. */
  if (pb_record_get_entity (record) != PB_ENTITY_EMPLOYEE &&
      !pb_entity_get_def (pb_record_get_entity (record))->has_parent)
    forget_ref_ids (self);

  if (pb_record_get_id (record) == 0)
    ok = insert_record (self, record, error);
  else
    ok = update_record (self, record, known, &op, error);

  if (ok && out_op != NULL)
    *out_op = op;

  return ok;
}

/**
 * pb_store_save:
 * @record: a new record (id 0; it gets its id) or a changed stored one
 * @out_op: (out) (optional): what was written: create, update, or none
 *   when nothing differed
 *
 * Writes @record and, in the same transaction, a change row holding the
 * fields that differ. References (company, team, manager_email...) must name
 * existing records. Must be called between pb_store_begin() and
 * pb_store_commit().
 */
gboolean
pb_store_save (PbStore     *self,
               PbRecord    *record,
               PbChangeOp  *out_op,
               GError     **error)
{
  g_return_val_if_fail (PB_IS_STORE (self), FALSE);
  g_return_val_if_fail (PB_IS_RECORD (record), FALSE);

  return save_record (self, record, NULL, out_op, error);
}

/**
 * pb_store_save_over:
 * @stored: (nullable): the record as the register holds it now (read in
 *   this transaction, unchanged since), or %NULL to read it
 *
 * pb_store_save() for a caller that has just read the stored record (the
 * import, which reads the register once): an update compares with
 * @stored instead of reading the row again. Only for a record whose
 * stored row, references included, is exactly @stored.
 */
gboolean
pb_store_save_over (PbStore     *self,
                    PbRecord    *record,
                    PbRecord    *stored,
                    PbChangeOp  *out_op,
                    GError     **error)
{
  g_return_val_if_fail (PB_IS_STORE (self), FALSE);
  g_return_val_if_fail (PB_IS_RECORD (record), FALSE);
  g_return_val_if_fail (stored == NULL || pb_record_get_id (stored) == pb_record_get_id (record), FALSE);

  return save_record (self, record, stored, out_op, error);
}

/**
 * pb_store_delete:
 *
 * Deletes a stored record and logs it. Employees are never deleted from
 * the register (their status becomes `deleted`, SPEC U10), so this refuses
 * them; companies, locations and teams still in use are refused too.
 */
gboolean
pb_store_delete (PbStore   *self,
                 PbRecord  *record,
                 GError   **error)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));
  g_autoptr(PbRecord) current = NULL;
  g_autofree gboolean *mask = g_new0 (gboolean, def->n_fields);
  g_autofree char *sql = NULL;
  g_autofree char *old_values = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (def->entity != PB_ENTITY_EMPLOYEE, FALSE);

  if (!require_transaction (self, error))
    return FALSE;

  if (!def->has_parent)
    forget_ref_ids (self);

  current = pb_store_get (self, def->entity, pb_record_get_id (record), error);
  if (current == NULL)
    return FALSE;

  sql = g_strdup_printf ("DELETE FROM %s WHERE id = ?", def->plural);
  stmt = pb_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, pb_record_get_id (record));
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_autofree char *name = pb_record_dup_display_name (current);
      sqlite3_reset (stmt);
      return pb_store_set_error (self, error, name);
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < def->n_fields; i++)
    mask[i] = pb_record_get (current, i) != NULL;
  old_values = pb_store_values_json (current, mask);

  return log_change (self, current, PB_CHANGE_DELETE, old_values, NULL, error);
}

/* --- the change log ----------------------------------------------------- */

void
pb_change_free (PbChange *change)
{
  if (change == NULL)
    return;

  g_free (change->at);
  g_free (change->old_values);
  g_free (change->new_values);
  g_free (change);
}

const char *
pb_change_op_to_string (PbChangeOp op)
{
  switch (op)
    {
    case PB_CHANGE_CREATE:
      return "create";
    case PB_CHANGE_UPDATE:
      return "update";
    case PB_CHANGE_DELETE:
      return "delete";
    case PB_CHANGE_NONE:
    default:
      return "none";
    }
}

static PbChangeOp
change_op_from_string (const char *op)
{
  if (g_strcmp0 (op, "create") == 0)
    return PB_CHANGE_CREATE;
  if (g_strcmp0 (op, "update") == 0)
    return PB_CHANGE_UPDATE;
  if (g_strcmp0 (op, "delete") == 0)
    return PB_CHANGE_DELETE;
  return PB_CHANGE_NONE;
}

/**
 * pb_store_list_changes:
 * @after_id: only changes with a larger id
 *
 * Returns: (transfer full) (element-type PbChange): committed changes in order
 */
GPtrArray *
pb_store_list_changes (PbStore   *self,
                       gint64     after_id,
                       GError   **error)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_change_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = pb_store_prepare (self,
                  "SELECT id, at, entity, record_id, employee_id, op, old_values, new_values "
                  "FROM changes WHERE id > ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, after_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PbChange *change = g_new0 (PbChange, 1);

      change->id = sqlite3_column_int64 (stmt, 0);
      change->at = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      pb_entity_from_name ((const char *) sqlite3_column_text (stmt, 2), &change->entity);
      change->record_id = sqlite3_column_int64 (stmt, 3);
      change->employee_id = sqlite3_column_int64 (stmt, 4);
      change->op = change_op_from_string ((const char *) sqlite3_column_text (stmt, 5));
      change->old_values = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      change->new_values = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      g_ptr_array_add (changes, change);
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (self, error, _("Could not read the change log"));
      return NULL;
    }

  return g_steal_pointer (&changes);
}

/* --- connections ------------------------------------------------------------ */

static const char * const scope_kind_names[] = { "all", "team", "location", "company" };

#define CONNECTION_COLUMNS \
  "id, name, system, scope_kind, scope_key, sync_types, base_url, auth_url, token_url, tenant_id, " \
  "client_id, state, remote_company, remote_currency, created_at, activated_at"

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static PbConnection *
connection_from_row (PbStore      *self,
                     sqlite3_stmt *stmt)
{
  PbConnection *connection = pb_connection_new ();
  const char *scope_kind = (const char *) sqlite3_column_text (stmt, 3);

  connection->id = sqlite3_column_int64 (stmt, 0);
  connection->name = column_dup (stmt, 1);
  connection->system = column_dup (stmt, 2);
  for (guint i = 0; i < G_N_ELEMENTS (scope_kind_names); i++)
    if (g_strcmp0 (scope_kind, scope_kind_names[i]) == 0)
      connection->scope_kind = i;
  connection->scope_key = column_dup (stmt, 4);
  connection->sync_types = sqlite3_column_int (stmt, 5);
  connection->base_url = column_dup (stmt, 6);
  connection->auth_url = column_dup (stmt, 7);
  connection->token_url = column_dup (stmt, 8);
  connection->tenant_id = column_dup (stmt, 9);
  connection->client_id = column_dup (stmt, 10);
  pb_connection_state_from_string ((const char *) sqlite3_column_text (stmt, 11), &connection->state);
  connection->remote_company = column_dup (stmt, 12);
  connection->remote_currency = column_dup (stmt, 13);
  connection->created_at = column_dup (stmt, 14);
  connection->activated_at = column_dup (stmt, 15);
  connection->register_id = g_strdup (self->register_id);

  return connection;
}

static GPtrArray *
query_connections (PbStore     *self,
                   const char  *where,
                   const char  *arg,
                   GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT " CONNECTION_COLUMNS " FROM connections %s", where);
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = pb_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;

  if (arg != NULL)
    pb_store_bind_text (stmt, 1, arg);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (connections, connection_from_row (self, stmt));
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      pb_store_set_error (self, error, _("Could not read the connections"));
      return NULL;
    }

  return g_steal_pointer (&connections);
}

/**
 * pb_store_list_connections:
 *
 * Returns: (transfer full) (element-type PbConnection): by name
 */
GPtrArray *
pb_store_list_connections (PbStore  *self,
                           GError  **error)
{
  return query_connections (self, "ORDER BY name COLLATE NOCASE", NULL, error);
}

/**
 * pb_store_find_connection:
 *
 * Returns: (transfer full) (nullable): the connection called @name; %NULL
 *   without an error when there is none
 */
PbConnection *
pb_store_find_connection (PbStore     *self,
                          const char  *name,
                          GError     **error)
{
  g_autoptr(GPtrArray) found = query_connections (self, "WHERE name = ?", name, error);

  if (found == NULL || found->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (found, 0));
}

static gboolean save_connection (PbStore       *self,
                                 PbConnection  *connection,
                                 GError       **error);

/**
 * pb_store_save_connection:
 *
 * Inserts @connection (id 0; it gets its id and creation time) or updates
 * it. A team, location or company scope must name one in the register.
 */
gboolean
pb_store_save_connection (PbStore       *self,
                          PbConnection  *connection,
                          GError       **error)
{
  gboolean own_transaction = sqlite3_get_autocommit (self->db);

  /* The connection and the activation of its data types change together. */
  if (own_transaction && !pb_store_begin (self, error))
    return FALSE;
  if (!save_connection (self, connection, error) ||
      !pb_store_update_type_activation (self, connection->id,
                                        connection->activated_at != NULL ||
                                        connection->state == PB_CONNECTION_ACTIVE,
                                        connection->sync_types, error) ||
      (own_transaction && !pb_store_commit (self, error)))
    {
      if (own_transaction)
        pb_store_rollback (self);
      return FALSE;
    }

  return TRUE;
}

static gboolean
save_connection (PbStore       *self,
                 PbConnection  *connection,
                 GError       **error)
{
  sqlite3_stmt *stmt;
  int index = 1;

  if (connection->scope_kind != PB_SCOPE_ALL)
    {
      static const PbEntity scope_entities[] = { 0, PB_ENTITY_TEAM, PB_ENTITY_LOCATION, PB_ENTITY_COMPANY };
      PbEntity entity = scope_entities[connection->scope_kind];
      g_autoptr(PbRecord) target = pb_store_find_by_key (self, entity, connection->scope_key, NULL);

      if (target == NULL)
        {
          g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT,
                       _("There is no %s “%s” in the HR register"),
                       pb_entity_get_def (entity)->name, connection->scope_key);
          return FALSE;
        }
    }

  if (connection->id == 0)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      g_free (connection->created_at);
      connection->created_at = g_date_time_format_iso8601 (now);
      stmt = pb_store_prepare (self,
                      "INSERT INTO connections (name, system, scope_kind, scope_key, sync_types, base_url, "
                      "auth_url, token_url, tenant_id, client_id, state, remote_company, remote_currency, "
                      "created_at, activated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
    }
  else
    stmt = pb_store_prepare (self,
                    "UPDATE connections SET name = ?, system = ?, scope_kind = ?, scope_key = ?, sync_types = ?, "
                    "base_url = ?, auth_url = ?, token_url = ?, tenant_id = ?, client_id = ?, state = ?, "
                    "remote_company = ?, remote_currency = ?, created_at = ?, activated_at = ? WHERE id = ?",
                    error);
  if (stmt == NULL)
    return FALSE;

  pb_store_bind_text (stmt, index++, connection->name);
  pb_store_bind_text (stmt, index++, connection->system);
  pb_store_bind_text (stmt, index++, scope_kind_names[connection->scope_kind]);
  pb_store_bind_text (stmt, index++, connection->scope_kind == PB_SCOPE_ALL ? NULL : connection->scope_key);
  sqlite3_bind_int (stmt, index++, connection->sync_types);
  pb_store_bind_text (stmt, index++, connection->base_url);
  pb_store_bind_text (stmt, index++, connection->auth_url);
  pb_store_bind_text (stmt, index++, connection->token_url);
  pb_store_bind_text (stmt, index++, connection->tenant_id);
  pb_store_bind_text (stmt, index++, connection->client_id);
  pb_store_bind_text (stmt, index++, pb_connection_state_to_string (connection->state));
  pb_store_bind_text (stmt, index++, connection->remote_company);
  pb_store_bind_text (stmt, index++, connection->remote_currency);
  pb_store_bind_text (stmt, index++, connection->created_at);
  pb_store_bind_text (stmt, index++, connection->activated_at);
  if (connection->id != 0)
    sqlite3_bind_int64 (stmt, index++, connection->id);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      if ((sqlite3_extended_errcode (self->db) & 0xff) == SQLITE_CONSTRAINT)
        {
          g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT,
                       _("There is already a connection called “%s”"), connection->name);
          return FALSE;
        }
      return pb_store_set_error (self, error, connection->name);
    }
  sqlite3_reset (stmt);

  if (connection->id == 0)
    connection->id = sqlite3_last_insert_rowid (self->db);
  if (connection->register_id == NULL)
    connection->register_id = g_strdup (self->register_id);
  pb_store_note_change (self, PB_STORE_CHANGED_CONNECTIONS);

  return TRUE;
}

gboolean
pb_store_delete_connection (PbStore       *self,
                            PbConnection  *connection,
                            GError       **error)
{
  sqlite3_stmt *stmt = pb_store_prepare (self, "DELETE FROM connections WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, connection->id);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return pb_store_set_error (self, error, connection->name);
    }
  sqlite3_reset (stmt);
  pb_store_note_change (self, PB_STORE_CHANGED_CONNECTIONS);

  return TRUE;
}
