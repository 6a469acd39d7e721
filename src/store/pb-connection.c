/* pb-connection.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnection"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-connection.h"
#include "pb-store.h"

G_DEFINE_FINAL_TYPE (PbConnection, pb_connection, G_TYPE_OBJECT)

static const char * const state_names[] = { "established", "active", "needs-sign-in", "error" };
static const char * const scope_names[] = { "all", "team", "location", "company" };

static void
pb_connection_finalize (GObject *object)
{
  PbConnection *self = (PbConnection *) object;

  g_free (self->name);
  g_free (self->system);
  g_free (self->scope_key);
  g_free (self->base_url);
  g_free (self->auth_url);
  g_free (self->token_url);
  g_free (self->tenant_id);
  g_free (self->client_id);
  g_free (self->remote_company);
  g_free (self->remote_currency);
  g_free (self->created_at);
  g_free (self->activated_at);
  g_free (self->register_id);

  G_OBJECT_CLASS (pb_connection_parent_class)->finalize (object);
}

static void
pb_connection_class_init (PbConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pb_connection_finalize;
}

static void
pb_connection_init (PbConnection *self)
{
}

PbConnection *
pb_connection_new (void)
{
  return g_object_new (PB_TYPE_CONNECTION, NULL);
}

const char *
pb_connection_state_to_string (PbConnectionState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);

  return state_names[state];
}

gboolean
pb_connection_state_from_string (const char        *text,
                                 PbConnectionState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      {
        *state = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * pb_scope_kind_field:
 *
 * Returns: the employee field a scope of @kind compares with its key
 *   (%PB_EMPLOYEE_TEAM, ...), or -1 for everyone
 */
int
pb_scope_kind_field (PbScopeKind kind)
{
  switch (kind)
    {
    case PB_SCOPE_TEAM:
      return PB_EMPLOYEE_TEAM;
    case PB_SCOPE_LOCATION:
      return PB_EMPLOYEE_LOCATION;
    case PB_SCOPE_COMPANY:
      return PB_EMPLOYEE_COMPANY;
    case PB_SCOPE_ALL:
    default:
      return -1;
    }
}

/**
 * pb_scope_covers:
 * @key: (nullable): the team, location or company key of the scope
 *
 * SPEC C1: whether a connection's scope (everyone, or one team, location or
 * company) covers @employee. The one test the engine's enqueue, user sync
 * and the person pane share.
 */
gboolean
pb_scope_covers (PbScopeKind  kind,
                 const char  *key,
                 PbRecord    *employee)
{
  int field = pb_scope_kind_field (kind);

  return field < 0 || g_strcmp0 (pb_record_get (employee, field), key) == 0;
}

/**
 * pb_connection_dup_scope:
 *
 * Returns: (transfer full): "all", or "team:KEY", "location:KEY", "company:KEY"
 */
char *
pb_connection_dup_scope (PbConnection *self)
{
  if (self->scope_kind == PB_SCOPE_ALL)
    return g_strdup ("all");

  return g_strdup_printf ("%s:%s", scope_names[self->scope_kind], self->scope_key);
}

/**
 * pb_connection_parse_scope:
 * @text: "all", "team:KEY", "location:KEY" or "company:KEY" (SPEC C1)
 */
gboolean
pb_connection_parse_scope (PbConnection  *self,
                           const char    *text,
                           GError       **error)
{
  const char *colon = strchr (text, ':');

  if (g_str_equal (text, "all"))
    {
      self->scope_kind = PB_SCOPE_ALL;
      g_clear_pointer (&self->scope_key, g_free);
      return TRUE;
    }

  for (guint i = PB_SCOPE_TEAM; colon != NULL && colon[1] != '\0' && i < G_N_ELEMENTS (scope_names); i++)
    if (strncmp (text, scope_names[i], colon - text) == 0 && strlen (scope_names[i]) == (gsize) (colon - text))
      {
        self->scope_kind = i;
        g_free (self->scope_key);
        self->scope_key = g_strdup (colon + 1);
        return TRUE;
      }

  g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT,
               _("“%s” is not a scope: use all, team:KEY, location:KEY or company:KEY"), text);
  return FALSE;
}
