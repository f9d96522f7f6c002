/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-docker-endpoint.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#define MAX_URI_LENGTH 1024
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static PierDockerEndpoint *
parse_ssh (const char *uri, GError **error)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *path;
  g_autoptr (PierDockerEndpoint) endpoint = g_new0 (PierDockerEndpoint, 1);

  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("“%s” names no host: write ssh://[USER@]HOST[:PORT][/SOCKET]"), uri);
      return NULL;
    }
  if (g_uri_get_query (parsed) != NULL || g_uri_get_fragment (parsed) != NULL ||
      g_uri_get_password (parsed) != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("“%s” holds a password, query or fragment: write "
                     "ssh://[USER@]HOST[:PORT][/SOCKET] and keep keys in the agent or a key file"),
                   uri);
      return NULL;
    }
  endpoint->kind = PIER_DOCKER_ENDPOINT_SSH;
  endpoint->host = g_strdup (g_uri_get_host (parsed));
  endpoint->user = g_strdup (g_uri_get_user (parsed));
  endpoint->port = g_uri_get_port (parsed) > 0 ? (guint16) g_uri_get_port (parsed) : 0;
  path = g_uri_get_path (parsed);
  endpoint->socket_path = path != NULL && *path != '\0' && strcmp (path, "/") != 0
                              ? g_strdup (path) : NULL;
  endpoint->remote_cli = g_strdup ("docker");
  return g_steal_pointer (&endpoint);
}

PierDockerEndpoint *
pier_docker_endpoint_parse (const char *uri, GError **error)
{
  PierDockerEndpoint *endpoint;

  /* A socket path fits in 108 bytes and a host name in 253: anything far longer is no
   * endpoint, and would only be carried into files, messages and ssh's command line. */
  if (strlen (uri) > MAX_URI_LENGTH)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the endpoint “%.64s…” is longer than %d bytes"), uri, MAX_URI_LENGTH);
      return NULL;
    }

  if (g_str_has_prefix (uri, "unix://"))
    {
      const char *path = uri + strlen ("unix://");
      if (*path != '/')
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("“%s” names no absolute socket path: write unix:///PATH"), uri);
          return NULL;
        }
      endpoint = g_new0 (PierDockerEndpoint, 1);
      endpoint->kind = PIER_DOCKER_ENDPOINT_UNIX;
      endpoint->socket_path = g_strdup (path);
      return endpoint;
    }
  if (g_str_has_prefix (uri, "ssh://"))
    return parse_ssh (uri, error);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("“%s” is neither unix:///PATH nor ssh://[USER@]HOST[:PORT][/SOCKET]"), uri);
  return NULL;
}

char *
pier_docker_endpoint_to_uri (const PierDockerEndpoint *endpoint)
{
  if (endpoint->kind == PIER_DOCKER_ENDPOINT_UNIX)
    return g_strconcat ("unix://", endpoint->socket_path, NULL);
  return g_uri_join (G_URI_FLAGS_NONE, "ssh", endpoint->user, endpoint->host,
                     endpoint->port > 0 ? endpoint->port : -1,
                     endpoint->socket_path != NULL ? endpoint->socket_path : "", NULL, NULL);
}

PierDockerEndpoint *
pier_docker_endpoint_copy (const PierDockerEndpoint *endpoint)
{
  PierDockerEndpoint *copy = g_new0 (PierDockerEndpoint, 1);

  copy->kind = endpoint->kind;
  copy->socket_path = g_strdup (endpoint->socket_path);
  copy->user = g_strdup (endpoint->user);
  copy->host = g_strdup (endpoint->host);
  copy->port = endpoint->port;
  copy->identity_file = g_strdup (endpoint->identity_file);
  copy->remote_cli = g_strdup (endpoint->remote_cli);
  return copy;
}

void
pier_docker_endpoint_free (PierDockerEndpoint *endpoint)
{
  if (endpoint == NULL)
    return;
  g_free (endpoint->socket_path);
  g_free (endpoint->user);
  g_free (endpoint->host);
  g_free (endpoint->identity_file);
  g_free (endpoint->remote_cli);
  g_free (endpoint);
}

