/* pb-matching-window.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMatchingWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-application.h"
#include "pb-connections.h"
#include "pb-format.h"
#include "pb-matching-row.h"
#include "pb-matching-window-private.h"
#include "pb-user-sync.h"

/* User matching and one-click user sync (SPEC U1-U6, U11), a window per
 * connection:
 *
 * - It opens on the connection's last plan if it is not applied yet, read
 *   from the store alone: decisions can be reviewed and made offline, and
 *   each is saved as it is made. Otherwise it reads both sides at once.
 * - Four sections: Needs Attention (differences, missing required fields,
 *   ambiguity, payroll changes since the last read), Only in HR, Only in
 *   Payroll, Matched; per person the differing values side by side and the
 *   choice, per section a choice for all.
 * - The action bar says what will happen before anything is sent;
 *   "Synchronize Users" applies it with a progress bar and Cancel.
 * - If payroll changed under a decision the engine refuses the whole run;
 *   the window reads again and says who changed.
 * - Then the report (SPEC U5): counts, per-person outcomes, CSV export, and
 *   a desktop notification if the window is not focused. Past reports
 *   open with pb_matching_window_show_report().
 */

typedef enum
{
  NEXT_NONE,
  NEXT_READ,
  NEXT_APPLY,
} NextStep;

struct _PbMatchingWindow
{
  AdwWindow             parent_instance;

  GSettings            *settings;       /* (owned) (nullable): no schema installed */
  PbStore              *store;          /* (owned) */
  PbConnection         *connection;     /* (owned) */
  PbProvider           *provider;       /* (owned) (nullable): opened on first use */
  PbUserPlan           *plan;           /* (owned) (nullable): the plan shown */
  gboolean              compact_rows;   /* narrow: the rows' controls under the names */
  guint                 compact_idle;
  PbUserPlan           *report;         /* (owned) (nullable): a past report shown */
  GPtrArray            *entries;        /* (owned): PbMatchingEntry by item position */
  GListStore           *sections[PB_MATCHING_N_SECTIONS];
  GListStore           *report_entries;
  GCancellable         *cancellable;    /* (owned) (nullable): reading or applying */
  NextStep              next;
  gboolean              read_on_map;    /* no plan to show: read when shown */
  gboolean              has_report;     /* the connection has a saved report */
  gboolean              paused;         /* an import is writing: no decisions saved */
  char                 *summary;
  char                 *last_notification;

  AdwToastOverlay      *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  GtkStack             *main_stack;
  GtkSpinner           *reading_spinner;
  AdwStatusPage        *error_page;
  GtkRevealer          *notice_revealer;
  GtkLabel             *notice_label;
  AdwViewStack         *view_stack;
  AdwViewStackPage     *attention_page;
  AdwViewStackPage     *hr_only_page;
  AdwViewStackPage     *payroll_only_page;
  AdwViewStackPage     *matched_page;
  GtkStack             *attention_stack;
  GtkStack             *hr_only_stack;
  GtkStack             *payroll_only_stack;
  GtkStack             *matched_stack;
  GtkListView          *attention_list;
  GtkListView          *hr_only_list;
  GtkListView          *payroll_only_list;
  GtkListView          *matched_list;
  GtkLabel             *summary_label;
  GtkStack             *action_stack;
  GtkProgressBar       *progress_bar;
  GtkImage             *report_icon;
  GtkLabel             *report_title;
  GtkLabel             *report_counts;
  GtkLabel             *report_detail;
  GtkListView          *report_list;
};

G_DEFINE_FINAL_TYPE (PbMatchingWindow, pb_matching_window, ADW_TYPE_WINDOW)

enum {
  SYNCED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void read_plan (PbMatchingWindow *self);
static void apply_plan (PbMatchingWindow *self);

/* --- helpers ------------------------------------------------------------------------- */

static gboolean
is_busy (PbMatchingWindow *self)
{
  return self->cancellable != NULL;
}

static void
update_actions (PbMatchingWindow *self)
{
  gboolean busy = is_busy (self);
  gboolean has_plan = self->plan != NULL && self->plan->applied_at == NULL;
  gboolean writes = !busy && !self->paused;   /* the plan and its decisions are stored */

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.read", writes);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.apply", writes && has_plan);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.bulk", writes && has_plan);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.pair", writes && has_plan);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.unpair", writes && has_plan);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.decided", !self->paused);
  /* A row's choice is saved as it is made: the rows wait too. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->view_stack), !self->paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.export", self->report != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "matching.show-last-report", !busy && self->has_report);
}

static void
show_notice (PbMatchingWindow *self,
             const char       *text)
{
  gtk_label_set_label (self->notice_label, text);
  gtk_revealer_set_reveal_child (self->notice_revealer, text != NULL);
}

static void
show_toast (PbMatchingWindow *self,
            const char       *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* Appends "3 to link" to a " · "-separated list, if the count is not 0.
 * A macro, so that the compiler checks the translated format. */
#define append_count(out, n, format) \
  G_STMT_START { \
    guint n_ = (n); \
    if (n_ > 0) \
      { \
        if ((out)->len > 0) \
          g_string_append ((out), " · "); \
        g_string_append_printf ((out), format, n_); \
      } \
  } G_STMT_END

