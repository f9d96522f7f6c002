#include "pier-registry-client.h"

#include "pier-curl.h"
#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-registry-auth.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Past this much unread body a transfer pauses until the reader catches up. */
#define MAX_BUFFERED (4 * 1024 * 1024)
#define RECEIVE_BUFFER_SIZE (256 * 1024)
#define MAX_RESUMES 5
#define MAX_ERROR_BODY (64 * 1024)
#define MAX_TOKEN_BODY (1024 * 1024)
#define MAX_IDLE_MULTIS 8
#define STALL_SECONDS 30

typedef struct {
  char *header; /* "Authorization: Bearer …" */
  gint64 expires; /* monotonic µs */
} Token;

typedef struct {
  char *name;        /* as references give it: "docker.io", "127.0.0.1:5000" */
  char *base;        /* "https://registry-1.docker.io" */
  gboolean insecure; /* unverified HTTPS, or plain HTTP */
  GBytes *ca_bundle; /* the system's CAs and the registry's own; NULL: the system's alone */
  char *challenge;   /* "bearer", "basic", or NULL when the registry wants no authentication */
  char *realm;
  char *service;
  GHashTable *credentials; /* repository ("" for none) → PierRegistryCredentials, or absent */
  GHashTable *tokens;      /* scope → Token */
} Host;

struct _PierRegistryClient {
  PierRegistryOptions *options;
  PierRegistryConfig *config;
  CURLSH *share;
  GMutex share_locks[CURL_LOCK_DATA_LAST];
  /* Hosts: set up (a first request to learn the scheme and challenge) and their tokens fetched
   * under it, so that parallel transfers do not all do it at once. */
  GMutex lock;
  GHashTable *hosts;
  /* Multi handles between transfers: each keeps its connections open for the next. One
   * transfer per handle at a time, so that any thread may drive it: libcurl does not share
   * connections between threads. */
  GMutex pool_lock;
  GPtrArray *idle_multis;
};

typedef enum {
  WAIT_HEADERS,
  WAIT_DATA,
} WaitFor;

struct _PierRegistryStream {
  PierRegistryClient *client;
  Host *host;
  char *url;
  const char *what; /* the URL without scheme and host, for messages */
  char *method;
  char *scope;
  char *accept;
  char *content_type;
  GBytes *body;
  gsize body_pos;
  PierReadFunc body_read;
  gpointer body_read_data;
  guint64 body_size;
  GError *body_error;
  guint64 expected_size;
  gboolean resumable;
  GCancellable *cancellable;
  int cancel_fd;

  CURLM *multi;
  CURL *easy;
  struct curl_slist *headers;
  char curl_error[CURL_ERROR_SIZE];

  /* The current attempt. */
  guint status;
  GHashTable *response_headers;
  gboolean headers_done;
  gboolean accept_body;
  gboolean done;
  CURLcode result;
  guint64 range_from;

  GByteArray *buffer;
  gsize buffer_pos;
  /* While a read waits: its own buffer, which the body fills directly, saving a copy. */
  guint8 *direct;
  gsize direct_size;
  gsize direct_len;
  gboolean paused;
  guint64 received;  /* body bytes taken in, over every attempt */
  guint resumes;
  gboolean ranges_allowed;
  GError *error;     /* once set, every read fails with it */
};

/* ---- options ---- */

PierRegistryOptions *
pier_registry_options_copy (const PierRegistryOptions *options)
{
  PierRegistryOptions *copy = g_new0 (PierRegistryOptions, 1);

  if (options == NULL)
    return copy;
  *copy = *options;
  copy->cert_dir = g_strdup (options->cert_dir);
  copy->auth_file = g_strdup (options->auth_file);
  copy->registries_conf = g_strdup (options->registries_conf);
  copy->username = g_strdup (options->username);
  copy->password = g_strdup (options->password);
  copy->platform = g_strdup (options->platform);
  return copy;
}

void
pier_registry_options_free (PierRegistryOptions *options)
{
  if (options == NULL)
    return;
  g_free ((char *) options->cert_dir);
  g_free ((char *) options->auth_file);
  g_free ((char *) options->registries_conf);
  g_free ((char *) options->username);
  if (options->password != NULL)
    memset ((char *) options->password, 0, strlen (options->password));
  g_free ((char *) options->password);
  g_free ((char *) options->platform);
  g_free (options);
}

/* ---- client ---- */

static void
token_free (Token *token)
{
  g_free (token->header);
  g_free (token);
}

static void
host_free (Host *host)
{
  g_free (host->name);
  g_free (host->base);
  g_clear_pointer (&host->ca_bundle, g_bytes_unref);
  g_free (host->challenge);
  g_free (host->realm);
  g_free (host->service);
  g_hash_table_unref (host->credentials);
  g_hash_table_unref (host->tokens);
  g_free (host);
}

static void
share_lock (CURL *handle, curl_lock_data data, curl_lock_access access, void *user_data)
{
  PierRegistryClient *client = user_data;
  g_mutex_lock (&client->share_locks[data]);
}

static void
share_unlock (CURL *handle, curl_lock_data data, void *user_data)
{
  PierRegistryClient *client = user_data;
  g_mutex_unlock (&client->share_locks[data]);
}

