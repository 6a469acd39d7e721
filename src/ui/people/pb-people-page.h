/* pb-people-page.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_PEOPLE_PAGE (pb_people_page_get_type ())

G_DECLARE_FINAL_TYPE (PbPeoplePage, pb_people_page, PB, PEOPLE_PAGE, GtkWidget)

GtkWidget  *pb_people_page_new                   (void);
PbStore    *pb_people_page_get_store             (PbPeoplePage *self);
void        pb_people_page_set_store             (PbPeoplePage *self,
                                                  PbStore      *store);
void        pb_people_page_set_settings          (PbPeoplePage *self,
                                                  GSettings    *settings);
void        pb_people_page_reload                (PbPeoplePage *self);
const char *pb_people_page_get_summary           (PbPeoplePage *self);
gboolean    pb_people_page_get_can_navigate_back (PbPeoplePage *self);
void        pb_people_page_navigate_back         (PbPeoplePage *self);
void        pb_people_page_focus_search          (PbPeoplePage *self);
void        pb_people_page_set_paused            (PbPeoplePage *self,
                                                  gboolean      paused);
gboolean    pb_people_page_show_person           (PbPeoplePage *self,
                                                  gint64        employee_id);

G_END_DECLS
