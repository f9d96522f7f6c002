/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-page.h"

#include "pier-graph.h"
#include "pier-ui-task.h"
#include "pier-ui-util.h"
#include "pier-i18n.h"

#include <adwaita.h>

/* Lines kept in the Logs tab: a chatty container must not make the view crawl. */
#define MAX_LOG_LINES 20000

struct _PierContainerPage {
  GtkWidget parent_instance;

  AdwViewStack *view_stack;
  GtkWidget *terminal_button;
  GtkLabel *cpu_label;
  GtkLabel *memory_label;
  PierGraph *cpu_graph;
  PierGraph *memory_graph;
  AdwPreferencesGroup *details_group;
  PierProcessesView *processes_view;
  GtkStack *logs_stack;
  GtkScrolledWindow *logs_scroller;
  GtkTextView *logs_view;
  GtkStack *changes_stack;
  GtkListView *changes_view;
  GtkTextView *inspect_view;
  GtkMenuButton *more_button;
  GMenu *more_menu;

  PierModel *model;
  PierContainerRow *row;
  char *id;
  GCancellable *cancellable;
  GHashTable *detail_rows; /* title → AdwActionRow */

  guint stats_id;
  gboolean stats_busy;
  guint64 last_cpu_ns;
  gint64 last_cpu_time;

  struct LogReader *logs;
  gboolean changes_busy;
};

G_DEFINE_FINAL_TYPE (PierContainerPage, pier_container_page, GTK_TYPE_WIDGET)

/* "row": the container shown; the template binds the header (name, state, status, Start and
 * Stop) to its properties. */
enum { PROP_0, PROP_ROW, N_PROPS };
static GParamSpec *props[N_PROPS];

static PierEngine *
engine (PierContainerPage *self)
{
  return pier_model_get_engine (self->model);
}

static const PierContainerInfo *
container (PierContainerPage *self)
{
  return pier_container_row_get_container (self->row);
}

/* ---- overview ---- */

static void
set_detail (PierContainerPage *self, const char *title, const char *value)
{
  AdwActionRow *row = g_hash_table_lookup (self->detail_rows, title);

  if (row == NULL)
    {
      row = ADW_ACTION_ROW (adw_action_row_new ());
      /* Values are the container's own text (a shell command's "&&" is not markup). */
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_add_css_class (GTK_WIDGET (row), "property");
      adw_preferences_group_add (self->details_group, GTK_WIDGET (row));
      g_hash_table_insert (self->detail_rows, (gpointer) title, row);
    }
  adw_action_row_set_subtitle (row, value && *value ? value : "—");
}

static char *
limits_text (const PierContainerInfo *c)
{
  GString *text = g_string_new (NULL);

  if (c->memory_bytes > 0)
    {
      g_autofree char *size = g_format_size_full (c->memory_bytes, G_FORMAT_SIZE_IEC_UNITS);
      g_string_append_printf (text, _("memory %s"), size);
    }
  if (c->cpus > 0)
    g_string_append_printf (text, _("%s%g CPUs"), text->len ? ", " : "", c->cpus);
  if (c->pids_limit > 0)
    g_string_append_printf (text, "%s%" G_GUINT64_FORMAT " processes", text->len ? ", " : "",
                            c->pids_limit);
  if (text->len == 0)
    g_string_append (text, _("None"));
  return g_string_free (text, FALSE);
}

static void
update_overview (PierContainerPage *self)
{
  const PierContainerInfo *c = container (self);
  gboolean running = c->state == PIER_CONTAINER_STATE_RUNNING;
  g_autofree char *state = NULL;
  g_autofree char *status = NULL;
  g_autofree char *command = g_strjoinv (" ", c->command);
  g_autofree char *created = pier_ui_format_ago (c->created);
  g_autofree char *limits = limits_text (c);
  g_autofree char *pid = c->host_pid > 0 ? g_strdup_printf ("%d", c->host_pid) : NULL;
  g_autofree char *image = g_strdup_printf ("%s (%.19s)", c->image, c->image_id);

  g_object_get (self->row, "state-label", &state, "status", &status, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.terminal", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.graphical",
                                 running && pier_engine_has_capability (
                                                engine (self), PIER_ENGINE_CAP_GRAPHICAL_SESSIONS));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.kill", running);

  set_detail (self, _("State"), state);
  set_detail (self, _("Status"), status);
  set_detail (self, _("Image"), image);
  set_detail (self, _("Command"), command);
  set_detail (self, _("Created"), created);
  set_detail (self, _("Hostname"), c->hostname);
  set_detail (self, _("Address"), c->ip_address);
  set_detail (self, _("Network"), c->network);
  set_detail (self, _("Limits"), limits);
  set_detail (self, _("Host PID of Its Init"), pid);
  set_detail (self, "ID", c->id);
}