PierRegistryClient *
pier_registry_client_new (const PierRegistryOptions *options, GError **error)
{
  g_autoptr (PierRegistryClient) client = NULL;

  if (!pier_curl_load (error))
    return NULL;
  client = g_new0 (PierRegistryClient, 1);
  client->options = pier_registry_options_copy (options);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_init (&client->share_locks[i]);
  g_mutex_init (&client->lock);
  g_mutex_init (&client->pool_lock);
  client->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) host_free);
  client->idle_multis = g_ptr_array_new ();
  client->share = curl_share_init ();
  curl_share_setopt (client->share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt (client->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt (client->share, CURLSHOPT_USERDATA, client);
  curl_share_setopt (client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt (client->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (client->options->cert_dir != NULL &&
      !g_file_test (client->options->cert_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("certificate directory %s does not exist"), client->options->cert_dir);
      return NULL;
    }
  client->config = pier_registry_config_load (client->options->registries_conf, error);
  if (client->config == NULL)
    return NULL;
  return g_steal_pointer (&client);
}

void
pier_registry_client_free (PierRegistryClient *client)
{
  if (client == NULL)
    return;
  for (guint i = 0; i < client->idle_multis->len; i++)
    curl_multi_cleanup (client->idle_multis->pdata[i]);
  g_ptr_array_unref (client->idle_multis);
  g_hash_table_unref (client->hosts);
  if (client->share != NULL)
    curl_share_cleanup (client->share);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    g_mutex_clear (&client->share_locks[i]);
  g_mutex_clear (&client->lock);
  g_mutex_clear (&client->pool_lock);
  pier_registry_config_free (client->config);
  pier_registry_options_free (client->options);
  g_free (client);
}

const PierRegistryConfig *
pier_registry_client_get_config (PierRegistryClient *client)
{
  return client->config;
}

/* Descriptors of this process that a child would inherit. */
static GHashTable *
inheritable_fds (void)
{
  GHashTable *fds = g_hash_table_new (g_direct_hash, g_direct_equal);
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *de;

  while (dir != NULL && (de = readdir (dir)) != NULL)
    {
      int fd = atoi (de->d_name);
      int flags;
      if (de->d_name[0] == '.' || fd == dirfd (dir))
        continue;
      flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && !(flags & FD_CLOEXEC))
        g_hash_table_add (fds, GINT_TO_POINTER (fd));
    }
  if (dir != NULL)
    closedir (dir);
  return fds;
}

static CURLM *
new_multi (void)
{
  g_autoptr (GHashTable) before = inheritable_fds ();
  g_autoptr (GHashTable) after = NULL;
  CURLM *multi = curl_multi_init ();
  GHashTableIter iter;
  gpointer fd;

  /* libcurl 7.88 gives each multi handle a wakeup socketpair without close-on-exec; a
   * container's monitor started meanwhile must not inherit it. */
  after = inheritable_fds ();
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &fd, NULL))
    if (!g_hash_table_contains (before, fd))
      fcntl (GPOINTER_TO_INT (fd), F_SETFD, FD_CLOEXEC);
  return multi;
}

static CURLM *
acquire_multi (PierRegistryClient *client)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&client->pool_lock);

  if (client->idle_multis->len > 0)
    return g_ptr_array_steal_index (client->idle_multis, client->idle_multis->len - 1);
  return new_multi ();
}

static curl_socket_t
open_socket (void *user_data, curlsocktype purpose, struct curl_sockaddr *address)
{
  return socket (address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

static void
release_multi (PierRegistryClient *client, CURLM *multi)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&client->pool_lock);

  if (client->idle_multis->len < MAX_IDLE_MULTIS)
    g_ptr_array_add (client->idle_multis, multi);
  else
    curl_multi_cleanup (multi);
}

/* ---- challenges ---- */

gboolean
pier_registry_parse_challenge (const char *header, char **scheme, GHashTable **params)
{
  const char *p = header;
  const char *start;
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  while (g_ascii_isspace (*p))
    p++;
  start = p;
  while (*p != '\0' && !g_ascii_isspace (*p))
    p++;
  if (p == start)
    return FALSE;
  *scheme = g_ascii_strdown (start, p - start);
  for (;;)
    {
      g_autofree char *name = NULL;
      GString *value;

      while (g_ascii_isspace (*p) || *p == ',')
        p++;
      if (*p == '\0')
        break;
      start = p;
      while (*p != '\0' && *p != '=' && !g_ascii_isspace (*p) && *p != ',')
        p++;
      if (*p != '=')
        {
          g_clear_pointer (scheme, g_free);
          return FALSE;
        }
      name = g_ascii_strdown (start, p - start);
      p++;
      value = g_string_new (NULL);
      if (*p == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          if (*p != '"')
            {
              g_string_free (value, TRUE);
              g_clear_pointer (scheme, g_free);
              return FALSE;
            }
          p++;
        }
      else
        while (*p != '\0' && *p != ',' && !g_ascii_isspace (*p))
          g_string_append_c (value, *p++);
      g_hash_table_replace (out, g_steal_pointer (&name), g_string_free (value, FALSE));
    }
  *params = g_steal_pointer (&out);
  return TRUE;
}

static void
host_set_challenge (Host *host, const char *header)
{
  g_autofree char *scheme = NULL;
  g_autoptr (GHashTable) params = NULL;

  g_clear_pointer (&host->challenge, g_free);
  g_clear_pointer (&host->realm, g_free);
  g_clear_pointer (&host->service, g_free);
  if (header == NULL || !pier_registry_parse_challenge (header, &scheme, &params))
    return;
  host->challenge = g_steal_pointer (&scheme);
  host->realm = g_strdup (g_hash_table_lookup (params, "realm"));
  host->service = g_strdup (g_hash_table_lookup (params, "service"));
  g_debug ("%s asks for %s authentication (realm %s, service %s)", host->name, host->challenge,
           host->realm ? host->realm : "none", host->service ? host->service : "none");
}

/* ---- transfers ---- */

static const char *
api_host (const char *name)
{
  /* Docker Hub's API lives apart from the name people use for it. */
  return strcmp (name, "docker.io") == 0 ? "registry-1.docker.io" : name;
}

