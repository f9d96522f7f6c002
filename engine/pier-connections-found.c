/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The connections this machine already has: engines' sockets that answer, DOCKER_HOST, Docker's
 * contexts and Podman's service destinations. Their files are other programs' and read as
 * untrusted: bounded, their types checked, a bad one a warning naming it. */
#include "pier-connections-private.h"

#include "pier-docker-endpoint.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-toml.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A context's meta.json is a few hundred bytes; containers.conf a few dozen kilobytes. */
#define MAX_CONFIG_FILE_SIZE (1024 * 1024)
/* More contexts than this are not a person's. */
#define MAX_CONTEXTS 1000
#define MAX_FOUND_NAME_LENGTH 128

static void G_GNUC_PRINTF (2, 3)
warn (GPtrArray *warnings, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (warnings, g_strdup_vprintf (format, args));
  va_end (args);
}

/* A socket answers when connect() does (or the engine's backlog is full: it is there). */
static gboolean
socket_answers (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  pier_autofd int fd = -1;

  if (strlen (path) >= sizeof addr.sun_path)
    return FALSE;
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  return fd >= 0 && (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0 ||
                     errno == EAGAIN || errno == EINPROGRESS);
}

/* A name another program gave: shown and typed after --connection, so printable text (a
 * space is: Podman takes any name). */
