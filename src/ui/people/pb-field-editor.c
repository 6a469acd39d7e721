/* pb-field-editor.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbFieldEditor"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-field-editor.h"
#include "pb-format.h"
#include "pb-validate.h"

/* The editable rows of one record: an AdwEntryRow per text, date or
 * number field (dates with a calendar to pick from), an AdwComboRow per
 * choice or reference to a company, location, team or absence type. Each
 * value is checked as the administrator types, with the same checks the
 * import makes (pb_field_check()), and a failing one shows its message in
 * a row right under the field. The record's rows are rows of lists the
 * caller owns (an AdwPreferencesGroup or an AdwExpanderRow), one row per
 * field of the register's definition: so they are made here, in C.
 *
 * PbFieldEditor::changed says a value or a message changed. */

typedef struct
{
  PbFieldEditor *self;
  guint          field;
  char          *title;
  GtkWidget     *row;          /* AdwEntryRow or AdwComboRow */
  GtkWidget     *error_row;    /* AdwPreferencesRow holding error_label */
  GtkLabel      *error_label;
  GtkCalendar   *calendar;     /* (nullable) dates */
  GtkPopover    *popover;
  GPtrArray     *keys;         /* (nullable) combo position -> value (NULL: none) */
  char          *value;        /* canonical, NULL when empty or in error */
  char          *message;      /* (nullable) what is wrong with the text */
  char          *problem;      /* (nullable) set by the caller: a rule across fields */
} Slot;

struct _PbFieldEditor
{
  GObject     parent_instance;

  PbStore    *store;      /* (owned) (nullable) */
  PbEntity    entity;
  PbRecord   *original;   /* (owned) (nullable) */
  GPtrArray  *slots;      /* (owned) of Slot */
  gboolean    loading;
};

G_DEFINE_FINAL_TYPE (PbFieldEditor, pb_field_editor, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void
slot_free (Slot *slot)
{
  g_clear_pointer (&slot->keys, g_ptr_array_unref);
  g_free (slot->title);
  g_free (slot->value);
  g_free (slot->message);
  g_free (slot->problem);
  g_free (slot);
}

static Slot *
find_slot (PbFieldEditor *self,
           guint          field)
{
  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      if (slot->field == field)
        return slot;
    }
  return NULL;
}

static const PbFieldDef *
slot_def (Slot *slot)
{
  return &pb_entity_get_def (slot->self->entity)->fields[slot->field];
}

static gboolean
is_combo (const PbFieldDef *def)
{
  return def->type == PB_FIELD_CHOICE || (def->type == PB_FIELD_REF && def->ref != PB_ENTITY_EMPLOYEE);
}

/* The words for a choice the register keeps as a key. */
static char *
dup_choice_label (const char *choice)
{
  if (g_strcmp0 (choice, "monthly") == 0)
    return g_strdup (_("Monthly"));
  if (g_strcmp0 (choice, "yearly") == 0)
    return g_strdup (_("Yearly"));
  if (g_strcmp0 (choice, "hourly") == 0)
    return g_strdup (_("Hourly"));
  if (g_strv_contains ((const char * const[]) { "permanent", "temporary", "freelance", NULL }, choice))
    return g_strdup (pb_format_contract_type (choice));
  if (g_strv_contains ((const char * const[]) { "pending", "approved", "unapproved", "rejected", NULL }, choice))
    return g_strdup (pb_format_absence_state (choice));
  if (g_strv_contains ((const char * const[]) { "active", "deactivated", "deleted", NULL }, choice))
    return g_strdup (pb_format_employee_status (choice));
  {
    /* "contract_expired" -> "Contract expired" */
    g_autofree char *spaced = g_strdelimit (g_strdup (choice), "_", ' ');
    g_autofree char *first = g_utf8_strup (spaced, 1);

    return g_strconcat (first, spaced + 1, NULL);
  }
}

/* The message under the field: the field's title, then what is wrong. */
static char *
dup_shown_message (Slot       *slot,
                   const char *message)
{
  /* The import's words start lower-case after the field's name
   * ("is required", "is longer than 32 characters"). */
  if (g_str_has_prefix (message, "is ") || g_str_has_prefix (message, "has "))
    /* Translators: a field's title and what is wrong with its value: "Phone is longer than 32 characters" */
    return g_strdup_printf (_("%s %s"), slot->title, message);
  return g_strdup (message);
}

