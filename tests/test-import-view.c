/* test-import-view.c: importing from the app, a primary action: the
 * header-bar button, app.import-file and a file dropped on the window,
 * with the import's summary and list of problems
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "pb-application.h"
#include "pb-connections-page.h"
#include "pb-field-editor.h"
#include "pb-import.h"
#include "pb-mappings-page.h"
#include "pb-people-page.h"
#include "pb-person-detail.h"
#include "pb-person-detail-private.h"
#include "pb-store.h"
#include "pb-test-utils.h"
#include "pb-window.h"

static const char people_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"teams\": [ { \"key\": \"eng\", \"name\": \"Engineering\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Ada\", \"family_name\": \"Lovelace\", \"email\": \"ada@acme.no\", \"team\": \"eng\" }"
  "  ] }";

static const char more_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"employees\": ["
  "    { \"given_name\": \"Edsger\", \"family_name\": \"Dijkstra\", \"email\": \"edsger@acme.no\", \"team\": \"eng\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Engineer\" } ] },"
  "    { \"given_name\": \"Ada\", \"family_name\": \"Lovelace\", \"email\": \"ada@acme.no\", \"phone\": \"+47 1\" }"
  "  ] }";

static const char more_csv[] =
  "given_name,family_name,email,team\n"
  "Grace,Hopper,grace@acme.no,eng\n"
  "Alan,Turing,alan@acme.no,eng\n";

static gboolean have_display;

typedef struct
{
  char          *dir;
  PbApplication *app;
  PbWindow      *window;
} Fixture;

/* --- the application ---------------------------------------------------------------- */

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* Dialogs are transient for the window, not windows of the application. */
static AdwMessageDialog *
find_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;

  return NULL;
}

static gboolean
has_dialog (gpointer data)
{
  return find_dialog () != NULL;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static guint n_apps;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *app_id = NULL;

  if (!have_display)
    return;

  f->dir = pb_test_make_dir ("import-view");
  path = pb_test_write_file (f->dir, "people.json", people_json);
  {
    g_autoptr(PbStore) store = pb_store_open (f->dir, &error);

    g_assert_no_error (error);
    pb_import_file (store, path, PB_IMPORT_FLAGS_NONE, NULL, &error);
    g_assert_no_error (error);
  }

  g_setenv ("PAYBRIDGE_DATA_DIR", f->dir, TRUE);
  /* Each test its own application: the bus keeps a name's objects a while. */
  app_id = g_strdup_printf ("io.github.paybridge.Paybridge.TestImportView%u", ++n_apps);
  f->app = pb_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (f->app), NULL, &error);
  g_assert_no_error (error);
  g_unsetenv ("PAYBRIDGE_DATA_DIR");
  g_assert_nonnull (pb_application_get_store (f->app));

  g_application_activate (G_APPLICATION (f->app));
  f->window = PB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  g_assert_true (PB_IS_WINDOW (f->window));
  g_assert_true (pb_test_iterate_until (is_mapped, f->window, 10));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GList) windows = NULL;
  AdwMessageDialog *dialog;

  if (f->app == NULL)
    return;

  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (f->app)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  while ((dialog = find_dialog ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_add_weak_pointer (G_OBJECT (f->app), (gpointer *) &f->app);
  g_clear_object (&f->app);
  g_assert_null (f->app);
  g_free (f->dir);
}

static GListModel *
shown_people (Fixture *f)
{
  GtkWidget *page = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window), PB_TYPE_WINDOW,
                                                               "people_page"));
  GtkColumnView *view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (page, PB_TYPE_PEOPLE_PAGE, "column_view"));

  return G_LIST_MODEL (gtk_column_view_get_model (view));
}

typedef struct
{
  Fixture *f;
  guint    n;
} CountWait;

static gboolean
shows_n_people (gpointer data)
{
  CountWait *wait = data;

  return g_list_model_get_n_items (shown_people (wait->f)) == wait->n;
}

static gboolean
shows_email (Fixture    *f,
             const char *email)
{
  GListModel *people = shown_people (f);

  for (guint i = 0; i < g_list_model_get_n_items (people); i++)
    {
      g_autoptr(PbRecord) person = g_list_model_get_item (people, i);

      if (g_strcmp0 (pb_record_get (person, PB_EMPLOYEE_EMAIL), email) == 0)
        return TRUE;
    }

  return FALSE;
}

