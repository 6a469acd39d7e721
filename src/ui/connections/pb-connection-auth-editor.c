/* pb-connection-auth-editor.c
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "PbConnectionAuthEditor"

#include "config.h"

#include <glib/gi18n.h>

#include "pb-connection-auth-editor-private.h"
#include "pb-connection-format.h"
#include "pb-connections.h"
#include "pb-secrets.h"

/* How Paybridge gets into the payroll system (SPEC C2), the same in the
 * set-up assistant and the settings window:
 *
 * - API tokens (Tripletex): one password row per secret kind the connector
 *   asks for. "Check" asks the payroll system which company they open
 *   (pb_connections_verify_async) and shows its name and currency, or what
 *   went wrong, before anything is saved.
 * - OAuth2: a "Sign in with <system>" button and a waiting page with a
 *   spinner, Cancel and a "Copy Link" fallback. The sign-in itself is the
 *   one function oauth2_sign_in() below.
 * - A connector that asks for a tenant ID (Visma.net Payroll, SPEC V1) gets
 *   a plain entry row for it (see pb_connection_class_wants_tenant_id()).
 * - A connector that works in one company of those the user may reach
 *   (Unimicro's CompanyKey, issue 15; pb_provider_class_chooses_company())
 *   lists them after signing in: one row per company, name and
 *   organisation number. One company is chosen for the user (and shown);
 *   none is an error. The check then runs with the chosen company, whose
 *   key the connection keeps (its `tenant_id`). In the settings the row
 *   shows the saved company by name and "Choose Another" lists them again.
 * - "Advanced": the API address, the connector's production URL unless
 *   changed (the sandbox and tests point it elsewhere), and for OAuth2 the
 *   authorization and token addresses and the client ID.
 *
 * In the settings window the editor has a saved connection: empty token
 * rows then mean "keep the tokens in the keyring", and Check uses those.
 * The windows save, after a successful check; the one thing written from
 * here is what signing in with OAuth2 writes: PbOAuth2 keeps the tokens in
 * the keyring under the saved connection's id (the assistant saves a new
 * connection first, see #PbConnectionAuthEditor::prepare-sign-in). */

struct _PbConnectionAuthEditor
{
  GtkWidget            parent_instance;

  PbStore             *store;               /* (owned) (nullable): for signing in */
  PbProviderClass     *klass;               /* (owned) (nullable) */
  PbConnection        *connection;          /* (owned) (nullable): the saved one, in settings */
  PbConnection        *provisional;         /* (owned) (nullable): the assistant's, saved to sign in */
  GPtrArray           *secret_rows;         /* (owned) of AdwPasswordEntryRow, "pb-kind" data */
  PbAuthEditorState    state;
  gboolean             complete;
  gboolean             loading;             /* fields change without the user */
  gboolean             disposed;
  char                *company;             /* (owned) (nullable): verified */
  char                *currency;            /* (owned) (nullable) */
  char                *org_number;          /* (owned) (nullable) */
  char                *result;              /* (owned) (nullable): the result row's title */
  GCancellable        *check_cancellable;   /* (owned) (nullable): while checking or listing the companies */
  GCancellable        *sign_in_cancellable; /* (owned) (nullable): while signing in */
  char                *sign_in_uri;         /* (owned) (nullable) */
  gboolean             signed_in;           /* OAuth2: the keyring has fresh tokens */
  char                *company_key;         /* (owned) (nullable): the chosen company's key */
  GPtrArray           *companies;           /* (owned) (nullable) of PbRemoteCompany: as listed */
  GPtrArray           *company_rows;        /* (owned) of AdwActionRow, in company_group */

  GtkStack            *stack;
  AdwPreferencesGroup *tokens_group;
  AdwPreferencesGroup *oauth_group;
  GtkButton           *sign_in_button;
  AdwPreferencesGroup *tenant_group;
  AdwEntryRow         *tenant_row;
  AdwActionRow        *authority_row;
  GtkCheckButton      *authority_check;
  AdwPreferencesGroup *company_group;
  GtkButton           *companies_button;
  AdwPreferencesGroup *check_group;
  AdwActionRow        *check_row;
  GtkSpinner          *check_spinner;
  GtkButton           *check_button;
  AdwActionRow        *result_row;
  GtkImage            *result_icon;
  AdwExpanderRow      *advanced_row;
  AdwEntryRow         *api_row;
  AdwEntryRow         *auth_url_row;
  AdwEntryRow         *token_url_row;
  AdwEntryRow         *client_id_row;
  GtkLabel            *waiting_title;
  GtkLabel            *waiting_description;
  GtkSpinner          *waiting_spinner;
  GtkButton           *copy_link_button;
};

G_DEFINE_FINAL_TYPE (PbConnectionAuthEditor, pb_connection_auth_editor, GTK_TYPE_WIDGET)

