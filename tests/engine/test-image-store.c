/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-blob-store.h"
#include "pier-builtin-images.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-image-archive.h"
#include "pier-image-store.h"
#include "pier-reference.h"
#include "pier-store-open.h"
#include "pier-tar-writer-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

typedef PierTestStore Fixture;

static int
setup (void **state)
{
  return pier_test_store_setup (state);
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autofree char *mnt = g_build_filename (f->dir, "small", NULL);

  g_clear_object (&f->store);
  umount2 (mnt, MNT_DETACH);
  pier_test_store_free (f);
  return 0;
}

/* The store's work directories hold nothing once an operation is over. */
static void
assert_no_leftovers (Fixture *f)
{
  g_autofree char *tmp = g_build_filename (f->root, "tmp", NULL);
  g_autoptr (GDir) dir = g_dir_open (tmp, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      g_autoptr (GDir) sub = NULL;
      if (g_str_has_suffix (name, ".lock"))
        continue;
      sub = g_dir_open (path, 0, NULL);
      if (sub != NULL && g_dir_read_name (sub) != NULL)
        fail_msg ("leftover in the work directory %s", path);
    }
}

/* A rootfs tar: a few files, optionally one hostile entry. */
static GByteArray *
make_rootfs (const char *extra_name, gboolean gzip)
{
  g_autoptr (GByteArray) tar = g_byte_array_new ();
  g_autoptr (PierTarWriter) w = pier_tar_writer_new (pier_test_append_bytes, tar, 1700000000);
  g_autoptr (GError) error = NULL;

  pier_tar_writer_add_dir (w, "etc", 0755, &error);
  pier_tar_writer_add_data (w, "etc/motd", 0644, "hello\n", 6, &error);
  pier_tar_writer_add_dir (w, "bin", 0755, &error);
  pier_tar_writer_add_data (w, "bin/app", 0755, "#!/bin/sh\necho app\n", 19, &error);
  if (extra_name != NULL)
    pier_tar_writer_add_data (w, extra_name, 0644, "x", 1, &error);
  pier_tar_writer_finish (w, &error);
  pier_assert_no_error (error);
  if (gzip)
    {
      GByteArray *z = g_byte_array_sized_new (tar->len + 64);
      z_stream zs = { 0 };
      deflateInit2 (&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
      g_byte_array_set_size (z, tar->len + 1024);
      zs.next_in = tar->data;
      zs.avail_in = tar->len;
      zs.next_out = z->data;
      zs.avail_out = z->len;
      assert_int_equal (deflate (&zs, Z_FINISH), Z_STREAM_END);
      g_byte_array_set_size (z, zs.total_out);
      deflateEnd (&zs);
      return z;
    }
  return g_steal_pointer (&tar);
}

static PierImage *
import_bytes (Fixture *f, GByteArray *bytes, const char *name, GError **error)
{
  PierTestMemSource src = { bytes->data, bytes->len, 0 };
  return pier_store_import_rootfs (f->store, pier_test_mem_read, &src, name, "test", NULL, NULL, error);
}

static GPtrArray *
load_bytes (Fixture *f, const guint8 *data, gsize len, GError **error)
{
  PierTestMemSource src = { data, len, 0 };
  return pier_store_load_archive (f->store, pier_test_mem_read, &src, NULL, error);
}

static GByteArray *
save_bytes (Fixture *f, const char *name, PierArchiveFormat format)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;

  pier_store_save_archive (f->store, (const char *[]){ name, NULL }, format,
                           pier_test_append_bytes, out,
                           NULL, &error);
  pier_assert_no_error (error);
  return out;
}

/* ---- tests ---- */

