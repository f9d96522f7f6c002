/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-client.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-registry-hosts-private.h"
#include "pier-registry-stream-private.h"
#include "pier-registry-token-private.h"

#include <string.h>

/* ---- options ---- */

PierRegistryOptions *
pier_registry_options_copy (const PierRegistryOptions *options)
{
  PierRegistryOptions *copy = g_new0 (PierRegistryOptions, 1);

  if (options == NULL)
    return copy;
  *copy = *options;
  copy->cert_dir = g_strdup (options->cert_dir);
  copy->auth_file = g_strdup (options->auth_file);
  copy->registries_conf = g_strdup (options->registries_conf);
  copy->username = g_strdup (options->username);
  copy->password = g_strdup (options->password);
  copy->platform = g_strdup (options->platform);
  return copy;
}

void
pier_registry_options_free (PierRegistryOptions *options)
{
  if (options == NULL)
    return;
  g_free ((char *) options->cert_dir);
  g_free ((char *) options->auth_file);
  g_free ((char *) options->registries_conf);
  g_free ((char *) options->username);
  if (options->password != NULL)
    memset ((char *) options->password, 0, strlen (options->password));
  g_free ((char *) options->password);
  g_free ((char *) options->platform);
  g_free (options);
}

/* ---- client ---- */

static void
share_lock (CURL *handle, curl_lock_data data, curl_lock_access access, void *user_data)
{
  PierRegistryClient *client = user_data;
  g_mutex_lock (&client->share_locks[data]);
}

static void
share_unlock (CURL *handle, curl_lock_data data, void *user_data)
{
  PierRegistryClient *client = user_data;
  g_mutex_unlock (&client->share_locks[data]);
}

PierRegistryClient *
pier_registry_client_new (const PierRegistryOptions *options, GError **error)
{
  g_autoptr (PierRegistryClient) client = NULL;

  if (!pier_curl_load (error))
    return NULL;
  client = g_new0 (PierRegistryClient, 1);
  client->options = pier_registry_options_copy (options);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_init (&client->share_locks[i]);
  g_mutex_init (&client->lock);
  g_mutex_init (&client->pool_lock);
  client->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) pier_registry_host_free);
  client->idle_multis = g_ptr_array_new ();
  client->share = curl_share_init ();
  curl_share_setopt (client->share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt (client->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt (client->share, CURLSHOPT_USERDATA, client);
  curl_share_setopt (client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt (client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (client->options->cert_dir != NULL &&
      !g_file_test (client->options->cert_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("certificate directory %s does not exist"), client->options->cert_dir);
      return NULL;
    }
  client->config = pier_registry_config_load (client->options->registries_conf, error);
  if (client->config == NULL)
    return NULL;
  return g_steal_pointer (&client);
}

void
pier_registry_client_free (PierRegistryClient *client)
{
  if (client == NULL)
    return;
  for (guint i = 0; i < client->idle_multis->len; i++)
    curl_multi_cleanup (client->idle_multis->pdata[i]);
  g_ptr_array_unref (client->idle_multis);
  g_hash_table_unref (client->hosts);
  if (client->share != NULL)
    curl_share_cleanup (client->share);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_clear (&client->share_locks[i]);
  g_mutex_clear (&client->lock);
  g_mutex_clear (&client->pool_lock);
  pier_registry_config_free (client->config);
  pier_registry_options_free (client->options);
  g_free (client);
}

const PierRegistryConfig *
pier_registry_client_get_config (PierRegistryClient *client)
{
  return client->config;
}

/* ---- requests ---- */

/* Starts an attempt from byte @range_from of the body and waits for its headers, answering
 * one 401. */
static gboolean
open_attempt (PierRegistryStream *s, guint64 range_from, GError **error)
{
  PierRegistryClient *client = s->client;

  for (int round = 0;; round++)
    {
      g_autofree char *auth = NULL;
      gboolean ok;

      g_mutex_lock (&client->lock);
      ok = pier_registry_host_authorization (client, s->host, s->scope, &auth, s->cancellable,
                                             error);
      g_mutex_unlock (&client->lock);
      if (!ok)
        return FALSE;
      if (!pier_registry_stream_open (s, auth, range_from, error))
        return FALSE;
      if (s->status != 401)
        return TRUE;
      g_mutex_lock (&client->lock);
      if (round > 0 || s->body_read != NULL)
        {
          pier_registry_host_set_refused (client, s->host, s->scope, error);
          g_mutex_unlock (&client->lock);
          return FALSE;
        }
      /* A token that expired, or a registry whose challenge changed: ask again. */
      pier_registry_host_set_challenge (s->host, g_hash_table_lookup (s->response_headers,
                                                                      "www-authenticate"));
      g_hash_table_remove (s->host->tokens, s->scope ? s->scope : "");
      g_mutex_unlock (&client->lock);
    }
}

PierRegistryStream *
pier_registry_client_send (PierRegistryClient *client, const PierRegistryRequest *request,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr (PierRegistryStream) s = NULL;
  g_autofree char *url = NULL;
  PierRegistryHost *host;

  g_mutex_lock (&client->lock);
  host = pier_registry_client_get_host (client, request->host, cancellable, error);
  g_mutex_unlock (&client->lock);
  if (host == NULL)
    return NULL;
  url = strstr (request->path, "://") ? g_strdup (request->path)
                                      : g_strconcat (host->base, request->path, NULL);
  s = pier_registry_stream_new (client, host, request->method, url, cancellable);
  s->scope = g_strdup (request->scope);
  s->accept = g_strdup (request->accept);
  s->content_type = g_strdup (request->content_type);
  s->body = request->body ? g_bytes_ref (request->body) : NULL;
  s->body_read = request->body_read;
  s->body_read_data = request->body_read_data;
  s->body_size = request->body_size;
  s->expected_size = request->expected_size;
  s->resumable = request->resumable;
  s->reopen = open_attempt;
  if (!open_attempt (s, 0, error))
    return NULL;
  return g_steal_pointer (&s);
}

gboolean
pier_registry_client_check_login (PierRegistryClient *client, const char *host,
                                  GCancellable *cancellable, GError **error)
{
  PierRegistryRequest request = { .host = host, .path = "/v2/" };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (client, &request, cancellable,
                                                                error);

  if (s == NULL)
    return FALSE;
  if (s->status != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("logging in"));
      return FALSE;
    }
  return TRUE;
}