/* A label under @root (a toast's title, for one) that reads @text. */
static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  Fixture    *f;
  const char *text;
} LabelWait;

static gboolean
shows_label (gpointer data)
{
  LabelWait *wait = data;

  return find_label (GTK_WIDGET (wait->f->window), wait->text) != NULL;
}

static void
assert_toast (Fixture    *f,
              const char *text)
{
  LabelWait wait = { f, text };

  g_assert_true (pb_test_iterate_until (shows_label, &wait, 10));
}

static char *
issues_text (AdwMessageDialog *dialog)
{
  GtkWidget *scrolled = adw_message_dialog_get_extra_child (dialog);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (gtk_scrolled_window_get_child (
                                                      GTK_SCROLLED_WINDOW (scrolled))));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* A document of @n people, each with a position: big enough that its
 * write phase lasts many main-loop iterations. */
static char *
write_big_json (Fixture    *f,
                const char *name,
                guint       n)
{
  g_autoptr(GString) json = g_string_new ("{ \"format\": \"paybridge-hr/1\", \"employees\": [");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s{ \"given_name\": \"Given%u\", \"family_name\": \"Family%u\","
                            " \"email\": \"person%u@acme.no\", \"team\": \"eng\","
                            " \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Engineer\" } ] }",
                            i > 0 ? ", " : "", i, i, i);
  g_string_append (json, "] }");

  return pb_test_write_file (f->dir, name, json->str);
}

static guint
count_stored_people (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (f->dir, &error);
  g_autoptr(GPtrArray) people = NULL;

  g_assert_no_error (error);
  people = pb_store_list (store, PB_ENTITY_EMPLOYEE, 0, &error);
  g_assert_no_error (error);

  return people->len;
}

static gpointer
window_child (Fixture    *f,
              const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (f->window), PB_TYPE_WINDOW, name);
}

static gboolean
import_bar_hidden (gpointer data)
{
  Fixture *f = data;

  GtkWidget *revealer = window_child (f, "import_revealer");
  int min = -1, nat = -1;

  /* Hidden, and taking no room above the page either (a revealer without
   * a slide kept its child's height: a blank band over the People list). */
  gtk_widget_measure (revealer, GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
  return !gtk_revealer_get_reveal_child (GTK_REVEALER (revealer)) && nat == 0;
}

/* What a timer on the main loop sees while an import runs. */
typedef struct
{
  Fixture *f;
  guint    ticks;
  guint    mid_way;     /* ticks that saw the bar between 0 and 1 */
  double   last;        /* the bar's fraction at the last tick */
  gboolean backwards;   /* the bar went back */
  gint64   last_tick;
  gint64   longest;     /* µs between two ticks */
} Watch;

static gboolean
on_watch_tick (gpointer data)
{
  Watch *watch = data;
  GtkProgressBar *bar = window_child (watch->f, "import_progress");
  GtkRevealer *revealer = window_child (watch->f, "import_revealer");
  GtkLabel *label = window_child (watch->f, "import_label");
  double fraction = gtk_progress_bar_get_fraction (bar);
  gint64 now = g_get_monotonic_time ();

  if (watch->last_tick != 0)
    watch->longest = MAX (watch->longest, now - watch->last_tick);
  watch->last_tick = now;
  watch->ticks++;
  if (gtk_revealer_get_reveal_child (revealer) &&
      g_str_has_prefix (gtk_label_get_text (label), "Importing big.json… "))
    {
      watch->mid_way += fraction > 0 && fraction < 1;
      watch->backwards |= fraction < watch->last;
      watch->last = fraction;
    }

  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* The window's first frame drawn: with GL on llvmpipe that takes seconds
 * on a loaded machine, which is no import's doing. */
static void
wait_painted (Fixture *f)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  gboolean painted = FALSE;
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);

  gtk_widget_queue_draw (GTK_WIDGET (f->window));
  g_assert_true (pb_test_iterate_until (is_true, &painted, 60));
  g_signal_handler_disconnect (clock, id);
}

