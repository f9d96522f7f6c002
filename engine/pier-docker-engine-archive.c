/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: archives streamed between the caller's descriptors and the peer (save,
 * load, import, export), and a container's changes (diff, commit). */
#include "pier-docker-engine-private.h"

#include "pier-docker-stream.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static gboolean
write_to_fd (const char *data, gsize len, gpointer user_data, GError **error)
{
  int fd = GPOINTER_TO_INT (user_data);

  while (len > 0)
    {
      gssize n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("cannot write the archive"));
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
docker_save_images (PierEngine *engine, const char *const *images, const char *format, int fd,
                    GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (GString) path = g_string_new ("/images/get?");
  PierDockerRequest request = { .body_fd = -1, .chunks = write_to_fd,
                                .chunks_data = GINT_TO_POINTER (fd) };

  if (format != NULL && strcmp (format, "docker-archive") != 0)
    {
      pier_docker_engine_not_supported (self, N_("save images in a format but docker-archive"),
                                        error);
      return FALSE;
    }
  for (guint i = 0; images[i] != NULL; i++)
    {
      g_autofree char *escaped = pier_docker_escape (images[i]);
      g_string_append_printf (path, "%snames=%s", i > 0 ? "&" : "", escaped);
    }
  request.path = path->str;
  return pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
}

/* ---- progress lines: load and import ---- */

typedef struct {
  PierDockerEngine *self;
  GPtrArray *said; /* "stream" and "status" texts, a line each */
} Said;

static gboolean
on_said (json_t *document, gpointer user_data, GError **error)
{
  Said *said = user_data;
  const char *failure = pier_docker_progress_error (document);
  const char *text = pier_docker_str (document, "stream");

  if (failure != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("%s: %s"),
                   pier_docker_client_get_uri (said->self->client), failure);
      return FALSE;
    }
  if (text == NULL)
    text = pier_docker_str (document, "status");
  if (text != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (*g_strstrip (lines[i]) != '\0')
          g_ptr_array_add (said->said, g_utf8_make_valid (lines[i], -1));
    }
  return TRUE;
}

/* Sends @fd as the body of @path and returns what the peer's progress lines said. */
static GPtrArray *
upload (PierDockerEngine *self, const char *path, int fd, const char *content_type,
        GCancellable *cancellable, GError **error)
{
  Said said = { .self = self, .said = g_ptr_array_new_with_free_func (g_free) };
  PierDockerLines lines;
  PierDockerRequest request = { .method = "POST", .path = path, .body_fd = fd,
                                .content_type = content_type,
                                .chunks = pier_docker_lines_chunk, .chunks_data = &lines };
  gboolean ok;

  pier_docker_lines_init (&lines, pier_docker_client_get_uri (self->client), on_said, &said);
  ok = pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
  if (ok)
    ok = pier_docker_lines_finish (&lines, error);
  else
    pier_docker_lines_clear (&lines);
  if (!ok)
    {
      g_ptr_array_unref (said.said);
      return NULL;
    }
  return said.said;
}

static GPtrArray *
docker_load_images (PierEngine *engine, int fd, GCancellable *cancellable, GError **error)
{
  return upload (PIER_DOCKER_ENGINE (engine), "/images/load?quiet=1", fd, "application/x-tar",
                 cancellable, error);
}

static char *
docker_import_image (PierEngine *engine, int fd, const char *name, const char *source,
                     char ***warnings, GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autoptr (GString) path = g_string_new ("/images/create?fromSrc=-");
  g_autoptr (GPtrArray) said = NULL;
  const char *id = NULL;

  if (name != NULL)
    {
      g_autofree char *query = pier_docker_repo_tag_query (name, error);
      if (query == NULL)
        return NULL;
      g_string_append_printf (path, "&%s", query);
    }
  if (source != NULL)
    {
      g_autofree char *escaped = pier_docker_escape (source);
      g_string_append_printf (path, "&message=%s", escaped);
    }
  said = upload (self, path->str, fd, "application/x-tar", cancellable, error);
  if (said == NULL)
    return NULL;
  for (guint i = 0; i < said->len; i++)
    if (g_str_has_prefix (said->pdata[i], "sha256:"))
      id = said->pdata[i];
  if (id == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s imported the archive without saying the image's id"),
                   pier_docker_client_get_uri (self->client));
      return NULL;
    }
  if (warnings != NULL)
    *warnings = g_new0 (char *, 1);
  return g_strdup (id);
}

