/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cgroup v1: one hierarchy per controller (or per group of co-mounted controllers), and on
 * hybrid hosts a v2 tree beside them that only tracks membership. */
#include "pier-cgroup-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The controllers a container's cgroup is made in, each with the file that tells its
 * hierarchy's directory apart; the unified tree comes in addition. */
static const struct {
  const char *name;
  const char *file;
} v1_controllers[] = {
  { "memory", "memory.limit_in_bytes" },
  { "cpu", "cpu.cfs_quota_us" },
  { "cpuacct", "cpuacct.usage" },
  { "pids", "pids.max" },
};

static const PierCgroupMount *
find_mount (GPtrArray *mounts, const char *controller)
{
  for (guint i = 0; i < mounts->len; i++)
    {
      const PierCgroupMount *mount = mounts->pdata[i];
      if (controller == NULL ? mount->is_v2
                             : (!mount->is_v2
                                && g_strv_contains ((const char *const *) mount->controllers,
                                                    controller)))
        return mount;
    }
  return NULL;
}

static gboolean
has_dir (PierCgroup *cgroup, const char *dir)
{
  for (guint i = 0; i + 1 < cgroup->dirs->len; i++)
    if (strcmp (cgroup->dirs->pdata[i], dir) == 0)
      return TRUE;
  return FALSE;
}

static void
add_dir (PierCgroup *cgroup, char *dir)
{
  g_ptr_array_insert (cgroup->dirs, cgroup->dirs->len - 1, dir);
}

static gboolean
v1_create (PierCgroup *cgroup, const char *container_id, gboolean rootless,
           const PierCgroupLimits *limits, GPtrArray *warnings, GError **error)
{
  g_autoptr (GPtrArray) mounts = pier_cgroup_read_mounts (error);
  g_autoptr (GPtrArray) unusable = g_ptr_array_new ();
  g_autofree char *self = pier_cgroup_read_self ();
  const PierCgroupMount *v2;

  if (mounts == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (v1_controllers); i++)
    {
      const PierCgroupMount *mount = find_mount (mounts, v1_controllers[i].name);
      g_autofree char *own = NULL;
      g_autofree char *own_dir = NULL;
      g_autofree char *dir = NULL;

      if (mount == NULL)
        continue;
      own = pier_cgroup_own_path (self, v1_controllers[i].name);
      if (own == NULL)
        continue;
      own_dir = pier_cgroup_own_dir (mount, own);
      dir = pier_cgroup_container_dir (own_dir, container_id);
      if (has_dir (cgroup, dir))
        continue;
      /* v1 hierarchies belong to root: a rootless user can use one only if it was handed
       * over (delegated) to them. */
      if (rootless && access (own_dir, W_OK) < 0)
        {
          g_ptr_array_add (unusable, (gpointer) v1_controllers[i].name);
          continue;
        }
      if (!pier_cgroup_mkdir (dir, error))
        return FALSE;
      add_dir (cgroup, g_steal_pointer (&dir));
    }

  /* Hybrid: the v2 tree has no controllers here but keeps membership consistent with v1, for
   * the container's cgroup namespace and for tools that read it. */
  v2 = find_mount (mounts, NULL);
  if (v2 != NULL && cgroup->dirs->len > 1)
    {
      g_autofree char *own = pier_cgroup_own_path (self, NULL);
      g_autofree char *own_dir = own ? pier_cgroup_own_dir (v2, own) : NULL;
      g_autofree char *dir = own_dir ? pier_cgroup_container_dir (own_dir, container_id) : NULL;
      if (dir != NULL && pier_cgroup_mkdir (dir, NULL))
        add_dir (cgroup, g_steal_pointer (&dir));
    }

  if (unusable->len > 0 && pier_cgroup_limits_demanded (limits))
    {
      g_autofree char *names = NULL;

      g_ptr_array_add (unusable, NULL);
      names = g_strjoinv (", ", (char **) unusable->pdata);
      g_ptr_array_add (warnings,
                       g_strdup_printf (_("the cgroup v1 controllers %s are not delegated to this "
                                          "user: limits on them are not applied"),
                                        names));
    }
  return TRUE;
}

static void
apply_one (PierCgroup *cgroup, const char *controller, const char *file, const char *value,
           const char *what, GPtrArray *warnings)
{
  const char *dir = pier_cgroup_dir_with (cgroup, file);
  g_autoptr (GError) error = NULL;

  if (dir == NULL)
    g_ptr_array_add (warnings, g_strdup_printf (_("%s not applied: no usable cgroup v1 “%s” "
                                                  "hierarchy"),
                                                what, controller));
  else if (!pier_cgroup_write_file (dir, file, value, &error))
    g_ptr_array_add (warnings, g_strdup_printf (_("%s not applied: %s"), what, error->message));
}

static void
v1_apply_limits (PierCgroup *cgroup, const PierCgroupLimits *limits, GPtrArray *warnings)
{
  char value[64];

  if (limits->memory_bytes > 0)
    {
      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT, limits->memory_bytes);
      apply_one (cgroup, "memory", "memory.limit_in_bytes", value, "memory limit", warnings);
    }
  if (limits->cpus > 0)
    {
      const char *dir = pier_cgroup_dir_with (cgroup, "cpu.cfs_period_us");
      guint64 period = 100000;

      if (dir != NULL)
        pier_cgroup_read_u64 (dir, "cpu.cfs_period_us", &period);
      /* The kernel's floor for a quota is 1 ms. */
      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT,
                  MAX ((guint64) 1000, (guint64) (limits->cpus * (double) period + 0.5)));
      apply_one (cgroup, "cpu", "cpu.cfs_quota_us", value, "CPU limit", warnings);
    }
  if (limits->pids_limit > 0
      && (!limits->pids_limit_optional || pier_cgroup_dir_with (cgroup, "pids.max") != NULL))
    {
      g_snprintf (value, sizeof value, "%" G_GUINT64_FORMAT, limits->pids_limit);
      apply_one (cgroup, "pids", "pids.max", value, "pids limit", warnings);
    }
}

static void
v1_get_stats (PierCgroup *cgroup, PierCgroupStats *stats)
{
  const char *memory = pier_cgroup_dir_with (cgroup, "memory.usage_in_bytes");
  const char *cpuacct = pier_cgroup_dir_with (cgroup, "cpuacct.usage");
  const char *pids = pier_cgroup_dir_with (cgroup, "pids.current");

  stats->has_memory = memory && pier_cgroup_read_u64 (memory, "memory.usage_in_bytes",
                                                      &stats->memory_bytes);
  stats->has_cpu = cpuacct && pier_cgroup_read_u64 (cpuacct, "cpuacct.usage", &stats->cpu_ns);
  stats->has_pids = pids && pier_cgroup_read_u64 (pids, "pids.current", &stats->pids);
}

/* v1 has no cgroup.kill: pier_cgroup_destroy() signals the listed processes itself. */
static gboolean
v1_kill_all (PierCgroup *cgroup)
{
  return FALSE;
}

const PierCgroupBackend pier_cgroup_v1_backend = {
  .name = "v1",
  .create = v1_create,
  .apply_limits = v1_apply_limits,
  .get_stats = v1_get_stats,
  .kill_all = v1_kill_all,
};
