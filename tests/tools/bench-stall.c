/* bench-stall.c: the main loop's longest stall while an import and a plan
 * run (issue 14: nothing heavy on the main loop)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-providers.h"
#include "pb-sync-driver.h"
#include "pb-sync-engine.h"
#include "pb-user-sync.h"

/* bench-stall PB_GEN_HR PAYROLL_SANDBOX [N [SEED [REGISTER]]]: writes N
 * people (default 10,000) with pb-gen-hr, then on one main loop with a 1 ms
 * timer that records the longest gap between its runs: imports them with
 * pb_import_file_async(), and plans user sync with pb_user_sync_plan_async()
 * against payroll-sandbox (Tripletex, no latency, its one API user, or the
 * employees of SEED, a payroll-sandbox --seed file such as
 * tests/tools/bench-plan writes), twice (the second plan carries the first
 * over). For comparison, the synchronous pb_import_file() of the same file
 * stalls the loop for its whole run. With REGISTER (a data dir holding a
 * register of the same N people, copied first) both imports are left out.
 * Prints milliseconds; asserts nothing.
 *
 * With each gap, the main thread's own CPU time in it: a gap the main
 * thread spent on the CPU is work held on the loop; the rest of a gap is
 * the thread waiting for a core (on a loaded machine, most of it). "Busiest"
 * is the most CPU time the main thread spent in one gap.
 *
 * bench-stall --push PB_GEN_HR PAYROLL_SANDBOX [N] [SECONDS]: the same
 * measure for real-time sync: a connection to payroll-sandbox (Tripletex,
 * users) is activated by a user sync of the empty register, N people are
 * imported (N changes after the activation), and pb_sync_engine_push_async()
 * runs, cancelled after SECONDS (default 30) if the outbox is not empty by
 * then: its start (enqueue, lease, reading the entries) and as much of the
 * drain as fits. --push-driver: the same through the app's live sync, a
 * PbSyncDriver started over the register (its run enqueues, then pushes).
 *
 * bench-stall --live-push PB_GEN_HR PAYROLL_SANDBOX [N [CHANGES [LATENCY_MS]]]:
 * the live push of one change (issue 14: keep < 1 s). As --push-driver
 * (no latency, not timed; the drain of the N creates must finish), then
 * with every API answer delayed LATENCY_MS (default 50), CHANGES (default
 * 20) changes one after another, each to one person's phone, saved in the
 * store and left to the same PbSyncDriver: from the commit to the sandbox
 * holding it (its count of API writes moved, read by a thread polling GET
 * /_sandbox/requests every millisecond: the sandbox counts a request as it
 * handles it, before its answer waits) and to the app holding payroll's
 * answer (the entry done, the driver idle). The driver's own quiet time
 * (250 ms, so that an import is one run) is in both. Prints each change
 * and the median and max; asserts nothing. */

/* The longest gap between two ticks, and the most CPU time the main
 * thread spent between two ticks: on a loaded machine a gap also holds the
 * time the thread waited for a core; the CPU time is only the loop's own
 * work. */
