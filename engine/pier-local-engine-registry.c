/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: registries (pull, push, login, logout). */
#include "pier-local-engine-private.h"

#include "pier-reference.h"
#include "pier-registry-auth.h"
#include "pier-registry-login.h"
#include "pier-registry-pull.h"
#include "pier-registry-push.h"

#include <string.h>

static void
registry_options (const PierRegistryAccess *access, PierRegistryOptions *options)
{
  static const PierRegistryTls tls[] = {
    [PIER_TLS_VERIFY_DEFAULT] = PIER_REGISTRY_TLS_DEFAULT,
    [PIER_TLS_VERIFY_ON] = PIER_REGISTRY_TLS_VERIFY,
    [PIER_TLS_VERIFY_OFF] = PIER_REGISTRY_TLS_NO_VERIFY,
  };

  memset (options, 0, sizeof *options);
  if (access == NULL)
    return;
  options->tls = tls[access->tls];
  options->cert_dir = access->cert_dir;
  options->auth_file = access->auth_file;
  options->registries_conf = access->registries_conf;
  options->username = access->username;
  options->password = access->password;
  options->platform = access->platform;
}

typedef struct {
  PierTransferFunc func;
  gpointer data;
} Transfer;

static void
relay_progress (const PierRegistryProgress *p, gpointer user_data)
{
  static const PierTransferStage stages[] = {
    [PIER_REGISTRY_STAGE_RESOLVING] = PIER_TRANSFER_RESOLVING,
    [PIER_REGISTRY_STAGE_TRANSFERRING] = PIER_TRANSFER_MOVING,
    [PIER_REGISTRY_STAGE_COMMITTING] = PIER_TRANSFER_COMMITTING,
    [PIER_REGISTRY_STAGE_DONE] = PIER_TRANSFER_DONE,
  };
  static const PierBlobState states[] = {
    [PIER_REGISTRY_BLOB_WAITING] = PIER_BLOB_WAITING,
    [PIER_REGISTRY_BLOB_EXISTS] = PIER_BLOB_EXISTS,
    [PIER_REGISTRY_BLOB_MOUNTED] = PIER_BLOB_MOUNTED,
    [PIER_REGISTRY_BLOB_TRANSFERRING] = PIER_BLOB_TRANSFERRING,
    [PIER_REGISTRY_BLOB_DONE] = PIER_BLOB_DONE,
  };
  Transfer *transfer = user_data;
  g_autofree PierBlobTransfer *blobs = g_new0 (PierBlobTransfer, MAX (p->n_blobs, 1));
  PierTransferProgress progress = { p->reference, stages[p->stage], p->n_blobs, blobs };

  for (guint i = 0; i < p->n_blobs; i++)
    {
      const PierRegistryBlobProgress *b = &p->blobs[i];

      blobs[i] = (PierBlobTransfer){ b->digest, b->mounted_from, b->size, b->done, b->rate,
                                     states[b->state], b->is_config };
    }
  transfer->func (&progress, transfer->data);
}

static PierPullResult *
local_pull (PierEngine *engine, const char *reference, const PierRegistryAccess *access,
            PierTransferFunc progress, gpointer progress_data, GCancellable *cancellable,
            GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  Transfer transfer = { progress, progress_data };
  g_autoptr (PierRegistryPullResult) pulled = NULL;
  PierRegistryOptions options;
  PierPullResult *result;

  registry_options (access, &options);
  if (store == NULL ||
      (pulled = pier_registry_pull (store, reference, &options, progress ? relay_progress : NULL,
                                    &transfer, cancellable, error)) == NULL)
    return NULL;
  result = g_new0 (PierPullResult, 1);
  result->reference = g_steal_pointer (&pulled->reference);
  result->digest = g_steal_pointer (&pulled->digest);
  result->up_to_date = pulled->up_to_date;
  return result;
}

static PierPushResult *
local_push (PierEngine *engine, const char *image, const char *destination,
            const PierRegistryAccess *access, PierTransferFunc progress, gpointer progress_data,
            GCancellable *cancellable, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  Transfer transfer = { progress, progress_data };
  g_autoptr (PierRegistryPushResult) pushed = NULL;
  PierRegistryOptions options;
  PierPushResult *result;

  registry_options (access, &options);
  if (store == NULL ||
      (pushed = pier_registry_push (store, image, destination, &options,
                                    progress ? relay_progress : NULL, &transfer, cancellable,
                                    error)) == NULL)
    return NULL;
  result = g_new0 (PierPushResult, 1);
  result->reference = g_steal_pointer (&pushed->reference);
  result->digest = g_steal_pointer (&pushed->digest);
  result->size = pushed->size;
  return result;
}

/* No store: credentials are the caller's. */
static gboolean
local_login (PierEngine *engine, const char *registry, const char *username,
             const char *password, const PierRegistryAccess *access, GCancellable *cancellable,
             GError **error)
{
  g_autofree char *host =
    pier_registry_auth_normalize_host (registry ? registry : PIER_DEFAULT_DOMAIN);
  PierRegistryOptions options;

  registry_options (access, &options);
  return pier_registry_login (host, username, password, &options, cancellable, error);
}

static char *
local_logout (PierEngine *engine, const char *registry, const char *auth_file,
              GCancellable *cancellable, GError **error)
{
  g_autofree char *host = NULL;

  if (registry == NULL)
    {
      g_autofree char *path = pier_registry_auth_write_path (auth_file);
      return pier_registry_auth_remove_all (auth_file, error) ? g_steal_pointer (&path) : NULL;
    }
  host = pier_registry_auth_normalize_host (registry);
  return pier_registry_auth_remove (auth_file, host, error) ? g_steal_pointer (&host) : NULL;
}

void
pier_local_engine_init_registry (PierEngineInterface *iface)
{
  iface->pull = local_pull;
  iface->push = local_push;
  iface->login = local_login;
  iface->logout = local_logout;
}
