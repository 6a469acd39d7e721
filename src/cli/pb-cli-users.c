/* pb-cli-users.c: paybridge-cli users plan|pair|unpair|sync|report (SPEC U1-U6, U11)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbCli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pb-cli-private.h"
#include "pb-connections.h"
#include "pb-user-sync.h"

typedef struct
{
  gboolean  done;
  gpointer  result;
  gboolean  ok;
  GError   *error;
  PbUserSyncReport report;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == pb_user_sync_plan_async)
    wait->result = pb_user_sync_plan_finish (result, &wait->error);
  else
    wait->ok = pb_user_sync_apply_finish (result, &wait->report, &wait->error);
  wait->done = TRUE;
}

static PbUserPlan *
make_plan (PbStore       *store,
           PbConnection  *connection,
           PbProvider    *provider,
           GError       **error)
{
  Wait wait = { 0 };

  pb_user_sync_plan_async (store, connection, provider, NULL, on_done_cb, &wait);
  pb_cli_wait (&wait.done);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.result;
}

/* The HR side of every plan item from one read of the register: a read
 * per item made printing a plan of 100,000 people take seconds. A plan
 * just made brings the people it was made from (@plan may be NULL). */
static GHashTable *
read_people (PbStore    *store,
             PbUserPlan *plan)
{
  GHashTable *people;

  if (plan != NULL && plan->people != NULL)
    return g_hash_table_ref (plan->people);
  people = pb_store_index_by_id (store, PB_ENTITY_EMPLOYEE, NULL);

  return people != NULL ? people : g_hash_table_new (g_int64_hash, g_int64_equal);
}

static PbRecord *
hr_of (GHashTable *people,
       PbPlanItem *item)
{
  return item->employee_id != 0 ? g_hash_table_lookup (people, &item->employee_id) : NULL;
}

static char *
person_name (PbRecord   *hr,
             PbPlanItem *item)
{
  PbRecord *record = hr != NULL ? hr : item->payroll;
  g_autofree char *name = NULL;

  if (record == NULL)
    return g_strdup ("?");
  name = pb_record_dup_display_name (record);
  return g_strdup_printf ("%s <%s>", name, pb_record_get (record, PB_EMPLOYEE_EMAIL) ?: "");
}

/* One item's HR person read from the store, for commands about one person. */
static char *
person_name_from_store (PbStore    *store,
                        PbPlanItem *item)
{
  g_autoptr(PbRecord) hr = item->employee_id != 0 ? pb_store_get (store, PB_ENTITY_EMPLOYEE, item->employee_id, NULL)
                                                  : NULL;

  return person_name (hr, item);
}

/* One person of a plan, as `users plan --json` shows them. */
static void
person_to_json (JsonBuilder *builder,
                GHashTable  *people,
                PbPlanItem  *item)
{
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  PbRecord *hr = hr_of (people, item);
  PbRecord *either = hr != NULL ? hr : item->payroll;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, pb_match_kind_to_string (item->kind));
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, either ? pb_record_get (either, PB_EMPLOYEE_EMAIL) : NULL);
  json_builder_set_member_name (builder, "employee_id");
  if (item->employee_id != 0)
    json_builder_add_int_value (builder, item->employee_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "payroll_id");
  json_builder_add_string_value (builder, item->remote_id);
  json_builder_set_member_name (builder, "paired");
  json_builder_add_boolean_value (builder, item->paired);
  json_builder_set_member_name (builder, "differing");
  json_builder_begin_object (builder);
  for (guint f = 0; f < def->n_fields; f++)
    if (item->differing & (1u << f))
      {
        json_builder_set_member_name (builder, def->fields[f].name);
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "hr");
        json_builder_add_string_value (builder, hr ? pb_record_get (hr, f) : NULL);
        json_builder_set_member_name (builder, "payroll");
        json_builder_add_string_value (builder, item->payroll ? pb_record_get (item->payroll, f) : NULL);
        json_builder_end_object (builder);
      }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "missing");
  json_builder_begin_array (builder);
  for (guint f = 0; f < def->n_fields; f++)
    if (item->missing & (1u << f))
      json_builder_add_string_value (builder, def->fields[f].name);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "decision");
  json_builder_add_string_value (builder, pb_decision_to_string (item->decision));
  json_builder_set_member_name (builder, "outcome");
  json_builder_add_string_value (builder, item->outcome);
  json_builder_end_object (builder);
}

