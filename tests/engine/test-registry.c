/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registry client: its files (registries.conf, auth.json), challenges, and pulls from a
 * registry served here on 127.0.0.1 that misbehaves on purpose (dropped connections, wrong
 * digests, tokens, stalls). Pulls and pushes against a real registry are in
 * tests/cli/test-registry*.sh. */
#include "test-support.h"

#include "pier-blob-store.h"
#include "pier-digest.h"
#include "pier-error.h"
#include "pier-image-store.h"
#include "pier-registry-auth.h"
#include "pier-registry-client.h"
#include "pier-registry-config.h"
#include "pier-registry-pull.h"
#include "pier-registry-push.h"
#include "pier-store-open.h"
#include "pier-tar-writer-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a registry that misbehaves on request ---- */

typedef struct {
  char *content_type;
  GBytes *body;
  char *claimed_digest; /* the Docker-Content-Digest sent with it; NULL: the body's own */
} Route;

typedef struct {
  int listen_fd;
  int stop_pipe[2];
  char *host; /* "127.0.0.1:PORT" */
  GThread *thread;
  GMutex lock;
  GCond changed;
  guint connections;
  GHashTable *routes; /* path → Route */

  gboolean truncate_blobs_once; /* a blob's first GET stops halfway */
  gboolean no_ranges;
  gboolean bearer;              /* token authentication, for tester:secret */
  gboolean stall_blobs;         /* blobs start, then nothing comes */
  guint blob_delay_ms;
  GHashTable *corrupt;          /* path → replacement body (same Content-Length lies) */

  guint range_requests;
  guint token_requests;
  guint active_blobs;
  guint max_active_blobs;
  GHashTable *truncated;
  GPtrArray *requests;          /* "GET /v2/…" */
} Fake;

static void
route_free (Route *route)
{
  g_free (route->content_type);
  g_bytes_unref (route->body);
  g_free (route->claimed_digest);
  g_free (route);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Route, route_free)

static void
fake_route (Fake *fake, const char *path, const char *content_type, GBytes *body)
{
  Route *route = g_new0 (Route, 1);

  route->content_type = g_strdup (content_type);
  route->body = g_bytes_ref (body);
  g_mutex_lock (&fake->lock);
  g_hash_table_replace (fake->routes, g_strdup (path), route);
  g_mutex_unlock (&fake->lock);
}

/* A copy: uploads replace routes while other connections read them. */
static Route *
fake_lookup (Fake *fake, const char *path)
{
  Route *found, *copy = NULL;

  g_mutex_lock (&fake->lock);
  found = g_hash_table_lookup (fake->routes, path);
  if (found != NULL)
    {
      copy = g_new0 (Route, 1);
      copy->content_type = g_strdup (found->content_type);
      copy->body = g_bytes_ref (found->body);
      copy->claimed_digest = g_strdup (found->claimed_digest);
    }
  g_mutex_unlock (&fake->lock);
  return copy;
}

static void
send_all (int fd, const void *data, gsize len)
{
  const char *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      p += n;
      len -= n;
    }
}

static void
respond (int fd, int status, const char *extra_headers, const char *content_type,
         const void *body, gsize len, gsize announced)
{
  g_autofree char *head = g_strdup_printf (
      "HTTP/1.1 %d X\r\nContent-Length: %" G_GSIZE_FORMAT "\r\nContent-Type: %s\r\n"
      "Connection: close\r\n%s\r\n",
      status, announced, content_type ? content_type : "application/json",
      extra_headers ? extra_headers : "");

  send_all (fd, head, strlen (head));
  send_all (fd, body, len);
}

static void
respond_json (int fd, int status, const char *extra_headers, const char *json)
{
  respond (fd, status, extra_headers, "application/json", json, strlen (json), strlen (json));
}

/* Blocks until the client goes away or the server stops. */
static void
stall (Fake *fake, int fd)
{
  struct pollfd fds[2] = { { fd, POLLIN, 0 }, { fake->stop_pipe[0], POLLIN, 0 } };
  char buf[256];

  while (poll (fds, 2, -1) > 0)
    {
      if (fds[1].revents)
        return;
      if (fds[0].revents && recv (fd, buf, sizeof buf, 0) <= 0)
        return;
    }
}

static void
serve_blob (Fake *fake, int fd, const char *path, Route *route, GHashTable *headers)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (route->body, &len);
  const char *range = g_hash_table_lookup (headers, "range");
  GBytes *corrupt = g_hash_table_lookup (fake->corrupt, path);
  const char *ranges = fake->no_ranges ? "" : "Accept-Ranges: bytes\r\n";
  gboolean first;

  g_mutex_lock (&fake->lock);
  fake->active_blobs++;
  fake->max_active_blobs = MAX (fake->max_active_blobs, fake->active_blobs);
  first = g_hash_table_add (fake->truncated, g_strdup (path));
  if (range != NULL && !fake->no_ranges)
    fake->range_requests++;
  g_mutex_unlock (&fake->lock);
  if (fake->blob_delay_ms > 0)
    g_usleep (fake->blob_delay_ms * 1000);
  if (corrupt != NULL)
    {
      gsize corrupt_len;
      const void *corrupt_data = g_bytes_get_data (corrupt, &corrupt_len);
      respond (fd, 200, ranges, "application/octet-stream", corrupt_data, corrupt_len, corrupt_len);
    }
  else if (fake->stall_blobs)
    {
      respond (fd, 200, ranges, "application/octet-stream", data, len / 4, len);
      stall (fake, fd);
    }
  else if (range != NULL && !fake->no_ranges && g_str_has_prefix (range, "bytes="))
    {
      gsize from = g_ascii_strtoull (range + strlen ("bytes="), NULL, 10);
      g_autofree char *content_range = g_strdup_printf (
          "Content-Range: bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT "\r\n",
          from, len - 1, len);
      respond (fd, 206, content_range, "application/octet-stream", data + from, len - from,
               len - from);
    }
  else if (fake->truncate_blobs_once && first)
    respond (fd, 200, ranges, "application/octet-stream", data, len / 2, len);
  else
    respond (fd, 200, ranges, "application/octet-stream", data, len, len);
  g_mutex_lock (&fake->lock);
  fake->active_blobs--;
  g_mutex_unlock (&fake->lock);
}

