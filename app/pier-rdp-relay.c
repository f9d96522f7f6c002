#include <glib.h>

#include "pier-rdp-relay.h"

int
main (int argc, char **argv)
{
  return pier_rdp_relay_main (argc, argv);
}
