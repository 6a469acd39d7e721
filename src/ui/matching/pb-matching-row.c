/* pb-matching-row.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMatchingRow"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pb-format.h"
#include "pb-matching-row.h"
#include "pb-matching-window-private.h"

/* One person in the matching view (SPEC U2-U4): name and email, the
 * differing fields side by side (HR | Payroll), a note when something needs
 * doing in HR or payroll first, and the choice of what to do. Rows are
 * recycled by a GtkListView, so everything is set in set_entry(). A choice
 * made here is written into the plan item and reported with the
 * `matching.decided` action (the window saves it: decisions survive a
 * restart). */

struct _PbMatchingRow
{
  GtkWidget         parent_instance;

  PbMatchingEntry  *entry;            /* (owned) (nullable) */
  const PbDecision *choices;
  guint             n_choices;
  gulong            notify_id;
  gboolean          updating;

  AdwAvatar        *avatar;
  GtkLabel         *name_label;
  GtkLabel         *email_label;
  GtkGrid          *fields_grid;
  GtkLabel         *note_label;
  GtkDropDown      *choice;
  GtkLabel         *state_label;
  GtkMenuButton    *pair_button;
  GtkButton        *unpair_button;
  GtkWidget        *header;
  GtkWidget        *controls;         /* the choice, state and pair buttons */
  gboolean          compact;
};

/* How many unmatched payroll people "Pair with…" lists at most: a search
 * narrows a long list down. */
#define MAX_PAIR_ROWS 50

G_DEFINE_FINAL_TYPE (PbMatchingRow, pb_matching_row, GTK_TYPE_WIDGET)

static const char *
decision_label (PbDecision decision)
{
  switch (decision)
    {
    case PB_DECISION_PREFER_HR: return _("HR wins");
    case PB_DECISION_PREFER_PAYROLL: return _("Payroll wins");
    case PB_DECISION_CREATE_IN_PAYROLL: return _("Create in payroll");
    case PB_DECISION_CREATE_IN_HR: return _("Create in HR");
    case PB_DECISION_LEAVE: return _("Leave");
    case PB_DECISION_LINK: return _("Link");
    case PB_DECISION_NONE:
    default: return _("Not decided");
    }
}

static void
set_note (PbMatchingRow *self,
          const char    *text,
          const char    *style)
{
  static const char * const styles[] = { "warning", "error", "accent", "dim-label" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->note_label), styles[i]);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->note_label), style);
  gtk_label_set_label (self->note_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), text != NULL);
}

/* An empty value shows as a dash, so "not there" reads as such. */
static GtkWidget *
grid_label (const char *text,
            const char *style)
{
  GtkWidget *label = gtk_label_new (text == NULL ? "" : *text != '\0' ? text : "—");

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_valign (label, GTK_ALIGN_START);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_label_set_width_chars (GTK_LABEL (label), 8);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

/* The differing fields, HR and payroll side by side (SPEC U3). */
static void
fill_fields (PbMatchingRow *self,
             PbPlanItem    *item,
             PbRecord      *hr)
{
  GtkWidget *child;
  int row = 1;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->fields_grid))) != NULL)
    gtk_grid_remove (self->fields_grid, child);

  if (item->differing == 0 || hr == NULL || item->payroll == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->fields_grid), FALSE);
      return;
    }

  gtk_grid_attach (self->fields_grid, grid_label (NULL, "caption"), 0, 0, 1, 1);
  gtk_grid_attach (self->fields_grid, grid_label (_("In HR"), "caption-heading"), 1, 0, 1, 1);
  gtk_grid_attach (self->fields_grid, grid_label (_("In payroll"), "caption-heading"), 2, 0, 1, 1);
  for (guint f = 0; f < PB_EMPLOYEE_N_FIELDS; f++)
    {
      if (!(item->differing & (1u << f)))
        continue;
      GtkWidget *name = grid_label (pb_format_employee_field (f), "dim-label");

      /* Field names wrap between words and give the values the room. */
      gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD);
      gtk_label_set_max_width_chars (GTK_LABEL (name), 14);
      gtk_grid_attach (self->fields_grid, name, 0, row, 1, 1);
      gtk_grid_attach (self->fields_grid, grid_label (pb_record_get (hr, f) ?: "", NULL), 1, row, 1, 1);
      gtk_grid_attach (self->fields_grid, grid_label (pb_record_get (item->payroll, f) ?: "", NULL), 2, row, 1, 1);
      row++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fields_grid), TRUE);
}

