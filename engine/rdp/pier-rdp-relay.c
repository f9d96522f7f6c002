/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pier-rdp-relay: a Unix socket on the host, TCP inside a container's network namespace. */
#include "pier-rdp-relay.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIER_LIBEXECDIR
#define PIER_LIBEXECDIR "/usr/local/libexec"
#endif

extern char **environ;

/* Enough for a burst of RDP updates per read; each direction has one. */
#define LINK_BUFFER_SIZE (64 * 1024)
/* RDP clients open one connection each (two for a reconnect that overlaps); more is abuse. */
#define MAX_LINKS 32
#define REPORT_TIMEOUT_MS 10000

/* ---- the caller's side ---- */

static char *
find_relay (GError **error)
{
  const char *env = g_getenv ("PIER_RDP_RELAY_PATH");
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *installed = g_build_filename (PIER_LIBEXECDIR, "pier-rdp-relay", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      g_autofree char *beside = g_build_filename (dir, "pier-rdp-relay", NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&installed);
  g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
               _("pier-rdp-relay is neither next to %s nor in %s (PIER_RDP_RELAY_PATH names "
                 "another)"), self ? self : "this program", PIER_LIBEXECDIR);
  return NULL;
}

static gboolean
make_unix_address (const char *path, struct sockaddr_un *addr, GError **error)
{
  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr->sun_path)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("the socket path %s is longer than a Unix socket address allows (%zu bytes)"),
                   path, sizeof addr->sun_path - 1);
      return FALSE;
    }
  strcpy (addr->sun_path, path);
  return TRUE;
}

int
pier_rdp_relay_connect (const char *socket_path, GError **error)
{
  struct sockaddr_un addr;
  pier_autofd int fd = -1;

  if (!make_unix_address (socket_path, &addr, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      pier_set_errno (error, errno, _("connecting to %s"), socket_path);
      return -1;
    }
  return g_steal_fd (&fd);
}

gboolean
pier_rdp_relay_is_serving (const char *socket_path)
{
  pier_autofd int fd = pier_rdp_relay_connect (socket_path, NULL);

  return fd >= 0;
}

gboolean
pier_rdp_relay_spawn (const char *socket_path, pid_t target_pid, guint64 target_start_time,
                      guint16 port, GError **error)
{
  g_autofree char *relay = find_relay (error);
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) target_pid);
  g_autofree char *start_text = g_strdup_printf ("%" G_GUINT64_FORMAT, target_start_time);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *report = NULL;
  posix_spawn_file_actions_t actions;
  pier_autofd int report_r = -1;
  pier_autofd int report_w = -1;
  int fds[2];
  pid_t pid;
  int rc, status;
  gsize len = 0;

  if (relay == NULL)
    return FALSE;
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return pier_set_errno (error, errno, _("creating the relay's report pipe"));
  report_r = fds[0];
  /* Above the standard descriptors, so that the dup2 onto 3 never meets it. */
  report_w = fcntl (fds[1], F_DUPFD_CLOEXEC, 10);
  close (fds[1]);
  if (report_w < 0)
    return pier_set_errno (error, errno, _("creating the relay's report pipe"));

  {
    const char *argv[] = { relay, "--socket", socket_path, "--pid", pid_text, "--start-time",
                           start_text, "--port", port_text, "--report-fd", "3", NULL };
    posix_spawn_file_actions_init (&actions);
    posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_adddup2 (&actions, 0, 1);
    posix_spawn_file_actions_adddup2 (&actions, 0, 2);
    posix_spawn_file_actions_adddup2 (&actions, report_w, 3);
    rc = posix_spawn (&pid, relay, &actions, NULL, (char *const *) argv, environ);
    posix_spawn_file_actions_destroy (&actions);
  }
  if (rc != 0)
    return pier_set_errno (error, rc, _("starting %s"), relay);
  close (g_steal_fd (&report_w));

  /* The report ends when the relay has detached (its first process exits at once, the
   * detached one closes its copy after writing). */
  {
    GString *text = g_string_new (NULL);
    gint64 deadline = g_get_monotonic_time () + REPORT_TIMEOUT_MS * 1000;
    for (;;)
      {
        struct pollfd pfd = { .fd = report_r, .events = POLLIN };
        int left = (int) ((deadline - g_get_monotonic_time ()) / 1000);
        char chunk[512];
        ssize_t n;

        if (left <= 0 || poll (&pfd, 1, left) == 0)
          {
            g_string_free (text, TRUE);
            kill (pid, SIGKILL);
            waitpid (pid, NULL, 0);
            g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                         _("pier-rdp-relay did not report within %d seconds"),
                         REPORT_TIMEOUT_MS / 1000);
            return FALSE;
          }
        n = read (report_r, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        g_string_append_len (text, chunk, n);
      }
    len = text->len;
    report = g_string_free (text, FALSE);
  }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (len >= 3 && strcmp (report, "ok\n") == 0)
    return TRUE;
  g_strchomp (report);
  g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("the RDP relay could not start: %s"),
               *report != '\0' ? report : "it ended without saying why");
  return FALSE;
}

