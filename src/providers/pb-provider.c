/* pb-provider.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbProvider"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-provider.h"
#include "pb-providers.h"
#include "pb-json-guard.h"

/* PbProvider is the base of every connector. A connector is a subclass that
 * fills in its class: what it is (capability flags, field rules) and a table
 * of operations. Everything that is the same for all systems lives here or
 * in PbHttp: the not-supported check, paging, versioned updates with one
 * refetch on a conflict, and (in PbHttp) retries, rate limits and errors.
 * Connector code maps fields and paths, nothing more. */

typedef struct
{
  char       *base_url;
  GHashTable *secrets;   /* kind -> value; in memory only, never logged */
  char       *company;   /* (nullable) see pb_provider_set_company() */
  PbHttp     *http;
} PbProviderPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PbProvider, pb_provider, G_TYPE_OBJECT)

static const char * const op_names[PB_N_OPS] = {
  [PB_OP_VERIFY_CREDENTIALS] = "verify credentials",
  [PB_OP_LIST_EMPLOYEES]     = "list employees",
  [PB_OP_FIND_EMPLOYEE]      = "find an employee",
  [PB_OP_CREATE_EMPLOYEE]    = "create an employee",
  [PB_OP_UPDATE_EMPLOYEE]    = "update an employee",
  [PB_OP_LIST_EMPLOYMENTS]   = "list employments",
  [PB_OP_CREATE_EMPLOYMENT]  = "create an employment",
  [PB_OP_UPDATE_EMPLOYMENT]  = "update an employment",
  [PB_OP_DELETE_EMPLOYMENT]  = "delete an employment",
  [PB_OP_LIST_ABSENCE_TYPES] = "list absence types",
  [PB_OP_CREATE_ABSENCE]     = "create an absence",
  [PB_OP_UPDATE_ABSENCE]     = "update an absence",
  [PB_OP_DELETE_ABSENCE]     = "delete an absence",
  [PB_OP_CREATE_SALARY]      = "create a salary",
  [PB_OP_UPDATE_SALARY]      = "update a salary",
  [PB_OP_DELETE_SALARY]      = "delete a salary",
  [PB_OP_LIST_SALARIES]      = "list salaries",
  [PB_OP_LIST_COMPANIES]     = "list companies",
};

/* What an operation does with args->record: only creates and updates send
 * its fields, so only they are checked and prepared by the field rules. */
typedef enum
{
  OP_READS,
  OP_CREATES,
  OP_UPDATES,
  OP_DELETES,
} OpKind;

static const OpKind op_kinds[PB_N_OPS] = {
  [PB_OP_VERIFY_CREDENTIALS] = OP_READS,
  [PB_OP_LIST_EMPLOYEES]     = OP_READS,
  [PB_OP_FIND_EMPLOYEE]      = OP_READS,
  [PB_OP_CREATE_EMPLOYEE]    = OP_CREATES,
  [PB_OP_UPDATE_EMPLOYEE]    = OP_UPDATES,
  [PB_OP_LIST_EMPLOYMENTS]   = OP_READS,
  [PB_OP_CREATE_EMPLOYMENT]  = OP_CREATES,
  [PB_OP_UPDATE_EMPLOYMENT]  = OP_UPDATES,
  [PB_OP_DELETE_EMPLOYMENT]  = OP_DELETES,
  [PB_OP_LIST_ABSENCE_TYPES] = OP_READS,
  [PB_OP_CREATE_ABSENCE]     = OP_CREATES,
  [PB_OP_UPDATE_ABSENCE]     = OP_UPDATES,
  [PB_OP_DELETE_ABSENCE]     = OP_DELETES,
  [PB_OP_CREATE_SALARY]      = OP_CREATES,
  [PB_OP_UPDATE_SALARY]      = OP_UPDATES,
  [PB_OP_DELETE_SALARY]      = OP_DELETES,
  [PB_OP_LIST_SALARIES]      = OP_READS,
  [PB_OP_LIST_COMPANIES]     = OP_READS,
};

/* PbProviderArgs.omit has one bit per field of a record. */
G_STATIC_ASSERT (PB_COMPANY_N_FIELDS <= 64);
G_STATIC_ASSERT (PB_EMPLOYEE_N_FIELDS <= 64);
G_STATIC_ASSERT (PB_POSITION_N_FIELDS <= 64);
G_STATIC_ASSERT (PB_ABSENCE_N_FIELDS <= 64);
G_STATIC_ASSERT (PB_SALARY_N_FIELDS <= 64);

#define FIELD_BIT(field) (G_GUINT64_CONSTANT (1) << (field))

const char *
pb_provider_op_to_string (PbProviderOp op)
{
  g_return_val_if_fail (op < PB_N_OPS, NULL);

  return op_names[op];
}

static void
pb_provider_finalize (GObject *object)
{
  PbProvider *self = (PbProvider *) object;
  PbProviderPrivate *priv = pb_provider_get_instance_private (self);

  g_clear_object (&priv->http);
  g_clear_pointer (&priv->secrets, g_hash_table_unref);
  g_free (priv->base_url);
  g_free (priv->company);

  G_OBJECT_CLASS (pb_provider_parent_class)->finalize (object);
}

static void
pb_provider_class_init (PbProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pb_provider_finalize;
  klass->page_size = 1000;
}

static void
pb_provider_init (PbProvider *self)
{
}

/**
 * pb_provider_new:
 * @system_id: a connector id, e.g. "tripletex"
 * @base_url: (nullable): the API's address; %NULL for the system's production one
 * @secrets: (nullable): credentials by kind ("consumer-token", "access-token"...)
 *
 * Returns: (transfer full): the connector, ready to call
 */
PbProvider *
pb_provider_new (const char  *system_id,
                 const char  *base_url,
                 GHashTable  *secrets,
                 GError     **error)
{
  GType type = pb_provider_type_for_id (system_id);
  g_autoptr(PbProvider) self = NULL;
  PbProviderPrivate *priv;
  PbProviderClass *klass;

  if (type == G_TYPE_INVALID)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                   _("There is no payroll system “%s” (known: %s)"), system_id, "tripletex, visma, unimicro");
      return NULL;
    }

  self = g_object_new (type, NULL);
  priv = pb_provider_get_instance_private (self);
  klass = PB_PROVIDER_GET_CLASS (self);

  priv->base_url = g_strdup (base_url != NULL ? base_url : klass->default_base_url);
  priv->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (secrets != NULL)
    {
      GHashTableIter iter;
      gpointer kind, value;

      g_hash_table_iter_init (&iter, secrets);
      while (g_hash_table_iter_next (&iter, &kind, &value))
        g_hash_table_insert (priv->secrets, g_strdup (kind), g_strdup (value));
    }

  priv->http = pb_http_new (priv->base_url, &klass->http_limits, error);
  if (priv->http == NULL)
    return NULL;

  /* Every connector's bound on requests in flight is paced by its
   * system's answers (issue 14); its limits' max_in_flight is the ceiling. */
  pb_http_set_paced (priv->http, TRUE);

  if (klass->setup_http != NULL)
    klass->setup_http (self, priv->http);

  return g_steal_pointer (&self);
}

/**
 * pb_provider_set_company:
 * @company: (nullable): the company's key, as the system's companies list gives it
 *
 * For a connector whose class has a `company_header`: every request from
 * now on names @company in it. Others ignore it.
 */
