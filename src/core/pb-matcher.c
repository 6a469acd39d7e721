/* pb-matcher.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbMatcher"

#include "config.h"

#include <string.h>

#include "pb-matcher.h"

/* A hash join on the normalized email: O(n + m), so 100,000 people on each
 * side plan in well under a second (tests/tools/bench-matcher). */

#define SHARED (-2)

static gboolean
is_ascii (const char *text)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p >= 0x80)
      return FALSE;
  return TRUE;
}

/**
 * pb_match_key:
 * @email: (nullable): an email as either side holds it
 *
 * SPEC U1: emails compare trimmed and case-insensitively. Unicode emails
 * are normalized (NFKC) and case-folded too, so "Åse" and "åse" match.
 *
 * Returns: (transfer full) (nullable): the key, %NULL for no email
 */
char *
pb_match_key (const char *email)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *normalized = NULL;

  if (email == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (email));
  if (trimmed[0] == '\0' || !g_utf8_validate (trimmed, -1, NULL))
    return NULL;

  /* Nearly every email is ASCII: lower-casing is all it needs. */
  if (is_ascii (trimmed))
    return g_ascii_strdown (trimmed, -1);

  normalized = g_utf8_normalize (trimmed, -1, G_NORMALIZE_NFKC);
  return g_utf8_casefold (normalized, -1);
}

/* Phone numbers are the same number whatever the spacing: "+47 912 34 567"
 * is "+4791234567". */
static char *
phone_digits (const char *phone)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = phone; *p != '\0'; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && digits->len == 0))
      g_string_append_c (digits, *p);

  return g_string_free (digits, FALSE);
}

static gboolean
is_empty (const char *value)
{
  if (value == NULL)
    return TRUE;
  while (g_ascii_isspace (*value))
    value++;
  return *value == '\0';
}

/**
 * pb_match_values_equal:
 * @field: an employee field index
 *
 * Whether two values of @field are the same for user sync (U3): empty and
 * missing are the same; surrounding spaces never count; emails compare as
 * U1 says; phone numbers by their digits; everything else exactly (a name
 * spelt differently is a real difference).
 */
gboolean
pb_match_values_equal (guint       field,
                       const char *a,
                       const char *b)
{
  g_autofree char *ta = NULL;
  g_autofree char *tb = NULL;
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (is_empty (a) || is_empty (b))
    return is_empty (a) && is_empty (b);
  if (strcmp (a, b) == 0)
    return TRUE;

  if (field == PB_EMPLOYEE_EMAIL || field == PB_EMPLOYEE_MANAGER_EMAIL ||
      field == PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL)
    {
      g_autofree char *ka = pb_match_key (a);
      g_autofree char *kb = pb_match_key (b);
      return g_strcmp0 (ka, kb) == 0;
    }

  if (field == PB_EMPLOYEE_PHONE)
    {
      g_autofree char *da = phone_digits (a);
      g_autofree char *db = phone_digits (b);
      return g_strcmp0 (da, db) == 0;
    }

  /* NFC: "Å" typed as one character or as A + ring is the same letter. */
  ta = g_strstrip (g_strdup (a));
  tb = g_strstrip (g_strdup (b));
  if (is_ascii (ta) && is_ascii (tb))
    return strcmp (ta, tb) == 0;
  na = g_utf8_normalize (ta, -1, G_NORMALIZE_NFC);
  nb = g_utf8_normalize (tb, -1, G_NORMALIZE_NFC);
  return g_strcmp0 (na, nb) == 0;
}

/**
 * pb_match_name_key:
 *
 * A person's full name for comparing: accents, case and spacing do not
 * count ("Åse  Berg" is "ase berg").
 *
 * Returns: (transfer full) (nullable): the key, %NULL for no name
 */
char *
pb_match_name_key (PbRecord *person)
{
  g_autofree char *name = pb_record_dup_display_name (person);
  g_autofree char *decomposed = NULL;
  g_autofree char *folded = NULL;
  GString *key;

  if (!g_utf8_validate (name, -1, NULL))
    return NULL;

  decomposed = g_utf8_normalize (name, -1, G_NORMALIZE_NFKD);
  folded = g_utf8_casefold (decomposed, -1);
  key = g_string_new (NULL);
  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c))
        continue;
      if (g_unichar_isspace (c) || c == '-' || c == '.')
        {
          if (key->len > 0 && key->str[key->len - 1] != ' ')
            g_string_append_c (key, ' ');
          continue;
        }
      g_string_append_unichar (key, c);
    }
  if (key->len > 0 && key->str[key->len - 1] == ' ')
    g_string_truncate (key, key->len - 1);

  if (key->len == 0)
    {
      g_string_free (key, TRUE);
      return NULL;
    }
  return g_string_free (key, FALSE);
}

