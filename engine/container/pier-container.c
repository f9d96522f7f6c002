/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-private.h"

#include "pier-builtin-images.h"
#include "pier-container-names-private.h"
#include "pier-container-options.h"
#include "pier-container-user.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-reference.h"
#include "pier-sandbox.h"
#include "pier-uid-ranges.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_NAME "container.json"
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *
pier_container_status_to_string (PierContainerStatus status)
{
  switch (status)
    {
    case PIER_CONTAINER_CREATED:
      return "created";
    case PIER_CONTAINER_RUNNING:
      return "running";
    case PIER_CONTAINER_EXITED:
    default:
      return "exited";
    }
}

static void
volume_free (PierSandboxVolume *v)
{
  g_free (v->source);
  g_free (v->destination);
  g_free (v);
}

void
pier_container_free (PierContainer *c)
{
  if (c == NULL)
    return;
  g_free (c->id);
  g_free (c->name);
  g_free (c->image);
  g_free (c->image_id);
  g_free (c->hostname);
  g_strfreev (c->argv);
  g_strfreev (c->env);
  g_free (c->working_dir);
  g_free (c->user);
  g_clear_pointer (&c->volumes, g_ptr_array_unref);
  g_free (c->stop_signal);
  g_clear_pointer (&c->layer_diff_ids, g_ptr_array_unref);
  g_free (c->stale_reason);
  g_free (c->ip_address);
  g_free (c->broken);
  pier_close_fd_ptr (&c->run_hold_fd);
  g_strfreev (c->cap_add);
  g_strfreev (c->cap_drop);
  g_free (c->seccomp_name);
  g_free (c->seccomp_profile);
  g_free (c);
}

static PierContainer *
container_new (void)
{
  PierContainer *c = g_new0 (PierContainer, 1);
  c->volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) volume_free);
  c->layer_diff_ids = g_ptr_array_new_with_free_func (g_free);
  c->exit_code = -1;
  c->run_hold_fd = -1;
  return c;
}

/* ---- paths ---- */

char *
pier_container_get_dir (PierStore *store, const PierContainer *c)
{
  return g_build_filename (pier_store_get_root (store), "containers", c->id, NULL);
}

char *
pier_container_get_state_dir (PierStore *store, const PierContainer *c)
{
  return g_build_filename (pier_store_get_runroot (store), "containers", c->id, NULL);
}

char *
pier_container_get_upper_dir (PierStore *store, const PierContainer *c)
{
  return g_build_filename (pier_store_get_root (store), "containers", c->id, "diff", NULL);
}

char *
pier_container_get_log_path (PierStore *store, const PierContainer *c)
{
  return g_build_filename (pier_store_get_root (store), "containers", c->id, "ctr.log", NULL);
}

GPtrArray *
pier_container_get_lower_dirs (PierStore *store, const PierContainer *c)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = c->layer_diff_ids->len; i > 0; i--)
    g_ptr_array_add (dirs, pier_store_get_layer_path (store, c->layer_diff_ids->pdata[i - 1]));
  return dirs;
}

/* ---- records ---- */

