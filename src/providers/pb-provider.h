/* pb-provider.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pb-error.h"
#include "pb-http.h"
#include "pb-record.h"

G_BEGIN_DECLS

typedef enum
{
  PB_AUTH_API_TOKENS,
  PB_AUTH_OAUTH2,
} PbAuthKind;

typedef enum
{
  PB_POSITIONS_HISTORY,   /* every period is its own record (SPEC P2) */
  PB_POSITIONS_FLAT,      /* only the current position (SPEC P3) */
} PbPositionModel;

typedef enum
{
  PB_SALARY_DELETE_REMOVES,       /* the record is deleted */
  PB_SALARY_DELETE_CLEARS_VALUES, /* the values are cleared, the record kept (SPEC S2) */
} PbSalaryDelete;

/* The operations a connector may implement. A NULL entry in the class's
 * `ops` table means "not supported": pb_provider_call_async() then fails
 * with PB_PROVIDER_ERROR_NOT_SUPPORTED and never reaches the connector. */
typedef enum
{
  PB_OP_VERIFY_CREDENTIALS,   /* -> PbRemoteCompany */
  PB_OP_LIST_EMPLOYEES,       /* -> GPtrArray of PbRemote (record: employee fields) */
  PB_OP_FIND_EMPLOYEE,        /* record (email) -> PbRemote or NULL */
  PB_OP_CREATE_EMPLOYEE,      /* record -> PbRemote */
  PB_OP_UPDATE_EMPLOYEE,      /* remote_id, record -> PbRemote */
  PB_OP_LIST_EMPLOYMENTS,     /* employee_id -> GPtrArray of PbRemote (record: position fields) */
  PB_OP_CREATE_EMPLOYMENT,    /* employee_id, record -> PbRemote */
  PB_OP_UPDATE_EMPLOYMENT,    /* employee_id, remote_id, record -> PbRemote */
  PB_OP_DELETE_EMPLOYMENT,    /* remote_id -> NULL */
  PB_OP_LIST_ABSENCE_TYPES,   /* -> GPtrArray of PbRemote (id + name) */
  PB_OP_CREATE_ABSENCE,       /* employee_id, remote_type, record -> PbRemote */
  PB_OP_UPDATE_ABSENCE,       /* employee_id, remote_id, remote_type, record -> PbRemote */
  PB_OP_DELETE_ABSENCE,       /* remote_id -> NULL */
  PB_OP_CREATE_SALARY,        /* employee_id, parent_id (employment), record -> PbRemote */
  PB_OP_UPDATE_SALARY,        /* employee_id, parent_id, remote_id, record -> PbRemote */
  PB_OP_DELETE_SALARY,        /* parent_id, remote_id -> NULL */
  PB_N_OPS
} PbProviderOp;

/* A record as the payroll system holds it: its id there, its version (for
 * optimistic locking), its name (absence types) and its values mapped into
 * the HR register's field space, so they can be compared with HR. */
typedef struct
{
  char     *id;
  gint64    version;
  char     *name;        /* (nullable) */
  PbRecord *record;      /* (nullable) */
  gboolean  locked;
} PbRemote;

typedef struct
{
  char *id;
  char *name;
  char *currency;        /* ISO 4217 */
} PbRemoteCompany;

/* What an operation works on; fields irrelevant to it are NULL. */
typedef struct
{
  const char *employee_id;   /* the employee in payroll */
  const char *remote_id;     /* the record in payroll (update, delete) */
  const char *parent_id;     /* e.g. the employment a salary belongs to */
  const char *remote_type;   /* absence: the mapped payroll type */
  PbRecord   *record;        /* the HR record to send */
  PbRecord   *employee;      /* the HR employee the record belongs to */
  PbRecord   *related;       /* salary: the HR position it falls in */
} PbProviderArgs;

/* A limit of a field in a payroll system, checked before sending. */
typedef struct
{
  PbEntity    entity;
  guint       field;
  guint       max_length;
} PbFieldLimit;

typedef struct
{
  PbEntity    entity;
  guint       field;
} PbFieldRef;

#define PB_TYPE_PROVIDER (pb_provider_get_type ())

G_DECLARE_DERIVABLE_TYPE (PbProvider, pb_provider, PB, PROVIDER, GObject)

typedef void (*PbProviderOpFunc) (PbProvider           *self,
                                  const PbProviderArgs *args,
                                  GTask                *task);

