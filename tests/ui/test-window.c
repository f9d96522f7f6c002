/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window driven in-process through GTK's API, under Xvfb (run-under-xvfb.sh), against a
 * scratch store with real containers: run one from the Run dialog, see it listed, compare its
 * Processes page with the engine's snapshot, type into a terminal inside it and read how its
 * shell ended, check what each message dialog says and offers, stop it and remove it with
 * Delete (confirmed), see a container with a damaged record listed as broken and remove it,
 * build a Dockerfile, read an image's page, see a `pierctl run` from outside appear within a
 * second (and the model idle until then), load an archive dropped on the window, and read the
 * sizes of an odd image's history. Each view's screenshot goes to $PIER_BUILD_DIR/ui-shots.
 * Root only (real containers); the cases run in order, each using what the previous one left. */
#include "pier-application.h"
#include "pier-build-view.h"
#include "pier-container-page.h"
#include "pier-container-processes.h"
#include "pier-digest.h"
#include "pier-containers-view.h"
#include "pier-error.h"
#include "pier-image-page.h"
#include "pier-images-view.h"
#include "pier-layer-row.h"
#include "pier-process-row.h"
#include "pier-processes-view.h"
#include "pier-run-dialog.h"
#include "pier-sandbox.h"
#include "pier-store-open.h"
#include "pier-terminal.h"
#include "pier-window.h"
#include "test-engine.h"
#include "window-test-util.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *root;
  char *runroot;
  PierApplication *app;
  PierWindow *window;
  PierModel *model;
  PierStore *store;   /* the same store as the window's engine, to check what it did */
  char *container_id; /* the container the cases share */
  char *built_image;
} Fixture;

static Fixture fx;

static PierStore *
store (void)
{
  g_autoptr (GError) error = NULL;

  if (fx.store == NULL)
    fx.store = pier_store_open (fx.root, fx.runroot, &error);
  pier_assert_no_error (error);
  return fx.store;
}

static PierContainer *
find_container (const char *name_or_id)
{
  g_autoptr (GError) error = NULL;
  PierContainer *c = pier_store_find_container (store (), name_or_id, &error);

  pier_assert_no_error (error);
  return c;
}

static gboolean
shown_has_container (GListModel *shown, const char *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (shown, i);
      if (g_strcmp0 (pier_container_row_get_id (row), id) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
container_running (const char *id)
{
  PierContainerRow *row = pier_model_find_container (fx.model, id);

  return row != NULL && pier_container_row_get_running (row);
}

/* Runs @argv in the running container @c and returns what it wrote, or NULL when it failed. */
static char *
exec_output (const PierContainer *c, const char *const *argv)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store (), c);
  char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
  PierExecSpec spec = { .argv = (char **) argv, .env = env };
  g_autoptr (GError) error = NULL;
  int fds[2];
  int code = -1;
  char buffer[4096];
  gssize n;

  assert_int_equal (pipe2 (fds, O_CLOEXEC), 0);
  if (!pier_sandbox_exec (state_dir, &spec, -1, fds[1], fds[1], &code, &error))
    fail_msg ("exec in the container: %s", error->message);
  close (fds[1]);
  n = read (fds[0], buffer, sizeof buffer - 1);
  close (fds[0]);
  if (code != 0 || n < 0)
    return NULL;
  buffer[n] = '\0';
  return g_strdup (g_strstrip (buffer));
}

/* ---- set-up ---- */

static int
setup (void **state)
{
  if (!window_test_init ())
    return 0;
  fx.dir = pier_test_mkdtemp ();
  fx.root = g_build_filename (fx.dir, "root", NULL);
  fx.runroot = g_build_filename (fx.dir, "run", NULL);
  fx.app = pier_application_new (fx.root, fx.runroot, FALSE);
  fx.window = window_test_activate (fx.app);
  fx.model = pier_window_get_model (fx.window);
  return 0;
}

static int
teardown (void **state)
{
  g_autoptr (GPtrArray) containers = NULL;

  if (fx.model == NULL)
    return 0;
  /* Nothing of the cases keeps running. */
  containers = pier_store_list_containers (store (), NULL);
  for (guint i = 0; containers != NULL && i < containers->len; i++)
    pier_container_remove (store (), containers->pdata[i], TRUE, NULL);
  gtk_window_destroy (GTK_WINDOW (fx.window));
  settle (200);
  g_clear_object (&fx.store);
  g_clear_object (&fx.app);
  pier_test_rm_rf (fx.dir);
  return 0;
}

#define REQUIRE_SETUP() REQUIRE_FIXTURE (fx.model != NULL)

/* ---- the cases ---- */

static void
test_window_lists_the_builtin_images (void **state)
{
  PierImagesView *images;
  GListModel *shown;
  gboolean busybox = FALSE, host = FALSE;

  REQUIRE_SETUP ();
  WAIT_FOR (pier_model_get_loaded (fx.model), 30000, "the store to open");
  pier_window_show_view (fx.window, "images");
  images = PIER_IMAGES_VIEW (pier_window_get_view (fx.window, "images"));
  shown = pier_images_view_get_shown (images);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (shown, i);
      busybox |= g_strcmp0 (pier_image_row_get_name (row), "busybox:latest") == 0;
      host |= g_strcmp0 (pier_image_row_get_name (row), "host:latest") == 0;
    }
  assert_true (busybox);
  assert_true (host);
  screenshot (GTK_WIDGET (fx.window), "images");
  pier_window_show_view (fx.window, "containers");
  screenshot (GTK_WIDGET (fx.window), "containers-empty");
}

static void
container_started (PierRunDialog *dialog, const char *id, gpointer user_data)
{
  *(char **) user_data = g_strdup (id);
}

/* Limits the engine cannot keep are refused in the dialog, naming the field and the value,
 * never read as "no limit". */