static size_t
on_header (char *data, size_t size, size_t nitems, void *user_data)
{
  PierRegistryStream *s = user_data;
  gsize len = size * nitems;
  g_autofree char *line = g_strndup (data, len);
  char *colon;

  g_strchomp (line);
  if (g_str_has_prefix (line, "HTTP/"))
    {
      const char *space = strchr (line, ' ');
      g_hash_table_remove_all (s->response_headers);
      s->status = space ? (guint) g_ascii_strtoull (space + 1, NULL, 10) : 0;
      return len;
    }
  if (*line == '\0')
    {
      gboolean redirect = s->status >= 300 && s->status < 400 && s->status != 304 &&
                          g_hash_table_contains (s->response_headers, "location");
      const char *content_range = g_hash_table_lookup (s->response_headers, "content-range");
      const char *content_length = g_hash_table_lookup (s->response_headers, "content-length");
      g_autofree char *wanted_range = g_strdup_printf ("bytes %" G_GUINT64_FORMAT "-",
                                                       s->range_from);

      if (s->status < 200 || redirect)
        return len;
      s->headers_done = TRUE;
      if (s->status == 206 ||
          (s->status == 200 &&
           g_strcmp0 (g_hash_table_lookup (s->response_headers, "accept-ranges"), "bytes") == 0))
        s->ranges_allowed = TRUE;
      if (s->status == 401)
        return len; /* answered by another attempt */
      if (s->range_from == 0 && s->status == 200 && s->expected_size > 0 && content_length != NULL &&
          g_ascii_strtoull (content_length, NULL, 10) != s->expected_size)
        {
          g_set_error (&s->error, PIER_ERROR, PIER_ERROR_CORRUPT,
                       _("%s offers %s bytes for %s, not the %" PRIu64 " its manifest "
                         "gives: refused"),
                       s->host->name, content_length, s->what, s->expected_size);
          return 0;
        }
      if (s->range_from == 0)
        s->accept_body = TRUE;
      else if (s->status == 206 && content_range != NULL &&
               g_str_has_prefix (content_range, wanted_range))
        s->accept_body = TRUE;
      else
        {
          g_set_error (&s->error, PIER_ERROR, PIER_ERROR_FAILED,
                       _("%s broke off a transfer and cannot continue it: asked for the rest "
                         "from byte %" PRIu64 ", it answered %u"),
                       s->host->name, s->range_from, s->status);
          return 0;
        }
      return len;
    }
  colon = strchr (line, ':');
  if (colon != NULL)
    {
      *colon = '\0';
      g_hash_table_replace (s->response_headers, g_ascii_strdown (line, -1),
                            g_strdup (g_strstrip (colon + 1)));
    }
  return len;
}

static size_t
on_write (char *data, size_t size, size_t nmemb, void *user_data)
{
  PierRegistryStream *s = user_data;
  gsize len = size * nmemb;

  s->headers_done = TRUE;
  if (!s->accept_body)
    return len;
  if (s->buffer->len - s->buffer_pos >= MAX_BUFFERED)
    {
      s->paused = TRUE;
      return CURL_WRITEFUNC_PAUSE;
    }
  if (s->expected_size > 0 && s->received + len > s->expected_size)
    {
      g_set_error (&s->error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s sent more than the %" PRIu64 " bytes of %s"), s->host->name,
                   s->expected_size, s->what);
      return 0;
    }
  s->received += len;
  if (s->direct != NULL && s->direct_len < s->direct_size)
    {
      gsize n = MIN (len, s->direct_size - s->direct_len);
      memcpy (s->direct + s->direct_len, data, n);
      s->direct_len += n;
      data += n;
      len -= n;
    }
  if (len > 0)
    {
      if (s->buffer_pos > 0)
        {
          g_byte_array_remove_range (s->buffer, 0, s->buffer_pos);
          s->buffer_pos = 0;
        }
      g_byte_array_append (s->buffer, (const guint8 *) data, len);
    }
  return size * nmemb;
}

static size_t
on_read (char *buffer, size_t size, size_t nitems, void *user_data)
{
  PierRegistryStream *s = user_data;
  gsize want = size * nitems;
  gssize n;

  if (s->body != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (s->body, &len);
      n = MIN (want, len - s->body_pos);
      memcpy (buffer, data + s->body_pos, n);
      s->body_pos += n;
      return n;
    }
  n = s->body_read (s->body_read_data, buffer, want, &s->body_error);
  return n < 0 ? CURL_READFUNC_ABORT : (size_t) n;
}

static void
clear_attempt (PierRegistryStream *s)
{
  if (s->easy != NULL)
    {
      curl_multi_remove_handle (s->multi, s->easy);
      curl_easy_cleanup (s->easy);
      s->easy = NULL;
    }
  g_clear_pointer (&s->headers, curl_slist_free_all);
  g_hash_table_remove_all (s->response_headers);
  s->status = 0;
  s->headers_done = s->accept_body = s->done = s->paused = FALSE;
  s->result = CURLE_OK;
  s->curl_error[0] = '\0';
  s->body_pos = 0;
}

static void
add_header (PierRegistryStream *s, const char *name, const char *value)
{
  g_autofree char *line = g_strconcat (name, ": ", value, NULL);
  s->headers = curl_slist_append (s->headers, line);
}

