/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-pending-layer.h"
#include "pier-store.h"

G_BEGIN_DECLS

/* The members of a docker-archive or an OCI layout, before any of it is read as an image: each
 * file a pending blob in the store's work directory (verified later against the digest that
 * names it), each link (hard or symbolic) a name for another member. */

typedef struct {
  GHashTable *files; /* member name → PierPendingBlob */
  GHashTable *links; /* member name → member name it points to */
} PierImageMembers;

void pier_image_members_init (PierImageMembers *m);
void pier_image_members_clear (PierImageMembers *m);
/* The member @name, through up to 16 links; NULL when there is none. */
PierPendingBlob *pier_image_members_lookup (PierImageMembers *m, const char *name);

/* Every member of the archive @read gives (a tar, gzip-compressed or not). */
gboolean pier_image_members_collect_archive (PierStore *store, PierReadFunc read,
                                             gpointer read_data, PierImageMembers *m,
                                             GCancellable *cancellable, GError **error);
/* Every file under @dirfd (an OCI layout directory), named from @prefix, @depth levels down. */
gboolean pier_image_members_collect_dir (PierStore *store, int dirfd, const char *prefix,
                                         PierImageMembers *m, int depth,
                                         GCancellable *cancellable, GError **error);

G_END_DECLS
