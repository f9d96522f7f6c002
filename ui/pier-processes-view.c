/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-processes-view.h"

#include "pier-columns.h"
#include "pier-process-row.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

#include <adwaita.h>
#include <string.h>

struct _PierProcessesView {
  GtkWidget parent_instance;

  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkLabel *summary_label;
  GtkWidget *contained_button;
  GtkWidget *layer_button;
  GtkRevealer *layer_revealer;
  GtkLabel *layer_label;
  GtkStack *stack;
  AdwStatusPage *status_page;
  GtkPaned *paned;
  GtkWidget *inside_side;
  GtkLabel *inside_only_label;
  GtkWidget *host_side;
  GtkScrolledWindow *inside_scroller;
  GtkScrolledWindow *host_scroller;
  GtkLabel *host_heading;
  GtkLabel *inside_heading;
  GtkColumnView *inside_view;
  GtkColumnView *host_view;
  GtkColumnViewColumn *inside_pid_column;
  GtkColumnViewColumn *inside_sid_column;
  GtkColumnViewColumn *inside_user_column;
  GtkColumnViewColumn *inside_command_column;
  GtkColumnViewColumn *host_pid_column;
  GtkColumnViewColumn *host_sid_column;
  GtkColumnViewColumn *host_user_column;
  GtkColumnViewColumn *container_column;
  GtkColumnViewColumn *container_pid_column;
  GtkColumnViewColumn *host_command_column;
  GtkColumnViewColumn *state_column;
  GtkColumnViewColumn *cpu_column;
  GtkColumnViewColumn *memory_column;
  GPtrArray *column_refs; /* the host view's columns, kept while taken out */

  PierModel *model;
  char *container_id; /* NULL: the whole host */
  GListStore *rows;
  GHashTable *process_rows; /* host PID (from inside only: container PID) → PierProcessRow */
  GHashTable *session_rows; /* host SID → PierProcessRow */
  GtkCustomFilter *filter;
  GtkFilterListModel *filtered;
  GtkSingleSelection *selection;
  char *search;

  PierProcessWatch *watch;     /* for container_id; made at the first refresh */
  gboolean refreshing;
  GCancellable *cancellable;
  guint timer_id;
  gboolean refresh_again;
};

G_DEFINE_FINAL_TYPE (PierProcessesView, pier_processes_view, GTK_TYPE_WIDGET)

enum { SIGNAL_REFRESHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- reading, on a worker thread ---- */

typedef struct {
  PierEngine *engine;
  PierProcessWatch *watch; /* NULL: the container's processes from inside only */
  char *container_id;
  char *container_name;
  gint64 started;

  /* result: the container's sessions (PierSessionInfo *) or processes (PierProcessInfo *, from
   * inside only), or the host's processes */
  GPtrArray *read;
} Refresh;

static void
refresh_free (Refresh *r)
{
  g_object_unref (r->engine);
  g_clear_object (&r->watch);
  g_free (r->container_id);
  g_free (r->container_name);
  g_clear_pointer (&r->read, g_ptr_array_unref);
  g_free (r);
}

static gboolean
refresh_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Refresh *r = data;

  if (r->watch == NULL)
    r->read = pier_engine_list_processes (r->engine, r->container_id, cancellable, error);
  else
    r->read = pier_process_watch_read (r->watch, cancellable, error);
  return r->read != NULL;
}

/* ---- rows ---- */

/* The row kept under @key in @old (made for @host_id when there is none), moved to @new. */
static PierProcessRow *
take_row (GHashTable *old, GHashTable *new, gboolean session, int key, int host_id)
{
  PierProcessRow *row = NULL;

  if (!g_hash_table_steal_extended (old, GINT_TO_POINTER (key), NULL, (gpointer *) &row))
    row = pier_process_row_new (session, host_id);
  g_hash_table_insert (new, GINT_TO_POINTER (key), row);
  return row;
}

