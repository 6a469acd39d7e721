/* test-fortnox.c: the Fortnox connector against the payroll sandbox's
 * emulation of Fortnox (payroll-sandbox --system fortnox), and the
 * sandbox's own Fortnox rules: its quota, its token endpoint
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-test-utils.h"

/* The connector is signed in without the keyring: the test does the
 * authorization code flow at the sandbox's /oauth-v1/ itself and gives
 * the access token to the connector's PbHttp. (The shared connector suite
 * signs in through PbOAuth2 and the keyring.) */

#define VERIFIER "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"

typedef struct
{
  PbSandbox   *sandbox;
  SoupSession *session;
  char        *access_token;
  char        *refresh_token;
  PbProvider  *provider;
} Fixture;

typedef struct
{
  GBytes  *bytes;
  gboolean done;
} Sent;

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Sent *s = user_data;
  g_autoptr(GError) error = NULL;

  s->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  s->done = TRUE;
}

/* Sends @msg (the sandbox answers on this thread's main context). */
static JsonObject *
send_json (Fixture     *f,
           SoupMessage *msg)
{
  Sent s = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = NULL;
  JsonNode *root;

  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &s);
  while (!s.done)
    g_main_context_iteration (NULL, TRUE);
  bytes = s.bytes;
  if (g_bytes_get_size (bytes) == 0)
    return NULL;
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  root = json_parser_get_root (parser);
  return JSON_NODE_HOLDS_OBJECT (root) ? json_object_ref (json_node_get_object (root)) : NULL;
}

static SoupMessage *
token_request (Fixture    *f,
               const char *form,
               gboolean    basic)
{
  g_autofree char *url = g_strconcat (pb_sandbox_get_url (f->sandbox), "/oauth-v1/token", NULL);
  SoupMessage *msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));

  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
  if (basic)
    {
      g_autofree char *pair = g_base64_encode ((const guchar *) "sandbox-client:sandbox-secret", 29);
      g_autofree char *header = g_strconcat ("Basic ", pair, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  return msg;
}

static void
take_tokens (Fixture    *f,
             JsonObject *answer)
{
  g_assert_nonnull (answer);
  g_assert_true (json_object_has_member (answer, "access_token"));
  g_assert_cmpint (json_object_get_int_member (answer, "expires_in"), ==, 3600);
  g_free (f->access_token);
  g_free (f->refresh_token);
  f->access_token = g_strdup (json_object_get_string_member (answer, "access_token"));
  f->refresh_token = g_strdup (json_object_get_string_member (answer, "refresh_token"));
}

/* The authorization code grant at Fortnox's paths. */
static void
sign_in (Fixture *f)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autofree char *challenge = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) authorize = NULL;
  g_autoptr(SoupMessage) exchange = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *form = NULL;

  g_checksum_update (sum, (const guchar *) VERIFIER, -1);
  g_checksum_get_digest (sum, digest, &length);
  challenge = g_base64_encode (digest, length);
  g_strdelimit (challenge, "+", '-');
  g_strdelimit (challenge, "/", '_');
  *strchr (challenge, '=') = '\0';
  url = g_strdup_printf ("%s/oauth-v1/auth?client_id=sandbox-client&response_type=code&state=s1&scope=salary"
                         "&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcallback&code_challenge=%s"
                         "&code_challenge_method=S256", pb_sandbox_get_url (f->sandbox), challenge);
  authorize = soup_message_new ("GET", url);
  g_clear_pointer (&answer, json_object_unref);
  answer = send_json (f, authorize);
  g_assert_cmpuint (soup_message_get_status (authorize), ==, 302);
  location = g_uri_parse (soup_message_headers_get_one (soup_message_get_response_headers (authorize), "Location"),
                          G_URI_FLAGS_NONE, NULL);
  params = g_uri_parse_params (g_uri_get_query (location), -1, "&", G_URI_PARAMS_NONE, NULL);

  form = g_strdup_printf ("grant_type=authorization_code&code=%s&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcallback"
                          "&code_verifier=" VERIFIER, (const char *) g_hash_table_lookup (params, "code"));
  exchange = token_request (f, form, TRUE);
  g_clear_pointer (&answer, json_object_unref);
  answer = send_json (f, exchange);
  g_assert_cmpuint (soup_message_get_status (exchange), ==, 200);
  take_tokens (f, answer);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pb_sandbox_new ("fortnox", &error);
  g_assert_no_error (error);
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  f->session = soup_session_new ();
  sign_in (f);
  f->provider = pb_provider_new ("fortnox", pb_sandbox_get_api_url (f->sandbox), NULL, &error);
  g_assert_no_error (error);
  pb_test_authorize_bearer (f->provider, &f->access_token);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->provider);
  g_clear_object (&f->session);
  g_clear_object (&f->sandbox);
  g_free (f->access_token);
  g_free (f->refresh_token);
}

