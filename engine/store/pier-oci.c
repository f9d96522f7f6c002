/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-oci.h"

#include "pier-digest.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <jansson.h>
#include <string.h>

/* ---- helpers over jansson ---- */

static char *
dup_string_member (json_t *obj, const char *key)
{
  json_t *v = json_object_get (obj, key);
  return json_is_string (v) ? g_strdup (json_string_value (v)) : NULL;
}

static GStrv
builder_finish (GStrvBuilder *b)
{
  GStrv strv = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return strv;
}

/* A list of words (or one word, as Docker's configs may have it): an item that is no string is
 * an error, not a word left out (the rest would shift into its place). */
static gboolean
strv_from_array (json_t *obj, const char *key, GStrv *out, GError **error)
{
  json_t *arr = json_object_get (obj, key);
  GStrvBuilder *b;
  size_t i;
  json_t *v;

  if (arr == NULL || json_is_null (arr))
    return TRUE;
  if (json_is_string (arr))
    {
      const char *one[] = { json_string_value (arr), NULL };
      *out = g_strdupv ((char **) one);
      return TRUE;
    }
  if (!json_is_array (arr))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s is not a list"), key);
      return FALSE;
    }
  json_array_foreach (arr, i, v)
    if (!json_is_string (v))
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s[%zu] is not a string"), key, i);
        return FALSE;
      }
  b = g_strv_builder_new ();
  json_array_foreach (arr, i, v)
    g_strv_builder_add (b, json_string_value (v));
  *out = builder_finish (b);
  return TRUE;
}

/* {"80/tcp": {}, ...} → keys */
static GStrv
strv_from_object_keys (json_t *obj)
{
  GStrvBuilder *b;
  const char *key;
  json_t *v;

  if (!json_is_object (obj))
    return NULL;
  b = g_strv_builder_new ();
  json_object_foreach (obj, key, v)
    g_strv_builder_add (b, key);
  return builder_finish (b);
}

static GHashTable *
string_map_from_object (json_t *obj)
{
  GHashTable *map;
  const char *key;
  json_t *v;

  if (!json_is_object (obj))
    return NULL;
  map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  json_object_foreach (obj, key, v)
    if (json_is_string (v))
      g_hash_table_insert (map, g_strdup (key), g_strdup (json_string_value (v)));
  return map;
}

/* {"80/tcp": {}, ...} */
static json_t *
object_from_keys (PierJsonWriter *w, const char *name, const char *const *keys)
{
  g_autofree char *what = g_strconcat (name, " key", NULL);
  json_t *obj = json_object ();

  for (; keys && *keys; keys++)
    if (pier_json_check_text (w, what, *keys))
      json_object_set_new (obj, *keys, json_object ());
  return obj;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Sorted, so that documents Pier writes are stable byte for byte. */
static json_t *
object_from_map (PierJsonWriter *w, const char *name, GHashTable *map)
{
  g_autofree char *what = g_strconcat (name, " key", NULL);
  json_t *obj = json_object ();
  g_autofree const char **keys = NULL;
  guint n = 0;

  if (map == NULL)
    return obj;
  keys = (const char **) g_hash_table_get_keys_as_array (map, &n);
  qsort (keys, n, sizeof *keys, compare_strings);
  for (guint i = 0; i < n; i++)
    if (pier_json_check_text (w, what, keys[i]))
      {
        g_autofree char *member = g_strconcat (name, ".", keys[i], NULL);
        pier_json_set (w, obj, keys[i], pier_json_text (w, member, g_hash_table_lookup (map, keys[i])));
      }
  return obj;
}

static json_t *
parse_object (const char *json, gsize len, const char *what, GError **error)
{
  json_error_t jerr;
  json_t *root = json_loadb (json, len, 0, &jerr);

  if (root == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s is not valid JSON (line %d: %s)"),
                   what, jerr.line, jerr.text);
      return NULL;
    }
  if (!json_is_object (root))
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s is not a JSON object"), what);
      return NULL;
    }
  return root;
}

/* @what names the document in the error. */
static char *
dump (PierJsonWriter *w, json_t *root, const char *what, GError **error)
{
  char *out = pier_json_writer_dump (w, root, JSON_COMPACT, error);

  if (out == NULL)
    g_prefix_error (error, _("writing %s: "), what);
  return out;
}

