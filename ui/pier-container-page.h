/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-model.h"
#include "pier-processes-view.h"

G_BEGIN_DECLS

/* One container: Overview (its record, live CPU and memory graphs), Processes (inside and on
 * the host, side by side), Logs (followed as they are written), Changes (what it changed in
 * its image's files), Inspect (the JSON `pierctl inspect` prints); start, stop, a terminal and
 * the other actions in the header. */

#define PIER_TYPE_CONTAINER_PAGE (pier_container_page_get_type ())
G_DECLARE_FINAL_TYPE (PierContainerPage, pier_container_page, PIER, CONTAINER_PAGE, GtkWidget)

GtkWidget *pier_container_page_new (PierModel *model, const char *id);

/* "overview", "processes", "logs", "changes" or "inspect". */
void pier_container_page_show_tab (PierContainerPage *self, const char *tab);
PierProcessesView *pier_container_page_get_processes_view (PierContainerPage *self);

G_END_DECLS
