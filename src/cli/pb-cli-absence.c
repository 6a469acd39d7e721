/* pb-cli-absence.c: paybridge-cli absence resend, a rejected absence sent
 * again (SPEC A7)
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbCli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "pb-cli-private.h"
#include "pb-outbox.h"

/* The HR absence type by its key or its name (any case). */
static PbRecord *
find_type (PbStore    *store,
           const char *text)
{
  g_autoptr(GPtrArray) types = pb_store_list (store, PB_ENTITY_ABSENCE_TYPE, 0, NULL);
  g_autofree char *folded = g_utf8_casefold (text, -1);

  for (guint i = 0; types != NULL && i < types->len; i++)
    {
      PbRecord *type = g_ptr_array_index (types, i);
      g_autofree char *name = g_utf8_casefold (pb_record_get (type, PB_ABSENCE_TYPE_NAME), -1);

      if (g_strcmp0 (pb_record_get (type, PB_ABSENCE_TYPE_KEY), text) == 0 || g_strcmp0 (name, folded) == 0)
        return g_object_ref (type);
    }

  return NULL;
}

/* absence resend EMAIL TYPE START_DATE */
static int
cmd_resend (CliContext  *ctx,
            int          argc,
            char       **argv)
{
  GOptionEntry entries[] = { { NULL } };
  g_autoptr(PbStore) store = NULL;
  g_autoptr(PbRecord) person = NULL;
  g_autoptr(PbRecord) type = NULL;
  g_autoptr(GPtrArray) absences = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  PbRecord *absence = NULL;

  if (!pb_cli_parse_options ("absence resend", entries, &argc, &argv))
    return EXIT_USAGE;
  if (argc != 4)
    return pb_cli_usage_error (_("%s takes %s"), "absence resend", "EMAIL TYPE START_DATE");

  store = pb_cli_open_store (ctx);
  if (store == NULL)
    return EXIT_FAILED;

  person = pb_store_find_employee (store, NULL, argv[1], NULL);
  if (person == NULL)
    return pb_cli_fail (_("There is no employee with the email “%s”"), argv[1]);
  type = find_type (store, argv[2]);
  if (type == NULL)
    return pb_cli_fail (_("There is no absence type “%s” (give its key or its name)"), argv[2]);

  absences = pb_store_list (store, PB_ENTITY_ABSENCE, pb_record_get_id (person), &error);
  if (absences == NULL)
    return pb_cli_fail ("%s", error->message);
  for (guint i = 0; i < absences->len && absence == NULL; i++)
    {
      PbRecord *a = g_ptr_array_index (absences, i);

      if (g_strcmp0 (pb_record_get (a, PB_ABSENCE_TYPE), pb_record_get (type, PB_ABSENCE_TYPE_KEY)) == 0 &&
          g_strcmp0 (pb_record_get (a, PB_ABSENCE_START_DATE), argv[3]) == 0)
        absence = a;
    }

  name = g_strstrip (pb_record_dup_display_name (person));
  if (absence == NULL)
    return pb_cli_fail (_("%s has no %s absence from %s"), name, pb_record_get (type, PB_ABSENCE_TYPE_NAME),
                        argv[3]);

  if (!pb_store_resend_absence (store, pb_record_get_id (absence), &error))
    return pb_cli_fail ("%s", error->message);

  printf (_("The %s absence of %s from %s is approved again: every connection that syncs absence sends it at its "
            "next push (the app at once; here: paybridge-cli push NAME).\n"),
          pb_record_get (type, PB_ABSENCE_TYPE_NAME), name, argv[3]);
  return EXIT_OK;
}

static const CliCommand subcommands[] = {
  { "resend", "EMAIL TYPE START_DATE", N_("Approve a rejected absence again, to send it again (SPEC A7)"),
    cmd_resend },
};

int
pb_cli_absence (CliContext  *ctx,
                int          argc,
                char       **argv)
{
  if (argc < 2 || g_str_equal (argv[1], "--help"))
    {
      FILE *out = argc < 2 ? stderr : stdout;

      fprintf (out, "%s\n", _("Usage: paybridge-cli absence COMMAND [ARGS]"));
      for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
        fprintf (out, "  %-8s %-34s %s\n", subcommands[i].name, subcommands[i].args, _(subcommands[i].summary));
      return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (argv[1], subcommands[i].name))
      return subcommands[i].func (ctx, argc - 1, argv + 1);

  return pb_cli_usage_error (_("unknown absence command “%s”"), argv[1]);
}
