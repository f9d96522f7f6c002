/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window over a real dockerd that test-window-docker.sh started, saved as the connection
 * "d", with busybox and the containers "web" (running: a shell and a sleep, having printed
 * "hello-from-docker") and "made-only" (created). Each view is compared with what the docker
 * CLI says of the same peer: the lists, a container's logs, inspect, Stop and Start, a terminal,
 * the Processes page, an image's page, and "Copy to…" from the embedded engine. Under Xvfb;
 * root only. Screenshots go to $PIER_BUILD_DIR/ui-shots. */
#include "pier-application.h"
#include "pier-container-page.h"
#include "pier-containers-view.h"
#include "pier-copy-dialog.h"
#include "pier-image-page.h"
#include "pier-images-view.h"
#include "pier-local-engine.h"
#include "pier-process-row.h"
#include "pier-processes-view.h"
#include "pier-terminal.h"
#include "pier-window.h"
#include "test-engine.h"
#include "window-test-util.h"

#include <string.h>

typedef struct {
  const char *work;
  const char *docker_host;
  PierEngine *local; /* the embedded engine */
  PierApplication *app;
  PierWindow *window;
  char *web_id;
  gboolean hold_loads;   /* the next engine of "d" made is a TestEngine whose loads wait */
  TestEngine *held;      /* that engine */
} Fixture;

static Fixture fx;

/* ---- the docker CLI, on the same peer ---- */

/* What `docker -H HOST ARGS...` printed, without its last newline; fails the test when it
 * failed, unless @may_fail. */
static char *
docker_run (gboolean may_fail, const char *first, va_list ap)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "docker");
  g_ptr_array_add (argv, (gpointer) "-H");
  g_ptr_array_add (argv, (gpointer) fx.docker_host);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &status, &error))
    fail_msg ("running docker: %s", error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      if (may_fail)
        {
          g_free (out);
          return NULL;
        }
      fail_msg ("docker %s failed: %s", first, err);
    }
  if (g_str_has_suffix (out, "\n"))
    out[strlen (out) - 1] = '\0';
  return out;
}

static char *
docker (const char *first, ...)
{
  va_list ap;
  char *out;

  va_start (ap, first);
  out = docker_run (FALSE, first, ap);
  va_end (ap);
  return out;
}

/* NULL when docker failed (no such object). */
static char *
docker_maybe (const char *first, ...)
{
  va_list ap;
  char *out;

  va_start (ap, first);
  out = docker_run (TRUE, first, ap);
  va_end (ap);
  return out;
}

/* Lines, sorted, joined by "|": two lists compared whatever their order. */
static char *
sorted_lines (GPtrArray *lines)
{
  g_ptr_array_sort (lines, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("|", (char **) lines->pdata);
}

static char *
sorted_text (const char *text)
{
  g_auto (GStrv) split = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) lines = g_ptr_array_new ();

  for (guint i = 0; split[i] != NULL; i++)
    if (*split[i] != '\0')
      g_ptr_array_add (lines, split[i]);
  return sorted_lines (lines);
}

static char *
web_status (void)
{
  return docker ("inspect", "-f", "{{.State.Status}}", "web", NULL);
}

/* ---- the window's connections: the saved ones; "d" is dockerd's engine ---- */

static PierConnections *
load_saved (gpointer data)
{
  return pier_connections_load ();
}

static PierEngine *
open_engine (const PierConnection *connection, gpointer data, GError **error)
{
  g_autoptr (PierEngine) engine = pier_connection_open_engine (connection, NULL, NULL, error);

  if (engine == NULL || !fx.hold_loads)
    return g_steal_pointer (&engine);
  /* The copy's target, held at its load: the dialog is seen halfway, and Cancel while it waits. */
  fx.hold_loads = FALSE;
  g_clear_object (&fx.held);
  fx.held = test_engine_new (engine, G_MAXUINT);
  test_engine_pass_archives (fx.held);
  test_engine_hold (fx.held, "load_images");
  return g_object_ref (PIER_ENGINE (fx.held));
}

