/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* Pulls an image from a registry with live progress, layer by layer; Cancel stops it and
 * leaves nothing of it in the store. Emits "pulled" (const char *reference) and closes. */

#define PIER_TYPE_PULL_DIALOG (pier_pull_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierPullDialog, pier_pull_dialog, PIER, PULL_DIALOG, AdwWindow)

GtkWidget *pier_pull_dialog_new (GtkWindow *parent, PierModel *model);

/* What the Pull button does. */
void pier_pull_dialog_pull (PierPullDialog *self);

G_END_DECLS
