/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-connections.h"

G_BEGIN_DECLS

/* Where a window's connections come from, and how their engines are made. By default @load is
 * pier_connections_load() then pier_connections_find(), and @open_engine
 * pier_connection_open_engine(); a test gives its own (a list it holds back, engines of its
 * own). @load runs on a worker thread; @open_engine on the main one, and must not block (an
 * engine sends nothing before its first call). */
typedef struct {
  PierConnections *(*load) (gpointer data);
  PierEngine *(*open_engine) (const PierConnection *connection, gpointer data, GError **error);
} PierConnectionsSource;

#define PIER_TYPE_CONNECTION_SOURCE (pier_connection_source_get_type ())
G_DECLARE_FINAL_TYPE (PierConnectionSource, pier_connection_source, PIER, CONNECTION_SOURCE,
                      GObject)

/* @embedded is the engine of the embedded connection ("pier"); @funcs NULL or its NULL
 * members: the defaults. */
PierConnectionSource *pier_connection_source_new (PierEngine *embedded,
                                                  const PierConnectionsSource *funcs,
                                                  gpointer data);
/* The connections. Blocks: call it on a worker thread. */
PierConnections *pier_connection_source_load (PierConnectionSource *self);
/* The engine of @connection: for the embedded one, @embedded. */
PierEngine *pier_connection_source_open_engine (PierConnectionSource *self,
                                                const PierConnection *connection,
                                                GError **error);

G_END_DECLS
