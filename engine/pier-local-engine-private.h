/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"
#include "pier-local-engine.h"
#include "pier-store.h"

G_BEGIN_DECLS

/* What the files of PierLocalEngine share. */

/* The store, opened on first use. */
PierStore *pier_local_engine_get_store (PierLocalEngine *self, GError **error);
/* The store and the container @name in it (@broken_too: a broken one as well). */
PierContainer *pier_local_engine_find_container (PierLocalEngine *self, const char *name,
                                                 gboolean broken_too, PierStore **store,
                                                 GError **error);

/* The interface's parts, by area (pier-local-engine-*.c). */
void pier_local_engine_init_images (PierEngineInterface *iface);
void pier_local_engine_init_containers (PierEngineInterface *iface);
void pier_local_engine_init_processes (PierEngineInterface *iface);
void pier_local_engine_init_build (PierEngineInterface *iface);
void pier_local_engine_init_archive (PierEngineInterface *iface);
void pier_local_engine_init_registry (PierEngineInterface *iface);
void pier_local_engine_init_graphical (PierEngineInterface *iface);

G_END_DECLS
