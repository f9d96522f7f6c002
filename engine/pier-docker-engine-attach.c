/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: run and start, detached or attached to the caller's descriptors. */
#include "pier-docker-engine-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

static gboolean
docker_start (PierEngine *engine, const char *container, const PierStdio *attach,
              PierStartedFunc started, gpointer started_data, int *exit_code,
              GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);

  if (attach != NULL)
    {
      pier_docker_engine_not_supported (self, N_("attach to containers"), error);
      return FALSE;
    }
  return pier_docker_engine_start_detached (self, container, started, started_data,
                                            cancellable, error);
}

static gboolean
docker_run (PierEngine *engine, const PierRunOptions *options, const PierStdio *attach,
            PierStartedFunc started, gpointer started_data, int *exit_code,
            GCancellable *cancellable, GError **error)
{
  g_autofree char *id = pier_engine_create (engine, options, cancellable, error);

  if (id == NULL)
    return FALSE;
  if (!docker_start (engine, id, attach, started, started_data, exit_code, cancellable, error))
    {
      /* A run that does not start leaves nothing. */
      pier_engine_remove (engine, id, TRUE, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

void
pier_docker_engine_attach_init (PierEngineInterface *iface)
{
  iface->run = docker_run;
  iface->start = docker_start;
}
