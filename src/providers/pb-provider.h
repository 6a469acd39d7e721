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
#include "pb-sync-rules.h"

G_BEGIN_DECLS

typedef enum
{
  PB_AUTH_API_TOKENS,
  PB_AUTH_OAUTH2,
} PbAuthKind;

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
  PB_OP_LIST_SALARIES,        /* employee_id, parent_id (employment) -> GPtrArray of PbRemote
                               * (record: salary fields) */
  PB_OP_LIST_COMPANIES,       /* -> GPtrArray of PbRemoteCompany: the companies the
                               * signed-in user may act on, one of which set-up
                               * chooses (the class's `company_header`) */
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
  char *org_number;      /* (nullable) the organisation number, as the
                          * payroll system gives it; the register's
                          * company is matched by it (SPEC C1) */
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
  gint64      remote_version; /* update: the record's version as an earlier
                               * answer gave it (0: unknown, the connector
                               * reads it); saves a request (issue 14) */

  /* Set by pb_provider_call_async() from the class's field rules when it
   * hands a create or an update to the connector (whatever a caller puts
   * here is replaced); the connector reads them with
   * pb_provider_args_sends() and shapes the request accordingly. */
  guint64     omit;          /* bit 1 << field of @record: leave the field
                              * out of the request, so that payroll keeps
                              * its value (neither set nor cleared) */
  gboolean    pay_by_cash;   /* SPEC V3: send the payment method "cash"
                              * instead of a bank account; @record then
                              * has no bank account */
} PbProviderArgs;

/* How a payroll system treats one field; the flags combine. The rules are
 * data on the connector's class (`field_rules`) and are enforced in
 * pb-provider.c before an operation reaches the connector, so a connector
 * never tests them itself and nothing tests a system's name. */
typedef enum
{
  PB_FIELD_RULE_NONE               = 0,
  /* Creating the record needs the field: a create without it is refused
   * with PB_PROVIDER_ERROR_INVALID_INPUT before anything is sent (SPEC V2,
   * Visma.net Payroll's Employment ID). Updates may lack it; see
   * NEVER_UNSET. Fields required for any sync go in `required_fields` (U2). */
  PB_FIELD_RULE_REQUIRED_TO_CREATE = 1 << 0,
  /* Payroll's value can never be cleared: an update with the field empty in
   * HR leaves it out of the request, and payroll keeps its value (SPEC V2). */
  PB_FIELD_RULE_NEVER_UNSET        = 1 << 1,
  /* Never sent, neither set nor cleared: the connector gets a copy of the
   * record without the field, and the field in `omit` (SPEC V4, Visma.net
   * Payroll's second address line). */
  PB_FIELD_RULE_NOT_SENT           = 1 << 2,
} PbFieldRuleFlags;

/* A rule of a field in a payroll system. Rules read in user sync (which
 * fields are compared and may be taken from payroll, SPEC U3 and V5) are
 * not here: they are `readable_fields`. */
typedef struct
{
  PbEntity          entity;
  guint             field;
  PbFieldRuleFlags  flags;
  guint             max_length;  /* in characters; 0: the system sets no limit.
                                  * Longer values are refused before sending. */
  const char       *label;       /* (nullable) what the payroll system calls the
                                  * field, for messages: "Employment ID" */
} PbFieldRule;

/* A refusal the payroll system is known to give, with its real cause and
 * fix (C7): matched on the field the system names (NULL: any) and a part
 * of its message, case-insensitively. The system's own words may be in
 * another language; `translation` says them in English beside them. A
 * connector's table is data on its class (`refusals`), tested case by
 * case. */
typedef struct
{
  const char *field;        /* (nullable) the system's field: "employeeNumber" */
  const char *message;      /* a part of the system's message */
  const char *translation;  /* (nullable) the message in English */
  const char *advice;       /* the cause and what to do */
} PbRefusal;

#define PB_TYPE_PROVIDER (pb_provider_get_type ())

G_DECLARE_DERIVABLE_TYPE (PbProvider, pb_provider, PB, PROVIDER, GObject)

