/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-build-view.h"

#include "pier-reference.h"
#include "pier-shell-words.h"
#include "pier-ui-relay.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

#include <adwaita.h>

struct _PierBuildView {
  GtkWidget parent_instance;

  AdwActionRow *context_row;
  AdwEntryRow *dockerfile_row;
  AdwEntryRow *tags_row;
  AdwEntryRow *args_row;
  GtkSwitch *no_cache_switch;
  GtkWidget *build_button;
  GtkWidget *cancel_button;
  GtkWidget *open_button;
  GtkWidget *progress_box;
  GtkLabel *status_label;
  GtkProgressBar *progress_bar;
  GtkWidget *steps_group;
  GtkListBox *step_list;

  PierModel *model;
  char *context;
  GCancellable *cancellable; /* while building */
  PierUiRelay *relay;        /* the build's steps, while building */
  char *built_name;          /* the first name the image got, normalized */
  GPtrArray *steps;          /* Step, by number - 1 */
  guint n_steps;
  guint n_done;
  guint n_cached;
  char *image_id;
  char *error;
};

G_DEFINE_FINAL_TYPE (PierBuildView, pier_build_view, GTK_TYPE_WIDGET)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  AdwExpanderRow *row;
  GtkStack *icon;
  GtkTextBuffer *output;
  char *instruction;
  gboolean cached;
} Step;

static void
step_free (Step *step)
{
  g_free (step->instruction);
  g_free (step);
}

/* ---- the form ---- */

/* Build is offered with a context chosen, no build running, and an engine that builds; when it
 * does not, the button says so (never an error after a click). */
static void
update_build_button (PierBuildView *self)
{
  gboolean builds = self->model == NULL
                    || pier_engine_can (pier_model_get_engine (self->model), PIER_ENGINE_CALL_BUILD);

  gtk_widget_set_sensitive (self->build_button,
                            builds && self->context != NULL && self->cancellable == NULL);
  gtk_widget_set_tooltip_text (self->build_button,
                               builds ? NULL
                                      : _("This connection's engine does not build images"));
}

void
pier_build_view_set_context (PierBuildView *self, const char *path)
{
  g_free (self->context);
  self->context = g_strdup (path);
  adw_action_row_set_subtitle (self->context_row, path ? path : _("None chosen"));
  update_build_button (self);
}

void
pier_build_view_set_tags (PierBuildView *self, const char *tags)
{
  gtk_editable_set_text (GTK_EDITABLE (self->tags_row), tags ? tags : "");
}

