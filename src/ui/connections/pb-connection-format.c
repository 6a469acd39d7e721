/* pb-connection-format.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionFormat"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-format.h"
#include "pb-connections.h"

/* Words for connections, shared by the list, the set-up assistant and the
 * settings window, so that a state or a scope reads the same everywhere. */

const PbDataTypes pb_connection_data_types[PB_N_DATA_TYPES] = {
  PB_DATA_USERS, PB_DATA_POSITIONS, PB_DATA_ABSENCE, PB_DATA_SALARY,
};

/* Inside a sentence: "users, positions and salary". */
static const char *
data_type_word (PbDataTypes type)
{
  switch (type)
    {
    case PB_DATA_USERS:
      return _("users");
    case PB_DATA_POSITIONS:
      return _("positions");
    case PB_DATA_ABSENCE:
      return _("absence");
    case PB_DATA_SALARY:
      return _("salary");
    default:
      return pb_data_type_to_string (type);
    }
}

/* SPEC C3: a new connection is established, and says plainly that it does
 * not sync yet. */
const char *
pb_connection_format_state (PbConnectionState state)
{
  switch (state)
    {
    case PB_CONNECTION_ESTABLISHED:
      return _("Established — not active yet");
    case PB_CONNECTION_ACTIVE:
      return _("Active");
    case PB_CONNECTION_NEEDS_SIGN_IN:
      return _("Needs sign-in");
    case PB_CONNECTION_ERROR:
      return _("Error");
    default:
      return pb_connection_state_to_string (state);
    }
}

/* A libadwaita style class for the state's label. */
const char *
pb_connection_format_state_style (PbConnectionState state)
{
  switch (state)
    {
    case PB_CONNECTION_ESTABLISHED:
      return "accent";
    case PB_CONNECTION_ACTIVE:
      return "success";
    case PB_CONNECTION_NEEDS_SIGN_IN:
      return "warning";
    case PB_CONNECTION_ERROR:
    default:
      return "error";
    }
}

/* As a title: "Users". */
const char *
pb_connection_format_data_type (PbDataTypes type)
{
  switch (type)
    {
    case PB_DATA_USERS:
      return _("Users");
    case PB_DATA_POSITIONS:
      return _("Positions");
    case PB_DATA_ABSENCE:
      return _("Absence");
    case PB_DATA_SALARY:
      return _("Salary");
    default:
      return pb_data_type_to_string (type);
    }
}

/* "a", "a and b", "a, b and c", with the first letter capitalized when
 * @capitalize. */
static char *
join_words (GPtrArray *words,
            gboolean   capitalize)
{
  g_autofree char *text = NULL;

  if (words->len == 0)
    return NULL;

  text = g_strdup (g_ptr_array_index (words, 0));
  for (guint i = 1; i < words->len; i++)
    {
      char *longer;

      if (i + 1 < words->len)
        /* Translators: joins items of a list: "users, positions" */
        longer = g_strdup_printf (_("%s, %s"), text, (const char *) g_ptr_array_index (words, i));
      else
        /* Translators: joins the last item of a list: "users, positions and salary" */
        longer = g_strdup_printf (_("%s and %s"), text, (const char *) g_ptr_array_index (words, i));

      g_free (text);
      text = longer;
    }

  if (capitalize && text[0] != '\0')
    {
      gunichar first = g_unichar_totitle (g_utf8_get_char (text));
      char buffer[8] = { 0 };

      g_unichar_to_utf8 (first, buffer);
      return g_strconcat (buffer, g_utf8_next_char (text), NULL);
    }

  return g_steal_pointer (&text);
}

/**
 * pb_connection_format_data_types:
 *
 * Returns: (transfer full): "Users, positions and salary", or "Nothing" when
 *   @types is empty
 */
char *
pb_connection_format_data_types (PbDataTypes types)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new ();

  for (guint i = 0; i < PB_N_DATA_TYPES; i++)
    if (types & pb_connection_data_types[i])
      g_ptr_array_add (words, (gpointer) data_type_word (pb_connection_data_types[i]));

  if (words->len == 0)
    return g_strdup (_("Nothing"));

  return join_words (words, TRUE);
}

/**
 * pb_connection_format_data_types_in_sentence:
 *
 * Returns: (transfer full): "users, positions and salary"
 */
char *
pb_connection_format_data_types_in_sentence (PbDataTypes types)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new ();

  for (guint i = 0; i < PB_N_DATA_TYPES; i++)
    if (types & pb_connection_data_types[i])
      g_ptr_array_add (words, (gpointer) data_type_word (pb_connection_data_types[i]));

  if (words->len == 0)
    return g_strdup (_("nothing"));

  return join_words (words, FALSE);
}

/**
 * pb_connection_format_capabilities:
 *
 * The one-line summary of a connector in the set-up assistant, read from its
 * capability flags (SPEC C4): what Paybridge syncs with it (what the
 * connector supports and the engine sends) and how it signs in.
 *
 * Returns: (transfer full): "Users, positions and salary · API tokens"
 */
char *
pb_connection_format_capabilities (PbProviderClass *klass)
{
  g_autofree char *types = pb_connection_format_data_types (pb_connections_offered_types (klass));
  const char *auth = klass->auth_kind == PB_AUTH_OAUTH2 ? _("sign in with OAuth2") : _("API tokens");

  if (pb_connection_class_wants_tenant_id (klass))
    /* Translators: "Users and positions · sign in with OAuth2 and a tenant ID" */
    return g_strdup_printf (_("%s · %s and a tenant ID"), types, auth);
  if (pb_provider_class_chooses_company (klass))
    /* Translators: "Users, positions and salary · sign in with OAuth2, then choose the company" */
    return g_strdup_printf (_("%s · %s, then choose the company"), types, auth);

  /* Translators: "Users, positions, absence and salary · API tokens" */
  return g_strdup_printf (_("%s · %s"), types, auth);
}

