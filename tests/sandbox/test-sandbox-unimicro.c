/* test-sandbox-unimicro.c: the payroll sandbox's Unimicro API over real HTTP
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

/* Drives an in-process `--system unimicro` sandbox with a plain
 * SoupSession, as the Unimicro connector would. Each shape cites its source
 * in ../shared/api/payroll-apis-notes.md part C (UM-MCP, UM-SWAG, UM-ENT). */

#define REDIRECT   "http://127.0.0.1:9/callback"
#define VERIFIER   "sandbox-verifier-0123456789-0123456789-0123456789"
#define COMPANY    "5f1c2a9e-0000-4000-8000-000000000001"
#define OTHER      "5f1c2a9e-0000-4000-8000-000000000002"

typedef struct
{
  PbSandbox   *sandbox;
  SoupSession *session;
  char        *authorization;
  const char  *company;
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
  const char *fixed[] = { "Authorization", f->authorization, "CompanyKey", f->company, NULL };

  return pb_sandbox_client_send (f->session, f->sandbox, method, target, content_type, body, fixed, headers);
}

static Reply *
send (Fixture    *f,
      const char *method,
      const char *target,
      const char *body)
{
  return send_full (f, method, target, "application/json", body, NULL);
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
                                             "&code_challenge_method=S256",
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

  f->sandbox = pb_sandbox_new ("unimicro", &error);
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

  tokens = sign_in (f, NULL);
  g_assert_cmpuint (tokens->status, ==, 200);
  f->authorization = g_strdup_printf ("Bearer %s",
                                      json_object_get_string_member (object_of (tokens), "access_token"));
  f->company = COMPANY;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->sandbox);
  g_free (f->authorization);
}

static JsonArray *
array_of (Reply *reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (reply->json));
  return json_node_get_array (reply->json);
}

static const char kari[] =
  "{\"EmployeeNumber\": 101, \"BusinessRelationInfo\": {\"Name\": \"Kari Nordmann\","
  " \"DefaultEmail\": {\"EmailAddress\": \"kari@example.com\"}}, \"BirthDate\": \"1990-05-17\"}";

/* POSTs @body to @path and returns the new record's ID. */
static gint64
create (Fixture    *f,
        const char *path,
        const char *body)
{
  g_autoptr(Reply) reply = send (f, "POST", path, body);

  g_assert_cmpuint (reply->status, ==, 201);   /* UM-SWAG: create is 201 */
  return json_object_get_int_member (object_of (reply), "ID");
}

/* Tokens: the sandbox's OAuth2 server stands in for login.unimicro.no
 * (notes C.1: 1 hour); refreshing rotates the refresh token. */
static void
test_token (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Reply) tokens = sign_in (f, NULL);
  g_autoptr(GHashTable) form = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *encoded = NULL;
  g_autofree char *again = NULL;
  g_autoptr(Reply) refreshed = NULL;
  g_autoptr(Reply) reused = NULL;
  const char *refresh;

  g_assert_cmpuint (tokens->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (object_of (tokens), "expires_in"), ==, 3600);
  refresh = json_object_get_string_member (object_of (tokens), "refresh_token");
  g_hash_table_insert (form, (char *) "grant_type", g_strdup ("refresh_token"));
  g_hash_table_insert (form, (char *) "refresh_token", g_strdup (refresh));
  g_hash_table_insert (form, (char *) "client_id", g_strdup ("sandbox-client"));
  encoded = soup_form_encode_hash (form);
  refreshed = send_full (f, "POST", "/oauth2/token", "application/x-www-form-urlencoded", encoded, NULL);
  g_assert_cmpuint (refreshed->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (object_of (refreshed), "refresh_token"), !=, refresh);
  again = g_strdup (encoded);
  reused = send_full (f, "POST", "/oauth2/token", "application/x-www-form-urlencoded", again, NULL);
  g_assert_cmpuint (reused->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (object_of (reused), "error"), ==, "invalid_grant");
}

/* Notes C.2: every call needs Bearer and CompanyKey; /api/init/companies
 * lists the companies (Key, Name, OrganizationNumber) and needs no key. */
