/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `login`: the client proves the credentials, then the credential files keep them. */
#include "pier-registry-login.h"

#include "pier-registry-auth.h"

gboolean
pier_registry_login (const char *registry, const char *username, const char *password,
                     const PierRegistryOptions *options, GCancellable *cancellable,
                     GError **error)
{
  PierRegistryOptions with = { 0 };
  g_autofree char *host = pier_registry_auth_normalize_host (registry);
  g_autoptr (PierRegistryClient) client = NULL;

  if (options != NULL)
    with = *options;
  with.username = username;
  with.password = password;
  client = pier_registry_client_new (&with, error);
  if (client == NULL || !pier_registry_client_check_login (client, host, cancellable, error))
    return FALSE;
  return pier_registry_auth_store (with.auth_file, host, username, password, error);
}
