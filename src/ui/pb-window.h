/* pb-window.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-store.h"

G_BEGIN_DECLS

#define PB_TYPE_WINDOW (pb_window_get_type ())

G_DECLARE_FINAL_TYPE (PbWindow, pb_window, PB, WINDOW, AdwApplicationWindow)

PbWindow   *pb_window_new        (GtkApplication *application,
                                  PbStore        *store);
PbStore    *pb_window_get_store  (PbWindow       *self);
void        pb_window_set_view   (PbWindow       *self,
                                  const char     *name);
const char *pb_window_get_view   (PbWindow       *self);
GtkWidget  *pb_window_ensure_page (PbWindow      *self,
                                   const char    *name);
void        pb_window_add_toast  (PbWindow       *self,
                                  AdwToast       *toast);
void        pb_window_reload     (PbWindow       *self);
gboolean    pb_window_import_drop (PbWindow      *self,
                                   const GValue  *value);
void        pb_window_show_import (PbWindow      *self,
                                   const char    *text,
                                   double         fraction);
void        pb_window_show_person (PbWindow      *self,
                                   gint64         employee_id);
void        pb_window_sync_users (PbWindow       *self,
                                  gint64          connection_id,
                                  gint64          plan_id);

G_END_DECLS
