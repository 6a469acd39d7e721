/* pb-sync-engine.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSyncEngine"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pb-connections.h"
#include "pb-mapping.h"
#include "pb-store-private.h"
#include "pb-sync-engine.h"
#include "pb-sync-rules.h"
#include "pb-user-plan.h"
#include "pb-user-sync.h"

/* An entry whose answer could not be read (it may pass) is tried this
 * many times before it needs attention. */
#define MAX_RECORD_TRIES 5
/* Failures in a row that say payroll is out of reach end a push: the
 * rest wait, untouched, instead of each failing the same way. */
#define MAX_OUTAGE_FAILURES 3
/* How long a drain lease lasts unless renewed (PB_OUTBOX_LEASE_SECONDS
 * overrides it, for tests). Finished entries renew it (see lane_flush()). */
#define LEASE_SECONDS 120

/**
 * pb_sync_engine_activate:
 *
 * SPEC C5: only changes made from now on are sent; there is no backfill.
 * (Each data type's own activation is kept by pb_store_save_connection().)
 */
gboolean
pb_sync_engine_activate (PbStore       *store,
                         PbConnection  *connection,
                         GError       **error)
{
  return pb_store_set_outbox_cursor (store, connection->id, pb_store_max_change_id (store), error);
}

/* --- the rule for which HR changes a push takes ------------------------------------ */

/* One rule, read by the enqueue below and by PbSyncState (which says a
 * change "waits" exactly when the enqueue would take it): never two
 * copies that could drift apart. */
struct _PbTakeRule
{
  PbScopeKind       scope_kind;
  char             *scope_key;
  const PbFieldRef *sent_fields;   /* the connector's, terminated by { PB_N_ENTITIES } */
  PbProviderClass  *klass;         /* (owned) (nullable): keeps sent_fields alive */
  gint64            since[4];      /* per data type bit: changes after this one */
  gboolean          active[4];
  gboolean          any;
};

/**
 * pb_take_rule_type_of:
 *
 * Returns: the data type @entity's changes belong to when the engine
 *   sends them, or 0 (companies, teams, locations, absence types)
 */
PbDataTypes
pb_take_rule_type_of (PbEntity entity)
{
  switch (entity)
    {
    case PB_ENTITY_EMPLOYEE:
      return PB_DATA_USERS;
    case PB_ENTITY_POSITION:
      return PB_DATA_POSITIONS;
    case PB_ENTITY_SALARY:
      return PB_DATA_SALARY;
    case PB_ENTITY_ABSENCE:
      return PB_DATA_ABSENCE;
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_N_ENTITIES:
    default:
      return 0;
    }
}

/**
 * pb_take_rule_person_of:
 *
 * Returns: the person @change is of (the employee changed, or the one the
 *   record belongs to), 0 for none
 */
gint64
pb_take_rule_person_of (const PbChange *change)
{
  return change->entity == PB_ENTITY_EMPLOYEE ? change->record_id : change->employee_id;
}

/**
 * pb_take_rule_new:
 *
 * Reads once what the rule needs of @connection: its scope, the fields
 * its connector sends and each data type's activation (C5). Nothing is
 * read per change but the person (see pb_take_rule_takes()).
 *
 * Returns: (transfer full): the rule; pb_take_rule_free() it
 */
PbTakeRule *
pb_take_rule_new (PbStore      *store,
                  PbConnection *connection)
{
  PbTakeRule *rule = g_new0 (PbTakeRule, 1);

  g_return_val_if_fail (PB_IS_STORE (store), rule);
  g_return_val_if_fail (connection != NULL, rule);

  rule->scope_kind = connection->scope_kind;
  rule->scope_key = g_strdup (connection->scope_key);
  rule->klass = pb_connections_ref_class (connection->system);
  if (rule->klass == NULL)
    return rule;
  rule->sent_fields = rule->klass->readable_fields;

  for (guint bit = 0; bit < 4; bit++)
    {
      PbDataTypes type = 1 << bit;

      rule->active[bit] = (type & PB_ENGINE_SENDS & rule->klass->data_types) != 0 &&
                          pb_store_get_type_activation (store, connection->id, type, &rule->since[bit], NULL);
      rule->any |= rule->active[bit];
    }

  return rule;
}

void
pb_take_rule_free (PbTakeRule *rule)
{
  if (rule == NULL)
    return;

  g_free (rule->scope_key);
  if (rule->klass != NULL)
    g_type_class_unref (rule->klass);
  g_free (rule);
}

/**
 * pb_take_rule_any:
 *
 * Returns: whether any data type is active: else no change is taken
 */
gboolean
pb_take_rule_any (const PbTakeRule *rule)
{
  return rule->any;
}


/* U7: did the change of the person touch a field the connector sends? */
static gboolean
touches_sent_fields (const PbTakeRule *rule,
                     const PbChange   *change)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *changed;

  if (change->op == PB_CHANGE_CREATE)
    return TRUE;
  parser = json_parser_new ();
  if (change->new_values == NULL || !json_parser_load_from_data (parser, change->new_values, -1, NULL))
    return FALSE;

  changed = json_node_get_object (json_parser_get_root (parser));
  for (const PbFieldRef *ref = rule->sent_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE &&
        json_object_has_member (changed, pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[ref->field].name))
      return TRUE;

  return FALSE;
}

/**
 * pb_take_rule_takes:
 * @change: a change after the connection's outbox cursor
 * @get_person: gives the person @change is of (pb_take_rule_person_of())
 *   as the register holds them now, or %NULL when deleted; called only
 *   when the cheaper tests passed, and at most once
 *
 * Whether the next push puts @change in the outbox: its data type is
 * active and was activated before it (C4, C5, C6); its person is in scope
 * (C1) and active in HR (U9; nobody is deleted in payroll, U10); and a
 * change of the person touches a field the connector sends (U7).
 *
 * Returns: whether the change is taken
 */
gboolean
pb_take_rule_takes (const PbTakeRule *rule,
                    const PbChange   *change,
                    PbTakePersonFunc  get_person,
                    gpointer          user_data)
{
  PbDataTypes type = pb_take_rule_type_of (change->entity);
  guint bit = type != 0 ? (guint) g_bit_nth_lsf (type, -1) : 0;
  gint64 person_id = pb_take_rule_person_of (change);
  PbRecord *person;

  if (type == 0 || !rule->active[bit] || change->id <= rule->since[bit] || person_id == 0)
    return FALSE;
  if (change->entity == PB_ENTITY_EMPLOYEE && change->op == PB_CHANGE_DELETE)
    return FALSE;
  person = get_person (person_id, user_data);
  if (person == NULL || !pb_scope_covers (rule->scope_kind, rule->scope_key, person) ||
      g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_STATUS), "active") != 0)
    return FALSE;

  return change->entity != PB_ENTITY_EMPLOYEE || touches_sent_fields (rule, change);
}

/* --- the enqueue ---------------------------------------------------------------------- */

static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

typedef struct
{
  PbStore    *store;
  GHashTable *people;   /* id -> (nullable) PbRecord: each read once */
} People;

static PbRecord *
cached_person (gint64   id,
               gpointer user_data)
{
  People *people = user_data;
  PbRecord *employee;

  if (g_hash_table_lookup_extended (people->people, &id, NULL, (gpointer *) &employee))
    return employee;

  employee = pb_store_get (people->store, PB_ENTITY_EMPLOYEE, id, NULL);
  g_hash_table_insert (people->people, g_memdup2 (&id, sizeof id), employee);
  return employee;
}

/**
 * pb_sync_engine_enqueue:
 *
 * Moves the HR changes after the connection's cursor into its outbox, in
 * one transaction with the cursor (read inside it, so that two processes
 * never enqueue the same change). Nothing moves while the connection is
 * not active (it needs to be signed in again, or was never activated,
 * U6): the changes stay after the cursor until it is. Which changes are
 * taken is pb_take_rule_takes()'s rule (C1, C5, C6, U7, U9, U10).
 *
 * Returns: how many changes went into the outbox, or -1 with @error set
 */
int
pb_sync_engine_enqueue (PbStore       *store,
                        PbConnection  *connection,
                        GError       **error)
{
  g_autoptr(PbTakeRule) rule = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GHashTable) employees = NULL;
  People people = { store, NULL };
  int added = 0;

  if (connection->state != PB_CONNECTION_ACTIVE)
    return 0;
  rule = pb_take_rule_new (store, connection);
  if (!pb_take_rule_any (rule))
    return 0;

  if (!pb_store_begin (store, error))
    return -1;

  changes = pb_store_list_changes (store, pb_store_get_outbox_cursor (store, connection->id), error);
  if (changes == NULL)
    goto fail;
  if (changes->len == 0)
    {
      pb_store_rollback (store);
      return 0;
    }

  employees = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, unref_nullable);
  people.people = employees;
  for (guint i = 0; i < changes->len; i++)
    {
      PbChange *change = g_ptr_array_index (changes, i);

      if (!pb_take_rule_takes (rule, change, cached_person, &people))
        continue;
      if (!pb_store_enqueue (store, connection->id, change->entity, change->record_id,
                             pb_take_rule_person_of (change), change->id, error))
        goto fail;
      added++;
    }

  if (!pb_store_set_outbox_cursor (store, connection->id,
                                   ((PbChange *) g_ptr_array_index (changes, changes->len - 1))->id, error) ||
      !pb_store_commit (store, error))
    goto fail;

  return added;

fail:
  pb_store_rollback (store);
  return -1;
}

/* --- the error log ------------------------------------------------------------- */

/**
 * pb_sync_engine_advice:
 *
 * Returns: (nullable): what the administrator can do about @failure
 */
