/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-docker-client.h"

G_BEGIN_DECLS

/* Attach and exec start: an HTTP request whose connection, once the peer answers 101 (or
 * 200), carries the process's raw stdin one way and its output the other (raw with a
 * terminal, else in 8-byte frames). The headers are read a byte at a time and bounded, so that
 * nothing of the stream is read with them: the connection's descriptor is the stream. */

PierDockerConnection *pier_docker_client_hijack (PierDockerClient *client, const char *path,
                                                 json_t *body, GCancellable *cancellable,
                                                 GError **error);

/* Relays a hijacked stream until the peer ends it: @in_fd (-1: none) to the process, its
 * output to @out_fd and @err_fd (-1: dropped); without @tty, the output is framed. When @in_fd
 * ends, the stream's writing half is shut. */
gboolean pier_docker_relay (PierDockerClient *client, PierDockerConnection *connection,
                            gboolean tty, int in_fd, int out_fd, int err_fd,
                            GCancellable *cancellable, GError **error);

G_END_DECLS
