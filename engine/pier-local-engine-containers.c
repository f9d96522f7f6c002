/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: containers, their life, output and exec. */
#include "pier-local-engine-private.h"

#include "pier-container-exec.h"
#include "pier-container-inspect.h"
#include "pier-container-options.h"
#include "pier-container-processes.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

G_STATIC_ASSERT (PIER_RUN_MEMORY_MAX == PIER_CONTAINER_MEMORY_MAX);
G_STATIC_ASSERT ((int) PIER_CONTAINER_STATE_CREATED == (int) PIER_CONTAINER_CREATED);
G_STATIC_ASSERT ((int) PIER_CONTAINER_STATE_RUNNING == (int) PIER_CONTAINER_RUNNING);
G_STATIC_ASSERT ((int) PIER_CONTAINER_STATE_EXITED == (int) PIER_CONTAINER_EXITED);

static PierContainerInfo *
container_info (const PierContainer *c)
{
  PierContainerInfo *info = g_new0 (PierContainerInfo, 1);

  info->id = g_strdup (c->id);
  info->name = g_strdup (c->name);
  info->image = g_strdup (c->image);
  info->image_id = g_strdup (c->image_id);
  info->command = g_strdupv (c->argv);
  info->env = g_strdupv (c->env);
  info->user = g_strdup (c->user);
  info->working_dir = g_strdup (c->working_dir);
  info->tty = c->tty;
  info->state = (PierContainerState) c->status;
  info->created = c->created;
  info->started_at = c->started_at;
  info->finished_at = c->finished_at;
  info->exit_code = c->exit_code;
  info->stale = c->stale;
  info->hostname = g_strdup (c->hostname);
  info->network = g_strdup (pier_network_mode_to_string (c->network));
  info->ip_address = g_strdup (c->ip_address);
  info->memory_bytes = c->memory_bytes;
  info->cpus = c->cpus;
  info->pids_limit = pier_container_get_pids_limit (c);
  info->host_pid = c->status == PIER_CONTAINER_RUNNING ? c->pid : 0;
  info->broken = g_strdup (c->broken);
  return info;
}

static GPtrArray *
local_list_containers (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  g_autoptr (GPtrArray) list = NULL;
  GPtrArray *infos;

  if (store == NULL || (list = pier_store_list_containers (store, error)) == NULL)
    return NULL;
  infos = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_container_info_free);
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (infos, container_info (list->pdata[i]));
  return infos;
}

static PierContainerInfo *
local_get_container (PierEngine *engine, const char *name, gboolean broken_too,
                     GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, broken_too, &store, error);

  return c ? container_info (c) : NULL;
}

static char *
local_inspect_container (PierEngine *engine, const char *name, gboolean broken_too,
                         GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, broken_too, &store, error);

  return c ? pier_container_inspect_json (store, c, error) : NULL;
}

/* @o borrows from @options. */
static gboolean
container_options (const PierRunOptions *options, PierContainerOptions *o, GError **error)
{
  memset (o, 0, sizeof *o);
  o->image = options->image;
  o->name = options->name;
  o->hostname = options->hostname;
  o->command = options->command;
  o->env = options->env;
  o->volumes = options->volumes;
  o->working_dir = options->working_dir;
  o->user = options->user;
  o->memory_bytes = options->memory_bytes;
  o->cpus = options->cpus;
  o->pids_limit = options->pids_limit;
  o->cap_add = options->cap_add;
  o->cap_drop = options->cap_drop;
  o->security_opt = options->security_opt;
  o->tty = options->tty;
  o->interactive = options->interactive;
  o->auto_remove = options->auto_remove;
  o->tty_rows = options->tty_rows;
  o->tty_cols = options->tty_cols;
  if (options->network == NULL)
    return TRUE;
  o->network_set = TRUE;
  return pier_network_mode_from_string (options->network, &o->network, error);
}

static char *
local_create (PierEngine *engine, const PierRunOptions *options, GCancellable *cancellable,
              GError **error)
{
  PierContainerOptions o;
  PierStore *store;
  g_autoptr (PierContainer) c = NULL;

  if (!container_options (options, &o, error) ||
      (store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error)) == NULL ||
      (c = pier_store_create_container (store, &o, error)) == NULL)
    return NULL;
  return g_strdup (c->id);
}