enum {
  PREPARE_SIGN_IN,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

enum {
  PROP_0,
  PROP_STATE,
  PROP_BUSY,
  PROP_COMPLETE,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void oauth2_sign_in (PbConnectionAuthEditor *self,
                            PbStore                *store,
                            PbConnection           *connection,
                            GCancellable           *cancellable);

static PbSignInFunc sign_in_func = oauth2_sign_in;

/* What a check's callback holds on to. */
typedef struct
{
  PbConnectionAuthEditor *self;         /* (owned) */
  GCancellable           *cancellable;  /* (owned) */
} Check;

/* PbHttp keeps the caller's cancellable without a reference and lets go
 * of it only when its innermost task is finalized, which can come after
 * the outer callbacks have run. The cancellable must outlive that: it is
 * dropped from an idle, once the call has unwound. */
static gboolean
release_cb (gpointer object)
{
  return G_SOURCE_REMOVE;
}

static void
release_later (gpointer object)
{
  g_idle_add_full (G_PRIORITY_LOW, release_cb, object, g_object_unref);
}

static void
check_free (Check *check)
{
  g_object_unref (check->self);
  release_later (check->cancellable);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Check, check_free)

static const char *
get_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
dup_stripped (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (get_text (row)));
}

static gboolean
is_oauth2 (PbConnectionAuthEditor *self)
{
  return self->klass != NULL && self->klass->auth_kind == PB_AUTH_OAUTH2;
}

static gboolean
wants_tenant (PbConnectionAuthEditor *self)
{
  return self->klass != NULL && pb_connection_class_wants_tenant_id (self->klass);
}

static gboolean
chooses_company (PbConnectionAuthEditor *self)
{
  return self->klass != NULL && pb_provider_class_chooses_company (self->klass);
}

/* The settings: another company than the saved one was chosen. */
static gboolean
company_changed (PbConnectionAuthEditor *self)
{
  return chooses_company (self) && self->connection != NULL &&
         g_strcmp0 (self->company_key, self->connection->tenant_id) != 0;
}

static guint
count_filled_rows (PbConnectionAuthEditor *self)
{
  guint n = 0;

  for (guint i = 0; i < self->secret_rows->len; i++)
    if (*get_text (g_ptr_array_index (self->secret_rows, i)) != '\0')
      n++;

  return n;
}

/* SPEC V1: the Tenant ID is there, and the administrator confirmed they
 * may connect (as the set-up article asks before "Connect"). */
static gboolean
tenant_ready (PbConnectionAuthEditor *self)
{
  g_autofree char *tenant = dup_stripped (self->tenant_row);

  return !wants_tenant (self) || (*tenant != '\0' && gtk_check_button_get_active (self->authority_check));
}

static gboolean
tenant_changed (PbConnectionAuthEditor *self)
{
  g_autofree char *tenant = dup_stripped (self->tenant_row);

  return wants_tenant (self) &&
         g_strcmp0 (tenant, self->connection != NULL ? self->connection->tenant_id ?: "" : "") != 0;
}

static gboolean
compute_complete (PbConnectionAuthEditor *self)
{
  g_autofree char *tenant = dup_stripped (self->tenant_row);
  guint filled = count_filled_rows (self);

  if (self->klass == NULL)
    return FALSE;
  if (wants_tenant (self) && *tenant == '\0')
    return FALSE;

  /* Nothing to check without the company to check it in. */
  if (chooses_company (self) && self->company_key == NULL)
    return FALSE;

  if (is_oauth2 (self))
    return self->connection != NULL || self->signed_in;

  /* Settings: no new tokens keeps the keyring's; some must be all. */
  if (self->connection != NULL && filled == 0)
    return TRUE;

  return filled == self->secret_rows->len;
}

static void
update_actions (PbConnectionAuthEditor *self)
{
  gboolean busy = pb_connection_auth_editor_get_busy (self);
  g_autofree char *tenant = dup_stripped (self->tenant_row);

  /* Listing needs tokens: the saved connection's, or a fresh sign-in's. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "auth.list-companies",
                                 !busy && chooses_company (self) &&
                                 (self->signed_in || self->connection != NULL));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "auth.check", !busy && self->complete);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "auth.sign-in",
                                 !busy && is_oauth2 (self) && (!wants_tenant (self) || *tenant != '\0') &&
                                 tenant_ready (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "auth.cancel-sign-in",
                                 self->state == PB_AUTH_EDITOR_SIGNING_IN);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "auth.copy-link",
                                 self->state == PB_AUTH_EDITOR_SIGNING_IN && self->sign_in_uri != NULL);
}

/* Once signed in, the next step is below (the company, the check): the
 * sign-in button steps back and says what pressing it again does. */
static void
update_sign_in (PbConnectionAuthEditor *self)
{
  g_autofree char *oauth = NULL;
  g_autofree char *sign_in = NULL;
  const char *system;

  if (self->klass == NULL || !is_oauth2 (self))
    return;

  system = self->klass->display_name;
  if (self->signed_in)
    {
      oauth = g_strdup_printf (_("You are signed in to %s; Paybridge keeps the access in your keyring. "
                                 "Sign in again to use another user."), system);
      sign_in = g_strdup (_("_Sign In Again"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->sign_in_button), "suggested-action");
    }
  else
    {
      oauth = g_strdup_printf (_("Paybridge opens %s in your browser. Sign in there as an administrator and "
                                 "allow access; Paybridge keeps the access in your keyring."), system);
      /* Translators: the OAuth2 button, "Sign in with Visma.net Payroll" */
      sign_in = g_strdup_printf (_("_Sign in with %s"), system);
      gtk_widget_add_css_class (GTK_WIDGET (self->sign_in_button), "suggested-action");
    }
  adw_preferences_group_set_description (self->oauth_group, oauth);
  gtk_button_set_label (self->sign_in_button, sign_in);
}

static void
update_complete (PbConnectionAuthEditor *self)
{
  gboolean complete = compute_complete (self);

  update_sign_in (self);

  if (complete != self->complete)
    {
      self->complete = complete;
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_COMPLETE]);
    }
  update_actions (self);
}

/* Shows the outcome of a check (or a notice) under the Check row. */
static void
show_result (PbConnectionAuthEditor *self,
             const char             *icon_name,
             const char             *style,
             const char             *title,
             const char             *subtitle)
{
  static const char * const styles[] = { "success", "warning", "error" };

  g_free (self->result);
  self->result = g_strdup (title);

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), styles[i]);

  if (title == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->result_row), FALSE);
      /* No empty box where the outcome goes. */
      if (!gtk_widget_get_visible (GTK_WIDGET (self->check_row)))
        gtk_widget_set_visible (GTK_WIDGET (self->check_group), FALSE);
      return;
    }

  gtk_image_set_from_icon_name (self->result_icon, icon_name);
  gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), style);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->result_row), title);
  adw_action_row_set_subtitle (self->result_row, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->result_row), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), TRUE);
}

static void
set_state (PbConnectionAuthEditor *self,
           PbAuthEditorState       state)
{
  gboolean was_busy = pb_connection_auth_editor_get_busy (self);
  gboolean checking = state == PB_AUTH_EDITOR_CHECKING;
  gboolean signing_in = state == PB_AUTH_EDITOR_SIGNING_IN;

  if (state == self->state)
    return;

  self->state = state;

  gtk_widget_set_visible (GTK_WIDGET (self->check_spinner), checking);
  gtk_spinner_set_spinning (self->check_spinner, checking);
  gtk_stack_set_visible_child_name (self->stack, signing_in ? "waiting" : "form");
  gtk_spinner_set_spinning (self->waiting_spinner, signing_in);
  if (signing_in)
    gtk_button_set_label (self->copy_link_button, _("_Copy Link"));

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STATE]);
  if (was_busy != pb_connection_auth_editor_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_BUSY]);
}

/* A change to a token, the tenant or an address makes an earlier check
 * say nothing about what would be saved now. */
static void
forget_check (PbConnectionAuthEditor *self)
{
  if (self->state == PB_AUTH_EDITOR_VERIFIED || self->state == PB_AUTH_EDITOR_FAILED)
    set_state (self, PB_AUTH_EDITOR_UNCHECKED);

  g_clear_pointer (&self->company, g_free);
  g_clear_pointer (&self->currency, g_free);
  g_clear_pointer (&self->org_number, g_free);
  show_result (self, NULL, NULL, NULL, NULL);
}