static gboolean
written_some (gpointer data)
{
  Fixture *f = data;

  return gtk_progress_bar_get_fraction (window_child (f, "import_progress")) > 0;
}

/* --- tests -------------------------------------------------------------------------- */

/* Import is in the content header, whatever the view, and enabled. */
static void
test_header_button (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *button;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  button = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window), PB_TYPE_WINDOW, "import_button"));
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "app.import");
  g_assert_nonnull (gtk_widget_get_ancestor (button, ADW_TYPE_HEADER_BAR));
  g_assert_true (gtk_widget_is_ancestor (button, GTK_WIDGET (gtk_widget_get_template_child (
                                                   GTK_WIDGET (f->window), PB_TYPE_WINDOW, "content"))));
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  pb_window_set_view (f->window, "connections");
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "import-file"));
}

/* app.import-file with a path: the new person is in the People list and
 * the toast says what changed; Details gives the import's whole summary,
 * the same words as `paybridge-cli import`. */
static void
test_import_file_action (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autofree char *summary = NULL;
  CountWait wait = { f, 2 };
  AdwMessageDialog *dialog;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  path = pb_test_write_file (f->dir, "more.json", more_json);
  g_assert_cmpuint (g_list_model_get_n_items (shown_people (f)), ==, 1);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (path));
  g_assert_true (pb_test_iterate_until (shows_n_people, &wait, 10));
  g_assert_true (shows_email (f, "edsger@acme.no"));
  assert_toast (f, "Imported more.json: 1 person added, 1 updated");
  g_assert_null (find_dialog ());

  /* The toast's Details: the CLI's summary, one kind of record a line. */
  {
    GtkWidget *label = find_label (GTK_WIDGET (f->window), "Imported more.json: 1 person added, 1 updated");
    GtkWidget *toast_widget = gtk_widget_get_parent (label);
    GtkWidget *details = NULL;

    for (GtkWidget *w = toast_widget; w != NULL && details == NULL; w = gtk_widget_get_parent (w))
      for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
        if (GTK_IS_BUTTON (c) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (c)), "_Details") == 0)
          details = c;
    g_assert_nonnull (details);
    gtk_widget_activate (details);
  }
  g_assert_true (pb_test_iterate_until (has_dialog, NULL, 10));
  dialog = find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Import Finished");
  g_assert_cmpstr (adw_message_dialog_get_body (dialog), ==,
                   "employees: 1 created, 1 updated, 0 deleted\npositions: 1 created, 0 updated, 0 deleted");
}

/* What the window's drop target calls: a .csv and a .txt dropped
 * together; the .csv is imported and the .txt named as not imported. */
static void
test_drop_files (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *csv = NULL;
  g_autofree char *txt = NULL;
  g_autoptr(GFile) csv_file = NULL;
  g_autoptr(GFile) txt_file = NULL;
  GFile *files[2];
  GValue value = G_VALUE_INIT;
  CountWait wait = { f, 3 };

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  csv = pb_test_write_file (f->dir, "more.CSV", more_csv);
  txt = pb_test_write_file (f->dir, "notes.txt", "not HR data\n");
  csv_file = g_file_new_for_path (csv);
  txt_file = g_file_new_for_path (txt);
  files[0] = txt_file;
  files[1] = csv_file;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (files, G_N_ELEMENTS (files)));
  g_assert_true (pb_window_import_drop (f->window, &value));
  g_value_unset (&value);

  g_assert_true (pb_test_iterate_until (shows_n_people, &wait, 10));
  g_assert_true (shows_email (f, "grace@acme.no"));
  g_assert_true (shows_email (f, "alan@acme.no"));
  assert_toast (f, "Imported more.CSV: 2 people added, 0 updated");
  assert_toast (f, "Not imported: notes.txt. Paybridge imports .json and .csv files");

  /* Only files Paybridge cannot import: nothing is taken. */
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, txt_file);
  g_assert_false (pb_window_import_drop (f->window, &value));
  g_value_unset (&value);
  g_assert_cmpuint (g_list_model_get_n_items (shown_people (f)), ==, 3);
}

/* A dropped file with errors: the import's list of problems, one a line
 * as `paybridge-cli import` prints them, and nothing imported. */
