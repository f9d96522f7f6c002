/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Resolving a reference on a registry: the candidates of the search list, mirrors, and the
 * manifest for this platform through indexes. */
#include "pier-registry-resolve-private.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-reference.h"
#include "pier-registry-pull.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>

#define MAX_INDEX_DEPTH 4
#define MANIFEST_ACCEPT                                                                          \
  PIER_MEDIA_OCI_MANIFEST ", " PIER_MEDIA_OCI_INDEX ", " PIER_MEDIA_DOCKER_MANIFEST ", "         \
  PIER_MEDIA_DOCKER_MANIFEST_LIST

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

/* Forgets what one registry said, before asking the next. */
void
pier_registry_pull_reset_source (PierRegistryPull *pull)
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
report_stage (PierRegistryPull *pull, PierRegistryStage stage)
{
  PierRegistryProgress progress = { pull->name, stage, 0, NULL };

  if (pull->progress != NULL)
    pull->progress (&progress, pull->progress_data);
}

/* The references to try for @text: itself, or, for a name given without a registry when the
 * registries file has a search list, that name in each registry of the list. */
GPtrArray *
pier_registry_pull_candidates (const PierRegistryConfig *config, const char *text,
                               GError **error)
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
choose_platform (PierRegistryPull *pull, const PierIndex *index, GError **error)
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
repository_exists (PierRegistryPull *pull, char **some_tags)
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
fetch_document (PierRegistryPull *pull, const PierReference *ref, const char *reference_part,
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
resolve (PierRegistryPull *pull, const PierReference *ref, const char *host, GError **error)
{
  g_autofree char *content_type = NULL;
  g_autofree char *digest = NULL;
  g_autoptr (GBytes) body = NULL;

  pier_registry_pull_reset_source (pull);
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
gboolean
pier_registry_pull_resolve (PierRegistryPull *pull, GPtrArray *refs, GError **error)
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
