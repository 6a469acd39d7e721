/* pb-user-sync.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbUserSync"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-matcher.h"
#include "pb-sync-engine.h"
#include "pb-user-sync.h"

/**
 * pb_user_sync_people_in_scope:
 *
 * Returns: (transfer full) (element-type PbRecord): the HR people the
 *   connection covers (SPEC C1: all, or one team, location or company)
 */
GPtrArray *
pb_user_sync_people_in_scope (PbStore       *store,
                              PbConnection  *connection,
                              GError       **error)
{
  g_autoptr(GPtrArray) all = pb_store_list (store, PB_ENTITY_EMPLOYEE, 0, error);
  GPtrArray *people;
  int field = -1;

  if (all == NULL)
    return NULL;

  switch (connection->scope_kind)
    {
    case PB_SCOPE_TEAM:
      field = PB_EMPLOYEE_TEAM;
      break;
    case PB_SCOPE_LOCATION:
      field = PB_EMPLOYEE_LOCATION;
      break;
    case PB_SCOPE_COMPANY:
      field = PB_EMPLOYEE_COMPANY;
      break;
    case PB_SCOPE_ALL:
    default:
      return g_steal_pointer (&all);
    }

  people = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      PbRecord *person = g_ptr_array_index (all, i);

      if (g_strcmp0 (pb_record_get (person, field), connection->scope_key) == 0)
        g_ptr_array_add (people, g_object_ref (person));
    }

  return people;
}

static GArray *
employee_fields (const PbFieldRef *refs)
{
  GArray *fields = g_array_new (FALSE, FALSE, sizeof (guint));

  for (const PbFieldRef *ref = refs; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE)
      g_array_append_val (fields, ref->field);

  return fields;
}

/* --- plan ---------------------------------------------------------------------- */

typedef struct
{
  PbStore      *store;
  PbConnection *connection;
} PlanState;

static void
plan_state_free (PlanState *state)
{
  g_object_unref (state->store);
  g_object_unref (state->connection);
  g_free (state);
}

static void
on_payroll_listed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlanState *state = g_task_get_task_data (task);
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (source);
  GError *error = NULL;
  g_autoptr(GPtrArray) remotes = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  g_autoptr(GPtrArray) hr = NULL;
  g_autoptr(GPtrArray) payroll = NULL;
  g_autoptr(GArray) compared = NULL;
  g_autoptr(GArray) required = NULL;
  g_autoptr(GArray) matches = NULL;
  g_autoptr(PbUserPlan) plan = NULL;

  if (remotes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  hr = pb_user_sync_people_in_scope (state->store, state->connection, &error);
  if (hr == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  payroll = g_ptr_array_new ();
  for (guint i = 0; i < remotes->len; i++)
    g_ptr_array_add (payroll, ((PbRemote *) g_ptr_array_index (remotes, i))->record);

  compared = employee_fields (klass->readable_fields);
  required = employee_fields (klass->required_fields);
  matches = pb_match_people (hr, payroll, (const guint *) compared->data, compared->len,
                             (const guint *) required->data, required->len);

  plan = pb_user_plan_new (state->connection->id);
  for (guint i = 0; i < matches->len; i++)
    {
      PbMatch *match = &g_array_index (matches, PbMatch, i);
      PbPlanItem *item = pb_plan_item_new ();

      item->kind = match->kind;
      item->ambiguity = match->ambiguity;
      item->differing = match->differing;
      item->missing = match->missing;
      if (match->hr >= 0)
        item->employee_id = pb_record_get_id (g_ptr_array_index (hr, match->hr));
      if (match->payroll >= 0)
        {
          PbRemote *remote = g_ptr_array_index (remotes, match->payroll);

          item->remote_id = g_strdup (remote->id);
          item->remote_version = remote->version;
          item->payroll = g_object_ref (remote->record);
        }
      /* Nothing to decide for a person already the same on both sides. */
      if (item->kind == PB_MATCH_MATCHED && item->differing == 0)
        item->decision = PB_DECISION_LINK;
      g_ptr_array_add (plan->items, item);
    }

  if (!pb_store_save_plan (state->store, plan, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&plan), (GDestroyNotify) pb_user_plan_free);
}

/**
 * pb_user_sync_plan_async:
 *
 * Reads every payroll employee and the HR people in scope, matches them
 * and stores the plan, so it can be reviewed and decided offline.
 */
void
pb_user_sync_plan_async (PbStore             *store,
                         PbConnection        *connection,
                         PbProvider          *provider,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  PlanState *state = g_new0 (PlanState, 1);

  g_task_set_source_tag (task, pb_user_sync_plan_async);
  state->store = g_object_ref (store);
  state->connection = g_object_ref (connection);
  g_task_set_task_data (task, state, (GDestroyNotify) plan_state_free);

  pb_provider_call_async (provider, PB_OP_LIST_EMPLOYEES, NULL, cancellable, on_payroll_listed_cb, task);
}

/**
 * pb_user_sync_plan_finish:
 *
 * Returns: (transfer full): the stored plan
 */
PbUserPlan *
pb_user_sync_plan_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_user_sync_plan_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pb_user_sync_decide_defaults:
 * @prefer: for matched people with differences: PREFER_HR, PREFER_PAYROLL,
 *   or NONE to leave them undecided
 *
 * The bulk choices of SPEC U3 and U4, applied to every undecided person.
 *
 * Returns: how many people got a decision
 */
guint
pb_user_sync_decide_defaults (PbUserPlan *plan,
                              PbDecision  prefer,
                              gboolean    create_in_payroll,
                              gboolean    create_in_hr)
{
  guint decided = 0;

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      PbDecision decision = PB_DECISION_NONE;

      if (item->decision != PB_DECISION_NONE || item->outcome != NULL)
        continue;

      switch (item->kind)
        {
        case PB_MATCH_MATCHED:
          decision = prefer;
          break;
        case PB_MATCH_HR_ONLY:
          decision = create_in_payroll ? PB_DECISION_CREATE_IN_PAYROLL : PB_DECISION_LEAVE;
          break;
        case PB_MATCH_PAYROLL_ONLY:
          decision = create_in_hr ? PB_DECISION_CREATE_IN_HR : PB_DECISION_LEAVE;
          break;
        case PB_MATCH_AMBIGUOUS:
        case PB_MATCH_LOCKED:
        default:
          break;
        }

      if (decision != PB_DECISION_NONE)
        {
          item->decision = decision;
          decided++;
        }
    }

  return decided;
}

