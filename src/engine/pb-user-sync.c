/* pb-user-sync.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbUserSync"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connections.h"
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

  if (all == NULL)
    return NULL;
  if (pb_scope_kind_field (connection->scope_kind) < 0)
    return g_steal_pointer (&all);

  people = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      PbRecord *person = g_ptr_array_index (all, i);

      if (pb_scope_covers (connection->scope_kind, connection->scope_key, person))
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

/* SPEC U2: the fields HR lacks for @kind: what payroll requires, and for
 * someone to create there what the connector requires to create. */
static guint32
missing_for (PbProviderClass *klass,
             PbRecord        *hr,
             PbMatchKind      kind,
             guint32          required_missing)
{
  guint32 missing = required_missing;

  if (kind == PB_MATCH_HR_ONLY)
    for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
      if ((pb_provider_class_get_rule_flags (klass, PB_ENTITY_EMPLOYEE, f) & PB_FIELD_RULE_REQUIRED_TO_CREATE) &&
          pb_record_get (hr, f) == NULL)
        missing |= 1u << f;
  return missing;
}

static guint32
required_missing (PbProviderClass *klass,
                  PbRecord        *hr)
{
  guint32 missing = 0;

  for (const PbFieldRef *ref = klass->required_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE)
      {
        const char *value = pb_record_get (hr, ref->field);

        if (value == NULL || value[0] == '\0')
          missing |= 1u << ref->field;
      }
  return missing;
}

/* Makes @hr_item (HR only) and @payroll_item (payroll only) one matched
 * person, in memory: the HR item holds the payroll side, its differences
 * and what HR lacks for an update; the payroll item is absorbed. */
static void
pair_items (PbProviderClass *klass,
            PbRecord        *hr,
            PbPlanItem      *hr_item,
            PbPlanItem      *payroll_item)
{
  hr_item->kind = PB_MATCH_MATCHED;
  hr_item->paired = TRUE;
  g_free (hr_item->remote_id);
  hr_item->remote_id = g_strdup (payroll_item->remote_id);
  hr_item->remote_version = payroll_item->remote_version;
  g_set_object (&hr_item->payroll, payroll_item->payroll);
  hr_item->differing = 0;
  for (const PbFieldRef *ref = klass->readable_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE &&
        !pb_match_values_equal (ref->field, pb_record_get (hr, ref->field),
                                pb_record_get (payroll_item->payroll, ref->field)))
      hr_item->differing |= 1u << ref->field;
  hr_item->missing = required_missing (klass, hr);
  hr_item->decision = hr_item->differing == 0 ? PB_DECISION_LINK : PB_DECISION_NONE;

  payroll_item->paired = TRUE;
  payroll_item->decision = PB_DECISION_NONE;
}

static void
unpair_items (PbProviderClass *klass,
              PbRecord        *hr,
              PbPlanItem      *hr_item,
              PbPlanItem      *payroll_item)
{
  hr_item->kind = PB_MATCH_HR_ONLY;
  hr_item->paired = FALSE;
  g_clear_pointer (&hr_item->remote_id, g_free);
  hr_item->remote_version = 0;
  g_clear_object (&hr_item->payroll);
  hr_item->differing = 0;
  hr_item->missing = hr != NULL ? missing_for (klass, hr, PB_MATCH_HR_ONLY, required_missing (klass, hr)) : 0;
  hr_item->decision = PB_DECISION_NONE;

  if (payroll_item != NULL)
    {
      payroll_item->paired = FALSE;
      payroll_item->decision = PB_DECISION_NONE;
    }
}

static gboolean
pair_error (GError     **error,
            const char  *message)
{
  g_set_error_literal (error, PB_USER_SYNC_ERROR, PB_USER_SYNC_ERROR_PAIR, message);
  return FALSE;
}

