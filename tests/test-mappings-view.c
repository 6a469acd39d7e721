/* test-mappings-view.c: the Mappings view, driven through the window's
 * actions and the rows' drop-downs over a register with absence types
 * (SPEC A2, A5), and its Refresh against the in-process payroll sandbox
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <sqlite3.h>
#include <string.h>

#include "pb-application.h"
#include "pb-connections-page-private.h"
#include "pb-import.h"
#include "pb-mapping.h"
#include "pb-mappings-page-private.h"
#include "pb-sandbox.h"
#include "pb-secrets.h"
#include "pb-store-private.h"
#include "pb-test-utils.h"
#include "pb-window.h"

/* Three HR absence types: Ferie, Sykmelding and Sykt barn (sorted so). */
static const char register_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"absence_types\": [ { \"key\": \"vacation\", \"name\": \"Ferie\" },"
  "                      { \"key\": \"sick-leave\", \"name\": \"Sykmelding\" },"
  "                      { \"key\": \"child-sick\", \"name\": \"Sykt barn\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Ada\", \"family_name\": \"Lovelace\", \"email\": \"ada@acme.no\","
  "      \"employee_number\": \"1001\", \"company\": \"acme\","
  "      \"absences\": [ { \"type\": \"vacation\", \"start_date\": \"2026-07-06\", \"end_date\": \"2026-07-10\","
  "                        \"percentage\": 100, \"state\": \"approved\" } ] }"
  "  ] }";

static const char no_types_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ] }";

enum {
  FIXTURE_NO_TYPES = 1 << 0,
  FIXTURE_AT_START = 1 << 1,   /* the window as it opens, on People */
};

static gboolean have_display;

typedef struct
{
  char           *dir;
  PbApplication  *app;
  PbWindow       *window;
  PbStore        *store;     /* the application's */
  PbMappingsPage *page;
  gboolean        no_types;
} Fixture;

/* --- helpers ------------------------------------------------------------------------ */

static void
iterate_idle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
available (void)
{
  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return FALSE;
    }

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      pb_test_skip_or_fail ("no session bus (run under build-aux/run-headless)");
      return FALSE;
    }

  return TRUE;
}

static gpointer
find_toplevel (GType type)
{
  g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        return window;   /* GTK keeps its own reference */
    }

  return NULL;
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static gpointer
child (gpointer    widget,
       GType       type,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (object);
  return object;
}

static void
exec_sql (Fixture    *f,
          const char *sql)
{
  g_assert_cmpint (sqlite3_exec (pb_store_get_db (f->store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

static gint64
add_connection (Fixture    *f,
                const char *name,
                const char *base_url)
{
  g_autoptr(PbConnection) connection = pb_connection_new ();
  g_autoptr(GError) error = NULL;

  connection->name = g_strdup (name);
  connection->system = g_strdup ("tripletex");
  connection->sync_types = PB_DATA_USERS | PB_DATA_ABSENCE;
  connection->base_url = g_strdup (base_url);
  g_assert_true (pb_store_save_connection (f->store, connection, &error));
  g_assert_no_error (error);
  return connection->id;
}

static gint64
type_id (Fixture    *f,
         const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) type = pb_store_find_by_key (f->store, PB_ENTITY_ABSENCE_TYPE, key, &error);

  g_assert_no_error (error);
  g_assert_nonnull (type);
  return pb_record_get_id (type);
}

static void
save_remote_types (Fixture *f,
                   gint64   connection_id)
{
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_remote_type_free);
  g_autoptr(GError) error = NULL;
  static const char * const pairs[][2] = { { "A1", "Ferie (lønn)" }, { "A2", "Sykdom" } };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      PbRemoteType *type = g_new0 (PbRemoteType, 1);

      type->id = g_strdup (pairs[i][0]);
      type->name = g_strdup (pairs[i][1]);
      g_ptr_array_add (types, type);
    }
  g_assert_true (pb_store_save_remote_types (f->store, connection_id, types, &error));
  g_assert_no_error (error);
}

static void
set_mapping (Fixture        *f,
             gint64          connection_id,
             const char     *key,
             PbMappingState  state,
             const char     *remote_type)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pb_store_set_mapping (f->store, connection_id, type_id (f, key), state, remote_type, &error));
  g_assert_no_error (error);
}

