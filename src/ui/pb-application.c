/* pb-application.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbApplication"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-application.h"
#include "pb-connection.h"
#include "pb-format.h"
#include "pb-import.h"
#include "pb-outbox.h"
#include "pb-provider.h"
#include "pb-sync-driver.h"
#include "pb-window.h"

/* The application opens the HR register at start-up (from --data-dir,
 * $PAYBRIDGE_DATA_DIR or the XDG data folder) and owns it for the life of
 * the process, with the sync driver that sends its changes to payroll as
 * they are committed (SPEC U7). A register that cannot be opened is
 * reported in a dialog, and the window stays empty: nothing is created in a
 * place the user did not mean. It also owns the import: a file chosen with a native file
 * chooser (or dropped, or named to app.import-file) is imported in one transaction in a
 * worker thread (pb_import_gfile_async()), one file at a time, while the window shows
 * how far it has got with a Cancel button; Import is disabled meanwhile. */
struct _PbApplication
{
  AdwApplication        parent_instance;

  char                 *data_dir;      /* (owned) (nullable): the default folder */
  PbStore              *store;         /* (owned) (nullable) */
  GError               *store_error;   /* (owned) (nullable): why @store is NULL */
  PbSyncDriver         *sync_driver;   /* (owned) (nullable): with @store */
  GtkFileChooserNative *chooser;       /* (owned) (nullable): while it is open */
  GCancellable         *cancellable;   /* (owned) */
  GArray               *rejections;    /* (owned) Rejection: told at the next idle */
  guint                 rejections_id;
  guint                 driver_start_id; /* the sync driver starts after the first frame */

  /* The import running, if any, and the files dropped with it. */
  GCancellable         *import_cancellable; /* (owned) (nullable): set while one runs */
  char                 *import_name;   /* (owned) (nullable): its file's basename */
  GQueue                import_queue;  /* (owned) GFile: to import after it */
};

/* A rejected absence to tell of (SPEC A7). */
typedef struct
{
  gint64 connection_id;
  gint64 error_id;
} Rejection;

G_DEFINE_FINAL_TYPE (PbApplication, pb_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "data-dir", 'd', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep the HR register in DIR (default: $PAYBRIDGE_DATA_DIR or the user data folder)"), N_("DIR") },
  { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
  { NULL }
};

/* The main window, even when a dialog or the About window is active. */
static PbWindow *
get_main_window (PbApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (PB_IS_WINDOW (l->data))
      return l->data;

  return NULL;
}

static void
show_message (PbApplication *self,
              const char    *heading,
              const char    *body)
{
  PbWindow *window = get_main_window (self);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_import_issues (PbApplication  *self,
                    const char     *file_name,
                    PbImportResult *result)
{
  PbWindow *window = get_main_window (self);
  GPtrArray *issues = pb_import_result_get_issues (result);
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  GtkTextView *view;

  builder = gtk_builder_new_from_resource (PB_RESOURCE_BASE "/ui/pb-import-issues-dialog.ui");
  dialog = ADW_MESSAGE_DIALOG (gtk_builder_get_object (builder, "dialog"));
  view = GTK_TEXT_VIEW (gtk_builder_get_object (builder, "issues_view"));

  for (guint i = 0; i < issues->len; i++)
    {
      g_autofree char *line = pb_import_issue_format (g_ptr_array_index (issues, i));

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, line);
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text->str, -1);

  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s has %u problem. The register is unchanged: "
                                       "fix the file and import it again.",
                                       "%s has %u problems. The register is unchanged: "
                                       "fix the file and import it again.",
                                       issues->len),
                          file_name, issues->len);
  adw_message_dialog_set_body (dialog, body);

  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_import_details_cb (PbApplication *self,
                      AdwToast      *toast)
{
  const char *summary = g_object_get_data (G_OBJECT (toast), "pb-import-summary");
  g_auto(GStrv) parts = g_strsplit (summary, "; ", -1);
  g_autofree char *body = g_strjoinv ("\n", parts);

  show_message (self, _("Import Finished"), body);
}

/* A toast short enough to read at a glance: the file and what happened to
 * its people; the whole summary (every kind of record) is one click away. */
