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
#include "pb-field-editor.h"
#include "pb-format.h"
#include "pb-mapping.h"
#include "pb-outbox.h"
#include "pb-periods.h"
#include "pb-person-detail-private.h"
#include "pb-provider.h"
#include "pb-record-editor.h"
#include "pb-sync-driver.h"
#include "pb-sync-state.h"
#include "pb-user-plan.h"
#include "pb-window.h"

/* The right-hand pane of the People view: one employee, editable, then
 * their positions, absences and salaries as boxed lists (newest first),
 * and what each active payroll connection knows of them.
 *
 * The person's own fields are rows of a PbFieldEditor: checked as the
 * administrator types with the import's checks, the message under the
 * field; the action bar at the bottom shows Save (insensitive while a
 * field is in error) and Cancel once something changed. A position,
 * absence or salary is added or edited in a PbRecordEditor dialog, which
 * checks the periods rule before it saves; ending, deleting, approving,
 * unapproving and rejecting are in each row's menu.
 *
 * Every write is one transaction of the register, so it feeds the change
 * log and the outbox like an import. Each one shows a toast with Undo:
 * undoing writes the previous values back as a new change (a new record
 * goes, a deleted one comes back), so the outbox sends the correction as
 * well. The lists and the payroll lines follow the register: the pane
 * reads them again after a commit (PbStore::changed) and when the sync
 * driver's counts move; edits in progress are left alone.
 *
 * While an import holds the register's one write transaction (issue 14),
 * the pane is paused (pb_person_detail_set_paused()): every action that
 * writes is off, so nothing on the main loop waits on the import's lock. */
struct _PbPersonDetail
{
  GtkWidget     parent_instance;

  PbStore     *store;        /* (owned) (nullable) */
  PbRecord    *person;       /* (owned) (nullable): as stored, or new (id 0) */
  GListStore  *positions;    /* (owned) of PbRecord */
  GListStore  *absences;     /* (owned) of PbRecord */
  GListStore  *salaries;     /* (owned) of PbRecord */
  PbFieldEditor *fields;     /* (owned) the person's own fields */
  gboolean     has_rows;     /* @fields' rows are made: at the first person shown */
  AdwToast    *undo_toast;   /* (nullable) (unowned): the newest toast with Undo */
  char        *last_toast;   /* (owned) (nullable) */
  GtkWindow   *dialog;       /* (nullable) (unowned): an open editor or confirmation */
  gboolean     paused;       /* an import is writing: no writes from here */

  GtkStack    *stack;
  GtkScrolledWindow *scroller;
  AdwAvatar   *avatar;
  GtkLabel    *name_label;
  GtkLabel    *subtitle_label;
  GtkWidget   *contact_group;
  GtkWidget   *employment_group;
  GtkWidget   *details_group;
  GtkWidget   *details_expander;
  GtkWidget   *positions_group;
  GtkWidget   *absences_group;
  GtkWidget   *salaries_group;
  GtkWidget   *payroll_group;
  GtkListBox  *positions_list;
  GtkListBox  *absences_list;
  GtkListBox  *salaries_list;
  GtkListBox  *payroll_list;
  GtkWidget   *status_box;
  GtkWidget   *deactivate_button;
  GtkWidget   *reactivate_button;
  GtkWidget   *delete_button;
  GtkActionBar *save_bar;
  GtkLabel    *save_label;
  GtkWidget   *save_button;

  PbSyncDriver *driver;      /* (owned) (nullable): @store's */
  GPtrArray   *connections;  /* (owned) (nullable): the active ones */
  GPtrArray   *views;        /* (owned) (nullable) (element-type PbSyncView): each of
                              * @connections' outbox and logs, as they touch the person */
  guint        refresh_id;   /* idle: read the lists again */
  guint        scroll_frames; /* frames left to scroll to the absences in */
};

G_DEFINE_FINAL_TYPE (PbPersonDetail, pb_person_detail, GTK_TYPE_WIDGET)

enum {
  PERSON_SAVED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* What a toast's Undo writes: the records as they were before. */
typedef struct
{
  GPtrArray *saves;     /* (element-type PbRecord): saved back (id 0: made again) */
  GPtrArray *deletes;   /* (element-type PbRecord): records the change made */
} Undo;

static void
undo_free (Undo *undo)
{
  g_ptr_array_unref (undo->saves);
  g_ptr_array_unref (undo->deletes);
  g_free (undo);
}

static Undo *
undo_new (void)
{
  Undo *undo = g_new0 (Undo, 1);

  undo->saves = g_ptr_array_new_with_free_func (g_object_unref);
  undo->deletes = g_ptr_array_new_with_free_func (g_object_unref);
  return undo;
}

typedef enum
{
  GROUP_CONTACT,
  GROUP_EMPLOYMENT,
  GROUP_DETAILS,
} FieldGroup;

static const struct
{
  guint       field;
  FieldGroup  group;
  const char *title;
} person_fields[] = {
  { PB_EMPLOYEE_GIVEN_NAME, GROUP_CONTACT, N_("Given Name") },
  { PB_EMPLOYEE_FAMILY_NAME, GROUP_CONTACT, N_("Family Name") },
  { PB_EMPLOYEE_EMAIL, GROUP_CONTACT, N_("Email") },
  { PB_EMPLOYEE_PHONE, GROUP_CONTACT, N_("Phone") },
  { PB_EMPLOYEE_EMPLOYEE_NUMBER, GROUP_EMPLOYMENT, N_("Employee Number") },
  { PB_EMPLOYEE_TEAM, GROUP_EMPLOYMENT, N_("Team") },
  { PB_EMPLOYEE_LOCATION, GROUP_EMPLOYMENT, N_("Location") },
  { PB_EMPLOYEE_COMPANY, GROUP_EMPLOYMENT, N_("Company") },
  { PB_EMPLOYEE_MANAGER_EMAIL, GROUP_EMPLOYMENT, N_("Manager’s Email") },
  { PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL, GROUP_EMPLOYMENT, N_("Absence Manager’s Email") },
  { PB_EMPLOYEE_FIRST_WORKDAY, GROUP_EMPLOYMENT, N_("First Workday") },
  { PB_EMPLOYEE_LAST_WORKDAY, GROUP_EMPLOYMENT, N_("Last Workday") },
  { PB_EMPLOYEE_DATE_OF_BIRTH, GROUP_DETAILS, N_("Date of Birth") },
  { PB_EMPLOYEE_NATIONAL_ID, GROUP_DETAILS, N_("National Identity Number") },
  { PB_EMPLOYEE_ADDRESS_LINE1, GROUP_DETAILS, N_("Address") },
  { PB_EMPLOYEE_ADDRESS_LINE2, GROUP_DETAILS, N_("Address, Second Line") },
  { PB_EMPLOYEE_POSTAL_CODE, GROUP_DETAILS, N_("Postal Code") },
  { PB_EMPLOYEE_CITY, GROUP_DETAILS, N_("City") },
  { PB_EMPLOYEE_COUNTRY, GROUP_DETAILS, N_("Country Code") },
  { PB_EMPLOYEE_BANK_ACCOUNT, GROUP_DETAILS, N_("Bank Account") },
  { PB_EMPLOYEE_IBAN, GROUP_DETAILS, N_("IBAN") },
  { PB_EMPLOYEE_BIC, GROUP_DETAILS, N_("BIC") },
};

static PbEntity
entity_for_name (const char *name)
{
  PbEntity entity = PB_N_ENTITIES;

  if (!pb_entity_from_name (name, &entity) ||
      (entity != PB_ENTITY_POSITION && entity != PB_ENTITY_ABSENCE && entity != PB_ENTITY_SALARY))
    return PB_N_ENTITIES;
  return entity;
}

static GListStore *
list_for (PbPersonDetail *self,
          PbEntity        entity)
{
  switch (entity)
    {
    case PB_ENTITY_POSITION:
      return self->positions;
    case PB_ENTITY_ABSENCE:
      return self->absences;
    case PB_ENTITY_SALARY:
      return self->salaries;
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_ENTITY_EMPLOYEE:
    case PB_N_ENTITIES:
    default:
      return NULL;
    }
}

/* The shown record of @entity with @id, or NULL. */
static PbRecord *
find_record (PbPersonDetail *self,
             PbEntity        entity,
             gint64          id)
{
  GListModel *list = G_LIST_MODEL (list_for (self, entity));

  for (guint i = 0; list != NULL && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(PbRecord) record = g_list_model_get_item (list, i);

      if (pb_record_get_id (record) == id)
        return g_steal_pointer (&record);
    }
  return NULL;
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
  if (employee_id == 0)
    return;

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

/* The active connections; read once for all the rows. */
static void
read_connections (PbPersonDetail *self)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->connections, g_ptr_array_unref);
  g_clear_pointer (&self->views, g_ptr_array_unref);
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

