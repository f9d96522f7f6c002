/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Seccomp profiles, Docker's format: parsed, compiled by libseccomp, and loaded for real into a
 * child (no privilege needed: no_new_privs first) that then runs the confinement probe, so
 * every answer is the kernel's. */
#include "test-support.h"

#include "pier-caps.h"
#include "pier-error.h"
#include "pier-seccomp.h"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP(c) (G_GUINT64_CONSTANT (1) << (c))

static char *
probe_path (void)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");

  if (build == NULL)
    fail_msg ("PIER_BUILD_DIR is not set: run through meson test");
  return g_build_filename (build, "tests", "tools", "confinement-probe", NULL);
}

static void
load_filter (gpointer data)
{
  const PierSeccompProgram *program = data;
  struct sock_fprog prog = { .len = program->len, .filter = program->insns };

  /* Between fork and exec: raw system calls only, and an exit that says which failed. */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    _exit (120);
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, program->flags, &prog) < 0)
    _exit (121);
}

/* The probe's output, run under @profile compiled for @caps. */
static char *
probe_under (const PierSeccompProfile *profile, guint64 caps, const char *const *probes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierSeccompProgram) program = pier_seccomp_compile (profile, caps, &error);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  char *out = NULL;
  int status;

  pier_assert_no_error (error);
  g_ptr_array_add (argv, probe_path ());
  for (gsize i = 0; probes[i]; i++)
    g_ptr_array_add (argv, g_strdup (probes[i]));
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, load_filter, program,
                     &out, NULL, &status, &error))
    fail_msg ("running the probe: %s", error->message);
  if (!g_spawn_check_wait_status (status, &error))
    fail_msg ("the probe under the filter: %s", error->message);
  return out;
}

static PierSeccompProfile *
parse_ok (const char *json)
{
  g_autoptr (GError) error = NULL;
  PierSeccompProfile *profile = pier_seccomp_profile_parse (json, strlen (json), "test.json",
                                                            &error);

  pier_assert_no_error (error);
  return profile;
}

static void
test_seccomp_default_profile (void **state)
{
  g_autoptr (PierSeccompProfile) profile = pier_seccomp_profile_default ();
  g_autofree char *out = probe_under (profile, pier_caps_default (),
                                      (const char *const[]){
                                          "seccomp", "add_key", "keyctl", "io_uring_setup",
                                          "personality", "unshare_user", "clone3", "newer",
                                          "i386_add_key", "x32_add_key", "forks:3", NULL });

  /* Denied with EPERM, as Docker denies them; clone3 and a call newer than the profile with
   * ENOSYS, so that the C library falls back; the 32-bit entries are filtered too (the
   * kernel's own answer to x32 here would be ENOSYS). Threads and processes still come. */
  assert_string_equal (out, "seccomp 2\n"
                            "add_key EPERM\n"
                            "keyctl EPERM\n"
                            "io_uring_setup EPERM\n"
                            "personality EPERM\n"
                            "unshare_user EPERM\n"
                            "clone3 ENOSYS\n"
                            "newer ENOSYS\n"
                            "i386_add_key EPERM\n"
                            "x32_add_key EPERM\n"
                            "forks 3 ok\n");
}

static void
test_seccomp_capabilities_widen_the_default (void **state)
{
  g_autoptr (PierSeccompProfile) profile = pier_seccomp_profile_default ();
  g_autofree char *out = probe_under (profile, pier_caps_default () | CAP (CAP_SYS_ADMIN),
                                      (const char *const[]){ "unshare_user", "clone3", NULL });

  /* With CAP_SYS_ADMIN kept, namespaces are the capability's business, as in Docker's. */
  assert_string_equal (out, "unshare_user ok\nclone3 EINVAL\n");
}

static void
test_seccomp_docker_format (void **state)
{
  /* Allow by default; several conditions on one argument mean any of them (runc); an unknown
   * name is skipped; no ENOSYS for newer calls when the default allows. */
  g_autoptr (PierSeccompProfile) profile = parse_ok (
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
      " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
      " \"syscalls\": [\n"
      "  {\"names\": [\"add_key\", \"no_such_call\"], \"action\": \"SCMP_ACT_ERRNO\","
      "   \"errnoRet\": 13},\n"
      "  {\"name\": \"personality\", \"action\": \"SCMP_ACT_ERRNO\", \"args\": [\n"
      "    {\"index\": 0, \"value\": 4194304, \"op\": \"SCMP_CMP_EQ\"},\n"
      "    {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},\n"
      "  {\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\","
      "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}\n"
      " ]}");
  g_autofree char *out = probe_under (profile, pier_caps_default (),
                                      (const char *const[]){ "seccomp", "add_key",
                                                             "i386_add_key", "personality",
                                                             "unshare_user", "newer", NULL });

  assert_string_equal (out, "seccomp 2\n"
                            "add_key EACCES\n"
                            "i386_add_key EACCES\n"
                            "personality EPERM\n"
                            "unshare_user ok\n"
                            "newer ok\n");
}

