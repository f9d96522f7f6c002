/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-pull-dialog.h"

#include "pier-ui-relay.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

struct _PierPullDialog {
  AdwWindow parent_instance;

  GtkWidget *cancel_button;
  GtkWidget *pull_button;
  AdwEntryRow *name_row;
  GtkWidget *progress_group;
  GtkLabel *stage_label;
  GtkProgressBar *progress_bar;
  GtkListBox *blob_list;

  PierModel *model;
  GCancellable *cancellable; /* while pulling */
  PierUiRelay *relay;        /* the pull's progress, while pulling */
  GHashTable *blob_rows;     /* digest → AdwActionRow */
};

G_DEFINE_FINAL_TYPE (PierPullDialog, pier_pull_dialog, ADW_TYPE_WINDOW)

/* "pulling": while a pull runs; the template binds the name and the Pull button to it. */
enum { PROP_0, PROP_PULLING, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_PULLED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
blob_state (const PierBlobTransfer *blob)
{
  switch (blob->state)
    {
    case PIER_BLOB_WAITING: return _("Waiting");
    case PIER_BLOB_EXISTS: return _("Already in the store");
    case PIER_BLOB_MOUNTED: return _("Mounted");
    case PIER_BLOB_TRANSFERRING: return _("Downloading");
    case PIER_BLOB_DONE: return _("Done");
    default: return "";
    }
}

/* A copy of a report of the pull, made on its thread for the main one. */
typedef struct {
  PierTransferProgress progress;
  PierBlobTransfer *blobs;
  GStringChunk *strings;
} Report;

static void
report_free (Report *report)
{
  g_free (report->blobs);
  g_string_chunk_free (report->strings);
  g_free (report);
}

static const char *
report_string (Report *report, const char *text)
{
  return text ? g_string_chunk_insert_const (report->strings, text) : NULL;
}

static void
post_progress (const PierTransferProgress *progress, gpointer relay)
{
  Report *report = g_new0 (Report, 1);

  report->strings = g_string_chunk_new (256);
  report->progress = *progress;
  report->progress.reference = report_string (report, progress->reference);
  report->blobs = g_memdup2 (progress->blobs, sizeof *progress->blobs * progress->n_blobs);
  for (guint i = 0; i < progress->n_blobs; i++)
    {
      report->blobs[i].digest = report_string (report, progress->blobs[i].digest);
      report->blobs[i].mounted_from = report_string (report, progress->blobs[i].mounted_from);
    }
  report->progress.blobs = report->blobs;
  pier_ui_relay_post (relay, report);
}

static void
show_progress (gpointer item, gpointer user_data)
{
  const PierTransferProgress *progress = &((Report *) item)->progress;
  PierPullDialog *self = user_data;
  guint64 total = 0, done = 0;
  const char *stages[] = { _("Reading the manifest…"), _("Downloading the layers…"),
                           _("Adding the image to the store…"), _("Done") };

  gtk_label_set_label (self->stage_label, stages[MIN (progress->stage, G_N_ELEMENTS (stages) - 1)]);
  for (guint i = 0; i < progress->n_blobs; i++)
    {
      const PierBlobTransfer *blob = &progress->blobs[i];
      AdwActionRow *row = g_hash_table_lookup (self->blob_rows, blob->digest);
      GtkProgressBar *bar;
      g_autofree char *size = g_format_size (blob->size);
      g_autofree char *got = g_format_size (blob->done);
      g_autofree char *subtitle = NULL;
      gboolean finished = blob->state == PIER_BLOB_EXISTS || blob->state == PIER_BLOB_DONE ||
                          blob->state == PIER_BLOB_MOUNTED;

      if (row == NULL)
        {
          g_autofree char *short_id = pier_ui_short_id (blob->digest);
          g_autofree char *title = g_strdup_printf ("%s %s", blob->is_config ? _("Configuration") : _("Layer"), short_id);
          row = ADW_ACTION_ROW (adw_action_row_new ());
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
          bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
          gtk_widget_set_valign (GTK_WIDGET (bar), GTK_ALIGN_CENTER);
          gtk_widget_set_size_request (GTK_WIDGET (bar), 140, -1);
          adw_action_row_add_suffix (row, GTK_WIDGET (bar));
          g_object_set_data (G_OBJECT (row), "bar", bar);
          gtk_list_box_append (self->blob_list, GTK_WIDGET (row));
          g_hash_table_insert (self->blob_rows, g_strdup (blob->digest), row);
        }
      bar = g_object_get_data (G_OBJECT (row), "bar");
      gtk_progress_bar_set_fraction (bar, finished ? 1.0 : blob->size ? (double) blob->done / blob->size : 0);
      if (blob->state == PIER_BLOB_TRANSFERRING)
        {
          g_autofree char *rate = g_format_size ((guint64) blob->rate);
          subtitle = g_strdup_printf (_("%s of %s · %s/s"), got, size, rate);
        }
      else
        subtitle = g_strdup_printf ("%s · %s", blob_state (blob), size);
      adw_action_row_set_subtitle (row, subtitle);
      total += blob->size;
      done += finished ? blob->size : blob->done;
    }
  gtk_progress_bar_set_fraction (self->progress_bar, total ? (double) done / total : 0);
}

static void
pulling_changed (PierPullDialog *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PULLING]);
}

