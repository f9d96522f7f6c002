/* Pulling images from registries into the store. */
#include "pier-registry-pull.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-i18n.h"
#include "pier-reference.h"
#include "pier-registry-transfers-private.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_INDEX_DEPTH 4
#define MANIFEST_ACCEPT                                                                          \
  PIER_MEDIA_OCI_MANIFEST ", " PIER_MEDIA_OCI_INDEX ", " PIER_MEDIA_DOCKER_MANIFEST ", "         \
  PIER_MEDIA_DOCKER_MANIFEST_LIST

void
pier_registry_pull_result_free (PierRegistryPullResult *result)
{
  if (result == NULL)
    return;
  pier_image_free (result->image);
  g_free (result->reference);
  g_free (result->digest);
  g_free (result);
}

char *
pier_registry_host_platform (void)
{
  static const struct {
    const char *machine;
    const char *platform;
  } platforms[] = {
    { "x86_64", "linux/amd64" },     { "aarch64", "linux/arm64/v8" },
    { "arm64", "linux/arm64/v8" },   { "armv7l", "linux/arm/v7" },
    { "armv6l", "linux/arm/v6" },    { "i686", "linux/386" },
    { "i386", "linux/386" },         { "ppc64le", "linux/ppc64le" },
    { "s390x", "linux/s390x" },      { "riscv64", "linux/riscv64" },
  };
  struct utsname u;

  if (uname (&u) < 0)
    return g_strdup ("linux/amd64");
  for (gsize i = 0; i < G_N_ELEMENTS (platforms); i++)
    if (strcmp (u.machine, platforms[i].machine) == 0)
      return g_strdup (platforms[i].platform);
  return g_strconcat ("linux/", u.machine, NULL);
}

typedef struct _Pull Pull;

typedef struct {
  Pull *pull;
  const PierDescriptor *desc;
  PierBlobWriter *writer; /* NULL when the store has the blob already */
} Layer;

struct _Pull {
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

static void
layer_free (Layer *layer)
{
  pier_blob_writer_free (layer->writer);
  g_free (layer);
}

/* Forgets what one registry said, before asking the next. */
static void
pull_reset_source (Pull *pull)
{
  g_clear_pointer (&pull->name, g_free);
  g_clear_pointer (&pull->host, g_free);
  g_clear_pointer (&pull->repository, g_free);
  g_clear_pointer (&pull->scope, g_free);
  g_clear_pointer (&pull->top_digest, g_free);
  g_clear_pointer (&pull->manifest_bytes, g_bytes_unref);
  g_clear_pointer (&pull->manifest_digest, g_free);
  g_clear_pointer (&pull->manifest, pier_manifest_free);
}

static void
pull_clear (Pull *pull)
{
  pull_reset_source (pull);
  g_clear_pointer (&pull->client, pier_registry_client_free);
  g_clear_pointer (&pull->config, pier_image_config_free);
  g_clear_pointer (&pull->config_writer, pier_blob_writer_free);
  g_clear_pointer (&pull->layers, g_ptr_array_unref);
}

static void
report_stage (Pull *pull, PierRegistryStage stage)
{
  PierRegistryProgress progress = { pull->name, stage, 0, NULL };

  if (pull->progress != NULL)
    pull->progress (&progress, pull->progress_data);
}

/* ---- names ---- */

/* The references to try for @text: itself, or, for a name given without a registry when the
 * registries file has a search list, that name in each registry of the list. */
static GPtrArray *
candidates (const PierRegistryConfig *config, const char *text, GError **error)
{
  g_autoptr (PierReference) ref = pier_reference_parse (text, error);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_reference_free);
  const char *const *search = pier_registry_config_get_search (config);

  if (ref == NULL)
    return NULL;
  if (search == NULL || search[0] == NULL || strcmp (ref->domain, PIER_DEFAULT_DOMAIN) != 0 ||
      g_str_has_prefix (text, PIER_DEFAULT_DOMAIN "/"))
    {
      g_ptr_array_add (out, g_steal_pointer (&ref));
      return g_steal_pointer (&out);
    }
  for (const char *const *s = search; *s; s++)
    {
      g_autofree char *qualified = g_strconcat (*s, "/", text, NULL);
      PierReference *candidate = pier_reference_parse (qualified, error);
      if (candidate == NULL)
        {
          g_prefix_error (error, _("search registry %s in %s: "), *s,
                          pier_registry_config_get_path (config));
          return NULL;
        }
      g_ptr_array_add (out, candidate);
    }
  return g_steal_pointer (&out);
}

