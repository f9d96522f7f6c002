/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's connections: the switcher over two engines (the embedded one, and "second", a
 * saved connection whose engine is a TestEngine over another scratch store, without host
 * processes or graphical sessions), the first frame before the list or an engine answers, a
 * slow engine that never blocks the main loop and whose call is cancelled when the window
 * leaves it. Under Xvfb (run-under-xvfb.sh), root only (real stores). Screenshots go to
 * $PIER_BUILD_DIR/ui-shots. */
#include "pier-application.h"
#include "pier-build-view.h"
#include "pier-connection-switcher.h"
#include "pier-containers-view.h"
#include "pier-copy-dialog.h"
#include "pier-images-view.h"
#include "pier-local-engine.h"
#include "pier-window.h"
#include "test-engine.h"
#include "window-test-util.h"

typedef struct {
  char *dir;
  PierEngine *local1, *local2;
  TestEngine *first;  /* the embedded engine, as the window sees it */
  TestEngine *second; /* the saved connection "second" */
  PierApplication *app;
  PierWindow *window;
  GMutex lock;
  GCond released;
  gboolean list_held;
  gboolean painted;
} Fixture;

static Fixture fx;

/* The connections, once the test lets them be read. The machine's own (sockets, contexts) are
 * left out: what this test lists is what it saved. */
static PierConnections *
load_held (gpointer data)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fx.lock);

  while (fx.list_held)
    g_cond_wait (&fx.released, &fx.lock);
  return pier_connections_load ();
}

static PierEngine *
open_engine (const PierConnection *connection, gpointer data, GError **error)
{
  if (g_strcmp0 (connection->name, "second") == 0)
    return g_object_ref (PIER_ENGINE (fx.second));
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the test has no engine for %s",
               connection->name);
  return NULL;
}

static void
release_list (void)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fx.lock);

  fx.list_held = FALSE;
  g_cond_broadcast (&fx.released);
}

static void
make (PierEngine *engine, const char *container, const char *tag)
{
  PierRunOptions options = { .image = "busybox:latest", .name = container, .network = "none" };
  g_autoptr (GError) error = NULL;
  g_autofree char *id = pier_engine_create (engine, &options, NULL, &error);

  pier_assert_no_error (error);
  assert_true (pier_engine_tag_image (engine, "busybox:latest", tag, NULL, &error));
}

static void
after_paint (GdkFrameClock *clock, gpointer unused)
{
  fx.painted = TRUE;
}

static void
window_realized (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint),
                    NULL);
}

static int
setup (void **state)
{
  PierConnectionsSource source = { load_held, open_engine };
  g_autoptr (PierConnections) saved = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *config = NULL;

  if (!window_test_init ())
    return 0;
  fx.dir = pier_test_mkdtemp ();
  config = g_build_filename (fx.dir, "config", NULL);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_unsetenv ("PIER_CONNECTION");
  saved = pier_connections_load ();
  if (!pier_connections_add (saved, "second", "unix:///nonexistent/second.sock",
                             PIER_CONNECTION_KIND_DOCKER, NULL, &error))
    fail_msg ("saving the connection: %s", error->message);
  fx.local1 = PIER_ENGINE (pier_local_engine_new (g_build_filename (fx.dir, "root1", NULL),
                                                  g_build_filename (fx.dir, "run1", NULL)));
  fx.local2 = PIER_ENGINE (pier_local_engine_new (g_build_filename (fx.dir, "root2", NULL),
                                                  g_build_filename (fx.dir, "run2", NULL)));
  make (fx.local1, "on-first", "first-only:1");
  make (fx.local2, "on-second", "second-only:1");
  fx.first = test_engine_new (fx.local1, G_MAXUINT);
  test_engine_pass_archives (fx.first);
  fx.second = test_engine_new (fx.local2, 0);
  g_mutex_init (&fx.lock);
  g_cond_init (&fx.released);
  fx.list_held = TRUE;
  fx.app = g_object_new (PIER_TYPE_APPLICATION, "application-id", "org.pier.Pier", "flags",
                         G_APPLICATION_NON_UNIQUE, "engine", fx.first, NULL);
  pier_application_set_connections_source (fx.app, &source, NULL);
  /* The embedded engine is slow to answer: the first frame does not wait for it. */
  test_engine_hold (fx.first, "list_containers");
  return 0;
}