static void
test_window_run_dialog_refuses_bad_limits (void **state)
{
  const struct {
    const char *memory, *cpus, *expected;
  } cases[] = {
    { "17179869184g", NULL, "memory limit “17179869184g”" },
    { "1e30", NULL, "memory limit “1e30”" },
    { NULL, "nan", "CPUs “nan”" },
    { NULL, "0.001", "CPUs “0.001”" },
  };
  PierRunDialog *dialog;

  REQUIRE_SETUP ();
  dialog = PIER_RUN_DIALOG (pier_window_open_run_dialog (fx.window, "busybox:latest"));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      pier_run_dialog_set_limits (dialog, cases[i].memory, cases[i].cpus, NULL);
      pier_run_dialog_run (dialog);
      assert_non_null (pier_run_dialog_get_error (dialog));
      if (strstr (pier_run_dialog_get_error (dialog), cases[i].expected) == NULL)
        fail_msg ("%s: %s", cases[i].expected, pier_run_dialog_get_error (dialog));
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_window_runs_a_container_from_the_run_dialog (void **state)
{
  PierRunDialog *dialog;
  PierContainersView *containers;
  GtkWidget *run_button;
  g_autoptr (PierContainer) c = NULL;
  char *id = NULL;

  REQUIRE_SETUP ();
  dialog = PIER_RUN_DIALOG (pier_window_open_run_dialog (fx.window, "busybox:latest"));
  pier_run_dialog_set_container_name (dialog, "ui-first");
  pier_run_dialog_set_hostname (dialog, "first-host");
  /* Three processes that stay, and a shell that ends at once on SIGTERM (as PID 1 it would
   * otherwise ignore it until the stop's timeout). */
  pier_run_dialog_set_command (dialog, "sh -c 'trap \"exit 0\" TERM; sleep 600 & sleep 601 & wait'");
  pier_run_dialog_set_terminal (dialog, FALSE);
  pier_run_dialog_add_env (dialog, "GREETING=hello from the window");
  pier_run_dialog_set_network (dialog, "none");
  screenshot (GTK_WIDGET (dialog), "run-dialog");
  g_signal_connect (dialog, "container-started", G_CALLBACK (container_started), &id);
  run_button = gtk_window_get_default_widget (GTK_WINDOW (dialog));
  assert_true (gtk_widget_get_sensitive (run_button));
  assert_string_equal (gtk_button_get_label (GTK_BUTTON (run_button)), "_Run");
  pier_run_dialog_run (dialog);
  /* While it starts, the template's bindings to "running" hold the button back. */
  assert_false (gtk_widget_get_sensitive (run_button));
  assert_string_equal (gtk_button_get_label (GTK_BUTTON (run_button)), "Starting…");
  WAIT_FOR (id != NULL || pier_run_dialog_get_error (dialog) != NULL, 30000, "the container to start");
  if (id == NULL)
    fail_msg ("the Run dialog refused: %s", pier_run_dialog_get_error (dialog));
  fx.container_id = id;

  /* Listed, running, as the engine has it. */
  containers = PIER_CONTAINERS_VIEW (pier_window_get_view (fx.window, "containers"));
  WAIT_FOR (shown_has_container (pier_containers_view_get_shown (containers), id) && container_running (id),
            5000, "the container in the list");
  c = find_container (id);
  assert_int_equal (c->status, PIER_CONTAINER_RUNNING);
  assert_string_equal (c->name, "ui-first");
  assert_string_equal (c->hostname, "first-host");
  assert_int_equal (c->network, PIER_NETWORK_NONE);
  assert_true (g_strv_contains ((const char *const *) c->env, "GREETING=hello from the window"));
  screenshot (GTK_WIDGET (fx.window), "containers");
}

/* The process rows the view shows: host PID → row. */
static GHashTable *
process_rows (PierProcessesView *view, guint *n_sessions)
{
  GListModel *rows = G_LIST_MODEL (pier_processes_view_get_selection (view));
  GHashTable *table = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);

  *n_sessions = 0;
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      PierProcessRow *row = g_list_model_get_item (rows, i);
      if (pier_process_row_is_session (row))
        {
          (*n_sessions)++;
          g_object_unref (row);
          continue;
        }
      g_hash_table_insert (table, GINT_TO_POINTER (pier_process_row_get_host_id (row)), row);
    }
  return table;
}

static char *
row_text (gpointer row, const char *property)
{
  char *text = NULL;

  g_object_get (row, property, &text, NULL);
  return text;
}

/* Every process of the engine's snapshot has its row, with both sides' PIDs and sessions, and
 * there is no other. */
static void
assert_rows_match_snapshot (PierProcessesView *view, const char *id)
{
  g_autoptr (PierContainer) c = find_container (id);
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PierProcessSnapshot) snapshot = pier_container_snapshot (scanner, c, &error);
  g_autoptr (GHashTable) rows = NULL;
  guint n_sessions;
  guint n;

  pier_assert_no_error (error);
  n = pier_process_snapshot_get_n_processes (snapshot);
  rows = process_rows (view, &n_sessions);
  assert_int_equal (g_hash_table_size (rows), n);
  assert_true (n_sessions >= 1);
  for (guint i = 0; i < n; i++)
    {
      const PierProcess *p = pier_process_snapshot_get_process (snapshot, i);
      PierProcessRow *row = g_hash_table_lookup (rows, GINT_TO_POINTER (p->host_pid));
      g_autofree char *host_pid = NULL;
      g_autofree char *container_pid = NULL;
      g_autofree char *command = NULL;

      if (row == NULL)
        fail_msg ("host PID %d (%s) has no row", p->host_pid, p->cmdline);
      host_pid = row_text (row, "host-pid");
      container_pid = row_text (row, "container-pid");
      command = row_text (row, "command");
      assert_int_equal (g_ascii_strtoll (host_pid, NULL, 10), p->host_pid);
      assert_int_equal (g_ascii_strtoll (container_pid, NULL, 10), p->container_pid);
      assert_int_equal (pier_process_row_get_container_sid (row), p->container_sid);
      assert_int_equal (pier_process_row_get_host_sid (row), p->host_sid);
      assert_string_equal (command, p->cmdline);
    }
}

static guint refreshes;

static void
refreshed (PierProcessesView *view, gint64 usec, gpointer user_data)
{
  refreshes++;
}

/* A window opened over a store that already has containers lists every one of them. */
static void
test_window_lists_the_containers_it_finds (void **state)
{
  g_autoptr (PierModel) model = NULL;
  g_autoptr (GPtrArray) containers = NULL;
  GListModel *rows;

  REQUIRE_SETUP ();
  assert_non_null (fx.container_id);
  containers = pier_store_list_containers (store (), NULL);
  assert_non_null (containers);
  assert_true (containers->len >= 1);
  model = pier_model_new (pier_application_get_engine (fx.app));
  WAIT_FOR (pier_model_get_loaded (model), 10000, "the second model to load");
  rows = pier_model_get_containers (model);
  assert_int_equal (g_list_model_get_n_items (rows), containers->len);
  assert_true (shown_has_container (rows, fx.container_id));
}

