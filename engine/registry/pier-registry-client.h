/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-layer-stream.h"
#include "pier-registry-config.h"

G_BEGIN_DECLS

/* The OCI distribution API (v2) over HTTP with libcurl: which scheme and certificates a
 * registry gets, its authentication challenges answered (Bearer tokens from its realm, cached
 * per scope; Basic), requests whose bodies stream both ways, and downloads that continue with
 * Range after a dropped connection. Pull and push are built on it. */

typedef enum {
  /* Verified HTTPS, unless the registries file marks the registry insecure. */
  PIER_REGISTRY_TLS_DEFAULT,
  PIER_REGISTRY_TLS_VERIFY,
  /* As Podman's --tls-verify=false: HTTPS without verification, falling back to plain HTTP. */
  PIER_REGISTRY_TLS_NO_VERIFY,
} PierRegistryTls;

/* What pull, push and login take; every member may be left zero. */
typedef struct {
  PierRegistryTls tls;
  /* CA certificates (*.crt) trusted besides the system's, for every registry (as Podman's
   * --cert-dir). Without it, /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST and
   * $XDG_CONFIG_HOME/containers/certs.d/HOST are read for HOST. */
  const char *cert_dir;
  const char *auth_file;       /* see pier-registry-auth.h */
  const char *registries_conf; /* see pier-registry-config.h */
  /* Credentials for this call, instead of the auth files'. */
  const char *username;
  const char *password;
  /* "OS/ARCH[/VARIANT]" to choose from a multi-platform image; NULL: this machine's. */
  const char *platform;
  /* Blobs in flight at once; 0: 3. */
  guint max_parallel;
} PierRegistryOptions;

PierRegistryOptions *pier_registry_options_copy (const PierRegistryOptions *options);
void pier_registry_options_free (PierRegistryOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryOptions, pier_registry_options_free)

/* Progress of a pull or a push, blob by blob. */
typedef enum {
  PIER_REGISTRY_STAGE_RESOLVING, /* reading the manifest (and index) */
  PIER_REGISTRY_STAGE_TRANSFERRING,
  PIER_REGISTRY_STAGE_COMMITTING, /* pull: entering the store; push: sending the manifest */
  PIER_REGISTRY_STAGE_DONE,
} PierRegistryStage;

typedef enum {
  PIER_REGISTRY_BLOB_WAITING,
  PIER_REGISTRY_BLOB_EXISTS,       /* pull: already in the store; push: already on the registry */
  PIER_REGISTRY_BLOB_MOUNTED,      /* push: mounted from another repository of the registry */
  PIER_REGISTRY_BLOB_TRANSFERRING,
  PIER_REGISTRY_BLOB_DONE,
} PierRegistryBlobState;

typedef struct {
  const char *digest;
  const char *mounted_from; /* the repository, for PIER_REGISTRY_BLOB_MOUNTED */
  guint64 size;
  guint64 done;             /* bytes transferred */
  double rate;              /* bytes per second, lately */
  PierRegistryBlobState state;
  gboolean is_config;
} PierRegistryBlobProgress;

typedef struct {
  const char *reference; /* "127.0.0.1:5000/app:1" */
  PierRegistryStage stage;
  guint n_blobs;
  const PierRegistryBlobProgress *blobs;
} PierRegistryProgress;

/* Called when a blob changes state and every tenth of a second while bytes flow; the
 * synchronous calls invoke it in their own thread, the asynchronous ones on the main context
 * of the thread that started them. @progress is valid during the call only. */
typedef void (*PierRegistryProgressFunc) (const PierRegistryProgress *progress, gpointer user_data);

/* ---- the HTTP client ---- */

typedef struct _PierRegistryClient PierRegistryClient;

/* Reads the registries file (options->registries_conf or the default ones). */
PierRegistryClient *pier_registry_client_new (const PierRegistryOptions *options, GError **error);
void pier_registry_client_free (PierRegistryClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryClient, pier_registry_client_free)

const PierRegistryConfig *pier_registry_client_get_config (PierRegistryClient *client);

typedef struct {
  const char *method;        /* NULL: GET */
  const char *host;          /* the registry as references name it ("docker.io", "h:5000") */
  const char *path;          /* "/v2/…", or an absolute URL the registry gave (a Location) */
  const char *scope;         /* token scopes, space-separated ("repository:app:pull") */
  const char *accept;
  const char *content_type;
  GBytes *body;              /* a small body, or */
  PierReadFunc body_read;    /* one streamed from here, of body_size bytes */
  gpointer body_read_data;
  guint64 body_size;
  /* The response body's size when known (a blob's): more is refused as it arrives; less (a
   * connection dropped) continues with a Range request when @resumable and the registry
   * allows ranges. 0: unknown. */
  guint64 expected_size;
  gboolean resumable;
} PierRegistryRequest;

typedef struct _PierRegistryStream PierRegistryStream;

/* Sends @request and returns once the response's status and headers are in, whatever the
 * status. A 401 is answered once (a token for the scope, or Basic credentials) before it counts;
 * one that remains is PIER_ERROR_PERMISSION saying whose credentials were refused, or that
 * the registry needs a login. Network and TLS failures are errors naming the registry. */
PierRegistryStream *pier_registry_client_send (PierRegistryClient *client,
                                               const PierRegistryRequest *request,
                                               GCancellable *cancellable, GError **error);

guint pier_registry_stream_get_status (PierRegistryStream *stream);
/* The final response's header @name (case-insensitive), or NULL. */
const char *pier_registry_stream_get_header (PierRegistryStream *stream, const char *name);
/* The response body, a PierReadFunc. Callable from another thread than the one that sent the
 * request, never from two at once. Errors stay: every later read fails the same way. */
gssize pier_registry_stream_read (gpointer stream, void *buffer, gsize size, GError **error);
/* The whole (small) body; more than @max_size bytes is an error. */
GBytes *pier_registry_stream_read_all (PierRegistryStream *stream, gsize max_size,
                                       GError **error);
/* For a response that is not a success: reads the registry's error document and sets @error
 * to "@what: HOST answered 404 (MANIFEST_UNKNOWN: manifest unknown)", with a code from the
 * status (404 NOT_FOUND, 401/403 PERMISSION, 4xx INVALID, others FAILED). @code, if not
 * NULL, gets the registry's first error code ("NAME_UNKNOWN") or NULL. */
void pier_registry_stream_set_error (PierRegistryStream *stream, char **code, GError **error,
                                     const char *what_format, ...) G_GNUC_PRINTF (4, 5);
/* An absolute URL for a Location header the response gave (which may be relative). */
char *pier_registry_stream_resolve_location (PierRegistryStream *stream);
void pier_registry_stream_free (PierRegistryStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryStream, pier_registry_stream_free)

/* Checks that the registry accepts the credentials of @options (or needs none). */
gboolean pier_registry_client_check_login (PierRegistryClient *client, const char *host,
                                           GCancellable *cancellable, GError **error);

/* A WWW-Authenticate value: its scheme, lowercased ("bearer", "basic"), and its parameters
 * (lowercased names → values, quotes and escapes removed). FALSE when it cannot be read. */
gboolean pier_registry_parse_challenge (const char *header, char **scheme, GHashTable **params);

G_END_DECLS
