/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-output-file.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
assert_file_text (const char *path, const char *expected)
{
  g_autofree char *text = NULL;

  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  assert_string_equal (text, expected);
}

/* The names in @dir, sorted and joined by spaces: nothing left behind. */
static char *
list_dir (const char *dir)
{
  pier_autofd int fd = pier_fs_open_dir_at (AT_FDCWD, dir, NULL);
  g_autoptr (GPtrArray) names = pier_fs_list_sorted_at (fd, NULL);

  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
test_output_file_replaces_regular_files (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "out.tar", NULL);
  g_autofree char *names = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierOutputFile) out = NULL;
  struct stat before, after;

  assert_true (pier_output_file_write (path, "new", 3, 0644, &error));
  pier_assert_no_error (error);
  assert_file_text (path, "new");

  /* Until the commit, the old file stays whole; without one, it stays as it was. */
  assert_int_equal (stat (path, &before), 0);
  out = pier_output_file_open (path, 0644, &error);
  pier_assert_no_error (error);
  assert_true (pier_fs_write_all (pier_output_file_get_fd (out), "half", 4, NULL));
  assert_file_text (path, "new");
  g_clear_pointer (&out, pier_output_file_free);
  assert_file_text (path, "new");
  names = list_dir (dir);
  assert_string_equal (names, "out.tar");

  assert_true (pier_output_file_write (path, "newer", 5, 0644, &error));
  assert_int_equal (stat (path, &after), 0);
  assert_int_not_equal (before.st_ino, after.st_ino);
  assert_file_text (path, "newer");

  assert_false (pier_output_file_write (dir, "x", 1, 0644, &error));
  assert_non_null (strstr (error->message, "Is a directory"));
  pier_test_rm_rf (dir);
}

static void
test_output_file_writes_through_symlinks (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *target = g_build_filename (sub, "target", NULL);
  g_autofree char *link = g_build_filename (dir, "link", NULL);
  g_autofree char *chain = g_build_filename (dir, "chain", NULL);
  g_autofree char *dangling = g_build_filename (dir, "dangling", NULL);
  g_autofree char *created = g_build_filename (sub, "created", NULL);
  g_autofree char *read_back = NULL;
  g_autofree char *names = NULL;
  g_autoptr (GError) error = NULL;
  struct stat st;

  assert_int_equal (mkdir (sub, 0755), 0);
  assert_true (g_file_set_contents (target, "old", -1, NULL));
  assert_int_equal (symlink ("sub/target", link), 0);
  assert_int_equal (symlink ("link", chain), 0);
  assert_int_equal (symlink ("sub/created", dangling), 0);

  /* The link stays a link; the file it leads to gets the data. */
  assert_true (pier_output_file_write (chain, "through", 7, 0644, &error));
  pier_assert_no_error (error);
  assert_int_equal (lstat (link, &st), 0);
  assert_true (S_ISLNK (st.st_mode));
  assert_int_equal (lstat (chain, &st), 0);
  assert_true (S_ISLNK (st.st_mode));
  read_back = g_file_read_link (chain, NULL);
  assert_string_equal (read_back, "link");
  assert_file_text (target, "through");

  /* A link to nothing yet: the file is made where it points. */
  assert_true (pier_output_file_write (dangling, "made", 4, 0644, &error));
  pier_assert_no_error (error);
  assert_int_equal (lstat (dangling, &st), 0);
  assert_true (S_ISLNK (st.st_mode));
  assert_file_text (created, "made");
  names = list_dir (sub);
  assert_string_equal (names, "created target");
  pier_test_rm_rf (dir);
}

static void
test_output_file_writes_fifos_in_place (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *link = g_build_filename (dir, "to-fifo", NULL);
  g_autoptr (GError) error = NULL;
  pier_autofd int reader = -1;
  struct stat before, after;
  char buf[16] = { 0 };

  assert_int_equal (mkfifo (fifo, 0644), 0);
  assert_int_equal (symlink ("fifo", link), 0);
  assert_int_equal (stat (fifo, &before), 0);
  reader = open (fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  assert_true (reader >= 0);
  alarm (20);
  assert_true (pier_output_file_write (link, "piped", 5, 0644, &error));
  alarm (0);
  pier_assert_no_error (error);
  assert_int_equal (read (reader, buf, sizeof buf - 1), 5);
  assert_string_equal (buf, "piped");
  assert_int_equal (lstat (fifo, &after), 0);
  assert_true (S_ISFIFO (after.st_mode));
  assert_int_equal (before.st_ino, after.st_ino);
  pier_test_rm_rf (dir);
}

/* /dev/stdout and /dev/fd/N name a descriptor: what it is open on gets the data. */
static void
test_output_file_writes_descriptors_in_place (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *fd_path = NULL;
  int pipe_fds[2];
  int saved_stdout;
  char buf[32] = { 0 };

  assert_int_equal (pipe2 (pipe_fds, O_CLOEXEC), 0);
  fd_path = g_strdup_printf ("/dev/fd/%d", pipe_fds[1]);
  assert_true (pier_output_file_write (fd_path, "one ", 4, 0644, &error));
  pier_assert_no_error (error);

  saved_stdout = dup (STDOUT_FILENO);
  assert_int_equal (dup2 (pipe_fds[1], STDOUT_FILENO), STDOUT_FILENO);
  assert_true (pier_output_file_write ("/dev/stdout", "two", 3, 0644, &error));
  assert_int_equal (dup2 (saved_stdout, STDOUT_FILENO), STDOUT_FILENO);
  close (saved_stdout);
  pier_assert_no_error (error);

  close (pipe_fds[1]);
  assert_int_equal (read (pipe_fds[0], buf, sizeof buf - 1), 7);
  assert_string_equal (buf, "one two");
  close (pipe_fds[0]);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_output_file_replaces_regular_files),
    cmocka_unit_test (test_output_file_writes_through_symlinks),
    cmocka_unit_test (test_output_file_writes_fifos_in_place),
    cmocka_unit_test (test_output_file_writes_descriptors_in_place),
  };
  return cmocka_run_group_tests_name ("output-file", tests, NULL, NULL);
}