static void
context_chosen (GtkNativeDialog *native, int response, PierBuildView *self)
{
  g_autoptr (GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

  if (response == GTK_RESPONSE_ACCEPT && path != NULL)
    pier_build_view_set_context (self, path);
  g_object_unref (native);
}

static void
choose_context (PierBuildView *self)
{
  GtkFileChooserNative *native = gtk_file_chooser_native_new (_("Context Folder"),
                                                              GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                              GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                              _("_Choose"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect_object (native, "response", G_CALLBACK (context_chosen), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- the steps ---- */

static Step *
current_step (PierBuildView *self, guint number)
{
  return number >= 1 && number <= self->steps->len ? self->steps->pdata[number - 1] : NULL;
}

static void
set_step_state (Step *step, const char *icon, const char *subtitle)
{
  gtk_stack_set_visible_child_name (step->icon, icon);
  adw_expander_row_set_subtitle (step->row, subtitle);
}

static Step *
add_step (PierBuildView *self, const PierBuildStep *event)
{
  Step *step = g_new0 (Step, 1);
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *icon = gtk_stack_new ();
  GtkWidget *spinner = gtk_spinner_new ();
  GtkWidget *view = gtk_text_view_new ();
  g_autofree char *subtitle = g_strdup_printf (_("Step %u of %u · running…"), event->step, event->n_steps);

  step->instruction = g_strdup (event->text);
  step->row = ADW_EXPANDER_ROW (row);
  step->icon = GTK_STACK (icon);
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_stack_add_named (step->icon, spinner, "running");
  gtk_stack_add_named (step->icon, gtk_image_new_from_icon_name ("emblem-ok-symbolic"), "done");
  gtk_stack_add_named (step->icon, gtk_image_new_from_icon_name ("emblem-synchronizing-symbolic"), "cached");
  gtk_stack_add_named (step->icon, gtk_image_new_from_icon_name ("dialog-error-symbolic"), "failed");
  gtk_stack_add_named (step->icon, gtk_image_new_from_icon_name ("process-stop-symbolic"), "cancelled");
  gtk_widget_add_css_class (icon, "build-step-icon");
  adw_expander_row_add_prefix (step->row, icon);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), event->text);
  gtk_widget_add_css_class (row, "build-step");
  set_step_state (step, "running", subtitle);

  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_widget_add_css_class (view, "build-output");
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Step output"), -1);
  step->output = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  adw_expander_row_add_row (step->row, view);
  gtk_list_box_append (self->step_list, row);
  g_ptr_array_add (self->steps, step);
  return step;
}

static void
step_finished (PierBuildView *self, Step *step, const PierBuildStep *event)
{
  g_autofree char *subtitle = g_strdup_printf (_("Step %u of %u · %s%.1f s"), event->step, event->n_steps,
                                               step->cached ? _("from the cache · ") : "", event->seconds);

  set_step_state (step, step->cached ? "cached" : "done", subtitle);
  self->n_done = event->step;
  gtk_progress_bar_set_fraction (self->progress_bar, event->n_steps ? (double) event->step / event->n_steps : 1);
}

/* A step event copied on the building thread for the main one. */
typedef struct {
  PierBuildStep step;
  char *text, *id, *data;
} StepCopy;

static void
step_copy_free (StepCopy *copy)
{
  g_free (copy->text);
  g_free (copy->id);
  g_free (copy->data);
  g_free (copy);
}

static void
post_step (const PierBuildStep *step, gpointer relay)
{
  StepCopy *copy = g_new0 (StepCopy, 1);

  copy->step = *step;
  copy->step.text = copy->text = g_strdup (step->text);
  copy->step.id = copy->id = g_strdup (step->id);
  copy->step.data = copy->data = g_memdup2 (step->data, step->len);
  pier_ui_relay_post (relay, copy);
}

/* The first of the names (familiar, one a line) the image got, as the store keeps it. */
static char *
first_name (const char *names)
{
  g_autofree char *first = g_strndup (names, strcspn (names, "\n"));
  g_autoptr (PierReference) ref = *first ? pier_reference_parse (first, NULL) : NULL;

  return ref ? pier_reference_to_string (ref) : NULL;
}

static void
build_progress (gpointer item, gpointer user_data)
{
  const PierBuildStep *event = &((StepCopy *) item)->step;
  PierBuildView *self = user_data;
  Step *step = current_step (self, event->step);
  GtkTextIter end;
  g_autofree char *status = NULL;

  if (self->cancellable == NULL)
    return;
  switch (event->type)
    {
    case PIER_BUILD_STEP_BEGIN:
      self->n_steps = event->n_steps;
      step = add_step (self, event);
      status = g_strdup_printf (_("Step %u of %u: %s"), event->step, event->n_steps, event->text);
      gtk_label_set_label (self->status_label, status);
      break;
    case PIER_BUILD_STEP_TRIGGERS:
      status = g_strdup_printf (_("Running %u ONBUILD triggers of the base image"), event->n_steps);
      gtk_label_set_label (self->status_label, status);
      break;
    case PIER_BUILD_STEP_RUNNING:
      break;
    case PIER_BUILD_STEP_OUTPUT:
      if (step != NULL)
        {
          gtk_text_buffer_get_end_iter (step->output, &end);
          gtk_text_buffer_insert (step->output, &end, event->data, event->len);
        }
      break;
    case PIER_BUILD_STEP_CACHED:
      if (step != NULL)
        {
          step->cached = TRUE;
          self->n_cached++;
        }
      break;
    case PIER_BUILD_STEP_END:
      if (step != NULL)
        step_finished (self, step, event);
      break;
    case PIER_BUILD_STEP_ALL_DONE:
      g_free (self->built_name);
      self->built_name = event->text ? first_name (event->text) : NULL;
      gtk_progress_bar_set_fraction (self->progress_bar, 1);
      break;
    }
}

static void
build_ended (PierBuildView *self)
{
  g_clear_object (&self->cancellable);
  if (self->relay != NULL)
    pier_ui_relay_close (self->relay);
  g_clear_pointer (&self->relay, pier_ui_relay_unref);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->build_button, TRUE);
  update_build_button (self);
}

typedef struct {
  PierEngine *engine;
  char *context, *dockerfile;
  GStrv tags;
  GHashTable *args;
  gboolean no_cache;
  PierUiRelay *relay;
} Build;

static void
build_free (Build *b)
{
  g_object_unref (b->engine);
  g_free (b->context);
  g_free (b->dockerfile);
  g_strfreev (b->tags);
  g_hash_table_unref (b->args);
  pier_ui_relay_unref (b->relay);
  g_free (b);
}

static gboolean
build_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Build *b = data;
  PierImageBuildOptions options = {
    .context_dir = b->context,
    .dockerfile = b->dockerfile,
    .tags = (const char *const *) b->tags,
    .build_args = b->args,
    .no_cache = b->no_cache,
    .steps = post_step,
    .steps_data = b->relay,
  };

  return (*result = pier_engine_build (b->engine, &options, NULL, NULL, cancellable, error)) != NULL;
}

static void
build_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierBuildView *self = PIER_BUILD_VIEW (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *image_id = NULL;
  Step *last;
  g_autofree char *status = NULL;

  pier_ui_task_finish (result, (gpointer *) &image_id, &error);
  if (self->build_button == NULL)
    return; /* disposed */
  /* What the build said before it ended goes first. */
  pier_ui_relay_flush (self->relay);
  last = self->steps->len ? self->steps->pdata[self->steps->len - 1] : NULL;
  build_ended (self);
  pier_model_refresh_images (self->model);
  if (image_id == NULL)
    {
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      self->error = g_strdup (error->message);
      if (last != NULL && self->n_done < self->steps->len)
        set_step_state (last, cancelled ? "cancelled" : "failed", cancelled ? _("Cancelled") : _("Failed"));
      if (last != NULL && !cancelled)
        adw_expander_row_set_expanded (last->row, TRUE);
      gtk_label_set_label (self->status_label, cancelled ? _("The build was cancelled; nothing of it was kept.")
                                                         : error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), cancelled ? "dim-label" : "error");
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0, NULL);
      return;
    }
  self->image_id = g_strdup (image_id);
  status = g_strdup_printf (_("Built %.19s%s%s: %u steps, %u from the cache."), image_id,
                            self->built_name ? _(" as ") : "", self->built_name ? self->built_name : "",
                            self->n_steps, self->n_cached);
  gtk_label_set_label (self->status_label, status);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_set_visible (self->open_button, TRUE);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, image_id);
}

