/* pb-gen-hr.c: writes a large, valid, reproducible HR register
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* pb-gen-hr [--seed N] [--format json|csv] N_PEOPLE
 *
 * Writes to standard output a `paybridge-hr/1` document (companies,
 * locations, teams, absence types and N_PEOPLE employees, each with
 * positions, absences and salaries) or the employee CSV, for tests and
 * benchmarks of the import and the sync. The same seed and count give the
 * same bytes on every machine and GLib version: the generator has its own
 * PRNG (splitmix64) and its own date arithmetic, and never iterates a hash
 * table. Every value is checked against the register's field table
 * (pb_field_check()) before it is written, so a generator bug aborts here
 * instead of showing up as an import error.
 *
 * The CSV names companies, locations and teams by key; import
 * `pb-gen-hr 0` (a JSON document with no people) first to create them. */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb-record.h"
#include "pb-validate.h"

#define MAX_PEOPLE 100000
#define MAX_POSITIONS 3
#define MAX_ABSENCES 6
#define MAX_SALARIES (MAX_POSITIONS + 1)
#define MAX_FIELDS 24
#define FLUSH_SIZE (256 * 1024)

G_STATIC_ASSERT (PB_EMPLOYEE_N_FIELDS <= MAX_FIELDS);

/* --- PRNG and dates ------------------------------------------------------ */

typedef struct
{
  guint64 state;
} Rng;

