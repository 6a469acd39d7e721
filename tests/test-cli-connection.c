/* test-cli-connection.c: paybridge-cli connection … against a payroll-sandbox
 * process, with the secrets in the (throw-away) keyring (SPEC C1-C4), and
 * push end to end: positions and salary reach the sandbox, through the
 * validating proxy too (SPEC P1, S1, S4)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <libsecret/secret.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "pb-connection.h"
#include "pb-store-private.h"
#include "pb-test-utils.h"
#include "pb-user-plan.h"

static const SecretSchema schema = {
  .name = "io.github.paybridge.Paybridge.Secret",
  .flags = SECRET_SCHEMA_NONE,
  .attributes = {
    { "connection", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef struct
{
  GSubprocess *sandbox;
  char        *api_url;
  char        *data_dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  f->data_dir = pb_test_make_dir ("cli-connection");
  f->sandbox = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              program, "--system", "tripletex", "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->sandbox));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  f->api_url = g_strdup_printf ("%s/v2", line + strlen ("listening on "));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_subprocess_force_exit (f->sandbox);
  g_subprocess_wait (f->sandbox, NULL, NULL);
  g_clear_object (&f->sandbox);
  g_free (f->api_url);
  g_free (f->data_dir);
}

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static gboolean debug_children;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

static void
run_cli_valist (const char *data_dir,
                Run        *run,
                const char *input,
                va_list     args)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;

  g_ptr_array_add (argv, cli);
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, (char *) data_dir);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  run_clear (run);
  {
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);

    /* Debug logging in the child only: in this process it would print
     * untagged lines into the TAP stream. */
    if (debug_children)
      g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
    process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  }
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

/* paybridge-cli --data-dir (the fixture's) ARGS..., NULL */
static void G_GNUC_NULL_TERMINATED
run_cli (Fixture    *f,
         Run        *run,
         const char *input,
         ...)
{
  va_list args;

  va_start (args, input);
  run_cli_valist (f->data_dir, run, input, args);
  va_end (args);
}

/* The same in another data folder. */
static void G_GNUC_NULL_TERMINATED
run_cli_in (const char *data_dir,
            Run        *run,
            const char *input,
            ...)
{
  va_list args;

  va_start (args, input);
  run_cli_valist (data_dir, run, input, args);
  va_end (args);
}

static char *
lookup_secret (const char *connection_id,
               const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_sync (&schema, NULL, &error, "connection", connection_id, "kind", kind, NULL);

  g_assert_no_error (error);
  return secret;
}

/* Grep every file under @dir (the store, its WAL) for @needle. */
static gboolean
dir_contains (const char *dir,
              const char *needle)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (dir_contains (path, needle))
            return TRUE;
          continue;
        }
      /* memmem, not g_strstr_len: the store is binary and holds NUL bytes. */
      if (g_file_get_contents (path, &contents, &len, NULL) &&
          memmem (contents, len, needle, strlen (needle)) != NULL)
        return TRUE;
    }

  return FALSE;
}

static void
test_add_test_remove (Fixture       *f,
                      gconstpointer  data)
{
  Run run = { 0 };
  g_autofree char *secret = NULL;
  g_autofree char *gone = NULL;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  /* SPEC C2: a wrong token is refused and nothing is saved. */
  run_cli (f, &run, "consumer-token=sandbox-consumer\nemployee-token=wrong\n",
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "nothing was saved"));
  secret = lookup_secret ("1", "employee-token");
  g_assert_null (secret);
  run_cli (f, &run, NULL, "connection", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  /* The right tokens: verified, saved, established but not active (SPEC C3). */
  run_cli (f, &run, "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n",
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url,
           "--sync", "users,positions", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sandbox AS (NOK)"));
  g_assert_nonnull (strstr (run.out, "established, not active"));

  run_cli (f, &run, NULL, "connection", "test", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Sandbox AS (NOK)\n");

  /* SPEC C2: not in the debug log or the output either (every command's
   * stdout and stderr is scanned, with debug logging of every domain on). */
  debug_children = TRUE;
  run_cli (f, &run, NULL, "connection", "test", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "PUT /token/session/:create"));   /* it did log */
  g_assert_null (strstr (run.out, "sandbox-employee"));
  g_assert_null (strstr (run.err, "sandbox-employee"));
  g_assert_null (strstr (run.err, "sandbox-consumer"));
  g_assert_nonnull (strstr (run.err, "employeeToken=[redacted]"));
  g_assert_null (strstr (run.err, "Basic MD"));   /* base64 of "0:" */
  debug_children = FALSE;

  run_cli (f, &run, NULL, "connection", "show", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"state\" : \"established\""));
  g_assert_nonnull (strstr (run.out, "\"sync\" : \"users,positions\""));

  /* The secrets are in the keyring and in no file of the data folder. */
  g_clear_pointer (&secret, g_free);
  secret = lookup_secret ("1", "employee-token");
  g_assert_cmpstr (secret, ==, "sandbox-employee");
  g_assert_false (dir_contains (f->data_dir, "sandbox-employee"));
  g_assert_false (dir_contains (f->data_dir, "sandbox-consumer"));
  g_assert_true (dir_contains (f->data_dir, "Acme"));   /* the grep does work */

  run_cli (f, &run, NULL, "connection", "set", "Acme", "--sync", "users,holidays", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "“holidays” is not one of"));
  run_cli (f, &run, NULL, "connection", "set", "Acme", "--sync", "users", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "What was already sent stays in Tripletex"));

  /* Removing deletes the keyring items too. */
  run_cli (f, &run, NULL, "connection", "remove", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  gone = lookup_secret ("1", "employee-token");
  g_assert_null (gone);
  run_cli (f, &run, NULL, "connection", "test", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 1);
  run_clear (&run);
}

/* SPEC C2: two data folders, each with its connection 1. Keyed by the id
 * alone, B's tokens replaced A's (A's `connection test` was refused) and
 * removing B's connection deleted A's tokens. */
