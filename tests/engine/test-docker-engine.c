/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine against a real peer: the script that runs this (test-docker-engine.sh)
 * starts dockerd, Podman or sshd and names it in PIER_TEST_DOCKER_URI (PIER_TEST_DOCKER_CLI:
 * the command line that speaks to the same peer, to compare with; PIER_TEST_REGISTRY: a test
 * registry on loopback holding busybox as pier/busybox:1). */
#include "test-support.h"

#include "pier-docker-engine-private.h"
#include "pier-engine-copy.h"
#include "pier-error.h"
#include "pier-local-engine.h"

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static PierEngine *
peer_engine (void)
{
  const char *uri = g_getenv ("PIER_TEST_DOCKER_URI");
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerEndpoint) endpoint = NULL;

  if (uri == NULL)
    fail_msg ("PIER_TEST_DOCKER_URI names no peer: run test-docker-engine.sh");
  endpoint = pier_docker_endpoint_parse (uri, &error);
  assert_non_null (endpoint);
  if (g_getenv ("PIER_TEST_DOCKER_REMOTE_CLI") != NULL)
    {
      g_free (endpoint->remote_cli);
      endpoint->remote_cli = g_strdup (g_getenv ("PIER_TEST_DOCKER_REMOTE_CLI"));
    }
  if (g_getenv ("PIER_TEST_SSH_KEY") != NULL)
    endpoint->identity_file = g_strdup (g_getenv ("PIER_TEST_SSH_KEY"));
  return PIER_ENGINE (pier_docker_engine_new (endpoint, NULL));
}

/* What the peer's own CLI prints for @args (a shell fragment). */
static char *
cli (const char *args)
{
  g_autofree char *command = g_strdup_printf ("%s %s", g_getenv ("PIER_TEST_DOCKER_CLI"), args);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  if (!g_spawn_command_line_sync (command, &out, NULL, &status, &error))
    fail_msg ("%s: %s", command, error->message);
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("%s failed", command);
  return g_strdup (g_strstrip (out));
}

/* An image id as Pier gives them ("sha256:HEX"), from the peer's CLI. */
static char *
cli_image_id (const char *image)
{
  g_autofree char *args = g_strdup_printf ("image inspect --format '{{.Id}}' %s", image);
  g_autofree char *id = cli (args);

  return g_str_has_prefix (id, "sha256:") ? g_steal_pointer (&id)
                                          : g_strconcat ("sha256:", id, NULL);
}

/* busybox from Pier's own store, copied as the window's "Copy to…" copies it: PierLocalEngine's
 * save streamed into the peer's load, with no file of it; every test below runs it there. */
static void
load_busybox (PierEngine *engine)
{
  PierTestStore *ts = pier_test_store_new ();
  g_autofree char *runroot = g_build_filename (ts->dir, "run", NULL);
  g_autoptr (PierLocalEngine) local = pier_local_engine_new (ts->root, runroot);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) said = pier_engine_copy_image (PIER_ENGINE (local), "busybox", engine,
                                                       NULL, NULL, NULL, &error);

  if (said == NULL)
    fail_msg ("copy: %s", error->message);
  assert_true (said->len >= 1);
  assert_non_null (strstr (said->pdata[0], "busybox"));
  pier_test_store_free (ts);
}

static int
setup (void **state)
{
  PierEngine *engine = peer_engine ();
  g_autoptr (GError) error = NULL;

  if (!pier_engine_ping (engine, NULL, &error))
    fail_msg ("ping: %s", error->message);
  load_busybox (engine);
  *state = engine;
  return 0;
}

static int
teardown (void **state)
{
  g_object_unref (*state);
  return 0;
}

static void
test_lists_images_as_the_peer_does (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) images = pier_engine_list_images (engine, NULL, NULL, &error);
  g_autofree char *id = cli_image_id ("busybox");
  g_autoptr (PierImageInfo) info = NULL;
  g_autoptr (GPtrArray) history = NULL;
  gboolean seen = FALSE;

  if (images == NULL)
    fail_msg ("list: %s", error->message);
  for (guint i = 0; i < images->len; i++)
    {
      PierImageInfo *image = images->pdata[i];
      if (g_strcmp0 (image->id, id) == 0)
        {
          seen = TRUE;
          assert_true (g_strv_contains ((const char *const *) image->names,
                                        "docker.io/library/busybox:latest"));
          assert_true (image->created > 0);
          assert_true (image->size > 0);
        }
    }
  assert_true (seen);
  info = pier_engine_get_image (engine, "busybox", NULL, &error);
  assert_non_null (info);
  assert_string_equal (info->id, id);
  history = pier_engine_image_history (engine, "busybox", NULL, &error);
  assert_non_null (history);
  assert_true (history->len >= 1);
  assert_null (pier_engine_get_image (engine, "no-such-image-here", NULL, &error));
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
}

