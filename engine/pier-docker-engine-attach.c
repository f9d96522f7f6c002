/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: run and start, detached or attached to the caller's descriptors, and
 * exec: hijacked streams relayed to the caller (with a terminal: in raw mode, at its size). */
#include "pier-docker-engine-private.h"

#include "pier-docker-hijack.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <termios.h>
#include <unistd.h>

/* /exec/ID/json until the process has ended: the stream closes a little before. */
#define EXEC_EXIT_POLLS 200
#define EXEC_EXIT_POLL_US 10000

/* The caller's terminal in raw mode while attached, as PierLocalEngine does. */
typedef struct {
  int fd;
  struct termios saved;
  gboolean raw;
} RawMode;

static void
raw_mode_enter (RawMode *mode, int fd, gboolean tty)
{
  struct termios raw;

  mode->fd = fd;
  mode->raw = FALSE;
  if (!tty || fd < 0 || !isatty (fd) || tcgetattr (fd, &mode->saved) < 0)
    return;
  raw = mode->saved;
  cfmakeraw (&raw);
  mode->raw = tcsetattr (fd, TCSANOW, &raw) == 0;
}

static void
raw_mode_leave (RawMode *mode)
{
  if (mode->raw)
    tcsetattr (mode->fd, TCSANOW, &mode->saved);
}

static void
resize (PierDockerEngine *self, const char *kind, const char *id, guint16 rows, guint16 cols)
{
  g_autofree char *escaped = pier_docker_escape (id);
  g_autofree char *path = g_strdup_printf ("/%s/%s/resize?h=%u&w=%u", kind, escaped, rows, cols);
  PierDockerRequest request = { .method = "POST", .path = path, .body_fd = -1 };

  /* A size the peer refuses leaves the one it chose: not worth failing the run for. */
  if (rows > 0 && cols > 0)
    pier_docker_client_send (self->client, &request, NULL, NULL, NULL);
}

static gboolean
start_attached (PierDockerEngine *self, const char *id, gboolean tty, gboolean remove_after,
                const PierStdio *attach, PierStartedFunc started, gpointer started_data,
                int *exit_code, GCancellable *cancellable, GError **error)
{
  g_autofree char *escaped = pier_docker_escape (id);
  g_autofree char *path = g_strdup_printf (
      "/containers/%s/attach?stream=1&stdout=1&stderr=1&stdin=%d", escaped,
      attach->in_fd >= 0 ? 1 : 0);
  g_autoptr (PierDockerConnection) stream = NULL;
  RawMode mode;
  gboolean ok;
  int code = -1;

  /* Attached before it starts, so that none of its output goes unseen. */
  if ((stream = pier_docker_client_hijack (self->client, path, NULL, cancellable, error)) == NULL)
    return FALSE;
  if (!pier_docker_engine_start_detached (self, id, NULL, NULL, cancellable, error))
    return FALSE;
  if (tty)
    resize (self, "containers", id, attach->tty_rows, attach->tty_cols);
  if (started != NULL)
    {
      const char *no_warnings[] = { NULL };
      started (id, no_warnings, started_data);
    }
  raw_mode_enter (&mode, attach->in_fd, tty);
  ok = pier_docker_relay (self->client, stream, tty, attach->in_fd, attach->out_fd,
                          attach->err_fd, cancellable, error);
  raw_mode_leave (&mode);
  ok = ok && pier_docker_engine_wait (self, id, &code, cancellable, error);
  if (ok && exit_code != NULL)
    *exit_code = code;
  if (remove_after)
    {
      g_autofree char *remove = g_strdup_printf ("/containers/%s?force=1", escaped);
      PierDockerRequest request = { .method = "DELETE", .path = remove, .body_fd = -1 };
      if (!pier_docker_client_send (self->client, &request, NULL, NULL, ok ? error : NULL))
        ok = FALSE;
    }
  return ok;
}

static gboolean
docker_start (PierEngine *engine, const char *container, const PierStdio *attach,
              PierStartedFunc started, gpointer started_data, int *exit_code,
              GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (PierContainerInfo) info = NULL;

  if (attach == NULL)
    return pier_docker_engine_start_detached (self, container, started, started_data,
                                              cancellable, error);
  if ((info = pier_engine_get_container (engine, container, FALSE, cancellable, error)) == NULL)
    return FALSE;
  return start_attached (self, info->id, info->tty, FALSE, attach, started, started_data,
                        exit_code, cancellable, error);
}

