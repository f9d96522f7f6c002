/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The layers a build makes, and the packing of a sandbox layer into one (commit does it too). */

#include "pier-layer-pack.h"
#include "pier-pending-layer.h"

G_BEGIN_DECLS

/* A layer of a stage: in the store already (a base image's, a cache hit), or made by this
 * build and waiting in the work directory (pending) until the build commits. */
typedef struct {
  PierDescriptor *descriptor;
  char *diff_id;
  char *dir;                 /* its unpacked tree, for lower_dirs and merged reads */
  PierPendingBlob *pending;  /* NULL once in the store */
} PierBuildLayer;

void pier_build_layer_free (PierBuildLayer *layer);

/* A layer of the store (present or not: a hit checks). */
PierBuildLayer *pier_build_layer_new_stored (PierStore *store, const PierDescriptor *descriptor,
                                             const char *diff_id);

/* Packs the tree under @dirfd (pier_layer_pack with @options) into a pending blob, unpacking it
 * into the work directory on the way, so that a sandbox layer becomes a layer of the store's
 * own form (owners shifted back, whiteouts as the store keeps them). */
PierPendingBlob *pier_build_pack_to_pending (PierStore *store, int dirfd,
                                             const PierPackOptions *options,
                                             GCancellable *cancellable, GError **error);

/* A layer from a tree the builder wrote itself, WORK_NAME/diff under the store's work fd:
 * packed into a blob; the tree stays where it is and becomes the layer's directory. */
PierBuildLayer *pier_build_layer_new_staged (PierStore *store, const char *work_name,
                                             GCancellable *cancellable, GError **error);

/* A layer from a pending blob (pier_build_pack_to_pending), which it takes. */
PierBuildLayer *pier_build_layer_new_pending (PierStore *store, PierPendingBlob *pending,
                                              GError **error);

/* The store's work directory as a path (lower_dirs need paths). */
char *pier_build_work_path (PierStore *store, GError **error);

G_END_DECLS
