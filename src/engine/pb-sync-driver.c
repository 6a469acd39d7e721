/* pb-sync-driver.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSyncDriver"

#include "config.h"

#include "pb-connections.h"
#include "pb-oauth2.h"
#include "pb-outbox.h"
#include "pb-secrets.h"
#include "pb-sync-driver.h"
#include "pb-sync-engine.h"

/* PbSyncDriver runs the outbox of every active connection on the main loop
 * (SPEC U7). The engine does the durable part — change log, cursor, outbox,
 * error log (see pb-sync-engine.c) — so the driver only decides *when*:
 *
 * - PbStore::changed (emitted after a commit) pokes every active
 *   connection; a run starts after a short quiet time, so an import of a
 *   thousand people is one run, not a thousand.
 * - One run per connection at a time. Changes that arrive during a run set
 *   a flag, and a new run follows it.
 * - A run first moves new changes into the outbox (a local transaction).
 *   With nothing waiting it stops there: neither the keyring nor the
 *   payroll system is asked.
 * - The connector is opened once (secrets from the keyring) and kept. A
 *   saved connection may carry new credentials or endpoints, so every
 *   connection save lets the connectors be opened again at their next run.
 * - A run that leaves entries waiting (network, 5xx, 429: PbHttp already
 *   retried each request) is tried again after an exponential backoff with
 *   jitter, capped; nothing runs in a tight loop (SPEC R2). Before trying
 *   again it asks the system who it is (PB_OP_VERIFY_CREDENTIALS): while
 *   that fails for a passing reason, no entry is sent, so an outage uses up
 *   none of an entry's attempts and adds nothing more to the error log.
 *   Changes made meanwhile wait for the retry.
 * - A run the keyring stopped (locked: maybe a prompt each time it is
 *   asked; a token missing) waits for the next change or connection save
 *   instead of a timer.
 * - start() drains what a previous process left (SPEC R3): changes past a
 *   cursor and pending entries are in the store, not in memory.
 * - An OAuth2 connection whose sign-in is lost is saved as needing sign-in
 *   and its run is cancelled; the cancelled entry stays pending, and all of
 *   it goes out once the connection is active again.
 *
 * It keeps, per connection, when it was last in step, the number of open
 * errors and of outbox entries that need attention or are held, and emits
 * ::status-changed when one of them changes, and ::absence-rejected for
 * each absence a push rejected in HR (SPEC A7). */

typedef struct
{
  PbSyncDriver *driver;       /* (unowned) (nullable): NULL once detached */
  gint64        id;           /* the key in PbSyncDriver.conns */
  PbConnection *connection;   /* (owned): the row as last read */
  PbProvider   *provider;     /* (owned) (nullable): opened once, kept */
  PbOAuth2     *oauth2;       /* (owned) (nullable): @provider's, watched */
  gulong        sign_in_id;
  GCancellable *cancellable;  /* (owned): the run in flight */
  guint         timer_id;     /* the next run: after a quiet time, or a backoff */
  gboolean      busy;         /* a run (open, probe, push) is in flight */
  gboolean      again;        /* changes came in during the run */
  gboolean      probe;        /* the last run left work: check the system answers first */
  guint         failures;     /* runs in a row that left work waiting */
  GDateTime    *last_synced;  /* (owned) (nullable) */
  guint         open_errors;
  guint         attention;    /* outbox entries payroll refused (SPEC C7) */
  guint         held;         /* outbox entries of a type turned off (SPEC C6) */
  PbDataTypes   held_types;   /* the types of those */
} Conn;

struct _PbSyncDriver
{
  GObject     parent_instance;

  PbStore    *store;          /* (owned) */
  GHashTable *conns;          /* (owned) &Conn.id -> Conn (a reference) */
  GHashTable *given;          /* (owned) connection id -> PbProvider */
  gulong      changed_id;
  guint       reload_id;      /* idle: read the connections again */
  gboolean    started;
  guint       quiet_ms;
  guint       retry_base_ms;
  guint       retry_max_ms;
};

