/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-docker-client.h"

#include "pier-curl.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADERS (64 * 1024)
#define MAX_ERROR_BODY (64 * 1024)
#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_STALL_MS 60000
#define POLL_MS 1000

struct _PierDockerClient {
  PierDockerEndpoint *endpoint;
  char *uri;
  guint connect_ms, stall_ms;
  GMutex lock;
  gboolean pinged, podman;
};

PierDockerClient *
pier_docker_client_new (const PierDockerEndpoint *endpoint)
{
  PierDockerClient *client = g_new0 (PierDockerClient, 1);

  client->endpoint = pier_docker_endpoint_copy (endpoint);
  client->uri = pier_docker_endpoint_to_uri (endpoint);
  client->connect_ms = DEFAULT_CONNECT_MS;
  client->stall_ms = DEFAULT_STALL_MS;
  g_mutex_init (&client->lock);
  return client;
}

void
pier_docker_client_free (PierDockerClient *client)
{
  if (client == NULL)
    return;
  pier_docker_endpoint_free (client->endpoint);
  g_free (client->uri);
  g_mutex_clear (&client->lock);
  g_free (client);
}

const PierDockerEndpoint *
pier_docker_client_get_endpoint (PierDockerClient *client)
{
  return client->endpoint;
}

const char *
pier_docker_client_get_uri (PierDockerClient *client)
{
  return client->uri;
}

void
pier_docker_client_set_timeouts (PierDockerClient *client, guint connect_ms, guint stall_ms)
{
  client->connect_ms = connect_ms;
  client->stall_ms = stall_ms;
}

guint
pier_docker_client_get_stall_ms (PierDockerClient *client)
{
  return client->stall_ms;
}

char *
pier_docker_escape (const char *text)
{
  return g_uri_escape_string (text, NULL, FALSE);
}

/* ---- one exchange ---- */

typedef struct {
  PierDockerClient *client;
  const PierDockerRequest *request;
  PierDockerConnection *connection; /* ssh: the process behind curl's stream */
  int listener;                     /* ssh: where curl connects, until it has */
  char listener_name[64];
  guint status;
  gsize header_bytes;
  gboolean podman;
  char *api_version;
  GByteArray *body;   /* collected: the reply, or an error reply's */
  gsize max_body;
  GError *error;      /* set by a callback that stopped the transfer */
  gint64 last_activity;
} Exchange;

static size_t
on_header (char *data, size_t size, size_t nitems, void *user_data)
{
  Exchange *x = user_data;
  gsize len = size * nitems;
  g_autofree char *line = NULL;
  char *colon;

  x->last_activity = g_get_monotonic_time ();
  x->header_bytes += len;
  if (x->header_bytes > MAX_HEADERS)
    {
      g_set_error (&x->error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s sent more than %u KiB of HTTP headers: refused"), x->client->uri,
                   MAX_HEADERS / 1024);
      return 0;
    }
  line = g_strndup (data, len);
  g_strchomp (line);
  if (g_str_has_prefix (line, "HTTP/"))
    {
      const char *space = strchr (line, ' ');
      x->status = space != NULL ? (guint) g_ascii_strtoull (space + 1, NULL, 10) : 0;
      return len;
    }
  colon = strchr (line, ':');
  /* The blank line that ends them. */
  if (*line == '\0' && x->status >= 200 && x->status < 300 && x->request->opened != NULL)
    x->request->opened (x->request->opened_data);
  if (colon == NULL)
    return len;
  *colon = '\0';
  g_strstrip (colon + 1);
  if (g_ascii_strcasecmp (line, "Libpod-API-Version") == 0)
    x->podman = TRUE;
  else if (g_ascii_strcasecmp (line, "Api-Version") == 0)
    {
      g_free (x->api_version);
      x->api_version = g_strdup (colon + 1);
    }
  else if (g_ascii_strcasecmp (line, "Content-Length") == 0 &&
           (x->status >= 400 || x->request->chunks == NULL) &&
           g_ascii_strtoull (colon + 1, NULL, 10) > x->max_body)
    {
      g_autofree char *claim = g_strndup (colon + 1, 32);
      g_set_error (&x->error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s announced a reply of %s bytes to %s, more than the %" G_GSIZE_FORMAT
                     " it may send: refused"),
                   x->client->uri, claim, x->request->path, x->max_body);
      return 0;
    }
  return len;
}

