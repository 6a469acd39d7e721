/* test-sync-state.c: what a connection's payroll knows of a record
 * (PbSyncState), the one answer paybridge-cli person show and the person
 * pane give: each state, and what makes it
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pb-outbox.h"
#include "pb-sandbox.h"
#include "pb-sync-engine.h"
#include "pb-sync-state.h"
#include "pb-test-utils.h"
#include "pb-user-plan.h"

/* Kari with a position, an absence and a salary; Per in another team. */
static const char hr_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"teams\": [ { \"key\": \"a\", \"name\": \"A\" }, { \"key\": \"b\", \"name\": \"B\" } ],"
  "  \"absence_types\": [ { \"key\": \"sick\", \"name\": \"Sick leave\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\", \"team\": \"a\","
  "      \"company\": \"acme\", \"phone\": \"+47 900 00 001\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\", \"percentage\": 80 } ],"
  "      \"absences\": [ { \"type\": \"sick\", \"start_date\": \"2024-09-02\", \"end_date\": \"2024-09-03\","
  "                        \"state\": \"approved\" } ],"
  "      \"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": 50000, \"currency\": \"NOK\","
  "                        \"period_unit\": \"monthly\" } ] },"
  "    { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\", \"team\": \"b\","
  "      \"company\": \"acme\" } ] }";

typedef struct
{
  PbStore      *store;
  char         *dir;
  PbConnection *connection;   /* active, Tripletex: users, positions, absence; not salary */
  gint64        kari;
  gint64        position;
  gint64        absence;
  gint64        salary;
} Fixture;

static gint64
first_of (Fixture  *f,
          PbEntity  entity)
{
  g_autoptr(GPtrArray) records = pb_store_list (f->store, entity, f->kari, NULL);

  g_assert_nonnull (records);
  g_assert_cmpuint (records->len, ==, 1);
  return pb_record_get_id (g_ptr_array_index (records, 0));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRecord) kari = NULL;

  f->dir = pb_test_make_dir ("sync-state");
  f->store = pb_store_open (f->dir, &error);
  g_assert_no_error (error);
  pb_test_import (f->store, hr_json);

  kari = pb_store_find_employee (f->store, NULL, "kari@acme.no", &error);
  g_assert_no_error (error);
  f->kari = pb_record_get_id (kari);
  f->position = first_of (f, PB_ENTITY_POSITION);
  f->absence = first_of (f, PB_ENTITY_ABSENCE);
  f->salary = first_of (f, PB_ENTITY_SALARY);

  /* Active from now on: the register's records are from before (C5). */
  f->connection = pb_connection_new ();
  f->connection->name = g_strdup ("Acme");
  f->connection->system = g_strdup ("tripletex");
  f->connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_ABSENCE;
  f->connection->state = PB_CONNECTION_ACTIVE;
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  g_assert_true (pb_sync_engine_activate (f->store, f->connection, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->connection);
  g_clear_object (&f->store);
  g_free (f->dir);
}

/* One change of the register: @field of the record set to @value. */
static void
set_field (Fixture    *f,
           PbEntity    entity,
           gint64      id,
           guint       field,
           const char *value)
{
  g_autoptr(PbRecord) record = pb_store_get (f->store, entity, id, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (record);
  pb_record_set (record, field, value);
  g_assert_true (pb_store_begin (f->store, &error));
  g_assert_true (pb_store_save (f->store, record, NULL, &error));
  g_assert_true (pb_store_commit (f->store, &error));
  g_assert_no_error (error);
}

/* The record's state, asked both ways: alone, and through a view of the
 * person (the view paybridge-cli and the pane read once). */
static PbSyncState
state_of (Fixture    *f,
          PbEntity    entity,
          gint64      id,
          PbSyncInfo *info)
{
  g_auto(PbSyncInfo) through_view = { 0 };
  g_autoptr(PbSyncView) view = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pb_sync_state_get (f->store, f->connection, entity, id, info, &error));
  g_assert_no_error (error);

  view = pb_sync_view_new (f->store, f->connection, f->kari, &error);
  g_assert_no_error (error);
  pb_sync_view_get (view, entity, id, &through_view);
  g_assert_cmpint (through_view.state, ==, info->state);
  g_assert_cmpstr (through_view.remote_id, ==, info->remote_id);
  g_assert_cmpstr (through_view.reason, ==, info->reason);
  g_assert_cmpint (through_view.queued, ==, info->queued);

  return info->state;
}