static void
fill_note (PbMatchingRow *self,
           PbPlanItem    *item)
{
  g_autofree char *fields = NULL;
  g_autofree char *text = NULL;
  PbOutcome outcome = pb_plan_item_get_outcome (item);

  if (outcome == PB_OUTCOME_FAILED)
    {
      text = g_strdup_printf (_("Failed last time: %s"), pb_plan_item_get_outcome_detail (item));
      set_note (self, text, "error");
      return;
    }

  switch (item->kind)
    {
    case PB_MATCH_AMBIGUOUS:
      if (item->ambiguity == PB_AMBIGUOUS_NO_EMAIL_IN_PAYROLL)
        set_note (self, _("Has no email in payroll, so it cannot be matched. Add it in payroll, then read again."),
                  "warning");
      else if (item->ambiguity == PB_AMBIGUOUS_SHARED_EMAIL_IN_PAYROLL)
        set_note (self, _("More than one payroll person has this email. Correct it in payroll, then read again."),
                  "warning");
      else
        set_note (self, _("More than one person in HR has this email. Correct it in People, then read again."),
                  "warning");
      return;

    case PB_MATCH_LOCKED:
      set_note (self, _("Deactivated in HR: locked against syncing. Payroll keeps the person as they are."),
                "dim-label");
      return;

    case PB_MATCH_MATCHED:
    case PB_MATCH_HR_ONLY:
    case PB_MATCH_PAYROLL_ONLY:
    default:
      break;
    }

  /* SPEC U2: a warning, and no sync until HR has the field. */
  if (item->missing != 0 && item->paired)
    {
      fields = pb_format_employee_fields (item->missing);
      text = g_strdup_printf (_("Paired by hand. Missing in HR: %s. Payroll requires it; fill it in in People "
                                "to sync this person."), fields);
      set_note (self, text, "warning");
      return;
    }
  if (item->missing != 0)
    {
      fields = pb_format_employee_fields (item->missing);
      text = g_strdup_printf (_("Missing in HR: %s. Payroll requires it; fill it in in People to sync this person."),
                              fields);
      set_note (self, text, "warning");
      return;
    }

  if (item->changed == PB_PLAN_CHANGED_PERSON)
    {
      set_note (self, item->remote_id != NULL ? _("New in payroll since the last read.")
                                              : _("No longer in payroll since the last read."), "accent");
      return;
    }
  if (item->changed != 0)
    {
      fields = pb_format_employee_fields (item->changed);
      text = g_strdup_printf (_("Changed in payroll since the last read: %s. Decide again."), fields);
      set_note (self, text, "accent");
      return;
    }

  if (item->paired)
    {
      set_note (self, item->differing == 0 ? _("Paired by hand; the same on both sides.")
                                           : _("Paired by hand: the email differs, so decide which side wins."),
                "accent");
      return;
    }

  if (item->kind == PB_MATCH_MATCHED && item->differing == 0)
    {
      set_note (self, _("The same on both sides."), "dim-label");
      return;
    }

  set_note (self, NULL, NULL);
}

static void
sync_choice (PbMatchingRow *self)
{
  PbDecision decision = pb_matching_entry_get_item (self->entry)->decision;

  self->updating = TRUE;
  for (guint i = 0; i < self->n_choices; i++)
    if (self->choices[i] == decision)
      gtk_drop_down_set_selected (self->choice, i);
  self->updating = FALSE;
}

static void
on_entry_decision_cb (PbMatchingRow *self)
{
  sync_choice (self);
}

static void
on_choice_selected_cb (PbMatchingRow *self)
{
  guint selected = gtk_drop_down_get_selected (self->choice);

  if (self->updating || self->entry == NULL || selected >= self->n_choices)
    return;

  pb_matching_entry_set_decision (self->entry, self->choices[selected]);
  gtk_widget_activate_action (GTK_WIDGET (self), "matching.decided", "u",
                              pb_matching_entry_get_item (self->entry)->position);
}

static const char *
reason_label (PbPairReason reasons)
{
  if (reasons & PB_PAIR_SAME_EMPLOYEE_NUMBER)
    return _("Same employee number");
  if (reasons & PB_PAIR_SAME_NATIONAL_ID)
    return _("Same national identity number");
  if (reasons & PB_PAIR_SAME_NAME)
    return _("Same name");
  return NULL;
}

