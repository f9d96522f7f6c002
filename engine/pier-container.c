#include "pier-container.h"

#include "pier-container-names.h"
#include "pier-container-user.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-events.h"
#include "pier-fsutil.h"
#include "pier-reference.h"
#include "pier-uid-ranges.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
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

static json_t *
strv_to_json (char **strv)
{
  json_t *a = json_array ();
  for (; strv && *strv; strv++)
    json_array_append_new (a, json_string (*strv));
  return a;
}

static GStrv
strv_from_json (json_t *a)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;
  size_t i;
  json_t *v;

  json_array_foreach (a, i, v)
    if (json_is_string (v))
      g_strv_builder_add (b, json_string_value (v));
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static char *
record_to_json (const PierContainer *c)
{
  json_t *o = json_object ();
  json_t *volumes = json_array ();
  json_t *layers = json_array ();
  char *dumped, *out;

  json_object_set_new (o, "id", json_string (c->id));
  json_object_set_new (o, "name", json_string (c->name));
  json_object_set_new (o, "image", json_string (c->image));
  json_object_set_new (o, "image_id", json_string (c->image_id));
  json_object_set_new (o, "hostname", json_string (c->hostname));
  json_object_set_new (o, "created", json_integer (c->created));
  json_object_set_new (o, "argv", strv_to_json (c->argv));
  json_object_set_new (o, "env", strv_to_json (c->env));
  json_object_set_new (o, "working_dir", json_string (c->working_dir));
  json_object_set_new (o, "user", json_string (c->user));
  json_object_set_new (o, "tty", json_boolean (c->tty));
  json_object_set_new (o, "stdin_open", json_boolean (c->stdin_open));
  json_object_set_new (o, "auto_remove", json_boolean (c->auto_remove));
  json_object_set_new (o, "network", json_string (pier_network_mode_to_string (c->network)));
  for (guint i = 0; i < c->volumes->len; i++)
    {
      PierSandboxVolume *v = c->volumes->pdata[i];
      json_t *vo = json_object ();
      json_object_set_new (vo, "source", json_string (v->source));
      json_object_set_new (vo, "destination", json_string (v->destination));
      json_object_set_new (vo, "readonly", json_boolean (v->readonly));
      json_array_append_new (volumes, vo);
    }
  json_object_set_new (o, "volumes", volumes);
  json_object_set_new (o, "memory", json_integer (c->memory_bytes));
  json_object_set_new (o, "cpus", json_real (c->cpus));
  json_object_set_new (o, "pids_limit", json_integer (c->pids_limit));
  if (c->cap_add)
    json_object_set_new (o, "cap_add", strv_to_json (c->cap_add));
  if (c->cap_drop)
    json_object_set_new (o, "cap_drop", strv_to_json (c->cap_drop));
  if (c->seccomp_name)
    json_object_set_new (o, "seccomp", json_string (c->seccomp_name));
  if (c->seccomp_profile)
    json_object_set_new (o, "seccomp_profile", json_string (c->seccomp_profile));
  json_object_set_new (o, "uid_base", json_integer (c->uid_base));
  json_object_set_new (o, "uid_count", json_integer (c->uid_count));
  json_object_set_new (o, "rootless", json_boolean (c->rootless));
  if (c->stop_signal)
    json_object_set_new (o, "stop_signal", json_string (c->stop_signal));
  json_object_set_new (o, "bind_host_usr", json_boolean (c->bind_host_usr));
  for (guint i = 0; i < c->layer_diff_ids->len; i++)
    json_array_append_new (layers, json_string (c->layer_diff_ids->pdata[i]));
  json_object_set_new (o, "layers", layers);
  json_object_set_new (o, "started_at", json_integer (c->started_at));
  json_object_set_new (o, "finished_at", json_integer (c->finished_at));
  json_object_set_new (o, "exit_code", json_integer (c->exit_code));
  dumped = json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  out = g_strdup (dumped);
  free (dumped);
  json_decref (o);
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
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, "damaged container record: %s",
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
  if (c->id == NULL || c->name == NULL || c->argv == NULL || c->argv[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, "damaged container record: fields missing");
      return NULL;
    }
  return g_steal_pointer (&c);
}