/* The plan as JSON, printed one person at a time: the whole document as
 * one json-glib tree and text took over 1 GB for 100,000 people. The text
 * is json-glib's, pretty-printed as pb_cli_print_json() does: the
 * document without its people, and each person generated alone in its
 * place. */
static void
print_plan_json (PbStore    *store,
                 PbUserPlan *plan)
{
  static const char slot_line[] = "    \"@people@\"";
  g_autoptr(GHashTable) people = read_people (store, plan);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *outline = NULL;
  const char *slot;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "plan");
  json_builder_add_int_value (builder, plan->id);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, plan->created_at);
  json_builder_set_member_name (builder, "people");
  json_builder_begin_array (builder);
  if (plan->items->len > 0)
    json_builder_add_string_value (builder, "@people@");
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  if (plan->items->len == 0)
    {
      pb_cli_print_json (root);
      return;
    }

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  outline = json_generator_to_data (generator, NULL);
  slot = strstr (outline, slot_line);
  g_assert (slot != NULL);
  fwrite (outline, 1, slot - outline, stdout);

  for (guint i = 0; i < plan->items->len; i++)
    {
      g_autoptr(JsonBuilder) person = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;
      const char *start, *end;

      /* Generated at the depth it has in the document ({"people": [it]}),
       * as json-glib indents even an empty object by its depth. */
      json_builder_begin_object (person);
      json_builder_set_member_name (person, "people");
      json_builder_begin_array (person);
      person_to_json (person, people, g_ptr_array_index (plan->items, i));
      json_builder_end_array (person);
      json_builder_end_object (person);
      node = json_builder_get_root (person);
      json_generator_set_root (generator, node);
      text = json_generator_to_data (generator, NULL);
      start = strstr (text, "[\n") + 2;
      end = g_strrstr (text, "\n  ]");
      fwrite (start, 1, end - start, stdout);
      if (i + 1 < plan->items->len)
        fputs (",\n", stdout);
    }
  printf ("%s\n", slot + strlen (slot_line));
}

static void
print_plan (PbStore    *store,
            PbUserPlan *plan)
{
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  guint counts[PB_MATCH_LOCKED + 1] = { 0 };
  g_autoptr(GHashTable) people = read_people (store, plan);
  g_autoptr(PbPairIndex) pairs = pb_pair_index_new (plan);

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      PbRecord *hr = hr_of (people, item);
      g_autofree char *name = NULL;

      /* The payroll half of a pair shows as part of its HR half. */
      if (pb_plan_item_is_absorbed (item))
        continue;

      name = person_name (hr, item);

      counts[item->kind]++;
      printf ("%-13s %s%s%s\n", pb_match_kind_to_string (item->kind), name,
              item->decision != PB_DECISION_NONE ? "  -> " : "",
              item->decision != PB_DECISION_NONE ? pb_decision_to_string (item->decision) : "");
      if (item->paired && item->payroll != NULL)
        {
          g_autofree char *payroll_name = pb_record_dup_display_name (item->payroll);

          printf (_("    paired with %s %s <%s>\n"), item->remote_id, payroll_name,
                  pb_record_get (item->payroll, PB_EMPLOYEE_EMAIL) ?: "");
        }
      /* Someone in payroll under another email: the suggestions to pair. */
      if (item->kind == PB_MATCH_HR_ONLY && hr != NULL && !pb_plan_item_is_done (item))
        {
          g_autoptr(GArray) candidates = pb_pair_index_suggest (pairs, hr);

          for (guint c = 0; c < candidates->len; c++)
            {
              PbPairCandidate *candidate = &g_array_index (candidates, PbPairCandidate, c);
              g_autofree char *payroll_name = NULL;

              payroll_name = pb_record_dup_display_name (candidate->item->payroll);
              printf (_("    maybe: %s %s <%s> (%s)\n"), candidate->item->remote_id, payroll_name,
                      pb_record_get (candidate->item->payroll, PB_EMPLOYEE_EMAIL) ?: "",
                      pb_match_pair_reason_to_string (candidate->reasons));
            }
        }
      for (guint f = 0; f < def->n_fields; f++)
        {
          if (item->differing & (1u << f))
            printf (_("    %s differs: HR “%s”, payroll “%s”\n"), def->fields[f].name,
                    hr && pb_record_get (hr, f) ? pb_record_get (hr, f) : "",
                    item->payroll && pb_record_get (item->payroll, f) ? pb_record_get (item->payroll, f) : "");
          if (item->missing & (1u << f))
            printf (_("    ⚠ %s is empty in HR; payroll requires it (U2)\n"), def->fields[f].name);
        }
    }

  printf (_("Matched %u, HR only %u, payroll only %u, ambiguous %u, locked %u.\n"),
          counts[PB_MATCH_MATCHED], counts[PB_MATCH_HR_ONLY], counts[PB_MATCH_PAYROLL_ONLY],
          counts[PB_MATCH_AMBIGUOUS], counts[PB_MATCH_LOCKED]);
}