static void
test_two_data_dirs (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *other_dir = pb_test_make_dir ("cli-connection-b");
  g_autofree char *secret = NULL;
  Run run = { 0 };

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  run_cli (f, &run, "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n",
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* B's employee token is one the sandbox refuses, so whoever reads it
   * is refused: it must be B only. */
  run_cli_in (other_dir, &run, "consumer-token=sandbox-consumer\nemployee-token=b-employee\n",
              "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url,
              "--no-verify", NULL);
  g_assert_cmpint (run.status, ==, 0);

  run_cli (f, &run, NULL, "connection", "test", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Sandbox AS (NOK)\n");
  run_cli_in (other_dir, &run, NULL, "connection", "test", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 1);

  /* Removing B's connection leaves A's tokens. */
  run_cli_in (other_dir, &run, NULL, "connection", "remove", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "connection", "test", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "Sandbox AS (NOK)\n");
  secret = lookup_secret ("1", "employee-token");
  g_assert_cmpstr (secret, ==, "sandbox-employee");

  run_cli (f, &run, NULL, "connection", "remove", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&secret, g_free);
  secret = lookup_secret ("1", "employee-token");
  g_assert_null (secret);
  run_clear (&run);
}

static gboolean
have_keyring (void)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return FALSE;
    }

  return TRUE;
}

/* Imports a register of two companies (JSON objects) into the fixture's
 * data folder. */
static void
import_companies (Fixture    *f,
                  const char *first,
                  const char *second)
{
  g_autofree char *json = g_strdup_printf ("{ \"format\": \"paybridge-hr/1\", \"companies\": [ %s, %s ] }",
                                           first, second);
  g_autofree char *file = pb_test_write_file (f->data_dir, "companies.json", json);
  Run run = { 0 };

  run_cli (f, &run, NULL, "import", file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_clear (&run);
}

static const char sandbox_tokens[] = "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n";

/* `connection show NAME --json`'s member @key. */
static char *
show_member (Fixture    *f,
             const char *name,
             const char *key)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  char *value;

  run_cli (f, &run, NULL, "connection", "show", name, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  value = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), key));
  run_clear (&run);
  return value;
}

/* Every test's connections are number 1 in their own register, but the
 * keyring is shared: each takes its items away again. */
static void
remove_connection (Fixture    *f,
                   const char *name)
{
  g_autofree char *gone = NULL;
  Run run = { 0 };

  run_cli (f, &run, NULL, "connection", "remove", name, NULL);
  g_assert_cmpint (run.status, ==, 0);
  gone = lookup_secret ("1", "employee-token");
  g_assert_null (gone);
  run_clear (&run);
}

/* SPEC C1: without --scope, a new connection covers the register's company
 * whose organisation number is the payroll company's (the sandbox's
 * "Sandbox AS", 999999999), not everyone of both companies. */
static void
test_default_scope_by_org_number (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *scope = NULL;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  import_companies (f, "{ \"key\": \"nordlys\", \"name\": \"Nordlys Data AS\", \"currency\": \"NOK\", \"org_number\": \"914827361\" }",
                    "{ \"key\": \"sbx\", \"name\": \"Sandbox Holding\", \"currency\": \"NOK\", \"org_number\": \"999999999\" }");
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Scope: company:sbx, the register’s company that matches the payroll company"));
  g_assert_null (strstr (run.out, "everyone"));
  scope = show_member (f, "Acme", "scope");
  g_assert_cmpstr (scope, ==, "company:sbx");
  remove_connection (f, "Acme");
  run_clear (&run);
}

/* SPEC C1: no organisation number on the register's side: the name,
 * trimmed and case-insensitive. */
static void
test_default_scope_by_name (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *scope = NULL;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  import_companies (f, "{ \"key\": \"nordlys\", \"name\": \"Nordlys Data AS\", \"currency\": \"NOK\", \"org_number\": \"914827361\" }",
                    "{ \"key\": \"sbx\", \"name\": \"  SANDBOX as \", \"currency\": \"NOK\" }");
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users", NULL);
  g_assert_cmpint (run.status, ==, 0);
  scope = show_member (f, "Acme", "scope");
  g_assert_cmpstr (scope, ==, "company:sbx");
  remove_connection (f, "Acme");
  run_clear (&run);
}

/* SPEC C1: no company matches (a namesake with another organisation number
 * is another legal entity) and there are two: refused, nothing saved, no
 * keyring item, the companies listed with what to pass; --scope all is an
 * explicit choice that works, with a warning. */
static void
test_default_scope_no_match_refused (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *secret = NULL;
  g_autofree char *scope = NULL;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  import_companies (f, "{ \"key\": \"nordlys\", \"name\": \"Nordlys Data AS\", \"currency\": \"NOK\", \"org_number\": \"914827361\" }",
                    "{ \"key\": \"fjellvind\", \"name\": \"Sandbox AS\", \"currency\": \"NOK\", \"org_number\": \"927653109\" }");
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "No company of the register matches Sandbox AS (org. no. 999999999)"));
  g_assert_nonnull (strstr (run.err, "nordlys  Nordlys Data AS (org. no. 914827361)"));
  g_assert_nonnull (strstr (run.err, "fjellvind  Sandbox AS (org. no. 927653109)"));
  g_assert_nonnull (strstr (run.err, "Nothing was saved"));
  g_assert_nonnull (strstr (run.err, "--scope company:KEY"));
  g_assert_nonnull (strstr (run.err, "--scope all"));
  run_cli (f, &run, NULL, "connection", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  secret = lookup_secret ("1", "employee-token");
  g_assert_null (secret);
  g_assert_false (dir_contains (f->data_dir, "sandbox-employee"));

  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users", "--scope", "all", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "2 companies in the register: everyone in all of them is sent to Sandbox AS"));
  scope = show_member (f, "Acme", "scope");
  g_assert_cmpstr (scope, ==, "all");
  remove_connection (f, "Acme");
  run_clear (&run);
}

/* SPEC C4: what the connector supports and the engine sends is offered:
 * absence too, now that it is sent through its mappings; show and --json
 * say what is sent. */
static void
test_absence_offered (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *sends = NULL;
  g_autofree char *held = NULL;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users,absence", NULL);
  g_assert_cmpint (run.status, ==, 0);
  sends = show_member (f, "Acme", "sends");
  held = show_member (f, "Acme", "held");
  g_assert_cmpstr (sends, ==, "users,absence");
  g_assert_cmpstr (held, ==, "none");

  run_cli (f, &run, NULL, "connection", "set", "Acme", "--sync", "users,positions,absence,salary", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&sends, g_free);
  sends = show_member (f, "Acme", "sends");
  g_assert_cmpstr (sends, ==, "users,positions,absence,salary");
  run_cli (f, &run, NULL, "connection", "show", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "not sent yet"));
  remove_connection (f, "Acme");
  run_clear (&run);
}

