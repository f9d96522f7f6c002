/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* What `pierctl run -d` asks, as a form: image, command, terminal, name, hostname, environment,
 * volumes, network and limits. Run creates and starts the container off the main thread, then
 * emits "container-started" (const char *id) and closes; a refusal is shown in the engine's
 * words and the form stays. The setters fill the form as a person would. */

#define PIER_TYPE_RUN_DIALOG (pier_run_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PierRunDialog, pier_run_dialog, PIER, RUN_DIALOG, AdwWindow)

/* @image: preselected (a name or id); NULL: the first image. */
GtkWidget *pier_run_dialog_new (GtkWindow *parent, PierModel *model, const char *image);

void pier_run_dialog_set_image (PierRunDialog *self, const char *image);
/* Words as a shell would split them: "sh -c 'sleep 100'". */
void pier_run_dialog_set_command (PierRunDialog *self, const char *command);
void pier_run_dialog_set_container_name (PierRunDialog *self, const char *name);
void pier_run_dialog_set_hostname (PierRunDialog *self, const char *hostname);
void pier_run_dialog_set_terminal (PierRunDialog *self, gboolean terminal);
void pier_run_dialog_add_env (PierRunDialog *self, const char *name_value);
/* "bridge", "none", "host"; NULL: the default. */
void pier_run_dialog_set_network (PierRunDialog *self, const char *mode);
void pier_run_dialog_set_limits (PierRunDialog *self, const char *memory, const char *cpus,
                                 const char *pids);

/* What the Run button does. */
void pier_run_dialog_run (PierRunDialog *self);
/* The last refusal, in the engine's words, or NULL. */
const char *pier_run_dialog_get_error (PierRunDialog *self);

G_END_DECLS