/* A temporary connection with what the editor holds, to check or sign in. */
static PbConnection *
make_connection (PbConnectionAuthEditor *self)
{
  PbConnection *saved = self->connection != NULL ? self->connection : self->provisional;
  PbConnection *connection;

  if (saved != NULL)
    connection = pb_connection_ui_copy (saved);
  else
    {
      connection = pb_connection_new ();
      connection->name = g_strdup (self->klass->display_name);
    }

  g_free (connection->system);
  connection->system = g_strdup (self->klass->id);
  pb_connection_auth_editor_apply (self, connection);

  return connection;
}

/* Words for why a check failed: the heading says what kind of trouble,
 * the payroll system's or keyring's own message says the rest. */
static char *
describe_error (PbConnectionAuthEditor *self,
                const GError           *error)
{
  const char *system = self->klass != NULL ? self->klass->display_name : "";

  if (error->domain == PB_PROVIDER_ERROR)
    switch ((PbProviderError) error->code)
      {
      case PB_PROVIDER_ERROR_NOT_AUTHORIZED:
        return is_oauth2 (self) ? g_strdup_printf (_("%s did not accept the sign-in"), system)
                                : g_strdup_printf (_("%s did not accept the tokens"), system);
      case PB_PROVIDER_ERROR_FORBIDDEN:
        return g_strdup_printf (_("%s refused access"), system);
      case PB_PROVIDER_ERROR_NETWORK:
      case PB_PROVIDER_ERROR_TIMEOUT:
        return g_strdup_printf (_("Could not reach %s"), system);
      case PB_PROVIDER_ERROR_INSECURE:
        return g_strdup (_("The API address is not safe"));
      case PB_PROVIDER_ERROR_SERVER:
      case PB_PROVIDER_ERROR_RATE_LIMITED:
        return g_strdup_printf (_("%s cannot answer right now"), system);
      case PB_PROVIDER_ERROR_INVALID_RESPONSE:
        return g_strdup_printf (_("%s gave an answer Paybridge cannot read"), system);
      case PB_PROVIDER_ERROR_NOT_SUPPORTED:
        return g_strdup (is_oauth2 (self) ? _("Cannot sign in") : _("Not available"));
      case PB_PROVIDER_ERROR_FAILED:
      case PB_PROVIDER_ERROR_NOT_FOUND:
      case PB_PROVIDER_ERROR_CONFLICT:
      case PB_PROVIDER_ERROR_VALIDATION:
      case PB_PROVIDER_ERROR_LOCKED:
      case PB_PROVIDER_ERROR_INVALID_INPUT:
      default:
        break;
      }

  if (error->domain == PB_SECRETS_ERROR)
    switch ((PbSecretsError) error->code)
      {
      case PB_SECRETS_ERROR_MISSING:
        return g_strdup (_("The keyring holds no tokens for this connection"));
      case PB_SECRETS_ERROR_LOCKED:
        return g_strdup (_("The keyring is locked"));
      case PB_SECRETS_ERROR_UNAVAILABLE:
      default:
        return g_strdup (_("The keyring is not available"));
      }

  return g_strdup (_("The check failed"));
}

static void
on_verified_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Check) check = user_data;
  PbConnectionAuthEditor *self = check->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(PbRemoteCompany) company = pb_connections_verify_finish (result, &error);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  /* Cancelled: a change, another check, or the window went away. */
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      check->cancellable != self->check_cancellable)
    return;

  g_clear_object (&self->check_cancellable);

  if (company == NULL)
    {
      pb_connection_auth_editor_show_error (self, error);
      return;
    }

  g_free (self->company);
  self->company = g_strdup (company->name);
  g_free (self->currency);
  self->currency = g_strdup (company->currency);
  g_free (self->org_number);
  self->org_number = g_strdup (company->org_number);
  title = pb_connection_format_company (company->name, company->currency);

  if (is_oauth2 (self))
    subtitle = g_strdup_printf (_("You are signed in to this company in %s"), self->klass->display_name);
  else if (pb_connection_auth_editor_has_new_secrets (self))
    subtitle = g_strdup_printf (_("The tokens open this company in %s"), self->klass->display_name);
  else
    subtitle = g_strdup_printf (_("The tokens in your keyring open this company in %s"), self->klass->display_name);

  show_result (self, "emblem-ok-symbolic", "success", title, subtitle);
  set_state (self, PB_AUTH_EDITOR_VERIFIED);
}

/* --- the company (issue 15) -------------------------------------------------------- */

static void
on_company_toggled_cb (PbConnectionAuthEditor *self,
                       GtkCheckButton         *check)
{
  const char *key = g_object_get_data (G_OBJECT (check), "pb-key");

  if (self->loading || !gtk_check_button_get_active (check) || g_strcmp0 (key, self->company_key) == 0)
    return;

  if (self->check_cancellable != NULL)
    {
      g_cancellable_cancel (self->check_cancellable);
      g_clear_object (&self->check_cancellable);
      set_state (self, PB_AUTH_EDITOR_UNCHECKED);
    }

  g_free (self->company_key);
  self->company_key = g_strdup (key);
  forget_check (self);
  update_complete (self);
  /* The check says at once whether the user may work in it. */
  pb_connection_auth_editor_check (self);
}

static void
add_company_row (PbConnectionAuthEditor *self,
                 const char             *title,
                 const char             *subtitle,
                 GtkWidget              *prefix,
                 const char             *key)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
  if (key != NULL)
    gtk_widget_set_name (row, key);
  if (prefix != NULL)
    {
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), prefix);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), prefix);
    }
  adw_preferences_group_add (self->company_group, row);
  g_ptr_array_add (self->company_rows, row);
}

/* The company group: after listing, one row per company with a radio
 * button, the chosen one on; before it, in the settings, the saved
 * company alone, by name, with "Choose Another". Rows come from the
 * system's list, so they are made in C. */
