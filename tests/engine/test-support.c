#include "test-support.h"

#include "pier-fsutil.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <libgen.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

char *
pier_test_mkdtemp (void)
{
  g_autoptr (GError) error = NULL;
  char *path = g_dir_make_tmp ("pier-test-XXXXXX", &error);

  if (path == NULL)
    fail_msg ("cannot make a temporary directory: %s", error->message);
  return path;
}

void
pier_test_rm_rf (const char *path)
{
  g_autoptr (GError) error = NULL;

  if (path != NULL && !pier_fs_rm_rf_at (AT_FDCWD, path, &error))
    fail_msg ("cannot remove %s: %s", path, error->message);
}

char *
pier_test_testdata_path (const char *relpath)
{
  const char *root = g_getenv ("PIER_TESTDATA");
  g_autofree char *path = NULL;

  if (root == NULL || *root == '\0')
    return NULL;
  path = g_build_filename (root, relpath, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  return g_steal_pointer (&path);
}

pid_t
pier_test_spawn_holder (PierTestTakeFunc take, gpointer data, void *reply, gsize len)
{
  pid_t parent = getpid ();
  int fds[2];
  pid_t child;

  assert_int_equal (pipe (fds), 0);
  child = fork ();
  assert_true (child >= 0);
  if (child == 0)
    {
      /* Never outlives a test that failed half way. */
      if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
        _exit (1);
      close (fds[0]);
      if (!take (fds[1], data))
        _exit (1);
      close (fds[1]);
      for (;;)
        pause ();
    }
  close (fds[1]);
  if (read (fds[0], reply, len) <= 0)
    fail_msg ("the holder process (%d) gave no reply", (int) child);
  close (fds[0]);
  return child;
}