/* What "Synchronize Users" will do, before anything is sent. */
static void
update_summary (PbMatchingWindow *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint to_payroll = 0, to_hr = 0, create_payroll = 0, create_hr = 0, link = 0, leave = 0;
  guint undecided = 0, not_synced = 0, done = 0;

  for (guint i = 0; self->plan != NULL && i < self->plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (self->plan->items, i);

      if (pb_plan_item_is_absorbed (item))
        continue;
      if (pb_plan_item_is_done (item))
        {
          done++;
          continue;
        }
      if (item->kind == PB_MATCH_LOCKED || item->kind == PB_MATCH_AMBIGUOUS)
        {
          not_synced++;
          continue;
        }

      switch (item->decision)
        {
        case PB_DECISION_PREFER_HR:
          if (pb_plan_item_is_blocked (item))
            not_synced++;
          else
            to_payroll++;
          break;
        case PB_DECISION_PREFER_PAYROLL:
          if (item->differing != 0)
            to_hr++;
          else
            link++;
          break;
        case PB_DECISION_CREATE_IN_PAYROLL:
          if (pb_plan_item_is_blocked (item))
            not_synced++;
          else
            create_payroll++;
          break;
        case PB_DECISION_CREATE_IN_HR: create_hr++; break;
        case PB_DECISION_LINK: link++; break;
        case PB_DECISION_LEAVE: leave++; break;
        case PB_DECISION_NONE:
        default: undecided++; break;
        }
    }

  append_count (out, to_payroll,
                g_dngettext (GETTEXT_PACKAGE, "%u to update in payroll", "%u to update in payroll", to_payroll));
  append_count (out, create_payroll,
                g_dngettext (GETTEXT_PACKAGE, "%u to create in payroll", "%u to create in payroll", create_payroll));
  append_count (out, to_hr,
                g_dngettext (GETTEXT_PACKAGE, "%u to update in HR", "%u to update in HR", to_hr));
  append_count (out, create_hr,
                g_dngettext (GETTEXT_PACKAGE, "%u to create in HR", "%u to create in HR", create_hr));
  append_count (out, link,
                g_dngettext (GETTEXT_PACKAGE, "%u to link", "%u to link", link));
  append_count (out, leave,
                g_dngettext (GETTEXT_PACKAGE, "%u left as they are", "%u left as they are", leave));
  append_count (out, not_synced,
                g_dngettext (GETTEXT_PACKAGE, "%u not synced", "%u not synced", not_synced));
  append_count (out, undecided,
                g_dngettext (GETTEXT_PACKAGE, "%u not decided (skipped)", "%u not decided (skipped)", undecided));
  append_count (out, done,
                g_dngettext (GETTEXT_PACKAGE, "%u done in an earlier run", "%u done in an earlier run", done));
  if (out->len == 0)
    g_string_append (out, _("Nothing to do"));

  g_free (self->summary);
  self->summary = g_string_free (g_steal_pointer (&out), FALSE);
  gtk_label_set_label (self->summary_label, self->summary);
}

static void
save_decision (PbMatchingWindow *self,
               PbPlanItem       *item)
{
  g_autoptr(GError) error = NULL;

  if (!pb_store_update_plan_item (self->store, self->plan, item, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save the decision: %s"), error->message);
      show_toast (self, text);
    }
}

/* One entry per person of @plan (a manual pair is one), with the HR person as the register
 * holds them now (read in one query). */
static GPtrArray *
make_entries (PbMatchingWindow *self,
              PbUserPlan       *plan)
{
  g_autoptr(GHashTable) people = pb_store_index_by_id (self->store, PB_ENTITY_EMPLOYEE, NULL);
  GPtrArray *entries = g_ptr_array_new_full (plan->items->len, g_object_unref);

  for (guint i = 0; i < plan->items->len; i++)
    {
      PbPlanItem *item = g_ptr_array_index (plan->items, i);
      PbRecord *hr = people != NULL ? g_hash_table_lookup (people, &item->employee_id) : NULL;

      /* The payroll half of a manual pair shows as part of its HR half. */
      if (pb_plan_item_is_absorbed (item))
        continue;
      g_ptr_array_add (entries, pb_matching_entry_new (item, hr));
    }

  return entries;
}

/* Puts the plan's people in the four sections, again after a pair. */
static void
fill_sections (PbMatchingWindow *self,
               gboolean          show_first)
{
  AdwViewStackPage *pages[] = { self->attention_page, self->hr_only_page, self->payroll_only_page,
                                self->matched_page };
  GtkStack *stacks[] = { self->attention_stack, self->hr_only_stack, self->payroll_only_stack,
                         self->matched_stack };
  GPtrArray *lists[PB_MATCHING_N_SECTIONS];
  int first = -1;

  for (guint s = 0; s < PB_MATCHING_N_SECTIONS; s++)
    {
      g_list_store_remove_all (self->sections[s]);
      lists[s] = g_ptr_array_new ();
    }
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  self->entries = make_entries (self, self->plan);
  for (guint i = 0; i < self->entries->len; i++)
    {
      PbMatchingEntry *entry = g_ptr_array_index (self->entries, i);

      g_ptr_array_add (lists[pb_matching_entry_get_section (entry)], entry);
    }

  /* One splice per section: a hundred thousand people are one change each. */
  for (guint s = 0; s < PB_MATCHING_N_SECTIONS; s++)
    {
      g_list_store_splice (self->sections[s], 0, 0, lists[s]->pdata, lists[s]->len);
      adw_view_stack_page_set_badge_number (pages[s], s == PB_MATCHING_SECTION_MATCHED ? 0 : lists[s]->len);
      adw_view_stack_page_set_needs_attention (pages[s], s == PB_MATCHING_SECTION_ATTENTION && lists[s]->len > 0);
      gtk_stack_set_visible_child_name (stacks[s], lists[s]->len > 0 ? "list" : "empty");
      if (first < 0 && lists[s]->len > 0)
        first = s;
      g_ptr_array_unref (lists[s]);
    }
  if (first >= 0 && show_first)
    adw_view_stack_set_visible_child (self->view_stack, adw_view_stack_page_get_child (pages[first]));

  update_summary (self);
}

/* Shows @plan (taking it) in the four sections. */
static void
load_plan (PbMatchingWindow *self,
           PbUserPlan       *plan)
{
  for (guint s = 0; s < PB_MATCHING_N_SECTIONS; s++)
    g_list_store_remove_all (self->sections[s]);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  /* The report shown may be this very plan, applied: it goes with it. */
  if (self->report == self->plan && self->report != NULL)
    {
      g_list_store_remove_all (self->report_entries);
      self->report = NULL;
    }
  g_clear_pointer (&self->plan, pb_user_plan_free);
  self->plan = plan;

  fill_sections (self, TRUE);
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, TRUE);
  adw_view_switcher_title_set_title (self->switcher_title, _("Sync Users"));
  gtk_stack_set_visible_child_name (self->main_stack, "plan");
  update_actions (self);
}

