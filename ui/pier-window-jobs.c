/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-window-private.h"

#include "pier-error.h"
#include "pier-load-failed-dialog.h"
#include "pier-output-file.h"
#include "pier-remove-dialog.h"
#include "pier-text-dialog.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Image and container work on a thread behind a busy toast: commit, tag, remove, load, import,
 * save; the actions that ask for it and the dialogs that ask what to do. */

typedef gboolean (*JobFunc) (PierEngine *engine, gpointer data, char **message,
                             GCancellable *cancellable, GError **error);
/* Offers what to do about @error instead of the plain error dialog; FALSE to leave it to that. */
typedef gboolean (*JobFailed) (PierWindow *self, gpointer data, const GError *error);

typedef struct {
  PierEngine *engine;
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
  g_object_unref (job->engine);
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

  return job->func (job->engine, job->data, &job->message, cancellable, error);
}

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierWindow *self = user_data;
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

  job->engine = g_object_ref (pier_model_get_engine (self->model));
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->failure = g_strdup (failure);
  job->busy = pier_window_begin_busy (self, busy_text, cancel);
  /* The task holds the window (its source) until job_done(). */
  pier_ui_run_in_thread (self, cancel, job_work, job, (GDestroyNotify) job_free, NULL, job_done, self);
  return job;
}

/* A PierTextDialog over the window; @on_response gets @data back as the dialog's "data". */
static void
ask_text (PierWindow *self, const char *heading, const char *body, const char *label,
          const char *initial, const char *confirm, GCallback on_response, gpointer data,
          GDestroyNotify data_free)
{
  GtkWidget *dialog = pier_text_dialog_new (GTK_WINDOW (self), heading, body, label, initial, confirm);

  g_object_set_data_full (G_OBJECT (dialog), "data", data, data_free);
  g_signal_connect_object (dialog, "response", on_response, self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const char *
dialog_text (AdwMessageDialog *dialog)
{
  return pier_text_dialog_get_text (PIER_TEXT_DIALOG (dialog));
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
commit_job (PierEngine *engine, gpointer data, char **message, GCancellable *cancellable,
            GError **error)
{
  CommitData *commit = data;
  g_autoptr (PierContainerInfo) c = pier_engine_get_container (engine, commit->id, FALSE,
                                                               cancellable, error);
  PierCommitRequest request = { .name = commit->name };
  g_autofree char *image_id = NULL;
  g_autofree char *short_id = NULL;

  if (c == NULL ||
      (image_id = pier_engine_commit (engine, c->id, &request, cancellable, error)) == NULL)
    return FALSE;
  short_id = g_strndup (image_id + strlen ("sha256:"), 12);
  *message = commit->name ? g_strdup_printf (_("“%s” committed as %s"), c->name, commit->name)
                          : g_strdup_printf (_("“%s” committed as image %s"), c->name, short_id);
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
  run_job (self, commit_job, data, (GDestroyNotify) commit_data_free, _("Committing the container…"),
           TRUE, _("Could not commit the container"));
}

static void
container_commit_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *id = g_variant_get_string (param, NULL);
  PierContainerRow *row = pier_model_find_container (self->model, id);
  g_autofree char *heading = g_strdup_printf (_("Commit “%s”"), row ? pier_container_row_get_name (row) : id);

  ask_text (self, heading,
            _("A new image: the container's image with what the container changed on top, as one more layer."),
            _("Name and tag, e.g. myapp:1"), NULL, _("_Commit"), G_CALLBACK (commit_response),
            g_strdup (id), g_free);
}

/* Tag */

static gboolean
tag_job (PierEngine *engine, gpointer data, char **message, GCancellable *cancellable,
         GError **error)
{
  char **names = data;

  if (!pier_engine_tag_image (engine, names[0], names[1], cancellable, error))
    return FALSE;
  *message = g_strdup_printf (_("Tagged %s as %s"), names[0], names[1]);
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
           (GDestroyNotify) g_strfreev, _("Tagging…"), FALSE, _("Could not tag the image"));
}

static void
image_tag_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  const char *target = g_variant_get_string (param, NULL);
  g_autofree char *heading = g_strdup_printf (_("Tag %s"), target);

  ask_text (user_data, heading, _("Another name for the same image. A name another image had moves here."),
            _("Name and tag, e.g. myapp:1"), NULL, _("_Tag"), G_CALLBACK (tag_response),
            g_strdup (target), g_free);
}