static AdwToast *
new_import_toast (PbApplication  *self,
                  const char     *file_name,
                  PbImportResult *result)
{
  g_autofree char *summary = pb_import_result_summary (result);
  guint created = pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_CREATE);
  guint updated = pb_import_result_get_count (result, PB_ENTITY_EMPLOYEE, PB_CHANGE_UPDATE);
  guint n_changes = 0;
  g_autofree char *title = NULL;
  AdwToast *toast;

  for (guint e = 0; e < PB_N_ENTITIES; e++)
    for (PbChangeOp op = PB_CHANGE_CREATE; op <= PB_CHANGE_DELETE; op++)
      n_changes += pb_import_result_get_count (result, e, op);

  if (n_changes == 0)
    title = g_strdup_printf (_("Imported %s: nothing changed"), file_name);
  else if (created + updated > 0)
    {
      g_autofree char *added = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u person added",
                                                             "%u people added", created), created);
      g_autofree char *changed = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u updated",
                                                               "%u updated", updated), updated);

      /* Translators: "Imported hr.json: 3 people added, 1 updated" */
      title = g_strdup_printf (_("Imported %s: %s, %s"), file_name, added, changed);
    }
  else
    title = g_strdup_printf (_("Imported %s"), file_name);

  toast = adw_toast_new (title);
  if (n_changes > 0)
    {
      adw_toast_set_button_label (toast, _("_Details"));
      adw_toast_set_timeout (toast, 10);
      g_object_set_data_full (G_OBJECT (toast), "pb-import-summary", g_steal_pointer (&summary), g_free);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_import_details_cb),
                               self, G_CONNECT_SWAPPED);
    }

  return toast;
}

static void import_next (PbApplication *self);

static gboolean
import_changed_anything (PbImportResult *result)
{
  for (guint e = 0; e < PB_N_ENTITIES; e++)
    for (PbChangeOp op = PB_CHANGE_CREATE; op <= PB_CHANGE_DELETE; op++)
      if (pb_import_result_get_count (result, e, op) > 0)
        return TRUE;

  return FALSE;
}

/* Import and app.import-file are off while an import runs (the window's
 * drop target too: it follows pb_window_show_import()); Cancel is on. */
static void
update_import_actions (PbApplication *self)
{
  gboolean running = self->import_cancellable != NULL;

  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "import")),
                               self->store != NULL && !running);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "import-file")),
                               self->store != NULL && !running);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "cancel-import")),
                               running);
}

/* On the main loop, from the import's worker. */
static void
on_import_progress_cb (guint    written,
                       double   fraction,
                       gpointer user_data)
{
  PbApplication *self = user_data;
  PbWindow *window = get_main_window (self);
  g_autofree char *text = NULL;

  if (window == NULL || self->import_name == NULL)
    return;

  /* Translators: "Importing people.json… 4,200 records written" */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Importing %s… %'u record written",
                                       "Importing %s… %'u records written", written),
                          self->import_name, written);
  pb_window_show_import (window, text, fraction);
}

