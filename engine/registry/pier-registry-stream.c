/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-stream-private.h"

#include "pier-error.h"
#include "pier-i18n.h"

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
#define MAX_IDLE_MULTIS 8
#define STALL_SECONDS 30

typedef enum {
  WAIT_HEADERS,
  WAIT_DATA,
} WaitFor;

/* ---- connections ---- */

static CURLM *
acquire_multi (PierRegistryClient *client)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&client->pool_lock);

  if (client->idle_multis->len > 0)
    return g_ptr_array_steal_index (client->idle_multis, client->idle_multis->len - 1);
  return pier_curl_multi_new ();
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
/* ---- transfers ---- */

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

PierRegistryStream *
pier_registry_stream_new (PierRegistryClient *client, PierRegistryHost *host, const char *method,
                          const char *url, GCancellable *cancellable)
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

gboolean
pier_registry_stream_open (PierRegistryStream *s, const char *authorization, guint64 range_from,
                           GError **error)
{
  start (s, authorization, range_from);
  if (!drive (s, WAIT_HEADERS, error))
    return FALSE;
  if (!s->headers_done)
    {
      set_transfer_error (s, error);
      return FALSE;
    }
  return TRUE;
}

PierRegistryStream *
pier_registry_stream_get (PierRegistryClient *client, PierRegistryHost *host, const char *url,
                          const char *authorization, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierRegistryStream) s = pier_registry_stream_new (client, host, "GET", url,
                                                               cancellable);

  if (!pier_registry_stream_open (s, authorization, 0, error))
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

  if (s->error == NULL && s->resumable && s->reopen != NULL && s->ranges_allowed &&
      s->resumes < MAX_RESUMES)
    {
      g_autoptr (GError) local = NULL;
      s->resumes++;
      if (s->reopen (s, s->received, &local))
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