static void
show_message (Slot *slot)
{
  const char *message = slot->message != NULL ? slot->message : slot->problem;

  if (message != NULL)
    {
      g_autofree char *shown = dup_shown_message (slot, message);

      gtk_label_set_label (slot->error_label, shown);
      gtk_widget_add_css_class (slot->row, "error");
    }
  else
    gtk_widget_remove_css_class (slot->row, "error");
  gtk_widget_set_visible (slot->error_row, message != NULL);
}

/* Checks @text as the import would, keeping the canonical value. */
static void
check_text (Slot       *slot,
            const char *text)
{
  const PbFieldDef *def = slot_def (slot);
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *canonical = NULL;
  g_autofree char *message = NULL;

  g_clear_pointer (&slot->value, g_free);
  g_clear_pointer (&slot->message, g_free);

  if (*trimmed == '\0')
    {
      if (def->flags & PB_FIELD_FLAG_REQUIRED)
        slot->message = g_strdup (_("is required"));
      return;
    }

  if (def->type == PB_FIELD_REF && def->ref == PB_ENTITY_EMPLOYEE)
    {
      g_autoptr(PbRecord) someone = NULL;

      if (!pb_validate_email (trimmed, &message))
        {
          slot->message = g_steal_pointer (&message);
          return;
        }
      if (slot->self->store == NULL)
        {
          slot->value = g_strdup (trimmed);
          return;
        }
      someone = pb_store_find_employee (slot->self->store, NULL, trimmed, NULL);
      if (someone == NULL)
        {
          slot->message = g_strdup_printf (_("No one in the HR register has the email “%s”"), trimmed);
          return;
        }
      slot->value = g_strdup (pb_record_get (someone, PB_EMPLOYEE_EMAIL));
      return;
    }

  if (!pb_field_check (def, trimmed, &canonical, &message))
    {
      slot->message = g_steal_pointer (&message);
      return;
    }
  slot->value = g_steal_pointer (&canonical);
}

static void
emit_changed (PbFieldEditor *self)
{
  if (!self->loading)
    g_signal_emit (self, signals [CHANGED], 0);
}

static void
on_entry_changed_cb (GtkEditable *editable,
                     Slot        *slot)
{
  check_text (slot, gtk_editable_get_text (editable));
  show_message (slot);
  emit_changed (slot->self);
}

static void
on_combo_selected_cb (AdwComboRow *row,
                      GParamSpec  *pspec,
                      Slot        *slot)
{
  guint selected = adw_combo_row_get_selected (row);

  g_clear_pointer (&slot->value, g_free);
  g_clear_pointer (&slot->message, g_free);
  if (slot->keys != NULL && selected < slot->keys->len)
    slot->value = g_strdup (g_ptr_array_index (slot->keys, selected));
  if (slot->value == NULL && (slot_def (slot)->flags & PB_FIELD_FLAG_REQUIRED))
    slot->message = g_strdup (_("is required"));
  show_message (slot);
  emit_changed (slot->self);
}

static void
on_day_selected_cb (GtkCalendar *calendar,
                    Slot        *slot)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *text = g_date_time_format (date, "%Y-%m-%d");

  gtk_editable_set_text (GTK_EDITABLE (slot->row), text);
  gtk_popover_popdown (slot->popover);
}

/* The calendar opens on the date typed, or today. */
static void
on_popover_show_cb (GtkPopover *popover,
                    Slot       *slot)
{
  int y, m, d;
  g_autoptr(GDateTime) date = NULL;

  if (slot->value != NULL && sscanf (slot->value, "%d-%d-%d", &y, &m, &d) == 3)
    date = g_date_time_new_local (y, m, d, 0, 0, 0);
  if (date == NULL)
    date = g_date_time_new_now_local ();
  g_signal_handlers_block_by_func (slot->calendar, on_day_selected_cb, slot);
  gtk_calendar_select_day (slot->calendar, date);
  g_signal_handlers_unblock_by_func (slot->calendar, on_day_selected_cb, slot);
}

/* The choices of a combo row: a choice field's, or the records a
 * reference may point at (by name), with "None" first when optional. */