/* ---- live stats ---- */

/* What the stats, changes and inspect work ask of the engine, on the worker thread. */
typedef struct {
  PierEngine *engine;
  char *id;
} Query;

static void
query_free (Query *q)
{
  g_object_unref (q->engine);
  g_free (q->id);
  g_free (q);
}

static Query *
query_new (PierContainerPage *self)
{
  Query *q = g_new0 (Query, 1);

  q->engine = g_object_ref (engine (self));
  q->id = g_strdup (self->id);
  return q;
}

static gboolean
stats_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Query *q = data;
  g_autofree PierContainerStats *stats = g_new0 (PierContainerStats, 1);

  if (!pier_engine_stats (q->engine, q->id, stats, cancellable, error))
    return FALSE;
  *result = g_steal_pointer (&stats);
  return TRUE;
}

static void
stats_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (source);
  g_autofree PierContainerStats *stats = NULL;
  gint64 now = g_get_monotonic_time ();

  self->stats_busy = FALSE;
  if (!pier_ui_task_finish (result, (gpointer *) &stats, NULL) || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (stats->has_cpu)
    {
      if (self->last_cpu_time != 0 && stats->cpu_ns >= self->last_cpu_ns)
        {
          double percent = (stats->cpu_ns - self->last_cpu_ns) / 10.0 /
                           (double) (now - self->last_cpu_time);
          g_autofree char *text = g_strdup_printf (_("%.1f%% of one core"), percent);
          pier_graph_add (self->cpu_graph, percent);
          gtk_label_set_label (self->cpu_label, text);
        }
      self->last_cpu_ns = stats->cpu_ns;
      self->last_cpu_time = now;
    }
  else
    gtk_label_set_label (self->cpu_label, _("Not accounted (no cpu controller)"));
  if (stats->has_memory)
    {
      g_autofree char *used = g_format_size (stats->memory_bytes);
      g_autofree char *limit = container (self)->memory_bytes
                                   ? g_format_size (container (self)->memory_bytes) : NULL;
      g_autofree char *text = limit ? g_strdup_printf (_("%s of %s"), used, limit) : g_strdup (used);
      pier_graph_set_max (self->memory_graph, container (self)->memory_bytes);
      pier_graph_add (self->memory_graph, stats->memory_bytes);
      gtk_label_set_label (self->memory_label, text);
    }
  else
    gtk_label_set_label (self->memory_label, _("Not accounted (no memory controller)"));
}

static gboolean
stats_tick (gpointer user_data)
{
  PierContainerPage *self = user_data;

  if (self->stats_busy || !pier_container_row_get_running (self->row))
    return G_SOURCE_CONTINUE;
  self->stats_busy = TRUE;
  pier_ui_run_in_thread (self, self->cancellable, stats_work, query_new (self),
                         (GDestroyNotify) query_free, g_free, stats_done, NULL);
  return G_SOURCE_CONTINUE;
}

/* ---- logs ---- */

typedef struct {
  PierOutputStream stream;
  GString *text;
} LogChunk;

typedef struct LogReader {
  GMutex lock;
  GPtrArray *chunks; /* LogChunk, waiting for the main thread */
  guint idle_id;
  GWeakRef page;
  GCancellable *cancellable;
  PierEngine *engine;
  char *id;
  gboolean follow; /* while running; else read once */
} LogReader;

static void
log_chunk_free (LogChunk *chunk)
{
  g_string_free (chunk->text, TRUE);
  g_free (chunk);
}