/* ---- manifests ---- */

static gboolean
is_index_type (const char *media_type)
{
  return g_strcmp0 (media_type, PIER_MEDIA_OCI_INDEX) == 0 ||
         g_strcmp0 (media_type, PIER_MEDIA_DOCKER_MANIFEST_LIST) == 0;
}

/* A manifest or an index, by the Content-Type or, when the registry gives none that helps, by
 * what parses. */
static gboolean
parse_document (GBytes *bytes, const char *content_type, PierManifest **manifest,
                PierIndex **index, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GError) manifest_error = NULL;

  if (is_index_type (content_type))
    {
      *index = pier_index_parse (data, len, error);
      return *index != NULL;
    }
  *manifest = pier_manifest_parse (data, len, &manifest_error);
  if (*manifest != NULL)
    return TRUE;
  *index = pier_index_parse (data, len, NULL);
  if (*index != NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&manifest_error));
  return FALSE;
}

static void
split_platform (const char *platform, char **os, char **arch, char **variant)
{
  g_auto (GStrv) parts = g_strsplit (platform, "/", 3);

  *os = g_strdup (parts[0]);
  *arch = g_strdup (parts[0] && parts[1] ? parts[1] : NULL);
  *variant = g_strdup (parts[0] && parts[1] ? parts[2] : NULL);
}

static const PierDescriptor *
choose_platform (Pull *pull, const PierIndex *index, GError **error)
{
  g_autofree char *wanted = pull->options->platform ? g_strdup (pull->options->platform)
                                                    : pier_registry_host_platform ();
  g_autofree char *os = NULL, *arch = NULL, *variant = NULL;
  g_autoptr (GString) available = g_string_new (NULL);
  const PierDescriptor *without_variant = NULL;

  split_platform (wanted, &os, &arch, &variant);
  if (arch == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("platform “%s” is not OS/ARCH[/VARIANT] (such as linux/arm64)"), wanted);
      return NULL;
    }
  for (guint i = 0; i < index->manifests->len; i++)
    {
      const PierDescriptor *d = index->manifests->pdata[i];
      if (d->platform_os == NULL || d->platform_architecture == NULL)
        continue;
      g_string_append_printf (available, "%s%s/%s%s%s", available->len ? ", " : "",
                              d->platform_os, d->platform_architecture,
                              d->platform_variant ? "/" : "",
                              d->platform_variant ? d->platform_variant : "");
      if (strcmp (d->platform_os, os) != 0 || strcmp (d->platform_architecture, arch) != 0)
        continue;
      if (variant == NULL || g_strcmp0 (d->platform_variant, variant) == 0)
        return d;
      if (d->platform_variant == NULL && without_variant == NULL)
        without_variant = d;
    }
  if (without_variant != NULL)
    return without_variant;
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("%s has no image for %s (it has %s)"),
               pull->name, wanted, available->len ? available->str : "no platforms");
  return NULL;
}

/* After "manifest unknown": whether the repository exists at all (registries often say
 * MANIFEST_UNKNOWN for both), and the tags it has, for the message. */
static gboolean
repository_exists (Pull *pull, char **some_tags)
{
  g_autofree char *path = g_strdup_printf ("/v2/%s/tags/list?n=20", pull->repository);
  PierRegistryRequest request = { .host = pull->host, .path = path, .scope = pull->scope };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (pull->client, &request,
                                                                pull->cancellable, NULL);
  g_autoptr (GBytes) body = NULL;
  g_autofree char *code = NULL;
  json_t *tags;
  json_t *root;

  *some_tags = NULL;
  if (s == NULL)
    return TRUE;
  if (pier_registry_stream_get_status (s) == 404)
    {
      pier_registry_stream_set_error (s, &code, NULL, _("listing tags"));
      return g_strcmp0 (code, "NAME_UNKNOWN") != 0;
    }
  if (pier_registry_stream_get_status (s) != 200 ||
      (body = pier_registry_stream_read_all (s, PIER_OCI_MAX_DOCUMENT_SIZE, NULL)) == NULL)
    return TRUE;
  root = json_loadb (g_bytes_get_data (body, NULL), g_bytes_get_size (body), 0, NULL);
  tags = json_object_get (root, "tags");
  if (json_array_size (tags) > 0)
    {
      GString *text = g_string_new (NULL);
      for (size_t i = 0; i < json_array_size (tags) && i < 10; i++)
        g_string_append_printf (text, "%s%s", i ? ", " : "",
                                json_string_value (json_array_get (tags, i)));
      if (json_array_size (tags) > 10)
        g_string_append (text, ", …");
      *some_tags = g_string_free (text, FALSE);
    }
  json_decref (root);
  return TRUE;
}

