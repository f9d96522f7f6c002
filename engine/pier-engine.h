/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine-types.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* PierEngine: everything a front end (pierctl, the window) may ask of an engine. Front ends
 * include this header, pier-engine-types.h, pier-local-engine.h and the pure helpers listed in
 * PierEngine's public set (engine/public-headers.txt), nothing else of engine/.
 *
 * Every call is synchronous, takes a GCancellable and reports failures as GError (PIER_ERROR's
 * codes, or G_IO_ERROR_NOT_SUPPORTED): front ends run them off their main thread. Containers
 * and images are named as Docker names them (name, id or unique id prefix; NAME[:TAG]), never
 * by a path. Nothing here takes or returns a path of the local store, a state directory or a
 * host PID, so that an engine speaking the Docker Engine API over a socket can implement it.
 * What only an engine on this machine can do is a capability: without it, the call fails with
 * G_IO_ERROR_NOT_SUPPORTED. */

typedef enum {
  /* Host PIDs, SIDs and users beside the container's own; sessions; every host process with
   * its container (pier_engine_list_host_processes). */
  PIER_ENGINE_CAP_HOST_PROCESSES = 1 << 0,
  /* Graphical sessions: an RDP server in the container, reached through a socket here. */
  PIER_ENGINE_CAP_GRAPHICAL_SESSIONS = 1 << 1,
} PierEngineCapability;

/* The descriptors of the calling process a container or exec is attached to; -1: none
 * (/dev/null). With a terminal, in_fd is put in raw mode while attached and its size
 * (tty_rows, tty_cols; 0: unknown) is the container's first. */
typedef struct {
  int in_fd, out_fd, err_fd;
  guint16 tty_rows, tty_cols;
} PierStdio;

/* Called once a container started (before an attached one's output is relayed), with its id
 * and the warnings of the start (limits the host could not apply...). */
typedef void (*PierStartedFunc) (const char *id, const char *const *warnings,
                                 gpointer user_data);

/* ---- PierExec: a process started in a running container ---- */

#define PIER_TYPE_EXEC (pier_exec_get_type ())
G_DECLARE_DERIVABLE_TYPE (PierExec, pier_exec, PIER, EXEC, GObject)

struct _PierExecClass {
  GObjectClass parent_class;

  gboolean (*wait) (PierExec *exec, int *exit_code, int *signal, GCancellable *cancellable,
                    GError **error);
};

/* With PierExecOptions.tty, the pty's master (owned by @exec; a terminal widget reads and
 * writes it); else -1 and the process uses the descriptors it was given. */
int pier_exec_get_pty (PierExec *exec);
/* The pty's master, now the caller's to close (closing it hangs the process's session up);
 * @exec keeps none. -1 without a terminal. */
int pier_exec_steal_pty (PierExec *exec);
/* The process's host PID with PIER_ENGINE_CAP_HOST_PROCESSES, else 0. */
int pier_exec_get_host_pid (PierExec *exec);
/* Waits for its exit: *exit_code is its code, 128+N for signal N. Dropping @exec without
 * waiting leaves the process running (`exec -d`). */
gboolean pier_exec_wait (PierExec *exec, int *exit_code, GCancellable *cancellable,
                         GError **error);
/* The same, saying how it ended as the engine knows it, for a person to read: a code of
 * 128+N may be the process's own choice, not signal N. When it exited, *exit_code is its code
 * and *signal 0; when signal N killed it, *exit_code is -1 and *signal N. */
gboolean pier_exec_wait_status (PierExec *exec, int *exit_code, int *signal,
                                GCancellable *cancellable, GError **error);

/* For implementations: @pty_fd (or -1) becomes the object's. */
void pier_exec_set_pty (PierExec *exec, int pty_fd);
/* For implementations with PIER_ENGINE_CAP_HOST_PROCESSES. */
void pier_exec_set_host_pid (PierExec *exec, int host_pid);

/* ---- PierProcessWatch: processes read again and again (the side-by-side view) ---- */