static void
test_image_store_new_root_has_builtin_images (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) busybox = pier_store_find_image (f->store, "busybox", &error);
  g_autoptr (PierImage) host = NULL;
  g_autofree char *bb_layer = NULL;
  g_autofree char *host_layer = NULL;
  g_autofree char *path = NULL;
  g_autofree char *link = NULL;
  g_autofree char *layout = NULL;
  g_autofree char *layout_path = g_build_filename (f->root, "oci-layout", NULL);
  struct stat st_busybox, st_sh;
  pier_autofd int host_fd = -1;

  pier_assert_no_error (error);
  host = pier_store_find_image (f->store, "host:latest", &error);
  pier_assert_no_error (error);
  assert_true (g_file_get_contents (layout_path, &layout, NULL, NULL));
  assert_string_equal (layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
  assert_string_equal (busybox->names->pdata[0], "docker.io/library/busybox:latest");
  assert_string_equal (busybox->config->config.cmd[0], "sh");

  bb_layer = pier_store_ensure_layer (f->store,
                                      ((PierDescriptor *) busybox->manifest->layers->pdata[0])->digest,
                                      busybox->config->diff_ids->pdata[0], NULL, &error);
  pier_assert_no_error (error);
  path = g_build_filename (bb_layer, "bin", "busybox", NULL);
  assert_int_equal (stat (path, &st_busybox), 0);
  assert_true (st_busybox.st_mode & S_IXUSR);
  g_free (path);
  path = g_build_filename (bb_layer, "bin", "sh", NULL);
  assert_int_equal (stat (path, &st_sh), 0);
  /* Applets are links to the one binary. */
  assert_int_equal (st_sh.st_ino, st_busybox.st_ino);

  /* host:latest: the host's /usr is bound at run time; the layer holds only the links, an
   * empty /usr and Pier's own /etc: a few kilobytes, nothing of the host's files. */
  assert_true (pier_builtin_images_binds_host_usr (f->store, host->config));
  assert_false (pier_builtin_images_binds_host_usr (f->store, busybox->config));
  host_layer = pier_store_ensure_layer (f->store,
                                        ((PierDescriptor *) host->manifest->layers->pdata[0])->digest,
                                        host->config->diff_ids->pdata[0], NULL, &error);
  pier_assert_no_error (error);
  host_fd = pier_fs_open_dir_at (AT_FDCWD, host_layer, &error);
  pier_assert_no_error (error);
  assert_true (pier_fs_tree_size_at (host_fd) < 4096);
  g_free (path);
  path = g_build_filename (host_layer, "bin", NULL);
  link = g_file_read_link (path, NULL);
  assert_string_equal (link, "usr/bin");
  g_free (path);
  path = g_build_filename (host_layer, "usr", NULL);
  {
    g_autoptr (GDir) usr = g_dir_open (path, 0, NULL);
    assert_non_null (usr);
    /* Nothing but the random part that makes the layer this store's own. */
    assert_string_equal (g_dir_read_name (usr), ".pier-host-layer");
    assert_null (g_dir_read_name (usr));
  }
  for (const char *const *secret = (const char *const[]){ "etc/shadow", "etc/hostname", "home/x",
                                                          "root/.bashrc", "etc/ssh", NULL };
       *secret; secret++)
    {
      g_autofree char *p = g_build_filename (host_layer, *secret, NULL);
      assert_false (g_file_test (p, G_FILE_TEST_EXISTS));
    }
}

/* A store made before host:latest's layer was recorded gets a new host:latest, which binds
 * the host's /usr, when it is next opened; once recorded, opening changes nothing. */
static void
test_image_store_old_store_gets_a_recorded_host_image (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) old_host = pier_store_find_image (f->store, "host", &error);
  g_autoptr (PierImage) host = NULL;
  g_autoptr (PierImage) again = NULL;
  g_autofree char *record = NULL;
  g_autofree char *runroot = g_build_filename (f->dir, "run", NULL);

  pier_assert_no_error (error);
  assert_int_equal (unlinkat (pier_store_get_root_fd (f->store), "host-usr-layer", 0), 0);
  assert_false (pier_builtin_images_binds_host_usr (f->store, old_host->config));
  g_clear_object (&f->store);

  f->store = pier_store_open (f->root, runroot, &error);
  pier_assert_no_error (error);
  host = pier_store_find_image (f->store, "host", &error);
  pier_assert_no_error (error);
  assert_string_not_equal (host->id, old_host->id);
  assert_true (pier_builtin_images_binds_host_usr (f->store, host->config));
  assert_false (pier_builtin_images_binds_host_usr (f->store, old_host->config));
  assert_true (pier_fs_read_all_at (pier_store_get_root_fd (f->store), "host-usr-layer", 256,
                                    &record, NULL, NULL));

  g_clear_object (&f->store);
  f->store = pier_store_open (f->root, runroot, &error);
  pier_assert_no_error (error);
  again = pier_store_find_image (f->store, "host", &error);
  pier_assert_no_error (error);
  assert_string_equal (again->id, host->id);
}

