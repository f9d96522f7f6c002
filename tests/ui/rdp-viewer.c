/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rdp-viewer: a window with one PierRdpView, for the RDP tests and benchmark.
 *
 *   rdp-viewer [--scale] [--fingerprint FP] [--set-clipboard TEXT] [--quit-after S] TARGET
 *   rdp-viewer --make-certificate KEY CERT   (self-signed for CN "localhost"; prints its
 *                                             fingerprint)
 *   rdp-viewer --fingerprint-of CERT
 *
 * It reports on stdout, one line each, what the tests wait for:
 *   state connecting|connected|disconnected|error at MS ms   (since process start)
 *   error MESSAGE
 *   desktop-size WxH
 *   remote-clipboard TEXT
 *   first-frame-ms MS        (from process start to the first frame drawn)
 *   frames N                 (at exit: frames drawn)
 *   cpu-ms MS                (at exit: user + system CPU time of the process)
 */
#include "pier-rdp-view.h"
#include "pier-tls.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static gboolean opt_scale;
static char *opt_fingerprint;
static char *opt_user;
static char *opt_password;
static char *opt_set_clipboard;
static char *opt_title;
static int opt_quit_after;
static int opt_width = 1024;
static int opt_height = 768;
static gboolean opt_make_certificate;
static char *opt_fingerprint_of;

static GMainLoop *loop;
static GtkWidget *view;

static void
report (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
report (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

/* Milliseconds since this process started, from its start time in /proc (clock ticks since
 * boot) and CLOCK_BOOTTIME. */
static double
ms_since_process_start (void)
{
  g_autofree char *stat = NULL;
  const char *after_comm;
  g_auto (GStrv) fields = NULL;
  struct timespec now;
  double start_s;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL)
      || (after_comm = strrchr (stat, ')')) == NULL)
    return -1;
  fields = g_strsplit (after_comm + 2, " ", 0);
  /* starttime is field 22 of the line, the 20th after the command name. */
  if (g_strv_length (fields) < 20)
    return -1;
  start_s = g_ascii_strtod (fields[19], NULL) / (double) sysconf (_SC_CLK_TCK);
  clock_gettime (CLOCK_BOOTTIME, &now);
  return ((double) now.tv_sec + now.tv_nsec / 1e9 - start_s) * 1000.0;
}

static void
on_state (PierRdpSession *session, GParamSpec *pspec, gpointer data)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (PIER_TYPE_RDP_SESSION_STATE);
  PierRdpSessionState state = pier_rdp_session_get_state (session);

  report ("state %s at %.0f ms", g_enum_get_value (klass, (int) state)->value_nick,
          ms_since_process_start ());
  if (state == PIER_RDP_SESSION_STATE_ERROR)
    report ("error %s", pier_rdp_session_get_error (session));
  if (state == PIER_RDP_SESSION_STATE_CONNECTED && opt_set_clipboard != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (view), opt_set_clipboard);
}

static void
on_desktop_size (PierRdpSession *session, GParamSpec *pspec, gpointer data)
{
  report ("desktop-size %dx%d", pier_rdp_session_get_desktop_width (session),
          pier_rdp_session_get_desktop_height (session));
}

static void
on_remote_clipboard (PierRdpSession *session, const char *text, gpointer data)
{
  report ("remote-clipboard %s", text);
}

static void
on_frames_drawn (PierRdpView *rdp_view, GParamSpec *pspec, gpointer data)
{
  if (pier_rdp_view_get_frames_drawn (rdp_view) == 1)
    report ("first-frame-ms %.0f", ms_since_process_start ());
}