/* --- apply ------------------------------------------------------------------------ */

typedef struct
{
  PbStore          *store;
  PbConnection     *connection;
  PbProvider       *provider;
  PbUserPlan       *plan;       /* (unowned) the caller keeps it alive */
  guint             next;
  PbUserSyncReport  report;
  PbRecord         *hr;         /* the current item's HR person */
} Apply;

static void
apply_free (Apply *apply)
{
  g_object_unref (apply->store);
  g_object_unref (apply->connection);
  g_object_unref (apply->provider);
  g_clear_object (&apply->hr);
  g_free (apply);
}

static void apply_next (GTask *task);

static PbPlanItem *
current_item (Apply *apply)
{
  return g_ptr_array_index (apply->plan->items, apply->next);
}

/* Records the current item's outcome (its own write: a kill at any point
 * loses no outcome already reached) and moves on. */
static void
finish_item (GTask      *task,
             guint      *counter,
             const char *outcome)
{
  Apply *apply = g_task_get_task_data (task);
  PbPlanItem *item = current_item (apply);
  g_autoptr(GError) error = NULL;

  g_free (item->outcome);
  item->outcome = g_strdup (outcome);
  (*counter)++;
  if (!pb_store_update_plan_item (apply->store, apply->plan, item, &error))
    g_warning ("Could not record the outcome for person %u: %s", item->position, error->message);

  g_clear_object (&apply->hr);
  apply->next++;
  apply_next (task);
}

static void
fail_item (GTask        *task,
           const GError *error)
{
  Apply *apply = g_task_get_task_data (task);
  g_autofree char *outcome = g_strdup_printf ("failed: %s", error->message);

  PbPlanItem *item = current_item (apply);
  g_autoptr(GError) store_error = NULL;

  /* SPEC U11: one person failing does not stop the others; the failure
   * goes to the error log. */
  g_debug ("Person %u failed: %s", item->position, error->message);
  if (!pb_sync_engine_record_error (apply->store, apply->connection,
                                    apply->hr != NULL ? apply->hr : item->payroll,
                                    _("Sync users"), error, &store_error))
    g_warning ("Could not record a failure: %s", store_error->message);
  finish_item (task, &apply->report.failed, outcome);
}

static gboolean
link_current (Apply       *apply,
              const char  *remote_id,
              gint64       version,
              GError     **error)
{
  PbPlanItem *item = current_item (apply);
  char *copy = g_strdup (remote_id);   /* @remote_id may be item->remote_id itself */

  g_free (item->remote_id);
  item->remote_id = copy;
  return pb_store_link (apply->store, apply->connection->id, PB_ENTITY_EMPLOYEE, item->employee_id,
                        item->remote_id, version, error);
}

static void
on_payroll_written_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Apply *apply = g_task_get_task_data (task);
  PbPlanItem *item = current_item (apply);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) remote = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  gboolean created = item->decision == PB_DECISION_CREATE_IN_PAYROLL;

  if (remote == NULL || !link_current (apply, remote->id, remote->version, &error))
    {
      fail_item (task, error);
      return;
    }

  if (created)
    finish_item (task, &apply->report.created_in_payroll, "created in payroll");
  else
    finish_item (task, &apply->report.payroll_updated, "payroll updated");
}

