/* fuzz-fortnox-answer.c: libFuzzer target for reading Fortnox's answers
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The body of an answer, as PbHttp hands it on (the JSON guard, json-glib),
 * read into records as an employee (a list page or one) and as the flat position: the same input
 * through each of the connector's readers, an error body through its error
 * decoder (pb_fortnox_provider_read_answer()).
 */

#include "config.h"

#include "fuzz-common.h"
#include "fortnox/pb-fortnox-provider.h"

static PbFortnoxProvider *provider;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  provider = g_object_new (PB_TYPE_FORTNOX_PROVIDER, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const PbEntity entities[] = { PB_ENTITY_EMPLOYEE, PB_ENTITY_POSITION };

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      GError *error = NULL;
      GPtrArray *remotes = pb_fortnox_provider_read_answer (provider, entities[i], (const char *) data, size, &error);

      fuzz_check_answer (remotes, error);
    }
  return 0;
}
