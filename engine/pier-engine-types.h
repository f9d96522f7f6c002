/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The values PierEngine's calls take and return (pier-engine.h): plain structs that hold what
 * any engine can tell, local or remote. Nothing here is a path of the local store, a state
 * directory or a host PID, except where a field says it is filled only by an engine that has
 * PIER_ENGINE_CAP_HOST_PROCESSES (host PIDs and users) or is a graphical session's endpoint
 * (PIER_ENGINE_CAP_GRAPHICAL_SESSIONS). Strings are UTF-8 unless a field says otherwise. */

/* ---- images ---- */

typedef struct {
  char *id;           /* "sha256:…" of the configuration */
  char *digest;       /* the manifest's, or NULL */
  char **names;       /* normalized references ("docker.io/library/busybox:latest") */
  gint64 created;     /* unix time, seconds; 0 when unknown */
  char *created_text; /* as the image records it (RFC 3339), or NULL */
  guint64 size;       /* bytes its layers take unpacked */
  guint n_containers; /* containers made from it */
  char *broken;       /* why it cannot be read (then only id and names are known), or NULL */
} PierImageInfo;

void pier_image_info_free (PierImageInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierImageInfo, pier_image_info_free)

/* One step of an image's history, newest first. */
typedef struct {
  char *id;         /* the image's id for the newest step, NULL for the ones below */
  char *created;    /* RFC 3339, or NULL */
  gint64 created_unix; /* seconds, 0 when unknown */
  char *created_by; /* or NULL */
  char *instruction; /* created_by read back as a Dockerfile instruction, or NULL */
  char *comment;    /* or NULL */
  guint64 size;     /* the bytes of the layer it made, 0 for none */
  gboolean empty_layer; /* it made no layer */
} PierHistoryItem;

void pier_history_item_free (PierHistoryItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierHistoryItem, pier_history_item_free)

/* One layer of an image, bottom first, and who else uses it: what removing the image would
 * really free. */
typedef struct {
  char *diff_id;      /* "sha256:…" of the unpacked layer */
  char *digest;       /* the blob's, as shipped, or NULL */
  guint64 size;       /* unpacked bytes (as shipped when unpacked_unknown) */
  gboolean unpacked_unknown; /* its unpacked size is not known */
  char *created;      /* the step that made it: RFC 3339, or NULL */
  char *created_by;   /* that step, or NULL */
  char *instruction;  /* that step as a Dockerfile instruction, or NULL */
  guint n_images;     /* images whose root filesystem includes it */
  guint n_containers; /* containers stacked on it */
} PierLayerInfo;

void pier_layer_info_free (PierLayerInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierLayerInfo, pier_layer_info_free)

/* What removing an image did, as `docker rmi` prints it. */
typedef struct {
  char **untagged; /* familiar names */
  char **deleted;  /* image ids */
} PierImageRemoval;

void pier_image_removal_free (PierImageRemoval *removal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierImageRemoval, pier_image_removal_free)

/* ---- containers ---- */

typedef enum {
  PIER_CONTAINER_STATE_CREATED,
  PIER_CONTAINER_STATE_RUNNING,
  PIER_CONTAINER_STATE_EXITED,
} PierContainerState;

typedef struct {
  char *id;
  char *name;
  char *image;       /* as the user named it */
  char *image_id;
  char **command;    /* argv */
  char **env;
  char *user;        /* "USER[:GROUP]", or NULL */
  char *working_dir; /* or NULL */
  gboolean tty;
  PierContainerState state;
  gint64 created;    /* unix time, microseconds */
  gint64 started_at;
  gint64 finished_at;
  int exit_code;     /* -1: unknown */
  gboolean stale;    /* exited without its exit being seen (its monitor vanished) */
  char *hostname;
  char *network;     /* "bridge", "none", "host" */
  char *ip_address;  /* while running, or NULL */
  guint64 memory_bytes; /* limits: 0 none */
  double cpus;
  guint64 pids_limit;   /* what applies; 0: none */
  int host_pid;      /* its init's while running, with PIER_ENGINE_CAP_HOST_PROCESSES; else 0 */
  char *pod;         /* the Podman pod it is in, by name, or NULL */
  char *broken;      /* why its record cannot be read (only id and name are known), or NULL */
} PierContainerInfo;

