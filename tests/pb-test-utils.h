/* pb-test-utils.h: helpers shared by the tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pb-provider.h"
#include "pb-store.h"
#include "pb-sync-engine.h"

G_BEGIN_DECLS

/* Skips the current test, or fails it when PB_REQUIRE_ALL is set (CI), so a
 * missing display or keyring can never turn a run green by skipping. */
void   pb_test_skip_or_fail  (const char *why);
void   pb_test_use_system_mime_database (void);

/* A fresh, empty folder under the test's isolated temp dir. */
char  *pb_test_make_dir      (const char *name);

/* Path of a file in the source tree, e.g. "data/demo/hr-demo.json". */
char  *pb_test_source_path   (const char *relative);

/* Path of a built program, e.g. "src/cli/paybridge-cli". */
char  *pb_test_build_path    (const char *relative);

/* Writes @contents to a new file in @dir and returns its path. */
char  *pb_test_write_file    (const char *dir,
                              const char *name,
                              const char *contents);

/* Starts @argv (NULL-terminated) with @flags; the child gets SIGTERM when
 * the test process dies, so a failed assertion never leaves a server behind
 * holding the test's output open. */
GSubprocess *pb_test_spawn       (GSubprocessFlags     flags,
                                  GError             **error,
                                  const char          *argv0,
                                  ...) G_GNUC_NULL_TERMINATED;

/* Runs the default main context until @done says so, for at most
 * @seconds; a periodic wake-up makes sure the cap is noticed even when
 * nothing else happens. Returns: whether @done held. */
gboolean     pb_test_iterate_until (gboolean (*done) (gpointer data),
                                    gpointer   data,
                                    guint      seconds);

/* A connector of @system_id at @api_url with the payroll sandbox's tokens
 * ("sandbox-consumer", "sandbox-employee"; @employee_token overrides the
 * second when not NULL). */
PbProvider  *pb_test_new_provider  (const char *system_id,
                                    const char *api_url,
                                    const char *employee_token);

/* Runs @op on the main context and returns what it gave; *error gets its
 * error. */
gpointer     pb_test_call          (PbProvider            *provider,
                                    PbProviderOp           op,
                                    const PbProviderArgs  *args,
                                    GError               **error);

/* Imports @json (a paybridge-hr/1 document) into @store; asserts it
 * succeeded. */
void         pb_test_import        (PbStore               *store,
                                    const char            *json);

/* One push of the connection's outbox, on the main context; asserts it
 * did not fail as a whole. */
PbPushResult pb_test_push          (PbStore               *store,
                                    PbConnection          *connection,
                                    PbProvider            *provider);

/* The first user sync (HR wins; people only in HR created in payroll when
 * @create_in_payroll), which activates the connection (SPEC U6); asserts
 * it did. */
void         pb_test_activate      (PbStore               *store,
                                    PbConnection          *connection,
                                    PbProvider            *provider,
                                    gboolean               create_in_payroll);

G_END_DECLS
