/* fuzz-import.h: one import of a fuzzed file into a throw-away register
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib/gstdio.h>
#include <string.h>

#include "fuzz-common.h"
#include "pb-import.h"
#include "pb-store.h"

static PbStore *fuzz_store;

/* One register for the whole run, seeded like the tests' base register so
 * that references, matches and updates are reached too. A fuzzed file that
 * passes is written to it, so the register grows a little over a run. */
static const char fuzz_base[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"teams\": [ { \"key\": \"eng\", \"name\": \"Engineering\" } ],"
  "  \"absence_types\": [ { \"key\": \"vacation\", \"name\": \"Vacation\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\","
  "      \"employee_number\": \"1001\", \"team\": \"eng\", \"company\": \"acme\" },"
  "    { \"given_name\": \"Ola\", \"family_name\": \"Hansen\", \"email\": \"ola@acme.no\","
  "      \"employee_number\": \"1002\", \"manager_email\": \"kari@acme.no\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Engineer\" } ] }"
  "  ] }";

static void
fuzz_import_init (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pb-fuzz-XXXXXX", &error);

  fuzz_init_glib ();
  g_assert_no_error (error);
  fuzz_store = pb_store_open (dir, &error);
  g_assert_no_error (error);
  if (!pb_import_data (fuzz_store, "base.json", fuzz_base, strlen (fuzz_base), FALSE,
                       PB_IMPORT_FLAGS_NONE, NULL, &error))
    g_error ("base register: %s", error->message);
}

/* Imports @data. Besides what the sanitizers and the log handler catch,
 * a refusal must say why: an error, and issues in UTF-8. */
static void
fuzz_import_one (const uint8_t *data,
                 size_t         size,
                 gboolean       is_csv)
{
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (pb_import_data (fuzz_store, is_csv ? "fuzz.csv" : "fuzz.json", (const char *) data, size, is_csv,
                      PB_IMPORT_FLAGS_NONE, &result, &error))
    summary = pb_import_result_summary (result);
  else
    {
      GPtrArray *issues = result != NULL ? pb_import_result_get_issues (result) : NULL;

      if (error == NULL || error->message[0] == '\0')
        abort ();
      for (guint i = 0; issues != NULL && i < issues->len; i++)
        {
          g_autofree char *line = pb_import_issue_format (g_ptr_array_index (issues, i));
          if (!g_utf8_validate (line, -1, NULL))
            abort ();
        }
    }
}