/* ---- the relay ---- */

typedef struct {
  /* [0] the client on the Unix socket, [1] the server in the container (-1 until the client
   * first sends). Direction d carries what fd[d] sends to fd[1 - d]. */
  int fd[2];
  char *buffer[2];
  gsize length[2], offset[2];
  gboolean ended[2];    /* fd[d] will send no more */
  gboolean shut[2];     /* fd[1 - d] was told so (shutdown SHUT_WR) */
} Link;

typedef struct {
  guint16 port;
  Link *links[MAX_LINKS];
  guint n_links;
} Relay;

static void
link_close (Link *link)
{
  for (int d = 0; d < 2; d++)
    {
      if (link->fd[d] >= 0)
        close (link->fd[d]);
      g_free (link->buffer[d]);
    }
  g_free (link);
}

static int
connect_server (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  /* Loopback answers at once: a blocking connect costs nothing here. */
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      close (fd);
      return -1;
    }
  /* RDP is interactive: a key press must not wait for Nagle. */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* Moves what it can in both directions; FALSE when the link is finished or broken. */
static gboolean
link_pump (Link *link, const short revents[2], guint16 port)
{
  if (link->fd[1] < 0)
    {
      ssize_t n;

      if (!(revents[0] & (POLLIN | POLLHUP | POLLERR)))
        return TRUE;
      n = read (link->fd[0], link->buffer[0], LINK_BUFFER_SIZE);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return TRUE;
      /* A client that leaves without a word (a liveness check) never reaches the server. */
      if (n <= 0 || (link->fd[1] = connect_server (port)) < 0)
        return FALSE;
      link->length[0] = n;
    }
  for (int d = 0; d < 2; d++)
    {
      int src = link->fd[d], dst = link->fd[1 - d];

      if (link->length[d] == 0 && !link->ended[d] && (revents[d] & (POLLIN | POLLHUP | POLLERR)))
        {
          ssize_t n = read (src, link->buffer[d], LINK_BUFFER_SIZE);
          if (n > 0)
            {
              link->length[d] = n;
              link->offset[d] = 0;
            }
          else if (n == 0)
            link->ended[d] = TRUE;
          else if (errno != EAGAIN && errno != EINTR)
            return FALSE;
        }
      if (link->length[d] > 0)
        {
          ssize_t n = send (dst, link->buffer[d] + link->offset[d],
                            link->length[d] - link->offset[d], MSG_NOSIGNAL);
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            return FALSE;
          if (n > 0)
            link->offset[d] += n;
          if (link->offset[d] == link->length[d])
            link->length[d] = link->offset[d] = 0;
        }
      if (link->ended[d] && link->length[d] == 0 && !link->shut[d])
        {
          shutdown (dst, SHUT_WR);
          link->shut[d] = TRUE;
        }
    }
  return !(link->shut[0] && link->shut[1]);
}

static short
link_events (const Link *link, int side)
{
  short events = 0;

  if (link->fd[side] < 0)
    return 0;
  if (!link->ended[side] && link->length[side] == 0)
    events |= POLLIN;
  if (link->length[1 - side] > 0)
    events |= POLLOUT;
  return events;
}

static void
accept_clients (Relay *relay, int listen_fd)
{
  for (;;)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      Link *link;

      if (fd < 0)
        return;
      if (relay->n_links == MAX_LINKS)
        {
          close (fd);
          continue;
        }
      link = g_new0 (Link, 1);
      link->fd[0] = fd;
      link->fd[1] = -1;
      link->buffer[0] = g_malloc (LINK_BUFFER_SIZE);
      link->buffer[1] = g_malloc (LINK_BUFFER_SIZE);
      relay->links[relay->n_links++] = link;
    }
}

