/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The caller's side of the runtime: starting a monitor, and reading or acting on what it
 * recorded. */
#include "pier-sandbox.h"

#include "pier-attach.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIER_LIBEXECDIR
#define PIER_LIBEXECDIR "/usr/local/libexec"
#endif

void
pier_sandbox_start_info_clear (PierSandboxStartInfo *info)
{
  g_clear_pointer (&info->warnings, g_strfreev);
  if (info->attach_fd >= 0)
    close (info->attach_fd);
  info->attach_fd = -1;
}

void
pier_sandbox_state_clear (PierSandboxState *state)
{
  g_clear_pointer (&state->reason, g_free);
}

char *
pier_sandbox_find_monitor (GError **error)
{
  const char *env = g_getenv ("PIER_MONITOR_PATH");
  g_autofree char *self = NULL;
  g_autofree char *beside = NULL;
  g_autofree char *installed = g_build_filename (PIER_LIBEXECDIR, "pier-monitor", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  /* In the build tree pierctl, pier and pier-monitor are built side by side. */
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      beside = g_build_filename (dir, "pier-monitor", NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("pier-monitor is neither next to %s nor in %s (PIER_MONITOR_PATH names another)"),
               self ? self : "this program", PIER_LIBEXECDIR);
  return NULL;
}

/* Above 2, so that posix_spawn's dup2 to 3 and 4 never meets them. */
static int
high_fd (int fd)
{
  int high = fcntl (fd, F_DUPFD_CLOEXEC, 10);

  close (fd);
  return high;
}

static gboolean
parse_report (const char *text, PierSandboxStartInfo *info, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

  for (char **line = lines; *line; line++)
    {
      int mpid, ipid, code, consumed = 0;
      guint64 mstart, istart;

      if (g_str_has_prefix (*line, "warning "))
        g_ptr_array_add (warnings, g_strdup (*line + strlen ("warning ")));
      else if (sscanf (*line, "error %d %n", &code, &consumed) == 1 && consumed > 0)
        {
          g_set_error_literal (error, PIER_ERROR, code, *line + consumed);
          return FALSE;
        }
      else if (sscanf (*line, "ok %d %" G_GUINT64_FORMAT " %d %" G_GUINT64_FORMAT, &mpid, &mstart,
                       &ipid, &istart)
               == 4)
        {
          info->monitor_pid = mpid;
          info->monitor_start_time = mstart;
          info->init_pid = ipid;
          info->init_start_time = istart;
          g_ptr_array_add (warnings, NULL);
          info->warnings = (char **) g_ptr_array_free (g_steal_pointer (&warnings), FALSE);
          return TRUE;
        }
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
               _("pier-monitor ended without saying whether the container started"));
  return FALSE;
}

/* @fds: the descriptors to pass as --report-fd, --attach-fd and --owner-fd (-1: none); they
 * become 3, 4... in the monitor. */
static gboolean
spawn_monitor (const char *monitor, const char *state_dir, const int fds[3], pid_t *out_pid,
               GError **error)
{
  static const char *const options[] = { "--report-fd", "--attach-fd", "--owner-fd" };
  static const char *const numbers[] = { "3", "4", "5" };
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, all;
  const char *argv[9];
  int argc = 0, next_fd = 3, rc;

  posix_spawn_file_actions_init (&actions);
  posix_spawnattr_init (&attr);
  for (int fd = 0; fd < 3; fd++)
    posix_spawn_file_actions_addopen (&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  argv[argc++] = monitor;
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0)
      {
        argv[argc++] = options[i];
        argv[argc++] = numbers[next_fd - 3];
        posix_spawn_file_actions_adddup2 (&actions, fds[i], next_fd++);
      }
  argv[argc++] = state_dir;
  argv[argc] = NULL;
  posix_spawn_file_actions_addclosefrom_np (&actions, next_fd);
  sigemptyset (&none);
  sigfillset (&all);
  posix_spawnattr_setsigmask (&attr, &none);
  posix_spawnattr_setsigdefault (&attr, &all);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK
                                       | POSIX_SPAWN_SETSIGDEF);
  rc = posix_spawn (out_pid, monitor, &actions, &attr, (char *const *) argv, environ);
  posix_spawn_file_actions_destroy (&actions);
  posix_spawnattr_destroy (&attr);
  if (rc != 0)
    return pier_set_errno (error, rc, _("starting %s"), monitor);
  return TRUE;
}

