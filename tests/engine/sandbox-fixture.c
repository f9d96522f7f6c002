/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Real containers for the sandbox tests: a busybox rootfs in a temporary folder and the
 * helpers to run commands in it (see sandbox-fixture.h). */
#include "sandbox-fixture.h"

#include "pier-error.h"
#include "pier-fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

gboolean
fixture_make_busybox_layer (const char *dir, GError **error)
{
  g_autofree char *bin = g_build_filename (dir, "bin", NULL);
  g_autofree char *busybox = g_build_filename (bin, "busybox", NULL);
  g_autofree char *marker = g_build_filename (dir, MARKER, NULL);
  g_autofree char *evil = g_build_filename (dir, "evil", NULL);
  g_autofree char *data = NULL;
  g_autofree char *list = NULL;
  g_auto (GStrv) applets = NULL;
  const char *list_argv[] = { "/bin/busybox", "--list", NULL };
  gsize len;

  if (!pier_fs_mkdir_p (bin, 0755, error)
      || !g_file_get_contents ("/bin/busybox", &data, &len, error)
      || !g_file_set_contents_full (busybox, data, len, G_FILE_SET_CONTENTS_NONE, 0755, error)
      || !g_file_set_contents (marker, "", 0, error)
      || !g_spawn_sync (NULL, (char **) list_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &list, NULL,
                        NULL, error))
    return FALSE;
  if (symlink ("/proc/sys", evil) < 0)
    return pier_set_errno (error, errno, "linking %s", evil);
  applets = g_strsplit (list, "\n", -1);
  for (char **a = applets; *a; a++)
    {
      g_autofree char *link = NULL;
      if (**a == '\0' || strcmp (*a, "busybox") == 0)
        continue;
      link = g_build_filename (bin, *a, NULL);
      if (symlink ("busybox", link) < 0)
        return pier_set_errno (error, errno, "linking %s", link);
    }
  return TRUE;
}

void
fixture_use_build_tree_monitor (void)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");

  if (g_getenv ("PIER_MONITOR_PATH") == NULL && build != NULL)
    {
      g_autofree char *monitor = g_build_filename (build, "app", "pier-monitor", NULL);
      g_setenv ("PIER_MONITOR_PATH", monitor, TRUE);
    }
}

int
fixture_setup (void **state)
{
  g_autoptr (GError) error = NULL;
  Fixture *fx = g_new0 (Fixture, 1);

  fixture_use_build_tree_monitor ();
  fx->base = pier_test_mkdtemp ();
  fx->lower = g_build_filename (fx->base, "lower", NULL);
  fx->state_dirs = g_ptr_array_new_with_free_func (g_free);
  if (!fixture_make_busybox_layer (fx->lower, &error))
    fail_msg ("making the rootfs: %s", error->message);
  *state = fx;
  return 0;
}

void
fixture_wait_monitor_gone (pid_t pid)
{
  struct pollfd pfd = { .fd = (int) syscall (SYS_pidfd_open, pid, 0), .events = POLLIN };

  if (pfd.fd >= 0)
    {
      poll (&pfd, 1, 10000);
      close (pfd.fd);
    }
}

int
fixture_teardown (void **state)
{
  Fixture *fx = *state;

  for (guint i = 0; i < fx->state_dirs->len; i++)
    {
      const char *dir = fx->state_dirs->pdata[i];
      PierSandboxState st = { 0 };

      pier_sandbox_stop (dir, SIGKILL, 0, NULL);
      if (pier_sandbox_get_state (dir, &st, NULL) && st.monitor_pid > 0)
        fixture_wait_monitor_gone (st.monitor_pid);
      pier_sandbox_state_clear (&st);
      pier_sandbox_cleanup (dir, NULL);
    }
  g_ptr_array_unref (fx->state_dirs);
  pier_test_rm_rf (fx->base);
  g_free (fx->base);
  g_free (fx->lower);
  g_free (fx);
  return 0;
}

char *
fixture_random_id (void)
{
  GString *id = g_string_new (NULL);

  for (int i = 0; i < 8; i++)
    g_string_append_printf (id, "%08x", g_random_int ());
  return g_string_free (id, FALSE);
}

