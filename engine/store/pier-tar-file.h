/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A file on disk as a tar entry, for the tars Pier writes from trees (layers, exports): its
 * extended attributes, its holes and its data. Internal to the engine (libarchive's types). */

#include "pier-libarchive.h"

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Adds @fd's extended attributes to @entry, in name order, overlay's own (trusted.overlay.*,
 * user.overlay.*) excepted: whiteouts and opaque markers have tar forms of their own. @path
 * names the file in errors. */
gboolean pier_tar_entry_add_xattrs (struct archive_entry *entry, int fd, const char *path,
                                    GError **error);

/* Records where the @size bytes of @fd hold data (SEEK_DATA, SEEK_HOLE) as @entry's sparse
 * map, so that the tar holds the data only and says where the holes are (a PAX sparse entry,
 * as GNU tar --sparse writes it, which GNU tar and libarchive read back). A file without holes
 * gets no map. */
gboolean pier_tar_entry_set_sparse (struct archive_entry *entry, int fd, off_t size,
                                    const char *path, GError **error);

/* Writes the @size bytes of @fd as the data of @entry, whose header @ar has just written:
 * the regions of its sparse map (all of it, without one) read through @buffer, holes passed
 * as zeros that are never read. FALSE when reading fails, the file shrank, or @ar refused;
 * the caller's own write error, if it has one, says more than the latter. */
gboolean pier_tar_write_file_data (struct archive *ar, struct archive_entry *entry, int fd,
                                   off_t size, guint8 *buffer, gsize buffer_size,
                                   const char *path, GError **error);

/* After a failed write: the writer's own error (*@write_error, taken), which says more and
 * keeps its code (a full disk), in place of libarchive's relay of it in @error. FALSE. */
gboolean pier_tar_take_write_error (GError **write_error, GError **error);

G_END_DECLS