static JsonNode *
state (Fixture *f)
{
  return pb_sandbox_dup_state (f->sandbox);
}

static JsonArray *
state_array (JsonNode   *node,
             const char *name)
{
  return json_object_get_array_member (json_node_get_object (node), name);
}

static SoupMessage *
api_get (Fixture    *f,
         const char *path)
{
  g_autofree char *url = g_strconcat (pb_sandbox_get_api_url (f->sandbox), path, NULL);
  g_autofree char *header = g_strconcat ("Bearer ", f->access_token, NULL);
  SoupMessage *msg = soup_message_new ("GET", url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  return msg;
}

/* --- the sandbox ----------------------------------------------------------- */

/* SPEC R2 (the system's quota): 25 requests in any 5 s, counted as a
 * sliding window, not fixed ones; a 429 has the ErrorInformation body and
 * no Retry-After (Fortnox documents none). */
static void
test_sandbox_sliding_window (Fixture       *f,
                             gconstpointer  data)
{
  guint ok = 0, refused = 0;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(SoupMessage) msg = api_get (f, "/companyinformation");
      g_autoptr(JsonObject) answer = send_json (f, msg);

      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    }
  /* At 4 s, 20 more fill the window. */
  while (g_get_monotonic_time () < start + 4 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  for (guint i = 0; i < 21; i++)
    {
      g_autoptr(SoupMessage) msg = api_get (f, "/companyinformation");
      g_autoptr(JsonObject) answer = send_json (f, msg);

      if (soup_message_get_status (msg) == 200)
        ok++;
      else
        {
          JsonObject *info = json_object_get_object_member (answer, "ErrorInformation");

          g_assert_cmpuint (soup_message_get_status (msg), ==, 429);
          g_assert_nonnull (info);
          g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
          refused++;
        }
    }
  g_assert_cmpuint (ok, ==, 20);
  g_assert_cmpuint (refused, ==, 1);

  /* After 5.3 s the first five left the window, the twenty did not: five
   * more pass, the sixth does not (a fixed window would have let 25). */
  while (g_get_monotonic_time () < start + 5300 * 1000)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  ok = refused = 0;
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(SoupMessage) msg = api_get (f, "/companyinformation");
      g_autoptr(JsonObject) answer = send_json (f, msg);

      if (soup_message_get_status (msg) == 200)
        ok++;
      else
        refused++;
    }
  g_assert_cmpuint (ok, ==, 5);
  g_assert_cmpuint (refused, ==, 1);
}

/* SPEC C2: Fortnox's token endpoint takes the client as HTTP Basic only;
 * a refresh token is used once and rotated. */