const char *
pb_sync_engine_advice (const GError *failure)
{
  if (failure->domain == PB_PROVIDER_ERROR)
    switch ((PbProviderError) failure->code)
      {
      case PB_PROVIDER_ERROR_NOT_AUTHORIZED:
        return _("Sign in again or enter new tokens in the connection’s settings: the changes wait and are sent "
                 "then");
      case PB_PROVIDER_ERROR_FORBIDDEN:
        return _("Give the payroll user the access this needs, then retry");
      case PB_PROVIDER_ERROR_VALIDATION:
        return _("Correct the value in the HR register (or in payroll, if payroll’s rule is the cause): "
                 "the record is sent again when it changes, or retry it");
      case PB_PROVIDER_ERROR_INVALID_INPUT:
        return _("Correct the HR register as the message says: the record is sent again when it changes");
      case PB_PROVIDER_ERROR_LOCKED:
        return _("Unlock the record in the payroll system, then retry");
      case PB_PROVIDER_ERROR_CONFLICT:
        return _("Someone changed the record in payroll at the same time: run “Sync users”, then retry");
      case PB_PROVIDER_ERROR_NOT_FOUND:
        return _("The record is gone from payroll: run “Sync users” to link the person again, then retry");
      case PB_PROVIDER_ERROR_NETWORK:
      case PB_PROVIDER_ERROR_TIMEOUT:
      case PB_PROVIDER_ERROR_RATE_LIMITED:
      case PB_PROVIDER_ERROR_SERVER:
        return _("Nothing to do: the changes wait in the outbox and are sent when payroll answers again");
      case PB_PROVIDER_ERROR_INVALID_RESPONSE:
        return _("Paybridge tries again at the next push; if this stays, tell the payroll system’s support "
                 "(with the request id)");
      case PB_PROVIDER_ERROR_FAILED:
      case PB_PROVIDER_ERROR_NOT_SUPPORTED:
      case PB_PROVIDER_ERROR_INSECURE:
      default:
        break;
      }
  return NULL;
}

/* What the payroll system said, in its own words and, when the connector
 * knows the refusal, in English beside them; and what to do: the known
 * refusal's advice, else @advice, else the advice for the error's kind. */
static void
describe_failure (PbConnection  *connection,
                  const GError  *failure,
                  PbErrorEntry  *log,
                  const char    *advice)
{
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  const PbProviderErrorDetails *details = pb_provider_error_get_details (failure);
  const PbRefusal *refusal = NULL;
  const char *words = NULL;

  if (klass != NULL)
    refusal = pb_provider_class_find_refusal (klass, failure, &words);
  if (details != NULL)
    {
      log->request_id = g_strdup (details->request_id);
      if (refusal != NULL && refusal->translation != NULL)
        log->system_message = g_strdup_printf ("%s (%s)", words, _(refusal->translation));
      else if (details->field_messages != NULL && details->field_messages->len > 0)
        {
          g_autoptr(GString) text = g_string_new (details->message);

          /* "Validering feilet." alone says nothing: the field messages do. */
          for (guint i = 0; i < details->field_messages->len; i++)
            {
              PbFieldMessage *fm = g_ptr_array_index (details->field_messages, i);

              g_string_append_printf (text, "%s%s%s%s", text->len > 0 ? " " : "", fm->field != NULL ? fm->field : "",
                                      fm->field != NULL ? ": " : "", fm->message);
            }
          log->system_message = g_string_free (g_steal_pointer (&text), FALSE);
        }
      else
        log->system_message = g_strdup (details->message);
    }
  if (refusal != NULL)
    log->advice = g_strdup (_(refusal->advice));
  else
    log->advice = g_strdup (advice != NULL ? advice : pb_sync_engine_advice (failure));
}

/* An error entry about @record_id of @entity (PB_N_ENTITIES: the
 * connection itself) and @person: who, what, the failure, what to do
 * (@advice when the connector knows no better, see describe_failure()). */
static PbErrorEntry *
problem_entry (PbConnection  *connection,
               PbEntity       entity,
               gint64         record_id,
               PbRecord      *person,
               const char    *what,
               const GError  *failure,
               const char    *advice)
{
  PbErrorEntry *log = g_new0 (PbErrorEntry, 1);

  log->entity = entity;
  log->record_id = entity != PB_N_ENTITIES ? record_id : 0;
  if (person != NULL)
    {
      g_autofree char *name = pb_record_dup_display_name (person);
      log->who = g_strdup_printf ("%s <%s>", name, pb_record_get (person, PB_EMPLOYEE_EMAIL));
      log->employee_id = pb_record_get_id (person);
    }
  log->what = g_strdup (what);
  log->message = g_strdup (failure->message);
  describe_failure (connection, failure, log, advice);

  return log;
}

static gboolean
record_problem (PbStore       *store,
                PbConnection  *connection,
                PbEntity       entity,
                gint64         record_id,
                PbRecord      *person,
                const char    *what,
                const GError  *failure,
                GError       **error)
{
  g_autoptr(PbErrorEntry) log = problem_entry (connection, entity, record_id, person, what, failure, NULL);

  return pb_store_add_error (store, connection->id, log, error);
}

/**
 * pb_sync_engine_record_error:
 * @person: (nullable): the HR person (or payroll person) it is about
 *
 * SPEC C7, U11: an actionable entry in the error log — who, what, what
 * the payroll system said, what to do; one per problem.
 */
gboolean
pb_sync_engine_record_error (PbStore       *store,
                             PbConnection  *connection,
                             PbRecord      *person,
                             const char    *what,
                             const GError  *failure,
                             GError       **error)
{
  gint64 id = person != NULL ? pb_record_get_id (person) : 0;

  return record_problem (store, connection, id != 0 ? PB_ENTITY_EMPLOYEE : PB_N_ENTITIES, id, person, what,
                         failure, error);
}

/* --- push ------------------------------------------------------------------------ */

/* A push drains the pending entries in lanes, one lane per person: within
 * a lane the person goes first, then their positions, then the salaries
 * that link to those (the order payroll needs); lanes run side by side up
 * to the connector's bound, so one stuck person never blocks the others. */

typedef struct _Push Push;

typedef struct
{
  Push            *push;
  GArray          *entries;           /* PbOutboxEntry, in send order */
  guint            next;
  gboolean         person_waits;      /* the person's own entry did not land */

  /* The entry in flight */
  PbOutboxEntry    entry;
  PbRecord        *record;            /* (nullable) NULL: deleted in HR */
  PbRecord        *employee;          /* (nullable) */
  char            *employee_remote;   /* the person's id in payroll */
  gint64           employee_version;  /* its version there, as payroll's last answer gave it */
  GPtrArray       *positions;         /* the person's HR positions */
  GPtrArray       *salaries;
  PbSyncDecision   decision;
  PbRecord        *position;          /* salary: the position it falls in; flat model: the one sent */
  char            *position_remote;   /* that position's employment in payroll */
  char            *remote_id;         /* the record's own link */
  const char      *what;
  char            *what_text;         /* (owned) when `what` is made for the record */
  char            *link_key;          /* (owned) (nullable) the key its link gets */
  GPtrArray       *writes;            /* Write: what the entry's answer wrote, not yet handed
                                       * to the writer (see push_write()) */
} Lane;

struct _Push
{
  GTask           *task;              /* (unowned) */
  PbStore         *store;
  PbConnection    *connection;
  PbProvider      *provider;
  PbProviderClass *klass;
  GPtrArray       *lanes;
  guint            next_lane;
  guint            running;
  guint            width;
  gboolean         pumping;
  gboolean         stopped;
  gboolean         finished;
  guint            outage_failures;
  GError          *outage;            /* (nullable) the last failure that said payroll
                                       * is out of reach, unless a send landed since */
  char            *holder;
  char            *running_key;       /* (nullable) this push is in running_pushes() under it */
  gboolean         leased;
  gint64           renewed_at;        /* monotonic time the lease was last taken */
  GArray          *rejections;        /* gint64: error entries of absences rejected (A7) */
  PbPushResult     result;

  /* The drain's writes (see push_write()) */
  GThreadPool     *writer;            /* (nullable) one thread, made at the first write */
  PbStore         *writer_store;      /* (nullable) the writer's own connection; its thread only */
  guint            writer_changed;    /* PbStoreChangedFlags its commits reported; its thread only */
};

static void
lane_clear_entry (Lane *lane)
{
  g_clear_object (&lane->record);
  g_clear_object (&lane->employee);
  g_clear_pointer (&lane->positions, g_ptr_array_unref);
  g_clear_pointer (&lane->salaries, g_ptr_array_unref);
  pb_sync_decision_clear (&lane->decision);
  g_clear_object (&lane->position);
  g_clear_pointer (&lane->position_remote, g_free);
  g_clear_pointer (&lane->remote_id, g_free);
  g_clear_pointer (&lane->what_text, g_free);
  g_clear_pointer (&lane->link_key, g_free);
  lane->what = NULL;
}

static void
lane_free (Lane *lane)
{
  lane_clear_entry (lane);
  g_clear_pointer (&lane->employee_remote, g_free);
  g_clear_pointer (&lane->writes, g_ptr_array_unref);
  g_array_unref (lane->entries);
  g_free (lane);
}

/* The pushes of this process that are under way, by store file and
 * connection: a second push of a connection while one runs here is busy at
 * once, without a look at the store (the lease is taken in a worker, and
 * the first push started must be the one that sends). Main thread only, as
 * the pushes are; the lock is for good measure. */
static GMutex running_lock;

static GHashTable *
running_pushes (void)
{
  static GHashTable *running;

  if (running == NULL)
    running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return running;
}

