/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-cgroup.h"
#include "pier-sandbox-setup-private.h"
#include "pier-sandbox.h"

G_BEGIN_DECLS

/* Creating a container's init, in pier-monitor: the namespaces, the set-up list, the cgroup,
 * the network, and the sync with the child until it has exec'd its command. */

typedef struct {
  pid_t pid;
  guint64 start_time; /* of the init, read while it cannot have exited yet */
  int stdin_fd;   /* the monitor's end of the command's stdin pipe, or -1 */
  int stdout_fd;  /* the read end of its stdout, or the pty master with tty */
  int stderr_fd;  /* the read end of its stderr; -1 with tty */
  PierCgroup *cgroup;
  gboolean bridge_attached;
  GPtrArray *warnings; /* strings */
} PierSandboxInit;

/* Must be called by a single-threaded process (user namespaces demand it). On failure nothing
 * is left: no child, no cgroup, no lease. */
gboolean pier_sandbox_init_start (const PierSandboxSpec *spec, PierSandboxInit *init,
                                  GError **error);

/* After the init has exited: releases the network lease and removes the cgroup. */
void pier_sandbox_init_teardown (const PierSandboxSpec *spec, PierSandboxInit *init);

void pier_sandbox_init_clear (PierSandboxInit *init);

/* pier-sandbox-cgroup.c: the container's cgroup, made before the clone with the spec's limits
 * (into init->cgroup; none without a usable hierarchy), and the mounts (PierCgroupNsMount*) by
 * which the child sees it. */
gboolean pier_sandbox_cgroup_create (const PierSandboxSpec *spec, PierSandboxInit *init,
                                     GPtrArray **mounts, GError **error);
/* Those mounts at /sys/fs/cgroup in the child's plan, read-only. */
void pier_sandbox_cgroup_add_mounts (PierSetupPlan *plan, GPtrArray *mounts, guint64 fs_attrs);

/* pier-sandbox-etc.c: the spec's hostname, else the id's first 12 digits (as Docker does). */
char *pier_sandbox_hostname (const PierSandboxSpec *spec);
/* Creates, in the state directory, the rootfs mount point, the init layer (the mount points,
 * stacked above the image), and etc/ with hostname, an empty hosts and (but for network none)
 * the host's resolv.conf, owned by the container's root. */
gboolean pier_sandbox_etc_prepare (const PierSandboxSpec *spec, int state_fd, GError **error);
/* etc/hosts, once the container's address is known (NULL: none). */
gboolean pier_sandbox_etc_write_hosts (const PierSandboxSpec *spec, int state_fd,
                                       const char *address, GError **error);

G_END_DECLS
