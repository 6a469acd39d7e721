/* test-people-model.c: the People view's paged model against the store
 * (issue 14: the People list reads lazily)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pb-people-model.h"
#include "pb-store.h"
#include "pb-test-utils.h"

/* More than two pages of people, so that pages two and three and their
 * edges are read too. */
#define N_PEOPLE 450

static const char * const given_names[] = { "Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Åse" };

typedef struct
{
  char    *dir;
  PbStore *store;
} Fixture;

static void
save_or_die (PbStore  *store,
             PbRecord *record)
{
  g_autoptr(GError) error = NULL;

  gboolean saved = pb_store_save (store, record, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (saved);
}

static void
save_named (PbStore    *store,
            PbEntity    entity,
            const char *key,
            const char *name,
            const char *company)
{
  g_autoptr(PbRecord) record = pb_record_new (entity);

  pb_record_set (record, 0, key);
  pb_record_set (record, 1, name);
  if (entity == PB_ENTITY_COMPANY)
    pb_record_set (record, pb_entity_find_field (entity, "currency"), "NOK");
  if (company != NULL)
    pb_record_set (record, pb_entity_find_field (entity, "company"), company);
  save_or_die (store, record);
}

/* Person i: family name "Fam%03d" in a shuffled order (i * 7 mod N), so
 * that the register's order is not the order of insertion; companies
 * alternate, every third is in Engineering, every fifth in Oslo, every
 * seventh deactivated; person 123 is Ødegård. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = pb_test_make_dir ("people-model");
  fixture->store = pb_store_open (fixture->dir, &error);
  g_assert_no_error (error);

  g_assert_true (pb_store_begin (fixture->store, &error));
  save_named (fixture->store, PB_ENTITY_COMPANY, "acme", "Acme AS", NULL);
  save_named (fixture->store, PB_ENTITY_COMPANY, "beta", "Beta AS", NULL);
  save_named (fixture->store, PB_ENTITY_LOCATION, "oslo", "Oslo", "acme");
  save_named (fixture->store, PB_ENTITY_TEAM, "eng", "Engineering", NULL);
  save_named (fixture->store, PB_ENTITY_TEAM, "sales", "Sales", NULL);

  for (guint i = 0; i < N_PEOPLE; i++)
    {
      g_autoptr(PbRecord) person = pb_record_new (PB_ENTITY_EMPLOYEE);
      g_autofree char *family = g_strdup_printf ("Fam%03u", (i * 7) % N_PEOPLE);
      g_autofree char *email = g_strdup_printf ("p%03u@acme.no", (i * 11) % N_PEOPLE);
      g_autofree char *number = g_strdup_printf ("E%04u", i);

      pb_record_set (person, PB_EMPLOYEE_GIVEN_NAME, given_names[i % G_N_ELEMENTS (given_names)]);
      pb_record_set (person, PB_EMPLOYEE_FAMILY_NAME, i == 123 ? "Ødegård" : family);
      pb_record_set (person, PB_EMPLOYEE_EMAIL, email);
      pb_record_set (person, PB_EMPLOYEE_EMPLOYEE_NUMBER, number);
      pb_record_set (person, PB_EMPLOYEE_COMPANY, i % 2 == 0 ? "acme" : "beta");
      pb_record_set (person, PB_EMPLOYEE_TEAM, i % 3 == 0 ? "eng" : "sales");
      if (i % 5 == 0)
        pb_record_set (person, PB_EMPLOYEE_LOCATION, "oslo");
      pb_record_set (person, PB_EMPLOYEE_STATUS, i % 7 == 0 ? "deactivated" : "active");
      save_or_die (fixture->store, person);
    }
  g_assert_true (pb_store_commit (fixture->store, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->dir, g_free);
}

/* The register as pb_store_list() reads it, narrowed in C. */
static GPtrArray *
list_all (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *people = pb_store_list (fixture->store, PB_ENTITY_EMPLOYEE, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (people->len, ==, N_PEOPLE);
  return people;
}

static void
assert_model_ids (GListModel *model,
                  GPtrArray  *expected)
{
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    {
      g_autoptr(PbRecord) person = g_list_model_get_item (model, i);

      g_assert_nonnull (person);
      if (pb_record_get_id (person) != pb_record_get_id (g_ptr_array_index (expected, i)))
        g_error ("position %u: person %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT, i,
                 pb_record_get_id (person), pb_record_get_id (g_ptr_array_index (expected, i)));
    }
  g_assert_null (g_list_model_get_item (model, expected->len));
}

/* The whole register in its order, read page by page: nothing is read
 * before an item is asked for, and reading an item past the first page
 * reads that page only. */
static void
test_pages (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  g_autoptr(GPtrArray) all = list_all (fixture);
  g_autoptr(PbRecord) last = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_PEOPLE);
  g_assert_cmpuint (pb_people_model_get_n_all (model), ==, N_PEOPLE);
  g_assert_false (pb_people_model_get_all_active (model));
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==, 0);

  last = g_list_model_get_item (G_LIST_MODEL (model), N_PEOPLE - 1);
  g_assert_cmpint (pb_record_get_id (last), ==, pb_record_get_id (g_ptr_array_index (all, N_PEOPLE - 1)));
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==, 1);

  /* The same object while its page is held: a selection compares them. */
  {
    g_autoptr(PbRecord) again = g_list_model_get_item (G_LIST_MODEL (model), N_PEOPLE - 1);

    g_assert_true (again == last);
  }

  assert_model_ids (G_LIST_MODEL (model), all);
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==,
                    (N_PEOPLE + PB_PEOPLE_MODEL_PAGE_SIZE - 1) / PB_PEOPLE_MODEL_PAGE_SIZE);

  /* Positions past the first page, and at a page's edges. */
  for (guint i = 0; i < N_PEOPLE; i += 199)
    g_assert_cmpuint (pb_people_model_find (model, pb_record_get_id (g_ptr_array_index (all, i))), ==, i);
  g_assert_cmpuint (pb_people_model_find (model, pb_record_get_id (g_ptr_array_index (all, 200))), ==, 200);
  g_assert_cmpuint (pb_people_model_find (model, 999999), ==, G_MAXUINT);
}