static void
test_drop_bad_file (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *bad = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GValue value = G_VALUE_INIT;
  AdwMessageDialog *dialog;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  bad = pb_test_write_file (f->dir, "bad.csv", "given_name,family_name,email\n"
                                               "Bad,Email,not-an-email\n"
                                               ",NoGiven,nogiven@acme.no\n");
  file = g_file_new_for_path (bad);
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  g_assert_true (pb_window_import_drop (f->window, &value));
  g_value_unset (&value);

  g_assert_true (pb_test_iterate_until (has_dialog, NULL, 10));
  dialog = find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Nothing Was Imported");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "bad.csv has 2 problems"));
  text = issues_text (dialog);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "bad.csv:2: email: "));
  g_assert_cmpstr (lines[1], ==, "bad.csv:3: given_name: is required and cannot be empty");
  g_assert_cmpuint (g_list_model_get_n_items (shown_people (f)), ==, 1);
}


/* Issue 14: the import runs in a worker while the main loop keeps
 * turning: a timer on the loop sees the progress bar move between 0 and 1
 * (records are being written, and the loop is not held). While it runs,
 * Import is disabled (the button insensitive, app.import-file off, a
 * dropped file refused); after it, the toast and the list as before. */
static void
test_import_async (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *big = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GFile) other_file = NULL;
  GValue value = G_VALUE_INIT;
  Watch watch = { f, 0, 0, 0, FALSE, 0, 0 };
  gint64 start;
  LabelWait done = { f, "Imported big.json: 12000 people added, 0 updated" };
  CountWait wait = { f, 12001 };
  GtkWidget *button;
  guint tick;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  /* Big enough to outlast the loop's turns on a busy machine: 3,000
   * people were written before the loop turned once (the import became
   * faster). */
  big = write_big_json (f, "big.json", 12000);
  other = pb_test_write_file (f->dir, "more.json", more_json);
  wait_painted (f);
  g_assert_true (import_bar_hidden (f));   /* no import yet: no strip, no blank band */
  button = window_child (f, "import_button");
  g_assert_true (gtk_widget_get_sensitive (button));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (big));

  /* Started, and the loop has not turned: nothing else can start. */
  g_assert_true (pb_application_is_importing (f->app));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "import"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "import-file"));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "cancel-import"));
  g_assert_true (gtk_revealer_get_reveal_child (window_child (f, "import_revealer")));
  g_assert_cmpstr (gtk_label_get_text (window_child (f, "import_label")), ==,
                   "Reading big.json… · Editing is paused until the import is done");
  g_assert_false (gtk_widget_get_sensitive (button));
  other_file = g_file_new_for_path (other);
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, other_file);
  g_assert_false (pb_window_import_drop (f->window, &value));
  g_value_unset (&value);
  /* A disabled action does nothing. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (other));

  start = g_get_monotonic_time ();
  tick = g_timeout_add (5, on_watch_tick, &watch);
  g_assert_true (pb_test_iterate_until (shows_label, &done, 120));
  g_source_remove (tick);

  g_test_message ("%u ticks in %.0f ms, %u with the bar mid-way, longest gap %.1f ms", watch.ticks,
                  (g_get_monotonic_time () - start) / 1000.0, watch.mid_way, watch.longest / 1000.0);
  g_assert_cmpuint (watch.mid_way, >=, 1);
  g_assert_false (watch.backwards);
  g_assert_true (pb_test_iterate_until (shows_n_people, &wait, 10));
  g_assert_false (shows_email (f, "edsger@acme.no"));   /* more.json was never imported */
  g_assert_true (pb_test_iterate_until (import_bar_hidden, f, 10));
  g_assert_false (pb_application_is_importing (f->app));
  g_assert_true (gtk_widget_get_sensitive (button));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "cancel-import"));
  g_assert_null (find_dialog ());
}

/* Cancel once records are written: the one transaction rolls back
 * (SPEC's transactional rule: nothing written), the toast says so, and
 * Import is back. */
