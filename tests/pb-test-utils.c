/* pb-test-utils.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "pb-test-utils.h"

void
pb_test_skip_or_fail (const char *why)
{
  if (g_getenv ("PB_REQUIRE_ALL") != NULL)
    g_test_fail_printf ("required but unavailable: %s", why);
  else
    g_test_skip (why);
}

char *
pb_test_make_dir (const char *name)
{
  g_autofree char *template = g_strdup_printf ("pb-%s-XXXXXX", name);
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

char *
pb_test_source_path (const char *relative)
{
  const char *root = g_getenv ("PB_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

char *
pb_test_build_path (const char *relative)
{
  const char *root = g_getenv ("PB_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

char *
pb_test_write_file (const char *dir,
                    const char *name,
                    const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}
