/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A signal as Docker takes one (STOPSIGNAL, kill --signal, a container's stop signal): a name
 * with or without "SIG" in any case ("SIGTERM", "term", "SIGRTMIN+3") or the number of a
 * Linux signal (1-31, 34-64). Anything else is PIER_ERROR_INVALID naming @text. */
gboolean pier_signal_parse (const char *text, int *signal, GError **error);

G_END_DECLS
