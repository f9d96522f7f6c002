/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs as root: real network namespaces, the real pier0 bridge, real TCP between them. Traffic
 * only goes to loopback and to the namespaces this test makes. Namespaces are held by file
 * descriptors only, so they (and the veth pairs inside them) vanish with the test process even
 * when it crashes; pier0 itself stays. */
#include "test-support.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 10
#define MAX_NETNS CHILDREN

typedef struct {
  int netns[MAX_NETNS];
  int n_netns;
  GPtrArray *container_ids; /* detached at teardown, so a failed test leaves no veth behind */
} Fixture;

#define REQUIRE_ROOT()                                                                          \
  if (geteuid () != 0)                                                                           \
    {                                                                                            \
      fail_msg ("%s needs root (namespaces, the pier0 bridge): run the tests as root",     \
                __func__);                                                                     \
      return;                                                                                   \
    }

static int
setup (void **state)
{
  Fixture *fx = g_new0 (Fixture, 1);

  fx->container_ids = g_ptr_array_new_with_free_func (g_free);
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *fx = *state;

  if (geteuid () == 0)
    for (guint i = 0; i < fx->container_ids->len; i++)
      pier_network_detach_bridge (fx->container_ids->pdata[i], NULL);
  g_ptr_array_unref (fx->container_ids);
  for (int i = 0; i < fx->n_netns; i++)
    if (fx->netns[i] >= 0)
      close (fx->netns[i]);
  g_free (fx);
  return 0;
}

typedef struct {
  int netns_fd; /* -1: make a new namespace */
  int result;
  int errsv;
} NetnsJob;

