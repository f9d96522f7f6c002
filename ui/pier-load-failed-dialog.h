/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A message dialog for a @file that could not be loaded as an image archive but may be a root
 * filesystem: @heading over @body (why, as the engine worded it), Close ("close", also what
 * Escape answers) and Import as a Root Filesystem ("import", suggested). Connect to
 * "response::import" to offer the import. */

#define PIER_TYPE_LOAD_FAILED_DIALOG (pier_load_failed_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierLoadFailedDialog, pier_load_failed_dialog, PIER, LOAD_FAILED_DIALOG,
                      AdwMessageDialog)

GtkWidget *pier_load_failed_dialog_new (GtkWindow *parent, const char *heading, const char *body,
                                        GFile *file);

/* The file that could not be loaded. */
GFile *pier_load_failed_dialog_get_file (PierLoadFailedDialog *self);

G_END_DECLS