      if (connection->state == PB_CONNECTION_ACTIVE)
        g_ptr_array_add (self->connections, g_object_ref (connection));
    }

  /* What each knows of the person and their records: read once here,
   * worked out as paybridge-cli person show works it out. */
  self->views = g_ptr_array_new_with_free_func ((GDestroyNotify) pb_sync_view_free);
  for (guint i = 0; i < self->connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);
      PbSyncView *view = NULL;

      if (self->person != NULL && pb_record_get_id (self->person) != 0)
        {
          view = pb_sync_view_new (self->store, connection, pb_record_get_id (self->person), &error);
          if (view == NULL)
            {
              g_warning ("Could not read what %s knows: %s", connection->name, error->message);
              g_clear_error (&error);
            }
        }
      g_ptr_array_add (self->views, view);
    }
}

/* What the @i-th active connection knows of the record. */
static void
get_sync_info (PbPersonDetail *self,
               guint           i,
               PbEntity        entity,
               gint64          record_id,
               PbSyncInfo     *info)
{
  PbSyncView *view = self->views != NULL && i < self->views->len ? g_ptr_array_index (self->views, i) : NULL;

  if (view != NULL)
    pb_sync_view_get (view, entity, record_id, info);
  else
    *info = (PbSyncInfo) { PB_SYNC_NOT_SENT };
}

/* Whether the employee has an open entry in the connection's log, about
 * them or any record of theirs. */
static gboolean
has_open_errors (PbStore *store,
                 gint64   connection_id,
                 gint64   employee_id)
{
  g_autoptr(GPtrArray) log = pb_store_list_errors (store, connection_id, NULL);

  for (guint i = 0; log != NULL && i < log->len; i++)
    {
      PbErrorEntry *entry = g_ptr_array_index (log, i);

      if (entry->state == PB_ERROR_OPEN && entry->employee_id == employee_id)
        return TRUE;
    }
  return FALSE;
}

/* "Sent to Tripletex" with when, if the outbox knows. */
static char *
dup_sent (PbConnection     *connection,
          const PbSyncInfo *info)
{
  g_autofree char *when = info->sent_at != NULL ? pb_format_timestamp (info->sent_at) : NULL;

  if (when != NULL)
    /* Translators: "Sent to Tripletex 2025-03-01 14:02" */
    return g_strdup_printf (_("Sent to %s %s"), system_name (connection), when);
  /* Translators: "Sent to Tripletex" */
  return g_strdup_printf (_("Sent to %s"), system_name (connection));
}


/* Why nothing of the person goes to @connection, or NULL when it does. */
static char *
dup_held_back (PbPersonDetail *self,
               PbConnection   *connection)
{
  const char *status = pb_record_get (self->person, PB_EMPLOYEE_STATUS);

  if (!pb_scope_covers (connection->scope_kind, connection->scope_key, self->person))
    return g_strdup (_("Held back: outside the connection’s scope"));
  if (g_strcmp0 (status, "deactivated") == 0)
    /* Translators: "Held back: deactivated in HR; Tripletex keeps them as they are" */
    return g_strdup_printf (_("Held back: deactivated in HR; %s keeps them as they are"), system_name (connection));
  if (g_strcmp0 (status, "deleted") == 0)
    /* Translators: "Held back: deleted in HR; they stay in Tripletex" */
    return g_strdup_printf (_("Held back: deleted in HR; they stay in %s"), system_name (connection));
  return NULL;
}

/* One line per connection: whether the person is linked, held back (and
 * why), or needs attention (with the reason). */
static char *
dup_person_line (PbPersonDetail *self,
                 guint           i,
                 gboolean       *attention)
{
  PbConnection *connection = g_ptr_array_index (self->connections, i);
  gint64 id = pb_record_get_id (self->person);
  g_autofree char *held = dup_held_back (self, connection);
  g_auto(PbSyncInfo) info = { 0 };

  get_sync_info (self, i, PB_ENTITY_EMPLOYEE, id, &info);
  *attention = has_open_errors (self->store, connection->id, id);
  if (held != NULL)
    return g_steal_pointer (&held);

  switch (info.state)
    {
    case PB_SYNC_ATTENTION:
      /* Translators: the reason payroll (or Paybridge) refused a change of the person */
      return g_strdup_printf (_("Needs attention: %s"), info.reason != NULL ? info.reason : _("see the error log"));
    case PB_SYNC_PENDING:
      if (info.remote_id != NULL)
        return g_strdup (_("Linked; a change is waiting to be sent"));
      return g_strdup (_("Not linked yet: waiting to be created in payroll"));
    case PB_SYNC_HELD:
      /* Translators: "Waiting: users sync is off for the connection" */
      return g_strdup_printf (_("Waiting: %s"), info.reason);
    case PB_SYNC_SENT:
    case PB_SYNC_OFF:
    case PB_SYNC_NOT_SENT:
    default:
      break;
    }

  if (info.remote_id != NULL)
    {
      g_autofree char *sent = dup_sent (connection, &info);

      /* Translators: "Linked to employee 12 · Sent to Tripletex 2025-03-01 14:02" */
      return g_strdup_printf (_("Linked to employee %s · %s"), info.remote_id, sent);
    }
  /* Translators: "Not linked: the next Sync Users pairs them with someone in Tripletex" */
  return g_strdup_printf (_("Not linked: the next Sync Users pairs them with someone in %s or creates them"),
                          system_name (connection));
}

/* --- what payroll knows of a record (SPEC A1, A2, A7, P1, S1) ------------------------ */

/* Why @absence is not sent (SPEC A1, A2), or NULL when nothing in the
 * register stands in its way. */
static char *
dup_absence_obstacle (PbRecord         *absence,
                      const char       *type_name,
                      PbAbsenceMapping *mapping)
{
  if (g_strcmp0 (pb_record_get (absence, PB_ABSENCE_STATE), "approved") != 0)
    return g_strdup (_("Not sent: not approved"));
  if (pb_record_get (absence, PB_ABSENCE_END_DATE) == NULL)
    return g_strdup (_("Not sent: no end date"));
  if (mapping != NULL && mapping->state == PB_MAPPING_EXCLUDED)
    /* Translators: "Not sent: Course is set to Do not sync" */
    return g_strdup_printf (_("Not sent: %s is set to Do not sync"), type_name);
  if (mapping == NULL || mapping->state != PB_MAPPING_MAPPED)
    /* Translators: "Not sent: Course is not mapped" */
    return g_strdup_printf (_("Not sent: %s is not mapped"), type_name);
  return NULL;
}

/* One line: what @connection's payroll system knows of @absence, whose
 * state is @info. *@rejected says the line is a rejection (A7). */
