/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-tar-writer-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-layer-stream.h"

#include "pier-libarchive.h"
#include <inttypes.h>
#include <sys/stat.h>

struct _PierTarWriter {
  struct archive *archive;
  PierWriteFunc write;
  gpointer write_data;
  gint64 mtime;
  GError *write_error; /* from the write callback, which libarchive cannot carry */
  gboolean finished;
};

static la_ssize_t
write_callback (struct archive *a, void *user_data, const void *buffer, size_t length)
{
  PierTarWriter *tar = user_data;

  if (!tar->write (tar->write_data, buffer, length, &tar->write_error))
    {
      archive_set_error (a, EIO, "%s", tar->write_error->message);
      return -1;
    }
  return length;
}

PierTarWriter *
pier_tar_writer_new (PierWriteFunc write, gpointer write_data, gint64 mtime)
{
  PierTarWriter *tar = g_new0 (PierTarWriter, 1);

  tar->write = write;
  tar->write_data = write_data;
  tar->mtime = mtime;
  tar->archive = archive_write_new ();
  archive_write_set_format_pax_restricted (tar->archive);
  archive_write_set_bytes_per_block (tar->archive, 10240);
  archive_write_open2 (tar->archive, tar, NULL, write_callback, NULL, NULL);
  return tar;
}

static gboolean
fail (PierTarWriter *tar, const char *name, GError **error)
{
  if (tar->write_error != NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&tar->write_error),
                                _("writing %s: "), name);
  else
    g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("writing %s: %s"), name,
                 archive_error_string (tar->archive));
  return FALSE;
}

static struct archive_entry *
new_entry (PierTarWriter *tar, const char *name, mode_t type_and_mode)
{
  struct archive_entry *entry = archive_entry_new ();

  archive_entry_set_pathname (entry, name);
  archive_entry_set_mode (entry, type_and_mode);
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  archive_entry_set_mtime (entry, tar->mtime, 0);
  return entry;
}

static gboolean
write_header (PierTarWriter *tar, struct archive_entry *entry, const char *name, GError **error)
{
  int rc = archive_write_header (tar->archive, entry);

  archive_entry_free (entry);
  if (rc != ARCHIVE_OK)
    return fail (tar, name, error);
  return TRUE;
}

gboolean
pier_tar_writer_add_dir (PierTarWriter *tar, const char *name, mode_t mode, GError **error)
{
  return write_header (tar, new_entry (tar, name, S_IFDIR | mode), name, error);
}

gboolean
pier_tar_writer_add_data (PierTarWriter *tar, const char *name, mode_t mode, const void *data,
                          gsize len, GError **error)
{
  struct archive_entry *entry = new_entry (tar, name, S_IFREG | mode);

  archive_entry_set_size (entry, len);
  if (!write_header (tar, entry, name, error))
    return FALSE;
  if (len > 0 && archive_write_data (tar->archive, data, len) != (la_ssize_t) len)
    return fail (tar, name, error);
  return TRUE;
}

gboolean
pier_tar_writer_add_stream (PierTarWriter *tar, const char *name, mode_t mode, guint64 size,
                            PierReadFunc read, gpointer read_data, GError **error)
{
  struct archive_entry *entry = new_entry (tar, name, S_IFREG | mode);
  g_autofree guint8 *buf = g_malloc (1 << 20);
  guint64 done = 0;

  archive_entry_set_size (entry, size);
  if (!write_header (tar, entry, name, error))
    return FALSE;
  while (done < size)
    {
      gssize n = read (read_data, buf, MIN ((guint64) (1 << 20), size - done), error);
      if (n < 0)
        {
          g_prefix_error (error, "%s: ", name);
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("%s: %" PRIu64 " bytes expected, the source ended after %"
                         PRIu64), name, size, done);
          return FALSE;
        }
      if (archive_write_data (tar->archive, buf, n) != n)
        return fail (tar, name, error);
      done += n;
    }
  return TRUE;
}

gboolean
pier_tar_writer_add_symlink (PierTarWriter *tar, const char *name, const char *target,
                             GError **error)
{
  struct archive_entry *entry = new_entry (tar, name, S_IFLNK | 0777);

  archive_entry_set_symlink (entry, target);
  return write_header (tar, entry, name, error);
}

gboolean
pier_tar_writer_add_hardlink (PierTarWriter *tar, const char *name, const char *target,
                              mode_t mode, GError **error)
{
  struct archive_entry *entry = new_entry (tar, name, S_IFREG | mode);

  archive_entry_set_hardlink (entry, target);
  archive_entry_set_size (entry, 0);
  return write_header (tar, entry, name, error);
}

gboolean
pier_tar_writer_finish (PierTarWriter *tar, GError **error)
{
  tar->finished = TRUE;
  if (archive_write_close (tar->archive) != ARCHIVE_OK)
    return fail (tar, "the end of the archive", error);
  return TRUE;
}

void
pier_tar_writer_free (PierTarWriter *tar)
{
  if (tar == NULL)
    return;
  if (!tar->finished)
    archive_write_fail (tar->archive);
  archive_write_free (tar->archive);
  g_clear_error (&tar->write_error);
  g_free (tar);
}