static const char *
outcome_label (PbOutcome outcome)
{
  switch (outcome)
    {
    case PB_OUTCOME_LINKED: return _("Linked");
    case PB_OUTCOME_PAYROLL_UPDATED: return _("Updated in payroll");
    case PB_OUTCOME_HR_UPDATED: return _("Updated in HR");
    case PB_OUTCOME_CREATED_IN_PAYROLL: return _("Created in payroll");
    case PB_OUTCOME_CREATED_IN_HR: return _("Created in HR");
    case PB_OUTCOME_LEFT: return _("Left as they are");
    case PB_OUTCOME_SKIPPED: return _("Skipped");
    case PB_OUTCOME_FAILED: return _("Failed");
    case PB_OUTCOME_NONE:
    case PB_N_OUTCOMES:
    default: return _("Not done");
    }
}

static char *
report_counts_text (PbUserPlan *plan,
                    guint       counts[PB_N_OUTCOMES])
{
  g_autoptr(GString) out = g_string_new (NULL);

  pb_user_plan_count_outcomes (plan, counts);
  append_count (out, counts[PB_OUTCOME_PAYROLL_UPDATED],
                g_dngettext (GETTEXT_PACKAGE, "%u updated in payroll", "%u updated in payroll", counts[PB_OUTCOME_PAYROLL_UPDATED]));
  append_count (out, counts[PB_OUTCOME_CREATED_IN_PAYROLL],
                g_dngettext (GETTEXT_PACKAGE, "%u created in payroll", "%u created in payroll", counts[PB_OUTCOME_CREATED_IN_PAYROLL]));
  append_count (out, counts[PB_OUTCOME_HR_UPDATED],
                g_dngettext (GETTEXT_PACKAGE, "%u updated in HR", "%u updated in HR", counts[PB_OUTCOME_HR_UPDATED]));
  append_count (out, counts[PB_OUTCOME_CREATED_IN_HR],
                g_dngettext (GETTEXT_PACKAGE, "%u created in HR", "%u created in HR", counts[PB_OUTCOME_CREATED_IN_HR]));
  append_count (out, counts[PB_OUTCOME_LINKED],
                g_dngettext (GETTEXT_PACKAGE, "%u linked", "%u linked", counts[PB_OUTCOME_LINKED]));
  append_count (out, counts[PB_OUTCOME_LEFT],
                g_dngettext (GETTEXT_PACKAGE, "%u left as they are", "%u left as they are", counts[PB_OUTCOME_LEFT]));
  append_count (out, counts[PB_OUTCOME_SKIPPED],
                g_dngettext (GETTEXT_PACKAGE, "%u skipped", "%u skipped", counts[PB_OUTCOME_SKIPPED]));
  append_count (out, counts[PB_OUTCOME_FAILED],
                g_dngettext (GETTEXT_PACKAGE, "%u failed", "%u failed", counts[PB_OUTCOME_FAILED]));
  append_count (out, counts[PB_OUTCOME_NONE],
                g_dngettext (GETTEXT_PACKAGE, "%u not done", "%u not done", counts[PB_OUTCOME_NONE]));

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
report_order (PbOutcome outcome)
{
  /* Failures first, then what was skipped: what needs a look. */
  return outcome == PB_OUTCOME_FAILED ? 0 : outcome == PB_OUTCOME_SKIPPED ? 1 : 2;
}

static int
compare_report_entries (gconstpointer a,
                        gconstpointer b)
{
  PbMatchingEntry *ea = *(PbMatchingEntry **) a;
  PbMatchingEntry *eb = *(PbMatchingEntry **) b;
  int oa = report_order (pb_plan_item_get_outcome (pb_matching_entry_get_item (ea)));
  int ob = report_order (pb_plan_item_get_outcome (pb_matching_entry_get_item (eb)));

  if (oa != ob)
    return oa - ob;
  return g_utf8_collate (pb_matching_entry_get_name (ea), pb_matching_entry_get_name (eb));
}

/* Shows @report (taking it unless it is self->plan) as the report page. */
static void
load_report (PbMatchingWindow *self,
             PbUserPlan       *report)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *counts_text = NULL;
  g_autofree char *when = NULL;
  g_autofree char *detail = NULL;
  guint counts[PB_N_OUTCOMES];

  g_list_store_remove_all (self->report_entries);
  if (self->report != report)
    {
      if (self->report != self->plan)
        g_clear_pointer (&self->report, pb_user_plan_free);
      self->report = report;
    }

  entries = make_entries (self, report);
  g_ptr_array_sort (entries, compare_report_entries);
  g_list_store_splice (self->report_entries, 0, 0, entries->pdata, entries->len);

  counts_text = report_counts_text (report, counts);
  gtk_label_set_label (self->report_counts, counts_text);
  if (counts[PB_OUTCOME_FAILED] > 0)
    {
      g_autofree char *title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Synchronized with %u Failure",
                                                             "Synchronized with %u Failures",
                                                             counts[PB_OUTCOME_FAILED]),
                                                counts[PB_OUTCOME_FAILED]);
      gtk_label_set_label (self->report_title, title);
      gtk_image_set_from_icon_name (self->report_icon, "dialog-warning-symbolic");
    }
  else
    {
      gtk_label_set_label (self->report_title, _("Users Synchronized"));
      gtk_image_set_from_icon_name (self->report_icon, "emblem-ok-symbolic");
    }

  when = pb_format_timestamp (report->applied_at);
  if (counts[PB_OUTCOME_FAILED] > 0)
    /* Translators: %s is a date and time */
    detail = g_strdup_printf (_("Applied %s. The failures are in the connection’s error log too, with what to do."),
                              when);
  else
    detail = g_strdup_printf (_("Applied %s."), when);
  gtk_label_set_label (self->report_detail, detail);

  /* The sections do not apply to a report: the header says what it is. */
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, FALSE);
  adw_view_switcher_title_set_title (self->switcher_title, _("User Sync Report"));
  gtk_stack_set_visible_child_name (self->main_stack, "report");
  update_actions (self);
}