static void
test_tags_and_removes_an_image (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImageRemoval) removal = NULL;

  if (!pier_engine_tag_image (engine, "busybox", "pier-test/tagged:1", NULL, &error))
    fail_msg ("tag: %s", error->message);
  g_autofree char *listed = cli ("images --format '{{.Repository}}:{{.Tag}}'");
  assert_non_null (strstr (listed, "pier-test/tagged:1"));
  removal = pier_engine_remove_image (engine, "pier-test/tagged:1", FALSE, NULL, &error);
  assert_non_null (removal);
  assert_non_null (removal->untagged[0]);
  assert_non_null (strstr (removal->untagged[0], "pier-test/tagged:1"));
}

typedef struct {
  GString *out;
  GString *err;
} Output;

static gboolean
collect_log (const PierLogChunk *chunk, gpointer user_data)
{
  Output *o = user_data;

  g_string_append_len (chunk->stream == PIER_OUTPUT_STDERR ? o->err : o->out, chunk->data,
                       chunk->len);
  return TRUE;
}

static void
test_container_life (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-life", .command = command,
                             .network = "none" };
  g_autofree char *id = NULL;
  g_autoptr (PierContainerInfo) info = NULL;
  g_autoptr (GPtrArray) list = NULL;
  Output o = { g_string_new (NULL), g_string_new (NULL) };
  int code = -1;
  gboolean seen = FALSE;

  if ((id = pier_engine_create (engine, &options, NULL, &error)) == NULL)
    fail_msg ("create: %s", error->message);
  info = pier_engine_get_container (engine, "pier-life", FALSE, NULL, &error);
  assert_non_null (info);
  assert_string_equal (info->id, id);
  assert_int_equal (info->state, PIER_CONTAINER_STATE_CREATED);
  assert_string_equal (info->command[0], "sh");
  assert_string_equal (info->command[2], "echo out; echo err >&2; exit 3");
  g_clear_pointer (&info, pier_container_info_free);

  if (!pier_engine_start (engine, id, NULL, NULL, NULL, NULL, NULL, &error))
    fail_msg ("start: %s", error->message);
  if (!pier_engine_wait (engine, id, &code, NULL, &error))
    fail_msg ("wait: %s", error->message);
  assert_int_equal (code, 3);
  info = pier_engine_get_container (engine, id, FALSE, NULL, &error);
  assert_int_equal (info->state, PIER_CONTAINER_STATE_EXITED);
  assert_int_equal (info->exit_code, 3);
  /* dockerd may record a quick exit before the start that preceded it: both are there. */
  assert_true (info->finished_at > 0 && info->started_at > 0);

  list = pier_engine_list_containers (engine, NULL, &error);
  assert_non_null (list);
  for (guint i = 0; i < list->len; i++)
    {
      PierContainerInfo *c = list->pdata[i];
      if (strcmp (c->id, id) != 0)
        continue;
      seen = TRUE;
      assert_string_equal (c->name, "pier-life");
      assert_int_equal (c->state, PIER_CONTAINER_STATE_EXITED);
      assert_int_equal (c->exit_code, 3);
      assert_true (c->created / G_USEC_PER_SEC == info->created / G_USEC_PER_SEC);
    }
  assert_true (seen);

  if (!pier_engine_logs (engine, id, FALSE, collect_log, &o, NULL, &error))
    fail_msg ("logs: %s", error->message);
  assert_string_equal (o.out->str, "out\n");
  assert_string_equal (o.err->str, "err\n");

  if (!pier_engine_remove (engine, id, FALSE, NULL, &error))
    fail_msg ("remove: %s", error->message);
  assert_null (pier_engine_get_container (engine, id, FALSE, NULL, &error));
  assert_true (g_error_matches (error, PIER_ERROR, PIER_ERROR_NOT_FOUND));
  g_string_free (o.out, TRUE);
  g_string_free (o.err, TRUE);
}

typedef struct {
  PierEngine *engine;
  const char *id;
  GString *out;
  gint early_seen;
  gboolean later_seen;
} Follow;