static void
on_read_line_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  char **line = user_data;

  *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");
}

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GBytes **bytes = user_data;

  *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  if (*bytes == NULL)
    *bytes = g_bytes_new ("", 0);
}

/* GETs @url without following redirects; returns the Location, if any. */
static char *
browser_get (SoupSession *session,
             const char  *url)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
}

/* SPEC C2: OAuth2 sign-in from the CLI, the test playing the browser: it
 * reads the printed address, GETs it, and follows the redirect to the
 * loopback page. */
static void
test_authorize (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autofree char *base = g_strndup (f->api_url, strlen (f->api_url) - strlen ("/v2"));
  g_autofree char *auth_url = g_strdup_printf ("%s/oauth2/authorize", base);
  g_autofree char *token_url = g_strdup_printf ("%s/oauth2/token", base);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SoupSession) browser = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *back = NULL;
  g_autofree char *tokens = NULL;
  Run run = { 0 };

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  g_setenv ("PAYBRIDGE_TEST_PROVIDERS", "1", TRUE);
  run_cli (f, &run, NULL, "connection", "add", "--system", "sandbox-oauth2", "--name", "Cloud",
           "--base-url", base, "--auth-url", auth_url, "--token-url", token_url, NULL);
  g_assert_cmpint (run.status, ==, 0);

  process = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, cli, "--data-dir", f->data_dir,
                           "connection", "authorize", "Cloud", "--no-browser", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_read_line_cb, &url);
  while (url == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_str_has_prefix (url, auth_url));
  g_assert_nonnull (strstr (url, "code_challenge_method=S256"));
  g_assert_nonnull (strstr (url, "state="));

  redirect = browser_get (browser, url);
  g_assert_nonnull (redirect);
  g_assert_true (g_str_has_prefix (redirect, "http://127.0.0.1:"));
  back = browser_get (browser, redirect);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  /* The tokens are in the keyring, under the connection, and work. */
  tokens = lookup_secret ("1", "oauth2-tokens");
  g_assert_nonnull (tokens);
  g_assert_nonnull (strstr (tokens, "refresh_token"));
  run_cli (f, &run, NULL, "connection", "test", "Cloud", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_false (dir_contains (f->data_dir, "refresh_token"));

  run_cli (f, &run, NULL, "connection", "remove", "Cloud", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_clear_pointer (&tokens, g_free);
  tokens = lookup_secret ("1", "oauth2-tokens");
  g_assert_null (tokens);
  g_unsetenv ("PAYBRIDGE_TEST_PROVIDERS");
  run_clear (&run);
}

/* POST /_sandbox/faults @faults_json to the fixture's sandbox. */
static void
set_sandbox_faults (Fixture    *f,
                    const char *faults_json)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *base = g_strndup (f->api_url, strlen (f->api_url) - strlen ("/v2"));
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/faults", base);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (faults_json, strlen (faults_json));
  g_autoptr(GBytes) answer = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &answer);
  while (answer == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
}

/* Issue 14: a payroll answer nested 100,000 deep overflowed json-glib's
 * stack in `connection add` and `connection test`. It is refused before it
 * reaches json-glib, with a message naming the request, and nothing is
 * saved. */
static void
test_deep_answer_refused (Fixture       *f,
                          gconstpointer  data)
{
  Run run = { 0 };

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  run_cli (f, &run, sandbox_tokens,
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 0);

  set_sandbox_faults (f, "{\"deep_body\": 100000}");
  run_cli (f, &run, NULL, "connection", "test", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "was not read: the JSON is nested deeper than 64 levels"));
  g_assert_nonnull (strstr (run.err, "/token/session/:create"));

  run_cli (f, &run, NULL, "connection", "remove", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, sandbox_tokens,
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "was not read: the JSON is nested deeper than 64 levels"));
  g_assert_nonnull (strstr (run.err, "Nothing was saved"));
  run_cli (f, &run, NULL, "connection", "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  /* The same sandbox, faults off: the client was not left broken. */
  set_sandbox_faults (f, "{\"deep_body\": 0}");
  run_cli (f, &run, sandbox_tokens,
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "connection", "remove", "Acme", NULL);
  run_clear (&run);
}

static guint
count_in_state (const char *state_json,
                const char *email)
{
  g_autofree char *needle = g_strdup_printf ("\"email\":\"%s\"", email);
  guint n = 0;

  for (const char *p = strstr (state_json, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static char *
sandbox_state (const char *api_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *base = g_strndup (api_url, strlen (api_url) - strlen ("/v2"));
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/state", base);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* Compact, so the test can count "email":"…" */
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_data (generator, NULL);
}

/* SPEC R3: kill the CLI in the middle of a user sync and run it again: no
 * payroll person twice, nobody lost (the sandbox's state is the judge). */
static void
test_kill_mid_sync (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *cli = pb_test_build_path ("src/cli/paybridge-cli");
  g_autoptr(GString) csv = g_string_new ("given_name,family_name,email\n");
  g_autofree char *file = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GSubprocess) sync = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  for (guint i = 0; i < 12; i++)
    g_string_append_printf (csv, "Person,Number%02u,p%02u@acme.no\n", i, i);
  file = pb_test_write_file (f->data_dir, "people.csv", csv->str);
  run_cli (f, &run, NULL, "import", file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n",
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Slow answers, so the kill lands in the middle. */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *base = g_strndup (f->api_url, strlen (f->api_url) - strlen ("/v2"));
    g_autofree char *url = g_strdup_printf ("%s/_sandbox/faults", base);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) body = g_bytes_new_static ("{\"latency_ms\": 40}", strlen ("{\"latency_ms\": 40}"));
    g_autoptr(GBytes) answer = NULL;

    soup_message_set_request_body_from_bytes (msg, "application/json", body);
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &answer);
    while (answer == NULL)
      g_main_context_iteration (NULL, TRUE);
  }

  sync = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, cli,
                        "--data-dir", f->data_dir, "users", "sync", "Acme", "--create-in", "payroll", "--yes", NULL);
  g_assert_no_error (error);
  /* Wait until some, not all, are in payroll, then kill. */
  for (guint tries = 0; tries < 400; tries++)
    {
      g_autofree char *now = sandbox_state (f->api_url);
      guint created = 0;

      for (guint i = 0; i < 12; i++)
        {
          g_autofree char *email = g_strdup_printf ("p%02u@acme.no", i);
          created += count_in_state (now, email) > 0;
        }
      if (created >= 3)
        {
          g_test_message ("killing the sync with %u of 12 created", created);
          break;
        }
      g_usleep (20000);
    }
  g_subprocess_force_exit (sync);
  g_subprocess_wait (sync, NULL, NULL);

  run_cli (f, &run, NULL, "users", "sync", "Acme", "--create-in", "payroll", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);

  state = sandbox_state (f->api_url);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *email = g_strdup_printf ("p%02u@acme.no", i);
      g_assert_cmpuint (count_in_state (state, email), ==, 1);
    }
  run_clear (&run);

  /* SPEC U5: the saved report, exported; every person has an outcome,
   * whichever of the two runs reached it. */
  run_cli (f, &run, NULL, "users", "report", "Acme", "--csv", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "\"name\",\"email\",\"employee_number\",\"match\",\"decision\","));
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *row = g_strdup_printf ("\"p%02u@acme.no\",\"\",\"hr-only\",\"create-in-payroll\","
                                              "\"created in payroll\"", i);
      g_assert_nonnull (strstr (run.out, row));
    }
  g_assert_null (strstr (run.out, "sandbox-employee"));    /* SPEC C2 */
  remove_connection (f, "Acme");
  run_clear (&run);
}

