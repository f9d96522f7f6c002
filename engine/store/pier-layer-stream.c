/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-stream.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define INPUT_SIZE (256 * 1024)

struct _PierLayerStream {
  PierReadFunc source;
  gpointer source_data;

  guint8 *input;
  gsize input_len;      /* bytes in input not yet consumed */
  gsize input_pos;
  gboolean source_eof;

  gboolean sniffed;
  gboolean compressed;
  gboolean inflate_done; /* the gzip stream (all members) has ended */
  z_stream zs;
  gboolean zs_live;

  PierHasher *blob_hasher;
  PierHasher *diff_hasher;
  char *digest;
  char *diff_id;
  guint64 size;
  guint64 uncompressed_size;
};

gssize
pier_read_fd (gpointer fd_as_pointer, void *buffer, gsize size, GError **error)
{
  int fd = GPOINTER_TO_INT (fd_as_pointer);

  for (;;)
    {
      ssize_t n = read (fd, buffer, size);
      if (n >= 0)
        return n;
      if (errno != EINTR)
        {
          pier_set_errno (error, errno, _("reading"));
          return -1;
        }
    }
}

gboolean
pier_check_expansion (guint64 compressed, guint64 expanded, GError **error)
{
  if (expanded <= PIER_EXPANSION_FLOOR || expanded / PIER_MAX_EXPANSION_RATIO <= compressed)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("the compressed data expands more than %d-fold (%" PRIu64 " MiB from %"
                 PRIu64 " KiB read so far): refusing what looks like a decompression bomb"),
               PIER_MAX_EXPANSION_RATIO, expanded >> 20, compressed >> 10);
  return FALSE;
}

PierLayerStream *
pier_layer_stream_new (PierReadFunc source, gpointer source_data)
{
  PierLayerStream *stream = g_new0 (PierLayerStream, 1);

  stream->source = source;
  stream->source_data = source_data;
  stream->input = g_malloc (INPUT_SIZE);
  stream->blob_hasher = pier_hasher_new ();
  stream->diff_hasher = pier_hasher_new ();
  return stream;
}

PierLayerStream *
pier_layer_stream_new_unhashed (PierReadFunc source, gpointer source_data)
{
  PierLayerStream *stream = pier_layer_stream_new (source, source_data);

  g_clear_pointer (&stream->blob_hasher, pier_hasher_free);
  return stream;
}

PierLayerStream *
pier_layer_stream_new_for_fd (int fd)
{
  return pier_layer_stream_new (pier_read_fd, GINT_TO_POINTER (fd));
}

void
pier_layer_stream_free (PierLayerStream *stream)
{
  if (stream == NULL)
    return;
  if (stream->zs_live)
    inflateEnd (&stream->zs);
  pier_hasher_free (stream->blob_hasher);
  pier_hasher_free (stream->diff_hasher);
  g_free (stream->digest);
  g_free (stream->diff_id);
  g_free (stream->input);
  g_free (stream);
}

/* Refills the input buffer from the source; FALSE with @error on failure. At the end of the
 * source, input_len stays 0 and source_eof is set. */
static gboolean
fill_input (PierLayerStream *stream, GError **error)
{
  gssize n;

  if (stream->input_pos < stream->input_len || stream->source_eof)
    return TRUE;
  n = stream->source (stream->source_data, stream->input, INPUT_SIZE, error);
  if (n < 0)
    return FALSE;
  stream->input_pos = 0;
  stream->input_len = n;
  if (n == 0)
    stream->source_eof = TRUE;
  if (stream->blob_hasher != NULL)
    pier_hasher_update (stream->blob_hasher, stream->input, n);
  stream->size += n;
  return TRUE;
}

static void
finish_digests (PierLayerStream *stream)
{
  g_autofree char *blob_digest = stream->blob_hasher ? pier_hasher_finish (stream->blob_hasher) : NULL;

  stream->digest = g_strdup (blob_digest);
  /* Plain tar: the diff_id is the blob's digest, known only when the blob is hashed here. */
  stream->diff_id = stream->compressed || blob_digest == NULL
                        ? pier_hasher_finish (stream->diff_hasher)
                        : g_strdup (blob_digest);
}

