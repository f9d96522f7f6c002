/* A write interrupted at each of its steps leaves a valid store: the operation happened
 * entirely or not at all. The interrupted process is a real pierctl that dies (_exit) at the
 * named step, as a power cut would leave it. */
#include "test-support.h"

#include "pier-image-store.h"

#include <string.h>
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

static int
run_pierctl (const char *root, const char *args, const char *crash_at)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");
  g_autofree char *cmd = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_auto (GStrv) argv = NULL;
  int status = -1;

  if (build == NULL)
    fail_msg ("PIER_BUILD_DIR is not set (run the tests with meson test)");
  cmd = g_strdup_printf ("%s/app/pierctl --root %s --runroot %s/run %s", build, root, root, args);
  g_shell_parse_argv (cmd, NULL, &argv, NULL);
  if (crash_at)
    env = g_environ_setenv (env, "PIER_CRASH_AT", crash_at, TRUE);
  if (!g_spawn_sync (NULL, argv, env, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    fail_msg ("cannot run %s", cmd);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_store_crash_at_every_step_leaves_store_valid),
  };
  return cmocka_run_group_tests_name ("store-crash", tests, NULL, NULL);
}
