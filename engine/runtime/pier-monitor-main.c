/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>

#include "pier-monitor-main.h"

#include "pier-attach.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-init-private.h"
#include "pier-sandbox-log.h"
#include "pier-sandbox-private.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* After the init is gone, its output is drained for at most this long: the pipes close when
 * the last process of its PID namespace has gone, which the kernel sees to at once. */
#define DRAIN_TIMEOUT_MS 2000

typedef struct {
  const PierSandboxSpec *spec;
  PierSandboxInit init;
  PierLogWriter *log;
  PierAttachServer *attach;
  int input_fd;         /* where stdin goes: the pipe, or the pty master; -1 when closed */
  GByteArray *input;    /* not yet accepted by input_fd */
  gboolean input_eof;   /* close the pipe once @input is flushed */
  int owner_fd;         /* pidfd of the process the container dies with, or -1 */
  gboolean owner_gone;
  gboolean exited;
  int status;
} Monitor;

static void
report_line (int fd, const char *line)
{
  g_autofree char *flat = g_strdelimit (g_strdup (line), "\n", ' ');
  g_autofree char *text = g_strconcat (flat, "\n", NULL);

  if (fd >= 0)
    pier_fs_write_all (fd, text, strlen (text), NULL);
}

static void
report_error (int fd, const GError *error)
{
  g_autofree char *line = g_strdup_printf ("error %d %s", error->code, error->message);

  report_line (fd, line);
}

static void
flush_input (Monitor *m)
{
  while (m->input_fd >= 0 && m->input->len > 0)
    {
      ssize_t n = write (m->input_fd, m->input->data, m->input->len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            return;
          /* The command closed its stdin: what it did not read is dropped. */
          g_byte_array_set_size (m->input, 0);
          break;
        }
      g_byte_array_remove_range (m->input, 0, n);
    }
  if (m->input_eof && m->input->len == 0 && m->input_fd >= 0 && !m->spec->tty)
    {
      close (m->input_fd);
      m->input_fd = m->init.stdin_fd = -1;
    }
}

static void
on_stdin_data (gpointer user_data, const guint8 *data, gsize len)
{
  Monitor *m = user_data;

  if (m->input_fd < 0)
    return;
  g_byte_array_append (m->input, data, len);
  flush_input (m);
}

static void
on_stdin_eof (gpointer user_data)
{
  Monitor *m = user_data;

  m->input_eof = TRUE;
  flush_input (m);
}

static void
on_resize (gpointer user_data, guint16 rows, guint16 cols)
{
  Monitor *m = user_data;
  struct winsize ws = { .ws_row = rows, .ws_col = cols };

  if (m->spec->tty && m->init.stdout_fd >= 0)
    ioctl (m->init.stdout_fd, TIOCSWINSZ, &ws);
}

/* Reads what is there; FALSE at the end of the stream. */
static gboolean
relay_output (Monitor *m, int fd, PierLogStream stream)
{
  char buf[65536];
  ssize_t n = read (fd, buf, sizeof buf);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (n <= 0) /* a pty master reads EIO once the last slave is closed */
    return FALSE;
  pier_log_writer_append (m->log, stream, buf, n);
  pier_attach_server_broadcast (m->attach,
                                stream == PIER_LOG_STDERR ? PIER_ATTACH_STDERR : PIER_ATTACH_STDOUT,
                                buf, n);
  return TRUE;
}

static void
handle_signals (Monitor *m, int sigfd)
{
  struct signalfd_siginfo info;

  while (read (sigfd, &info, sizeof info) == sizeof info)
    {
      if (info.ssi_signo != SIGCHLD)
        {
          if (!m->exited)
            kill (m->init.pid, (int) info.ssi_signo);
          continue;
        }
      for (;;)
        {
          int status;
          pid_t pid = waitpid (-1, &status, WNOHANG);
          if (pid <= 0)
            break;
          if (pid == m->init.pid)
            {
              m->exited = TRUE;
              m->status = status;
            }
        }
    }
}

static void
close_output (Monitor *m, int *fd)
{
  /* With a tty, input and output share the master. */
  if (m->spec->tty && *fd == m->input_fd)
    m->input_fd = -1;
  close (*fd);
  *fd = -1;
}

