/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pier_ui_run_in_thread(): the work runs off the main thread, its result and its data reach the
 * callback on the main thread, a cancelled task reports G_IO_ERROR_CANCELLED and frees the
 * result it did not hand over, and everything given is freed exactly once. */
#include "pier-ui-task.h"

#include <string.h>

typedef struct {
  GThread *main_thread;
  GThread *work_thread;
  gboolean fail;
  GCancellable *cancel_during_work;
  /* The task's data and an untaken result may go on the worker thread. */
  GMutex lock;
  GCond freed;
  int data_freed;
  int results_freed;
} Fixture;

typedef struct {
  Fixture *fx;
  int value;
} Data;

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
  char *result;
  int data_value; /* read in the callback, while the task still holds the data */
  int data_freed_in_callback;
  GObject *source;
} Outcome;

static Fixture *result_owner;

static void
count_free (Fixture *fx, int *counter)
{
  g_mutex_lock (&fx->lock);
  (*counter)++;
  g_cond_broadcast (&fx->freed);
  g_mutex_unlock (&fx->lock);
}

static void
data_free (gpointer data)
{
  count_free (((Data *) data)->fx, &((Data *) data)->fx->data_freed);
  g_free (data);
}

static void
result_free (gpointer result)
{
  count_free (result_owner, &result_owner->results_freed);
  g_free (result);
}

static void
wait_data_freed (Fixture *fx)
{
  g_mutex_lock (&fx->lock);
  while (fx->data_freed == 0)
    g_cond_wait (&fx->freed, &fx->lock);
  g_mutex_unlock (&fx->lock);
}

static gboolean
work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Data *d = data;

  d->fx->work_thread = g_thread_self ();
  if (d->fx->cancel_during_work != NULL)
    g_cancellable_cancel (d->fx->cancel_during_work);
  if (d->fx->fail)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "value %d: not found", d->value);
      return FALSE;
    }
  *result = g_strdup_printf ("value %d", d->value);
  return TRUE;
}

static void
done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *out = user_data;

  g_assert_true (g_thread_self () == result_owner->main_thread);
  out->source = source;
  out->data_value = ((Data *) pier_ui_task_get_data (result))->value;
  g_mutex_lock (&result_owner->lock);
  out->data_freed_in_callback = result_owner->data_freed;
  g_mutex_unlock (&result_owner->lock);
  out->ok = pier_ui_task_finish (result, (gpointer *) &out->result, &out->error);
  g_main_loop_quit (out->loop);
}

static void
run (Fixture *fx, GObject *source, GCancellable *cancellable, Outcome *out)
{
  Data *d = g_new0 (Data, 1);

  d->fx = fx;
  d->value = 7;
  out->loop = g_main_loop_new (NULL, FALSE);
  pier_ui_run_in_thread (source, cancellable, work, d, data_free, result_free, done, out);
  g_main_loop_run (out->loop);
  g_main_loop_unref (out->loop);
  g_assert_true (fx->work_thread != NULL && fx->work_thread != fx->main_thread);
  wait_data_freed (fx);
}

static void
fixture_init (Fixture *fx)
{
  memset (fx, 0, sizeof *fx);
  g_mutex_init (&fx->lock);
  g_cond_init (&fx->freed);
  fx->main_thread = g_thread_self ();
  result_owner = fx;
}

static void
fixture_clear (Fixture *fx)
{
  g_mutex_clear (&fx->lock);
  g_cond_clear (&fx->freed);
}

static void
test_result (void)
{
  Fixture fx;
  Outcome out = { 0 };
  g_autoptr (GObject) source = g_object_new (G_TYPE_OBJECT, NULL);

  fixture_init (&fx);
  run (&fx, source, NULL, &out);
  g_assert_no_error (out.error);
  g_assert_true (out.ok);
  g_assert_cmpstr (out.result, ==, "value 7");
  g_assert_true (out.source == source);
  g_assert_cmpint (out.data_value, ==, 7);
  g_assert_cmpint (out.data_freed_in_callback, ==, 0);
  /* The result was handed over, the data freed with the task, both once. */
  g_assert_cmpint (fx.results_freed, ==, 0);
  g_assert_cmpint (fx.data_freed, ==, 1);
  g_free (out.result);
  fixture_clear (&fx);
}

static void
test_error (void)
{
  Fixture fx;
  Outcome out = { 0 };

  fixture_init (&fx);
  fx.fail = TRUE;
  run (&fx, NULL, NULL, &out);
  g_assert_false (out.ok);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (out.error->message, ==, "value 7: not found");
  g_assert_null (out.result);
  g_assert_cmpint (fx.data_freed, ==, 1);
  g_clear_error (&out.error);
  fixture_clear (&fx);
}

static void
test_cancelled (void)
{
  Fixture fx;
  Outcome out = { 0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();

  fixture_init (&fx);
  /* Cancelled while the work runs: the work ends, its result is dropped, not handed over. */
  fx.cancel_during_work = cancellable;
  run (&fx, NULL, cancellable, &out);
  g_assert_false (out.ok);
  g_assert_error (out.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (out.result);
  g_assert_cmpint (fx.results_freed, ==, 1);
  g_assert_cmpint (fx.data_freed, ==, 1);
  g_clear_error (&out.error);
  fixture_clear (&fx);
}

static void
finalized (gpointer user_data, GObject *where_the_object_was)
{
  *(GThread **) user_data = g_thread_self ();
}

static void
test_source_kept (void)
{
  Fixture fx;
  Outcome out = { 0 };
  GObject *source = g_object_new (G_TYPE_OBJECT, NULL);
  GThread *finalized_on = NULL;
  Data *d = g_new0 (Data, 1);

  fixture_init (&fx);
  g_object_weak_ref (source, finalized, &finalized_on);
  d->fx = &fx;
  out.loop = g_main_loop_new (NULL, FALSE);
  pier_ui_run_in_thread (source, NULL, work, d, data_free, result_free, done, &out);
  /* The caller lets go at once: the source lives until the callback has run with it. */
  g_object_unref (source);
  g_assert_null (finalized_on);
  g_main_loop_run (out.loop);
  g_main_loop_unref (out.loop);
  g_assert_true (out.source == source);
  /* ...and goes right after it, on the main thread, whichever thread drops the task. */
  g_assert_true (finalized_on == fx.main_thread);
  g_free (out.result);
  wait_data_freed (&fx);
  fixture_clear (&fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui-task/result", test_result);
  g_test_add_func ("/ui-task/error", test_error);
  g_test_add_func ("/ui-task/cancelled", test_cancelled);
  g_test_add_func ("/ui-task/source-kept", test_source_kept);
  return g_test_run ();
}
