/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rootless.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-lock.h"
#include "pier-sandbox-private.h"
#include "pier-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The user's range in /etc/subuid or /etc/subgid ("name:start:count" or "uid:start:count"). */
static gboolean
subid_range (const char *file, const char *name, guint id, guint32 *start, guint32 *count)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *id_text = g_strdup_printf ("%u", id);

  if (!g_file_get_contents (file, &data, NULL, NULL))
    return FALSE;
  lines = g_strsplit (data, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      g_auto (GStrv) f = g_strsplit (*line, ":", 3);
      if (g_strv_length (f) != 3 || (g_strcmp0 (f[0], name) != 0 && strcmp (f[0], id_text) != 0))
        continue;
      *start = (guint32) g_ascii_strtoull (f[1], NULL, 10);
      *count = (guint32) g_ascii_strtoull (f[2], NULL, 10);
      return *count > 0;
    }
  return FALSE;
}

static gboolean
run_idmap_tool (const char *tool, pid_t pid, guint id, guint32 start, guint32 count,
                GError **error)
{
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  g_autofree char *id_text = g_strdup_printf ("%u", id);
  g_autofree char *start_text = g_strdup_printf ("%u", start);
  g_autofree char *count_text = g_strdup_printf ("%u", count);
  const char *argv[] = { tool, pid_text, "0", id_text, "1", "1", start_text, count_text, NULL };
  g_autofree char *err = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    {
      g_prefix_error (error, _("mapping the rootless namespace's ids (is the uidmap package "
                               "installed?): "));
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION, _("%s refused the map: %s"), tool,
                   g_strstrip (err));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_proc (pid_t pid, const char *file, const char *text, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, file);
  pier_autofd int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    return pier_set_errno (error, errno, _("writing “%s” to %s"), text, path);
  return TRUE;
}

static gboolean
map_ids (pid_t pid, GError **error)
{
  struct passwd *pw = getpwuid (getuid ());
  const char *name = pw ? pw->pw_name : "";
  guint32 ustart, ucount, gstart, gcount;
  g_autofree char *umap = g_strdup_printf ("0 %u 1", (unsigned) getuid ());
  g_autofree char *gmap = g_strdup_printf ("0 %u 1", (unsigned) getgid ());

  if (subid_range ("/etc/subuid", name, getuid (), &ustart, &ucount)
      && subid_range ("/etc/subgid", name, getuid (), &gstart, &gcount))
    return run_idmap_tool ("newuidmap", pid, getuid (), ustart, ucount, error)
           && run_idmap_tool ("newgidmap", pid, getgid (), gstart, gcount, error);
  /* A user may map their own ids alone, provided setgroups() is given up first. */
  return write_proc (pid, "uid_map", umap, error) && write_proc (pid, "setgroups", "deny", error)
         && write_proc (pid, "gid_map", gmap, error);
}

/* The pause process's descriptors: where it says how far it got, where it is told to go on. */
#define PAUSE_READY_FD 3
#define PAUSE_GO_FD 4

/* The pause process until its exec: makes the namespaces (the caller maps the ids in between),
 * then becomes @monitor under the pause process's name. Only system calls here. */
G_GNUC_NORETURN static void
pause_process (const char *monitor)
{
  char *const argv[] = { (char *) PIER_ROOTLESS_PAUSE_NAME, NULL };
  char *const envp[] = { NULL };
  pid_t self = getpid ();
  char c;

  if (unshare (CLONE_NEWUSER) < 0 || write (PAUSE_READY_FD, &self, sizeof self) != sizeof self)
    _exit (1);
  if (read (PAUSE_GO_FD, &c, 1) != 1 || unshare (CLONE_NEWNS) < 0 || chdir ("/") < 0)
    _exit (1);
  close (PAUSE_GO_FD);
  execve (monitor, argv, envp);
  _exit (1);
}

/* After the exec: holds the namespaces, does nothing else. */
int
pier_rootless_pause_main (void)
{
  prctl (PR_SET_NAME, PIER_ROOTLESS_PAUSE_NAME, 0, 0, 0);
  if (write (PAUSE_READY_FD, "m", 1) != 1)
    return 1;
  close (PAUSE_READY_FD);
  for (;;)
    pause ();
}

