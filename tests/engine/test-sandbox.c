/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs as root: containers through the engine's runtime API (see sandbox-fixture.h): the init,
 * its filesystem and hardening, its lifetime, failures, limits. The rootless case runs this
 * same binary again as the user pier-test (created if absent, with an /etc/subuid range)
 * through setpriv, in --rootless-helper mode. Attach, exec and logs: test-sandbox-io.c. */
#include "sandbox-fixture.h"

#include "pier-cgroup-private.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-rootless.h"
#include "pier-sandbox-private.h"
#include "pier-userns.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOTLESS_USER "pier-test"

static void
test_sandbox_init_is_pid1_with_hostname (void **state)
{
  Fixture *fx = *state;
  g_autofree char *out = NULL;

  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GDir) upper = NULL;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "echo pid=$$; hostname");
  assert_int_equal (fixture_run_to_exit (spec), 0);
  out = fixture_log_stdout (spec);
  assert_string_equal (out, "pid=1\npier-test-box\n");
  /* The mount points the image lacks (/proc, /etc/hosts...) come from the init layer: the
   * sandbox layer holds only what the command changed, here nothing. */
  upper = g_dir_open (spec->upper_dir, 0, NULL);
  assert_non_null (upper);
  assert_null (g_dir_read_name (upper));
}

static void
test_sandbox_root_is_uid_base_on_host (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = g_strdup_printf ("0\n 0 %u 65536\n", TEST_UID_BASE);
  g_autofree char *created = NULL;
  g_autofree char *copied_up = NULL;
  struct stat st;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "id -u; tr -s ' ' < /proc/self/uid_map; echo new > /created; "
                               "echo more >> /" MARKER);
  assert_int_equal (fixture_run_to_exit (spec), 0);
  out = fixture_log_stdout (spec);
  /* the whole output: "0\n" alone is in "2000000000\n" too */
  assert_string_equal (out, expected);
  /* On the host, what root made in the container belongs to uid_base. */
  created = g_build_filename (spec->upper_dir, "created", NULL);
  assert_int_equal (stat (created, &st), 0);
  assert_int_equal (st.st_uid, TEST_UID_BASE);
  assert_int_equal (st.st_gid, TEST_UID_BASE);
  /* A root-owned file of the layer, copied up on write: uid_base too. */
  copied_up = g_build_filename (spec->upper_dir, MARKER, NULL);
  assert_int_equal (stat (copied_up, &st), 0);
  assert_int_equal (st.st_uid, TEST_UID_BASE);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* "path mode uid gid size mtime ctime sha256" for every entry under @dir. */
static void
list_tree (GString *out, const char *dir, const char *rel)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  assert_non_null (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child_rel = g_build_filename (rel, names->pdata[i], NULL);
      g_autofree char *child = g_build_filename (dir, child_rel, NULL);
      g_autofree char *digest = NULL;
      struct stat st;

      assert_int_equal (lstat (child, &st), 0);
      if (S_ISREG (st.st_mode))
        {
          g_autofree char *data = NULL;
          gsize len;
          assert_true (g_file_get_contents (child, &data, &len, NULL));
          digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, len);
        }
      else if (S_ISLNK (st.st_mode))
        digest = g_file_read_link (child, NULL);
      g_string_append_printf (out, "%s %o %u %u %lld %lld.%09ld %lld.%09ld %s\n", child_rel,
                              st.st_mode, st.st_uid, st.st_gid, (long long) st.st_size,
                              (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                              (long long) st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
                              digest ? digest : "");
      if (S_ISDIR (st.st_mode))
        list_tree (out, dir, child_rel);
    }
}

