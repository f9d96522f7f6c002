/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: images, as /images/json, /images/NAME/json and /history give them; an
 * image's layers from its RootFS.Layers, and its history read back as a Dockerfile. */
#include "pier-docker-engine-private.h"

#include "pier-error.h"
#include "pier-history.h"
#include "pier-i18n.h"
#include "pier-reference.h"

#include <string.h>

static char **
normalized_names (json_t *repo_tags)
{
  GPtrArray *names = g_ptr_array_new ();
  json_t *item;
  size_t i;

  json_array_foreach (repo_tags, i, item)
    {
      const char *tag = json_string_value (item);
      if (tag != NULL && strcmp (tag, "<none>:<none>") != 0)
        g_ptr_array_add (names, pier_docker_normalize_name (tag));
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

static char *
first_digest (json_t *repo_digests)
{
  const char *first = json_string_value (json_array_get (repo_digests, 0));
  const char *at = first != NULL ? strchr (first, '@') : NULL;

  return at != NULL ? g_strdup (at + 1) : NULL;
}

/* Image id → containers made from it. */
static GHashTable *
containers_by_image (PierDockerEngine *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (json_t) list = pier_docker_client_json (self->client, "GET",
                                                     "/containers/json?all=1", NULL,
                                                     cancellable, error);
  GHashTable *counts;
  json_t *c;
  size_t i;

  if (list == NULL || !pier_docker_expect (self, list, JSON_ARRAY, _("a container list"), error))
    return NULL;
  counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  json_array_foreach (list, i, c)
    {
      g_autofree char *id = pier_docker_image_id (pier_docker_str (c, "ImageID"));
      if (id != NULL)
        g_hash_table_insert (counts, g_strdup (id),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, id)) + 1));
    }
  return counts;
}

static GPtrArray *
docker_list_images (PierEngine *engine, GPtrArray **broken, GCancellable *cancellable,
                    GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (json_t) list = pier_docker_client_json (self->client, "GET", "/images/json", NULL,
                                                     cancellable, error);
  g_autoptr (GHashTable) used = NULL;
  GPtrArray *images;
  json_t *item;
  size_t i;

  if (list == NULL || !pier_docker_expect (self, list, JSON_ARRAY, _("an image list"), error))
    return NULL;
  if ((used = containers_by_image (self, cancellable, error)) == NULL)
    return NULL;
  images = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_image_info_free);
  json_array_foreach (list, i, item)
    {
      PierImageInfo *info;
      if (pier_docker_str (item, "Id") == NULL)
        continue;
      info = g_new0 (PierImageInfo, 1);
      info->id = pier_docker_image_id (pier_docker_str (item, "Id"));
      info->digest = first_digest (json_object_get (item, "RepoDigests"));
      info->names = normalized_names (json_object_get (item, "RepoTags"));
      info->created = pier_docker_int (item, "Created");
      info->size = MAX (pier_docker_int (item, "Size"), 0);
      info->n_containers = GPOINTER_TO_UINT (g_hash_table_lookup (used, info->id));
      g_ptr_array_add (images, info);
    }
  if (broken != NULL)
    *broken = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_image_info_free);
  return images;
}

static json_t *
inspect (PierDockerEngine *self, const char *image, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = pier_docker_path ("/images/", image, "/json");
  json_t *json = pier_docker_client_json (self->client, "GET", path, NULL, cancellable, error);

  if (json != NULL && !pier_docker_expect (self, json, JSON_OBJECT, _("an image"), error))
    g_clear_pointer (&json, json_decref);
  return json;
}

static PierImageInfo *
docker_get_image (PierEngine *engine, const char *image, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (json_t) json = inspect (PIER_DOCKER_ENGINE (engine), image, cancellable, error);
  g_autoptr (GHashTable) used = NULL;
  PierImageInfo *info;

  if (json == NULL ||
      (used = containers_by_image (PIER_DOCKER_ENGINE (engine), cancellable, error)) == NULL)
    return NULL;
  info = g_new0 (PierImageInfo, 1);
  info->id = pier_docker_image_id (pier_docker_str (json, "Id"));
  info->digest = first_digest (json_object_get (json, "RepoDigests"));
  info->names = normalized_names (json_object_get (json, "RepoTags"));
  info->created_text = g_strdup (pier_docker_str (json, "Created"));
  info->created = pier_docker_time_usec (info->created_text) / G_USEC_PER_SEC;
  info->size = MAX (pier_docker_int (json, "Size"), 0);
  info->n_containers = info->id != NULL
                           ? GPOINTER_TO_UINT (g_hash_table_lookup (used, info->id)) : 0;
  return info;
}