static int
setup (void **state)
{
  PierConnectionsSource source = { load_saved, open_engine };
  g_autofree char *root = NULL;
  g_autofree char *runroot = NULL;
  g_autoptr (GError) error = NULL;

  if (!window_test_init ())
    return 0;
  fx.work = g_getenv ("PIER_TEST_WORK");
  fx.docker_host = g_getenv ("PIER_TEST_DOCKER_HOST");
  if (fx.work == NULL || fx.docker_host == NULL)
    fail_msg ("run by test-window-docker.sh, which starts dockerd (PIER_TEST_WORK, "
              "PIER_TEST_DOCKER_HOST)");
  root = g_build_filename (fx.work, "root", NULL);
  runroot = g_build_filename (fx.work, "run", NULL);
  fx.local = PIER_ENGINE (pier_local_engine_new (root, runroot));
  if (!pier_engine_tag_image (fx.local, "busybox:latest", "copy/busybox:1", NULL, &error) ||
      !pier_engine_tag_image (fx.local, "busybox:latest", "copy/busybox:2", NULL, &error))
    fail_msg ("tagging busybox in the embedded store: %s", error->message);
  fx.web_id = docker ("inspect", "-f", "{{.Id}}", "web", NULL);
  fx.app = g_object_new (PIER_TYPE_APPLICATION, "application-id", "org.pier.Pier", "flags",
                         G_APPLICATION_NON_UNIQUE, "engine", fx.local, NULL);
  pier_application_set_connections_source (fx.app, &source, NULL);
  fx.window = window_test_activate (fx.app);
  return 0;
}

static int
teardown (void **state)
{
  if (fx.app == NULL)
    return 0;
  if (fx.held != NULL)
    test_engine_hold (fx.held, NULL);
  gtk_window_destroy (GTK_WINDOW (fx.window));
  settle (300);
  g_clear_object (&fx.app);
  g_clear_object (&fx.held);
  g_clear_object (&fx.local);
  g_free (fx.web_id);
  return 0;
}

#define REQUIRE_SETUP() REQUIRE_FIXTURE (fx.app != NULL)

static void
show (const char *name)
{
  g_autoptr (GError) error = NULL;

  WAIT_FOR (pier_window_get_connections_read (fx.window), 10000, "the connections to be read");
  if (!pier_window_choose_connection (fx.window, name, &error))
    fail_msg ("choosing %s: %s", name, error->message);
  WAIT_FOR (pier_model_get_loaded (pier_window_get_model (fx.window)), 20000, "the model to load");
}

static const char *
docker_state_name (PierContainerState state)
{
  switch (state)
    {
    case PIER_CONTAINER_STATE_CREATED: return "created";
    case PIER_CONTAINER_STATE_RUNNING: return "running";
    case PIER_CONTAINER_STATE_EXITED: return "exited";
    default: return "?";
    }
}

/* "NAME STATE" of each row the containers list shows, sorted. */
static char *
shown_containers (void)
{
  GListModel *rows = pier_containers_view_get_shown (
      PIER_CONTAINERS_VIEW (pier_window_get_view (fx.window, "containers")));
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (rows, i);
      const PierContainerInfo *info = pier_container_row_get_container (row);
      g_ptr_array_add (lines, g_strdup_printf ("%s %s", info->name,
                                               docker_state_name (info->state)));
    }
  return sorted_lines (lines);
}

/* "ID NAME" of each row the images list shows, sorted. */
static char *
shown_images (void)
{
  GListModel *rows = pier_images_view_get_shown (
      PIER_IMAGES_VIEW (pier_window_get_view (fx.window, "images")));
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (rows, i);
      g_ptr_array_add (lines, g_strdup_printf ("%s %s", pier_image_row_get_id (row),
                                               pier_image_row_get_name (row)));
    }
  return sorted_lines (lines);
}

static char *
cli_containers (void)
{
  g_autofree char *text = docker ("ps", "-a", "--format", "{{.Names}} {{.State}}", NULL);

  return sorted_text (text);
}

static char *
cli_images (void)
{
  g_autofree char *text = docker ("images", "--no-trunc", "--format",
                                  "{{.ID}} {{.Repository}}:{{.Tag}}", NULL);

  return sorted_text (text);
}

