/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-pack.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-tar-file.h"

#include "pier-libarchive.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

gboolean
pier_write_fd (gpointer fd_as_pointer, const void *buffer, gsize len, GError **error)
{
  return pier_fs_write_all (GPOINTER_TO_INT (fd_as_pointer), buffer, len, error);
}

#define DATA_BLOCK_SIZE (1024 * 1024)

typedef struct {
  dev_t dev;
  ino_t ino;
} InodeKey;

typedef struct {
  PierPackOptions options;
  const char *opaque_xattr;
  PierWriteFunc write;
  gpointer write_data;
  GError *write_error;
  gboolean failed;         /* nothing more goes to the writer */
  GCancellable *cancellable;

  struct archive *ar;
  struct archive_entry *entry;
  GString *path;           /* of the file being packed, relative to the root */
  GHashTable *links;       /* InodeKey → the path first packed for it */
  guint8 *buffer;
} Packer;

static guint
inode_hash (gconstpointer key)
{
  const InodeKey *k = key;

  return (guint) (k->ino ^ (k->ino >> 32) ^ k->dev);
}

static gboolean
inode_equal (gconstpointer a, gconstpointer b)
{
  const InodeKey *ka = a, *kb = b;

  return ka->dev == kb->dev && ka->ino == kb->ino;
}

static gboolean
archive_error (Packer *p, GError **error)
{
  if (p->write_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&p->write_error));
      return FALSE;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("packing “%s”: %s"), p->path->str,
               archive_error_string (p->ar));
  return FALSE;
}

static la_ssize_t
write_callback (struct archive *ar, void *user_data, const void *buffer, size_t len)
{
  Packer *p = user_data;

  if (p->failed)
    return len;
  if (!p->write (p->write_data, buffer, len, &p->write_error))
    {
      p->failed = TRUE;
      archive_set_error (ar, EIO, "%s", p->write_error != NULL ? p->write_error->message : "write failed");
      return -1;
    }
  return len;
}

static gboolean
is_opaque (Packer *p, int dirfd)
{
  char value[2];

  return fgetxattr (dirfd, p->opaque_xattr, value, sizeof value) == 1 && value[0] == 'y';
}

static time_t
clamped (Packer *p, time_t mtime)
{
  if (p->options.clamp_mtime >= 0 && mtime > p->options.clamp_mtime)
    return p->options.clamp_mtime;
  return mtime;
}

static guint32
shifted (Packer *p, guint32 id)
{
  return id >= p->options.id_shift ? id - p->options.id_shift : id;
}

/* Starts an entry for @path: only what the layer needs, so that the same tree always packs to
 * the same bytes (no names of owners, no access or change times, whole seconds). */
static void
entry_start (Packer *p, const char *path, mode_t mode, uid_t uid, gid_t gid, time_t mtime)
{
  archive_entry_clear (p->entry);
  archive_entry_set_pathname (p->entry, path);
  archive_entry_set_mode (p->entry, mode);
  archive_entry_set_uid (p->entry, uid);
  archive_entry_set_gid (p->entry, gid);
  archive_entry_set_mtime (p->entry, clamped (p, mtime), 0);
}

static gboolean
entry_write_header (Packer *p, GError **error)
{
  if (archive_write_header (p->ar, p->entry) < ARCHIVE_WARN)
    return archive_error (p, error);
  return TRUE;
}

/* An empty, mode 0, root-owned marker file: how OCI layers spell whiteouts. */
static gboolean
write_marker (Packer *p, const char *dir_path, const char *name, time_t mtime, GError **error)
{
  g_autofree char *path = *dir_path != '\0' ? g_strconcat (dir_path, "/", name, NULL)
                                            : g_strdup (name);

  entry_start (p, path, S_IFREG, 0, 0, mtime);
  archive_entry_set_size (p->entry, 0);
  return entry_write_header (p, error);
}

/* For a file with other names: the path it was first packed under, or NULL (and it is
 * remembered) when this is the first. */
static const char *
earlier_link (Packer *p, const struct stat *st)
{
  InodeKey key = { st->st_dev, st->st_ino };
  const char *first;

  if (st->st_nlink < 2)
    return NULL;
  first = g_hash_table_lookup (p->links, &key);
  if (first == NULL)
    g_hash_table_insert (p->links, g_memdup2 (&key, sizeof key), g_strdup (p->path->str));
  return first;
}

static gboolean pack_directory (Packer *p, int dirfd, GError **error);

