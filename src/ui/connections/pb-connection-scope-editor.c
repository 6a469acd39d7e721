/* pb-connection-scope-editor.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionScopeEditor"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-scope-editor.h"
#include "pb-connections.h"

/* The connection's name and scope (SPEC C1): all employees, or one team,
 * location or company of the HR register. The set-up assistant and the
 * settings window show the same editor. Only the kinds the register has
 * records of are offered.
 *
 * Once the payroll company is known, the assistant preselects the
 * register's company that matches it (pb_connections_match_company()), and
 * says so. "All employees" stays a choice, but with several companies in
 * the register a note under it says that everyone in all of them goes to
 * the payroll company. */

typedef struct
{
  PbScopeKind  kind;
  PbEntity     entity;
  const char  *label;         /* in the kind list */
  const char  *target_title;  /* the second row's title */
} ScopeKindInfo;

static const ScopeKindInfo scope_kinds[] = {
  { PB_SCOPE_ALL,      PB_N_ENTITIES,      N_("All employees"), NULL },
  { PB_SCOPE_TEAM,     PB_ENTITY_TEAM,     N_("One team"),      N_("Team") },
  { PB_SCOPE_LOCATION, PB_ENTITY_LOCATION, N_("One location"),  N_("Location") },
  { PB_SCOPE_COMPANY,  PB_ENTITY_COMPANY,  N_("One company"),   N_("Company") },
};

struct _PbConnectionScopeEditor
{
  GtkWidget      parent_instance;

  PbStore       *store;        /* (owned) (nullable) */
  gint64         own_id;       /* the connection edited; 0 for a new one */
  GArray        *kinds;        /* (owned) of guint: index into scope_kinds, per kind_row item */
  GPtrArray     *target_keys;  /* (owned) of char*: key per target_row item */
  gboolean       valid;
  char          *payroll_company;  /* (owned) (nullable): for the notes */
  char          *matched_key;      /* (owned) (nullable): the company that matches it */
  gboolean       no_match;         /* preselected without a match among several,
                                    * until the user chooses */
  gboolean       preselecting;

  AdwEntryRow   *name_row;
  GtkLabel      *name_error_label;
  AdwComboRow   *kind_row;
  AdwComboRow   *target_row;
  GtkLabel      *scope_note_label;
};

G_DEFINE_FINAL_TYPE (PbConnectionScopeEditor, pb_connection_scope_editor, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VALID,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static const ScopeKindInfo *
get_selected_kind (PbConnectionScopeEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->kind_row);

  if (self->kinds == NULL || selected >= self->kinds->len)
    return &scope_kinds[0];

  return &scope_kinds[g_array_index (self->kinds, guint, selected)];
}

static const char *
get_selected_key (PbConnectionScopeEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->target_row);

  if (self->target_keys == NULL || selected >= self->target_keys->len)
    return NULL;

  return g_ptr_array_index (self->target_keys, selected);
}

/* The note under the scope: the warning on everyone of several
 * companies, why a company was preselected, or that none matched. */
static void
update_note (PbConnectionScopeEditor *self)
{
  const ScopeKindInfo *info = get_selected_kind (self);
  gint64 n_companies = self->store != NULL ? pb_store_count (self->store, PB_ENTITY_COMPANY, NULL) : 0;
  g_autofree char *note = NULL;
  gboolean warning = FALSE;

  if (info->kind == PB_SCOPE_ALL && n_companies > 1)
    {
      /* Translators: the warning under "All employees": "2 companies in the
       * register: everyone in all of them is sent to Nordlys Data AS" */
      note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%" G_GINT64_FORMAT " company in the register: everyone in it is sent to %s",
                                           "%" G_GINT64_FORMAT " companies in the register: everyone in all of them "
                                           "is sent to %s",
                                           n_companies),
                              n_companies, self->payroll_company != NULL ? self->payroll_company : _("payroll"));
      warning = TRUE;
    }
  else if (info->kind == PB_SCOPE_COMPANY && self->matched_key != NULL &&
           g_strcmp0 (get_selected_key (self), self->matched_key) == 0)
    note = g_strdup_printf (_("This company matches %s, the company in payroll"), self->payroll_company);
  else if (info->kind == PB_SCOPE_COMPANY && self->no_match)
    {
      note = g_strdup_printf (_("No company of the register matches %s, the company in payroll: choose the one "
                                "whose people belong there"), self->payroll_company);
      warning = TRUE;
    }

  gtk_label_set_label (self->scope_note_label, note);
  gtk_widget_set_visible (GTK_WIDGET (self->scope_note_label), note != NULL);
  if (warning)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->scope_note_label), "warning");
      gtk_widget_remove_css_class (GTK_WIDGET (self->scope_note_label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->scope_note_label), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->scope_note_label), "dim-label");
    }
}