static gboolean
authorized (Fake *fake, int fd, GHashTable *headers, const char *path)
{
  g_autofree char *challenge = NULL;

  if (!fake->bearer || g_strcmp0 (g_hash_table_lookup (headers, "authorization"), "Bearer good") == 0)
    return TRUE;
  challenge = g_strdup_printf ("WWW-Authenticate: Bearer realm=\"http://%s/token\",service=\"fake\"\r\n",
                               fake->host);
  respond_json (fd, 401, challenge, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
  return FALSE;
}

static void
serve_token (Fake *fake, int fd, GHashTable *headers)
{
  g_autofree char *good = g_base64_encode ((const guchar *) "tester:secret", 13);
  g_autofree char *expected = g_strconcat ("Basic ", good, NULL);
  const char *given = g_hash_table_lookup (headers, "authorization");

  g_mutex_lock (&fake->lock);
  fake->token_requests++;
  g_mutex_unlock (&fake->lock);
  if (given == NULL)
    respond_json (fd, 200, NULL, "{\"token\":\"anonymous\"}");
  else if (strcmp (given, expected) == 0)
    respond_json (fd, 200, NULL, "{\"token\":\"good\",\"expires_in\":300}");
  else
    respond_json (fd, 401, NULL, "{\"details\":\"incorrect username or password\"}");
}

/* Uploads (POST, then one PUT with the whole blob) and manifests, as a registry takes them. */
static void
receive (Fake *fake, int fd, const char *method, const char *path, GHashTable *headers,
         GByteArray *body)
{
  g_autofree char *digest = pier_digest_data (body->data, body->len);
  g_autoptr (GBytes) bytes = g_bytes_new (body->data, body->len);
  g_autofree char *target = NULL;
  g_autofree char *extra = NULL;

  if (strcmp (method, "POST") == 0 && g_str_has_suffix (path, "/blobs/uploads/"))
    {
      g_autofree char *repo = g_strndup (path + strlen ("/v2/"),
                                         strlen (path) - strlen ("/v2/") - strlen ("/blobs/uploads/"));
      /* Relative, as the distribution server gives it: the client resolves it. */
      extra = g_strdup_printf ("Location: /upload/%s?_state=x\r\n", repo);
      respond (fd, 202, extra, NULL, NULL, 0, 0);
      return;
    }
  if (g_str_has_prefix (path, "/upload/") && strstr (path, "&digest=") != NULL)
    {
      const char *given = strstr (path, "&digest=") + strlen ("&digest=");
      g_autofree char *repo = g_strndup (path + strlen ("/upload/"), strcspn (path + strlen ("/upload/"), "?"));
      g_autofree char *unescaped = g_uri_unescape_string (given, NULL);
      if (strcmp (unescaped, digest) != 0)
        {
          respond_json (fd, 400, NULL, "{\"errors\":[{\"code\":\"DIGEST_INVALID\"}]}");
          return;
        }
      target = g_strdup_printf ("/v2/%s/blobs/%s", repo, digest);
      fake_route (fake, target, "application/octet-stream", bytes);
      respond (fd, 201, NULL, NULL, NULL, 0, 0);
      return;
    }
  if (strcmp (method, "PUT") == 0 && strstr (path, "/manifests/") != NULL)
    {
      fake_route (fake, path, g_hash_table_lookup (headers, "content-type"), bytes);
      extra = g_strdup_printf ("Docker-Content-Digest: %s\r\n", digest);
      respond (fd, 201, extra, NULL, NULL, 0, 0);
      return;
    }
  respond_json (fd, 400, NULL, "{\"errors\":[{\"code\":\"UNSUPPORTED\"}]}");
}

typedef struct {
  Fake *fake;
  int fd;
} Connection;

static gpointer
serve_connection (gpointer data)
{
  Connection *c = data;
  Fake *fake = c->fake;
  g_autoptr (GString) request = g_string_new (NULL);
  g_autoptr (GHashTable) headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) first = NULL;
  g_autoptr (GByteArray) body = NULL;
  g_autoptr (Route) route = NULL;
  char buf[4096];
  char *end;

  while (strstr (request->str, "\r\n\r\n") == NULL)
    {
      ssize_t n = recv (c->fd, buf, sizeof buf, 0);
      /* A TLS handshake (an insecure registry is tried over HTTPS first): not spoken here. */
      if (n <= 0 || (request->len == 0 && (guchar) buf[0] == 0x16))
        goto out;
      g_string_append_len (request, buf, n);
    }
  end = strstr (request->str, "\r\n\r\n");
  body = g_byte_array_new ();
  g_byte_array_append (body, (guint8 *) end + 4, request->len - (end + 4 - request->str));
  *end = '\0';
  lines = g_strsplit (request->str, "\r\n", -1);
  first = g_strsplit (lines[0], " ", 3);
  for (char **l = lines + 1; *l; l++)
    {
      char *colon = strchr (*l, ':');
      if (colon != NULL)
        g_hash_table_replace (headers, g_ascii_strdown (*l, colon - *l),
                              g_strdup (g_strstrip (colon + 1)));
    }
  if (g_hash_table_contains (headers, "content-length"))
    {
      gsize want = g_ascii_strtoull (g_hash_table_lookup (headers, "content-length"), NULL, 10);
      while (body->len < want)
        {
          ssize_t n = recv (c->fd, buf, sizeof buf, 0);
          if (n <= 0)
            goto out;
          g_byte_array_append (body, (guint8 *) buf, n);
        }
    }
  g_mutex_lock (&fake->lock);
  g_ptr_array_add (fake->requests, g_strdup_printf ("%s %s", first[0], first[1]));
  g_mutex_unlock (&fake->lock);
  if (strcmp (first[1], "/token") == 0 || g_str_has_prefix (first[1], "/token?"))
    serve_token (fake, c->fd, headers);
  else if (!authorized (fake, c->fd, headers, first[1]))
    ;
  else if (strcmp (first[1], "/v2/") == 0)
    respond_json (c->fd, 200, NULL, "{}");
  else if (strcmp (first[0], "POST") == 0 || strcmp (first[0], "PUT") == 0)
    receive (fake, c->fd, first[0], first[1], headers, body);
  else if (strcmp (first[0], "HEAD") == 0)
    {
      route = fake_lookup (fake, first[1]);
      respond (c->fd, route ? 200 : 404, NULL, NULL, NULL, 0, route ? g_bytes_get_size (route->body) : 0);
    }
  else if ((route = fake_lookup (fake, first[1])) == NULL)
    respond_json (c->fd, 404, NULL, strstr (first[1], "/manifests/")
                                         ? "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}"
                                         : "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}");
  else if (strstr (first[1], "/blobs/") != NULL)
    serve_blob (fake, c->fd, first[1], route, headers);
  else
    {
      gsize len;
      const void *document = g_bytes_get_data (route->body, &len);
      g_autofree char *digest = pier_digest_data (document, len);
      g_autofree char *extra = g_strdup_printf (
          "Docker-Content-Digest: %s\r\n", route->claimed_digest ? route->claimed_digest : digest);
      respond (c->fd, 200, extra, route->content_type, document, len, len);
    }
out:
  close (c->fd);
  g_mutex_lock (&fake->lock);
  fake->connections--;
  g_cond_broadcast (&fake->changed);
  g_mutex_unlock (&fake->lock);
  g_free (c);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  Fake *fake = data;
  struct pollfd fds[2] = { { fake->listen_fd, POLLIN, 0 }, { fake->stop_pipe[0], POLLIN, 0 } };

  while (poll (fds, 2, -1) > 0 && !fds[1].revents)
    {
      Connection *c;
      int fd = accept4 (fake->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      c = g_new0 (Connection, 1);
      c->fake = fake;
      c->fd = fd;
      g_mutex_lock (&fake->lock);
      fake->connections++;
      g_mutex_unlock (&fake->lock);
      g_thread_unref (g_thread_new ("fake-registry", serve_connection, c));
    }
  return NULL;
}

static Fake *
fake_start (void)
{
  Fake *fake = g_new0 (Fake, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fake->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (fake->listen_fd >= 0);
  assert_int_equal (bind (fake->listen_fd, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (listen (fake->listen_fd, 64), 0);
  assert_int_equal (getsockname (fake->listen_fd, (struct sockaddr *) &addr, &len), 0);
  assert_int_equal (pipe2 (fake->stop_pipe, O_CLOEXEC), 0);
  fake->host = g_strdup_printf ("127.0.0.1:%u", ntohs (addr.sin_port));
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->changed);
  fake->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) route_free);
  fake->corrupt = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  fake->truncated = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake->requests = g_ptr_array_new_with_free_func (g_free);
  fake->thread = g_thread_new ("fake-registry-accept", accept_loop, fake);
  return fake;
}

static void
fake_stop (Fake *fake)
{
  assert_int_equal (write (fake->stop_pipe[1], "x", 1), 1);
  g_thread_join (fake->thread);
  g_mutex_lock (&fake->lock);
  while (fake->connections > 0)
    g_cond_wait (&fake->changed, &fake->lock);
  g_mutex_unlock (&fake->lock);
  close (fake->listen_fd);
  close (fake->stop_pipe[0]);
  close (fake->stop_pipe[1]);
  g_hash_table_unref (fake->routes);
  g_hash_table_unref (fake->corrupt);
  g_hash_table_unref (fake->truncated);
  g_ptr_array_unref (fake->requests);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->changed);
  g_free (fake->host);
  g_free (fake);
}