/* Returns whether @push is now the one push of its connection here. */
static gboolean
push_claim (Push *push)
{
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT " %s", push->connection->id,
                                          pb_store_get_path (push->store));
  gboolean claimed = FALSE;

  g_mutex_lock (&running_lock);
  if (!g_hash_table_contains (running_pushes (), key))
    {
      g_hash_table_add (running_pushes (), g_strdup (key));
      push->running_key = g_steal_pointer (&key);
      claimed = TRUE;
    }
  g_mutex_unlock (&running_lock);
  return claimed;
}

static void
push_unclaim (Push *push)
{
  if (push->running_key == NULL)
    return;
  g_mutex_lock (&running_lock);
  g_hash_table_remove (running_pushes (), push->running_key);
  g_mutex_unlock (&running_lock);
  g_clear_pointer (&push->running_key, g_free);
}

static void
push_free (Push *push)
{
  /* Every job has come back by now: this waits for the thread only. */
  if (push->writer != NULL)
    g_thread_pool_free (push->writer, FALSE, TRUE);
  g_clear_object (&push->writer_store);
  /* Still leased: the writer could not let it go (the store took no
   * writes for minutes). It expires; a try here would hold the loop. */
  if (push->leased)
    g_debug ("The outbox lease of connection %" G_GINT64_FORMAT " is left to expire", push->connection->id);
  push_unclaim (push);
  g_object_unref (push->store);
  g_object_unref (push->connection);
  g_object_unref (push->provider);
  g_clear_pointer (&push->klass, g_type_class_unref);
  g_clear_pointer (&push->lanes, g_ptr_array_unref);
  g_clear_error (&push->outage);
  g_clear_pointer (&push->rejections, g_array_unref);
  g_free (push->holder);
  g_free (push);
}

static guint
lease_seconds (void)
{
  const char *env = g_getenv ("PB_OUTBOX_LEASE_SECONDS");
  guint64 value;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600, &value, NULL))
    return (guint) value;
  return LEASE_SECONDS;
}

/* --- the start of a run, in a worker -------------------------------------------- */

/* What starts a push (and the sync driver's look at the outbox) away from
 * the caller's main loop (issue 14: the main loop never blocks): the
 * enqueue, which reads every change since the cursor, the lease, and
 * reading the entries to send, on a connection of the worker's own to the
 * store. One transaction each, as on the main loop: two processes (or two
 * workers) still never enqueue a change twice, and one holds the lease. */
typedef struct
{
  PbStore      *store;          /* the caller's; the worker opens another */
  PbConnection *connection;     /* a copy of what the enqueue reads: the caller may edit its own */
  char         *holder;         /* (nullable) take the lease for it; NULL: no lease, no entries */
  guint         lease_seconds;
  int           added;
  guint         pending;
  gboolean      leased;
  GArray       *entries;        /* (nullable) the pending entries, when leased */
} Start;

static void
start_free (Start *start)
{
  g_object_unref (start->store);
  g_object_unref (start->connection);
  g_free (start->holder);
  g_clear_pointer (&start->entries, g_array_unref);
  g_free (start);
}

static Start *
start_new (PbStore      *store,
           PbConnection *connection,
           const char   *holder)
{
  Start *start = g_new0 (Start, 1);
  PbConnection *copy = pb_connection_new ();

  copy->id = connection->id;
  copy->name = g_strdup (connection->name);
  copy->system = g_strdup (connection->system);
  copy->scope_kind = connection->scope_kind;
  copy->scope_key = g_strdup (connection->scope_key);
  copy->sync_types = connection->sync_types;
  copy->state = connection->state;

  start->store = g_object_ref (store);
  start->connection = copy;
  start->holder = g_strdup (holder);
  start->lease_seconds = lease_seconds ();
  return start;
}

static void
start_in_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Start *start = task_data;
  gint64 id = start->connection->id;
  g_autoptr(PbStore) store = NULL;
  g_autoptr(GArray) entries = NULL;
  GError *error = NULL;

  store = pb_store_open_another (start->store, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  start->added = pb_sync_engine_enqueue (store, start->connection, &error);
  if (start->added < 0)
    {
      g_task_return_error (task, error);
      return;
    }

  if (start->holder != NULL)
    {
      if (!pb_store_take_lease (store, id, start->holder, start->lease_seconds, &start->leased, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      if (!start->leased)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
    }

  entries = pb_store_list_outbox (store, id, &error);
  if (entries == NULL)
    {
      if (start->leased)
        pb_store_release_lease (store, id, start->holder);
      start->leased = FALSE;
      g_task_return_error (task, error);
      return;
    }
  start->pending = entries->len;
  if (start->holder != NULL)
    start->entries = g_steal_pointer (&entries);
  g_task_return_boolean (task, TRUE);
}

/* Runs start_in_thread(); @callback gets a task whose data is the Start.
 * Not cancellable: a lease taken is handed back, to be released. */
static void
start_async (Start               *start,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, start, (GDestroyNotify) start_free);
  g_task_run_in_thread (task, start_in_thread);
}

/**
 * pb_sync_engine_enqueue_async:
 *
 * pb_sync_engine_enqueue() in a worker thread with its own connection to
 * @store, which also counts the pending entries after it; the caller's
 * main loop goes on meanwhile.
 */
void
pb_sync_engine_enqueue_async (PbStore             *store,
                              PbConnection        *connection,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (PB_IS_STORE (store));
  g_return_if_fail (PB_IS_CONNECTION (connection));

  start_async (start_new (store, connection, NULL), callback, user_data);
}

/**
 * pb_sync_engine_enqueue_finish:
 * @pending: (out) (optional): how many entries are pending after it
 *
 * Returns: how many changes went into the outbox, or -1 with @error set
 */
int
pb_sync_engine_enqueue_finish (GAsyncResult  *result,
                               guint         *pending,
                               GError       **error)
{
  Start *start = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return -1;
  if (pending != NULL)
    *pending = start->pending;
  return start->added;
}

static void pump (Push *push);
static void lane_run (Lane *lane);

static GCancellable *
lane_cancellable (Lane *lane)
{
  return g_task_get_cancellable (lane->push->task);
}

static gboolean
is_outage (const GError *error)
{
  return g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NETWORK) ||
         g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_TIMEOUT) ||
         g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_SERVER) ||
         g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_RATE_LIMITED);
}

static void
warn_store (const char   *what,
            const GError *error)
{
  if (error != NULL)
    g_warning ("Could not record %s: %s", what, error->message);
}

/* --- the drain's writes, away from the main loop ----------------------------------- */

/* What the drain records of an answer (the link, the entry through or its
 * try counted, an error entry and the entry parked, the lease renewed) is
 * written by a worker of the push, on a connection of its own to the
 * store, as one job per entry in one transaction (issue 14: the main loop
 * never blocks). An import holds the store's write lock for seconds (in a
 * worker, or in another process): the worker waits for it, trying again
 * until the job lands, and the lane goes on with its next entry (which may
 * read what the job wrote, e.g. a salary its position's link) only then,
 * so a lane's writes keep their order. A job that holds what payroll
 * answered (a link made or gone) is not given up when the push is
 * cancelled: its entry, sent again without its link, could make the record
 * twice in payroll (R1, R3; an absence has no look before its create). */

/* How long the worker waits for the lock before it looks at the push's
 * cancellable again. */
#define WRITER_BUSY_MS 200
/* How long a job with payroll's answer in it waits for the lock at most. */
#define WRITER_GIVE_UP_SECONDS 600

typedef enum
{
  WRITE_LINK,
  WRITE_UNLINK,
  WRITE_DONE,
  WRITE_TRIED,
  WRITE_REFUSED,      /* its error entry, and the entry parked */
  WRITE_REJECTED,     /* the same, and the absence rejected in HR (A7) */
  WRITE_PROBLEM,      /* an error entry about the connection */
  WRITE_LEASE,
  WRITE_RELEASE,
} WriteKind;

typedef struct
{
  WriteKind      kind;
  gboolean       of_entry;        /* about the entry (not the push): skipped once an
                                   * earlier write of the entry failed */
  PbOutboxEntry  entry;
  PbEntity       entity;          /* LINK, UNLINK */
  gint64         record_id;
  char          *remote_id;
  gint64         remote_version;
  char          *key;
  gboolean       resolve;         /* DONE */
  PbErrorEntry  *log;             /* REFUSED, REJECTED, PROBLEM: gets its id */
  guint          seconds;         /* LEASE */

  /* What happened, in the job's last try */
  gboolean       skipped;
  gboolean       taken;           /* LEASE */
  GError        *error;
} Write;

static void
write_free (Write *write)
{
  g_free (write->remote_id);
  g_free (write->key);
  g_clear_pointer (&write->log, pb_error_entry_free);
  g_clear_error (&write->error);
  g_free (write);
}

static GPtrArray *
writes_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
}

typedef struct
{
  GPtrArray     *writes;          /* Write, in order */
  gint64         connection_id;
  char          *holder;
  GCancellable  *cancellable;     /* (nullable) the push's */
  gboolean       must_land;       /* it holds payroll's answer (or lets the lease go):
                                   * tried on when the push is cancelled */
  guint          changed;         /* PbStoreChangedFlags its commit reported */
} Job;