static guint64
rng_next (Rng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* In [0, n); the modulo bias of 64 bits over small n does not matter here. */
static guint
rng_below (Rng   *rng,
           guint  n)
{
  return (guint) (rng_next (rng) % n);
}

/* In [lo, hi], both included. */
static int
rng_range (Rng *rng,
           int  lo,
           int  hi)
{
  return lo + (int) rng_below (rng, (guint) (hi - lo + 1));
}

static gboolean
rng_chance (Rng   *rng,
            guint  percent)
{
  return rng_below (rng, 100) < percent;
}

#define PICK(rng, array) ((array)[rng_below ((rng), G_N_ELEMENTS (array))])

/* Days since 1970-01-01 (proleptic Gregorian), after H. Hinnant. */
static int
days_from_civil (int y,
                 int m,
                 int d)
{
  int era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void
civil_from_days (int  z,
                 int *y,
                 int *m,
                 int *d)
{
  int era, doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

/* Monday is 0; 1970-01-01 was a Thursday. */
static int
weekday (int day)
{
  return ((day % 7) + 7 + 3) % 7;
}

static int
next_weekday (int day)
{
  while (weekday (day) >= 5)
    day++;
  return day;
}

/* The first of the month on or after @day. */
static int
next_first_of_month (int day)
{
  int y, m, d;

  civil_from_days (day, &y, &m, &d);
  if (d == 1)
    return day;
  return m == 12 ? days_from_civil (y + 1, 1, 1) : days_from_civil (y, m + 1, 1);
}

static void
format_date (int   day,
             char *buf)
{
  int y, m, d;

  civil_from_days (day, &y, &m, &d);
  g_snprintf (buf, 11, "%04d-%02d-%02d", y, m, d);
}

/* --- reference data ------------------------------------------------------ */

typedef struct
{
  const char *key;
  const char *name;
  const char *org_base;   /* the org number without its check digit */
  const char *domain;
} Company;

static const Company companies[] = {
  { "nordlys", "Nordlys Data AS", "91482736", "nordlysdata.no" },
  { "fjellvind", "Fjellvind Konsult AS", "92765310", "fjellvind.no" },
  { "skagerak", "Skagerak Logistikk AS", "81553207", "skageraklogistikk.no" },
};

typedef struct
{
  const char *key;
  const char *name;
  guint       company;
  guint       weight;
  const char *city;
  guint       postal_lo;
  guint       postal_hi;
  const char *streets[4];
} Location;

static const Location locations[] = {
  { "oslo", "Oslo", 0, 40, "Oslo", 150, 1290,
    { "Thorvald Meyers gate", "Bogstadveien", "Trondheimsveien", "Kirkeveien" } },
  { "bergen", "Bergen", 0, 20, "Bergen", 5003, 5097,
    { "Nygårdsgaten", "Kalfarveien", "Fjøsangerveien", "Strandgaten" } },
  { "trondheim", "Trondheim", 1, 14, "Trondheim", 7010, 7057,
    { "Innherredsveien", "Elgeseter gate", "Kongens gate", "Olav Tryggvasons gate" } },
  { "stavanger", "Stavanger", 1, 11, "Stavanger", 4005, 4036,
    { "Pedersgata", "Madlaveien", "Kirkegata", "Løkkeveien" } },
  { "tromso", "Tromsø", 2, 7, "Tromsø", 9006, 9019,
    { "Storgata", "Skippergata", "Grønnegata", "Hansjordnesgata" } },
  { "kristiansand", "Kristiansand", 2, 8, "Kristiansand", 4610, 4631,
    { "Markens gate", "Dronningens gate", "Vestre Strandgate", "Tordenskjolds gate" } },
};

typedef struct
{
  const char *key;
  const char *name;
  const char *titles[4];   /* junior, regular, senior, lead */
} Team;

static const Team teams[] = {
  { "ledelse", "Ledelse", { "Assistent", "Rådgiver", "Direktør", "Daglig leder" } },
  { "utvikling", "Utvikling", { "Junior utvikler", "Utvikler", "Senior utvikler", "Teknisk leder" } },
  { "produkt", "Produkt", { "Produktdesigner", "Produkteier", "Senior produkteier", "Produktsjef" } },
  { "salg", "Salg", { "Salgskonsulent", "Key account manager", "Senior key account manager", "Salgssjef" } },
  { "kundeservice", "Kundeservice",
    { "Kundeservicemedarbeider", "Kundeservicekonsulent", "Fagansvarlig kundeservice", "Kundeservicesjef" } },
  { "okonomi", "Økonomi", { "Regnskapsmedarbeider", "Regnskapsfører", "Controller", "Økonomisjef" } },
  { "hr", "HR og personal", { "HR-konsulent", "HR-rådgiver", "Senior HR-rådgiver", "HR-sjef" } },
  { "drift", "Drift", { "Driftstekniker", "Driftsingeniør", "Senior driftsingeniør", "Driftssjef" } },
  { "marked", "Marked", { "Markedskoordinator", "Markedsfører", "Innholdsansvarlig", "Markedssjef" } },
};

typedef enum
{
  ABS_VACATION,
  ABS_SICK_LEAVE,
  ABS_SELF_CERTIFIED,
  ABS_CHILD_SICK,
  ABS_PARENTAL,
  ABS_UNPAID,
  ABS_WELFARE,
  N_ABSENCE_TYPES
} AbsenceKind;

typedef struct
{
  const char *key;
  const char *name;
  guint       weight;
  int         min_days;
  int         max_days;
  const char *notes[3];
} AbsenceType;

static const AbsenceType absence_types[N_ABSENCE_TYPES] = {
  [ABS_VACATION] = { "vacation", "Ferie", 44, 3, 15,
                     { "Sommerferie", "Høstferie med familien", "Juleferie" } },
  [ABS_SICK_LEAVE] = { "sick-leave", "Sykmelding", 10, 5, 60,
                       { "Sykmelding fra fastlege", "Gradert sykmelding etter dialogmøte",
                         "Forlenget sykmelding" } },
  [ABS_SELF_CERTIFIED] = { "self-certified-sick-leave", "Egenmelding", 20, 1, 3,
                           { "Influensa", "Omgangssyke", "Migrene" } },
  [ABS_CHILD_SICK] = { "child-sick", "Sykt barn", 12, 1, 2,
                       { "Barnet har feber", "Barnehagen stengt pga. smitte", "Legebesøk med barn" } },
  [ABS_PARENTAL] = { "parental-leave", "Foreldrepermisjon", 4, 70, 245,
                     { "Fedrekvote", "Mødrekvote", "Fellesperiode" } },
  [ABS_UNPAID] = { "unpaid-leave", "Permisjon uten lønn", 3, 10, 60,
                   { "Reise", "Videreutdanning", "Omsorg for familiemedlem" } },
  [ABS_WELFARE] = { "welfare-leave", "Velferdspermisjon", 7, 1, 1,
                    { "Flytting", "Begravelse", "Tannlege" } },
};

static const char * const given_names[] = {
  "Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Henrik", "Astrid", "Magnus", "Solveig", "Eirik",
  "Marte", "Håkon", "Ragnhild", "Sindre", "Tone", "Øystein", "Silje", "Bjørn", "Hanne", "Jørgen",
  "Åse", "Torstein", "Ida", "Vegard", "Nora", "Emil", "Thea", "Sander", "Maren", "Kristoffer",
  "Elin", "Anders", "Linnea", "Johan", "Ebba", "Oskar", "Maja", "Gustav", "Saga", "Axel",
  "Frida", "Erik", "Klara", "Nils", "Agnes", "Mads", "Freja", "Søren", "Mette", "Rasmus",
  "Signe", "Mikkel", "Line", "Jesper", "Camilla", "Frederik", "Louise", "Kasper", "Amalie", "Tobias",
  "Aisha", "Ali", "Mariam", "Mohammed", "Zofia", "Piotr", "Leila", "Daniel", "Sara", "Jonas",
};

static const char * const family_names[] = {
  "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
  "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
  "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen",
  "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen",
  "Bakken", "Kristoffersen", "Mathisen", "Lie", "Rasmussen", "Amundsen", "Lunde", "Kristensen",
  "Bakke", "Berge", "Moe", "Nygård", "Fredriksen", "Solheim", "Holm", "Lien", "Aas", "Sæther",
  "Ødegård", "Bråten", "Lindqvist", "Andersson", "Lindström", "Karlsson", "Svensson", "Bergström",
  "Nyström", "Sjöberg", "Åkesson", "Mortensen", "Østergaard", "Bækgaard", "Kjær", "Thomsen",
  "Nielsen", "Madsen", "Khan", "Hussain", "Nowak", "Kowalski", "Ahmadi", "Nguyen",
};

typedef struct
{
  const char *city;
  const char *postal_code;
  const char *street;
} ForeignAddress;

static const ForeignAddress se_addresses[] = {
  { "Strömstad", "452 30", "Norra Hamngatan" },
  { "Göteborg", "411 19", "Kungsgatan" },
  { "Karlstad", "652 24", "Drottninggatan" },
  { "Stockholm", "118 26", "Götgatan" },
};

static const ForeignAddress dk_addresses[] = {
  { "Frederikshavn", "9900", "Danmarksgade" },
  { "København N", "2200", "Nørrebrogade" },
  { "Aalborg", "9000", "Boulevarden" },
};

typedef struct
{
  const char *bank;   /* the bank code inside the IBAN */
  const char *bic;
} ForeignBank;

static const ForeignBank se_banks[] = {
  { "500", "ESSESESS" }, { "600", "HANDSESS" }, { "800", "SWEDSESS" }, { "300", "NDEASESS" },
};

static const ForeignBank dk_banks[] = {
  { "3000", "DABADKKK" }, { "2000", "NDEADKKK" }, { "7858", "JYBADKKK" },
};

/* Norwegian bank registration numbers (the first four digits of an account). */
static const char * const no_banks[] = {
  "1503", "1506", "1594", "1202", "1254", "3000", "3201", "9710", "6011", "1822", "1207", "9365",
};

/* A period followed by another ends by an internal change; a last one
 * ends for one of the reasons people leave (the register's choices). */
static const char * const end_reasons[] = {
  "internal_change",
};

static const char * const leave_reasons[] = {
  "resigned", "contract_expired", "dismissed", "resigned",
};

static const char * const csv_columns[] = {
  "given_name", "family_name", "email", "phone", "employee_number", "date_of_birth",
  "national_id", "address_line1", "address_line2", "postal_code", "city", "country",
  "bank_account", "iban", "bic", "first_workday", "last_workday", "company", "location",
  "team", "manager_email", "absence_manager_email",
};

/* "Now" for the generated register: absences after it are planned. */
#define NOW_Y 2026
#define NOW_M 11
#define NOW_D 15

/* --- records ------------------------------------------------------------- */

typedef struct
{
  PbEntity    entity;
  const char *values[MAX_FIELDS];
} Rec;

typedef struct
{
  GStringChunk *chunk;
  Rec           employee;
  Rec           positions[MAX_POSITIONS];
  guint         n_positions;
  Rec           absences[MAX_ABSENCES];
  guint         n_absences;
  Rec           salaries[MAX_SALARIES];
  guint         n_salaries;
} Person;

static void
rec_init (Rec      *rec,
          PbEntity  entity)
{
  memset (rec, 0, sizeof *rec);
  rec->entity = entity;
}

/* Keeps @value for @field after checking it as the import will. */
static void
rec_set (Person     *person,
         Rec        *rec,
         guint       field,
         const char *value)
{
  const PbFieldDef *def = &pb_entity_get_def (rec->entity)->fields[field];
  g_autofree char *message = NULL;

  if (!pb_field_check (def, value, NULL, &message))
    g_error ("generated an invalid %s.%s “%s”: %s",
             pb_entity_get_def (rec->entity)->name, def->name, value, message);

  rec->values[field] = g_string_chunk_insert (person->chunk, value);
}

static void rec_printf (Person     *person,
                        Rec        *rec,
                        guint       field,
                        const char *format,
                        ...) G_GNUC_PRINTF (4, 5);

static void
rec_printf (Person     *person,
            Rec        *rec,
            guint       field,
            const char *format,
            ...)
{
  g_autofree char *value = NULL;
  va_list args;

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);

  rec_set (person, rec, field, value);
}

static void
rec_set_date (Person *person,
              Rec    *rec,
              guint   field,
              int     day)
{
  char buf[11];

  format_date (day, buf);
  rec_set (person, rec, field, buf);
}

/* --- identities ---------------------------------------------------------- */

/* The MOD11 digit of Norwegian numbers; -1 when the number must be skipped. */
static int
mod11 (const char *digits,
       const int  *weights,
       guint       n)
{
  int sum = 0;
  int check;

  for (guint i = 0; i < n; i++)
    sum += (digits[i] - '0') * weights[i];
  check = 11 - sum % 11;
  if (check == 11)
    return 0;
  return check == 10 ? -1 : check;
}

static void
make_org_number (const char *base,
                 char       *out)
{
  static const int weights[] = { 3, 2, 7, 6, 5, 4, 3, 2 };
  int check = mod11 (base, weights, G_N_ELEMENTS (weights));

  g_assert (check >= 0);
  g_snprintf (out, 10, "%s%d", base, check);
}

static void
make_bank_account (Rng  *rng,
                   char *out)
{
  static const int weights[] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };

  for (;;)
    {
      const char *bank = PICK (rng, no_banks);
      guint number = rng_below (rng, 1000000);
      int check;

      g_snprintf (out, 12, "%s%06u", bank, number);
      check = mod11 (out, weights, G_N_ELEMENTS (weights));
      if (check >= 0)
        {
          out[10] = '0' + check;
          out[11] = '\0';
          return;
        }
    }
}

/* ISO 13616 check digits for @country and @bban (digits only). */
static void
make_iban (const char *country,
           const char *bban,
           char       *out,
           gsize       size)
{
  g_autoptr(GString) number = g_string_new (bban);
  guint remainder = 0;

  g_string_append_printf (number, "%d%d00", country[0] - 'A' + 10, country[1] - 'A' + 10);
  for (guint i = 0; i < number->len; i++)
    remainder = (remainder * 10 + (number->str[i] - '0')) % 97;

  g_snprintf (out, size, "%s%02u%s", country, 98 - remainder, bban);
}

/* National identity numbers must be unique: each person gets a distinct
 * slot of (birth date, range of individual numbers) from a permutation of
 * the person's index, j = (a i + b) mod M, with a prime to M. */
typedef struct
{
  int     first_birthday;
  guint   n_days;
  guint64 m;
  guint64 a;
  guint64 b;
} IdSpace;

#define ID_SLOTS 7        /* ranges of 70 individual numbers per birth date */

static guint64
gcd (guint64 x,
     guint64 y)
{
  while (y != 0)
    {
      guint64 t = x % y;
      x = y;
      y = t;
    }
  return x;
}

static void
id_space_init (IdSpace *space,
               guint64  seed)
{
  Rng rng = { seed ^ G_GUINT64_CONSTANT (0x6E6174696F6E616C) };

  space->first_birthday = days_from_civil (1962, 1, 1);
  space->n_days = days_from_civil (2003, 12, 31) - space->first_birthday + 1;
  space->m = (guint64) space->n_days * ID_SLOTS;
  g_assert (space->m >= MAX_PEOPLE);
  space->a = 1 + rng_next (&rng) % (space->m - 1);
  while (gcd (space->a, space->m) != 1)
    space->a = space->a % (space->m - 1) + 1;
  space->b = rng_next (&rng) % space->m;
}

/* Sets the date of birth and a national identity number (a D number,
 * day + 40, for people who live abroad) of person @index. */
static int
make_identity (const IdSpace *space,
               guint          index,
               gboolean       d_number,
               char          *national_id)
{
  static const int k1_weights[] = { 3, 7, 6, 1, 8, 9, 4, 5, 2 };
  static const int k2_weights[] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
  guint64 j = (space->a * index + space->b) % space->m;
  int birthday = space->first_birthday + (int) (j % space->n_days);
  guint slot = (guint) (j / space->n_days);
  int y, m, d;
  guint base;

  civil_from_days (birthday, &y, &m, &d);
  /* Individual numbers 000-499 are for births 1900-1999, 500-999 for 2000-2039. */
  base = (y >= 2000 ? 500 : 0) + slot * 70;

  for (guint individual = base; individual < base + 70; individual++)
    {
      int k1, k2;

      g_snprintf (national_id, 12, "%02d%02d%02d%03u", d + (d_number ? 40 : 0), m, y % 100, individual);
      k1 = mod11 (national_id, k1_weights, G_N_ELEMENTS (k1_weights));
      if (k1 < 0)
        continue;
      national_id[9] = '0' + k1;
      national_id[10] = '\0';
      k2 = mod11 (national_id, k2_weights, G_N_ELEMENTS (k2_weights));
      if (k2 < 0)
        continue;
      national_id[10] = '0' + k2;
      national_id[11] = '\0';
      return birthday;
    }

  g_error ("no valid individual number for person %u", index);
}

/* Lower-case ASCII for the local part of an email: "Søren Bækgaard" is
 * soren.baekgaard. */
static void
append_ascii_name (GString    *out,
                   const char *name)
{
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_unichar_tolower (g_utf8_get_char (p));

      switch (c)
        {
        case 0xE6: /* æ */
          g_string_append (out, "ae");
          break;
        case 0xF8: /* ø */
        case 0xF6: /* ö */
          g_string_append_c (out, 'o');
          break;
        case 0xE5: /* å */
        case 0xE4: /* ä */
          g_string_append_c (out, 'a');
          break;
        case 0xE9: /* é */
          g_string_append_c (out, 'e');
          break;
        case 0xFC: /* ü */
          g_string_append_c (out, 'u');
          break;
        case ' ':
        case '-':
          g_string_append_c (out, '-');
          break;
        default:
          if (c < 0x80 && g_ascii_isalnum (c))
            g_string_append_c (out, (char) c);
          break;
        }
    }
}

