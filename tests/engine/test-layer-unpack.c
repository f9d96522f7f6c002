/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "layer-fixture.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-layer-stream.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

/* Needs root (CI runs these as root): overlay whiteouts are 0:0 character devices (mknod),
 * opaque directories carry trusted.overlay.opaque, and owners are restored with chown. Run
 * unprivileged, those cases fail with EPERM rather than skip. */

static char *
write_temp_file (const char *tmp, const char *name, const void *data, gsize len)
{
  char *path = g_build_filename (tmp, name, NULL);
  g_autoptr (GError) error = NULL;

  assert_true (g_file_set_contents (path, data, len, &error));
  return path;
}

static GBytes *
gzip_bytes (GBytes *plain)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (plain, &len);
  gsize bound = len + len / 100 + 1024;
  guint8 *out = g_malloc (bound);
  z_stream zs = { 0 };

  assert_int_equal (deflateInit2 (&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = (guint8 *) data;
  zs.avail_in = len;
  zs.next_out = out;
  zs.avail_out = bound;
  assert_int_equal (deflate (&zs, Z_FINISH), Z_STREAM_END);
  deflateEnd (&zs);
  return g_bytes_new_take (out, zs.total_out);
}

static void
test_layer_unpack_gzip_stream (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "layer");
  g_autoptr (GBytes) tar = NULL;
  g_autoptr (GBytes) gz = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierLayerStream) stream = NULL;
  g_autofree char *gz_path = NULL;
  g_autofree char *target = NULL;
  PierUnpackOptions options = { .mode = PIER_UNPACK_OVERLAY, .preserve_owner = TRUE };
  PierUnpackStats stats = { 0 };
  pier_autofd int fd = -1;
  TarBuilder *t = tar_new ();

  tar_dir (t, "a/", 0755);
  tar_file (t, "a/b", "hello gzip");
  tar_symlink (t, "a/c", "b");
  tar = tar_finish (t);
  gz = gzip_bytes (tar);
  gz_path = write_temp_file (tmp, "layer.tar.gz", g_bytes_get_data (gz, NULL), g_bytes_get_size (gz));

  fd = open (gz_path, O_RDONLY | O_CLOEXEC);
  assert_true (fd >= 0);
  stream = pier_layer_stream_new_for_fd (fd);
  assert_true (pier_layer_unpack (pier_layer_stream_read, stream, dest, &options, &stats, NULL,
                                  &error));
  pier_assert_no_error (error);
  assert_true (pier_layer_stream_is_compressed (stream));
  assert_int_equal (stats.n_entries, 3);
  assert_int_equal (stats.content_bytes, strlen ("hello gzip"));
  assert_content (dest, "a/b", "hello gzip");
  assert_content (dest, "a/c", "hello gzip");
  target = readlink_in_root (dest, "a/c");
  assert_string_equal (target, "b");
  pier_test_rm_rf (tmp);
}

/* A v2 security.capability granting CAP_NET_BIND_SERVICE, effective. */
static const guint8 net_bind_capability[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x04 };

static GBytes *
metadata_layer (void)
{
  TarBuilder *t = tar_new ();
  struct archive_entry *e;

  e = tar_begin (t, AE_IFDIR, "data/", 02750);
  archive_entry_set_uid (e, 1234);
  archive_entry_set_gid (e, 5678);
  archive_entry_set_mtime (e, MTIME + 2, 0);
  archive_entry_xattr_add_entry (e, "user.dir", "d", 1);
  archive_entry_xattr_add_entry (e, "trusted.overlay.opaque", "y", 1);
  tar_commit (t, NULL, 0);

  e = tar_begin (t, AE_IFREG, "data/tool", 04755);
  archive_entry_set_uid (e, 1234);
  archive_entry_set_gid (e, 5678);
  archive_entry_set_mtime (e, MTIME + 1, 500);
  archive_entry_xattr_add_entry (e, "security.capability", net_bind_capability,
                                 sizeof net_bind_capability);
  archive_entry_xattr_add_entry (e, "user.comment", "hi", 2);
  archive_entry_xattr_add_entry (e, "user.overlay.origin", "x", 1);
  tar_commit (t, "#!/bin/sh\n", 10);

  e = tar_begin (t, AE_IFLNK, "data/link", 0777);
  archive_entry_set_symlink (e, "tool");
  archive_entry_set_uid (e, 1234);
  archive_entry_set_gid (e, 5678);
  archive_entry_set_mtime (e, MTIME + 3, 0);
  tar_commit (t, NULL, 0);

  e = tar_begin (t, AE_IFIFO, "data/fifo", 0640);
  archive_entry_set_uid (e, 1234);
  archive_entry_set_mtime (e, MTIME + 4, 0);
  tar_commit (t, NULL, 0);

  tar_begin (t, AE_IFREG, "data/secret", 0600);
  tar_commit (t, "s", 1);

  tar_dir (t, "tmp/", 01777);
  /* Read-only once done; its content is written first. */
  tar_dir (t, "sealed/", 0500);
  tar_file (t, "sealed/inside", "inside");
  tar_dir (t, "./", 0700);
  return tar_finish (t);
}

