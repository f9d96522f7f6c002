/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "pier-cgroup.h"
#include "pier-json.h"
#include "pier-network.h"

G_BEGIN_DECLS

/* The container runtime: a container's init is cloned into its own namespaces by pier-monitor,
 * a small helper that detaches from its caller, stays the init's parent, keeps its logs, serves
 * attach connections and records how it exited (the model of Podman's conmon). Everything the
 * store needs goes through this header; the store owns the records, the directories and the
 * uid ranges, this module only runs what a PierSandboxSpec describes.
 *
 * state_dir (runtime, on tmpfs) holds, once started:
 *   config.json  the spec, written by pier_sandbox_start() for the monitor
 *   state        who runs it: monitor and init pids with their start times, cgroup, network
 *   attach       the monitor's attach socket (mode 0600)
 *   monitor.lock flock()ed by the monitor while it lives: one monitor per container
 *   exit         written atomically once the init has exited: code, finish time
 *   etc/         hostname, hosts, resolv.conf bind-mounted into the container
 *   layer/       the init layer: the mount points (/proc, /etc/hosts...) stacked above the
 *                image, so that the sandbox layer holds only what the command changed
 *   rootfs/      an empty directory where the init attaches its root (in its own namespace)
 * The directory itself is created on start if missing; removing it is the store's job (but for
 * a PIER_SANDBOX_START_TIED container whose owner is gone).
 *
 * Lifetime of a container whose monitor is killed (kill -9, OOM): the init is started with
 * PR_SET_PDEATHSIG = SIGKILL, so it dies with its monitor, and with it every process of its PID
 * namespace. pier_sandbox_get_state() then reports it exited with an unknown status ("stale"),
 * never running; pier_sandbox_cleanup() removes what the monitor could not (its cgroup, its
 * network lease).
 *
 * The container's log is read with pier-sandbox-log.h; rootless operation starts with
 * pier-rootless.h. */

typedef struct {
  char *source;      /* absolute path on the host; must exist */
  char *destination; /* absolute path in the container */
  gboolean readonly;
} PierSandboxVolume;

/* {"source", "destination", "readonly"}: a volume as the spec and a container's record hold it. */
json_t *pier_sandbox_volume_to_json (PierJsonWriter *w, const PierSandboxVolume *volume);

typedef struct {
  char *id;        /* 64 lowercase hex digits */
  char *name;
  char *hostname;
  char *state_dir; /* absolute */
  char *log_path;  /* absolute; appended to, created if missing */
  char *runroot;   /* the store's runtime root, for the network helper's leases */

  /* Filesystem */
  char **lower_dirs; /* the image's unpacked layers, top first; read-only, never written */
  char *upper_dir;   /* the container's sandbox layer; its root directory is given to
                      * uid_base:gid_base (it is the container's "/"). Volume destinations and
                      * the working directory the image lacks are created in it */
  char *work_dir;    /* overlay's work directory, same filesystem as upper_dir */
  gboolean bind_host_usr; /* the host's /usr read-only at /usr (the built-in host:latest) */
  PierSandboxVolume *volumes;
  gsize n_volumes;

  /* Process */
  char **argv;
  char **env;  /* "NAME=value"; PATH here is what the command is looked up in */
  char *cwd;   /* created if missing */
  guint32 uid, gid;
  guint32 *groups;
  gsize n_groups;
  gboolean tty;        /* a pseudo-terminal from the container's own devpts */
  gboolean stdin_open; /* without it the command's stdin is /dev/null */
  guint16 tty_rows, tty_cols; /* the terminal's first size; 0 leaves the kernel's */
  int stop_signal;            /* what pier_sandbox_stop() sends first; 0 means SIGTERM */

  /* Namespaces. Root in the container is host id uid_base (gid_base), for uid_count ids.
   * rootless: the caller already runs in the rootless user namespace (pier_rootless_ensure());
   * the container maps that namespace's ids one to one and the uid/gid bases are ignored. */
  PierNetworkMode network;
  guint32 uid_base, uid_count;
  guint32 gid_base, gid_count;
  gboolean rootless;

  /* Limits; 0 means none */
  guint64 memory_bytes;
  double cpus;
  /* > 0: at most that many tasks; 0: PIER_SANDBOX_DEFAULT_PIDS_LIMIT, where a pids controller
   * can be used (silently none elsewhere, as Podman's default); < 0: no limit */
  gint64 pids_limit;

  /* Confinement, for the init and every process exec'd into it. pier_sandbox_spec_new() gives
   * the defaults: pier_caps_default() and Pier's seccomp profile. */
  guint64 caps;                /* the capabilities kept, 1 << CAP_* */
  gboolean seccomp_unconfined; /* no seccomp filter at all */
  char *seccomp_profile;       /* a profile in Docker's JSON format; NULL: Pier's default */
  char *seccomp_profile_name;  /* where that profile came from, for messages */

  /* Handed to the monitor's exit hook (pier_monitor_main()'s @on_exit) once the exit is
   * recorded and the container torn down: what only the layer that started it knows how to
   * do (--rm's removal). NULL: nothing. */
  char **on_exit;
  /* A file whose flock's holder (a `run --rm` in the foreground, which removes the container
   * itself) makes on_exit unneeded: the hook runs only when the file is there and nobody holds
   * it, the holder having died. NULL: the hook always runs. */
  char *on_exit_unless_held;
} PierSandboxSpec;

