/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-image-store.h"
#include "pier-registry-client.h"

G_BEGIN_DECLS

typedef struct {
  PierImage *image;
  char *reference; /* the name given to the image: "127.0.0.1:5000/app:1", "docker.io/library/debian:latest" */
  char *digest;    /* what the registry names the reference by (the index's, for a multi-platform image) */
  guint layers_fetched;
  guint layers_reused; /* already in the store */
  guint64 bytes_fetched;
  gboolean up_to_date; /* the name already pointed at this image */
} PierRegistryPullResult;

void pier_registry_pull_result_free (PierRegistryPullResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryPullResult, pier_registry_pull_result_free)

/* Pulls NAME[:TAG|@DIGEST] (Docker's rules: "debian" is docker.io/library/debian:latest; a
 * search list in the registries file applies to names given without a registry) into @store:
 * a manifest list or OCI index gives the image for options->platform or this machine, layers
 * the store already has are not fetched, the others are fetched options->max_parallel at a
 * time, verified against their digests as they arrive and unpacked on the way; then
 * everything enters the store at once, under its lock. On failure nothing of it is stored.
 * Errors: PIER_ERROR_NOT_FOUND for an unknown repository, tag or platform,
 * PIER_ERROR_PERMISSION for refused credentials, PIER_ERROR_CORRUPT for content that does not
 * match its digest (naming the registry and the digest), PIER_ERROR_NO_SPACE for a full disk. */
PierRegistryPullResult *pier_registry_pull (PierStore *store, const char *reference,
                                            const PierRegistryOptions *options,
                                            PierRegistryProgressFunc progress,
                                            gpointer progress_data, GCancellable *cancellable,
                                            GError **error);

/* "OS/ARCH[/VARIANT]" of this machine, as image indexes name platforms ("linux/amd64",
 * "linux/arm64/v8", "linux/arm/v7"). */
char *pier_registry_host_platform (void);

G_END_DECLS
