/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-graph.h"

struct _PierGraph {
  GtkWidget parent_instance;

  double samples[PIER_GRAPH_SAMPLES];
  guint n_samples; /* the newest is samples[n_samples - 1] until full, then a ring */
  guint next;
  double max;
  double floor;
};

G_DEFINE_FINAL_TYPE (PierGraph, pier_graph, GTK_TYPE_WIDGET)

void
pier_graph_add (PierGraph *self, double value)
{
  self->samples[self->next] = MAX (value, 0);
  self->next = (self->next + 1) % PIER_GRAPH_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, PIER_GRAPH_SAMPLES);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pier_graph_set_max (PierGraph *self, double max)
{
  self->max = max;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pier_graph_set_floor (PierGraph *self, double floor)
{
  self->floor = floor;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pier_graph_clear (PierGraph *self)
{
  self->n_samples = 0;
  self->next = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static double
sample (PierGraph *self, guint age)
{
  return self->samples[(self->next + PIER_GRAPH_SAMPLES - 1 - age) % PIER_GRAPH_SAMPLES];
}

static void
pier_graph_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PierGraph *self = PIER_GRAPH (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double step = width / (PIER_GRAPH_SAMPLES - 1);
  double top = self->max;
  cairo_t *cr;
  GdkRGBA color;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.15);
  for (int i = 1; i < 4; i++)
    {
      double y = floor (height * i / 4) + 0.5;
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, width, y);
    }
  cairo_stroke (cr);
  if (self->n_samples == 0)
    {
      cairo_destroy (cr);
      return;
    }
  if (top <= 0)
    {
      for (guint i = 0; i < self->n_samples; i++)
        top = MAX (top, sample (self, i));
      top = MAX (top * 1.25, self->floor);
      if (top <= 0)
        top = 1;
    }
  for (guint i = 0; i < self->n_samples; i++)
    {
      double x = width - i * step;
      double y = height - MIN (sample (self, i) / top, 1.0) * (height - 2) - 1;
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, 1);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke_preserve (cr);
  cairo_line_to (cr, width - (self->n_samples - 1) * step, height);
  cairo_line_to (cr, width, height);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.2);
  cairo_fill (cr);
  cairo_destroy (cr);
}

static void
pier_graph_class_init (PierGraphClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = pier_graph_snapshot;
  gtk_widget_class_set_css_name (widget_class, "graph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pier_graph_init (PierGraph *self)
{
}