typedef enum
{
  RUN_DONE,       /* nothing left waiting */
  RUN_WAITING,    /* work left: try again after a backoff */
  RUN_HELD,       /* the keyring did not give the secrets: try again at the next change */
  RUN_CANCELLED,  /* stopped on purpose: no retry */
} RunEnd;

static void run (Conn *conn);

G_DEFINE_FINAL_TYPE (PbSyncDriver, pb_sync_driver, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_QUIET_MS,
  PROP_RETRY_BASE_MS,
  PROP_RETRY_MAX_MS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  STATUS_CHANGED,
  ABSENCE_REJECTED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* Where a store keeps (a pointer to) its driver. */
static GQuark store_quark;

/* --- connections --------------------------------------------------------- */

static void
drop_provider (Conn *conn)
{
  if (conn->oauth2 != NULL)
    g_clear_signal_handler (&conn->sign_in_id, conn->oauth2);
  g_clear_object (&conn->oauth2);
  /* A push in flight holds its own reference. */
  g_clear_object (&conn->provider);
}

static void
conn_clear (Conn *conn)
{
  drop_provider (conn);
  g_clear_handle_id (&conn->timer_id, g_source_remove);
  g_clear_object (&conn->connection);
  g_clear_object (&conn->cancellable);
  g_clear_pointer (&conn->last_synced, g_date_time_unref);
}

static Conn *
conn_ref (Conn *conn)
{
  return g_rc_box_acquire (conn);
}

static void
conn_unref (Conn *conn)
{
  g_rc_box_release_full (conn, (GDestroyNotify) conn_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Conn, conn_unref)

/* The connection is gone, or the driver: a run in flight is cancelled and
 * its callback, holding the last reference, finds @conn detached. */
static void
conn_detach (Conn *conn)
{
  conn->driver = NULL;
  g_cancellable_cancel (conn->cancellable);
  g_clear_handle_id (&conn->timer_id, g_source_remove);
  drop_provider (conn);
}

static gboolean
wants_sync (Conn *conn)
{
  return conn->connection->state == PB_CONNECTION_ACTIVE &&
         (conn->connection->sync_types & PB_ENGINE_SENDS) != 0;
}

/* Open entries only: a resolved or dismissed one needs nothing more. */
static guint
count_errors (PbSyncDriver *self,
              gint64        id)
{
  return (guint) pb_store_count_open_errors (self->store, id);
}

static PbDataTypes
type_of_entity (PbEntity entity)
{
  switch (entity)
    {
    case PB_ENTITY_EMPLOYEE:
      return PB_DATA_USERS;
    case PB_ENTITY_POSITION:
      return PB_DATA_POSITIONS;
    case PB_ENTITY_ABSENCE:
      return PB_DATA_ABSENCE;
    case PB_ENTITY_SALARY:
      return PB_DATA_SALARY;
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_N_ENTITIES:
    default:
      return 0;
    }
}

/* The data types of the held entries; only read when there are some. */
static PbDataTypes
read_held_types (PbSyncDriver *self,
                 Conn         *conn)
{
  g_autoptr(GArray) open = pb_store_list_outbox_open (self->store, conn->id, NULL);
  PbDataTypes types = 0;

  for (guint i = 0; open != NULL && i < open->len; i++)
    {
      const PbOutboxEntry *entry = &g_array_index (open, PbOutboxEntry, i);

      if (entry->state == PB_OUTBOX_HELD)
        types |= type_of_entity (entry->entity);
    }

  return types;
}

/* Reads the counts again; TRUE if one moved. */
static gboolean
read_counts (PbSyncDriver *self,
             Conn         *conn)
{
  guint open_errors = count_errors (self, conn->id);
  guint attention = (guint) pb_store_count_outbox (self->store, conn->id, PB_OUTBOX_ATTENTION);
  guint held = (guint) pb_store_count_outbox (self->store, conn->id, PB_OUTBOX_HELD);
  PbDataTypes held_types = held > 0 ? read_held_types (self, conn) : 0;
  gboolean changed = open_errors != conn->open_errors || attention != conn->attention || held != conn->held ||
                     held_types != conn->held_types;

  conn->open_errors = open_errors;
  conn->attention = attention;
  conn->held = held;
  conn->held_types = held_types;
  return changed;
}

/* Reads the counts again and tells listeners if one or @changed moved. */
static void
update_status (Conn     *conn,
               gboolean  changed)
{
  PbSyncDriver *self = conn->driver;

  changed |= read_counts (self, conn);

  if (changed)
    g_signal_emit (self, signals [STATUS_CHANGED], 0, conn->id);
}

static gboolean
on_timer_cb (gpointer user_data)
{
  Conn *conn = user_data;

  conn->timer_id = 0;
  run (conn);
  return G_SOURCE_REMOVE;
}

/* A timer already set (a quiet time, or a backoff) stays as it is: the run
 * it starts takes every change made until then. */
static void
schedule (Conn  *conn,
          guint  delay_ms)
{
  if (conn->driver == NULL || conn->timer_id != 0)
    return;

  /* The timer holds no reference: detaching removes it. */
  conn->timer_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, on_timer_cb, conn, NULL);
}

/* Something may be waiting: run after the quiet time. */
static void
poke (Conn *conn)
{
  if (conn->driver == NULL || !wants_sync (conn))
    return;

  if (conn->busy)
    {
      conn->again = TRUE;
      return;
    }

  schedule (conn, conn->driver->quiet_ms);
}

static guint
backoff_delay (Conn *conn)
{
  PbHttpLimits limits = PB_HTTP_LIMITS_DEFAULT;

  /* The same "equal jitter" as PbHttp's retries, on a longer scale. */
  limits.backoff_base_ms = conn->driver->retry_base_ms;
  limits.backoff_max_ms = conn->driver->retry_max_ms;
  return pb_http_backoff_delay (&limits, MAX (conn->failures, 1), g_random_int ());
}

static void
end_run (Conn   *conn,
         RunEnd  end)
{
  conn->busy = FALSE;

  switch (end)
    {
    case RUN_DONE:
      conn->failures = 0;
      conn->probe = FALSE;
      break;

    case RUN_WAITING:
      conn->failures++;
      conn->probe = TRUE;
      break;

    case RUN_HELD:
      conn->again = FALSE;
      break;

    case RUN_CANCELLED:
    default:
      break;
    }

  update_status (conn, FALSE);

  if (end == RUN_WAITING)
    {
      guint delay = backoff_delay (conn);

      g_debug ("Connection %" G_GINT64_FORMAT ": trying again in %u ms", conn->id, delay);
      schedule (conn, delay);
    }
  else if (conn->again)
    poke (conn);
}

/* --- a run: enqueue, open, probe, push ------------------------------------ */

static void
on_pushed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Conn) conn = user_data;
  g_autoptr(GError) error = NULL;
  PbPushResult pushed = { 0 };

  if (!pb_sync_engine_push_finish (result, &pushed, &error))
    {
      if (conn->driver == NULL)
        return;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          end_run (conn, RUN_CANCELLED);
          return;
        }
      g_debug ("Connection %" G_GINT64_FORMAT ": the push failed: %s", conn->id, error->message);
      end_run (conn, RUN_WAITING);
      return;
    }

  if (conn->driver == NULL)
    return;

  g_debug ("Connection %" G_GINT64_FORMAT ": sent %u, needs attention %u, waiting %u%s", conn->id, pushed.sent,
           pushed.attention, pushed.waiting, pushed.busy ? " (another process is sending)" : "");

  /* In step: what HR held for the connection is in payroll (a refusal is
   * in the error log, and counted there). */
  if (pushed.sent > 0 && pushed.waiting == 0)
    {
      g_clear_pointer (&conn->last_synced, g_date_time_unref);
      conn->last_synced = g_date_time_new_now_utc ();
      update_status (conn, TRUE);
    }

  /* Busy: another process holds the outbox; try again later. The open
   * error count may have moved either way. */
  update_status (conn, FALSE);

  /* SPEC A7: each absence this push rejected in HR is announced, with its
   * error entry (the app words a notification from it). */
  if (pushed.rejected > 0)
    {
      g_autoptr(PbSyncDriver) driver = g_object_ref (conn->driver);
      g_autoptr(GArray) rejections = pb_sync_engine_push_dup_rejections (result);

      for (guint i = 0; rejections != NULL && i < rejections->len; i++)
        g_signal_emit (driver, signals [ABSENCE_REJECTED], 0, conn->id, g_array_index (rejections, gint64, i));
      if (conn->driver == NULL)
        return;
    }
  /* What waits only for another entry (a position for its person, who
   * needs attention) waits for the next change, not for a timer. */
  end_run (conn, pushed.busy || (pushed.waiting > 0 && (pushed.retry || pushed.sent > 0)) ? RUN_WAITING : RUN_DONE);
}