/* --- one person ---------------------------------------------------------- */

typedef struct
{
  guint64     seed;
  guint       n_people;
  IdSpace     ids;
  GHashTable *email_uses;     /* "kari.nordmann@domain" -> times used */
  char      **emails;         /* (owned) by person index */
  guint      *managers;       /* by person index (person 0 has none) */
  int         now;
} Generator;

static void
generate_person (Generator *gen,
                 guint      index,
                 Person    *person)
{
  Rng rng = { gen->seed ^ ((guint64) (index + 1) * G_GUINT64_CONSTANT (0xD1B54A32D192ED03)) };
  Rec *e = &person->employee;
  const char *given = PICK (&rng, given_names);
  const char *family = PICK (&rng, family_names);
  guint country_roll = rng_below (&rng, 100);
  const char *country = country_roll < 95 ? "NO" : country_roll < 98 ? "SE" : "DK";
  const Location *location = NULL;
  const Team *team;
  gboolean is_ceo = index == 0;
  gboolean is_lead;
  char national_id[12];
  int birthday, first_workday, last_workday = -1, period_end;
  int now = gen->now;
  const char *status = "active";
  guint team_index;
  guint manager = G_MAXUINT;

  g_string_chunk_clear (person->chunk);
  rec_init (e, PB_ENTITY_EMPLOYEE);
  person->n_positions = person->n_absences = person->n_salaries = 0;

  /* Where: locations weighted by size, the company is the location's. */
  {
    guint total = 0, roll;

    for (guint i = 0; i < G_N_ELEMENTS (locations); i++)
      total += locations[i].weight;
    roll = is_ceo ? 0 : rng_below (&rng, total);
    for (guint i = 0; i < G_N_ELEMENTS (locations) && location == NULL; i++)
      {
        if (roll < locations[i].weight)
          location = &locations[i];
        else
          roll -= locations[i].weight;
      }
  }
  team_index = is_ceo ? 0 : 1 + rng_below (&rng, G_N_ELEMENTS (teams) - 1);
  team = &teams[team_index];

  /* A tree with a span of control of 4 to 8: the manager is always an
   * earlier person, so the file never refers forward. */
  if (!is_ceo)
    {
      manager = (index - 1) / (guint) rng_range (&rng, 4, 8);
      gen->managers[index] = manager;
    }
  /* Roughly the people that others report to lead their team. */
  is_lead = !is_ceo && (guint64) index * 6 + 1 < gen->n_people;

  rec_printf (person, e, PB_EMPLOYEE_EMPLOYEE_NUMBER, "%u", 10001 + index);
  rec_set (person, e, PB_EMPLOYEE_GIVEN_NAME, given);
  rec_set (person, e, PB_EMPLOYEE_FAMILY_NAME, family);

  {
    g_autoptr(GString) email = g_string_new (NULL);
    gpointer uses;
    guint n;

    append_ascii_name (email, given);
    g_string_append_c (email, '.');
    append_ascii_name (email, family);
    g_string_append_printf (email, "@%s", companies[location->company].domain);

    uses = g_hash_table_lookup (gen->email_uses, email->str);
    n = GPOINTER_TO_UINT (uses) + 1;
    g_hash_table_replace (gen->email_uses, g_strdup (email->str), GUINT_TO_POINTER (n));
    /* The second Kari Nordmann is kari.nordmann2: names have no digits,
     * so this never meets another name's address. */
    if (n > 1)
      {
        g_autofree char *suffix = g_strdup_printf ("%u", n);
        g_string_insert (email, strchr (email->str, '@') - email->str, suffix);
      }
    rec_set (person, e, PB_EMPLOYEE_EMAIL, email->str);
    gen->emails[index] = g_strdup (email->str);
  }

  /* The order in which C evaluates arguments is unspecified: every draw is
   * its own statement, so that all compilers give the same output. */
  {
    guint d[4];

    for (guint k = 0; k < G_N_ELEMENTS (d); k++)
      d[k] = rng_below (&rng, 1000);

    if (g_str_equal (country, "NO"))
      rec_printf (person, e, PB_EMPLOYEE_PHONE, "+47 %u%02u %02u %03u",
                  d[0] < 500 ? 4 : 9, d[1] % 100, d[2] % 100, d[3]);
    else if (g_str_equal (country, "SE"))
      rec_printf (person, e, PB_EMPLOYEE_PHONE, "+46 70 %03u %02u %02u", d[0], d[1] % 100, d[2] % 100);
    else
      rec_printf (person, e, PB_EMPLOYEE_PHONE, "+45 %02u %02u %02u %02u",
                  20 + d[0] % 80, d[1] % 100, d[2] % 100, d[3] % 100);
  }

  birthday = make_identity (&gen->ids, index, !g_str_equal (country, "NO"), national_id);
  rec_set_date (person, e, PB_EMPLOYEE_DATE_OF_BIRTH, birthday);
  rec_set (person, e, PB_EMPLOYEE_NATIONAL_ID, national_id);

  if (g_str_equal (country, "NO"))
    {
      char account[12];
      const char *street = PICK (&rng, location->streets);
      int number = rng_range (&rng, 1, 120);
      guint extra = rng_below (&rng, 100);
      int flat = rng_range (&rng, 1, 40);
      int floor = rng_range (&rng, 1, 6);

      rec_printf (person, e, PB_EMPLOYEE_ADDRESS_LINE1, "%s %d%s", street, number, extra < 15 ? "B" : "");
      if (extra >= 90)
        rec_printf (person, e, PB_EMPLOYEE_ADDRESS_LINE2, "H0%d0%d", floor, 1 + flat % 4);
      else if (extra >= 87)
        rec_printf (person, e, PB_EMPLOYEE_ADDRESS_LINE2, "Leilighet %d, %d. etasje", flat, floor);
      rec_printf (person, e, PB_EMPLOYEE_POSTAL_CODE, "%04d",
                  rng_range (&rng, location->postal_lo, location->postal_hi));
      rec_set (person, e, PB_EMPLOYEE_CITY, location->city);
      rec_set (person, e, PB_EMPLOYEE_COUNTRY, country);
      make_bank_account (&rng, account);
      rec_set (person, e, PB_EMPLOYEE_BANK_ACCOUNT, account);
    }
  else
    {
      gboolean se = g_str_equal (country, "SE");
      const ForeignAddress *address = se ? &PICK (&rng, se_addresses) : &PICK (&rng, dk_addresses);
      const ForeignBank *bank = se ? &PICK (&rng, se_banks) : &PICK (&rng, dk_banks);
      g_autoptr(GString) bban = g_string_new (bank->bank);
      char iban[40];

      rec_printf (person, e, PB_EMPLOYEE_ADDRESS_LINE1, "%s %d", address->street, rng_range (&rng, 1, 90));
      rec_set (person, e, PB_EMPLOYEE_POSTAL_CODE, address->postal_code);
      rec_set (person, e, PB_EMPLOYEE_CITY, address->city);
      rec_set (person, e, PB_EMPLOYEE_COUNTRY, country);
      /* SE: 3-digit bank code and 17 digits (24 characters); DK: 4 and 10 (18). */
      for (guint i = 0, n = se ? 17 : 10; i < n; i++)
        g_string_append_c (bban, '0' + rng_below (&rng, 10));
      make_iban (country, bban->str, iban, sizeof iban);
      rec_set (person, e, PB_EMPLOYEE_IBAN, iban);
      rec_set (person, e, PB_EMPLOYEE_BIC, bank->bic);
    }

  /* Employment: first workday 2019-2026, after the 18th birthday. */
  {
    int earliest = MAX (days_from_civil (2019, 1, 2), birthday + 18 * 365 + 5);
    int latest = MAX (earliest, days_from_civil (2026, 10, 31));

    first_workday = is_ceo ? days_from_civil (2019, 1, 2) : next_weekday (rng_range (&rng, earliest, latest));
  }
  rec_set_date (person, e, PB_EMPLOYEE_FIRST_WORKDAY, first_workday);

  if (!is_ceo && rng_chance (&rng, 6) && first_workday + 120 < days_from_civil (2027, 3, 31))
    {
      last_workday = rng_range (&rng, first_workday + 120, days_from_civil (2027, 3, 31));
      rec_set_date (person, e, PB_EMPLOYEE_LAST_WORKDAY, last_workday);
      if (last_workday < now && rng_chance (&rng, 50))
        status = "deactivated";
    }
  else if (!is_ceo && rng_chance (&rng, 1))
    status = "deactivated";

  rec_set (person, e, PB_EMPLOYEE_COMPANY, companies[location->company].key);
  rec_set (person, e, PB_EMPLOYEE_LOCATION, location->key);
  rec_set (person, e, PB_EMPLOYEE_TEAM, team->key);
  if (manager != G_MAXUINT)
    {
      guint absence_manager = manager;

      /* Some have their absence approved one level up. */
      if (manager != 0 && rng_chance (&rng, 15))
        absence_manager = gen->managers[manager];
      rec_set (person, e, PB_EMPLOYEE_MANAGER_EMAIL, gen->emails[manager]);
      rec_set (person, e, PB_EMPLOYEE_ABSENCE_MANAGER_EMAIL, gen->emails[absence_manager]);
    }
  rec_set (person, e, PB_EMPLOYEE_STATUS, status);

  /* Positions: 1-3 contiguous periods, each at least 8 months, changing on
   * the first of a month; the last is open unless the person leaves. */
  period_end = last_workday >= 0 ? last_workday : now;
  {
    int span = MAX (period_end - first_workday, 0);
    guint n = 1 + rng_below (&rng, MAX_POSITIONS);
    int starts[MAX_POSITIONS];
    guint contract_roll = rng_below (&rng, 100);
    const char *contract = contract_roll < 4 ? "hourly" : contract_roll < 6 ? "freelance" : "permanent";
    gboolean yearly = rng_chance (&rng, 25);
    int level = is_ceo ? 3 : rng_range (&rng, 0, 1);
    int percentage = rng_chance (&rng, 85) ? 100 : (int) PICK (&rng, ((const int[]) { 80, 60, 50, 40 }));
    int raise_day = -1;

    /* Each position lasts at least 8 months. */
    n = MIN (n, 1 + (guint) span / 240);
    if (is_ceo)
      {
        n = 1;
        contract = "permanent";
        percentage = 100;
      }
    if (g_str_equal (contract, "hourly"))
      percentage = PICK (&rng, ((const int[]) { 20, 30, 40 }));

    starts[0] = first_workday;
    for (guint k = 1; k < n; k++)
      {
        int jitter = rng_range (&rng, -30, 30);

        starts[k] = next_first_of_month (first_workday + (int) ((gint64) span * k / n) + jitter);
      }

    for (guint k = 0; k < n; k++)
      {
        Rec *p = &person->positions[person->n_positions++];
        Rec *s = &person->salaries[person->n_salaries++];
        gboolean last = k + 1 == n;
        const char *this_contract = contract;
        const char *unit;
        int title_level = is_ceo || (is_lead && last) ? 3 : MIN (level + (int) k, 2);
        int amount;

        /* Many start on a temporary contract. */
        if (k == 0 && n > 1 && g_str_equal (contract, "permanent") && rng_chance (&rng, 20))
          this_contract = "temporary";

        rec_init (p, PB_ENTITY_POSITION);
        rec_set_date (person, p, PB_POSITION_START_DATE, starts[k]);
        if (!last)
          rec_set_date (person, p, PB_POSITION_END_DATE, starts[k + 1] - 1);
        else if (last_workday >= 0)
          rec_set_date (person, p, PB_POSITION_END_DATE, last_workday);
        rec_set (person, p, PB_POSITION_TITLE, team->titles[title_level]);
        rec_printf (person, p, PB_POSITION_PERCENTAGE, "%d", percentage);
        rec_set (person, p, PB_POSITION_CONTRACT_TYPE, this_contract);
        if (!last)
          rec_set (person, p, PB_POSITION_END_REASON, PICK (&rng, end_reasons));
        else if (last_workday >= 0)
          rec_set (person, p, PB_POSITION_END_REASON, PICK (&rng, leave_reasons));

        /* The salary of each position covers the same period; the last may
         * have had a raise on 1 May. */
        if (last && last_workday < 0)
          {
            int y, m, d;

            civil_from_days (now, &y, &m, &d);
            for (int year = y; year >= y - 1 && raise_day < 0; year--)
              {
                int may = days_from_civil (year, 5, 1);
                if (may > starts[k] + 180 && may <= now)
                  raise_day = may;
              }
            if (!rng_chance (&rng, 60))
              raise_day = -1;
          }

        if (g_str_equal (this_contract, "hourly") || g_str_equal (this_contract, "freelance"))
          {
            unit = "hourly";
            amount = (int) PICK (&rng, ((const int[]) { 195, 225, 260, 300 }));
            amount += rng_range (&rng, 0, 40);
          }
        else
          {
            static const int monthly[] = { 42000, 52000, 63000, 78000 };

            unit = yearly ? "yearly" : "monthly";
            amount = is_ceo ? 135000 : monthly[title_level] + 250 * rng_range (&rng, 0, 32);
            amount = amount * percentage / 100;
            if (yearly)
              amount *= 12;
          }

        rec_init (s, PB_ENTITY_SALARY);
        rec_set_date (person, s, PB_SALARY_START_DATE, starts[k]);
        if (raise_day >= 0)
          rec_set_date (person, s, PB_SALARY_END_DATE, raise_day - 1);
        else if (!last)
          rec_set_date (person, s, PB_SALARY_END_DATE, starts[k + 1] - 1);
        else if (last_workday >= 0)
          rec_set_date (person, s, PB_SALARY_END_DATE, last_workday);
        if (g_str_equal (unit, "hourly"))
          rec_printf (person, s, PB_SALARY_AMOUNT, "%d.%s", amount, rng_chance (&rng, 30) ? "50" : "00");
        else
          rec_printf (person, s, PB_SALARY_AMOUNT, "%d.00", amount);
        rec_set (person, s, PB_SALARY_CURRENCY, "NOK");
        rec_set (person, s, PB_SALARY_PERIOD_UNIT, unit);

        if (raise_day >= 0)
          {
            Rec *r = &person->salaries[person->n_salaries++];
            int raised = g_str_equal (unit, "hourly") ? amount + 10 : amount + amount / 100 * 4;

            rec_init (r, PB_ENTITY_SALARY);
            rec_set_date (person, r, PB_SALARY_START_DATE, raise_day);
            rec_printf (person, r, PB_SALARY_AMOUNT, "%d.00", raised);
            rec_set (person, r, PB_SALARY_CURRENCY, "NOK");
            rec_set (person, r, PB_SALARY_PERIOD_UNIT, unit);
            rec_set (person, r, PB_SALARY_NOTE, "Lønnsoppgjør");
          }
      }
  }

  /* Absences since 2024 (or the first workday), one after the other so
   * that no two share a type and start date. */
  {
    int horizon = days_from_civil (2027, 6, 30);
    int limit = last_workday >= 0 ? MIN (last_workday, horizon) : horizon;
    int since = days_from_civil (2024, 1, 1) + rng_range (&rng, 0, 200);
    int cursor = MAX (first_workday, since) + rng_range (&rng, 5, 90);
    guint wanted = rng_below (&rng, MAX_ABSENCES + 1);
    guint total = 0;

    for (guint k = 0; k < N_ABSENCE_TYPES; k++)
      total += absence_types[k].weight;

    while (person->n_absences < wanted)
      {
        Rec *a;
        const AbsenceType *type = NULL;
        guint roll = rng_below (&rng, total);
        int start = next_weekday (cursor);
        int end;
        int percentage = 100;
        gboolean open = FALSE;
        const char *state;

        for (guint k = 0; k < N_ABSENCE_TYPES && type == NULL; k++)
          {
            if (roll < absence_types[k].weight)
              type = &absence_types[k];
            else
              roll -= absence_types[k].weight;
          }

        if (start > limit)
          break;
        end = start + rng_range (&rng, type->min_days, type->max_days) - 1;
        end = MIN (end, limit);

        if (type == &absence_types[ABS_SICK_LEAVE] && rng_chance (&rng, 30))
          percentage = PICK (&rng, ((const int[]) { 20, 40, 50, 60 }));
        else if (type == &absence_types[ABS_PARENTAL] && rng_chance (&rng, 15))
          percentage = PICK (&rng, ((const int[]) { 50, 80 }));

        /* A sick leave or parental leave that started lately may have no end yet. */
        if ((type == &absence_types[ABS_SICK_LEAVE] || type == &absence_types[ABS_PARENTAL]) &&
            start <= now && start > now - 90 && last_workday < 0 && rng_chance (&rng, 50))
          open = TRUE;

        if (start > now)
          state = rng_chance (&rng, 70) ? "pending" : "approved";
        else
          {
            guint state_roll = rng_below (&rng, 100);
            state = state_roll < 80 ? "approved" : state_roll < 86 ? "pending"
                                                 : state_roll < 94 ? "unapproved" : "rejected";
          }

        a = &person->absences[person->n_absences++];
        rec_init (a, PB_ENTITY_ABSENCE);
        rec_set (person, a, PB_ABSENCE_TYPE, type->key);
        rec_set_date (person, a, PB_ABSENCE_START_DATE, start);
        if (!open)
          rec_set_date (person, a, PB_ABSENCE_END_DATE, end);
        rec_printf (person, a, PB_ABSENCE_PERCENTAGE, "%d", percentage);
        rec_set (person, a, PB_ABSENCE_STATE, state);
        if (rng_chance (&rng, 25))
          rec_set (person, a, PB_ABSENCE_NOTE, PICK (&rng, type->notes));

        if (open)
          break;
        cursor = end + rng_range (&rng, 7, 150);
      }
  }
}