PierSandboxSpec *
fixture_new_spec (Fixture *fx, const char *script)
{
  PierSandboxSpec *spec = pier_sandbox_spec_new ();
  g_autofree char *dir = g_strdup_printf ("%s/c%d", fx->base, fx->counter++);
  g_autoptr (GError) error = NULL;

  spec->id = fixture_random_id ();
  spec->hostname = g_strdup ("pier-test-box");
  spec->state_dir = g_build_filename (dir, "state", NULL);
  spec->log_path = g_build_filename (dir, "log", NULL);
  spec->runroot = g_build_filename (dir, "run", NULL);
  spec->lower_dirs = g_new0 (char *, 2);
  spec->lower_dirs[0] = g_strdup (fx->lower);
  spec->upper_dir = g_build_filename (dir, "upper", NULL);
  spec->work_dir = g_build_filename (dir, "work", NULL);
  spec->argv = g_new0 (char *, 4);
  spec->argv[0] = g_strdup ("/bin/sh");
  spec->argv[1] = g_strdup ("-c");
  spec->argv[2] = g_strconcat (GUARD, script, NULL);
  spec->env = g_strsplit ("PATH=/bin", " ", -1);
  spec->uid_base = spec->gid_base = TEST_UID_BASE;
  spec->uid_count = spec->gid_count = 65536;
  spec->network = PIER_NETWORK_NONE;
  if (!pier_fs_mkdir_p (spec->upper_dir, 0755, &error)
      || !pier_fs_mkdir_p (spec->work_dir, 0700, &error))
    fail_msg ("%s", error->message);
  g_ptr_array_add (fx->state_dirs, g_strdup (spec->state_dir));
  return spec;
}

void
fixture_start_ok (const PierSandboxSpec *spec, PierSandboxStartFlags flags,
                  PierSandboxStartInfo *info)
{
  g_autoptr (GError) error = NULL;

  if (!pier_sandbox_start (spec, flags, info, &error))
    fail_msg ("start: %s", error->message);
  for (char **w = info->warnings; w && *w; w++)
    print_message ("warning: %s\n", *w);
}

int
fixture_run_to_exit (const PierSandboxSpec *spec)
{
  g_autoptr (GError) error = NULL;
  PierSandboxStartInfo info;
  PierSandboxState state;
  int code;

  fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
  if (!pier_sandbox_wait (spec->state_dir, 20000, &state, &error))
    fail_msg ("wait: %s", error->message);
  assert_int_equal (state.status, PIER_SANDBOX_EXITED);
  assert_false (state.stale);
  code = state.exit_code;
  fixture_wait_monitor_gone (info.monitor_pid);
  pier_sandbox_state_clear (&state);
  pier_sandbox_start_info_clear (&info);
  return code;
}

gboolean
fixture_collect_log (const PierLogEntry *entry, gpointer data)
{
  LogText *text = data;
  GString *s = entry->stream == PIER_LOG_STDERR ? text->err : text->out;

  g_string_append_len (s, entry->data, entry->len);
  if (!entry->partial)
    g_string_append_c (s, '\n');
  text->entries++;
  return TRUE;
}

char *
fixture_log_stdout (const PierSandboxSpec *spec)
{
  g_autoptr (GError) error = NULL;
  LogText text = { g_string_new (NULL), g_string_new (NULL), 0 };

  if (!pier_log_read (spec->log_path, NULL, fixture_collect_log, &text, NULL, &error))
    fail_msg ("reading the log: %s", error->message);
  if (text.err->len > 0)
    print_message ("container stderr: %s", text.err->str);
  g_string_free (text.err, TRUE);
  return g_string_free (text.out, FALSE);
}

char *
fixture_run_for_stdout (Fixture *fx, const char *script, int expected_code)
{
  g_autoptr (PierSandboxSpec) spec = fixture_new_spec (fx, script);
  int code = fixture_run_to_exit (spec);
  char *out = fixture_log_stdout (spec);

  if (code != expected_code)
    fail_msg ("exit code %d, expected %d; output: %s", code, expected_code, out);
  return out;
}

gpointer
fixture_relay_thread (gpointer data)
{
  Relay *r = data;
  g_autoptr (GError) error = NULL;

  r->ok = pier_sandbox_attach_relay (r->conn, r->in, r->out, r->err, r->tty, &r->code, &error);
  if (error)
    r->message = g_strdup (error->message);
  return NULL;
}

char *
fixture_read_all_fd (int fd)
{
  GString *s = g_string_new (NULL);
  char buf[4096];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (s, buf, n);
  return g_string_free (s, FALSE);
}

gboolean
fixture_read_until (int fd, GString *acc, const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (strstr (acc->str, needle) == NULL)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      char buf[1024];
      ssize_t n;

      if (g_get_monotonic_time () > deadline || poll (&pfd, 1, 1000) < 0)
        return FALSE;
      if (!(pfd.revents & POLLIN))
        continue;
      n = read (fd, buf, sizeof buf);
      if (n <= 0)
        return FALSE;
      g_string_append_len (acc, buf, n);
    }
  return TRUE;
}

char *
fixture_exec_output (const PierSandboxSpec *spec, const PierExecSpec *exec, int *code)
{
  g_autoptr (GError) error = NULL;
  int out[2];
  char *text;

  assert_int_equal (pipe2 (out, O_CLOEXEC), 0);
  if (!pier_sandbox_exec (spec->state_dir, exec, -1, out[1], out[1], code, &error))
    fail_msg ("exec: %s", error->message);
  close (out[1]);
  text = fixture_read_all_fd (out[0]);
  close (out[0]);
  return text;
}
