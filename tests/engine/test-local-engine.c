/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierEngine's wrappers and PierLocalEngine through the interface. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-local-engine.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* An engine that implements nothing: what the wrappers do for a call it lacks. */
#define TEST_TYPE_NULL_ENGINE (test_null_engine_get_type ())
G_DECLARE_FINAL_TYPE (TestNullEngine, test_null_engine, TEST, NULL_ENGINE, GObject)

struct _TestNullEngine {
  GObject parent_instance;
};

static void
test_null_engine_iface_init (PierEngineInterface *iface)
{
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestNullEngine, test_null_engine, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PIER_TYPE_ENGINE,
                                                      test_null_engine_iface_init))

static void
test_null_engine_class_init (TestNullEngineClass *klass)
{
}

static void
test_null_engine_init (TestNullEngine *self)
{
}

static void
test_missing_calls_are_not_supported (void **state)
{
  g_autoptr (PierEngine) engine = g_object_new (TEST_TYPE_NULL_ENGINE, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = NULL;
  PierExecOptions options = { NULL };
  int code = -1;

  assert_false (pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES));
  assert_false (pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS));
  images = pier_engine_list_images (engine, NULL, NULL, &error);
  assert_null (images);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  assert_non_null (strstr (error->message, "TestNullEngine cannot list images"));
  g_clear_error (&error);
  assert_false (pier_engine_exec (engine, "c", &options, NULL, &code, NULL, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  assert_int_equal (code, -1);
  g_clear_error (&error);
  assert_null (pier_engine_watch_events (engine, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  g_clear_error (&error);
  /* A composed call stops at the first part the engine lacks. */
  assert_false (pier_engine_restart (engine, "c", 1, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
}

/* Each test's engines and their stores, under one scratch directory. The teardown removes
 * every container the engines hold, running or not, then the directory with the images: an
 * assert that fails half-way through a test leaves nothing behind. */
typedef struct {
  char *dir;
  GPtrArray *engines; /* PierLocalEngine */
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->dir = pier_test_mkdtemp ();
  f->engines = g_ptr_array_new_with_free_func (g_object_unref);
  *state = f;
  return 0;
}

/* A local engine over DIR/@root and DIR/@runroot, torn down with the fixture. */
static PierEngine *
open_engine (Fixture *f, const char *root, const char *runroot)
{
  g_autofree char *root_path = g_build_filename (f->dir, root, NULL);
  g_autofree char *runroot_path = g_build_filename (f->dir, runroot, NULL);
  PierLocalEngine *local = pier_local_engine_new (root_path, runroot_path);

  g_ptr_array_add (f->engines, local);
  return PIER_ENGINE (local);
}

static gboolean
remove_containers (PierEngine *engine)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) containers = pier_engine_list_containers (engine, NULL, &error);
  gboolean ok = TRUE;

  if (containers == NULL)
    {
      print_error ("teardown: cannot list the containers: %s\n", error->message);
      return FALSE;
    }
  for (guint i = 0; i < containers->len; i++)
    {
      PierContainerInfo *c = containers->pdata[i];

      if (!pier_engine_remove (engine, c->id, TRUE, NULL, &error))
        {
          print_error ("teardown: cannot remove container %s: %s\n", c->id, error->message);
          g_clear_error (&error);
          ok = FALSE;
        }
    }
  return ok;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  gboolean removed = TRUE;

  for (guint i = 0; i < f->engines->len; i++)
    removed &= remove_containers (f->engines->pdata[i]);
  g_ptr_array_unref (f->engines);
  /* A container that could not be removed may still have its overlay mounted there. */
  if (removed)
    pier_test_rm_rf (f->dir);
  else
    print_error ("teardown: %s kept for a look\n", f->dir);
  g_free (f->dir);
  g_free (f);
  return removed ? 0 : -1;
}

static void
test_local_engine_on_an_empty_store (void **state)
{
  PierEngine *engine = open_engine (*state, "root", "run");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autoptr (GPtrArray) containers = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (PierContainerInfo) none = NULL;
  guint64 cursor = 0;

  assert_true (pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES));
  assert_true (pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS));
  images = pier_engine_list_images (engine, &broken, NULL, &error);
  assert_non_null (images);
  assert_int_equal (broken->len, 0);
  containers = pier_engine_list_containers (engine, NULL, &error);
  assert_non_null (containers);
  assert_int_equal (containers->len, 0);
  none = pier_engine_get_container (engine, "nothing-here", FALSE, NULL, &error);
  assert_null (none);
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
  assert_non_null (strstr (error->message, "nothing-here"));
  g_clear_error (&error);
  events = pier_engine_read_events (engine, &cursor, NULL, &error);
  assert_non_null (events);
}

static void
remember_id (const char *id, const char *const *warnings, gpointer user_data)
{
  *(char **) user_data = g_strdup (id);
}

static gboolean
append_log (const PierLogChunk *chunk, gpointer user_data)
{
  g_string_append_len (user_data, chunk->data, chunk->len);
  return TRUE;
}

static char *
read_logs (PierEngine *engine, const char *name)
{
  GString *text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  assert_true (pier_engine_logs (engine, name, FALSE, append_log, text, NULL, &error));
  return g_string_free (text, FALSE);
}

/* Its output, as a string. */
static char *
exec_output (PierEngine *engine, const char *name, const char *script, int *code)
{
  const char *const argv[] = { "sh", "-c", script, NULL };
  PierExecOptions options = { .argv = argv };
  g_autoptr (GError) error = NULL;
  char buffer[4096];
  gssize n;
  int fds[2];

  assert_int_equal (pipe2 (fds, O_CLOEXEC), 0);
  PierStdio stdio = { -1, fds[1], fds[1], 0, 0 };
  assert_ok (pier_engine_exec (engine, name, &options, &stdio, code, NULL, &error));
  close (fds[1]);
  n = read (fds[0], buffer, sizeof buffer - 1);
  close (fds[0]);
  assert_true (n >= 0);
  buffer[n] = '\0';
  return g_strdup (buffer);
}

/* A shell started on a pty, as the window's terminal starts one: the host PID it reports is a
 * live process of this machine, the pty is the caller's once taken, and what is typed there
 * reaches the shell, whose exit code the wait returns. */
static void
assert_exec_on_pty (PierEngine *engine, const char *name)
{
  const char *const argv[] = { "sh", NULL };
  PierExecOptions options = { .argv = argv, .tty = TRUE, .tty_rows = 24, .tty_cols = 80 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierExec) exec = pier_engine_exec_start (engine, name, &options, NULL, NULL, &error);
  const char typed[] = "exit 7\n";
  int pty, code = -1;

  assert_ok (exec != NULL);
  assert_true (pier_exec_get_host_pid (exec) > 0);
  assert_int_equal (kill (pier_exec_get_host_pid (exec), 0), 0);
  pty = pier_exec_steal_pty (exec);
  assert_true (pty >= 0);
  assert_int_equal (pier_exec_get_pty (exec), -1);
  assert_int_equal (write (pty, typed, strlen (typed)), (gssize) strlen (typed));
  assert_ok (pier_exec_wait (exec, &code, NULL, &error));
  assert_int_equal (code, 7);
  close (pty);
}

/* How a started process ended, as the engine knows it: a code of 128+N it chose is a code, a
 * signal that killed it is a signal; pier_exec_wait() folds the signal into 128+N. */
static void
assert_exec_end (PierEngine *engine, const char *name, const char *script, int want_code,
                 int want_signal)
{
  const char *const argv[] = { "sh", "-c", script, NULL };
  PierExecOptions options = { .argv = argv };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierExec) exec = pier_engine_exec_start (engine, name, &options, NULL, NULL, &error);
  int code = 0, signal = -1;

  assert_ok (exec != NULL);
  assert_ok (pier_exec_wait_status (exec, &code, &signal, NULL, &error));
  assert_int_equal (code, want_code);
  assert_int_equal (signal, want_signal);
}

