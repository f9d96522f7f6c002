/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RDP relay's socket on its own, without a session around it (root: the target is a process
 * in a network namespace of its own, and another user is tried against the socket). */
#include "test-support.h"

#include "pier-fsutil.h"
#include "pier-rdp-relay.h"
#include "pier-sandbox-private.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *socket_path;
  pid_t target;   /* our child, in a network namespace of its own */
  int relay_fd;   /* a pidfd of the relay, which detaches from its starter; -1 before */
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  int ready[2];
  char c;

  f->dir = pier_test_mkdtemp ();
  f->socket_path = g_build_filename (f->dir, "rdp.sock", NULL);
  f->relay_fd = -1;
  assert_int_equal (pipe2 (ready, O_CLOEXEC), 0);
  f->target = fork ();
  if (f->target == 0)
    {
      if (unshare (CLONE_NEWNET) < 0 || write (ready[1], "n", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (ready[1]);
  assert_int_equal (read (ready[0], &c, 1), 1);
  close (ready[0]);
  *state = f;
  return 0;
}

/* The relay ends when its target does: the target is killed, then the relay waited for. */
static int
teardown (void **state)
{
  Fixture *f = *state;

  kill (f->target, SIGKILL);
  waitpid (f->target, NULL, 0);
  if (f->relay_fd >= 0)
    {
      struct pollfd pfd = { .fd = f->relay_fd, .events = POLLIN };
      if (poll (&pfd, 1, 30000) != 1)
        syscall (SYS_pidfd_send_signal, f->relay_fd, SIGKILL, NULL, 0);
      close (f->relay_fd);
    }
  pier_test_rm_rf (f->dir);
  g_free (f->socket_path);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static guint64
net_ns (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/ns/net", pid);
  struct stat st;

  return stat (path, &st) == 0 ? st.st_ino : 0;
}

/* Starts the relay for the fixture's target and holds a pidfd of it: the one process beside the
 * target in the target's network namespace, which the relay joins (it detaches from its starter,
 * so no one is its parent here). */
static void
relay_start (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) proc = NULL;
  g_autofree char *target = g_strdup_printf ("%d", (int) f->target);
  guint64 ns = net_ns (target);
  const char *name;

  if (!pier_rdp_relay_spawn (f->socket_path, f->target, pier_proc_start_time (f->target),
                             PIER_RDP_PORT, &error))
    fail_msg ("starting the relay: %s", error->message);
  proc = g_dir_open ("/proc", 0, &error);
  pier_assert_no_error (error);
  while ((name = g_dir_read_name (proc)) != NULL)
    if (g_ascii_isdigit (name[0]) && strcmp (name, target) != 0 && net_ns (name) == ns)
      {
        assert_int_equal (f->relay_fd, -1);
        f->relay_fd = (int) syscall (SYS_pidfd_open, atoi (name), 0);
        assert_true (f->relay_fd >= 0);
      }
  assert_true (f->relay_fd >= 0);
}

/* The errno of a connection to @path made as user nobody, 0 when it connects. */
static int
connect_as_nobody (const char *path)
{
  pid_t child = fork ();
  int status;

  if (child == 0)
    {
      struct sockaddr_un addr = { .sun_family = AF_UNIX };
      int fd;

      g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
      if (setgroups (0, NULL) < 0 || setresgid (65534, 65534, 65534) < 0
          || setresuid (65534, 65534, 65534) < 0)
        _exit (255);
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      _exit (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0 ? 0 : errno);
    }
  assert_true (child > 0);
  assert_int_equal (waitpid (child, &status, 0), child);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) != 255);
  return WEXITSTATUS (status);
}

/* 0600 and the starter's whatever its umask, and so refused to another user even in a
 * directory everyone may enter (Pier's own is 0700). */
static void
test_rdp_relay_socket_private (void **state)
{
  Fixture *f = *state;
  mode_t old_mask;
  struct stat st;

  assert_int_equal (chmod (f->dir, 0755), 0);
  old_mask = umask (0);
  relay_start (f);
  umask (old_mask);
  assert_int_equal (lstat (f->socket_path, &st), 0);
  assert_true (S_ISSOCK (st.st_mode));
  assert_int_equal (st.st_mode & 07777, 0600);
  assert_int_equal (st.st_uid, geteuid ());
  assert_true (pier_rdp_relay_is_serving (f->socket_path));
  assert_int_equal (connect_as_nobody (f->socket_path), EACCES);
}

/* When its target ends, the relay ends and takes its socket with it. */
static void
test_rdp_relay_ends_with_target (void **state)
{
  Fixture *f = *state;
  struct pollfd pfd;

  relay_start (f);
  assert_int_equal (kill (f->target, SIGKILL), 0);
  pfd = (struct pollfd){ .fd = f->relay_fd, .events = POLLIN };
  assert_int_equal (poll (&pfd, 1, 30000), 1);
  assert_false (g_file_test (f->socket_path, G_FILE_TEST_EXISTS));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_rdp_relay_socket_private, setup, teardown),
    cmocka_unit_test_setup_teardown (test_rdp_relay_ends_with_target, setup, teardown),
  };

  if (geteuid () != 0)
    {
      print_message ("FAILED rdp-relay: the tests make a network namespace and need root\n");
      return 1;
    }
  return cmocka_run_group_tests_name ("rdp-relay", tests, NULL, NULL);
}
