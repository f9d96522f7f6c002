/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-text-dialog.h"

struct _PierTextDialog {
  AdwMessageDialog parent_instance;

  GtkEntry *entry;
};

G_DEFINE_FINAL_TYPE (PierTextDialog, pier_text_dialog, ADW_TYPE_MESSAGE_DIALOG)

GtkWidget *
pier_text_dialog_new (GtkWindow *parent, const char *heading, const char *body,
                      const char *label, const char *initial, const char *confirm)
{
  PierTextDialog *self = g_object_new (PIER_TYPE_TEXT_DIALOG, "transient-for", parent,
                                       "heading", heading, "body", body, NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->entry), initial ? initial : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_entry_set_placeholder_text (self->entry, label);
  adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (self), "ok", confirm);
  return GTK_WIDGET (self);
}

const char *
pier_text_dialog_get_text (PierTextDialog *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

/* After the message dialog's own mapping, which focuses a response. */
static void
pier_text_dialog_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (pier_text_dialog_parent_class)->map (widget);
  gtk_widget_grab_focus (GTK_WIDGET (PIER_TEXT_DIALOG (widget)->entry));
}

static void
pier_text_dialog_class_init (PierTextDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->map = pier_text_dialog_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-text-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PierTextDialog, entry);
}

static void
pier_text_dialog_init (PierTextDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
