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

static gboolean
set_opaque (PierUnpacker *u, int dirfd, const char *name, GError **error)
{
  pier_autofd int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 || fsetxattr (fd, u->opaque_xattr, "y", 1, 0) < 0)
    return pier_set_errno (error, errno, _("entry “%s”: marking the directory opaque"), u->name);
  return TRUE;
}

/* Records @path (@len bytes) and its ancestors as supplied by this layer. */
void
pier_unpack_mark_supplied (PierUnpacker *u, const char *path, gsize len)
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
prune_unsupplied (PierUnpacker *u, int dirfd, GString *dir_path, GError **error)
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

  pier_unpack_cache_invalidate (u);
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
        ok = pier_unpack_remove_existing (u, dirfd, name, error);
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
hide_lower (PierUnpacker *u, int dirfd, const char *child, GString *path, GError **error)
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
    ok = pier_unpack_remove_existing (u, dirfd, child, error);
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
gboolean
pier_unpack_whiteout (PierUnpacker *u, const char *name, GError **error)
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
      pfd = pier_unpack_resolve_parent (u, FALSE, &local_error);
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
      pier_unpack_mark_supplied (u, u->path->str, u->parent_len);
      return TRUE;
    }

  pfd = pier_unpack_resolve_parent (u, TRUE, error);
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
gboolean
pier_unpack_opaque (PierUnpacker *u, GError **error)
{
  int pfd = pier_unpack_resolve_parent (u, TRUE, error);

  if (pfd < 0)
    return FALSE;
  if (u->options.mode == PIER_UNPACK_OVERLAY)
    return set_opaque (u, pfd, ".", error);
  g_string_truncate (u->scratch, 0);
  g_string_append_len (u->scratch, u->path->str, u->parent_len);
  pier_unpack_mark_supplied (u, u->scratch->str, u->scratch->len);
  return hide_lower (u, pfd, NULL, u->scratch, error);
}
