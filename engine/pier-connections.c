/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The list of connections, and the saved ones' file. */
#include "pier-connections-private.h"

#include "pier-docker-endpoint.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"
#include "pier-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#define CONNECTIONS_FILE "connections.json"
#define CONNECTIONS_LOCK ".connections.lock"
/* A person's list of connections is a few kilobytes. */
#define MAX_CONNECTIONS_FILE_SIZE (1024 * 1024)
#define MAX_NAME_LENGTH 64
/* Found connections' names are bounded where they are read (pier-connections-found.c). */
#define MAX_DEFAULT_LENGTH 256

struct _PierConnections {
  char *dir;
  char *path;
  char *default_name; /* NULL: the embedded engine */
  /* The embedded one, then n_saved saved ones, then the found ones. */
  GPtrArray *all;
  guint n_saved;
  gboolean found;
  GPtrArray *warnings;
};

static char *
config_dir (void)
{
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");

  if (xdg != NULL && *xdg != '\0')
    return g_build_filename (xdg, "pier", NULL);
  return g_build_filename (g_get_home_dir (), ".config", "pier", NULL);
}

/* A name a person types after --connection: a word of letters, digits and "_.+-". */
static gboolean
check_name (const char *name, GError **error)
{
  gsize len = strlen (name);
  g_autofree char *quoted = NULL;

  if (len > 0 && len <= MAX_NAME_LENGTH && g_ascii_isalnum (name[0]) &&
      strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") == len)
    return TRUE;
  quoted = pier_error_quote (name);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("the connection name %s is not a word of at most %d letters, digits and "
                 "“_.+-” beginning with a letter or digit"), quoted, MAX_NAME_LENGTH);
  return FALSE;
}

static PierConnection *
find_named (PierConnections *self, const char *name)
{
  for (guint i = 0; i < self->all->len; i++)
    {
      PierConnection *connection = self->all->pdata[i];
      if (strcmp (connection->name, name) == 0)
        return connection;
    }
  return NULL;
}

/* One entry of the saved file, checked as untrusted input. */
static PierConnection *
parse_saved (json_t *entry, GError **error)
{
  const char *name = json_string_value (json_object_get (entry, "name"));
  const char *uri = json_string_value (json_object_get (entry, "uri"));
  json_t *identity = json_object_get (entry, "identity");
  PierConnectionKind kind;
  g_autoptr (PierDockerEndpoint) endpoint = NULL;

  if (!json_is_object (entry) || name == NULL || uri == NULL ||
      (identity != NULL && !json_is_string (identity)))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("an entry is not an object with the strings name, kind, uri and an "
                     "optional identity"));
      return NULL;
    }
  if (!check_name (name, error) ||
      !pier_connection_kind_parse (json_string_value (json_object_get (entry, "kind")), &kind,
                                   error) ||
      (endpoint = pier_docker_endpoint_parse (uri, error)) == NULL)
    return NULL;
  return pier_connection_new (name, kind, uri, json_string_value (identity),
                              PIER_CONNECTION_ORIGIN_SAVED);
}

static gboolean
read_saved (PierConnections *self, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  json_error_t jerr;
  g_autoptr (GError) local = NULL;
  json_t *list, *default_name;
  json_auto_t *root = NULL;

  if (!pier_fs_read_regular (self->path, MAX_CONNECTIONS_FILE_SIZE, &data, &len, &local))
    {
      if (g_error_matches (local, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  root = json_loadb (data, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("line %d: %s"), jerr.line, jerr.text);
      return FALSE;
    }
  list = json_object_get (root, "connections");
  default_name = json_object_get (root, "default");
  if (!json_is_object (root) || (list != NULL && !json_is_array (list)) ||
      (default_name != NULL && !json_is_string (default_name)))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("not an object with an array “connections” and a string “default”"));
      return FALSE;
    }
  for (gsize i = 0; list != NULL && i < json_array_size (list); i++)
    {
      PierConnection *connection = parse_saved (json_array_get (list, i), error);

      if (connection == NULL || find_named (self, connection->name) != NULL)
        {
          if (connection == NULL)
            g_prefix_error (error, _("connection %zu: "), i + 1);
          else
            g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                         _("connection %zu: the name “%s” is taken"), i + 1, connection->name);
          pier_connection_free (connection);
          return FALSE;
        }
      g_ptr_array_add (self->all, connection);
      self->n_saved++;
    }
  /* A found connection may be the default, under a name its owner chose (not check_name's). */
  if (default_name != NULL && (json_string_length (default_name) == 0 ||
                               json_string_length (default_name) > MAX_DEFAULT_LENGTH ||
                               memchr (json_string_value (default_name), '\0',
                                       json_string_length (default_name)) != NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the default is not a name of 1 to %d bytes"), MAX_DEFAULT_LENGTH);
      return FALSE;
    }
  self->default_name = g_strdup (json_string_value (default_name));
  return TRUE;
}

