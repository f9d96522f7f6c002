/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-image-inspect.h"

#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-reference.h"

#include <jansson.h>
#include <string.h>

char *
pier_image_inspect_json (PierStore *store, const PierImage *image, GError **error)
{
  g_autofree char *run_config = pier_run_config_to_json (&image->config->config, error);
  g_auto (PierJsonWriter) w = { NULL };
  json_t *obj, *tags, *digests, *layers, *history, *rootfs, *graph, *graph_data;
  GString *lower;
  char *out;

  if (run_config == NULL)
    return NULL;
  obj = json_object ();
  tags = json_array ();
  digests = json_array ();
  layers = json_array ();
  history = json_array ();
  rootfs = json_object ();
  graph = json_object ();
  graph_data = json_object ();
  lower = g_string_new (NULL);
  for (guint i = 0; i < image->names->len; i++)
    {
      g_autofree char *familiar = pier_reference_familiar (image->names->pdata[i]);
      g_autoptr (PierReference) ref = pier_reference_parse (image->names->pdata[i], NULL);

      pier_json_append (&w, tags, pier_json_text (&w, "RepoTags", familiar));
      if (ref != NULL)
        {
          g_autofree char *repository = pier_reference_name (ref);
          g_autofree char *familiar_repository = pier_reference_familiar (repository);
          pier_json_append (&w, digests,
                            pier_json_text_take (&w, "RepoDigests",
                                                 g_strdup_printf ("%s@%s", familiar_repository,
                                                                  image->manifest_digest)));
        }
    }
  pier_json_set_text (&w, obj, "Id", image->id);
  pier_json_set_text (&w, obj, "Digest", image->manifest_digest);
  pier_json_set (&w, obj, "RepoTags", tags);
  pier_json_set (&w, obj, "RepoDigests", digests);
  pier_json_set_text (&w, obj, "Parent", "");
  pier_json_set_text (&w, obj, "Comment", "");
  pier_json_set_text (&w, obj, "Created", image->config->created ? image->config->created : "");
  pier_json_set_text (&w, obj, "Author", image->config->author ? image->config->author : "");
  pier_json_set (&w, obj, "Config", json_loads (run_config, 0, NULL));
  pier_json_set_text (&w, obj, "Architecture", image->config->architecture ? image->config->architecture : "");
  pier_json_set_text (&w, obj, "Variant", image->config->variant);
  pier_json_set_text (&w, obj, "Os", image->config->os ? image->config->os : "");
  pier_json_set (&w, obj, "Size", json_integer (pier_image_get_size (store, image)));
  for (guint i = image->config->diff_ids->len; i > 0; i--)
    {
      g_autofree char *path = pier_store_get_layer_path (store, image->config->diff_ids->pdata[i - 1]);
      g_string_append_printf (lower, "%s%s", lower->len ? ":" : "", path);
    }
  pier_json_set_text (&w, graph_data, "LowerDir", lower->str);
  pier_json_set_text (&w, graph, "Name", "overlay");
  pier_json_set (&w, graph, "Data", graph_data);
  pier_json_set (&w, obj, "GraphDriver", graph);
  for (guint i = 0; i < image->config->diff_ids->len; i++)
    pier_json_append (&w, layers, pier_json_text (&w, "RootFS.Layers", image->config->diff_ids->pdata[i]));
  pier_json_set_text (&w, rootfs, "Type", "layers");
  pier_json_set (&w, rootfs, "Layers", layers);
  pier_json_set (&w, obj, "RootFS", rootfs);
  for (guint i = 0; i < image->config->history->len; i++)
    {
      PierHistoryEntry *e = image->config->history->pdata[i];
      json_t *h = json_object ();
      pier_json_set_text (&w, h, "Created", e->created ? e->created : "");
      pier_json_set_text (&w, h, "CreatedBy", e->created_by ? e->created_by : "");
      pier_json_set_text (&w, h, "Author", e->author);
      pier_json_set_text (&w, h, "Comment", e->comment);
      pier_json_set (&w, h, "EmptyLayer", json_boolean (e->empty_layer));
      pier_json_append (&w, history, h);
    }
  pier_json_set (&w, obj, "History", history);
  g_string_free (lower, TRUE);
  out = pier_json_writer_dump (&w, obj, JSON_INDENT (4) | JSON_PRESERVE_ORDER, error);
  if (out == NULL)
    g_prefix_error (error, _("inspecting image %.19s: "), image->id);
  return out;
}
