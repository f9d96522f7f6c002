/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-auth.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-output-file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>

#define MAX_AUTH_FILE_SIZE (4 * 1024 * 1024)

void
pier_registry_credentials_free (PierRegistryCredentials *creds)
{
  if (creds == NULL)
    return;
  g_free (creds->username);
  if (creds->password != NULL)
    memset (creds->password, 0, strlen (creds->password));
  g_free (creds->password);
  g_free (creds->source);
  g_free (creds);
}

static const char *
explicit_file (const char *auth_file)
{
  const char *env = g_getenv ("REGISTRY_AUTH_FILE");

  if (auth_file != NULL)
    return auth_file;
  return env != NULL && *env != '\0' ? env : NULL;
}

static char *
config_home_file (const char *relpath)
{
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");

  if (xdg != NULL && *xdg != '\0')
    return g_build_filename (xdg, relpath, NULL);
  return g_build_filename (g_get_home_dir (), ".config", relpath, NULL);
}

static char *
docker_config_file (void)
{
  const char *dir = g_getenv ("DOCKER_CONFIG");

  if (dir != NULL && *dir != '\0')
    return g_build_filename (dir, "config.json", NULL);
  return g_build_filename (g_get_home_dir (), ".docker", "config.json", NULL);
}

char *
pier_registry_auth_write_path (const char *auth_file)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");

  if (explicit_file (auth_file) != NULL)
    return g_strdup (explicit_file (auth_file));
  if (runtime != NULL && *runtime != '\0')
    return g_build_filename (runtime, "containers", "auth.json", NULL);
  return config_home_file ("containers/auth.json");
}

static GPtrArray *
read_paths (const char *auth_file)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");

  if (explicit_file (auth_file) != NULL)
    {
      g_ptr_array_add (paths, g_strdup (explicit_file (auth_file)));
      return paths;
    }
  if (runtime != NULL && *runtime != '\0')
    g_ptr_array_add (paths, g_build_filename (runtime, "containers", "auth.json", NULL));
  g_ptr_array_add (paths, config_home_file ("containers/auth.json"));
  g_ptr_array_add (paths, docker_config_file ());
  return paths;
}

static const char *
canonical_host (const char *host)
{
  if (strcmp (host, "index.docker.io") == 0 || strcmp (host, "registry-1.docker.io") == 0)
    return "docker.io";
  return host;
}

/* A key as Docker or Podman writes it, split into registry and namespace ("" for the whole
 * registry). */
static void
split_key (const char *key, char **host, char **path)
{
  const char *p = key;
  g_autofree char *rest = NULL;
  char *slash;

  if (g_str_has_prefix (p, "https://"))
    p += strlen ("https://");
  else if (g_str_has_prefix (p, "http://"))
    p += strlen ("http://");
  rest = g_strdup (p);
  while (*rest != '\0' && rest[strlen (rest) - 1] == '/')
    rest[strlen (rest) - 1] = '\0';
  slash = strchr (rest, '/');
  if (slash != NULL)
    *slash = '\0';
  *host = g_strdup (canonical_host (rest));
  /* Docker's "https://index.docker.io/v1/" names the registry, not a namespace "v1". */
  if (slash == NULL || strcmp (slash + 1, "v1") == 0 || strcmp (slash + 1, "v2") == 0)
    *path = g_strdup ("");
  else
    *path = g_strdup (slash + 1);
}

char *
pier_registry_auth_normalize_host (const char *registry)
{
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;

  split_key (registry, &host, &path);
  return g_steal_pointer (&host);
}

static json_t *
load_file (const char *path, gboolean *absent, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  json_error_t jerr;
  json_t *root;
  gsize len;

  *absent = FALSE;
  if (!pier_fs_read_all_at (AT_FDCWD, path, MAX_AUTH_FILE_SIZE, &data, &len, &local))
    {
      if (g_error_matches (local, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        {
          *absent = TRUE;
          return NULL;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _("reading credentials: "));
      return NULL;
    }
  root = json_loadb (data, len, 0, &jerr);
  if (!json_is_object (root))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("credentials file %s is not a JSON object%s%s"), path, root ? "" : ": ",
                   root ? "" : jerr.text);
      json_decref (root);
      return NULL;
    }
  return root;
}

static PierRegistryCredentials *
decode_auth (const char *encoded, const char *key, const char *path, GError **error)
{
  g_autofree guchar *raw = NULL;
  g_autofree char *text = NULL;
  PierRegistryCredentials *creds;
  gsize len = 0;
  char *colon;

  raw = g_base64_decode (encoded, &len);
  text = g_strndup ((const char *) raw, len);
  colon = strchr (text, ':');
  if (colon == NULL || colon == text)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("credentials file %s: the entry for %s is not base64 of USER:PASSWORD"), path,
                   key);
      return NULL;
    }
  *colon = '\0';
  creds = g_new0 (PierRegistryCredentials, 1);
  creds->username = g_strdup (text);
  creds->password = g_strdup (colon + 1);
  creds->source = g_strdup (path);
  memset (text, 0, len);
  memset (raw, 0, len);
  return creds;
}

static gboolean
path_covers (const char *path, const char *repository)
{
  gsize len = strlen (path);

  if (len == 0)
    return TRUE;
  return repository != NULL && strncmp (repository, path, len) == 0 &&
         (repository[len] == '\0' || repository[len] == '/');
}

