/* pb-person-detail.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbPersonDetail"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-connection.h"
#include "pb-format.h"
#include "pb-mapping.h"
#include "pb-outbox.h"
#include "pb-person-detail.h"
#include "pb-provider.h"
#include "pb-sync-driver.h"
#include "pb-user-plan.h"
#include "pb-window.h"

/* The right-hand pane of the People view: one employee's fields, then their
 * positions, absences and salaries as boxed lists (newest first). The lists
 * are bound to GListStores; their rows are the only widgets made in C.
 *
 * Each absence says what payroll knows of it, for every active connection
 * that syncs absence (sent, waiting, rejected with the reason, or why it is
 * not sent: SPEC A1, A2, A7), and a rejected one has Resend: approved
 * again in HR, it goes out with the next push. The lines follow the
 * register: the pane reads them again after a commit (PbStore::changed)
 * and when the sync driver's counts move. */
struct _PbPersonDetail
{
  GtkWidget     parent_instance;

  PbStore     *store;        /* (owned) (nullable) */
  PbRecord    *person;       /* (owned) (nullable) */
  GListStore  *positions;    /* (owned) of PbRecord */
  GListStore  *absences;     /* (owned) of PbRecord */
  GListStore  *salaries;     /* (owned) of PbRecord */

  GtkStack    *stack;
  GtkScrolledWindow *scroller;
  AdwAvatar   *avatar;
  GtkLabel    *name_label;
  GtkLabel    *subtitle_label;
  GtkWidget   *email_row;
  GtkLabel    *email_label;
  GtkWidget   *phone_row;
  GtkLabel    *phone_label;
  GtkWidget   *number_row;
  GtkLabel    *number_label;
  GtkWidget   *team_row;
  GtkLabel    *team_label;
  GtkWidget   *location_row;
  GtkLabel    *location_label;
  GtkWidget   *company_row;
  GtkLabel    *company_label;
  GtkWidget   *manager_row;
  GtkLabel    *manager_label;
  GtkWidget   *first_workday_row;
  GtkLabel    *first_workday_label;
  GtkWidget   *last_workday_row;
  GtkLabel    *last_workday_label;
  GtkListBox  *positions_list;
  GtkListBox  *absences_list;
  GtkListBox  *salaries_list;

  PbSyncDriver *driver;      /* (owned) (nullable): @store's */
  GPtrArray   *connections;  /* (owned) (nullable): active ones that sync absence */
  guint        refresh_id;   /* idle: read the absences again */
  guint        scroll_frames; /* frames left to scroll to the absences in */
};

G_DEFINE_FINAL_TYPE (PbPersonDetail, pb_person_detail, GTK_TYPE_WIDGET)

/* Shows @value in @label, or hides @row when there is nothing to show. */
static void
set_row (GtkWidget  *row,
         GtkLabel   *label,
         const char *value)
{
  gboolean has_value = value != NULL && *value != '\0';

  gtk_label_set_label (label, has_value ? value : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), has_value ? value : NULL);
  gtk_widget_set_visible (row, has_value);
}

/* The name of the company, location, team or absence type @key, or @key
 * itself when the register has no such record (never expected: the store
 * keeps references valid). */
static char *
dup_key_name (PbStore    *store,
              PbEntity    entity,
              const char *key)
{
  g_autoptr(PbRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  if (key == NULL || *key == '\0')
    return NULL;

  record = pb_store_find_by_key (store, entity, key, &error);
  if (record == NULL)
    {
      g_debug ("No %s “%s”: %s", pb_entity_get_def (entity)->name, key,
               error != NULL ? error->message : "not found");
      return g_strdup (key);
    }

  return pb_record_dup_display_name (record);
}

static char *
dup_manager_name (PbStore    *store,
                  const char *email)
{
  g_autoptr(PbRecord) manager = NULL;
  g_autoptr(GError) error = NULL;

  if (email == NULL || *email == '\0')
    return NULL;

  manager = pb_store_find_employee (store, NULL, email, &error);
  if (manager == NULL)
    return g_strdup (email);

  return pb_record_dup_display_name (manager);
}

/* Fills @list with the children of @employee, newest first. */
static void
load_children (PbPersonDetail *self,
               GListStore     *list,
               PbEntity        entity,
               gint64          employee_id)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  g_list_store_remove_all (list);

  records = pb_store_list (self->store, entity, employee_id, &error);
  if (records == NULL)
    {
      g_warning ("Could not list the %s of employee %" G_GINT64_FORMAT ": %s",
                 pb_entity_get_def (entity)->plural, employee_id, error->message);
      return;
    }

  /* The store lists by start date; the latest matters most. */
  for (guint i = records->len; i > 0; i--)
    g_list_store_append (list, g_ptr_array_index (records, i - 1));
}

