/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierSandboxSpec: the plain struct and its JSON form, which is how pier_sandbox_start() hands
 * it to pier-monitor. jansson stays inside this file, but for a volume's object, which a
 * container's record holds the same way. */
#include "pier-sandbox-private.h"

#include "pier-caps.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-private.h"

#include <fcntl.h>
#include <jansson.h>
#include <string.h>

PierSandboxSpec *
pier_sandbox_spec_new (void)
{
  PierSandboxSpec *spec = g_new0 (PierSandboxSpec, 1);

  spec->network = PIER_NETWORK_NONE;
  spec->caps = pier_caps_default ();
  return spec;
}

void
pier_sandbox_spec_free (PierSandboxSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->id);
  g_free (spec->name);
  g_free (spec->hostname);
  g_free (spec->state_dir);
  g_free (spec->log_path);
  g_free (spec->runroot);
  g_strfreev (spec->lower_dirs);
  g_free (spec->upper_dir);
  g_free (spec->work_dir);
  for (gsize i = 0; i < spec->n_volumes; i++)
    {
      g_free (spec->volumes[i].source);
      g_free (spec->volumes[i].destination);
    }
  g_free (spec->volumes);
  g_strfreev (spec->argv);
  g_strfreev (spec->env);
  g_free (spec->cwd);
  g_free (spec->groups);
  g_strfreev (spec->on_exit);
  g_free (spec->on_exit_unless_held);
  g_free (spec->seccomp_profile);
  g_free (spec->seccomp_profile_name);
  g_free (spec);
}

void
pier_sandbox_spec_add_volume (PierSandboxSpec *spec, const char *source, const char *destination,
                              gboolean readonly)
{
  spec->volumes = g_renew (PierSandboxVolume, spec->volumes, spec->n_volumes + 1);
  spec->volumes[spec->n_volumes].source = g_strdup (source);
  spec->volumes[spec->n_volumes].destination = g_strdup (destination);
  spec->volumes[spec->n_volumes].readonly = readonly;
  spec->n_volumes++;
}

static gboolean
is_hex_id (const char *id)
{
  if (id == NULL || strlen (id) != 64)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
check_absolute (const char *what, const char *path, GError **error)
{
  if (path == NULL || !g_path_is_absolute (path))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("%s “%s” is not an absolute path"),
                   what, path ? path : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
pier_sandbox_spec_validate (const PierSandboxSpec *spec, GError **error)
{
  if (!is_hex_id (spec->id))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("container id “%s” is not 64 lowercase hex digits"),
                   spec->id ? spec->id : "");
      return FALSE;
    }
  if (spec->argv == NULL || spec->argv[0] == NULL || spec->argv[0][0] == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("no command to run"));
      return FALSE;
    }
  if (spec->lower_dirs == NULL || spec->lower_dirs[0] == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("no image layer to run on"));
      return FALSE;
    }
  if (!check_absolute ("state directory", spec->state_dir, error)
      || !check_absolute ("log file", spec->log_path, error)
      || !check_absolute ("runtime root", spec->runroot, error)
      || !check_absolute ("sandbox layer", spec->upper_dir, error)
      || !check_absolute ("overlay work directory", spec->work_dir, error)
      || (spec->cwd != NULL && !check_absolute ("working directory", spec->cwd, error)))
    return FALSE;
  for (char **dir = spec->lower_dirs; *dir; dir++)
    if (!check_absolute ("layer directory", *dir, error))
      return FALSE;
  for (gsize i = 0; i < spec->n_volumes; i++)
    {
      const PierSandboxVolume *v = &spec->volumes[i];
      if (!check_absolute ("volume source", v->source, error)
          || !check_absolute ("volume destination", v->destination, error))
        return FALSE;
      if (strspn (v->destination, "/") == strlen (v->destination))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("a volume cannot be mounted over the container's /"));
          return FALSE;
        }
    }
  if (!spec->rootless && (spec->uid_count == 0 || spec->gid_count == 0))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("no uid/gid range for the container's user namespace"));
      return FALSE;
    }
  if (spec->hostname != NULL && strlen (spec->hostname) > 64)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("hostname “%s” is longer than 64 bytes"), spec->hostname);
      return FALSE;
    }
  return TRUE;
}

