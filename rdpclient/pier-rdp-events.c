/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-rdp-events-private.h"

void
pier_rdp_session_post_event_locked (PierRdpSession *self, PierRdpEvent *event)
{
  g_queue_push_tail (&self->events, event);
  g_source_set_ready_time (self->wake_source, 0);
}

void
pier_rdp_session_post_state (PierRdpContext *pctx, PierRdpSessionState state, const char *message)
{
  PierRdpSession *self = pctx->session;
  PierRdpEvent *event = g_new0 (PierRdpEvent, 1);

  event->type = PIER_RDP_EVENT_STATE;
  event->generation = pctx->generation;
  event->state = state;
  event->text = g_strdup (message);
  g_mutex_lock (&self->lock);
  pier_rdp_session_post_event_locked (self, event);
  g_mutex_unlock (&self->lock);
}
