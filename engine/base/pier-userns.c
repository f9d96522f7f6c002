/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which user namespace this process is in. */
#include "pier-userns.h"

#include <stdio.h>

gboolean
pier_userns_is_nested (void)
{
  g_autofree char *map = NULL;
  guint64 inside, outside, count;

  if (!g_file_get_contents ("/proc/self/uid_map", &map, NULL, NULL))
    return FALSE;
  /* The initial namespace maps every id to itself in one line. */
  return !(sscanf (map, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &inside,
                   &outside, &count)
               == 3
           && inside == 0 && outside == 0 && count == G_GUINT64_CONSTANT (4294967295));
}
