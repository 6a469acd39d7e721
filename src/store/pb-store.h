/* pb-store.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pb-record.h"

G_BEGIN_DECLS

#define PB_STORE_ERROR (pb_store_error_quark ())

typedef enum
{
  PB_STORE_ERROR_FAILED,
  PB_STORE_ERROR_TOO_NEW,        /* the file has a newer schema than this build knows */
  PB_STORE_ERROR_IO,             /* cannot create or open the folder or file */
  PB_STORE_ERROR_NOT_FOUND,      /* no such record */
  PB_STORE_ERROR_CONSTRAINT,     /* a write breaks a rule of the register */
  PB_STORE_ERROR_NO_TRANSACTION, /* a write outside pb_store_begin()/commit() */
  PB_STORE_ERROR_BUSY,           /* another connection held the write lock longer than the busy timeout */
} PbStoreError;

typedef enum
{
  PB_CHANGE_NONE,
  PB_CHANGE_CREATE,
  PB_CHANGE_UPDATE,
  PB_CHANGE_DELETE,
} PbChangeOp;

/* One committed change of the HR register, as the engine's outbox reads it.
 * @old_values and @new_values are JSON objects holding only the fields that
 * changed (all set fields for a create or a delete). */
typedef struct
{
  gint64      id;
  char       *at;            /* ISO 8601, UTC */
  PbEntity    entity;
  gint64      record_id;
  gint64      employee_id;   /* the employee the record is or belongs to; 0 for others */
  PbChangeOp  op;
  char       *old_values;    /* (nullable) JSON object */
  char       *new_values;    /* (nullable) JSON object */
} PbChange;

/* What a committed write changed, as PbStore::changed reports it. */
typedef enum
{
  PB_STORE_CHANGED_REGISTER    = 1 << 0,  /* HR records: new rows in the change log */
  PB_STORE_CHANGED_CONNECTIONS = 1 << 1,  /* connections added, edited or removed */
  PB_STORE_CHANGED_MAPPINGS    = 1 << 2,  /* absence-type mappings or the payroll types read */
} PbStoreChangedFlags;

void        pb_change_free        (PbChange *change);
const char *pb_change_op_to_string (PbChangeOp op);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbChange, pb_change_free)

#define PB_TYPE_STORE (pb_store_get_type ())

G_DECLARE_FINAL_TYPE (PbStore, pb_store, PB, STORE, GObject)

GQuark      pb_store_error_quark      (void);
char       *pb_store_default_dir      (void);
guint       pb_store_schema_version   (void);

PbStore    *pb_store_open             (const char  *data_dir,
                                       GError     **error);
PbStore    *pb_store_open_another     (PbStore     *self,
                                       GError     **error);
const char *pb_store_get_path         (PbStore     *self);
void        pb_store_set_busy_timeout (PbStore     *self,
                                       guint        ms);
const char *pb_store_get_register_id  (PbStore     *self);

gboolean    pb_store_begin            (PbStore     *self,
                                       GError     **error);
gboolean    pb_store_commit           (PbStore     *self,
                                       GError     **error);
void        pb_store_rollback         (PbStore     *self);

GPtrArray  *pb_store_list             (PbStore     *self,
                                       PbEntity     entity,
                                       gint64       parent_id,
                                       GError     **error);
GHashTable *pb_store_index_by_id      (PbStore     *self,
                                       PbEntity     entity,
                                       GError     **error);
PbRecord   *pb_store_get              (PbStore     *self,
                                       PbEntity     entity,
                                       gint64       id,
                                       GError     **error);
PbRecord   *pb_store_find_by_key      (PbStore     *self,
                                       PbEntity     entity,
                                       const char  *key,
                                       GError     **error);
PbRecord   *pb_store_find_employee    (PbStore     *self,
                                       const char  *employee_number,
                                       const char  *email,
                                       GError     **error);
gint64      pb_store_count            (PbStore     *self,
                                       PbEntity     entity,
                                       GError     **error);
gboolean    pb_store_save             (PbStore     *self,
                                       PbRecord    *record,
                                       PbChangeOp  *out_op,
                                       GError     **error);
gboolean    pb_store_delete           (PbStore     *self,
                                       PbRecord    *record,
                                       GError     **error);
GPtrArray  *pb_store_list_changes     (PbStore     *self,
                                       gint64       after_id,
                                       GError     **error);

/* The People view's list, read a page at a time (pb_store_count_people(),
 * pb_store_list_people_page()). */
typedef enum
{
  PB_PEOPLE_SORT_REGISTER,   /* family name, given name: pb_store_list()'s order */
  PB_PEOPLE_SORT_EMAIL,
  PB_PEOPLE_SORT_TEAM,       /* by the name of the team */
  PB_PEOPLE_SORT_LOCATION,   /* by the name of the location */
  PB_PEOPLE_SORT_COMPANY,    /* by the name of the company */
  PB_PEOPLE_SORT_STATUS,     /* active, deactivated, deleted */
} PbPeopleSort;

typedef struct
{
  const char * const *search;      /* (nullable): words, each found in the names, email or
                                    * employee number (Unicode case-insensitive) */
  const char         *company;     /* (nullable): only the company with this key */
  const char         *location;    /* (nullable): only the location with this key */
  const char         *team;        /* (nullable): only the team with this key */
  const char         *status;      /* (nullable): only people of this status */
  PbPeopleSort        sort;
  gboolean            descending;  /* ties stay in the register's order either way */
} PbPeopleQuery;

#define PB_PEOPLE_QUERY_INIT { NULL, NULL, NULL, NULL, NULL, PB_PEOPLE_SORT_REGISTER, FALSE }

char       *pb_store_fold_search_text     (const char           *text);
gint64      pb_store_count_people         (PbStore              *self,
                                           const PbPeopleQuery  *query,
                                           GError              **error);
GPtrArray  *pb_store_list_people_page     (PbStore              *self,
                                           const PbPeopleQuery  *query,
                                           guint                 offset,
                                           guint                 limit,
                                           GError              **error);
gint64      pb_store_find_person_position (PbStore              *self,
                                           const PbPeopleQuery  *query,
                                           gint64                employee_id,
                                           GError              **error);

typedef struct _PbConnection PbConnection;

GPtrArray    *pb_store_list_connections  (PbStore       *self,
                                          GError       **error);
PbConnection *pb_store_find_connection   (PbStore       *self,
                                          const char    *name,
                                          GError       **error);
gboolean      pb_store_save_connection   (PbStore       *self,
                                          PbConnection  *connection,
                                          GError       **error);
gboolean      pb_store_delete_connection (PbStore       *self,
                                          PbConnection  *connection,
                                          GError       **error);

G_END_DECLS