static int
by_container_pid (gconstpointer a, gconstpointer b)
{
  const PierProcessInfo *pa = *(const PierProcessInfo *const *) a;
  const PierProcessInfo *pb = *(const PierProcessInfo *const *) b;

  return (pa->container_pid > pb->container_pid) - (pa->container_pid < pb->container_pid);
}

static void
show_container_processes (PierProcessesView *self, Refresh *r, GPtrArray *rows)
{
  GHashTable *processes = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  GHashTable *sessions = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  guint n_processes = 0;
  g_autofree char *summary = NULL;

  for (guint i = 0; i < r->read->len; i++)
    {
      PierSessionInfo *s = r->read->pdata[i];
      PierProcessRow *heading = take_row (self->session_rows, sessions, TRUE, s->host_sid,
                                          s->host_sid);

      g_autoptr (GPtrArray) members = g_ptr_array_copy (s->processes, NULL, NULL);

      g_ptr_array_set_free_func (members, NULL); /* borrowed from the session */

      pier_process_row_update_session (heading, s);
      g_ptr_array_add (rows, heading);
      /* In the order the container sees them: its PID 1 first, whatever the host's PIDs. */
      g_ptr_array_sort (members, by_container_pid);
      for (guint j = 0; j < members->len; j++)
        {
          const PierProcessInfo *p = members->pdata[j];
          PierProcessRow *row = take_row (self->process_rows, processes, FALSE, p->host_pid,
                                          p->host_pid);
          pier_process_row_update_process (row, p, r->container_name, FALSE);
          g_ptr_array_add (rows, row);
          n_processes++;
        }
    }
  g_hash_table_unref (self->process_rows);
  g_hash_table_unref (self->session_rows);
  self->process_rows = processes;
  self->session_rows = sessions;
  summary = g_strdup_printf (_("%u %s in %u %s, each shown from inside “%s” and from the host"),
                             n_processes, n_processes == 1 ? _("process") : _("processes"),
                             r->read->len, r->read->len == 1 ? _("session") : _("sessions"),
                             r->container_name);
  gtk_label_set_label (self->summary_label, summary);
}

/* From inside only, the host PIDs are not known: rows are the container's PIDs. */
static void
show_inside_processes (PierProcessesView *self, Refresh *r, GPtrArray *rows)
{
  GHashTable *processes = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_autofree char *summary = NULL;

  g_ptr_array_sort (r->read, by_container_pid);
  for (guint i = 0; i < r->read->len; i++)
    {
      const PierProcessInfo *p = r->read->pdata[i];
      PierProcessRow *row = take_row (self->process_rows, processes, FALSE, p->container_pid,
                                      p->host_pid);

      pier_process_row_update_process (row, p, r->container_name, FALSE);
      g_ptr_array_add (rows, row);
    }
  g_hash_table_unref (self->process_rows);
  self->process_rows = processes;
  g_hash_table_remove_all (self->session_rows);
  summary = g_strdup_printf (_("%u %s in “%s”, seen from inside"), rows->len,
                             rows->len == 1 ? _("process") : _("processes"), r->container_name);
  gtk_label_set_label (self->summary_label, summary);
}

static void
show_host_processes (PierProcessesView *self, Refresh *r, GPtrArray *rows)
{
  GHashTable *processes = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_autoptr (GHashTable) containers = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_contained = 0;
  g_autofree char *summary = NULL;

  for (guint i = 0; i < r->read->len; i++)
    {
      const PierProcessInfo *p = r->read->pdata[i];
      PierProcessRow *row;

      if (p->kernel_thread)
        continue;
      row = take_row (self->process_rows, processes, FALSE, p->host_pid, p->host_pid);
      pier_process_row_update_process (row, p, p->container, TRUE);
      /* The engine knows a container by its name as well as by its id. */
      pier_process_row_set_container_id (row, p->container);
      g_ptr_array_add (rows, row);
      if (p->container != NULL)
        {
          n_contained++;
          g_hash_table_add (containers, p->container);
        }
    }
  g_hash_table_unref (self->process_rows);
  self->process_rows = processes;
  summary = g_strdup_printf (_("%u host processes (kernel threads not shown), %u of them in %u running %s"),
                             rows->len, n_contained, g_hash_table_size (containers),
                             g_hash_table_size (containers) == 1 ? _("container") : _("containers"));
  gtk_label_set_label (self->summary_label, summary);
}

