/* pb-connection-sync-editor.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionSyncEditor"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-format.h"
#include "pb-connection-sync-editor.h"
#include "pb-connections.h"

/* What a connection syncs (SPEC C4): one switch per data type. Types the
 * connector cannot sync, or that Paybridge does not send yet
 * (PB_ENGINE_SENDS), stay visible, switched off and insensitive, with the
 * reason. In the settings window, turning off a type that was on says what
 * that means (SPEC C6): nothing new is sent, and what was sent stays in
 * payroll. */

struct _PbConnectionSyncEditor
{
  GtkWidget            parent_instance;

  PbProviderClass     *klass;         /* (owned) (nullable) */
  PbDataTypes          saved_types;   /* what the saved connection syncs */
  char                *note;          /* (owned) (nullable): the C6 note shown */
  gboolean             loading;

  AdwPreferencesGroup *group;
  AdwActionRow        *users_row;
  AdwActionRow        *positions_row;
  AdwActionRow        *absence_row;
  AdwActionRow        *salary_row;
  GtkSwitch           *users_switch;
  GtkSwitch           *positions_switch;
  GtkSwitch           *absence_switch;
  GtkSwitch           *salary_switch;
  GtkWidget           *note_box;
  GtkLabel            *note_label;
};

G_DEFINE_FINAL_TYPE (PbConnectionSyncEditor, pb_connection_sync_editor, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TYPES,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static AdwActionRow *
get_row (PbConnectionSyncEditor *self,
         PbDataTypes             type)
{
  switch (type)
    {
    case PB_DATA_USERS:
      return self->users_row;
    case PB_DATA_POSITIONS:
      return self->positions_row;
    case PB_DATA_ABSENCE:
      return self->absence_row;
    case PB_DATA_SALARY:
      return self->salary_row;
    default:
      g_return_val_if_reached (NULL);
    }
}

/* How each type works, as the seed article words it. */
static char *
describe (PbDataTypes  type,
          const char  *system)
{
  switch (type)
    {
    case PB_DATA_USERS:
      return g_strdup_printf (_("Employees added in Paybridge are created in %s automatically"), system);
    case PB_DATA_POSITIONS:
      return g_strdup_printf (_("Position changes are sent to %s automatically"), system);
    case PB_DATA_ABSENCE:
      return g_strdup_printf (_("Approved absence with an end date is sent to %s as the type it is mapped to "
                                "(Mappings); changes and deletions follow"), system);
    case PB_DATA_SALARY:
      return g_strdup_printf (_("Salary is sent to %s when it is created or updated"), system);
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
update_note (PbConnectionSyncEditor *self)
{
  /* A type that was held, never sent, is not "turned off". */
  PbDataTypes offered = self->klass != NULL ? pb_connections_offered_types (self->klass) : PB_ENGINE_SENDS;
  PbDataTypes turned_off = self->saved_types & offered & ~pb_connection_sync_editor_get_types (self);

  g_clear_pointer (&self->note, g_free);

  /* SPEC C6: disabling stops new sends, updates and deletes; what was
   * already sent stays in payroll. */
  if (turned_off != 0 && self->klass != NULL)
    {
      g_autofree char *types = pb_connection_format_data_types_in_sentence (turned_off);

      self->note = g_strdup_printf (_("Turning off %s stops sending new records, changes and deletions "
                                      "of them from now on. Nothing is deleted: what was already sent "
                                      "stays in %s."),
                                    types, self->klass->display_name);
    }

  gtk_label_set_label (self->note_label, self->note);
  gtk_widget_set_visible (self->note_box, self->note != NULL);
}

static void
on_switch_active_cb (PbConnectionSyncEditor *self,
                     GParamSpec             *pspec,
                     GtkSwitch              *widget)
{
  if (self->loading)
    return;

  update_note (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TYPES]);
}

static void
pb_connection_sync_editor_dispose (GObject *object)
{
  PbConnectionSyncEditor *self = (PbConnectionSyncEditor *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTION_SYNC_EDITOR);
  g_clear_pointer (&self->klass, g_type_class_unref);

  G_OBJECT_CLASS (pb_connection_sync_editor_parent_class)->dispose (object);
}

static void
pb_connection_sync_editor_finalize (GObject *object)
{
  PbConnectionSyncEditor *self = (PbConnectionSyncEditor *)object;

  g_free (self->note);

  G_OBJECT_CLASS (pb_connection_sync_editor_parent_class)->finalize (object);
}

static void
pb_connection_sync_editor_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  PbConnectionSyncEditor *self = PB_CONNECTION_SYNC_EDITOR (object);

  switch (prop_id)
    {
    case PROP_TYPES:
      g_value_set_uint (value, pb_connection_sync_editor_get_types (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_connection_sync_editor_class_init (PbConnectionSyncEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_connection_sync_editor_dispose;
  object_class->finalize = pb_connection_sync_editor_finalize;
  object_class->get_property = pb_connection_sync_editor_get_property;

  /* The PbDataTypes switched on. */
  properties [PROP_TYPES] =
    g_param_spec_uint ("types", NULL, NULL,
                       0, PB_DATA_ALL, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connection-sync-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, users_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, positions_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, absence_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, salary_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, users_switch);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, positions_switch);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, absence_switch);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, salary_switch);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, note_box);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionSyncEditor, note_label);
  gtk_widget_class_bind_template_callback (widget_class, on_switch_active_cb);
}

