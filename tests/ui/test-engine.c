/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "test-engine.h"

#include <string.h>

typedef struct {
  const char *call; /* a vfunc's name: static */
  GCancellable *cancellable;
} Call;

struct _TestEngine {
  GObject parent_instance;

  PierEngine *inner;
  guint capabilities;
  GMutex lock;
  GArray *calls; /* Call */
};

static void test_engine_iface_init (PierEngineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEngine, test_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE, test_engine_iface_init))

/* Counts @call and returns the inner engine. */
static PierEngine *
note (PierEngine *engine, const char *call, GCancellable *cancellable)
{
  TestEngine *self = TEST_ENGINE (engine);
  Call c = { call, cancellable ? g_object_ref (cancellable) : NULL };
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_array_append_val (self->calls, c);
  return self->inner;
}

/* Counts @call, and says whether @capability lets it through; if not, sets @error as an
 * engine without it does. */
static gboolean
note_capable (PierEngine *engine, const char *call, PierEngineCapability capability,
              GCancellable *cancellable, GError **error)
{
  note (engine, call, cancellable);
  if (TEST_ENGINE (engine)->capabilities & capability)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "TestEngine cannot %s here", call);
  return FALSE;
}

static guint
get_capabilities (PierEngine *engine)
{
  TestEngine *self = TEST_ENGINE (engine);
  guint inner = PIER_ENGINE_GET_IFACE (self->inner)->get_capabilities (self->inner);

  return inner & self->capabilities;
}

static gboolean
ping (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  return pier_engine_ping (note (engine, "ping", cancellable), cancellable, error);
}

static GPtrArray *
list_images (PierEngine *engine, GPtrArray **broken, GCancellable *cancellable, GError **error)
{
  return pier_engine_list_images (note (engine, "list_images", cancellable), broken, cancellable,
                                  error);
}

static char *
inspect_image (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  return pier_engine_inspect_image (note (engine, "inspect_image", cancellable), image,
                                    cancellable, error);
}

static PierImageInfo *
get_image (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  return pier_engine_get_image (note (engine, "get_image", cancellable), image, cancellable,
                                error);
}

static GPtrArray *
image_layers (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  return pier_engine_image_layers (note (engine, "image_layers", cancellable), image,
                                   cancellable, error);
}

static GPtrArray *
image_history (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  return pier_engine_image_history (note (engine, "image_history", cancellable), image,
                                    cancellable, error);
}

static char *
image_history_dockerfile (PierEngine *engine, const char *image, GCancellable *cancellable,
                          GError **error)
{
  return pier_engine_image_history_dockerfile (note (engine, "image_history_dockerfile",
                                                     cancellable),
                                               image, cancellable, error);
}

static GPtrArray *
list_containers (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  return pier_engine_list_containers (note (engine, "list_containers", cancellable), cancellable,
                                      error);
}

static PierContainerInfo *
get_container (PierEngine *engine, const char *container, gboolean broken_too,
               GCancellable *cancellable, GError **error)
{
  return pier_engine_get_container (note (engine, "get_container", cancellable), container,
                                    broken_too, cancellable, error);
}

static char *
inspect_container (PierEngine *engine, const char *container, gboolean broken_too,
                   GCancellable *cancellable, GError **error)
{
  return pier_engine_inspect_container (note (engine, "inspect_container", cancellable),
                                        container, broken_too, cancellable, error);
}

static gboolean
start (PierEngine *engine, const char *container, const PierStdio *attach,
       PierStartedFunc started, gpointer started_data, int *exit_code, GCancellable *cancellable,
       GError **error)
{
  return pier_engine_start (note (engine, "start", cancellable), container, attach, started,
                            started_data, exit_code, cancellable, error);
}

static gboolean
stop (PierEngine *engine, const char *container, guint timeout_seconds,
      GCancellable *cancellable, GError **error)
{
  return pier_engine_stop (note (engine, "stop", cancellable), container, timeout_seconds,
                           cancellable, error);
}

static gboolean
kill_container (PierEngine *engine, const char *container, int signal,
                GCancellable *cancellable, GError **error)
{
  return pier_engine_kill (note (engine, "kill", cancellable), container, signal, cancellable,
                           error);
}

static gboolean
remove_container (PierEngine *engine, const char *container, gboolean force,
                  GCancellable *cancellable, GError **error)
{
  return pier_engine_remove (note (engine, "remove", cancellable), container, force,
                             cancellable, error);
}

static gboolean
logs (PierEngine *engine, const char *container, gboolean follow, PierLogChunkFunc func,
      gpointer user_data, GCancellable *cancellable, GError **error)
{
  return pier_engine_logs (note (engine, "logs", cancellable), container, follow, func,
                           user_data, cancellable, error);
}

static gboolean
stats (PierEngine *engine, const char *container, PierContainerStats *stats,
       GCancellable *cancellable, GError **error)
{
  return pier_engine_stats (note (engine, "stats", cancellable), container, stats, cancellable,
                            error);
}

static PierExec *
exec_start (PierEngine *engine, const char *container, const PierExecOptions *options,
            const PierStdio *stdio, GCancellable *cancellable, GError **error)
{
  return pier_engine_exec_start (note (engine, "exec_start", cancellable), container, options,
                                 stdio, cancellable, error);
}

static GPtrArray *
diff (PierEngine *engine, const char *container, GCancellable *cancellable, GError **error)
{
  return pier_engine_diff (note (engine, "diff", cancellable), container, cancellable, error);
}

/* What an engine elsewhere knows of a process: its container's side only. */
static void
forget_host_side (gpointer data, gpointer unused)
{
  PierProcessInfo *p = data;

  p->host_pid = p->host_ppid = p->host_sid = 0;
  p->host_uid = PIER_PROCESS_INFO_ID_UNKNOWN;
  g_clear_pointer (&p->host_user, g_free);
}

