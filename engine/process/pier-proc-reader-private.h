/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-proc-files-private.h"
#include "pier-process-snapshot.h"

G_BEGIN_DECLS

/* Reading /proc for the process scanner: files read whole into a reader's buffer, through a
 * process's own /proc/PID directory, and the maps of the user namespaces processes are in.
 * A failure that is not the process's exit or a refusal is kept in the reader: it fails the
 * snapshot instead of silently dropping rows. */

typedef struct {
  guint64 ino;
  int fd; /* holds the namespace, so that its inode number is not reused while cached */
  guint32 seen;
  guint32 loaded; /* generation of the last read, so an unwritten map is read once a snapshot */
  gboolean complete; /* both maps written: they can never change again */
  GArray *uid, *gid; /* PierIdExtent */
} PierProcUserNs;

/* What one reading thread owns: the serial pass has one, each thread of a parallel cold pass
 * its own. */
typedef struct {
  char *buf;
  gsize buf_size;
  int failure; /* errno of a failure that is not the process's exit: fails the snapshot */
  int failed_pid;
  GHashTable *maps; /* &ino -> PierProcUserNs read by this reader, for the scanner's table after */
} PierProcReader;

void pier_proc_reader_init (PierProcReader *r);
void pier_proc_reader_clear (PierProcReader *r);

/* The whole file from offset 0 into r->buf, NUL-terminated; -1 with errno. */
gssize pier_proc_read_fd (PierProcReader *r, int fd, gsize max_len);
/* /proc/PID as an O_PATH directory: what is opened through it belongs to that very process. */
int pier_proc_open_pid_dir (PierProcessScanner *self, PierProcReader *r, int pid);
int pier_proc_open_at (PierProcReader *r, int dirfd, const char *name);
gssize pier_proc_read_at (PierProcReader *r, int dirfd, const char *name, gsize max_len);
/* The inode number of the namespace link @name under @dirfd ("ns/pid"); 0 when unreadable. */
guint64 pier_proc_read_ns_at (int dirfd, const char *name);
gboolean pier_proc_read_stat (PierProcReader *r, int fd, PierProcStat *st);

void pier_proc_user_ns_free (gpointer ns);
/* Whether the maps of user namespace @ino are still to be read in this snapshot. */
gboolean pier_proc_user_ns_needs_maps (PierProcessScanner *self, PierProcReader *r, guint64 ino);
/* Reads the maps of the user namespace @ino of the process of @dirfd into @r's table. */
void pier_proc_user_ns_load (PierProcessScanner *self, PierProcReader *r, int dirfd, guint64 ino);
/* Moves what @r read into the scanner's table, once no reader is running. */
void pier_proc_user_ns_adopt (PierProcessScanner *self, PierProcReader *r);

G_END_DECLS
