/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-docker-hijack.h"

#include "pier-docker-stream.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEADERS (16 * 1024)
#define MAX_ERROR_BODY (16 * 1024)
#define RELAY_BUFFER (64 * 1024)

/* Waits until @fd is ready for @events, the stall timeout passes (@stall_ms 0: never) or
 * @cancellable fires. */
static gboolean
wait_fd (PierDockerClient *client, int fd, short events, guint stall_ms,
         GCancellable *cancellable, GError **error)
{
  struct pollfd fds[2] = { { .fd = fd, .events = events } };
  GPollFD cancel_fd = { .fd = -1 };
  int n_fds = 1, n;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &cancel_fd))
    {
      fds[1].fd = cancel_fd.fd;
      fds[1].events = POLLIN;
      n_fds = 2;
    }
  do
    n = poll (fds, n_fds, stall_ms > 0 ? (int) stall_ms : -1);
  while (n < 0 && errno == EINTR);
  if (cancel_fd.fd >= 0)
    g_cancellable_release_fd (cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (n == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("%s did not answer within %u seconds"),
                   pier_docker_client_get_uri (client), (stall_ms + 999) / 1000);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_all (PierDockerClient *client, int fd, const char *data, gsize len,
           GCancellable *cancellable, GError **error)
{
  while (len > 0)
    {
      gssize n;
      if (!wait_fd (client, fd, POLLOUT, pier_docker_client_get_stall_ms (client), cancellable,
                    error))
        return FALSE;
      n = send (fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("cannot write to %s"),
                               pier_docker_client_get_uri (client));
      data += n;
      len -= n;
    }
  return TRUE;
}

/* One byte; 0 at the end of the stream. */
static gssize
read_byte (PierDockerClient *client, int fd, char *c, GCancellable *cancellable, GError **error)
{
  gssize n;

  while (TRUE)
    {
      if (!wait_fd (client, fd, POLLIN, pier_docker_client_get_stall_ms (client), cancellable,
                    error))
        return -1;
      n = recv (fd, c, 1, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        {
          pier_set_errno (error, errno, _("cannot read from %s"),
                          pier_docker_client_get_uri (client));
          return -1;
        }
      return n;
    }
}

static void
set_broken (PierDockerClient *client, PierDockerConnection *connection, GError **error)
{
  g_autofree char *said = pier_docker_connection_failure (connection);

  if (said != NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, "%s", said);
  else
    g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("%s closed the connection"),
                 pier_docker_client_get_uri (client));
}

/* The headers, up to the blank line; NULL when they are too long or the stream ends. */
static GString *
read_headers (PierDockerClient *client, PierDockerConnection *connection,
              GCancellable *cancellable, GError **error)
{
  int fd = pier_docker_connection_get_fd (connection);
  g_autoptr (GString) headers = g_string_new (NULL);

  while (!g_str_has_suffix (headers->str, "\r\n\r\n"))
    {
      char c;
      gssize n = read_byte (client, fd, &c, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        {
          set_broken (client, connection, error);
          return NULL;
        }
      if (c == '\0' || headers->len >= MAX_HEADERS)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("%s sent HTTP headers that are not text or longer than %u KiB: refused"),
                       pier_docker_client_get_uri (client), MAX_HEADERS / 1024);
          return NULL;
        }
      g_string_append_c (headers, c);
    }
  return g_steal_pointer (&headers);
}

/* An error reply's message: its body up to Content-Length (bounded), JSON or text. */
static void
set_reply_error (PierDockerClient *client, PierDockerConnection *connection, guint status,
                 const char *headers, GCancellable *cancellable, GError **error)
{
  const char *length = strcasestr (headers, "\r\nContent-Length:");
  gsize want = length != NULL ? g_ascii_strtoull (length + 17, NULL, 10) : 0;
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (json_t) json = NULL;
  g_autofree char *text = NULL;

  want = MIN (want, MAX_ERROR_BODY);
  while (body->len < want)
    {
      char c;
      if (read_byte (client, pier_docker_connection_get_fd (connection), &c, cancellable,
                     NULL) <= 0)
        break;
      g_string_append_c (body, c);
    }
  json = json_loadb (body->str, body->len, 0, NULL);
  if (json_is_string (json_object_get (json, "message")))
    text = g_strdup (json_string_value (json_object_get (json, "message")));
  else
    text = g_utf8_make_valid (g_strstrip (body->str), -1);
  g_set_error (error, PIER_ERROR,
               status == 404 ? PIER_ERROR_NOT_FOUND
               : status == 409 ? PIER_ERROR_IN_USE
               : PIER_ERROR_FAILED,
               _("%s: %s"), pier_docker_client_get_uri (client),
               *text ? text : _("the request was refused"));
}

