/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-config.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <string.h>

typedef struct {
  gboolean insecure;
  GStrv mirrors;
} RegistryEntry;

struct _PierRegistryConfig {
  char *path;
  GStrv search;
  GHashTable *registries; /* host → RegistryEntry */
};

static const char *const no_mirrors[] = { NULL };

static void
registry_entry_free (RegistryEntry *entry)
{
  g_strfreev (entry->mirrors);
  g_free (entry);
}

void
pier_registry_config_free (PierRegistryConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_strfreev (config->search);
  g_hash_table_unref (config->registries);
  g_free (config);
}

static char *
user_config_path (void)
{
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");

  if (xdg != NULL && *xdg != '\0')
    return g_build_filename (xdg, "pier", "registries.conf", NULL);
  return g_build_filename (g_get_home_dir (), ".config", "pier", "registries.conf", NULL);
}

static gboolean
invalid (GError **error, const char *path, const char *message)
{
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, "%s: %s", path, message);
  return FALSE;
}

/* A list value with the blanks around its items removed; NULL when the key is absent. */
static GStrv
get_list (GKeyFile *file, const char *group, const char *key)
{
  g_auto (GStrv) items = g_key_file_get_string_list (file, group, key, NULL, NULL);
  g_autoptr (GStrvBuilder) out = NULL;

  if (items == NULL)
    return NULL;
  out = g_strv_builder_new ();
  for (char **i = items; *i; i++)
    if (*g_strstrip (*i) != '\0')
      g_strv_builder_add (out, *i);
  return g_strv_builder_end (out);
}

static gboolean
check_keys (GKeyFile *file, const char *group, const char *const *known, const char *path,
            GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);

  for (char **k = keys; k && *k; k++)
    if (!g_strv_contains (known, *k))
      {
        g_autofree char *message = g_strdup_printf ("unknown key “%s” in [%s]", *k, group);
        return invalid (error, path, message);
      }
  return TRUE;
}

static gboolean
parse (PierRegistryConfig *config, GKeyFile *file, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

  for (char **g = groups; *g; g++)
    {
      RegistryEntry *entry;
      g_autofree char *host = NULL;
      g_autoptr (GError) local = NULL;
      gsize len = strlen (*g);

      if (strcmp (*g, "registries") == 0)
        {
          if (!check_keys (file, *g, (const char *const[]){ "search", NULL }, config->path, error))
            return FALSE;
          config->search = get_list (file, *g, "search");
          continue;
        }
      if (!g_str_has_prefix (*g, "registry \"") || len < strlen ("registry \"\"") + 1 ||
          (*g)[len - 1] != '"')
        {
          g_autofree char *message = g_strdup_printf (
              "unknown group [%s]: expected [registries] or [registry \"HOST[:PORT]\"]", *g);
          return invalid (error, config->path, message);
        }
      host = g_strndup (*g + strlen ("registry \""), len - strlen ("registry \"") - 1);
      if (!check_keys (file, *g, (const char *const[]){ "insecure", "mirrors", NULL },
                       config->path, error))
        return FALSE;
      entry = g_new0 (RegistryEntry, 1);
      g_hash_table_replace (config->registries, g_strdup (host), entry);
      entry->mirrors = get_list (file, *g, "mirrors");
      if (g_key_file_has_key (file, *g, "insecure", NULL))
        {
          entry->insecure = g_key_file_get_boolean (file, *g, "insecure", &local);
          if (local != NULL)
            {
              g_autofree char *message =
                  g_strdup_printf ("insecure in [%s] must be true or false", *g);
              return invalid (error, config->path, message);
            }
        }
    }
  return TRUE;
}

PierRegistryConfig *
pier_registry_config_load (const char *path, GError **error)
{
  g_autoptr (PierRegistryConfig) config = g_new0 (PierRegistryConfig, 1);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *user_path = NULL;

  config->registries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) registry_entry_free);
  if (path == NULL)
    {
      user_path = user_config_path ();
      if (g_file_test (user_path, G_FILE_TEST_EXISTS))
        path = user_path;
      else if (g_file_test ("/etc/pier/registries.conf", G_FILE_TEST_EXISTS))
        path = "/etc/pier/registries.conf";
      else
        return g_steal_pointer (&config);
    }
  config->path = g_strdup (path);
  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, PIER_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? PIER_ERROR_NOT_FOUND
                                                                              : PIER_ERROR_INVALID,
                   _("registries file %s: %s"), path, local->message);
      return NULL;
    }
  if (!parse (config, file, error))
    return NULL;
  return g_steal_pointer (&config);
}

const char *
pier_registry_config_get_path (const PierRegistryConfig *config)
{
  return config->path;
}

const char *const *
pier_registry_config_get_search (const PierRegistryConfig *config)
{
  return (const char *const *) config->search;
}

gboolean
pier_registry_config_is_insecure (const PierRegistryConfig *config, const char *host)
{
  RegistryEntry *entry = g_hash_table_lookup (config->registries, host);

  return entry != NULL && entry->insecure;
}

const char *const *
pier_registry_config_get_mirrors (const PierRegistryConfig *config, const char *host)
{
  RegistryEntry *entry = g_hash_table_lookup (config->registries, host);

  return entry != NULL && entry->mirrors != NULL ? (const char *const *) entry->mirrors
                                                 : no_mirrors;
}
