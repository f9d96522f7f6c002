/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A container's life: run, start, stop, kill, wait, remove. */
#include "pier-container-private.h"

#include "pier-container-exec.h"
#include "pier-crash-point.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-signal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static PierSandboxSpec *
make_spec (PierStore *store, PierContainer *c, GError **error)
{
  g_autoptr (PierSandboxSpec) spec = pier_sandbox_spec_new ();
  g_autoptr (GPtrArray) lowers = pier_container_get_lower_dirs (store, c);
  g_auto (PierContainerIdentity) identity = { 0 };
  g_autofree char *dir = pier_container_get_dir (store, c);
  int stop_signal = SIGTERM;

  if (!pier_container_identity_resolve (store, c, NULL, NULL, &identity, error))
    return NULL;
  if (c->stop_signal && *c->stop_signal && !pier_signal_parse (c->stop_signal, &stop_signal, error))
    {
      g_prefix_error (error, _("the image's STOPSIGNAL: "));
      return NULL;
    }

  spec->id = g_strdup (c->id);
  spec->name = g_strdup (c->name);
  spec->hostname = g_strdup (c->hostname);
  spec->state_dir = pier_container_get_state_dir (store, c);
  spec->log_path = pier_container_get_log_path (store, c);
  spec->runroot = g_strdup (pier_store_get_runroot (store));
  g_ptr_array_add (lowers, NULL);
  spec->lower_dirs = g_strdupv ((char **) lowers->pdata);
  spec->upper_dir = pier_container_get_upper_dir (store, c);
  spec->work_dir = g_build_filename (dir, "work", NULL);
  spec->bind_host_usr = c->bind_host_usr;
  for (guint i = 0; i < c->volumes->len; i++)
    {
      PierSandboxVolume *v = c->volumes->pdata[i];
      pier_sandbox_spec_add_volume (spec, v->source, v->destination, v->readonly);
    }
  spec->argv = g_strdupv (c->argv);
  spec->env = g_steal_pointer (&identity.env);
  spec->cwd = g_strdup (c->working_dir);
  spec->uid = identity.user->uid;
  spec->gid = identity.user->gid;
  spec->n_groups = identity.user->groups->len;
  spec->groups = g_memdup2 (identity.user->groups->data,
                            sizeof (guint32) * identity.user->groups->len);
  spec->tty = c->tty;
  spec->tty_rows = c->tty_rows;
  spec->tty_cols = c->tty_cols;
  spec->stdin_open = c->stdin_open;
  spec->stop_signal = stop_signal;
  spec->network = c->network;
  spec->uid_base = spec->gid_base = c->uid_base;
  spec->uid_count = spec->gid_count = c->uid_count;
  spec->rootless = c->rootless;
  spec->memory_bytes = c->memory_bytes;
  spec->cpus = c->cpus;
  pier_container_confine_spec (c, spec);
  if (c->auto_remove)
    {
      /* A caller that removes the container itself holds it: the monitor steps in only when
       * that caller died first (and a listing would, without the monitor). */
      if (c->caller_removes && c->run_hold_fd >= 0)
        spec->on_exit_unless_held = g_build_filename (dir, PIER_CONTAINER_RUN_HOLD, NULL);
      /* pier_container_monitor_main()'s removal. */
      spec->on_exit = g_strdupv ((char *[]){ (char *) pier_store_get_root (store),
                                             (char *) pier_store_get_runroot (store), c->id,
                                             NULL });
    }
  return g_steal_pointer (&spec);
}

static gboolean
save_started (PierStore *store, PierContainer *c, GError **error)
{
  c->started_at = g_get_real_time ();
  c->finished_at = 0;
  c->exit_code = -1;
  return pier_container_write_record (store, c, error);
}

gboolean
pier_container_start (PierStore *store, PierContainer *c, int *attach_fd, char ***warnings,
                      GError **error)
{
  g_autoptr (PierSandboxSpec) spec = NULL;
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);
  PierSandboxStartInfo info = { 0 };
  gboolean ok;

  if (!pier_container_refresh (store, c, error))
    return FALSE;
  if (c->broken != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("container %s is broken: %s; it can only be removed"), c->name, c->broken);
      return FALSE;
    }
  if (c->status == PIER_CONTAINER_RUNNING)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE,
                   _("container %s is already running"), c->name);
      return FALSE;
    }
  /* What a previous run left (its exit record, a stale monitor's leftovers) goes first. */
  if (c->stale)
    pier_sandbox_cleanup (state_dir, NULL);
  if (!pier_fs_rm_rf_at (AT_FDCWD, state_dir, error))
    return FALSE;
  spec = make_spec (store, c, error);
  if (spec == NULL)
    return FALSE;
  g_debug ("starting container %s (%s), %s, state in %s", c->name, c->id,
           c->caller_removes ? "removed by this caller when it ends" : "kept when it ends",
           state_dir);
  ok = pier_sandbox_start (spec, attach_fd ? PIER_SANDBOX_START_ATTACH : PIER_SANDBOX_START_NONE,
                           &info, error);
  if (ok)
    {
      c->status = PIER_CONTAINER_RUNNING;
      c->pid = info.init_pid;
      if (attach_fd)
        {
          *attach_fd = info.attach_fd;
          info.attach_fd = -1;
        }
      if (warnings)
        *warnings = g_steal_pointer (&info.warnings);
      ok = save_started (store, c, error);
      pier_events_append (pier_store_get_root (store), "container", "start", c->id, c->name, 0);
    }
  pier_sandbox_start_info_clear (&info);
  return ok;
}