static char *
docker_inspect_image (PierEngine *engine, const char *image, GCancellable *cancellable,
                      GError **error)
{
  g_autoptr (json_t) json = inspect (PIER_DOCKER_ENGINE (engine), image, cancellable, error);
  g_autofree char *text = NULL;

  if (json == NULL)
    return NULL;
  text = json_dumps (json, JSON_INDENT (4) | JSON_PRESERVE_ORDER);
  return g_strdup (text);
}

static gboolean
docker_tag_image (PierEngine *engine, const char *source, const char *target,
                  GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *query = pier_docker_repo_tag_query (target, error);
  g_autofree char *image = NULL, *path = NULL;
  PierDockerRequest request = { .method = "POST", .body_fd = -1 };

  if (query == NULL)
    return FALSE;
  image = pier_docker_escape (source);
  path = g_strdup_printf ("/images/%s/tag?%s", image, query);
  request.path = path;
  return pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
}

static PierImageRemoval *
docker_remove_image (PierEngine *engine, const char *image, gboolean force,
                     GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *escaped = pier_docker_escape (image);
  g_autofree char *path = g_strdup_printf ("/images/%s?force=%d", escaped, force ? 1 : 0);
  g_autoptr (json_t) reply = pier_docker_client_json (self->client, "DELETE", path, NULL,
                                                      cancellable, error);
  g_autoptr (GPtrArray) untagged = g_ptr_array_new ();
  g_autoptr (GPtrArray) deleted = g_ptr_array_new ();
  PierImageRemoval *removal;
  json_t *item;
  size_t i;

  if (reply == NULL || !pier_docker_expect (self, reply, JSON_ARRAY, _("a removal"), error))
    return NULL;
  json_array_foreach (reply, i, item)
    {
      if (pier_docker_str (item, "Untagged") != NULL)
        {
          g_autofree char *normalized =
              pier_docker_normalize_name (pier_docker_str (item, "Untagged"));
          g_ptr_array_add (untagged, pier_reference_familiar (normalized));
        }
      if (pier_docker_str (item, "Deleted") != NULL)
        g_ptr_array_add (deleted, g_strdup (pier_docker_str (item, "Deleted")));
    }
  g_ptr_array_add (untagged, NULL);
  g_ptr_array_add (deleted, NULL);
  removal = g_new0 (PierImageRemoval, 1);
  removal->untagged = (char **) g_ptr_array_steal (untagged, NULL);
  removal->deleted = (char **) g_ptr_array_steal (deleted, NULL);
  return removal;
}

/* The image's history, oldest first (the API gives it newest first). */
static json_t *
history_oldest_first (PierDockerEngine *self, const char *image, GCancellable *cancellable,
                      GError **error)
{
  g_autofree char *path = pier_docker_path ("/images/", image, "/history");
  g_autoptr (json_t) reply = pier_docker_client_json (self->client, "GET", path, NULL,
                                                      cancellable, error);
  json_t *oldest;

  if (reply == NULL || !pier_docker_expect (self, reply, JSON_ARRAY, _("a history"), error))
    return NULL;
  oldest = json_array ();
  for (size_t i = json_array_size (reply); i > 0; i--)
    if (json_is_object (json_array_get (reply, i - 1)))
      json_array_append (oldest, json_array_get (reply, i - 1));
  return oldest;
}

/* The API does not say which steps made no layer; a step of no bytes made none, unless that
 * leaves fewer steps than layers (an empty layer of a RUN), when none is known. */
static gboolean
made_layer (json_t *entry)
{
  return pier_docker_int (entry, "Size") > 0;
}

static json_t *
layer_steps (json_t *history, size_t n_layers)
{
  json_t *steps = json_array ();
  json_t *entry;
  size_t i;

  json_array_foreach (history, i, entry)
    if (made_layer (entry))
      json_array_append (steps, entry);
  if (json_array_size (steps) != n_layers)
    json_array_clear (steps);
  return steps;
}