#define PIER_TYPE_PROCESS_WATCH (pier_process_watch_get_type ())
G_DECLARE_DERIVABLE_TYPE (PierProcessWatch, pier_process_watch, PIER, PROCESS_WATCH, GObject)

struct _PierProcessWatchClass {
  GObjectClass parent_class;

  GPtrArray *(*read) (PierProcessWatch *watch, GCancellable *cancellable, GError **error);
};

/* What the watch follows, now: a running container's sessions (PierSessionInfo *), or every
 * process of the host (PierProcessInfo *, container set for those in one). Each read builds
 * on the one before: CPU use is measured between the two, and what the processes did not
 * change is not read again. One read at a time, from any thread. */
GPtrArray *pier_process_watch_read (PierProcessWatch *watch, GCancellable *cancellable,
                                    GError **error);

/* ---- PierEventsWatch: word that events may be waiting, without polling ---- */

#define PIER_TYPE_EVENTS_WATCH (pier_events_watch_get_type ())
G_DECLARE_FINAL_TYPE (PierEventsWatch, pier_events_watch, PIER, EVENTS_WATCH, GObject)

/* Its "changed" signal (no arguments) says that events may have been added since the front end
 * last read them (pier_engine_read_events()); the front end then reads from its cursor.
 * "changed" is emitted from a source of the thread-default main context of the thread that
 * made the watch, never while the engine is idle; changes close together come as one. */

/* For implementations: a watch that keeps @backing (what notices the changes, e.g. a
 * GFileMonitor; may be NULL) for as long as it lives. */
PierEventsWatch *pier_events_watch_new (gpointer backing);
/* For implementations, from any thread: events may have been added. */
void pier_events_watch_changed (PierEventsWatch *watch);

/* ---- PierEngine ---- */

/* Calls an implementation may lack altogether, whatever the machine (PierDockerEngine has no
 * builder of its own, ...), or refuse for a peer it speaks to. A front end asks
 * pier_engine_can() before it offers one, so that what cannot be done is never offered. */
typedef enum {
  PIER_ENGINE_CALL_RUN,          /* create, run */
  PIER_ENGINE_CALL_EXEC,         /* exec, exec_start */
  PIER_ENGINE_CALL_LOGS,
  PIER_ENGINE_CALL_STATS,
  PIER_ENGINE_CALL_DIFF,
  PIER_ENGINE_CALL_COMMIT,
  PIER_ENGINE_CALL_EXPORT,
  PIER_ENGINE_CALL_BUILD,
  PIER_ENGINE_CALL_TAG,
  PIER_ENGINE_CALL_REMOVE_IMAGE,
  PIER_ENGINE_CALL_IMAGE_LAYERS,
  PIER_ENGINE_CALL_IMAGE_HISTORY, /* image_history, image_history_dockerfile */
  PIER_ENGINE_CALL_IMPORT,
  PIER_ENGINE_CALL_SAVE,
  PIER_ENGINE_CALL_LOAD,
  PIER_ENGINE_CALL_PULL,
  PIER_ENGINE_CALL_PUSH,
  PIER_ENGINE_CALL_PROCESS_PROVENANCE, /* which layer a process's executable comes from */
} PierEngineCall;

#define PIER_TYPE_ENGINE (pier_engine_get_type ())
G_DECLARE_INTERFACE (PierEngine, pier_engine, PIER, ENGINE, GObject)

struct _PierEngineInterface {
  GTypeInterface parent_iface;

  guint (*get_capabilities) (PierEngine *engine);
  gboolean (*ping) (PierEngine *engine, GCancellable *cancellable, GError **error);

  /* images */
  GPtrArray *(*list_images) (PierEngine *engine, GPtrArray **broken, GCancellable *cancellable,
                             GError **error);
  char *(*inspect_image) (PierEngine *engine, const char *image, GCancellable *cancellable,
                          GError **error);
  gboolean (*tag_image) (PierEngine *engine, const char *source, const char *target,
                         GCancellable *cancellable, GError **error);
  PierImageRemoval *(*remove_image) (PierEngine *engine, const char *image, gboolean force,
                                     GCancellable *cancellable, GError **error);
  PierImageInfo *(*get_image) (PierEngine *engine, const char *image, GCancellable *cancellable,
                               GError **error);
  GPtrArray *(*image_layers) (PierEngine *engine, const char *image, GCancellable *cancellable,
                              GError **error);
  GPtrArray *(*image_history) (PierEngine *engine, const char *image,
                               GCancellable *cancellable, GError **error);
  char *(*image_history_dockerfile) (PierEngine *engine, const char *image,
                                     GCancellable *cancellable, GError **error);

