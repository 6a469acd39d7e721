/* test-connector-suite.c: the behaviour every connector must show, written
 * once and run against each connector's payroll sandbox (issue 13, item 5)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

#include "pb-connections.h"
#include "pb-mapping.h"
#include "pb-oauth2.h"
#include "pb-providers.h"
#include "pb-sandbox.h"
#include "pb-test-utils.h"
#include "pb-user-sync.h"

/* Every case runs for every connector in `connectors[]` below, as
 * /connector/NAME/CASE, against the sandbox's emulation of that system, and
 * is judged by the sandbox's state (GET /_sandbox/state) as well as by what
 * the connector answers. A case the connector's capability flags say it
 * cannot do (its class's `data_types` and `ops`) is skipped with the
 * reason; nothing else is. The state is read without knowing its shapes:
 * a person is the element of the row's people section that holds their
 * email anywhere, and their records are that element, every record that
 * refers to one of their records by a member named like its section
 * ({"employee": {"id": 20002}} for one in "employees"), and what the
 * person refers to likewise (their address). A connector whose sandbox
 * keeps its records otherwise adds its own reading beside person_records().
 *
 * A connector absent from the build, or a system the sandbox does not
 * emulate yet, is a skip with the reason, and a failure in CI
 * (PB_REQUIRE_ALL), as in test-contract.c. OAuth2 connectors sign in at
 * the sandbox's OAuth2 server through the throw-away keyring of
 * build-aux/run-headless (no session bus: skip, or a failure in CI). */

/* --- the connectors -------------------------------------------------------- */

typedef struct
{
  const char         *name;          /* in the test paths: /connector/NAME/... */
  const char         *type_name;     /* the connector's GType: absent from this build → skip */
  const char         *system;        /* payroll-sandbox --system: not emulated → skip */
  /* API tokens: the credentials, kind and value pairs, NULL-terminated.
   * OAuth2 connectors sign in at the sandbox's OAuth2 server as
   * `sandbox-client`; a "tenant" pair here is the connection's tenant. */
  const char * const *credentials;
  const char * const *refused;       /* API tokens: credentials the sandbox refuses */
  const char         *base_path;     /* NULL: the sandbox's API URL; else this below its root */
  const char         *people;        /* the section of the state with the people */
  /* A seed with many people: `{people}` in @seed_people is replaced by
   * @seed_person repeated, `{n}` in it by a five-digit number. NULL: the
   * paging case skips. */
  const char         *seed_people;
  const char         *seed_person;
  /* An HR employee field (its import name) that payroll keeps unique and
   * refuses a second of, for the error mapping (SPEC C7). NULL: skip. */
  const char         *unique_field;
  /* OAuth2: the sandbox's endpoints, below its root; NULL: the OAuth2
   * server every sandbox serves, /oauth2/authorize and /oauth2/token. */
  const char         *auth_path;
  const char         *token_path;
  /* The payroll company and currency the credentials give; NULL: the
   * sandbox's "Sandbox AS" (a system whose API names no company says its
   * own) in NOK. */
  const char         *company;
  const char         *currency;
  /* Payroll keeps amounts as decimal text ("654321.00"): a number the
   * suite looks for matches such text by its value. */
  gboolean            decimal_text;
  /* Payroll's absence records have no text (Fortnox's absence
   * transactions): the absence case changes the percentage instead of the
   * note (A3 names both). */
  gboolean            absence_without_note;
  /* (nullable) The sandbox's state in the shape the suite reads (sections
   * at the top, "id", references as {"employee": {"id": N}}), for a
   * sandbox that keeps its records otherwise. Returns a new node. */
  JsonNode         *(*state_of) (JsonNode *state);
  /* Payroll keeps the name in one field ("Kari Nordmann", Unimicro): a
   * text the suite looks for also matches a whole word of a value. */
  gboolean            match_words;
} SuiteConnector;

static const char * const tripletex_credentials[] = {
  "consumer-token", "sandbox-consumer", "employee-token", "sandbox-employee", NULL
};
static const char * const tripletex_refused[] = {
  "consumer-token", "sandbox-consumer", "employee-token", "not-my-token", NULL
};

static const char * const visma_credentials[] = {
  "tenant", "sandbox-tenant", NULL
};

static const char * const unimicro_credentials[] = {
  "tenant", "5f1c2a9e-0000-4000-8000-000000000001", NULL   /* the CompanyKey chosen at set-up */
};

/* Unimicro's state: {"companies": [{"employees": [...], "employments":
 * [...]}]} with "ID" and links as "EmployeeID": N. The first company's
 * sections go to the top, "ID" becomes "id" and each "<Name>ID" link to a
 * record of a section of this state becomes {"<name>": {"id": N}}. */
static void
unimicro_rewrite (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
        unimicro_rewrite (json_array_get_element (json_node_get_array (node), i));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) names = json_object_get_members (object);

      for (GList *l = names; l != NULL; l = l->next)
        {
          const char *name = l->data;
          JsonNode *member = json_object_get_member (object, name);

          if (g_str_equal (name, "ID"))
            {
              json_object_set_member (object, "id", json_node_copy (member));
              json_object_remove_member (object, "ID");
            }
          else if (g_str_equal (name, "EmployeeID") || g_str_equal (name, "EmploymentID"))
            {
              g_autofree char *link = g_ascii_strdown (name, strlen (name) - 2);
              JsonObject *ref = json_object_new ();

              json_object_set_member (ref, "id", json_node_copy (member));
              json_object_set_object_member (object, link, ref);
              json_object_remove_member (object, name);
            }
          else
            unimicro_rewrite (member);
        }
    }
}

static JsonNode *
unimicro_state (JsonNode *state)
{
  JsonObject *root = json_node_get_object (state);
  JsonObject *company = json_array_get_object_element (json_object_get_array_member (root, "companies"), 0);
  g_autoptr(JsonObject) out = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (company);
  JsonNode *node;

  for (GList *l = names; l != NULL; l = l->next)
    if (JSON_NODE_HOLDS_ARRAY (json_object_get_member (company, l->data)))
      json_object_set_member (out, l->data, json_node_copy (json_object_get_member (company, l->data)));
  node = json_node_init_object (json_node_alloc (), out);
  /* json_node_copy() shares arrays: rewrite a text copy. */
  {
    g_autofree char *text = json_to_string (node, FALSE);
    json_node_unref (node);
    node = json_from_string (text, NULL);
  }
  unimicro_rewrite (node);
  return node;
}

static const SuiteConnector connectors[] = {
  { "tripletex", "PbTripletexProvider", "tripletex", tripletex_credentials, tripletex_refused, NULL, "employees",
    "{ \"employees\": [ {people} ] }",
    "{ \"firstName\": \"Person\", \"lastName\": \"P{n}\", \"email\": \"p{n}@suite.example\" }",
    "employee_number", NULL, NULL, NULL, NULL, FALSE, FALSE, NULL, FALSE },
  /* The test-only OAuth2 connector (PAYBRIDGE_TEST_PROVIDERS): it can only
   * verify credentials, so it runs the suite's OAuth2 path (sign-in, 401
   * then refresh, refused) and skips the rest by its flags. */
  { "sandbox-oauth2", "PbTestOAuth2Provider", "tripletex", NULL, NULL, "", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, FALSE, FALSE, NULL, FALSE },
  /* Visma.net Payroll (issue 13): OAuth2 at the sandbox's Visma Connect
   * with the connection's tenant (SPEC V1); its state keeps the positions,
   * and their salaryInformation, inside each employee. */
  { "visma", "PbVismaProvider", "visma", visma_credentials, NULL, NULL, "employees",
    "{ \"employees\": [ {people} ] }",
    "{ \"number\": \"S{n}\", \"personNames\": [ { \"firstName\": \"Person\", \"lastName\": \"P{n}\", "
    "\"activeStart\": \"2020-01-01\", \"activeEnd\": null } ], "
    "\"emails\": [ { \"type\": \"business\", \"address\": \"p{n}@suite.example\" } ] }",
    "employee_number", NULL, NULL, "Visma.net Payroll", NULL, TRUE, FALSE, NULL, FALSE },
  /* Fortnox (issue 15): OAuth2 at the sandbox's /oauth-v1/ (Basic client
   * authentication, PAYBRIDGE_OAUTH2_CLIENT_SECRET below), its people in
   * "employees", the EmployeeId as the unique employee number. */
  { "fortnox", "PbFortnoxProvider", "fortnox", NULL, NULL, NULL, "employees",
    "{ \"employees\": [ {people} ] }",
    "{ \"FirstName\": \"Person\", \"LastName\": \"P{n}\", \"Email\": \"p{n}@suite.example\" }",
    "employee_number", "/oauth-v1/auth", "/oauth-v1/token", "Sandbox AB", "SEK", FALSE, TRUE, NULL, FALSE },
  /* Unimicro (issue 15): OAuth2 at the sandbox's stand-in for
   * login.unimicro.no, the company chosen at set-up (the connection's
   * tenant_id) in a CompanyKey header; records per company, read through
   * unimicro_state(). */
  { "unimicro", "PbUnimicroProvider", "unimicro", unimicro_credentials, NULL, NULL, "employees",
    "{ \"employees\": [ {people} ] }",
    "{ \"BusinessRelationInfo\": { \"Name\": \"Person P{n}\", "
    "\"DefaultEmail\": { \"EmailAddress\": \"p{n}@suite.example\" } } }",
    "employee_number", NULL, NULL, "Nordlys Data AS", NULL, FALSE, FALSE, unimicro_state, TRUE },
};

/* --- the fixture ------------------------------------------------------------- */

