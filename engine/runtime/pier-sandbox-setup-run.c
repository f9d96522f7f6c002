/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The child's side of the set-up list: everything here runs between clone() and exec(), so
 * it makes system calls and nothing else: no allocation, no lock, no GLib function (GLib's
 * macros that only compute addresses, like g_array_index, are fine). */
#include "pier-sandbox-setup-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

static size_t
append (char *buf, size_t size, size_t at, const char *s)
{
  while (s && *s && at + 1 < size)
    buf[at++] = *s++;
  buf[at < size ? at : size - 1] = '\0';
  return at;
}

/* Sends a failure: @errsv with the message a b c (an errno's text is added by the parent), or
 * errsv 0 and @code when the message says it all. */
static void
send_error (PierSetupPlan *plan, int errsv, PierErrorCode code, const char *a, const char *b,
            const char *c)
{
  PierSyncMsg msg = { .type = PIER_SYNC_ERROR, .errsv = errsv, .value = code };

  append (msg.text, sizeof msg.text,
          append (msg.text, sizeof msg.text, append (msg.text, sizeof msg.text, 0, a), b), c);
  pier_sync_send (plan->sync_fd, &msg, NULL, 0);
}

static void
report (PierSetupPlan *plan, const PierSetupOp *op, int errsv)
{
  send_error (plan, errsv, PIER_ERROR_FAILED, op->what, NULL, NULL);
}

static void
close_keep_errno (int fd)
{
  int errsv = errno;

  if (fd >= 0)
    close (fd);
  errno = errsv;
}

static gboolean
on_proc_or_sys (int fd)
{
  struct statfs sfs;

  return fstatfs (fd, &sfs) == 0 && (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC);
}

/* An O_PATH descriptor of @path under @root; with PIER_SETUP_CREATE a missing target is made
 * (a directory, or an empty file with PIER_SETUP_FILE), parents included, and a dangling
 * symlink in the way is followed, within the root, to where it points. With PIER_SETUP_GUARD,
 * a target (or a parent to create in) inside /proc or /sys fails with EXDEV. */
static int
resolve (int root, const char *path, int options, int depth)
{
  char buf[PATH_MAX];
  char next[PATH_MAX];
  const char *parent;
  char *name, *slash;
  size_t len;
  int fd, pfd, r;

  fd = pier_fs_open_in_root (root, path, O_PATH, 0);
  if (fd >= 0 && (options & PIER_SETUP_GUARD) && on_proc_or_sys (fd))
    {
      close (fd);
      errno = EXDEV;
      return -1;
    }
  if (fd >= 0 || errno != ENOENT || !(options & PIER_SETUP_CREATE))
    return fd;
  if (depth > 32)
    {
      errno = ELOOP;
      return -1;
    }
  len = append (buf, sizeof buf, 0, path);
  if (len + 1 >= sizeof buf)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  while (len > 1 && buf[len - 1] == '/')
    buf[--len] = '\0';
  slash = strrchr (buf, '/');
  if (slash == NULL)
    {
      parent = "/";
      name = buf;
    }
  else
    {
      *slash = '\0';
      parent = buf[0] ? buf : "/";
      name = slash + 1;
    }
  if (name[0] == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      errno = EINVAL;
      return -1;
    }
  pfd = resolve (root, parent, PIER_SETUP_CREATE | (options & PIER_SETUP_GUARD), depth + 1);
  if (pfd < 0)
    return -1;
  if (options & PIER_SETUP_FILE)
    {
      r = openat (pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        close (r);
    }
  else
    r = mkdirat (pfd, name, 0755);
  if (r < 0 && errno == EEXIST)
    {
      ssize_t n = readlinkat (pfd, name, next, sizeof next - 1);
      if (n > 0)
        {
          size_t at = 0;

          next[n] = '\0';
          close (pfd);
          if (next[0] != '/')
            {
              char joined[PATH_MAX];

              at = append (joined, sizeof joined, 0, parent);
              at = append (joined, sizeof joined, at, "/");
              at = append (joined, sizeof joined, at, next);
              if (at + 1 >= sizeof joined)
                {
                  errno = ENAMETOOLONG;
                  return -1;
                }
              return resolve (root, joined, options, depth + 1);
            }
          return resolve (root, next, options, depth + 1);
        }
    }
  else if (r < 0)
    {
      close_keep_errno (pfd);
      return -1;
    }
  close (pfd);
  return resolve (root, path, options & ~PIER_SETUP_CREATE, depth + 1);
}

/* The target of a mount step, or -1 after reporting (or with errno ENOENT for an optional
 * step, which the caller skips). */
static int
target_of (PierSetupPlan *plan, const PierSetupOp *op)
{
  int fd = resolve (plan->root_fd, op->path, op->options, 0);

  if (fd >= 0)
    return fd;
  if (errno == ENOENT && (op->options & PIER_SETUP_OPTIONAL))
    return -1;
  if (errno == EXDEV)
    send_error (plan, 0, PIER_ERROR_UNSAFE, op->what,
                ": the destination resolves into /proc or /sys", NULL);
  else
    report (plan, op, errno);
  return -1;
}

static int
move_onto (int tree, int target)
{
  return move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int
set_readonly (int tree, gboolean recursive)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  return mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                        sizeof attr);
}