/* ---- JSON ---- */

json_t *
pier_sandbox_volume_to_json (PierJsonWriter *w, const PierSandboxVolume *volume)
{
  json_t *obj = json_object ();

  pier_json_set_text (w, obj, "source", volume->source);
  pier_json_set_text (w, obj, "destination", volume->destination);
  pier_json_set (w, obj, "readonly", json_boolean (volume->readonly));
  return obj;
}

char *
pier_sandbox_spec_to_json (const PierSandboxSpec *spec, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *root = json_object ();
  json_t *volumes = json_array ();
  json_t *groups = json_array ();
  char *out;

  pier_json_set_text (&w, root, "id", spec->id);
  pier_json_set_text (&w, root, "name", spec->name);
  pier_json_set_text (&w, root, "hostname", spec->hostname);
  pier_json_set_text (&w, root, "state_dir", spec->state_dir);
  pier_json_set_text (&w, root, "log_path", spec->log_path);
  pier_json_set_text (&w, root, "runroot", spec->runroot);
  pier_json_set (&w, root, "lower_dirs",
                 pier_json_strv (&w, "lower_dirs", (const char *const *) spec->lower_dirs));
  pier_json_set_text (&w, root, "upper_dir", spec->upper_dir);
  pier_json_set_text (&w, root, "work_dir", spec->work_dir);
  pier_json_set (&w, root, "bind_host_usr", json_boolean (spec->bind_host_usr));
  for (gsize i = 0; i < spec->n_volumes; i++)
    pier_json_append (&w, volumes, pier_sandbox_volume_to_json (&w, &spec->volumes[i]));
  pier_json_set (&w, root, "volumes", volumes);
  pier_json_set (&w, root, "argv", pier_json_strv (&w, "argv", (const char *const *) spec->argv));
  pier_json_set (&w, root, "env", pier_json_strv (&w, "env", (const char *const *) spec->env));
  pier_json_set_text (&w, root, "cwd", spec->cwd);
  pier_json_set (&w, root, "uid", json_integer (spec->uid));
  pier_json_set (&w, root, "gid", json_integer (spec->gid));
  for (gsize i = 0; i < spec->n_groups; i++)
    pier_json_append (&w, groups, json_integer (spec->groups[i]));
  pier_json_set (&w, root, "groups", groups);
  pier_json_set (&w, root, "tty", json_boolean (spec->tty));
  pier_json_set (&w, root, "stdin_open", json_boolean (spec->stdin_open));
  pier_json_set (&w, root, "tty_rows", json_integer (spec->tty_rows));
  pier_json_set (&w, root, "tty_cols", json_integer (spec->tty_cols));
  pier_json_set (&w, root, "stop_signal", json_integer (spec->stop_signal));
  pier_json_set_text (&w, root, "network", pier_network_mode_to_string (spec->network));
  pier_json_set (&w, root, "uid_base", json_integer (spec->uid_base));
  pier_json_set (&w, root, "uid_count", json_integer (spec->uid_count));
  pier_json_set (&w, root, "gid_base", json_integer (spec->gid_base));
  pier_json_set (&w, root, "gid_count", json_integer (spec->gid_count));
  pier_json_set (&w, root, "rootless", json_boolean (spec->rootless));
  pier_json_set (&w, root, "memory_bytes", json_integer ((json_int_t) spec->memory_bytes));
  pier_json_set (&w, root, "cpus", pier_json_real (&w, "cpus", spec->cpus));
  pier_json_set (&w, root, "pids_limit", json_integer ((json_int_t) spec->pids_limit));
  pier_json_set (&w, root, "caps", json_integer ((json_int_t) spec->caps));
  pier_json_set (&w, root, "seccomp_unconfined", json_boolean (spec->seccomp_unconfined));
  pier_json_set_text (&w, root, "seccomp_profile", spec->seccomp_profile);
  pier_json_set_text (&w, root, "seccomp_profile_name", spec->seccomp_profile_name);
  if (spec->on_exit != NULL)
    pier_json_set (&w, root, "on_exit",
                   pier_json_strv (&w, "on_exit", (const char *const *) spec->on_exit));
  pier_json_set_text (&w, root, "on_exit_unless_held", spec->on_exit_unless_held);

  out = pier_json_writer_dump (&w, root, JSON_COMPACT, error);
  if (out == NULL)
    g_prefix_error (error, _("writing the sandbox's spec: "));
  return out;
}

