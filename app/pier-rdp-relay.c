/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>

#include "pier-debug.h"
#include "pier-i18n.h"
#include "pier-rdp-relay.h"

int
main (int argc, char **argv)
{
  pier_debug_init ();
  pier_i18n_init ();
  return pier_rdp_relay_main (argc, argv);
}