static void
on_import_finished_cb (GObject      *object,
                       GAsyncResult *res,
                       gpointer      user_data)
{
  g_autoptr(PbApplication) self = user_data;
  g_autoptr(PbImportResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_steal_pointer (&self->import_name);
  gboolean cancelled = g_cancellable_is_cancelled (self->import_cancellable);
  PbWindow *window = get_main_window (self);
  gboolean ok;

  ok = pb_import_file_finish (PB_STORE (object), res, &result, &error);
  g_clear_object (&self->import_cancellable);
  update_import_actions (self);
  if (window != NULL)
    pb_window_show_import (window, NULL, 0);

  /* A file with errors writes nothing either: once Cancel was pressed the
   * answer is that, not a list of problems nobody waits for. */
  if (!ok && (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              (cancelled && g_error_matches (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID))))
    {
      g_queue_clear_full (&self->import_queue, g_object_unref);
      if (window != NULL)
        pb_window_add_toast (window, adw_toast_new (_("Import cancelled: nothing was changed")));
      return;
    }

  if (!ok)
    {
      if (g_error_matches (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID) && result != NULL)
        show_import_issues (self, name, result);
      else
        show_message (self, _("Could Not Import"), error->message);
    }
  else if (window != NULL)
    {
      /* Reading every view again costs the loop the most of an import's
       * end (the People list reads every person): not for a file that
       * changed nothing. */
      if (import_changed_anything (result))
        pb_window_reload (window);
      pb_window_add_toast (window, new_import_toast (self, name, result));
    }

  import_next (self);
}

/* The next file of the queue, in a worker thread (SPEC: one transaction). */
static void
import_next (PbApplication *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *text = NULL;
  PbWindow *window;

  while (self->import_cancellable == NULL && (file = g_queue_pop_head (&self->import_queue)) != NULL)
    {
      name = g_file_get_basename (file);
      lower = g_ascii_strdown (name != NULL ? name : "", -1);
      if (self->store != NULL && (g_str_has_suffix (lower, ".csv") || g_str_has_suffix (lower, ".json")))
        break;

      if (self->store != NULL)
        {
          g_autofree char *body = g_strdup_printf (_("%s is neither a .json (paybridge-hr/1) nor a .csv file."),
                                                   name);
          show_message (self, _("Could Not Import"), body);
        }
      g_clear_object (&file);
      g_clear_pointer (&name, g_free);
      g_clear_pointer (&lower, g_free);
    }

  if (file == NULL)
    return;

  self->import_cancellable = g_cancellable_new ();
  self->import_name = g_steal_pointer (&name);
  update_import_actions (self);

  /* Until the first record is written: reading and checking the file. */
  window = get_main_window (self);
  if (window != NULL)
    {
      /* Translators: "Reading people.json…" */
      text = g_strdup_printf (_("Reading %s…"), self->import_name);
      pb_window_show_import (window, text, -1);
    }

  pb_import_gfile_async (self->store, file, PB_IMPORT_FLAGS_NONE,
                         on_import_progress_cb, g_object_ref (self), g_object_unref,
                         self->import_cancellable, on_import_finished_cb, g_object_ref (self));
}

/* app.cancel-import: the worker stops at the next record and rolls back. */
static void
cancel_import_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PbApplication *self = user_data;
  PbWindow *window = get_main_window (self);

  if (self->import_cancellable == NULL || g_cancellable_is_cancelled (self->import_cancellable))
    return;

  g_cancellable_cancel (self->import_cancellable);
  g_simple_action_set_enabled (action, FALSE);
  if (window != NULL)
    pb_window_show_import (window, _("Cancelling the import…"), -1);
}

static void
on_import_chooser_response_cb (PbApplication        *self,
                               int                   response,
                               GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  g_clear_object (&self->chooser);

  if (file != NULL)
    pb_application_import_file (self, file);
}

static void
import_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  PbApplication *self = user_data;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  PbWindow *window = get_main_window (self);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }

  gtk_file_filter_set_name (filter, _("HR data (JSON or CSV)"));
  gtk_file_filter_add_suffix (filter, "json");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_filter_add_mime_type (filter, "text/csv");

  self->chooser = gtk_file_chooser_native_new (_("Import HR Data"),
                                               GTK_WINDOW (window),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Import"),
                                               _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response",
                           G_CALLBACK (on_import_chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* app.import-file: a file named by a path or URI, imported as if chosen
 * in the file chooser (the window's drop target takes the same way). */
static void
import_file_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PbApplication *self = user_data;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));

  if (self->store != NULL)
    pb_application_import_file (self, file);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  PbApplication *self = user_data;
  const char *developers[] = { _("The Paybridge authors"), NULL };
  const char *translators = _("translator-credits");
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", get_main_window (self),
                        "application-name", _("Paybridge"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Paybridge authors"),
                        "developers", developers,
                        "copyright", _("© 2026 The Paybridge authors"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("Keep your HR register in step with your payroll systems."),
                        NULL);

  /* An untranslated "translator-credits" would show as a credit. */
  if (g_strcmp0 (translators, "translator-credits") != 0)
    adw_about_window_set_translator_credits (ADW_ABOUT_WINDOW (about), translators);

  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  PbApplication *self = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

  /* Closing (not destroying) lets each window save its size. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);

  g_application_quit (G_APPLICATION (self));
}

/* app.show-sync-users(x) and app.show-sync-report((xx)): the matching
 * window of a connection, or one of its saved reports (SPEC U5; the user
 * sync's desktop notification opens the report with this). */
static void
show_sync_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  PbApplication *self = user_data;
  PbWindow *window;
  gint64 connection_id = 0;
  gint64 plan_id = -1;

  if (self->store == NULL)
    return;

  if (g_variant_is_of_type (parameter, G_VARIANT_TYPE ("(xx)")))
    g_variant_get (parameter, "(xx)", &connection_id, &plan_id);
  else
    connection_id = g_variant_get_int64 (parameter);

  g_application_activate (G_APPLICATION (self));
  window = get_main_window (self);
  if (window != NULL)
    pb_window_sync_users (window, connection_id, plan_id);
}

/* --- rejected absences (SPEC A7) ----------------------------------------------- */

/* app.show-person(x): the People view on that employee; a rejected
 * absence's notification opens it. */
static void
show_person_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PbApplication *self = user_data;
  PbWindow *window;

  if (self->store == NULL)
    return;

  g_application_activate (G_APPLICATION (self));
  window = get_main_window (self);
  if (window != NULL)
    pb_window_show_person (window, g_variant_get_int64 (parameter));
}

