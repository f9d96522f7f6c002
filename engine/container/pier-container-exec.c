/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Processes started in a running container: the user, the environment and the spec. */
#include "pier-container-exec.h"

#include "pier-container-options.h"
#include "pier-error.h"

#include <string.h>
#include <unistd.h>

void
pier_container_identity_clear (PierContainerIdentity *identity)
{
  g_clear_pointer (&identity->user, pier_container_user_free);
  g_clear_pointer (&identity->env, g_strfreev);
}

static char **
apply_env_overrides (char **env, const char *const *overrides)
{
  for (const char *const *e = overrides; e && *e; e++)
    {
      const char *eq = strchr (*e, '=');
      g_autofree char *key = eq ? g_strndup (*e, eq - *e) : g_strdup (*e);
      const char *value = eq ? eq + 1 : g_getenv (key) ? g_getenv (key) : "";

      env = g_environ_setenv (env, key, value, TRUE);
    }
  return env;
}

gboolean
pier_container_identity_resolve (PierStore *store, const PierContainer *container,
                                 const char *user_spec, const char *const *env_overrides,
                                 PierContainerIdentity *identity, GError **error)
{
  /* The user is looked up in the files the container sees: its own layer over the image's. */
  g_autoptr (GPtrArray) layers = pier_container_get_lower_dirs (store, container);

  g_ptr_array_insert (layers, 0, pier_container_get_upper_dir (store, container));
  g_ptr_array_add (layers, NULL);
  identity->user = pier_container_user_resolve (user_spec ? user_spec : container->user,
                                                (const char *const *) layers->pdata, error);
  if (identity->user == NULL)
    return FALSE;
  identity->env = apply_env_overrides (g_strdupv (container->env), env_overrides);
  if (g_environ_getenv (identity->env, "HOME") == NULL)
    identity->env = g_environ_setenv (identity->env, "HOME", identity->user->home, TRUE);
  return TRUE;
}

void
pier_container_identity_exec_spec (const PierContainerIdentity *identity,
                                   const PierContainer *container, char **argv, const char *cwd,
                                   PierExecSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->argv = argv;
  spec->env = identity->env;
  spec->cwd = cwd ? cwd : container->working_dir;
  spec->uid = identity->user->uid;
  spec->gid = identity->user->gid;
  spec->groups = (const guint32 *) (void *) identity->user->groups->data;
  spec->n_groups = identity->user->groups->len;
}

/* The checks and the spec both calls share; @spec borrows from @identity. */
static gboolean
prepare (PierStore *store, const PierContainer *container,
         const PierContainerExecOptions *options, PierContainerIdentity *identity,
         PierExecSpec *spec, GError **error)
{
  if (container->status != PIER_CONTAINER_RUNNING)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, "container %s is not running",
                   container->name);
      return FALSE;
    }
  for (const char *const *e = options->env; e && *e; e++)
    if (!pier_container_check_env (*e, error))
      return FALSE;
  if (!pier_container_identity_resolve (store, container, options->user, options->env, identity,
                                        error))
    return FALSE;
  pier_container_identity_exec_spec (identity, container, options->argv, options->working_dir,
                                     spec);
  spec->session_origin = options->session_origin;
  spec->tty = options->tty;
  spec->tty_rows = options->tty_rows;
  spec->tty_cols = options->tty_cols;
  return TRUE;
}

gboolean
pier_container_exec_spawn (PierStore *store, const PierContainer *container,
                           const PierContainerExecOptions *options, int in_fd, int out_fd,
                           int err_fd, pid_t *out_pid, int *out_pty_master, GError **error)
{
  g_auto (PierContainerIdentity) identity = { 0 };
  g_autofree char *state_dir = NULL;
  PierExecSpec spec;

  if (!prepare (store, container, options, &identity, &spec, error))
    return FALSE;
  state_dir = pier_container_get_state_dir (store, container);
  return pier_sandbox_exec_spawn (state_dir, &spec, in_fd, out_fd, err_fd, out_pid,
                                  out_pty_master, error);
}

gboolean
pier_container_exec (PierStore *store, const PierContainer *container,
                     const PierContainerExecOptions *options, int in_fd, int out_fd, int err_fd,
                     int *exit_code, GError **error)
{
  g_auto (PierContainerIdentity) identity = { 0 };
  g_autofree char *state_dir = NULL;
  PierExecSpec spec;

  if (!prepare (store, container, options, &identity, &spec, error))
    return FALSE;
  state_dir = pier_container_get_state_dir (store, container);
  return pier_sandbox_exec (state_dir, &spec, in_fd, out_fd, err_fd, exit_code, error);
}
