/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-rdp-session-private.h"

G_BEGIN_DECLS

/* The RDP thread (and FreeRDP's channel threads) telling the main thread: events are queued
 * under the session's lock and the main thread's wake source is made ready. */

/* Queues @event (taken) for the main thread; the caller holds self->lock. */
void pier_rdp_session_post_event_locked (PierRdpSession *self, PierRdpEvent *event);
/* Queues a change of state of @pctx's connection, with its error message or NULL. */
void pier_rdp_session_post_state (PierRdpContext *pctx, PierRdpSessionState state,
                                  const char *message);

G_END_DECLS
