/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-layer-unpack.h"
#include "pier-libarchive.h"

#include <sys/stat.h>

G_BEGIN_DECLS

/* The unpacker's state, shared by its files: the loop that reads the tar
 * (pier-layer-unpack.c), the extraction of each entry (pier-layer-unpack-entries.c), the
 * whiteouts and opaque directories of APPLY (pier-layer-unpack-whiteouts.c) and the paths
 * beneath them all (pier-layer-unpack-paths.c). */

/* Large blocks keep per-call overhead out of big layers; a few of them in flight let the
 * reading thread (inflating and hashing, for a PierLayerStream) run ahead of extraction. */
#define READ_BLOCK_SIZE (1024 * 1024)
#define READ_BLOCKS 4

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs) that old Docker layers carry: not content. */
#define WHITEOUT_AUFS_META ".wh..wh."

typedef struct {
  char *path;
  dev_t dev;
  ino_t ino;
  mode_t mode;
  struct timespec times[2];
  guint depth;
  guint order;
} PierUnpackDeferredDir;

/* The tar's bytes, read on a thread of their own: reading (and inflating and hashing what is
 * read) takes as long as writing the files, and the two overlap, as with `tar -xz`. */
typedef struct {
  PierReadFunc read;
  gpointer read_data;
  GThread *thread;
  GMutex lock;
  GCond cond;
  guint8 *blocks[READ_BLOCKS];
  gssize lengths[READ_BLOCKS];  /* 0 at the end, -1 for an error */
  guint first;                  /* the oldest filled block */
  guint n_filled;
  gboolean handed_out;          /* blocks[first] is libarchive's until it asks for more */
  gboolean stop;
  gboolean failed;              /* the extraction saw the read's error */
  GError *error;
} PierUnpackReadAhead;

typedef struct {
  PierUnpackReadAhead ra;

  int dest_dirfd;
  PierUnpackOptions options;
  const char *opaque_xattr;

  struct archive *ar;
  struct archive_entry *entry;
  const char *name;        /* the entry's name as the archive spells it, for messages */
  GString *last_good_name;

  GString *path;           /* the entry's normalised path: "a/b/c", "" for the root */
  gsize parent_len;        /* path[0, parent_len) is its directory */
  GString *link;           /* a hardlink's normalised target */
  GString *scratch;

  /* The last directory resolved for an entry: tar streams are grouped by directory, so most
   * entries reuse it. Only a removal can change what an already resolved path leads to (new
   * names never alter existing ones), so removals invalidate it; the descriptor itself stays
   * open until replaced, because the entry being extracted may still be using it. */
  GString *cached_parent;
  int cached_fd;
  gboolean cache_valid;

  /* PierUnpackDeferredDir: modes and times set once their children are in */
  GArray *dirs;
  /* APPLY: every path this layer supplies (its entries and their ancestors), which its own
   * whiteouts and opaque markers must leave alone. */
  GHashTable *supplied;

  PierUnpackStats stats;
} PierUnpacker;

/* ---- paths (pier-layer-unpack-paths.c) ---- */

/* PIER_ERROR_UNSAFE: the entry's @what leads outside the layer; FALSE. */
gboolean pier_unpack_climbs_error (PierUnpacker *u, const char *what, GError **error);
/* Writes @name without "." components, resolved "..", and no leading or doubled "/" into @out;
 * FALSE when a ".." climbs above the root. */
gboolean pier_unpack_normalise (const char *name, GString *out);
gsize pier_unpack_parent_length (const GString *path);
/* Forgets the last directory resolved, after a removal. */
void pier_unpack_cache_invalidate (PierUnpacker *u);
/* Takes @fd, as what @path (of @len bytes) resolves to. */
void pier_unpack_cache_set (PierUnpacker *u, const char *path, gsize len, int fd);
/* The directory holding the current entry, looked up inside the root; borrowed (the root's
 * descriptor or the cache's). Missing directories are made when @create; otherwise -1 with
 * errno ENOENT or ENOTDIR and no @error. */
int pier_unpack_resolve_parent (PierUnpacker *u, gboolean create, GError **error);
const char *pier_unpack_entry_base (PierUnpacker *u);
/* Removes whatever @base is under @pfd (a directory recursively), never following it. */
gboolean pier_unpack_remove_existing (PierUnpacker *u, int pfd, const char *base, GError **error);
/* After a call creating @base failed: whether it may be tried again, what stood in the way
 * having been removed. Only once: a second EEXIST means something else is at work. */
gboolean pier_unpack_make_room (PierUnpacker *u, int pfd, const char *base, gboolean retried,
                                const char *what, GError **error);

/* ---- whiteouts (pier-layer-unpack-whiteouts.c) ---- */

/* Records @path (@len bytes) and its ancestors as supplied by this layer. */
void pier_unpack_mark_supplied (PierUnpacker *u, const char *path, gsize len);
/* .wh.NAME (or overlay's own form, a 0:0 character device NAME). */
gboolean pier_unpack_whiteout (PierUnpacker *u, const char *name, GError **error);
/* .wh..wh..opq: the directory holding it hides what lower layers have there. */
gboolean pier_unpack_opaque (PierUnpacker *u, GError **error);

/* ---- entries (pier-layer-unpack-entries.c) ---- */

/* Extracts u->entry (or applies it, for a whiteout), refusing any path that leads outside. */
gboolean pier_unpack_extract_entry (PierUnpacker *u, GError **error);
/* libarchive's failure on u->ar, or the read-ahead thread's error behind it; FALSE. */
gboolean pier_unpack_archive_failure (PierUnpacker *u, GError **error);

G_END_DECLS
