/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: containers: listing, inspecting, creating and their life, logs, stats. */
#include "pier-docker-engine-private.h"

#include "pier-docker-stream.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <string.h>

#define MAX_SECCOMP_PROFILE (1024 * 1024)

static PierContainerState
state_of (const char *status)
{
  if (g_strcmp0 (status, "running") == 0 || g_strcmp0 (status, "paused") == 0 ||
      g_strcmp0 (status, "restarting") == 0)
    return PIER_CONTAINER_STATE_RUNNING;
  if (g_strcmp0 (status, "created") == 0 || g_strcmp0 (status, "configured") == 0)
    return PIER_CONTAINER_STATE_CREATED;
  return PIER_CONTAINER_STATE_EXITED;
}

/* "Exited (137) 5 seconds ago": the list's only word of an exit code. */
static int
exit_code_of (const char *status)
{
  const char *open = status != NULL ? strchr (status, '(') : NULL;

  return open != NULL && g_str_has_prefix (status, "Exited")
             ? (int) g_ascii_strtoll (open + 1, NULL, 10) : -1;
}

static const char *
strip_slash (const char *name)
{
  return name != NULL && name[0] == '/' ? name + 1 : name;
}

static PierContainerInfo *
listed_info (json_t *item)
{
  PierContainerInfo *info = g_new0 (PierContainerInfo, 1);
  const char *command = pier_docker_str (item, "Command");

  info->id = g_strdup (pier_docker_str (item, "Id"));
  info->name = g_strdup (strip_slash (json_string_value (json_array_get (
      json_object_get (item, "Names"), 0))));
  info->image = g_strdup (pier_docker_str (item, "Image"));
  info->image_id = pier_docker_image_id (pier_docker_str (item, "ImageID"));
  /* The list gives the command joined by spaces; get_container gives it as argv. */
  info->command = command != NULL && *command ? g_strsplit (command, " ", -1) : g_new0 (char *, 1);
  info->env = g_new0 (char *, 1);
  info->state = state_of (pier_docker_str (item, "State"));
  info->created = pier_docker_int (item, "Created") * G_USEC_PER_SEC;
  info->exit_code = info->state == PIER_CONTAINER_STATE_EXITED
                        ? exit_code_of (pier_docker_str (item, "Status")) : -1;
  info->network = g_strdup (pier_docker_str (json_object_get (item, "HostConfig"),
                                             "NetworkMode"));
  return info;
}

static GPtrArray *
docker_list_containers (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (json_t) list = pier_docker_client_json (self->client, "GET",
                                                     "/containers/json?all=1", NULL,
                                                     cancellable, error);
  GPtrArray *containers;
  json_t *item;
  size_t i;

  if (list == NULL || !pier_docker_expect (self, list, JSON_ARRAY, _("a container list"), error))
    return NULL;
  containers = g_ptr_array_new_full (json_array_size (list),
                                     (GDestroyNotify) pier_container_info_free);
  json_array_foreach (list, i, item)
    if (pier_docker_str (item, "Id") != NULL)
      g_ptr_array_add (containers, listed_info (item));
  return containers;
}

static json_t *
inspect (PierDockerEngine *self, const char *container, GCancellable *cancellable,
         GError **error)
{
  g_autofree char *path = pier_docker_path ("/containers/", container, "/json");
  g_autoptr (GError) local_error = NULL;
  json_t *json = pier_docker_client_json (self->client, "GET", path, NULL, cancellable,
                                          &local_error);

  if (json == NULL && g_error_matches (local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("no such container: %s"),
                   container);
      return NULL;
    }
  if (json == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!pier_docker_expect (self, json, JSON_OBJECT, _("a container"), error))
    g_clear_pointer (&json, json_decref);
  return json;
}

static char **
argv_of (json_t *json)
{
  GStrvBuilder *argv = g_strv_builder_new ();
  const char *path = pier_docker_str (json, "Path");
  json_t *arg;
  size_t i;
  char **result;

  if (path != NULL && *path)
    g_strv_builder_add (argv, path);
  json_array_foreach (json_object_get (json, "Args"), i, arg)
    if (json_is_string (arg))
      g_strv_builder_add (argv, json_string_value (arg));
  result = g_strv_builder_end (argv);
  g_strv_builder_unref (argv);
  return result;
}

