/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-user.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

void
pier_container_user_free (PierContainerUser *user)
{
  if (user == NULL)
    return;
  g_clear_pointer (&user->groups, g_array_unref);
  g_free (user->home);
  g_free (user);
}

static gboolean
is_whiteout (int dir_fd, const char *name)
{
  struct stat st;
  return fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR (st.st_mode) &&
         st.st_rdev == makedev (0, 0);
}

static gboolean
is_opaque (int dir_fd)
{
  char value[2];
  return fgetxattr (dir_fd, "trusted.overlay.opaque", value, sizeof value) == 1 ||
         fgetxattr (dir_fd, "user.overlay.opaque", value, sizeof value) == 1;
}

#define MAX_ID_FILE_SIZE (4 << 20)

/* Symlinks the merged view follows for one file (Linux allows 40 for a whole path). */
#define MAX_LINKS 8

static char *
read_merged (const char *const *layer_dirs, const char *path, gsize max_len, guint links,
             GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);

  for (const char *const *layer = layer_dirs; layer && *layer; layer++)
    {
      pier_autofd int root_fd = open (*layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      pier_autofd int dir_fd = -1;
      char target[PATH_MAX];
      char *data = NULL;
      struct stat st;
      ssize_t n;

      if (root_fd < 0)
        continue;
      dir_fd = pier_fs_open_in_root (root_fd, dir, O_RDONLY | O_DIRECTORY, 0);
      if (dir_fd < 0)
        continue;
      if (is_whiteout (dir_fd, base))
        return NULL;
      if (fstatat (dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (is_opaque (dir_fd))
            return NULL;
          continue;
        }
      if (!S_ISLNK (st.st_mode))
        {
          /* The container made it: it may be a FIFO that would block the open, or huge. */
          if (!pier_fs_read_regular_in_root (root_fd, path, 0, max_len, &data, NULL, error))
            return NULL;
          return data;
        }
      /* A link is followed in the merged view, where its target may come from another layer. */
      n = readlinkat (dir_fd, base, target, sizeof target - 1);
      if (n < 0)
        {
          pier_set_errno (error, errno, _("reading the symlink %s"), path);
          return NULL;
        }
      target[n] = '\0';
      if (links >= MAX_LINKS)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("%s: too many levels of symbolic links"), path);
          return NULL;
        }
      {
        g_autofree char *next = g_canonicalize_filename (target, dir);
        return read_merged (layer_dirs, next, max_len, links + 1, error);
      }
    }
  return NULL;
}

char *
pier_layers_read_file (const char *const *layer_dirs, const char *path, gsize max_len,
                       GError **error)
{
  return read_merged (layer_dirs, path, max_len, 0, error);
}

/* The fields of the line of a passwd or group file whose name (or, when numeric, id) is @key. */
static GStrv
find_entry (const char *file, const char *key)
{
  g_auto (GStrv) lines = NULL;

  if (file == NULL)
    return NULL;
  lines = g_strsplit (file, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) fields = g_strsplit (*l, ":", -1);
      if (g_strv_length (fields) < 4 || fields[0][0] == '#')
        continue;
      if (strcmp (fields[0], key) == 0)
        return g_steal_pointer (&fields);
    }
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) fields = g_strsplit (*l, ":", -1);
      if (g_strv_length (fields) >= 4 && strcmp (fields[2], key) == 0)
        return g_steal_pointer (&fields);
    }
  return NULL;
}

static gboolean
parse_id (const char *text, guint32 *out)
{
  guint64 v;

  if (text == NULL || *text == '\0' || !g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32 - 1, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}

PierContainerUser *
pier_container_user_resolve (const char *spec, const char *const *layer_dirs, GError **error)
{
  g_autoptr (PierContainerUser) user = g_new0 (PierContainerUser, 1);
  g_autoptr (GError) passwd_error = NULL;
  g_autoptr (GError) group_error = NULL;
  /* Unreadable, they are as good as absent for numeric ids (as runc has them); a name looked
   * up in them fails saying why. */
  g_autofree char *passwd = pier_layers_read_file (layer_dirs, "/etc/passwd", MAX_ID_FILE_SIZE,
                                                   &passwd_error);
  g_autofree char *group = pier_layers_read_file (layer_dirs, "/etc/group", MAX_ID_FILE_SIZE,
                                                  &group_error);
  g_autofree char *user_part = NULL;
  const char *group_part = NULL;
  g_auto (GStrv) pw = NULL;
  const char *name = NULL;
  const char *colon;

  user->groups = g_array_new (FALSE, FALSE, sizeof (guint32));
  if (spec == NULL || *spec == '\0')
    spec = "0";
  colon = strchr (spec, ':');
  user_part = colon ? g_strndup (spec, colon - spec) : g_strdup (spec);
  group_part = colon ? colon + 1 : NULL;
  pw = find_entry (passwd, user_part);
  if (pw != NULL)
    {
      name = pw[0];
      if (!parse_id (pw[2], &user->uid) || !parse_id (pw[3], &user->gid))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the container's /etc/passwd has a bad entry for “%s”"), user_part);
          return NULL;
        }
      user->home = g_strdup (g_strv_length (pw) > 5 && *pw[5] ? pw[5] : "/");
    }
  else if (parse_id (user_part, &user->uid))
    {
      /* A numeric user the image does not know runs with group 0, as Docker does. */
      user->gid = 0;
      user->home = g_strdup ("/");
    }
  else
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("unable to find user %s: %s"), user_part,
                   passwd_error ? passwd_error->message
                                : "no matching entries in the container's /etc/passwd");
      return NULL;
    }
  if (group_part != NULL)
    {
      g_auto (GStrv) gr = find_entry (group, group_part);
      if (gr != NULL)
        parse_id (gr[2], &user->gid);
      else if (!parse_id (group_part, &user->gid))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       _("unable to find group %s: %s"), group_part,
                       group_error ? group_error->message
                                   : "no matching entries in the container's /etc/group");
          return NULL;
        }
    }
  else if (name != NULL && group != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (group, "\n", -1);
      for (char **l = lines; *l; l++)
        {
          g_auto (GStrv) fields = g_strsplit (*l, ":", -1);
          guint32 gid;
          if (g_strv_length (fields) < 4 || !parse_id (fields[2], &gid) || gid == user->gid)
            continue;
          g_auto (GStrv) members = g_strsplit (fields[3], ",", -1);
          if (g_strv_contains ((const char *const *) members, name))
            g_array_append_val (user->groups, gid);
        }
    }
  return g_steal_pointer (&user);
}
