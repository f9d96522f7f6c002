/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-fsutil.h"
#include "pier-store-open.h"

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

PierTestStore *
pier_test_store_new (void)
{
  PierTestStore *ts = g_new0 (PierTestStore, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *runroot = NULL;

  ts->dir = pier_test_mkdtemp ();
  ts->root = g_build_filename (ts->dir, "root", NULL);
  runroot = g_build_filename (ts->dir, "run", NULL);
  ts->store = pier_store_open (ts->root, runroot, &error);
  pier_assert_no_error (error);
  return ts;
}

void
pier_test_store_free (PierTestStore *ts)
{
  g_clear_object (&ts->store);
  pier_test_rm_rf (ts->dir);
  g_free (ts->root);
  g_free (ts->dir);
  g_free (ts);
}

int
pier_test_store_setup (void **state)
{
  *state = pier_test_store_new ();
  return 0;
}

int
pier_test_store_teardown (void **state)
{
  pier_test_store_free (*state);
  return 0;
}

gssize
pier_test_mem_read (gpointer source, void *buffer, gsize size, GError **error)
{
  PierTestMemSource *m = source;
  gsize n = MIN (size, m->len - m->pos);

  memcpy (buffer, m->data + m->pos, n);
  m->pos += n;
  return n;
}

gboolean
pier_test_append_bytes (gpointer byte_array, const void *data, gsize len, GError **error)
{
  g_byte_array_append (byte_array, data, len);
  return TRUE;
}

static void
append_sorted_names (GString *out, const char *root, const char *sub, const char *label)
{
  g_autofree char *path = g_build_filename (root, sub, NULL);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, pier_compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (out, "%s %s\n", label, (char *) names->pdata[i]);
}

char *
pier_test_store_snapshot (const char *root)
{
  g_autofree char *index_path = g_build_filename (root, "index.json", NULL);
  g_autofree char *index = NULL;
  GString *out = g_string_new (NULL);

  g_file_get_contents (index_path, &index, NULL, NULL);
  g_string_append_printf (out, "index %s\n", index);
  append_sorted_names (out, root, "blobs/sha256", "blob");
  append_sorted_names (out, root, "layers", "layer");
  return g_string_free (out, FALSE);
}

void
pier_test_assert_refused (const GError *error, int code, const char *part, const char *root,
                          const char *before)
{
  g_autofree char *after = pier_test_store_snapshot (root);

  pier_assert_error (error, code);
  if (part != NULL && strstr (error->message, part) == NULL)
    fail_msg ("“%s” is not in the error: %s", part, error->message);
  assert_string_equal (after, before);
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

void
pier_test_use_build_monitor (void)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");

  if (g_getenv ("PIER_MONITOR_PATH") == NULL && build != NULL)
    {
      g_autofree char *monitor = g_build_filename (build, "app", "pier-monitor", NULL);
      g_setenv ("PIER_MONITOR_PATH", monitor, TRUE);
    }
}