void
pb_provider_set_company (PbProvider *self,
                         const char *company)
{
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (self);
  PbProviderPrivate *priv = pb_provider_get_instance_private (self);

  if (klass->company_header == NULL)
    return;
  g_free (priv->company);
  priv->company = company != NULL && *company != '\0' ? g_strdup (company) : NULL;
  pb_http_set_header (pb_provider_get_http (self), klass->company_header, priv->company);
}

/**
 * pb_provider_get_company:
 *
 * Returns: (nullable): the company set with pb_provider_set_company()
 */
const char *
pb_provider_get_company (PbProvider *self)
{
  PbProviderPrivate *priv = pb_provider_get_instance_private (self);

  return priv->company;
}

const char *
pb_provider_get_id (PbProvider *self)
{
  return PB_PROVIDER_GET_CLASS (self)->id;
}

const char *
pb_provider_get_display_name (PbProvider *self)
{
  return PB_PROVIDER_GET_CLASS (self)->display_name;
}

PbHttp *
pb_provider_get_http (PbProvider *self)
{
  PbProviderPrivate *priv = pb_provider_get_instance_private (self);

  return priv->http;
}

/**
 * pb_provider_get_secret:
 *
 * Returns: (nullable): the credential of @kind given at construction
 */
const char *
pb_provider_get_secret (PbProvider *self,
                        const char *kind)
{
  PbProviderPrivate *priv = pb_provider_get_instance_private (self);

  return g_hash_table_lookup (priv->secrets, kind);
}

gboolean
pb_provider_supports (PbProvider   *self,
                      PbProviderOp  op)
{
  g_return_val_if_fail (PB_IS_PROVIDER (self), FALSE);

  return pb_provider_class_supports (PB_PROVIDER_GET_CLASS (self), op);
}

/**
 * pb_provider_class_supports:
 *
 * Returns: whether connectors of @klass implement @op (a NULL entry in
 *   its `ops` table means they do not)
 */
gboolean
pb_provider_class_supports (PbProviderClass *klass,
                            PbProviderOp     op)
{
  g_return_val_if_fail (klass != NULL, FALSE);
  g_return_val_if_fail (op < PB_N_OPS, FALSE);

  return klass->ops[op] != NULL;
}

/**
 * pb_provider_call_async:
 * @args: (nullable): what the operation works on; only read during this call
 *
 * Runs @op on the payroll system. Operations the connector does not have
 * fail with %PB_PROVIDER_ERROR_NOT_SUPPORTED without any request.
 *
 * A create or an update is first held to the class's field rules (see
 * pb_provider_class_prepare_record()): a record that breaks one fails with
 * %PB_PROVIDER_ERROR_INVALID_INPUT without any request, and the connector
 * gets a prepared copy of the record, with `omit` and `pay_by_cash` set in
 * its args. @args->record itself is never changed.
 */
void
pb_provider_call_async (PbProvider           *self,
                        PbProviderOp          op,
                        const PbProviderArgs *args,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  static const PbProviderArgs no_args = { NULL };
  PbProviderClass *klass;
  g_autoptr(GTask) task = NULL;
  g_autoptr(PbRecord) prepared_record = NULL;
  PbProviderArgs prepared;

  g_return_if_fail (PB_IS_PROVIDER (self));
  g_return_if_fail (op < PB_N_OPS);

  klass = PB_PROVIDER_GET_CLASS (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pb_provider_call_async);
  g_task_set_name (task, op_names[op]);

  if (klass->ops[op] == NULL)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED,
                               _("%s cannot %s"), klass->display_name, op_names[op]);
      return;
    }

  if (args != NULL && args->record != NULL && (op_kinds[op] == OP_CREATES || op_kinds[op] == OP_UPDATES))
    {
      g_autoptr(GError) error = NULL;

      /* The connector sees only the prepared copy: a rule is kept even by
       * a connector that forgets `omit`, as the value is not there to send. */
      prepared = *args;
      prepared_record = pb_provider_class_prepare_record (klass, op, args->record, &prepared.omit,
                                                          &prepared.pay_by_cash, &error);
      if (prepared_record == NULL)
        {
          /* (not the message: it quotes the HR value) */
          g_debug ("Not sent to %s: %s breaks a field rule", klass->display_name, op_names[op]);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      prepared.record = prepared_record;
      args = &prepared;
    }
  else if (args != NULL && (args->omit != 0 || args->pay_by_cash))
    {
      /* Only the rules set these; reads and deletes send no record. */
      prepared = *args;
      prepared.omit = 0;
      prepared.pay_by_cash = FALSE;
      args = &prepared;
    }

  klass->ops[op] (self, args != NULL ? args : &no_args, g_steal_pointer (&task));
}

/**
 * pb_provider_call_finish:
 *
 * Returns: (transfer full) (nullable): what the operation's comment in
 *   pb-provider.h says it gives; %NULL with @error set on failure
 */
