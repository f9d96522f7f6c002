/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pushing images from the store to registries. */
#include "pier-registry-push.h"

#include "pier-error.h"
#include "pier-events.h"
#include "pier-i18n.h"
#include "pier-reference.h"
#include "pier-registry-transfers-private.h"

#include <string.h>


void
pier_registry_push_result_free (PierRegistryPushResult *result)
{
  if (result == NULL)
    return;
  g_free (result->reference);
  g_free (result->digest);
  g_free (result);
}

typedef struct {
  PierStore *store;
  PierRegistryClient *client;
  char *host;
  char *repository;
  char *scope;
  char *name;
  gint mounted;  /* atomic counters, from the jobs */
  gint existing;
  gint pushed;
} Push;

typedef struct {
  Push *push;
  const PierDescriptor *desc;
  char *mount_from; /* a repository of the same registry that has the blob, or NULL */
} Blob;

static void
blob_free (Blob *blob)
{
  g_free (blob->mount_from);
  g_free (blob);
}

typedef struct {
  PierBlobReader *reader;
  PierRegistryTransfers *transfers;
  guint blob;
} Upload;

static gssize
upload_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  Upload *up = user_data;
  gssize n = pier_blob_reader_read (up->reader, buffer, size, error);

  if (n > 0)
    pier_registry_transfers_add_bytes (up->transfers, up->blob, n);
  return n;
}

static PierRegistryStream *
request (Push *push, const char *method, const char *path, const char *scope,
         GCancellable *cancellable, GError **error)
{
  PierRegistryRequest req = { .method = method, .host = push->host, .path = path,
                              .scope = scope ? scope : push->scope };

  return pier_registry_client_send (push->client, &req, cancellable, error);
}

/* Where the blob's bytes go: the Location of an upload the registry opened. */
static char *
open_upload (Push *push, PierRegistryStream *s, const char *digest, GError **error)
{
  char *location;

  if (pier_registry_stream_get_status (s) != 202)
    {
      pier_registry_stream_set_error (s, NULL, error, _("starting the upload of %s"), digest);
      return NULL;
    }
  location = pier_registry_stream_resolve_location (s);
  if (location == NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                 _("%s opened an upload for %s without saying where (no Location)"), push->host,
                 digest);
  return location;
}