static gboolean
docker_export (PierEngine *engine, const char *container, int fd, GCancellable *cancellable,
               GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *path = pier_docker_path ("/containers/", container, "/export");
  PierDockerRequest request = { .path = path, .body_fd = -1, .chunks = write_to_fd,
                                .chunks_data = GINT_TO_POINTER (fd) };

  return pier_docker_client_send (self->client, &request, NULL, cancellable, error) != 0;
}

static int
compare_changes (gconstpointer a, gconstpointer b)
{
  const PierFileChange *x = *(PierFileChange **) a, *y = *(PierFileChange **) b;

  return strcmp (x->path, y->path);
}

static GPtrArray *
docker_diff (PierEngine *engine, const char *container, GCancellable *cancellable,
             GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *path = pier_docker_path ("/containers/", container, "/changes");
  g_autoptr (json_t) reply = pier_docker_client_json (self->client, "GET", path, NULL,
                                                      cancellable, error);
  GPtrArray *changes;
  json_t *item;
  size_t i;

  if (reply == NULL)
    return NULL;
  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_file_change_free);
  /* Docker answers null for a container without changes. */
  json_array_foreach (reply, i, item)
    {
      static const char kinds[] = { 'C', 'A', 'D' };
      gint64 kind = pier_docker_int (item, "Kind");
      PierFileChange *change;
      if (pier_docker_str (item, "Path") == NULL || kind < 0 || kind > 2)
        continue;
      change = g_new0 (PierFileChange, 1);
      change->kind = kinds[kind];
      change->path = g_strdup (pier_docker_str (item, "Path"));
      g_ptr_array_add (changes, change);
    }
  g_ptr_array_sort (changes, compare_changes);
  return changes;
}

static char *
docker_commit (PierEngine *engine, const char *container, const PierCommitRequest *request,
               GCancellable *cancellable, GError **error)
{
  PierDockerEngine *self = PIER_DOCKER_ENGINE (engine);
  g_autofree char *escaped = pier_docker_escape (container);
  g_autoptr (GString) path = g_string_new (NULL);
  g_autoptr (json_t) reply = NULL;

  g_string_printf (path, "/commit?container=%s", escaped);
  if (request->name != NULL)
    {
      g_autofree char *query = pier_docker_repo_tag_query (request->name, error);
      if (query == NULL)
        return NULL;
      g_string_append_printf (path, "&%s", query);
    }
  if (request->message != NULL)
    {
      g_autofree char *e = pier_docker_escape (request->message);
      g_string_append_printf (path, "&comment=%s", e);
    }
  if (request->author != NULL)
    {
      g_autofree char *e = pier_docker_escape (request->author);
      g_string_append_printf (path, "&author=%s", e);
    }
  for (guint i = 0; request->changes != NULL && request->changes[i] != NULL; i++)
    {
      g_autofree char *e = pier_docker_escape (request->changes[i]);
      g_string_append_printf (path, "&changes=%s", e);
    }
  reply = pier_docker_client_json (self->client, "POST", path->str, NULL, cancellable, error);
  if (reply == NULL || !pier_docker_expect (self, reply, JSON_OBJECT, _("a commit"), error))
    return NULL;
  if (pier_docker_str (reply, "Id") == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT,
                   _("%s committed %s without saying the image's id"),
                   pier_docker_client_get_uri (self->client), container);
      return NULL;
    }
  return g_strdup (pier_docker_str (reply, "Id"));
}

void
pier_docker_engine_archive_init (PierEngineInterface *iface)
{
  iface->save_images = docker_save_images;
  iface->load_images = docker_load_images;
  iface->import_image = docker_import_image;
  iface->export_container = docker_export;
  iface->diff = docker_diff;
  iface->commit = docker_commit;
}
