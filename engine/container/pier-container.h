/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-image-store.h"
#include "pier-network.h"
#include "pier-sandbox.h"

G_BEGIN_DECLS

/* Containers: a record in the store plus a sandbox layer (the overlay upper directory), run by
 * the sandbox module under a pier-monitor. The record says what to run; whether it runs is
 * asked of the monitor's state each time, so a container started by another process (a
 * pierctl in a terminal, the window) is seen as it is.
 *
 *   ROOT/containers/<id>/container.json   the record
 *   ROOT/containers/<id>/image            the image id it pins (read by the image store)
 *   ROOT/containers/<id>/diff, work       the sandbox layer and overlay's work directory
 *   ROOT/containers/<id>/ctr.log          its output
 *   RUNROOT/containers/<id>/              the monitor's state */

typedef enum {
  PIER_CONTAINER_CREATED,
  PIER_CONTAINER_RUNNING,
  PIER_CONTAINER_EXITED,
} PierContainerStatus;

const char *pier_container_status_to_string (PierContainerStatus status);

typedef struct {
  const char *image;
  const char *name;                /* NULL: a generated one */
  const char *hostname;            /* NULL: the name */
  const char *const *command;      /* NULL or empty: the image's Cmd */
  const char *const *env;          /* "NAME=value" or "NAME" (taken from the caller's env) */
  const char *const *volumes;      /* "SRC:DST[:ro|:rw]" */
  const char *working_dir;
  const char *user;                /* "USER[:GROUP]" */
  gboolean network_set;
  PierNetworkMode network;         /* default: bridge as root, none rootless */
  guint64 memory_bytes;
  double cpus;
  gint64 pids_limit;               /* 0: PIER_SANDBOX_DEFAULT_PIDS_LIMIT; < 0: none */
  const char *const *cap_add;      /* capability names, or "ALL" (pier-caps.h) */
  const char *const *cap_drop;
  const char *const *security_opt; /* "seccomp=FILE.json", "seccomp=unconfined",
                                    * "no-new-privileges" (always so) */
  gboolean tty;
  gboolean interactive;
  gboolean auto_remove;
  guint16 tty_rows, tty_cols;      /* pier_store_run_container(): the terminal's size */
} PierContainerOptions;

typedef struct {
  char *id;
  char *name;
  char *image;     /* as the user named it */
  char *image_id;
  char *hostname;
  gint64 created;  /* unix time, microseconds */
  GStrv argv;
  GStrv env;
  char *working_dir;
  char *user;
  gboolean tty;
  gboolean stdin_open;
  gboolean auto_remove;
  PierNetworkMode network;
  GPtrArray *volumes; /* PierSandboxVolume* */
  guint64 memory_bytes;
  double cpus;
  gint64 pids_limit;    /* as asked: 0 the default, < 0 none */
  GStrv cap_add;        /* normalized names ("CAP_NET_RAW", "ALL"), or NULL */
  GStrv cap_drop;
  char *seccomp_name;   /* NULL: Pier's default profile; "unconfined"; or the file it came from */
  char *seccomp_profile; /* that file's contents when the container was created */
  guint32 uid_base, uid_count;
  gboolean rootless;
  char *stop_signal;
  gboolean bind_host_usr;
  GPtrArray *layer_diff_ids; /* the image's, bottom first */

  /* The last run, as recorded. */
  gint64 started_at;   /* microseconds; 0 never started */
  gint64 finished_at;
  int exit_code;       /* -1 unknown */

  /* Now, from the monitor's state. */
  PierContainerStatus status;
  pid_t pid;           /* the init's host pid while running */
  pid_t monitor_pid;   /* its pier-monitor's, while running */
  gboolean stale;      /* exited because its monitor vanished */
  char *stale_reason;
  char *ip_address;

  /* For the next start with a terminal: its size, so that the command's first look at it is
   * right (not saved). */
  guint16 tty_rows, tty_cols;
  /* For the next start of an --rm container: the caller waits for it and removes it itself
   * (`run` in the foreground), so its monitor need not start a pierctl to do it. */
  gboolean caller_removes;

  /* Why its record cannot be read, or NULL. Such a container is listed (as broken) and can be
   * removed, nothing else: pier_store_find_container() refuses it. What the record held is
   * unknown (empty); its name and id range are those claimed for its id. */
  char *broken;
  /* A lock on the container while pier_store_run_container()'s caller owns it, or -1. */
  int run_hold_fd;
} PierContainer;