static void
push (Conn *conn)
{
  /* It may have stopped being active (a lost sign-in, settings) while the
   * connector opened or the system was asked; the engine would send its
   * pending entries all the same. */
  if (!wants_sync (conn))
    {
      end_run (conn, RUN_CANCELLED);
      return;
    }

  pb_sync_engine_push_async (conn->driver->store, conn->connection, conn->provider, conn->cancellable,
                             on_pushed_cb, conn_ref (conn));
}

static void
on_probed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Conn) conn = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (conn->driver == NULL)
    return;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      end_run (conn, RUN_CANCELLED);
      return;
    }

  /* Still out of reach: send nothing, so that no entry uses up an attempt
   * or adds to the error log during an outage. Any other answer — even a
   * refusal — lets the push go on and log what is wrong, per person. */
  if (company == NULL && pb_provider_error_is_transient (error))
    {
      g_debug ("Connection %" G_GINT64_FORMAT ": still out of reach: %s", conn->id, error->message);
      end_run (conn, RUN_WAITING);
      return;
    }

  push (conn);
}

static void
probe_or_push (Conn *conn)
{
  if (conn->probe && pb_provider_supports (conn->provider, PB_OP_VERIFY_CREDENTIALS))
    {
      pb_provider_call_async (conn->provider, PB_OP_VERIFY_CREDENTIALS, NULL, conn->cancellable,
                              on_probed_cb, conn_ref (conn));
      return;
    }

  push (conn);
}