typedef enum
{
  NEEDS_CONNECTOR,      /* a connector and its sandbox */
  NEEDS_STORE,          /* ...and an HR register with Kari and Per, and a connection */
  NEEDS_ACTIVE,         /* ...activated by a first user sync (SPEC U6) */
} Needs;

typedef struct _Fixture Fixture;

typedef struct
{
  const char  *path;
  Needs        needs;
  guint32      ops;      /* 1 << PbProviderOp: the operations it needs */
  PbDataTypes  types;    /* the record types it needs */
  gboolean     paging;   /* seed with more people than a page */
  void       (*func) (Fixture *f);
} SuiteCase;

typedef struct
{
  const SuiteConnector *connector;
  const SuiteCase      *test;
} SuiteTest;

struct _Fixture
{
  const SuiteConnector *connector;
  PbProviderClass      *klass;
  PbSandbox            *sandbox;
  char                 *base_url;
  PbProvider           *provider;
  PbOAuth2             *oauth2;
  gint64                oauth2_id;
  SoupSession          *browser;
  guint                 browsing;
  PbStore              *store;
  char                 *dir;
  PbConnection         *connection;
  gboolean              ready;     /* set up; FALSE: the case was skipped */
};

#define OP(op) (1u << (op))

static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
  "  { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
  "    \"phone\": \"+47 912 34 567\", \"employee_number\": \"1001\" },"
  "  { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\","
  "    \"employee_number\": \"1002\" }"
  "] }";

static gint64 next_oauth2_id;

static PbRecord *
make_employee (const char *given,
               const char *family,
               const char *email,
               const char *number)
{
  PbRecord *e = pb_record_new (PB_ENTITY_EMPLOYEE);

  pb_record_set (e, PB_EMPLOYEE_GIVEN_NAME, given);
  pb_record_set (e, PB_EMPLOYEE_FAMILY_NAME, family);
  pb_record_set (e, PB_EMPLOYEE_EMAIL, email);
  pb_record_set (e, PB_EMPLOYEE_PHONE, "+47 912 34 567");
  pb_record_set (e, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);
  pb_record_set (e, PB_EMPLOYEE_DATE_OF_BIRTH, "1985-05-15");
  pb_record_set (e, PB_EMPLOYEE_ADDRESS_LINE1, "Storgata 1");
  pb_record_set (e, PB_EMPLOYEE_POSTAL_CODE, "0155");
  pb_record_set (e, PB_EMPLOYEE_CITY, "Oslo");
  pb_record_set (e, PB_EMPLOYEE_COUNTRY, "NO");
  return e;
}

static char *
replace_all (const char *text,
             const char *what,
             const char *with)
{
  g_auto(GStrv) parts = g_strsplit (text, what, -1);

  return g_strjoinv (with, parts);
}

static char *
many_people_seed (const SuiteConnector *c,
                  guint                 n)
{
  g_autoptr(GString) people = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *number = g_strdup_printf ("%05u", i);
      g_autofree char *person = replace_all (c->seed_person, "{n}", number);

      g_string_append_printf (people, "%s%s", i > 0 ? "," : "", person);
    }
  return replace_all (c->seed_people, "{people}", people->str);
}

/* --- OAuth2: the suite plays the browser ------------------------------------ */

typedef struct
{
  Fixture  *f;
  gboolean  loopback;
} Visit;

static void visit (Fixture *f, const char *url, gboolean loopback);

static void
on_visit_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Visit *v = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  g_assert_no_error (error);
  if (!v->loopback)
    {
      /* The sandbox's authorization endpoint approves at once. */
      g_assert_cmpuint (soup_message_get_status (msg), ==, 302);
      visit (v->f, soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"), TRUE);
    }
  v->f->browsing--;
  g_free (v);
}

static void
visit (Fixture    *f,
       const char *url,
       gboolean    loopback)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Visit *v = g_new0 (Visit, 1);

  g_assert_nonnull (msg);
  v->f = f;
  v->loopback = loopback;
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  f->browsing++;
  soup_session_send_and_read_async (f->browser, msg, G_PRIORITY_DEFAULT, NULL, on_visit_cb, v);
}

static void
show_uri (const char *uri,
          gpointer    user_data)
{
  visit (user_data, uri, FALSE);
}

typedef struct
{
  gboolean done;
  GError  *error;
} Waited;

static void
on_authorized_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Waited *w = user_data;

  pb_oauth2_authorize_finish (PB_OAUTH2 (source), result, &w->error);
  w->done = TRUE;
}

static void
on_forgotten_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Waited *w = user_data;

  pb_oauth2_forget_finish (PB_OAUTH2 (source), result, &w->error);
  w->done = TRUE;
}

/* Signs in as the app does (pb_connections_make_oauth2()), at the sandbox;
 * the tokens go to the throw-away keyring under an id of this process. */
static PbProvider *
sign_in (Fixture *f)
{
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(GError) error = NULL;
  PbProvider *provider;
  Waited w = { 0 };

  connection->id = f->oauth2_id = next_oauth2_id++;
  connection->name = g_strdup ("Connector suite");
  connection->system = g_strdup (f->klass->id);
  connection->register_id = g_strdup ("connector-suite");
  connection->auth_url = g_strconcat (pb_sandbox_get_url (f->sandbox),
                                      f->connector->auth_path != NULL ? f->connector->auth_path : "/oauth2/authorize",
                                      NULL);
  connection->token_url = g_strconcat (pb_sandbox_get_url (f->sandbox),
                                       f->connector->token_path != NULL ? f->connector->token_path : "/oauth2/token",
                                       NULL);
  connection->client_id = g_strdup ("sandbox-client");
  for (guint i = 0; f->connector->credentials != NULL && f->connector->credentials[i] != NULL; i += 2)
    if (g_str_equal (f->connector->credentials[i], "tenant"))
      connection->tenant_id = g_strdup (f->connector->credentials[i + 1]);

  f->oauth2 = pb_connections_make_oauth2 (connection, &error);
  g_assert_no_error (error);
  pb_oauth2_set_open_browser (f->oauth2, FALSE);
  f->browser = soup_session_new ();
  pb_oauth2_authorize_async (f->oauth2, show_uri, f, NULL, on_authorized_cb, &w);
  while (!w.done || f->browsing > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);

  provider = pb_provider_new (f->klass->id, f->base_url, NULL, &error);
  g_assert_no_error (error);
  pb_oauth2_attach (f->oauth2, pb_provider_get_http (provider));
  /* As the engine does: the company chosen at set-up (Unimicro). */
  pb_provider_set_company (provider, connection->tenant_id);
  return provider;
}

static GHashTable *
secrets_of (const char * const *pairs)
{
  GHashTable *secrets = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; pairs != NULL && pairs[i] != NULL; i += 2)
    g_hash_table_insert (secrets, (char *) pairs[i], (char *) pairs[i + 1]);
  return secrets;
}

static PbProvider *
new_token_provider (Fixture            *f,
                    const char * const *pairs)
{
  g_autoptr(GHashTable) secrets = secrets_of (pairs);
  g_autoptr(GError) error = NULL;
  PbProvider *provider = pb_provider_new (f->klass->id, f->base_url, secrets, &error);

  g_assert_no_error (error);
  return provider;
}

static gboolean
is_oauth2 (Fixture *f)
{
  return f->klass->auth_kind == PB_AUTH_OAUTH2;
}

/* --- calls ----------------------------------------------------------------- */

static gpointer
call_ok (Fixture              *f,
         PbProviderOp          op,
         const PbProviderArgs *args)
{
  g_autoptr(GError) error = NULL;
  gpointer result = pb_test_call (f->provider, op, args, &error);

  g_assert_no_error (error);
  return result;
}

static void
free_result (PbProviderOp op,
             gpointer     result)
{
  if (result == NULL)
    return;
  if (op == PB_OP_VERIFY_CREDENTIALS)
    pb_remote_company_free (result);
  else if (op == PB_OP_LIST_EMPLOYEES)
    g_ptr_array_unref (result);
  else
    pb_remote_free (result);
}

/* A read every connector can do: listing people where it can, else
 * verifying the credentials. */
static PbProviderOp
a_read (Fixture *f)
{
  return pb_provider_class_supports (f->klass, PB_OP_LIST_EMPLOYEES) ? PB_OP_LIST_EMPLOYEES
                                                                      : PB_OP_VERIFY_CREDENTIALS;
}

static void
read_ok (Fixture *f)
{
  PbProviderOp op = a_read (f);

  free_result (op, call_ok (f, op, NULL));
}

static PbRemote *
create_ok (Fixture  *f,
           PbRecord *employee)
{
  PbProviderArgs args = { .record = employee };
  PbRemote *remote = call_ok (f, PB_OP_CREATE_EMPLOYEE, &args);

  g_assert_nonnull (remote);
  g_assert_nonnull (remote->id);
  return remote;
}

/* A push; what payroll refused is in the test's log. */
static PbPushResult
push (Fixture *f)
{
  PbPushResult r = pb_test_push (f->store, f->connection, f->provider);
  g_autoptr(GPtrArray) errors = pb_store_list_errors (f->store, f->connection->id, NULL);

  g_test_message ("pushed: %u sent, %u for attention, %u waiting, %u rejected", r.sent, r.attention, r.waiting,
                  r.rejected);
  for (guint i = 0; errors != NULL && i < errors->len; i++)
    {
      PbErrorEntry *e = g_ptr_array_index (errors, i);

      g_test_message ("error log: %s: %s: %s", e->who, e->what, e->system_message);
    }
  return r;
}

static void
import (Fixture    *f,
        const char *json)
{
  pb_test_import (f->store, json);
}

/* --- reading the state without knowing its shapes ---------------------------- */

