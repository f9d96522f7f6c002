/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pulling images from registries into the store. */
#include "pier-registry-pull.h"

#include "pier-error.h"
#include "pier-events.h"
#include "pier-i18n.h"
#include "pier-registry-resolve-private.h"
#include "pier-registry-transfers-private.h"

#include <inttypes.h>
#include <string.h>

void
pier_registry_pull_result_free (PierRegistryPullResult *result)
{
  if (result == NULL)
    return;
  pier_image_free (result->image);
  g_free (result->reference);
  g_free (result->digest);
  g_free (result);
}

typedef struct {
  PierRegistryPull *pull;
  const PierDescriptor *desc;
  PierBlobWriter *writer; /* NULL when the store has the blob already */
} Layer;

static void
layer_free (Layer *layer)
{
  pier_blob_writer_free (layer->writer);
  g_free (layer);
}

static void
pull_clear (PierRegistryPull *pull)
{
  pier_registry_pull_reset_source (pull);
  g_clear_pointer (&pull->client, pier_registry_client_free);
  g_clear_pointer (&pull->config, pier_image_config_free);
  g_clear_pointer (&pull->config_writer, pier_blob_writer_free);
  g_clear_pointer (&pull->layers, g_ptr_array_unref);
}

/* ---- blobs ---- */

static char *
blob_path (PierRegistryPull *pull, const char *digest)
{
  return g_strdup_printf ("/v2/%s/blobs/%s", pull->repository, digest);
}

static PierRegistryStream *
open_blob (PierRegistryPull *pull, const PierDescriptor *desc, GCancellable *cancellable,
           GError **error)
{
  g_autofree char *path = blob_path (pull, desc->digest);
  PierRegistryRequest request = {
    .host = pull->host, .path = path, .scope = pull->scope,
    .expected_size = desc->size, .resumable = TRUE,
  };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (pull->client, &request,
                                                                cancellable, error);

  if (s == NULL)
    return NULL;
  if (pier_registry_stream_get_status (s) != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("fetching blob %s of %s"), desc->digest,
                                      pull->name);
      return NULL;
    }
  return g_steal_pointer (&s);
}

static gboolean
check_digest (PierRegistryPull *pull, const char *expected, const char *actual, GError **error)
{
  if (strcmp (expected, actual) == 0)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
               _("%s sent content for %s that hashes to %s: refused"), pull->host, expected,
               actual);
  return FALSE;
}

/* A descriptor's size is kept with the image and shown for it: it must be the blob's, whether
 * the blob arrives now or was in the store already. */
static gboolean
check_size (PierRegistryPull *pull, const PierDescriptor *desc, guint64 actual, GError **error)
{
  if (desc->size >= 0 && (guint64) desc->size == actual)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
               _("the manifest of %s gives the size of %s as %" PRId64 " bytes, but it "
                 "has %" PRIu64 ": refused"), pull->name, desc->digest, desc->size, actual);
  return FALSE;
}

static gboolean
fetch_config (PierRegistryPull *pull, GError **error)
{
  const PierDescriptor *desc = pull->manifest->config;
  PierBlobStore *blobs = pier_store_get_blobs (pull->store);
  g_autoptr (GBytes) bytes = NULL;
  gsize len;
  const char *data;

  if (desc->size > PIER_OCI_MAX_DOCUMENT_SIZE)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the config of %s is %" PRId64 " bytes, too large for an image config"),
                   pull->name, desc->size);
      return FALSE;
    }
  if (pier_blob_store_has (blobs, desc->digest))
    bytes = pier_blob_store_read (blobs, desc->digest, PIER_OCI_MAX_DOCUMENT_SIZE, error);
  else
    {
      g_autoptr (PierRegistryStream) s = open_blob (pull, desc, pull->cancellable, error);
      if (s == NULL)
        return FALSE;
      bytes = pier_registry_stream_read_all (s, PIER_OCI_MAX_DOCUMENT_SIZE, error);
      if (bytes == NULL)
        return FALSE;
      pull->config_writer = pier_blob_writer_new (blobs, error);
      if (pull->config_writer == NULL ||
          !pier_blob_writer_write (pull->config_writer, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), error) ||
          !check_digest (pull, desc->digest, pier_blob_writer_get_digest (pull->config_writer),
                         error))
        return FALSE;
    }
  if (bytes == NULL || !check_size (pull, desc, g_bytes_get_size (bytes), error))
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  pull->config = pier_image_config_parse (data, len, error);
  if (pull->config == NULL)
    {
      g_prefix_error (error, _("the config of %s: "), pull->name);
      return FALSE;
    }
  if (pull->config->diff_ids->len != pull->manifest->layers->len)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("the manifest of %s lists %u layers but its config %u diff_ids"), pull->name,
                   pull->manifest->layers->len, pull->config->diff_ids->len);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  PierRegistryStream *stream;
  PierRegistryTransfers *transfers;
  guint blob;
} Source;

