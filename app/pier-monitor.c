#include <glib.h>

#include "pier-monitor-main.h"

int
main (int argc, char **argv)
{
  return pier_monitor_main (argc, argv);
}