static void
job_free (Job *job)
{
  g_ptr_array_unref (job->writes);
  g_free (job->holder);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static gboolean reject_absence (PbStore *store, gint64 absence_id, GError **error);

static gboolean
write_one (PbStore  *store,
           Job      *job,
           Write    *write,
           GError  **error)
{
  gint64 id = job->connection_id;

  switch (write->kind)
    {
    case WRITE_LINK:
      return pb_store_link (store, id, write->entity, write->record_id, write->remote_id, write->remote_version,
                            error) &&
             (write->key == NULL ||
              pb_store_set_link_key (store, id, write->entity, write->record_id, write->key, error));
    case WRITE_UNLINK:
      return pb_store_unlink (store, id, write->entity, write->record_id, error);
    case WRITE_DONE:
      return pb_store_outbox_done (store, &write->entry, write->resolve, NULL, error);
    case WRITE_TRIED:
      return pb_store_outbox_tried (store, &write->entry, error);
    case WRITE_REFUSED:
      return pb_store_add_error (store, id, write->log, error) &&
             pb_store_outbox_park (store, &write->entry, error);
    case WRITE_REJECTED:
      return pb_store_add_error (store, id, write->log, error) &&
             pb_store_outbox_park (store, &write->entry, error) &&
             reject_absence (store, write->entry.record_id, error);
    case WRITE_PROBLEM:
      return pb_store_add_error (store, id, write->log, error);
    case WRITE_LEASE:
      return pb_store_take_lease (store, id, job->holder, write->seconds, &write->taken, error);
    case WRITE_RELEASE:
      pb_store_release_lease (store, id, job->holder);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

/* One try of @job, in one transaction. Returns %FALSE with @error set when
 * nothing of it was written (PB_STORE_ERROR_BUSY: the lock stayed held);
 * a write that fails on its own is kept in its Write, and the entry's
 * later writes are skipped (no "done" without its link). */
static gboolean
job_try (PbStore  *store,
         Job      *job,
         GError  **error)
{
  gboolean entry_failed = FALSE;

  if (!pb_store_begin (store, error))
    return FALSE;

  for (guint i = 0; i < job->writes->len; i++)
    {
      Write *write = g_ptr_array_index (job->writes, i);

      g_clear_error (&write->error);
      write->skipped = write->of_entry && entry_failed;
      if (write->skipped)
        continue;
      if (!write_one (store, job, write, &write->error))
        {
          if (g_error_matches (write->error, PB_STORE_ERROR, PB_STORE_ERROR_BUSY))
            {
              g_propagate_error (error, g_steal_pointer (&write->error));
              pb_store_rollback (store);
              return FALSE;
            }
          entry_failed |= write->of_entry;
        }
    }

  if (!pb_store_commit (store, error))
    {
      pb_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

static void
on_writer_changed_cb (PbStore  *store,
                      guint     what,
                      gpointer  user_data)
{
  Push *push = user_data;

  push->writer_changed |= what;
}

/* The writer's thread: one job at a time, each tried until it lands. */
static void
writer_run (gpointer data,
            gpointer user_data)
{
  g_autoptr(GTask) task = data;
  Push *push = user_data;
  Job *job = g_task_get_task_data (task);
  gint64 give_up = g_get_monotonic_time () + (gint64) WRITER_GIVE_UP_SECONDS * G_USEC_PER_SEC;
  GError *error = NULL;

  if (push->writer_store == NULL)
    {
      /* push->store is only read for its path here. */
      push->writer_store = pb_store_open_another (push->store, &error);
      if (push->writer_store == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      pb_store_set_busy_timeout (push->writer_store, WRITER_BUSY_MS);
      g_signal_connect (push->writer_store, "changed", G_CALLBACK (on_writer_changed_cb), push);
    }

  while (!job_try (push->writer_store, job, &error))
    {
      if (!g_error_matches (error, PB_STORE_ERROR, PB_STORE_ERROR_BUSY) ||
          (!job->must_land && g_cancellable_is_cancelled (job->cancellable)) ||
          g_get_monotonic_time () > give_up)
        {
          g_task_return_error (task, error);
          return;
        }
      g_debug ("The store's write lock is held: %u writes wait%s", job->writes->len,
               g_cancellable_is_cancelled (job->cancellable) ? ", with payroll's answer (cancelled)" : "");
      g_clear_error (&error);
    }

  job->changed = push->writer_changed;
  push->writer_changed = 0;
  g_task_return_boolean (task, TRUE);
}

/* Hands @writes (one entry's, or the push's own) to the push's writer;
 * @callback runs on this main loop once they landed (or finally failed),
 * and calls push_written(). */
static void
push_write (Push                *push,
            GPtrArray           *writes,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  GCancellable *cancellable = g_task_get_cancellable (push->task);
  Job *job = g_new0 (Job, 1);

  job->writes = writes;
  job->connection_id = push->connection->id;
  job->holder = g_strdup (push->holder);
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  for (guint i = 0; i < writes->len; i++)
    {
      Write *write = g_ptr_array_index (writes, i);

      /* The lease let go, too: else the next push here is busy until
       * it expires. */
      job->must_land |= write->kind == WRITE_LINK || write->kind == WRITE_UNLINK || write->kind == WRITE_RELEASE;
    }
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (push->writer == NULL)
    push->writer = g_thread_pool_new (writer_run, push, 1, FALSE, NULL);
  g_thread_pool_push (push->writer, task, NULL);
}

static void
warn_write (const Write  *write,
            const GError *error)
{
  switch (write->kind)
    {
    case WRITE_LINK:
      g_warning ("Could not record that %s %" G_GINT64_FORMAT " is %s in payroll (outbox entry %" G_GINT64_FORMAT
                 " stays pending): %s", pb_entity_get_def (write->entity)->name, write->record_id,
                 write->remote_id, write->entry.id, error->message);
      break;
    case WRITE_UNLINK:
      g_warning ("Could not record that %s %" G_GINT64_FORMAT " is gone from payroll (outbox entry %"
                 G_GINT64_FORMAT " stays pending): %s", pb_entity_get_def (write->entity)->name, write->record_id,
                 write->entry.id, error->message);
      break;
    case WRITE_DONE:
      warn_store ("a sent entry", error);
      break;
    case WRITE_TRIED:
      warn_store ("a try", error);
      break;
    case WRITE_REFUSED:
      warn_store ("a refused entry", error);
      break;
    case WRITE_REJECTED:
      warn_store ("a rejected absence", error);
      break;
    case WRITE_PROBLEM:
      warn_store ("an outage", error);
      break;
    case WRITE_LEASE:
    case WRITE_RELEASE:
    default:
      g_debug ("Could not renew or release the outbox lease: %s", error->message);
      break;
    }
}

/* Back on the main loop with a job: its changes are told (PbStore::changed
 * of the caller's store), its failures said. A job that did not land
 * stops the push: the store takes no writes, and the answers to come
 * would not be recorded either. Returns whether it landed. */
static gboolean
push_written (Push         *push,
              GAsyncResult *result)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean landed = g_task_propagate_boolean (G_TASK (result), &error);

  if (job->changed != 0)
    pb_store_note_change (push->store, job->changed);

  if (!landed)
    {
      push->stopped = TRUE;
      for (guint i = 0; i < job->writes->len; i++)
        {
          const Write *write = g_ptr_array_index (job->writes, i);

          if (job->must_land || !g_cancellable_is_cancelled (job->cancellable))
            warn_write (write, error);
          else
            g_debug ("Not recorded, the push was cancelled: %s", error->message);
        }
      return FALSE;
    }

  for (guint i = 0; i < job->writes->len; i++)
    {
      Write *write = g_ptr_array_index (job->writes, i);

      if (write->skipped)
        continue;
      if (write->error != NULL)
        {
          warn_write (write, write->error);
          continue;
        }
      if (write->kind == WRITE_LEASE && !write->taken)
        {
          g_debug ("Lost the outbox lease of connection %" G_GINT64_FORMAT, push->connection->id);
          push->stopped = TRUE;
        }
      else if (write->kind == WRITE_REJECTED)
        {
          g_array_append_val (push->rejections, write->log->id);
          push->result.rejected++;
        }
    }
  return TRUE;
}

/* A write of the lane's entry, handed to the writer when the entry is
 * through (lane_flush()). */
static Write *
lane_write (Lane      *lane,
            WriteKind  kind)
{
  Write *write = g_new0 (Write, 1);

  write->kind = kind;
  write->of_entry = TRUE;
  write->entry = lane->entry;
  g_ptr_array_add (lane->writes, write);
  return write;
}

static void
lane_unlink (Lane     *lane,
             PbEntity  entity,
             gint64    record_id)
{
  Write *write = lane_write (lane, WRITE_UNLINK);

  write->entity = entity;
  write->record_id = record_id;
}

/* The entry is through: payroll took it, or a rule said there is nothing
 * to send. It leaves the outbox unless the record changed meanwhile. */
static void
entry_done (Lane     *lane,
            gboolean  sent)
{
  Push *push = lane->push;

  lane_write (lane, WRITE_DONE)->resolve = sent || lane->record == NULL;
  if (sent)
    {
      push->result.sent++;
      push->outage_failures = 0;
      g_clear_error (&push->outage);
    }
  else
    push->result.unchanged++;
}

/* Not sent now, and not a failure of its own: it waits for the next push. */
static void
entry_wait (Lane *lane)
{
  g_debug ("Outbox entry %" G_GINT64_FORMAT " waits", lane->entry.id);
}

/* Parks the entry as needing attention, with its error entry (C7). */
static void
entry_refused_advised (Lane         *lane,
                       const GError *failure,
                       const char   *advice)
{
  Push *push = lane->push;
  g_autoptr(PbErrorEntry) log = NULL;

  if (lane->entry.entity == PB_ENTITY_EMPLOYEE)
    lane->person_waits = TRUE;
  push->result.attention++;

  if (lane->entry.entity == PB_ENTITY_ABSENCE && lane->record != NULL)
    {
      /* SPEC A7: the absence is rejected in HR, and the error entry names
       * who is told. */
      g_auto(GStrv) notified = pb_store_list_absence_notified (push->store, lane->entry.employee_id);
      g_autofree char *names = g_strjoinv (", ", notified);
      if (advice == NULL)
        advice = g_error_matches (failure, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_LOCKED)
          ? _("Unlock the hours in payroll (or reject them there), then approve the absence again in HR")   /* A6 */
          : pb_sync_engine_advice (failure);

      log = problem_entry (push->connection, PB_ENTITY_ABSENCE, lane->entry.record_id, lane->employee, lane->what,
                           failure, advice);
      if (log->advice != NULL)
        {
          char *with_names = g_strdup_printf (_("%s. The absence is marked rejected in HR; notified: %s"),
                                              log->advice, names);

          g_free (log->advice);
          log->advice = with_names;
        }
      else
        log->advice = g_strdup_printf (_("The absence is marked rejected in HR; notified: %s"), names);
      /* Counted as rejected once it is written (push_written()). */
      lane_write (lane, WRITE_REJECTED)->log = g_steal_pointer (&log);
      return;
    }

  lane_write (lane, WRITE_REFUSED)->log =
    problem_entry (push->connection, lane->entry.entity, lane->entry.record_id, lane->employee, lane->what,
                   failure, NULL);
}

static void
entry_refused (Lane         *lane,
               const GError *failure)
{
  entry_refused_advised (lane, failure, NULL);
}

/* Refused by the sync rules, not by payroll: @reason says what and why;
 * @advice (nullable) what to do, when the fix is not in the HR register. */
static void
entry_refused_because (Lane       *lane,
                       const char *reason,
                       const char *advice)
{
  g_autoptr(GError) failure = g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT, reason);

  entry_refused_advised (lane, failure, advice);
}

/* A send failed. Payroll out of reach or refusing the credentials: the
 * entry stays pending (R2), one error entry says so for the connection,
 * and the push ends when it keeps happening. A refusal of the record
 * itself: the entry needs attention. An answer that could not be read:
 * tried again, a few times. */
static void
entry_failed (Lane         *lane,
              const GError *failure)
{
  Push *push = lane->push;
  gboolean sign_in = g_error_matches (failure, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);

  if (lane->entry.entity == PB_ENTITY_EMPLOYEE)
    lane->person_waits = TRUE;

  /* Cancelled: nothing was learnt about this entry. */
  if (g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      push->stopped = TRUE;
      return;
    }

  lane_write (lane, WRITE_TRIED);

  /* One error entry for the connection says so when the push ends (if no
   * send landed after it); each try of it counts there. */
  if (sign_in || is_outage (failure))
    {
      push->result.retry = TRUE;
      g_clear_error (&push->outage);
      push->outage = g_error_copy (failure);
      if (sign_in || ++push->outage_failures >= MAX_OUTAGE_FAILURES)
        {
          push->stopped = TRUE;
          push->result.stopped = TRUE;
        }
      return;
    }

  /* An unreadable answer, or a version conflict (a resend after a lost
   * answer meets the version its first try made; the next try reads the
   * record again): tried again, a few times. */
  if ((g_error_matches (failure, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE) ||
       g_error_matches (failure, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_CONFLICT)) &&
      lane->entry.attempts + 1 < MAX_RECORD_TRIES)
    {
      push->result.retry = TRUE;
      return;
    }

  entry_refused (lane, failure);
}

/* --- the person ------------------------------------------------------------ */

static void
after_async (Lane         *lane,
             const GError *error)
{
  if (error != NULL)
    entry_failed (lane, error);
  lane->next++;
  lane_run (lane);
}

static gboolean
link_remote (Lane       *lane,
             PbEntity    entity,
             gint64      record_id,
             PbRemote   *remote,
             const char *key,
             GError    **error)
{
  Push *push = lane->push;
  Write *write;

  if (remote == NULL || remote->id == NULL)
    {
      g_set_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE,
                   _("%s’s answer named no id for the %s"), push->klass->display_name,
                   pb_entity_get_def (entity)->name);
      return FALSE;
    }

  write = lane_write (lane, WRITE_LINK);
  write->entity = entity;
  write->record_id = record_id;
  write->remote_id = g_strdup (remote->id);
  write->remote_version = remote->version;
  write->key = g_strdup (key);
  return TRUE;
}

static void
on_employee_written_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Lane *lane = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) remote = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (remote != NULL &&
      link_remote (lane, PB_ENTITY_EMPLOYEE, lane->entry.record_id, remote, NULL, &error))
    {
      g_free (lane->employee_remote);
      lane->employee_remote = g_strdup (remote->id);
      lane->employee_version = remote->version;
      entry_done (lane, TRUE);
    }

  after_async (lane, error);
}

static void
on_employee_found_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Lane *lane = user_data;
  Push *push = lane->push;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) found = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  PbProviderArgs args = { .record = lane->record };

  if (error != NULL && !g_error_matches (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_SUPPORTED))
    {
      after_async (lane, error);
      return;
    }

  /* Found: an earlier push created them and was cut off (SPEC R3), or
   * they were made in payroll by hand; link, then send HR's values. */
  if (found != NULL && found->id != NULL)
    {
      args.remote_id = found->id;
      args.remote_version = found->version;
      lane->what = _("Update the employee in payroll");
      pb_provider_call_async (push->provider, PB_OP_UPDATE_EMPLOYEE, &args, lane_cancellable (lane),
                              on_employee_written_cb, lane);
      return;
    }

  lane->what = _("Create the employee in payroll");
  pb_provider_call_async (push->provider, PB_OP_CREATE_EMPLOYEE, &args, lane_cancellable (lane),
                          on_employee_written_cb, lane);
}

