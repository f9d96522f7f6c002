/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* The containers: a sortable, searchable table with state badges and, on each row, start or
 * stop, a terminal and the other actions (through the window's container-* actions). Enter or
 * a double click opens a container's page; Delete removes the selected one (confirmed). */

#define PIER_TYPE_CONTAINERS_VIEW (pier_containers_view_get_type ())
G_DECLARE_FINAL_TYPE (PierContainersView, pier_containers_view, PIER, CONTAINERS_VIEW, GtkWidget)

void pier_containers_view_set_model (PierContainersView *self, PierModel *model);
void pier_containers_view_start_search (PierContainersView *self);
/* The rows shown (after the search), in order. */
GListModel *pier_containers_view_get_shown (PierContainersView *self);
/* TRUE once the list shows the containers (it takes them when it first has a size). */
gboolean pier_containers_view_get_listed (PierContainersView *self);
PierContainerRow *pier_containers_view_get_selected (PierContainersView *self);
void pier_containers_view_select (PierContainersView *self, const char *id);

G_END_DECLS