/* The lists of "d" are those `docker ps -a` and `docker images` print. */
static void
test_docker_lists_equal_the_cli (void **state)
{
  g_autofree char *ps = NULL, *images = NULL, *shown = NULL;

  REQUIRE_SETUP ();
  show ("d");
  assert_string_equal (pier_window_get_connection (fx.window), "d");
  ps = cli_containers ();
  assert_non_null (strstr (ps, "web running"));
  assert_non_null (strstr (ps, "made-only created"));
  WAIT_FOR (g_strcmp0 ((g_free (shown), shown = shown_containers ()), ps) == 0, 10000,
            "the containers list to be docker ps -a's");
  /* Docker's list tells no start time: the row says so rather than counting from 1970. */
  g_clear_pointer (&shown, g_free);
  g_object_get (pier_model_find_container (pier_window_get_model (fx.window), fx.web_id), "status",
                &shown, NULL);
  if (!g_str_has_prefix (shown, "Up") || strstr (shown, "days") != NULL)
    fail_msg ("web, started a moment ago, is said to be \"%s\"", shown);
  images = cli_images ();
  assert_non_null (strstr (images, "busybox:latest"));
  g_clear_pointer (&shown, g_free);
  WAIT_FOR (g_strcmp0 ((g_free (shown), shown = shown_images ()), images) == 0, 10000,
            "the images list to be docker images'");
  pier_window_show_view (fx.window, "containers");
  screenshot (GTK_WIDGET (fx.window), "docker-containers");
}

/* Whether a text view or label under @widget holds @needle. */
static gboolean
shows_text (GtkWidget *widget, const char *needle)
{
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      if (strstr (text, needle) != NULL)
        return TRUE;
    }
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_label (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, needle))
      return TRUE;
  return FALSE;
}

/* The container page's Logs show what web printed, Inspect its JSON; Stop and Start from the
 * page change its state as `docker inspect` sees it. */
static void
test_docker_container_page (void **state)
{
  GtkWidget *page;
  g_autofree char *status = NULL;
  g_autofree char *id_member = g_strdup_printf ("\"Id\": \"%s\"", fx.web_id);

  REQUIRE_SETUP ();
  page = pier_window_open_container (fx.window, fx.web_id, "logs");
  WAIT_FOR (shows_text (page, "hello-from-docker"), 10000, "web's log in the Logs tab");
  screenshot (page, "docker-logs");
  pier_container_page_show_tab (PIER_CONTAINER_PAGE (page), "inspect");
  WAIT_FOR (shows_text (page, id_member), 10000, "web's JSON in the Inspect tab");
  assert_true (shows_text (page, "\"Image\": \"sha256:"));

  gtk_widget_activate_action (page, "page.stop", NULL);
  WAIT_FOR (g_strcmp0 ((g_free (status), status = web_status ()), "exited") == 0, 30000,
            "docker inspect to see web exited");
  WAIT_FOR (!pier_container_row_get_running (
                pier_model_find_container (pier_window_get_model (fx.window), fx.web_id)),
            10000, "the window to see web stopped");
  gtk_widget_activate_action (page, "page.start", NULL);
  WAIT_FOR (g_strcmp0 ((g_free (status), status = web_status ()), "running") == 0, 30000,
            "docker inspect to see web running again");
  WAIT_FOR (pier_container_row_get_running (
                pier_model_find_container (pier_window_get_model (fx.window), fx.web_id)),
            10000, "the window to see web running");
  pier_window_go_back (fx.window);
}

/* The terminal (an exec with a pty the engine relays) runs what is typed in it. */
static void
test_docker_terminal_runs_a_command (void **state)
{
  PierTerminal *terminal;
  g_autofree char *marker = NULL;

  REQUIRE_SETUP ();
  terminal = PIER_TERMINAL (pier_window_open_terminal (fx.window, fx.web_id));
  WAIT_FOR (label_starting_with (GTK_WIDGET (terminal), "exec session") != NULL, 20000,
            "the terminal's shell");
  pier_terminal_feed (terminal, "echo typed-in-$((6 * 7)) > /tmp/ui-marker\n");
  WAIT_FOR (g_strcmp0 ((g_free (marker),
                        marker = docker_maybe ("exec", "web", "cat", "/tmp/ui-marker", NULL)),
                       "typed-in-42") == 0,
            20000, "the command typed in the terminal to run in web");
  screenshot (GTK_WIDGET (terminal), "docker-terminal");
  gtk_window_destroy (GTK_WINDOW (terminal));
}