static char *
dup_absence_state (PbPersonDetail   *self,
                   PbConnection     *connection,
                   const PbSyncInfo *info,
                   PbRecord         *absence,
                   const char       *type_name,
                   gboolean         *rejected)
{
  PbStore *store = self->store;
  const char *system = system_name (connection);
  const char *state = pb_record_get (absence, PB_ABSENCE_STATE);
  g_autoptr(PbRecord) type = NULL;
  g_autoptr(PbAbsenceMapping) mapping = NULL;
  g_autofree char *obstacle = NULL;
  g_autofree char *person_link = NULL;

  type = pb_store_find_by_key (store, PB_ENTITY_ABSENCE_TYPE, pb_record_get (absence, PB_ABSENCE_TYPE), NULL);
  if (type != NULL)
    mapping = pb_store_get_mapping (store, connection->id, pb_record_get_id (type), NULL);

  switch (info->state)
    {
    case PB_SYNC_ATTENTION:
      /* Rejected (A7), until HR changes it (Resend approves it again):
       * from then on the lines below say what becomes of it. */
      if (g_strcmp0 (state, "rejected") == 0)
        {
          *rejected = TRUE;
          /* Translators: the reason payroll (or Paybridge) refused an absence */
          return g_strdup_printf (_("Rejected: %s"), info->reason != NULL ? info->reason : _("see the error log"));
        }
      return g_strdup_printf (_("Needs attention: %s"), info->reason != NULL ? info->reason : _("see the error log"));
    case PB_SYNC_PENDING:
      /* Never sent, and what stands in its way is in the register: the
       * push sends nothing of it (or refuses it, A7). */
      if (info->remote_id == NULL && (obstacle = dup_absence_obstacle (absence, type_name, mapping)) != NULL)
        return g_steal_pointer (&obstacle);
      return g_strdup (_("Waiting to be sent"));
    case PB_SYNC_HELD:
      return g_strdup (_("Waiting: absence sync is off"));
    case PB_SYNC_SENT:
    case PB_SYNC_OFF:
    case PB_SYNC_NOT_SENT:
    default:
      break;
    }

  if (info->remote_id != NULL)
    {
      const char *colon = info->remote_key != NULL ? strchr (info->remote_key, ':') : NULL;

      /* A5: sent with a mapping that has changed since. */
      if (colon != NULL && (mapping == NULL || mapping->state != PB_MAPPING_MAPPED ||
                            g_strcmp0 (colon + 1, mapping->remote_type) != 0))
        /* Translators: "Sent to Tripletex; no more updates: the mapping of Vacation changed" */
        return g_strdup_printf (_("Sent to %s; no more updates: the mapping of %s changed"), system, type_name);
      return dup_sent (connection, info);
    }

  if ((obstacle = dup_absence_obstacle (absence, type_name, mapping)) != NULL)
    return g_steal_pointer (&obstacle);

  person_link = pb_store_find_link (store, connection->id, PB_ENTITY_EMPLOYEE,
                                    pb_record_get_id (self->person));
  if (person_link == NULL)
    /* Translators: "Not sent: not linked to anyone in Tripletex" */
    return g_strdup_printf (_("Not sent: not linked to anyone in %s"), system);

  /* Every change is in the outbox, and none of this one: it has not
   * changed since before absence sync began (SPEC C5). */
  if (pb_store_get_outbox_cursor (store, connection->id) >= pb_store_max_change_id (store))
    return g_strdup (_("Not sent: from before absence sync was turned on"));

  /* Nothing of it waits (the state is not pending): a mapping made since
   * does not send it; its next change in HR does (SPEC C5). */
  /* Translators: "Not sent: it goes to Tripletex when it next changes in HR" */
  return g_strdup_printf (_("Not sent: it goes to %s when it next changes in HR"), system);
}

/* One line: what @connection's payroll knows of a position or salary,
 * whose state is @info. */
static char *
dup_record_state (PbPersonDetail   *self,
                  PbConnection     *connection,
                  const PbSyncInfo *info,
                  PbEntity          entity,
                  gboolean         *attention)
{
  g_autofree char *remote = NULL;

  switch (info->state)
    {
    case PB_SYNC_ATTENTION:
      *attention = TRUE;
      return g_strdup_printf (_("Needs attention: %s"), info->reason != NULL ? info->reason : _("see the error log"));
    case PB_SYNC_PENDING:
      return g_strdup (_("Waiting to be sent"));
    case PB_SYNC_HELD:
      return g_strdup (entity == PB_ENTITY_POSITION ? _("Waiting: position sync is off")
                                                    : _("Waiting: salary sync is off"));
    case PB_SYNC_SENT:
      return dup_sent (connection, info);
    case PB_SYNC_OFF:
    case PB_SYNC_NOT_SENT:
    default:
      break;
    }

  remote = pb_store_find_link (self->store, connection->id, PB_ENTITY_EMPLOYEE, pb_record_get_id (self->person));
  if (remote == NULL)
    /* Translators: "Not sent: not linked to anyone in Tripletex" */
    return g_strdup_printf (_("Not sent: not linked to anyone in %s"), system_name (connection));
  return g_strdup (_("Not sent: unchanged since the sync of this kind was turned on"));
}

/* The record's lines, one per connection that syncs its kind or still
 * holds a change of it (named when there are several). */
static char *
dup_sync_lines (PbPersonDetail *self,
                PbRecord       *record,
                const char     *type_name,
                gboolean       *rejected,
                gboolean       *attention)
{
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GArray) infos = g_array_new (FALSE, TRUE, sizeof (PbSyncInfo));
  PbEntity entity = pb_record_get_entity (record);
  guint n = 0;

  *rejected = FALSE;
  *attention = FALSE;
  g_array_set_clear_func (infos, (GDestroyNotify) pb_sync_info_clear);
  for (guint i = 0; self->connections != NULL && i < self->connections->len; i++)
    {
      PbSyncInfo info;

      get_sync_info (self, i, entity, pb_record_get_id (record), &info);
      g_array_append_val (infos, info);
      n += info.state != PB_SYNC_OFF;
    }

  for (guint i = 0; i < infos->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);
      const PbSyncInfo *info = &g_array_index (infos, PbSyncInfo, i);
      gboolean this_rejected = FALSE;
      g_autofree char *line = NULL;

      /* A data type it does not sync, and nothing of the record held (C6). */
      if (info->state == PB_SYNC_OFF)
        continue;
      if (entity == PB_ENTITY_ABSENCE)
        line = dup_absence_state (self, connection, info, record, type_name, &this_rejected);
      else
        line = dup_record_state (self, connection, info, entity, attention);

      *rejected |= this_rejected;
      if (lines->len > 0)
        g_string_append_c (lines, '\n');
      if (n > 1)
        /* Translators: a connection's name and what its payroll knows of a record */
        g_string_append_printf (lines, _("%s: %s"), connection->name, line);
      else
        g_string_append (lines, line);
    }

  return lines->len > 0 ? g_string_free (g_steal_pointer (&lines), FALSE) : NULL;
}

