/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "pier-connection-source.h"
#include "pier-engine.h"

G_BEGIN_DECLS

/* The application: one window over an engine, keyboard shortcuts, the About window. Dark
 * style follows the system through libadwaita.
 *
 * Property: "engine" (PierEngine, construct-only), the engine its windows ask; a front end
 * that has one of its own (a test's) makes the application with g_object_new(). */

#define PIER_TYPE_APPLICATION (pier_application_get_type ())
G_DECLARE_FINAL_TYPE (PierApplication, pier_application, PIER, APPLICATION, AdwApplication)

/* Over a PierLocalEngine: @root/@runroot are the store's (NULL: the defaults). Only the
 * application over the default store is unique on the session bus (a second start presents
 * its window), so that windows over other stores can be open beside it. */
PierApplication *pier_application_new (const char *root, const char *runroot,
                                       gboolean default_store);

/* The embedded engine ("pier"): the one the application was made with. */
PierEngine *pier_application_get_engine (PierApplication *self);

/* Where the windows made from now on read the connections and get their engines (see
 * PierConnectionsSource): a test's own, before its window is made. */
void pier_application_set_connections_source (PierApplication *self,
                                              const PierConnectionsSource *source,
                                              gpointer data);

G_END_DECLS