static void
log_reader_free (LogReader *reader)
{
  g_mutex_clear (&reader->lock);
  g_ptr_array_unref (reader->chunks);
  g_weak_ref_clear (&reader->page);
  g_object_unref (reader->cancellable);
  g_object_unref (reader->engine);
  g_free (reader->id);
}

static LogReader *
log_reader_ref (LogReader *reader)
{
  return g_atomic_rc_box_acquire (reader);
}

static void
log_reader_unref (LogReader *reader)
{
  g_atomic_rc_box_release_full (reader, (GDestroyNotify) log_reader_free);
}

static void
trim_logs (GtkTextBuffer *buffer)
{
  int lines = gtk_text_buffer_get_line_count (buffer);
  GtkTextIter start, cut;

  if (lines <= MAX_LOG_LINES)
    return;
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_get_iter_at_line (buffer, &cut, lines - MAX_LOG_LINES);
  gtk_text_buffer_delete (buffer, &start, &cut);
}

static gboolean
log_flush (gpointer user_data)
{
  LogReader *reader = user_data;
  g_autoptr (PierContainerPage) self = g_weak_ref_get (&reader->page);
  g_autoptr (GPtrArray) chunks = NULL;
  GtkAdjustment *adjustment;
  GtkTextBuffer *buffer;
  GtkTextIter end;
  gboolean at_bottom;

  g_mutex_lock (&reader->lock);
  chunks = g_steal_pointer (&reader->chunks);
  reader->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) log_chunk_free);
  reader->idle_id = 0;
  g_mutex_unlock (&reader->lock);
  if (self == NULL || self->logs != reader)
    return G_SOURCE_REMOVE;

  adjustment = gtk_scrolled_window_get_vadjustment (self->logs_scroller);
  at_bottom = gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
              gtk_adjustment_get_upper (adjustment) - 2;
  buffer = gtk_text_view_get_buffer (self->logs_view);
  for (guint i = 0; i < chunks->len; i++)
    {
      LogChunk *chunk = chunks->pdata[i];
      gtk_text_buffer_get_end_iter (buffer, &end);
      if (chunk->stream == PIER_OUTPUT_STDERR)
        gtk_text_buffer_insert_with_tags_by_name (buffer, &end, chunk->text->str, chunk->text->len, "stderr", NULL);
      else
        gtk_text_buffer_insert (buffer, &end, chunk->text->str, chunk->text->len);
    }
  trim_logs (buffer);
  if (gtk_text_buffer_get_char_count (buffer) > 0)
    gtk_stack_set_visible_child_name (self->logs_stack, "text");
  if (at_bottom)
    {
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_view_scroll_to_iter (self->logs_view, &end, 0, FALSE, 0, 1);
    }
  return G_SOURCE_REMOVE;
}

/* On the reading thread: batches the entries, and wakes the main thread once per batch. */
static gboolean
log_entry (const PierLogChunk *entry, gpointer user_data)
{
  LogReader *reader = user_data;
  LogChunk *last;

  g_mutex_lock (&reader->lock);
  last = reader->chunks->len ? reader->chunks->pdata[reader->chunks->len - 1] : NULL;
  if (last == NULL || last->stream != entry->stream)
    {
      last = g_new0 (LogChunk, 1);
      last->stream = entry->stream;
      last->text = g_string_new (NULL);
      g_ptr_array_add (reader->chunks, last);
    }
  g_string_append_len (last->text, entry->data, entry->len);
  if (!entry->partial)
    g_string_append_c (last->text, '\n');
  if (reader->idle_id == 0)
    reader->idle_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, 100, log_flush,
                                          log_reader_ref (reader), (GDestroyNotify) log_reader_unref);
  g_mutex_unlock (&reader->lock);
  return !g_cancellable_is_cancelled (reader->cancellable);
}

