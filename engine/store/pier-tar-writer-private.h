/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-layer-pack.h"
#include "pier-layer-stream.h"

#include <sys/types.h>

G_BEGIN_DECLS

/* Writes a tar stream (pax restricted: plain ustar unless a name or size needs more) entry by
 * entry, to a PierWriteFunc. Used for the layers Pier makes from scratch (built-in images) and
 * for the archives it saves. Owners are numeric; every entry gets the writer's fixed time, so
 * the same entries give the same bytes. */
typedef struct _PierTarWriter PierTarWriter;

PierTarWriter *pier_tar_writer_new (PierWriteFunc write, gpointer write_data, gint64 mtime);
gboolean pier_tar_writer_add_dir (PierTarWriter *tar, const char *name, mode_t mode,
                                  GError **error);
gboolean pier_tar_writer_add_data (PierTarWriter *tar, const char *name, mode_t mode,
                                   const void *data, gsize len, GError **error);
/* Streams @size bytes from @read into an entry of that size. */
gboolean pier_tar_writer_add_stream (PierTarWriter *tar, const char *name, mode_t mode,
                                     guint64 size, PierReadFunc read, gpointer read_data,
                                     GError **error);
gboolean pier_tar_writer_add_symlink (PierTarWriter *tar, const char *name, const char *target,
                                      GError **error);
/* @mode is the linked file's: Docker, Podman and Buildah apply a link entry's mode to it. */
gboolean pier_tar_writer_add_hardlink (PierTarWriter *tar, const char *name, const char *target,
                                       mode_t mode, GError **error);
/* Writes the end-of-archive blocks. */
gboolean pier_tar_writer_finish (PierTarWriter *tar, GError **error);
void pier_tar_writer_free (PierTarWriter *tar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierTarWriter, pier_tar_writer_free)

G_END_DECLS
