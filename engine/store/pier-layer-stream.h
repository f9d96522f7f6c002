/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Pulls up to @size bytes into @buffer; returns the count, 0 at the end, -1 with @error set. */
typedef gssize (*PierReadFunc) (gpointer user_data, void *buffer, gsize size, GError **error);

/* A layer blob as it is read: plain tar or gzip (detected from its first bytes), hashed on the
 * way through, so one pass gives the blob's digest (of the stored bytes) and its diff_id (of the
 * uncompressed tar) without a second read. */
typedef struct _PierLayerStream PierLayerStream;

PierLayerStream *pier_layer_stream_new (PierReadFunc source, gpointer source_data);
/* For a caller that hashes the blob itself (it is writing it): only the diff_id is computed
 * and pier_layer_stream_get_digest() gives NULL. */
PierLayerStream *pier_layer_stream_new_unhashed (PierReadFunc source, gpointer source_data);
/* Reads from @fd, which stays the caller's. */
PierLayerStream *pier_layer_stream_new_for_fd (int fd);
void pier_layer_stream_free (PierLayerStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierLayerStream, pier_layer_stream_free)

/* Uncompressed bytes; a PierReadFunc when given the stream as user_data. */
gssize pier_layer_stream_read (gpointer stream, void *buffer, gsize size, GError **error);

/* Reads what is left (a tar's trailing padding after its end-of-archive blocks), so that the
 * digests cover the whole blob. */
gboolean pier_layer_stream_drain (PierLayerStream *stream, GError **error);

gboolean pier_layer_stream_is_compressed (PierLayerStream *stream);
const char *pier_layer_stream_get_diff_id (PierLayerStream *stream);
guint64 pier_layer_stream_get_uncompressed_size (PierLayerStream *stream);

/* How far compressed input may expand: past PIER_EXPANSION_FLOOR bytes, at most
 * PIER_MAX_EXPANSION_RATIO times what was read of it. gzip's best is about 1,000 to 1 (zeros),
 * real layers and archives stay far below 100; an input past it is a decompression bomb (a few
 * MB of zeros that would fill the disk), stopped before the disk or the memory pays for it. */
#define PIER_MAX_EXPANSION_RATIO 100
#define PIER_EXPANSION_FLOOR (G_GUINT64_CONSTANT (64) << 20)
/* PIER_ERROR_INVALID, saying how far @compressed bytes read expanded, when @expanded is past
 * the limit. */
gboolean pier_check_expansion (guint64 compressed, guint64 expanded, GError **error);

/* A PierReadFunc over a file descriptor (user_data: GINT_TO_POINTER (fd)). */
gssize pier_read_fd (gpointer fd_as_pointer, void *buffer, gsize size, GError **error);

G_END_DECLS