void pier_container_free (PierContainer *container);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierContainer, pier_container_free)

char *pier_container_get_state_dir (PierStore *store, const PierContainer *container);
char *pier_container_get_dir (PierStore *store, const PierContainer *container);
char *pier_container_get_upper_dir (PierStore *store, const PierContainer *container);
char *pier_container_get_log_path (PierStore *store, const PierContainer *container);
/* The image's unpacked layers, top first. */
GPtrArray *pier_container_get_lower_dirs (PierStore *store, const PierContainer *container);

/* Creates a container (not started). The image's layers are unpacked now, so that start is
 * quick. Bad input (unknown image, a name in use, a volume source that does not exist, no
 * command) is refused before anything is written. */
PierContainer *pier_store_create_container (PierStore *store, const PierContainerOptions *options,
                                            GError **error);

/* `run`: creates the container and starts it (with @attach_fd, attached: see
 * pier_container_start()). A run that does not start leaves nothing: the container is removed
 * again. Until it has started, and with auto_remove and @attach_fd until the caller has
 * removed it after its exit, it belongs to the calling process: if that process dies first,
 * the container is removed at its exit by its monitor, or when next listed. */
PierContainer *pier_store_run_container (PierStore *store, const PierContainerOptions *options,
                                         int *attach_fd, char ***warnings, GError **error);

/* All containers, newest first, with their current state; those whose record cannot be read
 * too, with PierContainer.broken set. */
GPtrArray *pier_store_list_containers (PierStore *store, GError **error);
/* By name, id or unique id prefix. PIER_ERROR_NOT_FOUND: "no such container: X";
 * PIER_ERROR_CORRUPT for a broken container, saying how to remove it. */
PierContainer *pier_store_find_container (PierStore *store, const char *name_or_id,
                                          GError **error);
/* The same, a broken container included: for removal. */
PierContainer *pier_store_find_any_container (PierStore *store, const char *name_or_id,
                                              GError **error);

/* Starts it; with @attach_fd, connects an attach client first (see pier_sandbox_start). */
gboolean pier_container_start (PierStore *store, PierContainer *container, int *attach_fd,
                               char ***warnings, GError **error);
gboolean pier_container_stop (PierStore *store, PierContainer *container, guint timeout_seconds,
                              GError **error);
gboolean pier_container_kill (PierStore *store, PierContainer *container, int signal,
                              GError **error);
/* Waits for the exit and returns its code. */
gboolean pier_container_wait (PierStore *store, PierContainer *container, int *exit_code,
                              GError **error);
/* Removes a container that is not running (@force: kills it first); a broken one too, with
 * its name and id range. */
gboolean pier_container_remove (PierStore *store, PierContainer *container, gboolean force,
                                GError **error);
/* The id range of the container @id (whose directory must exist: it keeps the claim), from the
 * reserved subordinate ids, claimed host-wide so that no two containers of any store ever share
 * one (pier-uid-ranges.h). */
gboolean pier_store_claim_id_range (PierStore *store, const char *id, gboolean durable,
                                    guint32 *base, guint32 *count, GError **error);
void pier_store_release_id_range (PierStore *store, guint32 base, const char *id);

/* Gives up the container's name and id range (when it is removed). */
void pier_container_release_claims (PierStore *store, const PierContainer *container);

/* Saves the record (what pier_container_start() and the state updates change). */
gboolean pier_container_write_record (PierStore *store, const PierContainer *container,
                                      GError **error);

/* Re-reads the record and the monitor's state. */
gboolean pier_container_refresh (PierStore *store, PierContainer *container, GError **error);

/* pier-container-confine.c: the options' capabilities and security options, checked (a
 * seccomp file is read and compiled now, so that a bad one fails the create), into @c. */
gboolean pier_container_set_confinement (PierContainer *c, const PierContainerOptions *options,
                                         GError **error);
/* Into the spec of its start. */
void pier_container_confine_spec (const PierContainer *c, PierSandboxSpec *spec);
/* What applies: the capabilities kept, the pids limit (0: none), the seccomp profile's name
 * ("default", "unconfined" or a file's path). */
guint64 pier_container_get_caps (const PierContainer *c);
guint64 pier_container_get_pids_limit (const PierContainer *c);
const char *pier_container_get_seccomp_name (const PierContainer *c);

G_END_DECLS