/* --- output -------------------------------------------------------------- */

static void
flush_out (GString  *out,
           gboolean  force)
{
  if (out->len == 0 || (!force && out->len < FLUSH_SIZE))
    return;

  if (fwrite (out->str, 1, out->len, stdout) != out->len)
    {
      g_printerr ("pb-gen-hr: could not write: %s\n", g_strerror (errno));
      exit (1);
    }
  g_string_truncate (out, 0);
}

static void
json_append_string (GString    *out,
                    const char *value)
{
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if ((guchar) *p < 0x20)
            g_string_append_printf (out, "\\u%04x", (guint) (guchar) *p);
          else
            g_string_append_c (out, *p);
          break;
        }
    }
  g_string_append_c (out, '"');
}

/* The members of @rec, in field-table order, without braces. */
static void
json_append_members (GString   *out,
                     const Rec *rec)
{
  const PbEntityDef *def = pb_entity_get_def (rec->entity);
  gboolean first = TRUE;

  for (guint i = 0; i < def->n_fields; i++)
    {
      if (rec->values[i] == NULL)
        continue;
      if (!first)
        g_string_append (out, ", ");
      first = FALSE;
      json_append_string (out, def->fields[i].name);
      g_string_append (out, ": ");
      json_append_string (out, rec->values[i]);
    }
}

