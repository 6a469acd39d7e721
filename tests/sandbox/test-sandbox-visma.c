/* test-sandbox-visma.c: the payroll sandbox's Visma.net Employee API v2 over real HTTP
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "pb-sandbox.h"
#include "pb-sandbox-client.h"
#include "pb-test-utils.h"

/* Drives an in-process `--system visma` sandbox with a plain SoupSession,
 * as the Visma connector would: the sign-in through the sandbox's stand-in
 * for Visma Connect (tenant_id), the media type, asynchronous jobs,
 * PUT-replaces with ETag/If-Match, cursor paging, and the shared faults. */

#define MEDIA_TYPE "application/vnd.no.payroll.employee.V2.0+json"
#define REDIRECT   "http://127.0.0.1:9/callback"
#define VERIFIER   "sandbox-verifier-0123456789-0123456789-0123456789"

typedef struct
{
  PbSandbox   *sandbox;
  SoupSession *session;
  char        *authorization;
} Fixture;

/* One answer of the sandbox. */
typedef PbSandboxReply Reply;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, pb_sandbox_reply_free)

static Reply *
send_full (Fixture            *f,
           const char         *method,
           const char         *target,
           const char         *content_type,
           const char         *body,
           const char * const *headers)
{
  const char *fixed[] = { "Authorization", f->authorization, NULL };

  return pb_sandbox_client_send (f->session, f->sandbox, method, target, content_type, body, fixed, headers);
}

static Reply *
send (Fixture    *f,
      const char *method,
      const char *target,
      const char *body)
{
  return send_full (f, method, target, MEDIA_TYPE, body, NULL);
}

static JsonObject *
object_of (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

static char *
challenge_of (const char *verifier)
{
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *encoded = NULL;

  g_checksum_update (checksum, (const guchar *) verifier, -1);
  g_checksum_get_digest (checksum, digest, &length);
  encoded = g_base64_encode (digest, length);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  *strchr (encoded, '=') = '\0';
  return g_steal_pointer (&encoded);
}

/* Plays the browser and the client: an authorization code, then the token
 * request with @tenant (NULL: none). Returns the token answer. */
static Reply *
sign_in (Fixture    *f,
         const char *tenant)
{
  g_autofree char *challenge = challenge_of (VERIFIER);
  g_autofree char *target = g_strdup_printf ("/oauth2/authorize?response_type=code&client_id=sandbox-client"
                                             "&redirect_uri=%s&state=s1&code_challenge=%s"
                                             "&code_challenge_method=S256&tenant_id=sandbox-tenant",
                                             REDIRECT, challenge);
  g_autoptr(Reply) redirect = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GHashTable) form = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *encoded = NULL;
  g_autofree char *saved = g_steal_pointer (&f->authorization);
  Reply *reply;

  redirect = send_full (f, "GET", target, NULL, NULL, NULL);
  g_assert_cmpuint (redirect->status, ==, 302);
  location = g_uri_parse (soup_message_headers_get_one (redirect->headers, "Location"), G_URI_FLAGS_NONE, NULL);
  params = g_uri_parse_params (g_uri_get_query (location), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));

  g_hash_table_insert (form, g_strdup ("grant_type"), g_strdup ("authorization_code"));
  g_hash_table_insert (form, g_strdup ("code"), g_strdup (g_hash_table_lookup (params, "code")));
  g_hash_table_insert (form, g_strdup ("redirect_uri"), g_strdup (REDIRECT));
  g_hash_table_insert (form, g_strdup ("code_verifier"), g_strdup (VERIFIER));
  g_hash_table_insert (form, g_strdup ("client_id"), g_strdup ("sandbox-client"));
  if (tenant != NULL)
    g_hash_table_insert (form, g_strdup ("tenant_id"), g_strdup (tenant));
  encoded = soup_form_encode_hash (form);
  reply = send_full (f, "POST", "/oauth2/token", "application/x-www-form-urlencoded", encoded, NULL);
  f->authorization = g_steal_pointer (&saved);
  return reply;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) tokens = NULL;
  const char *seed = data;

  f->sandbox = pb_sandbox_new ("visma", &error);
  g_assert_no_error (error);
  if (seed != NULL)
    {
      pb_sandbox_load_seed_data (f->sandbox, seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  f->session = soup_session_new ();
  soup_session_set_timeout (f->session, 20);

  tokens = sign_in (f, "sandbox-tenant");
  g_assert_cmpuint (tokens->status, ==, 200);
  f->authorization = g_strdup_printf ("Bearer %s",
                                      json_object_get_string_member (object_of (tokens), "access_token"));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->sandbox);
  g_free (f->authorization);
}

