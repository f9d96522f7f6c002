/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The container verbs the window's actions run through the model: on a worker thread, then the
 * container read again. */
#include "pier-model.h"

#include "pier-ui-task.h"

#include <signal.h>

/* Seconds a stop waits before it kills, as `pierctl stop` does by default. */
#define STOP_TIMEOUT 10

const char *
pier_container_action_to_verb (PierContainerAction action)
{
  switch (action)
    {
    case PIER_CONTAINER_ACTION_START: return "start";
    case PIER_CONTAINER_ACTION_STOP: return "stop";
    case PIER_CONTAINER_ACTION_RESTART: return "restart";
    case PIER_CONTAINER_ACTION_KILL: return "kill";
    case PIER_CONTAINER_ACTION_REMOVE: return "remove";
    default: g_return_val_if_reached ("change");
    }
}

typedef struct {
  PierEngine *engine;
  char *id;
  PierContainerAction action;
} ActionData;

static void
action_data_free (ActionData *data)
{
  g_object_unref (data->engine);
  g_free (data->id);
  g_free (data);
}

static void
log_warnings (const char *id, const char *const *warnings, gpointer user_data)
{
  for (const char *const *w = warnings; w && *w; w++)
    g_message ("%s: %s", (const char *) user_data, *w);
}

static gboolean
action_work (gpointer task_data, gpointer *result, GCancellable *cancellable, GError **error)
{
  ActionData *data = task_data;
  PierEngine *engine = data->engine;

  /* A broken container can still be removed; starting it is refused. */
  switch (data->action)
    {
    case PIER_CONTAINER_ACTION_START:
      return pier_engine_start (engine, data->id, NULL, log_warnings, data->id, NULL, cancellable,
                                error);
    case PIER_CONTAINER_ACTION_STOP:
      return pier_engine_stop (engine, data->id, STOP_TIMEOUT, cancellable, error);
    case PIER_CONTAINER_ACTION_RESTART:
      return pier_engine_restart (engine, data->id, STOP_TIMEOUT, log_warnings, data->id,
                                  cancellable, error);
    case PIER_CONTAINER_ACTION_KILL:
      return pier_engine_kill (engine, data->id, SIGKILL, cancellable, error);
    case PIER_CONTAINER_ACTION_REMOVE:
      return pier_engine_remove (engine, data->id, TRUE, cancellable, error);
    }
  g_return_val_if_reached (FALSE);
}

static void
action_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) outer = user_data;
  PierModel *self = g_task_get_source_object (outer);
  ActionData *data = pier_ui_task_get_data (result);
  GError *error = NULL;

  pier_model_refresh_container (self, data->id);
  if (!pier_ui_task_finish (result, NULL, &error))
    g_task_return_error (outer, error);
  else
    g_task_return_boolean (outer, TRUE);
}

void
pier_model_container_action_async (PierModel *self, const char *id, PierContainerAction action,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  ActionData *data = g_new0 (ActionData, 1);

  g_return_if_fail (pier_model_get_loaded (self));
  data->engine = g_object_ref (pier_model_get_engine (self));
  data->id = g_strdup (id);
  data->action = action;
  /* Stopping a container that ignores SIGTERM takes its timeout; it is never abandoned
   * half-way, so the work keeps running when the caller goes. */
  pier_ui_run_in_thread (self, cancellable, action_work, data, (GDestroyNotify) action_data_free,
                         NULL, action_done, g_task_new (self, cancellable, callback, user_data));
}

gboolean
pier_model_container_action_finish (PierModel *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