/* GET a manifest or index by tag or digest, checked against what names it. */
static GBytes *
fetch_document (Pull *pull, const PierReference *ref, const char *reference_part,
                const char *expected_digest, char **content_type, char **digest,
                GError **error)
{
  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", pull->repository,
                                           reference_part);
  PierRegistryRequest request = {
    .host = pull->host, .path = path, .scope = pull->scope, .accept = MANIFEST_ACCEPT,
  };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (pull->client, &request,
                                                                pull->cancellable, error);
  g_autoptr (GBytes) body = NULL;
  const char *claimed;
  const char *type;

  if (s == NULL)
    return NULL;
  if (pier_registry_stream_get_status (s) == 404)
    {
      g_autofree char *code = NULL;
      g_autoptr (GError) local = NULL;
      pier_registry_stream_set_error (s, &code, &local, _("fetching %s"), pull->name);
      g_autofree char *tags = NULL;
      if (g_strcmp0 (code, "NAME_UNKNOWN") == 0 ||
          (g_strcmp0 (code, "MANIFEST_UNKNOWN") == 0 && !repository_exists (pull, &tags)))
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                     _("unknown image %s: %s has no repository “%s”"), pull->name, pull->host,
                     ref->path);
      else if (g_strcmp0 (code, "MANIFEST_UNKNOWN") == 0)
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                     _("unknown image %s: %s/%s has no %s “%s”%s%s%s"), pull->name, pull->host,
                     ref->path, expected_digest ? "manifest" : "tag", reference_part,
                     tags ? " (its tags: " : "", tags ? tags : "", tags ? ")" : "");
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (pier_registry_stream_get_status (s) != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("fetching %s"), pull->name);
      return NULL;
    }
  body = pier_registry_stream_read_all (s, PIER_OCI_MAX_DOCUMENT_SIZE, error);
  if (body == NULL)
    return NULL;
  *digest = pier_digest_data (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  claimed = pier_registry_stream_get_header (s, "Docker-Content-Digest");
  if (expected_digest != NULL && strcmp (*digest, expected_digest) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s sent a manifest for %s that hashes to %s"), pull->host, expected_digest,
                   *digest);
      return NULL;
    }
  if (claimed != NULL && g_str_has_prefix (claimed, PIER_DIGEST_PREFIX) &&
      strcmp (claimed, *digest) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s says the manifest of %s is %s, but sent one that hashes to %s"),
                   pull->host, pull->name, claimed, *digest);
      return NULL;
    }
  type = pier_registry_stream_get_header (s, "Content-Type");
  *content_type = type ? g_strndup (type, strcspn (type, "; ")) : NULL;
  return g_steal_pointer (&body);
}

/* Reads @ref from @host down to one image manifest. */
static gboolean
resolve (Pull *pull, const PierReference *ref, const char *host, GError **error)
{
  g_autofree char *content_type = NULL;
  g_autofree char *digest = NULL;
  g_autoptr (GBytes) body = NULL;

  pull_reset_source (pull);
  pull->name = pier_reference_to_string (ref);
  pull->host = g_strdup (host);
  pull->repository = g_strdup (ref->path);
  pull->scope = g_strdup_printf ("repository:%s:pull", ref->path);
  report_stage (pull, PIER_REGISTRY_STAGE_RESOLVING);
  body = fetch_document (pull, ref, ref->digest ? ref->digest : ref->tag, ref->digest,
                         &content_type, &digest, error);
  if (body == NULL)
    return FALSE;
  pull->top_digest = g_strdup (digest);
  for (int depth = 0;; depth++)
    {
      g_autoptr (PierIndex) index = NULL;
      g_autoptr (PierManifest) manifest = NULL;
      const PierDescriptor *chosen;

      if (!parse_document (body, content_type, &manifest, &index, error))
        {
          g_prefix_error (error, _("the manifest of %s from %s: "), pull->name, host);
          return FALSE;
        }
      if (manifest != NULL)
        {
          pull->manifest = g_steal_pointer (&manifest);
          pull->manifest_bytes = g_steal_pointer (&body);
          pull->manifest_digest = g_steal_pointer (&digest);
          return TRUE;
        }
      if (depth >= MAX_INDEX_DEPTH)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the indexes of %s on %s nest too deeply"), pull->name, host);
          return FALSE;
        }
      chosen = choose_platform (pull, index, error);
      if (chosen == NULL)
        return FALSE;
      g_clear_pointer (&body, g_bytes_unref);
      g_clear_pointer (&content_type, g_free);
      g_clear_pointer (&digest, g_free);
      body = fetch_document (pull, ref, chosen->digest, chosen->digest, &content_type, &digest,
                             error);
      if (body == NULL)
        return FALSE;
    }
}