static const char kari[] =
  "{\"number\": \"101\", \"personNames\": [{\"firstName\": \"Kari\", \"lastName\": \"Nordmann\","
  " \"activeStart\": \"2020-01-01\", \"activeEnd\": null}],"
  " \"emails\": [{\"type\": \"business\", \"address\": \"kari@example.com\"}],"
  " \"phones\": [{\"type\": \"business\", \"number\": \"+4790000001\"}],"
  " \"address\": {\"streetName\": \"Storgata 1\", \"zipCode\": \"0155\", \"cityName\": \"Oslo\","
  " \"countryCode\": \"NO\"},"
  " \"salaryPaymentMethod\": {\"paymentType\": \"cash\"},"
  " \"positions\": [{\"typeOfPosition\": \"Ordinary\", \"activeStart\": \"2020-01-01\","
  " \"employmentForm\": [{\"value\": \"fast\", \"activeStart\": \"2020-01-01\"}],"
  " \"partTimeFactors\": [{\"value\": 100, \"activeStart\": \"2020-01-01\"}]}]}";

static char *
seed_of (guint n)
{
  GString *seed = g_string_new ("{\"employees\": [");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (seed, "%s{\"number\": \"%u\", \"personNames\": [{\"firstName\": \"P%u\", "
                            "\"lastName\": \"Seeded\"}], \"positions\": [{\"activeStart\": \"2021-01-01\"}]}",
                            i > 0 ? ", " : "", i + 1, i + 1);
  g_string_append (seed, "]}");
  return g_string_free (seed, FALSE);
}

/* Polls a job until it has run; returns its last answer. */
static Reply *
wait_job (Fixture    *f,
          const char *location,
          guint      *polls)
{
  g_autofree char *target = g_str_has_prefix (location, "http") ? NULL : g_strdup (location);

  for (guint i = 0; i < 100; i++)
    {
      Reply *job = send (f, "GET", target, NULL);
      const char *status;

      g_assert_cmpuint (job->status, ==, 200);
      status = json_object_get_string_member (object_of (job), "status");
      if (polls != NULL)
        (*polls)++;
      if (!g_str_equal (status, "Queued"))
        return job;
      pb_sandbox_reply_free (job);
      g_usleep (20000);
    }
  g_assert_not_reached ();
}

static char *
create (Fixture    *f,
        const char *body)
{
  g_autoptr(Reply) accepted = send (f, "POST", "/v2/employees/withPosition", body);
  g_autoptr(Reply) job = NULL;

  g_assert_cmpuint (accepted->status, ==, 202);
  job = wait_job (f, soup_message_headers_get_one (accepted->headers, "Location"), NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (job), "status"), ==, "Succeeded");
  return g_strdup (json_object_get_string_member (object_of (job), "artifactId"));
}

/* --- tests ------------------------------------------------------------------ */

/* SPEC V1: the token request carries the tenant; another or none is refused. */
static void
test_token_tenant (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(Reply) none = sign_in (f, NULL);
  g_autoptr(Reply) wrong = sign_in (f, "another-tenant");
  g_autoptr(Reply) right = sign_in (f, "sandbox-tenant");
  g_autoptr(JsonNode) state = pb_sandbox_dup_state (f->sandbox);
  JsonObject *oauth2 = json_object_get_object_member (json_node_get_object (state), "oauth2");

  g_assert_cmpuint (none->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (object_of (none), "error"), ==, "invalid_request");
  g_assert_cmpuint (wrong->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (object_of (wrong), "error"), ==, "invalid_grant");
  g_assert_cmpuint (right->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (right), "expires_in"), ==, 3600);
  g_assert_cmpstr (json_object_get_string_member (oauth2, "tenantParam"), ==, "tenant_id");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (oauth2, "tenantRefused"), "wrong"),
                   ==, 1);
}

