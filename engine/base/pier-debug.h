/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* Debug logging: each engine folder logs under its own domain (pier-base, pier-store,
 * pier-runtime, ...: G_LOG_DOMAIN in engine/meson.build) with g_debug() at the decisions a
 * person debugging wants to see. A program's main calls pier_debug_init() first.
 *
 * PIER_DEBUG=1 (any value but empty or 0) shows every domain's debug lines, as
 * G_MESSAGES_DEBUG=all does; a G_MESSAGES_DEBUG that is set stands. Only this process is
 * switched, not the environment its children inherit: a program of Pier's it starts reads
 * PIER_DEBUG itself, and GLib programs it runs for a container stay quiet.
 *
 * Debug and informational lines go to stderr, never stdout, which carries what a program
 * prints for scripts. */
void pier_debug_init (void);