/* --- positions and salary end to end (SPEC P1, S1, S4) ------------------------------- */

/* GETs @url and parses the answer (JSON). */
static JsonNode *
get_json (const char *url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* The sandbox's GET /_sandbox/state, read from the sandbox itself (never
 * through the proxy: it is no Tripletex path). */
static JsonNode *
sandbox_state_node (Fixture *f)
{
  g_autofree char *base = g_strndup (f->api_url, strlen (f->api_url) - strlen ("/v2"));
  g_autofree char *url = g_strdup_printf ("%s/_sandbox/state", base);

  return get_json (url);
}

static gint64
ref_id (JsonObject *object,
        const char *member)
{
  JsonObject *ref = json_object_get_object_member (object, member);

  return ref != NULL ? json_object_get_int_member (ref, "id") : 0;
}

/* The records of @state's list @list whose reference @member is @id
 * (owned by @state). */
static GPtrArray *
state_records (JsonNode   *state,
               const char *list,
               const char *member,
               gint64      id)
{
  JsonArray *all = json_object_get_array_member (json_node_get_object (state), list);
  GPtrArray *mine = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);

      if (ref_id (o, member) == id)
        g_ptr_array_add (mine, o);
    }
  return mine;
}

/* The one employment details of @employment in @state that carry a
 * salary (Tripletex keeps cleared ones, S2), or NULL. */
static JsonObject *
salary_of (JsonNode *state,
           gint64    employment)
{
  g_autoptr(GPtrArray) details = state_records (state, "employmentDetails", "employment", employment);
  JsonObject *found = NULL;

  for (guint i = 0; i < details->len; i++)
    {
      JsonObject *d = g_ptr_array_index (details, i);

      if (json_object_get_double_member_with_default (d, "annualSalary", 0) > 0 ||
          json_object_get_double_member_with_default (d, "hourlyWage", 0) > 0)
        {
          g_assert_null (found);
          found = d;
        }
    }
  return found;
}

static gint64
payroll_id_of (JsonNode   *state,
               const char *email)
{
  JsonArray *employees = json_object_get_array_member (json_node_get_object (state), "employees");

  for (guint i = 0; i < json_array_get_length (employees); i++)
    {
      JsonObject *e = json_array_get_object_element (employees, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "email", ""), email) == 0)
        return json_object_get_int_member (e, "id");
    }
  return 0;
}

/* The validating proxy (tests/contract) in front of the fixture's
 * sandbox. Returns FALSE, the test skipped (or failed, PB_REQUIRE_ALL),
 * when it cannot run here. */
static gboolean
start_proxy (Fixture      *f,
             GSubprocess **proxy,
             char        **proxy_url)
{
  g_autofree char *runner = pb_test_source_path ("tests/contract/run-contract");
  g_autofree char *upstream = g_strndup (f->api_url, strlen (f->api_url) - strlen ("/v2"));
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  *proxy = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                          "sh", runner, "proxy", "--upstream", upstream, "--quiet", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*proxy));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    {
      g_autofree char *why = g_strdup_printf ("the validating proxy did not start: %s",
                                              line != NULL ? line : "(no output)");

      g_subprocess_force_exit (*proxy);
      g_subprocess_wait (*proxy, NULL, NULL);
      g_clear_object (proxy);
      pb_test_skip_or_fail (why);
      return FALSE;
    }
  *proxy_url = g_strdup (line + strlen ("listening on "));
  return TRUE;
}

static void
log_operation (JsonObject  *object,
               const char  *name,
               JsonNode    *node,
               gpointer     user_data)
{
  g_test_message ("operation %s: %" G_GINT64_FORMAT, name, json_node_get_int (node));
}

/* SPEC P1, S1, S4 from the CLI: a connection syncing users, positions and
 * salary is activated by its first user sync; a new position and a salary
 * imported for a linked person reach payroll with `push --wait` (the
 * sandbox's state is the judge); a salary in EUR for a company paying in
 * NOK is refused, with one open error entry saying so. With @data set,
 * every request goes through the validating proxy, which must find the
 * connector's requests and the sandbox's answers true to Tripletex's
 * published OpenAPI document. */