/* Whether the engine shows processes as the host sees them (host PIDs, sessions, every host
 * process): only one on this machine does. */
static gboolean
sees_host (PierProcessesView *self)
{
  return self->model != NULL && pier_engine_has_capability (pier_model_get_engine (self->model),
                                                            PIER_ENGINE_CAP_HOST_PROCESSES);
}

/* Whether the engine can say which layer an executable comes from (Which Layer?). */
static gboolean
finds_layers (PierProcessesView *self)
{
  return self->model != NULL && pier_engine_can (pier_model_get_engine (self->model),
                                                 PIER_ENGINE_CALL_PROCESS_PROVENANCE);
}

/* Instead of the rows: @title and @description on the status page, @summary above it. */
static void
show_status (PierProcessesView *self, const char *title, const char *description,
             const char *summary)
{
  gtk_label_set_label (self->summary_label, summary);
  adw_status_page_set_title (self->status_page, title);
  adw_status_page_set_description (self->status_page, description);
  gtk_stack_set_visible_child_name (self->stack, "not-running");
}

static void
show_error (PierProcessesView *self, const GError *error)
{
  show_status (self, _("Processes Cannot Be Read"), error->message, error->message);
}

static void
show_not_running (PierProcessesView *self)
{
  g_list_store_remove_all (self->rows);
  g_hash_table_remove_all (self->process_rows);
  g_hash_table_remove_all (self->session_rows);
  show_status (self, _("Not Running"),
               sees_host (self)
                   ? _("Start the container to see its processes from inside and from the host.")
                   : _("Start the container to see its processes."),
               "");
}

/* The container's row while it runs, else NULL. The model follows its state: the view does
 * not read the container again at each refresh. */
static PierContainerRow *
running_container (PierProcessesView *self)
{
  PierContainerRow *row = pier_model_find_container (self->model, self->container_id);

  return row != NULL && pier_container_row_get_running (row) ? row : NULL;
}

static void
refresh_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierProcessesView *self = PIER_PROCESSES_VIEW (source);
  Refresh *r = pier_ui_task_get_data (result);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  pier_ui_task_finish (result, NULL, &error);
  /* The view went, or it shows another connection now. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  self->refreshing = FALSE;
  /* It may have stopped while it was read. */
  if (self->container_id != NULL && running_container (self) == NULL)
    {
      show_not_running (self);
      return;
    }
  if (error != NULL)
    {
      show_error (self, error);
      return;
    }
  rows = g_ptr_array_new ();
  if (self->container_id == NULL)
    show_host_processes (self, r, rows);
  else if (r->watch == NULL)
    show_inside_processes (self, r, rows);
  else
    show_container_processes (self, r, rows);
  pier_ui_list_store_sync (self->rows, rows);
  /* Rows changed inside: a search must look at them again. */
  if (self->search != NULL || gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->contained_button)))
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_stack_set_visible_child_name (self->stack, "sides");
  g_signal_emit (self, signals[SIGNAL_REFRESHED], 0, g_get_monotonic_time () - r->started);
  if (self->refresh_again)
    pier_processes_view_refresh (self);
}

