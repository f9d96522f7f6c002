/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-attach.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox-private.h"
#include "pier-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CLIENT_BACKLOG (4u << 20)

gboolean
pier_attach_address (const char *state_dir, int dirfd, struct sockaddr_un *addr, socklen_t *len,
                     GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, PIER_SANDBOX_ATTACH, NULL);

  memset (addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (strlen (path) >= sizeof addr->sun_path)
    {
      if (dirfd < 0)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("the attach socket path %s is too long"), path);
          return FALSE;
        }
      g_free (path);
      path = g_strdup_printf ("/proc/self/fd/%d/%s", dirfd, PIER_SANDBOX_ATTACH);
    }
  memcpy (addr->sun_path, path, strlen (path) + 1);
  *len = offsetof (struct sockaddr_un, sun_path) + strlen (path) + 1;
  return TRUE;
}

/* ---- server ---- */

typedef struct {
  int fd;
  GQueue queue; /* GBytes: frames not yet accepted by the socket */
  gsize queued;
} Client;

struct _PierAttachServer {
  int listen_fd;
  GPtrArray *clients;
  PierAttachServerCallbacks callbacks;
  gpointer user_data;
};

static void
client_free (Client *client)
{
  close (client->fd);
  g_queue_clear_full (&client->queue, (GDestroyNotify) g_bytes_unref);
  g_free (client);
}

PierAttachServer *
pier_attach_server_new (int listen_fd, const PierAttachServerCallbacks *callbacks,
                        gpointer user_data)
{
  PierAttachServer *server = g_new0 (PierAttachServer, 1);

  server->listen_fd = listen_fd;
  server->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  server->callbacks = *callbacks;
  server->user_data = user_data;
  return server;
}

void
pier_attach_server_free (PierAttachServer *server)
{
  if (server == NULL)
    return;
  if (server->listen_fd >= 0)
    close (server->listen_fd);
  g_ptr_array_unref (server->clients);
  g_free (server);
}

void
pier_attach_server_add_client (PierAttachServer *server, int fd)
{
  Client *client = g_new0 (Client, 1);

  client->fd = fd;
  g_queue_init (&client->queue);
  g_ptr_array_add (server->clients, client);
}

guint
pier_attach_server_prepare (PierAttachServer *server, struct pollfd *fds, guint max)
{
  guint n = 0;

  if (server->listen_fd >= 0 && n < max)
    fds[n++] = (struct pollfd){ .fd = server->listen_fd, .events = POLLIN };
  for (guint i = 0; i < server->clients->len && n < max; i++)
    {
      Client *client = server->clients->pdata[i];
      fds[n++] = (struct pollfd){ .fd = client->fd,
                                  .events = POLLIN | (client->queued ? POLLOUT : 0) };
    }
  return n;
}

