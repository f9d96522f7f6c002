/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-unpack-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

gboolean
pier_unpack_climbs_error (PierUnpacker *u, const char *what, GError **error)
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
gboolean
pier_unpack_normalise (const char *name, GString *out)
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

gsize
pier_unpack_parent_length (const GString *path)
{
  const char *slash = strrchr (path->str, '/');

  return slash != NULL ? (gsize) (slash - path->str) : 0;
}

void
pier_unpack_cache_invalidate (PierUnpacker *u)
{
  u->cache_valid = FALSE;
}

/* Takes @fd, as what @path (of @len bytes) resolves to. */
void
pier_unpack_cache_set (PierUnpacker *u, const char *path, gsize len, int fd)
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
make_parents (PierUnpacker *u, char *parent, GError **error)
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
int
pier_unpack_resolve_parent (PierUnpacker *u, gboolean create, GError **error)
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
  pier_unpack_cache_set (u, parent, len, fd);
  return fd;
}

const char *
pier_unpack_entry_base (PierUnpacker *u)
{
  return u->path->str + (u->parent_len > 0 ? u->parent_len + 1 : 0);
}

/* Removes whatever @base is under @pfd (a directory recursively), never following it. */
gboolean
pier_unpack_remove_existing (PierUnpacker *u, int pfd, const char *base, GError **error)
{
  pier_unpack_cache_invalidate (u);
  if (!pier_fs_rm_rf_at (pfd, base, error))
    {
      g_prefix_error (error, _("entry “%s”: "), u->name);
      return FALSE;
    }
  return TRUE;
}

/* After a call creating @base failed: whether it may be tried again, what stood in the way
 * having been removed. Only once: a second EEXIST means something else is at work. */
gboolean
pier_unpack_make_room (PierUnpacker *u, int pfd, const char *base, gboolean retried,
                       const char *what, GError **error)
{
  if (errno != EEXIST || retried)
    return pier_set_errno (error, errno, _("entry “%s”: %s"), u->name, what);
  return pier_unpack_remove_existing (u, pfd, base, error);
}