static PbSyncState
state (Fixture  *f,
       PbEntity  entity,
       gint64    id)
{
  g_auto(PbSyncInfo) info = { 0 };

  return state_of (f, entity, id, &info);
}

/* The open outbox entry of the record. */
static PbOutboxEntry
open_entry (Fixture  *f,
            PbEntity  entity,
            gint64    id)
{
  g_autoptr(GArray) open = pb_store_list_outbox_open (f->store, f->connection->id, NULL);

  g_assert_nonnull (open);
  for (guint i = 0; i < open->len; i++)
    {
      PbOutboxEntry *entry = &g_array_index (open, PbOutboxEntry, i);

      if (entry->entity == entity && entry->record_id == id)
        return *entry;
    }
  g_assert_not_reached ();
}

static void
enqueue (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (pb_sync_engine_enqueue (f->store, f->connection, &error), >=, 0);
  g_assert_no_error (error);
}

static void
add_error (Fixture    *f,
           PbEntity    entity,
           gint64      id,
           const char *message)
{
  g_autoptr(PbErrorEntry) entry = g_new0 (PbErrorEntry, 1);
  g_autoptr(GError) error = NULL;

  entry->entity = entity;
  entry->record_id = id;
  entry->employee_id = f->kari;
  entry->who = g_strdup ("Kari Nordmann <kari@acme.no>");
  entry->what = g_strdup ("Send it");
  entry->message = g_strdup (message);
  g_assert_true (pb_store_add_error (f->store, f->connection->id, entry, &error));
  g_assert_no_error (error);
}

/* --- tests ------------------------------------------------------------------------- */

static void
test_names (void)
{
  /* paybridge-cli person show --json's names (docs/cli.md). */
  g_assert_cmpstr (pb_sync_state_to_string (PB_SYNC_SENT), ==, "sent");
  g_assert_cmpstr (pb_sync_state_to_string (PB_SYNC_PENDING), ==, "pending");
  g_assert_cmpstr (pb_sync_state_to_string (PB_SYNC_ATTENTION), ==, "attention");
  g_assert_cmpstr (pb_sync_state_to_string (PB_SYNC_HELD), ==, "held");
  g_assert_cmpstr (pb_sync_state_to_string (PB_SYNC_OFF), ==, "off");
  g_assert_cmpstr (pb_sync_state_to_string (PB_SYNC_NOT_SENT), ==, "not-sent");
}

/* SPEC C5: the records from before the activation are not sent and do not
 * wait, though their changes are past the outbox's cursor of a register
 * that was never pushed; C4: salary is not synced by the connection. */
static void
test_not_sent_and_off (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(PbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (state (f, PB_ENTITY_POSITION, f->position), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (state (f, PB_ENTITY_ABSENCE, f->absence), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (state (f, PB_ENTITY_SALARY, f->salary), ==, PB_SYNC_OFF);

  /* Before the connection's cursor was set, every change of the register
   * was past it: still none of them waits. */
  g_assert_true (pb_store_set_outbox_cursor (f->store, f->connection->id, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state (f, PB_ENTITY_POSITION, f->position), ==, PB_SYNC_NOT_SENT);

  /* Linked by the user sync: sent, with payroll's id. */
  g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, f->kari, "12", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, PB_ENTITY_EMPLOYEE, f->kari, &info), ==, PB_SYNC_SENT);
  g_assert_cmpstr (info.remote_id, ==, "12");
  g_assert_null (info.reason);
  g_assert_null (info.sent_at);
}

/* SPEC U7: a change of a field payroll has waits for the next push, in the
 * outbox or not yet; once payroll took it, it is sent, with when. */
static void
test_pending_then_sent (Fixture       *f,
                        gconstpointer  data)
{
  g_auto(PbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  PbOutboxEntry entry;
  gboolean still_pending = TRUE;

  g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, f->kari, "12", 0, &error));
  g_assert_no_error (error);

  /* The team is not a field payroll has: nothing to send. */
  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_TEAM, "b");
  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_SENT);

  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_PHONE, "+47 911 11 111");
  g_assert_cmpint (state_of (f, PB_ENTITY_EMPLOYEE, f->kari, &info), ==, PB_SYNC_PENDING);
  g_assert_false (info.queued);
  g_assert_null (info.since);
  g_assert_cmpstr (info.remote_id, ==, "12");
  pb_sync_info_clear (&info);

  enqueue (f);
  g_assert_cmpint (state_of (f, PB_ENTITY_EMPLOYEE, f->kari, &info), ==, PB_SYNC_PENDING);
  g_assert_true (info.queued);
  g_assert_nonnull (info.since);
  pb_sync_info_clear (&info);

  /* The position, changed too: waits, and the person's state is their own. */
  set_field (f, PB_ENTITY_POSITION, f->position, PB_POSITION_TITLE, "Lead");
  g_assert_cmpint (state (f, PB_ENTITY_POSITION, f->position), ==, PB_SYNC_PENDING);
  g_assert_cmpint (state (f, PB_ENTITY_ABSENCE, f->absence), ==, PB_SYNC_NOT_SENT);

  entry = open_entry (f, PB_ENTITY_EMPLOYEE, f->kari);
  g_assert_true (pb_store_outbox_done (f->store, &entry, TRUE, &still_pending, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, PB_ENTITY_EMPLOYEE, f->kari, &info), ==, PB_SYNC_SENT);
  g_assert_nonnull (info.sent_at);
  g_assert_cmpstr (info.remote_id, ==, "12");
}

