/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "window-test-util.h"

#include <unistd.h>

void
settle (int ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

void
screenshot (GtkWidget *widget, const char *name)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_native (widget));
  /* A window's paintable draws nothing of its own: its content, with the header bar, does. */
  GtkWidget *content = gtk_widget_get_first_child (window);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (content);
  GtkSnapshot *snapshot;
  int width, height;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *file = g_strdup_printf ("ui-%s.png", name);
  const char *build = g_getenv ("PIER_BUILD_DIR");
  g_autofree char *shots = g_build_filename (build ? build : ".", "ui-shots", NULL);
  g_autofree char *path = g_build_filename (shots, file, NULL);

  settle (400);
  /* A view that just changed (the Processes views refresh every second) draws nothing until
   * it is laid out again: retry for a few frames. */
  for (int attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      if (attempt > 0)
        settle (50);
      width = gtk_widget_get_width (content);
      height = gtk_widget_get_height (content);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  if (node == NULL)
    fail_msg ("nothing drawn for %s: mapped %d, %dx%d", name, gtk_widget_get_mapped (content), width, height);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (shots, 0755);
  assert_true (gdk_texture_save_to_png (texture, path));
}

GtkLabel *
label_starting_with (GtkWidget *widget, const char *prefix)
{
  if (GTK_IS_LABEL (widget) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (widget)), prefix))
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = label_starting_with (child, prefix);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The button under @widget for @action, or NULL. */
GtkWidget *
button_for_action (GtkWidget *widget, const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = button_for_action (child, action);
      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
window_test_init (void)
{
  const char *build = g_getenv ("PIER_BUILD_DIR");

  if (getuid () != 0 || g_getenv ("DISPLAY") == NULL)
    return FALSE;
  if (build != NULL && g_getenv ("PIER_MONITOR_PATH") == NULL)
    {
      g_autofree char *monitor = g_build_filename (build, "app", "pier-monitor", NULL);
      g_setenv ("PIER_MONITOR_PATH", monitor, TRUE);
    }
  gtk_init ();
  adw_init ();
  return TRUE;
}

PierWindow *
window_test_activate (PierApplication *app)
{
  g_autoptr (GError) error = NULL;
  GtkWindow *window;

  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    fail_msg ("registering the application: %s", error->message);
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  assert_non_null (window);
  return PIER_WINDOW (window);
}
