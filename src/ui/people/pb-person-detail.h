/* pb-person-detail.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_PERSON_DETAIL (pb_person_detail_get_type ())

G_DECLARE_FINAL_TYPE (PbPersonDetail, pb_person_detail, PB, PERSON_DETAIL, GtkWidget)

GtkWidget *pb_person_detail_new        (void);
PbRecord  *pb_person_detail_get_person (PbPersonDetail *self);
void       pb_person_detail_set_person (PbPersonDetail *self,
                                        PbStore        *store,
                                        PbRecord       *employee);
void       pb_person_detail_add_person (PbPersonDetail *self,
                                        PbStore        *store);
void       pb_person_detail_show_absences (PbPersonDetail *self);
void       pb_person_detail_set_paused (PbPersonDetail *self,
                                        gboolean        paused);
gboolean   pb_person_detail_get_paused (PbPersonDetail *self);
char      *pb_person_detail_dup_consequences (PbPersonDetail *self,
                                              const char     *status);

G_END_DECLS