static gboolean
matches (PbRecord   *person,
         const char *company,
         const char *team,
         const char *location,
         const char *text)
{
  g_autofree char *haystack = NULL;

  if (company != NULL && g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_COMPANY), company) != 0)
    return FALSE;
  if (team != NULL && g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_TEAM), team) != 0)
    return FALSE;
  if (location != NULL && g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_LOCATION), location) != 0)
    return FALSE;
  if (text == NULL)
    return TRUE;

  haystack = g_strdup_printf ("%s\n%s\n%s\n%s", pb_record_get (person, PB_EMPLOYEE_GIVEN_NAME),
                              pb_record_get (person, PB_EMPLOYEE_FAMILY_NAME),
                              pb_record_get (person, PB_EMPLOYEE_EMAIL),
                              pb_record_get (person, PB_EMPLOYEE_EMPLOYEE_NUMBER));
  return strstr (haystack, text) != NULL;
}

static GPtrArray *
expect (GPtrArray  *all,
        const char *company,
        const char *team,
        const char *location,
        const char *text)
{
  GPtrArray *expected = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    if (matches (g_ptr_array_index (all, i), company, team, location, text))
      g_ptr_array_add (expected, g_ptr_array_index (all, i));

  return expected;
}

/* The three filters and the search, combined, as SQL. */
static void
test_filters_combined (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  g_autoptr(GPtrArray) all = list_all (fixture);
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;
  const char * const fam1[] = { "FAM1", NULL };
  const char * const two_words[] = { "ada", "fam2", NULL };
  const char * const nobody[] = { "fam1", "nobody", NULL };

  {
    g_autoptr(GPtrArray) expected = expect (all, "acme", "eng", NULL, NULL);

    query.company = "acme";
    query.team = "eng";
    pb_people_model_set_query (model, &query);
    g_assert_cmpuint (expected->len, >, 0);
    assert_model_ids (G_LIST_MODEL (model), expected);
    /* The whole register is still counted, for "3 of 40 people". */
    g_assert_cmpuint (pb_people_model_get_n_all (model), ==, N_PEOPLE);
  }

  {
    g_autoptr(GPtrArray) expected = expect (all, "acme", "eng", "oslo", NULL);

    query.location = "oslo";
    pb_people_model_set_query (model, &query);
    g_assert_cmpuint (expected->len, >, 0);
    assert_model_ids (G_LIST_MODEL (model), expected);
  }

  {
    /* Case-insensitive: "FAM1" finds Fam1xx. */
    g_autoptr(GPtrArray) expected = expect (all, "acme", NULL, NULL, "Fam1");

    query.team = NULL;
    query.location = NULL;
    query.search = fam1;
    pb_people_model_set_query (model, &query);
    g_assert_cmpuint (expected->len, >, 0);
    assert_model_ids (G_LIST_MODEL (model), expected);
  }

  {
    /* Every word must appear. */
    g_autoptr(GPtrArray) with_ada = expect (all, NULL, NULL, NULL, "Ada");
    g_autoptr(GPtrArray) expected = expect (with_ada, NULL, NULL, NULL, "Fam2");

    query.company = NULL;
    query.search = two_words;
    pb_people_model_set_query (model, &query);
    g_assert_cmpuint (expected->len, >, 0);
    assert_model_ids (G_LIST_MODEL (model), expected);
  }

  query.search = nobody;
  pb_people_model_set_query (model, &query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 0));
}