static void
run_loop (Monitor *m, int sigfd)
{
  gint64 drain_deadline = 0;

  while (!m->exited || m->init.stdout_fd >= 0 || m->init.stderr_fd >= 0)
    {
      struct pollfd fds[64];
      guint n = 0, attach_at;
      int timeout = -1;

      fds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
      fds[n++] = (struct pollfd){ .fd = m->init.stdout_fd, .events = POLLIN };
      fds[n++] = (struct pollfd){ .fd = m->init.stderr_fd, .events = POLLIN };
      fds[n++] = (struct pollfd){ .fd = m->input->len > 0 ? m->input_fd : -1, .events = POLLOUT };
      fds[n++] = (struct pollfd){ .fd = m->owner_gone ? -1 : m->owner_fd, .events = POLLIN };
      attach_at = n;
      n += pier_attach_server_prepare (m->attach, fds + n, G_N_ELEMENTS (fds) - n);
      if (m->exited)
        {
          gint64 now = g_get_monotonic_time ();
          if (drain_deadline == 0)
            drain_deadline = now + DRAIN_TIMEOUT_MS * 1000;
          if (now >= drain_deadline)
            break;
          timeout = (int) ((drain_deadline - now) / 1000) + 1;
        }
      if (poll (fds, n, timeout) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[0].revents)
        handle_signals (m, sigfd);
      if (fds[1].revents && !relay_output (m, m->init.stdout_fd, PIER_LOG_STDOUT))
        close_output (m, &m->init.stdout_fd);
      if (fds[2].revents && !relay_output (m, m->init.stderr_fd, PIER_LOG_STDERR))
        close_output (m, &m->init.stderr_fd);
      if (fds[3].revents)
        flush_input (m);
      if (fds[4].revents)
        {
          /* Its owner is gone (a builder killed with its RUN step running): nobody is left to
           * wait for the container or to stop it. */
          m->owner_gone = TRUE;
          g_debug ("the container's owner is gone: %s",
                   m->exited ? "the container has exited already" : "killing the container");
          if (!m->exited)
            kill (m->init.pid, SIGKILL);
        }
      pier_attach_server_dispatch (m->attach, fds + attach_at, n - attach_at);
    }
}

static int
exit_code_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return -1;
}

static int
listen_attach (const char *state_dir, int state_fd, GError **error)
{
  struct sockaddr_un addr;
  socklen_t len;
  int fd;
  mode_t old_mask;

  if (!pier_attach_address (state_dir, state_fd, &addr, &len, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      pier_set_errno (error, errno, _("creating the attach socket"));
      return -1;
    }
  unlinkat (state_fd, PIER_SANDBOX_ATTACH, 0);
  old_mask = umask (0077); /* the socket is 0600 from the start */
  if (bind (fd, (struct sockaddr *) &addr, len) < 0 || listen (fd, 16) < 0)
    {
      int errsv = errno;
      umask (old_mask);
      close (fd);
      pier_set_errno (error, errsv, _("listening on %s/%s"), state_dir, PIER_SANDBOX_ATTACH);
      return -1;
    }
  umask (old_mask);
  return fd;
}

/* Whether the caller that meant to do on_exit's work is still there to do it (or did it: the
 * file is gone with the container). */
static gboolean
exit_work_is_taken (const PierSandboxSpec *spec)
{
  int fd;
  gboolean taken;

  if (spec->on_exit_unless_held == NULL)
    return FALSE;
  fd = open (spec->on_exit_unless_held, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return TRUE;
  taken = flock (fd, LOCK_SH | LOCK_NB) < 0;
  close (fd);
  return taken;
}

static void
run_on_exit (const PierSandboxSpec *spec, PierMonitorExitFunc on_exit)
{
  if (spec->on_exit == NULL || on_exit == NULL)
    return;
  if (exit_work_is_taken (spec))
    {
      g_debug ("exit work left to the caller that holds %s", spec->on_exit_unless_held);
      return;
    }
  g_debug ("the caller that meant to do the exit work is gone: doing it here");
  on_exit ((const char *const *) spec->on_exit);
}

/* One monitor per container, even if two starts race: the lock lives as long as this process
 * (close-on-exec, so the container does not keep it). */
static gboolean
lock_state_dir (int state_fd, GError **error)
{
  int fd = openat (state_fd, PIER_SANDBOX_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    return pier_set_errno (error, errno, _("creating %s"), PIER_SANDBOX_LOCK);
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int errsv = errno;
      close (fd);
      if (errsv == EWOULDBLOCK)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE, _("the container is already running"));
          return FALSE;
        }
      return pier_set_errno (error, errsv, _("locking %s"), PIER_SANDBOX_LOCK);
    }
  return TRUE;
}