static JsonNode *
dup_state (Fixture *f)
{
  JsonNode *state = pb_sandbox_dup_state (f->sandbox);

  if (f->connector->state_of != NULL)
    {
      JsonNode *shaped = f->connector->state_of (state);

      json_node_unref (state);
      return shaped;
    }
  return state;
}

/* Whether @a and @b are both whole numbers in text and equal by value. */
static gboolean
same_number (const char *a,
             const char *b)
{
  char *end_a, *end_b;
  double x = g_ascii_strtod (a, &end_a);
  double y = g_ascii_strtod (b, &end_b);

  return end_a != a && *end_a == '\0' && end_b != b && *end_b == '\0' && x == y;
}

/* Whether @node holds @text anywhere; @by_value: a number in text matches
 * by its value (the row's decimal_text); @words: a word of a value matches
 * (the row's match_words). */
/* Whether @text is a whole word (between spaces) of @value. */
static gboolean
has_word (const char *value,
          const char *text)
{
  g_auto(GStrv) words = g_strsplit (value, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], text) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
node_has (JsonNode   *node,
          const char *text,
          gboolean    by_value,
          gboolean    words)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        g_autoptr(GList) members = json_object_get_values (json_node_get_object (node));

        for (GList *l = members; l != NULL; l = l->next)
          if (node_has (l->data, text, by_value, words))
            return TRUE;
        return FALSE;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (node_has (json_array_get_element (array, i), text, by_value, words))
            return TRUE;
        return FALSE;
      }

    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);
        g_autofree char *value = NULL;

        if (type == G_TYPE_STRING)
          return g_ascii_strcasecmp (json_node_get_string (node), text) == 0 ||
                 (by_value && same_number (json_node_get_string (node), text)) ||
                 (words && has_word (json_node_get_string (node), text));
        if (type == G_TYPE_INT64)
          value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
        else if (type == G_TYPE_DOUBLE)
          value = g_strdup_printf ("%.15g", json_node_get_double (node));
        return value != NULL && g_str_equal (value, text);
      }

    case JSON_NODE_NULL:
    default:
      return FALSE;
    }
}

static JsonArray *
state_people (Fixture  *f,
              JsonNode *state)
{
  JsonArray *people = json_object_get_array_member (json_node_get_object (state), f->connector->people);

  g_assert_nonnull (people);
  return people;
}

/* The people in payroll whose record holds @email: how many. */
static guint
count_people (Fixture    *f,
              JsonNode   *state,
              const char *email)
{
  JsonArray *people = state_people (f, state);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (people); i++)
    n += node_has (json_array_get_element (people, i), email, FALSE, FALSE);
  return n;
}

static char *
id_text (JsonNode *id)
{
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id))
    return NULL;
  if (json_node_get_value_type (id) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (id));
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (id));
}

static char *
own_id (JsonNode *record)
{
  return JSON_NODE_HOLDS_OBJECT (record) ? id_text (json_object_get_member (json_node_get_object (record), "id"))
                                         : NULL;
}

/* The references below @node: each a member whose value is an object
 * with an "id", as "member id" ({"employee": {"id": 20002}}: "employee
 * 20002"). */
static void
collect_refs (JsonNode  *node,
              GPtrArray *refs)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_refs (json_array_get_element (array, i), refs);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) names = json_object_get_members (object);

      for (GList *l = names; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (object, l->data);
          g_autofree char *id = JSON_NODE_HOLDS_OBJECT (member) ? own_id (member) : NULL;

          if (id != NULL)
            g_ptr_array_add (refs, g_strdup_printf ("%s %s", (const char *) l->data, id));
          collect_refs (member, refs);
        }
    }
}

/* A record of the state: its node, the section it is in, its id. */
typedef struct
{
  JsonNode   *node;
  const char *section;
  char       *id;
} StateRecord;

static void
state_record_free (StateRecord *r)
{
  g_free (r->id);
  g_free (r);
}

static gboolean
holds_node (GPtrArray *records,
            JsonNode  *node)
{
  for (guint i = 0; i < records->len; i++)
    if (((StateRecord *) g_ptr_array_index (records, i))->node == node)
      return TRUE;
  return FALSE;
}

/* Whether @ref ("member id") names @r: the id is its id and the member is
 * named like its section ("employee" for "employees"). */
static gboolean
ref_names (const char  *ref,
           StateRecord *r)
{
  const char *space = strchr (ref, ' ');

  return r->id != NULL && g_str_equal (space + 1, r->id)
         && strncmp (r->section, ref, space - ref) == 0;
}

/* The person with @email in payroll's state; every record that refers to
 * them or to one of their records (an employment, then its salary
 * details); and the records the person refers to (their address). NULL
 * when there is no such person. The reference of a record to another is
 * a member named like the other's section, holding {"id": its id}. */
static GPtrArray *
person_records (Fixture    *f,
                JsonNode   *state,
                const char *email)
{
  JsonArray *people = state_people (f, state);
  JsonObject *root = json_node_get_object (state);
  g_autoptr(GList) sections = json_object_get_members (root);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) state_record_free);
  g_autoptr(GPtrArray) person_refs = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *nodes;
  StateRecord *person = NULL;
  gboolean grew = TRUE;
  guint n_owned;

  for (guint i = 0; i < json_array_get_length (people) && person == NULL; i++)
    if (node_has (json_array_get_element (people, i), email, FALSE, FALSE))
      {
        person = g_new0 (StateRecord, 1);
        person->node = json_array_get_element (people, i);
        person->section = f->connector->people;
        person->id = own_id (person->node);
        g_ptr_array_add (records, person);
      }
  if (person == NULL)
    return NULL;
  g_assert_cmpuint (count_people (f, state, email), ==, 1);

  /* What refers to the person's records, to the end. */
  while (grew)
    {
      grew = FALSE;
      for (GList *l = sections; l != NULL; l = l->next)
        {
          JsonNode *section = json_object_get_member (root, l->data);

          for (guint i = 0; JSON_NODE_HOLDS_ARRAY (section) && i < json_array_get_length (json_node_get_array (section)); i++)
            {
              JsonNode *node = json_array_get_element (json_node_get_array (section), i);
              g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
              gboolean refers = FALSE;

              if (holds_node (records, node))
                continue;
              collect_refs (node, refs);
              for (guint k = 0; k < refs->len && !refers; k++)
                for (guint j = 0; j < records->len && !refers; j++)
                  refers = ref_names (g_ptr_array_index (refs, k), g_ptr_array_index (records, j));
              if (refers)
                {
                  StateRecord *r = g_new0 (StateRecord, 1);

                  r->node = node;
                  r->section = l->data;
                  r->id = own_id (node);
                  g_ptr_array_add (records, r);
                  grew = TRUE;
                }
            }
        }
    }

  /* What the person refers to, one step (not what that refers to: the
   * department would bring in everyone in it). */
  n_owned = records->len;
  collect_refs (person->node, person_refs);
  for (GList *l = sections; l != NULL; l = l->next)
    {
      JsonNode *section = json_object_get_member (root, l->data);

      for (guint i = 0; JSON_NODE_HOLDS_ARRAY (section) && i < json_array_get_length (json_node_get_array (section)); i++)
        {
          StateRecord candidate = { json_array_get_element (json_node_get_array (section), i), l->data, NULL };

          if (holds_node (records, candidate.node))
            continue;
          candidate.id = own_id (candidate.node);
          for (guint k = 0; k < person_refs->len; k++)
            if (ref_names (g_ptr_array_index (person_refs, k), &candidate))
              {
                StateRecord *r = g_new0 (StateRecord, 1);

                *r = candidate;
                r->id = g_strdup (candidate.id);
                g_ptr_array_add (records, r);
                break;
              }
          g_free (candidate.id);
        }
    }
  g_test_message ("%s: %u records in payroll, %u referred to", email, n_owned, records->len - n_owned);

  nodes = g_ptr_array_new ();
  for (guint i = 0; i < records->len; i++)
    g_ptr_array_add (nodes, ((StateRecord *) g_ptr_array_index (records, i))->node);
  return nodes;
}

/* How many of the person's records hold @text (any member, any depth). */
static guint
person_count (Fixture    *f,
              const char *email,
              const char *text)
{
  g_autoptr(JsonNode) state = dup_state (f);
  g_autoptr(GPtrArray) records = person_records (f, state, email);
  guint n = 0;

  g_assert_nonnull (records);
  for (guint i = 0; i < records->len; i++)
    n += node_has (g_ptr_array_index (records, i), text, f->connector->decimal_text, f->connector->match_words);
  return n;
}

static gboolean
person_has (Fixture    *f,
            const char *email,
            const char *text)
{
  return person_count (f, email, text) > 0;
}

static guint
people_with (Fixture    *f,
             const char *email)
{
  g_autoptr(JsonNode) state = dup_state (f);

  return count_people (f, state, email);
}