/* Email, employee number and non-ASCII letters, case-insensitively. */
static void
test_search_fields (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;
  const char * const by_number[] = { "e0123", NULL };
  const char * const by_email[] = { "P000@ACME", NULL };
  const char * const by_upper[] = { "ØDEGÅRD", NULL };
  const char * const by_ascii[] = { "odegard", NULL };
  g_autoptr(PbRecord) found = NULL;

  query.search = by_number;
  pb_people_model_set_query (model, &query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  found = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pb_record_get (found, PB_EMPLOYEE_FAMILY_NAME), ==, "Ødegård");
  g_clear_object (&found);

  query.search = by_upper;
  pb_people_model_set_query (model, &query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  found = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pb_record_get (found, PB_EMPLOYEE_EMPLOYEE_NUMBER), ==, "E0123");
  g_clear_object (&found);

  query.search = by_ascii;
  pb_people_model_set_query (model, &query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);

  query.search = by_email;
  pb_people_model_set_query (model, &query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  found = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pb_record_get (found, PB_EMPLOYEE_EMAIL), ==, "p000@acme.no");
}

static int
compare_email (gconstpointer a,
               gconstpointer b)
{
  PbRecord *x = *(PbRecord **) a, *y = *(PbRecord **) b;

  return strcmp (pb_record_get (x, PB_EMPLOYEE_EMAIL), pb_record_get (y, PB_EMPLOYEE_EMAIL));
}

static int
compare_email_desc (gconstpointer a,
                    gconstpointer b)
{
  return -compare_email (a, b);
}

/* Stable, as GtkSortListModel was: ties keep the register's order. */
static int
compare_team_desc (gconstpointer a,
                   gconstpointer b)
{
  PbRecord *x = *(PbRecord **) a, *y = *(PbRecord **) b;

  /* Sales before Engineering */
  return -strcmp (pb_record_get (x, PB_EMPLOYEE_TEAM), pb_record_get (y, PB_EMPLOYEE_TEAM));
}

static int
compare_status (gconstpointer a,
                gconstpointer b)
{
  PbRecord *x = *(PbRecord **) a, *y = *(PbRecord **) b;

  return strcmp (pb_record_get (x, PB_EMPLOYEE_STATUS), pb_record_get (y, PB_EMPLOYEE_STATUS));
}

static gpointer
ref_record (gconstpointer record,
            gpointer      data)
{
  return g_object_ref ((gpointer) record);
}

static void
assert_sorted (PbPeopleModel    *model,
               GPtrArray        *all,
               PbPeopleSort      sort,
               gboolean          descending,
               GCompareFunc      compare)
{
  g_autoptr(GPtrArray) expected = g_ptr_array_copy (all, ref_record, NULL);
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;

  g_ptr_array_sort_with_data (expected, (GCompareDataFunc) (void (*) (void)) compare, NULL);
  query.sort = sort;
  query.descending = descending;
  pb_people_model_set_query (model, &query);
  assert_model_ids (G_LIST_MODEL (model), expected);
}

