/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-support.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-layer-pack.h"
#include "pier-layer-stream.h"
#include "pier-layer-unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Needs root (CI runs these as root): the trees hold overlay whiteouts (mknod 0:0), trusted.*
 * attributes and files of other owners. Run unprivileged, they fail rather than skip. */

#define OLD_MTIME 1000000000
#define CLAMP_MTIME 1500000000

/* A v2 security.capability granting CAP_NET_BIND_SERVICE, effective. */
static const guint8 net_bind_capability[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x04 };

static int
open_dir (const char *path)
{
  g_autoptr (GError) error = NULL;
  int fd = pier_fs_open_dir_at (AT_FDCWD, path, &error);

  pier_assert_no_error (error);
  return fd;
}

static int
make_dir_at (int dir_fd, const char *name, mode_t mode)
{
  assert_int_equal (mkdirat (dir_fd, name, mode), 0);
  assert_int_equal (fchmodat (dir_fd, name, mode, 0), 0);
  return openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void
write_file_at (int dir_fd, const char *name, const void *data, gsize len, mode_t mode)
{
  pier_autofd int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  g_autoptr (GError) error = NULL;

  assert_true (fd >= 0);
  assert_true (pier_fs_write_all (fd, data, len, &error));
  assert_int_equal (fchmod (fd, mode), 0);
}

static void
set_xattr_at (int dir_fd, const char *name, const char *attr, const void *value, gsize len)
{
  pier_autofd int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

  assert_true (fd >= 0);
  assert_int_equal (fsetxattr (fd, attr, value, len, 0), 0);
}

/* The tree a container's upper directory might be: overlay whiteouts, an opaque directory,
 * hardlinks, symlinks, attributes, a socket a program left behind. */
static void
make_overlay_tree (int root)
{
  g_autofree char *long_name = g_strnfill (150, 'l');
  g_autofree guint8 *big = g_malloc (300000);
  pier_autofd int etc = make_dir_at (root, "etc", 0755);
  pier_autofd int opaque = make_dir_at (root, "opaque", 0750);
  pier_autofd int inner = make_dir_at (opaque, "inner", 0700);
  pier_autofd int bin = make_dir_at (root, "bin", 0755);
  pier_autofd int data = make_dir_at (root, "data", 0755);
  pier_autofd int usr = make_dir_at (root, "usr", 0755);
  pier_autofd int lib = make_dir_at (usr, "lib", 0755);
  pier_autofd int a = make_dir_at (root, "a", 0755);
  pier_autofd int longdir = make_dir_at (root, long_name, 0755);
  pier_autofd int sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct timespec old[2] = { { OLD_MTIME, 0 }, { OLD_MTIME, 0 } };

  for (gsize i = 0; i < 300000; i++)
    big[i] = (guint8) (i * 2654435761u >> 13);

  write_file_at (etc, "passwd", "root:x:0:0\n", 11, 0644);
  assert_int_equal (fchownat (etc, "passwd", 1000, 1000, 0), 0);
  write_file_at (etc, ".hidden", "h", 1, 0600);
  assert_int_equal (mknodat (etc, "gone", S_IFCHR, makedev (0, 0)), 0);
  assert_int_equal (mknodat (root, "gone-dir", S_IFCHR, makedev (0, 0)), 0);

  assert_int_equal (fsetxattr (opaque, "trusted.overlay.opaque", "y", 1, 0), 0);
  assert_int_equal (fsetxattr (opaque, "user.note", "dir", 3, 0), 0);
  write_file_at (inner, "file", "inner", 5, 0640);

  write_file_at (bin, "tool", "#!/bin/sh\n", 10, 0755);
  assert_int_equal (fchownat (bin, "tool", 0, 50, 0), 0);
  assert_int_equal (fchmodat (bin, "tool", 04755, 0), 0);
  set_xattr_at (bin, "tool", "security.capability", net_bind_capability,
                sizeof net_bind_capability);
  set_xattr_at (bin, "tool", "user.comment", "hi", 2);
  set_xattr_at (bin, "tool", "trusted.overlay.origin", "o", 1);
  assert_int_equal (linkat (bin, "tool", bin, "tool2", 0), 0);
  assert_int_equal (linkat (etc, "passwd", data, "link-to-passwd", 0), 0);

  write_file_at (data, "big", big, 300000, 0644);
  write_file_at (data, "empty", "", 0, 0644);
  write_file_at (data, "old", "old", 3, 0644);
  assert_int_equal (utimensat (data, "old", old, 0), 0);
  write_file_at (lib, "libx.so.1", "elf", 3, 0755);
  assert_int_equal (symlinkat ("libx.so.1", lib, "libx.so"), 0);
  assert_int_equal (symlinkat ("usr/lib", root, "lib"), 0);
  assert_int_equal (symlinkat ("/etc/passwd", root, "abs"), 0);
  assert_int_equal (symlinkat ("nowhere", root, "dangling"), 0);
  assert_int_equal (mkfifoat (root, "fifo", 0640), 0);
  assert_int_equal (fchmodat (root, "fifo", 0640, 0), 0);
  write_file_at (a, "b", "b", 1, 0644);
  write_file_at (root, "a-b", "a-b", 3, 0644);
  write_file_at (longdir, "file", "long", 4, 0644);

  g_snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/socket", root);
  assert_int_equal (bind (sock, (struct sockaddr *) &addr, sizeof addr), 0);
}

static gboolean
write_to_fd (gpointer user_data, const void *buffer, gsize len, GError **error)
{
  return pier_fs_write_all (GPOINTER_TO_INT (user_data), buffer, len, error);
}

/* Packs @src_fd into @tmp/@name; returns the tar's bytes. */
static GBytes *
pack_to_file (int src_fd, const PierPackOptions *options, const char *tmp, const char *name)
{
  g_autofree char *path = g_build_filename (tmp, name, NULL);
  pier_autofd int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  g_autoptr (GError) error = NULL;
  char *data;
  gsize len;

  assert_true (fd >= 0);
  assert_true (pier_layer_pack (src_fd, options, write_to_fd, GINT_TO_POINTER (fd), NULL, &error));
  pier_assert_no_error (error);
  assert_true (g_file_get_contents (path, &data, &len, &error));
  return g_bytes_new_take (data, len);
}

static void
unpack_file (const char *tmp, const char *name, int dest_fd)
{
  g_autofree char *path = g_build_filename (tmp, name, NULL);
  pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);
  PierUnpackOptions options = { .mode = PIER_UNPACK_OVERLAY, .preserve_owner = TRUE };
  g_autoptr (GError) error = NULL;

  assert_true (fd >= 0);
  assert_true (pier_layer_unpack (pier_read_fd, GINT_TO_POINTER (fd), dest_fd, &options, NULL,
                                  NULL, &error));
  pier_assert_no_error (error);
}

