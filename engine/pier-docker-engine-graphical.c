/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: graphical sessions in the containers of an engine on this machine, through
 * a target (pier-graphical-target.h) that reaches them with the API: exec for processes (its
 * host pid from /exec/ID/json), their init's mount namespace for files, and a folder of Pier's
 * own under its runroot for the rest. */
#include "pier-docker-engine-private.h"

#include "pier-engine-graphical.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-pidfd.h"
#include "pier-process-snapshot.h"

#include <errno.h>

/* How long an exec may take to have a process. */
#define EXEC_PID_TIMEOUT_MS 10000
#define POLL_INTERVAL_MS 25

typedef struct {
  PierGraphicalTarget parent;
  PierDockerEngine *engine;
  char *id;
  char *image_id;
  GCancellable *cancellable;
} DockerTarget;

static gint64
exec_pid (DockerTarget *self, const char *exec_id, GError **error)
{
  g_autofree char *path = pier_docker_path ("/exec/", exec_id, "/json");
  gint64 deadline = g_get_monotonic_time () + EXEC_PID_TIMEOUT_MS * 1000;

  do
    {
      g_autoptr (json_t) reply = pier_docker_client_json (self->engine->client, NULL, path, NULL,
                                                          self->cancellable, error);
      gint64 pid;

      if (reply == NULL
          || !pier_docker_expect (self->engine, reply, JSON_OBJECT, _("an exec"), error))
        return -1;
      pid = pier_docker_int (reply, "Pid");
      if (pid > 0)
        return pid;
      if (json_is_false (json_object_get (reply, "Running"))
          && json_integer_value (json_object_get (reply, "ExitCode")) != 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("it ended at once (exit code %d)"),
                       (int) pier_docker_int (reply, "ExitCode"));
          return -1;
        }
      if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
        return -1;
      g_usleep (POLL_INTERVAL_MS * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
               _("%s gave the exec no process within %d seconds"),
               pier_docker_client_get_uri (self->engine->client), EXEC_PID_TIMEOUT_MS / 1000);
  return -1;
}

/* A detached exec as the container's user. Its output stays with the engine: the API gives a
 * detached exec's nowhere, so @log_fd gets nothing. */
static gboolean
docker_spawn (PierGraphicalTarget *target, char **argv, char **env, int log_fd, pid_t *out_pid,
              GError **error)
{
  DockerTarget *self = (DockerTarget *) target;
  g_auto (PierJsonWriter) w = { 0 };
  g_autoptr (json_t) body = json_object ();
  g_autoptr (json_t) start = json_object ();
  g_autoptr (json_t) reply = NULL;
  g_autofree char *path = pier_docker_path ("/containers/", self->id, "/exec");
  g_autofree char *start_path = NULL;
  const char *exec_id;
  gint64 pid;

  (void) log_fd;
  pier_json_set (&w, body, "Cmd", pier_json_strv (&w, "command", (const char *const *) argv));
  json_object_set_new (body, "Env", pier_docker_env_json (&w, (const char *const *) env));
  if (w.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&w.error));
      return FALSE;
    }
  reply = pier_docker_client_json (self->engine->client, "POST", path, body, self->cancellable,
                                   error);
  if (reply == NULL || !pier_docker_expect (self->engine, reply, JSON_OBJECT, _("an exec"), error))
    return FALSE;
  exec_id = pier_docker_str (reply, "Id");
  if (exec_id == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s made an exec without an id"),
                   pier_docker_client_get_uri (self->engine->client));
      return FALSE;
    }
  start_path = pier_docker_path ("/exec/", exec_id, "/start");
  json_object_set_new (start, "Detach", json_true ());
  {
    PierDockerRequest request = { .method = "POST", .path = start_path, .json = start,
                                  .body_fd = -1 };
    if (pier_docker_client_send (self->engine->client, &request, NULL, self->cancellable,
                                 error) == 0)
      return FALSE;
  }
  pid = exec_pid (self, exec_id, error);
  if (pid <= 0)
    return FALSE;
  *out_pid = (pid_t) pid;
  return TRUE;
}

static char **
docker_image_command (PierGraphicalTarget *target, GError **error)
{
  DockerTarget *self = (DockerTarget *) target;
  g_autofree char *path = pier_docker_path ("/images/", self->image_id, "/json");
  g_autoptr (json_t) image = pier_docker_client_json (self->engine->client, NULL, path, NULL,
                                                      self->cancellable, error);
  g_autoptr (GStrvBuilder) argv = g_strv_builder_new ();
  g_auto (GStrv) entrypoint = NULL;
  g_auto (GStrv) cmd = NULL;
  json_t *config;

  if (image == NULL || !pier_docker_expect (self->engine, image, JSON_OBJECT, _("an image"), error))
    return NULL;
  config = json_object_get (image, "Config");
  entrypoint = pier_docker_strv (json_object_get (config, "Entrypoint"));
  cmd = pier_docker_strv (json_object_get (config, "Cmd"));
  g_strv_builder_addv (argv, (const char **) entrypoint);
  g_strv_builder_addv (argv, (const char **) cmd);
  return g_strv_builder_end (argv);
}

