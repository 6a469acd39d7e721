/* pb-secrets.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PB_SECRETS_ERROR (pb_secrets_error_quark ())

typedef enum
{
  PB_SECRETS_ERROR_UNAVAILABLE,   /* no keyring service, or it did not answer */
  PB_SECRETS_ERROR_LOCKED,        /* the keyring is locked and was not unlocked */
  PB_SECRETS_ERROR_MISSING,       /* no secret stored for this connection and kind */
} PbSecretsError;

/* Secrets live in the system keyring (Secret Service, through libsecret)
 * and nowhere else (SPEC C2): schema io.github.paybridge.Paybridge.Secret,
 * attributes `connection` (the connection's id) and `kind`
 * ("consumer-token", "employee-token", "refresh-token"...). All calls are
 * asynchronous and give up after a timeout instead of hanging on a prompt
 * nobody sees. */

GQuark      pb_secrets_error_quark      (void);

void        pb_secrets_store_async      (gint64               connection_id,
                                         const char          *kind,
                                         const char          *label,
                                         const char          *secret,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    pb_secrets_store_finish     (GAsyncResult        *result,
                                         GError             **error);

void        pb_secrets_lookup_async     (gint64               connection_id,
                                         const char * const  *kinds,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GHashTable *pb_secrets_lookup_finish    (GAsyncResult        *result,
                                         GError             **error);

void        pb_secrets_clear_async      (gint64               connection_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    pb_secrets_clear_finish     (GAsyncResult        *result,
                                         GError             **error);

char       *pb_secrets_label            (const char          *system_name,
                                         const char          *connection_name,
                                         const char          *kind);
void        pb_secrets_set_timeout      (guint                seconds);

G_END_DECLS
