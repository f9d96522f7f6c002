/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "pier-model.h"

G_BEGIN_DECLS

/* Processes seen from both sides. For a container: its view (container PID, session, user,
 * command) and the host's view of the same processes (host PID, session, user and uid,
 * command, CPU, memory) side by side, row for row, one selection for both; grouped by session,
 * each headed by how the session began (init, exec, graphical); and, on request, the layer the
 * selected process's executable comes from. Without a container: every host process, with the
 * container each belongs to, so container processes are seen among the host's.
 *
 * With an engine that lacks PIER_ENGINE_CAP_HOST_PROCESSES (one elsewhere), a container's
 * processes are shown from inside only (pier_engine_list_processes()), saying that the host's
 * side is not visible, and the whole host's view says why it is empty: no host-only call.
 *
 * Refreshed once a second while shown, off the main thread; rows are updated in place, keyed
 * by host PID (from inside only: container PID). Whether the container runs is the model's:
 * a refresh reads processes, never the containers. The "refreshed" signal (gint64
 * microseconds from the start of a refresh to its rows updated) follows each refresh. */

#define PIER_TYPE_PROCESSES_VIEW (pier_processes_view_get_type ())
G_DECLARE_FINAL_TYPE (PierProcessesView, pier_processes_view, PIER, PROCESSES_VIEW, GtkWidget)

void pier_processes_view_set_model (PierProcessesView *self, PierModel *model);
/* @id: the container to show; NULL: the whole host. */
void pier_processes_view_set_container (PierProcessesView *self, const char *id);
void pier_processes_view_start_search (PierProcessesView *self);
/* Rereads now, unless a refresh is under way. */
void pier_processes_view_refresh (PierProcessesView *self);

/* PierProcessRow, as shown (session headings included), and the one selection of both sides. */
GtkSingleSelection *pier_processes_view_get_selection (PierProcessesView *self);
/* The two column views (the host's alone without a container). */
GtkColumnView *pier_processes_view_get_inside_view (PierProcessesView *self);
GtkColumnView *pier_processes_view_get_host_view (PierProcessesView *self);

G_END_DECLS
