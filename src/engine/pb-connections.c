/* pb-connections.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnections"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connections.h"
#include "pb-providers.h"
#include "pb-secrets.h"

/**
 * pb_connections_ref_class:
 *
 * Returns: (transfer full) (nullable): the connector class of @system;
 *   unref with g_type_class_unref()
 */
PbProviderClass *
pb_connections_ref_class (const char *system)
{
  GType type = pb_provider_type_for_id (system);

  return type == G_TYPE_INVALID ? NULL : g_type_class_ref (type);
}

/**
 * pb_connections_list_classes:
 *
 * Returns: (transfer full) (element-type PbProviderClass): every connector,
 *   in the order the set-up assistant offers them
 */
GPtrArray *
pb_connections_list_classes (void)
{
  GPtrArray *classes = g_ptr_array_new_with_free_func (g_type_class_unref);
  guint n;
  g_autofree GType *types = pb_provider_list_types (&n);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (classes, g_type_class_ref (types[i]));

  return classes;
}

/**
 * pb_connections_check_sync:
 *
 * SPEC C4: a connection syncs only what its connector supports.
 */
gboolean
pb_connections_check_sync (PbProviderClass  *klass,
                           PbDataTypes       types,
                           GError          **error)
{
  for (guint i = 0; i < 4; i++)
    if ((types & (1 << i)) && !(klass->data_types & (1 << i)))
      {
        g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                     _("%s cannot sync %s: its API has no place for it"), klass->display_name,
                     pb_data_type_to_string (1 << i));
        return FALSE;
      }

  return TRUE;
}

/**
 * pb_connections_offered_types:
 *
 * SPEC C4: what a connection of @klass may sync: what its connector
 * supports and the engine sends (PB_ENGINE_SENDS).
 */
PbDataTypes
pb_connections_offered_types (PbProviderClass *klass)
{
  return klass->data_types & PB_ENGINE_SENDS;
}

/**
 * pb_connections_check_offered:
 *
 * Like pb_connections_check_sync(), and refuses as well a type the engine
 * does not send yet, with the reason: a type is never switched on where
 * nothing would be sent.
 */
gboolean
pb_connections_check_offered (PbProviderClass  *klass,
                              PbDataTypes       types,
                              GError          **error)
{
  PbDataTypes held;

  if (!pb_connections_check_sync (klass, types, error))
    return FALSE;

  held = types & ~PB_ENGINE_SENDS;
  for (guint i = 0; i < 4; i++)
    if (held & (1 << i))
      {
        g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                     _("Paybridge does not send %s yet"), pb_data_type_to_string (1 << i));
        return FALSE;
      }

  return TRUE;
}

/* --- the default scope (SPEC C1) --------------------------------------------- */

G_DEFINE_QUARK (pb-connections-error-quark, pb_connections_error)

/* Trimmed, case-folded; for organisation numbers without inner spaces
 * either ("914 827 361"). NULL for an empty value. */