typedef struct {
  char *path;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  gint64 size;
  char *hardlink;
  char *symlink;
  gboolean has_names;     /* uname or gname */
  gboolean has_times;     /* atime or ctime */
  char *xattrs;           /* names, space-separated */
} ListedEntry;

static void
listed_entry_free (gpointer data)
{
  ListedEntry *e = data;

  g_free (e->path);
  g_free (e->hardlink);
  g_free (e->symlink);
  g_free (e->xattrs);
  g_free (e);
}

static GPtrArray *
list_tar (GBytes *tar)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func (listed_entry_free);
  struct archive *ar = archive_read_new ();
  struct archive_entry *ae;
  gsize len;
  const void *data = g_bytes_get_data (tar, &len);
  int r;

  archive_read_support_format_tar (ar);
  assert_int_equal (archive_read_open_memory (ar, data, len), ARCHIVE_OK);
  while ((r = archive_read_next_header (ar, &ae)) == ARCHIVE_OK)
    {
      ListedEntry *e = g_new0 (ListedEntry, 1);
      GString *xattrs = g_string_new (NULL);
      const char *name;
      const void *value;
      size_t size;

      e->path = g_strdup (archive_entry_pathname (ae));
      e->mode = archive_entry_mode (ae);
      e->uid = archive_entry_uid (ae);
      e->gid = archive_entry_gid (ae);
      e->size = archive_entry_size (ae);
      e->hardlink = g_strdup (archive_entry_hardlink (ae));
      e->symlink = g_strdup (archive_entry_symlink (ae));
      e->has_names = g_strcmp0 (archive_entry_uname (ae), "") > 0
                     || g_strcmp0 (archive_entry_gname (ae), "") > 0;
      e->has_times = archive_entry_atime_is_set (ae) || archive_entry_ctime_is_set (ae);
      archive_entry_xattr_reset (ae);
      while (archive_entry_xattr_next (ae, &name, &value, &size) == ARCHIVE_OK)
        g_string_append_printf (xattrs, "%s%s", xattrs->len > 0 ? " " : "", name);
      e->xattrs = g_string_free (xattrs, FALSE);
      g_ptr_array_add (entries, e);
    }
  assert_int_equal (r, ARCHIVE_EOF);
  archive_read_free (ar);
  return entries;
}