static void
on_show_person_clicked_cb (PbApplication *self,
                           AdwToast      *toast)
{
  gint64 *employee_id = g_object_get_data (G_OBJECT (toast), "pb-employee-id");
  PbWindow *window = get_main_window (self);

  if (window != NULL && employee_id != NULL)
    pb_window_show_person (window, *employee_id);
}

static const char *
connection_system_name (PbConnection *connection)
{
  GType type = pb_provider_type_for_id (connection->system);
  PbProviderClass *klass;
  const char *name;

  if (type == G_TYPE_INVALID)
    return connection->name;
  klass = g_type_class_ref (type);
  name = klass->display_name;   /* static */
  g_type_class_unref (klass);
  return name;
}

/* "Kari Nordmann, 2025-03-17 – 2025-03-18" */
static char *
describe_rejection (PbStore      *store,
                    PbErrorEntry *entry)
{
  g_autoptr(PbRecord) person = pb_store_get (store, PB_ENTITY_EMPLOYEE, entry->employee_id, NULL);
  g_autoptr(PbRecord) absence = pb_store_get (store, PB_ENTITY_ABSENCE, entry->record_id, NULL);
  g_autofree char *name = person != NULL ? pb_record_dup_display_name (person) : g_strdup (entry->who);
  g_autofree char *period = NULL;

  if (absence == NULL)
    return g_steal_pointer (&name);
  period = pb_format_period (pb_record_get (absence, PB_ABSENCE_START_DATE),
                             pb_record_get (absence, PB_ABSENCE_END_DATE));
  /* Translators: an employee and the period of their absence */
  return g_strdup_printf (_("%s, %s"), name != NULL ? name : "?", period);
}

/* Who the engine says is notified, from the entry's advice. */
static const char *
find_notified (PbErrorEntry *entry)
{
  const char *notified = entry->advice != NULL ? strstr (entry->advice, "notified: ") : NULL;

  return notified != NULL ? notified + strlen ("notified: ") : NULL;
}

/* One connection's rejections of one push: one notification, or a toast
 * when the window has the focus; several are summed up in one. */
static void
announce (PbApplication *self,
          PbConnection  *connection,
          GPtrArray     *entries)
{
  PbErrorEntry *first = g_ptr_array_index (entries, 0);
  const char *system = connection_system_name (connection);
  PbWindow *window = get_main_window (self);
  g_autofree char *title = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *id = g_strdup_printf ("absence-rejected-%" G_GINT64_FORMAT, connection->id);
  g_autoptr(GNotification) notification = NULL;

  if (entries->len == 1)
    {
      g_autofree char *what = describe_rejection (self->store, first);
      const char *notified = find_notified (first);

      title = g_strdup_printf (_("Absence rejected by %s"), system);
      g_string_append_printf (body, "%s\n%s", what, first->message);
      if (notified != NULL)
        /* Translators: who is told of a rejected absence (SPEC A7) */
        g_string_append_printf (body, "\n%s %s", _("Notified:"), notified);
    }
  else
    {
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u absence rejected by %s",
                                            "%u absences rejected by %s", entries->len),
                               entries->len, system);
      for (guint i = 0; i < entries->len && i < 3; i++)
        {
          g_autofree char *what = describe_rejection (self->store, g_ptr_array_index (entries, i));

          if (i > 0)
            g_string_append_c (body, '\n');
          g_string_append (body, what);
        }
      if (entries->len > 3)
        g_string_append_printf (body, "\n%s", _("and more: see the error log"));
      g_string_append_printf (body, "\n%s", _("The employees and their absence managers are notified."));
    }

  if (window != NULL && gtk_window_is_active (GTK_WINDOW (window)))
    {
      AdwToast *toast = adw_toast_new (title);

      adw_toast_set_timeout (toast, 10);
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_button_label (toast, _("_Show"));
      g_object_set_data_full (G_OBJECT (toast), "pb-employee-id",
                              g_memdup2 (&first->employee_id, sizeof first->employee_id), g_free);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_show_person_clicked_cb),
                               self, G_CONNECT_SWAPPED);
      pb_window_add_toast (window, toast);
      return;
    }

  notification = g_notification_new (title);
  g_notification_set_body (notification, body->str);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.show-person", "x", first->employee_id);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static gboolean
