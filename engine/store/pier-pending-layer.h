/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-store.h"

G_BEGIN_DECLS

/* A blob on its way into the store, read once from a stream: written (not yet linked into
 * place) and, when it looks like a layer, unpacked into the work directory on the way, so that
 * a load or an import reads its input a single time, and a bad archive is refused before
 * anything of it becomes visible. Commit makes it part of the store; free discards it. */
typedef struct {
  char *digest;            /* of the bytes as read */
  char *diff_id;           /* of the uncompressed tar, when it is a layer */
  guint64 size;
  guint64 uncompressed_size;
  gboolean compressed;
  char *work_name;         /* unpacked tree in the store's work directory, or NULL */
  GError *unpack_error;    /* why it could not be unpacked (it may not be a layer at all) */
  guint64 n_devices_skipped; /* device nodes a rootless store left out */

  PierBlobWriter *blob;
  PierStore *store;
} PierPendingBlob;

/* Reads @read to its end. Nothing of it stays in memory: a blob holds a descriptor of the
 * file it was written to. Errors are the stream's or the disk's; a blob that does not unpack
 * is not an error here (see unpack_error). */
PierPendingBlob *pier_pending_blob_read (PierStore *store, PierReadFunc read, gpointer read_data,
                                         GCancellable *cancellable, GError **error);
/* Its bytes, read back when a document (a manifest, a config, an index) is needed: at most
 * @max_size, else PIER_ERROR_INVALID. */
GBytes *pier_pending_blob_read_back (PierPendingBlob *pending, gsize max_size, GError **error);
/* Links the blob into place and moves its unpacked layer to the layers. The caller holds the
 * store lock. */
gboolean pier_pending_blob_commit (PierStore *store, PierPendingBlob *pending, GError **error);
/* As a layer descriptor (media type from its compression). */
PierDescriptor *pier_pending_blob_layer_descriptor (const PierPendingBlob *pending);
void pier_pending_blob_free (PierPendingBlob *pending);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierPendingBlob, pier_pending_blob_free)

G_END_DECLS
