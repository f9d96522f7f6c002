/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs as root: talking to running containers (see sandbox-fixture.h): attach with and
 * without a terminal, exec into every namespace, logs followed to the end. */
#include "sandbox-fixture.h"

#include "pier-attach.h"
#include "pier-error.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_sandbox_attach_relays_and_returns_code (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  PierSandboxStartInfo info;
  int in[2], out[2], err[2];
  Relay r = { 0 };
  GThread *thread;
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *logged = NULL;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "read line; echo got $line; echo oops >&2; cat; exit 7");
  spec->stdin_open = TRUE;
  fixture_start_ok (spec, PIER_SANDBOX_START_ATTACH, &info);
  assert_true (info.attach_fd >= 0);
  assert_int_equal (pipe2 (in, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (out, O_CLOEXEC), 0);
  assert_int_equal (pipe2 (err, O_CLOEXEC), 0);
  r = (Relay){ .conn = info.attach_fd, .in = in[0], .out = out[1], .err = err[1] };
  thread = g_thread_new ("relay", fixture_relay_thread, &r);
  assert_int_equal (write (in[1], "hello\nrest of input\n", 20), 20);
  close (in[1]); /* stdin's end reaches the command: cat returns */
  g_thread_join (thread);
  if (!r.ok)
    fail_msg ("relay: %s", r.message);
  assert_int_equal (r.code, 7);
  close (out[1]);
  close (err[1]);
  out_text = fixture_read_all_fd (out[0]);
  err_text = fixture_read_all_fd (err[0]);
  assert_string_equal (out_text, "got hello\nrest of input\n");
  assert_string_equal (err_text, "oops\n");
  close (in[0]);
  close (out[0]);
  close (err[0]);
  fixture_wait_monitor_gone (info.monitor_pid);
  pier_sandbox_start_info_clear (&info);
  logged = fixture_log_stdout (spec);
  assert_string_equal (logged, "got hello\nrest of input\n");
}

/* The monitor closes a client with a frame it never read (input sent while it was handing out
 * the last output: `run -t`'s first size, a key): the kernel then reports a reset to the client
 * ahead of the output and exit frame still queued for it, which must be read all the same.
 * More output than the socket holds keeps the monitor handing it out after the exit is
 * recorded, until the client reads (for a second at most): the input lands in that window. */
static void
test_sandbox_attach_reads_past_unread_input (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out_path = NULL;
  PierSandboxStartInfo info;
  PierSandboxState exited = { 0 };
  const guint8 frame[] = { PIER_ATTACH_STDIN, 'k' };
  struct stat st;
  int out, code = -1;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "head -c 1048576 /dev/zero; exit 4");
  spec->stdin_open = TRUE;
  fixture_start_ok (spec, PIER_SANDBOX_START_ATTACH, &info);
  if (!pier_sandbox_wait (spec->state_dir, 10000, &exited, &error))
    fail_msg ("waiting for the exit: %s", error->message);
  assert_int_equal (exited.status, PIER_SANDBOX_EXITED);
  assert_int_equal (send (info.attach_fd, frame, sizeof frame, MSG_NOSIGNAL), sizeof frame);
  out_path = g_build_filename (fx->base, "attach-out", NULL);
  out = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true (out >= 0);
  if (!pier_sandbox_attach_relay (info.attach_fd, -1, out, -1, FALSE, &code, &error))
    fail_msg ("relay: %s", error->message);
  assert_int_equal (code, 4);
  assert_int_equal (fstat (out, &st), 0);
  assert_int_equal (st.st_size, 1048576);
  close (out);
  pier_sandbox_state_clear (&exited);
  fixture_wait_monitor_gone (info.monitor_pid);
  pier_sandbox_start_info_clear (&info);
}

/* Waits until no thread of this process has @sig pending: a signalfd has read it. */
static gboolean
signal_taken (int sig)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  sigset_t pending;

  while (sigpending (&pending) == 0 && sigismember (&pending, sig))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (1000);
    }
  return TRUE;
}

static void
test_sandbox_tty_follows_client_size (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  struct winsize ws = { .ws_row = 33, .ws_col = 101 };
  PierSandboxStartInfo info;
  int master, slave;
  Relay r = { 0 };
  GThread *thread;
  sigset_t winch, old;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "tty; read x; stty size; read y; stty size; exit 3");
  spec->tty = TRUE;
  spec->stdin_open = TRUE;
  /* The client's own terminal is a pty too, whose size the relay forwards. */
  assert_int_equal (openpty (&master, &slave, NULL, NULL, &ws), 0);
  /* SIGWINCH stays pending for the relay thread's signalfd instead of being ignored. */
  sigemptyset (&winch);
  sigaddset (&winch, SIGWINCH);
  pthread_sigmask (SIG_BLOCK, &winch, &old);
  fixture_start_ok (spec, PIER_SANDBOX_START_ATTACH, &info);
  r = (Relay){ .conn = info.attach_fd, .in = slave, .out = slave, .err = slave, .tty = TRUE };
  thread = g_thread_new ("relay", fixture_relay_thread, &r);

  assert_true (fixture_read_until (master, seen, "/dev/pts/0"));
  assert_int_equal (write (master, "\r", 1), 1);
  assert_true (fixture_read_until (master, seen, "33 101"));
  ws = (struct winsize){ .ws_row = 40, .ws_col = 120 };
  assert_int_equal (ioctl (master, TIOCSWINSZ, &ws), 0);
  kill (getpid (), SIGWINCH);
  /* The resize frame goes before the next input (the monitor handles them in order): the
   * input is written once the relay has taken the signal, and sends the size first. */
  assert_true (signal_taken (SIGWINCH));
  assert_int_equal (write (master, "\r", 1), 1);
  assert_true (fixture_read_until (master, seen, "40 120"));
  g_thread_join (thread);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (!r.ok)
    fail_msg ("relay: %s", r.message);
  assert_int_equal (r.code, 3);
  close (master);
  close (slave);
  fixture_wait_monitor_gone (info.monitor_pid);
  pier_sandbox_start_info_clear (&info);
}