  /* containers */
  GPtrArray *(*list_containers) (PierEngine *engine, GCancellable *cancellable, GError **error);
  PierContainerInfo *(*get_container) (PierEngine *engine, const char *container,
                                       gboolean broken_too, GCancellable *cancellable,
                                       GError **error);
  char *(*inspect_container) (PierEngine *engine, const char *container, gboolean broken_too,
                              GCancellable *cancellable, GError **error);
  char *(*create) (PierEngine *engine, const PierRunOptions *options,
                   GCancellable *cancellable, GError **error);
  gboolean (*run) (PierEngine *engine, const PierRunOptions *options, const PierStdio *attach,
                   PierStartedFunc started, gpointer started_data, int *exit_code,
                   GCancellable *cancellable, GError **error);
  gboolean (*start) (PierEngine *engine, const char *container, const PierStdio *attach,
                     PierStartedFunc started, gpointer started_data, int *exit_code,
                     GCancellable *cancellable, GError **error);
  gboolean (*stop) (PierEngine *engine, const char *container, guint timeout_seconds,
                    GCancellable *cancellable, GError **error);
  gboolean (*kill) (PierEngine *engine, const char *container, int signal,
                    GCancellable *cancellable, GError **error);
  gboolean (*wait) (PierEngine *engine, const char *container, int *exit_code,
                    GCancellable *cancellable, GError **error);
  gboolean (*remove) (PierEngine *engine, const char *container, gboolean force,
                      GCancellable *cancellable, GError **error);
  gboolean (*logs) (PierEngine *engine, const char *container, gboolean follow,
                    PierLogChunkFunc func, gpointer user_data, GCancellable *cancellable,
                    GError **error);
  gboolean (*stats) (PierEngine *engine, const char *container, PierContainerStats *stats,
                     GCancellable *cancellable, GError **error);
  gboolean (*exec) (PierEngine *engine, const char *container, const PierExecOptions *options,
                    const PierStdio *stdio, int *exit_code, GCancellable *cancellable,
                    GError **error);
  PierExec *(*exec_start) (PierEngine *engine, const char *container,
                           const PierExecOptions *options, const PierStdio *stdio,
                           GCancellable *cancellable, GError **error);

  /* processes */
  GPtrArray *(*list_processes) (PierEngine *engine, const char *container,
                                GCancellable *cancellable, GError **error);
  GPtrArray *(*list_sessions) (PierEngine *engine, const char *container,
                               GCancellable *cancellable, GError **error);
  GPtrArray *(*list_host_processes) (PierEngine *engine, GCancellable *cancellable,
                                     GError **error);
  PierProcessWatch *(*watch_processes) (PierEngine *engine, const char *container,
                                        GError **error);
  char *(*process_provenance) (PierEngine *engine, const char *container, int host_pid,
                               GCancellable *cancellable, GError **error);

  /* building and changes */
  char *(*build) (PierEngine *engine, const PierImageBuildOptions *options,
                  PierBuildOutputFunc output, gpointer output_data, GCancellable *cancellable,
                  GError **error);
  char *(*check_dockerfile) (PierEngine *engine, const char *context_dir,
                             const char *dockerfile, GCancellable *cancellable, GError **error);
  char *(*commit) (PierEngine *engine, const char *container, const PierCommitRequest *request,
                   GCancellable *cancellable, GError **error);
  GPtrArray *(*diff) (PierEngine *engine, const char *container, GCancellable *cancellable,
                      GError **error);
  gboolean (*export_container) (PierEngine *engine, const char *container, int fd,
                                GCancellable *cancellable, GError **error);

