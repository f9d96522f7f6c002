/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierEngine's wrappers: each dispatches to the implementation's vfunc, or says it has none. */
#include "pier-engine.h"

#include "pier-i18n.h"
#include "pier-image-archive.h"

#include <unistd.h>

G_DEFINE_INTERFACE (PierEngine, pier_engine, G_TYPE_OBJECT)

static void
pier_engine_default_init (PierEngineInterface *iface)
{
}

/* What an implementation leaves out is an error a person can read, never a crash. @what is an
 * N_() string. */
static void
set_not_supported (PierEngine *engine, const char *what, GError **error)
{
  /* Translators: "PierLocalEngine cannot list images": an engine's type name, then what it
   * cannot do. */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("%s cannot %s"),
               G_OBJECT_TYPE_NAME (engine), _(what));
}

#define DISPATCH(engine, vfunc, what, failed, error, ...)                                      \
  G_STMT_START {                                                                               \
    PierEngineInterface *iface_ = PIER_ENGINE_GET_IFACE (engine);                              \
    if (iface_->vfunc == NULL)                                                                 \
      {                                                                                        \
        set_not_supported (engine, what, error);                                               \
        return failed;                                                                         \
      }                                                                                        \
    return iface_->vfunc (engine, __VA_ARGS__);                                                \
  } G_STMT_END

gboolean
pier_engine_has_capability (PierEngine *engine, PierEngineCapability capability)
{
  PierEngineInterface *iface = PIER_ENGINE_GET_IFACE (engine);

  return iface->get_capabilities != NULL && (iface->get_capabilities (engine) & capability);
}

/* Each call's vfuncs (an implementation needs them all) and what it does, in words. */
static const struct {
  gsize vfuncs[2]; /* offsets in PierEngineInterface; 0: none */
  const char *what; /* N_() */
} calls[] = {
  [PIER_ENGINE_CALL_RUN] = { { G_STRUCT_OFFSET (PierEngineInterface, create),
                               G_STRUCT_OFFSET (PierEngineInterface, run) }, N_("run containers") },
  [PIER_ENGINE_CALL_EXEC] = { { G_STRUCT_OFFSET (PierEngineInterface, exec_start) },
                              N_("run commands in containers") },
  [PIER_ENGINE_CALL_LOGS] = { { G_STRUCT_OFFSET (PierEngineInterface, logs) },
                              N_("read containers' logs") },
  [PIER_ENGINE_CALL_STATS] = { { G_STRUCT_OFFSET (PierEngineInterface, stats) },
                               N_("measure containers") },
  [PIER_ENGINE_CALL_DIFF] = { { G_STRUCT_OFFSET (PierEngineInterface, diff) },
                              N_("list containers' changes") },
  [PIER_ENGINE_CALL_COMMIT] = { { G_STRUCT_OFFSET (PierEngineInterface, commit) },
                                N_("commit containers") },
  [PIER_ENGINE_CALL_EXPORT] = { { G_STRUCT_OFFSET (PierEngineInterface, export_container) },
                                N_("export containers") },
  [PIER_ENGINE_CALL_BUILD] = { { G_STRUCT_OFFSET (PierEngineInterface, build) },
                               N_("build images") },
  [PIER_ENGINE_CALL_TAG] = { { G_STRUCT_OFFSET (PierEngineInterface, tag_image) },
                             N_("tag images") },
  [PIER_ENGINE_CALL_REMOVE_IMAGE] = { { G_STRUCT_OFFSET (PierEngineInterface, remove_image) },
                                      N_("remove images") },
  [PIER_ENGINE_CALL_IMAGE_LAYERS] = { { G_STRUCT_OFFSET (PierEngineInterface, image_layers) },
                                      N_("read an image's layers") },
  [PIER_ENGINE_CALL_IMAGE_HISTORY] = { { G_STRUCT_OFFSET (PierEngineInterface, image_history),
                                         G_STRUCT_OFFSET (PierEngineInterface,
                                                          image_history_dockerfile) },
                                       N_("read an image's history") },
  [PIER_ENGINE_CALL_IMPORT] = { { G_STRUCT_OFFSET (PierEngineInterface, import_image) },
                                N_("import root filesystems") },
  [PIER_ENGINE_CALL_SAVE] = { { G_STRUCT_OFFSET (PierEngineInterface, save_images) },
                              N_("save images") },
  [PIER_ENGINE_CALL_LOAD] = { { G_STRUCT_OFFSET (PierEngineInterface, load_images) },
                              N_("load images") },
  [PIER_ENGINE_CALL_PULL] = { { G_STRUCT_OFFSET (PierEngineInterface, pull) },
                              N_("pull images") },
  [PIER_ENGINE_CALL_PUSH] = { { G_STRUCT_OFFSET (PierEngineInterface, push) },
                              N_("push images") },
  [PIER_ENGINE_CALL_PROCESS_PROVENANCE] = {
    { G_STRUCT_OFFSET (PierEngineInterface, process_provenance) },
    N_("tell which image layer a process's executable comes from") },
};

