/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-connection-source.h"

struct _PierConnectionSource {
  GObject parent_instance;

  PierEngine *embedded;
  PierConnectionsSource funcs;
  gpointer data;
};

G_DEFINE_FINAL_TYPE (PierConnectionSource, pier_connection_source, G_TYPE_OBJECT)

static PierConnections *
load_connections (gpointer data)
{
  PierConnections *connections = pier_connections_load ();

  /* Sockets, Docker's contexts and Podman's destinations: the window offers them all. */
  pier_connections_find (connections);
  return connections;
}

static PierEngine *
open_engine (const PierConnection *connection, gpointer data, GError **error)
{
  return pier_connection_open_engine (connection, NULL, NULL, error);
}

PierConnectionSource *
pier_connection_source_new (PierEngine *embedded, const PierConnectionsSource *funcs,
                            gpointer data)
{
  PierConnectionSource *self = g_object_new (PIER_TYPE_CONNECTION_SOURCE, NULL);

  self->embedded = g_object_ref (embedded);
  self->funcs.load = funcs && funcs->load ? funcs->load : load_connections;
  self->funcs.open_engine = funcs && funcs->open_engine ? funcs->open_engine : open_engine;
  self->data = data;
  return self;
}

PierConnections *
pier_connection_source_load (PierConnectionSource *self)
{
  return self->funcs.load (self->data);
}

PierEngine *
pier_connection_source_open_engine (PierConnectionSource *self,
                                    const PierConnection *connection, GError **error)
{
  if (connection->kind == PIER_CONNECTION_KIND_PIER)
    return g_object_ref (self->embedded);
  return self->funcs.open_engine (connection, self->data, error);
}

static void
pier_connection_source_finalize (GObject *object)
{
  g_clear_object (&PIER_CONNECTION_SOURCE (object)->embedded);
  G_OBJECT_CLASS (pier_connection_source_parent_class)->finalize (object);
}

static void
pier_connection_source_class_init (PierConnectionSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_connection_source_finalize;
}

static void
pier_connection_source_init (PierConnectionSource *self)
{
}
