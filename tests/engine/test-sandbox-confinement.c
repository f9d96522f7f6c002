/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A container's confinement, asked of the kernel from inside (the static confinement probe,
 * bound read-only at /probe): its seccomp filter, its capabilities, its pids limit and the
 * read-only view of its own cgroup at /sys/fs/cgroup; and the same for a process exec'd into
 * it. Root: real containers. */
#include "sandbox-fixture.h"

#include "pier-caps.h"
#include "pier-error.h"
#include "pier-sandbox.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CAP(c) (G_GUINT64_CONSTANT (1) << (c))

/* Probes whose answers depend only on the seccomp filter and the capabilities. */
#define SYSCALL_PROBES                                                                          \
  "seccomp add_key keyctl io_uring_setup personality af_packet mknod unshare_user clone3 "     \
  "newer i386_add_key"

static PierSandboxSpec *
probing_spec (Fixture *fx, const char *script)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");
  g_autofree char *probe = NULL;
  PierSandboxSpec *spec;

  if (build == NULL)
    fail_msg ("PIER_BUILD_DIR is not set: run through meson test");
  probe = g_build_filename (build, "tests", "tools", "confinement-probe", NULL);
  spec = fixture_new_spec (fx, script);
  pier_sandbox_spec_add_volume (spec, probe, "/probe", TRUE);
  return spec;
}

static char *
run_probing (Fixture *fx, PierSandboxSpec *spec)
{
  int code = fixture_run_to_exit (spec);
  char *out = fixture_log_stdout (spec);

  if (code != 0)
    fail_msg ("exit code %d; output: %s", code, out);
  return out;
}

/* v1 hierarchies each at their name under /sys/fs/cgroup, as on this host; or one v2 tree. */
static gboolean
host_has_cgroup_v1_pids (void)
{
  return g_file_test ("/sys/fs/cgroup/pids/pids.max", G_FILE_TEST_EXISTS)
         || g_file_test ("/sys/fs/cgroup/pids/cgroup.procs", G_FILE_TEST_EXISTS);
}

static void
test_confinement_defaults (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *out = NULL;
  g_autofree char *script = NULL;
  const char *pids = host_has_cgroup_v1_pids () ? "/sys/fs/cgroup/pids" : "/sys/fs/cgroup";

  REQUIRE_ROOT ();
  script = g_strdup_printf (
      "/probe " SYSCALL_PROBES "; "
      "grep ^CapBnd /proc/self/status | tr -d '\\t'; "
      "cat %s/pids.max; grep -qx 1 %s/cgroup.procs && echo own-cgroup; "
      "grep -v ':/$' /proc/self/cgroup || echo cgroupns-root; "
      "(mkdir %s/sub) 2>/dev/null && echo cgroup-rw || echo cgroup-ro; "
      "(touch /sys/fs/cgroup/x) 2>/dev/null && echo top-rw || echo top-ro; "
      "awk '$5 ~ \"^/sys/fs/cgroup\" && ($4 != \"/\" || $6 !~ /^ro,/) "
      "{ print \"not own or writable:\", $4, $5, $6 }' /proc/self/mountinfo",
      pids, pids, pids);
  spec = probing_spec (fx, script);
  out = run_probing (fx, spec);
  /* The filter and the capabilities Podman's defaults give, but for unshare (Docker's
   * stricter reading: no namespaces without CAP_SYS_ADMIN); 2048 tasks at most; its own
   * cgroup, read-only, at the root of its cgroup namespace. */
  assert_string_equal (out, "seccomp 2\n"
                            "add_key EPERM\n"
                            "keyctl EPERM\n"
                            "io_uring_setup EPERM\n"
                            "personality EPERM\n"
                            "af_packet EPERM\n"
                            "mknod EPERM\n"
                            "unshare_user EPERM\n"
                            "clone3 ENOSYS\n"
                            "newer ENOSYS\n"
                            "i386_add_key EPERM\n"
                            "CapBnd:00000000a00405fb\n"
                            "2048\n"
                            "own-cgroup\n"
                            "cgroupns-root\n"
                            "cgroup-ro\n"
                            "top-ro\n");
}

static void
test_confinement_loosened (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *out = NULL;
  int forks = -1;
  char why[32] = "";

  REQUIRE_ROOT ();
  spec = probing_spec (fx, "/probe seccomp add_key af_packet forks:100");
  spec->seccomp_unconfined = TRUE;
  spec->caps |= CAP (CAP_NET_RAW);
  spec->pids_limit = 10;
  out = run_probing (fx, spec);
  assert_true (g_str_has_prefix (out, "seccomp 0\nadd_key ok\naf_packet ok\nforks "));
  /* The probe counts too (and sh, unless it execs the probe). */
  assert_int_equal (sscanf (strstr (out, "forks "), "forks %d %31s", &forks, why), 2);
  if (forks <= 0 || forks > 9)
    fail_msg ("%d forks under a limit of 10: %s", forks, out);
  assert_string_equal (why, "EAGAIN");
}

