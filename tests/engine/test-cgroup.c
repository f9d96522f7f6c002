/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs as root: real cgroups for a sleeping child process, made under the test's own cgroup
 * and removed at the end of each test. */
#include "test-support.h"

#include "pier-cgroup-private.h"
#include "pier-error.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQUIRE_ROOT()                                                                          \
  if (geteuid () != 0)                                                                           \
    {                                                                                            \
      fail_msg ("%s needs root (cgroups): run the tests as root", __func__);                  \
      return;                                                                                   \
    }

static char *
test_id (void)
{
  return g_strdup_printf ("%064x", g_random_int ());
}

/* What a test made, removed after it whatever its outcome: the sleeper, then the cgroup. */
typedef struct {
  PierCgroup *cgroup;
  pid_t sleeper;
} Made;

static int
made_setup (void **state)
{
  Made *made = g_new0 (Made, 1);

  made->sleeper = -1;
  *state = made;
  return 0;
}

static int
made_teardown (void **state)
{
  Made *made = *state;

  if (made->sleeper > 0)
    {
      kill (made->sleeper, SIGKILL);
      waitpid (made->sleeper, NULL, 0);
    }
  if (made->cgroup != NULL)
    {
      pier_cgroup_destroy (made->cgroup, NULL);
      pier_cgroup_free (made->cgroup);
    }
  g_free (made);
  return 0;
}

/* Whether @pid runs `sleep` and sleeps: it has exec'd, and its running inside was accounted
 * when it blocked. */
static gboolean
sleeping_in_sleep (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;

  return g_file_get_contents (path, &stat, NULL, NULL) && g_str_has_prefix (strchr (stat, '('), "(sleep) S");
}

/* A child that execs `sleep 30` once it has been moved into @made->cgroup; returns once it
 * sleeps there. */