static void
assert_stat (int root_fd, const char *path, mode_t mode, uid_t uid, gid_t gid, time_t mtime)
{
  struct stat st;

  if (!stat_in_root (root_fd, path, FALSE, &st))
    fail_msg ("%s is missing", path);
  if ((st.st_mode & 0177777) != mode || st.st_uid != uid || st.st_gid != gid
      || (mtime != 0 && st.st_mtime != mtime))
    fail_msg ("%s: mode 0%o owner %u:%u mtime %ld, expected 0%o %u:%u %ld", path,
              st.st_mode & 0177777, st.st_uid, st.st_gid, (long) st.st_mtime, mode, uid, gid,
              (long) mtime);
}

static void
test_layer_unpack_metadata (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "layer");
  pier_autofd int unowned = make_dest (tmp, "unowned");
  g_autoptr (GBytes) tar = metadata_layer ();
  g_autoptr (GError) error = NULL;
  PierUnpackOptions options = { .mode = PIER_UNPACK_OVERLAY, .preserve_owner = FALSE };
  g_autofree char *comment = NULL, *dir_xattr = NULL;
  guint8 cap[64];
  pier_autofd int tool = -1;
  struct stat st, dest_before, dest_after;

  assert_int_equal (fstat (dest, &dest_before), 0);
  assert_true (unpack_mode (tar, dest, PIER_UNPACK_OVERLAY, &error));
  pier_assert_no_error (error);

  assert_stat (dest, "data", S_IFDIR | 02750, 1234, 5678, MTIME + 2);
  assert_stat (dest, "data/tool", S_IFREG | 04755, 1234, 5678, MTIME + 1);
  assert_stat (dest, "data/link", S_IFLNK | 0777, 1234, 5678, MTIME + 3);
  assert_stat (dest, "data/fifo", S_IFIFO | 0640, 1234, 0, MTIME + 4);
  assert_stat (dest, "data/secret", S_IFREG | 0600, 0, 0, MTIME);
  assert_stat (dest, "tmp", S_IFDIR | 01777, 0, 0, MTIME);
  assert_stat (dest, "sealed", S_IFDIR | 0500, 0, 0, MTIME);
  assert_content (dest, "sealed/inside", "inside");
  assert_true (stat_in_root (dest, "data/tool", FALSE, &st));
  assert_int_equal (st.st_mtim.tv_nsec, 500);

  /* The root entry ("./") changes nothing of the destination itself. */
  assert_int_equal (fstat (dest, &dest_after), 0);
  assert_int_equal (dest_after.st_mode, dest_before.st_mode);

  tool = open_in_root (dest, "data/tool", O_RDONLY);
  assert_int_equal (fgetxattr (tool, "security.capability", cap, sizeof cap),
                    sizeof net_bind_capability);
  assert_memory_equal (cap, net_bind_capability, sizeof net_bind_capability);
  comment = get_xattr (dest, "data/tool", "user.comment");
  assert_string_equal (comment, "hi");
  dir_xattr = get_xattr (dest, "data", "user.dir");
  assert_string_equal (dir_xattr, "d");
  /* Overlay's attributes come only from whiteouts, never from the archive. */
  assert_null (get_xattr (dest, "data", "trusted.overlay.opaque"));
  assert_null (get_xattr (dest, "data/tool", "user.overlay.origin"));

  /* Without preserve_owner, files belong to whoever unpacks. */
  assert_true (unpack_full (tar, unowned, &options, NULL, &error));
  pier_assert_no_error (error);
  assert_stat (unowned, "data", S_IFDIR | 02750, getuid (), getgid (), MTIME + 2);
  assert_stat (unowned, "data/tool", S_IFREG | 04755, getuid (), getgid (), MTIME + 1);
  assert_stat (unowned, "data/link", S_IFLNK | 0777, getuid (), getgid (), MTIME + 3);
  pier_test_rm_rf (tmp);
}

