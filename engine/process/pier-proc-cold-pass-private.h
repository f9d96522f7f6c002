/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-proc-entry-private.h"

G_BEGIN_DECLS

/* A first snapshot reads thousands of processes it does not know, each through a handful of
 * /proc files that the kernel renders on the reading CPU: those reads run on several threads,
 * and what they found is settled in PID order by the serial pass. */

/* Threads for a cold pass, the calling one included: the scanner's default. */
#define MAX_SCAN_THREADS 4

typedef struct {
  PierProcessScanner *self;
  PierProcEntry **entries; /* the new processes, by PID; NULL once settled */
  PierProcScanResult *results;
  int *stat_fds;
  guint n;
  gint next;
  gboolean keep_fds;
} PierProcColdPass;

/* Reads the processes of self->pids that the scanner does not know, on up to max_threads
 * threads, when there are enough of them to be worth it; @c is left empty otherwise. */
void pier_proc_cold_pass (PierProcessScanner *self, PierProcColdPass *c);
/* Frees what the serial pass did not settle (it stopped at a failure). */
void pier_proc_cold_pass_clear (PierProcessScanner *self, PierProcColdPass *c);

G_END_DECLS