/* --- reading ----------------------------------------------------------------------- */

static void
set_busy (PbMatchingWindow *self,
          gboolean          busy)
{
  if (busy)
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  else
    g_clear_object (&self->cancellable);
  update_actions (self);
}

static void
on_plan_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PbMatchingWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  PbUserPlan *plan = pb_user_sync_plan_finish (result, &error);

  gtk_spinner_stop (self->reading_spinner);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    {
      g_clear_pointer (&plan, pb_user_plan_free);
      return;
    }
  /* Cancelled (a report was asked for meanwhile): whatever came back is
   * not shown. The plan, if read, is stored and opens next time. */
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_pointer (&plan, pb_user_plan_free);
      set_busy (self, FALSE);
      return;
    }
  set_busy (self, FALSE);

  if (plan == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->main_stack, "error");
      return;
    }

  load_plan (self, plan);
}

static void
on_provider_opened_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(PbMatchingWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbProvider) provider = pb_connections_open_finish (result, &error);
  NextStep next = self->next;

  self->next = NEXT_NONE;
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      set_busy (self, FALSE);
      return;
    }
  set_busy (self, FALSE);

  if (provider == NULL)
    {
      if (next == NEXT_READ || self->plan == NULL)
        {
          gtk_spinner_stop (self->reading_spinner);
          adw_status_page_set_description (self->error_page, error->message);
          gtk_stack_set_visible_child_name (self->main_stack, "error");
        }
      else
        show_notice (self, error->message);
      return;
    }

  self->provider = g_steal_pointer (&provider);
  if (next == NEXT_READ)
    read_plan (self);
  else if (next == NEXT_APPLY)
    apply_plan (self);
}

/* The connector, with the keyring's secrets, once per window. */
static gboolean
ensure_provider (PbMatchingWindow *self,
                 NextStep          next)
{
  if (self->provider != NULL)
    return TRUE;

  self->next = next;
  set_busy (self, TRUE);
  pb_connections_open_async (self->connection, self->cancellable, on_provider_opened_cb, g_object_ref (self));
  return FALSE;
}

static void
read_plan (PbMatchingWindow *self)
{
  g_debug ("Reading both sides for “%s”", self->connection->name);
  self->read_on_map = FALSE;
  gtk_stack_set_visible_child_name (self->main_stack, "reading");
  gtk_spinner_start (self->reading_spinner);
  if (!ensure_provider (self, NEXT_READ))
    return;

  set_busy (self, TRUE);
  pb_user_sync_plan_async (self->store, self->connection, self->provider, self->cancellable, on_plan_read_cb,
                           g_object_ref (self));
}

/* --- applying ---------------------------------------------------------------------- */

static void
on_apply_progress (guint    done,
                   guint    total,
                   gpointer user_data)
{
  PbMatchingWindow *self = user_data;
  g_autofree char *text = NULL;

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;

  /* Translators: progress of a user sync, "3 of 12" */
  text = g_strdup_printf (_("%u of %u"), done, total);
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) done / total : 1.0);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

/* SPEC U5: a desktop notification when the administrator is elsewhere. */
static void
notify_done (PbMatchingWindow *self,
             PbUserSyncReport *report)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  guint counts[PB_N_OUTCOMES];

  body = report_counts_text (self->plan, counts);
  if (report->failed > 0)
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "User sync with “%s”: %u failure",
                                          "User sync with “%s”: %u failures", report->failed),
                             self->connection->name, report->failed);
  else
    title = g_strdup_printf (_("Users synchronized with “%s”"), self->connection->name);

  g_free (self->last_notification);
  self->last_notification = g_strdup_printf ("%s\n%s", title, body);

  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self)))
    return;

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.show-sync-report", "(xx)",
                                                self->connection->id, self->plan->id);
  g_application_send_notification (app, "user-sync", notification);
}

