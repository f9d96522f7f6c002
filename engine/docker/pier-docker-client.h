/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-docker-endpoint.h"

#include <gio/gio.h>
#include <jansson.h>

G_BEGIN_DECLS

/* PierDockerClient: HTTP requests to a Docker Engine API (dockerd, or Podman's compatible
 * service) over libcurl, one connection per request. Every reply is untrusted: its headers and
 * collected bodies are bounded, a peer that says nothing for the stall timeout fails the call,
 * and the GCancellable ends any wait. Thread-safe: each call has its own connection. */

typedef struct _PierDockerClient PierDockerClient;

/* The API version Pier speaks: dockerd 20.10 and Podman 4.3 both do. */
#define PIER_DOCKER_API_VERSION "1.41"
/* What a reply collected in memory may hold, unless a request says otherwise. */
#define PIER_DOCKER_MAX_REPLY (64 * 1024 * 1024)

PierDockerClient *pier_docker_client_new (const PierDockerEndpoint *endpoint);
void pier_docker_client_free (PierDockerClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDockerClient, pier_docker_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_t, json_decref)

const PierDockerEndpoint *pier_docker_client_get_endpoint (PierDockerClient *client);
/* unix:///run/docker.sock, for messages. */
const char *pier_docker_client_get_uri (PierDockerClient *client);
/* How long a connection may take, and a reply may stay silent, in milliseconds. */
void pier_docker_client_set_timeouts (PierDockerClient *client, guint connect_ms,
                                      guint stall_ms);
guint pier_docker_client_get_stall_ms (PierDockerClient *client);

/* /_ping, then /version, the first time (later calls answer from what it learnt): fails when
 * the peer does not speak PIER_DOCKER_API_VERSION. */
gboolean pier_docker_client_ping (PierDockerClient *client, GCancellable *cancellable,
                                  GError **error);
/* After a ping: the peer is Podman (it sent Libpod-API-Version). */
gboolean pier_docker_client_is_podman (PierDockerClient *client);

/* A streamed reply's bytes as they come; FALSE (with @error set) stops the call. */
typedef gboolean (*PierDockerChunkFunc) (const char *data, gsize len, gpointer user_data,
                                         GError **error);

typedef struct {
  const char *method;        /* NULL: GET */
  const char *path;          /* "/containers/json?all=1", below /vVERSION */
  json_t *json;              /* a JSON body, or NULL */
  int body_fd;               /* or a body streamed from this descriptor (chunked); -1: none */
  const char *content_type;  /* of a body_fd: "application/x-tar" */
  PierDockerChunkFunc chunks; /* a 2xx reply's body, as it comes; NULL: collected */
  gpointer chunks_data;
  gsize max_reply;           /* collected bodies; 0: PIER_DOCKER_MAX_REPLY */
  gboolean quiet_ok;         /* the reply may be silent for long (follow, wait, events) */
  /* Called once a 2xx reply's headers are in, before its body: a stream is then open. */
  void (*opened) (gpointer opened_data);
  gpointer opened_data;
} PierDockerRequest;

/* Sends @request and returns the reply's status (2xx or 3xx; 304 is "nothing to do"), its
 * collected body in @body (may be NULL). A 4xx or 5xx reply is an error that names the peer
 * and says what it answered (404: PIER_ERROR_NOT_FOUND, 409: PIER_ERROR_IN_USE). */
guint pier_docker_client_send (PierDockerClient *client, const PierDockerRequest *request,
                               GBytes **body, GCancellable *cancellable, GError **error);
/* A request whose reply is a JSON document (any reply when @status is wanted and not 2xx:
 * NULL then). */
json_t *pier_docker_client_json (PierDockerClient *client, const char *method,
                                 const char *path, json_t *body, GCancellable *cancellable,
                                 GError **error);

/* A path component or query value escaped for a URL. */
char *pier_docker_escape (const char *text);

G_END_DECLS