typedef struct {
  json_t *root;
  GError **error;
  gboolean failed;
} Reader;

static void
bad (Reader *r, const char *key, const char *expected)
{
  if (!r->failed)
    g_set_error (r->error, PIER_ERROR, PIER_ERROR_INVALID,
                 _("container spec: “%s” is not %s"), key, expected);
  r->failed = TRUE;
}

static char *
get_string (Reader *r, const char *key)
{
  json_t *v = json_object_get (r->root, key);

  if (v == NULL || json_is_null (v))
    return NULL;
  if (!json_is_string (v))
    {
      bad (r, key, "a string");
      return NULL;
    }
  return g_strdup (json_string_value (v));
}

static gboolean
get_bool (Reader *r, const char *key)
{
  json_t *v = json_object_get (r->root, key);

  if (v != NULL && !json_is_boolean (v))
    bad (r, key, "true or false");
  return v != NULL && json_is_true (v);
}

static guint64
get_uint (Reader *r, const char *key, guint64 max)
{
  json_t *v = json_object_get (r->root, key);

  if (v == NULL)
    return 0;
  if (!json_is_integer (v) || json_integer_value (v) < 0
      || (guint64) json_integer_value (v) > max)
    {
      bad (r, key, "a non-negative integer in range");
      return 0;
    }
  return (guint64) json_integer_value (v);
}