/* "PID COMMAND" of the process rows (not the sessions) the view shows, sorted. */
static char *
shown_processes (PierProcessesView *view)
{
  GListModel *rows = G_LIST_MODEL (pier_processes_view_get_selection (view));
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierProcessRow) row = g_list_model_get_item (rows, i);
      g_autofree char *command = NULL;
      if (pier_process_row_is_session (row))
        continue;
      g_object_get (row, "host-command", &command, NULL);
      g_ptr_array_add (lines, g_strdup_printf ("%d %s", pier_process_row_get_host_id (row),
                                               command));
    }
  return sorted_lines (lines);
}

/* /proc's command line of @pid, its arguments joined by spaces as ps prints them. */
static char *
proc_command (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", pid);
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL) || len == 0)
    return g_strdup ("");
  for (gsize i = 0; i + 1 < len; i++)
    if (data[i] == '\0')
      data[i] = ' ';
  return g_strndup (data, len - 1);
}

/* The Processes page of web: a row for each process `docker top` lists, by host PID and
 * command, and each one's command is /proc's (a local socket: the host's side is seen, through
 * the engine's watch). */
static void
test_docker_processes_page (void **state)
{
  PierEngine *engine = pier_model_get_engine (pier_window_get_model (fx.window));
  g_autoptr (PierProcessWatch) watch = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *page;
  PierProcessesView *view;
  g_autofree char *top = NULL, *expected = NULL, *shown = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) wanted = g_ptr_array_new_with_free_func (g_free);

  REQUIRE_SETUP ();
  top = docker ("top", "web", "-o", "pid,args", NULL);
  lines = g_strsplit (top, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_autofree char *pid = NULL;
      g_autofree char *from_proc = NULL;
      char *rest;
      g_strstrip (lines[i]);
      rest = strchr (lines[i], ' ');
      if (rest == NULL)
        continue;
      pid = g_strndup (lines[i], rest - lines[i]);
      rest = g_strstrip (rest);
      from_proc = proc_command (pid);
      assert_string_equal (from_proc, rest);
      g_ptr_array_add (wanted, g_strdup_printf ("%s %s", pid, rest));
    }
  assert_int_equal (wanted->len, 2); /* the shell and its sleep */
  expected = sorted_lines (wanted);

  page = pier_window_open_container (fx.window, fx.web_id, "processes");
  view = pier_container_page_get_processes_view (PIER_CONTAINER_PAGE (page));
  assert_true (pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES));
  watch = pier_engine_watch_processes (engine, fx.web_id, &error);
  pier_assert_no_error (error);
  for (gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
       g_strcmp0 ((g_free (shown), shown = shown_processes (view)), expected) != 0 &&
       g_get_monotonic_time () < deadline;)
    settle (100);
  assert_string_equal (shown, expected);
  screenshot (page, "docker-processes");
  pier_window_go_back (fx.window);
}

/* busybox's page on "d": its layers are RootFS.Layers, its history reads back as a Dockerfile. */
static void
test_docker_image_page (void **state)
{
  GtkWidget *page;
  g_autofree char *layers = NULL;
  g_autofree char *dockerfile = NULL;
  g_auto (GStrv) diff_ids = NULL;
  GListModel *rows;

  REQUIRE_SETUP ();
  layers = docker ("image", "inspect", "-f", "{{range .RootFS.Layers}}{{.}} {{end}}", "busybox",
                   NULL);
  diff_ids = g_strsplit (g_strstrip (layers), " ", -1);
  page = pier_window_open_image (fx.window, "busybox:latest");
  WAIT_FOR (pier_image_page_get_loaded (PIER_IMAGE_PAGE (page)), 10000,
            "busybox's page to be read");
  rows = pier_image_page_get_layers (PIER_IMAGE_PAGE (page));
  assert_int_equal (g_list_model_get_n_items (rows), g_strv_length (diff_ids));
  dockerfile = pier_image_page_get_dockerfile (PIER_IMAGE_PAGE (page));
  assert_true (g_str_has_prefix (dockerfile, "FROM "));
  assert_non_null (strstr (dockerfile, "CMD [\"sh\"]"));
  pier_image_page_show_tab (PIER_IMAGE_PAGE (page), "dockerfile");
  screenshot (page, "docker-image-dockerfile");
  pier_window_go_back (fx.window);
}

