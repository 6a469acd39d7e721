/* pb-connection.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pb-record.h"

G_BEGIN_DECLS

/* The life of a connection (SPEC C3, U6). */
typedef enum
{
  PB_CONNECTION_ESTABLISHED,    /* set up; nothing syncs until the first user sync */
  PB_CONNECTION_ACTIVE,         /* changes are sent */
  PB_CONNECTION_NEEDS_SIGN_IN,  /* the payroll system refused its credentials */
  PB_CONNECTION_ERROR,          /* something else keeps it from working */
} PbConnectionState;

typedef enum
{
  PB_SCOPE_ALL,
  PB_SCOPE_TEAM,
  PB_SCOPE_LOCATION,
  PB_SCOPE_COMPANY,
} PbScopeKind;

#define PB_TYPE_CONNECTION (pb_connection_get_type ())

G_DECLARE_FINAL_TYPE (PbConnection, pb_connection, PB, CONNECTION, GObject)

/* A connection to one payroll system. It holds no secret: those are in the
 * keyring under the register's identity and the connection's id
 * (PbSecrets). */
struct _PbConnection
{
  GObject            parent_instance;

  gint64             id;
  char              *name;
  char              *system;           /* a connector id: "tripletex" */
  PbScopeKind        scope_kind;
  char              *scope_key;        /* (nullable) team/location/company key */
  PbDataTypes        sync_types;
  char              *base_url;         /* (nullable) NULL: the system's production URL */
  char              *auth_url;         /* (nullable) OAuth2 overrides */
  char              *token_url;        /* (nullable) */
  char              *tenant_id;        /* (nullable) Visma.net Payroll; Unimicro: the CompanyKey */
  char              *client_id;        /* (nullable) */
  PbConnectionState  state;
  char              *remote_company;   /* (nullable) the payroll company's name */
  char              *remote_currency;  /* (nullable) its currency */
  char              *created_at;
  char              *activated_at;     /* (nullable) */
  char              *register_id;      /* (nullable) the store's pb_store_get_register_id(), set
                                        * when loaded or saved: with @id, the keyring key */
};

PbConnection *pb_connection_new                (void);
const char   *pb_connection_state_to_string    (PbConnectionState  state);
gboolean      pb_connection_state_from_string  (const char        *text,
                                                PbConnectionState *state);
char         *pb_connection_dup_scope          (PbConnection      *self);
int           pb_scope_kind_field              (PbScopeKind        kind);
gboolean      pb_scope_covers                  (PbScopeKind        kind,
                                                const char        *key,
                                                PbRecord          *employee);
gboolean      pb_connection_parse_scope        (PbConnection      *self,
                                                const char        *text,
                                                GError           **error);

G_END_DECLS