static void
test_sandbox_layer_untouched (void **state)
{
  Fixture *fx = *state;
  g_autoptr (GString) before = g_string_new (NULL);
  g_autoptr (GString) after = g_string_new (NULL);
  g_autofree char *out = NULL;

  REQUIRE_ROOT ();
  list_tree (before, fx->lower, "");
  out = fixture_run_for_stdout (fx,
                                "echo changed >> /bin/busybox-note; echo x >> /" MARKER "; "
                                "rm /bin/ls /bin/cat; chmod 700 /bin; chown 5:5 /bin/sh; "
                                "mkdir -p /etc/deep/er; touch -d 2001-01-01 /bin/busybox; "
                                "rm -r /bin/vi; [ ! -e /bin/ls ] && echo gone",
                                0);
  assert_string_equal (out, "gone\n");
  list_tree (after, fx->lower, "");
  if (strcmp (before->str, after->str) != 0)
    {
      g_auto (GStrv) a = g_strsplit (before->str, "\n", -1);
      g_auto (GStrv) b = g_strsplit (after->str, "\n", -1);
      for (gsize i = 0; a[i] && b[i]; i++)
        if (strcmp (a[i], b[i]) != 0)
          fail_msg ("the layer changed:\n  before %s\n  after  %s", a[i], b[i]);
      fail_msg ("the layer changed: %u entries before, %u after", g_strv_length (a),
                g_strv_length (b));
    }
}

static void
test_sandbox_hardening (void **state)
{
  Fixture *fx = *state;
  g_autofree char *out = NULL;

  REQUIRE_ROOT ();
  out = fixture_run_for_stdout (fx,
                                "grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/self/status "
                                "| tr -d '\\t'; "
                                "for f in /proc/kcore /proc/keys /proc/timer_list "
                                "/proc/sched_debug; do [ -e $f ] && echo $f=$(wc -c < $f); "
                                "done; "
                                "ls /sys/firmware | wc -l; "
                                "(echo x > /proc/sys/kernel/hostname) 2>/dev/null && echo sys-rw "
                                "|| echo sys-ro; "
                                "(echo x > /proc/sysrq-trigger) 2>/dev/null && echo sysrq-rw "
                                "|| echo sysrq-ro; "
                                "touch /sys/x 2>/dev/null && echo sysfs-rw || echo sysfs-ro",
                                0);
  /* Masked files read empty; which of them exist depends on the kernel's configuration. */
  {
    const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
                                   "/proc/sched_debug" };
    g_autoptr (GString) expected
        = g_string_new ("CapBnd:00000000a00405fb\nNoNewPrivs:1\nSeccomp:2\n");
    for (gsize i = 0; i < G_N_ELEMENTS (masked); i++)
      if (g_file_test (masked[i], G_FILE_TEST_EXISTS))
        g_string_append_printf (expected, "%s=0\n", masked[i]);
    g_string_append (expected, "0\nsys-ro\nsysrq-ro\nsysfs-ro\n");
    assert_string_equal (out, expected->str);
  }
}

static void
test_sandbox_dev_and_mounts (void **state)
{
  Fixture *fx = *state;
  g_autofree char *out = NULL;

  REQUIRE_ROOT ();
  out = fixture_run_for_stdout (fx,
                                "ls /dev | tr '\\n' ' '; echo; "
                                "head -c 4 /dev/zero | wc -c; echo > /dev/null && echo null-ok; "
                                "readlink /dev/ptmx; stat -c %a /dev/pts/ptmx; "
                                "grep -E ' /(proc|sys|dev|tmp|run|dev/pts|dev/shm|dev/mqueue) ' "
                                "/proc/mounts "
                                "| cut -d' ' -f2,3 | sort | tr '\\n' ' '",
                                0);
  assert_string_equal (out, "fd full mqueue null ptmx pts random shm stderr stdin stdout tty "
                            "urandom zero \n4\nnull-ok\npts/ptmx\n666\n/dev tmpfs "
                            "/dev/mqueue mqueue /dev/pts devpts /dev/shm tmpfs /proc proc "
                            "/run tmpfs /sys sysfs /tmp tmpfs ");
}