gboolean
pier_docker_endpoint_is_local (const PierDockerEndpoint *endpoint)
{
  return endpoint->kind == PIER_DOCKER_ENDPOINT_UNIX;
}

/* ---- connections ---- */

/* ssh's stderr is a pipe nobody drains while the stream works: past the pipe's buffer ssh
 * would block, which bounds what it can say. */
#define MAX_SSH_ERROR 4096
#define SSH_EXIT_WAIT_MS 5000

struct _PierDockerConnection {
  int fd;
  char *host;          /* ssh only */
  GSubprocess *ssh;
  int ssh_stderr;      /* the read end, or -1 */
};

static PierDockerConnection *
connect_unix (const PierDockerEndpoint *endpoint, GError **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_autofree char *uri = pier_docker_endpoint_to_uri (endpoint);
  PierDockerConnection *connection;
  int fd;

  if (strlen (endpoint->socket_path) >= sizeof address.sun_path)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s: the socket path is longer than a Unix socket address holds"), uri);
      return NULL;
    }
  strcpy (address.sun_path, endpoint->socket_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    {
      int saved = errno;
      g_set_error (error, PIER_ERROR,
                   saved == EACCES ? PIER_ERROR_PERMISSION : PIER_ERROR_FAILED,
                   _("cannot connect to %s: %s"), uri, g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  connection = g_new0 (PierDockerConnection, 1);
  connection->fd = fd;
  connection->ssh_stderr = -1;
  return connection;
}

static GPtrArray *
ssh_argv (const PierDockerEndpoint *endpoint)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *cli = endpoint->remote_cli != NULL ? endpoint->remote_cli : "docker";

  g_ptr_array_add (argv, g_strdup ("ssh"));
  g_ptr_array_add (argv, g_strdup ("-T"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup ("BatchMode=yes"));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup ("ConnectTimeout=15"));
  if (endpoint->port > 0)
    {
      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", endpoint->port));
    }
  if (endpoint->identity_file != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-i"));
      g_ptr_array_add (argv, g_strdup (endpoint->identity_file));
    }
  if (endpoint->user != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-l"));
      g_ptr_array_add (argv, g_strdup (endpoint->user));
    }
  g_ptr_array_add (argv, g_strdup (endpoint->host));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (cli));
  if (endpoint->socket_path != NULL)
    {
      /* Podman takes the socket as --url, Docker as -H. */
      gboolean podman = strcmp (cli, "podman") == 0;
      g_ptr_array_add (argv, g_strdup (podman ? "--url" : "-H"));
      g_ptr_array_add (argv, g_strconcat ("unix://", endpoint->socket_path, NULL));
    }
  g_ptr_array_add (argv, g_strdup ("system"));
  g_ptr_array_add (argv, g_strdup ("dial-stdio"));
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* ssh with @stream (taken) as its stdin and stdout. */
static PierDockerConnection *
spawn_ssh (const PierDockerEndpoint *endpoint, int stream, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = ssh_argv (endpoint);
  g_autoptr (GError) local_error = NULL;
  PierDockerConnection *connection;
  int err_pipe[2];
  GSubprocess *ssh;

  if (!g_unix_open_pipe (err_pipe, FD_CLOEXEC, NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("ssh to %s: no pipe: %s"),
                   endpoint->host, g_strerror (errno));
      close (stream);
      return NULL;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdin_fd (launcher, stream);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (stream));
  g_subprocess_launcher_take_stderr_fd (launcher, err_pipe[1]);
  ssh = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &local_error);
  if (ssh == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("ssh to %s: cannot run ssh: %s"),
                   endpoint->host, local_error->message);
      close (err_pipe[0]);
      return NULL;
    }
  g_unix_set_fd_nonblocking (err_pipe[0], TRUE, NULL);
  connection = g_new0 (PierDockerConnection, 1);
  connection->fd = -1;
  connection->host = g_strdup (endpoint->host);
  connection->ssh = ssh;
  connection->ssh_stderr = err_pipe[0];
  return connection;
}