static void
test_image_store_host_image_is_quick (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (PierStore) store = pier_store_open (root, dir, &error);
  gint64 elapsed = g_get_monotonic_time () - start;

  pier_assert_no_error (error);
  print_message ("a new store with both built-in images: %.1f ms\n", elapsed / 1000.0);
  assert_true (elapsed < 2 * G_USEC_PER_SEC);
  g_clear_object (&store);
  pier_test_rm_rf (dir);
}

static void
test_image_store_corrupt_blob_is_reported (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = pier_store_find_image (f->store, "busybox", &error);
  PierDescriptor *layer = image->manifest->layers->pdata[0];
  g_autofree char *blob = pier_blob_store_get_path (pier_store_get_blobs (f->store), layer->digest);
  g_autofree char *unpacked = NULL;
  g_autoptr (GError) config_error = NULL;
  g_autoptr (PierImage) again = NULL;
  g_autofree char *config_blob = NULL;
  int fd = open (blob, O_WRONLY);

  assert_true (fd >= 0);
  assert_int_equal (pwrite (fd, "X", 1, 4096), 1);
  close (fd);
  unpacked = pier_store_ensure_layer (f->store, layer->digest, image->config->diff_ids->pdata[0],
                                      NULL, &error);
  assert_null (unpacked);
  pier_assert_error (error, PIER_ERROR_CORRUPT);
  assert_non_null (strstr (error->message, layer->digest));
  assert_false (pier_store_has_layer (f->store, image->config->diff_ids->pdata[0]));
  g_clear_error (&error);
  assert_false (pier_store_verify (f->store, &error));
  pier_assert_error (error, PIER_ERROR_CORRUPT);
  assert_no_leftovers (f);

  config_blob = pier_blob_store_get_path (pier_store_get_blobs (f->store), image->id);
  fd = open (config_blob, O_WRONLY);
  assert_int_equal (pwrite (fd, " ", 1, 0), 1);
  close (fd);
  again = pier_store_find_image (f->store, "busybox", &config_error);
  assert_null (again);
  pier_assert_error (config_error, PIER_ERROR_CORRUPT);
  assert_non_null (strstr (config_error->message, image->id));
}

