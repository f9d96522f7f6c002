/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A message dialog that reports a failure: @heading (what could not be done) over @body (why,
 * as the engine worded it), and Close ("close", also what Escape answers). */

#define PIER_TYPE_ERROR_DIALOG (pier_error_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierErrorDialog, pier_error_dialog, PIER, ERROR_DIALOG, AdwMessageDialog)

/* @parent: NULL for none. */
GtkWidget *pier_error_dialog_new (GtkWindow *parent, const char *heading, const char *body);

G_END_DECLS
