/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pier_build_async(): a build on a thread of its own, its progress delivered on the caller's
 * main context. */
#include "pier-build.h"

typedef struct {
  PierBuildOptions options;
  char *context_dir;
  char *dockerfile;
  GStrv tags;
  GHashTable *build_args;
  char *target;
  PierBuildProgressFunc progress;
  gpointer progress_data;
  GMainContext *context;
} AsyncBuild;

static void
async_build_free (AsyncBuild *a)
{
  g_free (a->context_dir);
  g_free (a->dockerfile);
  g_strfreev (a->tags);
  g_clear_pointer (&a->build_args, g_hash_table_unref);
  g_free (a->target);
  g_main_context_unref (a->context);
  g_free (a);
}

typedef struct {
  PierBuildProgressFunc progress;
  gpointer progress_data;
  PierBuildEvent event;
  char *text, *id, *data;
} QueuedEvent;

static gboolean
dispatch_event (gpointer user_data)
{
  QueuedEvent *q = user_data;

  q->progress (&q->event, q->progress_data);
  return G_SOURCE_REMOVE;
}

static void
queued_event_free (QueuedEvent *q)
{
  g_free (q->text);
  g_free (q->id);
  g_free (q->data);
  g_free (q);
}

/* In the thread: a copy of the event goes to the caller's context, in order. */
static void
forward_event (const PierBuildEvent *event, gpointer user_data)
{
  AsyncBuild *a = user_data;
  QueuedEvent *q = g_new0 (QueuedEvent, 1);

  q->progress = a->progress;
  q->progress_data = a->progress_data;
  q->event = *event;
  q->event.text = q->text = g_strdup (event->text);
  q->event.id = q->id = g_strdup (event->id);
  q->event.data = q->data = g_memdup2 (event->data, event->len);
  g_main_context_invoke_full (a->context, G_PRIORITY_DEFAULT, dispatch_event, q,
                              (GDestroyNotify) queued_event_free);
}

static void
build_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  AsyncBuild *a = task_data;
  GError *error = NULL;
  PierImage *image = pier_build (PIER_STORE (source), &a->options,
                                 a->progress ? forward_event : NULL, a, cancellable, &error);

  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, (GDestroyNotify) pier_image_free);
}

void
pier_build_async (PierStore *store, const PierBuildOptions *options,
                  PierBuildProgressFunc progress, gpointer progress_data,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (store, cancellable, callback, user_data);
  AsyncBuild *a = g_new0 (AsyncBuild, 1);

  a->options = *options;
  a->options.context_dir = a->context_dir = g_strdup (options->context_dir);
  a->options.dockerfile = a->dockerfile = g_strdup (options->dockerfile);
  a->options.tags = (const char *const *) (a->tags = g_strdupv ((char **) options->tags));
  a->options.target = a->target = g_strdup (options->target);
  if (options->build_args != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;
      a->build_args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_iter_init (&iter, options->build_args);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (a->build_args, g_strdup (key), g_strdup (value));
    }
  a->options.build_args = a->build_args;
  a->progress = progress;
  a->progress_data = progress_data;
  a->context = g_main_context_ref_thread_default ();
  g_task_set_source_tag (task, pier_build_async);
  /* The build's own error (PIER_ERROR_CANCELLED when cancelled), or its image when it was done
   * before the cancellation could stop it. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, a, (GDestroyNotify) async_build_free);
  g_task_run_in_thread (task, build_thread);
}

PierImage *
pier_build_finish (PierStore *store, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