/* NULL if an item is no string: a word left out would shift the others. */
static GStrv
strv_from_json (json_t *a)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;
  size_t i;
  json_t *v;

  json_array_foreach (a, i, v)
    {
      if (!json_is_string (v))
        {
          g_strv_builder_unref (b);
          return NULL;
        }
      g_strv_builder_add (b, json_string_value (v));
    }
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static char *
record_to_json (const PierContainer *c, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *o = json_object ();
  json_t *volumes = json_array ();
  json_t *layers = json_array ();
  char *out;

  pier_json_set_text (&w, o, "id", c->id);
  pier_json_set_text (&w, o, "name", c->name);
  pier_json_set_text (&w, o, "image", c->image);
  pier_json_set_text (&w, o, "image_id", c->image_id);
  pier_json_set_text (&w, o, "hostname", c->hostname);
  pier_json_set (&w, o, "created", json_integer (c->created));
  pier_json_set (&w, o, "argv", pier_json_strv (&w, "argv", (const char *const *) c->argv));
  pier_json_set (&w, o, "env", pier_json_strv (&w, "env", (const char *const *) c->env));
  pier_json_set_text (&w, o, "working_dir", c->working_dir);
  pier_json_set_text (&w, o, "user", c->user);
  pier_json_set (&w, o, "tty", json_boolean (c->tty));
  pier_json_set (&w, o, "stdin_open", json_boolean (c->stdin_open));
  pier_json_set (&w, o, "auto_remove", json_boolean (c->auto_remove));
  pier_json_set_text (&w, o, "network", pier_network_mode_to_string (c->network));
  for (guint i = 0; i < c->volumes->len; i++)
    pier_json_append (&w, volumes, pier_sandbox_volume_to_json (&w, c->volumes->pdata[i]));
  pier_json_set (&w, o, "volumes", volumes);
  pier_json_set (&w, o, "memory", json_integer (c->memory_bytes));
  pier_json_set (&w, o, "cpus", pier_json_real (&w, "cpus", c->cpus));
  pier_json_set (&w, o, "pids_limit", json_integer (c->pids_limit));
  if (c->cap_add)
    pier_json_set (&w, o, "cap_add", pier_json_strv (&w, "cap_add", (const char *const *) c->cap_add));
  if (c->cap_drop)
    pier_json_set (&w, o, "cap_drop", pier_json_strv (&w, "cap_drop", (const char *const *) c->cap_drop));
  pier_json_set_text (&w, o, "seccomp", c->seccomp_name);
  pier_json_set_text (&w, o, "seccomp_profile", c->seccomp_profile);
  pier_json_set (&w, o, "uid_base", json_integer (c->uid_base));
  pier_json_set (&w, o, "uid_count", json_integer (c->uid_count));
  pier_json_set (&w, o, "rootless", json_boolean (c->rootless));
  pier_json_set_text (&w, o, "stop_signal", c->stop_signal);
  pier_json_set (&w, o, "bind_host_usr", json_boolean (c->bind_host_usr));
  for (guint i = 0; i < c->layer_diff_ids->len; i++)
    pier_json_append (&w, layers, pier_json_text (&w, "layers", c->layer_diff_ids->pdata[i]));
  pier_json_set (&w, o, "layers", layers);
  pier_json_set (&w, o, "started_at", json_integer (c->started_at));
  pier_json_set (&w, o, "finished_at", json_integer (c->finished_at));
  pier_json_set (&w, o, "exit_code", json_integer (c->exit_code));
  out = pier_json_writer_dump (&w, o, JSON_INDENT (2) | JSON_PRESERVE_ORDER, error);
  if (out == NULL)
    g_prefix_error (error, _("writing the record of container %s: "), c->name);
  return out;
}

static PierContainer *
record_from_json (const char *data, gsize len, GError **error)
{
  json_error_t jerr;
  json_t *o = json_loadb (data, len, 0, &jerr);
  g_autoptr (PierContainer) c = NULL;
  json_t *v;
  size_t i;

  if (!json_is_object (o))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("damaged container record: %s"),
                   o ? "not an object" : jerr.text);
      json_decref (o);
      return NULL;
    }
  c = container_new ();
#define STR(field, key) c->field = g_strdup (json_string_value (json_object_get (o, key)))
  STR (id, "id");
  STR (name, "name");
  STR (image, "image");
  STR (image_id, "image_id");
  STR (hostname, "hostname");
  STR (working_dir, "working_dir");
  STR (user, "user");
  STR (stop_signal, "stop_signal");
  STR (seccomp_name, "seccomp");
  STR (seccomp_profile, "seccomp_profile");
