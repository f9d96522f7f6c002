#include "pier-window.h"

#include "pier-build-view.h"
#include "pier-container-changes.h"
#include "pier-container-page.h"
#include "pier-containers-view.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-gui-window.h"
#include "pier-image-archive.h"
#include "pier-image-page.h"
#include "pier-images-view.h"
#include "pier-output-file.h"
#include "pier-processes-view.h"
#include "pier-pull-dialog.h"
#include "pier-reference.h"
#include "pier-run-dialog.h"
#include "pier-terminal.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct _PierWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *main_box;
  GtkStack *main_stack;
  AdwStatusPage *error_page;
  AdwViewStack *view_stack;
  GtkWidget *run_button;
  GtkWidget *add_image_button;
  GtkWidget *search_button;
  PierContainersView *containers_view;
  PierImagesView *images_view;
  PierProcessesView *host_processes_view;
  PierBuildView *build_view;

  PierModel *model;
  GCancellable *cancellable;
  gboolean bench;
};

G_DEFINE_FINAL_TYPE (PierWindow, pier_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- messages ---- */

void
pier_window_toast (PierWindow *self, const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

struct _PierBusy {
  PierWindow *window;
  char *text;
  GCancellable *cancellable;
  AdwToast *toast;
  guint timeout_id;
};

static void
busy_cancel (AdwToast *toast, PierBusy *busy)
{
  g_cancellable_cancel (busy->cancellable);
}

static gboolean
busy_show (gpointer user_data)
{
  PierBusy *busy = user_data;

  busy->timeout_id = 0;
  busy->toast = g_object_ref (adw_toast_new (busy->text));
  adw_toast_set_timeout (busy->toast, 0);
  if (busy->cancellable != NULL)
    {
      adw_toast_set_button_label (busy->toast, "_Cancel");
      g_signal_connect (busy->toast, "button-clicked", G_CALLBACK (busy_cancel), busy);
    }
  adw_toast_overlay_add_toast (busy->window->toast_overlay, g_object_ref (busy->toast));
  return G_SOURCE_REMOVE;
}

PierBusy *
pier_window_begin_busy (PierWindow *self, const char *text, GCancellable *cancellable)
{
  PierBusy *busy = g_new0 (PierBusy, 1);

  busy->window = g_object_ref (self);
  busy->text = g_strdup (text);
  busy->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  busy->timeout_id = g_timeout_add (500, busy_show, busy);
  return busy;
}

void
pier_window_end_busy (PierBusy *busy)
{
  g_clear_handle_id (&busy->timeout_id, g_source_remove);
  if (busy->toast != NULL)
    {
      g_signal_handlers_disconnect_by_data (busy->toast, busy);
      adw_toast_dismiss (busy->toast);
      g_object_unref (busy->toast);
    }
  g_clear_object (&busy->cancellable);
  g_object_unref (busy->window);
  g_free (busy->text);
  g_free (busy);
}

/* ---- pages ---- */

static void
push_page (PierWindow *self, GtkWidget *page)
{
  GtkWidget *visible = adw_leaflet_get_visible_child (self->leaflet);

  /* Pages after the visible one are where "back" already left. */
  for (GtkWidget *child = gtk_widget_get_last_child (GTK_WIDGET (self->leaflet));
       child != NULL && child != visible;)
    {
      GtkWidget *prev = gtk_widget_get_prev_sibling (child);
      adw_leaflet_remove (self->leaflet, child);
      child = prev;
    }
  adw_leaflet_append (self->leaflet, page);
  adw_leaflet_set_visible_child (self->leaflet, page);
}

static void
leaflet_transition_done (PierWindow *self)
{
  GtkWidget *visible = adw_leaflet_get_visible_child (self->leaflet);

  if (adw_leaflet_get_child_transition_running (self->leaflet))
    return;
  for (GtkWidget *child = gtk_widget_get_last_child (GTK_WIDGET (self->leaflet));
       child != NULL && child != visible;)
    {
      GtkWidget *prev = gtk_widget_get_prev_sibling (child);
      adw_leaflet_remove (self->leaflet, child);
      child = prev;
    }
}

GtkWidget *
pier_window_get_page (PierWindow *self)
{
  GtkWidget *visible = adw_leaflet_get_visible_child (self->leaflet);

  return visible == self->main_box ? NULL : visible;
}

void
pier_window_go_back (PierWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

GtkWidget *
pier_window_open_container (PierWindow *self, const char *id, const char *tab)
{
  GtkWidget *page = pier_container_page_new (self->model, id);

  push_page (self, page);
  if (tab != NULL)
    pier_container_page_show_tab (PIER_CONTAINER_PAGE (page), tab);
  return page;
}

GtkWidget *
pier_window_open_image (PierWindow *self, const char *name_or_id)
{
  GtkWidget *page = pier_image_page_new (self->model, name_or_id);

  push_page (self, page);
  return page;
}

/* ---- views ---- */

void
pier_window_show_view (PierWindow *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->view_stack, name);
  if (pier_window_get_page (self) != NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->main_box);
}

GtkWidget *
pier_window_get_view (PierWindow *self, const char *name)
{
  return adw_view_stack_get_child_by_name (self->view_stack, name);
}

static void
view_changed (PierWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  gboolean searchable = g_strcmp0 (name, "build") != 0;

  gtk_widget_set_visible (self->add_image_button, g_strcmp0 (name, "images") == 0);
  gtk_widget_set_visible (self->search_button, searchable);
}

static void
model_changed (PierWindow *self)
{
  if (pier_model_get_error (self->model) != NULL)
    {
      adw_status_page_set_description (self->error_page, pier_model_get_error (self->model));
      gtk_stack_set_visible_child_name (self->main_stack, "error");
    }
  else if (pier_model_get_loaded (self->model))
    gtk_stack_set_visible_child_name (self->main_stack, "views");
}

/* ---- run, terminal ---- */

static void
run_started (PierWindow *self, const char *id)
{
  AdwToast *toast = adw_toast_new ("The container is running");

  adw_toast_set_button_label (toast, "_Open");
  adw_toast_set_action_name (toast, "win.container-open");
  adw_toast_set_action_target_value (toast, g_variant_new_string (id));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  pier_window_show_view (self, "containers");
}

GtkWidget *
pier_window_open_run_dialog (PierWindow *self, const char *image)
{
  PierImageRow *selected = pier_images_view_get_selected (self->images_view);
  GtkWidget *dialog;

  if (image == NULL && selected != NULL)
    image = pier_image_row_get_target (selected);
  dialog = pier_run_dialog_new (GTK_WINDOW (self), self->model, image);
  g_signal_connect_object (dialog, "container-started", G_CALLBACK (run_started), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

GtkWidget *
pier_window_open_terminal (PierWindow *self, const char *id)
{
  GtkWidget *terminal = pier_terminal_new (self->model, id);

  gtk_window_set_application (GTK_WINDOW (terminal),
                              gtk_window_get_application (GTK_WINDOW (self)));
  gtk_window_present (GTK_WINDOW (terminal));
  return terminal;
}

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
      g_autofree char *heading = g_strdup_printf ("Could not %s “%s”",
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
    [PIER_CONTAINER_ACTION_START] = "Starting", [PIER_CONTAINER_ACTION_STOP] = "Stopping",
    [PIER_CONTAINER_ACTION_RESTART] = "Restarting", [PIER_CONTAINER_ACTION_KILL] = "Killing",
    [PIER_CONTAINER_ACTION_REMOVE] = "Removing",
  };
  g_autofree char *text = NULL;

  call->window = g_object_ref (self);
  call->name = g_strdup (row ? pier_container_row_get_name (row) : id);
  call->action = action;
  text = g_strdup_printf ("%s “%s”…", doing[action], call->name);
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
remove_response (AdwMessageDialog *dialog, const char *response, PierWindow *self)
{
  if (g_strcmp0 (response, "remove") == 0)
    container_action (self, g_object_get_data (G_OBJECT (dialog), "id"), PIER_CONTAINER_ACTION_REMOVE);
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
  heading = g_strdup_printf ("Remove “%s”?", pier_container_row_get_name (row));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   pier_container_row_get_running (row)
                                       ? "It is running: it will be killed. What it changed in its filesystem and its logs go with it."
                                       : "What it changed in its filesystem and its logs go with it.");
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "_Cancel", "remove", "_Remove", NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response), self, 0);
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

  if (row == NULL || pier_model_get_store (self->model) == NULL)
    return;
  if (!pier_container_row_get_running (row))
    {
      g_set_error (&error, PIER_ERROR, PIER_ERROR_INVALID,
                   "a graphical session runs in a running container: start it first");
      pier_ui_show_error (GTK_WIDGET (self), "Could not open a graphical session", error);
      return;
    }
  pier_gui_window_open_for_container (GTK_WINDOW (self), pier_model_get_store (self->model),
                                      pier_container_row_get_container (row));
}

/* ---- work on a thread with a busy toast: commit, tag, remove, load, import, save ---- */

typedef gboolean (*JobFunc) (PierStore *store, gpointer data, char **message,
                             GCancellable *cancellable, GError **error);
/* Offers what to do about @error instead of the plain error dialog; FALSE to leave it to that. */
typedef gboolean (*JobFailed) (PierWindow *self, gpointer data, const GError *error);

typedef struct {
  PierStore *store;
  JobFunc func;
  JobFailed failed;
  gpointer data;
  GDestroyNotify data_free;
  char *failure;
  char *message;
  PierBusy *busy;
  gboolean images_changed;
} Job;

static void
job_free (Job *job)
{
  g_object_unref (job->store);
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job->failure);
  g_free (job->message);
  g_free (job);
}

