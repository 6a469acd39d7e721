/* pb-sandbox-tripletex.h: the Tripletex API v2 emulation (private)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-sandbox-private.h"

G_BEGIN_DECLS

extern const PbSandboxSystem pb_sandbox_tripletex_system;

/* The part of Tripletex's published schema (OpenAPI 3, components.schemas;
 * `required` from the Swagger 2 spec 2.71.19) the sandbox serves. Every
 * property a response carries comes from these tables, in their order. */

typedef enum
{
  TX_INT,
  TX_NUM,
  TX_STR,
  TX_DATE,      /* a string "YYYY-MM-DD" */
  TX_ENUM,      /* a string from TxProp.values */
  TX_BOOL,
  TX_REF,       /* another persisted object: {"id", "url"} unless expanded */
  TX_REFS,      /* an array of those */
  TX_OBJ,       /* an embedded object without an id of its own */
  TX_CHANGES,   /* array<Change>: only when asked for with `fields` */
} TxKind;

typedef enum
{
  TX_T_NONE,
  TX_T_EMPLOYEE,
  TX_T_EMPLOYMENT,
  TX_T_EMPLOYMENT_DETAILS,
  TX_T_TIMESHEET_ENTRY,
  TX_T_ACTIVITY,
  TX_T_DEPARTMENT,
  TX_T_COUNTRY,
  TX_T_CURRENCY,
  TX_T_COMPANY,
  TX_T_COMPANY_STANDARD_TIME,
  TX_T_SESSION_TOKEN,
  TX_T_LOGGED_IN_USER_INFO,
  TX_T_ADDRESS,
  TX_T_INTERNATIONAL_ID,
  TX_T_HOLIDAY_ALLOWANCE_EARNED,
  TX_T_MARITIME_EMPLOYMENT,
  TX_T_CHANGE,
  /* Referenced but not kept: only their id is known. */
  TX_T_EMPLOYEE_CATEGORY,
  TX_T_DIVISION,
  TX_T_OCCUPATION_CODE,
  TX_T_MUNICIPALITY,
  TX_T_PROJECT,
  TX_T_INVOICE,
  TX_T_TIME_CLOCK,
  TX_T_CONSUMER_TOKEN,
  TX_T_EMPLOYEE_TOKEN,
  TX_N_TYPES
} TxTypeId;

#define TX_RO (1 << 0)  /* readOnly in the schema: ignored in request bodies */

typedef struct
{
  const char         *name;
  TxKind              kind;
  guint               flags;
  TxTypeId            target;   /* TX_REF, TX_REFS, TX_OBJ, TX_CHANGES */
  const char * const *values;   /* TX_ENUM */
} TxProp;

typedef struct
{
  const char         *name;      /* the schema's name, "Employee" */
  const char         *path;      /* (nullable) under /v2, for `url`; NULL: no id */
  const TxProp       *props;     /* NULL-terminated, in the schema's order */
  const char * const *required;  /* (nullable) Swagger 2's list */
  gboolean            stub;      /* only the id of such objects is known */
} TxType;

const TxType *pb_sandbox_tripletex_type       (TxTypeId      id);
const TxProp *pb_sandbox_tripletex_find_prop  (const TxType *type,
                                               const char   *name);

G_END_DECLS