#undef STR
  c->created = json_integer_value (json_object_get (o, "created"));
  c->argv = strv_from_json (json_object_get (o, "argv"));
  c->env = strv_from_json (json_object_get (o, "env"));
  c->tty = json_is_true (json_object_get (o, "tty"));
  c->stdin_open = json_is_true (json_object_get (o, "stdin_open"));
  c->auto_remove = json_is_true (json_object_get (o, "auto_remove"));
  pier_network_mode_from_string (json_string_value (json_object_get (o, "network")), &c->network, NULL);
  json_array_foreach (json_object_get (o, "volumes"), i, v)
    {
      PierSandboxVolume *vol = g_new0 (PierSandboxVolume, 1);
      vol->source = g_strdup (json_string_value (json_object_get (v, "source")));
      vol->destination = g_strdup (json_string_value (json_object_get (v, "destination")));
      vol->readonly = json_is_true (json_object_get (v, "readonly"));
      g_ptr_array_add (c->volumes, vol);
    }
  c->memory_bytes = json_integer_value (json_object_get (o, "memory"));
  c->cpus = json_number_value (json_object_get (o, "cpus"));
  c->pids_limit = json_integer_value (json_object_get (o, "pids_limit"));
  c->cap_add = json_object_get (o, "cap_add") ? strv_from_json (json_object_get (o, "cap_add"))
                                              : NULL;
  c->cap_drop = json_object_get (o, "cap_drop") ? strv_from_json (json_object_get (o, "cap_drop"))
                                                : NULL;
  c->uid_base = json_integer_value (json_object_get (o, "uid_base"));
  c->uid_count = json_integer_value (json_object_get (o, "uid_count"));
  c->rootless = json_is_true (json_object_get (o, "rootless"));
  c->bind_host_usr = json_is_true (json_object_get (o, "bind_host_usr"));
  json_array_foreach (json_object_get (o, "layers"), i, v)
    g_ptr_array_add (c->layer_diff_ids, g_strdup (json_string_value (v)));
  c->started_at = json_integer_value (json_object_get (o, "started_at"));
  c->finished_at = json_integer_value (json_object_get (o, "finished_at"));
  c->exit_code = json_integer_value (json_object_get (o, "exit_code"));
  json_decref (o);
  if (c->id == NULL || c->name == NULL || c->argv == NULL || c->argv[0] == NULL || c->env == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("damaged container record: fields missing"));
      return NULL;
    }
  return g_steal_pointer (&c);
}

gboolean
pier_container_write_record (PierStore *store, const PierContainer *c, GError **error)
{
  g_autofree char *dir = pier_container_get_dir (store, c);
  g_autofree char *json = record_to_json (c, error);
  pier_autofd int fd = json ? pier_fs_open_dir_at (AT_FDCWD, dir, error) : -1;

  return fd >= 0 && pier_fs_replace_at (fd, RECORD_NAME, json, strlen (json), 0600,
                                        !c->auto_remove, error);
}

/* The claim of @kind that @id holds (the reverse of pier_container_claim_holder()): a look
 * through every claim, for the rare container whose record cannot say. */
static char *
claim_of (PierStore *store, const char *kind, const char *id)
{
  g_autofree char *dir = g_build_filename (pier_store_get_root (store), "containers", kind, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *holder = pier_container_claim_holder (store, kind, name);
      if (holder != NULL && strcmp (holder, id) == 0)
        return g_strdup (name);
    }
  return NULL;
}

/* A container whose record cannot be read, as far as the store still knows it: its id, the
 * name and id range claimed for it, the time its directory was made. */
static PierContainer *
broken_container (PierStore *store, const char *id, const char *reason)
{
  PierContainer *c = container_new ();
  g_autofree char *dir = NULL;
  g_autofree char *keeper = NULL;
  guint32 base = 0;
  struct stat st;

  c->id = g_strdup (id);
  c->broken = g_strdup (reason);
  c->name = claim_of (store, ".names", id);
  if (c->name == NULL)
    c->name = g_strndup (id, 12);
  c->image = g_strdup ("");
  c->image_id = g_strdup ("");
  c->hostname = g_strdup ("");
  c->working_dir = g_strdup ("/");
  c->user = g_strdup ("");
  c->argv = g_new0 (char *, 1);
  c->env = g_new0 (char *, 1);
  c->network = PIER_NETWORK_NONE;
  keeper = g_build_filename (pier_store_get_root (store), "containers", id, NULL);
  c->rootless = !pier_uid_ranges_find (-1, keeper, &base);
  c->uid_base = base;
  dir = pier_container_get_dir (store, c);
  if (stat (dir, &st) == 0)
    c->created = (gint64) st.st_mtime * G_USEC_PER_SEC;
  return c;
}