static void
test_window_processes_page_matches_the_engine (void **state)
{
  PierContainerPage *page;
  PierProcessesView *view;
  GtkSingleSelection *selection;
  guint seen;

  REQUIRE_SETUP ();
  assert_non_null (fx.container_id);
  page = PIER_CONTAINER_PAGE (pier_window_open_container (fx.window, fx.container_id, "overview"));
  settle (1500);
  screenshot (GTK_WIDGET (fx.window), "container-overview");
  pier_container_page_show_tab (page, "processes");
  view = pier_container_page_get_processes_view (page);
  g_signal_connect (view, "refreshed", G_CALLBACK (refreshed), NULL);
  seen = refreshes;
  WAIT_FOR (refreshes > seen + 1, 5000, "two refreshes of the Processes page");
  assert_rows_match_snapshot (view, fx.container_id);

  /* Both sides show one model under one selection: selecting on one selects on the other. */
  selection = pier_processes_view_get_selection (view);
  assert_ptr_equal (gtk_column_view_get_model (pier_processes_view_get_inside_view (view)),
                    GTK_SELECTION_MODEL (selection));
  assert_ptr_equal (gtk_column_view_get_model (pier_processes_view_get_host_view (view)),
                    GTK_SELECTION_MODEL (selection));
  gtk_single_selection_set_selected (selection, 1);
  assert_true (gtk_selection_model_is_selected (gtk_column_view_get_model (pier_processes_view_get_host_view (view)), 1));
  screenshot (GTK_WIDGET (fx.window), "container-processes");
}

static gboolean
terminal_has_exec_session (PierProcessesView *view)
{
  GListModel *rows = G_LIST_MODEL (pier_processes_view_get_selection (view));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierProcessRow) row = g_list_model_get_item (rows, i);
      g_autofree char *command = row_text (row, "command");
      if (pier_process_row_is_session (row) && strstr (command, "exec") != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_window_terminal_runs_a_command_inside (void **state)
{
  PierTerminal *terminal;
  PierContainerPage *page = PIER_CONTAINER_PAGE (pier_window_get_page (fx.window));
  g_autoptr (PierContainer) c = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (PierProcessScanner) scanner = pier_process_scanner_new ();
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  g_autofree char *marker = NULL;
  gboolean exec_origin = FALSE;
  const char *cat[] = { "cat", "/tmp/ui-marker", NULL };
  int pid;

  REQUIRE_SETUP ();
  assert_non_null (page);
  terminal = PIER_TERMINAL (pier_window_open_terminal (fx.window, fx.container_id));
  WAIT_FOR (pier_terminal_get_pid (terminal) > 0, 10000, "the terminal's shell");
  pid = pier_terminal_get_pid (terminal);
  pier_terminal_feed (terminal, "echo \"$HOSTNAME\" > /tmp/ui-marker\n");
  c = find_container (fx.container_id);
  WAIT_FOR ((g_free (marker), marker = exec_output (c, cat)) != NULL, 10000, "the command typed in the terminal");
  assert_string_equal (marker, "first-host");

  /* The shell leads a session of its own, recorded as an exec session. */
  snapshot = pier_container_snapshot (scanner, c, NULL);
  assert_non_null (snapshot);
  sessions = pier_container_sessions (store (), c, snapshot);
  for (guint i = 0; i < sessions->len; i++)
    {
      PierProcessSession *s = sessions->pdata[i];
      if (s->host_sid == pid && g_strcmp0 (s->origin, PIER_SESSION_EXEC) == 0)
        exec_origin = TRUE;
    }
  assert_true (exec_origin);
  settle (300);
  screenshot (GTK_WIDGET (terminal), "terminal");

  /* The Processes page shows it, headed as exec, and still matches the engine. */
  WAIT_FOR (terminal_has_exec_session (pier_container_page_get_processes_view (page)), 5000,
            "the exec session on the Processes page");
  settle (1100);
  assert_rows_match_snapshot (pier_container_page_get_processes_view (page), fx.container_id);
  screenshot (GTK_WIDGET (fx.window), "container-processes-exec");
  gtk_window_destroy (GTK_WINDOW (terminal));

  pier_container_page_show_tab (page, "logs");
  settle (500);
  screenshot (GTK_WIDGET (fx.window), "container-logs");
  pier_container_page_show_tab (page, "changes");
  settle (1000);
  screenshot (GTK_WIDGET (fx.window), "container-changes");
  pier_container_page_show_tab (page, "inspect");
  screenshot (GTK_WIDGET (fx.window), "container-inspect");
}

/* Types @command into a new terminal's shell and returns how the terminal says it ended. */
static char *
terminal_end_after (const char *command)
{
  PierTerminal *terminal = PIER_TERMINAL (pier_window_open_terminal (fx.window, fx.container_id));
  char *said;

  WAIT_FOR (pier_terminal_get_pid (terminal) > 0, 10000, "the terminal's shell");
  pier_terminal_feed (terminal, command);
  WAIT_FOR (label_starting_with (GTK_WIDGET (terminal), "The shell") != NULL, 10000,
            "the terminal to say the shell ended");
  said = g_strdup (gtk_label_get_label (label_starting_with (GTK_WIDGET (terminal), "The shell")));
  gtk_window_destroy (GTK_WINDOW (terminal));
  return said;
}

/* A shell that exits with a code above 128 exited; one a signal killed was killed: the
 * terminal says which as the engine knows it, never guessed from the code. */
static void
test_window_terminal_tells_an_exit_code_from_a_signal (void **state)
{
  g_autofree char *exited = NULL;
  g_autofree char *killed = NULL;

  REQUIRE_SETUP ();
  assert_non_null (fx.container_id);
  exited = terminal_end_after ("exit 130\n");
  assert_string_equal (exited, "The shell exited with status 130. Close the window to end.");
  killed = terminal_end_after ("kill -9 $$\n");
  assert_string_equal (killed, "The shell was killed by signal 9 (the container may have stopped).");
}

static void
test_window_host_processes_show_the_container (void **state)
{
  PierProcessesView *view;
  GListModel *rows;
  gboolean found = FALSE;

  REQUIRE_SETUP ();
  pier_window_show_view (fx.window, "processes");
  view = PIER_PROCESSES_VIEW (pier_window_get_view (fx.window, "processes"));
  rows = G_LIST_MODEL (pier_processes_view_get_selection (view));
  for (gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
       !found && g_get_monotonic_time () < deadline;)
    {
      settle (200);
      for (guint i = 0; i < g_list_model_get_n_items (rows) && !found; i++)
        {
          g_autoptr (PierProcessRow) row = g_list_model_get_item (rows, i);
          g_autofree char *container = row_text (row, "container");
          found = g_strcmp0 (container, "ui-first") == 0;
        }
    }
  assert_true (found);
  screenshot (GTK_WIDGET (fx.window), "host-processes");
}

/* What a click on one of @dialog's buttons does: the response, then the dialog closes. */
static void
respond (AdwMessageDialog *dialog, const char *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* The first widget of @type under @widget, depth first. */
static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Does what pressing @keyval on @widget does, through the shortcut controllers on it: GTK has
 * no public way to synthesise a key press, and this is the path a press takes. */
static gboolean
press_key (GtkWidget *widget, guint keyval)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);
      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                                 GTK_SHORTCUT_ACTION_EXCLUSIVE, widget,
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }
  return FALSE;
}

