/* pb-record.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbRecord"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-record.h"
#include "pb-validate.h"

/* One generic record type serves every table of the HR register: a record is
 * its entity, its row id, its employee (for positions, absences, salaries)
 * and one canonical text value per field. The field tables below are the one
 * description of the register that the store, the import, the CLI and the UI
 * all read, so adding a field is a one-line change (plus a migration). */
struct _PbRecord
{
  GObject   parent_instance;

  PbEntity  entity;
  gint64    id;
  gint64    parent_id;
  char    **values;     /* (owned) n_fields entries, each (nullable) */
};

G_DEFINE_FINAL_TYPE (PbRecord, pb_record, G_TYPE_OBJECT)

static const char * const employee_status_choices[] = { "active", "deactivated", "deleted", NULL };
static const char * const contract_type_choices[] = { "permanent", "temporary", "hourly", "freelance", NULL };
static const char * const absence_state_choices[] = { "pending", "approved", "unapproved", "rejected", NULL };
static const char * const period_unit_choices[] = { "monthly", "yearly", "hourly", NULL };
/* Why an employment ended, as the Norwegian a-melding (and so the payroll
 * systems) knows it. */
static const char * const end_reason_choices[] = {
  "resigned", "dismissed", "contract_expired", "internal_change", "wrongly_reported", "system_change", NULL
};

#define REQ PB_FIELD_FLAG_REQUIRED
#define KEY (PB_FIELD_FLAG_KEY | PB_FIELD_FLAG_REQUIRED)

static const PbFieldDef company_fields[] = {
  [PB_COMPANY_KEY]        = { "key", PB_FIELD_TEXT, KEY, .max_length = 64 },
  [PB_COMPANY_NAME]       = { "name", PB_FIELD_TEXT, REQ, .max_length = 200 },
  [PB_COMPANY_CURRENCY]   = { "currency", PB_FIELD_CURRENCY, REQ },
  [PB_COMPANY_ORG_NUMBER] = { "org_number", PB_FIELD_ORG_NUMBER, 0 },
};

static const PbFieldDef location_fields[] = {
  [PB_LOCATION_KEY]     = { "key", PB_FIELD_TEXT, KEY, .max_length = 64 },
  [PB_LOCATION_NAME]    = { "name", PB_FIELD_TEXT, REQ, .max_length = 200 },
  [PB_LOCATION_COMPANY] = { "company", PB_FIELD_REF, 0, .ref = PB_ENTITY_COMPANY },
};

static const PbFieldDef team_fields[] = {
  [PB_TEAM_KEY]  = { "key", PB_FIELD_TEXT, KEY, .max_length = 64 },
  [PB_TEAM_NAME] = { "name", PB_FIELD_TEXT, REQ, .max_length = 200 },
};

static const PbFieldDef absence_type_fields[] = {
  [PB_ABSENCE_TYPE_KEY]  = { "key", PB_FIELD_TEXT, KEY, .max_length = 64 },
  [PB_ABSENCE_TYPE_NAME] = { "name", PB_FIELD_TEXT, REQ, .max_length = 200 },
};