static void
test_bearer_and_company (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(Reply) ok = send (f, "GET", "/api/biz/employees", NULL);
  g_autoptr(Reply) no_key = NULL;
  g_autoptr(Reply) wrong_key = NULL;
  g_autoptr(Reply) companies = NULL;
  g_autoptr(Reply) other = NULL;
  g_autoptr(Reply) none = NULL;
  g_autoptr(Reply) expired = NULL;
  g_autofree char *saved = NULL;
  JsonObject *first;

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (array_of (ok)), ==, 3);

  f->company = NULL;
  no_key = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (no_key->status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (object_of (no_key), "Messages"), 0), "PropertyName"), ==, "CompanyKey");
  companies = send (f, "GET", "/api/init/companies", NULL);
  g_assert_cmpuint (companies->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (array_of (companies)), ==, 2);
  first = json_array_get_object_element (array_of (companies), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "Key"), ==, COMPANY);
  g_assert_cmpstr (json_object_get_string_member (first, "Name"), ==, "Nordlys Data AS");
  g_assert_cmpstr (json_object_get_string_member (first, "OrganizationNumber"), ==, "912345678");

  f->company = "00000000-0000-0000-0000-000000000000";
  wrong_key = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (wrong_key->status, ==, 403);

  /* Each company has its own records. */
  f->company = OTHER;
  other = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (other->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (array_of (other)), ==, 0);
  f->company = COMPANY;

  saved = g_steal_pointer (&f->authorization);
  none = send (f, "GET", "/api/biz/employees", NULL);
  f->authorization = g_steal_pointer (&saved);
  g_assert_cmpuint (none->status, ==, 401);
  pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
  expired = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (expired->status, ==, 401);
}

/* Set-up's company page (issue 15): a seed's "companies" says how many of
 * the sandbox's companies the user may reach; the others are neither
 * listed nor open. */
static void
test_companies_reachable (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) one = NULL;
  g_autoptr(Reply) other = NULL;
  g_autoptr(Reply) first = NULL;
  g_autoptr(Reply) none = NULL;

  g_assert_true (pb_sandbox_load_seed_data (f->sandbox, "{\"companies\": 1}", -1, &error));
  g_assert_no_error (error);
  one = send (f, "GET", "/api/init/companies", NULL);
  g_assert_cmpuint (one->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (array_of (one)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array_of (one), 0), "Key"),
                   ==, COMPANY);
  f->company = OTHER;
  other = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (other->status, ==, 403);
  f->company = COMPANY;
  first = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (first->status, ==, 200);

  g_assert_true (pb_sandbox_load_seed_data (f->sandbox, "{\"companies\": 0}", -1, &error));
  none = send (f, "GET", "/api/init/companies", NULL);
  g_assert_cmpuint (none->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (array_of (none)), ==, 0);

  g_assert_false (pb_sandbox_load_seed_data (f->sandbox, "{\"companies\": 3}", -1, &error));
  g_assert_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED);
}

/* Notes C.2: filter/expand/top/orderby without '$', bare arrays; C.4:
 * name and e-mail live on BusinessRelationInfo, a navigation. */