static gboolean
follow_log (const PierLogChunk *chunk, gpointer user_data)
{
  Follow *f = user_data;

  g_string_append_len (f->out, chunk->data, chunk->len);
  if (strstr (f->out->str, "early\n") != NULL)
    g_atomic_int_set (&f->early_seen, 1);
  if (strstr (f->out->str, "later\n") != NULL)
    {
      f->later_seen = TRUE;
      return FALSE;
    }
  return TRUE;
}

static gpointer
follow_thread (gpointer data)
{
  Follow *f = data;
  g_autoptr (GError) error = NULL;

  if (!pier_engine_logs (f->engine, f->id, TRUE, follow_log, f, NULL, &error))
    g_printerr ("follow: %s\n", error->message);
  return NULL;
}

/* A running container: logs follow sees a line printed after the follow began; stop ends it. */
static void
test_follow_stop_and_stats (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *go = g_build_filename (dir, "go", NULL);
  g_autofree char *volume = g_strdup_printf ("%s:/signal", dir);
  const char *volumes[] = { volume, NULL };
  const char *command[] = { "sh", "-c",
                            "echo early; while [ ! -e /signal/go ]; do sleep 0.1; done; "
                            "echo later; exec sleep 1000", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-follow", .command = command,
                             .volumes = volumes, .network = "none" };
  Follow f = { .engine = engine, .out = g_string_new (NULL) };
  PierContainerStats stats;
  g_autoptr (PierContainerInfo) info = NULL;
  GThread *thread;
  int code;

  /* Rootless Podman's container reads it as another user. */
  assert_int_equal (chmod (dir, 0755), 0);
  if (!pier_engine_run (engine, &options, NULL, NULL, NULL, NULL, NULL, &error))
    fail_msg ("run: %s", error->message);
  f.id = "pier-follow";
  thread = g_thread_new ("follow", follow_thread, &f);
  /* The follow is running once it saw the first line; then the container goes on. */
  for (guint i = 0; !g_atomic_int_get (&f.early_seen); i++)
    {
      if (i > 1500)
        fail_msg ("logs -f saw nothing of the container in 30 s");
      g_usleep (20000);
    }
  g_file_set_contents (go, "", 0, NULL);
  g_thread_join (thread);
  assert_true (f.later_seen);

  if (!pier_engine_stats (engine, "pier-follow", &stats, NULL, &error))
    fail_msg ("stats: %s", error->message);
  assert_true (stats.has_memory && stats.memory_bytes > 0);
  info = pier_engine_get_container (engine, "pier-follow", FALSE, NULL, &error);
  assert_int_equal (info->state, PIER_CONTAINER_STATE_RUNNING);
  if (pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES))
    {
      g_autofree char *pid = cli ("inspect --format '{{.State.Pid}}' pier-follow");
      assert_int_equal (info->host_pid, atoi (pid));
    }
  if (!pier_engine_stop (engine, "pier-follow", 1, NULL, &error))
    fail_msg ("stop: %s", error->message);
  assert_true (pier_engine_wait (engine, "pier-follow", &code, NULL, &error));
  assert_int_equal (code, 137);
  assert_true (pier_engine_remove (engine, "pier-follow", FALSE, NULL, &error));
  g_string_free (f.out, TRUE);
  pier_test_rm_rf (dir);
}

static void
test_save_and_load_round_trip (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "saved.tar", NULL);
  g_autofree char *id = cli_image_id ("busybox");
  const char *images[] = { "busybox", NULL };
  g_autoptr (PierImageRemoval) removal = NULL;
  g_autoptr (GPtrArray) said = NULL;
  g_autoptr (PierImageInfo) info = NULL;
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (!pier_engine_tag_image (engine, "busybox", "pier-test/round:trip", NULL, &error))
    fail_msg ("tag: %s", error->message);
  const char *tagged[] = { "pier-test/round:trip", NULL };
  if (!pier_engine_save (engine, tagged, NULL, fd, NULL, &error))
    fail_msg ("save: %s", error->message);
  assert_true (lseek (fd, 0, SEEK_CUR) > 1024);
  removal = pier_engine_remove_image (engine, "pier-test/round:trip", FALSE, NULL, &error);
  assert_non_null (removal);
  lseek (fd, 0, SEEK_SET);
  if ((said = pier_engine_load (engine, fd, NULL, &error)) == NULL)
    fail_msg ("load: %s", error->message);
  info = pier_engine_get_image (engine, "pier-test/round:trip", NULL, &error);
  assert_non_null (info);
  assert_string_equal (info->id, id);
  assert_false (pier_engine_save (engine, images, "oci-archive", fd, NULL, &error));
  close (fd);
  pier_test_rm_rf (dir);
}

