/* pb-test-utils.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>

#include "pb-import.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

void
pb_test_skip_or_fail (const char *why)
{
  if (g_getenv ("PB_REQUIRE_ALL") != NULL)
    g_test_fail_printf ("required but unavailable: %s", why);
  else
    g_test_skip (why);
}

char *
pb_test_make_dir (const char *name)
{
  g_autofree char *template = g_strdup_printf ("pb-%s-XXXXXX", name);
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

char *
pb_test_source_path (const char *relative)
{
  const char *root = g_getenv ("PB_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

char *
pb_test_build_path (const char *relative)
{
  const char *root = g_getenv ("PB_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

char *
pb_test_write_file (const char *dir,
                    const char *name,
                    const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

GSubprocess *
pb_test_spawn (GSubprocessFlags   flags,
               GError           **error,
               const char        *argv0,
               ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) argv0);
  va_start (args, argv0);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

/* GTK tells an SVG icon from other data by its MIME type, so the UI tests
 * need the system's MIME database, which G_TEST_OPTION_ISOLATE_DIRS would
 * hide (see g_content_type_set_mime_dirs()). Call it before g_test_init().
 * The folders are spelt out rather than passing NULL: that would make GLib
 * cache strings which the isolation then drops without freeing (a leak
 * LeakSanitizer reports). */
void
pb_test_use_system_mime_database (void)
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
  g_auto(GStrv) dirs = g_strsplit (data_dirs != NULL && *data_dirs != '\0' ? data_dirs : "/usr/local/share:/usr/share",
                                   ":", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) mime_dirs = NULL;

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *mime_dir = g_build_filename (dirs[i], "mime", NULL);

      g_strv_builder_add (builder, mime_dir);
    }
  mime_dirs = g_strv_builder_end (builder);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs);
}

static gboolean
on_wake_up_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
pb_test_iterate_until (gboolean (*done) (gpointer data),
                       gpointer   data,
                       guint      seconds)
{
  /* Sanitizer builds on a busy machine run several times slower: the
   * run that builds them says how much longer to wait (build-aux/run-tests). */
  const char *scale = g_getenv ("PB_TEST_WAIT_SCALE");
  guint64 factor = scale != NULL ? MAX (g_ascii_strtoull (scale, NULL, 10), 1) : 1;
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * factor) * G_USEC_PER_SEC;
  guint wake_up = g_timeout_add (50, on_wake_up_cb, NULL);

  while (!done (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_up);

  return done (data);
}

PbProvider *
pb_test_new_provider (const char *system_id,
                      const char *api_url,
                      const char *employee_token)
{
  g_autoptr(GHashTable) secrets = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  PbProvider *provider;

  g_hash_table_insert (secrets, (char *) "consumer-token", (char *) "sandbox-consumer");
  g_hash_table_insert (secrets, (char *) "employee-token",
                       (char *) (employee_token != NULL ? employee_token : "sandbox-employee"));
  provider = pb_provider_new (system_id, api_url, secrets, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pb_provider_get_id (provider), ==, system_id);
  return provider;
}

typedef struct
{
  gpointer  result;
  GError   *error;
  gboolean  done;
} CallResult;

static void
on_call_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CallResult *r = user_data;

  r->result = pb_provider_call_finish (PB_PROVIDER (source), result, &r->error);
  r->done = TRUE;
}

gpointer
pb_test_call (PbProvider            *provider,
              PbProviderOp           op,
              const PbProviderArgs  *args,
              GError               **error)
{
  CallResult r = { 0 };

  pb_provider_call_async (provider, op, args, NULL, on_call_done_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.result;
}

void
pb_test_import (PbStore    *store,
                const char *json)
{
  g_autoptr(GError) error = NULL;

  pb_import_data (store, "change.json", json, strlen (json), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
}

typedef struct
{
  gboolean          done;
  GError           *error;
  PbUserPlan       *plan;
  PbUserSyncReport  report;
  PbPushResult      pushed;
} Waited;

static void
on_waited_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Waited *w = user_data;
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == pb_user_sync_plan_async)
    w->plan = pb_user_sync_plan_finish (result, &w->error);
  else if (tag == pb_user_sync_apply_async)
    pb_user_sync_apply_finish (result, &w->report, &w->error);
  else
    pb_sync_engine_push_finish (result, &w->pushed, &w->error);
  w->done = TRUE;
}

static void
wait_for (Waited *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w->error);
}

PbPushResult
pb_test_push (PbStore      *store,
              PbConnection *connection,
              PbProvider   *provider)
{
  Waited w = { 0 };

  pb_sync_engine_push_async (store, connection, provider, NULL, on_waited_cb, &w);
  wait_for (&w);
  return w.pushed;
}

