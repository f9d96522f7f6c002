/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-blob-store.h"

#include "pier-crash-point.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct _PierBlobStore {
  char *dir;  /* ROOT/blobs/sha256 */
  int dirfd;
};

struct _PierBlobReader {
  int fd;
  char *digest;
  PierHasher *hasher;
  gint64 size;
  gboolean verified;
};

struct _PierBlobWriter {
  PierBlobStore *store;
  int fd;
  char *tmp_name;   /* only when O_TMPFILE is not available */
  PierHasher *hasher;
  char *digest;     /* once hashing is finished */
  guint64 size;
  /* Buffered so that small writes (tar headers) do not each cost a syscall. */
  guint8 *buf;
  gsize buf_len;
};

#define WRITE_BUFFER_SIZE (1024 * 1024)

PierBlobStore *
pier_blob_store_new (const char *root, GError **error)
{
  g_autofree char *dir = g_build_filename (root, "blobs", "sha256", NULL);
  PierBlobStore *store;
  int fd;

  if (!pier_fs_mkdir_p (dir, 0755, error))
    return NULL;
  fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (fd < 0)
    return NULL;
  store = g_new0 (PierBlobStore, 1);
  store->dir = g_steal_pointer (&dir);
  store->dirfd = fd;
  return store;
}

void
pier_blob_store_free (PierBlobStore *store)
{
  if (store == NULL)
    return;
  close (store->dirfd);
  g_free (store->dir);
  g_free (store);
}

static gboolean
check_digest (const char *digest, GError **error)
{
  return pier_digest_validate (digest, error);
}

gboolean
pier_blob_store_has (PierBlobStore *store, const char *digest)
{
  return pier_digest_is_valid (digest) &&
         faccessat (store->dirfd, pier_digest_hex (digest), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

gint64
pier_blob_store_get_size (PierBlobStore *store, const char *digest)
{
  struct stat st;

  if (!pier_digest_is_valid (digest) ||
      fstatat (store->dirfd, pier_digest_hex (digest), &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -1;
  return st.st_size;
}

char *
pier_blob_store_get_path (PierBlobStore *store, const char *digest)
{
  return g_build_filename (store->dir, pier_digest_hex (digest), NULL);
}

GPtrArray *
pier_blob_store_list (PierBlobStore *store)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = pier_fs_opendir_at (store->dirfd);
  struct dirent *de;

  if (dir == NULL)
    return out;
  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *digest = g_strconcat (PIER_DIGEST_PREFIX, de->d_name, NULL);
      if (pier_digest_is_valid (digest))
        g_ptr_array_add (out, g_steal_pointer (&digest));
    }
  closedir (dir);
  return out;
}

gboolean
pier_blob_store_remove (PierBlobStore *store, const char *digest, GError **error)
{
  if (!check_digest (digest, error))
    return FALSE;
  if (unlinkat (store->dirfd, pier_digest_hex (digest), 0) < 0 && errno != ENOENT)
    return pier_set_errno (error, errno, _("removing blob %s"), digest);
  return TRUE;
}

/* ---- reading ---- */

PierBlobReader *
pier_blob_reader_open (PierBlobStore *store, const char *digest, GError **error)
{
  PierBlobReader *reader;
  struct stat st;
  int fd;

  if (!check_digest (digest, error))
    return NULL;
  fd = openat (store->dirfd, pier_digest_hex (digest), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT)
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                     _("blob %s is missing from the store"),
                     digest);
      else
        pier_set_errno (error, errno, _("opening blob %s"), digest);
      return NULL;
    }
  if (fstat (fd, &st) < 0)
    {
      pier_set_errno (error, errno, _("reading blob %s"), digest);
      close (fd);
      return NULL;
    }
  reader = g_new0 (PierBlobReader, 1);
  reader->fd = fd;
  reader->digest = g_strdup (digest);
  reader->hasher = pier_hasher_new ();
  reader->size = st.st_size;
  return reader;
}