static gboolean
push_blob (PierRegistryTransfers *t, guint index, gpointer data, GCancellable *cancellable,
           GError **error)
{
  Blob *blob = data;
  Push *push = blob->push;
  const char *digest = blob->desc->digest;
  g_autofree char *path = g_strdup_printf ("/v2/%s/blobs/%s", push->repository, digest);
  g_autoptr (PierRegistryStream) s = request (push, "HEAD", path, NULL, cancellable, error);
  g_autoptr (PierBlobReader) reader = NULL;
  g_autofree char *location = NULL;
  g_autofree char *put_url = NULL;
  g_autofree char *escaped = NULL;
  Upload up = { NULL, t, index };

  if (s == NULL)
    return FALSE;
  if (pier_registry_stream_get_status (s) == 200)
    {
      g_atomic_int_inc (&push->existing);
      pier_registry_transfers_set_state (t, index, PIER_REGISTRY_BLOB_EXISTS, NULL);
      return TRUE;
    }
  if (pier_registry_stream_get_status (s) != 404)
    {
      pier_registry_stream_set_error (s, NULL, error, _("checking for blob %s"), digest);
      return FALSE;
    }
  g_clear_pointer (&s, pier_registry_stream_free);
  if (blob->mount_from != NULL)
    {
      g_autofree char *mount_path = NULL;
      g_autofree char *mount_scope = NULL;
      g_autofree char *from = g_uri_escape_string (blob->mount_from, "/", FALSE);
      mount_path = g_strdup_printf ("/v2/%s/blobs/uploads/?mount=%s&from=%s", push->repository,
                                    digest, from);
      mount_scope = g_strdup_printf ("%s repository:%s:pull", push->scope, blob->mount_from);
      s = request (push, "POST", mount_path, mount_scope, cancellable, error);
      if (s == NULL)
        return FALSE;
      if (pier_registry_stream_get_status (s) == 201)
        {
          g_atomic_int_inc (&push->mounted);
          pier_registry_transfers_set_state (t, index, PIER_REGISTRY_BLOB_MOUNTED,
                                             blob->mount_from);
          return TRUE;
        }
      /* Not mountable (the registry may not allow it): it answered with an upload instead. */
    }
  else
    {
      g_autofree char *start_path = g_strdup_printf ("/v2/%s/blobs/uploads/", push->repository);
      s = request (push, "POST", start_path, NULL, cancellable, error);
      if (s == NULL)
        return FALSE;
    }
  location = open_upload (push, s, digest, error);
  if (location == NULL)
    return FALSE;
  g_clear_pointer (&s, pier_registry_stream_free);
  reader = pier_blob_reader_open (pier_store_get_blobs (push->store), digest, error);
  if (reader == NULL)
    return FALSE;
  up.reader = reader;
  escaped = g_uri_escape_string (digest, NULL, FALSE);
  put_url = g_strdup_printf ("%s%cdigest=%s", location, strchr (location, '?') ? '&' : '?',
                             escaped);
  pier_registry_transfers_set_state (t, index, PIER_REGISTRY_BLOB_TRANSFERRING, NULL);
  {
    PierRegistryRequest put = {
      .method = "PUT", .host = push->host, .path = put_url, .scope = push->scope,
      .content_type = "application/octet-stream", .body_read = upload_read,
      .body_read_data = &up, .body_size = pier_blob_reader_get_size (reader),
    };
    s = pier_registry_client_send (push->client, &put, cancellable, error);
  }
  if (s == NULL)
    {
      g_prefix_error (error, _("uploading %s to %s: "), digest, push->host);
      return FALSE;
    }
  if (pier_registry_stream_get_status (s) != 201)
    {
      pier_registry_stream_set_error (s, NULL, error, _("uploading %s"), digest);
      return FALSE;
    }
  g_atomic_int_inc (&push->pushed);
  pier_registry_transfers_set_state (t, index, PIER_REGISTRY_BLOB_DONE, NULL);
  return TRUE;
}

/* Another repository of the same registry where the store has an image holding @digest. */
static char *
find_mount_source (GPtrArray *images, const PierReference *dest, const char *digest)
{
  for (guint i = 0; i < images->len; i++)
    {
      const PierImage *image = images->pdata[i];
      gboolean has = strcmp (image->manifest->config->digest, digest) == 0;

      for (guint l = 0; !has && l < image->manifest->layers->len; l++)
        has = strcmp (((PierDescriptor *) image->manifest->layers->pdata[l])->digest, digest) == 0;
      if (!has)
        continue;
      for (guint n = 0; n < image->names->len; n++)
        {
          g_autoptr (PierReference) ref = pier_reference_parse (image->names->pdata[n], NULL);
          if (ref != NULL && strcmp (ref->domain, dest->domain) == 0 &&
              strcmp (ref->path, dest->path) != 0)
            return g_strdup (ref->path);
        }
    }
  return NULL;
}

static gboolean
put_manifest (Push *push, const PierImage *image, GBytes *manifest, const PierReference *ref,
              GCancellable *cancellable, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", push->repository,
                                           ref->tag ? ref->tag : ref->digest);
  PierRegistryRequest req = {
    .method = "PUT", .host = push->host, .path = path, .scope = push->scope,
    .content_type = image->manifest->media_type, .body = manifest,
  };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (push->client, &req, cancellable,
                                                                error);
  const char *stored;

  if (s == NULL)
    return FALSE;
  if (pier_registry_stream_get_status (s) != 201 && pier_registry_stream_get_status (s) != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("sending the manifest of %s"), push->name);
      return FALSE;
    }
  stored = pier_registry_stream_get_header (s, "Docker-Content-Digest");
  if (stored != NULL && strcmp (stored, image->manifest_digest) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s stored the manifest of %s as %s, not as %s"), push->host, push->name,
                   stored, image->manifest_digest);
      return FALSE;
    }
  return TRUE;
}

