/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-process-snapshot.h"

G_BEGIN_DECLS

/* A snapshot as the scanner fills it (pier-process-scanner.c) and the accessors read it
 * (pier-process-snapshot.c). */

struct _PierProcessSnapshot {
  gatomicrefcount ref_count;
  PierProcess *processes;
  guint n_processes;
  GPtrArray *names; /* PierIdNames the rows point into */
  gint64 time;
};

G_END_DECLS