static void
test_sandbox_exit_codes (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (PierSandboxSpec) killed = NULL;
  g_autoptr (GError) error = NULL;
  PierSandboxStartInfo info;
  PierSandboxState st;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "exit 42");
  assert_int_equal (fixture_run_to_exit (spec), 42);
  /* A signal, as 128+N; PID 1 can only be killed from outside its namespace. */
  killed = fixture_new_spec (fx, "sleep 30");
  fixture_start_ok (killed, PIER_SANDBOX_START_NONE, &info);
  if (!pier_sandbox_kill (killed->state_dir, SIGKILL, &error))
    fail_msg ("kill: %s", error->message);
  assert_true (pier_sandbox_wait (killed->state_dir, 10000, &st, NULL));
  assert_int_equal (st.exit_code, 128 + SIGKILL);
  assert_true (st.finished_at > 0 && st.finished_at <= g_get_real_time ());
  pier_sandbox_state_clear (&st);
  fixture_wait_monitor_gone (info.monitor_pid);
  pier_sandbox_start_info_clear (&info);
  /* Not running any more: a clear refusal, not a signal to whatever has the pid now. */
  assert_false (pier_sandbox_kill (killed->state_dir, SIGKILL, &error));
  assert_string_equal (error->message, "the container is not running");
}

static void
test_sandbox_command_not_found (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  PierSandboxStartInfo info;
  PierSandboxState st;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "");
  g_strfreev (spec->argv);
  spec->argv = g_strsplit ("no-such-command --flag", " ", -1);
  assert_false (pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, &error));
  pier_assert_error (error, PIER_ERROR_EXECUTABLE_NOT_FOUND);
  assert_string_equal (error->message, "executable file not found in $PATH: no-such-command");
  assert_true (pier_sandbox_get_state (spec->state_dir, &st, NULL));
  assert_int_equal (st.status, PIER_SANDBOX_NOT_STARTED);
  pier_sandbox_state_clear (&st);

  g_clear_error (&error);
  g_strfreev (spec->argv);
  spec->argv = g_strsplit ("/bin/nope", " ", -1);
  assert_false (pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, &error));
  assert_string_equal (error->message, "starting /bin/nope: No such file or directory");
}

/* Any pier-monitor serving @state_dir? */
static gboolean
monitor_running_for (const char *state_dir)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", name);
      g_autofree char *cmdline = NULL;
      gsize len;

      if (!g_ascii_isdigit (*name) || !g_file_get_contents (path, &cmdline, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (strstr (cmdline, "pier-monitor") && strstr (cmdline, state_dir))
        return TRUE;
    }
  return FALSE;
}

static gboolean
cgroup_exists (const char *id)
{
  g_autoptr (GPtrArray) mounts = pier_cgroup_read_mounts (NULL);
  g_autofree char *self = pier_cgroup_read_self ();

  for (guint i = 0; mounts && i < mounts->len; i++)
    {
      PierCgroupMount *m = mounts->pdata[i];
      const char *const none[] = { NULL, NULL };
      const char *const *controllers = m->is_v2 ? none : (const char *const *) m->controllers;

      for (gsize j = 0; m->is_v2 ? j == 0 : controllers[j] != NULL; j++)
        {
          g_autofree char *own = pier_cgroup_own_path (self, controllers[j]);
          g_autofree char *own_dir = own ? pier_cgroup_own_dir (m, own) : NULL;
          g_autofree char *dir = own_dir ? pier_cgroup_container_dir (own_dir, id) : NULL;
          g_autofree char *at_root = pier_cgroup_container_dir (m->mount_point, id);

          if ((dir && g_file_test (dir, G_FILE_TEST_EXISTS))
              || g_file_test (at_root, G_FILE_TEST_EXISTS))
            return TRUE;
        }
    }
  return FALSE;
}

static void
assert_nothing_left (Fixture *fx, const PierSandboxSpec *spec)
{
  g_autofree char *mountinfo = NULL;
  g_autofree char *rootfs = g_build_filename (spec->state_dir, PIER_SANDBOX_ROOTFS, NULL);

  assert_false (monitor_running_for (spec->state_dir));
  assert_false (cgroup_exists (spec->id));
  assert_true (g_file_get_contents ("/proc/self/mountinfo", &mountinfo, NULL, NULL));
  assert_null (strstr (mountinfo, fx->base));
  assert_false (g_file_test (rootfs, G_FILE_TEST_EXISTS));
}