static GtkWidget *
new_row (const char *title,
         const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  /* Values come from the register: never parse them as markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  return row;
}

static GtkWidget *
create_position_row (gpointer item,
                     gpointer user_data)
{
  PbRecord *position = item;
  g_autofree char *period = pb_format_period (pb_record_get (position, PB_POSITION_START_DATE),
                                              pb_record_get (position, PB_POSITION_END_DATE));
  g_autofree char *percentage = pb_format_percentage (pb_record_get (position, PB_POSITION_PERCENTAGE));
  const char *contract = pb_format_contract_type (pb_record_get (position, PB_POSITION_CONTRACT_TYPE));
  /* Translators: a position's period, percentage and contract type */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s · %s"), period, percentage, contract);

  return new_row (pb_record_get (position, PB_POSITION_TITLE), subtitle);
}

/* --- what payroll knows of an absence (SPEC A1, A2, A7) ---------------------------- */

static const char *
system_name (PbConnection *connection)
{
  GType type = pb_provider_type_for_id (connection->system);
  PbProviderClass *klass;
  const char *name;

  if (type == G_TYPE_INVALID)
    return connection->system;
  klass = g_type_class_ref (type);
  name = klass->display_name;   /* static */
  g_type_class_unref (klass);
  return name;
}

/* The active connections that send absence; read once for all the rows. */
static void
read_connections (PbPersonDetail *self)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->connections, g_ptr_array_unref);
  if (self->store == NULL)
    return;

  all = pb_store_list_connections (self->store, &error);
  if (all == NULL)
    {
      g_warning ("Could not read the connections: %s", error->message);
      return;
    }

  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (all, i);

      if (connection->state == PB_CONNECTION_ACTIVE && (connection->sync_types & PB_DATA_ABSENCE) != 0)
        g_ptr_array_add (self->connections, g_object_ref (connection));
    }
}

/* The open error entry of the absence in the connection's log, if any. */
static PbErrorEntry *
find_open_error (PbStore *store,
                 gint64   connection_id,
                 gint64   absence_id)
{
  g_autoptr(GPtrArray) log = pb_store_list_errors (store, connection_id, NULL);

  for (guint i = 0; log != NULL && i < log->len; i++)
    {
      PbErrorEntry *entry = g_ptr_array_index (log, i);

      if (entry->state == PB_ERROR_OPEN && entry->entity == PB_ENTITY_ABSENCE && entry->record_id == absence_id)
        return g_ptr_array_steal_index (log, i);
    }
  return NULL;
}

/* The state of the absence's entry still in the outbox, or -1. */
static int
open_outbox_state (PbStore *store,
                   gint64   connection_id,
                   gint64   absence_id)
{
  g_autoptr(GArray) open = NULL;

  if (!pb_store_outbox_has_open (store, connection_id, PB_ENTITY_ABSENCE, absence_id))
    return -1;

  open = pb_store_list_outbox_open (store, connection_id, NULL);
  for (guint i = 0; open != NULL && i < open->len; i++)
    {
      const PbOutboxEntry *entry = &g_array_index (open, PbOutboxEntry, i);

      if (entry->entity == PB_ENTITY_ABSENCE && entry->record_id == absence_id)
        return entry->state;
    }
  return -1;
}

/* One line: what @connection's payroll system knows of @absence.
 * *@rejected says the line is a rejection (A7). */
