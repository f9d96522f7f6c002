/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PierDockerEngine: an exec's terminal as a real pty. A terminal widget needs a pty's master
 * (VTE sets its size and modes there), where the peer gives a socket: the front end gets the
 * master of a pty of ours, and a thread carries the bytes between its other end, in raw mode
 * (the peer's own pty does the line discipline), and the exec's stream. The sizes the widget
 * sets are read back from the pty and sent to the peer. */
#include "pier-docker-engine-private.h"

#include "pier-docker-hijack.h"
#include "pier-error.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* How often a size change is looked for: a person resizing a window does not notice it. */
#define SIZE_POLL_MS 200

typedef struct {
  PierDockerEngine *engine;
  char *exec_id;
  PierDockerConnection *stream;
  int pty; /* the other end of the front end's master */
  int stop;
} PtyRelay;

static void
pty_relay_free (PtyRelay *relay)
{
  pier_docker_connection_close (relay->stream);
  close (relay->pty);
  close (relay->stop);
  g_free (relay->exec_id);
  g_object_unref (relay->engine);
  g_free (relay);
}

static gpointer
size_thread (gpointer data)
{
  PtyRelay *relay = data;
  struct winsize sent = { 0 };

  for (;;)
    {
      struct pollfd stop = { .fd = relay->stop, .events = POLLIN };
      struct winsize now;

      if (poll (&stop, 1, SIZE_POLL_MS) != 0 && (stop.revents != 0 || errno != EINTR))
        break;
      if (ioctl (relay->pty, TIOCGWINSZ, &now) < 0 || now.ws_row == 0 || now.ws_col == 0
          || (now.ws_row == sent.ws_row && now.ws_col == sent.ws_col))
        continue;
      pier_docker_engine_resize (relay->engine, "exec", relay->exec_id, now.ws_row, now.ws_col);
      sent = now;
    }
  return NULL;
}

static gpointer
relay_thread (gpointer data)
{
  PtyRelay *relay = data;
  GThread *sizes = g_thread_new ("pier-docker-pty-size", size_thread, relay);
  g_autoptr (GError) error = NULL;

  /* Ends when the process's output ends, or once the front end closed the master (the pty
   * then reads as ended, and the process reads the end of its input). */
  if (!pier_docker_relay (relay->engine->client, relay->stream, TRUE, relay->pty, relay->pty,
                          -1, NULL, &error))
    g_debug ("the terminal of exec %s ended: %s", relay->exec_id, error->message);
  eventfd_write (relay->stop, 1);
  g_thread_join (sizes);
  pty_relay_free (relay);
  return NULL;
}

static int
open_pty_pair (int *out_pty, GError **error)
{
  int master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  struct termios raw;
  int pty;

  if (master < 0)
    return pier_set_errno (error, errno, _("opening a terminal for the exec")), -1;
  if (grantpt (master) < 0 || unlockpt (master) < 0
      || (pty = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
    {
      pier_set_errno (error, errno, _("opening a terminal for the exec"));
      close (master);
      return -1;
    }
  if (tcgetattr (pty, &raw) == 0)
    {
      cfmakeraw (&raw);
      tcsetattr (pty, TCSANOW, &raw);
    }
  *out_pty = pty;
  return master;
}

int
pier_docker_engine_exec_pty (PierDockerEngine *self, const char *exec_id,
                             PierDockerConnection *stream, guint16 rows, guint16 cols,
                             GError **error)
{
  PtyRelay *relay;
  struct winsize size = { .ws_row = rows, .ws_col = cols };
  int pty = -1;
  int master = open_pty_pair (&pty, error);
  int stop;

  if (master < 0)
    {
      pier_docker_connection_close (stream);
      return -1;
    }
  stop = eventfd (0, EFD_CLOEXEC);
  if (stop < 0)
    {
      pier_set_errno (error, errno, _("opening a terminal for the exec"));
      pier_docker_connection_close (stream);
      close (pty);
      close (master);
      return -1;
    }
  /* The size the peer was given first, so that it is not sent again. */
  if (rows > 0 && cols > 0)
    ioctl (master, TIOCSWINSZ, &size);
  relay = g_new0 (PtyRelay, 1);
  relay->engine = g_object_ref (self);
  relay->exec_id = g_strdup (exec_id);
  relay->stream = stream;
  relay->pty = pty;
  relay->stop = stop;
  g_thread_unref (g_thread_new ("pier-docker-pty", relay_thread, relay));
  return master;
}