/* --- set-up ---------------------------------------------------------------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const SuiteTest *t = data;
  const SuiteConnector *c = t->connector;
  g_autoptr(GError) error = NULL;
  GType type;

  f->connector = c;
  type = g_type_from_name (c->type_name);
  if (type == G_TYPE_INVALID)
    {
      g_autofree char *why = g_strdup_printf ("the connector %s is not in this build", c->type_name);
      pb_test_skip_or_fail (why);
      return;
    }
  f->klass = g_type_class_ref (type);

  /* What the class says it cannot do is the only reason to skip. */
  for (guint op = 0; op < PB_N_OPS; op++)
    if ((t->test->ops & OP (op)) != 0 && !pb_provider_class_supports (f->klass, op))
      {
        g_autofree char *why = g_strdup_printf ("%s cannot %s (its capability flags)", f->klass->display_name,
                                                pb_provider_op_to_string (op));
        g_test_skip (why);
        return;
      }
  if ((f->klass->data_types & t->test->types) != t->test->types)
    {
      g_autofree char *why = g_strdup_printf ("%s does not sync these record types (its capability flags)",
                                              f->klass->display_name);
      g_test_skip (why);
      return;
    }
  if (t->test->paging && c->seed_person == NULL)
    {
      g_test_skip ("the suite's row gives no seed with many people");
      return;
    }

  f->sandbox = pb_sandbox_new (c->system, &error);
  if (f->sandbox == NULL)
    {
      g_autofree char *why = g_strdup_printf ("payroll-sandbox --system %s: %s", c->system, error->message);
      g_assert_error (error, PB_SANDBOX_ERROR, PB_SANDBOX_ERROR_UNKNOWN_SYSTEM);
      pb_test_skip_or_fail (why);
      return;
    }
  if (t->test->paging)
    {
      g_autofree char *seed = many_people_seed (c, f->klass->page_size + f->klass->page_size / 2);

      pb_sandbox_load_seed_data (f->sandbox, seed, -1, &error);
      g_assert_no_error (error);
    }
  pb_sandbox_listen (f->sandbox, 0, &error);
  g_assert_no_error (error);
  f->base_url = c->base_path == NULL ? g_strdup (pb_sandbox_get_api_url (f->sandbox))
                                     : g_strconcat (pb_sandbox_get_url (f->sandbox), c->base_path, NULL);

  if (is_oauth2 (f))
    {
      if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
        {
          pb_test_skip_or_fail ("no session bus, so no keyring for the OAuth2 tokens (use build-aux/run-headless)");
          return;
        }
      f->provider = sign_in (f);
    }
  else
    f->provider = new_token_provider (f, c->credentials);

  if (t->test->needs >= NEEDS_STORE)
    {
      g_autoptr(PbRemoteCompany) company = call_ok (f, PB_OP_VERIFY_CREDENTIALS, NULL);

      f->dir = pb_test_make_dir ("connector-suite");
      f->store = pb_store_open (f->dir, &error);
      g_assert_no_error (error);
      import (f, hr_json);

      f->connection = pb_connection_new ();
      f->connection->name = g_strdup ("Acme");
      f->connection->system = g_strdup (f->klass->id);
      f->connection->sync_types = f->klass->data_types;
      f->connection->base_url = g_strdup (f->base_url);
      /* SPEC S4: salaries are held to the payroll company's currency. */
      f->connection->remote_currency = g_strdup (company->currency);
      pb_store_save_connection (f->store, f->connection, &error);
      g_assert_no_error (error);
    }
  if (t->test->needs >= NEEDS_ACTIVE)
    pb_test_activate (f->store, f->connection, f->provider, TRUE);

  f->ready = TRUE;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->oauth2 != NULL)
    {
      Waited w = { 0 };

      pb_oauth2_forget_async (f->oauth2, NULL, on_forgotten_cb, &w);
      while (!w.done)
        g_main_context_iteration (NULL, TRUE);
      g_clear_error (&w.error);
    }
  g_clear_object (&f->provider);
  g_clear_object (&f->oauth2);
  g_clear_object (&f->browser);
  g_clear_object (&f->connection);
  g_clear_object (&f->store);
  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->klass, g_type_class_unref);
  g_free (f->base_url);
  g_free (f->dir);
}

/* --- credentials (SPEC C2, C7) ------------------------------------------------ */

/* SPEC C2: the credentials the sandbox accepts give the payroll company. */
static void
case_credentials_accepted (Fixture *f)
{
  g_autoptr(PbRemoteCompany) company = call_ok (f, PB_OP_VERIFY_CREDENTIALS, NULL);

  g_assert_nonnull (company);
  g_assert_cmpstr (company->name, ==, f->connector->company != NULL ? f->connector->company : "Sandbox AS");
  g_assert_cmpstr (company->currency, ==, f->connector->currency != NULL ? f->connector->currency : "NOK");
}

/* SPEC C2, C7: refused credentials are NOT_AUTHORIZED with words a person
 * can act on, which never quote a secret. */
static void
case_credentials_refused (Fixture *f)
{
  g_autoptr(PbProvider) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = NULL;

  if (is_oauth2 (f))
    {
      /* The grant is gone: the access token no longer works, and the
       * refresh token is refused. */
      pb_sandbox_oauth2_revoke_refresh_tokens (f->sandbox);
      pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
      refused = g_object_ref (f->provider);
    }
  else
    {
      g_assert_nonnull (f->connector->refused);
      refused = new_token_provider (f, f->connector->refused);
    }

  company = pb_test_call (refused, PB_OP_VERIFY_CREDENTIALS, NULL, &error);
  g_assert_null (company);
  g_assert_error (error, PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_NOT_AUTHORIZED);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (strlen (error->message), >=, 20);
  /* The refused secrets (NAME, VALUE pairs, NULL-terminated) are not quoted. */
  for (guint i = 0; f->connector->refused != NULL && f->connector->refused[i] != NULL; i += 2)
    g_assert_null (strstr (error->message, f->connector->refused[i + 1]));
  if (!is_oauth2 (f))
    g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox), ==, 0);
}

/* --- people ------------------------------------------------------------------- */

/* SPEC U4: everyone in payroll is listed, across pages, each once. */
static void
case_list_paging (Fixture *f)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonNode) state = NULL;
  guint seeded = f->klass->page_size + f->klass->page_size / 2;
  guint before, pages;

  /* Sign-in, sessions and what the connector reads once and keeps (e.g.
   * Tripletex's countries) out of the count: a first listing. */
  free_result (PB_OP_LIST_EMPLOYEES, call_ok (f, PB_OP_LIST_EMPLOYEES, NULL));
  before = pb_sandbox_get_request_count (f->sandbox, NULL, NULL);
  all = call_ok (f, PB_OP_LIST_EMPLOYEES, NULL);
  pages = pb_sandbox_get_request_count (f->sandbox, NULL, NULL) - before;

  for (guint i = 0; i < all->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (all, i);
      const char *email = pb_record_get (remote->record, PB_EMPLOYEE_EMAIL);

      g_assert_nonnull (remote->id);
      g_assert_false (g_hash_table_contains (seen, remote->id));
      g_hash_table_add (seen, remote->id);
      if (email != NULL && g_str_has_suffix (email, "@suite.example"))
        seeded--;
    }
  g_assert_cmpuint (seeded, ==, 0);
  state = dup_state (f);
  g_assert_cmpuint (all->len, ==, json_array_get_length (state_people (f, state)));
  g_test_message ("%u people in %u requests of at most %u", all->len, pages, f->klass->page_size);
  g_assert_cmpuint (pages, ==, (all->len + f->klass->page_size - 1) / f->klass->page_size);
}

/* SPEC U1: found by email, whatever its case; nobody is no error. */
static void
case_find_by_email (Fixture *f)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no", "1001");
  g_autoptr(PbRecord) nobody = make_employee ("No", "Body", "nobody@acme.no", "1009");
  g_autoptr(PbRemote) created = create_ok (f, kari);
  g_autoptr(PbRemote) found = NULL;
  g_autoptr(PbRemote) missing = NULL;
  PbProviderArgs args = { .record = kari };

  pb_record_set (kari, PB_EMPLOYEE_EMAIL, "KARI@Acme.NO");
  found = call_ok (f, PB_OP_FIND_EMPLOYEE, &args);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->id, ==, created->id);
  g_assert_cmpstr (pb_record_get (found->record, PB_EMPLOYEE_GIVEN_NAME), ==, "Kari");

  args.record = nobody;
  missing = call_ok (f, PB_OP_FIND_EMPLOYEE, &args);
  g_assert_null (missing);
}

/* SPEC U4: a person created in payroll is there once, with what HR sent. */
static void
case_create (Fixture *f)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no", "1001");
  g_autoptr(PbRemote) created = create_ok (f, kari);

  g_assert_cmpstr (pb_record_get (created->record, PB_EMPLOYEE_EMAIL), ==, "kari@acme.no");
  g_assert_cmpuint (people_with (f, "kari@acme.no"), ==, 1);
  g_assert_true (person_has (f, "kari@acme.no", "Kari"));
  g_assert_true (person_has (f, "kari@acme.no", "Nordmann"));
  g_assert_true (person_has (f, "kari@acme.no", "+47 912 34 567"));
  g_assert_true (person_has (f, "kari@acme.no", "Oslo"));
}

/* SPEC U3: an update overwrites payroll's values with HR's, in place. */
static void
case_update (Fixture *f)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no", "1001");
  g_autoptr(PbRemote) created = create_ok (f, kari);
  g_autoptr(PbRemote) updated = NULL;
  PbProviderArgs args = { .record = kari, .remote_id = created->id };

  pb_record_set (kari, PB_EMPLOYEE_FAMILY_NAME, "Nordmann-Berg");
  pb_record_set (kari, PB_EMPLOYEE_CITY, "Bergen");
  updated = call_ok (f, PB_OP_UPDATE_EMPLOYEE, &args);
  g_assert_cmpstr (updated->id, ==, created->id);
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_FAMILY_NAME), ==, "Nordmann-Berg");
  g_assert_cmpstr (pb_record_get (updated->record, PB_EMPLOYEE_CITY), ==, "Bergen");

  g_assert_cmpuint (people_with (f, "kari@acme.no"), ==, 1);
  g_assert_true (person_has (f, "kari@acme.no", "Nordmann-Berg"));
  g_assert_true (person_has (f, "kari@acme.no", "Bergen"));
  g_assert_false (person_has (f, "kari@acme.no", "Oslo"));
}