/* ---- descriptors ---- */

PierDescriptor *
pier_descriptor_new (const char *media_type, const char *digest, gint64 size)
{
  PierDescriptor *d = g_new0 (PierDescriptor, 1);
  d->media_type = g_strdup (media_type);
  d->digest = g_strdup (digest);
  d->size = size;
  return d;
}

static GHashTable *
copy_map (GHashTable *map)
{
  GHashTable *copy;
  GHashTableIter it;
  gpointer k, v;

  if (map == NULL)
    return NULL;
  copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&it, map);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_insert (copy, g_strdup (k), g_strdup (v));
  return copy;
}

PierDescriptor *
pier_descriptor_copy (const PierDescriptor *desc)
{
  PierDescriptor *d = pier_descriptor_new (desc->media_type, desc->digest, desc->size);
  d->annotations = copy_map (desc->annotations);
  d->platform_os = g_strdup (desc->platform_os);
  d->platform_architecture = g_strdup (desc->platform_architecture);
  d->platform_variant = g_strdup (desc->platform_variant);
  return d;
}

void
pier_descriptor_free (PierDescriptor *desc)
{
  if (desc == NULL)
    return;
  g_free (desc->media_type);
  g_free (desc->digest);
  g_clear_pointer (&desc->annotations, g_hash_table_unref);
  g_free (desc->platform_os);
  g_free (desc->platform_architecture);
  g_free (desc->platform_variant);
  g_free (desc);
}

void
pier_descriptor_set_annotation (PierDescriptor *desc, const char *key, const char *value)
{
  if (desc->annotations == NULL)
    desc->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (value == NULL)
    g_hash_table_remove (desc->annotations, key);
  else
    g_hash_table_insert (desc->annotations, g_strdup (key), g_strdup (value));
}

const char *
pier_descriptor_get_annotation (const PierDescriptor *desc, const char *key)
{
  return desc->annotations ? g_hash_table_lookup (desc->annotations, key) : NULL;
}

static PierDescriptor *
descriptor_from_json (json_t *obj, const char *what, GError **error)
{
  json_t *size = json_object_get (obj, "size");
  json_t *platform = json_object_get (obj, "platform");
  const char *digest = json_string_value (json_object_get (obj, "digest"));
  PierDescriptor *d;

  if (!json_is_object (obj) || digest == NULL || !json_is_integer (size))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s: a descriptor needs a digest and a size"), what);
      return NULL;
    }
  if (!pier_digest_validate (digest, error))
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  if (json_integer_value (size) < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s: negative size"), what);
      return NULL;
    }
  d = pier_descriptor_new (json_string_value (json_object_get (obj, "mediaType")), digest,
                           json_integer_value (size));
  d->annotations = string_map_from_object (json_object_get (obj, "annotations"));
  if (json_is_object (platform))
    {
      d->platform_os = dup_string_member (platform, "os");
      d->platform_architecture = dup_string_member (platform, "architecture");
      d->platform_variant = dup_string_member (platform, "variant");
    }
  return d;
}

static json_t *
descriptor_to_json (PierJsonWriter *w, const PierDescriptor *d)
{
  json_t *obj = json_object ();

  pier_json_set_text (w, obj, "mediaType", d->media_type);
  pier_json_set_text (w, obj, "digest", d->digest);
  pier_json_set (w, obj, "size", json_integer (d->size));
  if (d->annotations && g_hash_table_size (d->annotations) > 0)
    pier_json_set (w, obj, "annotations", object_from_map (w, "annotations", d->annotations));
  if (d->platform_os || d->platform_architecture)
    {
      json_t *p = json_object ();
      pier_json_set_text (w, p, "architecture", d->platform_architecture ? d->platform_architecture : "");
      pier_json_set_text (w, p, "os", d->platform_os ? d->platform_os : "");
      pier_json_set_text (w, p, "variant", d->platform_variant);
      pier_json_set (w, obj, "platform", p);
    }
  return obj;
}

/* ---- manifests ---- */

