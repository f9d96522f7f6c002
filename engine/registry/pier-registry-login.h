/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-registry-client.h"

G_BEGIN_DECLS

/* `login`: checks that @registry accepts the credentials (a token for them, or Basic access to
 * its API), then stores them in the file login writes (options->auth_file or Podman's). */
gboolean pier_registry_login (const char *registry, const char *username, const char *password,
                              const PierRegistryOptions *options, GCancellable *cancellable,
                              GError **error);

G_END_DECLS
