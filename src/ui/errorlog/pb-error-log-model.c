/* pb-error-log-model.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbErrorLogModel"

#include "config.h"

#include "pb-error-log-model.h"
#include "pb-sync-driver.h"

/* The error log as a GListModel for the Error Log view (SPEC C7): it holds
 * only the count of the entries its query finds and the pages of
 * PB_ERROR_LOG_PAGE_SIZE entries asked for so far, read from the store on
 * demand, so a log of 100,000 entries opens as fast as one of ten. When
 * the store changes (the sync driver resolves or adds entries, the
 * administrator dismisses one) it counts again, forgets its pages and
 * says all its items changed. */

#define MAX_CACHED_PAGES 32

struct _PbErrorItem
{
  GObject       parent_instance;

  PbErrorEntry *entry;   /* (owned) */
};

G_DEFINE_FINAL_TYPE (PbErrorItem, pb_error_item, G_TYPE_OBJECT)

static void
pb_error_item_finalize (GObject *object)
{
  PbErrorItem *self = (PbErrorItem *)object;

  g_clear_pointer (&self->entry, pb_error_entry_free);

  G_OBJECT_CLASS (pb_error_item_parent_class)->finalize (object);
}

static void
pb_error_item_class_init (PbErrorItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pb_error_item_finalize;
}

static void
pb_error_item_init (PbErrorItem *self)
{
}

/**
 * pb_error_item_new:
 * @entry: (transfer full): the entry
 */
PbErrorItem *
pb_error_item_new (PbErrorEntry *entry)
{
  PbErrorItem *self = g_object_new (PB_TYPE_ERROR_ITEM, NULL);

  self->entry = entry;
  return self;
}

const PbErrorEntry *
pb_error_item_get_entry (PbErrorItem *self)
{
  g_return_val_if_fail (PB_IS_ERROR_ITEM (self), NULL);

  return self->entry;
}

struct _PbErrorLogModel
{
  GObject       parent_instance;

  PbStore      *store;        /* (owned) */
  PbSyncDriver *driver;       /* (nullable) (unowned): the store's, if any */
  gulong        changed_id;
  gulong        status_id;
  guint         reload_id;

  gint64        connection_id;
  int           state;
  int           entity;
  char         *search;       /* (owned) (nullable) */

  guint         n_items;
  GHashTable   *pages;        /* page number → GPtrArray of PbErrorItem */
};

static void pb_error_log_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PbErrorLogModel, pb_error_log_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, pb_error_log_model_list_model_init))

static void
fill_query (PbErrorLogModel *self,
            PbErrorQuery    *query)
{
  query->connection_id = self->connection_id;
  query->state = self->state;
  query->entity = self->entity;
  query->search = self->search;
}

static GType
pb_error_log_model_get_item_type (GListModel *model)
{
  return PB_TYPE_ERROR_ITEM;
}

static guint
pb_error_log_model_get_n_items (GListModel *model)
{
  return PB_ERROR_LOG_MODEL (model)->n_items;
}

static GPtrArray *
fetch_page (PbErrorLogModel *self,
            guint            page)
{
  PbErrorQuery query;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  fill_query (self, &query);
  entries = pb_store_list_errors_page (self->store, &query, page * PB_ERROR_LOG_PAGE_SIZE,
                                       PB_ERROR_LOG_PAGE_SIZE, &error);
  if (entries == NULL)
    {
      g_warning ("Could not read the error log: %s", error->message);
      return NULL;
    }

  items = g_ptr_array_new_full (entries->len, g_object_unref);
  for (guint i = 0; i < entries->len; i++)
    {
      g_ptr_array_add (items, pb_error_item_new (g_steal_pointer (&entries->pdata[i])));
    }

  /* Scrolling through the whole log keeps a bounded window of it. */
  if (g_hash_table_size (self->pages) >= MAX_CACHED_PAGES)
    g_hash_table_remove_all (self->pages);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page), items);

  return items;
}

static gpointer
pb_error_log_model_get_item (GListModel *model,
                             guint       position)
{
  PbErrorLogModel *self = PB_ERROR_LOG_MODEL (model);
  guint page = position / PB_ERROR_LOG_PAGE_SIZE;
  guint index = position % PB_ERROR_LOG_PAGE_SIZE;
  GPtrArray *items;

  if (position >= self->n_items)
    return NULL;

  items = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (page));
  if (items == NULL)
    items = fetch_page (self, page);

  /* The log changed under the count: the reload on its way fixes it. */
  if (items == NULL || index >= items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (items, index));
}

static void
pb_error_log_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = pb_error_log_model_get_item_type;
  iface->get_n_items = pb_error_log_model_get_n_items;
  iface->get_item = pb_error_log_model_get_item;
}