/* Device nodes: refused by default, made as they are when asked (as root), or left out and
 * counted (rootless). */
static void
test_layer_unpack_devices (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autoptr (GBytes) tar = NULL;
  TarBuilder *t = tar_new ();
  struct archive_entry *e;

  tar_dir (t, "dev/", 0755);
  e = tar_begin (t, AE_IFCHR, "dev/console", 0620);
  archive_entry_set_rdev (e, makedev (5, 1));
  archive_entry_set_gid (e, 5);
  tar_commit (t, NULL, 0);
  e = tar_begin (t, AE_IFBLK, "dev/loop0", 0660);
  archive_entry_set_rdev (e, makedev (7, 0));
  tar_commit (t, NULL, 0);
  tar_file (t, "etc/after", "after");
  tar = tar_finish (t);

  for (PierUnpackDevices devices = PIER_UNPACK_DEVICES_REFUSE; devices <= PIER_UNPACK_DEVICES_SKIP;
       devices++)
    {
      g_autofree char *name = g_strdup_printf ("dest-%d", devices);
      pier_autofd int dest = make_dest (tmp, name);
      PierUnpackOptions options = { .preserve_owner = TRUE, .devices = devices };
      PierUnpackStats stats = { 0 };
      g_autoptr (GError) error = NULL;
      struct stat st;

      if (devices == PIER_UNPACK_DEVICES_REFUSE)
        {
          assert_false (unpack_full (tar, dest, &options, &stats, &error));
          pier_assert_error (error, PIER_ERROR_UNSAFE);
          assert_non_null (strstr (error->message, "dev/console"));
          assert_absent (dest, "dev/console");
          continue;
        }
      assert_true (unpack_full (tar, dest, &options, &stats, &error));
      pier_assert_no_error (error);
      assert_content (dest, "etc/after", "after");
      if (devices == PIER_UNPACK_DEVICES_SKIP)
        {
          assert_int_equal (stats.n_devices_skipped, 2);
          assert_absent (dest, "dev/console");
          assert_absent (dest, "dev/loop0");
          continue;
        }
      assert_int_equal (stats.n_devices_skipped, 0);
      assert_stat (dest, "dev/console", S_IFCHR | 0620, 0, 5, MTIME);
      assert_true (stat_in_root (dest, "dev/console", FALSE, &st));
      assert_int_equal (st.st_rdev, makedev (5, 1));
      assert_stat (dest, "dev/loop0", S_IFBLK | 0660, 0, 0, MTIME);
      assert_true (stat_in_root (dest, "dev/loop0", FALSE, &st));
      assert_int_equal (st.st_rdev, makedev (7, 0));
    }
  pier_test_rm_rf (tmp);
}

static void
test_layer_unpack_hardlinks (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "rootfs");
  g_autoptr (GBytes) tar = NULL;
  g_autoptr (GError) error = NULL;
  TarBuilder *t = tar_new ();
  struct stat st;

  tar_file (t, "a/orig", "data");
  tar_hardlink (t, "a/second", "a/orig");
  tar_hardlink (t, "b/third", "/a/orig");
  tar_symlink (t, "s", "a/orig");
  tar_hardlink (t, "s2", "s");
  tar = tar_finish (t);

  /* Twice, the second time over the first: links over existing names, even their own. */
  for (int round = 0; round < 2; round++)
    {
      assert_true (unpack_mode (tar, dest, PIER_UNPACK_APPLY, &error));
      pier_assert_no_error (error);
      assert_same_inode (dest, "a/orig", "a/second", FALSE);
      assert_same_inode (dest, "a/orig", "b/third", FALSE);
      assert_true (stat_in_root (dest, "a/orig", FALSE, &st));
      assert_int_equal (st.st_nlink, 3);
      assert_content (dest, "b/third", "data");
      assert_type (dest, "s2", S_IFLNK);
      assert_same_inode (dest, "s", "s2", FALSE);
    }

  {
    g_autoptr (GBytes) dangling = NULL;
    TarBuilder *d = tar_new ();
    tar_hardlink (d, "x", "nowhere");
    dangling = tar_finish (d);
    assert_false (unpack_mode (dangling, dest, PIER_UNPACK_APPLY, &error));
    pier_assert_error (error, PIER_ERROR_NOT_FOUND);
    assert_non_null (strstr (error->message, "nowhere"));
  }
  pier_test_rm_rf (tmp);
}

