/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-paths.h"

#include <unistd.h>

char *
pier_paths_default_root (void)
{
  const char *env = g_getenv ("PIER_ROOT");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (geteuid () == 0)
    return g_strdup ("/var/lib/pier");
  return g_build_filename (g_get_user_data_dir (), "pier", NULL);
}

char *
pier_paths_default_runroot (void)
{
  const char *env = g_getenv ("PIER_RUNROOT");
  const char *xdg;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (geteuid () == 0)
    return g_strdup ("/run/pier");
  xdg = g_getenv ("XDG_RUNTIME_DIR");
  if (xdg != NULL && *xdg != '\0')
    return g_build_filename (xdg, "pier", NULL);
  return g_strdup_printf ("/tmp/pier-%u", (unsigned) getuid ());
}
