/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-load-failed-dialog.h"

struct _PierLoadFailedDialog {
  AdwMessageDialog parent_instance;

  GFile *file;
};

G_DEFINE_FINAL_TYPE (PierLoadFailedDialog, pier_load_failed_dialog, ADW_TYPE_MESSAGE_DIALOG)

GtkWidget *
pier_load_failed_dialog_new (GtkWindow *parent, const char *heading, const char *body,
                             GFile *file)
{
  PierLoadFailedDialog *self = g_object_new (PIER_TYPE_LOAD_FAILED_DIALOG, "transient-for", parent,
                                             "heading", heading, "body", body, NULL);

  self->file = g_object_ref (file);
  return GTK_WIDGET (self);
}

GFile *
pier_load_failed_dialog_get_file (PierLoadFailedDialog *self)
{
  return self->file;
}

static void
pier_load_failed_dialog_dispose (GObject *object)
{
  g_clear_object (&PIER_LOAD_FAILED_DIALOG (object)->file);
  G_OBJECT_CLASS (pier_load_failed_dialog_parent_class)->dispose (object);
}

static void
pier_load_failed_dialog_class_init (PierLoadFailedDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pier_load_failed_dialog_dispose;
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/org/pier/Pier/ui/pier-load-failed-dialog.ui");
}

static void
pier_load_failed_dialog_init (PierLoadFailedDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
