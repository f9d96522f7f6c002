/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Fault injection for the crash-safety tests: when the environment variable PIER_CRASH_AT
 * names @point, the process dies on the spot with _exit(99), as if the power went. The names
 * are the steps of each store write ("blob:written", "blob:renamed", "index:renamed", ...). */
void pier_crash_point (const char *point);

G_END_DECLS