static size_t
on_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  Exchange *x = user_data;
  gsize len = size * nmemb;
  gsize limit = x->status >= 400 ? MAX_ERROR_BODY : x->max_body;

  x->last_activity = g_get_monotonic_time ();
  if (x->status < 300 && x->request->chunks != NULL)
    return x->request->chunks (data, len, x->request->chunks_data, &x->error) ? len : 0;
  if (x->body->len + len > limit)
    {
      if (x->status >= 400)
        return len; /* the start of an error says enough */
      g_set_error (&x->error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s sent more than %" G_GSIZE_FORMAT " bytes in reply to %s: refused"),
                   x->client->uri, limit, x->request->path);
      return 0;
    }
  g_byte_array_append (x->body, (const guint8 *) data, len);
  return len;
}

static size_t
on_read (char *buffer, size_t size, size_t nitems, void *user_data)
{
  Exchange *x = user_data;
  gssize n;

  x->last_activity = g_get_monotonic_time ();
  do
    n = read (x->request->body_fd, buffer, size * nitems);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      pier_set_errno (&x->error, errno, _("cannot read what to send to %s"), x->client->uri);
      return CURL_READFUNC_ABORT;
    }
  return n;
}

/* ssh endpoints: libcurl 7.88 ignores CURL_SOCKOPT_ALREADY_CONNECTED, so it is given a
 * listening socket of this process's own (abstract, a random name) to connect to; once it has,
 * the accepted end becomes ssh's stdin and stdout. */
static int
listen_private (char name[64], GError **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  g_snprintf (name, 64, "pier-docker-%d-%08x%08x", (int) getpid (), g_random_int (),
              g_random_int ());
  memcpy (address.sun_path + 1, name, strlen (name));
  if (fd < 0 ||
      bind (fd, (struct sockaddr *) &address,
            offsetof (struct sockaddr_un, sun_path) + 1 + strlen (name)) < 0 ||
      listen (fd, 1) < 0)
    {
      pier_set_errno (error, errno, _("cannot make a socket for ssh"));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

static int
on_connected (void *user_data, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
              int conn_local_port)
{
  Exchange *x = user_data;
  struct ucred peer;
  socklen_t len = sizeof peer;
  int stream = accept4 (x->listener, NULL, NULL, SOCK_CLOEXEC);

  (void) conn_primary_ip;
  (void) conn_local_ip;
  (void) conn_primary_port;
  (void) conn_local_port;
  close (x->listener);
  x->listener = -1;
  /* Only libcurl, in this process, may be the one that connected. */
  if (stream < 0 || getsockopt (stream, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 ||
      peer.pid != getpid ())
    {
      g_set_error (&x->error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("ssh to %s: the local end of the stream was not this process's"),
                   x->client->endpoint->host);
      if (stream >= 0)
        close (stream);
      return CURL_PREREQFUNC_ABORT;
    }
  x->connection = pier_docker_endpoint_connect_ssh_on (x->client->endpoint, stream, &x->error);
  return x->connection != NULL ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

static CURL *
new_easy (Exchange *x, const char *url, struct curl_slist *headers, char *curl_error)
{
  const PierDockerRequest *r = x->request;
  CURL *easy = curl_easy_init ();

  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (easy, CURLOPT_HEADERDATA, x);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, x);
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long) x->client->connect_ms);
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, r->method != NULL ? r->method : "GET");
  if (x->client->endpoint->kind == PIER_DOCKER_ENDPOINT_UNIX)
    curl_easy_setopt (easy, CURLOPT_UNIX_SOCKET_PATH, x->client->endpoint->socket_path);
  else
    {
      curl_easy_setopt (easy, CURLOPT_ABSTRACT_UNIX_SOCKET, x->listener_name);
      curl_easy_setopt (easy, CURLOPT_PREREQFUNCTION, on_connected);
      curl_easy_setopt (easy, CURLOPT_PREREQDATA, x);
      curl_easy_setopt (easy, CURLOPT_FORBID_REUSE, 1L);
    }
  return easy;
}

static void
set_reply_error (Exchange *x, GError **error)
{
  g_autofree char *text = NULL;
  const char *message = NULL;
  g_autoptr (GString) said = NULL;
  json_t *root = NULL;
  int code;

  if (x->body->len > 0)
    root = json_loadb ((const char *) x->body->data, x->body->len, 0, NULL);
  if (json_is_object (root) && json_is_string (json_object_get (root, "message")))
    message = json_string_value (json_object_get (root, "message"));
  if (message == NULL)
    {
      text = g_utf8_make_valid ((const char *) x->body->data, MIN (x->body->len, 512));
      message = g_strstrip (text);
    }
  said = g_string_new (message);
  code = x->status == 404 ? PIER_ERROR_NOT_FOUND
         : x->status == 409 ? PIER_ERROR_IN_USE
         : x->status == 400 ? PIER_ERROR_INVALID
         : x->status == 403 || x->status == 401 ? PIER_ERROR_PERMISSION
         : PIER_ERROR_FAILED;
  if (said->len == 0)
    g_string_printf (said, _("HTTP status %u"), x->status);
  g_set_error (error, PIER_ERROR, code, _("%s: %s"), x->client->uri, said->str);
  json_decref (root);
}

