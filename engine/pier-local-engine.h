/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine.h"

G_BEGIN_DECLS

/* PierLocalEngine: PierEngine over the engine in this process, on this machine's store. It has
 * every capability. */

#define PIER_TYPE_LOCAL_ENGINE (pier_local_engine_get_type ())
G_DECLARE_FINAL_TYPE (PierLocalEngine, pier_local_engine, PIER, LOCAL_ENGINE, GObject)

/* An engine on the store at @root with its runtime state under @runroot (NULL for either: the
 * default for the calling user, pier-paths.h). Nothing is opened until the first call needs
 * the store, so a front end that only parses its arguments touches nothing. */
PierLocalEngine *pier_local_engine_new (const char *root, const char *runroot);

/* The store's directory and the runtime state's, as given or defaulted by
 * pier_local_engine_new(): a front end's own settings, shown or passed on, never opened by it. */
const char *pier_local_engine_get_root (PierLocalEngine *self);
const char *pier_local_engine_get_runroot (PierLocalEngine *self);

/* Readies an unprivileged caller: enters (or makes) the rootless user namespace in which the
 * store is root's. A front end calls it once, before any other call and before it starts
 * threads. */
gboolean pier_local_engine_prepare (PierLocalEngine *self, GError **error);

G_END_DECLS