static char *
ns_link (pid_t pid, const char *ns)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, ns);
  return g_file_read_link (path, NULL);
}

static void
test_sandbox_exec_enters_namespaces (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GString) expected = g_string_new (NULL);
  const char *const ns[] = { "user", "mnt", "pid", "uts", "ipc", "net", "cgroup" };
  char *argv[] = { "/bin/sh", "-c",
                   GUARD "for n in user mnt pid uts ipc net cgroup; do readlink /proc/self/ns/$n; "
                         "done; echo sid=$(cut -d' ' -f6 /proc/self/stat) pid=$$; hostname; "
                         "echo uid=$(id -u); grep -cv ':/$' /proc/self/cgroup; exit 5",
                   NULL };
  PierExecSpec exec = { .argv = argv, .env = (char *[]){ "PATH=/bin", NULL } };
  PierSandboxStartInfo info;
  int code = -1;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "sleep 30");
  fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
  for (gsize i = 0; i < G_N_ELEMENTS (ns); i++)
    {
      g_autofree char *link = ns_link (info.init_pid, ns[i]);
      g_string_append_printf (expected, "%s\n", link);
    }
  text = fixture_exec_output (spec, &exec, &code);
  assert_int_equal (code, 5);
  /* The same namespaces as the init, a session of its own (the init's is 1), a pid > 1. */
  assert_true (g_str_has_prefix (text, expected->str));
  lines = g_strsplit (text + expected->len, "\n", -1);
  {
    int sid = -1, pid = -1;
    assert_int_equal (sscanf (lines[0], "sid=%d pid=%d", &sid, &pid), 2);
    assert_int_equal (sid, pid);
    assert_true (pid > 1);
  }
  assert_string_equal (lines[1], "pier-test-box");
  assert_string_equal (lines[2], "uid=0");
  /* In the init's cgroup: the root of its cgroup namespace, in every hierarchy. */
  assert_string_equal (lines[3], "0");
}

static void
test_sandbox_exec_spawn_pty (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  char *argv[] = { "/bin/sh", "-c", GUARD "tty; stty size; read x; echo bye", NULL };
  PierExecSpec exec = { .argv = argv, .env = (char *[]){ "PATH=/bin", NULL }, .tty = TRUE,
                        .tty_rows = 21, .tty_cols = 77 };
  PierSandboxStartInfo info;
  pid_t pid;
  int master, status;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "sleep 30");
  fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
  if (!pier_sandbox_exec_spawn (spec->state_dir, &exec, -1, -1, -1, &pid, &master, &error))
    fail_msg ("exec: %s", error->message);
  assert_true (master >= 0);
  /* Its host pid, our own child. */
  assert_true (g_file_test (g_strdup_printf ("/proc/%d", (int) pid), G_FILE_TEST_EXISTS));
  assert_true (fixture_read_until (master, seen, "21 77"));
  assert_non_null (strstr (seen->str, "/dev/pts/"));
  assert_int_equal (write (master, "\r", 1), 1);
  assert_true (fixture_read_until (master, seen, "bye"));
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  close (master);
}

static void
test_sandbox_logs_follow (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  LogText text = { g_string_new (NULL), g_string_new (NULL), 0 };
  PierSandboxStartInfo info;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "echo first; printf 'part'; sleep 0.3; echo ial; echo err >&2; "
                               "sleep 0.3; echo last");
  fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
  /* Follows until the exit, then returns with everything. */
  if (!pier_log_read (spec->log_path, spec->state_dir, fixture_collect_log, &text, NULL, &error))
    fail_msg ("logs: %s", error->message);
  assert_string_equal (text.out->str, "first\npartial\nlast\n");
  assert_string_equal (text.err->str, "err\n");
  g_string_free (text.out, TRUE);
  g_string_free (text.err, TRUE);
  fixture_wait_monitor_gone (info.monitor_pid);
  pier_sandbox_start_info_clear (&info);
}

int
main (void)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, fixture_setup, fixture_teardown)
  const struct CMUnitTest tests[] = {
    CASE (test_sandbox_attach_relays_and_returns_code),
    CASE (test_sandbox_attach_reads_past_unread_input),
    CASE (test_sandbox_tty_follows_client_size),
    CASE (test_sandbox_exec_enters_namespaces),
    CASE (test_sandbox_exec_spawn_pty),
    CASE (test_sandbox_logs_follow),
  };
#undef CASE

  fixture_use_build_tree_monitor ();
  return cmocka_run_group_tests (tests, NULL, NULL);
}