void pier_container_info_free (PierContainerInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierContainerInfo, pier_container_info_free)

/* The limits run and create accept, so that a front end can refuse a value before asking. */
#define PIER_RUN_MEMORY_MAX ((guint64) G_MAXINT64)
#define PIER_RUN_CPUS_MIN 0.01
#define PIER_RUN_CPUS_MAX 1024.0

/* run and create, as Docker's flags say them. */
typedef struct {
  const char *image;
  const char *name;                /* NULL: a generated one */
  const char *hostname;            /* NULL: the name */
  const char *const *command;      /* NULL or empty: the image's */
  const char *const *env;          /* "NAME=value", or "NAME" (the caller's value) */
  const char *const *volumes;      /* "SRC:DST[:ro|:rw]" */
  const char *working_dir;
  const char *user;                /* "USER[:GROUP]" */
  const char *network;             /* "none", "host", "bridge"; NULL: the engine's default */
  guint64 memory_bytes;            /* 0: no limit */
  double cpus;                     /* 0: no limit */
  gint64 pids_limit;               /* 0: the engine's default; < 0: none */
  const char *const *cap_add;      /* capability names, or "ALL" */
  const char *const *cap_drop;
  const char *const *security_opt; /* "seccomp=FILE.json", "seccomp=unconfined" */
  gboolean tty;
  gboolean interactive;
  gboolean auto_remove;
  guint16 tty_rows, tty_cols;      /* the terminal's size, with tty */
} PierRunOptions;

/* What a started container printed: one entry of its log. */
typedef enum {
  PIER_OUTPUT_STDOUT,
  PIER_OUTPUT_STDERR,
} PierOutputStream;

typedef struct {
  PierOutputStream stream;
  const char *data; /* any bytes */
  gsize len;
  gboolean partial; /* no newline ended it */
} PierLogChunk;

/* FALSE stops the reading. */
typedef gboolean (*PierLogChunkFunc) (const PierLogChunk *chunk, gpointer user_data);

typedef struct {
  gboolean has_memory, has_cpu, has_pids;
  guint64 memory_bytes; /* charged to the container, page cache included */
  guint64 cpu_ns;       /* CPU time used, all CPUs */
  guint64 pids;         /* tasks now in it */
} PierContainerStats;

/* exec: a process in a running container, in a session of its own. */
typedef struct {
  const char *const *argv;
  const char *user;          /* "USER[:GROUP]"; NULL: the container's */
  const char *working_dir;   /* NULL: the container's */
  const char *const *env;    /* on top of the container's: "K=V", or "K" (the caller's value) */
  gboolean tty;
  guint16 tty_rows, tty_cols;
} PierExecOptions;

/* ---- processes ---- */

/* An id the engine could not learn. */
#define PIER_PROCESS_INFO_ID_UNKNOWN ((guint32) -1)

/* A process as its container sees it and, with PIER_ENGINE_CAP_HOST_PROCESSES, as the host
 * does (else the host_* fields are 0, PIER_PROCESS_INFO_ID_UNKNOWN and NULL). Names and
 * command lines are what the process shows of itself: any bytes. */
typedef struct {
  int container_pid, container_ppid, container_sid; /* 0 when outside the namespace */
  int host_pid, host_ppid, host_sid;
  guint32 uid, host_uid;
  char *user, *host_user; /* NULL when unknown */
  char *tty;              /* "pts/3", or NULL */
  char state;             /* R, S, D, Z, T, t, X, I as in ps */
  char *command;
  double cpu_percent;
  guint64 rss_bytes;
  gint64 start_time;      /* unix time, microseconds */
  char *container;        /* the name of the container it belongs to, in a host listing */
  gboolean kernel_thread;
} PierProcessInfo;

void pier_process_info_free (PierProcessInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierProcessInfo, pier_process_info_free)

