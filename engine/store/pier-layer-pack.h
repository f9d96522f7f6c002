/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Takes @len bytes of output; FALSE with @error set stops the packing. */
typedef gboolean (*PierWriteFunc) (gpointer user_data, const void *buffer, gsize len,
                                   GError **error);
/* A PierWriteFunc over a file descriptor (user_data: GINT_TO_POINTER (fd)). */
gboolean pier_write_fd (gpointer fd_as_pointer, const void *buffer, gsize len, GError **error);

typedef struct {
  /* Read overlay whiteouts and opaque markers from user.overlay. xattrs (rootless overlay). */
  gboolean userxattr;
  /* When >= 0, later modification times are written as this one (reproducible layers). */
  gint64 clamp_mtime;
  /* Owners at or above it are written this much lower: a container's sandbox layer, whose
   * files belong to its user namespace's ids on the host (root = id_shift), packed as the
   * image's own (root = 0). 0: owners as they are. */
  guint32 id_shift;
} PierPackOptions;

/* Writes the tree under @src_dirfd (its root not included) as an uncompressed tar layer, never
 * following symlinks. The same tree always gives the same bytes: entries in name order within
 * each directory, each directory followed by what it holds; owners numeric, no owner names, no
 * access or change times, whole-second modification times; a file's other names as hardlinks
 * to the first; xattrs other than overlay's kept, in name order. Overlay whiteouts (0:0
 * character devices) become .wh.NAME entries (empty, mode 0, owned by 0:0) where NAME would
 * be, and an opaque directory is followed by a .wh..wh..opq entry: the OCI form that unpacking
 * turns back. Sockets are left out (a tar cannot hold them); other device nodes are refused
 * (PIER_ERROR_UNSUPPORTED). @options NULL: trusted.overlay. markers, no clamping. */
gboolean pier_layer_pack (int src_dirfd, const PierPackOptions *options, PierWriteFunc write,
                          gpointer write_data, GCancellable *cancellable, GError **error);

G_END_DECLS
