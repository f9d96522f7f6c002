/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-rdp-session-private.h"

G_BEGIN_DECLS

/* One connection, on its own thread: FreeRDP's client context with Pier's callbacks (the
 * certificate pin, credentials never asked for, the channels), the event loop, and the news of
 * how it ended. */

/* A FreeRDP client context whose callbacks are this file's. */
rdpContext *pier_rdp_connection_context_new (void);
/* @self's settings for a connection asking for a desktop of @width x @height with the
 * keyboard layout @keyboard_layout: TLS with the certificate pinned, the channels Pier uses. */
gboolean pier_rdp_connection_configure (PierRdpSession *self, rdpSettings *settings, int width,
                                        int height, DWORD keyboard_layout);
/* The RDP thread's function, for the context @data: connects, runs the connection until it
 * ends or the session stops it, posts the outcome, and frees the context. */
gpointer pier_rdp_connection_run (gpointer data);

G_END_DECLS
