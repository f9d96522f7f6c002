/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* One image: its layers (digest, size, the step that made each, how many images and
 * containers share it), its history, the Dockerfile read back from that history and the JSON
 * `pierctl inspect` prints; Run…, Copy To…, Tag…, Save… and Remove in the header. The property "loaded"
 * turns TRUE once everything is read (off the main thread). */

#define PIER_TYPE_IMAGE_PAGE (pier_image_page_get_type ())
G_DECLARE_FINAL_TYPE (PierImagePage, pier_image_page, PIER, IMAGE_PAGE, GtkWidget)

GtkWidget *pier_image_page_new (PierModel *model, const char *name_or_id);
/* Why "Copy to…" (win.image-copy) is not offered, which its button says; NULL: it is. */
void pier_image_page_set_copy_unavailable (PierImagePage *self, const char *why);

gboolean pier_image_page_get_loaded (PierImagePage *self);
/* "layers", "history", "dockerfile" or "inspect". */
void pier_image_page_show_tab (PierImagePage *self, const char *tab);
/* PierLayerRow, bottom layer first. */
GListModel *pier_image_page_get_layers (PierImagePage *self);
/* PierLayerRow, a step each, oldest first. */
GListModel *pier_image_page_get_history (PierImagePage *self);
char *pier_image_page_get_dockerfile (PierImagePage *self);

G_END_DECLS