static gboolean
quit_now (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
on_close (GtkWindow *window, gpointer data)
{
  g_main_loop_quit (loop);
}

static int
print_certificate (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  const char *cert = opt_fingerprint_of;

  if (opt_make_certificate)
    {
      if (argc != 3)
        {
          fprintf (stderr, "rdp-viewer: --make-certificate takes KEY CERT\n");
          return 2;
        }
      if (!pier_tls_make_self_signed (argv[1], argv[2], "localhost", &error))
        goto failed;
      cert = argv[2];
    }
  fingerprint = pier_tls_certificate_fingerprint (cert, &error);
  if (fingerprint == NULL)
    goto failed;
  printf ("%s\n", fingerprint);
  return 0;

failed:
  fprintf (stderr, "rdp-viewer: %s\n", error->message);
  return 1;
}

int
main (int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "scale", 0, 0, G_OPTION_ARG_NONE, &opt_scale, "Scale the desktop to fit", NULL },
    { "fingerprint", 0, 0, G_OPTION_ARG_STRING, &opt_fingerprint,
      "Pinned certificate fingerprint", "sha256:HEX:…" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &opt_user, "User name", "NAME" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &opt_password, "Password", "PASSWORD" },
    { "set-clipboard", 0, 0, G_OPTION_ARG_STRING, &opt_set_clipboard,
      "Put TEXT on the local clipboard once connected", "TEXT" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &opt_title, "Window title", "TITLE" },
    { "width", 0, 0, G_OPTION_ARG_INT, &opt_width, "Window width", "PIXELS" },
    { "height", 0, 0, G_OPTION_ARG_INT, &opt_height, "Window height", "PIXELS" },
    { "quit-after", 0, 0, G_OPTION_ARG_INT, &opt_quit_after,
      "Quit after SECONDS, reporting frames drawn and CPU time", "SECONDS" },
    { "make-certificate", 0, 0, G_OPTION_ARG_NONE, &opt_make_certificate,
      "Make a key and self-signed certificate (arguments KEY CERT) and print its fingerprint",
      NULL },
    { "fingerprint-of", 0, 0, G_OPTION_ARG_FILENAME, &opt_fingerprint_of,
      "Print the fingerprint of a PEM certificate", "CERT" },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("TARGET");
  g_autoptr (GError) error = NULL;
  g_autoptr (PierRdpSession) session = NULL;
  GtkWidget *window;
  struct rusage usage;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      fprintf (stderr, "rdp-viewer: %s\n", error->message);
      return 2;
    }
  if (opt_make_certificate || opt_fingerprint_of != NULL)
    return print_certificate (argc, argv);
  if (argc != 2)
    {
      fprintf (stderr, "rdp-viewer: give one TARGET (host:port or socket path)\n");
      return 2;
    }
  loop = g_main_loop_new (NULL, FALSE);

  /* Connecting runs on the session's thread: start it first, so that it overlaps GTK's own
   * start-up. */
  session = pier_rdp_session_new (argv[1], opt_fingerprint);
  pier_rdp_session_set_credentials (session, opt_user, opt_password);
  g_signal_connect (session, "notify::state", G_CALLBACK (on_state), NULL);
  g_signal_connect (session, "notify::desktop-width", G_CALLBACK (on_desktop_size), NULL);
  g_signal_connect (session, "notify::desktop-height", G_CALLBACK (on_desktop_size), NULL);
  g_signal_connect (session, "remote-clipboard-text", G_CALLBACK (on_remote_clipboard), NULL);
  if (!opt_scale)
    pier_rdp_session_request_desktop_size (session, opt_width, opt_height);
  pier_rdp_session_connect (session);

  gtk_init ();

  view = pier_rdp_view_new (session);
  pier_rdp_view_set_scale_to_fit (PIER_RDP_VIEW (view), opt_scale);
  g_signal_connect (view, "notify::frames-drawn", G_CALLBACK (on_frames_drawn), NULL);

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), opt_title != NULL ? opt_title : "rdp-viewer");
  gtk_window_set_default_size (GTK_WINDOW (window), opt_width, opt_height);
  gtk_window_set_child (GTK_WINDOW (window), view);
  g_signal_connect (window, "close-request", G_CALLBACK (on_close), NULL);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (view);

  if (opt_quit_after > 0)
    g_timeout_add_seconds (opt_quit_after, quit_now, NULL);
  g_main_loop_run (loop);

  report ("frames %" G_GUINT64_FORMAT, pier_rdp_view_get_frames_drawn (PIER_RDP_VIEW (view)));
  getrusage (RUSAGE_SELF, &usage);
  report ("cpu-ms %.0f", (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
                             + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0);
  gtk_window_destroy (GTK_WINDOW (window));
  g_main_loop_unref (loop);
  return 0;
}
