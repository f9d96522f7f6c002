/* PierEngine's wrappers and PierLocalEngine through the interface. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-local-engine.h"

/* An engine that implements nothing: what the wrappers do for a call it lacks. */
#define TEST_TYPE_NULL_ENGINE (test_null_engine_get_type ())
G_DECLARE_FINAL_TYPE (TestNullEngine, test_null_engine, TEST, NULL_ENGINE, GObject)

struct _TestNullEngine {
  GObject parent_instance;
};

static void
test_null_engine_iface_init (PierEngineInterface *iface)
{
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNullEngine, test_null_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE,
                                                      test_null_engine_iface_init))

static void
test_null_engine_class_init (TestNullEngineClass *klass)
{
}

static void
test_null_engine_init (TestNullEngine *self)
{
}

static void
test_missing_calls_are_not_supported (void **state)
{
  g_autoptr (PierEngine) engine = g_object_new (TEST_TYPE_NULL_ENGINE, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = NULL;
  PierExecOptions options = { NULL };
  int code = -1;

  assert_false (pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES));
  assert_false (pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS));
  images = pier_engine_list_images (engine, NULL, NULL, &error);
  assert_null (images);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  assert_non_null (strstr (error->message, "TestNullEngine cannot list images"));
  g_clear_error (&error);
  assert_false (pier_engine_exec (engine, "c", &options, NULL, &code, NULL, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  assert_int_equal (code, -1);
  g_clear_error (&error);
  /* A composed call stops at the first part the engine lacks. */
  assert_false (pier_engine_restart (engine, "c", 1, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
}

static void
test_local_engine_on_an_empty_store (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  g_autofree char *runroot = g_build_filename (dir, "run", NULL);
  g_autoptr (PierLocalEngine) local = pier_local_engine_new (root, runroot);
  PierEngine *engine = PIER_ENGINE (local);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) containers = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (PierContainerInfo) none = NULL;
  guint64 cursor = 0;

  assert_true (pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES));
  assert_true (pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS));
  images = pier_engine_list_images (engine, &broken, NULL, &error);
  assert_non_null (images);
  assert_int_equal (broken->len, 0);
  containers = pier_engine_list_containers (engine, NULL, &error);
  assert_non_null (containers);
  assert_int_equal (containers->len, 0);
  none = pier_engine_get_container (engine, "nothing-here", FALSE, NULL, &error);
  assert_null (none);
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
  assert_non_null (strstr (error->message, "nothing-here"));
  g_clear_error (&error);
  events = pier_engine_read_events (engine, &cursor, NULL, &error);
  assert_non_null (events);
  g_clear_object (&local);
  pier_test_rm_rf (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_missing_calls_are_not_supported),
    cmocka_unit_test (test_local_engine_on_an_empty_store),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