/* One operation of a connector. @args and what it points to are valid
 * only during the call (copy what a later step needs); for a create or an
 * update they are the prepared ones, see pb_provider_call_async(). */
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
  /* Flat model: which position is "the" one sent (P3: the current; P5,
   * Visma.net Payroll: else the latest past, else the next future). */
  PbPositionSelect     position_select;
  gboolean             can_delete_positions;
  PbSalaryDelete       salary_delete;
  gboolean             records_can_lock;
  const PbFieldRef    *required_fields;    /* never synced without them (U2); terminated by { PB_N_ENTITIES } */
  const PbFieldRule   *field_rules;        /* limits and rules checked before sending; terminated likewise */
  const PbRefusal     *refusals;           /* known refusals; terminated by { NULL, NULL } */
  const PbFieldRef    *readable_fields;    /* user sync compares these and may take payroll's value
                                            * (U3, V5); terminated likewise */
  /* SPEC V3: when set (ISO 3166 alpha-2, "NO"), the employee's bank account
   * (a national account number of that country) is sent only for employees
   * whose country is this one; for any other country the connector sends
   * the payment method "cash" (PbProviderArgs.pay_by_cash). NULL: no rule. */
  const char          *bank_account_national_country;
  /* SPEC V5: when the last workday is removed in HR, the end reason of the
   * employee's selected position is cleared in payroll. The connector asks
   * pb_provider_class_clears_end_reason() in its employee update. */
  gboolean             clears_end_reason_with_last_workday;
  const char          *default_base_url;   /* production */
  /* OAuth2 (auth_kind PB_AUTH_OAUTH2): the system's endpoints and the
   * client id Paybridge is registered with; a connection may override
   * each (--auth-url, --token-url, --client-id). */
  const char          *oauth2_auth_url;
  const char          *oauth2_token_url;
  const char          *oauth2_client_id;
  const char * const  *oauth2_scopes;
  /* The secret Paybridge is registered with (NULL: a public client), and
   * whether the token endpoint wants the client's id and secret as HTTP
   * Basic (Fortnox) rather than in the form. A connection with its own
   * --client-id takes the secret from PAYBRIDGE_OAUTH2_CLIENT_SECRET. */
  const char          *oauth2_client_secret;
  gboolean             oauth2_client_auth_basic;
  /* SPEC V1: (nullable) the connector signs in per tenant: set-up asks for
   * the tenant ID (the connection's `tenant_id`), and it is sent under this
   * name in the authorization request and in every token request
   * ("tenant_id", Visma Connect). NULL: no tenant. */
  const char          *oauth2_tenant_param;
  const char          *test_base_url;      /* the system's own test environment, if any */
  /* (nullable) the connector works in one company of several the user may
   * reach, named by this header on every request ("CompanyKey",
   * Unimicro): set-up lists the companies (PB_OP_LIST_COMPANIES, at
   * `companies_path`), the user chooses one, the connection's `tenant_id`
   * keeps its key and pb_provider_set_company() sets it. NULL: no company. */
  const char          *company_header;
  const char          *companies_path;
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
  /* Optional: whether @page says it is the last (Fortnox's
   * MetaInformation); without it, or when it says no, a short page is. */
  gboolean   (*page_is_last) (PbProvider    *self,
                              JsonNode      *page);
  /* The object inside a single-object answer (e.g. Tripletex's {"value":}). */
  JsonObject *(*unwrap)      (PbProvider    *self,
                              JsonNode      *answer);
  guint        page_size;

  PbProviderOpFunc ops[PB_N_OPS];

  /* (optional) How many items the system says the list holds, read from
   * its first page (e.g. Tripletex's fullResultSize), or -1: the pages it
   * promises are read at once; past them, one at a time until a short one. */
  gint64     (*page_total)   (PbProvider    *self,
                              JsonNode      *page);

  /* (optional) Paging where each page leads to the next (Visma's cursor,
   * Unimicro's keyset by ID), in place of set_page and the short-page
   * rule: the request for the page after @page, made from the list's
   * @request; @sent is the request that got @page. @sent, @page and
   * @values are %NULL for the first page, which must be given. Returns
   * %NULL when @page was the last. Called on the main loop, before the
   * page goes to a converting worker; the pages are read one at a time. */
  PbHttpRequest *(*next_page) (PbProvider    *self,
                               PbHttpRequest *request,
                               PbHttpRequest *sent,
                               JsonNode      *page,
                               JsonArray     *values);

  gpointer padding[5];
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
void          pb_provider_set_company     (PbProvider           *self,
                                           const char           *company);
const char   *pb_provider_get_company     (PbProvider           *self);
gboolean      pb_provider_supports        (PbProvider           *self,
                                           PbProviderOp          op);
/* The same, asked of the class: what a connector can do is known before
 * there is one (the shared connector suite, tests/test-connector-suite.c,
 * skips by it; record types are the class's `data_types`). */
gboolean      pb_provider_class_supports  (PbProviderClass      *klass,
                                           PbProviderOp          op);
/* Whether set-up chooses a company among those the user may reach: the
 * class has a `company_header` and lists the companies. */