static gboolean
docker_run (PierEngine *engine, const PierRunOptions *options, const PierStdio *attach,
            PierStartedFunc started, gpointer started_data, int *exit_code,
            GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *id = pier_docker_engine_create_container (self, options, attach != NULL,
                                                             cancellable, error);
  gboolean ok;

  if (id == NULL)
    return FALSE;
  if (attach == NULL)
    ok = pier_docker_engine_start_detached (self, id, started, started_data, cancellable,
                                            error);
  else
    {
      PierStdio sized = *attach;
      /* Without -i its stdin is not open: the caller's input stays the caller's. */
      if (!options->interactive)
        sized.in_fd = -1;
      if (options->tty_rows > 0)
        {
          sized.tty_rows = options->tty_rows;
          sized.tty_cols = options->tty_cols;
        }
      ok = start_attached (self, id, options->tty, options->auto_remove, &sized, started,
                           started_data, exit_code, cancellable, error);
    }
  if (!ok && attach == NULL)
    /* A run that does not start leaves nothing. */
    pier_engine_remove (engine, id, TRUE, NULL, NULL);
  return ok;
}

/* ---- exec ---- */

#define PIER_TYPE_DOCKER_EXEC (pier_docker_exec_get_type ())
G_DECLARE_FINAL_TYPE (PierDockerExec, pier_docker_exec, PIER, DOCKER_EXEC, PierExec)

struct _PierDockerExec {
  PierExec parent_instance;
  PierDockerEngine *engine;
  char *id;
  GThread *relay; /* without a terminal: the stream to the caller's descriptors */
  GError *relay_error;
  PierDockerConnection *stream;
  PierStdio stdio;
};

G_DEFINE_FINAL_TYPE (PierDockerExec, pier_docker_exec, PIER_TYPE_EXEC)

static gpointer
relay_thread (gpointer data)
{
  PierDockerExec *self = data;

  pier_docker_relay (self->engine->client, self->stream, FALSE, self->stdio.in_fd,
                     self->stdio.out_fd, self->stdio.err_fd, NULL, &self->relay_error);
  return NULL;
}

static gboolean
exec_wait (PierExec *exec, int *exit_code, int *signal, GCancellable *cancellable,
           GError **error)
{
  PierDockerExec *self = PIER_DOCKER_EXEC (exec);
  g_autofree char *escaped = pier_docker_escape (self->id);
  g_autofree char *path = g_strdup_printf ("/exec/%s/json", escaped);

  if (self->relay != NULL)
    {
      g_thread_join (g_steal_pointer (&self->relay));
      if (self->relay_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&self->relay_error));
          return FALSE;
        }
    }
  for (guint i = 0;; i++)
    {
      g_autoptr (json_t) json = pier_docker_client_json (self->engine->client, "GET", path,
                                                         NULL, cancellable, error);
      if (json == NULL)
        return FALSE;
      if (!json_is_true (json_object_get (json, "Running")) &&
          json_is_integer (json_object_get (json, "ExitCode")))
        {
          *exit_code = (int) json_integer_value (json_object_get (json, "ExitCode"));
          *signal = 0;
          return TRUE;
        }
      if (i >= EXEC_EXIT_POLLS)
        break;
      /* The peer says when the stream ended, not when the process's end was recorded. */
      g_usleep (EXEC_EXIT_POLL_US * MIN (i + 1, 10));
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
               _("%s does not say how the process %s ended"),
               pier_docker_client_get_uri (self->engine->client), self->id);
  return FALSE;
}

static void
pier_docker_exec_finalize (GObject *object)
{
  PierDockerExec *self = PIER_DOCKER_EXEC (object);

  /* exec -d: the process goes on; the relay ends with its stream. */
  if (self->relay != NULL)
    g_thread_join (self->relay);
  pier_docker_connection_close (self->stream);
  g_clear_error (&self->relay_error);
  g_free (self->id);
  g_object_unref (self->engine);
  G_OBJECT_CLASS (pier_docker_exec_parent_class)->finalize (object);
}

static void
pier_docker_exec_class_init (PierDockerExecClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_docker_exec_finalize;
  PIER_EXEC_CLASS (klass)->wait = exec_wait;
}

static void
pier_docker_exec_init (PierDockerExec *self)
{
  (void) self;
}

