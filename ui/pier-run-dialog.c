/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-run-dialog.h"

#include "pier-error.h"
#include "pier-quantity.h"
#include "pier-shell-words.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

struct _PierRunDialog {
  AdwWindow parent_instance;

  GtkWidget *run_button;
  AdwComboRow *image_row;
  AdwEntryRow *command_row;
  GtkSwitch *tty_switch;
  GtkSwitch *remove_switch;
  AdwEntryRow *name_row;
  AdwEntryRow *hostname_row;
  AdwPreferencesGroup *env_group;
  AdwPreferencesGroup *volumes_group;
  AdwComboRow *network_row;
  AdwEntryRow *memory_row;
  AdwEntryRow *cpus_row;
  AdwEntryRow *pids_row;

  PierModel *model;
  GtkStringList *images;
  GPtrArray *env_rows;
  GPtrArray *volume_rows;
  char *error;
  gboolean running;
};

G_DEFINE_FINAL_TYPE (PierRunDialog, pier_run_dialog, ADW_TYPE_WINDOW)

/* "running": while the container starts; the template binds the Run button to it. */
enum { PROP_0, PROP_RUNNING, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_CONTAINER_STARTED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- the form ---- */

static void
remove_row (GtkButton *button, PierRunDialog *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);
  AdwPreferencesGroup *group = g_ptr_array_find (self->env_rows, row, NULL) ? self->env_group : self->volumes_group;

  g_ptr_array_remove (self->env_rows, row);
  g_ptr_array_remove (self->volume_rows, row);
  adw_preferences_group_remove (group, row);
}

static GtkWidget *
suffix_button (const char *icon, const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static AdwEntryRow *
add_row (PierRunDialog *self, AdwPreferencesGroup *group, GPtrArray *rows, const char *title,
         const char *text)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *remove = suffix_button ("user-trash-symbolic", _("Remove"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_row), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);
  return ADW_ENTRY_ROW (row);
}

static void
add_env_clicked (PierRunDialog *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (add_row (self, self->env_group, self->env_rows, "NAME=value", NULL)));
}

static void
folder_chosen (GtkNativeDialog *native, int response, AdwEntryRow *row)
{
  g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

  if (response == GTK_RESPONSE_ACCEPT && path != NULL)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
      const char *colon = strchr (text, ':');
      g_autofree char *spec = g_strconcat (path, colon ? colon : ":/data", NULL);
      gtk_editable_set_text (GTK_EDITABLE (row), spec);
    }
  g_object_unref (native);
  g_object_unref (row);
}

static void
choose_folder (GtkButton *button, PierRunDialog *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);
  GtkFileChooserNative *native = gtk_file_chooser_native_new (_("Folder to Share"), GTK_WINDOW (self),
                                                              GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                              _("_Choose"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (folder_chosen), g_object_ref (row));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
add_volume_clicked (PierRunDialog *self)
{
  AdwEntryRow *row = add_row (self, self->volumes_group, self->volume_rows, "/host/path:/path/inside", NULL);
  GtkWidget *choose = suffix_button ("folder-open-symbolic", _("Choose a Folder"));

  g_signal_connect (choose, "clicked", G_CALLBACK (choose_folder), self);
  adw_entry_row_add_prefix (row, choose);
  gtk_widget_grab_focus (GTK_WIDGET (row));
}

void
pier_run_dialog_set_image (PierRunDialog *self, const char *image)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->images));

  for (guint i = 0; image != NULL && i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->images, i), image) == 0)
      {
        adw_combo_row_set_selected (self->image_row, i);
        return;
      }
  /* An id, or a name the list does not show: offered as it was given. */
  if (image != NULL)
    {
      gtk_string_list_append (self->images, image);
      adw_combo_row_set_selected (self->image_row, n);
    }
}

void
pier_run_dialog_set_command (PierRunDialog *self, const char *command)
{
  gtk_editable_set_text (GTK_EDITABLE (self->command_row), command ? command : "");
}

void
pier_run_dialog_set_container_name (PierRunDialog *self, const char *name)
{
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name ? name : "");
}

void
pier_run_dialog_set_hostname (PierRunDialog *self, const char *hostname)
{
  gtk_editable_set_text (GTK_EDITABLE (self->hostname_row), hostname ? hostname : "");
}

void
pier_run_dialog_set_terminal (PierRunDialog *self, gboolean terminal)
{
  gtk_switch_set_active (self->tty_switch, terminal);
}

void
pier_run_dialog_add_env (PierRunDialog *self, const char *name_value)
{
  add_row (self, self->env_group, self->env_rows, "NAME=value", name_value);
}

void
pier_run_dialog_set_network (PierRunDialog *self, const char *mode)
{
  const char *modes[] = { NULL, "bridge", "none", "host" };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    if (g_strcmp0 (modes[i], mode) == 0)
      adw_combo_row_set_selected (self->network_row, i);
}