gboolean
pier_container_write_record (PierStore *store, const PierContainer *c, GError **error)
{
  g_autofree char *dir = pier_container_get_dir (store, c);
  g_autofree char *json = record_to_json (c);
  pier_autofd int fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);

  return fd >= 0 && pier_fs_replace_at (fd, RECORD_NAME, json, strlen (json), 0600,
                                        !c->auto_remove, error);
}

static PierContainer *
read_record (PierStore *store, const char *id, GError **error)
{
  g_autofree char *path = g_build_filename (id, RECORD_NAME, NULL);
  g_autofree char *containers = g_build_filename (pier_store_get_root (store), "containers", NULL);
  pier_autofd int fd = pier_fs_open_dir_at (AT_FDCWD, containers, error);
  g_autofree char *data = NULL;
  gsize len;

  if (fd < 0 || !pier_fs_read_all_at (fd, path, 1 << 20, &data, &len, error))
    return NULL;
  return record_from_json (data, len, error);
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
static gboolean
update_state (PierStore *store, PierContainer *c, GError **error)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, c);
  PierSandboxState state = { 0 };

  if (!pier_sandbox_get_state (state_dir, &state, error))
    return FALSE;
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
      if (c->finished_at != state.finished_at || c->exit_code != state.exit_code)
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
  return TRUE;
}

gboolean
pier_container_refresh (PierStore *store, PierContainer *c, GError **error)
{
  g_autoptr (PierContainer) fresh = read_record (store, c->id, error);

  if (fresh == NULL)
    return FALSE;
  if (!update_state (store, fresh, error))
    return FALSE;
  /* Swap the contents, keeping the caller's pointer and its wishes for the next start. */
  fresh->tty_rows = c->tty_rows;
  fresh->tty_cols = c->tty_cols;
  fresh->caller_removes = c->caller_removes;
  {
    PierContainer tmp = *c;
    *c = *fresh;
    *fresh = tmp;
  }
  return TRUE;
}

/* ---- listing and finding ---- */

static int
compare_created_desc (gconstpointer a, gconstpointer b)
{
  const PierContainer *ca = *(PierContainer **) a, *cb = *(PierContainer **) b;
  return ca->created < cb->created ? 1 : ca->created > cb->created ? -1 : strcmp (ca->id, cb->id);
}

GPtrArray *
pier_store_list_containers (PierStore *store, GError **error)
{
  g_autofree char *dir = g_build_filename (pier_store_get_root (store), "containers", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_container_free);
  const char *name;

  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      PierContainer *c;

      if (strlen (name) != PIER_DIGEST_HEX_LEN)
        continue;
      c = read_record (store, name, &local_error);
      /* A record half-made by a crash or being removed right now is not a container. */
      if (c == NULL)
        continue;
      if (!update_state (store, c, error))
        {
          pier_container_free (c);
          return NULL;
        }
      g_ptr_array_add (out, c);
    }
  g_ptr_array_sort (out, compare_created_desc);
  return g_steal_pointer (&out);
}

/* ---- reservations ----
 *
 * A container's name and its id range are claimed by creating a file named after them (with
 * O_EXCL, under the store lock) in ROOT/containers/.names and .ranges, holding the container's
 * id: creating a container costs the same with one container or a thousand. */

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

static char *
claimed_by (PierStore *store, const char *kind, const char *name)
{
  g_autofree char *path = g_build_filename (pier_store_get_root (store), "containers", kind, name, NULL);
  char *id = NULL;

  if (strchr (name, '/') != NULL || !g_file_get_contents (path, &id, NULL, NULL))
    return NULL;
  return id;
}

gboolean
pier_store_claim_id_range (PierStore *store, const char *owner, gboolean durable, guint32 *base,
                           guint32 *count, GError **error)
{
  pier_autofd int ranges_fd = open_claims (store, ".ranges", error);

  return ranges_fd >= 0 && pier_uid_ranges_claim (ranges_fd, owner, durable, base, count, error);
}

void
pier_store_release_id_range (PierStore *store, guint32 base, const char *owner)
{
  g_autofree char *name = g_strdup_printf ("%u", base);
  g_autofree char *path = g_build_filename (pier_store_get_root (store), "containers", ".ranges", name, NULL);
  g_autofree char *holder = claimed_by (store, ".ranges", name);

  if (holder != NULL && strcmp (holder, owner) == 0)
    unlink (path);
}

