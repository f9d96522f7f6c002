/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-image-store.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-reference.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

void
pier_image_free (PierImage *image)
{
  if (image == NULL)
    return;
  g_free (image->id);
  g_free (image->manifest_digest);
  g_ptr_array_unref (image->names);
  pier_manifest_free (image->manifest);
  pier_image_config_free (image->config);
  g_free (image->broken);
  g_free (image);
}

gint64
pier_image_get_created (const PierImage *image)
{
  return image->config ? pier_oci_timestamp_to_unix (image->config->created) : 0;
}

guint64
pier_image_get_size (PierStore *store, const PierImage *image)
{
  guint64 total = 0;

  for (guint i = 0; i < image->manifest->layers->len; i++)
    {
      PierDescriptor *layer = image->manifest->layers->pdata[i];
      gint64 size = i < image->config->diff_ids->len
                        ? pier_store_get_layer_size (store, image->config->diff_ids->pdata[i])
                        : -1;
      total += size >= 0 ? (guint64) size : (guint64) layer->size;
    }
  return total;
}

static const char *
entry_name (const PierDescriptor *entry)
{
  return pier_descriptor_get_annotation (entry, PIER_ANNOTATION_REF_NAME);
}

static PierImage *
load_image (PierStore *store, const char *manifest_digest, GError **error)
{
  g_autoptr (PierImage) image = g_new0 (PierImage, 1);

  image->manifest_digest = g_strdup (manifest_digest);
  image->names = g_ptr_array_new_with_free_func (g_free);
  image->manifest = pier_store_read_manifest (store, manifest_digest, error);
  if (image->manifest == NULL)
    return NULL;
  image->config = pier_store_read_config (store, image->manifest->config->digest, error);
  if (image->config == NULL)
    return NULL;
  image->id = g_strdup (image->manifest->config->digest);
  image->config_size = image->manifest->config->size;
  return g_steal_pointer (&image);
}

/* An image that does not load, as far as it can be known: its id is its config's digest when
 * the manifest reads, else the manifest's own. */
static PierImage *
broken_image (PierStore *store, const char *manifest_digest, const GError *why)
{
  PierImage *image = g_new0 (PierImage, 1);

  image->manifest_digest = g_strdup (manifest_digest);
  image->names = g_ptr_array_new_with_free_func (g_free);
  image->broken = g_strdup (why->message);
  image->manifest = pier_store_read_manifest (store, manifest_digest, NULL);
  image->id = g_strdup (image->manifest ? image->manifest->config->digest : manifest_digest);
  return image;
}

static int
compare_created_desc (gconstpointer a, gconstpointer b)
{
  const PierImage *ia = *(PierImage **) a;
  const PierImage *ib = *(PierImage **) b;
  gint64 ca = pier_image_get_created (ia), cb = pier_image_get_created (ib);

  if (ca != cb)
    return ca < cb ? 1 : -1;
  return strcmp (ia->id, ib->id);
}

static void
sort_images (GPtrArray *images)
{
  for (guint i = 0; i < images->len; i++)
    g_ptr_array_sort (((PierImage *) images->pdata[i])->names, pier_compare_strings);
  g_ptr_array_sort (images, compare_created_desc);
}