static void
test_layer_unpack_long_names (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "layer");
  g_autofree char *part = g_strnfill (150, 'x');
  g_autofree char *long_target = g_strnfill (200, 't');
  g_autofree char *dir = g_strdup_printf ("d/%s/%s/", part, part);
  g_autofree char *file = g_strdup_printf ("d/%s/%s/file-%s", part, part, part);
  g_autofree char *read_target = NULL;
  g_autoptr (GBytes) tar = NULL;
  g_autoptr (GError) error = NULL;
  TarBuilder *t = tar_new ();
  struct archive_entry *e;
  struct stat st;

  assert_true (strlen (file) > 400);
  tar_dir (t, dir, 0755);
  e = tar_begin (t, AE_IFREG, file, 0644);
  archive_entry_set_uid (e, 3000000);
  archive_entry_set_gid (e, 3000001);
  tar_commit (t, "long", 4);
  tar_symlink (t, "link", long_target);
  tar_hardlink (t, "hard", file);
  tar = tar_finish (t);

  assert_true (unpack_mode (tar, dest, PIER_UNPACK_OVERLAY, &error));
  pier_assert_no_error (error);
  assert_content (dest, file, "long");
  assert_true (stat_in_root (dest, file, FALSE, &st));
  assert_int_equal (st.st_uid, 3000000);
  assert_int_equal (st.st_gid, 3000001);
  read_target = readlink_in_root (dest, "link");
  assert_string_equal (read_target, long_target);
  assert_same_inode (dest, "hard", file, FALSE);
  pier_test_rm_rf (tmp);
}

static void
test_layer_unpack_sparse (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "layer");
  g_autoptr (GBytes) tar = NULL;
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *logical = g_malloc0 (2 << 20);
  const guint8 *bytes;
  TarBuilder *t = tar_new ();
  struct archive_entry *e;
  struct stat st;

  memset (logical, 'a', 4096);
  memset (logical + (1 << 20), 'b', 4096);
  e = tar_begin (t, AE_IFREG, "sparse", 0644);
  archive_entry_set_size (e, 2 << 20);
  archive_entry_sparse_add_entry (e, 0, 4096);
  archive_entry_sparse_add_entry (e, 1 << 20, 4096);
  /* libarchive takes the whole logical content and keeps only the listed regions. */
  tar_commit (t, logical, 2 << 20);
  tar = tar_finish (t);

  assert_true (unpack_mode (tar, dest, PIER_UNPACK_OVERLAY, &error));
  pier_assert_no_error (error);
  data = read_in_root (dest, "sparse");
  assert_int_equal (g_bytes_get_size (data), 2 << 20);
  bytes = g_bytes_get_data (data, NULL);
  assert_int_equal (bytes[0], 'a');
  assert_int_equal (bytes[4095], 'a');
  assert_int_equal (bytes[4096], 0);
  assert_int_equal (bytes[(1 << 20) - 1], 0);
  assert_int_equal (bytes[1 << 20], 'b');
  assert_int_equal (bytes[(1 << 20) + 4095], 'b');
  assert_int_equal (bytes[(2 << 20) - 1], 0);
  assert_true (stat_in_root (dest, "sparse", FALSE, &st));
  assert_true (st.st_blocks * 512 < (1 << 20));
  pier_test_rm_rf (tmp);
}

