/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* PierDockerEngine's state and the helpers its files share (images, containers, attach and
 * exec, processes, archives, registries, events). */

#include "pier-docker-client.h"
#include "pier-docker-engine.h"
#include "pier-engine.h"
#include "pier-json.h"
#include "pier-process-snapshot.h"

#include <jansson.h>

G_BEGIN_DECLS

struct _PierDockerEngine {
  GObject parent_instance;
  PierDockerEndpoint *endpoint;
  PierDockerClient *client;
  char *runroot; /* Pier's own, for what graphical sessions keep (NULL: the default) */
};

/* For tests: how long a connection may take and a reply may stay silent, in milliseconds. */
void pier_docker_engine_set_timeouts (PierDockerEngine *engine, guint connect_ms,
                                      guint stall_ms);

/* What Docker cannot do, or Pier does not ask of it: G_IO_ERROR_NOT_SUPPORTED naming the
 * connection. @what is an N_() string. */
void pier_docker_engine_not_supported (PierDockerEngine *self, const char *what,
                                       GError **error);

/* A request path with @name escaped: pier_docker_path ("/containers/", name, "/json"). */
char *pier_docker_path (const char *prefix, const char *name, const char *suffix);
/* JSON helpers over untrusted replies: the member if it has the type, else a default. */
const char *pier_docker_str (json_t *object, const char *key);
gint64 pier_docker_int (json_t *object, const char *key);
char **pier_docker_strv (json_t *array);
/* RFC 3339 (Docker's, nanoseconds) as unix microseconds; 0 for none or the zero time. */
gint64 pier_docker_time_usec (const char *text);
/* "busybox:latest" or "docker.io/library/busybox:latest" as the index stores names. */
char *pier_docker_normalize_name (const char *name);

/* "repo=NAME&tag=TAG" for @name (NAME[:TAG], Docker's rules), escaped. */
char *pier_docker_repo_tag_query (const char *name, GError **error);
/* "K=V" entries as they are, "K" alone with the caller's value (left out when unset), as
 * docker run -e does. */
json_t *pier_docker_env_json (PierJsonWriter *w, const char *const *env);
/* "sha256:HEX": Podman gives some ids without the algorithm. */
char *pier_docker_image_id (const char *id);

/* Rejects @json when it is not an object: "@what from the peer is not an object". */
gboolean pier_docker_expect (PierDockerEngine *self, json_t *json, json_type type,
                             const char *what, GError **error);

/* POST /containers/create; @attached: the caller removes it after (auto_remove). */
char *pier_docker_engine_create_container (PierDockerEngine *self, const PierRunOptions *options,
                                           gboolean attached, GCancellable *cancellable,
                                           GError **error);
/* POST /containers/ID/start, then @started. */
gboolean pier_docker_engine_start_detached (PierDockerEngine *self, const char *container,
                                            PierStartedFunc started, gpointer started_data,
                                            GCancellable *cancellable, GError **error);
/* POST /containers/ID/wait: its exit code. */
gboolean pier_docker_engine_wait (PierDockerEngine *self, const char *container, int *exit_code,
                                  GCancellable *cancellable, GError **error);

/* The engine's vfuncs, by file. */
/* Sends a container's or an exec's (@kind "containers", "exec") terminal size to the peer. */
void pier_docker_engine_resize (PierDockerEngine *self, const char *kind, const char *id,
                                guint16 rows, guint16 cols);
/* The master of a pty whose other end a thread relays to @stream (now its) at the size the
 * master is given, for an exec's terminal; -1 on failure (@stream closed). */
int pier_docker_engine_exec_pty (PierDockerEngine *self, const char *exec_id,
                                 PierDockerConnection *stream, guint16 rows, guint16 cols,
                                 GError **error);

/* A running container's init: its host PID and the inode of its PID namespace (local socket). */
gboolean pier_docker_engine_running_init (PierDockerEngine *self, const char *container,
                                          int *pid, guint64 *pid_ns, GCancellable *cancellable,
                                          GError **error);
/* The sessions (PierSessionInfo *) of @snapshot's processes in @pid_ns, @init's marked "init". */
GPtrArray *pier_docker_engine_sessions (PierProcessSnapshot *snapshot, int init, guint64 pid_ns);
/* watch_processes and list_host_processes, for a local socket. */
void pier_docker_engine_watch_init (PierEngineInterface *iface);

/* Sets the pod of each of @containers (Podman's; none elsewhere). */
gboolean pier_docker_engine_fill_pods (PierDockerEngine *self,
                                       PierContainerInfo *const *containers, guint n,
                                       GCancellable *cancellable, GError **error);

void pier_docker_engine_images_init (PierEngineInterface *iface);
void pier_docker_engine_containers_init (PierEngineInterface *iface);
void pier_docker_engine_attach_init (PierEngineInterface *iface);
void pier_docker_engine_processes_init (PierEngineInterface *iface);
void pier_docker_engine_events_init (PierEngineInterface *iface);
void pier_docker_engine_archive_init (PierEngineInterface *iface);
void pier_docker_engine_registry_init (PierEngineInterface *iface);
void pier_docker_engine_graphical_init (PierEngineInterface *iface);

G_END_DECLS
