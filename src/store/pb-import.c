/* pb-import.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbImport"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pb-import.h"
#include "pb-json-guard.h"
#include "pb-store-private.h"
#include "pb-validate.h"

/* An import reads the file, checks every value, merges each record with
 * what the register already holds, and checks every cross-record rule;
 * each problem becomes an issue. Everything runs in ONE transaction, opened
 * before the register is read (once, pb_import_data): employees are written
 * as they are read while the file has no issue (pb_store_save_over(), so a
 * good file writes only what differs, each write with its change row), and
 * a file with any issue is rolled back whole, so a bad file writes nothing.
 * What is written is not held (100,000 people held took over 1 GB).
 *
 * The issues are reported in the order of the checks as if the whole file
 * were read first and then resolved: each check adds to its own list
 * (Bucket), joined at the end. A reference to an employee the file has not
 * reached yet is a pending issue, dropped when that employee comes. A
 * document this cannot stream (a company after the employees, a syntax
 * error) is read again from the start holding every record ("hold"), in
 * a new transaction: the streaming run's writes are rolled back first.
 *
 * A field absent from the file (a CSV column not in the header, a JSON
 * member not given) keeps the stored value; a field given empty clears it. */

#define FORMAT_ID "paybridge-hr/1"

static const PbEntity child_entities[] = { PB_ENTITY_POSITION, PB_ENTITY_ABSENCE, PB_ENTITY_SALARY };
static const PbEntity keyed_entities[] = {
  PB_ENTITY_COMPANY, PB_ENTITY_LOCATION, PB_ENTITY_TEAM, PB_ENTITY_ABSENCE_TYPE,
};

typedef struct _Item Item;

struct _Item
{
  PbEntity    entity;
  char       *where;        /* (owned) line number or JSON path */
  char      **values;       /* (owned) canonical values as given; NULL: empty */
  gboolean   *present;      /* (owned) which fields the file gives */
  gboolean    bad;          /* a value failed its check: skip further checks */
  GPtrArray  *children[G_N_ELEMENTS (child_entities)]; /* (nullable): not given */
  PbRecord   *stored;       /* (owned) (nullable) the record in the register */
  GPtrArray  *stored_children[G_N_ELEMENTS (child_entities)]; /* (nullable) the register's, read once */
  PbRecord   *final;        /* (owned) what the register will hold */
  gboolean    written;      /* employees: @final is in the register (write phase) */
  gboolean    waiting;      /* employees: waits in Import.waiting for a manager */
  char       *stored_email; /* (owned) (nullable) employees: @stored's email, kept once slimmed */
  gint64      id;           /* employees: the register's id, once written */
  guint       index;        /* place among its entity's items in the file */
};

/* Where an issue goes (see the comment at the top): the order of the
 * phases of reading everything, then resolving. */
typedef enum
{
  BUCKET_PARSE,          /* values, as read */
  BUCKET_KEYED,          /* companies, locations, teams, absence types: keys */
  BUCKET_EMPLOYEES,      /* employees: matching and required fields */
  BUCKET_KEYED_REFS,     /* references of companies... */
  BUCKET_EMPLOYEE_REFS,  /* references of employees, and their positions... */
  N_BUCKETS
} Bucket;

typedef struct
{
  PbImportIssue *issue;   /* in its bucket */
  Bucket         bucket;
  char          *email;   /* (owned) lower-case: the issue goes if the file names this employee */
} Pending;

struct _PbImportResult
{
  GPtrArray *issues;
  guint      counts[PB_N_ENTITIES][PB_CHANGE_DELETE + 1];
};

typedef struct
{
  PbStore        *store;
  const char     *name;                    /* the file as the user named it */
  PbImportFlags   flags;
  GPtrArray      *items[PB_N_ENTITIES];    /* top-level items, in file order */
  PbImportResult *result;
  GHashTable     *index[PB_N_ENTITIES];    /* key (employees: lower-case email) -> Item */
  GHashTable     *open_objects;            /* JsonObject being parsed -> members read */
  GHashTable     *duplicates;              /* JsonObject -> (owned) a member given twice in it */

  /* The register as the import found it, read once (pb_import_data opens
   * its transaction first, so nothing changes it meanwhile); NULL: ask the
   * store (pb_import_set_fields, for one person). */
  GPtrArray      *register_employees;      /* (owned) PbRecord */
  GHashTable     *register_by_email;       /* lower-case email -> PbRecord */
  GHashTable     *register_by_number;      /* employee number -> PbRecord */
  GHashTable     *register_keys[PB_N_ENTITIES]; /* keyed entities: key -> (owned) PbRecord */
  GHashTable     *renamed;                 /* (owned) lower-case emails the import moved people off */
  GError         *read_error;              /* (owned) (nullable) reading the register failed */
  GError         *write_error;             /* (owned) (nullable) the first write that failed */

  gboolean        hold;                    /* read everything, then resolve and write (no streaming) */
  gboolean        restart;                 /* streaming cannot go on: start again with @hold */
  gboolean        mapped;                  /* the data is a read-only file mapping: pages are given back */
  const char     *released;                /* the mapping is given back up to here */
  const char     *start;                   /* (nullable) the data and its length: */
  gsize           length;                  /*   how far the reader is, for progress */
  const char     *at;                      /* the reader has passed this */
  guint           n_noted;                 /* records handed to the store so far */
  guint           n_to_write;              /* with @hold: the records it will hand over */
  gboolean        keyed_done;              /* companies... resolved (and written) */
  gboolean        end_of_file;             /* every employee of the file is indexed */
  Bucket          bucket;                  /* where add_issue() puts issues */
  GPtrArray      *buckets[N_BUCKETS];      /* (owned) PbImportIssue; [BUCKET_PARSE] is result->issues */
  GPtrArray      *pending;                 /* (owned) Pending */
  GHashTable     *emails;                  /* lower-case email -> Item, employees matched so far */
  GHashTable     *numbers;                 /* (owned keys) employee number -> Item */
  GHashTable     *stored_ids;              /* register id -> Item */
  GHashTable     *waiting;                 /* lower-case manager email -> (owned) GPtrArray of Item */
  GHashTable     *bound;                   /* lower-case emails written as references to the register */
  GString        *flat_text;               /* (owned) (nullable) read_flat()'s string */
} Import;

G_DEFINE_QUARK (pb-import-error-quark, pb_import_error)

static void
item_free (Item *item)
{
  const PbEntityDef *def = pb_entity_get_def (item->entity);

  for (guint i = 0; item->values != NULL && i < def->n_fields; i++)
    g_free (item->values[i]);
  g_free (item->values);
  g_free (item->present);
  g_free (item->where);
  g_free (item->stored_email);
  for (guint i = 0; i < G_N_ELEMENTS (child_entities); i++)
    {
      g_clear_pointer (&item->children[i], g_ptr_array_unref);
      g_clear_pointer (&item->stored_children[i], g_ptr_array_unref);
    }
  g_clear_object (&item->stored);
  g_clear_object (&item->final);
  g_free (item);
}

/* Frees what an employee no longer needs once it is written (or will not
 * be): what stays is what later records are checked against. */
static void
item_slim (Item *item)
{
  const PbEntityDef *def = pb_entity_get_def (item->entity);

  if (item->values == NULL)
    return;
  for (guint i = 0; i < def->n_fields; i++)
    g_free (item->values[i]);
  g_clear_pointer (&item->values, g_free);
  g_clear_pointer (&item->present, g_free);
  for (guint i = 0; i < G_N_ELEMENTS (child_entities); i++)
    {
      g_clear_pointer (&item->children[i], g_ptr_array_unref);
      g_clear_pointer (&item->stored_children[i], g_ptr_array_unref);
    }
  g_clear_object (&item->stored);
  g_clear_object (&item->final);
}

static Item *
item_new (PbEntity    entity,
          const char *where)
{
  const PbEntityDef *def = pb_entity_get_def (entity);
  Item *item = g_new0 (Item, 1);

  item->entity = entity;
  item->where = g_strdup (where);
  item->values = g_new0 (char *, def->n_fields);
  item->present = g_new0 (gboolean, def->n_fields);

  return item;
}

static void
issue_free (PbImportIssue *issue)
{
  g_free (issue->where);
  g_free (issue->field);
  g_free (issue->message);
  g_free (issue);
}

static void
add_issue (Import     *imp,
           const char *where,
           const char *field,
           const char *format,
           ...) G_GNUC_PRINTF (4, 5);

static void
add_issue (Import     *imp,
           const char *where,
           const char *field,
           const char *format,
           ...)
{
  PbImportIssue *issue = g_new0 (PbImportIssue, 1);
  va_list args;

  va_start (args, format);
  issue->message = g_strdup_vprintf (format, args);
  va_end (args);
  issue->where = where != NULL ? g_strdup_printf ("%s:%s", imp->name, where) : g_strdup (imp->name);
  issue->field = g_strdup (field);
  g_ptr_array_add (imp->buckets[imp->bucket], issue);
}

/* Issues, not counting the pending ones (a manager the file has not
 * reached yet). */
static gboolean
has_issues (Import *imp)
{
  guint n = 0;

  for (guint b = 0; b < N_BUCKETS; b++)
    n += imp->buckets[b] != NULL ? imp->buckets[b]->len : 0;

  return n > (imp->pending != NULL ? imp->pending->len : 0);
}

static void
pending_free (Pending *pending)
{
  g_free (pending->email);
  g_free (pending);
}

/* The last issue added is pending on @email being in the file. */
static void
add_pending (Import     *imp,
             const char *email)
{
  Pending *pending = g_new0 (Pending, 1);
  GPtrArray *bucket = imp->buckets[imp->bucket];

  pending->issue = g_ptr_array_index (bucket, bucket->len - 1);
  pending->bucket = imp->bucket;
  pending->email = g_ascii_strdown (email, -1);
  g_ptr_array_add (imp->pending, pending);
}

/* Checks and keeps one value as the file gives it. */
static void
item_set_value (Import     *imp,
                Item       *item,
                guint       field,
                const char *raw)
{
  const PbFieldDef *def = &pb_entity_get_def (item->entity)->fields[field];
  g_autofree char *trimmed = g_strstrip (g_strdup (raw != NULL ? raw : ""));
  g_autofree char *canonical = NULL;
  g_autofree char *message = NULL;

  item->present[field] = TRUE;
  g_clear_pointer (&item->values[field], g_free);

  if (trimmed[0] == '\0')
    return;

  if (!pb_field_check (def, trimmed, &canonical, &message))
    {
      add_issue (imp, item->where, def->name, "%s", message);
      item->bad = TRUE;
      return;
    }

  item->values[field] = g_steal_pointer (&canonical);
}

/* --- CSV ----------------------------------------------------------------- */

typedef struct
{
  guint      line;     /* where the row starts; the header is line 1 */
  GPtrArray *fields;   /* (element-type utf8) */
} CsvRow;

static void
csv_row_free (CsvRow *row)
{
  if (row == NULL)
    return;
  g_ptr_array_unref (row->fields);
  g_free (row);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsvRow, csv_row_free)

static char
csv_detect_separator (const char *data,
                      const char *end)
{
  guint commas = 0;
  guint semicolons = 0;
  gboolean quoted = FALSE;

  for (const char *p = data; p < end && (quoted || (*p != '\n' && *p != '\r')); p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && *p == ',')
        commas++;
      else if (!quoted && *p == ';')
        semicolons++;
    }

  return semicolons > commas ? ';' : ',';
}

/* RFC 4180, with `,` or `;`, CRLF or LF, quoted fields that may span
 * lines: one row at a time. */
typedef struct
{
  const char *p;
  const char *end;
  char        separator;
  guint       line;
  gboolean    failed;   /* a syntax error, reported as an issue */
} CsvReader;

static void
csv_reader_init (CsvReader  *reader,
                 const char *data,
                 gsize       length)
{
  reader->p = data;
  reader->end = data + length;
  reader->line = 1;
  reader->failed = FALSE;
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    reader->p += 3;
  reader->separator = csv_detect_separator (reader->p, reader->end);
}

/* The next row that is not blank, or NULL at the end or on a syntax error
 * (@reader->failed, with its issue). */
