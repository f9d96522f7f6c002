/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-window.h"

G_BEGIN_DECLS

/* PIER_BENCH=1: the wall-clock times of the first frame and of the first frame with the
 * containers listed, for tests/bench/bench-ui.sh. With PIER_BENCH_PROCESSES=ID as well, the
 * window then opens that container's Processes page and refreshes it back to back
 * (PIER_BENCH_REFRESHES times, 30 by default), printing each refresh's time from the start
 * of the scan to the frame that shows it, then quits. The application attaches it to its
 * window when PIER_BENCH is set; the window knows nothing of it. */
void pier_bench_attach (PierWindow *window);

G_END_DECLS
