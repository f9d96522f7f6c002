/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container-user.h"
#include "pier-container.h"
#include "pier-sandbox.h"

G_BEGIN_DECLS

/* Processes started in a running container (exec, a terminal, a graphical session's server and
 * apps): who they run as and with what environment, composed in one place so that every front
 * end starts them the same way. */

/* The user a process runs as in a container and the environment it starts with. */
typedef struct {
  PierContainerUser *user;
  char **env;
} PierContainerIdentity;

void pier_container_identity_clear (PierContainerIdentity *identity);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PierContainerIdentity, pier_container_identity_clear)

/* Resolves @user_spec ("USER[:GROUP]"; NULL: the container's own user) against the container's
 * layers (its sandbox layer on top), and starts the environment from the container's with
 * @env_overrides on top ("K=V", or "K" for the calling process's value of K, empty when unset)
 * and HOME set to the user's home unless either sets it. */
gboolean pier_container_identity_resolve (PierStore *store, const PierContainer *container,
                                          const char *user_spec,
                                          const char *const *env_overrides,
                                          PierContainerIdentity *identity, GError **error);

/* Fills @spec to run @argv as @identity in @cwd (NULL: the container's working directory);
 * @spec borrows from all three, which must outlive it. */
void pier_container_identity_exec_spec (const PierContainerIdentity *identity,
                                        const PierContainer *container, char **argv,
                                        const char *cwd, PierExecSpec *spec);

typedef struct {
  char **argv;
  const char *user;                /* "USER[:GROUP]"; NULL: the container's */
  const char *working_dir;         /* NULL: the container's */
  const char *const *env;          /* on top of the container's: "K=V", or "K" (the caller's) */
  gboolean tty;
  guint16 tty_rows, tty_cols;
  const char *session_origin;      /* recorded for the session (PIER_SESSION_EXEC), or NULL */
} PierContainerExecOptions;

/* Starts @options->argv in the running @container and returns at once, as
 * pier_sandbox_exec_spawn() does (*out_pid is the caller's child; with a tty *out_pty_master is
 * the pty's master). PIER_ERROR_INVALID when the container is not running or an environment
 * entry is malformed. */
gboolean pier_container_exec_spawn (PierStore *store, const PierContainer *container,
                                    const PierContainerExecOptions *options, int in_fd,
                                    int out_fd, int err_fd, pid_t *out_pid, int *out_pty_master,
                                    GError **error);

/* The same, relayed to the descriptors as pier_sandbox_exec() does, waiting for the exit:
 * *exit_code is the process's (128+N for signal N). */
gboolean pier_container_exec (PierStore *store, const PierContainer *container,
                              const PierContainerExecOptions *options, int in_fd, int out_fd,
                              int err_fd, int *exit_code, GError **error);

G_END_DECLS
