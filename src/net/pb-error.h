/* pb-error.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The errors of talking to a payroll system, from the HTTP layer up through
 * the connectors. The UI and the engine switch on these codes, never on
 * messages. An error of this domain may carry the payroll system's own
 * words (see pb_provider_error_get_details()). */
#define PB_PROVIDER_ERROR (pb_provider_error_quark ())

typedef enum
{
  PB_PROVIDER_ERROR_FAILED,
  PB_PROVIDER_ERROR_NOT_SUPPORTED,     /* the connector cannot do this */
  PB_PROVIDER_ERROR_NOT_AUTHORIZED,    /* 401, bad or expired credentials: sign in again */
  PB_PROVIDER_ERROR_FORBIDDEN,         /* 403: the account lacks a permission */
  PB_PROVIDER_ERROR_NOT_FOUND,         /* 404 */
  PB_PROVIDER_ERROR_CONFLICT,          /* 409: version conflict or duplicate */
  PB_PROVIDER_ERROR_VALIDATION,        /* 400/422: the system refused a field */
  PB_PROVIDER_ERROR_LOCKED,            /* the record is locked (approved) in payroll */
  PB_PROVIDER_ERROR_RATE_LIMITED,      /* 429 after all retries */
  PB_PROVIDER_ERROR_NETWORK,           /* no answer: connection, DNS, TLS, dropped */
  PB_PROVIDER_ERROR_TIMEOUT,           /* no answer in time */
  PB_PROVIDER_ERROR_SERVER,            /* 5xx after all retries */
  PB_PROVIDER_ERROR_INVALID_RESPONSE,  /* an answer we cannot read */
  PB_PROVIDER_ERROR_INVALID_INPUT,     /* refused before sending (e.g. a field too long) */
  PB_PROVIDER_ERROR_INSECURE,          /* plain HTTP to a host that is not this machine */
} PbProviderError;

typedef struct
{
  char *field;     /* (nullable) the system's field name */
  char *message;
} PbFieldMessage;

/* What the payroll system said, kept for the error log. */
typedef struct
{
  guint      status;           /* HTTP status, 0 when there was no answer */
  int        code;             /* the system's own error code, 0 if none */
  char      *message;          /* (nullable) the system's message */
  char      *developer_message;/* (nullable) */
  char      *request_id;       /* (nullable) for the system's support */
  GPtrArray *field_messages;   /* (element-type PbFieldMessage) */
  guint      retry_after;      /* seconds, from Retry-After; 0 if none */
} PbProviderErrorDetails;

GQuark                        pb_provider_error_quark        (void);
const PbProviderErrorDetails *pb_provider_error_get_details  (const GError *error);
PbProviderErrorDetails       *pb_provider_error_details_new  (void);
void                          pb_provider_error_details_free (PbProviderErrorDetails *details);
void                          pb_provider_error_details_add_field (PbProviderErrorDetails *details,
                                                                   const char             *field,
                                                                   const char             *message);
GError                       *pb_provider_error_new_with_details (PbProviderError         code,
                                                                  PbProviderErrorDetails *details,
                                                                  const char             *format,
                                                                  ...) G_GNUC_PRINTF (3, 4);
gboolean                      pb_provider_error_is_transient (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbProviderErrorDetails, pb_provider_error_details_free)

G_END_DECLS