typedef struct
{
  gint64 last;
  gint64 longest;
  gint64 last_cpu;
  gint64 longest_cpu;   /* the main thread's CPU time in the longest gap */
  gint64 busiest;       /* its most CPU time in any one gap */
} Stall;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
on_tick (gpointer user_data)
{
  Stall *stall = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();

  if (stall->last != 0)
    {
      if (now - stall->last > stall->longest)
        {
          stall->longest = now - stall->last;
          stall->longest_cpu = cpu - stall->last_cpu;
        }
      stall->busiest = MAX (stall->busiest, cpu - stall->last_cpu);
    }
  stall->last = now;
  stall->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

/* Runs the loop until @wait is done; returns the longest stall in ms, and
 * the main thread's most CPU time between two ticks in @busy_ms. */
static double
measure (Wait   *wait,
         double *seconds,
         double *busy_ms)
{
  Stall stall = { 0 };
  gint64 start = g_get_monotonic_time ();
  guint tick = g_timeout_add (1, on_tick, &stall);

  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  *seconds = (g_get_monotonic_time () - start) / 1e6;
  *busy_ms = stall.busiest / 1000.0;
  return stall.longest / 1000.0;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

typedef struct
{
  gboolean     done;
  PbPushResult pushed;
  GError      *error;
} PushWait;

static void
on_pushed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PushWait *wait = user_data;

  pb_sync_engine_push_finish (result, &wait->pushed, &wait->error);
  wait->done = TRUE;
}

/* The stall, and when its busiest gap came and how many gaps were over a
 * frame (16 ms), in wall time and in the main thread's CPU time. */
typedef struct
{
  Stall  stall;
  gint64 start;
  gint64 busiest_at;
  guint  over_frame;
  guint  over_frame_cpu;
} PushStall;

static gboolean
on_push_tick (gpointer user_data)
{
  PushStall *push = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  gint64 busiest = push->stall.busiest;

  if (push->stall.last != 0)
    {
      push->over_frame += now - push->stall.last > 16000;
      push->over_frame_cpu += cpu - push->stall.last_cpu > 16000;
    }
  on_tick (&push->stall);
  if (push->stall.busiest > busiest)
    push->busiest_at = now - push->start;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_time_up_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  PbSyncDriver *driver;
  GCancellable *time_up;
  PushWait     *wait;
} DriverWatch;

/* The driver is idle: its runs are over (or the time is up). */
static gboolean
on_driver_watch_cb (gpointer user_data)
{
  DriverWatch *watch = user_data;

  if (!pb_sync_driver_is_idle (watch->driver) && !g_cancellable_is_cancelled (watch->time_up))
    return G_SOURCE_CONTINUE;
  watch->wait->done = TRUE;
  return G_SOURCE_REMOVE;
}

/* --- the live push of one change ------------------------------------------------ */

/* The sandbox's count of API writes, as a thread polling it last read it. */
typedef struct
{
  char     *url;         /* GET /_sandbox/requests */
  GMutex    lock;
  guint     writes;      /* (lock) */
  guint     reads;       /* (lock) */
  gint64    moved_at;    /* (lock) when the thread saw it move */
  gboolean  stop;        /* (lock) */
} WriteWatch;

/* Writes to the API, not the session's: what a change sends. *reads gets
 * the API's GETs. */
static guint
count_writes (GBytes *body,
              guint  *reads)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GList) keys = NULL;
  JsonObject *requests;
  guint writes = 0;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return 0;
  requests = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "requests");
  keys = requests != NULL ? json_object_get_members (requests) : NULL;
  *reads = 0;
  for (GList *l = keys; l != NULL; l = l->next)
    if (strstr (l->data, " /v2/") != NULL && strstr (l->data, "/token/") == NULL)
      {
        if (g_str_has_prefix (l->data, "GET "))
          *reads += json_object_get_int_member (requests, l->data);
        else
          writes += json_object_get_int_member (requests, l->data);
      }
  return writes;
}

static gpointer
watch_writes (gpointer data)
{
  WriteWatch *watch = data;
  g_autoptr(SoupSession) session = soup_session_new ();

  for (;;)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", watch->url);
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
      guint reads = 0;
      guint writes = body != NULL ? count_writes (body, &reads) : 0;
      gint64 now = g_get_monotonic_time ();
      gboolean stop;

      g_mutex_lock (&watch->lock);
      if (writes > watch->writes)
        {
          watch->writes = writes;
          watch->moved_at = now;
        }
      watch->reads = MAX (watch->reads, reads);
      stop = watch->stop;
      g_mutex_unlock (&watch->lock);
      if (stop)
        return NULL;
      g_usleep (1000);
    }
}

static guint
watched_writes (WriteWatch *watch,
                gint64     *moved_at,
                guint      *reads)
{
  guint writes;

  g_mutex_lock (&watch->lock);
  writes = watch->writes;
  if (moved_at != NULL)
    *moved_at = watch->moved_at;
  if (reads != NULL)
    *reads = watch->reads;
  g_mutex_unlock (&watch->lock);
  return writes;
}

static gboolean
on_wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Sorts @values; prints their median and max in ms. */
static void
print_median_max (const char *what,
                  GArray     *values)
{
  g_array_sort (values, compare_gint64);
  printf ("%s: median %.1f ms, max %.1f ms (%u changes)\n", what,
          (g_array_index (values, gint64, (values->len - 1) / 2) + g_array_index (values, gint64, values->len / 2)) / 2000.0,
          g_array_index (values, gint64, values->len - 1) / 1000.0, values->len);
}

