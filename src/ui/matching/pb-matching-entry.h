/* pb-matching-entry.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pb-user-plan.h"

G_BEGIN_DECLS

/* Where a person shows in the matching view. */
typedef enum
{
  PB_MATCHING_SECTION_ATTENTION,     /* differences, missing fields, ambiguity, changes */
  PB_MATCHING_SECTION_HR_ONLY,
  PB_MATCHING_SECTION_PAYROLL_ONLY,
  PB_MATCHING_SECTION_MATCHED,
  PB_MATCHING_N_SECTIONS
} PbMatchingSection;

#define PB_TYPE_MATCHING_ENTRY (pb_matching_entry_get_type ())

G_DECLARE_FINAL_TYPE (PbMatchingEntry, pb_matching_entry, PB, MATCHING_ENTRY, GObject)

PbMatchingEntry   *pb_matching_entry_new          (PbPlanItem      *item,
                                                   PbRecord        *hr);
PbPlanItem        *pb_matching_entry_get_item     (PbMatchingEntry *self);
PbRecord          *pb_matching_entry_get_hr       (PbMatchingEntry *self);
PbMatchingSection  pb_matching_entry_get_section  (PbMatchingEntry *self);
const char        *pb_matching_entry_get_name     (PbMatchingEntry *self);
const char        *pb_matching_entry_get_email    (PbMatchingEntry *self);
const PbDecision  *pb_matching_entry_get_choices  (PbMatchingEntry *self,
                                                   guint           *n_choices);
void               pb_matching_entry_set_decision (PbMatchingEntry *self,
                                                   PbDecision       decision);

G_END_DECLS