PierManifest *
pier_manifest_new (void)
{
  PierManifest *m = g_new0 (PierManifest, 1);
  m->media_type = g_strdup (PIER_MEDIA_OCI_MANIFEST);
  m->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  return m;
}

void
pier_manifest_free (PierManifest *m)
{
  if (m == NULL)
    return;
  g_free (m->media_type);
  pier_descriptor_free (m->config);
  g_ptr_array_unref (m->layers);
  g_clear_pointer (&m->annotations, g_hash_table_unref);
  g_free (m);
}

PierManifest *
pier_manifest_parse (const char *json, gsize len, GError **error)
{
  json_t *root = parse_object (json, len, "the manifest", error);
  g_autoptr (PierManifest) m = NULL;
  json_t *layers, *v;
  size_t i;

  if (root == NULL)
    return NULL;
  m = pier_manifest_new ();
  if (json_integer_value (json_object_get (root, "schemaVersion")) != 2)
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("the manifest is not schema version 2 (Docker schema 1 is not supported)"));
      return NULL;
    }
  g_free (m->media_type);
  m->media_type = dup_string_member (root, "mediaType");
  if (m->media_type == NULL)
    m->media_type = g_strdup (PIER_MEDIA_OCI_MANIFEST);
  if (strcmp (m->media_type, PIER_MEDIA_OCI_INDEX) == 0 ||
      strcmp (m->media_type, PIER_MEDIA_DOCKER_MANIFEST_LIST) == 0)
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("expected a manifest, found an index"));
      return NULL;
    }
  m->config = descriptor_from_json (json_object_get (root, "config"), "manifest config", error);
  layers = json_object_get (root, "layers");
  if (m->config == NULL || !json_is_array (layers))
    {
      json_decref (root);
      if (m->config != NULL)
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("the manifest has no layers list"));
      return NULL;
    }
  json_array_foreach (layers, i, v)
    {
      g_autofree char *what = g_strdup_printf ("manifest layer %zu", i);
      PierDescriptor *d = descriptor_from_json (v, what, error);
      if (d == NULL)
        {
          json_decref (root);
          return NULL;
        }
      g_ptr_array_add (m->layers, d);
    }
  m->annotations = string_map_from_object (json_object_get (root, "annotations"));
  json_decref (root);
  return g_steal_pointer (&m);
}

char *
pier_manifest_to_json (const PierManifest *m, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *root = json_object ();
  json_t *layers = json_array ();

  pier_json_set (&w, root, "schemaVersion", json_integer (2));
  pier_json_set_text (&w, root, "mediaType", m->media_type);
  pier_json_set (&w, root, "config", descriptor_to_json (&w, m->config));
  for (guint i = 0; i < m->layers->len; i++)
    pier_json_append (&w, layers, descriptor_to_json (&w, m->layers->pdata[i]));
  pier_json_set (&w, root, "layers", layers);
  if (m->annotations && g_hash_table_size (m->annotations) > 0)
    pier_json_set (&w, root, "annotations", object_from_map (&w, "annotations", m->annotations));
  return dump (&w, root, "the manifest", error);
}

/* ---- indexes ---- */

PierIndex *
pier_index_new (void)
{
  PierIndex *index = g_new0 (PierIndex, 1);
  index->manifests = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_descriptor_free);
  return index;
}

void
pier_index_free (PierIndex *index)
{
  if (index == NULL)
    return;
  g_ptr_array_unref (index->manifests);
  g_free (index);
}

PierIndex *
pier_index_parse (const char *json, gsize len, GError **error)
{
  json_t *root = parse_object (json, len, "the index", error);
  g_autoptr (PierIndex) index = NULL;
  json_t *manifests, *v;
  size_t i;

  if (root == NULL)
    return NULL;
  manifests = json_object_get (root, "manifests");
  if (json_integer_value (json_object_get (root, "schemaVersion")) != 2 ||
      !json_is_array (manifests))
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the index needs schemaVersion 2 and a manifests list"));
      return NULL;
    }
  index = pier_index_new ();
  json_array_foreach (manifests, i, v)
    {
      g_autofree char *what = g_strdup_printf ("index entry %zu", i);
      PierDescriptor *d = descriptor_from_json (v, what, error);
      if (d == NULL)
        {
          json_decref (root);
          return NULL;
        }
      g_ptr_array_add (index->manifests, d);
    }
  json_decref (root);
  return g_steal_pointer (&index);
}

