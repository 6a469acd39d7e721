/* pb-sort-key.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbSortKey"

#include "config.h"

#include <string.h>

#include "pb-sort-key.h"

/* The three Nordic letters after z. In a key they are U+0080, U+0081 and
 * U+0082 (C1 controls, dropped from the text itself): every ASCII
 * character sorts before them and every other non-ASCII letter after. */
#define KEY_AE 0x80 /* æ, ä */
#define KEY_OE 0x81 /* ø, ö */
#define KEY_AA 0x82 /* å */

#define COMBINING_DIAERESIS 0x0308
#define COMBINING_RING_ABOVE 0x030A

/**
 * pb_sort_key:
 * @text: (nullable): a name
 *
 * The key the register sorts names by, compared byte by byte (SQLite's
 * BINARY): the Norwegian and Danish alphabet, whatever the process locale,
 * so that a key stored in the data file keeps its meaning when LANG
 * changes. Case is folded, accents are dropped (é sorts with e, ü with u),
 * and Æ, Ø, Å come after Z in that order. Swedish Ä and Ö sort with Æ and
 * Ø, the Danish and Norwegian convention; a Swedish register would put Å
 * first (Å, Ä, Ö): one fixed order is a choice, the payroll systems being
 * Norwegian first. "Aa" stays "aa" (Aasen sorts among the A's).
 *
 * Returns: (transfer full) (nullable): the key, or %NULL for %NULL
 */
char *
pb_sort_key (const char *text)
{
  g_autofree char *folded = NULL;
  g_autofree char *decomposed = NULL;
  GString *key;
  const char *p;

  if (text == NULL)
    return NULL;

  folded = g_utf8_casefold (text, -1);
  decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_NFD);
  if (decomposed == NULL) /* not UTF-8: compared as it is */
    return g_steal_pointer (&folded);

  key = g_string_sized_new (strlen (decomposed));
  p = decomposed;
  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      gunichar mark = 0;

      p = g_utf8_next_char (p);

      /* The marks on this letter: a ring or a diaeresis makes a Nordic
       * letter of a and o; every other mark goes. */
      while (*p != '\0' && g_unichar_ismark (g_utf8_get_char (p)))
        {
          gunichar m = g_utf8_get_char (p);

          if (mark == 0 && (m == COMBINING_RING_ABOVE || m == COMBINING_DIAERESIS))
            mark = m;
          p = g_utf8_next_char (p);
        }

      if (c == 'a' && mark == COMBINING_RING_ABOVE)
        c = KEY_AA;
      else if ((c == 'a' && mark == COMBINING_DIAERESIS) || c == 0x00E6 /* æ */)
        c = KEY_AE;
      else if ((c == 'o' && mark == COMBINING_DIAERESIS) || c == 0x00F8 /* ø */)
        c = KEY_OE;
      else if (g_unichar_ismark (c) || (c >= 0x80 && c <= 0x9F))
        continue; /* a mark with no letter, a C1 control */

      g_string_append_unichar (key, c);
    }

  return g_string_free (key, FALSE);
}