static CsvRow *
csv_next_row (Import    *imp,
              CsvReader *reader)
{
  const char *end = reader->end;
  char separator = reader->separator;
  g_autoptr(GString) field = g_string_new (NULL);

  while (reader->p < end)
    {
      CsvRow *row = g_new0 (CsvRow, 1);
      gboolean row_done = FALSE;

      row->line = reader->line;
      row->fields = g_ptr_array_new_with_free_func (g_free);

      while (!row_done)
        {
          gboolean quoted = FALSE;

          g_string_truncate (field, 0);
          if (reader->p < end && *reader->p == '"')
            {
              quoted = TRUE;
              reader->p++;
              for (;;)
                {
                  if (reader->p >= end)
                    {
                      add_issue (imp, NULL, NULL, _("line %u: a quoted field is not closed"), row->line);
                      csv_row_free (row);
                      reader->failed = TRUE;
                      return NULL;
                    }
                  if (*reader->p == '"' && reader->p + 1 < end && reader->p[1] == '"')
                    {
                      g_string_append_c (field, '"');
                      reader->p += 2;
                    }
                  else if (*reader->p == '"')
                    {
                      reader->p++;
                      break;
                    }
                  else
                    {
                      if (*reader->p == '\n')
                        reader->line++;
                      g_string_append_c (field, *reader->p++);
                    }
                }
            }

          while (reader->p < end && *reader->p != separator && *reader->p != '\n' && *reader->p != '\r')
            {
              if (quoted || *reader->p == '"')
                {
                  g_autofree char *where = g_strdup_printf ("%u", reader->line);
                  add_issue (imp, where, NULL, _("a quote (\") must open and close a whole field"));
                  csv_row_free (row);
                  reader->failed = TRUE;
                  return NULL;
                }
              g_string_append_c (field, *reader->p++);
            }

          g_ptr_array_add (row->fields, g_strndup (field->str, field->len));

          if (reader->p < end && *reader->p == separator)
            reader->p++;
          else
            {
              if (reader->p < end && *reader->p == '\r')
                reader->p++;
              if (reader->p < end && *reader->p == '\n')
                reader->p++;
              reader->line++;
              row_done = TRUE;
            }
        }

      /* Blank lines (one empty field) are skipped. */
      if (row->fields->len == 1 && ((char *) row->fields->pdata[0])[0] == '\0')
        csv_row_free (row);
      else
        return row;
    }

  return NULL;
}

static const char * const csv_columns[] = {
  "given_name", "family_name", "email", "phone", "employee_number", "date_of_birth",
  "national_id", "address_line1", "address_line2", "postal_code", "city", "country",
  "bank_account", "iban", "bic", "first_workday", "last_workday", "company", "location",
  "team", "manager_email", "absence_manager_email", NULL
};

static void take_item (Import *imp,
                       Item   *item);
static void release_behind (Import     *imp,
                            const char *upto);
static void release_range (Import     *imp,
                           const char *from,
                           const char *to);

static void
read_csv (Import     *imp,
          const char *data,
          gsize       length)
{
  CsvReader reader;
  g_autoptr(CsvRow) header = NULL;
  g_autoptr(GPtrArray) held = NULL;
  g_autofree int *column_field = NULL;
  gboolean header_ok = TRUE;

  csv_reader_init (&reader, data, length);

  /* Holding, every row is read before any is checked: a syntax error is
   * then the only issue, as the whole file is not understood. Streaming
   * starts again holding when it meets one. */
  if (imp->hold)
    {
      CsvRow *row;

      held = g_ptr_array_new_with_free_func ((GDestroyNotify) csv_row_free);
      while ((row = csv_next_row (imp, &reader)) != NULL)
        g_ptr_array_add (held, row);
      if (reader.failed)
        return;
      if (held->len > 0)
        header = g_ptr_array_steal_index (held, 0);
    }
  else
    {
      header = csv_next_row (imp, &reader);
      if (reader.failed)
        {
          imp->restart = TRUE;
          return;
        }
    }

  if (header == NULL)
    {
      add_issue (imp, "1", NULL, _("the file is empty: it needs a header row"));
      return;
    }

  column_field = g_new0 (int, header->fields->len);

  for (guint c = 0; c < header->fields->len; c++)
    {
      g_autofree char *name = g_strstrip (g_ascii_strdown (header->fields->pdata[c], -1));
      int field = pb_entity_find_field (PB_ENTITY_EMPLOYEE, name);

      column_field[c] = -1;
      if (field < 0 || !g_strv_contains (csv_columns, name))
        {
          add_issue (imp, "1", name, _("unknown column (the columns are: %s)"), "given_name, family_name, email, …");
          header_ok = FALSE;
          continue;
        }
      for (guint d = 0; d < c; d++)
        if (column_field[d] == field)
          {
            add_issue (imp, "1", name, _("the column appears twice"));
            header_ok = FALSE;
          }
      column_field[c] = field;
    }

  if (header_ok)
    {
      gboolean has_email = FALSE;

      for (guint c = 0; c < header->fields->len; c++)
        has_email |= column_field[c] == PB_EMPLOYEE_EMAIL;
      if (!has_email)
        {
          add_issue (imp, "1", "email", _("the column is missing: employees are matched by email"));
          header_ok = FALSE;
        }
    }

  if (!header_ok)
    return;

  for (guint r = 0;; r++)
    {
      g_autoptr(CsvRow) row = NULL;
      g_autofree char *where = NULL;
      Item *item;

      if (held != NULL)
        row = r < held->len ? g_steal_pointer (&held->pdata[r]) : NULL;
      else
        row = csv_next_row (imp, &reader);
      if (reader.failed)
        {
          imp->restart = TRUE;
          return;
        }
      if (row == NULL)
        break;

      where = g_strdup_printf ("%u", row->line);
      if (row->fields->len != header->fields->len)
        {
          add_issue (imp, where, NULL, _("the row has %u fields; the header has %u"),
                     row->fields->len, header->fields->len);
          continue;
        }

      item = item_new (PB_ENTITY_EMPLOYEE, where);
      for (guint c = 0; c < row->fields->len; c++)
        item_set_value (imp, item, column_field[c], row->fields->pdata[c]);
      take_item (imp, item);
      if (imp->restart)
        return;
      release_behind (imp, reader.p);
    }
}

/* --- JSON ---------------------------------------------------------------- */

static char *
json_value_to_text (JsonNode *node,
                    gboolean *ok)
{
  *ok = TRUE;

  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (type == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        {
          /* The shortest text that reads back as the same double: 33.33,
           * not 33.329999999999998. */
          double value = json_node_get_double (node);
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          for (int precision = 1; precision <= 17; precision++)
            {
              char format[8];

              g_snprintf (format, sizeof format, "%%.%dg", precision);
              g_ascii_formatd (buf, sizeof buf, format, value);
              if (g_ascii_strtod (buf, NULL) == value)
                break;
            }
          return g_strdup (buf);
        }
    }

  *ok = FALSE;
  return NULL;
}

static int
child_slot (const char *member)
{
  for (guint i = 0; i < G_N_ELEMENTS (child_entities); i++)
    if (g_strcmp0 (pb_entity_get_def (child_entities[i])->plural, member) == 0)
      return i;

  return -1;
}

static GPtrArray *read_json_list (Import     *imp,
                                  PbEntity    entity,
                                  JsonNode   *node,
                                  const char *path);

/* json-glib keeps the last of two members with one name and drops the
 * first without a word; these two see it happen. */
static void
on_object_member_cb (JsonParser *parser,
                     JsonObject *object,
                     const char *member,
                     gpointer    user_data)
{
  Import *imp = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (imp->open_objects, object)) + 1;

  g_hash_table_insert (imp->open_objects, object, GUINT_TO_POINTER (n));
  if (n > json_object_get_size (object) && !g_hash_table_contains (imp->duplicates, object))
    g_hash_table_insert (imp->duplicates, object, g_strdup (member));
}

static void
on_object_end_cb (JsonParser *parser,
                  JsonObject *object,
                  gpointer    user_data)
{
  Import *imp = user_data;

  g_hash_table_remove (imp->open_objects, object);
}

static gboolean
check_duplicates (Import     *imp,
                  JsonObject *object,
                  const char *path)
{
  const char *member = g_hash_table_lookup (imp->duplicates, object);

  if (member == NULL)
    return TRUE;
  add_issue (imp, path, member, _("is given twice in one object (only one would be read)"));
  return FALSE;
}

static Item *
read_json_object (Import     *imp,
                  PbEntity    entity,
                  JsonObject *object,
                  const char *path)
{
  Item *item = item_new (entity, path);
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  if (!check_duplicates (imp, object, path))
    item->bad = TRUE;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, &node))
    {
      int field = pb_entity_find_field (entity, member);
      int slot = entity == PB_ENTITY_EMPLOYEE ? child_slot (member) : -1;

      if (slot >= 0)
        {
          g_autofree char *child_path = g_strdup_printf ("%s.%s", path, member);
          item->children[slot] = read_json_list (imp, child_entities[slot], node, child_path);
          if (item->children[slot] == NULL)
            item->bad = TRUE;
        }
      else if (field >= 0 && strcmp (member, pb_entity_get_def (entity)->fields[field].name) == 0)
        {
          gboolean ok;
          g_autofree char *text = json_value_to_text (node, &ok);

          if (!ok)
            {
              add_issue (imp, path, member, _("must be text, a number or null"));
              item->bad = TRUE;
            }
          else
            item_set_value (imp, item, field, text);
        }
      else
        {
          add_issue (imp, path, member, _("unknown member (misspelt?)"));
          item->bad = TRUE;
        }
    }

  return item;
}

static GPtrArray *
read_json_list (Import     *imp,
                PbEntity    entity,
                JsonNode   *node,
                const char *path)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      add_issue (imp, path, NULL, _("must be a list ([…])"));
      return NULL;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *element_path = g_strdup_printf ("%s[%u]", path, i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          add_issue (imp, element_path, NULL, _("must be an object ({…})"));
          continue;
        }
      g_ptr_array_add (items, read_json_object (imp, entity, json_node_get_object (element), element_path));
    }

  return g_steal_pointer (&items);
}

/* The whole document through json-glib: the path for a document the
 * scanner below does not take (a syntax error, whose message json-glib
 * words; a duplicated member), so the messages stay json-glib's own. */
static void
read_json_whole (Import     *imp,
                 const char *data,
                 gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  /* Whether an object holds a member twice (json-glib keeps the last). */
  g_signal_connect (parser, "object-member", G_CALLBACK (on_object_member_cb), imp);
  g_signal_connect (parser, "object-end", G_CALLBACK (on_object_end_cb), imp);

  if (!json_parser_load_from_data (parser, data, length, &error))
    {
      /* json-glib's message starts with "<data>:LINE:COL: Parse error: ..."
       * and may quote the text cut inside a character (found by
       * tests/fuzz/fuzz-import-json.c). */
      g_autofree char *message = g_utf8_make_valid (error->message, -1);

      add_issue (imp, NULL, NULL, _("not valid JSON: %s"), message);
      return;
    }

  if (json_parser_get_root (parser) == NULL)
    {
      add_issue (imp, NULL, NULL, _("the file is empty: it needs a “%s” document"), FORMAT_ID);
      return;
    }

  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      add_issue (imp, "$", NULL, _("the document must be a JSON object"));
      return;
    }

  root = json_node_get_object (json_parser_get_root (parser));
  check_duplicates (imp, root, "$");
  node = json_object_get_member (root, "format");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (node), FORMAT_ID) != 0)
    add_issue (imp, "$", "format", _("must be “%s”"), FORMAT_ID);

  json_object_iter_init (&iter, root);
  while (json_object_iter_next (&iter, &member, &node))
    {
      g_autofree char *path = g_strdup_printf ("$.%s", member);
      gboolean known = FALSE;

      if (strcmp (member, "format") == 0)
        continue;

      for (guint i = 0; i < PB_N_ENTITIES; i++)
        {
          const PbEntityDef *def = pb_entity_get_def (i);

          if (def->has_parent || strcmp (member, def->plural) != 0)
            continue;
          known = TRUE;

          {
            g_autoptr(GPtrArray) items = read_json_list (imp, i, node, path);
            if (items != NULL)
              g_ptr_array_extend_and_steal (imp->items[i], g_steal_pointer (&items));
          }
        }

      if (!known)
        add_issue (imp, "$", member, _("unknown member (the document holds companies, locations, teams, "
                                       "absence_types and employees)"));
    }
}

/* A byte scanner over the document's outline: it finds where each member
 * of the top-level object and each element of its lists begins and ends,
 * and hands one element at a time to json-glib, so that memory follows the
 * largest record, not the file (100,000 people parsed whole took 1.5 GB).
 * It gives up (FALSE) on anything it does not expect; json-glib then reads
 * the whole document and words the error. */
typedef struct
{
  const char *p;
  const char *end;
} Scan;

static void
scan_space (Scan *scan)
{
  while (scan->p < scan->end && (*scan->p == ' ' || *scan->p == '\t' || *scan->p == '\n' || *scan->p == '\r'))
    scan->p++;
}

static gboolean
scan_string (Scan *scan)
{
  if (scan->p >= scan->end || *scan->p != '"')
    return FALSE;
  for (scan->p++; scan->p < scan->end; scan->p++)
    {
      if (*scan->p == '\\')
        scan->p++;
      else if (*scan->p == '"')
        {
          scan->p++;
          return TRUE;
        }
    }
  return FALSE;
}