gpointer
pb_provider_call_finish (PbProvider    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_provider_call_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pb_provider_class_chooses_company:
 *
 * Whether setting up a connection means choosing one company among those
 * the signed-in user may act on (Unimicro's CompanyKey, issue 15): the
 * class names a `company_header` and can list the companies. A capability
 * of the class, so that the UI never tests a system's name.
 */
gboolean
pb_provider_class_chooses_company (PbProviderClass *klass)
{
  g_return_val_if_fail (klass != NULL, FALSE);

  return klass->company_header != NULL && klass->ops[PB_OP_LIST_COMPANIES] != NULL;
}

/**
 * pb_provider_list_companies_async:
 *
 * Lists the companies the signed-in user may act on (PB_OP_LIST_COMPANIES);
 * no company needs to be set for it.
 */
void
pb_provider_list_companies_async (PbProvider          *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  pb_provider_call_async (self, PB_OP_LIST_COMPANIES, NULL, cancellable, callback, user_data);
}

/**
 * pb_provider_list_companies_finish:
 *
 * Returns: (transfer full) (element-type PbRemoteCompany): the companies,
 *   in the system's order; empty when the user may act on none
 */
GPtrArray *
pb_provider_list_companies_finish (PbProvider    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return pb_provider_call_finish (self, result, error);
}

/* --- field rules ------------------------------------------------------------------ */

static const PbFieldRule *
find_rule (PbProviderClass *klass,
           PbEntity         entity,
           guint            field)
{
  for (const PbFieldRule *rule = klass->field_rules; rule != NULL && rule->entity != PB_N_ENTITIES; rule++)
    if (rule->entity == entity && rule->field == field)
      return rule;

  return NULL;
}

/**
 * pb_provider_class_get_rule_flags:
 *
 * Returns: how @klass's payroll system treats @field of @entity records
 *   (SPEC V2-V4); %PB_FIELD_RULE_NONE when it has no rule for it
 */
PbFieldRuleFlags
pb_provider_class_get_rule_flags (PbProviderClass *klass,
                                  PbEntity         entity,
                                  guint            field)
{
  const PbFieldRule *rule;

  g_return_val_if_fail (PB_IS_PROVIDER_CLASS (klass), PB_FIELD_RULE_NONE);

  rule = find_rule (klass, entity, field);
  return rule != NULL ? rule->flags : PB_FIELD_RULE_NONE;
}

/**
 * pb_provider_class_get_max_length:
 *
 * Returns: the most characters @klass's payroll system takes in @field of
 *   @entity records, or 0 for no limit of its own (SPEC V2)
 */
guint
pb_provider_class_get_max_length (PbProviderClass *klass,
                                  PbEntity         entity,
                                  guint            field)
{
  const PbFieldRule *rule;

  g_return_val_if_fail (PB_IS_PROVIDER_CLASS (klass), 0);

  rule = find_rule (klass, entity, field);
  return rule != NULL ? rule->max_length : 0;
}

/**
 * pb_provider_class_reads_field:
 *
 * Whether user sync compares @field of @entity records with payroll and
 * may take payroll's value (SPEC U3; for first and last workday, V5): the
 * class lists it in `readable_fields`.
 */
gboolean
pb_provider_class_reads_field (PbProviderClass *klass,
                               PbEntity         entity,
                               guint            field)
{
  g_return_val_if_fail (PB_IS_PROVIDER_CLASS (klass), FALSE);

  for (const PbFieldRef *ref = klass->readable_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == entity && ref->field == field)
      return TRUE;

  return FALSE;
}

/* "Employment ID (employee number)": the system's name for the field when
 * the rule gives one, and always the HR register's, so the administrator
 * knows which field to fill in or shorten. */
static char *
describe_field (const PbFieldRule *rule,
                PbEntity           entity,
                guint              field)
{
  g_autofree char *hr_name = g_strdup (pb_entity_get_def (entity)->fields[field].name);

  g_strdelimit (hr_name, "_", ' ');
  if (rule != NULL && rule->label != NULL)
    return g_strdup_printf ("%s (%s)", rule->label, hr_name);
  return g_steal_pointer (&hr_name);
}

/**
 * pb_provider_class_pays_by_cash:
 * @employee: an HR employee
 *
 * SPEC V3: with `bank_account_national_country` set, only a national
 * account number of that country is sent; an employee of any other
 * country is sent with the payment method "cash". An employee whose
 * country is not filled in is not "another country": the HR register's
 * bank account is a national (MOD11-checked) number, and sending "cash"
 * would replace an account payroll may be paying into.
 *
 * Returns: %TRUE if @employee is to be paid by cash in @klass's system
 */
gboolean
pb_provider_class_pays_by_cash (PbProviderClass *klass,
                                PbRecord        *employee)
{
  const char *country;

  g_return_val_if_fail (PB_IS_PROVIDER_CLASS (klass), FALSE);
  g_return_val_if_fail (PB_IS_RECORD (employee), FALSE);

  if (klass->bank_account_national_country == NULL || pb_record_get_entity (employee) != PB_ENTITY_EMPLOYEE)
    return FALSE;

  country = pb_record_get (employee, PB_EMPLOYEE_COUNTRY);
  return country != NULL && g_ascii_strcasecmp (country, klass->bank_account_national_country) != 0;
}

/**
 * pb_provider_class_clears_end_reason:
 * @employee: the HR employee being sent
 * @payroll_employee: (nullable): the same employee as payroll holds it,
 *   mapped into HR fields (as the connector read it before the update)
 *
 * SPEC V5: in a system with `clears_end_reason_with_last_workday`, removing
 * the last workday in HR also clears the end reason of the employee's
 * selected position (SPEC P5) in payroll. Such a system asks for an end
 * reason whenever a last workday is registered; one left behind would end
 * the employment again at the next change. The connector calls this in its
 * employee update, once it has read the employee, and clears the end
 * reason in the same update.
 *
 * Returns: %TRUE if the connector must clear the selected position's end
 *   reason: the rule holds, @employee has no last workday and
 *   @payroll_employee has one
 */
gboolean
pb_provider_class_clears_end_reason (PbProviderClass *klass,
                                     PbRecord        *employee,
                                     PbRecord        *payroll_employee)
{
  g_return_val_if_fail (PB_IS_PROVIDER_CLASS (klass), FALSE);
  g_return_val_if_fail (PB_IS_RECORD (employee), FALSE);

  return klass->clears_end_reason_with_last_workday &&
         payroll_employee != NULL &&
         pb_record_get (employee, PB_EMPLOYEE_LAST_WORKDAY) == NULL &&
         pb_record_get (payroll_employee, PB_EMPLOYEE_LAST_WORKDAY) != NULL;
}

/**
 * pb_provider_class_check_record:
 * @op: what @record is for: a create or an update (any other op passes)
 * @record: the HR record to send
 *
 * Holds @record to the class's field rules before anything is sent
 * (SPEC V2): a field required to create must be filled in for a create,
 * and a field the system limits must fit, counted in characters. Fields
 * that are not sent (V4), or not sent for this employee (the bank account
 * of one paid by cash, V3), are not held to their limits. The engine and
 * the UI may call it to warn before a sync (SPEC U2); pb_provider_call_async()
 * calls it on every create and update.
 *
 * Returns: %TRUE if @record may be sent; else %FALSE with @error set to
 *   %PB_PROVIDER_ERROR_INVALID_INPUT naming the field and the system
 */
gboolean
pb_provider_class_check_record (PbProviderClass  *klass,
                                PbProviderOp      op,
                                PbRecord         *record,
                                GError          **error)
{
  PbEntity entity;
  gboolean cash;

  g_return_val_if_fail (PB_IS_PROVIDER_CLASS (klass), FALSE);
  g_return_val_if_fail (op < PB_N_OPS, FALSE);
  g_return_val_if_fail (PB_IS_RECORD (record), FALSE);

  if (op_kinds[op] != OP_CREATES && op_kinds[op] != OP_UPDATES)
    return TRUE;

  entity = pb_record_get_entity (record);
  cash = pb_provider_class_pays_by_cash (klass, record);

  for (const PbFieldRule *rule = klass->field_rules; rule != NULL && rule->entity != PB_N_ENTITIES; rule++)
    {
      const char *value;
      g_autofree char *what = NULL;

      if (rule->entity != entity || (rule->flags & PB_FIELD_RULE_NOT_SENT) != 0)
        continue;
      if (cash && entity == PB_ENTITY_EMPLOYEE && rule->field == PB_EMPLOYEE_BANK_ACCOUNT)
        continue;

      value = pb_record_get (record, rule->field);
      if (value == NULL && op_kinds[op] == OP_CREATES && (rule->flags & PB_FIELD_RULE_REQUIRED_TO_CREATE) != 0)
        {
          what = describe_field (rule, entity, rule->field);
          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                       _("%s is required to %s in %s. Fill it in in the HR register."),
                       what, op_names[op], klass->display_name);
          return FALSE;
        }

      if (value != NULL && rule->max_length > 0 && (gulong) g_utf8_strlen (value, -1) > rule->max_length)
        {
          what = describe_field (rule, entity, rule->field);
          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                       _("%s: “%s” is %ld characters; %s allows at most %u. Shorten it in the HR register."),
                       what, value, g_utf8_strlen (value, -1), klass->display_name, rule->max_length);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * pb_provider_class_prepare_record:
 * @op: a create or an update
 * @record: the HR record to send; not changed
 * @omit: (out): the fields to leave out of the request, as bits 1 << field
 * @pay_by_cash: (out): %TRUE to send the payment method "cash" (SPEC V3)
 *
 * What pb_provider_call_async() does before a create or an update reaches
 * the connector: pb_provider_class_check_record(), then a copy of @record
 * as the system may have it:
 *
 * - a field that is never sent (V4) is removed, and in @omit;
 * - a field that can never be unset (V2) and is empty in HR is in @omit
 *   on an update, so payroll keeps its value;
 * - an employee paid by cash (V3) has no bank account in the copy.
 *
 * A field in @omit is neither set nor cleared: connectors whose update
 * clears what is empty must leave it out, and connectors whose update
 * replaces the whole record must carry payroll's value over.
 *
 * Returns: (transfer full) (nullable): the copy to send, or %NULL with
 *   @error set when @record breaks a rule
 */
PbRecord *
pb_provider_class_prepare_record (PbProviderClass  *klass,
                                  PbProviderOp      op,
                                  PbRecord         *record,
                                  guint64          *omit,
                                  gboolean         *pay_by_cash,
                                  GError          **error)
{
  g_autoptr(PbRecord) copy = NULL;
  PbEntity entity;
  guint64 leave_out = 0;
  gboolean cash;

  g_return_val_if_fail (omit != NULL && pay_by_cash != NULL, NULL);

  if (!pb_provider_class_check_record (klass, op, record, error))
    return NULL;

  entity = pb_record_get_entity (record);
  copy = pb_record_copy (record);

  for (const PbFieldRule *rule = klass->field_rules; rule != NULL && rule->entity != PB_N_ENTITIES; rule++)
    {
      if (rule->entity != entity)
        continue;

      if ((rule->flags & PB_FIELD_RULE_NOT_SENT) != 0)
        {
          pb_record_set (copy, rule->field, NULL);
          leave_out |= FIELD_BIT (rule->field);
        }
      else if ((rule->flags & PB_FIELD_RULE_NEVER_UNSET) != 0 && op_kinds[op] == OP_UPDATES &&
               pb_record_get (copy, rule->field) == NULL)
        leave_out |= FIELD_BIT (rule->field);
    }

  /* The payment method replaces the account: what the connector sends for
   * "cash" is its wire's business, but it has no account to send. */
  cash = pb_provider_class_pays_by_cash (klass, record);
  if (cash)
    pb_record_set (copy, PB_EMPLOYEE_BANK_ACCOUNT, NULL);

  *omit = leave_out;
  *pay_by_cash = cash;
  return g_steal_pointer (&copy);
}

/**
 * pb_provider_args_sends:
 * @args: the args a connector's operation was given
 * @field: a field of @args->record
 *
 * For connectors building a request body: %FALSE for a field the class's
 * rules leave out (see #PbProviderArgs.omit). Such a field must be neither
 * set nor cleared in payroll.
 */
gboolean
pb_provider_args_sends (const PbProviderArgs *args,
                        guint                 field)
{
  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (field < 64, FALSE);

  return (args->omit & FIELD_BIT (field)) == 0;
}

/* --- shared mechanics ---------------------------------------------------------- */

static JsonObject *
unwrap (PbProvider *self,
        JsonNode   *answer)
{
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (self);

  if (answer == NULL)
    return NULL;
  if (klass->unwrap != NULL)
    return klass->unwrap (self, answer);
  return JSON_NODE_HOLDS_OBJECT (answer) ? json_object_ref (json_node_get_object (answer)) : NULL;
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbProvider *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = pb_http_send_finish (PB_HTTP (source), result, &error);
  JsonObject *object;

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  object = unwrap (self, answer);
  if (answer != NULL && object == NULL)
    {
      g_task_return_new_error (task, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                               _("%s answered with something other than the expected object"),
                               pb_provider_get_display_name (self));
      return;
    }

  g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

/**
 * pb_provider_send_async:
 *
 * Sends one request over the connection and unwraps the answer.
 */
void
pb_provider_send_async (PbProvider          *self,
                        PbHttpRequest       *request,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, pb_provider_send_async);
  pb_http_send_async (pb_provider_get_http (self), request, cancellable, on_sent_cb, task);
}

/**
 * pb_provider_send_finish:
 *
 * Finishes pb_provider_send_async(), pb_provider_create_async() and
 * pb_provider_put_versioned_async().
 *
 * Returns: (transfer full) (nullable): the answer's object; %NULL without
 *   an error for an empty answer
 */
JsonObject *
pb_provider_send_finish (PbProvider    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A list is read until a short page: the first page alone (most lists fit
 * in it); then the pages the system's total promises, as many at once as
 * the connection lets be in flight (a payroll of 100,000 people was 101
 * pages one after another); past them one at a time, as totals are not
 * exact. The values keep the pages' order. With a convert function each
 * page is turned into items in a worker thread as it comes (issue 14: the
 * conversion of 100,000 employees on the main loop stalled it for
 * seconds), and its JSON is dropped once converted. */
typedef struct
{
  PbHttpRequest *request;
  GPtrArray     *pages;       /* (element-type JsonArray) (nullable): page i's values */
  guint          next_page;   /* the next page to ask for */
  guint          in_flight;
  guint          last_page;   /* the first short page; G_MAXUINT until one came */
  guint          promised;    /* the last page the first page's total promises */
  GError        *error;       /* the first failure */

  PbListConvertFunc convert;  /* (nullable) */
  gpointer          convert_data;
  GDestroyNotify    convert_data_free;
  GDestroyNotify    item_free;
  GPtrArray        *converted;  /* (element-type GPtrArray) (nullable): page i's items */
  guint             converting; /* pages in a worker thread */

  /* (nullable) With the class's next_page: the next page's request, not
   * sent yet. */
  PbHttpRequest    *chained;
  PbHttpRequest    *sent;       /* (nullable) the chained page in flight */
} ListAll;

typedef struct
{
  GTask *task;
  guint  page;
} PageCall;

static void
list_all_free (ListAll *state)
{
  pb_http_request_unref (state->request);
  g_ptr_array_unref (state->pages);
  g_clear_error (&state->error);
  g_clear_pointer (&state->converted, g_ptr_array_unref);
  g_clear_pointer (&state->chained, pb_http_request_unref);
  g_clear_pointer (&state->sent, pb_http_request_unref);
  if (state->convert_data_free != NULL)
    state->convert_data_free (state->convert_data);
  g_free (state);
}

static void
page_items_free (gpointer items)
{
  if (items != NULL)
    g_ptr_array_unref (items);
}

/* Whether page @p is in (and converted, for a converted list). */
static gboolean
page_done (ListAll *state,
           guint    p)
{
  if (p >= state->pages->len || g_ptr_array_index (state->pages, p) == NULL)
    return FALSE;
  return state->convert == NULL || (p < state->converted->len && g_ptr_array_index (state->converted, p) != NULL);
}

static void fetch_pages (GTask *task);

static void
list_all_return (GTask *task)
{
  ListAll *state = g_task_get_task_data (task);
  JsonArray *values;

  if (state->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&state->error));
      return;
    }

  if (state->convert != NULL)
    {
      GPtrArray *items;
      guint n = 0;

      for (guint p = 0; p <= state->last_page; p++)
        n += ((GPtrArray *) g_ptr_array_index (state->converted, p))->len;
      items = g_ptr_array_new_full (n, state->item_free);
      for (guint p = 0; p <= state->last_page; p++)
        {
          GPtrArray *page = g_steal_pointer (&state->converted->pdata[p]);

          g_ptr_array_set_free_func (page, NULL);
          for (guint i = 0; i < page->len; i++)
            g_ptr_array_add (items, g_ptr_array_index (page, i));
          g_ptr_array_unref (page);
        }
      g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  /* The pages' nodes are shared, not copied: a deep copy of 100,000
   * employees took a long slice of the main loop. */
  values = json_array_new ();
  for (guint p = 0; p <= state->last_page; p++)
    {
      JsonArray *page = g_ptr_array_index (state->pages, p);
      guint n = json_array_get_length (page);

      for (guint i = 0; i < n; i++)
        json_array_add_element (values, json_node_ref (json_array_get_element (page, i)));
    }
  g_task_return_pointer (task, values, (GDestroyNotify) json_array_unref);
}

typedef struct
{
  PbListConvertFunc convert;
  gpointer          convert_data;
  JsonNode         *page;       /* (owned) the answer */
  JsonArray        *values;     /* (unowned) its values */
} PageConvert;

static void
page_convert_free (PageConvert *pc)
{
  g_clear_pointer (&pc->page, json_node_unref);
  g_free (pc);
}

static void
convert_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  PageConvert *pc = task_data;
  GError *error = NULL;
  GPtrArray *items = pc->convert (pc->values, pc->convert_data, &error);

  /* The page's JSON is freed here, not on the main loop. */
  pc->values = NULL;
  g_clear_pointer (&pc->page, json_node_unref);

  if (items == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
}

static void
on_page_converted_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PageCall *call = user_data;
  g_autoptr(GTask) task = call->task;
  guint page_index = call->page;
  ListAll *state = g_task_get_task_data (task);
  GError *error = NULL;
  GPtrArray *items = g_task_propagate_pointer (G_TASK (result), &error);

  g_free (call);
  state->converting--;
  if (items == NULL)
    {
      if (page_index <= state->last_page && state->error == NULL)
        state->error = error;
      else
        g_error_free (error);
    }
  else
    {
      if (state->converted->len <= page_index)
        g_ptr_array_set_size (state->converted, page_index + 1);
      g_clear_pointer (&state->converted->pdata[page_index], page_items_free);
      state->converted->pdata[page_index] = items;
    }

  fetch_pages (g_steal_pointer (&task));
}

/* @page: (transfer full): the answer, @values its values */
static void
convert_page (GTask     *task,
              guint      page_index,
              JsonNode  *page,
              JsonArray *values)
{
  ListAll *state = g_task_get_task_data (task);
  PageConvert *pc = g_new0 (PageConvert, 1);
  PageCall *call = g_new0 (PageCall, 1);
  g_autoptr(GTask) worker = NULL;

  pc->convert = state->convert;
  pc->convert_data = state->convert_data;
  pc->page = page;
  pc->values = values;
  call->task = g_object_ref (task);
  call->page = page_index;
  worker = g_task_new (NULL, NULL, on_page_converted_cb, call);
  g_task_set_source_tag (worker, convert_page);
  g_task_set_task_data (worker, pc, (GDestroyNotify) page_convert_free);
  state->converting++;
  g_task_run_in_thread (worker, convert_in_thread);
}

static void
on_page_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  PageCall *call = user_data;
  g_autoptr(GTask) task = call->task;
  guint page_index = call->page;
  PbProvider *self = g_task_get_source_object (task);
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (self);
  ListAll *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) page = pb_http_send_finish (PB_HTTP (source), result, &error);
  JsonArray *values;

  g_free (call);
  state->in_flight--;

  values = page != NULL ? klass->page_values (self, page) : NULL;
  if (error == NULL && values == NULL)
    g_set_error (&error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                 _("%s answered a list request without a list"), klass->display_name);

  if (error != NULL)
    {
      /* A page past the end does not matter; otherwise the first failure
       * is the answer, once the pages in flight are back. */
      if (page_index <= state->last_page && state->error == NULL)
        state->error = g_steal_pointer (&error);
    }
  else
    {
      if (state->pages->len <= page_index)
        g_ptr_array_set_size (state->pages, page_index + 1);
      g_clear_pointer (&state->pages->pdata[page_index], json_array_unref);
      /* A converted list keeps an empty array in the page's place ("in"). */
      state->pages->pdata[page_index] = state->convert != NULL ? json_array_new () : json_array_ref (values);

      if (page_index == 0 && klass->page_total != NULL)
        {
          gint64 total = klass->page_total (self, page);

          if (total > 0)
            state->promised = MIN (total, (gint64) G_MAXUINT - 1) / klass->page_size;
        }

      if (klass->next_page != NULL)
        {
          /* Visma's cursor, Unimicro's keyset: the page says what follows. */
          g_clear_pointer (&state->chained, pb_http_request_unref);
          state->chained = klass->next_page (self, state->request, state->sent, page, values);
          if (state->chained == NULL)
            state->last_page = MIN (state->last_page, page_index);
        }
      /* Stop on a short page: totals such as Tripletex's fullResultSize are
       * not exact (and changed behaviour in 2026), the page length is. */
      else if (json_array_get_length (values) < klass->page_size ||
               (klass->page_is_last != NULL && klass->page_is_last (self, page)))   /* Fortnox's MetaInformation */
        state->last_page = MIN (state->last_page, page_index);

      /* The worker gets the page's only reference and frees it: json-glib
       * counts references without atomics, so the main loop must not
       * touch the page any more. */
      if (state->convert != NULL && page_index <= state->last_page)
        convert_page (task, page_index, g_steal_pointer (&page), values);
    }

  fetch_pages (g_steal_pointer (&task));
}

