/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-sandbox-log.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

/* "2024-05-01T12:34:56.123456789Z" → unix ns; -1 when malformed. */
static gint64
parse_stamp (const char *s, gsize len)
{
  int year, mon, day, hour, min, sec;
  char frac[16] = { 0 };
  struct tm tm = { 0 };
  gint64 ns = 0;
  int consumed = 0;

  if (len >= 64 || sscanf (s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
                           &consumed)
                       != 6)
    return -1;
  if (s[consumed] == '.')
    {
      gsize i = 0;
      for (const char *p = s + consumed + 1; g_ascii_isdigit (*p) && i < 9; p++)
        frac[i++] = *p;
      while (i < 9)
        frac[i++] = '0';
      ns = g_ascii_strtoll (frac, NULL, 10);
    }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return (gint64) timegm (&tm) * G_GINT64_CONSTANT (1000000000) + ns;
}

/* One line without its newline; malformed lines are skipped (a torn write after a crash). */
static gboolean
emit_line (const char *line, gsize len, PierLogFunc func, gpointer user_data)
{
  const char *sp1 = memchr (line, ' ', len);
  const char *sp2, *sp3;
  PierLogEntry entry = { 0 };

  if (sp1 == NULL)
    return TRUE;
  sp2 = memchr (sp1 + 1, ' ', len - (sp1 + 1 - line));
  if (sp2 == NULL || (gsize) (sp2 + 3 - line) > len || sp2[2] != ' ')
    return TRUE;
  sp3 = sp2 + 2;
  entry.time_ns = parse_stamp (line, sp1 - line);
  if (entry.time_ns < 0)
    return TRUE;
  if (sp2 - sp1 - 1 == 6 && strncmp (sp1 + 1, "stderr", 6) == 0)
    entry.stream = PIER_LOG_STDERR;
  else if (sp2 - sp1 - 1 == 6 && strncmp (sp1 + 1, "stdout", 6) == 0)
    entry.stream = PIER_LOG_STDOUT;
  else
    return TRUE;
  entry.partial = sp2[1] == 'P';
  entry.data = sp3 + 1;
  entry.len = len - (sp3 + 1 - line);
  return func (&entry, user_data);
}

/* Emits the complete lines of @pending, keeping an unfinished last one for later. FALSE when
 * @func asked to stop. */
static gboolean
emit_pending (GByteArray *pending, PierLogFunc func, gpointer user_data)
{
  gsize start = 0;
  gboolean go_on = TRUE;

  while (go_on)
    {
      const guint8 *nl = memchr (pending->data + start, '\n', pending->len - start);
      if (nl == NULL)
        break;
      go_on = emit_line ((const char *) pending->data + start, nl - (pending->data + start), func,
                         user_data);
      start = nl - pending->data + 1;
    }
  g_byte_array_remove_range (pending, 0, start);
  return go_on;
}

static gboolean
still_running (const char *state_dir)
{
  PierSandboxState state = { 0 };
  gboolean running = pier_sandbox_get_state (state_dir, &state, NULL)
                     && state.status == PIER_SANDBOX_RUNNING;

  pier_sandbox_state_clear (&state);
  return running;
}

gboolean
pier_log_read (const char *log_path, const char *follow_state_dir, PierLogFunc func,
               gpointer user_data, GCancellable *cancellable, GError **error)
{
  pier_autofd int fd = open (log_path, O_RDONLY | O_CLOEXEC);
  pier_autofd int ino = -1;
  g_autoptr (GByteArray) pending = g_byte_array_new ();
  guint8 chunk[65536];
  gboolean last_round = FALSE;
  gboolean watching = FALSE;

  if (fd < 0 && errno != ENOENT)
    return pier_set_errno (error, errno, _("opening the log %s"), log_path);
  if (follow_state_dir != NULL)
    {
      ino = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
      if (ino < 0)
        return pier_set_errno (error, errno, _("following the log %s"), log_path);
    }
  for (;;)
    {
      ssize_t n;

      if (fd < 0 && follow_state_dir != NULL)
        fd = open (log_path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0 && ino >= 0 && !watching)
        {
          if (inotify_add_watch (ino, log_path, IN_MODIFY) < 0)
            return pier_set_errno (error, errno, _("following the log %s"), log_path);
          watching = TRUE;
        }
      while (fd >= 0 && (n = read (fd, chunk, sizeof chunk)) != 0)
        {
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              return pier_set_errno (error, errno, _("reading the log %s"), log_path);
            }
          g_byte_array_append (pending, chunk, n);
          if (!emit_pending (pending, func, user_data))
            return TRUE;
        }
      if (follow_state_dir == NULL || last_round)
        return TRUE;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      /* The state is checked before the last read, so nothing written before the exit is
       * missed; inotify wakes up early for new lines, the timeout notices the exit. */
      if (!still_running (follow_state_dir))
        {
          last_round = TRUE;
          continue;
        }
      {
        struct pollfd pfds[2] = { { .fd = ino, .events = POLLIN }, { .fd = -1 } };
        GPollFD cancel_fd;
        guint8 events[4096];

        if (cancellable && g_cancellable_make_pollfd (cancellable, &cancel_fd))
          {
            pfds[1].fd = cancel_fd.fd;
            pfds[1].events = POLLIN;
          }
        poll (pfds, 2, 250);
        if (pfds[1].fd >= 0)
          g_cancellable_release_fd (cancellable);
        while (read (ino, events, sizeof events) > 0)
          ;
      }
    }
}
