/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which of a container's layer directories (top first: the sandbox upper directory, then the
 * image layers from the top) provides @exe_path, a path inside the container. Every component
 * is looked up as overlayfs does (whiteouts, opaque directories in trusted.overlay. or
 * user.overlay. xattrs, a lower directory hidden by a non-directory above) and symlinks are
 * followed through the merged view, never outside it. Returns the index into @layer_dirfds, or
 * -1 with PIER_ERROR_NOT_FOUND when no layer provides the file (whited out, or on a volume). */
int pier_process_exe_layer (const char *exe_path, const int *layer_dirfds, guint n_layers,
                            GError **error);

G_END_DECLS