static void
test_import_cancel (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *big = NULL;
  LabelWait cancelled = { f, "Import cancelled: nothing was changed" };
  LabelWait cancelling = { f, "Cancelling the import… · Editing is paused until the import is done" };

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  /* Big enough that its write phase outlasts a few progress reports. */
  big = write_big_json (f, "big.json", 6000);
  wait_painted (f);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (big));

  /* The bar has moved: the worker is writing inside its transaction. */
  g_assert_true (pb_test_iterate_until (written_some, f, 120));
  g_assert_true (pb_application_is_importing (f->app));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "cancel-import", NULL);
  g_assert_true (shows_label (&cancelling));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "cancel-import"));

  g_assert_true (pb_test_iterate_until (shows_label, &cancelled, 120));
  g_assert_false (pb_application_is_importing (f->app));
  g_assert_null (find_dialog ());
  g_assert_true (pb_test_iterate_until (import_bar_hidden, f, 10));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "import-file"));

  /* SPEC: nothing written, read from the register itself. */
  g_assert_cmpuint (count_stored_people (f), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (shown_people (f)), ==, 1);
}

typedef struct
{
  GThread *thread;
  guint    calls;
  guint    last_written;
  double   last_fraction;
  guint    part_way;     /* reports with 0 < fraction < 1 */
  gboolean wrong_thread;
  gboolean backwards;
  gboolean freed;
  gboolean finished;
  gboolean after_finish;
} Progress;

static void
on_progress (guint    written,
             double   fraction,
             gpointer user_data)
{
  Progress *p = user_data;

  p->wrong_thread |= g_thread_self () != p->thread;
  p->backwards |= written < p->last_written || fraction < p->last_fraction;
  p->after_finish |= p->finished;
  g_assert_cmpfloat (fraction, >=, 0);
  g_assert_cmpfloat (fraction, <=, 1);
  p->part_way += fraction > 0 && fraction < 1;
  p->calls++;
  p->last_written = written;
  p->last_fraction = fraction;
}

static void
on_progress_free (gpointer user_data)
{
  Progress *p = user_data;

  p->wrong_thread |= g_thread_self () != p->thread;
  p->freed = TRUE;
}

static void
on_gfile_imported (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Progress *p = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbImportResult) import_result = NULL;

  g_assert_true (pb_import_file_finish (PB_STORE (source), result, &import_result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pb_import_result_get_count (import_result, PB_ENTITY_EMPLOYEE, PB_CHANGE_CREATE), ==, 12000);
  g_assert_true (p->freed);
  p->finished = TRUE;
}

static gboolean
is_finished (gpointer data)
{
  return ((Progress *) data)->finished;
}

/* pb_import_gfile_async()'s progress: on the caller's thread, never
 * backwards, part-way reports while it writes, the last report all of it
 * (every record written: 12,000 people and their 12,000 positions, the
 * whole file), none after the result. */
static void
test_import_progress (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *big = NULL;
  g_autoptr(GFile) file = NULL;
  PbStore *store;
  Progress p = { g_thread_self () };

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  big = write_big_json (f, "big.json", 12000);
  file = g_file_new_for_path (big);
  store = pb_application_get_store (f->app);
  pb_import_gfile_async (store, file, PB_IMPORT_FLAGS_NONE, on_progress, &p, on_progress_free,
                         NULL, on_gfile_imported, &p);
  g_assert_true (pb_test_iterate_until (is_finished, &p, 120));
  /* Anything still queued would come now. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_cmpuint (p.calls, >=, 2);
  g_assert_cmpuint (p.part_way, >=, 1);
  g_assert_cmpuint (p.last_written, ==, 24000);
  g_assert_cmpfloat (p.last_fraction, ==, 1.0);
  g_assert_false (p.wrong_thread);
  g_assert_false (p.backwards);
  g_assert_false (p.after_finish);
  g_assert_cmpuint (count_stored_people (f), ==, 12001);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    data)
{
  (*(guint *) data)++;
}

/* A file that changes nothing: the toast says so, and the People list is
 * not read again (issue 14: at 10,000 people that read is the main loop's
 * longest stall of an import). */
static void
test_import_nothing_changed (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = NULL;
  LabelWait done = { f, "Imported people.json: nothing changed" };
  guint changes = 0;
  gulong id;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  path = g_build_filename (f->dir, "people.json", NULL);
  id = g_signal_connect (shown_people (f), "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (path));
  g_assert_true (pb_test_iterate_until (shows_label, &done, 60));
  g_signal_handler_disconnect (shown_people (f), id);

  g_assert_cmpuint (changes, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (shown_people (f)), ==, 1);
}

static gpointer
people_child (Fixture    *f,
              const char *name)
{
  GtkWidget *page = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window), PB_TYPE_WINDOW,
                                                               "people_page"));

  return gtk_widget_get_template_child (page, PB_TYPE_PEOPLE_PAGE, name);
}

