/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* A container's cgroup: memory, CPU and pids limits and usage, on cgroup v1 (each controller its
 * own hierarchy, as on hybrid hosts) or v2 (one tree), whichever the host mounts. The backend
 * is probed once per creation; a cgroup read back from a state record names its backend.
 *
 * Where: v1 (and a hybrid host's v2 tree) nests pier/<id> under the caller's own cgroup in each
 * hierarchy, so whatever limits or accounts for the caller's session keeps covering its
 * containers; pure v2 uses /pier/<id> at the root of the tree when root (v2 lets controllers be
 * enabled only in cgroups without processes of their own) and the caller's own cgroup when
 * rootless (usable only if delegated). Rlimits are never touched.
 *
 * What cannot be applied (no such controller, not delegated) is a warning, never a silent
 * success nor a failure of the start. */

typedef struct {
  guint64 memory_bytes; /* 0: no limit */
  double cpus;          /* 0: no limit; else CFS quota = cpus × period */
  guint64 pids_limit;   /* 0: no limit */
  gboolean pids_limit_optional; /* a default: no warning where it cannot be applied */
} PierCgroupLimits;

typedef struct {
  gboolean has_memory, has_cpu, has_pids;
  guint64 memory_bytes; /* charged to the cgroup, page cache included */
  guint64 cpu_ns;       /* CPU time used, all CPUs */
  guint64 pids;         /* tasks now in it */
} PierCgroupStats;

typedef struct _PierCgroup PierCgroup;

/* Creates pier/<container_id> and applies @limits. Warnings go to @warnings (strings the caller
 * prints). Returns NULL without an error when no hierarchy can be used at all (a rootless user
 * without delegation), after saying so in @warnings if limits were asked for. */
PierCgroup *pier_cgroup_create (const char *container_id, gboolean rootless,
                                const PierCgroupLimits *limits, GPtrArray *warnings,
                                GError **error);

/* A cgroup as recorded by pier_cgroup_get_backend_name() and pier_cgroup_get_dirs(). */
PierCgroup *pier_cgroup_open (const char *backend_name, const char *const *dirs, GError **error);

void pier_cgroup_free (PierCgroup *cgroup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierCgroup, pier_cgroup_free)

const char *pier_cgroup_get_backend_name (PierCgroup *cgroup);
/* One absolute directory per hierarchy, NULL-terminated. */
const char *const *pier_cgroup_get_dirs (PierCgroup *cgroup);

/* Moves @pid into every hierarchy's cgroup. */
gboolean pier_cgroup_add_pid (PierCgroup *cgroup, pid_t pid, GError **error);

gboolean pier_cgroup_get_stats (PierCgroup *cgroup, PierCgroupStats *stats, GError **error);

/* What a process in the cgroup's own cgroup namespace mounts at /sys/fs/cgroup to see it: one
 * cgroup2 tree, or (v1) one mount per hierarchy under it. */
typedef struct {
  char *subdir;  /* under /sys/fs/cgroup, as on the host ("memory", "unified"); NULL: itself */
  char *fstype;  /* "cgroup" or "cgroup2" */
  GStrv options; /* v1: the hierarchy's controllers ("cpu", "cpuacct") or "name=NAME" */
} PierCgroupNsMount;

/* One per hierarchy the cgroup is in (PierCgroupNsMount*). */
GPtrArray *pier_cgroup_get_namespace_mounts (PierCgroup *cgroup, GError **error);

/* SIGKILLs whatever is still in it, then removes the directories (waiting briefly for the
 * killed to leave). Absent directories are not an error. */
gboolean pier_cgroup_destroy (PierCgroup *cgroup, GError **error);

G_END_DECLS
