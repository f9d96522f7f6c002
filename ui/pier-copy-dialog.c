/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-copy-dialog.h"

#include "pier-engine-copy.h"
#include "pier-ui-relay.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

struct _PierCopyDialog {
  AdwWindow parent_instance;

  GtkWidget *copy_button;
  GtkListBox *target_list;

  PierEngine *source;
  char *image;
  guint64 size;
  GtkCheckButton *group;     /* the first target's check: the others join its group */
  char *chosen;              /* the target's name */
  GCancellable *cancellable; /* while copying */
  PierUiRelay *relay;        /* the copy's bytes, while copying */
  guint64 copied;
  char *status;
};

G_DEFINE_FINAL_TYPE (PierCopyDialog, pier_copy_dialog, ADW_TYPE_WINDOW)

/* What the template binds: the Copy button to "copying" and "chosen", the progress to
 * "copied" against "size", the line under it to "status". */
enum { PROP_0, PROP_COPYING, PROP_CHOSEN, PROP_COPIED, PROP_SIZE, PROP_STATUS, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
set_status (PierCopyDialog *self, const char *status)
{
  g_free (self->status);
  self->status = g_strdup (status);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATUS]);
}

static gboolean
copy_sensitive (gpointer this, gboolean copying, const char *chosen)
{
  return !copying && chosen != NULL;
}

static gboolean
is_set (gpointer this, const char *text)
{
  return text != NULL;
}

static double
copied_fraction (gpointer this, guint64 copied, guint64 size)
{
  /* The archive carries the layers uncompressed, about the image's size, a little over it. */
  return size ? MIN ((double) copied / size, 1.0) : 0;
}

static char *
copied_text (gpointer this, guint64 copied, guint64 size)
{
  g_autofree char *done = g_format_size (copied);
  g_autofree char *total = size ? g_format_size (size) : NULL;

  /* Translators: bytes moved so far, then about how many the image holds. */
  return total ? g_strdup_printf (_("%s of about %s"), done, total) : g_strdup (done);
}

static void
target_toggled (GtkCheckButton *check, PierCopyDialog *self)
{
  if (!gtk_check_button_get_active (check))
    return;
  g_free (self->chosen);
  self->chosen = g_strdup (g_object_get_data (G_OBJECT (check), "name"));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CHOSEN]);
}

void
pier_copy_dialog_add_target (PierCopyDialog *self, const char *name, PierEngine *engine,
                             const char *why_not)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (why_not != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), why_not);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  gtk_widget_set_sensitive (row, why_not == NULL && engine != NULL);
  g_object_set_data_full (G_OBJECT (check), "name", g_strdup (name), g_free);
  if (engine != NULL)
    g_object_set_data_full (G_OBJECT (check), "engine", g_object_ref (engine), g_object_unref);
  if (self->group != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), self->group);
  else
    self->group = GTK_CHECK_BUTTON (check);
  g_signal_connect (check, "toggled", G_CALLBACK (target_toggled), self);
  gtk_list_box_append (self->target_list, row);
}

static GtkCheckButton *
find_target (PierCopyDialog *self, const char *name)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->target_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));
      if (check != NULL && g_strcmp0 (g_object_get_data (G_OBJECT (check), "name"), name) == 0)
        return GTK_CHECK_BUTTON (check);
    }
  return NULL;
}

gboolean
pier_copy_dialog_choose (PierCopyDialog *self, const char *name)
{
  GtkCheckButton *check = find_target (self, name);

  if (check == NULL || !gtk_widget_is_sensitive (GTK_WIDGET (check)))
    return FALSE;
  gtk_check_button_set_active (check, TRUE);
  return TRUE;
}

/* ---- the copy ---- */

static void
post_bytes (guint64 bytes, gpointer relay)
{
  pier_ui_relay_post (relay, g_memdup2 (&bytes, sizeof bytes));
}

static void
show_bytes (gpointer item, gpointer user_data)
{
  PierCopyDialog *self = user_data;

  self->copied = *(guint64 *) item;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COPIED]);
}

typedef struct {
  PierEngine *source;
  PierEngine *target;
  char *image;
  PierUiRelay *relay;
} Copy;

static void
copy_free (Copy *copy)
{
  g_object_unref (copy->source);
  g_object_unref (copy->target);
  g_free (copy->image);
  pier_ui_relay_unref (copy->relay);
  g_free (copy);
}

static gboolean
copy_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Copy *copy = data;

  return (*result = pier_engine_copy_image (copy->source, copy->image, copy->target, post_bytes,
                                            copy->relay, cancellable, error)) != NULL;
}

static void
copy_ended (PierCopyDialog *self)
{
  g_clear_object (&self->cancellable);
  if (self->relay != NULL)
    pier_ui_relay_close (self->relay);
  g_clear_pointer (&self->relay, pier_ui_relay_unref);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COPYING]);
}

