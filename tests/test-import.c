/* test-import.c: import of the JSON document and the employee CSV (SPEC R1)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "pb-import.h"
#include "pb-store.h"
#include "pb-test-utils.h"

/* A register the error cases run against: one company, team, location,
 * absence type, and two people. */
static const char base_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"locations\": [ { \"key\": \"oslo\", \"name\": \"Oslo\", \"company\": \"acme\" } ],"
  "  \"teams\": [ { \"key\": \"eng\", \"name\": \"Engineering\" } ],"
  "  \"absence_types\": [ { \"key\": \"vacation\", \"name\": \"Vacation\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
  "      \"employee_number\": \"1001\", \"team\": \"eng\", \"company\": \"acme\" },"
  "    { \"given_name\": \"Ola\", \"family_name\": \"Hansen\", \"email\": \"ola@acme.no\","
  "      \"employee_number\": \"1002\", \"manager_email\": \"kari@acme.no\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Engineer\" } ] }"
  "  ] }";

static PbStore *
open_base_store (const char *name)
{
  g_autofree char *dir = pb_test_make_dir (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);

  g_assert_no_error (error);
  g_assert_true (pb_import_data (store, "base.json", base_json, strlen (base_json), FALSE,
                                 PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

typedef struct
{
  const char *name;
  gboolean    is_csv;
  const char *data;
  const char *expected[8];   /* every issue line, in order */
} BadCase;

#define CSV_HEAD "given_name,family_name,email\n"

static const BadCase bad_cases[] = {
  /* CSV structure */
  { "csv-unknown-column", TRUE, "given_name,family_name,email,shoe_size\nA,B,a@acme.no,44\n",
    { "t.csv:1: shoe_size: unknown column (the columns are: given_name, family_name, email, …)" } },
  { "csv-status-not-a-column", TRUE, "email,status\na@acme.no,active\n",
    { "t.csv:1: status: unknown column (the columns are: given_name, family_name, email, …)" } },
  { "csv-duplicate-column", TRUE, "email,Email\na@acme.no,a@acme.no\n",
    { "t.csv:1: email: the column appears twice" } },
  { "csv-no-email-column", TRUE, "given_name,family_name\nA,B\n",
    { "t.csv:1: email: the column is missing: employees are matched by email" } },
  { "csv-empty", TRUE, "",
    { "t.csv:1: the file is empty: it needs a header row" } },
  { "csv-field-count", TRUE, CSV_HEAD "A,B\n",
    { "t.csv:2: the row has 2 fields; the header has 3" } },
  { "csv-unclosed-quote", TRUE, CSV_HEAD "A,\"B,a@acme.no\n",
    { "t.csv: line 2: a quoted field is not closed" } },
  { "csv-stray-quote", TRUE, CSV_HEAD "A,B\"x\",a@acme.no\n",
    { "t.csv:2: a quote (\") must open and close a whole field" } },
  { "not-utf8", TRUE, CSV_HEAD "\xff\xfe,B,a@acme.no\n",
    { "t.csv: the file is not UTF-8 text" } },

  /* field values */
  { "email", TRUE, CSV_HEAD "A,B,a.acme.no\n",
    { "t.csv:2: email: “a.acme.no” is not an email address: it needs exactly one “@”" } },
  { "date", TRUE, "given_name,family_name,email,date_of_birth\nA,B,a@acme.no,1990-02-30\n",
    { "t.csv:2: date_of_birth: “1990-02-30” is not a real calendar date" } },
  { "date-form", TRUE, "given_name,family_name,email,first_workday\nA,B,a@acme.no,01.02.2020\n",
    { "t.csv:2: first_workday: “01.02.2020” is not a date in the form YYYY-MM-DD" } },
  { "bank-account-mod11", TRUE, "given_name,family_name,email,bank_account\nA,B,a@acme.no,29141777636\n",
    { "t.csv:2: bank_account: “29141777636” has a wrong check digit (MOD11): check the account number" } },
  { "national-id", TRUE, "given_name,family_name,email,national_id\nA,B,a@acme.no,15058510171\n",
    { "t.csv:2: national_id: has wrong check digits: check the national identity number" } },
  { "country", TRUE, "given_name,family_name,email,country\nA,B,a@acme.no,Norway\n",
    { "t.csv:2: country: “Norway” is not an ISO 3166 country code (such as NO, SE, DK)" } },
  { "country-code", TRUE, "given_name,family_name,email,country\nA,B,a@acme.no,XX\n",
    { "t.csv:2: country: “XX” is not an ISO 3166 country code (such as NO, SE, DK)" } },
  { "iban-bic", TRUE, "given_name,family_name,email,iban,bic\nA,B,a@acme.no,NO9486011117947,dnb\n",
    { "t.csv:2: iban: “NO9486011117947” has wrong check digits: check the IBAN",
      "t.csv:2: bic: “dnb” is not a BIC (8 or 11 characters)" } },
  { "employee-number-too-long", TRUE,
    "given_name,family_name,email,employee_number\nA,B,a@acme.no,123456789012345678901234567890123\n",
    { "t.csv:2: employee_number: is longer than 32 characters" } },

  /* references */
  { "unknown-team", TRUE, "given_name,family_name,email,team,location,company\nA,B,a@acme.no,sales,bergen,globex\n",
    { "t.csv:2: company: there is no company “globex” in this file or the HR register",
      "t.csv:2: location: there is no location “bergen” in this file or the HR register",
      "t.csv:2: team: there is no team “sales” in this file or the HR register" } },
  { "unknown-manager", TRUE, "given_name,family_name,email,manager_email\nA,B,a@acme.no,boss@acme.no\n",
    { "t.csv:2: manager_email: there is no employee “boss@acme.no” in this file or the HR register" } },
  { "own-manager", TRUE, "given_name,family_name,email,manager_email\nA,B,a@acme.no,A@acme.no\n",
    { "t.csv:2: manager_email: an employee cannot be their own manager" } },

  /* duplicates and identity */
  { "duplicate-email", TRUE, CSV_HEAD "A,B,a@acme.no\nC,D,A@ACME.NO\n",
    { "t.csv:3: email: “A@ACME.NO” is already used at 2" } },
  { "duplicate-number", TRUE, "given_name,family_name,email,employee_number\nA,B,a@acme.no,7\nC,D,c@acme.no,7\n",
    { "t.csv:3: employee_number: “7” is already used at 2" } },
  { "email-of-another", TRUE, "email,employee_number\nola@acme.no,1001\n",
    { "t.csv:2: email: “ola@acme.no” belongs to another employee in the register (Ola Hansen, employee number 1002)" } },
  { "same-person-twice", TRUE, "email,employee_number\nkari@acme.no,\nkari.new@acme.no,1001\n",
    { "t.csv:3: is the same person as 2" } },

  /* required and ordering */
  { "required-new", TRUE, "email,given_name\nnew@acme.no,Nils\n",
    { "t.csv:2: family_name: is required" } },
  { "required-empty", TRUE, "email,given_name\nkari@acme.no,\n",
    { "t.csv:2: given_name: is required and cannot be empty" } },
  { "workdays-order", TRUE, "email,first_workday,last_workday\nkari@acme.no,2024-05-01,2024-04-30\n",
    { "t.csv:2: last_workday: 2024-04-30 is before first_workday (2024-05-01)" } },

  /* JSON structure */
  { "json-syntax", FALSE, "{ \"format\": ",
    { NULL } },  /* checked by prefix below */
  { "json-format", FALSE, "{ \"format\": \"paybridge-hr/2\" }",
    { "t.json:$: format: must be “paybridge-hr/1”" } },
  { "json-root", FALSE, "[]",
    { "t.json:$: the document must be a JSON object" } },
  { "json-unknown-top", FALSE, "{ \"format\": \"paybridge-hr/1\", \"people\": [] }",
    { "t.json:$: people: unknown member (the document holds companies, locations, teams, absence_types and employees)" } },
  { "json-unknown-member", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", \"emial\": \"x\" } ] }",
    { "t.json:$.employees[0]: emial: unknown member (misspelt?)" } },
  { "json-not-list", FALSE, "{ \"format\": \"paybridge-hr/1\", \"teams\": {} }",
    { "t.json:$.teams: must be a list ([…])" } },
  { "json-not-object", FALSE, "{ \"format\": \"paybridge-hr/1\", \"teams\": [ 3 ] }",
    { "t.json:$.teams[0]: must be an object ({…})" } },
  { "json-not-text", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"kari@acme.no\", \"phone\": true } ] }",
    { "t.json:$.employees[0]: phone: must be text, a number or null" } },
  { "json-currency", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"companies\": [ { \"key\": \"x\", \"name\": \"X\", \"currency\": \"KRONER\" } ] }",
    { "t.json:$.companies[0]: currency: “KRONER” is not an ISO 4217 currency code (such as NOK, SEK, EUR)" } },
  { "json-duplicate-key", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"teams\": [ { \"key\": \"t\", \"name\": \"T\" }, { \"key\": \"t\", \"name\": \"U\" } ] }",
    { "t.json:$.teams[1]: key: “t” is already used at $.teams[0]" } },
  { "json-missing-key", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"teams\": [ { \"name\": \"T\" } ] }",
    { "t.json:$.teams[0]: key: is required" } },
  { "json-location-company", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"locations\": [ { \"key\": \"b\", \"name\": \"B\", \"company\": \"nope\" } ] }",
    { "t.json:$.locations[0]: company: there is no company “nope” in this file or the HR register" } },
  { "json-position", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"positions\": ["
    "  { \"start_date\": \"2024-01-01\", \"end_date\": \"2023-12-31\", \"title\": \"X\", \"percentage\": 120,"
    "    \"contract_type\": \"forever\" },"
    "  { \"title\": \"Y\" } ] } ] }",
    { "t.json:$.employees[0].positions[0]: percentage: 120 is outside 0–100",
      "t.json:$.employees[0].positions[0]: contract_type: “forever” is not one of: permanent, temporary, hourly, freelance",
      "t.json:$.employees[0].positions[1]: start_date: is required" } },
  { "json-position-order", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"positions\": ["
    "  { \"start_date\": \"2024-01-01\", \"end_date\": \"2023-12-31\", \"title\": \"X\" } ] } ] }",
    { "t.json:$.employees[0].positions[0]: end_date: 2023-12-31 is before start_date (2024-01-01)" } },
  { "json-absence", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"absences\": ["
    "  { \"type\": \"skiing\", \"start_date\": \"2024-02-01\", \"state\": \"maybe\" },"
    "  { \"type\": \"vacation\", \"start_date\": \"2024-07-01\", \"end_date\": \"2024-07-21\" },"
    "  { \"type\": \"vacation\", \"start_date\": \"2024-07-01\" } ] } ] }",
    { "t.json:$.employees[0].absences[0]: state: “maybe” is not one of: pending, approved, unapproved, rejected",
      "t.json:$.employees[0].absences[2]: type: the same absence is already given at $.employees[0].absences[1]" } },
  { "json-empty-defaults", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"status\": null, \"positions\": ["
    "  { \"start_date\": \"2024-01-01\", \"title\": \"X\", \"percentage\": \"\" } ] } ] }",
    { "t.json:$.employees[0]: status: is required and cannot be empty",
      "t.json:$.employees[0].positions[0]: percentage: is required and cannot be empty" } },
  { "json-absence-type", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"absences\": ["
    "  { \"type\": \"skiing\", \"start_date\": \"2024-02-01\" } ] } ] }",
    { "t.json:$.employees[0].absences[0]: type: there is no absence_type “skiing” in this file or the HR register" } },
  { "json-salary", FALSE,
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"salaries\": ["
    "  { \"start_date\": \"2024-01-01\", \"amount\": \"12.345\", \"currency\": \"NOK\", \"period_unit\": \"weekly\" },"
    "  { \"start_date\": \"2025-01-01\", \"currency\": \"NOK\", \"period_unit\": \"yearly\" } ] } ] }",
    { "t.json:$.employees[0].salaries[0]: amount: “12.345” is not an amount (digits, a dot and at most 2 decimals)",
      "t.json:$.employees[0].salaries[0]: period_unit: “weekly” is not one of: monthly, yearly, hourly",
      "t.json:$.employees[0].salaries[1]: amount: is required" } },
};

static void
test_bad_file (gconstpointer data)
{
  const BadCase *bad = data;
  g_autoptr(PbStore) store = open_base_store (bad->name);
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *name = bad->is_csv ? "t.csv" : "t.json";
  GPtrArray *issues;
  guint expected_len = 0;

  g_assert_false (pb_import_data (store, name, bad->data, strlen (bad->data), bad->is_csv,
                                  PB_IMPORT_FLAGS_NONE, &result, &error));
  g_assert_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nothing was imported"));

  issues = pb_import_result_get_issues (result);
  while (expected_len < G_N_ELEMENTS (bad->expected) && bad->expected[expected_len] != NULL)
    expected_len++;

  if (expected_len == 0)
    {
      /* json-glib's own parse message follows our prefix. */
      g_autofree char *line = pb_import_issue_format (g_ptr_array_index (issues, 0));
      g_assert_cmpuint (issues->len, ==, 1);
      g_assert_true (g_str_has_prefix (line, "t.json: not valid JSON: "));
      return;
    }

  for (guint i = 0; i < issues->len; i++)
    {
      g_autofree char *line = pb_import_issue_format (g_ptr_array_index (issues, i));
      g_test_message ("issue: %s", line);
      if (i < expected_len)
        g_assert_cmpstr (line, ==, bad->expected[i]);
    }
  g_assert_cmpuint (issues->len, ==, expected_len);

  /* The store still holds exactly the base register. */
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_EMPLOYEE, NULL), ==, 2);
}

static char *
read_file_bytes (const char *path,
                 gsize      *len)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, len, NULL));
  return contents;
}