static void
test_sandbox_token_endpoint (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *form = g_strdup_printf ("grant_type=refresh_token&refresh_token=%s", f->refresh_token);
  g_autofree char *in_form = g_strdup_printf ("%s&client_id=sandbox-client&client_secret=sandbox-secret", form);
  g_autofree char *old = g_strdup (f->refresh_token);
  g_autoptr(SoupMessage) posted = token_request (f, in_form, FALSE);
  g_autoptr(JsonObject) refused = send_json (f, posted);
  g_autoptr(SoupMessage) refresh = token_request (f, form, TRUE);
  g_autoptr(JsonObject) renewed = NULL;
  g_autoptr(SoupMessage) again = token_request (f, form, TRUE);
  g_autoptr(JsonObject) spent = NULL;

  g_assert_cmpuint (soup_message_get_status (posted), ==, 401);
  g_assert_cmpstr (json_object_get_string_member (refused, "error"), ==, "invalid_client");

  renewed = send_json (f, refresh);
  g_assert_cmpuint (soup_message_get_status (refresh), ==, 200);
  take_tokens (f, renewed);
  g_assert_cmpstr (f->refresh_token, !=, old);

  spent = send_json (f, again);
  g_assert_cmpuint (soup_message_get_status (again), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (spent, "error"), ==, "invalid_grant");
}

/* --- the connector ---------------------------------------------------------------- */

/* SPEC R2: the connector's sliding window keeps it under the quota: 35
 * reads at once take more than one window and get no 429 (each is one
 * request: none retried). */
static void
test_quota_kept (Fixture       *f,
                 gconstpointer  data)
{
  PbProvider *provider = f->provider;
  gint64 start = g_get_monotonic_time ();
  guint n = 35;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PbRemoteCompany) company = pb_test_call (provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (company->name, ==, "Sandbox AB");
    }
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/3/companyinformation"), ==, n);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 5 * G_USEC_PER_SEC);
}

typedef struct
{
  guint answered;
  guint failed;
  guint rejected;   /* 429s PbHttp met */
} Burst;

static void
on_burst_answer_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Burst *burst = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  if (company == NULL)
    burst->failed++;
  burst->answered++;
}

static void
on_burst_retry_cb (PbHttp *http,
                   guint   attempt,
                   guint   delay_ms,
                   guint   status,
                   Burst  *burst)
{
  if (status == 429)
    burst->rejected++;
}

/* SPEC R2, issue 15: the connector is paced (its bound on requests in
 * flight learnt from the answers, issue 14) and the sliding window still
 * holds: 60 requests at once are 25 in the first 5 s, 25 in the next and
 * 10 after, no 429, and the pacer's bound never above the window. */
static void
test_quota_kept_paced (Fixture       *f,
                       gconstpointer  data)
{
  PbHttp *http = pb_provider_get_http (f->provider);
  gint64 start = g_get_monotonic_time ();
  Burst burst = { 0 };
  guint n = 60;

  g_signal_connect (http, "retry-scheduled", G_CALLBACK (on_burst_retry_cb), &burst);
  for (guint i = 0; i < n; i++)
    pb_provider_call_async (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, NULL, on_burst_answer_cb, &burst);
  while (burst.answered < n)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (pb_http_get_max_in_flight (http), <=, 25);
    }

  g_assert_cmpuint (burst.failed, ==, 0);
  g_assert_cmpuint (burst.rejected, ==, 0);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/3/companyinformation"), ==, n);
  g_assert_cmpuint (pb_http_get_max_in_flight_seen (http), <=, 25);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 10 * G_USEC_PER_SEC);
  g_signal_handlers_disconnect_by_data (http, &burst);
}

static PbRecord *
employee (const char *given,
          const char *email,
          const char *number)
{
  PbRecord *e = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (e, PB_EMPLOYEE_GIVEN_NAME, given);
  pb_record_set (e, PB_EMPLOYEE_FAMILY_NAME, "Svensson");
  pb_record_set (e, PB_EMPLOYEE_EMAIL, email);
  pb_record_set (e, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);
  return e;
}

/* SPEC C7: ErrorInformation in either case becomes the error's message and
 * code, and a known refusal its advice; EmployeeId is never changed. */