static void
on_needs_sign_in_cb (PbOAuth2 *oauth2,
                     Conn     *conn)
{
  PbSyncDriver *self = conn->driver;
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GError) error = NULL;

  g_debug ("Connection %" G_GINT64_FORMAT ": the sign-in is gone", conn->id);

  /* Stop the run at once: the entry in flight comes back cancelled and
   * stays pending (instead of failing for good as not authorized), and the
   * rest are not tried. A new cancellable serves the next run. */
  g_cancellable_cancel (conn->cancellable);
  g_clear_object (&conn->cancellable);
  conn->cancellable = g_cancellable_new ();
  drop_provider (conn);
  /* No run starts again before the store's ::changed brings the row. */
  conn->connection->state = PB_CONNECTION_NEEDS_SIGN_IN;

  /* Saved from a fresh read, so that settings edited meanwhile are kept;
   * the store's ::changed then brings the new state here and to the UI. */
  connections = pb_store_list_connections (self->store, &error);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    {
      PbConnection *stored = g_ptr_array_index (connections, i);

      if (stored->id != conn->id || stored->state == PB_CONNECTION_NEEDS_SIGN_IN)
        continue;

      stored->state = PB_CONNECTION_NEEDS_SIGN_IN;
      pb_store_save_connection (self->store, stored, &error);
      break;
    }

  if (error != NULL)
    g_warning ("Could not save that connection %" G_GINT64_FORMAT " needs a new sign-in: %s",
               conn->id, error->message);
}

static void
with_provider (Conn       *conn,
               PbProvider *provider)
{
  g_set_object (&conn->provider, provider);
  probe_or_push (conn);
}