static gpointer
log_thread (gpointer user_data)
{
  LogReader *reader = user_data;
  g_autoptr (GError) error = NULL;

  if (!pier_engine_logs (reader->engine, reader->id, reader->follow, log_entry, reader,
                         reader->cancellable, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("reading the log of %s: %s", reader->id, error->message);
  log_reader_unref (reader);
  return NULL;
}

static void
stop_logs (PierContainerPage *self)
{
  if (self->logs == NULL)
    return;
  g_cancellable_cancel (self->logs->cancellable);
  g_clear_pointer (&self->logs, log_reader_unref);
}

/* Reads the log from its start, and follows it while the container runs. */
static void
start_logs (PierContainerPage *self)
{
  LogReader *reader = g_atomic_rc_box_new0 (LogReader);

  stop_logs (self);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->logs_view), "", 0);
  gtk_stack_set_visible_child_name (self->logs_stack, "empty");
  g_mutex_init (&reader->lock);
  reader->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) log_chunk_free);
  g_weak_ref_init (&reader->page, self);
  reader->cancellable = g_cancellable_new ();
  reader->engine = g_object_ref (engine (self));
  reader->id = g_strdup (self->id);
  reader->follow = pier_container_row_get_running (self->row);
  self->logs = reader;
  g_thread_unref (g_thread_new ("pier-logs", log_thread, log_reader_ref (reader)));
}

/* ---- changes ---- */

static gboolean
changes_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Query *q = data;
  g_autoptr (GPtrArray) changes = pier_engine_diff (q->engine, q->id, cancellable, error);
  GtkStringList *list;

  if (changes == NULL)
    return FALSE;
  /* "A/path": the kind as docker diff prints it, then the path. */
  list = gtk_string_list_new (NULL);
  for (guint i = 0; i < changes->len; i++)
    {
      PierFileChange *change = changes->pdata[i];
      g_autofree char *item = g_strdup_printf ("%c%s", change->kind, change->path);
      gtk_string_list_append (list, item);
    }
  *result = list;
  return TRUE;
}

static void
changes_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GtkStringList) list = NULL;
  gboolean ok = pier_ui_task_finish (result, (gpointer *) &list, &error);

  self->changes_busy = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (!ok)
    {
      pier_ui_show_error (GTK_WIDGET (self), _("Could not read the container's changes"), error);
      return;
    }
  gtk_list_view_set_model (self->changes_view,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (list)))));
  gtk_stack_set_visible_child_name (self->changes_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (list)) ? "list" : "empty");
}

static void
load_changes (PierContainerPage *self)
{
  if (self->changes_busy)
    return;
  self->changes_busy = TRUE;
  if (gtk_list_view_get_model (self->changes_view) == NULL)
    gtk_stack_set_visible_child_name (self->changes_stack, "loading");
  pier_ui_run_in_thread (self, self->cancellable, changes_work, query_new (self),
                         (GDestroyNotify) query_free, g_object_unref, changes_done, NULL);
}

/* For the changes list's cell template: each item is a line of the engine's diff, its kind
 * ('A', 'D' or 'C') then the path. */
static char *
change_kind_label (gpointer this, const char *change)
{
  if (change == NULL)
    return NULL;
  return g_strdup (change[0] == 'A' ? _("Added") : change[0] == 'D' ? _("Deleted") : _("Changed"));
}

static GStrv
change_kind_classes (gpointer this, const char *change)
{
  const char *kind = change == NULL  ? NULL
                     : change[0] == 'A' ? "added"
                     : change[0] == 'D' ? "deleted"
                                        : "changed";

  return g_strdupv ((char *[]){ "change-badge", (char *) kind, NULL });
}

static char *
change_path (gpointer this, const char *change)
{
  return change != NULL && *change != '\0' ? g_strdup (change + 1) : NULL;
}

/* ---- inspect ---- */

static gboolean
inspect_work (gpointer data, gpointer *result, GCancellable *cancellable, GError **error)
{
  Query *q = data;

  return (*result = pier_engine_inspect_container (q->engine, q->id, FALSE, cancellable,
                                                   error)) != NULL;
}

static void
inspect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;

  pier_ui_task_finish (result, (gpointer *) &json, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->inspect_view),
                            json != NULL ? json : error->message, -1);
}