static gboolean
pack_one (Packer *p, int dirfd, const char *name, const char *dir_path, GError **error)
{
  struct stat st;
  const char *first;

  if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return pier_set_errno (error, errno, "“%s”", p->path->str);

  if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
    {
      g_autofree char *marker = g_strconcat (".wh.", name, NULL);
      return write_marker (p, dir_path, marker, st.st_mtime, error);
    }
  if (S_ISSOCK (st.st_mode))
    return TRUE; /* a socket is a running program's, and tar cannot hold one */
  if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("“%s” is a device node, which layers may not hold"), p->path->str);
      return FALSE;
    }

  entry_start (p, p->path->str, st.st_mode, shifted (p, st.st_uid), shifted (p, st.st_gid),
               st.st_mtime);
  if (!S_ISDIR (st.st_mode) && (first = earlier_link (p, &st)) != NULL)
    {
      archive_entry_set_hardlink (p->entry, first);
      archive_entry_set_size (p->entry, 0);
      return entry_write_header (p, error);
    }

  if (S_ISDIR (st.st_mode))
    {
      pier_autofd int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return pier_set_errno (error, errno, _("opening “%s”"), p->path->str);
      if (!pier_tar_entry_add_xattrs (p->entry, fd, p->path->str, error)
          || !entry_write_header (p, error))
        return FALSE;
      if (is_opaque (p, fd) && !write_marker (p, p->path->str, ".wh..wh..opq", st.st_mtime, error))
        return FALSE;
      return pack_directory (p, fd, error);
    }
  if (S_ISREG (st.st_mode))
    {
      /* A running container may have swapped it for a FIFO since the stat. */
      pier_autofd int fd = pier_fs_open_regular_in_root (dirfd, name, RESOLVE_NO_SYMLINKS,
                                                         G_MAXSIZE, NULL, error);
      if (fd < 0)
        {
          g_prefix_error (error, "“%s”: ", p->path->str);
          return FALSE;
        }
      archive_entry_set_size (p->entry, st.st_size);
      if (!pier_tar_entry_add_xattrs (p->entry, fd, p->path->str, error)
          || !entry_write_header (p, error))
        return FALSE;
      return pier_tar_write_file_data (p->ar, p->entry, fd, st.st_size, p->buffer,
                                       DATA_BLOCK_SIZE, p->path->str, error)
             || pier_tar_take_write_error (&p->write_error, error);
    }
  if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (dirfd, name, target, sizeof target);
      if (n < 0)
        return pier_set_errno (error, errno, _("reading the symlink “%s”"), p->path->str);
      if ((gsize) n == sizeof target)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the symlink “%s” has a target longer than Linux allows"), p->path->str);
          return FALSE;
        }
      target[n] = '\0';
      archive_entry_set_symlink (p->entry, target);
      return entry_write_header (p, error);
    }
  /* A fifo. */
  return entry_write_header (p, error);
}

/* Packs the children of @dirfd, whose path p->path holds, in name order, each directory
 * followed by what it holds. */
static gboolean
pack_directory (Packer *p, int dirfd, GError **error)
{
  g_autoptr (GPtrArray) names = pier_fs_list_sorted_at (dirfd, error);
  g_autofree char *dir_path = g_strdup (p->path->str);

  if (names == NULL)
    {
      g_prefix_error (error, "“%s”: ", *dir_path != '\0' ? dir_path : ".");
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];

      if (g_cancellable_is_cancelled (p->cancellable))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CANCELLED, _("packing was cancelled"));
          return FALSE;
        }
      g_string_assign (p->path, dir_path);
      if (p->path->len > 0)
        g_string_append_c (p->path, '/');
      g_string_append (p->path, name);
      if (!pack_one (p, dirfd, name, dir_path, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
pack (Packer *p, int src_dirfd, GError **error)
{
  pier_autofd int root = openat (src_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;

  if (root < 0 || fstat (root, &st) < 0)
    return pier_set_errno (error, errno, _("opening the directory to pack"));
  p->ar = archive_write_new ();
  if (p->ar == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("cannot set up libarchive"));
      return FALSE;
    }
  /* pax only where ustar cannot say it (long names, large ids, xattrs); xattrs in the SCHILY
   * form that Docker and containerd read. */
  if (archive_write_set_format_pax_restricted (p->ar) != ARCHIVE_OK
      || archive_write_set_format_option (p->ar, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK
      || archive_write_open (p->ar, p, NULL, write_callback, NULL) != ARCHIVE_OK)
    return archive_error (p, error);

  if (is_opaque (p, root) && !write_marker (p, "", ".wh..wh..opq", st.st_mtime, error))
    return FALSE;
  if (!pack_directory (p, root, error))
    return FALSE;
  if (archive_write_close (p->ar) != ARCHIVE_OK)
    return archive_error (p, error);
  return TRUE;
}

gboolean
pier_layer_pack (int src_dirfd, const PierPackOptions *options, PierWriteFunc write,
                 gpointer write_data, GCancellable *cancellable, GError **error)
{
  Packer p = {
    .options = { .clamp_mtime = -1 },
    .write = write,
    .write_data = write_data,
    .cancellable = cancellable,
    .entry = archive_entry_new (),
    .path = g_string_new (""),
    .links = g_hash_table_new_full (inode_hash, inode_equal, g_free, g_free),
    .buffer = g_malloc (DATA_BLOCK_SIZE),
  };
  gboolean ok;

  if (options != NULL)
    p.options = *options;
  p.opaque_xattr = p.options.userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  ok = pack (&p, src_dirfd, error);
  /* After a failure, the end-of-archive blocks that freeing writes go nowhere. (Not
   * archive_write_fail(): libarchive 3.6 then leaks its block buffer.) */
  p.failed = !ok;
  if (p.ar != NULL)
    archive_write_free (p.ar);
  archive_entry_free (p.entry);
  g_string_free (p.path, TRUE);
  g_hash_table_unref (p.links);
  g_free (p.buffer);
  g_clear_error (&p.write_error);
  return ok;
}
