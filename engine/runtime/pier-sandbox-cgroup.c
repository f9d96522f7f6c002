/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A container's cgroup as its init gets it: made before the clone, so that the child's set-up
 * can mount what it will see of it. */
#include "pier-sandbox-init-private.h"

#include "pier-i18n.h"

#include <string.h>
#include <sys/mount.h>

gboolean
pier_sandbox_cgroup_create (const PierSandboxSpec *spec, PierSandboxInit *init,
                            GPtrArray **mounts, GError **error)
{
  PierCgroupLimits limits = {
    .memory_bytes = spec->memory_bytes,
    .cpus = spec->cpus,
    .pids_limit = spec->pids_limit > 0    ? (guint64) spec->pids_limit
                  : spec->pids_limit == 0 ? PIER_SANDBOX_DEFAULT_PIDS_LIMIT
                                          : 0,
    .pids_limit_optional = spec->pids_limit == 0,
  };
  g_autoptr (GError) local_error = NULL;

  init->cgroup = pier_cgroup_create (spec->id, spec->rootless, &limits, init->warnings,
                                     &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *mounts = init->cgroup ? pier_cgroup_get_namespace_mounts (init->cgroup, error)
                         : g_ptr_array_new ();
  return *mounts != NULL;
}

/* Each hierarchy mounted afresh in the container's cgroup namespace, whose root is its own
 * cgroup, as Podman shows it; several (cgroup v1) sit in a tmpfs sealed read-only once they
 * are in. */
void
pier_sandbox_cgroup_add_mounts (PierSetupPlan *plan, GPtrArray *mounts, guint64 fs_attrs)
{
  const char *top = "/sys/fs/cgroup";
  gboolean one_tree = mounts->len == 1
                      && ((PierCgroupNsMount *) mounts->pdata[0])->subdir == NULL;

  if (mounts->len == 0)
    return;
  /* /sys/fs/cgroup is sysfs's, not the image's: no guard against /sys for these targets. */
  if (!one_tree)
    pier_setup_plan_add_mount (plan, "tmpfs", top, 0, fs_attrs,
                               (const char *const[]){ "mode", "755", "size", "64k", NULL });
  for (guint i = 0; i < mounts->len; i++)
    {
      const PierCgroupNsMount *m = mounts->pdata[i];
      g_autofree char *target = m->subdir ? g_build_filename (top, m->subdir, NULL)
                                          : g_strdup (top);
      g_autoptr (GPtrArray) params = g_ptr_array_new_with_free_func (g_free);

      for (char **option = m->options; option && *option; option++)
        {
          char *eq = strchr (*option, '=');
          /* "name=systemd" is a key and a value; a controller is a flag. */
          g_ptr_array_add (params, eq ? g_strndup (*option, eq - *option) : g_strdup (*option));
          g_ptr_array_add (params, eq ? g_strdup (eq + 1) : NULL);
        }
      g_ptr_array_add (params, NULL);
      pier_setup_plan_add_mount (plan, m->fstype, target, 0, fs_attrs | MOUNT_ATTR_RDONLY,
                                 (const char *const *) params->pdata);
    }
  if (!one_tree)
    pier_setup_plan_add (plan, PIER_SETUP_SEAL, top, NULL, 0, _("making %s read-only"), top);
}