static void
test_query_options (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(Reply) plain = send (f, "GET", "/api/biz/employees?orderby=EmployeeNumber%20desc&top=2", NULL);
  g_autoptr(Reply) expanded = NULL;
  g_autoptr(Reply) by_mail = NULL;
  g_autoptr(Reply) contains = NULL;
  g_autoptr(Reply) keyset = NULL;
  g_autoptr(Reply) bad = NULL;
  g_autoptr(Reply) skip = NULL;
  g_autoptr(Reply) employments = NULL;
  JsonObject *row;
  JsonObject *info;

  g_assert_cmpuint (plain->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (array_of (plain)), ==, 2);
  row = json_array_get_object_element (array_of (plain), 0);
  g_assert_cmpint (json_object_get_int_member (row, "EmployeeNumber"), ==, 1003);
  g_assert_true (json_object_get_null_member (row, "BusinessRelationInfo"));

  expanded = send (f, "GET", "/api/biz/employees?expand=BusinessRelationInfo.DefaultEmail,Employments", NULL);
  row = json_array_get_object_element (array_of (expanded), 0);
  info = json_object_get_object_member (row, "BusinessRelationInfo");
  g_assert_cmpstr (json_object_get_string_member (info, "Name"), ==, "Ingrid Haugen");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (info, "DefaultEmail"),
                                                  "EmailAddress"), ==, "ingrid.haugen@nordlysdata.no");
  g_assert_true (json_object_get_null_member (info, "DefaultPhone"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (row, "Employments")), ==, 1);

  by_mail = send (f, "GET", "/api/biz/employees?filter=BusinessRelationInfo.DefaultEmail.EmailAddress%20eq%20"
                  "'HENRIK.solberg@nordlysdata.no'", NULL);
  g_assert_cmpuint (json_array_get_length (array_of (by_mail)), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array_of (by_mail), 0),
                                               "EmployeeNumber"), ==, 1002);
  contains = send (f, "GET", "/api/biz/employees?filter=contains(BusinessRelationInfo.Name,'lie')", NULL);
  g_assert_cmpuint (json_array_get_length (array_of (contains)), ==, 1);

  /* Keyset paging with documented options only: filter ID gt N, orderby ID, top. */
  keyset = send (f, "GET", "/api/biz/employees?filter=ID%20gt%201&orderby=ID&top=1", NULL);
  g_assert_cmpuint (json_array_get_length (array_of (keyset)), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array_of (keyset), 0), "ID"), >, 1);

  employments = send (f, "GET", "/api/biz/employments?filter=EmployeeID%20eq%205", NULL);
  g_assert_cmpuint (employments->status, ==, 200);

  bad = send (f, "GET", "/api/biz/employees?filter=Name%20%3D%3D%20x", NULL);
  g_assert_cmpuint (bad->status, ==, 400);
  skip = send (f, "GET", "/api/biz/employees?skip=1", NULL);   /* UNCONFIRMED option: refused here */
  g_assert_cmpuint (skip->status, ==, 400);
}

/* UM-SWAG: create 201, PUT 200; UM-ENT: EmployeeNumber, Employment with
 * EndDateReason (only with an end date), delete. */
