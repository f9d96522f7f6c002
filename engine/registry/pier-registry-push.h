/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-image-store.h"
#include "pier-registry-client.h"

G_BEGIN_DECLS

typedef struct {
  char *reference; /* where it went: "127.0.0.1:5000/app:1" */
  char *digest;    /* of the manifest, as stored: the registry names the image by it */
  guint64 size;    /* of the manifest */
  guint blobs_pushed;
  guint blobs_existing; /* already on the registry */
  guint blobs_mounted;  /* mounted from another repository of the registry */
} PierRegistryPushResult;

void pier_registry_push_result_free (PierRegistryPushResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryPushResult, pier_registry_push_result_free)

/* Pushes the image @image (a name or an id) to @destination (NAME[:TAG]; NULL: @image's own
 * name), as `docker push` does: blobs the repository has are skipped, blobs another repository
 * of the registry has (one the store knows an image there by) are mounted from it, the others
 * are uploaded (options->max_parallel at a time, read from the store verified), then the
 * manifest goes byte for byte, so the image keeps its digest. */
PierRegistryPushResult *pier_registry_push (PierStore *store, const char *image,
                                            const char *destination,
                                            const PierRegistryOptions *options,
                                            PierRegistryProgressFunc progress,
                                            gpointer progress_data, GCancellable *cancellable,
                                            GError **error);

G_END_DECLS