static gboolean
job_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Job *job = data;

  return job->func (job->store, job->data, &job->message, cancellable, error);
}

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierWindow *self = PIER_WINDOW (source);
  Job *job = pier_ui_task_get_data (result);
  g_autoptr (GError) error = NULL;

  pier_window_end_busy (job->busy);
  job->busy = NULL;
  pier_model_refresh_images (self->model);
  if (!pier_ui_task_finish (result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          (job->failed == NULL || !job->failed (self, job->data, error)))
        pier_ui_show_error (GTK_WIDGET (self), job->failure, error);
    }
  else if (job->message != NULL)
    pier_window_toast (self, job->message);
}

/* Runs @func on a worker thread; @busy_text shows if it takes a while (with Cancel when
 * @cancellable), @failure heads its error, the message it returns becomes a toast. The job
 * returned lives until it is done. */
static Job *
run_job (PierWindow *self, JobFunc func, gpointer data, GDestroyNotify data_free,
         const char *busy_text, gboolean cancellable, const char *failure)
{
  g_autoptr (GCancellable) cancel = cancellable ? g_cancellable_new () : NULL;
  Job *job = g_new0 (Job, 1);

  job->store = g_object_ref (pier_model_get_store (self->model));
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->failure = g_strdup (failure);
  job->busy = pier_window_begin_busy (self, busy_text, cancel);
  pier_ui_run_in_thread (self, cancel, job_work, job, (GDestroyNotify) job_free, NULL, job_done, NULL);
  return job;
}

