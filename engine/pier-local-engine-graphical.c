/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: graphical sessions, served here through a Unix socket. */
#include "pier-local-engine-private.h"

#include "pier-graphical-container.h"
#include "pier-graphical-session.h"
#include "pier-rdp-relay.h"

G_STATIC_ASSERT (PIER_GRAPHICAL_DEFAULT_WIDTH == PIER_GRAPHICAL_SESSION_DEFAULT_WIDTH);
G_STATIC_ASSERT (PIER_GRAPHICAL_DEFAULT_HEIGHT == PIER_GRAPHICAL_SESSION_DEFAULT_HEIGHT);

static PierGraphicalSession *
local_open_graphical_session (PierEngine *engine, const char *name,
                              const PierGraphicalOptions *options, GCancellable *cancellable,
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
  PierStore *store;
  g_autoptr (PierContainer) container =
    pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine), name, FALSE, &store, error);
  g_autoptr (PierGraphicalTarget) target = NULL;
  PierGraphicalSession *session;

  if (container == NULL
      || (target = pier_graphical_container_target_new (store, container, error)) == NULL
      || !pier_graphical_session_open (target, &open, &info, error))
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

void
pier_local_engine_init_graphical (PierEngineInterface *iface)
{
  iface->open_graphical_session = local_open_graphical_session;
}
