/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-registry-stream-private.h"

G_BEGIN_DECLS

/* The registries a client talks to, each set up once: TLS or not (the options, the registries
 * file), the CAs to trust (certs.d folders), then a first GET /v2/ that learns how it is
 * reached (HTTPS, or plain HTTP for an insecure one) and the authentication it asks for. */

/* @name's host, set up on first use; the caller holds the client's lock. */
PierRegistryHost *pier_registry_client_get_host (PierRegistryClient *client, const char *name,
                                                 GCancellable *cancellable, GError **error);

void pier_registry_host_free (PierRegistryHost *host);

G_END_DECLS