PierRegistryPushResult *
pier_registry_push (PierStore *store, const char *image_name, const char *destination,
                    const PierRegistryOptions *options, PierRegistryProgressFunc progress,
                    gpointer progress_data, GCancellable *cancellable, GError **error)
{
  static const PierRegistryOptions defaults = { 0 };
  g_autoptr (PierImage) image = pier_store_find_image (store, image_name, error);
  g_autoptr (PierReference) ref = NULL;
  g_autoptr (PierRegistryTransfers) transfers = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) blobs = g_ptr_array_new_with_free_func ((GDestroyNotify) blob_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) descs = g_ptr_array_new ();
  g_autoptr (GBytes) manifest = NULL;
  g_autoptr (PierRegistryPushResult) result = NULL;
  const char *dest_text = destination ? destination : image_name;
  Push push = { store };
  gboolean ok = FALSE;

  if (options == NULL)
    options = &defaults;
  if (image == NULL)
    return NULL;
  if (destination == NULL && pier_reference_looks_like_id (image_name))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("give a destination (NAME[:TAG]) to push an image named by its id"));
      return NULL;
    }
  if (g_str_has_prefix (dest_text, "docker://"))
    dest_text += strlen ("docker://");
  ref = pier_reference_parse (dest_text, error);
  if (ref == NULL)
    return NULL;
  manifest = pier_blob_store_read (pier_store_get_blobs (store), image->manifest_digest,
                                   PIER_OCI_MAX_DOCUMENT_SIZE, error);
  images = manifest ? pier_store_list_images (store, error) : NULL;
  if (images == NULL)
    return NULL;
  push.client = pier_registry_client_new (options, error);
  if (push.client == NULL)
    return NULL;
  push.host = g_strdup (ref->domain);
  push.repository = g_strdup (ref->path);
  push.scope = g_strdup_printf ("repository:%s:pull,push", ref->path);
  push.name = pier_reference_to_string (ref);
  transfers = pier_registry_transfers_new (push.name, options->max_parallel, progress,
                                           progress_data, cancellable);
  g_ptr_array_add (descs, image->manifest->config);
  for (guint i = 0; i < image->manifest->layers->len; i++)
    g_ptr_array_add (descs, image->manifest->layers->pdata[i]);
  for (guint i = 0; i < descs->len; i++)
    {
      const PierDescriptor *desc = descs->pdata[i];
      Blob *blob;
      guint index;
      if (!g_hash_table_add (seen, desc->digest))
        continue;
      blob = g_new0 (Blob, 1);
      blob->push = &push;
      blob->desc = desc;
      blob->mount_from = find_mount_source (images, ref, desc->digest);
      g_ptr_array_add (blobs, blob);
      index = pier_registry_transfers_add (transfers, desc->digest, desc->size, i == 0);
      pier_registry_transfers_queue (transfers, index, push_blob, blob);
    }
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_TRANSFERRING);
  if (!pier_registry_transfers_run (transfers, error))
    goto out;
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_COMMITTING);
  if (!put_manifest (&push, image, manifest, ref, cancellable, error))
    goto out;
  pier_events_append (pier_store_get_root (store), "image", "push", image->id, push.name, 0);
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_DONE);
  result = g_new0 (PierRegistryPushResult, 1);
  result->reference = g_strdup (push.name);
  result->digest = g_strdup (image->manifest_digest);
  result->size = g_bytes_get_size (manifest);
  result->blobs_pushed = push.pushed;
  result->blobs_existing = push.existing;
  result->blobs_mounted = push.mounted;
  ok = TRUE;
out:
  pier_registry_client_free (push.client);
  g_free (push.host);
  g_free (push.repository);
  g_free (push.scope);
  g_free (push.name);
  return ok ? g_steal_pointer (&result) : NULL;
}
