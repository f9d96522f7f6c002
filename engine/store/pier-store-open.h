/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-store.h"

G_BEGIN_DECLS

/* Opens (creating on first use) the store, ready for images. NULL @root/@runroot: the
 * defaults. A new root gets the built-in images (pier_builtin_images_create()); an older root
 * gets what they gained since (pier_builtin_images_upgrade()). */
PierStore *pier_store_open (const char *root, const char *runroot, GError **error);

G_END_DECLS