static gboolean
candidate_matches (PbPairCandidate *candidate,
                   const char      *needle)
{
  g_autofree char *name = NULL;
  g_autofree char *haystack = NULL;

  if (needle == NULL || *needle == '\0')
    return TRUE;
  name = pb_record_dup_display_name (candidate->item->payroll);
  haystack = g_utf8_casefold (name, -1);
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  g_free (haystack);
  haystack = g_utf8_casefold (pb_record_get (candidate->item->payroll, PB_EMPLOYEE_EMAIL) ?: "", -1);
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  return g_strcmp0 (pb_record_get (candidate->item->payroll, PB_EMPLOYEE_EMPLOYEE_NUMBER), needle) == 0;
}

/* The rows of "Pair with…": the suggested people first, then the others
 * whose name, email or employee number matches the search. */
static void
fill_pair_list (PbMatchingRow *self,
                GtkListBox    *list,
                const char    *search)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self), PB_TYPE_MATCHING_WINDOW);
  g_autoptr(GArray) candidates = NULL;
  g_autofree char *needle = search != NULL ? g_utf8_casefold (search, -1) : NULL;
  GtkWidget *child;
  guint shown = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  if (window == NULL || self->entry == NULL)
    return;

  candidates = pb_matching_window_pair_candidates (PB_MATCHING_WINDOW (window),
                                                   pb_matching_entry_get_item (self->entry)->position);
  for (guint i = 0; i < candidates->len && shown < MAX_PAIR_ROWS; i++)
    {
      PbPairCandidate *candidate = &g_array_index (candidates, PbPairCandidate, i);
      g_autofree char *name = NULL;
      const char *email;
      const char *why;
      GtkWidget *row;

      if (!candidate_matches (candidate, needle))
        continue;

      name = pb_record_dup_display_name (candidate->item->payroll);
      email = pb_record_get (candidate->item->payroll, PB_EMPLOYEE_EMAIL);
      why = reason_label (candidate->reasons);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), email != NULL ? email : _("No email"));
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
      if (why != NULL)
        {
          GtkWidget *tag = gtk_label_new (why);

          gtk_widget_add_css_class (tag, "caption");
          gtk_widget_add_css_class (tag, "accent");
          gtk_label_set_wrap (GTK_LABEL (tag), TRUE);
          gtk_label_set_max_width_chars (GTK_LABEL (tag), 14);
          gtk_label_set_justify (GTK_LABEL (tag), GTK_JUSTIFY_RIGHT);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag);
        }
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "pb-position", GUINT_TO_POINTER (candidate->item->position));
      gtk_list_box_append (list, row);
      shown++;
    }

  if (shown == 0)
    {
      GtkWidget *none = gtk_label_new (candidates->len == 0 ? _("Nobody in payroll is unmatched")
                                                            : _("Nobody unmatched in payroll has this name"));

      gtk_widget_add_css_class (none, "dim-label");
      gtk_widget_set_margin_top (none, 12);
      gtk_widget_set_margin_bottom (none, 12);
      gtk_list_box_set_placeholder (list, none);
    }
}

static void
on_pair_search_changed_cb (GtkSearchEntry *entry,
                           PbMatchingRow  *self)
{
  GtkListBox *list = g_object_get_data (G_OBJECT (entry), "pb-list");

  fill_pair_list (self, list, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_pair_row_activated_cb (GtkListBox    *list,
                          GtkListBoxRow *row,
                          PbMatchingRow *self)
{
  guint payroll_position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "pb-position"));
  guint hr_position;

  if (self->entry == NULL)
    return;

  hr_position = pb_matching_entry_get_item (self->entry)->position;
  gtk_menu_button_popdown (self->pair_button);
  gtk_widget_activate_action (GTK_WIDGET (self), "matching.pair", "(uu)", hr_position, payroll_position);
}

/* "Pair with…" opens on a search over the unmatched payroll people. */
static void
create_pair_popover (GtkMenuButton *button,
                     gpointer       user_data)
{
  PbMatchingRow *self = user_data;
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (_("Who is this person in payroll?"));
  GtkWidget *search = gtk_search_entry_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *list = gtk_list_box_new ();

  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_box_append (GTK_BOX (box), title);

  g_object_set (search, "placeholder-text", _("Search unmatched payroll people"), NULL);
  gtk_box_append (GTK_BOX (box), search);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_widget_set_size_request (box, 280, -1);

  g_object_set_data (G_OBJECT (search), "pb-list", list);
  g_signal_connect_object (search, "search-changed", G_CALLBACK (on_pair_search_changed_cb), self, 0);
  g_signal_connect_object (list, "row-activated", G_CALLBACK (on_pair_row_activated_cb), self, 0);
  fill_pair_list (self, GTK_LIST_BOX (list), NULL);

  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_popover_set_default_widget (GTK_POPOVER (popover), search);
  gtk_menu_button_set_popover (button, popover);
}