static void
show_companies (PbConnectionAuthEditor *self)
{
  const char *system = self->klass != NULL ? self->klass->display_name : "";
  g_autofree char *description = NULL;
  GtkCheckButton *group = NULL;

  for (guint i = 0; i < self->company_rows->len; i++)
    adw_preferences_group_remove (self->company_group, g_ptr_array_index (self->company_rows, i));
  g_ptr_array_set_size (self->company_rows, 0);

  if (!chooses_company (self) || (self->companies == NULL && self->connection == NULL) ||
      (self->companies != NULL && self->companies->len == 0))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->company_group), FALSE);
      return;
    }

  self->loading = TRUE;
  if (self->companies == NULL)
    {
      /* The saved one, by name (the key is a GUID nobody reads). */
      const char *name = self->connection->remote_company;

      description = g_strdup_printf (_("Paybridge works in this company in %s."), system);
      add_company_row (self, name != NULL ? name : _("Not checked yet"),
                       name != NULL ? NULL : self->connection->tenant_id, NULL, self->connection->tenant_id);
    }
  else
    {
      if (self->companies->len == 1)
        description = g_strdup_printf (_("This %s user may act on one company, so Paybridge connects to it."),
                                       system);
      else
        description = g_strdup_printf (_("The %s user may act on these companies. Choose the one whose payroll "
                                         "Paybridge keeps in step with the HR register."), system);

      for (guint i = 0; i < self->companies->len; i++)
        {
          PbRemoteCompany *company = g_ptr_array_index (self->companies, i);
          g_autofree char *number = NULL;
          GtkWidget *check;

          if (company->org_number != NULL && *company->org_number != '\0')
            /* Translators: under a payroll company's name */
            number = g_strdup_printf (_("Organisation number %s"), company->org_number);

          /* One company: nothing to choose (a lone check button would
           * look like one to untick), a check mark says it is the one. */
          if (self->companies->len == 1)
            {
              GtkWidget *mark = gtk_image_new_from_icon_name ("object-select-symbolic");

              gtk_widget_add_css_class (mark, "accent");
              add_company_row (self, company->name, number, NULL, company->id);
              adw_action_row_add_suffix (ADW_ACTION_ROW (g_ptr_array_index (self->company_rows, 0)), mark);
              break;
            }

          check = gtk_check_button_new ();
          gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
          gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
          if (group == NULL)
            group = GTK_CHECK_BUTTON (check);
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                       self->company_key != NULL &&
                                       g_ascii_strcasecmp (company->id, self->company_key) == 0);
          g_object_set_data_full (G_OBJECT (check), "pb-key", g_strdup (company->id), g_free);
          g_signal_connect_object (check, "toggled", G_CALLBACK (on_company_toggled_cb), self, G_CONNECT_SWAPPED);
          add_company_row (self, company->name, number, check, company->id);
        }
    }
  self->loading = FALSE;

  adw_preferences_group_set_description (self->company_group, description);
  gtk_widget_set_visible (GTK_WIDGET (self->companies_button), self->companies == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->company_group), TRUE);
}

static void
on_companies_listed_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(Check) check = user_data;
  PbConnectionAuthEditor *self = check->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) companies = pb_connections_list_companies_finish (result, &error);
  gboolean known = FALSE;

  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      check->cancellable != self->check_cancellable)
    return;

  g_clear_object (&self->check_cancellable);

  if (companies == NULL)
    {
      pb_connection_auth_editor_show_error (self, error);
      return;
    }

  g_clear_pointer (&self->companies, g_ptr_array_unref);
  self->companies = g_steal_pointer (&companies);

  /* The one chosen before stays chosen if it is still there; one alone
   * is chosen for the user; none cannot be connected to. */
  for (guint i = 0; i < self->companies->len && self->company_key != NULL; i++)
    known |= g_ascii_strcasecmp (((PbRemoteCompany *) g_ptr_array_index (self->companies, i))->id,
                                 self->company_key) == 0;
  if (!known)
    g_clear_pointer (&self->company_key, g_free);
  if (self->company_key == NULL && self->companies->len == 1)
    self->company_key = g_strdup (((PbRemoteCompany *) g_ptr_array_index (self->companies, 0))->id);

  show_companies (self);
  update_complete (self);

  if (self->companies->len == 0)
    {
      g_autoptr(GError) none = g_error_new (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FORBIDDEN,
                                            _("This %s user may not act on any company. Ask an administrator "
                                              "in %s to give the user access to the company, or sign in as "
                                              "another user."),
                                            self->klass->display_name, self->klass->display_name);

      pb_connection_auth_editor_show_error (self, none);
      return;
    }

  set_state (self, PB_AUTH_EDITOR_UNCHECKED);
  if (self->company_key != NULL)
    pb_connection_auth_editor_check (self);
  else
    update_actions (self);
}

/* Asks the payroll system which companies the user may act on, with the
 * tokens of the sign-in (or, in the settings, the keyring's). */
static void
list_companies (PbConnectionAuthEditor *self)
{
  g_autoptr(PbConnection) connection = NULL;
  Check *check;

  if (!chooses_company (self) || pb_connection_auth_editor_get_busy (self))
    return;

  forget_check (self);
  connection = make_connection (self);
  self->check_cancellable = g_cancellable_new ();
  set_state (self, PB_AUTH_EDITOR_CHECKING);

  check = g_new0 (Check, 1);
  check->self = g_object_ref (self);
  check->cancellable = g_object_ref (self->check_cancellable);
  pb_connections_list_companies_async (connection, check->cancellable, on_companies_listed_cb, check);
}

static void
list_companies_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  list_companies (PB_CONNECTION_AUTH_EDITOR (widget));
}

static void
on_field_changed_cb (PbConnectionAuthEditor *self,
                     GtkEditable            *editable)
{
  if (self->loading)
    return;

  if (self->check_cancellable != NULL)
    {
      g_cancellable_cancel (self->check_cancellable);
      g_clear_object (&self->check_cancellable);
      set_state (self, PB_AUTH_EDITOR_UNCHECKED);
    }

  /* Tokens from another address or tenant say nothing about these, nor
   * the companies they listed. */
  self->signed_in = FALSE;
  forget_check (self);
  if (self->companies != NULL)
    {
      g_clear_pointer (&self->companies, g_ptr_array_unref);
      g_free (self->company_key);
      self->company_key = self->connection != NULL ? g_strdup (self->connection->tenant_id) : NULL;
      show_companies (self);
    }
  update_complete (self);
}

static void
on_authority_toggled_cb (PbConnectionAuthEditor *self,
                         GtkCheckButton         *check)
{
  update_complete (self);
}

static void
check_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  pb_connection_auth_editor_check (PB_CONNECTION_AUTH_EDITOR (widget));
}

/* What a sign-in's callbacks hold on to. */
typedef struct
{
  PbConnectionAuthEditor *self;         /* (owned) */
  GCancellable           *cancellable;  /* (owned): identifies the attempt */
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_object_unref (sign_in->self);
  release_later (sign_in->cancellable);
  g_free (sign_in);
}

static void
on_sign_in_uri_cb (const char *uri,
                   gpointer    user_data)
{
  SignIn *sign_in = user_data;

  pb_connection_auth_editor_sign_in_uri (sign_in->self, sign_in->cancellable, uri);
}

static void
on_authorized_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SignIn *sign_in = user_data;
  g_autoptr(GError) error = NULL;

  pb_connections_authorize_finish (result, &error);
  pb_connection_auth_editor_sign_in_finish (sign_in->self, sign_in->cancellable, error);
  sign_in_free (sign_in);
}