/* Diff id → images whose root filesystem has it, and → containers stacked on it. */
static gboolean
count_layer_users (PierDockerEngine *self, GHashTable *images, GHashTable *containers,
                   GCancellable *cancellable, GError **error)
{
  g_autoptr (json_t) list = pier_docker_client_json (self->client, "GET", "/images/json", NULL,
                                                     cancellable, error);
  g_autoptr (GHashTable) used = NULL;
  json_t *item;
  size_t i;

  if (list == NULL || !pier_docker_expect (self, list, JSON_ARRAY, _("an image list"), error) ||
      (used = containers_by_image (self, cancellable, error)) == NULL)
    return FALSE;
  json_array_foreach (list, i, item)
    {
      g_autofree char *id = pier_docker_image_id (pier_docker_str (item, "Id"));
      g_autoptr (json_t) image = id != NULL ? inspect (self, id, cancellable, error) : NULL;
      guint n_containers = id != NULL ? GPOINTER_TO_UINT (g_hash_table_lookup (used, id)) : 0;
      json_t *layer;
      size_t j;

      if (id == NULL)
        continue;
      if (image == NULL)
        return FALSE;
      json_array_foreach (json_object_get (json_object_get (image, "RootFS"), "Layers"), j, layer)
        {
          const char *diff_id = json_string_value (layer);
          if (diff_id == NULL)
            continue;
          g_hash_table_insert (images, g_strdup (diff_id),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (images, diff_id)) + 1));
          g_hash_table_insert (containers, g_strdup (diff_id),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (containers, diff_id)) + n_containers));
        }
    }
  return TRUE;
}

static char *
created_text (gint64 created)
{
  g_autoptr (GDateTime) time = created > 0 ? g_date_time_new_from_unix_utc (created) : NULL;

  return time != NULL ? g_date_time_format_iso8601 (time) : NULL;
}

/* Newest first, as the API gives it and pier_engine_image_history() returns it. */
static GPtrArray *
docker_image_history (PierEngine *engine, const char *image, GCancellable *cancellable,
                      GError **error)
{
  g_autoptr (json_t) history = history_oldest_first (PIER_DOCKER_ENGINE (engine), image,
                                                     cancellable, error);
  GPtrArray *items;

  if (history == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_history_item_free);
  for (size_t i = json_array_size (history); i > 0; i--)
    {
      json_t *entry = json_array_get (history, i - 1);
      PierHistoryItem *item = g_new0 (PierHistoryItem, 1);
      const char *created_by = pier_docker_str (entry, "CreatedBy");
      const char *comment = pier_docker_str (entry, "Comment");

      item->id = items->len == 0 ? g_strdup (pier_docker_str (entry, "Id")) : NULL;
      item->created_unix = MAX (pier_docker_int (entry, "Created"), 0);
      item->created = created_text (item->created_unix);
      item->created_by = created_by != NULL && *created_by ? g_strdup (created_by) : NULL;
      item->instruction = item->created_by != NULL
                              ? pier_history_entry_to_instruction (item->created_by) : NULL;
      item->comment = comment != NULL && *comment ? g_strdup (comment) : NULL;
      item->size = MAX (pier_docker_int (entry, "Size"), 0);
      item->empty_layer = !made_layer (entry);
      g_ptr_array_add (items, item);
    }
  return items;
}

