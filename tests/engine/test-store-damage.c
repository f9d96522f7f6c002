/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store survives any one bad image: writers refuse what readers cannot read, and an image
 * that cannot be read (left by an older Pier, or damaged on disk) hides nothing else and can
 * be removed. Descriptors must give their blob's true size. */
#include "test-support.h"

#include "pier-blob-store.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-image-archive.h"
#include "pier-image-store.h"
#include "pier-tar-writer-private.h"

#include <string.h>

typedef PierTestStore Fixture;

/* An image config whose JSON is exactly @size bytes (an Env value pads it). */
static char *
config_json_of_size (gsize size)
{
  const char *head = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"A=";
  const char *tail = "\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
  gsize pad = size - strlen (head) - strlen (tail);
  GString *json = g_string_sized_new (size + 1);

  g_string_append (json, head);
  for (gsize i = 0; i < pad; i++)
    g_string_append_c (json, 'x');
  g_string_append (json, tail);
  assert_int_equal (json->len, size);
  return g_string_free (json, FALSE);
}

/* What the store writes, it reads back, up to the one limit; past it, it writes nothing. */
static void
test_store_document_limit_is_shared (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *largest = config_json_of_size (PIER_OCI_MAX_DOCUMENT_SIZE);
  g_autofree char *too_large = config_json_of_size (PIER_OCI_MAX_DOCUMENT_SIZE + 1);
  g_autoptr (PierDescriptor) stored = pier_store_put_json (f->store, PIER_MEDIA_OCI_CONFIG,
                                                           largest, &error);
  g_autoptr (PierImageConfig) read_back = NULL;
  g_autoptr (PierDescriptor) refused = NULL;
  g_autofree char *before = NULL;

  pier_assert_no_error (error);
  read_back = pier_store_read_config (f->store, stored->digest, &error);
  pier_assert_no_error (error);
  before = pier_test_store_snapshot (f->root);
  refused = pier_store_put_json (f->store, PIER_MEDIA_OCI_CONFIG, too_large, &error);
  assert_null (refused);
  pier_test_assert_refused (error, PIER_ERROR_INVALID, "image config", f->root, before);
}

/* `ENV A=<2.2 MB>`: the config is refused, and the index never names the image. */
static void
test_store_oversized_image_never_enters_the_index (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) busybox = pier_store_find_image (f->store, "busybox", &error);
  g_autoptr (PierImageConfig) config = pier_image_config_copy (busybox->config, NULL);
  g_autoptr (GPtrArray) layers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  g_autofree char *value = g_strnfill (PIER_OCI_MAX_DOCUMENT_SIZE, 'x');
  g_autofree char *before = pier_test_store_snapshot (f->root);
  g_autoptr (PierImage) added = NULL;
  g_autoptr (GPtrArray) images = NULL;

  pier_assert_no_error (error);
  config->config.env = g_environ_setenv (config->config.env, "A", value, TRUE);
  for (guint i = 0; i < busybox->manifest->layers->len; i++)
    g_ptr_array_add (layers, pier_descriptor_copy (busybox->manifest->layers->pdata[i]));
  added = pier_store_add_image (f->store, config, layers,
                                (const char *const[]){ "docker.io/library/big:1",
                                                       "docker.io/library/big:2", NULL },
                                FALSE, &error);
  assert_null (added);
  pier_test_assert_refused (error, PIER_ERROR_INVALID, "more than the", f->root, before);
  g_clear_error (&error);
  images = pier_store_list_images (f->store, &error);
  pier_assert_no_error (error);
  assert_int_equal (images->len, 2);
}

/* Points @name at a manifest whose config is @config_bytes, written straight to the blobs as
 * an older Pier (or a damaged disk) could have left them. Returns the config's digest. */
static char *
plant_image (Fixture *f, const char *name, const char *config_bytes, gsize config_len)
{
  g_autoptr (GError) error = NULL;
  PierBlobStore *blobs = pier_store_get_blobs (f->store);
  g_autofree char *config_digest = pier_blob_store_put (blobs, config_bytes, config_len, &error);
  g_autoptr (PierManifest) manifest = pier_manifest_new ();
  g_autofree char *manifest_json = NULL;
  g_autofree char *manifest_digest = NULL;
  g_autoptr (PierDescriptor) desc = NULL;
  g_autoptr (PierIndex) index = NULL;

  pier_assert_no_error (error);
  manifest->config = pier_descriptor_new (PIER_MEDIA_OCI_CONFIG, config_digest, config_len);
  manifest_json = pier_manifest_to_json (manifest, NULL);
  manifest_digest = pier_blob_store_put (blobs, manifest_json, strlen (manifest_json), &error);
  pier_assert_no_error (error);
  desc = pier_descriptor_new (PIER_MEDIA_OCI_MANIFEST, manifest_digest, strlen (manifest_json));
  index = pier_store_read_index (f->store, &error);
  pier_assert_no_error (error);
  pier_index_set_names (index, desc, (const char *const[]){ name, NULL });
  assert_true (pier_store_write_index (f->store, index, &error));
  return g_steal_pointer (&config_digest);
}