static void
test_image_store_tag_and_remove (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) busybox = pier_store_find_image (f->store, "busybox", &error);
  g_autoptr (PierRemoveReport) r1 = NULL;
  g_autoptr (PierRemoveReport) r2 = NULL;
  g_autoptr (PierRemoveReport) r3 = NULL;
  g_autoptr (PierImage) by_tag = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autofree char *prefix = g_strndup (pier_digest_hex (busybox->id), 8);
  const char *diff_id = busybox->config->diff_ids->pdata[0];

  assert_true (pier_store_tag_image (f->store, "busybox", "mine/app:1", &error));
  assert_true (pier_store_tag_image (f->store, prefix, "localhost:5000/app", &error));
  pier_assert_no_error (error);
  assert_false (pier_store_tag_image (f->store, "nosuch", "x", &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_string_equal (error->message, "no such image: nosuch");
  g_clear_error (&error);
  assert_false (pier_store_tag_image (f->store, "busybox", "Bad:Name", &error));
  pier_assert_error (error, PIER_ERROR_INVALID);
  g_clear_error (&error);

  by_tag = pier_store_find_image (f->store, "mine/app:1", &error);
  pier_assert_no_error (error);
  assert_string_equal (by_tag->id, busybox->id);
  assert_int_equal (by_tag->names->len, 3);

  /* A name of several: only the name goes. */
  r1 = pier_store_remove_image (f->store, "mine/app:1", FALSE, &error);
  pier_assert_no_error (error);
  assert_int_equal (r1->untagged->len, 1);
  assert_string_equal (r1->untagged->pdata[0], "mine/app:1");
  assert_int_equal (r1->deleted->len, 0);

  /* By id with several names: refused without force. */
  r2 = pier_store_remove_image (f->store, busybox->id, FALSE, &error);
  assert_null (r2);
  pier_assert_error (error, PIER_ERROR_IN_USE);
  g_clear_error (&error);

  assert_true (pier_store_ensure_layer (f->store,
                                        ((PierDescriptor *) busybox->manifest->layers->pdata[0])->digest,
                                        diff_id, NULL, &error) != NULL);
  r3 = pier_store_remove_image (f->store, busybox->id, TRUE, &error);
  pier_assert_no_error (error);
  assert_int_equal (r3->untagged->len, 2);
  assert_string_equal (r3->deleted->pdata[0], busybox->id);
  assert_false (pier_blob_store_has (pier_store_get_blobs (f->store), busybox->id));
  assert_false (pier_store_has_layer (f->store, diff_id));
  images = pier_store_list_images (f->store, &error);
  pier_assert_no_error (error);
  assert_int_equal (images->len, 1); /* host */
  assert_true (pier_store_verify (f->store, &error));
}

static void
test_image_store_shared_layers_removed_when_unused (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) rootfs = make_rootfs (NULL, FALSE);
  g_autoptr (PierImage) a = import_bytes (f, rootfs, "one:1", &error);
  g_autoptr (PierImage) b = NULL;
  g_autoptr (PierRemoveReport) ra = NULL;
  g_autoptr (PierRemoveReport) rb = NULL;
  const char *diff_id;

  pier_assert_no_error (error);
  /* A second import of the same tar is another image (its own created time) sharing the
   * layer. */
  g_usleep (1100 * 1000);
  b = import_bytes (f, rootfs, "two:1", &error);
  pier_assert_no_error (error);
  diff_id = a->config->diff_ids->pdata[0];
  assert_string_not_equal (a->id, b->id);
  assert_string_equal (diff_id, b->config->diff_ids->pdata[0]);
  ra = pier_store_remove_image (f->store, "one:1", FALSE, &error);
  pier_assert_no_error (error);
  assert_true (pier_store_has_layer (f->store, diff_id));
  assert_true (pier_blob_store_has (pier_store_get_blobs (f->store), diff_id));
  rb = pier_store_remove_image (f->store, "two:1", FALSE, &error);
  pier_assert_no_error (error);
  assert_false (pier_store_has_layer (f->store, diff_id));
  assert_false (pier_blob_store_has (pier_store_get_blobs (f->store), diff_id));
}

static void
test_image_store_import_rootfs (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) plain = make_rootfs (NULL, FALSE);
  g_autoptr (GByteArray) gz = make_rootfs (NULL, TRUE);
  g_autoptr (PierImage) image = import_bytes (f, gz, "imported:gz", &error);
  g_autofree char *diff_id = pier_digest_data (plain->data, plain->len);
  g_autofree char *layer = NULL;
  g_autofree char *motd = NULL;
  g_autofree char *content = NULL;
  PierHistoryEntry *h;

  pier_assert_no_error (error);
  assert_int_equal (image->config->diff_ids->len, 1);
  /* diff_id is the uncompressed tar's digest; the blob stays as given, gzip. */
  assert_string_equal (image->config->diff_ids->pdata[0], diff_id);
  assert_string_equal (((PierDescriptor *) image->manifest->layers->pdata[0])->media_type,
                       PIER_MEDIA_OCI_LAYER_GZIP);
  h = image->config->history->pdata[0];
  assert_string_equal (h->comment, "Imported from test");
  layer = pier_store_get_layer_path (f->store, diff_id);
  motd = g_build_filename (layer, "etc", "motd", NULL);
  assert_true (g_file_get_contents (motd, &content, NULL, NULL));
  assert_string_equal (content, "hello\n");
  assert_true (pier_store_verify (f->store, &error));
  assert_no_leftovers (f);
}