/* The ⋮ menu of a position, absence or salary row. */
static void
add_row_menu (GtkWidget *row,
              PbRecord  *record)
{
  PbEntity entity = pb_record_get_entity (record);
  const char *name = pb_entity_get_def (entity)->name;
  gint64 id = pb_record_get_id (record);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) edit = g_menu_new ();
  GtkWidget *button = gtk_menu_button_new ();

  {
    g_autoptr(GMenuItem) item = g_menu_item_new (_("_Edit…"), NULL);

    g_menu_item_set_action_and_target_value (item, "person.edit-record", g_variant_new ("(sx)", name, id));
    g_menu_append_item (edit, item);
  }
  if (pb_record_get (record, entity == PB_ENTITY_POSITION ? PB_POSITION_END_DATE :
                             entity == PB_ENTITY_ABSENCE ? PB_ABSENCE_END_DATE : PB_SALARY_END_DATE) == NULL)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_("E_nd Today"), NULL);

      g_menu_item_set_action_and_target_value (item, "person.end-record", g_variant_new ("(sx)", name, id));
      g_menu_append_item (edit, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (edit));

  if (entity == PB_ENTITY_ABSENCE)
    {
      static const struct { const char *state; const char *label; } states[] = {
        { "approved", N_("_Approve") },
        { "unapproved", N_("_Unapprove") },
        { "rejected", N_("Re_ject") },
      };
      g_autoptr(GMenu) section = g_menu_new ();
      const char *state = pb_record_get (record, PB_ABSENCE_STATE);

      for (guint i = 0; i < G_N_ELEMENTS (states); i++)
        {
          g_autoptr(GMenuItem) item = NULL;

          if (g_strcmp0 (state, states[i].state) == 0)
            continue;
          /* Unapproving is for an absence approved before (A4). */
          if (g_str_equal (states[i].state, "unapproved") && g_strcmp0 (state, "approved") != 0)
            continue;
          item = g_menu_item_new (_(states[i].label), NULL);
          g_menu_item_set_action_and_target_value (item, "person.set-absence-state",
                                                   g_variant_new ("(sx)", states[i].state, id));
          g_menu_append_item (section, item);
        }
      g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
    }

  {
    g_autoptr(GMenu) section = g_menu_new ();
    g_autoptr(GMenuItem) item = g_menu_item_new (_("_Delete"), NULL);

    g_menu_item_set_action_and_target_value (item, "person.delete-record", g_variant_new ("(sx)", name, id));
    g_menu_append_item (section, item);
    g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  }

  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("More"));
  gtk_widget_add_css_class (button, "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

  /* Activating the row edits it. */
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "person.edit-record");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new ("(sx)", name, id));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
}

/* A row: the record's own line, then what payroll knows. */
static GtkWidget *
new_record_row (PbPersonDetail *self,
                PbRecord       *record,
                const char     *title,
                const char     *subtitle,
                gboolean       *rejected)
{
  gboolean attention = FALSE;
  g_autofree char *sync = dup_sync_lines (self, record, title, rejected, &attention);
  g_autofree char *full = sync != NULL ? g_strdup_printf ("%s\n%s", subtitle, sync) : NULL;
  GtkWidget *row = new_row (title, full != NULL ? full : subtitle);

  /* The reason is the point of the line: it wraps rather than ellipsize. */
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (attention)
    gtk_widget_add_css_class (row, "needs-attention");
  return row;
}

static GtkWidget *
create_position_row (gpointer item,
                     gpointer user_data)
{
  PbPersonDetail *self = user_data;
  PbRecord *position = item;
  g_autofree char *period = pb_format_period (pb_record_get (position, PB_POSITION_START_DATE),
                                              pb_record_get (position, PB_POSITION_END_DATE));
  g_autofree char *percentage = pb_format_percentage (pb_record_get (position, PB_POSITION_PERCENTAGE));
  const char *contract = pb_format_contract_type (pb_record_get (position, PB_POSITION_CONTRACT_TYPE));
  /* Translators: a position's period, percentage and contract type */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s · %s"), period, percentage, contract);
  gboolean rejected = FALSE;
  GtkWidget *row = new_record_row (self, position, pb_record_get (position, PB_POSITION_TITLE), subtitle, &rejected);

  add_row_menu (row, position);
  return row;
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
  GtkWidget *row = new_record_row (self, absence, type_name, subtitle, &rejected);

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

      gtk_widget_set_name (state_label, "absence-state");
      gtk_widget_set_valign (state_label, GTK_ALIGN_CENTER);
      if (g_strcmp0 (state, "approved") == 0)
        gtk_widget_add_css_class (state_label, "success");
      else if (g_strcmp0 (state, "rejected") == 0 || g_strcmp0 (state, "unapproved") == 0)
        gtk_widget_add_css_class (state_label, "error");
      else
        gtk_widget_add_css_class (state_label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), state_label);
    }

  add_row_menu (row, absence);
  return row;
}

static GtkWidget *
create_salary_row (gpointer item,
                   gpointer user_data)
{
  PbPersonDetail *self = user_data;
  PbRecord *salary = item;
  g_autofree char *amount = pb_format_salary (pb_record_get (salary, PB_SALARY_AMOUNT),
                                              pb_record_get (salary, PB_SALARY_CURRENCY),
                                              pb_record_get (salary, PB_SALARY_PERIOD_UNIT));
  g_autofree char *period = pb_format_period (pb_record_get (salary, PB_SALARY_START_DATE),
                                              pb_record_get (salary, PB_SALARY_END_DATE));
  gboolean rejected = FALSE;
  GtkWidget *row = new_record_row (self, salary, amount, period, &rejected);

  gtk_widget_add_css_class (row, "numeric");
  add_row_menu (row, salary);
  return row;
}

/* The Payroll group: a row per active connection. */
static void
fill_payroll (PbPersonDetail *self)
{
  GtkListBoxRow *old;

  while ((old = gtk_list_box_get_row_at_index (self->payroll_list, 0)) != NULL)
    gtk_list_box_remove (self->payroll_list, GTK_WIDGET (old));

  for (guint i = 0; self->connections != NULL && i < self->connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);
      gboolean attention = FALSE;
      g_autofree char *line = dup_person_line (self, i, &attention);
      /* Translators: a connection's name and its payroll system: "Acme payroll (Tripletex)" */
      g_autofree char *title = g_strdup_printf (_("%s (%s)"), connection->name, system_name (connection));
      GtkWidget *row = new_row (title, line);

      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_set_name (row, "payroll-row");
      if (attention)
        {
          GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open Error Log"));

          gtk_widget_set_name (open, "open-error-button");
          gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (open, _("Show what went wrong and what to do"));
          /* The connection's log, searched for this person. */
          gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "win.show-person-errors");
          gtk_actionable_set_action_target (GTK_ACTIONABLE (open), "(xs)", connection->id,
                                            pb_record_get (self->person, PB_EMPLOYEE_EMAIL) ?: "");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
          gtk_widget_add_css_class (row, "needs-attention");
        }
      gtk_list_box_append (self->payroll_list, row);
    }
}

/* --- the person ----------------------------------------------------------------------- */

static gboolean
is_new (PbPersonDetail *self)
{
  return self->person != NULL && pb_record_get_id (self->person) == 0;
}

static char *
dup_today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return g_date_time_format (now, "%Y-%m-%d");
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

  if (is_new (self))
    return g_strdup (_("Fill in at least the name and the email, then save"));
  if (title != NULL && !active)
    /* Translators: a job title and an employee status: "Engineer · Deactivated" */
    return g_strdup_printf (_("%s · %s"), title, pb_format_employee_status (status));
  if (title != NULL)
    return g_strdup (title);
  if (!active)
    return g_strdup (pb_format_employee_status (status));
  return NULL;
}

static void
update_header (PbPersonDetail *self)
{
  g_autofree char *name = is_new (self) ? g_strdup (_("New Person")) : pb_record_dup_display_name (self->person);
  g_autofree char *subtitle = dup_subtitle (self);
  const char *status = pb_record_get (self->person, PB_EMPLOYEE_STATUS);
  gboolean stored = !is_new (self);

  adw_avatar_set_text (self->avatar, stored ? name : NULL);
  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL);

  gtk_widget_set_visible (self->positions_group, stored);
  gtk_widget_set_visible (self->absences_group, stored);
  gtk_widget_set_visible (self->salaries_group, stored);
  gtk_widget_set_visible (self->payroll_group, stored);
  gtk_widget_set_visible (self->status_box, stored);
  gtk_widget_set_visible (self->deactivate_button, g_strcmp0 (status, "active") == 0);
  gtk_widget_set_visible (self->reactivate_button, g_strcmp0 (status, "active") != 0);
  gtk_widget_set_visible (self->delete_button, g_strcmp0 (status, "deleted") != 0);
}

/* The field rows were a good part of the window's start-up (about 30 ms of
 * CPU), for a pane the People page hides until someone is chosen: they are
 * made for the first person shown (loading a person fills the references'
 * choices again anyway). */
