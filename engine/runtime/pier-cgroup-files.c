/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cgroup filesystem as both backends see it: its mounts, the caller's own place in it,
 * and reading and writing its files. */
#include "pier-cgroup-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
cgroup_mount_free (PierCgroupMount *mount)
{
  g_free (mount->mount_point);
  g_free (mount->root);
  g_strfreev (mount->controllers);
  g_free (mount);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *
unescape_mountinfo (const char *field)
{
  GString *out = g_string_new (NULL);

  for (const char *p = field; *p; p++)
    {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0'
          && p[3] <= '7')
        {
          g_string_append_c (out,
                             (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

GPtrArray *
pier_cgroup_read_mounts (GError **error)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) mounts =
      g_ptr_array_new_with_free_func ((GDestroyNotify) cgroup_mount_free);

  if (!pier_fs_read_all_at (AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &data, NULL, error))
    return NULL;
  lines = g_strsplit (data, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      g_auto (GStrv) fields = g_strsplit (*line, " ", -1);
      guint n = g_strv_length (fields);
      guint sep;
      PierCgroupMount *mount;

      for (sep = 6; sep < n && strcmp (fields[sep], "-") != 0; sep++)
        ;
      if (sep + 3 >= n)
        continue;
      if (strcmp (fields[sep + 1], "cgroup") != 0 && strcmp (fields[sep + 1], "cgroup2") != 0)
        continue;
      mount = g_new0 (PierCgroupMount, 1);
      mount->root = unescape_mountinfo (fields[3]);
      mount->mount_point = unescape_mountinfo (fields[4]);
      mount->is_v2 = strcmp (fields[sep + 1], "cgroup2") == 0;
      if (!mount->is_v2)
        mount->controllers = g_strsplit (fields[sep + 3], ",", -1);
      g_ptr_array_add (mounts, mount);
    }
  return g_steal_pointer (&mounts);
}

char *
pier_cgroup_read_self (void)
{
  char *data = NULL;

  pier_fs_read_all_at (AT_FDCWD, "/proc/self/cgroup", 1 << 20, &data, NULL, NULL);
  return data;
}

char *
pier_cgroup_own_path (const char *self_cgroup, const char *controller)
{
  g_auto (GStrv) lines = NULL;

  if (self_cgroup == NULL)
    return NULL;
  lines = g_strsplit (self_cgroup, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      /* hierarchy-id:controller-list:path; the path may itself contain ':'. */
      char *first = strchr (*line, ':');
      char *second = first ? strchr (first + 1, ':') : NULL;
      g_autofree char *list = NULL;
      g_auto (GStrv) names = NULL;

      if (second == NULL)
        continue;
      list = g_strndup (first + 1, second - first - 1);
      if (controller == NULL)
        {
          if (*list == '\0' && g_str_has_prefix (*line, "0:"))
            return g_strdup (second + 1);
          continue;
        }
      names = g_strsplit (list, ",", -1);
      if (g_strv_contains ((const char *const *) names, controller))
        return g_strdup (second + 1);
    }
  return NULL;
}

char *
pier_cgroup_own_dir (const PierCgroupMount *mount, const char *own_path)
{
  const char *rel = own_path;
  gsize root_len = strlen (mount->root);

  /* Seen from a mount of a sub-tree (inside another container), own paths still start at the
   * hierarchy's root. */
  if (strcmp (mount->root, "/") != 0 && strncmp (own_path, mount->root, root_len) == 0
      && (own_path[root_len] == '/' || own_path[root_len] == '\0'))
    rel = own_path + root_len;
  return g_build_filename (mount->mount_point, rel, NULL);
}

char *
pier_cgroup_container_dir (const char *own_dir, const char *id)
{
  return g_build_filename (own_dir, "pier", id, NULL);
}

const char *
pier_cgroup_dir_with (PierCgroup *cgroup, const char *file)
{
  for (guint i = 0; i + 1 < cgroup->dirs->len; i++)
    {
      g_autofree char *path = g_build_filename (cgroup->dirs->pdata[i], file, NULL);
      if (access (path, F_OK) == 0)
        return cgroup->dirs->pdata[i];
    }
  return NULL;
}

gboolean
pier_cgroup_limits_demanded (const PierCgroupLimits *limits)
{
  return limits->memory_bytes > 0 || limits->cpus > 0
         || (limits->pids_limit > 0 && !limits->pids_limit_optional);
}

gboolean
pier_cgroup_write_file (const char *dir, const char *name, const char *value, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  pier_autofd int fd = open (path, O_WRONLY | O_CLOEXEC);
  gsize len = strlen (value);

  if (fd < 0)
    return pier_set_errno (error, errno, _("opening %s"), path);
  if (write (fd, value, len) != (ssize_t) len)
    return pier_set_errno (error, errno, _("writing “%s” to %s"), value, path);
  return TRUE;
}

gboolean
pier_cgroup_read_u64 (const char *dir, const char *name, guint64 *out)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);
  char buf[64];
  ssize_t n;
  char *end;

  if (fd < 0)
    return FALSE;
  n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  *out = g_ascii_strtoull (buf, &end, 10);
  return end != buf;
}

gboolean
pier_cgroup_mkdir (const char *dir, GError **error)
{
  g_autofree char *parent = NULL;

  if (mkdir (dir, 0755) == 0 || errno == EEXIST)
    return TRUE;
  /* The parent "pier" is shared by every container and left in place: made once. */
  parent = g_path_get_dirname (dir);
  if (errno != ENOENT || (mkdir (parent, 0755) < 0 && errno != EEXIST)
      || (mkdir (dir, 0755) < 0 && errno != EEXIST))
    return pier_set_errno (error, errno, _("creating cgroup %s"), dir);
  return TRUE;
}