static void
fetch_pages (GTask *task)
{
  PbProvider *self = g_task_get_source_object (task);
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (self);
  ListAll *state = g_task_get_task_data (task);
  PbHttp *http = pb_provider_get_http (self);
  guint max_in_flight = MAX (pb_http_get_max_in_flight (http), 1);
  gboolean complete = state->last_page != G_MAXUINT;

  for (guint p = 0; complete && p <= state->last_page; p++)
    complete = page_done (state, p);

  if (state->in_flight == 0 && state->converting == 0 && (state->error != NULL || complete))
    {
      list_all_return (task);
      g_object_unref (task);
      return;
    }

  /* Chained pages: one at a time, each from the one before. */
  if (klass->next_page != NULL)
    {
      if (state->error == NULL && state->in_flight == 0 && state->chained != NULL)
        {
          PageCall *call = g_new0 (PageCall, 1);
          g_autoptr(PbHttpRequest) page = g_steal_pointer (&state->chained);

          call->task = g_object_ref (task);
          call->page = state->next_page++;
          state->in_flight++;
          g_clear_pointer (&state->sent, pb_http_request_unref);
          state->sent = pb_http_request_ref (page);
          pb_http_send_async (http, page, g_task_get_cancellable (task), on_page_cb, call);
        }
      g_object_unref (task);
      return;
    }

  while (state->error == NULL && state->next_page <= state->last_page &&
         state->in_flight < (state->next_page == 0 || state->next_page > state->promised ? 1 : max_in_flight) &&
         (state->next_page == 0 || (state->pages->len > 0 && g_ptr_array_index (state->pages, 0) != NULL)))
    {
      g_autoptr(PbHttpRequest) page = pb_http_request_copy (state->request);
      PageCall *call = g_new0 (PageCall, 1);

      call->task = g_object_ref (task);
      call->page = state->next_page++;
      state->in_flight++;
      klass->set_page (self, page, call->page * klass->page_size, klass->page_size);
      pb_http_send_async (http, page, g_task_get_cancellable (task), on_page_cb, call);
    }

  g_object_unref (task);
}