static gboolean
on_reload_idle_cb (gpointer user_data)
{
  PbErrorLogModel *self = user_data;

  self->reload_id = 0;
  pb_error_log_model_reload (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_reload (PbErrorLogModel *self)
{
  if (self->reload_id == 0)
    self->reload_id = g_idle_add (on_reload_idle_cb, self);
}

/* Both run inside a commit or a push: they only schedule. */
static void
on_store_changed_cb (PbErrorLogModel *self,
                     guint            what,
                     PbStore         *store)
{
  schedule_reload (self);
}

static void
on_driver_status_changed_cb (PbErrorLogModel *self,
                             gint64           connection_id,
                             PbSyncDriver    *driver)
{
  schedule_reload (self);
}

static void
on_driver_weak_notify (gpointer  data,
                       GObject  *where_the_object_was)
{
  PbErrorLogModel *self = data;

  self->driver = NULL;
  self->status_id = 0;
}

static void
pb_error_log_model_dispose (GObject *object)
{
  PbErrorLogModel *self = (PbErrorLogModel *)object;

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->driver != NULL)
    {
      g_clear_signal_handler (&self->status_id, self->driver);
      g_object_weak_unref (G_OBJECT (self->driver), on_driver_weak_notify, self);
      self->driver = NULL;
    }
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_error_log_model_parent_class)->dispose (object);
}

static void
pb_error_log_model_finalize (GObject *object)
{
  PbErrorLogModel *self = (PbErrorLogModel *)object;

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (pb_error_log_model_parent_class)->finalize (object);
}

static void
pb_error_log_model_class_init (PbErrorLogModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pb_error_log_model_dispose;
  object_class->finalize = pb_error_log_model_finalize;
}

static void
pb_error_log_model_init (PbErrorLogModel *self)
{
  self->state = -1;
  self->entity = -1;
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
}

static guint
count (PbErrorLogModel *self)
{
  PbErrorQuery query;
  g_autoptr(GError) error = NULL;
  gint64 n;

  fill_query (self, &query);
  n = pb_store_count_errors (self->store, &query, &error);
  if (n < 0)
    {
      g_warning ("Could not count the error log: %s", error->message);
      return 0;
    }

  return (guint) MIN (n, G_MAXUINT);
}

/**
 * pb_error_log_model_new:
 *
 * A model of the whole error log (every connection, any state), newest
 * first; it follows the store's changes and those of its sync driver.
 */
PbErrorLogModel *
pb_error_log_model_new (PbStore *store)
{
  PbErrorLogModel *self;

  g_return_val_if_fail (PB_IS_STORE (store), NULL);

  self = g_object_new (PB_TYPE_ERROR_LOG_MODEL, NULL);
  self->store = g_object_ref (store);
  self->changed_id = g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed_cb),
                                              self, G_CONNECT_SWAPPED);
  self->driver = pb_sync_driver_get_for_store (store);
  if (self->driver != NULL)
    {
      g_object_weak_ref (G_OBJECT (self->driver), on_driver_weak_notify, self);
      self->status_id = g_signal_connect_object (self->driver, "status-changed",
                                                 G_CALLBACK (on_driver_status_changed_cb),
                                                 self, G_CONNECT_SWAPPED);
    }
  self->n_items = count (self);

  return self;
}

PbStore *
pb_error_log_model_get_store (PbErrorLogModel *self)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_MODEL (self), NULL);

  return self->store;
}

/**
 * pb_error_log_model_set_query:
 *
 * Shows what @query finds (its search is copied) from the first entry on.
 */
void
pb_error_log_model_set_query (PbErrorLogModel    *self,
                              const PbErrorQuery *query)
{
  g_return_if_fail (PB_IS_ERROR_LOG_MODEL (self));
  g_return_if_fail (query != NULL);

  self->connection_id = query->connection_id;
  self->state = query->state;
  self->entity = query->entity;
  g_free (self->search);
  self->search = query->search != NULL && *query->search != '\0' ? g_strdup (query->search) : NULL;

  pb_error_log_model_reload (self);
}

/**
 * pb_error_log_model_get_query:
 * @query: (out caller-allocates): its search belongs to @self
 */
void
pb_error_log_model_get_query (PbErrorLogModel *self,
                              PbErrorQuery    *query)
{
  g_return_if_fail (PB_IS_ERROR_LOG_MODEL (self));

  fill_query (self, query);
}

/* How many entries the whole log holds, whatever the query. */
gint64
pb_error_log_model_count_all (PbErrorLogModel *self)
{
  PbErrorQuery all = PB_ERROR_QUERY_INIT;

  g_return_val_if_fail (PB_IS_ERROR_LOG_MODEL (self), 0);

  return pb_store_count_errors (self->store, &all, NULL);
}

/**
 * pb_error_log_model_reload:
 *
 * Counts again and forgets the pages read: every item may have changed.
 */
void
pb_error_log_model_reload (PbErrorLogModel *self)
{
  guint removed;

  g_return_if_fail (PB_IS_ERROR_LOG_MODEL (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  removed = self->n_items;
  g_hash_table_remove_all (self->pages);

  /* Two steps, all out then all in: given one change that removes rows
   * and adds others, GTK 4.8's list views look for each row they showed
   * among all the added items, reading every page of the log. */
  if (removed > 0)
    {
      self->n_items = 0;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
    }
  self->n_items = count (self);
  if (self->n_items > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->n_items);
}

guint
pb_error_log_model_get_n_cached_pages (PbErrorLogModel *self)
{
  g_return_val_if_fail (PB_IS_ERROR_LOG_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}
