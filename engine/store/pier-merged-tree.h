/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sys/stat.h>

G_BEGIN_DECLS

/* A stack of unpacked layers (overlay form: a 0:0 character device is a whiteout, the opaque
 * xattr hides what lower layers hold in a directory) read as the merged tree overlayfs would
 * show, in userspace, without mounting anything. The builder reads COPY --from sources and
 * checks WORKDIR this way; diff, export and commit walk containers with it. Every step goes
 * one name at a time through directory descriptors, never through a path that could leave a
 * layer; symlinks are resolved inside the tree, as if its root were "/". */
typedef struct _PierMergedTree PierMergedTree;

/* @layer_dirs: top first, NULL-terminated. @userxattr: opaque markers are user.overlay.opaque
 * (rootless stores) rather than trusted.overlay.opaque. */
PierMergedTree *pier_merged_tree_new (const char *const *layer_dirs, gboolean userxattr,
                                      GError **error);
void pier_merged_tree_free (PierMergedTree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierMergedTree, pier_merged_tree_free)

typedef struct {
  char *path;     /* resolved, relative to the root, "" for the root itself */
  guint layer;    /* index (top first) of the layer that supplies it */
  struct stat st;
  int dir_fd;     /* the directory holding it in that layer */
  char *name;     /* its name in dir_fd; "." for the root */
  gboolean owns_fd;
} PierMergedEntry;

void pier_merged_entry_clear (PierMergedEntry *entry);

/* Looks @path up ("/"-separated; a leading "/" and "." are ignored, ".." stops at the root).
 * Symlinks met on the way are followed inside the tree, and a final one too with @follow.
 * Absent paths are PIER_ERROR_NOT_FOUND ("PATH: no such file or directory"). The root of a
 * tree of no layers (FROM scratch) is an empty directory owned by root, with no dir_fd (-1). */
gboolean pier_merged_tree_lookup (PierMergedTree *tree, const char *path, gboolean follow,
                                  PierMergedEntry *entry, GError **error);

/* Where a write to @path would land: the part that exists resolved (symlinks followed, a final
 * one too), the missing rest appended as written. Relative, "" for the root. Fails when an
 * existing component other than the last is not a directory. */
char *pier_merged_tree_resolve (PierMergedTree *tree, const char *path, GError **error);

/* Called for each entry of a walk: @path is relative to the root; @entry (its fd borrowed for
 * the call only) says where the content is. FALSE with @error set stops the walk. */
typedef gboolean (*PierMergedVisitFunc) (const char *path, const PierMergedEntry *entry,
                                         gpointer user_data, GError **error);

/* Visits @path (looked up with @follow) and, when it is a directory, everything under it:
 * each directory before what it holds, names in byte order. Whiteouts and what they hide are
 * not visited. */
gboolean pier_merged_tree_walk (PierMergedTree *tree, const char *path, gboolean follow,
                                PierMergedVisitFunc visit, gpointer user_data,
                                GCancellable *cancellable, GError **error);

/* The names in the directory @path (followed), merged and sorted. */
GPtrArray *pier_merged_tree_list (PierMergedTree *tree, const char *path, GError **error);

/* Is this entry of one layer an overlay whiteout? */
gboolean pier_merged_is_whiteout (const struct stat *st);

G_END_DECLS