/* A new instance of @fstype, configured and detached; on failure the kernel's own words about
 * it (the fs context log) go to @detail. */
static int
make_fs (const char *fstype, const char *const *params, guint64 attrs, char *detail,
         size_t detail_size)
{
  int fs = fsopen (fstype, FSOPEN_CLOEXEC);
  int mnt = -1;

  detail[0] = '\0';
  if (fs < 0)
    return -1;
  for (const char *const *p = params; p && *p; p += 2)
    if (fsconfig (fs, p[1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, p[0], p[1], 0) < 0)
      goto fail;
  if (fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    goto fail;
  mnt = fsmount (fs, FSMOUNT_CLOEXEC, (unsigned int) attrs);
  if (mnt < 0)
    goto fail;
  close (fs);
  return mnt;

fail:
  {
    int errsv = errno;
    ssize_t n = read (fs, detail, detail_size - 1);
    /* Log lines are "e overlay: message"; the message is what a person needs. */
    if (n > 2)
      {
        detail[n] = '\0';
        if (detail[n - 1] == '\n')
          detail[n - 1] = '\0';
        memmove (detail, detail + 2, (size_t) n - 1);
      }
    else
      detail[0] = '\0';
    close (fs);
    errno = errsv;
    return -1;
  }
}

/* Moves the detached mount @tree (-1 when making it failed) onto @target; closes both. */
static int
move_and_close (PierSetupPlan *plan, const PierSetupOp *op, int tree, int target)
{
  int rc = 0;

  if (tree < 0 || move_onto (tree, target) < 0)
    {
      report (plan, op, errno);
      rc = -1;
    }
  close_keep_errno (tree);
  close_keep_errno (target);
  return rc;
}

/* Moves the detached mount @tree onto the op's destination and closes it. An optional
 * destination that does not exist is skipped. */
static int
place_tree (PierSetupPlan *plan, const PierSetupOp *op, int tree)
{
  int target = target_of (plan, op);

  if (target < 0)
    {
      close_keep_errno (tree);
      return errno == ENOENT && (op->options & PIER_SETUP_OPTIONAL) ? 0 : -1;
    }
  return move_and_close (plan, op, tree, target);
}

static int
op_mount (PierSetupPlan *plan, const PierSetupOp *op)
{
  char detail[256];
  int mnt;

  mnt = make_fs (op->arg, op->params, op->value, detail, sizeof detail);
  if (mnt < 0)
    {
      int errsv = errno;
      if (detail[0])
        send_error (plan, 0, pier_error_code_from_errno (errsv), op->what, ": ", detail);
      else
        report (plan, op, errsv);
      return -1;
    }
  return place_tree (plan, op, mnt);
}

static int
op_bind (PierSetupPlan *plan, const PierSetupOp *op)
{
  int *slot = &g_array_index (plan->slots, int, op->slot);
  int target;

  if ((op->options & PIER_SETUP_READONLY)
      && set_readonly (*slot, (op->options & PIER_SETUP_RECURSIVE) != 0) < 0)
    {
      report (plan, op, errno);
      return -1;
    }
  target = target_of (plan, op);
  if (target < 0)
    return -1;
  if (move_onto (*slot, target) < 0)
    {
      report (plan, op, errno);
      close (target);
      return -1;
    }
  close (target);
  close (*slot);
  *slot = -1;
  return 0;
}

/* A detached copy of @path (in the root), or -1 (errno ENOENT for a missing path). */
static int
clone_in_root (PierSetupPlan *plan, const char *path, gboolean recursive)
{
  int fd = pier_fs_open_in_root (plan->root_fd, path, O_PATH, 0);
  int tree;

  if (fd < 0)
    return -1;
  tree = open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH
                              | (recursive ? AT_RECURSIVE : 0));
  close_keep_errno (fd);
  return tree;
}

static int
op_bind_in_root (PierSetupPlan *plan, const PierSetupOp *op)
{
  gboolean recursive = (op->options & PIER_SETUP_RECURSIVE) != 0;
  int tree = clone_in_root (plan, op->arg, recursive);

  if (tree < 0)
    {
      if (errno == ENOENT && (op->options & PIER_SETUP_OPTIONAL))
        return 0;
      report (plan, op, errno);
      return -1;
    }
  if ((op->options & PIER_SETUP_READONLY) && set_readonly (tree, recursive) < 0)
    {
      report (plan, op, errno);
      close (tree);
      return -1;
    }
  return place_tree (plan, op, tree);
}

static int
op_mask (PierSetupPlan *plan, const PierSetupOp *op)
{
  static const char *const empty_params[] = { "size", "0", "mode", "0555", NULL };
  struct stat st;
  char detail[256];
  int target, tree;

  target = pier_fs_open_in_root (plan->root_fd, op->path, O_PATH | O_NOFOLLOW, 0);
  if (target < 0)
    {
      if (errno == ENOENT)
        return 0;
      report (plan, op, errno);
      return -1;
    }
  if (fstat (target, &st) < 0)
    tree = -1;
  else if (S_ISDIR (st.st_mode))
    tree = make_fs ("tmpfs", empty_params,
                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                    detail, sizeof detail);
  else
    tree = clone_in_root (plan, op->arg, FALSE);
  return move_and_close (plan, op, tree, target);
}

static int
op_symlink (PierSetupPlan *plan, const PierSetupOp *op)
{
  const char *name = strrchr (op->path, '/');
  char parent[PATH_MAX];
  int pfd;

  append (parent, sizeof parent, 0, op->path);
  parent[name - op->path] = '\0';
  pfd = pier_fs_open_in_root (plan->root_fd, parent[0] ? parent : "/",
                              O_PATH | O_DIRECTORY, 0);
  if (pfd < 0 || (symlinkat (op->arg, pfd, name + 1) < 0 && errno != EEXIST))
    {
      report (plan, op, errno);
      close_keep_errno (pfd);
      return -1;
    }
  close (pfd);
  return 0;
}

static int
op_pivot_root (PierSetupPlan *plan, const PierSetupOp *op)
{
  /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the
   * container's tree in this mount namespace. */
  if (fchdir (plan->root_fd) < 0 || syscall (SYS_pivot_root, ".", ".") < 0
      || umount2 (".", MNT_DETACH) < 0 || chdir ("/") < 0)
    {
      report (plan, op, errno);
      return -1;
    }
  return 0;
}

static int
op_stdio (PierSetupPlan *plan, const PierSetupOp *op)
{
  int high[3];

  if (setsid () < 0)
    goto fail;
  /* Through fds above 2 first: the three may be any permutation of 0, 1 and 2. */
  for (int i = 0; i < 3; i++)
    {
      high[i] = fcntl (g_array_index (plan->slots, int, op->slot + i), F_DUPFD_CLOEXEC, 3);
      if (high[i] < 0)
        goto fail;
    }
  for (int i = 0; i < 3; i++)
    if (dup2 (high[i], i) < 0)
      goto fail;
  for (int i = 0; i < 3; i++)
    close (high[i]);
  return 0;

fail:
  report (plan, op, errno);
  return -1;
}

static int
op_pty (PierSetupPlan *plan, const PierSetupOp *op)
{
  PierSyncMsg msg = { .type = PIER_SYNC_PTY };
  struct winsize ws = { .ws_row = (unsigned short) (op->value >> 16),
                        .ws_col = (unsigned short) (op->value & 0xffff) };
  int unlock = 0;
  int master, slave = -1;

  /* "/" is the container's by now (after pivot_root, or setns for exec). */
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ioctl (master, TIOCSPTLCK, &unlock) < 0)
    goto fail;
  slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    goto fail;
  if (ws.ws_row > 0 && ws.ws_col > 0 && ioctl (slave, TIOCSWINSZ, &ws) < 0)
    goto fail;
  if (pier_sync_send (plan->sync_fd, &msg, &master, 1) < 0)
    goto fail;
  close (master);
  master = -1;
  if (setsid () < 0 || ioctl (slave, TIOCSCTTY, 0) < 0)
    goto fail;
  if (op->options & PIER_SETUP_CONSOLE)
    {
      int tree = open_tree (slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
      int target = open ("/dev/console", O_PATH | O_CLOEXEC);
      int r = tree >= 0 && target >= 0 ? move_onto (tree, target) : -1;
      close_keep_errno (tree);
      close_keep_errno (target);
      if (r < 0)
        goto fail;
    }
  for (int i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      goto fail;
  close (slave);
  return 0;

fail:
  report (plan, op, errno);
  close_keep_errno (master);
  close_keep_errno (slave);
  return -1;
}

static int
op_caps_bound (PierSetupPlan *plan, const PierSetupOp *op)
{
  for (int cap = 0; cap < 64; cap++)
    {
      if (op->value & (G_GUINT64_CONSTANT (1) << cap))
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        {
          if (errno == EINVAL) /* past the kernel's last capability */
            break;
          report (plan, op, errno);
          return -1;
        }
    }
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      report (plan, op, errno);
      return -1;
    }
  return 0;
}

static int
op_caps_set (PierSetupPlan *plan, const PierSetupOp *op)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct data[2];

  if (syscall (SYS_capget, &header, data) < 0)
    goto fail;
  for (int i = 0; i < 2; i++)
    {
      data[i].permitted &= (guint32) (op->value >> (32 * i));
      data[i].effective = data[i].permitted;
      data[i].inheritable = 0;
    }
  if (syscall (SYS_capset, &header, data) < 0)
    goto fail;
  return 0;

fail:
  report (plan, op, errno);
  return -1;
}