static gpointer
netns_thread (gpointer data)
{
  NetnsJob *job = data;

  if (job->netns_fd < 0)
    {
      if (unshare (CLONE_NEWNET) < 0)
        job->errsv = errno;
      else if ((job->result = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
        job->errsv = errno;
    }
  else if (setns (job->netns_fd, CLONE_NEWNET) < 0)
    job->errsv = errno;
  else if ((job->result = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
    job->errsv = errno;
  return NULL;
}

static int
run_netns_job (int netns_fd)
{
  NetnsJob job = { .netns_fd = netns_fd, .result = -1 };

  g_thread_join (g_thread_new ("test-netns", netns_thread, &job));
  if (job.result < 0)
    fail_msg ("%s: %s", netns_fd < 0 ? "unshare(CLONE_NEWNET)" : "socket in namespace",
              g_strerror (job.errsv));
  return job.result;
}

/* A fresh network namespace, held only by the returned descriptor (closed at teardown). */
static int
new_netns (Fixture *fx)
{
  int fd = run_netns_job (-1);

  assert_true (fx->n_netns < MAX_NETNS);
  fx->netns[fx->n_netns++] = fd;
  return fd;
}

/* A TCP socket that lives in @netns_fd's namespace (-1: the host's). */
static int
tcp_socket_in (int netns_fd)
{
  struct timeval timeout = { .tv_sec = 5 };
  int fd = netns_fd < 0 ? socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)
                        : run_netns_job (netns_fd);

  assert_true (fd >= 0);
  assert_int_equal (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout), 0);
  assert_int_equal (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0);
  return fd;
}

static struct sockaddr_in
inet_address (const char *address, int port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };

  assert_int_equal (inet_pton (AF_INET, address, &sin.sin_addr), 1);
  return sin;
}

/* A listener on @address in @netns_fd's namespace; its port in @out_port. */
static int
listen_in (int netns_fd, const char *address, int *out_port)
{
  int fd = tcp_socket_in (netns_fd);
  struct sockaddr_in sin = inet_address (address, 0);
  socklen_t len = sizeof sin;

  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    fail_msg ("binding %s: %s", address, g_strerror (errno));
  assert_int_equal (listen (fd, 4), 0);
  assert_int_equal (getsockname (fd, (struct sockaddr *) &sin, &len), 0);
  *out_port = ntohs (sin.sin_port);
  return fd;
}

/* Connects from @from_netns to @listener (on @address in its own namespace) and sends bytes
 * both ways. */
static void
assert_tcp_works (int from_netns, int listener, const char *address, int port)
{
  pier_autofd int client = tcp_socket_in (from_netns);
  pier_autofd int server = -1;
  struct sockaddr_in sin = inet_address (address, port);
  char buf[8] = { 0 };

  if (connect (client, (struct sockaddr *) &sin, sizeof sin) < 0)
    fail_msg ("connecting to %s:%d: %s", address, port, g_strerror (errno));
  server = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  assert_true (server >= 0);
  assert_int_equal (send (client, "ping", 4, MSG_NOSIGNAL), 4);
  assert_int_equal (recv (server, buf, sizeof buf, 0), 4);
  assert_memory_equal (buf, "ping", 4);
  assert_int_equal (send (server, "pong", 4, MSG_NOSIGNAL), 4);
  assert_int_equal (recv (client, buf, sizeof buf, 0), 4);
  assert_memory_equal (buf, "pong", 4);
}

/* Output of `ip ARGS` run inside @netns_fd's namespace: iproute2 as an independent witness. */
static char *
ip_in (int netns_fd, const char *args)
{
  g_autofree char *command = g_strdup_printf ("nsenter --net=/proc/%d/fd/%d ip %s",
                                              (int) getpid (), netns_fd, args);
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status;

  if (!g_spawn_command_line_sync (command, &out, NULL, &status, &error))
    fail_msg ("%s: %s", command, error->message);
  if (!g_spawn_check_wait_status (status, &error))
    fail_msg ("%s: %s", command, error->message);
  return out;
}

static char *
ip_host (const char *args)
{
  g_autofree char *command = g_strdup_printf ("ip %s", args);
  char *out = NULL;

  assert_true (g_spawn_command_line_sync (command, &out, NULL, NULL, NULL));
  return out;
}

/* Unique to this process and test; the fixture owns it. */
static const char *
container_id (Fixture *fx, const char *name)
{
  static int serial;
  char *id = g_strdup_printf ("test-network-%d-%d-%s", (int) getpid (), ++serial, name);

  g_ptr_array_add (fx->container_ids, id);
  return id;
}

static char *
lease_path (Fixture *fx, const char *address)
{
  return g_build_filename (PIER_NETWORK_LEASE_DIR, address, NULL);
}

static char *
read_lease (Fixture *fx, const char *address)
{
  g_autofree char *path = lease_path (fx, address);
  char *content = NULL;

  if (!g_file_get_contents (path, &content, NULL, NULL))
    return NULL;
  return g_strstrip (content);
}

static PierNetworkLease *
attach (Fixture *fx, int netns_fd, const char *id)
{
  g_autoptr (GError) error = NULL;
  PierNetworkLease *lease = pier_network_attach_bridge (netns_fd, id, &error);

  pier_assert_no_error (error);
  assert_non_null (lease);
  return lease;
}

static void
detach (Fixture *fx, const char *id)
{
  g_autoptr (GError) error = NULL;

  assert_true (pier_network_detach_bridge (id, &error));
  pier_assert_no_error (error);
}

static gboolean
in_bridge_subnet (const char *address)
{
  struct in_addr addr;

  return inet_pton (AF_INET, address, &addr) == 1 && (ntohl (addr.s_addr) >> 16) == 0x0a59
         && strcmp (address, PIER_BRIDGE_GATEWAY) != 0;
}

static void
test_network_mode_strings (void **state)
{
  const char *names[] = { "bridge", "none", "host" };
  g_autoptr (GError) error = NULL;
  PierNetworkMode mode;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      assert_true (pier_network_mode_from_string (names[i], &mode, &error));
      pier_assert_no_error (error);
      assert_string_equal (pier_network_mode_to_string (mode), names[i]);
    }
  assert_false (pier_network_mode_from_string ("bridged", &mode, &error));
  pier_assert_error (error, PIER_ERROR_INVALID);
  assert_non_null (strstr (error->message, "“bridged”"));
  assert_non_null (strstr (error->message, "bridge, none or host"));
}

static void
test_network_loopback_up (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  int netns = new_netns (fx);
  g_autoptr (GError) error = NULL;
  g_autofree char *link = NULL;
  pier_autofd int probe = tcp_socket_in (netns);
  pier_autofd int listener = -1;
  struct sockaddr_in sin = inet_address ("127.0.0.1", 9);
  int port;

  /* A new namespace's loopback is down: nothing reaches 127.0.0.1. */
  assert_int_equal (connect (probe, (struct sockaddr *) &sin, sizeof sin), -1);
  assert_int_equal (errno, ENETUNREACH);

  assert_true (pier_network_loopback_up (netns, &error));
  pier_assert_no_error (error);

  link = ip_in (netns, "-o link show lo");
  assert_non_null (strstr (link, ",UP"));
  listener = listen_in (netns, "127.0.0.1", &port);
  assert_tcp_works (netns, listener, "127.0.0.1", port);

  /* Again: already up is fine. */
  assert_true (pier_network_loopback_up (netns, &error));
  pier_assert_no_error (error);
}

