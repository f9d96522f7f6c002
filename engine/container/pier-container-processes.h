/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"
#include "pier-process-snapshot.h"

G_BEGIN_DECLS

/* Processes seen from both sides: a container's processes with their PIDs, sessions and users
 * inside and on the host; the whole host with the container each process belongs to. */

/* Session origins, as the runtime starts them. */
#define PIER_SESSION_INIT "init"
#define PIER_SESSION_EXEC "exec"
#define PIER_SESSION_GRAPHICAL "graphical"

/* The PID namespace of a running container (the inode of its init's), 0 when not running. */
guint64 pier_container_get_pid_ns (const PierContainer *container);

/* A running container's processes. */
PierProcessSnapshot *pier_container_snapshot (PierProcessScanner *scanner,
                                              const PierContainer *container, GError **error);

/* Records that the session whose leader has host PID @host_sid was started as @origin
 * (PIER_SESSION_EXEC, PIER_SESSION_GRAPHICAL) in the container's runtime state. */
gboolean pier_container_record_session (PierStore *store, const PierContainer *container,
                                        int host_sid, const char *origin, GError **error);

/* The container's sessions, each with its origin: "init" for the init's, and the recorded
 * ones; sessions of processes that are gone are forgotten. */
GPtrArray *pier_container_sessions (PierStore *store, const PierContainer *container,
                                    PierProcessSnapshot *snapshot);

/* The running containers by PID namespace inode (guint64 * → PierContainer *, owned). */
GHashTable *pier_store_containers_by_pid_ns (PierStore *store, GError **error);

/* Where a container process's executable comes from: the index of the layer (0 the sandbox
 * layer, 1.. the image's from the top) and that layer's history line (created_by of the step
 * that made it; "the container's own changes" for the sandbox layer). */
gboolean pier_container_process_provenance (PierStore *store, const PierContainer *container,
                                            const PierProcess *process, int *layer_index,
                                            char **description, GError **error);

G_END_DECLS
