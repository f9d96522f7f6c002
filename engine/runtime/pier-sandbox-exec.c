/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A process started inside a running container (`exec`): a child of the caller forks off,
 * joins the container's cgroup, enters every namespace of its init through a pidfd, and
 * clones the process with CLONE_PARENT, so that it is the caller's own child (waitable, its
 * host pid known) yet inside the container's PID namespace. */
#include "pier-sandbox.h"

#include "pier-attach.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-private.h"
#include "pier-sandbox-setup-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* @container: the spec the container was started with, whose confinement the process gets. */
static PierSetupPlan *
build_exec_plan (const PierSandboxRecord *record, const PierSandboxSpec *container,
                 const PierSeccompProgram *seccomp, const PierExecSpec *spec, int pidfd,
                 const int stdio[3])
{
  g_autoptr (PierSetupPlan) plan = pier_setup_plan_new ();
  g_autoptr (GPtrArray) procs = g_ptr_array_new_with_free_func (g_free);
  PierSetupOp *op;

  op = pier_setup_plan_add (plan, PIER_SETUP_RESET_SIGNALS, NULL, NULL, 0, _("resetting signals"));
  op->value = TRUE; /* the caller may ignore signals (SIGPIPE, often) */
  for (char **dir = record->cgroup_dirs; dir && *dir; dir++)
    g_ptr_array_add (procs, g_build_filename (*dir, "cgroup.procs", NULL));
  if (procs->len > 0)
    {
      g_ptr_array_add (procs, NULL);
      op = pier_setup_plan_add (plan, PIER_SETUP_JOIN_CGROUPS, NULL, NULL, 0,
                                _("joining the cgroup"));
      pier_setup_op_set_list (plan, op, (const char *const *) procs->pdata);
    }
  op = pier_setup_plan_add (plan, PIER_SETUP_SETNS, NULL, NULL, 0,
                            _("entering the container's namespaces"));
  op->slot = pier_setup_plan_add_slot (plan, pidfd);
  /* A host-network container shares the host's network namespace, which its user namespace
   * does not own: that one is already the caller's. */
  op->value = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC
              | CLONE_NEWCGROUP | (record->network == PIER_NETWORK_HOST ? 0 : CLONE_NEWNET);
  pier_setup_plan_add (plan, PIER_SETUP_FORK_SIBLING, NULL, NULL, 0,
                       _("starting a process in the container"));
  if (spec->tty)
    {
      op = pier_setup_plan_add (plan, PIER_SETUP_PTY, NULL, NULL, 0, _("opening a terminal"));
      op->value = ((guint64) spec->tty_rows << 16) | spec->tty_cols;
    }
  else
    {
      op = pier_setup_plan_add (plan, PIER_SETUP_STDIO, NULL, NULL, 0,
                                _("setting up standard input and output"));
      op->slot = pier_setup_plan_add_slot (plan, stdio[0]);
      pier_setup_plan_add_slot (plan, stdio[1]);
      pier_setup_plan_add_slot (plan, stdio[2]);
    }
  pier_setup_plan_add_process (plan, spec, container->caps, seccomp, FALSE);
  return g_steal_pointer (&plan);
}

