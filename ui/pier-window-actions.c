/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-window-private.h"

#include "pier-error.h"
#include "pier-gui-window.h"
#include "pier-pull-dialog.h"
#include "pier-remove-dialog.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

/* The window-wide actions that need no worker of their own: navigation, toasts, the container
 * verbs (through the model), pull, terminals and graphical sessions. */

static void
run_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  pier_window_open_run_dialog (user_data, param ? g_variant_get_string (param, NULL) : NULL);
}

static void
search_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  if (pier_window_get_page (self) != NULL)
    return;
  if (g_strcmp0 (name, "containers") == 0)
    pier_containers_view_start_search (self->containers_view);
  else if (g_strcmp0 (name, "images") == 0)
    pier_images_view_start_search (self->images_view);
  else if (g_strcmp0 (name, "processes") == 0)
    pier_processes_view_start_search (self->host_processes_view);
}

static void
build_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  pier_window_show_view (user_data, "build");
}

static void
show_view_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  pier_window_show_view (user_data, g_variant_get_string (param, NULL));
}

static void
back_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  pier_window_go_back (user_data);
}

static void
toast_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  pier_window_toast (user_data, g_variant_get_string (param, NULL));
}

/* ---- container actions ---- */

typedef struct {
  PierWindow *window;
  char *name;
  PierContainerAction action;
  PierBusy *busy;
} ActionCall;

static void
container_action_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionCall *call = user_data;
  g_autoptr (GError) error = NULL;

  pier_window_end_busy (call->busy);
  if (!pier_model_container_action_finish (PIER_MODEL (source), result, &error))
    {
      g_autofree char *heading = g_strdup_printf (_("Could not %s “%s”"),
                                                  pier_container_action_to_verb (call->action),
                                                  call->name);
      pier_ui_show_error (GTK_WIDGET (call->window), heading, error);
    }
  g_object_unref (call->window);
  g_free (call->name);
  g_free (call);
}

static void
container_action (PierWindow *self, const char *id, PierContainerAction action)
{
  PierContainerRow *row = pier_model_find_container (self->model, id);
  ActionCall *call = g_new0 (ActionCall, 1);
  const char *doing[] = {
    [PIER_CONTAINER_ACTION_START] = _("Starting"), [PIER_CONTAINER_ACTION_STOP] = _("Stopping"),
    [PIER_CONTAINER_ACTION_RESTART] = _("Restarting"), [PIER_CONTAINER_ACTION_KILL] = _("Killing"),
    [PIER_CONTAINER_ACTION_REMOVE] = _("Removing"),
  };
  g_autofree char *text = NULL;

  call->window = g_object_ref (self);
  call->name = g_strdup (row ? pier_container_row_get_name (row) : id);
  call->action = action;
  text = g_strdup_printf (_("%s “%s”…"), doing[action], call->name);
  call->busy = pier_window_begin_busy (self, text, NULL);
  pier_model_container_action_async (self->model, id, action, NULL, container_action_done, call);
}

#define CONTAINER_ACTION(fn, action)                                                   \
  static void fn (GSimpleAction *a, GVariant *param, gpointer user_data)               \
  {                                                                                    \
    container_action (user_data, g_variant_get_string (param, NULL), action);          \
  }
CONTAINER_ACTION (container_start_activated, PIER_CONTAINER_ACTION_START)
CONTAINER_ACTION (container_stop_activated, PIER_CONTAINER_ACTION_STOP)
CONTAINER_ACTION (container_restart_activated, PIER_CONTAINER_ACTION_RESTART)
CONTAINER_ACTION (container_kill_activated, PIER_CONTAINER_ACTION_KILL)

static void
remove_response (PierRemoveDialog *dialog, const char *response, PierWindow *self)
{
  container_action (self, pier_remove_dialog_get_target (dialog), PIER_CONTAINER_ACTION_REMOVE);
}

static void
container_remove_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *id = g_variant_get_string (param, NULL);
  PierContainerRow *row = pier_model_find_container (self->model, id);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (row == NULL)
    return;
  heading = g_strdup_printf (_("Remove “%s”?"), pier_container_row_get_name (row));
  dialog = pier_remove_dialog_new (GTK_WINDOW (self), heading,
                                   pier_container_row_get_running (row)
                                       ? _("It is running: it will be killed. What it changed in its filesystem and its logs go with it.")
                                       : _("What it changed in its filesystem and its logs go with it."),
                                   id);
  g_signal_connect_object (dialog, "response::remove", G_CALLBACK (remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
container_open_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  pier_window_open_container (user_data, g_variant_get_string (param, NULL), NULL);
}

static void
container_terminal_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  pier_window_open_terminal (user_data, g_variant_get_string (param, NULL));
}

static void
container_graphical_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  PierContainerRow *row = pier_model_find_container (self->model, g_variant_get_string (param, NULL));
  g_autoptr (GError) error = NULL;

  if (row == NULL || !pier_model_get_loaded (self->model))
    return;
  if (!pier_container_row_get_running (row))
    {
      g_set_error (&error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("a graphical session runs in a running container: start it first"));
      pier_ui_show_error (GTK_WIDGET (self), _("Could not open a graphical session"), error);
      return;
    }
  pier_gui_window_open_for_container (GTK_WINDOW (self), pier_model_get_engine (self->model),
                                      pier_container_row_get_id (row),
                                      pier_container_row_get_name (row));
}

static void
pull_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (pier_pull_dialog_new (GTK_WINDOW (self), self->model)));
}

static void
image_open_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  pier_window_open_image (user_data, g_variant_get_string (param, NULL));
}

static const GActionEntry win_actions[] = {
  { "run", run_activated },
  { "image-run", run_activated, "s" },
  { "build", build_activated },
  { "search", search_activated },
  { "show-view", show_view_activated, "s" },
  { "back", back_activated },
  { "toast", toast_activated, "s" },
  { "pull", pull_activated },
  { "container-open", container_open_activated, "s" },
  { "container-start", container_start_activated, "s" },
  { "container-stop", container_stop_activated, "s" },
  { "container-restart", container_restart_activated, "s" },
  { "container-kill", container_kill_activated, "s" },
  { "container-remove", container_remove_activated, "s" },
  { "container-terminal", container_terminal_activated, "s" },
  { "container-graphical", container_graphical_activated, "s" },
  { "image-open", image_open_activated, "s" },
};

void
pier_window_add_actions (PierWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);
}
