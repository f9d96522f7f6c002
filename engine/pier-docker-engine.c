/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-docker-engine.h"

#include "pier-engine.h"

struct _PierDockerEngine {
  GObject parent_instance;
  PierDockerEndpoint *endpoint;
};

static void pier_docker_engine_iface_init (PierEngineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PierDockerEngine, pier_docker_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE,
                                                      pier_docker_engine_iface_init))

static guint
docker_get_capabilities (PierEngine *engine)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);

  return pier_docker_endpoint_is_local (self->endpoint) ? PIER_ENGINE_CAP_HOST_PROCESSES : 0;
}

static void
pier_docker_engine_iface_init (PierEngineInterface *iface)
{
  iface->get_capabilities = docker_get_capabilities;
}

static void
pier_docker_engine_finalize (GObject *object)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (object);

  pier_docker_endpoint_free (self->endpoint);
  G_OBJECT_CLASS (pier_docker_engine_parent_class)->finalize (object);
}

static void
pier_docker_engine_class_init (PierDockerEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_docker_engine_finalize;
}

static void
pier_docker_engine_init (PierDockerEngine *self)
{
  (void) self;
}

PierDockerEngine *
pier_docker_engine_new (const PierDockerEndpoint *endpoint)
{
  PierDockerEngine *self = g_object_new (PIER_TYPE_DOCKER_ENGINE, NULL);

  self->endpoint = pier_docker_endpoint_copy (endpoint);
  return self;
}

const PierDockerEndpoint *
pier_docker_engine_get_endpoint (PierDockerEngine *engine)
{
  return engine->endpoint;
}