static gboolean
same_value (PbRecord *a,
            PbRecord *b,
            guint     field)
{
  const char *va = pb_record_get (a, field);
  const char *vb = pb_record_get (b, field);

  return !is_empty (va) && !is_empty (vb) && pb_match_values_equal (field, va, vb);
}

/**
 * pb_match_pair_reasons:
 *
 * Why @hr (an HR-only person) may be @payroll (a payroll-only one) under
 * another email: the same employee number, national identity number or
 * name. Suggestions only: a pair is the administrator's choice.
 */
PbPairReason
pb_match_pair_reasons (PbRecord *hr,
                       PbRecord *payroll)
{
  PbPairReason reasons = 0;
  g_autofree char *hr_name = NULL;
  g_autofree char *payroll_name = NULL;

  if (same_value (hr, payroll, PB_EMPLOYEE_EMPLOYEE_NUMBER))
    reasons |= PB_PAIR_SAME_EMPLOYEE_NUMBER;
  if (same_value (hr, payroll, PB_EMPLOYEE_NATIONAL_ID))
    reasons |= PB_PAIR_SAME_NATIONAL_ID;

  hr_name = pb_match_name_key (hr);
  payroll_name = pb_match_name_key (payroll);
  if (hr_name != NULL && g_strcmp0 (hr_name, payroll_name) == 0)
    reasons |= PB_PAIR_SAME_NAME;

  return reasons;
}

/**
 * pb_match_pair_reason_to_string:
 *
 * Returns: (nullable): the strongest reason in words, e.g. "same employee
 *   number", %NULL for none
 */
const char *
pb_match_pair_reason_to_string (PbPairReason reasons)
{
  if (reasons & PB_PAIR_SAME_EMPLOYEE_NUMBER)
    return "same employee number";
  if (reasons & PB_PAIR_SAME_NATIONAL_ID)
    return "same national identity number";
  if (reasons & PB_PAIR_SAME_NAME)
    return "same name";
  return NULL;
}

/* The email key of every record, computed once (NULL for deleted people
 * and for no email). */
static GPtrArray *
email_keys (GPtrArray *records)
{
  GPtrArray *keys = g_ptr_array_new_full (records->len, g_free);

  for (guint i = 0; i < records->len; i++)
    {
      PbRecord *record = g_ptr_array_index (records, i);

      g_ptr_array_add (keys, g_strcmp0 (pb_record_get (record, PB_EMPLOYEE_STATUS), "deleted") != 0
                               ? pb_match_key (pb_record_get (record, PB_EMPLOYEE_EMAIL)) : NULL);
    }

  return keys;
}

/* Indexes records by email key; a key seen twice maps to SHARED. The
 * table borrows the keys. */
static GHashTable *
index_by_email (GPtrArray *keys)
{
  GHashTable *index = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < keys->len; i++)
    {
      char *key = g_ptr_array_index (keys, i);

      if (key == NULL)
        continue;
      if (g_hash_table_contains (index, key))
        g_hash_table_replace (index, key, GINT_TO_POINTER (SHARED));
      else
        g_hash_table_insert (index, key, GINT_TO_POINTER (i + 1));   /* 0 is "absent" */
    }

  return index;
}

static int
lookup (GHashTable *index,
        const char *key)
{
  gpointer value;

  if (key == NULL || !g_hash_table_lookup_extended (index, key, NULL, &value))
    return -1;
  return GPOINTER_TO_INT (value) == SHARED ? SHARED : GPOINTER_TO_INT (value) - 1;
}

static guint32
missing_fields (PbRecord    *record,
                const guint *required,
                guint        n_required)
{
  guint32 missing = 0;

  for (guint i = 0; i < n_required; i++)
    if (is_empty (pb_record_get (record, required[i])))
      missing |= 1u << required[i];

  return missing;
}