static void
test_push_positions_salary (Fixture       *f,
                            gconstpointer  data)
{
  gboolean through_proxy = GPOINTER_TO_INT (data);
  g_autoptr(GSubprocess) proxy = NULL;
  g_autofree char *proxy_url = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *hr = NULL;
  g_autofree char *change = NULL;
  g_autofree char *eur = NULL;
  g_autofree char *update = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *state_name = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(JsonNode) errors = NULL;
  g_autoptr(GPtrArray) employments = NULL;
  JsonObject *employment = NULL;
  JsonObject *salary = NULL;
  JsonArray *entries;
  JsonObject *open_entry = NULL;
  guint n_open = 0;
  gint64 employment_id;
  gint64 kari;
  Run run = { 0 };

  if (!have_keyring ())
    return;
  if (through_proxy)
    {
      if (!start_proxy (f, &proxy, &proxy_url))
        return;
      base_url = g_strdup_printf ("%s/v2", proxy_url);
    }
  else
    base_url = g_strdup (f->api_url);

  hr = pb_test_write_file (f->data_dir, "hr.json",
                           "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
                           "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
                           "    \"employee_number\": \"1001\", \"date_of_birth\": \"1985-05-15\" } ] }");
  run_cli (f, &run, NULL, "import", hr, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", base_url, "--sync", "users,positions,salary", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sandbox AS (NOK)"));

  /* Nothing is sent before the first user sync (C3). */
  run_cli (f, &run, NULL, "push", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "not active yet"));

  /* The first user sync creates Kari in payroll and activates (U6). */
  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--create-in", "payroll", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  state_name = show_member (f, "Acme", "state");
  g_assert_cmpstr (state_name, ==, "active");
  state = sandbox_state_node (f);
  kari = payroll_id_of (state, "kari@acme.no");
  g_assert_cmpint (kari, >, 0);
  employments = state_records (state, "employments", "employee", kari);
  g_assert_cmpuint (employments->len, ==, 0);
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);

  /* P1, S1: a new position and its salary, imported after activation. */
  change = pb_test_write_file (f->data_dir, "change.json",
                               "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\","
                               "  \"positions\": [ { \"start_date\": \"2025-03-01\", \"title\": \"Developer\","
                               "                     \"percentage\": \"80\" } ],"
                               "  \"salaries\": [ { \"start_date\": \"2025-03-01\", \"amount\": \"650000\","
                               "                    \"currency\": \"NOK\", \"period_unit\": \"yearly\" } ] } ] }");
  run_cli (f, &run, NULL, "import", change, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 2, "));
  g_assert_nonnull (strstr (run.out, "need attention 0, still waiting 0"));

  state = sandbox_state_node (f);
  employments = state_records (state, "employments", "employee", kari);
  g_assert_cmpuint (employments->len, ==, 1);
  employment = g_ptr_array_index (employments, 0);
  g_assert_cmpstr (json_object_get_string_member (employment, "startDate"), ==, "2025-03-01");
  salary = salary_of (state, json_object_get_int_member (employment, "id"));
  g_assert_nonnull (salary);
  g_assert_cmpfloat (json_object_get_double_member (salary, "annualSalary"), ==, 650000.0);
  g_assert_cmpfloat (json_object_get_double_member (salary, "percentageOfFullTimeEquivalent"), ==, 80.0);

  /* Pushing again sends nothing more. */
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 0, "));

  /* P1, S1: updates change the same employment and salary. */
  update = pb_test_write_file (f->data_dir, "update.json",
                               "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\","
                               "  \"positions\": [ { \"start_date\": \"2025-03-01\", \"title\": \"Lead developer\","
                               "                     \"percentage\": \"100\" } ],"
                               "  \"salaries\": [ { \"start_date\": \"2025-03-01\", \"amount\": \"720000\","
                               "                    \"currency\": \"NOK\", \"period_unit\": \"yearly\" } ] } ] }");
  run_cli (f, &run, NULL, "import", update, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 2, "));
  employment_id = json_object_get_int_member (employment, "id");
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = sandbox_state_node (f);
  employments = state_records (state, "employments", "employee", kari);
  g_assert_cmpuint (employments->len, ==, 1);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (employments, 0), "id"), ==, employment_id);
  salary = salary_of (state, employment_id);
  g_assert_nonnull (salary);
  g_assert_cmpfloat (json_object_get_double_member (salary, "annualSalary"), ==, 720000.0);

  /* S4: the company pays in NOK; a salary in EUR is refused, not sent. */
  eur = pb_test_write_file (f->data_dir, "eur.json",
                            "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\","
                            "  \"salaries\": [ { \"start_date\": \"2025-03-01\", \"amount\": \"60000\","
                            "                    \"currency\": \"EUR\", \"period_unit\": \"yearly\" } ] } ] }");
  run_cli (f, &run, NULL, "import", eur, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.out, "Sent 0, "));
  g_assert_nonnull (strstr (run.out, "need attention 1"));
  g_assert_nonnull (strstr (run.out, "paybridge-cli errors"));

  run_cli (f, &run, NULL, "errors", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    json_parser_load_from_data (parser, run.out, -1, &error);
    g_assert_no_error (error);
    errors = json_node_copy (json_parser_get_root (parser));
  }
  entries = json_object_get_array_member (json_node_get_object (errors), "errors");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *e = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member (e, "state"), "open") == 0)
        {
          n_open++;
          open_entry = e;
        }
    }
  g_assert_cmpuint (n_open, ==, 1);
  g_assert_nonnull (strstr (json_object_get_string_member (open_entry, "message"), "EUR"));
  g_assert_nonnull (strstr (json_object_get_string_member (open_entry, "message"), "NOK"));
  g_assert_nonnull (strstr (json_object_get_string_member (open_entry, "who"), "Kari Nordmann"));

  /* Payroll kept the NOK salary. */
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = sandbox_state_node (f);
  employments = state_records (state, "employments", "employee", kari);
  g_assert_cmpuint (employments->len, ==, 1);
  salary = salary_of (state, employment_id);
  g_assert_nonnull (salary);
  g_assert_cmpfloat (json_object_get_double_member (salary, "annualSalary"), ==, 720000.0);

  /* The connection is still there and shows. */
  run_cli (f, &run, NULL, "connection", "show", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\"state\" : \"active\""));
  g_assert_nonnull (strstr (run.out, "\"sends\" : \"users,positions,salary\""));

  /* S1, S2: deleted in HR, Tripletex's salary values are cleared (the
   * employment details stay); that resolves the EUR entry too. */
  gone = pb_test_write_file (f->data_dir, "gone.json",
                             "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\","
                             "  \"salaries\": [] } ] }");
  run_cli (f, &run, NULL, "import", gone, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, NULL, "push", "Acme", "--wait", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Sent 1, "));
  g_clear_pointer (&employments, g_ptr_array_unref);
  g_clear_pointer (&state, json_node_unref);
  state = sandbox_state_node (f);
  employments = state_records (state, "employments", "employee", kari);
  g_assert_cmpuint (employments->len, ==, 1);
  g_assert_null (salary_of (state, employment_id));
  run_cli (f, &run, NULL, "errors", "Acme", "--open", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");

  if (through_proxy)
    {
      g_autofree char *report_url = g_strdup_printf ("%s/_contract/report", proxy_url);
      g_autoptr(JsonNode) report = get_json (report_url);
      JsonObject *r = json_node_get_object (report);
      JsonArray *violations = json_object_get_array_member (r, "violations");
      JsonObject *ops = json_object_get_object_member (r, "operations");
      /* What the engine did for the position and the salary. */
      static const char * const expected[] = {
        "PUT /token/session/:create", "POST /employee", "GET /employee/employment",
        "POST /employee/employment", "PUT /employee/employment/{id}", "GET /employee/employment/details",
        "PUT /employee/employment/details/{id}",
      };

      for (guint i = 0; i < json_array_get_length (violations); i++)
        {
          JsonObject *v = json_array_get_object_element (violations, i);

          g_test_message ("violation: %s %s %s %s: %s",
                          json_object_get_string_member_with_default (v, "direction", ""),
                          json_object_get_string_member_with_default (v, "method", ""),
                          json_object_get_string_member_with_default (v, "path", ""),
                          json_object_get_string_member_with_default (v, "where", ""),
                          json_object_get_string_member_with_default (v, "message", ""));
        }
      json_object_foreach_member (ops, log_operation, NULL);
      for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
        g_assert_cmpint (json_object_get_int_member_with_default (ops, expected[i], 0), >, 0);
      g_assert_cmpuint (json_array_get_length (violations), ==, 0);

      g_subprocess_send_signal (proxy, SIGTERM);
      g_subprocess_wait (proxy, NULL, NULL);
    }

  remove_connection (f, "Acme");
  run_clear (&run);
}

/* --- mapping ------------------------------------------------------------------------ */

static const char mapping_register[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"absence_types\": ["
  "    { \"key\": \"vacation\", \"name\": \"Vacation\" },"
  "    { \"key\": \"sick\", \"name\": \"Sick leave\" },"
  "    { \"key\": \"child-sick\", \"name\": \"Child sick\" } ],"
  "  \"employees\": [ { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@sandbox.example\","
  "    \"absences\": ["
  "      { \"type\": \"sick\", \"start_date\": \"2026-03-02\", \"end_date\": \"2026-03-03\", \"state\": \"approved\" } ] } ] }";

/* `mapping list NAME --json`, parsed. */
static JsonObject *
mapping_json (Fixture *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };

  run_cli (f, &run, NULL, "mapping", "list", "Acme", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  run_clear (&run);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The "mappings" member of @hr_type in the JSON list. */
static JsonObject *
mapping_member (JsonObject *list,
                const char *hr_type)
{
  JsonArray *mappings = json_object_get_array_member (list, "mappings");

  for (guint i = 0; i < json_array_get_length (mappings); i++)
    {
      JsonObject *mapping = json_array_get_object_element (mappings, i);

      if (g_str_equal (json_object_get_string_member (mapping, "hr_type"), hr_type))
        return mapping;
    }
  g_assert_not_reached ();
}

static void
store_exec (Fixture    *f,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (f->data_dir, &error);

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* SPEC A2: the payroll types are read once (mapping refresh, from the
 * sandbox's activities); then, with the sandbox stopped, the review works
 * from the cache: list says when they were read, set takes a cached type
 * by id or name and refuses an unknown one with the list, exclude, unset.
 * SPEC A5: a type whose absences were sent is not changed without --yes,
 * and either way the CLI says those absences are no longer updated. */
static void
test_mapping (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *file = pb_test_write_file (f->data_dir, "register.json", mapping_register);
  g_autoptr(JsonObject) unread = NULL;
  g_autoptr(JsonObject) offline = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) changed = NULL;
  JsonObject *m;
  Run run = { 0 };

  if (!have_keyring ())
    return;

  run_cli (f, &run, NULL, "import", file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, sandbox_tokens, "connection", "add", "--system", "tripletex", "--name", "Acme",
           "--base-url", f->api_url, "--sync", "users", NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Nothing read yet: every type unmapped, and set has nothing to check
   * against. */
  run_cli (f, &run, NULL, "mapping", "list", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "never read: run paybridge-cli mapping refresh Acme\n"));
  g_assert_nonnull (strstr (run.out, "sick (Sick leave)              → NOT MAPPED (never sent)"));
  g_assert_nonnull (strstr (run.out, "3 HR absence types are not mapped"));
  unread = mapping_json (f);
  g_assert_true (json_object_get_null_member (unread, "types_read_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (unread, "payroll_types")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (mapping_member (unread, "sick"), "state"), ==, "unmapped");
  g_assert_cmpint (json_object_get_int_member (unread, "unmapped"), ==, 3);
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "sick", "Ferie", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "never read: run paybridge-cli mapping refresh Acme first"));

  run_cli (f, &run, NULL, "mapping", "refresh", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "Read 9 absence types from Tripletex:\n"));
  g_assert_nonnull (strstr (run.out, "  5002       Sykdom med lønn\n"));

  /* The sandbox is gone: what follows is offline. */
  g_subprocess_force_exit (f->sandbox);
  g_subprocess_wait (f->sandbox, NULL, NULL);
  run_cli (f, &run, NULL, "mapping", "refresh", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "those read before are kept"));

  run_cli (f, &run, NULL, "mapping", "set", "Acme", "SICK", "sykdom med lønn", NULL);   /* key and name, any case */
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "sick (Sick leave) → Sykdom med lønn (5002)\n");
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "Vacation", "5001", NULL);          /* HR name, payroll id */
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "vacation (Vacation) → Ferie (5001)\n");
  run_cli (f, &run, NULL, "mapping", "exclude", "Acme", "child-sick", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "child-sick (Child sick) → Do not sync\n");

  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", "Holiday", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "Payroll has no absence type “Holiday”"));
  g_assert_nonnull (strstr (run.err, "  5001       Ferie\n"));
  g_assert_nonnull (strstr (run.err, "  5009       Administrasjon\n"));
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "parental", "5001", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no absence type “parental”"));
  g_assert_nonnull (strstr (run.err, "  child-sick       Child sick\n"));
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "vacation", NULL);
  g_assert_cmpint (run.status, ==, 2);
  run_cli (f, &run, NULL, "mapping", "frobnicate", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 2);

  /* Read three days ago, as the list says. */
  store_exec (f, "UPDATE remote_absence_type_reads SET read_at = strftime ('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 days', "
                 "'-1 hour')");
  run_cli (f, &run, NULL, "mapping", "list", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "Payroll’s absence types: 9, read 3 days ago ("));
  g_assert_nonnull (strstr (run.out, "sick (Sick leave)              → Sykdom med lønn (5002)"));
  g_assert_nonnull (strstr (run.out, "child-sick (Child sick)        → Do not sync"));
  g_assert_nonnull (strstr (run.out, "0 absences sent"));
  g_assert_null (strstr (run.out, "not mapped"));
  offline = mapping_json (f);
  g_assert_false (json_object_get_null_member (offline, "types_read_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (offline, "payroll_types")), ==, 9);
  m = mapping_member (offline, "sick");
  g_assert_cmpstr (json_object_get_string_member (m, "hr_name"), ==, "Sick leave");
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "mapped");
  g_assert_cmpstr (json_object_get_string_member (m, "remote_type"), ==, "5002");
  g_assert_cmpstr (json_object_get_string_member (m, "remote_name"), ==, "Sykdom med lønn");
  g_assert_cmpint (json_object_get_int_member (m, "sent"), ==, 0);
  m = mapping_member (offline, "child-sick");
  g_assert_cmpstr (json_object_get_string_member (m, "state"), ==, "excluded");
  g_assert_true (json_object_get_null_member (m, "remote_type"));
  g_assert_cmpint (json_object_get_int_member (offline, "unmapped"), ==, 0);

  /* SPEC A5: the sick absence was sent (a link, as absence sync makes). */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PbStore) store = pb_store_open (f->data_dir, &error);
    g_autoptr(PbConnection) connection = NULL;
    g_autoptr(GPtrArray) absences = NULL;

    g_assert_no_error (error);
    connection = pb_store_find_connection (store, "Acme", &error);
    g_assert_no_error (error);
    absences = pb_store_list (store, PB_ENTITY_ABSENCE, 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (absences->len, ==, 1);
    g_assert_true (pb_store_link (store, connection->id, PB_ENTITY_ABSENCE,
                                  pb_record_get_id (g_ptr_array_index (absences, 0)), "60001", 0, &error));
    g_assert_no_error (error);
  }
  run_cli (f, &run, NULL, "mapping", "list", "Acme", NULL);
  g_assert_nonnull (strstr (run.out, "→ Sykdom med lønn (5002)                   1 absence sent\n"));

  run_cli (f, &run, NULL, "mapping", "set", "Acme", "sick", "Egenmelding", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "1 absence of type “sick” was already sent to payroll: it will no longer be "
                                     "updated in payroll and must be corrected by hand there"));
  g_assert_nonnull (strstr (run.err, "Nothing was changed: add --yes"));
  run_cli (f, &run, NULL, "mapping", "exclude", "Acme", "sick", NULL);
  g_assert_cmpint (run.status, ==, 1);
  run_cli (f, &run, NULL, "mapping", "unset", "Acme", "sick", NULL);
  g_assert_cmpint (run.status, ==, 1);
  refused = mapping_json (f);
  m = mapping_member (refused, "sick");
  g_assert_cmpstr (json_object_get_string_member (m, "remote_type"), ==, "5002");
  g_assert_cmpint (json_object_get_int_member (m, "sent"), ==, 1);

  /* The same mapping again changes nothing, so there is nothing to refuse. */
  run_cli (f, &run, NULL, "mapping", "set", "Acme", "sick", "5002", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "nothing changed"));

  run_cli (f, &run, NULL, "mapping", "set", "Acme", "sick", "Egenmelding", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "1 absence of type “sick” was already sent to payroll: it will no longer be "
                                     "updated in payroll and must be corrected by hand there"));
  g_assert_nonnull (strstr (run.out, "sick (Sick leave) → Egenmelding (5004)\n"));
  changed = mapping_json (f);
  g_assert_cmpstr (json_object_get_string_member (mapping_member (changed, "sick"), "remote_type"), ==, "5004");

  /* Vacation had nothing sent: unset needs no --yes. */
  run_cli (f, &run, NULL, "mapping", "unset", "Acme", "vacation", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "vacation (Vacation) → NOT MAPPED (never sent)\n");

  remove_connection (f, "Acme");
  run_clear (&run);
}

