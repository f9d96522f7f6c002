/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One name of an image (or a nameless image) as the image list shows it, as `docker images`
 * lists an image once per tag. Properties: id, short-id, name ("busybox:latest" or "<none>"),
 * repository, tag, created, created-time, size, size-bytes, containers (how many use the
 * image), containers-text, search-text. */

#define PIER_TYPE_IMAGE_ROW (pier_image_row_get_type ())
G_DECLARE_FINAL_TYPE (PierImageRow, pier_image_row, PIER, IMAGE_ROW, GObject)

/* @reference: the normalised name, NULL for an image without one. */
PierImageRow *pier_image_row_new (const char *id, const char *reference);
void pier_image_row_update (PierImageRow *self, gint64 created_unix, guint64 size);
void pier_image_row_set_containers (PierImageRow *self, guint n_containers);
void pier_image_row_tick (PierImageRow *self);

const char *pier_image_row_get_id (PierImageRow *self);
/* The normalised name, or NULL. */
const char *pier_image_row_get_reference (PierImageRow *self);
/* What to give the engine for this row: its familiar name, or the id without one. */
const char *pier_image_row_get_target (PierImageRow *self);
/* "busybox:latest", or "<none>". */
const char *pier_image_row_get_name (PierImageRow *self);

G_END_DECLS
