/* pb-json-guard.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbJsonGuard"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pb-json-guard.h"

/* A byte scan that runs before any JSON text reaches json-glib, which
 * recurses once per nesting level (80,000 levels overflow the stack),
 * cuts a string at its first \u0000 without a word, and wraps an integer
 * beyond 64 bits around (9223372036854775808 reads as its negative).
 *
 * The scan follows what json-glib's scanner accepts, not only JSON: double-
 * quoted strings with backslash escapes, single-quoted strings without
 * escapes, and C comments. It counts the objects and lists open outside
 * strings and comments, and keeps, for each open one, the member or index
 * being read, so that a problem can be named by the path the import names
 * its records with. It does not check the syntax: json-glib does that. */

G_DEFINE_QUARK (pb-json-guard-error-quark, pb_json_guard_error)

typedef struct
{
  gboolean  is_object;
  gboolean  want_name;    /* an object: the next string is a member name */
  guint     index;        /* a list: the element being read */
  gsize     name_start;   /* an object: the member being read, as written */
  gsize     name_len;
} Frame;

/* A name as written, cut to 64 bytes on a character boundary. */
static void
append_name (GString    *out,
             const char *name,
             gsize       len)
{
  if (len > 64)
    {
      const char *end = g_utf8_find_prev_char (name, name + 65);

      g_string_append_len (out, name, end != NULL ? end - name : 64);
      g_string_append (out, "…");
    }
  else
    g_string_append_len (out, name, len);
}

static void
report_problem (PbJsonGuardReport  *report,
                PbJsonGuardProblem  problem,
                const char         *data,
                gsize               offset,
                const Frame        *frames,
                guint               depth,
                gsize               name_start,
                gsize               name_len,
                gboolean            in_name)
{
  g_autoptr(GString) path = g_string_new ("$");
  gboolean cut = FALSE;

  if (report == NULL)
    return;

  report->problem = problem;
  report->line = 1;
  report->column = 1;
  for (gsize i = 0; i < offset; i++)
    {
      if (data[i] == '\n')
        {
          report->line++;
          report->column = 1;
        }
      else
        report->column++;
    }

  /* frames[0] is the document's value ("$"); frames[d] is the value of
   * frames[d - 1]'s current member or element. */
  for (guint d = 1; d < depth; d++)
    {
      const Frame *parent = &frames[d - 1];

      /* Deep down, the first levels and the count say enough. */
      if (d > 8 && depth > 12)
        {
          g_string_append_printf (path, "…(%u levels)", depth);
          cut = TRUE;
          break;
        }

      if (parent->is_object)
        {
          g_string_append_c (path, '.');
          append_name (path, data + parent->name_start, parent->name_len);
        }
      else
        g_string_append_printf (path, "[%u]", parent->index);
    }

  g_clear_pointer (&report->path, g_free);
  g_clear_pointer (&report->member, g_free);
  report->path = g_string_free (g_steal_pointer (&path), FALSE);
  report->in_name = in_name;

  if (in_name || (depth > 0 && frames[depth - 1].is_object && frames[depth - 1].name_len > 0))
    {
      g_autoptr(GString) member = g_string_new (NULL);

      if (!in_name)
        {
          name_start = frames[depth - 1].name_start;
          name_len = frames[depth - 1].name_len;
        }
      append_name (member, data + name_start, name_len);
      report->member = g_string_free (g_steal_pointer (&member), FALSE);
    }
  else if (depth > 0 && !frames[depth - 1].is_object && !cut)
    {
      /* An element of a list: the path names it. */
      g_autofree char *with_index = g_strdup_printf ("%s[%u]", report->path, frames[depth - 1].index);

      g_free (report->path);
      report->path = g_steal_pointer (&with_index);
    }
}

/* Would json-glib read this number token exactly? Integers (decimal or
 * 0x hex) beyond 64 bits wrap around; fractions and exponents become
 * doubles, whose range errors show as inf or 0. */
static gboolean
number_fits (const char *token,
             gsize       len)
{
  gboolean negative = FALSE;
  static const char max_positive[] = "9223372036854775807";
  static const char max_negative[] = "9223372036854775808";

  if (len > 0 && (token[0] == '-' || token[0] == '+'))
    {
      negative = token[0] == '-';
      token++;
      len--;
    }

  if (len > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X'))
    return len - 2 <= 15;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (token[i]))
      return TRUE;   /* a double, or not a number json-glib reads */

  while (len > 1 && token[0] == '0')
    token++, len--;
  if (len < 19)
    return TRUE;
  if (len > 19)
    return FALSE;
  return strncmp (token, negative ? max_negative : max_positive, 19) <= 0;
}

/**
 * pb_json_guard_check:
 * @max_depth: how many objects and lists may be open at once
 * @report: (out caller-allocates) (optional): where the first problem is;
 *   clear it with pb_json_guard_report_clear()
 *
 * Returns: %TRUE when json-glib may be given @data
 */
