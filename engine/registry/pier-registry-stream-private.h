/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-curl.h"
#include "pier-registry-client.h"

G_BEGIN_DECLS

/* The registry client's state, shared by its files: the client itself (pier-registry-client.c),
 * the hosts it reaches (pier-registry-hosts.c), their authentication (pier-registry-token.c)
 * and the HTTP transfers beneath them all (pier-registry-stream.c). */

typedef struct {
  char *name;        /* as references give it: "docker.io", "127.0.0.1:5000" */
  char *base;        /* "https://registry-1.docker.io" */
  gboolean insecure; /* unverified HTTPS, or plain HTTP */
  GBytes *ca_bundle; /* the system's CAs and the registry's own; NULL: the system's alone */
  char *challenge;   /* "bearer", "basic", or NULL when the registry wants no authentication */
  char *realm;
  char *service;
  GHashTable *credentials; /* repository ("" for none) → PierRegistryCredentials, or absent */
  GHashTable *tokens;      /* scope → PierRegistryToken */
} PierRegistryHost;

struct _PierRegistryClient {
  PierRegistryOptions *options;
  PierRegistryConfig *config;
  CURLSH *share;
  GMutex share_locks[CURL_LOCK_DATA_LAST];
  /* Hosts: set up (a first request to learn the scheme and challenge) and their tokens fetched
   * under it, so that parallel transfers do not all do it at once. */
  GMutex lock;
  GHashTable *hosts;
  /* Multi handles between transfers: each keeps its connections open for the next. One
   * transfer per handle at a time, so that any thread may drive it: libcurl does not share
   * connections between threads. */
  GMutex pool_lock;
  GPtrArray *idle_multis;
};

/* Starts the transfer again from byte @range_from of the body, authenticated, and waits for
 * its headers. */
typedef gboolean (*PierRegistryReopenFunc) (PierRegistryStream *s, guint64 range_from,
                                            GError **error);

struct _PierRegistryStream {
  PierRegistryClient *client;
  PierRegistryHost *host;
  char *url;
  const char *what; /* the URL without scheme and host, for messages */
  char *method;
  char *scope;
  char *accept;
  char *content_type;
  GBytes *body;
  gsize body_pos;
  PierReadFunc body_read;
  gpointer body_read_data;
  guint64 body_size;
  GError *body_error;
  guint64 expected_size;
  gboolean resumable;
  /* How a resumable transfer that broke off continues: set with @resumable. The stream's
   * creator authenticates; the stream only moves bytes. */
  PierRegistryReopenFunc reopen;
  GCancellable *cancellable;
  int cancel_fd;

  CURLM *multi;
  CURL *easy;
  struct curl_slist *headers;
  char curl_error[CURL_ERROR_SIZE];

  /* The current attempt. */
  guint status;
  GHashTable *response_headers;
  gboolean headers_done;
  gboolean accept_body;
  gboolean done;
  CURLcode result;
  guint64 range_from;

  GByteArray *buffer;
  gsize buffer_pos;
  /* While a read waits: its own buffer, which the body fills directly, saving a copy. */
  guint8 *direct;
  gsize direct_size;
  gsize direct_len;
  gboolean paused;
  guint64 received;  /* body bytes taken in, over every attempt */
  guint resumes;
  gboolean ranges_allowed;
  GError *error;     /* once set, every read fails with it */
};

/* A stream for @method (NULL: GET) on @url, on a connection of @client's pool; nothing is
 * sent before pier_registry_stream_open(). */
PierRegistryStream *pier_registry_stream_new (PierRegistryClient *client, PierRegistryHost *host,
                                              const char *method, const char *url,
                                              GCancellable *cancellable);

/* Starts an attempt from byte @range_from of the body with the header line @authorization
 * (NULL: none) and waits for the response's headers; network and TLS failures are errors
 * naming the registry and what to do. */
gboolean pier_registry_stream_open (PierRegistryStream *s, const char *authorization,
                                    guint64 range_from, GError **error);

/* One GET of @url with @authorization (NULL: none), to its headers. */
PierRegistryStream *pier_registry_stream_get (PierRegistryClient *client, PierRegistryHost *host,
                                              const char *url, const char *authorization,
                                              GCancellable *cancellable, GError **error);

G_END_DECLS