  /* archives */
  char *(*import_image) (PierEngine *engine, int fd, const char *name, const char *source,
                         char ***warnings, GCancellable *cancellable, GError **error);
  gboolean (*save_images) (PierEngine *engine, const char *const *images, const char *format,
                           int fd, GCancellable *cancellable, GError **error);
  GPtrArray *(*load_images) (PierEngine *engine, int fd, GCancellable *cancellable,
                             GError **error);
  GPtrArray *(*load_layout) (PierEngine *engine, const char *dir, GCancellable *cancellable,
                             GError **error);

  /* registries */
  PierPullResult *(*pull) (PierEngine *engine, const char *reference,
                           const PierRegistryAccess *access, PierTransferFunc progress,
                           gpointer progress_data, GCancellable *cancellable, GError **error);
  PierPushResult *(*push) (PierEngine *engine, const char *image, const char *destination,
                           const PierRegistryAccess *access, PierTransferFunc progress,
                           gpointer progress_data, GCancellable *cancellable, GError **error);
  gboolean (*login) (PierEngine *engine, const char *registry, const char *username,
                     const char *password, const PierRegistryAccess *access,
                     GCancellable *cancellable, GError **error);
  char *(*logout) (PierEngine *engine, const char *registry, const char *auth_file,
                   GCancellable *cancellable, GError **error);

  /* graphical sessions */
  PierGraphicalSession *(*open_graphical_session) (PierEngine *engine, const char *container,
                                                   const PierGraphicalOptions *options,
                                                   GCancellable *cancellable, GError **error);

  /* changes */
  GPtrArray *(*read_events) (PierEngine *engine, guint64 *cursor, GCancellable *cancellable,
                             GError **error);
  PierEventsWatch *(*watch_events) (PierEngine *engine, GError **error);

  /* Optional: whether @call can be made (pier_engine_can()); without it, whether the
   * implementation fills the call's vfuncs. An implementation that has a call but knows its
   * peer refuses it (an older API, a peer without a builder) answers FALSE here. */
  gboolean (*can) (PierEngine *engine, PierEngineCall call);
};

GType pier_engine_get_type (void);

/* Whether @engine can do what @capability names (see PierEngineCapability). */
gboolean pier_engine_has_capability (PierEngine *engine, PierEngineCapability capability);

/* Whether @engine can make @call at all: the implementation's answer (its "can" vfunc), else
 * whether it implements the call. FALSE means the call would fail with
 * G_IO_ERROR_NOT_SUPPORTED, whatever its arguments; TRUE promises nothing more. */
gboolean pier_engine_can (PierEngine *engine, PierEngineCall call);
/* "run containers", "build images"...: what @call does, translated, for "X cannot ..."
 * messages. */
const char *pier_engine_call_describe (PierEngineCall call);

/* Whether the engine answers (the local one: its store opens; a remote one: it is reached).
 * A front end asks before it reads the caller's input or works through several names, so
 * that an engine it cannot use is said once, first. */
gboolean pier_engine_ping (PierEngine *engine, GCancellable *cancellable, GError **error);

/* ---- images ---- */

/* Every image (PierImageInfo *), newest first; @broken (may be NULL) receives those that
 * cannot be read, with id, names and the reason. */
GPtrArray *pier_engine_list_images (PierEngine *engine, GPtrArray **broken,
                                    GCancellable *cancellable, GError **error);
/* One image, as pier_engine_list_images() gives it. PIER_ERROR_NOT_FOUND: no such image. */
PierImageInfo *pier_engine_get_image (PierEngine *engine, const char *image,
                                      GCancellable *cancellable, GError **error);
/* Its layers (PierLayerInfo *), bottom first, each with the step that made it and who else
 * uses it. */
GPtrArray *pier_engine_image_layers (PierEngine *engine, const char *image,
                                     GCancellable *cancellable, GError **error);
/* `docker inspect`'s JSON object for an image (indented, no trailing newline). */
char *pier_engine_inspect_image (PierEngine *engine, const char *image,
                                 GCancellable *cancellable, GError **error);