/* SPEC C7: refused, the entry needs attention, with the error log's
 * reason; a rule's refusal of someone never sent (U2) and an open error of
 * a linked record need attention too: neither claims it was sent. */
static void
test_attention (Fixture       *f,
                gconstpointer  data)
{
  g_auto(PbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  PbOutboxEntry entry;

  set_field (f, PB_ENTITY_POSITION, f->position, PB_POSITION_TITLE, "Lead");
  enqueue (f);
  entry = open_entry (f, PB_ENTITY_POSITION, f->position);
  g_assert_true (pb_store_outbox_park (f->store, &entry, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, PB_ENTITY_POSITION, f->position, &info), ==, PB_SYNC_ATTENTION);
  g_assert_null (info.reason);   /* the error log has nothing to say: the texts say "see the error log" */
  g_assert_nonnull (info.since);
  pb_sync_info_clear (&info);

  add_error (f, PB_ENTITY_POSITION, f->position, "The period overlaps another one");
  g_assert_cmpint (state_of (f, PB_ENTITY_POSITION, f->position, &info), ==, PB_SYNC_ATTENTION);
  g_assert_cmpstr (info.reason, ==, "The period overlaps another one");
  pb_sync_info_clear (&info);

  /* U2: never sent, not in the outbox. */
  add_error (f, PB_ENTITY_EMPLOYEE, f->kari, "The national identity number is missing");
  g_assert_cmpint (state_of (f, PB_ENTITY_EMPLOYEE, f->kari, &info), ==, PB_SYNC_ATTENTION);
  g_assert_cmpstr (info.reason, ==, "The national identity number is missing");
  pb_sync_info_clear (&info);

  /* Linked, with an open error (a user sync failed for her, U11). */
  g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, f->kari, "12", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, PB_ENTITY_EMPLOYEE, f->kari, &info), ==, PB_SYNC_ATTENTION);
  g_assert_cmpstr (info.remote_id, ==, "12");
  pb_sync_info_clear (&info);

  /* Resolved: sent. */
  g_assert_true (pb_store_resolve_errors (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, f->kari, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_SENT);
}

/* SPEC C6: position sync turned off, the waiting change is held (with
 * why); what changes while it is off is not synced at all; turned on
 * again, the held change waits again. */
static void
test_held (Fixture       *f,
           gconstpointer  data)
{
  g_auto(PbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;

  set_field (f, PB_ENTITY_POSITION, f->position, PB_POSITION_TITLE, "Lead");
  enqueue (f);
  g_assert_cmpint (state (f, PB_ENTITY_POSITION, f->position), ==, PB_SYNC_PENDING);

  f->connection->sync_types &= ~PB_DATA_POSITIONS;
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, PB_ENTITY_POSITION, f->position, &info), ==, PB_SYNC_HELD);
  g_assert_cmpstr (info.reason, ==, "positions sync is off for the connection");
  pb_sync_info_clear (&info);

  /* Another data type off from the start, changed: not synced. */
  set_field (f, PB_ENTITY_SALARY, f->salary, PB_SALARY_AMOUNT, "51000");
  g_assert_cmpint (state (f, PB_ENTITY_SALARY, f->salary), ==, PB_SYNC_OFF);

  f->connection->sync_types |= PB_DATA_POSITIONS;
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, PB_ENTITY_POSITION, f->position, &info), ==, PB_SYNC_PENDING);
  g_assert_true (info.queued);
}

