/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-cgroup.h"

G_BEGIN_DECLS

/* What differs between cgroup v1 and v2 (crun's cgroup managers): where the directories go,
 * which files hold limits and usage. Adding pids, killing and removal are the same on both and
 * live in pier-cgroup.c. */
typedef struct {
  const char *name;
  /* Fills cgroup->dirs with the directories for @container_id and creates them. */
  gboolean (*create) (PierCgroup *cgroup, const char *container_id, gboolean rootless,
                      const PierCgroupLimits *limits, GPtrArray *warnings, GError **error);
  void (*apply_limits) (PierCgroup *cgroup, const PierCgroupLimits *limits,
                        GPtrArray *warnings);
  void (*get_stats) (PierCgroup *cgroup, PierCgroupStats *stats);
  /* Kills every process in the cgroup; TRUE when it could (cgroup.kill) in one step. */
  gboolean (*kill_all) (PierCgroup *cgroup);
} PierCgroupBackend;

struct _PierCgroup {
  const PierCgroupBackend *backend;
  GPtrArray *dirs; /* NULL-terminated */
};

extern const PierCgroupBackend pier_cgroup_v1_backend;
extern const PierCgroupBackend pier_cgroup_v2_backend;

/* pier_cgroup_create() with the backend chosen by the caller rather than probed (tests: a
 * hybrid host's v2 tree exercises the v2 backend). */
PierCgroup *pier_cgroup_create_with_backend (const PierCgroupBackend *backend,
                                             const char *container_id, gboolean rootless,
                                             const PierCgroupLimits *limits, GPtrArray *warnings,
                                             GError **error);

/* One line of /proc/self/mountinfo of a cgroup filesystem. */
typedef struct {
  char *mount_point;
  char *root;        /* the mount's root inside its hierarchy */
  char **controllers; /* v1: "memory", "cpu", "name=systemd"...; v2: NULL */
  gboolean is_v2;
} PierCgroupMount;

GPtrArray *pier_cgroup_read_mounts (GError **error);
/* /proc/self/cgroup, read once for several pier_cgroup_own_path(). */
char *pier_cgroup_read_self (void);
/* The caller's own cgroup path, from @self_cgroup, in the v1 hierarchy of @controller, or in
 * the v2 tree for NULL; NULL when there is none. */
char *pier_cgroup_own_path (const char *self_cgroup, const char *controller);
/* The directory of the caller's own cgroup under @mount: mount_point + (own path relative to
 * the mount's root). */
char *pier_cgroup_own_dir (const PierCgroupMount *mount, const char *own_path);
/* own_dir/pier/id */
char *pier_cgroup_container_dir (const char *own_dir, const char *id);
/* The first of the cgroup's directories that holds @file (what tells a controller's hierarchy
 * apart), or NULL. */
const char *pier_cgroup_dir_with (PierCgroup *cgroup, const char *file);

/* Whether @limits asks for something that must be reported when it cannot be applied. */
gboolean pier_cgroup_limits_demanded (const PierCgroupLimits *limits);

gboolean pier_cgroup_write_file (const char *dir, const char *name, const char *value,
                                 GError **error);
gboolean pier_cgroup_read_u64 (const char *dir, const char *name, guint64 *out);
gboolean pier_cgroup_mkdir (const char *dir, GError **error);

G_END_DECLS
