/* pb-sync-state.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-connection.h"
#include "pb-store.h"

G_BEGIN_DECLS

/* What a connection's payroll system knows of one record of the HR
 * register: the one answer paybridge-cli person show and the People
 * view's person pane both give, each in its own words. */
typedef enum
{
  PB_SYNC_SENT,        /* linked: payroll has it as the register last sent it */
  PB_SYNC_PENDING,     /* changed since: goes at the next push (U7) */
  PB_SYNC_ATTENTION,   /* refused by payroll or a rule (C7, A7): goes again when
                        * it changes or is retried */
  PB_SYNC_HELD,        /* in the outbox, but its data type is off (C6) */
  PB_SYNC_OFF,         /* the connection does not sync its data type */
  PB_SYNC_NOT_SENT,    /* never sent, and nothing of it waits (C5) */
} PbSyncState;

typedef struct
{
  PbSyncState  state;
  gboolean     queued;      /* PENDING: its entry is in the outbox (else a
                             * change the next push puts there) */
  char        *remote_id;   /* (nullable) payroll's id of it, when linked */
  char        *remote_key;  /* (nullable) the link's key (an absence's "id:type") */
  char        *reason;      /* (nullable) why it needs attention or is held */
  char        *since;       /* (nullable) when its entry came into the outbox */
  char        *sent_at;     /* (nullable) SENT: when payroll took it last */
} PbSyncInfo;

/* The connection's outbox, change log and error log as they touch one
 * person, read once for the person and all their records. */
typedef struct _PbSyncView PbSyncView;

const char *pb_sync_state_to_string (PbSyncState    state);
void        pb_sync_info_clear      (PbSyncInfo    *info);

PbSyncView *pb_sync_view_new        (PbStore       *store,
                                     PbConnection  *connection,
                                     gint64         employee_id,
                                     GError       **error);
void        pb_sync_view_free       (PbSyncView    *view);
void        pb_sync_view_get        (PbSyncView    *view,
                                     PbEntity       entity,
                                     gint64         record_id,
                                     PbSyncInfo    *info);

gboolean    pb_sync_state_get       (PbStore       *store,
                                     PbConnection  *connection,
                                     PbEntity       entity,
                                     gint64         record_id,
                                     PbSyncInfo    *info,
                                     GError       **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PbSyncInfo, pb_sync_info_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbSyncView, pb_sync_view_free)

G_END_DECLS
