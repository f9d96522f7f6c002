/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-rdp-session-private.h"

G_BEGIN_DECLS

/* The clipboard channel (cliprdr): the local clipboard's text offered to the server, and the
 * server's text brought back to the main thread. FreeRDP calls it on its cliprdr thread; the
 * replies go back through the channel. */

/* Takes the channel FreeRDP connected for @pctx's connection. */
void pier_rdp_clipboard_attach (PierRdpContext *pctx, CliprdrClientContext *cliprdr);
/* Offers the server the local clipboard's text (self->local_clipboard), once it is ready. */
void pier_rdp_clipboard_announce (PierRdpContext *pctx);

G_END_DECLS