static void
test_network_attach_gives_distinct_addresses (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  int netns_a = new_netns (fx), netns_b = new_netns (fx);
  const char *id_a = container_id (fx, "a"), *id_b = container_id (fx, "b");
  g_autoptr (PierNetworkLease) a = attach (fx, netns_a, id_a);
  g_autoptr (PierNetworkLease) b = attach (fx, netns_b, id_b);
  g_autofree char *owner_a = read_lease (fx, a->address);
  g_autofree char *owner_b = read_lease (fx, b->address);
  g_autofree char *bridge = ip_host ("-o -4 addr show dev " PIER_BRIDGE_NAME);
  g_autofree char *bridge_link = ip_host ("-o link show dev " PIER_BRIDGE_NAME);
  g_autofree char *veth_a = NULL, *eth0_a = NULL, *route_a = NULL, *lo_a = NULL;
  g_autofree char *expected = NULL;
  unsigned int octet3, octet4;

  assert_true (in_bridge_subnet (a->address));
  assert_true (in_bridge_subnet (b->address));
  assert_string_not_equal (a->address, b->address);
  assert_int_equal (a->prefix_len, 16);
  assert_string_equal (a->gateway, PIER_BRIDGE_GATEWAY);
  assert_string_not_equal (a->host_ifname, b->host_ifname);
  assert_true (g_str_has_prefix (a->host_ifname, "veth"));
  assert_int_equal (strlen (a->host_ifname), 12);
  assert_int_equal (sscanf (a->address, "10.89.%u.%u", &octet3, &octet4), 2);
  expected = g_strdup_printf ("02:50:0a:59:%02x:%02x", octet3, octet4);
  assert_string_equal (a->mac, expected);

  /* Leases on disk name their container. */
  assert_non_null (owner_a);
  assert_string_equal (owner_a, id_a);
  assert_non_null (owner_b);
  assert_string_equal (owner_b, id_b);

  /* The bridge: gateway address, up; the host end: on the bridge, up. */
  assert_non_null (strstr (bridge, " " PIER_BRIDGE_GATEWAY "/16 "));
  assert_non_null (strstr (bridge_link, ",UP"));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("-o link show dev %s", a->host_ifname);
  veth_a = ip_host (expected);
  assert_non_null (strstr (veth_a, "master " PIER_BRIDGE_NAME));
  assert_non_null (strstr (veth_a, ",UP"));

  /* The container end, seen from inside. */
  eth0_a = ip_in (netns_a, "-o addr show dev eth0");
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf (" %s/16 ", a->address);
  assert_non_null (strstr (eth0_a, expected));
  g_clear_pointer (&eth0_a, g_free);
  eth0_a = ip_in (netns_a, "-o link show dev eth0");
  assert_non_null (strstr (eth0_a, a->mac));
  assert_non_null (strstr (eth0_a, ",UP"));
  route_a = ip_in (netns_a, "-4 route show default");
  assert_non_null (strstr (route_a, "default via " PIER_BRIDGE_GATEWAY " dev eth0"));
  lo_a = ip_in (netns_a, "-o link show lo");
  assert_non_null (strstr (lo_a, ",UP"));

  detach (fx, id_a);
  detach (fx, id_b);
}

static void
test_network_traffic_both_ways (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  int netns_a = new_netns (fx), netns_b = new_netns (fx);
  const char *id_a = container_id (fx, "a"), *id_b = container_id (fx, "b");
  g_autoptr (PierNetworkLease) a = attach (fx, netns_a, id_a);
  g_autoptr (PierNetworkLease) b = attach (fx, netns_b, id_b);
  pier_autofd int in_a = -1, in_b = -1, on_gateway = -1;
  int port_a, port_b, port_gateway;

  in_a = listen_in (netns_a, a->address, &port_a);
  in_b = listen_in (netns_b, b->address, &port_b);
  on_gateway = listen_in (-1, PIER_BRIDGE_GATEWAY, &port_gateway);

  assert_tcp_works (-1, in_a, a->address, port_a);                     /* host → container */
  assert_tcp_works (netns_a, on_gateway, PIER_BRIDGE_GATEWAY, port_gateway); /* container → host */
  assert_tcp_works (netns_a, in_b, b->address, port_b);                /* container → container */
  assert_tcp_works (netns_b, in_a, a->address, port_a);

  detach (fx, id_a);
  detach (fx, id_b);
}