static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(PbRecord) anna = employee ("Anna", "anna@example.se", "A-7");
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRecord) renumbered = employee ("Anna", "anna@example.se", "A-8");
  g_autoptr(GError) error = NULL;
  const PbProviderErrorDetails *details;
  const PbRefusal *refusal;
  const char *words = NULL;
  PbProviderArgs args = { .record = anna };

  created = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (created->id, ==, "A-7");

  /* The sandbox words its own checks in lower-case keys. */
  args = (PbProviderArgs) { .remote_id = "A-7", .record = renumbered };
  g_assert_null (pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYEE, &args, &error));
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  details = pb_provider_error_get_details (error);
  g_assert_nonnull (details);
  g_assert_cmpuint (details->status, ==, 400);
  g_assert_nonnull (strstr (details->message, "kan inte ändras"));
  refusal = pb_provider_class_find_refusal (PB_PROVIDER_GET_CLASS (f->provider), error, &words);
  g_assert_nonnull (refusal);
  g_assert_nonnull (strstr (refusal->advice, "never changes"));
  g_clear_error (&error);

  /* ...and the token check in capitalised ones. */
  g_free (f->access_token);
  f->access_token = g_strdup ("not-a-token");
  g_assert_null (pb_test_call (f->provider, PB_OP_VERIFY_CREDENTIALS, NULL, &error));
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  details = pb_provider_error_get_details (error);
  g_assert_cmpint (details->code, ==, 2000310);
  g_assert_cmpstr (details->message, ==, "Ogiltig inloggning");
}

/* SPEC P3: the position is the employee's four fields. */
static void
test_flat_position (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PbRecord) erik = employee ("Erik", "erik@example.se", NULL);
  g_autoptr(PbRecord) position = pb_record_new (PB_ENTITY_POSITION);
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) saved = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(JsonNode) after = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = erik };
  JsonObject *stored;

  created = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  /* No HR number: Fortnox made one. */
  g_assert_cmpstr (created->id, ==, "1");

  args = (PbProviderArgs) { .employee_id = created->id };
  listed = pb_test_call (f->provider, PB_OP_LIST_EMPLOYMENTS, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 0);

  pb_record_set (position, PB_POSITION_START_DATE, "2024-02-01");
  pb_record_set (position, PB_POSITION_TITLE, "Lagerarbetare");
  pb_record_set (position, PB_POSITION_CONTRACT_TYPE, "permanent");
  args = (PbProviderArgs) { .employee_id = created->id, .record = position };
  saved = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYMENT, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saved->id, ==, "1");

  after = state (f);
  stored = json_array_get_object_element (state_array (after, "employees"), 0);
  g_assert_cmpstr (json_object_get_string_member (stored, "EmploymentDate"), ==, "2024-02-01");
  g_assert_cmpstr (json_object_get_string_member (stored, "JobTitle"), ==, "Lagerarbetare");
  g_assert_cmpstr (json_object_get_string_member (stored, "EmploymentForm"), ==, "TV");
  g_assert_false (json_object_has_member (stored, "EmployedTo"));

  /* JobTitle's 30 characters are checked before sending (SPEC P4). */
  pb_record_set (position, PB_POSITION_TITLE, "A title much longer than thirty characters");
  g_clear_pointer (&saved, pb_remote_free);
  saved = pb_test_call (f->provider, PB_OP_UPDATE_EMPLOYMENT, &args, &error);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_INPUT);
}

static guint
count_transactions (Fixture    *f,
                    const char *date,
                    double      extent)
{
  g_autoptr(JsonNode) now = state (f);
  JsonArray *all = state_array (now, "absencetransactions");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *t = json_array_get_object_element (all, i);

      if ((date == NULL || g_str_equal (json_object_get_string_member (t, "Date"), date))
          && (extent < 0 || json_object_get_double_member (t, "Extent") == extent))
        n++;
    }
  return n;
}

/* SPEC A1-A4: an absence is one transaction per weekday with the mapped
 * cause code; an update moves, changes and removes them; a delete removes
 * them all. The cause codes are the payroll types. */