static PierContainerInfo *
inspected_info (PierDockerEngine *self, json_t *json)
{
  PierContainerInfo *info = g_new0 (PierContainerInfo, 1);
  json_t *config = json_object_get (json, "Config");
  json_t *state = json_object_get (json, "State");
  json_t *host = json_object_get (json, "HostConfig");
  json_t *network = json_object_get (json, "NetworkSettings");
  const char *user = pier_docker_str (config, "User");
  const char *dir = pier_docker_str (config, "WorkingDir");
  const char *ip = pier_docker_str (network, "IPAddress");
  gint64 nano_cpus = pier_docker_int (host, "NanoCpus");
  gint64 pids = pier_docker_int (host, "PidsLimit");

  info->id = g_strdup (pier_docker_str (json, "Id"));
  info->name = g_strdup (strip_slash (pier_docker_str (json, "Name")));
  info->image = g_strdup (pier_docker_str (config, "Image"));
  info->image_id = pier_docker_image_id (pier_docker_str (json, "Image"));
  info->command = argv_of (json);
  info->env = pier_docker_strv (json_object_get (config, "Env"));
  info->user = user != NULL && *user ? g_strdup (user) : NULL;
  info->working_dir = dir != NULL && *dir ? g_strdup (dir) : NULL;
  info->tty = json_is_true (json_object_get (config, "Tty"));
  info->state = state_of (pier_docker_str (state, "Status"));
  info->created = pier_docker_time_usec (pier_docker_str (json, "Created"));
  info->started_at = pier_docker_time_usec (pier_docker_str (state, "StartedAt"));
  info->finished_at = pier_docker_time_usec (pier_docker_str (state, "FinishedAt"));
  info->exit_code = info->state == PIER_CONTAINER_STATE_EXITED
                        ? (int) pier_docker_int (state, "ExitCode") : -1;
  info->hostname = g_strdup (pier_docker_str (config, "Hostname"));
  info->network = g_strdup (pier_docker_str (host, "NetworkMode"));
  info->ip_address = info->state == PIER_CONTAINER_STATE_RUNNING && ip != NULL && *ip
                         ? g_strdup (ip) : NULL;
  info->memory_bytes = MAX (pier_docker_int (host, "Memory"), 0);
  info->cpus = nano_cpus > 0 ? nano_cpus / 1e9 : 0;
  info->pids_limit = pids > 0 ? (guint64) pids : 0;
  if (info->state == PIER_CONTAINER_STATE_RUNNING && pier_docker_endpoint_is_local (self->endpoint))
    info->host_pid = (int) pier_docker_int (state, "Pid");
  return info;
}

static PierContainerInfo *
docker_get_container (PierEngine *engine, const char *container, gboolean broken_too,
                      GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (json_t) json = inspect (self, container, cancellable, error);

  return json != NULL ? inspected_info (self, json) : NULL;
}

static char *
docker_inspect_container (PierEngine *engine, const char *container, gboolean broken_too,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr (json_t) json = inspect (PIER_DOCKER_ENGINE (engine), container, cancellable, error);
  g_autofree char *text = NULL;

  if (json == NULL)
    return NULL;
  text = json_dumps (json, JSON_INDENT (4) | JSON_PRESERVE_ORDER);
  return g_strdup (text);
}

/* ---- create ---- */

/* seccomp=FILE is the file's profile itself on the wire, as the Docker CLI sends it. */
static json_t *
security_opts (PierJsonWriter *w, const char *const *opts, GError **error)
{
  json_t *array = json_array ();

  for (guint i = 0; opts != NULL && opts[i] != NULL; i++)
    {
      const char *file = g_str_has_prefix (opts[i], "seccomp=") ? opts[i] + 8 : NULL;
      g_autofree char *profile = NULL;
      gsize len;

      if (file == NULL || strcmp (file, "unconfined") == 0)
        {
          pier_json_append (w, array, pier_json_text (w, "security-opt", opts[i]));
          continue;
        }
      if (!g_file_get_contents (file, &profile, &len, error))
        {
          json_decref (array);
          return NULL;
        }
      if (len > MAX_SECCOMP_PROFILE)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the seccomp profile %s is larger than %u KiB"), file,
                       MAX_SECCOMP_PROFILE / 1024);
          json_decref (array);
          return NULL;
        }
      pier_json_append (w, array, pier_json_text_take (
                                      w, "security-opt", g_strconcat ("seccomp=", profile, NULL)));
    }
  return array;
}

