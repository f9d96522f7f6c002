/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gui-window-bench: Pier's graphical session window (PierGuiWindow) alone, for bench-gui.sh.
 *
 *   gui-window-bench --root DIR --runroot DIR [--app CMD] [--width W --height H]
 *                    [--quit-after S] CONTAINER
 *
 * Opens CONTAINER's session as "Open graphical session" does (with --app: starts CMD, and
 * Weston if none runs, as a first open does) and reports on stdout, one line each:
 *   session-open-ms MS  (from the engine call's start to its answer: the view exists)
 *   connected-ms MS     (… to the RDP connection being up)
 *   first-frame-ms MS   (… to the first frame drawn)
 *   desktop-size WxH    (at exit, also on SIGTERM: the remote desktop's)
 *   frames N            (at exit: frames drawn)
 *   cpu-ms MS           (at exit: user + system CPU time of the process)
 */
#include "pier-gui-window.h"
#include "pier-local-engine.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

static char *opt_root;
static char *opt_runroot;
static char *opt_app;
static int opt_width = 1280;
static int opt_height = 720;
static int opt_quit_after;

static GMainLoop *loop;
static gint64 open_start_us;

static void
on_frames_drawn (PierRdpView *view, GParamSpec *pspec, gpointer data)
{
  if (pier_rdp_view_get_frames_drawn (view) == 1)
    {
      printf ("first-frame-ms %.0f\n", (g_get_monotonic_time () - open_start_us) / 1000.0);
      fflush (stdout);
    }
}

static void
on_state (PierRdpSession *session, GParamSpec *pspec, gpointer data)
{
  if (pier_rdp_session_get_state (session) == PIER_RDP_SESSION_STATE_CONNECTED)
    {
      printf ("connected-ms %.0f\n", (g_get_monotonic_time () - open_start_us) / 1000.0);
      fflush (stdout);
    }
}

static void
on_view (PierGuiWindow *window, GParamSpec *pspec, gpointer data)
{
  PierRdpView *view = pier_gui_window_get_view (window);

  if (view == NULL)
    return;
  printf ("session-open-ms %.0f\n", (g_get_monotonic_time () - open_start_us) / 1000.0);
  g_signal_connect (view, "notify::frames-drawn", G_CALLBACK (on_frames_drawn), NULL);
  g_signal_connect (pier_rdp_view_get_session (view), "notify::state", G_CALLBACK (on_state),
                    NULL);
}

static gboolean
quit_now (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_close (GtkWindow *window, gpointer data)
{
  g_main_loop_quit (loop);
  return FALSE;
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &opt_root, "Store directory", "DIR" },
    { "runroot", 0, 0, G_OPTION_ARG_FILENAME, &opt_runroot, "Runtime state directory", "DIR" },
    { "app", 0, 0, G_OPTION_ARG_STRING, &opt_app, "Start this app (shell words)", "CMD" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "The view's width", "PIXELS" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "The view's height", "PIXELS" },
    { "quit-after", 0, 0, G_OPTION_ARG_INT, &opt_quit_after,
      "Quit after SECONDS, reporting frames drawn and CPU time", "SECONDS" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("CONTAINER");
  g_autoptr (GError) error = NULL;
  g_autoptr (PierLocalEngine) engine = NULL;
  g_autoptr (PierContainerInfo) container = NULL;
  g_auto (GStrv) app = NULL;
  PierGraphicalOptions options = { .join_running = TRUE };
  GtkWidget *window;
  PierRdpView *view;
  struct rusage usage;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || opt_root == NULL
      || opt_runroot == NULL)
    {
      fprintf (stderr, "gui-window-bench: %s\n",
               error != NULL ? error->message : "give --root, --runroot and one CONTAINER");
      return 2;
    }
  if (opt_app != NULL && !g_shell_parse_argv (opt_app, NULL, &app, &error))
    {
      fprintf (stderr, "gui-window-bench: --app: %s\n", error->message);
      return 2;
    }
  engine = pier_local_engine_new (opt_root, opt_runroot);
  container = pier_engine_get_container (PIER_ENGINE (engine), argv[1], FALSE, NULL, &error);
  if (container == NULL)
    {
      fprintf (stderr, "gui-window-bench: %s\n", error->message);
      return 1;
    }
  gtk_init ();
  adw_init ();
  loop = g_main_loop_new (NULL, FALSE);

  options.app = (const char *const *) app;
  options.join_running = app == NULL;
  options.width = opt_width;
  options.height = opt_height;
  open_start_us = g_get_monotonic_time ();
  window = pier_gui_window_new (PIER_ENGINE (engine), container->id, container->name, &options);
  g_signal_connect (window, "notify::view", G_CALLBACK (on_view), NULL);
  /* Under Xvfb, with no window manager, GTK's own frame takes 5 pixels on each side and the
   * header bar 47 more at the top: the window is sized so that the view gets the size asked. */
  gtk_window_set_default_size (GTK_WINDOW (window), opt_width + 10, opt_height + 57);
  g_signal_connect (window, "close-request", G_CALLBACK (on_close), NULL);
  gtk_window_present (GTK_WINDOW (window));
  if (opt_quit_after > 0)
    g_timeout_add_seconds (opt_quit_after, quit_now, NULL);
  /* The benchmark ends a run with SIGTERM: the figures are still reported. */
  g_unix_signal_add (SIGTERM, quit_now, NULL);
  g_main_loop_run (loop);

  view = pier_gui_window_get_view (PIER_GUI_WINDOW (window));
  if (view != NULL)
    printf ("desktop-size %dx%d\n",
            pier_rdp_session_get_desktop_width (pier_rdp_view_get_session (view)),
            pier_rdp_session_get_desktop_height (pier_rdp_view_get_session (view)));
  printf ("frames %" G_GUINT64_FORMAT "\n", view != NULL ? pier_rdp_view_get_frames_drawn (view) : 0);
  getrusage (RUSAGE_SELF, &usage);
  printf ("cpu-ms %.0f\n", (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
                               + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0);
  gtk_window_destroy (GTK_WINDOW (window));
  g_main_loop_unref (loop);
  return 0;
}