static char *
dup_sync_state (PbPersonDetail *self,
                PbConnection   *connection,
                PbRecord       *absence,
                const char     *type_name,
                gboolean       *rejected)
{
  PbStore *store = self->store;
  gint64 id = pb_record_get_id (absence);
  const char *system = system_name (connection);
  const char *state = pb_record_get (absence, PB_ABSENCE_STATE);
  g_autoptr(PbErrorEntry) open_error = find_open_error (store, connection->id, id);
  g_autoptr(PbRecord) type = NULL;
  g_autoptr(PbAbsenceMapping) mapping = NULL;
  g_autofree char *remote_key = NULL;
  g_autofree char *remote_id = NULL;
  g_autofree char *person_link = NULL;
  int outbox = open_outbox_state (store, connection->id, id);

  /* Rejected (A7), until HR changes it (Resend approves it again): from
   * then on the lines below say what becomes of it. */
  if (open_error != NULL && g_strcmp0 (state, "rejected") == 0)
    {
      *rejected = TRUE;
      /* Translators: the reason payroll (or Paybridge) refused an absence */
      return g_strdup_printf (_("Rejected: %s"), open_error->message);
    }

  if (outbox == PB_OUTBOX_PENDING)
    return g_strdup (_("Waiting to be sent"));
  if (outbox == PB_OUTBOX_HELD)
    return g_strdup (_("Waiting: absence sync is off"));

  remote_id = pb_store_find_link_key (store, connection->id, PB_ENTITY_ABSENCE, id, &remote_key);
  type = pb_store_find_by_key (store, PB_ENTITY_ABSENCE_TYPE, pb_record_get (absence, PB_ABSENCE_TYPE), NULL);
  if (type != NULL)
    mapping = pb_store_get_mapping (store, connection->id, pb_record_get_id (type), NULL);

  if (remote_id != NULL)
    {
      const char *colon = remote_key != NULL ? strchr (remote_key, ':') : NULL;

      /* A5: sent with a mapping that has changed since. */
      if (colon != NULL && (mapping == NULL || mapping->state != PB_MAPPING_MAPPED ||
                            g_strcmp0 (colon + 1, mapping->remote_type) != 0))
        /* Translators: "Sent to Tripletex; no more updates: the mapping of Vacation changed" */
        return g_strdup_printf (_("Sent to %s; no more updates: the mapping of %s changed"), system, type_name);
      /* Translators: "Sent to Tripletex" */
      return g_strdup_printf (_("Sent to %s"), system);
    }

  if (g_strcmp0 (state, "approved") != 0)
    return g_strdup (_("Not sent: not approved"));
  if (pb_record_get (absence, PB_ABSENCE_END_DATE) == NULL)
    return g_strdup (_("Not sent: no end date"));
  if (mapping != NULL && mapping->state == PB_MAPPING_EXCLUDED)
    /* Translators: "Not sent: Course is set to Do not sync" */
    return g_strdup_printf (_("Not sent: %s is set to Do not sync"), type_name);
  if (mapping == NULL || mapping->state != PB_MAPPING_MAPPED)
    /* Translators: "Not sent: Course is not mapped" */
    return g_strdup_printf (_("Not sent: %s is not mapped"), type_name);

  person_link = pb_store_find_link (store, connection->id, PB_ENTITY_EMPLOYEE,
                                    pb_record_get_id (self->person));
  if (person_link == NULL)
    /* Translators: "Not sent: not linked to anyone in Tripletex" */
    return g_strdup_printf (_("Not sent: not linked to anyone in %s"), system);

  /* Every change is in the outbox, and none of this one: it has not
   * changed since before absence sync began (SPEC C5). */
  if (pb_store_get_outbox_cursor (store, connection->id) >= pb_store_max_change_id (store))
    return g_strdup (_("Not sent: from before absence sync was turned on"));

  return g_strdup (_("Not sent yet"));
}

/* The absence's lines, one per connection (named when there are several). */
static char *
dup_sync_lines (PbPersonDetail *self,
                PbRecord       *absence,
                const char     *type_name,
                gboolean       *rejected)
{
  g_autoptr(GString) lines = g_string_new (NULL);

  *rejected = FALSE;
  for (guint i = 0; self->connections != NULL && i < self->connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);
      gboolean this_rejected = FALSE;
      g_autofree char *line = dup_sync_state (self, connection, absence, type_name, &this_rejected);

      *rejected |= this_rejected;
      if (lines->len > 0)
        g_string_append_c (lines, '\n');
      if (self->connections->len > 1)
        /* Translators: a connection's name and what its payroll knows of an absence */
        g_string_append_printf (lines, _("%s: %s"), connection->name, line);
      else
        g_string_append (lines, line);
    }

  return lines->len > 0 ? g_string_free (g_steal_pointer (&lines), FALSE) : NULL;
}

