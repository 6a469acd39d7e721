/* fuzz-visma-answer.c: libFuzzer target for reading Visma's answers
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The body of an answer, as PbHttp hands it on (the JSON guard, json-glib),
 * read into records as an employee, a position and a salary answer: the same input
 * through each of the connector's readers, an error body through its error
 * decoder (pb_visma_provider_read_answer()).
 */

#include "config.h"

#include "fuzz-common.h"
#include "visma/pb-visma-provider.h"

static PbVismaProvider *provider;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  provider = g_object_new (PB_TYPE_VISMA_PROVIDER, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const PbEntity entities[] = { PB_ENTITY_EMPLOYEE, PB_ENTITY_POSITION, PB_ENTITY_SALARY };

  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    {
      GError *error = NULL;
      GPtrArray *remotes = pb_visma_provider_read_answer (provider, entities[i], (const char *) data, size, &error);

      fuzz_check_answer (remotes, error);
    }
  return 0;
}