char *
pier_index_to_json (const PierIndex *index, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *root = json_object ();
  json_t *manifests = json_array ();

  pier_json_set (&w, root, "schemaVersion", json_integer (2));
  pier_json_set_text (&w, root, "mediaType", PIER_MEDIA_OCI_INDEX);
  for (guint i = 0; i < index->manifests->len; i++)
    pier_json_append (&w, manifests, descriptor_to_json (&w, index->manifests->pdata[i]));
  pier_json_set (&w, root, "manifests", manifests);
  return dump (&w, root, "the index", error);
}

/* ---- image configs ---- */

void
pier_history_entry_free (PierHistoryEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->created);
  g_free (e->created_by);
  g_free (e->author);
  g_free (e->comment);
  g_free (e);
}

static void
healthcheck_free (PierHealthcheck *h)
{
  if (h == NULL)
    return;
  g_strfreev (h->test);
  g_free (h);
}

PierImageConfig *
pier_image_config_new (void)
{
  PierImageConfig *c = g_new0 (PierImageConfig, 1);
  c->diff_ids = g_ptr_array_new_with_free_func (g_free);
  c->history = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_history_entry_free);
  c->architecture = g_strdup ("amd64");
  c->os = g_strdup ("linux");
  return c;
}

static void
run_config_clear (PierRunConfig *rc)
{
  g_free (rc->user);
  g_strfreev (rc->env);
  g_strfreev (rc->entrypoint);
  g_strfreev (rc->cmd);
  g_free (rc->working_dir);
  g_strfreev (rc->exposed_ports);
  g_strfreev (rc->volumes);
  g_clear_pointer (&rc->labels, g_hash_table_unref);
  g_free (rc->stop_signal);
  g_strfreev (rc->shell);
  g_strfreev (rc->on_build);
  healthcheck_free (rc->healthcheck);
  memset (rc, 0, sizeof *rc);
}

void
pier_image_config_free (PierImageConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->created);
  g_free (c->author);
  g_free (c->architecture);
  g_free (c->os);
  g_free (c->variant);
  run_config_clear (&c->config);
  g_ptr_array_unref (c->diff_ids);
  g_ptr_array_unref (c->history);
  g_free (c);
}

static gboolean
run_config_from_json (PierRunConfig *rc, json_t *obj, GError **error)
{
  json_t *hc;

  if (!json_is_object (obj))
    return TRUE;
  rc->user = dup_string_member (obj, "User");
  rc->working_dir = dup_string_member (obj, "WorkingDir");
  rc->exposed_ports = strv_from_object_keys (json_object_get (obj, "ExposedPorts"));
  rc->volumes = strv_from_object_keys (json_object_get (obj, "Volumes"));
  rc->labels = string_map_from_object (json_object_get (obj, "Labels"));
  rc->stop_signal = dup_string_member (obj, "StopSignal");
  if (!strv_from_array (obj, "Env", &rc->env, error) ||
      !strv_from_array (obj, "Entrypoint", &rc->entrypoint, error) ||
      !strv_from_array (obj, "Cmd", &rc->cmd, error) ||
      !strv_from_array (obj, "Shell", &rc->shell, error) ||
      !strv_from_array (obj, "OnBuild", &rc->on_build, error))
    return FALSE;
  hc = json_object_get (obj, "Healthcheck");
  if (json_is_object (hc))
    {
      rc->healthcheck = g_new0 (PierHealthcheck, 1);
      if (!strv_from_array (hc, "Test", &rc->healthcheck->test, error))
        {
          g_prefix_error (error, _("Healthcheck."));
          return FALSE;
        }
      rc->healthcheck->interval_ns = json_integer_value (json_object_get (hc, "Interval"));
      rc->healthcheck->timeout_ns = json_integer_value (json_object_get (hc, "Timeout"));
      rc->healthcheck->start_period_ns = json_integer_value (json_object_get (hc, "StartPeriod"));
      rc->healthcheck->start_interval_ns = json_integer_value (json_object_get (hc, "StartInterval"));
      rc->healthcheck->retries = json_integer_value (json_object_get (hc, "Retries"));
    }
  return TRUE;
}