/* The outcome per person and the counts (SPEC U5). Returns: the failures */
static guint
print_report (PbStore    *store,
              PbUserPlan *plan)
{
  guint counts[PB_N_OUTCOMES];
  /* Read again: applying may have created people in HR. */
  g_autoptr(GHashTable) people = read_people (store, NULL);

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      g_autofree char *name = NULL;

      if (pb_plan_item_is_absorbed (item))
        continue;
      name = person_name (hr_of (people, item), item);
      printf ("%-40s %s\n", name, item->outcome ? item->outcome : "");
    }
  pb_user_plan_count_outcomes (plan, counts);
  printf (_("Linked %u, payroll updated %u, HR updated %u, created in payroll %u, created in HR %u, "
            "left %u, skipped %u, failed %u.\n"),
          counts[PB_OUTCOME_LINKED], counts[PB_OUTCOME_PAYROLL_UPDATED], counts[PB_OUTCOME_HR_UPDATED],
          counts[PB_OUTCOME_CREATED_IN_PAYROLL], counts[PB_OUTCOME_CREATED_IN_HR], counts[PB_OUTCOME_LEFT],
          counts[PB_OUTCOME_SKIPPED], counts[PB_OUTCOME_FAILED]);

  return counts[PB_OUTCOME_FAILED];
}

static int
cmd_plan (CliContext  *ctx,
          int          argc,
          char       **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON document"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  status = pb_cli_open_connection (ctx, "users plan", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  provider = pb_cli_open_provider (connection, &error);
  if (provider == NULL || (plan = make_plan (store, connection, provider, &error)) == NULL)
    return pb_cli_fail ("%s", error->message);

  if (json)
    {
      print_plan_json (store, plan);
    }
  else
    print_plan (store, plan);

  return EXIT_OK;
}

