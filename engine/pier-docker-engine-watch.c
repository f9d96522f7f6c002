/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine on a local socket: processes read again and again for the side-by-side
 * view, as PierLocalEngine's watch reads them: a container's sessions, or every process of
 * the host with the container it is in. One scanner per watch, so that CPU use is measured
 * between two reads and what did not change is not read again. */
#include "pier-docker-engine-private.h"

#include "pier-engine-scan-values-private.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <sys/stat.h>

#define PIER_TYPE_DOCKER_PROCESS_WATCH (pier_docker_process_watch_get_type ())
G_DECLARE_FINAL_TYPE (PierDockerProcessWatch, pier_docker_process_watch, PIER,
                      DOCKER_PROCESS_WATCH, PierProcessWatch)

struct _PierDockerProcessWatch {
  PierProcessWatch parent_instance;
  PierDockerEngine *engine;
  char *container;           /* NULL: the host */
  PierProcessScanner *scanner;
  GMutex lock;
  int init;                  /* the container's, once found */
  guint64 pid_ns;
  GHashTable *names_by_ns;   /* guint64 * → container name, for the host */
  GHashTable *foreign;       /* PID namespaces of no container */
};

G_DEFINE_FINAL_TYPE (PierDockerProcessWatch, pier_docker_process_watch,
                     PIER_TYPE_PROCESS_WATCH)

static guint64
pid_ns_of (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/pid", pid);
  struct stat st;

  return pid > 0 && stat (path, &st) == 0 ? (guint64) st.st_ino : 0;
}

static GPtrArray *
read_sessions (PierDockerProcessWatch *self, GCancellable *cancellable, GError **error)
{
  PierProcessFilter filter = { 0 };
  g_autoptr (PierProcessSnapshot) snapshot = NULL;

  /* Asked of the peer once, and again only when the init is gone (a restart). */
  if (self->pid_ns == 0 || pid_ns_of (self->init) != self->pid_ns)
    {
      self->pid_ns = 0;
      if (!pier_docker_engine_running_init (self->engine, self->container, &self->init,
                                            &self->pid_ns, cancellable, error))
        return NULL;
    }
  filter.pid_ns = self->pid_ns;
  snapshot = pier_process_scanner_snapshot (self->scanner, &filter, error);
  return snapshot != NULL ? pier_docker_engine_sessions (snapshot, self->init, self->pid_ns)
                          : NULL;
}

static gboolean
has_unknown_ns (PierDockerProcessWatch *self, PierProcessSnapshot *snapshot)
{
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      if (!g_hash_table_contains (self->names_by_ns, &p->pid_ns)
          && !g_hash_table_contains (self->foreign, &p->pid_ns))
        return TRUE;
    }
  return FALSE;
}

/* Which running container each PID namespace of @snapshot is, asked of the peer only when a
 * namespace not placed yet appears. */
static gboolean
place_namespaces (PierDockerProcessWatch *self, PierProcessSnapshot *snapshot,
                  GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) containers = NULL;

  if (!has_unknown_ns (self, snapshot))
    return TRUE;
  containers = pier_engine_list_containers (PIER_ENGINE (self->engine), cancellable, error);
  if (containers == NULL)
    return FALSE;
  g_hash_table_remove_all (self->names_by_ns);
  g_hash_table_remove_all (self->foreign);
  for (guint i = 0; i < containers->len; i++)
    {
      PierContainerInfo *c = containers->pdata[i];
      guint64 ns = 0;
      int init;
      /* The peer's list has no PIDs: each running one is asked (a container that stopped
       * meanwhile is simply not placed). */
      if (c->state == PIER_CONTAINER_STATE_RUNNING
          && pier_docker_engine_running_init (self->engine, c->id, &init, &ns, cancellable, NULL))
        g_hash_table_insert (self->names_by_ns, g_memdup2 (&ns, sizeof ns), g_strdup (c->name));
    }
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      if (!g_hash_table_contains (self->names_by_ns, &p->pid_ns))
        g_hash_table_add (self->foreign, g_memdup2 (&p->pid_ns, sizeof p->pid_ns));
    }
  return TRUE;
}

static GPtrArray *
read_host (PierDockerProcessWatch *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierProcessSnapshot) snapshot = pier_process_scanner_snapshot (self->scanner, NULL,
                                                                            error);
  GPtrArray *list;

  if (snapshot == NULL || !place_namespaces (self, snapshot, cancellable, error))
    return NULL;
  list = pier_process_info_list_new ();
  for (guint i = 0; i < pier_process_snapshot_get_n_processes (snapshot); i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      g_ptr_array_add (list, pier_process_info_from_scan (
                                 p, g_hash_table_lookup (self->names_by_ns, &p->pid_ns)));
    }
  return list;
}

static GPtrArray *
docker_process_watch_read (PierProcessWatch *watch, GCancellable *cancellable, GError **error)
{
  PierDockerProcessWatch *self = PIER_DOCKER_PROCESS_WATCH (watch);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->container != NULL ? read_sessions (self, cancellable, error)
                                 : read_host (self, cancellable, error);
}

static void
pier_docker_process_watch_finalize (GObject *object)
{
  PierDockerProcessWatch *self = PIER_DOCKER_PROCESS_WATCH (object);

  g_object_unref (self->engine);
  g_free (self->container);
  pier_process_scanner_free (self->scanner);
  g_hash_table_unref (self->names_by_ns);
  g_hash_table_unref (self->foreign);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pier_docker_process_watch_parent_class)->finalize (object);
}

static void
pier_docker_process_watch_class_init (PierDockerProcessWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_docker_process_watch_finalize;
  PIER_PROCESS_WATCH_CLASS (klass)->read = docker_process_watch_read;
}

static void
pier_docker_process_watch_init (PierDockerProcessWatch *self)
{
  g_mutex_init (&self->lock);
  self->scanner = pier_process_scanner_new ();
  self->names_by_ns = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->foreign = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static PierProcessWatch *
docker_watch_processes (PierEngine *engine, const char *container, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  PierDockerProcessWatch *watch;

  if (!pier_docker_endpoint_is_local (self->endpoint))
    {
      pier_docker_engine_not_supported (self, N_("watch the processes of another machine"),
                                        error);
      return NULL;
    }
  watch = g_object_new (PIER_TYPE_DOCKER_PROCESS_WATCH, NULL);
  watch->engine = g_object_ref (self);
  watch->container = g_strdup (container);
  return PIER_PROCESS_WATCH (watch);
}

static GPtrArray *
docker_list_host_processes (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierProcessWatch) watch = docker_watch_processes (engine, NULL, error);

  return watch != NULL ? pier_process_watch_read (watch, cancellable, error) : NULL;
}

void
pier_docker_engine_watch_init (PierEngineInterface *iface)
{
  iface->watch_processes = docker_watch_processes;
  iface->list_host_processes = docker_list_host_processes;
}