static void
test_sandbox_missing_volume_leaves_nothing (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (fx->base, "no-such-dir", NULL);
  g_autofree char *expected = g_strdup_printf ("volume source %s: No such file or directory",
                                               missing);
  PierSandboxStartInfo info;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "true");
  pier_sandbox_spec_add_volume (spec, missing, "/data", FALSE);
  assert_false (pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_string_equal (error->message, expected);
  assert_nothing_left (fx, spec);
}

/* A failure inside the child (after clone, cgroup and overlay) cleans up as well. */
static void
test_sandbox_mount_into_proc_refused (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  PierSandboxStartInfo info;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "true");
  pier_sandbox_spec_add_volume (spec, fx->lower, "/evil/x", TRUE);
  assert_false (pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, &error));
  pier_assert_error (error, PIER_ERROR_UNSAFE);
  assert_non_null (strstr (error->message, "resolves into /proc or /sys"));
  assert_non_null (strstr (error->message, "on /evil/x"));
  assert_nothing_left (fx, spec);
}

static void
test_sandbox_volumes (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *rw = g_build_filename (fx->base, "vol,with:odd chars", NULL);
  g_autofree char *ro = g_build_filename (fx->base, "ro-vol", NULL);
  g_autofree char *file = g_build_filename (fx->base, "single-file", NULL);
  g_autofree char *written = g_build_filename (rw, "from-container", NULL);
  g_autofree char *out = NULL;
  g_autofree char *content = NULL;

  REQUIRE_ROOT ();
  /* Host root's files are nobody's in the container: a writable volume must say so. */
  assert_int_equal (g_mkdir (rw, 0755), 0);
  assert_int_equal (chmod (rw, 0777), 0);
  assert_int_equal (g_mkdir (ro, 0755), 0);
  assert_true (g_file_set_contents (file, "one file\n", -1, NULL));
  spec = fixture_new_spec (fx, "echo hi > /data/from-container; cat /etc/one; "
                               "(touch /ro/x) 2>/dev/null && echo ro-writable || echo ro-refused; "
                               "ls -d /ro/deeper/inside");
  /* Deeper destinations after shallower ones, whatever the order given. */
  pier_sandbox_spec_add_volume (spec, ro, "/ro/deeper/inside", TRUE);
  pier_sandbox_spec_add_volume (spec, ro, "/ro", TRUE);
  pier_sandbox_spec_add_volume (spec, rw, "/data", FALSE);
  pier_sandbox_spec_add_volume (spec, file, "/etc/one", TRUE);
  assert_int_equal (g_mkdir (g_build_filename (ro, "deeper", NULL), 0755), 0);
  assert_int_equal (g_mkdir (g_build_filename (ro, "deeper", "inside", NULL), 0755), 0);
  assert_int_equal (fixture_run_to_exit (spec), 0);
  out = fixture_log_stdout (spec);
  assert_string_equal (out, "one file\nro-refused\n/ro/deeper/inside\n");
  assert_true (g_file_get_contents (written, &content, NULL, NULL));
  assert_string_equal (content, "hi\n");
}

/* The network helper's bridge, attached and released by the monitor around the container. */
static void
test_sandbox_bridge_network (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "ip -4 -o addr show eth0 | tr -s ' ' | cut -d' ' -f4; "
                               "grep pier-test-box /etc/hosts; ip route | grep default");
  spec->network = PIER_NETWORK_BRIDGE;
  assert_int_equal (fixture_run_to_exit (spec), 0);
  out = fixture_log_stdout (spec);
  lines = g_strsplit (out, "\n", -1);
  assert_true (g_str_has_prefix (lines[0], "10.89."));
  assert_true (g_str_has_suffix (lines[0], "/16"));
  *strchr (lines[0], '/') = '\0';
  assert_true (g_str_has_prefix (lines[1], lines[0]));
  assert_non_null (strstr (lines[2], "default via 10.89.0.1 dev eth0"));
  /* The lease went with the container (lease files hold their container's id). */
  dir = g_dir_open (PIER_NETWORK_LEASE_DIR, 0, NULL);
  assert_non_null (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (PIER_NETWORK_LEASE_DIR, name, NULL);
      g_autofree char *owner = NULL;
      if (g_file_get_contents (path, &owner, NULL, NULL) && strstr (owner, spec->id) != NULL)
        fail_msg ("the lease %s is left", path);
    }
}