static void
load_inspect (PierContainerPage *self)
{
  pier_ui_run_in_thread (self, self->cancellable, inspect_work, query_new (self),
                         (GDestroyNotify) query_free, g_free, inspect_done, NULL);
}

static void
copy_inspect (PierContainerPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->inspect_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", _("Copied"));
}

/* ---- following the container ---- */

static void
tab_changed (PierContainerPage *self)
{
  const char *tab = adw_view_stack_get_visible_child_name (self->view_stack);

  if (!pier_model_get_loaded (self->model))
    return;
  if (g_strcmp0 (tab, "changes") == 0)
    load_changes (self);
  else if (g_strcmp0 (tab, "inspect") == 0)
    load_inspect (self);
}

static void
row_changed (PierContainerPage *self, GParamSpec *pspec)
{
  gboolean running = pier_container_row_get_running (self->row);

  update_overview (self);
  if (pspec != NULL && g_strcmp0 (pspec->name, "running") == 0)
    {
      /* A new run: a new log to follow, new processes, new numbers. */
      if (running)
        {
          start_logs (self);
          pier_graph_clear (self->cpu_graph);
          pier_graph_clear (self->memory_graph);
          self->last_cpu_time = 0;
        }
      pier_processes_view_refresh (self->processes_view);
      tab_changed (self);
    }
}

static void
container_removed (PierContainerPage *self, const char *id)
{
  GtkWidget *leaflet = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_LEAFLET);

  /* Outside a window (no win.toast), nothing to say and nowhere to go back from. */
  if (g_strcmp0 (id, self->id) != 0 ||
      !gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", _("The container was removed")))
    return;
  if (leaflet != NULL && adw_leaflet_get_visible_child (ADW_LEAFLET (leaflet)) == GTK_WIDGET (self))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.back", NULL);
}

static void
page_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (widget);
  g_autofree char *win_action = g_strconcat ("win.container-", action_name + strlen ("page."), NULL);

  gtk_widget_activate_action (widget, win_action, "s", self->id);
}

static void
pier_container_page_map (GtkWidget *widget)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (widget);

  GTK_WIDGET_CLASS (pier_container_page_parent_class)->map (widget);
  if (self->stats_id == 0)
    self->stats_id = g_timeout_add_seconds (1, stats_tick, self);
  stats_tick (self);
}

static void
pier_container_page_unmap (GtkWidget *widget)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (widget);

  g_clear_handle_id (&self->stats_id, g_source_remove);
  GTK_WIDGET_CLASS (pier_container_page_parent_class)->unmap (widget);
}

/* An engine without graphical sessions: their menu item says why it is insensitive. GTK 4.8's
 * menus show no tooltips, so the item becomes a button of the menu, which can. */
static void
explain_graphical (PierContainerPage *self)
{
  GMenuModel *section = g_menu_model_get_item_link (G_MENU_MODEL (self->more_menu), 1,
                                                    G_MENU_LINK_SECTION);
  GtkWidget *button = gtk_button_new_with_mnemonic (_("Open _Graphical Session"));
  g_autoptr (GMenuItem) item = g_menu_item_new (NULL, NULL);
  g_autoptr (GMenuModel) unref_section = section;

  for (int i = 0; i < g_menu_model_get_n_items (section); i++)
    {
      g_autofree char *action = NULL;
      if (g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action) &&
          g_strcmp0 (action, "page.graphical") == 0)
        {
          g_menu_remove (G_MENU (section), i);
          g_menu_item_set_attribute (item, "custom", "s", "graphical");
          g_menu_insert_item (G_MENU (section), i, item);
          break;
        }
    }
  gtk_label_set_xalign (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), 0);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "page.graphical");
  gtk_widget_set_tooltip_text (button, _("This engine cannot open graphical sessions: they need "
                                         "Pier on the machine the container runs on"));
  gtk_popover_menu_add_child (GTK_POPOVER_MENU (gtk_menu_button_get_popover (self->more_button)),
                              button, "graphical");
}

/* ---- public ---- */