static void
ensure_field_rows (PbPersonDetail *self)
{
  if (self->has_rows)
    return;

  self->has_rows = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (person_fields); i++)
    {
      GtkWidget *container = person_fields[i].group == GROUP_CONTACT ? self->contact_group
                             : person_fields[i].group == GROUP_EMPLOYMENT ? self->employment_group
                             : self->details_expander;

      pb_field_editor_add (self->fields, container, person_fields[i].field, _(person_fields[i].title));
    }
}

/* Save shows once something changed, and works while nothing is in error. */
static void
update_save_bar (PbPersonDetail *self)
{
  gboolean valid = pb_field_editor_is_valid (self->fields);
  gboolean changed = pb_field_editor_is_changed (self->fields) || is_new (self);

  gtk_action_bar_set_revealed (self->save_bar, self->person != NULL && changed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "person.save",
                                 self->person != NULL && changed && valid && !self->paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "person.cancel", self->person != NULL && changed);
  gtk_label_set_label (self->save_label, !valid ? _("Correct the fields marked in red")
                                                : is_new (self) ? _("New person") : _("Unsaved changes"));
}

static void
on_fields_changed_cb (PbPersonDetail *self,
                      PbFieldEditor  *fields)
{
  g_autoptr(PbRecord) edited = pb_field_editor_dup_record (fields);
  const char *first = pb_record_get (edited, PB_EMPLOYEE_FIRST_WORKDAY);
  const char *last = pb_record_get (edited, PB_EMPLOYEE_LAST_WORKDAY);

  /* The register's own rule across two fields. */
  pb_field_editor_set_problem (fields, PB_EMPLOYEE_LAST_WORKDAY,
                               first != NULL && last != NULL && strcmp (last, first) < 0
                               ? _("The last workday is before the first workday") : NULL);
  update_save_bar (self);
}

/* Reads the person's records again, with what payroll knows of them. */
static gboolean
refresh_idle (gpointer user_data)
{
  PbPersonDetail *self = user_data;
  gint64 id;

  self->refresh_id = 0;
  if (self->store == NULL || self->person == NULL)
    return G_SOURCE_REMOVE;

  id = pb_record_get_id (self->person);
  read_connections (self);
  load_children (self, self->positions, PB_ENTITY_POSITION, id);
  load_children (self, self->absences, PB_ENTITY_ABSENCE, id);
  load_children (self, self->salaries, PB_ENTITY_SALARY, id);
  if (id != 0)
    fill_payroll (self);
  update_header (self);
  return G_SOURCE_REMOVE;
}

static void
queue_refresh (PbPersonDetail *self)
{
  if (self->refresh_id == 0 && self->person != NULL)
    self->refresh_id = g_idle_add (refresh_idle, self);
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
  pb_field_editor_set_store (self->fields, store);

  if (store != NULL)
    g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed_cb), self, G_CONNECT_SWAPPED);
  /* A send (or a rejection) moves the driver's counts, or its last sync. */
  if (driver != NULL)
    g_signal_connect_object (driver, "status-changed", G_CALLBACK (on_driver_status_changed_cb), self,
                             G_CONNECT_SWAPPED);
}

/* --- writing, and Undo ----------------------------------------------------------------- */

static void
on_toast_dismissed_cb (PbPersonDetail *self,
                       AdwToast       *toast)
{
  if (self->undo_toast == toast)
    self->undo_toast = NULL;
}

static void undo_toast (PbPersonDetail *self,
                        AdwToast       *toast);

static void
on_undo_clicked_cb (AdwToast       *toast,
                    PbPersonDetail *self)
{
  undo_toast (self, toast);
}

/* A toast in the window; with @undo (taken), its Undo button writes it. */
static void
show_toast (PbPersonDetail *self,
            const char     *title,
            Undo           *undo)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwToast *toast = adw_toast_new (title);

  g_free (self->last_toast);
  self->last_toast = g_strdup (title);

  /* One Undo at a time: the one before would undo a state that is gone. */
  if (self->undo_toast != NULL)
    {
      AdwToast *previous = self->undo_toast;

      self->undo_toast = NULL;
      adw_toast_dismiss (previous);
    }

  if (undo != NULL)
    {
      g_object_set_data_full (G_OBJECT (toast), "pb-undo", undo, (GDestroyNotify) undo_free);
      adw_toast_set_button_label (toast, _("_Undo"));
      adw_toast_set_timeout (toast, 8);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_clicked_cb), self, 0);
      g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed_cb), self, G_CONNECT_SWAPPED);
      self->undo_toast = toast;
    }

  if (PB_IS_WINDOW (root))
    pb_window_add_toast (PB_WINDOW (root), toast);
  else
    {
      /* No window to show it in (a test): Undo stays possible through
       * person.undo until the next write. */
      g_object_set_data_full (G_OBJECT (self), "pb-unshown-toast", toast, g_object_unref);
    }
}

/* Writes @saves and @deletes in one transaction (the change log and the
 * outbox see one change), and returns in @undo what writes them back. */
static gboolean
write_changes (PbPersonDetail  *self,
               GPtrArray       *saves,
               GPtrArray       *deletes,
               Undo           **out_undo,
               GError         **error)
{
  Undo *undo = undo_new ();

  if (!pb_store_begin (self->store, error))
    {
      undo_free (undo);
      return FALSE;
    }

  for (guint i = 0; saves != NULL && i < saves->len; i++)
    {
      PbRecord *record = g_ptr_array_index (saves, i);
      PbEntity entity = pb_record_get_entity (record);
      g_autoptr(PbRecord) before = NULL;

      if (pb_record_get_id (record) != 0)
        {
          before = pb_store_get (self->store, entity, pb_record_get_id (record), error);
          if (before == NULL)
            goto fail;
        }
      if (!pb_store_save (self->store, record, NULL, error))
        goto fail;
      if (before != NULL)
        g_ptr_array_add (undo->saves, g_steal_pointer (&before));
      else
        g_ptr_array_add (undo->deletes, pb_record_copy (record));
    }

  for (guint i = 0; deletes != NULL && i < deletes->len; i++)
    {
      PbRecord *record = g_ptr_array_index (deletes, i);
      PbEntity entity = pb_record_get_entity (record);
      g_autoptr(PbRecord) before = pb_store_get (self->store, entity, pb_record_get_id (record), error);

      if (before == NULL)
        goto fail;

      /* SPEC U10: an employee stays in the register, marked deleted. */
      if (entity == PB_ENTITY_EMPLOYEE)
        {
          g_autoptr(PbRecord) deleted = pb_record_copy (before);

          pb_record_set (deleted, PB_EMPLOYEE_STATUS, "deleted");
          if (!pb_store_save (self->store, deleted, NULL, error))
            goto fail;
          g_ptr_array_add (undo->saves, g_steal_pointer (&before));
          continue;
        }

      if (!pb_store_delete (self->store, before, error))
        goto fail;
      /* Undone, it comes back as a new record with the same values. */
      pb_record_set_id (before, 0);
      g_ptr_array_add (undo->saves, g_steal_pointer (&before));
    }

  if (!pb_store_commit (self->store, error))
    goto fail;

  if (out_undo != NULL)
    *out_undo = undo;
  else
    undo_free (undo);
  return TRUE;

fail:
  pb_store_rollback (self->store);
  undo_free (undo);
  return FALSE;
}

/* After the person's own record changed: show it as stored now, and let
 * the People table follow. */
static void
reload_person (PbPersonDetail *self,
               gint64          id)
{
  g_autoptr(PbRecord) fresh = pb_store_get (self->store, PB_ENTITY_EMPLOYEE, id, NULL);

  if (fresh != NULL && self->person != NULL && pb_record_get_id (self->person) == id)
    pb_person_detail_set_person (self, self->store, fresh);
  g_signal_emit (self, signals [PERSON_SAVED], 0, id);
}

