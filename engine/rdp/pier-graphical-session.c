/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Graphical sessions: an RDP server in the container, a relay to it, an app in a new session. */
#include "pier-graphical-session.h"

#include "pier-container-processes.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-graphical-files-private.h"
#include "pier-graphical-record-private.h"
#include "pier-i18n.h"
#include "pier-lock.h"
#include "pier-pidfd.h"
#include "pier-rdp-probe-private.h"
#include "pier-rdp-relay.h"
#include "pier-tls.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Names in the container's runtime state directory. */
#define SOCKET_NAME "rdp.sock"
#define LOCK_NAME "rdp.lock"
#define SERVER_LOG_NAME "rdp-server.log"
#define APP_LOG_NAME "gui.log"

#define SERVER_READY_TIMEOUT_MS 20000
#define XWAYLAND_READY_TIMEOUT_MS 5000
#define POLL_INTERVAL_MS 25

/* Weston's desktop: its panel on top, a plain background (what the tests look for), and never
 * the lock screen, which a remote session has no way to unlock. */
static const char weston_ini[] =
  "[core]\n"
  "shell=desktop-shell.so\n"
  "idle-time=0\n"
  "\n"
  "[shell]\n"
  "panel-position=top\n"
  "background-color=0xff204060\n"
  "locking=false\n";

void
pier_graphical_session_info_clear (PierGraphicalSessionInfo *info)
{
  g_clear_pointer (&info->socket_path, g_free);
  g_clear_pointer (&info->fingerprint, g_free);
  g_clear_pointer (&info->display, g_free);
}

/* ---- logs in the state directory ---- */

static int
open_log (int state_fd, const char *name, gboolean truncate, GError **error)
{
  int fd = openat (state_fd, name,
                   O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0600);
  if (fd < 0)
    pier_set_errno (error, errno, _("opening %s"), name);
  return fd;
}

/* The last lines of a log, for an error message. */
static char *
log_tail (int state_fd, const char *name, guint n_lines)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n, first;

  if (!pier_fs_read_all_at (state_fd, name, 1024 * 1024, &text, NULL, NULL))
    return g_strdup ("(no output)");
  g_strstrip (text);
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  first = n > n_lines ? n - n_lines : 0;
  return g_strjoinv ("\n", lines + first);
}

/* ---- Pier's Weston ---- */

/* The container's key and certificate, made once and kept with the container, so that the
 * fingerprint a user pinned stays valid across restarts. */
static gboolean
ensure_certificate (PierGraphicalTarget *target, char **key_pem, gsize *key_len,
                    char **cert_pem, gsize *cert_len, char **fingerprint, GError **error)
{
  const char *dir = target->certificate_dir;
  g_autofree char *key = g_build_filename (dir, "tls.key", NULL);
  g_autofree char *cert = g_build_filename (dir, "tls.crt", NULL);

  if (!pier_fs_mkdir_p (dir, 0700, error))
    return FALSE;
  if ((!g_file_test (key, G_FILE_TEST_EXISTS) || !g_file_test (cert, G_FILE_TEST_EXISTS))
      && !pier_tls_make_self_signed (key, cert, target->hostname, error))
    {
      g_prefix_error (error, _("making the container's RDP certificate: "));
      return FALSE;
    }
  if (!g_file_get_contents (key, key_pem, key_len, error)
      || !g_file_get_contents (cert, cert_pem, cert_len, error))
    return FALSE;
  *fingerprint = pier_tls_certificate_fingerprint_from_pem (*cert_pem, *cert_len, error);
  return *fingerprint != NULL;
}