static void
start (PierRegistryStream *s, const char *authorization, guint64 range_from)
{
  CURL *e;

  clear_attempt (s);
  s->range_from = range_from;
  e = s->easy = curl_easy_init ();
  curl_easy_setopt (e, CURLOPT_URL, s->url);
  curl_easy_setopt (e, CURLOPT_SHARE, s->client->share);
  curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt (e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (e, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (e, CURLOPT_USERAGENT, "pier");
  curl_easy_setopt (e, CURLOPT_ERRORBUFFER, s->curl_error);
  curl_easy_setopt (e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (e, CURLOPT_HEADERDATA, s);
  curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt (e, CURLOPT_WRITEDATA, s);
  curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT, 30L);
  /* A stalled connection counts as dropped, and is resumed like one. */
  curl_easy_setopt (e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (e, CURLOPT_LOW_SPEED_TIME, (long) STALL_SECONDS);
  curl_easy_setopt (e, CURLOPT_BUFFERSIZE, (long) RECEIVE_BUFFER_SIZE);
  curl_easy_setopt (e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (e, CURLOPT_SSL_VERIFYPEER, s->host->insecure ? 0L : 1L);
  curl_easy_setopt (e, CURLOPT_SSL_VERIFYHOST, s->host->insecure ? 0L : 2L);
  if (s->host->ca_bundle != NULL)
    {
      struct curl_blob blob = { 0 };
      gsize len;
      blob.data = (void *) g_bytes_get_data (s->host->ca_bundle, &len);
      blob.len = len;
      blob.flags = CURL_BLOB_NOCOPY;
      curl_easy_setopt (e, CURLOPT_CAINFO_BLOB, &blob);
    }
  if (authorization != NULL)
    s->headers = curl_slist_append (s->headers, authorization);
  if (s->accept != NULL)
    add_header (s, "Accept", s->accept);
  if (s->content_type != NULL)
    add_header (s, "Content-Type", s->content_type);
  /* Bodies go at once: waiting for "100 Continue" only adds a round trip. */
  s->headers = curl_slist_append (s->headers, "Expect:");
  curl_easy_setopt (e, CURLOPT_HTTPHEADER, s->headers);
  if (strcmp (s->method, "HEAD") == 0)
    curl_easy_setopt (e, CURLOPT_NOBODY, 1L);
  else if (strcmp (s->method, "PUT") == 0 || strcmp (s->method, "PATCH") == 0)
    {
      curl_easy_setopt (e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (e, CURLOPT_CUSTOMREQUEST, s->method);
      curl_easy_setopt (e, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt (e, CURLOPT_READDATA, s);
      curl_easy_setopt (e, CURLOPT_INFILESIZE_LARGE,
                        (curl_off_t) (s->body ? g_bytes_get_size (s->body) : s->body_size));
    }
  else if (strcmp (s->method, "POST") == 0)
    {
      curl_easy_setopt (e, CURLOPT_POST, 1L);
      curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE_LARGE,
                        (curl_off_t) (s->body ? g_bytes_get_size (s->body) : 0));
      if (s->body != NULL)
        curl_easy_setopt (e, CURLOPT_POSTFIELDS, g_bytes_get_data (s->body, NULL));
    }
  else if (strcmp (s->method, "GET") != 0)
    curl_easy_setopt (e, CURLOPT_CUSTOMREQUEST, s->method);
  if (range_from > 0)
    {
      g_autofree char *range = g_strdup_printf ("%" G_GUINT64_FORMAT "-", range_from);
      curl_easy_setopt (e, CURLOPT_RANGE, range);
    }
  curl_multi_add_handle (s->multi, e);
}

/* A read returns once the caller's buffer holds RETURN_AFTER bytes (or is full), not at the
 * first bytes: on loopback every socket read brings only a few kilobytes, and a poll per few
 * kilobytes kept blobs at a third of the wire's speed. */
#define RETURN_AFTER (256 * 1024)

static gboolean
satisfied (PierRegistryStream *s, WaitFor wait)
{
  return wait == WAIT_HEADERS ? s->headers_done
                              : s->direct_len >= MIN (s->direct_size, RETURN_AFTER)
                                  || s->buffer->len > s->buffer_pos;
}

/* Runs the transfer until @wait is met or it ends; FALSE only for cancellation and libcurl's
 * own failures (a failed transfer is s->result). */
static gboolean
drive (PierRegistryStream *s, WaitFor wait, GError **error)
{
  while (!s->done && !satisfied (s, wait))
    {
      struct curl_waitfd cancel = { s->cancel_fd, CURL_WAIT_POLLIN, 0 };
      CURLMsg *msg;
      CURLMcode mc;
      int running = 0;
      int left;

      mc = curl_multi_perform (s->multi, &running);
      if (mc != CURLM_OK)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("talking to %s: %s"), s->host->name,
                       curl_multi_strerror (mc));
          return FALSE;
        }
      while ((msg = curl_multi_info_read (s->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->easy)
          {
            s->done = TRUE;
            s->result = msg->data.result;
          }
      if (s->done || satisfied (s, wait))
        break;
      mc = curl_multi_poll (s->multi, s->cancel_fd >= 0 ? &cancel : NULL,
                            s->cancel_fd >= 0 ? 1 : 0, 1000, NULL);
      if (g_cancellable_set_error_if_cancelled (s->cancellable, error))
        return FALSE;
      if (mc != CURLM_OK)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("talking to %s: %s"), s->host->name,
                       curl_multi_strerror (mc));
          return FALSE;
        }
    }
  return TRUE;
}

/* Why the attempt failed, in words that say what to do. */
static void
set_transfer_error (PierRegistryStream *s, GError **error)
{
  const char *detail = s->curl_error[0] ? s->curl_error : curl_easy_strerror (s->result);

  if (s->error != NULL)
    {
      g_propagate_error (error, g_error_copy (s->error));
      return;
    }
  if (s->body_error != NULL)
    {
      g_propagate_error (error, g_error_copy (s->body_error));
      return;
    }
  switch (s->result)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                   _("the certificate of %s is not trusted (%s): give its CA with --cert-dir, or "
                     "use --tls-verify=false"), s->host->name, detail);
      break;
    case CURLE_SSL_CONNECT_ERROR:
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("no TLS connection to %s (%s): if it is a plain-HTTP registry, mark it "
                     "insecure in the registries file or use --tls-verify=false"), s->host->name,
                   detail);
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("unknown registry %s (%s)"),
                   s->host->name, detail);
      break;
    case CURLE_COULDNT_CONNECT:
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("cannot connect to %s (%s)"),
                   s->host->name, detail);
      break;
    default:
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("talking to %s: %s"), s->host->name,
                   detail);
      break;
    }
}

