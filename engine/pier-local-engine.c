/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: PierEngine over the in-process engine. Its calls are a thin layer: they
 * find what they are given by name and convert values; the behaviour is the layers'. */
#include "pier-local-engine-private.h"

#include "pier-events.h"
#include "pier-i18n.h"
#include "pier-paths.h"
#include "pier-rootless.h"
#include "pier-store-open.h"

#include <glib/gstdio.h>

struct _PierLocalEngine {
  GObject parent_instance;

  char *root;
  char *runroot;
  PierStore *store;
  GMutex lock; /* guards opening the store */
};

static void pier_local_engine_iface_init (PierEngineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PierLocalEngine, pier_local_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE,
                                                      pier_local_engine_iface_init))

static void
pier_local_engine_finalize (GObject *object)
{
  PierLocalEngine *self = PIER_LOCAL_ENGINE (object);

  g_clear_object (&self->store);
  g_free (self->root);
  g_free (self->runroot);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pier_local_engine_parent_class)->finalize (object);
}

static void
pier_local_engine_class_init (PierLocalEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_local_engine_finalize;
}

static void
pier_local_engine_init (PierLocalEngine *self)
{
  g_mutex_init (&self->lock);
}

PierLocalEngine *
pier_local_engine_new (const char *root, const char *runroot)
{
  PierLocalEngine *self = g_object_new (PIER_TYPE_LOCAL_ENGINE, NULL);

  /* The defaults depend on who we are: computed now, before the rootless namespace makes an
   * unprivileged user root. */
  self->root = root ? g_strdup (root) : pier_paths_default_root ();
  self->runroot = runroot ? g_strdup (runroot) : pier_paths_default_runroot ();
  return self;
}

const char *
pier_local_engine_get_root (PierLocalEngine *self)
{
  return self->root;
}

const char *
pier_local_engine_get_runroot (PierLocalEngine *self)
{
  return self->runroot;
}

gboolean
pier_local_engine_prepare (PierLocalEngine *self, GError **error)
{
  return pier_rootless_ensure (self->runroot, error);
}

PierStore *
pier_local_engine_get_store (PierLocalEngine *self, GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->store == NULL)
    self->store = pier_store_open (self->root, self->runroot, error);
  return self->store;
}

PierContainer *
pier_local_engine_find_container (PierLocalEngine *self, const char *name, gboolean broken_too,
                                  PierStore **store, GError **error)
{
  if ((*store = pier_local_engine_get_store (self, error)) == NULL)
    return NULL;
  return broken_too ? pier_store_find_any_container (*store, name, error)
                    : pier_store_find_container (*store, name, error);
}

static guint
local_get_capabilities (PierEngine *engine)
{
  return PIER_ENGINE_CAP_HOST_PROCESSES | PIER_ENGINE_CAP_GRAPHICAL_SESSIONS;
}

static gboolean
local_ping (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  return pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error) != NULL;
}

static PierEngineEvent *
event_from_journal (const PierEvent *e)
{
  PierEngineEvent *event = g_new0 (PierEngineEvent, 1);

  event->time = e->time;
  event->type = g_strdup (e->type);
  event->action = g_strdup (e->action);
  event->id = g_strdup (e->id);
  event->name = g_strdup (e->name);
  event->exit_code = e->exit_code;
  return event;
}

/* The journal's size: where the next event will be written. */
static guint64
journal_end (PierStore *store)
{
  g_autofree char *path = g_build_filename (pier_store_get_root (store), PIER_EVENTS_FILE, NULL);
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

/* The cursor is a byte offset in the event journal. */
static GPtrArray *
local_read_events (PierEngine *engine, guint64 *cursor, GCancellable *cancellable,
                   GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  g_autoptr (GPtrArray) journal = NULL;
  GPtrArray *events;

  if (store != NULL && *cursor == PIER_ENGINE_EVENTS_NOW)
    {
      *cursor = journal_end (store);
      return g_ptr_array_new_with_free_func ((GDestroyNotify) pier_engine_event_free);
    }
  if (store == NULL ||
      (journal = pier_events_read (pier_store_get_root (store), *cursor, cursor, error)) == NULL)
    return NULL;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_engine_event_free);
  for (guint i = 0; i < journal->len; i++)
    g_ptr_array_add (events, event_from_journal (journal->pdata[i]));
  return events;
}

static void
journal_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                 gpointer watch)
{
  /* A rotation renames the journal away, then writes a new one: its creation says it. */
  if (event == G_FILE_MONITOR_EVENT_CHANGED || event == G_FILE_MONITOR_EVENT_CREATED)
    pier_events_watch_changed (watch);
}

/* The journal watched by inotify, as it is appended to by any process. */
static PierEventsWatch *
local_watch_events (PierEngine *engine, GError **error)
{
  PierStore *store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error);
  g_autoptr (GFile) journal = NULL;
  g_autoptr (GFileMonitor) monitor = NULL;
  PierEventsWatch *watch;

  if (store == NULL)
    return NULL;
  journal = g_file_new_build_filename (pier_store_get_root (store), PIER_EVENTS_FILE, NULL);
  if ((monitor = g_file_monitor_file (journal, G_FILE_MONITOR_NONE, NULL, error)) == NULL)
    {
      g_prefix_error (error, _("cannot watch the event journal %s: "), g_file_peek_path (journal));
      return NULL;
    }
  /* A run writes several events in a few milliseconds: one read takes them all. */
  g_file_monitor_set_rate_limit (monitor, 100);
  watch = pier_events_watch_new (monitor);
  g_signal_connect_object (monitor, "changed", G_CALLBACK (journal_changed), watch, 0);
  return watch;
}

static void
pier_local_engine_iface_init (PierEngineInterface *iface)
{
  iface->get_capabilities = local_get_capabilities;
  iface->ping = local_ping;
  iface->read_events = local_read_events;
  iface->watch_events = local_watch_events;
  pier_local_engine_init_images (iface);
  pier_local_engine_init_containers (iface);
  pier_local_engine_init_processes (iface);
  pier_local_engine_init_build (iface);
  pier_local_engine_init_archive (iface);
  pier_local_engine_init_registry (iface);
  pier_local_engine_init_graphical (iface);
}