static ListedEntry *
find_entry (GPtrArray *entries, const char *path)
{
  for (guint i = 0; i < entries->len; i++)
    {
      ListedEntry *e = entries->pdata[i];
      if (strcmp (e->path, path) == 0)
        return e;
    }
  fail_msg ("no entry %s in the tar", path);
  return NULL;
}

static void
test_layer_pack_oci_form (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *src_path = g_build_filename (tmp, "src", NULL);
  g_autofree char *long_name = g_strnfill (150, 'l');
  g_autofree char *long_file = g_strconcat (long_name, "/file", NULL);
  g_autofree char *long_dir = g_strconcat (long_name, "/", NULL);
  g_autoptr (GBytes) tar = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autofree char *joined = NULL;
  g_autofree char *expected = NULL;
  pier_autofd int src = -1;
  ListedEntry *e;

  assert_int_equal (mkdir (src_path, 0755), 0);
  src = open_dir (src_path);
  make_overlay_tree (src);
  tar = pack_to_file (src, NULL, tmp, "layer.tar");
  entries = list_tar (tar);

  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (names, ((ListedEntry *) entries->pdata[i])->path);
  g_ptr_array_add (names, NULL);
  joined = g_strjoinv (" ", (char **) names->pdata);
  /* Name order within each directory, each directory followed by what it holds, a whiteout
   * where the name it hides would be; the socket left out. */
  expected = g_strjoin (" ", "a/", "a/b", "a-b", "abs", "bin/", "bin/tool", "bin/tool2",
                        "dangling", "data/", "data/big", "data/empty", "data/link-to-passwd",
                        "data/old", "etc/", "etc/.hidden", "etc/.wh.gone", "etc/passwd", "fifo",
                        ".wh.gone-dir", "lib", long_dir, long_file, "opaque/",
                        "opaque/.wh..wh..opq", "opaque/inner/", "opaque/inner/file", "usr/",
                        "usr/lib/", "usr/lib/libx.so", "usr/lib/libx.so.1", NULL);
  assert_string_equal (joined, expected);

  for (guint i = 0; i < entries->len; i++)
    {
      e = entries->pdata[i];
      if (e->has_names || e->has_times)
        fail_msg ("%s carries owner names or access/change times", e->path);
      if (strstr (e->xattrs, "overlay") != NULL)
        fail_msg ("%s carries overlay attributes: %s", e->path, e->xattrs);
    }
  for (guint i = 0; i < 3; i++)
    {
      const char *marker = (const char *[]) { ".wh.gone-dir", "etc/.wh.gone",
                                              "opaque/.wh..wh..opq" }[i];
      e = find_entry (entries, marker);
      assert_int_equal (e->mode, S_IFREG);
      assert_int_equal (e->uid, 0);
      assert_int_equal (e->gid, 0);
      assert_int_equal (e->size, 0);
    }
  e = find_entry (entries, "bin/tool");
  assert_int_equal (e->mode, S_IFREG | 04755);
  assert_int_equal (e->gid, 50);
  assert_string_equal (e->xattrs, "security.capability user.comment");
  e = find_entry (entries, "bin/tool2");
  assert_non_null (e->hardlink);
  assert_string_equal (e->hardlink, "bin/tool");
  /* data/ comes before etc/: the content goes with the name packed first. */
  e = find_entry (entries, "data/link-to-passwd");
  assert_null (e->hardlink);
  assert_int_equal (e->size, 11);
  assert_int_equal (e->uid, 1000);
  e = find_entry (entries, "etc/passwd");
  assert_non_null (e->hardlink);
  assert_string_equal (e->hardlink, "data/link-to-passwd");
  e = find_entry (entries, "opaque/");
  assert_int_equal (e->mode, S_IFDIR | 0750);
  assert_string_equal (e->xattrs, "user.note");
  e = find_entry (entries, "abs");
  assert_non_null (e->symlink);
  assert_string_equal (e->symlink, "/etc/passwd");
  e = find_entry (entries, "fifo");
  assert_int_equal (e->mode, S_IFIFO | 0640);
  e = find_entry (entries, "data/big");
  assert_int_equal (e->size, 300000);
  pier_test_rm_rf (tmp);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
xattr_listing (int dir_fd, const char *name, gboolean packable_only)
{
  pier_autofd int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  char list[4096];
  ssize_t len;

  assert_true (fd >= 0);
  len = flistxattr (fd, list, sizeof list);
  assert_true (len >= 0);
  for (char *attr = list; attr < list + len; attr += strlen (attr) + 1)
    {
      char value[256];
      g_autofree char *encoded = NULL;
      ssize_t n;
      if (packable_only && strstr (attr, ".overlay.") != NULL
          && strcmp (attr, "trusted.overlay.opaque") != 0)
        continue;
      n = fgetxattr (fd, attr, value, sizeof value);
      assert_true (n >= 0);
      encoded = g_base64_encode ((guchar *) value, n);
      g_ptr_array_add (parts, g_strdup_printf ("%s=%s", attr, encoded));
    }
  g_ptr_array_sort (parts, compare_strings);
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" ", (char **) parts->pdata);
}

