/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "layer-fixture.h"

#include "pier-fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- building tars ---- */

static la_ssize_t
tar_write_cb (struct archive *ar, void *user_data, const void *buffer, size_t len)
{
  g_byte_array_append (user_data, buffer, len);
  return len;
}

TarBuilder *
tar_new (void)
{
  TarBuilder *t = g_new0 (TarBuilder, 1);

  t->bytes = g_byte_array_new ();
  t->ar = archive_write_new ();
  t->entry = archive_entry_new ();
  assert_int_equal (archive_write_set_format_pax_restricted (t->ar), ARCHIVE_OK);
  assert_int_equal (archive_write_open (t->ar, t->bytes, NULL, tar_write_cb, NULL), ARCHIVE_OK);
  return t;
}

/* Starts an entry that the caller may adjust before tar_commit(). */
struct archive_entry *
tar_begin (TarBuilder *t, mode_t type, const char *name, mode_t perm)
{
  archive_entry_clear (t->entry);
  archive_entry_set_pathname (t->entry, name);
  archive_entry_set_filetype (t->entry, type);
  archive_entry_set_perm (t->entry, perm);
  archive_entry_set_mtime (t->entry, MTIME, 0);
  return t->entry;
}

void
tar_commit (TarBuilder *t, const void *data, gsize len)
{
  if (archive_entry_filetype (t->entry) == AE_IFREG && archive_entry_hardlink (t->entry) == NULL
      && !archive_entry_sparse_count (t->entry))
    archive_entry_set_size (t->entry, len);
  if (archive_write_header (t->ar, t->entry) != ARCHIVE_OK)
    fail_msg ("libarchive: %s", archive_error_string (t->ar));
  if (len > 0)
    assert_int_equal (archive_write_data (t->ar, data, len), len);
}

void
tar_file (TarBuilder *t, const char *name, const char *content)
{
  tar_begin (t, AE_IFREG, name, 0644);
  tar_commit (t, content, strlen (content));
}

void
tar_dir (TarBuilder *t, const char *name, mode_t perm)
{
  tar_begin (t, AE_IFDIR, name, perm);
  tar_commit (t, NULL, 0);
}

void
tar_symlink (TarBuilder *t, const char *name, const char *target)
{
  archive_entry_set_symlink (tar_begin (t, AE_IFLNK, name, 0777), target);
  tar_commit (t, NULL, 0);
}

void
tar_hardlink (TarBuilder *t, const char *name, const char *target)
{
  archive_entry_set_hardlink (tar_begin (t, AE_IFREG, name, 0644), target);
  tar_commit (t, NULL, 0);
}

GBytes *
tar_finish (TarBuilder *t)
{
  GBytes *bytes;

  assert_int_equal (archive_write_close (t->ar), ARCHIVE_OK);
  archive_write_free (t->ar);
  archive_entry_free (t->entry);
  bytes = g_byte_array_free_to_bytes (t->bytes);
  g_free (t);
  return bytes;
}

/* ---- feeding them to the unpacker ---- */

gssize
mem_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  MemReader *r = user_data;
  gsize n = MIN (size, r->len - r->pos);

  if (r->chunk > 0)
    n = MIN (n, r->chunk);
  memcpy (buffer, r->data + r->pos, n);
  r->pos += n;
  if (r->cancellable != NULL && r->pos >= r->cancel_after)
    g_cancellable_cancel (r->cancellable);
  return n;
}

gboolean
unpack_full (GBytes *tar, int dest_fd, const PierUnpackOptions *options, PierUnpackStats *stats,
             GError **error)
{
  MemReader r = { .data = g_bytes_get_data (tar, &r.len) };

  return pier_layer_unpack (mem_read, &r, dest_fd, options, stats, NULL, error);
}

gboolean
unpack_mode (GBytes *tar, int dest_fd, PierUnpackMode mode, GError **error)
{
  PierUnpackOptions options = { .mode = mode, .preserve_owner = TRUE };

  return unpack_full (tar, dest_fd, &options, NULL, error);
}

/* ---- looking at the result, always from inside the root ---- */

int
open_in_root (int root_fd, const char *path, int flags)
{
  struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };

  return syscall (SYS_openat2, root_fd, path, &how, sizeof how);
}

gboolean
stat_in_root (int root_fd, const char *path, gboolean follow, struct stat *st)
{
  pier_autofd int fd = open_in_root (root_fd, path, O_PATH | (follow ? 0 : O_NOFOLLOW));

  return fd >= 0 && fstat (fd, st) == 0;
}