/* "xserver listening on display :N" in Weston's log: the display its Xwayland serves. */
static char *
wait_for_xwayland_display (int state_fd)
{
  gint64 deadline = g_get_monotonic_time () + XWAYLAND_READY_TIMEOUT_MS * 1000;

  do
    {
      g_autofree char *text = NULL;
      const char *found;

      if (pier_fs_read_all_at (state_fd, SERVER_LOG_NAME, 4 * 1024 * 1024, &text, NULL, NULL)
          && (found = strstr (text, "xserver listening on display ")) != NULL)
        {
          const char *start = found + strlen ("xserver listening on display ");
          gsize len = strspn (start, ":0123456789");
          if (len > 1)
            return g_strndup (start, len);
        }
      g_usleep (POLL_INTERVAL_MS * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  return NULL;
}

static PierGraphicalServerRecord *
start_weston (PierGraphicalTarget *target, int state_fd,
              const PierGraphicalSessionOptions *options, GError **error)
{
  g_autoptr (PierGraphicalServerRecord) record = g_new0 (PierGraphicalServerRecord, 1);
  g_autoptr (GArray) files = g_array_new (FALSE, TRUE, sizeof (PierGraphicalFile));
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *width = NULL, *height = NULL;
  pier_autofd int log_fd = -1;
  guint32 uid = target->uid, gid = target->gid;
  gsize key_len = 0, cert_len = 0;
  gint64 deadline;
  pid_t pid;
  int status;

  g_array_set_clear_func (files, (GDestroyNotify) pier_graphical_file_clear);
  if (!ensure_certificate (target, &key_pem, &key_len, &cert_pem, &cert_len,
                           &record->fingerprint, error))
    return NULL;

  pier_graphical_files_add (files, PIER_GRAPHICAL_SESSION_CONTAINER_DIR, TRUE, 0700, uid, gid,
                            NULL);
  pier_graphical_files_add (files, PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/runtime", TRUE, 0700,
                            uid, gid, NULL);
  pier_graphical_files_add (files, PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/tls.key", FALSE, 0600,
                            uid, gid, g_bytes_new_take (g_steal_pointer (&key_pem), key_len));
  pier_graphical_files_add (files, PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/tls.crt", FALSE, 0644,
                            uid, gid, g_bytes_new_take (g_steal_pointer (&cert_pem), cert_len));
  pier_graphical_files_add (files, PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/weston.ini", FALSE,
                            0644, uid, gid, g_bytes_new_static (weston_ini, strlen (weston_ini)));
  /* Weston binds Xwayland's socket there and crashes when the directory is missing. */
  if (options->x11)
    pier_graphical_files_add (files, "/tmp/.X11-unix", TRUE, 01777, 0, 0, NULL);
  if (!target->klass->write_files (target, files, error))
    return NULL;

  width = g_strdup_printf ("--width=%d", options->width > 0 ? options->width
                                                            : PIER_GRAPHICAL_SESSION_DEFAULT_WIDTH);
  height = g_strdup_printf ("--height=%d", options->height > 0 ? options->height
                                                               : PIER_GRAPHICAL_SESSION_DEFAULT_HEIGHT);
  log_fd = open_log (state_fd, SERVER_LOG_NAME, TRUE, error);
  if (log_fd < 0)
    return NULL;
  {
    char *argv[] = {
      "weston", "--backend=rdp",
      "--rdp-tls-cert=" PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/tls.crt",
      "--rdp-tls-key=" PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/tls.key",
      "--address=127.0.0.1", "--port=3389", width, height,
      "--config=" PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/weston.ini",
      "--socket=" PIER_GRAPHICAL_SESSION_WAYLAND_DISPLAY, "--idle-time=0",
      options->x11 ? "--xwayland" : NULL, NULL,
    };
    char *env[] = { "XDG_RUNTIME_DIR=" PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/runtime", NULL };
    G_STATIC_ASSERT (PIER_RDP_PORT == 3389);
    if (!target->klass->spawn (target, argv, env, log_fd, &pid, error))
      {
        g_prefix_error (error, _("starting Weston: "));
        return NULL;
      }
  }

  deadline = g_get_monotonic_time () + SERVER_READY_TIMEOUT_MS * 1000;
  while (!pier_graphical_session_port_listening (target->init_pid, PIER_RDP_PORT))
    {
      if (waitpid (pid, &status, WNOHANG) == pid)
        {
          g_autofree char *tail = log_tail (state_fd, SERVER_LOG_NAME, 6);
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("Weston ended before listening on port %d (%s %d): %s"), PIER_RDP_PORT,
                       WIFSIGNALED (status) ? "signal" : "exit code",
                       WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status), tail);
          return NULL;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *tail = log_tail (state_fd, SERVER_LOG_NAME, 6);
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("Weston did not listen on port %d within %d seconds: %s"), PIER_RDP_PORT,
                       SERVER_READY_TIMEOUT_MS / 1000, tail);
          return NULL;
        }
      g_usleep (POLL_INTERVAL_MS * 1000);
    }
  if (target->klass->record_session != NULL)
    target->klass->record_session (target, pid, PIER_GRAPHICAL_SESSION_SESSION_SERVER);
  if (options->x11)
    {
      record->display = wait_for_xwayland_display (state_fd);
      if (record->display == NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("Weston runs but did not start Xwayland's display"));
          return NULL;
        }
    }
  record->kind = PIER_GRAPHICAL_SESSION_SERVER_WESTON;
  record->pid = pid;
  record->start_time = pier_proc_start_time (pid);
  return g_steal_pointer (&record);
}

/* ---- the app ---- */