/* --- user sync, end to end (SPEC U1, U3, U4, U6) ------------------------------- */

typedef struct
{
  gboolean          done;
  GError           *error;
  PbUserPlan       *plan;
  PbUserSyncReport  report;
} SyncWaited;

static void
on_plan_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SyncWaited *w = user_data;

  w->plan = pb_user_sync_plan_finish (result, &w->error);
  w->done = TRUE;
}

static void
on_apply_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SyncWaited *w = user_data;

  pb_user_sync_apply_finish (result, &w->report, &w->error);
  w->done = TRUE;
}

static void
case_user_sync (Fixture *f)
{
  g_autoptr(PbRecord) kari = make_employee ("Kari", "Nordmann", "kari@acme.no", "1001");
  g_autoptr(PbRecord) ola = make_employee ("Ola", "Only", "ola@acme.no", "1003");
  g_autoptr(PbRemote) k = NULL;
  g_autoptr(PbRemote) o = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(PbUserPlan) again = NULL;
  SyncWaited w = { 0 };
  PbPlanItem *kari_item = NULL;

  /* Payroll has Kari with another phone, and Ola whom HR does not have. */
  pb_record_set (kari, PB_EMPLOYEE_PHONE, "+47 400 00 000");
  k = create_ok (f, kari);
  o = create_ok (f, ola);

  pb_user_sync_plan_async (f->store, f->connection, f->provider, NULL, on_plan_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);
  plan = g_steal_pointer (&w.plan);

  /* U1, U3: Kari matched by email, the phone differs; U4: Per is only in
   * HR, Ola only in payroll. */
  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);

      if (g_strcmp0 (item->remote_id, k->id) == 0)
        kari_item = item;
    }
  g_assert_nonnull (kari_item);
  g_assert_cmpint (kari_item->kind, ==, PB_MATCH_MATCHED);
  g_assert_cmpuint (kari_item->differing & (1u << PB_EMPLOYEE_PHONE), !=, 0);

  pb_user_sync_decide_defaults (plan, PB_DECISION_PREFER_HR, TRUE, FALSE);
  w = (SyncWaited) { 0 };
  pb_user_sync_apply_async (f->store, f->connection, f->provider, plan, NULL, NULL, NULL, on_apply_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);

  /* U6: the first completed sync activates the connection. */
  g_assert_true (w.report.activated);
  g_assert_cmpuint (w.report.payroll_updated, ==, 1);
  g_assert_cmpuint (w.report.created_in_payroll, ==, 1);
  g_assert_cmpuint (w.report.left, >=, 1);
  g_assert_cmpuint (w.report.failed, ==, 0);

  /* Payroll's state: Kari has HR's phone, Per is there once, Ola stays. */
  g_assert_true (person_has (f, "kari@acme.no", "+47 912 34 567"));
  g_assert_false (person_has (f, "kari@acme.no", "+47 400 00 000"));
  g_assert_cmpuint (people_with (f, "per@acme.no"), ==, 1);
  g_assert_true (person_has (f, "per@acme.no", "Berg"));
  g_assert_cmpuint (people_with (f, "ola@acme.no"), ==, 1);

  /* A second plan finds the phone the same on both sides. (Fields HR
   * leaves empty may still differ: some payroll systems keep a value
   * rather than clear it.) */
  w = (SyncWaited) { 0 };
  pb_user_sync_plan_async (f->store, f->connection, f->provider, NULL, on_plan_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w.error);
  again = g_steal_pointer (&w.plan);
  g_assert_nonnull (kari_item);
  for (guint i = 0; i < again->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (again->items, i);

      if (g_strcmp0 (item->remote_id, k->id) == 0)
        {
          g_assert_cmpint (item->kind, ==, PB_MATCH_MATCHED);
          g_assert_cmpuint (item->differing & (1u << PB_EMPLOYEE_PHONE), ==, 0);
          kari_item = NULL;
        }
    }
  g_assert_null (kari_item);
}

/* --- pushes through the outbox (SPEC U7, P1, S1, A1) ------------------------------ */

/* SPEC U7: a change to a person in HR reaches payroll at the next push;
 * a person new in HR is created there (C4). */
static void
case_push_users (Fixture *f)
{
  PbPushResult r;

  import (f, "{ \"format\": \"paybridge-hr/1\", \"employees\": ["
             "  { \"email\": \"kari@acme.no\", \"phone\": \"+47 922 22 222\" },"
             "  { \"given_name\": \"Nils\", \"family_name\": \"Ny\", \"email\": \"nils@acme.no\","
             "    \"employee_number\": \"1004\" } ] }");
  r = push (f);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 0);
  g_assert_cmpuint (r.sent, >=, 2);
  g_assert_true (person_has (f, "kari@acme.no", "+47 922 22 222"));
  g_assert_cmpuint (people_with (f, "nils@acme.no"), ==, 1);
  g_assert_cmpuint (people_with (f, "kari@acme.no"), ==, 1);
}

#define KARI(members) \
  "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", " members " } ] }"

/* SPEC P1: a position is created in payroll, then changed there. */
static void
case_push_positions (Fixture *f)
{
  PbPushResult r;
  guint with_start;

  import (f, KARI ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\", "
                   "\"percentage\": \"80\" } ]"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  /* (A period may be more than one record: Tripletex's employment and
   * its details both carry the date.) */
  with_start = person_count (f, "kari@acme.no", "2024-03-04");
  g_assert_cmpuint (with_start, >=, 1);
  g_assert_false (person_has (f, "kari@acme.no", "2025-06-30"));

  import (f, KARI ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"end_date\": \"2025-06-30\", "
                   "\"title\": \"Developer\", \"percentage\": \"80\", \"end_reason\": \"internal_change\" } ]"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  /* The same period, changed: no new record with its start. */
  g_assert_cmpuint (person_count (f, "kari@acme.no", "2024-03-04"), ==, with_start);
  g_assert_true (person_has (f, "kari@acme.no", "2025-06-30"));
}

/* SPEC S1: a salary is sent in the position it falls in (S6). */
static void
case_push_salary (Fixture *f)
{
  PbPushResult r;

  import (f, KARI ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\" } ], "
                   "\"salaries\": [ { \"start_date\": \"2024-05-01\", \"amount\": \"654321\", "
                   "\"currency\": \"NOK\", \"period_unit\": \"yearly\" } ]"));
  r = push (f);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 0);
  g_assert_cmpuint (r.sent, >=, 1);
  g_assert_true (person_has (f, "kari@acme.no", "654321"));

  import (f, KARI ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\" } ], "
                   "\"salaries\": [ { \"start_date\": \"2024-05-01\", \"amount\": \"700000\", "
                   "\"currency\": \"NOK\", \"period_unit\": \"yearly\" } ]"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_true (person_has (f, "kari@acme.no", "700000"));
  g_assert_false (person_has (f, "kari@acme.no", "654321"));
}

/* SPEC A1, A2: an approved absence with an end date, of a mapped type,
 * reaches payroll; A3: a new note follows it. */
static void
case_push_absence (Fixture *f)
{
  g_autoptr(GPtrArray) remotes = call_ok (f, PB_OP_LIST_ABSENCE_TYPES, &(PbProviderArgs) { 0 });
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  g_autoptr(PbRecord) vac = NULL;
  g_autoptr(GError) error = NULL;
  PbPushResult r;

  g_assert_cmpuint (remotes->len, >, 0);
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (remote->id);
      type->name = g_strdup (remote->name);
      g_ptr_array_add (types, type);
    }
  pb_store_save_remote_types (f->store, f->connection->id, types, &error);
  g_assert_no_error (error);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"absence_types\": [ { \"key\": \"vac\", \"name\": \"Vacation\" } ] }");
  vac = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, "vac", NULL);
  pb_store_set_mapping (f->store, f->connection->id, pb_record_get_id (vac), PB_MAPPING_MAPPED,
                        ((PbRemote *) g_ptr_array_index (remotes, 0))->id, &error);
  g_assert_no_error (error);

  /* Monday 2025-03-17 to Tuesday 2025-03-18. */
  import (f, KARI ("\"absences\": [ { \"type\": \"vac\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
                   "\"state\": \"approved\", \"note\": \"Suite absence\" } ]"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.rejected, ==, 0);
  g_assert_true (person_has (f, "kari@acme.no", "2025-03-17"));
  if (f->connector->absence_without_note)
    {
      g_assert_false (person_has (f, "kari@acme.no", "40"));
      import (f, KARI ("\"absences\": [ { \"type\": \"vac\", \"start_date\": \"2025-03-17\", "
                       "\"end_date\": \"2025-03-18\", \"state\": \"approved\", \"percentage\": \"40\" } ]"));
      r = push (f);
      g_assert_cmpuint (r.sent, ==, 1);
      g_assert_cmpuint (r.attention, ==, 0);
      g_assert_true (person_has (f, "kari@acme.no", "40"));
      return;
    }
  g_assert_true (person_has (f, "kari@acme.no", "Suite absence"));

  import (f, KARI ("\"absences\": [ { \"type\": \"vac\", \"start_date\": \"2025-03-17\", \"end_date\": \"2025-03-18\", "
                   "\"state\": \"approved\", \"note\": \"Suite absence, changed\" } ]"));
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 1);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_true (person_has (f, "kari@acme.no", "Suite absence, changed"));
  g_assert_false (person_has (f, "kari@acme.no", "Suite absence"));
}

static guint
count_nocase (const char *haystack,
              const char *needle)
{
  g_autofree char *h = g_utf8_casefold (haystack, -1);
  g_autofree char *n = g_utf8_casefold (needle, -1);
  guint count = 0;

  for (const char *at = strstr (h, n); at != NULL; at = strstr (at + 1, n))
    count++;
  return count;
}