/* Sends what is queued; FALSE when the client is gone. */
static gboolean
client_flush (Client *client)
{
  GBytes *frame;

  while ((frame = g_queue_peek_head (&client->queue)) != NULL)
    {
      gsize len;
      const void *data = g_bytes_get_data (frame, &len);
      if (send (client->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        return errno == EAGAIN || errno == EINTR;
      client->queued -= len;
      g_bytes_unref (g_queue_pop_head (&client->queue));
    }
  return TRUE;
}

static gboolean
client_send (Client *client, char type, const void *data, gsize len)
{
  guint8 *frame = g_malloc (len + 1);

  frame[0] = (guint8) type;
  if (len > 0)
    memcpy (frame + 1, data, len);
  if (client->queued + len + 1 > MAX_CLIENT_BACKLOG)
    {
      g_free (frame);
      return FALSE;
    }
  g_queue_push_tail (&client->queue, g_bytes_new_take (frame, len + 1));
  client->queued += len + 1;
  return client_flush (client);
}

/* Handles one packet; FALSE when the client is gone. */
static gboolean
client_read (PierAttachServer *server, Client *client)
{
  guint8 buf[PIER_ATTACH_MAX_PAYLOAD + 1];
  ssize_t n = recv (client->fd, buf, sizeof buf, MSG_DONTWAIT);

  if (n < 0)
    return errno == EAGAIN || errno == EINTR;
  if (n == 0)
    return FALSE;
  switch (buf[0])
    {
    case PIER_ATTACH_STDIN:
      server->callbacks.stdin_data (server->user_data, buf + 1, n - 1);
      break;
    case PIER_ATTACH_STDIN_EOF:
      server->callbacks.stdin_eof (server->user_data);
      break;
    case PIER_ATTACH_RESIZE:
      if (n == 5)
        server->callbacks.resize (server->user_data, (guint16) ((buf[1] << 8) | buf[2]),
                                  (guint16) ((buf[3] << 8) | buf[4]));
      break;
    default:
      break; /* unknown frames are ignored, for newer clients */
    }
  return TRUE;
}

void
pier_attach_server_dispatch (PierAttachServer *server, const struct pollfd *fds, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      if (fds[i].revents == 0)
        continue;
      if (fds[i].fd == server->listen_fd)
        {
          int fd = accept4 (server->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (fd >= 0)
            pier_attach_server_add_client (server, fd);
          continue;
        }
      for (guint j = 0; j < server->clients->len; j++)
        {
          Client *client = server->clients->pdata[j];
          gboolean alive = TRUE;

          if (client->fd != fds[i].fd)
            continue;
          if (fds[i].revents & POLLOUT)
            alive = client_flush (client);
          if (alive && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            alive = client_read (server, client);
          if (!alive)
            g_ptr_array_remove_index (server->clients, j);
          break;
        }
    }
}

void
pier_attach_server_broadcast (PierAttachServer *server, char type, const void *data, gsize len)
{
  for (gsize at = 0; at < len; at += PIER_ATTACH_MAX_PAYLOAD)
    {
      gsize chunk = MIN (len - at, (gsize) PIER_ATTACH_MAX_PAYLOAD);
      for (guint j = server->clients->len; j-- > 0;)
        if (!client_send (server->clients->pdata[j], type, (const guint8 *) data + at, chunk))
          g_ptr_array_remove_index (server->clients, j);
    }
}

void
pier_attach_server_finish (PierAttachServer *server, int exit_code)
{
  guint8 code[4] = { (guint8) (exit_code >> 24), (guint8) (exit_code >> 16),
                     (guint8) (exit_code >> 8), (guint8) exit_code };
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

  if (server->listen_fd >= 0)
    {
      close (server->listen_fd);
      server->listen_fd = -1;
    }
  for (guint j = 0; j < server->clients->len; j++)
    {
      Client *client = server->clients->pdata[j];

      if (!client_send (client, PIER_ATTACH_EXIT, code, sizeof code))
        continue;
      while (client->queued > 0 && g_get_monotonic_time () < deadline)
        {
          struct pollfd pfd = { .fd = client->fd, .events = POLLOUT };
          poll (&pfd, 1, 50);
          if (!client_flush (client))
            break;
        }
    }
  g_ptr_array_set_size (server->clients, 0);
}

/* ---- client ---- */

typedef struct {
  int in_fd;
  gboolean raw;
  struct termios saved;
  int sigfd;
  sigset_t old_mask;
} Terminal;

static gboolean
terminal_size (int in_fd, int out_fd, guint16 *rows, guint16 *cols)
{
  struct winsize ws;

  if (ioctl (in_fd, TIOCGWINSZ, &ws) < 0 && ioctl (out_fd, TIOCGWINSZ, &ws) < 0)
    return FALSE;
  *rows = ws.ws_row;
  *cols = ws.ws_col;
  return ws.ws_row > 0 && ws.ws_col > 0;
}

/* Raw mode on a local terminal and SIGWINCH as a descriptor, for the length of a relay. */
static void
terminal_enter (Terminal *t, int in_fd, gboolean tty)
{
  sigset_t winch;

  t->in_fd = in_fd;
  t->raw = FALSE;
  t->sigfd = -1;
  if (!tty)
    return;
  if (in_fd >= 0 && isatty (in_fd) && tcgetattr (in_fd, &t->saved) == 0)
    {
      struct termios raw = t->saved;
      cfmakeraw (&raw);
      t->raw = tcsetattr (in_fd, TCSANOW, &raw) == 0;
    }
  sigemptyset (&winch);
  sigaddset (&winch, SIGWINCH);
  pthread_sigmask (SIG_BLOCK, &winch, &t->old_mask);
  t->sigfd = signalfd (-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void
terminal_leave (Terminal *t)
{
  if (t->raw)
    tcsetattr (t->in_fd, TCSANOW, &t->saved);
  if (t->sigfd >= 0)
    {
      close (t->sigfd);
      pthread_sigmask (SIG_SETMASK, &t->old_mask, NULL);
    }
}

static gboolean
terminal_resized (Terminal *t)
{
  struct signalfd_siginfo info;
  gboolean any = FALSE;

  while (read (t->sigfd, &info, sizeof info) == sizeof info)
    any = TRUE;
  return any;
}

static gboolean
send_frame (int conn, char type, const void *data, gsize len, GError **error)
{
  guint8 frame[PIER_ATTACH_MAX_PAYLOAD + 1];

  frame[0] = (guint8) type;
  memcpy (frame + 1, data, len);
  while (send (conn, frame, len + 1, MSG_NOSIGNAL) < 0)
    {
      /* The monitor closed its end: the container has exited and what it wrote, and its exit
       * code, are still there to read. Nothing more goes in. */
      if (errno == EPIPE || errno == ECONNRESET)
        return TRUE;
      if (errno != EINTR)
        return pier_set_errno (error, errno, _("sending to the container"));
    }
  return TRUE;
}

static gboolean
send_size (int conn, int in_fd, int out_fd, GError **error)
{
  guint16 rows, cols;
  guint8 payload[4];

  if (!terminal_size (in_fd, out_fd, &rows, &cols))
    return TRUE;
  payload[0] = rows >> 8;
  payload[1] = rows & 0xff;
  payload[2] = cols >> 8;
  payload[3] = cols & 0xff;
  return send_frame (conn, PIER_ATTACH_RESIZE, payload, sizeof payload, error);
}

int
pier_sandbox_attach_connect (const char *state_dir, GError **error)
{
  pier_autofd int dirfd = open (state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct sockaddr_un addr;
  socklen_t len;
  int fd;

  if (dirfd < 0)
    {
      pier_set_errno (error, errno, _("opening %s"), state_dir);
      return -1;
    }
  if (!pier_attach_address (state_dir, dirfd, &addr, &len, error))
    return -1;
  fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      pier_set_errno (error, errno, _("creating a socket"));
      return -1;
    }
  if (connect (fd, (struct sockaddr *) &addr, len) < 0)
    {
      int errsv = errno;
      close (fd);
      if (errsv == ENOENT || errsv == ECONNREFUSED)
        g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("the container is not running"));
      else
        pier_set_errno (error, errsv, _("connecting to the container's monitor"));
      return -1;
    }
  return fd;
}

gboolean
pier_sandbox_attach_relay (int conn_fd, int in_fd, int out_fd, int err_fd, gboolean tty,
                           int *exit_code, GError **error)
{
  Terminal term;
  guint8 buf[PIER_ATTACH_MAX_PAYLOAD + 1];
  gboolean done = FALSE, ok = TRUE;
  int input = in_fd;

  terminal_enter (&term, in_fd, tty);
  if (tty)
    ok = send_size (conn_fd, in_fd, out_fd, error);
  while (ok && !done)
    {
      struct pollfd pfds[3] = {
        { .fd = conn_fd, .events = POLLIN },
        { .fd = input, .events = POLLIN },
        { .fd = term.sigfd, .events = POLLIN },
      };
      ssize_t n;

      if (poll (pfds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ok = pier_set_errno (error, errno, _("waiting for the container"));
          break;
        }
      if (pfds[2].revents & POLLIN && terminal_resized (&term))
        ok = send_size (conn_fd, in_fd, out_fd, error);
      if (ok && pfds[1].revents)
        {
          n = read (input, buf, PIER_ATTACH_MAX_PAYLOAD);
          if (n > 0)
            ok = send_frame (conn_fd, PIER_ATTACH_STDIN, buf, n, error);
          else if (n == 0 || errno != EINTR)
            {
              ok = send_frame (conn_fd, PIER_ATTACH_STDIN_EOF, NULL, 0, error);
              input = -1;
            }
        }
      if (ok && pfds[0].revents)
        {
          n = recv (conn_fd, buf, sizeof buf, 0);
          /* A reset says the monitor closed without reading all we sent (a size, a key): the
           * kernel reports it, once, ahead of what the monitor sent before, which follows. */
          if (n < 0 && (errno == EINTR || errno == ECONNRESET))
            continue;
          if (n <= 0)
            {
              g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                           _("the container's monitor went away without an exit status"));
              ok = FALSE;
            }
          else if (buf[0] == PIER_ATTACH_STDOUT || buf[0] == PIER_ATTACH_STDERR)
            {
              int fd = buf[0] == PIER_ATTACH_STDERR && err_fd >= 0 ? err_fd : out_fd;
              /* A closed local output (`| head`) stops the copy, not the relay. */
              if (fd >= 0 && !pier_fs_write_all (fd, buf + 1, n - 1, NULL))
                out_fd = err_fd = -1;
            }
          else if (buf[0] == PIER_ATTACH_EXIT && n == 5)
            {
              *exit_code = (int) (((guint32) buf[1] << 24) | ((guint32) buf[2] << 16)
                                  | ((guint32) buf[3] << 8) | buf[4]);
              done = TRUE;
            }
        }
    }
  terminal_leave (&term);
  return ok;
}

gboolean
pier_attach_relay_pty (int master, int in_fd, int out_fd, GError **error)
{
  Terminal term;
  guint8 buf[PIER_ATTACH_MAX_PAYLOAD];
  int input = in_fd;
  gboolean ok = TRUE;
  guint16 rows, cols;

  terminal_enter (&term, in_fd, TRUE);
  if (terminal_size (in_fd, out_fd, &rows, &cols))
    ioctl (master, TIOCSWINSZ, &(struct winsize){ .ws_row = rows, .ws_col = cols });
  for (;;)
    {
      struct pollfd pfds[3] = {
        { .fd = master, .events = POLLIN },
        { .fd = input, .events = POLLIN },
        { .fd = term.sigfd, .events = POLLIN },
      };
      ssize_t n;

      if (poll (pfds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          ok = pier_set_errno (error, errno, _("waiting for the terminal"));
          break;
        }
      if (pfds[2].revents & POLLIN && terminal_resized (&term)
          && terminal_size (in_fd, out_fd, &rows, &cols))
        ioctl (master, TIOCSWINSZ, &(struct winsize){ .ws_row = rows, .ws_col = cols });
      if (pfds[1].revents)
        {
          n = read (input, buf, sizeof buf);
          if (n > 0)
            pier_fs_write_all (master, buf, n, NULL);
          else if (n == 0 || errno != EINTR)
            input = -1; /* the terminal stays open: the process decides when it is done */
        }
      if (pfds[0].revents)
        {
          n = read (master, buf, sizeof buf);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0) /* EIO: the last slave is closed */
            break;
          if (out_fd >= 0 && !pier_fs_write_all (out_fd, buf, n, NULL))
            out_fd = -1;
        }
    }
  terminal_leave (&term);
  return ok;
}
