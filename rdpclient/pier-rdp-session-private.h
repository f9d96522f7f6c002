/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-rdp-session.h"

#include <freerdp/client.h>
#include <freerdp/client/cliprdr.h>
#include <freerdp/client/disp.h>
#include <freerdp/freerdp.h>

G_BEGIN_DECLS

/* A session's state, shared by its files: the main thread's side (pier-rdp-session.c) and the
 * RDP thread's (pier-rdp-connection.c and, beneath it, input, graphics and clipboard). The
 * fields under "lock" are shared between the threads; the main thread's own are touched by it
 * alone. */

typedef enum {
  PIER_RDP_COMMAND_KEY,
  PIER_RDP_COMMAND_FOCUS_IN,
  PIER_RDP_COMMAND_MOTION,
  PIER_RDP_COMMAND_BUTTON,
  PIER_RDP_COMMAND_WHEEL,
  PIER_RDP_COMMAND_ANNOUNCE_CLIPBOARD,
} PierRdpCommandType;

/* Input and requests from the main thread, carried out on the RDP thread. */
typedef struct {
  PierRdpCommandType type;
  guint32 code; /* scancode, button, or lock states */
  gboolean down;
  gboolean repeat;
  int x, y;
  int wheel_v, wheel_h;
} PierRdpCommand;

typedef enum {
  PIER_RDP_EVENT_STATE,
  PIER_RDP_EVENT_DESKTOP_SIZE,
  PIER_RDP_EVENT_REMOTE_CLIPBOARD,
  PIER_RDP_EVENT_CURSOR,
} PierRdpEventType;

/* What the RDP thread tells the main thread. */
typedef struct {
  PierRdpEventType type;
  guint generation; /* of the connection that posted it */
  PierRdpSessionState state;
  char *text; /* error message or clipboard text */
  int width, height;
  PierRdpCursorKind cursor;
  GBytes *pixels; /* cursor image */
  int hotspot_x, hotspot_y;
} PierRdpEvent;

/* FreeRDP's per-connection context; lives on the RDP thread. */
typedef struct {
  rdpClientContext common;
  PierRdpSession *session;
  guint generation;
  DispClientContext *disp;
  CliprdrClientContext *cliprdr;
  int clipboard_ready; /* atomic: the server sent Monitor Ready */
  char *certificate_problem;
} PierRdpContext;

struct _PierRdpSession {
  GObject parent_instance;

  char *target;
  char *host; /* host name, address or socket path */
  guint16 port;
  char *fingerprint; /* normalised; NULL when none was given or it was malformed */
  char *fingerprint_problem;

  /* Main thread only. */
  PierRdpSessionState state;
  char *error;
  int desktop_width;
  int desktop_height;
  char *username;
  char *password;
  GMainContext *main_context;
  GSource *wake_source;
  GThread *thread;
  guint generation; /* counts connections, so that a joined thread's late news is ignored */
  guint resize_source_id;
  int pending_width;
  int pending_height;
  int asked_width; /* size the current connection asked for */
  int asked_height;
  gboolean resizing_by_reconnect;
  gint64 connected_at; /* monotonic time of the last CONNECTED */
  gboolean server_sets_size; /* a reconnect at a new size did not get it */
  PierRdpCursorKind cursor;
  GBytes *cursor_pixels;
  int cursor_width;
  int cursor_height;
  int cursor_hotspot_x;
  int cursor_hotspot_y;

  /* Shared with the RDP thread (and FreeRDP's channel threads) under lock. */
  GMutex lock;
  HANDLE wakeup; /* wakes the RDP thread for commands */
  rdpContext *context;
  gboolean active; /* connected: input is accepted */
  gboolean stopping;
  GQueue commands;
  int wanted_width; /* desktop size to ask for; 0 once asked */
  int wanted_height;
  gboolean disp_ready;
  char *local_clipboard;
  guint8 *staging;
  int staging_width;
  int staging_height;
  int tile_columns;
  int tile_rows;
  guint8 *dirty_tiles; /* a flag a tile, row by row: changed since last taken */
  GQueue events;
  gboolean frame_ready;
};

G_END_DECLS
