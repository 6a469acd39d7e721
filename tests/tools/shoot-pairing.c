/* shoot-pairing.c: a screenshot of "Pair with…" open in Sync Users, for
 * docs/screenshots
 *
 * shoot-pairing EMAIL OUT.png
 *
 * Run by build-aux/run-demo --open sync-users-pair-menu, in the demo's
 * session (its register, keyring and settings) after `users plan`: starts
 * the app as run-demo would, opens the demo connection's Sync Users window,
 * goes to Only in HR and opens "Pair with…" on the person with EMAIL, then
 * saves the window with its popover (a window of its own on X11, so the
 * screen is taken and cut to the window). Not a test: a tool for the docs.
 *
 * Copyright 2026 The Paybridge authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <signal.h>

#include "pb-application.h"
#include "pb-matching-row.h"
#include "pb-matching-window-private.h"
#include "pb-window.h"

typedef struct
{
  const char       *email;
  PbMatchingWindow *window;
  PbMatchingRow    *row;
} Shot;

static gboolean
wait_until (gboolean (*done) (Shot *), Shot *shot)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!done (shot))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
window_open (Shot *shot)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (PB_IS_MATCHING_WINDOW (window) && gtk_widget_get_mapped (window))
        shot->window = PB_MATCHING_WINDOW (window);
    }
  return shot->window != NULL && g_strcmp0 (pb_matching_window_get_state (shot->window), "plan") == 0;
}

static PbMatchingRow *
find_row (GtkWidget  *widget,
          const char *email)
{
  if (PB_IS_MATCHING_ROW (widget) && gtk_widget_get_mapped (widget))
    {
      PbMatchingEntry *entry = pb_matching_row_get_entry (PB_MATCHING_ROW (widget));
      PbRecord *hr = entry != NULL ? pb_matching_entry_get_hr (entry) : NULL;

      if (hr != NULL && g_strcmp0 (pb_record_get_by_name (hr, "email"), email) == 0)
        return PB_MATCHING_ROW (widget);
    }

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      PbMatchingRow *row = find_row (c, email);

      if (row != NULL)
        return row;
    }
  return NULL;
}

static gboolean
row_shown (Shot *shot)
{
  shot->row = find_row (GTK_WIDGET (shot->window), shot->email);
  return shot->row != NULL;
}

/* Two frames drawn after the popover opened: it is on the screen. */
static gboolean
drawn (Shot *shot)
{
  static gint64 first;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (shot->window));

  if (clock == NULL)
    return FALSE;
  if (first == 0)
    first = gdk_frame_clock_get_frame_counter (clock);
  return gdk_frame_clock_get_frame_counter (clock) >= first + 2;
}

/* Where @widget's surface is on the screen. */
static GdkRectangle
root_rect (GtkWidget *widget)
{
  GdkSurface *surface = gtk_native_get_surface (gtk_widget_get_native (widget));
  Display *xdisplay = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  GdkRectangle rect = { 0, 0, gdk_surface_get_width (surface), gdk_surface_get_height (surface) };
  Window child;

  XTranslateCoordinates (xdisplay, gdk_x11_surface_get_xid (surface), DefaultRootWindow (xdisplay),
                         0, 0, &rect.x, &rect.y, &child);
  return rect;
}

int
main (int   argc,
      char *argv[])
{
  Shot shot = { argc > 2 ? argv[1] : NULL, NULL, NULL };
  const char *out = argc > 2 ? argv[2] : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *app_id = NULL;
  PbApplication *app;
  GtkWidget *stack;
  GdkRectangle window_rect, popover_rect;
  GPid compositor = 0;
  const char *compmgr[] = { "xcompmgr", NULL };

  if (out == NULL)
    {
      g_printerr ("usage: shoot-pairing EMAIL OUT.png\n");
      return 2;
    }

  /* Without a compositing manager a popover's shadow is black. */
  if (!g_spawn_async (NULL, (char **) compmgr, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                      &compositor, NULL))
    g_printerr ("shoot-pairing: no xcompmgr (apt-get install xcompmgr): the popover's shadow will be black\n");

  gtk_init ();
  adw_init ();

  app_id = g_strdup_printf ("%s.ShootPairing", APP_ID);
  app = pb_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_application_activate (G_APPLICATION (app));
  g_action_group_activate_action (G_ACTION_GROUP (app), "show-sync-users", g_variant_new_int64 (1));
  if (!wait_until (window_open, &shot))
    g_error ("Sync Users did not show the plan");

  stack = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (shot.window), PB_TYPE_MATCHING_WINDOW,
                                                     "view_stack"));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), "hr_only");
  if (!wait_until (row_shown, &shot))
    g_error ("%s is not in Only in HR", shot.email);
  gtk_menu_button_popup (pb_matching_row_get_pair_button (shot.row));
  if (!wait_until (drawn, &shot))
    g_error ("the window is not drawn");

  /* The popover is a window of its own: take the screen, cut to the
   * window and the popover. */
  window_rect = root_rect (GTK_WIDGET (shot.window));
  popover_rect = root_rect (GTK_WIDGET (gtk_menu_button_get_popover (pb_matching_row_get_pair_button (shot.row))));
  gdk_rectangle_union (&window_rect, &popover_rect, &window_rect);
  command = g_strdup_printf ("import -window root -crop %dx%d+%d+%d +repage %s", window_rect.width,
                             window_rect.height, window_rect.x, window_rect.y, out);
  if (system (command) != 0)
    g_error ("%s failed", command);

  if (compositor != 0)
    kill (compositor, SIGTERM);
  return 0;
}