static int
teardown (void **state)
{
  if (fx.app == NULL)
    return 0;
  release_list ();
  test_engine_hold (fx.first, NULL);
  test_engine_hold (fx.second, NULL);
  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx.window));
  settle (300);
  g_clear_object (&fx.app);
  g_clear_object (&fx.first);
  g_clear_object (&fx.second);
  g_clear_object (&fx.local1);
  g_clear_object (&fx.local2);
  pier_test_rm_rf (fx.dir);
  g_free (fx.dir);
  return 0;
}

#define REQUIRE_SETUP() REQUIRE_FIXTURE (fx.app != NULL)

static gboolean
shows_container (const char *name)
{
  GListModel *rows = pier_containers_view_get_shown (
      PIER_CONTAINERS_VIEW (pier_window_get_view (fx.window, "containers")));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (rows, i);
      if (g_strcmp0 (pier_container_row_get_name (row), name) == 0)
        return TRUE;
    }
  return FALSE;
}

/* @name: as tagged, NAME:TAG. */
static gboolean
shows_image (const char *name)
{
  GListModel *rows = pier_images_view_get_shown (
      PIER_IMAGES_VIEW (pier_window_get_view (fx.window, "images")));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierImageRow) row = g_list_model_get_item (rows, i);
      const char *reference = pier_image_row_get_reference (row);
      if (reference != NULL && g_str_has_suffix (reference, name))
        return TRUE;
    }
  return FALSE;
}

/* The window is drawn while neither the connections nor the embedded engine answered. */
static void
test_connections_first_frame_waits_for_no_connection (void **state)
{
  REQUIRE_SETUP ();
  fx.window = window_test_activate (fx.app);
  if (gtk_widget_get_realized (GTK_WIDGET (fx.window)))
    window_realized (GTK_WIDGET (fx.window));
  else
    g_signal_connect (fx.window, "realize", G_CALLBACK (window_realized), NULL);
  WAIT_FOR (fx.painted, 10000, "the window's first frame");
  assert_false (pier_window_get_connections_read (fx.window));
  WAIT_FOR (test_engine_count_waiting (fx.first) == 1, 10000,
            "the embedded engine's list_containers to be held");
  assert_false (pier_model_get_loaded (pier_window_get_model (fx.window)));
  assert_string_equal (pier_window_get_connection (fx.window), "pier");
  screenshot (GTK_WIDGET (fx.window), "connections-first-frame");

  release_list ();
  WAIT_FOR (pier_window_get_connections_read (fx.window), 10000, "the connections to be read");
  test_engine_hold (fx.first, NULL);
  WAIT_FOR (pier_model_get_loaded (pier_window_get_model (fx.window)), 10000,
            "the embedded engine to answer");
  WAIT_FOR (shows_container ("on-first"), 5000,
            "the embedded engine's container");
}

static const char *
container_id (const char *name)
{
  GListModel *rows = pier_model_get_containers (pier_window_get_model (fx.window));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (PierContainerRow) row = g_list_model_get_item (rows, i);
      if (g_strcmp0 (pier_container_row_get_name (row), name) == 0)
        return pier_container_row_get_id (row);
    }
  fail_msg ("no container %s in the window's model", name);
  return NULL;
}

static char *
saved_default (void)
{
  g_autoptr (PierConnections) saved = pier_connections_load ();

  return g_strdup (pier_connections_get_default (saved));
}

/* The switcher lists both, the embedded engine first, each with its kind; choosing "second"
 * shows its containers and images, closes the page open on the first and cancels its work,
 * and is kept as the default. */
