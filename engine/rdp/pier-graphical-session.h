/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-graphical-target.h"

G_BEGIN_DECLS

/* Graphical sessions: a GUI app in a container, shown over RDP.
 *
 * pier_graphical_session_open() makes sure an RDP server listens on the own 127.0.0.1:3389 of a
 * container on this machine (reached through a target, pier-graphical-target.h) and that the
 * host can reach it, then starts the app in a new session:
 *
 *  - The server. An image that runs its own RDP server on 3389 (xrdp, FreeRDP's shadow server)
 *    is used as it is: its certificate is learned from a TLS handshake through the relay the
 *    first time (trust on first use) and pinned from then on, for as long as the container
 *    runs. Otherwise Pier starts Weston with its RDP backend, TLS only (no NLA: Debian's
 *    FreeRDP 3 has no MD4, so NTLM cannot work), with a key and certificate made once per
 *    container (in the target's certificate directory), so the fingerprint survives restarts.
 *    Weston runs as the container's user, in a session of its own recorded as
 *    PIER_GRAPHICAL_SESSION_SESSION_SERVER, as do the helper clients it starts in sessions of their own
 *    (its panel, its keyboard, Xwayland). Its files live in the container's /run/pier-gui
 *    (owned by that user, 0700): the key and certificate, weston.ini (desktop shell,
 *    panel at the top, no idle lock), and runtime/ (XDG_RUNTIME_DIR, with the Wayland socket
 *    PIER_GRAPHICAL_SESSION_WAYLAND_DISPLAY). With x11, Weston also runs Xwayland (started on the first X
 *    client) and the app gets DISPLAY.
 *  - The way in. rdp.sock (0600) in the target's 0700 state directory, served by
 *    pier-rdp-relay (pier-rdp-relay.h). No TCP port opens on the host, and a container on
 *    the host's network is refused, since its 127.0.0.1:3389 would be the host's.
 *  - The app: @options->app, or else the image's Entrypoint and Cmd (with Pier's Weston; an
 *    image's own server gets no app unless one is given, since its command is what runs the
 *    server), as the container's user, with the container's environment plus
 *    XDG_RUNTIME_DIR, WAYLAND_DISPLAY (and DISPLAY with x11), in a new session recorded as
 *    PIER_SESSION_GRAPHICAL.
 *
 * Calling it again reuses the running server and relay and starts another app. Weston's and
 * the apps' output goes to gui.log there. What it records (the server's pid, the fingerprint)
 * lives in rdp-server there and goes with the container's run, as the relay does, which ends
 * with the container's init. */

/* The origin recorded for the RDP server's sessions (the app's is PIER_SESSION_GRAPHICAL). */
#define PIER_GRAPHICAL_SESSION_SESSION_SERVER "rdp-server"
/* Where Pier's Weston puts its files inside the container, and its socket's name. */
#define PIER_GRAPHICAL_SESSION_CONTAINER_DIR "/run/pier-gui"
#define PIER_GRAPHICAL_SESSION_WAYLAND_DISPLAY "wayland-0"

#define PIER_GRAPHICAL_SESSION_DEFAULT_WIDTH 1024
#define PIER_GRAPHICAL_SESSION_DEFAULT_HEIGHT 768

typedef struct {
  const char *const *app; /* argv; NULL or empty: the default described above */
  gboolean x11;           /* Weston with Xwayland; the app gets DISPLAY */
  int width, height;      /* Weston's first desktop size (0: the default); clients resize it */
  gboolean join_running;  /* a server already running is joined as it is: no app is started
                           * (opening the session's window again), only with a new server */
} PierGraphicalSessionOptions;

typedef enum {
  PIER_GRAPHICAL_SESSION_SERVER_WESTON, /* started by Pier */
  PIER_GRAPHICAL_SESSION_SERVER_IMAGE,  /* the image's own, found listening on 3389 */
} PierGraphicalSessionServerKind;

typedef struct {
  char *socket_path;   /* what RDP clients connect to (xfreerdp3 /v:PATH) */
  char *fingerprint;   /* the server certificate's, "sha256:ab:…" (pier-tls.h) */
  PierGraphicalSessionServerKind server_kind;
  gboolean server_started; /* by this call (else it was running) */
  pid_t server_pid;    /* Weston's host pid; -1 for an image's own server */
  pid_t app_pid;       /* the app's host pid (its session's id on the host); -1 for none */
  char *display;       /* DISPLAY given to the app (":0") with x11, else NULL */
} PierGraphicalSessionInfo;

void pier_graphical_session_info_clear (PierGraphicalSessionInfo *info);

/* See above. A server or app started by this call is a child of the calling process: reap it
 * (g_child_watch_add), or exit and let the system's reaper adopt it, as for
 * pier_sandbox_exec_spawn(). Errors say what failed in the container's terms ("Weston ended
 * before listening on 3389: …" with the end of its log). */
gboolean pier_graphical_session_open (PierGraphicalTarget *target,
                                      const PierGraphicalSessionOptions *options,
                                      PierGraphicalSessionInfo *info, GError **error);

/* Whether something listens on 127.0.0.1:@port (or the wildcard address) in the network
 * namespace of host process @pid, from /proc/PID/net/tcp and tcp6. */
gboolean pier_graphical_session_port_listening (pid_t pid, guint16 port);

G_END_DECLS
