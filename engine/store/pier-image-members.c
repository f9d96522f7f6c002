/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Collecting the members of a docker-archive or an OCI layout into pending blobs. */
#include "pier-image-members-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include "pier-libarchive.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LINK_HOPS 16

void
pier_image_members_clear (PierImageMembers *m)
{
  g_clear_pointer (&m->files, g_hash_table_unref);
  g_clear_pointer (&m->links, g_hash_table_unref);
}

void
pier_image_members_init (PierImageMembers *m)
{
  m->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) pier_pending_blob_free);
  m->links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* "./a//b/../c" → "a/c"; ".." never climbs above the archive's top. */
static char *
clean_member_name (const char *dir, const char *name)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  g_auto (GStrv) dir_parts = g_strsplit (dir ? dir : "", "/", -1);
  g_auto (GStrv) name_parts = g_strsplit (name, "/", -1);
  GString *out = g_string_new (NULL);

  for (int pass = 0; pass < 2; pass++)
    for (char **p = pass == 0 ? dir_parts : name_parts; *p; p++)
      {
        if (**p == '\0' || strcmp (*p, ".") == 0)
          continue;
        if (strcmp (*p, "..") == 0)
          {
            if (parts->len > 0)
              g_ptr_array_remove_index (parts, parts->len - 1);
            continue;
          }
        g_ptr_array_add (parts, *p);
      }
  for (guint i = 0; i < parts->len; i++)
    g_string_append_printf (out, "%s%s", i ? "/" : "", (char *) parts->pdata[i]);
  return g_string_free (out, FALSE);
}

PierPendingBlob *
pier_image_members_lookup (PierImageMembers *m, const char *name)
{
  g_autofree char *current = clean_member_name (NULL, name);

  for (int hop = 0; hop < MAX_LINK_HOPS; hop++)
    {
      const char *target = g_hash_table_lookup (m->links, current);
      PierPendingBlob *blob;

      if (target == NULL)
        {
          blob = g_hash_table_lookup (m->files, current);
          return blob;
        }
      g_free (current);
      current = g_strdup (target);
    }
  return NULL;
}

typedef struct {
  PierReadFunc read;
  gpointer read_data;
  guint8 *buffer;
  GError *error;
  struct archive *archive;
  gboolean started;
  gboolean gzip;            /* the input starts as gzip does */
} OuterSource;

#define OUTER_BUFFER (1024 * 1024)

static la_ssize_t
outer_read (struct archive *a, void *user_data, const void **buffer)
{
  OuterSource *src = user_data;
  gssize n = src->read (src->read_data, src->buffer, OUTER_BUFFER, &src->error);

  if (n < 0)
    {
      archive_set_error (a, EIO, "%s", src->error->message);
      return -1;
    }
  if (!src->started && n > 0)
    {
      /* A first read of one byte would hide it; Pier's sources give at least a page. */
      src->started = TRUE;
      src->gzip = n >= 2 && src->buffer[0] == 0x1f && src->buffer[1] == 0x8b;
    }
  *buffer = src->buffer;
  return n;
}

/* What went wrong, in words: libarchive's own, or, where it has none (a gzip stream cut short
 * in its trailer), the likely cause. */
static char *
describe_failure (OuterSource *src)
{
  const char *reason = archive_error_string (src->archive);

  if (src->gzip)
    return g_strdup_printf ("the gzip data is damaged or cut short (a truncated file?): %s",
                            reason != NULL ? reason : "it ends early");
  return g_strdup (reason != NULL ? reason : "the data ends early (a truncated file?)");
}

/* How far the decompressed archive has expanded (libarchive's filter 0 gives what it
 * produced, the last filter what was read). */
static gboolean
check_expansion (OuterSource *src, GError **error)
{
  return pier_check_expansion (archive_filter_bytes (src->archive, -1),
                               archive_filter_bytes (src->archive, 0), error);
}

static gssize
entry_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  OuterSource *src = user_data;
  la_ssize_t n = archive_read_data (src->archive, buffer, size);

  if (n < 0)
    {
      g_autofree char *reason = describe_failure (src);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, "%s", reason);
      return -1;
    }
  if (!check_expansion (src, error))
    return -1;
  return n;
}