static void
on_applied_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PbMatchingWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  PbUserSyncReport report = { 0 };
  gboolean ok = pb_user_sync_apply_finish (result, &report, &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  set_busy (self, FALSE);
  gtk_stack_set_visible_child_name (self->action_stack, "ready");

  if (g_error_matches (error, PB_USER_SYNC_ERROR, PB_USER_SYNC_ERROR_STALE))
    {
      g_autofree char *text = g_strdup_printf (_("%s Decisions of the people who changed were reset."),
                                               error->message);

      /* Read again: the decisions still valid are kept (the engine carries
       * them over), those who changed are under Needs Attention. */
      read_plan (self);
      show_notice (self, text);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      guint counts[PB_N_OUTCOMES];
      g_autofree char *text = NULL;

      pb_user_plan_count_outcomes (self->plan, counts);
      text = g_strdup_printf (_("Cancelled: %u of %u people done. The rest stays to do; synchronize again to go on."),
                              self->plan->items->len - counts[PB_OUTCOME_NONE], self->plan->items->len);
      show_notice (self, text);
      update_summary (self);
      return;
    }

  if (!ok)
    {
      show_notice (self, error->message);
      update_summary (self);
      return;
    }

  notify_done (self, &report);
  if (report.activated)
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is now active: changes in HR are sent to payroll from now on."),
                                               self->connection->name);
      show_toast (self, text);
    }
  self->has_report = TRUE;
  load_report (self, self->plan);
  g_signal_emit (self, signals [SYNCED], 0);
}

static void
apply_plan (PbMatchingWindow *self)
{
  if (self->plan == NULL || !ensure_provider (self, NEXT_APPLY))
    return;

  show_notice (self, NULL);
  set_busy (self, TRUE);
  on_apply_progress (0, self->plan->items->len, self);
  gtk_stack_set_visible_child_name (self->action_stack, "busy");
  pb_user_sync_apply_async (self->store, self->connection, self->provider, self->plan, on_apply_progress, self,
                            self->cancellable, on_applied_cb, g_object_ref (self));
}

/* --- list rows ----------------------------------------------------------------------- */

static void
on_factory_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *list_item,
                     gpointer                  user_data)
{
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_child (list_item, pb_matching_row_new ());
}

static void
on_factory_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  user_data)
{
  PbMatchingWindow *self = user_data;

  pb_matching_row_set_compact (PB_MATCHING_ROW (gtk_list_item_get_child (list_item)), self->compact_rows);
  pb_matching_row_set_entry (PB_MATCHING_ROW (gtk_list_item_get_child (list_item)),
                             gtk_list_item_get_item (list_item));
}

/* Below this width a row's name and email would be cut to a few letters
 * beside its controls. */
#define COMPACT_ROWS_WIDTH 640

static void
set_rows_compact (GtkWidget *widget,
                  gboolean   compact)
{
  if (PB_IS_MATCHING_ROW (widget))
    {
      pb_matching_row_set_compact (PB_MATCHING_ROW (widget), compact);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    set_rows_compact (c, compact);
}

static gboolean
compact_rows_idle (gpointer data)
{
  PbMatchingWindow *self = data;

  self->compact_idle = 0;
  set_rows_compact (GTK_WIDGET (self), self->compact_rows);
  return G_SOURCE_REMOVE;
}

/* Moving the controls changes the rows' sizes: done after this
 * allocation, not inside it. */
static void
pb_matching_window_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);
  gboolean compact = width < COMPACT_ROWS_WIDTH;

  GTK_WIDGET_CLASS (pb_matching_window_parent_class)->size_allocate (widget, width, height, baseline);

  if (compact != self->compact_rows)
    {
      self->compact_rows = compact;
      if (self->compact_idle == 0)
        /* Before the next layout, so that it is drawn right at once. */
        self->compact_idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, compact_rows_idle, self, NULL);
    }
}

static void
on_factory_unbind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *list_item,
                      gpointer                  user_data)
{
  pb_matching_row_set_entry (PB_MATCHING_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
on_report_setup_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *names = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);
  GtkWidget *outcome = gtk_label_new (NULL);

  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_widget_set_hexpand (names, TRUE);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name, "heading");
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_set_valign (outcome, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (names), name);
  gtk_box_append (GTK_BOX (names), detail);
  gtk_box_append (GTK_BOX (box), names);
  gtk_box_append (GTK_BOX (box), outcome);
  gtk_widget_add_css_class (box, "report-row");
  gtk_list_item_set_child (list_item, box);
}

static void
on_report_bind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  PbMatchingEntry *entry = gtk_list_item_get_item (list_item);
  PbPlanItem *item = pb_matching_entry_get_item (entry);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *names = gtk_widget_get_first_child (box);
  GtkWidget *outcome = gtk_widget_get_last_child (box);
  GtkWidget *name = gtk_widget_get_first_child (names);
  GtkWidget *detail = gtk_widget_get_last_child (names);
  PbOutcome kind = pb_plan_item_get_outcome (item);
  const char *email = pb_matching_entry_get_email (entry);
  const char *why = pb_plan_item_get_outcome_detail (item);
  g_autofree char *text = NULL;

  gtk_label_set_label (GTK_LABEL (name), pb_matching_entry_get_name (entry));
  text = why != NULL ? g_strdup_printf ("%s — %s", email != NULL ? email : "", why)
                     : g_strdup (email != NULL ? email : "");
  gtk_label_set_label (GTK_LABEL (detail), text);
  gtk_label_set_label (GTK_LABEL (outcome), outcome_label (kind));
  gtk_widget_remove_css_class (outcome, "error");
  gtk_widget_remove_css_class (outcome, "dim-label");
  gtk_widget_remove_css_class (outcome, "success");
  gtk_widget_add_css_class (outcome, kind == PB_OUTCOME_FAILED ? "error"
                                     : kind == PB_OUTCOME_SKIPPED || kind == PB_OUTCOME_LEFT ? "dim-label"
                                     : "success");
}