gboolean
pb_json_guard_check (const char        *data,
                     gsize              length,
                     guint              max_depth,
                     PbJsonGuardReport *report)
{
  g_autofree Frame *frames = g_new0 (Frame, max_depth + 1);
  guint depth = 0;
  gsize i = 0;

  if (report != NULL)
    memset (report, 0, sizeof *report);

  while (i < length)
    {
      char c = data[i];

      if (c == '"' || c == '\'')
        {
          gsize start = i + 1;
          gboolean is_name = depth > 0 && frames[depth - 1].is_object && frames[depth - 1].want_name;

          for (i = start; i < length && data[i] != c; i++)
            {
              if (c == '"' && data[i] == '\\' && i + 1 < length)
                {
                  if (i + 5 < length && data[i + 1] == 'u' && memcmp (data + i + 2, "0000", 4) == 0)
                    {
                      gsize end = i;

                      /* The whole name, for the report. */
                      if (is_name)
                        for (end = i; end < length && data[end] != '"'; end++)
                          if (data[end] == '\\')
                            end++;
                      report_problem (report, PB_JSON_GUARD_NUL, data, i, frames, depth,
                                      start, MIN (end, length) - start, is_name);
                      return FALSE;
                    }
                  i++;
                }
            }
          if (is_name)
            {
              frames[depth - 1].name_start = start;
              frames[depth - 1].name_len = MIN (i, length) - start;
              frames[depth - 1].want_name = FALSE;
            }
          i++;
          continue;
        }

      if (c == '/' && i + 1 < length && data[i + 1] == '*')
        {
          const char *end = g_strstr_len (data + i + 2, length - i - 2, "*/");

          i = end != NULL ? (gsize) (end - data) + 2 : length;
          continue;
        }

      if (c == '{' || c == '[')
        {
          if (depth >= max_depth)
            {
              report_problem (report, PB_JSON_GUARD_TOO_DEEP, data, i, frames, depth, 0, 0, FALSE);
              return FALSE;
            }
          memset (&frames[depth], 0, sizeof (Frame));
          frames[depth].is_object = c == '{';
          frames[depth].want_name = c == '{';
          depth++;
        }
      else if (c == '}' || c == ']')
        {
          if (depth > 0)
            depth--;
        }
      else if (c == ',' && depth > 0)
        {
          if (frames[depth - 1].is_object)
            {
              frames[depth - 1].want_name = TRUE;
              frames[depth - 1].name_len = 0;
            }
          else
            frames[depth - 1].index++;
        }
      else if (g_ascii_isdigit (c) || c == '-' || c == '+')
        {
          gsize start = i;

          while (i < length && (g_ascii_isalnum (data[i]) || data[i] == '.' || data[i] == '-' || data[i] == '+'))
            i++;
          if (!number_fits (data + start, i - start))
            {
              report_problem (report, PB_JSON_GUARD_BIG_NUMBER, data, start, frames, depth, 0, 0, FALSE);
              return FALSE;
            }
          continue;
        }
      else if (g_ascii_isalpha (c))
        {
          /* true, false, null or an identifier json-glib refuses: skip it
           * whole, so that digits in it are not taken for a number. */
          while (i < length && (g_ascii_isalnum (data[i]) || data[i] == '_'))
            i++;
          continue;
        }

      i++;
    }

  return TRUE;
}

void
pb_json_guard_report_clear (PbJsonGuardReport *report)
{
  g_clear_pointer (&report->path, g_free);
  g_clear_pointer (&report->member, g_free);
}

/**
 * pb_json_guard_report_describe:
 *
 * Returns: (transfer full): the problem, where it is, for a message such as
 *   "the JSON is nested deeper than 64 levels (line 1, column 65, at $[0][0]…)"
 */
char *
pb_json_guard_report_describe (const PbJsonGuardReport *report,
                               guint                    max_depth)
{
  g_autofree char *where = NULL;

  if (report->member != NULL)
    where = g_strdup_printf (_("line %u, column %u, at %s, %s"), report->line, report->column,
                             report->path, report->member);
  else
    where = g_strdup_printf (_("line %u, column %u, at %s"), report->line, report->column, report->path);

  switch (report->problem)
    {
    case PB_JSON_GUARD_TOO_DEEP:
      return g_strdup_printf (_("the JSON is nested deeper than %u levels (%s)"), max_depth, where);
    case PB_JSON_GUARD_NUL:
      if (report->in_name)
        return g_strdup_printf (_("a member name holds a NUL character (\\u0000) (%s)"), where);
      return g_strdup_printf (_("a text holds a NUL character (\\u0000) (%s)"), where);
    case PB_JSON_GUARD_BIG_NUMBER:
      return g_strdup_printf (_("a whole number is too large to read exactly (%s)"), where);
    case PB_JSON_GUARD_OK:
    default:
      return g_strdup (_("no problem"));
    }
}

/**
 * pb_json_parse_guarded:
 *
 * Parses @data with json-glib once pb_json_guard_check() has passed it.
 * A text without any value (empty or only spaces) is an error too.
 *
 * Returns: (transfer full): the document's root
 */
JsonNode *
pb_json_parse_guarded (const char  *data,
                       gsize        length,
                       GError     **error)
{
  PbJsonGuardReport report;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (!pb_json_guard_check (data, length, PB_JSON_MAX_DEPTH, &report))
    {
      g_autofree char *text = pb_json_guard_report_describe (&report, PB_JSON_MAX_DEPTH);

      g_set_error_literal (error, PB_JSON_GUARD_ERROR, report.problem, text);
      pb_json_guard_report_clear (&report);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      /* json-glib may quote the text cut inside a character. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error_literal (error, local_error->domain, local_error->code, message);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, _("the text holds no JSON value"));
      return NULL;
    }

  return root;
}
