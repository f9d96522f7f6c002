/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the layer unpacker's tests share: tars built in memory with libarchive, fed to
 * pier_layer_unpack(), and the result looked at from inside the destination, never through a
 * path that could leave it. */

#include "test-support.h"

#include "pier-layer-unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#define MTIME 1600000000

/* ---- building tars ---- */

typedef struct {
  struct archive *ar;
  struct archive_entry *entry;
  GByteArray *bytes;
} TarBuilder;

TarBuilder *tar_new (void);
/* Starts an entry that the caller may adjust before tar_commit(). */
struct archive_entry *tar_begin (TarBuilder *t, mode_t type, const char *name, mode_t perm);
void tar_commit (TarBuilder *t, const void *data, gsize len);
void tar_file (TarBuilder *t, const char *name, const char *content);
void tar_dir (TarBuilder *t, const char *name, mode_t perm);
void tar_symlink (TarBuilder *t, const char *name, const char *target);
void tar_hardlink (TarBuilder *t, const char *name, const char *target);
GBytes *tar_finish (TarBuilder *t);

/* ---- feeding them to the unpacker ---- */

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
  gsize chunk;                /* at most this many bytes a read, when set */
  GCancellable *cancellable;  /* cancelled once cancel_after bytes were read, when set */
  gsize cancel_after;
} MemReader;

gssize mem_read (gpointer user_data, void *buffer, gsize size, GError **error);
gboolean unpack_full (GBytes *tar, int dest_fd, const PierUnpackOptions *options,
                      PierUnpackStats *stats, GError **error);
/* Owners kept. */
gboolean unpack_mode (GBytes *tar, int dest_fd, PierUnpackMode mode, GError **error);

/* ---- looking at the result, always from inside the root ---- */

int open_in_root (int root_fd, const char *path, int flags);
gboolean stat_in_root (int root_fd, const char *path, gboolean follow, struct stat *st);
/* The file's bytes, or NULL when it is missing. */
GBytes *read_in_root (int root_fd, const char *path);
char *readlink_in_root (int root_fd, const char *path);
void assert_content_len (int root_fd, const char *path, const char *expected, gsize len);
void assert_content (int root_fd, const char *path, const char *expected);
void assert_absent (int root_fd, const char *path);
void assert_type (int root_fd, const char *path, mode_t type);
void assert_whiteout (int root_fd, const char *path);
void assert_same_inode (int root_fd, const char *a, const char *b, gboolean follow);
char *get_xattr (int root_fd, const char *path, const char *name);
int compare_strings (gconstpointer a, gconstpointer b);
/* The tree under @dir_fd as sorted paths, directories ending with "/", joined by spaces. */
char *tree_listing (int dir_fd);

/* ---- making destinations and what they hold before ---- */

/* mkdir @tmp/@name, opened. */
int make_dest (const char *tmp, const char *name);
void write_file_at (int dir_fd, const char *name, const char *content, mode_t mode);
/* Files (holding "lower") and directories (ending with "/") with their parents. */
void make_tree (int dir_fd, const char *const *paths);