static void
test_connections_switch_shows_the_second (void **state)
{
  GtkListBox *list;
  GtkWidget *row;
  PierModel *old;
  GCancellable *old_cancellable;
  g_autofree char *chosen = NULL;

  REQUIRE_SETUP ();
  list = pier_connection_switcher_get_list (
      PIER_CONNECTION_SWITCHER (pier_window_get_connection_switcher (fx.window)));
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0));
  assert_string_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "pier");
  assert_non_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "embedded"));
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (list, 1));
  assert_string_equal (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "second");
  assert_non_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Docker"));
  assert_null (gtk_list_box_get_row_at_index (list, 2));
  pier_connection_switcher_popup (
      PIER_CONNECTION_SWITCHER (pier_window_get_connection_switcher (fx.window)));
  screenshot (GTK_WIDGET (fx.window), "connections-switcher-open");

  pier_window_open_container (fx.window, container_id ("on-first"), "overview");
  assert_non_null (pier_window_get_page (fx.window));
  old = pier_window_get_model (fx.window);
  old_cancellable = test_engine_last_cancellable (fx.first, "read_events");
  assert_non_null (old_cancellable);
  /* A click on the row, as a person chooses. */
  g_signal_emit_by_name (row, "activate");
  assert_string_equal (pier_window_get_connection (fx.window), "second");
  assert_true (pier_window_get_model (fx.window) != old);
  assert_null (pier_window_get_page (fx.window));
  assert_true (g_cancellable_is_cancelled (old_cancellable));
  WAIT_FOR (pier_model_get_loaded (pier_window_get_model (fx.window)), 10000, "the second to load");
  WAIT_FOR (shows_container ("on-second"), 5000,
            "the second's container");
  assert_false (shows_container ("on-first"));
  WAIT_FOR (shows_image ("second-only:1"), 5000,
            "the second's image");
  assert_false (shows_image ("first-only:1"));
  screenshot (GTK_WIDGET (fx.window), "connections-second");

  /* Kept: the next window opens on it. */
  WAIT_FOR (g_strcmp0 ((chosen = saved_default ()), "second") == 0 || (g_free (chosen), FALSE),
            5000, "the choice to be saved as the default");
}

/* The first button under @widget whose label is @label. */
static GtkWidget *
button_labelled (GtkWidget *widget, const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = button_labelled (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* "second" has no builder, no registry client, no archives and cannot create containers (the
 * TestEngine passes none of those calls on): what would need them is insensitive and says why;
 * the embedded engine offers them. */
static void
test_connections_what_second_cannot_is_insensitive (void **state)
{
  static const char *const refused[] = { "run", "build", "pull", "load", "import", "image-tag",
                                         "image-save", "image-remove", "container-commit" };
  GtkWidget *run, *page, *build_view, *build;
  guint windows;

  REQUIRE_SETUP ();
  assert_string_equal (pier_window_get_connection (fx.window), "second");
  assert_true (pier_engine_can (fx.local1, PIER_ENGINE_CALL_BUILD));
  assert_true (pier_engine_can (fx.local1, PIER_ENGINE_CALL_PROCESS_PROVENANCE));
  assert_false (pier_engine_can (PIER_ENGINE (fx.second), PIER_ENGINE_CALL_BUILD));
  assert_true (pier_engine_can (PIER_ENGINE (fx.second), PIER_ENGINE_CALL_LOGS));
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    if (g_action_group_get_action_enabled (G_ACTION_GROUP (fx.window), refused[i]))
      fail_msg ("win.%s is offered on a connection that cannot do it", refused[i]);
  assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fx.window), "container-stop"));
  run = button_for_action (GTK_WIDGET (fx.window), "win.run");
  assert_non_null (run);
  assert_false (gtk_widget_is_sensitive (run));
  assert_non_null (strstr (gtk_widget_get_tooltip_text (run),
                           "“second” cannot run containers"));
  /* A click does nothing: no error dialog, no call. */
  windows = g_list_model_get_n_items (gtk_window_get_toplevels ());
  gtk_widget_activate_action (GTK_WIDGET (fx.window), "win.run", NULL);
  settle (200);
  assert_int_equal (g_list_model_get_n_items (gtk_window_get_toplevels ()), windows);
  screenshot (GTK_WIDGET (fx.window), "connections-second-cannot-run");

  page = pier_window_open_image (fx.window, "second-only:1");
  assert_false (gtk_widget_is_sensitive (button_for_action (page, "page.run")));
  pier_window_go_back (fx.window);

  /* The Build view's own button, with a context chosen: insensitive, saying why. */
  build_view = pier_window_get_view (fx.window, "build");
  pier_build_view_set_context (PIER_BUILD_VIEW (build_view), g_get_tmp_dir ());
  build = button_labelled (build_view, "_Build");
  assert_non_null (build);
  assert_false (gtk_widget_is_sensitive (build));
  assert_non_null (strstr (gtk_widget_get_tooltip_text (build), "does not build images"));
  pier_build_view_set_context (PIER_BUILD_VIEW (build_view), NULL);
}