static GtkWidget *
create_absence_row (gpointer item,
                    gpointer user_data)
{
  PbPersonDetail *self = user_data;
  PbRecord *absence = item;
  const char *state = pb_record_get (absence, PB_ABSENCE_STATE);
  g_autofree char *type_name = dup_key_name (self->store, PB_ENTITY_ABSENCE_TYPE,
                                             pb_record_get (absence, PB_ABSENCE_TYPE));
  g_autofree char *period = pb_format_period (pb_record_get (absence, PB_ABSENCE_START_DATE),
                                              pb_record_get (absence, PB_ABSENCE_END_DATE));
  g_autofree char *percentage = pb_format_percentage (pb_record_get (absence, PB_ABSENCE_PERCENTAGE));
  /* Translators: an absence's period and percentage */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s"), period, percentage);
  gboolean rejected = FALSE;
  g_autofree char *sync = dup_sync_lines (self, absence, type_name, &rejected);
  g_autofree char *full = sync != NULL ? g_strdup_printf ("%s\n%s", subtitle, sync) : NULL;
  GtkWidget *row = new_row (type_name, full != NULL ? full : subtitle);
  /* The reason is the point of the line: it wraps rather than ellipsize. */
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (rejected)
    gtk_widget_add_css_class (row, "absence-rejected");

  /* SPEC A7: once the cause is fixed, approved again in HR and sent. A
   * rejected one has Resend in place of its state, which the line under
   * it says with the reason: the reason gets the width. */
  if (g_strcmp0 (state, "rejected") == 0)
    {
      GtkWidget *resend = gtk_button_new_with_mnemonic (_("_Resend"));

      gtk_widget_set_name (resend, "resend-button");
      gtk_widget_set_valign (resend, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (resend, _("Approve the absence again and send it to payroll"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (resend), "person.resend-absence");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (resend), "x", pb_record_get_id (absence));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), resend);
    }
  /* Without a line that says it (no connection sends absence), the state does. */
  if (!rejected)
    {
      GtkWidget *state_label = gtk_label_new (pb_format_absence_state (state));

      gtk_widget_set_valign (state_label, GTK_ALIGN_CENTER);
      if (g_strcmp0 (state, "approved") == 0)
        gtk_widget_add_css_class (state_label, "success");
      else if (g_strcmp0 (state, "rejected") == 0 || g_strcmp0 (state, "unapproved") == 0)
        gtk_widget_add_css_class (state_label, "error");
      else
        gtk_widget_add_css_class (state_label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), state_label);
    }

  return row;
}

static GtkWidget *
create_salary_row (gpointer item,
                   gpointer user_data)
{
  PbRecord *salary = item;
  g_autofree char *amount = pb_format_salary (pb_record_get (salary, PB_SALARY_AMOUNT),
                                              pb_record_get (salary, PB_SALARY_CURRENCY),
                                              pb_record_get (salary, PB_SALARY_PERIOD_UNIT));
  g_autofree char *period = pb_format_period (pb_record_get (salary, PB_SALARY_START_DATE),
                                              pb_record_get (salary, PB_SALARY_END_DATE));
  GtkWidget *row = new_row (amount, period);

  gtk_widget_add_css_class (row, "numeric");

  return row;
}

/* The line under the name: the current (latest) position and any status
 * other than active. */
static char *
dup_subtitle (PbPersonDetail *self)
{
  const char *status = pb_record_get (self->person, PB_EMPLOYEE_STATUS);
  g_autoptr(PbRecord) latest = g_list_model_get_item (G_LIST_MODEL (self->positions), 0);
  const char *title = latest != NULL ? pb_record_get (latest, PB_POSITION_TITLE) : NULL;
  gboolean active = status == NULL || g_str_equal (status, "active");

  if (title != NULL && !active)
    /* Translators: a job title and an employee status: "Engineer · Deactivated" */
    return g_strdup_printf (_("%s · %s"), title, pb_format_employee_status (status));
  if (title != NULL)
    return g_strdup (title);
  if (!active)
    return g_strdup (pb_format_employee_status (status));
  return NULL;
}

/* Reads the person's absences again, with what payroll knows of them. */
static gboolean
refresh_absences_idle (gpointer user_data)
{
  PbPersonDetail *self = user_data;

  self->refresh_id = 0;
  if (self->store == NULL || self->person == NULL)
    return G_SOURCE_REMOVE;

  read_connections (self);
  load_children (self, self->absences, PB_ENTITY_ABSENCE, pb_record_get_id (self->person));
  return G_SOURCE_REMOVE;
}

static void
queue_refresh (PbPersonDetail *self)
{
  if (self->refresh_id == 0 && self->person != NULL)
    self->refresh_id = g_idle_add (refresh_absences_idle, self);
}