gssize
pier_blob_reader_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  PierBlobReader *reader = user_data;
  gssize n = pier_read_fd (GINT_TO_POINTER (reader->fd), buffer, size, error);

  if (n < 0)
    {
      g_prefix_error (error, _("blob %s: "), reader->digest);
      return -1;
    }
  if (n > 0)
    {
      pier_hasher_update (reader->hasher, buffer, n);
      return n;
    }
  if (!reader->verified)
    {
      g_autofree char *actual = pier_hasher_finish (reader->hasher);
      if (strcmp (actual, reader->digest) != 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("blob %s is corrupt: its content hashes to %s"), reader->digest, actual);
          return -1;
        }
      reader->verified = TRUE;
    }
  return 0;
}

gint64
pier_blob_reader_get_size (PierBlobReader *reader)
{
  return reader->size;
}

void
pier_blob_reader_free (PierBlobReader *reader)
{
  if (reader == NULL)
    return;
  close (reader->fd);
  g_free (reader->digest);
  pier_hasher_free (reader->hasher);
  g_free (reader);
}

GBytes *
pier_blob_store_read (PierBlobStore *store, const char *digest, gsize max_size, GError **error)
{
  g_autoptr (PierBlobReader) reader = pier_blob_reader_open (store, digest, error);
  g_autofree guint8 *data = NULL;
  gsize len = 0;
  gssize n;

  if (reader == NULL)
    return NULL;
  if ((guint64) reader->size > max_size)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("blob %s is %" PRId64 " bytes, more than the %zu expected of a document"),
                   digest, reader->size, max_size);
      return NULL;
    }
  data = g_malloc (reader->size + 1);
  while ((n = pier_blob_reader_read (reader, data + len, reader->size + 1 - len, error)) > 0)
    {
      len += n;
      if (len > (gsize) reader->size)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("blob %s grew while being read"),
                       digest);
          return NULL;
        }
    }
  if (n < 0)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

/* ---- writing ---- */

