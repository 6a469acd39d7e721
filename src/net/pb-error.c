/* pb-error.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbError"

#include "config.h"

#include "pb-error.h"

/* An extended error domain (GLib 2.68): each GError of the domain carries a
 * PbProviderErrorDetails, copied with the error, so the payroll system's
 * message and request id travel with it up to the error log. */
typedef struct
{
  PbProviderErrorDetails *details;
} PbProviderErrorPrivate;

static void
pb_provider_error_private_init (PbProviderErrorPrivate *priv)
{
  priv->details = NULL;
}

static void
field_message_free (PbFieldMessage *fm)
{
  g_free (fm->field);
  g_free (fm->message);
  g_free (fm);
}

PbProviderErrorDetails *
pb_provider_error_details_new (void)
{
  PbProviderErrorDetails *details = g_new0 (PbProviderErrorDetails, 1);

  details->field_messages = g_ptr_array_new_with_free_func ((GDestroyNotify) field_message_free);
  return details;
}

void
pb_provider_error_details_free (PbProviderErrorDetails *details)
{
  if (details == NULL)
    return;

  g_free (details->message);
  g_free (details->developer_message);
  g_free (details->request_id);
  g_ptr_array_unref (details->field_messages);
  g_free (details);
}

void
pb_provider_error_details_add_field (PbProviderErrorDetails *details,
                                     const char             *field,
                                     const char             *message)
{
  PbFieldMessage *fm = g_new0 (PbFieldMessage, 1);

  fm->field = g_strdup (field);
  fm->message = g_strdup (message);
  g_ptr_array_add (details->field_messages, fm);
}

static PbProviderErrorDetails *
details_copy (const PbProviderErrorDetails *src)
{
  PbProviderErrorDetails *copy;

  if (src == NULL)
    return NULL;

  copy = pb_provider_error_details_new ();
  copy->status = src->status;
  copy->code = src->code;
  copy->message = g_strdup (src->message);
  copy->developer_message = g_strdup (src->developer_message);
  copy->request_id = g_strdup (src->request_id);
  copy->retry_after = src->retry_after;
  for (guint i = 0; i < src->field_messages->len; i++)
    {
      PbFieldMessage *fm = g_ptr_array_index (src->field_messages, i);
      pb_provider_error_details_add_field (copy, fm->field, fm->message);
    }

  return copy;
}

static void
pb_provider_error_private_copy (const PbProviderErrorPrivate *src,
                                PbProviderErrorPrivate       *dest)
{
  dest->details = details_copy (src->details);
}

static void
pb_provider_error_private_clear (PbProviderErrorPrivate *priv)
{
  g_clear_pointer (&priv->details, pb_provider_error_details_free);
}

G_DEFINE_EXTENDED_ERROR (PbProviderError, pb_provider_error)

/**
 * pb_provider_error_get_details:
 *
 * Returns: (nullable): what the payroll system said, if anything
 */
const PbProviderErrorDetails *
pb_provider_error_get_details (const GError *error)
{
  PbProviderErrorPrivate *priv;

  if (error == NULL || error->domain != PB_PROVIDER_ERROR)
    return NULL;

  priv = pb_provider_error_get_private (error);
  return priv != NULL ? priv->details : NULL;
}

/**
 * pb_provider_error_new_with_details:
 * @details: (transfer full) (nullable): taken over by the error
 */
GError *
pb_provider_error_new_with_details (PbProviderError         code,
                                    PbProviderErrorDetails *details,
                                    const char             *format,
                                    ...)
{
  g_autofree char *message = NULL;
  GError *error;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  error = g_error_new_literal (PB_PROVIDER_ERROR, code, message);
  if (details != NULL)
    pb_provider_error_get_private (error)->details = details;

  return error;
}

/**
 * pb_provider_error_is_transient:
 *
 * The rule is the code's, nothing else: PbHttp chooses the code with what
 * it knows of the exchange. A 400 or 422 that came right after the
 * connection dropped (libsoup's own resend, or a retry after a network
 * error) may be about a body lost on the wire, not about the change, so
 * PbHttp gives it PB_PROVIDER_ERROR_NETWORK (the payroll system's answer
 * stays in the details) and it is transient here; the same answer on an
 * attempt that followed no drop is PB_PROVIDER_ERROR_VALIDATION, permanent.
 *
 * Returns: %TRUE for failures that may pass when tried again later
 *   (network, timeout, rate limit, server errors)
 */
gboolean
pb_provider_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != PB_PROVIDER_ERROR)
    return FALSE;

  switch ((PbProviderError) error->code)
    {
    case PB_PROVIDER_ERROR_NETWORK:
    case PB_PROVIDER_ERROR_TIMEOUT:
    case PB_PROVIDER_ERROR_RATE_LIMITED:
    case PB_PROVIDER_ERROR_SERVER:
      return TRUE;
    case PB_PROVIDER_ERROR_FAILED:
    case PB_PROVIDER_ERROR_NOT_SUPPORTED:
    case PB_PROVIDER_ERROR_NOT_AUTHORIZED:
    case PB_PROVIDER_ERROR_FORBIDDEN:
    case PB_PROVIDER_ERROR_NOT_FOUND:
    case PB_PROVIDER_ERROR_CONFLICT:
    case PB_PROVIDER_ERROR_VALIDATION:
    case PB_PROVIDER_ERROR_LOCKED:
    case PB_PROVIDER_ERROR_INVALID_RESPONSE:
    case PB_PROVIDER_ERROR_INVALID_INPUT:
    case PB_PROVIDER_ERROR_INSECURE:
    default:
      return FALSE;
    }
}