static json_t *
create_body (const PierRunOptions *o, gboolean attached, GError **error)
{
  g_auto (PierJsonWriter) w = { 0 };
  json_t *body = json_object ();
  json_t *host = json_object ();
  json_t *security = security_opts (&w, o->security_opt, error);

  if (security == NULL)
    {
      json_decref (body);
      json_decref (host);
      return NULL;
    }
  pier_json_set_text (&w, body, "Image", o->image);
  if (o->command != NULL && o->command[0] != NULL)
    pier_json_set (&w, body, "Cmd", pier_json_strv (&w, "command", o->command));
  pier_json_set (&w, body, "Env", pier_docker_env_json (&w, o->env));
  if (o->hostname != NULL)
    pier_json_set_text (&w, body, "Hostname", o->hostname);
  if (o->working_dir != NULL)
    pier_json_set_text (&w, body, "WorkingDir", o->working_dir);
  if (o->user != NULL)
    pier_json_set_text (&w, body, "User", o->user);
  json_object_set_new (body, "Tty", json_boolean (o->tty));
  json_object_set_new (body, "OpenStdin", json_boolean (o->interactive));
  json_object_set_new (body, "StdinOnce", json_boolean (o->interactive));
  json_object_set_new (body, "AttachStdin", json_boolean (o->interactive));
  json_object_set_new (body, "AttachStdout", json_true ());
  json_object_set_new (body, "AttachStderr", json_true ());
  pier_json_set (&w, host, "Binds", pier_json_strv (&w, "volume", o->volumes));
  if (o->network != NULL)
    pier_json_set_text (&w, host, "NetworkMode", o->network);
  if (o->memory_bytes > 0)
    json_object_set_new (host, "Memory", json_integer ((json_int_t) o->memory_bytes));
  if (o->cpus > 0)
    json_object_set_new (host, "NanoCpus", json_integer ((json_int_t) (o->cpus * 1e9)));
  if (o->pids_limit != 0)
    json_object_set_new (host, "PidsLimit", json_integer (o->pids_limit < 0 ? -1 : o->pids_limit));
  pier_json_set (&w, host, "CapAdd", pier_json_strv (&w, "cap-add", o->cap_add));
  pier_json_set (&w, host, "CapDrop", pier_json_strv (&w, "cap-drop", o->cap_drop));
  json_object_set_new (host, "SecurityOpt", security);
  /* Attached, the run removes it itself once it has its exit code. */
  json_object_set_new (host, "AutoRemove", json_boolean (o->auto_remove && !attached));
  if (o->tty && o->tty_rows > 0 && o->tty_cols > 0)
    {
      json_t *size = json_array ();
      json_array_append_new (size, json_integer (o->tty_rows));
      json_array_append_new (size, json_integer (o->tty_cols));
      json_object_set_new (host, "ConsoleSize", size);
    }
  json_object_set_new (body, "HostConfig", host);
  if (w.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&w.error));
      json_decref (body);
      return NULL;
    }
  return body;
}

char *
pier_docker_engine_create_container (PierDockerEngine *self, const PierRunOptions *options,
                                     gboolean attached, GCancellable *cancellable,
                                     GError **error)
{
  g_autoptr (json_t) body = create_body (options, attached, error);
  g_autofree char *path = NULL;
  g_autoptr (json_t) reply = NULL;

  if (body == NULL)
    return NULL;
  path = options->name != NULL ? pier_docker_path ("/containers/create?name=", options->name, "")
                               : g_strdup ("/containers/create");
  reply = pier_docker_client_json (self->client, "POST", path, body, cancellable, error);
  if (reply == NULL || !pier_docker_expect (self, reply, JSON_OBJECT, _("a new container"), error))
    return NULL;
  if (pier_docker_str (reply, "Id") == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s created a container without an id"),
                   pier_docker_client_get_uri (self->client));
      return NULL;
    }
  return g_strdup (pier_docker_str (reply, "Id"));
}

