/* test-sandbox.c: the payroll sandbox over real HTTP
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "pb-sandbox.h"
#include "pb-test-utils.h"

/* Drives an in-process PbSandbox with a plain SoupSession on the same
 * GMainContext (so every call runs the loop until its answer is in), the
 * way a connector would, and checks what Tripletex's published API says:
 * envelopes, status codes, error bodies, paging, `fields`, versions,
 * locking, and the sandbox's own faults and control endpoints. */

typedef struct
{
  PbSandbox   *sandbox;
  SoupSession *session;
  char        *token;
  char        *authorization;
} Fixture;

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;   /* (nullable) */
  GBytes             *body;      /* (nullable) */
  JsonNode           *json;      /* (nullable) when the body is not JSON */
  GError             *error;     /* (nullable) no answer */
} Reply;

static void
reply_free (Reply *reply)
{
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_clear_error (&reply->error);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

typedef struct
{
  GBytes   *body;
  GError   *error;
  gboolean  done;
} Pending;

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pending *pending = user_data;

  pending->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &pending->error);
  pending->done = TRUE;
}

/* @target: path and query under the sandbox, e.g. "/v2/employee?count=5";
 * @authorization: the header, or NULL for none. */
static Reply *
send_full (Fixture    *f,
           const char *method,
           const char *target,
           const char *body,
           const char *authorization)
{
  g_autofree char *url = g_strconcat (pb_sandbox_get_url (f->sandbox), target, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Reply *reply = g_new0 (Reply, 1);
  Pending pending = { NULL, NULL, FALSE };

  g_assert_nonnull (msg);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json; charset=utf-8", bytes);
    }

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &pending);
  while (!pending.done)
    g_main_context_iteration (NULL, TRUE);

  if (pending.error != NULL)
    {
      reply->error = pending.error;
      return reply;
    }

  reply->status = soup_message_get_status (msg);
  reply->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  reply->body = pending.body;
  if (g_bytes_get_size (reply->body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize size = 0;
      const char *data = g_bytes_get_data (reply->body, &size);

      if (json_parser_load_from_data (parser, data, size, NULL) && json_parser_get_root (parser) != NULL)
        reply->json = json_node_copy (json_parser_get_root (parser));
    }
  return reply;
}

static Reply *
send (Fixture    *f,
      const char *method,
      const char *target,
      const char *body)
{
  return send_full (f, method, target, body, f->authorization);
}

static const char *
header (Reply      *reply,
        const char *name)
{
  return soup_message_headers_get_one (reply->headers, name);
}

static JsonObject *
root_object (Reply *reply)
{
  g_assert_no_error (reply->error);
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

static JsonObject *
value_of (Reply *reply)
{
  return json_object_get_object_member (root_object (reply), "value");
}

static JsonArray *
values_of (Reply *reply)
{
  return json_object_get_array_member (root_object (reply), "values");
}

/* An ApiError with @status and @code, its requestId that of the header. */
static JsonObject *
assert_api_error (Reply *reply,
                  guint  status,
                  gint64 code)
{
  JsonObject *error;

  g_assert_no_error (reply->error);
  if (reply->status != status)
    g_test_message ("body: %.*s", (int) g_bytes_get_size (reply->body),
                    (const char *) g_bytes_get_data (reply->body, NULL));
  g_assert_cmpuint (reply->status, ==, status);
  error = root_object (reply);
  g_assert_cmpint (json_object_get_int_member (error, "status"), ==, status);
  g_assert_cmpint (json_object_get_int_member (error, "code"), ==, code);
  g_assert_true (json_object_has_member (error, "message"));
  g_assert_true (json_object_has_member (error, "validationMessages"));
  g_assert_cmpstr (json_object_get_string_member (error, "requestId"), ==, header (reply, "x-tlx-request-id"));
  return error;
}

/* The validation message for @field, or NULL. */
static JsonObject *
find_validation (JsonObject *error,
                 const char *field)
{
  JsonNode *node = json_object_get_member (error, "validationMessages");
  JsonArray *messages;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  messages = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);

      if (g_strcmp0 (json_object_get_string_member (message, "field"), field) == 0)
        return message;
    }
  return NULL;
}

static char *
tomorrow (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, 1);

  return g_date_time_format (then, "%Y-%m-%d");
}

static char *
today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
}

static char *
create_session (Fixture    *f,
                const char *consumer,
                const char *employee,
                const char *expiration,
                Reply     **out)
{
  g_autofree char *target = g_strdup_printf ("/v2/token/session/:create?consumerToken=%s&employeeToken=%s"
                                             "&expirationDate=%s", consumer, employee, expiration);
  Reply *reply = send_full (f, "PUT", target, NULL, NULL);
  char *token = NULL;

  if (reply->status == 200)
    token = g_strdup (json_object_get_string_member (value_of (reply), "token"));
  if (out != NULL)
    *out = reply;
  else
    reply_free (reply);
  return token;
}

static char *
basic_header (const char *user,
              const char *token)
{
  g_autofree char *pair = g_strdup_printf ("%s:%s", user, token);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strdup_printf ("Basic %s", encoded);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expiration = tomorrow ();
  const char *seed = data;

  f->sandbox = pb_sandbox_new ("tripletex", &error);
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
  f->token = create_session (f, "sandbox-consumer", "sandbox-employee", expiration, NULL);
  g_assert_nonnull (f->token);
  f->authorization = basic_header ("0", f->token);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  g_clear_object (&f->sandbox);
  g_free (f->token);
  g_free (f->authorization);
}

#define TEST(path, func) \
  g_test_add ("/sandbox/tripletex/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define TEST_SEEDED(path, seed, func) \
  g_test_add ("/sandbox/tripletex/" path, Fixture, seed, fixture_set_up, func, fixture_tear_down)

/* POST /employee with @json; asserts 201 and returns the id. */
static gint64
post_employee (Fixture    *f,
               const char *json)
{
  g_autoptr(Reply) reply = send (f, "POST", "/v2/employee", json);

  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, 201);
  return json_object_get_int_member (value_of (reply), "id");
}

static gint64
activity_id (Fixture    *f,
             const char *number)
{
  g_autofree char *target = g_strdup_printf ("/v2/activity?number=%s&fields=id", number);
  g_autoptr(Reply) reply = send (f, "GET", target, NULL);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (values_of (reply)), ==, 1);
  return json_object_get_int_member (json_array_get_object_element (values_of (reply), 0), "id");
}

static gint64
post_entry (Fixture    *f,
            gint64      employee,
            gint64      activity,
            const char *date,
            double      hours,
            guint       expect)
{
  g_autofree char *body = g_strdup_printf ("{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%"
                                           G_GINT64_FORMAT "},\"date\":\"%s\",\"hours\":%g}",
                                           employee, activity, date, hours);
  g_autoptr(Reply) reply = send (f, "POST", "/v2/timesheet/entry", body);

  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, expect);
  if (expect != 201)
    return 0;
  return json_object_get_int_member (value_of (reply), "id");
}

/* --- sessions and auth ---------------------------------------------------- */

static void
test_session_create (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *expiration = tomorrow ();
  g_autoptr(Reply) reply = NULL;
  g_autofree char *token = create_session (f, "sandbox-consumer", "sandbox-employee", expiration, &reply);
  JsonObject *value;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_nonnull (header (reply, "x-tlx-request-id"));
  value = value_of (reply);
  g_assert_cmpstr (json_object_get_string_member (value, "expirationDate"), ==, expiration);
  g_assert_nonnull (strchr (token, '-'));
  g_assert_cmpstr (token, !=, f->token);
  g_assert_true (json_object_has_member (value, "id"));
  g_assert_true (json_object_has_member (value, "version"));
  g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 2);
}

static void
test_session_bad_tokens (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *expiration = tomorrow ();
  g_autoptr(Reply) consumer = NULL;
  g_autoptr(Reply) employee = NULL;
  g_autofree char *token1 = create_session (f, "test-prod-consumer", "sandbox-employee", expiration, &consumer);
  g_autofree char *token2 = create_session (f, "sandbox-consumer", "nope", expiration, &employee);
  JsonObject *error;
  JsonObject *message;

  g_assert_null (token1);
  error = assert_api_error (consumer, 422, 18000);
  message = find_validation (error, "arg:consumerToken");
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "message"), ==,
                   "The consumer token is invalid or does not exist.");
  g_assert_null (find_validation (error, "arg:employeeToken"));

  g_assert_null (token2);
  error = assert_api_error (employee, 422, 18000);
  g_assert_nonnull (find_validation (error, "arg:employeeToken"));
  g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 1);
}

static void
test_session_expiration (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *now = today ();
  const char *bad[] = { "2020-01-01", now, "2031-02-30", "tomorrow" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(Reply) reply = NULL;
      g_autofree char *token = create_session (f, "sandbox-consumer", "sandbox-employee", bad[i], &reply);

      g_assert_null (token);
      g_assert_nonnull (find_validation (assert_api_error (reply, 422, 18000), "arg:expirationDate"));
    }
}