static int
cmd_sync (CliContext  *ctx,
          int          argc,
          char       **argv)
{
  g_autofree char *prefer = NULL;
  g_autofree char *create_in = NULL;
  gboolean yes = FALSE;
  GOptionEntry entries[] = {
    { "prefer", 0, 0, G_OPTION_ARG_STRING, &prefer, N_("Which side wins a difference: hr or payroll"), "SIDE" },
    { "create-in", 0, 0, G_OPTION_ARG_STRING, &create_in,
      N_("Create one-side-only people in: payroll, hr, both or none"), "SIDE" },
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("Apply without asking"), NULL },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  PbDecision prefer_decision = PB_DECISION_NONE;
  gboolean in_payroll = FALSE, in_hr = FALSE;
  Wait wait = { 0 };
  PbUserSyncReport *r;

  if (!pb_cli_parse_options ("users sync", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 2)
    return pb_cli_usage_error (_("users sync takes one connection NAME"));
  if (prefer != NULL && !g_str_equal (prefer, "hr") && !g_str_equal (prefer, "payroll"))
    return pb_cli_usage_error (_("--prefer is hr or payroll"));
  if (create_in != NULL && !g_strv_contains ((const char * const[]) { "payroll", "hr", "both", "none", NULL },
                                             create_in))
    return pb_cli_usage_error (_("--create-in is payroll, hr, both or none"));

  if (prefer != NULL)
    prefer_decision = g_str_equal (prefer, "hr") ? PB_DECISION_PREFER_HR : PB_DECISION_PREFER_PAYROLL;
  in_payroll = create_in != NULL && (g_str_equal (create_in, "payroll") || g_str_equal (create_in, "both"));
  in_hr = create_in != NULL && (g_str_equal (create_in, "hr") || g_str_equal (create_in, "both"));

  store = pb_cli_open_store (ctx);
  if (store == NULL || (connection = pb_cli_find_connection (store, argv[1])) == NULL)
    return EXIT_FAILED;

  provider = pb_cli_open_provider (connection, &error);
  if (provider == NULL)
    return pb_cli_fail ("%s", error->message);

  /* Go on with the last plan if an earlier run was interrupted; otherwise
   * read both sides again. */
  plan = pb_store_load_last_plan (store, connection->id, NULL);
  if (plan == NULL || plan->applied_at != NULL)
    {
      g_clear_pointer (&plan, pb_user_plan_free);
      plan = make_plan (store, connection, provider, &error);
      if (plan == NULL)
        return pb_cli_fail ("%s", error->message);
    }

  pb_user_sync_decide_defaults (plan, prefer_decision, in_payroll, in_hr);
  for (guint i = 0; i < plan->items->len; i++)
    if (!pb_store_update_plan_item (store, plan, g_ptr_array_index (plan->items, i), &error))
      return pb_cli_fail ("%s", error->message);

  print_plan (store, plan);
  if (!yes)
    {
      char answer[16] = "";

      if (!isatty (STDIN_FILENO))
        return pb_cli_fail (_("Nothing was applied: add --yes to apply without a terminal to ask on"));
      printf ("%s ", _("Apply these decisions? [y/N]"));
      fflush (stdout);
      if (fgets (answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y'))
        return pb_cli_fail (_("Nothing was applied"));
    }

  pb_user_sync_apply_async (store, connection, provider, plan, NULL, NULL, NULL, on_done_cb, &wait);
  pb_cli_wait (&wait.done);
  if (!wait.ok)
    {
      g_autoptr(GError) failure = wait.error;
      return pb_cli_fail ("%s", failure->message);
    }

  r = &wait.report;
  print_report (store, plan);
  if (r->activated)
    printf (_("“%s” is now active: changes in HR are sent from now on.\n"), connection->name);

  return r->failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/* SPEC U5: the saved report of the last user sync, or a list of them. */
static int
cmd_report (CliContext  *ctx,
            int          argc,
            char       **argv)
{
  gboolean csv = FALSE;
  gboolean list = FALSE;
  gint64 id = 0;
  GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print the report as CSV"), NULL },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, N_("List the saved reports"), NULL },
    { "id", 0, 0, G_OPTION_ARG_INT64, &id, N_("The report to print (default: the last)"), "ID" },
    { NULL }
  };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  int status;
  g_autoptr(PbUserPlan) report = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(GError) error = NULL;

  status = pb_cli_open_connection (ctx, "users report", entries, &argc, &argv, &store, &connection);
  if (status != EXIT_OK)
    return status;

  reports = pb_store_list_reports (store, connection->id, &error);
  if (reports == NULL)
    return pb_cli_fail ("%s", error->message);
  if (list)
    {
      for (guint i = 0; i < reports->len; i++)
        {
          PbUserPlan *plan = g_ptr_array_index (reports, i);
          printf ("%" G_GINT64_FORMAT "\t%s\n", plan->id, plan->applied_at);
        }
      return EXIT_OK;
    }

  if (id == 0 && reports->len > 0)
    id = ((PbUserPlan *) g_ptr_array_index (reports, 0))->id;
  if (id != 0)
    report = pb_store_load_plan (store, connection->id, id, &error);
  if (report == NULL || report->applied_at == NULL)
    return pb_cli_fail (_("“%s” has no such user-sync report"), connection->name);

  if (csv)
    {
      g_autofree char *text = pb_user_plan_to_csv (store, report);

      fwrite (text, 1, strlen (text), stdout);
      return EXIT_OK;
    }

  printf (_("User sync applied %s\n"), report->applied_at);
  return print_report (store, report) > 0 ? EXIT_FAILED : EXIT_OK;
}

/* The stored plan, unapplied, to pair people in (no network: SPEC
 * "reviewable offline"). */
static PbUserPlan *
open_plan (PbStore      *store,
           PbConnection *connection)
{
  g_autoptr(PbUserPlan) plan = pb_store_load_last_plan (store, connection->id, NULL);

  if (plan == NULL || plan->applied_at != NULL)
    {
      pb_cli_fail (_("“%s” has no plan to change: run “users plan %s” first"), connection->name, connection->name);
      return NULL;
    }
  return g_steal_pointer (&plan);
}

static PbPlanItem *
find_hr_item (PbStore    *store,
              PbUserPlan *plan,
              const char *email)
{
  g_autofree char *key = pb_match_key (email);
  g_autoptr(GHashTable) people = pb_store_index_by_id (store, PB_ENTITY_EMPLOYEE, NULL);

  for (guint i = 0; key != NULL && people != NULL && i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      PbRecord *hr = g_hash_table_lookup (people, &item->employee_id);
      g_autofree char *hr_key = hr != NULL ? pb_match_key (pb_record_get (hr, PB_EMPLOYEE_EMAIL)) : NULL;

      if (hr_key != NULL && g_str_equal (hr_key, key))
        return item;
    }
  return NULL;
}

/* SPEC U1, U3, U4: someone in payroll under another email is paired by
 * hand with their HR person; they are matched from then on. */
static int
cmd_pair (CliContext  *ctx,
          int          argc,
          char       **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  PbPlanItem *hr_item;
  PbPlanItem *payroll_item = NULL;
  g_autofree char *name = NULL;

  if (!pb_cli_parse_options ("users pair", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 4)
    return pb_cli_usage_error (_("users pair takes a connection NAME, an HR_EMAIL and a PAYROLL_ID"));

  store = pb_cli_open_store (ctx);
  if (store == NULL || (connection = pb_cli_find_connection (store, argv[1])) == NULL ||
      (plan = open_plan (store, connection)) == NULL)
    return EXIT_FAILED;

  hr_item = find_hr_item (store, plan, argv[2]);
  if (hr_item == NULL)
    return pb_cli_fail (_("Nobody in the plan has the HR email “%s”"), argv[2]);
  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);

      if (item->kind == PB_MATCH_PAYROLL_ONLY && g_strcmp0 (item->remote_id, argv[3]) == 0)
        payroll_item = item;
    }
  if (payroll_item == NULL)
    return pb_cli_fail (_("Nobody only in payroll has the id “%s”"), argv[3]);

  if (!pb_user_sync_pair (store, connection, plan, hr_item, payroll_item, &error))
    return pb_cli_fail ("%s", error->message);

  name = person_name_from_store (store, hr_item);
  printf (_("Paired %s with %s in payroll.\n"), name, hr_item->remote_id);
  print_plan (store, plan);
  return EXIT_OK;
}

static int
cmd_unpair (CliContext  *ctx,
            int          argc,
            char       **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  PbPlanItem *hr_item;
  g_autofree char *name = NULL;

  if (!pb_cli_parse_options ("users unpair", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 3)
    return pb_cli_usage_error (_("users unpair takes a connection NAME and an HR_EMAIL"));

  store = pb_cli_open_store (ctx);
  if (store == NULL || (connection = pb_cli_find_connection (store, argv[1])) == NULL ||
      (plan = open_plan (store, connection)) == NULL)
    return EXIT_FAILED;

  hr_item = find_hr_item (store, plan, argv[2]);
  if (hr_item == NULL)
    return pb_cli_fail (_("Nobody in the plan has the HR email “%s”"), argv[2]);
  if (!pb_user_sync_unpair (store, connection, plan, hr_item, &error))
    return pb_cli_fail ("%s", error->message);

  name = person_name_from_store (store, hr_item);
  printf (_("Unpaired %s.\n"), name);
  print_plan (store, plan);
  return EXIT_OK;
}

static const CliCommand subcommands[] = {
  { "plan", "NAME [--json]", N_("Read both sides and show the matching plan"), cmd_plan },
  { "pair", "NAME HR_EMAIL PAYROLL_ID", N_("Pair an HR-only person with a payroll-only one"), cmd_pair },
  { "unpair", "NAME HR_EMAIL", N_("Undo a pair before applying"), cmd_unpair },
  { "sync", "NAME [--prefer hr|payroll] [--create-in …] [--yes]", N_("Apply the plan"), cmd_sync },
  { "report", "NAME [--csv] [--list] [--id ID]", N_("Show the last user-sync report"), cmd_report },
};

int
pb_cli_users (CliContext  *ctx,
              int          argc,
              char       **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "%s\n", _("Usage: paybridge-cli users plan|pair|unpair|sync|report NAME"));
      return EXIT_USAGE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (argv[1], subcommands[i].name))
      return subcommands[i].func (ctx, argc - 1, argv + 1);

  return pb_cli_usage_error (_("unknown users command “%s”"), argv[1]);
}