static gssize
source_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  Source *src = user_data;
  gssize n = pier_registry_stream_read (src->stream, buffer, size, error);

  if (n > 0)
    pier_registry_transfers_add_bytes (src->transfers, src->blob, n);
  return n;
}

/* Only the blob is stored, verified against its digest as it arrives: the layer is unpacked
 * (and its diff_id checked) by pier_store_ensure_layer() when a container or build first
 * needs it, as a pull into an OCI layout would leave it. Unpacking here doubled what a pull
 * writes, and an image pulled to be saved or pushed on is never unpacked at all. */
#define FETCH_CHUNK (1024 * 1024)

static gboolean
fetch_layer (PierRegistryTransfers *t, guint blob, gpointer data, GCancellable *cancellable,
             GError **error)
{
  Layer *layer = data;
  PierRegistryPull *pull = layer->pull;
  const char *digest = layer->desc->digest;
  g_autoptr (PierRegistryStream) s = NULL;
  Source src = { NULL, t, blob };
  /* Large reads: each one drives the transfer, so small ones cost more than the bytes. */
  g_autofree guint8 *buffer = g_malloc (FETCH_CHUNK);
  gssize n;

  s = src.stream = open_blob (pull, layer->desc, cancellable, error);
  if (s == NULL)
    return FALSE;
  pier_registry_transfers_set_state (t, blob, PIER_REGISTRY_BLOB_TRANSFERRING, NULL);
  layer->writer = pier_blob_writer_new (pier_store_get_blobs (pull->store), error);
  if (layer->writer == NULL)
    return FALSE;
  while ((n = source_read (&src, buffer, FETCH_CHUNK, error)) > 0)
    if (!pier_blob_writer_write (layer->writer, buffer, n, error))
      return FALSE;
  /* Synced here, while other layers still arrive, rather than in the commit. */
  if (n < 0 || !check_digest (pull, digest, pier_blob_writer_get_digest (layer->writer), error)
      || !check_size (pull, layer->desc, pier_blob_writer_get_size (layer->writer), error)
      || !pier_blob_writer_sync (layer->writer, error))
    return FALSE;
  pier_registry_transfers_set_state (t, blob, PIER_REGISTRY_BLOB_DONE, NULL);
  return TRUE;
}

/* Which layers to fetch, and how; queues them. */
static gboolean
plan_layers (PierRegistryPull *pull, PierRegistryTransfers *t, PierRegistryPullResult *result,
             GError **error)
{
  PierBlobStore *blobs = pier_store_get_blobs (pull->store);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  pull->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) layer_free);
  for (guint i = 0; i < pull->manifest->layers->len; i++)
    {
      const PierDescriptor *desc = pull->manifest->layers->pdata[i];
      Layer *layer;
      guint blob;

      if (!pier_media_type_is_layer (desc->media_type, NULL))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("layer %u of %s is “%s”, which Pier cannot unpack (it reads tar layers, "
                         "plain or gzip)"), i + 1, pull->name,
                       desc->media_type ? desc->media_type : "without a media type");
          return FALSE;
        }
      if (!g_hash_table_add (seen, desc->digest))
        continue;
      layer = g_new0 (Layer, 1);
      layer->pull = pull;
      layer->desc = desc;
      g_ptr_array_add (pull->layers, layer);
      blob = pier_registry_transfers_add (t, desc->digest, desc->size, FALSE);
      if (pier_blob_store_has (blobs, desc->digest))
        {
          if (!check_size (pull, desc, pier_blob_store_get_size (blobs, desc->digest), error))
            return FALSE;
          pier_registry_transfers_set_state (t, blob, PIER_REGISTRY_BLOB_EXISTS, NULL);
          result->layers_reused++;
          g_debug ("%s: layer %s in the store already", pull->name, desc->digest);
          continue;
        }
      g_debug ("%s: layer %s not in the store, fetching it", pull->name, desc->digest);
      result->layers_fetched++;
      result->bytes_fetched += desc->size;
      pier_registry_transfers_queue (t, blob, fetch_layer, layer);
    }
  return TRUE;
}

/* ---- into the store ---- */

static PierImage *
find_image (PierStore *store, const char *manifest_digest, GError **error)
{
  g_autoptr (GPtrArray) images = pier_store_list_images (store, error);

  if (images == NULL)
    return NULL;
  for (guint i = 0; i < images->len; i++)
    if (strcmp (((PierImage *) images->pdata[i])->manifest_digest, manifest_digest) == 0)
      return g_ptr_array_steal_index (images, i);
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("the pulled image %s is not in the store"),
               manifest_digest);
  return NULL;
}

