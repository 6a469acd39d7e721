/* pb-record.h
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a connection can sync (SPEC C4). */
typedef enum
{
  PB_DATA_USERS     = 1 << 0,
  PB_DATA_POSITIONS = 1 << 1,
  PB_DATA_ABSENCE   = 1 << 2,
  PB_DATA_SALARY    = 1 << 3,
} PbDataTypes;

#define PB_DATA_ALL (PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_ABSENCE | PB_DATA_SALARY)

const char *pb_data_type_to_string   (PbDataTypes  type);
gboolean    pb_data_types_parse      (const char  *text,
                                      PbDataTypes *types,
                                      char       **bad_word);
char       *pb_data_types_to_string  (PbDataTypes  types);

/* The kinds of record in the HR register. Companies, locations, teams and
 * absence types are looked up by their `key`; employees by employee number
 * or email; positions, absences and salaries belong to one employee. */
typedef enum
{
  PB_ENTITY_COMPANY,
  PB_ENTITY_LOCATION,
  PB_ENTITY_TEAM,
  PB_ENTITY_ABSENCE_TYPE,
  PB_ENTITY_EMPLOYEE,
  PB_ENTITY_POSITION,
  PB_ENTITY_ABSENCE,
  PB_ENTITY_SALARY,
  PB_N_ENTITIES
} PbEntity;

typedef enum
{
  PB_FIELD_TEXT,
  PB_FIELD_EMAIL,
  PB_FIELD_DATE,
  PB_FIELD_PERCENT,
  PB_FIELD_AMOUNT,
  PB_FIELD_CURRENCY,
  PB_FIELD_COUNTRY,
  PB_FIELD_NO_ACCOUNT,
  PB_FIELD_IBAN,
  PB_FIELD_BIC,
  PB_FIELD_NATIONAL_ID,
  PB_FIELD_ORG_NUMBER,
  PB_FIELD_CHOICE,
  PB_FIELD_REF,
} PbFieldType;

typedef enum
{
  PB_FIELD_FLAG_NONE     = 0,
  /* Never empty. With a default, a new record that does not give it gets
   * the default; giving it empty is still an error. */
  PB_FIELD_FLAG_REQUIRED = 1 << 0,
  /* Part of the record's natural key within its parent or table. */
  PB_FIELD_FLAG_KEY      = 1 << 1,
} PbFieldFlags;

/* One field of a record. Its name is the JSON member, the CSV column and
 * (for all but references, which are stored as `<name>_id`) the SQL column. */
typedef struct
{
  const char         *name;
  PbFieldType         type;
  PbFieldFlags        flags;
  PbEntity            ref;          /* PB_FIELD_REF: what it points at */
  const char * const *choices;      /* PB_FIELD_CHOICE: allowed values */
  const char         *default_value;
  guint               max_length;   /* in characters; 0: no limit */
} PbFieldDef;

typedef struct
{
  PbEntity          entity;
  const char       *name;         /* "employee" */
  const char       *plural;       /* "employees": JSON member and table */
  const PbFieldDef *fields;
  guint             n_fields;
  gboolean          has_parent;   /* belongs to an employee */
} PbEntityDef;