static void
test_image_store_hostile_import_changes_nothing (void **state)
{
  Fixture *f = *state;
  g_autofree char *before = pier_test_store_snapshot (f->root);
  const char *hostile[] = { "../escape", "bin/../../escape", NULL };

  for (const char **h = hostile; *h; h++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GByteArray) rootfs = make_rootfs (*h, FALSE);
      g_autoptr (PierImage) image = import_bytes (f, rootfs, "bad:1", &error);
      g_autofree char *after = NULL;
      g_autofree char *escaped = g_build_filename (f->root, "tmp", "escape", NULL);

      assert_null (image);
      pier_assert_error (error, PIER_ERROR_UNSAFE);
      assert_non_null (strstr (error->message, "escape"));
      after = pier_test_store_snapshot (f->root);
      assert_string_equal (before, after);
      assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
      assert_no_leftovers (f);
    }
  {
    /* Not a tar at all. */
    g_autoptr (GError) error = NULL;
    g_autoptr (GByteArray) junk = g_byte_array_new ();
    g_autoptr (PierImage) image = NULL;
    g_byte_array_append (junk, (const guint8 *) "hello, this is no archive", 25);
    image = import_bytes (f, junk, "bad:2", &error);
    assert_null (image);
    pier_assert_error (error, PIER_ERROR_INVALID);
  }
}

static void
check_round_trip (Fixture *f, PierArchiveFormat format)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) rootfs = make_rootfs (NULL, FALSE);
  g_autoptr (PierImage) image = import_bytes (f, rootfs, "round/trip:7", &error);
  g_autoptr (GByteArray) archive = save_bytes (f, "round/trip:7", format);
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *root = g_build_filename (dir, "root", NULL);
  g_autoptr (PierStore) other = pier_store_open (root, dir, &error);
  PierTestMemSource src = { archive->data, archive->len, 0 };
  g_autoptr (GPtrArray) report = pier_store_load_archive (other, pier_test_mem_read, &src, NULL,
                                                          &error);
  g_autoptr (PierImage) loaded = NULL;

  pier_assert_no_error (error);
  assert_int_equal (report->len, 1);
  assert_string_equal (report->pdata[0], "Loaded image: round/trip:7");
  loaded = pier_store_find_image (other, "round/trip:7", &error);
  pier_assert_no_error (error);
  /* The image id (config digest) travels unchanged. */
  assert_string_equal (loaded->id, image->id);
  assert_string_equal (loaded->config->diff_ids->pdata[0], image->config->diff_ids->pdata[0]);
  if (format == PIER_ARCHIVE_OCI)
    assert_string_equal (((PierDescriptor *) loaded->manifest->layers->pdata[0])->media_type,
                         PIER_MEDIA_OCI_LAYER_GZIP);
  assert_true (pier_store_verify (other, &error));
  g_clear_object (&other);
  pier_test_rm_rf (dir);
}

static void
test_image_store_save_load_docker_archive (void **state)
{
  check_round_trip (*state, PIER_ARCHIVE_DOCKER);
}

static void
test_image_store_save_load_oci_archive (void **state)
{
  check_round_trip (*state, PIER_ARCHIVE_OCI);
}

static void
test_image_store_host_image_cannot_be_saved (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) out = g_byte_array_new ();

  assert_false (pier_store_save_archive (f->store, (const char *[]){ "host", NULL },
                                         PIER_ARCHIVE_DOCKER, pier_test_append_bytes, out, NULL, &error));
  pier_assert_error (error, PIER_ERROR_UNSUPPORTED);
}

static void
load_testdata_archive (Fixture *f, const char *path, const char *expected_report,
                       const char *expected_id, guint expected_layers)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GPtrArray) report = NULL;
  g_autoptr (PierImage) image = NULL;

  assert_true (g_file_get_contents (path, &data, &len, NULL));
  report = load_bytes (f, (guint8 *) data, len, &error);
  pier_assert_no_error (error);
  assert_int_equal (report->len, 1);
  assert_string_equal (report->pdata[0], expected_report);
  image = pier_store_find_image (f->store, expected_id, &error);
  pier_assert_no_error (error);
  assert_string_equal (image->id, expected_id);
  assert_int_equal (image->config->diff_ids->len, expected_layers);
  for (guint i = 0; i < expected_layers; i++)
    assert_true (pier_store_has_layer (f->store, image->config->diff_ids->pdata[i]));
}