static void
copy_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierCopyDialog *self = PIER_COPY_DIALOG (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) loaded = NULL;
  GtkWidget *parent;

  pier_ui_task_finish (result, (gpointer *) &loaded, &error);
  if (self->copy_button == NULL)
    return; /* disposed */
  pier_ui_relay_flush (self->relay);
  copy_ended (self);
  if (loaded == NULL)
    {
      g_autofree char *heading = g_strdup_printf (_("Could not copy %s to “%s”"), self->image,
                                                  self->chosen);
      set_status (self, error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pier_ui_show_error (GTK_WIDGET (self), heading, error);
      return;
    }
  parent = GTK_WIDGET (gtk_window_get_transient_for (GTK_WINDOW (self)));
  if (parent != NULL)
    {
      /* Translators: an image, then the connection it was copied to. */
      g_autofree char *text = g_strdup_printf (_("Copied %s to “%s”"), self->image, self->chosen);
      gtk_widget_activate_action (parent, "win.toast", "s", text);
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

void
pier_copy_dialog_copy (PierCopyDialog *self)
{
  GtkCheckButton *check = self->chosen ? find_target (self, self->chosen) : NULL;
  PierEngine *target = check ? g_object_get_data (G_OBJECT (check), "engine") : NULL;
  g_autofree char *status = NULL;
  Copy *copy;

  if (self->cancellable != NULL || target == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  self->relay = pier_ui_relay_new (TRUE, show_bytes, self, g_free);
  self->copied = 0;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COPIED]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COPYING]);
  status = g_strdup_printf (_("Copying %s to “%s”…"), self->image, self->chosen);
  set_status (self, status);
  copy = g_new0 (Copy, 1);
  copy->source = g_object_ref (self->source);
  copy->target = g_object_ref (target);
  copy->image = g_strdup (self->image);
  copy->relay = pier_ui_relay_ref (self->relay);
  pier_ui_run_in_thread (self, self->cancellable, copy_work, copy, (GDestroyNotify) copy_free,
                         (GDestroyNotify) g_ptr_array_unref, copy_done, NULL);
}

gboolean
pier_copy_dialog_get_copying (PierCopyDialog *self)
{
  return self->cancellable != NULL;
}

guint64
pier_copy_dialog_get_copied (PierCopyDialog *self)
{
  return self->copied;
}

static void
cancel_clicked (PierCopyDialog *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

GtkWidget *
pier_copy_dialog_new (GtkWindow *parent, PierEngine *source, const char *image, guint64 size)
{
  PierCopyDialog *self = g_object_new (PIER_TYPE_COPY_DIALOG, "transient-for", parent, NULL);
  g_autofree char *title = g_strdup_printf (_("Copy %s"), image);

  self->source = g_object_ref (source);
  self->image = g_strdup (image);
  self->size = size;
  gtk_window_set_title (GTK_WINDOW (self), title);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SIZE]);
  return GTK_WIDGET (self);
}

static gboolean
close_request (GtkWindow *window)
{
  PierCopyDialog *self = PIER_COPY_DIALOG (window);

  /* Closing while copying cancels it, never leaves it running unseen. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (pier_copy_dialog_parent_class)->close_request (window);
}

static void
pier_copy_dialog_dispose (GObject *object)
{
  PierCopyDialog *self = PIER_COPY_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_COPY_DIALOG);
  g_clear_object (&self->source);
  copy_ended (self);
  G_OBJECT_CLASS (pier_copy_dialog_parent_class)->dispose (object);
}

static void
pier_copy_dialog_finalize (GObject *object)
{
  PierCopyDialog *self = PIER_COPY_DIALOG (object);

  g_free (self->image);
  g_free (self->chosen);
  g_free (self->status);
  G_OBJECT_CLASS (pier_copy_dialog_parent_class)->finalize (object);
}

static void
pier_copy_dialog_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PierCopyDialog *self = PIER_COPY_DIALOG (object);

  switch (prop_id)
    {
    case PROP_COPYING: g_value_set_boolean (value, self->cancellable != NULL); break;
    case PROP_CHOSEN: g_value_set_string (value, self->chosen); break;
    case PROP_COPIED: g_value_set_uint64 (value, self->copied); break;
    case PROP_SIZE: g_value_set_uint64 (value, self->size); break;
    case PROP_STATUS: g_value_set_string (value, self->status); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pier_copy_dialog_class_init (PierCopyDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = pier_copy_dialog_get_property;
  object_class->dispose = pier_copy_dialog_dispose;
  object_class->finalize = pier_copy_dialog_finalize;
  props[PROP_COPYING] = g_param_spec_boolean ("copying", NULL, NULL, FALSE, flags);
  props[PROP_CHOSEN] = g_param_spec_string ("chosen", NULL, NULL, NULL, flags);
  props[PROP_COPIED] = g_param_spec_uint64 ("copied", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
  GTK_WINDOW_CLASS (klass)->close_request = close_request;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-copy-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PierCopyDialog, copy_button);
  gtk_widget_class_bind_template_child (widget_class, PierCopyDialog, target_list);
  gtk_widget_class_bind_template_callback (widget_class, pier_copy_dialog_copy);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, copy_sensitive);
  gtk_widget_class_bind_template_callback (widget_class, is_set);
  gtk_widget_class_bind_template_callback (widget_class, copied_fraction);
  gtk_widget_class_bind_template_callback (widget_class, copied_text);
  gtk_widget_class_bind_template_callback (widget_class, pier_ui_closure_not);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pier_copy_dialog_init (PierCopyDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_window_set_default_widget (GTK_WINDOW (self), self->copy_button);
}