static gboolean
has_nocase (const char *haystack,
            const char *needle)
{
  return count_nocase (haystack, needle) > 0;
}

/* --- the error mapping (SPEC C7) ---------------------------------------------------- */

/* SPEC C7: a refusal payroll gives becomes the error entry's words through
 * the connector's refusal table: payroll's words with their translation,
 * and the table's advice. Provoked by a value payroll keeps unique. */
static void
case_refusal_words (Fixture *f)
{
  const char *field = f->connector->unique_field;
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  g_autoptr(PbRecord) other = NULL;
  g_autoptr(PbRemote) created = NULL;
  g_autofree char *kari = NULL;
  g_autoptr(GPtrArray) errors = NULL;
  const PbRefusal *matched = NULL;
  PbErrorEntry *e;
  PbPushResult r;

  if (field == NULL || f->klass->refusals == NULL)
    {
      g_test_skip ("the suite's row names no value payroll keeps unique, or the connector knows no refusals");
      return;
    }

  /* Someone HR does not have holds the value in payroll. */
  other = make_employee ("Other", "Person", "other@acme.no", NULL);
  for (guint i = 0; i < def->n_fields; i++)
    if (g_str_equal (def->fields[i].name, field))
      pb_record_set (other, i, "77");
  created = create_ok (f, other);
  g_assert_cmpuint (person_count (f, "other@acme.no", "77"), ==, 1);

  kari = g_strdup_printf (KARI ("\"%s\": \"77\""), field);
  import (f, kari);
  r = push (f);
  g_assert_cmpuint (r.sent, ==, 0);
  g_assert_cmpuint (r.attention, ==, 1);

  errors = pb_store_list_errors (f->store, f->connection->id, NULL);
  g_assert_cmpuint (errors->len, ==, 1);
  e = g_ptr_array_index (errors, 0);
  g_test_message ("who: %s; what: %s; payroll said: %s; advice: %s", e->who, e->what, e->system_message, e->advice);
  g_assert_cmpstr (e->who, ==, "Kari Nordmann <kari@acme.no>");
  g_assert_nonnull (e->system_message);
  for (const PbRefusal *refusal = f->klass->refusals; refusal->message != NULL; refusal++)
    if (g_strcmp0 (e->advice, refusal->advice) == 0)
      matched = refusal;
  g_assert_nonnull (matched);
  /* A refusal matches payroll's words case-insensitively. */
  g_assert_true (has_nocase (e->system_message, matched->message));
  if (matched->translation != NULL)
    g_assert_nonnull (strstr (e->system_message, matched->translation));
  /* Payroll's words once, not repeated (a message that is its field
   * messages joined, then the field messages again). */
  g_assert_cmpuint (count_nocase (e->system_message, matched->message), ==, 1);
  /* Payroll kept its value. */
  g_assert_cmpuint (person_count (f, "kari@acme.no", "77"), ==, 0);
}

/* --- faults (SPEC C2, R2) ------------------------------------------------------------- */

/* OAuth2: a 401 renews the access token with the refresh token, once, and
 * the request goes through. API tokens: a session payroll forgot is made
 * anew, and credentials refused mid-way stop the push with the change kept
 * (SPEC R3) instead of failing it. */
static void
case_401 (Fixture *f)
{
  g_autoptr(PbProvider) refused = NULL;
  g_autoptr(GArray) open = NULL;
  PbPushResult r;

  read_ok (f);
  if (is_oauth2 (f))
    {
      g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 0);
      pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
      read_ok (f);
      read_ok (f);
      g_assert_cmpuint (pb_sandbox_get_oauth2_count (f->sandbox, "refresh_token"), ==, 1);
    }
  else
    {
      guint sessions = pb_sandbox_get_session_count (f->sandbox);

      pb_sandbox_expire_sessions (f->sandbox);
      read_ok (f);
      read_ok (f);
      /* Renewed once for both, if the system has sessions at all. */
      g_assert_cmpuint (pb_sandbox_get_session_count (f->sandbox) - sessions, <=, 1);
    }

  if (f->store == NULL)
    return;

  import (f, KARI ("\"phone\": \"+47 955 55 555\""));
  if (is_oauth2 (f))
    {
      pb_sandbox_oauth2_revoke_refresh_tokens (f->sandbox);
      pb_sandbox_oauth2_expire_access_tokens (f->sandbox);
      refused = g_object_ref (f->provider);
    }
  else
    refused = new_token_provider (f, f->connector->refused);
  r = pb_test_push (f->store, f->connection, refused);
  g_assert_true (r.stopped);
  g_assert_cmpuint (r.sent, ==, 0);
  open = pb_store_list_outbox_open (f->store, f->connection->id, NULL);
  g_assert_cmpuint (open->len, ==, 1);
  g_assert_false (person_has (f, "kari@acme.no", "+47 955 55 555"));
}

typedef struct
{
  PbProviderOp op;
  guint        pending;
} Reads;

static void
on_read_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Reads *reads = user_data;
  g_autoptr(GError) error = NULL;
  gpointer value = pb_provider_call_finish (PB_PROVIDER (source), result, &error);

  g_assert_no_error (error);
  free_result (reads->op, value);
  reads->pending--;
}

/* SPEC R2: a 429 is waited out for as long as Retry-After says, and the
 * request then goes through: one 429 for a request that met the spent
 * quota, not a burst of them. Four reads at once against a quota of
 * three: the fourth meets the 429. */
static void
case_429 (Fixture *f)
{
  PbSandboxFaults faults = { 0 };
  g_autoptr(GError) error = NULL;
  Reads reads = { a_read (f), 0 };
  guint per_read, before, extra;
  gint64 start, elapsed;

  read_ok (f);
  before = pb_sandbox_get_request_count (f->sandbox, NULL, NULL);
  read_ok (f);
  per_read = pb_sandbox_get_request_count (f->sandbox, NULL, NULL) - before;

  faults.rate_limit_count = 3 * per_read;
  faults.rate_limit_seconds = 1;
  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  before = pb_sandbox_get_request_count (f->sandbox, NULL, NULL);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 4; i++)
    {
      pb_provider_call_async (f->provider, reads.op, NULL, NULL, on_read_cb, &reads);
      reads.pending++;
    }
  while (reads.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  elapsed = g_get_monotonic_time () - start;
  extra = pb_sandbox_get_request_count (f->sandbox, NULL, NULL) - before - 4 * per_read;
  g_test_message ("%u requests a read; four reads in %" G_GINT64_FORMAT " ms, %u answered 429", per_read,
                  elapsed / 1000, extra);
  g_assert_cmpuint (extra, >=, 1);
  g_assert_cmpuint (extra, <=, per_read);
  /* Retry-After said 1 (the window's rest, rounded up). */
  g_assert_cmpint (elapsed, >=, 900 * 1000);
}

/* SPEC R2: 5xx answers are retried with backoff; what was sent lands once. */
static void
case_5xx (Fixture *f)
{
  PbSandboxFaults faults = { .fail_rate = 0.3, .seed = 11 };
  g_autoptr(PbRecord) kari = NULL;
  g_autoptr(PbRemote) created = NULL;
  g_autoptr(GError) error = NULL;
  guint before;
  const guint n = 8;

  if (pb_provider_class_supports (f->klass, PB_OP_CREATE_EMPLOYEE))
    {
      kari = make_employee ("Kari", "Nordmann", "kari@acme.no", "1001");
      created = create_ok (f, kari);
    }
  else
    read_ok (f);

  pb_sandbox_set_faults (f->sandbox, &faults, &error);
  g_assert_no_error (error);
  before = pb_sandbox_get_request_count (f->sandbox, NULL, NULL);
  for (guint i = 0; i < n; i++)
    read_ok (f);
  g_test_message ("%u reads took %u requests", n, pb_sandbox_get_request_count (f->sandbox, NULL, NULL) - before);
  g_assert_cmpuint (pb_sandbox_get_request_count (f->sandbox, NULL, NULL) - before, >, n);

  if (created != NULL && pb_provider_class_supports (f->klass, PB_OP_UPDATE_EMPLOYEE))
    {
      PbProviderArgs args = { .record = kari, .remote_id = created->id };
      g_autoptr(PbRemote) updated = NULL;

      pb_record_set (kari, PB_EMPLOYEE_CITY, "Bergen");
      updated = call_ok (f, PB_OP_UPDATE_EMPLOYEE, &args);
      g_assert_cmpstr (updated->id, ==, created->id);
      g_assert_cmpuint (people_with (f, "kari@acme.no"), ==, 1);
      g_assert_true (person_has (f, "kari@acme.no", "Bergen"));
    }
}

/* --- a lost answer (SPEC R3) --------------------------------------------------- */

/* The request that creates a record of each type, per connector: the
 * sandbox handles it (the record is made), then closes the connection
 * without an answer (pb_sandbox_drop_next()). A connector that syncs a
 * type needs its row here. */
typedef struct
{
  const char *connector;
  PbEntity    entity;
  const char *method;
  const char *path_glob;   /* the API prefix included */
  gboolean    update;      /* the request of an update, not a create */
} LostAnswer;

