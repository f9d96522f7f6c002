/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-window-private.h"

G_DEFINE_FINAL_TYPE (PierWindow, pier_window, ADW_TYPE_APPLICATION_WINDOW)

static void
view_changed (PierWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  gboolean searchable = g_strcmp0 (name, "build") != 0;

  gtk_widget_set_visible (self->add_image_button, g_strcmp0 (name, "images") == 0);
  gtk_widget_set_visible (self->search_button, searchable);
}

/* Dropping archives on the window loads them. */
static gboolean
drop_files (GtkDropTarget *target, const GValue *value, double x, double y, PierWindow *self)
{
  GSList *files = g_value_get_boxed (value);

  if (!pier_model_get_loaded (self->model))
    return FALSE;
  for (GSList *l = files; l != NULL; l = l->next)
    pier_window_load_file (self, l->data);
  pier_window_show_view (self, "images");
  return files != NULL;
}

static void
pier_window_dispose (GObject *object)
{
  PierWindow *self = PIER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->forget_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_WINDOW);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_window_parent_class)->dispose (object);
}

static void
pier_window_finalize (GObject *object)
{
  PierWindow *self = PIER_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->connections, pier_connections_free);
  g_clear_object (&self->source);
  g_free (self->connection);
  g_free (self->copy_why);
  G_OBJECT_CLASS (pier_window_parent_class)->finalize (object);
}

static void
pier_window_class_init (PierWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = pier_window_finalize;
  g_type_ensure (PIER_TYPE_CONTAINERS_VIEW);
  g_type_ensure (PIER_TYPE_IMAGES_VIEW);
  g_type_ensure (PIER_TYPE_PROCESSES_VIEW);
  g_type_ensure (PIER_TYPE_BUILD_VIEW);
  g_type_ensure (PIER_TYPE_CONNECTION_SWITCHER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PierWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, main_box);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, add_image_button);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, containers_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, images_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, host_processes_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, build_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, connection_switcher);
}

static void
pier_window_init (PierWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  pier_window_add_actions (self);
  pier_window_add_job_actions (self);
  pier_window_add_copy_action (self);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_files), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  g_signal_connect_swapped (self->view_stack, "notify::visible-child", G_CALLBACK (view_changed), self);
  g_signal_connect_swapped (self->leaflet, "notify::child-transition-running",
                            G_CALLBACK (pier_window_forget_left_pages), self);
  view_changed (self);
}

PierWindow *
pier_window_new (GtkApplication *app, PierModel *model, PierConnectionSource *source)
{
  PierWindow *self = g_object_new (PIER_TYPE_WINDOW, "application", app, NULL);

  self->source = g_object_ref (source);
  self->connection = g_strdup (PIER_CONNECTION_EMBEDDED);
  pier_window_start_connections (self);
  pier_window_show_model (self, PIER_CONNECTION_EMBEDDED, model);
  return self;
}

PierModel *
pier_window_get_model (PierWindow *self)
{
  return self->model;
}

