/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: a container's processes. On a local socket they are read from this
 * machine's /proc, as PierLocalEngine reads its own (the container's init is State.Pid, its
 * users mapped through its user namespace); elsewhere from /containers/ID/top. */
#include "pier-docker-engine-private.h"

#include "pier-engine-scan-values-private.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Its init's host PID and PID namespace; FALSE when it does not run. */
static gboolean
running_init (PierDockerEngine *self, const char *container, int *pid, guint64 *pid_ns,
              GCancellable *cancellable, GError **error)
{
  g_autoptr (PierContainerInfo) info = pier_engine_get_container (PIER_ENGINE (self), container,
                                                                  FALSE, cancellable, error);
  g_autofree char *ns = NULL;
  struct stat st;

  if (info == NULL)
    return FALSE;
  if (info->state != PIER_CONTAINER_STATE_RUNNING || info->host_pid <= 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("container %s is not running"),
                   container);
      return FALSE;
    }
  ns = g_strdup_printf ("/proc/%d/ns/pid", info->host_pid);
  if (stat (ns, &st) < 0)
    return pier_set_errno (error, errno, _("cannot read the PID namespace of %s (%s)"),
                           container, ns);
  *pid = info->host_pid;
  *pid_ns = st.st_ino;
  return TRUE;
}

static PierProcessSnapshot *
local_snapshot (PierDockerEngine *self, const char *container, int *init_pid,
                guint64 *pid_ns, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  PierProcessFilter filter = { 0 };

  if (!running_init (self, container, init_pid, &filter.pid_ns, cancellable, error))
    return NULL;
  *pid_ns = filter.pid_ns;
  return pier_process_scanner_snapshot (scanner, &filter, error);
}

/* The column of /top's Titles named one of @names, or -1. */
static int
column (json_t *titles, const char *const *names)
{
  json_t *title;
  size_t i;

  json_array_foreach (titles, i, title)
    if (json_is_string (title) && g_strv_contains (names, json_string_value (title)))
      return (int) i;
  return -1;
}

static const char *
cell (json_t *row, int index)
{
  return index >= 0 ? json_string_value (json_array_get (row, index)) : NULL;
}

/* Podman 4.3 gives each title line and each row as one string of columns: they are split at
 * blanks, the last column keeping the rest (a command line). */
static json_t *
split_columns (json_t *row, guint n_columns)
{
  const char *text = json_string_value (json_array_get (row, 0));
  json_t *split;

  if (json_array_size (row) != 1 || text == NULL)
    return json_incref (row);
  split = json_array ();
  while (*text != '\0')
    {
      const char *end;
      while (*text == ' ' || *text == '\t')
        text++;
      if (*text == '\0')
        break;
      end = text + strcspn (text, " \t");
      if (n_columns > 0 && json_array_size (split) == n_columns - 1)
        end = text + strlen (text);
      json_array_append_new (split, json_stringn (text, end - text));
      text = end;
    }
  return split;
}

static GPtrArray *
remote_processes (PierDockerEngine *self, const char *container, GCancellable *cancellable,
                  GError **error)
{
  g_autofree char *path = pier_docker_path ("/containers/", container, "/top");
  g_autoptr (json_t) top = pier_docker_client_json (self->client, "GET", path, NULL,
                                                    cancellable, error);
  const char *pid_names[] = { "PID", NULL }, *ppid_names[] = { "PPID", NULL };
  const char *user_names[] = { "USER", "UID", NULL }, *tty_names[] = { "TTY", "TT", NULL };
  const char *command_names[] = { "CMD", "COMMAND", NULL };
  int pid, ppid, user, tty, command;
  GPtrArray *list;
  json_t *titles, *row;
  size_t i;

  if (top == NULL || !pier_docker_expect (self, top, JSON_OBJECT, _("a process list"), error))
    return NULL;
  titles = split_columns (json_object_get (top, "Titles"), 0);
  json_object_set_new (top, "Titles", titles);
  pid = column (titles, pid_names);
  ppid = column (titles, ppid_names);
  user = column (titles, user_names);
  tty = column (titles, tty_names);
  command = column (titles, command_names);
  if (pid < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s listed the processes of %s without their PIDs"),
                   pier_docker_client_get_uri (self->client), container);
      return NULL;
    }
  list = pier_process_info_list_new ();
  json_array_foreach (json_object_get (top, "Processes"), i, row)
    {
      g_autoptr (json_t) split = split_columns (row, json_array_size (titles));
      PierProcessInfo *info;
      const char *text;
      row = split;
      text = cell (row, tty);
      if (cell (row, pid) == NULL)
        continue;
      info = g_new0 (PierProcessInfo, 1);
      /* Podman's are the container's; dockerd's are its own host's, the only ones it tells. */
      info->container_pid = (int) g_ascii_strtoll (cell (row, pid), NULL, 10);
      info->container_ppid = cell (row, ppid) ? (int) g_ascii_strtoll (cell (row, ppid), NULL, 10)
                                              : 0;
      info->uid = info->host_uid = PIER_PROCESS_INFO_ID_UNKNOWN;
      info->user = g_strdup (cell (row, user));
      info->tty = text != NULL && strcmp (text, "?") != 0 ? g_strdup (text) : NULL;
      info->state = '?';
      info->command = g_strdup (cell (row, command));
      g_ptr_array_add (list, info);
    }
  return list;
}

static GPtrArray *
docker_list_processes (PierEngine *engine, const char *container, GCancellable *cancellable,
                       GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  GPtrArray *list;
  guint64 pid_ns;
  int init;

  if (!pier_docker_endpoint_is_local (self->endpoint))
    return remote_processes (self, container, cancellable, error);
  if ((snapshot = local_snapshot (self, container, &init, &pid_ns, cancellable, error)) == NULL)
    return NULL;
  list = pier_process_info_list_new ();
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    g_ptr_array_add (list, pier_process_info_from_scan (
                               pier_process_snapshot_get_process (snapshot, i), NULL));
  return list;
}

static GPtrArray *
docker_list_sessions (PierEngine *engine, const char *container, GCancellable *cancellable,
                      GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  g_autoptr (GHashTable) origins = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (GPtrArray) sessions = NULL;
  const PierProcess *init_process;
  GPtrArray *list;
  guint64 pid_ns;
  int init;

  if (!pier_docker_endpoint_is_local (self->endpoint))
    {
      pier_docker_engine_not_supported (self, N_("list sessions of another machine"), error);
      return NULL;
    }
  if ((snapshot = local_snapshot (self, container, &init, &pid_ns, cancellable, error)) == NULL)
    return NULL;
  /* The engine records no origins; its init's session is the one it started. */
  if ((init_process = pier_process_snapshot_find (snapshot, init)) != NULL)
    g_hash_table_insert (origins, GINT_TO_POINTER (init_process->host_sid), "init");
  sessions = pier_process_snapshot_sessions (snapshot, pid_ns, origins);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_session_info_free);
  for (guint i = 0; i < sessions->len; i++)
    g_ptr_array_add (list, pier_session_info_from_scan (sessions->pdata[i]));
  return list;
}

void
pier_docker_engine_processes_init (PierEngineInterface *iface)
{
  iface->list_processes = docker_list_processes;
  iface->list_sessions = docker_list_sessions;
}