PierContainer *
pier_container_read_record (PierStore *store, const char *id, GError **error)
{
  g_autofree char *path = g_build_filename (id, RECORD_NAME, NULL);
  g_autofree char *containers = g_build_filename (pier_store_get_root (store), "containers", NULL);
  pier_autofd int fd = pier_fs_open_dir_at (AT_FDCWD, containers, error);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (PierContainer) c = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (fd < 0)
    return NULL;
  if (!pier_fs_read_all_at (fd, path, 1 << 20, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  else if ((c = record_from_json (data, len, &local_error)) != NULL && strcmp (c->id, id) != 0)
    /* Its paths are made from the id: a record naming another would act on that one. */
    g_set_error (&local_error, PIER_ERROR, PIER_ERROR_CORRUPT,
                 _("damaged container record: it names the id %s"), c->id);
  if (local_error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("%s (%s/%s)", local_error->message, containers,
                                                 path);
      return broken_container (store, id, reason);
    }
  return g_steal_pointer (&c);
}

/* ---- state ---- */

static char *
find_ip_address (const char *id)
{
  const char *dir = PIER_NETWORK_LEASE_DIR;
  g_autoptr (GDir) leases = g_dir_open (dir, 0, NULL);
  const char *name;

  while (leases && (name = g_dir_read_name (leases)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *owner = NULL;
      if (g_file_get_contents (path, &owner, NULL, NULL) && strcmp (g_strstrip (owner), id) == 0)
        return g_strdup (name);
    }
  return NULL;
}

/* The monitor's state into the record; what a finished run left is written back, so that it
 * survives the runtime directory (a reboot empties /run). */
void
pier_container_update_state (PierStore *store, PierContainer *c)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);
  g_autoptr (GError) local_error = NULL;
  PierSandboxState state = { 0 };

  if (!pier_sandbox_get_state (state_dir, &state, &local_error))
    {
      if (c->broken == NULL)
        c->broken = g_strdup_printf ("its runtime state cannot be read: %s", local_error->message);
      c->status = c->started_at > 0 ? PIER_CONTAINER_EXITED : PIER_CONTAINER_CREATED;
      return;
    }
  g_clear_pointer (&c->stale_reason, g_free);
  g_clear_pointer (&c->ip_address, g_free);
  c->stale = FALSE;
  c->pid = 0;
  c->monitor_pid = 0;
  switch (state.status)
    {
    case PIER_SANDBOX_RUNNING:
      c->status = PIER_CONTAINER_RUNNING;
      c->pid = state.init_pid;
      c->monitor_pid = state.monitor_pid;
      if (c->network == PIER_NETWORK_BRIDGE)
        c->ip_address = find_ip_address (c->id);
      break;
    case PIER_SANDBOX_EXITED:
      c->status = PIER_CONTAINER_EXITED;
      c->stale = state.stale;
      c->stale_reason = g_strdup (state.reason);
      if (c->broken == NULL &&
          (c->finished_at != state.finished_at || c->exit_code != state.exit_code))
        {
          c->finished_at = state.finished_at ? state.finished_at : g_get_real_time ();
          c->exit_code = state.exit_code;
          /* Another process may be removing it: a missing record is not an error here. */
          pier_container_write_record (store, c, NULL);
        }
      break;
    case PIER_SANDBOX_NOT_STARTED:
    default:
      c->status = c->started_at > 0 ? PIER_CONTAINER_EXITED : PIER_CONTAINER_CREATED;
      break;
    }
  pier_sandbox_state_clear (&state);
}

gboolean
pier_container_refresh (PierStore *store, PierContainer *c, GError **error)
{
  g_autoptr (PierContainer) fresh = pier_container_read_record (store, c->id, error);

  if (fresh == NULL)
    return FALSE;
  pier_container_update_state (store, fresh);
  /* Swap the contents, keeping the caller's pointer, its wishes for the next start and its
   * hold. */
  fresh->tty_rows = c->tty_rows;
  fresh->tty_cols = c->tty_cols;
  fresh->caller_removes = c->caller_removes;
  fresh->run_hold_fd = g_steal_fd (&c->run_hold_fd);
  {
    PierContainer tmp = *c;
    *c = *fresh;
    *fresh = tmp;
  }
  return TRUE;
}

/* ---- reservations ----
 *
 * A container's name is claimed by creating a file named after it (with O_EXCL, under the
 * store lock) in ROOT/containers/.names, holding the container's id; its id range host-wide,
 * kept by the container's directory (pier-uid-ranges.h): creating a container costs the same
 * with one container or a thousand. */

static int
open_claims (PierStore *store, const char *kind, GError **error)
{
  g_autofree char *dir = g_build_filename (pier_store_get_root (store), "containers", kind, NULL);

  if (!pier_fs_mkdir_p (dir, 0700, error))
    return -1;
  return pier_fs_open_dir_at (AT_FDCWD, dir, error);
}

/* FALSE with errno EEXIST when taken. */
static gboolean
claim (int claims_fd, const char *name, const char *id, gboolean durable)
{
  pier_autofd int fd = openat (claims_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0)
    return FALSE;
  if (!pier_fs_write_all (fd, id, strlen (id), NULL) || (durable && fsync (fd) < 0))
    {
      unlinkat (claims_fd, name, 0);
      return FALSE;
    }
  return TRUE;
}

char *
pier_container_claim_holder (PierStore *store, const char *kind, const char *name)
{
  g_autofree char *path = g_build_filename (pier_store_get_root (store), "containers", kind, name, NULL);
  char *id = NULL;

  if (strchr (name, '/') != NULL || !g_file_get_contents (path, &id, NULL, NULL))
    return NULL;
  return id;
}

gboolean
pier_store_claim_id_range (PierStore *store, const char *id, gboolean durable, guint32 *base,
                           guint32 *count, GError **error)
{
  g_autofree char *keeper = g_build_filename (pier_store_get_root (store), "containers", id, NULL);

  return pier_uid_ranges_claim (-1, NULL, keeper, durable, base, count, error);
}

void
pier_store_release_id_range (PierStore *store, guint32 base, const char *id)
{
  g_autofree char *keeper = g_build_filename (pier_store_get_root (store), "containers", id, NULL);

  pier_uid_ranges_release (-1, base, keeper);
}

void
pier_container_release_claims (PierStore *store, const PierContainer *c)
{
  g_autofree char *name = g_build_filename (pier_store_get_root (store), "containers", ".names", c->name, NULL);
  g_autofree char *owner = pier_container_claim_holder (store, ".names", c->name);

  if (owner != NULL && strcmp (owner, c->id) == 0)
    unlink (name);
  if (!c->rootless)
    pier_store_release_id_range (store, c->uid_base, c->id);
}

/* ---- creation ---- */

static gboolean
parse_volume (const char *text, PierSandboxVolume **out, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ":", -1);
  guint n = g_strv_length (parts);
  g_autofree char *source = NULL;
  PierSandboxVolume *v;

  if (n < 2 || n > 3 || parts[0][0] != '/' || parts[1][0] != '/' ||
      (n == 3 && strcmp (parts[2], "ro") != 0 && strcmp (parts[2], "rw") != 0))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("invalid volume “%s”: use /SOURCE:/DESTINATION[:ro|:rw] with absolute paths"),
                   text);
      return FALSE;
    }
  source = g_canonicalize_filename (parts[0], NULL);
  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("the volume source %s does not exist"), source);
      return FALSE;
    }
  v = g_new0 (PierSandboxVolume, 1);
  v->source = g_steal_pointer (&source);
  v->destination = g_canonicalize_filename (parts[1], NULL);
  v->readonly = n == 3 && strcmp (parts[2], "ro") == 0;
  *out = v;
  return TRUE;
}

