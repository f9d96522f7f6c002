/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The event journal: every change to the store (an image added, tagged or removed; a container
 * created, started, exited or removed) appended as one JSON line to ROOT/events.jsonl, by
 * whichever process made it. The window follows the file, so a `pierctl run` in a terminal
 * shows up in it. Each line is written with one write() on an O_APPEND descriptor, so lines
 * from several processes never interleave. */

typedef struct {
  gint64 time;      /* unix time, microseconds */
  char *type;       /* "image" or "container" */
  char *action;     /* "create", "start", "exit", "remove", "tag", "untag", "load", ... */
  char *id;
  char *name;       /* may be NULL */
  int exit_code;    /* for "exit" */
} PierEvent;

void pier_event_free (PierEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierEvent, pier_event_free)

#define PIER_EVENTS_FILE "events.jsonl"

/* Appends an event to the journal under @root. Failure to write the journal never fails the
 * change it describes: it is logged and dropped. */
void pier_events_append (const char *root, const char *type, const char *action, const char *id,
                         const char *name, int exit_code);

/* Reads the events after byte @offset (0: from the start) and returns them; *@next_offset is
 * where the next read starts. A journal that was rotated (shorter than @offset) is read from
 * its start. */
GPtrArray *pier_events_read (const char *root, guint64 offset, guint64 *next_offset,
                             GError **error);

G_END_DECLS