/* Runs @easy until it ends, the peer is silent too long, or @cancellable fires. */
static CURLcode
drive (Exchange *x, CURLM *multi, CURL *easy, GCancellable *cancellable, GError **error)
{
  GPollFD cancel_fd = { .fd = -1 };
  struct curl_waitfd extra[1];
  int running = 1;
  CURLcode result = CURLE_OK;
  CURLMsg *msg;
  int n_msgs;

  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &cancel_fd))
    {
      extra[0].fd = cancel_fd.fd;
      extra[0].events = CURL_WAIT_POLLIN;
      extra[0].revents = 0;
    }
  curl_multi_add_handle (multi, easy);
  x->last_activity = g_get_monotonic_time ();
  while (running)
    {
      CURLMcode code = curl_multi_perform (multi, &running);
      gint64 silent_ms;

      if (code != CURLM_OK)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, "%s: %s", x->client->uri,
                       curl_multi_strerror (code));
          result = CURLE_ABORTED_BY_CALLBACK;
          break;
        }
      if (!running)
        break;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          result = CURLE_ABORTED_BY_CALLBACK;
          break;
        }
      silent_ms = (g_get_monotonic_time () - x->last_activity) / 1000;
      if (!x->request->quiet_ok && silent_ms >= x->client->stall_ms)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("%s did not answer %s within %u seconds"), x->client->uri,
                       x->request->path, (x->client->stall_ms + 999) / 1000);
          result = CURLE_OPERATION_TIMEDOUT;
          break;
        }
      curl_multi_poll (multi, cancel_fd.fd >= 0 ? extra : NULL, cancel_fd.fd >= 0 ? 1 : 0,
                       x->request->quiet_ok ? POLL_MS
                                            : (int) MIN (POLL_MS, x->client->stall_ms - silent_ms),
                       NULL);
    }
  while (result == CURLE_OK && (msg = curl_multi_info_read (multi, &n_msgs)) != NULL)
    if (msg->msg == CURLMSG_DONE)
      result = msg->data.result;
  curl_multi_remove_handle (multi, easy);
  if (cancel_fd.fd >= 0)
    g_cancellable_release_fd (cancellable);
  return result;
}

static guint
exchange (PierDockerClient *client, const PierDockerRequest *request, const char *url,
          Exchange *x, GCancellable *cancellable, GError **error)
{
  struct curl_slist *headers = NULL;
  g_autofree char *json_text = NULL;
  g_autofree char *content_type = NULL;
  char curl_error[CURL_ERROR_SIZE] = "";
  CURLM *multi;
  CURL *easy;
  CURLcode result;
  GError *drive_error = NULL;

  x->listener = -1;
  if (!pier_curl_load (error))
    return 0;
  x->client = client;
  x->request = request;
  x->body = g_byte_array_new ();
  x->max_body = request->max_reply > 0 ? request->max_reply : PIER_DOCKER_MAX_REPLY;
  if (client->endpoint->kind == PIER_DOCKER_ENDPOINT_SSH &&
      (x->listener = listen_private (x->listener_name, error)) < 0)
    return 0;
  headers = curl_slist_append (headers, "Expect:");
  easy = new_easy (x, url, headers, curl_error);
  if (request->json != NULL)
    {
      json_text = json_dumps (request->json, JSON_COMPACT);
      headers = curl_slist_append (headers, "Content-Type: application/json");
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, json_text);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE, (long) strlen (json_text));
    }
  else if (request->body_fd >= 0)
    {
      content_type = g_strdup_printf ("Content-Type: %s", request->content_type);
      headers = curl_slist_append (headers, content_type);
      headers = curl_slist_append (headers, "Transfer-Encoding: chunked");
      curl_easy_setopt (easy, CURLOPT_POST, 1L);
      curl_easy_setopt (easy, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (easy, CURLOPT_READDATA, x);
    }
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, headers);
  if (request->method != NULL && request->json == NULL && request->body_fd < 0 &&
      strcmp (request->method, "POST") == 0)
    {
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE, 0L);
    }

  multi = pier_curl_multi_new ();
  result = drive (x, multi, easy, cancellable, &drive_error);
  curl_easy_cleanup (easy);
  curl_multi_cleanup (multi);
  curl_slist_free_all (headers);

  if (drive_error != NULL || x->error != NULL)
    {
      g_propagate_error (error, drive_error != NULL ? drive_error : g_steal_pointer (&x->error));
      return 0;
    }
  if (result != CURLE_OK)
    {
      g_autofree char *ssh_said =
          x->connection != NULL ? pier_docker_connection_failure (x->connection) : NULL;
      if (ssh_said != NULL)
        g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, "%s", ssh_said);
      else if (x->status == 0 && result == CURLE_COULDNT_CONNECT)
        g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("cannot connect to %s: %s"),
                     client->uri, *curl_error ? curl_error : curl_easy_strerror (result));
      else
        g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("%s broke off %s: %s"),
                     client->uri, request->path,
                     *curl_error ? curl_error : curl_easy_strerror (result));
      return 0;
    }
  if (x->status >= 400)
    {
      set_reply_error (x, error);
      return 0;
    }
  if (x->status < 200)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("%s answered %s with status %u"),
                   client->uri, request->path, x->status);
      return 0;
    }
  return x->status;
}