/* The built-in host:latest image: the host's /usr, read-only, its root-owned files root's in
 * the container too (an idmapped mount, as the layers are). */
static void
test_sandbox_host_usr (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *out = NULL;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "stat -c '%u:%g' /usr/bin /usr/bin/env; "
                               "[ -x /usr/bin/env ] && echo env-here; "
                               "(touch /usr/x) 2>/dev/null && echo usr-rw || echo usr-ro");
  spec->bind_host_usr = TRUE;
  assert_int_equal (fixture_run_to_exit (spec), 0);
  out = fixture_log_stdout (spec);
  assert_string_equal (out, "0:0\n0:0\nenv-here\nusr-ro\n");
}

/* Overlay is given descriptors, not an option string: commas and colons in the sandbox
 * layer's path need no escaping. */
static void
test_sandbox_odd_layer_paths (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *odd = g_build_filename (fx->base, "a,b:c=d\\e", NULL);

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "echo ok > /f");
  g_free (spec->upper_dir);
  g_free (spec->work_dir);
  spec->upper_dir = g_build_filename (odd, "upper", NULL);
  spec->work_dir = g_build_filename (odd, "work", NULL);
  assert_true (pier_fs_mkdir_p (spec->upper_dir, 0755, NULL));
  assert_true (pier_fs_mkdir_p (spec->work_dir, 0700, NULL));
  assert_int_equal (fixture_run_to_exit (spec), 0);
  assert_true (g_file_test (g_build_filename (spec->upper_dir, "f", NULL), G_FILE_TEST_EXISTS));
}

/* TRUE when @pid runs (not a zombie) and has no signal pending, for the process or a thread. */
static gboolean
running_unsignalled (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *status = NULL;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return FALSE;
  return strstr (status, "\nState:\tZ") == NULL && strstr (status, "\nState:\tX") == NULL
         && strstr (status, "\nSigPnd:\t0000000000000000\n") != NULL
         && strstr (status, "\nShdPnd:\t0000000000000000\n") != NULL;
}

/* The container is not the starter's: it keeps running after that process is gone. */
static void
test_sandbox_outlives_starter (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  PierSandboxState st;
  pid_t child;
  int status;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "sleep 30");
  child = fork ();
  if (child == 0)
    {
      PierSandboxStartInfo info;
      _exit (pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, NULL) ? 0 : 1);
    }
  assert_int_equal (waitpid (child, &status, 0), child);
  assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  assert_true (pier_sandbox_get_state (spec->state_dir, &st, NULL));
  assert_int_equal (st.status, PIER_SANDBOX_RUNNING);
  /* A signal that the starter's exit sets off (a parent-death signal) is queued before the
   * starter can be reaped: none is on its way to the monitor or to the init. */
  assert_true (running_unsignalled (st.monitor_pid));
  assert_true (running_unsignalled (st.init_pid));
  pier_sandbox_state_clear (&st);
  /* Once is enough. */
  {
    g_autoptr (GError) error = NULL;
    PierSandboxStartInfo info;
    assert_false (pier_sandbox_start (spec, PIER_SANDBOX_START_NONE, &info, &error));
    pier_assert_error (error, PIER_ERROR_IN_USE);
  }
  assert_true (pier_sandbox_stop (spec->state_dir, 0, 1, NULL));
  assert_true (pier_sandbox_get_state (spec->state_dir, &st, NULL));
  assert_int_equal (st.status, PIER_SANDBOX_EXITED);
  assert_int_equal (st.exit_code, 128 + SIGKILL); /* sleep as PID 1 ignores SIGTERM */
  pier_sandbox_state_clear (&st);
}

