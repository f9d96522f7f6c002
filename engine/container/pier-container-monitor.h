/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* main() of pier-monitor (pier_monitor_main()) with the container layer's exit work: a
 * container started with --rm is removed by its monitor once it exited, as `pierctl rm` would
 * (record, sandbox layer, mounts, name and id claims, the "remove" event), unless the caller
 * that ran it in the foreground is still there to do it itself. The spec's on_exit words for
 * that (pier-container-run.c writes them): the store's root, its runroot, the container's id. */
int pier_container_monitor_main (int argc, char **argv);

G_END_DECLS