void
pier_processes_view_refresh (PierProcessesView *self)
{
  g_autoptr (GError) error = NULL;
  PierEngine *engine;
  PierContainerRow *container = NULL;
  Refresh *r;

  if (self->model == NULL || !pier_model_get_loaded (self->model))
    return;
  if (self->refreshing)
    {
      self->refresh_again = TRUE;
      return;
    }
  engine = pier_model_get_engine (self->model);
  if (self->container_id == NULL && !sees_host (self))
    {
      show_status (self, _("Not Visible from This Engine"),
                   _("This engine does not show processes as the host sees them"), "");
      return;
    }
  if (self->container_id != NULL && (container = running_container (self)) == NULL)
    {
      show_not_running (self);
      return;
    }
  /* Side by side needs the host's view of the processes, which only an engine here has. */
  if (sees_host (self) && self->watch == NULL &&
      (self->watch = pier_engine_watch_processes (engine, self->container_id, &error)) == NULL)
    {
      show_error (self, error);
      return;
    }
  self->refresh_again = FALSE;
  self->refreshing = TRUE;
  r = g_new0 (Refresh, 1);
  r->started = g_get_monotonic_time ();
  r->engine = g_object_ref (engine);
  r->watch = self->watch != NULL ? g_object_ref (self->watch) : NULL;
  r->container_id = g_strdup (self->container_id);
  r->container_name = container != NULL ? g_strdup (pier_container_row_get_name (container)) : NULL;
  pier_ui_run_in_thread (self, self->cancellable, refresh_work, r, (GDestroyNotify) refresh_free,
                         NULL, refresh_done, NULL);
}

static gboolean
tick (gpointer user_data)
{
  pier_processes_view_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- filtering, selection, layers ---- */

static gboolean
filter_row (gpointer item, gpointer user_data)
{
  PierProcessesView *self = user_data;
  PierProcessRow *row = item;
  g_autofree char *text = NULL;

  if (pier_process_row_is_session (row))
    return TRUE;
  if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->contained_button)) &&
      pier_process_row_get_container_id (row) == NULL)
    return FALSE;
  if (self->search == NULL)
    return TRUE;
  g_object_get (row, "search-text", &text, NULL);
  return strstr (text, self->search) != NULL;
}

static void
filter_changed (PierProcessesView *self)
{
  g_autofree char *text = g_utf8_strdown (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);

  g_clear_pointer (&self->search, g_free);
  if (*g_strstrip (text) != '\0')
    self->search = g_steal_pointer (&text);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
selection_changed (PierProcessesView *self)
{
  PierProcessRow *row = gtk_single_selection_get_selected_item (self->selection);

  gtk_widget_set_sensitive (self->layer_button,
                            finds_layers (self) && row != NULL && !pier_process_row_is_session (row) &&
                                (self->container_id != NULL || pier_process_row_get_container_id (row) != NULL));
}

typedef struct {
  PierEngine *engine;
  char *container_id;
  int host_pid;
} LayerQuery;

static void
layer_query_free (LayerQuery *q)
{
  g_object_unref (q->engine);
  g_free (q->container_id);
  g_free (q);
}

static gboolean
layer_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  LayerQuery *q = data;

  return (*result = pier_engine_process_provenance (q->engine, q->container_id, q->host_pid,
                                                    cancellable, error)) != NULL;
}

static void
layer_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierProcessesView *self = PIER_PROCESSES_VIEW (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *description = NULL;

  pier_ui_task_finish (result, (gpointer *) &description, &error);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  gtk_label_set_label (self->layer_label, description ? description : error->message);
  gtk_revealer_set_reveal_child (self->layer_revealer, TRUE);
}

static void
find_layer (PierProcessesView *self)
{
  PierProcessRow *row = gtk_single_selection_get_selected_item (self->selection);
  LayerQuery *q;

  if (row == NULL || self->model == NULL)
    return;
  q = g_new0 (LayerQuery, 1);
  q->engine = g_object_ref (pier_model_get_engine (self->model));
  q->container_id = g_strdup (self->container_id ? self->container_id : pier_process_row_get_container_id (row));
  q->host_pid = pier_process_row_get_host_id (row);
  pier_ui_run_in_thread (self, self->cancellable, layer_work, q, (GDestroyNotify) layer_query_free,
                         g_free, layer_done, NULL);
}

