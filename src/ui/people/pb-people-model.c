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
 * on one page's read.
 *
 * An item is a position's slot rather than a person: a reload (or a new
 * query) counts again and gives the items someone still holds (a row of
 * the view, the selection) the values of whoever is at their position now,
 * in place, then says so with ::items-updated. items-changed tells only
 * the growth or shrink at the tail. GTK 4.8's list views so keep the rows
 * they built (building ~200 rows again after an import stalled the main
 * loop for 100 ms and more). Pages that no one holds an item of are
 * forgotten: no row is read until shown. Whoever needs a person to stay
 * the same person keeps a copy (pb_record_copy()).
 *
 * With a growth step (pb_people_model_set_growth_step()), a tail that grows
 * by more is told a step at a time, pb_people_model_grow() telling the next
 * (the view, once a frame): GTK builds the rows of the new items as it is
 * told, up to its ~200. */

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

  guint          n_items;        /* what the query finds, as told so far */
  guint          n_found;        /* what the query finds */
  guint          growth_step;    /* 0: the whole growth told at once */
  guint          grow_until;     /* told in steps up to here, then the rest */
  guint          n_all;          /* the whole register */
  gboolean       all_active;     /* no one in the register is deactivated or deleted */
  GHashTable    *pages;          /* page number -> GPtrArray of PbRecord */
};

enum {
  ITEMS_UPDATED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

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

/* Whether anyone but the page holds @record: a row of the view, the
 * selection, a caller of get_item(). */
static gboolean
is_held (PbRecord *record)
{
  return g_atomic_int_get (&G_OBJECT (record)->ref_count) > 1;
}

static gboolean
page_is_held (GPtrArray *people)
{
  for (guint i = 0; i < people->len; i++)
    if (is_held (g_ptr_array_index (people, i)))
      return TRUE;

  return FALSE;
}

static gboolean
page_is_not_held (gpointer key,
                  gpointer value,
                  gpointer user_data)
{
  return !page_is_held (value);
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

  /* Scrolling through the whole register keeps a bounded window of it,
   * and the pages of the items handed out: a reload updates those. */
  if (g_hash_table_size (self->pages) >= MAX_CACHED_PAGES)
    g_hash_table_foreach_remove (self->pages, page_is_not_held, NULL);
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

  /**
   * PbPeopleModel::items-updated:
   * @position: the first item whose values may have changed
   * @n_items: how many
   *
   * A reload gave items already handed out (the same objects, at the same
   * positions) the values of the people now at their positions: whatever
   * shows them reads them again.
   */
  signals [ITEMS_UPDATED] =
    g_signal_new ("items-updated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
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

/* Gives @record @from's id and values; whether any differed. */
static gboolean
update_record (PbRecord *record,
               PbRecord *from)
{
  const PbEntityDef *def = pb_entity_get_def (pb_record_get_entity (record));
  gboolean changed = FALSE;

  if (pb_record_get_id (record) != pb_record_get_id (from))
    {
      pb_record_set_id (record, pb_record_get_id (from));
      changed = TRUE;
    }
  for (guint i = 0; i < def->n_fields; i++)
    if (g_strcmp0 (pb_record_get (record, i), pb_record_get (from, i)) != 0)
      {
        pb_record_set (record, i, pb_record_get (from, i));
        changed = TRUE;
      }

  return changed;
}

/* The pages someone holds an item of are read again, their first @n_kept
 * positions' items (of the whole list) keeping their objects with the
 * values read now; the other pages are forgotten. The range of the items
 * that changed goes to @first and @last (@first > @last: none). */
static void
refresh_held_pages (PbPeopleModel *self,
                    guint          n_kept,
                    guint         *first,
                    guint         *last)
{
  g_autoptr(GHashTable) old_pages = g_steal_pointer (&self->pages);
  GHashTableIter iter;
  gpointer key, value;

  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  *first = G_MAXUINT;
  *last = 0;

  if (self->store == NULL)
    return;

  g_hash_table_iter_init (&iter, old_pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint page = GPOINTER_TO_UINT (key);
      guint start = page * PB_PEOPLE_MODEL_PAGE_SIZE;
      GPtrArray *old = value;
      GPtrArray *people;

      if (start >= n_kept || !page_is_held (old))
        continue;

      people = fetch_page (self, page);
      if (people == NULL)
        continue;

      for (guint i = 0; i < MIN (old->len, people->len) && start + i < n_kept; i++)
        {
          PbRecord *slot = g_ptr_array_index (old, i);

          if (update_record (slot, g_ptr_array_index (people, i)))
            {
              *first = MIN (*first, start + i);
              *last = MAX (*last, start + i);
            }
          g_object_unref (g_ptr_array_index (people, i));
          g_ptr_array_index (people, i) = g_object_ref (slot);
        }
    }
}

static void
read_again (PbPeopleModel *self,
            gboolean       register_changed)
{
  PbPeopleQuery query;
  guint old_n = self->n_items;
  guint new_n = 0;
  guint first, last;

  if (self->store != NULL)
    {
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
        new_n = self->n_all;
      else
        new_n = count (self, &query);
    }
  else
    {
      self->n_all = 0;
      self->all_active = TRUE;
    }

  /* The items at the positions both counts share stay the same objects;
   * only the tail comes or goes. The rows GTK built stay built. */
  refresh_held_pages (self, MIN (old_n, new_n), &first, &last);

  self->n_found = new_n;
  if (self->growth_step > 0 && new_n > old_n + self->growth_step)
    {
      /* Past GTK's rows, the rest of the tail costs nothing to tell. */
      self->grow_until = old_n + PB_PEOPLE_MODEL_PAGE_SIZE;
      new_n = old_n + self->growth_step;
    }
  self->n_items = new_n;
  if (new_n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), new_n, old_n - new_n, 0);
  else if (new_n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, new_n - old_n);

  if (first <= last)
    g_signal_emit (self, signals [ITEMS_UPDATED], 0, first, last - first + 1);
}

/**
 * pb_people_model_reload:
 *
 * Counts again and forgets the pages read, but those of items someone
 * holds: these are read again into the same objects (::items-updated).
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

  if (self->store == NULL || employee_id == 0 || self->n_found == 0)
    return G_MAXUINT;

  fill_query (self, &query);
  position = pb_store_find_person_position (self->store, &query, employee_id, &error);
  if (position == -2)
    g_warning ("Could not find an employee: %s", error->message);
  if (position < 0 || position >= self->n_found)
    return G_MAXUINT;

  /* Someone not told yet: the rest of the growth is told at once. */
  if (position >= self->n_items)
    pb_people_model_finish_growth (self);

  return (guint) position;
}

guint
pb_people_model_get_n_cached_pages (PbPeopleModel *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}

/* What the query finds, told or not yet (see pb_people_model_grow()). */
guint
pb_people_model_get_n_found (PbPeopleModel *self)
{
  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), 0);

  return self->n_found;
}