static char *
normalize (const char *text,
           gboolean    drop_spaces)
{
  g_autofree char *trimmed = NULL;
  g_autoptr(GString) out = NULL;

  if (text == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (text));
  if (*trimmed == '\0')
    return NULL;

  if (!drop_spaces)
    return g_utf8_casefold (trimmed, -1);

  out = g_string_new (NULL);
  for (const char *p = trimmed; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * pb_connections_match_company:
 * @name: (nullable): the payroll company's name
 * @org_number: (nullable): its organisation number
 *
 * The register's company that is the payroll company: the one with the
 * same organisation number; else the one with the same name (trimmed,
 * case-insensitive), unless both have organisation numbers and they
 * differ: two legal entities may share a name, never a number. Two
 * companies that match equally match neither.
 *
 * Returns: (transfer full) (nullable): the company; %NULL with no match
 *   (and no @error) or on a store error
 */
PbRecord *
pb_connections_match_company (PbStore     *store,
                              const char  *name,
                              const char  *org_number,
                              GError     **error)
{
  g_autoptr(GPtrArray) companies = pb_store_list (store, PB_ENTITY_COMPANY, 0, error);
  g_autofree char *want_name = normalize (name, FALSE);
  g_autofree char *want_number = normalize (org_number, TRUE);
  PbRecord *by_number = NULL;
  PbRecord *by_name = NULL;
  guint n_by_number = 0;
  guint n_by_name = 0;

  if (companies == NULL)
    return NULL;

  for (guint i = 0; i < companies->len; i++)
    {
      PbRecord *company = g_ptr_array_index (companies, i);
      g_autofree char *number = normalize (pb_record_get (company, PB_COMPANY_ORG_NUMBER), TRUE);
      g_autofree char *company_name = normalize (pb_record_get (company, PB_COMPANY_NAME), FALSE);

      if (want_number != NULL && g_strcmp0 (number, want_number) == 0)
        {
          by_number = company;
          n_by_number++;
        }
      else if (want_name != NULL && g_strcmp0 (company_name, want_name) == 0 &&
               (number == NULL || want_number == NULL))
        {
          by_name = company;
          n_by_name++;
        }
    }

  if (n_by_number == 1)
    return g_object_ref (by_number);
  if (n_by_number == 0 && n_by_name == 1)
    return g_object_ref (by_name);

  return NULL;
}

/**
 * pb_connections_default_scope:
 * @company: (nullable): the payroll company the credentials opened; %NULL
 *   when it is not known (not verified, or OAuth2 before signing in)
 *
 * SPEC C1: the scope of a new connection when none was chosen: the
 * register's company that matches @company; with no match, all employees
 * if the register has at most one company. With more, everyone would
 * include other companies' staff, so nothing is chosen: the error
 * (PB_CONNECTIONS_ERROR_SCOPE_UNCLEAR) lists the register's companies.
 */
gboolean
pb_connections_default_scope (PbStore               *store,
                              PbConnection          *connection,
                              const PbRemoteCompany *company,
                              GError               **error)
{
  g_autoptr(PbRecord) match = NULL;
  g_autoptr(GPtrArray) companies = NULL;
  g_autoptr(GString) list = NULL;
  g_autoptr(GError) local_error = NULL;

  if (company != NULL)
    {
      match = pb_connections_match_company (store, company->name, company->org_number, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  g_clear_pointer (&connection->scope_key, g_free);
  if (match != NULL)
    {
      connection->scope_kind = PB_SCOPE_COMPANY;
      connection->scope_key = g_strdup (pb_record_get (match, PB_COMPANY_KEY));
      return TRUE;
    }

  companies = pb_store_list (store, PB_ENTITY_COMPANY, 0, error);
  if (companies == NULL)
    return FALSE;

  if (companies->len <= 1)
    {
      connection->scope_kind = PB_SCOPE_ALL;
      return TRUE;
    }

  list = g_string_new (NULL);
  for (guint i = 0; i < companies->len; i++)
    {
      PbRecord *record = g_ptr_array_index (companies, i);
      const char *number = pb_record_get (record, PB_COMPANY_ORG_NUMBER);

      g_string_append_printf (list, "\n  %s  %s", pb_record_get (record, PB_COMPANY_KEY),
                              pb_record_get (record, PB_COMPANY_NAME) ?: "");
      if (number != NULL)
        /* Translators: after a company's name: the organisation number */
        g_string_append_printf (list, _(" (org. no. %s)"), number);
    }

  if (company != NULL)
    {
      g_autofree char *number = company->org_number != NULL ? g_strdup_printf (_(" (org. no. %s)"),
                                                                                company->org_number)
                                                             : NULL;

      g_set_error (error, PB_CONNECTIONS_ERROR, PB_CONNECTIONS_ERROR_SCOPE_UNCLEAR,
                   _("No company of the register matches %s%s, the payroll company, and the register "
                     "has %u companies:%s"),
                   company->name, number != NULL ? number : "", companies->len, list->str);
    }
  else
    g_set_error (error, PB_CONNECTIONS_ERROR, PB_CONNECTIONS_ERROR_SCOPE_UNCLEAR,
                 _("The payroll company is not known yet, and the register has %u companies:%s"),
                 companies->len, list->str);
  return FALSE;
}

/* --- verify ------------------------------------------------------------------ */

static void
on_verified_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  PbRemoteCompany *company = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (company == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, company, (GDestroyNotify) pb_remote_company_free);
}

static void
verify_with (GTask      *task,
             PbProvider *provider)
{
  g_task_set_task_data (task, g_object_ref (provider), g_object_unref);
  pb_provider_call_async (provider, PB_OP_VERIFY_CREDENTIALS, NULL, g_task_get_cancellable (task),
                          on_verified_cb, task);
}

static void
on_opened_for_verify_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(PbProvider) provider = pb_connections_open_finish (result, &error);

  if (provider == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  verify_with (task, provider);
}

/**
 * pb_connections_verify_async:
 * @secrets: (nullable): the credentials to check; %NULL: the keyring's
 *
 * Asks the payroll system whose company the credentials open: the set-up
 * assistant shows its name and currency before anything is saved.
 */
void
pb_connections_verify_async (PbConnection        *connection,
                             GHashTable          *secrets,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(PbProvider) provider = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, pb_connections_verify_async);

  if (secrets == NULL)
    {
      pb_connections_open_async (connection, cancellable, on_opened_for_verify_cb, task);
      return;
    }

  provider = pb_provider_new (connection->system, connection->base_url, secrets, &error);
  if (provider == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  pb_provider_set_company (provider, connection->tenant_id);

  verify_with (task, provider);
}

/**
 * pb_connections_verify_finish:
 *
 * Returns: (transfer full): the payroll company
 */
PbRemoteCompany *
pb_connections_verify_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_connections_verify_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the companies to choose from (issue 15) ---------------------------------- */

static void
on_companies_listed_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *companies = pb_provider_list_companies_finish (PB_PROVIDER (source), result, &error);

  if (companies == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, companies, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_opened_for_companies_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autoptr(PbProvider) provider = pb_connections_open_finish (result, &error);

  if (provider == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  g_task_set_task_data (task, g_object_ref (provider), g_object_unref);
  pb_provider_list_companies_async (provider, g_task_get_cancellable (task), on_companies_listed_cb, task);
}

/**
 * pb_connections_list_companies_async:
 * @connection: a saved connection whose connector chooses a company
 *   (pb_provider_class_chooses_company()), signed in
 *
 * Asks the payroll system which companies the signed-in user may act on,
 * for set-up to choose one (issue 15). The connection's company, if any,
 * plays no part.
 */
void
pb_connections_list_companies_async (PbConnection        *connection,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pb_connections_list_companies_async);
  pb_connections_open_async (connection, cancellable, on_opened_for_companies_cb, task);
}

/**
 * pb_connections_list_companies_finish:
 *
 * Returns: (transfer full) (element-type PbRemoteCompany): the companies;
 *   empty when the user may act on none
 */
GPtrArray *
pb_connections_list_companies_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_connections_list_companies_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- add ---------------------------------------------------------------------- */

typedef struct
{
  PbStore               *store;
  PbConnection          *connection;
  PbConnectionsAddFlags  flags;
  GHashTable            *secrets;
  GList                 *pending;   /* kinds still to store (owned by secrets) */
  GError                *error;     /* the first failure */
} Add;

static void
add_free (Add *add)
{
  g_clear_object (&add->store);
  g_clear_object (&add->connection);
  g_clear_pointer (&add->secrets, g_hash_table_unref);
  g_list_free (add->pending);
  g_clear_error (&add->error);
  g_free (add);
}

static void store_next_secret (GTask *task);

static void
on_rolled_back_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Add *add = g_task_get_task_data (task);

  pb_secrets_clear_finish (result, NULL);
  g_task_return_error (task, g_steal_pointer (&add->error));
}

/* A secret could not be stored: nothing may stay behind, neither the row
 * nor the secrets stored so far. */
static void
roll_back (GTask  *task,
           GError *error)
{
  Add *add = g_task_get_task_data (task);
  g_autoptr(GError) delete_error = NULL;

  add->error = error;
  if (!pb_store_delete_connection (add->store, add->connection, &delete_error))
    g_warning ("Could not take back the connection “%s”: %s", add->connection->name, delete_error->message);
  pb_secrets_clear_async (add->connection->register_id, add->connection->id, NULL, on_rolled_back_cb, task);
}

static void
on_secret_stored_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!pb_secrets_store_finish (result, &error))
    {
      roll_back (task, error);
      return;
    }

  store_next_secret (task);
}