static PierRegistryStream *
stream_new (PierRegistryClient *client, Host *host, const char *method, const char *url,
            GCancellable *cancellable)
{
  PierRegistryStream *s = g_new0 (PierRegistryStream, 1);

  s->client = client;
  s->host = host;
  s->method = g_strdup (method ? method : "GET");
  s->url = g_strdup (url);
  s->what = strstr (s->url, "://") ? strchr (strstr (s->url, "://") + 3, '/') : NULL;
  if (s->what == NULL)
    s->what = s->url;
  s->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  s->cancel_fd = cancellable ? g_cancellable_get_fd (cancellable) : -1;
  s->multi = acquire_multi (client);
  s->response_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  s->buffer = g_byte_array_new ();
  return s;
}

void
pier_registry_stream_free (PierRegistryStream *s)
{
  if (s == NULL)
    return;
  clear_attempt (s);
  release_multi (s->client, s->multi);
  if (s->cancel_fd >= 0)
    g_cancellable_release_fd (s->cancellable);
  g_clear_object (&s->cancellable);
  g_free (s->url);
  g_free (s->method);
  g_free (s->scope);
  g_free (s->accept);
  g_free (s->content_type);
  g_clear_pointer (&s->body, g_bytes_unref);
  g_clear_error (&s->body_error);
  g_clear_error (&s->error);
  g_hash_table_unref (s->response_headers);
  g_byte_array_unref (s->buffer);
  g_free (s);
}

/* One request without authentication, to its headers. */
static PierRegistryStream *
simple_request (PierRegistryClient *client, Host *host, const char *url,
                const char *authorization, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierRegistryStream) s = stream_new (client, host, "GET", url, cancellable);

  start (s, authorization, 0);
  if (!drive (s, WAIT_HEADERS, error))
    return NULL;
  if (!s->headers_done)
    {
      set_transfer_error (s, error);
      return NULL;
    }
  return g_steal_pointer (&s);
}

/* ---- hosts ---- */

static GBytes *
ca_bundle (PierRegistryClient *client, const char *name)
{
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) bundle = g_string_new (NULL);
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");
  gboolean extra = FALSE;

  if (client->options->cert_dir != NULL)
    g_ptr_array_add (dirs, g_strdup (client->options->cert_dir));
  else
    {
      g_ptr_array_add (dirs, g_build_filename ("/etc/containers/certs.d", name, NULL));
      g_ptr_array_add (dirs, g_build_filename ("/etc/docker/certs.d", name, NULL));
      g_ptr_array_add (dirs, xdg && *xdg ? g_build_filename (xdg, "containers", "certs.d", name, NULL)
                                         : g_build_filename (g_get_home_dir (), ".config",
                                                             "containers", "certs.d", name, NULL));
    }
  for (guint i = 0; i < dirs->len; i++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs->pdata[i], 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *entry;

      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (entry, ".crt"))
          g_ptr_array_add (names, g_build_filename (dirs->pdata[i], entry, NULL));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint n = 0; n < names->len; n++)
        {
          g_autofree char *pem = NULL;
          if (g_file_get_contents (names->pdata[n], &pem, NULL, NULL))
            {
              g_string_append_printf (bundle, "\n%s\n", pem);
              extra = TRUE;
            }
        }
    }
  if (!extra)
    return NULL;
  {
    /* The system's CAs stay trusted beside the registry's own. */
    CURL *probe = curl_easy_init ();
    char *system_path = NULL;
    g_autofree char *system_pem = NULL;
    if (curl_easy_getinfo (probe, CURLINFO_CAINFO, &system_path) == CURLE_OK &&
        system_path != NULL && g_file_get_contents (system_path, &system_pem, NULL, NULL))
      g_string_prepend (bundle, system_pem);
    curl_easy_cleanup (probe);
  }
  return g_string_free_to_bytes (g_steal_pointer (&bundle));
}

/* Learns how @host is reached (HTTPS, or plain HTTP for an insecure one that does not speak
 * TLS) and what authentication it asks for. */
static gboolean
probe_host (PierRegistryClient *client, Host *host, GCancellable *cancellable, GError **error)
{
  const char *schemes[] = { "https", host->insecure ? "http" : NULL };
  g_autoptr (GError) first_error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (schemes) && schemes[i] != NULL; i++)
    {
      g_autoptr (PierRegistryStream) s = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *url = NULL;

      g_free (host->base);
      host->base = g_strdup_printf ("%s://%s", schemes[i], api_host (host->name));
      url = g_strconcat (host->base, "/v2/", NULL);
      s = simple_request (client, host, url, NULL, cancellable, &local);
      if (s == NULL)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          if (first_error == NULL)
            first_error = g_steal_pointer (&local);
          continue;
        }
      g_debug ("%s answers GET /v2/ over %s with %u", host->name, schemes[i], s->status);
      if (s->status == 401)
        host_set_challenge (host, g_hash_table_lookup (s->response_headers, "www-authenticate"));
      else if (s->status != 200)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("%s does not serve the registry API: GET %s answered %u"), host->name, url,
                       s->status);
          return FALSE;
        }
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&first_error));
  return FALSE;
}