static PbAbsenceMapping *
get_mapping (Fixture    *f,
             gint64      connection_id,
             const char *key)
{
  g_autoptr(GError) error = NULL;
  PbAbsenceMapping *mapping = pb_store_get_mapping (f->store, connection_id, type_id (f, key), &error);

  g_assert_no_error (error);
  return mapping;
}

/* What the row's drop-down shows. */
static const char *
selected_label (PbMappingRow *row)
{
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (row));
  guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (row));
  g_autoptr(GtkStringObject) item = NULL;

  g_assert_nonnull (model);
  g_assert_cmpuint (selected, <, g_list_model_get_n_items (model));
  item = g_list_model_get_item (model, selected);
  /* The string list keeps the string. */
  return gtk_string_object_get_string (item);
}

static gboolean
offers_label (PbMappingRow *row,
              const char   *label)
{
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (row));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Chooses an item of the row's drop-down, as a click on it does. */
static void
choose (PbMappingRow   *row,
        PbMappingState  state,
        const char     *remote_type)
{
  guint position = pb_mapping_row_find_item (row, state, remote_type);

  g_assert_cmpuint (position, !=, GTK_INVALID_LIST_POSITION);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), position);
  iterate_idle ();
}

static PbMappingRow *
find_row (Fixture    *f,
          const char *key)
{
  PbMappingRow *row = pb_mappings_page_find_row (f->page, key);

  g_assert_nonnull (row);
  return row;
}

static const char *
page_stack (Fixture *f)
{
  return gtk_stack_get_visible_child_name (child (f->page, PB_TYPE_MAPPINGS_PAGE, "stack"));
}

/* --- the fixture: the whole application over a register with absence types -------- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint n_apps;
  guint flags = GPOINTER_TO_UINT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *app_id = NULL;

  if (!have_display || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    return;

  f->no_types = (flags & FIXTURE_NO_TYPES) != 0;
  f->dir = pb_test_make_dir ("mappings-view");
  {
    g_autoptr(PbStore) store = pb_store_open (f->dir, &error);
    g_autoptr(PbImportResult) result = NULL;

    g_assert_no_error (error);
    path = pb_test_write_file (f->dir, "register.json", f->no_types ? no_types_json : register_json);
    pb_import_file (store, path, PB_IMPORT_FLAGS_NONE, &result, &error);
    g_assert_no_error (error);
  }

  app_id = g_strdup_printf ("io.github.paybridge.Paybridge.TestMappings%u", ++n_apps);
  g_setenv ("PAYBRIDGE_DATA_DIR", f->dir, TRUE);
  f->app = pb_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (f->app), NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("PAYBRIDGE_DATA_DIR");
  f->store = pb_application_get_store (f->app);
  g_assert_nonnull (f->store);

  if (flags & FIXTURE_AT_START)
    {
      /* Earlier tests of this process left the window on Mappings. */
      g_autoptr(GSettings) settings = pb_application_new_settings ();

      if (settings != NULL)
        g_settings_set_string (settings, "last-view", "people");
    }
  g_application_activate (G_APPLICATION (f->app));
  f->window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  g_assert_true (PB_IS_WINDOW (f->window));
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  g_assert_true (pb_test_iterate_until (is_mapped, f->window, 20));
  if (flags & FIXTURE_AT_START)
    return;
  pb_window_set_view (f->window, "mappings");

  f->page = PB_MAPPINGS_PAGE (pb_window_ensure_page (f->window, "mappings"));
  g_assert_true (PB_IS_MAPPINGS_PAGE (f->page));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  GtkWindow *window;

  if (f->app != NULL)
    {
      g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (f->app)));

      while ((window = find_toplevel (ADW_TYPE_MESSAGE_DIALOG)) != NULL)
        gtk_window_destroy (window);
      for (GList *l = windows; l != NULL; l = l->next)
        gtk_window_destroy (l->data);
      iterate_idle ();
      g_clear_object (&f->app);
    }

  g_clear_pointer (&f->dir, g_free);
  iterate_idle ();
}