static void
spawn_sleeper_in (Made *made)
{
  int go[2];
  char c = 'g';
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  assert_int_equal (pipe2 (go, O_CLOEXEC), 0);
  made->sleeper = fork ();
  if (made->sleeper == 0)
    {
      if (read (go[0], &c, 1) == 1)
        execl ("/bin/sleep", "sleep", "30", NULL);
      _exit (127);
    }
  close (go[0]);
  if (!pier_cgroup_add_pid (made->cgroup, made->sleeper, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (write (go[1], &c, 1), 1);
  close (go[1]);
  while (!sleeping_in_sleep (made->sleeper))
    {
      if (g_get_monotonic_time () > deadline)
        fail_msg ("the child did not come to sleep in its cgroup");
      g_usleep (1000);
    }
}

static gboolean
read_limit (PierCgroup *cgroup, const char *file, guint64 *value)
{
  const char *dir = pier_cgroup_dir_with (cgroup, file);

  return dir != NULL && pier_cgroup_read_u64 (dir, file, value);
}

static void
test_cgroup_limits_stats_and_removal (void **state)
{
  Made *made = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *id = test_id ();
  PierCgroupLimits limits = { .memory_bytes = 128 << 20, .cpus = 0.25, .pids_limit = 16 };
  PierCgroup *cgroup;
  g_auto (GStrv) dirs = NULL;
  PierCgroupStats stats;
  guint64 value;
  int status;

  REQUIRE_ROOT ();
  cgroup = made->cgroup = pier_cgroup_create (id, FALSE, &limits, warnings, &error);
  pier_assert_no_error (error);
  assert_non_null (cgroup);
  assert_int_equal (warnings->len, 0);
  dirs = g_strdupv ((char **) pier_cgroup_get_dirs (cgroup));
  for (char **d = dirs; *d; d++)
    assert_true (g_str_has_suffix (*d, id) && g_file_test (*d, G_FILE_TEST_IS_DIR));

  if (strcmp (pier_cgroup_get_backend_name (cgroup), "v1") == 0)
    {
      assert_true (read_limit (cgroup, "memory.limit_in_bytes", &value));
      assert_int_equal (value, 128 << 20);
      assert_true (read_limit (cgroup, "cpu.cfs_quota_us", &value));
      assert_int_equal (value, 25000);
      assert_true (read_limit (cgroup, "pids.max", &value));
      assert_int_equal (value, 16);
    }
  else
    {
      assert_true (read_limit (cgroup, "memory.max", &value));
      assert_int_equal (value, 128 << 20);
      assert_true (read_limit (cgroup, "pids.max", &value));
      assert_int_equal (value, 16);
    }

  spawn_sleeper_in (made);
  if (!pier_cgroup_get_stats (cgroup, &stats, &error))
    fail_msg ("%s", error->message);
  assert_true (stats.has_memory && stats.has_cpu && stats.has_pids);
  assert_int_equal (stats.pids, 1);
  assert_true (stats.memory_bytes > 0);
  assert_true (stats.cpu_ns > 0);

  /* Removal kills what is left inside first. */
  if (!pier_cgroup_destroy (cgroup, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (waitpid (made->sleeper, &status, 0), made->sleeper);
  made->sleeper = -1;
  assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  for (char **d = dirs; *d; d++)
    assert_false (g_file_test (*d, G_FILE_TEST_EXISTS));
  assert_false (pier_cgroup_get_stats (cgroup, &stats, &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
}

/* A hybrid host's v2 tree has no memory, cpu or pids controller: the v2 backend still makes
 * the cgroup, and says which limits it could not apply. */
static void
test_cgroup_missing_controllers_warn (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) mounts = NULL;
  g_autofree char *id = test_id ();
  g_autofree char *controllers = NULL;
  PierCgroupLimits limits = { .memory_bytes = 1 << 30, .cpus = 1, .pids_limit = 100 };
  g_autoptr (PierCgroup) cgroup = NULL;
  const char *v2 = NULL;
  struct statfs sfs;

  REQUIRE_ROOT ();
  if (statfs ("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    {
      fail_msg ("%s expects a hybrid cgroup host like CI's (v1 controllers beside an empty v2 "
                "tree); /sys/fs/cgroup is v2-only here", __func__);
      return;
    }
  mounts = pier_cgroup_read_mounts (NULL);
  for (guint i = 0; mounts && i < mounts->len; i++)
    if (((PierCgroupMount *) mounts->pdata[i])->is_v2)
      v2 = ((PierCgroupMount *) mounts->pdata[i])->mount_point;
  if (v2 == NULL
      || !g_file_get_contents (g_build_filename (v2, "cgroup.controllers", NULL), &controllers,
                               NULL, NULL)
      || strstr (controllers, "memory") != NULL)
    {
      fail_msg ("%s expects a hybrid cgroup host like CI's: no v2 tree without controllers "
                "beside v1 here", __func__);
      return;
    }

  cgroup = pier_cgroup_create_with_backend (&pier_cgroup_v2_backend, id, FALSE, &limits,
                                            warnings, &error);
  pier_assert_no_error (error);
  assert_non_null (cgroup);
  assert_string_equal (pier_cgroup_get_backend_name (cgroup), "v2");
  assert_int_equal (warnings->len, 3);
  assert_true (g_str_has_prefix (warnings->pdata[0], "memory limit not applied: "));
  assert_true (g_str_has_prefix (warnings->pdata[1], "CPU limit not applied: "));
  assert_true (g_str_has_prefix (warnings->pdata[2], "pids limit not applied: "));
  {
    g_autofree char *before = pier_cgroup_read_self ();
    g_autofree char *own = pier_cgroup_own_path (before, NULL);
    g_autofree char *home = g_strconcat (v2, own, NULL);
    g_autofree char *after = NULL;
    g_autofree char *now = NULL;

    assert_true (pier_cgroup_add_pid (cgroup, getpid (), &error));
    after = pier_cgroup_read_self ();
    now = pier_cgroup_own_path (after, NULL);
    assert_true (g_str_has_suffix (now, id));
    /* Back where the test came from, so the cgroup can go. */
    assert_true (pier_cgroup_write_file (home, "cgroup.procs", "0", NULL));
  }
  assert_true (pier_cgroup_destroy (cgroup, NULL));
  assert_false (g_file_test (pier_cgroup_get_dirs (cgroup)[0], G_FILE_TEST_EXISTS));
}

static void
test_cgroup_open_from_record (void **state)
{
  g_autoptr (GError) error = NULL;
  const char *dirs[] = { "/sys/fs/cgroup/memory/x", "/sys/fs/cgroup/pids/x", NULL };
  g_autoptr (PierCgroup) cgroup = pier_cgroup_open ("v1", dirs, &error);

  pier_assert_no_error (error);
  assert_string_equal (pier_cgroup_get_backend_name (cgroup), "v1");
  assert_string_equal (pier_cgroup_get_dirs (cgroup)[1], dirs[1]);
  assert_null (pier_cgroup_get_dirs (cgroup)[2]);
  assert_null (pier_cgroup_open ("v3", dirs, &error));
  pier_assert_error (error, PIER_ERROR_INVALID);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_cgroup_open_from_record),
    cmocka_unit_test_setup_teardown (test_cgroup_limits_stats_and_removal, made_setup,
                                     made_teardown),
    cmocka_unit_test (test_cgroup_missing_controllers_warn),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