static void
close_layer (PierProcessesView *self)
{
  gtk_revealer_set_reveal_child (self->layer_revealer, FALSE);
}

/* ---- public ---- */

static void
apply_mode (PierProcessesView *self)
{
  gboolean host = self->container_id == NULL;
  gboolean inside_only = !host && !sees_host (self);
  GtkColumnViewColumn *host_columns[] = {
    self->host_pid_column, self->host_sid_column, self->host_user_column, self->container_column,
    self->container_pid_column, self->host_command_column, self->state_column, self->cpu_column,
    self->memory_column,
  };
  GListModel *shown = gtk_column_view_get_columns (self->host_view);

  gtk_widget_set_visible (self->inside_side, !host);
  gtk_widget_set_visible (GTK_WIDGET (self->host_heading), !host);
  gtk_widget_set_visible (self->contained_button, host && sees_host (self));
  /* From inside only: no host side, and no layer lookup (it names the process by host PID). */
  gtk_widget_set_visible (self->host_side, !inside_only);
  gtk_widget_set_visible (GTK_WIDGET (self->inside_only_label), inside_only);
  gtk_widget_set_visible (self->layer_button, sees_host (self));
  gtk_widget_set_tooltip_text (self->layer_button,
                               finds_layers (self)
                                   ? _("Find the image layer the selected process's executable comes from")
                                   : _("This connection's engine cannot tell which image layer an executable comes from"));
  /* The container columns only for the whole host. They are taken out rather than hidden:
   * GTK 4.8 still counts hidden columns' widths. GTK 4.8 has no insert either, so the
   * columns are appended again in order. */
  while (g_list_model_get_n_items (shown) > 0)
    {
      g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (shown, 0);
      gtk_column_view_remove_column (self->host_view, column);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (host_columns); i++)
    if (host || (host_columns[i] != self->container_column &&
                 host_columns[i] != self->container_pid_column && host_columns[i] != self->state_column))
      gtk_column_view_append_column (self->host_view, host_columns[i]);
  /* Side by side, the host's side carries the vertical scrollbar for both. */
  gtk_scrolled_window_set_policy (self->inside_scroller, GTK_POLICY_AUTOMATIC,
                                  inside_only ? GTK_POLICY_AUTOMATIC : GTK_POLICY_EXTERNAL);
  gtk_scrolled_window_set_vadjustment (self->inside_scroller,
                                       host || inside_only ? NULL : gtk_scrolled_window_get_vadjustment (self->host_scroller));
}

void
pier_processes_view_set_model (PierProcessesView *self, PierModel *model)
{
  if (self->model != NULL && self->model != model)
    {
      /* Another connection: what the old engine is still reading is not this one's. */
      g_cancellable_cancel (self->cancellable);
      g_object_unref (self->cancellable);
      self->cancellable = g_cancellable_new ();
      g_clear_object (&self->watch);
      self->refreshing = self->refresh_again = FALSE;
      g_list_store_remove_all (self->rows);
    }
  g_set_object (&self->model, model);
  /* What the engine can show decides the columns. */
  apply_mode (self);
}

