/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A row of an image's page: a layer (position, digest, size, created, created-by, images and
 * containers sharing it) or a history step (created, created-by, size, comment). All text
 * properties; the page makes them once per visit. */

#define PIER_TYPE_LAYER_ROW (pier_layer_row_get_type ())
G_DECLARE_FINAL_TYPE (PierLayerRow, pier_layer_row, PIER, LAYER_ROW, GObject)

typedef enum {
  PIER_LAYER_ROW_POSITION,
  PIER_LAYER_ROW_DIGEST,
  PIER_LAYER_ROW_DIGEST_FULL,
  PIER_LAYER_ROW_SIZE,
  PIER_LAYER_ROW_CREATED,
  PIER_LAYER_ROW_CREATED_BY,
  PIER_LAYER_ROW_COMMENT,
  PIER_LAYER_ROW_IMAGES,
  PIER_LAYER_ROW_CONTAINERS,
  PIER_LAYER_ROW_N_FIELDS
} PierLayerRowField;

PierLayerRow *pier_layer_row_new (void);
/* Takes @value. */
void pier_layer_row_take (PierLayerRow *self, PierLayerRowField field, char *value);
const char *pier_layer_row_get (PierLayerRow *self, PierLayerRowField field);

G_END_DECLS