/* Skips one value; json-glib checks what is inside when it reads it. */
static gboolean
scan_value (Scan *scan)
{
  guint depth = 0;

  if (scan->p >= scan->end)
    return FALSE;
  if (*scan->p == '"')
    return scan_string (scan);
  if (*scan->p != '{' && *scan->p != '[')
    {
      const char *start = scan->p;

      while (scan->p < scan->end && strchr (",]} \t\r\n", *scan->p) == NULL)
        scan->p++;
      return scan->p > start;
    }

  while (scan->p < scan->end)
    {
      char c = *scan->p;

      if (c == '"')
        {
          if (!scan_string (scan))
            return FALSE;
          continue;
        }
      scan->p++;
      if (c == '{' || c == '[')
        depth++;
      else if ((c == '}' || c == ']') && --depth == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  const char *name;
  gsize       length;
} ScanName;

/* Does every object in @start..@end (one value scan_value() took) name
 * each of its members once? json-glib would keep the last of two and say
 * nothing; the whole-document reading words it (FALSE sends the document
 * there). A member name with an escape is not compared here: FALSE too.
 * A byte pass instead of json-glib's "object-member" signal, which cost
 * a signal emission per member (a tenth of an import's time). */
static gboolean
scan_names_unique (const char *start,
                   const char *end,
                   GArray     *names,
                   GArray     *levels)
{
  const char *p = start;

  g_array_set_size (names, 0);
  g_array_set_size (levels, 0);
  while (p < end)
    {
      char c = *p;

      if (c == '"')
        {
          const char *name = ++p;
          gboolean escaped = FALSE;
          const char *q;

          while (p < end && *p != '"')
            {
              if (*p == '\\')
                {
                  escaped = TRUE;
                  p++;
                }
              p++;
            }
          q = p + 1;
          while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
          if (q < end && *q == ':' && levels->len > 0 && g_array_index (levels, guint, levels->len - 1) != G_MAXUINT)
            {
              ScanName entry = { name, p - name };

              if (escaped)
                return FALSE;
              for (guint i = g_array_index (levels, guint, levels->len - 1); i < names->len; i++)
                {
                  const ScanName *seen = &g_array_index (names, ScanName, i);

                  if (seen->length == entry.length && memcmp (seen->name, entry.name, entry.length) == 0)
                    return FALSE;
                }
              g_array_append_val (names, entry);
            }
          p++;
          continue;
        }

      if (c == '{' || c == '[')
        {
          guint from = c == '{' ? names->len : G_MAXUINT;

          g_array_append_val (levels, from);
        }
      else if ((c == '}' || c == ']') && levels->len > 0)
        {
          guint from = g_array_index (levels, guint, levels->len - 1);

          if (from != G_MAXUINT)
            g_array_set_size (names, from);
          g_array_set_size (levels, levels->len - 1);
        }
      p++;
    }

  return TRUE;
}

static JsonNode *
scan_parse (JsonParser *parser,
            const char *start,
            const char *end)
{
  if (!json_parser_load_from_data (parser, start, end - start, NULL) || json_parser_get_root (parser) == NULL)
    return NULL;
  return json_parser_steal_root (parser);
}

/* --- the direct reader of flat records ----------------------------------- */

/* Most records are flat objects of text, whole numbers and nulls (an
 * employee's positions, absences and salaries: lists of such objects).
 * They are read here from the mapped bytes, without a json-glib tree per
 * record (json-glib's parsing was an eighth of an import's time). A record
 * this reader does not take whole, and silently, goes to json-glib as
 * before: anything but strict JSON (json-glib also takes comments and
 * single quotes), true, false, a fraction or an exponent, a string whose
 * escapes or UTF-8 it does not take as json-glib would, and every record
 * with an issue (an unknown member, a value that does not check), so that
 * the issues and their wording stay json-glib's path's own. The document
 * passed the guard (no \u0000, no integer past 64 bits) and
 * scan_names_unique() (no member given twice). */
typedef struct
{
  const char *p;
  const char *end;
  GString    *text;   /* the string read last, unescaped */
} Flat;

static void
flat_space (Flat *flat)
{
  while (flat->p < flat->end && (*flat->p == ' ' || *flat->p == '\t' || *flat->p == '\n' || *flat->p == '\r'))
    flat->p++;
}

static int
flat_hex4 (const char *p)
{
  int value = 0;

  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* A JSON string into flat->text, as json-glib decodes it. */
static gboolean
flat_string (Flat *flat)
{
  const char *p = flat->p;
  gboolean ascii = TRUE;

  g_string_truncate (flat->text, 0);
  if (p >= flat->end || *p != '"')
    return FALSE;
  p++;

  for (;;)
    {
      const char *run = p;

      while (p < flat->end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
        {
          if ((guchar) *p >= 0x80)
            ascii = FALSE;
          p++;
        }
      g_string_append_len (flat->text, run, p - run);
      if (p >= flat->end || (guchar) *p < 0x20)
        return FALSE;
      if (*p == '"')
        break;

      /* An escape. */
      if (++p >= flat->end)
        return FALSE;
      switch (*p)
        {
        case '"': g_string_append_c (flat->text, '"'); break;
        case '\\': g_string_append_c (flat->text, '\\'); break;
        case '/': g_string_append_c (flat->text, '/'); break;
        case 'b': g_string_append_c (flat->text, '\b'); break;
        case 'f': g_string_append_c (flat->text, '\f'); break;
        case 'n': g_string_append_c (flat->text, '\n'); break;
        case 'r': g_string_append_c (flat->text, '\r'); break;
        case 't': g_string_append_c (flat->text, '\t'); break;
        case 'u':
          {
            int unit;

            if (flat->end - p < 5 || (unit = flat_hex4 (p + 1)) <= 0)
              return FALSE;
            p += 4;
            if (unit >= 0xDC00 && unit <= 0xDFFF)
              return FALSE;   /* a low surrogate alone */
            if (unit >= 0xD800 && unit <= 0xDBFF)
              {
                int low;

                if (flat->end - p < 7 || p[1] != '\\' || p[2] != 'u' ||
                    (low = flat_hex4 (p + 3)) < 0xDC00 || low > 0xDFFF)
                  return FALSE;   /* a high surrogate alone */
                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                p += 6;
              }
            g_string_append_unichar (flat->text, unit);
            break;
          }
        default:
          return FALSE;
        }
      p++;
    }

  flat->p = p + 1;
  return ascii || g_utf8_validate (flat->text->str, flat->text->len, NULL);
}

/* A value: text (flat->text, *is_null FALSE) or null (*is_null TRUE).
 * Whole numbers are given as json-glib writes them back ("%" G_GINT64_FORMAT):
 * their digits as written, when written without a sign on zero. */
static gboolean
flat_scalar (Flat     *flat,
             gboolean *is_null)
{
  const char *start = flat->p;
  const char *p = start;

  *is_null = FALSE;
  if (p >= flat->end)
    return FALSE;
  if (*p == '"')
    return flat_string (flat);
  if (flat->end - p >= 4 && memcmp (p, "null", 4) == 0)
    {
      flat->p = p + 4;
      *is_null = TRUE;
      return TRUE;
    }

  if (*p == '-')
    p++;
  if (p >= flat->end || !g_ascii_isdigit (*p))
    return FALSE;
  if (*p == '0')
    {
      if (p != start)
        return FALSE;   /* -0 */
      p++;
    }
  else
    while (p < flat->end && g_ascii_isdigit (*p))
      p++;
  /* A fraction or an exponent: json-glib's double; 19 digits and more:
   * near the ends of 64 bits. */
  if (p < flat->end && (*p == '.' || *p == 'e' || *p == 'E'))
    return FALSE;
  if (p - start > 18)
    return FALSE;
  g_string_truncate (flat->text, 0);
  g_string_append_len (flat->text, start, p - start);
  flat->p = p;
  return TRUE;
}

/* item_set_value() of a value that checks; FALSE (nothing said) when
 * it does not. */
static gboolean
item_set_value_quiet (Item       *item,
                      guint       field,
                      const char *raw)
{
  const PbFieldDef *def = &pb_entity_get_def (item->entity)->fields[field];
  g_autofree char *trimmed = g_strstrip (g_strdup (raw != NULL ? raw : ""));
  g_autofree char *canonical = NULL;
  g_autofree char *message = NULL;

  item->present[field] = TRUE;
  g_clear_pointer (&item->values[field], g_free);

  if (trimmed[0] == '\0')
    return TRUE;

  if (!pb_field_check (def, trimmed, &canonical, &message))
    return FALSE;

  item->values[field] = g_steal_pointer (&canonical);
  return TRUE;
}

static int
flat_field (const PbEntityDef *def,
            const GString     *name)
{
  for (guint i = 0; i < def->n_fields; i++)
    if (strncmp (def->fields[i].name, name->str, name->len + 1) == 0)
      return i;
  return -1;
}

static int
flat_child_slot (const GString *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (child_entities); i++)
    if (strcmp (pb_entity_get_def (child_entities[i])->plural, name->str) == 0)
      return i;
  return -1;
}

static Item *flat_object (Flat       *flat,
                          PbEntity    entity,
                          const char *path);

static GPtrArray *
flat_list (Flat       *flat,
           PbEntity    entity,
           const char *path)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);

  if (flat->p >= flat->end || *flat->p != '[')
    return NULL;
  flat->p++;
  flat_space (flat);
  if (flat->p < flat->end && *flat->p == ']')
    {
      flat->p++;
      return g_steal_pointer (&items);
    }

  for (guint i = 0;; i++)
    {
      g_autofree char *element_path = g_strdup_printf ("%s[%u]", path, i);
      Item *item = flat_object (flat, entity, element_path);

      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
      flat_space (flat);
      if (flat->p < flat->end && *flat->p == ']')
        {
          flat->p++;
          return g_steal_pointer (&items);
        }
      if (flat->p >= flat->end || *flat->p != ',')
        return NULL;
      flat->p++;
      flat_space (flat);
    }
}

/* read_json_object() of a record this reader takes, or NULL. */
static Item *
flat_object (Flat       *flat,
             PbEntity    entity,
             const char *path)
{
  const PbEntityDef *def = pb_entity_get_def (entity);
  Item *item;

  if (flat->p >= flat->end || *flat->p != '{')
    return NULL;
  flat->p++;
  flat_space (flat);
  item = item_new (entity, path);
  if (flat->p < flat->end && *flat->p == '}')
    {
      flat->p++;
      return item;
    }

  for (;;)
    {
      int field = -1;
      int slot = -1;
      gboolean is_null;

      if (!flat_string (flat))
        goto refuse;
      if (entity == PB_ENTITY_EMPLOYEE)
        slot = flat_child_slot (flat->text);
      if (slot < 0 && (field = flat_field (def, flat->text)) < 0)
        goto refuse;   /* unknown: an issue */
      flat_space (flat);
      if (flat->p >= flat->end || *flat->p != ':')
        goto refuse;
      flat->p++;
      flat_space (flat);

      if (slot >= 0)
        {
          g_autofree char *child_path = g_strdup_printf ("%s.%s", path, flat->text->str);

          if (item->children[slot] != NULL)
            goto refuse;
          item->children[slot] = flat_list (flat, child_entities[slot], child_path);
          if (item->children[slot] == NULL)
            goto refuse;
        }
      else if (!flat_scalar (flat, &is_null) ||
               !item_set_value_quiet (item, field, is_null ? NULL : flat->text->str))
        goto refuse;

      flat_space (flat);
      if (flat->p < flat->end && *flat->p == '}')
        {
          flat->p++;
          return item;
        }
      if (flat->p >= flat->end || *flat->p != ',')
        goto refuse;
      flat->p++;
      flat_space (flat);
    }

refuse:
  item_free (item);
  return NULL;
}

/* One element of a top-level list, @start..@end as scan_value() found it. */
static Item *
read_flat (Import     *imp,
           PbEntity    entity,
           const char *start,
           const char *end,
           const char *path)
{
  Flat flat = { start, end, imp->flat_text };
  Item *item = flat_object (&flat, entity, path);

  if (item != NULL && flat.p != end)
    g_clear_pointer (&item, item_free);
  return item;
}

static gboolean
read_json_stream (Import     *imp,
                  const char *data,
                  gsize       length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) names = g_array_new (FALSE, FALSE, sizeof (ScanName));
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (guint));
  Scan scan = { data, data + length };
  gboolean format_ok = FALSE;

  /* A member given twice inside a record: read whole, as main's import
   * words it (scan_names_unique()). */

  /* A byte order mark, which json-glib passes over too. */
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    scan.p += 3;
  scan_space (&scan);
  if (scan.p >= scan.end || *scan.p != '{')
    return FALSE;
  scan.p++;
  scan_space (&scan);
  if (scan.p < scan.end && *scan.p == '}')
    scan.p++;
  else
    for (;;)
      {
        const char *key_start = scan.p;
        g_autofree char *member = NULL;
        g_autofree char *path = NULL;
        const char *value_start;
        int entity = -1;

        if (!scan_string (&scan) || memchr (key_start, '\\', scan.p - key_start) != NULL)
          return FALSE;
        member = g_strndup (key_start + 1, scan.p - key_start - 2);
        if (!g_hash_table_add (seen, g_strdup (member)))
          return FALSE;   /* json-glib's rule for a member given twice */
        path = g_strdup_printf ("$.%s", member);

        scan_space (&scan);
        if (scan.p >= scan.end || *scan.p != ':')
          return FALSE;
        scan.p++;
        scan_space (&scan);

        for (guint i = 0; i < PB_N_ENTITIES; i++)
          if (!pb_entity_get_def (i)->has_parent && strcmp (member, pb_entity_get_def (i)->plural) == 0)
            entity = i;

        value_start = scan.p;
        if (entity >= 0 && scan.p < scan.end && *scan.p == '[')
          {
            guint index = 0;

            scan.p++;
            scan_space (&scan);
            if (scan.p < scan.end && *scan.p == ']')
              scan.p++;
            else
              for (;; index++)
                {
                  const char *element_start = scan.p;
                  g_autofree char *element_path = NULL;
                  g_autoptr(JsonNode) element = NULL;
                  Item *flat_item;

                  if (!scan_value (&scan) || !scan_names_unique (element_start, scan.p, names, levels))
                    return FALSE;
                  element_path = g_strdup_printf ("%s[%u]", path, index);
                  if ((flat_item = read_flat (imp, entity, element_start, scan.p, element_path)) != NULL)
                    {
                      take_item (imp, flat_item);
                      if (imp->restart)
                        return FALSE;
                    }
                  else if ((element = scan_parse (parser, element_start, scan.p)) == NULL)
                    return FALSE;
                  else if (!JSON_NODE_HOLDS_OBJECT (element))
                    add_issue (imp, element_path, NULL, _("must be an object ({…})"));
                  else
                    {
                      take_item (imp, read_json_object (imp, entity, json_node_get_object (element), element_path));
                      if (imp->restart)
                        return FALSE;
                    }
                  g_clear_pointer (&element, json_node_unref);
                  release_behind (imp, scan.p);

                  scan_space (&scan);
                  if (scan.p < scan.end && *scan.p == ']')
                    {
                      scan.p++;
                      break;
                    }
                  if (scan.p >= scan.end || *scan.p != ',')
                    return FALSE;
                  scan.p++;
                  scan_space (&scan);
                }
          }
        else
          {
            g_autoptr(JsonNode) value = NULL;

            if (!scan_value (&scan) || !scan_names_unique (value_start, scan.p, names, levels) ||
                (value = scan_parse (parser, value_start, scan.p)) == NULL)
              return FALSE;
            if (strcmp (member, "format") == 0)
              format_ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING &&
                          g_strcmp0 (json_node_get_string (value), FORMAT_ID) == 0;
            else if (entity >= 0)
              add_issue (imp, path, NULL, _("must be a list ([…])"));
            else
              add_issue (imp, "$", member, _("unknown member (the document holds companies, locations, teams, "
                                             "absence_types and employees)"));
          }

        scan_space (&scan);
        if (scan.p < scan.end && *scan.p == '}')
          {
            scan.p++;
            break;
          }
        if (scan.p >= scan.end || *scan.p != ',')
          return FALSE;
        scan.p++;
        scan_space (&scan);
      }

  scan_space (&scan);
  if (scan.p != scan.end)
    return FALSE;

  /* As json-glib's whole-document reading reported it: first. */
  if (!format_ok)
    {
      GPtrArray *issues = imp->result->issues;

      add_issue (imp, "$", "format", _("must be “%s”"), FORMAT_ID);
      g_ptr_array_insert (issues, 0, g_ptr_array_steal_index (issues, issues->len - 1));
    }

  return TRUE;
}

