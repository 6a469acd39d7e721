/* shoot-person.c: screenshots of editing a person for docs/screenshots
 *
 * shoot-person SHOT OUT.png [WIDTHxHEIGHT]
 *
 * SHOT: error (a field in error, Save insensitive), position (the
 * positions editor over the pane) or sync (what payroll knows: the
 * Payroll group and the records' lines). Sets up the demo register and an
 * in-process sandbox seeded as the demo's, activates a connection syncing
 * everything, changes the person's phone through the pane and waits for
 * the outbox to send it. Run it under build-aux/run-headless; dark style:
 * ADW_DEBUG_COLOR_SCHEME=prefer-dark. Not a test: a tool for the docs.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <string.h>

#include "pb-application.h"
#include "pb-import.h"
#include "pb-people-page.h"
#include "pb-person-detail-private.h"
#include "pb-record-editor.h"
#include "pb-sandbox.h"
#include "pb-sync-driver.h"
#include "pb-test-utils.h"
#include "pb-window.h"

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static void
shoot (GtkWidget  *window,
       const char *out)
{
  g_autofree char *id = g_strdup_printf ("0x%lx", (unsigned long) gdk_x11_surface_get_xid (
                                           gtk_native_get_surface (GTK_NATIVE (window))));
  g_autofree char *command = g_strdup_printf ("import -window %s %s", id, out);

  if (system (command) != 0)
    g_error ("%s failed", command);
}

int
main (int   argc,
      char *argv[])
{
  const char *shot = argc > 2 ? argv[1] : NULL;
  const char *out = argc > 2 ? argv[2] : NULL;
  int width = 1280, height = 800;
  const char *root = g_getenv ("PB_SOURCE_ROOT");
  g_autoptr(GError) error = NULL;
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(PbProvider) provider = NULL;
  g_autoptr(GPtrArray) people = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *demo = NULL;
  PbApplication *app;
  PbWindow *window;
  PbStore *store;
  PbPeoplePage *page;
  PbPersonDetail *detail;
  PbRecord *person = NULL;

  if (shot == NULL || root == NULL)
    {
      g_printerr ("usage: PB_SOURCE_ROOT=… shoot-person error|position|sync OUT.png [WxH]\n");
      return 2;
    }
  if (argc > 3)
    sscanf (argv[3], "%dx%d", &width, &height);

  gtk_init ();
  adw_init ();

  sandbox = pb_sandbox_new ("tripletex", &error);
  seed = g_build_filename (root, "tests", "sandbox", "seed-tripletex-demo.json", NULL);
  if (sandbox == NULL || !pb_sandbox_load_seed_file (sandbox, seed, &error) ||
      !pb_sandbox_listen (sandbox, 0, &error))
    g_error ("sandbox: %s", error->message);

  dir = g_dir_make_tmp ("pb-shoot-XXXXXX", &error);
  demo = g_build_filename (root, "data", "demo", "hr-demo.json", NULL);
  {
    g_autoptr(PbStore) demo_store = pb_store_open (dir, &error);
    g_autoptr(PbImportResult) result = NULL;

    if (demo_store == NULL || !pb_import_file (demo_store, demo, PB_IMPORT_FLAGS_NONE, &result, &error))
      g_error ("register: %s", error->message);
  }

  g_setenv ("PAYBRIDGE_DATA_DIR", dir, TRUE);
  app = pb_application_new ("io.github.paybridge.Paybridge.ShootPerson", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  store = pb_application_get_store (app);

  connection = pb_connection_new ();
  connection->name = g_strdup ("Nordlys Data (sandbox)");
  connection->system = g_strdup ("tripletex");
  connection->sync_types = PB_DATA_ALL;
  connection->base_url = g_strdup (pb_sandbox_get_api_url (sandbox));
  connection->remote_currency = g_strdup ("NOK");
  provider = pb_test_new_provider ("tripletex", connection->base_url, NULL);
  if (!pb_store_save_connection (store, connection, &error))
    g_error ("connection: %s", error->message);
  pb_sync_driver_set_provider (pb_application_get_sync_driver (app), connection->id, provider);
  pb_test_activate (store, connection, provider, TRUE);

  g_application_activate (G_APPLICATION (app));
  window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  pb_window_set_view (window, "people");
  iterate_for (500);

  /* The first person with positions and salaries. */
  people = pb_store_list (store, PB_ENTITY_EMPLOYEE, 0, NULL);
  for (guint i = 0; person == NULL && i < people->len; i++)
    {
      PbRecord *candidate = g_ptr_array_index (people, i);
      g_autoptr(GPtrArray) positions = pb_store_list (store, PB_ENTITY_POSITION, pb_record_get_id (candidate), NULL);
      g_autoptr(GPtrArray) salaries = pb_store_list (store, PB_ENTITY_SALARY, pb_record_get_id (candidate), NULL);

      if (positions->len > 0 && salaries->len > 0)
        person = candidate;
    }
  g_assert (person != NULL);

  page = PB_PEOPLE_PAGE (gtk_widget_get_template_child (GTK_WIDGET (window), PB_TYPE_WINDOW, "people_page"));
  pb_people_page_show_person (page, pb_record_get_id (person));
  detail = PB_PERSON_DETAIL (gtk_widget_get_template_child (GTK_WIDGET (page), PB_TYPE_PEOPLE_PAGE, "detail"));
  iterate_for (300);

  /* A change that the outbox sends: the lines then say when. */
  pb_field_editor_set_text (pb_person_detail_get_fields (detail), PB_EMPLOYEE_PHONE, "+47 912 34 567");
  gtk_widget_activate_action (GTK_WIDGET (detail), "person.save", NULL);
  iterate_for (3000);

  if (g_str_equal (shot, "error"))
    {
      GtkScrolledWindow *scroller = (GtkScrolledWindow *) gtk_widget_get_template_child (GTK_WIDGET (detail),
                                                                                         PB_TYPE_PERSON_DETAIL,
                                                                                         "scroller");

      pb_field_editor_set_text (pb_person_detail_get_fields (detail), PB_EMPLOYEE_EMAIL, "kari.nordlysdata.no");
      iterate_for (500);
      gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scroller), 120);
      iterate_for (1500);
      shoot (GTK_WIDGET (window), out);
    }
  else if (g_str_equal (shot, "position"))
    {
      GtkWindow *editor;
      g_autoptr(GPtrArray) positions = pb_store_list (store, PB_ENTITY_POSITION, pb_record_get_id (person), NULL);
      PbRecord *last = g_ptr_array_index (positions, positions->len - 1);

      gtk_widget_activate_action (GTK_WIDGET (detail), "person.edit-record", "(sx)", "position",
                                  pb_record_get_id (last));
      iterate_for (300);
      editor = pb_person_detail_get_dialog (detail);
      /* An overlap, as the editor names it. */
      pb_field_editor_set_text (pb_record_editor_get_fields ((gpointer) editor), PB_POSITION_START_DATE, "2000-01-01");
      iterate_for (1500);
      shoot (GTK_WIDGET (editor), out);
      gtk_window_destroy (editor);
    }
  else
    {
      GtkScrolledWindow *scroller = (GtkScrolledWindow *) gtk_widget_get_template_child (GTK_WIDGET (detail), PB_TYPE_PERSON_DETAIL,
                                                                   "scroller");
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scroller);

      iterate_for (500);
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      iterate_for (1500);
      shoot (GTK_WIDGET (window), out);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (200);
  return 0;
}