static void
test_sandbox_monitor_killed_is_stale (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  PierSandboxStartInfo info;
  PierSandboxState st;
  pier_autofd int init_fd = -1;
  struct pollfd exited;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "sleep 30");
  fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
  /* readable once the init has exited, reaped or not (its reaper is the host's init) */
  init_fd = (int) syscall (SYS_pidfd_open, info.init_pid, 0);
  assert_true (init_fd >= 0);
  assert_int_equal (kill (info.monitor_pid, SIGKILL), 0);
  fixture_wait_monitor_gone (info.monitor_pid);
  assert_true (pier_sandbox_get_state (spec->state_dir, &st, NULL));
  assert_int_equal (st.status, PIER_SANDBOX_EXITED);
  assert_true (st.stale);
  assert_int_equal (st.exit_code, -1);
  assert_non_null (strstr (st.reason, "monitor"));
  pier_sandbox_state_clear (&st);
  /* The init died with its monitor (PDEATHSIG). */
  exited = (struct pollfd){ .fd = init_fd, .events = POLLIN };
  assert_int_equal (poll (&exited, 1, 30000), 1);
  assert_true (cgroup_exists (spec->id));
  assert_true (pier_sandbox_cleanup (spec->state_dir, NULL));
  assert_false (cgroup_exists (spec->id));
  pier_sandbox_start_info_clear (&info);
}

