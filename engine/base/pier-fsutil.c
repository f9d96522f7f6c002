/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-fsutil.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int
pier_fs_open_dir_at (int dirfd, const char *path, GError **error)
{
  int fd = openat (dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    pier_set_errno (error, errno, _("opening directory %s"), path);
  return fd;
}

gboolean
pier_fs_mkdir_p (const char *path, mode_t mode, GError **error)
{
  if (g_mkdir_with_parents (path, mode) < 0)
    return pier_set_errno (error, errno, _("creating directory %s"), path);
  return TRUE;
}

gboolean
pier_fs_write_all (int fd, const void *data, gsize len, GError **error)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return pier_set_errno (error, errno, _("writing"));
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
put_file_at (int dirfd, const char *name, const void *data, gsize len, mode_t mode,
             gboolean durable, unsigned int rename_flags, GError **error)
{
  g_autofree char *tmp_name = g_strdup_printf (".%s.tmp-%08x", name, g_random_int ());
  pier_autofd int fd = -1;

  fd = openat (dirfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return pier_set_errno (error, errno, _("creating %s"), name);
  if (!pier_fs_write_all (fd, data, len, error))
    {
      unlinkat (dirfd, tmp_name, 0);
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
  if (durable && fsync (fd) < 0)
    {
      int errsv = errno;
      unlinkat (dirfd, tmp_name, 0);
      return pier_set_errno (error, errsv, _("syncing %s"), name);
    }
  if (renameat2 (dirfd, tmp_name, dirfd, name, rename_flags) < 0)
    {
      int errsv = errno;
      unlinkat (dirfd, tmp_name, 0);
      return pier_set_errno (error, errsv, "%s %s",
                             rename_flags & RENAME_NOREPLACE ? "creating" : "replacing", name);
    }
  if (durable && fsync (dirfd) < 0)
    return pier_set_errno (error, errno, _("syncing the directory of %s"), name);
  return TRUE;
}

gboolean
pier_fs_replace_at (int dirfd, const char *name, const void *data, gsize len, mode_t mode,
                    gboolean durable, GError **error)
{
  return put_file_at (dirfd, name, data, len, mode, durable, 0, error);
}

gboolean
pier_fs_create_atomic_at (int dirfd, const char *name, const void *data, gsize len, mode_t mode,
                          GError **error)
{
  return put_file_at (dirfd, name, data, len, mode, TRUE, RENAME_NOREPLACE, error);
}

gboolean
pier_fs_write_atomic_at (int dirfd, const char *name, const void *data, gsize len, mode_t mode,
                         GError **error)
{
  return pier_fs_replace_at (dirfd, name, data, len, mode, TRUE, error);
}

gboolean
pier_fs_read_fd (int fd, gsize max_len, char **out_data, gsize *out_len, GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint8 chunk[65536];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("reading"));
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max_len)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("larger than %zu bytes"), max_len);
          return FALSE;
        }
      g_byte_array_append (buf, chunk, n);
    }
  if (out_len)
    *out_len = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  *out_data = (char *) g_byte_array_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

gboolean
pier_fs_read_all_at (int dirfd, const char *name, gsize max_len, char **out_data, gsize *out_len,
                     GError **error)
{
  pier_autofd int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return pier_set_errno (error, errno, _("opening %s"), name);
  if (!pier_fs_read_fd (fd, max_len, out_data, out_len, error))
    {
      g_prefix_error (error, "%s: ", name);
      return FALSE;
    }
  return TRUE;
}

int
pier_fs_open_in_root (int root_fd, const char *path, int flags, guint64 resolve)
{
  struct open_how how = {
    .flags = flags | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
  };
  int eagain = 0;
  long fd;

  /* EAGAIN: the kernel saw a concurrent rename in the tree and asks for a retry. A few times
   * only: O_NONBLOCK on a file under a lease says EAGAIN until the lease is broken. */
  do
    fd = syscall (SYS_openat2, root_fd, *path ? path : ".", &how, sizeof how);
  while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++eagain < 64)));
  return (int) fd;
}

int
pier_fs_open_regular_in_root (int root_fd, const char *path, guint64 resolve, gsize max_size,
                              struct stat *out_st, GError **error)
{
  pier_autofd int fd = pier_fs_open_in_root (root_fd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK,
                                             resolve);
  struct stat st;