void
pier_run_dialog_set_limits (PierRunDialog *self, const char *memory, const char *cpus,
                            const char *pids)
{
  gtk_editable_set_text (GTK_EDITABLE (self->memory_row), memory ? memory : "");
  gtk_editable_set_text (GTK_EDITABLE (self->cpus_row), cpus ? cpus : "");
  gtk_editable_set_text (GTK_EDITABLE (self->pids_row), pids ? pids : "");
}

const char *
pier_run_dialog_get_error (PierRunDialog *self)
{
  return self->error;
}

/* ---- reading the form ---- */

/* What the worker thread needs: the form's values, owned. */
typedef struct {
  PierEngine *engine;
  char *image, *name, *hostname, *memory_text;
  GStrv command, env, volumes;
  gboolean tty, auto_remove;
  const char *network; /* NULL: the engine's default */
  char *id;            /* once started */
  guint64 memory_bytes;
  gint64 pids_limit;
  double cpus;
} Request;

static void
request_free (Request *r)
{
  g_clear_object (&r->engine);
  g_free (r->id);
  g_free (r->image);
  g_free (r->name);
  g_free (r->hostname);
  g_free (r->memory_text);
  g_strfreev (r->command);
  g_strfreev (r->env);
  g_strfreev (r->volumes);
  g_free (r);
}

static char *
entry_text (gpointer editable)
{
  char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable)));

  g_strstrip (text);
  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static GStrv
rows_text (GPtrArray *rows)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *text = entry_text (rows->pdata[i]);
      if (text != NULL)
        g_strv_builder_add (builder, text);
    }
  return g_strv_builder_end (builder);
}

static Request *
read_form (PierRunDialog *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  Request *r = g_new0 (Request, 1);
  g_autofree char *command = entry_text (self->command_row);
  g_autofree char *memory = entry_text (self->memory_row);
  g_autofree char *cpus = entry_text (self->cpus_row);
  g_autofree char *pids = entry_text (self->pids_row);
  guint network = adw_combo_row_get_selected (self->network_row);
  GtkStringObject *image = adw_combo_row_get_selected_item (self->image_row);

  r->engine = g_object_ref (pier_model_get_engine (self->model));
  r->image = image ? g_strdup (gtk_string_object_get_string (image)) : NULL;
  r->name = entry_text (self->name_row);
  r->hostname = entry_text (self->hostname_row);
  r->tty = gtk_switch_get_active (self->tty_switch);
  r->auto_remove = gtk_switch_get_active (self->remove_switch);
  r->env = rows_text (self->env_rows);
  r->volumes = rows_text (self->volume_rows);
  if (network > 0 && network != GTK_INVALID_LIST_POSITION)
    r->network = network == 2 ? "none" : network == 3 ? "host" : "bridge";
  if (r->image == NULL)
    g_set_error (&local_error, PIER_ERROR, PIER_ERROR_INVALID, _("choose an image to run"));
  else if (command != NULL &&
           (r->command = pier_shell_expand_words (command, '\\', PIER_SHELL_WORDS_SKIP_UNSET, NULL, NULL,
                                                  &local_error)) == NULL)
    g_prefix_error (&local_error, _("command: "));
  else if (memory != NULL && !pier_quantity_parse_size (_("memory limit"), memory,
                                                       PIER_RUN_MEMORY_MAX,
                                                       &r->memory_bytes, &local_error))
    ;
  else if (cpus != NULL && !pier_quantity_parse_decimal (_("CPUs"), cpus, PIER_RUN_CPUS_MIN,
                                                         PIER_RUN_CPUS_MAX, &r->cpus,
                                                         &local_error))
    ;
  else if (pids != NULL && (!g_ascii_string_to_signed (pids, 10, -1, G_MAXINT32, &r->pids_limit, NULL)
                            || r->pids_limit == 0))
    g_set_error (&local_error, PIER_ERROR, PIER_ERROR_INVALID,
                 _("process limit “%s”: a whole number above 0, or -1 for none"), pids);
  if (local_error != NULL)
    {
      request_free (r);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return r;
}

/* ---- running ---- */

static void
started (const char *id, const char *const *warnings, gpointer data)
{
  Request *r = data;

  r->id = g_strdup (id);
  for (const char *const *w = warnings; w && *w; w++)
    g_message ("%s: %s", r->name ? r->name : id, *w);
}

static gboolean
run_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Request *r = data;
  PierRunOptions o = {
    .image = r->image,
    .name = r->name,
    .hostname = r->hostname,
    .command = (const char *const *) r->command,
    .env = (const char *const *) r->env,
    .volumes = (const char *const *) r->volumes,
    .network = r->network,
    .memory_bytes = r->memory_bytes,
    .cpus = r->cpus,
    .pids_limit = r->pids_limit,
    .tty = r->tty,
    .interactive = r->tty,
    .auto_remove = r->auto_remove,
  };

  if (!pier_engine_run (r->engine, &o, NULL, started, r, NULL, cancellable, error))
    return FALSE;
  *result = g_steal_pointer (&r->id);
  return TRUE;
}

