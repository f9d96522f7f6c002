/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-registry-transfers-private.h"

#include <string.h>

#define REPORT_INTERVAL_US (G_USEC_PER_SEC / 10)
#define RATE_WINDOW_US (G_USEC_PER_SEC / 2)

typedef struct {
  char *digest;
  char *mounted_from;
  guint64 size;
  guint64 done;
  PierRegistryBlobState state;
  gboolean is_config;
  /* For the rate, kept by the reporting thread. */
  guint64 window_done;
  gint64 window_start;
  double rate;
} Blob;

typedef struct {
  guint blob;
  PierRegistryJob job;
  gpointer data;
} Job;

struct _PierRegistryTransfers {
  char *reference;
  guint max_parallel;
  PierRegistryProgressFunc progress;
  gpointer progress_data;
  GCancellable *caller_cancellable;
  GCancellable *cancellable; /* the jobs': fires with the caller's, or at the first failure */
  gulong cancel_handler;
  PierRegistryStage stage;

  GMutex lock;
  GCond changed;
  GArray *blobs; /* Blob */
  GPtrArray *queued; /* Job */
  guint running;
  gboolean dirty;
  GError *error;
};

static void
blob_clear (Blob *blob)
{
  g_free (blob->digest);
  g_free (blob->mounted_from);
}

static void
forward_cancel (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

PierRegistryTransfers *
pier_registry_transfers_new (const char *reference, guint max_parallel,
                             PierRegistryProgressFunc progress, gpointer progress_data,
                             GCancellable *cancellable)
{
  PierRegistryTransfers *t = g_new0 (PierRegistryTransfers, 1);

  t->reference = g_strdup (reference);
  t->max_parallel = max_parallel > 0 ? max_parallel : 3;
  t->progress = progress;
  t->progress_data = progress_data;
  t->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      t->caller_cancellable = g_object_ref (cancellable);
      t->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                                 t->cancellable, NULL);
    }
  g_mutex_init (&t->lock);
  g_cond_init (&t->changed);
  t->blobs = g_array_new (FALSE, TRUE, sizeof (Blob));
  g_array_set_clear_func (t->blobs, (GDestroyNotify) blob_clear);
  t->queued = g_ptr_array_new_with_free_func (g_free);
  return t;
}

void
pier_registry_transfers_free (PierRegistryTransfers *t)
{
  if (t == NULL)
    return;
  if (t->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (t->caller_cancellable, t->cancel_handler);
      g_object_unref (t->caller_cancellable);
    }
  g_object_unref (t->cancellable);
  g_array_unref (t->blobs);
  g_ptr_array_unref (t->queued);
  g_clear_error (&t->error);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->changed);
  g_free (t->reference);
  g_free (t);
}

guint
pier_registry_transfers_add (PierRegistryTransfers *t, const char *digest, guint64 size,
                             gboolean is_config)
{
  Blob blob = { .digest = g_strdup (digest), .size = size, .is_config = is_config };
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&t->lock);

  g_array_append_val (t->blobs, blob);
  return t->blobs->len - 1;
}

/* Calls the progress function with what the blobs are at now; in the calling thread. */
static void
report (PierRegistryTransfers *t)
{
  g_autoptr (GArray) snapshot = NULL;
  gint64 now = g_get_monotonic_time ();
  PierRegistryProgress progress = { t->reference, t->stage, 0, NULL };

  if (t->progress == NULL)
    return;
  snapshot = g_array_new (FALSE, TRUE, sizeof (PierRegistryBlobProgress));
  g_mutex_lock (&t->lock);
  for (guint i = 0; i < t->blobs->len; i++)
    {
      Blob *b = &g_array_index (t->blobs, Blob, i);
      PierRegistryBlobProgress p = { b->digest, b->mounted_from, b->size, b->done, 0, b->state,
                                     b->is_config };
      if (b->window_start == 0)
        {
          b->window_start = now;
          b->window_done = b->done;
        }
      else if (now - b->window_start >= RATE_WINDOW_US)
        {
          double instant = (double) (b->done - b->window_done) * G_USEC_PER_SEC /
                           (double) (now - b->window_start);
          b->rate = b->rate > 0 ? 0.5 * b->rate + 0.5 * instant : instant;
          b->window_start = now;
          b->window_done = b->done;
        }
      p.rate = b->state == PIER_REGISTRY_BLOB_TRANSFERRING ? b->rate : 0;
      g_array_append_val (snapshot, p);
    }
  t->dirty = FALSE;
  g_mutex_unlock (&t->lock);
  progress.n_blobs = snapshot->len;
  progress.blobs = (const PierRegistryBlobProgress *) snapshot->data;
  t->progress (&progress, t->progress_data);
}

