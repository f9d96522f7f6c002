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
  gboolean archives; /* save_images and load_images are passed on */
  GMutex lock;
  GCond changed;
  GArray *calls; /* Call */
  char *held;       /* the call that waits */
  guint n_waiting;
  GError *failure;  /* what every call fails with, or NULL */
};

static void test_engine_iface_init (PierEngineInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestEngine, test_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE, test_engine_iface_init))

static void
wake (GCancellable *cancellable, TestEngine *self)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_cond_broadcast (&self->changed);
}

/* Counts @call, waits while it is held (until released or @cancellable is cancelled), and
 * returns the inner engine, or NULL with @error set when the engine fails its calls. */
static PierEngine *
pass (PierEngine *engine, const char *call, GCancellable *cancellable, GError **error)
{
  TestEngine *self = TEST_ENGINE (engine);
  Call c = { call, cancellable ? g_object_ref (cancellable) : NULL };
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  gulong handler = 0;

  g_array_append_val (self->calls, c);
  if (g_strcmp0 (self->held, call) == 0 && cancellable != NULL)
    {
      g_mutex_unlock (&self->lock);
      handler = g_cancellable_connect (cancellable, G_CALLBACK (wake), self, NULL);
      g_mutex_lock (&self->lock);
    }
  if (g_strcmp0 (self->held, call) == 0)
    {
      self->n_waiting++;
      while (g_strcmp0 (self->held, call) == 0 && !g_cancellable_is_cancelled (cancellable))
        g_cond_wait (&self->changed, &self->lock);
      self->n_waiting--;
    }
  if (handler != 0)
    {
      g_mutex_unlock (&self->lock);
      g_cancellable_disconnect (cancellable, handler);
      g_mutex_lock (&self->lock);
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (self->failure != NULL)
    {
      g_set_error_literal (error, self->failure->domain, self->failure->code,
                           self->failure->message);
      return NULL;
    }
  return self->inner;
}

/* Counts @call, and says whether @capability lets it through; if not, sets @error as an
 * engine without it does. */
static gboolean
note_capable (PierEngine *engine, const char *call, PierEngineCapability capability,
              GCancellable *cancellable, GError **error)
{
  if (pass (engine, call, cancellable, error) == NULL)
    return FALSE;
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
  PierEngine *inner = pass (engine, "ping", cancellable, error);

  return inner ? pier_engine_ping (inner, cancellable, error) : FALSE;
}

static GPtrArray *
list_images (PierEngine *engine, GPtrArray **broken, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "list_images", cancellable, error);

  return inner ? pier_engine_list_images (inner, broken, cancellable, error) : NULL;
}

static char *
inspect_image (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "inspect_image", cancellable, error);

  return inner ? pier_engine_inspect_image (inner, image, cancellable, error) : NULL;
}

static PierImageInfo *
get_image (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "get_image", cancellable, error);

  return inner ? pier_engine_get_image (inner, image, cancellable, error) : NULL;
}

static GPtrArray *
image_layers (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "image_layers", cancellable, error);

  return inner ? pier_engine_image_layers (inner, image, cancellable, error) : NULL;
}

static GPtrArray *
image_history (PierEngine *engine, const char *image, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "image_history", cancellable, error);

  return inner ? pier_engine_image_history (inner, image, cancellable, error) : NULL;
}

static char *
image_history_dockerfile (PierEngine *engine, const char *image, GCancellable *cancellable,
                          GError **error)
{
  PierEngine *inner = pass (engine, "image_history_dockerfile", cancellable, error);

  return inner ? pier_engine_image_history_dockerfile (inner, image, cancellable, error) : NULL;
}

static GPtrArray *
list_containers (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "list_containers", cancellable, error);

  return inner ? pier_engine_list_containers (inner, cancellable, error) : NULL;
}

static PierContainerInfo *
get_container (PierEngine *engine, const char *container, gboolean broken_too,
               GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "get_container", cancellable, error);

  return inner ? pier_engine_get_container (inner, container, broken_too, cancellable, error) : NULL;
}

static char *
inspect_container (PierEngine *engine, const char *container, gboolean broken_too,
                   GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "inspect_container", cancellable, error);

  return inner ? pier_engine_inspect_container (inner, container, broken_too, cancellable, error) : NULL;
}

static gboolean
start (PierEngine *engine, const char *container, const PierStdio *attach,
       PierStartedFunc started, gpointer started_data, int *exit_code, GCancellable *cancellable,
       GError **error)
{
  PierEngine *inner = pass (engine, "start", cancellable, error);

  return inner ? pier_engine_start (inner, container, attach, started, started_data, exit_code, cancellable, error) : FALSE;
}

static gboolean
stop (PierEngine *engine, const char *container, guint timeout_seconds,
      GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "stop", cancellable, error);

  return inner ? pier_engine_stop (inner, container, timeout_seconds, cancellable, error) : FALSE;
}

