/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: processes and sessions, from this machine's /proc. */
#include "pier-local-engine-private.h"

#include "pier-container-processes.h"

G_STATIC_ASSERT (PIER_PROCESS_INFO_ID_UNKNOWN == PIER_PROCESS_ID_UNKNOWN);

static PierProcessInfo *
process_info (const PierProcess *p, const char *container)
{
  PierProcessInfo *info = g_new0 (PierProcessInfo, 1);

  info->container_pid = p->container_pid;
  info->container_ppid = p->container_ppid;
  info->container_sid = p->container_sid;
  info->host_pid = p->host_pid;
  info->host_ppid = p->host_ppid;
  info->host_sid = p->host_sid;
  info->uid = p->uid;
  info->host_uid = p->host_uid;
  info->user = g_strdup (p->user);
  info->host_user = g_strdup (p->host_user);
  info->tty = g_strdup (p->tty);
  info->state = p->state;
  info->command = g_strdup (p->cmdline);
  info->cpu_percent = p->cpu_percent;
  info->rss_bytes = p->rss_bytes;
  info->start_time = p->start_time;
  info->container = g_strdup (container);
  return info;
}

static GPtrArray *
process_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) pier_process_info_free);
}

/* A running container and its processes. */
static PierProcessSnapshot *
container_snapshot (PierEngine *engine, const char *name, PierStore **store,
                    PierContainer **out, GError **error)
{
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierContainer) c = pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine),
                                                                  name, FALSE, store, error);
  PierProcessSnapshot *snapshot;

  if (c == NULL || (snapshot = pier_container_snapshot (scanner, c, error)) == NULL)
    return NULL;
  *out = g_steal_pointer (&c);
  return snapshot;
}

static GPtrArray *
local_list_processes (PierEngine *engine, const char *name, GCancellable *cancellable,
                      GError **error)
{
  g_autoptr (PierContainer) c = NULL;
  PierStore *store;
  g_autoptr (PierProcessSnapshot) snapshot = container_snapshot (engine, name, &store, &c,
                                                                 error);
  GPtrArray *list;

  if (snapshot == NULL)
    return NULL;
  list = process_list ();
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    g_ptr_array_add (list, process_info (pier_process_snapshot_get_process (snapshot, i), NULL));
  return list;
}

static PierSessionInfo *
session_info (const PierProcessSession *s)
{
  PierSessionInfo *info = g_new0 (PierSessionInfo, 1);

  info->container_sid = s->container_sid;
  info->host_sid = s->host_sid;
  info->origin = g_strdup (s->origin);
  info->processes = process_list ();
  for (guint i = 0; i < s->processes->len; i++)
    {
      const PierProcess *p = s->processes->pdata[i];
      PierProcessInfo *copy = process_info (p, NULL);

      g_ptr_array_add (info->processes, copy);
      if (p == s->leader)
        info->leader = copy;
    }
  return info;
}

static GPtrArray *
local_list_sessions (PierEngine *engine, const char *name, GCancellable *cancellable,
                     GError **error)
{
  g_autoptr (PierContainer) c = NULL;
  PierStore *store;
  g_autoptr (PierProcessSnapshot) snapshot = container_snapshot (engine, name, &store, &c,
                                                                 error);
  g_autoptr (GPtrArray) sessions = NULL;
  GPtrArray *list;

  if (snapshot == NULL)
    return NULL;
  sessions = pier_container_sessions (store, c, snapshot);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_session_info_free);
  for (guint i = 0; i < sessions->len; i++)
    g_ptr_array_add (list, session_info (sessions->pdata[i]));
  return list;
}

static GPtrArray *
local_list_host_processes (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  g_autoptr (GHashTable) by_ns = NULL;
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  GPtrArray *list;

  if (store == NULL || (by_ns = pier_store_containers_by_pid_ns (store, error)) == NULL ||
      (snapshot = pier_process_scanner_snapshot (scanner, NULL, error)) == NULL)
    return NULL;
  list = process_list ();
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      PierContainer *c = g_hash_table_lookup (by_ns, &p->pid_ns);

      g_ptr_array_add (list, process_info (p, c ? c->name : NULL));
    }
  return list;
}

void
pier_local_engine_init_processes (PierEngineInterface *iface)
{
  iface->list_processes = local_list_processes;
  iface->list_sessions = local_list_sessions;
  iface->list_host_processes = local_list_host_processes;
}