gboolean
pier_sandbox_start (const PierSandboxSpec *spec, PierSandboxStartFlags flags,
                    PierSandboxStartInfo *info, GError **error)
{
  g_autofree char *monitor = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  PierSandboxState state = { 0 };
  pier_autofd int state_fd = -1;
  pier_autofd int report_r = -1;
  pier_autofd int report_w = -1;
  pier_autofd int attach_remote = -1;
  pier_autofd int owner = -1;
  int pipefd[2], pair[2];
  pid_t pid;
  int status;
  char buf[4096];
  ssize_t n;

  *info = (PierSandboxStartInfo){ .attach_fd = -1 };
  if (!pier_sandbox_spec_validate (spec, error))
    return FALSE;
  monitor = pier_sandbox_find_monitor (error);
  if (monitor == NULL || !pier_fs_mkdir_p (spec->state_dir, 0700, error))
    return FALSE;
  if (!pier_sandbox_get_state (spec->state_dir, &state, error))
    return FALSE;
  pier_sandbox_state_clear (&state);
  if (state.status == PIER_SANDBOX_RUNNING)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE, _("the container is already running"));
      return FALSE;
    }
  state_fd = pier_fs_open_dir_at (AT_FDCWD, spec->state_dir, error);
  if (state_fd < 0)
    return FALSE;
  unlinkat (state_fd, PIER_SANDBOX_EXIT, 0);
  unlinkat (state_fd, PIER_SANDBOX_STATE, 0);
  json = pier_sandbox_spec_to_json (spec, error);
  if (json == NULL || !pier_sandbox_write_file_at (state_fd, PIER_SANDBOX_CONFIG, json, strlen (json), 0600,
                                   error))
    return FALSE;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return pier_set_errno (error, errno, _("creating a pipe"));
  report_r = pipefd[0];
  report_w = high_fd (pipefd[1]);
  if (flags & PIER_SANDBOX_START_ATTACH)
    {
      if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
        return pier_set_errno (error, errno, _("creating the attach connection"));
      info->attach_fd = pair[0];
      attach_remote = high_fd (pair[1]);
    }
  if (flags & PIER_SANDBOX_START_TIED)
    {
      int pidfd = (int) syscall (SYS_pidfd_open, getpid (), 0);
      owner = pidfd < 0 ? -1 : high_fd (pidfd);
    }
  if (report_w < 0 || ((flags & PIER_SANDBOX_START_ATTACH) && attach_remote < 0)
      || ((flags & PIER_SANDBOX_START_TIED) && owner < 0))
    {
      pier_sandbox_start_info_clear (info);
      return pier_set_errno (error, errno, _("preparing descriptors for pier-monitor"));
    }
  if (!spawn_monitor (monitor, spec->state_dir, (const int[]){ report_w, attach_remote, owner },
                      &pid, error))
    {
      pier_sandbox_start_info_clear (info);
      return FALSE;
    }
  close (g_steal_fd (&report_w));
  close (g_steal_fd (&attach_remote));

  /* The report ends when the monitor closes it: after the command's exec, or a failure. */
  while ((n = read (report_r, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      g_string_append_len (report, buf, n);
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!parse_report (report->str, info, error))
    {
      pier_sandbox_start_info_clear (info);
      return FALSE;
    }
  g_debug ("%s started the container in %s: init %d, monitor %d", monitor, spec->state_dir,
           info->init_pid, info->monitor_pid);
  return TRUE;
}

gboolean
pier_sandbox_get_state (const char *state_dir, PierSandboxState *state, GError **error)
{
  pier_autofd int dirfd = open (state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_autoptr (PierSandboxRecord) record = NULL;
  g_autoptr (GError) local_error = NULL;

  *state = (PierSandboxState){ .status = PIER_SANDBOX_NOT_STARTED, .exit_code = -1 };
  if (dirfd < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return pier_set_errno (error, errno, _("opening %s"), state_dir);
    }
  if (pier_sandbox_exit_read (dirfd, &state->exit_code, &state->finished_at))
    {
      state->status = PIER_SANDBOX_EXITED;
      return TRUE;
    }
  record = pier_sandbox_record_read (dirfd, &local_error);
  if (record == NULL)
    {
      if (g_error_matches (local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (pier_proc_start_time (record->monitor_pid) == record->monitor_start_time)
    {
      state->status = PIER_SANDBOX_RUNNING;
      state->init_pid = record->init_pid;
      state->init_start_time = record->init_start_time;
      state->monitor_pid = record->monitor_pid;
      return TRUE;
    }
  /* The monitor may have written the record and exited since the first look. */
  state->status = PIER_SANDBOX_EXITED;
  if (pier_sandbox_exit_read (dirfd, &state->exit_code, &state->finished_at))
    return TRUE;
  state->stale = TRUE;
  state->reason = g_strdup_printf ("its monitor (pid %d) is gone without recording an exit "
                                   "status: it was killed, or the host went down",
                                   (int) record->monitor_pid);
  return TRUE;
}

gboolean
pier_sandbox_wait (const char *state_dir, int timeout_ms, PierSandboxState *state,
                   GError **error)
{
  pier_autofd int ino = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  pier_autofd int monitor_fd = -1;
  gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  /* Watch first, then look: an exit recorded in between still wakes the poll. */
  if (ino < 0 || inotify_add_watch (ino, state_dir, IN_MOVED_TO | IN_CREATE) < 0)
    return pier_set_errno (error, errno, _("watching %s"), state_dir);
  for (;;)
    {
      struct pollfd pfds[2];
      int wait_ms = -1;
      char events[4096];

      if (!pier_sandbox_get_state (state_dir, state, error))
        return FALSE;
      if (state->status != PIER_SANDBOX_RUNNING)
        return TRUE;
      if (monitor_fd < 0)
        monitor_fd = (int) syscall (SYS_pidfd_open, state->monitor_pid, 0);
      pier_sandbox_state_clear (state);
      if (deadline >= 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();
          if (left <= 0)
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                           _("the container is still running after %d ms"), timeout_ms);
              return FALSE;
            }
          wait_ms = (int) (left / 1000) + 1;
        }
      pfds[0] = (struct pollfd){ .fd = ino, .events = POLLIN };
      pfds[1] = (struct pollfd){ .fd = monitor_fd, .events = POLLIN };
      if (poll (pfds, 2, wait_ms) < 0 && errno != EINTR)
        return pier_set_errno (error, errno, _("waiting for the container"));
      while (read (ino, events, sizeof events) > 0)
        ;
    }
}

PierSandboxRecord *
pier_sandbox_record_read_running (const char *state_dir, GError **error)
{
  PierSandboxState state = { 0 };
  pier_autofd int dirfd = -1;
  gboolean running;

  if (!pier_sandbox_get_state (state_dir, &state, error))
    return NULL;
  running = state.status == PIER_SANDBOX_RUNNING;
  pier_sandbox_state_clear (&state);
  if (!running)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("the container is not running"));
      return NULL;
    }
  dirfd = pier_fs_open_dir_at (AT_FDCWD, state_dir, error);
  return dirfd < 0 ? NULL : pier_sandbox_record_read (dirfd, error);
}

gboolean
pier_sandbox_kill (const char *state_dir, int signal, GError **error)
{
  g_autoptr (PierSandboxRecord) record = pier_sandbox_record_read_running (state_dir, error);
  pier_autofd int pidfd = -1;

  if (record == NULL)
    return FALSE;
  pidfd = pier_pidfd_open_checked (record->init_pid, record->init_start_time);
  if (pidfd < 0)
    {
      if (errno == ESRCH)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("the container is not running"));
          return FALSE;
        }
      return pier_set_errno (error, errno, _("opening the container's init"));
    }
  if (syscall (SYS_pidfd_send_signal, pidfd, signal, NULL, 0) < 0 && errno != ESRCH)
    return pier_set_errno (error, errno, _("signalling the container's init"));
  return TRUE;
}