static void
on_progress (const PierTransferProgress *progress, gpointer user_data)
{
  *(guint *) user_data += 1;
}

static void
test_pulls_from_the_test_registry (void **state)
{
  PierEngine *engine = *state;
  const char *registry = g_getenv ("PIER_TEST_REGISTRY");
  g_autoptr (GError) error = NULL;
  g_autofree char *reference = NULL;
  g_autoptr (PierPullResult) result = NULL;
  g_autoptr (PierImageInfo) info = NULL;
  PierRegistryAccess access = { .tls = PIER_TLS_VERIFY_OFF };
  guint calls = 0;

  if (registry == NULL)
    fail_msg ("PIER_TEST_REGISTRY names no registry: run test-docker-engine.sh");
  reference = g_strdup_printf ("%s/pier/busybox:1", registry);
  result = pier_engine_pull (engine, reference, &access, on_progress, &calls, NULL, &error);
  if (result == NULL)
    fail_msg ("pull: %s", error->message);
  assert_string_equal (result->reference, reference);
  assert_true (calls >= 2);
  info = pier_engine_get_image (engine, reference, NULL, &error);
  assert_non_null (info);
  g_clear_pointer (&result, pier_pull_result_free);
  g_autofree char *missing = g_strdup_printf ("%s/pier/none:1", registry);
  assert_null (pier_engine_pull (engine, missing, &access, NULL, NULL, NULL, &error));
  assert_non_null (error);
}

/* All of @fd until its end. */
static char *
read_all (int fd)
{
  GString *out = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  while ((n = read (fd, buffer, sizeof buffer)) > 0)
    g_string_append_len (out, buffer, n);
  return g_string_free (out, FALSE);
}

static void
on_started_write (const char *id, const char *const *warnings, gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);

  assert_int_equal (write (fd, "go\n", 3), 3);
  close (fd);
}

/* run attached: its exit code, stdout and stderr apart; stdin relayed; --rm removes it. */
static void
test_run_attached (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sh", "-c", "read x; echo \"out $x\"; echo err >&2; exit 5", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-attached", .command = command,
                             .network = "none", .interactive = TRUE, .auto_remove = TRUE };
  int in[2], out[2], err[2];
  int code = -1;
  g_autofree char *said = NULL, *said_err = NULL;

  assert_int_equal (pipe (in), 0);
  assert_int_equal (pipe (out), 0);
  assert_int_equal (pipe (err), 0);
  PierStdio stdio = { .in_fd = in[0], .out_fd = out[1], .err_fd = err[1] };
  if (!pier_engine_run (engine, &options, &stdio, on_started_write, GINT_TO_POINTER (in[1]),
                        &code, NULL, &error))
    fail_msg ("run: %s", error->message);
  close (in[0]);
  close (out[1]);
  close (err[1]);
  said = read_all (out[0]);
  said_err = read_all (err[0]);
  close (out[0]);
  close (err[0]);
  assert_int_equal (code, 5);
  assert_string_equal (said, "out go\n");
  assert_string_equal (said_err, "err\n");
  assert_null (pier_engine_get_container (engine, "pier-attached", FALSE, NULL, &error));
}

static void
on_started_nothing (const char *id, const char *const *warnings, gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);

  assert_int_equal (write (fd, "go\r", 3), 3);
}

/* run -t: a terminal of the size asked for. */
static void
test_run_with_a_pty (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sh", "-c", "read x; tty; stty size; exit 2", NULL };
  PierRunOptions options = { .image = "busybox", .command = command, .network = "none",
                             .tty = TRUE, .interactive = TRUE, .auto_remove = TRUE,
                             .tty_rows = 33, .tty_cols = 101 };
  int in[2], out[2];
  int code = -1;
  g_autofree char *said = NULL;

  assert_int_equal (pipe (in), 0);
  assert_int_equal (pipe (out), 0);
  PierStdio stdio = { .in_fd = in[0], .out_fd = out[1], .err_fd = -1 };
  if (!pier_engine_run (engine, &options, &stdio, on_started_nothing, GINT_TO_POINTER (in[1]),
                        &code, NULL, &error))
    fail_msg ("run -t: %s", error->message);
  close (in[1]);
  close (in[0]);
  close (out[1]);
  said = read_all (out[0]);
  close (out[0]);
  assert_int_equal (code, 2);
  assert_non_null (strstr (said, "/dev/pts/"));
  assert_non_null (strstr (said, "33 101"));
}