/* An AdwMessageDialog asking for one line of text. */
static GtkWidget *
ask_text (PierWindow *self, const char *heading, const char *body, const char *label,
          const char *initial, const char *confirm, GCallback on_response, gpointer data,
          GDestroyNotify data_free)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  GtkWidget *entry = gtk_entry_new ();

  gtk_editable_set_text (GTK_EDITABLE (entry), initial ? initial : "");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), label);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "_Cancel", "ok", confirm, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "ok", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "ok");
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_object_set_data_full (G_OBJECT (dialog), "data", data, data_free);
  g_signal_connect_object (dialog, "response", on_response, self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
  return dialog;
}

static const char *
dialog_text (AdwMessageDialog *dialog)
{
  return gtk_editable_get_text (g_object_get_data (G_OBJECT (dialog), "entry"));
}

/* Commit */

typedef struct {
  char *id;
  char *name;
} CommitData;

static void
commit_data_free (CommitData *data)
{
  g_free (data->id);
  g_free (data->name);
  g_free (data);
}

static gboolean
commit_job (PierStore *store, gpointer data, char **message, GCancellable *cancellable,
            GError **error)
{
  CommitData *commit = data;
  g_autoptr (PierContainer) c = pier_store_find_container (store, commit->id, error);
  PierCommitOptions options = { .name = commit->name };
  g_autoptr (PierImage) image = NULL;
  g_autofree char *short_id = NULL;

  if (c == NULL || (image = pier_container_commit (store, c, &options, cancellable, error)) == NULL)
    return FALSE;
  short_id = g_strndup (image->id + strlen ("sha256:"), 12);
  *message = commit->name ? g_strdup_printf ("“%s” committed as %s", c->name, commit->name)
                          : g_strdup_printf ("“%s” committed as image %s", c->name, short_id);
  return TRUE;
}