/* Raw system calls: glibc's set*id() would signal threads the child does not have. */
static int
op_identity (PierSetupPlan *plan, const PierSetupOp *op)
{
  guint32 uid = op->ids[0], gid = op->ids[1];
  int n_groups = op->n_ids - 2;

  /* A user namespace set up without newgidmap forbids setgroups(); with no groups asked for,
   * the inherited (unmapped) ones are all there is to keep. */
  if (syscall (SYS_setgroups, n_groups, op->ids + 2) < 0 && !(errno == EPERM && n_groups == 0))
    goto fail;
  if (syscall (SYS_setresgid, gid, gid, gid) < 0 || syscall (SYS_setresuid, uid, uid, uid) < 0)
    goto fail;
  return 0;

fail:
  report (plan, op, errno);
  return -1;
}

static int
op_recv_fds (PierSetupPlan *plan, const PierSetupOp *op)
{
  PierSyncMsg msg;
  int fds[16];
  int n = 0;
  ssize_t r = pier_sync_recv (plan->sync_fd, &msg, fds, 16, &n);

  if (r <= 0 || msg.type != PIER_SYNC_GO)
    {
      /* The parent gave up (and said why to its own caller): nothing to add. */
      return -1;
    }
  for (int i = 0; i < n; i++)
    g_array_index (plan->slots, int, op->slot + i) = fds[i];
  return 0;
}

