/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "pier-engine-types.h"

G_BEGIN_DECLS

/* One container as the lists show it. Its text properties (name, state, state-label,
 * state-classes for the badge, image, command, created, status, hostname, address,
 * search-text) change in place, with notifications, as the container does. */

#define PIER_TYPE_CONTAINER_ROW (pier_container_row_get_type ())
G_DECLARE_FINAL_TYPE (PierContainerRow, pier_container_row, PIER, CONTAINER_ROW, GObject)

/* Takes @container. */
PierContainerRow *pier_container_row_new (PierContainerInfo *container);
/* Takes @container: the same container's newer record and state. */
void pier_container_row_update (PierContainerRow *self, PierContainerInfo *container);
/* Rewrites what reads relative to now ("Up 5 minutes", "3 hours ago"). */
void pier_container_row_tick (PierContainerRow *self);

const PierContainerInfo *pier_container_row_get_container (PierContainerRow *self);
const char *pier_container_row_get_id (PierContainerRow *self);
const char *pier_container_row_get_name (PierContainerRow *self);
gboolean pier_container_row_get_running (PierContainerRow *self);
/* Its record cannot be read: it can only be removed. */
gboolean pier_container_row_get_broken (PierContainerRow *self);

G_END_DECLS
