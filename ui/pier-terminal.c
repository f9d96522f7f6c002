/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-terminal.h"
#include "pier-ui-task.h"
#include "pier-i18n.h"


#include <string.h>
#include <vte/vte.h>

/* bash where the image has it, else sh: the process keeps the name of the shell it runs. */
#define SHELL_SCRIPT "command -v bash >/dev/null 2>&1 && exec bash || exec sh"

struct _PierTerminal {
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkRevealer *ended_revealer;
  GtkLabel *ended_label;
  GtkStack *stack;
  AdwStatusPage *error_page;
  VteTerminal *vte;

  PierModel *model;
  char *container_id;
  GCancellable *cancellable;
  int pid;
};

G_DEFINE_FINAL_TYPE (PierTerminal, pier_terminal, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_PID, N_PROPS };
static GParamSpec *props[N_PROPS];

typedef struct {
  PierEngine *engine;
  char *container_id;
  guint16 rows, cols;
  /* results */
  char *name;
  PierExec *exec;
} Spawn;

static void
spawn_free (Spawn *s)
{
  g_object_unref (s->engine);
  g_free (s->container_id);
  g_free (s->name);
  /* A shell nobody took: dropping it closes its pty, which hangs it up. */
  g_clear_object (&s->exec);
  g_free (s);
}

static gboolean
spawn_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Spawn *s = data;
  g_autoptr (PierContainerInfo) c = pier_engine_get_container (s->engine, s->container_id, FALSE,
                                                               cancellable, error);
  const char *argv[] = { "/bin/sh", "-c", SHELL_SCRIPT, NULL };
  const char *env[] = { "TERM=xterm-256color", NULL };
  /* The container's own user, directory and environment, as `pierctl exec -it` runs it. */
  PierExecOptions options = { .argv = argv, .env = env, .tty = TRUE,
                              .tty_rows = s->rows, .tty_cols = s->cols };

  if (c == NULL)
    return FALSE;
  s->name = g_strdup (c->name);
  s->exec = pier_engine_exec_start (s->engine, c->id, &options, NULL, cancellable, error);
  return s->exec != NULL;
}

/* How the shell ended, as the engine knows it. */
typedef struct {
  int exit_code;
  int signal;
} Ended;

/* The shell's end, waited for off the main thread: the engine's exec is no child of ours to
 * watch when the engine is elsewhere. */
static gboolean
wait_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  g_autofree Ended *ended = g_new0 (Ended, 1);

  if (!pier_exec_wait_status (data, &ended->exit_code, &ended->signal, NULL, error))
    return FALSE;
  *result = g_steal_pointer (&ended);
  return TRUE;
}

static void
wait_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierTerminal *self = PIER_TERMINAL (source);
  g_autoptr (GError) error = NULL;
  g_autofree Ended *ended = NULL;
  g_autofree char *text = NULL;

  pier_ui_task_finish (result, (gpointer *) &ended, &error);
  if (self->ended_label == NULL)
    return; /* the window is closing: the pty's hangup ended the shell */
  if (ended == NULL)
    text = g_strdup_printf (_("The shell's end could not be learnt: %s. Close the window to end."),
                            error->message);
  else if (ended->signal != 0)
    text = g_strdup_printf (_("The shell was killed by signal %d (the container may have stopped)."),
                            ended->signal);
  else
    text = g_strdup_printf (_("The shell exited with status %d. Close the window to end."),
                            ended->exit_code);
  gtk_label_set_label (self->ended_label, text);
  gtk_revealer_set_reveal_child (self->ended_revealer, TRUE);
  adw_window_title_set_subtitle (self->window_title, _("Ended"));
  self->pid = 0;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PID]);
}

static void
spawn_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierTerminal *self = PIER_TERMINAL (source);
  Spawn *s = pier_ui_task_get_data (result);
  g_autoptr (GError) error = NULL;
  g_autoptr (VtePty) pty = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;

  if (!pier_ui_task_finish (result, NULL, &error))
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  pty = vte_pty_new_foreign_sync (pier_exec_steal_pty (s->exec), NULL, &error);
  if (pty == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  vte_terminal_set_pty (self->vte, pty);
  self->pid = pier_exec_get_host_pid (s->exec);
  title = g_strdup_printf (_("Terminal in %s"), s->name);
  subtitle = self->pid > 0 ? g_strdup_printf (_("exec session · host PID %d"), self->pid)
                           : g_strdup (_("exec session"));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  pier_ui_run_in_thread (self, NULL, wait_work, g_steal_pointer (&s->exec), g_object_unref, g_free,
                         wait_done, NULL);
  gtk_stack_set_visible_child_name (self->stack, "terminal");
  gtk_widget_grab_focus (GTK_WIDGET (self->vte));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PID]);
}

