/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* OCI image-spec documents as plain structs. jansson stays inside pier-oci.c: everything else
 * sees these. Parsing accepts Docker's equivalents (schema 2 manifests, Docker image configs). */

#define PIER_MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define PIER_MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define PIER_MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define PIER_MEDIA_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define PIER_MEDIA_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define PIER_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define PIER_MEDIA_DOCKER_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define PIER_MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define PIER_MEDIA_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define PIER_MEDIA_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* The largest manifest, image config or nested index Pier reads, and so the largest it writes:
 * a document past it would make its image unreadable. Registries refuse larger manifests too. */
#define PIER_OCI_MAX_DOCUMENT_SIZE (4 * 1024 * 1024)
/* The store's own index.json (one entry per name), likewise for reading and writing. */
#define PIER_OCI_MAX_INDEX_SIZE (4 * PIER_OCI_MAX_DOCUMENT_SIZE)

#define PIER_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

typedef struct {
  char *media_type;
  char *digest;
  gint64 size;
  GHashTable *annotations; /* char* → char*; NULL when none */
  char *platform_os;       /* index entries only */
  char *platform_architecture;
  char *platform_variant;
} PierDescriptor;

PierDescriptor *pier_descriptor_new (const char *media_type, const char *digest, gint64 size);
PierDescriptor *pier_descriptor_copy (const PierDescriptor *desc);
void pier_descriptor_free (PierDescriptor *desc);
void pier_descriptor_set_annotation (PierDescriptor *desc, const char *key, const char *value);
const char *pier_descriptor_get_annotation (const PierDescriptor *desc, const char *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierDescriptor, pier_descriptor_free)

typedef struct {
  char *media_type;
  PierDescriptor *config;
  GPtrArray *layers; /* PierDescriptor* */
  GHashTable *annotations;
} PierManifest;

PierManifest *pier_manifest_new (void);
PierManifest *pier_manifest_parse (const char *json, gsize len, GError **error);
/* Canonical OCI JSON (what Pier stores and hashes). Every *_to_json() fails, naming the value,
 * rather than leave out one that JSON cannot hold (text that is not UTF-8). */
char *pier_manifest_to_json (const PierManifest *manifest, GError **error);
void pier_manifest_free (PierManifest *manifest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierManifest, pier_manifest_free)

typedef struct {
  GPtrArray *manifests; /* PierDescriptor* */
} PierIndex;

PierIndex *pier_index_new (void);
PierIndex *pier_index_parse (const char *json, gsize len, GError **error);
char *pier_index_to_json (const PierIndex *index, GError **error);
void pier_index_free (PierIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierIndex, pier_index_free)

typedef struct {
  char *created;     /* RFC 3339 */
  char *created_by;
  char *author;
  char *comment;
  gboolean empty_layer;
} PierHistoryEntry;

void pier_history_entry_free (PierHistoryEntry *entry);

typedef struct {
  GStrv test;        /* ["NONE"] or ["CMD", ...] / ["CMD-SHELL", "..."] */
  gint64 interval_ns, timeout_ns, start_period_ns, start_interval_ns;
  int retries;
} PierHealthcheck;

/* The "config" member of an image config: how a container of the image runs. NULL members
 * were absent (which differs from empty for Cmd and Entrypoint). */
typedef struct {
  char *user;
  GStrv env;
  GStrv entrypoint;
  GStrv cmd;
  char *working_dir;
  GStrv exposed_ports; /* "80/tcp" */
  GStrv volumes;
  GHashTable *labels;  /* char* → char* */
  char *stop_signal;
  GStrv shell;
  GStrv on_build;
  PierHealthcheck *healthcheck;
} PierRunConfig;

typedef struct {
  char *created;
  char *author;
  char *architecture;
  char *os;
  char *variant;
  PierRunConfig config;
  GPtrArray *diff_ids;  /* char* */
  GPtrArray *history;   /* PierHistoryEntry* */
} PierImageConfig;

PierImageConfig *pier_image_config_new (void);
PierImageConfig *pier_image_config_parse (const char *json, gsize len, GError **error);
char *pier_image_config_to_json (const PierImageConfig *config, GError **error);
/* The "Config" object alone, as docker inspect shows it. */
char *pier_run_config_to_json (const PierRunConfig *config, GError **error);
PierImageConfig *pier_image_config_copy (const PierImageConfig *config, GError **error);
void pier_image_config_free (PierImageConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierImageConfig, pier_image_config_free)

const char *pier_run_config_get_label (const PierRunConfig *config, const char *key);
void pier_run_config_set_label (PierRunConfig *config, const char *key, const char *value);

/* "2026-11-29T05:04:38.123456789Z" for now / for a unix time; seconds since the epoch back. */
char *pier_oci_timestamp_now (void);
char *pier_oci_timestamp_from_unix (gint64 seconds);
gint64 pier_oci_timestamp_to_unix (const char *timestamp);

/* Is @media_type a layer (tar, optionally gzip) of either family, and is it compressed? */
gboolean pier_media_type_is_layer (const char *media_type, gboolean *compressed);

G_END_DECLS