static gboolean
read_cgroup_file (const char *state_dir, const char *file, guint64 *value)
{
  pier_autofd int dirfd = open (state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_autoptr (PierSandboxRecord) record = pier_sandbox_record_read (dirfd, NULL);

  for (char **dir = record ? record->cgroup_dirs : NULL; dir && *dir; dir++)
    if (pier_cgroup_read_u64 (*dir, file, value))
      return TRUE;
  return FALSE;
}

static void
test_sandbox_limits_applied_and_read (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (GError) error = NULL;
  PierSandboxStartInfo info;
  PierCgroupStats stats;
  guint64 value = 0;

  REQUIRE_ROOT ();
  spec = fixture_new_spec (fx, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 30 & wait");
  spec->memory_bytes = 64 << 20;
  spec->pids_limit = 32;
  spec->cpus = 0.5;
  fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
  assert_null (info.warnings[0]);
  /* This host mounts cgroup v1 controllers; a v2-only host has other files. */
  if (read_cgroup_file (spec->state_dir, "memory.limit_in_bytes", &value))
    {
      assert_int_equal (value, 64 << 20);
      assert_true (read_cgroup_file (spec->state_dir, "pids.max", &value));
      assert_int_equal (value, 32);
      assert_true (read_cgroup_file (spec->state_dir, "cpu.cfs_quota_us", &value));
      assert_int_equal (value, 50000);
    }
  else
    {
      assert_true (read_cgroup_file (spec->state_dir, "memory.max", &value));
      assert_int_equal (value, 64 << 20);
    }
  /* until sh has counted and started sleep */
  for (gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;; g_usleep (10000))
    {
      if (!pier_sandbox_stats (spec->state_dir, &stats, &error))
        fail_msg ("stats: %s", error->message);
      if (stats.pids >= 2 || g_get_monotonic_time () > deadline)
        break;
    }
  assert_true (stats.has_memory && stats.has_cpu && stats.has_pids);
  assert_true (stats.memory_bytes > 0);
  assert_true (stats.cpu_ns > 0);
  assert_true (stats.pids >= 2); /* sh and sleep */
  assert_true (pier_sandbox_stop (spec->state_dir, SIGKILL, 0, NULL));
  fixture_wait_monitor_gone (info.monitor_pid);
  assert_false (cgroup_exists (spec->id));
  pier_sandbox_start_info_clear (&info);
}

static void
test_sandbox_spec_json_round_trip (void **state)
{
  g_autoptr (PierSandboxSpec) spec = pier_sandbox_spec_new ();
  g_autoptr (PierSandboxSpec) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  guint32 groups[] = { 10, 20 };

  spec->id = g_strnfill (64, 'a');
  spec->name = g_strdup ("web");
  spec->state_dir = g_strdup ("/run/pier/x");
  spec->log_path = g_strdup ("/var/lib/pier/x.log");
  spec->runroot = g_strdup ("/run/pier");
  spec->lower_dirs = g_strsplit ("/l/1 /l/2", " ", -1);
  spec->upper_dir = g_strdup ("/u");
  spec->work_dir = g_strdup ("/w");
  spec->argv = g_strsplit ("echo a,b", " ", -1);
  spec->env = g_strsplit ("A=1 B=2", " ", -1);
  spec->groups = g_memdup2 (groups, sizeof groups);
  spec->n_groups = 2;
  spec->uid_count = spec->gid_count = 65536;
  spec->uid_base = 100000;
  spec->gid_base = 200000;
  spec->memory_bytes = 1 << 30;
  spec->cpus = 1.5;
  spec->network = PIER_NETWORK_BRIDGE;
  spec->on_exit = g_strsplit ("/var/lib/pier /run/pier x", " ", -1);
  pier_sandbox_spec_add_volume (spec, "/src", "/dst", TRUE);
  json = pier_sandbox_spec_to_json (spec, &error);
  pier_assert_no_error (error);
  back = pier_sandbox_spec_from_json (json, strlen (json), &error);
  pier_assert_no_error (error);
  again = pier_sandbox_spec_to_json (back, &error);
  pier_assert_no_error (error);
  assert_string_equal (json, again);
  assert_int_equal (back->groups[1], 20);
  assert_true (back->volumes[0].readonly);

  g_clear_pointer (&back, pier_sandbox_spec_free);
  back = pier_sandbox_spec_from_json ("{\"id\": 3}", 9, &error);
  assert_null (back);
  pier_assert_error (error, PIER_ERROR_INVALID);
}

/* ---- rootless: this binary again, as an unprivileged user ---- */

static int
rootless_helper (const char *base)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *runroot = g_build_filename (base, "run", NULL);
  Fixture fx = { .base = g_strdup (base), .state_dirs = g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (PierSandboxSpec) first = NULL;
  g_autoptr (PierSandboxSpec) second = NULL;
  g_autofree char *out = NULL;
  int code;

  if (!pier_rootless_ensure (runroot, &error))
    {
      g_printerr ("rootless: %s\n", error->message);
      return 10;
    }
  if (geteuid () != 0 || !pier_userns_is_nested ())
    return 11;
  fx.lower = g_build_filename (base, "lower", NULL);
  if (!fixture_make_busybox_layer (fx.lower, &error))
    {
      g_printerr ("rootfs: %s\n", error->message);
      return 12;
    }
  first = fixture_new_spec (&fx, "id -u; echo data > /file; rm /bin/ls; mkdir /d; rmdir /bin/../d");
  first->rootless = TRUE;
  code = fixture_run_to_exit (first);
  out = fixture_log_stdout (first);
  if (code != 0 || strcmp (out, "0\n") != 0)
    {
      g_printerr ("first container: code %d, output %s\n", code, out);
      return 13;
    }
  /* The same sandbox layer again: the whiteout (user.overlay xattrs) hides /bin/ls. */
  second = fixture_new_spec (&fx, "[ ! -e /bin/ls ] && cat /file");
  second->rootless = TRUE;
  g_free (second->upper_dir);
  g_free (second->work_dir);
  second->upper_dir = g_strdup (first->upper_dir);
  second->work_dir = g_strdup (first->work_dir);
  code = fixture_run_to_exit (second);
  g_free (out);
  out = fixture_log_stdout (second);
  if (code != 0 || strcmp (out, "data\n") != 0)
    {
      g_printerr ("second container: code %d, output %s\n", code, out);
      return 14;
    }
  g_print ("upper=%s\n", first->upper_dir);
  return 0;
}

static gboolean
ensure_rootless_user (uid_t *uid, GError **error)
{
  struct passwd *pw = getpwnam (ROOTLESS_USER);
  g_autofree char *subuid = NULL;

  if (pw == NULL)
    {
      const char *argv[] = { "useradd", "--system", "--no-create-home", "--shell",
                             "/usr/sbin/nologin", ROOTLESS_USER, NULL };
      int status;
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                         &status, error)
          || !g_spawn_check_wait_status (status, error))
        return FALSE;
      pw = getpwnam (ROOTLESS_USER);
      if (pw == NULL)
        return FALSE;
    }
  *uid = pw->pw_uid;
  g_file_get_contents ("/etc/subuid", &subuid, NULL, NULL);
  if (subuid == NULL || strstr (subuid, ROOTLESS_USER ":") == NULL)
    {
      const char *argv[] = { "usermod", "--add-subuids", "3000000000-3000065535", "--add-subgids",
                             "3000000000-3000065535", ROOTLESS_USER, NULL };
      int status;
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                         &status, error)
          || !g_spawn_check_wait_status (status, error))
        return FALSE;
    }
  return TRUE;
}

