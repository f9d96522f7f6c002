/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registry credentials where Docker and Podman keep them, in their JSON format
 * ({"auths": {"HOST": {"auth": base64("USER:PASSWORD")}}}).
 *
 * Read, first file with an entry for the registry wins: an explicit file (--authfile, or
 * $REGISTRY_AUTH_FILE) alone when given; otherwise $XDG_RUNTIME_DIR/containers/auth.json,
 * $XDG_CONFIG_HOME/containers/auth.json, then Docker's $DOCKER_CONFIG/config.json
 * (~/.docker/config.json). Written (login, logout): the explicit file, else Podman's
 * $XDG_RUNTIME_DIR/containers/auth.json ($XDG_CONFIG_HOME/containers/auth.json without a
 * runtime directory), mode 0600 in a 0700 directory, keeping every other key of the file.
 *
 * Keys match as both tools write them: "HOST", "https://HOST", "https://index.docker.io/v1/"
 * for docker.io, and "HOST/NAMESPACE" for one part of a registry (the longest match wins). */

typedef struct {
  char *username;
  char *password;
  char *source; /* the file they came from */
} PierRegistryCredentials;

void pier_registry_credentials_free (PierRegistryCredentials *creds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierRegistryCredentials, pier_registry_credentials_free)

/* The registry part of what a person types for login ("https://quay.io/", "index.docker.io")
 * as a key: "quay.io", "docker.io". */
char *pier_registry_auth_normalize_host (const char *registry);

/* Credentials for @repository (may be NULL) on @registry; NULL without an error when there are
 * none. A file that cannot be parsed is an error naming it. */
PierRegistryCredentials *pier_registry_auth_lookup (const char *auth_file, const char *registry,
                                                    const char *repository, GError **error);

/* The file login writes to. */
char *pier_registry_auth_write_path (const char *auth_file);

gboolean pier_registry_auth_store (const char *auth_file, const char *registry,
                                   const char *username, const char *password, GError **error);
/* Removes @registry's entry from the file login writes; PIER_ERROR_NOT_FOUND when it has none
 * (saying so if Docker's file has one, which `docker logout` removes). */
gboolean pier_registry_auth_remove (const char *auth_file, const char *registry, GError **error);
/* Removes every entry of the file login writes. */
gboolean pier_registry_auth_remove_all (const char *auth_file, GError **error);

G_END_DECLS