static void
commit_response (AdwMessageDialog *dialog, const char *response, PierWindow *self)
{
  CommitData *data;
  const char *text = g_strstrip ((char *) dialog_text (dialog));

  if (g_strcmp0 (response, "ok") != 0)
    return;
  data = g_new0 (CommitData, 1);
  data->id = g_strdup (g_object_get_data (G_OBJECT (dialog), "data"));
  data->name = *text ? g_strdup (text) : NULL;
  run_job (self, commit_job, data, (GDestroyNotify) commit_data_free, "Committing the container…",
           TRUE, "Could not commit the container");
}

static void
container_commit_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *id = g_variant_get_string (param, NULL);
  PierContainerRow *row = pier_model_find_container (self->model, id);
  g_autofree char *heading = g_strdup_printf ("Commit “%s”", row ? pier_container_row_get_name (row) : id);

  ask_text (self, heading,
            "A new image: the container's image with what the container changed on top, as one more layer.",
            "Name and tag, e.g. myapp:1", NULL, "_Commit", G_CALLBACK (commit_response),
            g_strdup (id), g_free);
}

/* Tag */

static gboolean
tag_job (PierStore *store, gpointer data, char **message, GCancellable *cancellable,
         GError **error)
{
  char **names = data;

  if (!pier_store_tag_image (store, names[0], names[1], error))
    return FALSE;
  *message = g_strdup_printf ("Tagged %s as %s", names[0], names[1]);
  return TRUE;
}

static void
tag_response (AdwMessageDialog *dialog, const char *response, PierWindow *self)
{
  const char *text = g_strstrip ((char *) dialog_text (dialog));

  if (g_strcmp0 (response, "ok") != 0 || *text == '\0')
    return;
  run_job (self, tag_job,
           g_strdupv ((char *[]){ g_object_get_data (G_OBJECT (dialog), "data"), (char *) text, NULL }),
           (GDestroyNotify) g_strfreev, "Tagging…", FALSE, "Could not tag the image");
}

static void
image_tag_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  const char *target = g_variant_get_string (param, NULL);
  g_autofree char *heading = g_strdup_printf ("Tag %s", target);

  ask_text (user_data, heading, "Another name for the same image. A name another image had moves here.",
            "Name and tag, e.g. myapp:1", NULL, "_Tag", G_CALLBACK (tag_response),
            g_strdup (target), g_free);
}

/* Remove */

static gboolean
image_remove_job (PierStore *store, gpointer data, char **message, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (PierRemoveReport) report = pier_store_remove_image (store, data, FALSE, error);

  if (report == NULL)
    return FALSE;
  *message = report->deleted->len > 0 ? g_strdup_printf ("Removed %s", (char *) data)
                                      : g_strdup_printf ("Untagged %s", (char *) data);
  return TRUE;
}

static void
image_remove_response (AdwMessageDialog *dialog, const char *response, PierWindow *self)
{
  if (g_strcmp0 (response, "remove") == 0)
    run_job (self, image_remove_job, g_strdup (g_object_get_data (G_OBJECT (dialog), "target")),
             g_free, "Removing the image…", FALSE, "Could not remove the image");
}

