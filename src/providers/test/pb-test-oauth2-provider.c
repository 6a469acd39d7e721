/* pb-test-oauth2-provider.c: an OAuth2 system for tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbTestOAuth2"

#include "config.h"

#include "pb-providers.h"

/* Only offered with PAYBRIDGE_TEST_PROVIDERS set. It talks to the payroll
 * sandbox's OAuth2 server (tests/sandbox, /oauth2/...): sign-in, refresh,
 * and one protected resource, /oauth2/me, that says whose company it is.
 * It lets the CLI's `connection authorize` and the set-up assistant's
 * OAuth2 page be tested before the real OAuth2 connectors land. */

typedef struct
{
  PbProvider parent_instance;
} PbTestOAuth2Provider;

typedef struct
{
  PbProviderClass parent_class;
} PbTestOAuth2ProviderClass;

G_DEFINE_FINAL_TYPE (PbTestOAuth2Provider, pb_test_oauth2_provider, PB_TYPE_PROVIDER)

static void
on_me_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(JsonObject) me = pb_provider_send_finish (PB_PROVIDER (source), result, &error);
  PbRemoteCompany *company;

  if (me == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE, "empty answer");
      g_task_return_error (task, error);
      return;
    }

  company = g_new0 (PbRemoteCompany, 1);
  company->name = g_strdup (json_object_get_string_member_with_default (me, "name", NULL));
  company->currency = g_strdup (json_object_get_string_member_with_default (me, "currency", NULL));
  g_task_return_pointer (task, company, (GDestroyNotify) pb_remote_company_free);
}

static void
test_verify_credentials (PbProvider           *provider,
                         const PbProviderArgs *args,
                         GTask                *task)
{
  g_autoptr(PbHttpRequest) request = pb_http_request_new ("GET", "/oauth2/me");

  pb_provider_send_async (provider, request, g_task_get_cancellable (task), on_me_cb, task);
}

static void
pb_test_oauth2_provider_class_init (PbTestOAuth2ProviderClass *klass)
{
  PbProviderClass *provider_class = PB_PROVIDER_CLASS (klass);
  static const PbHttpLimits limits = { 4, 0, 1, 2, 10000, 100, 2000 };
  static const char * const scopes[] = { "payroll", NULL };

  provider_class->id = "sandbox-oauth2";
  provider_class->display_name = "Sandbox OAuth2";
  provider_class->icon_name = "dialog-password-symbolic";
  provider_class->summary = "A test system that signs in with OAuth2 (only with PAYBRIDGE_TEST_PROVIDERS).";
  provider_class->auth_kind = PB_AUTH_OAUTH2;
  provider_class->data_types = PB_DATA_USERS;
  provider_class->position_model = PB_POSITIONS_FLAT;
  provider_class->default_base_url = "http://127.0.0.1:1";
  provider_class->oauth2_client_id = "sandbox-client";
  provider_class->oauth2_scopes = scopes;
  provider_class->http_limits = limits;
  provider_class->ops[PB_OP_VERIFY_CREDENTIALS] = test_verify_credentials;
}

static void
pb_test_oauth2_provider_init (PbTestOAuth2Provider *self)
{
}