static void
test_bearer (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Reply) ok = send (f, "GET", "/v2/employees", NULL);
  g_autoptr(Reply) expired = NULL;
  g_autoptr(Reply) none = NULL;
  g_autofree char *saved = NULL;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (ok->headers, "Content-Type"), MEDIA_TYPE));

  saved = g_steal_pointer (&f->authorization);
  none = send (f, "GET", "/v2/employees", NULL);
  f->authorization = g_steal_pointer (&saved);
  g_assert_cmpuint (none->status, ==, 401);

  /* Tokens live an hour; expired, they are refused. */
  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  expired = send (f, "GET", "/v2/employees", NULL);
  g_assert_cmpuint (expired->status, ==, 401);
  g_assert_nonnull (strstr (json_object_get_string_member (object_of (expired), "message"), "expired"));
}

static void
test_media_type (Fixture       *f,
                 gconstpointer  data)
{
  static const char * const json_accept[] = { "Accept", "application/json", NULL };
  g_autoptr(Reply) plain = send_full (f, "POST", "/v2/employees/withPosition", "application/json", kari, NULL);
  g_autoptr(Reply) refused = send_full (f, "GET", "/v2/employees", NULL, NULL, json_accept);
  g_autoptr(Reply) accepted = send (f, "POST", "/v2/employees/withPosition", kari);

  g_assert_cmpuint (plain->status, ==, 415);
  g_assert_cmpuint (refused->status, ==, 406);
  g_assert_cmpuint (accepted->status, ==, 202);
}

static void
test_job_takes_time (Fixture       *f,
                     gconstpointer  data)
{
  PbSandboxFaults faults = { .job_ms = 300 };
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) accepted = NULL;
  g_autoptr(Reply) queued = NULL;
  g_autoptr(Reply) listed = NULL;
  g_autoptr(Reply) done = NULL;
  g_autoptr(Reply) employee = NULL;
  g_autofree char *path = NULL;
  const char *location;
  guint polls = 0;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);

  accepted = send (f, "POST", "/v2/employees/withPosition", kari);
  g_assert_cmpuint (accepted->status, ==, 202);
  location = soup_message_headers_get_one (accepted->headers, "Location");
  g_assert_true (g_str_has_prefix (location, "/v2/employees/jobs/"));
  g_assert_cmpstr (json_object_get_string_member (object_of (accepted), "status"), ==, "Queued");

  /* No artifact exists until the job has run. */
  queued = send (f, "GET", location, NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (queued), "status"), ==, "Queued");
  listed = send (f, "GET", "/v2/employees", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object_of (listed), "data")), ==, 0);

  done = wait_job (f, location, &polls);
  g_assert_cmpuint (polls, >=, 2);
  g_assert_cmpstr (json_object_get_string_member (object_of (done), "status"), ==, "Succeeded");
  g_assert_cmpint (json_object_get_int_member (object_of (done), "statusCode"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (object_of (done), "artifactType"), ==, "Employee");

  path = g_strdup_printf ("/v2/employees/%s", json_object_get_string_member (object_of (done), "artifactId"));
  employee = send (f, "GET", path, NULL);
  g_assert_cmpuint (employee->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (employee->headers, "ETag"), ==, "\"1\"");
  g_assert_cmpstr (json_object_get_string_member (object_of (employee), "number"), ==, "101");
}

