/* pb-mapping-row.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMappingRow"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-mapping-row.h"

/* One HR absence type in the Mappings view: its name, and a drop-down of
 * "Do not sync" and payroll's types as last read (SPEC A2). A type nobody
 * decided on yet also offers "Not mapped", which it shows with a warning:
 * absences of that type are never sent. A mapping to a type payroll no
 * longer lists stays chosen, named as gone.
 *
 * The row saves nothing: choosing an item emits ::chosen, and the page
 * saves it, or asks first (A5) and calls pb_mapping_row_reset() when the
 * administrator cancels. */

typedef struct
{
  PbMappingState  state;
  char           *remote_type;   /* (nullable) MAPPED only */
} Item;

struct _PbMappingRow
{
  AdwComboRow       parent_instance;

  PbAbsenceMapping *mapping;    /* (owned) (nullable): as the store has it */
  GArray           *items;      /* of Item, one per entry of the model */
  GtkImage         *icon;
  guint             updating;   /* > 0: a selection set here, not by the user */
};

G_DEFINE_FINAL_TYPE (PbMappingRow, pb_mapping_row, ADW_TYPE_COMBO_ROW)

enum {
  CHOSEN,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void
item_clear (Item *item)
{
  g_clear_pointer (&item->remote_type, g_free);
}

static PbAbsenceMapping *
mapping_copy (const PbAbsenceMapping *mapping)
{
  PbAbsenceMapping *copy = g_new0 (PbAbsenceMapping, 1);

  copy->absence_type_id = mapping->absence_type_id;
  copy->key = g_strdup (mapping->key);
  copy->name = g_strdup (mapping->name);
  copy->state = mapping->state;
  copy->remote_type = g_strdup (mapping->remote_type);
  copy->remote_name = g_strdup (mapping->remote_name);
  copy->changed_at = g_strdup (mapping->changed_at);
  copy->sent = mapping->sent;
  return copy;
}

static void
set_icon_style (PbMappingRow *self,
                const char   *icon_name,
                const char   *style)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->icon), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->icon), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (self->icon), icon_name != NULL);
  if (icon_name != NULL)
    gtk_image_set_from_icon_name (self->icon, icon_name);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->icon), style);
}

static void
update_subtitle (PbMappingRow *self)
{
  const PbAbsenceMapping *mapping = self->mapping;
  g_autofree char *subtitle = NULL;
  g_autofree char *sent = NULL;

  if (mapping->sent > 0)
    sent = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " absence sent to payroll",
                                         "%" G_GINT64_FORMAT " absences sent to payroll", mapping->sent),
                            mapping->sent);

  gtk_widget_remove_css_class (GTK_WIDGET (self), "mapping-unmapped");
  switch (mapping->state)
    {
    case PB_MAPPING_UNMAPPED:
      subtitle = g_strdup (_("Not mapped: absences of this type are never sent"));
      set_icon_style (self, "dialog-warning-symbolic", "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self), "mapping-unmapped");
      break;

    case PB_MAPPING_EXCLUDED:
      subtitle = g_strdup (_("Never sent"));
      set_icon_style (self, "action-unavailable-symbolic", "dim-label");
      break;

    case PB_MAPPING_MAPPED:
    default:
      if (mapping->remote_name == NULL)
        {
          /* Translators: a payroll type that was mapped, and that the
           * payroll system did not list when its types were last read */
          subtitle = g_strdup_printf (_("“%s” is no longer among payroll’s types"), mapping->remote_type);
          set_icon_style (self, "dialog-warning-symbolic", "warning");
        }
      else
        {
          subtitle = g_strdup (sent);
          set_icon_style (self, "emblem-ok-symbolic", "dim-label");
          g_clear_pointer (&sent, g_free);
        }
      break;
    }

  if (sent != NULL)
    {
      char *longer = g_strdup_printf ("%s · %s", subtitle, sent);

      g_free (subtitle);
      subtitle = longer;
    }

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle != NULL ? subtitle : "");
}

static guint
find_item (PbMappingRow   *self,
           PbMappingState  state,
           const char     *remote_type)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = &g_array_index (self->items, Item, i);

      if (item->state == state && g_strcmp0 (item->remote_type, remote_type) == 0)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

static void
select_current (PbMappingRow *self)
{
  self->updating++;
  adw_combo_row_set_selected (ADW_COMBO_ROW (self),
                              find_item (self, self->mapping->state, self->mapping->remote_type));
  self->updating--;
}

static void
on_selected_cb (PbMappingRow *self,
                GParamSpec   *pspec,
                gpointer      user_data)
{
  guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (self));
  Item *item;

  if (self->updating > 0 || self->mapping == NULL || selected >= self->items->len)
    return;

  item = &g_array_index (self->items, Item, selected);
  if (item->state == self->mapping->state && g_strcmp0 (item->remote_type, self->mapping->remote_type) == 0)
    return;

  g_signal_emit (self, signals [CHOSEN], 0, (guint) item->state, item->remote_type);
}

static void
pb_mapping_row_dispose (GObject *object)
{
  PbMappingRow *self = (PbMappingRow *)object;

  g_clear_pointer (&self->mapping, pb_absence_mapping_free);

  G_OBJECT_CLASS (pb_mapping_row_parent_class)->dispose (object);
}

static void
pb_mapping_row_finalize (GObject *object)
{
  PbMappingRow *self = (PbMappingRow *)object;

  g_array_unref (self->items);

  G_OBJECT_CLASS (pb_mapping_row_parent_class)->finalize (object);
}