static void
update_valid (PbConnectionScopeEditor *self)
{
  g_autofree char *name = pb_connection_scope_editor_dup_name (self);
  const char *problem = NULL;
  gboolean valid;

  if (self->store != NULL && *name != '\0')
    {
      g_autoptr(PbConnection) existing = pb_store_find_connection (self->store, name, NULL);

      if (existing != NULL && existing->id != self->own_id)
        problem = _("Another connection has this name");
    }

  valid = *name != '\0' && problem == NULL &&
          (get_selected_kind (self)->kind == PB_SCOPE_ALL || get_selected_key (self) != NULL);

  update_note (self);
  gtk_label_set_label (self->name_error_label, problem);
  gtk_widget_set_visible (GTK_WIDGET (self->name_error_label), problem != NULL);
  if (problem != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");

  if (valid != self->valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_VALID]);
    }
}

/* Fills the second row with the records of the chosen kind, by name. */
static void
load_targets (PbConnectionScopeEditor *self)
{
  const ScopeKindInfo *info = get_selected_kind (self);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_set_size (self->target_keys, 0);

  if (info->kind != PB_SCOPE_ALL && self->store != NULL)
    {
      records = pb_store_list (self->store, info->entity, 0, &error);
      if (records == NULL)
        g_warning ("Could not list the register's %s: %s", info->target_title, error->message);
    }

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      PbRecord *record = g_ptr_array_index (records, i);

      /* Key first, name second, for companies, locations and teams alike. */
      g_ptr_array_add (self->target_keys, g_strdup (pb_record_get (record, 0)));
      gtk_string_list_append (names, pb_record_get (record, 1) ?: pb_record_get (record, 0));
    }

  if (info->target_title != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->target_row), _(info->target_title));
  adw_combo_row_set_model (self->target_row, G_LIST_MODEL (names));
  gtk_widget_set_visible (GTK_WIDGET (self->target_row), info->kind != PB_SCOPE_ALL);
}

/* The kinds the register has something of: "All employees" always. */
static void
load_kinds (PbConnectionScopeEditor *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  g_array_set_size (self->kinds, 0);
  for (guint i = 0; i < G_N_ELEMENTS (scope_kinds); i++)
    {
      if (scope_kinds[i].kind != PB_SCOPE_ALL &&
          (self->store == NULL || pb_store_count (self->store, scope_kinds[i].entity, NULL) <= 0))
        continue;

      g_array_append_val (self->kinds, i);
      gtk_string_list_append (labels, _(scope_kinds[i].label));
    }

  adw_combo_row_set_model (self->kind_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->kind_row, 0);
  load_targets (self);
}

static void
on_name_changed_cb (PbConnectionScopeEditor *self,
                    GtkEditable             *editable)
{
  update_valid (self);
}

static void
on_kind_selected_cb (PbConnectionScopeEditor *self,
                     GParamSpec              *pspec,
                     AdwComboRow             *row)
{
  if (!self->preselecting)
    self->no_match = FALSE;
  load_targets (self);
  update_valid (self);
}

static void
on_target_selected_cb (PbConnectionScopeEditor *self,
                       GParamSpec              *pspec,
                       AdwComboRow             *row)
{
  if (!self->preselecting)
    self->no_match = FALSE;
  update_valid (self);
}

static void
pb_connection_scope_editor_dispose (GObject *object)
{
  PbConnectionScopeEditor *self = (PbConnectionScopeEditor *)object;
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTION_SCOPE_EDITOR);
  /* The groups have no ids, so the template does not let go of them. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_connection_scope_editor_parent_class)->dispose (object);
}

static void
pb_connection_scope_editor_finalize (GObject *object)
{
  PbConnectionScopeEditor *self = (PbConnectionScopeEditor *)object;

  g_clear_pointer (&self->kinds, g_array_unref);
  g_clear_pointer (&self->target_keys, g_ptr_array_unref);
  g_clear_pointer (&self->payroll_company, g_free);
  g_clear_pointer (&self->matched_key, g_free);

  G_OBJECT_CLASS (pb_connection_scope_editor_parent_class)->finalize (object);
}

static void
pb_connection_scope_editor_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  PbConnectionScopeEditor *self = PB_CONNECTION_SCOPE_EDITOR (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_connection_scope_editor_class_init (PbConnectionScopeEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_connection_scope_editor_dispose;
  object_class->finalize = pb_connection_scope_editor_finalize;
  object_class->get_property = pb_connection_scope_editor_get_property;

  /* A name that no other connection has, and a scope target if needed. */
  properties [PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connection-scope-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionScopeEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionScopeEditor, name_error_label);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionScopeEditor, kind_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionScopeEditor, target_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionScopeEditor, scope_note_label);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_target_selected_cb);
}

static void
pb_connection_scope_editor_init (PbConnectionScopeEditor *self)
{
  GtkLayoutManager *layout;

  self->kinds = g_array_new (FALSE, FALSE, sizeof (guint));
  self->target_keys = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 24);

  load_kinds (self);
  update_valid (self);
}

/**
 * pb_connection_scope_editor_set_store:
 * @store: (nullable): the register to take teams, locations and companies from
 */
void
pb_connection_scope_editor_set_store (PbConnectionScopeEditor *self,
                                      PbStore                 *store)
{
  g_return_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self));

  g_set_object (&self->store, store);
  load_kinds (self);
  update_valid (self);
}

/**
 * pb_connection_scope_editor_set_connection:
 *
 * Shows @connection's name and scope; its own name does not count as taken.
 */
