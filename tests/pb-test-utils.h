/* pb-test-utils.h: helpers shared by the tests
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "pb-connections.h"
#include "pb-oauth2.h"
#include "pb-provider.h"
#include "pb-store.h"
#include "pb-sync-engine.h"

G_BEGIN_DECLS

/* Skips the current test, or fails it when PB_REQUIRE_ALL is set (CI), so a
 * missing display or keyring can never turn a run green by skipping. */
void   pb_test_skip_or_fail  (const char *why);
void   pb_test_use_system_mime_database (void);

/* A fresh, empty folder under the test's isolated temp dir. */
char  *pb_test_make_dir      (const char *name);

/* Path of a file in the source tree, e.g. "data/demo/hr-demo.json". */
char  *pb_test_source_path   (const char *relative);

/* Path of a built program, e.g. "src/cli/paybridge-cli". */
char  *pb_test_build_path    (const char *relative);

/* Writes @contents to a new file in @dir and returns its path. */
char  *pb_test_write_file    (const char *dir,
                              const char *name,
                              const char *contents);

/* Starts @argv (NULL-terminated) with @flags; the child gets SIGTERM when
 * the test process dies, so a failed assertion never leaves a server behind
 * holding the test's output open. */
GSubprocess *pb_test_spawn       (GSubprocessFlags     flags,
                                  GError             **error,
                                  const char          *argv0,
                                  ...) G_GNUC_NULL_TERMINATED;

/* Runs the default main context until @done says so, for at most
 * @seconds; a periodic wake-up makes sure the cap is noticed even when
 * nothing else happens. Returns: whether @done held. */
gboolean     pb_test_iterate_until (gboolean (*done) (gpointer data),
                                    gpointer   data,
                                    guint      seconds);

/* A connector of @system_id at @api_url with the payroll sandbox's tokens
 * ("sandbox-consumer", "sandbox-employee"; @employee_token overrides the
 * second when not NULL). */
PbProvider  *pb_test_new_provider  (const char *system_id,
                                    const char *api_url,
                                    const char *employee_token);

/* Authorizes @provider's requests with "Bearer " and the token *@token
 * holds when each is sent (a token the test minted or refreshed; @token
 * must outlive the provider). */
void         pb_test_authorize_bearer (PbProvider         *provider,
                                       char              **token);

/* Runs @op on the main context and returns what it gave; *error gets its
 * error. */
gpointer     pb_test_call          (PbProvider            *provider,
                                    PbProviderOp           op,
                                    const PbProviderArgs  *args,
                                    GError               **error);

/* Imports @json (a paybridge-hr/1 document) into @store; asserts it
 * succeeded. */
void         pb_test_import        (PbStore               *store,
                                    const char            *json);

/* One push of the connection's outbox, on the main context; asserts it
 * did not fail as a whole. */
PbPushResult pb_test_push          (PbStore               *store,
                                    PbConnection          *connection,
                                    PbProvider            *provider);

/* The first user sync (HR wins; people only in HR created in payroll when
 * @create_in_payroll), which activates the connection (SPEC U6); asserts
 * it did. */
void         pb_test_activate      (PbStore               *store,
                                    PbConnection          *connection,
                                    PbProvider            *provider,
                                    gboolean               create_in_payroll);

/* The payroll sandbox (tests/sandbox/pb-sandbox.h), which these helpers
 * do not link: the tests that use it do. */
typedef struct _PbSandbox PbSandbox;

/* A test of an OAuth2 connector (Visma, Unimicro): a connection of the
 * store to the payroll sandbox, signed in through PbOAuth2 as a user
 * would (the sandbox approves at once in a "browser"), its tokens in the
 * test keyring, and the connector authorized by it. The test creates the
 * sandbox and listens; pb_test_oauth2_set_up() does the rest. */
typedef struct
{
  PbSandbox    *sandbox;     /* the test's; unref'd by the tear-down */
  SoupSession  *browser;
  char         *dir;
  PbStore      *store;
  PbConnection *connection;
  PbOAuth2     *oauth2;
  PbProvider   *provider;
  guint         pending;
  /* (nullable) asserts what the address the user is sent to holds */
  void        (*check_uri) (const char *uri);
} PbTestOAuth2Fixture;

/* Saves a connection of @system to the sandbox at @sandbox_url (its API
 * at @api_url) with @tenant, signs it in and makes its connector. */
void         pb_test_oauth2_set_up     (PbTestOAuth2Fixture   *f,
                                        const char            *system,
                                        const char            *sandbox_url,
                                        const char            *api_url,
                                        const char            *tenant,
                                        void                 (*check_uri) (const char *uri));
/* Signs the connection in again with @tenant (a new PbOAuth2). */
gboolean     pb_test_oauth2_sign_in    (PbTestOAuth2Fixture   *f,
                                        const char            *tenant,
                                        GError               **error);
/* Forgets the tokens (the keyring is shared by a run's tests) and frees
 * all. */
void         pb_test_oauth2_tear_down  (PbTestOAuth2Fixture   *f);

G_END_DECLS
