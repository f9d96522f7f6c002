/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pier-store.h"

/* A fresh directory under $TMPDIR (or /tmp) that the caller removes with
 * pier_test_rm_rf(). */
char *pier_test_mkdtemp (void);
/* Containers started in this process use this build's app/pier-monitor (PIER_BUILD_DIR),
 * unless PIER_MONITOR_PATH names one. */
void pier_test_use_build_monitor (void);
void pier_test_rm_rf (const char *path);

/* A scratch store of a test's own (DIR/root, DIR/run), with the built-in images. */
typedef struct {
  char *dir;
  char *root;
  PierStore *store;
} PierTestStore;

PierTestStore *pier_test_store_new (void);
void pier_test_store_free (PierTestStore *ts);
/* The same as a cmocka setup and teardown (*state is the PierTestStore). */
int pier_test_store_setup (void **state);
int pier_test_store_teardown (void **state);

/* Bytes in memory as a PierReadFunc source, and a PierWriteFunc into a GByteArray. */
typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
} PierTestMemSource;

gssize pier_test_mem_read (gpointer source, void *buffer, gsize size, GError **error);
gboolean pier_test_append_bytes (gpointer byte_array, const void *data, gsize len,
                                 GError **error);

/* A listing of everything in the store under @root that matters, to prove a failed operation
 * changed nothing: the index bytes, the blobs and the unpacked layers. */
char *pier_test_store_snapshot (const char *root);
/* An operation was refused: @error has @code and a message containing @part (NULL: any), and
 * the store under @root is as @before (a snapshot taken before it). */
void pier_test_assert_refused (const GError *error, int code, const char *part, const char *root,
                               const char *before);

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

/* A call that must succeed, failing with the message of the GError named error in scope. */
#define assert_ok(call)                                                                        \
  G_STMT_START {                                                                               \
    if (!(call))                                                                               \
      fail_msg ("%s: %s", #call, error ? error->message : "no error set");                     \
  } G_STMT_END