gboolean
pier_image_members_collect_archive (PierStore *store, PierReadFunc read, gpointer read_data,
                                    PierImageMembers *m, GCancellable *cancellable,
                                    GError **error)
{
  struct archive *a = archive_read_new ();
  OuterSource src = { read, read_data, g_malloc (OUTER_BUFFER), NULL, a };
  struct archive_entry *entry;
  g_autofree char *last = g_strdup ("the start");
  gboolean ok = FALSE;
  int rc;

  archive_read_support_filter_gzip (a);
  archive_read_support_filter_none (a);
  archive_read_support_format_tar (a);
  archive_read_support_format_gnutar (a);
  if (archive_read_open (a, &src, NULL, outer_read, NULL) != ARCHIVE_OK)
    {
      g_autofree char *reason = describe_failure (&src);
      if (src.error != NULL)
        g_propagate_prefixed_error (error, g_steal_pointer (&src.error),
                                    _("reading the archive: "));
      else
        /* EILSEQ: libarchive's ARCHIVE_ERRNO_FILE_FORMAT on Linux, which it does not export. */
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, "%s: %s",
                     archive_errno (a) == EILSEQ && !src.gzip ? "not a tar archive"
                                                                     : "reading the archive",
                     reason);
      goto out;
    }
  while ((rc = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      const char *raw = archive_entry_pathname (entry);
      g_autofree char *name = clean_member_name (NULL, raw ? raw : "");

      if (g_cancellable_set_error_if_cancelled (cancellable, error) || !check_expansion (&src, error))
        goto out;
      if (archive_entry_filetype (entry) == AE_IFLNK)
        {
          g_autofree char *dir = g_path_get_dirname (name);
          g_hash_table_insert (m->links, g_strdup (name),
                               clean_member_name (strcmp (dir, ".") ? dir : NULL,
                                                  archive_entry_symlink (entry)));
        }
      else if (archive_entry_filetype (entry) == AE_IFREG && archive_entry_hardlink (entry))
        g_hash_table_insert (m->links, g_strdup (name),
                             clean_member_name (NULL, archive_entry_hardlink (entry)));
      else if (archive_entry_filetype (entry) == AE_IFREG)
        {
          PierPendingBlob *blob = pier_pending_blob_read (store, entry_read, &src, cancellable,
                                                          error);
          if (blob == NULL)
            {
              g_prefix_error (error, _("reading %s from the archive: "), name);
              goto out;
            }
          g_hash_table_insert (m->files, g_strdup (name), blob);
        }
      g_free (last);
      last = g_steal_pointer (&name);
    }
  if (rc != ARCHIVE_EOF)
    {
      g_autofree char *reason = describe_failure (&src);
      if (src.error != NULL)
        g_propagate_prefixed_error (error, g_steal_pointer (&src.error),
                                    _("reading the archive: "));
      else
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                     _("the archive is truncated or damaged after %s: %s"), last, reason);
      goto out;
    }
  ok = TRUE;
out:
  archive_read_free (a);
  g_clear_error (&src.error);
  g_free (src.buffer);
  return ok;
}

gboolean
pier_image_members_collect_dir (PierStore *store, int dirfd, const char *prefix,
                                PierImageMembers *m, int depth, GCancellable *cancellable,
                                GError **error)
{
  DIR *dir = pier_fs_opendir_at (dirfd);
  struct dirent *de;
  gboolean ok = TRUE;

  if (dir == NULL)
    return pier_set_errno (error, errno, _("reading %s"), prefix[0] ? prefix : "the layout");
  while (ok && (de = readdir (dir)) != NULL)
    {
      g_autofree char *name = NULL;
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      name = prefix[0] ? g_strconcat (prefix, "/", de->d_name, NULL) : g_strdup (de->d_name);
      if (fstatat (dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISDIR (st.st_mode) && depth < 8)
        {
          pier_autofd int sub = openat (dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          ok = sub >= 0 ? pier_image_members_collect_dir (store, sub, name, m, depth + 1,
                                                          cancellable, error)
                        : pier_set_errno (error, errno, _("opening %s"), name);
        }
      else if (S_ISREG (st.st_mode))
        {
          /* Whatever it has become since (a fifo cannot hang the load). */
          pier_autofd int fd = pier_fs_open_regular_in_root (dirfd, de->d_name,
                                                             RESOLVE_NO_SYMLINKS, G_MAXSIZE,
                                                             NULL, error);
          PierPendingBlob *blob = NULL;
          if (fd < 0)
            {
              g_prefix_error (error, _("in the layout: "));
              ok = FALSE;
              break;
            }
          blob = pier_pending_blob_read (store, pier_read_fd, GINT_TO_POINTER (fd), cancellable,
                                         error);
          if (blob == NULL)
            ok = FALSE;
          else
            g_hash_table_insert (m->files, g_steal_pointer (&name), blob);
        }
    }
  closedir (dir);
  return ok;
}