typedef struct {
  int container_sid;          /* 0 when the leader is outside */
  int host_sid;
  char *origin;               /* "init", "exec", "graphical", "rdp-server", or NULL */
  PierProcessInfo *leader;    /* one of processes, or NULL when it has exited */
  GPtrArray *processes;       /* PierProcessInfo * */
} PierSessionInfo;

void pier_session_info_free (PierSessionInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierSessionInfo, pier_session_info_free)

/* ---- changes ---- */

typedef struct {
  gint64 time;      /* unix time, microseconds */
  char *type;       /* "image" or "container" */
  char *action;     /* "create", "start", "exit", "remove", "tag", "untag", "load", ... */
  char *id;
  char *name;       /* or NULL */
  int exit_code;    /* for "exit" */
} PierEngineEvent;

void pier_engine_event_free (PierEngineEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierEngineEvent, pier_engine_event_free)

/* ---- building and changes ---- */

/* What a build does, step by step, for a front end that shows the steps (the same as its
 * text output, structured as BuildKit's progress is). */
typedef enum {
  PIER_BUILD_STEP_BEGIN,    /* step, n_steps, text (the instruction as written) */
  PIER_BUILD_STEP_TRIGGERS, /* n_steps ONBUILD triggers of the base run now */
  PIER_BUILD_STEP_RUNNING,  /* RUN started a container: id */
  PIER_BUILD_STEP_OUTPUT,   /* what RUN's command wrote: data, len */
  PIER_BUILD_STEP_CACHED,   /* the step comes from the cache */
  PIER_BUILD_STEP_END,      /* the step is done, in seconds */
  PIER_BUILD_STEP_ALL_DONE, /* id: the image's; text: the names it got, one a line */
} PierBuildStepType;

typedef struct {
  PierBuildStepType type;
  guint step;
  guint n_steps;
  const char *text;
  const char *id;
  const char *data;
  gsize len;
  double seconds;
} PierBuildStep;

/* Called in the building thread; @step is valid during the call. */
typedef void (*PierBuildStepFunc) (const PierBuildStep *step, gpointer user_data);

/* build, as `docker build` takes it. The context and the Dockerfile are inputs the caller
 * gives, on the caller's machine: the local engine reads them in place, an engine elsewhere
 * gets them as a tar stream of the context (the Dockerfile inside it), as Docker's client
 * sends them. */
typedef struct {
  const char *context_dir;      /* the build context: a directory of the caller's */
  const char *dockerfile;       /* the caller's file; NULL: CONTEXT/Dockerfile, else
                                   CONTEXT/Containerfile */
  const char *const *tags;      /* NAME[:TAG] for the image; NULL or empty: none */
  GHashTable *build_args;       /* char * → char *; may be NULL */
  const char *target;           /* stage name or number; NULL: the last */
  gboolean no_cache;
  const char *network;          /* RUN's network: "bridge", "none", "host"; NULL: the
                                   engine's default */
  PierBuildStepFunc steps;      /* may be NULL */
  gpointer steps_data;
} PierImageBuildOptions;

/* What a build prints as it goes, in Docker's classic builder's words. */
typedef void (*PierBuildOutputFunc) (const char *text, gpointer user_data);

/* commit, as `docker commit` takes it. */
typedef struct {
  const char *message;        /* -m */
  const char *author;         /* -a; NULL keeps the image's */
  const char *const *changes; /* -c: Dockerfile instructions */
  const char *name;           /* NAME[:TAG] of the new image; NULL for none */
} PierCommitRequest;

/* One line of `docker diff`. */
typedef struct {
  char kind;  /* 'A' added, 'C' changed, 'D' deleted */
  char *path; /* absolute, inside the container: "/etc/passwd" */
} PierFileChange;

void pier_file_change_free (PierFileChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierFileChange, pier_file_change_free)

/* ---- registries ---- */

typedef enum {
  /* Verified HTTPS, unless the engine's registries configuration marks the registry
   * insecure. */
  PIER_TLS_VERIFY_DEFAULT,
  PIER_TLS_VERIFY_ON,
  /* HTTPS without verification, falling back to plain HTTP (Podman's --tls-verify=false). */
  PIER_TLS_VERIFY_OFF,
} PierTlsVerify;

