/* pb-csv.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pb-csv.h"

/**
 * pb_csv_append_row:
 * @values: (array length=n_values) (nullable): the fields; %NULL is empty
 *
 * Appends one CRLF-terminated row. Every field is quoted, so commas, quotes
 * and line breaks inside values (an error message, a two-line address)
 * survive a round trip through a spreadsheet.
 */
void
pb_csv_append_row (GString            *out,
                   const char * const *values,
                   guint               n_values)
{
  for (guint i = 0; i < n_values; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '"');
      for (const char *p = values[i] != NULL ? values[i] : ""; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
    }
  g_string_append (out, "\r\n");
}