static void
image_remove_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *target = g_variant_get_string (param, NULL);
  g_autofree char *heading = g_strdup_printf ("Remove %s?", target);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                              "The name goes; the image goes with its last name, "
                                              "and its layers with it unless another image shares them.");

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "_Cancel", "remove", "_Remove", NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "target", g_strdup (target), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (image_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
image_open_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  pier_window_open_image (user_data, g_variant_get_string (param, NULL));
}

/* Load, import, save: files */

typedef struct {
  GFile *file;
  char *name;
  PierArchiveFormat format;
} FileData;

static void
file_data_free (FileData *data)
{
  g_clear_object (&data->file);
  g_free (data->name);
  g_free (data);
}

static int
open_file (GFile *file, int flags, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  int fd = path ? open (path, flags | O_CLOEXEC) : -1;

  if (fd < 0)
    pier_set_errno (error, path ? errno : ENOENT, "opening %s", path ? path : g_file_peek_path (file));
  return fd;
}

static gboolean
load_job (PierStore *store, gpointer data, char **message, GCancellable *cancellable,
          GError **error)
{
  FileData *load = data;
  pier_autofd int fd = open_file (load->file, O_RDONLY, error);
  g_autoptr (GPtrArray) loaded = NULL;

  if (fd < 0 ||
      (loaded = pier_store_load_archive (store, pier_read_fd, GINT_TO_POINTER (fd), cancellable, error)) == NULL)
    return FALSE;
  g_ptr_array_add (loaded, NULL);
  *message = g_strjoinv (", ", (char **) loaded->pdata);
  return TRUE;
}

static void import_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser);

static void
not_an_image_response (AdwMessageDialog *dialog, const char *response, PierWindow *self)
{
  if (g_strcmp0 (response, "import") == 0)
    import_chosen (self, g_object_get_data (G_OBJECT (dialog), "file"), NULL);
}

/* A tar that is no image archive may be a root filesystem (a dropped file says neither): the
 * engine's words, and the import it may have been meant for. */
