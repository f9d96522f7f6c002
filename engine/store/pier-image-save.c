/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saving images as docker-archives and OCI archives. */
#include "pier-image-archive.h"

#include "pier-builtin-images.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-reference.h"
#include "pier-tar-writer-private.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <zlib.h>

#define OCI_LAYOUT_CONTENT "{\"imageLayoutVersion\":\"1.0.0\"}"

typedef struct {
  PierImage *image;
  const char *requested; /* what the user named it by */
} SavedImage;

/* A requested name that is a name (not an id) becomes the archive's name for the image. */
static char *
requested_name (const SavedImage *s)
{
  g_autoptr (PierReference) ref = NULL;
  g_autofree char *full = NULL;

  if (pier_reference_looks_like_id (s->requested))
    return NULL;
  ref = pier_reference_parse (s->requested, NULL);
  if (ref == NULL || ref->tag == NULL)
    return NULL;
  full = pier_reference_to_string (ref);
  for (guint i = 0; i < s->image->names->len; i++)
    if (strcmp (s->image->names->pdata[i], full) == 0)
      return g_steal_pointer (&full);
  return NULL;
}

static gboolean
add_blob (PierStore *store, PierTarWriter *tar, const char *member, const char *digest,
          GError **error)
{
  g_autoptr (PierBlobReader) reader = pier_blob_reader_open (pier_store_get_blobs (store), digest, error);

  return reader != NULL &&
         pier_tar_writer_add_stream (tar, member, 0644, pier_blob_reader_get_size (reader),
                                     pier_blob_reader_read, reader, error) &&
         /* The last read verifies the digest. */
         pier_blob_reader_read (reader, (guint8[1]){ 0 }, 1, error) == 0;
}

/* ---- docker-archive ---- */

