/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lists the containers of a Docker Engine API endpoint through PierDockerEngine, as pierctl
 * would, and prints how many: bench-docker-list.sh times it beside `docker ps -a`.
 *
 *   bench-docker-list unix:///PATH/docker.sock */
#include "pier-docker-engine.h"
#include "pier-engine.h"

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerEndpoint) endpoint = NULL;
  g_autoptr (PierDockerEngine) engine = NULL;
  g_autoptr (GPtrArray) list = NULL;

  if (argc != 2 || (endpoint = pier_docker_endpoint_parse (argv[1], &error)) == NULL)
    {
      g_printerr ("usage: bench-docker-list unix:///PATH: %s\n", error ? error->message : "");
      return 2;
    }
  engine = pier_docker_engine_new (endpoint, NULL);
  if ((list = pier_engine_list_containers (PIER_ENGINE (engine), NULL, &error)) == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("%u\n", list->len);
  return 0;
}