void
pb_connection_scope_editor_set_connection (PbConnectionScopeEditor *self,
                                           PbConnection            *connection)
{
  g_return_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self));
  g_return_if_fail (PB_IS_CONNECTION (connection));

  self->own_id = connection->id;
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), connection->name ?: "");
  if (!pb_connection_scope_editor_select_scope (self, connection->scope_kind, connection->scope_key))
    g_message ("The scope of “%s” is no longer in the register", connection->name);
  update_valid (self);
}

void
pb_connection_scope_editor_set_name (PbConnectionScopeEditor *self,
                                     const char              *name)
{
  g_return_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name ?: "");
}

/**
 * pb_connection_scope_editor_dup_name:
 *
 * Returns: (transfer full): the name, without surrounding spaces
 */
char *
pb_connection_scope_editor_dup_name (PbConnectionScopeEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self), NULL);

  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
}

/**
 * pb_connection_scope_editor_select_scope:
 * @key: (nullable): the team, location or company; ignored for PB_SCOPE_ALL
 *
 * Returns: whether the register has that scope (else "All employees" or
 *   the kind's first record is chosen)
 */
gboolean
pb_connection_scope_editor_select_scope (PbConnectionScopeEditor *self,
                                         PbScopeKind              kind,
                                         const char              *key)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self), FALSE);

  for (guint i = 0; i < self->kinds->len; i++)
    if (scope_kinds[g_array_index (self->kinds, guint, i)].kind == kind)
      {
        adw_combo_row_set_selected (self->kind_row, i);
        if (kind == PB_SCOPE_ALL)
          return TRUE;

        for (guint j = 0; j < self->target_keys->len; j++)
          if (g_strcmp0 (g_ptr_array_index (self->target_keys, j), key) == 0)
            {
              adw_combo_row_set_selected (self->target_row, j);
              return TRUE;
            }

        return FALSE;
      }

  adw_combo_row_set_selected (self->kind_row, 0);
  return kind == PB_SCOPE_ALL;
}

gboolean
pb_connection_scope_editor_get_valid (PbConnectionScopeEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self), FALSE);

  return self->valid;
}

/**
 * pb_connection_scope_editor_apply:
 *
 * Writes the name and the scope into @connection.
 */
void
pb_connection_scope_editor_apply (PbConnectionScopeEditor *self,
                                  PbConnection            *connection)
{
  const ScopeKindInfo *info;

  g_return_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self));
  g_return_if_fail (PB_IS_CONNECTION (connection));

  info = get_selected_kind (self);
  g_free (connection->name);
  connection->name = pb_connection_scope_editor_dup_name (self);
  connection->scope_kind = info->kind;
  g_free (connection->scope_key);
  connection->scope_key = info->kind == PB_SCOPE_ALL ? NULL : g_strdup (get_selected_key (self));
}

/**
 * pb_connection_scope_editor_set_payroll_company:
 * @name: (nullable): the payroll company's name, for the notes
 */
void
pb_connection_scope_editor_set_payroll_company (PbConnectionScopeEditor *self,
                                                const char              *name)
{
  g_return_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self));

  g_free (self->payroll_company);
  self->payroll_company = g_strdup (name);
  update_note (self);
}

/**
 * pb_connection_scope_editor_preselect:
 * @name: the payroll company the credentials opened
 * @org_number: (nullable): its organisation number
 *
 * SPEC C1: chooses the register's company that matches the payroll company.
 * With no match, one company is chosen all the same when the register has
 * several (never everyone by default), with a note asking to choose; with
 * one company or none, all employees.
 *
 * Returns: whether a company matched
 */
gboolean
pb_connection_scope_editor_preselect (PbConnectionScopeEditor *self,
                                      const char              *name,
                                      const char              *org_number)
{
  g_autoptr(PbRecord) match = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self), FALSE);

  g_free (self->payroll_company);
  self->payroll_company = g_strdup (name);
  g_clear_pointer (&self->matched_key, g_free);
  self->no_match = FALSE;

  if (self->store != NULL)
    match = pb_connections_match_company (self->store, name, org_number, &error);
  if (error != NULL)
    g_warning ("Could not read the register's companies: %s", error->message);

  self->preselecting = TRUE;
  if (match != NULL)
    {
      self->matched_key = g_strdup (pb_record_get (match, PB_COMPANY_KEY));
      pb_connection_scope_editor_select_scope (self, PB_SCOPE_COMPANY, self->matched_key);
    }
  else if (self->store != NULL && pb_store_count (self->store, PB_ENTITY_COMPANY, NULL) > 1)
    {
      self->no_match = TRUE;
      pb_connection_scope_editor_select_scope (self, PB_SCOPE_COMPANY, NULL);
    }
  else
    pb_connection_scope_editor_select_scope (self, PB_SCOPE_ALL, NULL);
  self->preselecting = FALSE;

  update_valid (self);
  return match != NULL;
}

void
pb_connection_scope_editor_focus (PbConnectionScopeEditor *self)
{
  g_return_if_fail (PB_IS_CONNECTION_SCOPE_EDITOR (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
}
