/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which layer of a container's overlay stack provides a file: the provenance of a process's
 * executable. */
#include "pier-exe-layer.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_SYMLINKS 40

typedef struct {
  guint layer;
  int fd;
} LayerDir;

static void
layer_dirs_free (gpointer p)
{
  GArray *dirs = p;

  for (guint i = 0; i < dirs->len; i++)
    close (g_array_index (dirs, LayerDir, i).fd);
  g_array_unref (dirs);
}

static gboolean
is_opaque (int dirfd)
{
  char v[2];

  if (fgetxattr (dirfd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
    return TRUE;
  return fgetxattr (dirfd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

static void
push_components (GQueue *queue, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = g_strv_length (parts); i > 0; i--)
    if (parts[i - 1][0] != '\0' && strcmp (parts[i - 1], ".") != 0)
      g_queue_push_head (queue, g_strdup (parts[i - 1]));
}

/* Each step looks a name up in every layer directory that makes up the current merged
 * directory, top first, as overlayfs does: a whiteout hides what lies below, a non-directory
 * ends the lookup (and is ignored under a directory found above), directories merge until an
 * opaque one. Names are single components without "." or "..", opened with O_NOFOLLOW relative
 * to a layer's directory descriptor, so nothing resolves outside the layers. */
int
pier_process_exe_layer (const char *exe_path, const int *layer_dirfds, guint n_layers,
                        GError **error)
{
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (layer_dirs_free);
  g_autoptr (GError) local_error = NULL;
  GQueue queue = G_QUEUE_INIT;
  GArray *root = g_array_new (FALSE, FALSE, sizeof (LayerDir));
  guint n_links = 0;
  int result = -1;

  g_ptr_array_add (frames, root);
  for (guint i = 0; i < n_layers; i++)
    {
      LayerDir ld = { i, fcntl (layer_dirfds[i], F_DUPFD_CLOEXEC, 3) };
      if (ld.fd < 0)
        {
          pier_set_errno (error, errno, _("layer %u"), i);
          return -1;
        }
      g_array_append_val (root, ld);
    }
  push_components (&queue, exe_path);
  while (!g_queue_is_empty (&queue))
    {
      g_autofree char *name = g_queue_pop_head (&queue);
      GArray *dir = g_ptr_array_index (frames, frames->len - 1);
      GArray *sub;
      int found = -1, found_fd = -1;
      mode_t found_mode = 0;

      if (strcmp (name, "..") == 0)
        {
          if (frames->len > 1)
            g_ptr_array_remove_index (frames, frames->len - 1);
          continue;
        }
      sub = g_array_new (FALSE, FALSE, sizeof (LayerDir));
      for (guint i = 0; i < dir->len; i++)
        {
          const LayerDir *ld = &g_array_index (dir, LayerDir, i);
          LayerDir child = { ld->layer, -1 };
          struct stat st;

          if (fstatat (ld->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            {
              if (errno == ENOENT)
                continue;
              pier_set_errno (&local_error, errno, _("“%s”: looking up “%s” in layer %u"), exe_path,
                              name, ld->layer);
              break;
            }
          if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
            break;
          if (found < 0)
            {
              found = (int) ld->layer;
              found_fd = ld->fd;
              found_mode = st.st_mode;
            }
          if (!S_ISDIR (st.st_mode))
            break;
          child.fd = openat (ld->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (child.fd < 0)
            {
              pier_set_errno (&local_error, errno,
                              _("“%s”: opening “%s” in layer %u"), exe_path, name,
                              ld->layer);
              break;
            }
          g_array_append_val (sub, child);
          if (is_opaque (child.fd))
            break;
        }
      if (local_error != NULL)
        {
          layer_dirs_free (sub);
          break;
        }
      if (found < 0)
        {
          g_set_error (&local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       _("“%s”: no layer provides “%s” (whited out, or not from the image)"),
                       exe_path, name);
          layer_dirs_free (sub);
          break;
        }
      if (S_ISLNK (found_mode))
        {
          char target[4096];
          gssize n = readlinkat (found_fd, name, target, sizeof target - 1);

          layer_dirs_free (sub);
          if (n < 0)
            {
              pier_set_errno (&local_error, errno,
                              _("“%s”: reading the link “%s”"), exe_path, name);
              break;
            }
          if (++n_links > MAX_SYMLINKS)
            {
              g_set_error (&local_error, PIER_ERROR, PIER_ERROR_INVALID,
                           _("“%s”: too many levels of symbolic links"), exe_path);
              break;
            }
          target[n] = '\0';
          if (target[0] == '/')
            g_ptr_array_set_size (frames, 1);
          push_components (&queue, target);
          continue;
        }
      if (g_queue_is_empty (&queue))
        {
          layer_dirs_free (sub);
          result = found;
          break;
        }
      if (!S_ISDIR (found_mode))
        {
          g_set_error (&local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       _("“%s”: “%s” is not a directory"), exe_path, name);
          layer_dirs_free (sub);
          break;
        }
      g_ptr_array_add (frames, sub);
    }
  g_queue_clear_full (&queue, g_free);
  if (result < 0 && local_error == NULL) /* "/", or a path that ends climbing with ".." */
    g_set_error (&local_error, PIER_ERROR, PIER_ERROR_INVALID, _("“%s” does not name a file"),
                 exe_path);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return result;
}