static gboolean
create_namespaces (const char *monitor, pid_t *out_pid, GError **error)
{
  int ready[2], go[2];
  pid_t helper, pid = -1;
  gboolean ok = FALSE;
  char c;

  if (pipe2 (ready, O_CLOEXEC) < 0)
    return pier_set_errno (error, errno, _("creating a pipe"));
  if (pipe2 (go, O_CLOEXEC) < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return pier_set_errno (error, errno, _("creating a pipe"));
    }
  helper = fork ();
  if (helper == 0)
    {
      /* Nothing of the caller's may stay open in a process that lives on: a lock held by a
       * copied descriptor would never be released, a pipe never reach its end. */
      int r = fcntl (ready[1], F_DUPFD, 100), g = fcntl (go[0], F_DUPFD, 100);
      int null = open ("/dev/null", O_RDWR);

      if (r < 0 || g < 0 || null < 0 || dup2 (null, 0) < 0 || dup2 (null, 1) < 0
          || dup2 (null, 2) < 0 || syscall (SYS_close_range, 3, 99, 0) < 0
          || dup2 (r, PAUSE_READY_FD) < 0 || dup2 (g, PAUSE_GO_FD) < 0
          || syscall (SYS_close_range, PAUSE_GO_FD + 1, ~0U, 0) < 0)
        _exit (1);
      setsid ();
      if (fork () == 0)
        pause_process (monitor);
      _exit (0);
    }
  close (ready[1]);
  close (go[0]);
  if (helper < 0)
    {
      pier_set_errno (error, errno, _("forking"));
      goto out;
    }
  waitpid (helper, NULL, 0);
  if (read (ready[0], &pid, sizeof pid) != sizeof pid)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                   _("cannot create a user namespace (are unprivileged user namespaces "
                     "disabled?)"));
      goto out;
    }
  if (!map_ids (pid, error))
    {
      kill (pid, SIGKILL);
      goto out;
    }
  if (write (go[1], "g", 1) != 1 || read (ready[0], &c, 1) != 1)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the rootless namespace's pause process (%s as %s) did not start"), monitor,
                   PIER_ROOTLESS_PAUSE_NAME);
      kill (pid, SIGKILL);
      goto out;
    }
  *out_pid = pid;
  ok = TRUE;

out:
  close (ready[0]);
  close (go[1]);
  return ok;
}

static gboolean
join (pid_t pid, GError **error)
{
  g_autofree char *cwd = g_get_current_dir ();
  const char *const ns[] = { "user", "mnt" };
  const int types[] = { CLONE_NEWUSER, CLONE_NEWNS };

  for (gsize i = 0; i < G_N_ELEMENTS (ns); i++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, ns[i]);
      pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);

      if (fd < 0 || setns (fd, types[i]) < 0)
        return pier_set_errno (error, errno, _("joining the rootless %s namespace of %d%s"), ns[i],
                               (int) pid,
                               errno == EINVAL ? " (the process already runs threads)" : "");
    }
  /* Joining a mount namespace moves to its root. */
  if (chdir (cwd) < 0 && chdir ("/") < 0)
    return pier_set_errno (error, errno, _("changing directory"));
  return TRUE;
}

gboolean
pier_rootless_ensure (const char *runroot, GError **error)
{
  g_autofree char *dir = g_build_filename (runroot, "rootless", NULL);
  g_autofree char *lock_path = g_build_filename (dir, "lock", NULL);
  g_autofree char *pid_path = g_build_filename (dir, "pause.pid", NULL);
  g_autofree char *text = NULL;
  g_autofree char *monitor = NULL;
  g_autoptr (PierLock) lock = NULL;
  pier_autofd int dirfd = -1;
  int pid = 0;
  guint64 start = 0;

  if (geteuid () == 0)
    {
      g_debug ("running as root: no user namespace to join");
      return TRUE;
    }
  if (!pier_fs_mkdir_p (dir, 0700, error))
    return FALSE;
  lock = pier_lock_acquire (lock_path, TRUE, error);
  if (lock == NULL)
    return FALSE;
  if (g_file_get_contents (pid_path, &text, NULL, NULL)
      && sscanf (text, "%d %" G_GUINT64_FORMAT, &pid, &start) == 2 && pid > 0
      && pier_proc_start_time (pid) == start)
    {
      g_debug ("rootless: joining the namespaces of pause process %d (%s)", pid, pid_path);
      return join (pid, error);
    }
  g_debug ("rootless: no live pause process in %s, starting one", pid_path);

  monitor = pier_sandbox_find_monitor (error);
  if (monitor == NULL || !create_namespaces (monitor, &pid, error))
    return FALSE;
  g_free (text);
  text = g_strdup_printf ("%d %" G_GUINT64_FORMAT "\n", pid, pier_proc_start_time (pid));
  dirfd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (dirfd < 0
      || !pier_sandbox_write_file_at (dirfd, "pause.pid", text, strlen (text), 0600, error))
    return FALSE;
  return join (pid, error);
}