/* Tries the candidates (search list) and, for each, its mirrors before the registry itself. */
static gboolean
resolve_any (Pull *pull, GPtrArray *refs, GError **error)
{
  g_autoptr (GError) last = NULL;
  g_autoptr (GString) tried = g_string_new (NULL);

  for (guint i = 0; i < refs->len; i++)
    {
      const PierReference *ref = refs->pdata[i];
      const char *const *mirrors = pier_registry_config_get_mirrors (
          pier_registry_client_get_config (pull->client), ref->domain);
      g_autoptr (GPtrArray) hosts = g_ptr_array_new ();

      for (const char *const *m = mirrors; *m; m++)
        g_ptr_array_add (hosts, (gpointer) *m);
      g_ptr_array_add (hosts, ref->domain);
      g_string_append_printf (tried, "%s%s", tried->len ? ", " : "", ref->domain);
      for (guint h = 0; h < hosts->len; h++)
        {
          gboolean is_mirror = h + 1 < hosts->len;
          gboolean searching = refs->len > 1;
          g_autoptr (GError) local = NULL;

          if (resolve (pull, ref, hosts->pdata[h], &local))
            return TRUE;
          /* A mirror that fails or lacks the image leaves the registry itself to ask; a search
           * registry that lacks it (or hides it behind a login) leaves the next. */
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              (!is_mirror && !(searching && (g_error_matches (local, PIER_ERROR, PIER_ERROR_NOT_FOUND) ||
                                             g_error_matches (local, PIER_ERROR, PIER_ERROR_PERMISSION)))))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (!is_mirror)
            {
              g_clear_error (&last);
              last = g_steal_pointer (&local);
            }
        }
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("no registry searched (%s) has the image; the last said: %s"), tried->str,
               last ? last->message : "nothing");
  return FALSE;
}

/* ---- blobs ---- */

static char *
blob_path (Pull *pull, const char *digest)
{
  return g_strdup_printf ("/v2/%s/blobs/%s", pull->repository, digest);
}

static PierRegistryStream *
open_blob (Pull *pull, const PierDescriptor *desc, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = blob_path (pull, desc->digest);
  PierRegistryRequest request = {
    .host = pull->host, .path = path, .scope = pull->scope,
    .expected_size = desc->size, .resumable = TRUE,
  };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (pull->client, &request,
                                                                cancellable, error);

  if (s == NULL)
    return NULL;
  if (pier_registry_stream_get_status (s) != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("fetching blob %s of %s"), desc->digest,
                                      pull->name);
      return NULL;
    }
  return g_steal_pointer (&s);
}

static gboolean
check_digest (Pull *pull, const char *expected, const char *actual, GError **error)
{
  if (strcmp (expected, actual) == 0)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
               _("%s sent content for %s that hashes to %s: refused"), pull->host, expected,
               actual);
  return FALSE;
}

/* A descriptor's size is kept with the image and shown for it: it must be the blob's, whether
 * the blob arrives now or was in the store already. */
static gboolean
check_size (Pull *pull, const PierDescriptor *desc, guint64 actual, GError **error)
{
  if (desc->size >= 0 && (guint64) desc->size == actual)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
               _("the manifest of %s gives the size of %s as %" PRId64 " bytes, but it "
                 "has %" PRIu64 ": refused"), pull->name, desc->digest, desc->size, actual);
  return FALSE;
}