/* One of a message dialog's responses, as a person sees it. */
typedef struct {
  const char *id;
  const char *label;
  AdwResponseAppearance appearance;
} Response;

/* The distinct labels of @widget's buttons, depth first: a message dialog's responses, in
 * order (it makes a button for each in each of the ways it can lay them out). */
static void
collect_button_labels (GtkWidget *widget, GPtrArray *labels)
{
  const char *label = GTK_IS_BUTTON (widget) ? gtk_button_get_label (GTK_BUTTON (widget)) : NULL;

  if (label != NULL && !g_ptr_array_find_with_equal_func (labels, label, g_str_equal, NULL))
    g_ptr_array_add (labels, g_strdup (label));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_button_labels (child, labels);
}

/* @dialog says @heading and @body and offers exactly @responses (@n of them, in order), with
 * @default_response (NULL: none) and Escape answering "close". */
static void
assert_message_dialog (AdwMessageDialog *dialog, const char *heading, const char *body,
                       const char *default_response, const Response *responses, guint n)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  assert_string_equal (adw_message_dialog_get_heading (dialog), heading);
  assert_string_equal (adw_message_dialog_get_body (dialog), body);
  assert_string_equal (adw_message_dialog_get_close_response (dialog), "close");
  if (default_response == NULL)
    assert_null (adw_message_dialog_get_default_response (dialog));
  else
    assert_string_equal (adw_message_dialog_get_default_response (dialog), default_response);
  collect_button_labels (GTK_WIDGET (dialog), labels);
  assert_int_equal (labels->len, n);
  for (guint i = 0; i < n; i++)
    {
      assert_true (adw_message_dialog_has_response (dialog, responses[i].id));
      assert_string_equal (adw_message_dialog_get_response_label (dialog, responses[i].id),
                           responses[i].label);
      assert_string_equal (labels->pdata[i], responses[i].label);
      assert_int_equal (adw_message_dialog_get_response_appearance (dialog, responses[i].id),
                        responses[i].appearance);
      assert_true (adw_message_dialog_get_response_enabled (dialog, responses[i].id));
    }
}

/* The message dialog the window's @action on @target opens. */
static AdwMessageDialog *
dialog_of_action (const char *action, const char *target)
{
  AdwMessageDialog *dialog = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (fx.window), action, g_variant_new_string (target));
  WAIT_FOR ((dialog = find_message_dialog ()) != NULL, 5000, action);
  return dialog;
}

/* A confirmation before removing: Cancel the default, Remove destructive. */
static void
assert_remove_dialog (AdwMessageDialog *dialog, const char *heading, const char *body)
{
  static const Response responses[] = {
    { "cancel", "_Cancel", ADW_RESPONSE_DEFAULT },
    { "remove", "_Remove", ADW_RESPONSE_DESTRUCTIVE },
  };

  assert_message_dialog (dialog, heading, body, "cancel", responses, G_N_ELEMENTS (responses));
}

/* The window's message dialogs say what they said when they were built in C: removing a
 * container (running or not) or an image asks first; a failure says so with Close. (The load
 * that failed: see the dropped archive.) */
static void
test_window_dialogs_say_what_they_do (void **state)
{
  static const Response close_response[] = { { "close", "_Close", ADW_RESPONSE_DEFAULT } };
  PierContainerOptions options = { .image = "busybox", .name = "ui-dialogs",
                                   .network_set = TRUE, .network = PIER_NETWORK_NONE };
  AdwMessageDialog *dialog;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierContainer) stopped = NULL;
  g_autoptr (PierContainer) gone = NULL;

  REQUIRE_SETUP ();
  assert_true (container_running (fx.container_id));
  dialog = dialog_of_action ("container-remove", fx.container_id);
  assert_remove_dialog (dialog, "Remove “ui-first”?",
                        "It is running: it will be killed. What it changed in its filesystem and "
                        "its logs go with it.");
  respond (dialog, "cancel");

  dialog = dialog_of_action ("image-remove", "busybox");
  assert_remove_dialog (dialog, "Remove busybox?",
                        "The name goes; the image goes with its last name, and its layers with it "
                        "unless another image shares them.");
  respond (dialog, "cancel");

  stopped = pier_store_create_container (store (), &options, &error);
  pier_assert_no_error (error);
  pier_model_refresh_container (fx.model, stopped->id);
  WAIT_FOR (pier_model_find_container (fx.model, stopped->id) != NULL, 5000,
            "the created container in the model");
  dialog = dialog_of_action ("container-graphical", stopped->id);
  assert_message_dialog (dialog, "Could not open a graphical session",
                         "a graphical session runs in a running container: start it first",
                         NULL, close_response, G_N_ELEMENTS (close_response));
  respond (dialog, "close");

  dialog = dialog_of_action ("container-remove", stopped->id);
  assert_remove_dialog (dialog, "Remove “ui-dialogs”?",
                        "What it changed in its filesystem and its logs go with it.");
  respond (dialog, "remove");
  WAIT_FOR (pier_model_find_container (fx.model, stopped->id) == NULL, 10000,
            "the stopped container to leave the model");
  gone = pier_store_find_any_container (store (), "ui-dialogs", &error);
  assert_null (gone);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
  assert_true (container_running (fx.container_id));
}