/* The one paging core's start, for both listings: @convert is %NULL for
 * pb_provider_list_all_async(). */
static void
list_start (PbProvider          *self,
            PbHttpRequest       *request,
            gpointer             source_tag,
            PbListConvertFunc    convert,
            gpointer             convert_data,
            GDestroyNotify       convert_data_free,
            GDestroyNotify       item_free,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ListAll *state = g_new0 (ListAll, 1);

  g_task_set_source_tag (task, source_tag);
  state->request = pb_http_request_ref (request);
  state->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_array_unref);
  state->last_page = G_MAXUINT;
  if (klass->next_page != NULL)
    state->chained = klass->next_page (self, request, NULL, NULL, NULL);
  state->convert = convert;
  state->convert_data = convert_data;
  state->convert_data_free = convert_data_free;
  state->item_free = item_free;
  if (convert != NULL)
    state->converted = g_ptr_array_new_with_free_func (page_items_free);
  g_task_set_task_data (task, state, (GDestroyNotify) list_all_free);

  fetch_pages (task);
}

static gpointer
list_finish (PbProvider    *self,
             GAsyncResult  *result,
             gpointer       source_tag,
             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pb_provider_list_all_async:
 * @request: a GET of a list; paging is added to it
 *
 * Reads every page of a list.
 */
void
pb_provider_list_all_async (PbProvider          *self,
                            PbHttpRequest       *request,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  list_start (self, request, pb_provider_list_all_async, NULL, NULL, NULL, NULL,
              cancellable, callback, user_data);
}

/**
 * pb_provider_list_converted_async:
 * @convert: turns one page's values into items, in a worker thread
 * @item_free: frees one item
 *
 * Reads every page of a list like pb_provider_list_all_async(), and turns
 * each page into items with @convert in a worker thread as it comes, so
 * that a long list does not stall the main loop.
 */
void
pb_provider_list_converted_async (PbProvider          *self,
                                  PbHttpRequest       *request,
                                  PbListConvertFunc    convert,
                                  gpointer             convert_data,
                                  GDestroyNotify       convert_data_free,
                                  GDestroyNotify       item_free,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (convert != NULL);

  list_start (self, request, pb_provider_list_converted_async, convert, convert_data, convert_data_free,
              item_free, cancellable, callback, user_data);
}

/**
 * pb_provider_list_converted_finish:
 *
 * Returns: (transfer full): the items of all pages, in the pages' order
 */
GPtrArray *
pb_provider_list_converted_finish (PbProvider    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return list_finish (self, result, pb_provider_list_converted_async, error);
}

/**
 * pb_provider_list_all_finish:
 *
 * Returns: (transfer full): the values of all pages
 */
JsonArray *
pb_provider_list_all_finish (PbProvider    *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return list_finish (self, result, pb_provider_list_all_async, error);
}

/* A write's answer, completed with what was sent where the answer says
 * nothing: members it leaves out, and the members of objects it gives as
 * bare references ({"id", "url"}, the way Tripletex answers a write without
 * expanding anything); arrays of objects element by element. What the
 * answer holds always wins. Returns a new object (answers are immutable). */
static JsonNode *complete_node (JsonNode *answer, JsonNode *sent);

static JsonObject *
complete_object (JsonObject *answer,
                 JsonObject *sent)
{
  JsonObject *out = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (answer);

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *sent_member = sent != NULL ? json_object_get_member (sent, l->data) : NULL;

      json_object_set_member (out, l->data, complete_node (json_object_get_member (answer, l->data), sent_member));
    }
  g_list_free (g_steal_pointer (&names));

  names = sent != NULL ? json_object_get_members (sent) : NULL;
  for (GList *l = names; l != NULL; l = l->next)
    if (!json_object_has_member (out, l->data))
      json_object_set_member (out, l->data, json_node_copy (json_object_get_member (sent, l->data)));

  return out;
}