PierConnections *
pier_connections_load (void)
{
  PierConnections *self = g_new0 (PierConnections, 1);
  g_autoptr (GError) error = NULL;

  self->dir = config_dir ();
  self->path = g_build_filename (self->dir, CONNECTIONS_FILE, NULL);
  self->all = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_connection_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->all, pier_connection_new (PIER_CONNECTION_EMBEDDED,
                                                   PIER_CONNECTION_KIND_PIER, NULL, NULL,
                                                   PIER_CONNECTION_ORIGIN_EMBEDDED));
  if (!read_saved (self, &error))
    {
      /* Nothing of a file that is not whole: what it lists cannot be told apart from noise. */
      g_ptr_array_set_size (self->all, 1);
      self->n_saved = 0;
      g_clear_pointer (&self->default_name, g_free);
      g_ptr_array_add (self->warnings,
                       g_strdup_printf (_("%s: %s; the saved connections are left out"),
                                        self->path, error->message));
    }
  return self;
}

void
pier_connections_free (PierConnections *self)
{
  if (self == NULL)
    return;
  g_free (self->dir);
  g_free (self->path);
  g_free (self->default_name);
  g_ptr_array_unref (self->all);
  g_ptr_array_unref (self->warnings);
  g_free (self);
}

const char *
pier_connections_get_path (PierConnections *self)
{
  return self->path;
}

void
pier_connections_find (PierConnections *self)
{
  g_autoptr (GPtrArray) found = NULL;

  if (self->found)
    return;
  self->found = TRUE;
  found = pier_connections_find_on_machine (self->warnings);
  for (guint i = 0; i < found->len; i++)
    {
      PierConnection *connection = found->pdata[i];
      gboolean known = FALSE;
      g_autofree char *name = g_strdup (connection->name);

      /* The same engine saved, or found another way, is shown once. */
      for (guint k = 0; k < self->all->len && !known; k++)
        known = g_strcmp0 (((PierConnection *) self->all->pdata[k])->uri, connection->uri) == 0;
      if (known)
        continue;
      for (guint n = 2; find_named (self, name) != NULL; n++)
        {
          g_free (name);
          name = g_strdup_printf ("%s-%u", connection->name, n);
        }
      g_free (connection->name);
      connection->name = g_steal_pointer (&name);
      g_ptr_array_add (self->all, g_steal_pointer (&found->pdata[i]));
    }
}

GPtrArray *
pier_connections_get_all (PierConnections *self)
{
  return self->all;
}

const GPtrArray *
pier_connections_get_warnings (PierConnections *self)
{
  return self->warnings;
}

const PierConnection *
pier_connections_lookup (PierConnections *self, const char *name, GError **error)
{
  PierConnection *connection = find_named (self, name);
  g_autofree char *quoted = NULL;

  if (connection == NULL)
    {
      pier_connections_find (self);
      connection = find_named (self, name);
    }
  if (connection != NULL)
    return connection;
  quoted = pier_error_quote (name);
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("no connection is called %s: neither the embedded engine, a saved one nor one "
                 "found on this machine"), quoted);
  return NULL;
}

const char *
pier_connections_get_default (PierConnections *self)
{
  return self->default_name != NULL ? self->default_name : PIER_CONNECTION_EMBEDDED;
}

const char *
pier_connections_choose (PierConnections *self, const char *requested)
{
  const char *env = g_getenv ("PIER_CONNECTION");

  if (requested != NULL)
    return requested;
  if (env != NULL && *env != '\0')
    return env;
  return pier_connections_get_default (self);
}

static gboolean
save (PierConnections *self, GError **error)
{
  g_auto (PierJsonWriter) w = { NULL };
  json_t *root = json_object ();
  json_t *list = json_array ();
  g_autofree char *text = NULL;
  pier_autofd int dirfd = -1;

  for (guint i = 1; i <= self->n_saved; i++)
    {
      PierConnection *connection = self->all->pdata[i];
      json_t *entry = json_object ();

      pier_json_set_text (&w, entry, "name", connection->name);
      pier_json_set_text (&w, entry, "kind", pier_connection_kind_to_string (connection->kind));
      pier_json_set_text (&w, entry, "uri", connection->uri);
      pier_json_set_text (&w, entry, "identity", connection->identity_file);
      pier_json_append (&w, list, entry);
    }
  pier_json_set_text (&w, root, "default", self->default_name);
  pier_json_set (&w, root, "connections", list);
  text = pier_json_writer_dump (&w, root, JSON_INDENT (2) | JSON_PRESERVE_ORDER, error);
  if (text == NULL || !pier_fs_mkdir_p (self->dir, 0700, error) ||
      (dirfd = pier_fs_open_dir_at (AT_FDCWD, self->dir, error)) < 0 ||
      !pier_fs_write_atomic_at (dirfd, CONNECTIONS_FILE, text, strlen (text), 0600, error))
    {
      g_prefix_error (error, _("saving the connections in %s: "), self->path);
      return FALSE;
    }
  return TRUE;
}