static void
assert_exec_folds_signals (PierEngine *engine, const char *name)
{
  const char *const argv[] = { "sh", "-c", "kill -9 $$", NULL };
  PierExecOptions options = { .argv = argv };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierExec) exec = pier_engine_exec_start (engine, name, &options, NULL, NULL, &error);
  int code = -1;

  assert_ok (exec != NULL);
  assert_ok (pier_exec_wait (exec, &code, NULL, &error));
  assert_int_equal (code, 128 + 9);
}

/* A command not in the container's PATH: the code says so (front ends choose exit code 127
 * from it), the message names the command, and no exit code is made up. */
static void
assert_exec_not_found (PierEngine *engine, const char *name)
{
  const char *const argv[] = { "no-such-command", "--flag", NULL };
  PierExecOptions options = { .argv = argv };
  PierStdio stdio = { -1, -1, -1, 0, 0 };
  g_autoptr (GError) error = NULL;
  int code = -1;

  assert_false (pier_engine_exec (engine, name, &options, &stdio, &code, NULL, &error));
  pier_assert_error (error, PIER_ERROR_EXECUTABLE_NOT_FOUND);
  assert_string_equal (error->message, "executable file not found in $PATH: no-such-command");
  assert_int_equal (code, -1);
}

/* What the window's Processes page reads: the watch's sessions, twice (the second read builds on
 * the first), hold the container's init as its PID 1 seen from the host, and the engine says
 * where its executable comes from. */
