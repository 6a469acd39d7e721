/* pb-sandbox-client.h: a blocking HTTP client for the sandbox's own tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pb-sandbox.h"

G_BEGIN_DECLS

/* An answer: its status, headers and body read as JSON (NULL if none). */
typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  JsonNode           *json;
} PbSandboxReply;

void            pb_sandbox_reply_free  (PbSandboxReply      *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbSandboxReply, pb_sandbox_reply_free)

PbSandboxReply *pb_sandbox_client_send (SoupSession         *session,
                                        PbSandbox           *sandbox,
                                        const char          *method,
                                        const char          *target,
                                        const char          *content_type,
                                        const char          *body,
                                        const char * const  *headers,
                                        const char * const  *more_headers);

G_END_DECLS