static char **
get_strv (Reader *r, const char *key)
{
  json_t *v = json_object_get (r->root, key);
  g_autoptr (GPtrArray) out = NULL;
  json_t *item;
  size_t i;

  if (v == NULL || json_is_null (v))
    return NULL;
  if (!json_is_array (v))
    {
      bad (r, key, "a list of strings");
      return NULL;
    }
  out = g_ptr_array_new_with_free_func (g_free);
  json_array_foreach (v, i, item)
    {
      if (!json_is_string (item))
        {
          bad (r, key, "a list of strings");
          return NULL;
        }
      g_ptr_array_add (out, g_strdup (json_string_value (item)));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

PierSandboxSpec *
pier_sandbox_spec_from_json (const char *data, gsize len, GError **error)
{
  g_autoptr (PierSandboxSpec) spec = pier_sandbox_spec_new ();
  json_error_t jerr;
  Reader r = { .error = error };
  g_autofree char *network = NULL;
  json_t *array, *item;
  size_t i;

  r.root = json_loadb (data, len, 0, &jerr);
  if (r.root == NULL || !json_is_object (r.root))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("container spec: %s"),
                   r.root ? "not a JSON object" : jerr.text);
      json_decref (r.root);
      return NULL;
    }
  spec->id = get_string (&r, "id");
  spec->name = get_string (&r, "name");
  spec->hostname = get_string (&r, "hostname");
  spec->state_dir = get_string (&r, "state_dir");
  spec->log_path = get_string (&r, "log_path");
  spec->runroot = get_string (&r, "runroot");
  spec->lower_dirs = get_strv (&r, "lower_dirs");
  spec->upper_dir = get_string (&r, "upper_dir");
  spec->work_dir = get_string (&r, "work_dir");
  spec->bind_host_usr = get_bool (&r, "bind_host_usr");
  array = json_object_get (r.root, "volumes");
  json_array_foreach (array, i, item)
    {
      const char *source = NULL, *destination = NULL;
      int readonly = 0;
      if (json_unpack (item, "{s:s, s:s, s?b}", "source", &source, "destination", &destination,
                       "readonly", &readonly)
          < 0)
        {
          bad (&r, "volumes", "a list of {source, destination, readonly}");
          break;
        }
      pier_sandbox_spec_add_volume (spec, source, destination, readonly);
    }
  spec->argv = get_strv (&r, "argv");
  spec->env = get_strv (&r, "env");
  spec->cwd = get_string (&r, "cwd");
  spec->uid = (guint32) get_uint (&r, "uid", G_MAXUINT32);
  spec->gid = (guint32) get_uint (&r, "gid", G_MAXUINT32);
  array = json_object_get (r.root, "groups");
  spec->groups = g_new0 (guint32, json_array_size (array) + 1);
  json_array_foreach (array, i, item)
    {
      if (!json_is_integer (item) || json_integer_value (item) < 0
          || json_integer_value (item) > G_MAXUINT32)
        {
          bad (&r, "groups", "a list of group ids");
          break;
        }
      spec->groups[spec->n_groups++] = (guint32) json_integer_value (item);
    }
  spec->tty = get_bool (&r, "tty");
  spec->stdin_open = get_bool (&r, "stdin_open");
  spec->tty_rows = (guint16) get_uint (&r, "tty_rows", G_MAXUINT16);
  spec->tty_cols = (guint16) get_uint (&r, "tty_cols", G_MAXUINT16);
  spec->stop_signal = (int) get_uint (&r, "stop_signal", 64);
  network = get_string (&r, "network");
  if (!r.failed && network != NULL
      && !pier_network_mode_from_string (network, &spec->network, error))
    r.failed = TRUE;
  spec->uid_base = (guint32) get_uint (&r, "uid_base", G_MAXUINT32);
  spec->uid_count = (guint32) get_uint (&r, "uid_count", G_MAXUINT32);
  spec->gid_base = (guint32) get_uint (&r, "gid_base", G_MAXUINT32);
  spec->gid_count = (guint32) get_uint (&r, "gid_count", G_MAXUINT32);
  spec->rootless = get_bool (&r, "rootless");
  spec->memory_bytes = get_uint (&r, "memory_bytes", G_MAXINT64);
  {
    json_t *cpus = json_object_get (r.root, "cpus");
    if (cpus != NULL && !json_is_number (cpus))
      bad (&r, "cpus", "a number");
    spec->cpus = cpus ? json_number_value (cpus) : 0;
  }
  {
    json_t *pids = json_object_get (r.root, "pids_limit");
    if (pids != NULL && (!json_is_integer (pids) || json_integer_value (pids) < -1))
      bad (&r, "pids_limit", "a whole number from -1 up");
    spec->pids_limit = pids ? json_integer_value (pids) : 0;
  }
  if (json_object_get (r.root, "caps") != NULL)
    spec->caps = get_uint (&r, "caps", G_MAXINT64);
  spec->seccomp_unconfined = get_bool (&r, "seccomp_unconfined");
  spec->seccomp_profile = get_string (&r, "seccomp_profile");
  spec->seccomp_profile_name = get_string (&r, "seccomp_profile_name");
  spec->on_exit = get_strv (&r, "on_exit");
  spec->on_exit_unless_held = get_string (&r, "on_exit_unless_held");
  json_decref (r.root);
  if (r.failed || !pier_sandbox_spec_validate (spec, error))
    return NULL;
  return g_steal_pointer (&spec);
}

PierSandboxSpec *
pier_sandbox_spec_read (const char *state_dir, GError **error)
{
  pier_autofd int fd = pier_fs_open_dir_at (AT_FDCWD, state_dir, error);
  g_autofree char *data = NULL;
  gsize len;

  if (fd < 0 || !pier_fs_read_all_at (fd, PIER_SANDBOX_CONFIG, 16 << 20, &data, &len, error))
    return NULL;
  return pier_sandbox_spec_from_json (data, len, error);
}

gboolean
pier_sandbox_spec_compile_seccomp (const PierSandboxSpec *spec, PierSeccompProgram **out,
                                   GError **error)
{
  g_autoptr (PierSeccompProfile) profile = NULL;

  *out = NULL;
  if (spec->seccomp_unconfined)
    return TRUE;
  profile = spec->seccomp_profile == NULL
                ? pier_seccomp_profile_default ()
                : pier_seccomp_profile_parse (spec->seccomp_profile, strlen (spec->seccomp_profile),
                                              spec->seccomp_profile_name
                                                  ? spec->seccomp_profile_name
                                                  : "(given)",
                                              error);
  if (profile == NULL)
    return FALSE;
  {
    g_autofree char *cache = g_build_filename (spec->runroot, "seccomp", NULL);
    *out = pier_seccomp_compile_cached (profile, spec->caps, cache, error);
  }
  return *out != NULL;
}