static void
store_next_secret (GTask *task)
{
  Add *add = g_task_get_task_data (task);
  g_autoptr(PbProviderClass) klass = NULL;
  g_autofree char *label = NULL;
  const char *kind;

  if (add->pending == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  kind = add->pending->data;
  add->pending = g_list_delete_link (add->pending, add->pending);
  klass = pb_connections_ref_class (add->connection->system);
  label = pb_secrets_label (klass != NULL ? klass->display_name : add->connection->system,
                            add->connection->name, kind);
  pb_secrets_store_async (add->connection->register_id, add->connection->id, kind, label,
                          g_hash_table_lookup (add->secrets, kind), g_task_get_cancellable (task),
                          on_secret_stored_cb, task);
}

static void
save_and_store (GTask *task)
{
  Add *add = g_task_get_task_data (task);
  GError *error = NULL;

  /* The row first (it gives the id the keyring items are filed under),
   * then the secrets; any failure takes both back. */
  if (!pb_store_save_connection (add->store, add->connection, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  add->pending = g_hash_table_get_keys (add->secrets);
  store_next_secret (task);
}

static void
on_add_verified_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Add *add = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(PbRemoteCompany) company = pb_connections_verify_finish (result, &error);

  if (company == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  g_free (add->connection->remote_company);
  add->connection->remote_company = g_strdup (company->name);
  g_free (add->connection->remote_currency);
  add->connection->remote_currency = g_strdup (company->currency);

  if ((add->flags & PB_CONNECTIONS_ADD_DEFAULT_SCOPE) &&
      !pb_connections_default_scope (add->store, add->connection, company, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  save_and_store (task);
}

/**
 * pb_connections_add_async:
 * @connection: a new connection (id 0); it gets its id
 * @secrets: kind -> secret, every kind the connector needs
 * @flags: PB_CONNECTIONS_ADD_VERIFY: check the credentials with the payroll
 *   system first; PB_CONNECTIONS_ADD_DEFAULT_SCOPE: no scope was chosen,
 *   take pb_connections_default_scope()'s
 *
 * Sets up a connection, established and not active (SPEC C3). With
 * PB_CONNECTIONS_ADD_VERIFY a refusal saves nothing; so does a default
 * scope that cannot be decided. A new connection syncs only what is offered
 * (pb_connections_check_offered(), SPEC C4). The secrets go to the keyring
 * only (SPEC C2); if one cannot be stored, the connection is taken back.
 */
void
pb_connections_add_async (PbStore             *store,
                          PbConnection        *connection,
                          GHashTable          *secrets,
                          PbConnectionsAddFlags flags,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  g_autoptr(PbConnection) existing = pb_store_find_connection (store, connection->name, NULL);
  Add *add = g_new0 (Add, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, pb_connections_add_async);
  add->store = g_object_ref (store);
  add->connection = g_object_ref (connection);
  add->flags = flags;
  add->secrets = secrets != NULL ? g_hash_table_ref (secrets)
                                 : g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_task_set_task_data (task, add, (GDestroyNotify) add_free);

  if (klass == NULL)
    error = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                         _("This Paybridge does not know the payroll system “%s”"), connection->system);
  else if (existing != NULL)
    error = g_error_new (PB_STORE_ERROR, PB_STORE_ERROR_CONSTRAINT,
                         _("There is already a connection called “%s”"), connection->name);
  else if (pb_connections_check_offered (klass, connection->sync_types, &error))
    {
      for (guint i = 0; klass->secret_kinds != NULL && klass->secret_kinds[i] != NULL; i++)
        if (g_hash_table_lookup (add->secrets, klass->secret_kinds[i]) == NULL)
          {
            error = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                                 _("%s needs the %s"), klass->display_name, klass->secret_kinds[i]);
            break;
          }
    }

  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  connection->state = PB_CONNECTION_ESTABLISHED;
  /* An OAuth2 connection has no credentials to check until it signs in
   * (pb_connections_authorize_async). */
  if ((flags & PB_CONNECTIONS_ADD_VERIFY) && klass->auth_kind != PB_AUTH_OAUTH2)
    {
      pb_connections_verify_async (connection, add->secrets, cancellable, on_add_verified_cb, task);
      return;
    }

  /* Not verified: the payroll company is not known. */
  if ((flags & PB_CONNECTIONS_ADD_DEFAULT_SCOPE) &&
      !pb_connections_default_scope (store, connection, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  save_and_store (task);
}

gboolean
pb_connections_add_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_connections_add_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- open --------------------------------------------------------------------- */

static void
on_open_secrets_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbConnection *connection = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GHashTable) secrets = pb_secrets_lookup_finish (result, &error);
  PbProvider *provider;

  if (secrets == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  provider = pb_provider_new (connection->system, connection->base_url, secrets, &error);
  if (provider == NULL)
    g_task_return_error (task, error);
  else
    {
      pb_provider_set_company (provider, connection->tenant_id);
      g_task_return_pointer (task, provider, g_object_unref);
    }
}

/**
 * pb_connections_open_async:
 *
 * Makes the connector of a saved connection, with its secrets from the
 * keyring. A missing secret or a locked keyring is an error of
 * PB_SECRETS_ERROR the UI shows as such (never a hang: PbSecrets times out).
 */
void
pb_connections_open_async (PbConnection        *connection,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  static const char * const no_kinds[] = { NULL };
  const char * const *kinds;
  g_auto(GStrv) labels = NULL;

  g_task_set_source_tag (task, pb_connections_open_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);

  if (klass == NULL)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                               _("This Paybridge does not know the payroll system “%s”"), connection->system);
      g_object_unref (task);
      return;
    }

  /* OAuth2: the tokens are PbOAuth2's business; it reads them from the
   * keyring on the first request and refreshes them. */
  if (klass->auth_kind == PB_AUTH_OAUTH2)
    {
      GError *error = NULL;
      g_autoptr(PbOAuth2) oauth2 = pb_connections_make_oauth2 (connection, &error);
      PbProvider *provider = oauth2 != NULL ? pb_provider_new (connection->system, connection->base_url, NULL, &error)
                                            : NULL;

      if (provider == NULL)
        g_task_return_error (task, error);
      else
        {
          pb_oauth2_attach (oauth2, pb_provider_get_http (provider));
          /* Unimicro: the company chosen at set-up names every request. */
          pb_provider_set_company (provider, connection->tenant_id);
          g_task_return_pointer (task, provider, g_object_unref);
        }
      g_object_unref (task);
      return;
    }

  kinds = klass->secret_kinds != NULL ? klass->secret_kinds : no_kinds;
  labels = pb_secrets_labels (klass->display_name, connection->name, kinds);
  pb_secrets_lookup_async (connection->register_id, connection->id, kinds, (const char * const *) labels,
                           cancellable, on_open_secrets_cb, task);
}

/**
 * pb_connections_open_finish:
 *
 * Returns: (transfer full): the connector, ready to call
 */
PbProvider *
pb_connections_open_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_connections_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- OAuth2 -------------------------------------------------------------------- */

/**
 * pb_connections_make_oauth2:
 *
 * Returns: (transfer full): the OAuth2 client of @connection: the
 *   connector's endpoints and client id, with the connection's overrides
 */
PbOAuth2 *
pb_connections_make_oauth2 (PbConnection  *connection,
                            GError       **error)
{
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  g_autofree char *label = NULL;
  const char *extra[] = { klass != NULL ? klass->oauth2_tenant_param : NULL, connection->tenant_id, NULL };
  PbOAuth2Endpoints endpoints = { 0 };

  if (klass == NULL || klass->auth_kind != PB_AUTH_OAUTH2)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                   _("“%s” does not sign in with OAuth2"), connection->name);
      return NULL;
    }

  endpoints.auth_url = connection->auth_url != NULL ? connection->auth_url : klass->oauth2_auth_url;
  endpoints.token_url = connection->token_url != NULL ? connection->token_url : klass->oauth2_token_url;
  endpoints.client_id = connection->client_id != NULL ? connection->client_id : klass->oauth2_client_id;
  endpoints.scopes = klass->oauth2_scopes;
  /* Paybridge's own registration has its secret built in; a client id of
   * the connection's own (a test server, another registration) brings its
   * secret in the environment, never on a command line. */
  endpoints.client_secret = connection->client_id != NULL ? g_getenv ("PAYBRIDGE_OAUTH2_CLIENT_SECRET")
                                                          : klass->oauth2_client_secret;
  endpoints.client_auth_basic = klass->oauth2_client_auth_basic;
  /* SPEC V1: the tenant goes with the sign-in and with every token request. */
  endpoints.extra_params = klass->oauth2_tenant_param != NULL && connection->tenant_id != NULL ? extra : NULL;
  endpoints.token_params = endpoints.extra_params;
  if (endpoints.auth_url == NULL || endpoints.token_url == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                   _("“%s” has no OAuth2 endpoints: give --auth-url and --token-url"), connection->name);
      return NULL;
    }

  label = pb_secrets_label (klass->display_name, connection->name, PB_OAUTH2_SECRET_KIND);
  return pb_oauth2_new (&endpoints, connection->register_id, connection->id, label, error);
}