/* --- the tests ---------------------------------------------------------------------- */

/* SPEC A2: every HR type in a row, with the payroll type it maps to, "Do
 * not sync", or, undecided, a warning that its absences are never sent. */
static void
test_rows_show_state (Fixture       *f,
                      gconstpointer  data)
{
  gint64 id;
  PbMappingRow *row;

  if (!available ())
    return;

  g_assert_cmpstr (page_stack (f), ==, "no-connection");

  id = add_connection (f, "Acme payroll", NULL);
  save_remote_types (f, id);
  set_mapping (f, id, "vacation", PB_MAPPING_MAPPED, "A1");
  set_mapping (f, id, "sick-leave", PB_MAPPING_EXCLUDED, NULL);
  iterate_idle ();

  g_assert_cmpstr (page_stack (f), ==, "list");
  g_assert_cmpint (pb_mappings_page_get_connection_id (f->page), ==, id);
  g_assert_cmpuint (pb_mappings_page_get_n_rows (f->page), ==, 3);
  g_assert_cmpstr (pb_window_get_view (f->window), ==, "mappings");
  g_assert_cmpstr (pb_mappings_page_get_summary (f->page), ==, "Acme payroll");
  /* One connection: no chooser. */
  g_assert_false (gtk_widget_get_visible (child (f->page, PB_TYPE_MAPPINGS_PAGE, "connection_group")));

  row = find_row (f, "vacation");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, "Ferie");
  g_assert_cmpstr (selected_label (row), ==, "Ferie (lønn)");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "mapping-unmapped"));
  /* Decided: "Not mapped" is no longer offered; payroll's types are. */
  g_assert_false (offers_label (row, "Not mapped"));
  g_assert_true (offers_label (row, "Do not sync"));
  g_assert_true (offers_label (row, "Sykdom"));

  row = find_row (f, "sick-leave");
  g_assert_cmpstr (selected_label (row), ==, "Do not sync");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "Never sent");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "mapping-unmapped"));

  row = find_row (f, "child-sick");
  g_assert_cmpstr (selected_label (row), ==, "Not mapped");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "Not mapped: absences of this type are never sent");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "mapping-unmapped"));

  /* A mapping to a type payroll no longer lists stays, named as gone. */
  set_mapping (f, id, "vacation", PB_MAPPING_MAPPED, "A9");
  iterate_idle ();
  row = find_row (f, "vacation");
  g_assert_cmpstr (selected_label (row), ==, "A9 (gone from payroll)");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "“A9” is no longer among payroll’s types");
}

/* SPEC A2: a choice in a row is saved at once (no network needed), and
 * the row follows the store. */
static void
test_choosing_saves (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PbAbsenceMapping) mapping = NULL;
  PbMappingRow *row;
  gint64 id;

  if (!available ())
    return;

  id = add_connection (f, "Acme payroll", NULL);
  save_remote_types (f, id);
  iterate_idle ();

  row = find_row (f, "child-sick");
  choose (row, PB_MAPPING_MAPPED, "A2");
  g_assert_null (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  mapping = get_mapping (f, id, "child-sick");
  g_assert_cmpint (mapping->state, ==, PB_MAPPING_MAPPED);
  g_assert_cmpstr (mapping->remote_type, ==, "A2");
  g_clear_pointer (&mapping, pb_absence_mapping_free);

  /* The same row, now decided. */
  g_assert_true (find_row (f, "child-sick") == row);
  g_assert_cmpstr (selected_label (row), ==, "Sykdom");
  g_assert_false (offers_label (row, "Not mapped"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "mapping-unmapped"));

  row = find_row (f, "sick-leave");
  choose (row, PB_MAPPING_EXCLUDED, NULL);
  mapping = get_mapping (f, id, "sick-leave");
  g_assert_cmpint (mapping->state, ==, PB_MAPPING_EXCLUDED);
  g_assert_null (mapping->remote_type);
  g_assert_cmpstr (selected_label (row), ==, "Do not sync");
}