static void
test_absence (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PbRecord) lisa = employee ("Lisa", "lisa@example.se", "7");
  g_autoptr(PbRecord) absence = pb_record_new (PB_ENTITY_ABSENCE);
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(PbRemote) sent = NULL;
  g_autoptr(PbRemote) changed = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autoptr(GError) error = NULL;
  PbProviderArgs args = { .record = lisa };
  g_auto(GStrv) ids = NULL;

  types = pb_test_call (f->provider, PB_OP_LIST_ABSENCE_TYPES, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, ==, 22);
  g_assert_cmpstr (((PbRemote *) g_ptr_array_index (types, 16))->id, ==, "SJK");

  created = pb_test_call (f->provider, PB_OP_CREATE_EMPLOYEE, &args, &error);
  g_assert_no_error (error);

  /* Friday 2025-03-14 to Tuesday 2025-03-18: three weekdays. */
  pb_record_set (absence, PB_ABSENCE_START_DATE, "2025-03-14");
  pb_record_set (absence, PB_ABSENCE_END_DATE, "2025-03-18");
  args = (PbProviderArgs) { .employee_id = "7", .remote_type = "SJK", .record = absence };
  sent = pb_test_call (f->provider, PB_OP_CREATE_ABSENCE, &args, &error);
  g_assert_no_error (error);
  ids = g_strsplit (sent->id, ",", -1);
  g_assert_cmpuint (g_strv_length (ids), ==, 3);
  g_assert_cmpuint (count_transactions (f, NULL, 100), ==, 3);
  g_assert_cmpuint (count_transactions (f, "2025-03-15", -1), ==, 0);

  /* Monday to Wednesday at 50 %: Friday goes, Monday and Tuesday change,
   * Wednesday comes. */
  pb_record_set (absence, PB_ABSENCE_START_DATE, "2025-03-17");
  pb_record_set (absence, PB_ABSENCE_END_DATE, "2025-03-19");
  pb_record_set (absence, PB_ABSENCE_PERCENTAGE, "50");
  args = (PbProviderArgs) { .employee_id = "7", .remote_id = sent->id, .remote_type = "SJK", .record = absence };
  changed = pb_test_call (f->provider, PB_OP_UPDATE_ABSENCE, &args, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_transactions (f, NULL, -1), ==, 3);
  g_assert_cmpuint (count_transactions (f, NULL, 50), ==, 3);
  g_assert_cmpuint (count_transactions (f, "2025-03-14", -1), ==, 0);
  g_assert_cmpuint (count_transactions (f, "2025-03-19", 50), ==, 1);
  /* Monday's and Tuesday's were changed, not made again. */
  g_assert_nonnull (strstr (changed->id, ids[1]));
  g_assert_nonnull (strstr (changed->id, ids[2]));

  args = (PbProviderArgs) { .employee_id = "7", .remote_id = changed->id };
  g_assert_null (pb_test_call (f->provider, PB_OP_DELETE_ABSENCE, &args, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_transactions (f, NULL, -1), ==, 0);
}

/* SPEC U4: paging by `page` at Fortnox's default 100, ended by
 * MetaInformation: 1,000 people are ten requests, not eleven. */
static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GString) seed = g_string_new ("{ \"employees\": [");
  g_autoptr(GPtrArray) people = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (seed, "%s{ \"FirstName\": \"P\", \"LastName\": \"%u\", \"Email\": \"p%u@example.se\" }",
                            i > 0 ? "," : "", i, i);
  g_string_append (seed, "] }");
  pb_sandbox_load_seed_data (f->sandbox, seed->str, -1, &error);
  g_assert_no_error (error);

  people = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (people->len, ==, 1000);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/3/employees"), ==, 10);
}

/* 250 people in payroll's order, which is not their EmployeeIds' (they
 * count down); @nameless (1-based, 0: none) comes with an empty
 * EmployeeId. */