/* ---------------------------------------------------------------------------
 * OAUTH2 SIGN-IN: the one function that talks to PbOAuth2.
 *
 * pb_connections_authorize_async() runs PbOAuth2 (authorization code with
 * PKCE S256 and a random state, RFC 8252: the system browser and a
 * loopback redirect on 127.0.0.1) for the saved @connection, with its
 * endpoint overrides and tenant, and keeps the tokens in the keyring under
 * the connection's id. They never pass through the UI. The authorization
 * URL comes back at once (the waiting page's "Copy Link", for when no
 * browser opens); the end, or the waiting page's Cancel through
 * @cancellable, comes to pb_connection_auth_editor_sign_in_finish().
 * ------------------------------------------------------------------------- */
static void
oauth2_sign_in (PbConnectionAuthEditor *self,
                PbStore                *store,
                PbConnection           *connection,
                GCancellable           *cancellable)
{
  SignIn *sign_in;

  if (store == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FAILED,
                                                     _("There is no register to keep the connection in"));

      pb_connection_auth_editor_sign_in_finish (self, cancellable, error);
      return;
    }

  sign_in = g_new0 (SignIn, 1);
  sign_in->self = g_object_ref (self);
  sign_in->cancellable = g_object_ref (cancellable);
  pb_connections_authorize_async (store, connection, TRUE, on_sign_in_uri_cb, sign_in,
                                  cancellable, on_authorized_cb, sign_in);
}

static void
start_sign_in (PbConnectionAuthEditor *self)
{
  g_autoptr(PbConnection) connection = make_connection (self);
  g_autoptr(GCancellable) cancellable = g_object_ref (self->sign_in_cancellable);

  if (connection->id == 0)
    {
      g_autoptr(GError) error = g_error_new_literal (PB_PROVIDER_ERROR, PB_PROVIDER_ERROR_FAILED,
                                                     _("The connection must be saved before signing in"));

      pb_connection_auth_editor_sign_in_finish (self, cancellable, error);
      return;
    }

  sign_in_func (self, self->store, connection, cancellable);
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PbConnectionAuthEditor *self = PB_CONNECTION_AUTH_EDITOR (widget);
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  if (self->klass == NULL || !is_oauth2 (self) || pb_connection_auth_editor_get_busy (self))
    return;

  forget_check (self);
  self->signed_in = FALSE;
  g_clear_pointer (&self->sign_in_uri, g_free);
  g_clear_object (&self->sign_in_cancellable);
  self->sign_in_cancellable = g_cancellable_new ();

  title = g_strdup_printf (_("Waiting for %s"), self->klass->display_name);
  description = g_strdup_printf (_("Sign in to %s in your browser and allow Paybridge access. If no browser "
                                   "opened, copy the link and open it in one yourself."),
                                 self->klass->display_name);
  gtk_label_set_label (self->waiting_title, title);
  gtk_label_set_label (self->waiting_description, description);
  set_state (self, PB_AUTH_EDITOR_SIGNING_IN);
  update_complete (self);

  /* The tokens are kept under the connection's id: a new connection is
   * saved first, by whoever set it up (the assistant), which then calls
   * pb_connection_auth_editor_sign_in_with(). */
  if (self->connection != NULL || self->provisional != NULL)
    start_sign_in (self);
  else
    g_signal_emit (self, signals [PREPARE_SIGN_IN], 0);
}

static void
cancel_sign_in_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PbConnectionAuthEditor *self = PB_CONNECTION_AUTH_EDITOR (widget);
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GError) error = NULL;

  if (self->sign_in_cancellable == NULL)
    return;

  cancellable = g_object_ref (self->sign_in_cancellable);
  g_cancellable_cancel (cancellable);
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
  pb_connection_auth_editor_sign_in_finish (self, cancellable, error);
}

static void
copy_link_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PbConnectionAuthEditor *self = PB_CONNECTION_AUTH_EDITOR (widget);

  if (self->sign_in_uri == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->sign_in_uri);
  gtk_button_set_label (self->copy_link_button, _("Link Copied"));
}

static void
pb_connection_auth_editor_dispose (GObject *object)
{
  PbConnectionAuthEditor *self = (PbConnectionAuthEditor *)object;

  self->disposed = TRUE;
  g_cancellable_cancel (self->check_cancellable);
  g_cancellable_cancel (self->sign_in_cancellable);
  g_clear_object (&self->check_cancellable);
  g_clear_object (&self->sign_in_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), PB_TYPE_CONNECTION_AUTH_EDITOR);

  g_clear_pointer (&self->klass, g_type_class_unref);
  g_clear_object (&self->connection);
  g_clear_object (&self->provisional);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pb_connection_auth_editor_parent_class)->dispose (object);
}

static void
pb_connection_auth_editor_finalize (GObject *object)
{
  PbConnectionAuthEditor *self = (PbConnectionAuthEditor *)object;

  g_clear_pointer (&self->secret_rows, g_ptr_array_unref);
  g_clear_pointer (&self->company_rows, g_ptr_array_unref);
  g_clear_pointer (&self->companies, g_ptr_array_unref);
  g_free (self->company_key);
  g_free (self->company);
  g_free (self->currency);
  g_free (self->org_number);
  g_free (self->result);
  g_free (self->sign_in_uri);

  G_OBJECT_CLASS (pb_connection_auth_editor_parent_class)->finalize (object);
}

