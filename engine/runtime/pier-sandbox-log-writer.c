/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The appending side of a container's log (pier-monitor); kept apart from the reader so the
 * monitor links no GIO. */
#include "pier-sandbox-log.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct _PierLogWriter {
  int fd;
  GString *buf;
};

PierLogWriter *
pier_log_writer_open (const char *path, GError **error)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  PierLogWriter *writer;

  if (fd < 0)
    {
      pier_set_errno (error, errno, _("opening the log %s"), path);
      return NULL;
    }
  writer = g_new0 (PierLogWriter, 1);
  writer->fd = fd;
  writer->buf = g_string_sized_new (4096);
  return writer;
}

void
pier_log_writer_free (PierLogWriter *writer)
{
  if (writer == NULL)
    return;
  close (writer->fd);
  g_string_free (writer->buf, TRUE);
  g_free (writer);
}

void
pier_log_writer_append (PierLogWriter *writer, PierLogStream stream, const char *data, gsize len)
{
  struct timespec ts;
  struct tm tm;
  char stamp[64];
  const char *name = stream == PIER_LOG_STDERR ? "stderr" : "stdout";
  gsize at = 0;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  g_snprintf (stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  g_string_truncate (writer->buf, 0);
  while (at < len)
    {
      const char *nl = memchr (data + at, '\n', len - at);
      gsize end = nl ? (gsize) (nl - data) : len;

      g_string_append_printf (writer->buf, "%s %s %c ", stamp, name, nl ? 'F' : 'P');
      g_string_append_len (writer->buf, data + at, end - at);
      g_string_append_c (writer->buf, '\n');
      at = nl ? end + 1 : len;
    }
  /* A full disk loses log lines, not the container. */
  pier_fs_write_all (writer->fd, writer->buf->str, writer->buf->len, NULL);
}
