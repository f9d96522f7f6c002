/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window over an engine that sees containers from inside only, as one speaking the Docker
 * Engine API from elsewhere would: a TestEngine (test-engine.h) without
 * PIER_ENGINE_CAP_HOST_PROCESSES or PIER_ENGINE_CAP_GRAPHICAL_SESSIONS, over a PierLocalEngine
 * on a scratch store with a real running busybox container. The container's Processes page
 * shows its processes as the container sees them, says the host's side is not visible, has no
 * host columns and makes no host-only call; its refreshes do not read the containers again;
 * the host's Processes view says why it is empty; "Open Graphical Session" is insensitive and
 * says why. Under Xvfb (run-under-xvfb.sh), root only (real containers). Screenshots go to
 * $PIER_BUILD_DIR/ui-shots. */
#include "pier-application.h"
#include "pier-container-page.h"
#include "pier-local-engine.h"
#include "pier-process-row.h"
#include "pier-processes-view.h"
#include "pier-window.h"
#include "test-engine.h"
#include "window-test-util.h"

static const char *const host_only_calls[] = {
  "list_sessions", "list_host_processes", "watch_processes", "process_provenance",
  "open_graphical_session",
};

typedef struct {
  char *dir;
  PierEngine *local;  /* what the test engine passes the window's calls to */
  TestEngine *engine; /* the window's */
  PierApplication *app;
  PierWindow *window;
  PierModel *model;
  char *container_id;
} Fixture;

static Fixture fx;

static void
container_started (const char *id, const char *const *warnings, gpointer user_data)
{
  *(char **) user_data = g_strdup (id);
}

/* A busybox container whose processes stay as they are: its shell and two sleeps. */
static char *
run_busybox (void)
{
  const char *command[] = { "sh", "-c", "trap 'exit 0' TERM; sleep 600 & sleep 601 & wait", NULL };
  PierRunOptions options = { .image = "busybox:latest", .name = "inside-only", .command = command,
                             .network = "none" };
  g_autoptr (GError) error = NULL;
  char *id = NULL;

  if (!pier_engine_run (fx.local, &options, NULL, container_started, &id, NULL, NULL, &error))
    fail_msg ("running busybox: %s", error->message);
  return id;
}

static gboolean
container_running (const char *id)
{
  PierContainerRow *row = pier_model_find_container (fx.model, id);

  return row != NULL && pier_container_row_get_running (row);
}

static int
setup (void **state)
{
  g_autofree char *root = NULL;
  g_autofree char *runroot = NULL;

  if (!window_test_init ())
    return 0;
  fx.dir = pier_test_mkdtemp ();
  root = g_build_filename (fx.dir, "root", NULL);
  runroot = g_build_filename (fx.dir, "run", NULL);
  fx.local = PIER_ENGINE (pier_local_engine_new (root, runroot));
  fx.engine = test_engine_new (fx.local, 0);
  fx.app = g_object_new (PIER_TYPE_APPLICATION, "application-id", "org.pier.Pier", "flags",
                         G_APPLICATION_NON_UNIQUE, "engine", fx.engine, NULL);
  fx.window = window_test_activate (fx.app);
  fx.model = pier_window_get_model (fx.window);
  WAIT_FOR (pier_model_get_loaded (fx.model), 30000, "the store to open");
  fx.container_id = run_busybox ();
  WAIT_FOR (container_running (fx.container_id), 5000, "the container in the window's list");
  return 0;
}

static int
teardown (void **state)
{
  if (fx.model == NULL)
    return 0;
  if (fx.container_id != NULL)
    pier_engine_remove (fx.local, fx.container_id, TRUE, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (fx.window));
  settle (200);
  g_clear_object (&fx.app);
  g_clear_object (&fx.engine);
  g_clear_object (&fx.local);
  g_free (fx.container_id);
  pier_test_rm_rf (fx.dir);
  g_free (fx.dir);
  return 0;
}

#define REQUIRE_SETUP() REQUIRE_FIXTURE (fx.model != NULL)

static void
assert_no_host_only_call (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (host_only_calls); i++)
    if (test_engine_count (fx.engine, host_only_calls[i], NULL) != 0)
      {
        g_autofree char *calls = test_engine_describe (fx.engine);
        fail_msg ("the window called %s, which this engine cannot do; its calls:\n%s",
                  host_only_calls[i], calls);
      }
}

static guint refreshes;

static void
refreshed (PierProcessesView *view, gint64 usec, gpointer user_data)
{
  refreshes++;
}

/* The process rows shown, by container PID; fails on a session heading (none without the
 * host's view). */
static GHashTable *
rows_by_container_pid (PierProcessesView *view)
{
  GListModel *rows = G_LIST_MODEL (pier_processes_view_get_selection (view));
  GHashTable *table = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      PierProcessRow *row = g_list_model_get_item (rows, i);

      if (pier_process_row_is_session (row))
        fail_msg ("row %u is a session heading: sessions are the host's view", i);
      g_hash_table_insert (table, GINT_TO_POINTER (pier_process_row_get_container_pid (row)), row);
    }
  return table;
}

