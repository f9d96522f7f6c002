/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-unpack.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-layer-unpack-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int
compare_deferred (gconstpointer a, gconstpointer b)
{
  const PierUnpackDeferredDir *da = a, *db = b;

  /* Deepest first, so that a parent's final mode never bars the way to a child; among equals,
   * in archive order, so that a directory's last entry wins. */
  if (da->depth != db->depth)
    return da->depth > db->depth ? -1 : 1;
  return da->order < db->order ? -1 : (da->order > db->order);
}

static gboolean
finish_directories (PierUnpacker *u, GError **error)
{
  g_array_sort (u->dirs, compare_deferred);
  for (guint i = 0; i < u->dirs->len; i++)
    {
      PierUnpackDeferredDir *dir = &g_array_index (u->dirs, PierUnpackDeferredDir, i);
      pier_autofd int fd = pier_fs_open_in_root (u->dest_dirfd, dir->path,
                                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
      struct stat st;

      /* Gone or replaced by a later entry, which then had its own say. */
      if (fd < 0 || fstat (fd, &st) < 0 || st.st_dev != dir->dev || st.st_ino != dir->ino)
        continue;
      if (fchmod (fd, dir->mode) < 0 || futimens (fd, dir->times) < 0)
        return pier_set_errno (error, errno, _("directory “%s”: setting its mode and times"),
                               dir->path);
    }
  return TRUE;
}

static gpointer
read_ahead_thread (gpointer data)
{
  PierUnpackReadAhead *ra = data;
  gboolean at_end = FALSE;

  for (;;)
    {
      GError *error = NULL;
      gssize len = 0;
      guint slot;

      g_mutex_lock (&ra->lock);
      while (ra->n_filled == READ_BLOCKS && !ra->stop)
        g_cond_wait (&ra->cond, &ra->lock);
      if (ra->stop)
        {
          g_mutex_unlock (&ra->lock);
          return NULL;
        }
      slot = (ra->first + ra->n_filled) % READ_BLOCKS;
      g_mutex_unlock (&ra->lock);

      /* Whole blocks, so that fewer of them change hands. */
      while (!at_end && len < READ_BLOCK_SIZE)
        {
          gssize n = ra->read (ra->read_data, ra->blocks[slot] + len, READ_BLOCK_SIZE - len,
                               &error);
          if (n < 0)
            {
              len = -1;
              break;
            }
          at_end = n == 0;
          len += n;
        }

      g_mutex_lock (&ra->lock);
      ra->lengths[slot] = len;
      if (len < 0)
        ra->error = error != NULL ? error
                                  : g_error_new (PIER_ERROR, PIER_ERROR_FAILED,
                                                 _("reading failed"));
      ra->n_filled++;
      g_cond_signal (&ra->cond);
      g_mutex_unlock (&ra->lock);
      if (len <= 0)
        return NULL;
    }
}

static gboolean
read_ahead_start (PierUnpackReadAhead *ra, GError **error)
{
  g_autoptr (GError) thread_error = NULL;

  for (guint i = 0; i < READ_BLOCKS; i++)
    ra->blocks[i] = g_malloc (READ_BLOCK_SIZE);
  ra->thread = g_thread_try_new ("pier-unpack-read", read_ahead_thread, ra, &thread_error);
  if (ra->thread == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("cannot start a reading thread: %s"),
                   thread_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
read_ahead_clear (PierUnpackReadAhead *ra)
{
  if (ra->thread != NULL)
    {
      g_mutex_lock (&ra->lock);
      ra->stop = TRUE;
      g_cond_signal (&ra->cond);
      g_mutex_unlock (&ra->lock);
      g_thread_join (ra->thread);
    }
  for (guint i = 0; i < READ_BLOCKS; i++)
    g_free (ra->blocks[i]);
  g_clear_error (&ra->error);
  g_cond_clear (&ra->cond);
  g_mutex_clear (&ra->lock);
}

static la_ssize_t
read_callback (struct archive *ar, void *user_data, const void **buffer)
{
  PierUnpackReadAhead *ra = &((PierUnpacker *) user_data)->ra;
  gssize len;

  g_mutex_lock (&ra->lock);
  if (ra->handed_out)
    {
      ra->first = (ra->first + 1) % READ_BLOCKS;
      ra->n_filled--;
      ra->handed_out = FALSE;
      g_cond_signal (&ra->cond);
    }
  while (ra->n_filled == 0)
    g_cond_wait (&ra->cond, &ra->lock);
  len = ra->lengths[ra->first];
  /* The end and errors stay in place: asked again, libarchive gets the same answer. */
  if (len > 0)
    {
      *buffer = ra->blocks[ra->first];
      ra->handed_out = TRUE;
    }
  if (len < 0)
    {
      ra->failed = TRUE;
      archive_set_error (ar, EIO, "%s", ra->error->message);
    }
  g_mutex_unlock (&ra->lock);
  return len;
}

static void
deferred_dir_clear (gpointer data)
{
  g_free (((PierUnpackDeferredDir *) data)->path);
}

static void
unpacker_clear (PierUnpacker *u)
{
  if (u->ar != NULL)
    archive_read_free (u->ar);
  read_ahead_clear (&u->ra);
  if (u->cached_fd >= 0)
    close (u->cached_fd);
  g_string_free (u->last_good_name, TRUE);
  g_string_free (u->path, TRUE);
  g_string_free (u->link, TRUE);
  g_string_free (u->scratch, TRUE);
  g_string_free (u->cached_parent, TRUE);
  g_array_unref (u->dirs);
  g_clear_pointer (&u->supplied, g_hash_table_unref);
}

static gboolean
unpack (PierUnpacker *u, GCancellable *cancellable, GError **error)
{
  if (!read_ahead_start (&u->ra, error))
    return FALSE;
  u->ar = archive_read_new ();
  if (u->ar == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("cannot set up libarchive"));
      return FALSE;
    }
  /* Tar only (ustar, pax, GNU); decompression happened upstream. */
  archive_read_support_format_tar (u->ar);
  if (archive_read_open (u->ar, u, NULL, read_callback, NULL) != ARCHIVE_OK)
    return pier_unpack_archive_failure (u, error);

  for (;;)
    {
      int r;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CANCELLED, _("unpacking was cancelled"));
          return FALSE;
        }
      r = archive_read_next_header (u->ar, &u->entry);
      if (r == ARCHIVE_EOF)
        break;
      if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
        return pier_unpack_archive_failure (u, error);
      u->name = archive_entry_pathname (u->entry);
      if (u->name == NULL)
        u->name = archive_entry_pathname_utf8 (u->entry);
      if (u->name == NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("an entry without a name"));
          return FALSE;
        }
      u->stats.n_entries++;
      if (!pier_unpack_extract_entry (u, error))
        return FALSE;
      g_string_assign (u->last_good_name, u->name);
    }
  return finish_directories (u, error);
}

gboolean
pier_layer_unpack (PierReadFunc read, gpointer read_data, int dest_dirfd,
                   const PierUnpackOptions *options, PierUnpackStats *stats,
                   GCancellable *cancellable, GError **error)
{
  PierUnpacker u = {
    .ra = { .read = read, .read_data = read_data },
    .dest_dirfd = dest_dirfd,
    .path = g_string_sized_new (256),
    .link = g_string_sized_new (256),
    .scratch = g_string_sized_new (256),
    .cached_parent = g_string_sized_new (256),
    .last_good_name = g_string_sized_new (256),
    .cached_fd = -1,
    .dirs = g_array_new (FALSE, FALSE, sizeof (PierUnpackDeferredDir)),
  };
  gboolean ok;

  g_mutex_init (&u.ra.lock);
  g_cond_init (&u.ra.cond);
  if (options != NULL)
    u.options = *options;
  u.opaque_xattr = u.options.userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  g_array_set_clear_func (u.dirs, deferred_dir_clear);
  if (u.options.mode == PIER_UNPACK_APPLY)
    u.supplied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ok = unpack (&u, cancellable, error);
  if (stats != NULL)
    *stats = u.stats;
  unpacker_clear (&u);
  return ok;
}