static void
set_running (PierRunDialog *self, gboolean running)
{
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

/* The Run button's label, bound to "running" in the template. */
static char *
run_label (gpointer this, gboolean running)
{
  return g_strdup (running ? _("Starting…") : _("_Run"));
}

static void
fail (PierRunDialog *self, GError *error)
{
  g_free (self->error);
  self->error = g_strdup (error->message);
  pier_ui_show_error (GTK_WIDGET (self), _("The container cannot run"), error);
}

static void
run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierRunDialog *self = PIER_RUN_DIALOG (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  pier_ui_task_finish (result, (gpointer *) &id, &error);

  set_running (self, FALSE);
  if (id == NULL)
    {
      /* As `pierctl run`, a run that did not start left no container. */
      fail (self, error);
      return;
    }
  pier_model_refresh_container (self->model, id);
  g_signal_emit (self, signals[SIGNAL_CONTAINER_STARTED], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

void
pier_run_dialog_run (PierRunDialog *self)
{
  g_autoptr (GError) error = NULL;
  Request *r;

  if (self->running)
    return;
  if ((r = read_form (self, &error)) == NULL)
    {
      fail (self, error);
      return;
    }
  set_running (self, TRUE);
  g_clear_pointer (&self->error, g_free);
  /* No cancellable: a run once asked for is reported, even after the dialog closed. */
  pier_ui_run_in_thread (self, NULL, run_work, r, (GDestroyNotify) request_free, g_free, run_done,
                         NULL);
}

GtkWidget *
pier_run_dialog_new (GtkWindow *parent, PierModel *model, const char *image)
{
  PierRunDialog *self = g_object_new (PIER_TYPE_RUN_DIALOG, "transient-for", parent, NULL);
  GListModel *images = pier_model_get_images (model);
  guint n = g_list_model_get_n_items (images);

  self->model = g_object_ref (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (images, i);
      if (pier_image_row_get_reference (row) != NULL)
        gtk_string_list_append (self->images, pier_image_row_get_target (row));
    }
  adw_combo_row_set_model (self->image_row, G_LIST_MODEL (self->images));
  pier_run_dialog_set_image (self, image);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->command_row));
  return GTK_WIDGET (self);
}

static void
pier_run_dialog_dispose (GObject *object)
{
  PierRunDialog *self = PIER_RUN_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_RUN_DIALOG);
  g_clear_object (&self->model);
  g_clear_object (&self->images);
  G_OBJECT_CLASS (pier_run_dialog_parent_class)->dispose (object);
}

static void
pier_run_dialog_finalize (GObject *object)
{
  PierRunDialog *self = PIER_RUN_DIALOG (object);

  g_ptr_array_unref (self->env_rows);
  g_ptr_array_unref (self->volume_rows);
  g_free (self->error);
  G_OBJECT_CLASS (pier_run_dialog_parent_class)->finalize (object);
}

static void
pier_run_dialog_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_RUNNING)
    g_value_set_boolean (value, PIER_RUN_DIALOG (object)->running);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_run_dialog_class_init (PierRunDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pier_run_dialog_get_property;
  object_class->dispose = pier_run_dialog_dispose;
  object_class->finalize = pier_run_dialog_finalize;
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                  G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-run-dialog.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PierRunDialog, name)
  CHILD (run_button);
  CHILD (image_row);
  CHILD (command_row);
  CHILD (tty_switch);
  CHILD (remove_switch);
  CHILD (name_row);
  CHILD (hostname_row);
  CHILD (env_group);
  CHILD (volumes_group);
  CHILD (network_row);
  CHILD (memory_row);
  CHILD (cpus_row);
  CHILD (pids_row);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, pier_run_dialog_run);
  gtk_widget_class_bind_template_callback (widget_class, add_env_clicked);
  gtk_widget_class_bind_template_callback (widget_class, add_volume_clicked);
  gtk_widget_class_bind_template_callback (widget_class, run_label);
  gtk_widget_class_bind_template_callback (widget_class, pier_ui_closure_not);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  signals[SIGNAL_CONTAINER_STARTED] = g_signal_new ("container-started", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                    G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pier_run_dialog_init (PierRunDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->images = gtk_string_list_new (NULL);
  self->env_rows = g_ptr_array_new ();
  self->volume_rows = g_ptr_array_new ();
  gtk_window_set_default_widget (GTK_WINDOW (self), self->run_button);
}
