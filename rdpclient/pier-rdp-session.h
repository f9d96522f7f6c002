/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One RDP connection, run by FreeRDP's client loop on a thread of its own (connect included), so
 * that a slow or dead server never blocks the thread that created the session. Everything here is
 * called from, and every signal is emitted on, the thread-default main context of the thread that
 * created the session (the GTK main thread in the app).
 *
 * Security is fixed: TLS without NLA (Debian's FreeRDP 3 has no MD4 under OpenSSL 3, so NTLM is
 * out), and the server certificate must match the fingerprint given at construction, in the form
 * of pier-tls.h ("sha256:ab:cd:…"). Anything else is refused; nothing is ever prompted.
 *
 * Properties (read-only unless said): "target" and "fingerprint" (construct-only), "state"
 * (PierRdpSessionState), "error" (the last error in words, or NULL), "desktop-width" and
 * "desktop-height" (the remote desktop's size, following the server's resizes).
 * Signals: "frame" (new tiles to take, at most once per main loop iteration),
 * "remote-clipboard-text" (const char *text: the server's clipboard now holds it),
 * "cursor-changed" (pier_rdp_session_get_cursor has a new answer). */

typedef enum {
  PIER_RDP_SESSION_STATE_DISCONNECTED,
  PIER_RDP_SESSION_STATE_CONNECTING,
  PIER_RDP_SESSION_STATE_CONNECTED,
  PIER_RDP_SESSION_STATE_ERROR,
} PierRdpSessionState;

GType pier_rdp_session_state_get_type (void);
#define PIER_TYPE_RDP_SESSION_STATE (pier_rdp_session_state_get_type ())

/* Mouse buttons in the session's terms; EXTRA1/EXTRA2 are the "back" and "forward" buttons. */
typedef enum {
  PIER_RDP_BUTTON_LEFT,
  PIER_RDP_BUTTON_MIDDLE,
  PIER_RDP_BUTTON_RIGHT,
  PIER_RDP_BUTTON_EXTRA1,
  PIER_RDP_BUTTON_EXTRA2,
} PierRdpButton;

/* The mouse pointer the server wants shown over its desktop. */
typedef enum {
  PIER_RDP_CURSOR_DEFAULT, /* the local default pointer */
  PIER_RDP_CURSOR_HIDDEN,  /* none (the server draws its own into the desktop, as Weston does) */
  PIER_RDP_CURSOR_IMAGE,   /* an image: pier_rdp_session_get_cursor */
} PierRdpCursorKind;

/* Remote desktop widths and heights a resize request is clamped to (MS-RDPEDISP's limits). */
#define PIER_RDP_MIN_DESKTOP_SIZE 200
#define PIER_RDP_MAX_DESKTOP_SIZE 8192

#define PIER_TYPE_RDP_SESSION (pier_rdp_session_get_type ())
G_DECLARE_FINAL_TYPE (PierRdpSession, pier_rdp_session, PIER, RDP_SESSION, GObject)

/* @target is "host:port" (port 3389 when omitted; "[v6addr]:port" for IPv6) or the absolute
 * path of a Unix socket. @fingerprint is the pinned certificate fingerprint; without one (or
 * with a malformed one) connecting fails at once, with an error that says so. */
PierRdpSession *pier_rdp_session_new (const char *target, const char *fingerprint);

/* Optional credentials sent in the TLS logon (Weston's RDP backend accepts any). Takes effect
 * on the next connect. */
void pier_rdp_session_set_credentials (PierRdpSession *self, const char *username,
                                       const char *password);

/* Starts connecting (state CONNECTING, then CONNECTED or ERROR). Does nothing unless the state
 * is DISCONNECTED or ERROR. */
void pier_rdp_session_connect (PierRdpSession *self);
/* Ends the connection and joins the RDP thread; state DISCONNECTED. */
void pier_rdp_session_disconnect (PierRdpSession *self);
/* Disconnects if needed, then connects again: after a drop, or to retry after an error. */
void pier_rdp_session_reconnect (PierRdpSession *self);

PierRdpSessionState pier_rdp_session_get_state (PierRdpSession *self);
/* The last error in words ("the server's certificate does not match …"), or NULL. */
const char *pier_rdp_session_get_error (PierRdpSession *self);
const char *pier_rdp_session_get_target (PierRdpSession *self);
/* The remote desktop's size in pixels; 0×0 before the first connection. */
int pier_rdp_session_get_desktop_width (PierRdpSession *self);
int pier_rdp_session_get_desktop_height (PierRdpSession *self);

/* Frames reach the main thread in tiles of PIER_RDP_TILE_SIZE pixels square (smaller at the
 * right and bottom edges), so that a change in one corner of the desktop costs a copy, an
 * upload and a redraw of that corner only. */
#define PIER_RDP_TILE_SIZE 128

typedef struct {
  int x, y, width, height; /* in desktop pixels */
  gsize stride;
  GBytes *pixels; /* BGRA, opaque (so also premultiplied); never changes */
} PierRdpTile;

/* The tiles that changed since the last call (all of them after the desktop changed size), as
 * PierRdpTile; @width × @height is the desktop they belong to (0 × 0 before the first frame). */
GPtrArray *pier_rdp_session_take_changed_tiles (PierRdpSession *self, int *width, int *height);

/* The pointer the server last asked for (the "cursor-changed" signal tells when it changes).
 * For an IMAGE, @pixels are BGRA with straight alpha, @width × 4 bytes a row. */
PierRdpCursorKind pier_rdp_session_get_cursor (PierRdpSession *self, GBytes **pixels, int *width,
                                               int *height, int *hotspot_x, int *hotspot_y);

/* Asks the server to resize its desktop to @width×@height (clamped to the limits above, width
 * made even); requests closer than 200 ms apart are merged into the last. Before connecting,
 * sets the size the connection asks for. Servers with the Display Control channel resize in
 * place; servers without it (Weston's RDP backend) take a size only when a client connects, so
 * the session reconnects at the new size, unless the server showed that it chooses its size
 * itself (FreeRDP's shadow server). A connection is replaced so only once it is two seconds
 * old: Weston kills Wayland clients caught binding the seat of a client that came and went. */
void pier_rdp_session_request_desktop_size (PierRdpSession *self, int width, int height);

/* Input, queued to the RDP thread. Scancodes are RDP scancodes with FreeRDP's extended bit
 * (pier_rdp_session_scancode_from_keycode gives them). */
void pier_rdp_session_send_key (PierRdpSession *self, guint32 scancode, gboolean down,
                                gboolean repeat);
/* Sent when the view takes keyboard focus: lock key states, and every key up. */
void pier_rdp_session_send_focus_in (PierRdpSession *self, gboolean caps_lock,
                                     gboolean num_lock, gboolean scroll_lock);
void pier_rdp_session_send_pointer_motion (PierRdpSession *self, int x, int y);
void pier_rdp_session_send_button (PierRdpSession *self, PierRdpButton button, gboolean down,
                                   int x, int y);
/* Wheel rotation in RDP units (120 a notch); positive is up for @vertical and right for
 * @horizontal. */
void pier_rdp_session_send_wheel (PierRdpSession *self, int vertical, int horizontal, int x,
                                  int y);

/* The RDP scancode of the key with X11/XKB keycode @keycode (GDK's hardware keycode on X11 and
 * Wayland: evdev code + 8), 0 for keys RDP cannot send. */
guint32 pier_rdp_session_scancode_from_keycode (guint keycode);

/* The local clipboard now holds @text (NULL: something that is not text): it is announced to
 * the server as CF_UNICODETEXT and served when the server asks. */
void pier_rdp_session_set_local_clipboard_text (PierRdpSession *self, const char *text);

G_END_DECLS
