/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-columns.h"

typedef struct {
  char *property;
  char *classes_property;
  PierColumnFlags flags;
  GStrv static_classes; /* from the flags, kept when the row adds its own */
} CellSpec;

static void
cell_spec_free (gpointer data)
{
  CellSpec *spec = data;

  g_free (spec->property);
  g_free (spec->classes_property);
  g_strfreev (spec->static_classes);
  g_free (spec);
}

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

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, CellSpec *spec)
{
  GtkWidget *label = gtk_label_new (NULL);

  if (spec->flags & PIER_COLUMN_TOOLTIP)
    {
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (pier_column_query_label_tooltip), NULL);
    }

  gtk_label_set_xalign (GTK_LABEL (label), spec->flags & PIER_COLUMN_NUMERIC ? 1.0 : 0.0);
  if (spec->flags & PIER_COLUMN_WRAP)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
    }
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_css_classes (label, (const char **) spec->static_classes);
  gtk_list_item_set_child (item, label);
}

static gboolean
merge_classes (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  CellSpec *spec = user_data;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_addv (builder, (const char **) spec->static_classes);
  if (g_value_get_boxed (from) != NULL)
    g_strv_builder_addv (builder, g_value_get_boxed (from));
  g_value_take_boxed (to, g_strv_builder_end (builder));
  return TRUE;
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, CellSpec *spec)
{
  GtkWidget *label = gtk_list_item_get_child (item);
  GObject *row = gtk_list_item_get_item (item);
  GPtrArray *bindings = g_ptr_array_new ();

  g_ptr_array_add (bindings, g_object_bind_property (row, spec->property, label, "label",
                                                     G_BINDING_SYNC_CREATE));
  if (spec->classes_property != NULL)
    g_ptr_array_add (bindings, g_object_bind_property_full (row, spec->classes_property, label,
                                                            "css-classes", G_BINDING_SYNC_CREATE,
                                                            merge_classes, NULL, spec, NULL));
  g_object_set_data_full (G_OBJECT (item), "pier-bindings", bindings,
                          (GDestroyNotify) g_ptr_array_unref);
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, CellSpec *spec)
{
  GPtrArray *bindings = g_object_get_data (G_OBJECT (item), "pier-bindings");

  for (guint i = 0; bindings != NULL && i < bindings->len; i++)
    g_binding_unbind (bindings->pdata[i]);
  g_object_set_data (G_OBJECT (item), "pier-bindings", NULL);
}

static GtkSorter *
sorter_for (GType row_type, const char *property)
{
  GObjectClass *klass = g_type_class_ref (row_type);
  GParamSpec *pspec = g_object_class_find_property (klass, property);
  GtkExpression *expression = gtk_property_expression_new (row_type, NULL, property);
  GtkSorter *sorter;

  g_return_val_if_fail (pspec != NULL, NULL);
  if (pspec->value_type == G_TYPE_STRING)
    sorter = GTK_SORTER (gtk_string_sorter_new (expression));
  else
    sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
  g_type_class_unref (klass);
  return sorter;
}

void
pier_column_set_text (GtkColumnViewColumn *column, GType row_type, const char *property,
                      const char *classes_property, const char *sort_property,
                      PierColumnFlags flags)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  CellSpec *spec = g_new0 (CellSpec, 1);

  spec->property = g_strdup (property);
  spec->classes_property = g_strdup (classes_property);
  spec->flags = flags;
  {
    g_autoptr (GStrvBuilder) classes = g_strv_builder_new ();
    if (flags & PIER_COLUMN_MONOSPACE)
      g_strv_builder_add (classes, "monospace");
    if (flags & PIER_COLUMN_NUMERIC)
      g_strv_builder_add (classes, "numeric");
    if (flags & PIER_COLUMN_DIM)
      g_strv_builder_add (classes, "dim-label");
    spec->static_classes = g_strv_builder_end (classes);
  }
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), spec);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), spec);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), spec);
  g_object_set_data_full (G_OBJECT (factory), "pier-cell-spec", spec, cell_spec_free);
  gtk_column_view_column_set_factory (column, factory);
  if (sort_property != NULL)
    {
      g_autoptr (GtkSorter) sorter = sorter_for (row_type, sort_property);
      gtk_column_view_column_set_sorter (column, sorter);
    }
}

void
pier_column_class_bind_template_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, pier_column_query_label_tooltip);
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