static char *
docker_create (PierEngine *engine, const PierRunOptions *options, GCancellable *cancellable,
               GError **error)
{
  return pier_docker_engine_create_container (PIER_DOCKER_ENGINE (engine), options, FALSE,
                                              cancellable, error);
}

/* ---- life ---- */

static gboolean
post (PierDockerEngine *self, const char *path, gboolean quiet_ok, GCancellable *cancellable,
      GError **error)
{
  PierDockerRequest request = { .method = "POST", .path = path, .body_fd = -1,
                                .quiet_ok = quiet_ok };

  return pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
}

gboolean
pier_docker_engine_start_detached (PierDockerEngine *self, const char *container,
                                   PierStartedFunc started, gpointer started_data,
                                   GCancellable *cancellable, GError **error)
{
  g_autofree char *path = pier_docker_path ("/containers/", container, "/start");
  const char *no_warnings[] = { NULL };

  if (!post (self, path, FALSE, cancellable, error))
    return FALSE;
  if (started != NULL)
    started (container, no_warnings, started_data);
  return TRUE;
}

static gboolean
docker_stop (PierEngine *engine, const char *container, guint timeout_seconds,
             GCancellable *cancellable, GError **error)
{
  g_autofree char *escaped = pier_docker_escape (container);
  g_autofree char *path = g_strdup_printf ("/containers/%s/stop?t=%u", escaped, timeout_seconds);

  return post (PIER_DOCKER_ENGINE (engine), path, TRUE, cancellable, error);
}

static gboolean
docker_kill (PierEngine *engine, const char *container, int signal, GCancellable *cancellable,
             GError **error)
{
  g_autofree char *escaped = pier_docker_escape (container);
  g_autofree char *path = g_strdup_printf ("/containers/%s/kill?signal=%d", escaped, signal);

  return post (PIER_DOCKER_ENGINE (engine), path, FALSE, cancellable, error);
}

gboolean
pier_docker_engine_wait (PierDockerEngine *self, const char *container, int *exit_code,
                         GCancellable *cancellable, GError **error)
{
  g_autofree char *path = pier_docker_path ("/containers/", container, "/wait");
  PierDockerRequest request = { .method = "POST", .path = path, .body_fd = -1,
                                .quiet_ok = TRUE, .max_reply = 64 * 1024 };
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (json_t) json = NULL;
  gsize len;
  const char *data;

  if (pier_docker_client_send (self->client, &request, &reply, cancellable, error) == 0)
    return FALSE;
  data = g_bytes_get_data (reply, &len);
  json = json_loadb (data, len, 0, NULL);
  if (!json_is_integer (json_object_get (json, "StatusCode")))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s answered a wait for %s without an exit code"),
                   pier_docker_client_get_uri (self->client), container);
      return FALSE;
    }
  *exit_code = (int) json_integer_value (json_object_get (json, "StatusCode"));
  return TRUE;
}

static gboolean
docker_wait (PierEngine *engine, const char *container, int *exit_code,
             GCancellable *cancellable, GError **error)
{
  return pier_docker_engine_wait (PIER_DOCKER_ENGINE (engine), container, exit_code,
                                  cancellable, error);
}

static gboolean
docker_remove (PierEngine *engine, const char *container, gboolean force,
               GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *escaped = pier_docker_escape (container);
  g_autofree char *path = g_strdup_printf ("/containers/%s?force=%d", escaped, force ? 1 : 0);
  PierDockerRequest request = { .method = "DELETE", .path = path, .body_fd = -1 };

  return pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
}

/* ---- logs and stats ---- */

typedef struct {
  PierLogChunkFunc func;
  gpointer user_data;
  PierDockerFrames frames;
  gboolean stopped;
} Logs;