gboolean
pier_engine_can (PierEngine *engine, PierEngineCall call)
{
  PierEngineInterface *iface = PIER_ENGINE_GET_IFACE (engine);

  g_return_val_if_fail ((gsize) call < G_N_ELEMENTS (calls), FALSE);
  if (iface->can != NULL)
    return iface->can (engine, call);
  for (gsize i = 0; i < G_N_ELEMENTS (calls[call].vfuncs) && calls[call].vfuncs[i] != 0; i++)
    if (G_STRUCT_MEMBER (gpointer, iface, calls[call].vfuncs[i]) == NULL)
      return FALSE;
  return TRUE;
}

const char *
pier_engine_call_describe (PierEngineCall call)
{
  g_return_val_if_fail ((gsize) call < G_N_ELEMENTS (calls), "");
  return _(calls[call].what);
}

gboolean
pier_engine_ping (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, ping, N_("answer"), FALSE, error, cancellable, error);
}

GPtrArray *
pier_engine_list_images (PierEngine *engine, GPtrArray **broken, GCancellable *cancellable,
                         GError **error)
{
  DISPATCH (engine, list_images, N_("list images"), NULL, error, broken, cancellable, error);
}

char *
pier_engine_inspect_image (PierEngine *engine, const char *image, GCancellable *cancellable,
                           GError **error)
{
  DISPATCH (engine, inspect_image, N_("inspect images"), NULL, error, image, cancellable, error);
}

gboolean
pier_engine_tag_image (PierEngine *engine, const char *source, const char *target,
                       GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, tag_image, N_("tag images"), FALSE, error, source, target, cancellable, error);
}

PierImageRemoval *
pier_engine_remove_image (PierEngine *engine, const char *image, gboolean force,
                          GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, remove_image, N_("remove images"), NULL, error, image, force, cancellable,
            error);
}

PierImageInfo *
pier_engine_get_image (PierEngine *engine, const char *image, GCancellable *cancellable,
                       GError **error)
{
  DISPATCH (engine, get_image, "find an image", NULL, error, image, cancellable, error);
}

GPtrArray *
pier_engine_image_layers (PierEngine *engine, const char *image, GCancellable *cancellable,
                          GError **error)
{
  DISPATCH (engine, image_layers, "read an image's layers", NULL, error, image, cancellable,
            error);
}

GPtrArray *
pier_engine_image_history (PierEngine *engine, const char *image, GCancellable *cancellable,
                           GError **error)
{
  DISPATCH (engine, image_history, N_("read an image's history"), NULL, error, image, cancellable,
            error);
}

char *
pier_engine_image_history_dockerfile (PierEngine *engine, const char *image,
                                      GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, image_history_dockerfile, N_("read an image's history as a Dockerfile"), NULL,
            error, image, cancellable, error);
}

GPtrArray *
pier_engine_list_containers (PierEngine *engine, GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, list_containers, N_("list containers"), NULL, error, cancellable, error);
}

PierContainerInfo *
pier_engine_get_container (PierEngine *engine, const char *container, gboolean broken_too,
                           GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, get_container, N_("find containers"), NULL, error, container, broken_too,
            cancellable, error);
}

char *
pier_engine_inspect_container (PierEngine *engine, const char *container, gboolean broken_too,
                               GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, inspect_container, N_("inspect containers"), NULL, error, container,
            broken_too, cancellable, error);
}

char *
pier_engine_create (PierEngine *engine, const PierRunOptions *options,
                    GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, create, N_("create containers"), NULL, error, options, cancellable, error);
}

