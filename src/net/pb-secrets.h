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
 * attributes `register` (the register's identity, pb_store_get_register_id()),
 * `connection` (the connection's id in that register) and `kind`
 * ("consumer-token", "employee-token", "oauth2-tokens"...). Every call
 * names both the register and the connection: ids start at 1 in every data
 * folder, so the id alone would let two registers overwrite, read or delete
 * each other's items. Items stored before there was a `register` attribute
 * are claimed by a lookup when unambiguous (see pb_secrets_lookup_async()).
 * All calls are asynchronous and give up after a timeout instead of hanging
 * on a prompt nobody sees. */

GQuark      pb_secrets_error_quark      (void);

void        pb_secrets_store_async      (const char          *register_id,
                                         gint64               connection_id,
                                         const char          *kind,
                                         const char          *label,
                                         const char          *secret,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    pb_secrets_store_finish     (GAsyncResult        *result,
                                         GError             **error);

void        pb_secrets_lookup_async     (const char          *register_id,
                                         gint64               connection_id,
                                         const char * const  *kinds,
                                         const char * const  *labels,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GHashTable *pb_secrets_lookup_finish    (GAsyncResult        *result,
                                         GError             **error);

void        pb_secrets_clear_async      (const char          *register_id,
                                         gint64               connection_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean    pb_secrets_clear_finish     (GAsyncResult        *result,
                                         GError             **error);

char       *pb_secrets_label            (const char          *system_name,
                                         const char          *connection_name,
                                         const char          *kind);
char      **pb_secrets_labels           (const char          *system_name,
                                         const char          *connection_name,
                                         const char * const  *kinds);
void        pb_secrets_set_timeout      (guint                seconds);

G_END_DECLS