static guint
fake_count_requests (Fake *fake, const char *prefix)
{
  guint n = 0;

  g_mutex_lock (&fake->lock);
  for (guint i = 0; i < fake->requests->len; i++)
    n += g_str_has_prefix (fake->requests->pdata[i], prefix);
  g_mutex_unlock (&fake->lock);
  return n;
}

/* ---- images to serve ---- */

typedef struct {
  char *manifest_digest;
  char *config_digest;
  GPtrArray *layers;   /* blob digests */
  GPtrArray *diff_ids;
  GPtrArray *contents; /* GBytes: each layer's one file */
} TestImage;

static void
test_image_free (TestImage *image)
{
  g_free (image->manifest_digest);
  g_free (image->config_digest);
  g_ptr_array_unref (image->layers);
  g_ptr_array_unref (image->diff_ids);
  g_ptr_array_unref (image->contents);
  g_free (image);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestImage, test_image_free)

static gboolean
append_bytes (gpointer array, const void *data, gsize len, GError **error)
{
  g_byte_array_append (array, data, len);
  return TRUE;
}

static GBytes *
gzip_bytes (const guint8 *data, gsize len)
{
  z_stream zs = { 0 };
  gsize bound;
  guint8 *out;

  assert_int_equal (deflateInit2 (&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  bound = deflateBound (&zs, len);
  out = g_malloc (bound);
  zs.next_in = (guint8 *) data;
  zs.avail_in = len;
  zs.next_out = out;
  zs.avail_out = bound;
  assert_int_equal (deflate (&zs, Z_FINISH), Z_STREAM_END);
  bound = zs.total_out;
  deflateEnd (&zs);
  return g_bytes_new_take (out, bound);
}

/* Random bytes of a given seed: layers that do not compress, so that "half the blob" is half
 * the work, and that differ between images unless they are meant to be shared. */
static GBytes *
random_content (guint32 seed, gsize len)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  for (gsize i = 0; i < len; i++)
    data[i] = g_rand_int (rand) & 0xff;
  return g_bytes_new_take (data, len);
}

static char *
route_blob (Fake *fake, const char *repo, GBytes *bytes)
{
  char *digest = pier_digest_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autofree char *path = g_strdup_printf ("/v2/%s/blobs/%s", repo, digest);

  fake_route (fake, path, "application/octet-stream", bytes);
  return digest;
}

/* An image of one layer per seed (one file of @layer_size bytes each), served as REPO:TAG and
 * by digest. */
static TestImage *
serve_image (Fake *fake, const char *repo, const char *tag, const guint32 *seeds, guint n_layers,
             gsize layer_size, const char *arch)
{
  TestImage *image = g_new0 (TestImage, 1);
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  g_autoptr (PierManifest) manifest = pier_manifest_new ();
  g_autofree char *config_json = NULL;
  g_autofree char *manifest_json = NULL;
  g_autoptr (GBytes) config_bytes = NULL;
  g_autoptr (GBytes) manifest_bytes = NULL;
  g_autofree char *path = NULL;

  image->layers = g_ptr_array_new_with_free_func (g_free);
  image->diff_ids = g_ptr_array_new_with_free_func (g_free);
  image->contents = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_free (config->architecture);
  config->architecture = g_strdup (arch);
  for (guint i = 0; i < n_layers; i++)
    {
      g_autoptr (GByteArray) tar = g_byte_array_new ();
      g_autoptr (PierTarWriter) writer = pier_tar_writer_new (append_bytes, tar, 1700000000);
      g_autoptr (GBytes) content = random_content (seeds[i], layer_size);
      g_autoptr (GBytes) gz = NULL;
      g_autofree char *name = g_strdup_printf ("file-%u", seeds[i]);
      g_autoptr (GError) error = NULL;
      char *digest;

      assert_true (pier_tar_writer_add_data (writer, name, 0644, g_bytes_get_data (content, NULL),
                                             layer_size, &error));
      assert_true (pier_tar_writer_finish (writer, &error));
      gz = gzip_bytes (tar->data, tar->len);
      digest = route_blob (fake, repo, gz);
      g_ptr_array_add (image->layers, digest);
      g_ptr_array_add (image->diff_ids, pier_digest_data (tar->data, tar->len));
      g_ptr_array_add (config->diff_ids, pier_digest_data (tar->data, tar->len));
      g_ptr_array_add (image->contents, g_steal_pointer (&content));
      g_ptr_array_add (manifest->layers,
                       pier_descriptor_new (PIER_MEDIA_OCI_LAYER_GZIP, digest, g_bytes_get_size (gz)));
    }
  config_json = pier_image_config_to_json (config, NULL);
  config_bytes = g_bytes_new (config_json, strlen (config_json));
  image->config_digest = route_blob (fake, repo, config_bytes);
  manifest->config = pier_descriptor_new (PIER_MEDIA_OCI_CONFIG, image->config_digest,
                                          g_bytes_get_size (config_bytes));
  manifest_json = pier_manifest_to_json (manifest, NULL);
  manifest_bytes = g_bytes_new (manifest_json, strlen (manifest_json));
  image->manifest_digest = pier_digest_data (manifest_json, strlen (manifest_json));
  path = g_strdup_printf ("/v2/%s/manifests/%s", repo, image->manifest_digest);
  fake_route (fake, path, PIER_MEDIA_OCI_MANIFEST, manifest_bytes);
  if (tag != NULL)
    {
      g_free (path);
      path = g_strdup_printf ("/v2/%s/manifests/%s", repo, tag);
      fake_route (fake, path, PIER_MEDIA_OCI_MANIFEST, manifest_bytes);
    }
  return image;
}

/* ---- fixture ---- */

typedef struct {
  char *dir;
  char *root;
  PierStore *store;
  Fake *fake;
  PierRegistryOptions options;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *runroot = NULL;

  f->dir = pier_test_mkdtemp ();
  f->root = g_build_filename (f->dir, "root", NULL);
  runroot = g_build_filename (f->dir, "run", NULL);
  f->store = pier_store_open (f->root, runroot, &error);
  pier_assert_no_error (error);
  f->fake = fake_start ();
  /* Plain HTTP, and nothing read from the person running the tests. */
  f->options.tls = PIER_REGISTRY_TLS_NO_VERIFY;
  f->options.registries_conf = g_build_filename (f->dir, "registries.conf", NULL);
  f->options.auth_file = g_build_filename (f->dir, "auth.json", NULL);
  g_file_set_contents (f->options.registries_conf, "", 0, NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  fake_stop (f->fake);
  g_clear_object (&f->store);
  pier_test_rm_rf (f->dir);
  g_free ((char *) f->options.registries_conf);
  g_free ((char *) f->options.auth_file);
  g_free (f->root);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Index, blobs, layers and work directories: what a failed pull must leave as it was. */
static char *
store_state (Fixture *f)
{
  GString *out = g_string_new (NULL);
  g_autofree char *index = NULL;
  g_autofree char *index_path = g_build_filename (f->root, "index.json", NULL);

  g_file_get_contents (index_path, &index, NULL, NULL);
  g_string_append (out, index);
  for (const char *const *sub = (const char *const[]){ "blobs/sha256", "layers", "tmp", NULL }; *sub; sub++)
    {
      g_autofree char *path = g_build_filename (f->root, *sub, NULL);
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          /* Work directories come and go with the processes that own them; what is in them
           * counts. */
          g_autofree char *inside = g_build_filename (path, name, NULL);
          g_autoptr (GDir) work = NULL;
          const char *entry;
          if (strcmp (*sub, "tmp") != 0)
            {
              g_ptr_array_add (names, g_strdup_printf ("%s/%s", *sub, name));
              continue;
            }
          work = g_dir_open (inside, 0, NULL);
          while (work != NULL && (entry = g_dir_read_name (work)) != NULL)
            g_ptr_array_add (names, g_strdup_printf ("tmp/work/%s", entry));
        }
      g_ptr_array_sort (names, compare_strings);
      for (guint i = 0; i < names->len; i++)
        g_string_append_printf (out, "\n%s", (char *) names->pdata[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
image_ref (Fixture *f, const char *repo_tag)
{
  return g_strdup_printf ("%s/%s", f->fake->host, repo_tag);
}

/* A pull stores blobs only; the layer is unpacked, and its diff_id checked, on first use. */
static void
assert_layer_content (Fixture *f, const TestImage *image, guint i, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *layer = NULL;
  g_autofree char *name = g_strdup_printf ("file-%u", seed);
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  GBytes *expected = image->contents->pdata[i];

  layer = pier_store_ensure_layer (f->store, image->layers->pdata[i], image->diff_ids->pdata[i],
                                   NULL, &error);
  assert_null (error);
  path = g_build_filename (layer, name, NULL);
  assert_true (g_file_get_contents (path, &data, &len, NULL));
  assert_int_equal (len, g_bytes_get_size (expected));
  assert_memory_equal (data, g_bytes_get_data (expected, NULL), len);
}

/* ---- files ---- */

static void
test_registry_config_reads_file (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierRegistryConfig) config = NULL;
  const char *text =
      "# comment\n[registries]\nsearch = quay.io; example.com:5000\n\n"
      "[registry \"example.com:5000\"]\ninsecure=true\nmirrors=m1.example:1;m2.example\n";

  g_file_set_contents (f->options.registries_conf, text, -1, NULL);
  config = pier_registry_config_load (f->options.registries_conf, &error);
  pier_assert_no_error (error);
  assert_string_equal (pier_registry_config_get_search (config)[0], "quay.io");
  assert_string_equal (pier_registry_config_get_search (config)[1], "example.com:5000");
  assert_null (pier_registry_config_get_search (config)[2]);
  assert_true (pier_registry_config_is_insecure (config, "example.com:5000"));
  assert_false (pier_registry_config_is_insecure (config, "example.com"));
  assert_string_equal (pier_registry_config_get_mirrors (config, "example.com:5000")[1], "m2.example");
  assert_null (pier_registry_config_get_mirrors (config, "quay.io")[0]);
}

static void
test_registry_config_rejects_unknown_keys (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierRegistryConfig) config = NULL;

  g_file_set_contents (f->options.registries_conf, "[registry \"a.example\"]\ninsecur=true\n", -1, NULL);
  config = pier_registry_config_load (f->options.registries_conf, &error);
  assert_null (config);
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_non_null (strstr (error->message, "unknown key “insecur” in [registry \"a.example\"]"));
  assert_non_null (strstr (error->message, f->options.registries_conf));
}

static void
test_registry_challenge_parses (void **state)
{
  g_autofree char *scheme = NULL;
  g_autoptr (GHashTable) params = NULL;

  assert_true (pier_registry_parse_challenge (
      "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
      "scope=\"repository:a/b:pull,push\", error=insufficient_scope",
      &scheme, &params));
  assert_string_equal (scheme, "bearer");
  assert_string_equal (g_hash_table_lookup (params, "realm"), "https://auth.example/token");
  assert_string_equal (g_hash_table_lookup (params, "scope"), "repository:a/b:pull,push");
  assert_string_equal (g_hash_table_lookup (params, "error"), "insufficient_scope");
  g_clear_pointer (&scheme, g_free);
  g_clear_pointer (&params, g_hash_table_unref);
  assert_true (pier_registry_parse_challenge ("Basic realm=\"a \\\"quoted\\\" realm\"", &scheme, &params));
  assert_string_equal (scheme, "basic");
  assert_string_equal (g_hash_table_lookup (params, "realm"), "a \"quoted\" realm");
  g_clear_pointer (&scheme, g_free);
  g_clear_pointer (&params, g_hash_table_unref);
  assert_false (pier_registry_parse_challenge ("Bearer realm=\"unterminated", &scheme, &params));
  assert_false (pier_registry_parse_challenge ("", &scheme, &params));
}

static void
test_registry_auth_stores_and_removes (void **state)
{
  Fixture *f = *state;
  const char *file = f->options.auth_file;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierRegistryCredentials) creds = NULL;
  g_autofree char *text = NULL;
  g_autofree char *nested = g_build_filename (f->dir, "new", "dir", "auth.json", NULL);
  g_autofree char *nested_dir = g_path_get_dirname (nested);
  struct stat st;

  g_file_set_contents (file, "{\"auths\":{\"other.example\":{\"auth\":\"dTpw\"}},\"credHelpers\":{\"x\":\"y\"}}", -1, NULL);
  assert_true (pier_registry_auth_store (file, "https://reg.example:5000/", "alice", "pa:ss", &error));
  pier_assert_no_error (error);
  assert_int_equal (stat (file, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  g_file_get_contents (file, &text, NULL, NULL);
  assert_non_null (strstr (text, "\"credHelpers\""));
  assert_non_null (strstr (text, "other.example"));
  creds = pier_registry_auth_lookup (file, "reg.example:5000", "team/app", &error);
  pier_assert_no_error (error);
  assert_non_null (creds);
  assert_string_equal (creds->username, "alice");
  assert_string_equal (creds->password, "pa:ss");
  assert_string_equal (creds->source, file);
  assert_true (pier_registry_auth_remove (file, "reg.example:5000", &error));
  g_clear_pointer (&creds, pier_registry_credentials_free);
  creds = pier_registry_auth_lookup (file, "reg.example:5000", NULL, &error);
  assert_null (creds);
  pier_assert_no_error (error);
  assert_false (pier_registry_auth_remove (file, "reg.example:5000", &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A new file in new directories: private from the start. */
  assert_true (pier_registry_auth_store (nested, "reg.example", "bob", "pw", &error));
  assert_int_equal (stat (nested_dir, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0700);
}

static void
test_registry_auth_reads_docker_and_podman_files (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierRegistryCredentials) hub = NULL;
  g_autoptr (PierRegistryCredentials) team = NULL;
  g_autoptr (PierRegistryCredentials) other = NULL;
  g_autoptr (PierRegistryCredentials) podman = NULL;
  g_autofree char *docker_dir = g_build_filename (f->dir, "docker", NULL);
  g_autofree char *docker = g_build_filename (docker_dir, "config.json", NULL);
  g_autofree char *runtime = g_build_filename (f->dir, "runtime", NULL);
  g_autofree char *podman_file = g_build_filename (runtime, "containers", "auth.json", NULL);
  g_autofree char *podman_dir = g_path_get_dirname (podman_file);
  g_autofree char *written = NULL;
  g_autofree char *hub_auth = g_base64_encode ((const guchar *) "hubuser:hubpw", 13);
  g_autofree char *team_auth = g_base64_encode ((const guchar *) "teamuser:teampw", 15);
  g_autofree char *podman_auth = g_base64_encode ((const guchar *) "pod:pw", 6);
  g_autofree char *docker_json = g_strdup_printf (
      "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"%s\"},"
      "\"quay.example/team\":{\"auth\":\"%s\"},\"quay.example\":{\"auth\":\"%s\"}}}",
      hub_auth, team_auth, hub_auth);
  g_autofree char *podman_json = g_strdup_printf ("{\"auths\":{\"quay.example\":{\"auth\":\"%s\"}}}",
                                                  podman_auth);

  g_mkdir_with_parents (docker_dir, 0700);
  g_mkdir_with_parents (podman_dir, 0700);
  g_file_set_contents (docker, docker_json, -1, NULL);
  g_setenv ("DOCKER_CONFIG", docker_dir, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_setenv ("XDG_CONFIG_HOME", f->dir, TRUE);
  g_unsetenv ("REGISTRY_AUTH_FILE");

  hub = pier_registry_auth_lookup (NULL, "docker.io", "library/debian", &error);
  pier_assert_no_error (error);
  assert_non_null (hub);
  assert_string_equal (hub->username, "hubuser");
  team = pier_registry_auth_lookup (NULL, "quay.example", "team/app", &error);
  assert_string_equal (team->username, "teamuser"); /* the longest key wins */
  other = pier_registry_auth_lookup (NULL, "quay.example", "teamster/app", &error);
  assert_string_equal (other->username, "hubuser");
  /* Podman's file comes before Docker's. */
  g_file_set_contents (podman_file, podman_json, -1, NULL);
  podman = pier_registry_auth_lookup (NULL, "quay.example", "team/app", &error);
  assert_string_equal (podman->username, "pod");
  written = pier_registry_auth_write_path (NULL);
  assert_string_equal (written, podman_file);
  /* Docker's credentials are not Pier's to remove. */
  assert_false (pier_registry_auth_remove (NULL, "docker.io", &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_non_null (strstr (error->message, "docker logout"));
  g_unsetenv ("DOCKER_CONFIG");
  g_unsetenv ("XDG_RUNTIME_DIR");
  g_unsetenv ("XDG_CONFIG_HOME");
}

/* ---- pulls ---- */

static const guint32 seeds_abc[] = { 11, 12, 13 };

static void
test_registry_pull_stores_image (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "team/app", "v1", seeds_abc, 3, 200000, "amd64");
  g_autofree char *ref = image_ref (f, "team/app:v1");
  g_autoptr (PierRegistryPullResult) result = NULL;
  g_autoptr (GBytes) manifest = NULL;
  g_autofree char *manifest_path = g_strdup_printf ("/v2/team/app/manifests/%s", image->manifest_digest);

  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_string_equal (result->reference, ref);
  assert_string_equal (result->digest, image->manifest_digest);
  assert_string_equal (result->image->id, image->config_digest);
  assert_string_equal (result->image->manifest_digest, image->manifest_digest);
  assert_int_equal (result->layers_fetched, 3);
  assert_int_equal (result->layers_reused, 0);
  assert_false (result->up_to_date);
  /* The manifest is kept as the registry sent it. */
  manifest = pier_blob_store_read (pier_store_get_blobs (f->store), image->manifest_digest,
                                   1 << 20, &error);
  pier_assert_no_error (error);
  assert_true (g_bytes_equal (manifest, ((Route *) g_hash_table_lookup (f->fake->routes, manifest_path))->body));
  for (guint i = 0; i < 3; i++)
    {
      assert_true (pier_blob_store_has (pier_store_get_blobs (f->store), image->layers->pdata[i]));
      assert_layer_content (f, image, i, seeds_abc[i]);
    }
  {
    g_autoptr (PierImage) found = pier_store_find_image (f->store, ref, &error);
    pier_assert_no_error (error);
    assert_string_equal (found->id, image->config_digest);
  }
  assert_true (pier_store_verify (f->store, &error));
  g_clear_pointer (&result, pier_registry_pull_result_free);
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_true (result->up_to_date);
  assert_int_equal (result->layers_fetched, 0);
  assert_int_equal (fake_count_requests (f->fake, "GET /v2/team/app/blobs/"), 4);
}

static void
test_registry_pull_reuses_layers (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  const guint32 seeds_abd[] = { 11, 12, 14 };
  g_autoptr (TestImage) first = serve_image (f->fake, "app", "1", seeds_abc, 3, 50000, "amd64");
  g_autoptr (TestImage) second = serve_image (f->fake, "app", "2", seeds_abd, 3, 50000, "amd64");
  g_autofree char *ref1 = image_ref (f, "app:1");
  g_autofree char *ref2 = image_ref (f, "app:2");
  g_autofree char *shared = g_strdup_printf ("GET /v2/app/blobs/%s", (char *) first->layers->pdata[0]);
  g_autoptr (PierRegistryPullResult) r1 = pier_registry_pull (f->store, ref1, &f->options, NULL,
                                                              NULL, NULL, &error);
  g_autoptr (PierRegistryPullResult) r2 = NULL;

  pier_assert_no_error (error);
  r2 = pier_registry_pull (f->store, ref2, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (r2->layers_fetched, 1);
  assert_int_equal (r2->layers_reused, 2);
  assert_int_equal (fake_count_requests (f->fake, shared), 1);
  assert_layer_content (f, second, 2, 14);
}

static void
test_registry_pull_resumes_dropped_transfer (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 2, 300000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autoptr (PierRegistryPullResult) result = NULL;

  f->fake->truncate_blobs_once = TRUE;
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  /* Config and two layers each broke off once, and each went on from where it stopped. */
  assert_int_equal (f->fake->range_requests, 3);
  assert_layer_content (f, image, 0, seeds_abc[0]);
  assert_layer_content (f, image, 1, seeds_abc[1]);
  assert_true (pier_store_verify (f->store, &error));
}

static void
test_registry_pull_fails_truncated_without_ranges (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 2, 300000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autofree char *before = store_state (f);
  g_autofree char *after = NULL;
  PierRegistryPullResult *result;

  f->fake->truncate_blobs_once = TRUE;
  f->fake->no_ranges = TRUE;
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  assert_null (result);
  pier_assert_error (error, PIER_ERROR_FAILED);
  assert_non_null (strstr (error->message, "broke off"));
  assert_non_null (strstr (error->message, "does not allow resuming"));
  assert_non_null (strstr (error->message, f->fake->host));
  after = store_state (f);
  assert_string_equal (after, before);
}

static void
test_registry_pull_refuses_wrong_digest (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 3, 100000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autofree char *path = g_strdup_printf ("/v2/app/blobs/%s", (char *) image->layers->pdata[1]);
  Route *route = g_hash_table_lookup (f->fake->routes, path);
  g_autoptr (GByteArray) lie = g_byte_array_new ();
  g_autofree char *before = store_state (f);
  g_autofree char *after = NULL;
  PierRegistryPullResult *result;

  g_byte_array_append (lie, g_bytes_get_data (route->body, NULL), g_bytes_get_size (route->body));
  lie->data[lie->len / 2] ^= 0x55;
  g_hash_table_insert (f->fake->corrupt, g_strdup (path), g_byte_array_free_to_bytes (g_steal_pointer (&lie)));
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  assert_null (result);
  pier_assert_error (error, PIER_ERROR_CORRUPT);
  assert_non_null (strstr (error->message, f->fake->host));
  assert_non_null (strstr (error->message, image->layers->pdata[1]));
  after = store_state (f);
  assert_string_equal (after, before);
}

/* The image's manifest with a byte more at its end (still valid JSON, naming the same blobs),
 * served at @path with @claimed as its Docker-Content-Digest (NULL: the changed one's own). */
static void
serve_changed_manifest (Fixture *f, const TestImage *image, const char *path, const char *claimed)
{
  g_autofree char *original = g_strdup_printf ("/v2/app/manifests/%s", image->manifest_digest);
  Route *route = g_hash_table_lookup (f->fake->routes, original);
  g_autoptr (GByteArray) changed = g_byte_array_new ();
  g_autoptr (GBytes) body = NULL;

  g_byte_array_append (changed, g_bytes_get_data (route->body, NULL), g_bytes_get_size (route->body));
  g_byte_array_append (changed, (const guint8 *) "\n", 1);
  body = g_byte_array_free_to_bytes (g_steal_pointer (&changed));
  fake_route (f->fake, path, PIER_MEDIA_OCI_MANIFEST, body);
  g_mutex_lock (&f->fake->lock);
  ((Route *) g_hash_table_lookup (f->fake->routes, path))->claimed_digest = g_strdup (claimed);
  g_mutex_unlock (&f->fake->lock);
}

/* A pull of @ref fails as corrupt, naming @digest and saying @what, and leaves the store as it
 * was. */
static void
assert_pull_corrupt (Fixture *f, const char *ref, const char *digest, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = store_state (f);
  g_autofree char *after = NULL;

  assert_null (pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error));
  pier_assert_error (error, PIER_ERROR_CORRUPT);
  assert_non_null (strstr (error->message, f->fake->host));
  assert_non_null (strstr (error->message, digest));
  assert_non_null (strstr (error->message, what));
  after = store_state (f);
  assert_string_equal (after, before);
}

/* Pulled by digest, a manifest is the one of that digest, whatever the registry's header says
 * (a registry or a cache in between may send another under that name); the same for the one an
 * index names for the platform. */
static void
test_registry_pull_refuses_manifest_not_of_its_digest (void **state)
{
  Fixture *f = *state;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 1, 1000, "amd64");
  g_autofree char *path = g_strdup_printf ("/v2/app/manifests/%s", image->manifest_digest);
  g_autofree char *by_digest = g_strdup_printf ("%s/app@%s", f->fake->host, image->manifest_digest);
  g_autofree char *by_index = image_ref (f, "app:multi");
  g_autoptr (PierIndex) index = pier_index_new ();
  g_autofree char *index_json = NULL;
  g_autoptr (GBytes) index_bytes = NULL;
  gsize size = g_bytes_get_size (((Route *) g_hash_table_lookup (f->fake->routes, path))->body);
  PierDescriptor *d;

  serve_changed_manifest (f, image, path, NULL);
  assert_pull_corrupt (f, by_digest, image->manifest_digest, "hashes to");

  d = pier_descriptor_new (PIER_MEDIA_OCI_MANIFEST, image->manifest_digest, size);
  d->platform_os = g_strdup ("linux");
  d->platform_architecture = g_strdup ("amd64");
  g_ptr_array_add (index->manifests, d);
  index_json = pier_index_to_json (index, NULL);
  index_bytes = g_bytes_new (index_json, strlen (index_json));
  fake_route (f->fake, "/v2/app/manifests/multi", PIER_MEDIA_OCI_INDEX, index_bytes);
  f->options.platform = "linux/amd64";
  assert_pull_corrupt (f, by_index, image->manifest_digest, "hashes to");
}

/* Pulled by tag, the registry's Docker-Content-Digest is held against the manifest it sent. */
static void
test_registry_pull_refuses_manifest_not_of_its_header (void **state)
{
  Fixture *f = *state;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 1, 1000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");

  serve_changed_manifest (f, image, "/v2/app/manifests/1", image->manifest_digest);
  assert_pull_corrupt (f, ref, image->manifest_digest, "says the manifest");
}

static void
test_registry_pull_refuses_oversized_blob (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 1, 100000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autofree char *path = g_strdup_printf ("/v2/app/blobs/%s", (char *) image->layers->pdata[0]);
  Route *route = g_hash_table_lookup (f->fake->routes, path);
  g_autoptr (GByteArray) more = g_byte_array_new ();
  g_autofree char *before = store_state (f);
  g_autofree char *after = NULL;
  PierRegistryPullResult *result;

  g_byte_array_append (more, g_bytes_get_data (route->body, NULL), g_bytes_get_size (route->body));
  g_byte_array_set_size (more, more->len + 4096);
  g_hash_table_insert (f->fake->corrupt, g_strdup (path), g_byte_array_free_to_bytes (g_steal_pointer (&more)));
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  assert_null (result);
  pier_assert_error (error, PIER_ERROR_CORRUPT);
  assert_non_null (strstr (error->message, "not the"));
  after = store_state (f);
  assert_string_equal (after, before);
}

/* Serves @image's manifest again as REPO:@tag, with the size of its first layer (or, with
 * @config, of its config) given wrong. */
static void
serve_wrong_size (Fake *fake, const char *repo, const TestImage *image, const char *tag,
                  gboolean config)
{
  g_autofree char *path = g_strdup_printf ("/v2/%s/manifests/%s", repo, image->manifest_digest);
  Route *route = g_hash_table_lookup (fake->routes, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (PierManifest) manifest = pier_manifest_parse (g_bytes_get_data (route->body, NULL),
                                                           g_bytes_get_size (route->body), &error);
  g_autofree char *json = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *tag_path = g_strdup_printf ("/v2/%s/manifests/%s", repo, tag);

  pier_assert_no_error (error);
  (config ? manifest->config : (PierDescriptor *) manifest->layers->pdata[0])->size += 1;
  json = pier_manifest_to_json (manifest, NULL);
  body = g_bytes_new (json, strlen (json));
  fake_route (fake, tag_path, PIER_MEDIA_OCI_MANIFEST, body);
}

/* The blobs are in the store already, so nothing is fetched that could show the lie: the size
 * is compared all the same. */
static void
test_registry_pull_refuses_wrong_size_of_stored_blob (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 2, 50000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autoptr (PierRegistryPullResult) first = pier_registry_pull (f->store, ref, &f->options, NULL,
                                                                 NULL, NULL, &error);
  g_autofree char *before = NULL;

  pier_assert_no_error (error);
  before = store_state (f);
  for (int config = 0; config < 2; config++)
    {
      const char *tag = config ? "bad-config" : "bad-layer";
      g_autofree char *bad_ref = g_strdup_printf ("%s/app:%s", f->fake->host, tag);
      g_autofree char *after = NULL;
      PierRegistryPullResult *result;

      serve_wrong_size (f->fake, "app", image, tag, config);
      result = pier_registry_pull (f->store, bad_ref, &f->options, NULL, NULL, NULL, &error);
      assert_null (result);
      pier_assert_error (error, PIER_ERROR_CORRUPT);
      assert_non_null (strstr (error->message, config ? image->config_digest
                                                      : (char *) image->layers->pdata[0]));
      g_clear_error (&error);
      after = store_state (f);
      assert_string_equal (after, before);
    }
}

static void
test_registry_pull_unknown_tag (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 1, 1000, "amd64");
  g_autofree char *ref = image_ref (f, "app:2");

  assert_null (pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_non_null (strstr (error->message, "has no tag “2”"));
}

static void
test_registry_pull_gets_bearer_token (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 3, 10000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autoptr (PierRegistryPullResult) result = NULL;

  f->fake->bearer = TRUE;
  f->options.username = "tester";
  f->options.password = "secret";
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_string_equal (result->image->id, image->config_digest);
  /* One token for the repository's pull scope serves every request. */
  assert_int_equal (f->fake->token_requests, 1);
  assert_int_equal (fake_count_requests (f->fake, "GET /token?service=fake&scope=repository%3Aapp%3Apull"), 1);
}

static void
test_registry_pull_reports_refused_credentials (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 1, 1000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autofree char *creds = g_strdup_printf ("{\"auths\":{\"%s\":{\"auth\":\"dGVzdGVyOndyb25n\"}}}", f->fake->host);

  f->fake->bearer = TRUE;
  g_file_set_contents (f->options.auth_file, creds, -1, NULL);
  assert_null (pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error));
  pier_assert_error (error, PIER_ERROR_PERMISSION);
  assert_non_null (strstr (error->message, "refused the credentials of tester"));
  assert_non_null (strstr (error->message, f->options.auth_file));
  g_clear_error (&error);
  /* Anonymous: the token service gives a token the registry does not accept. */
  g_file_set_contents (f->options.auth_file, "{}", -1, NULL);
  assert_null (pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error));
  pier_assert_error (error, PIER_ERROR_PERMISSION);
  assert_non_null (strstr (error->message, "needs a login"));
}

static void
test_registry_pull_bounds_parallel_downloads (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  const guint32 seeds[] = { 1, 2, 3, 4, 5, 6 };
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds, 6, 1000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autoptr (PierRegistryPullResult) result = NULL;

  f->fake->blob_delay_ms = 150;
  f->options.max_parallel = 2;
  result = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (f->fake->max_active_blobs, 2);
}

static gboolean
cancel_later (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

static gpointer
run_context (gpointer loop)
{
  g_main_loop_run (loop);
  return NULL;
}

static void
test_registry_pull_cancels (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 3, 400000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr (GSource) timer = g_timeout_source_new (300);
  g_autofree char *before = store_state (f);
  g_autofree char *after = NULL;
  GThread *thread;
  gint64 start;

  f->fake->stall_blobs = TRUE;
  g_source_set_callback (timer, cancel_later, cancellable, NULL);
  g_source_attach (timer, context);
  thread = g_thread_new ("canceller", run_context, loop);
  start = g_get_monotonic_time ();
  assert_null (pier_registry_pull (f->store, ref, &f->options, NULL, NULL, cancellable, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_true (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  g_main_loop_quit (loop);
  g_thread_join (thread);
  after = store_state (f);
  assert_string_equal (after, before);
}

typedef struct {
  GThread *caller;
  guint reports;
  guint reports_elsewhere;
  guint64 most_done;
  PierRegistryStage last_stage;
} ProgressState;

static void
on_progress (const PierRegistryProgress *progress, gpointer data)
{
  ProgressState *s = data;

  s->reports++;
  if (g_thread_self () != s->caller)
    s->reports_elsewhere++;
  for (guint i = 0; i < progress->n_blobs; i++)
    s->most_done = MAX (s->most_done, progress->blobs[i].done);
  s->last_stage = progress->stage;
}

static void
test_registry_pull_reports_progress_in_the_calling_thread (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (TestImage) image = serve_image (f->fake, "app", "1", seeds_abc, 2, 300000, "amd64");
  g_autofree char *ref = image_ref (f, "app:1");
  g_autoptr (PierRegistryPullResult) result = NULL;
  ProgressState s = { g_thread_self () };

  f->fake->blob_delay_ms = 100;
  result = pier_registry_pull (f->store, ref, &f->options, on_progress, &s, NULL, &error);
  pier_assert_no_error (error);
  assert_string_equal (result->image->id, image->config_digest);
  assert_true (s.reports > 0);
  assert_int_equal (s.reports_elsewhere, 0);
  /* The last report, before the result, says the pull is done. */
  assert_int_equal (s.last_stage, PIER_REGISTRY_STAGE_DONE);
  assert_true (s.most_done > 0);
}

static void
test_registry_pull_chooses_platform (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  const guint32 amd_seed[] = { 21 }, arm_seed[] = { 22 };
  g_autoptr (TestImage) amd = serve_image (f->fake, "multi", NULL, amd_seed, 1, 1000, "amd64");
  g_autoptr (TestImage) arm = serve_image (f->fake, "multi", NULL, arm_seed, 1, 1000, "arm64");
  g_autoptr (PierIndex) index = pier_index_new ();
  g_autofree char *json = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *ref = image_ref (f, "multi:1");
  g_autofree char *host_platform = pier_registry_host_platform ();
  g_autofree char *index_digest = NULL;
  g_autoptr (PierRegistryPullResult) chosen = NULL;
  g_autoptr (PierRegistryPullResult) arm_pull = NULL;
  const TestImage *images[] = { amd, arm };
  const char *arches[] = { "amd64", "arm64" };

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = g_strdup_printf ("/v2/multi/manifests/%s", images[i]->manifest_digest);
      Route *route = g_hash_table_lookup (f->fake->routes, path);
      PierDescriptor *d = pier_descriptor_new (PIER_MEDIA_OCI_MANIFEST, images[i]->manifest_digest,
                                               g_bytes_get_size (route->body));
      d->platform_os = g_strdup ("linux");
      d->platform_architecture = g_strdup (arches[i]);
      g_ptr_array_add (index->manifests, d);
    }
  json = pier_index_to_json (index, NULL);
  bytes = g_bytes_new (json, strlen (json));
  fake_route (f->fake, "/v2/multi/manifests/1", PIER_MEDIA_OCI_INDEX, bytes);

  chosen = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  if (g_str_has_prefix (host_platform, "linux/amd64"))
    assert_string_equal (chosen->image->id, amd->config_digest);
  else if (g_str_has_prefix (host_platform, "linux/arm64"))
    assert_string_equal (chosen->image->id, arm->config_digest);
  /* The index's digest names what was pulled; the platform's manifest is stored. */
  index_digest = pier_digest_data (json, strlen (json));
  assert_string_equal (chosen->digest, index_digest);
  f->options.platform = "linux/arm64";
  arm_pull = pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_string_equal (arm_pull->image->id, arm->config_digest);
  assert_string_equal (arm_pull->image->manifest_digest, arm->manifest_digest);
  f->options.platform = "linux/riscv64";
  assert_null (pier_registry_pull (f->store, ref, &f->options, NULL, NULL, NULL, &error));
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_non_null (strstr (error->message, "(it has linux/amd64, linux/arm64)"));
}

static void
test_registry_push_uploads (void **state)
{
  Fixture *f = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = pier_store_find_image (f->store, "busybox", &error);
  g_autofree char *dest = image_ref (f, "pushed/busybox:1");
  g_autoptr (GBytes) manifest = NULL;
  g_autoptr (PierRegistryPushResult) pushed = NULL;
  g_autoptr (PierRegistryPushResult) again = NULL;
  ProgressState s = { g_thread_self () };
  Route *route;

  pier_assert_no_error (error);
  pushed = pier_registry_push (f->store, "busybox", dest, &f->options, on_progress, &s, NULL, &error);
  pier_assert_no_error (error);
  assert_string_equal (pushed->digest, image->manifest_digest);
  assert_int_equal (pushed->blobs_pushed, 1 + image->manifest->layers->len);
  assert_int_equal (s.reports_elsewhere, 0);
  assert_int_equal (s.last_stage, PIER_REGISTRY_STAGE_DONE);
  /* The manifest went byte for byte, so the registry names the image by the same digest. */
  manifest = pier_blob_store_read (pier_store_get_blobs (f->store), image->manifest_digest, 1 << 20, &error);
  route = g_hash_table_lookup (f->fake->routes, "/v2/pushed/busybox/manifests/1");
  assert_non_null (route);
  assert_true (g_bytes_equal (route->body, manifest));
  for (guint i = 0; i < image->manifest->layers->len; i++)
    {
      const char *digest = ((PierDescriptor *) image->manifest->layers->pdata[i])->digest;
      g_autofree char *path = g_strdup_printf ("/v2/pushed/busybox/blobs/%s", digest);
      g_autoptr (GBytes) blob = pier_blob_store_read (pier_store_get_blobs (f->store), digest, 1 << 30, &error);
      route = g_hash_table_lookup (f->fake->routes, path);
      assert_non_null (route);
      assert_true (g_bytes_equal (route->body, blob));
    }
  again = pier_registry_push (f->store, "busybox", dest, &f->options, NULL, NULL, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (again->blobs_existing, 1 + image->manifest->layers->len);
  assert_int_equal (again->blobs_pushed, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_registry_config_reads_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_config_rejects_unknown_keys, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_challenge_parses, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_auth_stores_and_removes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_auth_reads_docker_and_podman_files, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_stores_image, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_reuses_layers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_resumes_dropped_transfer, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_fails_truncated_without_ranges, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_refuses_wrong_digest, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_refuses_oversized_blob, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_refuses_wrong_size_of_stored_blob, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_refuses_manifest_not_of_its_digest, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_refuses_manifest_not_of_its_header, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_unknown_tag, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_gets_bearer_token, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_reports_refused_credentials, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_bounds_parallel_downloads, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_cancels, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_reports_progress_in_the_calling_thread, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_pull_chooses_platform, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_push_uploads, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