static gboolean
load_failed (PierWindow *self, gpointer data, const GError *error)
{
  FileData *load = data;
  g_autofree char *basename = NULL;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (!g_error_matches (error, PIER_ERROR, PIER_ERROR_INVALID))
    return FALSE;
  basename = g_file_get_basename (load->file);
  heading = g_strdup_printf ("Could not load %s", basename);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, error->message);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "close", "_Close",
                                    "import", "_Import as a Root Filesystem…", NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "import", ADW_RESPONSE_SUGGESTED);
  g_object_set_data_full (G_OBJECT (dialog), "file", g_object_ref (load->file), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (not_an_image_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
load_file (PierWindow *self, GFile *file)
{
  FileData *data = g_new0 (FileData, 1);
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *busy = g_strdup_printf ("Loading %s…", basename);
  g_autofree char *failure = g_strdup_printf ("Could not load %s", basename);

  data->file = g_object_ref (file);
  run_job (self, load_job, data, (GDestroyNotify) file_data_free, busy, TRUE, failure)->failed = load_failed;
}

static gboolean
import_job (PierStore *store, gpointer data, char **message, GCancellable *cancellable,
            GError **error)
{
  FileData *import = data;
  pier_autofd int fd = open_file (import->file, O_RDONLY, error);
  g_autofree char *source = g_file_get_basename (import->file);
  g_autoptr (PierImage) image = NULL;
  g_auto (GStrv) warnings = NULL;
  g_autofree char *notes = NULL;

  if (fd < 0 ||
      (image = pier_store_import_rootfs (store, pier_read_fd, GINT_TO_POINTER (fd), import->name,
                                         source, &warnings, cancellable, error)) == NULL)
    return FALSE;
  notes = g_strjoinv ("; ", warnings);
  *message = g_strdup_printf ("Imported %s as %s%s%s", source,
                              import->name ? import->name : image->id, *notes ? ": " : "", notes);
  return TRUE;
}

static void
import_response (AdwMessageDialog *dialog, const char *response, PierWindow *self)
{
  FileData *data;
  const char *text = g_strstrip ((char *) dialog_text (dialog));

  if (g_strcmp0 (response, "ok") != 0)
    return;
  data = g_new0 (FileData, 1);
  data->file = g_object_ref (g_object_get_data (G_OBJECT (dialog), "data"));
  data->name = *text ? g_strdup (text) : NULL;
  run_job (self, import_job, data, (GDestroyNotify) file_data_free, "Importing…", TRUE,
           "Could not import the file");
}

static gboolean
write_fd (gpointer user_data, const void *buffer, gsize len, GError **error)
{
  int fd = GPOINTER_TO_INT (user_data);
  const char *p = buffer;

  while (len > 0)
    {
      gssize n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          pier_set_errno (error, errno, "writing the archive");
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
save_job (PierStore *store, gpointer data, char **message, GCancellable *cancellable,
          GError **error)
{
  FileData *save = data;
  g_autofree char *path = g_file_get_path (save->file);
  g_autoptr (PierOutputFile) out = NULL;
  const char *names[] = { save->name, NULL };

  if (path == NULL)
    return pier_set_errno (error, ENOENT, "opening %s", g_file_peek_path (save->file));
  /* A cancelled save leaves the chosen file as it was. */
  out = pier_output_file_open (path, 0644, error);
  if (out == NULL
      || !pier_store_save_archive (store, names, save->format, write_fd,
                                   GINT_TO_POINTER (pier_output_file_get_fd (out)), cancellable,
                                   error)
      || !pier_output_file_commit (out, error))
    return FALSE;
  *message = g_strdup_printf ("Saved %s to %s", save->name, path);
  return TRUE;
}

typedef void (*FileChosen) (PierWindow *self, GFile *file, GtkFileChooser *chooser);

static void
chooser_response (GtkNativeDialog *native, int response, PierWindow *self)
{
  FileChosen chosen = g_object_get_data (G_OBJECT (native), "chosen");
  g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    chosen (self, file, GTK_FILE_CHOOSER (native));
  g_object_unref (native);
}

static GtkFileChooser *
choose_file (PierWindow *self, const char *title, GtkFileChooserAction action,
             const char *accept, FileChosen chosen)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action,
                                                              accept, "_Cancel");
  g_autoptr (GtkFileFilter) archives = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_filter_set_name (archives, "Archives (.tar, .tar.gz, .tgz)");
  gtk_file_filter_add_suffix (archives, "tar");
  gtk_file_filter_add_suffix (archives, "tar.gz");
  gtk_file_filter_add_suffix (archives, "tgz");
  gtk_file_filter_set_name (all, "All Files");
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), archives);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
  g_object_set_data (G_OBJECT (native), "chosen", chosen);
  g_signal_connect_object (native, "response", G_CALLBACK (chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
  return GTK_FILE_CHOOSER (native);
}

static void
load_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser)
{
  load_file (self, file);
}

static void
load_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  choose_file (user_data, "Load Images from an Archive", GTK_FILE_CHOOSER_ACTION_OPEN, "_Load", load_chosen);
}

static void
import_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser)
{
  g_autofree char *basename = g_file_get_basename (file);
  char *dot = strchr (basename, '.');

  if (dot != NULL)
    *dot = '\0';
  ask_text (self, "Import a Root Filesystem",
            "The archive becomes an image of one layer, as `docker import` makes it.",
            "Name and tag, e.g. myroot:1", basename, "_Import", G_CALLBACK (import_response),
            g_object_ref (file), g_object_unref);
}

static void
import_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  choose_file (user_data, "Import a Root Filesystem", GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", import_chosen);
}

static void
save_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser)
{
  FileData *data = g_new0 (FileData, 1);
  const char *format = gtk_file_chooser_get_choice (chooser, "format");

  data->file = g_object_ref (file);
  data->name = g_strdup (g_object_get_data (G_OBJECT (chooser), "target"));
  data->format = g_strcmp0 (format, "oci") == 0 ? PIER_ARCHIVE_OCI : PIER_ARCHIVE_DOCKER;
  run_job (self, save_job, data, (GDestroyNotify) file_data_free, "Saving the image…", TRUE,
           "Could not save the image");
}