/* Before creating, look the person up: an earlier run may have created
 * them and been killed before recording it (SPEC R3: no duplicates). */
static void
on_found_before_create_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  GTask *task = user_data;
  Apply *apply = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) found = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  PbProviderArgs args = { .record = apply->hr };

  if (error != NULL && !g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED))
    {
      fail_item (task, error);
      return;
    }

  if (found != NULL)
    {
      if (!link_current (apply, found->id, found->version, &error))
        fail_item (task, error);
      else
        finish_item (task, &apply->report.created_in_payroll, "created in payroll");
      return;
    }

  pb_provider_call_async (apply->provider, PB_OP_CREATE_EMPLOYEE, &args, g_task_get_cancellable (task),
                          on_payroll_written_cb, task);
}

static char *
missing_names (guint32 missing)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    if (missing & (1u << f))
      g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "",
                              pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[f].name);

  return g_string_free (g_steal_pointer (&names), FALSE);
}

static gboolean
update_hr_from_payroll (Apply       *apply,
                        PbPlanItem  *item,
                        GError     **error)
{
  if (!pb_store_begin (apply->store, error))
    return FALSE;

  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    if (item->differing & (1u << f))
      pb_record_set (apply->hr, f, pb_record_get (item->payroll, f));

  if (!pb_store_save (apply->store, apply->hr, NULL, error) ||
      !pb_store_link (apply->store, apply->connection->id, PB_ENTITY_EMPLOYEE, item->employee_id,
                      item->remote_id, item->remote_version, error) ||
      !pb_store_commit (apply->store, error))
    {
      pb_store_rollback (apply->store);
      return FALSE;
    }

  return TRUE;
}

static gboolean
create_in_hr (Apply       *apply,
              PbPlanItem  *item,
              GError     **error)
{
  g_autoptr(PbRecord) person = pb_record_copy (item->payroll);
  g_autoptr(PbRecord) deleted = pb_store_find_employee (apply->store, NULL,
                                                        pb_record_get (person, PB_EMPLOYEE_EMAIL), NULL);
  const char *number = pb_record_get (person, PB_EMPLOYEE_EMPLOYEE_NUMBER);

  /* SPEC U10: someone deleted in HR comes back as the same record. */
  if (deleted != NULL && g_strcmp0 (pb_record_get (deleted, PB_EMPLOYEE_STATUS), "deleted") == 0)
    {
      for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
        if (pb_record_get (person, f) != NULL)
          pb_record_set (deleted, f, pb_record_get (person, f));
      g_set_object (&person, deleted);
    }
  else
    pb_record_set_id (person, 0);
  pb_record_set (person, PB_EMPLOYEE_STATUS, "active");

  if (number != NULL)
    {
      g_autoptr(PbRecord) holder = pb_store_find_employee (apply->store, number, NULL, NULL);

      if (holder != NULL && pb_record_get_id (holder) != pb_record_get_id (person))
        {
          g_autofree char *name = pb_record_dup_display_name (holder);
          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                       _("employee number %s already belongs to %s in HR"), number, name);
          return FALSE;
        }
    }
  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    {
      const PbFieldDef *def = &pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[f];
      g_autofree char *message = NULL;

      if ((def->flags & PB_FIELD_FLAG_REQUIRED) && pb_record_get (person, f) == NULL)
        {
          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                       _("%s is empty in payroll; the HR register requires it"), def->name);
          return FALSE;
        }
      /* What payroll holds must pass the register's own checks (SPEC R1). */
      if (pb_record_get (person, f) != NULL && def->type != PB_FIELD_REF &&
          !pb_field_check (def, pb_record_get (person, f), NULL, &message))
        {
          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT, "%s: %s", def->name, message);
          return FALSE;
        }
    }

  if (!pb_store_begin (apply->store, error))
    return FALSE;
  if (!pb_store_save (apply->store, person, NULL, error) ||
      !pb_store_link (apply->store, apply->connection->id, PB_ENTITY_EMPLOYEE, pb_record_get_id (person),
                      item->remote_id, item->remote_version, error) ||
      !pb_store_commit (apply->store, error))
    {
      pb_store_rollback (apply->store);
      return FALSE;
    }

  item->employee_id = pb_record_get_id (person);
  return TRUE;
}

