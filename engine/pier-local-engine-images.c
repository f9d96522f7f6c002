/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: images. */
#include "pier-local-engine-private.h"

#include "pier-history.h"
#include "pier-image-inspect.h"
#include "pier-image-store.h"
#include "pier-layer-usage.h"
#include "pier-oci.h"

static char **
strv_from_array (GPtrArray *array)
{
  char **strv = g_new0 (char *, array->len + 1);

  for (guint i = 0; i < array->len; i++)
    strv[i] = g_strdup (array->pdata[i]);
  return strv;
}

static PierImageInfo *
image_info (PierStore *store, const PierImage *image, GHashTable *in_use)
{
  PierImageInfo *info = g_new0 (PierImageInfo, 1);

  info->id = g_strdup (image->id);
  info->names = strv_from_array (image->names);
  info->broken = g_strdup (image->broken);
  if (image->broken != NULL)
    return info;
  info->digest = g_strdup (image->manifest_digest);
  info->created = pier_image_get_created (image);
  info->created_text = g_strdup (image->config->created);
  info->size = pier_image_get_size (store, image);
  info->n_containers = g_hash_table_contains (in_use, image->id) ? 1 : 0;
  return info;
}

static GPtrArray *
image_infos (PierStore *store, GPtrArray *images, GHashTable *in_use)
{
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_image_info_free);

  for (guint i = 0; i < images->len; i++)
    g_ptr_array_add (infos, image_info (store, images->pdata[i], in_use));
  return infos;
}

static GPtrArray *
local_list_images (PierEngine *engine, GPtrArray **broken, GCancellable *cancellable,
                   GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) unreadable = NULL;
  g_autoptr (GHashTable) in_use = NULL;

  if (store == NULL || (images = pier_store_list_images_full (store, &unreadable, error)) == NULL)
    return NULL;
  in_use = pier_store_images_in_use (store);
  if (broken != NULL)
    *broken = image_infos (store, unreadable, in_use);
  return image_infos (store, images, in_use);
}

static PierImage *
find_image (PierEngine *engine, const char *name, PierStore **store, GError **error)
{
  if ((*store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error)) == NULL)
    return NULL;
  return pier_store_find_image (*store, name, error);
}

static char *
local_inspect_image (PierEngine *engine, const char *name, GCancellable *cancellable,
                     GError **error)
{
  PierStore *store;
  g_autoptr (PierImage) image = find_image (engine, name, &store, error);

  return image ? pier_image_inspect_json (store, image, error) : NULL;
}

static gboolean
local_tag_image (PierEngine *engine, const char *source, const char *target,
                 GCancellable *cancellable, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);

  return store != NULL && pier_store_tag_image (store, source, target, error);
}

static PierImageRemoval *
local_remove_image (PierEngine *engine, const char *name, gboolean force,
                    GCancellable *cancellable, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  g_autoptr (PierRemoveReport) report = NULL;
  PierImageRemoval *removal;

  if (store == NULL || (report = pier_store_remove_image (store, name, force, error)) == NULL)
    return NULL;
  removal = g_new0 (PierImageRemoval, 1);
  removal->untagged = strv_from_array (report->untagged);
  removal->deleted = strv_from_array (report->deleted);
  return removal;
}

/* The bytes of the layer that @layer names: as unpacked when known, else as shipped. */
static guint64
layer_size (PierStore *store, const PierImage *image, guint layer)
{
  gint64 known = pier_store_get_layer_size (store, image->config->diff_ids->pdata[layer]);

  if (known >= 0)
    return (guint64) known;
  return (guint64) ((PierDescriptor *) image->manifest->layers->pdata[layer])->size;
}