static void
assert_process_watch (PierEngine *engine, const char *name, int init_pid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierProcessWatch) watch = pier_engine_watch_processes (engine, name, &error);
  g_autoptr (PierProcessWatch) host = pier_engine_watch_processes (engine, NULL, &error);
  g_autofree char *provenance = NULL;
  gboolean init_found = FALSE, host_found = FALSE;

  assert_ok (watch != NULL && host != NULL);
  for (int round = 0; round < 2; round++)
    {
      g_autoptr (GPtrArray) sessions = pier_process_watch_read (watch, NULL, &error);
      g_autoptr (GPtrArray) everything = pier_process_watch_read (host, NULL, &error);

      assert_ok (sessions != NULL && everything != NULL);
      for (guint i = 0; i < sessions->len; i++)
        {
          PierSessionInfo *s = sessions->pdata[i];
          for (guint j = 0; j < s->processes->len; j++)
            {
              PierProcessInfo *p = s->processes->pdata[j];
              init_found |= p->container_pid == 1 && p->host_pid == init_pid &&
                            g_strcmp0 (s->origin, "init") == 0;
            }
        }
      for (guint i = 0; i < everything->len; i++)
        {
          PierProcessInfo *p = everything->pdata[i];
          host_found |= p->host_pid == init_pid && g_strcmp0 (p->container, name) == 0;
        }
    }
  assert_true (init_found);
  assert_true (host_found);
  provenance = pier_engine_process_provenance (engine, name, init_pid, NULL, &error);
  assert_ok (provenance != NULL);
  /* busybox: one layer, which has the shell the container runs. */
  assert_true (g_str_has_prefix (provenance, "/bin/sh: image layer 1 of 1"));
}