/* Each column's sort as ORDER BY, over every page. */
static void
test_sorts (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  g_autoptr(GPtrArray) all = list_all (fixture);

  /* g_ptr_array_sort_with_data is a stable merge sort. */
  assert_sorted (model, all, PB_PEOPLE_SORT_EMAIL, FALSE, compare_email);
  assert_sorted (model, all, PB_PEOPLE_SORT_EMAIL, TRUE, compare_email_desc);
  assert_sorted (model, all, PB_PEOPLE_SORT_TEAM, TRUE, compare_team_desc);
  assert_sorted (model, all, PB_PEOPLE_SORT_STATUS, FALSE, compare_status);
}

/* A register with Norwegian names: seven named people and N_FILLERS
 * "FamNNN" (emails fNNN@, no team) between B and Z, so that the names
 * after Z are on the second page one way and on the first the other. */
#define N_FILLERS 300

static const struct {
  const char *family;
  const char *given;
  const char *email;
  const char *team;
} nordic_people[] = {
  { "Åsen", "Per", "ærlig@acme.no", "zulu" },
  { "Ødegård", "Kari", "ødegård@acme.no", "aapen" },
  { "Zakariassen", "Ali", "zak@acme.no", "alfa" },
  { "Ærø", "Ola", "åge@acme.no", NULL },
  { "Aasen", "Liv", "aasen@acme.no", "ostre" },
  { "Øyen", "Åse", "øyen@acme.no", "aerlig" },
  { "Ébert", "Émile", "émile@acme.no", "aapen" },
};

static PbStore *
nordic_store (GHashTable *ids)
{
  static const char * const teams[][2] = {
    { "aapen", "Åpen" }, { "ostre", "Østre" }, { "aerlig", "Ærlig" }, { "zulu", "Zulu" }, { "alfa", "Alfa" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = pb_test_make_dir ("people-model-nordic");
  PbStore *store = pb_store_open (dir, &error);

  guint filler = 0;

  g_assert_no_error (error);
  g_assert_true (pb_store_begin (store, &error));
  for (guint i = 0; i < G_N_ELEMENTS (teams); i++)
    save_named (store, PB_ENTITY_TEAM, teams[i][0], teams[i][1], NULL);
  /* a named person every 50, the fillers shuffled (i * 7 mod N) */
  for (guint i = 0; i < N_FILLERS + G_N_ELEMENTS (nordic_people); i++)
    {
      g_autoptr(PbRecord) person = pb_record_new (PB_ENTITY_EMPLOYEE);

      if (i % 50 == 0 && i / 50 < G_N_ELEMENTS (nordic_people))
        {
          guint k = i / 50;

          pb_record_set (person, PB_EMPLOYEE_GIVEN_NAME, nordic_people[k].given);
          pb_record_set (person, PB_EMPLOYEE_FAMILY_NAME, nordic_people[k].family);
          pb_record_set (person, PB_EMPLOYEE_EMAIL, nordic_people[k].email);
          pb_record_set (person, PB_EMPLOYEE_TEAM, nordic_people[k].team);
        }
      else
        {
          guint n = (filler++ * 7) % N_FILLERS;
          g_autofree char *family = g_strdup_printf ("Fam%03u", n);
          g_autofree char *email = g_strdup_printf ("f%03u@acme.no", n);

          pb_record_set (person, PB_EMPLOYEE_GIVEN_NAME, "X");
          pb_record_set (person, PB_EMPLOYEE_FAMILY_NAME, family);
          pb_record_set (person, PB_EMPLOYEE_EMAIL, email);
        }
      pb_record_set (person, PB_EMPLOYEE_STATUS, "active");
      save_or_die (store, person);
      g_hash_table_insert (ids, g_strdup (pb_record_get (person, PB_EMPLOYEE_FAMILY_NAME)),
                           GSIZE_TO_POINTER (pb_record_get_id (person)));
    }
  g_assert_true (pb_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (ids), ==, N_FILLERS + G_N_ELEMENTS (nordic_people));

  return store;
}

/* @head, the fillers in their order (Fam000 up, or down), then @tail. */
static char *
expected_order (const char *head,
                gboolean    fillers_down,
                const char *tail)
{
  GString *order = g_string_new (head);

  for (guint i = 0; i < N_FILLERS; i++)
    g_string_append_printf (order, "%sFam%03u", order->len > 0 ? " " : "", fillers_down ? N_FILLERS - 1 - i : i);
  if (*tail != '\0')
    g_string_append_printf (order, " %s", tail);

  return g_string_free (order, FALSE);
}

/* The family names of @model in its order, read page by page. */
static char *
model_order (GListModel *model)
{
  GString *order = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PbRecord) person = g_list_model_get_item (model, i);

      g_string_append_printf (order, "%s%s", i > 0 ? " " : "", pb_record_get (person, PB_EMPLOYEE_FAMILY_NAME));
    }

  return g_string_free (order, FALSE);
}