static guint32
differing_fields (PbRecord    *hr,
                  PbRecord    *payroll,
                  const guint *compared,
                  guint        n_compared)
{
  guint32 differing = 0;

  for (guint i = 0; i < n_compared; i++)
    if (!pb_match_values_equal (compared[i], pb_record_get (hr, compared[i]), pb_record_get (payroll, compared[i])))
      differing |= 1u << compared[i];

  return differing;
}

/**
 * pb_match_people:
 * @hr: (element-type PbRecord): the HR people in the connection's scope;
 *   people with status `deleted` are left out (SPEC U10: their payroll
 *   person shows up as payroll-only)
 * @payroll: (element-type PbRecord): the payroll people, in HR fields
 * @compared: the fields the connector can read back (U3 compares them)
 * @required: the employee fields the connector requires (U2)
 *
 * Returns: (transfer full) (element-type PbMatch): one entry per person:
 *   first the HR people in @hr's order, then the payroll people nobody
 *   in HR matched, in @payroll's order
 */
GArray *
pb_match_people (GPtrArray   *hr,
                 GPtrArray   *payroll,
                 const guint *compared,
                 guint        n_compared,
                 const guint *required,
                 guint        n_required)
{
  g_autoptr(GPtrArray) payroll_keys = email_keys (payroll);
  g_autoptr(GPtrArray) hr_keys = email_keys (hr);
  g_autoptr(GHashTable) payroll_index = index_by_email (payroll_keys);
  g_autoptr(GHashTable) hr_index = index_by_email (hr_keys);
  g_autofree gboolean *claimed = g_new0 (gboolean, payroll->len);
  GArray *matches = g_array_sized_new (FALSE, TRUE, sizeof (PbMatch), hr->len + payroll->len / 8);

  for (guint i = 0; i < hr->len; i++)
    {
      PbRecord *person = g_ptr_array_index (hr, i);
      const char *status = pb_record_get (person, PB_EMPLOYEE_STATUS);
      const char *key = g_ptr_array_index (hr_keys, i);
      PbMatch match = { .hr = i, .payroll = -1 };
      int found;

      if (g_strcmp0 (status, "deleted") == 0)
        continue;

      found = lookup (payroll_index, key);

      if (lookup (hr_index, key) == SHARED)
        {
          match.kind = PB_MATCH_AMBIGUOUS;
          match.ambiguity = PB_AMBIGUOUS_SHARED_EMAIL_IN_HR;
        }
      else if (found == SHARED)
        {
          match.kind = PB_MATCH_AMBIGUOUS;
          match.ambiguity = PB_AMBIGUOUS_SHARED_EMAIL_IN_PAYROLL;
        }
      else if (found >= 0)
        {
          match.payroll = found;
          claimed[found] = TRUE;
          match.kind = PB_MATCH_MATCHED;
          match.differing = differing_fields (person, g_ptr_array_index (payroll, found), compared, n_compared);
        }
      else
        match.kind = PB_MATCH_HR_ONLY;

      if (g_strcmp0 (status, "deactivated") == 0)
        match.kind = PB_MATCH_LOCKED;
      else if (match.kind != PB_MATCH_AMBIGUOUS)
        match.missing = missing_fields (person, required, n_required);

      g_array_append_val (matches, match);
    }

  for (guint j = 0; j < payroll->len; j++)
    {
      const char *key = g_ptr_array_index (payroll_keys, j);
      PbMatch match = { .hr = -1, .payroll = j, .kind = PB_MATCH_PAYROLL_ONLY };

      if (claimed[j])
        continue;

      if (key == NULL)
        {
          match.kind = PB_MATCH_AMBIGUOUS;
          match.ambiguity = PB_AMBIGUOUS_NO_EMAIL_IN_PAYROLL;
        }
      else if (lookup (payroll_index, key) == SHARED)
        {
          match.kind = PB_MATCH_AMBIGUOUS;
          match.ambiguity = PB_AMBIGUOUS_SHARED_EMAIL_IN_PAYROLL;
        }
      else if (lookup (hr_index, key) == SHARED)
        {
          match.kind = PB_MATCH_AMBIGUOUS;
          match.ambiguity = PB_AMBIGUOUS_SHARED_EMAIL_IN_HR;
        }

      g_array_append_val (matches, match);
    }

  return matches;
}