static GPtrArray *
docker_image_layers (PierEngine *engine, const char *image, GCancellable *cancellable,
                     GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (json_t) json = inspect (self, image, cancellable, error);
  g_autoptr (json_t) history = NULL;
  g_autoptr (json_t) steps = NULL;
  g_autoptr (GHashTable) images = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) containers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             NULL);
  json_t *diff_ids, *diff_id;
  GPtrArray *layers;
  size_t i;

  if (json == NULL)
    return NULL;
  diff_ids = json_object_get (json_object_get (json, "RootFS"), "Layers");
  if (!json_is_array (diff_ids))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s sent image %s without its layers"),
                   pier_docker_client_get_uri (self->client), image);
      return NULL;
    }
  if ((history = history_oldest_first (self, image, cancellable, error)) == NULL ||
      !count_layer_users (self, images, containers, cancellable, error))
    return NULL;
  steps = layer_steps (history, json_array_size (diff_ids));
  layers = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_layer_info_free);
  json_array_foreach (diff_ids, i, diff_id)
    {
      PierLayerInfo *layer;
      json_t *step = json_array_get (steps, i);
      const char *created_by = pier_docker_str (step, "CreatedBy");

      if (json_string_value (diff_id) == NULL)
        continue;
      layer = g_new0 (PierLayerInfo, 1);
      layer->diff_id = g_strdup (json_string_value (diff_id));
      /* The store's blobs are not the API's: only the unpacked size, from its step. */
      layer->unpacked_unknown = step == NULL;
      layer->size = MAX (pier_docker_int (step, "Size"), 0);
      layer->created = created_text (pier_docker_int (step, "Created"));
      layer->created_by = created_by != NULL && *created_by ? g_strdup (created_by) : NULL;
      layer->instruction = layer->created_by != NULL
                               ? pier_history_entry_to_instruction (layer->created_by) : NULL;
      layer->n_images = GPOINTER_TO_UINT (g_hash_table_lookup (images, layer->diff_id));
      layer->n_containers = GPOINTER_TO_UINT (g_hash_table_lookup (containers, layer->diff_id));
      g_ptr_array_add (layers, layer);
    }
  return layers;
}

/* The image's configuration as an OCI image config (its run config, layers and history), for
 * the reader of histories PierLocalEngine uses. */
static PierImageConfig *
image_config (PierDockerEngine *self, const char *image, GCancellable *cancellable,
              GError **error)
{
  g_autoptr (json_t) json = inspect (self, image, cancellable, error);
  g_autoptr (json_t) history = NULL;
  g_autoptr (json_t) config = NULL;
  g_autofree char *text = NULL;
  json_t *entries, *entry, *run;
  size_t i;

  if (json == NULL || (history = history_oldest_first (self, image, cancellable, error)) == NULL)
    return NULL;
  config = json_object ();
  entries = json_array ();
  json_array_foreach (history, i, entry)
    {
      json_t *out = json_object ();
      g_autofree char *created = created_text (pier_docker_int (entry, "Created"));

      if (created != NULL)
        json_object_set_new (out, "created", json_string (created));
      if (pier_docker_str (entry, "CreatedBy") != NULL)
        json_object_set_new (out, "created_by", json_string (pier_docker_str (entry, "CreatedBy")));
      if (pier_docker_str (entry, "Comment") != NULL)
        json_object_set_new (out, "comment", json_string (pier_docker_str (entry, "Comment")));
      json_object_set_new (out, "empty_layer", json_boolean (!made_layer (entry)));
      json_array_append_new (entries, out);
    }
  json_object_set_new (config, "history", entries);
  json_object_set_new (config, "rootfs", json_pack ("{s:O*}", "diff_ids",
                                                     json_object_get (json_object_get (json, "RootFS"), "Layers")));
  run = json_object_get (json, "Config");
  if (json_is_object (run))
    json_object_set (config, "config", run);
  text = json_dumps (config, JSON_COMPACT);
  if (text == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s sent image %s, which cannot be read"),
                   pier_docker_client_get_uri (self->client), image);
      return NULL;
    }
  return pier_image_config_parse (text, strlen (text), error);
}

static char *
docker_image_history_dockerfile (PierEngine *engine, const char *image,
                                 GCancellable *cancellable, GError **error)
{
  g_autoptr (PierImageConfig) config = image_config (PIER_DOCKER_ENGINE (engine), image,
                                                     cancellable, error);

  return config != NULL ? pier_history_to_dockerfile (config) : NULL;
}

void
pier_docker_engine_images_init (PierEngineInterface *iface)
{
  iface->list_images = docker_list_images;
  iface->get_image = docker_get_image;
  iface->inspect_image = docker_inspect_image;
  iface->tag_image = docker_tag_image;
  iface->remove_image = docker_remove_image;
  iface->image_history = docker_image_history;
  iface->image_layers = docker_image_layers;
  iface->image_history_dockerfile = docker_image_history_dockerfile;
}
