/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A container's log: what its command wrote, one line per entry, in the CRI format that
 * kubelet and Podman use, so other tools read it too:
 *
 *   2024-05-01T12:34:56.123456789Z stdout F a full line
 *   2024-05-01T12:34:56.123456789Z stderr P the start of a line the command has not ended yet
 *
 * (F: the entry ends a line; P: a partial line, continued by the next entry of the stream). */

typedef enum {
  PIER_LOG_STDOUT,
  PIER_LOG_STDERR,
} PierLogStream;

/* Appending side, used by the monitor. */
typedef struct _PierLogWriter PierLogWriter;

PierLogWriter *pier_log_writer_open (const char *path, GError **error);
/* Splits @data into entries and appends them with one write. */
void pier_log_writer_append (PierLogWriter *writer, PierLogStream stream, const char *data,
                             gsize len);
void pier_log_writer_free (PierLogWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierLogWriter, pier_log_writer_free)

typedef struct {
  gint64 time_ns; /* unix time, nanoseconds */
  PierLogStream stream;
  gboolean partial;   /* no newline ends this entry */
  const char *data;   /* without the newline; not NUL-terminated */
  gsize len;
} PierLogEntry;

/* FALSE stops the reading. */
typedef gboolean (*PierLogFunc) (const PierLogEntry *entry, gpointer user_data);

/* Calls @func for each entry of @log_path in order. With @follow_state_dir, keeps following
 * the file until the container of that state directory is no longer running (`logs -f`), or
 * @cancellable is triggered. A missing log is an empty one. */
gboolean pier_log_read (const char *log_path, const char *follow_state_dir, PierLogFunc func,
                        gpointer user_data, GCancellable *cancellable, GError **error);

G_END_DECLS