static JsonNode *
complete_node (JsonNode *answer,
               JsonNode *sent)
{
  if (sent != NULL && JSON_NODE_HOLDS_OBJECT (answer) && JSON_NODE_HOLDS_OBJECT (sent))
    return json_node_init_object (json_node_alloc (),
                                  complete_object (json_node_get_object (answer), json_node_get_object (sent)));

  if (sent != NULL && JSON_NODE_HOLDS_ARRAY (answer) && JSON_NODE_HOLDS_ARRAY (sent) &&
      json_array_get_length (json_node_get_array (answer)) == json_array_get_length (json_node_get_array (sent)))
    {
      JsonArray *answers = json_node_get_array (answer);
      JsonArray *sents = json_node_get_array (sent);
      JsonArray *out = json_array_sized_new (json_array_get_length (answers));

      for (guint i = 0; i < json_array_get_length (answers); i++)
        json_array_add_element (out, complete_node (json_array_get_element (answers, i),
                                                    json_array_get_element (sents, i)));
      return json_node_init_array (json_node_alloc (), out);
    }

  return json_node_copy (answer);
}

static JsonObject *
complete_answer (JsonObject *answer,
                 JsonObject *sent)
{
  return complete_object (answer, sent);
}

typedef struct
{
  char       *path;
  JsonObject *body;
  char       *fields;
  guint       conflicts;
  gint64      version;     /* known before the PUT; 0: read it first */
  gboolean    answered;    /* the PUT's answer is the result */
} PutVersioned;

static void
put_versioned_free (PutVersioned *state)
{
  g_free (state->path);
  json_object_unref (state->body);
  g_free (state->fields);
  g_free (state);
}

static void
on_read_back_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *object = pb_provider_send_finish (PB_PROVIDER (source), result, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
}

/* Reads a record just written, with @fields: many APIs (Tripletex among
 * them) take `fields` on GET only, and answer writes without expanding
 * references. Takes @task. */
static void
read_back (PbProvider *self,
           GTask      *task,
           const char *path,
           const char *fields)
{
  g_autoptr(PbHttpRequest) get = pb_http_request_new ("GET", path);
  GCancellable *cancellable = g_task_get_cancellable (task);

  pb_http_request_add_query (get, "fields", fields);
  pb_provider_send_async (self, get, cancellable, on_read_back_cb, task);
}

static void put_versioned_fetch (GTask *task);

static void
on_put_versioned_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbProvider *self = g_task_get_source_object (task);
  PutVersioned *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = pb_provider_send_finish (self, result, &error);

  /* A 409 on a versioned PUT means someone changed the record since we read
   * it: read it again and retry once with the new version. */
  if (g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_CONFLICT) && state->conflicts++ == 0)
    {
      g_debug ("Version conflict on %s: reading it again", state->path);
      put_versioned_fetch (g_steal_pointer (&task));
      return;
    }

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (state->answered && object != NULL)
    g_task_return_pointer (task, complete_answer (object, state->body), (GDestroyNotify) json_object_unref);
  else if (state->fields != NULL)
    read_back (self, g_steal_pointer (&task), state->path, state->fields);
  else
    g_task_return_pointer (task, g_steal_pointer (&object), (GDestroyNotify) json_object_unref);
}