void
pier_container_release_claims (PierStore *store, const PierContainer *c)
{
  g_autofree char *name = g_build_filename (pier_store_get_root (store), "containers", ".names", c->name, NULL);
  g_autofree char *owner = claimed_by (store, ".names", c->name);

  if (owner != NULL && strcmp (owner, c->id) == 0)
    unlink (name);
  if (!c->rootless)
    pier_store_release_id_range (store, c->uid_base, c->id);
}

static PierContainer *
load_container (PierStore *store, const char *id, GError **error)
{
  g_autoptr (PierContainer) c = read_record (store, id, error);

  if (c == NULL || !update_state (store, c, error))
    return NULL;
  return g_steal_pointer (&c);
}

PierContainer *
pier_store_find_container (PierStore *store, const char *name_or_id, GError **error)
{
  g_autofree char *dir = g_build_filename (pier_store_get_root (store), "containers", NULL);
  g_autofree char *by_name = claimed_by (store, ".names", name_or_id);
  g_autofree char *found = NULL;
  g_autoptr (GDir) d = NULL;
  const char *entry;

  if (by_name != NULL)
    return load_container (store, by_name, error);
  if (*name_or_id != '\0' && pier_reference_looks_like_id (name_or_id) &&
      (d = g_dir_open (dir, 0, NULL)) != NULL)
    while ((entry = g_dir_read_name (d)) != NULL)
      {
        if (strlen (entry) != PIER_DIGEST_HEX_LEN || !g_str_has_prefix (entry, name_or_id))
          continue;
        if (found != NULL)
          {
            g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                         "“%s” is ambiguous: several containers have ids starting with it",
                         name_or_id);
            return NULL;
          }
        found = g_strdup (entry);
      }
  if (found != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      PierContainer *c = load_container (store, found, &local_error);
      /* An id being removed right now is no container. */
      if (c != NULL)
        return c;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, "no such container: %s", name_or_id);
  return NULL;
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
                   "invalid volume “%s”: use /SOURCE:/DESTINATION[:ro|:rw] with absolute paths",
                   text);
      return FALSE;
    }
  source = g_canonicalize_filename (parts[0], NULL);
  if (!g_file_test (source, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   "the volume source %s does not exist", source);
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

static gboolean
name_is_valid (const char *name)
{
  if (!g_ascii_isalnum (name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  return strlen (name) <= 128;
}

PierContainer *
pier_store_create_container (PierStore *store, const PierContainerOptions *o, GError **error)
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
  if (o->name != NULL && !name_is_valid (o->name))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   "invalid container name “%s”: letters, digits, '_', '.' and '-', starting with "
                   "a letter or digit", o->name);
      return NULL;
    }
  c->argv = compute_argv (image, o->command);
  if (c->argv[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   "no command specified: the image has neither Entrypoint nor Cmd; give one");
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
                   "--network bridge needs root; rootless containers have none (own loopback) or host");
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
                         "the name “%s” is already in use by another container; remove it or "
                         "choose another name", o->name);
          else
            pier_set_errno (error, errno, "reserving the name %s", o->name);
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
            pier_set_errno (error, errno, "reserving a name");
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
  c->bind_host_usr = pier_run_config_get_label (&image->config->config, PIER_LABEL_HOST_USR) != NULL;
  if (!c->rootless &&
      !pier_store_claim_id_range (store, c->id, !c->auto_remove, &c->uid_base, &c->uid_count, error))
    goto fail;

  dir = pier_container_get_dir (store, c);
  upper = pier_container_get_upper_dir (store, c);
  work = g_build_filename (dir, "work", NULL);
  if (g_mkdir (dir, 0700) < 0 || g_mkdir (upper, 0755) < 0 || g_mkdir (work, 0700) < 0)
    {
      pier_set_errno (error, errno, "creating the container's directories in %s", dir);
      goto fail;
    }
  /* Root of the container owns its root directory (its sandbox layer's top). */
  if (!c->rootless && chown (upper, c->uid_base, c->uid_base) < 0)
    {
      pier_set_errno (error, errno, "giving %s to the container's root", upper);
      goto fail;
    }
  dir_fd = pier_fs_open_dir_at (AT_FDCWD, dir, error);
  if (dir_fd < 0 ||
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
