/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The host's only way into a container's RDP server: a Unix socket (mode 0600, in a 0700
 * directory) whose connections a small detached process, pier-rdp-relay, carries to
 * 127.0.0.1:PORT inside the container's network namespace. The relay binds the socket in the
 * host's mount namespace, then joins the container's network namespace (setns through a pidfd
 * of the container's init), so every TCP socket it makes is the container's: no TCP port is
 * ever opened on the host. It connects to the server only once a client has sent something
 * (RDP clients speak first), so a connection that only checks the relay is alive costs the
 * server nothing. It ends, removing its socket, when the init ends (the pidfd becomes
 * readable) or on SIGTERM.
 *
 *   pier-rdp-relay --socket PATH --pid PID --start-time TICKS [--port PORT] [--report-fd FD]
 *
 * TICKS is the init's start time (/proc/PID/stat field 22), so a reused pid is never joined.
 * With --report-fd the relay writes "ok\n" there once it serves, or a message when it cannot,
 * and closes it; it then detaches (own session, parent exits). */

#define PIER_RDP_PORT 3389

/* Starts pier-rdp-relay (PIER_RDP_RELAY_PATH, else next to the running executable, else
 * PIER_LIBEXECDIR) and returns once it serves @socket_path, or with its failure in words. */
gboolean pier_rdp_relay_spawn (const char *socket_path, pid_t target_pid,
                               guint64 target_start_time, guint16 port, GError **error);

/* A connection to the relay on @socket_path, or -1. */
int pier_rdp_relay_connect (const char *socket_path, GError **error);
/* TRUE when a relay accepts connections on @socket_path. */
gboolean pier_rdp_relay_is_serving (const char *socket_path);

/* The relay's main(), for app/pier-rdp-relay.c. */
int pier_rdp_relay_main (int argc, char **argv);

G_END_DECLS