gboolean
pier_sandbox_exec_spawn (const char *state_dir, const PierExecSpec *spec, int in_fd, int out_fd,
                         int err_fd, pid_t *out_pid, int *out_pty_master, GError **error)
{
  g_autoptr (PierSandboxRecord) record = NULL;
  g_autoptr (PierSandboxSpec) container = NULL;
  g_autoptr (PierSeccompProgram) seccomp = NULL;
  g_autoptr (PierSetupPlan) plan = NULL;
  g_autoptr (GError) local_error = NULL;
  pier_autofd int pidfd = -1;
  pier_autofd int devnull = -1;
  pier_autofd int master = -1;
  int sock[2];
  pid_t helper, pid = -1;

  *out_pid = -1;
  *out_pty_master = -1;
  if (spec->argv == NULL || spec->argv[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("no command to run"));
      return FALSE;
    }
  record = pier_sandbox_record_read_running (state_dir, error);
  if (record == NULL)
    return FALSE;
  container = pier_sandbox_spec_read (state_dir, error);
  if (container == NULL || !pier_sandbox_spec_compile_seccomp (container, &seccomp, error))
    return FALSE;
  pidfd = pier_pidfd_open_checked (record->init_pid, record->init_start_time);
  if (pidfd < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("the container is not running"));
      return FALSE;
    }
  if ((in_fd < 0 || out_fd < 0 || err_fd < 0) && !spec->tty)
    {
      devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (devnull < 0)
        return pier_set_errno (error, errno, _("opening /dev/null"));
    }
  plan = build_exec_plan (record, container, seccomp, spec, pidfd,
                          (int[]){ in_fd >= 0 ? in_fd : devnull, out_fd >= 0 ? out_fd : devnull,
                                   err_fd >= 0 ? err_fd : devnull });
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
    return pier_set_errno (error, errno, _("creating the sync socket"));
  plan->sync_fd = sock[1];

  helper = fork ();
  if (helper == 0)
    {
      close (sock[0]);
      pier_setup_plan_run (plan);
      _exit (127);
    }
  close (sock[1]);
  if (helper < 0)
    {
      close (sock[0]);
      return pier_set_errno (error, errno, _("forking"));
    }

  /* The helper sends the pid and exits; the process sends its pty, or its failure, and its
   * end of the socket closes when it execs. */
  for (;;)
    {
      PierSyncMsg msg;
      int fd = -1, n_fds = 0;
      ssize_t n = pier_sync_recv (sock[0], &msg, &fd, 1, &n_fds);

      if (n == 0)
        break;
      if (n < 0)
        {
          pier_set_errno (&local_error, errno, _("waiting for the process to start"));
          break;
        }
      if (msg.type == PIER_SYNC_PID)
        pid = (pid_t) msg.value;
      else if (msg.type == PIER_SYNC_PTY && n_fds == 1)
        {
          if (master >= 0)
            close (master);
          master = g_steal_fd (&fd);
        }
      else if (msg.type == PIER_SYNC_ERROR && local_error == NULL)
        pier_sync_set_error (&msg, &local_error);
      if (fd >= 0)
        close (fd);
    }
  close (sock[0]);
  while (waitpid (helper, NULL, 0) < 0 && errno == EINTR)
    ;
  if (local_error == NULL && pid <= 0)
    g_set_error (&local_error, PIER_ERROR, PIER_ERROR_FAILED,
                 _("the process could not be started in the container"));
  if (local_error != NULL)
    {
      if (pid > 0)
        waitpid (pid, NULL, 0);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *out_pid = pid;
  *out_pty_master = g_steal_fd (&master);
  if (spec->session_origin != NULL)
    pier_sandbox_record_session (state_dir, pid, spec->session_origin, NULL);
  return TRUE;
}

gboolean
pier_sandbox_record_session (const char *state_dir, int host_sid, const char *origin,
                             GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, "sessions", NULL);
  g_autofree char *name = g_strdup_printf ("%d", host_sid);
  pier_autofd int fd = -1;

  if (!pier_fs_mkdir_p (dir, 0700, error))
    return FALSE;
  fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  return fd >= 0 && pier_fs_write_atomic_at (fd, name, origin, strlen (origin), 0600, error);
}

GHashTable *
pier_sandbox_read_sessions (const char *state_dir)
{
  GHashTable *origins = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autofree char *dir = g_build_filename (state_dir, "sessions", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *proc = g_strdup_printf ("/proc/%s", name);
      g_autofree char *origin = NULL;
      gint64 sid = g_ascii_strtoll (name, NULL, 10);

      if (sid <= 0 || !g_file_get_contents (path, &origin, NULL, NULL))
        continue;
      if (!g_file_test (proc, G_FILE_TEST_EXISTS))
        {
          unlink (path);
          continue;
        }
      g_hash_table_insert (origins, GINT_TO_POINTER ((int) sid), g_steal_pointer (&origin));
    }
  return origins;
}

gboolean
pier_sandbox_exec (const char *state_dir, const PierExecSpec *spec, int in_fd, int out_fd,
                   int err_fd, int *exit_code, GError **error)
{
  pier_autofd int master = -1;
  pid_t pid;
  int status;
  gboolean ok = TRUE;

  if (!pier_sandbox_exec_spawn (state_dir, spec, in_fd, out_fd, err_fd, &pid, &master, error))
    return FALSE;
  if (master >= 0)
    ok = pier_attach_relay_pty (master, in_fd, out_fd, error);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return pier_set_errno (error, errno, _("waiting for the process"));
  if (WIFEXITED (status))
    *exit_code = WEXITSTATUS (status);
  else
    *exit_code = 128 + WTERMSIG (status);
  return ok;
}
