/* fuzz-common.h: what the libFuzzer targets share
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#include "pb-provider.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A CRITICAL or WARNING on any input is a finding: abort, so that libFuzzer
 * keeps the input; debug and info messages are silenced. */
static void
fuzz_log_handler (const char     *domain,
                  GLogLevelFlags  level,
                  const char     *message,
                  gpointer        user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_printerr ("%s: %s\n", domain != NULL ? domain : "", message);
      abort ();
    }
}

static inline void
fuzz_init_glib (void)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_log_set_default_handler (fuzz_log_handler, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* What a connector's read_answer gave: either records, each with its
 * record, or an error that says why; anything else is a finding. Takes
 * both. */
static inline void
fuzz_check_answer (GPtrArray *remotes,
                   GError    *error)
{
  if ((remotes == NULL) == (error == NULL))
    abort ();
  for (guint r = 0; remotes != NULL && r < remotes->len; r++)
    if (((PbRemote *) g_ptr_array_index (remotes, r))->record == NULL)
      abort ();
  g_clear_pointer (&remotes, g_ptr_array_unref);
  g_clear_error (&error);
}