static void
test_inside_only_processes_page_shows_the_container_side (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) processes = NULL;
  g_autoptr (GHashTable) rows = NULL;
  PierContainerPage *page;
  PierProcessesView *view;
  GtkLabel *notice;
  GCancellable *view_cancellable;
  guint seen;

  REQUIRE_SETUP ();
  assert_non_null (fx.container_id);
  page = PIER_CONTAINER_PAGE (pier_window_open_container (fx.window, fx.container_id, "processes"));
  view = pier_container_page_get_processes_view (page);
  g_signal_connect (view, "refreshed", G_CALLBACK (refreshed), NULL);
  seen = refreshes;
  WAIT_FOR (refreshes > seen + 2, 10000, "three refreshes of the Processes page");

  /* Every process the container has, as it sees it, and no other. */
  processes = pier_engine_list_processes (fx.local, fx.container_id, NULL, &error);
  pier_assert_no_error (error);
  assert_int_equal (processes->len, 3);
  rows = rows_by_container_pid (view);
  assert_int_equal (g_hash_table_size (rows), processes->len);
  for (guint i = 0; i < processes->len; i++)
    {
      const PierProcessInfo *p = processes->pdata[i];
      PierProcessRow *row = g_hash_table_lookup (rows, GINT_TO_POINTER (p->container_pid));
      g_autofree char *command = NULL;
      g_autofree char *user = NULL;

      if (row == NULL)
        fail_msg ("container PID %d (%s) has no row", p->container_pid, p->command);
      g_object_get (row, "command", &command, "user", &user, NULL);
      assert_string_equal (command, p->command);
      assert_string_equal (user, "root");
    }

  /* The inside side alone, saying why. */
  assert_true (gtk_widget_is_visible (GTK_WIDGET (pier_processes_view_get_inside_view (view))));
  assert_false (gtk_widget_is_visible (GTK_WIDGET (pier_processes_view_get_host_view (view))));
  notice = label_starting_with (GTK_WIDGET (view), "The host’s side of these processes");
  assert_non_null (notice);
  assert_true (gtk_widget_is_visible (GTK_WIDGET (notice)));
  assert_non_null (strstr (gtk_label_get_label (notice), "not visible from this engine"));
  screenshot (GTK_WIDGET (fx.window), "inside-only-processes");

  assert_no_host_only_call ();
  /* Its refreshes list the container's processes and nothing else: the container's state is
   * the model's, not read again each second. */
  view_cancellable = test_engine_last_cancellable (fx.engine, "list_processes");
  assert_non_null (view_cancellable);
  assert_true (test_engine_count (fx.engine, "list_processes", view_cancellable) >= 3);
  assert_int_equal (test_engine_count (fx.engine, "get_container", view_cancellable), 0);
  assert_int_equal (test_engine_count (fx.engine, "list_containers", view_cancellable), 0);
  assert_int_equal (test_engine_count (fx.engine, "inspect_container", view_cancellable), 0);
  gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.back", NULL);
}

static void
test_inside_only_host_processes_say_why (void **state)
{
  PierProcessesView *view;

  REQUIRE_SETUP ();
  pier_window_show_view (fx.window, "processes");
  view = PIER_PROCESSES_VIEW (pier_window_get_view (fx.window, "processes"));
  WAIT_FOR (label_starting_with (GTK_WIDGET (view), "This engine does not show processes") != NULL,
            5000, "the host's Processes view to say why it shows none");
  assert_true (gtk_widget_is_visible (
      GTK_WIDGET (label_starting_with (GTK_WIDGET (view), "This engine does not show processes"))));
  assert_int_equal (g_list_model_get_n_items (G_LIST_MODEL (pier_processes_view_get_selection (view))), 0);
  /* Past a refresh or two of its own. */
  settle (2200);
  screenshot (GTK_WIDGET (fx.window), "inside-only-host-processes");
  assert_no_host_only_call ();
  pier_window_show_view (fx.window, "containers");
}

static void
test_inside_only_graphical_session_is_insensitive_and_says_why (void **state)
{
  GtkWidget *page;
  GtkWidget *item;

  REQUIRE_SETUP ();
  page = pier_window_open_container (fx.window, fx.container_id, "overview");
  settle (500);
  item = button_for_action (page, "page.graphical");
  assert_non_null (item);
  assert_false (gtk_widget_is_sensitive (item));
  assert_non_null (gtk_widget_get_tooltip_text (item));
  assert_non_null (strstr (gtk_widget_get_tooltip_text (item), "cannot open graphical sessions"));
  /* The containers list's menu too: its action is off, so no click can end in an error. */
  assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (fx.window), "container-graphical"));
  gtk_widget_activate_action (page, "page.graphical", NULL);
  settle (300);
  assert_no_host_only_call ();
  gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.back", NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_inside_only_processes_page_shows_the_container_side),
    cmocka_unit_test (test_inside_only_host_processes_say_why),
    cmocka_unit_test (test_inside_only_graphical_session_is_insensitive_and_says_why),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