static gboolean
sniff (PierLayerStream *stream, GError **error)
{
  if (!fill_input (stream, error))
    return FALSE;
  stream->sniffed = TRUE;
  /* A gzip member starts 1f 8b; a short first read that splits those two bytes does not happen
   * with the sources Pier uses (files, archive entries, sockets of at least a page). */
  if (stream->input_len >= 2 && stream->input[0] == 0x1f && stream->input[1] == 0x8b)
    {
      stream->compressed = TRUE;
      if (inflateInit2 (&stream->zs, 15 + 16) != Z_OK)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("cannot initialise zlib"));
          return FALSE;
        }
      stream->zs_live = TRUE;
    }
  else if (stream->input_len >= 4 && memcmp (stream->input, "\x28\xb5\x2f\xfd", 4) == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("zstd-compressed layers are not supported; use gzip or plain tar"));
      return FALSE;
    }
  return TRUE;
}

static gssize
read_inflated (PierLayerStream *stream, void *buffer, gsize size, GError **error)
{
  stream->zs.next_out = buffer;
  stream->zs.avail_out = size;
  while (stream->zs.avail_out == size && !stream->inflate_done)
    {
      int rc;

      if (!fill_input (stream, error))
        return -1;
      if (stream->input_pos == stream->input_len)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the gzip stream ends early (truncated layer)"));
          return -1;
        }
      stream->zs.next_in = stream->input + stream->input_pos;
      stream->zs.avail_in = stream->input_len - stream->input_pos;
      rc = inflate (&stream->zs, Z_NO_FLUSH);
      stream->input_pos = stream->input_len - stream->zs.avail_in;
      if (rc == Z_STREAM_END)
        {
          /* Concatenated gzip members form one stream (pigz and some tools write them). */
          if (!fill_input (stream, error))
            return -1;
          if (stream->input_pos < stream->input_len && stream->input[stream->input_pos] == 0x1f)
            inflateReset (&stream->zs);
          else
            stream->inflate_done = TRUE;
        }
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("the gzip stream is damaged: %s"),
                       stream->zs.msg ? stream->zs.msg : "inflate failed");
          return -1;
        }
    }
  {
    gsize produced = size - stream->zs.avail_out;
    pier_hasher_update (stream->diff_hasher, buffer, produced);
    stream->uncompressed_size += produced;
    if (!pier_check_expansion (stream->size, stream->uncompressed_size, error))
      return -1;
    return produced;
  }
}

gssize
pier_layer_stream_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  PierLayerStream *stream = user_data;
  gssize n;

  if (!stream->sniffed && !sniff (stream, error))
    return -1;
  if (stream->compressed)
    n = read_inflated (stream, buffer, size, error);
  else
    {
      if (!fill_input (stream, error))
        return -1;
      n = MIN (size, stream->input_len - stream->input_pos);
      memcpy (buffer, stream->input + stream->input_pos, n);
      stream->input_pos += n;
      stream->uncompressed_size += n;
      if (stream->blob_hasher == NULL)
        pier_hasher_update (stream->diff_hasher, buffer, n);
    }
  return n;
}

gboolean
pier_layer_stream_drain (PierLayerStream *stream, GError **error)
{
  guint8 buf[65536];
  gssize n;

  if (stream->digest != NULL)
    return TRUE;
  while ((n = pier_layer_stream_read (stream, buf, sizeof buf, error)) > 0)
    ;
  if (n < 0)
    return FALSE;
  /* Bytes after the end of a gzip stream are still part of the blob. */
  while (!stream->source_eof)
    {
      stream->input_pos = stream->input_len;
      if (!fill_input (stream, error))
        return FALSE;
    }
  finish_digests (stream);
  return TRUE;
}

gboolean
pier_layer_stream_is_compressed (PierLayerStream *stream)
{
  return stream->compressed;
}

const char *
pier_layer_stream_get_diff_id (PierLayerStream *stream)
{
  return stream->diff_id;
}

guint64
pier_layer_stream_get_uncompressed_size (PierLayerStream *stream)
{
  return stream->uncompressed_size;
}
