/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-docker-endpoint.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* PierDockerEngine: a PierEngine (engine/pier-engine.h) that speaks the Docker Engine API at an
 * endpoint, with libpod's extras where the peer says it is Podman (/_ping's
 * Libpod-API-Version). It has PIER_ENGINE_CAP_HOST_PROCESSES and
 * PIER_ENGINE_CAP_GRAPHICAL_SESSIONS only when the endpoint is on this machine; what graphical
 * sessions keep (their relay's socket, records, certificates) goes under Pier's @runroot (NULL:
 * the default), in RUNROOT/docker/<endpoint>/<container>/. Nothing is sent before the first
 * call. */

#define PIER_TYPE_DOCKER_ENGINE (pier_docker_engine_get_type ())
G_DECLARE_FINAL_TYPE (PierDockerEngine, pier_docker_engine, PIER, DOCKER_ENGINE, GObject)

PierDockerEngine *pier_docker_engine_new (const PierDockerEndpoint *endpoint,
                                          const char *runroot);
const PierDockerEndpoint *pier_docker_engine_get_endpoint (PierDockerEngine *engine);

G_END_DECLS