announce_rejections_idle (gpointer user_data)
{
  PbApplication *self = user_data;
  g_autoptr(GArray) rejections = g_steal_pointer (&self->rejections);
  g_autoptr(GHashTable) done = g_hash_table_new (g_int64_hash, g_int64_equal);

  self->rejections_id = 0;
  if (self->store == NULL || rejections == NULL)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < rejections->len; i++)
    {
      Rejection *r = &g_array_index (rejections, Rejection, i);
      g_autoptr(GPtrArray) connections = NULL;
      g_autoptr(GPtrArray) entries = NULL;
      PbConnection *connection = NULL;

      if (g_hash_table_contains (done, &r->connection_id))
        continue;
      g_hash_table_add (done, &r->connection_id);

      connections = pb_store_list_connections (self->store, NULL);
      for (guint c = 0; connections != NULL && c < connections->len; c++)
        if (((PbConnection *) g_ptr_array_index (connections, c))->id == r->connection_id)
          connection = g_ptr_array_index (connections, c);
      if (connection == NULL)
        continue;

      entries = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_error_entry_free);
      for (guint j = i; j < rejections->len; j++)
        {
          Rejection *other = &g_array_index (rejections, Rejection, j);
          g_autoptr(GError) error = NULL;
          PbErrorEntry *entry;

          if (other->connection_id != r->connection_id)
            continue;
          entry = pb_store_get_error (self->store, other->connection_id, other->error_id, &error);
          if (entry == NULL)
            g_warning ("Could not read a rejected absence's entry: %s", error->message);
          else
            g_ptr_array_add (entries, entry);
        }

      if (entries->len > 0)
        announce (self, connection, entries);
    }

  return G_SOURCE_REMOVE;
}

/* The driver tells each rejection of a push in a row: they are gathered
 * and told once the push is over (SPEC A7). */
static void
on_absence_rejected_cb (PbApplication *self,
                        gint64         connection_id,
                        gint64         error_id,
                        PbSyncDriver  *driver)
{
  Rejection r = { connection_id, error_id };

  if (self->rejections == NULL)
    self->rejections = g_array_new (FALSE, FALSE, sizeof (Rejection));
  g_array_append_val (self->rejections, r);
  if (self->rejections_id == 0)
    self->rejections_id = g_idle_add (announce_rejections_idle, self);
}

/* The sync driver reads every connection and its outbox counts when it
 * starts: work the first frame does not need when it shows People, so it
 * starts at the first idle after that frame (or at the first idle at all
 * when no window is being shown, as for a test that drives the app without
 * one). The driver exists from start-up, so a provider can be set on it
 * and the views find it; what it sends does not wait for a window. */
static void on_first_after_paint_cb (GdkFrameClock *clock,
                                     PbApplication *self);

static gboolean
start_sync_driver_cb (gpointer user_data)
{
  PbApplication *self = user_data;
  PbWindow *window = get_main_window (self);

  self->driver_start_id = 0;
  if (self->sync_driver != NULL)
    pb_sync_driver_start (self->sync_driver);

  /* Only our own handler: others may wait for the same frame
   * (PB_REPORT_FIRST_FRAME in main.c). */
  if (window != NULL && gtk_widget_get_realized (GTK_WIDGET (window)))
    g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (GTK_WIDGET (window)),
                                          on_first_after_paint_cb, self);

  return G_SOURCE_REMOVE;
}

static void
start_sync_driver_soon (PbApplication *self)
{
  g_clear_handle_id (&self->driver_start_id, g_source_remove);
  self->driver_start_id = g_idle_add (start_sync_driver_cb, self);
}

static void
on_first_after_paint_cb (GdkFrameClock *clock,
                         PbApplication *self)
{
  g_signal_handlers_disconnect_by_func (clock, on_first_after_paint_cb, self);
  start_sync_driver_soon (self);
}

