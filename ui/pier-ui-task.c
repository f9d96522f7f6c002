/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-ui-task.h"

typedef struct {
  PierUiWorkFunc work;
  gpointer data;
  GDestroyNotify data_free;
  gpointer result;
  GDestroyNotify result_free;
  GObject *source;
  GAsyncReadyCallback callback;
  gpointer user_data;
} Work;

static void
work_free (Work *w)
{
  if (w->result != NULL && w->result_free != NULL)
    w->result_free (w->result);
  if (w->data_free != NULL)
    w->data_free (w->data);
  g_warn_if_fail (w->source == NULL);
  g_free (w);
}

static void
work_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Work *w = task_data;
  GError *error = NULL;

  if (w->work (w->data, &w->result, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The source is held here, not by the GTask: the worker thread may drop the task's last
 * reference, and a widget must never be finalized off the main thread. */
static void
work_done (GObject *unused, GAsyncResult *result, gpointer user_data)
{
  Work *w = g_task_get_task_data (G_TASK (result));
  g_autoptr (GObject) source = g_steal_pointer (&w->source);

  w->callback (source, result, w->user_data);
}

void
pier_ui_run_in_thread (gpointer source, GCancellable *cancellable, PierUiWorkFunc work,
                       gpointer data, GDestroyNotify data_free, GDestroyNotify result_free,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, work_done, NULL);
  Work *w = g_new0 (Work, 1);

  w->source = source != NULL ? g_object_ref (source) : NULL;
  w->callback = callback;
  w->user_data = user_data;

  w->work = work;
  w->data = data;
  w->data_free = data_free;
  w->result_free = result_free;
  g_task_set_source_tag (task, work);
  g_task_set_task_data (task, w, (GDestroyNotify) work_free);
  g_task_run_in_thread (task, work_thread);
}

gboolean
pier_ui_task_finish (GAsyncResult *task, gpointer *result, GError **error)
{
  Work *w = g_task_get_task_data (G_TASK (task));

  if (!g_task_propagate_boolean (G_TASK (task), error))
    return FALSE;
  if (result != NULL)
    *result = g_steal_pointer (&w->result);
  return TRUE;
}

gpointer
pier_ui_task_get_data (GAsyncResult *task)
{
  return ((Work *) g_task_get_task_data (G_TASK (task)))->data;
}
