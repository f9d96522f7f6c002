/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Resolves a Docker user spec ("", "name", "1000", "name:group", "1000:1000") against a
 * container's own /etc/passwd and /etc/group, read from its layers top first (the sandbox layer,
 * then the image's) before anything is mounted. Supplementary groups are those of /etc/group
 * that list the user. */
typedef struct {
  guint32 uid;
  guint32 gid;
  GArray *groups; /* guint32 */
  char *home;     /* from passwd, or "/" */
} PierContainerUser;

PierContainerUser *pier_container_user_resolve (const char *spec, const char *const *layer_dirs,
                                                GError **error);
void pier_container_user_free (PierContainerUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierContainerUser, pier_container_user_free)

/* The content of @path (e.g. "/etc/passwd") as the merged view of @layer_dirs (top first) would
 * show it, symlinks followed within that view: NULL without an error when no layer has it or an
 * upper layer whites it out; NULL with one when it is not a regular file of at most @max_len
 * bytes (a FIFO there never blocks). */
char *pier_layers_read_file (const char *const *layer_dirs, const char *path, gsize max_len,
                             GError **error);

G_END_DECLS