GPtrArray *
pier_store_list_images_full (PierStore *store, GPtrArray **broken, GError **error)
{
  g_autoptr (PierIndex) index = pier_store_read_index (store, error);
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_image_free);
  g_autoptr (GPtrArray) unreadable =
      g_ptr_array_new_with_free_func ((GDestroyNotify) pier_image_free);
  g_autoptr (GHashTable) by_manifest = g_hash_table_new (g_str_hash, g_str_equal);

  if (index == NULL)
    return NULL;
  for (guint i = 0; i < index->manifests->len; i++)
    {
      PierDescriptor *entry = index->manifests->pdata[i];
      PierImage *image = g_hash_table_lookup (by_manifest, entry->digest);

      if (image == NULL)
        {
          g_autoptr (GError) local_error = NULL;
          image = load_image (store, entry->digest, &local_error);
          if (image != NULL)
            g_ptr_array_add (images, image);
          else
            g_ptr_array_add (unreadable, image = broken_image (store, entry->digest, local_error));
          g_hash_table_insert (by_manifest, image->manifest_digest, image);
        }
      if (entry_name (entry) != NULL)
        g_ptr_array_add (image->names, g_strdup (entry_name (entry)));
    }
  sort_images (images);
  if (broken != NULL)
    {
      sort_images (unreadable);
      *broken = g_steal_pointer (&unreadable);
    }
  return g_steal_pointer (&images);
}

GPtrArray *
pier_store_list_images (PierStore *store, GError **error)
{
  return pier_store_list_images_full (store, NULL, error);
}

/* The index in @images of the one @name_or_id names (@ref: it parsed as a name), or -1; -1 with
 * @error set when an id prefix is ambiguous. */
static int
find_among (GPtrArray *images, const char *name_or_id, const PierReference *ref, GError **error)
{
  const char *id_text = name_or_id;
  int found = -1;

  if (g_str_has_prefix (id_text, PIER_DIGEST_PREFIX))
    id_text += strlen (PIER_DIGEST_PREFIX);
  if (ref != NULL)
    {
      g_autofree char *full = pier_reference_to_string (ref);
      for (guint i = 0; i < images->len && found < 0; i++)
        {
          PierImage *image = images->pdata[i];
          /* name@digest: the manifest's digest, or a name recorded with the digest of the
           * index it was pulled through. */
          if (ref->digest != NULL && ref->tag == NULL && strcmp (image->manifest_digest, ref->digest) == 0)
            found = i;
          for (guint n = 0; n < image->names->len; n++)
            if (strcmp (image->names->pdata[n], full) == 0)
              found = i;
        }
      if (found >= 0)
        return found;
    }
  if (!pier_reference_looks_like_id (name_or_id))
    return -1;
  for (guint i = 0; i < images->len; i++)
    {
      PierImage *image = images->pdata[i];
      if (!g_str_has_prefix (pier_digest_hex (image->id), id_text))
        continue;
      if (found >= 0 && strcmp (((PierImage *) images->pdata[found])->id, image->id) != 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("“%s” is ambiguous: several images have ids starting with it; give more of the id"),
                       name_or_id);
          return -1;
        }
      found = i;
    }
  return found;
}

static PierImage *
find_image (PierStore *store, const char *name_or_id, gboolean even_broken, GError **error)
{
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (GPtrArray) images = pier_store_list_images_full (store, &broken, error);
  g_autoptr (PierReference) ref = NULL;
  const char *id_text = name_or_id;
  GError *ambiguous = NULL;
  int found;

  if (images == NULL)
    return NULL;
  if (g_str_has_prefix (id_text, PIER_DIGEST_PREFIX))
    id_text += strlen (PIER_DIGEST_PREFIX);
  /* A full id is an id; anything else is a name first, as Docker resolves them. */
  if (strlen (id_text) != PIER_DIGEST_HEX_LEN || !pier_reference_looks_like_id (name_or_id))
    ref = pier_reference_parse (name_or_id, NULL);
  found = find_among (images, name_or_id, ref, &ambiguous);
  if (found >= 0)
    {
      PierImage *image = g_ptr_array_steal_index (images, found);
      g_debug ("image %s in the store: %s (manifest %s)", name_or_id, image->id,
               image->manifest_digest);
      return image;
    }
  if (ambiguous == NULL && (found = find_among (broken, name_or_id, ref, &ambiguous)) >= 0)
    {
      PierImage *image = broken->pdata[found];
      if (even_broken)
        return g_ptr_array_steal_index (broken, found);
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("image %s cannot be read: %s. Remove it (rmi -f %s), then pull, load or build "
                     "it again"), name_or_id, image->broken, name_or_id);
      return NULL;
    }
  if (ambiguous != NULL)
    {
      g_propagate_error (error, ambiguous);
      return NULL;
    }
  if (ref == NULL && !pier_reference_looks_like_id (name_or_id))
    {
      /* Say why the name is not a name. */
      g_autoptr (PierReference) bad = pier_reference_parse (name_or_id, error);
      return NULL;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("no such image: %s"), name_or_id);
  return NULL;
}

