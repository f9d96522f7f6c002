/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-container-user.h"
#include "pier-error.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Two layers, top first, as a container's sandbox layer over its image. */
typedef struct {
  char *dir;
  char *upper;
  char *lower;
  const char *layers[3];
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = pier_test_mkdtemp ();
  f->upper = g_build_filename (f->dir, "upper", NULL);
  f->lower = g_build_filename (f->dir, "lower", NULL);
  for (const char *const *d = (const char *const[]){ f->upper, f->lower, NULL }; *d; d++)
    {
      g_autofree char *etc = g_build_filename (*d, "etc", NULL);
      assert_int_equal (g_mkdir_with_parents (etc, 0755), 0);
    }
  f->layers[0] = f->upper;
  f->layers[1] = f->lower;
  /* A file whose open would block the test if anything opened a FIFO for reading: fail it. */
  alarm (20);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  alarm (0);
  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->upper);
  g_free (f->lower);
  g_free (f);
  return 0;
}

static void
write_layer_file (const char *layer, const char *path, const char *content)
{
  g_autofree char *full = g_build_filename (layer, path, NULL);
  assert_true (g_file_set_contents (full, content, -1, NULL));
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "app:x:1234:1235::/home/app:/bin/sh\n";

static void
test_container_user_fifo_does_not_block (void **state)
{
  Fixture *f = *state;
  g_autofree char *fifo = g_build_filename (f->upper, "etc", "passwd", NULL);
  g_autoptr (PierContainerUser) root = NULL;
  g_autoptr (PierContainerUser) app = NULL;
  g_autoptr (GError) error = NULL;

  /* The image has a passwd; the container put a FIFO over it. */
  write_layer_file (f->lower, "etc/passwd", passwd);
  assert_int_equal (mkfifo (fifo, 0644), 0);

  root = pier_container_user_resolve ("", f->layers, &error);
  pier_assert_no_error (error);
  assert_int_equal (root->uid, 0);
  assert_string_equal (root->home, "/");
  app = pier_container_user_resolve ("app", f->layers, &error);
  assert_null (app);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_non_null (strstr (error->message, "unable to find user app: /etc/passwd is not a regular file"));
}

static void
test_container_user_bounded (void **state)
{
  Fixture *f = *state;
  g_autoptr (GString) huge = g_string_new (passwd);
  g_autoptr (PierContainerUser) user = NULL;
  g_autoptr (GError) error = NULL;

  while (huge->len <= 4 << 20)
    g_string_append (huge, "# padding padding padding padding padding padding padding\n");
  write_layer_file (f->upper, "etc/passwd", huge->str);
  user = pier_container_user_resolve ("app", f->layers, &error);
  assert_null (user);
  assert_non_null (strstr (error->message, "more than the"));
}

static void
test_container_user_symlink_in_merged_view (void **state)
{
  Fixture *f = *state;
  g_autofree char *link = g_build_filename (f->upper, "etc", "passwd", NULL);
  g_autofree char *outside = g_build_filename (f->dir, "host-passwd", NULL);
  g_autoptr (PierContainerUser) user = NULL;
  g_autoptr (GError) error = NULL;

  /* The top layer links /etc/passwd to a file only the image's layer holds. */
  write_layer_file (f->lower, "etc/passwd.real", passwd);
  assert_int_equal (symlink ("passwd.real", link), 0);
  user = pier_container_user_resolve ("app", f->layers, &error);
  pier_assert_no_error (error);
  assert_int_equal (user->uid, 1234);
  assert_int_equal (user->gid, 1235);
  g_clear_pointer (&user, pier_container_user_free);

  /* An absolute link means the container's own root, never the host's. */
  write_layer_file (f->dir, "host-passwd", "host:x:4321:4321::/:/bin/sh\n");
  assert_int_equal (unlink (link), 0);
  assert_int_equal (symlink (outside, link), 0);
  user = pier_container_user_resolve ("host", f->layers, &error);
  assert_null (user);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_null (strstr (error->message, "4321"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_container_user_fifo_does_not_block, setup, teardown),
    cmocka_unit_test_setup_teardown (test_container_user_bounded, setup, teardown),
    cmocka_unit_test_setup_teardown (test_container_user_symlink_in_merged_view, setup, teardown),
  };
  return cmocka_run_group_tests_name ("container-user", tests, NULL, NULL);
}