static void
test_window_stops_and_removes_the_container (void **state)
{
  AdwMessageDialog *dialog = NULL;
  PierContainersView *containers;
  GtkWidget *list;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierContainer) gone = NULL;
  g_autoptr (PierContainer) stopped = NULL;

  REQUIRE_SETUP ();
  pier_window_go_back (fx.window);
  g_action_group_activate_action (G_ACTION_GROUP (fx.window), "container-stop",
                                  g_variant_new_string (fx.container_id));
  WAIT_FOR (!container_running (fx.container_id), 15000, "the container to stop");
  stopped = find_container (fx.container_id);
  assert_int_equal (stopped->status, PIER_CONTAINER_EXITED);
  pier_window_show_view (fx.window, "containers");
  containers = PIER_CONTAINERS_VIEW (pier_window_get_view (fx.window, "containers"));
  screenshot (GTK_WIDGET (fx.window), "containers-stopped");

  /* Delete on the selected row asks first; Cancel keeps it. */
  pier_containers_view_select (containers, fx.container_id);
  list = find_descendant (GTK_WIDGET (containers), GTK_TYPE_COLUMN_VIEW);
  assert_non_null (list);
  assert_true (press_key (list, GDK_KEY_Delete));
  WAIT_FOR ((dialog = find_message_dialog ()) != NULL, 5000, "the confirmation");
  assert_non_null (strstr (adw_message_dialog_get_heading (dialog), "ui-first"));
  screenshot (GTK_WIDGET (dialog), "remove-confirmation");
  respond (dialog, "cancel");
  settle (500);
  pier_container_free (find_container (fx.container_id));
  assert_true (shown_has_container (pier_containers_view_get_shown (containers), fx.container_id));

  /* Confirmed, it goes. */
  assert_true (press_key (list, GDK_KEY_Delete));
  WAIT_FOR ((dialog = find_message_dialog ()) != NULL, 5000, "the confirmation");
  respond (dialog, "remove");
  WAIT_FOR (!shown_has_container (pier_containers_view_get_shown (containers), fx.container_id), 10000,
            "the container to leave the list");
  gone = pier_store_find_container (store (), fx.container_id, &error);
  assert_null (gone);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
}

static char *
row_state_label (const char *id)
{
  PierContainerRow *row = pier_model_find_container (fx.model, id);
  char *label = NULL;

  if (row != NULL)
    g_object_get (row, "state-label", &label, NULL);
  return label;
}

static gboolean
row_is_broken (const char *id)
{
  g_autofree char *label = row_state_label (id);
  return g_strcmp0 (label, "Broken") == 0;
}