static const PbFieldDef employee_fields[] = {
  [PB_EMPLOYEE_EMPLOYEE_NUMBER]       = { "employee_number", PB_FIELD_TEXT, 0, .max_length = 32 },
  [PB_EMPLOYEE_GIVEN_NAME]            = { "given_name", PB_FIELD_TEXT, REQ, .max_length = 100 },
  [PB_EMPLOYEE_FAMILY_NAME]           = { "family_name", PB_FIELD_TEXT, REQ, .max_length = 100 },
  [PB_EMPLOYEE_EMAIL]                 = { "email", PB_FIELD_EMAIL, REQ, .max_length = 254 },
  [PB_EMPLOYEE_PHONE]                 = { "phone", PB_FIELD_TEXT, 0, .max_length = 32 },
  [PB_EMPLOYEE_DATE_OF_BIRTH]         = { "date_of_birth", PB_FIELD_DATE, 0 },
  [PB_EMPLOYEE_NATIONAL_ID]           = { "national_id", PB_FIELD_NATIONAL_ID, 0 },
  [PB_EMPLOYEE_ADDRESS_LINE1]         = { "address_line1", PB_FIELD_TEXT, 0, .max_length = 100 },
  [PB_EMPLOYEE_ADDRESS_LINE2]         = { "address_line2", PB_FIELD_TEXT, 0, .max_length = 100 },
  [PB_EMPLOYEE_POSTAL_CODE]           = { "postal_code", PB_FIELD_TEXT, 0, .max_length = 10 },
  [PB_EMPLOYEE_CITY]                  = { "city", PB_FIELD_TEXT, 0, .max_length = 64 },
  [PB_EMPLOYEE_COUNTRY]               = { "country", PB_FIELD_COUNTRY, 0 },
  [PB_EMPLOYEE_BANK_ACCOUNT]          = { "bank_account", PB_FIELD_NO_ACCOUNT, 0 },
  [PB_EMPLOYEE_IBAN]                  = { "iban", PB_FIELD_IBAN, 0 },
  [PB_EMPLOYEE_BIC]                   = { "bic", PB_FIELD_BIC, 0 },
  [PB_EMPLOYEE_FIRST_WORKDAY]         = { "first_workday", PB_FIELD_DATE, 0 },
  [PB_EMPLOYEE_LAST_WORKDAY]          = { "last_workday", PB_FIELD_DATE, 0 },
  [PB_EMPLOYEE_COMPANY]               = { "company", PB_FIELD_REF, 0, .ref = PB_ENTITY_COMPANY },
  [PB_EMPLOYEE_LOCATION]              = { "location", PB_FIELD_REF, 0, .ref = PB_ENTITY_LOCATION },
  [PB_EMPLOYEE_TEAM]                  = { "team", PB_FIELD_REF, 0, .ref = PB_ENTITY_TEAM },
  [PB_EMPLOYEE_MANAGER_EMAIL]         = { "manager_email", PB_FIELD_REF, 0, .ref = PB_ENTITY_EMPLOYEE },
  [PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL] = { "absence_manager_email", PB_FIELD_REF, 0, .ref = PB_ENTITY_EMPLOYEE },
  [PB_EMPLOYEE_STATUS]                = { "status", PB_FIELD_CHOICE, REQ, .choices = employee_status_choices,
                                          .default_value = "active" },
};

static const PbFieldDef position_fields[] = {
  [PB_POSITION_START_DATE]    = { "start_date", PB_FIELD_DATE, KEY },
  [PB_POSITION_END_DATE]      = { "end_date", PB_FIELD_DATE, 0 },
  [PB_POSITION_TITLE]         = { "title", PB_FIELD_TEXT, REQ, .max_length = 100 },
  [PB_POSITION_PERCENTAGE]    = { "percentage", PB_FIELD_PERCENT, REQ, .default_value = "100" },
  [PB_POSITION_CONTRACT_TYPE] = { "contract_type", PB_FIELD_CHOICE, 0, .choices = contract_type_choices,
                                  .default_value = "permanent" },
  [PB_POSITION_END_REASON]    = { "end_reason", PB_FIELD_CHOICE, 0, .choices = end_reason_choices },
};

static const PbFieldDef absence_fields[] = {
  [PB_ABSENCE_TYPE]       = { "type", PB_FIELD_REF, KEY, .ref = PB_ENTITY_ABSENCE_TYPE },
  [PB_ABSENCE_START_DATE] = { "start_date", PB_FIELD_DATE, KEY },
  [PB_ABSENCE_END_DATE]   = { "end_date", PB_FIELD_DATE, 0 },
  [PB_ABSENCE_PERCENTAGE] = { "percentage", PB_FIELD_PERCENT, REQ, .default_value = "100" },
  [PB_ABSENCE_STATE]      = { "state", PB_FIELD_CHOICE, REQ, .choices = absence_state_choices,
                              .default_value = "pending" },
  [PB_ABSENCE_NOTE]       = { "note", PB_FIELD_TEXT, 0, .max_length = 1000 },
};

static const PbFieldDef salary_fields[] = {
  [PB_SALARY_START_DATE]  = { "start_date", PB_FIELD_DATE, KEY },
  [PB_SALARY_END_DATE]    = { "end_date", PB_FIELD_DATE, 0 },
  [PB_SALARY_AMOUNT]      = { "amount", PB_FIELD_AMOUNT, REQ },
  [PB_SALARY_CURRENCY]    = { "currency", PB_FIELD_CURRENCY, REQ },
  [PB_SALARY_PERIOD_UNIT] = { "period_unit", PB_FIELD_CHOICE, REQ, .choices = period_unit_choices },
  [PB_SALARY_NOTE]        = { "note", PB_FIELD_TEXT, 0, .max_length = 1000 },
};