/* SPEC A5: changing the mapping of a type whose absences were sent asks
 * first and says they will no longer be updated; Cancel keeps the old
 * mapping, in the store and in the row. */
static void
test_change_after_sent_asks (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PbAbsenceMapping) mapping = NULL;
  g_autofree char *sql = NULL;
  AdwMessageDialog *dialog;
  PbMappingRow *row;
  gint64 id;

  if (!available ())
    return;

  id = add_connection (f, "Acme payroll", NULL);
  save_remote_types (f, id);
  set_mapping (f, id, "vacation", PB_MAPPING_MAPPED, "A1");
  /* Ada's vacation was sent: payroll holds it as entry T-1. */
  sql = g_strdup_printf ("INSERT INTO links (connection_id, entity, record_id, remote_id, linked_at) "
                         "SELECT %" G_GINT64_FORMAT ", 'absence', id, 'T-1', '2026-07-01T00:00:00Z' "
                         "FROM absences", id);
  exec_sql (f, sql);
  pb_mappings_page_reload (f->page);

  row = find_row (f, "vacation");
  g_assert_cmpint (pb_mapping_row_get_mapping (row)->sent, ==, 1);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "1 absence sent to payroll");

  choose (row, PB_MAPPING_MAPPED, "A2");
  g_assert_true (pb_test_iterate_until (has_message_dialog, NULL, 10));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Change the Mapping of “Ferie”?");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "1 absence of this type was already sent to Tripletex. It will no longer be updated in "
                   "payroll: when it changes, it must be corrected in Tripletex by hand.");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (f->window));
  /* Nothing saved while it asks. */
  mapping = get_mapping (f, id, "vacation");
  g_assert_cmpstr (mapping->remote_type, ==, "A1");
  g_clear_pointer (&mapping, pb_absence_mapping_free);

  adw_message_dialog_response (dialog, "cancel");
  iterate_idle ();
  mapping = get_mapping (f, id, "vacation");
  g_assert_cmpint (mapping->state, ==, PB_MAPPING_MAPPED);
  g_assert_cmpstr (mapping->remote_type, ==, "A1");
  g_clear_pointer (&mapping, pb_absence_mapping_free);
  g_assert_cmpstr (selected_label (row), ==, "Ferie (lønn)");

  /* "Do not sync" is a change too; this time it is confirmed. */
  choose (row, PB_MAPPING_EXCLUDED, NULL);
  g_assert_true (pb_test_iterate_until (has_message_dialog, NULL, 10));
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  adw_message_dialog_response (dialog, "change");
  iterate_idle ();
  mapping = get_mapping (f, id, "vacation");
  g_assert_cmpint (mapping->state, ==, PB_MAPPING_EXCLUDED);
  g_assert_cmpstr (selected_label (row), ==, "Do not sync");
}

/* Payroll's types as last read: never read, read long ago (both with
 * Refresh as the suggested action) and recent. */