static void
on_opened_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Conn) conn = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbProvider) provider = pb_connections_open_finish (result, &error);

  if (conn->driver == NULL)
    return;

  if (provider == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          end_run (conn, RUN_CANCELLED);
          return;
        }
      g_debug ("Connection %" G_GINT64_FORMAT ": could not open the connector: %s", conn->id, error->message);
      /* A locked keyring may put up a prompt each time it is asked, and a
       * missing token does not come back by itself: not on a timer, then,
       * but at the next change or connection save (new tokens save it). The
       * Connections view shows the keyring's state and the fix. */
      end_run (conn, error->domain == PB_SECRETS_ERROR ? RUN_HELD : RUN_WAITING);
      return;
    }

  with_provider (conn, provider);
}

static void
open_provider (Conn *conn)
{
  PbConnection *connection = conn->connection;
  g_autoptr(PbProviderClass) klass = pb_connections_ref_class (connection->system);
  g_autoptr(PbOAuth2) oauth2 = NULL;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GError) error = NULL;

  if (klass == NULL || klass->auth_kind != PB_AUTH_OAUTH2)
    {
      pb_connections_open_async (connection, conn->cancellable, on_opened_cb, conn_ref (conn));
      return;
    }

  /* What pb_connections_open_async() does for OAuth2, keeping the PbOAuth2
   * to hear when the sign-in is lost. It reads the tokens from the keyring
   * itself, asynchronously, at the first request. */
  oauth2 = pb_connections_make_oauth2 (connection, &error);
  if (oauth2 != NULL)
    provider = pb_provider_new (connection->system, connection->base_url, NULL, &error);
  if (provider == NULL)
    {
      g_debug ("Connection %" G_GINT64_FORMAT ": could not open the connector: %s", conn->id, error->message);
      end_run (conn, RUN_WAITING);
      return;
    }

  pb_oauth2_attach (oauth2, pb_provider_get_http (provider));
  pb_provider_set_company (provider, connection->tenant_id);
  conn->oauth2 = g_steal_pointer (&oauth2);
  conn->sign_in_id = g_signal_connect (conn->oauth2, "needs-sign-in", G_CALLBACK (on_needs_sign_in_cb), conn);
  with_provider (conn, provider);
}

static void
on_enqueued_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Conn) conn = user_data;
  PbSyncDriver *self = conn->driver;
  g_autoptr(GError) error = NULL;
  PbProvider *given;
  guint pending = 0;
  int enqueued;

  enqueued = pb_sync_engine_enqueue_finish (result, &pending, &error);
  if (self == NULL)
    return;
  /* The connection may have stopped being active while the worker ran. */
  if (g_cancellable_is_cancelled (conn->cancellable) || !wants_sync (conn))
    {
      end_run (conn, RUN_CANCELLED);
      return;
    }
  if (enqueued < 0)
    {
      g_debug ("Connection %" G_GINT64_FORMAT ": could not read the outbox: %s", conn->id, error->message);
      end_run (conn, RUN_WAITING);
      return;
    }

  /* What a view shows of a record may be "waiting to be sent" now. */
  if (enqueued > 0)
    {
      g_signal_emit (self, signals [STATUS_CHANGED], 0, conn->id);
      if (conn->driver == NULL)
        return;
    }

  if (pending == 0)
    {
      end_run (conn, RUN_DONE);
      return;
    }

  if (conn->provider != NULL)
    probe_or_push (conn);
  else if ((given = g_hash_table_lookup (self->given, &conn->id)) != NULL)
    with_provider (conn, given);
  else
    open_provider (conn);
}

static void
run (Conn *conn)
{
  PbSyncDriver *self = conn->driver;

  if (self == NULL || conn->busy || !wants_sync (conn))
    return;

  conn->busy = TRUE;
  conn->again = FALSE;

  /* The changes into the outbox first: a local transaction (in a worker,
   * issue 14), and with nothing waiting neither the keyring nor the
   * payroll system is asked. */
  pb_sync_engine_enqueue_async (self->store, conn->connection, on_enqueued_cb, conn_ref (conn));
}

/* --- the store ------------------------------------------------------------ */

/* Until this process sends something, the last time the connection is
 * known to have been in step is the user sync that activated it. */
static gboolean
seed_last_synced (Conn *conn)
{
  if (conn->last_synced != NULL || conn->connection->activated_at == NULL)
    return FALSE;

  conn->last_synced = g_date_time_new_from_iso8601 (conn->connection->activated_at, NULL);
  return conn->last_synced != NULL;
}