void
pier_processes_view_set_container (PierProcessesView *self, const char *id)
{
  g_free (self->container_id);
  self->container_id = g_strdup (id);
  /* A watch follows one container, or the host: the next refresh makes the new one's. */
  g_clear_object (&self->watch);
  apply_mode (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    pier_processes_view_refresh (self);
}

void
pier_processes_view_start_search (PierProcessesView *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

GtkSingleSelection *
pier_processes_view_get_selection (PierProcessesView *self)
{
  return self->selection;
}

GtkColumnView *
pier_processes_view_get_inside_view (PierProcessesView *self)
{
  return self->inside_view;
}

GtkColumnView *
pier_processes_view_get_host_view (PierProcessesView *self)
{
  return self->host_view;
}

static void
pier_processes_view_map (GtkWidget *widget)
{
  PierProcessesView *self = PIER_PROCESSES_VIEW (widget);

  GTK_WIDGET_CLASS (pier_processes_view_parent_class)->map (widget);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (1, tick, self);
  pier_processes_view_refresh (self);
}

static void
pier_processes_view_unmap (GtkWidget *widget)
{
  PierProcessesView *self = PIER_PROCESSES_VIEW (widget);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  GTK_WIDGET_CLASS (pier_processes_view_parent_class)->unmap (widget);
}

static void
pier_processes_view_dispose (GObject *object)
{
  PierProcessesView *self = PIER_PROCESSES_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_PROCESSES_VIEW);
  pier_ui_unparent_children (GTK_WIDGET (self));
  g_clear_pointer (&self->column_refs, g_ptr_array_unref);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->rows);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_processes_view_parent_class)->dispose (object);
}

static void
pier_processes_view_finalize (GObject *object)
{
  PierProcessesView *self = PIER_PROCESSES_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->watch);
  g_hash_table_unref (self->process_rows);
  g_hash_table_unref (self->session_rows);
  g_free (self->container_id);
  g_free (self->search);
  G_OBJECT_CLASS (pier_processes_view_parent_class)->finalize (object);
}

static void
pier_processes_view_class_init (PierProcessesViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pier_processes_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = pier_processes_view_finalize;
  widget_class->map = pier_processes_view_map;
  widget_class->unmap = pier_processes_view_unmap;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-processes-view.ui");
  pier_column_class_bind_template_callbacks (widget_class);
  /* The cell templates name it. */
  g_type_ensure (PIER_TYPE_PROCESS_ROW);
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, PierProcessesView, name)
  CHILD (search_bar);
  CHILD (search_entry);
  CHILD (summary_label);
  CHILD (contained_button);
  CHILD (layer_button);
  CHILD (layer_revealer);
  CHILD (layer_label);
  CHILD (stack);
  CHILD (status_page);
  CHILD (paned);
  CHILD (inside_side);
  CHILD (inside_only_label);
  CHILD (host_side);
  CHILD (inside_scroller);
  CHILD (host_scroller);
  CHILD (host_heading);
  CHILD (inside_heading);
  CHILD (inside_view);
  CHILD (host_view);
  CHILD (inside_pid_column);
  CHILD (inside_sid_column);
  CHILD (inside_user_column);
  CHILD (inside_command_column);
  CHILD (host_pid_column);
  CHILD (host_sid_column);
  CHILD (host_user_column);
  CHILD (container_column);
  CHILD (container_pid_column);
  CHILD (host_command_column);
  CHILD (state_column);
  CHILD (cpu_column);
  CHILD (memory_column);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, find_layer);
  gtk_widget_class_bind_template_callback (widget_class, close_layer);
  signals[SIGNAL_REFRESHED] = g_signal_new ("refreshed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
pier_processes_view_init (PierProcessesView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* apply_mode() takes columns out of the host view and puts them back. */
  self->column_refs = g_ptr_array_new_with_free_func (g_object_unref);
  {
    GListModel *columns = gtk_column_view_get_columns (self->host_view);
    for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
      g_ptr_array_add (self->column_refs, g_list_model_get_item (columns, i));
  }
  self->cancellable = g_cancellable_new ();
  self->process_rows = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->session_rows = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->rows = g_list_store_new (PIER_TYPE_PROCESS_ROW);
  self->filter = gtk_custom_filter_new (filter_row, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  /* One selection model for both sides: selecting a row on one selects it on the other. */
  gtk_column_view_set_model (self->inside_view, GTK_SELECTION_MODEL (self->selection));
  gtk_column_view_set_model (self->host_view, GTK_SELECTION_MODEL (self->selection));


  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (filter_changed), self);
  g_signal_connect_swapped (self->contained_button, "toggled", G_CALLBACK (filter_changed), self);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed), self);
  apply_mode (self);
}
