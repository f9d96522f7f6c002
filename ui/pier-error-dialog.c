/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-error-dialog.h"

struct _PierErrorDialog {
  AdwMessageDialog parent_instance;
};

G_DEFINE_FINAL_TYPE (PierErrorDialog, pier_error_dialog, ADW_TYPE_MESSAGE_DIALOG)

GtkWidget *
pier_error_dialog_new (GtkWindow *parent, const char *heading, const char *body)
{
  return g_object_new (PIER_TYPE_ERROR_DIALOG, "transient-for", parent, "heading", heading,
                       "body", body, NULL);
}

static void
pier_error_dialog_class_init (PierErrorDialogClass *klass)
{
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/org/pier/Pier/ui/pier-error-dialog.ui");
}

static void
pier_error_dialog_init (PierErrorDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
