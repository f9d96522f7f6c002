/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading docker-archives and OCI layouts, and importing rootfs tarballs. */
#include "pier-image-archive.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-image-members-private.h"
#include "pier-pending-layer.h"
#include "pier-reference.h"

#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <sys/utsname.h>

gboolean
pier_archive_format_from_string (const char *text, PierArchiveFormat *format, GError **error)
{
  if (g_strcmp0 (text, "docker-archive") == 0)
    *format = PIER_ARCHIVE_DOCKER;
  else if (g_strcmp0 (text, "oci-archive") == 0)
    *format = PIER_ARCHIVE_OCI;
  else
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("unknown archive format “%s”: use docker-archive or oci-archive"), text);
      return FALSE;
    }
  return TRUE;
}

/* ---- turning members into images ---- */

typedef struct {
  PierImageConfig *config;
  char *config_digest;        /* the image id */
  PierDescriptor *manifest;   /* once stored */
  char *manifest_json;        /* to store (docker-archive) */
  GPtrArray *names;           /* normalised */
} LoadedImage;

static void
loaded_image_free (LoadedImage *li)
{
  pier_image_config_free (li->config);
  g_free (li->config_digest);
  pier_descriptor_free (li->manifest);
  g_free (li->manifest_json);
  g_ptr_array_unref (li->names);
  g_free (li);
}

typedef struct {
  PierStore *store;
  PierImageMembers members;
  GPtrArray *images;   /* LoadedImage */
  GPtrArray *to_commit; /* PierPendingBlob, not owned */
  GPtrArray *skipped;  /* lines for the report: what was not loaded, and why */
} Loader;

static void
need (Loader *l, PierPendingBlob *blob)
{
  if (!g_ptr_array_find (l->to_commit, blob, NULL))
    g_ptr_array_add (l->to_commit, blob);
}

/* A document's bytes, read back from where the member was written: the archive's members are
 * never held in memory, only the documents in use, one at a time. */
static GBytes *
read_document (PierPendingBlob *blob, const char *what, const char *name, GError **error)
{
  GBytes *bytes = pier_pending_blob_read_back (blob, PIER_OCI_MAX_DOCUMENT_SIZE, error);

  if (bytes == NULL)
    g_prefix_error (error, "%s (%s): ", what, name);
  return bytes;
}

/* The member @name, a document; @out_blob (may be NULL) gets the member. */
static GBytes *
need_document (Loader *l, const char *name, const char *what, PierPendingBlob **out_blob,
               GError **error)
{
  PierPendingBlob *blob = pier_image_members_lookup (&l->members, name);
  GBytes *bytes;

  if (blob == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the archive has no %s (%s)"), what, name);
      return NULL;
    }
  bytes = read_document (blob, what, name, error);
  if (bytes == NULL)
    return NULL;
  need (l, blob);
  if (out_blob != NULL)
    *out_blob = blob;
  return bytes;
}

static char *
devices_skipped (guint64 n)
{
  return g_strdup_printf ("left out %" G_GUINT64_FORMAT " device node%s: a rootless store cannot "
                          "make them (containers get a /dev of their own)", n, n == 1 ? "" : "s");
}

/* The layer member for diff_id @i of @config: unpacked, and matching. */
static PierPendingBlob *
need_layer (Loader *l, const char *name, const PierImageConfig *config, guint i, GError **error)
{
  PierPendingBlob *blob = pier_image_members_lookup (&l->members, name);

  if (blob == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("layer %u (%s) is missing from the archive"),
                   i + 1, name);
      return NULL;
    }
  if (blob->diff_id == NULL)
    {
      g_set_error (error, blob->unpack_error ? blob->unpack_error->domain : PIER_ERROR,
                   blob->unpack_error ? blob->unpack_error->code : PIER_ERROR_INVALID,
                   _("layer %u (%s): %s"), i + 1, name,
                   blob->unpack_error ? blob->unpack_error->message : "not a layer");
      return NULL;
    }
  if (i >= config->diff_ids->len || strcmp (config->diff_ids->pdata[i], blob->diff_id) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("layer %u (%s) does not match the image config: it unpacks to %s, the config "
                     "says %s"), i + 1, name, blob->diff_id,
                   i < config->diff_ids->len ? (char *) config->diff_ids->pdata[i] : "nothing");
      return NULL;
    }
  if (blob->n_devices_skipped > 0 && !g_ptr_array_find (l->to_commit, blob, NULL))
    {
      g_autofree char *what = devices_skipped (blob->n_devices_skipped);
      g_ptr_array_add (l->skipped, g_strdup_printf ("Skipped in layer %s: %s", blob->digest, what));
    }
  need (l, blob);
  return blob;
}