/* --- actions --------------------------------------------------------------------------- */

static void
read_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);

  show_notice (self, NULL);
  read_plan (self);
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  apply_plan (PB_MATCHING_WINDOW (widget));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* The choice for all (SPEC U3: "may decide for all at once"; U4), on the
 * people of one section who offer it. */
static void
bulk_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);
  const char *choice = g_variant_get_string (parameter, NULL);
  PbDecision decision;
  PbMatchKind kind;
  guint changed = 0;

  if (g_str_equal (choice, "leave-hr-only"))
    decision = PB_DECISION_LEAVE, kind = PB_MATCH_HR_ONLY;
  else if (g_str_equal (choice, "leave-payroll-only"))
    decision = PB_DECISION_LEAVE, kind = PB_MATCH_PAYROLL_ONLY;
  else if (!pb_decision_from_string (choice, &decision))
    g_return_if_reached ();
  else
    kind = decision == PB_DECISION_CREATE_IN_PAYROLL ? PB_MATCH_HR_ONLY
           : decision == PB_DECISION_CREATE_IN_HR ? PB_MATCH_PAYROLL_ONLY
           : PB_MATCH_MATCHED;

  if (self->plan == NULL || !pb_store_begin (self->store, NULL))
    return;

  for (guint i = 0; i < self->entries->len; i++)
    {
      PbMatchingEntry *entry = g_ptr_array_index (self->entries, i);
      PbPlanItem *item = pb_matching_entry_get_item (entry);
      guint n_choices = 0;
      const PbDecision *choices = pb_matching_entry_get_choices (entry, &n_choices);
      gboolean offered = FALSE;

      for (guint c = 0; c < n_choices; c++)
        offered |= choices[c] == decision;
      if (item->kind != kind || !offered || pb_plan_item_is_done (item) || item->decision == decision)
        continue;

      pb_matching_entry_set_decision (entry, decision);
      save_decision (self, item);
      changed++;
    }

  /* All of them in one transaction: one write to the disk, not thousands. */
  if (!pb_store_commit (self->store, NULL))
    pb_store_rollback (self->store);

  update_summary (self);
  if (changed > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u person decided",
                                                            "%u people decided", changed), changed);
      show_toast (self, text);
    }
}

/* A row's choice: saved at once (offline review survives a restart). */
static void
decided_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);
  guint position = g_variant_get_uint32 (parameter);

  if (self->plan == NULL || position >= self->plan->items->len)
    return;

  save_decision (self, g_ptr_array_index (self->plan->items, position));
  update_summary (self);
}

/* SPEC U1, U3, U4: an HR-only person paired by hand with a payroll-only
 * one: from now on one matched person, under Needs Attention with the
 * differences, or Matched. Saved at once with the plan. */
static void
pair_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  guint hr_position, payroll_position;

  g_variant_get (parameter, "(uu)", &hr_position, &payroll_position);
  if (self->plan == NULL || is_busy (self) || hr_position >= self->plan->items->len ||
      payroll_position >= self->plan->items->len)
    return;

  if (!pb_user_sync_pair (self->store, self->connection, self->plan,
                          g_ptr_array_index (self->plan->items, hr_position),
                          g_ptr_array_index (self->plan->items, payroll_position), &error))
    {
      show_toast (self, error->message);
      return;
    }
  fill_sections (self, FALSE);
  show_toast (self, _("Paired: decide which side wins, then synchronize"));
}

static void
unpair_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  guint position = g_variant_get_uint32 (parameter);

  if (self->plan == NULL || is_busy (self) || position >= self->plan->items->len)
    return;

  if (!pb_user_sync_unpair (self->store, self->connection, self->plan,
                            g_ptr_array_index (self->plan->items, position), &error))
    {
      show_toast (self, error->message);
      return;
    }
  fill_sections (self, FALSE);
  show_toast (self, _("Unpaired"));
}

static void
show_last_report_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  pb_matching_window_show_report (PB_MATCHING_WINDOW (widget), 0);
}

static void
on_export_saved_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PbMatchingWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not export the report: %s"), error->message);
      show_toast (self, text);
      return;
    }
  show_toast (self, _("Report exported"));
}

static void
on_export_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         user_data)
{
  g_autoptr(PbMatchingWindow) self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *csv;

  if (response == GTK_RESPONSE_ACCEPT && self->report != NULL &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog))) != NULL)
    {
      csv = pb_user_plan_to_csv (self->store, self->report);
      bytes = g_bytes_new_take (csv, strlen (csv));
      g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL,
                                           on_export_saved_cb, g_object_ref (self));
    }
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  chooser = gtk_file_chooser_native_new (_("Export Report"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  /* Translators: the file name of an exported report; %s is the connection */
  name = g_strdup_printf (_("User sync %s.csv"), self->connection->name);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* --- the object ---------------------------------------------------------------------- */

/* Reading starts when the window is shown, not when it is made: nothing
 * goes to the network for a window nobody sees. */
static void
pb_matching_window_map (GtkWidget *widget)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (widget);

  GTK_WIDGET_CLASS (pb_matching_window_parent_class)->map (widget);

  if (self->read_on_map)
    {
      self->read_on_map = FALSE;
      read_plan (self);
    }
}

static gboolean
pb_matching_window_close_request (GtkWindow *window)
{
  PbMatchingWindow *self = PB_MATCHING_WINDOW (window);
  int width, height;

  if (self->settings != NULL)
    {
      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_int (self->settings, "sync-window-width", width);
      g_settings_set_int (self->settings, "sync-window-height", height);
    }

  return GTK_WINDOW_CLASS (pb_matching_window_parent_class)->close_request (window);
}

static void
pb_matching_window_dispose (GObject *object)
{
  PbMatchingWindow *self = (PbMatchingWindow *)object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->compact_idle, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_MATCHING_WINDOW);

  G_OBJECT_CLASS (pb_matching_window_parent_class)->dispose (object);
}

