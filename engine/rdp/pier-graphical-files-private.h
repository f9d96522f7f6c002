/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Files Pier puts inside a running container (Weston's configuration, its certificate): made
 * by a forked child in the container's user and mount namespaces, so that they belong to the
 * container's ids, each resolved under the container's root. */

typedef struct {
  char *parent; /* absolute, in the container */
  char *name;
  gboolean directory;
  mode_t mode;
  guint32 uid, gid; /* the container's ids */
  GBytes *data;     /* files; owns what data_ptr points at */
  const char *data_ptr;
  gsize data_len;
} PierGraphicalFile;

void pier_graphical_file_clear (PierGraphicalFile *file);
/* Appends to @files (of PierGraphicalFile) the directory, or the file with @data, at @path. */
void pier_graphical_files_add (GArray *files, const char *path, gboolean directory, mode_t mode,
                               guint32 uid, guint32 gid, GBytes *data);
/* Makes @files, in order, in the container of @pidfd (its init). */
gboolean pier_graphical_files_write (int pidfd, GArray *files, GError **error);

G_END_DECLS
