/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: graphical sessions, served here through a Unix socket. */
#include "pier-local-engine-private.h"

#include "pier-engine-graphical.h"
#include "pier-graphical-container.h"

static PierGraphicalSession *
local_open_graphical_session (PierEngine *engine, const char *name,
                              const PierGraphicalOptions *options, GCancellable *cancellable,
                              GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) container =
    pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine), name, FALSE, &store, error);
  g_autoptr (PierGraphicalTarget) target = NULL;

  if (container == NULL
      || (target = pier_graphical_container_target_new (store, container, error)) == NULL)
    return NULL;
  return pier_engine_graphical_open (target, options, error);
}

void
pier_local_engine_init_graphical (PierEngineInterface *iface)
{
  iface->open_graphical_session = local_open_graphical_session;
}