GtkWidget *
pier_container_page_new (PierModel *model, const char *id)
{
  PierContainerPage *self = g_object_new (PIER_TYPE_CONTAINER_PAGE, NULL);
  PierContainerRow *row = pier_model_find_container (model, id);

  g_return_val_if_fail (row != NULL, GTK_WIDGET (self));
  self->model = g_object_ref (model);
  self->row = g_object_ref (row);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ROW]);
  self->id = g_strdup (id);
  g_signal_connect_object (row, "notify", G_CALLBACK (row_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (model, "container-removed", G_CALLBACK (container_removed), self, G_CONNECT_SWAPPED);
  pier_processes_view_set_model (self->processes_view, model);
  pier_processes_view_set_container (self->processes_view, id);
  if (!pier_engine_has_capability (engine (self), PIER_ENGINE_CAP_GRAPHICAL_SESSIONS))
    explain_graphical (self);
  update_overview (self);
  start_logs (self);
  return GTK_WIDGET (self);
}

void
pier_container_page_show_tab (PierContainerPage *self, const char *tab)
{
  adw_view_stack_set_visible_child_name (self->view_stack, tab);
}

PierProcessesView *
pier_container_page_get_processes_view (PierContainerPage *self)
{
  return self->processes_view;
}

static void
pier_container_page_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  if (prop_id == PROP_ROW)
    g_value_set_object (value, PIER_CONTAINER_PAGE (object)->row);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pier_container_page_dispose (GObject *object)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  stop_logs (self);
  g_clear_handle_id (&self->stats_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PIER_TYPE_CONTAINER_PAGE);
  pier_ui_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->row);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (pier_container_page_parent_class)->dispose (object);
}

static void
pier_container_page_finalize (GObject *object)
{
  PierContainerPage *self = PIER_CONTAINER_PAGE (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->detail_rows);
  g_free (self->id);
  G_OBJECT_CLASS (pier_container_page_parent_class)->finalize (object);
}

static void
pier_container_page_class_init (PierContainerPageClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const char *actions[] = { "page.start", "page.stop", "page.restart", "page.kill", "page.commit",
                            "page.remove", "page.terminal", "page.graphical" };

  G_OBJECT_CLASS (klass)->dispose = pier_container_page_dispose;
  G_OBJECT_CLASS (klass)->finalize = pier_container_page_finalize;
  G_OBJECT_CLASS (klass)->get_property = pier_container_page_get_property;
  props[PROP_ROW] = g_param_spec_object ("row", NULL, NULL, PIER_TYPE_CONTAINER_ROW,
                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (G_OBJECT_CLASS (klass), N_PROPS, props);
  widget_class->map = pier_container_page_map;
  widget_class->unmap = pier_container_page_unmap;
  g_type_ensure (PIER_TYPE_GRAPH);
  g_type_ensure (PIER_TYPE_PROCESSES_VIEW);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/pier/Pier/ui/pier-container-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, terminal_button);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, cpu_label);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, memory_label);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, cpu_graph);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, memory_graph);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, details_group);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, processes_view);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, logs_stack);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, logs_scroller);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, logs_view);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, changes_stack);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, changes_view);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, inspect_view);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, more_button);
  gtk_widget_class_bind_template_child (widget_class, PierContainerPage, more_menu);
  gtk_widget_class_bind_template_callback (widget_class, copy_inspect);
  gtk_widget_class_bind_template_callback (widget_class, change_kind_label);
  gtk_widget_class_bind_template_callback (widget_class, change_kind_classes);
  gtk_widget_class_bind_template_callback (widget_class, change_path);
  gtk_widget_class_bind_template_callback (widget_class, pier_ui_closure_not);
  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i], NULL, page_action);
}

static void
pier_container_page_init (PierContainerPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->detail_rows = g_hash_table_new (g_str_hash, g_str_equal);
  /* A tenth of a core and 16 MB at least: an idle container reads as idle. */
  pier_graph_set_floor (self->cpu_graph, 10);
  pier_graph_set_floor (self->memory_graph, 16 * 1024 * 1024);
  gtk_text_buffer_create_tag (gtk_text_view_get_buffer (self->logs_view), "stderr",
                              "foreground", "#e01b24", NULL);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child", G_CALLBACK (tab_changed), self);
}
