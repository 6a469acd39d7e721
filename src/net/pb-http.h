/* pb-http.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pb-error.h"
#include "pb-pacer.h"

G_BEGIN_DECLS

/* --- one request ---------------------------------------------------------- */

typedef struct _PbHttpRequest PbHttpRequest;

#define PB_TYPE_HTTP_REQUEST (pb_http_request_get_type ())

GType          pb_http_request_get_type       (void) G_GNUC_CONST;
PbHttpRequest *pb_http_request_new            (const char    *method,
                                               const char    *path);
PbHttpRequest *pb_http_request_ref            (PbHttpRequest *request);
PbHttpRequest *pb_http_request_copy           (PbHttpRequest *request);
void           pb_http_request_set_query      (PbHttpRequest *request,
                                               const char    *name,
                                               const char    *value);
void           pb_http_request_unref          (PbHttpRequest *request);
void           pb_http_request_add_query      (PbHttpRequest *request,
                                               const char    *name,
                                               const char    *value);
void           pb_http_request_add_query_int  (PbHttpRequest *request,
                                               const char    *name,
                                               gint64         value);
void           pb_http_request_set_body       (PbHttpRequest *request,
                                               JsonNode      *body);
void           pb_http_request_set_form       (PbHttpRequest *request,
                                               GHashTable    *form);
void           pb_http_request_set_authorized (PbHttpRequest *request,
                                               gboolean       authorized);
void           pb_http_request_set_header     (PbHttpRequest *request,
                                               const char    *name,
                                               const char    *value);
const char    *pb_http_request_get_method     (PbHttpRequest *request);
const char    *pb_http_request_get_response_header (PbHttpRequest *request,
                                               const char    *name);
const char    *pb_http_request_get_path       (PbHttpRequest *request);
const char    *pb_http_request_get_query      (PbHttpRequest *request,
                                               const char    *name);
char          *pb_http_request_dup_log_line   (PbHttpRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbHttpRequest, pb_http_request_unref)

/* --- limits ---------------------------------------------------------------- */

typedef struct
{
  guint  max_in_flight;        /* requests on the wire at once; 0: 4. Paced
                                * (pb_http_set_paced(), every connector):
                                * the most the pacer may allow */
  double requests_per_second;  /* steady rate; 0: unlimited */
  guint  burst;                /* requests allowed at once above the rate; 0: 1 */
  guint  max_retries;          /* retries after the first attempt */
  guint  timeout_ms;           /* per attempt; 0: 30 s */
  guint  backoff_base_ms;      /* first retry waits between base/2 and base */
  guint  backoff_max_ms;       /* no wait is longer */
  /* A sliding window (Fortnox: 25 requests in any 5 s): at most
   * window_requests requests in window_ms, counting a request from when it
   * starts until window_ms after its answer came, so the server (which
   * counts arrivals) never sees more; 0: no window. */
  guint  window_requests;
  guint  window_ms;
} PbHttpLimits;

#define PB_HTTP_LIMITS_DEFAULT { 4, 0, 1, 4, 30000, 500, 30000 }

/* The most connections a PbHttp opens, and so the highest bound. */
#define PB_HTTP_MAX_CONNECTIONS 64

/* --- the client ------------------------------------------------------------ */

/* How a connector authorizes requests: called before a request that needs
 * it, it yields the value of the Authorization header. After a 401 it is
 * called once more with @rejected, the value the server refused: if the
 * authorizer's current value is still that one it must renew it, otherwise
 * (another request renewed it meanwhile) it gives the new one. It is the
 * authorizer's job to serialize renewals. */
typedef void   (*PbHttpAuthorizeFunc)       (gpointer             user_data,
                                             const char          *rejected,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             callback_data);
typedef char * (*PbHttpAuthorizeFinishFunc) (gpointer             user_data,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Reads a payroll system's error body into @details and may change @code
 * (e.g. a 409 that the system says means "locked"). */
typedef void   (*PbHttpDecodeErrorFunc)     (guint                   status,
                                             JsonNode               *body,
                                             PbProviderErrorDetails *details,
                                             PbProviderError        *code);

#define PB_TYPE_HTTP (pb_http_get_type ())

G_DECLARE_FINAL_TYPE (PbHttp, pb_http, PB, HTTP, GObject)

PbHttp     *pb_http_new                 (const char                *base_url,
                                         const PbHttpLimits        *limits,
                                         GError                   **error);
const char *pb_http_get_base_url        (PbHttp                    *self);
void        pb_http_set_authorizer      (PbHttp                    *self,
                                         PbHttpAuthorizeFunc        authorize,
                                         PbHttpAuthorizeFinishFunc  authorize_finish,
                                         gpointer                   user_data);
void        pb_http_set_error_decoder   (PbHttp                    *self,
                                         PbHttpDecodeErrorFunc      decode);
void        pb_http_set_media_type      (PbHttp                    *self,
                                         const char                *media_type);
void        pb_http_set_header          (PbHttp                    *self,
                                         const char                *name,
                                         const char                *value);
void        pb_http_send_async          (PbHttp                    *self,
                                         PbHttpRequest             *request,
                                         GCancellable              *cancellable,
                                         GAsyncReadyCallback        callback,
                                         gpointer                   user_data);
JsonNode   *pb_http_send_finish         (PbHttp                    *self,
                                         GAsyncResult              *result,
                                         GError                   **error);
guint       pb_http_get_max_in_flight_seen (PbHttp                 *self);
guint       pb_http_get_max_in_flight   (PbHttp                    *self);
void        pb_http_set_max_in_flight   (PbHttp                    *self,
                                         guint                      max_in_flight);
void        pb_http_set_paced           (PbHttp                    *self,
                                         gboolean                   paced);
const PbPacer *pb_http_get_pacer        (PbHttp                    *self);

void        pb_http_decode_error_default (guint                   status,
                                          JsonNode               *body,
                                          PbProviderErrorDetails *details,
                                          PbProviderError        *code);
gboolean    pb_http_url_is_loopback     (const char                *url);
char       *pb_http_redact              (const char                *text);
guint       pb_http_backoff_delay       (const PbHttpLimits        *limits,
                                         guint                      attempt,
                                         guint32                    random);

G_END_DECLS
