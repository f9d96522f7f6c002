/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierRdpSession without a server: failures in words, disconnecting while the RDP thread is
 * still connecting, and FreeRDP's keycode table. The sessions against real servers are in
 * test-rdp-view.sh. */
#include "test-support.h"

#include "pier-rdp-session.h"

#include <freerdp/scancode.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* Well formed, and matching no certificate that any test meets. */
#define SOME_FINGERPRINT                                                                        \
  "sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"                                    \
  "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff"

/* A listening TCP socket on loopback that never accepts: connecting succeeds, and then nothing
 * ever answers. Returns its fd; *port gets its port. */
static int
silent_listener (guint16 *port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  assert_true (fd >= 0);
  assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
  assert_int_equal (listen (fd, 4), 0);
  assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &len), 0);
  *port = ntohs (addr.sin_port);
  return fd;
}

/* Iterates the main context until @session is in @state, at most @seconds. */
static gboolean
wait_for_state (PierRdpSession *session, PierRdpSessionState state, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (pier_rdp_session_get_state (session) != state && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  return pier_rdp_session_get_state (session) == state;
}

static void
iterate_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
}

static void
test_rdp_session_closed_port_is_an_error (void **state)
{
  guint16 port;
  int fd = silent_listener (&port);
  g_autofree char *target = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (PierRdpSession) session = NULL;

  close (fd); /* nothing listens there any more */
  target = g_strdup_printf ("127.0.0.1:%u", port);
  session = pier_rdp_session_new (target, SOME_FINGERPRINT);
  pier_rdp_session_connect (session);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_CONNECTING);
  assert_true (wait_for_state (session, PIER_RDP_SESSION_STATE_ERROR, 20));
  expected = g_strdup_printf ("cannot connect to %s: ", target);
  assert_true (g_str_has_prefix (pier_rdp_session_get_error (session), expected));
}

static void
test_rdp_session_missing_socket_is_an_error (void **state)
{
  g_autofree char *dir = pier_test_mkdtemp ();
  g_autofree char *socket_path = g_build_filename (dir, "absent.sock", NULL);
  g_autoptr (PierRdpSession) session = pier_rdp_session_new (socket_path, SOME_FINGERPRINT);

  pier_rdp_session_connect (session);
  assert_true (wait_for_state (session, PIER_RDP_SESSION_STATE_ERROR, 20));
  assert_non_null (strstr (pier_rdp_session_get_error (session), socket_path));
  pier_test_rm_rf (dir);
}

static void
test_rdp_session_disconnect_while_connecting (void **state)
{
  guint16 port;
  int fd = silent_listener (&port);
  g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr (PierRdpSession) session = pier_rdp_session_new (target, SOME_FINGERPRINT);
  gint64 start;

  pier_rdp_session_connect (session);
  iterate_for (0.5);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_CONNECTING);

  /* FreeRDP is blocked waiting for the server's answer; disconnecting aborts it. */
  start = g_get_monotonic_time ();
  pier_rdp_session_disconnect (session);
  assert_true (g_get_monotonic_time () - start < 3 * G_USEC_PER_SEC);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_DISCONNECTED);
  assert_null (pier_rdp_session_get_error (session));

  /* What the ended connection posted before it was joined changes nothing. */
  iterate_for (0.5);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_DISCONNECTED);
  close (fd);
}

static void
test_rdp_session_reconnect_after_error (void **state)
{
  g_autoptr (PierRdpSession) session = pier_rdp_session_new ("/nonexistent/pier/rdp.sock", SOME_FINGERPRINT);

  pier_rdp_session_connect (session);
  assert_true (wait_for_state (session, PIER_RDP_SESSION_STATE_ERROR, 20));
  pier_rdp_session_reconnect (session);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_CONNECTING);
  assert_null (pier_rdp_session_get_error (session));
  assert_true (wait_for_state (session, PIER_RDP_SESSION_STATE_ERROR, 20));
}

static void
test_rdp_session_connect_twice_is_one_connection (void **state)
{
  guint16 port;
  int fd = silent_listener (&port);
  g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr (PierRdpSession) session = pier_rdp_session_new (target, SOME_FINGERPRINT);

  pier_rdp_session_connect (session);
  pier_rdp_session_connect (session);
  iterate_for (0.3);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_CONNECTING);
  /* Disposing joins the RDP thread: the test would hang or crash if a second thread ran. */
  g_clear_object (&session);
  close (fd);
}

static void
test_rdp_session_without_fingerprint_refuses_to_connect (void **state)
{
  g_autoptr (PierRdpSession) session = pier_rdp_session_new ("127.0.0.1:3389", NULL);

  pier_rdp_session_connect (session);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_ERROR);
  assert_string_equal (pier_rdp_session_get_error (session),
                       "no certificate fingerprint was given for 127.0.0.1:3389, so its server "
                       "cannot be trusted");
}

static void
test_rdp_session_malformed_fingerprint_refuses_to_connect (void **state)
{
  g_autoptr (PierRdpSession) session = pier_rdp_session_new ("127.0.0.1:3389", "sha256:zz");

  pier_rdp_session_connect (session);
  assert_int_equal (pier_rdp_session_get_state (session), PIER_RDP_SESSION_STATE_ERROR);
  assert_non_null (strstr (pier_rdp_session_get_error (session), "“sha256:zz”"));
}

/* GDK's keycodes (evdev + 8) give RDP scancodes, extended keys with FreeRDP's extended bit. Run
 * without an X display, where FreeRDP's table is built from evdev codes. */
static void
test_rdp_session_scancodes_from_keycodes (void **state)
{
  g_autoptr (PierRdpSession) session = pier_rdp_session_new ("/nonexistent", NULL);

  assert_int_equal (pier_rdp_session_scancode_from_keycode (38), RDP_SCANCODE_KEY_A);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (36), RDP_SCANCODE_RETURN);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (50), RDP_SCANCODE_LSHIFT);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (105), RDP_SCANCODE_RCONTROL);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (108), RDP_SCANCODE_RMENU);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (111), RDP_SCANCODE_UP);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (104), RDP_SCANCODE_RETURN_KP);
  assert_int_equal (pier_rdp_session_scancode_from_keycode (0), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rdp_session_scancodes_from_keycodes),
    cmocka_unit_test (test_rdp_session_without_fingerprint_refuses_to_connect),
    cmocka_unit_test (test_rdp_session_malformed_fingerprint_refuses_to_connect),
    cmocka_unit_test (test_rdp_session_closed_port_is_an_error),
    cmocka_unit_test (test_rdp_session_missing_socket_is_an_error),
    cmocka_unit_test (test_rdp_session_disconnect_while_connecting),
    cmocka_unit_test (test_rdp_session_reconnect_after_error),
    cmocka_unit_test (test_rdp_session_connect_twice_is_one_connection),
  };

  /* FreeRDP reads the keymap of $DISPLAY when there is one; these tests want the same table
   * wherever they run. */
  g_unsetenv ("DISPLAY");
  g_setenv ("WLOG_LEVEL", "OFF", TRUE);
  return cmocka_run_group_tests_name ("rdp-session", tests, NULL, NULL);
}