static GtkWidget *
find_tooltip_button (GtkWidget  *root,
                     const char *tooltip)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_tooltip_button (child, tooltip);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_visible (gpointer data)
{
  return gtk_widget_get_visible (data);
}

/* The People list on a wide window: no empty detail pane beside it until
 * someone is chosen, and no status column while everyone is active. */
static void
test_people_layout (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = NULL;
  GtkWidget *detail;
  GtkColumnViewColumn *status;
  GtkSelectionModel *selection;
  CountWait wait = { f, 2 };
  GtkWidget *add;

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  pb_window_set_view (f->window, "people");
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1400, 800);
  gtk_window_unmaximize (GTK_WINDOW (f->window));
  detail = people_child (f, "detail");
  status = GTK_COLUMN_VIEW_COLUMN (people_child (f, "status_column"));
  selection = gtk_column_view_get_model (GTK_COLUMN_VIEW (people_child (f, "column_view")));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), >=, 1000);

  g_assert_false (gtk_widget_get_visible (detail));
  g_assert_false (gtk_column_view_column_get_visible (status));

  /* Add Person: the new, empty person in the pane, nobody selected. */
  add = find_tooltip_button (people_child (f, "list_pane"), "Add Person");
  g_assert_nonnull (add);
  g_signal_emit_by_name (add, "clicked");
  g_assert_true (pb_test_iterate_until (is_visible, detail, 10));
  g_assert_null (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (selection)));

  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));
  g_assert_true (pb_test_iterate_until (is_visible, detail, 10));
  /* Beside the table, not in its place. */
  g_assert_true (pb_test_iterate_until (is_mapped, detail, 10));
  g_assert_true (gtk_widget_get_mapped (people_child (f, "list_pane")));
  g_assert_false (adw_leaflet_get_folded (people_child (f, "leaflet")));

  /* Someone deactivated: the column has something to say. */
  path = pb_test_write_file (f->dir, "leaver.json",
                             "{ \"format\": \"paybridge-hr/1\", \"employees\": [ { \"given_name\": \"Old\","
                             " \"family_name\": \"Timer\", \"email\": \"old@acme.no\", \"status\": \"deactivated\" } ] }");
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (path));
  g_assert_true (pb_test_iterate_until (shows_n_people, &wait, 10));
  g_assert_true (gtk_column_view_column_get_visible (status));
}

/* --- writes paused while an import runs (issue 14) ---------------------------------------- */

/* Ada's phone as stored, read through a connection of its own. */
static char *
stored_phone (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbStore) store = pb_store_open (f->dir, &error);
  g_autoptr(PbRecord) ada = NULL;

  g_assert_no_error (error);
  ada = pb_store_find_employee (store, NULL, "ada@acme.no", &error);
  g_assert_no_error (error);
  g_assert_nonnull (ada);
  return g_strdup (pb_record_get (ada, PB_EMPLOYEE_PHONE));
}

typedef struct
{
  Fixture        *f;
  PbPersonDetail *detail;
  GtkWidget      *add;           /* Add Person */
  GtkWidget      *save;          /* the pane's Save */
  GtkWidget      *delete;        /* the pane's Delete */
  GtkWidget      *deactivate;
  GtkWidget      *add_position;  /* person.add-record */
  GtkWidget      *types_list;    /* the Mappings' choosers */
} Writers;

static GtkWidget *
find_action_button (GtkWidget  *root,
                    const char *action_name)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Ada in the person pane with an unsaved phone, and the buttons that write. */
