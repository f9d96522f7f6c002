/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-passwd-private.h"
#include "pier-proc-reader-private.h"

G_BEGIN_DECLS

/* The process scanner's state, shared by the files that read processes for it
 * (pier-proc-entry.c, pier-proc-cold-pass.c) and its own (pier-process-scanner.c). */

struct _PierProcessScanner {
  int proc_fd;
  int host_root_fd;
  guint64 host_pid_ns;
  long ticks_per_second;
  long page_size;
  guint32 overflow_uid, overflow_gid;
  /* The scanner's own user namespace's maps, read from inside: its ids to its parent's, which
   * for Pier is the first namespace (rootless Pier nests one level). /proc shows every id in
   * the scanner's namespace. */
  GArray *own_uid, *own_gid;
  guint max_open_files, n_open_files;
  guint process_budget; /* half of RLIMIT_NOFILE, read at each snapshot */
  guint max_threads;
  guint64 filter_pid_ns; /* the current snapshot's: 0 for all */
  guint32 generation;
  gint64 now_us; /* CLOCK_BOOTTIME when the current scan started */
  GHashTable *entries; /* pid -> PierProcEntry */
  GHashTable *user_ns; /* &ino -> PierProcUserNs */
  GHashTable *mnt_names; /* &ino -> MntNames, for the current snapshot only */
  PierIdNamesCache *names;
  GArray *pids;
  GPtrArray *selected;
  char *dents;
  PierProcReader reader;
};

static inline gint64
pier_proc_ticks_to_us (PierProcessScanner *self, guint64 ticks)
{
  return (gint64) (ticks * G_USEC_PER_SEC / (guint64) self->ticks_per_second);
}

G_END_DECLS