static gboolean
kill_container (PierEngine *engine, const char *container, int signal,
                GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "kill", cancellable, error);

  return inner ? pier_engine_kill (inner, container, signal, cancellable, error) : FALSE;
}

static gboolean
remove_container (PierEngine *engine, const char *container, gboolean force,
                  GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "remove", cancellable, error);

  return inner ? pier_engine_remove (inner, container, force, cancellable, error) : FALSE;
}

static gboolean
logs (PierEngine *engine, const char *container, gboolean follow, PierLogChunkFunc func,
      gpointer user_data, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "logs", cancellable, error);

  return inner ? pier_engine_logs (inner, container, follow, func, user_data, cancellable, error) : FALSE;
}

static gboolean
stats (PierEngine *engine, const char *container, PierContainerStats *stats,
       GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "stats", cancellable, error);

  return inner ? pier_engine_stats (inner, container, stats, cancellable, error) : FALSE;
}

static gboolean
save_images (PierEngine *engine, const char *const *images, const char *format, int fd,
             GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "save_images", cancellable, error);

  return inner ? pier_engine_save (inner, images, format, fd, cancellable, error) : FALSE;
}

static GPtrArray *
load_images (PierEngine *engine, int fd, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "load_images", cancellable, error);

  return inner ? pier_engine_load (inner, fd, cancellable, error) : NULL;
}

/* What @inner can, but for the calls it does not pass on, and the archives' only when they
 * are (test_engine_pass_archives()). */
static gboolean
can (PierEngine *engine, PierEngineCall call)
{
  TestEngine *self = TEST_ENGINE (engine);

  switch (call)
    {
    case PIER_ENGINE_CALL_SAVE:
    case PIER_ENGINE_CALL_LOAD:
      return self->archives && pier_engine_can (self->inner, call);
    case PIER_ENGINE_CALL_RUN:
    case PIER_ENGINE_CALL_COMMIT:
    case PIER_ENGINE_CALL_EXPORT:
    case PIER_ENGINE_CALL_BUILD:
    case PIER_ENGINE_CALL_TAG:
    case PIER_ENGINE_CALL_REMOVE_IMAGE:
    case PIER_ENGINE_CALL_IMPORT:
    case PIER_ENGINE_CALL_PULL:
    case PIER_ENGINE_CALL_PUSH:
      return FALSE;
    default:
      return pier_engine_can (self->inner, call);
    }
}

static PierExec *
exec_start (PierEngine *engine, const char *container, const PierExecOptions *options,
            const PierStdio *stdio, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "exec_start", cancellable, error);

  return inner ? pier_engine_exec_start (inner, container, options, stdio, cancellable, error) : NULL;
}

static GPtrArray *
diff (PierEngine *engine, const char *container, GCancellable *cancellable, GError **error)
{
  PierEngine *inner = pass (engine, "diff", cancellable, error);

  return inner ? pier_engine_diff (inner, container, cancellable, error) : NULL;
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
  PierEngine *inner = pass (engine, "list_processes", cancellable, error);
  GPtrArray *list = inner ? pier_engine_list_processes (inner, container, cancellable, error) : NULL;

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
  PierEngine *inner = pass (engine, "read_events", cancellable, error);

  return inner ? pier_engine_read_events (inner, cursor, cancellable, error) : NULL;
}

static PierEventsWatch *
watch_events (PierEngine *engine, GError **error)
{
  PierEngine *inner = pass (engine, "watch_events", NULL, error);

  return inner ? pier_engine_watch_events (inner, error) : NULL;
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
  iface->save_images = save_images;
  iface->load_images = load_images;
  iface->can = can;
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

void
test_engine_hold (TestEngine *self, const char *call)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_free (self->held);
  self->held = g_strdup (call);
  g_cond_broadcast (&self->changed);
}

guint
test_engine_count_waiting (TestEngine *self)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->n_waiting;
}

void
test_engine_fail (TestEngine *self, const GError *error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_clear_error (&self->failure);
  if (error != NULL)
    self->failure = g_error_copy (error);
}

TestEngine *
test_engine_new (PierEngine *inner, guint capabilities)
{
  TestEngine *self = g_object_new (TEST_TYPE_ENGINE, NULL);

  self->inner = g_object_ref (inner);
  self->capabilities = capabilities;
  return self;
}

void
test_engine_pass_archives (TestEngine *self)
{
  self->archives = TRUE;
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
  g_free (self->held);
  g_clear_error (&self->failure);
  g_cond_clear (&self->changed);
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
  g_cond_init (&self->changed);
  self->calls = g_array_new (FALSE, FALSE, sizeof (Call));
  g_array_set_clear_func (self->calls, (GDestroyNotify) clear_call);
}