static void
test_auth_required (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *wrong = basic_header ("0", "00000000-0000-4000-8000-000000000000");
  g_autofree char *blank_user = basic_header ("", f->token);
  g_autofree char *other_company = basic_header ("4242", f->token);
  g_autoptr(Reply) none = send_full (f, "GET", "/v2/employee", NULL, NULL);
  g_autoptr(Reply) bad = send_full (f, "GET", "/v2/employee", NULL, wrong);
  g_autoptr(Reply) bearer = send_full (f, "GET", "/v2/employee", NULL, "Bearer abc");
  g_autoptr(Reply) blank = send_full (f, "GET", "/v2/employee", NULL, blank_user);
  g_autoptr(Reply) client = send_full (f, "GET", "/v2/employee", NULL, other_company);

  assert_api_error (none, 401, 3000);
  assert_api_error (bad, 401, 3000);
  assert_api_error (bearer, 401, 3000);
  g_assert_cmpuint (blank->status, ==, 200);
  assert_api_error (client, 403, 9000);
}

static void
test_who_am_i (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(Reply) encoded = send (f, "GET", "/v2/token/session/%3EwhoAmI", NULL);
  g_autoptr(Reply) raw = send (f, "GET", "/v2/token/session/>whoAmI", NULL);
  g_autoptr(Reply) fields = send (f, "GET", "/v2/token/session/%3EwhoAmI?fields=employee(firstName),companyId", NULL);
  JsonObject *value = value_of (encoded);
  JsonObject *employee;
  g_autoptr(GList) members = NULL;
  g_autofree char *suffix = NULL;

  g_assert_cmpuint (encoded->status, ==, 200);
  g_assert_cmpuint (raw->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (value, "employeeId"), >, 0);
  g_assert_cmpint (json_object_get_int_member (value, "actualEmployeeId"), ==,
                   json_object_get_int_member (value, "employeeId"));
  g_assert_cmpint (json_object_get_int_member (value, "companyId"), ==, 1);
  g_assert_false (json_object_get_boolean_member (value, "loggedInWithConnect"));
  g_assert_false (json_object_get_boolean_member (value, "employeeIsProxy"));
  employee = json_object_get_object_member (value, "employee");
  g_assert_cmpint (json_object_get_int_member (employee, "id"), ==, json_object_get_int_member (value, "employeeId"));
  suffix = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT, json_object_get_int_member (employee, "id"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (employee, "url"), suffix));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (employee, "url"), "127.0.0.1:"));

  value = value_of (fields);
  members = json_object_get_members (value);
  g_assert_cmpuint (g_list_length (members), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (value, "employee"), "firstName"),
                   ==, "Sandbox");
}

static void
test_company (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Reply) company = send (f, "GET", "/v2/company/1?fields=name,currency(code)", NULL);
  g_autoptr(Reply) other = send (f, "GET", "/v2/company/2", NULL);
  JsonObject *value = value_of (company);

  g_assert_cmpstr (json_object_get_string_member (value, "name"), ==, "Sandbox AS");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (value, "currency"), "code"),
                   ==, "NOK");
  assert_api_error (other, 404, 6000);
}

/* --- employees ------------------------------------------------------------ */

static void
test_employee_create (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Reply) post = send (f, "POST", "/v2/employee",
                                "{\"firstName\":\"Kari\",\"lastName\":\"Nordmann\",\"email\":\"kari@example.com\","
                                "\"dateOfBirth\":\"1990-02-14\",\"department\":{\"id\":101},\"userType\":\"STANDARD\","
                                "\"displayName\":\"ignored: read-only\",\"address\":{\"addressLine1\":\"Storgata 1\","
                                "\"postalCode\":\"0155\",\"city\":\"Oslo\",\"country\":{\"id\":161}}}");
  g_autofree char *target = NULL;
  g_autoptr(Reply) get = NULL;
  JsonObject *value;
  gint64 id;

  g_assert_cmpuint (post->status, ==, 201);
  value = value_of (post);
  id = json_object_get_int_member (value, "id");
  g_assert_cmpint (json_object_get_int_member (value, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (value, "displayName"), ==, "Kari Nordmann");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (value, "department"), "id"), ==, 101);
  /* References come unexpanded: {"id", "url"}. */
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (value, "department")), ==, 2);
  g_assert_true (json_object_has_member (json_object_get_object_member (value, "address"), "url"));
  g_assert_false (json_object_has_member (value, "changes"));

  target = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT "?fields=*,address(*)", id);
  get = send (f, "GET", target, NULL);
  g_assert_cmpuint (get->status, ==, 200);
  value = value_of (get);
  g_assert_cmpstr (json_object_get_string_member (value, "email"), ==, "kari@example.com");
  g_assert_cmpstr (json_object_get_string_member (value, "dateOfBirth"), ==, "1990-02-14");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (value, "address"), "city"),
                   ==, "Oslo");
}

static void
test_employee_version_conflict (Fixture       *f,
                                gconstpointer  data)
{
  gint64 id = post_employee (f, "{\"firstName\":\"Ola\",\"lastName\":\"Nordmann\",\"phoneNumberMobile\":\"+47 900 00 000\"}");
  g_autofree char *target = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT, id);
  g_autoptr(Reply) put = send (f, "PUT", target, "{\"version\":1,\"lastName\":\"Nordmann-Hansen\"}");
  g_autoptr(Reply) stale = send (f, "PUT", target, "{\"version\":1,\"lastName\":\"Old\"}");
  g_autoptr(Reply) unversioned = send (f, "PUT", target, "{\"firstName\":\"Ole\"}");
  g_autoptr(Reply) get = send (f, "GET", target, NULL);
  g_autoptr(Reply) missing = send (f, "PUT", "/v2/employee/999999", "{\"firstName\":\"X\"}");
  JsonObject *value;

  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (value_of (put), "version"), ==, 2);
  assert_api_error (stale, 409, 8000);
  g_assert_cmpuint (unversioned->status, ==, 200);

  value = value_of (get);
  g_assert_cmpint (json_object_get_int_member (value, "version"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (value, "firstName"), ==, "Ole");
  g_assert_cmpstr (json_object_get_string_member (value, "lastName"), ==, "Nordmann-Hansen");
  /* A partial update leaves what it does not name. */
  g_assert_cmpstr (json_object_get_string_member (value, "phoneNumberMobile"), ==, "+47 900 00 000");
  assert_api_error (missing, 404, 6000);
}

/* SPEC R1: a refused update changes nothing: the stored record keeps its
 * values (a draft once shared the record's members, and a 422 left the
 * refused value in the state). */
static void
test_employee_refused_update_changes_nothing (Fixture       *f,
                                              gconstpointer  data)
{
  gint64 id = post_employee (f, "{\"firstName\":\"Ola\",\"lastName\":\"Nordmann\",\"employeeNumber\":\"11\"}");
  gint64 other = post_employee (f, "{\"firstName\":\"Per\",\"lastName\":\"Berg\",\"employeeNumber\":\"12\"}");
  g_autofree char *target = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT, other);
  g_autoptr(Reply) put = send (f, "PUT", target, "{\"employeeNumber\":\"11\",\"lastName\":\"Changed\"}");
  g_autoptr(Reply) get = send (f, "GET", target, NULL);
  JsonObject *value;

  g_assert_cmpint (id, !=, other);
  g_assert_cmpuint (put->status, ==, 422);
  value = value_of (get);
  g_assert_cmpstr (json_object_get_string_member (value, "employeeNumber"), ==, "12");
  g_assert_cmpstr (json_object_get_string_member (value, "lastName"), ==, "Berg");
  g_assert_cmpint (json_object_get_int_member (value, "version"), ==, 1);
}

static void
test_employee_validation (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(Reply) no_last = send (f, "POST", "/v2/employee", "{\"firstName\":\"Kari\"}");
  g_autoptr(Reply) unknown = send (f, "POST", "/v2/employee",
                                   "{\"firstName\":\"Kari\",\"lastName\":\"N\",\"emial\":\"k@example.com\"}");
  g_autoptr(Reply) bad_type = send (f, "POST", "/v2/employee", "{\"firstName\":\"Kari\",\"lastName\":\"N\",\"department\":7}");
  g_autoptr(Reply) bad_enum = send (f, "POST", "/v2/employee", "{\"firstName\":\"K\",\"lastName\":\"N\",\"userType\":\"ADMIN\"}");
  g_autoptr(Reply) bad_date = send (f, "POST", "/v2/employee", "{\"firstName\":\"K\",\"lastName\":\"N\",\"dateOfBirth\":\"14.02.1990\"}");
  g_autoptr(Reply) bad_ref = send (f, "POST", "/v2/employee", "{\"firstName\":\"K\",\"lastName\":\"N\",\"department\":{\"id\":9}}");
  g_autoptr(Reply) not_json = send (f, "POST", "/v2/employee", "{\"firstName\":");
  g_autoptr(Reply) email = NULL;
  g_autoptr(Reply) email_case = NULL;
  JsonObject *error;
  JsonObject *message;

  error = assert_api_error (no_last, 422, 18000);
  message = find_validation (error, "lastName");
  g_assert_nonnull (message);
  g_assert_true (json_object_has_member (message, "path"));
  g_assert_true (json_object_has_member (message, "rootId"));
  g_assert_null (find_validation (error, "firstName"));

  error = assert_api_error (unknown, 422, 16000);
  g_assert_nonnull (find_validation (error, "emial"));
  g_assert_nonnull (strstr (json_object_get_string_member (error, "message"), "emial"));

  assert_api_error (bad_type, 422, 16000);
  assert_api_error (bad_enum, 422, 16000);
  g_assert_nonnull (find_validation (assert_api_error (bad_date, 422, 18000), "dateOfBirth"));
  g_assert_nonnull (find_validation (assert_api_error (bad_ref, 422, 18000), "department"));
  assert_api_error (not_json, 422, 22000);

  post_employee (f, "{\"firstName\":\"Kari\",\"lastName\":\"Nordmann\",\"email\":\"kari@example.com\"}");
  email = send (f, "POST", "/v2/employee", "{\"firstName\":\"Kari\",\"lastName\":\"Other\",\"email\":\"kari@example.com\"}");
  email_case = send (f, "POST", "/v2/employee", "{\"firstName\":\"Kari\",\"lastName\":\"Other\",\"email\":\"KARI@example.com\"}");
  g_assert_nonnull (find_validation (assert_api_error (email, 422, 18000), "email"));
  g_assert_nonnull (find_validation (assert_api_error (email_case, 422, 18000), "email"));
}

