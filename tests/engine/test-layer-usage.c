/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-container.h"
#include "pier-image-store.h"
#include "pier-layer-usage.h"
#include "pier-store-open.h"

typedef struct {
  char *dir;
  PierStore *store;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *runroot = NULL;

  f->dir = pier_test_mkdtemp ();
  root = g_build_filename (f->dir, "root", NULL);
  runroot = g_build_filename (f->dir, "run", NULL);
  f->store = pier_store_open (root, runroot, &error);
  pier_assert_no_error (error);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  g_clear_object (&f->store);
  pier_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f);
  return 0;
}

/* A second image on busybox's layer: the same layers, another configuration. */
static PierImage *
add_sibling (Fixture *f, const PierImage *base, const char *name)
{
  g_autoptr (PierImageConfig) config = pier_image_config_copy (base->config, NULL);
  g_autoptr (GPtrArray) layers = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  g_autoptr (GError) error = NULL;
  PierImage *image;

  g_free (config->author);
  config->author = g_strdup (name);
  for (guint i = 0; i < base->manifest->layers->len; i++)
    g_ptr_array_add (layers, pier_descriptor_copy (base->manifest->layers->pdata[i]));
  image = pier_store_add_image (f->store, config, layers, (const char *const[]){ name, NULL },
                                FALSE, &error);
  pier_assert_no_error (error);
  return image;
}

static PierLayerUsage *
usage_of (GHashTable *table, const PierImage *image, guint layer)
{
  PierLayerUsage *usage = g_hash_table_lookup (table, image->config->diff_ids->pdata[layer]);

  assert_non_null (usage);
  return usage;
}

static void
test_layer_usage_counts_images_once_and_containers (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) busybox = pier_store_find_image (f->store, "busybox", &error);
  g_autoptr (PierImage) host = pier_store_find_image (f->store, "host", &error);
  g_autoptr (PierImage) sibling = NULL;
  g_autoptr (PierContainer) c = NULL;
  g_autoptr (GHashTable) table = NULL;
  PierContainerOptions options = { .image = "busybox", .name = "user-of-busybox",
                                   .network_set = TRUE, .network = PIER_NETWORK_NONE };
  PierLayerUsage *usage;

  pier_assert_no_error (error);
  /* Another name for the same image adds no user. */
  assert_true (pier_store_tag_image (f->store, "busybox", "another:name", &error));
  pier_assert_no_error (error);
  sibling = add_sibling (f, busybox, "sibling:1");
  assert_string_not_equal (sibling->id, busybox->id);
  c = pier_store_create_container (f->store, &options, &error);
  pier_assert_no_error (error);

  table = pier_store_layer_usage (f->store, &error);
  pier_assert_no_error (error);
  usage = usage_of (table, busybox, 0);
  assert_int_equal (usage->image_ids->len, 2);
  assert_int_equal (usage->container_ids->len, 1);
  assert_string_equal (usage->container_ids->pdata[0], c->id);
  usage = usage_of (table, host, 0);
  assert_int_equal (usage->image_ids->len, 1);
  assert_string_equal (usage->image_ids->pdata[0], host->id);
  assert_int_equal (usage->container_ids->len, 0);
}

static void
test_layer_usage_keeps_containers_of_removed_names (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) busybox = pier_store_find_image (f->store, "busybox", &error);
  g_autoptr (PierContainer) c = NULL;
  g_autoptr (GHashTable) table = NULL;
  g_autoptr (PierRemoveReport) report = NULL;
  PierContainerOptions options = { .image = "busybox", .network_set = TRUE,
                                   .network = PIER_NETWORK_NONE };

  pier_assert_no_error (error);
  c = pier_store_create_container (f->store, &options, &error);
  pier_assert_no_error (error);
  /* The image a container pins loses its name but stays, and so does the layer's user. */
  report = pier_store_remove_image (f->store, "busybox", TRUE, &error);
  pier_assert_no_error (error);
  table = pier_store_layer_usage (f->store, &error);
  pier_assert_no_error (error);
  assert_int_equal (usage_of (table, busybox, 0)->container_ids->len, 1);
  assert_int_equal (usage_of (table, busybox, 0)->image_ids->len, 1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_layer_usage_counts_images_once_and_containers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_layer_usage_keeps_containers_of_removed_names, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