static void
apply_item (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  PbPlanItem *item = current_item (apply);
  g_autoptr(GError) error = NULL;

  if (item->employee_id != 0)
    {
      apply->hr = pb_store_get (apply->store, PB_ENTITY_EMPLOYEE, item->employee_id, &error);
      if (apply->hr == NULL)
        {
          fail_item (task, error);
          return;
        }
    }

  if (item->kind == PB_MATCH_LOCKED)
    {
      finish_item (task, &apply->report.skipped, "locked: deactivated in HR");
      return;
    }
  if (item->kind == PB_MATCH_AMBIGUOUS)
    {
      finish_item (task, &apply->report.skipped, "ambiguous: decide by hand");
      return;
    }
  /* SPEC U2: not synced until HR has what payroll requires. */
  if (item->missing != 0 && item->employee_id != 0 &&
      (item->decision == PB_DECISION_CREATE_IN_PAYROLL || item->decision == PB_DECISION_PREFER_HR))
    {
      g_autofree char *names = missing_names (item->missing);
      g_autofree char *outcome = g_strdup_printf ("missing in HR: %s", names);

      finish_item (task, &apply->report.skipped, outcome);
      return;
    }

  switch (item->decision)
    {
    case PB_DECISION_LINK:
    case PB_DECISION_PREFER_PAYROLL:
      if (item->decision == PB_DECISION_PREFER_PAYROLL && item->differing != 0)
        {
          if (!update_hr_from_payroll (apply, item, &error))
            fail_item (task, error);
          else
            finish_item (task, &apply->report.hr_updated, "HR updated");
        }
      else if (!link_current (apply, item->remote_id, item->remote_version, &error))
        fail_item (task, error);
      else
        finish_item (task, &apply->report.linked, "linked");
      return;

    case PB_DECISION_PREFER_HR:
      {
        PbProviderArgs args = { .record = apply->hr, .remote_id = item->remote_id };

        pb_provider_call_async (apply->provider, PB_OP_UPDATE_EMPLOYEE, &args, g_task_get_cancellable (task),
                                on_payroll_written_cb, task);
      }
      return;

    case PB_DECISION_CREATE_IN_PAYROLL:
      {
        PbProviderArgs args = { .record = apply->hr };

        pb_provider_call_async (apply->provider, PB_OP_FIND_EMPLOYEE, &args, g_task_get_cancellable (task),
                                on_found_before_create_cb, task);
      }
      return;

    case PB_DECISION_CREATE_IN_HR:
      if (!create_in_hr (apply, item, &error))
        fail_item (task, error);
      else
        finish_item (task, &apply->report.created_in_hr, "created in HR");
      return;

    case PB_DECISION_LEAVE:
      finish_item (task, &apply->report.left, "left");
      return;

    case PB_DECISION_NONE:
    default:
      finish_item (task, &apply->report.skipped, "undecided");
      return;
    }
}

static void
apply_next (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Items done in an earlier, interrupted run keep their outcome. */
  while (apply->next < apply->plan->items->len && current_item (apply)->outcome != NULL &&
         !g_str_has_prefix (current_item (apply)->outcome, "failed"))
    apply->next++;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (apply->next < apply->plan->items->len)
    {
      apply_item (task);
      return;
    }

  pb_store_mark_plan_applied (apply->store, apply->plan, NULL);

  /* SPEC U6: the first completed user sync activates the connection, and
   * SPEC C5 counts from that moment. */
  if (apply->connection->state == PB_CONNECTION_ESTABLISHED)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      apply->connection->state = PB_CONNECTION_ACTIVE;
      apply->connection->activated_at = g_date_time_format_iso8601 (now);
      if (!pb_store_save_connection (apply->store, apply->connection, &error) ||
          !pb_sync_engine_activate (apply->store, apply->connection, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      apply->report.activated = TRUE;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/**
 * pb_user_sync_apply_async:
 * @plan: the plan with its decisions; outcomes are written into it and the
 *   store as they happen
 *
 * Applies the decisions person by person. Failures go on to the next person
 * (U11); people done by an earlier interrupted run are not done again.
 */
void
pb_user_sync_apply_async (PbStore             *store,
                          PbConnection        *connection,
                          PbProvider          *provider,
                          PbUserPlan          *plan,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Apply *apply = g_new0 (Apply, 1);

  g_task_set_source_tag (task, pb_user_sync_apply_async);
  apply->store = g_object_ref (store);
  apply->connection = g_object_ref (connection);
  apply->provider = g_object_ref (provider);
  apply->plan = plan;
  g_task_set_task_data (task, apply, (GDestroyNotify) apply_free);

  apply_next (task);
}

gboolean
pb_user_sync_apply_finish (GAsyncResult      *result,
                           PbUserSyncReport  *report,
                           GError           **error)
{
  Apply *apply;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_user_sync_apply_async, FALSE);

  apply = g_task_get_task_data (G_TASK (result));
  if (report != NULL)
    *report = apply->report;

  return g_task_propagate_boolean (G_TASK (result), error);
}