static void
test_employee_nested (Fixture       *f,
                      gconstpointer  data)
{
  gint64 id = post_employee (f, "{\"firstName\":\"Ingrid\",\"lastName\":\"Haugen\",\"email\":\"ingrid@example.com\","
                                "\"employments\":[{\"startDate\":\"2019-01-02\",\"employmentDetails\":["
                                "{\"date\":\"2019-01-02\",\"percentageOfFullTimeEquivalent\":100,"
                                "\"annualSalary\":1450000,\"remunerationType\":\"MONTHLY_WAGE\"},"
                                "{\"date\":\"2024-01-01\",\"percentageOfFullTimeEquivalent\":80,"
                                "\"annualSalary\":1560000}]}]}");
  g_autofree char *target = g_strdup_printf ("/v2/employee/employment?employeeId=%" G_GINT64_FORMAT
                                             "&fields=*,employmentDetails(*)", id);
  g_autoptr(Reply) employments = send (f, "GET", target, NULL);
  g_autoptr(Reply) details = NULL;
  g_autoptr(Reply) bad_percentage = NULL;
  g_autoptr(Reply) no_employment = NULL;
  g_autoptr(Reply) put = NULL;
  g_autofree char *details_target = NULL;
  g_autofree char *body = NULL;
  JsonObject *employment;
  JsonArray *rows;
  gint64 employment_id;

  g_assert_cmpuint (json_array_get_length (values_of (employments)), ==, 1);
  employment = json_array_get_object_element (values_of (employments), 0);
  employment_id = json_object_get_int_member (employment, "id");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (employment, "employee"), "id"), ==, id);
  g_assert_true (json_object_get_boolean_member (employment, "isMainEmployer"));
  g_assert_cmpstr (json_object_get_string_member (employment, "taxDeductionCode"), ==, "loennFraHovedarbeidsgiver");
  g_assert_cmpstr (json_object_get_string_member (employment, "lastSalaryChangeDate"), ==, "2024-01-01");
  rows = json_object_get_array_member (employment, "employmentDetails");
  g_assert_cmpuint (json_array_get_length (rows), ==, 2);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_array_get_object_element (rows, 0),
                                                                 "monthlySalary"), 120833.33, 0.001);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (rows, 1),
                                                    "percentageOfFullTimeEquivalent"), ==, 80);

  details_target = g_strdup_printf ("/v2/employee/employment/details?employmentId=%" G_GINT64_FORMAT, employment_id);
  details = send (f, "GET", details_target, NULL);
  g_assert_cmpuint (json_array_get_length (values_of (details)), ==, 2);

  body = g_strdup_printf ("{\"employment\":{\"id\":%" G_GINT64_FORMAT "},\"date\":\"2026-01-01\","
                          "\"percentageOfFullTimeEquivalent\":120}", employment_id);
  bad_percentage = send (f, "POST", "/v2/employee/employment/details", body);
  g_assert_nonnull (find_validation (assert_api_error (bad_percentage, 422, 18000), "percentageOfFullTimeEquivalent"));
  no_employment = send (f, "POST", "/v2/employee/employment", "{\"startDate\":\"2026-01-01\"}");
  g_assert_nonnull (find_validation (assert_api_error (no_employment, 422, 18000), "employee"));

  g_free (body);
  body = g_strdup_printf ("/v2/employee/employment/%" G_GINT64_FORMAT, employment_id);
  put = send (f, "PUT", body, "{\"endDate\":\"2026-12-31\",\"employmentEndReason\":\"EMPLOYMENT_END_EMPLOYEE\"}");
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (value_of (put), "endDate"), ==, "2026-12-31");
  g_assert_cmpint (json_object_get_int_member (value_of (put), "version"), ==, 2);
}

static void
test_employee_search (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(Reply) by_name = NULL;
  g_autoptr(Reply) by_email = NULL;
  g_autoptr(Reply) by_number = NULL;
  g_autoptr(Reply) by_ids = NULL;
  g_autoptr(Reply) sorted = NULL;
  g_autoptr(Reply) bad_sort = NULL;
  g_autoptr(Reply) bad_id = NULL;
  g_autofree char *ids = NULL;
  gint64 a, b;

  a = post_employee (f, "{\"firstName\":\"Åse\",\"lastName\":\"Ødegård\",\"email\":\"ase@example.com\",\"employeeNumber\":\"1004\"}");
  b = post_employee (f, "{\"firstName\":\"Aksel\",\"lastName\":\"Berg\",\"email\":\"aksel.berg@example.com\",\"employeeNumber\":\"1005\"}");

  by_name = send (f, "GET", "/v2/employee?lastName=%C3%B8deg", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (by_name)), ==, 1);
  by_email = send (f, "GET", "/v2/employee?email=BERG@example", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (by_email)), ==, 1);
  by_number = send (f, "GET", "/v2/employee?employeeNumber=100", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (by_number)), ==, 0);
  ids = g_strdup_printf ("/v2/employee?id=%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT, a, b);
  by_ids = send (f, "GET", ids, NULL);
  g_assert_cmpuint (json_array_get_length (values_of (by_ids)), ==, 2);

  sorted = send (f, "GET", "/v2/employee?sorting=-firstName&fields=firstName", NULL);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (values_of (sorted), 0), "firstName"),
                   ==, "Åse");
  bad_sort = send (f, "GET", "/v2/employee?sorting=shoeSize", NULL);
  assert_api_error (bad_sort, 422, 17000);
  bad_id = send (f, "GET", "/v2/employee?id=abc", NULL);
  g_assert_cmpuint (bad_id->status, ==, 422);
}