/* As Podman's default: a fork bomb stops there, not at the host's limit. */
#define PIER_SANDBOX_DEFAULT_PIDS_LIMIT 2048

PierSandboxSpec *pier_sandbox_spec_new (void);
void pier_sandbox_spec_free (PierSandboxSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierSandboxSpec, pier_sandbox_spec_free)

/* Appends a volume (copies the strings). */
void pier_sandbox_spec_add_volume (PierSandboxSpec *spec, const char *source,
                                   const char *destination, gboolean readonly);

/* Checks what a monitor would otherwise refuse later: id, absolute paths, argv. */
gboolean pier_sandbox_spec_validate (const PierSandboxSpec *spec, GError **error);

/* The spec as the monitor reads it (JSON); NULL with an error naming a value JSON cannot hold. */
char *pier_sandbox_spec_to_json (const PierSandboxSpec *spec, GError **error);
PierSandboxSpec *pier_sandbox_spec_from_json (const char *data, gsize len, GError **error);
/* The spec a container in @state_dir was started with (what the monitor read). */
PierSandboxSpec *pier_sandbox_spec_read (const char *state_dir, GError **error);

typedef enum {
  PIER_SANDBOX_START_NONE = 0,
  /* Connect an attach client before the command runs, so that none of its output is missed
   * (`run` without -d): the connection is returned in PierSandboxStartInfo.attach_fd for
   * pier_sandbox_attach_relay(). */
  PIER_SANDBOX_START_ATTACH = 1 << 0,
  /* The container dies with the calling process, however that ends (kill -9 included): a
   * build's RUN step. Its monitor then kills it, tears it down as after any exit, and removes
   * state_dir, which nobody is left to read. */
  PIER_SANDBOX_START_TIED = 1 << 1,
} PierSandboxStartFlags;

typedef struct {
  pid_t init_pid;           /* on the host */
  guint64 init_start_time;  /* clock ticks since boot, /proc/PID/stat field 22 */
  pid_t monitor_pid;
  guint64 monitor_start_time;
  int attach_fd;            /* with PIER_SANDBOX_START_ATTACH, else -1; the caller closes it */
  char **warnings;          /* what could not be applied, e.g. a limit without its controller;
                             * NULL-terminated, empty when all went as asked */
} PierSandboxStartInfo;

void pier_sandbox_start_info_clear (PierSandboxStartInfo *info);

/* Where pier-monitor is: PIER_MONITOR_PATH, else next to the running executable, else
 * PIER_LIBEXECDIR. */
char *pier_sandbox_find_monitor (GError **error);

/* Spawns pier-monitor (pier_sandbox_find_monitor()), which detaches (own session, double fork)
 * and starts the container. Returns once the command has been exec'd, or with the first failure
 * in the container's set-up, worded as it happened ("mounting the volume /src on /data: No such
 * file or directory"; "executable file not found in $PATH: foo" with
 * PIER_ERROR_EXECUTABLE_NOT_FOUND); a failed start leaves no monitor, no cgroup, no mount and
 * no network lease behind. A container already running is refused. */
gboolean pier_sandbox_start (const PierSandboxSpec *spec, PierSandboxStartFlags flags,
                             PierSandboxStartInfo *info, GError **error);

typedef enum {
  PIER_SANDBOX_NOT_STARTED, /* no record of a start in state_dir */
  PIER_SANDBOX_RUNNING,     /* the monitor is alive (pid and start time both match) */
  PIER_SANDBOX_EXITED,
} PierSandboxStatus;

typedef struct {
  PierSandboxStatus status;
  int exit_code;       /* EXITED: the command's status, 128+N when killed by signal N; -1 unknown */
  gint64 finished_at;  /* EXITED: unix time in microseconds (g_get_real_time()); 0 unknown */
  gboolean stale;      /* EXITED because the monitor vanished without recording an exit */
  char *reason;        /* with stale: what was found */
  pid_t init_pid;      /* RUNNING */
  guint64 init_start_time;
  pid_t monitor_pid;
} PierSandboxState;

