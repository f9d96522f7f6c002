#include "pier-cli.h"

int
main (int argc, char **argv)
{
  return pier_cli_main (argc, argv);
}
