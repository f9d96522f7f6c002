#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Takes @len bytes of output; FALSE with @error set stops the packing. */
typedef gboolean (*PierWriteFunc) (gpointer user_data, const void *buffer, gsize len,
                                   GError **error);

typedef struct {
  /* Read overlay whiteouts and opaque markers from user.overlay. xattrs (rootless overlay). */
  gboolean userxattr;
  /* When >= 0, later modification times are written as this one (reproducible layers). */
  gint64 clamp_mtime;
} PierPackOptions;

/* Writes the tree under @src_dirfd as an uncompressed tar layer, entries in a stable order
 * (sorted by name, parents first), owners numeric, hardlinks as links, xattrs other than
 * overlay's kept. Overlay whiteouts (0:0 character devices) become .wh.NAME entries and an
 * opaque directory gets a .wh..wh..opq entry: the OCI form that unpacking turns back. */
gboolean pier_layer_pack (int src_dirfd, const PierPackOptions *options, PierWriteFunc write,
                          gpointer write_data, GCancellable *cancellable, GError **error);

G_END_DECLS
