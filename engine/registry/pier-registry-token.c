/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-token-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-registry-auth.h"

#include <jansson.h>
#include <string.h>

#define MAX_TOKEN_BODY (1024 * 1024)

struct _PierRegistryToken {
  char *header; /* "Authorization: Bearer …" */
  gint64 expires; /* monotonic µs */
};

void
pier_registry_token_free (PierRegistryToken *token)
{
  g_free (token->header);
  g_free (token);
}

/* ---- challenges ---- */

gboolean
pier_registry_parse_challenge (const char *header, char **scheme, GHashTable **params)
{
  const char *p = header;
  const char *start;
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  while (g_ascii_isspace (*p))
    p++;
  start = p;
  while (*p != '\0' && !g_ascii_isspace (*p))
    p++;
  if (p == start)
    return FALSE;
  *scheme = g_ascii_strdown (start, p - start);
  for (;;)
    {
      g_autofree char *name = NULL;
      GString *value;

      while (g_ascii_isspace (*p) || *p == ',')
        p++;
      if (*p == '\0')
        break;
      start = p;
      while (*p != '\0' && *p != '=' && !g_ascii_isspace (*p) && *p != ',')
        p++;
      if (*p != '=')
        {
          g_clear_pointer (scheme, g_free);
          return FALSE;
        }
      name = g_ascii_strdown (start, p - start);
      p++;
      value = g_string_new (NULL);
      if (*p == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          if (*p != '"')
            {
              g_string_free (value, TRUE);
              g_clear_pointer (scheme, g_free);
              return FALSE;
            }
          p++;
        }
      else
        while (*p != '\0' && *p != ',' && !g_ascii_isspace (*p))
          g_string_append_c (value, *p++);
      g_hash_table_replace (out, g_steal_pointer (&name), g_string_free (value, FALSE));
    }
  *params = g_steal_pointer (&out);
  return TRUE;
}

void
pier_registry_host_set_challenge (PierRegistryHost *host, const char *header)
{
  g_autofree char *scheme = NULL;
  g_autoptr (GHashTable) params = NULL;

  g_clear_pointer (&host->challenge, g_free);
  g_clear_pointer (&host->realm, g_free);
  g_clear_pointer (&host->service, g_free);
  if (header == NULL || !pier_registry_parse_challenge (header, &scheme, &params))
    return;
  host->challenge = g_steal_pointer (&scheme);
  host->realm = g_strdup (g_hash_table_lookup (params, "realm"));
  host->service = g_strdup (g_hash_table_lookup (params, "service"));
  g_debug ("%s asks for %s authentication (realm %s, service %s)", host->name, host->challenge,
           host->realm ? host->realm : "none", host->service ? host->service : "none");
}

/* ---- credentials and tokens ---- */

/* The repository of the first "repository:NAME:ACTIONS" scope, or NULL. */
static char *
scope_repository (const char *scope)
{
  g_auto (GStrv) parts = NULL;

  if (scope == NULL || !g_str_has_prefix (scope, "repository:"))
    return NULL;
  parts = g_strsplit (scope + strlen ("repository:"), " ", 2);
  {
    char *colon = strrchr (parts[0], ':');
    return colon ? g_strndup (parts[0], colon - parts[0]) : g_strdup (parts[0]);
  }
}