PierBlobWriter *
pier_blob_writer_new (PierBlobStore *store, GError **error)
{
  PierBlobWriter *w = g_new0 (PierBlobWriter, 1);

  w->store = store;
  /* Readable too: what a load keeps of a document is read back from here, not from memory. */
  w->fd = openat (store->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
  if (w->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
    {
      /* Filesystems without O_TMPFILE get a named temporary file that a later open of the
       * store removes if a crash leaves it. */
      w->tmp_name = g_strdup_printf (".tmp-%08x%08x", g_random_int (), g_random_int ());
      w->fd = openat (store->dirfd, w->tmp_name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
    }
  if (w->fd < 0)
    {
      pier_set_errno (error, errno, _("creating a blob in %s"), store->dir);
      g_free (w->tmp_name);
      g_free (w);
      return NULL;
    }
  w->hasher = pier_hasher_new ();
  w->buf = g_malloc (WRITE_BUFFER_SIZE);
  return w;
}

static gboolean
write_out (PierBlobWriter *w, const void *data, gsize len, GError **error)
{
  if (!pier_fs_write_all (w->fd, data, len, error))
    {
      g_prefix_error (error, _("writing a blob: "));
      if (g_error_matches (*error, PIER_ERROR, PIER_ERROR_NO_SPACE))
        g_prefix_error (error, _("the disk is full: "));
      return FALSE;
    }
  return TRUE;
}

static gboolean
flush (PierBlobWriter *w, GError **error)
{
  if (w->buf_len == 0)
    return TRUE;
  if (!write_out (w, w->buf, w->buf_len, error))
    return FALSE;
  w->buf_len = 0;
  return TRUE;
}

gboolean
pier_blob_writer_write (gpointer user_data, const void *data, gsize len, GError **error)
{
  PierBlobWriter *w = user_data;

  pier_hasher_update (w->hasher, data, len);
  w->size += len;
  if (w->buf_len + len > WRITE_BUFFER_SIZE && !flush (w, error))
    return FALSE;
  if (len >= WRITE_BUFFER_SIZE)
    return write_out (w, data, len, error);
  memcpy (w->buf + w->buf_len, data, len);
  w->buf_len += len;
  return TRUE;
}

guint64
pier_blob_writer_get_size (PierBlobWriter *w)
{
  return w->size;
}

const char *
pier_blob_writer_get_digest (PierBlobWriter *w)
{
  if (w->digest == NULL)
    {
      w->digest = pier_hasher_finish (w->hasher);
      g_clear_pointer (&w->hasher, pier_hasher_free);
    }
  return w->digest;
}

gboolean
pier_blob_writer_finish (PierBlobWriter *w, GError **error)
{
  if (!flush (w, error))
    return FALSE;
  g_clear_pointer (&w->buf, g_free);
  pier_blob_writer_get_digest (w);
  return TRUE;
}

GBytes *
pier_blob_writer_read_back (PierBlobWriter *w, gsize max_size, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize done = 0;

  if (w->size > max_size)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%" PRIu64 " bytes, more than the %zu expected"),
                   w->size, max_size);
      return NULL;
    }
  if (!flush (w, error))
    return NULL;
  data = g_malloc (MAX (w->size, 1));
  while (done < w->size)
    {
      ssize_t n = pread (w->fd, data + done, w->size - done, done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          pier_set_errno (error, n < 0 ? errno : EIO, _("reading a blob back"));
          return NULL;
        }
      done += n;
    }
  return g_bytes_new_take (g_steal_pointer (&data), done);
}

gboolean
pier_blob_writer_sync (PierBlobWriter *w, GError **error)
{
  if (!flush (w, error))
    return FALSE;
  if (fdatasync (w->fd) < 0)
    return pier_set_errno (error, errno, _("syncing a blob"));
  return TRUE;
}

char *
pier_blob_writer_commit (PierBlobWriter *w, const char *expected_digest, GError **error)
{
  g_autofree char *digest = NULL;
  const char *hex;

  if (!flush (w, error))
    return NULL;
  digest = g_strdup (pier_blob_writer_get_digest (w));
  if (expected_digest != NULL && strcmp (digest, expected_digest) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("content does not match its digest: expected %s, got %s"), expected_digest,
                   digest);
      return NULL;
    }
  if (fsync (w->fd) < 0)
    {
      pier_set_errno (error, errno, _("syncing blob %s"), digest);
      return NULL;
    }
  pier_crash_point ("blob:synced");
  hex = pier_digest_hex (digest);
  if (w->tmp_name != NULL)
    {
      if (renameat (w->store->dirfd, w->tmp_name, w->store->dirfd, hex) < 0)
        {
          pier_set_errno (error, errno, _("storing blob %s"), digest);
          return NULL;
        }
      g_clear_pointer (&w->tmp_name, g_free);
    }
  else
    {
      g_autofree char *proc = g_strdup_printf ("/proc/self/fd/%d", w->fd);
      if (linkat (AT_FDCWD, proc, w->store->dirfd, hex, AT_SYMLINK_FOLLOW) < 0 &&
          errno != EEXIST)
        {
          pier_set_errno (error, errno, _("storing blob %s"), digest);
          return NULL;
        }
    }
  pier_crash_point ("blob:linked");
  if (fsync (w->store->dirfd) < 0)
    {
      pier_set_errno (error, errno, _("syncing the blob directory"));
      return NULL;
    }
  return g_steal_pointer (&digest);
}

void
pier_blob_writer_free (PierBlobWriter *w)
{
  if (w == NULL)
    return;
  if (w->tmp_name != NULL)
    unlinkat (w->store->dirfd, w->tmp_name, 0);
  close (w->fd);
  pier_hasher_free (w->hasher);
  g_free (w->digest);
  g_free (w->tmp_name);
  g_free (w->buf);
  g_free (w);
}

char *
pier_blob_store_put (PierBlobStore *store, const void *data, gsize len, GError **error)
{
  g_autoptr (PierBlobWriter) w = pier_blob_writer_new (store, error);

  if (w == NULL || !pier_blob_writer_write (w, data, len, error))
    return NULL;
  return pier_blob_writer_commit (w, NULL, error);
}
