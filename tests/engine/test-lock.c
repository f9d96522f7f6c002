/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-image-store.h"
#include "pier-lock.h"
#include "pier-store-open.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_lock_excludes_other_processes (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "lock", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PierLock) lock = NULL;
  int ready[2];
  char c;
  pid_t child;
  gint64 start;

  assert_int_equal (pipe (ready), 0);
  child = fork ();
  if (child == 0)
    {
      PierLock *held = pier_lock_acquire (path, TRUE, NULL);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      g_usleep (400 * 1000);
      pier_lock_release (held);
      _exit (0);
    }
  assert_int_equal (read (ready[0], &c, 1), 1);
  lock = pier_lock_try_acquire (path, TRUE, &error);
  assert_null (lock);
  pier_assert_error (error, PIER_ERROR_IN_USE);
  g_clear_error (&error);
  start = g_get_monotonic_time ();
  lock = pier_lock_acquire (path, TRUE, &error);
  pier_assert_no_error (error);
  /* It waited for the holder instead of failing. */
  assert_true (g_get_monotonic_time () - start > 250 * 1000);
  waitpid (child, NULL, 0);
  close (ready[0]);
  close (ready[1]);
  g_clear_pointer (&lock, pier_lock_release);
  pier_test_rm_rf (dir);
}

static void
test_lock_released_when_holder_dies (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "lock", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PierLock) lock = NULL;
  int ready[2];
  char c;
  pid_t child;

  assert_int_equal (pipe (ready), 0);
  child = fork ();
  if (child == 0)
    {
      pier_lock_acquire (path, TRUE, NULL);
      if (write (ready[1], "x", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  assert_int_equal (read (ready[0], &c, 1), 1);
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  lock = pier_lock_try_acquire (path, TRUE, &error);
  pier_assert_no_error (error);
  close (ready[0]);
  close (ready[1]);
  g_clear_pointer (&lock, pier_lock_release);
  pier_test_rm_rf (dir);
}

/* Four processes tag at the same time; the lock serialises their index updates, so none is
 * lost. */
static void
test_lock_concurrent_writers_lose_nothing (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PierStore) store = pier_store_open (root, dir, &error);
  g_autoptr (PierImage) image = NULL;
  pid_t children[4];

  pier_assert_no_error (error);
  g_clear_object (&store);
  for (int c = 0; c < 4; c++)
    {
      children[c] = fork ();
      if (children[c] == 0)
        {
          PierStore *s = pier_store_open (root, dir, NULL);
          for (int t = 0; t < 25 && s; t++)
            {
              g_autofree char *name = g_strdup_printf ("w%d/t:%d", c, t);
              if (!pier_store_tag_image (s, "busybox", name, NULL))
                _exit (2);
            }
          _exit (s ? 0 : 3);
        }
    }
  for (int c = 0; c < 4; c++)
    {
      int status;
      waitpid (children[c], &status, 0);
      assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  store = pier_store_open (root, dir, &error);
  image = pier_store_find_image (store, "busybox", &error);
  pier_assert_no_error (error);
  assert_int_equal (image->names->len, 101);
  g_clear_object (&store);
  pier_test_rm_rf (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_lock_excludes_other_processes),
    cmocka_unit_test (test_lock_released_when_holder_dies),
    cmocka_unit_test (test_lock_concurrent_writers_lose_nothing),
  };
  return cmocka_run_group_tests_name ("lock", tests, NULL, NULL);
}
