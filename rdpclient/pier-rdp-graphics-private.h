/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-rdp-session-private.h"

G_BEGIN_DECLS

/* What the server draws: frames painted by FreeRDP's GDI into the session's staging buffer,
 * tile by tile; the server's pointer images; and the Display Control channel, through which
 * the desktop's size is asked for. */

/* After FreeRDP connected @instance: its GDI in BGRA, its pointer and paint callbacks. */
gboolean pier_rdp_graphics_attach (freerdp *instance);
/* Takes the Display Control channel FreeRDP connected for @pctx's connection. */
void pier_rdp_display_control_attach (PierRdpContext *pctx, DispClientContext *disp);

G_END_DECLS
