/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-image-store.h"

G_BEGIN_DECLS

/* The object `docker inspect` prints for an image (Id, RepoTags, RepoDigests, Created, Author,
 * Config, Architecture, Os, Size, GraphDriver, RootFS), with Pier's History added; NULL with
 * an error naming a value JSON cannot hold. */
char *pier_image_inspect_json (PierStore *store, const PierImage *image, GError **error);

G_END_DECLS