static char *
dup_name (PbStore    *store,
          PbEntity    entity,
          const char *key)
{
  g_autoptr(PbRecord) record = NULL;

  if (store == NULL || key == NULL)
    return NULL;

  record = pb_store_find_by_key (store, entity, key, NULL);
  if (record == NULL)
    return NULL;

  /* Companies, locations and teams all have their name at index 1. */
  G_STATIC_ASSERT (PB_COMPANY_NAME == 1 && PB_LOCATION_NAME == 1 && PB_TEAM_NAME == 1);
  return g_strdup (pb_record_get (record, 1));
}

/**
 * pb_connection_format_scope:
 * @store: (nullable): the register, to show names rather than keys
 *
 * SPEC C1: who the connection covers.
 *
 * Returns: (transfer full): "All employees", "Team: Engineering"…
 */
char *
pb_connection_format_scope (PbConnection *connection,
                            PbStore      *store)
{
  g_autofree char *name = NULL;

  switch (connection->scope_kind)
    {
    case PB_SCOPE_TEAM:
      name = dup_name (store, PB_ENTITY_TEAM, connection->scope_key);
      return g_strdup_printf (_("Team: %s"), name != NULL ? name : connection->scope_key);
    case PB_SCOPE_LOCATION:
      name = dup_name (store, PB_ENTITY_LOCATION, connection->scope_key);
      return g_strdup_printf (_("Location: %s"), name != NULL ? name : connection->scope_key);
    case PB_SCOPE_COMPANY:
      name = dup_name (store, PB_ENTITY_COMPANY, connection->scope_key);
      return g_strdup_printf (_("Company: %s"), name != NULL ? name : connection->scope_key);
    case PB_SCOPE_ALL:
    default:
      return g_strdup (_("All employees"));
    }
}

/**
 * pb_connection_format_secret_kind:
 *
 * Returns: (transfer full): the title of a secret's field: "Consumer token"
 */
char *
pb_connection_format_secret_kind (const char *kind)
{
  g_autofree char *words = NULL;

  if (g_str_equal (kind, "consumer-token"))
    return g_strdup (_("Consumer token"));
  if (g_str_equal (kind, "employee-token"))
    return g_strdup (_("Employee token"));
  if (g_str_equal (kind, "client-secret"))
    return g_strdup (_("Client secret"));
  if (g_str_equal (kind, "api-key"))
    return g_strdup (_("API key"));
  if (g_str_equal (kind, PB_SECRET_KIND_TENANT_ID))
    return g_strdup (_("Tenant ID"));

  /* A kind this build has no words for: "company-key" -> "Company key". */
  words = g_strdelimit (g_strdup (kind), "-_", ' ');
  words[0] = g_ascii_toupper (words[0]);
  return g_steal_pointer (&words);
}

/**
 * pb_connection_format_company:
 *
 * Returns: (transfer full) (nullable): "Sandbox AS (NOK)"
 */
char *
pb_connection_format_company (const char *name,
                              const char *currency)
{
  if (name == NULL)
    return NULL;
  if (currency == NULL || *currency == '\0')
    return g_strdup (name);

  /* Translators: a payroll company and its currency: "Sandbox AS (NOK)" */
  return g_strdup_printf (_("%s (%s)"), name, currency);
}

/**
 * pb_connection_class_wants_tenant_id:
 *
 * Whether the connector asks for a tenant ID as well (Visma.net Payroll,
 * SPEC V1): a capability of its class, `oauth2_tenant_param`. The UI keeps
 * it in the connection's `tenant_id`, from where it goes with the sign-in.
 * Unlike the tokens, it is shown in plain text: it is copied from
 * Visma.net Payroll's settings and is not a password.
 */
gboolean
pb_connection_class_wants_tenant_id (PbProviderClass *klass)
{
  return klass->oauth2_tenant_param != NULL;
}

/* Whether the user types @kind as a password (API tokens only: an OAuth2
 * connector's secrets come from signing in). */
gboolean
pb_connection_class_is_secret_kind (PbProviderClass *klass,
                                    const char      *kind)
{
  return klass->auth_kind == PB_AUTH_API_TOKENS && !g_str_equal (kind, PB_SECRET_KIND_TENANT_ID);
}

/**
 * pb_connection_ui_copy:
 *
 * The windows edit a copy: the connection the list shows changes only when
 * the store does.
 *
 * Returns: (transfer full): a copy of every field of @connection
 */
PbConnection *
pb_connection_ui_copy (PbConnection *connection)
{
  PbConnection *copy = pb_connection_new ();

  copy->id = connection->id;
  copy->name = g_strdup (connection->name);
  copy->system = g_strdup (connection->system);
  copy->scope_kind = connection->scope_kind;
  copy->scope_key = g_strdup (connection->scope_key);
  copy->sync_types = connection->sync_types;
  copy->base_url = g_strdup (connection->base_url);
  copy->auth_url = g_strdup (connection->auth_url);
  copy->token_url = g_strdup (connection->token_url);
  copy->tenant_id = g_strdup (connection->tenant_id);
  copy->client_id = g_strdup (connection->client_id);
  copy->state = connection->state;
  copy->remote_company = g_strdup (connection->remote_company);
  copy->remote_currency = g_strdup (connection->remote_currency);
  copy->created_at = g_strdup (connection->created_at);
  copy->activated_at = g_strdup (connection->activated_at);
  copy->register_id = g_strdup (connection->register_id);

  return copy;
}