static gboolean
save_pair (PbStore     *store,
           PbUserPlan  *plan,
           PbPlanItem  *a,
           PbPlanItem  *b,
           GError     **error)
{
  if (!pb_store_begin (store, error))
    return FALSE;
  if (!pb_store_update_plan_pair (store, plan, a, error) ||
      (b != NULL && !pb_store_update_plan_pair (store, plan, b, error)) ||
      !pb_store_commit (store, error))
    {
      pb_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

/**
 * pb_user_sync_pair:
 * @hr_item: an HR-only person of @plan
 * @payroll_item: a payroll-only person of @plan
 *
 * Pairs two people the email did not match (SPEC U1): from now on they
 * are one matched person, their differences shown and decided as for any
 * (U3); applying links them. Stored with the plan at once, so a pair is
 * reviewable offline and survives a restart; undone with
 * pb_user_sync_unpair() before applying.
 */
gboolean
pb_user_sync_pair (PbStore       *store,
                   PbConnection  *connection,
                   PbUserPlan    *plan,
                   PbPlanItem    *hr_item,
                   PbPlanItem    *payroll_item,
                   GError       **error)
{
  PbProviderClass *klass;
  g_autoptr(PbRecord) hr = NULL;
  gboolean ok;

  if (plan->applied_at != NULL)
    return pair_error (error, _("This plan is applied already: read both sides again to pair people"));
  if (hr_item->kind != PB_MATCH_HR_ONLY || hr_item->paired || hr_item->employee_id == 0 ||
      pb_plan_item_is_done (hr_item))
    return pair_error (error, _("Only a person who is only in HR can be paired"));
  if (payroll_item->kind != PB_MATCH_PAYROLL_ONLY || payroll_item->paired || payroll_item->payroll == NULL ||
      pb_plan_item_is_done (payroll_item))
    return pair_error (error, _("That payroll person is not one of the unmatched people in payroll"));
  hr = pb_store_get (store, PB_ENTITY_EMPLOYEE, hr_item->employee_id, error);
  if (hr == NULL)
    return FALSE;
  klass = pb_connections_ref_class (connection->system);
  if (klass == NULL)
    return pair_error (error, _("The connection’s payroll system is not known"));

  pair_items (klass, hr, hr_item, payroll_item);
  ok = save_pair (store, plan, hr_item, payroll_item, error);
  if (!ok)
    unpair_items (klass, hr, hr_item, payroll_item);
  g_type_class_unref (klass);
  return ok;
}

/**
 * pb_user_sync_unpair:
 * @item: either half of a manual pair
 *
 * Undoes pb_user_sync_pair() before applying: the two people are one-sided
 * again, undecided.
 */
gboolean
pb_user_sync_unpair (PbStore       *store,
                     PbConnection  *connection,
                     PbUserPlan    *plan,
                     PbPlanItem    *item,
                     GError       **error)
{
  PbProviderClass *klass;
  g_autoptr(PbRecord) hr = NULL;
  PbPlanItem *partner = pb_user_plan_find_partner (plan, item);
  PbPlanItem *hr_item = pb_plan_item_is_absorbed (item) ? partner : item;
  PbPlanItem *payroll_item = pb_plan_item_is_absorbed (item) ? item : partner;

  if (!item->paired || hr_item == NULL)
    return pair_error (error, _("This person is not paired"));
  if (plan->applied_at != NULL || pb_plan_item_is_done (hr_item))
    return pair_error (error, _("This pair is applied already"));
  klass = pb_connections_ref_class (connection->system);
  if (klass == NULL)
    return pair_error (error, _("The connection’s payroll system is not known"));

  hr = pb_store_get (store, PB_ENTITY_EMPLOYEE, hr_item->employee_id, NULL);
  unpair_items (klass, hr, hr_item, payroll_item);
  g_type_class_unref (klass);
  return save_pair (store, plan, hr_item, payroll_item, error);
}

/* A plan read again keeps the pairs of the plan it replaces whose two
 * people are still unmatched (one in HR only, one in payroll only). */
static void
keep_pairs (PbProviderClass *klass,
            PbUserPlan      *plan,
            PbUserPlan      *previous,
            GPtrArray       *hr)
{
  g_autoptr(GHashTable) by_employee = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) by_remote = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) people = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < hr->len; i++)
    {
      PbRecord *person = g_ptr_array_index (hr, i);
      gint64 *id = g_new (gint64, 1);

      *id = pb_record_get_id (person);
      g_hash_table_insert (people, id, person);
    }

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);

      if (item->kind == PB_MATCH_HR_ONLY && item->employee_id != 0)
        g_hash_table_insert (by_employee, &item->employee_id, item);
      else if (item->kind == PB_MATCH_PAYROLL_ONLY && item->remote_id != NULL)
        g_hash_table_insert (by_remote, item->remote_id, item);
    }

  for (guint i = 0; i < previous->items->len; i++)
    {
      PbPlanItem *old = g_ptr_array_index (previous->items, i);
      PbPlanItem *hr_item, *payroll_item;
      PbRecord *person;

      if (!old->paired || old->kind != PB_MATCH_MATCHED)
        continue;
      hr_item = g_hash_table_lookup (by_employee, &old->employee_id);
      payroll_item = old->remote_id != NULL ? g_hash_table_lookup (by_remote, old->remote_id) : NULL;
      person = g_hash_table_lookup (people, &old->employee_id);
      if (hr_item == NULL || payroll_item == NULL || person == NULL || payroll_item->paired)
        continue;

      pair_items (klass, person, hr_item, payroll_item);
    }
}