static void
test_cache_banner (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *refresh_button;
  g_autofree char *sql = NULL;
  gint64 id;

  if (!available ())
    return;

  id = add_connection (f, "Acme payroll", NULL);
  iterate_idle ();
  refresh_button = child (f->page, PB_TYPE_MAPPINGS_PAGE, "refresh_button");

  g_assert_cmpint (pb_mappings_page_get_cache_state (f->page), ==, PB_MAPPINGS_CACHE_EMPTY);
  g_assert_cmpstr (pb_mappings_page_get_cache_text (f->page), ==, "Payroll’s absence types have not been read yet");
  g_assert_true (gtk_widget_has_css_class (refresh_button, "suggested-action"));
  g_assert_true (gtk_widget_get_sensitive (refresh_button));
  /* Nothing to map to yet but "Do not sync". */
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (find_row (f, "vacation")))),
                    ==, 2);

  save_remote_types (f, id);
  iterate_idle ();
  g_assert_cmpint (pb_mappings_page_get_cache_state (f->page), ==, PB_MAPPINGS_CACHE_FRESH);
  g_assert_true (g_str_has_prefix (pb_mappings_page_get_cache_text (f->page), "Read on "));
  g_assert_false (gtk_widget_has_css_class (refresh_button, "suggested-action"));

  sql = g_strdup_printf ("UPDATE remote_absence_type_reads SET read_at = '2026-01-02T10:30:00Z' "
                         "WHERE connection_id = %" G_GINT64_FORMAT, id);
  exec_sql (f, sql);
  pb_mappings_page_reload (f->page);
  g_assert_cmpint (pb_mappings_page_get_cache_state (f->page), ==, PB_MAPPINGS_CACHE_OLD);
  g_assert_cmpstr (pb_mappings_page_get_cache_text (f->page), ==, "Read on 2 Jan 2026, 10:30");
  g_assert_true (gtk_widget_has_css_class (refresh_button, "suggested-action"));
  /* Old, but still what the rows offer: the review works offline. */
  g_assert_true (offers_label (find_row (f, "vacation"), "Sykdom"));
}

static gboolean
is_in_menu (GMenuModel *menu,
            const char *action,
            gint64      target)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GVariant) value = NULL;

      if (!g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name))
        continue;
      value = g_menu_model_get_item_attribute_value (menu, i, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_INT64);
      if (g_strcmp0 (name, action) == 0 && value != NULL && g_variant_get_int64 (value) == target)
        return TRUE;
    }

  return FALSE;
}

static GtkMenuButton *
find_menu_button (GtkWidget *root)
{
  if (GTK_IS_MENU_BUTTON (root))
    return GTK_MENU_BUTTON (root);

  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkMenuButton *found = find_menu_button (c);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* SPEC A2: the sidebar's count is right from a window's first frame,
 * though the Mappings page is made only at its first visit: until then the
 * window counts by itself, and follows the register's changes. */
static void
test_sidebar_count_before_made (Fixture       *f,
                                gconstpointer  data)
{
  AdwViewStack *stack;
  GtkWidget *count;
  GtkWidget *old_window;

  if (!available ())
    return;

  stack = child (f->window, PB_TYPE_WINDOW, "stack");
  count = child (f->window, PB_TYPE_WINDOW, "mappings_count");
  g_assert_cmpstr (pb_window_get_view (f->window), ==, "people");
  g_assert_null (adw_view_stack_get_child_by_name (stack, "mappings"));
  g_assert_false (gtk_widget_get_visible (count));

  add_connection (f, "Acme payroll", NULL);
  iterate_idle ();
  g_assert_null (adw_view_stack_get_child_by_name (stack, "mappings"));
  g_assert_true (gtk_widget_get_visible (count));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "3");
  add_connection (f, "Acme bonus", NULL);
  iterate_idle ();
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "6");

  /* A window opened on a register with them counts before its first frame:
   * no main loop iteration runs from here to the checks. */
  old_window = GTK_WIDGET (f->window);
  gtk_window_destroy (GTK_WINDOW (old_window));
  iterate_idle ();
  g_application_activate (G_APPLICATION (f->app));
  f->window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  g_assert_true (PB_IS_WINDOW (f->window));
  stack = child (f->window, PB_TYPE_WINDOW, "stack");
  count = child (f->window, PB_TYPE_WINDOW, "mappings_count");
  g_assert_null (adw_view_stack_get_child_by_name (stack, "mappings"));
  g_assert_true (gtk_widget_get_visible (count));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "6");
  g_assert_true (pb_test_iterate_until (is_mapped, f->window, 20));

  /* The first visit makes the page, which keeps the count from then on. */
  pb_window_set_view (f->window, "mappings");
  f->page = PB_MAPPINGS_PAGE (adw_view_stack_get_child_by_name (stack, "mappings"));
  g_assert_true (PB_IS_MAPPINGS_PAGE (f->page));
  g_assert_cmpuint (pb_mappings_page_get_n_unmapped (f->page), ==, 6);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "6");
  add_connection (f, "Acme extra", NULL);
  iterate_idle ();
  g_assert_cmpuint (pb_mappings_page_get_n_unmapped (f->page), ==, 9);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "9");
}

