/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where a Docker Engine API listens: a Unix socket on this machine, or one on another machine
 * reached through `ssh HOST docker|podman system dial-stdio`, as Docker and Podman do. */

typedef enum {
  PIER_DOCKER_ENDPOINT_UNIX,
  PIER_DOCKER_ENDPOINT_SSH,
} PierDockerEndpointKind;

typedef struct {
  PierDockerEndpointKind kind;
  /* UNIX: the socket. SSH: the socket on the remote machine, or NULL for its engine's own. */
  char *socket_path;
  /* SSH only. */
  char *user;          /* or NULL: ssh's choice */
  char *host;
  guint16 port;        /* 0: ssh's choice */
  char *identity_file; /* a key file the person named, or NULL: the agent and ssh's config */
  char *remote_cli;    /* "docker" or "podman": whose `system dial-stdio` runs there */
} PierDockerEndpoint;

/* unix:///PATH, or ssh://[USER@]HOST[:PORT][/SOCKET] (remote_cli "docker" unless set after).
 * The error names the URI and what is wrong with it. */
PierDockerEndpoint *pier_docker_endpoint_parse (const char *uri, GError **error);
/* The endpoint as pier_docker_endpoint_parse() reads it back (identity and CLI left out). */
char *pier_docker_endpoint_to_uri (const PierDockerEndpoint *endpoint);
PierDockerEndpoint *pier_docker_endpoint_copy (const PierDockerEndpoint *endpoint);
void pier_docker_endpoint_free (PierDockerEndpoint *endpoint);
/* Its engine runs on this machine (a Unix socket): its containers' host PIDs are ours. */
gboolean pier_docker_endpoint_is_local (const PierDockerEndpoint *endpoint);

/* A stream to the API: a connected Unix socket, or one end of a socket pair whose other end is
 * an ssh process's stdin and stdout. */
typedef struct _PierDockerConnection PierDockerConnection;

/* A new connection (close-on-exec). For ssh, a failure to log in shows only once the stream is
 * read: pier_docker_connection_failure() then gives ssh's words. */
PierDockerConnection *pier_docker_endpoint_connect (const PierDockerEndpoint *endpoint,
                                                    GCancellable *cancellable, GError **error);
/* ssh (the endpoint's) with @stream (taken) as its stdin and stdout, for a stream whose other
 * end someone else holds (libcurl): the connection's own descriptor is then -1. */
PierDockerConnection *pier_docker_endpoint_connect_ssh_on (const PierDockerEndpoint *endpoint,
                                                           int stream, GError **error);
int pier_docker_connection_get_fd (PierDockerConnection *connection);
/* What the far end said when the stream broke: for ssh, "ssh to HOST: " and the last line
 * ssh wrote to its stderr (read once ssh exits, bounded); NULL when it said nothing. */
char *pier_docker_connection_failure (PierDockerConnection *connection);
/* The stream's descriptor, now the caller's: an ssh process behind it ends when it is closed,
 * and is reaped then. The connection is freed. */
int pier_docker_connection_steal_fd (PierDockerConnection *connection);
/* Closes the stream; an ssh process behind it is ended and reaped. */
void pier_docker_connection_close (PierDockerConnection *connection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDockerEndpoint, pier_docker_endpoint_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDockerConnection, pier_docker_connection_close)

G_END_DECLS