static char *
many_employees_seed (guint n)
{
  GString *seed = g_string_new ("{\"employees\":[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (seed, "%s{\"firstName\":\"Person\",\"lastName\":\"Number %u\","
                            "\"email\":\"person.%u@example.com\",\"employeeNumber\":\"E%u\"}",
                            i > 0 ? "," : "", i, i, i);
  g_string_append (seed, "]}");
  return g_string_free (seed, FALSE);
}

static void
test_paging (Fixture       *f,
             gconstpointer  data)
{
  guint64 total = 0;
  guint pages = 0;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  /* 2,500 seeded employees and the API user: pages of 1000, 1000, 501. */
  for (guint64 from = 0;; from += 1000)
    {
      g_autofree char *target = g_strdup_printf ("/v2/employee?from=%" G_GUINT64_FORMAT "&count=1000&fields=id", from);
      g_autoptr(Reply) reply = send (f, "GET", target, NULL);
      JsonObject *envelope = root_object (reply);
      JsonArray *values = values_of (reply);
      guint length = json_array_get_length (values);

      g_assert_cmpint (json_object_get_int_member (envelope, "from"), ==, from);
      g_assert_cmpint (json_object_get_int_member (envelope, "count"), ==, length);
      g_assert_cmpint (json_object_get_int_member (envelope, "fullResultSize"), ==, 2501);
      g_assert_true (json_object_has_member (envelope, "versionDigest"));
      for (guint i = 0; i < length; i++)
        {
          gint64 id = json_object_get_int_member (json_array_get_object_element (values, i), "id");

          g_assert_true (g_hash_table_add (seen, g_memdup2 (&id, sizeof id)));
        }
      total += length;
      pages++;
      if (length < 1000)
        break;
    }
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (total, ==, 2501);

  {
    g_autoptr(Reply) beyond = send (f, "GET", "/v2/employee?from=5000", NULL);
    g_autoptr(Reply) small = send (f, "GET", "/v2/employee?from=10&count=5", NULL);
    g_autoptr(Reply) defaults = send (f, "GET", "/v2/employee?fields=id", NULL);
    g_autoptr(Reply) negative = send (f, "GET", "/v2/employee?count=-1", NULL);

    g_assert_cmpuint (json_array_get_length (values_of (beyond)), ==, 0);
    g_assert_cmpuint (json_array_get_length (values_of (small)), ==, 5);
    g_assert_cmpuint (json_array_get_length (values_of (defaults)), ==, 1000);
    assert_api_error (negative, 422, 21000);
  }
}

static void
test_fields (Fixture       *f,
             gconstpointer  data)
{
  gint64 id = post_employee (f, "{\"firstName\":\"Sindre\",\"lastName\":\"Bakke\",\"department\":{\"id\":101},"
                                "\"employments\":[{\"startDate\":\"2020-01-06\"}]}");
  g_autofree char *base = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT, id);
  g_autofree char *t1 = g_strconcat (base, "?fields=firstName,lastName", NULL);
  g_autofree char *t2 = g_strconcat (base, "?fields=id,department", NULL);
  g_autofree char *t3 = g_strconcat (base, "?fields=department(name,displayName),employments(startDate,employee(firstName))", NULL);
  g_autofree char *t4 = g_strconcat (base, "?fields=*", NULL);
  g_autofree char *t5 = g_strconcat (base, "?fields=*,changes", NULL);
  g_autofree char *t6 = g_strconcat (base, "?fields=department(*)", NULL);
  g_autofree char *t7 = g_strconcat (base, "?fields=shoeSize", NULL);
  g_autofree char *t8 = g_strconcat (base, "?fields=department(nope)", NULL);
  g_autofree char *t9 = g_strconcat (base, "?fields=firstName,(", NULL);
  g_autoptr(Reply) r1 = send (f, "GET", t1, NULL);
  g_autoptr(Reply) r2 = send (f, "GET", t2, NULL);
  g_autoptr(Reply) r3 = send (f, "GET", t3, NULL);
  g_autoptr(Reply) r4 = send (f, "GET", t4, NULL);
  g_autoptr(Reply) r5 = send (f, "GET", t5, NULL);
  g_autoptr(Reply) r6 = send (f, "GET", t6, NULL);
  g_autoptr(Reply) r7 = send (f, "GET", t7, NULL);
  g_autoptr(Reply) r8 = send (f, "GET", t8, NULL);
  g_autoptr(Reply) r9 = send (f, "GET", t9, NULL);
  g_autoptr(Reply) list = send (f, "GET", "/v2/employee?fields=email&count=1", NULL);
  JsonObject *value;
  JsonObject *department;
  JsonObject *employment;

  /* Only what is asked for: no implicit id. */
  value = value_of (r1);
  g_assert_cmpuint (json_object_get_size (value), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (value, "firstName"), ==, "Sindre");

  value = value_of (r2);
  g_assert_cmpuint (json_object_get_size (value), ==, 2);
  department = json_object_get_object_member (value, "department");
  g_assert_cmpuint (json_object_get_size (department), ==, 2);
  g_assert_cmpint (json_object_get_int_member (department, "id"), ==, 101);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (department, "url"), "/v2/department/101"));

  value = value_of (r3);
  department = json_object_get_object_member (value, "department");
  g_assert_cmpuint (json_object_get_size (department), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (department, "name"), ==, "Avdeling");
  g_assert_cmpstr (json_object_get_string_member (department, "displayName"), ==, "1 Avdeling");
  employment = json_array_get_object_element (json_object_get_array_member (value, "employments"), 0);
  g_assert_cmpuint (json_object_get_size (employment), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (employment, "startDate"), ==, "2020-01-06");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (employment, "employee"), "firstName"),
                   ==, "Sindre");

  value = value_of (r4);
  g_assert_true (json_object_has_member (value, "firstName"));
  g_assert_true (json_object_has_member (value, "id"));
  g_assert_false (json_object_has_member (value, "changes"));
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (value, "department")), ==, 2);

  value = value_of (r5);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (value, "changes"), 0), "changeType"), ==, "CREATE");

  department = json_object_get_object_member (value_of (r6), "department");
  g_assert_cmpstr (json_object_get_string_member (department, "name"), ==, "Avdeling");
  g_assert_true (json_object_has_member (department, "version"));

  assert_api_error (r7, 400, 11000);
  assert_api_error (r8, 400, 11000);
  assert_api_error (r9, 400, 11000);

  value = json_array_get_object_element (values_of (list), 0);
  g_assert_cmpuint (json_object_get_size (value), ==, 1);
  g_assert_true (json_object_has_member (value, "email"));
}

/* --- code lists ----------------------------------------------------------- */

static void
test_code_lists (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(Reply) norway = send (f, "GET", "/v2/country?code=no", NULL);
  g_autoptr(Reply) nordic = send (f, "GET", "/v2/country?code=SE,DK&fields=isoAlpha2Code", NULL);
  g_autoptr(Reply) country = send (f, "GET", "/v2/country/161", NULL);
  g_autoptr(Reply) nok = send (f, "GET", "/v2/currency?code=NOK", NULL);
  g_autoptr(Reply) currency = send (f, "GET", "/v2/currency/1", NULL);
  g_autoptr(Reply) general = send (f, "GET", "/v2/activity?isGeneral=true&fields=name,number,isGeneral", NULL);
  g_autoptr(Reply) sick = send (f, "GET", "/v2/activity?name=sykdom", NULL);
  g_autoptr(Reply) departments = send (f, "GET", "/v2/department", NULL);
  g_autoptr(Reply) department = send (f, "GET", "/v2/department/101", NULL);
  g_autoptr(Reply) standard = send (f, "GET", "/v2/salary/settings/standardTime/byDate?date=2026-03-01", NULL);
  g_autoptr(Reply) standard_today = send (f, "GET", "/v2/salary/settings/standardTime/byDate", NULL);
  g_autoptr(Reply) standard_bad = send (f, "GET", "/v2/salary/settings/standardTime/byDate?date=March", NULL);
  JsonObject *value;

  value = json_array_get_object_element (values_of (norway), 0);
  g_assert_cmpuint (json_array_get_length (values_of (norway)), ==, 1);
  g_assert_cmpint (json_object_get_int_member (value, "id"), ==, 161);
  g_assert_cmpstr (json_object_get_string_member (value, "isoAlpha2Code"), ==, "NO");
  g_assert_cmpuint (json_array_get_length (values_of (nordic)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (value_of (country), "name"), ==, "Norge");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (values_of (nok), 0), "id"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (value_of (currency), "code"), ==, "NOK");

  g_assert_cmpuint (json_array_get_length (values_of (general)), ==, 9);
  value = json_array_get_object_element (values_of (general), 0);
  g_assert_cmpstr (json_object_get_string_member (value, "name"), ==, "Ferie");
  g_assert_cmpstr (json_object_get_string_member (value, "number"), ==, "FERIE");
  g_assert_true (json_object_get_boolean_member (value, "isGeneral"));
  g_assert_cmpuint (json_array_get_length (values_of (sick)), ==, 2);

  g_assert_cmpuint (json_array_get_length (values_of (departments)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (value_of (department), "name"), ==, "Avdeling");

  g_assert_cmpfloat (json_object_get_double_member (value_of (standard), "hoursPerDay"), ==, 7.5);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (value_of (standard), "company"), "id"),
                   ==, 1);
  g_assert_cmpuint (standard_today->status, ==, 200);
  assert_api_error (standard_bad, 422, 18000);
}

/* --- timesheet entries ---------------------------------------------------- */

static void
test_timesheet_requires_dates (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(Reply) none = send (f, "GET", "/v2/timesheet/entry", NULL);
  g_autoptr(Reply) no_to = send (f, "GET", "/v2/timesheet/entry?dateFrom=2026-01-01", NULL);
  g_autoptr(Reply) bad = send (f, "GET", "/v2/timesheet/entry?dateFrom=2026-01-01&dateTo=2026-13-01", NULL);
  JsonObject *error = assert_api_error (none, 422, 18000);

  g_assert_nonnull (find_validation (error, "dateFrom"));
  g_assert_nonnull (find_validation (error, "dateTo"));
  g_assert_nonnull (find_validation (assert_api_error (no_to, 422, 18000), "dateTo"));
  g_assert_nonnull (find_validation (assert_api_error (bad, 422, 18000), "dateTo"));
}

