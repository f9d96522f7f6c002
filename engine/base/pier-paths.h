/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where the store lives: an explicit choice, else $PIER_ROOT, else /var/lib/pier for root and
 * $XDG_DATA_HOME/pier for anyone else. */
char *pier_paths_default_root (void);
/* Runtime state (pid files, sockets): $PIER_RUNROOT, else /run/pier for root and
 * $XDG_RUNTIME_DIR/pier (or /tmp/pier-UID without one) for anyone else. */
char *pier_paths_default_runroot (void);

G_END_DECLS
