/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A write interrupted at each of its steps leaves a valid store: the operation happened
 * entirely or not at all. The interrupted process is a real pierctl that dies (_exit) at the
 * named step, as a power cut would leave it. What a crash leaves is swept, what a live process
 * works on never; and the writes are synced so that a power cut cannot undo them. */
#include "test-support.h"

#include "pier-fsutil.h"
#include "pier-image-store.h"
#include "pier-store-open.h"

#include <signal.h>
#include <string.h>
#include <limits.h>
#include <sys/wait.h>

static const char *const crash_points[] = {
  "blob:synced", "blob:linked", "layer:before-rename", "index:before-write", "index:written",
};

typedef struct {
  const char *what;
  const char *args; /* after pierctl --root R */
  const char *name_after; /* a name the operation adds, or NULL */
  const char *name_removed; /* a name the operation removes, or NULL */
} Operation;

/* pierctl on the store @root, after @prefix (a tracer, or ""). */
static char *
pierctl_command (const char *prefix, const char *root, const char *args)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");

  if (build == NULL)
    fail_msg ("PIER_BUILD_DIR is not set (run the tests with meson test)");
  return g_strdup_printf ("%s %s/app/pierctl --root %s --runroot %s/run %s", prefix, build, root,
                          root, args);
}

static int
run_command (const char *cmd, const char *crash_at)
{
  g_auto (GStrv) env = g_get_environ ();
  g_auto (GStrv) argv = NULL;
  int status = -1;

  g_shell_parse_argv (cmd, NULL, &argv, NULL);
  if (crash_at)
    env = g_environ_setenv (env, "PIER_CRASH_AT", crash_at, TRUE);
  if (!g_spawn_sync (NULL, argv, env, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    fail_msg ("cannot run %s", cmd);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static int
run_pierctl (const char *root, const char *args, const char *crash_at)
{
  g_autofree char *cmd = pierctl_command ("", root, args);

  return run_command (cmd, crash_at);
}

static gboolean
has_name (PierStore *store, const char *name)
{
  g_autoptr (PierImage) image = pier_store_find_image (store, name, NULL);
  return image != NULL;
}

static void
check_operation (const Operation *op, const char *template_root, const char *dir)
{
  for (gsize p = 0; p < G_N_ELEMENTS (crash_points); p++)
    {
      g_autofree char *root = g_strdup_printf ("%s/crash-%zu", dir, p);
      g_autofree char *copy = g_strdup_printf ("cp -a %s %s", template_root, root);
      g_autoptr (GError) error = NULL;
      g_autoptr (PierStore) store = NULL;
      g_autoptr (GPtrArray) images = NULL;
      int code;

      assert_true (g_spawn_command_line_sync (copy, NULL, NULL, NULL, NULL));
      code = run_pierctl (root, op->args, crash_points[p]);
      assert_true (code == 99 || code == 0);
      /* Reopening cleans what the dead process left; everything reachable is whole. */
      store = pier_store_open (root, NULL, &error);
      pier_assert_no_error (error);
      if (!pier_store_verify (store, &error))
        fail_msg ("%s, crashed at %s: %s", op->what, crash_points[p], error->message);
      images = pier_store_list_images (store, &error);
      pier_assert_no_error (error);
      if (code == 0 && op->name_after)
        assert_true (has_name (store, op->name_after));
      if (code == 0 && op->name_removed)
        assert_false (has_name (store, op->name_removed));
      print_message ("%-8s crash at %-20s → %s\n", op->what, crash_points[p],
                     code == 99 ? "interrupted, store valid" : "step not reached, completed");
      g_clear_object (&store);
      /* The interrupted operation, run again, completes (unless the crash came after its last
       * write). */
      if (code == 99)
        {
          int again = run_pierctl (root, op->args, NULL);
          g_autoptr (PierStore) reopened = pier_store_open (root, NULL, &error);
          pier_assert_no_error (error);
          assert_true (again == 0 || strcmp (crash_points[p], "index:written") == 0);
          if (op->name_after)
            assert_true (has_name (reopened, op->name_after));
          if (op->name_removed)
            assert_false (has_name (reopened, op->name_removed));
        }
      pier_test_rm_rf (root);
    }
}

static void
test_store_crash_at_every_step_leaves_store_valid (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *template_root = g_build_filename (dir, "template", NULL);
  g_autofree char *rootfs = g_build_filename (dir, "rootfs.tar", NULL);
  g_autofree char *archive = g_build_filename (dir, "saved.tar", NULL);
  g_autofree char *rootfs2 = g_build_filename (dir, "rootfs2.tar", NULL);
  g_autofree char *make_rootfs = g_strdup_printf ("tar -C /usr/share/doc/bash -cf %s .", rootfs);
  g_autofree char *make_rootfs2 = g_strdup_printf ("tar -C /usr/share/doc/tar -cf %s .", rootfs2);
  g_autofree char *save = g_strdup_printf ("save -o %s imported:1", archive);
  g_autofree char *import = g_strdup_printf ("import %s imported:1", rootfs);
  g_autofree char *import2 = g_strdup_printf ("import %s imported:2", rootfs2);
  g_autofree char *load = g_strdup_printf ("load -i %s", archive);
  const Operation ops[] = {
    { "tag", "tag busybox crash/tag:1", "crash/tag:1", NULL },
    { "import", import2, "imported:2", NULL },
    { "rmi", "rmi imported:1", NULL, "imported:1" },
    { "load", load, "imported:1", NULL },
  };

  assert_true (g_spawn_command_line_sync (make_rootfs, NULL, NULL, NULL, NULL));
  assert_true (g_spawn_command_line_sync (make_rootfs2, NULL, NULL, NULL, NULL));
  assert_int_equal (run_pierctl (template_root, import, NULL), 0);
  assert_int_equal (run_pierctl (template_root, save, NULL), 0);
  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      if (strcmp (ops[i].what, "load") == 0)
        assert_int_equal (run_pierctl (template_root, "rmi imported:1", NULL), 0);
      check_operation (&ops[i], template_root, dir);
    }
  pier_test_rm_rf (dir);
}

/* The first line of @lines from @from on holding every one of @parts; -1 if none does. */
static int
find_line (char **lines, int from, const char *const *parts)
{
  for (int i = MAX (from, 0); lines[i] != NULL; i++)
    {
      const char *const *p = parts;
      while (*p != NULL && strstr (lines[i], *p) != NULL)
        p++;
      if (*p == NULL)
        return i;
    }
  return -1;
}

static void
test_store_crash_atomic_write_syncs_file_rename_directory (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  g_autofree char *log_path = g_build_filename (dir, "strace.log", NULL);
  g_autofree char *tracer = g_strdup_printf ("/usr/bin/strace -f -qq -y -o %s -e trace=fsync,fdatasync,"
                                             "rename,renameat,renameat2", log_path);
  g_autofree char *cmd = pierctl_command (tracer, root, "tag busybox crash/synced:1");
  g_autofree char *log = NULL;
  g_autofree char *dir_fd_arg = g_strdup_printf ("<%s>,", root);
  g_autofree char *dir_fd = g_strdup_printf ("<%s>)", root);
  g_autofree char *tmp_fd = NULL;
  g_auto (GStrv) lines = NULL;
  const char *tmp_name;
  int renamed, synced, dir_synced;

  if (!g_file_test ("/usr/bin/strace", G_FILE_TEST_IS_EXECUTABLE))
    fail_msg ("strace is needed to watch the order of the system calls (apt install strace)");
  assert_int_equal (run_pierctl (root, "images", NULL), 0);
  assert_int_equal (run_command (cmd, NULL), 0);
  assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  lines = g_strsplit (log, "\n", -1);
  /* index.json is written to a temporary file, which is synced, renamed over it, and then the
   * directory synced: the new name must not reach the disk before the data it names, nor get
   * lost after the command said it was done. */
  renamed = find_line (lines, 0, (const char *const[]){ "rename", dir_fd_arg, "\".index.json.tmp-",
                                                         "\"index.json\")", "= 0", NULL });
  if (renamed < 0)
    fail_msg ("no rename of a temporary file over index.json in:\n%s", log);
  tmp_name = strstr (lines[renamed], "\".index.json.tmp-") + 1;
  tmp_fd = g_strdup_printf ("<%s/%.*s>)", root, (int) strcspn (tmp_name, "\""), tmp_name);
  synced = find_line (lines, 0, (const char *const[]){ "fsync(", tmp_fd, "= 0", NULL });
  dir_synced = find_line (lines, renamed, (const char *const[]){ "fsync(", dir_fd, "= 0", NULL });
  if (synced < 0 || synced > renamed)
    fail_msg ("%s was not synced before its rename:\n%s", tmp_fd, log);
  if (dir_synced < 0)
    fail_msg ("the directory was not synced after the rename:\n%s", log);
  pier_test_rm_rf (dir);
}

/* In a holder process: the store @data opened, its work directory with a file in it, and that
 * directory's path for the reply. */
static gboolean
take_work_directory (int reply_fd, gpointer data)
{
  /* Kept until the holder is killed. */
  PierStore *store = pier_store_open (data, NULL, NULL);
  int work_fd = store != NULL ? pier_store_get_work_fd (store, NULL) : -1;
  g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", work_fd);
  g_autofree char *path = g_file_read_link (link, NULL);

  return path != NULL && pier_fs_write_atomic_at (work_fd, "in-progress", "x", 1, 0600, NULL)
         && write (reply_fd, path, strlen (path)) == (gssize) strlen (path);
}

static void
test_store_crash_sweep_spares_live_work (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  char live[PATH_MAX] = "", dead[PATH_MAX] = "";
  g_autofree char *live_file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierStore) store = NULL;
  pid_t live_pid, dead_pid;

  assert_int_equal (run_pierctl (root, "images", NULL), 0);
  live_pid = pier_test_spawn_holder (take_work_directory, root, live, sizeof live - 1);
  dead_pid = pier_test_spawn_holder (take_work_directory, root, dead, sizeof dead - 1);
  live_file = g_build_filename (live, "in-progress", NULL);
  assert_int_equal (kill (dead_pid, SIGKILL), 0);
  assert_int_equal (waitpid (dead_pid, NULL, 0), dead_pid);
  /* Opening the store (what every pierctl and the window do) sweeps what the dead one left, and
   * not a file of what the live one works on. */
  store = pier_store_open (root, NULL, &error);
  pier_assert_no_error (error);
  assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (live_file, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&store);
  assert_int_equal (kill (live_pid, SIGKILL), 0);
  assert_int_equal (waitpid (live_pid, NULL, 0), live_pid);
  store = pier_store_open (root, NULL, &error);
  pier_assert_no_error (error);
  assert_false (g_file_test (live, G_FILE_TEST_EXISTS));
  g_clear_object (&store);
  pier_test_rm_rf (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_store_crash_at_every_step_leaves_store_valid),
    cmocka_unit_test (test_store_crash_atomic_write_syncs_file_rename_directory),
    cmocka_unit_test (test_store_crash_sweep_spares_live_work),
  };
  return cmocka_run_group_tests_name ("store-crash", tests, NULL, NULL);
}