void
pier_registry_transfers_set_stage (PierRegistryTransfers *t, PierRegistryStage stage)
{
  t->stage = stage;
  report (t);
}

void
pier_registry_transfers_set_state (PierRegistryTransfers *t, guint blob,
                                   PierRegistryBlobState state, const char *mounted_from)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&t->lock);
  Blob *b = &g_array_index (t->blobs, Blob, blob);

  b->state = state;
  if (mounted_from != NULL)
    {
      g_free (b->mounted_from);
      b->mounted_from = g_strdup (mounted_from);
    }
  if (state == PIER_REGISTRY_BLOB_DONE)
    b->done = b->size;
  t->dirty = TRUE;
  g_cond_signal (&t->changed);
}

void
pier_registry_transfers_add_bytes (PierRegistryTransfers *t, guint blob, guint64 n)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&t->lock);

  g_array_index (t->blobs, Blob, blob).done += n;
}

void
pier_registry_transfers_queue (PierRegistryTransfers *t, guint blob, PierRegistryJob job,
                               gpointer job_data)
{
  Job *j = g_new0 (Job, 1);

  j->blob = blob;
  j->job = job;
  j->data = job_data;
  g_ptr_array_add (t->queued, j);
}

static void
run_job (gpointer data, gpointer user_data)
{
  Job *job = data;
  PierRegistryTransfers *t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = FALSE;

  if (!g_cancellable_set_error_if_cancelled (t->cancellable, &error))
    ok = job->job (t, job->blob, job->data, t->cancellable, &error);
  g_mutex_lock (&t->lock);
  if (!ok)
    {
      /* The first real failure is the story; the cancellations it causes are not. */
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      if (t->error == NULL ||
          (!cancelled && g_error_matches (t->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
        {
          g_clear_error (&t->error);
          t->error = g_steal_pointer (&error);
        }
      g_cancellable_cancel (t->cancellable);
    }
  t->running--;
  g_cond_signal (&t->changed);
  g_mutex_unlock (&t->lock);
}

gboolean
pier_registry_transfers_run (PierRegistryTransfers *t, GError **error)
{
  GThreadPool *pool;
  gint64 next_report = 0;

  t->running = t->queued->len;
  pool = g_thread_pool_new (run_job, t, MIN (t->max_parallel, MAX (t->queued->len, 1)), FALSE,
                            NULL);
  for (guint i = 0; i < t->queued->len; i++)
    g_thread_pool_push (pool, t->queued->pdata[i], NULL);
  g_mutex_lock (&t->lock);
  while (t->running > 0)
    {
      gint64 now = g_get_monotonic_time ();
      if (t->dirty || now >= next_report)
        {
          g_mutex_unlock (&t->lock);
          report (t);
          g_mutex_lock (&t->lock);
          next_report = now + REPORT_INTERVAL_US;
        }
      g_cond_wait_until (&t->changed, &t->lock, next_report);
    }
  g_mutex_unlock (&t->lock);
  g_thread_pool_free (pool, FALSE, TRUE);
  report (t);
  if (g_cancellable_set_error_if_cancelled (t->caller_cancellable, error))
    return FALSE;
  if (t->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&t->error));
      return FALSE;
    }
  return TRUE;
}
