/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The cells of the column views: every list in the window shows properties of row objects as
 * labels that follow the row's notifications. The columns (title, width, sorter and the cell
 * template of a GtkBuilderListItemFactory binding the label to the row's property) are
 * declared in the .ui templates; a view whose cells show long text gives its template class
 * the callbacks below with pier_column_class_bind_template_callbacks(). */

/* For a cell label's "query-tooltip" in a template (with has-tooltip): the whole text of a
 * cut-off cell, read when the tooltip shows rather than bound to each row. */
gboolean pier_column_query_label_tooltip (GtkWidget *label, int x, int y, gboolean keyboard,
                                          GtkTooltip *tooltip, gpointer user_data);
/* Makes pier_column_query_label_tooltip and the cells' class closure (pier_column_cell_classes: the
 * row's classes and the column's) known to @widget_class's template (and so to the cell
 * templates inside it, which share its scope). */
void pier_column_class_bind_template_callbacks (GtkWidgetClass *widget_class);

/* Scrolls @view to show row @position (GTK 4.8's column view has no call for it; its list
 * view's "list.scroll-to-item" action does it). */
void pier_column_view_scroll_to (GtkColumnView *view, guint position);
G_END_DECLS