/* Before a change: the saved file locked until the change is written, and read again under
 * the lock, so that two pierctl (or pierctl and the window) changing it at once each build on
 * the other's change instead of one losing it. Found connections keep their places. */
static PierLock *
lock_for_change (PierConnections *self, GError **error)
{
  g_autofree char *lock_path = g_build_filename (self->dir, CONNECTIONS_LOCK, NULL);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (
      (GDestroyNotify) pier_connection_free);
  g_autoptr (PierLock) lock = NULL;
  g_autoptr (GError) local = NULL;

  if (!pier_fs_mkdir_p (self->dir, 0700, error)
      || (lock = pier_lock_acquire (lock_path, TRUE, error)) == NULL)
    return NULL;
  while (self->all->len > 1 + self->n_saved)
    g_ptr_array_add (found, g_ptr_array_steal_index (self->all, 1 + self->n_saved));
  g_ptr_array_set_size (self->all, 1);
  self->n_saved = 0;
  g_clear_pointer (&self->default_name, g_free);
  if (!read_saved (self, &local))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s: %s; the saved connections are left as they are: mend or remove the "
                     "file"), self->path, local->message);
      return NULL;
    }
  for (guint i = 0; i < found->len; i++)
    if (find_named (self, ((PierConnection *) found->pdata[i])->name) == NULL)
      g_ptr_array_add (self->all, g_ptr_array_steal_index (found, i--));
  return g_steal_pointer (&lock);
}

static gboolean
check_identity (const char *identity_file, const PierDockerEndpoint *endpoint, const char *uri,
                GError **error)
{
  struct stat st;

  if (endpoint->kind != PIER_DOCKER_ENDPOINT_SSH)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the identity file %s is for ssh:// connections, and “%s” is not one"),
                   identity_file, uri);
      return FALSE;
    }
  if (stat (identity_file, &st) < 0)
    return pier_set_errno (error, errno, _("the identity file %s"), identity_file);
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the identity file %s is not a regular file"), identity_file);
      return FALSE;
    }
  return TRUE;
}

gboolean
pier_connections_add (PierConnections *self, const char *name, const char *uri,
                      PierConnectionKind kind, const char *identity_file, GError **error)
{
  g_autoptr (PierDockerEndpoint) endpoint = NULL;
  g_autofree char *identity = NULL;
  g_autoptr (PierLock) lock = NULL;
  PierConnection *taken;

  if (!check_name (name, error) || (lock = lock_for_change (self, error)) == NULL)
    return FALSE;
  taken = find_named (self, name);
  if (taken != NULL && taken->origin != PIER_CONNECTION_ORIGIN_SAVED &&
      taken->origin != PIER_CONNECTION_ORIGIN_EMBEDDED)
    taken = NULL; /* a found one yields its name */
  if (taken != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_EXISTS,
                   taken->origin == PIER_CONNECTION_ORIGIN_EMBEDDED
                       ? _("“%s” is the embedded engine's name: choose another")
                       : _("a connection called “%s” is saved already: remove it first"),
                   name);
      return FALSE;
    }
  endpoint = pier_docker_endpoint_parse (uri, error);
  if (endpoint == NULL)
    return FALSE;
  if (identity_file != NULL)
    {
      identity = g_canonicalize_filename (identity_file, NULL);
      if (!check_identity (identity, endpoint, uri, error))
        return FALSE;
    }
  g_ptr_array_insert (self->all, 1 + self->n_saved,
                      pier_connection_new (name, kind, uri, identity,
                                           PIER_CONNECTION_ORIGIN_SAVED));
  self->n_saved++;
  return save (self, error);
}

gboolean
pier_connections_remove (PierConnections *self, const char *name, GError **error)
{
  const PierConnection *connection;
  g_autoptr (PierLock) lock = lock_for_change (self, error);

  if (lock == NULL || (connection = pier_connections_lookup (self, name, error)) == NULL)
    return FALSE;
  if (connection->origin != PIER_CONNECTION_ORIGIN_SAVED)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   connection->origin == PIER_CONNECTION_ORIGIN_EMBEDDED
                       ? _("“%s” is the embedded engine, which cannot be removed")
                       : _("“%s” is not saved but found on this machine (%s): remove it where "
                           "it is defined"),
                   name, pier_connection_origin_to_string (connection->origin));
      return FALSE;
    }
  g_ptr_array_remove (self->all, (gpointer) connection);
  self->n_saved--;
  if (g_strcmp0 (self->default_name, name) == 0)
    g_clear_pointer (&self->default_name, g_free);
  return save (self, error);
}

gboolean
pier_connections_set_default (PierConnections *self, const char *name, GError **error)
{
  g_autoptr (PierLock) lock = lock_for_change (self, error);

  if (lock == NULL || pier_connections_lookup (self, name, error) == NULL)
    return FALSE;
  g_free (self->default_name);
  self->default_name = strcmp (name, PIER_CONNECTION_EMBEDDED) != 0 ? g_strdup (name) : NULL;
  return save (self, error);
}
