/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* What a graphical session (pier-graphical-session.h) needs of the container it opens in, apart
 * from how that container is reached: Pier's own containers (pier-graphical-container.h) and
 * those of a Docker or Podman engine on this machine (engine/pier-docker-engine-graphical.c).
 * Backends with real variants are a struct of functions, as crun's cgroup managers are.
 *
 * Every target's init runs on this machine: the relay joins its network namespace and the
 * port check reads its /proc. */

typedef struct _PierGraphicalTarget PierGraphicalTarget;

typedef struct {
  /* Makes @files (of PierGraphicalFile, pier-graphical-files-private.h), in order, in the
   * container, owned by the ids each names. */
  gboolean (*write_files) (PierGraphicalTarget *target, GArray *files, GError **error);
  /* Starts @argv as the container's user, with its environment and @env ("K=V") on top, in a
   * session of its own, its output to @log_fd; *@out_pid is its host pid. */
  gboolean (*spawn) (PierGraphicalTarget *target, char **argv, char **env, int log_fd,
                     pid_t *out_pid, GError **error);
  /* The image's Entrypoint and Cmd, joined (NULL-terminated, maybe empty). */
  char **(*image_command) (PierGraphicalTarget *target, GError **error);
  /* Optional: notes that host process @pid leads a session of @origin (pier-engine-types.h's
   * origins), for the engine's own Processes view. */
  void (*record_session) (PierGraphicalTarget *target, pid_t pid, const char *origin);
  /* Optional: notes the sessions Weston (@server_pid) started for its own clients. */
  void (*record_server_clients) (PierGraphicalTarget *target, pid_t server_pid);
  void (*finalize) (PierGraphicalTarget *target);
} PierGraphicalTargetClass;

struct _PierGraphicalTarget {
  const PierGraphicalTargetClass *klass;
  char *name;            /* as a person names it, in messages */
  char *image;           /* its image as it was asked for, in messages */
  char *hostname;        /* the certificate's subject */
  gboolean running;
  gboolean host_network; /* its 127.0.0.1:3389 would be the host's */
  /* While running: its init on this machine (a reused pid is never taken for it). */
  pid_t init_pid;
  guint64 init_start_time;
  /* Pier's own 0700 folder for this container's run: the server's record, the logs, the lock,
   * the relay's socket (whose path must fit a socket address). */
  char *state_dir;
  /* Pier's own 0700 folder kept across the container's restarts: its key and certificate. */
  char *certificate_dir;
  /* The container's user, in the container's ids: the owner of Weston's files. */
  guint32 uid, gid;
};

/* write_files for a target whose init's mount namespace this process may join (root, or the
 * owner of its user namespace): the files are made there through a pidfd of the init. */
gboolean pier_graphical_target_write_files_in_init (PierGraphicalTarget *target, GArray *files,
                                                    GError **error);

/* Calls the class's finalize (for what an implementation adds after the fields above, in a
 * struct that starts with them), then frees the fields and @target. */
void pier_graphical_target_free (PierGraphicalTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierGraphicalTarget, pier_graphical_target_free)

G_END_DECLS