static gboolean
commit (PierRegistryPull *pull, PierRegistryPullResult *result, GError **error)
{
  PierBlobStore *blobs = pier_store_get_blobs (pull->store);
  g_autoptr (PierLock) lock = pier_store_lock (pull->store, pull->cancellable, error);
  g_autoptr (PierIndex) index = NULL;
  g_autoptr (PierDescriptor) desc = NULL;

  if (lock == NULL)
    return FALSE;
  for (guint i = 0; i < pull->layers->len; i++)
    {
      Layer *layer = pull->layers->pdata[i];
      if (layer->writer == NULL && !pier_blob_store_has (blobs, layer->desc->digest))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("blob %s was removed from the store while %s was being pulled; pull "
                         "again"), layer->desc->digest, pull->name);
          return FALSE;
        }
    }
  if (pull->config_writer != NULL)
    {
      g_autofree char *stored = pier_blob_writer_commit (pull->config_writer,
                                                         pull->manifest->config->digest, error);
      if (stored == NULL)
        return FALSE;
    }
  for (guint i = 0; i < pull->layers->len; i++)
    {
      Layer *layer = pull->layers->pdata[i];
      if (layer->writer != NULL)
        {
          g_autofree char *stored = pier_blob_writer_commit (layer->writer, layer->desc->digest,
                                                             error);
          if (stored == NULL)
            return FALSE;
        }
    }
  if (!pier_blob_store_has (blobs, pull->manifest_digest))
    {
      /* Byte for byte as the registry sent it: its digest is the image's RepoDigest. */
      g_autoptr (PierBlobWriter) writer = pier_blob_writer_new (blobs, error);
      g_autofree char *stored = NULL;
      if (writer == NULL ||
          !pier_blob_writer_write (writer, g_bytes_get_data (pull->manifest_bytes, NULL),
                                   g_bytes_get_size (pull->manifest_bytes), error) ||
          (stored = pier_blob_writer_commit (writer, pull->manifest_digest, error)) == NULL)
        return FALSE;
    }
  index = pier_store_read_index (pull->store, error);
  if (index == NULL)
    return FALSE;
  for (guint i = 0; i < index->manifests->len; i++)
    {
      const PierDescriptor *entry = index->manifests->pdata[i];
      if (strcmp (entry->digest, pull->manifest_digest) == 0 &&
          g_strcmp0 (pier_descriptor_get_annotation (entry, PIER_ANNOTATION_REF_NAME),
                     pull->name) == 0)
        result->up_to_date = TRUE;
    }
  desc = pier_descriptor_new (pull->manifest->media_type, pull->manifest_digest,
                              g_bytes_get_size (pull->manifest_bytes));
  pier_index_set_names (index, desc, (const char *const[]){ pull->name, NULL });
  return pier_store_write_index (pull->store, index, error);
}

PierRegistryPullResult *
pier_registry_pull (PierStore *store, const char *reference, const PierRegistryOptions *options,
                    PierRegistryProgressFunc progress, gpointer progress_data,
                    GCancellable *cancellable, GError **error)
{
  static const PierRegistryOptions defaults = { 0 };
  g_autoptr (PierRegistryPullResult) result = g_new0 (PierRegistryPullResult, 1);
  g_autoptr (PierRegistryTransfers) transfers = NULL;
  g_autoptr (GPtrArray) refs = NULL;
  PierRegistryPull pull = { store, NULL, options ? options : &defaults, progress, progress_data,
                cancellable };
  gboolean ok = FALSE;

  pull.client = pier_registry_client_new (pull.options, error);
  if (pull.client == NULL)
    goto out;
  refs = pier_registry_pull_candidates (pier_registry_client_get_config (pull.client), reference,
                                        error);
  if (refs == NULL || !pier_registry_pull_resolve (&pull, refs, error)
      || !fetch_config (&pull, error))
    goto out;
  /* Blobs are written from several threads: make the work directory before they race to. */
  if (pier_store_get_work_fd (store, error) < 0)
    goto out;
  transfers = pier_registry_transfers_new (pull.name, pull.options->max_parallel, progress,
                                           progress_data, cancellable);
  if (!plan_layers (&pull, transfers, result, error))
    goto out;
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_TRANSFERRING);
  if (!pier_registry_transfers_run (transfers, error))
    goto out;
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_COMMITTING);
  if (!commit (&pull, result, error))
    goto out;
  result->image = find_image (store, pull.manifest_digest, error);
  if (result->image == NULL)
    goto out;
  pier_events_append (pier_store_get_root (store), "image", "pull", result->image->id, pull.name,
                      0);
  result->reference = g_strdup (pull.name);
  result->digest = g_strdup (pull.top_digest);
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_DONE);
  ok = TRUE;
out:
  pull_clear (&pull);
  return ok ? g_steal_pointer (&result) : NULL;
}