static void
writers_set_up (Fixture *f,
                Writers *w)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) ada = NULL;
  PbPeoplePage *page = window_child (f, "people_page");
  GtkWidget *mappings;

  w->f = f;
  w->detail = people_child (f, "detail");
  ada = pb_store_find_employee (pb_application_get_store (f->app), NULL, "ada@acme.no", &error);
  g_assert_no_error (error);
  g_assert_true (pb_people_page_show_person (page, pb_record_get_id (ada)));
  g_assert_true (pb_field_editor_set_text (pb_person_detail_get_fields (w->detail), PB_EMPLOYEE_PHONE,
                                           "+47 22 22 22 22"));

  w->add = find_tooltip_button (people_child (f, "list_pane"), "Add Person");
  w->save = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (w->detail), PB_TYPE_PERSON_DETAIL, "save_button"));
  w->delete = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (w->detail), PB_TYPE_PERSON_DETAIL, "delete_button"));
  w->deactivate = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (w->detail), PB_TYPE_PERSON_DETAIL, "deactivate_button"));
  w->add_position = find_action_button (GTK_WIDGET (w->detail), "person.add-record");
  mappings = pb_window_ensure_page (f->window, "mappings");
  w->types_list = GTK_WIDGET (gtk_widget_get_template_child (mappings, PB_TYPE_MAPPINGS_PAGE, "types_list"));
  pb_window_ensure_page (f->window, "connections");
  for (GtkWidget **b = &w->add; b <= &w->types_list; b++)
    g_assert_nonnull (*b);
}

/* Each writer on (@on) or off, buttons and actions alike. */
static void
assert_writers (Writers  *w,
                gboolean  on)
{
  GActionGroup *win = G_ACTION_GROUP (w->f->window);

  g_assert_cmpint (gtk_widget_get_sensitive (w->add), ==, on);
  g_assert_cmpint (gtk_widget_get_sensitive (w->delete), ==, on);
  g_assert_cmpint (gtk_widget_get_sensitive (w->deactivate), ==, on);
  g_assert_cmpint (gtk_widget_get_sensitive (w->add_position), ==, on);
  g_assert_cmpint (gtk_widget_get_sensitive (w->types_list), ==, on);
  g_assert_cmpint (g_action_group_get_action_enabled (win, "add-connection"), ==, on);
  g_assert_cmpint (gtk_widget_is_sensitive (pb_field_editor_get_row (pb_person_detail_get_fields (w->detail),
                                                                    PB_EMPLOYEE_PHONE)), ==, on);
  g_assert_cmpint (pb_person_detail_get_paused (w->detail), ==, !on);
}

/* What the strip says while it shows. */
static gboolean
strip_says_paused (Fixture *f)
{
  const char *text = gtk_label_get_text (window_child (f, "import_label"));

  return gtk_revealer_get_reveal_child (window_child (f, "import_revealer")) &&
         g_str_has_suffix (text, " · Editing is paused until the import is done");
}

/* Issue 14: while the import's worker holds the register's write
 * transaction, the window's writes are off (the person pane's Save, Add
 * Person, Delete, Deactivate and its records, Undo, the Mappings'
 * choosers, Add Connection): a Save through its action writes nothing
 * (it would have waited 5 s on the lock, then failed), and the strip says
 * editing is paused. After the import, all of it is back and the Save
 * that waited works. */