PierImage *
pier_store_find_image (PierStore *store, const char *name_or_id, GError **error)
{
  return find_image (store, name_or_id, FALSE, error);
}

/* ---- index edits ---- */

static gboolean
manifest_has_other_entries (PierIndex *index, const char *digest, guint except)
{
  for (guint i = 0; i < index->manifests->len; i++)
    if (i != except && strcmp (((PierDescriptor *) index->manifests->pdata[i])->digest, digest) == 0)
      return TRUE;
  return FALSE;
}

/* Removes @name from the index; an image losing its last name stays as a dangling entry. */
static void
index_remove_name (PierIndex *index, const char *name)
{
  for (guint i = 0; i < index->manifests->len; i++)
    {
      PierDescriptor *entry = index->manifests->pdata[i];
      if (entry_name (entry) == NULL || strcmp (entry_name (entry), name) != 0)
        continue;
      if (manifest_has_other_entries (index, entry->digest, i))
        g_ptr_array_remove_index (index->manifests, i);
      else
        pier_descriptor_set_annotation (entry, PIER_ANNOTATION_REF_NAME, NULL);
      return;
    }
}

void
pier_index_set_names (PierIndex *index, const PierDescriptor *manifest, const char *const *names)
{
  gboolean present = FALSE;

  for (const char *const *n = names; n && *n; n++)
    index_remove_name (index, *n);
  for (guint i = 0; i < index->manifests->len; i++)
    if (strcmp (((PierDescriptor *) index->manifests->pdata[i])->digest, manifest->digest) == 0)
      present = TRUE;
  for (const char *const *n = names; n && *n; n++)
    {
      PierDescriptor *dangling = NULL;
      for (guint i = 0; i < index->manifests->len; i++)
        {
          PierDescriptor *entry = index->manifests->pdata[i];
          if (strcmp (entry->digest, manifest->digest) == 0 && entry_name (entry) == NULL)
            dangling = entry;
        }
      if (dangling == NULL)
        {
          dangling = pier_descriptor_copy (manifest);
          g_clear_pointer (&dangling->annotations, g_hash_table_unref);
          g_ptr_array_add (index->manifests, dangling);
        }
      pier_descriptor_set_annotation (dangling, PIER_ANNOTATION_REF_NAME, *n);
      present = TRUE;
    }
  if (!present)
    {
      PierDescriptor *entry = pier_descriptor_copy (manifest);
      g_clear_pointer (&entry->annotations, g_hash_table_unref);
      g_ptr_array_add (index->manifests, entry);
    }
}

static void
index_remove_manifest (PierIndex *index, const char *digest)
{
  for (guint i = index->manifests->len; i > 0; i--)
    if (strcmp (((PierDescriptor *) index->manifests->pdata[i - 1])->digest, digest) == 0)
      g_ptr_array_remove_index (index->manifests, i - 1);
}