gboolean      pb_provider_class_chooses_company (PbProviderClass *klass);
void          pb_provider_list_companies_async  (PbProvider          *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GPtrArray    *pb_provider_list_companies_finish (PbProvider          *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

void          pb_provider_call_async      (PbProvider           *self,
                                           PbProviderOp          op,
                                           const PbProviderArgs *args,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gpointer      pb_provider_call_finish     (PbProvider           *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* --- field rules (SPEC V2-V5): also for the engine and the UI ------------------ */

PbFieldRuleFlags pb_provider_class_get_rule_flags   (PbProviderClass      *klass,
                                                     PbEntity              entity,
                                                     guint                 field);
guint         pb_provider_class_get_max_length      (PbProviderClass      *klass,
                                                     PbEntity              entity,
                                                     guint                 field);
gboolean      pb_provider_class_reads_field         (PbProviderClass      *klass,
                                                     PbEntity              entity,
                                                     guint                 field);
gboolean      pb_provider_class_check_record        (PbProviderClass      *klass,
                                                     PbProviderOp          op,
                                                     PbRecord             *record,
                                                     GError              **error);
PbRecord     *pb_provider_class_prepare_record      (PbProviderClass      *klass,
                                                     PbProviderOp          op,
                                                     PbRecord             *record,
                                                     guint64              *omit,
                                                     gboolean             *pay_by_cash,
                                                     GError              **error);
const PbRefusal *pb_provider_class_find_refusal    (PbProviderClass      *klass,
                                                     const GError         *error,
                                                     const char          **system_words);
gboolean      pb_provider_class_pays_by_cash        (PbProviderClass      *klass,
                                                     PbRecord             *employee);
gboolean      pb_provider_class_clears_end_reason   (PbProviderClass      *klass,
                                                     PbRecord             *employee,
                                                     PbRecord             *payroll_employee);

/* --- for connectors: the shared mechanics ---------------------------------- */

gboolean      pb_provider_args_sends      (const PbProviderArgs *args,
                                           guint                 field);

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

/**
 * PbListConvertFunc:
 * @values: one page's values
 * @user_data: the data given with the function; only read, and from
 *   several threads at once
 *
 * Turns one page of a list into items (e.g. #PbRemote), in a worker
 * thread: it must not touch the provider or anything the main loop
 * changes.
 *
 * Returns: (transfer full) (nullable): the page's items, or %NULL with
 *   @error set
 */
typedef GPtrArray *(*PbListConvertFunc) (JsonArray  *values,
                                         gpointer    user_data,
                                         GError    **error);

void          pb_provider_list_converted_async  (PbProvider        *self,
                                                 PbHttpRequest     *request,
                                                 PbListConvertFunc  convert,
                                                 gpointer           convert_data,
                                                 GDestroyNotify     convert_data_free,
                                                 GDestroyNotify     item_free,
                                                 GCancellable      *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer           user_data);
GPtrArray    *pb_provider_list_converted_finish (PbProvider        *self,
                                                 GAsyncResult      *result,
                                                 GError           **error);
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
/* Issue 14: the write's answer is the result, no read back. */
void          pb_provider_create_answered_async (PbProvider     *self,
                                           const char           *path,
                                           JsonObject           *body,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
void          pb_provider_put_at_version_async (PbProvider      *self,
                                           const char           *path,
                                           JsonObject           *body,
                                           gint64                version,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);

/**
 * PbAnswerReaders:
 * @is_error: (nullable): whether the answer's object is an error body
 * @decode_error: the connector's error decoder (the one on its PbHttp),
 *   for an error body
 * @read_list: (nullable): reads a list's values as records of @entity;
 *   %NULL without an error when it reads no list of @entity (the answer
 *   is then read as one object)
 * @read_object: reads the one object of an answer as records of @entity
 * @unreadable: (nullable): the message for an answer that is neither
 *   (default: "… sent neither a list nor an object")
 *
 * How a connector reads an answer whole, see pb_provider_read_answer().
 */
typedef struct
{
  gboolean   (*is_error)    (JsonObject  *object);
  PbHttpDecodeErrorFunc decode_error;
  GPtrArray *(*read_list)   (PbProvider  *self,
                             PbEntity     entity,
                             JsonArray   *values,
                             GError     **error);
  GPtrArray *(*read_object) (PbProvider  *self,
                             PbEntity     entity,
                             JsonObject  *object,
                             GError     **error);
  const char *unreadable;
} PbAnswerReaders;

GPtrArray       *pb_provider_read_answer  (PbProvider           *self,
                                           const PbAnswerReaders *readers,
                                           PbEntity              entity,
                                           const char           *data,
                                           gsize                 length,
                                           GError              **error);
GPtrArray       *pb_remotes_take_one      (PbRemote             *remote);

char            *pb_provider_dup_json_id  (JsonObject           *object);

PbRemote        *pb_remote_new            (const char           *id,
                                           gint64                version);
void             pb_remote_free           (PbRemote             *remote);
void             pb_remote_company_free   (PbRemoteCompany      *company);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbRemote, pb_remote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbRemoteCompany, pb_remote_company_free)

G_END_DECLS