static Host *
get_host (PierRegistryClient *client, const char *name, GCancellable *cancellable,
          GError **error)
{
  Host *host = g_hash_table_lookup (client->hosts, name);

  if (host != NULL)
    return host;
  host = g_new0 (Host, 1);
  host->name = g_strdup (name);
  host->credentials = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) pier_registry_credentials_free);
  host->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) token_free);
  switch (client->options->tls)
    {
    case PIER_REGISTRY_TLS_NO_VERIFY:
      host->insecure = TRUE;
      break;
    case PIER_REGISTRY_TLS_VERIFY:
      host->insecure = FALSE;
      break;
    case PIER_REGISTRY_TLS_DEFAULT:
      host->insecure = pier_registry_config_is_insecure (client->config, name);
      break;
    }
  host->ca_bundle = ca_bundle (client, name);
  if (!probe_host (client, host, cancellable, error))
    {
      host_free (host);
      return NULL;
    }
  g_hash_table_insert (client->hosts, host->name, host);
  return host;
}

/* The repository of the first "repository:NAME:ACTIONS" scope, or NULL. */
static char *
scope_repository (const char *scope)
{
  g_auto (GStrv) parts = NULL;

  if (scope == NULL || !g_str_has_prefix (scope, "repository:"))
    return NULL;
  parts = g_strsplit (scope + strlen ("repository:"), " ", 2);
  {
    char *colon = strrchr (parts[0], ':');
    return colon ? g_strndup (parts[0], colon - parts[0]) : g_strdup (parts[0]);
  }
}

static const PierRegistryCredentials *
host_credentials (PierRegistryClient *client, Host *host, const char *scope, GError **error)
{
  g_autofree char *repository = scope_repository (scope);
  const char *key = repository ? repository : "";
  PierRegistryCredentials *creds;

  if (g_hash_table_lookup_extended (host->credentials, key, NULL, (gpointer *) &creds))
    return creds;
  if (client->options->username != NULL)
    {
      creds = g_new0 (PierRegistryCredentials, 1);
      creds->username = g_strdup (client->options->username);
      creds->password = g_strdup (client->options->password ? client->options->password : "");
    }
  else
    {
      g_autoptr (GError) local = NULL;
      creds = pier_registry_auth_lookup (client->options->auth_file, host->name, repository,
                                         &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  g_hash_table_insert (host->credentials, g_strdup (key), creds);
  return creds;
}

static char *
basic_header (const PierRegistryCredentials *creds)
{
  g_autofree char *pair = g_strconcat (creds->username, ":", creds->password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) pair, strlen (pair));

  return g_strconcat ("Authorization: Basic ", encoded, NULL);
}

static char *
creds_origin (const PierRegistryCredentials *creds)
{
  return creds->source ? g_strdup_printf ("from %s", creds->source) : g_strdup ("given with the command");
}

static Token *
fetch_token (PierRegistryClient *client, Host *host, const char *scope,
             const PierRegistryCredentials *creds, GCancellable *cancellable, GError **error)
{
  g_autoptr (GString) url = g_string_new (host->realm);
  g_autoptr (PierRegistryStream) s = NULL;
  g_autofree char *authorization = creds ? basic_header (creds) : NULL;
  g_autoptr (GBytes) body = NULL;
  json_t *root;
  const char *text;
  json_int_t expires_in;
  char sep = strchr (host->realm, '?') ? '&' : '?';
  Token *token;

  if (host->service != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (host->service, NULL, FALSE);
      g_string_append_printf (url, "%cservice=%s", sep, escaped);
      sep = '&';
    }
  if (scope != NULL)
    {
      g_auto (GStrv) scopes = g_strsplit (scope, " ", -1);
      for (char **sc = scopes; *sc; sc++)
        {
          g_autofree char *escaped = g_uri_escape_string (*sc, NULL, FALSE);
          g_string_append_printf (url, "%cscope=%s", sep, escaped);
          sep = '&';
        }
    }
  s = simple_request (client, host, url->str, authorization, cancellable, error);
  if (s == NULL)
    {
      g_prefix_error (error, _("getting a token from %s: "), host->realm);
      return NULL;
    }
  if (s->status == 401 || s->status == 403)
    {
      if (creds != NULL)
        {
          g_autofree char *origin = creds_origin (creds);
          g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                       _("%s refused the credentials of %s (%s)"), host->name, creds->username,
                       origin);
        }
      else
        g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                     _("%s gives no anonymous access: log in with “pierctl login %s”"), host->name,
                     host->name);
      return NULL;
    }
  if (s->status != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("getting a token from %s"), host->realm);
      return NULL;
    }
  body = pier_registry_stream_read_all (s, MAX_TOKEN_BODY, error);
  if (body == NULL)
    return NULL;
  root = json_loadb (g_bytes_get_data (body, NULL), g_bytes_get_size (body), 0, NULL);
  text = json_string_value (json_object_get (root, "token"));
  if (text == NULL)
    text = json_string_value (json_object_get (root, "access_token"));
  if (text == NULL)
    {
      json_decref (root);
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the token service %s answered without a token"), host->realm);
      return NULL;
    }
  /* The distribution spec's default lifetime is a minute; renew a little early. */
  expires_in = json_integer_value (json_object_get (root, "expires_in"));
  if (expires_in <= 0)
    expires_in = 60;
  token = g_new0 (Token, 1);
  token->header = g_strconcat ("Authorization: Bearer ", text, NULL);
  token->expires = g_get_monotonic_time () + MAX (expires_in - 10, 5) * G_USEC_PER_SEC;
  g_debug ("%s: token for scope “%s” valid for %" G_GINT64_FORMAT " s", host->name,
           scope ? scope : "", (gint64) expires_in);
  json_decref (root);
  return token;
}

