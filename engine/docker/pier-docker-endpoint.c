/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-docker-endpoint.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

static PierDockerEndpoint *
parse_ssh (const char *uri, GError **error)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *path;
  g_autoptr (PierDockerEndpoint) endpoint = g_new0 (PierDockerEndpoint, 1);

  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("“%s” names no host: write ssh://[USER@]HOST[:PORT][/SOCKET]"), uri);
      return NULL;
    }
  if (g_uri_get_query (parsed) != NULL || g_uri_get_fragment (parsed) != NULL ||
      g_uri_get_password (parsed) != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("“%s” holds a password, query or fragment: write "
                     "ssh://[USER@]HOST[:PORT][/SOCKET] and keep keys in the agent or a key file"),
                   uri);
      return NULL;
    }
  endpoint->kind = PIER_DOCKER_ENDPOINT_SSH;
  endpoint->host = g_strdup (g_uri_get_host (parsed));
  endpoint->user = g_strdup (g_uri_get_user (parsed));
  endpoint->port = g_uri_get_port (parsed) > 0 ? (guint16) g_uri_get_port (parsed) : 0;
  path = g_uri_get_path (parsed);
  endpoint->socket_path = path != NULL && *path != '\0' && strcmp (path, "/") != 0
                              ? g_strdup (path) : NULL;
  endpoint->remote_cli = g_strdup ("docker");
  return g_steal_pointer (&endpoint);
}

PierDockerEndpoint *
pier_docker_endpoint_parse (const char *uri, GError **error)
{
  PierDockerEndpoint *endpoint;

  if (g_str_has_prefix (uri, "unix://"))
    {
      const char *path = uri + strlen ("unix://");
      if (*path != '/')
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("“%s” names no absolute socket path: write unix:///PATH"), uri);
          return NULL;
        }
      endpoint = g_new0 (PierDockerEndpoint, 1);
      endpoint->kind = PIER_DOCKER_ENDPOINT_UNIX;
      endpoint->socket_path = g_strdup (path);
      return endpoint;
    }
  if (g_str_has_prefix (uri, "ssh://"))
    return parse_ssh (uri, error);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("“%s” is neither unix:///PATH nor ssh://[USER@]HOST[:PORT][/SOCKET]"), uri);
  return NULL;
}

char *
pier_docker_endpoint_to_uri (const PierDockerEndpoint *endpoint)
{
  if (endpoint->kind == PIER_DOCKER_ENDPOINT_UNIX)
    return g_strconcat ("unix://", endpoint->socket_path, NULL);
  return g_uri_join (G_URI_FLAGS_NONE, "ssh", endpoint->user, endpoint->host,
                     endpoint->port > 0 ? endpoint->port : -1,
                     endpoint->socket_path != NULL ? endpoint->socket_path : "", NULL, NULL);
}

PierDockerEndpoint *
pier_docker_endpoint_copy (const PierDockerEndpoint *endpoint)
{
  PierDockerEndpoint *copy = g_new0 (PierDockerEndpoint, 1);

  copy->kind = endpoint->kind;
  copy->socket_path = g_strdup (endpoint->socket_path);
  copy->user = g_strdup (endpoint->user);
  copy->host = g_strdup (endpoint->host);
  copy->port = endpoint->port;
  copy->identity_file = g_strdup (endpoint->identity_file);
  copy->remote_cli = g_strdup (endpoint->remote_cli);
  return copy;
}

void
pier_docker_endpoint_free (PierDockerEndpoint *endpoint)
{
  if (endpoint == NULL)
    return;
  g_free (endpoint->socket_path);
  g_free (endpoint->user);
  g_free (endpoint->host);
  g_free (endpoint->identity_file);
  g_free (endpoint->remote_cli);
  g_free (endpoint);
}

gboolean
pier_docker_endpoint_is_local (const PierDockerEndpoint *endpoint)
{
  return endpoint->kind == PIER_DOCKER_ENDPOINT_UNIX;
}

int
pier_docker_endpoint_connect (const PierDockerEndpoint *endpoint, GCancellable *cancellable,
                              GError **error)
{
  g_autofree char *uri = pier_docker_endpoint_to_uri (endpoint);

  (void) cancellable;
  g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED, _("cannot connect to %s yet"), uri);
  return -1;
}
