/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-remove-dialog.h"

struct _PierRemoveDialog {
  AdwMessageDialog parent_instance;

  char *target;
};

G_DEFINE_FINAL_TYPE (PierRemoveDialog, pier_remove_dialog, ADW_TYPE_MESSAGE_DIALOG)

GtkWidget *
pier_remove_dialog_new (GtkWindow *parent, const char *heading, const char *body,
                        const char *target)
{
  PierRemoveDialog *self = g_object_new (PIER_TYPE_REMOVE_DIALOG, "transient-for", parent,
                                         "heading", heading, "body", body, NULL);

  self->target = g_strdup (target);
  return GTK_WIDGET (self);
}

const char *
pier_remove_dialog_get_target (PierRemoveDialog *self)
{
  return self->target;
}

static void
pier_remove_dialog_finalize (GObject *object)
{
  g_free (PIER_REMOVE_DIALOG (object)->target);
  G_OBJECT_CLASS (pier_remove_dialog_parent_class)->finalize (object);
}

static void
pier_remove_dialog_class_init (PierRemoveDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_remove_dialog_finalize;
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/org/pier/Pier/ui/pier-remove-dialog.ui");
}

static void
pier_remove_dialog_init (PierRemoveDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