static void
test_job_fails (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(Reply) accepted = NULL;
  g_autoptr(Reply) failed = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(GString) body = g_string_new (kari);
  JsonArray *results;

  g_string_replace (body, "\"101\"", "\"1234567890123\"", 1);
  g_string_replace (body, "{\"paymentType\": \"cash\"}",
                    "{\"paymentType\": \"bankAccount\", \"localBankAccount\": \"12345678901\"}", 1);
  accepted = send (f, "POST", "/v2/employees/withPosition", body->str);
  g_assert_cmpuint (accepted->status, ==, 202);
  failed = wait_job (f, soup_message_headers_get_one (accepted->headers, "Location"), NULL);
  g_assert_cmpstr (json_object_get_string_member (object_of (failed), "status"), ==, "Failed");
  results = json_object_get_array_member (object_of (failed), "validationResults");
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 0), "field"), ==, "number");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 1), "field"), ==,
                   "salaryPaymentMethod.localBankAccount");

  state = pb_sandbox_dup_state (f->sandbox);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (state), "employees")),
                    ==, 0);

  /* A member the API does not have (a second address line) is refused at once. */
  g_string_assign (body, kari);
  g_string_replace (body, "\"cityName\"", "\"streetName2\": \"Leil. 2\", \"cityName\"", 1);
  unknown = send (f, "POST", "/v2/employees/withPosition", body->str);
  g_assert_cmpuint (unknown->status, ==, 400);
}

static void
test_put_replaces (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *id = create (f, kari);
  g_autofree char *path = g_strdup_printf ("/v2/employees/%s", id);
  static const char * const stale[] = { "If-Match", "\"7\"", NULL };
  static const char * const current[] = { "If-Match", "\"1\"", NULL };
  static const char replacement[] =
    "{\"number\": \"101\", \"personNames\": [{\"firstName\": \"Kari\", \"lastName\": \"Nordmann\"}]}";
  g_autoptr(Reply) conflict = send_full (f, "PUT", path, MEDIA_TYPE, replacement, stale);
  g_autoptr(Reply) accepted = send_full (f, "PUT", path, MEDIA_TYPE, replacement, current);
  g_autoptr(Reply) job = wait_job (f, soup_message_headers_get_one (accepted->headers, "Location"), NULL);
  g_autoptr(Reply) after = send (f, "GET", path, NULL);

  g_assert_cmpuint (conflict->status, ==, 412);
  g_assert_cmpuint (accepted->status, ==, 202);
  g_assert_cmpstr (json_object_get_string_member (object_of (job), "status"), ==, "Succeeded");
  g_assert_cmpstr (soup_message_headers_get_one (after->headers, "ETag"), ==, "\"2\"");
  /* What the PUT left out is gone. */
  g_assert_false (json_object_has_member (object_of (after), "phones"));
  g_assert_false (json_object_has_member (object_of (after), "emails"));
}