static void
test_timesheet_entries (Fixture       *f,
                        gconstpointer  data)
{
  gint64 employee = post_employee (f, "{\"firstName\":\"Marte\",\"lastName\":\"Lunde\"}");
  gint64 vacation = activity_id (f, "FERIE");
  gint64 sick = activity_id (f, "EGENMELD");
  gint64 first = post_entry (f, employee, vacation, "2026-07-06", 7.5, 201);
  gint64 second = post_entry (f, employee, vacation, "2026-07-07", 7.5, 201);
  g_autofree char *target = g_strdup_printf ("/v2/timesheet/entry?dateFrom=2026-07-06&dateTo=2026-07-07&employeeId=%"
                                             G_GINT64_FORMAT, employee);
  g_autofree char *week = g_strdup_printf ("/v2/timesheet/entry?dateFrom=2026-07-01&dateTo=2026-08-01"
                                           "&activityId=%" G_GINT64_FORMAT, vacation);
  g_autofree char *one = g_strdup_printf ("/v2/timesheet/entry/%" G_GINT64_FORMAT, second);
  g_autofree char *delete_stale = g_strdup_printf ("/v2/timesheet/entry/%" G_GINT64_FORMAT "?version=7", second);
  g_autofree char *delete_ok = g_strdup_printf ("/v2/timesheet/entry/%" G_GINT64_FORMAT "?version=2", second);
  g_autoptr(Reply) day = send (f, "GET", target, NULL);
  g_autoptr(Reply) month = send (f, "GET", week, NULL);
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) stale = NULL;
  g_autoptr(Reply) deleted = NULL;
  g_autoptr(Reply) gone = NULL;
  g_autoptr(Reply) missing = NULL;
  g_autoptr(Reply) bad_hours = NULL;
  g_autofree char *bad_body = NULL;
  JsonObject *entry;

  g_assert_cmpint (first, !=, second);
  /* dateTo excludes. */
  g_assert_cmpuint (json_array_get_length (values_of (day)), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (root_object (day), "sumAllHours"), ==, 7.5);
  g_assert_cmpuint (json_array_get_length (values_of (month)), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (root_object (month), "sumAllHours"), ==, 15);
  entry = json_array_get_object_element (values_of (day), 0);
  g_assert_false (json_object_get_boolean_member (entry, "locked"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (entry, "activity"), "id"), ==, vacation);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (entry, "project")));

  post_entry (f, employee, sick, "2026-07-06", 3, 201);

  put = send (f, "PUT", one, "{\"version\":1,\"hours\":3.75,\"comment\":\"Halv dag\"}");
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpfloat (json_object_get_double_member (value_of (put), "hours"), ==, 3.75);
  stale = send (f, "PUT", one, "{\"version\":1,\"hours\":1}");
  assert_api_error (stale, 409, 8000);

  bad_body = g_strdup_printf ("{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%" G_GINT64_FORMAT
                              "},\"date\":\"2026-07-08\",\"hours\":25}", employee, vacation);
  bad_hours = send (f, "POST", "/v2/timesheet/entry", bad_body);
  g_assert_nonnull (find_validation (assert_api_error (bad_hours, 422, 18000), "hours"));
  missing = send (f, "POST", "/v2/timesheet/entry", "{\"date\":\"2026-07-08\",\"hours\":1}");
  g_assert_nonnull (find_validation (assert_api_error (missing, 422, 18000), "employee"));
  g_assert_nonnull (find_validation (assert_api_error (missing, 422, 18000), "activity"));

  deleted = send (f, "DELETE", delete_stale, NULL);
  assert_api_error (deleted, 409, 8000);
  g_clear_pointer (&deleted, reply_free);
  deleted = send (f, "DELETE", delete_ok, NULL);
  g_assert_cmpuint (deleted->status, ==, 204);
  g_assert_cmpuint (g_bytes_get_size (deleted->body), ==, 0);
  gone = send (f, "GET", one, NULL);
  assert_api_error (gone, 404, 6000);
}

static void
test_timesheet_duplicate (Fixture       *f,
                          gconstpointer  data)
{
  gint64 employee = post_employee (f, "{\"firstName\":\"Eirik\",\"lastName\":\"Strand\"}");
  gint64 vacation = activity_id (f, "FERIE");
  g_autofree char *body = g_strdup_printf ("{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%"
                                           G_GINT64_FORMAT "},\"date\":\"2026-05-04\",\"hours\":7.5}",
                                           employee, vacation);
  g_autoptr(Reply) first = send (f, "POST", "/v2/timesheet/entry", body);
  g_autoptr(Reply) again = send (f, "POST", "/v2/timesheet/entry", body);

  g_assert_cmpuint (first->status, ==, 201);
  assert_api_error (again, 409, 14000);
}

static void
test_timesheet_list (Fixture       *f,
                     gconstpointer  data)
{
  gint64 a = post_employee (f, "{\"firstName\":\"Jonas\",\"lastName\":\"Amundsen\"}");
  gint64 b = post_employee (f, "{\"firstName\":\"Nils\",\"lastName\":\"Karlsen\"}");
  gint64 vacation = activity_id (f, "FERIE");
  g_autofree char *body = g_strdup_printf ("[{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%" G_GINT64_FORMAT
                                           "},\"date\":\"2026-08-03\",\"hours\":7.5},"
                                           "{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%" G_GINT64_FORMAT
                                           "},\"date\":\"2026-08-04\",\"hours\":7.5},"
                                           "{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%" G_GINT64_FORMAT
                                           "},\"date\":\"2026-08-03\",\"hours\":7.5}]",
                                           a, vacation, a, vacation, b, vacation);
  g_autofree char *twice = g_strdup_printf ("[{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%"
                                            G_GINT64_FORMAT "},\"date\":\"2026-09-01\",\"hours\":1},"
                                            "{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%"
                                            G_GINT64_FORMAT "},\"date\":\"2026-09-01\",\"hours\":2}]",
                                            a, vacation, a, vacation);
  g_autoptr(Reply) post = send (f, "POST", "/v2/timesheet/entry/list?fields=id,version,hours", body);
  g_autoptr(Reply) duplicate = send (f, "POST", "/v2/timesheet/entry/list", twice);
  g_autoptr(Reply) after = send (f, "GET", "/v2/timesheet/entry?dateFrom=2026-08-01&dateTo=2026-10-01", NULL);
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) no_id = NULL;
  g_autofree char *update = NULL;
  JsonArray *values;
  JsonObject *first;

  g_assert_cmpuint (post->status, ==, 201);
  values = values_of (post);
  g_assert_cmpuint (json_array_get_length (values), ==, 3);
  g_assert_cmpint (json_object_get_int_member (root_object (post), "count"), ==, 3);
  first = json_array_get_object_element (values, 0);

  /* All or nothing: the 409 stored neither entry. */
  assert_api_error (duplicate, 409, 14000);
  g_assert_cmpuint (json_array_get_length (values_of (after)), ==, 3);

  update = g_strdup_printf ("[{\"id\":%" G_GINT64_FORMAT ",\"version\":%" G_GINT64_FORMAT ",\"hours\":4}]",
                            json_object_get_int_member (first, "id"), json_object_get_int_member (first, "version"));
  put = send (f, "PUT", "/v2/timesheet/entry/list", update);
  g_assert_cmpuint (put->status, ==, 200);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (values_of (put), 0), "hours"), ==, 4);
  no_id = send (f, "PUT", "/v2/timesheet/entry/list", "[{\"hours\":4}]");
  g_assert_nonnull (find_validation (assert_api_error (no_id, 422, 18000), "id"));
}

static void
test_timesheet_locked (Fixture       *f,
                       gconstpointer  data)
{
  gint64 employee = post_employee (f, "{\"firstName\":\"Silje\",\"lastName\":\"Moe\"}");
  gint64 vacation = activity_id (f, "FERIE");
  gint64 first = post_entry (f, employee, vacation, "2026-06-01", 7.5, 201);
  gint64 second = post_entry (f, employee, vacation, "2026-06-02", 7.5, 201);
  g_autofree char *first_path = g_strdup_printf ("/v2/timesheet/entry/%" G_GINT64_FORMAT, first);
  g_autofree char *second_path = g_strdup_printf ("/v2/timesheet/entry/%" G_GINT64_FORMAT, second);
  g_autofree char *lock_body = g_strdup_printf ("{\"timesheetEntryIds\":[%" G_GINT64_FORMAT "]}", second);
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) del = NULL;
  g_autoptr(Reply) lock = NULL;
  g_autoptr(Reply) put2 = NULL;
  g_autoptr(Reply) get = NULL;
  g_autoptr(Reply) lock_missing = NULL;
  JsonObject *error_body;

  pb_sandbox_set_locked (f->sandbox, "timesheetEntry", first, TRUE, &error);
  g_assert_no_error (error);
  put = send (f, "PUT", first_path, "{\"hours\":1}");
  error_body = assert_api_error (put, 409, 10000);
  g_assert_nonnull (strstr (json_object_get_string_member (error_body, "developerMessage"), "locked"));
  del = send (f, "DELETE", first_path, NULL);
  assert_api_error (del, 409, 10000);

  lock = send_full (f, "POST", "/_sandbox/lock", lock_body, NULL);
  g_assert_cmpuint (lock->status, ==, 200);
  put2 = send (f, "PUT", second_path, "{\"hours\":1}");
  assert_api_error (put2, 409, 10000);
  get = send (f, "GET", second_path, NULL);
  g_assert_true (json_object_get_boolean_member (value_of (get), "locked"));

  lock_missing = send_full (f, "POST", "/_sandbox/lock", "{\"timesheetEntryIds\":[1]}", NULL);
  g_assert_cmpuint (lock_missing->status, ==, 404);
  pb_sandbox_set_locked (f->sandbox, "employee", employee, TRUE, &error);
  g_assert_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_NOT_FOUND);
}

static void
test_timesheet_lock_rate (Fixture       *f,
                          gconstpointer  data)
{
  PbSandboxFaults faults = { .lock_rate = 1.0 };
  g_autoptr(GError) error = NULL;
  gint64 employee = post_employee (f, "{\"firstName\":\"Thea\",\"lastName\":\"Jacobsen\"}");
  gint64 vacation = activity_id (f, "FERIE");
  g_autoptr(Reply) post = NULL;
  g_autofree char *body = g_strdup_printf ("{\"employee\":{\"id\":%" G_GINT64_FORMAT "},\"activity\":{\"id\":%"
                                           G_GINT64_FORMAT "},\"date\":\"2026-06-01\",\"hours\":7.5}",
                                           employee, vacation);

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  post = send (f, "POST", "/v2/timesheet/entry", body);
  g_assert_cmpuint (post->status, ==, 201);
  g_assert_true (json_object_get_boolean_member (value_of (post), "locked"));
}