static void
test_confinement_of_exec (void **state)
{
  Fixture *fx = *state;
  const char *const probes[] = { "/probe", "seccomp", "add_key", "af_packet", NULL };
  const gboolean unconfined[] = { FALSE, TRUE };
  /* Everything the init is allowed, the exec'd process is, no more. */
  const char *const expected[] = { "seccomp 2\nadd_key EPERM\naf_packet EPERM\n",
                                   "seccomp 0\nadd_key ok\naf_packet ok\n" };

  REQUIRE_ROOT ();
  for (gsize i = 0; i < G_N_ELEMENTS (unconfined); i++)
    {
      g_autoptr (PierSandboxSpec) spec = probing_spec (fx, "sleep 30");
      g_autofree char *text = NULL;
      PierSandboxStartInfo info;
      PierExecSpec exec = { .argv = (char **) probes, .env = spec->env };
      int code = -1;

      spec->seccomp_unconfined = unconfined[i];
      if (unconfined[i])
        spec->caps |= CAP (CAP_NET_RAW);
      fixture_start_ok (spec, PIER_SANDBOX_START_NONE, &info);
      text = fixture_exec_output (spec, &exec, &code);
      assert_int_equal (code, 0);
      /* The container's own filter and capabilities, not the caller's nor the defaults. */
      assert_string_equal (text, expected[i]);
      assert_true (pier_sandbox_stop (spec->state_dir, SIGKILL, 0, NULL));
      fixture_wait_monitor_gone (info.monitor_pid);
      pier_sandbox_start_info_clear (&info);
    }
}

static void
test_confinement_profile_of_the_spec (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autoptr (PierSandboxSpec) bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  PierSandboxStartInfo info = { 0 };

  REQUIRE_ROOT ();
  spec = probing_spec (fx, "/probe seccomp add_key keyctl");
  spec->seccomp_profile = g_strdup ("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                    "[{\"names\": [\"keyctl\"], \"action\": "
                                    "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}");
  spec->seccomp_profile_name = g_strdup ("/etc/mine.json");
  out = run_probing (fx, spec);
  assert_string_equal (out, "seccomp 2\nadd_key ok\nkeyctl EACCES\n");

  /* A profile that does not compile fails the start, naming it, and leaves nothing. */
  bad = probing_spec (fx, "true");
  bad->seccomp_profile = g_strdup ("{\"defaultAction\": \"SCMP_ACT_ERRNO\", "
                                   "\"architectures\": [\"SCMP_ARCH_VAX\"]}");
  bad->seccomp_profile_name = g_strdup ("/etc/vax.json");
  assert_false (pier_sandbox_start (bad, PIER_SANDBOX_START_NONE, &info, &error));
  assert_string_equal (error->message,
                       "seccomp profile /etc/vax.json: unknown architecture “SCMP_ARCH_VAX”");
}

/* What confines it travels to the monitor in the spec; a spec without the capabilities
 * (written before they were kept) gets the defaults. */
static void
test_confinement_in_the_spec_json (void **state)
{
  Fixture *fx = *state;
  g_autoptr (PierSandboxSpec) spec = fixture_new_spec (fx, "true");
  g_autoptr (PierSandboxSpec) back = NULL;
  g_autoptr (PierSandboxSpec) old = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autoptr (GString) without_caps = NULL;

  spec->pids_limit = -1;
  spec->caps = CAP (CAP_NET_RAW);
  spec->seccomp_profile = g_strdup ("{\"defaultAction\": \"SCMP_ACT_LOG\"}");
  spec->seccomp_profile_name = g_strdup ("/etc/log.json");
  json = pier_sandbox_spec_to_json (spec, &error);
  back = pier_sandbox_spec_from_json (json, strlen (json), &error);
  pier_assert_no_error (error);
  again = pier_sandbox_spec_to_json (back, &error);
  assert_string_equal (json, again);
  assert_int_equal (back->pids_limit, -1);
  assert_string_equal (back->seccomp_profile_name, "/etc/log.json");

  without_caps = g_string_new (json);
  assert_int_equal (g_string_replace (without_caps, "\"caps\":8192,", "", 1), 1);
  old = pier_sandbox_spec_from_json (without_caps->str, without_caps->len, &error);
  pier_assert_no_error (error);
  assert_true (old->caps == pier_caps_default ());
  assert_false (old->seccomp_unconfined);
}

int
main (void)
{
#define CASE(name) cmocka_unit_test_setup_teardown (name, fixture_setup, fixture_teardown)
  const struct CMUnitTest tests[] = {
    CASE (test_confinement_defaults),
    CASE (test_confinement_loosened),
    CASE (test_confinement_of_exec),
    CASE (test_confinement_profile_of_the_spec),
    CASE (test_confinement_in_the_spec_json),
  };
#undef CASE

  fixture_use_build_tree_monitor ();
  return cmocka_run_group_tests (tests, NULL, NULL);
}