static GPtrArray *
list_processes (PierEngine *engine, const char *container, GCancellable *cancellable,
                GError **error)
{
  GPtrArray *list = pier_engine_list_processes (note (engine, "list_processes", cancellable),
                                                container, cancellable, error);

  if (list != NULL && !(TEST_ENGINE (engine)->capabilities & PIER_ENGINE_CAP_HOST_PROCESSES))
    g_ptr_array_foreach (list, forget_host_side, NULL);
  return list;
}

static GPtrArray *
list_sessions (PierEngine *engine, const char *container, GCancellable *cancellable,
               GError **error)
{
  if (!note_capable (engine, "list_sessions", PIER_ENGINE_CAP_HOST_PROCESSES, cancellable, error))
    return NULL;
  return pier_engine_list_sessions (TEST_ENGINE (engine)->inner, container, cancellable, error);
}

static GPtrArray *
list_host_processes (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  if (!note_capable (engine, "list_host_processes", PIER_ENGINE_CAP_HOST_PROCESSES, cancellable,
                     error))
    return NULL;
  return pier_engine_list_host_processes (TEST_ENGINE (engine)->inner, cancellable, error);
}

static PierProcessWatch *
watch_processes (PierEngine *engine, const char *container, GError **error)
{
  if (!note_capable (engine, "watch_processes", PIER_ENGINE_CAP_HOST_PROCESSES, NULL, error))
    return NULL;
  return pier_engine_watch_processes (TEST_ENGINE (engine)->inner, container, error);
}

static char *
process_provenance (PierEngine *engine, const char *container, int host_pid,
                    GCancellable *cancellable, GError **error)
{
  if (!note_capable (engine, "process_provenance", PIER_ENGINE_CAP_HOST_PROCESSES, cancellable,
                     error))
    return NULL;
  return pier_engine_process_provenance (TEST_ENGINE (engine)->inner, container, host_pid,
                                         cancellable, error);
}

static PierGraphicalSession *
open_graphical_session (PierEngine *engine, const char *container,
                        const PierGraphicalOptions *options, GCancellable *cancellable,
                        GError **error)
{
  if (!note_capable (engine, "open_graphical_session", PIER_ENGINE_CAP_GRAPHICAL_SESSIONS,
                     cancellable, error))
    return NULL;
  return pier_engine_open_graphical_session (TEST_ENGINE (engine)->inner, container, options,
                                             cancellable, error);
}

static GPtrArray *
read_events (PierEngine *engine, guint64 *cursor, GCancellable *cancellable, GError **error)
{
  return pier_engine_read_events (note (engine, "read_events", cancellable), cursor, cancellable,
                                  error);
}

static PierEventsWatch *
watch_events (PierEngine *engine, GError **error)
{
  return pier_engine_watch_events (note (engine, "watch_events", NULL), error);
}

static void
test_engine_iface_init (PierEngineInterface *iface)
{
  iface->get_capabilities = get_capabilities;
  iface->ping = ping;
  iface->list_images = list_images;
  iface->inspect_image = inspect_image;
  iface->get_image = get_image;
  iface->image_layers = image_layers;
  iface->image_history = image_history;
  iface->image_history_dockerfile = image_history_dockerfile;
  iface->list_containers = list_containers;
  iface->get_container = get_container;
  iface->inspect_container = inspect_container;
  iface->start = start;
  iface->stop = stop;
  iface->kill = kill_container;
  iface->remove = remove_container;
  iface->logs = logs;
  iface->stats = stats;
  iface->exec_start = exec_start;
  iface->diff = diff;
  iface->list_processes = list_processes;
  iface->list_sessions = list_sessions;
  iface->list_host_processes = list_host_processes;
  iface->watch_processes = watch_processes;
  iface->process_provenance = process_provenance;
  iface->open_graphical_session = open_graphical_session;
  iface->read_events = read_events;
  iface->watch_events = watch_events;
}

guint
test_engine_count (TestEngine *self, const char *call, GCancellable *cancellable)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  guint n = 0;

  for (guint i = 0; i < self->calls->len; i++)
    {
      const Call *c = &g_array_index (self->calls, Call, i);
      n += strcmp (c->call, call) == 0 && (cancellable == NULL || c->cancellable == cancellable);
    }
  return n;
}

GCancellable *
test_engine_last_cancellable (TestEngine *self, const char *call)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  for (guint i = self->calls->len; i > 0; i--)
    {
      const Call *c = &g_array_index (self->calls, Call, i - 1);
      if (strcmp (c->call, call) == 0)
        return c->cancellable;
    }
  return NULL;
}

char *
test_engine_describe (TestEngine *self)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->calls->len; i++)
    g_string_append_printf (text, "%s\n", g_array_index (self->calls, Call, i).call);
  return g_string_free (text, FALSE);
}

TestEngine *
test_engine_new (PierEngine *inner, guint capabilities)
{
  TestEngine *self = g_object_new (TEST_TYPE_ENGINE, NULL);

  self->inner = g_object_ref (inner);
  self->capabilities = capabilities;
  return self;
}

static void
clear_call (Call *c)
{
  g_clear_object (&c->cancellable);
}

static void
test_engine_finalize (GObject *object)
{
  TestEngine *self = TEST_ENGINE (object);

  g_clear_object (&self->inner);
  g_array_unref (self->calls);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (test_engine_parent_class)->finalize (object);
}

static void
test_engine_class_init (TestEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_engine_finalize;
}

static void
test_engine_init (TestEngine *self)
{
  g_mutex_init (&self->lock);
  self->calls = g_array_new (FALSE, FALSE, sizeof (Call));
  g_array_set_clear_func (self->calls, (GDestroyNotify) clear_call);
}