/* What pull, push and login take; every member may be left zero. The files are the caller's
 * (as Podman's flags name them); NULL: the usual places. */
typedef struct {
  PierTlsVerify tls;
  const char *cert_dir;        /* CA certificates (*.crt) to trust */
  const char *auth_file;       /* the credentials file */
  const char *registries_conf; /* the registries file */
  const char *username;        /* credentials for this call, instead of the file's */
  const char *password;
  const char *platform;        /* pull: "OS/ARCH[/VARIANT]"; NULL: this machine's */
} PierRegistryAccess;

/* Progress of a pull or a push, blob by blob. */
typedef enum {
  PIER_TRANSFER_RESOLVING, /* reading the manifest (and index) */
  PIER_TRANSFER_MOVING,
  PIER_TRANSFER_COMMITTING,
  PIER_TRANSFER_DONE,
} PierTransferStage;

typedef enum {
  PIER_BLOB_WAITING,
  PIER_BLOB_EXISTS,       /* pull: already in the store; push: already on the registry */
  PIER_BLOB_MOUNTED,      /* push: mounted from another repository of the registry */
  PIER_BLOB_TRANSFERRING,
  PIER_BLOB_DONE,
} PierBlobState;

typedef struct {
  const char *digest;
  const char *mounted_from; /* the repository, for PIER_BLOB_MOUNTED */
  guint64 size;
  guint64 done;             /* bytes moved */
  double rate;              /* bytes per second, lately */
  PierBlobState state;
  gboolean is_config;
} PierBlobTransfer;

typedef struct {
  const char *reference; /* "127.0.0.1:5000/app:1" */
  PierTransferStage stage;
  guint n_blobs;
  const PierBlobTransfer *blobs;
} PierTransferProgress;

/* Called in the calling thread while the transfer runs; @progress is valid during the call. */
typedef void (*PierTransferFunc) (const PierTransferProgress *progress, gpointer user_data);

typedef struct {
  char *reference;     /* the name the image got: "docker.io/library/debian:latest" */
  char *digest;        /* what the registry names it by */
  gboolean up_to_date; /* the name already pointed at this image */
} PierPullResult;

void pier_pull_result_free (PierPullResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierPullResult, pier_pull_result_free)

typedef struct {
  char *reference; /* where it went: "127.0.0.1:5000/app:1" */
  char *digest;    /* of the manifest */
  guint64 size;    /* of the manifest */
} PierPushResult;

void pier_push_result_free (PierPushResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierPushResult, pier_push_result_free)

/* ---- graphical sessions (PIER_ENGINE_CAP_GRAPHICAL_SESSIONS) ---- */

/* The desktop's first size when the options give none. */
#define PIER_GRAPHICAL_DEFAULT_WIDTH 1024
#define PIER_GRAPHICAL_DEFAULT_HEIGHT 768

typedef struct {
  const char *const *app; /* argv; NULL or empty: the image's */
  gboolean x11;           /* Xwayland too; the app gets DISPLAY */
  int width, height;      /* the desktop's first size; 0: the default */
  gboolean join_running;  /* a session already running is joined as it is, its app not
                           * started again (a window opened anew); only a new one starts it */
} PierGraphicalOptions;

/* Where a graphical session is reached: endpoints of this machine, as only an engine with
 * PIER_ENGINE_CAP_GRAPHICAL_SESSIONS gives them. */
typedef struct {
  char *socket_path;       /* the Unix socket RDP clients connect to */
  char *fingerprint;       /* the server certificate's, "sha256:ab:…" */
  gboolean weston;         /* Pier's Weston serves it (else the image's own RDP server) */
  gboolean server_started; /* by this call (else it was running) */
  int server_pid;          /* Weston's host pid; -1 for an image's own server */
  guint16 server_port;     /* the RDP port the server listens on in the container */
  int app_pid;             /* the app's host pid; -1 for none */
  char *display;           /* DISPLAY given to the app with x11, else NULL */
} PierGraphicalSession;

void pier_graphical_session_free (PierGraphicalSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierGraphicalSession, pier_graphical_session_free)

G_END_DECLS
