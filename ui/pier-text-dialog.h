/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A message dialog that asks for one line of text (a name to commit or tag as, the name of an
 * import): @heading and @body over an entry whose placeholder and accessible name are @label,
 * holding @initial (NULL: empty); Cancel ("cancel") and @confirm ("ok", suggested, the
 * default, which Enter in the entry activates). Presented with the entry focused. */

#define PIER_TYPE_TEXT_DIALOG (pier_text_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierTextDialog, pier_text_dialog, PIER, TEXT_DIALOG, AdwMessageDialog)

GtkWidget *pier_text_dialog_new (GtkWindow *parent, const char *heading, const char *body,
                                 const char *label, const char *initial, const char *confirm);

/* The entry's text, as typed. */
const char *pier_text_dialog_get_text (PierTextDialog *self);

G_END_DECLS