static void
load_people (Fixture *f,
             guint    nameless)
{
  g_autoptr(GString) seed = g_string_new ("{ \"employees\": [");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 250; i++)
    {
      g_autofree char *id = i + 1 == nameless ? g_strdup ("") : g_strdup_printf ("%u", 900 - i);

      g_string_append_printf (seed, "%s{ \"EmployeeId\": \"%s\", \"FirstName\": \"P\", \"LastName\": \"%03u\", "
                              "\"Email\": \"p%03u@example.se\" }", i > 0 ? "," : "", id, i, i);
    }
  g_string_append (seed, "] }");
  pb_sandbox_load_seed_data (f->sandbox, seed->str, -1, &error);
  g_assert_no_error (error);
}

/* Issue 14: the list is converted page by page in a worker thread as the
 * pages come; it keeps payroll's order all the same, and a find after it
 * is answered from the kept list without a request (SPEC U1). */
static void
test_paging_order (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) people = NULL;
  g_autoptr(PbRecord) wanted = pb_record_new (PB_ENTITY_EMPLOYEE);
  PbProviderArgs args = { .record = wanted };
  g_autoptr(PbRemote) found = NULL;
  g_autoptr(GError) error = NULL;

  load_people (f, 0);
  people = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (people->len, ==, 250);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/3/employees"), ==, 3);
  for (guint i = 0; i < people->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (people, i);
      g_autofree char *id = g_strdup_printf ("%u", 900 - i);
      g_autofree char *email = g_strdup_printf ("p%03u@example.se", i);

      g_assert_cmpstr (remote->id, ==, id);
      g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, email);
    }

  /* On the last page, from the list kept: no request. */
  pb_record_set (wanted, PB_EMPLOYEE_EMAIL, " P240@Example.se ");
  found = pb_test_call (f->provider, PB_OP_FIND_EMPLOYEE, &args, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->id, ==, "660");
  g_assert_cmpstr (pb_record_get (found->record, PB_EMPLOYEE_EMAIL), ==, "p240@example.se");
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/3/employees"), ==, 3);
}

/* SPEC R1 on a later page (converted in a worker thread): the listing
 * fails naming the person, and nothing half-read is given. */
static void
test_paging_without_id (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) people = NULL;
  g_autoptr(GError) error = NULL;

  load_people (f, 151);     /* p150, on the second page */
  people = pb_test_call (f->provider, PB_OP_LIST_EMPLOYEES, NULL, &error);
  g_assert_null (people);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "p150@example.se"));
  g_assert_nonnull (strstr (error->message, "EmployeeId"));
}

/* pb_fortnox_provider_read_answer (the fuzz target's entry): a list
 * page, one employee and its flat position (SPEC P3), an
 * ErrorInformation body, and an employee without an EmployeeId (SPEC R1),
 * read by the connector's own readers. */
static void
test_read_answer (void)
{
  g_autoptr(PbFortnoxProvider) provider = g_object_new (PB_TYPE_FORTNOX_PROVIDER, NULL);
  static const char page[] = "{\"MetaInformation\": {\"@CurrentPage\": 1, \"@TotalPages\": 1},"
    " \"Employees\": [{\"EmployeeId\": \"2001\", \"FirstName\": \"Lars\", \"Email\": \"lars@example.se\"},"
    " 7, {\"EmployeeId\": \"2008\", \"LastName\": \"Bergström\"}]}";
  static const char one[] = "{\"Employee\": {\"EmployeeId\": \"2001\", \"EmploymentDate\": \"2019-01-02\","
    " \"EmploymentForm\": \"TV\", \"JobTitle\": \"Daglig leder\"}}";
  static const char refused[] = "{\"ErrorInformation\": {\"Error\": 1, \"Message\": \"Ogiltig inloggning\","
    " \"Code\": 2000310}}";
  static const char no_id[] = "{\"Employees\": [{\"FirstName\": \"Karin\", \"LastName\": \"Ek\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;
  PbRemote *remote;

  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, page, strlen (page), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 2);   /* the 7 is passed over */
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (remote->id, ==, "2001");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMAIL), ==, "lars@example.se");
  g_assert_cmpstr (pb_record_get (remote->record, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "2001");
  g_assert_cmpstr (((PbRemote *) g_ptr_array_index (remotes, 1))->id, ==, "2008");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, one, strlen (one), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  g_assert_cmpstr (((PbRemote *) g_ptr_array_index (remotes, 0))->id, ==, "2001");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  /* SPEC P3 */
  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_POSITION, one, strlen (one), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (remotes->len, ==, 1);
  remote = g_ptr_array_index (remotes, 0);
  g_assert_cmpstr (pb_record_get (remote->record, PB_POSITION_START_DATE), ==, "2019-01-02");
  g_assert_cmpstr (pb_record_get (remote->record, PB_POSITION_CONTRACT_TYPE), ==, "permanent");
  g_assert_cmpstr (pb_record_get (remote->record, PB_POSITION_TITLE), ==, "Daglig leder");
  g_clear_pointer (&remotes, g_ptr_array_unref);

  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, refused, strlen (refused), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_assert_nonnull (strstr (error->message, "Ogiltig inloggning"));
  g_clear_error (&error);

  /* SPEC R1 */
  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, no_id, strlen (no_id), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_INVALID_RESPONSE);
  g_assert_nonnull (strstr (error->message, "Karin Ek"));
  g_clear_error (&error);

  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, "[1", 2, &error);
  g_assert_null (remotes);
  g_assert_nonnull (error);
}