/* Reads @fd until @text shows, for at most 30 s; returns what it read. */
static char *
expect_output (int fd, const char *text)
{
  GString *seen = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (strstr (seen->str, text) == NULL)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      char buffer[1024];
      gssize n;
      int left = (int) ((deadline - g_get_monotonic_time ()) / 1000);
      if (left <= 0 || poll (&p, 1, left) <= 0)
        fail_msg ("«%s» did not come; seen «%s»", text, seen->str);
      n = read (fd, buffer, sizeof buffer);
      if (n <= 0)
        fail_msg ("the stream ended before «%s»; seen «%s»", text, seen->str);
      g_string_append_len (seen, buffer, n);
    }
  return g_string_free (seen, FALSE);
}

/* exec with a pty, as the window's terminal uses it: a command written, its output read;
 * then exec without one, and its exit code. */
static void
test_exec (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sleep", "1000", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-exec", .command = command,
                             .network = "none" };
  const char *shell[] = { "sh", NULL };
  PierExecOptions pty_options = { .argv = shell, .tty = TRUE, .tty_rows = 20, .tty_cols = 70 };
  const char *false_argv[] = { "sh", "-c", "echo from-exec; exit 9", NULL };
  PierExecOptions plain = { .argv = false_argv };
  g_autoptr (PierExec) exec = NULL;
  int out[2];
  int code = -1, pty;
  g_autofree char *said = NULL;

  if (!pier_engine_run (engine, &options, NULL, NULL, NULL, NULL, NULL, &error))
    fail_msg ("run: %s", error->message);
  exec = pier_engine_exec_start (engine, "pier-exec", &pty_options, NULL, NULL, &error);
  if (exec == NULL)
    fail_msg ("exec_start: %s", error->message);
  pty = pier_exec_get_pty (exec);
  assert_true (pty >= 0);
  assert_int_equal (write (pty, "echo hi-$((40+2)); stty size\r", 30), 30);
  said = expect_output (pty, "20 70");
  assert_non_null (strstr (said, "hi-42"));
  g_clear_pointer (&said, g_free);
  /* A real pty's master, as a terminal widget needs one: it sets the size there, and the
   * peer's terminal follows. */
  assert_true (isatty (pty));
  {
    struct winsize size = { .ws_row = 33, .ws_col = 101 };
    assert_int_equal (ioctl (pty, TIOCSWINSZ, &size), 0);
  }
  assert_int_equal (write (pty, "sleep 1; stty size\r", 19), 19);
  said = expect_output (pty, "33 101");
  g_clear_pointer (&said, g_free);
  assert_int_equal (write (pty, "exit 7\r", 7), 7);
  if (!pier_exec_wait (exec, &code, NULL, &error))
    fail_msg ("exec wait: %s", error->message);
  assert_int_equal (code, 7);

  assert_int_equal (pipe (out), 0);
  PierStdio stdio = { .in_fd = -1, .out_fd = out[1], .err_fd = -1 };
  if (!pier_engine_exec (engine, "pier-exec", &plain, &stdio, &code, NULL, &error))
    fail_msg ("exec: %s", error->message);
  close (out[1]);
  said = read_all (out[0]);
  close (out[0]);
  assert_int_equal (code, 9);
  assert_string_equal (said, "from-exec\n");
  assert_true (pier_engine_remove (engine, "pier-exec", TRUE, NULL, &error));
}

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* PIDs, one a line after a title line, sorted, joined with spaces. */
static char *
sorted_pids (const char *listing)
{
  g_auto (GStrv) lines = g_strsplit (listing, "\n", -1);
  g_autoptr (GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));
  GString *out = g_string_new (NULL);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      int pid = atoi (g_strstrip (lines[i]));
      if (pid > 0)
        g_array_append_val (pids, pid);
    }
  g_array_sort (pids, compare_ints);
  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf (out, "%s%d", i > 0 ? " " : "", g_array_index (pids, int, i));
  return g_string_free (out, FALSE);
}

/* The side-by-side view's watch, read twice as the window reads it: the container's sessions
 * with its init at @init (the host PID), and the host's processes with the container's name on
 * that one. */