/* The monitor proper, in the detached process. */
static int
monitor_run (const char *state_dir, int report_fd, int attach_fd, int owner_fd,
             PierMonitorExitFunc on_exit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (PierLogWriter) log = NULL;
  g_autoptr (GByteArray) input = g_byte_array_new ();
  PierSandboxRecord record = { 0 };
  Monitor m = { 0 };
  pier_autofd int state_fd = -1;
  pier_autofd int sigfd = -1;
  int listen_fd;
  sigset_t mask;
  char line[128];

  /* Blocked before the clone, so no SIGCHLD can be missed; the child unblocks them. */
  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigaddset (&mask, SIGTERM);
  sigaddset (&mask, SIGINT);
  sigaddset (&mask, SIGHUP);
  sigaddset (&mask, SIGPIPE);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  sigdelset (&mask, SIGPIPE);
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

  state_fd = pier_fs_open_dir_at (AT_FDCWD, state_dir, &error);
  if (state_fd < 0 || sigfd < 0 || !lock_state_dir (state_fd, &error)
      || (spec = pier_sandbox_spec_read (state_dir, &error)) == NULL
      || (log = pier_log_writer_open (spec->log_path, &error)) == NULL)
    {
      if (error == NULL)
        pier_set_errno (&error, errno, _("watching signals"));
      report_error (report_fd, error);
      return 1;
    }
  m.spec = spec;
  m.log = log;
  m.input = input;
  m.owner_fd = owner_fd;
  if (!pier_sandbox_init_start (spec, &m.init, &error))
    {
      report_error (report_fd, error);
      pier_sandbox_init_clear (&m.init);
      return 1;
    }
  m.input_fd = spec->tty ? m.init.stdout_fd : m.init.stdin_fd;
  if (m.input_fd >= 0)
    fcntl (m.input_fd, F_SETFL, fcntl (m.input_fd, F_GETFL) | O_NONBLOCK);

  listen_fd = listen_attach (state_dir, state_fd, &error);
  record = (PierSandboxRecord){
    .monitor_pid = getpid (),
    .monitor_start_time = pier_proc_start_time (getpid ()),
    .init_pid = m.init.pid,
    .init_start_time = m.init.start_time,
    .network = spec->network,
    .rootless = spec->rootless,
    .tty = spec->tty,
    .stop_signal = spec->stop_signal,
    .id = spec->id,
    .runroot = spec->runroot,
    .cgroup_backend = m.init.cgroup ? (char *) pier_cgroup_get_backend_name (m.init.cgroup) : NULL,
    .cgroup_dirs = m.init.cgroup ? (char **) pier_cgroup_get_dirs (m.init.cgroup) : NULL,
  };
  if (listen_fd < 0 || !pier_sandbox_record_write (state_fd, &record, &error))
    {
      report_error (report_fd, error);
      kill (m.init.pid, SIGKILL);
      waitpid (m.init.pid, NULL, 0);
      pier_sandbox_init_teardown (spec, &m.init);
      pier_sandbox_init_clear (&m.init);
      return 1;
    }
  m.attach = pier_attach_server_new (listen_fd,
                                     &(PierAttachServerCallbacks){ on_stdin_data, on_stdin_eof,
                                                                   on_resize },
                                     &m);
  if (attach_fd >= 0)
    pier_attach_server_add_client (m.attach, attach_fd);

  for (guint i = 0; i < m.init.warnings->len; i++)
    {
      g_autofree char *warning = g_strconcat ("warning ", (char *) m.init.warnings->pdata[i], NULL);
      report_line (report_fd, warning);
    }
  g_snprintf (line, sizeof line, "ok %d %" G_GUINT64_FORMAT " %d %" G_GUINT64_FORMAT,
              (int) record.monitor_pid, record.monitor_start_time, (int) record.init_pid,
              record.init_start_time);
  report_line (report_fd, line);
  close (report_fd);

  run_loop (&m, sigfd);

  {
    int code = m.exited ? exit_code_of (m.status) : -1;

    /* Still running after the drain timed out (it cannot be, short of a kernel bug): the
     * record would lie, so the init goes first. */
    if (!m.exited)
      {
        kill (m.init.pid, SIGKILL);
        waitpid (m.init.pid, &m.status, 0);
        code = exit_code_of (m.status);
      }
    g_debug ("the container's init %d ended with code %d", (int) m.init.pid, code);
    pier_sandbox_exit_write (state_fd, code, g_get_real_time (), NULL);
    pier_attach_server_finish (m.attach, code);
  }
  unlinkat (state_fd, PIER_SANDBOX_ATTACH, 0);
  unlinkat (state_fd, PIER_SANDBOX_ROOTFS, AT_REMOVEDIR);
  pier_sandbox_init_teardown (spec, &m.init);
  pier_attach_server_free (m.attach);
  pier_sandbox_init_clear (&m.init);
  run_on_exit (spec, on_exit);
  if (m.owner_gone)
    {
      g_debug ("removing the state of a container whose owner is gone: %s", state_dir);
      pier_fs_rm_rf_at (AT_FDCWD, state_dir, NULL);
    }
  return 0;
}

