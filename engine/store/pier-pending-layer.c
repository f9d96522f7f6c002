/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-pending-layer.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-layer-unpack.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define SNIFF_SIZE 512

/* The source as the layer stream sees it: first the bytes read ahead to sniff, then the rest;
 * everything passes into the blob on the way. */
typedef struct {
  PierReadFunc read;
  gpointer read_data;
  PierBlobWriter *blob;
  guint8 head[SNIFF_SIZE];
  gsize head_len;
  gsize head_pos;
} Source;

static gssize
source_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  Source *src = user_data;
  gssize n;

  if (src->head_pos < src->head_len)
    {
      n = MIN (size, src->head_len - src->head_pos);
      memcpy (buffer, src->head + src->head_pos, n);
      src->head_pos += n;
      return n;
    }
  n = src->read (src->read_data, buffer, size, error);
  if (n > 0 && !pier_blob_writer_write (src->blob, buffer, n, error))
    return -1;
  return n;
}

static gboolean
fill_head (Source *src, GError **error)
{
  while (src->head_len < SNIFF_SIZE)
    {
      gssize n = src->read (src->read_data, src->head + src->head_len,
                            SNIFF_SIZE - src->head_len, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      if (!pier_blob_writer_write (src->blob, src->head + src->head_len, n, error))
        return FALSE;
      src->head_len += n;
    }
  return TRUE;
}

/* gzip, a ustar/gnu header, or the zero blocks of an empty tar. */
static gboolean
looks_like_layer (const Source *src)
{
  if (src->head_len >= 2 && src->head[0] == 0x1f && src->head[1] == 0x8b)
    return TRUE;
  if (src->head_len < SNIFF_SIZE)
    return FALSE;
  if (memcmp (src->head + 257, "ustar", 5) == 0)
    return TRUE;
  for (gsize i = 0; i < SNIFF_SIZE; i++)
    if (src->head[i] != 0)
      return FALSE;
  return TRUE;
}

static gboolean
unpack (PierStore *store, PierPendingBlob *pending, PierLayerStream *stream,
        GCancellable *cancellable)
{
  PierUnpackOptions options = pier_store_layer_unpack_options (store);
  PierUnpackStats stats = { 0 };
  g_autofree char *diff = NULL;
  pier_autofd int diff_fd = -1;
  int work_fd = pier_store_get_work_fd (store, &pending->unpack_error);

  if (work_fd < 0)
    return FALSE;
  pending->work_name = pier_fs_mkdtemp_at (work_fd, "layer", &pending->unpack_error);
  if (pending->work_name == NULL)
    return FALSE;
  diff = g_build_filename (pending->work_name, "diff", NULL);
  if (mkdirat (work_fd, diff, 0755) < 0)
    return pier_set_errno (&pending->unpack_error, errno, _("creating a layer directory"));
  diff_fd = pier_fs_open_dir_at (work_fd, diff, &pending->unpack_error);
  if (diff_fd < 0)
    return FALSE;
  if (!pier_layer_unpack (pier_layer_stream_read, stream, diff_fd, &options, &stats, cancellable,
                          &pending->unpack_error))
    return FALSE;
  pending->n_devices_skipped = stats.n_devices_skipped;
  return TRUE;
}

PierPendingBlob *
pier_pending_blob_read (PierStore *store, PierReadFunc read, gpointer read_data,
                        GCancellable *cancellable, GError **error)
{
  g_autoptr (PierPendingBlob) pending = g_new0 (PierPendingBlob, 1);

  pending->store = g_object_ref (store);
  g_autoptr (PierLayerStream) stream = NULL;
  g_autoptr (GError) stream_error = NULL;
  Source src = { read, read_data, NULL };
  gboolean unpacked = FALSE;

  pending->blob = pier_blob_writer_new (pier_store_get_blobs (store), error);
  if (pending->blob == NULL)
    return NULL;
  src.blob = pending->blob;
  if (!fill_head (&src, error))
    return NULL;
  /* The blob writer hashes what passes; the stream only needs the diff_id. */
  stream = pier_layer_stream_new_unhashed (source_read, &src);
  if (looks_like_layer (&src))
    unpacked = unpack (store, pending, stream, cancellable);
  else
    g_set_error (&pending->unpack_error, PIER_ERROR, PIER_ERROR_INVALID, _("not a tar archive"));
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  /* Read what is left, so that the blob is whole whether or not it unpacked. A damaged gzip
   * stream stops the layer stream; the raw bytes are then copied as they are. */
  if (!pier_layer_stream_drain (stream, &stream_error))
    {
      guint8 buf[65536];
      gssize n;
      unpacked = FALSE;
      if (pending->unpack_error == NULL)
        pending->unpack_error = g_steal_pointer (&stream_error);
      while ((n = source_read (&src, buf, sizeof buf, error)) > 0)
        ;
      if (n < 0)
        return NULL;
    }
  else if (unpacked)
    {
      pending->diff_id = g_strdup (pier_layer_stream_get_diff_id (stream));
      pending->uncompressed_size = pier_layer_stream_get_uncompressed_size (stream);
      pending->compressed = pier_layer_stream_is_compressed (stream);
    }
  if (!unpacked && pending->work_name != NULL)
    {
      pier_fs_rm_rf_at (pier_store_get_work_fd (store, NULL), pending->work_name, NULL);
      g_clear_pointer (&pending->work_name, g_free);
    }
  if (!pier_blob_writer_finish (pending->blob, error))
    return NULL;
  pending->size = pier_blob_writer_get_size (pending->blob);
  /* Known now, stored later: linking waits for the store lock, the digest is needed at once to
   * match the blob to its role. */
  pending->digest = g_strdup (pier_blob_writer_get_digest (pending->blob));
  return g_steal_pointer (&pending);
}

GBytes *
pier_pending_blob_read_back (PierPendingBlob *pending, gsize max_size, GError **error)
{
  if (pending->blob == NULL)
    return pier_blob_store_read (pier_store_get_blobs (pending->store), pending->digest,
                                 max_size, error);
  return pier_blob_writer_read_back (pending->blob, max_size, error);
}

gboolean
pier_pending_blob_commit (PierStore *store, PierPendingBlob *pending, GError **error)
{
  g_autofree char *digest = NULL;

  if (pending->blob != NULL)
    {
      digest = pier_blob_writer_commit (pending->blob, pending->digest, error);
      if (digest == NULL)
        return FALSE;
      g_clear_pointer (&pending->blob, pier_blob_writer_free);
    }
  if (pending->work_name != NULL)
    {
      if (!pier_store_commit_layer (store, pending->work_name, pending->diff_id,
                                    pending->uncompressed_size, error))
        return FALSE;
      g_clear_pointer (&pending->work_name, g_free);
    }
  return TRUE;
}

PierDescriptor *
pier_pending_blob_layer_descriptor (const PierPendingBlob *pending)
{
  return pier_descriptor_new (pending->compressed ? PIER_MEDIA_OCI_LAYER_GZIP : PIER_MEDIA_OCI_LAYER,
                              pending->digest, pending->size);
}

void
pier_pending_blob_free (PierPendingBlob *pending)
{
  if (pending == NULL)
    return;
  if (pending->work_name != NULL)
    pier_fs_rm_rf_at (pier_store_get_work_fd (pending->store, NULL), pending->work_name, NULL);
  g_clear_object (&pending->store);
  pier_blob_writer_free (pending->blob);
  g_free (pending->digest);
  g_free (pending->diff_id);
  g_free (pending->work_name);
  g_clear_error (&pending->unpack_error);
  g_free (pending);
}