static void
on_window_realize_cb (GtkWidget     *window,
                      PbApplication *self)
{
  g_signal_handlers_disconnect_by_func (window, on_window_realize_cb, self);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (on_first_after_paint_cb), self);
}

/* Called with the window made, before it is shown. */
static void
defer_sync_driver_start (PbApplication *self,
                         PbWindow      *window)
{
  if (self->sync_driver == NULL || self->driver_start_id == 0)
    return;   /* none, or started already */

  /* Only People's first frame does without the driver: the Connections
   * and Error Log views show its counts from their first frame. */
  if (g_strcmp0 (pb_window_get_view (window), "people") != 0)
    {
      g_clear_handle_id (&self->driver_start_id, g_source_remove);
      pb_sync_driver_start (self->sync_driver);
      return;
    }

  /* A window that never paints (not mapped) does not hold it for long. */
  g_clear_handle_id (&self->driver_start_id, g_source_remove);
  self->driver_start_id = g_timeout_add_seconds (5, start_sync_driver_cb, self);
  g_signal_connect_object (window, "realize", G_CALLBACK (on_window_realize_cb), self, 0);
}

static const GActionEntry app_actions[] = {
  { "import", import_action },
  { "import-file", import_file_action, "s" },
  { "cancel-import", cancel_import_action },
  { "show-sync-users", show_sync_action, "x" },
  { "show-sync-report", show_sync_action, "(xx)" },
  { "show-person", show_person_action, "x" },
  { "about", about_action },
  { "quit", quit_action },
};

static void
on_store_error_response_cb (PbApplication    *self,
                            const char       *response,
                            AdwMessageDialog *dialog)
{
  g_application_quit (G_APPLICATION (self));
}

static void
show_store_error (PbApplication *self,
                  PbWindow      *window)
{
  const char *heading = _("Could Not Open the HR Register");
  GtkWidget *dialog;

  /* The store's message says which file and what to do about it. */
  if (g_error_matches (self->store_error, PB_STORE_ERROR, PB_STORE_ERROR_TOO_NEW))
    heading = _("The HR Register Is From a Newer Paybridge");

  dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, self->store_error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "quit", _("_Quit"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "quit");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "quit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_store_error_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static int
pb_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  PbApplication *self = PB_APPLICATION (app);
  g_autofree char *data_dir = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", "paybridge", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "data-dir", "^ay", &data_dir))
    {
      g_free (self->data_dir);
      self->data_dir = g_canonicalize_filename (data_dir, NULL);
    }

  /* One running instance per register: a process given another folder
   * must not hand its window over to one showing the default register. */
  if (self->data_dir != NULL || g_getenv ("PAYBRIDGE_DATA_DIR") != NULL)
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);

  return G_APPLICATION_CLASS (pb_application_parent_class)->handle_local_options (app, options);
}

static void
pb_application_startup (GApplication *app)
{
  PbApplication *self = PB_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *import_accels[] = { "<Control>o", NULL };

  G_APPLICATION_CLASS (pb_application_parent_class)->startup (app);

  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.import", import_accels);

  self->store = pb_store_open (self->data_dir, &self->store_error);
  if (self->store == NULL)
    g_debug ("Could not open the register: %s", self->store_error->message);
  else
    {
      /* Starting drains what a previous run left in the outbox (SPEC R3);
       * it works from the main loop, so the window is not held up, and it
       * starts after the window's first frame (defer_sync_driver_start()). */
      self->sync_driver = pb_sync_driver_new (self->store);
      g_signal_connect_object (self->sync_driver, "absence-rejected", G_CALLBACK (on_absence_rejected_cb),
                               self, G_CONNECT_SWAPPED);
      start_sync_driver_soon (self);
    }

  update_import_actions (self);
}

static void
pb_application_activate (GApplication *app)
{
  PbApplication *self = PB_APPLICATION (app);
  PbWindow *window = get_main_window (self);

  if (window == NULL)
    {
      window = pb_window_new (GTK_APPLICATION (self), self->store);
      defer_sync_driver_start (self, window);
      gtk_window_present (GTK_WINDOW (window));

      if (self->store_error != NULL)
        show_store_error (self, window);
      return;
    }

  gtk_window_present (GTK_WINDOW (window));
}

