/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-window-private.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"

/* The connection the window shows: its model in every view, and the switch to another. The
 * first frame never waits for a connection: the window opens on the embedded engine's model
 * (whose store opens off the main thread), the connections are read on a worker thread, and
 * an engine sends nothing before its model's first read, which is off the main thread too. */

static void
model_changed (PierWindow *self)
{
  const char *unreachable = pier_model_get_unreachable (self->model);

  /* The last lists stay visible under the banner while the engine is asked again. */
  if (unreachable != NULL)
    {
      g_autofree char *text = g_strdup_printf (
          _("The connection “%s” does not answer: %s. Asking it again…"), self->connection,
          unreachable);
      gtk_label_set_label (self->banner_label, text);
    }
  gtk_revealer_set_reveal_child (self->banner, unreachable != NULL);
  if (pier_model_get_error (self->model) != NULL)
    {
      adw_status_page_set_description (self->error_page, pier_model_get_error (self->model));
      gtk_stack_set_visible_child_name (self->main_stack, "error");
    }
  else if (pier_model_get_loaded (self->model))
    gtk_stack_set_visible_child_name (self->main_stack, "views");
  else
    gtk_stack_set_visible_child_name (self->main_stack, "loading");
}

/* The window's actions each engine call backs, offered only when the engine can make it. */
static const struct {
  const char *action;
  PierEngineCall call;
} offered[] = {
  { "run", PIER_ENGINE_CALL_RUN },
  { "image-run", PIER_ENGINE_CALL_RUN },
  { "container-terminal", PIER_ENGINE_CALL_EXEC },
  { "container-commit", PIER_ENGINE_CALL_COMMIT },
  { "build", PIER_ENGINE_CALL_BUILD },
  { "image-tag", PIER_ENGINE_CALL_TAG },
  { "image-remove", PIER_ENGINE_CALL_REMOVE_IMAGE },
  { "image-save", PIER_ENGINE_CALL_SAVE },
  { "pull", PIER_ENGINE_CALL_PULL },
  { "load", PIER_ENGINE_CALL_LOAD },
  { "import", PIER_ENGINE_CALL_IMPORT },
};

/* "“docker-1” cannot pull images, load images": why a button is insensitive; NULL when it
 * is not. */
static char *
explain_missing (const char *name, PierEngine *engine, const PierEngineCall *calls, gsize n)
{
  g_autoptr (GString) missing = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    if (!pier_engine_can (engine, calls[i]))
      g_string_append_printf (missing, "%s%s", missing->len ? ", " : "",
                              pier_engine_call_describe (calls[i]));
  if (missing->len == 0)
    return NULL;
  /* Translators: a connection's name, then what its engine cannot do ("pull images, ..."). */
  return g_strdup_printf (_("The connection “%s” cannot %s: its engine does not offer it"), name,
                          missing->str);
}

/* What @engine cannot do is insensitive, its button saying why, never an error after a click. */
static void
follow_engine (PierWindow *self, const char *name, PierEngine *engine)
{
  static const PierEngineCall run[] = { PIER_ENGINE_CALL_RUN };
  static const PierEngineCall add[] = { PIER_ENGINE_CALL_PULL, PIER_ENGINE_CALL_LOAD,
                                        PIER_ENGINE_CALL_IMPORT };
  g_autofree char *run_why = explain_missing (name, engine, run, G_N_ELEMENTS (run));
  g_autofree char *add_why = explain_missing (name, engine, add, G_N_ELEMENTS (add));

  for (gsize i = 0; i < G_N_ELEMENTS (offered); i++)
    g_simple_action_set_enabled (
        G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), offered[i].action)),
        pier_engine_can (engine, offered[i].call));
  /* Without graphical sessions, their menu items are insensitive, never an error after a click. */
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "container-graphical")),
      pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS));
  gtk_widget_set_tooltip_text (self->run_button, run_why ? run_why : _("Run a Container (Ctrl+N)"));
  gtk_widget_set_tooltip_text (self->add_image_button, add_why ? add_why : _("Add an Image"));
}