static GHashTable *
parse_args (const char *text, GError **error)
{
  g_auto (GStrv) words = pier_shell_expand_words (text, '\\', PIER_SHELL_WORDS_SKIP_UNSET, NULL, NULL, error);
  GHashTable *args;

  if (words == NULL)
    return NULL;
  args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (char **w = words; *w; w++)
    {
      const char *eq = strchr (*w, '=');
      /* NAME alone takes the value Pier itself has, as `docker build --build-arg NAME` does. */
      g_hash_table_insert (args, eq ? g_strndup (*w, eq - *w) : g_strdup (*w),
                           g_strdup (eq ? eq + 1 : g_getenv (*w) ? g_getenv (*w) : ""));
    }
  return args;
}

void
pier_build_view_start (PierBuildView *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) args = NULL;
  g_auto (GStrv) tags = NULL;
  const char *dockerfile = gtk_editable_get_text (GTK_EDITABLE (self->dockerfile_row));
  const char *tags_text = gtk_editable_get_text (GTK_EDITABLE (self->tags_row));
  Build *b;

  if (self->cancellable != NULL || self->context == NULL || !pier_model_get_loaded (self->model))
    return;
  if ((args = parse_args (gtk_editable_get_text (GTK_EDITABLE (self->args_row)), &error)) == NULL)
    {
      g_prefix_error (&error, _("build arguments: "));
      pier_ui_show_error (GTK_WIDGET (self), _("The build cannot start"), error);
      return;
    }
  tags = g_strsplit_set (tags_text, " ,", -1);
  {
    g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
    for (char **t = tags; *t; t++)
      if (**t != '\0')
        g_strv_builder_add (kept, *t);
    g_strfreev (tags);
    tags = g_strv_builder_end (kept);
  }
  b = g_new0 (Build, 1);
  b->engine = g_object_ref (pier_model_get_engine (self->model));
  b->context = g_strdup (self->context);
  b->dockerfile = *dockerfile ? g_strdup (dockerfile) : NULL;
  b->tags = g_steal_pointer (&tags);
  b->args = g_steal_pointer (&args);
  b->no_cache = gtk_switch_get_active (self->no_cache_switch);

  g_ptr_array_set_size (self->steps, 0);
  for (GtkWidget *row; (row = gtk_widget_get_first_child (GTK_WIDGET (self->step_list))) != NULL;)
    gtk_list_box_remove (self->step_list, row);
  self->n_steps = self->n_done = self->n_cached = 0;
  g_clear_pointer (&self->image_id, g_free);
  g_clear_pointer (&self->built_name, g_free);
  g_clear_pointer (&self->error, g_free);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_label_set_label (self->status_label, _("Reading the Dockerfile…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_widget_set_visible (self->progress_box, TRUE);
  gtk_widget_set_visible (self->steps_group, TRUE);
  gtk_widget_set_visible (self->open_button, FALSE);
  gtk_widget_set_visible (self->build_button, FALSE);
  gtk_widget_set_visible (self->cancel_button, TRUE);
  self->cancellable = g_cancellable_new ();
  self->relay = pier_ui_relay_new (FALSE, build_progress, self, (GDestroyNotify) step_copy_free);
  b->relay = pier_ui_relay_ref (self->relay);
  pier_ui_run_in_thread (self, self->cancellable, build_work, b, (GDestroyNotify) build_free,
                         g_free, build_done, NULL);
}

void
pier_build_view_cancel (PierBuildView *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
open_image (PierBuildView *self)
{
  if (self->image_id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.image-open", "s", self->image_id);
}

void
pier_build_view_set_model (PierBuildView *self, PierModel *model)
{
  g_set_object (&self->model, model);
  update_build_button (self);
}

guint
pier_build_view_get_n_steps (PierBuildView *self)
{
  return self->n_steps;
}

guint
pier_build_view_get_n_cached (PierBuildView *self)
{
  return self->n_cached;
}

const char *
pier_build_view_get_error (PierBuildView *self)
{
  return self->error;
}

static void
pier_build_view_dispose (GObject *object)
{
  PierBuildView *self = PIER_BUILD_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  build_ended (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_BUILD_VIEW);
  pier_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_build_view_parent_class)->dispose (object);
}

static void
pier_build_view_finalize (GObject *object)
{
  PierBuildView *self = PIER_BUILD_VIEW (object);

  g_ptr_array_unref (self->steps);
  g_free (self->context);
  g_free (self->image_id);
  g_free (self->built_name);
  g_free (self->error);
  G_OBJECT_CLASS (pier_build_view_parent_class)->finalize (object);
}

static void
pier_build_view_class_init (PierBuildViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_build_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = pier_build_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-build-view.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PierBuildView, name)
  CHILD (context_row);
  CHILD (dockerfile_row);
  CHILD (tags_row);
  CHILD (args_row);
  CHILD (no_cache_switch);
  CHILD (build_button);
  CHILD (cancel_button);
  CHILD (open_button);
  CHILD (progress_box);
  CHILD (status_label);
  CHILD (progress_bar);
  CHILD (steps_group);
  CHILD (step_list);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, choose_context);
  gtk_widget_class_bind_template_callback (widget_class, pier_build_view_start);
  gtk_widget_class_bind_template_callback (widget_class, pier_build_view_cancel);
  gtk_widget_class_bind_template_callback (widget_class, open_image);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pier_build_view_init (PierBuildView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
}