static const PierRegistryCredentials *
host_credentials (PierRegistryClient *client, PierRegistryHost *host, const char *scope,
                  GError **error)
{
  g_autofree char *repository = scope_repository (scope);
  const char *key = repository ? repository : "";
  PierRegistryCredentials *creds;

  if (g_hash_table_lookup_extended (host->credentials, key, NULL, (gpointer *) &creds))
    return creds;
  if (client->options->username != NULL)
    {
      creds = g_new0 (PierRegistryCredentials, 1);
      creds->username = g_strdup (client->options->username);
      creds->password = g_strdup (client->options->password ? client->options->password : "");
    }
  else
    {
      g_autoptr (GError) local = NULL;
      creds = pier_registry_auth_lookup (client->options->auth_file, host->name, repository,
                                         &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  g_hash_table_insert (host->credentials, g_strdup (key), creds);
  return creds;
}

static char *
basic_header (const PierRegistryCredentials *creds)
{
  g_autofree char *pair = g_strconcat (creds->username, ":", creds->password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strconcat ("Authorization: Basic ", encoded, NULL);
}

static char *
creds_origin (const PierRegistryCredentials *creds)
{
  return creds->source ? g_strdup_printf ("from %s", creds->source) : g_strdup ("given with the command");
}

static PierRegistryToken *
fetch_token (PierRegistryClient *client, PierRegistryHost *host, const char *scope,
             const PierRegistryCredentials *creds, GCancellable *cancellable, GError **error)
{
  g_autoptr (GString) url = g_string_new (host->realm);
  g_autoptr (PierRegistryStream) s = NULL;
  g_autofree char *authorization = creds ? basic_header (creds) : NULL;
  g_autoptr (GBytes) body = NULL;
  json_t *root;
  const char *text;
  json_int_t expires_in;
  char sep = strchr (host->realm, '?') ? '&' : '?';
  PierRegistryToken *token;

  if (host->service != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (host->service, NULL, FALSE);
      g_string_append_printf (url, "%cservice=%s", sep, escaped);
      sep = '&';
    }
  if (scope != NULL)
    {
      g_auto (GStrv) scopes = g_strsplit (scope, " ", -1);
      for (char **sc = scopes; *sc; sc++)
        {
          g_autofree char *escaped = g_uri_escape_string (*sc, NULL, FALSE);
          g_string_append_printf (url, "%cscope=%s", sep, escaped);
          sep = '&';
        }
    }
  s = pier_registry_stream_get (client, host, url->str, authorization, cancellable, error);
  if (s == NULL)
    {
      g_prefix_error (error, _("getting a token from %s: "), host->realm);
      return NULL;
    }
  if (s->status == 401 || s->status == 403)
    {
      if (creds != NULL)
        {
          g_autofree char *origin = creds_origin (creds);
          g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                       _("%s refused the credentials of %s (%s)"), host->name, creds->username,
                       origin);
        }
      else
        g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                     _("%s gives no anonymous access: log in with “pierctl login %s”"), host->name,
                     host->name);
      return NULL;
    }
  if (s->status != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("getting a token from %s"), host->realm);
      return NULL;
    }
  body = pier_registry_stream_read_all (s, MAX_TOKEN_BODY, error);
  if (body == NULL)
    return NULL;
  root = json_loadb (g_bytes_get_data (body, NULL), g_bytes_get_size (body), 0, NULL);
  text = json_string_value (json_object_get (root, "token"));
  if (text == NULL)
    text = json_string_value (json_object_get (root, "access_token"));
  if (text == NULL)
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the token service %s answered without a token"), host->realm);
      return NULL;
    }
  /* The distribution spec's default lifetime is a minute; renew a little early. */
  expires_in = json_integer_value (json_object_get (root, "expires_in"));
  if (expires_in <= 0)
    expires_in = 60;
  token = g_new0 (PierRegistryToken, 1);
  token->header = g_strconcat ("Authorization: Bearer ", text, NULL);
  token->expires = g_get_monotonic_time () + MAX (expires_in - 10, 5) * G_USEC_PER_SEC;
  g_debug ("%s: token for scope “%s” valid for %" G_GINT64_FORMAT " s", host->name,
           scope ? scope : "", (gint64) expires_in);
  json_decref (root);
  return token;
}

/* The Authorization header for a request to @host with @scope; NULL (and no error) for none. */
gboolean
pier_registry_host_authorization (PierRegistryClient *client, PierRegistryHost *host,
                                  const char *scope, char **header,
                                  GCancellable *cancellable, GError **error)
{
  const PierRegistryCredentials *creds;
  g_autoptr (GError) local = NULL;
  PierRegistryToken *token;
  const char *key = scope ? scope : "";

  *header = NULL;
  if (host->challenge == NULL)
    return TRUE;
  creds = host_credentials (client, host, scope, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (strcmp (host->challenge, "basic") == 0)
    {
      *header = creds ? basic_header (creds) : NULL;
      return TRUE;
    }
  if (strcmp (host->challenge, "bearer") != 0 || host->realm == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("%s asks for “%s” authentication, which Pier does not speak"), host->name,
                   host->challenge);
      return FALSE;
    }
  token = g_hash_table_lookup (host->tokens, key);
  if (token == NULL || token->expires < g_get_monotonic_time ())
    {
      g_debug ("%s: fetching a token for scope “%s” from %s, %s", host->name, key, host->realm,
               creds ? "with credentials" : "anonymously");
      token = fetch_token (client, host, scope, creds, cancellable, error);
      if (token == NULL)
        return FALSE;
      g_hash_table_replace (host->tokens, g_strdup (key), token);
    }
  *header = g_strdup (token->header);
  return TRUE;
}

void
pier_registry_host_set_refused (PierRegistryClient *client, PierRegistryHost *host,
                                const char *scope, GError **error)
{
  const PierRegistryCredentials *creds = host_credentials (client, host, scope, NULL);
  g_autofree char *repository = scope_repository (scope);
  g_autofree char *origin = creds ? creds_origin (creds) : NULL;

  if (creds != NULL && g_strcmp0 (host->challenge, "basic") == 0)
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                 _("%s refused the credentials of %s (%s)"), host->name, creds->username, origin);
  else if (creds != NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION, _("%s denied %s access to %s"),
                 host->name, creds->username, repository ? repository : "its API");
  else if (repository != NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                 _("%s denied access to %s: it needs a login (“pierctl login %s”), or the "
                   "repository does not exist"), host->name, repository, host->name);
  else
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                 _("%s needs a login: run “pierctl login %s”"), host->name, host->name);
}