static void
pb_connection_auth_editor_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  PbConnectionAuthEditor *self = PB_CONNECTION_AUTH_EDITOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, pb_connection_auth_editor_get_busy (self));
      break;

    case PROP_COMPLETE:
      g_value_set_boolean (value, self->complete);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pb_connection_auth_editor_class_init (PbConnectionAuthEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pb_connection_auth_editor_dispose;
  object_class->finalize = pb_connection_auth_editor_finalize;
  object_class->get_property = pb_connection_auth_editor_get_property;

  /* A PbAuthEditorState. */
  properties [PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      PB_AUTH_EDITOR_UNCHECKED, PB_AUTH_EDITOR_SIGNING_IN, PB_AUTH_EDITOR_UNCHECKED,
                      (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* Checking or signing in: the windows hold their buttons meanwhile. */
  properties [PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* Everything needed to check is there. */
  properties [PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PbConnectionAuthEditor::prepare-sign-in:
   *
   * Signing in to a connection not saved yet (the assistant's): the
   * handler saves it and calls pb_connection_auth_editor_sign_in_with(),
   * or pb_connection_auth_editor_abort_sign_in() with why not.
   */
  signals [PREPARE_SIGN_IN] =
    g_signal_new ("prepare-sign-in",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "auth.check", NULL, check_action);
  gtk_widget_class_install_action (widget_class, "auth.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "auth.cancel-sign-in", NULL, cancel_sign_in_action);
  gtk_widget_class_install_action (widget_class, "auth.copy-link", NULL, copy_link_action);
  gtk_widget_class_install_action (widget_class, "auth.list-companies", NULL, list_companies_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, PB_RESOURCE_BASE "/ui/pb-connection-auth-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, stack);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, tokens_group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, oauth_group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, tenant_group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, tenant_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, authority_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, authority_check);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, company_group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, companies_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, check_group);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, check_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, check_spinner);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, check_button);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, result_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, result_icon);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, api_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, auth_url_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, token_url_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, client_id_row);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, waiting_title);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, waiting_description);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, waiting_spinner);
  gtk_widget_class_bind_template_child (widget_class, PbConnectionAuthEditor, copy_link_button);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_authority_toggled_cb);
}

static void
pb_connection_auth_editor_init (PbConnectionAuthEditor *self)
{
  self->secret_rows = g_ptr_array_new ();
  self->company_rows = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  update_actions (self);
}

/* Describes the token rows and the Check row for the connector, and for
 * a new or a saved connection. */
static void
update_descriptions (PbConnectionAuthEditor *self)
{
  const char *system = self->klass->display_name;
  g_autofree char *tokens = NULL;
  g_autofree char *check = NULL;

  if (self->connection == NULL)
    {
      tokens = g_strdup_printf (_("Paste the tokens from %s. Paybridge keeps them in your keyring and "
                                  "nowhere else."), system);
      check = g_strdup_printf (_("Asks %s which company the tokens open. Nothing is saved yet."), system);
    }
  else
    {
      tokens = g_strdup (_("Leave these empty to keep the tokens in your keyring, or paste new ones to "
                           "replace them."));
      check = g_strdup_printf (_("Asks %s which company the tokens open"), system);
    }

  if (is_oauth2 (self))
    {
      g_free (check);
      check = g_strdup_printf (_("Asks %s which company you are signed in to"), system);
    }

  adw_preferences_group_set_description (self->tokens_group, tokens);
  adw_action_row_set_subtitle (self->check_row, check);
  update_sign_in (self);
}

/**
 * pb_connection_auth_editor_set_class:
 *
 * Shows the fields @klass asks for: its API tokens, or its sign-in, and a
 * tenant ID if it wants one.
 */
void
pb_connection_auth_editor_set_class (PbConnectionAuthEditor *self,
                                     PbProviderClass        *klass)
{
  gboolean oauth2;

  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));
  g_return_if_fail (klass != NULL);

  if (self->klass == klass)
    return;

  pb_connection_auth_editor_cancel (self);
  g_clear_pointer (&self->klass, g_type_class_unref);
  self->klass = g_type_class_ref (G_TYPE_FROM_CLASS (klass));
  self->signed_in = FALSE;
  g_clear_object (&self->provisional);
  oauth2 = klass->auth_kind == PB_AUTH_OAUTH2;

  self->loading = TRUE;

  for (guint i = 0; i < self->secret_rows->len; i++)
    adw_preferences_group_remove (self->tokens_group, g_ptr_array_index (self->secret_rows, i));
  g_ptr_array_set_size (self->secret_rows, 0);

  /* One row per secret the user pastes; list rows are the only widgets
   * made in C, and these come from the connector's list of kinds. */
  for (guint i = 0; klass->secret_kinds != NULL && klass->secret_kinds[i] != NULL; i++)
    {
      const char *kind = klass->secret_kinds[i];
      g_autofree char *title = NULL;
      GtkWidget *row;

      if (!pb_connection_class_is_secret_kind (klass, kind))
        continue;

      title = pb_connection_format_secret_kind (kind);
      row = adw_password_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_widget_set_name (row, kind);
      g_object_set_data_full (G_OBJECT (row), "pb-kind", g_strdup (kind), g_free);
      g_signal_connect_object (row, "changed", G_CALLBACK (on_field_changed_cb), self, G_CONNECT_SWAPPED);
      adw_preferences_group_add (self->tokens_group, row);
      g_ptr_array_add (self->secret_rows, row);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->tokens_group), self->secret_rows->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->oauth_group), oauth2);
  gtk_widget_set_visible (GTK_WIDGET (self->tenant_group), pb_connection_class_wants_tenant_id (klass));
  gtk_widget_set_visible (GTK_WIDGET (self->auth_url_row), oauth2);
  gtk_widget_set_visible (GTK_WIDGET (self->token_url_row), oauth2);
  gtk_widget_set_visible (GTK_WIDGET (self->client_id_row), oauth2);

  gtk_editable_set_text (GTK_EDITABLE (self->api_row),
                         self->connection != NULL && self->connection->base_url != NULL
                           ? self->connection->base_url : klass->default_base_url ?: "");

  self->loading = FALSE;

  update_descriptions (self);
  forget_check (self);
  pb_connection_auth_editor_set_connection (self, self->connection);
}

/**
 * pb_connection_auth_editor_set_connection:
 * @connection: (nullable): the saved connection (settings), or %NULL for a
 *   new one (assistant)
 */
void
pb_connection_auth_editor_set_connection (PbConnectionAuthEditor *self,
                                          PbConnection           *connection)
{
  gboolean oauth2;

  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));
  g_return_if_fail (connection == NULL || PB_IS_CONNECTION (connection));

  g_set_object (&self->connection, connection);
  if (self->klass == NULL)
    return;

  oauth2 = is_oauth2 (self);

  self->loading = TRUE;
  for (guint i = 0; i < self->secret_rows->len; i++)
    gtk_editable_set_text (g_ptr_array_index (self->secret_rows, i), "");
  if (connection != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->tenant_row), connection->tenant_id ?: "");
      /* Confirmed when the connection was set up with its tenant. */
      gtk_check_button_set_active (self->authority_check, connection->tenant_id != NULL);
      gtk_editable_set_text (GTK_EDITABLE (self->api_row),
                             connection->base_url ?: self->klass->default_base_url ?: "");
      gtk_editable_set_text (GTK_EDITABLE (self->auth_url_row), connection->auth_url ?: "");
      gtk_editable_set_text (GTK_EDITABLE (self->token_url_row), connection->token_url ?: "");
      gtk_editable_set_text (GTK_EDITABLE (self->client_id_row), connection->client_id ?: "");
    }
  self->loading = FALSE;

  /* The company the connection works in, until another is chosen. */
  g_clear_pointer (&self->companies, g_ptr_array_unref);
  g_free (self->company_key);
  self->company_key = chooses_company (self) && connection != NULL ? g_strdup (connection->tenant_id) : NULL;
  show_companies (self);

  /* A new OAuth2 connection has nothing to check before signing in. */
  gtk_widget_set_visible (GTK_WIDGET (self->check_row), !oauth2 || connection != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->check_group), !oauth2 || connection != NULL);

  update_descriptions (self);
  forget_check (self);
  update_complete (self);
}

