/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-blob-store.h"
#include "pier-layer-unpack.h"
#include "pier-lock.h"
#include "pier-oci.h"

G_BEGIN_DECLS

/* The store: an OCI image layout under ROOT, with Pier's own additions beside it.
 *
 *   ROOT/oci-layout, ROOT/index.json   the layout (tags are org.opencontainers.image.ref.name)
 *   ROOT/blobs/sha256/<hex>            content-addressed blobs
 *   ROOT/layers/<diff-id hex>/diff     each layer unpacked once, stacked by overlayfs
 *   ROOT/layers/<diff-id hex>/info     its uncompressed size
 *   ROOT/containers/<id>/              containers (records and sandbox layers)
 *   ROOT/tmp/                          work directories of running processes
 *   ROOT/lock                          taken by every writer
 * Runtime state lives under RUNROOT. */

#define PIER_TYPE_STORE (pier_store_get_type ())
G_DECLARE_FINAL_TYPE (PierStore, pier_store, PIER, STORE, GObject)

/* Opens (creating on first use) the store's layout, without the built-in images: front ends
 * call pier_store_open() (pier-store-open.h), which adds them. NULL @root/@runroot: the
 * defaults. *@created: whether this call made the root. */
PierStore *pier_store_open_layout (const char *root, const char *runroot, gboolean *created,
                                   GError **error);

const char *pier_store_get_root (PierStore *store);
const char *pier_store_get_runroot (PierStore *store);
int pier_store_get_root_fd (PierStore *store);
PierBlobStore *pier_store_get_blobs (PierStore *store);
/* Overlay metadata in user.overlay. xattrs (Pier is unprivileged, inside its own user
 * namespace). */
gboolean pier_store_is_rootless (PierStore *store);
/* How layers are unpacked into this store: for overlayfs, owners kept, device nodes made as
 * they are (containers mount their roots nodev, so they stay inert) or, rootless, where they
 * cannot be made, left out and counted. */
PierUnpackOptions pier_store_layer_unpack_options (PierStore *store);

/* The writers' lock; every change to the index or removal of data happens under it. */
PierLock *pier_store_lock (PierStore *store, GCancellable *cancellable, GError **error);

PierIndex *pier_store_read_index (PierStore *store, GError **error);
/* Atomically replaces index.json (refused past PIER_OCI_MAX_INDEX_SIZE, as the reader refuses
 * it); the caller holds the lock. */
gboolean pier_store_write_index (PierStore *store, const PierIndex *index, GError **error);

/* A directory of this process's own under ROOT/tmp (same filesystem as the store, so finished
 * work is renamed into place); what a crashed process leaves there is removed at the next
 * open. Returns a directory fd the caller must not close. */
int pier_store_get_work_fd (PierStore *store, GError **error);

/* Reads a manifest or config blob, verified, and parses it. */
PierManifest *pier_store_read_manifest (PierStore *store, const char *digest, GError **error);
PierImageConfig *pier_store_read_config (PierStore *store, const char *digest, GError **error);
/* Stores the document and returns its descriptor; one past PIER_OCI_MAX_DOCUMENT_SIZE, which
 * no reader would take, is refused. */
PierDescriptor *pier_store_put_json (PierStore *store, const char *media_type, const char *json,
                                     GError **error);

/* Layers: unpacked once each. Makes sure the layer @diff_id is unpacked (from the blob
 * @blob_digest if it is not yet) and returns the path of its directory. */
char *pier_store_ensure_layer (PierStore *store, const char *blob_digest, const char *diff_id,
                               GCancellable *cancellable, GError **error);
gboolean pier_store_has_layer (PierStore *store, const char *diff_id);
char *pier_store_get_layer_path (PierStore *store, const char *diff_id);
/* Uncompressed size of an unpacked layer's tar, or -1 when not unpacked. */
gint64 pier_store_get_layer_size (PierStore *store, const char *diff_id);
/* Moves a layer unpacked in the work directory (@work_name under the work fd) into place; if
 * the layer is already there (another process won the race) the work copy is removed. The
 * caller holds the lock. */
gboolean pier_store_commit_layer (PierStore *store, const char *work_name, const char *diff_id,
                                  guint64 tar_size, GError **error);

/* Removes blobs and layers that no image in the index reaches. The caller holds the lock.
 * Returns the removed digests (blobs and diff_ids) for reports. */
GPtrArray *pier_store_collect_garbage (PierStore *store, GError **error);

/* Checks the whole store: every index entry's manifest, config and layer blobs present and
 * hashing to their digests, every unpacked layer complete. For tests and `pierctl`'s fsck. */
gboolean pier_store_verify (PierStore *store, GError **error);

G_END_DECLS
