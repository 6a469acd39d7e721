/* pb-people-model.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-store.h"

G_BEGIN_DECLS

/* GTK 4.8's list views make up to 200 rows (and read the item after
 * them): one page holds them all. */
#define PB_PEOPLE_MODEL_PAGE_SIZE 256

#define PB_TYPE_PEOPLE_MODEL (pb_people_model_get_type ())

G_DECLARE_FINAL_TYPE (PbPeopleModel, pb_people_model, PB, PEOPLE_MODEL, GObject)

PbPeopleModel *pb_people_model_new                  (PbStore             *store);
PbStore       *pb_people_model_get_store            (PbPeopleModel       *self);
void           pb_people_model_set_store            (PbPeopleModel       *self,
                                                     PbStore             *store);
void           pb_people_model_set_query            (PbPeopleModel       *self,
                                                     const PbPeopleQuery *query);
void           pb_people_model_reload               (PbPeopleModel       *self);
void           pb_people_model_reload_with          (PbPeopleModel       *self,
                                                     PbStore             *store,
                                                     const PbPeopleQuery *query);
guint          pb_people_model_get_n_all            (PbPeopleModel       *self);
gboolean       pb_people_model_get_all_active       (PbPeopleModel       *self);
guint          pb_people_model_find                 (PbPeopleModel       *self,
                                                     gint64               employee_id);
guint          pb_people_model_get_n_cached_pages   (PbPeopleModel       *self);
guint          pb_people_model_get_n_found          (PbPeopleModel       *self);
void           pb_people_model_set_growth_step      (PbPeopleModel       *self,
                                                     guint                step);
gboolean       pb_people_model_grow                 (PbPeopleModel       *self);
void           pb_people_model_finish_growth        (PbPeopleModel       *self);

G_END_DECLS