/* Relays the terminal or output of @c, started attached through @conn, until it exits. */
static gboolean
relay (const PierContainer *c, int conn, const PierStdio *attach, int *exit_code,
       GError **error)
{
  int code = 0;
  gboolean ok = pier_sandbox_attach_relay (conn, attach->in_fd, attach->out_fd, attach->err_fd,
                                           c->tty, &code, error);

  close (conn);
  if (ok && exit_code != NULL)
    *exit_code = code;
  return ok;
}

static gboolean
local_run (PierEngine *engine, const PierRunOptions *options, const PierStdio *attach,
           PierStartedFunc started, gpointer started_data, int *exit_code,
           GCancellable *cancellable, GError **error)
{
  g_autoptr (PierContainer) c = NULL;
  g_auto (GStrv) warnings = NULL;
  PierContainerOptions o;
  PierStore *store;
  int conn = -1;
  gboolean ok;

  if (!container_options (options, &o, error) ||
      (store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error)) == NULL ||
      (c = pier_store_run_container (store, &o, attach ? &conn : NULL, &warnings, error)) == NULL)
    return FALSE;
  if (started != NULL)
    started (c->id, (const char *const *) warnings, started_data);
  if (attach == NULL)
    return TRUE;
  ok = relay (c, conn, attach, exit_code, error);
  /* Its monitor would remove it only if this process had died first. */
  if (options->auto_remove)
    pier_container_remove (store, c, TRUE, NULL);
  return ok;
}

static gboolean
local_start (PierEngine *engine, const char *name, const PierStdio *attach,
             PierStartedFunc started, gpointer started_data, int *exit_code,
             GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);
  g_auto (GStrv) warnings = NULL;
  int conn = -1;

  if (c == NULL)
    return FALSE;
  if (attach != NULL && c->tty && (attach->tty_rows != 0 || attach->tty_cols != 0))
    {
      c->tty_rows = attach->tty_rows;
      c->tty_cols = attach->tty_cols;
    }
  if (!pier_container_start (store, c, attach ? &conn : NULL, &warnings, error))
    return FALSE;
  if (started != NULL)
    started (c->id, (const char *const *) warnings, started_data);
  return attach == NULL || relay (c, conn, attach, exit_code, error);
}

static gboolean
local_stop (PierEngine *engine, const char *name, guint timeout_seconds,
            GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);

  return c != NULL && pier_container_stop (store, c, timeout_seconds, error);
}

static gboolean
local_kill (PierEngine *engine, const char *name, int signal, GCancellable *cancellable,
            GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);

  return c != NULL && pier_container_kill (store, c, signal, error);
}

static gboolean
local_wait (PierEngine *engine, const char *name, int *exit_code, GCancellable *cancellable,
            GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);

  return c != NULL && pier_container_wait (store, c, exit_code, error);
}

static gboolean
local_remove (PierEngine *engine, const char *name, gboolean force, GCancellable *cancellable,
              GError **error)
{
  PierStore *store;
  /* A broken container can be named too: removal is all it is good for. */
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, TRUE, &store, error);

  return c != NULL && pier_container_remove (store, c, force, error);
}

typedef struct {
  PierLogChunkFunc func;
  gpointer user_data;
} LogRelay;

static gboolean
log_entry (const PierLogEntry *entry, gpointer user_data)
{
  LogRelay *r = user_data;
  PierLogChunk chunk = {
    .stream = entry->stream == PIER_LOG_STDERR ? PIER_OUTPUT_STDERR : PIER_OUTPUT_STDOUT,
    .data = entry->data,
    .len = entry->len,
    .partial = entry->partial,
  };

  return r->func (&chunk, r->user_data);
}

static gboolean
local_logs (PierEngine *engine, const char *name, gboolean follow, PierLogChunkFunc func,
            gpointer user_data, GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);
  g_autofree char *log = NULL;
  g_autofree char *state_dir = NULL;
  LogRelay r = { func, user_data };

  if (c == NULL)
    return FALSE;
  log = pier_container_get_log_path (store, c);
  state_dir = pier_container_get_state_dir (store, c);
  return pier_log_read (log, follow ? state_dir : NULL, log_entry, &r, cancellable, error);
}