static void
follow_style (PierTerminal *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA fg, bg;

  gdk_rgba_parse (&fg, dark ? "#ffffff" : "#1e1e1e");
  gdk_rgba_parse (&bg, dark ? "#1e1e1e" : "#ffffff");
  vte_terminal_set_colors (self->vte, &fg, &bg, NULL, 0);
}

static void
copy (PierTerminal *self)
{
  vte_terminal_copy_clipboard_format (self->vte, VTE_FORMAT_TEXT);
}

static void
paste (PierTerminal *self)
{
  vte_terminal_paste_clipboard (self->vte);
}

static void
copy_action (GtkWidget *widget, const char *action, GVariant *param)
{
  copy (PIER_TERMINAL (widget));
}

static void
paste_action (GtkWidget *widget, const char *action, GVariant *param)
{
  paste (PIER_TERMINAL (widget));
}

GtkWidget *
pier_terminal_new (PierModel *model, const char *container_id)
{
  PierTerminal *self = g_object_new (PIER_TYPE_TERMINAL, NULL);
  PierContainerRow *row = pier_model_find_container (model, container_id);
  g_autofree char *title = g_strdup_printf (_("Terminal in %s"), row ? pier_container_row_get_name (row) : container_id);
  Spawn *s = g_new0 (Spawn, 1);

  self->model = g_object_ref (model);
  self->container_id = g_strdup (container_id);
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, _("Starting a shell…"));
  s->engine = g_object_ref (pier_model_get_engine (model));
  s->container_id = g_strdup (container_id);
  s->rows = vte_terminal_get_row_count (self->vte);
  s->cols = vte_terminal_get_column_count (self->vte);
  /* The window's cancellable is not the task's: a shell that started is hung up by spawn_done(),
   * which needs the work's result to do it. */
  pier_ui_run_in_thread (self, NULL, spawn_work, s, (GDestroyNotify) spawn_free, NULL, spawn_done,
                         NULL);
  return GTK_WIDGET (self);
}

int
pier_terminal_get_pid (PierTerminal *self)
{
  return self->pid;
}

void
pier_terminal_feed (PierTerminal *self, const char *text)
{
  vte_terminal_feed_child (self->vte, text, strlen (text));
}

static void
pier_terminal_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  if (prop_id == PROP_PID)
    g_value_set_int (value, PIER_TERMINAL (object)->pid);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_terminal_dispose (GObject *object)
{
  PierTerminal *self = PIER_TERMINAL (object);

  g_cancellable_cancel (self->cancellable);
  /* Closing the pty hangs the shell's session up. */
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_TERMINAL);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_terminal_parent_class)->dispose (object);
}

static void
pier_terminal_finalize (GObject *object)
{
  PierTerminal *self = PIER_TERMINAL (object);

  g_clear_object (&self->cancellable);
  g_free (self->container_id);
  G_OBJECT_CLASS (pier_terminal_parent_class)->finalize (object);
}

static void
pier_terminal_class_init (PierTerminalClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pier_terminal_get_property;
  object_class->dispose = pier_terminal_dispose;
  object_class->finalize = pier_terminal_finalize;
  props[PROP_PID] = g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0,
                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  g_type_ensure (VTE_TYPE_TERMINAL);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-terminal.ui");
  gtk_widget_class_bind_template_child (widget_class, PierTerminal, window_title);
  gtk_widget_class_bind_template_child (widget_class, PierTerminal, ended_revealer);
  gtk_widget_class_bind_template_child (widget_class, PierTerminal, ended_label);
  gtk_widget_class_bind_template_child (widget_class, PierTerminal, stack);
  gtk_widget_class_bind_template_child (widget_class, PierTerminal, error_page);
  gtk_widget_class_bind_template_child (widget_class, PierTerminal, vte);
  gtk_widget_class_bind_template_callback (widget_class, copy);
  gtk_widget_class_bind_template_callback (widget_class, paste);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "term.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "term.paste", NULL);
  gtk_widget_class_install_action (widget_class, "term.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "term.paste", NULL, paste_action);
}

static void
pier_terminal_init (PierTerminal *self)
{
  g_autoptr (PangoFontDescription) font = pango_font_description_from_string ("Monospace 11");

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  vte_terminal_set_font (self->vte, font);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark", G_CALLBACK (follow_style),
                           self, G_CONNECT_SWAPPED);
  follow_style (self);
}
