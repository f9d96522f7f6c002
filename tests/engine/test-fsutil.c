/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-fsutil.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A tree Pier does not trust, the way a container or a build context may make it. */
static void
test_fsutil_regular_in_root_refuses_what_is_not_one (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *tree = g_build_filename (dir, "tree", NULL);
  g_autofree char *outside = g_build_filename (dir, "outside", NULL);
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  pier_autofd int root = -1;
  gsize len = 0;

  assert_int_equal (g_mkdir_with_parents (tree, 0755), 0);
  assert_true (g_file_set_contents (outside, "the host's", -1, NULL));
  root = pier_fs_open_dir_at (AT_FDCWD, tree, &error);
  pier_assert_no_error (error);
  path = g_build_filename (tree, "fifo", NULL);
  assert_int_equal (mkfifo (path, 0644), 0);
  g_free (path);
  path = g_build_filename (tree, "out", NULL);
  assert_int_equal (symlink (outside, path), 0);
  g_free (path);
  path = g_build_filename (tree, "big", NULL);
  assert_true (g_file_set_contents (path, "0123456789", -1, NULL));

  /* A FIFO fails at once instead of waiting for a writer (the alarm fails the test). */
  alarm (20);
  assert_false (pier_fs_read_regular_in_root (root, "fifo", 0, 1024, &data, &len, &error));
  alarm (0);
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_string_equal (error->message, "fifo is not a regular file");
  g_clear_error (&error);

  /* A symlink out of the tree resolves inside it, where nothing is. */
  assert_false (pier_fs_read_regular_in_root (root, "out", 0, 1024, &data, &len, &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  assert_false (pier_fs_read_regular_in_root (root, "big", 0, 9, &data, &len, &error));
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_non_null (strstr (error->message, "big is 10 bytes, more than the 9 allowed"));
  g_clear_error (&error);

  assert_true (pier_fs_read_regular_in_root (root, "/big", 0, 10, &data, &len, &error));
  pier_assert_no_error (error);
  assert_int_equal (len, 10);
  assert_string_equal (data, "0123456789");
  pier_test_rm_rf (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_fsutil_regular_in_root_refuses_what_is_not_one),
  };
  return cmocka_run_group_tests_name ("fsutil", tests, NULL, NULL);
}