/* SPEC R1: a bad file leaves the store byte-for-byte unchanged. */
static void
test_bad_file_leaves_store_unchanged (void)
{
  g_autofree char *dir = pb_test_make_dir ("bytes");
  g_autofree char *db_path = g_build_filename (dir, "paybridge.db", NULL);
  g_autofree char *bad_path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);

  g_assert_true (pb_import_data (store, "base.json", base_json, strlen (base_json), FALSE,
                                 PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_clear_object (&store);   /* checkpoints the WAL into the file */
  before = read_file_bytes (db_path, &before_len);

  /* Two good rows and one bad one: nothing of it may be written. */
  bad_path = pb_test_write_file (dir, "bad.csv",
                                 "given_name,family_name,email,team\n"
                                 "Per,Berg,per@acme.no,eng\n"
                                 "Liv,Dahl,liv@acme.no,eng\n"
                                 "Siv,Lund,siv@acme,eng\n");
  store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_false (pb_import_file (store, bad_path, PB_IMPORT_FLAGS_REPLACE, NULL, &error));
  g_assert_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID);
  g_clear_object (&store);

  after = read_file_bytes (db_path, &after_len);
  g_assert_cmpmem (before, before_len, after, after_len);
}

typedef struct
{
  const char *entity;
  const char *op;
  const char *old_values;
  const char *new_values;
} ExpectedChange;