/* Returns whether a request went out (the lane goes on in its callback). */
static gboolean
send_employee (Lane *lane)
{
  Push *push = lane->push;
  PbProviderArgs args = { 0 };

  lane->what = _("Send the employee");
  /* SPEC U10: nobody is deleted in payroll; U9: a deactivated person is
   * locked against syncing. */
  if (lane->record == NULL || g_strcmp0 (pb_record_get (lane->record, PB_EMPLOYEE_STATUS), "active") != 0)
    {
      entry_done (lane, FALSE);
      return FALSE;
    }

  /* SPEC U2: not sent while a field payroll requires is empty in HR. */
  for (const PbFieldRef *ref = push->klass->required_fields; ref != NULL && ref->entity != PB_N_ENTITIES; ref++)
    if (ref->entity == PB_ENTITY_EMPLOYEE && pb_record_get (lane->record, ref->field) == NULL)
      {
        g_autofree char *reason =
          g_strdup_printf (_("%s is empty in the HR register and %s requires it"),
                           pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[ref->field].name,
                           push->klass->display_name);
        entry_refused_because (lane, reason, NULL);
        return FALSE;
      }

  args.record = lane->record;
  if (lane->employee_remote != NULL)
    {
      args.remote_id = lane->employee_remote;
      /* The version payroll's last answer gave saves reading it first. */
      args.remote_version = lane->employee_version;
      lane->what = _("Update the employee in payroll");
      pb_provider_call_async (push->provider, PB_OP_UPDATE_EMPLOYEE, &args, lane_cancellable (lane),
                              on_employee_written_cb, lane);
      return TRUE;
    }

  /* SPEC C4: a new HR employee is created in payroll; look first. */
  pb_provider_call_async (push->provider, PB_OP_FIND_EMPLOYEE, &args, lane_cancellable (lane),
                          on_employee_found_cb, lane);
  return TRUE;
}

/* A salary or an absence payroll took: linked, with the key the lane
 * chose for it (an absence's mapping, A5). */
static void
on_record_written_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Lane *lane = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) remote = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (remote != NULL &&
      link_remote (lane, lane->entry.entity, lane->entry.record_id, remote, lane->link_key, &error))
    entry_done (lane, TRUE);

  after_async (lane, error);
}

/* A record deleted (or cleared, S2) in payroll: its link goes with it. */
static void
on_record_deleted_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Lane *lane = user_data;
  g_autoptr(GError) error = NULL;

  pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  if (error == NULL)
    {
      lane_unlink (lane, lane->entry.entity, lane->entry.record_id);
      entry_done (lane, TRUE);
    }

  after_async (lane, error);
}

/* --- positions (SPEC P1-P5) --------------------------------------------------------- */

static void
fill_context (Lane          *lane,
              PbSyncContext *ctx,
              char         **today)
{
  Push *push = lane->push;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  *today = g_date_time_format (now, "%Y-%m-%d");
  ctx->position_model = push->klass->position_model;
  ctx->can_delete_positions = push->klass->can_delete_positions;
  ctx->salary_delete = push->klass->salary_delete;
  ctx->position_select = push->klass->position_select;
  ctx->positions_active = pb_store_get_type_activation (push->store, push->connection->id, PB_DATA_POSITIONS,
                                                        NULL, NULL);
  ctx->payroll_currency = push->connection->remote_currency;
  ctx->today = *today;
  ctx->system_name = push->klass->display_name;
  ctx->required_fields = push->klass->required_fields;
}

static PbRecord *
find_by_id (GPtrArray *records,
            gint64     id)
{
  for (guint i = 0; records != NULL && i < records->len; i++)
    if (pb_record_get_id (g_ptr_array_index (records, i)) == id)
      return g_ptr_array_index (records, i);
  return NULL;
}

static void send_salary_with_position (Lane *lane);

static void
on_position_written_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Lane *lane = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemote) remote = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (remote != NULL &&
      link_remote (lane, PB_ENTITY_POSITION, pb_record_get_id (lane->position), remote,
                   pb_record_get (lane->position, PB_POSITION_START_DATE), &error))
    entry_done (lane, TRUE);

  after_async (lane, error);
}