/* The Authorization header for a request to @host with @scope; NULL (and no error) for none. */
static gboolean
authorization (PierRegistryClient *client, Host *host, const char *scope, char **header,
               GCancellable *cancellable, GError **error)
{
  const PierRegistryCredentials *creds;
  g_autoptr (GError) local = NULL;
  Token *token;
  const char *key = scope ? scope : "";

  *header = NULL;
  if (host->challenge == NULL)
    return TRUE;
  creds = host_credentials (client, host, scope, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (strcmp (host->challenge, "basic") == 0)
    {
      *header = creds ? basic_header (creds) : NULL;
      return TRUE;
    }
  if (strcmp (host->challenge, "bearer") != 0 || host->realm == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_UNSUPPORTED,
                   _("%s asks for “%s” authentication, which Pier does not speak"), host->name,
                   host->challenge);
      return FALSE;
    }
  token = g_hash_table_lookup (host->tokens, key);
  if (token == NULL || token->expires < g_get_monotonic_time ())
    {
      g_debug ("%s: fetching a token for scope “%s” from %s, %s", host->name, key, host->realm,
               creds ? "with credentials" : "anonymously");
      token = fetch_token (client, host, scope, creds, cancellable, error);
      if (token == NULL)
        return FALSE;
      g_hash_table_replace (host->tokens, g_strdup (key), token);
    }
  *header = g_strdup (token->header);
  return TRUE;
}

static void
set_refused (PierRegistryClient *client, Host *host, const char *scope, GError **error)
{
  const PierRegistryCredentials *creds = host_credentials (client, host, scope, NULL);
  g_autofree char *repository = scope_repository (scope);
  g_autofree char *origin = creds ? creds_origin (creds) : NULL;

  if (creds != NULL && g_strcmp0 (host->challenge, "basic") == 0)
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                 _("%s refused the credentials of %s (%s)"), host->name, creds->username, origin);
  else if (creds != NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION, _("%s denied %s access to %s"),
                 host->name, creds->username, repository ? repository : "its API");
  else if (repository != NULL)
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                 _("%s denied access to %s: it needs a login (“pierctl login %s”), or the "
                   "repository does not exist"), host->name, repository, host->name);
  else
    g_set_error (error, PIER_ERROR, PIER_ERROR_PERMISSION,
                 _("%s needs a login: run “pierctl login %s”"), host->name, host->name);
}

/* Starts an attempt from byte @range_from of the body and waits for its headers, answering
 * one 401. */
static gboolean
open_attempt (PierRegistryStream *s, guint64 range_from, GError **error)
{
  PierRegistryClient *client = s->client;

  for (int round = 0;; round++)
    {
      g_autofree char *auth = NULL;
      gboolean ok;

      g_mutex_lock (&client->lock);
      ok = authorization (client, s->host, s->scope, &auth, s->cancellable, error);
      g_mutex_unlock (&client->lock);
      if (!ok)
        return FALSE;
      start (s, auth, range_from);
      if (!drive (s, WAIT_HEADERS, error))
        return FALSE;
      if (!s->headers_done)
        {
          set_transfer_error (s, error);
          return FALSE;
        }
      if (s->status != 401)
        return TRUE;
      g_mutex_lock (&client->lock);
      if (round > 0 || s->body_read != NULL)
        {
          set_refused (client, s->host, s->scope, error);
          g_mutex_unlock (&client->lock);
          return FALSE;
        }
      /* A token that expired, or a registry whose challenge changed: ask again. */
      host_set_challenge (s->host, g_hash_table_lookup (s->response_headers, "www-authenticate"));
      g_hash_table_remove (s->host->tokens, s->scope ? s->scope : "");
      g_mutex_unlock (&client->lock);
    }
}

PierRegistryStream *
pier_registry_client_send (PierRegistryClient *client, const PierRegistryRequest *request,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr (PierRegistryStream) s = NULL;
  g_autofree char *url = NULL;
  Host *host;

  g_mutex_lock (&client->lock);
  host = get_host (client, request->host, cancellable, error);
  g_mutex_unlock (&client->lock);
  if (host == NULL)
    return NULL;
  url = strstr (request->path, "://") ? g_strdup (request->path)
                                      : g_strconcat (host->base, request->path, NULL);
  s = stream_new (client, host, request->method, url, cancellable);
  s->scope = g_strdup (request->scope);
  s->accept = g_strdup (request->accept);
  s->content_type = g_strdup (request->content_type);
  s->body = request->body ? g_bytes_ref (request->body) : NULL;
  s->body_read = request->body_read;
  s->body_read_data = request->body_read_data;
  s->body_size = request->body_size;
  s->expected_size = request->expected_size;
  s->resumable = request->resumable;
  if (!open_attempt (s, 0, error))
    return NULL;
  return g_steal_pointer (&s);
}

guint
pier_registry_stream_get_status (PierRegistryStream *s)
{
  return s->status;
}

const char *
pier_registry_stream_get_header (PierRegistryStream *s, const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (s->response_headers, lower);
}

/* After a transfer ended short: continue it from where it broke, or say why not. */
static gboolean
resume_or_fail (PierRegistryStream *s, GError **error)
{
  g_autofree char *how = NULL;

  if (s->error == NULL && s->resumable && s->ranges_allowed && s->resumes < MAX_RESUMES)
    {
      g_autoptr (GError) local = NULL;
      s->resumes++;
      if (open_attempt (s, s->received, &local))
        {
          if (s->status == 206)
            return TRUE;
          if (s->error == NULL)
            g_set_error (&s->error, PIER_ERROR, PIER_ERROR_FAILED,
                         _("%s broke off a transfer and cannot continue it: asked for the rest "
                           "from byte %" PRIu64 ", it answered %u"),
                         s->host->name, s->received, s->status);
        }
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      else if (s->error == NULL)
        s->error = g_steal_pointer (&local);
    }
  if (s->error == NULL)
    {
      how = s->result != CURLE_OK
                ? g_strdup (s->curl_error[0] ? s->curl_error : curl_easy_strerror (s->result))
                : g_strdup ("the connection closed early");
      g_set_error (&s->error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("the transfer of %s from %s broke off after %" PRIu64 " of %"
                     PRIu64 " bytes (%s)%s"), s->what, s->host->name, s->received,
                   s->expected_size, how,
                   s->resumable && !s->ranges_allowed ? "; the registry does not allow resuming"
                                                      : "");
    }
  g_propagate_error (error, g_error_copy (s->error));
  return FALSE;
}

