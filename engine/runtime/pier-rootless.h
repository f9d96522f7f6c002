/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Rootless Pier (Podman's model): an unprivileged user's pierctl and pier run inside a user
 * namespace where they are root, with a mount namespace of its own; both are kept alive by a
 * small pause process, so every later command joins the same pair (and sees the same
 * mounts). The namespace maps root to the user, and, when /etc/subuid and /etc/subgid give the
 * user a range, ids 1.. to that range (through the setuid newuidmap and newgidmap of the uidmap
 * package); without a range, root alone is mapped.
 *
 * Containers then run with PierSandboxSpec.rootless: a nested user namespace that maps this
 * one's ids one to one (root in the container is the user), overlay with userxattr, no
 * idmapped layers, no bridge network, cgroups only where delegated. */

/* Call first thing in main(), while the process is single-threaded (joining a user namespace
 * demands it), and after computing the store's paths (pier_paths_default_root() and
 * _runroot() decide by the real uid, which reads 0 afterwards). Does nothing for root. Else
 * joins the user's rootless namespaces, creating them and their pause process (whose pid is
 * kept in @runroot/rootless/pause.pid) if there are none yet, and returns with the process
 * root inside them, its working directory kept. */
gboolean pier_rootless_ensure (const char *runroot, GError **error);

/* The pause process, by name in `ps` (as Podman's): pier-monitor's executable run under this
 * argv[0] (its main() hands over to pier_rootless_pause_main()), so that it does not show up
 * under the command line of whichever pierctl happened to start it. */
#define PIER_ROOTLESS_PAUSE_NAME "pier-pause"
int pier_rootless_pause_main (void);

G_END_DECLS
