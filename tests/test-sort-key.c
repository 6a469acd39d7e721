/* test-sort-key.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <string.h>

#include "pb-sort-key.h"

static void
assert_before (const char *a,
               const char *b)
{
  g_autofree char *ka = pb_sort_key (a);
  g_autofree char *kb = pb_sort_key (b);

  /* strcmp () is SQLite's BINARY: the order the register's pages read */
  if (strcmp (ka, kb) >= 0)
    g_error ("“%s” does not sort before “%s”", a, b);
}

static void
assert_same (const char *a,
             const char *b)
{
  g_autofree char *ka = pb_sort_key (a);
  g_autofree char *kb = pb_sort_key (b);

  if (strcmp (ka, kb) != 0)
    g_error ("“%s” and “%s” do not sort together", a, b);
}

/* The Norwegian alphabet: Æ, Ø, Å after Z in that order; "Aa" among the
 * A's. Under COLLATE NOCASE (UTF-8 bytes) Å (C3 85) came before Æ and Ø. */
static void
test_norwegian_order (void)
{
  const char *names[] = {
    "Aasen", "Berg", "Zakariassen", "Ærø", "Ødegård", "Øyen", "Åsen",
  };

  for (guint i = 0; i + 1 < G_N_ELEMENTS (names); i++)
    for (guint j = i + 1; j < G_N_ELEMENTS (names); j++)
      assert_before (names[i], names[j]);

  assert_before ("Aasen", "Abel");
  assert_before ("Zz", "Æ");
  assert_before ("Æ", "Ø");
  assert_before ("Ø", "Å");
  /* the same letters lower case, and within a name */
  assert_before ("zorro", "æbelø");
  assert_before ("Bærum", "Bø");
  assert_before ("Bø", "Børresen");
  assert_before ("Børresen", "Bå");
  assert_before ("Bå", "Båtstø");
  /* after Z, before letters of other alphabets */
  assert_before ("Åsen", "Łukasz");
  assert_before ("Åsen", "Яков");
}

/* Swedish Ä and Ö sort with Æ and Ø (the Danish and Norwegian order). */
static void
test_swedish_letters (void)
{
  assert_same ("Ä", "Æ");
  assert_same ("Öberg", "Øberg");
  assert_before ("Zetterlund", "Äng");
  assert_before ("Äng", "Öberg");
  assert_before ("Öberg", "Åberg");
}

/* Other accents fold to the letter; case does not count. */
static void
test_folding (void)
{
  g_autofree char *e_acute = pb_sort_key ("é");
  g_autofree char *rene = pb_sort_key ("RENÉ");
  g_autofree char *decomposed = pb_sort_key ("Ae\xcc\x81"); /* e + U+0301 */

  g_assert_cmpstr (e_acute, ==, "e");
  g_assert_cmpstr (rene, ==, "rene");
  g_assert_cmpstr (decomposed, ==, "ae");
  assert_same ("Müller", "muller");
  assert_same ("ÅSEN", "åsen");
  assert_same ("ØDEGÅRD", "ødegård");
  assert_same ("Å", "A\xcc\x8a"); /* precomposed and A + ring above */
  assert_same ("Ærø", "ÆRØ");
  assert_before ("émile", "Eva"); /* é as e: "em" < "ev" */
  assert_before ("eva", "Frida");
  /* a C1 control in the text cannot pass for a Nordic letter */
  assert_same ("Z\xc2\x80", "Z");
}

static void
test_empty_and_null (void)
{
  g_autofree char *empty = pb_sort_key ("");

  g_assert_cmpstr (empty, ==, "");
  g_assert_null (pb_sort_key (NULL));
  assert_before ("", "A");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sort-key/norwegian-order", test_norwegian_order);
  g_test_add_func ("/sort-key/swedish-letters", test_swedish_letters);
  g_test_add_func ("/sort-key/folding", test_folding);
  g_test_add_func ("/sort-key/empty-and-null", test_empty_and_null);

  return g_test_run ();
}
