/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-layer-usage.h"

#include "pier-container.h"
#include "pier-image-store.h"

void
pier_layer_usage_free (PierLayerUsage *usage)
{
  if (usage == NULL)
    return;
  g_free (usage->diff_id);
  g_ptr_array_unref (usage->image_ids);
  g_ptr_array_unref (usage->container_ids);
  g_free (usage);
}

static PierLayerUsage *
usage_for (GHashTable *table, const char *diff_id)
{
  PierLayerUsage *usage = g_hash_table_lookup (table, diff_id);

  if (usage == NULL)
    {
      usage = g_new0 (PierLayerUsage, 1);
      usage->diff_id = g_strdup (diff_id);
      usage->image_ids = g_ptr_array_new_with_free_func (g_free);
      usage->container_ids = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (table, usage->diff_id, usage);
    }
  return usage;
}

/* An image may hold one layer twice (an empty tar added by two steps), yet uses it once. */
static void
add_once (GPtrArray *ids, const char *id)
{
  if (ids->len == 0 || g_strcmp0 (ids->pdata[ids->len - 1], id) != 0)
    g_ptr_array_add (ids, g_strdup (id));
}

GHashTable *
pier_store_layer_usage (PierStore *store, GError **error)
{
  g_autoptr (GPtrArray) images = pier_store_list_images (store, error);
  g_autoptr (GPtrArray) containers = NULL;
  GHashTable *table;

  if (images == NULL || (containers = pier_store_list_containers (store, error)) == NULL)
    return NULL;
  table = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                 (GDestroyNotify) pier_layer_usage_free);
  for (guint i = 0; i < images->len; i++)
    {
      const PierImage *image = images->pdata[i];
      for (guint l = 0; l < image->config->diff_ids->len; l++)
        add_once (usage_for (table, image->config->diff_ids->pdata[l])->image_ids, image->id);
    }
  for (guint i = 0; i < containers->len; i++)
    {
      const PierContainer *c = containers->pdata[i];
      for (guint l = 0; c->layer_diff_ids != NULL && l < c->layer_diff_ids->len; l++)
        add_once (usage_for (table, c->layer_diff_ids->pdata[l])->container_ids, c->id);
    }
  return table;
}