/* --- pairing by hand (SPEC U1, U3, U4) ---------------------------------------------- */

static const char sindre_seed[] =
  "{ \"employees\": ["
  "  { \"firstName\": \"Sindre\", \"lastName\": \"Bakke\", \"email\": \"sindre.bakke@nordlys.no\","
  "    \"employeeNumber\": \"1005\", \"dateOfBirth\": \"1988-07-19\" }"
  "] }";

static void
fixture_set_up_sindre (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  g_autofree char *seed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  f->data_dir = pb_test_make_dir ("cli-pair");
  seed = pb_test_write_file (f->data_dir, "seed.json", sindre_seed);
  f->sandbox = pb_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              program, "--system", "tripletex", "--port", "0", "--seed", seed, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->sandbox));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));
  f->api_url = g_strdup_printf ("%s/v2", line + strlen ("listening on "));
}

/* Sindre is in payroll under another email: `users plan` suggests his
 * payroll person (same employee number), `users pair` pairs them on the
 * stored plan, `users unpair` undoes it, and `users sync` then links him
 * with HR winning: payroll takes HR's email, nothing fails. */
static void
test_users_pair (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *file = NULL;
  g_autofree char *state = NULL;
  g_autofree char *payroll_id = NULL;
  g_autofree char *paired = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GRegex) maybe = g_regex_new ("    maybe: (\\S+) Sindre Bakke <sindre.bakke@nordlys.no> "
                                         "\\(same employee number\\)", 0, 0, NULL);
  Run run = { 0 };

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no D-Bus session with a keyring (run under build-aux/run-headless)");
      return;
    }

  file = pb_test_write_file (f->data_dir, "people.csv",
                             "employee_number,given_name,family_name,email\n"
                             "1005,Sindre,Bakke,sindre.bakke@nordlysdata.no\n");
  run_cli (f, &run, NULL, "import", file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  run_cli (f, &run, "consumer-token=sandbox-consumer\nemployee-token=sandbox-employee\n",
           "connection", "add", "--system", "tripletex", "--name", "Acme", "--base-url", f->api_url, NULL);
  g_assert_cmpint (run.status, ==, 0);

  /* Nothing to pair in before a plan is read. */
  run_cli (f, &run, NULL, "users", "unpair", "Acme", "sindre.bakke@nordlysdata.no", NULL);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "users plan Acme"));

  run_cli (f, &run, NULL, "users", "plan", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_regex_match (maybe, run.out, 0, &match));
  payroll_id = g_match_info_fetch (match, 1);

  run_cli (f, &run, NULL, "users", "pair", "Acme", "sindre.bakke@nordlysdata.no", "no-such-id", NULL);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "no-such-id"));

  run_cli (f, &run, NULL, "users", "pair", "Acme", "SINDRE.bakke@nordlysdata.no", payroll_id, NULL);
  g_assert_cmpint (run.status, ==, 0);
  paired = g_strdup_printf ("    paired with %s Sindre Bakke <sindre.bakke@nordlys.no>", payroll_id);
  g_assert_nonnull (strstr (run.out, paired));
  g_assert_nonnull (strstr (run.out, "    email differs: HR “sindre.bakke@nordlysdata.no”, "
                                     "payroll “sindre.bakke@nordlys.no”"));
  g_assert_nonnull (strstr (run.out, "Matched 1, HR only 0, payroll only 1,"));   /* the API user */

  run_cli (f, &run, NULL, "users", "unpair", "Acme", "sindre.bakke@nordlysdata.no", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, paired));
  g_assert_true (g_regex_match (maybe, run.out, 0, NULL));
  g_assert_nonnull (strstr (run.out, "Matched 0, HR only 1, payroll only 2,"));

  run_cli (f, &run, NULL, "users", "pair", "Acme", "sindre.bakke@nordlysdata.no", payroll_id, NULL);
  g_assert_cmpint (run.status, ==, 0);
  /* A re-read keeps the pair. */
  run_cli (f, &run, NULL, "users", "plan", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, paired));

  /* --json is printed one person at a time (issue 14), and is still
   * exactly json-glib's pretty text of the whole document. */
  run_cli (f, &run, NULL, "users", "plan", "--json", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(JsonGenerator) generator = json_generator_new ();
    g_autoptr(GError) error = NULL;
    g_autofree char *again = NULL;
    JsonArray *people;

    json_parser_load_from_data (parser, run.out, -1, &error);
    g_assert_no_error (error);
    people = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "people");
    g_assert_cmpuint (json_array_get_length (people), ==, 3);   /* Sindre, his payroll half, the API user */
    json_generator_set_pretty (generator, TRUE);
    json_generator_set_root (generator, json_parser_get_root (parser));
    again = json_generator_to_data (generator, NULL);
    g_assert_true (g_str_has_suffix (run.out, "\n"));
    run.out[strlen (run.out) - 1] = '\0';
    g_assert_cmpstr (run.out, ==, again);
    g_assert_nonnull (strstr (run.out, "\"differing\" : {\n"));
  }

  run_cli (f, &run, NULL, "users", "sync", "Acme", "--prefer", "hr", "--yes", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "payroll updated"));
  g_assert_nonnull (strstr (run.out, "failed 0."));

  state = sandbox_state (f->api_url);
  g_assert_cmpuint (count_in_state (state, "sindre.bakke@nordlysdata.no"), ==, 1);
  g_assert_cmpuint (count_in_state (state, "sindre.bakke@nordlys.no"), ==, 0);

  /* Applied: the pair is not undone any more. */
  run_cli (f, &run, NULL, "users", "unpair", "Acme", "sindre.bakke@nordlysdata.no", NULL);
  g_assert_cmpint (run.status, !=, 0);

  /* U1: the next plan matches him by email. */
  run_cli (f, &run, NULL, "users", "plan", "Acme", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "matched       Sindre Bakke <sindre.bakke@nordlysdata.no>"));
  g_assert_null (strstr (run.out, "maybe:"));
  remove_connection (f, "Acme");
  run_clear (&run);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cli/connection/add-test-set-remove", Fixture, NULL, fixture_set_up, test_add_test_remove,
              fixture_tear_down);
  g_test_add ("/cli/connection/C1-default-scope/by-org-number", Fixture, NULL, fixture_set_up,
              test_default_scope_by_org_number, fixture_tear_down);
  g_test_add ("/cli/connection/C1-default-scope/by-name", Fixture, NULL, fixture_set_up,
              test_default_scope_by_name, fixture_tear_down);
  g_test_add ("/cli/connection/C1-default-scope/no-match-refused", Fixture, NULL, fixture_set_up,
              test_default_scope_no_match_refused, fixture_tear_down);
  g_test_add ("/cli/connection/C4-absence-offered", Fixture, NULL, fixture_set_up,
              test_absence_offered, fixture_tear_down);
  g_test_add ("/cli/connection/deep-answer-refused", Fixture, NULL, fixture_set_up, test_deep_answer_refused,
              fixture_tear_down);
  g_test_add ("/cli/connection/authorize-oauth2", Fixture, NULL, fixture_set_up, test_authorize,
              fixture_tear_down);
  g_test_add ("/cli/connection/C2-two-data-dirs-keep-their-own-tokens", Fixture, NULL, fixture_set_up,
              test_two_data_dirs, fixture_tear_down);
  g_test_add ("/cli/users/R3-kill-mid-sync-no-duplicates", Fixture, NULL, fixture_set_up, test_kill_mid_sync,
              fixture_tear_down);
  g_test_add ("/cli/users/U1-U3-U4-pair-unpair-sync", Fixture, NULL, fixture_set_up_sindre, test_users_pair,
              fixture_tear_down);
  g_test_add ("/cli/push/P1-S1-S4-positions-salary", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_push_positions_salary, fixture_tear_down);
  g_test_add ("/cli/mapping/A2-A5-refresh-then-offline-review", Fixture, NULL, fixture_set_up, test_mapping,
              fixture_tear_down);
  g_test_add ("/cli/push/contract-zero-violations", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_push_positions_salary, fixture_tear_down);

  return g_test_run ();
}