void pier_sandbox_state_clear (PierSandboxState *state);

gboolean pier_sandbox_get_state (const char *state_dir, PierSandboxState *state, GError **error);

/* Waits until the container has exited (its exit recorded, or its monitor gone), at most
 * @timeout_ms (-1: no limit), and fills @state; returns at once for one never started. A
 * timeout is PIER_ERROR_FAILED. */
gboolean pier_sandbox_wait (const char *state_dir, int timeout_ms, PierSandboxState *state,
                            GError **error);

/* Sends @signal to the container's init (pidfd, checked against the recorded start time, so a
 * reused pid is never signalled). Signals the init does not handle are ignored by the kernel
 * unless they are SIGKILL or SIGSTOP (it is PID 1 of its namespace). */
gboolean pier_sandbox_kill (const char *state_dir, int signal, GError **error);

/* @signal (0: the spec's stop_signal, else SIGTERM), then SIGKILL after @timeout_seconds;
 * returns once the exit is recorded. Not running is not an error. (A command that installs no
 * handler for @signal, as PID 1, ignores it: it is killed when the timeout ends.) */
gboolean pier_sandbox_stop (const char *state_dir, int signal, guint timeout_seconds,
                            GError **error);

/* For a stale container (monitor gone): kills what is left of it, removes its cgroup and
 * releases its network lease. Does nothing for a container that is running or exited cleanly.
 * It does not run the exit hook: what to do with a stale record is the store's decision. */
gboolean pier_sandbox_cleanup (const char *state_dir, GError **error);

/* Memory, CPU and pids of a running container, from its cgroup. */
gboolean pier_sandbox_stats (const char *state_dir, PierCgroupStats *stats, GError **error);

/* Attach: connects to the monitor's socket; then pier_sandbox_attach_relay() relays the local
 * descriptors until the container exits. With @tty and a terminal on @in_fd, that terminal is
 * put in raw mode for the duration and its size follows SIGWINCH (which is blocked in the
 * calling thread meanwhile). @in_fd may be -1 (nothing to send). Returns the exit code. */
int pier_sandbox_attach_connect (const char *state_dir, GError **error);
gboolean pier_sandbox_attach_relay (int conn_fd, int in_fd, int out_fd, int err_fd, gboolean tty,
                                    int *exit_code, GError **error);

/* A process started in a running container: every namespace of the init is entered, its cgroup
 * joined, capabilities bounded and its seccomp filter loaded as for the init, no_new_privs set,
 * a new session. */
typedef struct {
  char **argv;
  char **env;
  const char *cwd; /* NULL: / */
  guint32 uid, gid;
  const guint32 *groups;
  gsize n_groups;
  gboolean tty;    /* a pty from the container's own devpts, the process's controlling tty */
  guint16 tty_rows, tty_cols;
  /* How its session came to be ("exec", "graphical"), recorded for the process views; NULL
   * records nothing. */
  const char *session_origin;
} PierExecSpec;

/* Sessions started in a container, by the host PID of their leader: recorded when they start,
 * kept under state_dir/sessions/ while the container runs. */
gboolean pier_sandbox_record_session (const char *state_dir, int host_sid, const char *origin,
                                      GError **error);
/* GINT_TO_POINTER (host SID) → origin (owned strings); sessions whose leader is gone from the
 * host are forgotten on the way, lest a reused PID inherit an origin. */
GHashTable *pier_sandbox_read_sessions (const char *state_dir);

/* Interactive exec: without tty the process uses @in_fd/@out_fd/@err_fd directly (-1:
 * /dev/null); with tty the pty is relayed to them like attach. Waits and returns the exit
 * code (128+N for signal N). */
gboolean pier_sandbox_exec (const char *state_dir, const PierExecSpec *spec, int in_fd,
                            int out_fd, int err_fd, int *exit_code, GError **error);

/* Starts the process and returns at once: *out_pid is its host pid and a child of the calling
 * process (reap it, e.g. with g_child_watch_add or waitpid); with spec->tty *out_pty_master is
 * the pty's master (for a terminal widget), else -1 and the process uses the given descriptors.
 * `exec -d` from a short-lived caller (pierctl) need not wait: when the caller exits, the
 * system's reaper (or the caller's subreaper) adopts the process. */
gboolean pier_sandbox_exec_spawn (const char *state_dir, const PierExecSpec *spec, int in_fd,
                                  int out_fd, int err_fd, pid_t *out_pid, int *out_pty_master,
                                  GError **error);

G_END_DECLS
