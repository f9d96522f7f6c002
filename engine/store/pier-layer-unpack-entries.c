/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-unpack-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static gboolean
is_overlay_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && st->st_rdev == makedev (0, 0);
}

static void
entry_times (struct archive_entry *entry, struct timespec times[2])
{
  times[1].tv_sec = archive_entry_mtime (entry);
  times[1].tv_nsec = archive_entry_mtime_nsec (entry);
  if (archive_entry_atime_is_set (entry))
    {
      times[0].tv_sec = archive_entry_atime (entry);
      times[0].tv_nsec = archive_entry_atime_nsec (entry);
    }
  else
    times[0].tv_nsec = UTIME_OMIT;
}

static gboolean
set_xattrs (PierUnpacker *u, int fd, GError **error)
{
  const char *name;
  const void *value;
  size_t size;

  if (archive_entry_xattr_reset (u->entry) == 0)
    return TRUE;
  while (archive_entry_xattr_next (u->entry, &name, &value, &size) == ARCHIVE_OK)
    {
      /* Overlay's own attributes would change what the stacked tree shows; only whiteouts,
       * translated above, may do that. */
      if (g_str_has_prefix (name, "trusted.overlay.") || g_str_has_prefix (name, "user.overlay."))
        continue;
      if (fsetxattr (fd, name, value, size, 0) == 0)
        continue;
      /* Without the right to own files, security.* and trusted.* are out of reach too. */
      if (!u->options.preserve_owner && (errno == EPERM || errno == ENOTSUP))
        continue;
      return pier_set_errno (error, errno, _("entry “%s”: setting attribute %s"), u->name, name);
    }
  return TRUE;
}

gboolean
pier_unpack_archive_failure (PierUnpacker *u, GError **error)
{
  if (u->ra.failed)
    {
      g_propagate_error (error, g_steal_pointer (&u->ra.error));
      return FALSE;
    }
  if (u->last_good_name->len > 0)
    g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                 _("damaged or truncated archive after entry “%s” (offset %" PRId64 "): %s"),
                 u->last_good_name->str, (gint64) archive_read_header_position (u->ar),
                 archive_error_string (u->ar));
  else
    g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                 _("damaged or truncated archive at its first entry: %s"),
                 archive_error_string (u->ar));
  return FALSE;
}

static gboolean
write_at (PierUnpacker *u, int fd, const guint8 *data, gsize len, off_t offset, GError **error)
{
  while (len > 0)
    {
      ssize_t n = pwrite (fd, data, len, offset);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return pier_set_errno (error, errno, _("entry “%s”: writing"), u->name);
        }
      data += n;
      len -= n;
      offset += n;
    }
  return TRUE;
}