static PierImageConfig *
parse_config (GBytes *bytes, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  return pier_image_config_parse (data, len, error);
}

static gboolean
add_name (GPtrArray *names, const char *text, GError **error)
{
  g_autoptr (PierReference) ref = pier_reference_parse (text, error);

  if (ref == NULL)
    return FALSE;
  g_ptr_array_add (names, pier_reference_to_string (ref));
  return TRUE;
}

static gboolean
load_docker (Loader *l, GBytes *manifest_bytes, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (manifest_bytes, &len);
  json_error_t jerr;
  json_t *root = json_loadb (data, len, 0, &jerr);
  json_t *item;
  size_t i;
  gboolean ok = FALSE;

  if (!json_is_array (root))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("manifest.json is not a JSON list%s%s"),
                   root ? "" : ": ", root ? "" : jerr.text);
      goto out;
    }
  json_array_foreach (root, i, item)
    {
      const char *config_name = json_string_value (json_object_get (item, "Config"));
      json_t *layers = json_object_get (item, "Layers");
      json_t *tags = json_object_get (item, "RepoTags");
      g_autoptr (PierManifest) manifest = pier_manifest_new ();
      g_autoptr (GBytes) config_bytes = NULL;
      LoadedImage *li;
      PierPendingBlob *config_blob;
      json_t *v;
      size_t j;

      if (config_name == NULL || !json_is_array (layers))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("manifest.json entry %zu needs Config and Layers"), i);
          goto out;
        }
      config_bytes = need_document (l, config_name, "image config", &config_blob, error);
      if (config_bytes == NULL)
        goto out;
      li = g_new0 (LoadedImage, 1);
      li->names = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (l->images, li);
      li->config = parse_config (config_bytes, error);
      li->config_digest = g_strdup (config_blob->digest);
      if (li->config == NULL)
        {
          g_prefix_error (error, "%s: ", config_name);
          goto out;
        }
      if (json_array_size (layers) != li->config->diff_ids->len)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("manifest.json lists %zu layers but the image config %zu diff_ids"),
                       json_array_size (layers), (size_t) li->config->diff_ids->len);
          goto out;
        }
      manifest->config = pier_descriptor_new (PIER_MEDIA_OCI_CONFIG, config_blob->digest,
                                              config_blob->size);
      json_array_foreach (layers, j, v)
        {
          PierPendingBlob *layer = need_layer (l, json_string_value (v) ? json_string_value (v) : "",
                                               li->config, j, error);
          if (layer == NULL)
            goto out;
          g_ptr_array_add (manifest->layers, pier_pending_blob_layer_descriptor (layer));
        }
      li->manifest_json = pier_manifest_to_json (manifest, error);
      if (li->manifest_json == NULL)
        goto out;
      json_array_foreach (tags, j, v)
        if (json_is_string (v) && !add_name (li->names, json_string_value (v), error))
          goto out;
    }
  ok = TRUE;
out:
  json_decref (root);
  return ok;
}

static const char *
host_architecture (void)
{
  static struct utsname u;

  if (uname (&u) < 0)
    return "amd64";
  if (strcmp (u.machine, "x86_64") == 0)
    return "amd64";
  if (strcmp (u.machine, "aarch64") == 0)
    return "arm64";
  return u.machine;
}

static gboolean
is_index_type (const char *media_type)
{
  return g_strcmp0 (media_type, PIER_MEDIA_OCI_INDEX) == 0 ||
         g_strcmp0 (media_type, PIER_MEDIA_DOCKER_MANIFEST_LIST) == 0;
}

/* The member "blobs/sha256/<hex>" for @desc, which must hash to its digest and have its size
 * (a wrong size would be stored with the image, and every later size of it wrong). */
static PierPendingBlob *
need_blob (Loader *l, const PierDescriptor *desc, GError **error)
{
  const char *digest = desc->digest;
  g_autofree char *name = NULL;
  PierPendingBlob *blob;

  if (!pier_digest_validate (digest, error))
    return NULL;
  name = g_strconcat ("blobs/sha256/", pier_digest_hex (digest), NULL);
  blob = pier_image_members_lookup (&l->members, name);
  if (blob == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("the layout has no blob %s"), digest);
      return NULL;
    }
  if (strcmp (blob->digest, digest) != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s is corrupt: it hashes to %s"), name,
                   blob->digest);
      return NULL;
    }
  if ((guint64) desc->size != blob->size)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("the descriptor of %s gives its size as %" PRId64 " bytes, but it "
                     "has %" PRIu64), digest, desc->size, blob->size);
      return NULL;
    }
  return blob;
}

