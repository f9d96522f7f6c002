#pragma once

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh directory under $TMPDIR (or /tmp) that the caller removes with
 * pier_test_rm_rf(). */
char *pier_test_mkdtemp (void);
void pier_test_rm_rf (const char *path);

/* The path of @relpath under ../shared/testdata, or NULL when that folder is absent (a machine
 * without it). */
char *pier_test_testdata_path (const char *relpath);

/* A child process that takes something and keeps it until it is killed (or the test process
 * ends): @take runs in it and writes, to @reply_fd, what the test needs to know (at most @len
 * bytes, into @reply); FALSE from it ends the child and fails the test. Returns its pid once
 * the reply is read. */
typedef gboolean (*PierTestTakeFunc) (int reply_fd, gpointer data);
pid_t pier_test_spawn_holder (PierTestTakeFunc take, gpointer data, void *reply, gsize len);

/* Skips the calling test, saying by name that ../shared/testdata is absent. */
#define PIER_TEST_REQUIRE_TESTDATA(path_var, relpath)                                           \
  g_autofree char *path_var = pier_test_testdata_path (relpath);                                \
  if (path_var == NULL)                                                                          \
    {                                                                                            \
      print_message ("SKIPPED %s: ../shared/testdata/%s is absent\n", __func__, relpath);        \
      skip ();                                                                                   \
    }

/* Fails the test with the error's message when @error is set. */
#define pier_assert_no_error(error)                                                             \
  do                                                                                             \
    {                                                                                            \
      if ((error) != NULL)                                                                       \
        fail_msg ("unexpected error: %s", (error)->message);                                     \
    }                                                                                            \
  while (0)

#define pier_assert_error(error, expected_code)                                                 \
  do                                                                                             \
    {                                                                                            \
      if ((error) == NULL)                                                                       \
        fail_msg ("expected an error, got none");                                                \
      if ((error)->code != (int) (expected_code))                                                \
        fail_msg ("expected error code %d, got %d: %s", (int) (expected_code), (error)->code,   \
                  (error)->message);                                                             \
    }                                                                                            \
  while (0)