static gboolean
fetch_config (Pull *pull, GError **error)
{
  const PierDescriptor *desc = pull->manifest->config;
  PierBlobStore *blobs = pier_store_get_blobs (pull->store);
  g_autoptr (GBytes) bytes = NULL;
  gsize len;
  const char *data;

  if (desc->size > PIER_OCI_MAX_DOCUMENT_SIZE)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the config of %s is %" PRId64 " bytes, too large for an image config"),
                   pull->name, desc->size);
      return FALSE;
    }
  if (pier_blob_store_has (blobs, desc->digest))
    bytes = pier_blob_store_read (blobs, desc->digest, PIER_OCI_MAX_DOCUMENT_SIZE, error);
  else
    {
      g_autoptr (PierRegistryStream) s = open_blob (pull, desc, pull->cancellable, error);
      if (s == NULL)
        return FALSE;
      bytes = pier_registry_stream_read_all (s, PIER_OCI_MAX_DOCUMENT_SIZE, error);
      if (bytes == NULL)
        return FALSE;
      pull->config_writer = pier_blob_writer_new (blobs, error);
      if (pull->config_writer == NULL ||
          !pier_blob_writer_write (pull->config_writer, g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes), error) ||
          !check_digest (pull, desc->digest, pier_blob_writer_get_digest (pull->config_writer),
                         error))
        return FALSE;
    }
  if (bytes == NULL || !check_size (pull, desc, g_bytes_get_size (bytes), error))
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  pull->config = pier_image_config_parse (data, len, error);
  if (pull->config == NULL)
    {
      g_prefix_error (error, _("the config of %s: "), pull->name);
      return FALSE;
    }
  if (pull->config->diff_ids->len != pull->manifest->layers->len)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("the manifest of %s lists %u layers but its config %u diff_ids"), pull->name,
                   pull->manifest->layers->len, pull->config->diff_ids->len);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  PierRegistryStream *stream;
  PierRegistryTransfers *transfers;
  guint blob;
} Source;

static gssize
source_read (gpointer user_data, void *buffer, gsize size, GError **error)
{
  Source *src = user_data;
  gssize n = pier_registry_stream_read (src->stream, buffer, size, error);

  if (n > 0)
    pier_registry_transfers_add_bytes (src->transfers, src->blob, n);
  return n;
}

/* Only the blob is stored, verified against its digest as it arrives: the layer is unpacked
 * (and its diff_id checked) by pier_store_ensure_layer() when a container or build first
 * needs it, as a pull into an OCI layout would leave it. Unpacking here doubled what a pull
 * writes, and an image pulled to be saved or pushed on is never unpacked at all. */
#define FETCH_CHUNK (1024 * 1024)

static gboolean
fetch_layer (PierRegistryTransfers *t, guint blob, gpointer data, GCancellable *cancellable,
             GError **error)
{
  Layer *layer = data;
  Pull *pull = layer->pull;
  const char *digest = layer->desc->digest;
  g_autoptr (PierRegistryStream) s = NULL;
  Source src = { NULL, t, blob };
  /* Large reads: each one drives the transfer, so small ones cost more than the bytes. */
  g_autofree guint8 *buffer = g_malloc (FETCH_CHUNK);
  gssize n;

  s = src.stream = open_blob (pull, layer->desc, cancellable, error);
  if (s == NULL)
    return FALSE;
  pier_registry_transfers_set_state (t, blob, PIER_REGISTRY_BLOB_TRANSFERRING, NULL);
  layer->writer = pier_blob_writer_new (pier_store_get_blobs (pull->store), error);
  if (layer->writer == NULL)
    return FALSE;
  while ((n = source_read (&src, buffer, FETCH_CHUNK, error)) > 0)
    if (!pier_blob_writer_write (layer->writer, buffer, n, error))
      return FALSE;
  /* Synced here, while other layers still arrive, rather than in the commit. */
  if (n < 0 || !check_digest (pull, digest, pier_blob_writer_get_digest (layer->writer), error)
      || !check_size (pull, layer->desc, pier_blob_writer_get_size (layer->writer), error)
      || !pier_blob_writer_sync (layer->writer, error))
    return FALSE;
  pier_registry_transfers_set_state (t, blob, PIER_REGISTRY_BLOB_DONE, NULL);
  return TRUE;
}