static void
read_json (Import     *imp,
           const char *data,
           gsize       length)
{
  PbJsonGuardReport report;

  /* Nothing json-glib cannot take safely reaches it (pb-json-guard.c): the
   * whole file is checked before the scanner hands any of it on. */
  if (!pb_json_guard_check (data, length, PB_JSON_MAX_DEPTH, &report))
    {
      if (report.problem == PB_JSON_GUARD_TOO_DEEP)
        add_issue (imp, report.path, report.member,
                   _("lists and objects are nested deeper than %u levels here (line %u, column %u); "
                     "the file was not read"), PB_JSON_MAX_DEPTH, report.line, report.column);
      else if (report.problem == PB_JSON_GUARD_NUL && report.in_name)
        add_issue (imp, report.path, report.member,
                   _("the member name holds a NUL character (\\u0000) (line %u, column %u)"),
                   report.line, report.column);
      else if (report.problem == PB_JSON_GUARD_NUL)
        add_issue (imp, report.path, report.member,
                   _("holds a NUL character (\\u0000), which text cannot hold (line %u, column %u)"),
                   report.line, report.column);
      else
        add_issue (imp, report.path, report.member,
                   _("the number is too large to read exactly (line %u, column %u): write it as a string"),
                   report.line, report.column);
      pb_json_guard_report_clear (&report);
      return;
    }
  /* The guard read every page of the file: give them back. */
  release_range (imp, data, data + length);

  imp->open_objects = g_hash_table_new (NULL, NULL);
  imp->duplicates = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  if (read_json_stream (imp, data, length))
    return;

  /* Streaming, records may have been written already: start again from
   * nothing, holding (pb_import_data). */
  if (!imp->hold)
    {
      imp->restart = TRUE;
      return;
    }

  /* Start again from nothing: what the scanner read is read again. */
  g_debug ("%s: read whole (the scanner did not take it)", imp->name);
  g_ptr_array_set_size (imp->result->issues, 0);
  for (guint i = 0; i < PB_N_ENTITIES; i++)
    g_ptr_array_set_size (imp->items[i], 0);
  g_hash_table_remove_all (imp->open_objects);
  g_hash_table_remove_all (imp->duplicates);
  read_json_whole (imp, data, length);
}

/* --- merge and cross-record checks --------------------------------------- */

static PbRecord *
merge (Item     *item,
       PbRecord *stored)
{
  const PbEntityDef *def = pb_entity_get_def (item->entity);
  PbRecord *final;

  if (stored != NULL)
    final = pb_record_copy (stored);
  else
    {
      final = pb_record_new (item->entity);
      for (guint i = 0; i < def->n_fields; i++)
        pb_record_set (final, i, def->fields[i].default_value);
    }

  for (guint i = 0; i < def->n_fields; i++)
    if (item->present[i])
      pb_record_set (final, i, item->values[i]);

  return final;
}

static void
check_required (Import *imp,
                Item   *item)
{
  const PbEntityDef *def = pb_entity_get_def (item->entity);

  for (guint i = 0; i < def->n_fields; i++)
    {
      if (!(def->fields[i].flags & PB_FIELD_FLAG_REQUIRED) || pb_record_get (item->final, i) != NULL)
        continue;
      if (item->present[i])
        add_issue (imp, item->where, def->fields[i].name, _("is required and cannot be empty"));
      else
        add_issue (imp, item->where, def->fields[i].name, _("is required"));
    }
}

static void
check_period (Import     *imp,
              Item       *item,
              guint       start_field,
              guint       end_field)
{
  const char *start = pb_record_get (item->final, start_field);
  const char *end = pb_record_get (item->final, end_field);

  if (start != NULL && end != NULL && pb_date_compare (end, start) < 0)
    add_issue (imp, item->where, pb_entity_get_def (item->entity)->fields[end_field].name,
               _("%s is before %s (%s)"), end, pb_entity_get_def (item->entity)->fields[start_field].name, start);
}

/* --- the register, read once ---------------------------------------------- */

static void
read_register (Import *imp)
{
  g_autoptr(GError) error = NULL;

  imp->register_employees = pb_store_list (imp->store, PB_ENTITY_EMPLOYEE, 0, &error);
  if (imp->register_employees == NULL)
    {
      imp->register_employees = g_ptr_array_new_with_free_func (g_object_unref);
      g_propagate_error (&imp->read_error, g_steal_pointer (&error));
    }

  imp->register_by_email = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  imp->register_by_number = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  for (guint i = 0; i < imp->register_employees->len; i++)
    {
      PbRecord *record = g_ptr_array_index (imp->register_employees, i);
      const char *email = pb_record_get (record, PB_EMPLOYEE_EMAIL);
      const char *number = pb_record_get (record, PB_EMPLOYEE_EMPLOYEE_NUMBER);

      /* The first, as the store's query by number or email gave it. */
      if (email != NULL)
        {
          char *folded = g_ascii_strdown (email, -1);

          if (g_hash_table_contains (imp->register_by_email, folded))
            g_free (folded);
          else
            g_hash_table_insert (imp->register_by_email, folded, g_object_ref (record));
        }
      if (number != NULL && !g_hash_table_contains (imp->register_by_number, number))
        g_hash_table_insert (imp->register_by_number, g_strdup (number), g_object_ref (record));
    }
  /* The tables hold them; forget_stored() shrinks them as they are used. */
  g_ptr_array_set_size (imp->register_employees, 0);

  for (guint e = 0; e < G_N_ELEMENTS (keyed_entities); e++)
    {
      PbEntity entity = keyed_entities[e];
      g_autoptr(GPtrArray) records = pb_store_list (imp->store, entity, 0, imp->read_error ? NULL : &error);

      imp->register_keys[entity] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
      if (records == NULL)
        {
          if (error != NULL)
            g_propagate_error (&imp->read_error, g_steal_pointer (&error));
          continue;
        }
      for (guint i = 0; i < records->len; i++)
        {
          PbRecord *record = g_ptr_array_index (records, i);
          const char *key = pb_record_get (record, 0);

          if (key != NULL && !g_hash_table_contains (imp->register_keys[entity], key))
            g_hash_table_insert (imp->register_keys[entity], g_strdup (key), g_object_ref (record));
        }
    }
}

/* Once @item is written (or will not be), later records only ask the
 * register's copy of that person who they are (id, name, number, email):
 * the full record gives way to that much, so the register read once does
 * not stay whole in memory (100,000 people: 120 MB). */
static void
forget_stored (Import *imp,
               Item   *item)
{
  static const guint kept[] = {
    PB_EMPLOYEE_GIVEN_NAME, PB_EMPLOYEE_FAMILY_NAME, PB_EMPLOYEE_EMAIL, PB_EMPLOYEE_EMPLOYEE_NUMBER,
  };
  PbRecord *stored = item->stored;
  g_autoptr(PbRecord) slim = NULL;
  const char *email;
  const char *number;

  /* Only once @item holds that person in stored_ids: a later record that
   * is them too is then refused before it would merge with the copy. */
  if (stored == NULL || item->final == NULL || imp->register_by_email == NULL)
    return;

  slim = pb_record_new (PB_ENTITY_EMPLOYEE);
  pb_record_set_id (slim, pb_record_get_id (stored));
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    pb_record_set (slim, kept[i], pb_record_get (stored, kept[i]));

  email = pb_record_get (stored, PB_EMPLOYEE_EMAIL);
  number = pb_record_get (stored, PB_EMPLOYEE_EMPLOYEE_NUMBER);
  if (email != NULL)
    {
      char *folded = g_ascii_strdown (email, -1);

      if (g_hash_table_lookup (imp->register_by_email, folded) == stored)
        g_hash_table_insert (imp->register_by_email, folded, g_object_ref (slim));
      else
        g_free (folded);
    }
  if (number != NULL && g_hash_table_lookup (imp->register_by_number, number) == stored)
    g_hash_table_insert (imp->register_by_number, g_strdup (number), g_object_ref (slim));
}

/* pb_store_find_employee() over the register as the import found it. */
static PbRecord *
find_stored_employee (Import     *imp,
                      const char *number,
                      const char *email)
{
  PbRecord *record = NULL;

  if (imp->register_by_email == NULL)
    return pb_store_find_employee (imp->store, number, email, NULL);

  if (number != NULL)
    record = g_hash_table_lookup (imp->register_by_number, number);
  if (record == NULL && email != NULL)
    {
      g_autofree char *folded = g_ascii_strdown (email, -1);

      record = g_hash_table_lookup (imp->register_by_email, folded);
    }

  return record != NULL ? g_object_ref (record) : NULL;
}

/* pb_store_find_by_key() over the register as the import found it. */
static PbRecord *
find_stored_key (Import     *imp,
                 PbEntity    entity,
                 const char *key)
{
  PbRecord *record;

  if (imp->register_keys[entity] == NULL)
    return pb_store_find_by_key (imp->store, entity, key, NULL);

  record = g_hash_table_lookup (imp->register_keys[entity], key);
  return record != NULL ? g_object_ref (record) : NULL;
}

/* The item of the file that a reference names, through the index that
 * resolving built (a scan per reference made 100,000 people quadratic). */
static Item *
find_file_item (Import     *imp,
                PbEntity    entity,
                const char *name)
{
  g_autofree char *folded = NULL;

  if (imp->index[entity] == NULL)
    return NULL;
  if (entity == PB_ENTITY_EMPLOYEE)
    name = folded = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (imp->index[entity], name);
}

static void
index_item (Import     *imp,
            Item       *item,
            const char *name)
{
  PbEntity entity = item->entity;

  if (imp->index[entity] == NULL)
    imp->index[entity] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (imp->index[entity],
                       entity == PB_ENTITY_EMPLOYEE ? g_ascii_strdown (name, -1) : g_strdup (name), item);
}

