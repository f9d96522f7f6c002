/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierLocalEngine: build, and a container's changes (commit, diff, export). */
#include "pier-local-engine-private.h"

#include "pier-build.h"
#include "pier-container-changes.h"
#include "pier-dockerfile.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>

#define MAX_DOCKERFILE_SIZE (4 * 1024 * 1024)

G_STATIC_ASSERT ((int) PIER_BUILD_STEP_BEGIN == (int) PIER_BUILD_EVENT_STEP);
G_STATIC_ASSERT ((int) PIER_BUILD_STEP_TRIGGERS == (int) PIER_BUILD_EVENT_TRIGGERS);
G_STATIC_ASSERT ((int) PIER_BUILD_STEP_RUNNING == (int) PIER_BUILD_EVENT_RUNNING);
G_STATIC_ASSERT ((int) PIER_BUILD_STEP_OUTPUT == (int) PIER_BUILD_EVENT_OUTPUT);
G_STATIC_ASSERT ((int) PIER_BUILD_STEP_CACHED == (int) PIER_BUILD_EVENT_CACHED);
G_STATIC_ASSERT ((int) PIER_BUILD_STEP_END == (int) PIER_BUILD_EVENT_STEP_DONE);
G_STATIC_ASSERT ((int) PIER_BUILD_STEP_ALL_DONE == (int) PIER_BUILD_EVENT_DONE);

typedef struct {
  PierBuildOutputFunc func;
  gpointer data;
  const PierImageBuildOptions *options;
} BuildOutput;

static void
relay_build_event (const PierBuildEvent *event, gpointer user_data)
{
  BuildOutput *output = user_data;

  if (output->func != NULL)
    {
      g_autofree char *text = pier_build_event_to_text (event);
      output->func (text, output->data);
    }
  if (output->options->steps != NULL)
    {
      PierBuildStep step = {
        .type = (PierBuildStepType) event->type,
        .step = event->step,
        .n_steps = event->n_steps,
        .text = event->text,
        .id = event->id,
        .data = event->data,
        .len = event->len,
        .seconds = event->seconds,
      };
      output->options->steps (&step, output->options->steps_data);
    }
}

static char *
local_build (PierEngine *engine, const PierImageBuildOptions *options,
             PierBuildOutputFunc output, gpointer output_data, GCancellable *cancellable,
             GError **error)
{
  PierBuildOptions build = {
    .context_dir = options->context_dir,
    .dockerfile = options->dockerfile,
    .tags = options->tags,
    .build_args = options->build_args,
    .target = options->target,
    .no_cache = options->no_cache,
  };
  BuildOutput relay = { output, output_data, options };
  g_autoptr (PierImage) image = NULL;
  PierStore *store;

  if (options->network != NULL)
    {
      if (!pier_network_mode_from_string (options->network, &build.network, error))
        return NULL;
      build.network_set = TRUE;
    }
  if ((store = pier_local_engine_get_store (PIER_LOCAL_ENGINE (engine), error)) == NULL ||
      (image = pier_build (store, &build,
                           output || options->steps ? relay_build_event : NULL, &relay,
                           cancellable, error)) == NULL)
    return NULL;
  return g_strdup (image->id);
}

/* The Dockerfile build would read, and the name its errors give it. */
static char *
find_dockerfile (const char *context_dir, const char *dockerfile, const char **name,
                 GError **error)
{
  *name = dockerfile;
  if (dockerfile != NULL)
    return g_strdup (dockerfile);
  for (const char *const *n = (const char *const[]){ "Dockerfile", "Containerfile", NULL }; *n;
       n++)
    {
      g_autofree char *candidate = g_build_filename (context_dir, *n, NULL);
      if (g_file_test (candidate, G_FILE_TEST_EXISTS))
        {
          *name = *n;
          return g_steal_pointer (&candidate);
        }
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("%s has neither a Dockerfile nor a Containerfile; name one with -f"),
               context_dir);
  return NULL;
}

/* No store: a check needs none. */
static char *
local_check_dockerfile (PierEngine *engine, const char *context_dir, const char *dockerfile,
                        GCancellable *cancellable, GError **error)
{
  const char *name;
  g_autofree char *path = find_dockerfile (context_dir, dockerfile, &name, error);
  g_autofree char *data = NULL;
  g_autoptr (PierDockerfile) df = NULL;
  pier_autofd int fd = -1;
  gsize len;

  if (path == NULL)
    return NULL;
  if ((fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    {
      pier_set_errno (error, errno, _("reading %s"), name);
      return NULL;
    }
  if (!pier_fs_read_fd (fd, MAX_DOCKERFILE_SIZE, &data, &len, error) ||
      (df = pier_dockerfile_parse (data, len, name, PIER_DOCKERFILE_PARSE_DEFAULT,
                                   error)) == NULL)
    return NULL;
  return pier_dockerfile_to_json (df);
}

static char *
local_commit (PierEngine *engine, const char *name, const PierCommitRequest *request,
              GCancellable *cancellable, GError **error)
{
  PierCommitOptions options = {
    .message = request->message,
    .author = request->author,
    .changes = request->changes,
    .name = request->name,
  };
  PierStore *store;
  g_autoptr (PierContainer) container =
    pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine), name, FALSE, &store, error);
  g_autoptr (PierImage) image = NULL;

  if (container == NULL ||
      (image = pier_container_commit (store, container, &options, cancellable, error)) == NULL)
    return NULL;
  return g_strdup (image->id);
}

static GPtrArray *
local_diff (PierEngine *engine, const char *name, GCancellable *cancellable, GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) container =
    pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine), name, FALSE, &store, error);
  g_autoptr (GPtrArray) changes = NULL;
  GPtrArray *out;

  if (container == NULL || (changes = pier_container_diff (store, container, error)) == NULL)
    return NULL;
  out = g_ptr_array_new_full (changes->len, (GDestroyNotify) pier_file_change_free);
  for (guint i = 0; i < changes->len; i++)
    {
      PierChange *c = changes->pdata[i];
      PierFileChange *change = g_new0 (PierFileChange, 1);

      change->kind = pier_change_kind_to_char (c->kind);
      change->path = g_strdup (c->path);
      g_ptr_array_add (out, change);
    }
  return out;
}

static gboolean
local_export (PierEngine *engine, const char *name, int fd, GCancellable *cancellable,
              GError **error)
{
  PierStore *store;
  g_autoptr (PierContainer) container =
    pier_local_engine_find_container (PIER_LOCAL_ENGINE (engine), name, FALSE, &store, error);

  return container != NULL &&
         pier_container_export (store, container, pier_write_fd, GINT_TO_POINTER (fd),
                                cancellable, error);
}

void
pier_local_engine_init_build (PierEngineInterface *iface)
{
  iface->build = local_build;
  iface->check_dockerfile = local_check_dockerfile;
  iface->commit = local_commit;
  iface->diff = local_diff;
  iface->export_container = local_export;
}