/* The box of a container row's buttons (Start, Stop, Terminal, More) for @id. */
static GtkWidget *
row_actions_of (GtkWidget *widget, const char *id)
{
  if (g_strcmp0 (g_object_get_data (G_OBJECT (widget), "pier-id"), id) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = row_actions_of (child, id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A container whose record is damaged is listed as broken, offers no Start, and the window
 * removes it. */
static void
test_window_shows_a_broken_container_and_removes_it (void **state)
{
  PierContainerOptions options = { .image = "busybox", .name = "damaged",
                                   .network_set = TRUE, .network = PIER_NETWORK_NONE };
  PierContainersView *containers;
  AdwMessageDialog *dialog = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierContainer) c = NULL;
  g_autoptr (PierContainer) gone = NULL;
  g_autofree char *record = NULL;
  g_autofree char *status = NULL;

  REQUIRE_SETUP ();
  c = pier_store_create_container (store (), &options, &error);
  pier_assert_no_error (error);
  record = g_build_filename (fx.root, "containers", c->id, "container.json", NULL);
  assert_true (g_file_set_contents (record, "{\"id\": tru", -1, NULL));
  pier_model_refresh_container (fx.model, c->id);
  pier_window_show_view (fx.window, "containers");
  containers = PIER_CONTAINERS_VIEW (pier_window_get_view (fx.window, "containers"));
  WAIT_FOR (shown_has_container (pier_containers_view_get_shown (containers), c->id) &&
            row_is_broken (c->id), 5000, "the damaged container to show as broken");
  g_object_get (pier_model_find_container (fx.model, c->id), "status", &status, NULL);
  assert_non_null (strstr (status, "damaged container record"));
  WAIT_FOR (row_actions_of (GTK_WIDGET (containers), c->id) != NULL, 5000, "the row's buttons");
  assert_false (gtk_widget_get_visible (
      gtk_widget_get_first_child (row_actions_of (GTK_WIDGET (containers), c->id))));
  screenshot (GTK_WIDGET (fx.window), "containers-broken");

  g_action_group_activate_action (G_ACTION_GROUP (fx.window), "container-remove",
                                  g_variant_new_string (c->id));
  WAIT_FOR ((dialog = find_message_dialog ()) != NULL, 5000, "the confirmation");
  respond (dialog, "remove");
  WAIT_FOR (!shown_has_container (pier_containers_view_get_shown (containers), c->id), 10000,
            "the broken container to leave the list");
  gone = pier_store_find_any_container (store (), "damaged", &error);
  assert_null (gone);
  pier_assert_error (error, PIER_ERROR_NOT_FOUND);
}

static void
build_finished (PierBuildView *view, const char *image_id, gpointer user_data)
{
  *(char **) user_data = g_strdup (image_id ? image_id : "");
}

static void
test_window_builds_a_dockerfile (void **state)
{
  PierBuildView *view;
  g_autofree char *context = NULL;
  g_autofree char *dockerfile = NULL;
  g_autofree char *done = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autoptr (GError) error = NULL;
  guint n_steps;

  REQUIRE_SETUP ();
  context = g_build_filename (fx.dir, "context", NULL);
  dockerfile = g_build_filename (context, "Dockerfile", NULL);
  g_mkdir_with_parents (context, 0755);
  assert_true (g_file_set_contents (dockerfile,
                                    "FROM busybox\n"
                                    "COPY greeting.txt /greeting.txt\n"
                                    "RUN echo built in the window > /built.txt && cat /greeting.txt\n"
                                    "CMD [\"cat\", \"/built.txt\"]\n", -1, NULL));
  {
    g_autofree char *greeting = g_build_filename (context, "greeting.txt", NULL);
    assert_true (g_file_set_contents (greeting, "hello from the context\n", -1, NULL));
  }
  pier_window_show_view (fx.window, "build");
  view = PIER_BUILD_VIEW (pier_window_get_view (fx.window, "build"));
  pier_build_view_set_context (view, context);
  pier_build_view_set_tags (view, "ui-built:1");
  g_signal_connect (view, "finished", G_CALLBACK (build_finished), &done);
  pier_build_view_start (view);
  settle (300);
  screenshot (GTK_WIDGET (fx.window), "build-running");
  WAIT_FOR (done != NULL, 120000, "the build");
  if (*done == '\0')
    fail_msg ("the build failed: %s", pier_build_view_get_error (view));
  n_steps = pier_build_view_get_n_steps (view);
  assert_int_equal (n_steps, 4);
  image = pier_store_find_image (store (), "ui-built:1", &error);
  pier_assert_no_error (error);
  assert_string_equal (image->id, done);
  fx.built_image = g_strdup (done);
  screenshot (GTK_WIDGET (fx.window), "build-done");

  /* Again: the steps come from the cache, and say so. */
  g_clear_pointer (&done, g_free);
  pier_build_view_start (view);
  WAIT_FOR (done != NULL, 60000, "the second build");
  assert_string_equal (done, fx.built_image);
  assert_true (pier_build_view_get_n_cached (view) >= 2);
  screenshot (GTK_WIDGET (fx.window), "build-cached");
}

static void
test_window_image_page_shows_layers_and_dockerfile (void **state)
{
  PierImagePage *page;
  GListModel *layers;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *dockerfile = NULL;
  g_autoptr (GError) error = NULL;

  REQUIRE_SETUP ();
  assert_non_null (fx.built_image);
  image = pier_store_find_image (store (), fx.built_image, &error);
  pier_assert_no_error (error);
  page = PIER_IMAGE_PAGE (pier_window_open_image (fx.window, "ui-built:1"));
  WAIT_FOR (pier_image_page_get_loaded (page), 10000, "the image page");
  layers = pier_image_page_get_layers (page);
  assert_int_equal (g_list_model_get_n_items (layers), image->config->diff_ids->len);
  /* The bottom layer is busybox's: two images share it. */
  {
    g_autoptr (PierLayerRow) bottom = g_list_model_get_item (layers, 0);
    assert_string_equal (pier_layer_row_get (bottom, PIER_LAYER_ROW_IMAGES), "2");
  }
  screenshot (GTK_WIDGET (fx.window), "image-layers");
  dockerfile = pier_image_page_get_dockerfile (page);
  assert_non_null (strstr (dockerfile, "RUN echo built in the window > /built.txt"));
  assert_non_null (strstr (dockerfile, "COPY"));
  pier_image_page_show_tab (page, "history");
  screenshot (GTK_WIDGET (fx.window), "image-history");
  pier_image_page_show_tab (page, "dockerfile");
  screenshot (GTK_WIDGET (fx.window), "image-dockerfile");
  pier_window_go_back (fx.window);
}

/* Checks every titled column (the actions column has none) of every column view under
 * @widget makes its cells from a template; returns how many it checked. */
static guint
assert_cells_from_templates (GtkWidget *widget)
{
  guint checked = 0;

  if (GTK_IS_COLUMN_VIEW (widget))
    {
      GListModel *columns = gtk_column_view_get_columns (GTK_COLUMN_VIEW (widget));
      for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
        {
          g_autoptr (GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
          if (gtk_column_view_column_get_title (column) == NULL)
            continue;
          if (!GTK_IS_BUILDER_LIST_ITEM_FACTORY (gtk_column_view_column_get_factory (column)))
            fail_msg ("column “%s” makes its cells in C, not from a template",
                      gtk_column_view_column_get_title (column));
          checked++;
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    checked += assert_cells_from_templates (child);
  return checked;
}

/* The lists' cells are declared in the templates, bound to their rows by expressions: the
 * containers and images lists, and an image page's layers and history. */
static void
test_window_list_cells_come_from_templates (void **state)
{
  g_autoptr (GtkWidget) page = NULL;

  REQUIRE_SETUP ();
  assert_int_equal (assert_cells_from_templates (pier_window_get_view (fx.window, "containers")), 8);
  assert_int_equal (assert_cells_from_templates (pier_window_get_view (fx.window, "images")), 6);
  /* The columns are the template's from the start: the page need not be shown nor loaded. */
  page = g_object_ref_sink (pier_image_page_new (fx.model, "busybox"));
  assert_int_equal (assert_cells_from_templates (page), 10);
}

static void
test_window_shows_a_pierctl_run_within_a_second (void **state)
{
  const char *pierctl = g_getenv ("PIER_PIERCTL");
  PierContainersView *containers;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  int status;
  gint64 returned;

  REQUIRE_SETUP ();
  assert_non_null (pierctl);
  pier_window_show_view (fx.window, "containers");
  containers = PIER_CONTAINERS_VIEW (pier_window_get_view (fx.window, "containers"));
  settle (1200);
  {
    const char *argv[] = { pierctl, "--root", fx.root, "--runroot", fx.runroot, "run", "-d",
                           "--network", "none", "--name", "from-outside", "busybox", "sleep", "600", NULL };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      fail_msg ("pierctl run: %s", error->message);
  }
  returned = g_get_monotonic_time ();
  g_strstrip (out);
  WAIT_FOR (shown_has_container (pier_containers_view_get_shown (containers), out) && container_running (out),
            1000, "the container pierctl ran to show up (within a second)");
  print_message ("pierctl run showed up %" G_GINT64_FORMAT " ms after pierctl returned\n",
                 (g_get_monotonic_time () - returned) / 1000);
  screenshot (GTK_WIDGET (fx.window), "containers-from-pierctl");

  /* And its removal from outside too; its page, open, goes back (through win.back). */
  pier_window_open_container (fx.window, out, NULL);
  WAIT_FOR (pier_window_get_page (fx.window) != NULL, 5000, "the container's page");
  {
    const char *argv[] = { pierctl, "--root", fx.root, "--runroot", fx.runroot, "rm", "-f", "from-outside", NULL };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      fail_msg ("pierctl rm: %s", error->message);
  }
  WAIT_FOR (!shown_has_container (pier_containers_view_get_shown (containers), out), 1500,
            "the removed container to leave the list");
  WAIT_FOR (pier_window_get_page (fx.window) == NULL, 5000, "the removed container's page to go back");
}

static gboolean
shown_has_image (GListModel *shown, const char *target)
{
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (shown, i);
      const char *name = pier_image_row_get_target (row);
      /* "name" matches "name:tag" too: how a familiar name shows :latest is not the point. */
      if (g_strcmp0 (name, target) == 0 ||
          (g_str_has_prefix (name, target) && name[strlen (target)] == ':'))
        return TRUE;
    }
  return FALSE;
}

static void
pierctl (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (char *) g_getenv ("PIER_PIERCTL"));
  g_ptr_array_add (argv, "--root");
  g_ptr_array_add (argv, fx.root);
  g_ptr_array_add (argv, "--runroot");
  g_ptr_array_add (argv, fx.runroot);
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    fail_msg ("pierctl %s: %s", args[0], error->message);
}

/* The row of the container named @name in @model, or NULL. */
static PierContainerRow *
model_row_named (PierModel *model, const char *name)
{
  GListModel *rows = pier_model_get_containers (model);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (rows, i);
      if (g_strcmp0 (pier_container_row_get_name (row), name) == 0)
        return row; /* the list holds it */
    }
  return NULL;
}

/* Idle, the model does not read the engine's events at all: it waits for the engine's word
 * (a watch on the journal), and a change another process makes still shows within a second. */
static void
test_window_model_waits_for_changes_without_polling (void **state)
{
  g_autoptr (TestEngine) counting = NULL;
  g_autoptr (PierModel) model = NULL;
  guint reads;
  gint64 returned;

  REQUIRE_SETUP ();
  counting = test_engine_new (pier_application_get_engine (fx.app), G_MAXUINT);
  model = pier_model_new (PIER_ENGINE (counting));
  WAIT_FOR (pier_model_get_loaded (model), 10000, "the counted model to load");
  /* Its first reads (the cursor, what came before the watch) are over. */
  settle (300);
  reads = test_engine_count (counting, "read_events", NULL);
  settle (1200);
  if (test_engine_count (counting, "read_events", NULL) != reads)
    fail_msg ("idle for 1.2 s, the model read the events %u times",
              test_engine_count (counting, "read_events", NULL) - reads);

  pierctl ((const char *[]){ "run", "-d", "--network", "none", "--name", "watched", "busybox",
                             "sleep", "600", NULL });
  returned = g_get_monotonic_time ();
  WAIT_FOR (model_row_named (model, "watched") != NULL, 1000,
            "the container pierctl ran to reach the model (within a second)");
  print_message ("pierctl run reached the model %" G_GINT64_FORMAT " ms after pierctl returned\n",
                 (g_get_monotonic_time () - returned) / 1000);
  pierctl ((const char *[]){ "rm", "-f", "watched", NULL });
  WAIT_FOR (model_row_named (model, "watched") == NULL, 1500,
            "the removed container to leave the model");
}

/* Writes @data as a blob of the OCI layout @layout and returns its descriptor's JSON. */
static char *
layout_blob (const char *layout, const char *media_type, const char *data, gsize len)
{
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
  g_autofree char *path = g_build_filename (layout, "blobs", "sha256", hex, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, data, len, &error))
    fail_msg ("writing %s: %s", path, error->message);
  return g_strdup_printf ("{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%" G_GSIZE_FORMAT "}",
                          media_type, hex, len);
}

/* An OCI layout in @dir of an image named @name with one layer, whose history has a step
 * that made no layer and two that say they made one: one more than the image has. */
static void
write_layout_with_a_missing_layer (const char *dir, const char *name)
{
  g_autofree char *blobs = g_build_filename (dir, "blobs", "sha256", NULL);
  g_autofree char *tree = g_build_filename (dir, "tree", NULL);
  g_autofree char *tar = g_build_filename (dir, "layer.tar", NULL);
  g_autofree char *layer = NULL;
  g_autofree char *layer_desc = NULL;
  g_autofree char *diff_hex = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_desc = NULL;
  g_autofree char *manifest = NULL;
  g_autofree char *manifest_desc = NULL;
  g_autofree char *index = NULL;
  g_autofree char *layout_file = g_build_filename (dir, "oci-layout", NULL);
  g_autofree char *index_file = g_build_filename (dir, "index.json", NULL);
  g_autofree char *marker = g_build_filename (tree, "step.txt", NULL);
  g_autoptr (GError) error = NULL;
  gsize len;
  int status;

  assert_int_equal (g_mkdir_with_parents (blobs, 0755), 0);
  assert_int_equal (g_mkdir_with_parents (tree, 0755), 0);
  assert_true (g_file_set_contents (marker, "the only layer\n", -1, NULL));
  {
    const char *argv[] = { "tar", "-C", tree, "-cf", tar, "step.txt", NULL };
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                       &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      fail_msg ("tar: %s", error->message);
  }
  assert_true (g_file_get_contents (tar, &layer, &len, NULL));
  layer_desc = layout_blob (dir, "application/vnd.oci.image.layer.v1.tar", layer, len);
  diff_hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) layer, len);
  config = g_strdup_printf (
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]},"
      "\"history\":[{\"created_by\":\"/bin/sh -c #(nop) ADD file:step.txt in / \"},"
      "{\"created_by\":\"/bin/sh -c #(nop)  ENV STEP=1\",\"empty_layer\":true},"
      "{\"created_by\":\"/bin/sh -c echo its layer is missing\"}]}",
      diff_hex);
  config_desc = layout_blob (dir, "application/vnd.oci.image.config.v1+json", config, strlen (config));
  manifest = g_strdup_printf ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                              "\"config\":%s,\"layers\":[%s]}",
                              config_desc, layer_desc);
  manifest_desc = layout_blob (dir, "application/vnd.oci.image.manifest.v1+json", manifest, strlen (manifest));
  /* The name goes into the manifest's descriptor in the index. */
  manifest_desc[strlen (manifest_desc) - 1] = '\0';
  index = g_strdup_printf ("{\"schemaVersion\":2,\"manifests\":[%s,\"annotations\":"
                           "{\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
                           manifest_desc, name);
  assert_true (g_file_set_contents (layout_file, "{\"imageLayoutVersion\":\"1.0.0\"}", -1, NULL));
  assert_true (g_file_set_contents (index_file, index, -1, NULL));
}

