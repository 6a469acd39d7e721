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
};

/**
 * pb_provider_list_types:
 *
 * Returns: (transfer full) (array length=n_types): the connector types
 */
GType *
pb_provider_list_types (guint *n_types)
{
  GType *types = g_new0 (GType, G_N_ELEMENTS (builtins) + 1);

  for (guint i = 0; i < G_N_ELEMENTS (builtins); i++)
    types[i] = builtins[i] ();
  *n_types = G_N_ELEMENTS (builtins);

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
  for (guint i = 0; i < G_N_ELEMENTS (builtins); i++)
    {
      GType type = builtins[i] ();
      g_autoptr(GTypeClass) klass = g_type_class_ref (type);

      if (g_strcmp0 (((PbProviderClass *) klass)->id, system_id) == 0)
        return type;
    }

  return G_TYPE_INVALID;
}
