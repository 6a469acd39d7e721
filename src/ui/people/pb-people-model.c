/* pb-people-model.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbPeopleModel"

#include "config.h"

#include "pb-people-model.h"

/* The employees of the HR register as a GListModel of PbRecord for the
 * People view: it holds the count of the people its query finds (the
 * search, the company, location and team filters as SQL, the column sort
 * as ORDER BY) and the pages of PB_PEOPLE_MODEL_PAGE_SIZE people asked for
 * so far, read from the store on demand. A register of 10,000 people opens
 * on one page's read. A reload (or a new query) forgets the pages, counts
 * again and says every item changed; no row is read until shown. */

#define MAX_CACHED_PAGES 32

struct _PbPeopleModel
{
  GObject        parent_instance;

  PbStore       *store;          /* (owned) (nullable) */

  /* The query, its strings owned. */
  char         **search;
  char          *company;
  char          *location;
  char          *team;
  PbPeopleSort   sort;
  gboolean       descending;

  guint          n_items;        /* what the query finds */
  guint          n_all;          /* the whole register */
  gboolean       all_active;     /* no one in the register is deactivated or deleted */
  GHashTable    *pages;          /* page number -> GPtrArray of PbRecord */
};

static void pb_people_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PbPeopleModel, pb_people_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, pb_people_model_list_model_init))

static void
fill_query (PbPeopleModel *self,
            PbPeopleQuery *query)
{
  *query = (PbPeopleQuery) PB_PEOPLE_QUERY_INIT;
  query->search = (const char * const *) self->search;
  query->company = self->company;
  query->location = self->location;
  query->team = self->team;
  query->sort = self->sort;
  query->descending = self->descending;
}

static GType
pb_people_model_get_item_type (GListModel *model)
{
  return PB_TYPE_RECORD;
}

static guint
pb_people_model_get_n_items (GListModel *model)
{
  return PB_PEOPLE_MODEL (model)->n_items;
}

static GPtrArray *
fetch_page (PbPeopleModel *self,
            guint          page)
{
  PbPeopleQuery query;
  g_autoptr(GError) error = NULL;
  GPtrArray *people;

  fill_query (self, &query);
  people = pb_store_list_people_page (self->store, &query, page * PB_PEOPLE_MODEL_PAGE_SIZE,
                                      PB_PEOPLE_MODEL_PAGE_SIZE, &error);
  if (people == NULL)
    {
      g_warning ("Could not read the employees: %s", error->message);
      return NULL;
    }

  /* Scrolling through the whole register keeps a bounded window of it. */
  if (g_hash_table_size (self->pages) >= MAX_CACHED_PAGES)
    g_hash_table_remove_all (self->pages);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), people);

  return people;
}

static gpointer
pb_people_model_get_item (GListModel *model,
                          guint       position)
{
  PbPeopleModel *self = PB_PEOPLE_MODEL (model);
  guint page = position / PB_PEOPLE_MODEL_PAGE_SIZE;
  guint index = position % PB_PEOPLE_MODEL_PAGE_SIZE;
  GPtrArray *people;

  if (position >= self->n_items || self->store == NULL)
    return NULL;

  people = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (people == NULL)
    people = fetch_page (self, page);

  /* The register changed under the count: the next reload fixes it. */
  if (people == NULL || index >= people->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (people, index));
}

static void
pb_people_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = pb_people_model_get_item_type;
  iface->get_n_items = pb_people_model_get_n_items;
  iface->get_item = pb_people_model_get_item;
}

static void
clear_query (PbPeopleModel *self)
{
  g_clear_pointer (&self->search, g_strfreev);
  g_clear_pointer (&self->company, g_free);
  g_clear_pointer (&self->location, g_free);
  g_clear_pointer (&self->team, g_free);
}

static void
pb_people_model_dispose (GObject *object)
{
  PbPeopleModel *self = (PbPeopleModel *)object;

  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_people_model_parent_class)->dispose (object);
}

static void
pb_people_model_finalize (GObject *object)
{
  PbPeopleModel *self = (PbPeopleModel *)object;

  g_clear_pointer (&self->pages, g_hash_table_unref);
  clear_query (self);

  G_OBJECT_CLASS (pb_people_model_parent_class)->finalize (object);
}

static void
pb_people_model_class_init (PbPeopleModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pb_people_model_dispose;
  object_class->finalize = pb_people_model_finalize;
}

static void
pb_people_model_init (PbPeopleModel *self)
{
  self->all_active = TRUE;
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
}

static void read_again (PbPeopleModel *self,
                        gboolean       register_changed);

static guint
count (PbPeopleModel       *self,
       const PbPeopleQuery *query)
{
  g_autoptr(GError) error = NULL;
  gint64 n;

  n = pb_store_count_people (self->store, query, &error);
  if (n < 0)
    {
      g_warning ("Could not count the employees: %s", error->message);
      return 0;
    }

  return (guint) MIN (n, G_MAXUINT);
}

/**
 * pb_people_model_new:
 * @store: (nullable): the register
 *
 * A model of every employee of @store in the register's order (family
 * name, given name); it reads nothing until asked for an item.
 */
