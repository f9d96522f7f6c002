/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: pulls, through the peer: Docker's /images/create, or libpod's
 * /libpod/images/pull on Podman (which takes tlsVerify). */
#include "pier-docker-engine-private.h"

#include "pier-docker-stream.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-reference.h"

#include <string.h>

#define MAX_BLOBS 256

typedef struct {
  PierDockerEngine *self;
  const char *reference;
  PierTransferFunc progress;
  gpointer progress_data;
  GArray *blobs;      /* PierBlobTransfer, digest owned by ids */
  GPtrArray *ids;     /* the layer ids Docker names blobs by */
  char *digest;
  gboolean up_to_date;
  char *image_id;     /* Podman's "images" */
} Pull;

static PierBlobTransfer *
blob_of (Pull *pull, const char *id)
{
  PierBlobTransfer blob = { 0 };

  for (guint i = 0; i < pull->ids->len; i++)
    if (strcmp (pull->ids->pdata[i], id) == 0)
      return &g_array_index (pull->blobs, PierBlobTransfer, i);
  if (pull->ids->len >= MAX_BLOBS)
    return NULL;
  g_ptr_array_add (pull->ids, g_strdup (id));
  blob.digest = pull->ids->pdata[pull->ids->len - 1];
  g_array_append_val (pull->blobs, blob);
  return &g_array_index (pull->blobs, PierBlobTransfer, pull->blobs->len - 1);
}

static void
report (Pull *pull, PierTransferStage stage)
{
  PierTransferProgress progress = { .reference = pull->reference, .stage = stage,
                                    .n_blobs = pull->blobs->len,
                                    .blobs = (const PierBlobTransfer *) pull->blobs->data };

  /* The blob array may have grown: digests point into ids, which keeps them. */
  for (guint i = 0; i < pull->blobs->len; i++)
    g_array_index (pull->blobs, PierBlobTransfer, i).digest = pull->ids->pdata[i];
  if (pull->progress != NULL)
    pull->progress (&progress, pull->progress_data);
}

static gboolean
on_progress (json_t *document, gpointer user_data, GError **error)
{
  Pull *pull = user_data;
  const char *failure = pier_docker_progress_error (document);
  const char *status = pier_docker_str (document, "status");
  const char *id = pier_docker_str (document, "id");
  json_t *images = json_object_get (document, "images");
  json_t *detail = json_object_get (document, "progressDetail");
  PierBlobTransfer *blob;

  if (failure != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("%s cannot pull %s: %s"),
                   pier_docker_client_get_uri (pull->self->client), pull->reference, failure);
      return FALSE;
    }
  if (json_is_string (json_array_get (images, 0)))
    {
      g_free (pull->image_id);
      pull->image_id = g_strdup (json_string_value (json_array_get (images, 0)));
    }
  if (status == NULL)
    return TRUE;
  if (g_str_has_prefix (status, "Digest: "))
    {
      g_free (pull->digest);
      pull->digest = g_strdup (status + strlen ("Digest: "));
    }
  else if (g_str_has_prefix (status, "Status: Image is up to date"))
    pull->up_to_date = TRUE;
  if (id == NULL || strchr (id, ':') != NULL || (blob = blob_of (pull, id)) == NULL)
    return TRUE;
  if (strcmp (status, "Already exists") == 0)
    blob->state = PIER_BLOB_EXISTS;
  else if (strcmp (status, "Downloading") == 0)
    {
      blob->state = PIER_BLOB_TRANSFERRING;
      blob->done = MAX (pier_docker_int (detail, "current"), 0);
      blob->size = MAX (pier_docker_int (detail, "total"), 0);
    }
  else if (strcmp (status, "Download complete") == 0 || strcmp (status, "Pull complete") == 0)
    {
      blob->state = PIER_BLOB_DONE;
      blob->done = blob->size;
    }
  else if (strcmp (status, "Waiting") == 0 || strcmp (status, "Pulling fs layer") == 0)
    blob->state = PIER_BLOB_WAITING;
  report (pull, PIER_TRANSFER_MOVING);
  return TRUE;
}

static char *
pull_path (PierDockerEngine *self, const PierReference *ref, const PierRegistryAccess *access)
{
  g_autofree char *name = pier_reference_name (ref);
  g_autofree char *full = pier_reference_to_string (ref);

  if (pier_docker_client_is_podman (self->client))
    {
      g_autofree char *escaped = pier_docker_escape (full);
      gboolean verify = access == NULL || access->tls != PIER_TLS_VERIFY_OFF;
      return g_strdup_printf ("/libpod/images/pull?reference=%s&tlsVerify=%s", escaped,
                              verify ? "true" : "false");
    }
  else
    {
      g_autofree char *escaped_name = pier_docker_escape (name);
      g_autofree char *escaped_tag = pier_docker_escape (ref->digest != NULL ? ref->digest
                                                                             : ref->tag);
      return g_strdup_printf ("/images/create?fromImage=%s&tag=%s", escaped_name, escaped_tag);
    }
}

static PierPullResult *
docker_pull (PierEngine *engine, const char *reference, const PierRegistryAccess *access,
             PierTransferFunc progress, gpointer progress_data, GCancellable *cancellable,
             GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (PierReference) ref = pier_reference_parse (reference, error);
  g_autofree char *full = NULL, *path = NULL;
  Pull pull = { .self = self, .progress = progress, .progress_data = progress_data };
  PierDockerLines lines;
  PierDockerRequest request = { .method = "POST", .body_fd = -1,
                                .chunks = pier_docker_lines_chunk, .chunks_data = &lines };
  PierPullResult *result = NULL;
  gboolean ok;

  if (ref == NULL || !pier_docker_client_ping (self->client, cancellable, error))
    return NULL;
  if (access != NULL && (access->username != NULL || access->cert_dir != NULL ||
                         access->auth_file != NULL || access->registries_conf != NULL))
    {
      pier_docker_engine_not_supported (self, N_("pull with credentials or files of this machine"),
                                        error);
      return NULL;
    }
  full = pier_reference_to_string (ref);
  path = pull_path (self, ref, access);
  pull.reference = full;
  pull.blobs = g_array_new (FALSE, TRUE, sizeof (PierBlobTransfer));
  pull.ids = g_ptr_array_new_with_free_func (g_free);
  request.path = path;
  report (&pull, PIER_TRANSFER_RESOLVING);
  pier_docker_lines_init (&lines, pier_docker_client_get_uri (self->client), on_progress, &pull);
  ok = pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
  if (ok)
    ok = pier_docker_lines_finish (&lines, error);
  else
    pier_docker_lines_clear (&lines);
  if (ok)
    {
      report (&pull, PIER_TRANSFER_DONE);
      result = g_new0 (PierPullResult, 1);
      result->reference = g_strdup (full);
      result->digest = g_steal_pointer (&pull.digest);
      result->up_to_date = pull.up_to_date;
    }
  g_array_unref (pull.blobs);
  g_ptr_array_unref (pull.ids);
  g_free (pull.digest);
  g_free (pull.image_id);
  return result;
}

void
pier_docker_engine_registry_init (PierEngineInterface *iface)
{
  iface->pull = docker_pull;
}
