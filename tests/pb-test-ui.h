/* pb-test-ui.h: the app under test — what the UI tests share
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pb-application.h"
#include "pb-connection.h"
#include "pb-sandbox.h"
#include "pb-window.h"

G_BEGIN_DECLS

/* The application on a register of its own, a Tripletex sandbox, and (once
 * connected) an active connection to it whose provider the app's sync
 * driver uses. */
typedef struct
{
  char          *dir;
  PbSandbox     *sandbox;
  PbApplication *app;
  PbStore       *store;        /* the application's */
  PbWindow      *window;       /* (nullable): until pb_test_app_show() */
  PbConnection  *connection;   /* (nullable): until pb_test_app_connect() */
  PbProvider    *provider;     /* (nullable): likewise */
} PbTestApp;

gboolean pb_test_ui_init        (int         *argc,
                                 char      ***argv);
gboolean pb_test_ui_available   (void);
void     pb_test_iterate_idle   (void);
gpointer pb_test_template_child (gpointer     widget,
                                 GType        type,
                                 const char  *name);

gboolean pb_test_app_start      (PbTestApp   *t,
                                 const char  *name,
                                 const char  *payroll_seed,
                                 const char  *hr_json);
void     pb_test_app_connect    (PbTestApp   *t,
                                 PbDataTypes  types,
                                 gboolean     by_user_sync);
void     pb_test_app_show       (PbTestApp   *t,
                                 int          width,
                                 int          height);
void     pb_test_app_stop       (PbTestApp   *t);

G_END_DECLS
