/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <sys/resource.h>

#include "pier-application.h"
#include "pier-debug.h"
#include "pier-i18n.h"
#include "pier-paths.h"
#include "pier-rootless.h"

/* Without a GPU render node GTK's GL renderer runs in software (Mesa's llvmpipe) and redraws
 * whole windows: an RDP view at 1280x720 got 25 frames/s for 170% CPU, against 60 for 11% with
 * the cairo renderer, which redraws only what changed. A choice made in GSK_RENDERER stands. */
static void
prefer_cairo_without_gpu (void)
{
  g_autoptr (GDir) dri = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree char *root = NULL;
  g_autofree char *runroot = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierApplication) app = NULL;
  const GOptionEntry entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, N_("Store directory"), N_("DIR") },
    { "runroot", 0, 0, G_OPTION_ARG_FILENAME, &runroot, N_("Runtime state directory"), N_("DIR") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  struct rlimit files;
  gboolean default_store;

  pier_debug_init ();
  pier_i18n_init ();
  prefer_cairo_without_gpu ();
  /* GOption translates the entries' text and the summary itself, from this domain. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, N_("Pier: containers, their images and their processes."));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "pier: %s\n", error->message);
      return 2;
    }
  default_store = root == NULL && runroot == NULL;
  /* Decided by the real uid, so before the rootless namespace makes it 0. */
  if (root == NULL)
    root = pier_paths_default_root ();
  if (runroot == NULL)
    runroot = pier_paths_default_runroot ();
  /* Still single-threaded, as joining a user namespace requires. */
  if (!pier_rootless_ensure (runroot, &error))
    {
      fprintf (stderr, "pier: %s\n", error->message);
      return 1;
    }
  /* The process scanner keeps a descriptor per process it watches. */
  if (getrlimit (RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max)
    {
      files.rlim_cur = files.rlim_max;
      setrlimit (RLIMIT_NOFILE, &files);
    }
  app = pier_application_new (root, runroot, default_store);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
