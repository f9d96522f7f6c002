#include "pier-window.h"

#include "pier-digest.h"
#include "pier-image-store.h"
#include "pier-reference.h"

struct _PierWindow {
  AdwApplicationWindow parent_instance;

  GtkStack *stack;
  GtkListBox *image_list;
  AdwStatusPage *error_page;

  char *root;
  char *runroot;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (PierWindow, pier_window, ADW_TYPE_APPLICATION_WINDOW)

typedef struct {
  PierStore *store;
  GPtrArray *images;
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_object (&loaded->store);
  g_clear_pointer (&loaded->images, g_ptr_array_unref);
  g_free (loaded);
}

/* Off the main thread: opening a new store makes the built-in images. */
static void
load_images_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PierWindow *self = source;
  g_autoptr (GError) error = NULL;
  Loaded *loaded = g_new0 (Loaded, 1);

  loaded->store = pier_store_open (self->root, self->runroot, &error);
  if (loaded->store != NULL)
    loaded->images = pier_store_list_images (loaded->store, &error);
  if (error != NULL)
    {
      loaded_free (loaded);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
}

static void
show_images (PierWindow *self, Loaded *loaded)
{
  for (guint i = 0; i < loaded->images->len; i++)
    {
      PierImage *image = loaded->images->pdata[i];
      g_autofree char *short_id = pier_digest_short (image->id);
      g_autofree char *size = g_format_size (pier_image_get_size (loaded->store, image));
      g_autofree char *title = image->names->len > 0
                                   ? pier_reference_familiar (image->names->pdata[0])
                                   : g_strdup ("<none>");
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", short_id, size);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_append (self->image_list, row);
    }
  gtk_stack_set_visible_child_name (self->stack, "images");
}

static void
load_images_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PierWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  Loaded *loaded = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (loaded == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  show_images (self, loaded);
  loaded_free (loaded);
}

static void
pier_window_dispose (GObject *object)
{
  PierWindow *self = PIER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_WINDOW);
  G_OBJECT_CLASS (pier_window_parent_class)->dispose (object);
}

static void
pier_window_finalize (GObject *object)
{
  PierWindow *self = PIER_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->root);
  g_free (self->runroot);
  G_OBJECT_CLASS (pier_window_parent_class)->finalize (object);
}

static void
pier_window_class_init (PierWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = pier_window_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PierWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, image_list);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, error_page);
}

static void
pier_window_init (PierWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

PierWindow *
pier_window_new (GtkApplication *app, const char *root, const char *runroot)
{
  PierWindow *self = g_object_new (PIER_TYPE_WINDOW, "application", app, NULL);
  g_autoptr (GTask) task = NULL;

  self->root = g_strdup (root);
  self->runroot = g_strdup (runroot);
  task = g_task_new (self, self->cancellable, load_images_done, g_object_ref (self));
  g_task_run_in_thread (task, load_images_thread);
  return self;
}