/* Which layers to fetch, and how; queues them. */
static gboolean
plan_layers (Pull *pull, PierRegistryTransfers *t, PierRegistryPullResult *result,
             GError **error)
{
  PierBlobStore *blobs = pier_store_get_blobs (pull->store);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  pull->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) layer_free);
  for (guint i = 0; i < pull->manifest->layers->len; i++)
    {
      const PierDescriptor *desc = pull->manifest->layers->pdata[i];
      Layer *layer;
      guint blob;

      if (!pier_media_type_is_layer (desc->media_type, NULL))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("layer %u of %s is “%s”, which Pier cannot unpack (it reads tar layers, "
                         "plain or gzip)"), i + 1, pull->name,
                       desc->media_type ? desc->media_type : "without a media type");
          return FALSE;
        }
      if (!g_hash_table_add (seen, desc->digest))
        continue;
      layer = g_new0 (Layer, 1);
      layer->pull = pull;
      layer->desc = desc;
      g_ptr_array_add (pull->layers, layer);
      blob = pier_registry_transfers_add (t, desc->digest, desc->size, FALSE);
      if (pier_blob_store_has (blobs, desc->digest))
        {
          if (!check_size (pull, desc, pier_blob_store_get_size (blobs, desc->digest), error))
            return FALSE;
          pier_registry_transfers_set_state (t, blob, PIER_REGISTRY_BLOB_EXISTS, NULL);
          result->layers_reused++;
          g_debug ("%s: layer %s in the store already", pull->name, desc->digest);
          continue;
        }
      g_debug ("%s: layer %s not in the store, fetching it", pull->name, desc->digest);
      result->layers_fetched++;
      result->bytes_fetched += desc->size;
      pier_registry_transfers_queue (t, blob, fetch_layer, layer);
    }
  return TRUE;
}

/* ---- into the store ---- */

static PierImage *
find_image (PierStore *store, const char *manifest_digest, GError **error)
{
  g_autoptr (GPtrArray) images = pier_store_list_images (store, error);

  if (images == NULL)
    return NULL;
  for (guint i = 0; i < images->len; i++)
    if (strcmp (((PierImage *) images->pdata[i])->manifest_digest, manifest_digest) == 0)
      return g_ptr_array_steal_index (images, i);
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("the pulled image %s is not in the store"),
               manifest_digest);
  return NULL;
}

static gboolean
commit (Pull *pull, PierRegistryPullResult *result, GError **error)
{
  PierBlobStore *blobs = pier_store_get_blobs (pull->store);
  g_autoptr (PierLock) lock = pier_store_lock (pull->store, pull->cancellable, error);
  g_autoptr (PierIndex) index = NULL;
  g_autoptr (PierDescriptor) desc = NULL;

  if (lock == NULL)
    return FALSE;
  for (guint i = 0; i < pull->layers->len; i++)
    {
      Layer *layer = pull->layers->pdata[i];
      if (layer->writer == NULL && !pier_blob_store_has (blobs, layer->desc->digest))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("blob %s was removed from the store while %s was being pulled; pull "
                         "again"), layer->desc->digest, pull->name);
          return FALSE;
        }
    }
  if (pull->config_writer != NULL)
    {
      g_autofree char *stored = pier_blob_writer_commit (pull->config_writer,
                                                         pull->manifest->config->digest, error);
      if (stored == NULL)
        return FALSE;
    }
  for (guint i = 0; i < pull->layers->len; i++)
    {
      Layer *layer = pull->layers->pdata[i];
      if (layer->writer != NULL)
        {
          g_autofree char *stored = pier_blob_writer_commit (layer->writer, layer->desc->digest,
                                                             error);
          if (stored == NULL)
            return FALSE;
        }
    }
  if (!pier_blob_store_has (blobs, pull->manifest_digest))
    {
      /* Byte for byte as the registry sent it: its digest is the image's RepoDigest. */
      g_autoptr (PierBlobWriter) writer = pier_blob_writer_new (blobs, error);
      g_autofree char *stored = NULL;
      if (writer == NULL ||
          !pier_blob_writer_write (writer, g_bytes_get_data (pull->manifest_bytes, NULL),
                                   g_bytes_get_size (pull->manifest_bytes), error) ||
          (stored = pier_blob_writer_commit (writer, pull->manifest_digest, error)) == NULL)
        return FALSE;
    }
  index = pier_store_read_index (pull->store, error);
  if (index == NULL)
    return FALSE;
  for (guint i = 0; i < index->manifests->len; i++)
    {
      const PierDescriptor *entry = index->manifests->pdata[i];
      if (strcmp (entry->digest, pull->manifest_digest) == 0 &&
          g_strcmp0 (pier_descriptor_get_annotation (entry, PIER_ANNOTATION_REF_NAME),
                     pull->name) == 0)
        result->up_to_date = TRUE;
    }
  desc = pier_descriptor_new (pull->manifest->media_type, pull->manifest_digest,
                              g_bytes_get_size (pull->manifest_bytes));
  pier_index_set_names (index, desc, (const char *const[]){ pull->name, NULL });
  return pier_store_write_index (pull->store, index, error);
}