static void
pb_connection_sync_editor_init (PbConnectionSyncEditor *self)
{
  GtkLayoutManager *layout;

  gtk_widget_init_template (GTK_WIDGET (self));

  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 24);
}

/**
 * pb_connection_sync_editor_set_class:
 * @klass: the connector, whose capability flags say what can be switched on
 */
void
pb_connection_sync_editor_set_class (PbConnectionSyncEditor *self,
                                     PbProviderClass        *klass)
{
  g_return_if_fail (PB_IS_CONNECTION_SYNC_EDITOR (self));
  g_return_if_fail (klass != NULL);

  if (self->klass != klass)
    {
      g_clear_pointer (&self->klass, g_type_class_unref);
      self->klass = g_type_class_ref (G_TYPE_FROM_CLASS (klass));
    }

  self->loading = TRUE;
  for (guint i = 0; i < PB_N_DATA_TYPES; i++)
    {
      PbDataTypes type = pb_connection_data_types[i];
      AdwActionRow *row = get_row (self, type);
      GtkSwitch *widget = pb_connection_sync_editor_get_switch (self, type);
      g_autoptr(GError) error = NULL;
      g_autofree char *subtitle = NULL;

      /* The reason comes from the same check that refuses to save it. */
      if (pb_connections_check_offered (klass, type, &error))
        subtitle = describe (type, klass->display_name);
      else
        {
          subtitle = g_strdup (error->message);
          gtk_switch_set_active (widget, FALSE);
        }

      adw_action_row_set_subtitle (row, subtitle);
      gtk_widget_set_sensitive (GTK_WIDGET (row), error == NULL);
    }
  self->loading = FALSE;

  update_note (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TYPES]);
}

PbDataTypes
pb_connection_sync_editor_get_types (PbConnectionSyncEditor *self)
{
  PbDataTypes types = 0;

  g_return_val_if_fail (PB_IS_CONNECTION_SYNC_EDITOR (self), 0);

  for (guint i = 0; i < PB_N_DATA_TYPES; i++)
    {
      PbDataTypes type = pb_connection_data_types[i];

      if (gtk_switch_get_active (pb_connection_sync_editor_get_switch (self, type)) &&
          gtk_widget_get_sensitive (GTK_WIDGET (get_row (self, type))))
        types |= type;
    }

  return types;
}

/**
 * pb_connection_sync_editor_set_types:
 *
 * Switches on @types (those offered: the connector supports them and the
 * engine sends them) and off the others.
 */
void
pb_connection_sync_editor_set_types (PbConnectionSyncEditor *self,
                                     PbDataTypes             types)
{
  g_return_if_fail (PB_IS_CONNECTION_SYNC_EDITOR (self));

  self->loading = TRUE;
  for (guint i = 0; i < PB_N_DATA_TYPES; i++)
    {
      PbDataTypes type = pb_connection_data_types[i];
      gboolean supported = (self->klass != NULL ? pb_connections_offered_types (self->klass) : PB_ENGINE_SENDS) & type;

      gtk_switch_set_active (pb_connection_sync_editor_get_switch (self, type), supported && (types & type));
    }
  self->loading = FALSE;

  update_note (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_TYPES]);
}

/**
 * pb_connection_sync_editor_set_saved_types:
 *
 * What the saved connection syncs: turning one of them off shows the note
 * of SPEC C6.
 */
void
pb_connection_sync_editor_set_saved_types (PbConnectionSyncEditor *self,
                                           PbDataTypes             types)
{
  g_return_if_fail (PB_IS_CONNECTION_SYNC_EDITOR (self));

  self->saved_types = types;
  update_note (self);
}

/**
 * pb_connection_sync_editor_get_note:
 *
 * Returns: (nullable): what turning types off means, while a type that
 *   was on is off
 */
const char *
pb_connection_sync_editor_get_note (PbConnectionSyncEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SYNC_EDITOR (self), NULL);

  return self->note;
}

/**
 * pb_connection_sync_editor_get_switch:
 *
 * Returns: (transfer none): the switch of @type
 */
GtkSwitch *
pb_connection_sync_editor_get_switch (PbConnectionSyncEditor *self,
                                      PbDataTypes             type)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SYNC_EDITOR (self), NULL);

  switch (type)
    {
    case PB_DATA_USERS:
      return self->users_switch;
    case PB_DATA_POSITIONS:
      return self->positions_switch;
    case PB_DATA_ABSENCE:
      return self->absence_switch;
    case PB_DATA_SALARY:
      return self->salary_switch;
    default:
      g_return_val_if_reached (NULL);
    }
}