/**
 * pb_people_model_set_growth_step:
 * @step: how many new items a reload tells at most; 0 for no limit
 *
 * A reload that finds more people than before tells at most @step of the
 * new ones; pb_people_model_grow() tells the next step.
 */
void
pb_people_model_set_growth_step (PbPeopleModel *self,
                                 guint          step)
{
  g_return_if_fail (PB_IS_PEOPLE_MODEL (self));

  self->growth_step = step;
  if (step == 0)
    pb_people_model_finish_growth (self);
}

static void
grow_to (PbPeopleModel *self,
         guint          n_items)
{
  guint old_n = self->n_items;

  if (n_items <= old_n)
    return;

  self->n_items = n_items;
  g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, n_items - old_n);
}

/**
 * pb_people_model_grow:
 *
 * Tells the next step of the items a reload found but did not tell yet;
 * past the first PB_PEOPLE_MODEL_PAGE_SIZE new ones, all the rest.
 *
 * Returns: whether some are still to tell
 */
gboolean
pb_people_model_grow (PbPeopleModel *self)
{
  guint next;

  g_return_val_if_fail (PB_IS_PEOPLE_MODEL (self), FALSE);

  next = self->n_items + MAX (self->growth_step, 1);
  if (next >= self->grow_until)
    next = self->n_found;
  grow_to (self, MIN (next, self->n_found));

  return self->n_items < self->n_found;
}

/* Tells every item found at once. */
void
pb_people_model_finish_growth (PbPeopleModel *self)
{
  g_return_if_fail (PB_IS_PEOPLE_MODEL (self));

  grow_to (self, self->n_found);
}
