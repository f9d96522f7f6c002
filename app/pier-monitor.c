/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>

#include "pier-container-monitor.h"
#include "pier-debug.h"
#include "pier-i18n.h"
#include "pier-rootless.h"

#include <string.h>

int
main (int argc, char **argv)
{
  pier_debug_init ();
  if (argc > 0 && strcmp (argv[0], PIER_ROOTLESS_PAUSE_NAME) == 0)
    return pier_rootless_pause_main ();
  pier_i18n_init_messages ();
  return pier_container_monitor_main (argc, argv);
}