static int
op_join_cgroups (PierSetupPlan *plan, const PierSetupOp *op)
{
  for (const char *const *p = op->params; p && *p; p++)
    {
      int fd = open (*p, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, "0", 1) != 1)
        {
          char text[sizeof ((PierSyncMsg *) 0)->text];
          size_t at = append (text, sizeof text, 0, op->what);
          at = append (text, sizeof text, at, " ");
          append (text, sizeof text, at, *p);
          op = &(PierSetupOp){ .what = text };
          report (plan, op, errno);
          close_keep_errno (fd);
          return -1;
        }
      close (fd);
    }
  return 0;
}

static int
op_fork_sibling (PierSetupPlan *plan, const PierSetupOp *op)
{
  PierSyncMsg msg = { .type = PIER_SYNC_PID };
  long pid = syscall (SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);

  if (pid < 0)
    {
      report (plan, op, errno);
      return -1;
    }
  if (pid == 0)
    return 0;
  msg.value = pid;
  pier_sync_send (plan->sync_fd, &msg, NULL, 0);
  _exit (0);
}

static void
op_exec (PierSetupPlan *plan, const PierSetupOp *op)
{
  gboolean denied = FALSE;

  if (plan->candidates[0] == NULL)
    {
      execve (plan->command, plan->argv, plan->envp);
      report (plan, op, errno);
      return;
    }
  for (const char *const *c = plan->candidates; *c; c++)
    {
      execve (*c, plan->argv, plan->envp);
      if (errno == EACCES)
        denied = TRUE;
      else if (errno != ENOENT && errno != ENOTDIR)
        {
          report (plan, op, errno);
          return;
        }
    }
  if (denied)
    {
      report (plan, op, EACCES);
      return;
    }
  send_error (plan, 0, PIER_ERROR_EXECUTABLE_NOT_FOUND, "executable file not found in $PATH: ",
              plan->command, NULL);
}