static void
pb_application_shutdown (GApplication *app)
{
  PbApplication *self = PB_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  /* An import still running rolls back: nothing half-written is left. */
  g_cancellable_cancel (self->import_cancellable);
  g_queue_clear_full (&self->import_queue, g_object_unref);
  g_clear_handle_id (&self->rejections_id, g_source_remove);
  g_clear_handle_id (&self->driver_start_id, g_source_remove);
  g_clear_pointer (&self->rejections, g_array_unref);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  G_APPLICATION_CLASS (pb_application_parent_class)->shutdown (app);

  /* Nothing else holds the driver, so this disposes it: a push in flight
   * is cancelled and its entry stays pending for the next start (R3). */
  g_clear_object (&self->sync_driver);
  g_clear_object (&self->store);
}

static void
pb_application_finalize (GObject *object)
{
  PbApplication *self = (PbApplication *)object;

  g_clear_object (&self->chooser);
  g_clear_object (&self->sync_driver);
  g_clear_object (&self->store);
  g_clear_error (&self->store_error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->import_cancellable);
  g_clear_pointer (&self->import_name, g_free);
  g_queue_clear_full (&self->import_queue, g_object_unref);
  g_clear_pointer (&self->data_dir, g_free);

  G_OBJECT_CLASS (pb_application_parent_class)->finalize (object);
}

static void
pb_application_class_init (PbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = pb_application_finalize;

  app_class->handle_local_options = pb_application_handle_local_options;
  app_class->startup = pb_application_startup;
  app_class->activate = pb_application_activate;
  app_class->shutdown = pb_application_shutdown;
}

static void
pb_application_init (PbApplication *self)
{
  self->cancellable = g_cancellable_new ();

  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

/**
 * pb_application_new:
 * @application_id: APP_ID (".Devel" in development builds)
 */
PbApplication *
pb_application_new (const char        *application_id,
                    GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  /* The resources live under the base ID whatever the profile, so that
   * AdwApplication finds style.css and GtkApplication the help overlay. */
  return g_object_new (PB_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", PB_RESOURCE_BASE,
                       NULL);
}

/**
 * pb_application_get_store:
 *
 * Returns: (transfer none) (nullable): the HR register, once started up
 */
PbStore *
pb_application_get_store (PbApplication *self)
{
  g_return_val_if_fail (PB_IS_APPLICATION (self), NULL);

  return self->store;
}

/**
 * pb_application_get_sync_driver:
 *
 * Returns: (transfer none) (nullable): what sends the register's changes
 *   to payroll, once started up with a register
 */
PbSyncDriver *
pb_application_get_sync_driver (PbApplication *self)
{
  g_return_val_if_fail (PB_IS_APPLICATION (self), NULL);

  return self->sync_driver;
}

/**
 * pb_application_get_store_error:
 *
 * Returns: (transfer none) (nullable): why the register could not be opened
 */
const GError *
pb_application_get_store_error (PbApplication *self)
{
  g_return_val_if_fail (PB_IS_APPLICATION (self), NULL);

  return self->store_error;
}

/**
 * pb_application_import_file:
 * @file: a `.json` (paybridge-hr/1) or `.csv` file of HR data
 *
 * Imports @file into the register in one transaction, in a worker thread,
 * the window showing how far it has got with a Cancel button. Success shows
 * a toast with what changed and reloads the window; a file with errors shows
 * every problem and changes nothing; Cancel changes nothing. One file is
 * imported at a time: a file given while another is imported (several
 * dropped together) waits its turn.
 */
void
pb_application_import_file (PbApplication *self,
                            GFile         *file)
{
  g_return_if_fail (PB_IS_APPLICATION (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (self->store != NULL);

  g_queue_push_tail (&self->import_queue, g_object_ref (file));
  import_next (self);
}

/**
 * pb_application_is_importing:
 *
 * Returns: whether an import runs (Import is disabled meanwhile)
 */
gboolean
pb_application_is_importing (PbApplication *self)
{
  g_return_val_if_fail (PB_IS_APPLICATION (self), FALSE);

  return self->import_cancellable != NULL;
}

/* The app's settings, or %NULL when the schema is not installed
 * (a build run without `meson devenv`): then nothing is remembered, but
 * the windows still work. */
GSettings *
pb_application_new_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BASE_APP_ID, TRUE);

  if (schema == NULL)
    {
      g_message ("Settings schema “%s” is not installed; window state will not be kept", BASE_APP_ID);
      return NULL;
    }

  return g_settings_new_full (schema, NULL, NULL);
}