static void
assert_watch_sees (PierEngine *engine, const char *container, int init)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierProcessWatch) sessions = pier_engine_watch_processes (engine, container, &error);
  g_autoptr (PierProcessWatch) host = pier_engine_watch_processes (engine, NULL, &error);
  gboolean seen = FALSE;

  assert_non_null (sessions);
  assert_non_null (host);
  for (int round = 0; round < 2; round++)
    {
      g_autoptr (GPtrArray) read = pier_process_watch_read (sessions, NULL, &error);
      g_autoptr (GPtrArray) all = pier_process_watch_read (host, NULL, &error);
      PierSessionInfo *first;

      if (read == NULL || all == NULL)
        fail_msg ("watch read: %s", error->message);
      assert_int_equal (read->len, 1);
      first = read->pdata[0];
      assert_string_equal (first->origin, "init");
      assert_int_equal (first->host_sid, init);
      assert_int_equal (first->processes->len, 3);
      for (guint i = 0; i < all->len; i++)
        {
          PierProcessInfo *p = all->pdata[i];
          if (p->host_pid == init)
            {
              assert_string_equal (p->container, container);
              seen = TRUE;
            }
          else if (p->host_pid == getpid ())
            assert_null (p->container);
        }
      assert_true (seen);
    }
}

/* Podman's pods: a container made in one says so, listed and got; elsewhere none. */
static void
test_pods (void **state)
{
  PierEngine *engine = *state;
  gboolean podman = !g_str_has_prefix (g_getenv ("PIER_TEST_DOCKER_CLI"), "docker");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PierContainerInfo) got = NULL;
  g_autofree char *made = NULL;
  gboolean seen = FALSE;

  if (podman)
    {
      /* No infra container: its image would come from a registry out of reach. */
      g_free (cli ("pod create --infra=false --name pier-pod"));
      made = cli ("create --pod pier-pod --name pier-in-pod busybox true");
    }
  else
    made = cli ("create --name pier-in-pod busybox true");
  list = pier_engine_list_containers (engine, NULL, &error);
  if (list == NULL)
    fail_msg ("list: %s", error->message);
  for (guint i = 0; i < list->len; i++)
    {
      PierContainerInfo *c = list->pdata[i];
      if (g_strcmp0 (c->name, "pier-in-pod") == 0)
        {
          seen = TRUE;
          if (podman)
            assert_string_equal (c->pod, "pier-pod");
          else
            assert_null (c->pod);
        }
    }
  assert_true (seen);
  got = pier_engine_get_container (engine, "pier-in-pod", FALSE, NULL, &error);
  if (got == NULL)
    fail_msg ("get: %s", error->message);
  if (podman)
    assert_string_equal (got->pod, "pier-pod");
  else
    assert_null (got->pod);
  g_free (cli (podman ? "pod rm -f pier-pod" : "rm -f pier-in-pod"));
}

/* Graphical sessions need the container's init on this machine: a local socket's engine has
 * the capability, one behind ssh has not and says so, naming where it is. */
static void
test_graphical_sessions_capability (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  g_autoptr (PierGraphicalSession) session = NULL;
  gboolean local = pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES);
  PierGraphicalOptions options = { 0 };

  assert_int_equal (pier_engine_has_capability (engine, PIER_ENGINE_CAP_GRAPHICAL_SESSIONS),
                    local);
  assert_int_equal (local, g_str_has_prefix (g_getenv ("PIER_TEST_DOCKER_URI"), "unix://"));
  if (local)
    return; /* tests/ui/test-gui-connections.sh opens one */
  session = pier_engine_open_graphical_session (engine, "anything", &options, NULL, &error);
  assert_null (session);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  assert_non_null (strstr (error->message, g_getenv ("PIER_TEST_DOCKER_URI")));
}

/* list_processes: the PIDs the peer's `top` gives; on a local socket the host's side too:
 * the container's init is State.Pid, and its sessions are read. */