static void
update_position (Lane *lane)
{
  PbProviderArgs args = {
    .employee_id = lane->employee_remote,
    .remote_id = lane->position_remote,
    .record = lane->position,
    .employee = lane->employee,
  };

  lane->what = _("Update the employment in payroll");
  pb_provider_call_async (lane->push->provider, PB_OP_UPDATE_EMPLOYMENT, &args, lane_cancellable (lane),
                          on_position_written_cb, lane);
}

/* The employment in payroll that is this HR position: on a history system
 * the one that starts the same day (P2); on a flat one, the one there is. */
static PbRemote *
match_employment (Lane      *lane,
                  GPtrArray *employments,
                  PbRecord  *position)
{
  const char *start = pb_record_get (position, PB_POSITION_START_DATE);

  for (guint i = 0; employments != NULL && i < employments->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (employments, i);

      if (remote->id == NULL)
        continue;
      if (lane->push->klass->position_model == PB_POSITIONS_FLAT ||
          (remote->record != NULL && g_strcmp0 (pb_record_get (remote->record, PB_POSITION_START_DATE), start) == 0))
        return remote;
    }
  return NULL;
}

static void
on_employments_listed_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Lane *lane = user_data;
  Push *push = lane->push;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) employments = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  PbRemote *found;
  PbProviderArgs args = {
    .employee_id = lane->employee_remote,
    .record = lane->position,
    .employee = lane->employee,
  };

  if (error != NULL)
    {
      after_async (lane, error);
      return;
    }

  /* Already there (an earlier try was cut off, R3, or it was made in
   * payroll): link it, then send HR's values to it. */
  found = match_employment (lane, employments, lane->position);
  if (found != NULL)
    {
      if (!link_remote (lane, PB_ENTITY_POSITION, pb_record_get_id (lane->position), found,
                        pb_record_get (lane->position, PB_POSITION_START_DATE), &error))
        {
          after_async (lane, error);
          return;
        }
      lane->position_remote = g_strdup (found->id);
      if (lane->entry.entity == PB_ENTITY_SALARY)
        send_salary_with_position (lane);
      else
        update_position (lane);
      return;
    }

  if (lane->entry.entity == PB_ENTITY_SALARY)
    {
      g_autofree char *reason =
        g_strdup_printf (_("The salary starting %s falls in the position starting %s, which is not in %s: send the "
                           "position first (change it, or retry it in the error log), then retry the salary"),
                         pb_record_get (lane->record, PB_SALARY_START_DATE),
                         pb_record_get (lane->position, PB_POSITION_START_DATE), push->klass->display_name);
      entry_refused_because (lane, reason, NULL);
      lane->next++;
      lane_run (lane);
      return;
    }

  lane->what = _("Create the employment in payroll");
  pb_provider_call_async (push->provider, PB_OP_CREATE_EMPLOYMENT, &args, lane_cancellable (lane),
                          on_position_written_cb, lane);
}

static void
list_employments (Lane *lane)
{
  PbProviderArgs args = { .employee_id = lane->employee_remote, .employee = lane->employee };

  pb_provider_call_async (lane->push->provider, PB_OP_LIST_EMPLOYMENTS, &args, lane_cancellable (lane),
                          on_employments_listed_cb, lane);
}

static gboolean
send_position (Lane *lane)
{
  Push *push = lane->push;
  PbSyncContext ctx = { 0 };
  g_autofree char *today = NULL;
  g_autofree char *linked_start = NULL;
  gint64 target;

  lane->what = _("Send the employment");
  fill_context (lane, &ctx, &today);

  /* A history system gets this position; a flat one (P3) the position
   * the rules select, whichever changed. */
  if (ctx.position_model == PB_POSITIONS_FLAT && lane->record != NULL)
    target = 0;
  else
    target = lane->entry.record_id;
  lane->remote_id = target != 0 ? pb_store_find_link_key (push->store, push->connection->id, PB_ENTITY_POSITION,
                                                          target, &linked_start) : NULL;
  pb_sync_decide_position (&ctx, lane->record, lane->remote_id != NULL ? linked_start : NULL, lane->positions,
                           &lane->decision);

  if (ctx.position_model == PB_POSITIONS_FLAT && lane->decision.position_id != 0)
    {
      g_clear_pointer (&lane->remote_id, g_free);
      lane->position = g_object_ref (find_by_id (lane->positions, lane->decision.position_id));
      lane->remote_id = pb_store_find_link (push->store, push->connection->id, PB_ENTITY_POSITION,
                                            lane->decision.position_id);
    }
  else if (lane->record != NULL)
    lane->position = g_object_ref (lane->record);

  switch (lane->decision.action)
    {
    case PB_SYNC_REFUSE:
      entry_refused_because (lane, lane->decision.reason, NULL);
      return FALSE;

    case PB_SYNC_NOTHING:
    case PB_SYNC_CLEAR:
      if (lane->decision.reason != NULL)
        g_debug ("Position %" G_GINT64_FORMAT ": %s", lane->entry.record_id, lane->decision.reason);
      /* Deleted in HR and kept in payroll: the link goes with the record. */
      if (lane->record == NULL)
        lane_unlink (lane, PB_ENTITY_POSITION, lane->entry.record_id);
      entry_done (lane, FALSE);
      return FALSE;

    case PB_SYNC_DELETE:
      {
        PbProviderArgs args = { .employee_id = lane->employee_remote, .remote_id = lane->remote_id };

        lane->what = _("Delete the employment in payroll");
        pb_provider_call_async (push->provider, PB_OP_DELETE_EMPLOYMENT, &args, lane_cancellable (lane),
                                on_record_deleted_cb, lane);
        return TRUE;
      }

    case PB_SYNC_UPDATE:
      lane->position_remote = g_strdup (lane->remote_id);
      update_position (lane);
      return TRUE;

    case PB_SYNC_CREATE:
    default:
      /* P2: a new period (or a new start date) is a new employment; look
       * for it first, a cut-off try may have made it (R3). */
      list_employments (lane);
      return TRUE;
    }
}

/* --- salary (SPEC S1-S6) ---------------------------------------------------------- */

static void
on_salaries_listed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Lane *lane = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) salaries = pb_provider_call_finish (PB_PROVIDER (source), result, &error);
  const char *start = pb_record_get (lane->record, PB_SALARY_START_DATE);
  PbProviderArgs args = {
    .employee_id = lane->employee_remote,
    .parent_id = lane->position_remote,
    .record = lane->record,
    .employee = lane->employee,
    .related = lane->position,
  };

  if (error != NULL)
    {
      after_async (lane, error);
      return;
    }

  for (guint i = 0; i < salaries->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (salaries, i);

      if (remote->id == NULL || remote->record == NULL ||
          g_strcmp0 (pb_record_get (remote->record, PB_SALARY_START_DATE), start) != 0)
        continue;
      if (!link_remote (lane, PB_ENTITY_SALARY, lane->entry.record_id, remote, NULL, &error))
        {
          after_async (lane, error);
          return;
        }
      args.remote_id = remote->id;
      /* The list's version saves reading it again (issue 14). */
      args.remote_version = remote->version;
      lane->what = _("Update the salary in payroll");
      pb_provider_call_async (lane->push->provider, PB_OP_UPDATE_SALARY, &args, lane_cancellable (lane),
                              on_record_written_cb, lane);
      return;
    }

  pb_provider_call_async (lane->push->provider, PB_OP_CREATE_SALARY, &args, lane_cancellable (lane),
                          on_record_written_cb, lane);
}

static void
send_salary_with_position (Lane *lane)
{
  Push *push = lane->push;
  PbProviderArgs args = {
    .employee_id = lane->employee_remote,
    .parent_id = lane->position_remote,
    .remote_id = lane->remote_id,
    .record = lane->record,
    .employee = lane->employee,
    .related = lane->position,
  };

  if (lane->decision.action == PB_SYNC_UPDATE)
    {
      lane->what = _("Update the salary in payroll");
      pb_provider_call_async (push->provider, PB_OP_UPDATE_SALARY, &args, lane_cancellable (lane),
                              on_record_written_cb, lane);
    }
  else if (pb_provider_supports (push->provider, PB_OP_LIST_SALARIES))
    {
      /* Look first (R3): a create cut off after payroll made it, or a
       * record payroll keeps for that date (Tripletex: the employment's
       * own details from its start), is updated, not made again. */
      lane->what = _("Create the salary in payroll");
      pb_provider_call_async (push->provider, PB_OP_LIST_SALARIES, &args, lane_cancellable (lane),
                              on_salaries_listed_cb, lane);
    }
  else
    {
      lane->what = _("Create the salary in payroll");
      pb_provider_call_async (push->provider, PB_OP_CREATE_SALARY, &args, lane_cancellable (lane),
                              on_record_written_cb, lane);
    }
}