static void
live_push (PbStore      *store,
           PbConnection *connection,
           PbSyncDriver *driver,
           const char   *sandbox_url,
           guint         changes,
           guint         latency_ms)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *faults_url = g_strconcat (sandbox_url, "/_sandbox/faults", NULL);
  g_autofree char *faults = g_strdup_printf ("{\"latency_ms\": %u}", latency_ms);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", faults_url);
  g_autoptr(GBytes) sent = g_bytes_new (faults, strlen (faults));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GPtrArray) people = NULL;
  g_autoptr(GArray) held = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) answered = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  WriteWatch watch = { 0 };
  GThread *thread;
  guint wake;

  soup_message_set_request_body_from_bytes (msg, "application/json", sent);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  if (answer == NULL || soup_message_get_status (msg) != 200)
    g_error ("setting the latency: %s", error != NULL ? error->message : "not 200");
  people = pb_store_list (store, PB_ENTITY_EMPLOYEE, 0, &error);
  if (people == NULL || people->len == 0)
    g_error ("no people: %s", error != NULL ? error->message : "");

  watch.url = g_strconcat (sandbox_url, "/_sandbox/requests", NULL);
  g_mutex_init (&watch.lock);
  thread = g_thread_new ("watch-writes", watch_writes, &watch);
  /* The loop wakes every millisecond to look at the thread's count. */
  wake = g_timeout_add (1, on_wake_cb, NULL);
  while (watched_writes (&watch, NULL, NULL) == 0)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < changes; i++)
    {
      /* Spread over the register: person i * len / changes. */
      g_autoptr(PbRecord) person = pb_record_copy (g_ptr_array_index (people, (guint) ((guint64) i * people->len / changes)));
      g_autofree char *phone = g_strdup_printf ("+47 41 %02u %02u %02u", i % 100, (i / 100) % 100, g_random_int_range (0, 100));
      guint reads, reads_after, writes_after;
      guint writes = watched_writes (&watch, NULL, &reads);
      gint64 done = pb_store_count_outbox (store, connection->id, PB_OUTBOX_DONE);
      gint64 committed, moved_at, answered_at;

      pb_record_set (person, PB_EMPLOYEE_PHONE, phone);
      if (!pb_store_begin (store, &error) || !pb_store_save (store, person, NULL, &error) ||
          !pb_store_commit (store, &error))
        g_error ("%s", error->message);
      committed = g_get_monotonic_time ();

      while (watched_writes (&watch, &moved_at, NULL) == writes)
        g_main_context_iteration (NULL, TRUE);
      while (!pb_sync_driver_is_idle (driver) || pb_store_count_outbox (store, connection->id, PB_OUTBOX_DONE) == done)
        g_main_context_iteration (NULL, TRUE);
      answered_at = g_get_monotonic_time ();
      moved_at -= committed;
      answered_at -= committed;
      g_array_append_val (held, moved_at);
      g_array_append_val (answered, answered_at);
      g_usleep (5000);   /* the thread's next look */
      writes_after = watched_writes (&watch, NULL, &reads_after);
      printf ("  change %2u: the sandbox holds it %6.1f ms after the commit, the app has its answer %6.1f ms after "
              "(%u writes, %u reads)\n", i + 1, moved_at / 1000.0, answered_at / 1000.0,
              writes_after - writes, reads_after - reads);
      fflush (stdout);
      g_usleep (100000);   /* apart, each a run of its own */
    }

  g_source_remove (wake);
  g_mutex_lock (&watch.lock);
  watch.stop = TRUE;
  g_mutex_unlock (&watch.lock);
  g_thread_join (thread);
  g_mutex_clear (&watch.lock);
  g_free (watch.url);

  printf ("live push of one change, %u people, latency %u ms, PbSyncDriver:\n", people->len, latency_ms);
  print_median_max ("  commit to the sandbox holding it", held);
  print_median_max ("  commit to the app holding payroll's answer", answered);
}