static gboolean
add_uncompressed_layer (PierStore *store, PierTarWriter *tar, const char *member,
                        const PierDescriptor *layer, const char *diff_id, GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (PierBlobReader) reader = NULL;
  g_autoptr (PierLayerStream) stream = NULL;
  g_autofree char *unpacked = NULL;
  gint64 size;

  if (!pier_media_type_is_layer (layer->media_type, NULL) ||
      strcmp (layer->digest, diff_id) == 0)
    return add_blob (store, tar, member, layer->digest, error);
  /* A compressed blob goes in uncompressed: a tar header needs the size first, which the store
   * knows once the layer is unpacked. */
  unpacked = pier_store_ensure_layer (store, layer->digest, diff_id, cancellable, error);
  if (unpacked == NULL)
    return FALSE;
  size = pier_store_get_layer_size (store, diff_id);
  reader = pier_blob_reader_open (pier_store_get_blobs (store), layer->digest, error);
  if (reader == NULL)
    return FALSE;
  stream = pier_layer_stream_new (pier_blob_reader_read, reader);
  if (!pier_tar_writer_add_stream (tar, member, 0644, size, pier_layer_stream_read, stream, error) ||
      !pier_layer_stream_drain (stream, error))
    return FALSE;
  if (strcmp (pier_layer_stream_get_diff_id (stream), diff_id) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("layer %s does not unpack to %s"),
                   layer->digest, diff_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
save_docker (PierStore *store, GPtrArray *saved, PierTarWriter *tar, GCancellable *cancellable,
             GError **error)
{
  g_autoptr (GHashTable) written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (PierJsonWriter) w = { NULL };
  json_t *manifest = json_array ();
  g_autofree char *json = NULL;

  for (guint i = 0; i < saved->len; i++)
    {
      SavedImage *s = saved->pdata[i];
      PierImage *image = s->image;
      g_autofree char *config_member = g_strconcat (pier_digest_hex (image->id), ".json", NULL);
      g_autofree char *name = requested_name (s);
      json_t *entry = json_object ();
      json_t *layers = json_array ();
      json_t *tags = json_array ();

      pier_json_append (&w, manifest, entry);
      pier_json_set_text (&w, entry, "Config", config_member);
      pier_json_set (&w, entry, "RepoTags", tags);
      pier_json_set (&w, entry, "Layers", layers);
      /* Fully qualified: Podman reads a short name in a docker-archive as localhost/NAME. */
      if (name != NULL)
        pier_json_append (&w, tags, pier_json_text (&w, "RepoTags", name));
      if (!g_hash_table_contains (written, config_member))
        {
          if (!add_blob (store, tar, config_member, image->id, error))
            goto out;
          g_hash_table_add (written, g_strdup (config_member));
        }
      for (guint l = 0; l < image->manifest->layers->len; l++)
        {
          const char *diff_id = image->config->diff_ids->pdata[l];
          g_autofree char *member = g_strconcat (pier_digest_hex (diff_id), "/layer.tar", NULL);
          pier_json_append (&w, layers, pier_json_text (&w, "Layers", member));
          if (g_hash_table_contains (written, member))
            continue;
          if (!add_uncompressed_layer (store, tar, member, image->manifest->layers->pdata[l],
                                       diff_id, cancellable, error))
            goto out;
          g_hash_table_add (written, g_steal_pointer (&member));
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
    }
  json = pier_json_writer_dump (&w, g_steal_pointer (&manifest), JSON_COMPACT, error);
  if (json == NULL)
    {
      g_prefix_error (error, _("writing manifest.json: "));
      return FALSE;
    }
  return pier_tar_writer_add_data (tar, "manifest.json", 0644, json, strlen (json), error);

out:
  json_decref (manifest);
  return FALSE;
}

/* ---- OCI archive ---- */

typedef struct {
  int fd;
  guint64 size;
  char *digest;
} CompressedLayer;

/* gzip of a plain layer into an anonymous file, for its digest and size before the tar
 * header is written. */
static gboolean
compress_layer (PierStore *store, const char *digest, CompressedLayer *out, GError **error)
{
  g_autoptr (PierBlobReader) reader = pier_blob_reader_open (pier_store_get_blobs (store), digest, error);
  g_autoptr (PierHasher) hasher = pier_hasher_new ();
  g_autofree guint8 *in = g_malloc (1 << 20);
  g_autofree guint8 *zout = g_malloc (1 << 20);
  int work_fd = pier_store_get_work_fd (store, error);
  z_stream zs = { 0 };
  gboolean ok = FALSE;
  gssize n;

  if (reader == NULL || work_fd < 0)
    return FALSE;
  out->fd = openat (work_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (out->fd < 0)
    return pier_set_errno (error, errno, _("creating a temporary file"));
  deflateInit2 (&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  do
    {
      n = pier_blob_reader_read (reader, in, 1 << 20, error);
      if (n < 0)
        goto out;
      zs.next_in = in;
      zs.avail_in = n;
      do
        {
          gsize produced;
          zs.next_out = zout;
          zs.avail_out = 1 << 20;
          deflate (&zs, n == 0 ? Z_FINISH : Z_NO_FLUSH);
          produced = (1 << 20) - zs.avail_out;
          pier_hasher_update (hasher, zout, produced);
          if (!pier_fs_write_all (out->fd, zout, produced, error))
            goto out;
          out->size += produced;
        }
      while (zs.avail_out == 0);
    }
  while (n > 0);
  out->digest = pier_hasher_finish (hasher);
  ok = lseek (out->fd, 0, SEEK_SET) == 0;
  if (!ok)
    pier_set_errno (error, errno, _("rewinding a temporary file"));
out:
  deflateEnd (&zs);
  return ok;
}

static gboolean
add_oci_layer (PierStore *store, PierTarWriter *tar, GHashTable *written,
               const PierDescriptor *layer, PierDescriptor **out, GError **error)
{
  gboolean compressed = FALSE;
  CompressedLayer c = { -1, 0, NULL };
  g_autofree char *member = NULL;
  gboolean ok;

  if (!pier_media_type_is_layer (layer->media_type, &compressed) || compressed)
    {
      *out = pier_descriptor_copy (layer);
      if (pier_media_type_is_layer (layer->media_type, NULL))
        {
          g_free ((*out)->media_type);
          (*out)->media_type = g_strdup (PIER_MEDIA_OCI_LAYER_GZIP);
        }
      member = g_strconcat ("blobs/sha256/", pier_digest_hex (layer->digest), NULL);
      if (g_hash_table_contains (written, member))
        return TRUE;
      g_hash_table_add (written, g_strdup (member));
      return add_blob (store, tar, member, layer->digest, error);
    }
  if (!compress_layer (store, layer->digest, &c, error))
    {
      pier_close_fd_ptr (&c.fd);
      return FALSE;
    }
  *out = pier_descriptor_new (PIER_MEDIA_OCI_LAYER_GZIP, c.digest, c.size);
  member = g_strconcat ("blobs/sha256/", pier_digest_hex (c.digest), NULL);
  ok = g_hash_table_contains (written, member) ||
       pier_tar_writer_add_stream (tar, member, 0644, c.size, pier_read_fd,
                                   GINT_TO_POINTER (c.fd), error);
  g_hash_table_add (written, g_steal_pointer (&member));
  close (c.fd);
  g_free (c.digest);
  return ok;
}

static gboolean
add_document (PierTarWriter *tar, GHashTable *written, const char *json, char **out_digest,
              GError **error)
{
  g_autofree char *digest = pier_digest_data (json, strlen (json));
  g_autofree char *member = g_strconcat ("blobs/sha256/", pier_digest_hex (digest), NULL);

  if (!g_hash_table_contains (written, member) &&
      !pier_tar_writer_add_data (tar, member, 0644, json, strlen (json), error))
    return FALSE;
  g_hash_table_add (written, g_steal_pointer (&member));
  *out_digest = g_steal_pointer (&digest);
  return TRUE;
}

static gboolean
save_oci (PierStore *store, GPtrArray *saved, PierTarWriter *tar, GCancellable *cancellable,
          GError **error)
{
  g_autoptr (GHashTable) written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (PierIndex) index = pier_index_new ();
  g_autofree char *index_json = NULL;

  if (!pier_tar_writer_add_dir (tar, "blobs", 0755, error) ||
      !pier_tar_writer_add_dir (tar, "blobs/sha256", 0755, error))
    return FALSE;
  for (guint i = 0; i < saved->len; i++)
    {
      SavedImage *s = saved->pdata[i];
      g_autoptr (PierManifest) manifest = pier_manifest_new ();
      g_autofree char *config_member = g_strconcat ("blobs/sha256/", pier_digest_hex (s->image->id), NULL);
      g_autofree char *manifest_json = NULL;
      g_autofree char *manifest_digest = NULL;
      g_autofree char *name = requested_name (s);
      PierDescriptor *entry;

      if (!g_hash_table_contains (written, config_member))
        {
          if (!add_blob (store, tar, config_member, s->image->id, error))
            return FALSE;
          g_hash_table_add (written, g_steal_pointer (&config_member));
        }
      manifest->config = pier_descriptor_new (PIER_MEDIA_OCI_CONFIG, s->image->id,
                                              s->image->config_size);
      for (guint l = 0; l < s->image->manifest->layers->len; l++)
        {
          PierDescriptor *out = NULL;
          if (!add_oci_layer (store, tar, written, s->image->manifest->layers->pdata[l], &out, error))
            return FALSE;
          g_ptr_array_add (manifest->layers, out);
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
        }
      manifest_json = pier_manifest_to_json (manifest, error);
      if (manifest_json == NULL || !add_document (tar, written, manifest_json, &manifest_digest, error))
        return FALSE;
      entry = pier_descriptor_new (PIER_MEDIA_OCI_MANIFEST, manifest_digest, strlen (manifest_json));
      if (name != NULL)
        pier_descriptor_set_annotation (entry, PIER_ANNOTATION_REF_NAME, name);
      g_ptr_array_add (index->manifests, entry);
    }
  index_json = pier_index_to_json (index, error);
  return index_json != NULL &&
         pier_tar_writer_add_data (tar, "oci-layout", 0644, OCI_LAYOUT_CONTENT,
                                   strlen (OCI_LAYOUT_CONTENT), error) &&
         pier_tar_writer_add_data (tar, "index.json", 0644, index_json, strlen (index_json), error);
}

static void
saved_image_free (SavedImage *s)
{
  pier_image_free (s->image);
  g_free (s);
}

gboolean
pier_store_save_archive (PierStore *store, const char *const *names, PierArchiveFormat format,
                         PierWriteFunc write, gpointer write_data, GCancellable *cancellable,
                         GError **error)
{
  g_autoptr (GPtrArray) saved = g_ptr_array_new_with_free_func ((GDestroyNotify) saved_image_free);
  g_autoptr (PierTarWriter) tar = NULL;
  gboolean ok;

  if (names == NULL || names[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("name at least one image to save"));
      return FALSE;
    }
  for (const char *const *n = names; *n; n++)
    {
      SavedImage *s = g_new0 (SavedImage, 1);
      s->requested = *n;
      s->image = pier_store_find_image (store, *n, error);
      g_ptr_array_add (saved, s);
      if (s->image == NULL)
        return FALSE;
      if (pier_builtin_images_binds_host_usr (store, s->image->config))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("%s borrows the host's /usr at run time and cannot be saved; save an "
                         "image built on another base"), *n);
          return FALSE;
        }
    }
  tar = pier_tar_writer_new (write, write_data, 0);
  ok = format == PIER_ARCHIVE_DOCKER ? save_docker (store, saved, tar, cancellable, error)
                                     : save_oci (store, saved, tar, cancellable, error);
  return ok && pier_tar_writer_finish (tar, error);
}