static void
test_seccomp_errors_name_the_entry (void **state)
{
  static const struct {
    const char *json, *message;
  } cases[] = {
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
      "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"bpf\"], \"action\": "
      "\"SCMP_ACT_NOTIFY\"}]}",
      "seccomp profile test.json: syscalls[1]: action “SCMP_ACT_NOTIFY” is not supported: "
      "Pier has no seccomp listener" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
      "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
      "\"SCMP_CMP_ALMOST\"}]}]}",
      "seccomp profile test.json: syscalls[0].args[0]: unknown comparison “SCMP_CMP_ALMOST”" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
      "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
      "\"SCMP_CMP_EQ\"}]}]}",
      "seccomp profile test.json: syscalls[0].args[0]: “index” is not a whole number from 0 "
      "to 5" },
    { "{\"defaultAction\": \"SCMP_ACT_BLOCK\"}",
      "seccomp profile test.json: defaultAction: unknown action “SCMP_ACT_BLOCK”" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ALLOW\"}]}",
      "seccomp profile test.json: syscalls[0]: no system call named (“names”)" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
      "seccomp profile test.json: flags: “SECCOMP_FILTER_FLAG_NEW_LISTENER” is not supported" },
    { "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [,]}",
      "seccomp profile test.json: line 2: unexpected token near ','" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierSeccompProfile) profile
          = pier_seccomp_profile_parse (cases[i].json, strlen (cases[i].json), "test.json",
                                        &error);
      assert_null (profile);
      pier_assert_error (error, PIER_ERROR_INVALID);
      assert_string_equal (error->message, cases[i].message);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (PierSeccompProfile) profile = parse_ok (
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_VAX\"]}");
    g_autoptr (PierSeccompProgram) program = pier_seccomp_compile (profile, 0, &error);
    assert_null (program);
    assert_string_equal (error->message,
                         "seccomp profile test.json: unknown architecture “SCMP_ARCH_VAX”");
  }
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_seccomp_cache (void **state)
{
  g_autoptr (PierSeccompProfile) profile = pier_seccomp_profile_default ();
  g_autoptr (GError) error = NULL;
  g_autofree char *base = pier_test_mkdtemp ();
  g_autofree char *cache = g_build_filename (base, "seccomp", NULL);
  g_autoptr (PierSeccompProgram) fresh = pier_seccomp_compile (profile, pier_caps_default (),
                                                               &error);
  g_autoptr (PierSeccompProgram) first
      = pier_seccomp_compile_cached (profile, pier_caps_default (), cache, &error);
  g_autoptr (PierSeccompProgram) again
      = pier_seccomp_compile_cached (profile, pier_caps_default (), cache, &error);
  g_autoptr (PierSeccompProgram) other
      = pier_seccomp_compile_cached (profile, pier_caps_default () | CAP (CAP_SYS_ADMIN), cache,
                                     &error);
  struct stat st;

  pier_assert_no_error (error);
  /* The cached program is the compiled one; other capabilities, another program. */
  assert_int_equal (first->len, fresh->len);
  assert_int_equal (again->len, fresh->len);
  assert_memory_equal (again->insns, fresh->insns, fresh->len * sizeof (struct sock_filter));
  assert_int_not_equal (other->len, fresh->len);
  assert_int_equal (count_files (cache), 2);
  assert_int_equal (stat (cache, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0700);
  pier_test_rm_rf (base);
}

static void
test_seccomp_capability_names (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *raw = pier_caps_normalize ("net_raw", "--cap-add", &error);
  g_autofree char *all = pier_caps_normalize ("all", "--cap-add", &error);
  g_autofree char *bad = pier_caps_normalize ("FLY", "--cap-drop", &error);
  g_auto (GStrv) names = pier_caps_to_names (pier_caps_default ());
  g_autofree char *joined = g_strjoinv (",", names);

  assert_string_equal (raw, "CAP_NET_RAW");
  assert_string_equal (all, "ALL");
  assert_null (bad);
  assert_string_equal (error->message, "--cap-drop: unknown capability “FLY” (names as in "
                                       "capabilities(7), such as NET_RAW)");
  /* Docker's default set but NET_RAW and MKNOD, as Podman's. */
  assert_string_equal (joined, "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,"
                               "CAP_SETGID,CAP_SETUID,CAP_SETPCAP,CAP_NET_BIND_SERVICE,"
                               "CAP_SYS_CHROOT,CAP_AUDIT_WRITE,CAP_SETFCAP");
  assert_true (pier_caps_compute ((const char *const[]){ "CAP_NET_RAW", NULL }, NULL)
               == (pier_caps_default () | CAP (CAP_NET_RAW)));
  assert_true (pier_caps_compute ((const char *const[]){ "CAP_KILL", NULL },
                                  (const char *const[]){ "ALL", NULL })
               == CAP (CAP_KILL));
  assert_true (pier_caps_compute ((const char *const[]){ "ALL", NULL },
                                  (const char *const[]){ "CAP_SYS_ADMIN", NULL })
               == (pier_caps_all () & ~CAP (CAP_SYS_ADMIN)));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_seccomp_default_profile),
    cmocka_unit_test (test_seccomp_capabilities_widen_the_default),
    cmocka_unit_test (test_seccomp_docker_format),
    cmocka_unit_test (test_seccomp_errors_name_the_entry),
    cmocka_unit_test (test_seccomp_cache),
    cmocka_unit_test (test_seccomp_capability_names),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