/* --- errors --------------------------------------------------------------- */

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(Reply) unknown = send (f, "GET", "/v2/nothing/here", NULL);
  g_autoptr(Reply) not_digits = send (f, "GET", "/v2/employee/abc", NULL);
  g_autoptr(Reply) method = send (f, "DELETE", "/v2/employee/1", NULL);
  g_autoptr(Reply) patch = send (f, "PATCH", "/v2/employee", "{}");
  g_autoptr(Reply) outside = send_full (f, "GET", "/api/employee", NULL, NULL);
  g_autoptr(Reply) ok = send (f, "GET", "/v2/employee?count=1", NULL);

  assert_api_error (unknown, 404, 6000);
  assert_api_error (not_digits, 404, 6000);
  assert_api_error (method, 405, 0);
  g_assert_nonnull (header (method, "Allow"));
  assert_api_error (patch, 405, 0);
  g_assert_cmpuint (outside->status, ==, 404);

  g_assert_cmpuint (ok->status, ==, 200);
  g_assert_true (g_uuid_string_is_valid (header (ok, "x-tlx-request-id")));
  g_assert_cmpstr (header (ok, "Content-Type"), ==, "application/json; charset=utf-8");
  g_assert_cmpstr (header (ok, "x-tlx-request-id"), !=, header (unknown, "x-tlx-request-id"));
  /* No rate limit configured: no rate-limit headers. */
  g_assert_null (header (ok, "X-Rate-Limit-Limit"));
}

/* --- faults --------------------------------------------------------------- */

static void
set_faults (Fixture               *f,
            const PbSandboxFaults *faults)
{
  g_autoptr(GError) error = NULL;

  pb_sandbox_set_faults (f->sandbox, faults, &error);
  g_assert_no_error (error);
}

static void
test_fault_rate_limit (Fixture       *f,
                       gconstpointer  data)
{
  PbSandboxFaults faults = { .rate_limit_count = 3, .rate_limit_seconds = 30 };
  g_autofree char *expiration = tomorrow ();
  g_autofree char *other_token = NULL;
  g_autofree char *other = NULL;

  set_faults (f, &faults);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Reply) reply = send (f, "GET", "/v2/employee?count=1", NULL);
      g_autofree char *remaining = g_strdup_printf ("%u", 2 - i);
      guint64 reset = 0;

      g_assert_cmpuint (reply->status, ==, 200);
      g_assert_cmpstr (header (reply, "X-Rate-Limit-Limit"), ==, "3");
      g_assert_cmpstr (header (reply, "X-Rate-Limit-Remaining"), ==, remaining);
      g_assert_true (g_ascii_string_to_unsigned (header (reply, "X-Rate-Limit-Reset"), 10, 1, 30, &reset, NULL));
    }

  {
    g_autoptr(Reply) limited = send (f, "GET", "/v2/employee?count=1", NULL);
    guint64 retry = 0;

    assert_api_error (limited, 429, 0);
    g_assert_true (g_ascii_string_to_unsigned (header (limited, "Retry-After"), 10, 1, 30, &retry, NULL));
    g_assert_cmpstr (header (limited, "X-Rate-Limit-Limit"), ==, "3");
    g_assert_cmpstr (header (limited, "X-Rate-Limit-Remaining"), ==, "0");
    g_assert_null (header (limited, "X-Rate-Limit-Reset"));
  }

  /* Per token: another session has its own quota; the control endpoints
   * have none. */
  other_token = create_session (f, "sandbox-consumer", "sandbox-employee", expiration, NULL);
  g_assert_nonnull (other_token);
  other = basic_header ("0", other_token);
  {
    g_autoptr(Reply) reply = send_full (f, "GET", "/v2/employee?count=1", NULL, other);
    g_autoptr(Reply) state = send_full (f, "GET", "/_sandbox/state", NULL, NULL);

    g_assert_cmpuint (reply->status, ==, 200);
    g_assert_cmpuint (state->status, ==, 200);
    g_assert_null (header (state, "X-Rate-Limit-Limit"));
  }
}

static void
test_fault_malformed (Fixture       *f,
                      gconstpointer  data)
{
  PbSandboxFaults faults = { .malformed_rate = 1.0 };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) state = NULL;

  set_faults (f, &faults);
  reply = send (f, "GET", "/v2/employee", NULL);
  g_assert_no_error (reply->error);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (reply->body), >, 0);
  g_assert_null (reply->json);

  state = send_full (f, "GET", "/_sandbox/state", NULL, NULL);
  g_assert_nonnull (state->json);
}

static void
test_fault_drop (Fixture       *f,
                 gconstpointer  data)
{
  PbSandboxFaults faults = { .drop_rate = 1.0 };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) search = NULL;

  set_faults (f, &faults);
  reply = send (f, "POST", "/v2/employee", "{\"firstName\":\"Lost\",\"lastName\":\"Answer\"}");
  g_assert_nonnull (reply->error);
  g_test_message ("dropped: %s", reply->error->message);

  /* The work was done; only the answer was lost. */
  faults.drop_rate = 0;
  set_faults (f, &faults);
  search = send (f, "GET", "/v2/employee?lastName=Answer", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (search)), >=, 1);
}

/* Issue 9: the drop before read closes the connection once the headers are
 * in, before the body is read: nothing is done (unlike the drop above), the
 * request is counted, and the control endpoints are never dropped. */
static void
test_fault_drop_before_read (Fixture       *f,
                             gconstpointer  data)
{
  PbSandboxFaults faults = { .drop_before_read_rate = 1.0 };
  gint64 id = post_employee (f, "{\"firstName\":\"Kept\",\"lastName\":\"Asis\"}");
  g_autofree char *target = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT, id);
  g_autoptr(Reply) post = NULL;
  g_autoptr(Reply) put = NULL;
  g_autoptr(Reply) state = NULL;
  g_autoptr(Reply) requests = NULL;
  g_autoptr(Reply) search = NULL;
  g_autoptr(Reply) employee = NULL;
  JsonObject *value;

  set_faults (f, &faults);
  post = send (f, "POST", "/v2/employee", "{\"firstName\":\"Never\",\"lastName\":\"Read\"}");
  g_assert_nonnull (post->error);
  g_test_message ("POST dropped before read: %s", post->error->message);
  g_assert_cmpuint (pb_sandbox_get_dropped_before_read_count (f->sandbox), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/v2/employee"), ==, 2);

  /* A PUT on a kept-alive connection: libsoup sends it again by itself on
   * a new one, which is dropped too. */
  put = send (f, "PUT", target, "{\"lastName\":\"Changed\"}");
  g_assert_nonnull (put->error);
  g_assert_cmpuint (pb_sandbox_get_dropped_before_read_count (f->sandbox), >=, 2);

  state = send_full (f, "GET", "/_sandbox/state", NULL, NULL);
  g_assert_cmpuint (state->status, ==, 200);
  requests = send_full (f, "GET", "/_sandbox/requests", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (root_object (requests), "droppedBeforeRead"), ==,
                   pb_sandbox_get_dropped_before_read_count (f->sandbox));

  /* Nothing was done. */
  faults.drop_before_read_rate = 0;
  set_faults (f, &faults);
  search = send (f, "GET", "/v2/employee?lastName=Read", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (search)), ==, 0);
  employee = send (f, "GET", target, NULL);
  value = json_object_get_object_member (root_object (employee), "value");
  g_assert_cmpstr (json_object_get_string_member (value, "lastName"), ==, "Asis");
  g_assert_cmpint (json_object_get_int_member (value, "version"), ==, 1);
}

/* The knob over the control endpoint, and a share of it: the requests that
 * get through are done once each. */
static void
test_fault_drop_before_read_rate (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(Reply) set = NULL;
  g_autoptr(Reply) got = NULL;
  g_autoptr(Reply) bad = NULL;
  g_autoptr(Reply) search = NULL;
  PbSandboxFaults now;
  guint answered = 0;

  set = send_full (f, "POST", "/_sandbox/faults", "{\"drop_before_read_rate\":0.5,\"seed\":7}", NULL);
  g_assert_cmpuint (set->status, ==, 200);
  got = send_full (f, "GET", "/_sandbox/faults", NULL, NULL);
  g_assert_cmpfloat (json_object_get_double_member (root_object (got), "drop_before_read_rate"), ==, 0.5);
  g_assert_cmpfloat (json_object_get_double_member (root_object (got), "drop_rate"), ==, 0);
  pb_sandbox_get_faults (f->sandbox, &now);
  g_assert_cmpfloat (now.drop_before_read_rate, ==, 0.5);
  bad = send_full (f, "POST", "/_sandbox/faults", "{\"drop-before-read-rate\":1.5}", NULL);
  g_assert_cmpuint (bad->status, ==, 400);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"firstName\":\"Try\",\"lastName\":\"Number%u\"}", i);
      g_autoptr(Reply) reply = send (f, "POST", "/v2/employee", body);

      if (reply->error == NULL)
        {
          g_assert_cmpuint (reply->status, ==, 201);
          answered++;
        }
    }
  g_test_message ("%u of 20 POSTs answered, %u dropped before read", answered,
                  pb_sandbox_get_dropped_before_read_count (f->sandbox));
  g_assert_cmpuint (answered, >, 0);
  g_assert_cmpuint (answered, <, 20);
  g_assert_cmpuint (pb_sandbox_get_dropped_before_read_count (f->sandbox), ==, 20 - answered);

  pb_sandbox_get_faults (f->sandbox, &now);
  now.drop_before_read_rate = 0;
  set_faults (f, &now);
  search = send (f, "GET", "/v2/employee?firstName=Try", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (search)), ==, answered);
}