static void
docker_finalize (PierGraphicalTarget *target)
{
  DockerTarget *self = (DockerTarget *) target;

  g_object_unref (self->engine);
  g_clear_object (&self->cancellable);
  g_free (self->id);
  g_free (self->image_id);
}

static const PierGraphicalTargetClass docker_class = {
  .write_files = pier_graphical_target_write_files_in_init,
  .spawn = docker_spawn,
  .image_command = docker_image_command,
  .finalize = docker_finalize,
};

/* The ids the init runs as, in its own user namespace: the container's user, whom exec runs
 * as too (an init that drops to another user leaves exec as root, who reads its files). */
static gboolean
init_user (PierGraphicalTarget *target, GError **error)
{
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snapshot = pier_process_scanner_snapshot (scanner, NULL, error);
  const PierProcess *init = snapshot ? pier_process_snapshot_find (snapshot, target->init_pid)
                                     : NULL;

  if (init == NULL || init->start_ticks != target->init_start_time)
    {
      if (snapshot != NULL)
        g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("container %s is not running"),
                     target->name);
      return FALSE;
    }
  target->uid = init->uid;
  target->gid = init->gid;
  return TRUE;
}

static PierGraphicalTarget *
docker_target_new (PierDockerEngine *engine, const char *name, GCancellable *cancellable,
                   GError **error)
{
  g_autofree char *path = pier_docker_path ("/containers/", name, "/json");
  g_autoptr (json_t) reply = pier_docker_client_json (engine->client, NULL, path, NULL,
                                                      cancellable, error);
  g_autoptr (PierGraphicalTarget) target = NULL;
  g_autofree char *endpoint_hash = NULL;
  g_autofree char *short_id = NULL;
  json_t *state, *config, *host_config;
  const char *id, *network;
  DockerTarget *self;

  if (reply == NULL || !pier_docker_expect (engine, reply, JSON_OBJECT, _("a container"), error))
    return NULL;
  id = pier_docker_str (reply, "Id");
  state = json_object_get (reply, "State");
  config = json_object_get (reply, "Config");
  host_config = json_object_get (reply, "HostConfig");
  if (id == NULL || strlen (id) < 12 || strspn (id, "0123456789abcdef") != strlen (id)
      || !json_is_object (state))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s described container %s without a hexadecimal id or a state"),
                   pier_docker_client_get_uri (engine->client), name);
      return NULL;
    }
  self = g_new0 (DockerTarget, 1);
  target = &self->parent;
  target->klass = &docker_class;
  self->engine = g_object_ref (engine);
  self->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  self->id = g_strdup (id);
  self->image_id = g_strdup (pier_docker_str (reply, "Image"));
  target->name = g_strdup (name);
  target->image = g_strdup (pier_docker_str (config, "Image"));
  target->hostname = g_strdup (pier_docker_str (config, "Hostname") ?: name);
  target->running = json_is_true (json_object_get (state, "Running"));
  network = pier_docker_str (host_config, "NetworkMode");
  target->host_network = g_strcmp0 (network, "host") == 0;
  /* Short enough for the relay's socket: RUNROOT/docker/<12>/<12>/rdp.sock. */
  endpoint_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                 pier_docker_client_get_uri (engine->client), -1);
  endpoint_hash[12] = '\0';
  short_id = g_strndup (id, 12);
  target->state_dir = g_build_filename (engine->runroot, "docker", endpoint_hash, short_id, NULL);
  target->certificate_dir = g_build_filename (target->state_dir, "rdp", NULL);
  if (!target->running || target->host_network)
    return g_steal_pointer (&target);

  target->init_pid = (pid_t) pier_docker_int (state, "Pid");
  target->init_start_time = target->init_pid > 0 ? pier_proc_start_time (target->init_pid) : 0;
  if (target->init_start_time == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("container %s runs, but its init (host pid %d) is not on this machine"),
                   name, (int) target->init_pid);
      return NULL;
    }
  if (!init_user (target, error) || !pier_fs_mkdir_p (target->state_dir, 0700, error))
    return NULL;
  return g_steal_pointer (&target);
}

static PierGraphicalSession *
docker_open_graphical_session (PierEngine *engine, const char *container,
                               const PierGraphicalOptions *options, GCancellable *cancellable,
                               GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (PierGraphicalTarget) target = NULL;

  if (!pier_docker_endpoint_is_local (self->endpoint))
    {
      pier_docker_engine_not_supported (self, N_("open graphical sessions (its containers run "
                                                 "on another machine)"), error);
      return NULL;
    }
  target = docker_target_new (self, container, cancellable, error);
  if (target == NULL)
    return NULL;
  return pier_engine_graphical_open (target, options, error);
}

void
pier_docker_engine_graphical_init (PierEngineInterface *iface)
{
  iface->open_graphical_session = docker_open_graphical_session;
}