static void
json_append_children (GString    *out,
                      const char *member,
                      const Rec  *recs,
                      guint       n)
{
  g_string_append_printf (out, ", \"%s\": [", member);
  for (guint i = 0; i < n; i++)
    {
      g_string_append (out, i > 0 ? ", {" : "{");
      json_append_members (out, &recs[i]);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

static void
json_append_list (GString    *out,
                  const char *member,
                  Rec        *recs,
                  guint       n)
{
  g_string_append_printf (out, "  \"%s\": [\n", member);
  for (guint i = 0; i < n; i++)
    {
      g_string_append (out, "    {");
      json_append_members (out, &recs[i]);
      g_string_append (out, i + 1 < n ? "},\n" : "}\n");
    }
  g_string_append (out, "  ],\n");
}

static void
write_reference_data (GString *out)
{
  g_autoptr(GStringChunk) chunk = g_string_chunk_new (4096);
  Person scratch = { .chunk = chunk };
  Rec recs[16];
  guint n;

  G_STATIC_ASSERT (G_N_ELEMENTS (teams) <= G_N_ELEMENTS (recs));
  G_STATIC_ASSERT (G_N_ELEMENTS (locations) <= G_N_ELEMENTS (recs));

  n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (companies); i++, n++)
    {
      char org[10];

      make_org_number (companies[i].org_base, org);
      rec_init (&recs[n], PB_ENTITY_COMPANY);
      rec_set (&scratch, &recs[n], PB_COMPANY_KEY, companies[i].key);
      rec_set (&scratch, &recs[n], PB_COMPANY_NAME, companies[i].name);
      rec_set (&scratch, &recs[n], PB_COMPANY_CURRENCY, "NOK");
      rec_set (&scratch, &recs[n], PB_COMPANY_ORG_NUMBER, org);
    }
  json_append_list (out, "companies", recs, n);

  n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (locations); i++, n++)
    {
      rec_init (&recs[n], PB_ENTITY_LOCATION);
      rec_set (&scratch, &recs[n], PB_LOCATION_KEY, locations[i].key);
      rec_set (&scratch, &recs[n], PB_LOCATION_NAME, locations[i].name);
      rec_set (&scratch, &recs[n], PB_LOCATION_COMPANY, companies[locations[i].company].key);
    }
  json_append_list (out, "locations", recs, n);

  n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (teams); i++, n++)
    {
      rec_init (&recs[n], PB_ENTITY_TEAM);
      rec_set (&scratch, &recs[n], PB_TEAM_KEY, teams[i].key);
      rec_set (&scratch, &recs[n], PB_TEAM_NAME, teams[i].name);
    }
  json_append_list (out, "teams", recs, n);

  n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (absence_types); i++, n++)
    {
      rec_init (&recs[n], PB_ENTITY_ABSENCE_TYPE);
      rec_set (&scratch, &recs[n], PB_ABSENCE_TYPE_KEY, absence_types[i].key);
      rec_set (&scratch, &recs[n], PB_ABSENCE_TYPE_NAME, absence_types[i].name);
    }
  json_append_list (out, "absence_types", recs, n);
}