/* SPEC A2: the sidebar counts the types of every connection syncing
 * absence that are neither mapped nor excluded; a connection's menu opens the view on it,
 * with the chooser when there are several. */
static void
test_sidebar_count_and_row_menu (Fixture       *f,
                                 gconstpointer  data)
{
  GtkWidget *count;
  PbConnectionsPage *connections;
  PbConnectionRow *connection_row;
  GtkMenuButton *menu_button;
  AdwComboRow *chooser;
  gint64 first, second;

  if (!available ())
    return;

  count = child (f->window, PB_TYPE_WINDOW, "mappings_count");
  g_assert_false (gtk_widget_get_visible (count));

  first = add_connection (f, "Acme payroll", NULL);
  second = add_connection (f, "Acme bonus", NULL);
  iterate_idle ();
  g_assert_cmpuint (pb_mappings_page_get_n_unmapped (f->page), ==, 6);
  g_assert_true (gtk_widget_get_visible (count));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "6");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (count), ==, "6 absence types not mapped");

  /* SPEC A2: a connection that does not sync absence sends none: its
   * types are not counted. */
  {
    g_autoptr(PbConnection) users_only = pb_connection_new ();
    g_autoptr(GError) error = NULL;

    users_only->name = g_strdup ("Acme users");
    users_only->system = g_strdup ("tripletex");
    users_only->sync_types = PB_DATA_USERS;
    g_assert_true (pb_store_save_connection (f->store, users_only, &error));
    g_assert_no_error (error);
    iterate_idle ();
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "6");

    users_only->sync_types |= PB_DATA_ABSENCE;
    g_assert_true (pb_store_save_connection (f->store, users_only, &error));
    g_assert_no_error (error);
    iterate_idle ();
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "9");

    g_assert_true (pb_store_delete_connection (f->store, users_only, &error));
    g_assert_no_error (error);
    iterate_idle ();
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "6");
  }

  set_mapping (f, first, "vacation", PB_MAPPING_EXCLUDED, NULL);
  set_mapping (f, first, "sick-leave", PB_MAPPING_MAPPED, "A1");
  set_mapping (f, first, "child-sick", PB_MAPPING_EXCLUDED, NULL);
  iterate_idle ();
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (count)), ==, "3");

  /* From the connection's row: its menu has the item, whose action opens
   * the view on that connection. */
  pb_window_set_view (f->window, "connections");
  connections = PB_CONNECTIONS_PAGE (pb_window_ensure_page (f->window, "connections"));
  connection_row = pb_connections_page_find_row (connections, "Acme bonus");
  g_assert_nonnull (connection_row);
  menu_button = find_menu_button (GTK_WIDGET (connection_row));
  g_assert_nonnull (menu_button);
  g_assert_true (is_in_menu (gtk_menu_button_get_menu_model (menu_button), "win.map-absence-types", second));

  g_action_group_activate_action (G_ACTION_GROUP (f->window), "map-absence-types", g_variant_new_int64 (second));
  iterate_idle ();
  g_assert_cmpstr (pb_window_get_view (f->window), ==, "mappings");
  g_assert_cmpint (pb_mappings_page_get_connection_id (f->page), ==, second);
  g_assert_cmpstr (pb_mappings_page_get_summary (f->page), ==, "Acme bonus");
  g_assert_true (gtk_widget_get_visible (child (f->page, PB_TYPE_MAPPINGS_PAGE, "connection_group")));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (find_row (f, "vacation")), "mapping-unmapped"));

  /* The chooser goes back to the first. */
  chooser = child (f->page, PB_TYPE_MAPPINGS_PAGE, "connection_row");
  for (guint i = 0; i < g_list_model_get_n_items (adw_combo_row_get_model (chooser)); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (adw_combo_row_get_model (chooser), i);

      if (g_str_equal (gtk_string_object_get_string (item), "Acme payroll"))
        adw_combo_row_set_selected (chooser, i);
    }
  iterate_idle ();
  g_assert_cmpint (pb_mappings_page_get_connection_id (f->page), ==, first);
  g_assert_cmpstr (selected_label (find_row (f, "vacation")), ==, "Do not sync");

  set_mapping (f, second, "vacation", PB_MAPPING_EXCLUDED, NULL);
  set_mapping (f, second, "sick-leave", PB_MAPPING_EXCLUDED, NULL);
  set_mapping (f, second, "child-sick", PB_MAPPING_EXCLUDED, NULL);
  iterate_idle ();
  g_assert_cmpuint (pb_mappings_page_get_n_unmapped (f->page), ==, 0);
  g_assert_false (gtk_widget_get_visible (count));
}

