/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine against a hostile peer (tests/peers/hostile-peer.py, started here on a
 * socket of the test's): garbage, endless headers, a 10 GB claim or silence make the call fail
 * with a clear error within the timeout, for plain requests and hijacked streams alike. */
#include "test-support.h"

#include "pier-docker-engine-private.h"
#include "pier-docker-hijack.h"
#include "pier-error.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STALL_MS 2000

typedef struct _Hostile {
  char *dir;
  GPid pid;
  PierEngine *engine;
} Hostile;

/* The peer of the running test, stopped by its teardown even when the test failed. */
static struct _Hostile *current;

static Hostile *
hostile_start (const char *mode)
{
  Hostile *h = g_new0 (Hostile, 1);
  g_autofree char *script = g_build_filename (g_getenv ("PIER_SOURCE_DIR"), "tests", "peers",
                                              "hostile-peer.py", NULL);
  g_autofree char *socket_path = NULL, *uri = NULL;
  const char *argv[] = { "python3", script, NULL, mode, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerEndpoint) endpoint = NULL;
  char ready[16] = "";
  int out;
  FILE *f;

  h->dir = pier_test_mkdtemp ();
  socket_path = g_build_filename (h->dir, "hostile.sock", NULL);
  argv[2] = socket_path;
  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 &h->pid, NULL, &out, NULL, &error))
    fail_msg ("hostile-peer.py: %s", error->message);
  f = fdopen (out, "r");
  if (fgets (ready, sizeof ready, f) == NULL || strcmp (ready, "ready\n") != 0)
    fail_msg ("hostile-peer.py did not start: «%s»", ready);
  fclose (f);
  uri = g_strconcat ("unix://", socket_path, NULL);
  endpoint = pier_docker_endpoint_parse (uri, &error);
  h->engine = PIER_ENGINE (pier_docker_engine_new (endpoint, NULL));
  pier_docker_engine_set_timeouts (PIER_DOCKER_ENGINE (h->engine), STALL_MS, STALL_MS);
  current = h;
  return h;
}

static void
hostile_stop (Hostile *h)
{
  current = NULL;
  g_object_unref (h->engine);
  kill (h->pid, SIGKILL);
  waitpid (h->pid, NULL, 0);
  g_spawn_close_pid (h->pid);
  pier_test_rm_rf (h->dir);
  g_free (h->dir);
  g_free (h);
}

/* A plain request and a hijacked one both fail, saying @words, in well under 10 s. */
static void
expect_refusal (const char *mode, const char *words)
{
  Hostile *h = hostile_start (mode);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PierDockerConnection) stream = NULL;
  gint64 start = g_get_monotonic_time ();

  assert_true (pier_engine_ping (h->engine, NULL, &error));
  list = pier_engine_list_containers (h->engine, NULL, &error);
  assert_null (list);
  assert_non_null (error);
  if (strstr (error->message, words) == NULL)
    fail_msg ("%s: «%s» does not say «%s»", mode, error->message, words);
  assert_non_null (strstr (error->message, "hostile.sock"));
  assert_true (g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  stream = pier_docker_client_hijack (PIER_DOCKER_ENGINE (h->engine)->client,
                                      "/exec/anything/start", NULL, NULL, &error);
  assert_null (stream);
  assert_non_null (error);
  assert_non_null (strstr (error->message, "hostile.sock"));
  assert_true (g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC);
  }

static void
test_garbage (void **state)
{
  expect_refusal ("garbage", "hostile.sock");
}

static void
test_endless_header (void **state)
{
  expect_refusal ("endless-header", "KiB of HTTP headers");
}

static void
test_huge_claim (void **state)
{
  expect_refusal ("huge-claim", "10737418240 bytes");
}

static void
test_silence (void **state)
{
  expect_refusal ("silent", "did not answer");
}

/* Nothing listening: the socket is named, and the call does not wait. */
static void
test_no_peer (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerEndpoint) endpoint =
      pier_docker_endpoint_parse ("unix:///nonexistent/pier-test.sock", &error);
  g_autoptr (PierDockerEngine) engine = pier_docker_engine_new (endpoint, NULL);

  assert_false (pier_engine_ping (PIER_ENGINE (engine), NULL, &error));
  assert_non_null (strstr (error->message, "unix:///nonexistent/pier-test.sock"));
}

/* A cancelled call returns at once, even from a peer that says nothing. */
static gpointer
cancel_later (gpointer cancellable)
{
  /* The call is waiting on the silent peer by then; when is not the point. */
  g_usleep (200000);
  g_cancellable_cancel (cancellable);
  return NULL;
}

static gpointer
list_thread (gpointer data)
{
  Hostile *h = data;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  GThread *canceller = g_thread_new ("canceller", cancel_later, cancellable);
  GError *error = NULL;

  pier_docker_engine_set_timeouts (PIER_DOCKER_ENGINE (h->engine), 60000, 60000);
  assert_null (pier_engine_list_containers (h->engine, cancellable, &error));
  g_thread_join (canceller);
  return error;
}

static void
test_cancel (void **state)
{
  Hostile *h = hostile_start ("silent");
  gint64 start = g_get_monotonic_time ();
  GError *error = g_thread_join (g_thread_new ("list", list_thread, h));

  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_true (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC);
  g_error_free (error);
  }

static int
stop_current (void **state)
{
  if (current != NULL)
    hostile_stop (current);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown (test_garbage, stop_current),
    cmocka_unit_test_teardown (test_endless_header, stop_current),
    cmocka_unit_test_teardown (test_huge_claim, stop_current),
    cmocka_unit_test_teardown (test_silence, stop_current),
    cmocka_unit_test_teardown (test_no_peer, stop_current),
    cmocka_unit_test_teardown (test_cancel, stop_current),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