/* A re-import changes only what differs and logs exactly those changes. */
static void
test_reimport_change_rows (void)
{
  g_autoptr(PbStore) store = open_base_store ("reimport");
  g_autoptr(GPtrArray) before = pb_store_list_changes (store, 0, NULL);
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 last_id = ((PbChange *) g_ptr_array_index (before, before->len - 1))->id;
  g_autofree char *summary = NULL;
  /* Same as the base, but: Kari's phone added and team kept (absent member);
   * Ola's position gets an end date and a second one follows; the team
   * gets a new name; the company is unchanged. */
  static const char again[] =
    "{ \"format\": \"paybridge-hr/1\","
    "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
    "  \"teams\": [ { \"key\": \"eng\", \"name\": \"Engineering & Data\" } ],"
    "  \"employees\": ["
    "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"KARI@acme.no\","
    "      \"employee_number\": \"1001\", \"phone\": \"+47 912 34 567\" },"
    "    { \"given_name\": \"Ola\", \"family_name\": \"Hansen\", \"email\": \"ola@acme.no\","
    "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"end_date\": \"2024-12-31\", \"title\": \"Engineer\" },"
    "                       { \"start_date\": \"2025-01-01\", \"title\": \"Senior Engineer\", \"percentage\": \"80.0\" } ] }"
    "  ] }";
  static const ExpectedChange expected[] = {
    { "team", "update", "{\"name\":\"Engineering\"}", "{\"name\":\"Engineering & Data\"}" },
    { "employee", "update", "{\"email\":\"kari@acme.no\",\"phone\":null}",
      "{\"email\":\"KARI@acme.no\",\"phone\":\"+47 912 34 567\"}" },
    { "position", "update", "{\"end_date\":null}", "{\"end_date\":\"2024-12-31\"}" },
    { "position", "create", NULL,
      "{\"start_date\":\"2025-01-01\",\"title\":\"Senior Engineer\",\"percentage\":\"80\",\"contract_type\":\"permanent\"}" },
  };

  g_assert_true (pb_import_data (store, "again.json", again, strlen (again), FALSE,
                                 PB_IMPORT_FLAGS_NONE, &result, &error));
  g_assert_no_error (error);

  changes = pb_store_list_changes (store, last_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < changes->len; i++)
    {
      PbChange *c = g_ptr_array_index (changes, i);
      g_test_message ("change %u: %s %s %s -> %s", i, pb_entity_get_def (c->entity)->name,
                      pb_change_op_to_string (c->op), c->old_values, c->new_values);
    }
  g_assert_cmpuint (changes->len, ==, G_N_ELEMENTS (expected));

  for (guint i = 0; i < changes->len; i++)
    {
      PbChange *c = g_ptr_array_index (changes, i);

      g_assert_cmpstr (pb_entity_get_def (c->entity)->name, ==, expected[i].entity);
      g_assert_cmpstr (pb_change_op_to_string (c->op), ==, expected[i].op);
      g_assert_cmpstr (c->old_values, ==, expected[i].old_values);
      g_assert_cmpstr (c->new_values, ==, expected[i].new_values);
    }

  summary = pb_import_result_summary (result);
  g_assert_cmpstr (summary, ==,
                   "teams: 0 created, 1 updated, 0 deleted; employees: 0 created, 1 updated, 0 deleted; "
                   "positions: 1 created, 1 updated, 0 deleted");

  /* A third import of the same file changes nothing at all. */
  g_clear_pointer (&result, pb_import_result_free);
  g_clear_pointer (&changes, g_ptr_array_unref);
  last_id += G_N_ELEMENTS (expected);
  g_assert_true (pb_import_data (store, "again.json", again, strlen (again), FALSE,
                                 PB_IMPORT_FLAGS_NONE, &result, &error));
  changes = pb_store_list_changes (store, last_id, NULL);
  g_assert_cmpuint (changes->len, ==, 0);
  g_clear_pointer (&summary, g_free);
  summary = pb_import_result_summary (result);
  g_assert_cmpstr (summary, ==, "nothing changed");
}