/* The blob for @digest, a document, not yet marked as needed; @out_blob (may be NULL) gets
 * the blob. */
static GBytes *
need_blob_document (Loader *l, const PierDescriptor *desc, const char *what, PierPendingBlob **out_blob,
                    GError **error)
{
  PierPendingBlob *blob = need_blob (l, desc, error);

  if (blob == NULL)
    return NULL;
  if (out_blob != NULL)
    *out_blob = blob;
  return read_document (blob, what, desc->digest, error);
}

static gboolean
is_image_config_type (const char *media_type)
{
  return media_type == NULL || strcmp (media_type, PIER_MEDIA_OCI_CONFIG) == 0
         || strcmp (media_type, PIER_MEDIA_DOCKER_CONFIG) == 0;
}

/* Tar layers, compressed or not, distributable or not. */
static gboolean
is_layer_type (const char *media_type)
{
  return media_type == NULL || g_str_has_prefix (media_type, "application/vnd.oci.image.layer.")
         || g_str_has_prefix (media_type, "application/vnd.docker.image.rootfs.");
}

/* Why the index entry @desc is no image, in a few words, from what the index says of it; NULL
 * when it may be one. */
static char *
not_an_image_by_entry (const PierDescriptor *desc)
{
  /* BuildKit's attestations (SBOMs, provenance) beside each image. */
  const char *reference_type = pier_descriptor_get_annotation (desc, "vnd.docker.reference.type");
  const char *reference = pier_descriptor_get_annotation (desc, "vnd.docker.reference.digest");

  if (reference_type != NULL)
    return g_strdup_printf ("%s for %s", reference_type,
                            reference != NULL ? reference : "another manifest");
  if (desc->media_type != NULL && strcmp (desc->media_type, PIER_MEDIA_OCI_MANIFEST) != 0
      && strcmp (desc->media_type, PIER_MEDIA_DOCKER_MANIFEST) != 0)
    return g_strdup_printf ("of media type %s", desc->media_type);
  return NULL;
}

/* The same from the manifest itself: signatures, SBOMs, Helm charts and other artifacts carry
 * a config or layers of their own kinds. */
static char *
not_an_image_by_content (const PierManifest *manifest)
{
  const char *config_type = manifest->config->media_type;
  const char *content_type = NULL;

  for (guint i = 0; i < manifest->layers->len && content_type == NULL; i++)
    {
      const PierDescriptor *layer = manifest->layers->pdata[i];
      if (!is_layer_type (layer->media_type))
        content_type = layer->media_type;
    }
  if (is_image_config_type (config_type) && content_type == NULL)
    return NULL;
  if (content_type == NULL && manifest->layers->len > 0)
    content_type = ((const PierDescriptor *) manifest->layers->pdata[0])->media_type;
  return g_strdup_printf ("an artifact (config of type %s, content of type %s)",
                          config_type != NULL ? config_type : "unknown",
                          content_type != NULL ? content_type : "none");
}

static void
skip (Loader *l, const char *digest, const char *why)
{
  g_ptr_array_add (l->skipped, g_strdup_printf ("Skipped %s: %s, not an image", digest, why));
}