static void
test_writes_paused (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *big = NULL;
  g_autofree char *phone = NULL;
  LabelWait done = { f, "Imported big.json: 3000 people added, 0 updated" };
  Writers w = { 0 };

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  big = write_big_json (f, "big.json", 3000);
  pb_window_set_view (f->window, "people");
  writers_set_up (f, &w);
  assert_writers (&w, TRUE);
  g_assert_true (gtk_widget_get_sensitive (w.save));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (big));

  /* Started (the loop has not turned, so it cannot have ended). */
  g_assert_true (pb_application_is_importing (f->app));
  g_assert_true (strip_says_paused (f));
  assert_writers (&w, FALSE);
  g_assert_false (gtk_widget_get_sensitive (w.save));

  /* A disabled action does nothing: no write, no "database is locked". */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.detail), "person.save", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.detail), "person.delete", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.detail), "person.undo", NULL));
  g_assert_null (pb_person_detail_get_last_toast (w.detail));
  g_assert_null (pb_person_detail_get_dialog (w.detail));   /* no "Delete Ada?" either */
  g_assert_true (pb_field_editor_is_changed (pb_person_detail_get_fields (w.detail)));

  /* Still paused once records are being written. */
  g_assert_true (pb_test_iterate_until (written_some, f, 120));
  if (pb_application_is_importing (f->app))
    {
      g_assert_true (strip_says_paused (f));
      assert_writers (&w, FALSE);
    }

  g_assert_true (pb_test_iterate_until (shows_label, &done, 120));
  g_assert_false (pb_application_is_importing (f->app));
  phone = stored_phone (f);
  g_assert_null (phone);   /* the Save during the import wrote nothing */
  assert_writers (&w, TRUE);

  /* Saving works again (the pane shows Ada as stored after the import's
   * reload: the edit is made again). */
  g_assert_true (pb_field_editor_set_text (pb_person_detail_get_fields (w.detail), PB_EMPLOYEE_PHONE,
                                           "+47 22 22 22 22"));
  g_assert_true (gtk_widget_get_sensitive (w.save));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.detail), "person.save", NULL));
  g_assert_cmpstr (pb_person_detail_get_last_toast (w.detail), ==, "Ada Lovelace saved");
  g_clear_pointer (&phone, g_free);
  phone = stored_phone (f);
  g_assert_cmpstr (phone, ==, "+47 22 22 22 22");
}

/* The same after Cancel: writes are back when the import is rolled back. */
static void
test_writes_paused_cancel (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *big = NULL;
  g_autofree char *phone = NULL;
  LabelWait cancelled = { f, "Import cancelled: nothing was changed" };
  Writers w = { 0 };

  if (!have_display)
    {
      pb_test_skip_or_fail ("no display");
      return;
    }

  big = write_big_json (f, "big.json", 6000);
  pb_window_set_view (f->window, "people");
  writers_set_up (f, &w);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "import-file", g_variant_new_string (big));
  g_assert_true (pb_test_iterate_until (written_some, f, 120));
  g_assert_true (pb_application_is_importing (f->app));
  assert_writers (&w, FALSE);
  g_assert_false (gtk_widget_get_sensitive (w.save));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "cancel-import", NULL);
  /* Cancelling: the worker still holds the transaction until it rolls back. */
  g_assert_true (strip_says_paused (f));
  assert_writers (&w, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.detail), "person.save", NULL));
  g_assert_null (pb_person_detail_get_last_toast (w.detail));

  g_assert_true (pb_test_iterate_until (shows_label, &cancelled, 120));
  assert_writers (&w, TRUE);
  phone = stored_phone (f);
  g_assert_null (phone);
  /* Nothing changed, nothing read again: the edit is still in the pane. */
  g_assert_true (pb_field_editor_is_changed (pb_person_detail_get_fields (w.detail)));
  g_assert_true (gtk_widget_get_sensitive (w.save));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w.detail), "person.save", NULL));
  g_assert_cmpstr (pb_person_detail_get_last_toast (w.detail), ==, "Ada Lovelace saved");
  g_clear_pointer (&phone, g_free);
  phone = stored_phone (f);
  g_assert_cmpstr (phone, ==, "+47 22 22 22 22");
}

int
main (int   argc,
      char *argv[])
{
#ifdef __SANITIZE_ADDRESS__
  /* As in test-people-view: no llvmpipe JIT under ASan's slow unwinder. */
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

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/import-view/header-button", test_header_button);
  ADD ("/import-view/import-file-action", test_import_file_action);
  ADD ("/import-view/drop-files", test_drop_files);
  ADD ("/import-view/drop-bad-file", test_drop_bad_file);
  ADD ("/import-view/people-layout", test_people_layout);
  ADD ("/import-view/import-async", test_import_async);
  ADD ("/import-view/import-cancel", test_import_cancel);
  ADD ("/import-view/import-progress", test_import_progress);
  ADD ("/import-view/nothing-changed", test_import_nothing_changed);
  ADD ("/import-view/writes-paused", test_writes_paused);
  ADD ("/import-view/writes-paused-cancel", test_writes_paused_cancel);

#undef ADD

  return g_test_run ();
}
