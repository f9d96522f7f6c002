/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-layer-stream.h"

G_BEGIN_DECLS

/* Content-addressed blobs under ROOT/blobs/sha256/<hex>, verified against their digest when
 * written and when read. A blob appears under its name only complete and synced: it is written
 * to an anonymous file (O_TMPFILE) that a crash discards, then linked into place. */
typedef struct _PierBlobStore PierBlobStore;

PierBlobStore *pier_blob_store_new (const char *root, GError **error);
void pier_blob_store_free (PierBlobStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierBlobStore, pier_blob_store_free)

gboolean pier_blob_store_has (PierBlobStore *store, const char *digest);
/* Size on disk, or -1 when absent. */
gint64 pier_blob_store_get_size (PierBlobStore *store, const char *digest);
char *pier_blob_store_get_path (PierBlobStore *store, const char *digest);
/* Digests of every blob present. */
GPtrArray *pier_blob_store_list (PierBlobStore *store);
gboolean pier_blob_store_remove (PierBlobStore *store, const char *digest, GError **error);

/* Reads a whole (small) blob, verified: PIER_ERROR_CORRUPT if it does not hash to @digest. */
GBytes *pier_blob_store_read (PierBlobStore *store, const char *digest, gsize max_size,
                              GError **error);
char *pier_blob_store_put (PierBlobStore *store, const void *data, gsize len, GError **error);

/* Streaming read, verified at the end: the read that reaches the end fails with
 * PIER_ERROR_CORRUPT when the content does not match. */
typedef struct _PierBlobReader PierBlobReader;
PierBlobReader *pier_blob_reader_open (PierBlobStore *store, const char *digest, GError **error);
gssize pier_blob_reader_read (gpointer reader, void *buffer, gsize size, GError **error);
gint64 pier_blob_reader_get_size (PierBlobReader *reader);
void pier_blob_reader_free (PierBlobReader *reader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierBlobReader, pier_blob_reader_free)

/* Streaming write. Commit verifies against @expected_digest (NULL: accept whatever it is),
 * syncs and links the blob into place; freeing an uncommitted writer discards it. */
typedef struct _PierBlobWriter PierBlobWriter;
PierBlobWriter *pier_blob_writer_new (PierBlobStore *store, GError **error);
gboolean pier_blob_writer_write (gpointer writer, const void *data, gsize len, GError **error);
guint64 pier_blob_writer_get_size (PierBlobWriter *writer);
/* Ends the writing and gives the digest of what was written, without storing it yet. */
const char *pier_blob_writer_get_digest (PierBlobWriter *writer);
/* Ends the writing (no write may follow): what is buffered is written out and the buffer
 * freed, so that a finished writer holds a descriptor and no memory. */
gboolean pier_blob_writer_finish (PierBlobWriter *writer, GError **error);
/* What was written, read back from the file (at most @max_size bytes, else
 * PIER_ERROR_INVALID). */
GBytes *pier_blob_writer_read_back (PierBlobWriter *writer, gsize max_size, GError **error);
/* Writes out what was written so far and waits for the disk: work a later commit, made under
 * the store's lock one blob after the other, then finds done. */
gboolean pier_blob_writer_sync (PierBlobWriter *writer, GError **error);
char *pier_blob_writer_commit (PierBlobWriter *writer, const char *expected_digest,
                               GError **error);
void pier_blob_writer_free (PierBlobWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierBlobWriter, pier_blob_writer_free)

G_END_DECLS