/* Each line an entry, as the local engine's log gives them. */
static gboolean
log_bytes (int stream, const char *data, gsize len, gpointer user_data, GError **error)
{
  Logs *logs = user_data;

  while (len > 0 && !logs->stopped)
    {
      const char *newline = memchr (data, '\n', len);
      gsize n = newline != NULL ? (gsize) (newline - data) + 1 : len;
      PierLogChunk chunk = { .stream = stream == 2 ? PIER_OUTPUT_STDERR : PIER_OUTPUT_STDOUT,
                             .data = data, .len = n, .partial = newline == NULL };
      if (!logs->func (&chunk, logs->user_data))
        logs->stopped = TRUE;
      data += n;
      len -= n;
    }
  if (logs->stopped)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "stopped by the reader");
  return !logs->stopped;
}

static gboolean
log_raw (const char *data, gsize len, gpointer user_data, GError **error)
{
  return log_bytes (1, data, len, user_data, error);
}

static gboolean
log_framed (const char *data, gsize len, gpointer user_data, GError **error)
{
  Logs *logs = user_data;

  return pier_docker_frames_feed (&logs->frames, data, len, error);
}

static gboolean
docker_logs (PierEngine *engine, const char *container, gboolean follow, PierLogChunkFunc func,
             gpointer user_data, GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (json_t) json = inspect (self, container, cancellable, error);
  g_autofree char *escaped = pier_docker_escape (container);
  g_autofree char *path = g_strdup_printf ("/containers/%s/logs?stdout=1&stderr=1&follow=%d",
                                           escaped, follow ? 1 : 0);
  gboolean tty;
  Logs logs = { .func = func, .user_data = user_data };
  PierDockerRequest request = { .path = path, .body_fd = -1, .quiet_ok = follow,
                                .chunks_data = &logs };
  g_autoptr (GError) local_error = NULL;

  if (json == NULL)
    return FALSE;
  tty = json_is_true (json_object_get (json_object_get (json, "Config"), "Tty"));
  request.chunks = tty ? log_raw : log_framed;
  pier_docker_frames_init (&logs.frames, pier_docker_client_get_uri (self->client), log_bytes,
                           &logs);
  if (pier_docker_client_send (self->client, &request, NULL, cancellable, &local_error) == 0)
    {
      if (logs.stopped)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
docker_stats (PierEngine *engine, const char *container, PierContainerStats *stats,
              GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *escaped = pier_docker_escape (container);
  g_autofree char *path = g_strdup_printf ("/containers/%s/stats?stream=0&one-shot=1", escaped);
  PierDockerRequest request = { .path = path, .body_fd = -1, .max_reply = 1024 * 1024 };
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (json_t) json = NULL;
  json_t *memory, *cpu, *pids;
  const char *data;
  gsize len;

  if (pier_docker_client_send (self->client, &request, &reply, cancellable, error) == 0)
    return FALSE;
  /* Podman's counters can be above what jansson's integers hold (an unsigned wrap). */
  data = g_bytes_get_data (reply, &len);
  json = json_loadb (data, len, JSON_DECODE_INT_AS_REAL, NULL);
  if (!pier_docker_expect (self, json, JSON_OBJECT, _("stats"), error))
    return FALSE;
  memset (stats, 0, sizeof *stats);
  memory = json_object_get (json, "memory_stats");
  cpu = json_object_get (json_object_get (json, "cpu_stats"), "cpu_usage");
  pids = json_object_get (json, "pids_stats");
  stats->has_memory = json_is_number (json_object_get (memory, "usage"));
  stats->memory_bytes = MAX (pier_docker_int (memory, "usage"), 0);
  stats->has_cpu = json_is_number (json_object_get (cpu, "total_usage"));
  stats->cpu_ns = MAX (pier_docker_int (cpu, "total_usage"), 0);
  stats->has_pids = json_is_number (json_object_get (pids, "current"));
  stats->pids = MAX (pier_docker_int (pids, "current"), 0);
  return TRUE;
}

void
pier_docker_engine_containers_init (PierEngineInterface *iface)
{
  iface->list_containers = docker_list_containers;
  iface->get_container = docker_get_container;
  iface->inspect_container = docker_inspect_container;
  iface->create = docker_create;
  iface->stop = docker_stop;
  iface->kill = docker_kill;
  iface->wait = docker_wait;
  iface->remove = docker_remove;
  iface->logs = docker_logs;
  iface->stats = docker_stats;
}