/* The run is done with the container: from now on it is like any other. */
static void
drop_run_hold (PierStore *store, PierContainer *c)
{
  g_autofree char *dir = pier_container_get_dir (store, c);
  pier_autofd int dir_fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (dir_fd >= 0)
    unlinkat (dir_fd, PIER_CONTAINER_RUN_HOLD, 0);
  pier_close_fd_ptr (&c->run_hold_fd);
}

PierContainer *
pier_store_run_container (PierStore *store, const PierContainerOptions *options, int *attach_fd,
                          char ***warnings, GError **error)
{
  g_autoptr (PierContainer) c = pier_container_create (store, options, TRUE, error);

  if (c == NULL)
    return NULL;
  pier_crash_point ("run:created");
  c->tty_rows = options->tty_rows;
  c->tty_cols = options->tty_cols;
  c->caller_removes = options->auto_remove && attach_fd != NULL;
  if (!pier_container_start (store, c, attach_fd, warnings, error))
    {
      pier_container_remove (store, c, TRUE, NULL);
      return NULL;
    }
  if (!c->caller_removes)
    drop_run_hold (store, c);
  return g_steal_pointer (&c);
}

gboolean
pier_container_stop (PierStore *store, PierContainer *c, guint timeout_seconds, GError **error)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);

  if (!pier_sandbox_stop (state_dir, 0, timeout_seconds, error))
    return FALSE;
  pier_events_append (pier_store_get_root (store), "container", "stop", c->id, c->name, 0);
  return pier_container_refresh (store, c, error);
}

gboolean
pier_container_kill (PierStore *store, PierContainer *c, int signal, GError **error)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);

  if (!pier_container_refresh (store, c, error))
    return FALSE;
  if (c->status != PIER_CONTAINER_RUNNING)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("container %s is not running"), c->name);
      return FALSE;
    }
  return pier_sandbox_kill (state_dir, signal, error);
}

gboolean
pier_container_wait (PierStore *store, PierContainer *c, int *exit_code, GError **error)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);
  PierSandboxState state = { 0 };
  gboolean ok;

  if (!pier_container_refresh (store, c, error))
    return FALSE;
  if (c->status != PIER_CONTAINER_RUNNING)
    {
      *exit_code = c->exit_code;
      return TRUE;
    }
  ok = pier_sandbox_wait (state_dir, -1, &state, error);
  if (ok)
    *exit_code = state.exit_code;
  pier_sandbox_state_clear (&state);
  /* The record may be gone already (--rm). */
  pier_container_refresh (store, c, NULL);
  return ok;
}

gboolean
pier_container_remove (PierStore *store, PierContainer *c, gboolean force, GError **error)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);
  g_autofree char *dir = pier_container_get_dir (store, c);
  g_autoptr (PierLock) lock = NULL;

  if (!pier_container_refresh (store, c, error))
    return FALSE;
  if (c->status == PIER_CONTAINER_RUNNING)
    {
      if (!force)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_IN_USE,
                       _("container %s is running: stop it first or use --force"), c->name);
          return FALSE;
        }
      if (!pier_sandbox_stop (state_dir, SIGKILL, 0, error))
        return FALSE;
    }
  if (c->stale)
    pier_sandbox_cleanup (state_dir, NULL);
  lock = pier_store_lock (store, NULL, error);
  if (lock == NULL)
    return FALSE;
  /* The record first: a crash half way leaves a directory without a record, which is no
   * container and is swept by the next removal of its id, never a record without its data. */
  {
    g_autofree char *record = g_build_filename (dir, "container.json", NULL);
    if (unlink (record) < 0 && errno != ENOENT)
      return pier_set_errno (error, errno, _("removing %s"), record);
  }
  pier_container_release_claims (store, c);
  g_debug ("removing container %s (%s)", c->name, c->id);
  pier_events_append (pier_store_get_root (store), "container", "remove", c->id, c->name, 0);
  return pier_fs_rm_rf_at (AT_FDCWD, state_dir, error) && pier_fs_rm_rf_at (AT_FDCWD, dir, error);
}
