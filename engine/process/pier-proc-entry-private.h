/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-process-scanner-private.h"

G_BEGIN_DECLS

/* One process as the scanner knows it between snapshots, and how it is read again: only its
 * stat while nothing says it changed (see pier-proc-entry.c for the cost model). */

#define PF_KTHREAD 0x00200000u

typedef enum {
  PIER_PROC_SCAN_OK,
  PIER_PROC_SCAN_GONE,     /* the process has exited (or its PID now names a thread) */
  PIER_PROC_SCAN_REPLACED, /* the PID now belongs to a process started later */
  PIER_PROC_SCAN_UNSTABLE, /* it exec'd between every pair of reads: try again next snapshot */
} PierProcScanResult;

typedef struct {
  int pid;
  int stat_fd; /* on the process's /proc/PID/stat, or -1 beyond the descriptor budget */
  gboolean known;
  guint32 seen;
  PierProcStat stat;
  PierProcStatus status;
  guint32 host_uid, host_gid; /* status's ids in the first user namespace */
  GRefString *comm;
  GRefString *cmdline;
  gboolean cmdline_empty;
  guint64 pid_ns, user_ns, mnt_ns;
  guint64 prev_ticks;
  gint64 prev_us; /* CLOCK_BOOTTIME of prev_ticks; 0 before the first look */
  double cpu_percent;
} PierProcEntry;

PierProcEntry *pier_proc_entry_new (int pid);
/* Closes the entry's held stat descriptor, if any. */
void pier_proc_entry_free (PierProcessScanner *self, PierProcEntry *e);

/* Reads @e's process with @r (any thread's reader); a stat descriptor opened for it goes to
 * @new_stat_fd, for pier_proc_entry_hold_stat_fd() on the scanner's thread. */
PierProcScanResult pier_proc_entry_scan (PierProcessScanner *self, PierProcReader *r,
                                         PierProcEntry *e, int *new_stat_fd);
/* Keeps @fd open on @e's stat while the budgets allow; closes it otherwise. */
void pier_proc_entry_hold_stat_fd (PierProcessScanner *self, PierProcEntry *e, int fd);
/* Closes @e's held stat descriptor and gives it back to the budgets. */
void pier_proc_entry_close_stat_fd (PierProcessScanner *self, PierProcEntry *e);
/* How many more stat descriptors the budgets (this scanner's and the process's) allow. */
guint pier_proc_entry_fd_room (PierProcessScanner *self);

/* Keeps a process read on another thread (result PIER_PROC_SCAN_OK) in the scanner's entries,
 * or frees it; the entry, or NULL. */
PierProcEntry *pier_proc_entry_settle (PierProcessScanner *self, PierProcEntry *e,
                                       PierProcScanResult result, int stat_fd);
/* Reads @pid, known or new, on the scanner's thread; its entry, or NULL when it is left out
 * of this snapshot. */
PierProcEntry *pier_proc_scan_pid (PierProcessScanner *self, int pid);

G_END_DECLS