struct _PbProviderClass
{
  GObjectClass parent_class;

  /* What the connector is: read by the UI and the engine, which never test
   * a system's name. */
  const char          *id;                 /* "tripletex": stable, stored */
  const char          *display_name;       /* "Tripletex" */
  const char          *icon_name;
  const char          *summary;            /* one line for the set-up assistant */
  PbAuthKind           auth_kind;
  const char * const  *secret_kinds;       /* API tokens: what to ask for ("consumer-token", ...) */
  PbDataTypes          data_types;
  PbPositionModel      position_model;
  gboolean             can_delete_positions;
  PbSalaryDelete       salary_delete;
  gboolean             records_can_lock;
  const PbFieldRef    *required_fields;    /* terminated by { PB_N_ENTITIES } */
  const PbFieldLimit  *field_limits;       /* terminated by { PB_N_ENTITIES } */
  const PbFieldRef    *readable_fields;    /* user sync compares these; terminated likewise */
  const char          *default_base_url;   /* production */
  /* OAuth2 (auth_kind PB_AUTH_OAUTH2): the system's endpoints and the
   * client id Paybridge is registered with; a connection may override
   * each (--auth-url, --token-url, --client-id). */
  const char          *oauth2_auth_url;
  const char          *oauth2_token_url;
  const char          *oauth2_client_id;
  const char * const  *oauth2_scopes;
  const char          *test_base_url;      /* the system's own test environment, if any */
  PbHttpLimits         http_limits;

  /* Set up authorization and error decoding on the connection's PbHttp. */
  void       (*setup_http)   (PbProvider    *self,
                              PbHttp        *http);
  /* Paging: set the page on a list request, and read the page's values. */
  void       (*set_page)     (PbProvider    *self,
                              PbHttpRequest *request,
                              guint          offset,
                              guint          page_size);
  JsonArray *(*page_values)  (PbProvider    *self,
                              JsonNode      *page);
  /* The object inside a single-object answer (e.g. Tripletex's {"value":}). */
  JsonObject *(*unwrap)      (PbProvider    *self,
                              JsonNode      *answer);
  guint        page_size;

  PbProviderOpFunc ops[PB_N_OPS];

  gpointer padding[8];
};

const char   *pb_provider_op_to_string    (PbProviderOp          op);

PbProvider   *pb_provider_new             (const char           *system_id,
                                           const char           *base_url,
                                           GHashTable           *secrets,
                                           GError              **error);
GType        *pb_provider_list_types      (guint                *n_types);
GType         pb_provider_type_for_id     (const char           *system_id);

const char   *pb_provider_get_id          (PbProvider           *self);
const char   *pb_provider_get_display_name(PbProvider           *self);
PbHttp       *pb_provider_get_http        (PbProvider           *self);
const char   *pb_provider_get_secret      (PbProvider           *self,
                                           const char           *kind);
gboolean      pb_provider_supports        (PbProvider           *self,
                                           PbProviderOp          op);

void          pb_provider_call_async      (PbProvider           *self,
                                           PbProviderOp          op,
                                           const PbProviderArgs *args,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gpointer      pb_provider_call_finish     (PbProvider           *self,
                                           GAsyncResult         *result,
                                           GError              **error);

gboolean      pb_provider_check_limits    (PbProvider           *self,
                                           PbRecord             *record,
                                           GError              **error);

/* --- for connectors: the shared mechanics ---------------------------------- */

void          pb_provider_send_async      (PbProvider           *self,
                                           PbHttpRequest        *request,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
JsonObject   *pb_provider_send_finish     (PbProvider           *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          pb_provider_list_all_async  (PbProvider           *self,
                                           PbHttpRequest        *request,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
JsonArray    *pb_provider_list_all_finish (PbProvider           *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void          pb_provider_create_async    (PbProvider           *self,
                                           const char           *path,
                                           JsonObject           *body,
                                           const char           *fields,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
void          pb_provider_put_versioned_async (PbProvider       *self,
                                           const char           *path,
                                           JsonObject           *body,
                                           const char           *fields,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);

PbRemote        *pb_remote_new            (const char           *id,
                                           gint64                version);
void             pb_remote_free           (PbRemote             *remote);
void             pb_remote_company_free   (PbRemoteCompany      *company);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbRemote, pb_remote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbRemoteCompany, pb_remote_company_free)

G_END_DECLS
