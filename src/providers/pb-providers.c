/* pb-providers.c: the table of built-in connectors
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbProviders"

#include "config.h"

#include "pb-providers.h"

/* In the order the set-up assistant offers them. */
static GType (* const builtins[]) (void) = {
  pb_tripletex_provider_get_type,
  pb_visma_provider_get_type,
  pb_fortnox_provider_get_type,
  pb_unimicro_provider_get_type,
};

/* Connectors for tests only, offered when PAYBRIDGE_TEST_PROVIDERS is set
 * (as gnome-software's dummy plugin): a minimal OAuth2 system served by the
 * payroll sandbox. */
static GType (* const test_builtins[]) (void) = {
  pb_test_oauth2_provider_get_type,
};

static gboolean
test_providers_enabled (void)
{
  return g_getenv ("PAYBRIDGE_TEST_PROVIDERS") != NULL;
}

/**
 * pb_provider_list_types:
 *
 * Returns: (transfer full) (array length=n_types): the connector types
 */
GType *
pb_provider_list_types (guint *n_types)
{
  GType *types = g_new0 (GType, G_N_ELEMENTS (builtins) + G_N_ELEMENTS (test_builtins) + 1);
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (builtins); i++)
    types[n++] = builtins[i] ();
  for (guint i = 0; test_providers_enabled () && i < G_N_ELEMENTS (test_builtins); i++)
    types[n++] = test_builtins[i] ();
  *n_types = n;

  return types;
}

/**
 * pb_provider_type_for_id:
 *
 * Returns: the connector type whose id is @system_id, or %G_TYPE_INVALID
 */
GType
pb_provider_type_for_id (const char *system_id)
{
  guint n;
  g_autofree GType *types = pb_provider_list_types (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GTypeClass) klass = g_type_class_ref (types[i]);

      if (g_strcmp0 (((PbProviderClass *) klass)->id, system_id) == 0)
        return types[i];
    }

  return G_TYPE_INVALID;
}