gssize
pier_registry_stream_read (gpointer stream, void *buffer, gsize size, GError **error)
{
  PierRegistryStream *s = stream;
  g_autoptr (GError) local = NULL;

  for (;;)
    {
      gsize available = s->buffer->len - s->buffer_pos;

      if (available > 0)
        {
          gsize n = MIN (size, available);
          memcpy (buffer, s->buffer->data + s->buffer_pos, n);
          s->buffer_pos += n;
          return n;
        }
      if (s->error != NULL)
        {
          g_propagate_error (error, g_error_copy (s->error));
          return -1;
        }
      if (s->paused)
        {
          s->paused = FALSE;
          curl_easy_pause (s->easy, CURLPAUSE_CONT);
          continue;
        }
      if (s->done)
        {
          gboolean whole = s->expected_size == 0 || s->received == s->expected_size;
          if (s->result == CURLE_OK && whole)
            return 0;
          if (s->result != CURLE_OK && s->body_error != NULL)
            {
              g_propagate_error (error, g_error_copy (s->body_error));
              return -1;
            }
          if (!resume_or_fail (s, error))
            return -1;
          continue;
        }
      s->direct = buffer;
      s->direct_size = size;
      s->direct_len = 0;
      if (!drive (s, WAIT_DATA, &local))
        {
          s->direct = NULL;
          if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            s->error = g_error_copy (local);
          g_propagate_error (error, g_steal_pointer (&local));
          return -1;
        }
      s->direct = NULL;
      if (s->direct_len > 0)
        return s->direct_len;
    }
}

GBytes *
pier_registry_stream_read_all (PierRegistryStream *s, gsize max_size, GError **error)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 chunk[16384];
  gssize n;

  while ((n = pier_registry_stream_read (s, chunk, sizeof chunk, error)) > 0)
    {
      if (out->len + (gsize) n > max_size)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("%s sent more than the %zu bytes expected from %s"),
                       s->host->name, max_size, s->what);
          return NULL;
        }
      g_byte_array_append (out, chunk, n);
    }
  if (n < 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

void
pier_registry_stream_set_error (PierRegistryStream *s, char **code, GError **error,
                                const char *what_format, ...)
{
  g_autoptr (GBytes) body = pier_registry_stream_read_all (s, MAX_ERROR_BODY, NULL);
  g_autofree char *what = NULL;
  g_autofree char *detail = NULL;
  const char *first_code = NULL;
  json_t *root = NULL;
  PierErrorCode pier_code;
  va_list args;

  va_start (args, what_format);
  what = g_strdup_vprintf (what_format, args);
  va_end (args);
  if (body != NULL)
    root = json_loadb (g_bytes_get_data (body, NULL), g_bytes_get_size (body), 0, NULL);
  if (root != NULL)
    {
      json_t *first = json_array_get (json_object_get (root, "errors"), 0);
      const char *message = json_string_value (json_object_get (first, "message"));
      first_code = json_string_value (json_object_get (first, "code"));
      if (first_code != NULL || message != NULL)
        detail = g_strdup_printf (" (%s%s%s)", first_code ? first_code : "",
                                  first_code && message ? ": " : "", message ? message : "");
    }
  else if (body != NULL && g_bytes_get_size (body) > 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL),
                                         MIN (g_bytes_get_size (body), 200));
      char *newline = strchr (text, '\n');
      if (newline != NULL)
        *newline = '\0';
      if (g_utf8_validate (text, -1, NULL) && *g_strstrip (text) != '\0')
        detail = g_strdup_printf (" (%s)", text);
    }
  if (code != NULL)
    *code = g_strdup (first_code);
  switch (s->status)
    {
    case 404:
      pier_code = PIER_ERROR_NOT_FOUND;
      break;
    case 401:
    case 403:
      pier_code = PIER_ERROR_PERMISSION;
      break;
    default:
      pier_code = s->status >= 400 && s->status < 500 ? PIER_ERROR_INVALID : PIER_ERROR_FAILED;
      break;
    }
  g_set_error (error, PIER_ERROR, pier_code, _("%s: %s answered %u%s"), what, s->host->name,
               s->status, detail ? detail : "");
  json_decref (root);
}

char *
pier_registry_stream_resolve_location (PierRegistryStream *s)
{
  const char *location = pier_registry_stream_get_header (s, "location");
  char *effective = NULL;

  if (location == NULL)
    return NULL;
  curl_easy_getinfo (s->easy, CURLINFO_EFFECTIVE_URL, &effective);
  return g_uri_resolve_relative (effective ? effective : s->url, location, G_URI_FLAGS_NONE,
                                 NULL);
}

gboolean
pier_registry_client_check_login (PierRegistryClient *client, const char *host,
                                  GCancellable *cancellable, GError **error)
{
  PierRegistryRequest request = { .host = host, .path = "/v2/" };
  g_autoptr (PierRegistryStream) s = pier_registry_client_send (client, &request, cancellable,
                                                                error);

  if (s == NULL)
    return FALSE;
  if (s->status != 200)
    {
      pier_registry_stream_set_error (s, NULL, error, _("logging in"));
      return FALSE;
    }
  return TRUE;
}