static const LostAnswer lost_answers[] = {
  { "tripletex", PB_ENTITY_EMPLOYEE, "POST", "/v2/employee" },
  { "tripletex", PB_ENTITY_POSITION, "POST", "/v2/employee/employment" },
  { "tripletex", PB_ENTITY_SALARY, "POST", "/v2/employee/employment/details" },
  { "tripletex", PB_ENTITY_ABSENCE, "POST", "/v2/timesheet/entry/list" },
  { "visma", PB_ENTITY_EMPLOYEE, "POST", "/v2/employees/withPosition" },
  { "visma", PB_ENTITY_POSITION, "POST", "/v2/employees/*/positions" },
  /* A salary is a PUT of its position's salary timeline. */
  { "visma", PB_ENTITY_SALARY, "PUT", "/v2/employees/*/positions/*" },
  { "fortnox", PB_ENTITY_EMPLOYEE, "POST", "/3/employees" },
  /* A position is a PUT of the employee's employment members. */
  { "fortnox", PB_ENTITY_POSITION, "PUT", "/3/employees/*" },
  { "fortnox", PB_ENTITY_ABSENCE, "POST", "/3/absencetransactions" },
  { "unimicro", PB_ENTITY_EMPLOYEE, "POST", "/api/biz/employees" },
  { "unimicro", PB_ENTITY_POSITION, "POST", "/api/biz/employments" },
  { "unimicro", PB_ENTITY_SALARY, "POST", "/api/biz/salarytrans" },
  /* Updates: a PUT is sent again as it was (libsoup may resend it by
   * itself on a new connection). */
  { "tripletex", PB_ENTITY_EMPLOYEE, "PUT", "/v2/employee/*", TRUE },
  { "visma", PB_ENTITY_EMPLOYEE, "PUT", "/v2/employees/*", TRUE },
  { "fortnox", PB_ENTITY_EMPLOYEE, "PUT", "/3/employees/*", TRUE },
  { "unimicro", PB_ENTITY_EMPLOYEE, "PUT", "/api/biz/employees/*", TRUE },
};

#define PER(members) \
  "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"per@acme.no\", " members " } ] }"

/* Pushes @json with no fault; all of it goes through. */
static void
push_clean (Fixture    *f,
            const char *json)
{
  PbPushResult r;

  import (f, json);
  r = push (f);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (r.waiting, ==, 0);
  g_assert_cmpuint (r.rejected, ==, 0);
}

static guint
state_count (Fixture    *f,
             const char *text)
{
  g_autoptr(JsonNode) state = dup_state (f);
  g_autofree char *json = json_to_string (state, FALSE);

  return count_nocase (json, text);
}

/* SPEC R3: @json (a change of @email's records of @entity) is pushed with
 * the answer of the create request lost, then pushed again with no
 * fault. It lands once: each text of @texts is as often in payroll as
 * the text of @same_as at its index, which a change like it pushed with
 * no fault (@baseline, of @baseline_email's records) put there; as many
 * of the records are linked in the store as of the baseline's; the
 * outbox is empty. */
/* How many of @email's records of @entity are linked to payroll's, of
 * how many (@n_records). */
static guint
count_linked (Fixture    *f,
              PbEntity    entity,
              const char *email,
              guint      *n_records)
{
  g_autoptr(PbRecord) person = pb_store_find_employee (f->store, NULL, email, NULL);
  g_autoptr(GPtrArray) records = NULL;
  guint linked = 0;

  g_assert_nonnull (person);
  if (entity == PB_ENTITY_EMPLOYEE)
    {
      records = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (records, g_object_ref (person));
    }
  else
    records = pb_store_list (f->store, entity, pb_record_get_id (person), NULL);
  g_assert_nonnull (records);
  for (guint i = 0; i < records->len; i++)
    {
      g_autofree char *link = pb_store_find_link (f->store, f->connection->id, entity,
                                                  pb_record_get_id (g_ptr_array_index (records, i)));

      linked += link != NULL;
    }
  *n_records = records->len;
  return linked;
}

static void
lost_answer (Fixture            *f,
             PbEntity            entity,
             gboolean            update,
             const char         *baseline,
             const char         *baseline_email,
             const char         *json,
             const char         *email,
             const char * const *texts,
             const char * const *same_as)
{
  const LostAnswer *lost = NULL;
  g_autoptr(GArray) open = NULL;
  guint dropped, creates, rounds = 0, found = 0;
  guint records, linked, baseline_records, baseline_linked, baseline_linked_before;
  PbPushResult r;

  for (guint i = 0; i < G_N_ELEMENTS (lost_answers) && lost == NULL; i++)
    if (g_str_equal (lost_answers[i].connector, f->connector->name) && lost_answers[i].entity == entity
        && lost_answers[i].update == update)
      lost = &lost_answers[i];
  if (lost == NULL)
    g_error ("%s syncs entity %d: the suite's lost_answers[] needs its %s request", f->connector->name,
             (int) entity, update ? "update" : "create");

  push_clean (f, baseline);
  baseline_linked_before = count_linked (f, entity, baseline_email, &baseline_records);

  /* The create is made in payroll, its answer lost. */
  dropped = pb_sandbox_get_dropped_count (f->sandbox);
  creates = pb_sandbox_get_request_count (f->sandbox, lost->method, NULL);
  pb_sandbox_drop_next (f->sandbox, lost->method, lost->path_glob);
  import (f, json);
  r = push (f);
  g_assert_cmpuint (r.attention, ==, 0);
  g_assert_cmpuint (pb_sandbox_get_dropped_count (f->sandbox), ==, dropped + 1);
  g_test_message ("%s %s: %u %s requests in the push whose answer was lost", lost->method, lost->path_glob,
                  pb_sandbox_get_request_count (f->sandbox, lost->method, NULL) - creates, lost->method);

  /* Pushed again, with no fault, until nothing waits. */
  while (r.waiting > 0 && ++rounds < 5)
    {
      r = push (f);
      g_assert_cmpuint (r.attention, ==, 0);
    }
  g_assert_cmpuint (r.waiting, ==, 0);
  g_assert_cmpuint (r.rejected, ==, 0);
  open = pb_store_list_outbox_open (f->store, f->connection->id, NULL);
  g_assert_nonnull (open);
  g_assert_cmpuint (open->len, ==, 0);

  /* Once in payroll. */
  g_assert_cmpuint (people_with (f, email), ==, 1);
  for (guint i = 0; texts[i] != NULL; i++)
    {
      guint n = state_count (f, texts[i]);

      g_test_message ("%s: %u times in payroll; %s (no fault): %u", texts[i], n, same_as[i],
                      state_count (f, same_as[i]));
      g_assert_cmpuint (n, ==, state_count (f, same_as[i]));
      found += n;
    }
  /* (Fortnox keeps only the current position: a later one's start is not
   * kept.) */
  g_assert_cmpuint (found, >=, 1);

  /* Linked in the store, as the baseline's records are. */
  linked = count_linked (f, entity, email, &records);
  baseline_linked = count_linked (f, entity, baseline_email, &baseline_records);
  g_test_message ("%s: %u of %u records linked; %s (no fault): %u of %u", email, linked, records, baseline_email,
                  baseline_linked, baseline_records);
  g_assert_cmpuint (records, ==, baseline_records);
  /* The baseline's links are as they were (a link of payroll's record is
   * one record's: a remote id two records share would take one's). */
  g_assert_cmpuint (baseline_linked, ==, baseline_linked_before);
  g_assert_cmpuint (linked, ==, baseline_linked);
  g_assert_cmpuint (linked, >=, 1);
}

/* SPEC R3: a new employee whose create's answer was lost is one employee
 * in payroll after the retry. */
static void
case_lost_employee (Fixture *f)
{
  const char *texts[] = { "olga@acme.no", NULL };
  const char *same_as[] = { "nils@acme.no", NULL };

  lost_answer (f, PB_ENTITY_EMPLOYEE, FALSE,
               "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"given_name\": \"Nils\", "
               "\"family_name\": \"Ny\", \"email\": \"nils@acme.no\", \"employee_number\": \"1004\" } ] }",
               "nils@acme.no",
               "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"given_name\": \"Olga\", "
               "\"family_name\": \"Ny\", \"email\": \"olga@acme.no\", \"employee_number\": \"1005\" } ] }",
               "olga@acme.no", texts, same_as);
}

/* SPEC R3: an employee's update whose answer was lost (R2: nothing sent
 * twice in a way that duplicates a record). */
static void
case_lost_update (Fixture *f)
{
  const char *texts[] = { "+47 933 33 333", NULL };
  const char *same_as[] = { "+47 922 22 222", NULL };

  lost_answer (f, PB_ENTITY_EMPLOYEE, TRUE,
               KARI ("\"phone\": \"+47 922 22 222\""), "kari@acme.no",
               PER ("\"phone\": \"+47 933 33 333\""), "per@acme.no", texts, same_as);
}

/* SPEC R3: a position whose create's answer was lost: a second position,
 * so that it is a create everywhere (Visma adopts the position made with
 * the employee for the first with a PUT, P2; the POST of a new one is the
 * create). Each person's first position is pushed first: Visma refuses a
 * second position pushed beside the first while the one made with the
 * employee is still open (it overlaps), and adopts that one only for a
 * position that ends after the day the employee was made: the first
 * positions end far ahead. */
static void
case_lost_position (Fixture *f)
{
  const char *texts[] = { "2024-04-08", "2098-10-31", NULL };
  const char *same_as[] = { "2024-03-04", "2098-07-01", NULL };

#define KARI_FIRST "{ \"start_date\": \"2024-03-04\", \"end_date\": \"2098-06-30\", \"title\": \"Developer\", " \
                   "\"end_reason\": \"internal_change\" }"
#define PER_FIRST "{ \"start_date\": \"2024-04-08\", \"end_date\": \"2098-10-30\", \"title\": \"Developer\", " \
                  "\"end_reason\": \"internal_change\" }"
  push_clean (f, KARI ("\"positions\": [ " KARI_FIRST " ]"));
  push_clean (f, PER ("\"positions\": [ " PER_FIRST " ]"));
  lost_answer (f, PB_ENTITY_POSITION, FALSE,
               KARI ("\"positions\": [ " KARI_FIRST ", { \"start_date\": \"2098-07-01\", \"title\": \"Lead\" } ]"),
               "kari@acme.no",
               PER ("\"positions\": [ " PER_FIRST ", { \"start_date\": \"2098-10-31\", \"title\": \"Lead\" } ]"),
               "per@acme.no", texts, same_as);
#undef KARI_FIRST
#undef PER_FIRST
}

