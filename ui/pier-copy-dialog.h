/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-engine.h"

G_BEGIN_DECLS

/* "Copy to…": copies an image from the connection shown to another one the person chooses
 * (pier_engine_copy_image() off the main thread), with the bytes moved so far; Cancel stops
 * it and leaves the target as it was. At the end it closes and the window says, in a toast,
 * where the image went; an error is the window's error dialog. */

#define PIER_TYPE_COPY_DIALOG (pier_copy_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierCopyDialog, pier_copy_dialog, PIER, COPY_DIALOG, AdwWindow)

/* Copies @image (a name or id) of @source; @size: the image's bytes, what the progress bar
 * measures against (0: unknown). */
GtkWidget *pier_copy_dialog_new (GtkWindow *parent, PierEngine *source, const char *image,
                                 guint64 size);
/* Offers the connection @name as a target: its @engine, or, when @why_not is set (the engine
 * cannot load images, it could not be made), an insensitive row saying why. */
void pier_copy_dialog_add_target (PierCopyDialog *self, const char *name, PierEngine *engine,
                                  const char *why_not);

/* Chooses the target @name, as clicking its row does; FALSE when it is not offered or
 * insensitive. */
gboolean pier_copy_dialog_choose (PierCopyDialog *self, const char *name);
/* What the Copy button does. */
void pier_copy_dialog_copy (PierCopyDialog *self);
/* Whether a copy runs, and the bytes it has shown moved so far. */
gboolean pier_copy_dialog_get_copying (PierCopyDialog *self);
guint64 pier_copy_dialog_get_copied (PierCopyDialog *self);

G_END_DECLS