/* Remove */

static gboolean
image_remove_job (PierEngine *engine, gpointer data, char **message, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr (PierImageRemoval) report = pier_engine_remove_image (engine, data, FALSE,
                                                                  cancellable, error);

  if (report == NULL)
    return FALSE;
  *message = report->deleted != NULL && report->deleted[0] != NULL ? g_strdup_printf (_("Removed %s"), (char *) data)
                                      : g_strdup_printf (_("Untagged %s"), (char *) data);
  return TRUE;
}

static void
image_remove_response (PierRemoveDialog *dialog, const char *response, PierWindow *self)
{
  run_job (self, image_remove_job, g_strdup (pier_remove_dialog_get_target (dialog)), g_free,
           _("Removing the image…"), FALSE, _("Could not remove the image"));
}

static void
image_remove_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  PierWindow *self = user_data;
  const char *target = g_variant_get_string (param, NULL);
  g_autofree char *heading = g_strdup_printf (_("Remove %s?"), target);
  GtkWidget *dialog = pier_remove_dialog_new (GTK_WINDOW (self), heading,
                                              _("The name goes; the image goes with its last name, "
                                                "and its layers with it unless another image shares them."),
                                              target);

  g_signal_connect_object (dialog, "response::remove", G_CALLBACK (image_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Load, import, save: files */

typedef struct {
  GFile *file;
  char *name;
  const char *format; /* save: "docker-archive" or "oci-archive" */
} FileData;

static void
file_data_free (FileData *data)
{
  g_clear_object (&data->file);
  g_free (data->name);
  g_free (data);
}

/* A descriptor of a file the person chose, closed when it goes out of scope. */
typedef int ChosenFd;

static void
close_chosen_fd (ChosenFd fd)
{
  close (fd);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (ChosenFd, close_chosen_fd, -1)

static int
open_file (GFile *file, int flags, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  int fd = path ? open (path, flags | O_CLOEXEC) : -1;

  if (fd < 0)
    pier_set_errno (error, path ? errno : ENOENT, _("opening %s"), path ? path : g_file_peek_path (file));
  return fd;
}

static gboolean
load_job (PierEngine *engine, gpointer data, char **message, GCancellable *cancellable,
          GError **error)
{
  FileData *load = data;
  g_auto (ChosenFd) fd = open_file (load->file, O_RDONLY, error);
  g_autoptr (GPtrArray) loaded = NULL;

  if (fd < 0 || (loaded = pier_engine_load (engine, fd, cancellable, error)) == NULL)
    return FALSE;
  g_ptr_array_add (loaded, NULL);
  *message = g_strjoinv (", ", (char **) loaded->pdata);
  return TRUE;
}

static void import_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser);

static void
not_an_image_response (PierLoadFailedDialog *dialog, const char *response, PierWindow *self)
{
  import_chosen (self, pier_load_failed_dialog_get_file (dialog), NULL);
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
  heading = g_strdup_printf (_("Could not load %s"), basename);
  dialog = pier_load_failed_dialog_new (GTK_WINDOW (self), heading, error->message, load->file);
  g_signal_connect_object (dialog, "response::import", G_CALLBACK (not_an_image_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

void
pier_window_load_file (PierWindow *self, GFile *file)
{
  FileData *data = g_new0 (FileData, 1);
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *busy = g_strdup_printf (_("Loading %s…"), basename);
  g_autofree char *failure = g_strdup_printf (_("Could not load %s"), basename);

  data->file = g_object_ref (file);
  run_job (self, load_job, data, (GDestroyNotify) file_data_free, busy, TRUE, failure)->failed = load_failed;
}

static gboolean
import_job (PierEngine *engine, gpointer data, char **message, GCancellable *cancellable,
            GError **error)
{
  FileData *import = data;
  g_auto (ChosenFd) fd = open_file (import->file, O_RDONLY, error);
  g_autofree char *source = g_file_get_basename (import->file);
  g_autofree char *image_id = NULL;
  g_auto (GStrv) warnings = NULL;
  g_autofree char *notes = NULL;

  if (fd < 0 ||
      (image_id = pier_engine_import (engine, fd, import->name, source, &warnings, cancellable,
                                      error)) == NULL)
    return FALSE;
  notes = warnings ? g_strjoinv ("; ", warnings) : g_strdup ("");
  *message = g_strdup_printf (_("Imported %s as %s%s%s"), source,
                              import->name ? import->name : image_id, *notes ? ": " : "", notes);
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
  run_job (self, import_job, data, (GDestroyNotify) file_data_free, _("Importing…"), TRUE,
           _("Could not import the file"));
}

static gboolean
save_job (PierEngine *engine, gpointer data, char **message, GCancellable *cancellable,
          GError **error)
{
  FileData *save = data;
  g_autofree char *path = g_file_get_path (save->file);
  g_autoptr (PierOutputFile) out = NULL;
  const char *names[] = { save->name, NULL };

  if (path == NULL)
    return pier_set_errno (error, ENOENT, _("opening %s"), g_file_peek_path (save->file));
  /* A cancelled save leaves the chosen file as it was. */
  out = pier_output_file_open (path, 0644, error);
  if (out == NULL
      || !pier_engine_save (engine, names, save->format, pier_output_file_get_fd (out),
                            cancellable, error)
      || !pier_output_file_commit (out, error))
    return FALSE;
  *message = g_strdup_printf (_("Saved %s to %s"), save->name, path);
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
                                                              accept, _("_Cancel"));
  g_autoptr (GtkFileFilter) archives = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_filter_set_name (archives, _("Archives (.tar, .tar.gz, .tgz)"));
  gtk_file_filter_add_suffix (archives, "tar");
  gtk_file_filter_add_suffix (archives, "tar.gz");
  gtk_file_filter_add_suffix (archives, "tgz");
  gtk_file_filter_set_name (all, _("All Files"));
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
  pier_window_load_file (self, file);
}

static void
load_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  choose_file (user_data, _("Load Images from an Archive"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Load"), load_chosen);
}

static void
import_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser)
{
  g_autofree char *basename = g_file_get_basename (file);
  char *dot = strchr (basename, '.');

  if (dot != NULL)
    *dot = '\0';
  ask_text (self, _("Import a Root Filesystem"),
            _("The archive becomes an image of one layer, as `docker import` makes it."),
            _("Name and tag, e.g. myroot:1"), basename, _("_Import"), G_CALLBACK (import_response),
            g_object_ref (file), g_object_unref);
}

static void
import_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  choose_file (user_data, _("Import a Root Filesystem"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), import_chosen);
}

static void
save_chosen (PierWindow *self, GFile *file, GtkFileChooser *chooser)
{
  FileData *data = g_new0 (FileData, 1);
  const char *format = gtk_file_chooser_get_choice (chooser, "format");

  data->file = g_object_ref (file);
  data->name = g_strdup (g_object_get_data (G_OBJECT (chooser), "target"));
  data->format = g_strcmp0 (format, "oci") == 0 ? "oci-archive" : "docker-archive";
  run_job (self, save_job, data, (GDestroyNotify) file_data_free, _("Saving the image…"), TRUE,
           _("Could not save the image"));
}

static void
image_save_activated (GSimpleAction *a, GVariant *param, gpointer user_data)
{
  const char *target = g_variant_get_string (param, NULL);
  GtkFileChooser *chooser = choose_file (user_data, _("Save the Image"), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), save_chosen);
  g_autofree char *suggested = g_strdup_printf ("%s.tar", target);

  g_strdelimit (suggested, "/:", '-');
  gtk_file_chooser_set_current_name (chooser, suggested);
  gtk_file_chooser_add_choice (chooser, "format", _("Format"),
                               (const char *[]){ "docker", "oci", NULL },
                               (const char *[]){ _("Docker archive (docker load)"), _("OCI archive (podman load)"), NULL });
  gtk_file_chooser_set_choice (chooser, "format", "docker");
  g_object_set_data_full (G_OBJECT (chooser), "target", g_strdup (target), g_free);
}

static const GActionEntry job_actions[] = {
  { "load", load_activated },
  { "import", import_activated },
  { "container-commit", container_commit_activated, "s" },
  { "image-tag", image_tag_activated, "s" },
  { "image-save", image_save_activated, "s" },
  { "image-remove", image_remove_activated, "s" },
};

void
pier_window_add_job_actions (PierWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), job_actions, G_N_ELEMENTS (job_actions), self);
}
