/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The monitor's exit work that needs containers: `run --rm`'s removal, done in the monitor
 * itself (it links the whole engine) rather than by starting a pierctl. */
#include "pier-container-monitor.h"

#include "pier-container.h"
#include "pier-i18n.h"
#include "pier-monitor-main.h"
#include "pier-store-open.h"

/* @words: the store's root, its runroot and the container's id. */
static void
remove_on_exit (const char *const *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierStore) store = NULL;
  g_autoptr (PierContainer) c = NULL;

  if (g_strv_length ((char **) words) != 3)
    {
      g_warning (_("the monitor's exit work names %u words, not a root, a runroot and an id"),
                 g_strv_length ((char **) words));
      return;
    }
  store = pier_store_open (words[0], words[1], &error);
  if (store != NULL)
    c = pier_store_find_any_container (store, words[2], &error);
  /* Not found: someone (a foreground run, an rm) removed it first. */
  if (c == NULL || !pier_container_remove (store, c, FALSE, &error))
    g_debug ("removing container %s once it exited: %s", words[2], error->message);
}

int
pier_container_monitor_main (int argc, char **argv)
{
  return pier_monitor_main (argc, argv, remove_on_exit);
}
