/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-registry-stream-private.h"

G_BEGIN_DECLS

/* Authentication with a registry: its challenge (WWW-Authenticate), the credentials for a
 * repository (given with the command, or from the auth files), and bearer tokens from its
 * token service, kept per scope until they expire. Callers hold the client's lock. */

typedef struct _PierRegistryToken PierRegistryToken;

void pier_registry_token_free (PierRegistryToken *token);

/* Takes @header (a WWW-Authenticate value, or NULL for none) as @host's challenge. */
void pier_registry_host_set_challenge (PierRegistryHost *host, const char *header);

/* The Authorization header line for a request to @host with @scope, fetching a token when the
 * challenge is "bearer"; NULL (and TRUE) when none is needed. */
gboolean pier_registry_host_authorization (PierRegistryClient *client, PierRegistryHost *host,
                                           const char *scope, char **header,
                                           GCancellable *cancellable, GError **error);

/* PIER_ERROR_PERMISSION for a request to @host with @scope that stayed refused: whose
 * credentials were refused, or that a login is needed. */
void pier_registry_host_set_refused (PierRegistryClient *client, PierRegistryHost *host,
                                     const char *scope, GError **error);

G_END_DECLS
