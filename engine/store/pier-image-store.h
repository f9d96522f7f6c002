/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-store.h"

G_BEGIN_DECLS

/* An image as the store knows it: one manifest, reached from the index under zero or more
 * names. Its id is its config's digest, as Docker's and Podman's are. */
typedef struct {
  char *id;               /* config digest */
  char *manifest_digest;
  GPtrArray *names;       /* normalised references, sorted; empty for a dangling image */
  PierManifest *manifest;
  PierImageConfig *config;
  gint64 config_size;
  /* Why the image cannot be read (a damaged or oversized manifest or config), or NULL. Only
   * listings that ask for them and removal see such an image; its manifest and config may be
   * NULL, and its id is its manifest's digest when the manifest itself cannot be read. */
  char *broken;
} PierImage;

void pier_image_free (PierImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierImage, pier_image_free)

/* Unix time the image was created (0 if unknown). */
gint64 pier_image_get_created (const PierImage *image);
/* Docker's "virtual size": the layers' uncompressed sizes where known. */
guint64 pier_image_get_size (PierStore *store, const PierImage *image);

/* Every image, newest first. An image that cannot be read is left out, so that one bad image
 * never hides the others; with @broken, those go there instead (see PierImage.broken), for a
 * listing to name them. */
GPtrArray *pier_store_list_images_full (PierStore *store, GPtrArray **broken, GError **error);
GPtrArray *pier_store_list_images (PierStore *store, GError **error);

/* By name ("busybox", "busybox:1", "host/app@sha256:…") or by id or a unique prefix of one.
 * PIER_ERROR_NOT_FOUND: "no such image: NAME"; PIER_ERROR_CORRUPT for an image that cannot be
 * read, saying how to remove it. */
PierImage *pier_store_find_image (PierStore *store, const char *name_or_id, GError **error);

gboolean pier_store_tag_image (PierStore *store, const char *source, const char *target,
                               GError **error);

typedef struct {
  GPtrArray *untagged; /* familiar names */
  GPtrArray *deleted;  /* image ids and removed blobs/layers */
} PierRemoveReport;

void pier_remove_report_free (PierRemoveReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRemoveReport, pier_remove_report_free)

/* As `docker rmi`: by name, removes that name (and the image with its last name); by id, the
 * image, refusing when it has several names unless @force. An image a container uses is
 * refused (with @force: only untagged). Blobs and layers no other image shares go with it.
 * An image that cannot be read is removed the same way. */
PierRemoveReport *pier_store_remove_image (PierStore *store, const char *name_or_id,
                                           gboolean force, GError **error);

/* Adds an image from its parts, whose blobs are already in the store: writes the config and
 * manifest, and points @names (normalised; NULL-terminated, NULL or empty for none) at it in
 * one write of the index, taking each name from any image that had it. Nothing enters the
 * index when any part fails. The caller holds the lock when @locked. */
PierImage *pier_store_add_image (PierStore *store, const PierImageConfig *config,
                                 GPtrArray *layer_descriptors, const char *const *names,
                                 gboolean locked, GError **error);

/* Points @names at @manifest in @index, removing them from wherever they were; an image left
 * without names keeps one entry without a name (dangling) so it stays listed. */
void pier_index_set_names (PierIndex *index, const PierDescriptor *manifest,
                           const char *const *names);

/* Image ids that containers in the store use (they pin their images). */
GHashTable *pier_store_images_in_use (PierStore *store);

G_END_DECLS
