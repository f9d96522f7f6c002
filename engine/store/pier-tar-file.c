/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-tar-file.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* What a hole is passed as: libarchive drops the bytes of a sparse entry's holes unread, so
 * these pages are never touched. */
#define ZEROS_SIZE (1024 * 1024)
static guint8 zeros[ZEROS_SIZE];

static gboolean
is_overlay_xattr (const char *name)
{
  return g_str_has_prefix (name, "trusted.overlay.") || g_str_has_prefix (name, "user.overlay.");
}

gboolean
pier_tar_entry_add_xattrs (struct archive_entry *entry, int fd, const char *path, GError **error)
{
  g_autofree char *list = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  ssize_t len = flistxattr (fd, NULL, 0);

  if (len == 0 || (len < 0 && errno == ENOTSUP))
    return TRUE;
  for (;;)
    {
      if (len < 0)
        return pier_set_errno (error, errno, _("“%s”: listing its attributes"), path);
      list = g_realloc (list, len);
      len = flistxattr (fd, list, len);
      if (len >= 0 || errno != ERANGE)
        break;
      len = flistxattr (fd, NULL, 0);
    }
  for (char *name = list; name < list + len; name += strlen (name) + 1)
    if (!is_overlay_xattr (name))
      g_ptr_array_add (names, name);
  g_ptr_array_sort (names, pier_compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *value = NULL;
      ssize_t size = fgetxattr (fd, name, NULL, 0);

      for (;;)
        {
          if (size < 0)
            return pier_set_errno (error, errno, _("“%s”: reading attribute %s"), path, name);
          value = g_realloc (value, MAX (size, 1));
          size = fgetxattr (fd, name, value, size);
          if (size >= 0 || errno != ERANGE)
            break;
          size = fgetxattr (fd, name, NULL, 0);
        }
      if (size < 0)
        return pier_set_errno (error, errno, _("“%s”: reading attribute %s"), path, name);
      archive_entry_xattr_add_entry (entry, name, value, size);
    }
  return TRUE;
}

gboolean
pier_tar_entry_set_sparse (struct archive_entry *entry, int fd, off_t size, const char *path,
                           GError **error)
{
  struct stat st;
  off_t pos = 0;

  if (fstat (fd, &st) < 0)
    return pier_set_errno (error, errno, "“%s”", path);
  /* Most files use a block for every block of their size: no hole to look for. */
  if ((off_t) st.st_blocks * 512 >= size)
    return TRUE;
  while (pos < size)
    {
      off_t data = lseek (fd, pos, SEEK_DATA);
      off_t hole;

      if (data < 0 && errno == ENXIO)
        break; /* a hole to the end */
      if (data < 0 && (errno == EINVAL || errno == EOPNOTSUPP) && pos == 0)
        return TRUE; /* a filesystem that cannot say: the file as it reads */
      if (data < 0)
        return pier_set_errno (error, errno, _("“%s”: looking for its data"), path);
      if (data >= size)
        break;
      hole = lseek (fd, data, SEEK_HOLE);
      if (hole < 0)
        return pier_set_errno (error, errno, _("“%s”: looking for its holes"), path);
      hole = MIN (hole, size);
      /* Data from start to end after all (it was written meanwhile): no map. */
      if (data == 0 && hole == size)
        return TRUE;
      archive_entry_sparse_add_entry (entry, data, hole - data);
      pos = hole;
    }
  /* The end, as an empty region: how GNU tar spells a trailing hole, and so a file that is
   * all hole has a map at all. */
  if (pos < size)
    archive_entry_sparse_add_entry (entry, size, 0);
  return TRUE;
}

static gboolean
write_zeros (struct archive *ar, off_t len, const char *path, GError **error)
{
  while (len > 0)
    {
      la_ssize_t n = archive_write_data (ar, zeros, MIN (len, (off_t) ZEROS_SIZE));
      if (n <= 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("writing “%s”: %s"), path,
                       archive_error_string (ar));
          return FALSE;
        }
      len -= n;
    }
  return TRUE;
}

static gboolean
write_region (struct archive *ar, int fd, off_t offset, off_t len, guint8 *buffer,
              gsize buffer_size, const char *path, GError **error)
{
  while (len > 0)
    {
      ssize_t n = pread (fd, buffer, MIN (len, (off_t) buffer_size), offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("reading “%s”"), path);
      if (n == 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("“%s” shrank while it was being written to the archive"), path);
          return FALSE;
        }
      if (archive_write_data (ar, buffer, n) != n)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("writing “%s”: %s"), path,
                       archive_error_string (ar));
          return FALSE;
        }
      offset += n;
      len -= n;
    }
  return TRUE;
}

gboolean
pier_tar_write_file_data (struct archive *ar, struct archive_entry *entry, int fd, off_t size,
                          guint8 *buffer, gsize buffer_size, const char *path, GError **error)
{
  la_int64_t offset, length;
  off_t pos = 0;

  if (archive_entry_sparse_reset (entry) == 0)
    return write_region (ar, fd, 0, size, buffer, buffer_size, path, error);
  while (archive_entry_sparse_next (entry, &offset, &length) == ARCHIVE_OK)
    {
      if (!write_zeros (ar, offset - pos, path, error)
          || !write_region (ar, fd, offset, length, buffer, buffer_size, path, error))
        return FALSE;
      pos = offset + length;
    }
  return write_zeros (ar, size - pos, path, error);
}

gboolean
pier_tar_take_write_error (GError **write_error, GError **error)
{
  if (*write_error != NULL)
    {
      g_clear_error (error);
      g_propagate_error (error, g_steal_pointer (write_error));
    }
  return FALSE;
}
