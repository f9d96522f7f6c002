/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-image-store.h"
#include "pier-layer-pack.h"

G_BEGIN_DECLS

/* Image interchange with Docker and Podman: docker-archive (`docker save`) and OCI image
 * layouts, as a tar archive or a directory. */

typedef enum {
  PIER_ARCHIVE_DOCKER,
  PIER_ARCHIVE_OCI,
} PierArchiveFormat;

gboolean pier_archive_format_from_string (const char *text, PierArchiveFormat *format,
                                          GError **error);

/* Loads every image of an archive (format detected; the archive may be gzip-compressed). All
 * or nothing: every blob is verified against its digest and every layer unpacked before any of
 * it enters the store. Returns what was loaded, as `docker load` says it ("Loaded image:
 * busybox:latest", "Loaded image ID: sha256:…"), after a line for each thing left out
 * ("Skipped …": an OCI index's artifacts, device nodes a rootless store cannot make). */
GPtrArray *pier_store_load_archive (PierStore *store, PierReadFunc read, gpointer read_data,
                                    GCancellable *cancellable, GError **error);
/* The same from an OCI image layout directory. */
GPtrArray *pier_store_load_layout_dir (PierStore *store, const char *path,
                                       GCancellable *cancellable, GError **error);

/* Writes @names (names or ids) as one archive. docker-archive has uncompressed layers, as
 * Docker writes them; OCI archives have gzip layers, as Podman writes them. */
gboolean pier_store_save_archive (PierStore *store, const char *const *names,
                                  PierArchiveFormat format, PierWriteFunc write,
                                  gpointer write_data, GCancellable *cancellable, GError **error);

/* A rootfs tarball (plain or gzip) becomes a one-layer image, as `docker import` makes it.
 * @warnings (may be NULL) gets a NULL-terminated list of what the caller should hear (device
 * nodes a rootless store left out). */
PierImage *pier_store_import_rootfs (PierStore *store, PierReadFunc read, gpointer read_data,
                                     const char *name, const char *source_description,
                                     char ***warnings, GCancellable *cancellable,
                                     GError **error);

G_END_DECLS