static gboolean
touches_person (GPtrArray *records,
                gint64     employee_id)
{
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      PbRecord *record = g_ptr_array_index (records, i);

      if (pb_record_get_entity (record) == PB_ENTITY_EMPLOYEE)
        return TRUE;
    }
  return FALSE;
}

/* Writes, then says so with Undo (or why not). */
static gboolean
commit_change (PbPersonDetail  *self,
               GPtrArray       *saves,
               GPtrArray       *deletes,
               const char      *done,
               GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  Undo *undo = NULL;

  /* An editor or question opened before the import started: it writes
   * nothing until the import is done (the lock is the import's). */
  if (self->paused)
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_BUSY,
                         _("editing is paused until the import is done"));

  if (local_error != NULL || !write_changes (self, saves, deletes, &undo, &local_error))
    {
      g_autofree char *title = g_strdup_printf (_("Nothing saved: %s"), local_error->message);

      show_toast (self, title, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  show_toast (self, done, undo);
  if (touches_person (saves, 0) || touches_person (deletes, 0))
    {
      PbRecord *first = saves != NULL && saves->len > 0 ? g_ptr_array_index (saves, 0) : g_ptr_array_index (deletes, 0);

      reload_person (self, pb_record_get_id (first));
    }
  return TRUE;
}

static void
undo_toast (PbPersonDetail *self,
            AdwToast       *toast)
{
  Undo *undo = g_object_get_data (G_OBJECT (toast), "pb-undo");
  g_autoptr(GError) error = NULL;
  gint64 employee_id = 0;

  if (undo == NULL || self->store == NULL)
    return;

  /* The toast's button is not an action of the pane (the toast is the
   * window's): while paused it writes nothing, and says so. */
  if (self->paused)
    {
      if (self->undo_toast == toast)
        self->undo_toast = NULL;
      g_object_set_data (G_OBJECT (toast), "pb-undo", NULL);
      show_toast (self, _("Nothing undone: editing is paused until the import is done"), NULL);
      return;
    }

  for (guint i = 0; i < undo->saves->len; i++)
    if (pb_record_get_entity (g_ptr_array_index (undo->saves, i)) == PB_ENTITY_EMPLOYEE)
      employee_id = pb_record_get_id (g_ptr_array_index (undo->saves, i));

  if (self->undo_toast == toast)
    self->undo_toast = NULL;
  /* A new change, the previous values: the outbox sends the correction. */
  if (!write_changes (self, undo->saves, undo->deletes, NULL, &error))
    {
      g_autofree char *title = g_strdup_printf (_("Could not undo: %s"), error->message);

      g_object_set_data (G_OBJECT (toast), "pb-undo", NULL);
      show_toast (self, title, NULL);
      return;
    }
  g_object_set_data (G_OBJECT (toast), "pb-undo", NULL);
  adw_toast_dismiss (toast);
  show_toast (self, _("Change undone"), NULL);
  if (employee_id != 0)
    reload_person (self, employee_id);
}

/* --- actions ------------------------------------------------------------------------ */

static GPtrArray *
one_record (PbRecord *record)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (records, g_object_ref (record));
  return records;
}

/* person.save: the person's fields, in one transaction. */
static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  g_autoptr(PbRecord) record = NULL;
  g_autoptr(GPtrArray) saves = NULL;
  g_autofree char *name = NULL;
  g_autofree char *done = NULL;
  gboolean created;

  if (self->store == NULL || self->person == NULL || !pb_field_editor_is_valid (self->fields))
    return;

  record = pb_field_editor_dup_record (self->fields);
  created = pb_record_get_id (record) == 0;
  name = pb_record_dup_display_name (record);
  /* Translators: a toast after saving a person: "Kari Nordmann saved" */
  done = g_strdup_printf (created ? _("%s added") : _("%s saved"), name);
  saves = one_record (record);
  commit_change (self, saves, NULL, done, NULL);
}

/* person.cancel: back to what the register holds. */
static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);

  if (self->person == NULL)
    return;
  if (is_new (self))
    {
      pb_person_detail_set_person (self, self->store, NULL);
      return;
    }
  pb_field_editor_load (self->fields, self->person);
  update_save_bar (self);
}

/* person.undo: the newest toast's Undo. */
static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  AdwToast *toast = self->undo_toast;

  if (toast == NULL)
    toast = g_object_get_data (G_OBJECT (self), "pb-unshown-toast");
  if (toast != NULL)
    undo_toast (self, toast);
}

static const char *
saved_text (PbEntity entity,
            gboolean created)
{
  switch (entity)
    {
    case PB_ENTITY_POSITION:
      return created ? _("Position added") : _("Position saved");
    case PB_ENTITY_ABSENCE:
      return created ? _("Absence added") : _("Absence saved");
    case PB_ENTITY_SALARY:
      return created ? _("Salary added") : _("Salary saved");
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_ENTITY_EMPLOYEE:
    case PB_N_ENTITIES:
    default:
      return _("Saved");
    }
}

static gboolean
save_record_cb (PbRecordEditor  *editor,
                PbRecord        *record,
                gpointer         user_data,
                GError         **error)
{
  PbPersonDetail *self = user_data;
  g_autoptr(GPtrArray) saves = one_record (record);

  return commit_change (self, saves, NULL, saved_text (pb_record_get_entity (record), pb_record_get_id (record) == 0),
                        error);
}

static void
open_editor (PbPersonDetail *self,
             PbRecord       *record)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  PbRecordEditor *editor = pb_record_editor_new (self->store, self->person, record, save_record_cb, self);

  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (root));
  if (self->dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
  self->dialog = GTK_WINDOW (editor);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &self->dialog);
  gtk_window_present (GTK_WINDOW (editor));
}

/* person.add-record (s): a new position, absence or salary. */
static void
add_record_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  PbEntity entity = entity_for_name (g_variant_get_string (parameter, NULL));
  g_autoptr(PbRecord) record = NULL;
  g_autofree char *today = dup_today ();

  if (self->store == NULL || self->person == NULL || is_new (self) || entity == PB_N_ENTITIES)
    return;

  record = pb_record_new (entity);
  pb_record_set_parent_id (record, pb_record_get_id (self->person));
  switch (entity)
    {
    case PB_ENTITY_POSITION:
      pb_record_set (record, PB_POSITION_START_DATE, today);
      pb_record_set (record, PB_POSITION_PERCENTAGE, "100");
      pb_record_set (record, PB_POSITION_CONTRACT_TYPE, "permanent");
      break;
    case PB_ENTITY_ABSENCE:
      pb_record_set (record, PB_ABSENCE_START_DATE, today);
      pb_record_set (record, PB_ABSENCE_PERCENTAGE, "100");
      pb_record_set (record, PB_ABSENCE_STATE, "pending");
      break;
    case PB_ENTITY_SALARY:
      {
        g_autoptr(PbRecord) company = NULL;
        const char *key = pb_record_get (self->person, PB_EMPLOYEE_COMPANY);

        if (key != NULL)
          company = pb_store_find_by_key (self->store, PB_ENTITY_COMPANY, key, NULL);
        pb_record_set (record, PB_SALARY_START_DATE, today);
        pb_record_set (record, PB_SALARY_CURRENCY,
                       company != NULL && pb_record_get (company, PB_COMPANY_CURRENCY) != NULL
                       ? pb_record_get (company, PB_COMPANY_CURRENCY) : "NOK");
        pb_record_set (record, PB_SALARY_PERIOD_UNIT, "monthly");
      }
      break;
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_ENTITY_EMPLOYEE:
    case PB_N_ENTITIES:
    default:
      g_assert_not_reached ();
    }
  open_editor (self, record);
}

