/* pb-record-editor.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbRecordEditor"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-periods.h"
#include "pb-record-editor.h"

/* A dialog that adds or edits one position, absence or salary of a
 * person. Its fields are checked as the administrator types (the
 * import's checks), and the periods rule (pb_periods_check(): no overlap
 * with the person's other records of the kind, within the employment) as
 * soon as the dates are valid: Save is insensitive while either fails,
 * and the clash is named above the fields. Save hands the record to the
 * caller, which writes it. */
struct _PbRecordEditor
{
  AdwWindow               parent_instance;

  PbStore                *store;      /* (owned) */
  PbRecord               *employee;   /* (owned) */
  PbFieldEditor          *fields;     /* (owned) */
  PbRecordEditorSaveFunc  save_func;
  gpointer                user_data;
  char                   *problem;    /* (owned) (nullable) */

  AdwWindowTitle         *window_title;
  GtkWidget              *save_button;
  GtkLabel               *problem_label;
  AdwPreferencesGroup    *group;
};

G_DEFINE_FINAL_TYPE (PbRecordEditor, pb_record_editor, ADW_TYPE_WINDOW)

static const struct
{
  PbEntity    entity;
  guint       field;
  const char *title;
} editor_fields[] = {
  { PB_ENTITY_POSITION, PB_POSITION_TITLE, N_("Title") },
  { PB_ENTITY_POSITION, PB_POSITION_START_DATE, N_("Start Date") },
  { PB_ENTITY_POSITION, PB_POSITION_END_DATE, N_("End Date") },
  { PB_ENTITY_POSITION, PB_POSITION_PERCENTAGE, N_("Percentage") },
  { PB_ENTITY_POSITION, PB_POSITION_CONTRACT_TYPE, N_("Contract") },
  { PB_ENTITY_POSITION, PB_POSITION_END_REASON, N_("End Reason") },
  { PB_ENTITY_ABSENCE, PB_ABSENCE_TYPE, N_("Type") },
  { PB_ENTITY_ABSENCE, PB_ABSENCE_START_DATE, N_("Start Date") },
  { PB_ENTITY_ABSENCE, PB_ABSENCE_END_DATE, N_("End Date") },
  { PB_ENTITY_ABSENCE, PB_ABSENCE_PERCENTAGE, N_("Percentage") },
  { PB_ENTITY_ABSENCE, PB_ABSENCE_STATE, N_("State") },
  { PB_ENTITY_ABSENCE, PB_ABSENCE_NOTE, N_("Note") },
  { PB_ENTITY_SALARY, PB_SALARY_AMOUNT, N_("Amount") },
  { PB_ENTITY_SALARY, PB_SALARY_CURRENCY, N_("Currency") },
  { PB_ENTITY_SALARY, PB_SALARY_PERIOD_UNIT, N_("Per") },
  { PB_ENTITY_SALARY, PB_SALARY_START_DATE, N_("Start Date") },
  { PB_ENTITY_SALARY, PB_SALARY_END_DATE, N_("End Date") },
  { PB_ENTITY_SALARY, PB_SALARY_NOTE, N_("Note") },
};

static const char *
dialog_title (PbEntity entity,
              gboolean is_new)
{
  switch (entity)
    {
    case PB_ENTITY_POSITION:
      return is_new ? _("New Position") : _("Edit Position");
    case PB_ENTITY_ABSENCE:
      return is_new ? _("New Absence") : _("Edit Absence");
    case PB_ENTITY_SALARY:
      return is_new ? _("New Salary") : _("Edit Salary");
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
    case PB_ENTITY_EMPLOYEE:
    case PB_N_ENTITIES:
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
set_problem (PbRecordEditor *self,
             const char     *problem)
{
  g_free (self->problem);
  self->problem = g_strdup (problem);
  gtk_label_set_label (self->problem_label, problem != NULL ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), problem != NULL);
}

/* The periods rule, once every field is fine. */
static void
check_periods (PbRecordEditor *self)
{
  g_autoptr(PbRecord) record = NULL;
  g_autoptr(GPtrArray) others = NULL;
  g_autofree char *problem = NULL;

  if (!pb_field_editor_is_valid (self->fields))
    {
      set_problem (self, NULL);
      return;
    }

  record = pb_field_editor_dup_record (self->fields);
  others = pb_store_list (self->store, pb_record_get_entity (record), pb_record_get_id (self->employee), NULL);
  problem = pb_periods_check (record, others,
                              pb_record_get (self->employee, PB_EMPLOYEE_FIRST_WORKDAY),
                              pb_record_get (self->employee, PB_EMPLOYEE_LAST_WORKDAY));
  set_problem (self, problem);
}

static void
on_fields_changed_cb (PbRecordEditor *self,
                      PbFieldEditor  *fields)
{
  check_periods (self);
  gtk_widget_set_sensitive (self->save_button, pb_record_editor_can_save (self));
}

static void
on_save_clicked_cb (PbRecordEditor *self,
                    GtkButton      *button)
{
  pb_record_editor_save (self);
}

static void
pb_record_editor_dispose (GObject *object)
{
  PbRecordEditor *self = (PbRecordEditor *)object;

  if (self->fields != NULL)
    g_signal_handlers_disconnect_by_data (self->fields, self);
  g_clear_object (&self->fields);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_RECORD_EDITOR);

  g_clear_object (&self->employee);
  g_clear_object (&self->store);
  g_clear_pointer (&self->problem, g_free);

  G_OBJECT_CLASS (pb_record_editor_parent_class)->dispose (object);
}