/* Test only: an answer that leaves one record's id out. */
static void
test_fault_omit_id (Fixture       *f,
                    gconstpointer  data)
{
  gint64 id = post_employee (f, "{\"firstName\":\"No\",\"lastName\":\"Id\",\"email\":\"noid@acme.no\"}");
  g_autofree char *body = g_strdup_printf ("{\"omit_id\":%" G_GINT64_FORMAT "}", id);
  g_autofree char *target = g_strdup_printf ("/v2/employee/%" G_GINT64_FORMAT, id);
  g_autoptr(Reply) set = send_full (f, "POST", "/_sandbox/faults", body, NULL);
  g_autoptr(Reply) list = NULL;
  g_autoptr(Reply) one = NULL;
  JsonArray *values;
  guint without = 0;

  g_assert_cmpuint (set->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (root_object (set), "omit_id"), ==, id);
  list = send (f, "GET", "/v2/employee?fields=id,email", NULL);
  values = values_of (list);
  g_assert_cmpuint (json_array_get_length (values), ==, 2);
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonObject *employee = json_array_get_object_element (values, i);

      if (!json_object_has_member (employee, "id"))
        {
          without++;
          g_assert_cmpstr (json_object_get_string_member (employee, "email"), ==, "noid@acme.no");
        }
    }
  g_assert_cmpuint (without, ==, 1);
  one = send (f, "GET", target, NULL);
  g_assert_cmpuint (one->status, ==, 200);
  g_assert_false (json_object_has_member (json_object_get_object_member (root_object (one), "value"), "id"));
}

static void
test_fault_fail (Fixture       *f,
                 gconstpointer  data)
{
  PbSandboxFaults faults = { .fail_rate = 1.0 };
  gboolean seen[2] = { FALSE, FALSE };
  g_autoptr(Reply) search = NULL;

  set_faults (f, &faults);
  for (guint i = 0; i < 40 && !(seen[0] && seen[1]); i++)
    {
      g_autoptr(Reply) reply = send (f, "POST", "/v2/employee", "{\"firstName\":\"Never\",\"lastName\":\"Stored\"}");
      JsonObject *error;

      g_assert_no_error (reply->error);
      g_assert_true (reply->status == 500 || reply->status == 503);
      error = assert_api_error (reply, reply->status, 1000);
      g_assert_nonnull (error);
      seen[reply->status == 503] = TRUE;
    }
  g_assert_true (seen[0] && seen[1]);

  faults.fail_rate = 0;
  set_faults (f, &faults);
  search = send (f, "GET", "/v2/employee?lastName=Stored", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (search)), ==, 0);
}

/* The throttle fault: 429 with Retry-After (its seconds as set, 1 by
 * default) and nothing done, drawn from its own stream: turning it on does
 * not move the pattern of the 5xx faults (README: Faults). */
static void
test_fault_throttle (Fixture       *f,
                     gconstpointer  data)
{
  PbSandboxFaults faults = { .throttle_rate = 1.0, .throttle_seconds = 3 };
  PbSandboxFaults mixed = { .fail_rate = 0.5, .seed = 7 };
  GString *runs[2] = { g_string_new (NULL), g_string_new (NULL) };
  g_autoptr(Reply) search = NULL;
  g_autoptr(Reply) limited = NULL;
  guint throttled = 0;

  set_faults (f, &faults);
  limited = send (f, "POST", "/v2/employee", "{\"firstName\":\"Never\",\"lastName\":\"Throttled\"}");
  g_assert_cmpuint (limited->status, ==, 429);
  g_assert_cmpstr (header (limited, "Retry-After"), ==, "3");
  g_assert_nonnull (assert_api_error (limited, 429, 0));
  faults.throttle_rate = 0;
  set_faults (f, &faults);
  search = send (f, "GET", "/v2/employee?lastName=Throttled", NULL);
  g_assert_cmpuint (json_array_get_length (values_of (search)), ==, 0);

  for (guint run = 0; run < 2; run++)
    {
      mixed.throttle_rate = run == 0 ? 0 : 0.3;
      set_faults (f, &mixed);
      for (guint i = 0; i < 30; i++)
        {
          g_autoptr(Reply) reply = send (f, "GET", "/v2/country?count=1", NULL);

          if (reply->status == 429)
            {
              g_assert_cmpstr (header (reply, "Retry-After"), ==, "1");
              throttled++;
            }
          /* A throttled request still draws its fail number: compare
           * the 5xx pattern of the requests that got past it. */
          g_string_append_printf (runs[run], "%s ", reply->status == 429 ? "-"
                                  : reply->status >= 500 ? "5" : "2");
        }
    }
  g_test_message ("without: %s\nwith:    %s", runs[0]->str, runs[1]->str);
  g_assert_cmpuint (throttled, >, 0);
  for (gsize i = 0; i < runs[0]->len; i += 2)
    if (runs[1]->str[i] != '-')
      g_assert_cmpint (runs[1]->str[i], ==, runs[0]->str[i]);
  g_string_free (runs[0], TRUE);
  g_string_free (runs[1], TRUE);
}

static void
test_fault_latency (Fixture       *f,
                    gconstpointer  data)
{
  PbSandboxFaults faults = { .latency_ms = 250 };
  g_autoptr(Reply) reply = NULL;
  g_autoptr(Reply) state = NULL;
  gint64 start;

  set_faults (f, &faults);
  start = g_get_monotonic_time ();
  reply = send (f, "GET", "/v2/employee?count=1", NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 240 * 1000);

  start = g_get_monotonic_time ();
  state = send_full (f, "GET", "/_sandbox/state", NULL, NULL);
  g_assert_cmpuint (state->status, ==, 200);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 240 * 1000);
}

/* The same seed gives the same faults. */
static void
test_fault_repeatable (Fixture       *f,
                       gconstpointer  data)
{
  PbSandboxFaults faults = { .fail_rate = 0.5, .seed = 42 };
  GString *runs[2] = { g_string_new (NULL), g_string_new (NULL) };

  for (guint run = 0; run < 2; run++)
    {
      set_faults (f, &faults);
      for (guint i = 0; i < 20; i++)
        {
          g_autoptr(Reply) reply = send (f, "GET", "/v2/country?count=1", NULL);

          g_string_append_printf (runs[run], "%u ", reply->status);
        }
    }
  g_test_message ("statuses: %s", runs[0]->str);
  g_assert_cmpstr (runs[0]->str, ==, runs[1]->str);
  g_assert_nonnull (strstr (runs[0]->str, "200"));
  g_assert_true (strstr (runs[0]->str, "500") != NULL || strstr (runs[0]->str, "503") != NULL);
  g_string_free (runs[0], TRUE);
  g_string_free (runs[1], TRUE);
}

/* --- control endpoints ---------------------------------------------------- */

static void
test_control (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(Reply) state = NULL;
  g_autoptr(Reply) reset = NULL;
  g_autoptr(Reply) after = NULL;
  g_autoptr(Reply) faults = NULL;
  g_autoptr(Reply) bad_faults = NULL;
  g_autoptr(Reply) limited = NULL;
  g_autoptr(Reply) requests = NULL;
  g_autoptr(JsonNode) direct = NULL;
  PbSandboxFaults now;
  JsonObject *object;
  const char *members[] = { "company", "employees", "departments", "employments", "employmentDetails",
                            "activities", "timesheetEntries", "countries", "currencies", "sessions" };

  post_employee (f, "{\"firstName\":\"Temp\",\"lastName\":\"Person\"}");
  state = send_full (f, "GET", "/_sandbox/state", NULL, NULL);
  object = root_object (state);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_true (json_object_has_member (object, members[i]));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "employees")), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object, "sessions"), ==, 1);
  /* Never a token. */
  g_assert_null (strstr (g_bytes_get_data (state->body, NULL), f->token));

  direct = pb_sandbox_dup_state (f->sandbox);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (direct), "employees")),
                    ==, 2);

  reset = send_full (f, "POST", "/_sandbox/reset", NULL, NULL);
  g_assert_cmpuint (reset->status, ==, 200);
  after = send (f, "GET", "/v2/employee", NULL);
  /* The session survives a reset; the records do not. */
  g_assert_cmpuint (after->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (values_of (after)), ==, 1);

  faults = send_full (f, "POST", "/_sandbox/faults",
                      "{\"latency_ms\":0,\"rate_limit\":\"1/60\",\"fail_rate\":0,\"lock-rate\":0.25}", NULL);
  g_assert_cmpuint (faults->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (root_object (faults), "rate_limit"), ==, "1/60");
  pb_sandbox_get_faults (f->sandbox, &now);
  g_assert_cmpuint (now.rate_limit_count, ==, 1);
  g_assert_cmpuint (now.rate_limit_seconds, ==, 60);
  g_assert_cmpfloat (now.lock_rate, ==, 0.25);

  g_clear_pointer (&after, reply_free);
  after = send (f, "GET", "/v2/employee", NULL);
  g_assert_cmpuint (after->status, ==, 200);
  limited = send (f, "GET", "/v2/employee", NULL);
  g_assert_cmpuint (limited->status, ==, 429);

  bad_faults = send_full (f, "POST", "/_sandbox/faults", "{\"fail_rate\":2}", NULL);
  g_assert_cmpuint (bad_faults->status, ==, 400);
  g_clear_pointer (&bad_faults, reply_free);
  bad_faults = send_full (f, "POST", "/_sandbox/faults", "{\"explode\":true}", NULL);
  g_assert_cmpuint (bad_faults->status, ==, 400);

  requests = send_full (f, "GET", "/_sandbox/requests", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (root_object (requests), "sessionsCreated"), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "GET", "/v2/employee"), ==, 3);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, "POST", "/_sandbox/"), ==, 4);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, "/v2/token/session/:create"), ==, 1);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, NULL), >=, 10);
}

