/* pb-outbox.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-store.h"

G_BEGIN_DECLS

/* The outbox of a connection, its per-type activation, its drain lease
 * and its error log (SPEC U7, U11, C5-C7, R1-R3). */

/* An entry leaves the outbox only when payroll took it (DONE), a newer
 * entry of the same record replaced it (SUPERSEDED) or the administrator
 * discarded it (DISCARDED); until then it is PENDING, needs ATTENTION or
 * is HELD. */
typedef enum
{
  PB_OUTBOX_PENDING,     /* to send at the next push */
  PB_OUTBOX_ATTENTION,   /* payroll refused it, or a rule did: sent again when
                          * the record changes or the administrator retries */
  PB_OUTBOX_HELD,        /* its data type is off for the connection (C6) */
  PB_OUTBOX_DONE,
  PB_OUTBOX_SUPERSEDED,
  PB_OUTBOX_DISCARDED,
} PbOutboxState;

typedef struct
{
  gint64         id;
  PbEntity       entity;
  gint64         record_id;
  gint64         employee_id;
  gint64         change_id;     /* the newest change it carries */
  guint          attempts;
  PbOutboxState  state;
  char           created_at[40];  /* ISO 8601, UTC: when it came into the outbox
                                   * (a value, so that entries copy as they are) */
} PbOutboxEntry;

typedef enum
{
  PB_ERROR_OPEN,
  PB_ERROR_RESOLVED,    /* the change went through after all */
  PB_ERROR_DISMISSED,   /* the administrator set it aside */
} PbErrorState;

typedef struct
{
  gint64        id;
  char         *at;              /* first seen */
  char         *last_at;         /* last seen */
  guint         count;           /* how many tries met this problem */
  PbErrorState  state;
  char         *resolved_at;     /* (nullable) */
  PbEntity      entity;          /* PB_N_ENTITIES: about the connection itself */
  gint64        record_id;       /* 0 with PB_N_ENTITIES */
  char         *who;             /* the person, as the administrator knows them */
  char         *what;            /* "Update the employee", "Create the employee" */
  char         *message;         /* what went wrong, in our words */
  char         *system_message;  /* (nullable) what the payroll system said */
  char         *request_id;      /* (nullable) for the system's support */
  char         *advice;          /* (nullable) what to do */
  gint64        employee_id;
  gint64        connection_id;   /* whose log it is in */
} PbErrorEntry;

/* What the Error Log view shows: a filter over the error log of every
 * connection or one, newest first (by when last seen). */
typedef struct
{
  gint64        connection_id;   /* 0: every connection */
  int           state;           /* a PbErrorState, or -1 for any */
  int           entity;          /* a PbEntity, PB_N_ENTITIES for the connection
                                  * itself, or -1 for any */
  const char   *search;          /* (nullable) in who, what, message or
                                  * system_message, case-insensitive */
} PbErrorQuery;

#define PB_ERROR_QUERY_INIT { 0, -1, -1, NULL }

const char *pb_outbox_state_to_string  (PbOutboxState  state);
const char *pb_error_state_to_string   (PbErrorState   state);
void        pb_error_entry_free        (PbErrorEntry  *entry);

gint64      pb_store_max_change_id      (PbStore      *store);
gint64      pb_store_get_outbox_cursor  (PbStore      *store,
                                         gint64        connection_id);
gboolean    pb_store_set_outbox_cursor  (PbStore      *store,
                                         gint64        connection_id,
                                         gint64        change_id,
                                         GError      **error);

/* --- per-type activation (SPEC C5, C6) --------------------------------------- */

gboolean    pb_store_get_type_activation (PbStore     *store,
                                          gint64       connection_id,
                                          PbDataTypes  type,
                                          gint64      *activated_change,
                                          char       **activated_at);

/* --- entries --------------------------------------------------------------------- */

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
GArray     *pb_store_list_outbox_open   (PbStore      *store,
                                         gint64        connection_id,
                                         GError      **error);
gboolean    pb_store_outbox_has_open    (PbStore      *store,
                                         gint64        connection_id,
                                         PbEntity      entity,
                                         gint64        record_id);
char       *pb_store_outbox_sent_at     (PbStore      *store,
                                         gint64        connection_id,
                                         PbEntity      entity,
                                         gint64        record_id);
gint64      pb_store_count_outbox       (PbStore      *store,
                                         gint64        connection_id,
                                         PbOutboxState state);
gboolean    pb_store_outbox_done        (PbStore      *store,
                                         const PbOutboxEntry *entry,
                                         gboolean      resolve,
                                         gboolean     *still_pending,
                                         GError      **error);
gboolean    pb_store_outbox_tried       (PbStore      *store,
                                         const PbOutboxEntry *entry,
                                         GError      **error);
gboolean    pb_store_outbox_park        (PbStore      *store,
                                         const PbOutboxEntry *entry,
                                         GError      **error);
gint64      pb_store_outbox_retry       (PbStore      *store,
                                         gint64        connection_id,
                                         gint64        entry_id,
                                         GError      **error);
gboolean    pb_store_outbox_discard     (PbStore      *store,
                                         gint64        connection_id,
                                         gint64        entry_id,
                                         GError      **error);

/* --- the drain lease (one process at a time per connection) ------------------- */

char       *pb_store_new_lease_holder   (void);
gboolean    pb_store_take_lease         (PbStore      *store,
                                         gint64        connection_id,
                                         const char   *holder,
                                         guint         seconds,
                                         gboolean     *taken,
                                         GError      **error);
void        pb_store_release_lease      (PbStore      *store,
                                         gint64        connection_id,
                                         const char   *holder);

/* --- the error log (SPEC C7): one entry per problem ------------------------------ */

gboolean    pb_store_add_error          (PbStore      *store,
                                         gint64        connection_id,
                                         PbErrorEntry *entry,
                                         GError      **error);
gboolean    pb_store_resolve_errors     (PbStore      *store,
                                         gint64        connection_id,
                                         PbEntity      entity,
                                         gint64        record_id,
                                         GError      **error);
gboolean    pb_store_dismiss_error      (PbStore      *store,
                                         gint64        connection_id,
                                         gint64        error_id,
                                         GError      **error);
gint64      pb_store_count_open_errors  (PbStore      *store,
                                         gint64        connection_id);
GPtrArray  *pb_store_list_errors        (PbStore      *store,
                                         gint64        connection_id,
                                         GError      **error);
PbErrorEntry *pb_store_get_error        (PbStore      *store,
                                         gint64        connection_id,
                                         gint64        id,
                                         GError      **error);

/* --- rejected absences (SPEC A7) ------------------------------------------------- */

gboolean    pb_store_resend_absence     (PbStore      *store,
                                         gint64        absence_id,
                                         GError      **error);

gint64      pb_store_count_errors       (PbStore            *store,
                                         const PbErrorQuery *query,
                                         GError            **error);
GPtrArray  *pb_store_list_errors_page   (PbStore            *store,
                                         const PbErrorQuery *query,
                                         guint               offset,
                                         guint               limit,
                                         GError            **error);
gint64      pb_store_outbox_retry_record (PbStore     *store,
                                          gint64       connection_id,
                                          PbEntity     entity,
                                          gint64       record_id,
                                          GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbErrorEntry, pb_error_entry_free)

G_END_DECLS