static void
csv_append_field (GString    *out,
                  const char *value)
{
  if (value == NULL)
    return;

  if (strpbrk (value, ",;\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }

  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
csv_append_person (GString      *out,
                   const Person *person,
                   const int    *column_fields)
{
  for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      csv_append_field (out, person->employee.values[column_fields[c]]);
    }
  g_string_append_c (out, '\n');
}

/* --- main ---------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GStringChunk) chunk = NULL;
  g_autofree char *format = NULL;
  gint64 seed = 1;
  guint64 n_people;
  gboolean csv;
  Generator gen = { 0 };
  Person *person;
  int column_fields[G_N_ELEMENTS (csv_columns)];
  const GOptionEntry entries[] = {
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Seed of the generator (default 1)", "N" },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "json (default) or csv", "FORMAT" },
    { NULL }
  };

  /* For messages only: no value is formatted with a locale-dependent conversion. */
  setlocale (LC_ALL, "");

  context = g_option_context_new ("N_PEOPLE");
  g_option_context_set_summary (context,
                                "Writes a valid paybridge-hr/1 document (or the employee CSV) with N_PEOPLE\n"
                                "employees (0 to 100000) to standard output. The same seed and count give\n"
                                "the same bytes. The CSV refers to companies, locations and teams by key:\n"
                                "import the JSON of `pb-gen-hr 0` first to create them.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("pb-gen-hr: %s\n", error->message);
      return 2;
    }

  if (format == NULL || g_str_equal (format, "json"))
    csv = FALSE;
  else if (g_str_equal (format, "csv"))
    csv = TRUE;
  else
    {
      g_printerr ("pb-gen-hr: --format must be json or csv, not “%s”\n", format);
      return 2;
    }

  if (argc != 2)
    {
      g_printerr ("Usage: pb-gen-hr [--seed N] [--format json|csv] N_PEOPLE\n");
      return 2;
    }
  if (!g_ascii_string_to_unsigned (argv[1], 10, 0, MAX_PEOPLE, &n_people, &error))
    {
      g_printerr ("pb-gen-hr: N_PEOPLE: %s\n", error->message);
      return 2;
    }

  gen.seed = (guint64) seed;
  gen.n_people = (guint) n_people;
  gen.now = days_from_civil (NOW_Y, NOW_M, NOW_D);
  gen.email_uses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gen.emails = g_new0 (char *, n_people + 1);
  gen.managers = g_new0 (guint, n_people + 1);
  id_space_init (&gen.ids, gen.seed);

  chunk = g_string_chunk_new (4096);
  person = g_new0 (Person, 1);
  person->chunk = chunk;
  out = g_string_sized_new (FLUSH_SIZE + 64 * 1024);

  if (csv)
    {
      for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
        {
          column_fields[c] = pb_entity_find_field (PB_ENTITY_EMPLOYEE, csv_columns[c]);
          g_assert (column_fields[c] >= 0);
          g_string_append_printf (out, "%s%s", c > 0 ? "," : "", csv_columns[c]);
        }
      g_string_append_c (out, '\n');
    }
  else
    {
      g_string_append (out, "{\n  \"format\": \"paybridge-hr/1\",\n");
      write_reference_data (out);
      g_string_append (out, "  \"employees\": [");
    }

  for (guint i = 0; i < gen.n_people; i++)
    {
      generate_person (&gen, i, person);

      if (csv)
        csv_append_person (out, person, column_fields);
      else
        {
          g_string_append (out, i > 0 ? ",\n    {" : "\n    {");
          json_append_members (out, &person->employee);
          json_append_children (out, "positions", person->positions, person->n_positions);
          json_append_children (out, "absences", person->absences, person->n_absences);
          json_append_children (out, "salaries", person->salaries, person->n_salaries);
          g_string_append_c (out, '}');
        }
      flush_out (out, FALSE);
    }

  if (!csv)
    g_string_append (out, gen.n_people > 0 ? "\n  ]\n}\n" : "]\n}\n");
  flush_out (out, TRUE);

  if (fflush (stdout) != 0)
    {
      g_printerr ("pb-gen-hr: could not write: %s\n", g_strerror (errno));
      return 1;
    }

  for (guint i = 0; i < gen.n_people; i++)
    g_free (gen.emails[i]);
  g_free (gen.emails);
  g_free (gen.managers);
  g_free (person);
  g_hash_table_unref (gen.email_uses);

  return 0;
}