static void
put_versioned_send (GTask  *task,
                    gint64  version)
{
  PbProvider *self = g_task_get_source_object (task);
  PutVersioned *state = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) put = pb_http_request_new ("PUT", state->path);
  g_autoptr(JsonNode) body = NULL;
  GCancellable *cancellable;

  json_object_set_int_member (state->body, "version", version);
  body = json_node_init_object (json_node_alloc (), state->body);
  pb_http_request_set_body (put, body);
  /* (the cancellable first: argument order is unspecified in C) */
  cancellable = g_task_get_cancellable (task);
  pb_provider_send_async (self, put, cancellable, on_put_versioned_cb, task);
}

static void
on_versioned_fetched_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbProvider *self = g_task_get_source_object (task);
  PutVersioned *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) current = pb_provider_send_finish (self, result, &error);

  if (current == NULL)
    {
      if (error == NULL)
        error = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                             _("%s sent an empty answer for %s"), pb_provider_get_display_name (self), state->path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  put_versioned_send (g_steal_pointer (&task), json_object_get_int_member_with_default (current, "version", 0));
}

static void
put_versioned_fetch (GTask *task)
{
  PbProvider *self = g_task_get_source_object (task);
  PutVersioned *state = g_task_get_task_data (task);
  g_autoptr(PbHttpRequest) get = pb_http_request_new ("GET", state->path);

  pb_http_request_add_query (get, "fields", "id,version");
  pb_provider_send_async (self, get, g_task_get_cancellable (task), on_versioned_fetched_cb, task);
}

/**
 * pb_provider_put_versioned_async:
 * @path: the record's path, e.g. "/employee/12"
 * @body: (transfer none): the members to change (a partial update)
 * @fields: (nullable): read the record back with these fields
 *
 * Optimistic locking: reads the record's current `version`, sends the PUT
 * with it, and on a 409 conflict reads and tries once more. The result is
 * the PUT's answer, or with @fields the record read back.
 */
void
pb_provider_put_versioned_async (PbProvider          *self,
                                 const char          *path,
                                 JsonObject          *body,
                                 const char          *fields,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  PutVersioned *state = g_new0 (PutVersioned, 1);

  g_task_set_source_tag (task, pb_provider_put_versioned_async);
  state->path = g_strdup (path);
  state->body = json_object_ref (body);
  state->fields = g_strdup (fields);
  g_task_set_task_data (task, state, (GDestroyNotify) put_versioned_free);

  put_versioned_fetch (task);
}

/**
 * pb_provider_put_at_version_async:
 * @path: the record's path, e.g. "/employee/employment/details/12"
 * @body: (transfer none): the members to change (a partial update)
 * @version: the record's version, as an earlier answer gave it; 0: read it first
 *
 * Optimistic locking without the extra round trips (issue 14): with the
 * version known, the PUT goes at once; a 409 conflict (someone changed the
 * record, or a resend after a lost answer meets the version its first try
 * made) reads the version and tries once more. The result is the PUT's
 * answer, completed with @body where the answer gives only references:
 * no read back. Finish with pb_provider_send_finish().
 */
void
pb_provider_put_at_version_async (PbProvider          *self,
                                  const char          *path,
                                  JsonObject          *body,
                                  gint64               version,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  PutVersioned *state = g_new0 (PutVersioned, 1);

  g_task_set_source_tag (task, pb_provider_put_at_version_async);
  state->path = g_strdup (path);
  state->body = json_object_ref (body);
  state->version = version;
  state->answered = TRUE;
  g_task_set_task_data (task, state, (GDestroyNotify) put_versioned_free);

  if (version > 0)
    put_versioned_send (task, version);
  else
    put_versioned_fetch (task);
}

typedef struct
{
  char       *path;
  char       *fields;
  JsonObject *body;       /* (nullable) set: the answer, completed with it, is the result */
} Create;

static void
create_free (Create *state)
{
  g_free (state->path);
  g_free (state->fields);
  g_clear_pointer (&state->body, json_object_unref);
  g_free (state);
}

static void
on_created_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PbProvider *self = PB_PROVIDER (source);
  Create *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = pb_provider_send_finish (self, result, &error);
  g_autofree char *id = pb_provider_dup_json_id (object);
  g_autofree char *path = NULL;

  /* SPEC R1: without its id the new record can be neither read back nor
   * linked (and a path would say "(null)"). */
  if (error == NULL && id == NULL)
    error = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                         _("%s did not send the “id” of what it created at %s"),
                         pb_provider_get_display_name (self), state->path);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (state->body != NULL)
    {
      g_task_return_pointer (task, complete_answer (object, state->body), (GDestroyNotify) json_object_unref);
      return;
    }

  if (state->fields == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&object), (GDestroyNotify) json_object_unref);
      return;
    }

  path = g_strdup_printf ("%s/%s", state->path, id);
  read_back (self, g_steal_pointer (&task), path, state->fields);
}

/**
 * pb_provider_create_async:
 * @path: the collection, e.g. "/employee"
 * @body: (transfer none): the new record
 * @fields: (nullable): read the record back with these fields
 *
 * POSTs a new record; the result is the answer, or with @fields the new
 * record read back from @path/<id>.
 */
void
pb_provider_create_async (PbProvider          *self,
                          const char          *path,
                          JsonObject          *body,
                          const char          *fields,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Create *state = g_new0 (Create, 1);
  g_autoptr(PbHttpRequest) post = pb_http_request_new ("POST", path);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

  g_task_set_source_tag (task, pb_provider_create_async);
  state->path = g_strdup (path);
  state->fields = g_strdup (fields);
  g_task_set_task_data (task, state, (GDestroyNotify) create_free);

  pb_http_request_set_body (post, node);
  pb_provider_send_async (self, post, cancellable, on_created_cb, task);
}

/**
 * pb_provider_create_answered_async:
 * @path: the collection, e.g. "/employee"
 * @body: (transfer none): the new record
 *
 * POSTs a new record; the result is the answer, completed with @body where
 * the answer gives only references (see complete_object()): one request,
 * where pb_provider_create_async() with fields reads the record back
 * (issue 14). Finish with pb_provider_send_finish().
 *
 * A POST whose answer is lost is not sent again here (PbHttp never resends
 * a POST it may have delivered): the caller looks first, then creates
 * (SPEC R3).
 */
void
pb_provider_create_answered_async (PbProvider          *self,
                                   const char          *path,
                                   JsonObject          *body,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Create *state = g_new0 (Create, 1);
  g_autoptr(PbHttpRequest) post = pb_http_request_new ("POST", path);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

  g_task_set_source_tag (task, pb_provider_create_answered_async);
  state->path = g_strdup (path);
  state->body = json_object_ref (body);
  g_task_set_task_data (task, state, (GDestroyNotify) create_free);

  pb_http_request_set_body (post, node);
  pb_provider_send_async (self, post, cancellable, on_created_cb, task);
}