gboolean
pier_store_tag_image (PierStore *store, const char *source, const char *target, GError **error)
{
  g_autoptr (PierImage) image = pier_store_find_image (store, source, error);
  g_autoptr (PierReference) ref = NULL;
  g_autoptr (PierLock) lock = NULL;
  g_autoptr (PierIndex) index = NULL;
  g_autoptr (PierDescriptor) desc = NULL;
  g_autofree char *name = NULL;

  if (image == NULL)
    return FALSE;
  ref = pier_reference_parse (target, error);
  if (ref == NULL)
    return FALSE;
  if (ref->digest != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("cannot tag with a digest (“%s”): digests name content, give a tag"), target);
      return FALSE;
    }
  name = pier_reference_to_string (ref);
  lock = pier_store_lock (store, NULL, error);
  if (lock == NULL)
    return FALSE;
  index = pier_store_read_index (store, error);
  if (index == NULL)
    return FALSE;
  desc = pier_descriptor_new (image->manifest->media_type, image->manifest_digest,
                              pier_blob_store_get_size (pier_store_get_blobs (store),
                                                        image->manifest_digest));
  pier_index_set_names (index, desc, (const char *const[]){ name, NULL });
  if (!pier_store_write_index (store, index, error))
    return FALSE;
  pier_events_append (pier_store_get_root (store), "image", "tag", image->id, name, 0);
  return TRUE;
}

/* ---- removal ---- */

void
pier_remove_report_free (PierRemoveReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->untagged);
  g_ptr_array_unref (report->deleted);
  g_free (report);
}

GHashTable *
pier_store_images_in_use (PierStore *store)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  pier_autofd int fd = openat (pier_store_get_root_fd (store), "containers",
                               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir;
  struct dirent *de;

  if (fd < 0)
    return ids;
  dir = fdopendir (fd);
  if (dir == NULL)
    return ids;
  fd = -1;
  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *path = g_strconcat (de->d_name, "/image", NULL);
      g_autofree char *id = NULL;
      if (de->d_name[0] == '.')
        continue;
      if (pier_fs_read_all_at (dirfd (dir), path, 128, &id, NULL, NULL))
        g_hash_table_add (ids, g_strdup (g_strstrip (id)));
    }
  closedir (dir);
  return ids;
}

PierRemoveReport *
pier_store_remove_image (PierStore *store, const char *name_or_id, gboolean force,
                         GError **error)
{
  g_autoptr (PierRemoveReport) report = g_new0 (PierRemoveReport, 1);
  g_autoptr (PierLock) lock = pier_store_lock (store, NULL, error);
  g_autoptr (PierImage) image = NULL;
  g_autoptr (PierIndex) index = NULL;
  g_autoptr (PierReference) ref = NULL;
  g_autoptr (GHashTable) in_use = NULL;
  g_autoptr (GPtrArray) garbage = NULL;
  g_autofree char *by_name = NULL;
  gboolean delete_image;

  report->untagged = g_ptr_array_new_with_free_func (g_free);
  report->deleted = g_ptr_array_new_with_free_func (g_free);
  if (lock == NULL)
    return NULL;
  image = find_image (store, name_or_id, TRUE, error);
  if (image == NULL)
    return NULL;
  index = pier_store_read_index (store, error);
  if (index == NULL)
    return NULL;
  ref = pier_reference_looks_like_id (name_or_id) ? NULL : pier_reference_parse (name_or_id, NULL);
  if (ref != NULL)
    {
      g_autofree char *full = pier_reference_to_string (ref);
      for (guint i = 0; i < image->names->len && by_name == NULL; i++)
        if (strcmp (image->names->pdata[i], full) == 0)
          by_name = g_steal_pointer (&full);
    }
  in_use = pier_store_images_in_use (store);

  if (by_name != NULL && image->names->len > 1)
    {
      /* One name of several: only that name goes. */
      index_remove_name (index, by_name);
      g_ptr_array_add (report->untagged, pier_reference_familiar (by_name));
      delete_image = FALSE;
    }
  else
    {
      if (by_name == NULL && image->names->len > 1 && !force)
        {
          g_autofree char *short_id = pier_digest_short (image->id);
          g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE,
                       _("image %s has %u names; remove them one by one or use --force"),
                       short_id, image->names->len);
          return NULL;
        }
      if (g_hash_table_contains (in_use, image->id) && !force)
        {
          g_autofree char *short_id = pier_digest_short (image->id);
          g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE,
                       _("image %s is used by a container; remove the container first, or use "
                         "--force to remove only its names"), short_id);
          return NULL;
        }
      for (guint i = 0; i < image->names->len; i++)
        {
          index_remove_name (index, image->names->pdata[i]);
          g_ptr_array_add (report->untagged, pier_reference_familiar (image->names->pdata[i]));
        }
      delete_image = !g_hash_table_contains (in_use, image->id);
      if (delete_image)
        index_remove_manifest (index, image->manifest_digest);
    }
  if (!pier_store_write_index (store, index, error))
    return NULL;
  for (guint i = 0; i < report->untagged->len; i++)
    pier_events_append (pier_store_get_root (store), "image", "untag", image->id,
                        report->untagged->pdata[i], 0);
  if (!delete_image)
    return g_steal_pointer (&report);
  pier_events_append (pier_store_get_root (store), "image", "delete", image->id, NULL, 0);
  g_ptr_array_add (report->deleted, g_strdup (image->id));
  garbage = pier_store_collect_garbage (store, error);
  if (garbage == NULL)
    return NULL;
  /* An uncompressed layer's blob and its unpacked tree share one digest: said once. */
  for (guint i = 0; i < garbage->len; i++)
    if (!g_ptr_array_find_with_equal_func (report->deleted, garbage->pdata[i], g_str_equal, NULL))
      g_ptr_array_add (report->deleted, g_strdup (garbage->pdata[i]));
  return g_steal_pointer (&report);
}