static void
test_image_store_loads_go_containerregistry_archives (void **state)
{
  Fixture *f = *state;
  PIER_TEST_REQUIRE_TESTDATA (whiteout, "go-containerregistry/pkg/v1/mutate/testdata/whiteout_image.tar");
  g_autofree char *single = pier_test_testdata_path ("go-containerregistry/pkg/v1/tarball/testdata/test_image_1.tar");
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *top = NULL;
  g_autofree char *marker = NULL;

  load_testdata_archive (f, whiteout, "Loaded image: bazel/pkg/v1/mutate:whiteout_image",
                         "sha256:decb630649c3e1256345d416b228d6c3ceb387a55120ad44dc3ec992976d28b9", 3);
  load_testdata_archive (f, single, "Loaded image: bazel/v1/tarball:test_image_1",
                         "sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e", 1);
  /* The whiteout image's layers carry whiteouts: somewhere in its layers there is an overlay
   * whiteout (a 0:0 character device). */
  image = pier_store_find_image (f->store, "bazel/pkg/v1/mutate:whiteout_image", &error);
  pier_assert_no_error (error);
  {
    gboolean found = FALSE;
    for (guint i = 0; i < image->config->diff_ids->len && !found; i++)
      {
        g_autofree char *layer = pier_store_get_layer_path (f->store, image->config->diff_ids->pdata[i]);
        g_autofree char *cmd = g_strdup_printf ("find %s -type c", layer);
        g_autofree char *out = NULL;
        g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL);
        found = out != NULL && *out != '\0';
      }
    assert_true (found);
  }
  assert_true (pier_store_verify (f->store, &error));
}

static void
test_image_store_loads_oci_layout_dir (void **state)
{
  Fixture *f = *state;
  PIER_TEST_REQUIRE_TESTDATA (layout, "go-containerregistry/pkg/v1/layout/testdata/test_index_one_image");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) report = pier_store_load_layout_dir (f->store, layout, NULL, &error);
  g_autoptr (PierImage) image = NULL;

  pier_assert_no_error (error);
  assert_int_equal (report->len, 1);
  assert_string_equal (report->pdata[0],
                       "Loaded image ID: sha256:381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810");
  image = pier_store_find_image (f->store, "381d958b5558", &error);
  pier_assert_no_error (error);
  assert_int_equal (image->names->len, 0);
  /* The manifest keeps its digest: it entered the store byte for byte. */
  assert_string_equal (image->manifest_digest,
                       "sha256:98ceaf93e482fe91b9bfd6bba07137c098e49ee2d55e69f09fb6c951e75e0e46");
}

static void
test_image_store_truncated_archive_changes_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) rootfs = make_rootfs (NULL, FALSE);
  g_autoptr (PierImage) image = import_bytes (f, rootfs, "cut:1", &error);
  g_autoptr (GByteArray) archive = save_bytes (f, "cut:1", PIER_ARCHIVE_DOCKER);
  g_autoptr (PierRemoveReport) removed = pier_store_remove_image (f->store, "cut:1", FALSE, &error);
  g_autofree char *before = pier_test_store_snapshot (f->root);

  guint8 *manifest_entry = memmem (archive->data, archive->len, "manifest.json", 13);
  gsize content_end;

  pier_assert_no_error (error);
  /* Cuts anywhere before the last entry (manifest.json) is complete; after it, only the tar's
   * end blocks are missing, which tar readers forgive. */
  assert_non_null (manifest_entry);
  content_end = (manifest_entry - archive->data) + 512;
  for (gsize cut = 100; cut < content_end; cut += content_end / 9)
    {
      g_autoptr (GError) load_error = NULL;
      g_autoptr (GPtrArray) report = load_bytes (f, archive->data, cut, &load_error);
      g_autofree char *after = NULL;
      if (report != NULL)
        fail_msg ("an archive cut at %zu of %u bytes loaded", cut, archive->len);
      pier_assert_error (load_error, PIER_ERROR_INVALID);
      after = pier_test_store_snapshot (f->root);
      assert_string_equal (before, after);
      assert_no_leftovers (f);
    }
}