static void
pb_matching_window_finalize (GObject *object)
{
  PbMatchingWindow *self = (PbMatchingWindow *)object;

  /* Entries point into the plans: they go first. In-flight work holds a
   * reference on the window, so nothing uses the plans any more here. */
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  for (guint s = 0; s < PB_MATCHING_N_SECTIONS; s++)
    g_clear_object (&self->sections[s]);
  g_clear_object (&self->report_entries);
  if (self->report == self->plan)
    self->report = NULL;
  g_clear_pointer (&self->plan, pb_user_plan_free);
  g_clear_pointer (&self->report, pb_user_plan_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->provider);
  g_clear_object (&self->connection);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_free (self->summary);
  g_free (self->last_notification);

  G_OBJECT_CLASS (pb_matching_window_parent_class)->finalize (object);
}

static void
pb_matching_window_class_init (PbMatchingWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_matching_window_dispose;
  object_class->finalize = pb_matching_window_finalize;
  widget_class->map = pb_matching_window_map;
  widget_class->size_allocate = pb_matching_window_size_allocate;
  GTK_WINDOW_CLASS (klass)->close_request = pb_matching_window_close_request;

  /**
   * PbMatchingWindow::synced:
   *
   * A user sync completed (the connection may be active now).
   */
  signals [SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/paybridge/Paybridge/ui/pb-matching-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, reading_spinner);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, notice_revealer);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, notice_label);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, attention_page);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, hr_only_page);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, payroll_only_page);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, matched_page);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, attention_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, hr_only_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, payroll_only_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, matched_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, attention_list);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, hr_only_list);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, payroll_only_list);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, matched_list);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, action_stack);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, report_icon);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, report_title);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, report_counts);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, report_detail);
  gtk_widget_class_bind_template_child (widget_class, PbMatchingWindow, report_list);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_unbind_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_report_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_report_bind_cb);

  gtk_widget_class_install_action (widget_class, "matching.read", NULL, read_action);
  gtk_widget_class_install_action (widget_class, "matching.apply", NULL, apply_action);
  gtk_widget_class_install_action (widget_class, "matching.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "matching.bulk", "s", bulk_action);
  gtk_widget_class_install_action (widget_class, "matching.decided", "u", decided_action);
  gtk_widget_class_install_action (widget_class, "matching.pair", "(uu)", pair_action);
  gtk_widget_class_install_action (widget_class, "matching.unpair", "u", unpair_action);
  gtk_widget_class_install_action (widget_class, "matching.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "matching.show-last-report", NULL, show_last_report_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "matching.read", NULL);
}

static void
pb_matching_window_init (PbMatchingWindow *self)
{
  GtkListView *lists[PB_MATCHING_N_SECTIONS];

  gtk_widget_init_template (GTK_WIDGET (self));

  lists[PB_MATCHING_SECTION_ATTENTION] = self->attention_list;
  lists[PB_MATCHING_SECTION_HR_ONLY] = self->hr_only_list;
  lists[PB_MATCHING_SECTION_PAYROLL_ONLY] = self->payroll_only_list;
  lists[PB_MATCHING_SECTION_MATCHED] = self->matched_list;
  for (guint s = 0; s < PB_MATCHING_N_SECTIONS; s++)
    {
      g_autoptr(GtkNoSelection) selection = NULL;

      self->sections[s] = g_list_store_new (PB_TYPE_MATCHING_ENTRY);
      selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->sections[s])));
      gtk_list_view_set_model (lists[s], GTK_SELECTION_MODEL (selection));
    }
  self->report_entries = g_list_store_new (PB_TYPE_MATCHING_ENTRY);
  {
    g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->report_entries)));
    gtk_list_view_set_model (self->report_list, GTK_SELECTION_MODEL (selection));
  }

  g_object_bind_property (self->switcher_title, "title-visible", self->switcher_bar, "reveal",
                          G_BINDING_SYNC_CREATE);

  self->settings = pb_application_new_settings ();
  if (self->settings != NULL)
    gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "sync-window-width"),
                                 g_settings_get_int (self->settings, "sync-window-height"));
}

/**
 * pb_matching_window_new:
 *
 * Opens user matching for @connection: the last unapplied plan from the
 * store if there is one (no network needed), else both sides are read.
 */