/* --- plan ---------------------------------------------------------------------- */

typedef struct
{
  PbStore         *store;
  PbConnection    *connection;
  PbProviderClass *klass;      /* (owned) */
  GPtrArray       *remotes;    /* (nullable) what payroll listed */
} PlanState;

static void
plan_state_free (PlanState *state)
{
  g_object_unref (state->store);
  g_object_unref (state->connection);
  g_type_class_unref (state->klass);
  g_clear_pointer (&state->remotes, g_ptr_array_unref);
  g_free (state);
}

static char *
item_key (PbPlanItem *item)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT "/%s", item->employee_id, item->remote_id ? item->remote_id : "");
}

/* Reading both sides again while a plan is still unapplied (after a stale
 * refusal, or to refresh) keeps the decisions of people whose payroll side
 * is as it was, and marks what changed for the others, who are asked
 * again. */
static void
carry_over (PbUserPlan  *plan,
            PbUserPlan  *previous,
            const guint *compared,
            guint        n_compared)
{
  g_autoptr(GHashTable) by_pair = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) by_remote = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_employee = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = 0; i < previous->items->len; i++)
    {
      PbPlanItem *old = g_ptr_array_index (previous->items, i);

      g_hash_table_insert (by_pair, item_key (old), old);
      if (old->remote_id != NULL)
        g_hash_table_insert (by_remote, old->remote_id, old);
      if (old->employee_id != 0)
        g_hash_table_insert (by_employee, &old->employee_id, old);
    }

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      g_autofree char *key = item_key (item);
      PbPlanItem *old = g_hash_table_lookup (by_pair, key);
      PbPlanItem *was = NULL;

      if (item->remote_id != NULL)
        {
          was = g_hash_table_lookup (by_remote, item->remote_id);
          if (was == NULL || was->payroll == NULL)
            item->changed = PB_PLAN_CHANGED_PERSON;     /* new in payroll */
          else
            for (guint c = 0; c < n_compared; c++)
              if (!pb_match_values_equal (compared[c], pb_record_get (was->payroll, compared[c]),
                                          pb_record_get (item->payroll, compared[c])))
                item->changed |= 1u << compared[c];
        }
      else if (item->employee_id != 0)
        {
          was = g_hash_table_lookup (by_employee, &item->employee_id);
          if (was != NULL && was->remote_id != NULL)
            item->changed = PB_PLAN_CHANGED_PERSON;     /* gone from payroll */
        }

      if (old != NULL && item->changed == 0 && old->kind == item->kind && old->decision != PB_DECISION_NONE &&
          item->decision == PB_DECISION_NONE)
        item->decision = old->decision;
    }
}

/* SPEC R1: the plan links and the apply re-reads by the payroll id. The
 * connectors refuse an answer without one (naming the person); this is
 * the engine's own check, so that a connector that does not can never put
 * a NULL id in a table or a path. */
static gboolean
remotes_have_ids (PbProvider  *provider,
                  GPtrArray   *remotes,
                  GError     **error)
{
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);

      if (remote->id == NULL)
        {
          g_autofree char *name = remote->record != NULL ? pb_record_dup_display_name (remote->record) : NULL;

          g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                       _("%s listed “%s” without an “id”: nobody can be matched or changed until it sends one"),
                       pb_provider_get_display_name (provider), name != NULL ? name : "?");
          return FALSE;
        }
    }
  return TRUE;
}

/* The plan's heavy part, in a worker thread with its own connection to the
 * store (at 100,000 people it took 2.1 s on the main loop): reads the HR
 * people, matches, carries the previous plan over and stores the new one. */