gboolean
pier_engine_run (PierEngine *engine, const PierRunOptions *options, const PierStdio *attach,
                 PierStartedFunc started, gpointer started_data, int *exit_code,
                 GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, run, N_("run containers"), FALSE, error, options, attach, started, started_data,
            exit_code, cancellable, error);
}

gboolean
pier_engine_start (PierEngine *engine, const char *container, const PierStdio *attach,
                   PierStartedFunc started, gpointer started_data, int *exit_code,
                   GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, start, N_("start containers"), FALSE, error, container, attach, started,
            started_data, exit_code, cancellable, error);
}

gboolean
pier_engine_stop (PierEngine *engine, const char *container, guint timeout_seconds,
                  GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, stop, N_("stop containers"), FALSE, error, container, timeout_seconds,
            cancellable, error);
}

gboolean
pier_engine_restart (PierEngine *engine, const char *container, guint timeout_seconds,
                     PierStartedFunc started, gpointer started_data, GCancellable *cancellable,
                     GError **error)
{
  return pier_engine_stop (engine, container, timeout_seconds, cancellable, error) &&
         pier_engine_start (engine, container, NULL, started, started_data, NULL, cancellable,
                            error);
}

gboolean
pier_engine_kill (PierEngine *engine, const char *container, int signal,
                  GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, kill, N_("signal containers"), FALSE, error, container, signal, cancellable,
            error);
}

gboolean
pier_engine_wait (PierEngine *engine, const char *container, int *exit_code,
                  GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, wait, N_("wait for containers"), FALSE, error, container, exit_code,
            cancellable, error);
}

gboolean
pier_engine_remove (PierEngine *engine, const char *container, gboolean force,
                    GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, remove, N_("remove containers"), FALSE, error, container, force, cancellable,
            error);
}

gboolean
pier_engine_logs (PierEngine *engine, const char *container, gboolean follow,
                  PierLogChunkFunc func, gpointer user_data, GCancellable *cancellable,
                  GError **error)
{
  DISPATCH (engine, logs, N_("read containers' logs"), FALSE, error, container, follow, func,
            user_data, cancellable, error);
}

gboolean
pier_engine_stats (PierEngine *engine, const char *container, PierContainerStats *stats,
                   GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, stats, N_("measure containers"), FALSE, error, container, stats, cancellable,
            error);
}

gboolean
pier_engine_exec (PierEngine *engine, const char *container, const PierExecOptions *options,
                  const PierStdio *stdio, int *exit_code, GCancellable *cancellable,
                  GError **error)
{
  DISPATCH (engine, exec, N_("run processes in containers"), FALSE, error, container, options,
            stdio, exit_code, cancellable, error);
}

PierExec *
pier_engine_exec_start (PierEngine *engine, const char *container,
                        const PierExecOptions *options, const PierStdio *stdio,
                        GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, exec_start, N_("start processes in containers"), NULL, error, container,
            options, stdio, cancellable, error);
}

GPtrArray *
pier_engine_list_processes (PierEngine *engine, const char *container,
                            GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, list_processes, N_("list a container's processes"), NULL, error, container,
            cancellable, error);
}

GPtrArray *
pier_engine_list_sessions (PierEngine *engine, const char *container,
                           GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, list_sessions, N_("list a container's sessions"), NULL, error, container,
            cancellable, error);
}

GPtrArray *
pier_engine_list_host_processes (PierEngine *engine, GCancellable *cancellable,
                                 GError **error)
{
  DISPATCH (engine, list_host_processes, N_("list the host's processes"), NULL, error, cancellable,
            error);
}

PierProcessWatch *
pier_engine_watch_processes (PierEngine *engine, const char *container, GError **error)
{
  DISPATCH (engine, watch_processes, "watch processes", NULL, error, container, error);
}

char *
pier_engine_process_provenance (PierEngine *engine, const char *container, int host_pid,
                                GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, process_provenance, "tell where a process comes from", NULL, error,
            container, host_pid, cancellable, error);
}

char *
pier_engine_build (PierEngine *engine, const PierImageBuildOptions *options,
                   PierBuildOutputFunc output, gpointer output_data, GCancellable *cancellable,
                   GError **error)
{
  DISPATCH (engine, build, N_("build images"), NULL, error, options, output, output_data,
            cancellable, error);
}