/* Docker's rules: the image's Entrypoint, then the given command or else the image's Cmd. */
static GStrv
compute_argv (const PierImage *image, const char *const *command)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;

  if (image->config->config.entrypoint)
    g_strv_builder_addv (b, (const char **) image->config->config.entrypoint);
  if (command != NULL && command[0] != NULL)
    g_strv_builder_addv (b, (const char **) command);
  else if (image->config->config.cmd)
    g_strv_builder_addv (b, (const char **) image->config->config.cmd);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static GStrv
compute_env (const PierImage *image, const char *const *overrides, const char *hostname,
             gboolean tty)
{
  g_auto (GStrv) env = g_strdupv (image->config->config.env);

  if (env == NULL)
    env = g_new0 (char *, 1);
  if (g_environ_getenv (env, "PATH") == NULL)
    env = g_environ_setenv (env, "PATH", DEFAULT_PATH + 5, TRUE);
  env = g_environ_setenv (env, "HOSTNAME", hostname, TRUE);
  if (tty)
    env = g_environ_setenv (env, "TERM", "xterm", FALSE);
  for (const char *const *o = overrides; o && *o; o++)
    {
      const char *eq = strchr (*o, '=');
      if (eq != NULL)
        {
          g_autofree char *key = g_strndup (*o, eq - *o);
          env = g_environ_setenv (env, key, eq + 1, TRUE);
        }
      else if (g_getenv (*o) != NULL)
        env = g_environ_setenv (env, *o, g_getenv (*o), TRUE);
    }
  return g_steal_pointer (&env);
}

