/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: the object, its capabilities, and helpers its files share. */
#include "pier-docker-engine-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-paths.h"
#include "pier-reference.h"

#include <string.h>

static void pier_docker_engine_iface_init (PierEngineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PierDockerEngine, pier_docker_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE,
                                                      pier_docker_engine_iface_init))

static guint
docker_get_capabilities (PierEngine *engine)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);

  return pier_docker_endpoint_is_local (self->endpoint)
           ? PIER_ENGINE_CAP_HOST_PROCESSES | PIER_ENGINE_CAP_GRAPHICAL_SESSIONS
           : 0;
}

static gboolean
docker_ping (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  return pier_docker_client_ping (PIER_DOCKER_ENGINE (engine)->client, cancellable, error);
}

void
pier_docker_engine_not_supported (PierDockerEngine *self, const char *what, GError **error)
{
  /* Translators: "the Docker Engine API at unix:///run/docker.sock cannot check Dockerfiles" */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("the Docker Engine API at %s cannot %s"),
               pier_docker_client_get_uri (self->client), _(what));
}

static char *
docker_check_dockerfile (PierEngine *engine, const char *context_dir, const char *dockerfile,
                         GCancellable *cancellable, GError **error)
{
  pier_docker_engine_not_supported (PIER_DOCKER_ENGINE (engine), N_("check Dockerfiles"), error);
  return NULL;
}

static void
pier_docker_engine_iface_init (PierEngineInterface *iface)
{
  iface->get_capabilities = docker_get_capabilities;
  iface->ping = docker_ping;
  iface->check_dockerfile = docker_check_dockerfile;
  pier_docker_engine_images_init (iface);
  pier_docker_engine_containers_init (iface);
  pier_docker_engine_attach_init (iface);
  pier_docker_engine_processes_init (iface);
  pier_docker_engine_events_init (iface);
  pier_docker_engine_archive_init (iface);
  pier_docker_engine_registry_init (iface);
  pier_docker_engine_graphical_init (iface);
}

static void
pier_docker_engine_finalize (GObject *object)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (object);

  pier_docker_endpoint_free (self->endpoint);
  pier_docker_client_free (self->client);
  g_free (self->runroot);
  G_OBJECT_CLASS (pier_docker_engine_parent_class)->finalize (object);
}

static void
pier_docker_engine_class_init (PierDockerEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_docker_engine_finalize;
}

static void
pier_docker_engine_init (PierDockerEngine *self)
{
  (void) self;
}

PierDockerEngine *
pier_docker_engine_new (const PierDockerEndpoint *endpoint, const char *runroot)
{
  PierDockerEngine *self = g_object_new (PIER_TYPE_DOCKER_ENGINE, NULL);

  self->endpoint = pier_docker_endpoint_copy (endpoint);
  self->client = pier_docker_client_new (endpoint);
  self->runroot = runroot ? g_strdup (runroot) : pier_paths_default_runroot ();
  return self;
}

const PierDockerEndpoint *
pier_docker_engine_get_endpoint (PierDockerEngine *engine)
{
  return engine->endpoint;
}

void
pier_docker_engine_set_timeouts (PierDockerEngine *engine, guint connect_ms, guint stall_ms)
{
  pier_docker_client_set_timeouts (engine->client, connect_ms, stall_ms);
}

/* ---- helpers over replies ---- */

char *
pier_docker_path (const char *prefix, const char *name, const char *suffix)
{
  g_autofree char *escaped = pier_docker_escape (name);

  return g_strconcat (prefix, escaped, suffix, NULL);
}

const char *
pier_docker_str (json_t *object, const char *key)
{
  json_t *value = json_object_get (object, key);

  return json_is_string (value) ? json_string_value (value) : NULL;
}

gint64
pier_docker_int (json_t *object, const char *key)
{
  json_t *value = json_object_get (object, key);

  if (json_is_integer (value))
    return json_integer_value (value);
  if (json_is_real (value))
    return (gint64) CLAMP (json_real_value (value), (double) G_MININT64, 9.2e18);
  return 0;
}

char **
pier_docker_strv (json_t *array)
{
  GPtrArray *strv = g_ptr_array_new ();
  json_t *item;
  size_t i;

  json_array_foreach (array, i, item)
    if (json_is_string (item))
      g_ptr_array_add (strv, g_strdup (json_string_value (item)));
  g_ptr_array_add (strv, NULL);
  return (char **) g_ptr_array_free (strv, FALSE);
}

gint64
pier_docker_time_usec (const char *text)
{
  g_autoptr (GDateTime) time = NULL;

  if (text == NULL || g_str_has_prefix (text, "0001-01-01"))
    return 0;
  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    return 0;
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

char *
pier_docker_normalize_name (const char *name)
{
  g_autoptr (PierReference) ref = pier_reference_parse (name, NULL);

  return ref != NULL ? pier_reference_to_string (ref) : g_strdup (name);
}

char *
pier_docker_repo_tag_query (const char *name, GError **error)
{
  g_autoptr (PierReference) ref = pier_reference_parse (name, error);
  g_autofree char *repo = NULL, *escaped_repo = NULL, *escaped_tag = NULL;

  if (ref == NULL)
    return NULL;
  repo = pier_reference_name (ref);
  escaped_repo = pier_docker_escape (repo);
  escaped_tag = pier_docker_escape (ref->tag != NULL ? ref->tag : PIER_DEFAULT_TAG);
  return g_strdup_printf ("repo=%s&tag=%s", escaped_repo, escaped_tag);
}

json_t *
pier_docker_env_json (PierJsonWriter *w, const char *const *env)
{
  json_t *array = json_array ();

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      if (strchr (env[i], '=') != NULL)
        pier_json_append (w, array, pier_json_text (w, "env", env[i]));
      else if (g_getenv (env[i]) != NULL)
        pier_json_append (w, array, pier_json_text_take (
                                        w, "env", g_strdup_printf ("%s=%s", env[i],
                                                                   g_getenv (env[i]))));
    }
  return array;
}

char *
pier_docker_image_id (const char *id)
{
  if (id == NULL || g_str_has_prefix (id, "sha256:") || strlen (id) != 64)
    return g_strdup (id);
  return g_strconcat ("sha256:", id, NULL);
}

gboolean
pier_docker_expect (PierDockerEngine *self, json_t *json, json_type type, const char *what,
                    GError **error)
{
  if (json != NULL && json_typeof (json) == type)
    return TRUE;
  g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s sent %s of the wrong type"),
               pier_docker_client_get_uri (self->client), what);
  return FALSE;
}