static gboolean
ticked (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
idled (gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

/* An engine whose list_containers does not answer: the main loop keeps running (frames,
 * idles), and leaving the connection cancels the call. */
static void
test_connections_slow_engine_never_blocks (void **state)
{
  guint ticks = 0, idles = 0;
  guint tick_id, idle_id;
  GCancellable *held;
  g_autoptr (GError) error = NULL;

  REQUIRE_SETUP ();
  test_engine_hold (fx.first, "list_containers");
  if (!pier_window_choose_connection (fx.window, "pier", &error))
    fail_msg ("choosing pier: %s", error->message);
  WAIT_FOR (test_engine_count_waiting (fx.first) == 1, 10000, "list_containers to be held");
  tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (fx.window), ticked, &ticks, NULL);
  idle_id = g_idle_add (idled, &idles);
  settle (1000);
  g_source_remove (idle_id);
  gtk_widget_remove_tick_callback (GTK_WIDGET (fx.window), tick_id);
  if (ticks < 10 || idles < 10)
    fail_msg ("in a second with a held call, %u frames and %u idles ran", ticks, idles);
  assert_false (pier_model_get_loaded (pier_window_get_model (fx.window)));

  held = test_engine_last_cancellable (fx.first, "list_containers");
  assert_non_null (held);
  if (!pier_window_choose_connection (fx.window, "second", &error))
    fail_msg ("choosing second: %s", error->message);
  assert_true (g_cancellable_is_cancelled (held));
  WAIT_FOR (test_engine_count_waiting (fx.first) == 0, 5000, "the held call to be cancelled");
  test_engine_hold (fx.first, NULL);
  WAIT_FOR (pier_model_get_loaded (pier_window_get_model (fx.window)), 10000, "the second to load");
}

/* "second" stops answering: a banner names it and says why, its last lists stay, it is asked
 * again with a growing wait; when it answers the banner goes and the lists are read again. */
static void
test_connections_banner_while_the_engine_is_gone (void **state)
{
  g_autoptr (GError) gone = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                                 "the socket refused the connection");
  PierModel *model = pier_window_get_model (fx.window);
  GtkLabel *label;
  GtkRevealer *banner;
  guint pings, reads;
  gint64 lost;

  REQUIRE_SETUP ();
  assert_string_equal (pier_window_get_connection (fx.window), "second");
  assert_null (pier_model_get_unreachable (model));
  g_object_set (model, "retry-base-ms", 100, NULL);
  test_engine_fail (fx.second, gone);
  lost = g_get_monotonic_time ();
  pier_model_refresh_images (model);
  WAIT_FOR ((label = label_starting_with (GTK_WIDGET (fx.window), "The connection “second”")) != NULL &&
                gtk_revealer_get_reveal_child (
                    GTK_REVEALER (gtk_widget_get_ancestor (GTK_WIDGET (label), GTK_TYPE_REVEALER))),
            5000, "the banner");
  banner = GTK_REVEALER (gtk_widget_get_ancestor (GTK_WIDGET (label), GTK_TYPE_REVEALER));
  assert_non_null (strstr (gtk_label_get_label (label), "the socket refused the connection"));
  assert_true (shows_container ("on-second"));
  assert_true (shows_image ("second-only:1"));
  pings = test_engine_count (fx.second, "ping", NULL);
  /* 100, 200, 400 ms: three pings in a little over 0.7 s, not seven. */
  WAIT_FOR (test_engine_count (fx.second, "ping", NULL) >= pings + 3, 5000, "three pings");
  assert_true (g_get_monotonic_time () - lost >= 650 * 1000);
  screenshot (GTK_WIDGET (fx.window), "connections-banner");

  reads = test_engine_count (fx.second, "list_images", NULL);
  test_engine_fail (fx.second, NULL);
  WAIT_FOR (!gtk_revealer_get_reveal_child (banner), 10000, "the banner to go");
  assert_null (pier_model_get_unreachable (model));
  WAIT_FOR (test_engine_count (fx.second, "list_images", NULL) > reads, 5000,
            "the images to be read again");
  assert_true (shows_container ("on-second"));
}