gboolean pier_engine_tag_image (PierEngine *engine, const char *source, const char *target,
                                GCancellable *cancellable, GError **error);
/* Removes a name, or the image when it was its last (@force: one with several names, or
 * only the names of one that containers use). */
PierImageRemoval *pier_engine_remove_image (PierEngine *engine, const char *image,
                                            gboolean force, GCancellable *cancellable,
                                            GError **error);
/* Its history (PierHistoryItem *), newest first. */
GPtrArray *pier_engine_image_history (PierEngine *engine, const char *image,
                                      GCancellable *cancellable, GError **error);
/* Its history read back as a Dockerfile. */
char *pier_engine_image_history_dockerfile (PierEngine *engine, const char *image,
                                            GCancellable *cancellable, GError **error);

/* ---- containers ---- */

/* Every container (PierContainerInfo *), newest first, broken ones included. */
GPtrArray *pier_engine_list_containers (PierEngine *engine, GCancellable *cancellable,
                                        GError **error);
/* One container. PIER_ERROR_NOT_FOUND: "no such container: X"; PIER_ERROR_CORRUPT for a
 * broken one, saying how to remove it, unless @broken_too. */
PierContainerInfo *pier_engine_get_container (PierEngine *engine, const char *container,
                                              gboolean broken_too, GCancellable *cancellable,
                                              GError **error);
/* `docker inspect`'s JSON object for a container (indented, no trailing newline). */
char *pier_engine_inspect_container (PierEngine *engine, const char *container,
                                     gboolean broken_too, GCancellable *cancellable,
                                     GError **error);
/* Creates a container and returns its id. */
char *pier_engine_create (PierEngine *engine, const PierRunOptions *options,
                          GCancellable *cancellable, GError **error);
/* Creates a container and starts it; @started runs once it has. Detached (@attach NULL), it
 * returns then; attached, it relays the container's terminal or output to @attach until it
 * exits and sets *exit_code (then removes it with options->auto_remove). A run that does not
 * start leaves nothing; PIER_ERROR_EXECUTABLE_NOT_FOUND when the command is not in the
 * container's PATH. */
gboolean pier_engine_run (PierEngine *engine, const PierRunOptions *options,
                          const PierStdio *attach, PierStartedFunc started,
                          gpointer started_data, int *exit_code, GCancellable *cancellable,
                          GError **error);
/* Starts a created or exited container, attached as for pier_engine_run(). */
gboolean pier_engine_start (PierEngine *engine, const char *container, const PierStdio *attach,
                            PierStartedFunc started, gpointer started_data, int *exit_code,
                            GCancellable *cancellable, GError **error);
/* Its stop signal, then SIGKILL after @timeout_seconds. */
gboolean pier_engine_stop (PierEngine *engine, const char *container, guint timeout_seconds,
                           GCancellable *cancellable, GError **error);
/* pier_engine_stop(), then pier_engine_start() detached. */
gboolean pier_engine_restart (PierEngine *engine, const char *container,
                              guint timeout_seconds, PierStartedFunc started,
                              gpointer started_data, GCancellable *cancellable, GError **error);
gboolean pier_engine_kill (PierEngine *engine, const char *container, int signal,
                           GCancellable *cancellable, GError **error);
/* Waits for its exit and returns its code. */
gboolean pier_engine_wait (PierEngine *engine, const char *container, int *exit_code,
                           GCancellable *cancellable, GError **error);
/* Removes a container that is not running (@force: kills it first); a broken one too. */
gboolean pier_engine_remove (PierEngine *engine, const char *container, gboolean force,
                             GCancellable *cancellable, GError **error);
/* Calls @func for each entry of its log in order; with @follow, until it no longer runs. */
gboolean pier_engine_logs (PierEngine *engine, const char *container, gboolean follow,
                           PierLogChunkFunc func, gpointer user_data, GCancellable *cancellable,
                           GError **error);
/* What a running container uses now. */
gboolean pier_engine_stats (PierEngine *engine, const char *container,
                            PierContainerStats *stats, GCancellable *cancellable,
                            GError **error);
