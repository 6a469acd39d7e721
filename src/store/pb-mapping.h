/* pb-mapping.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pb-store.h"

G_BEGIN_DECLS

/* Absence-type mappings of a connection (SPEC A2, A5) and the payroll
 * system's absence types as last read, so that mappings can be reviewed
 * and changed with no network. */

typedef struct
{
  char *id;        /* the type's id in payroll (Tripletex: an activity) */
  char *name;
} PbRemoteType;

typedef enum
{
  PB_MAPPING_UNMAPPED,   /* not decided: never sent (A2) */
  PB_MAPPING_MAPPED,     /* sent as remote_type */
  PB_MAPPING_EXCLUDED,   /* "Do not sync" */
} PbMappingState;

typedef struct
{
  gint64          absence_type_id;
  char           *key;            /* the HR type's key */
  char           *name;           /* the HR type's name */
  PbMappingState  state;
  char           *remote_type;    /* (nullable) MAPPED: the payroll type's id */
  char           *remote_name;    /* (nullable) its name as last read; NULL when
                                   * the type is no longer in payroll's list */
  char           *changed_at;     /* (nullable) */
  gint64          sent;           /* absences of this type sent to payroll */
} PbAbsenceMapping;

void        pb_remote_type_free          (PbRemoteType     *type);
void        pb_absence_mapping_free      (PbAbsenceMapping *mapping);
const char *pb_mapping_state_to_string   (PbMappingState    state);

GPtrArray  *pb_store_list_mappings       (PbStore       *store,
                                          gint64         connection_id,
                                          GError       **error);
PbAbsenceMapping *pb_store_get_mapping   (PbStore       *store,
                                          gint64         connection_id,
                                          gint64         absence_type_id,
                                          GError       **error);
gboolean    pb_store_set_mapping         (PbStore       *store,
                                          gint64         connection_id,
                                          gint64         absence_type_id,
                                          PbMappingState state,
                                          const char    *remote_type,
                                          GError       **error);
gint64      pb_store_count_unmapped      (PbStore       *store,
                                          gint64         connection_id);

gboolean    pb_store_save_remote_types   (PbStore       *store,
                                          gint64         connection_id,
                                          GPtrArray     *types,
                                          GError       **error);
GPtrArray  *pb_store_list_remote_types   (PbStore       *store,
                                          gint64         connection_id,
                                          char         **read_at,
                                          GError       **error);

GStrv       pb_store_list_absence_notified (PbStore     *store,
                                            gint64       employee_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbRemoteType, pb_remote_type_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PbAbsenceMapping, pb_absence_mapping_free)

G_END_DECLS