/* ---- adding ---- */

PierImage *
pier_store_add_image (PierStore *store, const PierImageConfig *config,
                      GPtrArray *layer_descriptors, const char *const *names, gboolean locked,
                      GError **error)
{
  g_autofree char *config_json = NULL;
  g_autoptr (PierDescriptor) config_desc = NULL;
  g_autoptr (PierManifest) manifest = pier_manifest_new ();
  g_autofree char *manifest_json = NULL;
  g_autoptr (PierDescriptor) manifest_desc = NULL;
  g_autoptr (PierLock) lock = NULL;
  g_autoptr (PierIndex) index = NULL;
  g_autoptr (PierImage) image = NULL;

  config_json = pier_image_config_to_json (config, error);
  if (config_json == NULL)
    return NULL;
  config_desc = pier_store_put_json (store, PIER_MEDIA_OCI_CONFIG, config_json, error);
  if (config_desc == NULL)
    return NULL;
  manifest->config = g_steal_pointer (&config_desc);
  for (guint i = 0; i < layer_descriptors->len; i++)
    g_ptr_array_add (manifest->layers, pier_descriptor_copy (layer_descriptors->pdata[i]));
  manifest_json = pier_manifest_to_json (manifest, error);
  if (manifest_json == NULL)
    return NULL;
  manifest_desc = pier_store_put_json (store, PIER_MEDIA_OCI_MANIFEST, manifest_json, error);
  if (manifest_desc == NULL)
    return NULL;
  /* Read back before any name points at it: an image the index reaches is one every reader
   * can load. */
  image = load_image (store, manifest_desc->digest, error);
  if (image == NULL)
    return NULL;
  if (!locked && (lock = pier_store_lock (store, NULL, error)) == NULL)
    return NULL;
  index = pier_store_read_index (store, error);
  if (index == NULL)
    return NULL;
  pier_index_set_names (index, manifest_desc, names);
  if (!pier_store_write_index (store, index, error))
    return NULL;
  for (const char *const *n = names; n && *n; n++)
    {
      g_ptr_array_add (image->names, g_strdup (*n));
      pier_events_append (pier_store_get_root (store), "image", n == names ? "create" : "tag",
                          image->id, *n, 0);
    }
  if (names == NULL || names[0] == NULL)
    pier_events_append (pier_store_get_root (store), "image", "create", image->id, NULL, 0);
  return g_steal_pointer (&image);
}