/* Field indexes, so that code reads `PB_EMPLOYEE_EMAIL` instead of a string. */
enum { PB_COMPANY_KEY, PB_COMPANY_NAME, PB_COMPANY_CURRENCY, PB_COMPANY_ORG_NUMBER, PB_COMPANY_N_FIELDS };
enum { PB_LOCATION_KEY, PB_LOCATION_NAME, PB_LOCATION_COMPANY, PB_LOCATION_N_FIELDS };
enum { PB_TEAM_KEY, PB_TEAM_NAME, PB_TEAM_N_FIELDS };
enum { PB_ABSENCE_TYPE_KEY, PB_ABSENCE_TYPE_NAME, PB_ABSENCE_TYPE_N_FIELDS };
enum {
  PB_EMPLOYEE_EMPLOYEE_NUMBER,
  PB_EMPLOYEE_GIVEN_NAME,
  PB_EMPLOYEE_FAMILY_NAME,
  PB_EMPLOYEE_EMAIL,
  PB_EMPLOYEE_PHONE,
  PB_EMPLOYEE_DATE_OF_BIRTH,
  PB_EMPLOYEE_NATIONAL_ID,
  PB_EMPLOYEE_ADDRESS_LINE1,
  PB_EMPLOYEE_ADDRESS_LINE2,
  PB_EMPLOYEE_POSTAL_CODE,
  PB_EMPLOYEE_CITY,
  PB_EMPLOYEE_COUNTRY,
  PB_EMPLOYEE_BANK_ACCOUNT,
  PB_EMPLOYEE_IBAN,
  PB_EMPLOYEE_BIC,
  PB_EMPLOYEE_FIRST_WORKDAY,
  PB_EMPLOYEE_LAST_WORKDAY,
  PB_EMPLOYEE_COMPANY,
  PB_EMPLOYEE_LOCATION,
  PB_EMPLOYEE_TEAM,
  PB_EMPLOYEE_MANAGER_EMAIL,
  PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL,
  PB_EMPLOYEE_STATUS,
  PB_EMPLOYEE_N_FIELDS
};
enum {
  PB_POSITION_START_DATE,
  PB_POSITION_END_DATE,
  PB_POSITION_TITLE,
  PB_POSITION_PERCENTAGE,
  PB_POSITION_CONTRACT_TYPE,
  PB_POSITION_END_REASON,
  PB_POSITION_N_FIELDS
};
enum {
  PB_ABSENCE_TYPE,
  PB_ABSENCE_START_DATE,
  PB_ABSENCE_END_DATE,
  PB_ABSENCE_PERCENTAGE,
  PB_ABSENCE_STATE,
  PB_ABSENCE_NOTE,
  PB_ABSENCE_N_FIELDS
};
enum {
  PB_SALARY_START_DATE,
  PB_SALARY_END_DATE,
  PB_SALARY_AMOUNT,
  PB_SALARY_CURRENCY,
  PB_SALARY_PERIOD_UNIT,
  PB_SALARY_NOTE,
  PB_SALARY_N_FIELDS
};

/* One field of one entity, in a table terminated by { PB_N_ENTITIES }: a
 * connector's required and readable fields, for example. */
typedef struct
{
  PbEntity    entity;
  guint       field;
} PbFieldRef;

const PbEntityDef *pb_entity_get_def        (PbEntity     entity);
gboolean           pb_entity_from_name      (const char  *name,
                                             PbEntity    *entity);
int                pb_entity_find_field     (PbEntity     entity,
                                             const char  *name);
gboolean           pb_field_check           (const PbFieldDef *def,
                                             const char       *value,
                                             char            **canonical,
                                             char            **message);

#define PB_TYPE_RECORD (pb_record_get_type ())

G_DECLARE_FINAL_TYPE (PbRecord, pb_record, PB, RECORD, GObject)

PbRecord    *pb_record_new             (PbEntity     entity);
PbRecord    *pb_record_copy            (PbRecord    *self);
PbEntity     pb_record_get_entity      (PbRecord    *self);
gint64       pb_record_get_id          (PbRecord    *self);
void         pb_record_set_id          (PbRecord    *self,
                                        gint64       id);
gint64       pb_record_get_parent_id   (PbRecord    *self);
void         pb_record_set_parent_id   (PbRecord    *self,
                                        gint64       parent_id);
const char  *pb_record_get             (PbRecord    *self,
                                        guint        field);
void         pb_record_set             (PbRecord    *self,
                                        guint        field,
                                        const char  *value);
void         pb_record_take            (PbRecord    *self,
                                        guint        field,
                                        char        *value);
const char  *pb_record_get_by_name     (PbRecord    *self,
                                        const char  *name);
gboolean     pb_record_equal_field     (PbRecord    *a,
                                        PbRecord    *b,
                                        guint        field);
char        *pb_record_dup_display_name (PbRecord   *self);

G_END_DECLS
