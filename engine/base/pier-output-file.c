/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-output-file.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As many symlinks as Linux follows in one path. */
#define MAX_LINKS 40

struct _PierOutputFile {
  char *path;     /* as named, for messages */
  int fd;
  int dir_fd;     /* replaced: the directory of the file replaced; -1 when written in place */
  char *name;     /* replaced: its name there */
  char *tmp_name; /* replaced: the temporary file beside it */
  gboolean committed;
};

typedef enum {
  TARGET_REPLACE,
  TARGET_IN_PLACE,
} TargetKind;

/* Where writing @path leads, its symlinks followed one at a time: the directory and name of a
 * regular file to replace (or to create), or something to write in place. */
static gboolean
resolve_target (const char *path, TargetKind *kind, char **out_dir, char **out_name,
                GError **error)
{
  g_autofree char *current = g_strdup (path);

  for (guint links = 0; links <= MAX_LINKS; links++)
    {
      g_autofree char *dir = g_path_get_dirname (current);
      g_autofree char *name = g_path_get_basename (current);
      g_autofree char *real_dir = realpath (dir, NULL);
      g_autofree char *full = NULL;
      char target[PATH_MAX];
      struct stat st;
      ssize_t n;

      if (real_dir == NULL)
        return pier_set_errno (error, errno, "%s", path);
      /* /dev/stdout, /dev/fd/N: a link to a descriptor, not to a place. */
      if (strcmp (real_dir, "/proc") == 0 || g_str_has_prefix (real_dir, "/proc/"))
        {
          *kind = TARGET_IN_PLACE;
          return TRUE;
        }
      if (strcmp (name, "/") == 0 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        return pier_set_errno (error, EISDIR, "%s", path);
      full = g_build_filename (real_dir, name, NULL);
      if (lstat (full, &st) < 0)
        {
          if (errno != ENOENT)
            return pier_set_errno (error, errno, "%s", path);
          st.st_mode = S_IFREG; /* made as one */
        }
      if (S_ISREG (st.st_mode))
        {
          *kind = TARGET_REPLACE;
          *out_dir = g_steal_pointer (&real_dir);
          *out_name = g_steal_pointer (&name);
          return TRUE;
        }
      if (S_ISDIR (st.st_mode))
        return pier_set_errno (error, EISDIR, "%s", path);
      if (!S_ISLNK (st.st_mode))
        {
          *kind = TARGET_IN_PLACE;
          return TRUE;
        }
      n = readlink (full, target, sizeof target - 1);
      if (n < 0)
        return pier_set_errno (error, errno, "%s", path);
      target[n] = '\0';
      g_free (current);
      current = target[0] == '/' ? g_strdup (target) : g_build_filename (real_dir, target, NULL);
    }
  return pier_set_errno (error, ELOOP, "%s", path);
}

PierOutputFile *
pier_output_file_open (const char *path, mode_t mode, GError **error)
{
  g_autoptr (PierOutputFile) out = g_new0 (PierOutputFile, 1);
  g_autofree char *dir = NULL;
  TargetKind kind;

  out->path = g_strdup (path);
  out->fd = out->dir_fd = -1;
  if (!resolve_target (path, &kind, &dir, &out->name, error))
    return NULL;
  if (kind == TARGET_IN_PLACE)
    {
      out->fd = open (path, O_WRONLY | O_TRUNC | O_NOCTTY | O_CLOEXEC);
      if (out->fd < 0)
        {
          pier_set_errno (error, errno, _("opening %s"), path);
          return NULL;
        }
      return g_steal_pointer (&out);
    }
  out->dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (out->dir_fd < 0)
    return NULL;
  out->tmp_name = g_strdup_printf (".%s.partial-%08x", out->name, g_random_int ());
  out->fd = openat (out->dir_fd, out->tmp_name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (out->fd < 0)
    {
      pier_set_errno (error, errno, _("creating a file beside %s"), path);
      g_clear_pointer (&out->tmp_name, g_free);
      return NULL;
    }
  return g_steal_pointer (&out);
}

int
pier_output_file_get_fd (PierOutputFile *out)
{
  return out->fd;
}

gboolean
pier_output_file_commit (PierOutputFile *out, GError **error)
{
  if (out->tmp_name == NULL)
    {
      out->committed = TRUE;
      return TRUE;
    }
  if (fsync (out->fd) < 0)
    return pier_set_errno (error, errno, _("writing %s"), out->path);
  if (renameat (out->dir_fd, out->tmp_name, out->dir_fd, out->name) < 0)
    return pier_set_errno (error, errno, _("replacing %s"), out->path);
  out->committed = TRUE;
  if (fsync (out->dir_fd) < 0)
    return pier_set_errno (error, errno, _("syncing the folder of %s"), out->path);
  return TRUE;
}

void
pier_output_file_free (PierOutputFile *out)
{
  if (out == NULL)
    return;
  if (out->tmp_name != NULL && !out->committed)
    unlinkat (out->dir_fd, out->tmp_name, 0);
  pier_close_fd_ptr (&out->fd);
  pier_close_fd_ptr (&out->dir_fd);
  g_free (out->path);
  g_free (out->name);
  g_free (out->tmp_name);
  g_free (out);
}

gboolean
pier_output_file_write (const char *path, const void *data, gsize len, mode_t mode,
                        GError **error)
{
  g_autoptr (PierOutputFile) out = pier_output_file_open (path, mode, error);

  if (out == NULL)
    return FALSE;
  if (!pier_fs_write_all (out->fd, data, len, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return pier_output_file_commit (out, error);
}