gboolean
pier_sandbox_stop (const char *state_dir, int signal, guint timeout_seconds, GError **error)
{
  g_autoptr (PierSandboxRecord) record = NULL;
  g_autoptr (GError) local_error = NULL;
  PierSandboxState state = { 0 };
  gboolean ok;

  record = pier_sandbox_record_read_running (state_dir, &local_error);
  if (record == NULL)
    {
      if (g_error_matches (local_error, PIER_ERROR, PIER_ERROR_FAILED))
        return TRUE; /* not running: nothing to stop */
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (signal == 0)
    signal = record->stop_signal > 0 ? record->stop_signal : SIGTERM;
  if (signal != SIGKILL)
    {
      if (!pier_sandbox_kill (state_dir, signal, &local_error))
        {
          if (!g_error_matches (local_error, PIER_ERROR, PIER_ERROR_FAILED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_clear_error (&local_error);
        }
      if (pier_sandbox_wait (state_dir, (int) timeout_seconds * 1000, &state, NULL))
        {
          pier_sandbox_state_clear (&state);
          return TRUE;
        }
    }
  if (!pier_sandbox_kill (state_dir, SIGKILL, &local_error)
      && !g_error_matches (local_error, PIER_ERROR, PIER_ERROR_FAILED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  ok = pier_sandbox_wait (state_dir, 10000, &state, error);
  pier_sandbox_state_clear (&state);
  return ok;
}

gboolean
pier_sandbox_cleanup (const char *state_dir, GError **error)
{
  PierSandboxState state = { 0 };
  g_autoptr (PierSandboxRecord) record = NULL;
  pier_autofd int dirfd = -1;
  pier_autofd int pidfd = -1;
  gboolean stale;

  if (!pier_sandbox_get_state (state_dir, &state, error))
    return FALSE;
  stale = state.stale;
  pier_sandbox_state_clear (&state);
  if (!stale)
    return TRUE;
  dirfd = pier_fs_open_dir_at (AT_FDCWD, state_dir, error);
  if (dirfd < 0 || (record = pier_sandbox_record_read (dirfd, error)) == NULL)
    return FALSE;
  /* The init dies with its monitor (PDEATHSIG); should it linger anyway, it goes now. */
  pidfd = pier_pidfd_open_checked (record->init_pid, record->init_start_time);
  if (pidfd >= 0)
    syscall (SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  if (record->cgroup_backend != NULL)
    {
      g_autoptr (PierCgroup) cgroup = pier_cgroup_open (record->cgroup_backend,
                                                        (const char *const *) record->cgroup_dirs,
                                                        error);
      if (cgroup == NULL || !pier_cgroup_destroy (cgroup, error))
        return FALSE;
    }
  if (record->network == PIER_NETWORK_BRIDGE
      && !pier_network_detach_bridge (record->id, error))
    return FALSE;
  unlinkat (dirfd, PIER_SANDBOX_ATTACH, 0);
  unlinkat (dirfd, PIER_SANDBOX_ROOTFS, AT_REMOVEDIR);
  return TRUE;
}

gboolean
pier_sandbox_stats (const char *state_dir, PierCgroupStats *stats, GError **error)
{
  g_autoptr (PierSandboxRecord) record = pier_sandbox_record_read_running (state_dir, error);
  g_autoptr (PierCgroup) cgroup = NULL;

  if (record == NULL)
    return FALSE;
  if (record->cgroup_backend == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("the container has no cgroup (cgroups are not delegated to this user)"));
      return FALSE;
    }
  cgroup = pier_cgroup_open (record->cgroup_backend, (const char *const *) record->cgroup_dirs,
                             error);
  return cgroup != NULL && pier_cgroup_get_stats (cgroup, stats, error);
}