/* SPEC U9, U10: a person deactivated or deleted in HR is locked against
 * syncing: their changes do not wait for a push (the engine takes none of
 * them), and what was sent stays sent. C1: nor do the changes of someone
 * outside the connection's scope. */
static void
test_locked (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pb_store_link (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, f->kari, "12", 0, &error));
  g_assert_no_error (error);
  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_PHONE, "+47 911 11 111");
  set_field (f, PB_ENTITY_POSITION, f->position, PB_POSITION_TITLE, "Lead");
  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_PENDING);

  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_STATUS, "deactivated");
  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_SENT);
  g_assert_cmpint (state (f, PB_ENTITY_POSITION, f->position), ==, PB_SYNC_NOT_SENT);
  /* As the engine sees it. */
  enqueue (f);
  g_assert_false (pb_store_outbox_has_open (f->store, f->connection->id, PB_ENTITY_EMPLOYEE, f->kari));

  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_STATUS, "deleted");
  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_SENT);

  /* Active again, but the connection is for team b now. */
  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_STATUS, "active");
  f->connection->scope_kind = PB_SCOPE_TEAM;
  f->connection->scope_key = g_strdup ("b");
  pb_store_save_connection (f->store, f->connection, &error);
  g_assert_no_error (error);
  set_field (f, PB_ENTITY_EMPLOYEE, f->kari, PB_EMPLOYEE_PHONE, "+47 922 22 222");
  g_assert_cmpint (state (f, PB_ENTITY_EMPLOYEE, f->kari), ==, PB_SYNC_SENT);
}

/* SPEC A7: an absence payroll refused is rejected in HR and needs
 * attention, with the reason, though the rejection is itself a change of
 * it past the cursor; Resend approves it again: it waits for the push. */