PbAuthEditorState
pb_connection_auth_editor_get_state (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), PB_AUTH_EDITOR_UNCHECKED);

  return self->state;
}

gboolean
pb_connection_auth_editor_get_busy (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), FALSE);

  return self->state == PB_AUTH_EDITOR_CHECKING || self->state == PB_AUTH_EDITOR_SIGNING_IN;
}

gboolean
pb_connection_auth_editor_get_complete (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), FALSE);

  return self->complete;
}

/**
 * pb_connection_auth_editor_has_new_secrets:
 *
 * Returns: whether saving would put something new in the keyring
 */
gboolean
pb_connection_auth_editor_has_new_secrets (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), FALSE);

  return count_filled_rows (self) > 0 || self->signed_in || company_changed (self) ||
         (self->connection == NULL ? wants_tenant (self) : tenant_changed (self));
}

/**
 * pb_connection_auth_editor_dup_secrets:
 *
 * Returns: (transfer full) (nullable): secret kind -> value, every secret
 *   the connector needs; %NULL when nothing new was entered (settings: the
 *   keyring's are kept)
 */
GHashTable *
pb_connection_auth_editor_dup_secrets (PbConnectionAuthEditor *self)
{
  GHashTable *secrets;

  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), NULL);

  if (!pb_connection_auth_editor_has_new_secrets (self))
    return NULL;

  secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < self->secret_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->secret_rows, i);
      const char *value = gtk_editable_get_text (GTK_EDITABLE (row));

      if (*value != '\0')
        g_hash_table_insert (secrets, g_strdup (g_object_get_data (G_OBJECT (row), "pb-kind")),
                             g_strstrip (g_strdup (value)));
    }

  if (wants_tenant (self))
    g_hash_table_insert (secrets, g_strdup (PB_SECRET_KIND_TENANT_ID), dup_stripped (self->tenant_row));

  /* OAuth2's tokens are in the keyring already (PbOAuth2 put them there). */
  if (g_hash_table_size (secrets) == 0)
    g_clear_pointer (&secrets, g_hash_table_unref);

  return secrets;
}

/**
 * pb_connection_auth_editor_apply:
 *
 * Writes the addresses, the OAuth2 client ID and the tenant ID (or the
 * chosen company's key) into @connection. The connector's production
 * address and own client ID are stored as "no override".
 */
void
pb_connection_auth_editor_apply (PbConnectionAuthEditor *self,
                                 PbConnection           *connection)
{
  g_autofree char *base_url = NULL;
  g_autofree char *auth_url = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *client_id = NULL;

  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));
  g_return_if_fail (PB_IS_CONNECTION (connection));

  base_url = dup_stripped (self->api_row);
  auth_url = dup_stripped (self->auth_url_row);
  token_url = dup_stripped (self->token_url_row);
  client_id = dup_stripped (self->client_id_row);

  g_free (connection->base_url);
  connection->base_url = *base_url == '\0' || (self->klass != NULL &&
                                               g_strcmp0 (base_url, self->klass->default_base_url) == 0)
                           ? NULL : g_steal_pointer (&base_url);

  if (is_oauth2 (self))
    {
      g_free (connection->auth_url);
      connection->auth_url = *auth_url == '\0' ? NULL : g_steal_pointer (&auth_url);
      g_free (connection->token_url);
      connection->token_url = *token_url == '\0' ? NULL : g_steal_pointer (&token_url);
      /* The client Paybridge is registered as, unless changed (as
       * `--client-id` does: a sandbox or a company's own registration). */
      g_free (connection->client_id);
      connection->client_id = *client_id == '\0' || (self->klass != NULL &&
                                                     g_strcmp0 (client_id, self->klass->oauth2_client_id) == 0)
                                ? NULL : g_steal_pointer (&client_id);
    }

  if (wants_tenant (self))
    {
      g_free (connection->tenant_id);
      connection->tenant_id = dup_stripped (self->tenant_row);
    }
  else if (chooses_company (self))
    {
      /* Issue 15: the chosen company's key names every request. */
      g_free (connection->tenant_id);
      connection->tenant_id = g_strdup (self->company_key);
    }
}

/**
 * pb_connection_auth_editor_check:
 *
 * Asks the payroll system which company the entered secrets (or, in the
 * settings, the keyring's) open. The state becomes VERIFIED with the
 * company's name and currency, or FAILED with what went wrong.
 */
void
pb_connection_auth_editor_check (PbConnectionAuthEditor *self)
{
  g_autoptr(PbConnection) connection = NULL;
  g_autoptr(GHashTable) secrets = NULL;
  Check *check;

  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (!self->complete || pb_connection_auth_editor_get_busy (self))
    return;

  forget_check (self);
  connection = make_connection (self);
  secrets = pb_connection_auth_editor_dup_secrets (self);
  self->check_cancellable = g_cancellable_new ();
  set_state (self, PB_AUTH_EDITOR_CHECKING);

  check = g_new0 (Check, 1);
  check->self = g_object_ref (self);
  check->cancellable = g_object_ref (self->check_cancellable);
  pb_connections_verify_async (connection, secrets, check->cancellable, on_verified_cb, check);
}

/**
 * pb_connection_auth_editor_cancel:
 *
 * Stops a check or a sign-in in progress.
 */
void
pb_connection_auth_editor_cancel (PbConnectionAuthEditor *self)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (self->sign_in_cancellable != NULL)
    cancel_sign_in_action (GTK_WIDGET (self), NULL, NULL);

  if (self->check_cancellable != NULL)
    {
      g_cancellable_cancel (self->check_cancellable);
      g_clear_object (&self->check_cancellable);
      set_state (self, PB_AUTH_EDITOR_UNCHECKED);
    }
}

const char *
pb_connection_auth_editor_get_company (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), NULL);

  return self->company;
}

const char *
pb_connection_auth_editor_get_currency (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), NULL);

  return self->currency;
}

/* The verified company's organisation number, if the system gave one. */
const char *
pb_connection_auth_editor_get_org_number (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), NULL);

  return self->org_number;
}

/**
 * pb_connection_auth_editor_get_result:
 *
 * Returns: (nullable): what the result row says: "Sandbox AS (NOK)", or
 *   the heading of what went wrong
 */
