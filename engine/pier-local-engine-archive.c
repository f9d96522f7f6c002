/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: images in and out of archives (import, save, load), through the caller's
 * descriptors. */
#include "pier-local-engine-private.h"

#include "pier-image-archive.h"

static char *
local_import (PierEngine *engine, int fd, const char *name, const char *source,
              char ***warnings, GCancellable *cancellable, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  g_autoptr (PierImage) image = NULL;

  if (store == NULL ||
      (image = pier_store_import_rootfs (store, pier_read_fd, GINT_TO_POINTER (fd), name,
                                         source, warnings, cancellable, error)) == NULL)
    return NULL;
  return g_strdup (image->id);
}

static gboolean
local_save (PierEngine *engine, const char *const *images, const char *format_text, int fd,
            GCancellable *cancellable, GError **error)
{
  PierArchiveFormat format = PIER_ARCHIVE_DOCKER;
  PierStore *store;

  return (format_text == NULL || pier_archive_format_from_string (format_text, &format, error))
         && (store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error)) != NULL
         && pier_store_save_archive (store, images, format, pier_write_fd, GINT_TO_POINTER (fd),
                                     cancellable, error);
}

static GPtrArray *
local_load (PierEngine *engine, int fd, GCancellable *cancellable, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);

  return store ? pier_store_load_archive (store, pier_read_fd, GINT_TO_POINTER (fd),
                                          cancellable, error)
               : NULL;
}

static GPtrArray *
local_load_layout (PierEngine *engine, const char *dir, GCancellable *cancellable,
                   GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);

  return store ? pier_store_load_layout_dir (store, dir, cancellable, error) : NULL;
}

void
pier_local_engine_init_archive (PierEngineInterface *iface)
{
  iface->import_image = local_import;
  iface->save_images = local_save;
  iface->load_images = local_load;
  iface->load_layout = local_load_layout;
}
