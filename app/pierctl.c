/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-cli.h"
#include "pier-debug.h"
#include "pier-i18n.h"

int
main (int argc, char **argv)
{
  pier_debug_init ();
  pier_i18n_init ();
  return pier_cli_main (argc, argv);
}