static void
check_refs (Import *imp,
            Item   *item)
{
  const PbEntityDef *def = pb_entity_get_def (item->entity);

  for (guint i = 0; i < def->n_fields; i++)
    {
      const PbFieldDef *field = &def->fields[i];
      const char *value = item->values[i];
      g_autoptr(PbRecord) stored = NULL;

      if (field->type != PB_FIELD_REF || !item->present[i] || value == NULL)
        continue;

      if (find_file_item (imp, field->ref, value) != NULL)
        continue;

      if (field->ref == PB_ENTITY_EMPLOYEE)
        stored = find_stored_employee (imp, NULL, value);
      else
        stored = find_stored_key (imp, field->ref, value);

      if (stored == NULL)
        add_issue (imp, item->where, field->name, _("there is no %s “%s” in this file or the HR register"),
                   pb_entity_get_def (field->ref)->name, value);
      else if (field->ref == PB_ENTITY_EMPLOYEE && item->stored != NULL &&
               pb_record_get_id (stored) == pb_record_get_id (item->stored))
        add_issue (imp, item->where, field->name, _("an employee cannot be their own manager"));
      else
        continue;

      /* Both stand only if the file does not list this employee further on. */
      if (field->ref == PB_ENTITY_EMPLOYEE && !imp->end_of_file)
        add_pending (imp, value);
    }

  if (item->entity == PB_ENTITY_EMPLOYEE && item->final != NULL)
    for (guint i = PB_EMPLOYEE_MANAGER_EMAIL; i <= PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL; i++)
      if (item->present[i] && item->values[i] != NULL &&
          g_ascii_strcasecmp (item->values[i], pb_record_get (item->final, PB_EMPLOYEE_EMAIL)) == 0)
        add_issue (imp, item->where, def->fields[i].name, _("an employee cannot be their own manager"));
}

static void
resolve_keyed (Import   *imp,
               PbEntity  entity)
{
  GPtrArray *items = imp->items[entity];
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = g_ptr_array_index (items, i);
      const char *key = item->values[0];
      Item *first;

      if (item->bad)
        continue;
      if (key == NULL)
        {
          add_issue (imp, item->where, "key", _("is required"));
          continue;
        }
      if ((first = g_hash_table_lookup (seen, key)) != NULL)
        {
          add_issue (imp, item->where, "key", _("“%s” is already used at %s"), key, first->where);
          continue;
        }
      g_hash_table_insert (seen, (gpointer) key, item);

      item->stored = find_stored_key (imp, entity, key);
      item->final = merge (item, item->stored);
      index_item (imp, item, key);
      check_required (imp, item);
    }
}

static char *
describe_employee (PbRecord *employee)
{
  g_autofree char *name = pb_record_dup_display_name (employee);
  const char *number = pb_record_get (employee, PB_EMPLOYEE_EMPLOYEE_NUMBER);

  if (number != NULL)
    return g_strdup_printf (_("%s, employee number %s"), name, number);
  return g_strdup_printf ("%s, %s", name, pb_record_get (employee, PB_EMPLOYEE_EMAIL));
}

/* Matches one employee of the file with the register and the employees
 * before it in the file. */
static void
resolve_employee (Import *imp,
                  Item   *item)
{
  const char *email = item->values[PB_EMPLOYEE_EMAIL];
  const char *number = item->values[PB_EMPLOYEE_EMPLOYEE_NUMBER];
  g_autoptr(PbRecord) by_email = NULL;
  g_autofree char *folded = NULL;
  Item *first;

  if (item->bad)
    return;

  if (email == NULL)
    {
      add_issue (imp, item->where, "email", _("is required: employees are matched by email"));
      return;
    }

  folded = g_ascii_strdown (email, -1);
  if ((first = g_hash_table_lookup (imp->emails, folded)) != NULL)
    {
      add_issue (imp, item->where, "email", _("“%s” is already used at %s"), email, first->where);
      return;
    }
  g_hash_table_insert (imp->emails, g_steal_pointer (&folded), item);

  if (number != NULL)
    {
      if ((first = g_hash_table_lookup (imp->numbers, number)) != NULL)
        {
          add_issue (imp, item->where, "employee_number", _("“%s” is already used at %s"), number, first->where);
          return;
        }
      g_hash_table_insert (imp->numbers, g_strdup (number), item);
    }

  /* The employee number identifies a person across email changes; an
   * email that then points at someone else is a conflict. */
  item->stored = find_stored_employee (imp, number, email);
  by_email = find_stored_employee (imp, NULL, email);

  if (item->stored != NULL && by_email != NULL &&
      pb_record_get_id (by_email) != pb_record_get_id (item->stored))
    {
      g_autofree char *other = describe_employee (by_email);
      add_issue (imp, item->where, "email", _("“%s” belongs to another employee in the register (%s)"),
                 email, other);
      return;
    }

  if (item->stored != NULL)
    {
      gint64 *id = g_new (gint64, 1);

      *id = pb_record_get_id (item->stored);
      if ((first = g_hash_table_lookup (imp->stored_ids, id)) != NULL)
        {
          add_issue (imp, item->where, NULL, _("is the same person as %s"), first->where);
          g_free (id);
          return;
        }
      g_hash_table_insert (imp->stored_ids, id, item);
      item->stored_email = g_strdup (pb_record_get (item->stored, PB_EMPLOYEE_EMAIL));
    }

  item->final = merge (item, item->stored);
  index_item (imp, item, pb_record_get (item->final, PB_EMPLOYEE_EMAIL));
  check_required (imp, item);
  check_period (imp, item, PB_EMPLOYEE_FIRST_WORKDAY, PB_EMPLOYEE_LAST_WORKDAY);

  /* Streaming wrote people who named this email as their manager's while
   * the register held it; if it now named someone else, they would have
   * been written against the wrong person. The checks above refuse an
   * email the register gives someone else, so in a file without issues
   * this does not happen; should it, the file is read again holding. */
  if (!imp->hold && imp->bound != NULL)
    {
      g_autofree char *final_folded = g_ascii_strdown (pb_record_get (item->final, PB_EMPLOYEE_EMAIL), -1);

      if (g_hash_table_contains (imp->bound, final_folded) &&
          (item->stored_email == NULL || g_ascii_strcasecmp (item->stored_email, final_folded) != 0))
        imp->restart = TRUE;
    }
}

static void
resolve_children (Import *imp,
                  Item   *employee)
{
  for (guint slot = 0; slot < G_N_ELEMENTS (child_entities); slot++)
    {
      PbEntity entity = child_entities[slot];
      const PbEntityDef *def = pb_entity_get_def (entity);
      GPtrArray *items = employee->children[slot];
      GPtrArray *stored = NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      if (items == NULL)
        continue;

      /* Kept for the write phase, which deletes the ones not given. */
      if (employee->stored != NULL)
        {
          g_autoptr(GError) error = NULL;

          stored = pb_store_list (imp->store, entity, pb_record_get_id (employee->stored), &error);
          if (stored == NULL && imp->read_error == NULL)
            g_propagate_error (&imp->read_error, g_steal_pointer (&error));
          employee->stored_children[slot] = stored;
        }

      for (guint i = 0; i < items->len; i++)
        {
          Item *item = g_ptr_array_index (items, i);
          g_autoptr(GString) key = g_string_new (NULL);
          gboolean key_ok = TRUE;
          Item *first;

          if (item->bad)
            continue;

          for (guint f = 0; f < def->n_fields; f++)
            {
              if (!(def->fields[f].flags & PB_FIELD_FLAG_KEY))
                continue;
              if (item->values[f] == NULL)
                {
                  add_issue (imp, item->where, def->fields[f].name, _("is required"));
                  key_ok = FALSE;
                }
              g_string_append_printf (key, "%s\x1f", item->values[f] ? item->values[f] : "");
            }
          if (!key_ok)
            continue;

          if ((first = g_hash_table_lookup (seen, key->str)) != NULL)
            {
              add_issue (imp, item->where, def->fields[0].name, _("the same %s is already given at %s"),
                         def->name, first->where);
              continue;
            }
          g_hash_table_insert (seen, g_strdup (key->str), item);

          for (guint s = 0; stored != NULL && s < stored->len; s++)
            {
              PbRecord *candidate = g_ptr_array_index (stored, s);
              gboolean same = TRUE;

              for (guint f = 0; f < def->n_fields; f++)
                if ((def->fields[f].flags & PB_FIELD_FLAG_KEY) &&
                    g_strcmp0 (pb_record_get (candidate, f), item->values[f]) != 0)
                  same = FALSE;
              if (same)
                {
                  g_set_object (&item->stored, candidate);
                  break;
                }
            }

          item->final = merge (item, item->stored);
          check_required (imp, item);
          check_refs (imp, item);
          check_period (imp, item, entity == PB_ENTITY_ABSENCE ? PB_ABSENCE_START_DATE : 0,
                        entity == PB_ENTITY_ABSENCE ? PB_ABSENCE_END_DATE : 1);
        }
    }
}

/* --- write --------------------------------------------------------------- */

/* Progress and Cancel of an async import: with pb_import_gfile_async(). */
static gboolean import_hooks_note_record (Import  *imp,
                                          GError **error);

static gboolean
save_over (Import    *imp,
           PbRecord  *record,
           PbRecord  *stored,
           GError   **error)
{
  PbChangeOp op;

  if (!import_hooks_note_record (imp, error))
    return FALSE;

  if (!pb_store_save_over (imp->store, record, stored, &op, error))
    return FALSE;

  if (op != PB_CHANGE_NONE)
    imp->result->counts[pb_record_get_entity (record)][op]++;

  return TRUE;
}

static gboolean
save (Import    *imp,
      PbRecord  *record,
      GError   **error)
{
  PbChangeOp op;

  if (!import_hooks_note_record (imp, error))
    return FALSE;

  if (!pb_store_save (imp->store, record, &op, error))
    return FALSE;

  if (op != PB_CHANGE_NONE)
    imp->result->counts[pb_record_get_entity (record)][op]++;

  return TRUE;
}

/* Is every employee @item points at (manager, absence manager) already in
 * the register? New employees are written managers first so that each is
 * written once; only a cycle of new people needs a second write.
 *
 * Answered from the file's own index of employees, not a store query per
 * employee: check_refs() made sure that an email the file does not hold
 * names someone in the register; one the file holds is in the register
 * once that person is written, or already when the register holds them
 * under that email. Before the end of the file, an email the file has not
 * reached yet is taken as the register's only while the register still
 * holds it (it is then kept in @bound, see resolve_employee()); @wait_on
 * is the email to wait for. */