static gboolean
load_oci_manifest (Loader *l, const PierDescriptor *desc, const char *name, GError **error)
{
  PierPendingBlob *blob = NULL;
  g_autoptr (GBytes) bytes = need_blob_document (l, desc, "manifest", &blob, error);
  g_autoptr (GBytes) config_bytes = NULL;
  g_autoptr (PierManifest) manifest = NULL;
  g_autofree char *why = NULL;
  PierPendingBlob *config_blob = NULL;
  LoadedImage *li;
  gsize len;
  const char *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  manifest = pier_manifest_parse (data, len, error);
  if (manifest == NULL)
    return FALSE;
  if ((why = not_an_image_by_content (manifest)) != NULL)
    {
      skip (l, desc->digest, why);
      return TRUE;
    }
  need (l, blob);
  config_bytes = need_blob_document (l, manifest->config, "image config", &config_blob,
                                     error);
  if (config_bytes == NULL)
    return FALSE;
  need (l, config_blob);
  li = g_new0 (LoadedImage, 1);
  li->names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (l->images, li);
  li->config = parse_config (config_bytes, error);
  li->config_digest = g_strdup (config_blob->digest);
  if (li->config == NULL)
    return FALSE;
  if (li->config->diff_ids->len != manifest->layers->len)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("manifest %s has %u layers but its config %u diff_ids"), desc->digest,
                   manifest->layers->len, li->config->diff_ids->len);
      return FALSE;
    }
  for (guint i = 0; i < manifest->layers->len; i++)
    {
      PierDescriptor *layer = manifest->layers->pdata[i];
      g_autofree char *member = NULL;
      if (need_blob (l, layer, error) == NULL)
        return FALSE;
      member = g_strconcat ("blobs/sha256/", pier_digest_hex (layer->digest), NULL);
      if (need_layer (l, member, li->config, i, error) == NULL)
        return FALSE;
    }
  li->manifest = pier_descriptor_new (manifest->media_type, desc->digest, blob->size);
  if (name != NULL && !add_name (li->names, name, error))
    {
      g_prefix_error (error, _("the layout's name for %s: "), desc->digest);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_oci_index (Loader *l, const PierIndex *index, const char *inherited_name, int depth,
                GError **error)
{
  const char *arch = host_architecture ();

  for (guint i = 0; i < index->manifests->len; i++)
    {
      PierDescriptor *desc = index->manifests->pdata[i];
      const char *name = pier_descriptor_get_annotation (desc, PIER_ANNOTATION_REF_NAME);
      g_autofree char *why = NULL;

      if (name == NULL)
        name = inherited_name;
      if (is_index_type (desc->media_type))
        {
          g_autoptr (GBytes) bytes = need_blob_document (l, desc, "index", NULL, error);
          g_autoptr (PierIndex) nested = NULL;
          gsize len;
          const char *data;
          if (bytes == NULL)
            return FALSE;
          if (depth > 4)
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("indexes nest too deeply"));
              return FALSE;
            }
          data = g_bytes_get_data (bytes, &len);
          nested = pier_index_parse (data, len, error);
          if (nested == NULL || !load_oci_index (l, nested, name, depth + 1, error))
            {
              g_prefix_error (error, _("index %s: "), desc->digest);
              return FALSE;
            }
          continue;
        }
      if ((why = not_an_image_by_entry (desc)) != NULL)
        {
          skip (l, desc->digest, why);
          continue;
        }
      /* From an index of platforms, the image for this machine. */
      if (desc->platform_architecture != NULL &&
          (strcmp (desc->platform_architecture, arch) != 0 || g_strcmp0 (desc->platform_os, "linux") != 0))
        continue;
      if (!load_oci_manifest (l, desc, name, error))
        {
          g_prefix_error (error, _("manifest %s%s%s: "), desc->digest, name ? " of " : "",
                          name ? name : "");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_oci (Loader *l, GBytes *index_bytes, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (index_bytes, &len);
  g_autoptr (PierIndex) index = pier_index_parse (data, len, error);

  if (index == NULL)
    return FALSE;
  if (!load_oci_index (l, index, NULL, 0, error))
    return FALSE;
  if (l->images->len == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("the layout has no image for linux/%s%s"), host_architecture (),
                   l->skipped->len > 0 ? " (only artifacts that are not images)" : "");
      return FALSE;
    }
  return TRUE;
}

/* Everything checked: the blobs, layers and names enter the store, under one lock. */
static GPtrArray *
commit (Loader *l, GError **error)
{
  g_autoptr (PierLock) lock = pier_store_lock (l->store, NULL, error);
  g_autoptr (PierIndex) index = NULL;
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);

  if (lock == NULL)
    return NULL;
  for (guint i = 0; i < l->skipped->len; i++)
    g_ptr_array_add (report, g_strdup (l->skipped->pdata[i]));
  for (guint i = 0; i < l->to_commit->len; i++)
    {
      PierPendingBlob *blob = l->to_commit->pdata[i];
      if (!pier_pending_blob_commit (l->store, blob, error))
        return NULL;
    }
  index = pier_store_read_index (l->store, error);
  if (index == NULL)
    return NULL;
  for (guint i = 0; i < l->images->len; i++)
    {
      LoadedImage *li = l->images->pdata[i];
      if (li->manifest == NULL)
        {
          li->manifest = pier_store_put_json (l->store, PIER_MEDIA_OCI_MANIFEST, li->manifest_json,
                                              error);
          if (li->manifest == NULL)
            return NULL;
        }
      g_ptr_array_add (li->names, NULL);
      pier_index_set_names (index, li->manifest, (const char *const *) li->names->pdata);
      g_ptr_array_remove_index (li->names, li->names->len - 1);
      for (guint n = 0; n < li->names->len; n++)
        {
          g_autofree char *familiar = pier_reference_familiar (li->names->pdata[n]);
          g_ptr_array_add (report, g_strdup_printf ("Loaded image: %s", familiar));
        }
      if (li->names->len == 0)
        g_ptr_array_add (report, g_strdup_printf ("Loaded image ID: %s", li->config_digest));
    }
  if (!pier_store_write_index (l->store, index, error))
    return NULL;
  for (guint i = 0; i < l->images->len; i++)
    {
      LoadedImage *li = l->images->pdata[i];
      pier_events_append (pier_store_get_root (l->store), "image", "load", li->config_digest,
                          li->names->len ? li->names->pdata[0] : NULL, 0);
    }
  return g_steal_pointer (&report);
}