static void
test_list_processes (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  const char *command[] = { "sh", "-c", "sleep 1000 & sleep 999; echo done", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-procs", .command = command,
                             .network = "none" };
  gboolean docker = g_str_has_prefix (g_getenv ("PIER_TEST_DOCKER_CLI"), "docker");
  gboolean local = pier_engine_has_capability (engine, PIER_ENGINE_CAP_HOST_PROCESSES);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GString) ours = g_string_new (NULL);
  g_autofree char *theirs = NULL;

  if (!pier_engine_run (engine, &options, NULL, NULL, NULL, NULL, NULL, &error))
    fail_msg ("run: %s", error->message);
  /* Until both sleeps run beside the shell. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *top = cli (docker ? "top pier-procs -o pid" : "top pier-procs pid");
      g_free (theirs);
      theirs = sorted_pids (top);
      g_auto (GStrv) listed = g_strsplit (theirs, " ", -1);
      if (g_strv_length (listed) == 3)
        break;
      g_usleep (20000);
    }
  list = pier_engine_list_processes (engine, "pier-procs", NULL, &error);
  if (list == NULL)
    fail_msg ("list_processes: %s", error->message);
  for (guint i = 0; i < list->len; i++)
    {
      PierProcessInfo *p = list->pdata[i];
      int pid = docker && local ? p->host_pid : p->container_pid;
      g_array_append_val (pids, pid);
      assert_non_null (p->command);
    }
  g_array_sort (pids, compare_ints);
  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf (ours, "%s%d", i > 0 ? " " : "", g_array_index (pids, int, i));
  assert_string_equal (ours->str, theirs);
  if (local)
    {
      g_autofree char *init = cli ("inspect --format '{{.State.Pid}}' pier-procs");
      g_autoptr (GPtrArray) sessions = NULL;
      gboolean seen = FALSE;
      for (guint i = 0; i < list->len; i++)
        {
          PierProcessInfo *p = list->pdata[i];
          if (p->container_pid == 1)
            {
              seen = TRUE;
              assert_int_equal (p->host_pid, atoi (init));
              assert_int_equal (p->uid, 0);
              assert_non_null (strstr (p->command, "sh -c"));
            }
        }
      assert_true (seen);
      sessions = pier_engine_list_sessions (engine, "pier-procs", NULL, &error);
      assert_non_null (sessions);
      assert_int_equal (sessions->len, 1);
      assert_string_equal (((PierSessionInfo *) sessions->pdata[0])->origin, "init");
      assert_watch_sees (engine, "pier-procs", atoi (init));
      /* Which layer an executable came from: the peer's layers are not Pier's to read, and
       * the window asks before it offers it. */
      assert_false (pier_engine_can (engine, PIER_ENGINE_CALL_PROCESS_PROVENANCE));
    }
  else
    {
      assert_null (pier_engine_list_sessions (engine, "pier-procs", NULL, &error));
      assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
      g_clear_error (&error);
      assert_null (pier_engine_watch_processes (engine, "pier-procs", &error));
      assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
    }
  assert_true (pier_engine_remove (engine, "pier-procs", TRUE, NULL, &error));
}

/* Through ssh, a key the server does not take: ssh's own words, naming the host. */
static void
test_ssh_refusal_says_why (void **state)
{
  const char *wrong = g_getenv ("PIER_TEST_SSH_WRONG_KEY");
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerEndpoint) endpoint = NULL;
  g_autoptr (PierDockerEngine) engine = NULL;

  if (g_getenv ("PIER_TEST_SSH_KEY") == NULL)
    return; /* the peer is not behind ssh */
  endpoint = pier_docker_endpoint_parse (g_getenv ("PIER_TEST_DOCKER_URI"), &error);
  assert_non_null (endpoint);
  endpoint->identity_file = g_strdup (wrong);
  g_free (endpoint->remote_cli);
  endpoint->remote_cli = g_strdup ("podman");
  engine = pier_docker_engine_new (endpoint, NULL);
  assert_false (pier_engine_ping (PIER_ENGINE (engine), NULL, &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, "ssh to 127.0.0.1: "));
  assert_non_null (strstr (error->message, "Permission denied (publickey)"));
}

typedef struct {
  PierEngine *engine;
  gint early;
  GError *error;
  gboolean ok;
} Dropped;

static gboolean
see_early (const PierLogChunk *chunk, gpointer user_data)
{
  Dropped *d = user_data;

  if (g_strstr_len (chunk->data, chunk->len, "early") != NULL)
    g_atomic_int_set (&d->early, 1);
  return TRUE;
}

static gpointer
dropped_follow (gpointer data)
{
  Dropped *d = data;

  d->ok = pier_engine_logs (d->engine, "pier-dropped", TRUE, see_early, d, NULL, &d->error);
  return NULL;
}

/* dockerd killed while a call streams: the call fails, saying so, and does not hang. Last:
 * the peer is gone after it. */