static GtkStringList *
fill_choices (Slot *slot)
{
  const PbFieldDef *def = slot_def (slot);
  GtkStringList *model = gtk_string_list_new (NULL);

  g_clear_pointer (&slot->keys, g_ptr_array_unref);
  slot->keys = g_ptr_array_new_with_free_func (g_free);

  if (!(def->flags & PB_FIELD_FLAG_REQUIRED) || def->type == PB_FIELD_REF)
    {
      gtk_string_list_append (model, _("None"));
      g_ptr_array_add (slot->keys, NULL);
    }

  if (def->type == PB_FIELD_CHOICE)
    for (guint i = 0; def->choices[i] != NULL; i++)
      {
        g_autofree char *label = dup_choice_label (def->choices[i]);

        gtk_string_list_append (model, label);
        g_ptr_array_add (slot->keys, g_strdup (def->choices[i]));
      }
  else
    {
      g_autoptr(GPtrArray) records = NULL;

      if (slot->self->store != NULL)
        records = pb_store_list (slot->self->store, def->ref, 0, NULL);

      for (guint i = 0; records != NULL && i < records->len; i++)
        {
          PbRecord *record = g_ptr_array_index (records, i);
          g_autofree char *name = pb_record_dup_display_name (record);

          /* Companies, locations, teams and absence types: the key first. */
          gtk_string_list_append (model, name);
          g_ptr_array_add (slot->keys, g_strdup (pb_record_get (record, 0)));
        }
    }

  return model;
}

static guint
find_choice (Slot       *slot,
             const char *value)
{
  for (guint i = 0; slot->keys != NULL && i < slot->keys->len; i++)
    if (g_strcmp0 (g_ptr_array_index (slot->keys, i), value) == 0)
      return i;

  return GTK_INVALID_LIST_POSITION;
}

static void
pb_field_editor_dispose (GObject *object)
{
  PbFieldEditor *self = (PbFieldEditor *)object;

  /* The rows outlive the editor when their list does: cut them loose. */
  for (guint i = 0; self->slots != NULL && i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      g_signal_handlers_disconnect_by_data (slot->row, slot);
      if (slot->calendar != NULL)
        {
          g_signal_handlers_disconnect_by_data (slot->calendar, slot);
          g_signal_handlers_disconnect_by_data (slot->popover, slot);
        }
      g_clear_object (&slot->row);
      g_clear_object (&slot->error_row);
    }
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  g_clear_object (&self->original);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_field_editor_parent_class)->dispose (object);
}

static void
pb_field_editor_class_init (PbFieldEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pb_field_editor_dispose;

  signals [CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
pb_field_editor_init (PbFieldEditor *self)
{
  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) slot_free);
}

/**
 * pb_field_editor_new:
 * @store: (nullable): where references are looked up
 * @entity: what kind of record the rows edit
 */
PbFieldEditor *
pb_field_editor_new (PbStore  *store,
                     PbEntity  entity)
{
  PbFieldEditor *self;

  g_return_val_if_fail (store == NULL || PB_IS_STORE (store), NULL);

  self = g_object_new (PB_TYPE_FIELD_EDITOR, NULL);
  g_set_object (&self->store, store);
  self->entity = entity;
  return self;
}

/* References are looked up in @store from the next load on. */
void
pb_field_editor_set_store (PbFieldEditor *self,
                           PbStore       *store)
{
  g_return_if_fail (PB_IS_FIELD_EDITOR (self));
  g_return_if_fail (store == NULL || PB_IS_STORE (store));

  g_set_object (&self->store, store);
}

/**
 * pb_field_editor_add:
 * @container: an AdwPreferencesGroup or an AdwExpanderRow
 * @field: the field of the editor's entity
 * @title: the row's title
 *
 * Adds the field's row, and the row its message shows in, to @container.
 */