static char **
default_app (PierGraphicalTarget *target, GError **error)
{
  g_auto (GStrv) argv = target->klass->image_command (target, error);

  if (argv == NULL)
    return NULL;
  if (argv[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the image %s has no command to run: give one (--app)"), target->image);
      return NULL;
    }
  return g_steal_pointer (&argv);
}

static gboolean
start_app (PierGraphicalTarget *target, int state_fd, const PierGraphicalServerRecord *server,
           gboolean started, const PierGraphicalSessionOptions *options, pid_t *out_pid,
           GError **error)
{
  g_auto (GStrv) argv = NULL;
  g_auto (GStrv) env = NULL;
  pier_autofd int log_fd = -1;

  *out_pid = -1;
  if (options->join_running && !started)
    return TRUE;
  if (options->app != NULL && options->app[0] != NULL)
    argv = g_strdupv ((char **) options->app);
  else if (server->kind == PIER_GRAPHICAL_SESSION_SERVER_IMAGE)
    return TRUE;
  else if ((argv = default_app (target, error)) == NULL)
    return FALSE;
  if (server->kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON)
    {
      env = g_environ_setenv (env, "XDG_RUNTIME_DIR", PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/runtime", TRUE);
      env = g_environ_setenv (env, "WAYLAND_DISPLAY", PIER_GRAPHICAL_SESSION_WAYLAND_DISPLAY, TRUE);
      if (server->display != NULL)
        env = g_environ_setenv (env, "DISPLAY", server->display, TRUE);
    }
  log_fd = open_log (state_fd, APP_LOG_NAME, FALSE, error);
  if (log_fd < 0)
    return FALSE;
  if (!target->klass->spawn (target, argv, env, log_fd, out_pid, error))
    {
      g_prefix_error (error, _("starting %s: "), argv[0]);
      return FALSE;
    }
  if (target->klass->record_session != NULL)
    target->klass->record_session (target, *out_pid, PIER_SESSION_GRAPHICAL);
  return TRUE;
}

/* ---- the whole ---- */

gboolean
pier_graphical_session_open (PierGraphicalTarget *target,
                             const PierGraphicalSessionOptions *options,
                             PierGraphicalSessionInfo *info, GError **error)
{
  static const PierGraphicalSessionOptions defaults = { 0 };
  g_autofree char *lock_path = NULL;
  g_autofree char *socket_path = NULL;
  g_autoptr (PierLock) lock = NULL;
  g_autoptr (PierGraphicalServerRecord) server = NULL;
  pier_autofd int state_fd = -1;
  gboolean started = FALSE;

  memset (info, 0, sizeof *info);
  info->server_pid = info->app_pid = -1;
  if (options == NULL)
    options = &defaults;
  if (!target->running)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("container %s is not running: start it first"), target->name);
      return FALSE;
    }
  if (target->host_network)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("container %s uses the host's network, where its RDP server would listen "
                     "on the host: graphical sessions need a network of the container's own"),
                   target->name);
      return FALSE;
    }
  state_fd = pier_fs_open_dir_at (AT_FDCWD, target->state_dir, error);
  if (state_fd < 0)
    return FALSE;
  /* One graphical-session set-up at a time per container: the window and a pierctl at once
   * must not start two servers or two relays. */
  lock_path = g_build_filename (target->state_dir, LOCK_NAME, NULL);
  lock = pier_lock_acquire (lock_path, TRUE, error);
  if (lock == NULL)
    return FALSE;

  server = pier_graphical_server_record_read (state_fd);
  if (server != NULL && !pier_graphical_server_record_alive (server, target->init_pid))
    {
      unlinkat (state_fd, RECORD_NAME, 0);
      g_clear_pointer (&server, pier_graphical_server_record_free);
    }
  if (server == NULL && pier_graphical_session_port_listening (target->init_pid, PIER_RDP_PORT))
    {
      server = g_new0 (PierGraphicalServerRecord, 1);
      server->kind = PIER_GRAPHICAL_SESSION_SERVER_IMAGE;
    }
  else if (server == NULL)
    {
      server = start_weston (target, state_fd, options, error);
      /* Recorded at once, so that a later failure never leaves a Weston that the next call
       * would take for the image's own server. */
      if (server == NULL || !pier_graphical_server_record_write (state_fd, server, error))
        return FALSE;
      started = TRUE;
    }
  if (options->x11 && server->kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON && server->display == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the graphical session of %s runs Weston without Xwayland, so it cannot "
                     "show X11 apps: restart the container and open it with X11 first"),
                   target->name);
      return FALSE;
    }

  socket_path = g_build_filename (target->state_dir, SOCKET_NAME, NULL);
  if (!pier_rdp_relay_is_serving (socket_path))
    {
      /* A socket left by a relay that is gone (it removes its own when it ends cleanly). */
      unlinkat (state_fd, SOCKET_NAME, 0);
      if (!pier_rdp_relay_spawn (socket_path, target->init_pid, target->init_start_time,
                                 PIER_RDP_PORT, error))
        return FALSE;
    }
  if (server->fingerprint == NULL)
    {
      /* The image's own server, met for the first time: trust its certificate now and pin it
       * for the rest of the container's run. */
      server->fingerprint = pier_rdp_probe_fingerprint (socket_path, error);
      if (server->fingerprint == NULL)
        {
          g_prefix_error (error, _("the RDP server already listening on port %d in %s: "),
                          PIER_RDP_PORT, target->name);
          return FALSE;
        }
      if (!pier_graphical_server_record_write (state_fd, server, error))
        return FALSE;
    }

  if (!start_app (target, state_fd, server, started, options, &info->app_pid, error))
    return FALSE;
  if (server->kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON
      && target->klass->record_server_clients != NULL)
    target->klass->record_server_clients (target, server->pid);

  info->socket_path = g_steal_pointer (&socket_path);
  info->fingerprint = g_strdup (server->fingerprint);
  info->server_kind = server->kind;
  info->server_started = started;
  info->server_pid = server->kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON ? server->pid : -1;
  info->display = g_strdup (server->display);
  return TRUE;
}