static void
on_unpair_clicked_cb (PbMatchingRow *self)
{
  if (self->entry != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "matching.unpair", "u",
                                pb_matching_entry_get_item (self->entry)->position);
}

static void
pb_matching_row_dispose (GObject *object)
{
  PbMatchingRow *self = (PbMatchingRow *)object;
  GtkWidget *child;

  pb_matching_row_set_entry (self, NULL);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pb_matching_row_parent_class)->dispose (object);
}

static void
pb_matching_row_class_init (PbMatchingRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_matching_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "matchingrow");
}

static void
pb_matching_row_init (PbMatchingRow *self)
{
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *names = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  /* Name, email and the choice on one line; the values and the note below
   * it at full width, so a narrow window still has room for them. */
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
  gtk_widget_set_parent (header, GTK_WIDGET (self));

  self->avatar = ADW_AVATAR (adw_avatar_new (36, NULL, TRUE));
  gtk_widget_set_valign (GTK_WIDGET (self->avatar), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (self->avatar));

  gtk_widget_set_hexpand (names, TRUE);
  gtk_widget_set_valign (names, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), names);

  self->name_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->name_label, 0);
  gtk_label_set_ellipsize (self->name_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (self->name_label), "heading");
  gtk_box_append (GTK_BOX (names), GTK_WIDGET (self->name_label));

  self->email_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->email_label, 0);
  gtk_label_set_ellipsize (self->email_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (self->email_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->email_label), "caption");
  gtk_box_append (GTK_BOX (names), GTK_WIDGET (self->email_label));

  /* Beside the name; under it in a narrow window (see set_compact()). */
  self->header = header;
  self->controls = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_append (GTK_BOX (header), self->controls);

  self->choice = GTK_DROP_DOWN (gtk_drop_down_new (NULL, NULL));
  gtk_widget_set_valign (GTK_WIDGET (self->choice), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->choice), _("What to do with this person"));
  gtk_box_append (GTK_BOX (self->controls), GTK_WIDGET (self->choice));
  g_signal_connect_object (self->choice, "notify::selected", G_CALLBACK (on_choice_selected_cb), self,
                           G_CONNECT_SWAPPED);

  self->state_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_valign (GTK_WIDGET (self->state_label), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "dim-label");
  gtk_box_append (GTK_BOX (self->controls), GTK_WIDGET (self->state_label));

  /* SPEC U1, U4: someone in payroll under another email is paired by hand. */
  self->pair_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_label (self->pair_button, _("Pair with…"));
  gtk_widget_set_valign (GTK_WIDGET (self->pair_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pair_button),
                               _("This person is in payroll under another email: choose who"));
  gtk_menu_button_set_create_popup_func (self->pair_button, create_pair_popover, self, NULL);
  gtk_box_append (GTK_BOX (self->controls), GTK_WIDGET (self->pair_button));

  self->unpair_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Unpair")));
  gtk_widget_set_valign (GTK_WIDGET (self->unpair_button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->unpair_button), _("Undo this pair before synchronizing"));
  gtk_box_append (GTK_BOX (self->controls), GTK_WIDGET (self->unpair_button));
  g_signal_connect_object (self->unpair_button, "clicked", G_CALLBACK (on_unpair_clicked_cb), self,
                           G_CONNECT_SWAPPED);

  /* Indented under the name: 36 px avatar and 12 px spacing. */
  self->fields_grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (self->fields_grid, 24);
  gtk_grid_set_row_spacing (self->fields_grid, 2);
  gtk_widget_set_halign (GTK_WIDGET (self->fields_grid), GTK_ALIGN_START);
  gtk_widget_set_margin_start (GTK_WIDGET (self->fields_grid), 48);
  gtk_widget_set_margin_top (GTK_WIDGET (self->fields_grid), 4);
  gtk_widget_add_css_class (GTK_WIDGET (self->fields_grid), "matching-fields");
  gtk_widget_set_parent (GTK_WIDGET (self->fields_grid), GTK_WIDGET (self));

  self->note_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->note_label, 0);
  gtk_label_set_wrap (self->note_label, TRUE);
  gtk_widget_set_margin_start (GTK_WIDGET (self->note_label), 48);
  gtk_widget_add_css_class (GTK_WIDGET (self->note_label), "caption");
  gtk_widget_set_parent (GTK_WIDGET (self->note_label), GTK_WIDGET (self));
}

