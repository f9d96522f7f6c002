#include "pier-image-inspect.h"

#include "pier-reference.h"

#include <jansson.h>
#include <string.h>

static json_t *
parse_or_null (const char *json)
{
  json_t *v = json_loads (json, 0, NULL);
  return v ? v : json_null ();
}

char *
pier_image_inspect_json (PierStore *store, const PierImage *image)
{
  json_t *obj = json_object ();
  json_t *tags = json_array ();
  json_t *digests = json_array ();
  json_t *layers = json_array ();
  json_t *history = json_array ();
  json_t *rootfs = json_object ();
  json_t *graph = json_object ();
  json_t *graph_data = json_object ();
  g_autofree char *run_config = pier_run_config_to_json (&image->config->config);
  GString *lower = g_string_new (NULL);
  char *dumped;
  char *out;

  for (guint i = 0; i < image->names->len; i++)
    {
      g_autofree char *familiar = pier_reference_familiar (image->names->pdata[i]);
      g_autoptr (PierReference) ref = pier_reference_parse (image->names->pdata[i], NULL);

      json_array_append_new (tags, json_string (familiar));
      if (ref != NULL)
        {
          g_autofree char *repository = pier_reference_name (ref);
          g_autofree char *familiar_repository = pier_reference_familiar (repository);
          g_autofree char *repo_digest = g_strdup_printf ("%s@%s", familiar_repository,
                                                          image->manifest_digest);
          json_array_append_new (digests, json_string (repo_digest));
        }
    }
  json_object_set_new (obj, "Id", json_string (image->id));
  json_object_set_new (obj, "Digest", json_string (image->manifest_digest));
  json_object_set_new (obj, "RepoTags", tags);
  json_object_set_new (obj, "RepoDigests", digests);
  json_object_set_new (obj, "Parent", json_string (""));
  json_object_set_new (obj, "Comment", json_string (""));
  json_object_set_new (obj, "Created", json_string (image->config->created ? image->config->created : ""));
  json_object_set_new (obj, "Author", json_string (image->config->author ? image->config->author : ""));
  json_object_set_new (obj, "Config", parse_or_null (run_config));
  json_object_set_new (obj, "Architecture", json_string (image->config->architecture ? image->config->architecture : ""));
  if (image->config->variant)
    json_object_set_new (obj, "Variant", json_string (image->config->variant));
  json_object_set_new (obj, "Os", json_string (image->config->os ? image->config->os : ""));
  json_object_set_new (obj, "Size", json_integer (pier_image_get_size (store, image)));
  for (guint i = image->config->diff_ids->len; i > 0; i--)
    {
      g_autofree char *path = pier_store_get_layer_path (store, image->config->diff_ids->pdata[i - 1]);
      g_string_append_printf (lower, "%s%s", lower->len ? ":" : "", path);
    }
  json_object_set_new (graph_data, "LowerDir", json_string (lower->str));
  json_object_set_new (graph, "Name", json_string ("overlay"));
  json_object_set_new (graph, "Data", graph_data);
  json_object_set_new (obj, "GraphDriver", graph);
  for (guint i = 0; i < image->config->diff_ids->len; i++)
    json_array_append_new (layers, json_string (image->config->diff_ids->pdata[i]));
  json_object_set_new (rootfs, "Type", json_string ("layers"));
  json_object_set_new (rootfs, "Layers", layers);
  json_object_set_new (obj, "RootFS", rootfs);
  for (guint i = 0; i < image->config->history->len; i++)
    {
      PierHistoryEntry *e = image->config->history->pdata[i];
      json_t *h = json_object ();
      json_object_set_new (h, "Created", json_string (e->created ? e->created : ""));
      json_object_set_new (h, "CreatedBy", json_string (e->created_by ? e->created_by : ""));
      if (e->author)
        json_object_set_new (h, "Author", json_string (e->author));
      if (e->comment)
        json_object_set_new (h, "Comment", json_string (e->comment));
      json_object_set_new (h, "EmptyLayer", json_boolean (e->empty_layer));
      json_array_append_new (history, h);
    }
  json_object_set_new (obj, "History", history);
  g_string_free (lower, TRUE);
  dumped = json_dumps (obj, JSON_INDENT (4) | JSON_PRESERVE_ORDER);
  out = g_strdup (dumped);
  free (dumped);
  json_decref (obj);
  return out;
}