/* The size column of the history, as the window showed it before the front door: "0 B" for a
 * step that made no layer, nothing for a step whose layer the image lacks, "?" for a layer
 * whose unpacked size is not known (the Layers tab shows its size as shipped). */
static void
test_window_image_history_sizes_what_it_knows (void **state)
{
  g_autofree char *dir = g_build_filename (fx.dir, "steps-layout", NULL);
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImage) image = NULL;
  g_autofree char *info = NULL;
  g_autofree char *unreadable = NULL;
  PierImagePage *page;
  GListModel *history;
  GListModel *layers;

  REQUIRE_SETUP ();
  write_layout_with_a_missing_layer (dir, "steps:1");
  loaded = pier_engine_load_layout (pier_application_get_engine (fx.app), dir, NULL, &error);
  if (loaded == NULL)
    fail_msg ("loading the layout: %s", error->message);
  image = pier_store_find_image (store (), "steps:1", &error);
  pier_assert_no_error (error);
  /* The layer's recorded size made unreadable: its unpacked size is no longer known. */
  info = g_build_filename (fx.root, "layers",
                           pier_digest_hex (image->config->diff_ids->pdata[0]), "info", NULL);
  unreadable = g_strnfill (100, '7');
  assert_true (g_file_set_contents (info, unreadable, -1, NULL));
  assert_true (pier_store_get_layer_size (store (), image->config->diff_ids->pdata[0]) < 0);

  page = PIER_IMAGE_PAGE (pier_window_open_image (fx.window, "steps:1"));
  WAIT_FOR (pier_image_page_get_loaded (page), 10000, "the image page");
  history = pier_image_page_get_history (page);
  assert_int_equal (g_list_model_get_n_items (history), 3);
  {
    g_autoptr (PierLayerRow) added = g_list_model_get_item (history, 0);
    g_autoptr (PierLayerRow) env = g_list_model_get_item (history, 1);
    g_autoptr (PierLayerRow) missing = g_list_model_get_item (history, 2);
    assert_string_equal (pier_layer_row_get (added, PIER_LAYER_ROW_SIZE), "?");
    assert_string_equal (pier_layer_row_get (env, PIER_LAYER_ROW_SIZE), "0 B");
    assert_string_equal (pier_layer_row_get (missing, PIER_LAYER_ROW_SIZE), "");
  }
  layers = pier_image_page_get_layers (page);
  assert_int_equal (g_list_model_get_n_items (layers), 1);
  {
    g_autoptr (PierLayerRow) only = g_list_model_get_item (layers, 0);
    PierDescriptor *blob = image->manifest->layers->pdata[0];
    g_autofree char *shipped = g_format_size (blob->size);
    assert_string_equal (pier_layer_row_get (only, PIER_LAYER_ROW_SIZE), shipped);
  }
  pier_image_page_show_tab (page, "history");
  screenshot (GTK_WIDGET (fx.window), "image-history-sizes");
  pier_window_go_back (fx.window);
  pierctl ((const char *[]){ "rmi", "steps:1", NULL });
}

