/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-debug.h"

void
pier_debug_init (void)
{
  const char *pier_debug = g_getenv ("PIER_DEBUG");

  /* GLib's default writer sends debug and info to stdout. */
  g_log_writer_default_set_use_stderr (TRUE);
  if (pier_debug != NULL && *pier_debug != '\0' && g_strcmp0 (pier_debug, "0") != 0
      && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    g_log_set_debug_enabled (TRUE);
}