/* Found by tests/fuzz/fuzz-fortnox-answer: a number beyond 64 bits as an
 * ErrorInformation's Code was converted to gint64 as is, undefined
 * behaviour (UBSan stops the sanitizer build here). It is no code now; a
 * code in range written as a fraction still counts. */
static void
test_read_answer_huge_numbers (void)
{
  g_autoptr(PbFortnoxProvider) provider = g_object_new (PB_TYPE_FORTNOX_PROVIDER, NULL);
  static const char huge[] = "{\"ErrorInformation\":{\"or\":0,\"Mess\":\"\",\"Code\":92233720368547758071.00310}}";
  static const char fraction[] = "{\"ErrorInformation\": {\"message\": \"Ogiltig inloggning\", \"code\": 2000310.0}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) remotes = NULL;

  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_EMPLOYEE, huge, strlen (huge), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_VALIDATION);
  g_clear_error (&error);

  remotes = pb_fortnox_provider_read_answer (provider, PB_ENTITY_POSITION, fraction, strlen (fraction), &error);
  g_assert_null (remotes);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/fortnox/sandbox/R2-quota-sliding-window", Fixture, NULL, fixture_set_up,
              test_sandbox_sliding_window, fixture_tear_down);
  g_test_add ("/fortnox/sandbox/C2-token-endpoint", Fixture, NULL, fixture_set_up,
              test_sandbox_token_endpoint, fixture_tear_down);
  g_test_add ("/fortnox/R2-quota-kept", Fixture, NULL, fixture_set_up, test_quota_kept, fixture_tear_down);
  g_test_add ("/fortnox/R2-quota-kept-paced", Fixture, NULL, fixture_set_up, test_quota_kept_paced, fixture_tear_down);
  g_test_add ("/fortnox/C7-errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/fortnox/P3-flat-position", Fixture, NULL, fixture_set_up, test_flat_position, fixture_tear_down);
  g_test_add ("/fortnox/A1-A4-absence", Fixture, NULL, fixture_set_up, test_absence, fixture_tear_down);
  g_test_add ("/fortnox/U4-paging", Fixture, NULL, fixture_set_up, test_paging, fixture_tear_down);
  g_test_add ("/fortnox/U4-paging-keeps-order", Fixture, NULL, fixture_set_up, test_paging_order, fixture_tear_down);
  g_test_add ("/fortnox/R1-paging-without-id", Fixture, NULL, fixture_set_up, test_paging_without_id,
              fixture_tear_down);
  g_test_add_func ("/fortnox/read-answer", test_read_answer);
  g_test_add_func ("/fortnox/read-answer-huge-numbers", test_read_answer_huge_numbers);

  return g_test_run ();
}