/* The nested lists given for an employee are complete: a position left out is deleted. */
static void
test_nested_list_complete (void)
{
  g_autoptr(PbStore) store = open_base_store ("nested");
  g_autoptr(PbRecord) ola = pb_store_find_employee (store, NULL, "ola@acme.no", NULL);
  g_autoptr(GPtrArray) positions = NULL;
  g_autoptr(GError) error = NULL;
  static const char data[] =
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\", \"positions\": [] } ] }";

  g_assert_true (pb_import_data (store, "n.json", data, strlen (data), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  positions = pb_store_list (store, PB_ENTITY_POSITION, pb_record_get_id (ola), NULL);
  g_assert_cmpuint (positions->len, ==, 0);
}

/* JSON numbers with decimals keep their short form. */
static void
test_json_decimals (void)
{
  g_autoptr(PbStore) store = open_base_store ("decimals");
  g_autoptr(PbRecord) ola = pb_store_find_employee (store, NULL, "ola@acme.no", NULL);
  g_autoptr(GPtrArray) positions = NULL;
  g_autoptr(GPtrArray) salaries = NULL;
  g_autoptr(GError) error = NULL;
  static const char data[] =
    "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"email\": \"ola@acme.no\","
    "  \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Engineer\", \"percentage\": 33.33 } ],"
    "  \"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": 45123.45, \"currency\": \"NOK\","
    "                    \"period_unit\": \"monthly\" } ] } ] }";

  g_assert_true (pb_import_data (store, "d.json", data, strlen (data), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  positions = pb_store_list (store, PB_ENTITY_POSITION, pb_record_get_id (ola), NULL);
  salaries = pb_store_list (store, PB_ENTITY_SALARY, pb_record_get_id (ola), NULL);
  g_assert_cmpstr (pb_record_get (g_ptr_array_index (positions, 0), PB_POSITION_PERCENTAGE), ==, "33.33");
  g_assert_cmpstr (pb_record_get (g_ptr_array_index (salaries, 0), PB_SALARY_AMOUNT), ==, "45123.45");
}

/* The import reads flat records from the file's bytes without json-glib
 * (pb-import.c, read_flat()), and gives json-glib the records it does not
 * take: either way a value is what json-glib decodes, trimmed. Each value
 * goes in an employee's own field and in a position's (a nested list). */
static const char * const json_values[] = {
  "\"plain\"",
  "\"  spaced  \"",
  "\"quote \\\" backslash \\\\ slash \\/ end\"",
  "\"tab\\there\\nnewline\\r\\b\\f\"",
  "\"\\u00e6\\u00F8\\u00e5 \\u20ac\"",
  "\"\\ud83d\\ude00 a pair\"",
  "\"\\uD834\\uDD1E clef, capitals\"",
  "\"raw UTF-8: Tromsø € 😀\"",
  "\"\\u0041\\u0020\\u007e\"",
  "\"\"",
  "\"   \"",
  "null",
  "0",
  "42",
  "-17",
  "123456789012345678",
  "9007199254740993",
  "1.5",
  "-0.25",
  "1e3",
  "2E-2",
  "33.330",
  "-0",
};

static char *
json_glib_text (const char *literal)
{
  g_autofree char *doc = g_strdup_printf ("[%s]", literal);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *node;
  char *text = NULL;

  g_assert_true (json_parser_load_from_data (parser, doc, -1, NULL));
  node = json_array_get_element (json_node_get_array (json_parser_get_root (parser)), 0);
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else
    {
      double value = json_node_get_double (node);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      for (int precision = 1; precision <= 17; precision++)
        {
          char format[8];

          g_snprintf (format, sizeof format, "%%.%dg", precision);
          g_ascii_formatd (buf, sizeof buf, format, value);
          if (g_ascii_strtod (buf, NULL) == value)
            break;
        }
      text = g_strdup (buf);
    }

  g_strstrip (text);
  if (text[0] == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static void
test_json_values_as_json_glib (void)
{
  g_autoptr(PbStore) store = open_base_store ("values");
  g_autoptr(PbRecord) ola = pb_store_find_employee (store, NULL, "ola@acme.no", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (json_values); i++)
    {
      const char *literal = json_values[i];
      g_autofree char *expected = json_glib_text (literal);
      g_autofree char *amount = g_strdup_printf ("%u.00", 1000 + i);
      g_autofree char *data = NULL;
      g_autoptr(PbRecord) stored = NULL;
      g_autoptr(GPtrArray) salaries = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PbImportResult) result = NULL;

      /* The one-line layout the generator writes, and one spread over lines. */
      data = g_strdup_printf ("{ \"format\": \"paybridge-hr/1\", \"employees\": [\n"
                              "  {\"email\": \"ola@acme.no\", \"address_line2\": %s, \"salaries\": [\n"
                              "    {\"start_date\": \"2024-01-01\", \"amount\": \"%u\",\r\n"
                              "     \"currency\": \"NOK\", \"period_unit\": \"monthly\", \"note\" :\t%s } ] } ] }",
                              literal, 1000 + i, literal);
      g_assert_true (pb_import_data (store, "v.json", data, strlen (data), FALSE, PB_IMPORT_FLAGS_NONE,
                                     &result, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (pb_import_result_get_issues (result)->len, ==, 0);

      stored = pb_store_get (store, PB_ENTITY_EMPLOYEE, pb_record_get_id (ola), &error);
      g_assert_no_error (error);
      salaries = pb_store_list (store, PB_ENTITY_SALARY, pb_record_get_id (ola), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (salaries->len, ==, 1);
      g_test_message ("%s -> %s", literal, expected ? expected : "(null)");
      g_assert_cmpstr (pb_record_get (stored, PB_EMPLOYEE_ADDRESS_LINE2), ==, expected);
      g_assert_cmpstr (pb_record_get (g_ptr_array_index (salaries, 0), PB_SALARY_AMOUNT), ==, amount);
      g_assert_cmpstr (pb_record_get (g_ptr_array_index (salaries, 0), PB_SALARY_NOTE), ==, expected);
    }
}

/* CSV: BOM, `;` separator, quoted fields with separators, quotes and line
 * breaks, CRLF; absent columns keep values, empty cells clear them. */
static void
test_csv_dialect_and_merge (void)
{
  g_autoptr(PbStore) store = open_base_store ("csv");
  g_autoptr(PbRecord) kari = NULL;
  g_autoptr(PbRecord) nils = NULL;
  g_autoptr(GError) error = NULL;
  static const char data[] =
    "\xEF\xBB\xBFGiven_Name;FAMILY_NAME;email;address_line1;team;bank_account\r\n"
    "Kari;\"Nordmann; jr.\";kari@acme.no;\"Storgata 1\nleil. \"\"B\"\"\";;\r\n"
    "Nils;Berg;nils@acme.no;Kirkeveien 2;eng;1706.69.07430\r\n";

  g_assert_true (pb_import_data (store, "d.csv", data, strlen (data), TRUE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);

  kari = pb_store_find_employee (store, NULL, "kari@acme.no", NULL);
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_FAMILY_NAME), ==, "Nordmann; jr.");
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_ADDRESS_LINE1), ==, "Storgata 1\nleil. \"B\"");
  g_assert_null (pb_record_get (kari, PB_EMPLOYEE_TEAM));                        /* empty clears */
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "1001"); /* absent keeps */
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_COMPANY), ==, "acme");

  nils = pb_store_find_employee (store, NULL, "NILS@acme.no", NULL);
  g_assert_nonnull (nils);
  g_assert_cmpstr (pb_record_get (nils, PB_EMPLOYEE_BANK_ACCOUNT), ==, "17066907430");
  g_assert_cmpstr (pb_record_get (nils, PB_EMPLOYEE_STATUS), ==, "active");
}

/* --replace: people not in the file are marked deleted (SPEC U10), never removed. */
static void
test_replace (void)
{
  g_autoptr(PbStore) store = open_base_store ("replace");
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(PbRecord) ola = NULL;
  g_autoptr(PbRecord) kari = NULL;
  g_autoptr(GError) error = NULL;
  static const char data[] = "email,given_name,family_name\nkari@acme.no,Kari,Nordmann\n";

  g_assert_true (pb_import_data (store, "r.csv", data, strlen (data), TRUE, PB_IMPORT_FLAGS_REPLACE, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_DELETE), ==, 1);

  ola = pb_store_find_employee (store, NULL, "ola@acme.no", NULL);
  kari = pb_store_find_employee (store, NULL, "kari@acme.no", NULL);
  g_assert_cmpstr (pb_record_get (ola, PB_EMPLOYEE_STATUS), ==, "deleted");
  g_assert_cmpstr (pb_record_get (kari, PB_EMPLOYEE_STATUS), ==, "active");
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_EMPLOYEE, NULL), ==, 2);
}

