#include "pier-cli.h"
#include "pier-i18n.h"

int
main (int argc, char **argv)
{
  pier_i18n_init ();
  return pier_cli_main (argc, argv);
}