static Conn *
conn_new (PbSyncDriver *self,
          PbConnection *connection)
{
  Conn *conn = g_rc_box_new0 (Conn);

  conn->driver = self;
  conn->id = connection->id;
  conn->connection = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  seed_last_synced (conn);
  read_counts (self, conn);

  return conn;
}

/* Brings the connections up to the store: new ones are added (and an
 * active one drained, SPEC R3), gone ones detached, and the others take
 * their saved row. */
static void
reload (PbSyncDriver *self)
{
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  Conn *conn;

  connections = pb_store_list_connections (self->store, &error);
  if (connections == NULL)
    {
      g_warning ("Could not read the connections: %s", error->message);
      return;
    }

  for (guint i = 0; i < connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (connections, i);
      gboolean changed = TRUE;

      conn = g_hash_table_lookup (self->conns, &connection->id);
      if (conn == NULL)
        {
          conn = conn_new (self, connection);
          g_hash_table_insert (self->conns, &conn->id, conn);
        }
      else
        {
          changed = conn->connection->state != connection->state;
          g_set_object (&conn->connection, connection);
          changed |= seed_last_synced (conn);
          /* New tokens or endpoints may have come with the save. */
          drop_provider (conn);
        }

      g_hash_table_add (seen, &conn->id);
      /* A type turned off holds its pending entries (SPEC C6), one turned
       * on sends them again. */
      update_status (conn, changed);
      poke (conn);
    }

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    if (!g_hash_table_contains (seen, &conn->id))
      {
        conn_detach (conn);
        g_hash_table_iter_remove (&iter);
      }
}

static gboolean
on_reload_idle_cb (gpointer user_data)
{
  PbSyncDriver *self = user_data;

  self->reload_id = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

/* Runs inside pb_store_commit(): only schedules. */
static void
on_store_changed_cb (PbSyncDriver *self,
                     guint         what,
                     PbStore      *store)
{
  GHashTableIter iter;
  Conn *conn;

  if (!self->started)
    return;

  if ((what & PB_STORE_CHANGED_CONNECTIONS) && self->reload_id == 0)
    self->reload_id = g_idle_add (on_reload_idle_cb, self);

  if (what & PB_STORE_CHANGED_REGISTER)
    {
      g_hash_table_iter_init (&iter, self->conns);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
        poke (conn);
    }
}

/* --- PbSyncDriver ----------------------------------------------------------- */

static void
pb_sync_driver_constructed (GObject *object)
{
  PbSyncDriver *self = (PbSyncDriver *)object;

  G_OBJECT_CLASS (pb_sync_driver_parent_class)->constructed (object);

  g_return_if_fail (PB_IS_STORE (self->store));

  /* Two drivers on one store would send the same entries twice. */
  if (pb_sync_driver_get_for_store (self->store) != NULL)
    g_critical ("The store already has a sync driver");
  else
    g_object_set_qdata (G_OBJECT (self->store), store_quark, self);

  self->changed_id = g_signal_connect_object (self->store, "changed", G_CALLBACK (on_store_changed_cb),
                                              self, G_CONNECT_SWAPPED);
}

static void
pb_sync_driver_dispose (GObject *object)
{
  PbSyncDriver *self = (PbSyncDriver *)object;
  GHashTableIter iter;
  Conn *conn;

  g_clear_handle_id (&self->reload_id, g_source_remove);

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    conn_detach (conn);
  g_hash_table_remove_all (self->conns);
  g_hash_table_remove_all (self->given);

  if (self->store != NULL)
    {
      g_clear_signal_handler (&self->changed_id, self->store);
      if (pb_sync_driver_get_for_store (self->store) == self)
        g_object_set_qdata (G_OBJECT (self->store), store_quark, NULL);
      g_clear_object (&self->store);
    }

  G_OBJECT_CLASS (pb_sync_driver_parent_class)->dispose (object);
}

static void
pb_sync_driver_finalize (GObject *object)
{
  PbSyncDriver *self = (PbSyncDriver *)object;

  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->given, g_hash_table_unref);

  G_OBJECT_CLASS (pb_sync_driver_parent_class)->finalize (object);
}