  if (fd < 0)
    {
      pier_set_errno (error, errno, _("opening %s"), path);
      return -1;
    }
  if (fstat (fd, &st) < 0)
    {
      pier_set_errno (error, errno, _("reading %s"), path);
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s is not a regular file"), path);
      return -1;
    }
  if ((guint64) st.st_size > max_size)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s is %" PRId64 " bytes, more than the %zu allowed"),
                   path, (gint64) st.st_size, max_size);
      return -1;
    }
  if (out_st)
    *out_st = st;
  return g_steal_fd (&fd);
}

gboolean
pier_fs_read_regular_in_root (int root_fd, const char *path, guint64 resolve, gsize max_size,
                              char **out_data, gsize *out_len, GError **error)
{
  pier_autofd int fd = pier_fs_open_regular_in_root (root_fd, path, resolve, max_size, NULL,
                                                     error);

  if (fd < 0)
    return FALSE;
  /* A file that grows after the check is still cut at @max_size by the read. */
  if (!pier_fs_read_fd (fd, max_size, out_data, out_len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

DIR *
pier_fs_opendir_at (int dirfd)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;

  if (dir == NULL && fd >= 0)
    {
      int saved = errno;
      close (fd);
      errno = saved;
    }
  return dir;
}

static gboolean
rm_rf_children (int dfd, GError **error)
{
  DIR *dir = pier_fs_opendir_at (dfd);
  struct dirent *de;
  gboolean ok = TRUE;

  if (dir == NULL)
    return pier_set_errno (error, errno, _("reading a directory"));
  while (ok && (de = readdir (dir)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      ok = pier_fs_rm_rf_at (dfd, de->d_name, error);
    }
  closedir (dir);
  return ok;
}

gboolean
pier_fs_read_regular (const char *path, gsize max_size, char **out_data, gsize *out_len,
                      GError **error)
{
  pier_autofd int root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (root_fd < 0)
    return pier_set_errno (error, errno, _("opening %s"), "/");
  return pier_fs_read_regular_in_root (root_fd, path, 0, max_size, out_data, out_len, error);
}

gboolean
pier_fs_rm_rf_at (int dirfd, const char *name, GError **error)
{
  struct stat st;
  pier_autofd int fd = -1;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return pier_set_errno (error, errno, _("removing %s"), name);
    }
  if (!S_ISDIR (st.st_mode))
    {
      if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
        return pier_set_errno (error, errno, _("removing %s"), name);
      return TRUE;
    }
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return pier_set_errno (error, errno, _("removing %s"), name);
  {
    struct stat dst;
    if (fstat (fd, &dst) == 0 && dst.st_dev != st.st_dev)
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE,
                     _("removing %s: something is mounted there"), name);
        return FALSE;
      }
  }
  if (!rm_rf_children (fd, error))
    return FALSE;
  if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return pier_set_errno (error, errno, _("removing %s"), name);
  return TRUE;
}

char *
pier_fs_mkdtemp_at (int parent_dirfd, const char *prefix, GError **error)
{
  for (int attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%08x", prefix, g_random_int ());
      if (mkdirat (parent_dirfd, name, 0700) == 0)
        return g_steal_pointer (&name);
      if (errno != EEXIST)
        {
          pier_set_errno (error, errno, _("creating a temporary directory"));
          return NULL;
        }
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("no free temporary directory name"));
  return NULL;
}

guint64
pier_fs_tree_size_at (int dirfd)
{
  DIR *dir = pier_fs_opendir_at (dirfd);
  struct dirent *de;
  guint64 total = 0;

  if (dir == NULL)
    return 0;
  while ((de = readdir (dir)) != NULL)
    {
      struct stat st;
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISREG (st.st_mode))
        total += st.st_size;
      else if (S_ISDIR (st.st_mode))
        {
          pier_autofd int sub = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub >= 0)
            total += pier_fs_tree_size_at (sub);
        }
    }
  closedir (dir);
  return total;
}

int
pier_compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
pier_fs_list_sorted_at (int dirfd, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = pier_fs_opendir_at (dirfd);
  struct dirent *de;

  if (dir == NULL)
    {
      pier_set_errno (error, errno, _("reading a directory"));
      return NULL;
    }
  while ((de = readdir (dir)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (dir);
  g_ptr_array_sort (names, pier_compare_strings);
  return g_steal_pointer (&names);
}
