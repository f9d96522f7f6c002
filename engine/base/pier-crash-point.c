/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-crash-point.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
pier_crash_point (const char *point)
{
  static const char *crash_at;
  static gsize initialised;

  if (g_once_init_enter (&initialised))
    {
      crash_at = g_getenv ("PIER_CRASH_AT");
      g_once_init_leave (&initialised, 1);
    }
  if (crash_at != NULL && strcmp (crash_at, point) == 0)
    _exit (99);
}
