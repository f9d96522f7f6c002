/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One connection: its values, and the engine it opens. */
#include "pier-connections-private.h"

#include "pier-docker-endpoint.h"
#include "pier-docker-engine.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-local-engine.h"

#include <string.h>

const char *
pier_connection_kind_to_string (PierConnectionKind kind)
{
  switch (kind)
    {
    case PIER_CONNECTION_KIND_DOCKER:
      return "docker";
    case PIER_CONNECTION_KIND_PODMAN:
      return "podman";
    case PIER_CONNECTION_KIND_PIER:
    default:
      return "pier";
    }
}

gboolean
pier_connection_kind_parse (const char *text, PierConnectionKind *out_kind, GError **error)
{
  if (g_strcmp0 (text, "docker") == 0)
    *out_kind = PIER_CONNECTION_KIND_DOCKER;
  else if (g_strcmp0 (text, "podman") == 0)
    *out_kind = PIER_CONNECTION_KIND_PODMAN;
  else
    {
      g_autofree char *quoted = pier_error_quote (text != NULL ? text : "");
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the kind %s is neither docker nor podman"), quoted);
      return FALSE;
    }
  return TRUE;
}

const char *
pier_connection_origin_to_string (PierConnectionOrigin origin)
{
  static const char *const names[] = {
    [PIER_CONNECTION_ORIGIN_EMBEDDED] = "embedded",
    [PIER_CONNECTION_ORIGIN_SAVED] = "saved",
    [PIER_CONNECTION_ORIGIN_SOCKET] = "socket",
    [PIER_CONNECTION_ORIGIN_ENVIRONMENT] = "environment",
    [PIER_CONNECTION_ORIGIN_DOCKER_CONTEXT] = "docker-context",
    [PIER_CONNECTION_ORIGIN_PODMAN_DESTINATION] = "podman-destination",
  };

  return (guint) origin < G_N_ELEMENTS (names) ? names[origin] : "unknown";
}

PierConnection *
pier_connection_new (const char *name, PierConnectionKind kind, const char *uri,
                     const char *identity_file, PierConnectionOrigin origin)
{
  PierConnection *connection = g_new0 (PierConnection, 1);

  connection->name = g_strdup (name);
  connection->kind = kind;
  connection->uri = g_strdup (uri);
  connection->identity_file = g_strdup (identity_file);
  connection->origin = origin;
  return connection;
}

void
pier_connection_free (PierConnection *connection)
{
  if (connection == NULL)
    return;
  g_free (connection->name);
  g_free (connection->uri);
  g_free (connection->identity_file);
  g_free (connection);
}

PierEngine *
pier_connection_open_engine (const PierConnection *connection, const char *root,
                             const char *runroot, GError **error)
{
  g_autoptr (PierDockerEndpoint) endpoint = NULL;

  if (connection->kind == PIER_CONNECTION_KIND_PIER)
    return PIER_ENGINE (pier_local_engine_new (root, runroot));
  endpoint = pier_docker_endpoint_parse (connection->uri, error);
  if (endpoint == NULL)
    {
      g_prefix_error (error, _("connection “%s”: "), connection->name);
      return NULL;
    }
  endpoint->identity_file = g_strdup (connection->identity_file);
  g_free (endpoint->remote_cli);
  endpoint->remote_cli = g_strdup (pier_connection_kind_to_string (connection->kind));
  return PIER_ENGINE (pier_docker_engine_new (endpoint, runroot));
}