PierRegistryPullResult *
pier_registry_pull (PierStore *store, const char *reference, const PierRegistryOptions *options,
                    PierRegistryProgressFunc progress, gpointer progress_data,
                    GCancellable *cancellable, GError **error)
{
  static const PierRegistryOptions defaults = { 0 };
  g_autoptr (PierRegistryPullResult) result = g_new0 (PierRegistryPullResult, 1);
  g_autoptr (PierRegistryTransfers) transfers = NULL;
  g_autoptr (GPtrArray) refs = NULL;
  Pull pull = { store, NULL, options ? options : &defaults, progress, progress_data,
                cancellable };
  gboolean ok = FALSE;

  pull.client = pier_registry_client_new (pull.options, error);
  if (pull.client == NULL)
    goto out;
  refs = candidates (pier_registry_client_get_config (pull.client), reference, error);
  if (refs == NULL || !resolve_any (&pull, refs, error) || !fetch_config (&pull, error))
    goto out;
  /* Blobs are written from several threads: make the work directory before they race to. */
  if (pier_store_get_work_fd (store, error) < 0)
    goto out;
  transfers = pier_registry_transfers_new (pull.name, pull.options->max_parallel, progress,
                                           progress_data, cancellable);
  if (!plan_layers (&pull, transfers, result, error))
    goto out;
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_TRANSFERRING);
  if (!pier_registry_transfers_run (transfers, error))
    goto out;
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_COMMITTING);
  if (!commit (&pull, result, error))
    goto out;
  result->image = find_image (store, pull.manifest_digest, error);
  if (result->image == NULL)
    goto out;
  pier_events_append (pier_store_get_root (store), "image", "pull", result->image->id, pull.name,
                      0);
  result->reference = g_strdup (pull.name);
  result->digest = g_strdup (pull.top_digest);
  pier_registry_transfers_set_stage (transfers, PIER_REGISTRY_STAGE_DONE);
  ok = TRUE;
out:
  pull_clear (&pull);
  return ok ? g_steal_pointer (&result) : NULL;
}

/* ---- asynchronously ---- */

typedef struct {
  char *reference;
  PierRegistryOptions *options;
  PierRegistryProgressRelay *relay;
} PullTask;

static void
pull_task_free (PullTask *task)
{
  g_free (task->reference);
  pier_registry_options_free (task->options);
  g_free (task);
}

static void
pull_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  PullTask *pt = data;
  GError *error = NULL;
  PierRegistryPullResult *result = pier_registry_pull (
      PIER_STORE (source), pt->reference, pt->options,
      pt->relay ? pier_registry_progress_relay_report : NULL, pt->relay, cancellable, &error);

  if (pt->relay != NULL)
    pier_registry_progress_relay_close (g_steal_pointer (&pt->relay));
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) pier_registry_pull_result_free);
}

void
pier_registry_pull_async (PierStore *store, const char *reference,
                          const PierRegistryOptions *options, PierRegistryProgressFunc progress,
                          gpointer progress_data, GDestroyNotify progress_notify,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (store, cancellable, callback, user_data);
  PullTask *pt = g_new0 (PullTask, 1);

  pt->reference = g_strdup (reference);
  pt->options = pier_registry_options_copy (options);
  if (progress != NULL || progress_notify != NULL)
    pt->relay = pier_registry_progress_relay_new (progress, progress_data, progress_notify);
  g_task_set_source_tag (task, pier_registry_pull_async);
  g_task_set_task_data (task, pt, (GDestroyNotify) pull_task_free);
  g_task_run_in_thread (task, pull_thread);
}

PierRegistryPullResult *
pier_registry_pull_finish (PierStore *store, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
