/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* The images, one row per name as `docker images` lists them: repository, tag, id, created,
 * size and how many containers use it, searchable and sortable; Run… on each row and the
 * other actions in its menu (the window's image-* actions). Enter or a double click opens an
 * image's page; Delete removes the selected name (confirmed). */

#define PIER_TYPE_IMAGES_VIEW (pier_images_view_get_type ())
G_DECLARE_FINAL_TYPE (PierImagesView, pier_images_view, PIER, IMAGES_VIEW, GtkWidget)

void pier_images_view_set_model (PierImagesView *self, PierModel *model);
void pier_images_view_start_search (PierImagesView *self);
GListModel *pier_images_view_get_shown (PierImagesView *self);
PierImageRow *pier_images_view_get_selected (PierImagesView *self);

G_END_DECLS