static gboolean
parse_fd (const char *text, int *out)
{
  char *end;
  long v = strtol (text, &end, 10);

  if (*text == '\0' || *end != '\0' || v < 0 || v > G_MAXINT)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

int
pier_monitor_main (int argc, char **argv, PierMonitorExitFunc on_exit)
{
  int report_fd = -1, attach_fd = -1, owner_fd = -1;
  const char *state_dir = NULL;
  pid_t pid;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--report-fd") == 0 && i + 1 < argc
          && parse_fd (argv[i + 1], &report_fd))
        i++;
      else if (strcmp (argv[i], "--attach-fd") == 0 && i + 1 < argc
               && parse_fd (argv[i + 1], &attach_fd))
        i++;
      else if (strcmp (argv[i], "--owner-fd") == 0 && i + 1 < argc
               && parse_fd (argv[i + 1], &owner_fd))
        i++;
      else if (state_dir == NULL && argv[i][0] == '/')
        state_dir = argv[i];
      else
        {
          static const char usage[] = "usage: pier-monitor [--report-fd N] [--attach-fd N] "
                                      "[--owner-fd N] STATE_DIR\n";
          if (write (2, usage, sizeof usage - 1) < 0)
            return 2;
          return 2;
        }
    }
  if (state_dir == NULL)
    return 2;
  {
    const int passed[] = { report_fd, attach_fd, owner_fd };
    for (gsize i = 0; i < G_N_ELEMENTS (passed); i++)
      {
        if (passed[i] >= 0 && passed[i] < 3)
          return 2;
        if (passed[i] >= 0)
          fcntl (passed[i], F_SETFD, FD_CLOEXEC);
      }
  }

  /* A session of its own (pier_sandbox_start() spawns it as a session leader already), then one
   * more fork: the monitor is nobody's child but the system reaper's, and not a session leader
   * that could acquire a controlling terminal. */
  if (getsid (0) != getpid ())
    setsid ();
  pid = fork ();
  if (pid < 0)
    {
      g_autoptr (GError) error = NULL;
      pier_set_errno (&error, errno, _("starting the monitor"));
      report_error (report_fd, error);
      return 1;
    }
  if (pid > 0)
    _exit (0);
  if (chdir ("/") < 0)
    return 1;
  umask (022);
  return monitor_run (state_dir, report_fd, attach_fd, owner_fd, on_exit);
}
