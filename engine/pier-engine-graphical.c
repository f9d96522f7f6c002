/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A graphical session opened on a target, in PierEngine's values. */
#include "pier-engine-graphical.h"

#include "pier-graphical-session.h"
#include "pier-rdp-relay.h"

G_STATIC_ASSERT (PIER_GRAPHICAL_DEFAULT_WIDTH == PIER_GRAPHICAL_SESSION_DEFAULT_WIDTH);
G_STATIC_ASSERT (PIER_GRAPHICAL_DEFAULT_HEIGHT == PIER_GRAPHICAL_SESSION_DEFAULT_HEIGHT);

PierGraphicalSession *
pier_engine_graphical_open (PierGraphicalTarget *target, const PierGraphicalOptions *options,
                            GError **error)
{
  PierGraphicalSessionOptions open = {
    .app = options->app,
    .x11 = options->x11,
    .width = options->width,
    .height = options->height,
    .join_running = options->join_running,
  };
  PierGraphicalSessionInfo info = { 0 };
  PierGraphicalSession *session;

  if (!pier_graphical_session_open (target, &open, &info, error))
    return NULL;
  session = g_new0 (PierGraphicalSession, 1);
  session->socket_path = g_steal_pointer (&info.socket_path);
  session->fingerprint = g_steal_pointer (&info.fingerprint);
  session->weston = info.server_kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON;
  session->server_started = info.server_started;
  session->server_pid = info.server_pid;
  session->server_port = PIER_RDP_PORT;
  session->app_pid = info.app_pid;
  session->display = g_steal_pointer (&info.display);
  pier_graphical_session_info_clear (&info);
  return session;
}