static gboolean
local_stats (PierEngine *engine, const char *name, PierContainerStats *stats,
             GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);
  g_autofree char *state_dir = NULL;
  PierCgroupStats cgroup = { 0 };

  if (c == NULL)
    return FALSE;
  if (c->status != PIER_CONTAINER_RUNNING)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("container %s is not running"),
                   c->name);
      return FALSE;
    }
  state_dir = pier_container_get_state_dir (store, c);
  if (!pier_sandbox_stats (state_dir, &cgroup, error))
    return FALSE;
  stats->has_memory = cgroup.has_memory;
  stats->has_cpu = cgroup.has_cpu;
  stats->has_pids = cgroup.has_pids;
  stats->memory_bytes = cgroup.memory_bytes;
  stats->cpu_ns = cgroup.cpu_ns;
  stats->pids = cgroup.pids;
  return TRUE;
}

/* @o borrows from @options. */
static void
exec_options (const PierExecOptions *options, PierContainerExecOptions *o)
{
  *o = (PierContainerExecOptions) {
    .argv = (char **) options->argv,
    .user = options->user,
    .working_dir = options->working_dir,
    .env = options->env,
    .tty = options->tty,
    .tty_rows = options->tty_rows,
    .tty_cols = options->tty_cols,
    .session_origin = PIER_SESSION_EXEC,
  };
}

static gboolean
local_exec (PierEngine *engine, const char *name, const PierExecOptions *options,
            const PierStdio *stdio, int *exit_code, GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);
  PierContainerExecOptions o;

  if (c == NULL)
    return FALSE;
  exec_options (options, &o);
  return pier_container_exec (store, c, &o, stdio->in_fd, stdio->out_fd, stdio->err_fd,
                              exit_code, error);
}

/* ---- a started exec: the process is this process's child ---- */

#define PIER_TYPE_LOCAL_EXEC (pier_local_exec_get_type ())
G_DECLARE_FINAL_TYPE (PierLocalExec, pier_local_exec, PIER, LOCAL_EXEC, PierExec)

struct _PierLocalExec {
  PierExec parent_instance;
  pid_t pid;
};

G_DEFINE_FINAL_TYPE (PierLocalExec, pier_local_exec, PIER_TYPE_EXEC)

static gboolean
local_exec_wait (PierExec *exec, int *exit_code, int *signal, GCancellable *cancellable,
                 GError **error)
{
  PierLocalExec *self = PIER_LOCAL_EXEC (exec);
  int status;

  if (self->pid <= 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the process was already waited for"));
      return FALSE;
    }
  while (waitpid (self->pid, &status, 0) < 0)
    if (errno != EINTR)
      return pier_set_errno (error, errno, _("waiting for process %d"), (int) self->pid);
  self->pid = 0;
  *exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  *signal = WIFSIGNALED (status) ? WTERMSIG (status) : 0;
  return TRUE;
}

static void
pier_local_exec_class_init (PierLocalExecClass *klass)
{
  PIER_EXEC_CLASS (klass)->wait = local_exec_wait;
}

static void
pier_local_exec_init (PierLocalExec *self)
{
}

static PierExec *
local_exec_start (PierEngine *engine, const char *name, const PierExecOptions *options,
                  const PierStdio *stdio, GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, &store, error);
  pier_autofd int null_fd = -1;
  PierContainerExecOptions o;
  PierLocalExec *exec;
  pid_t pid;
  int master = -1;

  if (c == NULL)
    return NULL;
  exec_options (options, &o);
  if (stdio == NULL)
    null_fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (!pier_container_exec_spawn (store, c, &o, stdio ? stdio->in_fd : null_fd,
                                  stdio ? stdio->out_fd : null_fd,
                                  stdio ? stdio->err_fd : null_fd, &pid, &master, error))
    return NULL;
  exec = g_object_new (PIER_TYPE_LOCAL_EXEC, NULL);
  exec->pid = pid;
  pier_exec_set_pty (PIER_EXEC (exec), master);
  pier_exec_set_host_pid (PIER_EXEC (exec), pid);
  return PIER_EXEC (exec);
}

void
pier_local_engine_init_containers (PierEngineInterface *iface)
{
  iface->list_containers = local_list_containers;
  iface->get_container = local_get_container;
  iface->inspect_container = local_inspect_container;
  iface->create = local_create;
  iface->run = local_run;
  iface->start = local_start;
  iface->stop = local_stop;
  iface->kill = local_kill;
  iface->wait = local_wait;
  iface->remove = local_remove;
  iface->logs = local_logs;
  iface->stats = local_stats;
  iface->exec = local_exec;
  iface->exec_start = local_exec_start;
}
