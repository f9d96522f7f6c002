/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine.h"

G_BEGIN_DECLS

/* Connections: the engines a front end can talk to, by name. The embedded engine ("pier",
 * always there and first), then those a person saved ($XDG_CONFIG_HOME/pier/connections.json,
 * which holds no secret: an SSH key stays in the agent or the key file named), then those found
 * on this machine and not saved: local sockets that answer, Docker contexts, Podman's service
 * destinations. A found one keeps its own name unless an earlier one has it.
 *
 * What Pier reads of Docker's and Podman's files is untrusted: a file it cannot read is a
 * warning naming it (pier_connections_get_warnings()), never a failure of the list. */

typedef enum {
  PIER_CONNECTION_KIND_PIER,
  PIER_CONNECTION_KIND_DOCKER,
  PIER_CONNECTION_KIND_PODMAN,
} PierConnectionKind;

typedef enum {
  PIER_CONNECTION_ORIGIN_EMBEDDED,
  PIER_CONNECTION_ORIGIN_SAVED,
  PIER_CONNECTION_ORIGIN_SOCKET,             /* a local socket that answers */
  PIER_CONNECTION_ORIGIN_ENVIRONMENT,        /* DOCKER_HOST naming another machine */
  PIER_CONNECTION_ORIGIN_DOCKER_CONTEXT,
  PIER_CONNECTION_ORIGIN_PODMAN_DESTINATION,
} PierConnectionOrigin;

typedef struct {
  char *name;
  PierConnectionKind kind;
  char *uri;           /* unix:///PATH or ssh://[USER@]HOST[:PORT][/SOCKET]; NULL for "pier" */
  char *identity_file; /* ssh: the key file named, or NULL: the agent and ssh's config */
  PierConnectionOrigin origin;
} PierConnection;

/* The embedded engine's name. */
#define PIER_CONNECTION_EMBEDDED "pier"

/* "pier", "docker", "podman". */
const char *pier_connection_kind_to_string (PierConnectionKind kind);
/* "docker" or "podman" (the kinds a person adds); the error names @text. */
gboolean pier_connection_kind_parse (const char *text, PierConnectionKind *out_kind,
                                     GError **error);
/* "embedded", "saved", "socket", "environment", "docker-context", "podman-destination". */
const char *pier_connection_origin_to_string (PierConnectionOrigin origin);

/* The engine of @connection: PierLocalEngine on the store at @root and @runroot (NULL: the
 * defaults) for the embedded one, PierDockerEngine at its endpoint for the others (keeping
 * what its graphical sessions need under @runroot). Nothing is
 * sent before the engine's first call. */
PierEngine *pier_connection_open_engine (const PierConnection *connection, const char *root,
                                         const char *runroot, GError **error);

typedef struct _PierConnections PierConnections;

/* The embedded and the saved connections. Nothing else is looked for yet. */
PierConnections *pier_connections_load (void);
void pier_connections_free (PierConnections *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierConnections, pier_connections_free)

/* Looks for the connections of this machine (once; later calls do nothing). */
void pier_connections_find (PierConnections *self);

/* Every connection known so far, PierConnection owned by @self: the embedded one, the saved
 * ones, and the found ones once pier_connections_find() ran. */
GPtrArray *pier_connections_get_all (PierConnections *self);
/* What could not be read so far, one line each, naming the file. */
const GPtrArray *pier_connections_get_warnings (PierConnections *self);

/* The connection called @name: the embedded or a saved one, else among those found (looking
 * for them first). PIER_ERROR_NOT_FOUND naming @name. */
const PierConnection *pier_connections_lookup (PierConnections *self, const char *name,
                                               GError **error);

/* The saved default connection's name: "pier" unless one was chosen. */
const char *pier_connections_get_default (PierConnections *self);
/* The name to use: @requested (a front end's --connection) if set, else $PIER_CONNECTION if
 * set, else the saved default. */
const char *pier_connections_choose (PierConnections *self, const char *requested);

/* These change the saved file (atomically, mode 0600) and fail when it could not be read, so
 * that nothing in it is lost. Each error names the argument at fault. */
gboolean pier_connections_add (PierConnections *self, const char *name, const char *uri,
                               PierConnectionKind kind, const char *identity_file,
                               GError **error);
gboolean pier_connections_remove (PierConnections *self, const char *name, GError **error);
gboolean pier_connections_set_default (PierConnections *self, const char *name, GError **error);

/* The saved file's path. */
const char *pier_connections_get_path (PierConnections *self);

G_END_DECLS