void
pb_test_activate (PbStore      *store,
                  PbConnection *connection,
                  PbProvider   *provider,
                  gboolean      create_in_payroll)
{
  g_autoptr(PbUserPlan) plan = NULL;
  Waited w = { 0 };

  pb_user_sync_plan_async (store, connection, provider, NULL, on_waited_cb, &w);
  wait_for (&w);
  plan = w.plan;
  pb_user_sync_decide_defaults (plan, PB_DECISION_PREFER_HR, create_in_payroll, FALSE);
  w = (Waited) { 0 };
  pb_user_sync_apply_async (store, connection, provider, plan, NULL, NULL, NULL, on_waited_cb, &w);
  wait_for (&w);
  g_assert_true (w.report.activated);
}

static void
bearer_authorize_cb (gpointer             user_data,
                     const char          *rejected,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             callback_data)
{
  char **token = user_data;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, callback_data);

  g_task_return_pointer (task, g_strconcat ("Bearer ", *token, NULL), g_free);
}

static char *
bearer_authorize_finish_cb (gpointer       user_data,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
pb_test_authorize_bearer (PbProvider  *provider,
                          char       **token)
{
  pb_http_set_authorizer (pb_provider_get_http (provider), bearer_authorize_cb, bearer_authorize_finish_cb, token);
}

/* --- an OAuth2 connector's connection, signed in ------------------------------------ */

static void
on_visited_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PbTestOAuth2Fixture *f = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  f->pending--;
}

static void
on_authorize_answer_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  PbTestOAuth2Fixture *f = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");

  if (location != NULL)
    {
      g_autoptr(SoupMessage) back = soup_message_new ("GET", location);

      f->pending++;
      soup_session_send_and_read_async (f->browser, back, G_PRIORITY_DEFAULT, NULL, on_visited_cb, f);
    }
  f->pending--;
}

/* PbOAuth2UriFunc: the user's browser; the sandbox approves at once. */
static void
show_uri (const char *uri,
          gpointer    data)
{
  PbTestOAuth2Fixture *f = data;
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

  g_test_message ("sign-in: %s", uri);
  if (f->check_uri != NULL)
    f->check_uri (uri);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  f->pending++;
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_authorize_answer_cb, f);
}

/* The result of a PbOAuth2 call, run on the main context. */
static void
on_oauth2_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
oauth2_wait (PbTestOAuth2Fixture *f,
             GAsyncResult       **result)
{
  while (*result == NULL || f->pending > 0)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

gboolean
pb_test_oauth2_sign_in (PbTestOAuth2Fixture  *f,
                        const char           *tenant,
                        GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *local_error = NULL;

  g_free (f->connection->tenant_id);
  f->connection->tenant_id = g_strdup (tenant);
  g_clear_object (&f->oauth2);
  f->oauth2 = pb_connections_make_oauth2 (f->connection, &local_error);
  g_assert_no_error (local_error);
  pb_oauth2_set_open_browser (f->oauth2, FALSE);
  pb_oauth2_authorize_async (f->oauth2, show_uri, f, NULL, on_oauth2_done_cb, &result);
  return pb_oauth2_authorize_finish (f->oauth2, oauth2_wait (f, &result), error);
}

void
pb_test_oauth2_set_up (PbTestOAuth2Fixture  *f,
                       const char           *system,
                       const char           *sandbox_url,
                       const char           *api_url,
                       const char           *tenant,
                       void                (*check_uri) (const char *uri))
{
  g_autoptr(GError) error = NULL;

  f->check_uri = check_uri;
  f->browser = soup_session_new ();

  f->dir = pb_test_make_dir (system);
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);

  f->connection = pb_connection_new ();
  f->connection->name = g_strdup ("Nordlys");
  f->connection->system = g_strdup (system);
  f->connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY;
  f->connection->base_url = g_strdup (api_url);
  f->connection->auth_url = g_strdup_printf ("%s/oauth2/authorize", sandbox_url);
  f->connection->token_url = g_strdup_printf ("%s/oauth2/token", sandbox_url);
  f->connection->client_id = g_strdup ("sandbox-client");
  f->connection->tenant_id = g_strdup (tenant);
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);

  g_assert_true (pb_test_oauth2_sign_in (f, tenant, &error));
  g_assert_no_error (error);
  f->provider = pb_provider_new (system, f->connection->base_url, NULL, &error);
  g_assert_no_error (error);
  pb_oauth2_attach (f->oauth2, pb_provider_get_http (f->provider));
}

void
pb_test_oauth2_tear_down (PbTestOAuth2Fixture *f)
{
  /* The keyring is shared by the tests of a run: leave no tokens behind. */
  if (f->oauth2 != NULL)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      pb_oauth2_forget_async (f->oauth2, NULL, on_oauth2_done_cb, &result);
      pb_oauth2_forget_finish (f->oauth2, oauth2_wait (f, &result), &error);
      g_assert_no_error (error);
    }
  g_clear_object (&f->provider);
  g_clear_object (&f->oauth2);
  g_clear_object (&f->connection);
  g_clear_object (&f->store);
  g_clear_object (&f->browser);
  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->dir, g_free);
}