/* Runs options->argv in the running @container in a session of its own, relayed to @stdio
 * (with a terminal, through a pty), and waits: *exit_code is its code (128+N for signal N).
 * PIER_ERROR_INVALID when the container is not running or an env entry is malformed,
 * PIER_ERROR_EXECUTABLE_NOT_FOUND when argv[0] is not in the container's PATH. */
gboolean pier_engine_exec (PierEngine *engine, const char *container,
                           const PierExecOptions *options, const PierStdio *stdio,
                           int *exit_code, GCancellable *cancellable, GError **error);
/* The same, returning at once: without a terminal the process uses @stdio's descriptors
 * (NULL: /dev/null), with one the PierExec holds the pty (pier_exec_get_pty()). */
PierExec *pier_engine_exec_start (PierEngine *engine, const char *container,
                                  const PierExecOptions *options, const PierStdio *stdio,
                                  GCancellable *cancellable, GError **error);

/* ---- processes: the side-by-side view ---- */

/* A running container's processes (PierProcessInfo *), by host PID where known. */
GPtrArray *pier_engine_list_processes (PierEngine *engine, const char *container,
                                       GCancellable *cancellable, GError **error);
/* Its sessions (PierSessionInfo *), each with its origin. PIER_ENGINE_CAP_HOST_PROCESSES. */
GPtrArray *pier_engine_list_sessions (PierEngine *engine, const char *container,
                                      GCancellable *cancellable, GError **error);
/* Every process of the host (PierProcessInfo *, container set for those in one), by host PID.
 * PIER_ENGINE_CAP_HOST_PROCESSES. */
GPtrArray *pier_engine_list_host_processes (PierEngine *engine, GCancellable *cancellable,
                                            GError **error);
/* A watch over @container's sessions, or (NULL) over every host process: what a view that
 * refreshes asks (pier_process_watch_read()). PIER_ENGINE_CAP_HOST_PROCESSES. */
PierProcessWatch *pier_engine_watch_processes (PierEngine *engine, const char *container,
                                               GError **error);
/* Where the executable of the process @host_pid of @container comes from, in words: the
 * container's own changes, or the layer of its image and the step of the image's history that
 * made it. PIER_ERROR_NOT_FOUND when the process is gone. PIER_ENGINE_CAP_HOST_PROCESSES. */
char *pier_engine_process_provenance (PierEngine *engine, const char *container, int host_pid,
                                      GCancellable *cancellable, GError **error);

/* ---- building and changes ---- */

/* Builds an image as `docker build` does and returns its id; @output (may be NULL) gets what
 * the build prints as it goes. Errors are "FILE:LINE: ..." for the Dockerfile and its steps. */
char *pier_engine_build (PierEngine *engine, const PierImageBuildOptions *options,
                         PierBuildOutputFunc output, gpointer output_data,
                         GCancellable *cancellable, GError **error);
/* Parses and checks the Dockerfile that build would read (@dockerfile, else the context's
 * Dockerfile or Containerfile) and returns it as JSON; builds nothing. */
char *pier_engine_check_dockerfile (PierEngine *engine, const char *context_dir,
                                    const char *dockerfile, GCancellable *cancellable,
                                    GError **error);
/* An image of a container's changes; returns its id. */
char *pier_engine_commit (PierEngine *engine, const char *container,
                          const PierCommitRequest *request, GCancellable *cancellable,
                          GError **error);
/* What a container added, changed or deleted (PierFileChange *), in path order. */
GPtrArray *pier_engine_diff (PierEngine *engine, const char *container,
                             GCancellable *cancellable, GError **error);
/* Writes a container's filesystem as a tar archive to @fd (the caller's; not closed). */
gboolean pier_engine_export (PierEngine *engine, const char *container, int fd,
                             GCancellable *cancellable, GError **error);

/* ---- archives: the caller's descriptors, read or written in order, not closed ---- */

/* A root filesystem tarball (plain or gzip) read from @fd becomes a one-layer image named
 * @name (may be NULL), its history saying it came from @source; returns its id. @warnings
 * (may be NULL) gets what the caller should hear (entries that could not be kept). */