/* SPEC V5's other side: an end reason without an end date is refused. */
static void
test_position_end_reason (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *id = create (f, kari);
  g_autofree char *positions = g_strdup_printf ("/v2/employees/%s/positions", id);
  g_autoptr(Reply) listed = send (f, "GET", positions, NULL);
  JsonObject *position = json_array_get_object_element (json_object_get_array_member (object_of (listed), "data"), 0);
  g_autofree char *path = g_strdup_printf ("%s/%s", positions, json_object_get_string_member (position, "id"));
  g_autoptr(Reply) accepted = send (f, "PUT", path,
                                    "{\"activeStart\": \"2020-01-01\", \"positionEndReason\": [\"resigned\"]}");
  g_autoptr(Reply) job = wait_job (f, soup_message_headers_get_one (accepted->headers, "Location"), NULL);

  g_assert_cmpuint (accepted->status, ==, 202);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (accepted->headers, "Location"), positions));
  g_assert_cmpstr (json_object_get_string_member (object_of (job), "status"), ==, "Failed");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (object_of (job), "validationResults"), 0), "field"),
                   ==, "positionEndReason");
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *target = g_strdup ("/v2/employees?page-size=3");
  g_autoptr(Reply) bad = send (f, "GET", "/v2/employees?page-size=0", NULL);
  guint pages = 0, total = 0;

  g_assert_cmpuint (bad->status, ==, 400);
  while (target != NULL)
    {
      g_autoptr(Reply) page = send (f, "GET", target, NULL);
      JsonObject *cursor = json_object_get_object_member (object_of (page), "cursor");
      const char *next = json_object_get_string_member_with_default (cursor, "nextToken", NULL);

      g_assert_cmpuint (page->status, ==, 200);
      total += json_array_get_length (json_object_get_array_member (object_of (page), "data"));
      pages++;
      g_free (target);
      target = next != NULL ? g_strdup_printf ("/v2/employees?page-size=3&cursor=%s", next) : NULL;
    }
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (total, ==, 7);
}

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  PbSandboxFaults faults = { .rate_limit_count = 2, .rate_limit_seconds = 60 };
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) one = NULL;
  g_autoptr(Reply) two = NULL;
  g_autoptr(Reply) three = NULL;
  g_autoptr(Reply) failed = NULL;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  one = send (f, "GET", "/v2/employees", NULL);
  two = send (f, "GET", "/v2/employees", NULL);
  three = send (f, "GET", "/v2/employees", NULL);
  g_assert_cmpuint (one->status, ==, 200);
  g_assert_cmpuint (two->status, ==, 200);
  g_assert_cmpuint (three->status, ==, 429);
  g_assert_nonnull (soup_message_headers_get_one (three->headers, "Retry-After"));

  faults = (PbSandboxFaults) { .fail_rate = 1.0 };
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  failed = send (f, "GET", "/v2/employees", NULL);
  g_assert_cmpuint (failed->status / 100, ==, 5);
  g_assert_nonnull (json_object_get_string_member (object_of (failed), "message"));
}

static void
test_state (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *id = create (f, kari);
  g_autoptr(Reply) state = send (f, "GET", "/_sandbox/state", NULL);
  JsonObject *root = object_of (state);
  JsonObject *employee = json_array_get_object_element (json_object_get_array_member (root, "employees"), 0);

  g_assert_cmpstr (json_object_get_string_member (root, "tenantId"), ==, "sandbox-tenant");
  g_assert_cmpstr (json_object_get_string_member (employee, "id"), ==, id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (employee, "positions")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "jobs")), ==, 1);
  g_assert_true (json_object_has_member (root, "oauth2"));
}

static void
test_seed_invalid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("visma", &error);

  g_assert_no_error (error);
  g_assert_true (g_strv_contains (pb_sandbox_list_systems (), "visma"));
  g_assert_false (pb_sandbox_load_seed_data (sandbox, "{\"employees\": [{\"personNames\": []}]}", -1, &error));
  g_assert_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED);
  g_assert_nonnull (strstr (error->message, "employees[0].personNames"));
}

static void
test_seed_demo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("visma", &error);
  g_autofree char *path = pb_test_source_path ("tests/sandbox/seed-visma-demo.json");
  g_autoptr(JsonNode) state = NULL;

  g_assert_true (pb_sandbox_load_seed_file (sandbox, path, &error));
  g_assert_no_error (error);
  state = pb_sandbox_dup_state (sandbox);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (state), "employees")),
                    >=, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *seven = seed_of (7);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define TEST(path, seed, func) \
  g_test_add ("/sandbox/visma/" path, Fixture, seed, fixture_set_up, func, fixture_tear_down)
  TEST ("token/tenant", NULL, test_token_tenant);
  TEST ("bearer", NULL, test_bearer);
  TEST ("media-type", NULL, test_media_type);
  TEST ("job/takes-time", NULL, test_job_takes_time);
  TEST ("job/fails-with-validation-results", NULL, test_job_fails);
  TEST ("put-replaces", NULL, test_put_replaces);
  TEST ("position/end-reason-needs-end", NULL, test_position_end_reason);
  TEST ("paging", seven, test_paging);
  TEST ("faults", NULL, test_faults);
  TEST ("state", NULL, test_state);
  g_test_add_func ("/sandbox/visma/seed/invalid", test_seed_invalid);
  g_test_add_func ("/sandbox/visma/seed/demo-file", test_seed_demo);

  return g_test_run ();
}