static gboolean
send_salary (Lane *lane)
{
  Push *push = lane->push;
  PbSyncContext ctx = { 0 };
  g_autofree char *today = NULL;

  lane->what = _("Send the salary");
  fill_context (lane, &ctx, &today);
  lane->remote_id = pb_store_find_link (push->store, push->connection->id, PB_ENTITY_SALARY, lane->entry.record_id);
  pb_sync_decide_salary (&ctx, lane->record, lane->remote_id != NULL, lane->salaries, lane->positions,
                         &lane->decision);

  switch (lane->decision.action)
    {
    case PB_SYNC_REFUSE:
      entry_refused_because (lane, lane->decision.reason, NULL);
      return FALSE;

    case PB_SYNC_NOTHING:
      if (lane->record == NULL)
        lane_unlink (lane, PB_ENTITY_SALARY, lane->entry.record_id);
      entry_done (lane, FALSE);
      return FALSE;

    case PB_SYNC_DELETE:
    case PB_SYNC_CLEAR:
      {
        /* S2: the connector deletes or clears, as its system does. */
        PbProviderArgs args = { .employee_id = lane->employee_remote, .remote_id = lane->remote_id };

        lane->what = lane->decision.action == PB_SYNC_CLEAR ? _("Clear the salary in payroll")
                                                            : _("Delete the salary in payroll");
        pb_provider_call_async (push->provider, PB_OP_DELETE_SALARY, &args, lane_cancellable (lane),
                                on_record_deleted_cb, lane);
        return TRUE;
      }

    case PB_SYNC_CREATE:
    case PB_SYNC_UPDATE:
    default:
      break;
    }

  /* S6: it links to the employment its position is in payroll. */
  lane->position = find_by_id (lane->positions, lane->decision.position_id);
  if (lane->position == NULL)
    {
      entry_refused_because (lane, _("The salary falls in no position of the HR register"), NULL);
      return FALSE;
    }
  g_object_ref (lane->position);
  lane->position_remote = pb_store_find_link (push->store, push->connection->id, PB_ENTITY_POSITION,
                                              lane->decision.position_id);
  if (lane->position_remote != NULL)
    {
      send_salary_with_position (lane);
      return TRUE;
    }

  /* Not linked: the salary waits for its position's own entry; without
   * one, payroll may have the employment all the same (sent before
   * position sync was on, or made there). */
  if (pb_store_outbox_has_open (push->store, push->connection->id, PB_ENTITY_POSITION, lane->decision.position_id))
    {
      entry_wait (lane);
      return FALSE;
    }
  list_employments (lane);
  return TRUE;
}

/* --- absence (SPEC A1-A7) ----------------------------------------------------------- */

/* SPEC A7: marks the HR absence rejected, in the writer's transaction
 * with its error entry. The change this writes is sent like any other: a
 * rejected absence is not approved, so payroll's record (if any) is
 * deleted (A4). */
static gboolean
reject_absence (PbStore  *store,
                gint64    absence_id,
                GError  **error)
{
  g_autoptr(PbRecord) absence = pb_store_get (store, PB_ENTITY_ABSENCE, absence_id, NULL);

  if (absence == NULL || g_strcmp0 (pb_record_get (absence, PB_ABSENCE_STATE), "rejected") == 0)
    return TRUE;

  pb_record_set (absence, PB_ABSENCE_STATE, "rejected");
  return pb_store_save (store, absence, NULL, error);
}

/* The link of a sent absence keeps "HR type id:payroll type" as its key:
 * the mapping it was sent with (A5), and its HR type once it is deleted. */
static char *
absence_key (gint64      type_id,
             const char *remote_type)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%s", type_id, remote_type);
}

/* What the error log says was attempted: "Send the absence from … to … (Type)". */
static void
describe_absence (Lane *lane)
{
  g_autoptr(PbRecord) type = NULL;

  if (lane->record == NULL)
    {
      lane->what = _("Delete the absence in payroll");
      return;
    }

  type = pb_store_find_by_key (lane->push->store, PB_ENTITY_ABSENCE_TYPE,
                               pb_record_get (lane->record, PB_ABSENCE_TYPE), NULL);
  g_free (lane->what_text);
  lane->what_text = g_strdup_printf (_("Send the absence from %s to %s (%s)"),
                                     pb_record_get (lane->record, PB_ABSENCE_START_DATE),
                                     pb_record_get (lane->record, PB_ABSENCE_END_DATE) != NULL
                                       ? pb_record_get (lane->record, PB_ABSENCE_END_DATE) : _("no end date"),
                                     type != NULL ? pb_record_get (type, PB_ABSENCE_TYPE_NAME)
                                                  : pb_record_get (lane->record, PB_ABSENCE_TYPE));
  lane->what = lane->what_text;
}

static gboolean
send_absence (Lane *lane)
{
  Push *push = lane->push;
  PbSyncContext ctx = { 0 };
  g_autofree char *today = NULL;
  g_autofree char *linked_key = NULL;
  g_autoptr(PbAbsenceMapping) mapping = NULL;
  g_autoptr(PbRecord) type = NULL;
  const char *linked_type = NULL;
  gint64 type_id = 0;
  PbProviderArgs args = { .employee_id = lane->employee_remote, .employee = lane->employee, .record = lane->record };

  fill_context (lane, &ctx, &today);
  lane->remote_id = pb_store_find_link_key (push->store, push->connection->id, PB_ENTITY_ABSENCE,
                                            lane->entry.record_id, &linked_key);
  if (linked_key != NULL)
    {
      char *colon = strchr (linked_key, ':');

      if (colon != NULL)
        {
          *colon = '\0';
          type_id = g_ascii_strtoll (linked_key, NULL, 10);
          linked_type = colon + 1;
        }
    }
  if (lane->record != NULL)
    {
      type = pb_store_find_by_key (push->store, PB_ENTITY_ABSENCE_TYPE,
                                   pb_record_get (lane->record, PB_ABSENCE_TYPE), NULL);
      if (type != NULL)
        type_id = pb_record_get_id (type);
    }

  mapping = type_id != 0 ? pb_store_get_mapping (push->store, push->connection->id, type_id, NULL) : NULL;
  pb_sync_decide_absence (&ctx, lane->record, mapping != NULL ? mapping->name : "?",
                          mapping != NULL && mapping->state == PB_MAPPING_MAPPED ? mapping->remote_type : NULL,
                          mapping != NULL && mapping->state == PB_MAPPING_EXCLUDED,
                          lane->remote_id != NULL, linked_type, &lane->decision);

  switch (lane->decision.action)
    {
    case PB_SYNC_REFUSE:
      entry_refused_because (lane, lane->decision.reason, lane->decision.advice);
      return FALSE;

    case PB_SYNC_NOTHING:
    case PB_SYNC_CLEAR:
      if (lane->decision.reason != NULL)
        g_debug ("Absence %" G_GINT64_FORMAT ": %s", lane->entry.record_id, lane->decision.reason);
      if (lane->record == NULL && lane->remote_id != NULL)
        lane_unlink (lane, PB_ENTITY_ABSENCE, lane->entry.record_id);
      entry_done (lane, FALSE);
      return FALSE;

    case PB_SYNC_DELETE:
      args.remote_id = lane->remote_id;
      args.record = NULL;
      lane->what = _("Delete the absence in payroll");
      pb_provider_call_async (push->provider, PB_OP_DELETE_ABSENCE, &args, lane_cancellable (lane),
                              on_record_deleted_cb, lane);
      return TRUE;

    case PB_SYNC_UPDATE:
    case PB_SYNC_CREATE:
    default:
      args.remote_type = mapping->remote_type;
      args.remote_id = lane->remote_id;
      lane->link_key = absence_key (type_id, mapping->remote_type);
      pb_provider_call_async (push->provider,
                              lane->decision.action == PB_SYNC_UPDATE ? PB_OP_UPDATE_ABSENCE : PB_OP_CREATE_ABSENCE,
                              &args, lane_cancellable (lane), on_record_written_cb, lane);
      return TRUE;
    }
}

/* --- the lanes ---------------------------------------------------------------------- */

static gboolean
load_entry (Lane    *lane,
            GError **error)
{
  Push *push = lane->push;
  g_autoptr(GError) local = NULL;

  lane->record = pb_store_get (push->store, lane->entry.entity, lane->entry.record_id, &local);
  if (lane->record == NULL && !g_error_matches (local, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }

  lane->employee = lane->entry.entity == PB_ENTITY_EMPLOYEE
    ? (lane->record != NULL ? g_object_ref (lane->record) : NULL)
    : pb_store_get (push->store, PB_ENTITY_EMPLOYEE, lane->entry.employee_id, NULL);

  if (lane->entry.entity != PB_ENTITY_EMPLOYEE)
    {
      lane->positions = pb_store_list (push->store, PB_ENTITY_POSITION, lane->entry.employee_id, error);
      lane->salaries = lane->positions != NULL
        ? pb_store_list (push->store, PB_ENTITY_SALARY, lane->entry.employee_id, error) : NULL;
      if (lane->salaries == NULL)
        return FALSE;
    }

  if (lane->employee_remote == NULL)
    lane->employee_remote = pb_store_find_link_versioned (push->store, push->connection->id, PB_ENTITY_EMPLOYEE,
                                                          lane->entry.employee_id, &lane->employee_version);
  return TRUE;
}

/* Starts the lane's current entry. Returns whether a request went out. */
static gboolean
send_entry (Lane *lane)
{
  Push *push = lane->push;
  g_autoptr(GError) error = NULL;

  lane_clear_entry (lane);
  lane->entry = g_array_index (lane->entries, PbOutboxEntry, lane->next);
  lane->what = _("Send the change");

  if (!load_entry (lane, &error))
    {
      entry_failed (lane, error);
      return FALSE;
    }

  if (lane->entry.entity == PB_ENTITY_EMPLOYEE)
    return send_employee (lane);

  /* A position or a salary goes to the person in payroll. */
  if (lane->employee == NULL)
    {
      entry_done (lane, FALSE);   /* the person is gone from HR (U10) */
      return FALSE;
    }
  if (lane->entry.entity == PB_ENTITY_ABSENCE)
    describe_absence (lane);
  if (lane->employee_remote == NULL)
    {
      g_autofree char *name = pb_record_dup_display_name (lane->employee);
      g_autofree char *reason = NULL;

      if (lane->person_waits ||
          pb_store_outbox_has_open (push->store, push->connection->id, PB_ENTITY_EMPLOYEE, lane->entry.employee_id))
        {
          entry_wait (lane);
          return FALSE;
        }
      /* A7: an absence is rejected in HR, so it goes again once approved
       * again; the others need attention, and go again on retry. */
      reason = lane->entry.entity == PB_ENTITY_ABSENCE
        ? g_strdup_printf (_("%s is not linked to anyone in %s: run “Sync users” to match or create them, "
                             "then approve the absence again"), name, push->klass->display_name)
        : g_strdup_printf (_("%s is not linked to anyone in %s: run “Sync users” to match or create them, "
                             "then retry"), name, push->klass->display_name);
      entry_refused_because (lane, reason, NULL);
      return FALSE;
    }

  switch (lane->entry.entity)
    {
    case PB_ENTITY_POSITION:
      return send_position (lane);
    case PB_ENTITY_SALARY:
      return send_salary (lane);
    case PB_ENTITY_ABSENCE:
      return send_absence (lane);
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_ENTITY_EMPLOYEE:
    case PB_N_ENTITIES:
    default:
      entry_wait (lane);
      return FALSE;
    }
}

static void on_lane_written_cb (GObject *source, GAsyncResult *result, gpointer user_data);

/* Hands what the entry just through wrote to the writer. Returns whether
 * it did: the lane goes on in on_lane_written_cb(). */
static gboolean
lane_flush (Lane *lane)
{
  Push *push = lane->push;
  gint64 now = g_get_monotonic_time ();

  /* The lease is taken again before the lane's next entry; a write to the
   * store is not needed after every entry: a quarter of the lease's life
   * is soon enough. */
  if (lane->next > 0 && lane->next < lane->entries->len && !push->stopped &&
      now - push->renewed_at >= (gint64) lease_seconds () * G_USEC_PER_SEC / 4)
    {
      Write *write = lane_write (lane, WRITE_LEASE);

      write->of_entry = FALSE;
      write->seconds = lease_seconds ();
      push->renewed_at = now;
    }

  if (lane->writes->len == 0)
    return FALSE;
  push_write (push, g_steal_pointer (&lane->writes), on_lane_written_cb, lane);
  lane->writes = writes_new ();
  return TRUE;
}

/* Sends the lane's entries one after the other; a request in flight, and
 * the writes of an entry through, come back here from their callbacks. */
static void
lane_run (Lane *lane)
{
  Push *push = lane->push;

  for (;;)
    {
      /* What an entry wrote lands before the next one starts. */
      if (lane_flush (lane))
        return;
      if (lane->next >= lane->entries->len || push->stopped ||
          g_cancellable_is_cancelled (lane_cancellable (lane)))
        break;
      if (send_entry (lane))
        return;
      lane->next++;
    }

  lane_clear_entry (lane);
  push->running--;
  pump (push);
}

static void
on_lane_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Lane *lane = user_data;

  push_written (lane->push, result);
  lane_run (lane);
}