static gboolean
managers_ready (Import      *imp,
                Item        *item,
                const char **wait_on)
{
  for (guint f = PB_EMPLOYEE_MANAGER_EMAIL; f <= PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL; f++)
    {
      const char *email = pb_record_get (item->final, f);
      g_autofree char *folded = NULL;
      Item *manager;

      if (email == NULL)
        continue;
      manager = find_file_item (imp, PB_ENTITY_EMPLOYEE, email);
      if (manager != NULL)
        {
          if (manager->written ||
              (manager->stored_email != NULL && g_ascii_strcasecmp (manager->stored_email, email) == 0))
            continue;
          *wait_on = email;
          return FALSE;
        }
      if (imp->end_of_file)
        continue;
      folded = g_ascii_strdown (email, -1);
      if (imp->register_by_email != NULL && g_hash_table_contains (imp->register_by_email, folded) &&
          (imp->renamed == NULL || !g_hash_table_contains (imp->renamed, folded)))
        continue;
      *wait_on = email;
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_renamed (Import     *imp,
            const char *email)
{
  g_autofree char *folded = NULL;

  if (email == NULL || imp->renamed == NULL)
    return FALSE;
  folded = g_ascii_strdown (email, -1);
  return g_hash_table_contains (imp->renamed, folded);
}

/* Writes an employee against the record read while resolving, with no
 * second read, unless the register's text of it has moved since: its
 * manager fields name people by email, and a manager this import gave a
 * new email reads back with the new one. */
static gboolean
save_employee (Import  *imp,
               Item    *item,
               GError **error)
{
  PbRecord *stored = item->stored;
  const char *old_email;

  if (stored != NULL &&
      (is_renamed (imp, pb_record_get (stored, PB_EMPLOYEE_MANAGER_EMAIL)) ||
       is_renamed (imp, pb_record_get (stored, PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL))))
    stored = NULL;

  if (!save_over (imp, item->final, stored, error))
    return FALSE;

  old_email = item->stored != NULL ? pb_record_get (item->stored, PB_EMPLOYEE_EMAIL) : NULL;
  if (old_email != NULL && g_ascii_strcasecmp (old_email, pb_record_get (item->final, PB_EMPLOYEE_EMAIL)) != 0)
    {
      if (imp->renamed == NULL)
        imp->renamed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_add (imp->renamed, g_ascii_strdown (old_email, -1));
    }

  return TRUE;
}

static gboolean
write_employees (Import    *imp,
                 GPtrArray *items,
                 GError   **error)
{
  g_autofree gboolean *done = g_new0 (gboolean, items->len);
  guint n_done = 0;
  gboolean progress = TRUE;

  while (n_done < items->len && progress)
    {
      progress = FALSE;
      for (guint i = 0; i < items->len; i++)
        {
          Item *item = g_ptr_array_index (items, i);
          const char *wait_on = NULL;

          if (done[i] || !managers_ready (imp, item, &wait_on))
            continue;
          if (!save_employee (imp, item, error))
            return FALSE;
          done[i] = TRUE;
          item->written = TRUE;
          item->id = pb_record_get_id (item->final);
          n_done++;
          progress = TRUE;
        }
    }

  /* A cycle (two new people managing each other): write them without the
   * manager fields, then once more with them. */
  for (guint pass = 0; pass < 2 && n_done < items->len; pass++)
    for (guint i = 0; i < items->len; i++)
      {
        Item *item = g_ptr_array_index (items, i);
        g_autoptr(PbRecord) partial = NULL;

        if (done[i])
          continue;
        if (pass == 0)
          {
            partial = pb_record_copy (item->final);
            pb_record_set (partial, PB_EMPLOYEE_MANAGER_EMAIL, NULL);
            pb_record_set (partial, PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL, NULL);
            if (!save (imp, partial, error))
              return FALSE;
            pb_record_set_id (item->final, pb_record_get_id (partial));
          }
        else
          {
            /* This is an update of a record created just above: count it once. */
            if (!pb_store_save (imp->store, item->final, NULL, error))
              return FALSE;
            done[i] = TRUE;
            item->written = TRUE;
            item->id = pb_record_get_id (item->final);
            n_done++;
          }
      }

  return TRUE;
}

static gboolean
write_children (Import  *imp,
                Item    *employee,
                GError **error)
{
  for (guint slot = 0; slot < G_N_ELEMENTS (child_entities); slot++)
    {
      GPtrArray *items = employee->children[slot];
      GPtrArray *stored = employee->stored_children[slot];
      gint64 employee_id = pb_record_get_id (employee->final);

      if (items == NULL)
        continue;

      /* The list given for an employee is complete: delete the others first
       * so that a replaced period never overlaps its successor. Someone new
       * to the register has none to delete; a known one's were read while
       * resolving, in this transaction (no second query). */
      for (guint s = 0; stored != NULL && s < stored->len; s++)
        {
          PbRecord *record = g_ptr_array_index (stored, s);
          gboolean kept = FALSE;

          for (guint i = 0; i < items->len && !kept; i++)
            {
              Item *item = g_ptr_array_index (items, i);
              kept = item->stored != NULL && pb_record_get_id (item->stored) == pb_record_get_id (record);
            }
          if (kept)
            continue;
          if (!pb_store_delete (imp->store, record, error))
            return FALSE;
          imp->result->counts[child_entities[slot]][PB_CHANGE_DELETE]++;
        }

      for (guint i = 0; i < items->len; i++)
        {
          Item *item = g_ptr_array_index (items, i);

          pb_record_set_parent_id (item->final, employee_id);
          if (!save_over (imp, item->final, item->stored, error))
            return FALSE;
        }
    }

  return TRUE;
}

static gboolean
write_replace (Import  *imp,
               GError **error)
{
  g_autoptr(GPtrArray) stored = pb_store_list (imp->store, PB_ENTITY_EMPLOYEE, 0, error);
  g_autoptr(GHashTable) kept = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GPtrArray *items = imp->items[PB_ENTITY_EMPLOYEE];

  if (stored == NULL)
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      Item *item = g_ptr_array_index (items, i);
      gint64 *id = g_new (gint64, 1);

      *id = item->id;
      g_hash_table_add (kept, id);
    }

  for (guint s = 0; s < stored->len; s++)
    {
      PbRecord *record = g_ptr_array_index (stored, s);
      gint64 id = pb_record_get_id (record);

      if (g_hash_table_contains (kept, &id) ||
          g_strcmp0 (pb_record_get (record, PB_EMPLOYEE_STATUS), "deleted") == 0)
        continue;

      /* SPEC U10: employees leave the register as status `deleted`. */
      pb_record_set (record, PB_EMPLOYEE_STATUS, "deleted");
      if (!pb_store_save (imp->store, record, NULL, error))
        return FALSE;
      imp->result->counts[PB_ENTITY_EMPLOYEE][PB_CHANGE_DELETE]++;
    }

  return TRUE;
}

/* --- the stages ------------------------------------------------------------ */

static gboolean
can_write (Import *imp)
{
  return imp->write_error == NULL && imp->read_error == NULL && !has_issues (imp);
}

/* Companies, locations, teams and absence types: all of them are read
 * before the first employee (or the document is read holding). */
static void
stage_keyed (Import *imp)
{
  if (imp->keyed_done)
    return;
  imp->keyed_done = TRUE;

  /* Read here, after the JSON guard's pass over the file, whose pages are
   * given back by then: the two are not in memory together. */
  read_register (imp);

  imp->bucket = BUCKET_KEYED;
  for (guint i = 0; i < G_N_ELEMENTS (keyed_entities); i++)
    resolve_keyed (imp, keyed_entities[i]);

  imp->bucket = BUCKET_KEYED_REFS;
  for (guint i = 0; i < G_N_ELEMENTS (keyed_entities); i++)
    for (guint j = 0; j < imp->items[keyed_entities[i]]->len; j++)
      {
        Item *item = g_ptr_array_index (imp->items[keyed_entities[i]], j);
        if (item->final != NULL)
          check_refs (imp, item);
      }
  imp->bucket = BUCKET_PARSE;

  if (!can_write (imp))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (keyed_entities); i++)
    for (guint j = 0; j < imp->items[keyed_entities[i]]->len; j++)
      {
        Item *item = g_ptr_array_index (imp->items[keyed_entities[i]], j);
        if (!save_over (imp, item->final, item->stored, &imp->write_error))
          return;
      }
}

static void
wait_for (Import     *imp,
          Item       *item,
          const char *email)
{
  char *folded = g_ascii_strdown (email, -1);
  GPtrArray *list;

  if (imp->waiting == NULL)
    imp->waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  list = g_hash_table_lookup (imp->waiting, folded);
  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (imp->waiting, folded, list);
    }
  else
    g_free (folded);
  item->waiting = TRUE;
  g_ptr_array_add (list, item);
}

/* Writes @item, its positions, absences and salaries, then everyone who
 * waited for it, as they become ready. */
static void
write_streamed (Import *imp,
                Item   *item)
{
  g_autoptr(GQueue) ready = g_queue_new ();

  g_queue_push_tail (ready, item);
  while ((item = g_queue_pop_head (ready)) != NULL)
    {
      g_autofree char *folded = NULL;
      g_autofree char *waited_key = NULL;
      GPtrArray *waiters = NULL;

      if (!can_write (imp) || !save_employee (imp, item, &imp->write_error))
        return;
      item->written = TRUE;
      item->id = pb_record_get_id (item->final);
      for (guint f = PB_EMPLOYEE_MANAGER_EMAIL; f <= PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL; f++)
        {
          const char *email = pb_record_get (item->final, f);

          /* Written as the register's: see resolve_employee(). */
          if (email != NULL && find_file_item (imp, PB_ENTITY_EMPLOYEE, email) == NULL)
            {
              if (imp->bound == NULL)
                imp->bound = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
              g_hash_table_add (imp->bound, g_ascii_strdown (email, -1));
            }
        }
      if (!write_children (imp, item, &imp->write_error))
        return;

      folded = g_ascii_strdown (pb_record_get (item->final, PB_EMPLOYEE_EMAIL), -1);
      forget_stored (imp, item);
      item_slim (item);
      if (imp->waiting != NULL &&
          g_hash_table_steal_extended (imp->waiting, folded, (gpointer *) &waited_key, (gpointer *) &waiters))
        {
          for (guint i = 0; i < waiters->len; i++)
            {
              Item *waiter = g_ptr_array_index (waiters, i);
              const char *wait_on = NULL;

              waiter->waiting = FALSE;
              if (managers_ready (imp, waiter, &wait_on))
                g_queue_push_tail (ready, waiter);
              else
                wait_for (imp, waiter, wait_on);
            }
          g_ptr_array_unref (waiters);
        }
    }
}

/* One employee, as it is read (streaming) or after the whole file was
 * read (holding): matched, checked and, streaming, written at once or as
 * soon as its managers are. */
static void
process_employee (Import *imp,
                  Item   *item)
{
  const char *wait_on = NULL;

  imp->bucket = BUCKET_EMPLOYEES;
  resolve_employee (imp, item);
  imp->bucket = BUCKET_EMPLOYEE_REFS;
  if (item->final != NULL)
    {
      check_refs (imp, item);
      resolve_children (imp, item);
    }
  imp->bucket = BUCKET_PARSE;

  if (imp->hold || imp->restart)
    return;
  if (item->final == NULL || !can_write (imp))
    {
      forget_stored (imp, item);
      item_slim (item);   /* it will not be written */
    }
  else if (!managers_ready (imp, item, &wait_on))
    wait_for (imp, item, wait_on);
  else
    write_streamed (imp, item);
}

/* Each record as the reader finds it. */
static void
take_item (Import *imp,
           Item   *item)
{
  item->index = imp->items[item->entity]->len;
  g_ptr_array_add (imp->items[item->entity], item);
  if (imp->hold)
    return;

  if (item->entity == PB_ENTITY_EMPLOYEE)
    {
      stage_keyed (imp);
      process_employee (imp, item);
    }
  else if (imp->keyed_done)
    imp->restart = TRUE;   /* a company after the employees */
}

/* Gives the pages of a mapped file from @from to @to back to the kernel:
 * they are read again from the file if they are needed again (a private,
 * read-only mapping is never written). The file's size is then not part
 * of the import's memory. */
static void
release_range (Import     *imp,
               const char *from,
               const char *to)
{
#ifdef MADV_DONTNEED
  guintptr page = sysconf (_SC_PAGESIZE);
  guintptr start = ((guintptr) from + page - 1) & ~(page - 1);
  guintptr end = (guintptr) to & ~(page - 1);

  if (imp->mapped && end > start)
    madvise ((void *) start, end - start, MADV_DONTNEED);
#endif
}

/* The pages the reader has passed (every 4 MB). */
static void
release_behind (Import     *imp,
                const char *upto)
{
  imp->at = upto;
  if (!imp->mapped || upto < imp->released + 4 * 1024 * 1024)
    return;
  release_range (imp, imp->released, upto);
  imp->released = upto;
}

static int
compare_item_index (gconstpointer a,
                    gconstpointer b)
{
  const Item *item_a = *(Item * const *) a;
  const Item *item_b = *(Item * const *) b;

  return (item_a->index > item_b->index) - (item_a->index < item_b->index);
}

/* After the last record: what waited, the pending issues, the replace,
 * the commit. FALSE with @error set when nothing was written. */
static gboolean
finish (Import  *imp,
        GError **error)
{
  GPtrArray *employees = imp->items[PB_ENTITY_EMPLOYEE];

  stage_keyed (imp);
  if (imp->hold)
    for (guint i = 0; i < employees->len; i++)
      process_employee (imp, g_ptr_array_index (employees, i));

  /* Every employee of the file is known now. */
  imp->end_of_file = TRUE;
  for (guint i = imp->pending->len; i > 0; i--)
    {
      Pending *pending = g_ptr_array_index (imp->pending, i - 1);

      if (find_file_item (imp, PB_ENTITY_EMPLOYEE, pending->email) != NULL)
        g_ptr_array_remove (imp->buckets[pending->bucket], pending->issue);
      g_ptr_array_remove_index (imp->pending, i - 1);
    }

  if (imp->read_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&imp->read_error));
      return FALSE;
    }
  if (has_issues (imp))
    return FALSE;
  if (imp->write_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&imp->write_error));
      return FALSE;
    }

  if (imp->hold)
    {
      if (!write_employees (imp, employees, error))
        return FALSE;
      for (guint i = 0; i < employees->len; i++)
        if (!write_children (imp, g_ptr_array_index (employees, i), error))
          return FALSE;
    }
  else if (imp->waiting != NULL)
    {
      /* Those whose managers the file holds but never wrote first: a
       * cycle of new people. Written as holding writes them, in file
       * order. */
      g_autoptr(GPtrArray) rest = g_ptr_array_new ();
      GHashTableIter iter;
      GPtrArray *list;

      g_hash_table_iter_init (&iter, imp->waiting);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &list))
        g_ptr_array_extend (rest, list, NULL, NULL);
      g_ptr_array_sort (rest, compare_item_index);
      if (!write_employees (imp, rest, error))
        return FALSE;
      for (guint i = 0; i < rest->len; i++)
        if (!write_children (imp, g_ptr_array_index (rest, i), error))
          return FALSE;
    }

  if ((imp->flags & PB_IMPORT_FLAGS_REPLACE) && !write_replace (imp, error))
    return FALSE;

  return pb_store_commit (imp->store, error);
}

/* --- public API ---------------------------------------------------------- */

static void
import_init (Import          *imp,
             PbStore         *store,
             const char      *display_name,
             PbImportFlags    flags,
             gboolean         hold,
             gboolean         mapped,
             const char      *data,
             gsize            length)
{
  memset (imp, 0, sizeof *imp);
  imp->start = data;
  imp->length = length;
  imp->at = data;
  imp->store = store;
  imp->name = display_name;
  imp->flags = flags;
  imp->hold = hold;
  imp->mapped = mapped;
  imp->released = data;
  imp->result = g_new0 (PbImportResult, 1);
  imp->result->issues = g_ptr_array_new_with_free_func ((GDestroyNotify) issue_free);
  imp->buckets[BUCKET_PARSE] = imp->result->issues;
  for (guint b = BUCKET_PARSE + 1; b < N_BUCKETS; b++)
    imp->buckets[b] = g_ptr_array_new_with_free_func ((GDestroyNotify) issue_free);
  imp->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_free);
  for (guint i = 0; i < PB_N_ENTITIES; i++)
    imp->items[i] = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  imp->emails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp->numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp->stored_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  imp->flat_text = g_string_sized_new (256);
}