static GPtrArray *
local_image_history (PierEngine *engine, const char *name, GCancellable *cancellable,
                     GError **error)
{
  PierStore *store;
  g_autoptr (PierImage) image = find_image (engine, name, &store, error);
  GPtrArray *items;
  guint layer;

  if (image == NULL)
    return NULL;
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_history_item_free);
  /* Newest first; non-empty entries own the layers from the top down. */
  layer = image->manifest->layers->len;
  for (guint i = image->config->history->len; i > 0; i--)
    {
      PierHistoryEntry *e = image->config->history->pdata[i - 1];
      PierHistoryItem *item = g_new0 (PierHistoryItem, 1);

      if (!e->empty_layer && layer > 0)
        item->size = layer_size (store, image, --layer);
      if (i == image->config->history->len)
        item->id = g_strdup (image->id);
      item->created = g_strdup (e->created);
      item->created_unix = pier_oci_timestamp_to_unix (e->created);
      item->created_by = g_strdup (e->created_by);
      item->instruction = e->created_by ? pier_history_entry_to_instruction (e->created_by) : NULL;
      item->comment = g_strdup (e->comment);
      item->empty_layer = e->empty_layer;
      g_ptr_array_add (items, item);
    }
  return items;
}

static PierImageInfo *
local_get_image (PierEngine *engine, const char *name, GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierImage) image = find_image (engine, name, &store, error);
  g_autoptr (GHashTable) in_use = NULL;

  if (image == NULL)
    return NULL;
  in_use = pier_store_images_in_use (store);
  return image_info (store, image, in_use);
}

/* The history entry that made each layer: layer i by the i-th entry that is not empty. */
static PierHistoryEntry *
next_layer_step (const PierImage *image, guint *step)
{
  while (*step < image->config->history->len)
    {
      PierHistoryEntry *entry = image->config->history->pdata[(*step)++];
      if (!entry->empty_layer)
        return entry;
    }
  return NULL;
}

static GPtrArray *
local_image_layers (PierEngine *engine, const char *name, GCancellable *cancellable,
                    GError **error)
{
  PierStore *store;
  g_autoptr (PierImage) image = find_image (engine, name, &store, error);
  g_autoptr (GHashTable) usage = NULL;
  GPtrArray *layers;
  guint step = 0;

  if (image == NULL || (usage = pier_store_layer_usage (store, error)) == NULL)
    return NULL;
  layers = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_layer_info_free);
  for (guint i = 0; i < image->config->diff_ids->len; i++)
    {
      PierLayerInfo *layer = g_new0 (PierLayerInfo, 1);
      const PierHistoryEntry *made_by = next_layer_step (image, &step);
      PierDescriptor *blob = i < image->manifest->layers->len ? image->manifest->layers->pdata[i]
                                                               : NULL;
      gint64 unpacked = pier_store_get_layer_size (store, image->config->diff_ids->pdata[i]);
      PierLayerUsage *used;

      layer->diff_id = g_strdup (image->config->diff_ids->pdata[i]);
      layer->digest = blob ? g_strdup (blob->digest) : NULL;
      layer->unpacked_unknown = unpacked < 0;
      layer->size = (guint64) (unpacked >= 0 ? unpacked : blob ? blob->size : 0);
      if (made_by != NULL)
        {
          layer->created = g_strdup (made_by->created);
          layer->created_by = g_strdup (made_by->created_by);
          layer->instruction = made_by->created_by
                                   ? pier_history_entry_to_instruction (made_by->created_by)
                                   : NULL;
        }
      used = g_hash_table_lookup (usage, layer->diff_id);
      layer->n_images = used ? used->image_ids->len : 0;
      layer->n_containers = used ? used->container_ids->len : 0;
      g_ptr_array_add (layers, layer);
    }
  return layers;
}

static char *
local_image_history_dockerfile (PierEngine *engine, const char *name,
                                GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierImage) image = find_image (engine, name, &store, error);

  return image ? pier_history_to_dockerfile (image->config) : NULL;
}

void
pier_local_engine_init_images (PierEngineInterface *iface)
{
  iface->list_images = local_list_images;
  iface->inspect_image = local_inspect_image;
  iface->tag_image = local_tag_image;
  iface->remove_image = local_remove_image;
  iface->get_image = local_get_image;
  iface->image_layers = local_image_layers;
  iface->image_history = local_image_history;
  iface->image_history_dockerfile = local_image_history_dockerfile;
}