void
pier_window_show_model (PierWindow *self, const char *name, PierModel *model)
{
  PierEngine *engine = pier_model_get_engine (model);

  if (self->model != NULL)
    {
      /* What was open or running over the old connection is its, not this one's. */
      g_signal_handlers_disconnect_by_data (self->model, self);
      pier_model_close (self->model);
      pier_build_view_cancel (self->build_view);
      pier_window_close_pages (self);
    }
  g_set_object (&self->model, model);
  g_free (self->connection);
  self->connection = g_strdup (name);
  pier_containers_view_set_model (self->containers_view, model);
  pier_images_view_set_model (self->images_view, model);
  pier_processes_view_set_model (self->host_processes_view, model);
  pier_build_view_set_model (self->build_view, model);
  follow_engine (self, name, engine);
  pier_window_update_copy (self);
  g_signal_connect_object (model, "notify::loaded", G_CALLBACK (model_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (model, "notify::error", G_CALLBACK (model_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (model, "notify::unreachable", G_CALLBACK (model_changed), self,
                           G_CONNECT_SWAPPED);
  model_changed (self);
  pier_connection_switcher_set_current (self->connection_switcher, name);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "connection",
                                      g_variant_new_string (name));
}

/* Not pier_connections_lookup(): with a list read by a source of a test's, it would look for
 * this machine's connections, here on the main thread. */
static const PierConnection *
find_connection (PierWindow *self, const char *name, GError **error)
{
  GPtrArray *all;

  if (self->connections == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("the connections are still being read: choose “%s” again in a moment"), name);
      return NULL;
    }
  all = pier_connections_get_all (self->connections);
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (((PierConnection *) all->pdata[i])->name, name) == 0)
      return all->pdata[i];
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("no connection is called “%s”"), name);
  return NULL;
}

static gboolean
show_connection (PierWindow *self, const char *name, GError **error)
{
  const PierConnection *connection;
  g_autoptr (PierEngine) engine = NULL;
  g_autoptr (PierModel) model = NULL;

  if (g_strcmp0 (name, self->connection) == 0)
    return TRUE;
  if ((connection = find_connection (self, name, error)) == NULL ||
      (engine = pier_connection_source_open_engine (self->source, connection, error)) == NULL)
    return FALSE;
  model = pier_model_new (engine);
  pier_window_show_model (self, name, model);
  return TRUE;
}

/* ---- the choice, kept as the saved default ---- */

static gboolean
remember_work (gpointer name, gpointer *result, GCancellable *cancellable, GError **error)
{
  g_autoptr (PierConnections) connections = pier_connections_load ();

  return pier_connections_set_default (connections, name, error);
}

static void
remember_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!pier_ui_task_finish (result, NULL, &error))
    g_warning (_("The connection “%s” is shown but could not be kept as the default: %s"),
               (const char *) pier_ui_task_get_data (result), error->message);
}

gboolean
pier_window_choose_connection (PierWindow *self, const char *name, GError **error)
{
  if (!show_connection (self, name, error))
    return FALSE;
  self->connection_chosen = TRUE;
  pier_ui_run_in_thread (NULL, NULL, remember_work, g_strdup (name), g_free, NULL, remember_done,
                         NULL);
  return TRUE;
}

static void
connection_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *name = g_variant_get_string (param, NULL);
  g_autoptr (GError) error = NULL;

  if (!pier_window_choose_connection (self, name, &error))
    {
      g_autofree char *heading = g_strdup_printf (_("Could not show the connection “%s”"), name);
      pier_ui_show_error (GTK_WIDGET (self), heading, error);
    }
}

/* ---- the list ---- */

static gboolean
connections_work (gpointer source, gpointer *result, GCancellable *cancellable, GError **error)
{
  *result = pier_connection_source_load (source);
  return TRUE;
}

static void
connections_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierWindow *self = (PierWindow *) source; /* no type check: it would call up into pier-window.c */
  PierConnections *connections = NULL;
  g_autoptr (GError) error = NULL;
  const GPtrArray *warnings;
  const char *name;

  if (!pier_ui_task_finish (result, (gpointer *) &connections, NULL))
    return; /* the window went */
  self->connections = connections;
  warnings = pier_connections_get_warnings (connections);
  for (guint i = 0; i < warnings->len; i++)
    g_message ("%s", (const char *) warnings->pdata[i]);
  pier_connection_switcher_set_connections (self->connection_switcher,
                                            pier_connections_get_all (connections));
  pier_window_update_copy (self);
  name = pier_connections_choose (connections, NULL);
  if (!self->connection_chosen && !show_connection (self, name, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The default connection “%s” cannot be shown: %s"),
                                               name, error->message);
      pier_window_toast (self, text);
    }
}

void
pier_window_start_connections (PierWindow *self)
{
  g_autoptr (GSimpleAction) action =
      g_simple_action_new_stateful ("connection", G_VARIANT_TYPE_STRING,
                                    g_variant_new_string (self->connection));

  g_signal_connect (action, "activate", G_CALLBACK (connection_activated), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
  pier_ui_run_in_thread (self, self->cancellable, connections_work, g_object_ref (self->source),
                         g_object_unref, (GDestroyNotify) pier_connections_free, connections_read,
                         NULL);
}

/* ---- accessors ---- */

const char *
pier_window_get_connection (PierWindow *self)
{
  return self->connection;
}

gboolean
pier_window_get_connections_read (PierWindow *self)
{
  return self->connections != NULL;
}

GtkWidget *
pier_window_get_connection_switcher (PierWindow *self)
{
  return GTK_WIDGET (self->connection_switcher);
}