/* No connection, and a register with no absence types: the page says
 * what to do. */
static void
test_empty_states (Fixture       *f,
                   gconstpointer  data)
{
  if (!available ())
    return;

  g_assert_cmpstr (page_stack (f), ==, "no-connection");
  g_assert_null (pb_mappings_page_get_summary (f->page));

  add_connection (f, "Acme payroll", NULL);
  iterate_idle ();
  g_assert_cmpstr (page_stack (f), ==, "no-types");
  g_assert_cmpuint (pb_mappings_page_get_n_rows (f->page), ==, 0);
  g_assert_cmpuint (pb_mappings_page_get_n_unmapped (f->page), ==, 0);
}

/* --- Refresh against the payroll sandbox ---------------------------------------------- */

typedef struct
{
  gboolean done;
  GError  *error;
} Stored;

static void
on_stored_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Stored *stored = user_data;

  pb_secrets_store_finish (result, stored->error == NULL ? &stored->error : NULL);
  stored->done = TRUE;
}

static gboolean
is_stored (gpointer data)
{
  return ((Stored *) data)->done;
}

static void
store_tokens (Fixture *f,
              gint64   connection_id)
{
  static const char * const tokens[][2] = {
    { "consumer-token", "sandbox-consumer" },
    { "employee-token", "sandbox-employee" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      Stored stored = { FALSE, NULL };

      pb_secrets_store_async (pb_store_get_register_id (f->store), connection_id, tokens[i][0], "Paybridge test",
                              tokens[i][1], NULL, on_stored_cb, &stored);
      g_assert_true (pb_test_iterate_until (is_stored, &stored, 20));
      g_assert_no_error (stored.error);
    }
}

static gboolean
refresh_done (gpointer data)
{
  return !pb_mappings_page_get_refreshing (data);
}

/* Refresh reads payroll's types into the cache, with a spinner; a failure
 * shows on the page, and what was read before stays usable. */
static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PbSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) types = NULL;
  g_autofree char *url = NULL;
  g_autofree char *sql = NULL;
  GtkWidget *spinner;
  gint64 id;

  if (!available ())
    return;

  sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  pb_sandbox_listen (sandbox, 0, &error);
  g_assert_no_error (error);

  id = add_connection (f, "Acme payroll", pb_sandbox_get_api_url (sandbox));
  store_tokens (f, id);
  iterate_idle ();
  spinner = child (f->page, PB_TYPE_MAPPINGS_PAGE, "spinner");
  g_assert_cmpint (pb_mappings_page_get_cache_state (f->page), ==, PB_MAPPINGS_CACHE_EMPTY);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "mappings.refresh", NULL));
  g_assert_true (pb_mappings_page_get_refreshing (f->page));
  g_assert_true (gtk_widget_get_visible (spinner));
  g_assert_false (gtk_widget_get_sensitive (child (f->page, PB_TYPE_MAPPINGS_PAGE, "refresh_button")));
  g_assert_true (pb_test_iterate_until (refresh_done, f->page, 30));
  iterate_idle ();
  g_assert_null (pb_mappings_page_get_refresh_error (f->page));
  g_assert_false (gtk_widget_get_visible (spinner));
  g_assert_cmpint (pb_mappings_page_get_cache_state (f->page), ==, PB_MAPPINGS_CACHE_FRESH);

  types = pb_store_list_remote_types (f->store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (types->len, >, 0);
  /* Every type read is offered, after "Not mapped" and "Do not sync". */
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (find_row (f, "vacation")))),
                    ==, types->len + 2);
  g_assert_true (offers_label (find_row (f, "vacation"), ((PbRemoteType *) g_ptr_array_index (types, 0))->name));
  g_assert_true (g_str_has_prefix (pb_mappings_page_get_last_toast (f->page), "Read "));

  /* Payroll gone: the error shows inline; the old read stays. */
  sql = g_strdup_printf ("UPDATE remote_absence_type_reads SET read_at = '2026-01-02T10:30:00Z' "
                         "WHERE connection_id = %" G_GINT64_FORMAT, id);
  exec_sql (f, sql);
  g_clear_object (&sandbox);
  pb_mappings_page_reload (f->page);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "mappings.refresh", NULL));
  g_assert_true (pb_test_iterate_until (refresh_done, f->page, 60));
  iterate_idle ();
  g_assert_true (g_str_has_prefix (pb_mappings_page_get_refresh_error (f->page),
                                   "Could not read payroll’s absence types: "));
  g_assert_true (gtk_widget_get_visible (child (f->page, PB_TYPE_MAPPINGS_PAGE, "error_label")));
  g_assert_cmpint (pb_mappings_page_get_cache_state (f->page), ==, PB_MAPPINGS_CACHE_OLD);
  g_assert_true (offers_label (find_row (f, "vacation"), ((PbRemoteType *) g_ptr_array_index (types, 0))->name));
}

int
main (int   argc,
      char *argv[])
{
#ifdef __SANITIZE_ADDRESS__
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
#endif

  pb_test_use_system_mime_database ();
  have_display = gtk_init_check ();
  if (have_display)
    {
      adw_init ();
      gtk_icon_theme_get_for_display (gdk_display_get_default ());
    }

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, flags) \
  g_test_add (path, Fixture, GUINT_TO_POINTER (flags), fixture_set_up, func, fixture_tear_down)

  ADD ("/mappings-view/rows-show-state", test_rows_show_state, 0);
  ADD ("/mappings-view/choosing-saves", test_choosing_saves, 0);
  ADD ("/mappings-view/change-after-sent-asks", test_change_after_sent_asks, 0);
  ADD ("/mappings-view/cache-banner", test_cache_banner, 0);
  ADD ("/mappings-view/sidebar-count-and-row-menu", test_sidebar_count_and_row_menu, 0);
  ADD ("/mappings-view/sidebar-count-before-made", test_sidebar_count_before_made, FIXTURE_AT_START);
  ADD ("/mappings-view/empty-states", test_empty_states, FIXTURE_NO_TYPES);
  ADD ("/mappings-view/refresh", test_refresh, 0);

#undef ADD

  return g_test_run ();
}
