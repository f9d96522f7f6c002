/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The registries file: Pier's own, a GKeyFile, read from $XDG_CONFIG_HOME/pier/registries.conf
 * or, when that is absent, /etc/pier/registries.conf (the first found is the whole
 * configuration: the files are not merged). Every key is optional:
 *
 *   [registries]
 *   # Registries to try, in order, for a name given without one ("app", "user/app"). Without
 *   # this key Docker's rule holds: such names are on docker.io.
 *   search=registry.example.com;docker.io
 *
 *   [registry "127.0.0.1:5000"]
 *   # HTTPS without certificate verification, falling back to plain HTTP (as Podman's
 *   # --tls-verify=false does for one command).
 *   insecure=true
 *   # Registries serving the same repositories, tried in order before this one when pulling.
 *   mirrors=mirror.example.com:5000;10.0.0.2:5000
 */
typedef struct _PierRegistryConfig PierRegistryConfig;

/* Reads @path, or the default files when @path is NULL; absent default files are an empty
 * configuration, a bad file is an error naming it and the line GLib found wrong. */
PierRegistryConfig *pier_registry_config_load (const char *path, GError **error);
void pier_registry_config_free (PierRegistryConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryConfig, pier_registry_config_free)

/* The file the configuration came from, or NULL when there was none. */
const char *pier_registry_config_get_path (const PierRegistryConfig *config);
/* The search list, or NULL for Docker's rule. */
const char *const *pier_registry_config_get_search (const PierRegistryConfig *config);
gboolean pier_registry_config_is_insecure (const PierRegistryConfig *config, const char *host);
/* Never NULL; empty when @host has no mirrors. */
const char *const *pier_registry_config_get_mirrors (const PierRegistryConfig *config,
                                                     const char *host);

G_END_DECLS