/* SPEC R3: a salary whose create's answer was lost. */
static void
case_lost_salary (Fixture *f)
{
  const char *texts[] = { "712345", NULL };
  const char *same_as[] = { "654321", NULL };

  /* The positions first, alone, for both: the salaries are what is sent. */
  push_clean (f, KARI ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\" } ]"));
  push_clean (f, PER ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\" } ]"));
  lost_answer (f, PB_ENTITY_SALARY, FALSE,
               KARI ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\" } ], "
                     "\"salaries\": [ { \"start_date\": \"2024-05-01\", \"amount\": \"654321\", "
                     "\"currency\": \"NOK\", \"period_unit\": \"yearly\" } ]"),
               "kari@acme.no",
               PER ("\"positions\": [ { \"start_date\": \"2024-03-04\", \"title\": \"Developer\" } ], "
                    "\"salaries\": [ { \"start_date\": \"2024-05-01\", \"amount\": \"712345\", "
                    "\"currency\": \"NOK\", \"period_unit\": \"yearly\" } ]"),
               "per@acme.no", texts, same_as);
}

/* SPEC R3: an absence whose create's answer was lost (a helper's claim:
 * "there is no look before an absence is created"). */
static void
case_lost_absence (Fixture *f)
{
  g_autoptr(GPtrArray) remotes = call_ok (f, PB_OP_LIST_ABSENCE_TYPES, &(PbProviderArgs) { 0 });
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  g_autoptr(PbRecord) vac = NULL;
  g_autoptr(GError) error = NULL;
  const char *texts[] = { "2025-03-24", "2025-03-25", NULL };
  const char *same_as[] = { "2025-03-17", "2025-03-18", NULL };

  g_assert_cmpuint (remotes->len, >, 0);
  for (guint i = 0; i < remotes->len; i++)
    {
      PbRemote *remote = g_ptr_array_index (remotes, i);
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (remote->id);
      type->name = g_strdup (remote->name);
      g_ptr_array_add (types, type);
    }
  pb_store_save_remote_types (f->store, f->connection->id, types, &error);
  g_assert_no_error (error);
  import (f, "{ \"format\": \"paybridge-hr/1\", \"absence_types\": [ { \"key\": \"vac\", \"name\": \"Vacation\" } ] }");
  vac = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, "vac", NULL);
  pb_store_set_mapping (f->store, f->connection->id, pb_record_get_id (vac), PB_MAPPING_MAPPED,
                        ((PbRemote *) g_ptr_array_index (remotes, 0))->id, &error);
  g_assert_no_error (error);

  /* Mondays and Tuesdays. */
  lost_answer (f, PB_ENTITY_ABSENCE, FALSE,
               KARI ("\"absences\": [ { \"type\": \"vac\", \"start_date\": \"2025-03-17\", "
                     "\"end_date\": \"2025-03-18\", \"state\": \"approved\", \"note\": \"Suite absence\" } ]"),
               "kari@acme.no",
               PER ("\"absences\": [ { \"type\": \"vac\", \"start_date\": \"2025-03-24\", "
                    "\"end_date\": \"2025-03-25\", \"state\": \"approved\", \"note\": \"Suite absence\" } ]"),
               "per@acme.no", texts, same_as);
}

/* --- registration ------------------------------------------------------------- */

static const SuiteCase cases[] = {
  { "C2-credentials-accepted", NEEDS_CONNECTOR, OP (PB_OP_VERIFY_CREDENTIALS), 0, FALSE,
    case_credentials_accepted },
  { "C2-C7-credentials-refused", NEEDS_CONNECTOR, OP (PB_OP_VERIFY_CREDENTIALS), 0, FALSE,
    case_credentials_refused },
  { "U4-list-paging", NEEDS_CONNECTOR, OP (PB_OP_LIST_EMPLOYEES), PB_DATA_USERS, TRUE, case_list_paging },
  { "U1-find-by-email", NEEDS_CONNECTOR, OP (PB_OP_CREATE_EMPLOYEE) | OP (PB_OP_FIND_EMPLOYEE), PB_DATA_USERS,
    FALSE, case_find_by_email },
  { "create", NEEDS_CONNECTOR, OP (PB_OP_CREATE_EMPLOYEE), PB_DATA_USERS, FALSE, case_create },
  { "update", NEEDS_CONNECTOR, OP (PB_OP_CREATE_EMPLOYEE) | OP (PB_OP_UPDATE_EMPLOYEE), PB_DATA_USERS, FALSE,
    case_update },
  { "U1-U3-U4-U6-user-sync", NEEDS_STORE,
    OP (PB_OP_LIST_EMPLOYEES) | OP (PB_OP_CREATE_EMPLOYEE) | OP (PB_OP_UPDATE_EMPLOYEE), PB_DATA_USERS, FALSE,
    case_user_sync },
  { "U7-push-users", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYEE) | OP (PB_OP_UPDATE_EMPLOYEE), PB_DATA_USERS, FALSE,
    case_push_users },
  { "P1-push-positions", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYMENT) | OP (PB_OP_UPDATE_EMPLOYMENT),
    PB_DATA_USERS | PB_DATA_POSITIONS, FALSE, case_push_positions },
  { "S1-push-salary", NEEDS_ACTIVE, OP (PB_OP_CREATE_SALARY) | OP (PB_OP_UPDATE_SALARY),
    PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY, FALSE, case_push_salary },
  { "A1-A3-push-absence", NEEDS_ACTIVE,
    OP (PB_OP_LIST_ABSENCE_TYPES) | OP (PB_OP_CREATE_ABSENCE) | OP (PB_OP_UPDATE_ABSENCE),
    PB_DATA_USERS | PB_DATA_ABSENCE, FALSE, case_push_absence },
  { "C7-refusal-words", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYEE) | OP (PB_OP_UPDATE_EMPLOYEE), PB_DATA_USERS,
    FALSE, case_refusal_words },
  { "C2-R3-401", NEEDS_CONNECTOR, OP (PB_OP_VERIFY_CREDENTIALS), 0, FALSE, case_401 },
  { "C2-R3-401-push-stopped", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYEE) | OP (PB_OP_UPDATE_EMPLOYEE),
    PB_DATA_USERS, FALSE, case_401 },
  /* Payroll's API is what the sandbox faults: these read people. */
  { "R2-429-retry-after", NEEDS_CONNECTOR, OP (PB_OP_LIST_EMPLOYEES), PB_DATA_USERS, FALSE, case_429 },
  { "R2-5xx-retried", NEEDS_CONNECTOR, OP (PB_OP_LIST_EMPLOYEES), PB_DATA_USERS, FALSE, case_5xx },
  /* A create whose answer was lost, pushed again: once in payroll. */
  { "R3-lost-answer-employee", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYEE), PB_DATA_USERS, FALSE,
    case_lost_employee },
  { "R3-lost-answer-update", NEEDS_ACTIVE, OP (PB_OP_UPDATE_EMPLOYEE), PB_DATA_USERS, FALSE, case_lost_update },
  { "R3-lost-answer-position", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYMENT), PB_DATA_USERS | PB_DATA_POSITIONS, FALSE,
    case_lost_position },
  { "R3-lost-answer-salary", NEEDS_ACTIVE, OP (PB_OP_CREATE_EMPLOYMENT) | OP (PB_OP_CREATE_SALARY),
    PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY, FALSE, case_lost_salary },
  { "R3-lost-answer-absence", NEEDS_ACTIVE, OP (PB_OP_LIST_ABSENCE_TYPES) | OP (PB_OP_CREATE_ABSENCE),
    PB_DATA_USERS | PB_DATA_ABSENCE, FALSE, case_lost_absence },
};

static void
run_case (Fixture       *f,
          gconstpointer  data)
{
  const SuiteTest *t = data;

  if (f->ready)
    t->test->func (f);
}

/* The hook: every case of the suite for @connector, as
 * /connector/NAME/CASE. */
static void
suite_add_connector (const SuiteConnector *connector)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SuiteTest *t = g_new0 (SuiteTest, 1);
      g_autofree char *path = g_strdup_printf ("/connector/%s/%s", connector->name, cases[i].path);

      t->connector = connector;
      t->test = &cases[i];
      g_test_add (path, Fixture, t, fixture_set_up, run_case, fixture_tear_down);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree GType *types = NULL;
  guint n_types;

  /* The test-only OAuth2 connector is one of the rows. */
  g_setenv ("PAYBRIDGE_TEST_PROVIDERS", "1", TRUE);
  /* The sandbox's OAuth2 client's secret, for a connector that
   * authenticates its client (Fortnox: HTTP Basic). */
  g_setenv ("PAYBRIDGE_OAUTH2_CLIENT_SECRET", "sandbox-secret", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* Registers the built-in connectors' types, so that a row's type is
   * found by its name; a connector not in this build is not. */
  types = pb_provider_list_types (&n_types);

  /* Keyring items of this process's OAuth2 sign-ins: far from other tests'. */
  next_oauth2_id = G_GINT64_CONSTANT (2000000000) + (gint64) getpid () * 100;

  for (guint i = 0; i < G_N_ELEMENTS (connectors); i++)
    suite_add_connector (&connectors[i]);

  return g_test_run ();
}