/* In @expected (names separated by spaces), the position of @family. */
static guint
position_in (const char *expected,
             const char *family)
{
  g_auto(GStrv) names = g_strsplit (expected, " ", -1);

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], family))
      return i;
  g_assert_not_reached ();
}

static void
assert_nordic_sort (PbPeopleModel *model,
                    GHashTable    *ids,
                    PbPeopleSort   sort,
                    gboolean       descending,
                    const char    *expected)
{
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;
  g_autofree char *order = NULL;

  query.sort = sort;
  query.descending = descending;
  pb_people_model_set_query (model, &query);
  order = model_order (G_LIST_MODEL (model));
  g_assert_cmpstr (order, ==, expected);

  /* The position lookup (row_number () OVER the same order) agrees. */
  for (guint i = 0; i < G_N_ELEMENTS (nordic_people); i++)
    {
      gint64 id = GPOINTER_TO_SIZE (g_hash_table_lookup (ids, nordic_people[i].family));

      g_assert_cmpuint (pb_people_model_find (model, id), ==, position_in (expected, nordic_people[i].family));
    }
  g_assert_cmpuint (pb_people_model_find (model, GPOINTER_TO_SIZE (g_hash_table_lookup (ids, "Fam123"))), ==,
                    position_in (expected, "Fam123"));
}

/* Names sort as a Norwegian HR administrator expects: Æ, Ø, Å after Z in
 * that order, É with E, "Aa" among the A's, case aside; so do emails and
 * team names; both ways, across pages, and the position lookup agrees.
 * COLLATE NOCASE put Å before Æ and Ø, and É after Z. */
static void
test_nordic_order (void)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(PbStore) store = nordic_store (ids);
  g_autoptr(PbPeopleModel) model = pb_people_model_new (store);
  g_autofree char *by_name = expected_order ("Aasen Ébert", FALSE, "Zakariassen Ærø Ødegård Øyen Åsen");
  g_autofree char *by_name_down = expected_order ("Åsen Øyen Ødegård Ærø Zakariassen", TRUE, "Ébert Aasen");
  /* emails: aasen émile f000... zak ærlig ødegård øyen åge */
  g_autofree char *by_email = expected_order ("Aasen Ébert", FALSE, "Zakariassen Åsen Ødegård Øyen Ærø");
  g_autofree char *by_email_down = expected_order ("Ærø Øyen Ødegård Åsen Zakariassen", TRUE, "Ébert Aasen");
  /* teams Alfa < Zulu < Ærlig < Østre < Åpen; no team (the fillers, Ærø)
   * first going up, last going down; within a team, the register's order
   * either way */
  g_autofree char *by_team = expected_order ("", FALSE, "Ærø Zakariassen Åsen Øyen Aasen Ébert Ødegård");
  g_autofree char *by_team_down = expected_order ("Ébert Ødegård Aasen Øyen Åsen Zakariassen", FALSE, "Ærø");

  assert_nordic_sort (model, ids, PB_PEOPLE_SORT_REGISTER, FALSE, by_name);
  assert_nordic_sort (model, ids, PB_PEOPLE_SORT_REGISTER, TRUE, by_name_down);
  assert_nordic_sort (model, ids, PB_PEOPLE_SORT_EMAIL, FALSE, by_email);
  assert_nordic_sort (model, ids, PB_PEOPLE_SORT_EMAIL, TRUE, by_email_down);
  assert_nordic_sort (model, ids, PB_PEOPLE_SORT_TEAM, FALSE, by_team);
  assert_nordic_sort (model, ids, PB_PEOPLE_SORT_TEAM, TRUE, by_team_down);
}

typedef struct
{
  guint calls;
  guint position;
  guint removed;
  guint added;
  guint updates;
  guint updated_position;
  guint updated_n;
} Changes;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Changes    *changes)
{
  changes->calls++;
  changes->position = position;
  changes->removed += removed;
  changes->added += added;
  /* Only the tail comes or goes: never both at once (GTK 4.8's selection
   * would look for its item among every added one, reading every page). */
  g_assert_true (removed == 0 || added == 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, position + added);
}