GtkWidget *
pb_matching_row_new (void)
{
  return g_object_new (PB_TYPE_MATCHING_ROW, NULL);
}

/* Returns: (nullable) (transfer none): the person shown */
PbMatchingEntry *
pb_matching_row_get_entry (PbMatchingRow *self)
{
  g_return_val_if_fail (PB_IS_MATCHING_ROW (self), NULL);

  return self->entry;
}

GtkDropDown *
pb_matching_row_get_choice (PbMatchingRow *self)
{
  return self->choice;
}

/**
 * pb_matching_row_set_compact:
 *
 * Narrow: the choice and the pair buttons go under the name, indented as
 * the values are, so that the name and email keep the row's width.
 */
void
pb_matching_row_set_compact (PbMatchingRow *self,
                             gboolean       compact)
{
  g_return_if_fail (PB_IS_MATCHING_ROW (self));

  compact = !!compact;
  if (self->compact == compact)
    return;
  self->compact = compact;

  g_object_ref (self->controls);
  gtk_widget_unparent (self->controls);
  if (compact)
    gtk_widget_insert_after (self->controls, GTK_WIDGET (self), self->header);
  else
    gtk_box_append (GTK_BOX (self->header), self->controls);
  gtk_widget_set_margin_start (self->controls, compact ? 48 : 0);
  gtk_widget_set_halign (self->controls, compact ? GTK_ALIGN_START : GTK_ALIGN_FILL);
  g_object_unref (self->controls);
}

GtkMenuButton *
pb_matching_row_get_pair_button (PbMatchingRow *self)
{
  return self->pair_button;
}

GtkButton *
pb_matching_row_get_unpair_button (PbMatchingRow *self)
{
  return self->unpair_button;
}

void
pb_matching_row_set_entry (PbMatchingRow   *self,
                           PbMatchingEntry *entry)
{
  PbPlanItem *item;
  g_autoptr(GtkStringList) labels = NULL;
  const char *email;

  g_return_if_fail (PB_IS_MATCHING_ROW (self));

  if (self->entry != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->entry);
      g_clear_object (&self->entry);
    }
  if (entry == NULL)
    return;

  self->entry = g_object_ref (entry);
  item = pb_matching_entry_get_item (entry);
  email = pb_matching_entry_get_email (entry);

  adw_avatar_set_text (self->avatar, pb_matching_entry_get_name (entry));
  gtk_label_set_label (self->name_label, pb_matching_entry_get_name (entry));
  gtk_label_set_label (self->email_label, email != NULL ? email : _("No email"));
  fill_fields (self, item, pb_matching_entry_get_hr (entry));
  fill_note (self, item);

  self->choices = pb_matching_entry_get_choices (entry, &self->n_choices);
  labels = gtk_string_list_new (NULL);
  for (guint i = 0; i < self->n_choices; i++)
    gtk_string_list_append (labels, decision_label (self->choices[i]));
  self->updating = TRUE;
  gtk_drop_down_set_model (self->choice, G_LIST_MODEL (labels));
  self->updating = FALSE;
  sync_choice (self);

  gtk_widget_set_visible (GTK_WIDGET (self->choice), self->n_choices > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->state_label), self->n_choices == 0);
  if (item->kind == PB_MATCH_MATCHED && item->differing == 0)
    gtk_label_set_label (self->state_label, _("Link"));
  else if (item->kind == PB_MATCH_LOCKED || item->kind == PB_MATCH_AMBIGUOUS)
    gtk_label_set_label (self->state_label, _("Not synced"));
  else
    gtk_label_set_label (self->state_label, NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->pair_button),
                          item->kind == PB_MATCH_HR_ONLY && !pb_plan_item_is_done (item));
  gtk_widget_set_visible (GTK_WIDGET (self->unpair_button), item->paired && !pb_plan_item_is_done (item));

  self->notify_id = g_signal_connect_object (entry, "notify::decision", G_CALLBACK (on_entry_decision_cb), self,
                                             G_CONNECT_SWAPPED);
}