static void
exchange_clear (Exchange *x)
{
  if (x->listener >= 0)
    close (x->listener);
  pier_docker_connection_close (x->connection);
  g_free (x->api_version);
  if (x->body != NULL)
    g_byte_array_unref (x->body);
  g_clear_error (&x->error);
}

guint
pier_docker_client_send (PierDockerClient *client, const PierDockerRequest *request,
                         GBytes **body, GCancellable *cancellable, GError **error)
{
  g_autofree char *url = g_strdup_printf ("http://docker/v%s%s", PIER_DOCKER_API_VERSION,
                                          request->path);
  Exchange x = { 0 };
  guint status;

  if (!pier_docker_client_ping (client, cancellable, error))
    return 0;
  status = exchange (client, request, url, &x, cancellable, error);
  if (status != 0 && body != NULL)
    *body = g_byte_array_free_to_bytes (g_steal_pointer (&x.body));
  exchange_clear (&x);
  return status;
}

json_t *
pier_docker_client_json (PierDockerClient *client, const char *method, const char *path,
                         json_t *body, GCancellable *cancellable, GError **error)
{
  PierDockerRequest request = { .method = method, .path = path, .json = body, .body_fd = -1 };
  g_autoptr (GBytes) reply = NULL;
  json_error_t json_error;
  gsize len;
  const char *data;
  json_t *root;

  if (pier_docker_client_send (client, &request, &reply, cancellable, error) == 0)
    return NULL;
  data = g_bytes_get_data (reply, &len);
  if (len == 0)
    return json_null ();
  root = json_loadb (data, len, JSON_DECODE_ANY, &json_error);
  if (root == NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                 _("%s answered %s with what is not JSON: %s"), client->uri, path,
                 json_error.text);
  return root;
}

/* ---- the first call ---- */

gboolean
pier_docker_client_ping (PierDockerClient *client, GCancellable *cancellable, GError **error)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&client->lock);
  PierDockerRequest request = { .path = "/_ping", .body_fd = -1, .max_reply = 1024 };
  Exchange x = { 0 };
  guint status;
  gboolean podman;

  if (client->pinged)
    return TRUE;
  status = exchange (client, &request, "http://docker/_ping", &x, cancellable, error);
  podman = x.podman;
  if (status != 0 && x.api_version != NULL)
    {
      /* A version below Pier's is too old to speak it; above, it speaks Pier's too. */
      g_auto (GStrv) parts = g_strsplit (x.api_version, ".", 2);
      if (g_strv_length (parts) != 2 ||
          g_ascii_strtoull (parts[0], NULL, 10) * 1000 + g_ascii_strtoull (parts[1], NULL, 10)
              < 1041)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                       _("%s speaks the Docker Engine API %s; Pier needs %s or later"),
                       client->uri, x.api_version, PIER_DOCKER_API_VERSION);
          status = 0;
        }
    }
  else if (status != 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("%s answered /_ping without an API version: is it a Docker Engine API?"),
                   client->uri);
      status = 0;
    }
  exchange_clear (&x);
  if (status == 0)
    return FALSE;
  client->podman = podman;
  client->pinged = TRUE;
  return TRUE;
}

gboolean
pier_docker_client_is_podman (PierDockerClient *client)
{
  return client->podman;
}
