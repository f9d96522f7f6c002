/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-store.h"

G_BEGIN_DECLS

/* Who uses each layer: the images whose root filesystem includes it and the containers
 * stacked on it, so that a person sees what removing an image would really free. */
typedef struct {
  char *diff_id;
  GPtrArray *image_ids;     /* char*, each image once, newest first */
  GPtrArray *container_ids; /* char*, newest first */
} PierLayerUsage;

void pier_layer_usage_free (PierLayerUsage *usage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierLayerUsage, pier_layer_usage_free)

/* Every layer of the store's images and containers: diff_id (char *) → PierLayerUsage *. A
 * container counts for the layers it was created on, whether its image is still tagged or
 * not. */
GHashTable *pier_store_layer_usage (PierStore *store, GError **error);

G_END_DECLS
