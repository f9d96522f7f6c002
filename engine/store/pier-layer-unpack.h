/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-layer-stream.h"

G_BEGIN_DECLS

typedef enum {
  /* Into a directory of the layer's own, that overlayfs later stacks: OCI whiteouts become
   * overlay whiteouts (a 0:0 character device for .wh.NAME; the opaque xattr for
   * .wh..wh..opq). The directory starts empty: whatever is in it counts as this layer's. */
  PIER_UNPACK_OVERLAY,
  /* Onto an existing tree, layer after layer (flattening, export): whiteouts delete what they
   * name; an opaque marker deletes what the directory held before this layer. What the layer
   * itself supplies stays, wherever its whiteouts come in the stream. */
  PIER_UNPACK_APPLY,
} PierUnpackMode;

/* Device nodes other than overlay whiteouts (root filesystems carry /dev/console and the like;
 * image layers from registries may too). */
typedef enum {
  PIER_UNPACK_DEVICES_REFUSE, /* PIER_ERROR_UNSAFE, naming the entry */
  PIER_UNPACK_DEVICES_CREATE, /* made as they are: as root, for layers that containers mount nodev */
  PIER_UNPACK_DEVICES_SKIP,   /* left out and counted: what rootless unpacking cannot create */
} PierUnpackDevices;

typedef struct {
  PierUnpackMode mode;
  /* Overlay xattrs under user.overlay. instead of trusted.overlay. (overlayfs mounted with
   * userxattr, as rootless overlay must be). */
  gboolean userxattr;
  /* chown entries to the archive's uid/gid; FALSE when the caller may not (rootless, outside
   * its user namespace), and files then belong to the caller. */
  gboolean preserve_owner;
  PierUnpackDevices devices;
} PierUnpackOptions;

typedef struct {
  guint64 n_entries;
  guint64 content_bytes; /* bytes of regular file content written */
  guint64 n_devices_skipped;
} PierUnpackStats;

/* Extracts the uncompressed tar that @read yields into @dest_dirfd. Every path is resolved as
 * if @dest_dirfd were "/" (openat2 RESOLVE_IN_ROOT), so nothing is ever written outside it.
 * Refused with PIER_ERROR_UNSAFE, naming the entry: names and hardlink targets that climb above
 * the root with "..", malformed whiteouts, device nodes unless @options says otherwise. Symlink targets
 * are data, whatever they name: every path is resolved inside @dest_dirfd, so a link that
 * climbs past the root (as "../../../../tmp/x" may) leads to the root, as it does at run time. Refused with
 * PIER_ERROR_INVALID: a damaged or truncated archive. On failure, what was written so far stays
 * in @dest_dirfd: the caller unpacks into a scratch directory and removes it.
 *
 * @read is called from a thread of the unpacker's own, so that reading (inflating, hashing)
 * overlaps with writing files: never twice at once, never after this returns; it may be asked
 * for a few MiB past the archive's end. @options NULL: overlay mode, owners not kept. @stats may
 * be NULL. */
gboolean pier_layer_unpack (PierReadFunc read, gpointer read_data, int dest_dirfd,
                            const PierUnpackOptions *options, PierUnpackStats *stats,
                            GCancellable *cancellable, GError **error);

G_END_DECLS
