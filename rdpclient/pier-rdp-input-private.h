/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-rdp-session-private.h"

G_BEGIN_DECLS

/* RDP thread: carries out what the main thread queued (input, the clipboard's announcement)
 * and asks for the desktop size it wants once Display Control is ready. */
void pier_rdp_input_run_commands (PierRdpSession *self, PierRdpContext *pctx);

G_END_DECLS