/* Runs inside pb_store_commit(): only schedules. */
static void
on_store_changed_cb (PbPersonDetail *self,
                     guint           what,
                     PbStore        *store)
{
  queue_refresh (self);
}

static void
on_driver_status_changed_cb (PbPersonDetail *self,
                             gint64          connection_id,
                             PbSyncDriver   *driver)
{
  queue_refresh (self);
}

static void
watch_store (PbPersonDetail *self,
             PbStore        *store)
{
  PbSyncDriver *driver = store != NULL ? pb_sync_driver_get_for_store (store) : NULL;

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  if (self->driver != NULL)
    g_signal_handlers_disconnect_by_data (self->driver, self);

  g_set_object (&self->store, store);
  g_set_object (&self->driver, driver);

  if (store != NULL)
    g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed_cb), self, G_CONNECT_SWAPPED);
  /* A send (or a rejection) moves the driver's counts, or its last sync. */
  if (driver != NULL)
    g_signal_connect_object (driver, "status-changed", G_CALLBACK (on_driver_status_changed_cb), self,
                             G_CONNECT_SWAPPED);
}

/* person.resend-absence (x): SPEC A7, a rejected absence approved again in
 * HR; the outbox sends it. */
static void
resend_absence_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  g_autoptr(GError) error = NULL;

  if (self->store == NULL)
    return;

  if (!pb_store_resend_absence (self->store, g_variant_get_int64 (parameter), &error))
    {
      GtkRoot *root = gtk_widget_get_root (widget);
      g_autofree char *title = g_strdup_printf (_("Could not resend the absence: %s"), error->message);

      g_warning ("%s", title);
      if (PB_IS_WINDOW (root))
        pb_window_add_toast (PB_WINDOW (root), adw_toast_new (title));
      return;
    }

  /* The commit queued a refresh; the row changes at once all the same. */
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  refresh_absences_idle (self);
}

static void
pb_person_detail_dispose (GObject *object)
{
  PbPersonDetail *self = (PbPersonDetail *)object;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  watch_store (self, NULL);
  g_clear_pointer (&self->connections, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_PERSON_DETAIL);

  g_clear_object (&self->person);

  G_OBJECT_CLASS (pb_person_detail_parent_class)->dispose (object);
}

static void
pb_person_detail_finalize (GObject *object)
{
  PbPersonDetail *self = (PbPersonDetail *)object;

  g_clear_object (&self->positions);
  g_clear_object (&self->absences);
  g_clear_object (&self->salaries);

  G_OBJECT_CLASS (pb_person_detail_parent_class)->finalize (object);
}

static void
pb_person_detail_class_init (PbPersonDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_person_detail_dispose;
  object_class->finalize = pb_person_detail_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-person-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, scroller);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, avatar);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, name_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, email_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, email_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, phone_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, phone_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, number_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, number_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, team_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, team_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, location_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, location_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, company_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, company_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, manager_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, manager_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, first_workday_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, first_workday_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, last_workday_row);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, last_workday_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, positions_list);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, absences_list);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, salaries_list);

  gtk_widget_class_install_action (widget_class, "person.resend-absence", "x", resend_absence_action);
}

static void
pb_person_detail_init (PbPersonDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->positions = g_list_store_new (PB_TYPE_RECORD);
  self->absences = g_list_store_new (PB_TYPE_RECORD);
  self->salaries = g_list_store_new (PB_TYPE_RECORD);

  gtk_list_box_bind_model (self->positions_list, G_LIST_MODEL (self->positions),
                           create_position_row, self, NULL);
  gtk_list_box_bind_model (self->absences_list, G_LIST_MODEL (self->absences),
                           create_absence_row, self, NULL);
  gtk_list_box_bind_model (self->salaries_list, G_LIST_MODEL (self->salaries),
                           create_salary_row, self, NULL);
}

GtkWidget *
pb_person_detail_new (void)
{
  return g_object_new (PB_TYPE_PERSON_DETAIL, NULL);
}

/**
 * pb_person_detail_get_person:
 *
 * Returns: (transfer none) (nullable): the employee shown
 */
PbRecord *
pb_person_detail_get_person (PbPersonDetail *self)
{
  g_return_val_if_fail (PB_IS_PERSON_DETAIL (self), NULL);

  return self->person;
}