static gboolean
extract_regular (PierUnpacker *u, int pfd, const char *base, GError **error)
{
  struct archive_entry *entry = u->entry;
  pier_autofd int fd = -1;
  struct timespec times[2];
  off_t end = 0;

  for (gboolean retried = FALSE;
       (fd = openat (pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0;
       retried = TRUE)
    if (!pier_unpack_make_room (u, pfd, base, retried, "creating the file", error))
      return FALSE;

  for (;;)
    {
      const void *block;
      size_t size;
      la_int64_t offset;
      int r = archive_read_data_block (u->ar, &block, &size, &offset);

      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return pier_unpack_archive_failure (u, error);
      if (!write_at (u, fd, block, size, offset, error))
        return FALSE;
      end = offset + size;
      u->stats.content_bytes += size;
    }
  /* A sparse file's trailing hole. */
  if (archive_entry_size (entry) > end && ftruncate (fd, archive_entry_size (entry)) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its size"), u->name);

  /* In this order: chown clears setuid bits and file capabilities. */
  if (u->options.preserve_owner
      && fchown (fd, archive_entry_uid (entry), archive_entry_gid (entry)) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its owner"), u->name);
  if (fchmod (fd, archive_entry_perm (entry) & 07777) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its mode"), u->name);
  if (!set_xattrs (u, fd, error))
    return FALSE;
  entry_times (entry, times);
  if (futimens (fd, times) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its times"), u->name);
  return TRUE;
}

static gboolean
extract_directory (PierUnpacker *u, int pfd, const char *base, GError **error)
{
  struct archive_entry *entry = u->entry;
  gboolean covers_whiteout = FALSE;
  pier_autofd int fd = -1;
  struct stat st;
  PierUnpackDeferredDir dir;

  for (gboolean retried = FALSE; mkdirat (pfd, base, 0700) < 0; retried = TRUE)
    {
      if (errno == EEXIST && fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
        {
          /* An existing directory: only its metadata changes. */
          if (S_ISDIR (st.st_mode))
            break;
          covers_whiteout = is_overlay_whiteout (&st);
          errno = EEXIST;
        }
      if (!pier_unpack_make_room (u, pfd, base, retried, "creating the directory", error))
        return FALSE;
    }

  fd = openat (pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: opening the directory"), u->name);
  if (u->options.preserve_owner
      && fchown (fd, archive_entry_uid (entry), archive_entry_gid (entry)) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its owner"), u->name);
  if (!set_xattrs (u, fd, error))
    return FALSE;
  /* The same layer whited this name out and supplies it again: what lower layers hold there
   * must stay hidden, as the OCI rules have it. */
  if (covers_whiteout && u->options.mode == PIER_UNPACK_OVERLAY
      && fsetxattr (fd, u->opaque_xattr, "y", 1, 0) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: marking the directory opaque"), u->name);

  dir.path = g_strdup (u->path->str);
  dir.dev = st.st_dev;
  dir.ino = st.st_ino;
  dir.mode = archive_entry_perm (entry) & 07777;
  entry_times (entry, dir.times);
  dir.depth = 0;
  for (const char *p = u->path->str; *p != '\0'; p++)
    dir.depth += *p == '/';
  dir.order = u->dirs->len;
  g_array_append_val (u->dirs, dir);

  /* Its children most likely come next. */
  pier_unpack_cache_set (u, u->path->str, u->path->len, g_steal_fd (&fd));
  return TRUE;
}

static gboolean
extract_symlink (PierUnpacker *u, int pfd, const char *base, GError **error)
{
  struct archive_entry *entry = u->entry;
  const char *target = archive_entry_symlink (entry);
  struct timespec times[2];

  if (target == NULL)
    target = archive_entry_symlink_utf8 (entry);
  if (target == NULL || *target == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("entry “%s”: symlink without a target"),
                   u->name);
      return FALSE;
    }
  /* Any target is data, absolute or climbing past the root with "..": it resolves inside the
   * container at run time, and every path this extraction follows resolves inside @dest. */
  for (gboolean retried = FALSE; symlinkat (target, pfd, base) < 0; retried = TRUE)
    if (!pier_unpack_make_room (u, pfd, base, retried, "creating the symlink", error))
      return FALSE;
  if (u->options.preserve_owner
      && fchownat (pfd, base, archive_entry_uid (entry), archive_entry_gid (entry),
                   AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its owner"), u->name);
  entry_times (entry, times);
  if (utimensat (pfd, base, times, AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its times"), u->name);
  return TRUE;
}

static gboolean
extract_hardlink (PierUnpacker *u, int pfd, const char *base, const char *target, GError **error)
{
  pier_autofd int target_pfd = -1;
  gsize target_parent_len;
  const char *target_base;
  struct stat target_st, st;

  if (!pier_unpack_normalise (target, u->link))
    return pier_unpack_climbs_error (u, "hardlink target", error);
  if (u->link->len == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("entry “%s”: a hardlink to the root directory"), u->name);
      return FALSE;
    }
  target_parent_len = pier_unpack_parent_length (u->link);
  if (target_parent_len > 0)
    {
      u->link->str[target_parent_len] = '\0';
      target_pfd = pier_fs_open_in_root (u->dest_dirfd, u->link->str, O_PATH | O_DIRECTORY,
                                         0);
      if (target_pfd < 0)
        return pier_set_errno (error, errno,
                               _("entry “%s”: hardlink target “%s”"), u->name, target);
      target_base = u->link->str + target_parent_len + 1;
    }
  else
    target_base = u->link->str;

  if (fstatat (target_pfd >= 0 ? target_pfd : u->dest_dirfd, target_base, &target_st,
               AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: hardlink target “%s”"), u->name, target);
  /* Already that very file (the same link applied twice, or a link to itself). */
  if (fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == target_st.st_dev
      && st.st_ino == target_st.st_ino)
    return TRUE;

  /* No AT_SYMLINK_FOLLOW: a link to a symlink is a second name of the symlink. */
  for (gboolean retried = FALSE;
       linkat (target_pfd >= 0 ? target_pfd : u->dest_dirfd, target_base, pfd, base, 0) < 0;
       retried = TRUE)
    if (!pier_unpack_make_room (u, pfd, base, retried, "linking", error))
      return FALSE;
  return TRUE;
}

/* A fifo, or a device node (checked to be allowed): made as it is. */
static gboolean
extract_node (PierUnpacker *u, int pfd, const char *base, mode_t type, GError **error)
{
  struct archive_entry *entry = u->entry;
  dev_t rdev = type == AE_IFIFO ? 0 : makedev (archive_entry_rdevmajor (entry),
                                                archive_entry_rdevminor (entry));
  struct timespec times[2];

  for (gboolean retried = FALSE; mknodat (pfd, base, type | 0600, rdev) < 0; retried = TRUE)
    if (!pier_unpack_make_room (u, pfd, base, retried,
                                type == AE_IFIFO ? "creating the fifo" : "creating the device node", error))
      return FALSE;
  if (u->options.preserve_owner
      && fchownat (pfd, base, archive_entry_uid (entry), archive_entry_gid (entry),
                   AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its owner"), u->name);
  /* Follows a symlink, were there one: there is not, the node was just made. */
  if (fchmodat (pfd, base, archive_entry_perm (entry) & 07777, 0) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its mode"), u->name);
  entry_times (entry, times);
  if (utimensat (pfd, base, times, AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: setting its times"), u->name);
  return TRUE;
}

gboolean
pier_unpack_extract_entry (PierUnpacker *u, GError **error)
{
  struct archive_entry *entry = u->entry;
  mode_t type = archive_entry_filetype (entry);
  const char *hardlink = archive_entry_hardlink (entry);
  const char *base;
  gboolean ok;
  int pfd;

  if (hardlink == NULL)
    hardlink = archive_entry_hardlink_utf8 (entry);
  if (!pier_unpack_normalise (u->name, u->path))
    return pier_unpack_climbs_error (u, "its path", error);
  if (u->path->len == 0)
    {
      if (type == AE_IFDIR && hardlink == NULL)
        return TRUE;
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE,
                   _("entry “%s”: names the root directory, which only a directory can"), u->name);
      return FALSE;
    }
  u->parent_len = pier_unpack_parent_length (u->path);
  base = pier_unpack_entry_base (u);

  if (g_str_has_prefix (base, WHITEOUT_PREFIX))
    {
      if (strcmp (base, WHITEOUT_OPAQUE) == 0)
        return pier_unpack_opaque (u, error);
      if (g_str_has_prefix (base, WHITEOUT_AUFS_META))
        return TRUE;
      return pier_unpack_whiteout (u, base + strlen (WHITEOUT_PREFIX), error);
    }
  if (hardlink == NULL && (type == AE_IFCHR || type == AE_IFBLK))
    {
      if (type == AE_IFCHR && archive_entry_rdevmajor (entry) == 0
          && archive_entry_rdevminor (entry) == 0)
        return pier_unpack_whiteout (u, base, error);
      switch (u->options.devices)
        {
        case PIER_UNPACK_DEVICES_SKIP:
          u->stats.n_devices_skipped++;
          return TRUE;
        case PIER_UNPACK_DEVICES_CREATE:
          break;
        case PIER_UNPACK_DEVICES_REFUSE:
        default:
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE,
                       _("entry “%s”: device node (not allowed here)"), u->name);
          return FALSE;
        }
    }

  pfd = pier_unpack_resolve_parent (u, TRUE, error);
  if (pfd < 0)
    return FALSE;
  if (hardlink != NULL)
    ok = extract_hardlink (u, pfd, base, hardlink, error);
  else
    switch (type)
      {
      case AE_IFREG:
        ok = extract_regular (u, pfd, base, error);
        break;
      case AE_IFDIR:
        ok = extract_directory (u, pfd, base, error);
        break;
      case AE_IFLNK:
        ok = extract_symlink (u, pfd, base, error);
        break;
      case AE_IFIFO:
      case AE_IFCHR:
      case AE_IFBLK:
        ok = extract_node (u, pfd, base, type, error);
        break;
      default:
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                     _("entry “%s”: unsupported file type 0%o"), u->name, (unsigned) type);
        return FALSE;
      }
  if (ok && u->supplied != NULL)
    pier_unpack_mark_supplied (u, u->path->str, u->path->len);
  return ok;
}