static void
test_sandbox_rootless (void **state)
{
  Fixture *fx = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *base = g_build_filename (fx->base, "rootless", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *file = NULL;
  const char *upper;
  uid_t uid;
  int status;
  struct stat st;

  REQUIRE_ROOT ();
  if (!ensure_rootless_user (&uid, &error))
    fail_msg ("user %s: %s", ROOTLESS_USER, error ? error->message : "not created");
  assert_int_equal (g_mkdir (base, 0700), 0);
  assert_int_equal (chown (base, uid, uid), 0);
  assert_int_equal (chmod (fx->base, 0755), 0);
  {
    const char *argv[] = { "setpriv", "--reuid", ROOTLESS_USER, "--regid", ROOTLESS_USER,
                           "--init-groups", "--", self, "--rootless-helper", base, NULL };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                       &status, &error))
      fail_msg ("setpriv: %s", error->message);
  }
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("rootless helper failed (%d): %s%s", status, out, err);
  /* Root in the container is the user on the host. */
  upper = strstr (out, "upper=");
  assert_non_null (upper);
  file = g_build_filename (g_strstrip (g_strdup (upper + strlen ("upper="))), "file", NULL);
  assert_int_equal (stat (file, &st), 0);
  assert_int_equal (st.st_uid, uid);
  {
    /* The pause process is the user's, and goes with the test. */
    g_autofree char *pid_path = g_build_filename (base, "run", "rootless", "pause.pid", NULL);
    g_autofree char *pid_text = NULL;
    if (g_file_get_contents (pid_path, &pid_text, NULL, NULL))
      kill (atoi (pid_text), SIGKILL);
  }
}

int
main (int argc, char **argv)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, fixture_setup, fixture_teardown)
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sandbox_spec_json_round_trip),
    CASE (test_sandbox_init_is_pid1_with_hostname),
    CASE (test_sandbox_root_is_uid_base_on_host),
    CASE (test_sandbox_layer_untouched),
    CASE (test_sandbox_hardening),
    CASE (test_sandbox_dev_and_mounts),
    CASE (test_sandbox_exit_codes),
    CASE (test_sandbox_command_not_found),
    CASE (test_sandbox_missing_volume_leaves_nothing),
    CASE (test_sandbox_mount_into_proc_refused),
    CASE (test_sandbox_volumes),
    CASE (test_sandbox_odd_layer_paths),
    CASE (test_sandbox_host_usr),
    CASE (test_sandbox_bridge_network),
    CASE (test_sandbox_outlives_starter),
    CASE (test_sandbox_monitor_killed_is_stale),
    CASE (test_sandbox_limits_applied_and_read),
    CASE (test_sandbox_rootless),
  };
#undef CASE

  fixture_use_build_tree_monitor ();
  if (argc == 3 && strcmp (argv[1], "--rootless-helper") == 0)
    return rootless_helper (argv[2]);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