PierImageConfig *
pier_image_config_parse (const char *json, gsize len, GError **error)
{
  json_t *root = parse_object (json, len, "the image config", error);
  g_autoptr (PierImageConfig) c = NULL;
  json_t *rootfs, *diff_ids, *history, *v;
  size_t i;

  if (root == NULL)
    return NULL;
  c = pier_image_config_new ();
  g_free (c->architecture);
  g_free (c->os);
  c->created = dup_string_member (root, "created");
  c->author = dup_string_member (root, "author");
  c->architecture = dup_string_member (root, "architecture");
  c->os = dup_string_member (root, "os");
  c->variant = dup_string_member (root, "variant");
  if (!run_config_from_json (&c->config, json_object_get (root, "config"), error))
    {
      json_decref (root);
      g_prefix_error (error, _("the image config's config."));
      return NULL;
    }
  rootfs = json_object_get (root, "rootfs");
  diff_ids = json_object_get (rootfs, "diff_ids");
  if (!json_is_array (diff_ids))
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the image config has no rootfs.diff_ids list"));
      return NULL;
    }
  json_array_foreach (diff_ids, i, v)
    {
      const char *d = json_string_value (v);
      if (!pier_digest_validate (d, error))
        {
          json_decref (root);
          g_prefix_error (error, _("image config diff_id %zu: "), i);
          return NULL;
        }
      g_ptr_array_add (c->diff_ids, g_strdup (d));
    }
  history = json_object_get (root, "history");
  json_array_foreach (history, i, v)
    {
      PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);
      e->created = dup_string_member (v, "created");
      e->created_by = dup_string_member (v, "created_by");
      e->author = dup_string_member (v, "author");
      e->comment = dup_string_member (v, "comment");
      e->empty_layer = json_is_true (json_object_get (v, "empty_layer"));
      g_ptr_array_add (c->history, e);
    }
  json_decref (root);
  return g_steal_pointer (&c);
}

static void
set_strv (PierJsonWriter *w, json_t *obj, const char *key, char **strv)
{
  if (strv != NULL)
    pier_json_set (w, obj, key, pier_json_strv (w, key, (const char *const *) strv));
}

static void
set_nonzero (PierJsonWriter *w, json_t *obj, const char *key, gint64 value)
{
  if (value != 0)
    pier_json_set (w, obj, key, json_integer (value));
}

static json_t *
run_config_to_object (PierJsonWriter *w, const PierRunConfig *rc)
{
  json_t *obj = json_object ();

  pier_json_set_text (w, obj, "User", rc->user);
  if (rc->exposed_ports)
    pier_json_set (w, obj, "ExposedPorts",
                   object_from_keys (w, "ExposedPorts", (const char *const *) rc->exposed_ports));
  set_strv (w, obj, "Env", rc->env);
  set_strv (w, obj, "Entrypoint", rc->entrypoint);
  set_strv (w, obj, "Cmd", rc->cmd);
  if (rc->volumes)
    pier_json_set (w, obj, "Volumes", object_from_keys (w, "Volumes", (const char *const *) rc->volumes));
  pier_json_set_text (w, obj, "WorkingDir", rc->working_dir);
  if (rc->labels)
    pier_json_set (w, obj, "Labels", object_from_map (w, "Labels", rc->labels));
  pier_json_set_text (w, obj, "StopSignal", rc->stop_signal);
  set_strv (w, obj, "Shell", rc->shell);
  set_strv (w, obj, "OnBuild", rc->on_build);
  if (rc->healthcheck)
    {
      json_t *hc = json_object ();
      pier_json_set (w, hc, "Test", pier_json_strv (w, "Healthcheck.Test",
                                                    (const char *const *) rc->healthcheck->test));
      set_nonzero (w, hc, "Interval", rc->healthcheck->interval_ns);
      set_nonzero (w, hc, "Timeout", rc->healthcheck->timeout_ns);
      set_nonzero (w, hc, "StartPeriod", rc->healthcheck->start_period_ns);
      set_nonzero (w, hc, "StartInterval", rc->healthcheck->start_interval_ns);
      set_nonzero (w, hc, "Retries", rc->healthcheck->retries);
      pier_json_set (w, obj, "Healthcheck", hc);
    }
  return obj;
}

