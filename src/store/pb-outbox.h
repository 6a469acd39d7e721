/* pb-outbox.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-store.h"

G_BEGIN_DECLS

/* The outbox of a connection and its error log (SPEC U7, U11, C7, R3). */

typedef struct
{
  gint64    id;
  PbEntity  entity;
  gint64    record_id;
  gint64    employee_id;
  gint64    change_id;
  guint     attempts;
} PbOutboxEntry;

typedef struct
{
  gint64  id;
  char   *at;
  char   *who;             /* the person, as the administrator knows them */
  char   *what;            /* "Update the employee", "Create the employee" */
  char   *message;         /* what went wrong, in our words */
  char   *system_message;  /* (nullable) what the payroll system said */
  char   *request_id;      /* (nullable) for the system's support */
  char   *advice;          /* (nullable) what to do */
  gint64  employee_id;
} PbErrorEntry;

void        pb_error_entry_free         (PbErrorEntry *entry);

gint64      pb_store_max_change_id      (PbStore      *store);
gint64      pb_store_get_outbox_cursor  (PbStore      *store,
                                         gint64        connection_id);
gboolean    pb_store_set_outbox_cursor  (PbStore      *store,
                                         gint64        connection_id,
                                         gint64        change_id,
                                         GError      **error);
gboolean    pb_store_enqueue            (PbStore      *store,
                                         gint64        connection_id,
                                         PbEntity      entity,
                                         gint64        record_id,
                                         gint64        employee_id,
                                         gint64        change_id,
                                         GError      **error);
GArray     *pb_store_list_outbox        (PbStore      *store,
                                         gint64        connection_id,
                                         GError      **error);
gboolean    pb_store_finish_outbox      (PbStore      *store,
                                         gint64        entry_id,
                                         gboolean      done,
                                         gboolean      give_up,
                                         GError      **error);
gboolean    pb_store_add_error          (PbStore      *store,
                                         gint64        connection_id,
                                         PbErrorEntry *entry,
                                         GError      **error);
GPtrArray  *pb_store_list_errors        (PbStore      *store,
                                         gint64        connection_id,
                                         GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbErrorEntry, pb_error_entry_free)

G_END_DECLS
