/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A message dialog that asks before removing @target (a container's id, an image's name):
 * @heading over @body (what goes with it), Cancel ("cancel", the default) and Remove
 * ("remove", destructive). Escape answers "close", which removes nothing. Connect to
 * "response::remove" to do it. */

#define PIER_TYPE_REMOVE_DIALOG (pier_remove_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierRemoveDialog, pier_remove_dialog, PIER, REMOVE_DIALOG, AdwMessageDialog)

GtkWidget *pier_remove_dialog_new (GtkWindow *parent, const char *heading, const char *body,
                                   const char *target);

/* What the dialog asks to remove, as given. */
const char *pier_remove_dialog_get_target (PierRemoveDialog *self);

G_END_DECLS