PbPeopleModel *
pb_people_model_new (PbStore *store)
{
  PbPeopleModel *self;

  g_return_val_if_fail (store == NULL || PB_IS_STORE (store), NULL);

  self = g_object_new (PB_TYPE_PEOPLE_MODEL, NULL);
  pb_people_model_set_store (self, store);

  return self;
}

PbStore *
pb_people_model_get_store (PbPeopleModel *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), NULL);

  return self->store;
}

/**
 * pb_people_model_set_store:
 * @store: (nullable): the register
 *
 * Shows @store's employees (and reloads).
 */
void
pb_people_model_set_store (PbPeopleModel *self,
                           PbStore       *store)
{
  g_return_if_fail (PB_IS_PEOPLE_MODEL (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));

  g_set_object (&self->store, store);
  read_again (self, TRUE);
}

static void
copy_query (PbPeopleModel       *self,
            const PbPeopleQuery *query)
{
  g_autoptr(GStrvBuilder) search = g_strv_builder_new ();
  gboolean any = FALSE;

  /* @query may be made of our own strings. */
  g_autofree char *company = g_strdup (query->company);
  g_autofree char *location = g_strdup (query->location);
  g_autofree char *team = g_strdup (query->team);

  for (guint i = 0; query->search != NULL && query->search[i] != NULL; i++)
    if (*query->search[i] != '\0')
      {
        g_strv_builder_add (search, query->search[i]);
        any = TRUE;
      }

  clear_query (self);
  if (any)
    self->search = g_strv_builder_end (search);
  self->company = g_steal_pointer (&company);
  self->location = g_steal_pointer (&location);
  self->team = g_steal_pointer (&team);
  self->sort = query->sort;
  self->descending = query->descending;
}

/**
 * pb_people_model_set_query:
 *
 * Shows what @query finds (its strings are copied), from the first person
 * on. Its status is not used: the model lists every status.
 */
void
pb_people_model_set_query (PbPeopleModel       *self,
                           const PbPeopleQuery *query)
{
  g_return_if_fail (PB_IS_PEOPLE_MODEL (self));
  g_return_if_fail (query != NULL);

  copy_query (self, query);
  /* The register is the same: its counts stand. */
  read_again (self, FALSE);
}

/**
 * pb_people_model_reload_with:
 * @store: (nullable): the register
 *
 * Shows what @query finds in @store, after a change of the register (or
 * of the store): one read of the counts, no page until asked for.
 */
void
pb_people_model_reload_with (PbPeopleModel       *self,
                             PbStore             *store,
                             const PbPeopleQuery *query)
{
  g_return_if_fail (PB_IS_PEOPLE_MODEL (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));
  g_return_if_fail (query != NULL);

  g_set_object (&self->store, store);
  copy_query (self, query);
  read_again (self, TRUE);
}

static void
read_again (PbPeopleModel *self,
            gboolean       register_changed)
{
  PbPeopleQuery query;
  guint removed;

  removed = self->n_items;
  g_hash_table_remove_all (self->pages);

  /* Two steps, all out then all in: given one change that removes rows
   * and adds others, GTK 4.8's GtkSingleSelection looks for its selected
   * item among all the added ones, reading every page. */
  if (removed > 0)
    {
      self->n_items = 0;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
    }

  if (self->store == NULL)
    {
      self->n_all = 0;
      self->all_active = TRUE;
      return;
    }

  /* The whole register, and how many of it are active. */
  if (register_changed)
    {
      query = (PbPeopleQuery) PB_PEOPLE_QUERY_INIT;
      self->n_all = count (self, &query);
      query.status = "active";
      self->all_active = count (self, &query) == self->n_all;
    }

  fill_query (self, &query);
  if (self->search == NULL && self->company == NULL && self->location == NULL && self->team == NULL)
    self->n_items = self->n_all;
  else
    self->n_items = count (self, &query);

  if (self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_items);
}

/**
 * pb_people_model_reload:
 *
 * Counts again and forgets the pages read: every item may have changed.
 */
void
pb_people_model_reload (PbPeopleModel *self)
{
  g_return_if_fail (PB_IS_PEOPLE_MODEL (self));

  read_again (self, TRUE);
}

/* How many people the register holds, whatever the query. */
guint
pb_people_model_get_n_all (PbPeopleModel *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), 0);

  return self->n_all;
}

/* Whether everyone in the register is active (as of the last reload). */
gboolean
pb_people_model_get_all_active (PbPeopleModel *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), TRUE);

  return self->all_active;
}

/**
 * pb_people_model_find:
 *
 * Returns: the position of @employee_id among what the query finds, or
 *   %G_MAXUINT (GTK_INVALID_LIST_POSITION) when it does not find them
 */
guint
pb_people_model_find (PbPeopleModel *self,
                      gint64         employee_id)
{
  PbPeopleQuery query;
  g_autoptr(GError) error = NULL;
  gint64 position;

  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), G_MAXUINT);

  if (self->store == NULL || employee_id == 0 || self->n_items == 0)
    return G_MAXUINT;

  fill_query (self, &query);
  position = pb_store_find_person_position (self->store, &query, employee_id, &error);
  if (position == -2)
    g_warning ("Could not find an employee: %s", error->message);
  if (position < 0 || position >= self->n_items)
    return G_MAXUINT;

  return (guint) position;
}

guint
pb_people_model_get_n_cached_pages (PbPeopleModel *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}
