#include "pier-layer-unpack.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include "pier-libarchive.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Large blocks keep per-call overhead out of big layers; a few of them in flight let the
 * reading thread (inflating and hashing, for a PierLayerStream) run ahead of extraction. */
#define READ_BLOCK_SIZE (1024 * 1024)
#define READ_BLOCKS 4

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) that old Docker layers carry: not content. */
#define WHITEOUT_AUFS_META ".wh..wh."

typedef struct {
  char *path;
  dev_t dev;
  ino_t ino;
  mode_t mode;
  struct timespec times[2];
  guint depth;
  guint order;
} DeferredDir;

/* The tar's bytes, read on a thread of their own: reading (and inflating and hashing what is
 * read) takes as long as writing the files, and the two overlap, as with `tar -xz`. */
typedef struct {
  PierReadFunc read;
  gpointer read_data;
  GThread *thread;
  GMutex lock;
  GCond cond;
  guint8 *blocks[READ_BLOCKS];
  gssize lengths[READ_BLOCKS];  /* 0 at the end, -1 for an error */
  guint first;                  /* the oldest filled block */
  guint n_filled;
  gboolean handed_out;          /* blocks[first] is libarchive's until it asks for more */
  gboolean stop;
  gboolean failed;              /* the extraction saw the read's error */
  GError *error;
} ReadAhead;

typedef struct {
  ReadAhead ra;

  int dest_dirfd;
  PierUnpackOptions options;
  const char *opaque_xattr;

  struct archive *ar;
  struct archive_entry *entry;
  const char *name;        /* the entry's name as the archive spells it, for messages */
  GString *last_good_name;

  GString *path;           /* the entry's normalised path: "a/b/c", "" for the root */
  gsize parent_len;        /* path[0, parent_len) is its directory */
  GString *link;           /* a hardlink's normalised target */
  GString *scratch;

  /* The last directory resolved for an entry: tar streams are grouped by directory, so most
   * entries reuse it. Only a removal can change what an already resolved path leads to (new
   * names never alter existing ones), so removals invalidate it; the descriptor itself stays
   * open until replaced, because the entry being extracted may still be using it. */
  GString *cached_parent;
  int cached_fd;
  gboolean cache_valid;

  GArray *dirs;            /* DeferredDir: modes and times set once their children are in */
  /* APPLY: every path this layer supplies (its entries and their ancestors), which its own
   * whiteouts and opaque markers must leave alone. */
  GHashTable *supplied;

  PierUnpackStats stats;
} Unpacker;

static gboolean
climbs_error (Unpacker *u, const char *what, GError **error)
{
  g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE, _("entry “%s”: %s leads outside the layer"),
               u->name, what);
  return FALSE;
}

/* Steps @p over the next component of a "/"-separated path, skipping "" and "."; FALSE at the
 * end. */
