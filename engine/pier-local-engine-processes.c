/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: processes and sessions, from this machine's /proc. */
#include "pier-local-engine-private.h"

#include "pier-container-processes.h"
#include "pier-engine-scan-values-private.h"
#include "pier-error.h"

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
  list = pier_process_info_list_new ();
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    g_ptr_array_add (list, pier_process_info_from_scan (pier_process_snapshot_get_process (snapshot, i), NULL));
  return list;
}

static char *
local_process_provenance (PierEngine *engine, const char *name, int host_pid,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr (PierContainer) c = NULL;
  PierStore *store;
  g_autoptr (PierProcessSnapshot) snapshot = container_snapshot (engine, name, &store, &c,
                                                                 error);
  const PierProcess *p;
  char *description;
  int index;

  if (snapshot == NULL)
    return NULL;
  if ((p = pier_process_snapshot_find (snapshot, host_pid)) == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, "process %d has exited", host_pid);
      return NULL;
    }
  if (!pier_container_process_provenance (store, c, p, &index, &description, error))
    return NULL;
  return description;
}

/* ---- a watch: the scanner kept from one read to the next ---- */

#define PIER_TYPE_LOCAL_PROCESS_WATCH (pier_local_process_watch_get_type ())
G_DECLARE_FINAL_TYPE (PierLocalProcessWatch, pier_local_process_watch, PIER,
                      LOCAL_PROCESS_WATCH, PierProcessWatch)

struct _PierLocalProcessWatch {
  PierProcessWatch parent_instance;

  PierLocalEngine *engine;
  char *container; /* NULL: the host */
  GMutex lock;     /* one read at a time */
  PierProcessScanner *scanner;
  /* The host's: running containers by PID namespace (guint64 * → PierContainer *), read
   * again only when a process shows up in a namespace neither it nor @foreign knows. */
  GHashTable *by_ns;
  GHashTable *foreign; /* namespaces that were no container's when by_ns was read */
};

G_DEFINE_FINAL_TYPE (PierLocalProcessWatch, pier_local_process_watch, PIER_TYPE_PROCESS_WATCH)

static GPtrArray *
read_sessions (PierLocalProcessWatch *self, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) c = pier_local_engine_find_container (self->engine, self->container,
                                                                  FALSE, &store, error);
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  GPtrArray *list;

  if (c == NULL || (snapshot = pier_container_snapshot (self->scanner, c, error)) == NULL)
    return NULL;
  sessions = pier_container_sessions (store, c, snapshot);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_session_info_free);
  for (guint i = 0; i < sessions->len; i++)
    g_ptr_array_add (list, pier_session_info_from_scan (sessions->pdata[i]));
  return list;
}

/* Whether a process of @snapshot is in a PID namespace the watch has not placed yet. */
static gboolean
has_unknown_ns (PierLocalProcessWatch *self, PierProcessSnapshot *snapshot)
{
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      if (!g_hash_table_contains (self->by_ns, &p->pid_ns) &&
          !g_hash_table_contains (self->foreign, &p->pid_ns))
        return TRUE;
    }
  return FALSE;
}

static gboolean
place_namespaces (PierLocalProcessWatch *self, PierProcessSnapshot *snapshot, GError **error)
{
  PierStore *store = pier_local_engine_get_store (self->engine, error);
  GHashTable *by_ns;

  if (self->by_ns != NULL && !has_unknown_ns (self, snapshot))
    return TRUE;
  if (store == NULL || (by_ns = pier_store_containers_by_pid_ns (store, error)) == NULL)
    return FALSE;
  g_clear_pointer (&self->by_ns, g_hash_table_unref);
  self->by_ns = by_ns;
  g_hash_table_remove_all (self->foreign);
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      if (!g_hash_table_contains (by_ns, &p->pid_ns))
        g_hash_table_add (self->foreign, g_memdup2 (&p->pid_ns, sizeof p->pid_ns));
    }
  return TRUE;
}

static GPtrArray *
read_host (PierLocalProcessWatch *self, GError **error)
{
  g_autoptr (PierProcessSnapshot) snapshot = pier_process_scanner_snapshot (self->scanner, NULL,
                                                                            error);
  GPtrArray *list;

  if (snapshot == NULL || !place_namespaces (self, snapshot, error))
    return NULL;
  list = pier_process_info_list_new ();
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      PierContainer *c = g_hash_table_lookup (self->by_ns, &p->pid_ns);

      g_ptr_array_add (list, pier_process_info_from_scan (p, c ? c->name : NULL));
    }
  return list;
}

static GPtrArray *
local_process_watch_read (PierProcessWatch *watch, GCancellable *cancellable, GError **error)
{
  PierLocalProcessWatch *self = PIER_LOCAL_PROCESS_WATCH (watch);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->container ? read_sessions (self, error) : read_host (self, error);
}

static void
pier_local_process_watch_finalize (GObject *object)
{
  PierLocalProcessWatch *self = PIER_LOCAL_PROCESS_WATCH (object);

  g_object_unref (self->engine);
  g_free (self->container);
  pier_process_scanner_free (self->scanner);
  g_clear_pointer (&self->by_ns, g_hash_table_unref);
  g_hash_table_unref (self->foreign);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pier_local_process_watch_parent_class)->finalize (object);
}

static void
pier_local_process_watch_class_init (PierLocalProcessWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_local_process_watch_finalize;
  PIER_PROCESS_WATCH_CLASS (klass)->read = local_process_watch_read;
}

static void
pier_local_process_watch_init (PierLocalProcessWatch *self)
{
  g_mutex_init (&self->lock);
  self->scanner = pier_process_scanner_new ();
  self->foreign = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static PierProcessWatch *
local_watch_processes (PierEngine *engine, const char *container, GError **error)
{
  PierLocalProcessWatch *watch = g_object_new (PIER_TYPE_LOCAL_PROCESS_WATCH, NULL);

  watch->engine = g_object_ref (PIER_LOCAL_ENGINE (engine));
  watch->container = g_strdup (container);
  return PIER_PROCESS_WATCH (watch);
}

/* A read of a watch made for it: what a listing without a watch gives. */
static GPtrArray *
read_once (PierEngine *engine, const char *container, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierProcessWatch) watch = local_watch_processes (engine, container, error);

  return pier_process_watch_read (watch, cancellable, error);
}

static GPtrArray *
local_list_sessions (PierEngine *engine, const char *name, GCancellable *cancellable,
                     GError **error)
{
  return read_once (engine, name, cancellable, error);
}

static GPtrArray *
local_list_host_processes (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  return read_once (engine, NULL, cancellable, error);
}

void
pier_local_engine_init_processes (PierEngineInterface *iface)
{
  iface->watch_processes = local_watch_processes;
  iface->process_provenance = local_process_provenance;
  iface->list_processes = local_list_processes;
  iface->list_sessions = local_list_sessions;
  iface->list_host_processes = local_list_host_processes;
}