static gboolean
has_event (GPtrArray *events, const char *id, const char *action)
{
  for (guint i = 0; i < events->len; i++)
    {
      PierEngineEvent *e = events->pdata[i];
      if (g_strcmp0 (e->id, id) == 0 && strcmp (e->action, action) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A busybox container's life through the interface only, and its events read back. */
static void
test_local_engine_runs_busybox (void **state)
{
  PierEngine *engine = open_engine (*state, "root", "run");
  const char *const command[] = { "sh", "-c", "echo out-line; echo err-line >&2; "
                                  "while :; do sleep 1; done", NULL };
  PierRunOptions options = { .image = "busybox", .name = "engine-test", .command = command,
                             .network = "none" };
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *output = NULL;
  g_autofree char *logs = NULL;
  g_autofree char *inspect = NULL;
  g_autoptr (GPtrArray) changes = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (PierContainerInfo) info = NULL;
  g_autoptr (PierContainerInfo) gone = NULL;
  g_autoptr (PierContainerInfo) running = NULL;
  g_autoptr (GPtrArray) past = NULL;
  PierContainerStats stats = { 0 };
  gboolean added = FALSE;
  guint64 cursor = 0, now = PIER_ENGINE_EVENTS_NOW;
  gint64 deadline;
  int code = -1;

  assert_ok (pier_engine_run (engine, &options, NULL, remember_id, &id, NULL, NULL, &error));
  assert_non_null (id);
  /* A front end that starts following now gets none of the past. */
  past = pier_engine_read_events (engine, &now, NULL, &error);
  assert_ok (past != NULL);
  assert_int_equal (past->len, 0);
  assert_true (now > 0 && now != PIER_ENGINE_EVENTS_NOW);
  running = pier_engine_get_container (engine, id, FALSE, NULL, &error);
  assert_ok (running != NULL);
  assert_int_equal (running->state, PIER_CONTAINER_STATE_RUNNING);
  assert_string_equal (running->hostname, "engine-test");
  assert_string_equal (running->network, "none");
  assert_true (running->host_pid > 0);
  assert_int_equal (kill (running->host_pid, 0), 0);
  assert_true (running->pids_limit > 0);
  assert_process_watch (engine, "engine-test", running->host_pid);
  output = exec_output (engine, "engine-test", "echo $((6 * 7)); touch /made-by-exec", &code);
  assert_string_equal (output, "42\n");
  assert_int_equal (code, 0);
  /* The log fills as the container runs: wait for both lines. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((logs = read_logs (engine, id)) != NULL && strstr (logs, "err-line") == NULL &&
         g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&logs, g_free);
      g_usleep (G_USEC_PER_SEC / 20);
    }
  assert_non_null (strstr (logs, "out-line"));
  assert_non_null (strstr (logs, "err-line"));
  assert_exec_on_pty (engine, "engine-test");
  assert_exec_end (engine, "engine-test", "exit 130", 130, 0);
  assert_exec_end (engine, "engine-test", "kill -9 $$", -1, 9);
  assert_exec_folds_signals (engine, "engine-test");
  assert_exec_not_found (engine, "engine-test");
  assert_ok (pier_engine_stats (engine, id, &stats, NULL, &error));
  assert_true (stats.has_pids && stats.pids >= 1);
  inspect = pier_engine_inspect_container (engine, "engine-test", FALSE, NULL, &error);
  assert_non_null (inspect);
  assert_non_null (strstr (inspect, id));
  assert_non_null (strstr (inspect, "\"Running\": true"));
  changes = pier_engine_diff (engine, id, NULL, &error);
  assert_non_null (changes);
  for (guint i = 0; i < changes->len; i++)
    {
      PierFileChange *c = changes->pdata[i];
      added |= c->kind == 'A' && strcmp (c->path, "/made-by-exec") == 0;
    }
  assert_true (added);
  assert_ok (pier_engine_stop (engine, id, 1, NULL, &error));
  info = pier_engine_get_container (engine, id, FALSE, NULL, &error);
  assert_non_null (info);
  assert_int_equal (info->state, PIER_CONTAINER_STATE_EXITED);
  assert_int_equal (info->host_pid, 0);
  assert_ok (pier_engine_remove (engine, id, FALSE, NULL, &error));
  gone = pier_engine_get_container (engine, id, FALSE, NULL, &error);
  assert_null (gone);
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
  g_clear_error (&error);
  events = pier_engine_read_events (engine, &cursor, NULL, &error);
  assert_non_null (events);
  assert_true (has_event (events, id, "create"));
  assert_true (has_event (events, id, "start"));
  assert_true (has_event (events, id, "stop"));
  assert_true (has_event (events, id, "remove"));
  assert_true (cursor > 0);
}

static void
collect_output (const char *text, gpointer user_data)
{
  g_string_append (user_data, text);
}

static void
collect_steps (const PierBuildStep *step, gpointer user_data)
{
  GString *steps = user_data;

  if (step->type == PIER_BUILD_STEP_BEGIN)
    g_string_append_printf (steps, "%u/%u %s\n", step->step, step->n_steps, step->text);
  else if (step->type == PIER_BUILD_STEP_OUTPUT)
    g_string_append_len (steps, step->data, step->len);
  else if (step->type == PIER_BUILD_STEP_ALL_DONE)
    g_string_append_printf (steps, "done %s\n%s", step->id, step->text);
}

/* The built image as the image page reads it: one image, its layers bottom first with the step
 * that made each, its history with the instructions. */
static void
assert_image_details (PierEngine *engine, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImageInfo) image = pier_engine_get_image (engine, name, NULL, &error);
  g_autoptr (GPtrArray) layers = NULL;
  g_autoptr (GPtrArray) history = NULL;
  PierLayerInfo *top;
  PierHistoryItem *newest;

  assert_ok (image != NULL);
  assert_string_equal (image->names[0], "docker.io/library/engine-built:1");
  layers = pier_engine_image_layers (engine, name, NULL, &error);
  assert_ok (layers != NULL);
  assert_true (layers->len >= 2);
  top = layers->pdata[layers->len - 1];
  assert_string_equal (top->instruction, "RUN echo built > /built");
  assert_int_equal (top->n_images, 1);
  assert_true (g_str_has_prefix (top->diff_id, "sha256:"));
  history = pier_engine_image_history (engine, name, NULL, &error);
  assert_ok (history != NULL);
  newest = history->pdata[0];
  assert_string_equal (newest->instruction, "RUN echo built > /built");
  assert_false (newest->empty_layer);
}

/* A two-line build, saved and loaded into another store. */
static void
count_changed (PierEventsWatch *watch, guint *n)
{
  (*n)++;
}

/* Iterates the thread's main context for @ms milliseconds, or until *@n is not 0. */
static void
iterate_until_changed (int ms, const guint *n)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (*n == 0 && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

/* The events watch says nothing while nothing happens, and says it when another user of the
 * store (here a second engine over it) makes a change; the events are then there to read. */
static void
test_local_engine_watch_says_when_events_come (void **state)
{
  PierEngine *engine = open_engine (*state, "root", "run");
  PierEngine *other = open_engine (*state, "root", "run");
  PierRunOptions options = { .image = "busybox", .name = "watched", .network = "none" };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierEventsWatch) watch = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autofree char *id = NULL;
  guint64 cursor = PIER_ENGINE_EVENTS_NOW;
  guint changed = 0;

  assert_ok ((none = pier_engine_read_events (engine, &cursor, NULL, &error)) != NULL);
  assert_ok ((watch = pier_engine_watch_events (engine, &error)) != NULL);
  g_signal_connect (watch, "changed", G_CALLBACK (count_changed), &changed);
  iterate_until_changed (500, &changed);
  assert_int_equal (changed, 0);

  assert_ok ((id = pier_engine_create (other, &options, NULL, &error)) != NULL);
  iterate_until_changed (2000, &changed);
  if (changed == 0)
    fail_msg ("no \"changed\" within 2 s of a container's creation by another engine");
  assert_ok ((events = pier_engine_read_events (engine, &cursor, NULL, &error)) != NULL);
  assert_true (events->len >= 1);
  assert_string_equal (((PierEngineEvent *) events->pdata[0])->id, id);
  assert_ok (pier_engine_remove (other, id, TRUE, NULL, &error));
}

static void
test_local_engine_builds_saves_and_loads (void **state)
{
  Fixture *f = *state;
  g_autofree char *context = g_build_filename (f->dir, "context", NULL);
  g_autofree char *dockerfile = g_build_filename (context, "Dockerfile", NULL);
  g_autofree char *archive = g_build_filename (f->dir, "saved.tar", NULL);
  PierEngine *local = open_engine (f, "root", "run");
  PierEngine *other = open_engine (f, "other-root", "other-run");
  const char *const tags[] = { "engine-built:1", NULL };
  const char *const saved[] = { "engine-built:1", NULL };
  PierImageBuildOptions options = { .context_dir = context, .tags = tags, .network = "none",
                                    .steps = collect_steps };
  g_autoptr (GString) output = g_string_new (NULL);
  g_autoptr (GString) steps = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) report = NULL;
  g_autofree char *id = NULL;
  g_autofree char *inspect = NULL;
  int fd;

  assert_int_equal (mkdir (context, 0755), 0);
  assert_true (g_file_set_contents (dockerfile, "FROM busybox\nRUN echo built > /built\n", -1,
                                    NULL));
  options.steps_data = steps;
  assert_ok ((id = pier_engine_build (local, &options, collect_output, output, NULL, &error)) !=
             NULL);
  assert_true (g_str_has_prefix (id, "sha256:"));
  assert_non_null (strstr (output->str, "Step 2/2 : RUN echo built > /built"));
  /* The same build, step by step. */
  assert_non_null (strstr (steps->str, "2/2 RUN echo built > /built\n"));
  assert_true (g_str_has_suffix (steps->str, "engine-built:1\n"));
  assert_non_null (strstr (steps->str, id));
  assert_image_details (local, "engine-built:1");

  fd = open (archive, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  assert_true (fd >= 0);
  assert_ok (pier_engine_save (local, saved, NULL, fd, NULL, &error));
  close (fd);
  fd = open (archive, O_RDONLY | O_CLOEXEC);
  assert_true (fd >= 0);
  report = pier_engine_load (other, fd, NULL, &error);
  close (fd);
  assert_ok (report != NULL);
  assert_int_equal (report->len, 1);
  assert_string_equal (report->pdata[0], "Loaded image: engine-built:1");
  inspect = pier_engine_inspect_image (other, "engine-built:1", NULL, &error);
  assert_non_null (inspect);
  assert_non_null (strstr (inspect, id));
}

int
main (void)
{
  if (geteuid () != 0)
    {
      fprintf (stderr, "containers and builds need root (CI runs as root)\n");
      return 1;
    }
  pier_test_use_build_monitor ();
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_missing_calls_are_not_supported),
    cmocka_unit_test_setup_teardown (test_local_engine_on_an_empty_store, setup, teardown),
    cmocka_unit_test_setup_teardown (test_local_engine_runs_busybox, setup, teardown),
    cmocka_unit_test_setup_teardown (test_local_engine_watch_says_when_events_come, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_local_engine_builds_saves_and_loads, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