static gboolean
name_is_usable (const char *name)
{
  if (*name == '\0' || strlen (name) > MAX_FOUND_NAME_LENGTH || !g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isprint (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* Adds the connection at @uri, or says in @warnings why not (@where names whose it is). */
static void
offer (GPtrArray *found, GPtrArray *warnings, const char *where, const char *name,
       PierConnectionKind kind, const char *uri, const char *identity_file,
       PierConnectionOrigin origin)
{
  g_autoptr (PierDockerEndpoint) endpoint = NULL;
  g_autoptr (GError) error = NULL;

  if (!name_is_usable (name))
    {
      g_autofree char *quoted = pier_error_quote (name);
      warn (warnings, _("%s: the name %s is not printable text of at most %d bytes: left out"),
            where, quoted, MAX_FOUND_NAME_LENGTH);
      return;
    }
  endpoint = pier_docker_endpoint_parse (uri, &error);
  if (endpoint == NULL)
    {
      warn (warnings, _("%s: %s: left out"), where, error->message);
      return;
    }
  g_ptr_array_add (found, pier_connection_new (name, kind, uri, identity_file, origin));
}

static void
offer_socket (GPtrArray *found, const char *name, PierConnectionKind kind, const char *path)
{
  g_autofree char *uri = g_strconcat ("unix://", path, NULL);

  if (socket_answers (path))
    g_ptr_array_add (found, pier_connection_new (name, kind, uri, NULL,
                                                 PIER_CONNECTION_ORIGIN_SOCKET));
}

static void
find_sockets (GPtrArray *found, GPtrArray *warnings)
{
  const char *docker_host = g_getenv ("DOCKER_HOST");
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");

  /* Docker's own CLI prefers DOCKER_HOST to its socket: so does the order here. */
  if (docker_host != NULL && g_str_has_prefix (docker_host, "unix://"))
    {
      if (!socket_answers (docker_host + strlen ("unix://")))
        warn (warnings, _("DOCKER_HOST: %s does not answer: left out"), docker_host);
      else
        offer (found, warnings, "DOCKER_HOST", "docker", PIER_CONNECTION_KIND_DOCKER,
               docker_host, NULL, PIER_CONNECTION_ORIGIN_SOCKET);
    }
  else if (docker_host != NULL && *docker_host != '\0')
    offer (found, warnings, "DOCKER_HOST", "docker", PIER_CONNECTION_KIND_DOCKER, docker_host,
           NULL, PIER_CONNECTION_ORIGIN_ENVIRONMENT);
  offer_socket (found, "docker", PIER_CONNECTION_KIND_DOCKER, "/var/run/docker.sock");
  offer_socket (found, "podman", PIER_CONNECTION_KIND_PODMAN, "/run/podman/podman.sock");
  if (runtime_dir != NULL && g_path_is_absolute (runtime_dir))
    {
      g_autofree char *path = g_build_filename (runtime_dir, "podman", "podman.sock", NULL);
      offer_socket (found, "podman-user", PIER_CONNECTION_KIND_PODMAN, path);
    }
}

static char *
docker_config_dir (void)
{
  const char *dir = g_getenv ("DOCKER_CONFIG");

  if (dir != NULL && *dir != '\0')
    return g_canonicalize_filename (dir, NULL);
  return g_build_filename (g_get_home_dir (), ".docker", NULL);
}

/* One context's meta.json: {"Name": ..., "Endpoints": {"docker": {"Host": ...}}}. */
static void
read_context (GPtrArray *contexts, GPtrArray *warnings, const char *path)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  json_error_t jerr;
  json_auto_t *meta = NULL;
  gsize len;
  const char *name, *host;

  if (!pier_fs_read_regular (path, MAX_CONFIG_FILE_SIZE, &data, &len, &error))
    {
      /* A folder without meta.json holds only TLS material: not a context. */
      if (!g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        warn (warnings, _("%s: %s: left out"), path, error->message);
      return;
    }
  meta = json_loadb (data, len, 0, &jerr);
  if (meta == NULL)
    {
      warn (warnings, _("%s: line %d: %s: left out"), path, jerr.line, jerr.text);
      return;
    }
  name = json_string_value (json_object_get (meta, "Name"));
  host = json_string_value (json_object_get (
      json_object_get (json_object_get (meta, "Endpoints"), "docker"), "Host"));
  if (name == NULL || host == NULL)
    {
      warn (warnings, _("%s: not a Docker context (no string Name and Endpoints.docker.Host): "
                        "left out"), path);
      return;
    }
  offer (contexts, warnings, path, name, PIER_CONNECTION_KIND_DOCKER, host, NULL,
         PIER_CONNECTION_ORIGIN_DOCKER_CONTEXT);
}

static int
compare_by_name (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(PierConnection *const *) a)->name, (*(PierConnection *const *) b)->name);
}

static void
find_docker_contexts (GPtrArray *found, GPtrArray *warnings)
{
  g_autofree char *config = docker_config_dir ();
  g_autofree char *meta_dir = g_build_filename (config, "contexts", "meta", NULL);
  const char *docker_host = g_getenv ("DOCKER_HOST");
  g_autoptr (GPtrArray) contexts = g_ptr_array_new_with_free_func (
      (GDestroyNotify) pier_connection_free);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  pier_autofd int dirfd = -1;

  /* Docker's CLI has never run for this user: no default context either. */
  if (!g_file_test (config, G_FILE_TEST_IS_DIR))
    return;
  /* The default context is DOCKER_HOST, or Docker's socket, as `docker context ls` says. */
  offer (found, warnings, "DOCKER_HOST", "default", PIER_CONNECTION_KIND_DOCKER,
         docker_host != NULL && *docker_host != '\0' ? docker_host : "unix:///var/run/docker.sock",
         NULL, PIER_CONNECTION_ORIGIN_DOCKER_CONTEXT);
  dirfd = pier_fs_open_dir_at (AT_FDCWD, meta_dir, &error);
  if (dirfd < 0)
    {
      if (!g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
        warn (warnings, _("%s: %s: Docker's contexts are left out"), meta_dir, error->message);
      return;
    }
  entries = pier_fs_list_sorted_at (dirfd, &error);
  if (entries == NULL)
    {
      warn (warnings, _("%s: %s: Docker's contexts are left out"), meta_dir, error->message);
      return;
    }
  if (entries->len > MAX_CONTEXTS)
    warn (warnings, _("%s: %u contexts, of which only the first %d are read"), meta_dir,
          entries->len, MAX_CONTEXTS);
  for (guint i = 0; i < entries->len && i < MAX_CONTEXTS; i++)
    {
      g_autofree char *path = g_build_filename (meta_dir, entries->pdata[i], "meta.json", NULL);
      read_context (contexts, warnings, path);
    }
  g_ptr_array_sort (contexts, compare_by_name);
  g_ptr_array_extend_and_steal (found, g_steal_pointer (&contexts));
}

typedef struct {
  char *uri;
  char *identity;
} Destination;

static void
destination_free (Destination *destination)
{
  g_free (destination->uri);
  g_free (destination->identity);
  g_free (destination);
}

typedef struct {
  const char *path;
  GHashTable *destinations; /* name → Destination */
  GPtrArray *names;         /* in the order first seen */
  GPtrArray *warnings;
} PodmanConfig;

/* [engine.service_destinations.NAME] uri = "...", identity = "..." */
static void
take_destination_key (const char *const *path, const char *value, gpointer user_data)
{
  PodmanConfig *config = user_data;
  Destination *destination;
  char **field;

  if (g_strv_length ((char **) path) != 4 || strcmp (path[0], "engine") != 0 ||
      strcmp (path[1], "service_destinations") != 0)
    return;
  destination = g_hash_table_lookup (config->destinations, path[2]);
  if (destination == NULL)
    {
      destination = g_new0 (Destination, 1);
      g_hash_table_insert (config->destinations, g_strdup (path[2]), destination);
      g_ptr_array_add (config->names, g_strdup (path[2]));
    }
  if (strcmp (path[3], "uri") == 0)
    field = &destination->uri;
  else if (strcmp (path[3], "identity") == 0)
    field = &destination->identity;
  else
    return;
  if (value == NULL)
    {
      g_autofree char *quoted = pier_error_quote (path[2]);
      warn (config->warnings, _("%s: the %s of the destination %s is not a string: ignored"),
            config->path, path[3], quoted);
      return;
    }
  g_free (*field);
  *field = g_strdup (value);
}

static GPtrArray *
podman_config_files (void)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *explicit = g_getenv ("CONTAINERS_CONF");
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");

  /* As Podman: CONTAINERS_CONF alone when set, else the system's files, then the user's. */
  if (explicit != NULL && *explicit != '\0')
    {
      g_ptr_array_add (files, g_canonicalize_filename (explicit, NULL));
      return files;
    }
  g_ptr_array_add (files, g_strdup ("/usr/share/containers/containers.conf"));
  g_ptr_array_add (files, g_strdup ("/etc/containers/containers.conf"));
  g_ptr_array_add (files, xdg != NULL && *xdg != '\0'
                              ? g_build_filename (xdg, "containers", "containers.conf", NULL)
                              : g_build_filename (g_get_home_dir (), ".config", "containers",
                                                  "containers.conf", NULL));
  return files;
}

static void
find_podman_destinations (GPtrArray *found, GPtrArray *warnings)
{
  g_autoptr (GPtrArray) files = podman_config_files ();
  g_autoptr (GHashTable) destinations = g_hash_table_new_full (
      g_str_hash, g_str_equal, g_free, (GDestroyNotify) destination_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < files->len; i++)
    {
      PodmanConfig config = { files->pdata[i], destinations, names, warnings };
      g_autofree char *data = NULL;
      g_autoptr (GError) error = NULL;
      gsize len;

      if (!pier_fs_read_regular (config.path, MAX_CONFIG_FILE_SIZE, &data, &len, &error))
        {
          if (!g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
            warn (warnings, _("%s: %s: its service destinations are left out"), config.path,
                  error->message);
          continue;
        }
      /* What a file gave before it broke stays: Podman itself would refuse the whole file,
       * but these are only offered, never used unasked. */
      if (!pier_toml_read (data, len, take_destination_key, &config, &error))
        warn (warnings, _("%s: %s: the service destinations after it are left out"),
              config.path, error->message);
    }
  for (guint i = 0; i < names->len; i++)
    {
      Destination *destination = g_hash_table_lookup (destinations, names->pdata[i]);
      g_autofree char *quoted = pier_error_quote (names->pdata[i]);
      g_autofree char *where = g_strdup_printf ("containers.conf [engine.service_destinations.%s]",
                                                quoted);

      if (destination->uri == NULL)
        {
          warn (warnings, _("%s: no uri: left out"), where);
          continue;
        }
      offer (found, warnings, where, names->pdata[i], PIER_CONNECTION_KIND_PODMAN,
             destination->uri, destination->identity,
             PIER_CONNECTION_ORIGIN_PODMAN_DESTINATION);
    }
}

GPtrArray *
pier_connections_find_on_machine (GPtrArray *warnings)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_connection_free);

  find_sockets (found, warnings);
  find_docker_contexts (found, warnings);
  find_podman_destinations (found, warnings);
  return found;
}
