/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* Builds an image: a context folder, its Dockerfile, tags and build arguments; then each step
 * as it runs, with its output, cached steps marked, a progress bar, Cancel, and the resulting
 * image one click away. Emits "finished" (const char *image_id, NULL when it failed or was
 * cancelled). */

#define PIER_TYPE_BUILD_VIEW (pier_build_view_get_type ())
G_DECLARE_FINAL_TYPE (PierBuildView, pier_build_view, PIER, BUILD_VIEW, GtkWidget)

void pier_build_view_set_model (PierBuildView *self, PierModel *model);

void pier_build_view_set_context (PierBuildView *self, const char *path);
/* Names separated by spaces or commas. */
void pier_build_view_set_tags (PierBuildView *self, const char *tags);

/* What the Build and Cancel buttons do. */
void pier_build_view_start (PierBuildView *self);
void pier_build_view_cancel (PierBuildView *self);

/* The last build: its steps, how many came from the cache, its error (NULL when none). */
guint pier_build_view_get_n_steps (PierBuildView *self);
guint pier_build_view_get_n_cached (PierBuildView *self);
const char *pier_build_view_get_error (PierBuildView *self);

G_END_DECLS