/* Frees everything but the result, which it returns. */
static PbImportResult *
import_clear (Import *imp)
{
  g_clear_pointer (&imp->waiting, g_hash_table_unref);
  for (guint i = 0; i < PB_N_ENTITIES; i++)
    {
      g_clear_pointer (&imp->items[i], g_ptr_array_unref);
      g_clear_pointer (&imp->index[i], g_hash_table_unref);
      g_clear_pointer (&imp->register_keys[i], g_hash_table_unref);
    }
  for (guint b = BUCKET_PARSE + 1; b < N_BUCKETS; b++)
    g_clear_pointer (&imp->buckets[b], g_ptr_array_unref);
  g_clear_pointer (&imp->pending, g_ptr_array_unref);
  g_clear_pointer (&imp->emails, g_hash_table_unref);
  g_clear_pointer (&imp->numbers, g_hash_table_unref);
  g_clear_pointer (&imp->stored_ids, g_hash_table_unref);
  g_clear_pointer (&imp->bound, g_hash_table_unref);
  if (imp->flat_text != NULL)
    g_string_free (g_steal_pointer (&imp->flat_text), TRUE);
  g_clear_pointer (&imp->open_objects, g_hash_table_unref);
  g_clear_pointer (&imp->duplicates, g_hash_table_unref);
  g_clear_pointer (&imp->register_by_email, g_hash_table_unref);
  g_clear_pointer (&imp->register_by_number, g_hash_table_unref);
  g_clear_pointer (&imp->register_employees, g_ptr_array_unref);
  g_clear_pointer (&imp->renamed, g_hash_table_unref);
  g_clear_error (&imp->read_error);
  g_clear_error (&imp->write_error);

  return g_steal_pointer (&imp->result);
}

/* One run over the data, in one transaction: streaming, or holding. */
static gboolean
import_run (Import      *imp,
            const char  *data,
            gsize        length,
            gboolean     is_csv,
            GError     **error)
{
  PbImportResult *res = imp->result;
  g_autoptr(GError) local_error = NULL;

  /* One transaction from the first read of the register to the last
   * write: what resolving read is what the writes change (the updates
   * compare with it instead of reading each row again), and a bad file
   * writes nothing. */
  if (!pb_store_begin (imp->store, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("Nothing was imported from %s: "),
                                  imp->name);
      return FALSE;
    }
  pb_store_set_bulk (imp->store, TRUE);

  if (memchr (data, '\0', length) != NULL)
    {
      const char *nul = memchr (data, '\0', length);
      guint line = 1;

      for (const char *p = data; p < nul; p++)
        line += *p == '\n';
      add_issue (imp, NULL, NULL, _("line %u: holds a NUL character (byte 0), which is not text"), line);
    }
  else if (!g_utf8_validate (data, length, NULL))
    add_issue (imp, NULL, NULL, _("the file is not UTF-8 text"));
  else if (is_csv)
    read_csv (imp, data, length);
  else
    read_json (imp, data, length);

  /* Cross-record checks run even after value errors (they skip the bad
   * records), so that one run reports every error of the file. */
  if (!imp->restart && finish (imp, &local_error))
    {
      pb_store_set_bulk (imp->store, FALSE);
      return TRUE;
    }

  pb_store_rollback (imp->store);
  pb_store_set_bulk (imp->store, FALSE);
  memset (res->counts, 0, sizeof res->counts);
  if (imp->restart)
    return FALSE;

  /* The issues, in the order of the checks. */
  for (guint b = BUCKET_PARSE + 1; b < N_BUCKETS; b++)
    {
      g_ptr_array_extend_and_steal (res->issues, g_steal_pointer (&imp->buckets[b]));
      imp->buckets[b] = g_ptr_array_new ();
    }

  if (res->issues->len > 0)
    g_set_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID,
                 g_dngettext (GETTEXT_PACKAGE, "%s has %u error; nothing was imported",
                              "%s has %u errors; nothing was imported", res->issues->len),
                 imp->name, res->issues->len);
  else
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error), _("Nothing was imported from %s: "),
                                imp->name);

  return FALSE;
}

static gboolean
import_data (PbStore         *store,
             const char      *display_name,
             const char      *data,
             gsize            length,
             gboolean         is_csv,
             gboolean         mapped,
             PbImportFlags    flags,
             PbImportResult **result,
             GError         **error)
{
  g_autoptr(PbImportResult) res = NULL;
  gboolean ok = FALSE;

  /* -1: a NUL-terminated text (as json-glib took it; test-mapping passes it). */
  if (length == (gsize) -1)
    length = strlen (data);

  /* Streaming first; a document it cannot stream is read again holding. */
  for (guint hold = 0; hold <= 1; hold++)
    {
      Import imp;

      import_init (&imp, store, display_name, flags, hold, mapped, data, length);
      ok = import_run (&imp, data, length, is_csv, error);
      res = import_clear (&imp);
      if (!imp.restart)
        break;
      g_debug ("%s: read again holding every record", display_name);
      g_clear_pointer (&res, pb_import_result_free);
    }

  if (result != NULL)
    *result = g_steal_pointer (&res);

  return ok;
}

/**
 * pb_import_data:
 * @display_name: the file as it is named in messages
 * @is_csv: %TRUE for the employee CSV, %FALSE for a `paybridge-hr/1` document
 * @result: (out) (optional): the issues found, or what was written
 *
 * Validates @data completely and, only if it has no error at all, writes it
 * to the register in one transaction.
 *
 * Returns: %TRUE when the file was imported
 */
gboolean
pb_import_data (PbStore         *store,
                const char      *display_name,
                const char      *data,
                gsize            length,
                gboolean         is_csv,
                PbImportFlags    flags,
                PbImportResult **result,
                GError         **error)
{
  return import_data (store, display_name, data, length, is_csv, FALSE, flags, result, error);
}

/**
 * pb_import_file:
 *
 * Imports a `.csv` of employees or a `.json` document, by file name.
 */
gboolean
pb_import_file (PbStore         *store,
                const char      *path,
                PbImportFlags    flags,
                PbImportResult **result,
                GError         **error)
{
  g_autoptr(GMappedFile) file = NULL;
  gboolean is_csv;

  if (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"))
    is_csv = TRUE;
  else if (g_str_has_suffix (path, ".json") || g_str_has_suffix (path, ".JSON"))
    is_csv = FALSE;
  else
    {
      g_set_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_FORMAT,
                   _("%s: Paybridge imports .json (paybridge-hr/1) and .csv files"), path);
      return FALSE;
    }

  /* Mapped, not read into memory: the pages are the file's own. */
  file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return FALSE;

  /* Mapped: the import gives pages it has read back to the kernel. */
  return import_data (store, path, g_mapped_file_get_contents (file) ? g_mapped_file_get_contents (file) : "",
                      g_mapped_file_get_length (file), is_csv, g_mapped_file_get_contents (file) != NULL,
                      flags, result, error);
}

/* --- pb_import_file_async(), pb_import_gfile_async() ------------------------ */

/* What an async import's worker shares with the caller's main context: the
 * Cancel it honours between records and how far it has got. It rides on
 * the worker's own connection (qdata), so that the synchronous import and
 * its signature stay as they are; only save() asks for it. Refcounted
 * (g_atomic_rc_box): a progress report queued on the caller's context may
 * outlive the worker. */
typedef struct
{
  GCancellable         *cancellable;  /* (owned) (nullable) */
  GMainContext         *context;      /* (owned) the caller's */
  PbImportProgressFunc  progress;     /* (nullable) main context only */
  gpointer              progress_data;
  GDestroyNotify        progress_data_free;
  gint64                last_report;  /* worker only: monotonic µs */
  guint                 handed;       /* worker only: records handed to the store */
  int                   written;      /* (atomic) records written */
  int                   per_10000;    /* (atomic) how far, in 1/10,000 of the whole */
  int                   pending;      /* (atomic): a report is queued on @context */
  int                   finished;     /* (atomic): the caller has the result: no more reports */
} ImportHooks;

/* A few reports a second: each redraws the caller's progress bar. */
#define REPORT_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)

static GQuark
import_hooks_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("pb-import-hooks"));

  return quark;
}

static void
import_hooks_clear (ImportHooks *hooks)
{
  g_clear_object (&hooks->cancellable);
  g_main_context_unref (hooks->context);
}

static void
import_hooks_release (gpointer hooks)
{
  g_atomic_rc_box_release_full (hooks, (GDestroyNotify) import_hooks_clear);
}

/* On the caller's main context: the last count the worker set. */
static gboolean
report_progress_cb (gpointer user_data)
{
  ImportHooks *hooks = user_data;

  g_atomic_int_set (&hooks->pending, 0);
  if (hooks->progress != NULL && !g_atomic_int_get (&hooks->finished) &&
      !g_cancellable_is_cancelled (hooks->cancellable))
    hooks->progress (g_atomic_int_get (&hooks->written), g_atomic_int_get (&hooks->per_10000) / 10000.0,
                     hooks->progress_data);

  return G_SOURCE_REMOVE;
}

/* In the worker: @done of the file's records are written. At most one
 * report waits on the caller's context at a time, and it reads the count
 * when it runs, so the caller never falls behind. */
static void
import_hooks_report (ImportHooks *hooks,
                     guint        written,
                     double       fraction)
{
  gint64 now = g_get_monotonic_time ();
  GSource *source;

  g_atomic_int_set (&hooks->written, written);
  g_atomic_int_set (&hooks->per_10000, (int) (CLAMP (fraction, 0.0, 1.0) * 10000));
  if (hooks->progress == NULL ||
      (fraction < 1.0 && hooks->last_report != 0 && now - hooks->last_report < REPORT_INTERVAL_US))
    return;
  hooks->last_report = now;
  if (!g_atomic_int_compare_and_exchange (&hooks->pending, 0, 1))
    return;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[paybridge] import progress");
  g_source_set_callback (source, report_progress_cb, g_atomic_rc_box_acquire (hooks), import_hooks_release);
  g_source_attach (source, hooks->context);
  g_source_unref (source);
}

/* The records write_all() hands to save(): the keyed ones, every employee
 * and what each holds. */
static guint
count_records (Import *imp)
{
  guint n = imp->items[PB_ENTITY_EMPLOYEE]->len;

  for (guint i = 0; i < G_N_ELEMENTS (keyed_entities); i++)
    n += imp->items[keyed_entities[i]]->len;
  for (guint i = 0; i < imp->items[PB_ENTITY_EMPLOYEE]->len; i++)
    {
      Item *employee = g_ptr_array_index (imp->items[PB_ENTITY_EMPLOYEE], i);

      for (guint slot = 0; slot < G_N_ELEMENTS (child_entities); slot++)
        n += employee->children[slot] != NULL ? employee->children[slot]->len : 0;
    }

  return n;
}

/* Before each record save() writes: Cancel makes it fail, and so the one
 * transaction rolls back (nothing written, SPEC's transactional rule). */
static gboolean
import_hooks_note_record (Import  *imp,
                          GError **error)
{
  ImportHooks *hooks = g_object_get_qdata (G_OBJECT (imp->store), import_hooks_quark ());
  double fraction;

  if (hooks == NULL)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (hooks->cancellable, error))
    return FALSE;

  /* Streaming, records are written as the reader passes them: how far it
   * has read is how far the import is (the total of records is not known
   * before the end). Holding, everything was read first: records count. */
  if (imp->hold)
    {
      if (imp->n_noted == 0)
        imp->n_to_write = count_records (imp);
      fraction = imp->n_to_write > 0 ? (double) imp->n_noted / imp->n_to_write : 0;
    }
  else
    fraction = imp->length > 0 ? (double) (imp->at - imp->start) / imp->length : 0;
  /* Not done until the worker says so (after the commit). */
  hooks->handed = ++imp->n_noted;
  import_hooks_report (hooks, hooks->handed - 1, MIN (fraction, 0.999));

  return TRUE;
}

typedef struct
{
  PbStore        *store;
  char           *path;       /* (nullable): a file by name (pb_import_file_async()) */
  GFile          *file;       /* (nullable): or a GFile, named by its basename */
  PbImportFlags   flags;
  PbImportResult *result;
  ImportHooks    *hooks;      /* (owned) one reference */
  guint           changed;    /* PbStoreChangedFlags the worker's commit reported */
} ImportTask;

static void
import_task_free (ImportTask *data)
{
  g_object_unref (data->store);
  g_free (data->path);
  g_clear_object (&data->file);
  pb_import_result_free (data->result);
  import_hooks_release (data->hooks);
  g_free (data);
}

static void
on_worker_changed (PbStore  *store,
                   guint     what,
                   gpointer  user_data)
{
  ImportTask *data = user_data;

  data->changed |= what;
}

/* pb_import_file() for a GFile: mapped when it has a path, else read (a
 * worker may block); messages name it by its basename, as the app shows it. */