/* What GTK's drop target emits when a file manager's drag of @path ends over the window. */
static gboolean
drop_file (GtkDropTarget *drop, const char *path)
{
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, g_slist_append (NULL, g_file_new_for_path (path)));
  g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  return accepted;
}

/* A tar of a tiny root filesystem (one file), in the fixture's folder. */
static char *
rootfs_tar (void)
{
  g_autofree char *tree = g_build_filename (fx.dir, "rootfs", NULL);
  g_autofree char *file = g_build_filename (tree, "hello.txt", NULL);
  char *tar = g_build_filename (fx.dir, "dropped-rootfs.tar", NULL);
  const char *argv[] = { "tar", "-C", tree, "-cf", tar, ".", NULL };
  g_autoptr (GError) error = NULL;
  int status;

  g_mkdir_with_parents (tree, 0755);
  assert_true (g_file_set_contents (file, "hello\n", -1, NULL));
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    fail_msg ("tar: %s", error->message);
  return tar;
}

static AdwMessageDialog *
find_dialog_with_heading (const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)) &&
          g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)), heading) == 0)
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* A .tar dropped on the window is loaded: the drop target's "drop" with a file list, as GTK
 * emits it when a file manager's drag ends over the window. */
static void
test_window_loads_a_dropped_archive (void **state)
{
  g_autofree char *archive = NULL;
  g_autofree char *rootfs = NULL;
  g_autoptr (GListModel) controllers = NULL;
  GtkDropTarget *drop = NULL;
  AdwMessageDialog *dialog;
  PierImagesView *images;

  REQUIRE_SETUP ();
  assert_non_null (g_getenv ("PIER_PIERCTL"));
  archive = g_build_filename (fx.dir, "dropped.tar", NULL);
  pierctl ((const char *[]){ "tag", "busybox", "dropped:1", NULL });
  pierctl ((const char *[]){ "save", "-o", archive, "dropped:1", NULL });
  pierctl ((const char *[]){ "rmi", "dropped:1", NULL });
  images = PIER_IMAGES_VIEW (pier_window_get_view (fx.window, "images"));
  WAIT_FOR (!shown_has_image (pier_images_view_get_shown (images), "dropped:1"), 5000,
            "the untagged name to leave the list");

  controllers = gtk_widget_observe_controllers (GTK_WIDGET (fx.window));
  for (guint i = 0; drop == NULL && i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_DROP_TARGET (controller))
        drop = GTK_DROP_TARGET (controller);
    }
  assert_non_null (drop);
  assert_true (drop_file (drop, archive));
  WAIT_FOR (shown_has_image (pier_images_view_get_shown (images), "dropped:1"), 30000,
            "the dropped archive's image in the list");
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (images)), 2000, "the Images view to show");
  screenshot (GTK_WIDGET (fx.window), "images-dropped");

  /* A root filesystem's tar is no image archive: the engine says so, and the window offers to
   * import it instead, under a name it suggests from the file's. */
  rootfs = rootfs_tar ();
  assert_true (drop_file (drop, rootfs));
  WAIT_FOR ((dialog = find_dialog_with_heading ("Could not load dropped-rootfs.tar")) != NULL, 30000,
            "the window to say the dropped root filesystem is no image archive");
  assert_non_null (strstr (adw_message_dialog_get_body (dialog), "not an image archive"));
  assert_message_dialog (dialog, "Could not load dropped-rootfs.tar", adw_message_dialog_get_body (dialog),
                         NULL,
                         (const Response[]){ { "close", "_Close", ADW_RESPONSE_DEFAULT },
                                             { "import", "_Import as a Root Filesystem…",
                                               ADW_RESPONSE_SUGGESTED } },
                         2);
  screenshot (GTK_WIDGET (dialog), "drop-not-an-image");
  respond (dialog, "import");
  WAIT_FOR ((dialog = find_dialog_with_heading ("Import a Root Filesystem")) != NULL, 5000,
            "the import dialog");
  screenshot (GTK_WIDGET (dialog), "import-dialog");
  respond (dialog, "ok");
  WAIT_FOR (shown_has_image (pier_images_view_get_shown (images), "dropped-rootfs"), 30000,
            "the imported root filesystem in the list");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_window_lists_the_builtin_images),
    cmocka_unit_test (test_window_run_dialog_refuses_bad_limits),
    cmocka_unit_test (test_window_runs_a_container_from_the_run_dialog),
    cmocka_unit_test (test_window_lists_the_containers_it_finds),
    cmocka_unit_test (test_window_processes_page_matches_the_engine),
    cmocka_unit_test (test_window_terminal_runs_a_command_inside),
    cmocka_unit_test (test_window_terminal_tells_an_exit_code_from_a_signal),
    cmocka_unit_test (test_window_host_processes_show_the_container),
    cmocka_unit_test (test_window_dialogs_say_what_they_do),
    cmocka_unit_test (test_window_stops_and_removes_the_container),
    cmocka_unit_test (test_window_shows_a_broken_container_and_removes_it),
    cmocka_unit_test (test_window_builds_a_dockerfile),
    cmocka_unit_test (test_window_image_page_shows_layers_and_dockerfile),
    cmocka_unit_test (test_window_list_cells_come_from_templates),
    cmocka_unit_test (test_window_shows_a_pierctl_run_within_a_second),
    cmocka_unit_test (test_window_model_waits_for_changes_without_polling),
    cmocka_unit_test (test_window_loads_a_dropped_archive),
    cmocka_unit_test (test_window_image_history_sizes_what_it_knows),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
