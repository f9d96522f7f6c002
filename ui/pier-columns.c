/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-columns.h"

gboolean
pier_column_query_label_tooltip (GtkWidget *label, int x, int y, gboolean keyboard,
                                 GtkTooltip *tooltip, gpointer user_data)
{
  const char *text = gtk_label_get_text (GTK_LABEL (label));

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* A cell's classes: the row's own (a session heading's, a dead process's) and the column's
 * (@extra, "numeric" or empty). */
static char **
pier_column_cell_classes (GtkListItem *item, const char *const *row_classes, const char *extra)
{
  g_autoptr (GStrvBuilder) classes = g_strv_builder_new ();

  if (extra != NULL && *extra != '\0')
    g_strv_builder_add (classes, extra);
  if (row_classes != NULL)
    g_strv_builder_addv (classes, (const char **) row_classes);
  return g_strv_builder_end (classes);
}

void
pier_column_class_bind_template_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, pier_column_query_label_tooltip);
  gtk_widget_class_bind_template_callback (widget_class, pier_column_cell_classes);
}

void
pier_column_view_scroll_to (GtkColumnView *view, guint position)
{
  /* Not shown yet (see pier_ui_column_view_set_model_when_sized()): nothing to scroll. */
  if (gtk_column_view_get_model (view) == NULL)
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
}
