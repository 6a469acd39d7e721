/* pb-test-utils.h: helpers shared by the tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

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

G_END_DECLS