static void
plan_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PlanState *state = task_data;
  PbProviderClass *klass = state->klass;
  /* Freed here with the thread's other garbage, not on the main loop. */
  g_autoptr(GPtrArray) remotes = g_steal_pointer (&state->remotes);
  GError *error = NULL;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GPtrArray) hr = NULL;
  g_autoptr(GPtrArray) payroll = NULL;
  g_autoptr(GArray) compared = NULL;
  g_autoptr(GArray) required = NULL;
  g_autoptr(GArray) matches = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(PbUserPlan) previous = NULL;

  store = pb_store_open_another (state->store, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  hr = pb_user_sync_people_in_scope (store, state->connection, &error);
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

  if (g_task_return_error_if_cancelled (task))
    return;

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
      /* SPEC U2 with the connector's own rules, e.g. Visma.net Payroll's
       * Employment ID, required to create (V2): shown before sending. */
      if (item->kind == PB_MATCH_HR_ONLY)
        for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
          if ((pb_provider_class_get_rule_flags (klass, PB_ENTITY_EMPLOYEE, f) & PB_FIELD_RULE_REQUIRED_TO_CREATE) &&
              pb_record_get (g_ptr_array_index (hr, match->hr), f) == NULL)
            item->missing |= 1u << f;
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

  previous = pb_store_load_last_plan (store, state->connection->id, NULL);
  if (previous != NULL && previous->applied_at == NULL)
    {
      keep_pairs (klass, plan, previous, hr);
      carry_over (plan, previous, (const guint *) compared->data, compared->len);
    }

  if (!pb_store_save_plan (store, plan, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* The HR people, for whoever shows the plan (one more read of 100,000
   * people otherwise). */
  plan->people = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  for (guint i = 0; i < hr->len; i++)
    {
      PbRecord *person = g_ptr_array_index (hr, i);
      gint64 id = pb_record_get_id (person);

      g_hash_table_insert (plan->people, g_memdup2 (&id, sizeof id), g_object_ref (person));
    }

  g_task_return_pointer (task, g_steal_pointer (&plan), (GDestroyNotify) pb_user_plan_free);
}

static void
on_payroll_listed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PlanState *state = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) remotes = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (remotes == NULL || !remotes_have_ids (PB_PROVIDER (source), remotes, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  state->remotes = g_steal_pointer (&remotes);
  g_task_run_in_thread (task, plan_in_thread);
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
  state->klass = g_type_class_ref (G_OBJECT_TYPE (provider));
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

      if (item->decision != PB_DECISION_NONE || item->outcome != NULL || pb_plan_item_is_absorbed (item))
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

/* A run of apply: up to `width` people at once (the connector's bound on
 * requests in flight), each a Step. Outcomes are written as they happen. */
typedef struct
{
  PbStore            *store;
  PbConnection       *connection;
  PbProvider         *provider;
  PbUserPlan         *plan;       /* (unowned) the caller keeps it alive */
  PbUserSyncProgress  progress;
  gpointer            progress_data;
  guint               next;       /* the next item to start */
  guint               in_flight;
  guint               width;
  guint               done;       /* items with an outcome, for progress */
  gboolean            pumping;
  PbUserSyncReport    report;
  GPtrArray          *payroll;    /* (nullable) PbRemote: payroll as read when the run began */
  GHashTable         *by_email;   /* (nullable) trimmed, lower-case email -> PbRemote in @payroll */
} Apply;

/* One person being applied. */
typedef struct
{
  GTask      *task;       /* (owned) the run */
  PbPlanItem *item;
  PbRecord   *hr;         /* (nullable) the HR person */
  guint       creates;    /* creates sent for the person in this run */
} Step;

/* How often a create whose answer was lost is looked for and sent again. */
#define MAX_CREATES 3

static void
apply_free (Apply *apply)
{
  g_object_unref (apply->store);
  g_object_unref (apply->connection);
  g_object_unref (apply->provider);
  g_clear_pointer (&apply->by_email, g_hash_table_unref);
  g_clear_pointer (&apply->payroll, g_ptr_array_unref);
  g_free (apply);
}

static void pump (GTask *task);

static Apply *
step_apply (Step *step)
{
  return g_task_get_task_data (step->task);
}

static guint *
outcome_counter (PbUserSyncReport *report,
                 PbOutcome         outcome)
{
  switch (outcome)
    {
    case PB_OUTCOME_LINKED: return &report->linked;
    case PB_OUTCOME_PAYROLL_UPDATED: return &report->payroll_updated;
    case PB_OUTCOME_HR_UPDATED: return &report->hr_updated;
    case PB_OUTCOME_CREATED_IN_PAYROLL: return &report->created_in_payroll;
    case PB_OUTCOME_CREATED_IN_HR: return &report->created_in_hr;
    case PB_OUTCOME_LEFT: return &report->left;
    case PB_OUTCOME_SKIPPED: return &report->skipped;
    case PB_OUTCOME_FAILED:
    case PB_OUTCOME_NONE:
    case PB_N_OUTCOMES:
    default: return &report->failed;
    }
}

/* Ends a step. With an outcome it is recorded (its own write: a kill at
 * any point loses no outcome already reached); without one (cancelled)
 * the person stays to do. */
static void
finish_step (Step       *step,
             PbOutcome   outcome,
             const char *detail)
{
  GTask *task = step->task;
  Apply *apply = step_apply (step);
  g_autoptr(GError) error = NULL;

  /* Synced: what the error log held open about the person is over (U2,
   * U11). */
  if (outcome != PB_OUTCOME_NONE && outcome != PB_OUTCOME_SKIPPED && outcome != PB_OUTCOME_FAILED &&
      outcome != PB_OUTCOME_LEFT && step->item->employee_id != 0 &&
      !pb_store_resolve_errors (apply->store, apply->connection->id, PB_ENTITY_EMPLOYEE, step->item->employee_id,
                                &error))
    {
      g_warning ("Could not resolve the errors of person %u: %s", step->item->position, error->message);
      g_clear_error (&error);
    }

  if (outcome != PB_OUTCOME_NONE)
    {
      pb_plan_item_set_outcome (step->item, outcome, detail);
      (*outcome_counter (&apply->report, outcome))++;
      if (!pb_store_update_plan_item (apply->store, apply->plan, step->item, &error))
        g_warning ("Could not record the outcome for person %u: %s", step->item->position, error->message);
      apply->done++;
      if (apply->progress != NULL)
        apply->progress (apply->done, apply->plan->items->len, apply->progress_data);
    }

  g_clear_object (&step->hr);
  g_free (step);
  apply->in_flight--;
  pump (task);
  g_object_unref (task);
}

static void
fail_step (Step         *step,
           const GError *error)
{
  Apply *apply = step_apply (step);
  g_autoptr(GError) store_error = NULL;

  /* A cancelled person is not a failure: the next run does them. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_step (step, PB_OUTCOME_NONE, NULL);
      return;
    }

  /* SPEC U11: one person failing does not stop the others; the failure
   * goes to the error log. */
  g_debug ("Person %u failed: %s", step->item->position, error->message);
  if (!pb_sync_engine_record_error (apply->store, apply->connection,
                                    step->hr != NULL ? step->hr : step->item->payroll,
                                    _("Sync users"), error, &store_error))
    g_warning ("Could not record a failure: %s", store_error->message);
  finish_step (step, PB_OUTCOME_FAILED, error->message);
}

static gboolean
link_step (Step        *step,
           const char  *remote_id,
           gint64       version,
           GError     **error)
{
  Apply *apply = step_apply (step);
  char *copy = g_strdup (remote_id);   /* @remote_id may be item->remote_id itself */

  g_free (step->item->remote_id);
  step->item->remote_id = copy;
  return pb_store_link (apply->store, apply->connection->id, PB_ENTITY_EMPLOYEE, step->item->employee_id,
                        step->item->remote_id, version, error);
}

static void look_then_create (Step *step);

static void
on_payroll_written_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Step *step = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) remote = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  /* A create whose answer was lost (the connection dropped, it timed out,
   * payroll failed half way) may have been made: look, then create again
   * only if it was not (SPEC R2, R3: never the person twice). */
  if (remote == NULL && step->item->decision == PB_DECISION_CREATE_IN_PAYROLL &&
      pb_provider_error_is_transient (error) && step->creates < MAX_CREATES &&
      !g_cancellable_is_cancelled (g_task_get_cancellable (step->task)))
    {
      g_debug ("Person %u: the create's answer was lost (%s); looking before creating again",
               step->item->position, error->message);
      look_then_create (step);
      return;
    }

  if (remote == NULL || !link_step (step, remote->id, remote->version, &error))
    fail_step (step, error);
  else if (step->item->decision == PB_DECISION_CREATE_IN_PAYROLL)
    finish_step (step, PB_OUTCOME_CREATED_IN_PAYROLL, NULL);
  else
    finish_step (step, PB_OUTCOME_PAYROLL_UPDATED, NULL);
}

/* Before creating, look the person up: an earlier run may have created
 * them and been killed before recording it (SPEC R3: no duplicates). */
static void
on_found_before_create_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  Step *step = user_data;
  Apply *apply = step_apply (step);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) found = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  PbProviderArgs args = { .record = step->hr };

  if (error != NULL && !g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED))
    {
      fail_step (step, error);
      return;
    }

  if (found != NULL)
    {
      if (!link_step (step, found->id, found->version, &error))
        fail_step (step, error);
      else
        finish_step (step, PB_OUTCOME_CREATED_IN_PAYROLL, NULL);
      return;
    }

  step->creates++;
  pb_provider_call_async (apply->provider, PB_OP_CREATE_EMPLOYEE, &args, g_task_get_cancellable (step->task),
                          on_payroll_written_cb, step);
}

