/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: Podman's pods, one of libpod's extras. The Docker-style container list and
 * inspection do not say which pod a container is in; libpod's pod list does. */
#include "pier-docker-engine-private.h"

#include "pier-i18n.h"

/* Container id → its pod's name, from /libpod/pods/json; empty for a peer that is not Podman. */
static GHashTable *
pods_by_container (PierDockerEngine *self, GCancellable *cancellable, GError **error)
{
  GHashTable *pods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (json_t) list = NULL;
  json_t *pod;
  size_t i;

  if (!pier_docker_client_is_podman (self->client))
    return pods;
  list = pier_docker_client_json (self->client, "GET", "/libpod/pods/json", NULL, cancellable,
                                  error);
  if (list == NULL || !pier_docker_expect (self, list, JSON_ARRAY, _("a pod list"), error))
    {
      g_hash_table_unref (pods);
      return NULL;
    }
  json_array_foreach (list, i, pod)
    {
      const char *name = pier_docker_str (pod, "Name");
      json_t *member;
      size_t j;
      if (name == NULL)
        continue;
      json_array_foreach (json_object_get (pod, "Containers"), j, member)
        if (pier_docker_str (member, "Id") != NULL)
          g_hash_table_replace (pods, g_strdup (pier_docker_str (member, "Id")), g_strdup (name));
    }
  return pods;
}

gboolean
pier_docker_engine_fill_pods (PierDockerEngine *self, PierContainerInfo *const *containers,
                              guint n, GCancellable *cancellable, GError **error)
{
  g_autoptr (GHashTable) pods = pods_by_container (self, cancellable, error);

  if (pods == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    containers[i]->pod = g_strdup (g_hash_table_lookup (pods, containers[i]->id));
  return TRUE;
}