void
pb_field_editor_add (PbFieldEditor *self,
                     GtkWidget     *container,
                     guint          field,
                     const char    *title)
{
  const PbFieldDef *def;
  Slot *slot;
  GtkWidget *label;

  g_return_if_fail (PB_IS_FIELD_EDITOR (self));
  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (container) || ADW_IS_EXPANDER_ROW (container));
  g_return_if_fail (field < pb_entity_get_def (self->entity)->n_fields);

  def = &pb_entity_get_def (self->entity)->fields[field];
  slot = g_new0 (Slot, 1);
  slot->self = self;
  slot->field = field;
  slot->title = g_strdup (title);

  if (is_combo (def))
    {
      g_autoptr(GtkStringList) model = fill_choices (slot);

      slot->row = adw_combo_row_new ();
      adw_combo_row_set_model (ADW_COMBO_ROW (slot->row), G_LIST_MODEL (model));
      g_signal_connect (slot->row, "notify::selected", G_CALLBACK (on_combo_selected_cb), slot);
    }
  else
    {
      slot->row = adw_entry_row_new ();
      g_signal_connect (slot->row, "changed", G_CALLBACK (on_entry_changed_cb), slot);

      if (def->type == PB_FIELD_DATE)
        {
          GtkWidget *button = gtk_menu_button_new ();

          slot->calendar = GTK_CALENDAR (gtk_calendar_new ());
          slot->popover = GTK_POPOVER (gtk_popover_new ());
          gtk_popover_set_child (slot->popover, GTK_WIDGET (slot->calendar));
          gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), GTK_WIDGET (slot->popover));
          gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "x-office-calendar-symbolic");
          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (button, _("Pick a date"));
          gtk_widget_add_css_class (button, "flat");
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (slot->row), button);
          g_signal_connect (slot->calendar, "day-selected", G_CALLBACK (on_day_selected_cb), slot);
          g_signal_connect (slot->popover, "show", G_CALLBACK (on_popover_show_cb), slot);
        }
      if (def->type == PB_FIELD_EMAIL || (def->type == PB_FIELD_REF && def->ref == PB_ENTITY_EMPLOYEE))
        adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (slot->row), GTK_INPUT_PURPOSE_EMAIL);
      else if (def->type == PB_FIELD_PERCENT || def->type == PB_FIELD_AMOUNT)
        adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (slot->row), GTK_INPUT_PURPOSE_NUMBER);
      else if (field == PB_EMPLOYEE_PHONE && self->entity == PB_ENTITY_EMPLOYEE)
        adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (slot->row), GTK_INPUT_PURPOSE_PHONE);
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (slot->row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (slot->row), title);
  gtk_widget_set_name (slot->row, def->name);
  g_object_ref_sink (slot->row);

  /* The message: a row of its own right under the field. */
  slot->error_row = adw_preferences_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (slot->error_row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (slot->error_row), FALSE);
  gtk_widget_set_visible (slot->error_row, FALSE);
  gtk_widget_add_css_class (slot->error_row, "field-error");
  label = gtk_label_new (NULL);
  slot->error_label = GTK_LABEL (label);
  gtk_label_set_wrap (slot->error_label, TRUE);
  gtk_label_set_wrap_mode (slot->error_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (slot->error_label, 0);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_add_css_class (label, "caption");
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (slot->error_row), label);
  g_object_ref_sink (slot->error_row);

  if (ADW_IS_PREFERENCES_GROUP (container))
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (container), slot->row);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (container), slot->error_row);
    }
  else
    {
      adw_expander_row_add_row (ADW_EXPANDER_ROW (container), slot->row);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (container), slot->error_row);
    }

  g_ptr_array_add (self->slots, slot);
}

/**
 * pb_field_editor_load:
 * @record: the record to edit (a copy is kept); a new one has id 0
 *
 * Fills the rows with @record's values and clears every message.
 */
void
pb_field_editor_load (PbFieldEditor *self,
                      PbRecord      *record)
{
  g_return_if_fail (PB_IS_FIELD_EDITOR (self));
  g_return_if_fail (PB_IS_RECORD (record));
  g_return_if_fail (pb_record_get_entity (record) == self->entity);

  g_clear_object (&self->original);
  self->original = pb_record_copy (record);

  self->loading = TRUE;
  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);
      const char *value = pb_record_get (record, slot->field);

      g_clear_pointer (&slot->problem, g_free);
      if (ADW_IS_COMBO_ROW (slot->row))
        {
          /* References may have gained records since the rows were made. */
          if (slot_def (slot)->type == PB_FIELD_REF)
            {
              g_autoptr(GtkStringList) model = fill_choices (slot);

              adw_combo_row_set_model (ADW_COMBO_ROW (slot->row), G_LIST_MODEL (model));
            }
          adw_combo_row_set_selected (ADW_COMBO_ROW (slot->row), find_choice (slot, value));
          on_combo_selected_cb (ADW_COMBO_ROW (slot->row), NULL, slot);
        }
      else
        {
          gtk_editable_set_text (GTK_EDITABLE (slot->row), value != NULL ? value : "");
          /* set_text does not say "changed" when the text is the same. */
          on_entry_changed_cb (GTK_EDITABLE (slot->row), slot);
        }
    }
  self->loading = FALSE;
}