static void
look_then_create (Step *step)
{
  Apply *apply = step_apply (step);
  PbProviderArgs args = { .record = step->hr };

  pb_provider_call_async (apply->provider, PB_OP_FIND_EMPLOYEE, &args, g_task_get_cancellable (step->task),
                          on_found_before_create_cb, step);
}

static char *
email_key (const char *email)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (email != NULL ? email : ""));

  return g_ascii_strdown (trimmed, -1);
}

/* Creates the person in payroll unless the listing read when the run began
 * has them (an earlier run created them and was killed before recording
 * it, or someone made them since the plan): that listing is the look
 * before the create (SPEC R3), one read for everybody instead of one per
 * person (issue 14). Without a listing, one look per person. */
static void
create_in_payroll (Step *step)
{
  Apply *apply = step_apply (step);
  g_autofree char *key = NULL;
  PbRemote *found;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = step->hr };

  if (apply->by_email == NULL)
    {
      look_then_create (step);
      return;
    }

  key = email_key (pb_record_get (step->hr, PB_EMPLOYEE_EMAIL));
  found = *key != '\0' ? g_hash_table_lookup (apply->by_email, key) : NULL;
  if (found != NULL)
    {
      if (!link_step (step, found->id, found->version, &error))
        fail_step (step, error);
      else
        finish_step (step, PB_OUTCOME_CREATED_IN_PAYROLL, NULL);
      return;
    }

  step->creates++;
  pb_provider_call_async (apply->provider, PB_OP_CREATE_EMPLOYEE, &args, g_task_get_cancellable (step->task),
                          on_payroll_written_cb, step);
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
                        PbRecord    *hr,
                        GError     **error)
{
  if (!pb_store_begin (apply->store, error))
    return FALSE;

  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    if (item->differing & (1u << f))
      pb_record_set (hr, f, pb_record_get (item->payroll, f));

  if (!pb_store_save (apply->store, hr, NULL, error) ||
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
start_step (GTask      *task,
            PbPlanItem *item)
{
  Apply *apply = g_task_get_task_data (task);
  Step *step = g_new0 (Step, 1);
  g_autoptr(GError) error = NULL;

  step->task = g_object_ref (task);
  step->item = item;
  apply->in_flight++;

  if (item->employee_id != 0)
    {
      step->hr = pb_store_get (apply->store, PB_ENTITY_EMPLOYEE, item->employee_id, &error);
      if (step->hr == NULL)
        {
          fail_step (step, error);
          return;
        }
    }

  if (item->kind == PB_MATCH_LOCKED)
    {
      finish_step (step, PB_OUTCOME_SKIPPED, "locked: deactivated in HR");
      return;
    }
  if (item->kind == PB_MATCH_AMBIGUOUS)
    {
      finish_step (step, PB_OUTCOME_SKIPPED, "ambiguous: decide by hand");
      return;
    }
  /* SPEC U2: not synced until HR has what payroll requires. */
  if (pb_plan_item_is_blocked (item))
    {
      g_autofree char *names = missing_names (item->missing);
      g_autofree char *detail = g_strdup_printf ("missing in HR: %s", names);
      PbProviderClass *klass = PB_PROVIDER_GET_CLASS (apply->provider);
      g_autoptr(GError) missing = NULL;
      g_autoptr(GError) store_error = NULL;

      /* ...and in the error log, one open entry per person naming the
       * fields, until they are filled in and the person synced. */
      missing = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT,
                             g_dngettext (GETTEXT_PACKAGE, "%s is empty in the HR register and %s requires it",
                                          "%s are empty in the HR register and %s requires them",
                                          g_bit_nth_lsf (item->missing, -1) == g_bit_nth_msf (item->missing, -1)
                                            ? 1 : 2),
                             names, klass->display_name);
      if (step->hr != NULL &&
          !pb_sync_engine_record_error (apply->store, apply->connection, step->hr, _("Sync users"), missing,
                                        &store_error))
        g_warning ("Could not record a missing field: %s", store_error->message);
      finish_step (step, PB_OUTCOME_SKIPPED, detail);
      return;
    }

  switch (item->decision)
    {
    case PB_DECISION_LINK:
    case PB_DECISION_PREFER_PAYROLL:
      if (item->decision == PB_DECISION_PREFER_PAYROLL && item->differing != 0)
        {
          if (!update_hr_from_payroll (apply, item, step->hr, &error))
            fail_step (step, error);
          else
            finish_step (step, PB_OUTCOME_HR_UPDATED, NULL);
        }
      else if (!link_step (step, item->remote_id, item->remote_version, &error))
        fail_step (step, error);
      else
        finish_step (step, PB_OUTCOME_LINKED, NULL);
      return;

    case PB_DECISION_PREFER_HR:
      {
        PbProviderArgs args = { .record = step->hr, .remote_id = item->remote_id };

        pb_provider_call_async (apply->provider, PB_OP_UPDATE_EMPLOYEE, &args, g_task_get_cancellable (task),
                                on_payroll_written_cb, step);
      }
      return;

    case PB_DECISION_CREATE_IN_PAYROLL:
      create_in_payroll (step);
      return;

    case PB_DECISION_CREATE_IN_HR:
      if (!create_in_hr (apply, item, &error))
        fail_step (step, error);
      else
        finish_step (step, PB_OUTCOME_CREATED_IN_HR, NULL);
      return;

    case PB_DECISION_LEAVE:
      finish_step (step, PB_OUTCOME_LEFT, NULL);
      return;

    case PB_DECISION_NONE:
    default:
      finish_step (step, PB_OUTCOME_SKIPPED, "undecided");
      return;
    }
}

/* The last person is done (or the run was cancelled and nothing is in
 * flight any more). */
static void
complete (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  pb_store_mark_plan_applied (apply->store, apply->plan, NULL);

  /* SPEC U6: the first completed user sync activates the connection, and
   * SPEC C5 counts from that moment. */
  if (apply->connection->state == PB_CONNECTION_ESTABLISHED)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      apply->connection->state = PB_CONNECTION_ACTIVE;
      g_free (apply->connection->activated_at);
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

/* Keeps up to `width` people in flight. A step that ends at once (an HR
 * write, a skip) calls back in here; the `pumping` guard turns that into
 * another turn of the loop instead of a deeper stack. */
static void
pump (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GPtrArray *items = apply->plan->items;

  if (apply->pumping)
    return;

  apply->pumping = TRUE;
  /* The bound is read again each time: a paced one moves (issue 14). */
  apply->width = MAX (1, pb_http_get_max_in_flight (pb_provider_get_http (apply->provider)));
  while (apply->in_flight < apply->width && apply->next < items->len &&
         !g_cancellable_is_cancelled (cancellable))
    {
      PbPlanItem *item = g_ptr_array_index (items, apply->next++);

      /* People done in an earlier, interrupted run keep their outcome; the
       * payroll half of a pair is applied with its HR half. */
      if (!pb_plan_item_is_done (item) && !pb_plan_item_is_absorbed (item))
        start_step (task, item);
    }
  apply->pumping = FALSE;

  if (apply->in_flight == 0 &&
      (apply->next >= items->len || g_cancellable_is_cancelled (cancellable)))
    complete (task);
}

/* --- stale decisions ------------------------------------------------------------- */

/* Whether a decision still holds now that payroll reads @now for the
 * person (NULL: gone). The decision was taken on the plan's snapshot. */
static gboolean
decision_still_holds (PbPlanItem   *item,
                      PbRecord     *hr,
                      PbRecord     *now,
                      const guint  *compared,
                      guint         n_compared)
{
  gboolean as_read = TRUE;
  gboolean as_decided = hr != NULL;

  switch (item->decision)
    {
    case PB_DECISION_LINK:
    case PB_DECISION_PREFER_HR:
    case PB_DECISION_PREFER_PAYROLL:
    case PB_DECISION_CREATE_IN_HR:
      break;
    case PB_DECISION_NONE:
    case PB_DECISION_CREATE_IN_PAYROLL:   /* looked up by email before creating */
    case PB_DECISION_LEAVE:
    default:
      return TRUE;
    }

  if (now == NULL || item->payroll == NULL)
    return FALSE;

  for (guint i = 0; i < n_compared; i++)
    {
      guint f = compared[i];

      if (!pb_match_values_equal (f, pb_record_get (item->payroll, f), pb_record_get (now, f)))
        as_read = FALSE;
      if (hr == NULL || !pb_match_values_equal (f, pb_record_get (hr, f), pb_record_get (now, f)))
        as_decided = FALSE;
    }

  /* Payroll already as HR: an earlier run sent it and was killed before
   * recording so (SPEC R3); that is no change by someone else. */
  return as_read || (item->decision == PB_DECISION_PREFER_HR && as_decided);
}

static void
on_payroll_reread_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Apply *apply = g_task_get_task_data (task);
  PbProviderClass *klass = PB_PROVIDER_GET_CLASS (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  g_autoptr(GHashTable) by_id = NULL;
  g_autoptr(GHashTable) people = NULL;
  g_autoptr(GArray) compared = NULL;
  g_autoptr(GString) names = NULL;
  guint n_stale = 0;

  if (remotes == NULL || !remotes_have_ids (PB_PROVIDER (source), remotes, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  by_id = g_hash_table_new (g_str_hash, g_str_equal);
  apply->by_email = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      const char *email = remote->record != NULL ? pb_record_get (remote->record, PB_EMPLOYEE_EMAIL) : NULL;

      g_hash_table_insert (by_id, remote->id, remote->record);
      if (email != NULL && *email != '\0')
        g_hash_table_insert (apply->by_email, email_key (email), remote);
    }

  people = pb_store_index_by_id (apply->store, PB_ENTITY_EMPLOYEE, &error);
  if (people == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  compared = employee_fields (klass->readable_fields);
  names = g_string_new (NULL);
  for (guint i = 0; i < apply->plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (apply->plan->items, i);
      PbRecord *hr = g_hash_table_lookup (people, &item->employee_id);

      if (pb_plan_item_is_done (item) || item->remote_id == NULL || pb_plan_item_is_absorbed (item))
        continue;
      if (decision_still_holds (item, hr, g_hash_table_lookup (by_id, item->remote_id),
                                (const guint *) compared->data, compared->len))
        continue;

      if (n_stale++ < 5)
        {
          g_autofree char *name = pb_record_dup_display_name (hr != NULL ? hr : item->payroll);

          g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "", name);
        }
    }

  if (n_stale > 0)
    {
      if (n_stale > 5)
        g_string_append (names, ", …");
      g_task_return_new_error (task, PB_USER_SYNC_ERROR, PB_USER_SYNC_ERROR_STALE,
                               g_dngettext (GETTEXT_PACKAGE,
                                            "Payroll changed for %u person since the plan was made (%s). "
                                            "Nothing was applied: read both sides again to see what changed.",
                                            "Payroll changed for %u people since the plan was made (%s). "
                                            "Nothing was applied: read both sides again to see what changed.",
                                            n_stale),
                               n_stale, names->str);
      g_object_unref (task);
      return;
    }

  apply->payroll = g_steal_pointer (&remotes);
  pump (task);
}

G_DEFINE_QUARK (pb-user-sync-error-quark, pb_user_sync_error)

/**
 * pb_user_sync_apply_async:
 * @plan: the plan with its decisions; outcomes are written into it and the
 *   store as they happen
 * @progress: (nullable): called after each person with the count done
 *
 * Applies the decisions, several people at once (as many as the
 * connector's requests in flight). First the payroll side is read again:
 * if it changed under a decision since the plan was made, nothing is
 * applied and the error is PB_USER_SYNC_ERROR_STALE. The same read is the
 * look before each create (R3): a person it has is linked, not made again,
 * and only a create whose answer was lost is looked up on its own before
 * it is sent again. Failures go on to the next person (U11); people done by an earlier interrupted run are not
 * done again. A cancelled run returns G_IO_ERROR_CANCELLED; the people
 * done by then keep their outcome, the rest stay to do.
 */
void
pb_user_sync_apply_async (PbStore             *store,
                          PbConnection        *connection,
                          PbProvider          *provider,
                          PbUserPlan          *plan,
                          PbUserSyncProgress   progress,
                          gpointer             progress_data,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Apply *apply = g_new0 (Apply, 1);
  gboolean reread = FALSE;

  g_task_set_source_tag (task, pb_user_sync_apply_async);
  apply->store = g_object_ref (store);
  apply->connection = g_object_ref (connection);
  apply->provider = g_object_ref (provider);
  apply->plan = plan;
  apply->progress = progress;
  apply->progress_data = progress_data;
  apply->width = MAX (1, pb_http_get_max_in_flight (pb_provider_get_http (provider)));
  g_task_set_task_data (task, apply, (GDestroyNotify) apply_free);

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);

      if (pb_plan_item_is_done (item) || pb_plan_item_is_absorbed (item))
        apply->done++;
      else if (item->remote_id != NULL && item->decision != PB_DECISION_NONE &&
               item->decision != PB_DECISION_LEAVE && item->decision != PB_DECISION_CREATE_IN_PAYROLL)
        reread = TRUE;
      /* The same read is the look before every create (SPEC R3). */
      else if (item->decision == PB_DECISION_CREATE_IN_PAYROLL &&
               pb_provider_supports (provider, PB_OP_LIST_EMPLOYEES))
        reread = TRUE;
    }

  if (reread)
    pb_provider_call_async (provider, PB_OP_LIST_EMPLOYEES, NULL, cancellable, on_payroll_reread_cb, task);
  else
    pump (task);
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