char *pier_engine_import (PierEngine *engine, int fd, const char *name, const char *source,
                          char ***warnings, GCancellable *cancellable, GError **error);
/* Writes @images (names or ids) as one archive to @fd: @format "docker-archive" (NULL) or
 * "oci-archive". */
gboolean pier_engine_save (PierEngine *engine, const char *const *images, const char *format,
                           int fd, GCancellable *cancellable, GError **error);
/* TRUE for a @format pier_engine_save() writes (NULL is docker-archive), else
 * PIER_ERROR_INVALID naming it: a front end checks it before it opens where the archive goes,
 * so that a bad format is what it reports rather than the place. */
gboolean pier_engine_check_save_format (const char *format, GError **error);
/* Loads every image of a docker-archive or OCI archive read from @fd (gzip or not), all or
 * nothing; returns what `docker load` prints, a line each ("Loaded image: NAME"). */
GPtrArray *pier_engine_load (PierEngine *engine, int fd, GCancellable *cancellable,
                             GError **error);
/* The same from an OCI image layout directory of the caller's. */
GPtrArray *pier_engine_load_layout (PierEngine *engine, const char *dir,
                                    GCancellable *cancellable, GError **error);

/* ---- registries ---- */

/* Pulls NAME[:TAG|@DIGEST] (Docker's names: "debian" is docker.io/library/debian:latest);
 * @progress (may be NULL) follows it. */
PierPullResult *pier_engine_pull (PierEngine *engine, const char *reference,
                                  const PierRegistryAccess *access, PierTransferFunc progress,
                                  gpointer progress_data, GCancellable *cancellable,
                                  GError **error);
/* Pushes @image (a name or an id) to @destination (NAME[:TAG]; NULL: the image's name). */
PierPushResult *pier_engine_push (PierEngine *engine, const char *image,
                                  const char *destination, const PierRegistryAccess *access,
                                  PierTransferFunc progress, gpointer progress_data,
                                  GCancellable *cancellable, GError **error);
/* Checks that @registry (NULL: docker.io) accepts the credentials, then keeps them in
 * access->auth_file (NULL: where Podman keeps them). */
gboolean pier_engine_login (PierEngine *engine, const char *registry, const char *username,
                            const char *password, const PierRegistryAccess *access,
                            GCancellable *cancellable, GError **error);
/* Forgets the credentials of @registry (NULL: every registry's) in @auth_file (NULL: the one
 * login writes). Returns what it removed them from: the registry's normalized name, or for
 * every registry the file. */
char *pier_engine_logout (PierEngine *engine, const char *registry, const char *auth_file,
                          GCancellable *cancellable, GError **error);

/* ---- graphical sessions: PIER_ENGINE_CAP_GRAPHICAL_SESSIONS ---- */

/* Opens (or joins) a running container's graphical session: an RDP server in it, reached
 * through a socket of this machine, and options->app in a session of its own. */
PierGraphicalSession *pier_engine_open_graphical_session (PierEngine *engine,
                                                          const char *container,
                                                          const PierGraphicalOptions *options,
                                                          GCancellable *cancellable,
                                                          GError **error);

/* ---- changes ---- */

/* The events (PierEngineEvent *) since *@cursor (0: the first kept), oldest first; *@cursor
 * is then where the next call goes on. A front end calls this when its events watch says so
 * (pier_engine_watch_events()); it starts with *@cursor PIER_ENGINE_EVENTS_NOW to get none of
 * the past, only the cursor of now. */
#define PIER_ENGINE_EVENTS_NOW G_MAXUINT64
GPtrArray *pier_engine_read_events (PierEngine *engine, guint64 *cursor,
                                    GCancellable *cancellable, GError **error);
/* A watch whose "changed" says when to read the events again: changes from here on, made by
 * this process or any other. Returns at once, on the thread whose main context is to hear it.
 * Changes made before it existed are not announced: a front end reads once after making it. */
PierEventsWatch *pier_engine_watch_events (PierEngine *engine, GError **error);

G_END_DECLS