/**
 * pb_person_detail_set_person:
 * @store: (nullable): where to read @employee's positions, absences and
 *   salaries and the names of what it refers to
 * @employee: (nullable): the employee to show; %NULL for none
 *
 * Shows @employee, reading its child records from @store now.
 */
void
pb_person_detail_set_person (PbPersonDetail *self,
                             PbStore        *store,
                             PbRecord       *employee)
{
  g_autofree char *name = NULL;
  g_autofree char *team = NULL;
  g_autofree char *location = NULL;
  g_autofree char *company = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *subtitle = NULL;
  gint64 id;

  g_return_if_fail (PB_IS_PERSON_DETAIL (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));
  g_return_if_fail (employee == NULL || PB_IS_RECORD (employee));

  if (store != self->store)
    watch_store (self, store);
  g_set_object (&self->person, employee);
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  if (employee == NULL || store == NULL)
    {
      g_list_store_remove_all (self->positions);
      g_list_store_remove_all (self->absences);
      g_list_store_remove_all (self->salaries);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  id = pb_record_get_id (employee);
  read_connections (self);
  load_children (self, self->positions, PB_ENTITY_POSITION, id);
  load_children (self, self->absences, PB_ENTITY_ABSENCE, id);
  load_children (self, self->salaries, PB_ENTITY_SALARY, id);

  name = pb_record_dup_display_name (employee);
  adw_avatar_set_text (self->avatar, name);
  gtk_label_set_label (self->name_label, name);

  subtitle = dup_subtitle (self);
  gtk_label_set_label (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL);

  team = dup_key_name (store, PB_ENTITY_TEAM, pb_record_get (employee, PB_EMPLOYEE_TEAM));
  location = dup_key_name (store, PB_ENTITY_LOCATION, pb_record_get (employee, PB_EMPLOYEE_LOCATION));
  company = dup_key_name (store, PB_ENTITY_COMPANY, pb_record_get (employee, PB_EMPLOYEE_COMPANY));
  manager = dup_manager_name (store, pb_record_get (employee, PB_EMPLOYEE_MANAGER_EMAIL));

  set_row (self->email_row, self->email_label, pb_record_get (employee, PB_EMPLOYEE_EMAIL));
  set_row (self->phone_row, self->phone_label, pb_record_get (employee, PB_EMPLOYEE_PHONE));
  set_row (self->number_row, self->number_label, pb_record_get (employee, PB_EMPLOYEE_EMPLOYEE_NUMBER));
  set_row (self->team_row, self->team_label, team);
  set_row (self->location_row, self->location_label, location);
  set_row (self->company_row, self->company_label, company);
  set_row (self->manager_row, self->manager_label, manager);
  set_row (self->first_workday_row, self->first_workday_label,
           pb_record_get (employee, PB_EMPLOYEE_FIRST_WORKDAY));
  set_row (self->last_workday_row, self->last_workday_label,
           pb_record_get (employee, PB_EMPLOYEE_LAST_WORKDAY));

  /* A new person starts at the top, not where the last one was scrolled. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  gtk_stack_set_visible_child_name (self->stack, "person");
}

/* Once the pane is laid out: its absences at the top. */
static gboolean
scroll_to_absences_cb (GtkWidget     *widget,
                       GdkFrameClock *clock,
                       gpointer       user_data)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  GtkWidget *group = gtk_widget_get_parent (GTK_WIDGET (self->absences_list));
  GtkWidget *content = gtk_scrolled_window_get_child (self->scroller);
  graphene_point_t point = GRAPHENE_POINT_INIT (0, 0);
  graphene_point_t top;

  /* The group is in a box in a viewport: its place in the viewport's child. */
  while (group != NULL && !ADW_IS_PREFERENCES_GROUP (group))
    group = gtk_widget_get_parent (group);
  if (GTK_IS_VIEWPORT (content))
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  if (group != NULL && content != NULL && gtk_widget_compute_point (group, content, &point, &top))
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), MAX (top.y - 12, 0));

  /* The first frames may still lay out the person: again until it holds. */
  return --self->scroll_frames > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/**
 * pb_person_detail_show_absences:
 *
 * Scrolls the pane to the person's absences (a rejected absence's
 * notification opens them, SPEC A7).
 */
void
pb_person_detail_show_absences (PbPersonDetail *self)
{
  g_return_if_fail (PB_IS_PERSON_DETAIL (self));

  if (self->scroll_frames == 0)
    gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_to_absences_cb, NULL, NULL);
  self->scroll_frames = 5;
}