static gboolean
import_gfile (PbStore         *store,
              GFile           *file,
              PbImportFlags    flags,
              GCancellable    *cancellable,
              PbImportResult **result,
              GError         **error)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = g_ascii_strdown (name != NULL ? name : "", -1);
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  gboolean is_csv;

  if (g_str_has_suffix (lower, ".csv"))
    is_csv = TRUE;
  else if (g_str_has_suffix (lower, ".json"))
    is_csv = FALSE;
  else
    {
      g_set_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_FORMAT,
                   _("%s: Paybridge imports .json (paybridge-hr/1) and .csv files"), name);
      return FALSE;
    }

  if (path != NULL)
    {
      mapped = g_mapped_file_new (path, FALSE, error);
      if (mapped == NULL)
        return FALSE;
      length = g_mapped_file_get_length (mapped);
    }
  else if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, error))
    return FALSE;

  return pb_import_data (store, name,
                         mapped != NULL ? (g_mapped_file_get_contents (mapped) ?: "") : contents,
                         length, is_csv, flags, result, error);
}

static void
import_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ImportTask *data = task_data;
  g_autoptr(PbStore) store = NULL;
  GError *error = NULL;
  gboolean ok;

  store = pb_store_open_another (data->store, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_signal_connect (store, "changed", G_CALLBACK (on_worker_changed), data);
  g_object_set_qdata (G_OBJECT (store), import_hooks_quark (), data->hooks);
  if (data->file != NULL)
    ok = import_gfile (store, data->file, data->flags, cancellable, &data->result, &error);
  else
    ok = pb_import_file (store, data->path, data->flags, &data->result, &error);
  g_object_set_qdata (G_OBJECT (store), import_hooks_quark (), NULL);

  if (!ok)
    g_task_return_error (task, error);
  else
    {
      /* The last record is written: all of them. */
      if (data->hooks->handed > 0)
        import_hooks_report (data->hooks, data->hooks->handed, 1.0);
      g_task_return_boolean (task, TRUE);
    }
}

static void
on_imported_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ImportTask *data = g_task_get_task_data (G_TASK (result));
  ImportHooks *hooks = data->hooks;
  GError *error = NULL;

  /* No report after the result; the caller's data is let go here, on its
   * own context, not in the worker. */
  g_atomic_int_set (&hooks->finished, 1);
  if (hooks->progress_data_free != NULL)
    hooks->progress_data_free (hooks->progress_data);
  hooks->progress = NULL;
  hooks->progress_data = NULL;

  /* Back on the caller's main loop: the store it holds tells its own
   * listeners (the worker's connection told nobody). */
  if (data->changed != 0)
    pb_store_note_change (data->store, data->changed);

  /* Kept in the worker's data, which @task holds, for the finish to take. */
  g_task_set_task_data (task, g_object_ref (G_TASK (result)), g_object_unref);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
import_start (PbStore              *store,
              const char           *path,
              GFile                *file,
              PbImportFlags         flags,
              PbImportProgressFunc  progress,
              gpointer              progress_data,
              GDestroyNotify        progress_data_free,
              GCancellable         *cancellable,
              GAsyncReadyCallback   callback,
              gpointer              user_data,
              gpointer              source_tag)
{
  GTask *task = g_task_new (store, cancellable, callback, user_data);
  GTask *worker = g_task_new (store, cancellable, on_imported_cb, task);
  ImportTask *data = g_new0 (ImportTask, 1);

  g_task_set_source_tag (task, source_tag);
  /* What the worker did is the answer, even when Cancel came too late to
   * stop it: a committed import is never reported as cancelled. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_check_cancellable (worker, FALSE);

  data->store = g_object_ref (store);
  data->path = g_strdup (path);
  data->file = file != NULL ? g_object_ref (file) : NULL;
  data->flags = flags;
  data->hooks = g_atomic_rc_box_new0 (ImportHooks);
  data->hooks->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  data->hooks->context = g_main_context_ref_thread_default ();
  data->hooks->progress = progress;
  data->hooks->progress_data = progress_data;
  data->hooks->progress_data_free = progress_data_free;
  g_task_set_task_data (worker, data, (GDestroyNotify) import_task_free);
  g_task_run_in_thread (worker, import_in_thread);
  g_object_unref (worker);
}

/**
 * pb_import_file_async:
 * @cancellable: (nullable): honoured between the records written: the one
 *   transaction rolls back and the result is %G_IO_ERROR_CANCELLED
 *
 * pb_import_file() in a worker thread with its own connection to @store,
 * so that the main loop goes on meanwhile; @store's #PbStore::changed is
 * emitted on the caller's main loop before @callback runs.
 */
void
pb_import_file_async (PbStore             *store,
                      const char          *path,
                      PbImportFlags        flags,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (PB_IS_STORE (store));
  g_return_if_fail (path != NULL);

  import_start (store, path, NULL, flags, NULL, NULL, NULL, cancellable, callback, user_data,
                pb_import_file_async);
}

/**
 * pb_import_gfile_async:
 * @file: a `.json` or `.csv` file (by its basename's suffix), named in the
 *   issues by its basename
 * @progress: (nullable): how far the write has got, on the caller's main
 *   context (see #PbImportProgressFunc)
 * @progress_data_free: (nullable): called on the caller's main context
 *   before @callback
 * @cancellable: (nullable): as pb_import_file_async()'s
 *
 * pb_import_file_async() for a #GFile, with progress. Finish it with
 * pb_import_file_finish().
 */
void
pb_import_gfile_async (PbStore              *store,
                       GFile                *file,
                       PbImportFlags         flags,
                       PbImportProgressFunc  progress,
                       gpointer              progress_data,
                       GDestroyNotify        progress_data_free,
                       GCancellable         *cancellable,
                       GAsyncReadyCallback   callback,
                       gpointer              user_data)
{
  g_return_if_fail (PB_IS_STORE (store));
  g_return_if_fail (G_IS_FILE (file));

  import_start (store, NULL, file, flags, progress, progress_data, progress_data_free, cancellable,
                callback, user_data, pb_import_gfile_async);
}

/**
 * pb_import_file_finish:
 * @result: (out) (optional): as pb_import_file()'s
 *
 * Finishes pb_import_file_async() or pb_import_gfile_async().
 *
 * Returns: %TRUE when the file was imported
 */
gboolean
pb_import_file_finish (PbStore         *store,
                       GAsyncResult    *result,
                       PbImportResult **import_result,
                       GError         **error)
{
  GTask *task = G_TASK (result);

  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (task) == pb_import_file_async ||
                        g_task_get_source_tag (task) == pb_import_gfile_async, FALSE);

  if (import_result != NULL)
    {
      ImportTask *data = g_task_get_task_data (g_task_get_task_data (task));

      *import_result = g_steal_pointer (&data->result);
    }

  return g_task_propagate_boolean (task, error);
}

/* The employee's fields, as the error message lists them. */
static char *
dup_employee_field_names (void)
{
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < def->n_fields; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", def->fields[i].name);

  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* An email or employee number that @item takes from someone else. */
static void
check_taken (Import     *imp,
             Item       *item,
             guint       field)
{
  const char *value = item->values[field];
  g_autoptr(PbRecord) other = NULL;

  if (!item->present[field] || value == NULL)
    return;

  if (field == PB_EMPLOYEE_EMAIL)
    other = pb_store_find_employee (imp->store, NULL, value, NULL);
  else
    other = pb_store_find_employee (imp->store, value, NULL, NULL);

  if (other != NULL && pb_record_get_id (other) != pb_record_get_id (item->stored))
    {
      g_autofree char *described = describe_employee (other);
      add_issue (imp, NULL, pb_entity_get_def (PB_ENTITY_EMPLOYEE)->fields[field].name,
                 _("“%s” belongs to another employee in the register (%s)"), value, described);
    }
}

/**
 * pb_import_set_fields:
 * @email: the employee's email, as the register has it (any case)
 * @names: (array zero-terminated=1): field names, as in the import
 * @values: (array zero-terminated=1): their values, one per name; empty clears
 * @result: (out) (optional): the issues found, or what was written
 *
 * Changes fields of one employee who is in the register, with the import's
 * field names, checks and messages (each issue is `EMAIL: field: message`).
 * Nothing is written unless every value is good; then the change is one
 * transaction through pb_store_save(), so it reaches the change log and the
 * outbox like any other save.
 *
 * Returns: %TRUE when the values were written (or already held)
 */
gboolean
pb_import_set_fields (PbStore             *store,
                      const char          *email,
                      const char * const  *names,
                      const char * const  *values,
                      PbImportResult     **result,
                      GError             **error)
{
  const PbEntityDef *def = pb_entity_get_def (PB_ENTITY_EMPLOYEE);
  g_autoptr(PbImportResult) res = NULL;
  Import imp;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PbRecord) stored = NULL;
  Item *item = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (g_strv_length ((char **) names) == g_strv_length ((char **) values), FALSE);

  /* One person: the store is asked (no register index), and every
   * employee of this "file" is known. */
  import_init (&imp, store, email, PB_IMPORT_FLAGS_NONE, TRUE, FALSE, NULL, 0);
  imp.end_of_file = TRUE;
  res = imp.result;

  stored = pb_store_find_employee (store, NULL, email, &local_error);
  if (stored == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, PB_STORE_ERROR, PB_STORE_ERROR_NOT_FOUND,
                     _("There is no employee with the email “%s” in the HR register"), email);
      goto out;
    }

  item = item_new (PB_ENTITY_EMPLOYEE, NULL);
  for (guint i = 0; names[i] != NULL; i++)
    {
      int field = pb_entity_find_field (PB_ENTITY_EMPLOYEE, names[i]);

      if (field < 0)
        {
          g_autofree char *known = dup_employee_field_names ();
          add_issue (&imp, NULL, names[i], _("unknown field (the fields are: %s)"), known);
          item->bad = TRUE;
        }
      else if (item->present[field])
        {
          add_issue (&imp, NULL, def->fields[field].name, _("is given twice"));
          item->bad = TRUE;
        }
      else
        item_set_value (&imp, item, field, values[i]);
    }

  /* The cross-field checks of the import, on the employee as it would be. */
  if (!item->bad)
    {
      item->stored = g_object_ref (stored);
      item->final = merge (item, item->stored);
      check_required (&imp, item);
      check_period (&imp, item, PB_EMPLOYEE_FIRST_WORKDAY, PB_EMPLOYEE_LAST_WORKDAY);
      check_refs (&imp, item);
      check_taken (&imp, item, PB_EMPLOYEE_EMAIL);
      check_taken (&imp, item, PB_EMPLOYEE_EMPLOYEE_NUMBER);
    }

  if (has_issues (&imp))
    {
      g_set_error (error, PB_IMPORT_ERROR, PB_IMPORT_ERROR_INVALID,
                   g_dngettext (GETTEXT_PACKAGE, "%s: %u error; nothing was changed",
                                "%s: %u errors; nothing was changed", res->issues->len),
                   email, res->issues->len);
      goto out;
    }

  if (!pb_store_begin (store, error))
    goto out;
  if (!save (&imp, item->final, error) || !pb_store_commit (store, error))
    {
      pb_store_rollback (store);
      memset (res->counts, 0, sizeof res->counts);
      g_prefix_error (error, _("Nothing was changed for %s: "), email);
      goto out;
    }
  ok = TRUE;

out:
  if (item != NULL)
    item_free (item);
  import_clear (&imp);
  if (result != NULL)
    *result = g_steal_pointer (&res);

  return ok;
}

GPtrArray *
pb_import_result_get_issues (PbImportResult *result)
{
  return result->issues;
}

guint
pb_import_result_get_count (PbImportResult *result,
                            PbEntity        entity,
                            PbChangeOp      op)
{
  g_return_val_if_fail (entity < PB_N_ENTITIES && op <= PB_CHANGE_DELETE, 0);

  return result->counts[entity][op];
}

/**
 * pb_import_result_summary:
 *
 * Returns: (transfer full): one line such as "employees: 3 created, 1 updated;
 *   positions: 4 created", or "nothing changed"
 */
char *
pb_import_result_summary (PbImportResult *result)
{
  g_autoptr(GString) summary = g_string_new (NULL);

  for (guint e = 0; e < PB_N_ENTITIES; e++)
    {
      guint *c = result->counts[e];

      if (c[PB_CHANGE_CREATE] + c[PB_CHANGE_UPDATE] + c[PB_CHANGE_DELETE] == 0)
        continue;
      if (summary->len > 0)
        g_string_append (summary, "; ");
      g_string_append_printf (summary, _("%s: %u created, %u updated, %u deleted"),
                              pb_entity_get_def (e)->plural,
                              c[PB_CHANGE_CREATE], c[PB_CHANGE_UPDATE], c[PB_CHANGE_DELETE]);
    }

  if (summary->len == 0)
    return g_strdup (_("nothing changed"));

  return g_string_free (g_steal_pointer (&summary), FALSE);
}

void
pb_import_result_free (PbImportResult *result)
{
  if (result == NULL)
    return;

  g_ptr_array_unref (result->issues);
  g_free (result);
}

/**
 * pb_import_issue_format:
 *
 * Returns: (transfer full): `FILE:WHERE: field: message`
 */
char *
pb_import_issue_format (const PbImportIssue *issue)
{
  if (issue->field != NULL)
    return g_strdup_printf ("%s: %s: %s", issue->where, issue->field, issue->message);

  return g_strdup_printf ("%s: %s", issue->where, issue->message);
}