/* The record a "(sx)" parameter names, a copy to change. */
static PbRecord *
dup_named_record (PbPersonDetail *self,
                  GVariant       *parameter,
                  const char    **first)
{
  const char *name;
  gint64 id;
  g_autoptr(PbRecord) record = NULL;

  g_variant_get (parameter, "(&sx)", &name, &id);
  if (first != NULL)
    *first = name;
  record = find_record (self, first != NULL ? PB_ENTITY_ABSENCE : entity_for_name (name), id);
  return record != NULL ? pb_record_copy (record) : NULL;
}

/* person.edit-record ((sx)) */
static void
edit_record_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  g_autoptr(PbRecord) record = dup_named_record (self, parameter, NULL);

  if (record != NULL)
    open_editor (self, record);
}

/* person.end-record ((sx)): ends today, if the periods rule allows. */
static void
end_record_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  g_autoptr(PbRecord) record = dup_named_record (self, parameter, NULL);
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GPtrArray) saves = NULL;
  g_autofree char *today = dup_today ();
  g_autofree char *problem = NULL;
  PbEntity entity;

  if (record == NULL)
    return;

  entity = pb_record_get_entity (record);
  pb_record_set (record, entity == PB_ENTITY_POSITION ? PB_POSITION_END_DATE :
                         entity == PB_ENTITY_ABSENCE ? PB_ABSENCE_END_DATE : PB_SALARY_END_DATE, today);
  others = pb_store_list (self->store, entity, pb_record_get_id (self->person), NULL);
  problem = pb_periods_check (record, others, pb_record_get (self->person, PB_EMPLOYEE_FIRST_WORKDAY),
                              pb_record_get (self->person, PB_EMPLOYEE_LAST_WORKDAY));
  if (problem != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Nothing saved: %s"), problem);

      show_toast (self, title, NULL);
      return;
    }
  saves = one_record (record);
  commit_change (self, saves, NULL, entity == PB_ENTITY_POSITION ? _("Position ended")
                                    : entity == PB_ENTITY_ABSENCE ? _("Absence ended") : _("Salary ended"), NULL);
}

/* person.delete-record ((sx)): at once; the toast's Undo brings it back. */
static void
delete_record_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  g_autoptr(PbRecord) record = dup_named_record (self, parameter, NULL);
  g_autoptr(GPtrArray) deletes = NULL;
  PbEntity entity;

  if (record == NULL)
    return;

  entity = pb_record_get_entity (record);
  deletes = one_record (record);
  commit_change (self, NULL, deletes, entity == PB_ENTITY_POSITION ? _("Position deleted")
                                      : entity == PB_ENTITY_ABSENCE ? _("Absence deleted") : _("Salary deleted"), NULL);
}

/* person.set-absence-state ((sx)): approve, unapprove or reject. */
static void
set_absence_state_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  const char *state = NULL;
  g_autoptr(PbRecord) absence = dup_named_record (self, parameter, &state);
  g_autoptr(GPtrArray) saves = NULL;
  const char *done;

  if (absence == NULL || !g_strv_contains ((const char * const[]) { "approved", "unapproved", "rejected", NULL }, state))
    return;

  pb_record_set (absence, PB_ABSENCE_STATE, state);
  done = g_str_equal (state, "approved") ? _("Absence approved")
         : g_str_equal (state, "unapproved") ? _("Absence unapproved") : _("Absence rejected");
  saves = one_record (absence);
  commit_change (self, saves, NULL, done, NULL);
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
  refresh_idle (self);
}

/* --- deactivate and delete (SPEC U9, U10) ------------------------------------------------ */

static void
set_status (PbPersonDetail *self,
            const char     *status)
{
  g_autoptr(PbRecord) record = NULL;
  g_autoptr(GPtrArray) saves = NULL;
  g_autofree char *name = NULL;
  g_autofree char *done = NULL;

  if (self->store == NULL || self->person == NULL || is_new (self))
    return;

  record = pb_record_copy (self->person);
  pb_record_set (record, PB_EMPLOYEE_STATUS, status);
  name = pb_record_dup_display_name (record);
  done = g_str_equal (status, "deactivated") ? g_strdup_printf (_("%s deactivated"), name)
         : g_str_equal (status, "deleted") ? g_strdup_printf (_("%s deleted"), name)
         : g_strdup_printf (_("%s reactivated"), name);
  saves = one_record (record);
  commit_change (self, saves, NULL, done, NULL);
}

/**
 * pb_person_detail_dup_consequences:
 * @status: "deactivated" or "deleted"
 *
 * What the status does in each active payroll connection, as the
 * confirmation says it (SPEC U9, U10).
 *
 * Returns: (transfer full): paragraphs
 */
char *
pb_person_detail_dup_consequences (PbPersonDetail *self,
                                   const char     *status)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean deleting = g_strcmp0 (status, "deleted") == 0;
  guint n = 0;

  g_return_val_if_fail (PB_IS_PERSON_DETAIL (self), NULL);
  g_return_val_if_fail (self->person != NULL, NULL);

  g_string_append (text, deleting
                   ? _("They stay in the HR register, marked deleted, with their positions, absences and salaries.")
                   : _("They stay in the HR register, marked deactivated, and can be reactivated."));

  read_connections (self);
  for (guint i = 0; self->connections != NULL && i < self->connections->len; i++)
    {
      PbConnection *connection = g_ptr_array_index (self->connections, i);
      const char *system = system_name (connection);
      g_autofree char *remote = pb_store_find_link (self->store, connection->id, PB_ENTITY_EMPLOYEE,
                                                    pb_record_get_id (self->person));

      g_string_append (text, "\n\n");
      n++;
      if (!pb_scope_covers (connection->scope_kind, connection->scope_key, self->person))
        /* Translators: "Acme payroll: outside its scope; nothing changes in Tripletex." */
        g_string_append_printf (text, _("%s: outside its scope; nothing changes in %s."), connection->name, system);
      else if (remote == NULL)
        /* Translators: "Acme payroll: not linked; nothing of them is sent to Tripletex." */
        g_string_append_printf (text, _("%s: not linked; nothing of them is sent to %s."), connection->name, system);
      else if (deleting)
        /* Translators: "Acme payroll: they stay in Tripletex (...)" */
        g_string_append_printf (text, _("%s: they stay in %s: Paybridge never deletes anyone in payroll. "
                                        "The next Sync Users lists them as only in payroll and offers to "
                                        "recreate them in the HR register."), connection->name, system);
      else
        /* Translators: "Acme payroll: they stay in Tripletex as they are, ..." */
        g_string_append_printf (text, _("%s: they stay in %s as they are, and Paybridge sends no more "
                                        "changes of them there until they are reactivated."),
                                connection->name, system);
    }
  if (n == 0)
    g_string_append_printf (text, "\n\n%s", _("No payroll connection is active: nothing changes in payroll."));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
on_status_response_cb (PbPersonDetail   *self,
                       const char       *response,
                       AdwMessageDialog *dialog)
{
  if (g_str_equal (response, "deactivated") || g_str_equal (response, "deleted"))
    set_status (self, response);
}

static void
confirm_status (PbPersonDetail *self,
                const char     *status)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  gboolean deleting = g_str_equal (status, "deleted");

  if (self->store == NULL || self->person == NULL || is_new (self))
    return;

  name = pb_record_dup_display_name (self->person);
  heading = g_strdup_printf (deleting ? _("Delete %s?") : _("Deactivate %s?"), name);
  body = pb_person_detail_dup_consequences (self, status);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    status, deleting ? _("_Delete") : _("_Deactivate"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), status, ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_status_response_cb), self, G_CONNECT_SWAPPED);

  if (self->dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
  self->dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
deactivate_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  confirm_status (PB_PERSON_DETAIL (widget), "deactivated");
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  confirm_status (PB_PERSON_DETAIL (widget), "deleted");
}

/* Reactivating needs no confirmation: the toast's Undo takes it back. */
static void
reactivate_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_status (PB_PERSON_DETAIL (widget), "active");
}

