/* fuzz-import-json.c: libFuzzer target for the paybridge-hr/1 JSON import
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-import.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_import_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_import_one (data, size, FALSE);
  return 0;
}