char *
pier_run_config_to_json (const PierRunConfig *config, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };

  return dump (&w, run_config_to_object (&w, config), "the run config", error);
}

char *
pier_image_config_to_json (const PierImageConfig *c, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *root = json_object ();
  json_t *rootfs = json_object ();
  json_t *diff_ids = json_array ();
  json_t *history = json_array ();

  pier_json_set_text (&w, root, "created", c->created);
  pier_json_set_text (&w, root, "author", c->author);
  pier_json_set_text (&w, root, "architecture", c->architecture ? c->architecture : "amd64");
  pier_json_set_text (&w, root, "os", c->os ? c->os : "linux");
  pier_json_set_text (&w, root, "variant", c->variant);
  pier_json_set (&w, root, "config", run_config_to_object (&w, &c->config));
  for (guint i = 0; i < c->diff_ids->len; i++)
    pier_json_append (&w, diff_ids, pier_json_text (&w, "rootfs.diff_ids", c->diff_ids->pdata[i]));
  pier_json_set_text (&w, rootfs, "type", "layers");
  pier_json_set (&w, rootfs, "diff_ids", diff_ids);
  pier_json_set (&w, root, "rootfs", rootfs);
  for (guint i = 0; i < c->history->len; i++)
    {
      PierHistoryEntry *e = c->history->pdata[i];
      json_t *h = json_object ();
      pier_json_set_text (&w, h, "created", e->created);
      pier_json_set_text (&w, h, "created_by", e->created_by);
      pier_json_set_text (&w, h, "author", e->author);
      pier_json_set_text (&w, h, "comment", e->comment);
      if (e->empty_layer)
        pier_json_set (&w, h, "empty_layer", json_true ());
      pier_json_append (&w, history, h);
    }
  pier_json_set (&w, root, "history", history);
  return dump (&w, root, "the image config", error);
}

PierImageConfig *
pier_image_config_copy (const PierImageConfig *config, GError **error)
{
  g_autofree char *json = pier_image_config_to_json (config, error);

  return json ? pier_image_config_parse (json, strlen (json), error) : NULL;
}

const char *
pier_run_config_get_label (const PierRunConfig *config, const char *key)
{
  return config->labels ? g_hash_table_lookup (config->labels, key) : NULL;
}

void
pier_run_config_set_label (PierRunConfig *config, const char *key, const char *value)
{
  if (config->labels == NULL)
    config->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (config->labels, g_strdup (key), g_strdup (value));
}

/* ---- time stamps ---- */

char *
pier_oci_timestamp_from_unix (gint64 seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (seconds);
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

char *
pier_oci_timestamp_now (void)
{
  g_autoptr (GDateTime) dt = g_date_time_new_now_utc ();
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%06dZ", base, g_date_time_get_microsecond (dt));
}

gint64
pier_oci_timestamp_to_unix (const char *timestamp)
{
  g_autoptr (GDateTime) dt = NULL;

  if (timestamp == NULL)
    return 0;
  dt = g_date_time_new_from_iso8601 (timestamp, NULL);
  return dt ? g_date_time_to_unix (dt) : 0;
}

gboolean
pier_media_type_is_layer (const char *media_type, gboolean *compressed)
{
  static const struct {
    const char *type;
    gboolean gzip;
  } layers[] = {
    { PIER_MEDIA_OCI_LAYER, FALSE },
    { PIER_MEDIA_OCI_LAYER_GZIP, TRUE },
    { PIER_MEDIA_DOCKER_LAYER, FALSE },
    { PIER_MEDIA_DOCKER_LAYER_GZIP, TRUE },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar", FALSE },
    { "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", TRUE },
  };

  for (gsize i = 0; media_type && i < G_N_ELEMENTS (layers); i++)
    if (strcmp (media_type, layers[i].type) == 0)
      {
        if (compressed)
          *compressed = layers[i].gzip;
        return TRUE;
      }
  return FALSE;
}