static void
pb_mapping_row_class_init (PbMappingRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pb_mapping_row_dispose;
  object_class->finalize = pb_mapping_row_finalize;

  /**
   * PbMappingRow::chosen:
   * @state: a #PbMappingState: MAPPED or EXCLUDED
   * @remote_type: (nullable): the payroll type chosen, for MAPPED
   *
   * The administrator chose another item than the store's mapping.
   */
  signals [CHOSEN] =
    g_signal_new ("chosen",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
pb_mapping_row_init (PbMappingRow *self)
{
  self->items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (self->items, (GDestroyNotify) item_clear);

  self->icon = GTK_IMAGE (gtk_image_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->icon), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), FALSE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (self), GTK_WIDGET (self->icon));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (self), 0);
  g_signal_connect (self, "notify::selected", G_CALLBACK (on_selected_cb), NULL);
}

GtkWidget *
pb_mapping_row_new (void)
{
  return g_object_new (PB_TYPE_MAPPING_ROW, NULL);
}

/**
 * pb_mapping_row_update:
 * @mapping: the HR type's mapping as the store has it
 * @remote_types: (element-type PbRemoteType): payroll's types as last read
 *
 * Shows @mapping. The drop-down is only rebuilt when its items change, so
 * an open row keeps its place and focus.
 */
void
pb_mapping_row_update (PbMappingRow           *self,
                       const PbAbsenceMapping *mapping,
                       GPtrArray              *remote_types)
{
  g_autoptr(GArray) items = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  GListModel *model;
  gboolean same;
  Item item;

  g_return_if_fail (PB_IS_MAPPING_ROW (self));
  g_return_if_fail (mapping != NULL);

  g_clear_pointer (&self->mapping, pb_absence_mapping_free);
  self->mapping = mapping_copy (mapping);

  items = g_array_new (FALSE, TRUE, sizeof (Item));
  g_array_set_clear_func (items, (GDestroyNotify) item_clear);
  labels = g_ptr_array_new_with_free_func (g_free);

  /* "Not mapped" only while nothing is decided: once mapped or excluded,
   * a type stays decided (A2). */
  if (mapping->state == PB_MAPPING_UNMAPPED)
    {
      item = (Item) { PB_MAPPING_UNMAPPED, NULL };
      g_array_append_val (items, item);
      g_ptr_array_add (labels, g_strdup (_("Not mapped")));
    }

  item = (Item) { PB_MAPPING_EXCLUDED, NULL };
  g_array_append_val (items, item);
  g_ptr_array_add (labels, g_strdup (_("Do not sync")));

  for (guint i = 0; remote_types != NULL && i < remote_types->len; i++)
    {
      PbRemoteType *type = g_ptr_array_index (remote_types, i);

      item = (Item) { PB_MAPPING_MAPPED, g_strdup (type->id) };
      g_array_append_val (items, item);
      g_ptr_array_add (labels, g_strdup (type->name != NULL ? type->name : type->id));
    }

  if (mapping->state == PB_MAPPING_MAPPED)
    {
      gboolean listed = FALSE;

      for (guint i = 0; i < items->len; i++)
        listed |= g_strcmp0 (g_array_index (items, Item, i).remote_type, mapping->remote_type) == 0;
      if (!listed)
        {
          item = (Item) { PB_MAPPING_MAPPED, g_strdup (mapping->remote_type) };
          g_array_append_val (items, item);
          /* Translators: a payroll type's id, when payroll no longer lists it */
          g_ptr_array_add (labels, g_strdup_printf (_("%s (gone from payroll)"), mapping->remote_type));
        }
    }

  /* The same items as shown: keep the model. */
  model = adw_combo_row_get_model (ADW_COMBO_ROW (self));
  same = model != NULL && g_list_model_get_n_items (model) == labels->len && items->len == self->items->len;
  for (guint i = 0; same && i < labels->len; i++)
    {
      g_autoptr(GtkStringObject) string = g_list_model_get_item (model, i);
      Item *old = &g_array_index (self->items, Item, i);
      Item *new = &g_array_index (items, Item, i);

      same = g_strcmp0 (gtk_string_object_get_string (string), g_ptr_array_index (labels, i)) == 0 &&
             old->state == new->state && g_strcmp0 (old->remote_type, new->remote_type) == 0;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), mapping->name);
  gtk_widget_set_name (GTK_WIDGET (self), mapping->key);

  if (!same)
    {
      g_autoptr(GtkStringList) strings = NULL;

      g_ptr_array_add (labels, NULL);
      strings = gtk_string_list_new ((const char * const *) labels->pdata);
      g_array_unref (self->items);
      self->items = g_steal_pointer (&items);
      self->updating++;
      adw_combo_row_set_model (ADW_COMBO_ROW (self), G_LIST_MODEL (strings));
      self->updating--;
    }

  select_current (self);
  update_subtitle (self);
}

/**
 * pb_mapping_row_reset:
 *
 * Shows the store's mapping again, after a choice was not saved.
 */
void
pb_mapping_row_reset (PbMappingRow *self)
{
  g_return_if_fail (PB_IS_MAPPING_ROW (self));

  if (self->mapping != NULL)
    select_current (self);
}

const PbAbsenceMapping *
pb_mapping_row_get_mapping (PbMappingRow *self)
{
  g_return_val_if_fail (PB_IS_MAPPING_ROW (self), NULL);

  return self->mapping;
}

/**
 * pb_mapping_row_find_item:
 * @remote_type: (nullable): for MAPPED
 *
 * Returns: the position of that choice in the drop-down, or
 *   %GTK_INVALID_LIST_POSITION when it is not offered
 */
guint
pb_mapping_row_find_item (PbMappingRow   *self,
                          PbMappingState  state,
                          const char     *remote_type)
{
  g_return_val_if_fail (PB_IS_MAPPING_ROW (self), GTK_INVALID_LIST_POSITION);

  return find_item (self, state, remote_type);
}
