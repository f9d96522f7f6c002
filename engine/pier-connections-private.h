/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-connections.h"

G_BEGIN_DECLS

/* pier-connection.c: one connection, a value. */
PierConnection *pier_connection_new (const char *name, PierConnectionKind kind, const char *uri,
                                     const char *identity_file, PierConnectionOrigin origin);
void pier_connection_free (PierConnection *connection);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierConnection, pier_connection_free)

/* pier-connections-found.c: the connections of this machine in the order they are offered
 * (the sockets and DOCKER_HOST, Docker's contexts, Podman's destinations), each named as its
 * owner names it, clashes and all. What cannot be read is a line added to @warnings. */
GPtrArray *pier_connections_find_on_machine (GPtrArray *warnings);

G_END_DECLS