/* --- seeds ---------------------------------------------------------------- */

static void
test_seed_demo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("tripletex", &error);
  g_autofree char *path = pb_test_source_path ("tests/sandbox/seed-tripletex-demo.json");
  g_autoptr(JsonNode) state = NULL;
  JsonObject *object;

  g_assert_no_error (error);
  pb_sandbox_load_seed_file (sandbox, path, &error);
  g_assert_no_error (error);
  state = pb_sandbox_dup_state (sandbox);
  object = json_node_get_object (state);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "employees")), >=, 6);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "employments")), >=, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "timesheetEntries")), >=, 1);
}

static void
test_seed_invalid (void)
{
  const char *bad[] = {
    "[]",
    "{\"employes\":[]}",
    "{\"employees\":[{\"firstName\":\"No last name\"}]}",
    "{\"employees\":[{\"firstName\":\"A\",\"lastName\":\"B\",\"email\":\"x@example.com\"},"
    "{\"firstName\":\"C\",\"lastName\":\"D\",\"email\":\"x@example.com\"}]}",
    "{\"employments\":[{\"employee\":{\"email\":\"nobody@example.com\"},\"startDate\":\"2020-01-01\"}]}",
    "{\"activities\":[{\"name\":\"X\",\"activityType\":\"NONE\"}]}",
    "not json",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("tripletex", &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) load_error = NULL;
      g_autoptr(JsonNode) state = NULL;

      g_assert_false (pb_sandbox_load_seed_data (sandbox, bad[i], -1, &load_error));
      g_assert_error (load_error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_INVALID_SEED);
      g_test_message ("%s", load_error->message);
      /* Nothing changed. */
      state = pb_sandbox_dup_state (sandbox);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (state), "activities")),
                        ==, 9);
    }
}

static void
test_seed_references (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("tripletex", &error);
  g_autoptr(JsonNode) state = NULL;
  JsonObject *object;
  JsonObject *entry;

  g_assert_no_error (error);
  pb_sandbox_load_seed_data (sandbox,
                             "{\"company\":{\"name\":\"Nordlys AS\",\"currency\":{\"code\":\"SEK\"}},"
                             "\"standardHoursPerDay\":8,"
                             "\"departments\":[{\"name\":\"Utvikling\"}],"
                             "\"employees\":[{\"firstName\":\"A\",\"lastName\":\"B\",\"email\":\"a@example.com\","
                             "\"department\":{\"name\":\"Utvikling\"}}],"
                             "\"employments\":[{\"employee\":{\"email\":\"a@example.com\"},\"startDate\":\"2020-01-01\","
                             "\"employmentDetails\":[{\"percentageOfFullTimeEquivalent\":50}]}],"
                             "\"timesheetEntries\":[{\"employee\":{\"email\":\"a@example.com\"},"
                             "\"activity\":{\"number\":\"FERIE\"},\"date\":\"2026-01-02\",\"hours\":8,\"locked\":true}]}",
                             -1, &error);
  g_assert_no_error (error);
  state = pb_sandbox_dup_state (sandbox);
  object = json_node_get_object (state);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "company"), "name"),
                   ==, "Nordlys AS");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
                     json_object_get_object_member (object, "company"), "currency"), "id"), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "employees")), ==, 2);
  entry = json_array_get_object_element (json_object_get_array_member (object, "timesheetEntries"), 0);
  g_assert_true (json_object_get_boolean_member (entry, "locked"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (object, "employmentDetails"), 0), "date"), ==, "2020-01-01");

  /* Reset comes back to this seed. */
  pb_sandbox_reset (sandbox);
  g_clear_pointer (&state, json_node_unref);
  state = pb_sandbox_dup_state (sandbox);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (state), "company"),
                                                  "name"), ==, "Nordlys AS");
}

static void
test_unknown_system (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = pb_sandbox_new ("paycheck-9000", &error);

  g_assert_null (sandbox);
  g_assert_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_UNKNOWN_SYSTEM);
  g_assert_true (g_strv_contains (pb_sandbox_list_systems (), "tripletex"));
}

/* --- the program ---------------------------------------------------------- */

static void
on_line_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  char **line = user_data;
  g_autoptr(GError) error = NULL;

  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  g_assert_no_error (error);
  if (*line == NULL)
    *line = g_strdup ("");
}

static void
on_waited_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static void
test_program (void)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  g_autofree char *seed = pb_test_source_path ("tests/sandbox/seed-tripletex-demo.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonNode) state = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  gboolean done = FALSE;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--system", "tripletex",
                              "--port", "0", "--seed", seed, "--rate-limit", "100/10", "--latency-ms", "1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_line_cb, &line);
  while (line == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("%s", line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:"));

  {
    g_autofree char *target = g_strconcat (line + strlen ("listening on "), "/_sandbox/state", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", target);
    Pending pending = { NULL, NULL, FALSE };
    g_autoptr(JsonParser) parser = json_parser_new ();
    gsize size = 0;
    const char *data;

    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &pending);
    while (!pending.done)
      g_main_context_iteration (NULL, TRUE);
    g_assert_no_error (pending.error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    data = g_bytes_get_data (pending.body, &size);
    g_assert_true (json_parser_load_from_data (parser, data, size, NULL));
    state = json_node_copy (json_parser_get_root (parser));
    g_bytes_unref (pending.body);
  }
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (state),
                                                                                 "company"), "name"),
                   ==, "Nordlys Data AS");

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, on_waited_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static void
test_program_usage (void)
{
  g_autofree char *program = pb_test_build_path ("tests/sandbox/payroll-sandbox");
  const char *cases[][3] = {
    { "--system", "paycheck-9000", NULL },
    { "--port", "0", NULL },
    { "--system", "tripletex", "--fail-rate=2" },
    { "--system", "tripletex", "--drop-before-read-rate=-0.1" },
    { "--system", "tripletex", "--rate-limit=ten" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) process = NULL;

      process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                                  program, cases[i][0], cases[i][1], cases[i][2], NULL);
      g_assert_no_error (error);
      g_subprocess_wait (process, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *many = many_employees_seed (2500);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  TEST ("session/create", test_session_create);
  TEST ("session/bad-tokens", test_session_bad_tokens);
  TEST ("session/expiration-date", test_session_expiration);
  TEST ("auth/required", test_auth_required);
  TEST ("auth/who-am-i", test_who_am_i);
  TEST ("company/get", test_company);
  TEST ("employee/create", test_employee_create);
  TEST ("employee/version-conflict", test_employee_version_conflict);
  TEST ("employee/R1-refused-update-changes-nothing", test_employee_refused_update_changes_nothing);
  TEST ("employee/validation", test_employee_validation);
  TEST ("employee/nested-employments", test_employee_nested);
  TEST ("employee/search", test_employee_search);
  TEST_SEEDED ("employee/paging", many, test_paging);
  TEST ("fields/filter-and-expand", test_fields);
  TEST ("code-lists", test_code_lists);
  TEST ("timesheet/requires-dates", test_timesheet_requires_dates);
  TEST ("timesheet/entries", test_timesheet_entries);
  TEST ("timesheet/duplicate", test_timesheet_duplicate);
  TEST ("timesheet/list", test_timesheet_list);
  TEST ("timesheet/locked", test_timesheet_locked);
  TEST ("timesheet/lock-rate", test_timesheet_lock_rate);
  TEST ("errors/not-found-and-method", test_errors);
  TEST ("faults/rate-limit", test_fault_rate_limit);
  TEST ("faults/malformed", test_fault_malformed);
  TEST ("faults/drop", test_fault_drop);
  TEST ("faults/drop-before-read", test_fault_drop_before_read);
  TEST ("faults/drop-before-read-rate", test_fault_drop_before_read_rate);
  TEST ("faults/omit-id", test_fault_omit_id);
  TEST ("faults/fail", test_fault_fail);
  TEST ("faults/throttle", test_fault_throttle);
  TEST ("faults/latency", test_fault_latency);
  TEST ("faults/repeatable", test_fault_repeatable);
  TEST ("control/state-reset-faults", test_control);
  g_test_add_func ("/sandbox/tripletex/seed/demo-file", test_seed_demo);
  g_test_add_func ("/sandbox/tripletex/seed/invalid", test_seed_invalid);
  g_test_add_func ("/sandbox/tripletex/seed/references", test_seed_references);
  g_test_add_func ("/sandbox/unknown-system", test_unknown_system);
  g_test_add_func ("/sandbox/program/listens-and-stops", test_program);
  g_test_add_func ("/sandbox/program/usage-errors", test_program_usage);

  return g_test_run ();
}
