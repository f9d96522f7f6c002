/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-hosts-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-registry-auth.h"
#include "pier-registry-token-private.h"

#include <string.h>

void
pier_registry_host_free (PierRegistryHost *host)
{
  g_free (host->name);
  g_free (host->base);
  g_clear_pointer (&host->ca_bundle, g_bytes_unref);
  g_free (host->challenge);
  g_free (host->realm);
  g_free (host->service);
  g_hash_table_unref (host->credentials);
  g_hash_table_unref (host->tokens);
  g_free (host);
}

static const char *
api_host (const char *name)
{
  /* Docker Hub's API lives apart from the name people use for it. */
  return strcmp (name, "docker.io") == 0 ? "registry-1.docker.io" : name;
}

static GBytes *
ca_bundle (PierRegistryClient *client, const char *name)
{
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) bundle = g_string_new (NULL);
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");
  gboolean extra = FALSE;

  if (client->options->cert_dir != NULL)
    g_ptr_array_add (dirs, g_strdup (client->options->cert_dir));
  else
    {
      g_ptr_array_add (dirs, g_build_filename ("/etc/containers/certs.d", name, NULL));
      g_ptr_array_add (dirs, g_build_filename ("/etc/docker/certs.d", name, NULL));
      g_ptr_array_add (dirs, xdg && *xdg ? g_build_filename (xdg, "containers", "certs.d", name, NULL)
                                         : g_build_filename (g_get_home_dir (), ".config",
                                                             "containers", "certs.d", name, NULL));
    }
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs->pdata[i], 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *entry;

      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (entry, ".crt"))
          g_ptr_array_add (names, g_build_filename (dirs->pdata[i], entry, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint n = 0; n < names->len; n++)
        {
          g_autofree char *pem = NULL;
          if (g_file_get_contents (names->pdata[n], &pem, NULL, NULL))
            {
              g_string_append_printf (bundle, "\n%s\n", pem);
              extra = TRUE;
            }
        }
    }
  if (!extra)
    return NULL;
  {
    /* The system's CAs stay trusted beside the registry's own. */
    CURL *probe = curl_easy_init ();
    char *system_path = NULL;
    g_autofree char *system_pem = NULL;
    if (curl_easy_getinfo (probe, CURLINFO_CAINFO, &system_path) == CURLE_OK &&
        system_path != NULL && g_file_get_contents (system_path, &system_pem, NULL, NULL))
      g_string_prepend (bundle, system_pem);
    curl_easy_cleanup (probe);
  }
  return g_string_free_to_bytes (g_steal_pointer (&bundle));
}

/* Learns how @host is reached (HTTPS, or plain HTTP for an insecure one that does not speak
 * TLS) and what authentication it asks for. */
static gboolean
probe_host (PierRegistryClient *client, PierRegistryHost *host, GCancellable *cancellable,
            GError **error)
{
  const char *schemes[] = { "https", host->insecure ? "http" : NULL };
  g_autoptr (GError) first_error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (schemes) && schemes[i] != NULL; i++)
    {
      g_autoptr (PierRegistryStream) s = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *url = NULL;

      g_free (host->base);
      host->base = g_strdup_printf ("%s://%s", schemes[i], api_host (host->name));
      url = g_strconcat (host->base, "/v2/", NULL);
      s = pier_registry_stream_get (client, host, url, NULL, cancellable, &local);
      if (s == NULL)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (first_error == NULL)
            first_error = g_steal_pointer (&local);
          continue;
        }
      g_debug ("%s answers GET /v2/ over %s with %u", host->name, schemes[i], s->status);
      if (s->status == 401)
        pier_registry_host_set_challenge (host, g_hash_table_lookup (s->response_headers,
                                                                    "www-authenticate"));
      else if (s->status != 200)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("%s does not serve the registry API: GET %s answered %u"), host->name, url,
                       s->status);
          return FALSE;
        }
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&first_error));
  return FALSE;
}

PierRegistryHost *
pier_registry_client_get_host (PierRegistryClient *client, const char *name,
                               GCancellable *cancellable, GError **error)
{
  PierRegistryHost *host = g_hash_table_lookup (client->hosts, name);

  if (host != NULL)
    return host;
  host = g_new0 (PierRegistryHost, 1);
  host->name = g_strdup (name);
  host->credentials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) pier_registry_credentials_free);
  host->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) pier_registry_token_free);
  switch (client->options->tls)
    {
    case PIER_REGISTRY_TLS_NO_VERIFY:
      host->insecure = TRUE;
      break;
    case PIER_REGISTRY_TLS_VERIFY:
      host->insecure = FALSE;
      break;
    case PIER_REGISTRY_TLS_DEFAULT:
      host->insecure = pier_registry_config_is_insecure (client->config, name);
      break;
    }
  host->ca_bundle = ca_bundle (client, name);
  if (!probe_host (client, host, cancellable, error))
    {
      pier_registry_host_free (host);
      return NULL;
    }
  g_hash_table_insert (client->hosts, host->name, host);
  return host;
}
