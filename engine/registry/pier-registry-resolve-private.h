/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-oci.h"
#include "pier-registry-client.h"
#include "pier-store.h"

G_BEGIN_DECLS

/* A pull's state, and its first half: which registry (or mirror) has the reference, and its
 * manifest for this platform, through indexes. */

typedef struct _PierRegistryPull PierRegistryPull;

struct _PierRegistryPull {
  PierStore *store;
  PierRegistryClient *client;
  const PierRegistryOptions *options;
  PierRegistryProgressFunc progress;
  gpointer progress_data;
  GCancellable *cancellable;

  char *name;       /* normalised, as it will be stored */
  char *host;       /* the registry (or mirror) the content comes from */
  char *repository;
  char *scope;
  char *top_digest; /* what the reference named */
  GBytes *manifest_bytes;
  char *manifest_digest;
  PierManifest *manifest;
  PierImageConfig *config;
  PierBlobWriter *config_writer; /* when the config is new to the store */
  GPtrArray *layers;             /* Layer */
};

/* Forgets what one registry said, before asking the next. */
void pier_registry_pull_reset_source (PierRegistryPull *pull);

/* The references to try for @text: itself, or, for a name given without a registry when the
 * registries file has a search list, that name in each registry of the list. */
GPtrArray *pier_registry_pull_candidates (const PierRegistryConfig *config, const char *text,
                                          GError **error);

/* Tries the candidates @refs (search list) and, for each, its mirrors before the registry
 * itself, until one has the image: pull->name, host, repository, scope, top_digest and the
 * manifest for this platform are then set. */
gboolean pier_registry_pull_resolve (PierRegistryPull *pull, GPtrArray *refs, GError **error);

G_END_DECLS