static void
image_save_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  const char *target = g_variant_get_string (param, NULL);
  GtkFileChooser *chooser = choose_file (user_data, "Save the Image", GTK_FILE_CHOOSER_ACTION_SAVE,
                                         "_Save", save_chosen);
  g_autofree char *suggested = g_strdup_printf ("%s.tar", target);

  g_strdelimit (suggested, "/:", '-');
  gtk_file_chooser_set_current_name (chooser, suggested);
  gtk_file_chooser_add_choice (chooser, "format", "Format",
                               (const char *[]){ "docker", "oci", NULL },
                               (const char *[]){ "Docker archive (docker load)", "OCI archive (podman load)", NULL });
  gtk_file_chooser_set_choice (chooser, "format", "docker");
  g_object_set_data_full (G_OBJECT (chooser), "target", g_strdup (target), g_free);
}

static void
pull_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;

  gtk_window_present (GTK_WINDOW (pier_pull_dialog_new (GTK_WINDOW (self), self->model)));
}

/* Dropping archives on the window loads them. */
static gboolean
drop_files (GtkDropTarget *target, const GValue *value, double x, double y, PierWindow *self)
{
  GSList *files = g_value_get_boxed (value);

  if (pier_model_get_store (self->model) == NULL)
    return FALSE;
  for (GSList *l = files; l != NULL; l = l->next)
    load_file (self, l->data);
  pier_window_show_view (self, "images");
  return files != NULL;
}

/* ---- set-up ---- */

static const GActionEntry win_actions[] = {
  { "run", run_activated },
  { "image-run", run_activated, "s" },
  { "build", build_activated },
  { "search", search_activated },
  { "show-view", show_view_activated, "s" },
  { "back", back_activated },
  { "toast", toast_activated, "s" },
  { "pull", pull_activated },
  { "load", load_activated },
  { "import", import_activated },
  { "container-open", container_open_activated, "s" },
  { "container-start", container_start_activated, "s" },
  { "container-stop", container_stop_activated, "s" },
  { "container-restart", container_restart_activated, "s" },
  { "container-kill", container_kill_activated, "s" },
  { "container-remove", container_remove_activated, "s" },
  { "container-commit", container_commit_activated, "s" },
  { "container-terminal", container_terminal_activated, "s" },
  { "container-graphical", container_graphical_activated, "s" },
  { "image-open", image_open_activated, "s" },
  { "image-tag", image_tag_activated, "s" },
  { "image-save", image_save_activated, "s" },
  { "image-remove", image_remove_activated, "s" },
};

/* PIER_BENCH=1: the wall-clock times of the first frame and of the first frame with the
 * containers listed, for tests/bench/bench-ui.sh. With PIER_BENCH_PROCESSES=ID as well, the
 * window then opens that container's Processes page and refreshes it back to back
 * (PIER_BENCH_REFRESHES times, 30 by default), printing each refresh's time from the start
 * of the scan to the frame that shows it, then quits. */
typedef struct {
  PierWindow *window;
  PierProcessesView *view;
  gint64 started;
  gint64 refreshed; /* the refresh's own time, before the frame */
  guint left;
} BenchRefresh;

static void
bench_refresh_painted (GdkFrameClock *clock, BenchRefresh *bench)
{
  if (bench->started == 0)
    return;
  g_print ("pier-bench processes-refresh %" G_GINT64_FORMAT " refreshed=%" G_GINT64_FORMAT " rows=%u\n",
           g_get_monotonic_time () - bench->started, bench->refreshed,
           g_list_model_get_n_items (G_LIST_MODEL (pier_processes_view_get_selection (bench->view))));
  bench->started = 0;
  if (--bench->left == 0)
    {
      g_signal_handlers_disconnect_by_data (clock, bench);
      g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (bench->window))));
      return;
    }
  pier_processes_view_refresh (bench->view);
}