/* The hold exists, locked, before the record does: a record without a live hold is never
 * seen while its `run` still runs. */
static gboolean
take_run_hold (PierContainer *c, int dir_fd, GError **error)
{
  c->run_hold_fd = openat (dir_fd, PIER_CONTAINER_RUN_HOLD,
                           O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (c->run_hold_fd < 0 || flock (c->run_hold_fd, LOCK_EX | LOCK_NB) < 0)
    return pier_set_errno (error, errno, _("holding the new container %s"), c->id);
  return TRUE;
}

PierContainer *
pier_store_create_container (PierStore *store, const PierContainerOptions *o, GError **error)
{
  return pier_container_create (store, o, FALSE, error);
}

PierContainer *
pier_container_create (PierStore *store, const PierContainerOptions *o, gboolean held,
                       GError **error)
{
  g_autoptr (PierImage) image = NULL;
  g_autoptr (PierContainer) c = container_new ();
  g_autoptr (PierLock) lock = NULL;
  pier_autofd int names_fd = -1;
  g_autofree char *dir = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *work = NULL;
  pier_autofd int dir_fd = -1;
  guint8 random[32];

  if (!pier_container_options_check (o, error))
    return NULL;
  image = pier_store_find_image (store, o->image, error);
  if (image == NULL)
    return NULL;
  for (const char *const *v = o->volumes; v && *v; v++)
    {
      PierSandboxVolume *vol;
      if (!parse_volume (*v, &vol, error))
        return NULL;
      g_ptr_array_add (c->volumes, vol);
    }
  c->argv = compute_argv (image, o->command);
  if (c->argv[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("no command specified: the image has neither Entrypoint nor Cmd; give one"));
      return NULL;
    }
  if (!pier_container_set_confinement (c, o, error))
    return NULL;
  /* Every layer unpacked before the record exists: a start then needs nothing from the blobs. */
  for (guint i = 0; i < image->manifest->layers->len; i++)
    {
      const char *diff_id = image->config->diff_ids->pdata[i];
      g_autofree char *path = pier_store_ensure_layer (
          store, ((PierDescriptor *) image->manifest->layers->pdata[i])->digest, diff_id, NULL, error);
      if (path == NULL)
        return NULL;
      g_ptr_array_add (c->layer_diff_ids, g_strdup (diff_id));
    }

  c->rootless = pier_store_is_rootless (store);
  c->network = o->network_set ? o->network : c->rootless ? PIER_NETWORK_NONE : PIER_NETWORK_BRIDGE;
  if (c->rootless && c->network == PIER_NETWORK_BRIDGE)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("--network bridge needs root; rootless containers have none (own loopback) or host"));
      return NULL;
    }
  lock = pier_store_lock (store, NULL, error);
  if (lock == NULL)
    return NULL;
  g_assert (getentropy (random, sizeof random) == 0);
  {
    GString *hex = g_string_new (NULL);
    for (gsize i = 0; i < sizeof random; i++)
      g_string_append_printf (hex, "%02x", random[i]);
    c->id = g_string_free (hex, FALSE);
  }
  c->auto_remove = o->auto_remove;
  names_fd = open_claims (store, ".names", error);
  if (names_fd < 0)
    return NULL;
  /* A --rm container's record is not worth an fsync: a crash removes it, as it was meant to be. */
  if (o->name != NULL)
    {
      if (!claim (names_fd, o->name, c->id, !c->auto_remove))
        {
          if (errno == EEXIST)
            g_set_error (error, PIER_ERROR, PIER_ERROR_EXISTS,
                         _("the name “%s” is already in use by another container; remove it or "
                           "choose another name"), o->name);
          else
            pier_set_errno (error, errno, _("reserving the name %s"), o->name);
          return NULL;
        }
      c->name = g_strdup (o->name);
    }
  else
    while (c->name == NULL)
      {
        g_autofree char *candidate = pier_container_name_generate (NULL);
        if (claim (names_fd, candidate, c->id, !c->auto_remove))
          c->name = g_steal_pointer (&candidate);
        else if (errno != EEXIST)
          {
            pier_set_errno (error, errno, _("reserving a name"));
            return NULL;
          }
      }
  c->hostname = g_strdup (o->hostname ? o->hostname : c->name);
  c->image = g_strdup (o->image);
  c->image_id = g_strdup (image->id);
  c->created = g_get_real_time ();
  c->env = compute_env (image, o->env, c->hostname, o->tty);
  c->working_dir = g_strdup (o->working_dir ? o->working_dir
                             : image->config->config.working_dir && *image->config->config.working_dir
                                 ? image->config->config.working_dir : "/");
  c->user = g_strdup (o->user ? o->user : image->config->config.user ? image->config->config.user : "");
  c->tty = o->tty;
  c->stdin_open = o->interactive;
  c->memory_bytes = o->memory_bytes;
  c->cpus = o->cpus;
  c->pids_limit = o->pids_limit;
  c->stop_signal = g_strdup (image->config->config.stop_signal);
  c->bind_host_usr = pier_builtin_images_binds_host_usr (store, image->config);
  dir = pier_container_get_dir (store, c);
  upper = pier_container_get_upper_dir (store, c);
  work = g_build_filename (dir, "work", NULL);
  if (g_mkdir (dir, 0700) < 0 || g_mkdir (upper, 0755) < 0 || g_mkdir (work, 0700) < 0)
    {
      pier_set_errno (error, errno, _("creating the container's directories in %s"), dir);
      goto fail;
    }
  /* After the directory: it keeps the claim. */
  if (!c->rootless &&
      !pier_store_claim_id_range (store, c->id, !c->auto_remove, &c->uid_base, &c->uid_count, error))
    goto fail;
  /* Root of the container owns its root directory (its sandbox layer's top). */
  if (!c->rootless && chown (upper, c->uid_base, c->uid_base) < 0)
    {
      pier_set_errno (error, errno, _("giving %s to the container's root"), upper);
      goto fail;
    }
  dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (dir_fd < 0 || (held && !take_run_hold (c, dir_fd, error)) ||
      !pier_fs_replace_at (dir_fd, "image", image->id, strlen (image->id), 0600, !c->auto_remove,
                           error) ||
      !pier_container_write_record (store, c, error))
    goto fail;
  c->status = PIER_CONTAINER_CREATED;
  pier_events_append (pier_store_get_root (store), "container", "create", c->id, c->name, 0);
  return g_steal_pointer (&c);

fail:
  pier_container_release_claims (store, c);
  if (dir != NULL)
    pier_fs_rm_rf_at (AT_FDCWD, dir, NULL);
  return NULL;
}
