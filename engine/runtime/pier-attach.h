/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

G_BEGIN_DECLS

/* The attach protocol between pier-monitor and its clients: a SOCK_SEQPACKET Unix socket in
 * the container's state directory (mode 0600), one frame per packet, a type byte then the
 * payload.
 *
 *   client → monitor   'i' data for the command's stdin
 *                      'e' end of stdin (a pipe is closed; a terminal is left alone)
 *                      'w' terminal size: rows, cols (two big-endian u16)
 *   monitor → client   'o' stdout data   'r' stderr data
 *                      'x' the command exited: its code (big-endian i32), then the monitor
 *                          closes the connection
 * Output goes to every client connected at the time; there is no replay (that is the log).
 * The client side is pier_sandbox_attach*() in pier-sandbox.h. */

enum {
  PIER_ATTACH_STDIN = 'i',
  PIER_ATTACH_STDIN_EOF = 'e',
  PIER_ATTACH_RESIZE = 'w',
  PIER_ATTACH_STDOUT = 'o',
  PIER_ATTACH_STDERR = 'r',
  PIER_ATTACH_EXIT = 'x',
};

#define PIER_ATTACH_MAX_PAYLOAD 32768

/* The socket's address for @state_dir; paths too long for sun_path go through
 * /proc/self/fd/@dirfd (an O_PATH descriptor of state_dir the caller keeps open meanwhile). */
gboolean pier_attach_address (const char *state_dir, int dirfd, struct sockaddr_un *addr,
                              socklen_t *len, GError **error);

typedef struct {
  void (*stdin_data) (gpointer user_data, const guint8 *data, gsize len);
  void (*stdin_eof) (gpointer user_data);
  void (*resize) (gpointer user_data, guint16 rows, guint16 cols);
} PierAttachServerCallbacks;

typedef struct _PierAttachServer PierAttachServer;

/* Serves @listen_fd (may be -1: only clients added by hand), owning it. */
PierAttachServer *pier_attach_server_new (int listen_fd, const PierAttachServerCallbacks *callbacks,
                                          gpointer user_data);
void pier_attach_server_free (PierAttachServer *server);

/* A connected client (the one pier_sandbox_start() made for `run`); owned from now on. */
void pier_attach_server_add_client (PierAttachServer *server, int fd);

/* Poll integration: adds the server's descriptors to @fds (at most @max) and returns how
 * many; dispatch() then handles what poll() reported for them. */
guint pier_attach_server_prepare (PierAttachServer *server, struct pollfd *fds, guint max);
void pier_attach_server_dispatch (PierAttachServer *server, const struct pollfd *fds, guint n);

/* Sends output to every client; a client that cannot keep up (megabytes behind) is
 * disconnected rather than allowed to stall the container. */
void pier_attach_server_broadcast (PierAttachServer *server, char type, const void *data,
                                   gsize len);

/* Sends the exit frame to every client, flushing what they still had queued (for a second at
 * most), and closes them and the listening socket. */
void pier_attach_server_finish (PierAttachServer *server, int exit_code);

/* Relays a pty master and local descriptors (the interactive exec): @in_fd → master, master →
 * @out_fd, the local terminal's size → master, until the pty's last slave closes. */
gboolean pier_attach_relay_pty (int master, int in_fd, int out_fd, GError **error);

G_END_DECLS