static void
test_writes (Fixture       *f,
             gconstpointer  data)
{
  gint64 id = create (f, "/api/biz/employees", kari);
  g_autofree char *path = g_strdup_printf ("/api/biz/employees/%" G_GINT64_FORMAT, id);
  g_autofree char *job = g_strdup_printf ("{\"EmployeeID\": %" G_GINT64_FORMAT ", \"StartDate\": \"2020-01-01\","
                                          " \"WorkPercent\": 100, \"EndDateReason\": 3}", id);
  g_autofree char *job_ok = g_strdup_printf ("{\"EmployeeID\": %" G_GINT64_FORMAT ", \"StartDate\": \"2020-01-01\","
                                             " \"WorkPercent\": 60, \"JobName\": \"Lærer\"}", id);
  g_autoptr(Reply) dup = send (f, "POST", "/api/biz/employees", kari);
  g_autoptr(Reply) nameless = send (f, "POST", "/api/biz/employees", "{\"BusinessRelationInfo\": {\"Name\": \" \"}}");
  g_autoptr(Reply) unknown = send (f, "POST", "/api/biz/employees", "{\"Nmae\": 1}");
  g_autoptr(Reply) put = send (f, "PUT", path, "{\"BusinessRelationInfo\": {\"Name\": \"Kari Berg\"}}");
  g_autoptr(Reply) reason = send (f, "POST", "/api/biz/employments", job);
  g_autoptr(Reply) got = NULL;
  g_autoptr(Reply) deleted = NULL;
  g_autoptr(Reply) gone = NULL;
  g_autofree char *employment_path = NULL;
  g_autofree char *expand_path = g_strconcat (path, "?expand=BusinessRelationInfo.DefaultEmail", NULL);
  gint64 employment;
  JsonObject *message;

  g_assert_cmpuint (dup->status, ==, 400);
  message = json_array_get_object_element (json_object_get_array_member (object_of (dup), "Messages"), 0);
  g_assert_cmpstr (json_object_get_string_member (message, "PropertyName"), ==, "EmployeeNumber");
  g_assert_cmpuint (nameless->status, ==, 400);
  g_assert_cmpuint (unknown->status, ==, 400);

  g_assert_cmpuint (put->status, ==, 200);
  got = send (f, "GET", path, NULL);
  g_assert_true (json_object_get_null_member (object_of (got), "BusinessRelationInfo"));
  g_clear_pointer (&got, pb_sandbox_reply_free);
  got = send (f, "GET", expand_path, NULL);
  /* merged: the name changed, the e-mail kept */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object_of (got), "BusinessRelationInfo"),
                                                  "Name"), ==, "Kari Berg");
  g_assert_cmpint (json_object_get_int_member (object_of (got), "StatusCode"), ==, 30001);

  g_assert_cmpuint (reason->status, ==, 400);
  employment = create (f, "/api/biz/employments", job_ok);
  employment_path = g_strdup_printf ("/api/biz/employments/%" G_GINT64_FORMAT, employment);
  deleted = send (f, "DELETE", employment_path, NULL);
  g_assert_cmpuint (deleted->status, ==, 204);
  gone = send (f, "GET", employment_path, NULL);
  g_assert_cmpuint (gone->status, ==, 404);
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
  g_autoptr(Reply) omitted = NULL;

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  one = send (f, "GET", "/api/biz/employees", NULL);
  two = send (f, "GET", "/api/biz/employees", NULL);
  three = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (one->status, ==, 200);
  g_assert_cmpuint (two->status, ==, 200);
  g_assert_cmpuint (three->status, ==, 429);

  faults = (PbSandboxFaults) { .fail_rate = 1.0 };
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  failed = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_cmpuint (failed->status / 100, ==, 5);
  g_assert_nonnull (json_object_get_string_member (object_of (failed), "Message"));

  faults = (PbSandboxFaults) { .omit_id = 1 };
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  omitted = send (f, "GET", "/api/biz/employees", NULL);
  g_assert_false (json_object_has_member (json_array_get_object_element (array_of (omitted), 0), "ID"));
  g_assert_true (json_object_has_member (json_array_get_object_element (array_of (omitted), 1), "ID"));
}

static void
test_state (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(Reply) state = NULL;
  JsonObject *company;

  create (f, "/api/biz/employees", kari);
  state = send (f, "GET", "/_sandbox/state", NULL);
  company = json_array_get_object_element (json_object_get_array_member (object_of (state), "companies"), 0);
  g_assert_cmpstr (json_object_get_string_member (company, "Key"), ==, COMPANY);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (company, "employees")), ==, 4);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (company, "employments")), ==, 4);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (company, "EmployeeLeave")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (company, "salarytrans")), ==, 1);
  g_assert_true (json_object_has_member (object_of (state), "oauth2"));
}

static void
test_seed_invalid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("unimicro", &error);

  g_assert_no_error (error);
  g_assert_true (g_strv_contains (pb_sandbox_list_systems (), "unimicro"));
  g_assert_false (pb_sandbox_load_seed_data (sandbox, "{\"employees\": [{\"BusinessRelationInfo\": {}}]}", -1,
                                             &error));
  g_assert_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED);
  g_assert_nonnull (strstr (error->message, "employees[0].BusinessRelationInfo.Name"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *path = NULL;
  g_autofree char *demo = NULL;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  path = pb_test_source_path ("tests/sandbox/seed-unimicro-demo.json");
  g_assert_true (g_file_get_contents (path, &demo, NULL, NULL));

#define TEST(name, func) \
  g_test_add ("/sandbox/unimicro/" name, Fixture, demo, fixture_set_up, func, fixture_tear_down)
  TEST ("token", test_token);
  TEST ("bearer-and-company", test_bearer_and_company);
  TEST ("companies-reachable", test_companies_reachable);
  TEST ("query-options", test_query_options);
  TEST ("writes", test_writes);
  TEST ("faults", test_faults);
  TEST ("state", test_state);
  g_test_add_func ("/sandbox/unimicro/seed/invalid", test_seed_invalid);

  return g_test_run ();
}