char *
pier_engine_check_dockerfile (PierEngine *engine, const char *context_dir,
                              const char *dockerfile, GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, check_dockerfile, N_("check Dockerfiles"), NULL, error, context_dir, dockerfile,
            cancellable, error);
}

char *
pier_engine_commit (PierEngine *engine, const char *container, const PierCommitRequest *request,
                    GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, commit, N_("commit containers"), NULL, error, container, request, cancellable,
            error);
}

GPtrArray *
pier_engine_diff (PierEngine *engine, const char *container, GCancellable *cancellable,
                  GError **error)
{
  DISPATCH (engine, diff, N_("list a container's changes"), NULL, error, container, cancellable,
            error);
}

gboolean
pier_engine_export (PierEngine *engine, const char *container, int fd,
                    GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, export_container, N_("export containers"), FALSE, error, container, fd,
            cancellable, error);
}

char *
pier_engine_import (PierEngine *engine, int fd, const char *name, const char *source,
                    char ***warnings, GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, import_image, N_("import images"), NULL, error, fd, name, source, warnings,
            cancellable, error);
}

gboolean
pier_engine_save (PierEngine *engine, const char *const *images, const char *format, int fd,
                  GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, save_images, N_("save images"), FALSE, error, images, format, fd, cancellable,
            error);
}

gboolean
pier_engine_check_save_format (const char *format, GError **error)
{
  PierArchiveFormat parsed;

  return format == NULL || pier_archive_format_from_string (format, &parsed, error);
}

GPtrArray *
pier_engine_load (PierEngine *engine, int fd, GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, load_images, N_("load images"), NULL, error, fd, cancellable, error);
}

GPtrArray *
pier_engine_load_layout (PierEngine *engine, const char *dir, GCancellable *cancellable,
                         GError **error)
{
  DISPATCH (engine, load_layout, N_("load images from a layout directory"), NULL, error, dir,
            cancellable, error);
}

PierPullResult *
pier_engine_pull (PierEngine *engine, const char *reference, const PierRegistryAccess *access,
                  PierTransferFunc progress, gpointer progress_data, GCancellable *cancellable,
                  GError **error)
{
  DISPATCH (engine, pull, N_("pull images"), NULL, error, reference, access, progress,
            progress_data, cancellable, error);
}

PierPushResult *
pier_engine_push (PierEngine *engine, const char *image, const char *destination,
                  const PierRegistryAccess *access, PierTransferFunc progress,
                  gpointer progress_data, GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, push, N_("push images"), NULL, error, image, destination, access, progress,
            progress_data, cancellable, error);
}

gboolean
pier_engine_login (PierEngine *engine, const char *registry, const char *username,
                   const char *password, const PierRegistryAccess *access,
                   GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, login, N_("log in to registries"), FALSE, error, registry, username, password,
            access, cancellable, error);
}

char *
pier_engine_logout (PierEngine *engine, const char *registry, const char *auth_file,
                    GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, logout, N_("log out of registries"), NULL, error, registry, auth_file,
            cancellable, error);
}

PierGraphicalSession *
pier_engine_open_graphical_session (PierEngine *engine, const char *container,
                                    const PierGraphicalOptions *options,
                                    GCancellable *cancellable, GError **error)
{
  DISPATCH (engine, open_graphical_session, N_("open graphical sessions"), NULL, error, container,
            options, cancellable, error);
}

GPtrArray *
pier_engine_read_events (PierEngine *engine, guint64 *cursor, GCancellable *cancellable,
                         GError **error)
{
  DISPATCH (engine, read_events, N_("report changes"), NULL, error, cursor, cancellable, error);
}

PierEventsWatch *
pier_engine_watch_events (PierEngine *engine, GError **error)
{
  DISPATCH (engine, watch_events, N_("watch for changes"), NULL, error, error);
}

/* ---- PierEventsWatch ---- */

struct _PierEventsWatch {
  GObject parent_instance;

  GObject *backing;
  GMainContext *context;
  gint pending; /* an emission is scheduled: changes until it runs join it */
};

G_DEFINE_FINAL_TYPE (PierEventsWatch, pier_events_watch, G_TYPE_OBJECT)

enum { EVENTS_WATCH_CHANGED, N_EVENTS_WATCH_SIGNALS };
static guint events_watch_signals[N_EVENTS_WATCH_SIGNALS];