static void
on_items_updated_cb (PbPeopleModel *model,
                     guint          position,
                     guint          n_items,
                     Changes       *changes)
{
  changes->updates++;
  changes->updated_position = position;
  changes->updated_n = n_items;
}

static void
watch_changes (PbPeopleModel *model,
               Changes       *changes)
{
  *changes = (Changes) { 0, };
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed_cb), changes);
  g_signal_connect (model, "items-updated", G_CALLBACK (on_items_updated_cb), changes);
}

static void
add_aardvark (Fixture *fixture)
{
  g_autoptr(PbRecord) person = pb_record_new (PB_ENTITY_EMPLOYEE);
  g_autoptr(GError) error = NULL;

  pb_record_set (person, PB_EMPLOYEE_GIVEN_NAME, "Aaron");
  pb_record_set (person, PB_EMPLOYEE_FAMILY_NAME, "Aardvark");
  pb_record_set (person, PB_EMPLOYEE_EMAIL, "aaron@acme.no");
  pb_record_set (person, PB_EMPLOYEE_STATUS, "active");
  g_assert_true (pb_store_begin (fixture->store, &error));
  save_or_die (fixture->store, person);
  g_assert_true (pb_store_commit (fixture->store, &error));
  g_assert_no_error (error);
}

/* A reload no one holds an item of: only the new tail is told, and
 * nothing is read until asked. */
static void
test_reload (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  g_autoptr(PbRecord) first = NULL;
  Changes changes;

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==, 1);
  g_clear_object (&first);

  add_aardvark (fixture);

  watch_changes (model, &changes);
  pb_people_model_reload (model);
  g_assert_cmpuint (changes.calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, N_PEOPLE);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (changes.updates, ==, 0);
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==, 0);
  g_assert_true (pb_people_model_get_n_all (model) == N_PEOPLE + 1);

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_cmpstr (pb_record_get (first, PB_EMPLOYEE_FAMILY_NAME), ==, "Aardvark");
  g_signal_handlers_disconnect_by_data (model, &changes);
}

/* An item handed out keeps its identity across a reload and takes the
 * values of the person now at its position (a row of the view so stays
 * built); ::items-updated names the items whose values changed. */
static void
test_reload_keeps_items (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  g_autoptr(GPtrArray) all = list_all (fixture);
  g_autoptr(PbRecord) first = NULL;
  g_autoptr(PbRecord) second = NULL;
  g_autoptr(PbRecord) last = NULL;
  g_autoptr(PbRecord) again = NULL;
  gint64 first_id;
  Changes changes;

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);
  second = g_list_model_get_item (G_LIST_MODEL (model), 1);
  last = g_list_model_get_item (G_LIST_MODEL (model), N_PEOPLE - 1);
  first_id = pb_record_get_id (first);
  g_assert_cmpint (first_id, ==, pb_record_get_id (g_ptr_array_index (all, 0)));
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==, 2);

  /* Nothing changed: nothing to tell. */
  watch_changes (model, &changes);
  pb_people_model_reload (model);
  g_assert_cmpuint (changes.calls, ==, 0);
  g_assert_cmpuint (changes.updates, ==, 0);
  g_assert_cmpint (pb_record_get_id (first), ==, first_id);
  g_signal_handlers_disconnect_by_data (model, &changes);

  /* Aardvark comes first: everyone moves down one. */
  add_aardvark (fixture);
  watch_changes (model, &changes);
  pb_people_model_reload (model);

  g_assert_cmpuint (changes.calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, N_PEOPLE);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (changes.updates, ==, 1);
  g_assert_cmpuint (changes.updated_position, ==, 0);
  g_assert_cmpuint (changes.updated_position + changes.updated_n, ==, N_PEOPLE);
  /* Only the held items' pages were read again. */
  g_assert_cmpuint (pb_people_model_get_n_cached_pages (model), ==, 2);

  again = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (again == first);
  g_assert_cmpstr (pb_record_get (first, PB_EMPLOYEE_FAMILY_NAME), ==, "Aardvark");
  g_assert_cmpint (pb_record_get_id (second), ==, first_id);
  g_assert_cmpint (pb_record_get_id (last), ==, pb_record_get_id (g_ptr_array_index (all, N_PEOPLE - 2)));
  g_clear_object (&again);
  again = g_list_model_get_item (G_LIST_MODEL (model), 1);
  g_assert_true (again == second);
  g_clear_object (&again);

  /* The new tail is a new item, with the last person's values. */
  again = g_list_model_get_item (G_LIST_MODEL (model), N_PEOPLE);
  g_assert_true (again != last);
  g_assert_cmpint (pb_record_get_id (again), ==, pb_record_get_id (g_ptr_array_index (all, N_PEOPLE - 1)));
  g_signal_handlers_disconnect_by_data (model, &changes);
}