static int
run_op (PierSetupPlan *plan, const PierSetupOp *op)
{
  int *slot = op->slot >= 0 ? &g_array_index (plan->slots, int, op->slot) : NULL;

  switch (op->kind)
    {
    case PIER_SETUP_RESET_SIGNALS:
      {
        /* Blocked and ignored signals survive execve(); the parent's choices (the monitor
         * blocks SIGCHLD, an application may ignore SIGPIPE) are not the command's. */
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigset_t none;

        for (int sig = 1; op->value && sig < NSIG; sig++)
          if (sig != SIGKILL && sig != SIGSTOP)
            sigaction (sig, &dfl, NULL);
        sigemptyset (&none);
        if (sigprocmask (SIG_SETMASK, &none, NULL) < 0)
          break;
        return 0;
      }
    case PIER_SETUP_RECV_FDS:
      return op_recv_fds (plan, op);
    case PIER_SETUP_UNSHARE:
      if (unshare ((int) op->value) < 0)
        break;
      return 0;
    case PIER_SETUP_MAKE_PRIVATE:
      if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        break;
      return 0;
    case PIER_SETUP_OPEN_TREE:
      *slot = open_tree (AT_FDCWD, op->path,
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC
                             | ((op->options & PIER_SETUP_RECURSIVE) ? AT_RECURSIVE : 0));
      if (*slot < 0)
        break;
      return 0;
    case PIER_SETUP_ATTACH_ROOT:
      if (move_mount (*slot, "", AT_FDCWD, op->path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        break;
      /* The descriptor of a mount's root keeps naming it once attached. */
      plan->root_fd = *slot;
      return 0;
    case PIER_SETUP_BECOME_ROOT:
      if (syscall (SYS_setresgid, 0, 0, 0) < 0 || syscall (SYS_setresuid, 0, 0, 0) < 0)
        break;
      return 0;
    case PIER_SETUP_MOUNT:
      return op_mount (plan, op);
    case PIER_SETUP_BIND:
      return op_bind (plan, op);
    case PIER_SETUP_BIND_IN_ROOT:
      return op_bind_in_root (plan, op);
    case PIER_SETUP_MASK:
      return op_mask (plan, op);
    case PIER_SETUP_SEAL:
      {
        int fd = pier_fs_open_in_root (plan->root_fd, op->path, O_PATH | O_DIRECTORY, 0);
        int r = fd < 0 ? -1 : set_readonly (fd, FALSE);
        close_keep_errno (fd);
        if (r < 0)
          break;
        return 0;
      }
    case PIER_SETUP_SYMLINK:
      return op_symlink (plan, op);
    case PIER_SETUP_MKPATH:
      {
        int fd = resolve (plan->root_fd, op->path,
                          PIER_SETUP_CREATE | (op->options & PIER_SETUP_FILE), 0);
        if (fd < 0)
          break;
        close (fd);
        return 0;
      }
    case PIER_SETUP_SETHOSTNAME:
      if (sethostname (op->arg, strlen (op->arg)) < 0)
        break;
      return 0;
    case PIER_SETUP_PIVOT_ROOT:
      return op_pivot_root (plan, op);
    case PIER_SETUP_STDIO:
      return op_stdio (plan, op);
    case PIER_SETUP_PTY:
      return op_pty (plan, op);
    case PIER_SETUP_CAPS_BOUND:
      return op_caps_bound (plan, op);
    case PIER_SETUP_IDENTITY:
      return op_identity (plan, op);
    case PIER_SETUP_CHDIR:
      if (chdir (op->path) < 0)
        break;
      return 0;
    case PIER_SETUP_CAPS_SET:
      return op_caps_set (plan, op);
    case PIER_SETUP_NO_NEW_PRIVS:
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        break;
      return 0;
    case PIER_SETUP_SECCOMP:
      {
        struct sock_fprog prog = { .len = op->filter_len,
                                   .filter = (struct sock_filter *) op->filter };
        if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned int) op->value, &prog) < 0)
          break;
        return 0;
      }
    case PIER_SETUP_PDEATHSIG:
      {
        char c;
        if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
          break;
        /* The parent may have died before the signal was armed: then its end of the sync
         * socket is closed. */
        if (recv (plan->sync_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
          _exit (1);
        return 0;
      }
    case PIER_SETUP_JOIN_CGROUPS:
      return op_join_cgroups (plan, op);
    case PIER_SETUP_SETNS:
      if (setns (*slot, (int) op->value) < 0)
        break;
      return 0;
    case PIER_SETUP_FORK_SIBLING:
      return op_fork_sibling (plan, op);
    case PIER_SETUP_EXEC:
      op_exec (plan, op);
      return -1;
    }
  report (plan, op, errno);
  return -1;
}

void
pier_setup_plan_run (PierSetupPlan *plan)
{
  for (guint i = 0; i < plan->ops->len; i++)
    if (run_op (plan, &g_array_index (plan->ops, PierSetupOp, i)) < 0)
      return;
}