static void
test_absence_rejected (Fixture       *f,
                       gconstpointer  data)
{
  g_auto(PbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;

  set_field (f, PB_ENTITY_ABSENCE, f->absence, PB_ABSENCE_NOTE, "flu");
  enqueue (f);
  g_assert_cmpint (state (f, PB_ENTITY_ABSENCE, f->absence), ==, PB_SYNC_PENDING);

  /* What the engine writes when payroll refuses it. */
  add_error (f, PB_ENTITY_ABSENCE, f->absence, "The absence type “Sick leave” is not mapped to a type in Tripletex");
  {
    PbOutboxEntry entry = open_entry (f, PB_ENTITY_ABSENCE, f->absence);

    g_assert_true (pb_store_outbox_park (f->store, &entry, &error));
    g_assert_no_error (error);
  }
  set_field (f, PB_ENTITY_ABSENCE, f->absence, PB_ABSENCE_STATE, "rejected");
  g_assert_cmpint (state_of (f, PB_ENTITY_ABSENCE, f->absence, &info), ==, PB_SYNC_ATTENTION);
  g_assert_cmpstr (info.reason, ==, "The absence type “Sick leave” is not mapped to a type in Tripletex");
  pb_sync_info_clear (&info);

  /* The next enqueue takes the rejection: still rejected. */
  enqueue (f);
  g_assert_cmpint (state_of (f, PB_ENTITY_ABSENCE, f->absence, &info), ==, PB_SYNC_ATTENTION);
  g_assert_nonnull (info.reason);
  pb_sync_info_clear (&info);

  g_assert_true (pb_store_resend_absence (f->store, f->absence, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state (f, PB_ENTITY_ABSENCE, f->absence), ==, PB_SYNC_PENDING);
}

/* --- the state against what a push does ------------------------------------------ */

/* Team a is the connection's scope: Kari, Lise, Ola and Eva in it, Per
 * not; each with a position and a salary. */
static const char cross_json[] =
  "{ \"format\": \"paybridge-hr/1\","
  "  \"companies\": [ { \"key\": \"acme\", \"name\": \"Acme AS\", \"currency\": \"NOK\" } ],"
  "  \"teams\": [ { \"key\": \"a\", \"name\": \"A\" }, { \"key\": \"b\", \"name\": \"B\" } ],"
  "  \"employees\": ["
  "    { \"given_name\": \"Kari\", \"family_name\": \"Nordmann\", \"email\": \"kari@acme.no\", \"team\": \"a\","
  "      \"company\": \"acme\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Developer\", \"percentage\": 80 } ],"
  "      \"salaries\": [ { \"start_date\": \"2024-01-01\", \"amount\": 50000, \"currency\": \"NOK\","
  "                        \"period_unit\": \"monthly\" } ] },"
  "    { \"given_name\": \"Lise\", \"family_name\": \"Dahl\", \"email\": \"lise@acme.no\", \"team\": \"a\","
  "      \"company\": \"acme\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Tester\", \"percentage\": 100 } ] },"
  "    { \"given_name\": \"Ola\", \"family_name\": \"Hansen\", \"email\": \"ola@acme.no\", \"team\": \"a\","
  "      \"company\": \"acme\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Driver\", \"percentage\": 100 } ] },"
  "    { \"given_name\": \"Eva\", \"family_name\": \"Lund\", \"email\": \"eva@acme.no\", \"team\": \"a\","
  "      \"company\": \"acme\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Cook\", \"percentage\": 100 } ] },"
  "    { \"given_name\": \"Per\", \"family_name\": \"Berg\", \"email\": \"per@acme.no\", \"team\": \"b\","
  "      \"company\": \"acme\","
  "      \"positions\": [ { \"start_date\": \"2024-01-01\", \"title\": \"Clerk\", \"percentage\": 100 } ] } ] }";

typedef struct
{
  PbEntity     entity;
  gint64       id;
  PbSyncState  before;   /* what the state said before the push */
} Asked;

typedef struct
{
  PbSandbox    *sandbox;
  PbStore      *store;
  char         *dir;
  PbConnection *connection;   /* Tripletex, team a: users and positions */
  PbProvider   *provider;
  GArray       *asked;        /* (element-type Asked) */
} Cross;

static gint64
person_id (Cross      *c,
           const char *email)
{
  g_autoptr(PbRecord) person = pb_store_find_employee (c->store, NULL, email, NULL);

  g_assert_nonnull (person);
  return pb_record_get_id (person);
}

static gint64
record_of (Cross      *c,
           PbEntity    entity,
           const char *email)
{
  g_autoptr(GPtrArray) records = pb_store_list (c->store, entity, person_id (c, email), NULL);

  g_assert_nonnull (records);
  g_assert_cmpuint (records->len, ==, 1);
  return pb_record_get_id (g_ptr_array_index (records, 0));
}

static void
cross_set (Cross      *c,
           PbEntity    entity,
           gint64      id,
           guint       field,
           const char *value)
{
  g_autoptr(PbRecord) record = pb_store_get (c->store, entity, id, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (record);
  pb_record_set (record, field, value);
  g_assert_true (pb_store_begin (c->store, &error));
  g_assert_true (pb_store_save (c->store, record, NULL, &error));
  g_assert_true (pb_store_commit (c->store, &error));
  g_assert_no_error (error);
}

static void
cross_set_types (Cross       *c,
                 PbDataTypes  types)
{
  g_autoptr(GError) error = NULL;

  c->connection->sync_types = types;
  g_assert_true (pb_store_save_connection (c->store, c->connection, &error));
  g_assert_no_error (error);
}

static void
cross_set_up (Cross         *c,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  c->sandbox = pb_sandbox_new ("tripletex", &error);
  g_assert_no_error (error);
  g_assert_true (pb_sandbox_listen (c->sandbox, 0, &error));
  g_assert_no_error (error);

  c->dir = pb_test_make_dir ("sync-state-cross");
  c->store = pb_store_open (c->dir, &error);
  g_assert_no_error (error);
  pb_test_import (c->store, cross_json);

  c->connection = pb_connection_new ();
  c->connection->name = g_strdup ("Acme");
  c->connection->system = g_strdup ("tripletex");
  c->connection->scope_kind = PB_SCOPE_TEAM;
  c->connection->scope_key = g_strdup ("a");
  c->connection->sync_types = PB_DATA_USERS | PB_DATA_POSITIONS;
  c->connection->base_url = g_strdup (pb_sandbox_get_api_url (c->sandbox));
  g_assert_true (pb_store_save_connection (c->store, c->connection, &error));
  g_assert_no_error (error);
  c->provider = pb_test_new_provider ("tripletex", c->connection->base_url, NULL);

  /* The first user sync creates team a in payroll and activates (U6). */
  pb_test_activate (c->store, c->connection, c->provider, TRUE);
  g_free (c->connection->remote_currency);
  c->connection->remote_currency = g_strdup ("NOK");
  g_assert_true (pb_store_save_connection (c->store, c->connection, &error));
  g_assert_no_error (error);

  c->asked = g_array_new (FALSE, FALSE, sizeof (Asked));
}

static void
cross_tear_down (Cross         *c,
                 gconstpointer  data)
{
  g_clear_pointer (&c->asked, g_array_unref);
  g_clear_object (&c->provider);
  g_clear_object (&c->connection);
  g_clear_object (&c->store);
  g_clear_object (&c->sandbox);
  g_free (c->dir);
}

/* Asks the record's state now and keeps it, for cross_push() to judge. */
static PbSyncState
ask (Cross    *c,
     PbEntity  entity,
     gint64    id)
{
  g_auto(PbSyncInfo) info = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *sent_at = pb_store_outbox_sent_at (c->store, c->connection->id, entity, id);
  Asked asked = { entity, id, 0 };

  g_assert_true (pb_sync_state_get (c->store, c->connection, entity, id, &info, &error));
  g_assert_no_error (error);
  /* Nothing of it went through the outbox yet: after the push, whatever
   * has a time it was sent went in this push. */
  g_assert_null (sent_at);
  asked.before = info.state;
  g_array_append_val (c->asked, asked);
  return info.state;
}

/* A push against the sandbox; every record asked about must have been
 * sent by it when (and only when) its state said "pending", and says
 * "sent" after it. */
static void
cross_push (Cross *c)
{
  PbPushResult pushed = pb_test_push (c->store, c->connection, c->provider);

  g_assert_false (pushed.stopped);
  for (guint i = 0; i < c->asked->len; i++)
    {
      Asked *asked = &g_array_index (c->asked, Asked, i);
      g_autofree char *sent_at = pb_store_outbox_sent_at (c->store, c->connection->id, asked->entity, asked->id);
      g_auto(PbSyncInfo) info = { 0 };
      g_autoptr(GError) error = NULL;

      g_test_message ("%s %" G_GINT64_FORMAT ": %s before the push, %s by it",
                      pb_entity_get_def (asked->entity)->name, asked->id,
                      pb_sync_state_to_string (asked->before), sent_at != NULL ? "sent" : "not sent");
      if (asked->before == PB_SYNC_PENDING)
        g_assert_nonnull (sent_at);
      else
        g_assert_null (sent_at);

      g_assert_true (pb_sync_state_get (c->store, c->connection, asked->entity, asked->id, &info, &error));
      g_assert_no_error (error);
      if (asked->before == PB_SYNC_PENDING)
        g_assert_cmpint (info.state, ==, PB_SYNC_SENT);
      else
        g_assert_cmpint (info.state, ==, asked->before);
    }
  g_assert_cmpuint (pushed.attention, ==, 0);
  g_assert_cmpuint (pushed.waiting, ==, 0);
  g_array_set_size (c->asked, 0);
}

/* SPEC U7, C4, C5, U9, U10, C1: what the state says waits for the next
 * push is what that push sends, and nothing else: a field payroll has,
 * of someone in scope, or a position (C4), is sent; a field payroll does
 * not have, someone outside the scope (C1), a data type not synced (C4)
 * or a change from before the type's activation (C5), a person
 * deactivated (U9) or deleted (U10) in HR are not. */
static void
test_cross_push (Cross         *c,
                 gconstpointer  data)
{
  gint64 kari = person_id (c, "kari@acme.no");
  gint64 lise = person_id (c, "lise@acme.no");
  gint64 ola = person_id (c, "ola@acme.no");
  gint64 eva = person_id (c, "eva@acme.no");
  gint64 per = person_id (c, "per@acme.no");
  gint64 kari_salary = record_of (c, PB_ENTITY_SALARY, "kari@acme.no");

  /* U7: a field payroll has, and (C4) a position, of someone in scope. */
  cross_set (c, PB_ENTITY_EMPLOYEE, kari, PB_EMPLOYEE_PHONE, "+47 911 11 111");
  cross_set (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "kari@acme.no"), PB_POSITION_TITLE, "Lead");
  /* C4: salary is not synced. */
  cross_set (c, PB_ENTITY_SALARY, kari_salary, PB_SALARY_AMOUNT, "51000");
  /* A field payroll does not have. */
  cross_set (c, PB_ENTITY_EMPLOYEE, lise, PB_EMPLOYEE_MANAGER_EMAIL, "kari@acme.no");
  /* C1: out of the connection's scope. */
  cross_set (c, PB_ENTITY_EMPLOYEE, per, PB_EMPLOYEE_PHONE, "+47 933 33 333");
  cross_set (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "per@acme.no"), PB_POSITION_TITLE, "Head clerk");
  /* U9: deactivated, then changed; U10: deleted in HR, then changed. */
  cross_set (c, PB_ENTITY_EMPLOYEE, ola, PB_EMPLOYEE_STATUS, "deactivated");
  cross_set (c, PB_ENTITY_EMPLOYEE, ola, PB_EMPLOYEE_PHONE, "+47 944 44 444");
  cross_set (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "ola@acme.no"), PB_POSITION_TITLE, "Pilot");
  cross_set (c, PB_ENTITY_EMPLOYEE, eva, PB_EMPLOYEE_STATUS, "deleted");
  cross_set (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "eva@acme.no"), PB_POSITION_TITLE, "Chef");

  g_assert_cmpint (ask (c, PB_ENTITY_EMPLOYEE, kari), ==, PB_SYNC_PENDING);
  g_assert_cmpint (ask (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "kari@acme.no")), ==, PB_SYNC_PENDING);
  g_assert_cmpint (ask (c, PB_ENTITY_SALARY, kari_salary), ==, PB_SYNC_OFF);
  g_assert_cmpint (ask (c, PB_ENTITY_EMPLOYEE, lise), ==, PB_SYNC_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "lise@acme.no")), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_EMPLOYEE, per), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "per@acme.no")), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_EMPLOYEE, ola), ==, PB_SYNC_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "ola@acme.no")), ==, PB_SYNC_NOT_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_EMPLOYEE, eva), ==, PB_SYNC_SENT);
  g_assert_cmpint (ask (c, PB_ENTITY_POSITION, record_of (c, PB_ENTITY_POSITION, "eva@acme.no")), ==, PB_SYNC_NOT_SENT);
  cross_push (c);

  /* C5: salary turned on now; its change from before is not sent, and
   * does not wait; one made after is, and does. */
  cross_set_types (c, PB_DATA_USERS | PB_DATA_POSITIONS | PB_DATA_SALARY);
  g_assert_cmpint (ask (c, PB_ENTITY_SALARY, kari_salary), ==, PB_SYNC_NOT_SENT);
  cross_push (c);
  cross_set (c, PB_ENTITY_SALARY, kari_salary, PB_SALARY_AMOUNT, "52000");
  g_assert_cmpint (ask (c, PB_ENTITY_SALARY, kari_salary), ==, PB_SYNC_PENDING);
  cross_push (c);

  /* Active again in HR (U9): her next change is sent. */
  cross_set (c, PB_ENTITY_EMPLOYEE, ola, PB_EMPLOYEE_STATUS, "active");
  cross_set (c, PB_ENTITY_EMPLOYEE, ola, PB_EMPLOYEE_PHONE, "+47 955 55 555");
  g_assert_cmpint (ask (c, PB_ENTITY_EMPLOYEE, ola), ==, PB_SYNC_PENDING);
  cross_push (c);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/sync-state/names", test_names);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/sync-state/C5-C4-not-sent-and-off", test_not_sent_and_off);
  ADD ("/sync-state/U7-pending-then-sent", test_pending_then_sent);
  ADD ("/sync-state/C7-U2-attention", test_attention);
  ADD ("/sync-state/C6-held", test_held);
  ADD ("/sync-state/U9-U10-C1-locked", test_locked);
  ADD ("/sync-state/A7-absence-rejected", test_absence_rejected);
#undef ADD
  g_test_add ("/sync-state/U7-C4-C5-U9-U10-C1-as-the-push-does", Cross, NULL,
              cross_set_up, test_cross_push, cross_tear_down);

  return g_test_run ();
}