static void
pb_record_editor_class_init (PbRecordEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_record_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-record-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, PbRecordEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, PbRecordEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, PbRecordEditor, problem_label);
  gtk_widget_class_bind_template_child (widget_class, PbRecordEditor, group);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pb_record_editor_init (PbRecordEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * pb_record_editor_new:
 * @employee: whose record it is
 * @record: the position, absence or salary to edit; id 0 for a new one
 * @save_func: writes the record when the administrator saves
 */
PbRecordEditor *
pb_record_editor_new (PbStore                *store,
                      PbRecord               *employee,
                      PbRecord               *record,
                      PbRecordEditorSaveFunc  save_func,
                      gpointer                user_data)
{
  PbRecordEditor *self;
  PbEntity entity;
  g_autofree char *name = NULL;

  g_return_val_if_fail (PB_IS_STORE (store), NULL);
  g_return_val_if_fail (PB_IS_RECORD (employee), NULL);
  g_return_val_if_fail (PB_IS_RECORD (record), NULL);

  entity = pb_record_get_entity (record);
  self = g_object_new (PB_TYPE_RECORD_EDITOR, NULL);
  self->store = g_object_ref (store);
  self->employee = g_object_ref (employee);
  self->save_func = save_func;
  self->user_data = user_data;
  self->fields = pb_field_editor_new (store, entity);

  for (guint i = 0; i < G_N_ELEMENTS (editor_fields); i++)
    if (editor_fields[i].entity == entity)
      pb_field_editor_add (self->fields, GTK_WIDGET (self->group), editor_fields[i].field,
                           _(editor_fields[i].title));

  name = pb_record_dup_display_name (employee);
  adw_window_title_set_title (self->window_title, dialog_title (entity, pb_record_get_id (record) == 0));
  adw_window_title_set_subtitle (self->window_title, name);
  gtk_window_set_title (GTK_WINDOW (self), dialog_title (entity, pb_record_get_id (record) == 0));

  g_signal_connect_object (self->fields, "changed", G_CALLBACK (on_fields_changed_cb), self, G_CONNECT_SWAPPED);
  pb_field_editor_load (self->fields, record);
  on_fields_changed_cb (self, self->fields);

  return self;
}

PbFieldEditor *
pb_record_editor_get_fields (PbRecordEditor *self)
{
  g_return_val_if_fail (PB_IS_RECORD_EDITOR (self), NULL);

  return self->fields;
}

/**
 * pb_record_editor_get_problem:
 *
 * Returns: (nullable): what the periods rule says of the record, shown
 *   above the fields
 */
const char *
pb_record_editor_get_problem (PbRecordEditor *self)
{
  g_return_val_if_fail (PB_IS_RECORD_EDITOR (self), NULL);

  return self->problem;
}

gboolean
pb_record_editor_can_save (PbRecordEditor *self)
{
  g_return_val_if_fail (PB_IS_RECORD_EDITOR (self), FALSE);

  return pb_field_editor_is_valid (self->fields) && self->problem == NULL;
}

/**
 * pb_record_editor_save:
 *
 * What Save does: checks the record once more and hands it to the save
 * function; the dialog closes when that wrote it, and otherwise shows
 * why not.
 *
 * Returns: whether the record was written
 */
gboolean
pb_record_editor_save (PbRecordEditor *self)
{
  g_autoptr(PbRecord) record = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PB_IS_RECORD_EDITOR (self), FALSE);

  check_periods (self);
  if (!pb_record_editor_can_save (self))
    return FALSE;

  record = pb_field_editor_dup_record (self->fields);
  pb_record_set_parent_id (record, pb_record_get_id (self->employee));
  if (!self->save_func (self, record, self->user_data, &error))
    {
      set_problem (self, error->message);
      return FALSE;
    }

  gtk_window_destroy (GTK_WINDOW (self));
  return TRUE;
}