/* A query that finds fewer people: the tail goes, the items before it
 * stay the same objects with the people found now. */
static void
test_query_shrinks_tail (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (fixture->store);
  PbPeopleQuery query = PB_PEOPLE_QUERY_INIT;
  const char * const by_number[] = { "e0123", NULL };
  g_autoptr(PbRecord) first = NULL;
  g_autoptr(PbRecord) again = NULL;
  Changes changes;

  first = g_list_model_get_item (G_LIST_MODEL (model), 0);

  watch_changes (model, &changes);
  query.search = by_number;
  pb_people_model_set_query (model, &query);
  g_assert_cmpuint (changes.calls, ==, 1);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.removed, ==, N_PEOPLE - 1);
  g_assert_cmpuint (changes.updates, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);

  again = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (again == first);
  g_assert_cmpstr (pb_record_get (first, PB_EMPLOYEE_FAMILY_NAME), ==, "Ødegård");
  g_signal_handlers_disconnect_by_data (model, &changes);
}

/* With a growth step, a reload that finds many more people tells a step
 * of them at a time (GTK builds a row for each new item it is told of),
 * then, past a page, all the rest; the count of what it found is at once
 * right, and finding someone not told yet tells everyone. */
static void
test_growth_steps (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PbPeopleModel) model = pb_people_model_new (NULL);
  g_autoptr(GPtrArray) all = list_all (fixture);
  Changes changes;
  guint steps = 0;

  pb_people_model_set_growth_step (model, 8);
  watch_changes (model, &changes);
  pb_people_model_set_store (model, fixture->store);
  g_assert_cmpuint (changes.calls, ==, 1);
  g_assert_cmpuint (changes.added, ==, 8);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 8);
  g_assert_cmpuint (pb_people_model_get_n_found (model), ==, N_PEOPLE);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), 8));

  while (pb_people_model_grow (model))
    {
      steps++;
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 8 + 8 * steps);
    }
  /* 8 a step up to a page: 30 steps to 248, then the last 202 at once. */
  g_assert_cmpuint (steps, ==, PB_PEOPLE_MODEL_PAGE_SIZE / 8 - 2);
  g_assert_cmpuint (changes.calls, ==, steps + 2);
  g_assert_cmpuint (changes.added, ==, N_PEOPLE);
  assert_model_ids (G_LIST_MODEL (model), all);
  g_assert_false (pb_people_model_grow (model));
  g_signal_handlers_disconnect_by_data (model, &changes);

  /* Someone past what was told: found, and everyone told. */
  pb_people_model_set_store (model, NULL);
  pb_people_model_set_store (model, fixture->store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 8);
  g_assert_cmpuint (pb_people_model_find (model, pb_record_get_id (g_ptr_array_index (all, 400))), ==, 400);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_PEOPLE);

  /* A growth of one step or less is told at once. */
  add_aardvark (fixture);
  pb_people_model_reload (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_PEOPLE + 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/people-model/pages", test_pages);
  ADD ("/people-model/filters-combined", test_filters_combined);
  ADD ("/people-model/search-fields", test_search_fields);
  ADD ("/people-model/sorts", test_sorts);
  g_test_add_func ("/people-model/nordic-order", test_nordic_order);
  ADD ("/people-model/reload", test_reload);
  ADD ("/people-model/reload-keeps-items", test_reload_keeps_items);
  ADD ("/people-model/query-shrinks-tail", test_query_shrinks_tail);
  ADD ("/people-model/growth-steps", test_growth_steps);

#undef ADD

  return g_test_run ();
}