static void
test_network_detach_frees_lease (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  int netns_a = new_netns (fx), netns_b = new_netns (fx);
  const char *id_a = container_id (fx, "a"), *id_b = container_id (fx, "b");
  g_autoptr (PierNetworkLease) a = attach (fx, netns_a, id_a);
  g_autoptr (PierNetworkLease) b = NULL;
  g_autofree char *lease_a = lease_path (fx, a->address);
  g_autofree char *eth0 = NULL;

  assert_true (if_nametoindex (a->host_ifname) > 0);
  detach (fx, id_a);
  assert_int_equal (if_nametoindex (a->host_ifname), 0);
  assert_false (g_file_test (lease_a, G_FILE_TEST_EXISTS));
  /* The peer went with its host end. */
  eth0 = ip_in (netns_a, "-o link");
  assert_null (strstr (eth0, "eth0"));

  /* Absent is not an error, neither for a detached container nor an unknown one. */
  detach (fx, id_a);
  detach (fx, "never-attached");

  /* The freed address is the lowest free one, so b gets it, unless a container of a suite
   * running beside this one (the bridge and its leases are the host's) took it first: then its
   * lease names that container, not ours. */
  b = attach (fx, netns_b, id_b);
  if (g_strcmp0 (b->address, a->address) != 0)
    {
      g_autofree char *holder = read_lease (fx, a->address);

      assert_non_null (holder);
      assert_string_not_equal (holder, id_a);
      assert_string_not_equal (holder, id_b);
    }
  detach (fx, id_b);
}

static void
test_network_stale_lease_reclaimed (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  const char *id_a = container_id (fx, "a"), *id_b = container_id (fx, "b");
  g_autoptr (PierNetworkLease) a = NULL, b = NULL;
  g_autofree char *owner = NULL;
  int netns_a = run_netns_job (-1);
  int netns_b = new_netns (fx);

  a = attach (fx, netns_a, id_a);
  /* The container dies without a detach: its namespace goes, and the kernel takes the veth pair
   * with it (asynchronously). */
  close (netns_a);
  for (int i = 0; i < 500 && if_nametoindex (a->host_ifname) > 0; i++)
    g_usleep (10000);
  assert_int_equal (if_nametoindex (a->host_ifname), 0);

  b = attach (fx, netns_b, id_b);
  assert_string_equal (b->address, a->address);
  owner = read_lease (fx, b->address);
  assert_string_equal (owner, id_b);
  detach (fx, id_b);
}

static void
test_network_attach_twice_refused (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  int netns_a = new_netns (fx), netns_b = new_netns (fx);
  const char *id = container_id (fx, "a");
  g_autoptr (PierNetworkLease) a = attach (fx, netns_a, id);
  g_autoptr (PierNetworkLease) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = NULL;
  pier_autofd int listener = -1;
  int port;

  again = pier_network_attach_bridge (netns_b, id, &error);
  assert_null (again);
  pier_assert_error (error, PIER_ERROR_EXISTS);
  assert_non_null (strstr (error->message, a->address));

  /* The first attachment is untouched. */
  owner = read_lease (fx, a->address);
  assert_string_equal (owner, id);
  listener = listen_in (netns_a, a->address, &port);
  assert_tcp_works (-1, listener, a->address, port);
  detach (fx, id);
}