static gboolean
shown_image (const char *name)
{
  GListModel *rows = pier_model_get_images (pier_window_get_model (fx.window));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (rows, i);
      if (g_strcmp0 (pier_image_row_get_name (row), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Its dialog, with "d" chosen and loads there held. */
static PierCopyDialog *
start_copy (const char *image)
{
  PierCopyDialog *dialog;

  fx.hold_loads = TRUE;
  dialog = PIER_COPY_DIALOG (pier_window_copy_image (fx.window, image));
  assert_non_null (dialog);
  assert_false (fx.hold_loads);
  assert_false (pier_copy_dialog_choose (dialog, "pier"));
  assert_true (pier_copy_dialog_choose (dialog, "d"));
  pier_copy_dialog_copy (dialog);
  assert_true (pier_copy_dialog_get_copying (dialog));
  WAIT_FOR (test_engine_count_waiting (fx.held) == 1, 20000, "d's load to start");
  WAIT_FOR (pier_copy_dialog_get_copied (dialog) > 0, 20000, "bytes to move");
  return dialog;
}

/* "Copy to…" from the embedded engine to "d", with "d"'s load held a while: the dialog shows
 * the bytes moved, and once let go, it closes, a toast names "d", and `docker images` lists the
 * image. Cancel while the load waits stops it and leaves nothing on "d". */
static void
test_docker_copy_to (void **state)
{
  PierCopyDialog *dialog;
  g_autofree char *listed = NULL;
  g_autofree char *left = NULL;

  REQUIRE_SETUP ();
  show ("pier");
  WAIT_FOR (shown_image ("copy/busybox:1"), 10000, "copy/busybox:1 in the embedded engine");
  assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fx.window), "image-copy"));
  assert_null (docker_maybe ("image", "inspect", "copy/busybox:1", NULL));

  dialog = start_copy ("copy/busybox:1");
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  screenshot (GTK_WIDGET (dialog), "docker-copy-progress");
  assert_true (shows_text (GTK_WIDGET (dialog), "Copying copy/busybox:1 to “d”"));
  test_engine_hold (fx.held, NULL);
  WAIT_FOR (dialog == NULL, 60000, "the copy to end and its dialog to close");
  WAIT_FOR (label_starting_with (GTK_WIDGET (fx.window), "Copied copy/busybox:1 to “d”") != NULL,
            5000, "the toast naming d");
  screenshot (GTK_WIDGET (fx.window), "docker-copied");
  listed = docker ("images", "--format", "{{.Repository}}:{{.Tag}}", NULL);
  assert_non_null (strstr (listed, "copy/busybox:1"));

  dialog = start_copy ("copy/busybox:2");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "window.close", NULL);
  /* Closing cancels: the held load gives up before it reaches dockerd, which gets nothing. */
  WAIT_FOR (test_engine_count_waiting (fx.held) == 0, 20000, "the held load to be cancelled");
  assert_int_equal (test_engine_count (fx.held, "load_images", NULL), 1);
  left = docker_maybe ("image", "inspect", "copy/busybox:2", NULL);
  assert_null (left);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_docker_lists_equal_the_cli),
    cmocka_unit_test (test_docker_container_page),
    cmocka_unit_test (test_docker_processes_page),
    cmocka_unit_test (test_docker_terminal_runs_a_command),
    cmocka_unit_test (test_docker_image_page),
    cmocka_unit_test (test_docker_copy_to),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