static void
test_store_unreadable_image_hides_nothing_and_can_be_removed (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *oversized = config_json_of_size (PIER_OCI_MAX_DOCUMENT_SIZE + 100);
  g_autofree char *big_id = plant_image (f, "docker.io/library/big:1", oversized,
                                         strlen (oversized));
  g_autofree char *garbled_id = plant_image (f, "docker.io/library/garbled:1", "{\"not", 5);
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (GPtrArray) images = pier_store_list_images_full (f->store, &broken, &error);
  g_autoptr (PierImage) busybox = NULL;
  g_autoptr (PierImage) big = NULL;
  g_autoptr (PierRemoveReport) removed = NULL;
  g_autoptr (PierRemoveReport) removed_by_id = NULL;
  g_autofree char *garbled_prefix = g_strndup (pier_digest_hex (garbled_id), 12);

  /* The others are listed and usable; the two are named apart, with why. */
  pier_assert_no_error (error);
  assert_int_equal (images->len, 2);
  assert_int_equal (broken->len, 2);
  for (guint i = 0; i < broken->len; i++)
    {
      PierImage *image = broken->pdata[i];
      assert_int_equal (image->names->len, 1);
      if (strcmp (image->names->pdata[0], "docker.io/library/big:1") == 0)
        {
          assert_string_equal (image->id, big_id);
          assert_non_null (strstr (image->broken, "more than the 4194304"));
        }
      else
        {
          assert_string_equal (image->names->pdata[0], "docker.io/library/garbled:1");
          assert_string_equal (image->id, garbled_id);
        }
    }
  busybox = pier_store_find_image (f->store, "busybox", &error);
  pier_assert_no_error (error);
  assert_true (pier_store_tag_image (f->store, "busybox", "again:1", &error));
  pier_assert_no_error (error);

  /* Using it says what is wrong and how to be rid of it. */
  big = pier_store_find_image (f->store, "big:1", &error);
  assert_null (big);
  pier_assert_error (error, PIER_ERROR_CORRUPT);
  assert_non_null (strstr (error->message, "big:1"));
  assert_non_null (strstr (error->message, "rmi -f"));
  g_clear_error (&error);

  /* Removal by name, and by a prefix of the id; the blobs go with them. */
  removed = pier_store_remove_image (f->store, "big:1", TRUE, &error);
  pier_assert_no_error (error);
  assert_string_equal (removed->deleted->pdata[0], big_id);
  assert_false (pier_blob_store_has (pier_store_get_blobs (f->store), big_id));
  removed_by_id = pier_store_remove_image (f->store, garbled_prefix, TRUE, &error);
  pier_assert_no_error (error);
  assert_false (pier_blob_store_has (pier_store_get_blobs (f->store), garbled_id));
  assert_true (pier_store_verify (f->store, &error));
  pier_assert_no_error (error);
}

/* An index the reader would refuse is never written. */
static void
test_store_index_limit_is_shared (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierIndex) index = pier_store_read_index (f->store, &error);
  g_autofree char *before = pier_test_store_snapshot (f->root);
  PierDescriptor *entry;

  pier_assert_no_error (error);
  entry = index->manifests->pdata[0];
  /* Each entry takes more than 100 bytes (its digest alone 71). */
  for (guint i = 0; i < PIER_OCI_MAX_INDEX_SIZE / 100; i++)
    {
      PierDescriptor *copy = pier_descriptor_copy (entry);
      g_autofree char *name = g_strdup_printf ("docker.io/library/many:%u", i);
      pier_descriptor_set_annotation (copy, PIER_ANNOTATION_REF_NAME, name);
      g_ptr_array_add (index->manifests, copy);
    }
  assert_false (pier_store_write_index (f->store, index, &error));
  pier_test_assert_refused (error, PIER_ERROR_INVALID, "index", f->root, before);
}

/* ---- descriptor sizes ---- */

static void
write_blob (const char *layout, const char *data, gsize len, char **digest)
{
  g_autofree char *path = NULL;

  *digest = pier_digest_data (data, len);
  path = g_build_filename (layout, "blobs", "sha256", pier_digest_hex (*digest), NULL);
  assert_true (g_file_set_contents (path, data, len, NULL));
}

/* An OCI layout of one image, whose blobs are those of @image in the store, with a manifest
 * that gives the size of its first layer (or, with @config, of its config) wrong. */