static PierDockerConnection *
connect_ssh (const PierDockerEndpoint *endpoint, GError **error)
{
  PierDockerConnection *connection;
  int pair[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("ssh to %s: no socket pair: %s"),
                   endpoint->host, g_strerror (errno));
      return NULL;
    }
  if ((connection = spawn_ssh (endpoint, pair[1], error)) == NULL)
    {
      close (pair[0]);
      return NULL;
    }
  connection->fd = pair[0];
  return connection;
}

PierDockerConnection *
pier_docker_endpoint_connect_ssh_on (const PierDockerEndpoint *endpoint, int stream,
                                     GError **error)
{
  return spawn_ssh (endpoint, stream, error);
}

PierDockerConnection *
pier_docker_endpoint_connect (const PierDockerEndpoint *endpoint, GCancellable *cancellable,
                              GError **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (endpoint->kind == PIER_DOCKER_ENDPOINT_UNIX)
    return connect_unix (endpoint, error);
  return connect_ssh (endpoint, error);
}

int
pier_docker_connection_get_fd (PierDockerConnection *connection)
{
  return connection->fd;
}

static gboolean
on_wait_timeout (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Waits a little for ssh to exit after the stream broke, so that its last words are there. */
static void
wait_ssh_briefly (GSubprocess *ssh)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) timeout = g_cancellable_new ();
  g_autoptr (GSource) source = g_timeout_source_new (SSH_EXIT_WAIT_MS);
  gboolean done = FALSE;

  g_main_context_push_thread_default (context);
  g_source_set_callback (source, on_wait_timeout, timeout, NULL);
  g_source_attach (source, context);
  g_subprocess_wait_async (ssh, timeout, NULL, NULL);
  while (!done)
    {
      g_main_context_iteration (context, TRUE);
      done = g_subprocess_get_if_exited (ssh) || g_subprocess_get_if_signaled (ssh) ||
             g_cancellable_is_cancelled (timeout);
    }
  g_source_destroy (source);
  g_main_context_pop_thread_default (context);
}

char *
pier_docker_connection_failure (PierDockerConnection *connection)
{
  char buffer[MAX_SSH_ERROR + 1];
  gssize n;
  g_auto (GStrv) lines = NULL;
  int i;

  if (connection->ssh == NULL)
    return NULL;
  wait_ssh_briefly (connection->ssh);
  n = read (connection->ssh_stderr, buffer, MAX_SSH_ERROR);
  if (n <= 0)
    return NULL;
  buffer[n] = '\0';
  lines = g_strsplit (buffer, "\n", -1);
  for (i = g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_strstrip (lines[i]);
      if (*lines[i] != '\0')
        {
          g_autofree char *line = g_utf8_make_valid (lines[i], -1);
          return g_strdup_printf (_("ssh to %s: %s"), connection->host, line);
        }
    }
  return NULL;
}

int
pier_docker_connection_steal_fd (PierDockerConnection *connection)
{
  int fd = connection->fd;

  /* ssh is left to end with the stream; GLib's child watch reaps it then. */
  g_clear_object (&connection->ssh);
  connection->fd = -1;
  pier_docker_connection_close (connection);
  return fd;
}

void
pier_docker_connection_close (PierDockerConnection *connection)
{
  if (connection == NULL)
    return;
  if (connection->fd >= 0)
    close (connection->fd);
  if (connection->ssh != NULL)
    {
      /* Its stdin closed, ssh ends on its own; the signal is for one stuck logging in. GLib's
       * child watch reaps it either way. */
      g_subprocess_send_signal (connection->ssh, SIGTERM);
      g_object_unref (connection->ssh);
    }
  if (connection->ssh_stderr >= 0)
    close (connection->ssh_stderr);
  g_free (connection->host);
  g_free (connection);
}