static void
test_layer_unpack_damaged (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *big = g_strnfill (10000, 'z');
  g_autoptr (GBytes) tar = NULL;
  TarBuilder *t = tar_new ();
  /* Each file: a 512-byte header, then its content padded to 10240. */
  const gsize second_header = 512 + 10240;
  const gsize cuts[] = { second_header + 512 + 5000, second_header + 100, 0 };

  tar_file (t, "first", big);
  tar_file (t, "second", big);
  tar_file (t, "third", "3");
  tar = tar_finish (t);

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_autofree char *name = g_strdup_printf ("cut-%u", i);
      pier_autofd int dest = make_dest (tmp, name);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) cut = NULL;
      /* The last one is no tar at all. */
      g_autofree char *garbage = g_strnfill (2048, 'g');

      cut = cuts[i] > 0 ? g_bytes_new_from_bytes (tar, 0, cuts[i]) : g_bytes_new (garbage, 2048);
      assert_false (unpack_mode (cut, dest, PIER_UNPACK_OVERLAY, &error));
      pier_assert_error (error, PIER_ERROR_INVALID);
      if (cuts[i] > 0)
        assert_non_null (strstr (error->message, "“first”"));
    }

  /* A gzip stream that ends early: the stream's error comes through as it is. */
  {
    pier_autofd int dest = make_dest (tmp, "gzip");
    g_autoptr (GBytes) gz = gzip_bytes (tar);
    g_autoptr (GBytes) cut = g_bytes_new_from_bytes (gz, 0, g_bytes_get_size (gz) / 2);
    g_autofree char *path = write_temp_file (tmp, "cut.tar.gz", g_bytes_get_data (cut, NULL),
                                             g_bytes_get_size (cut));
    pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);
    g_autoptr (PierLayerStream) stream = pier_layer_stream_new_for_fd (fd);
    g_autoptr (GError) error = NULL;

    assert_false (pier_layer_unpack (pier_layer_stream_read, stream, dest, NULL, NULL, NULL,
                                     &error));
    pier_assert_error (error, PIER_ERROR_INVALID);
    assert_non_null (strstr (error->message, "gzip"));
  }
  pier_test_rm_rf (tmp);
}

static void
test_layer_unpack_cancel (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *content = g_strnfill (256 * 1024, 'c');
  g_autoptr (GBytes) tar = NULL;
  TarBuilder *t = tar_new ();

  /* 16 MiB: more than the unpacker reads ahead, so that reading 12 MiB means extraction has
   * begun, and cancelling then stops it half-way. */
  for (int i = 0; i < 64; i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%02d", i);
      tar_file (t, name, content);
    }
  tar = tar_finish (t);

  for (int before = 0; before <= 1; before++)
    {
      g_autofree char *name = g_strdup_printf ("dest-%d", before);
      pier_autofd int dest = make_dest (tmp, name);
      g_autoptr (GCancellable) cancellable = g_cancellable_new ();
      g_autoptr (GError) error = NULL;
      PierUnpackStats stats = { 0 };
      MemReader r = { .data = g_bytes_get_data (tar, &r.len), .chunk = 65536,
                      .cancellable = cancellable, .cancel_after = 12 << 20 };

      if (before)
        g_cancellable_cancel (cancellable);
      assert_false (pier_layer_unpack (mem_read, &r, dest, NULL, &stats, cancellable, &error));
      pier_assert_error (error, PIER_ERROR_CANCELLED);
      if (before)
        assert_int_equal (stats.n_entries, 0);
      else
        assert_true (stats.n_entries > 0 && stats.n_entries < 64);
    }
  pier_test_rm_rf (tmp);
}