PbMatchingWindow *
pb_matching_window_new (GtkWindow    *parent,
                        PbStore      *store,
                        PbConnection *connection)
{
  PbMatchingWindow *self;
  g_autoptr(PbUserPlan) plan = NULL;
  g_autofree char *subtitle = NULL;

  g_return_val_if_fail (PB_IS_STORE (store), NULL);
  g_return_val_if_fail (PB_IS_CONNECTION (connection), NULL);

  self = g_object_new (PB_TYPE_MATCHING_WINDOW,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->store = g_object_ref (store);
  self->connection = g_object_ref (connection);
  adw_view_switcher_title_set_subtitle (self->switcher_title, connection->name);
  subtitle = g_strdup_printf (_("Sync Users — %s"), connection->name);
  gtk_window_set_title (GTK_WINDOW (self), subtitle);

  {
    g_autoptr(GPtrArray) reports = pb_store_list_reports (store, connection->id, NULL);
    self->has_report = reports != NULL && reports->len > 0;
  }

  plan = pb_store_load_last_plan (store, connection->id, NULL);
  if (plan != NULL && plan->applied_at == NULL)
    {
      g_autofree char *when = pb_format_timestamp (plan->created_at);
      g_autofree char *text = g_strdup_printf (_("Read %s. Decisions are saved as you make them; "
                                                 "read again to see changes made since."), when);

      load_plan (self, g_steal_pointer (&plan));
      show_notice (self, text);
    }
  else
    self->read_on_map = TRUE;

  update_actions (self);
  return self;
}

/**
 * pb_matching_window_show_report:
 * @plan_id: a report of the connection, or 0 for the newest
 *
 * Shows a saved user-sync report (SPEC U5), from the store alone.
 */
void
pb_matching_window_show_report (PbMatchingWindow *self,
                                gint64            plan_id)
{
  g_autoptr(GError) error = NULL;
  PbUserPlan *report = NULL;

  g_return_if_fail (PB_IS_MATCHING_WINDOW (self));

  g_debug ("Showing report %" G_GINT64_FORMAT " of “%s”", plan_id, self->connection->name);
  /* Asked for a report, not for a new read: none starts, and one under
   * way would replace the report when it ends. */
  self->read_on_map = FALSE;
  if (self->cancellable != NULL && g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "reading") == 0)
    g_cancellable_cancel (self->cancellable);

  if (plan_id == 0)
    {
      g_autoptr(GPtrArray) reports = pb_store_list_reports (self->store, self->connection->id, &error);

      if (reports != NULL && reports->len > 0)
        plan_id = ((PbUserPlan *) g_ptr_array_index (reports, 0))->id;
    }
  if (plan_id != 0)
    report = pb_store_load_plan (self->store, self->connection->id, plan_id, &error);

  if (report == NULL || report->applied_at == NULL)
    {
      g_clear_pointer (&report, pb_user_plan_free);
      show_toast (self, error != NULL ? error->message : _("There is no report of this connection yet"));
      return;
    }

  if (self->plan != NULL && self->plan->id == report->id)
    {
      pb_user_plan_free (report);
      report = self->plan;
    }
  load_report (self, report);
}

/**
 * pb_matching_window_pair_candidates:
 * @hr_position: the plan position of an HR-only person
 *
 * Who the person can be paired with: the unmatched payroll people,
 * suggested ones first (same employee number, national identity number
 * or name).
 *
 * Returns: (transfer full) (element-type PbPairCandidate): the candidates,
 *   empty if the person cannot be paired
 */
GArray *
pb_matching_window_pair_candidates (PbMatchingWindow *self,
                                    guint             hr_position)
{
  PbPlanItem *item;

  if (self->plan == NULL || self->plan->applied_at != NULL || hr_position >= self->plan->items->len)
    return g_array_new (FALSE, FALSE, sizeof (PbPairCandidate));

  item = g_ptr_array_index (self->plan->items, hr_position);
  for (guint i = 0; self->entries != NULL && i < self->entries->len; i++)
    {
      PbMatchingEntry *entry = g_ptr_array_index (self->entries, i);

      if (pb_matching_entry_get_item (entry) == item && pb_matching_entry_get_hr (entry) != NULL &&
          item->kind == PB_MATCH_HR_ONLY)
        return pb_user_plan_pair_candidates (self->plan, pb_matching_entry_get_hr (entry));
    }
  return g_array_new (FALSE, FALSE, sizeof (PbPairCandidate));
}

/* --- for the tests ----------------------------------------------------------------- */

void
pb_matching_window_set_provider (PbMatchingWindow *self,
                                 PbProvider       *provider)
{
  g_set_object (&self->provider, provider);
}

/* Returns: "reading", "error", "plan" or "report" */
const char *
pb_matching_window_get_state (PbMatchingWindow *self)
{
  return gtk_stack_get_visible_child_name (self->main_stack);
}

GListModel *
pb_matching_window_get_section (PbMatchingWindow  *self,
                                PbMatchingSection  section)
{
  return G_LIST_MODEL (self->sections[section]);
}

const char *
pb_matching_window_get_summary (PbMatchingWindow *self)
{
  return self->summary;
}

/* Returns: (nullable): the notice above the lists, if shown */
const char *
pb_matching_window_get_notice (PbMatchingWindow *self)
{
  return gtk_revealer_get_reveal_child (self->notice_revealer) ? gtk_label_get_label (self->notice_label) : NULL;
}

PbUserPlan *
pb_matching_window_get_plan (PbMatchingWindow *self)
{
  return self->plan;
}

const char *
pb_matching_window_get_report_title (PbMatchingWindow *self)
{
  return gtk_label_get_label (self->report_title);
}

/* Returns: (nullable): "title\nbody" of the last notification, sent or
 * not (it is not sent while the window is focused) */
const char *
pb_matching_window_get_last_notification (PbMatchingWindow *self)
{
  return self->last_notification;
}

char *
pb_matching_window_dup_report_csv (PbMatchingWindow *self)
{
  return self->report != NULL ? pb_user_plan_to_csv (self->store, self->report) : NULL;
}

/**
 * pb_matching_window_set_paused:
 * @paused: whether an import is writing to the register
 *
 * While paused, nothing here writes (reading a plan, a decision, Apply):
 * the main loop would wait on the import's write lock (issue 14).
 */
void
pb_matching_window_set_paused (PbMatchingWindow *self,
                               gboolean          paused)
{
  g_return_if_fail (PB_IS_MATCHING_WINDOW (self));

  self->paused = !!paused;
  update_actions (self);
}