static void
bench_refreshed (PierProcessesView *view, gint64 usec, BenchRefresh *bench)
{
  bench->started = g_get_monotonic_time () - usec;
  bench->refreshed = usec;
  /* Identical rows change nothing on screen; the frame is what is measured, so ask for it. */
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

static void
bench_open_processes (PierWindow *self, GdkFrameClock *clock, const char *id)
{
  const char *count = g_getenv ("PIER_BENCH_REFRESHES");
  GtkWidget *page = pier_window_open_container (self, id, "processes");
  BenchRefresh *bench = g_new0 (BenchRefresh, 1);

  bench->window = self;
  bench->view = pier_container_page_get_processes_view (PIER_CONTAINER_PAGE (page));
  bench->left = count != NULL && atoi (count) > 0 ? (guint) atoi (count) : 30;
  g_object_set_data_full (G_OBJECT (self), "pier-bench-refresh", bench, g_free);
  g_signal_connect (bench->view, "refreshed", G_CALLBACK (bench_refreshed), bench);
  g_signal_connect (clock, "after-paint", G_CALLBACK (bench_refresh_painted), bench);
}

static void
bench_after_paint (GdkFrameClock *clock, PierWindow *self)
{
  static gboolean first_frame_done;
  guint n = g_list_model_get_n_items (pier_model_get_containers (self->model));

  if (!first_frame_done)
    {
      first_frame_done = TRUE;
      g_print ("pier-bench first-frame %" G_GINT64_FORMAT "\n", g_get_real_time ());
    }
  if (pier_model_get_loaded (self->model) &&
      gtk_widget_get_mapped (GTK_WIDGET (self->containers_view)) &&
      (n == 0 || pier_containers_view_get_listed (self->containers_view)))
    {
      g_print ("pier-bench populated %" G_GINT64_FORMAT " containers=%u\n", g_get_real_time (), n);
      g_signal_handlers_disconnect_by_func (clock, bench_after_paint, self);
      if (g_getenv ("PIER_BENCH_PROCESSES") != NULL)
        bench_open_processes (self, clock, g_getenv ("PIER_BENCH_PROCESSES"));
    }
}

static void
bench_realized (PierWindow *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_signal_connect_object (clock, "after-paint", G_CALLBACK (bench_after_paint), self, 0);
}

static void
pier_window_dispose (GObject *object)
{
  PierWindow *self = PIER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_WINDOW);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_window_parent_class)->dispose (object);
}

static void
pier_window_finalize (GObject *object)
{
  PierWindow *self = PIER_WINDOW (object);

  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (pier_window_parent_class)->finalize (object);
}

static void
pier_window_class_init (PierWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = pier_window_finalize;
  g_type_ensure (PIER_TYPE_CONTAINERS_VIEW);
  g_type_ensure (PIER_TYPE_IMAGES_VIEW);
  g_type_ensure (PIER_TYPE_PROCESSES_VIEW);
  g_type_ensure (PIER_TYPE_BUILD_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PierWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, main_box);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, add_image_button);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, containers_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, images_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, host_processes_view);
  gtk_widget_class_bind_template_child (widget_class, PierWindow, build_view);
}

static void
pier_window_init (PierWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_files), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  g_signal_connect_swapped (self->view_stack, "notify::visible-child", G_CALLBACK (view_changed), self);
  g_signal_connect_swapped (self->leaflet, "notify::child-transition-running",
                            G_CALLBACK (leaflet_transition_done), self);
  view_changed (self);
  self->bench = g_getenv ("PIER_BENCH") != NULL;
  if (self->bench)
    g_signal_connect (self, "realize", G_CALLBACK (bench_realized), NULL);
}

PierWindow *
pier_window_new (GtkApplication *app, PierModel *model)
{
  PierWindow *self = g_object_new (PIER_TYPE_WINDOW, "application", app, NULL);

  self->model = g_object_ref (model);
  pier_containers_view_set_model (self->containers_view, model);
  pier_images_view_set_model (self->images_view, model);
  pier_processes_view_set_model (self->host_processes_view, model);
  pier_build_view_set_model (self->build_view, model);
  g_signal_connect_object (model, "notify::loaded", G_CALLBACK (model_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (model, "notify::error", G_CALLBACK (model_changed), self, G_CONNECT_SWAPPED);
  model_changed (self);
  return self;
}

PierModel *
pier_window_get_model (PierWindow *self)
{
  return self->model;
}