static json_t *
exec_body (const PierExecOptions *o, gboolean attach_in, GError **error)
{
  g_auto (PierJsonWriter) w = { 0 };
  json_t *body = json_object ();
  json_t *env = pier_docker_env_json (&w, o->env);

  pier_json_set (&w, body, "Cmd", pier_json_strv (&w, "command", o->argv));
  json_object_set_new (body, "Env", env);
  if (o->user != NULL)
    pier_json_set_text (&w, body, "User", o->user);
  if (o->working_dir != NULL)
    pier_json_set_text (&w, body, "WorkingDir", o->working_dir);
  json_object_set_new (body, "Tty", json_boolean (o->tty));
  json_object_set_new (body, "AttachStdin", json_boolean (attach_in));
  json_object_set_new (body, "AttachStdout", json_true ());
  json_object_set_new (body, "AttachStderr", json_true ());
  if (w.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&w.error));
      json_decref (body);
      return NULL;
    }
  return body;
}

/* Creates the exec and opens its stream. */
static PierDockerExec *
exec_open (PierDockerEngine *self, const char *container, const PierExecOptions *options,
           gboolean attach_in, GCancellable *cancellable, GError **error)
{
  g_autoptr (json_t) body = exec_body (options, attach_in, error);
  g_autofree char *path = NULL, *start_path = NULL, *escaped = NULL;
  g_autoptr (json_t) reply = NULL;
  g_autoptr (json_t) start = json_object ();
  PierDockerExec *exec;

  if (body == NULL)
    return NULL;
  path = pier_docker_path ("/containers/", container, "/exec");
  reply = pier_docker_client_json (self->client, "POST", path, body, cancellable, error);
  if (reply == NULL || !pier_docker_expect (self, reply, JSON_OBJECT, _("an exec"), error))
    return NULL;
  if (pier_docker_str (reply, "Id") == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s made an exec without an id"),
                   pier_docker_client_get_uri (self->client));
      return NULL;
    }
  exec = g_object_new (PIER_TYPE_DOCKER_EXEC, NULL);
  exec->engine = g_object_ref (self);
  exec->id = g_strdup (pier_docker_str (reply, "Id"));
  escaped = pier_docker_escape (exec->id);
  start_path = g_strdup_printf ("/exec/%s/start", escaped);
  json_object_set_new (start, "Detach", json_false ());
  json_object_set_new (start, "Tty", json_boolean (options->tty));
  exec->stream = pier_docker_client_hijack (self->client, start_path, start, cancellable, error);
  if (exec->stream == NULL)
    {
      g_object_unref (exec);
      return NULL;
    }
  if (options->tty)
    resize (self, "exec", exec->id, options->tty_rows, options->tty_cols);
  return exec;
}

static PierExec *
docker_exec_start (PierEngine *engine, const char *container, const PierExecOptions *options,
                   const PierStdio *stdio, GCancellable *cancellable, GError **error)
{
  PierDockerExec *exec = exec_open (PIER_DOCKER_ENGINE (engine), container, options,
                                    options->tty || (stdio != NULL && stdio->in_fd >= 0),
                                    cancellable, error);

  if (exec == NULL)
    return NULL;
  if (options->tty)
    /* The stream is the terminal: raw bytes both ways, as a pty's master. */
    pier_exec_set_pty (PIER_EXEC (exec),
                       pier_docker_connection_steal_fd (g_steal_pointer (&exec->stream)));
  else
    {
      PierStdio none = { -1, -1, -1, 0, 0 };
      exec->stdio = stdio != NULL ? *stdio : none;
      exec->relay = g_thread_new ("pier-docker-exec", relay_thread, exec);
    }
  return PIER_EXEC (exec);
}

static gboolean
docker_exec (PierEngine *engine, const char *container, const PierExecOptions *options,
             const PierStdio *stdio, int *exit_code, GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (PierDockerExec) exec = exec_open (self, container, options, stdio->in_fd >= 0,
                                               cancellable, error);
  RawMode mode;
  int signal;
  gboolean ok;

  if (exec == NULL)
    return FALSE;
  raw_mode_enter (&mode, stdio->in_fd, options->tty);
  ok = pier_docker_relay (self->client, exec->stream, options->tty, stdio->in_fd, stdio->out_fd,
                          stdio->err_fd, cancellable, error);
  raw_mode_leave (&mode);
  return ok && exec_wait (PIER_EXEC (exec), exit_code, &signal, cancellable, error);
}

void
pier_docker_engine_attach_init (PierEngineInterface *iface)
{
  iface->run = docker_run;
  iface->start = docker_start;
  iface->exec = docker_exec;
  iface->exec_start = docker_exec_start;
}
