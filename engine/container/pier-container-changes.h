/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"
#include "pier-layer-pack.h"

G_BEGIN_DECLS

/* What a container changed, and what can be made of it: `docker diff`, `docker commit` and
 * `docker export`. All of it is read from the container's sandbox layer (the overlay upper
 * directory) and its image's unpacked layers in userspace, without mounting anything, so a
 * stopped container serves as well as a running one (which is not paused: what it writes
 * meanwhile may or may not be seen). */

typedef enum {
  PIER_CHANGE_MODIFIED,
  PIER_CHANGE_ADDED,
  PIER_CHANGE_DELETED,
} PierChangeKind;

typedef struct {
  PierChangeKind kind;
  char *path;  /* absolute: "/etc/passwd" */
} PierChange;

void pier_change_free (PierChange *change);
/* 'C', 'A' or 'D', as docker diff prints them. */
char pier_change_kind_to_char (PierChangeKind kind);

/* The changes of the sandbox layer @upper_dir over @lower_dirs (top first), sorted by path:
 * overlay whiteouts are D (and, under an opaque directory, whatever the lower layers held
 * there), paths no lower layer has are A, the others C, a directory C when something in it
 * changed or its owner or mode did. Owners in @upper_dir are @id_shift above the image's. The
 * files the runtime binds over (/etc/hosts, /etc/hostname, /etc/resolv.conf) are not
 * changes. */
GPtrArray *pier_layer_changes (const char *upper_dir, const char *const *lower_dirs,
                               gboolean userxattr, guint32 id_shift, GError **error);

/* pier_layer_changes() of @container. */
GPtrArray *pier_container_diff (PierStore *store, const PierContainer *container,
                                GError **error);

typedef struct {
  const char *message;          /* the history entry's comment (-m) */
  const char *author;           /* -a; NULL keeps the image's */
  const char *const *changes;   /* -c: Dockerfile instructions (CMD ENTRYPOINT ENV EXPOSE LABEL
                                   ONBUILD SHELL STOPSIGNAL USER VOLUME WORKDIR HEALTHCHECK) */
  const char *name;             /* NAME[:TAG] of the new image, NULL for none */
} PierCommitOptions;

/* A new image: the container's image with the sandbox layer packed on top (owners mapped back
 * to the image's), history created_by the container's command and comment the message; each
 * change applied to the configuration and recorded as an empty-layer history entry. */
PierImage *pier_container_commit (PierStore *store, const PierContainer *container,
                                  const PierCommitOptions *options, GCancellable *cancellable,
                                  GError **error);

/* The container's filesystem flattened (its image's layers, then the sandbox layer, whiteouts
 * applied) as an uncompressed tar, as `docker export` writes it. */
gboolean pier_container_export (PierStore *store, const PierContainer *container,
                                PierWriteFunc write, gpointer write_data,
                                GCancellable *cancellable, GError **error);

G_END_DECLS