static void
pb_sync_driver_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PbSyncDriver *self = PB_SYNC_DRIVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_QUIET_MS:
      g_value_set_uint (value, self->quiet_ms);
      break;

    case PROP_RETRY_BASE_MS:
      g_value_set_uint (value, self->retry_base_ms);
      break;

    case PROP_RETRY_MAX_MS:
      g_value_set_uint (value, self->retry_max_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_sync_driver_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PbSyncDriver *self = PB_SYNC_DRIVER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    case PROP_QUIET_MS:
      self->quiet_ms = g_value_get_uint (value);
      break;

    case PROP_RETRY_BASE_MS:
      self->retry_base_ms = g_value_get_uint (value);
      break;

    case PROP_RETRY_MAX_MS:
      self->retry_max_ms = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_sync_driver_class_init (PbSyncDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  store_quark = g_quark_from_static_string ("pb-sync-driver");

  object_class->constructed = pb_sync_driver_constructed;
  object_class->dispose = pb_sync_driver_dispose;
  object_class->finalize = pb_sync_driver_finalize;
  object_class->get_property = pb_sync_driver_get_property;
  object_class->set_property = pb_sync_driver_set_property;

  properties [PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, PB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PbSyncDriver:quiet-ms:
   *
   * How long after a change a run starts: the changes of a burst (an
   * import, several saves) go out in one run.
   */
  properties [PROP_QUIET_MS] =
    g_param_spec_uint ("quiet-ms", NULL, NULL, 0, 60000, 250,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * PbSyncDriver:retry-base-ms:
   *
   * The first wait before a run that left work waiting is tried again; it
   * doubles with each such run, with jitter, up to #PbSyncDriver:retry-max-ms.
   */
  properties [PROP_RETRY_BASE_MS] =
    g_param_spec_uint ("retry-base-ms", NULL, NULL, 1, G_MAXINT32, 5000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties [PROP_RETRY_MAX_MS] =
    g_param_spec_uint ("retry-max-ms", NULL, NULL, 1, G_MAXINT32, 5 * 60 * 1000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PbSyncDriver::status-changed:
   * @connection_id: the connection
   *
   * The connection's last sync, its number of open errors, of outbox
   * entries that need attention or are held, or its state changed (or the
   * driver saw it for the first time), or new changes went into its outbox.
   */
  signals [STATUS_CHANGED] =
    g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * PbSyncDriver::absence-rejected:
   * @connection_id: the connection
   * @error_id: the entry of the connection's error log that says why, and
   *   who is notified (pb_store_get_error())
   *
   * SPEC A7: a push could not send an absence, and marked it rejected in
   * HR. Emitted once for each, when the push ends: the rejections of one
   * push come one after another, with nothing run in between.
   */
  signals [ABSENCE_REJECTED] =
    g_signal_new ("absence-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
}

static void
pb_sync_driver_init (PbSyncDriver *self)
{
  self->conns = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) conn_unref);
  self->given = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
}

/**
 * pb_sync_driver_new:
 *
 * Returns: (transfer full): a driver for @store; it does nothing until
 *   pb_sync_driver_start()
 */
PbSyncDriver *
pb_sync_driver_new (PbStore *store)
{
  g_return_val_if_fail (PB_IS_STORE (store), NULL);

  return g_object_new (PB_TYPE_SYNC_DRIVER, "store", store, NULL);
}

/**
 * pb_sync_driver_get_for_store:
 *
 * A store has at most one driver; the views that show a connection's sync
 * status find it here.
 *
 * Returns: (transfer none) (nullable): the driver of @store
 */
PbSyncDriver *
pb_sync_driver_get_for_store (PbStore *store)
{
  g_return_val_if_fail (PB_IS_STORE (store), NULL);

  return g_object_get_qdata (G_OBJECT (store), store_quark);
}

PbStore *
pb_sync_driver_get_store (PbSyncDriver *self)
{
  g_return_val_if_fail (PB_IS_SYNC_DRIVER (self), NULL);

  return self->store;
}

/**
 * pb_sync_driver_set_provider:
 *
 * Uses @provider for the connection instead of opening one with the
 * keyring's secrets: for a caller that has one already (the CLI, tests).
 * It is kept when the connection is saved.
 */
void
pb_sync_driver_set_provider (PbSyncDriver *self,
                             gint64        connection_id,
                             PbProvider   *provider)
{
  Conn *conn;

  g_return_if_fail (PB_IS_SYNC_DRIVER (self));
  g_return_if_fail (PB_IS_PROVIDER (provider));

  g_hash_table_insert (self->given, g_memdup2 (&connection_id, sizeof connection_id), g_object_ref (provider));
  conn = g_hash_table_lookup (self->conns, &connection_id);
  if (conn != NULL)
    drop_provider (conn);
}

/**
 * pb_sync_driver_start:
 *
 * Reads the connections and drains what a previous run left in each
 * active one's outbox (SPEC R3); from then on every committed HR change is
 * sent (SPEC U7).
 */
void
pb_sync_driver_start (PbSyncDriver *self)
{
  g_return_if_fail (PB_IS_SYNC_DRIVER (self));

  if (self->started)
    return;

  self->started = TRUE;
  reload (self);
}

/**
 * pb_sync_driver_is_idle:
 *
 * Returns: %TRUE when nothing is running or due, not even a retry
 */
gboolean
pb_sync_driver_is_idle (PbSyncDriver *self)
{
  GHashTableIter iter;
  Conn *conn;

  g_return_val_if_fail (PB_IS_SYNC_DRIVER (self), TRUE);

  if (self->reload_id != 0)
    return FALSE;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    if (conn->busy || conn->timer_id != 0)
      return FALSE;

  return TRUE;
}

/**
 * pb_sync_driver_get_last_synced:
 *
 * Returns: (transfer none) (nullable): when the connection was last known
 *   to be in step — the end of the last run that sent something and left
 *   nothing waiting, or its activation — in UTC; %NULL: never
 */
GDateTime *
pb_sync_driver_get_last_synced (PbSyncDriver *self,
                                gint64        connection_id)
{
  Conn *conn;

  g_return_val_if_fail (PB_IS_SYNC_DRIVER (self), NULL);

  conn = g_hash_table_lookup (self->conns, &connection_id);
  return conn != NULL ? conn->last_synced : NULL;
}

/**
 * pb_sync_driver_get_open_errors:
 *
 * Returns: the number of open entries in the connection's error log
 *   (SPEC C7)
 */
guint
pb_sync_driver_get_open_errors (PbSyncDriver *self,
                                gint64        connection_id)
{
  Conn *conn;

  g_return_val_if_fail (PB_IS_SYNC_DRIVER (self), 0);

  conn = g_hash_table_lookup (self->conns, &connection_id);
  return conn != NULL ? conn->open_errors : 0;
}

/**
 * pb_sync_driver_get_attention:
 *
 * Returns: the number of the connection's outbox entries that need
 *   attention: payroll refused them (SPEC C7)
 */
guint
pb_sync_driver_get_attention (PbSyncDriver *self,
                              gint64        connection_id)
{
  Conn *conn;

  g_return_val_if_fail (PB_IS_SYNC_DRIVER (self), 0);

  conn = g_hash_table_lookup (self->conns, &connection_id);
  return conn != NULL ? conn->attention : 0;
}

/**
 * pb_sync_driver_get_held:
 * @types: (out) (optional): the data types of the held entries
 *
 * Returns: the number of the connection's outbox entries held because
 *   their data type is off (SPEC C6)
 */
guint
pb_sync_driver_get_held (PbSyncDriver *self,
                         gint64        connection_id,
                         PbDataTypes  *types)
{
  Conn *conn;

  g_return_val_if_fail (PB_IS_SYNC_DRIVER (self), 0);

  conn = g_hash_table_lookup (self->conns, &connection_id);
  if (types != NULL)
    *types = conn != NULL ? conn->held_types : 0;
  return conn != NULL ? conn->held : 0;
}
