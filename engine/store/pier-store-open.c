/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store as front ends open it: its layout (pier-store.c), then the built-in images, which
 * live a layer above it (they are images). */
#include "pier-store-open.h"

#include "pier-builtin-images.h"
#include "pier-i18n.h"

PierStore *
pier_store_open (const char *root, const char *runroot, GError **error)
{
  gboolean created = FALSE;
  g_autoptr (PierStore) store = pier_store_open_layout (root, runroot, &created, error);

  if (store == NULL)
    return NULL;
  if (created ? !pier_builtin_images_create (store, error) : !pier_builtin_images_upgrade (store, error))
    {
      g_prefix_error (error, _("making the built-in images: "));
      return NULL;
    }
  return g_steal_pointer (&store);
}