static void
test_peer_killed_mid_call (void **state)
{
  const char *pid = g_getenv ("PIER_TEST_DOCKERD_PID");
  const char *command[] = { "sh", "-c", "echo early; exec sleep 1000", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-dropped", .command = command,
                             .network = "none" };
  Dropped d = { .engine = *state };
  g_autoptr (GError) error = NULL;
  GThread *thread;

  if (pid == NULL)
    return; /* only the dockerd run kills its peer */
  if (!pier_engine_run (d.engine, &options, NULL, NULL, NULL, NULL, NULL, &error))
    fail_msg ("run: %s", error->message);
  thread = g_thread_new ("follow", dropped_follow, &d);
  for (guint i = 0; !g_atomic_int_get (&d.early); i++)
    {
      if (i > 1500)
        fail_msg ("logs -f saw nothing of the container in 30 s");
      g_usleep (20000);
    }
  assert_int_equal (kill (atoi (pid), SIGKILL), 0);
  g_thread_join (thread);
  assert_false (d.ok);
  assert_non_null (d.error);
  assert_non_null (strstr (d.error->message, g_getenv ("PIER_TEST_DOCKER_URI")));
  g_error_free (d.error);
  assert_false (pier_engine_ping (d.engine, NULL, &error) &&
                pier_engine_list_containers (d.engine, NULL, &error) != NULL);
}

static void
on_changed (PierEventsWatch *watch, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  fail_msg ("the events watch did not bring the container's start in 30 s");
  return G_SOURCE_REMOVE;
}

/* A watch says "changed" after a container starts, and the read from the cursor of before
 * has its start. */
static void
test_events (void **state)
{
  PierEngine *engine = *state;
  g_autoptr (GError) error = NULL;
  const char *command[] = { "true", NULL };
  PierRunOptions options = { .image = "busybox", .name = "pier-events", .command = command,
                             .network = "none" };
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (PierEventsWatch) watch = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GSource) deadline = g_timeout_source_new_seconds (30);
  guint64 cursor = PIER_ENGINE_EVENTS_NOW;
  g_autofree char *id = NULL;
  gboolean changed = FALSE, started = FALSE;
  int code;

  g_main_context_push_thread_default (context);
  events = pier_engine_read_events (engine, &cursor, NULL, &error);
  assert_non_null (events);
  assert_int_equal (events->len, 0);
  g_clear_pointer (&events, g_ptr_array_unref);
  watch = pier_engine_watch_events (engine, &error);
  assert_non_null (watch);
  g_signal_connect (watch, "changed", G_CALLBACK (on_changed), &changed);
  g_source_set_callback (deadline, on_deadline, NULL, NULL);
  g_source_attach (deadline, context);
  if ((id = pier_engine_create (engine, &options, NULL, &error)) == NULL)
    fail_msg ("create: %s", error->message);
  assert_true (pier_engine_start (engine, id, NULL, NULL, NULL, NULL, NULL, &error));
  assert_true (pier_engine_wait (engine, id, &code, NULL, &error));
  /* Each "changed" is followed by a read from the cursor, as the window does, until the start
   * is read: the create's may come first, and a peer may record the start a little later. */
  while (!started)
    {
      while (!changed)
        g_main_context_iteration (context, TRUE);
      changed = FALSE;
      g_clear_pointer (&events, g_ptr_array_unref);
      events = pier_engine_read_events (engine, &cursor, NULL, &error);
      if (events == NULL)
        fail_msg ("read_events: %s", error->message);
      for (guint i = 0; i < events->len; i++)
        {
          PierEngineEvent *e = events->pdata[i];
          if (strcmp (e->type, "container") == 0 && strcmp (e->id, id) == 0 &&
              strcmp (e->action, "start") == 0)
            {
              started = TRUE;
              assert_string_equal (e->name, "pier-events");
              assert_true (e->time > 0);
            }
        }
    }
  assert_true (started);
  g_source_destroy (deadline);
  g_clear_object (&watch);
  g_main_context_pop_thread_default (context);
  assert_true (pier_engine_remove (engine, id, TRUE, NULL, &error));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_lists_images_as_the_peer_does),
    cmocka_unit_test (test_tags_and_removes_an_image),
    cmocka_unit_test (test_container_life),
    cmocka_unit_test (test_follow_stop_and_stats),
    cmocka_unit_test (test_save_and_load_round_trip),
    cmocka_unit_test (test_pulls_from_the_test_registry),
    cmocka_unit_test (test_run_attached),
    cmocka_unit_test (test_run_with_a_pty),
    cmocka_unit_test (test_exec),
    cmocka_unit_test (test_list_processes),
    cmocka_unit_test (test_pods),
    cmocka_unit_test (test_graphical_sessions_capability),
    cmocka_unit_test (test_ssh_refusal_says_why),
    cmocka_unit_test (test_events),
    cmocka_unit_test (test_peer_killed_mid_call),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