/* "Copy to…" is offered only where the connection shown can save images, its button saying
 * why not; in its dialog, a connection that cannot load images is insensitive and says so, and
 * the one shown is not listed. */
static void
test_connections_copy_offered_only_where_it_can (void **state)
{
  GtkWidget *page, *button, *dialog;
  g_autoptr (GError) error = NULL;

  REQUIRE_SETUP ();
  assert_string_equal (pier_window_get_connection (fx.window), "second");
  assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (fx.window), "image-copy"));
  assert_null (pier_window_copy_image (fx.window, "second-only:1"));
  page = pier_window_open_image (fx.window, "second-only:1");
  button = button_for_action (page, "page.copy");
  assert_non_null (button);
  assert_false (gtk_widget_is_sensitive (button));
  assert_non_null (strstr (gtk_widget_get_tooltip_text (button), "“second” cannot save images"));
  /* The switch comes while the page still slides out. */
  pier_window_go_back (fx.window);

  if (!pier_window_choose_connection (fx.window, "pier", &error))
    fail_msg ("choosing pier: %s", error->message);
  WAIT_FOR (pier_model_get_loaded (pier_window_get_model (fx.window)), 10000, "pier to load");
  assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fx.window), "image-copy"));
  page = pier_window_open_image (fx.window, "first-only:1");
  button = button_for_action (page, "page.copy");
  assert_true (gtk_widget_is_sensitive (button));
  assert_string_equal (gtk_widget_get_tooltip_text (button), "Copy This Image to Another Connection");

  dialog = pier_window_copy_image (fx.window, "first-only:1");
  assert_non_null (dialog);
  assert_non_null (label_starting_with (dialog, "“second” cannot load images"));
  assert_false (pier_copy_dialog_choose (PIER_COPY_DIALOG (dialog), "second"));
  assert_false (pier_copy_dialog_choose (PIER_COPY_DIALOG (dialog), "pier"));
  pier_copy_dialog_copy (PIER_COPY_DIALOG (dialog));
  assert_false (pier_copy_dialog_get_copying (PIER_COPY_DIALOG (dialog)));
  assert_int_equal (test_engine_count (fx.first, "save_images", NULL), 0);
  settle (300);
  screenshot (dialog, "connections-copy-no-target");
  gtk_window_destroy (GTK_WINDOW (dialog));
  pier_window_go_back (fx.window);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_connections_first_frame_waits_for_no_connection),
    cmocka_unit_test (test_connections_switch_shows_the_second),
    cmocka_unit_test (test_connections_what_second_cannot_is_insensitive),
    cmocka_unit_test (test_connections_slow_engine_never_blocks),
    cmocka_unit_test (test_connections_banner_while_the_engine_is_gone),
    cmocka_unit_test (test_connections_copy_offered_only_where_it_can),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