PierDockerConnection *
pier_docker_client_hijack (PierDockerClient *client, const char *path, json_t *body,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr (PierDockerConnection) connection = NULL;
  g_autofree char *json = body != NULL ? json_dumps (body, JSON_COMPACT) : g_strdup ("");
  g_autofree char *request = NULL;
  g_autoptr (GString) headers = NULL;
  guint status;

  if (!pier_docker_client_ping (client, cancellable, error))
    return NULL;
  connection = pier_docker_endpoint_connect (pier_docker_client_get_endpoint (client),
                                             cancellable, error);
  if (connection == NULL)
    return NULL;
  request = g_strdup_printf ("POST /v%s%s HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n"
                             "Upgrade: tcp\r\nContent-Type: application/json\r\n"
                             "Content-Length: %zu\r\n\r\n%s",
                             PIER_DOCKER_API_VERSION, path, strlen (json), json);
  if (!write_all (client, pier_docker_connection_get_fd (connection), request, strlen (request),
                  cancellable, error))
    return NULL;
  if ((headers = read_headers (client, connection, cancellable, error)) == NULL)
    return NULL;
  if (!g_str_has_prefix (headers->str, "HTTP/1.") || headers->len < 12)
    {
      g_autofree char *start = g_utf8_make_valid (headers->str, MIN (headers->len, 40));
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s answered with what is not HTTP: “%s”"),
                   pier_docker_client_get_uri (client), start);
      return NULL;
    }
  status = (guint) g_ascii_strtoull (headers->str + 9, NULL, 10);
  if (status >= 300)
    {
      set_reply_error (client, connection, status, headers->str, cancellable, error);
      return NULL;
    }
  /* 101 switches to the stream; a 200 is one only when it says so (as Podman's may). */
  if (status != 101 &&
      (status != 200 || strcasestr (headers->str, "\r\nContent-Type: application/vnd.docker.") == NULL))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s answered %s with status %u, not a stream"),
                   pier_docker_client_get_uri (client), path, status);
      return NULL;
    }
  return g_steal_pointer (&connection);
}

/* ---- relaying ---- */

typedef struct {
  int out_fd, err_fd;
} Outputs;

static gboolean
write_out (int fd, const char *data, gsize len, GError **error)
{
  if (fd < 0)
    return TRUE;
  while (len > 0)
    {
      gssize n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd p = { .fd = fd, .events = POLLOUT };
          poll (&p, 1, -1);
          continue;
        }
      if (n < 0)
        return pier_set_errno (error, errno, _("cannot write the process's output"));
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
on_frame (int stream, const char *data, gsize len, gpointer user_data, GError **error)
{
  Outputs *outputs = user_data;

  return write_out (stream == 2 ? outputs->err_fd : outputs->out_fd, data, len, error);
}

gboolean
pier_docker_relay (PierDockerClient *client, PierDockerConnection *connection, gboolean tty,
                   int in_fd, int out_fd, int err_fd, GCancellable *cancellable, GError **error)
{
  int fd = pier_docker_connection_get_fd (connection);
  Outputs outputs = { out_fd, err_fd };
  PierDockerFrames frames;
  g_autofree char *buffer = g_malloc (RELAY_BUFFER);
  GPollFD cancel_fd = { .fd = -1 };
  gboolean ok = TRUE;

  pier_docker_frames_init (&frames, pier_docker_client_get_uri (client), on_frame, &outputs);
  if (cancellable != NULL)
    g_cancellable_make_pollfd (cancellable, &cancel_fd);
  while (ok)
    {
      struct pollfd fds[3] = { { .fd = fd, .events = POLLIN },
                               { .fd = in_fd, .events = POLLIN },
                               { .fd = cancel_fd.fd, .events = POLLIN } };
      gssize n;

      if (poll (fds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ok = pier_set_errno (error, errno, "poll");
          break;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (fds[1].revents != 0)
        {
          n = read (in_fd, buffer, RELAY_BUFFER);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            {
              /* The process reads the end of its input. */
              shutdown (fd, SHUT_WR);
              in_fd = -1;
            }
          else
            ok = write_all (client, fd, buffer, n, cancellable, error);
          continue;
        }
      if (fds[0].revents == 0)
        continue;
      n = recv (fd, buffer, RELAY_BUFFER, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0 && errno == ECONNRESET)
        n = 0;
      if (n < 0)
        ok = pier_set_errno (error, errno, _("cannot read from %s"),
                             pier_docker_client_get_uri (client));
      else if (n == 0)
        break;
      else if (tty)
        ok = write_out (out_fd, buffer, n, error);
      else
        ok = pier_docker_frames_feed (&frames, buffer, n, error);
    }
  if (cancel_fd.fd >= 0)
    g_cancellable_release_fd (cancellable);
  return ok;
}