#undef REQ
#undef KEY

static const PbEntityDef entities[PB_N_ENTITIES] = {
  [PB_ENTITY_COMPANY]      = { PB_ENTITY_COMPANY, "company", "companies",
                               company_fields, G_N_ELEMENTS (company_fields), FALSE },
  [PB_ENTITY_LOCATION]     = { PB_ENTITY_LOCATION, "location", "locations",
                               location_fields, G_N_ELEMENTS (location_fields), FALSE },
  [PB_ENTITY_TEAM]         = { PB_ENTITY_TEAM, "team", "teams",
                               team_fields, G_N_ELEMENTS (team_fields), FALSE },
  [PB_ENTITY_ABSENCE_TYPE] = { PB_ENTITY_ABSENCE_TYPE, "absence_type", "absence_types",
                               absence_type_fields, G_N_ELEMENTS (absence_type_fields), FALSE },
  [PB_ENTITY_EMPLOYEE]     = { PB_ENTITY_EMPLOYEE, "employee", "employees",
                               employee_fields, G_N_ELEMENTS (employee_fields), FALSE },
  [PB_ENTITY_POSITION]     = { PB_ENTITY_POSITION, "position", "positions",
                               position_fields, G_N_ELEMENTS (position_fields), TRUE },
  [PB_ENTITY_ABSENCE]      = { PB_ENTITY_ABSENCE, "absence", "absences",
                               absence_fields, G_N_ELEMENTS (absence_fields), TRUE },
  [PB_ENTITY_SALARY]       = { PB_ENTITY_SALARY, "salary", "salaries",
                               salary_fields, G_N_ELEMENTS (salary_fields), TRUE },
};

G_STATIC_ASSERT (G_N_ELEMENTS (employee_fields) == PB_EMPLOYEE_N_FIELDS);
G_STATIC_ASSERT (G_N_ELEMENTS (position_fields) == PB_POSITION_N_FIELDS);
G_STATIC_ASSERT (G_N_ELEMENTS (absence_fields) == PB_ABSENCE_N_FIELDS);
G_STATIC_ASSERT (G_N_ELEMENTS (salary_fields) == PB_SALARY_N_FIELDS);
G_STATIC_ASSERT (G_N_ELEMENTS (company_fields) == PB_COMPANY_N_FIELDS);

static const char * const data_type_names[] = { "users", "positions", "absence", "salary" };

const char *
pb_data_type_to_string (PbDataTypes type)
{
  for (guint i = 0; i < G_N_ELEMENTS (data_type_names); i++)
    if (type == (PbDataTypes) (1 << i))
      return data_type_names[i];

  return NULL;
}

/**
 * pb_data_types_parse:
 * @text: "users,positions,absence,salary", any subset; "" or "none" for none
 * @bad_word: (out) (optional): the word not understood
 */
