/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <errno.h>
#include <dirent.h>
#include <glib.h>
#include <linux/openat2.h> /* RESOLVE_* for the *_in_root calls */
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

G_BEGIN_DECLS

/* GLib 2.74 (Debian 12) predates g_autofd. */
static inline void
pier_close_fd_ptr (int *fd)
{
  if (*fd >= 0)
    {
      int errsv = errno;
      close (*fd);
      errno = errsv;
    }
}
#define pier_autofd __attribute__ ((cleanup (pier_close_fd_ptr)))

/* Opens a directory (O_DIRECTORY | O_CLOEXEC), relative to @dirfd (AT_FDCWD for a path). */
int pier_fs_open_dir_at (int dirfd, const char *path, GError **error);

/* mkdir -p, mode for the directories it makes. */
gboolean pier_fs_mkdir_p (const char *path, mode_t mode, GError **error);


/* Writes @data to @name under @dirfd so that a crash leaves either the old file or the new one:
 * a temporary file beside it, fsync, rename over, fsync of the directory. */
gboolean pier_fs_write_atomic_at (int dirfd, const char *name, const void *data, gsize len,
                                  mode_t mode, GError **error);
/* The same, without the syncs when not @durable: readers never see half a file, but a crash
 * may lose the change (for what is worth no disk flush: a --rm container's record). */
gboolean pier_fs_replace_at (int dirfd, const char *name, const void *data, gsize len,
                             mode_t mode, gboolean durable, GError **error);

/* As pier_fs_write_atomic_at(), but only where @name is not there yet: PIER_ERROR_EXISTS if
 * it is (two processes racing to make the same file: one wins, whole). */
gboolean pier_fs_create_atomic_at (int dirfd, const char *name, const void *data, gsize len,
                                   mode_t mode, GError **error);

/* Reads @fd to its end (at most @max_len bytes), NUL-terminated. */
gboolean pier_fs_read_fd (int fd, gsize max_len, char **out_data, gsize *out_len, GError **error);
gboolean pier_fs_read_all_at (int dirfd, const char *name, gsize max_len, char **out_data,
                              gsize *out_len, GError **error);

/* Opens @path inside the tree @root_fd as if @root_fd were "/": "..", absolute paths and
 * symlinks cannot lead out of it (openat2 RESOLVE_IN_ROOT), nor /proc's magic links. @resolve
 * adds RESOLVE_* flags (RESOLVE_NO_SYMLINKS to refuse every link). -1 with errno set. Only
 * system calls: usable between fork and exec. */
int pier_fs_open_in_root (int root_fd, const char *path, int flags, guint64 resolve);

/* Opens a file that Pier reads from a tree it does not trust (a container's root, a layer, a
 * build context) so that nothing there can hang or fool it: resolved inside @root_fd, opened
 * non-blocking (a FIFO cannot block the open), then checked to be a regular file of at most
 * @max_size bytes. PIER_ERROR_INVALID naming @path otherwise. @out_st (may be NULL) gets its
 * stat. */
int pier_fs_open_regular_in_root (int root_fd, const char *path, guint64 resolve, gsize max_size,
                                  struct stat *out_st, GError **error);
/* The same, read whole and NUL-terminated. */
gboolean pier_fs_read_regular_in_root (int root_fd, const char *path, guint64 resolve,
                                       gsize max_size, char **out_data, gsize *out_len,
                                       GError **error);

/* A file of this machine that Pier reads but did not write (another program's configuration):
 * as pier_fs_read_regular_in_root() in "/", so that a FIFO, a device, a link loop or a huge
 * file is an error naming @path, never a hang. */
gboolean pier_fs_read_regular (const char *path, gsize max_size, char **out_data, gsize *out_len,
                               GError **error);

/* rm -rf of @name under @dirfd, never following symlinks nor crossing into another mount;
 * absent is not an error. */
gboolean pier_fs_rm_rf_at (int dirfd, const char *name, GError **error);

/* The directory @dirfd open for readdir from its start, through a descriptor of its own: a dup
 * would share @dirfd's position, and fails for O_PATH descriptors. NULL with errno set. */
DIR *pier_fs_opendir_at (int dirfd);
/* The entries of the directory @dirfd (but "." and ".."), sorted bytewise: layers and trees
 * are walked in this order so that what Pier writes from them is reproducible. */
GPtrArray *pier_fs_list_sorted_at (int dirfd, GError **error);
/* strcmp for g_ptr_array_sort of strings. */
int pier_compare_strings (gconstpointer a, gconstpointer b);

/* A fresh directory under @parent_dirfd named PREFIX-XXXXXX; returns its name. */
char *pier_fs_mkdtemp_at (int parent_dirfd, const char *prefix, GError **error);

/* Writes all of @len bytes, retrying on EINTR and short writes. */
gboolean pier_fs_write_all (int fd, const void *data, gsize len, GError **error);

/* Total size of the regular files under @dirfd (st_blocks are not counted: this is the
 * "virtual size" Docker shows). */
guint64 pier_fs_tree_size_at (int dirfd);

G_END_DECLS