static int
bench_push (const char *gen,
            const char *sandbox_path,
            const char *n,
            guint       seconds_limit,
            gboolean    through_driver,
            guint       live_changes,
            guint       latency_ms)
{
  g_autofree char *dir = g_dir_make_tmp ("bench-stall-XXXXXX", NULL);
  g_autofree char *people = g_build_filename (dir, "people.json", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) generator = NULL;
  g_autoptr(GSubprocess) sandbox = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GHashTable) secrets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *sandbox_url = NULL;
  Wait planned = { 0 }, applied = { 0 };
  PushWait pushed = { 0 };
  g_autoptr(PbSyncDriver) driver = NULL;
  DriverWatch watch = { NULL, cancellable, &pushed };
  PbUserSyncReport report = { 0 };
  double seconds, longest, cpu_ms, busiest_ms;
  PushStall stall = { 0 };
  gint64 start, drained = 0;
  guint tick, limit;

  g_subprocess_launcher_set_stdout_file_path (launcher, people);
  generator = g_subprocess_launcher_spawn (launcher, &error, gen, "--seed", "1", n, NULL);
  if (generator == NULL || !g_subprocess_wait_check (generator, NULL, &error))
    g_error ("%s", error->message);

  sandbox = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              sandbox_path, "--system", "tripletex", NULL);
  if (sandbox == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sandbox));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    g_error ("payroll-sandbox did not start: %s", error != NULL ? error->message : line);
  sandbox_url = g_strdup (line + strlen ("listening on "));
  api_url = g_strconcat (sandbox_url, "/v2", NULL);

  store = pb_store_open (store_dir, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  connection->name = g_strdup ("Bench");
  connection->system = g_strdup ("tripletex");
  connection->base_url = g_strdup (api_url);
  connection->sync_types = PB_DATA_USERS;
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("%s", error->message);
  g_hash_table_insert (secrets, (char *) "consumer-token", (char *) "sandbox-consumer");
  g_hash_table_insert (secrets, (char *) "employee-token", (char *) "sandbox-employee");
  provider = pb_provider_new ("tripletex", api_url, secrets, &error);
  if (provider == NULL)
    g_error ("%s", error->message);

  /* The first user sync (of an empty register) activates the connection. */
  pb_user_sync_plan_async (store, connection, provider, NULL, on_done_cb, &planned);
  while (!planned.done)
    g_main_context_iteration (NULL, TRUE);
  plan = pb_user_sync_plan_finish (planned.result, &error);
  if (plan == NULL)
    g_error ("%s", error->message);
  g_object_unref (planned.result);
  pb_user_sync_decide_defaults (plan, PB_DECISION_PREFER_HR, FALSE, FALSE);
  pb_user_sync_apply_async (store, connection, provider, plan, NULL, NULL, NULL, on_done_cb, &applied);
  while (!applied.done)
    g_main_context_iteration (NULL, TRUE);
  if (!pb_user_sync_apply_finish (applied.result, &report, &error) || !report.activated)
    g_error ("not activated: %s", error != NULL ? error->message : "");
  g_object_unref (applied.result);

  /* N people: N changes after the activation. */
  if (!pb_import_file (store, people, PB_IMPORT_FLAGS_NONE, &result, &error))
    g_error ("%s", error->message);

  tick = g_timeout_add (1, on_push_tick, &stall);
  limit = g_timeout_add_seconds (seconds_limit, on_time_up_cb, cancellable);
  /* The tick runs once first: what the push does before it returns is in a gap. */
  while (stall.stall.last == 0)
    g_main_context_iteration (NULL, TRUE);
  stall.start = start = g_get_monotonic_time ();
  if (through_driver)
    {
      driver = pb_sync_driver_new (store);
      pb_sync_driver_set_provider (driver, connection->id, provider);
      pb_sync_driver_start (driver);
      watch.driver = driver;
      g_timeout_add (100, on_driver_watch_cb, &watch);
    }
  else
    pb_sync_engine_push_async (store, connection, provider, cancellable, on_pushed_cb, &pushed);
  while (!pushed.done)
    g_main_context_iteration (NULL, TRUE);
  if (through_driver)
    {
      /* What it sent: the outbox's done entries; a run cut short is cancelled. */
      pushed.pushed.waiting = (guint) pb_store_count_outbox (store, connection->id, PB_OUTBOX_PENDING);
      pushed.pushed.sent = (guint) pb_store_count_outbox (store, connection->id, PB_OUTBOX_DONE);
      if (live_changes > 0)
        {
          if (g_cancellable_is_cancelled (cancellable) || pushed.pushed.waiting > 0)
            g_error ("the register's %s people were not all in payroll after %u s", n, seconds_limit);
          g_source_remove (tick);
          tick = 0;
          drained = g_get_monotonic_time ();
          live_push (store, connection, driver, sandbox_url, live_changes, latency_ms);
        }
      g_clear_object (&driver);
      if (g_cancellable_is_cancelled (cancellable))
        g_set_error_literal (&pushed.error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "time up");
    }
  if (tick != 0)
    g_source_remove (tick);
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (limit);
  seconds = ((drained != 0 ? drained : g_get_monotonic_time ()) - start) / 1e6;
  longest = stall.stall.longest / 1000.0;
  cpu_ms = stall.stall.longest_cpu / 1000.0;
  busiest_ms = stall.stall.busiest / 1000.0;
  if (pushed.error != NULL && !g_error_matches (pushed.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_error ("%s", pushed.error->message);
  printf ("push of %s new people, %s: %8.1f ms longest stall (%.1f ms of it main-thread CPU; "
          "busiest gap %.1f ms CPU, %.2f s after the start; gaps over 16 ms: %u, of CPU: %u), %.2f s%s "
          "(%u sent, %u waiting)\n",
          n, through_driver ? "PbSyncDriver" : "pb_sync_engine_push_async", longest, cpu_ms, busiest_ms,
          stall.busiest_at / 1e6, stall.over_frame, stall.over_frame_cpu, seconds,
          pushed.error != NULL ? ", cancelled" : " in all", pushed.pushed.sent, pushed.pushed.waiting);
  g_clear_error (&pushed.error);

  g_subprocess_force_exit (sandbox);
  g_clear_object (&provider);
  g_clear_object (&store);
  remove_dir (store_dir);
  g_unlink (people);
  g_rmdir (dir);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  const char *gen = argc > 2 ? argv[1] : NULL;
  const char *sandbox_path = argc > 2 ? argv[2] : NULL;
  const char *n = argc > 3 ? argv[3] : "10000";
  const char *seed = argc > 4 ? argv[4] : NULL;
  const char *register_dir = argc > 5 ? argv[5] : NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-stall-XXXXXX", NULL);
  g_autofree char *people = g_build_filename (dir, "people.json", NULL);
  g_autofree char *store_dir = g_build_filename (dir, "store", NULL);
  g_autofree char *sync_dir = g_build_filename (dir, "sync", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) generator = NULL;
  g_autoptr(GSubprocess) sandbox = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GHashTable) secrets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbStore) sync_store = NULL;
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *api_url = NULL;
  Wait imported = { 0 };
  Wait planned = { 0 };
  double seconds, longest, busy;
  gint64 start;

  if (argc > 3 && (strcmp (argv[1], "--push") == 0 || strcmp (argv[1], "--push-driver") == 0))
    {
      const char *count = argc > 4 ? argv[4] : "2000";
      guint64 limit = 30;

      if (strspn (count, "0123456789") != strlen (count) ||
          (argc > 5 && !g_ascii_string_to_unsigned (argv[5], 10, 1, 3600, &limit, NULL)))
        {
          fprintf (stderr, "Usage: bench-stall --push|--push-driver PB_GEN_HR PAYROLL_SANDBOX [N] [SECONDS]\n");
          return 2;
        }
      return bench_push (argv[2], argv[3], count, (guint) limit, strcmp (argv[1], "--push-driver") == 0, 0, 0);
    }

  if (argc > 3 && strcmp (argv[1], "--live-push") == 0)
    {
      const char *count = argc > 4 ? argv[4] : "10000";
      guint64 changes = 20, latency_ms = 50;

      if (strspn (count, "0123456789") != strlen (count) || count[0] == '\0' || strcmp (count, "0") == 0 ||
          (argc > 5 && !g_ascii_string_to_unsigned (argv[5], 10, 1, 10000, &changes, NULL)) ||
          (argc > 6 && !g_ascii_string_to_unsigned (argv[6], 10, 0, 60000, &latency_ms, NULL)))
        {
          fprintf (stderr, "Usage: bench-stall --live-push PB_GEN_HR PAYROLL_SANDBOX [N [CHANGES [LATENCY_MS]]]\n");
          return 2;
        }
      return bench_push (argv[2], argv[3], count, 3600, TRUE, (guint) changes, (guint) latency_ms);
    }

  if (gen == NULL || strspn (n, "0123456789") != strlen (n))
    {
      fprintf (stderr, "Usage: bench-stall PB_GEN_HR PAYROLL_SANDBOX [N]\n");
      return 2;
    }

  g_subprocess_launcher_set_stdout_file_path (launcher, people);
  generator = g_subprocess_launcher_spawn (launcher, &error, gen, "--seed", "1", n, NULL);
  if (generator == NULL || !g_subprocess_wait_check (generator, NULL, &error))
    g_error ("%s", error->message);

  if (register_dir != NULL)
    {
      g_autoptr(GSubprocess) copy = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "cp", "-a", register_dir,
                                                      store_dir, NULL);

      if (copy == NULL || !g_subprocess_wait_check (copy, NULL, &error))
        g_error ("%s", error->message);
      store = pb_store_open (store_dir, &error);
      if (store == NULL)
        g_error ("%s", error->message);
      goto plan;
    }

  /* The import: in a worker thread, then on the main loop as before. */
  store = pb_store_open (store_dir, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  pb_import_file_async (store, people, PB_IMPORT_FLAGS_NONE, NULL, on_done_cb, &imported);
  longest = measure (&imported, &seconds, &busy);
  if (!pb_import_file_finish (store, imported.result, &result, &error))
    g_error ("%s", error->message);
  g_object_unref (imported.result);
  printf ("import %s people, pb_import_file_async: %8.1f ms longest stall (%.1f ms of it busy), %.2f s in all\n", n,
          longest, busy, seconds);

  sync_store = pb_store_open (sync_dir, &error);
  if (sync_store == NULL)
    g_error ("%s", error->message);
  start = g_get_monotonic_time ();
  g_clear_pointer (&result, pb_import_result_free);
  if (!pb_import_file (sync_store, people, PB_IMPORT_FLAGS_NONE, &result, &error))
    g_error ("%s", error->message);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  printf ("import %s people, pb_import_file:       %8.1f ms longest stall (all of it)\n", n, seconds * 1000);

plan:

  /* The plan of everyone against payroll's one API user. */
  sandbox = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                              sandbox_path, "--system", "tripletex", seed != NULL ? "--seed" : NULL, seed, NULL);
  if (sandbox == NULL)
    g_error ("%s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sandbox));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    g_error ("payroll-sandbox did not start: %s", error != NULL ? error->message : line);
  api_url = g_strconcat (line + strlen ("listening on "), "/v2", NULL);

  connection->name = g_strdup ("Bench");
  connection->system = g_strdup ("tripletex");
  connection->base_url = g_strdup (api_url);
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("%s", error->message);
  g_hash_table_insert (secrets, (char *) "consumer-token", (char *) "sandbox-consumer");
  g_hash_table_insert (secrets, (char *) "employee-token", (char *) "sandbox-employee");
  provider = pb_provider_new ("tripletex", api_url, secrets, &error);
  if (provider == NULL)
    g_error ("%s", error->message);

  for (guint round = 0; round < 2; round++)
    {
      planned.done = FALSE;
      pb_user_sync_plan_async (store, connection, provider, NULL, on_done_cb, &planned);
      longest = measure (&planned, &seconds, &busy);
      g_clear_pointer (&plan, pb_user_plan_free);
      plan = pb_user_sync_plan_finish (planned.result, &error);
      if (plan == NULL)
        g_error ("%s", error->message);
      g_clear_object (&planned.result);
      printf ("plan %s x %s people, pb_user_sync_plan_async%s: %8.1f ms longest stall (%.1f ms busy), %.2f s in all "
              "(%u items)\n", n, seed != NULL ? n : "1", round == 0 ? "" : " again", longest, busy, seconds,
              plan->items->len);
    }

  g_subprocess_force_exit (sandbox);
  g_clear_object (&provider);
  g_clear_object (&store);
  g_clear_object (&sync_store);
  remove_dir (store_dir);
  if (register_dir == NULL)
    remove_dir (sync_dir);
  g_unlink (people);
  g_rmdir (dir);
  return 0;
}