typedef struct
{
  PbStore      *store;
  PbConnection *connection;
  PbOAuth2     *oauth2;
} Authorize;

static void
authorize_free (Authorize *state)
{
  g_object_unref (state->store);
  g_object_unref (state->connection);
  g_clear_object (&state->oauth2);
  g_free (state);
}

static void
on_authorized_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Authorize *state = g_task_get_task_data (task);
  PbConnection *connection = state->connection;
  GError *error = NULL;

  if (!pb_oauth2_authorize_finish (PB_OAUTH2 (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Signed in again: back to where it was before it needed to. */
  if (connection->state == PB_CONNECTION_NEEDS_SIGN_IN)
    {
      connection->state = connection->activated_at != NULL ? PB_CONNECTION_ACTIVE : PB_CONNECTION_ESTABLISHED;
      if (!pb_store_save_connection (state->store, connection, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

/**
 * pb_connections_authorize_async:
 * @show_uri: (nullable): called with the sign-in address (the CLI prints it,
 *   the assistant offers to copy it)
 *
 * Signs the connection in with OAuth2 in the system browser (SPEC C2) and
 * keeps the tokens in the keyring.
 */
void
pb_connections_authorize_async (PbStore             *store,
                                PbConnection        *connection,
                                gboolean             open_browser,
                                PbOAuth2UriFunc      show_uri,
                                gpointer             show_uri_data,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Authorize *state = g_new0 (Authorize, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, pb_connections_authorize_async);
  state->store = g_object_ref (store);
  state->connection = g_object_ref (connection);
  g_task_set_task_data (task, state, (GDestroyNotify) authorize_free);

  state->oauth2 = pb_connections_make_oauth2 (connection, &error);
  if (state->oauth2 == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  pb_oauth2_set_open_browser (state->oauth2, open_browser);
  pb_oauth2_authorize_async (state->oauth2, show_uri, show_uri_data, cancellable, on_authorized_cb, task);
}

gboolean
pb_connections_authorize_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_connections_authorize_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- settings and removal ------------------------------------------------------- */

/**
 * pb_connections_save_settings:
 *
 * Saves edited settings (SPEC C4): name, scope, what to sync, endpoints.
 * A data type turned off stops its sends from now on (SPEC C6).
 */
gboolean
pb_connections_save_settings (PbStore       *store,
                              PbConnection  *connection,
                              GError       **error)
{
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);

  if (klass == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                   _("This Paybridge does not know the payroll system “%s”"), connection->system);
      return FALSE;
    }

  if (!pb_connections_check_sync (klass, connection->sync_types, error))
    return FALSE;

  if (connection->base_url != NULL)
    {
      g_autoptr(PbHttp) check = pb_http_new (connection->base_url, NULL, error);

      if (check == NULL)
        return FALSE;
    }

  return pb_store_save_connection (store, connection, error);
}

typedef struct
{
  PbStore      *store;
  PbConnection *connection;
} Remove;

static void
remove_free (Remove *remove)
{
  g_object_unref (remove->store);
  g_object_unref (remove->connection);
  g_free (remove);
}

static void
on_remove_cleared_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Remove *remove = g_task_get_task_data (task);
  GError *error = NULL;

  /* Keyring first: a row without secrets can be removed again, secrets
   * without a row would be orphans nobody sees. */
  if (!pb_secrets_clear_finish (result, &error))
    {
      g_prefix_error (&error, _("Could not delete the connection’s secrets from the keyring: "));
      g_task_return_error (task, error);
      return;
    }

  if (!pb_store_delete_connection (remove->store, remove->connection, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * pb_connections_remove_async:
 *
 * Removes the connection and its keyring items. Nothing is deleted in the
 * payroll system.
 */
void
pb_connections_remove_async (PbStore             *store,
                             PbConnection        *connection,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Remove *remove = g_new0 (Remove, 1);

  g_task_set_source_tag (task, pb_connections_remove_async);
  remove->store = g_object_ref (store);
  remove->connection = g_object_ref (connection);
  g_task_set_task_data (task, remove, (GDestroyNotify) remove_free);

  pb_secrets_clear_async (connection->register_id, connection->id, cancellable, on_remove_cleared_cb, task);
}

gboolean
pb_connections_remove_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_connections_remove_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