static void
test_image_store_tampered_archives_refused (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) rootfs = make_rootfs (NULL, FALSE);
  g_autoptr (PierImage) image = import_bytes (f, rootfs, "tamper:1", &error);
  g_autoptr (GByteArray) oci = save_bytes (f, "tamper:1", PIER_ARCHIVE_OCI);
  g_autoptr (GByteArray) docker = save_bytes (f, "tamper:1", PIER_ARCHIVE_DOCKER);
  g_autoptr (PierRemoveReport) removed = pier_store_remove_image (f->store, "tamper:1", FALSE, &error);
  g_autofree char *before = pier_test_store_snapshot (f->root);
  guint8 *motd;

  pier_assert_no_error (error);
  /* In the OCI archive the config blob no longer hashes to its name; in the docker-archive the
   * layer no longer matches the config's diff_id. */
  motd = memmem (oci->data, oci->len, "\"architecture\":\"amd64\"", 22);
  assert_non_null (motd);
  motd[17] = 'X';
  {
    g_autoptr (GPtrArray) r = load_bytes (f, oci->data, oci->len, &error);
    assert_null (r);
    pier_assert_error (error, PIER_ERROR_CORRUPT);
    g_clear_error (&error);
  }
  motd = memmem (docker->data, docker->len, "hello\n", 6);
  assert_non_null (motd);
  motd[0] = 'j';
  {
    g_autoptr (GPtrArray) r = load_bytes (f, docker->data, docker->len, &error);
    g_autofree char *after = NULL;
    assert_null (r);
    pier_assert_error (error, PIER_ERROR_CORRUPT);
    assert_non_null (strstr (error->message, "does not match the image config"));
    after = pier_test_store_snapshot (f->root);
    assert_string_equal (before, after);
  }
}

static void
test_image_store_full_disk_changes_nothing (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *mnt = g_build_filename (f->dir, "small", NULL);
  g_autofree char *root = g_build_filename (mnt, "root", NULL);
  g_autoptr (PierStore) small = NULL;
  g_autoptr (GByteArray) big = g_byte_array_new ();
  g_autoptr (PierTarWriter) w = pier_tar_writer_new (pier_test_append_bytes, big, 0);
  g_autofree guint8 *noise = g_malloc (6 * 1024 * 1024);
  g_autoptr (PierImage) image = NULL;
  g_autoptr (GPtrArray) images = NULL;

  if (geteuid () != 0)
    fail_msg ("this test mounts a small tmpfs and needs root (CI runs as root)");
  assert_int_equal (g_mkdir (mnt, 0700), 0);
  assert_int_equal (mount ("tmpfs", mnt, "tmpfs", 0, "size=4m"), 0);
  small = pier_store_open (root, mnt, &error);
  pier_assert_no_error (error);
  for (gsize i = 0; i < 6 * 1024 * 1024; i++)
    noise[i] = g_random_int ();
  pier_tar_writer_add_data (w, "big", 0644, noise, 6 * 1024 * 1024, &error);
  pier_tar_writer_finish (w, &error);
  {
    PierTestMemSource src = { big->data, big->len, 0 };
    image = pier_store_import_rootfs (small, pier_test_mem_read, &src, "big:1", "test", NULL, NULL, &error);
  }
  assert_null (image);
  pier_assert_error (error, PIER_ERROR_NO_SPACE);
  assert_non_null (strstr (error->message, "No space left"));
  g_clear_error (&error);
  images = pier_store_list_images (small, &error);
  pier_assert_no_error (error);
  assert_int_equal (images->len, 2);
  assert_true (pier_store_verify (small, &error));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_image_store_new_root_has_builtin_images, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_old_store_gets_a_recorded_host_image, setup, teardown),
    cmocka_unit_test (test_image_store_host_image_is_quick),
    cmocka_unit_test_setup_teardown (test_image_store_corrupt_blob_is_reported, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_tag_and_remove, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_shared_layers_removed_when_unused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_import_rootfs, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_hostile_import_changes_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_save_load_docker_archive, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_save_load_oci_archive, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_host_image_cannot_be_saved, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_loads_go_containerregistry_archives, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_loads_oci_layout_dir, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_truncated_archive_changes_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_tampered_archives_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_image_store_full_disk_changes_nothing, setup, teardown),
  };
  return cmocka_run_group_tests_name ("image-store", tests, NULL, NULL);
}