static gboolean
next_component (const char **p, const char **start, gsize *len)
{
  while (**p != '\0')
    {
      *start = *p;
      while (**p != '\0' && **p != '/')
        (*p)++;
      *len = *p - *start;
      if (**p == '/')
        (*p)++;
      if (*len > 0 && !(*len == 1 && (*start)[0] == '.'))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_dotdot (const char *component, gsize len)
{
  return len == 2 && component[0] == '.' && component[1] == '.';
}

/* Writes @name without "." components, resolved "..", and no leading or doubled "/" into @out;
 * FALSE when a ".." climbs above the root. */
static gboolean
normalise (const char *name, GString *out)
{
  const char *p = name, *component;
  gsize len;

  g_string_truncate (out, 0);
  while (next_component (&p, &component, &len))
    {
      if (is_dotdot (component, len))
        {
          char *slash;
          if (out->len == 0)
            return FALSE;
          slash = strrchr (out->str, '/');
          g_string_truncate (out, slash != NULL ? (gsize) (slash - out->str) : 0);
          continue;
        }
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append_len (out, component, len);
    }
  return TRUE;
}

static gsize
parent_length (const GString *path)
{
  const char *slash = strrchr (path->str, '/');

  return slash != NULL ? (gsize) (slash - path->str) : 0;
}

static void
cache_invalidate (Unpacker *u)
{
  u->cache_valid = FALSE;
}

/* Takes @fd, as what @path (of @len bytes) resolves to. */
static void
cache_set (Unpacker *u, const char *path, gsize len, int fd)
{
  if (u->cached_fd >= 0)
    close (u->cached_fd);
  u->cached_fd = fd;
  g_string_truncate (u->cached_parent, 0);
  g_string_append_len (u->cached_parent, path, len);
  u->cache_valid = TRUE;
}

/* Opens @parent (writable in place: its components are cut with NULs one at a time), making
 * the directories that are missing, each looked up inside the root. */
static int
make_parents (Unpacker *u, char *parent, GError **error)
{
  pier_autofd int owned = -1;
  int cur = u->dest_dirfd;
  char *component = parent;

  for (;;)
    {
      char *slash = strchr (component, '/');
      int fd;

      if (slash != NULL)
        *slash = '\0';
      fd = pier_fs_open_in_root (u->dest_dirfd, parent, O_PATH | O_DIRECTORY, 0);
      if (fd < 0 && errno == ENOENT)
        {
          if (mkdirat (cur, component, 0755) == 0)
            fd = openat (cur, component, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          else if (errno == EEXIST)
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                           _("entry “%s”: “%s” is a symlink to a directory that does not exist"),
                           u->name, parent);
              if (slash != NULL)
                *slash = '/';
              return -1;
            }
        }
      if (fd < 0)
        {
          pier_set_errno (error, errno, _("entry “%s”: creating directory “%s”"), u->name, parent);
          if (slash != NULL)
            *slash = '/';
          return -1;
        }
      if (owned >= 0)
        close (owned);
      owned = cur = fd;
      if (slash == NULL)
        break;
      *slash = '/';
      component = slash + 1;
    }
  return g_steal_fd (&owned);
}

/* The directory holding the current entry, looked up inside the root; borrowed (the root's
 * descriptor or the cache's). Missing directories are made when @create; otherwise -1 with
 * errno ENOENT or ENOTDIR and no @error. */
static int
resolve_parent (Unpacker *u, gboolean create, GError **error)
{
  char *parent = u->path->str;
  gsize len = u->parent_len;
  int fd;

  if (len == 0)
    return u->dest_dirfd;
  if (u->cache_valid && u->cached_parent->len == len && memcmp (u->cached_parent->str, parent, len) == 0)
    return u->cached_fd;

  parent[len] = '\0';
  fd = pier_fs_open_in_root (u->dest_dirfd, parent, O_PATH | O_DIRECTORY, 0);
  if (fd < 0 && errno == ENOENT && create)
    fd = make_parents (u, parent, error);
  else if (fd < 0 && (create || (errno != ENOENT && errno != ENOTDIR)))
    pier_set_errno (error, errno, _("entry “%s”: opening its directory “%s”"), u->name, parent);
  parent[len] = '/';
  if (fd < 0)
    return -1;
  cache_set (u, parent, len, fd);
  return fd;
}

static const char *
entry_base (Unpacker *u)
{
  return u->path->str + (u->parent_len > 0 ? u->parent_len + 1 : 0);
}

/* Removes whatever @base is under @pfd (a directory recursively), never following it. */
static gboolean
remove_existing (Unpacker *u, int pfd, const char *base, GError **error)
{
  cache_invalidate (u);
  if (!pier_fs_rm_rf_at (pfd, base, error))
    {
      g_prefix_error (error, _("entry “%s”: "), u->name);
      return FALSE;
    }
  return TRUE;
}

/* After a call creating @base failed: whether it may be tried again, what stood in the way
 * having been removed. Only once: a second EEXIST means something else is at work. */
static gboolean
make_room (Unpacker *u, int pfd, const char *base, gboolean retried, const char *what,
           GError **error)
{
  if (errno != EEXIST || retried)
    return pier_set_errno (error, errno, _("entry “%s”: %s"), u->name, what);
  return remove_existing (u, pfd, base, error);
}

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
set_xattrs (Unpacker *u, int fd, GError **error)
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

static gboolean
set_opaque (Unpacker *u, int dirfd, const char *name, GError **error)
{
  pier_autofd int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 || fsetxattr (fd, u->opaque_xattr, "y", 1, 0) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: marking the directory opaque"), u->name);
  return TRUE;
}

static gboolean
archive_failure (Unpacker *u, GError **error)
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
write_at (Unpacker *u, int fd, const guint8 *data, gsize len, off_t offset, GError **error)
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
extract_regular (Unpacker *u, int pfd, const char *base, GError **error)
{
  struct archive_entry *entry = u->entry;
  pier_autofd int fd = -1;
  struct timespec times[2];
  off_t end = 0;

  for (gboolean retried = FALSE;
       (fd = openat (pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0;
       retried = TRUE)
    if (!make_room (u, pfd, base, retried, "creating the file", error))
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
        return archive_failure (u, error);
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
extract_directory (Unpacker *u, int pfd, const char *base, GError **error)
{
  struct archive_entry *entry = u->entry;
  gboolean covers_whiteout = FALSE;
  pier_autofd int fd = -1;
  struct stat st;
  DeferredDir dir;

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
      if (!make_room (u, pfd, base, retried, "creating the directory", error))
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
  cache_set (u, u->path->str, u->path->len, g_steal_fd (&fd));
  return TRUE;
}

static gboolean
extract_symlink (Unpacker *u, int pfd, const char *base, GError **error)
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
    if (!make_room (u, pfd, base, retried, "creating the symlink", error))
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
extract_hardlink (Unpacker *u, int pfd, const char *base, const char *target, GError **error)
{
  pier_autofd int target_pfd = -1;
  gsize target_parent_len;
  const char *target_base;
  struct stat target_st, st;

  if (!normalise (target, u->link))
    return climbs_error (u, "hardlink target", error);
  if (u->link->len == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("entry “%s”: a hardlink to the root directory"), u->name);
      return FALSE;
    }
  target_parent_len = parent_length (u->link);
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
    if (!make_room (u, pfd, base, retried, "linking", error))
      return FALSE;
  return TRUE;
}

/* A fifo, or a device node (checked to be allowed): made as it is. */
static gboolean
extract_node (Unpacker *u, int pfd, const char *base, mode_t type, GError **error)
{
  struct archive_entry *entry = u->entry;
  dev_t rdev = type == AE_IFIFO ? 0 : makedev (archive_entry_rdevmajor (entry),
                                                archive_entry_rdevminor (entry));
  struct timespec times[2];

  for (gboolean retried = FALSE; mknodat (pfd, base, type | 0600, rdev) < 0; retried = TRUE)
    if (!make_room (u, pfd, base, retried,
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

/* Records @path (@len bytes) and its ancestors as supplied by this layer. */
static void
mark_supplied (Unpacker *u, const char *path, gsize len)
{
  while (len > 0)
    {
      char *key = g_strndup (path, len);
      const char *slash;

      /* Its ancestors were marked along with it. */
      if (!g_hash_table_add (u->supplied, key))
        return;
      slash = g_strrstr_len (path, len, "/");
      len = slash != NULL ? (gsize) (slash - path) : 0;
    }
}

/* Removes from the directory @dirfd, whose path is @dir_path, whatever this layer does not
 * supply: lower layers' content that an opaque marker or a whiteout hides. */
static gboolean
prune_unsupplied (Unpacker *u, int dirfd, GString *dir_path, GError **error)
{
  pier_autofd int list_fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *de;

  if (list_fd < 0 || (dir = fdopendir (list_fd)) == NULL)
    return pier_set_errno (error, errno, _("entry “%s”: reading “%s”"), u->name, dir_path->str);
  list_fd = -1;
  while ((de = readdir (dir)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (de->d_name));
  closedir (dir);

  cache_invalidate (u);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      gsize saved = dir_path->len;
      gboolean ok = TRUE;
      struct stat st;

      if (saved > 0)
        g_string_append_c (dir_path, '/');
      g_string_append (dir_path, name);
      if (!g_hash_table_contains (u->supplied, dir_path->str))
        ok = remove_existing (u, dirfd, name, error);
      else if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
        {
          pier_autofd int sub = openat (dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          ok = sub >= 0 ? prune_unsupplied (u, sub, dir_path, error)
                        : pier_set_errno (error, errno, _("entry “%s”: opening “%s”"), u->name,
                                          dir_path->str);
        }
      g_string_truncate (dir_path, saved);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* Removes what lower layers put at @child of the directory @dirfd, whose path is @path (or, when
 * @child is NULL, under @dirfd itself, at @path), keeping what this layer supplies and the
 * directory's times: hiding a lower layer's file is not a change this layer makes to it. */
static gboolean
hide_lower (Unpacker *u, int dirfd, const char *child, GString *path, GError **error)
{
  pier_autofd int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  gboolean ok;

  if (fd < 0 || fstat (fd, &st) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: opening its directory"), u->name);
  if (child == NULL)
    ok = prune_unsupplied (u, dirfd, path, error);
  else if (g_hash_table_contains (u->supplied, path->str))
    {
      struct stat cst;
      pier_autofd int sub = -1;
      /* Supplied by this layer, which keeps it; only what lower layers left inside goes. */
      if (fstatat (dirfd, child, &cst, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (cst.st_mode))
        return TRUE;
      sub = openat (dirfd, child, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      ok = sub >= 0 ? prune_unsupplied (u, sub, path, error)
                    : pier_set_errno (error, errno, _("entry “%s”"), u->name);
    }
  else
    ok = remove_existing (u, dirfd, child, error);
  if (ok)
    {
      struct timespec times[2] = { st.st_atim, st.st_mtim };
      if (futimens (fd, times) < 0)
        return pier_set_errno (error, errno, _("entry “%s”: restoring its directory's times"),
                               u->name);
    }
  return ok;
}

/* .wh.NAME (or overlay's own form, a 0:0 character device NAME). */
static gboolean
whiteout (Unpacker *u, const char *name, GError **error)
{
  struct stat st;
  int pfd;

  if (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE, _("entry “%s”: invalid whiteout entry"),
                   u->name);
      return FALSE;
    }

  if (u->options.mode == PIER_UNPACK_APPLY)
    {
      g_autoptr (GError) local_error = NULL;

      /* Nothing to delete under a directory that does not exist. */
      pfd = resolve_parent (u, FALSE, &local_error);
      if (pfd < 0 && local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (pfd < 0)
        return TRUE;
      g_string_truncate (u->scratch, 0);
      g_string_append_len (u->scratch, u->path->str, u->parent_len);
      if (u->scratch->len > 0)
        g_string_append_c (u->scratch, '/');
      g_string_append (u->scratch, name);
      if (!hide_lower (u, pfd, name, u->scratch, error))
        return FALSE;
      mark_supplied (u, u->path->str, u->parent_len);
      return TRUE;
    }

  pfd = resolve_parent (u, TRUE, error);
  if (pfd < 0)
    return FALSE;
  if (mknodat (pfd, name, S_IFCHR, makedev (0, 0)) == 0)
    return TRUE;
  if (errno != EEXIST)
    return pier_set_errno (error, errno, _("entry “%s”: creating an overlay whiteout"), u->name);
  /* The layer supplies NAME itself (the directory is the layer's own): it stays, and when it
   * is a directory, lower layers' content there stays hidden. */
  if (fstatat (pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
    return set_opaque (u, pfd, name, error);
  return TRUE;
}

/* .wh..wh..opq: the directory holding it hides what lower layers have there. */
static gboolean
opaque (Unpacker *u, GError **error)
{
  int pfd = resolve_parent (u, TRUE, error);

  if (pfd < 0)
    return FALSE;
  if (u->options.mode == PIER_UNPACK_OVERLAY)
    return set_opaque (u, pfd, ".", error);
  g_string_truncate (u->scratch, 0);
  g_string_append_len (u->scratch, u->path->str, u->parent_len);
  mark_supplied (u, u->scratch->str, u->scratch->len);
  return hide_lower (u, pfd, NULL, u->scratch, error);
}

static gboolean
extract_entry (Unpacker *u, GError **error)
{
  struct archive_entry *entry = u->entry;
  mode_t type = archive_entry_filetype (entry);
  const char *hardlink = archive_entry_hardlink (entry);
  const char *base;
  gboolean ok;
  int pfd;

  if (hardlink == NULL)
    hardlink = archive_entry_hardlink_utf8 (entry);
  if (!normalise (u->name, u->path))
    return climbs_error (u, "its path", error);
  if (u->path->len == 0)
    {
      if (type == AE_IFDIR && hardlink == NULL)
        return TRUE;
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSAFE,
                   _("entry “%s”: names the root directory, which only a directory can"), u->name);
      return FALSE;
    }
  u->parent_len = parent_length (u->path);
  base = entry_base (u);

  if (g_str_has_prefix (base, WHITEOUT_PREFIX))
    {
      if (strcmp (base, WHITEOUT_OPAQUE) == 0)
        return opaque (u, error);
      if (g_str_has_prefix (base, WHITEOUT_AUFS_META))
        return TRUE;
      return whiteout (u, base + strlen (WHITEOUT_PREFIX), error);
    }
  if (hardlink == NULL && (type == AE_IFCHR || type == AE_IFBLK))
    {
      if (type == AE_IFCHR && archive_entry_rdevmajor (entry) == 0
          && archive_entry_rdevminor (entry) == 0)
        return whiteout (u, base, error);
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

  pfd = resolve_parent (u, TRUE, error);
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
    mark_supplied (u, u->path->str, u->path->len);
  return ok;
}

static int
compare_deferred (gconstpointer a, gconstpointer b)
{
  const DeferredDir *da = a, *db = b;

  /* Deepest first, so that a parent's final mode never bars the way to a child; among equals,
   * in archive order, so that a directory's last entry wins. */
  if (da->depth != db->depth)
    return da->depth > db->depth ? -1 : 1;
  return da->order < db->order ? -1 : (da->order > db->order);
}

static gboolean
finish_directories (Unpacker *u, GError **error)
{
  g_array_sort (u->dirs, compare_deferred);
  for (guint i = 0; i < u->dirs->len; i++)
    {
      DeferredDir *dir = &g_array_index (u->dirs, DeferredDir, i);
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
  ReadAhead *ra = data;
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
read_ahead_start (ReadAhead *ra, GError **error)
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
read_ahead_clear (ReadAhead *ra)
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
  ReadAhead *ra = &((Unpacker *) user_data)->ra;
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
  g_free (((DeferredDir *) data)->path);
}

static void
unpacker_clear (Unpacker *u)
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
unpack (Unpacker *u, GCancellable *cancellable, GError **error)
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
    return archive_failure (u, error);

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
        return archive_failure (u, error);
      u->name = archive_entry_pathname (u->entry);
      if (u->name == NULL)
        u->name = archive_entry_pathname_utf8 (u->entry);
      if (u->name == NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("an entry without a name"));
          return FALSE;
        }
      u->stats.n_entries++;
      if (!extract_entry (u, error))
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
  Unpacker u = {
    .ra = { .read = read, .read_data = read_data },
    .dest_dirfd = dest_dirfd,
    .path = g_string_sized_new (256),
    .link = g_string_sized_new (256),
    .scratch = g_string_sized_new (256),
    .cached_parent = g_string_sized_new (256),
    .last_good_name = g_string_sized_new (256),
    .cached_fd = -1,
    .dirs = g_array_new (FALSE, FALSE, sizeof (DeferredDir)),
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