/**
 * pb_field_editor_dup_record:
 *
 * Returns: (transfer full): the loaded record with the values the rows
 *   hold now (canonical); fields in error keep the loaded value
 */
PbRecord *
pb_field_editor_dup_record (PbFieldEditor *self)
{
  PbRecord *record;

  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), NULL);
  g_return_val_if_fail (self->original != NULL, NULL);

  record = pb_record_copy (self->original);
  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      if (slot->message == NULL)
        pb_record_set (record, slot->field, slot->value);
    }
  return record;
}

/**
 * pb_field_editor_get_original:
 *
 * Returns: (transfer none) (nullable): the record as loaded
 */
PbRecord *
pb_field_editor_get_original (PbFieldEditor *self)
{
  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), NULL);

  return self->original;
}

/* Whether no field has a message. */
gboolean
pb_field_editor_is_valid (PbFieldEditor *self)
{
  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), FALSE);

  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      if (slot->message != NULL || slot->problem != NULL)
        return FALSE;
    }
  return TRUE;
}

/* Whether any row holds something other than the loaded value. */
gboolean
pb_field_editor_is_changed (PbFieldEditor *self)
{
  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), FALSE);

  if (self->original == NULL)
    return FALSE;

  for (guint i = 0; i < self->slots->len; i++)
    {
      Slot *slot = g_ptr_array_index (self->slots, i);

      if (slot->message != NULL || g_strcmp0 (slot->value, pb_record_get (self->original, slot->field)) != 0)
        return TRUE;
    }
  return FALSE;
}

GtkWidget *
pb_field_editor_get_row (PbFieldEditor *self,
                         guint          field)
{
  Slot *slot;

  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), NULL);

  slot = find_slot (self, field);
  return slot != NULL ? slot->row : NULL;
}

/**
 * pb_field_editor_get_message:
 *
 * Returns: (nullable): the message shown under the field
 */
const char *
pb_field_editor_get_message (PbFieldEditor *self,
                             guint          field)
{
  Slot *slot;

  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), NULL);

  slot = find_slot (self, field);
  if (slot == NULL || !gtk_widget_get_visible (slot->error_row))
    return NULL;
  return gtk_label_get_label (slot->error_label);
}

/**
 * pb_field_editor_set_problem:
 * @message: (nullable): what is wrong across fields (the last workday
 *   before the first), or %NULL
 *
 * Shows @message under the field while its own value is fine.
 */
void
pb_field_editor_set_problem (PbFieldEditor *self,
                             guint          field,
                             const char    *message)
{
  Slot *slot;

  g_return_if_fail (PB_IS_FIELD_EDITOR (self));

  slot = find_slot (self, field);
  g_return_if_fail (slot != NULL);

  if (g_strcmp0 (slot->problem, message) == 0)
    return;
  g_free (slot->problem);
  slot->problem = g_strdup (message);
  show_message (slot);
}

/**
 * pb_field_editor_set_text:
 *
 * Types @text into the field's row, or picks the choice whose value (not
 * label) it is, as the administrator would.
 *
 * Returns: whether the row took it (a combo row has such a choice)
 */
gboolean
pb_field_editor_set_text (PbFieldEditor *self,
                          guint          field,
                          const char    *text)
{
  Slot *slot;

  g_return_val_if_fail (PB_IS_FIELD_EDITOR (self), FALSE);

  slot = find_slot (self, field);
  g_return_val_if_fail (slot != NULL, FALSE);

  if (ADW_IS_COMBO_ROW (slot->row))
    {
      guint position = find_choice (slot, text);

      if (position == GTK_INVALID_LIST_POSITION)
        return FALSE;
      adw_combo_row_set_selected (ADW_COMBO_ROW (slot->row), position);
      return TRUE;
    }

  gtk_editable_set_text (GTK_EDITABLE (slot->row), text);
  return TRUE;
}