/* Entries that meet an earlier entry of the same name, or the root. */
static void
test_layer_unpack_replaces (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int dest = make_dest (tmp, "layer");
  g_autoptr (GBytes) tar = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listing = NULL;
  TarBuilder *t = tar_new ();
  struct archive_entry *e;

  tar_dir (t, "x/", 0755);
  tar_file (t, "x/child", "c");
  tar_file (t, "x", "now a file");
  tar_file (t, "y", "a file first");
  tar_dir (t, "y/", 0755);
  tar_file (t, "y/inside", "i");
  tar_symlink (t, "z", "/etc");
  tar_dir (t, "z/", 0755);
  /* Overlay's own whiteout form, as raw exports of upper directories carry it. */
  e = tar_begin (t, AE_IFCHR, "w", 0);
  archive_entry_set_rdev (e, makedev (0, 0));
  tar_commit (t, NULL, 0);
  tar_file (t, "aufs/.wh..wh.plnk", "");
  tar = tar_finish (t);

  assert_true (unpack_mode (tar, dest, PIER_UNPACK_OVERLAY, &error));
  pier_assert_no_error (error);
  listing = tree_listing (dest);
  /* aufs bookkeeping is skipped whole: not even its directory is made. */
  assert_string_equal (listing, "w x y/ y/inside z/");
  assert_content (dest, "x", "now a file");
  assert_whiteout (dest, "w");

  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GBytes) bad = NULL;
      TarBuilder *b = tar_new ();
      tar_file (b, i == 0 ? "." : "a/..", "root?");
      bad = tar_finish (b);
      assert_false (unpack_mode (bad, dest, PIER_UNPACK_OVERLAY, &error));
      pier_assert_error (error, PIER_ERROR_UNSAFE);
      g_clear_error (&error);
    }
  pier_test_rm_rf (tmp);
}

/* regclient's layer-wh.tar: .wh.layer2.txt and exdir/.wh..wh..opq beside plain files. */
static void
test_layer_unpack_regclient_whiteouts (void **state)
{
  PIER_TEST_REQUIRE_TESTDATA (path, "regclient/testdata/layer-wh.tar");
  g_autofree char *tmp = pier_test_mkdtemp ();
  pier_autofd int layer = make_dest (tmp, "layer");
  pier_autofd int rootfs = make_dest (tmp, "rootfs");
  g_autofree char *listing = NULL;
  g_autofree char *opaque = NULL;
  g_autoptr (GError) error = NULL;
  PierUnpackOptions options = { .mode = PIER_UNPACK_OVERLAY, .preserve_owner = TRUE };
  PierUnpackStats stats = { 0 };

  for (int apply = 0; apply <= 1; apply++)
    {
      pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);
      g_autoptr (PierLayerStream) stream = pier_layer_stream_new_for_fd (fd);

      if (apply)
        {
          static const char *const lower[] = { "layer2.txt", "exdir/old", "exdir/sub/old", NULL };
          make_tree (rootfs, lower);
          options.mode = PIER_UNPACK_APPLY;
        }
      assert_true (pier_layer_unpack (pier_layer_stream_read, stream, apply ? rootfs : layer,
                                      &options, &stats, NULL, &error));
      pier_assert_no_error (error);
      assert_int_equal (stats.n_entries, 5);
      assert_int_equal (stats.content_bytes, 4);
    }

  listing = tree_listing (layer);
  assert_string_equal (listing, "exdir/ layer1.txt layer2.txt layer3.txt");
  assert_whiteout (layer, "layer2.txt");
  opaque = get_xattr (layer, "exdir", "trusted.overlay.opaque");
  assert_non_null (opaque);
  assert_string_equal (opaque, "y");
  assert_stat (layer, "layer1.txt", S_IFREG | 0644, 1000, 1000, 0);
  assert_stat (layer, "exdir", S_IFDIR | 0755, 1000, 1000, 0);

  g_free (listing);
  listing = tree_listing (rootfs);
  assert_string_equal (listing, "exdir/ layer1.txt layer3.txt");
  pier_test_rm_rf (tmp);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_layer_unpack_gzip_stream),
    cmocka_unit_test (test_layer_unpack_metadata),
    cmocka_unit_test (test_layer_unpack_devices),
    cmocka_unit_test (test_layer_unpack_hardlinks),
    cmocka_unit_test (test_layer_unpack_long_names),
    cmocka_unit_test (test_layer_unpack_sparse),
    cmocka_unit_test (test_layer_unpack_damaged),
    cmocka_unit_test (test_layer_unpack_cancel),
    cmocka_unit_test (test_layer_unpack_replaces),
    cmocka_unit_test (test_layer_unpack_regclient_whiteouts),
  };
  return cmocka_run_group_tests_name ("layer-unpack", tests, NULL, NULL);
}
