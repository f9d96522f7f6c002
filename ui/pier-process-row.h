/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-engine-types.h"

G_BEGIN_DECLS

/* A row of the Processes view: a process, or the heading of a session of a container's
 * processes. Text properties for the inside view (container-pid, container-sid, user, command)
 * and the host's (host-pid, host-sid, host-user, host-command, cpu, memory, state, container,
 * container-pid), "classes" (CSS classes: session headings, processes in containers) and
 * "search-text". Updated in place from each new snapshot, notifying only what changed. */

#define PIER_TYPE_PROCESS_ROW (pier_process_row_get_type ())
G_DECLARE_FINAL_TYPE (PierProcessRow, pier_process_row, PIER, PROCESS_ROW, GObject)

PierProcessRow *pier_process_row_new (gboolean is_session, int host_id);

/* @container: the name of the container the process belongs to, or NULL (a host process);
 * @mark_container: show it apart from host processes (among the whole host's). */
void pier_process_row_update_process (PierProcessRow *self, const PierProcessInfo *process,
                                      const char *container, gboolean mark_container);
void pier_process_row_update_session (PierProcessRow *self, const PierSessionInfo *session);

gboolean pier_process_row_is_session (PierProcessRow *self);
/* The host PID of a process, the host SID of a session. */
int pier_process_row_get_host_id (PierProcessRow *self);
/* For tests and the layer lookup: the values shown, as numbers. */
int pier_process_row_get_container_pid (PierProcessRow *self);
int pier_process_row_get_container_sid (PierProcessRow *self);
int pier_process_row_get_host_sid (PierProcessRow *self);
const char *pier_process_row_get_container_id (PierProcessRow *self);
void pier_process_row_set_container_id (PierProcessRow *self, const char *id);

G_END_DECLS
