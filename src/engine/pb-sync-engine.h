/* pb-sync-engine.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-connection.h"
#include "pb-outbox.h"
#include "pb-provider.h"

G_BEGIN_DECLS

/* Real-time sync (SPEC U7, U9-U11, P1-P5, S1-S6, C5-C7, R1-R3): HR changes
 * after each data type's activation go through the connection's durable
 * outbox to the payroll system. */

typedef struct
{
  guint     sent;        /* payroll took them */
  guint     unchanged;   /* nothing to send: a rule said so (a position Tripletex
                          * keeps, a person deactivated in HR) */
  guint     attention;   /* refused in this push: in the error log, sent again
                          * when the record changes or on retry */
  guint     waiting;     /* still pending after the push: sent at the next */
  guint     held;        /* held: their data type is off (C6) */
  guint     rejected;    /* absences rejected in HR in this push (A7); their
                          * error entries: pb_sync_engine_push_dup_rejections() */
  gboolean  busy;        /* another process is sending this outbox: nothing sent */
  gboolean  stopped;     /* payroll out of reach or refusing the credentials */
  gboolean  retry;       /* something met a failure that may pass: push again
                          * later (what waits only for another entry does not
                          * need that) */
} PbPushResult;

/* Which HR changes a push takes (pb_take_rule_takes()): the one rule the
 * enqueue and PbSyncState ("waiting to be sent") both apply. */
typedef struct _PbTakeRule PbTakeRule;

/* The person @employee_id as the register holds them now, or NULL when
 * deleted; (transfer none): the caller keeps them. */
typedef PbRecord *(*PbTakePersonFunc) (gint64   employee_id,
                                       gpointer user_data);

PbTakeRule  *pb_take_rule_new        (PbStore             *store,
                                      PbConnection        *connection);
void         pb_take_rule_free       (PbTakeRule          *rule);
gboolean     pb_take_rule_any        (const PbTakeRule    *rule);
gboolean     pb_take_rule_takes      (const PbTakeRule    *rule,
                                      const PbChange      *change,
                                      PbTakePersonFunc     get_person,
                                      gpointer             user_data);
PbDataTypes  pb_take_rule_type_of    (PbEntity             entity);
gint64       pb_take_rule_person_of  (const PbChange      *change);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbTakeRule, pb_take_rule_free)

gboolean pb_sync_engine_activate     (PbStore             *store,
                                      PbConnection        *connection,
                                      GError             **error);
int      pb_sync_engine_enqueue      (PbStore             *store,
                                      PbConnection        *connection,
                                      GError             **error);
void     pb_sync_engine_enqueue_async (PbStore            *store,
                                      PbConnection        *connection,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
int      pb_sync_engine_enqueue_finish (GAsyncResult      *result,
                                      guint               *pending,
                                      GError             **error);
void     pb_sync_engine_push_async   (PbStore             *store,
                                      PbConnection        *connection,
                                      PbProvider          *provider,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean pb_sync_engine_push_finish  (GAsyncResult        *result,
                                      PbPushResult        *out,
                                      GError             **error);
GArray  *pb_sync_engine_push_dup_rejections (GAsyncResult *result);
gboolean pb_sync_engine_record_error (PbStore             *store,
                                      PbConnection        *connection,
                                      PbRecord            *person,
                                      const char          *what,
                                      const GError        *failure,
                                      GError             **error);
const char *pb_sync_engine_advice    (const GError        *failure);

G_END_DECLS
