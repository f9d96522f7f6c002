/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-cgroup-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

static PierCgroup *
cgroup_new (const PierCgroupBackend *backend)
{
  PierCgroup *cgroup = g_new0 (PierCgroup, 1);

  cgroup->backend = backend;
  cgroup->dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (cgroup->dirs, NULL);
  return cgroup;
}

void
pier_cgroup_free (PierCgroup *cgroup)
{
  if (cgroup == NULL)
    return;
  g_ptr_array_unref (cgroup->dirs);
  g_free (cgroup);
}

static const PierCgroupBackend *
probe_backend (void)
{
  struct statfs sfs;
  const PierCgroupBackend *backend = &pier_cgroup_v1_backend;

  if (statfs (CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    backend = &pier_cgroup_v2_backend;
  g_debug ("cgroup backend %s: %s", backend->name,
           backend == &pier_cgroup_v2_backend ? CGROUP_ROOT " is cgroup2"
                                              : CGROUP_ROOT " is not cgroup2");
  return backend;
}

PierCgroup *
pier_cgroup_create (const char *container_id, gboolean rootless, const PierCgroupLimits *limits,
                    GPtrArray *warnings, GError **error)
{
  return pier_cgroup_create_with_backend (probe_backend (), container_id, rootless, limits,
                                          warnings, error);
}

PierCgroup *
pier_cgroup_create_with_backend (const PierCgroupBackend *backend, const char *container_id,
                                 gboolean rootless, const PierCgroupLimits *limits,
                                 GPtrArray *warnings, GError **error)
{
  g_autoptr (PierCgroup) cgroup = cgroup_new (backend);

  if (!cgroup->backend->create (cgroup, container_id, rootless, limits, warnings, error))
    {
      pier_cgroup_destroy (cgroup, NULL);
      return NULL;
    }
  if (cgroup->dirs->len == 1)
    return NULL;
  cgroup->backend->apply_limits (cgroup, limits, warnings);
  return g_steal_pointer (&cgroup);
}

PierCgroup *
pier_cgroup_open (const char *backend_name, const char *const *dirs, GError **error)
{
  const PierCgroupBackend *backend = NULL;
  PierCgroup *cgroup;

  if (g_strcmp0 (backend_name, pier_cgroup_v1_backend.name) == 0)
    backend = &pier_cgroup_v1_backend;
  else if (g_strcmp0 (backend_name, pier_cgroup_v2_backend.name) == 0)
    backend = &pier_cgroup_v2_backend;
  if (backend == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("unknown cgroup backend “%s”"),
                   backend_name ? backend_name : "");
      return NULL;
    }
  cgroup = cgroup_new (backend);
  for (gsize i = 0; dirs != NULL && dirs[i] != NULL; i++)
    g_ptr_array_insert (cgroup->dirs, cgroup->dirs->len - 1, g_strdup (dirs[i]));
  return cgroup;
}

const char *
pier_cgroup_get_backend_name (PierCgroup *cgroup)
{
  return cgroup->backend->name;
}

const char *const *
pier_cgroup_get_dirs (PierCgroup *cgroup)
{
  return (const char *const *) cgroup->dirs->pdata;
}

gboolean
pier_cgroup_add_pid (PierCgroup *cgroup, pid_t pid, GError **error)
{
  char text[32];

  g_snprintf (text, sizeof text, "%d", (int) pid);
  for (guint i = 0; i + 1 < cgroup->dirs->len; i++)
    if (!pier_cgroup_write_file (cgroup->dirs->pdata[i], "cgroup.procs", text, error))
      {
        g_prefix_error (error, _("joining the container's cgroup: "));
        return FALSE;
      }
  return TRUE;
}

gboolean
pier_cgroup_get_stats (PierCgroup *cgroup, PierCgroupStats *stats, GError **error)
{
  memset (stats, 0, sizeof *stats);
  if (cgroup->dirs->len <= 1 || !g_file_test (cgroup->dirs->pdata[0], G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("the container's cgroup is gone"));
      return FALSE;
    }
  cgroup->backend->get_stats (cgroup, stats);
  return TRUE;
}

static void
kill_listed (const char *dir)
{
  g_autofree char *procs = NULL;
  g_autofree char *path = g_build_filename (dir, "cgroup.procs", NULL);
  g_auto (GStrv) pids = NULL;

  if (!pier_fs_read_all_at (AT_FDCWD, path, 16 << 20, &procs, NULL, NULL))
    return;
  pids = g_strsplit (procs, "\n", -1);
  for (char **p = pids; *p; p++)
    if (**p != '\0')
      kill ((pid_t) atoi (*p), SIGKILL);
}

gboolean
pier_cgroup_destroy (PierCgroup *cgroup, GError **error)
{
  gboolean killed = FALSE;

  for (guint i = 0; i + 1 < cgroup->dirs->len; i++)
    {
      const char *dir = cgroup->dirs->pdata[i];

      /* The last of a PID namespace's processes may still be on its way out; removal waits
       * for them up to a second. */
      for (int attempt = 0;; attempt++)
        {
          if (rmdir (dir) == 0 || errno == ENOENT)
            break;
          if (errno != EBUSY || attempt == 200)
            return pier_set_errno (error, errno, _("removing cgroup %s"), dir);
          if (!killed)
            killed = cgroup->backend->kill_all (cgroup);
          if (!killed)
            kill_listed (dir);
          g_usleep (5000);
        }
    }
  return TRUE;
}

static void
ns_mount_free (PierCgroupNsMount *m)
{
  g_free (m->subdir);
  g_free (m->fstype);
  g_strfreev (m->options);
  g_free (m);
}

/* The mount a cgroup directory lies in: the one whose mount point is its longest prefix. */
static const PierCgroupMount *
mount_of (GPtrArray *mounts, const char *dir)
{
  const PierCgroupMount *best = NULL;

  for (guint i = 0; i < mounts->len; i++)
    {
      const PierCgroupMount *m = mounts->pdata[i];
      gsize len = strlen (m->mount_point);

      if (strncmp (dir, m->mount_point, len) == 0 && (dir[len] == '/' || dir[len] == '\0')
          && (best == NULL || len > strlen (best->mount_point)))
        best = m;
    }
  return best;
}

/* The hierarchy's controllers among its mount options ("rw,nosuid,memory" → "memory"): the
 * names /proc/cgroups lists, and a named hierarchy's name. */
static GStrv
hierarchy_options (const PierCgroupMount *mount, const char *proc_cgroups)
{
  g_autoptr (GStrvBuilder) options = g_strv_builder_new ();
  g_auto (GStrv) lines = g_strsplit (proc_cgroups ? proc_cgroups : "", "\n", -1);
  g_autoptr (GPtrArray) known = g_ptr_array_new_with_free_func (g_free);

  for (char **line = lines; *line; line++)
    if (**line != '#' && **line != '\0')
      g_ptr_array_add (known, g_strndup (*line, strcspn (*line, "\t ")));
  for (char **option = mount->controllers; option && *option; option++)
    if (g_str_has_prefix (*option, "name=")
        || g_ptr_array_find_with_equal_func (known, *option, g_str_equal, NULL))
      g_strv_builder_add (options, *option);
  return g_strv_builder_end (options);
}

GPtrArray *
pier_cgroup_get_namespace_mounts (PierCgroup *cgroup, GError **error)
{
  g_autoptr (GPtrArray) mounts = pier_cgroup_read_mounts (error);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) ns_mount_free);
  g_autofree char *proc_cgroups = NULL;

  if (mounts == NULL)
    return NULL;
  pier_fs_read_all_at (AT_FDCWD, "/proc/cgroups", 1 << 20, &proc_cgroups, NULL, NULL);
  for (guint i = 0; i + 1 < cgroup->dirs->len; i++)
    {
      const PierCgroupMount *mount = mount_of (mounts, cgroup->dirs->pdata[i]);
      PierCgroupNsMount *m;

      if (mount == NULL)
        continue;
      m = g_new0 (PierCgroupNsMount, 1);
      m->fstype = g_strdup (mount->is_v2 ? "cgroup2" : "cgroup");
      if (cgroup->backend != &pier_cgroup_v2_backend)
        m->subdir = g_path_get_basename (mount->mount_point);
      if (!mount->is_v2)
        m->options = hierarchy_options (mount, proc_cgroups);
      g_ptr_array_add (out, m);
    }
  return g_steal_pointer (&out);
}
