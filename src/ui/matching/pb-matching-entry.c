/* pb-matching-entry.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMatchingEntry"

#include "config.h"

#include "pb-matching-entry.h"

/* One person of a user-sync plan in the matching view's list models: the
 * plan item (owned by the window's plan), the HR person as the register
 * holds them now, and which section they belong in. The `decision`
 * property lets rows follow a bulk choice made elsewhere. */

struct _PbMatchingEntry
{
  GObject      parent_instance;

  PbPlanItem  *item;      /* (unowned) the window keeps the plan */
  PbRecord    *hr;        /* (owned) (nullable) */
  char        *name;
};

G_DEFINE_FINAL_TYPE (PbMatchingEntry, pb_matching_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DECISION,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

/* The choices a person offers, the first being "not decided" (SPEC U3, U4). */
static const PbDecision matched_choices[] = { PB_DECISION_NONE, PB_DECISION_PREFER_HR, PB_DECISION_PREFER_PAYROLL };
static const PbDecision hr_only_choices[] = { PB_DECISION_NONE, PB_DECISION_CREATE_IN_PAYROLL, PB_DECISION_LEAVE };
static const PbDecision payroll_only_choices[] = { PB_DECISION_NONE, PB_DECISION_CREATE_IN_HR, PB_DECISION_LEAVE };

static void
pb_matching_entry_finalize (GObject *object)
{
  PbMatchingEntry *self = (PbMatchingEntry *)object;

  g_clear_object (&self->hr);
  g_free (self->name);

  G_OBJECT_CLASS (pb_matching_entry_parent_class)->finalize (object);
}

static void
pb_matching_entry_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PbMatchingEntry *self = PB_MATCHING_ENTRY (object);

  switch (prop_id)
    {
    case PROP_DECISION:
      g_value_set_int (value, self->item->decision);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_matching_entry_class_init (PbMatchingEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pb_matching_entry_finalize;
  object_class->get_property = pb_matching_entry_get_property;

  properties [PROP_DECISION] =
    g_param_spec_int ("decision", NULL, NULL, PB_DECISION_NONE, PB_DECISION_LINK, PB_DECISION_NONE,
                      (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pb_matching_entry_init (PbMatchingEntry *self)
{
}

PbMatchingEntry *
pb_matching_entry_new (PbPlanItem *item,
                       PbRecord   *hr)
{
  PbMatchingEntry *self = g_object_new (PB_TYPE_MATCHING_ENTRY, NULL);
  PbRecord *person = hr != NULL ? hr : item->payroll;

  self->item = item;
  self->hr = hr != NULL ? g_object_ref (hr) : NULL;
  self->name = person != NULL ? pb_record_dup_display_name (person) : g_strdup ("?");

  return self;
}

PbPlanItem *
pb_matching_entry_get_item (PbMatchingEntry *self)
{
  g_return_val_if_fail (PB_IS_MATCHING_ENTRY (self), NULL);

  return self->item;
}

/* Returns: (nullable) (transfer none): the HR person */
PbRecord *
pb_matching_entry_get_hr (PbMatchingEntry *self)
{
  g_return_val_if_fail (PB_IS_MATCHING_ENTRY (self), NULL);

  return self->hr;
}

/* Each person is in one section: anything that asks for a look first
 * (differences, missing required fields, ambiguity, payroll changes since
 * the last read), else by side. */
PbMatchingSection
pb_matching_entry_get_section (PbMatchingEntry *self)
{
  PbPlanItem *item = self->item;

  if (item->kind == PB_MATCH_AMBIGUOUS || item->changed != 0 || item->missing != 0 ||
      (item->kind == PB_MATCH_MATCHED && item->differing != 0))
    return PB_MATCHING_SECTION_ATTENTION;

  if (item->kind == PB_MATCH_HR_ONLY || (item->kind == PB_MATCH_LOCKED && item->remote_id == NULL))
    return PB_MATCHING_SECTION_HR_ONLY;
  if (item->kind == PB_MATCH_PAYROLL_ONLY)
    return PB_MATCHING_SECTION_PAYROLL_ONLY;

  return PB_MATCHING_SECTION_MATCHED;
}

const char *
pb_matching_entry_get_name (PbMatchingEntry *self)
{
  return self->name;
}

/* Returns: (nullable): the email, from HR or else payroll */
const char *
pb_matching_entry_get_email (PbMatchingEntry *self)
{
  PbRecord *person = self->hr != NULL ? self->hr : self->item->payroll;

  return person != NULL ? pb_record_get (person, PB_EMPLOYEE_EMAIL) : NULL;
}

/**
 * pb_matching_entry_get_choices:
 *
 * Returns: (array length=n_choices) (nullable): the decisions the
 *   administrator can take for this person, or %NULL when there is none
 *   to take (the same on both sides, locked, ambiguous)
 */
const PbDecision *
pb_matching_entry_get_choices (PbMatchingEntry *self,
                               guint           *n_choices)
{
  PbPlanItem *item = self->item;

  switch (item->kind)
    {
    case PB_MATCH_MATCHED:
      if (item->differing == 0)
        break;
      *n_choices = G_N_ELEMENTS (matched_choices);
      return matched_choices;

    case PB_MATCH_HR_ONLY:
      *n_choices = G_N_ELEMENTS (hr_only_choices);
      return hr_only_choices;

    case PB_MATCH_PAYROLL_ONLY:
      *n_choices = G_N_ELEMENTS (payroll_only_choices);
      return payroll_only_choices;

    case PB_MATCH_AMBIGUOUS:
    case PB_MATCH_LOCKED:
    default:
      break;
    }

  *n_choices = 0;
  return NULL;
}

void
pb_matching_entry_set_decision (PbMatchingEntry *self,
                                PbDecision       decision)
{
  g_return_if_fail (PB_IS_MATCHING_ENTRY (self));

  if (self->item->decision == decision)
    return;

  self->item->decision = decision;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_DECISION]);
}
