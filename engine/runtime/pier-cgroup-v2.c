/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cgroup v2: one tree; controllers must be enabled in every ancestor's subtree_control. */
#include "pier-cgroup-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const v2_controllers[] = { "memory", "cpu", "pids" };

static void
enable_controllers (const char *dir)
{
  for (gsize i = 0; i < G_N_ELEMENTS (v2_controllers); i++)
    {
      g_autofree char *value = g_strconcat ("+", v2_controllers[i], NULL);
      /* One at a time: a controller the parent lacks must not keep the others off. What is
       * missing in the end shows as a missing limit file, which apply_limits() reports. */
      pier_cgroup_write_file (dir, "cgroup.subtree_control", value, NULL);
    }
}

static gboolean
v2_create (PierCgroup *cgroup, const char *container_id, gboolean rootless,
           const PierCgroupLimits *limits, GPtrArray *warnings, GError **error)
{
  g_autoptr (GPtrArray) mounts = pier_cgroup_read_mounts (error);
  const PierCgroupMount *mount = NULL;
  g_autofree char *own_dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *dir = NULL;

  if (mounts == NULL)
    return FALSE;
  for (guint i = 0; i < mounts->len && mount == NULL; i++)
    if (((PierCgroupMount *) mounts->pdata[i])->is_v2)
      mount = mounts->pdata[i];
  if (mount == NULL)
    return TRUE;

  if (!rootless && geteuid () == 0)
    own_dir = g_strdup (mount->mount_point);
  else
    {
      g_autofree char *self = pier_cgroup_read_self ();
      g_autofree char *own = pier_cgroup_own_path (self, NULL);
      if (own == NULL)
        return TRUE;
      own_dir = pier_cgroup_own_dir (mount, own);
      if (access (own_dir, W_OK) < 0)
        {
          if (pier_cgroup_limits_demanded (limits))
            g_ptr_array_add (warnings,
                             g_strdup_printf (_("the cgroup %s is not delegated to this user: "
                                                "limits are not applied"),
                                              own_dir));
          return TRUE;
        }
    }

  dir = pier_cgroup_container_dir (own_dir, container_id);
  parent = g_path_get_dirname (dir);
  if (mkdir (parent, 0755) < 0 && errno != EEXIST)
    return pier_set_errno (error, errno, _("creating cgroup %s"), parent);
  enable_controllers (own_dir);
  enable_controllers (parent);
  if (!pier_cgroup_mkdir (dir, error))
    return FALSE;
  g_ptr_array_insert (cgroup->dirs, 0, g_steal_pointer (&dir));
  return TRUE;
}

static void
apply_one (PierCgroup *cgroup, const char *file, const char *value, const char *what,
           GPtrArray *warnings)
{
  const char *dir = cgroup->dirs->pdata[0];
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) error = NULL;

  if (access (path, F_OK) < 0)
    g_ptr_array_add (warnings, g_strdup_printf (_("%s not applied: the cgroup v2 controller for "
                                                  "%s is not enabled in %s"),
                                                what, file, dir));
  else if (!pier_cgroup_write_file (dir, file, value, &error))
    g_ptr_array_add (warnings, g_strdup_printf (_("%s not applied: %s"), what, error->message));
}

static void
v2_apply_limits (PierCgroup *cgroup, const PierCgroupLimits *limits, GPtrArray *warnings)
{
  char value[64];

  if (limits->memory_bytes > 0)
    {
      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT, limits->memory_bytes);
      apply_one (cgroup, "memory.max", value, "memory limit", warnings);
    }
  if (limits->cpus > 0)
    {
      const guint64 period = 100000;
      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                  MAX ((guint64) 1000, (guint64) (limits->cpus * (double) period + 0.5)),
                  period);
      apply_one (cgroup, "cpu.max", value, "CPU limit", warnings);
    }
  if (limits->pids_limit > 0)
    {
      g_autofree char *file = g_build_filename (cgroup->dirs->pdata[0], "pids.max", NULL);

      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT, limits->pids_limit);
      if (!limits->pids_limit_optional || access (file, F_OK) == 0)
        apply_one (cgroup, "pids.max", value, "pids limit", warnings);
    }
}

static gboolean
read_cpu_usage (const char *dir, guint64 *out_ns)
{
  g_autofree char *path = g_build_filename (dir, "cpu.stat", NULL);
  g_autofree char *data = NULL;
  const char *line;

  if (!g_file_get_contents (path, &data, NULL, NULL))
    return FALSE;
  line = strstr (data, "usage_usec ");
  if (line == NULL || (line != data && line[-1] != '\n'))
    return FALSE;
  *out_ns = g_ascii_strtoull (line + strlen ("usage_usec "), NULL, 10) * 1000;
  return TRUE;
}

static void
v2_get_stats (PierCgroup *cgroup, PierCgroupStats *stats)
{
  const char *dir = cgroup->dirs->pdata[0];

  stats->has_memory = pier_cgroup_read_u64 (dir, "memory.current", &stats->memory_bytes);
  stats->has_cpu = read_cpu_usage (dir, &stats->cpu_ns);
  stats->has_pids = pier_cgroup_read_u64 (dir, "pids.current", &stats->pids);
}

static gboolean
v2_kill_all (PierCgroup *cgroup)
{
  return pier_cgroup_write_file (cgroup->dirs->pdata[0], "cgroup.kill", "1", NULL);
}

const PierCgroupBackend pier_cgroup_v2_backend = {
  .name = "v2",
  .create = v2_create,
  .apply_limits = v2_apply_limits,
  .get_stats = v2_get_stats,
  .kill_all = v2_kill_all,
};