static void
pier_events_watch_finalize (GObject *object)
{
  PierEventsWatch *watch = PIER_EVENTS_WATCH (object);

  g_clear_object (&watch->backing);
  g_main_context_unref (watch->context);
  G_OBJECT_CLASS (pier_events_watch_parent_class)->finalize (object);
}

static void
pier_events_watch_class_init (PierEventsWatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_events_watch_finalize;
  events_watch_signals[EVENTS_WATCH_CHANGED] =
      g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 0);
}

static void
pier_events_watch_init (PierEventsWatch *watch)
{
  watch->context = g_main_context_ref_thread_default ();
}

PierEventsWatch *
pier_events_watch_new (gpointer backing)
{
  PierEventsWatch *watch = g_object_new (PIER_TYPE_EVENTS_WATCH, NULL);

  watch->backing = backing ? g_object_ref (G_OBJECT (backing)) : NULL;
  return watch;
}

static gboolean
emit_changed (gpointer data)
{
  PierEventsWatch *watch = data;

  g_atomic_int_set (&watch->pending, FALSE);
  g_signal_emit (watch, events_watch_signals[EVENTS_WATCH_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

void
pier_events_watch_changed (PierEventsWatch *watch)
{
  g_autoptr (GSource) source = NULL;

  if (!g_atomic_int_compare_and_exchange (&watch->pending, FALSE, TRUE))
    return;
  /* Always through a source, so that listeners never run inside the implementation's call. */
  source = g_idle_source_new ();
  g_source_set_callback (source, emit_changed, g_object_ref (watch), g_object_unref);
  g_source_set_static_name (source, "PierEventsWatch");
  g_source_attach (source, watch->context);
}

/* ---- PierProcessWatch ---- */

G_DEFINE_ABSTRACT_TYPE (PierProcessWatch, pier_process_watch, G_TYPE_OBJECT)

static void
pier_process_watch_class_init (PierProcessWatchClass *klass)
{
}

static void
pier_process_watch_init (PierProcessWatch *watch)
{
}

GPtrArray *
pier_process_watch_read (PierProcessWatch *watch, GCancellable *cancellable, GError **error)
{
  return PIER_PROCESS_WATCH_GET_CLASS (watch)->read (watch, cancellable, error);
}

/* ---- PierExec ---- */

typedef struct {
  int pty_fd;
  int host_pid;
} PierExecPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (PierExec, pier_exec, G_TYPE_OBJECT)

static void
pier_exec_finalize (GObject *object)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (PIER_EXEC (object));

  if (priv->pty_fd >= 0)
    close (priv->pty_fd);
  G_OBJECT_CLASS (pier_exec_parent_class)->finalize (object);
}

static void
pier_exec_class_init (PierExecClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pier_exec_finalize;
}

static void
pier_exec_init (PierExec *exec)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (exec);

  priv->pty_fd = -1;
}

int
pier_exec_get_pty (PierExec *exec)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (exec);

  return priv->pty_fd;
}

int
pier_exec_steal_pty (PierExec *exec)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (exec);

  return g_steal_fd (&priv->pty_fd);
}

int
pier_exec_get_host_pid (PierExec *exec)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (exec);

  return priv->host_pid;
}

void
pier_exec_set_host_pid (PierExec *exec, int host_pid)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (exec);

  priv->host_pid = host_pid;
}

void
pier_exec_set_pty (PierExec *exec, int pty_fd)
{
  PierExecPrivate *priv = pier_exec_get_instance_private (exec);

  if (priv->pty_fd >= 0)
    close (priv->pty_fd);
  priv->pty_fd = pty_fd;
}

gboolean
pier_exec_wait (PierExec *exec, int *exit_code, GCancellable *cancellable, GError **error)
{
  int code, signal;

  if (!pier_exec_wait_status (exec, &code, &signal, cancellable, error))
    return FALSE;
  *exit_code = signal != 0 ? 128 + signal : code;
  return TRUE;
}

gboolean
pier_exec_wait_status (PierExec *exec, int *exit_code, int *signal, GCancellable *cancellable,
                       GError **error)
{
  PierExecClass *klass = PIER_EXEC_GET_CLASS (exec);

  if (klass->wait == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s cannot wait for its process"), G_OBJECT_TYPE_NAME (exec));
      return FALSE;
    }
  return klass->wait (exec, exit_code, signal, cancellable, error);
}