static void
test_network_concurrent_attach (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  g_autofree char *lease_dir = g_strdup (PIER_NETWORK_LEASE_DIR);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) dir = NULL;
  const char *ids[CHILDREN];
  int netns[CHILDREN], results[CHILDREN], go[2];
  pid_t pids[CHILDREN];
  int n_leases = 0;

  for (int i = 0; i < CHILDREN; i++)
    {
      g_autofree char *name = g_strdup_printf ("child%d", i);

      ids[i] = container_id (fx, name);
      netns[i] = new_netns (fx);
    }
  assert_int_equal (pipe2 (go, O_CLOEXEC), 0);
  for (int i = 0; i < CHILDREN; i++)
    {
      int result[2];

      assert_int_equal (pipe2 (result, O_CLOEXEC), 0);
      pids[i] = fork ();
      assert_true (pids[i] >= 0);
      if (pids[i] == 0)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (PierNetworkLease) lease = NULL;
          g_autofree char *line = NULL;
          char byte;

          close (go[1]);
          /* Everyone starts at once, when the parent closes the pipe. */
          while (read (go[0], &byte, 1) < 0 && errno == EINTR)
            ;
          lease = pier_network_attach_bridge (netns[i], ids[i], &error);
          line = lease ? g_strdup (lease->address) : g_strdup_printf ("ERROR %s", error->message);
          pier_fs_write_all (result[1], line, strlen (line), NULL);
          _exit (lease ? 0 : 1);
        }
      close (result[1]);
      results[i] = result[0];
    }
  close (go[0]);
  close (go[1]);

  for (int i = 0; i < CHILDREN; i++)
    {
      char line[512] = { 0 };
      int status;
      ssize_t n;

      assert_int_equal (waitpid (pids[i], &status, 0), pids[i]);
      n = read (results[i], line, sizeof line - 1);
      close (results[i]);
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        fail_msg ("child %d: %s", i, n > 0 ? line : "died");
      assert_true (in_bridge_subnet (line));
      if (!g_hash_table_add (seen, g_strdup (line)))
        fail_msg ("two containers got %s", line);
    }

  /* The lease directory is the host's: count only this test's leases. */
  dir = g_dir_open (lease_dir, 0, NULL);
  assert_non_null (dir);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    if (name[0] != '.' && g_hash_table_contains (seen, name))
      n_leases++;
  assert_int_equal (n_leases, CHILDREN);

  for (int i = 0; i < CHILDREN; i++)
    detach (fx, ids[i]);
}

static gboolean
lease_owned_by (const char *lease_dir, const char *id)
{
  g_autoptr (GDir) dir = g_dir_open (lease_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (lease_dir, name, NULL);
      g_autofree char *owner = NULL;
      if (g_file_get_contents (path, &owner, NULL, NULL) && strcmp (g_strstrip (owner), id) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_network_bad_netns_refused (void **state)
{
  REQUIRE_ROOT ();
  Fixture *fx = *state;
  const char *id = container_id (fx, "bad");
  g_autofree char *host_ifname = NULL;
  g_autofree char *lease_dir = g_strdup (PIER_NETWORK_LEASE_DIR);
  pier_autofd int not_ns = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  pier_autofd int mount_ns = open ("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  int bad[] = { not_ns, mount_ns, -1 };

  assert_true (not_ns >= 0 && mount_ns >= 0);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierNetworkLease) lease = NULL;

      lease = pier_network_attach_bridge (bad[i], id, &error);
      assert_null (lease);
      pier_assert_error (error, PIER_ERROR_INVALID);
      assert_non_null (strstr (error->message, "is not a network namespace"));
      g_clear_error (&error);

      assert_false (pier_network_loopback_up (bad[i], &error));
      pier_assert_error (error, PIER_ERROR_INVALID);
      assert_non_null (strstr (error->message, "is not a network namespace"));
    }

  /* Refused before anything was made: no lease names this id. */
  assert_false (lease_owned_by (lease_dir, id));
  {
    g_autoptr (GError) error = NULL;
    int netns = new_netns (fx);
    assert_null (pier_network_attach_bridge (netns, "", &error));
    pier_assert_error (error, PIER_ERROR_INVALID);
    g_clear_error (&error);
    assert_null (pier_network_attach_bridge (netns, "has space", &error));
    pier_assert_error (error, PIER_ERROR_INVALID);
  }
  assert_false (lease_owned_by (lease_dir, id));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_network_mode_strings),
    cmocka_unit_test_setup_teardown (test_network_loopback_up, setup, teardown),
    cmocka_unit_test_setup_teardown (test_network_attach_gives_distinct_addresses, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_network_traffic_both_ways, setup, teardown),
    cmocka_unit_test_setup_teardown (test_network_detach_frees_lease, setup, teardown),
    cmocka_unit_test_setup_teardown (test_network_stale_lease_reclaimed, setup, teardown),
    cmocka_unit_test_setup_teardown (test_network_attach_twice_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_network_concurrent_attach, setup, teardown),
    cmocka_unit_test_setup_teardown (test_network_bad_netns_refused, setup, teardown),
  };
  return cmocka_run_group_tests_name ("network", tests, NULL, NULL);
}