const char *
pb_connection_auth_editor_get_result (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), NULL);

  return self->result;
}

/**
 * pb_connection_auth_editor_show_error:
 *
 * Shows @error as the outcome of the check, e.g. when saving found the
 * credentials refused after all.
 */
void
pb_connection_auth_editor_show_error (PbConnectionAuthEditor *self,
                                      const GError           *error)
{
  g_autofree char *heading = NULL;
  gboolean keyring;

  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));
  g_return_if_fail (error != NULL);

  heading = describe_error (self, error);
  keyring = error->domain == PB_SECRETS_ERROR && error->code != PB_SECRETS_ERROR_UNAVAILABLE;
  g_clear_pointer (&self->company, g_free);
  g_clear_pointer (&self->currency, g_free);
  g_clear_pointer (&self->org_number, g_free);
  show_result (self, keyring ? "dialog-warning-symbolic" : "dialog-error-symbolic",
               keyring ? "warning" : "error", heading, error->message);
  set_state (self, PB_AUTH_EDITOR_FAILED);
}

/**
 * pb_connection_auth_editor_show_notice:
 *
 * Shows a warning where the check's outcome goes, e.g. that the keyring
 * lost the tokens and they must be entered again.
 */
void
pb_connection_auth_editor_show_notice (PbConnectionAuthEditor *self,
                                       const char             *heading,
                                       const char             *message)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  show_result (self, "dialog-warning-symbolic", "warning", heading, message);
}

/**
 * pb_connection_auth_editor_set_secret:
 *
 * Fills in the row of @kind, as pasting would.
 */
void
pb_connection_auth_editor_set_secret (PbConnectionAuthEditor *self,
                                      const char             *kind,
                                      const char             *value)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (g_strcmp0 (kind, PB_SECRET_KIND_TENANT_ID) == 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->tenant_row), value ?: "");
      return;
    }

  for (guint i = 0; i < self->secret_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->secret_rows, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "pb-kind"), kind) == 0)
        {
          gtk_editable_set_text (GTK_EDITABLE (row), value ?: "");
          return;
        }
    }

  g_warning ("The connector asks for no “%s”", kind);
}

void
pb_connection_auth_editor_set_base_url (PbConnectionAuthEditor *self,
                                        const char             *url)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  gtk_editable_set_text (GTK_EDITABLE (self->api_row), url ?: "");
}

void
pb_connection_auth_editor_focus (PbConnectionAuthEditor *self)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (self->secret_rows->len > 0)
    gtk_widget_grab_focus (g_ptr_array_index (self->secret_rows, 0));
  else if (is_oauth2 (self))
    gtk_widget_grab_focus (GTK_WIDGET (self->sign_in_button));
}

/* --- the OAuth2 seam (pb-connection-auth-editor-private.h) ----------------------- */

/**
 * pb_connection_auth_editor_set_sign_in_func:
 * @func: (nullable): what signs in; %NULL: oauth2_sign_in()
 */
void
pb_connection_auth_editor_set_sign_in_func (PbSignInFunc func)
{
  sign_in_func = func != NULL ? func : oauth2_sign_in;
}

void
pb_connection_auth_editor_sign_in_uri (PbConnectionAuthEditor *self,
                                       GCancellable           *cancellable,
                                       const char             *uri)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (self->disposed || cancellable == NULL || cancellable != self->sign_in_cancellable)
    return;

  g_free (self->sign_in_uri);
  self->sign_in_uri = g_strdup (uri);
  update_actions (self);
}

/**
 * pb_connection_auth_editor_sign_in_finish:
 * @error: (nullable): why it did not work; %NULL: the keyring has the tokens
 *
 * Ends the sign-in that @cancellable belongs to; a late answer of an
 * attempt already cancelled or replaced is ignored. Success checks the
 * new tokens at once, to show which company they open.
 */
void
pb_connection_auth_editor_sign_in_finish (PbConnectionAuthEditor *self,
                                          GCancellable           *cancellable,
                                          const GError           *error)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (self->disposed || cancellable == NULL || cancellable != self->sign_in_cancellable)
    return;

  g_clear_object (&self->sign_in_cancellable);
  g_clear_pointer (&self->sign_in_uri, g_free);
  set_state (self, PB_AUTH_EDITOR_UNCHECKED);

  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pb_connection_auth_editor_show_error (self, error);
      update_complete (self);
      return;
    }

  self->signed_in = TRUE;
  update_complete (self);
  /* Issue 15: first the company, then the check in it. */
  if (chooses_company (self))
    list_companies (self);
  else
    pb_connection_auth_editor_check (self);
}

const char *
pb_connection_auth_editor_get_sign_in_uri (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), NULL);

  return self->sign_in_uri;
}

/**
 * pb_connection_auth_editor_sign_in_with:
 * @connection: the connection, saved for signing in (see
 *   #PbConnectionAuthEditor::prepare-sign-in)
 */
void
pb_connection_auth_editor_sign_in_with (PbConnectionAuthEditor *self,
                                        PbConnection           *connection)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));
  g_return_if_fail (PB_IS_CONNECTION (connection));

  g_set_object (&self->provisional, connection);

  /* Cancelled while it was being saved. */
  if (self->state != PB_AUTH_EDITOR_SIGNING_IN || self->sign_in_cancellable == NULL)
    return;

  start_sign_in (self);
}

/**
 * pb_connection_auth_editor_abort_sign_in:
 *
 * Ends a sign-in that could not start, showing @error.
 */
void
pb_connection_auth_editor_abort_sign_in (PbConnectionAuthEditor *self,
                                         const GError           *error)
{
  g_autoptr(GCancellable) cancellable = NULL;

  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  if (self->sign_in_cancellable == NULL)
    return;

  cancellable = g_object_ref (self->sign_in_cancellable);
  pb_connection_auth_editor_sign_in_finish (self, cancellable, error);
}

/**
 * pb_connection_auth_editor_get_signed_in:
 *
 * Returns: whether a sign-in put new OAuth2 tokens in the keyring
 */
gboolean
pb_connection_auth_editor_get_signed_in (PbConnectionAuthEditor *self)
{
  g_return_val_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self), FALSE);

  return self->signed_in;
}

/**
 * pb_connection_auth_editor_set_store:
 * @store: (nullable): where signing in records a connection that signed in again
 */
void
pb_connection_auth_editor_set_store (PbConnectionAuthEditor *self,
                                     PbStore                *store)
{
  g_return_if_fail (PB_IS_CONNECTION_AUTH_EDITOR (self));

  g_set_object (&self->store, store);
}