typedef struct {
  GHashTable *a_to_b;  /* inode in the first tree -> inode in the second */
  GHashTable *b_to_a;
} InodeMap;

static void
map_inodes (InodeMap *map, const char *path, ino_t a, ino_t b)
{
  gpointer seen_b = g_hash_table_lookup (map->a_to_b, GSIZE_TO_POINTER (a));
  gpointer seen_a = g_hash_table_lookup (map->b_to_a, GSIZE_TO_POINTER (b));

  if ((seen_b != NULL && GPOINTER_TO_SIZE (seen_b) != b)
      || (seen_a != NULL && GPOINTER_TO_SIZE (seen_a) != a))
    fail_msg ("%s: hardlinks differ between the trees", path);
  g_hash_table_insert (map->a_to_b, GSIZE_TO_POINTER (a), GSIZE_TO_POINTER (b));
  g_hash_table_insert (map->b_to_a, GSIZE_TO_POINTER (b), GSIZE_TO_POINTER (a));
}

static GPtrArray *
dir_names (int dir_fd, gboolean skip_sockets)
{
  pier_autofd int fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = fdopendir (fd);
  struct dirent *de;

  assert_non_null (dir);
  fd = -1;
  while ((de = readdir (dir)) != NULL)
    {
      struct stat st;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      assert_int_equal (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
      if (skip_sockets && S_ISSOCK (st.st_mode))
        continue;
      g_ptr_array_add (names, g_strdup (de->d_name));
    }
  closedir (dir);
  g_ptr_array_sort (names, compare_strings);
  return names;
}

/* @b must be @a as a layer carries it: same names, types, modes, owners, contents, link
 * targets, attributes (overlay's beyond opaque aside), whiteouts, hardlinks and modification
 * seconds (whiteouts' aside: they are made anew). @a's sockets are not carried. */
static void
assert_same_tree (int a, int b, const char *prefix, InodeMap *map)
{
  g_autoptr (GPtrArray) names_a = dir_names (a, TRUE);
  g_autoptr (GPtrArray) names_b = dir_names (b, FALSE);

  assert_int_equal (names_a->len, names_b->len);
  for (guint i = 0; i < names_a->len; i++)
    {
      const char *name = names_a->pdata[i];
      g_autofree char *path = g_strconcat (prefix, name, NULL);
      struct stat sa, sb;

      assert_string_equal (name, names_b->pdata[i]);
      assert_int_equal (fstatat (a, name, &sa, AT_SYMLINK_NOFOLLOW), 0);
      assert_int_equal (fstatat (b, name, &sb, AT_SYMLINK_NOFOLLOW), 0);
      if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid
          || sa.st_rdev != sb.st_rdev)
        fail_msg ("%s: mode 0%o %u:%u rdev %lx vs 0%o %u:%u rdev %lx", path, sa.st_mode,
                  sa.st_uid, sa.st_gid, (unsigned long) sa.st_rdev, sb.st_mode, sb.st_uid,
                  sb.st_gid, (unsigned long) sb.st_rdev);
      if (!S_ISCHR (sa.st_mode) && sa.st_mtime != sb.st_mtime)
        fail_msg ("%s: mtime %ld vs %ld", path, (long) sa.st_mtime, (long) sb.st_mtime);
      if (S_ISREG (sa.st_mode) || S_ISDIR (sa.st_mode))
        {
          g_autofree char *xa = xattr_listing (a, name, TRUE);
          g_autofree char *xb = xattr_listing (b, name, FALSE);
          if (strcmp (xa, xb) != 0)
            fail_msg ("%s: attributes “%s” vs “%s”", path, xa, xb);
        }
      if (!S_ISDIR (sa.st_mode))
        map_inodes (map, path, sa.st_ino, sb.st_ino);
      if (S_ISREG (sa.st_mode))
        {
          g_autofree char *ca = NULL, *cb = NULL;
          gsize la, lb;
          g_autoptr (GError) error = NULL;
          assert_true (pier_fs_read_all_at (a, name, 1 << 20, &ca, &la, &error));
          assert_true (pier_fs_read_all_at (b, name, 1 << 20, &cb, &lb, &error));
          if (la != lb || memcmp (ca, cb, la) != 0)
            fail_msg ("%s: contents differ", path);
        }
      else if (S_ISLNK (sa.st_mode))
        {
          char ta[4096], tb[4096];
          ssize_t na = readlinkat (a, name, ta, sizeof ta);
          ssize_t nb = readlinkat (b, name, tb, sizeof tb);
          if (na != nb || memcmp (ta, tb, na) != 0)
            fail_msg ("%s: symlink targets differ", path);
        }
      else if (S_ISDIR (sa.st_mode))
        {
          pier_autofd int sub_a = openat (a, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          pier_autofd int sub_b = openat (b, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          g_autofree char *sub_prefix = g_strconcat (path, "/", NULL);
          assert_true (sub_a >= 0 && sub_b >= 0);
          assert_same_tree (sub_a, sub_b, sub_prefix, map);
        }
    }
}

static void
test_layer_pack_round_trip (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *src_path = g_build_filename (tmp, "src", NULL);
  g_autofree char *out_path = g_build_filename (tmp, "out", NULL);
  PierPackOptions clamp = { .clamp_mtime = CLAMP_MTIME };
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) second = NULL;
  g_autoptr (GBytes) clamped_src = NULL;
  g_autoptr (GBytes) clamped_out = NULL;
  InodeMap map = { g_hash_table_new (NULL, NULL), g_hash_table_new (NULL, NULL) };
  pier_autofd int src = -1;
  pier_autofd int out = -1;

  assert_int_equal (mkdir (src_path, 0755), 0);
  assert_int_equal (mkdir (out_path, 0755), 0);
  src = open_dir (src_path);
  out = open_dir (out_path);
  make_overlay_tree (src);

  first = pack_to_file (src, NULL, tmp, "first.tar");
  second = pack_to_file (src, NULL, tmp, "second.tar");
  assert_true (g_bytes_equal (first, second));

  unpack_file (tmp, "first.tar", out);
  assert_same_tree (src, out, "", &map);

  /* With every time clamped (whiteouts are made anew, so theirs differ), the unpacked tree
   * packs to the very bytes of the original. */
  clamped_src = pack_to_file (src, &clamp, tmp, "clamped-src.tar");
  clamped_out = pack_to_file (out, &clamp, tmp, "clamped-out.tar");
  assert_true (g_bytes_equal (clamped_src, clamped_out));

  g_hash_table_unref (map.a_to_b);
  g_hash_table_unref (map.b_to_a);
  pier_test_rm_rf (tmp);
}

static void
test_layer_pack_clamp_mtime (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *src_path = g_build_filename (tmp, "src", NULL);
  PierPackOptions clamp = { .clamp_mtime = CLAMP_MTIME };
  g_autoptr (GBytes) tar = NULL;
  struct archive *ar = archive_read_new ();
  struct archive_entry *ae;
  pier_autofd int src = -1;
  guint n = 0;

  assert_int_equal (mkdir (src_path, 0755), 0);
  src = open_dir (src_path);
  make_overlay_tree (src);
  tar = pack_to_file (src, &clamp, tmp, "layer.tar");

  archive_read_support_format_tar (ar);
  assert_int_equal (archive_read_open_memory (ar, g_bytes_get_data (tar, NULL),
                                              g_bytes_get_size (tar)), ARCHIVE_OK);
  while (archive_read_next_header (ar, &ae) == ARCHIVE_OK)
    {
      time_t expected = strcmp (archive_entry_pathname (ae), "data/old") == 0 ? OLD_MTIME : CLAMP_MTIME;
      if (archive_entry_mtime (ae) != expected || archive_entry_mtime_nsec (ae) != 0)
        fail_msg ("%s: mtime %ld.%09ld, expected %ld", archive_entry_pathname (ae),
                  (long) archive_entry_mtime (ae), archive_entry_mtime_nsec (ae), (long) expected);
      n++;
    }
  assert_int_equal (n, 30);
  archive_read_free (ar);
  pier_test_rm_rf (tmp);
}

/* Rootless overlay keeps its markers under user.overlay.; only the namespace asked for
 * counts. */
static void
test_layer_pack_userxattr (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *src_path = g_build_filename (tmp, "src", NULL);
  pier_autofd int src = -1;

  assert_int_equal (mkdir (src_path, 0755), 0);
  src = open_dir (src_path);
  {
    pier_autofd int user_dir = make_dir_at (src, "user-opaque", 0755);
    pier_autofd int trusted_dir = make_dir_at (src, "trusted-opaque", 0755);
    assert_int_equal (fsetxattr (user_dir, "user.overlay.opaque", "y", 1, 0), 0);
    assert_int_equal (fsetxattr (trusted_dir, "trusted.overlay.opaque", "y", 1, 0), 0);
  }

  for (int userxattr = 0; userxattr <= 1; userxattr++)
    {
      PierPackOptions options = { .userxattr = userxattr, .clamp_mtime = -1 };
      g_autofree char *name = g_strdup_printf ("layer-%d.tar", userxattr);
      g_autoptr (GBytes) tar = pack_to_file (src, &options, tmp, name);
      g_autoptr (GPtrArray) entries = list_tar (tar);
      g_autoptr (GPtrArray) names = g_ptr_array_new ();
      g_autofree char *joined = NULL;

      for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add (names, ((ListedEntry *) entries->pdata[i])->path);
      g_ptr_array_add (names, NULL);
      joined = g_strjoinv (" ", (char **) names->pdata);
      assert_string_equal (joined, userxattr
                               ? "trusted-opaque/ user-opaque/ user-opaque/.wh..wh..opq"
                               : "trusted-opaque/ trusted-opaque/.wh..wh..opq user-opaque/");
    }
  pier_test_rm_rf (tmp);
}

typedef struct {
  gsize accepted;
  gsize limit;
  guint calls_after_failure;
  gboolean failed;
} FailingWriter;

static gboolean
failing_write (gpointer user_data, const void *buffer, gsize len, GError **error)
{
  FailingWriter *w = user_data;

  if (w->failed)
    w->calls_after_failure++;
  if (w->accepted + len > w->limit)
    {
      w->failed = TRUE;
      g_set_error (error, PIER_ERROR, PIER_ERROR_NO_SPACE, "disk full");
      return FALSE;
    }
  w->accepted += len;
  return TRUE;
}

static gboolean
discard_write (gpointer user_data, const void *buffer, gsize len, GError **error)
{
  return TRUE;
}

static void
test_layer_pack_errors (void **state)
{
  g_autofree char *tmp = pier_test_mkdtemp ();
  g_autofree char *src_path = g_build_filename (tmp, "src", NULL);
  g_autofree char *dev_path = g_build_filename (tmp, "dev", NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  FailingWriter w = { .limit = 100000 };
  pier_autofd int src = -1;
  pier_autofd int dev = -1;
  GError *error = NULL;

  assert_int_equal (mkdir (src_path, 0755), 0);
  src = open_dir (src_path);
  make_overlay_tree (src);

  /* The writer's own error comes back, and it is not called again once it has failed. */
  assert_false (pier_layer_pack (src, NULL, failing_write, &w, NULL, &error));
  pier_assert_error (error, PIER_ERROR_NO_SPACE);
  assert_int_equal (w.calls_after_failure, 0);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  assert_false (pier_layer_pack (src, NULL, discard_write, NULL, cancellable, &error));
  pier_assert_error (error, PIER_ERROR_CANCELLED);
  g_clear_error (&error);

  /* A device other than a whiteout cannot go into a layer Pier would unpack. */
  assert_int_equal (mkdir (dev_path, 0755), 0);
  dev = open_dir (dev_path);
  assert_int_equal (mknodat (dev, "null", S_IFCHR | 0666, makedev (1, 3)), 0);
  assert_false (pier_layer_pack (dev, NULL, discard_write, NULL, NULL, &error));
  pier_assert_error (error, PIER_ERROR_UNSUPPORTED);
  assert_non_null (strstr (error->message, "null"));
  g_clear_error (&error);
  pier_test_rm_rf (tmp);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_layer_pack_oci_form),
    cmocka_unit_test (test_layer_pack_round_trip),
    cmocka_unit_test (test_layer_pack_clamp_mtime),
    cmocka_unit_test (test_layer_pack_userxattr),
    cmocka_unit_test (test_layer_pack_errors),
  };
  return cmocka_run_group_tests_name ("layer-pack", tests, NULL, NULL);
}