PierRegistryCredentials *
pier_registry_auth_lookup (const char *auth_file, const char *registry, const char *repository,
                           GError **error)
{
  g_autoptr (GPtrArray) paths = read_paths (auth_file);
  g_autofree char *host = pier_registry_auth_normalize_host (registry);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      gboolean absent;
      json_t *root = load_file (path, &absent, error);
      json_t *auths, *entry, *best = NULL;
      const char *key, *best_key = NULL;
      gsize best_len = 0;
      PierRegistryCredentials *creds = NULL;

      if (root == NULL && !absent)
        return NULL;
      if (root == NULL)
        continue;
      auths = json_object_get (root, "auths");
      json_object_foreach (auths, key, entry)
        {
          g_autofree char *key_host = NULL;
          g_autofree char *key_path = NULL;
          split_key (key, &key_host, &key_path);
          if (strcmp (key_host, host) != 0 || !path_covers (key_path, repository) ||
              json_string_value (json_object_get (entry, "auth")) == NULL)
            continue;
          if (best == NULL || strlen (key_path) > best_len)
            {
              best = entry;
              best_key = key;
              best_len = strlen (key_path);
            }
        }
      if (best != NULL)
        creds = decode_auth (json_string_value (json_object_get (best, "auth")), best_key, path,
                             error);
      json_decref (root);
      if (best != NULL)
        return creds;
    }
  return NULL;
}

/* @w holds what went wrong building @root, if anything: then nothing is written. */
static gboolean
write_file (const char *path, PierJsonWriter *w, json_t *root, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = pier_json_writer_dump (w, json_incref (root),
                                                 JSON_INDENT (2) | JSON_SORT_KEYS, error);
  g_autofree char *with_newline = NULL;

  if (text == NULL)
    {
      g_prefix_error (error, _("writing credentials to %s: "), path);
      return FALSE;
    }
  with_newline = g_strconcat (text, "\n", NULL);
  if (!pier_fs_mkdir_p (dir, 0700, error))
    return FALSE;
  if (!pier_output_file_write (path, with_newline, strlen (with_newline), 0600, error))
    {
      g_prefix_error (error, _("writing credentials to %s: "), path);
      return FALSE;
    }
  return TRUE;
}

/* The file login writes, as JSON with an "auths" object, created empty when absent. */
static json_t *
load_for_writing (const char *path, json_t **auths, GError **error)
{
  gboolean absent;
  json_t *root = load_file (path, &absent, error);

  if (root == NULL && !absent)
    return NULL;
  if (root == NULL)
    root = json_object ();
  *auths = json_object_get (root, "auths");
  if (!json_is_object (*auths))
    {
      *auths = json_object ();
      json_object_set_new (root, "auths", *auths);
    }
  return root;
}

gboolean
pier_registry_auth_store (const char *auth_file, const char *registry, const char *username,
                          const char *password, GError **error)
{
  g_autofree char *path = pier_registry_auth_write_path (auth_file);
  g_autofree char *host = pier_registry_auth_normalize_host (registry);
  g_autofree char *pair = g_strconcat (username, ":", password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_auto (PierJsonWriter) w = { NULL };
  json_t *auths = NULL;
  json_t *root = load_for_writing (path, &auths, error);
  json_t *entry;
  gboolean ok;

  memset (pair, 0, strlen (pair));
  if (root == NULL)
    return FALSE;
  entry = json_object ();
  pier_json_set_text (&w, entry, "auth", encoded);
  pier_json_set (&w, auths, host, entry);
  ok = write_file (path, &w, root, error);
  memset (encoded, 0, strlen (encoded));
  json_decref (root);
  return ok;
}

/* Removes the keys naming @host as a whole (any spelling of it); TRUE when there were some. */
static gboolean
remove_host (json_t *auths, const char *host)
{
  g_autoptr (GPtrArray) doomed = g_ptr_array_new_with_free_func (g_free);
  const char *key;
  json_t *entry;

  json_object_foreach (auths, key, entry)
    {
      g_autofree char *key_host = NULL;
      g_autofree char *key_path = NULL;
      split_key (key, &key_host, &key_path);
      if (strcmp (key_host, host) == 0 && key_path[0] == '\0')
        g_ptr_array_add (doomed, g_strdup (key));
    }
  for (guint i = 0; i < doomed->len; i++)
    json_object_del (auths, doomed->pdata[i]);
  return doomed->len > 0;
}

gboolean
pier_registry_auth_remove (const char *auth_file, const char *registry, GError **error)
{
  g_autofree char *path = pier_registry_auth_write_path (auth_file);
  g_autofree char *host = pier_registry_auth_normalize_host (registry);
  g_autofree char *docker = docker_config_file ();
  g_auto (PierJsonWriter) w = { NULL };
  json_t *auths = NULL;
  json_t *root = load_for_writing (path, &auths, error);
  gboolean ok;

  if (root == NULL)
    return FALSE;
  if (!remove_host (auths, host))
    {
      g_autoptr (PierRegistryCredentials) elsewhere = NULL;
      json_decref (root);
      if (explicit_file (auth_file) == NULL)
        elsewhere = pier_registry_auth_lookup (docker, host, NULL, NULL);
      if (elsewhere != NULL)
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                     _("not logged in to %s in %s; the credentials in %s came from docker login: "
                       "remove them with docker logout"), host, path, docker);
      else
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("not logged in to %s"), host);
      return FALSE;
    }
  ok = write_file (path, &w, root, error);
  json_decref (root);
  return ok;
}

gboolean
pier_registry_auth_remove_all (const char *auth_file, GError **error)
{
  g_autofree char *path = pier_registry_auth_write_path (auth_file);
  g_auto (PierJsonWriter) w = { NULL };
  json_t *auths = NULL;
  json_t *root = load_for_writing (path, &auths, error);
  gboolean ok;

  if (root == NULL)
    return FALSE;
  json_object_clear (auths);
  ok = write_file (path, &w, root, error);
  json_decref (root);
  return ok;
}