static GPtrArray *
load_members (PierStore *store, PierImageMembers *members, GError **error)
{
  Loader l = { store, *members, g_ptr_array_new_with_free_func ((GDestroyNotify) loaded_image_free),
               g_ptr_array_new (), g_ptr_array_new_with_free_func (g_free) };
  PierPendingBlob *docker_manifest = pier_image_members_lookup (members, "manifest.json");
  PierPendingBlob *oci_index = pier_image_members_lookup (members, "index.json");
  g_autoptr (GBytes) document = NULL;
  GPtrArray *report = NULL;
  gboolean ok;

  if (docker_manifest != NULL)
    ok = (document = read_document (docker_manifest, "the image list", "manifest.json", error))
         != NULL && load_docker (&l, document, error);
  else if (oci_index != NULL)
    ok = (document = read_document (oci_index, "the image index", "index.json", error)) != NULL
         && load_oci (&l, document, error);
  else
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("not an image archive: it has neither manifest.json (docker-archive) nor "
                     "index.json (OCI layout)"));
      ok = FALSE;
    }
  if (ok)
    report = commit (&l, error);
  g_ptr_array_unref (l.images);
  g_ptr_array_unref (l.to_commit);
  g_ptr_array_unref (l.skipped);
  return report;
}

GPtrArray *
pier_store_load_archive (PierStore *store, PierReadFunc read, gpointer read_data,
                         GCancellable *cancellable, GError **error)
{
  PierImageMembers members;
  GPtrArray *report = NULL;

  pier_image_members_init (&members);
  if (pier_image_members_collect_archive (store, read, read_data, &members, cancellable, error))
    report = load_members (store, &members, error);
  pier_image_members_clear (&members);
  return report;
}

GPtrArray *
pier_store_load_layout_dir (PierStore *store, const char *path, GCancellable *cancellable,
                            GError **error)
{
  PierImageMembers members;
  GPtrArray *report = NULL;
  pier_autofd int fd = pier_fs_open_dir_at (AT_FDCWD, path, error);

  if (fd < 0)
    return NULL;
  pier_image_members_init (&members);
  if (pier_image_members_collect_dir (store, fd, "", &members, 0, cancellable, error))
    report = load_members (store, &members, error);
  pier_image_members_clear (&members);
  return report;
}

/* ---- import ---- */

PierImage *
pier_store_import_rootfs (PierStore *store, PierReadFunc read, gpointer read_data,
                          const char *name, const char *source_description, char ***warnings,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr (PierPendingBlob) blob = NULL;
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  g_autoptr (GPtrArray) layers = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  g_autoptr (PierLock) lock = NULL;
  g_autofree char *full_name = NULL;
  PierHistoryEntry *history;

  if (name != NULL)
    {
      g_autoptr (PierReference) ref = pier_reference_parse (name, error);
      if (ref == NULL)
        return NULL;
      full_name = pier_reference_to_string (ref);
    }
  blob = pier_pending_blob_read (store, read, read_data, cancellable, error);
  if (blob == NULL)
    return NULL;
  if (blob->diff_id == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&blob->unpack_error),
                                  _("cannot import %s: "), source_description);
      return NULL;
    }
  config->created = pier_oci_timestamp_now ();
  g_free (config->architecture);
  config->architecture = g_strdup (host_architecture ());
  g_ptr_array_add (config->diff_ids, g_strdup (blob->diff_id));
  history = g_new0 (PierHistoryEntry, 1);
  history->created = g_strdup (config->created);
  history->comment = g_strdup_printf ("Imported from %s", source_description);
  g_ptr_array_add (config->history, history);
  g_ptr_array_add (layers, pier_pending_blob_layer_descriptor (blob));
  lock = pier_store_lock (store, cancellable, error);
  if (lock == NULL || !pier_pending_blob_commit (store, blob, error))
    return NULL;
  if (warnings != NULL)
    {
      g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
      if (blob->n_devices_skipped > 0)
        g_ptr_array_add (list, devices_skipped (blob->n_devices_skipped));
      g_ptr_array_add (list, NULL);
      *warnings = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
    }
  return pier_store_add_image (store, config, layers, (const char *const[]){ full_name, NULL },
                               TRUE, error);
}
