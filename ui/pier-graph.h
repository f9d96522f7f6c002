/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A small line graph of the last minute of one quantity (a container's CPU or memory), drawn
 * in the widget's CSS color, newest at the right. */

#define PIER_TYPE_GRAPH (pier_graph_get_type ())
G_DECLARE_FINAL_TYPE (PierGraph, pier_graph, PIER, GRAPH, GtkWidget)

/* The samples kept, one a second. */
#define PIER_GRAPH_SAMPLES 60

void pier_graph_add (PierGraph *self, double value);
/* The value at the top of the graph; 0 (the default): the largest sample shown, with room. */
void pier_graph_set_max (PierGraph *self, double max);
/* With an automatic top, the least it may be: small noise stays small. */
void pier_graph_set_floor (PierGraph *self, double floor);
void pier_graph_clear (PierGraph *self);

G_END_DECLS