/* Serves until the container's init ends or a signal asks to stop. */
static void
relay_run (Relay *relay, int listen_fd, int pidfd, int signal_fd)
{
  for (;;)
    {
      struct pollfd pfds[3 + 2 * MAX_LINKS];
      guint n_links = relay->n_links;
      guint kept = 0;

      pfds[0] = (struct pollfd){ .fd = signal_fd, .events = POLLIN };
      pfds[1] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
      pfds[2] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
      for (guint i = 0; i < n_links; i++)
        for (int side = 0; side < 2; side++)
          pfds[3 + 2 * i + side] = (struct pollfd){ .fd = relay->links[i]->fd[side],
                                                    .events = link_events (relay->links[i], side) };
      if (poll (pfds, 3 + 2 * n_links, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return;
        }
      if (pfds[0].revents != 0 || pfds[1].revents != 0)
        return;
      for (guint i = 0; i < n_links; i++)
        {
          Link *link = relay->links[i];
          const short revents[2] = { pfds[3 + 2 * i].revents, pfds[4 + 2 * i].revents };

          if (link_pump (link, revents, relay->port))
            relay->links[kept++] = link;
          else
            link_close (link);
        }
      /* Links accepted below were not polled yet; they keep their places after the others. */
      memmove (&relay->links[kept], &relay->links[n_links],
               (relay->n_links - n_links) * sizeof (Link *));
      relay->n_links = kept + (relay->n_links - n_links);
      if (pfds[2].revents & POLLIN)
        accept_clients (relay, listen_fd);
    }
}

static void
report_line (int fd, const char *text)
{
  if (fd >= 0)
    pier_fs_write_all (fd, text, strlen (text), NULL);
}

/* The socket, bound with mode 0600 from the start (umask), never a moment wider. */
static int
bind_socket (const char *path, struct stat *st, GError **error)
{
  struct sockaddr_un addr;
  pier_autofd int fd = -1;
  mode_t old_mask;
  int rc;

  if (!make_unix_address (path, &addr, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    {
      pier_set_errno (error, errno, _("creating a Unix socket"));
      return -1;
    }
  old_mask = umask (0177);
  rc = bind (fd, (struct sockaddr *) &addr, sizeof addr);
  umask (old_mask);
  if (rc < 0)
    {
      pier_set_errno (error, errno, _("binding %s"), path);
      return -1;
    }
  if (chmod (path, 0600) < 0 || stat (path, st) < 0 || listen (fd, MAX_LINKS) < 0)
    {
      pier_set_errno (error, errno, _("setting up %s"), path);
      unlink (path);
      return -1;
    }
  return g_steal_fd (&fd);
}

/* Removes the socket if it is still the one this relay bound (a newer relay may have taken
 * the path since). */
static void
unlink_own_socket (const char *path, const struct stat *bound)
{
  struct stat st;

  if (stat (path, &st) == 0 && st.st_ino == bound->st_ino && st.st_dev == bound->st_dev)
    unlink (path);
}

int
pier_rdp_relay_main (int argc, char **argv)
{
  g_autofree char *socket_path = NULL;
  int target_pid = 0, port = PIER_RDP_PORT, report_fd = -1;
  g_autofree char *start_text = NULL;
  const GOptionEntry entries[] = {
    { "socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path, "The Unix socket to serve", "PATH" },
    { "pid", 0, 0, G_OPTION_ARG_INT, &target_pid, "The container's init (host pid)", "PID" },
    { "start-time", 0, 0, G_OPTION_ARG_STRING, &start_text, "Its start time", "TICKS" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The server's port on 127.0.0.1", "PORT" },
    { "report-fd", 0, 0, G_OPTION_ARG_INT, &report_fd, "Where to report readiness", "FD" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  Relay relay = { 0 };
  pier_autofd int pidfd = -1;
  pier_autofd int listen_fd = -1;
  pier_autofd int signal_fd = -1;
  guint64 start_time = 0;
  struct stat bound;
  sigset_t stop_signals;
  pid_t child;

  g_option_context_set_summary (context, "Relays a Unix socket to an RDP server inside a "
                                         "container's network namespace.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    goto failed;
  if (socket_path == NULL || target_pid <= 0 || start_text == NULL || port <= 0 || port > 65535
      || !g_ascii_string_to_unsigned (start_text, 10, 1, G_MAXUINT64, &start_time, NULL))
    {
      g_set_error (&error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("give --socket, --pid, --start-time and a valid --port"));
      goto failed;
    }
  relay.port = (guint16) port;
  pidfd = pier_pidfd_open_checked (target_pid, start_time);
  if (pidfd < 0)
    {
      g_set_error (&error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                   _("the container's init (pid %d) is no longer running"), target_pid);
      goto failed;
    }
  listen_fd = bind_socket (socket_path, &bound, &error);
  if (listen_fd < 0)
    goto failed;
  if (setns (pidfd, CLONE_NEWNET) < 0)
    {
      pier_set_errno (&error, errno, _("entering the network namespace of pid %d"), target_pid);
      unlink_own_socket (socket_path, &bound);
      goto failed;
    }
  sigemptyset (&stop_signals);
  sigaddset (&stop_signals, SIGTERM);
  sigaddset (&stop_signals, SIGINT);
  sigaddset (&stop_signals, SIGHUP);
  sigprocmask (SIG_BLOCK, &stop_signals, NULL);
  signal (SIGPIPE, SIG_IGN);
  signal_fd = signalfd (-1, &stop_signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0)
    {
      pier_set_errno (&error, errno, _("creating a signalfd"));
      unlink_own_socket (socket_path, &bound);
      goto failed;
    }

  /* Detach: the caller reaps the first process at once; the relay lives on in a session of
   * its own, adopted by the system's reaper, and ends with the container. */
  child = fork ();
  if (child < 0)
    {
      pier_set_errno (&error, errno, _("forking"));
      unlink_own_socket (socket_path, &bound);
      goto failed;
    }
  if (child > 0)
    _exit (0);
  setsid ();
  report_line (report_fd, "ok\n");
  if (report_fd >= 0)
    close (report_fd);

  relay_run (&relay, listen_fd, pidfd, signal_fd);
  unlink_own_socket (socket_path, &bound);
  for (guint i = 0; i < relay.n_links; i++)
    link_close (relay.links[i]);
  return 0;

failed:
  report_line (report_fd, error->message);
  fprintf (stderr, "pier-rdp-relay: %s\n", error->message);
  return 1;
}