typedef struct {
  PierEngine *engine;
  char *reference;
  PierUiRelay *relay;
} Pull;

static void
pull_free (Pull *pull)
{
  g_object_unref (pull->engine);
  g_free (pull->reference);
  pier_ui_relay_unref (pull->relay);
  g_free (pull);
}

static gboolean
pull_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Pull *pull = data;
  PierRegistryAccess access = { 0 };

  return (*result = pier_engine_pull (pull->engine, pull->reference, &access, post_progress,
                                      pull->relay, cancellable, error)) != NULL;
}

static void
pull_ended (PierPullDialog *self)
{
  g_clear_object (&self->cancellable);
  if (self->relay != NULL)
    pier_ui_relay_close (self->relay);
  g_clear_pointer (&self->relay, pier_ui_relay_unref);
}

static void
pull_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierPullDialog *self = PIER_PULL_DIALOG (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (PierPullResult) pulled = NULL;

  pier_ui_task_finish (result, (gpointer *) &pulled, &error);
  if (self->pull_button == NULL)
    return; /* disposed */
  pier_ui_relay_flush (self->relay);
  pull_ended (self);
  pulling_changed (self);
  if (pulled == NULL)
    {
      gtk_label_set_label (self->stage_label, error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        pier_ui_show_error (GTK_WIDGET (self), _("The image cannot be pulled"), error);
      return;
    }
  pier_model_refresh_images (self->model);
  g_signal_emit (self, signals[SIGNAL_PULLED], 0, pulled->reference);
  gtk_window_destroy (GTK_WINDOW (self));
}

void
pier_pull_dialog_pull (PierPullDialog *self)
{
  g_autofree char *reference = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  Pull *pull;

  if (self->cancellable != NULL || *reference == '\0')
    return;
  self->cancellable = g_cancellable_new ();
  g_hash_table_remove_all (self->blob_rows);
  for (GtkWidget *row; (row = gtk_widget_get_first_child (GTK_WIDGET (self->blob_list))) != NULL;)
    gtk_list_box_remove (self->blob_list, row);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_label (self->stage_label, _("Connecting…"));
  gtk_widget_set_visible (self->progress_group, TRUE);
  pulling_changed (self);
  self->relay = pier_ui_relay_new (TRUE, show_progress, self, (GDestroyNotify) report_free);
  pull = g_new0 (Pull, 1);
  pull->engine = g_object_ref (pier_model_get_engine (self->model));
  pull->reference = g_steal_pointer (&reference);
  pull->relay = pier_ui_relay_ref (self->relay);
  pier_ui_run_in_thread (self, self->cancellable, pull_work, pull, (GDestroyNotify) pull_free,
                         (GDestroyNotify) pier_pull_result_free, pull_done, NULL);
}

static void
cancel_clicked (PierPullDialog *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

GtkWidget *
pier_pull_dialog_new (GtkWindow *parent, PierModel *model)
{
  PierPullDialog *self = g_object_new (PIER_TYPE_PULL_DIALOG, "transient-for", parent, NULL);

  self->model = g_object_ref (model);
  return GTK_WIDGET (self);
}

static gboolean
close_request (GtkWindow *window)
{
  PierPullDialog *self = PIER_PULL_DIALOG (window);

  /* Closing while pulling cancels it, never leaves it running unseen. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (pier_pull_dialog_parent_class)->close_request (window);
}

static void
pier_pull_dialog_dispose (GObject *object)
{
  PierPullDialog *self = PIER_PULL_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_PULL_DIALOG);
  g_clear_object (&self->model);
  pull_ended (self);
  G_OBJECT_CLASS (pier_pull_dialog_parent_class)->dispose (object);
}

static void
pier_pull_dialog_finalize (GObject *object)
{
  g_hash_table_unref (PIER_PULL_DIALOG (object)->blob_rows);
  G_OBJECT_CLASS (pier_pull_dialog_parent_class)->finalize (object);
}

static void
pier_pull_dialog_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_PULLING)
    g_value_set_boolean (value, PIER_PULL_DIALOG (object)->cancellable != NULL);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_pull_dialog_class_init (PierPullDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pier_pull_dialog_get_property;
  object_class->dispose = pier_pull_dialog_dispose;
  object_class->finalize = pier_pull_dialog_finalize;
  props[PROP_PULLING] = g_param_spec_boolean ("pulling", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                  G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  GTK_WINDOW_CLASS (klass)->close_request = close_request;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-pull-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, pull_button);
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, progress_group);
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, stage_label);
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PierPullDialog, blob_list);
  gtk_widget_class_bind_template_callback (widget_class, pier_pull_dialog_pull);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, pier_ui_closure_not);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  signals[SIGNAL_PULLED] = g_signal_new ("pulled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pier_pull_dialog_init (PierPullDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->blob_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->pull_button);
}