static char *
layout_with_wrong_size (Fixture *f, const PierImage *image, gboolean config, const char *name)
{
  g_autofree char *layout = g_build_filename (f->dir, name, NULL);
  g_autofree char *blobs = g_build_filename (layout, "blobs", "sha256", NULL);
  g_autoptr (PierManifest) manifest = pier_manifest_new ();
  g_autoptr (PierIndex) index = pier_index_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *manifest_json = NULL;
  g_autofree char *manifest_digest = NULL;
  g_autofree char *index_json = NULL;
  g_autofree char *index_path = g_build_filename (layout, "index.json", NULL);
  g_autofree char *marker = g_build_filename (layout, "oci-layout", NULL);
  PierDescriptor *wrong;

  assert_int_equal (g_mkdir_with_parents (blobs, 0755), 0);
  manifest->config = pier_descriptor_copy (image->manifest->config);
  for (guint i = 0; i < image->manifest->layers->len; i++)
    g_ptr_array_add (manifest->layers, pier_descriptor_copy (image->manifest->layers->pdata[i]));
  for (guint i = 0; i <= manifest->layers->len; i++)
    {
      PierDescriptor *d = i == 0 ? manifest->config : manifest->layers->pdata[i - 1];
      g_autoptr (GBytes) bytes = pier_blob_store_read (pier_store_get_blobs (f->store), d->digest,
                                                       G_MAXSIZE, &error);
      g_autofree char *digest = NULL;
      pier_assert_no_error (error);
      write_blob (layout, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &digest);
    }
  wrong = config ? manifest->config : manifest->layers->pdata[0];
  wrong->size += 1;
  manifest_json = pier_manifest_to_json (manifest, NULL);
  write_blob (layout, manifest_json, strlen (manifest_json), &manifest_digest);
  g_ptr_array_add (index->manifests, pier_descriptor_new (PIER_MEDIA_OCI_MANIFEST, manifest_digest,
                                                          strlen (manifest_json)));
  index_json = pier_index_to_json (index, NULL);
  assert_true (g_file_set_contents (index_path, index_json, -1, NULL));
  assert_true (g_file_set_contents (marker, "{\"imageLayoutVersion\":\"1.0.0\"}", -1, NULL));
  return g_steal_pointer (&layout);
}

/* An image of one uncompressed layer: its blob and its unpacked tree share a digest. */
static PierImage *
import_one_layer (Fixture *f, const char *name)
{
  g_autoptr (GByteArray) tar = g_byte_array_new ();
  g_autoptr (PierTarWriter) w = pier_tar_writer_new (pier_test_append_bytes, tar, 1700000000);
  g_autoptr (GError) error = NULL;
  PierTestMemSource src = { 0 };
  PierImage *image;

  pier_tar_writer_add_data (w, "motd", 0644, "hello\n", 6, &error);
  pier_tar_writer_finish (w, &error);
  pier_assert_no_error (error);
  src.data = tar->data;
  src.len = tar->len;
  image = pier_store_import_rootfs (f->store, pier_test_mem_read, &src, name, "test", NULL, NULL, &error);
  pier_assert_no_error (error);
  return image;
}

/* The blobs are in the store already, so nothing but the size could catch the lie. */
static void
test_store_load_refuses_a_wrong_descriptor_size (void **state)
{
  Fixture *f = *state;
  g_autoptr (PierImage) image = import_one_layer (f, "docker.io/library/sized:1");
  g_autofree char *before = pier_test_store_snapshot (f->root);

  for (int config = 0; config < 2; config++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *layout = layout_with_wrong_size (f, image, config, config ? "c" : "l");
      g_autoptr (GPtrArray) report = pier_store_load_layout_dir (f->store, layout, NULL, &error);
      const char *wrong = config ? image->id
                                 : ((PierDescriptor *) image->manifest->layers->pdata[0])->digest;

      assert_null (report);
      pier_test_assert_refused (error, PIER_ERROR_CORRUPT, "size", f->root, before);
      assert_non_null (strstr (error->message, wrong));
    }
}

/* rmi says each digest it deleted once. */
static void
test_store_remove_reports_each_digest_once (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = import_one_layer (f, "docker.io/library/once:1");
  g_autoptr (PierRemoveReport) report = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *diff_id = image->config->diff_ids->pdata[0];

  assert_string_equal (((PierDescriptor *) image->manifest->layers->pdata[0])->digest, diff_id);
  report = pier_store_remove_image (f->store, "once:1", FALSE, &error);
  pier_assert_no_error (error);
  for (guint i = 0; i < report->deleted->len; i++)
    if (!g_hash_table_add (seen, report->deleted->pdata[i]))
      fail_msg ("%s reported twice", (char *) report->deleted->pdata[i]);
  assert_true (g_hash_table_contains (seen, diff_id));
  assert_true (g_hash_table_contains (seen, image->id));
}

/* Each case on a fresh store of its own. */
#define STORE_TEST(test) cmocka_unit_test_setup_teardown (test, pier_test_store_setup, \
                                                          pier_test_store_teardown)

int
main (void)
{
  const struct CMUnitTest tests[] = {
    STORE_TEST (test_store_document_limit_is_shared),
    STORE_TEST (test_store_oversized_image_never_enters_the_index),
    STORE_TEST (test_store_unreadable_image_hides_nothing_and_can_be_removed),
    STORE_TEST (test_store_index_limit_is_shared),
    STORE_TEST (test_store_load_refuses_a_wrong_descriptor_size),
    STORE_TEST (test_store_remove_reports_each_digest_once),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