/* --- reading an answer whole (tests and tests/fuzz/) ------------------------------- */

/**
 * pb_provider_read_answer:
 * @readers: the connector's readers
 * @entity: what the answer holds
 *
 * Reads the body of an answer as the connector reads one: the JSON guard
 * and json-glib as PbHttp does; an error body (@readers' is_error) through
 * the connector's error decoder (as a 400), into the error; else a list
 * (the class's page_values) through @readers' read_list, or the one object
 * (the class's unwrap, else the answer's object) through its read_object.
 * The connectors' read_answer entries call it, for tests and the fuzz
 * targets tests/fuzz/fuzz-*-answer.c.
 *
 * Returns: (transfer full) (element-type PbRemote): the records
 */
GPtrArray *
pb_provider_read_answer (PbProvider             *self,
                         const PbAnswerReaders  *readers,
                         PbEntity                entity,
                         const char             *data,
                         gsize                   length,
                         GError                **error)
{
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (self);
  g_autoptr(JsonNode) root = pb_json_parse_guarded (data, length, error);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *values;

  g_return_val_if_fail (PB_IS_PROVIDER (self), NULL);
  g_return_val_if_fail (readers != NULL && readers->read_object != NULL, NULL);

  if (root == NULL)
    return NULL;

  if (readers->is_error != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      readers->is_error (json_node_get_object (root)))
    {
      g_autoptr(PbProviderErrorDetails) details = pb_provider_error_details_new ();
      PbProviderError code = PB_PROVIDER_ERROR_VALIDATION;

      details->status = 400;
      readers->decode_error (400, root, details, &code);
      if (details->field_messages->len > 0)
        g_set_error (error, PB_PROVIDER_ERROR, code, _("%s refused: %s (%u fields)"), klass->display_name,
                     details->message != NULL ? details->message : "", details->field_messages->len);
      else
        g_set_error (error, PB_PROVIDER_ERROR, code, _("%s refused: %s"), klass->display_name,
                     details->message != NULL ? details->message : "");
      return NULL;
    }

  values = readers->read_list != NULL ? klass->page_values (self, root) : NULL;
  if (values != NULL)
    {
      GError *local_error = NULL;
      GPtrArray *remotes = readers->read_list (self, entity, values, &local_error);

      /* NULL without an error: no list of @entity, read as one object. */
      if (remotes != NULL || local_error != NULL)
        {
          g_assert (remotes == NULL || local_error == NULL);
          if (local_error != NULL)
            g_propagate_error (error, local_error);
          return remotes;
        }
    }

  object = unwrap (self, root);
  if (object == NULL)
    {
      if (readers->unreadable != NULL)
        g_set_error_literal (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                             _(readers->unreadable));
      else
        g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                     _("%s sent neither a list nor an object"), klass->display_name);
      return NULL;
    }
  return readers->read_object (self, entity, object, error);
}

/**
 * pb_remotes_take_one:
 * @remote: (transfer full) (nullable): a record
 *
 * Returns: (transfer full) (nullable): an array of @remote alone, or
 *   %NULL when @remote is %NULL (a reader's failure)
 */
GPtrArray *
pb_remotes_take_one (PbRemote *remote)
{
  GPtrArray *remotes;

  if (remote == NULL)
    return NULL;
  remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_free);
  g_ptr_array_add (remotes, remote);
  return remotes;
}

/* --- results ------------------------------------------------------------------ */

/**
 * pb_provider_dup_json_id:
 * @object: (nullable): a record as the payroll system sent it
 *
 * The record's "id" member as the text a path or a link carries: a
 * positive integer, or a non-empty string of letters, digits, '-', '_' and
 * '.'. Anything else (missing, null, 0, an object, "a/b") is no id: the
 * connector turns that into PB_PROVIDER_ERROR_INVALID_RESPONSE naming the
 * record (SPEC R1), never into a request to ".../(null)".
 *
 * Returns: (transfer full) (nullable): the id, or %NULL
 */
char *
pb_provider_dup_json_id (JsonObject *object)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, "id") : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      if (json_node_get_int (node) <= 0)
        return NULL;
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_STRING:
      {
        const char *text = json_node_get_string (node);

        if (text == NULL || *text == '\0')
          return NULL;
        for (const char *c = text; *c != '\0'; c++)
          if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_' && *c != '.')
            return NULL;
        return g_strdup (text);
      }
    default:
      return NULL;
    }
}

PbRemote *
pb_remote_new (const char *id,
               gint64      version)
{
  PbRemote *remote = g_new0 (PbRemote, 1);

  remote->id = g_strdup (id);
  remote->version = version;
  return remote;
}

void
pb_remote_free (PbRemote *remote)
{
  if (remote == NULL)
    return;

  g_free (remote->id);
  g_free (remote->name);
  g_clear_object (&remote->record);
  g_free (remote);
}

void
pb_remote_company_free (PbRemoteCompany *company)
{
  if (company == NULL)
    return;

  g_free (company->id);
  g_free (company->name);
  g_free (company->currency);
  g_free (company->org_number);
  g_free (company);
}

static gboolean
contains_nocase (const char *haystack,
                 const char *needle)
{
  g_autofree char *h = NULL;
  g_autofree char *n = NULL;

  if (haystack == NULL || needle == NULL)
    return FALSE;
  h = g_utf8_casefold (haystack, -1);
  n = g_utf8_casefold (needle, -1);
  return strstr (h, n) != NULL;
}

/* Tripletex names nested fields "employments.department.id", references
 * "activity.id" and arguments "arg:consumerToken": a pattern matches whole
 * parts of the name ("department.id", "activity", "consumerToken"). */
static gboolean
field_matches (const char *pattern,
               const char *field)
{
  g_autofree char *f = NULL;
  g_autofree char *p = NULL;

  if (pattern == NULL)
    return TRUE;
  if (field == NULL)
    return FALSE;

  f = g_strdup_printf (".%s.", field);
  g_strdelimit (f, ":", '.');
  p = g_strdup_printf (".%s.", pattern);
  return contains_nocase (f, p);
}

/**
 * pb_provider_class_find_refusal:
 * @system_words: (out) (optional): the system's own message that matched
 *
 * Returns: (nullable): the first of the connector's known refusals that
 *   @error is (by a field message, else by the system's message)
 */
const PbRefusal *
pb_provider_class_find_refusal (PbProviderClass  *klass,
                                const GError     *error,
                                const char      **system_words)
{
  const PbProviderErrorDetails *details = error != NULL ? pb_provider_error_get_details (error) : NULL;

  if (system_words != NULL)
    *system_words = NULL;
  if (details == NULL || klass->refusals == NULL)
    return NULL;

  for (const PbRefusal *r = klass->refusals; r->message != NULL; r++)
    {
      for (guint i = 0; details->field_messages != NULL && i < details->field_messages->len; i++)
        {
          PbFieldMessage *fm = g_ptr_array_index (details->field_messages, i);

          if (field_matches (r->field, fm->field) && contains_nocase (fm->message, r->message))
            {
              if (system_words != NULL)
                *system_words = fm->message;
              return r;
            }
        }
      if (r->field == NULL && contains_nocase (details->message, r->message))
        {
          if (system_words != NULL)
            *system_words = details->message;
          return r;
        }
    }

  return NULL;
}
