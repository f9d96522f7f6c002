/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* A file a person named for Pier to write: `save -o`, `export -o`, the window's Save, the
 * credentials file of `login`. A regular file, or a name not taken yet, is replaced atomically
 * (a temporary file beside it, renamed over it once complete: a failure leaves the old file or
 * none); through a symlink, the file it leads to is the one replaced. Anything else there (a
 * device such as /dev/null, a FIFO, /dev/stdout and the other descriptors of /proc) is opened
 * and written in place, as tar and Docker do: a rename would put a regular file where the
 * host keeps a device, or replace the link itself. */
typedef struct _PierOutputFile PierOutputFile;

PierOutputFile *pier_output_file_open (const char *path, mode_t mode, GError **error);
int pier_output_file_get_fd (PierOutputFile *out);
/* The data becomes the file's: synced and renamed over it when it is replaced. */
gboolean pier_output_file_commit (PierOutputFile *out, GError **error);
/* Without a commit, the temporary file goes: the named file stays as it was. */
void pier_output_file_free (PierOutputFile *out);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierOutputFile, pier_output_file_free)

/* All of @data to @path, the same way. */
gboolean pier_output_file_write (const char *path, const void *data, gsize len, mode_t mode,
                                 GError **error);

G_END_DECLS