/* --- the widget ----------------------------------------------------------------------- */

static void
pb_person_detail_dispose (GObject *object)
{
  PbPersonDetail *self = (PbPersonDetail *)object;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
      gtk_window_destroy (self->dialog);
      self->dialog = NULL;
    }
  if (self->undo_toast != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->undo_toast, self);
      self->undo_toast = NULL;
    }
  if (self->fields != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->fields, self);
      watch_store (self, NULL);
    }
  g_clear_pointer (&self->connections, g_ptr_array_unref);
  g_clear_pointer (&self->views, g_ptr_array_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_PERSON_DETAIL);

  g_clear_object (&self->fields);
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
  g_clear_pointer (&self->last_toast, g_free);

  G_OBJECT_CLASS (pb_person_detail_parent_class)->finalize (object);
}

static void
pb_person_detail_class_init (PbPersonDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_person_detail_dispose;
  object_class->finalize = pb_person_detail_finalize;

  /* The person was written (saved, added, deactivated, deleted, or a
   * change of theirs undone): the People table shows them anew. */
  signals [PERSON_SAVED] =
    g_signal_new ("person-saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-person-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, stack);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, scroller);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, avatar);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, name_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, contact_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, employment_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, details_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, details_expander);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, positions_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, absences_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, salaries_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, payroll_group);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, positions_list);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, absences_list);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, salaries_list);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, payroll_list);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, status_box);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, deactivate_button);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, reactivate_button);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, delete_button);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, save_bar);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, save_label);
  gtk_widget_class_bind_template_child (widget_class, PbPersonDetail, save_button);

  gtk_widget_class_install_action (widget_class, "person.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "person.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "person.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "person.add-record", "s", add_record_action);
  gtk_widget_class_install_action (widget_class, "person.edit-record", "(sx)", edit_record_action);
  gtk_widget_class_install_action (widget_class, "person.end-record", "(sx)", end_record_action);
  gtk_widget_class_install_action (widget_class, "person.delete-record", "(sx)", delete_record_action);
  gtk_widget_class_install_action (widget_class, "person.set-absence-state", "(sx)", set_absence_state_action);
  gtk_widget_class_install_action (widget_class, "person.resend-absence", "x", resend_absence_action);
  gtk_widget_class_install_action (widget_class, "person.deactivate", NULL, deactivate_action);
  gtk_widget_class_install_action (widget_class, "person.reactivate", NULL, reactivate_action);
  gtk_widget_class_install_action (widget_class, "person.delete", NULL, delete_action);
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

  self->fields = pb_field_editor_new (NULL, PB_ENTITY_EMPLOYEE);
  g_signal_connect_object (self->fields, "changed", G_CALLBACK (on_fields_changed_cb), self, G_CONNECT_SWAPPED);
  update_save_bar (self);
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

/* The actions that write to the register; person.save follows the fields
 * too (update_save_bar()). person.cancel only drops edits: it stays. */
static const char * const write_actions[] = {
  "person.undo", "person.add-record", "person.edit-record", "person.end-record",
  "person.delete-record", "person.set-absence-state", "person.resend-absence",
  "person.deactivate", "person.reactivate", "person.delete",
};

/**
 * pb_person_detail_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, every action of the pane that writes to the register is
 * disabled (their buttons insensitive) and the person's fields are
 * insensitive; Cancel still drops an edit made before.
 */
void
pb_person_detail_set_paused (PbPersonDetail *self,
                             gboolean        paused)
{
  g_return_if_fail (PB_IS_PERSON_DETAIL (self));

  paused = !!paused;
  if (self->paused == paused)
    return;

  self->paused = paused;
  /* "Editing is paused": the fields too, so nothing is typed that the
   * import's end would drop (the page reads the person again then). */
  gtk_widget_set_sensitive (self->contact_group, !paused);
  gtk_widget_set_sensitive (self->employment_group, !paused);
  gtk_widget_set_sensitive (self->details_group, !paused);
  for (guint i = 0; i < G_N_ELEMENTS (write_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), write_actions[i], !paused);
  update_save_bar (self);
}

/**
 * pb_person_detail_get_paused:
 *
 * Returns: whether the pane's writes are paused for an import
 */
gboolean
pb_person_detail_get_paused (PbPersonDetail *self)
{
  g_return_val_if_fail (PB_IS_PERSON_DETAIL (self), FALSE);

  return self->paused;
}

/**
 * pb_person_detail_set_person:
 * @store: (nullable): where to read @employee's positions, absences and
 *   salaries and the names of what it refers to
 * @employee: (nullable): the employee to show; %NULL for none
 *
 * Shows @employee, reading its child records from @store now. Unsaved
 * edits of the person shown before are dropped.
 */
void
pb_person_detail_set_person (PbPersonDetail *self,
                             PbStore        *store,
                             PbRecord       *employee)
{
  g_return_if_fail (PB_IS_PERSON_DETAIL (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));
  g_return_if_fail (employee == NULL || PB_IS_RECORD (employee));

  if (employee != NULL)
    ensure_field_rows (self);
  if (store != self->store)
    watch_store (self, store);
  g_clear_object (&self->person);
  if (employee != NULL)
    self->person = pb_record_copy (employee);
  g_clear_handle_id (&self->refresh_id, g_source_remove);

  if (self->person == NULL || store == NULL)
    {
      g_list_store_remove_all (self->positions);
      g_list_store_remove_all (self->absences);
      g_list_store_remove_all (self->salaries);
      update_save_bar (self);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  pb_field_editor_load (self->fields, self->person);
  refresh_idle (self);
  update_save_bar (self);

  /* A new person starts at the top, not where the last one was scrolled. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  gtk_stack_set_visible_child_name (self->stack, "person");
}

/**
 * pb_person_detail_add_person:
 *
 * Shows an empty person to fill in; Save adds them to the register
 * (PbPersonDetail::person-saved names them), Cancel drops them.
 */
void
pb_person_detail_add_person (PbPersonDetail *self,
                             PbStore        *store)
{
  g_autoptr(PbRecord) person = pb_record_new (PB_ENTITY_EMPLOYEE);

  g_return_if_fail (PB_IS_PERSON_DETAIL (self));
  g_return_if_fail (PB_IS_STORE (store));

  pb_record_set (person, PB_EMPLOYEE_STATUS, "active");
  pb_person_detail_set_person (self, store, person);
  gtk_widget_grab_focus (pb_field_editor_get_row (self->fields, PB_EMPLOYEE_GIVEN_NAME));
}

/* Once the pane is laid out: its absences at the top. */
static gboolean
scroll_to_absences_cb (GtkWidget     *widget,
                       GdkFrameClock *clock,
                       gpointer       user_data)
{
  PbPersonDetail *self = PB_PERSON_DETAIL (widget);
  GtkWidget *group = self->absences_group;
  GtkWidget *content = gtk_scrolled_window_get_child (self->scroller);
  graphene_point_t point = GRAPHENE_POINT_INIT (0, 0);
  graphene_point_t top;

  /* The group is in a box in a viewport: its place in the viewport's child. */
  if (GTK_IS_VIEWPORT (content))
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  if (content != NULL && gtk_widget_compute_point (group, content, &point, &top))
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

/* For the tests and the demo (pb-person-detail-private.h). */

PbFieldEditor *
pb_person_detail_get_fields (PbPersonDetail *self)
{
  g_return_val_if_fail (PB_IS_PERSON_DETAIL (self), NULL);

  ensure_field_rows (self);
  return self->fields;
}

GtkWindow *
pb_person_detail_get_dialog (PbPersonDetail *self)
{
  g_return_val_if_fail (PB_IS_PERSON_DETAIL (self), NULL);

  return self->dialog;
}

const char *
pb_person_detail_get_last_toast (PbPersonDetail *self)
{
  g_return_val_if_fail (PB_IS_PERSON_DETAIL (self), NULL);

  return self->last_toast;
}
