/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* A terminal window with a shell inside a running container: an exec session (its own
 * namespaces entered, a session of its own, recorded as "exec" so the Processes page says how
 * it began), on a pseudo-terminal of the container's devpts shown by VTE. The session ends
 * when the window closes. Property "pid": the shell's host PID once it runs (0 before, and
 * always from an engine without PIER_ENGINE_CAP_HOST_PROCESSES). */

#define PIER_TYPE_TERMINAL (pier_terminal_get_type ())
G_DECLARE_FINAL_TYPE (PierTerminal, pier_terminal, PIER, TERMINAL, AdwWindow)

GtkWidget *pier_terminal_new (PierModel *model, const char *container_id);

int pier_terminal_get_pid (PierTerminal *self);
/* Types @text into the shell. */
void pier_terminal_feed (PierTerminal *self, const char *text);

G_END_DECLS
