/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pier_engine_copy_image(): an image streamed from one engine's save into another's load. */
#include "test-support.h"

#include "pier-engine-copy.h"
#include "pier-error.h"
#include "pier-local-engine.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An engine that implements nothing: a target whose load refuses at once. */
#define TEST_TYPE_REFUSING_ENGINE (test_refusing_engine_get_type ())
G_DECLARE_FINAL_TYPE (TestRefusingEngine, test_refusing_engine, TEST, REFUSING_ENGINE, GObject)

struct _TestRefusingEngine {
  GObject parent_instance;
};

static void
test_refusing_engine_iface_init (PierEngineInterface *iface)
{
  (void) iface;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestRefusingEngine, test_refusing_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE,
                                                      test_refusing_engine_iface_init))

static void
test_refusing_engine_class_init (TestRefusingEngineClass *klass)
{
  (void) klass;
}

static void
test_refusing_engine_init (TestRefusingEngine *self)
{
  (void) self;
}

typedef struct {
  char *dir;
  PierEngine *source, *target;
} Engines;

static int
engines_setup (void **state)
{
  Engines *engines = g_new0 (Engines, 1);
  g_autofree char *root = NULL, *runroot = NULL, *other_root = NULL, *other_runroot = NULL;

  engines->dir = pier_test_mkdtemp ();
  root = g_build_filename (engines->dir, "root", NULL);
  runroot = g_build_filename (engines->dir, "run", NULL);
  other_root = g_build_filename (engines->dir, "other-root", NULL);
  other_runroot = g_build_filename (engines->dir, "other-run", NULL);
  engines->source = PIER_ENGINE (pier_local_engine_new (root, runroot));
  engines->target = PIER_ENGINE (pier_local_engine_new (other_root, other_runroot));
  *state = engines;
  return 0;
}

static int
engines_teardown (void **state)
{
  Engines *engines = *state;

  g_object_unref (engines->source);
  g_object_unref (engines->target);
  pier_test_rm_rf (engines->dir);
  g_free (engines->dir);
  g_free (engines);
  return 0;
}

static void
count_bytes (guint64 bytes, gpointer data)
{
  guint64 *last = data;

  /* Progress only grows. */
  assert_true (bytes > *last);
  *last = bytes;
}

static gsize
saved_size (PierEngine *engine, const char *image, const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "saved.tar", NULL);
  const char *images[] = { image, NULL };
  g_autoptr (GError) error = NULL;
  struct stat st;
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  assert_true (fd >= 0);
  assert_ok (pier_engine_save (engine, images, "docker-archive", fd, NULL, &error));
  assert_int_equal (fstat (fd, &st), 0);
  close (fd);
  return (gsize) st.st_size;
}

static void
test_copy_moves_the_image_and_counts_its_bytes (void **state)
{
  Engines *engines = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (PierImageInfo) copied = NULL;
  g_autoptr (PierImageInfo) original = NULL;
  guint64 moved = 0;

  assert_ok (pier_engine_tag_image (engines->source, "busybox", "copied/busybox:1", NULL,
                                    &error));
  loaded = pier_engine_copy_image (engines->source, "copied/busybox:1", engines->target,
                                   count_bytes, &moved, NULL, &error);
  assert_ok (loaded != NULL);
  assert_int_equal (loaded->len, 1);
  assert_string_equal (g_ptr_array_index (loaded, 0), "Loaded image: copied/busybox:1");
  copied = pier_engine_get_image (engines->target, "copied/busybox:1", NULL, &error);
  assert_ok (copied != NULL);
  original = pier_engine_get_image (engines->source, "copied/busybox:1", NULL, &error);
  assert_ok (original != NULL);
  assert_string_equal (copied->id, original->id);
  /* Every byte of the archive went through, as many as a save to a file writes. */
  assert_int_equal (moved, saved_size (engines->source, "copied/busybox:1", engines->dir));
}

static void
test_a_failed_save_is_the_error_and_loads_nothing (void **state)
{
  Engines *engines = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (GPtrArray) before = NULL, after = NULL;

  before = pier_engine_list_images (engines->target, NULL, NULL, &error);
  assert_ok (before != NULL);
  loaded = pier_engine_copy_image (engines->source, "no-such-image:1", engines->target, NULL,
                                   NULL, NULL, &error);
  assert_null (loaded);
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
  assert_non_null (strstr (error->message, "no-such-image"));
  g_clear_error (&error);
  after = pier_engine_list_images (engines->target, NULL, NULL, &error);
  assert_ok (after != NULL);
  assert_int_equal (after->len, before->len);
}

static void
test_a_target_that_refuses_ends_the_copy (void **state)
{
  Engines *engines = *state;
  g_autoptr (GObject) refusing = g_object_new (TEST_TYPE_REFUSING_ENGINE, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) loaded = NULL;

  /* The load gives up before reading a byte: the save must neither block on a full pipe nor
   * die of SIGPIPE. */
  loaded = pier_engine_copy_image (engines->source, "busybox", PIER_ENGINE (refusing), NULL,
                                   NULL, NULL, &error);
  assert_null (loaded);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
}

static void
test_a_cancelled_copy_loads_nothing (void **state)
{
  Engines *engines = *state;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (PierImageInfo) image = NULL;

  assert_ok (pier_engine_tag_image (engines->source, "busybox", "cancelled/busybox:1", NULL,
                                    &error));
  g_cancellable_cancel (cancellable);
  loaded = pier_engine_copy_image (engines->source, "cancelled/busybox:1", engines->target, NULL,
                                   NULL, cancellable, &error);
  assert_null (loaded);
  assert_non_null (error);
  g_clear_error (&error);
  image = pier_engine_get_image (engines->target, "cancelled/busybox:1", NULL, &error);
  assert_null (image);
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_copy_moves_the_image_and_counts_its_bytes,
                                     engines_setup, engines_teardown),
    cmocka_unit_test_setup_teardown (test_a_failed_save_is_the_error_and_loads_nothing,
                                     engines_setup, engines_teardown),
    cmocka_unit_test_setup_teardown (test_a_target_that_refuses_ends_the_copy, engines_setup,
                                     engines_teardown),
    cmocka_unit_test_setup_teardown (test_a_cancelled_copy_loads_nothing, engines_setup,
                                     engines_teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