static void
push_returned (Push *push)
{
  GTask *task = push->task;

  push->result.waiting = pb_store_count_outbox (push->store, push->connection->id, PB_OUTBOX_PENDING);
  push->result.held = pb_store_count_outbox (push->store, push->connection->id, PB_OUTBOX_HELD);
  push_unclaim (push);
  /* Entries of a push cut short (lost lease, cancelled) were not tried. */
  if (push->stopped && push->result.waiting > 0)
    push->result.retry = TRUE;

  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
on_push_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Push *push = user_data;

  /* Not released (the store takes no writes): it expires. */
  if (push_written (push, result))
    push->leased = FALSE;
  push_returned (push);
}

/* The push's own writes (the outage's error entry, the lease let go) go
 * to the writer after every lane's. */
static void
push_return (Push *push)
{
  g_autoptr(GPtrArray) writes = writes_new ();

  push->finished = TRUE;
  if (push->outage != NULL)
    {
      g_autofree char *what = g_strdup_printf (_("Send changes to %s"), push->klass->display_name);
      Write *write = g_new0 (Write, 1);

      write->kind = WRITE_PROBLEM;
      write->log = problem_entry (push->connection, PB_N_ENTITIES, 0, NULL, what, push->outage, NULL);
      g_ptr_array_add (writes, write);
    }
  if (push->leased)
    {
      Write *write = g_new0 (Write, 1);

      write->kind = WRITE_RELEASE;
      g_ptr_array_add (writes, write);
    }

  if (writes->len == 0)
    {
      push_returned (push);
      return;
    }
  push_write (push, g_steal_pointer (&writes), on_push_written_cb, push);
}

static void
pump (Push *push)
{
  if (push->pumping || push->finished)
    return;

  push->pumping = TRUE;
  /* The bound is read again each time: a paced one moves (issue 14). Half
   * as many lanes again as requests allowed, so that the wire does not
   * wait while a lane does its local work between two requests (and the
   * pacer sees the bound is what holds them back). */
  push->width = MAX (1, pb_http_get_max_in_flight (pb_provider_get_http (push->provider)));
  push->width += push->width / 2;
  while (push->running < push->width && push->next_lane < push->lanes->len && !push->stopped &&
         !g_cancellable_is_cancelled (g_task_get_cancellable (push->task)))
    {
      Lane *lane = g_ptr_array_index (push->lanes, push->next_lane++);

      push->running++;
      lane_run (lane);
    }
  push->pumping = FALSE;

  if (push->running == 0 &&
      (push->next_lane >= push->lanes->len || push->stopped ||
       g_cancellable_is_cancelled (g_task_get_cancellable (push->task))))
    push_return (push);
}

static int
entity_rank (PbEntity entity)
{
  switch (entity)
    {
    case PB_ENTITY_EMPLOYEE:
      return 0;
    case PB_ENTITY_POSITION:
      return 1;
    case PB_ENTITY_SALARY:
      return 2;
    case PB_ENTITY_ABSENCE:
      return 3;
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_N_ENTITIES:
    default:
      return 4;
    }
}

static int
compare_in_lane (gconstpointer a,
                 gconstpointer b)
{
  const PbOutboxEntry *x = a, *y = b;
  int rank = entity_rank (x->entity) - entity_rank (y->entity);

  if (rank != 0)
    return rank;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* One lane per person, in the order their first entry came. */
static GPtrArray *
make_lanes (Push   *push,
            GArray *entries)
{
  GPtrArray *lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) lane_free);
  g_autoptr(GHashTable) by_person = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint i = 0; i < entries->len; i++)
    {
      PbOutboxEntry *entry = &g_array_index (entries, PbOutboxEntry, i);
      Lane *lane = g_hash_table_lookup (by_person, &entry->employee_id);

      if (lane == NULL)
        {
          lane = g_new0 (Lane, 1);
          lane->push = push;
          lane->entries = g_array_new (FALSE, TRUE, sizeof (PbOutboxEntry));
          lane->writes = writes_new ();
          g_ptr_array_add (lanes, lane);
          g_hash_table_insert (by_person, &entry->employee_id, lane);
        }
      g_array_append_val (lane->entries, *entry);
    }

  for (guint i = 0; i < lanes->len; i++)
    {
      Lane *lane = g_ptr_array_index (lanes, i);

      g_array_sort (lane->entries, compare_in_lane);
    }

  return lanes;
}

/* Back on the caller's main loop with the lease and the entries to send. */
static void
on_started_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Push *push = user_data;
  Start *start = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      GTask *task = push->task;

      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  push->leased = start->leased;
  push->renewed_at = g_get_monotonic_time ();
  if (!push->leased)
    {
      push->result.busy = TRUE;
      push_return (push);
      return;
    }

  push->lanes = make_lanes (push, start->entries);
  pump (push);
}

/**
 * pb_sync_engine_push_async:
 *
 * Moves new HR changes into the outbox and sends every pending entry
 * (PbHttp bounds and paces the requests). An entry leaves the outbox only
 * once payroll took it, a newer one replaced it or the administrator
 * discarded it. One process at a time sends a connection's outbox: when
 * another holds its lease, nothing is sent and the result says busy.
 */
void
pb_sync_engine_push_async (PbStore             *store,
                           PbConnection        *connection,
                           PbProvider          *provider,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Push *push = g_new0 (Push, 1);

  g_task_set_source_tag (task, pb_sync_engine_push_async);
  push->task = task;
  push->store = g_object_ref (store);
  push->connection = g_object_ref (connection);
  push->provider = g_object_ref (provider);
  push->klass = g_type_class_ref (G_OBJECT_TYPE (provider));
  push->holder = pb_store_new_lease_holder ();
  push->rejections = g_array_new (FALSE, FALSE, sizeof (gint64));
  push->width = MAX (1, pb_http_get_max_in_flight (pb_provider_get_http (provider)));
  g_task_set_task_data (task, push, (GDestroyNotify) push_free);

  /* The enqueue, the lease and the entries: in a worker (issue 14). A
   * second push of the connection in this process is busy without taking
   * the lease, as it was when the first one took it on this thread; it
   * still enqueues. */
  start_async (start_new (store, connection, push_claim (push) ? push->holder : NULL), on_started_cb, push);
}

gboolean
pb_sync_engine_push_finish (GAsyncResult  *result,
                            PbPushResult  *out,
                            GError       **error)
{
  Push *push;

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_sync_engine_push_async, FALSE);

  push = g_task_get_task_data (G_TASK (result));
  if (out != NULL)
    *out = push->result;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pb_sync_engine_push_dup_rejections:
 *
 * SPEC A7: the error-log entries of the absences this push rejected, for
 * the notification that names who is told.
 *
 * Returns: (transfer full) (element-type gint64): error entry ids
 */
GArray *
pb_sync_engine_push_dup_rejections (GAsyncResult *result)
{
  Push *push;
  GArray *copy = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pb_sync_engine_push_async, copy);

  push = g_task_get_task_data (G_TASK (result));
  if (push->rejections != NULL)
    g_array_append_vals (copy, push->rejections->data, push->rejections->len);
  return copy;
}