/* The file's bytes, or NULL when it is missing. */
GBytes *
read_in_root (int root_fd, const char *path)
{
  pier_autofd int fd = open_in_root (root_fd, path, O_RDONLY);
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buf[8192];
  ssize_t n;

  if (fd < 0)
    return NULL;
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_byte_array_append (data, buf, n);
  assert_int_equal (n, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

char *
readlink_in_root (int root_fd, const char *path)
{
  pier_autofd int fd = open_in_root (root_fd, path, O_PATH | O_NOFOLLOW);
  char buf[4096];
  ssize_t n;

  if (fd < 0)
    return NULL;
  n = readlinkat (fd, "", buf, sizeof buf - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return g_strdup (buf);
}

void
assert_content_len (int root_fd, const char *path, const char *expected, gsize len)
{
  g_autoptr (GBytes) data = read_in_root (root_fd, path);

  if (data == NULL)
    fail_msg ("%s is missing", path);
  if (g_bytes_get_size (data) != len || memcmp (g_bytes_get_data (data, NULL), expected, len) != 0)
    fail_msg ("%s: unexpected content “%.*s”", path, (int) g_bytes_get_size (data),
              (const char *) g_bytes_get_data (data, NULL));
}

void
assert_content (int root_fd, const char *path, const char *expected)
{
  assert_content_len (root_fd, path, expected, strlen (expected));
}

void
assert_absent (int root_fd, const char *path)
{
  struct stat st;

  if (stat_in_root (root_fd, path, FALSE, &st))
    fail_msg ("%s exists and should not", path);
}

void
assert_type (int root_fd, const char *path, mode_t type)
{
  struct stat st;

  if (!stat_in_root (root_fd, path, FALSE, &st))
    fail_msg ("%s is missing", path);
  if ((st.st_mode & S_IFMT) != type)
    fail_msg ("%s has type 0%o, expected 0%o", path, st.st_mode & S_IFMT, type);
}

void
assert_whiteout (int root_fd, const char *path)
{
  struct stat st;

  if (!stat_in_root (root_fd, path, FALSE, &st))
    fail_msg ("whiteout %s is missing", path);
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (0, 0))
    fail_msg ("%s is not an overlay whiteout", path);
}

void
assert_same_inode (int root_fd, const char *a, const char *b, gboolean follow)
{
  struct stat sa, sb;

  if (!stat_in_root (root_fd, a, follow, &sa))
    fail_msg ("%s is missing", a);
  if (!stat_in_root (root_fd, b, follow, &sb))
    fail_msg ("%s is missing", b);
  if (sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino)
    fail_msg ("%s and %s are different files", a, b);
}

char *
get_xattr (int root_fd, const char *path, const char *name)
{
  pier_autofd int fd = open_in_root (root_fd, path, O_RDONLY | O_NOFOLLOW);
  char buf[256];
  ssize_t n;

  if (fd < 0)
    fail_msg ("%s is missing", path);
  n = fgetxattr (fd, name, buf, sizeof buf - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return g_strdup (buf);
}

static void
list_tree (int dir_fd, const char *prefix, GPtrArray *out)
{
  pier_autofd int fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fdopendir (fd);
  struct dirent *de;

  assert_non_null (dir);
  fd = -1;
  while ((de = readdir (dir)) != NULL)
    {
      struct stat st;
      g_autofree char *path = NULL;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      assert_int_equal (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
      path = g_strconcat (prefix, de->d_name, S_ISDIR (st.st_mode) ? "/" : "", NULL);
      g_ptr_array_add (out, g_strdup (path));
      if (S_ISDIR (st.st_mode))
        {
          pier_autofd int sub = openat (dirfd (dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          list_tree (sub, path, out);
        }
    }
  closedir (dir);
}

int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The tree under @dir_fd as sorted paths, directories ending with "/", joined by spaces. */
char *
tree_listing (int dir_fd)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  list_tree (dir_fd, "", paths);
  g_ptr_array_sort (paths, compare_strings);
  g_ptr_array_add (paths, NULL);
  return g_strjoinv (" ", (char **) paths->pdata);
}

int
make_dest (const char *tmp, const char *name)
{
  g_autofree char *path = g_build_filename (tmp, name, NULL);
  g_autoptr (GError) error = NULL;
  int fd;

  assert_int_equal (mkdir (path, 0755), 0);
  fd = pier_fs_open_dir_at (AT_FDCWD, path, &error);
  pier_assert_no_error (error);
  return fd;
}

void
write_file_at (int dir_fd, const char *name, const char *content, mode_t mode)
{
  pier_autofd int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  g_autoptr (GError) error = NULL;

  assert_true (fd >= 0);
  assert_true (pier_fs_write_all (fd, content, strlen (content), &error));
  assert_int_equal (fchmod (fd, mode), 0);
}

void
make_tree (int dir_fd, const char *const *paths)
{
  for (; *paths != NULL; paths++)
    {
      g_autofree char *path = g_strdup (*paths);
      for (char *slash = strchr (path, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
        {
          *slash = '\0';
          if (mkdirat (dir_fd, path, 0755) < 0)
            assert_int_equal (errno, EEXIST);
          *slash = '/';
        }
      if (!g_str_has_suffix (path, "/"))
        write_file_at (dir_fd, path, "lower", 0644);
    }
}
