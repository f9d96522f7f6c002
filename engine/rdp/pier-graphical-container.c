/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pier's own containers as graphical sessions' targets. */
#include "pier-graphical-container.h"

#include "pier-container-exec.h"
#include "pier-container-processes.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-graphical-session.h"
#include "pier-i18n.h"
#include "pier-image-store.h"
#include "pier-sandbox-record.h"

#include <unistd.h>

typedef struct {
  PierGraphicalTarget parent;
  PierStore *store;
  PierContainer *container;
  PierContainerIdentity identity;
} ContainerTarget;

static gboolean
container_spawn (PierGraphicalTarget *target, char **argv, char **env, int log_fd,
                 pid_t *out_pid, GError **error)
{
  ContainerTarget *self = (ContainerTarget *) target;
  g_auto (GStrv) full_env = g_strdupv (self->identity.env);
  PierExecSpec spec;
  int master = -1;

  for (char **e = env; e && *e; e++)
    {
      g_autofree char *key = g_strndup (*e, strcspn (*e, "="));
      full_env = g_environ_setenv (full_env, key, *e + strlen (key) + (strchr (*e, '=') != NULL),
                                   TRUE);
    }
  pier_container_identity_exec_spec (&self->identity, self->container, argv, NULL, &spec);
  spec.env = full_env;
  if (!pier_sandbox_exec_spawn (target->state_dir, &spec, -1, log_fd, log_fd, out_pid, &master,
                                error))
    return FALSE;
  if (master >= 0)
    close (master);
  return TRUE;
}

static char **
container_image_command (PierGraphicalTarget *target, GError **error)
{
  ContainerTarget *self = (ContainerTarget *) target;
  g_autoptr (PierImage) image = pier_store_find_image (self->store, self->container->image_id,
                                                       error);
  g_autoptr (GStrvBuilder) argv = g_strv_builder_new ();

  if (image == NULL)
    return NULL;
  g_strv_builder_addv (argv, (const char **) image->config->config.entrypoint);
  g_strv_builder_addv (argv, (const char **) image->config->config.cmd);
  return g_strv_builder_end (argv);
}

static void
container_record_session (PierGraphicalTarget *target, pid_t pid, const char *origin)
{
  ContainerTarget *self = (ContainerTarget *) target;

  pier_container_record_session (self->store, self->container, pid, origin, NULL);
}

/* Weston starts its own clients (panel, keyboard, Xwayland) in sessions of their own: they
 * belong to the server. */
static void
container_record_server_clients (PierGraphicalTarget *target, pid_t server_pid)
{
  ContainerTarget *self = (ContainerTarget *) target;
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snapshot = pier_container_snapshot (scanner, self->container,
                                                                      NULL);
  guint n = snapshot ? pier_process_snapshot_get_n_processes (snapshot) : 0;

  for (guint i = 0; i < n; i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      if (p->host_ppid == server_pid && p->host_sid == p->host_pid)
        container_record_session (target, p->host_pid, PIER_GRAPHICAL_SESSION_SESSION_SERVER);
    }
}

static void
container_finalize (PierGraphicalTarget *target)
{
  ContainerTarget *self = (ContainerTarget *) target;

  pier_container_identity_clear (&self->identity);
}

static const PierGraphicalTargetClass container_class = {
  .write_files = pier_graphical_target_write_files_in_init,
  .spawn = container_spawn,
  .image_command = container_image_command,
  .record_session = container_record_session,
  .record_server_clients = container_record_server_clients,
  .finalize = container_finalize,
};

PierGraphicalTarget *
pier_graphical_container_target_new (PierStore *store, PierContainer *c, GError **error)
{
  g_autoptr (PierGraphicalTarget) target = NULL;
  g_autoptr (PierSandboxRecord) sandbox = NULL;
  g_autofree char *container_dir = NULL;
  ContainerTarget *self;

  if (!pier_container_refresh (store, c, error))
    return NULL;
  self = g_new0 (ContainerTarget, 1);
  target = &self->parent;
  target->klass = &container_class;
  self->store = store;
  self->container = c;
  target->name = g_strdup (c->name);
  target->image = g_strdup (c->image);
  target->hostname = g_strdup (c->hostname ? c->hostname : c->name);
  target->running = c->status == PIER_CONTAINER_RUNNING;
  target->host_network = c->network == PIER_NETWORK_HOST;
  container_dir = pier_container_get_dir (store, c);
  target->certificate_dir = g_build_filename (container_dir, "rdp", NULL);
  target->state_dir = pier_container_get_state_dir (store, c);
  if (!target->running || target->host_network)
    return g_steal_pointer (&target);

  sandbox = pier_sandbox_record_read_running (target->state_dir, error);
  if (sandbox == NULL
      || !pier_container_identity_resolve (store, c, NULL, NULL, &self->identity, error))
    return NULL;
  target->init_pid = sandbox->init_pid;
  target->init_start_time = sandbox->init_start_time;
  target->uid = self->identity.user->uid;
  target->gid = self->identity.user->gid;
  return g_steal_pointer (&target);
}