/* Managers may come later in the file than the people they manage, and two
 * new people may even manage each other. */
static void
test_manager_order (void)
{
  g_autofree char *dir = pb_test_make_dir ("managers");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbRecord) a = NULL;
  g_autoptr(PbRecord) c = NULL;
  static const char data[] =
    "given_name,family_name,email,manager_email,absence_manager_email\n"
    "A,A,a@x.no,b@x.no,\n"
    "B,B,b@x.no,,\n"
    "C,C,c@x.no,d@x.no,\n"
    "D,D,d@x.no,c@x.no,c@x.no\n";

  g_assert_true (pb_import_data (store, "m.csv", data, strlen (data), TRUE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  a = pb_store_find_employee (store, NULL, "a@x.no", NULL);
  c = pb_store_find_employee (store, NULL, "c@x.no", NULL);
  g_assert_cmpstr (pb_record_get (a, PB_EMPLOYEE_MANAGER_EMAIL), ==, "b@x.no");
  g_assert_cmpstr (pb_record_get (c, PB_EMPLOYEE_MANAGER_EMAIL), ==, "d@x.no");
}

/* The family names of the People pages in @sort, joined by spaces. */
static char *
people_order (PbStore      *store,
              PbPeopleSort  sort)
{
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GString) names = g_string_new (NULL);

  query.sort = sort;
  page = pb_store_list_people_page (store, &query, 0, 100, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < page->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? " " : "",
                            pb_record_get (g_ptr_array_index (page, i), PB_EMPLOYEE_FAMILY_NAME));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* The import writes each name's sort key with it, new and changed
 * people and teams alike: they sort in the Norwegian alphabet (Æ, Ø, Å
 * after Z, É with E) at once. */
static void
test_sort_keys (void)
{
  g_autoptr(PbStore) store = open_base_store ("sort-keys");
  g_autoptr(GError) error = NULL;
  g_autofree char *by_name = NULL;
  g_autofree char *by_team = NULL;
  g_autofree char *by_name_after = NULL;
  g_autofree char *by_team_after = NULL;
  static const char json[] =
    "{ \"format\": \"paybridge-hr/1\","
    "  \"teams\": [ { \"key\": \"ost\", \"name\": \"Østre\" }, { \"key\": \"aa\", \"name\": \"Åpen\" } ],"
    "  \"employees\": ["
    "    { \"given_name\": \"Per\", \"family_name\": \"Åsen\", \"email\": \"per@acme.no\", \"team\": \"aa\" },"
    "    { \"given_name\": \"Siv\", \"family_name\": \"Ærø\", \"email\": \"siv@acme.no\", \"team\": \"ost\" },"
    "    { \"given_name\": \"Tor\", \"family_name\": \"Ødegård\", \"email\": \"tor@acme.no\" },"
    "    { \"given_name\": \"Émile\", \"family_name\": \"Ébert\", \"email\": \"emile@acme.no\", \"team\": \"eng\" }"
    "  ] }";
  static const char renames[] =
    "{ \"format\": \"paybridge-hr/1\","
    "  \"teams\": [ { \"key\": \"aa\", \"name\": \"Alfa\" } ],"
    "  \"employees\": ["
    "    { \"given_name\": \"Ola\", \"family_name\": \"Øvre\", \"email\": \"ola@acme.no\" }"
    "  ] }";

  g_assert_true (pb_import_data (store, "n.json", json, strlen (json), FALSE, PB_IMPORT_FLAGS_NONE, NULL, &error));
  g_assert_no_error (error);
  by_name = people_order (store, PB_PEOPLE_SORT_REGISTER);
  g_assert_cmpstr (by_name, ==, "Ébert Hansen Nordmann Ærø Ødegård Åsen");
  /* no team (in the register's order), Engineering, Østre, Åpen */
  by_team = people_order (store, PB_PEOPLE_SORT_TEAM);
  g_assert_cmpstr (by_team, ==, "Hansen Ødegård Ébert Nordmann Ærø Åsen");

  /* Ola Hansen becomes Øvre, team Åpen becomes Alfa. */
  g_assert_true (pb_import_data (store, "r.json", renames, strlen (renames), FALSE, PB_IMPORT_FLAGS_NONE, NULL,
                                 &error));
  g_assert_no_error (error);
  by_name_after = people_order (store, PB_PEOPLE_SORT_REGISTER);
  g_assert_cmpstr (by_name_after, ==, "Ébert Nordmann Ærø Ødegård Øvre Åsen");
  by_team_after = people_order (store, PB_PEOPLE_SORT_TEAM);
  g_assert_cmpstr (by_team_after, ==, "Ødegård Øvre Åsen Ébert Nordmann Ærø");
}

static void
test_demo_file (void)
{
  g_autofree char *dir = pb_test_make_dir ("demo");
  g_autofree char *path = pb_test_source_path ("data/demo/hr-demo.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (dir, &error);
  g_autoptr(PbImportResult) result = NULL;
  gint64 n_people;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      pb_test_skip_or_fail ("data/demo/hr-demo.json is missing");
      return;
    }

  if (!pb_import_file (store, path, PB_IMPORT_FLAGS_NONE, &result, &error) && result != NULL)
    for (guint i = 0; i < pb_import_result_get_issues (result)->len; i++)
      {
        g_autofree char *line = pb_import_issue_format (g_ptr_array_index (pb_import_result_get_issues (result), i));
        g_test_message ("%s", line);
      }
  g_assert_no_error (error);

  n_people = pb_store_count (store, PB_ENTITY_EMPLOYEE, NULL);
  g_assert_cmpint (n_people, >=, 35);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_COMPANY, NULL), ==, 2);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_LOCATION, NULL), ==, 3);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_TEAM, NULL), ==, 5);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_POSITION, NULL), >, n_people);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_ABSENCE, NULL), >, 10);
  g_assert_cmpint (pb_store_count (store, PB_ENTITY_SALARY, NULL), >=, n_people);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/import/invalid/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad_file);
    }
  g_test_add_func ("/import/invalid/store-unchanged-byte-for-byte", test_bad_file_leaves_store_unchanged);
  g_test_add_func ("/import/reimport/exact-change-rows", test_reimport_change_rows);
  g_test_add_func ("/import/nested-list-is-complete", test_nested_list_complete);
  g_test_add_func ("/import/csv/dialect-and-merge", test_csv_dialect_and_merge);
  g_test_add_func ("/import/json/decimal-numbers", test_json_decimals);
  g_test_add_func ("/import/json/values-as-json-glib", test_json_values_as_json_glib);
  g_test_add_func ("/import/replace-marks-deleted", test_replace);
  g_test_add_func ("/import/manager-order-and-cycles", test_manager_order);
  g_test_add_func ("/import/demo-file", test_demo_file);
  g_test_add_func ("/import/sort-keys", test_sort_keys);

  return g_test_run ();
}