gboolean
pb_data_types_parse (const char   *text,
                     PbDataTypes  *types,
                     char        **bad_word)
{
  g_auto(GStrv) words = g_strsplit (text, ",", -1);

  *types = 0;
  for (guint i = 0; words[i] != NULL; i++)
    {
      char *word = g_strstrip (words[i]);
      gboolean known = FALSE;

      if (word[0] == '\0' || g_str_equal (word, "none"))
        continue;
      for (guint t = 0; t < G_N_ELEMENTS (data_type_names); t++)
        if (g_str_equal (word, data_type_names[t]))
          {
            *types |= 1 << t;
            known = TRUE;
          }
      if (!known)
        {
          if (bad_word != NULL)
            *bad_word = g_strdup (word);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * pb_data_types_to_string:
 *
 * Returns: (transfer full): "users,positions", or "none"
 */
char *
pb_data_types_to_string (PbDataTypes types)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (data_type_names); i++)
    if (types & (1 << i))
      g_string_append_printf (text, "%s%s", text->len > 0 ? "," : "", data_type_names[i]);

  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : g_strdup ("none");
}

/**
 * pb_entity_get_def:
 * @entity: a #PbEntity
 *
 * Returns: (transfer none): the static description of @entity's fields.
 */
const PbEntityDef *
pb_entity_get_def (PbEntity entity)
{
  g_return_val_if_fail (entity < PB_N_ENTITIES, NULL);

  return &entities[entity];
}

gboolean
pb_entity_from_name (const char *name,
                     PbEntity   *entity)
{
  for (guint i = 0; i < PB_N_ENTITIES; i++)
    {
      if (g_strcmp0 (entities[i].name, name) == 0)
        {
          *entity = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * pb_entity_find_field:
 *
 * Returns: the index of the field called @name, or -1.
 */
int
pb_entity_find_field (PbEntity    entity,
                      const char *name)
{
  const PbEntityDef *def = pb_entity_get_def (entity);

  for (guint i = 0; i < def->n_fields; i++)
    if (g_ascii_strcasecmp (def->fields[i].name, name) == 0)
      return i;

  return -1;
}

/**
 * pb_field_check:
 * @def: the field
 * @value: a non-empty value, already trimmed
 * @canonical: (out) (optional): the value in the form the store keeps
 * @message: (out) (optional): what is wrong with @value
 *
 * Checks a value against its field's type and limits. References are only
 * checked for form here; whether the referenced record exists is the
 * caller's business.
 *
 * Returns: %TRUE if @value is acceptable
 */
gboolean
pb_field_check (const PbFieldDef  *def,
                const char        *value,
                char             **canonical,
                char             **message)
{
  g_autofree char *canon = NULL;
  gboolean ok = TRUE;

  if (def->max_length > 0 && g_utf8_strlen (value, -1) > def->max_length)
    {
      if (message != NULL)
        *message = g_strdup_printf (_("is longer than %u characters"), def->max_length);
      return FALSE;
    }

  switch (def->type)
    {
    case PB_FIELD_TEXT:
    case PB_FIELD_REF:
      break;
    case PB_FIELD_EMAIL:
      ok = pb_validate_email (value, message);
      break;
    case PB_FIELD_DATE:
      ok = pb_validate_date (value, message);
      break;
    case PB_FIELD_PERCENT:
      ok = pb_validate_percentage (value, &canon, message);
      break;
    case PB_FIELD_AMOUNT:
      ok = pb_validate_amount (value, &canon, message);
      break;
    case PB_FIELD_CURRENCY:
      ok = pb_validate_currency (value, message);
      break;
    case PB_FIELD_COUNTRY:
      ok = pb_validate_country (value, message);
      break;
    case PB_FIELD_NO_ACCOUNT:
      ok = pb_validate_no_account (value, &canon, message);
      break;
    case PB_FIELD_IBAN:
      ok = pb_validate_iban (value, &canon, message);
      break;
    case PB_FIELD_BIC:
      ok = pb_validate_bic (value, message);
      break;
    case PB_FIELD_NATIONAL_ID:
      ok = pb_validate_no_national_id (value, message);
      break;
    case PB_FIELD_ORG_NUMBER:
      ok = pb_validate_no_org_number (value, message);
      break;
    case PB_FIELD_CHOICE:
      ok = g_strv_contains ((const char * const *) def->choices, value);
      if (!ok && message != NULL)
        {
          g_autofree char *list = g_strjoinv (", ", (char **) def->choices);
          *message = g_strdup_printf (_("“%s” is not one of: %s"), value, list);
        }
      break;
    default:
      g_assert_not_reached ();
    }

  if (ok && canonical != NULL)
    *canonical = canon != NULL ? g_steal_pointer (&canon) : g_strdup (value);

  return ok;
}

static void
pb_record_finalize (GObject *object)
{
  PbRecord *self = (PbRecord *) object;
  const PbEntityDef *def = pb_entity_get_def (self->entity);

  for (guint i = 0; i < def->n_fields; i++)
    g_free (self->values[i]);
  g_free (self->values);

  G_OBJECT_CLASS (pb_record_parent_class)->finalize (object);
}

static void
pb_record_class_init (PbRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pb_record_finalize;
}

static void
pb_record_init (PbRecord *self)
{
}

/**
 * pb_record_new:
 * @entity: what kind of record
 *
 * Returns: (transfer full): an empty, unsaved record (id 0)
 */
PbRecord *
pb_record_new (PbEntity entity)
{
  PbRecord *self;

  g_return_val_if_fail (entity < PB_N_ENTITIES, NULL);

  self = g_object_new (PB_TYPE_RECORD, NULL);
  self->entity = entity;
  self->values = g_new0 (char *, entities[entity].n_fields);

  return self;
}

PbRecord *
pb_record_copy (PbRecord *self)
{
  PbRecord *copy;
  const PbEntityDef *def;

  g_return_val_if_fail (PB_IS_RECORD (self), NULL);

  def = pb_entity_get_def (self->entity);
  copy = pb_record_new (self->entity);
  copy->id = self->id;
  copy->parent_id = self->parent_id;
  for (guint i = 0; i < def->n_fields; i++)
    copy->values[i] = g_strdup (self->values[i]);

  return copy;
}

PbEntity
pb_record_get_entity (PbRecord *self)
{
  return self->entity;
}

gint64
pb_record_get_id (PbRecord *self)
{
  return self->id;
}

void
pb_record_set_id (PbRecord *self,
                  gint64    id)
{
  self->id = id;
}

gint64
pb_record_get_parent_id (PbRecord *self)
{
  return self->parent_id;
}

void
pb_record_set_parent_id (PbRecord *self,
                         gint64    parent_id)
{
  self->parent_id = parent_id;
}

/**
 * pb_record_get:
 *
 * Returns: (nullable): the canonical value of @field, %NULL when empty
 */
const char *
pb_record_get (PbRecord *self,
               guint     field)
{
  g_return_val_if_fail (PB_IS_RECORD (self), NULL);
  g_return_val_if_fail (field < entities[self->entity].n_fields, NULL);

  return self->values[field];
}

void
pb_record_set (PbRecord   *self,
               guint       field,
               const char *value)
{
  pb_record_take (self, field, g_strdup (value));
}

/* Takes ownership of @value; an empty string is stored as %NULL so that
 * "empty" has one representation everywhere. */
void
pb_record_take (PbRecord *self,
                guint     field,
                char     *value)
{
  g_return_if_fail (PB_IS_RECORD (self));
  g_return_if_fail (field < entities[self->entity].n_fields);

  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, g_free);

  g_free (self->values[field]);
  self->values[field] = value;
}

const char *
pb_record_get_by_name (PbRecord   *self,
                       const char *name)
{
  int field = pb_entity_find_field (self->entity, name);

  g_return_val_if_fail (field >= 0, NULL);

  return self->values[field];
}

gboolean
pb_record_equal_field (PbRecord *a,
                       PbRecord *b,
                       guint     field)
{
  const PbFieldDef *def;

  g_return_val_if_fail (a->entity == b->entity, FALSE);

  def = &entities[a->entity].fields[field];

  /* Emails compare as SPEC U1 matches them: case-insensitively. Changing
   * only the case of an email is still a change worth storing, so this is
   * for references only. */
  if (def->type == PB_FIELD_REF && def->ref == PB_ENTITY_EMPLOYEE &&
      a->values[field] != NULL && b->values[field] != NULL)
    return g_ascii_strcasecmp (a->values[field], b->values[field]) == 0;

  return g_strcmp0 (a->values[field], b->values[field]) == 0;
}

/**
 * pb_record_dup_display_name:
 *
 * Returns: (transfer full): how to name this record to a person: an
 *   employee's full name, a company's name, a position's title and start...
 */
char *
pb_record_dup_display_name (PbRecord *self)
{
  switch (self->entity)
    {
    case PB_ENTITY_EMPLOYEE:
      return g_strjoin (" ",
                        self->values[PB_EMPLOYEE_GIVEN_NAME] ? self->values[PB_EMPLOYEE_GIVEN_NAME] : "",
                        self->values[PB_EMPLOYEE_FAMILY_NAME] ? self->values[PB_EMPLOYEE_FAMILY_NAME] : "",
                        NULL);
    case PB_ENTITY_COMPANY:
    case PB_ENTITY_LOCATION:
    case PB_ENTITY_TEAM:
    case PB_ENTITY_ABSENCE_TYPE:
      return g_strdup (self->values[1] ? self->values[1] : self->values[0]);
    case PB_ENTITY_POSITION:
      return g_strdup_printf ("%s (%s)", self->values[PB_POSITION_TITLE] ? self->values[PB_POSITION_TITLE] : "",
                              self->values[PB_POSITION_START_DATE]);
    case PB_ENTITY_ABSENCE:
      return g_strdup_printf ("%s (%s)", self->values[PB_ABSENCE_TYPE], self->values[PB_ABSENCE_START_DATE]);
    case PB_ENTITY_SALARY:
      return g_strdup_printf ("%s %s (%s)", self->values[PB_SALARY_AMOUNT], self->values[PB_SALARY_CURRENCY],
                              self->values[PB_SALARY_START_DATE]);
    case PB_N_ENTITIES:
    default:
      g_assert_not_reached ();
    }
}
