/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-events.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

/* Past this size the journal starts again: readers only need what happened since they looked. */
#define ROTATE_SIZE (4 * 1024 * 1024)

void
pier_event_free (PierEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->type);
  g_free (event->action);
  g_free (event->id);
  g_free (event->name);
  g_free (event);
}

void
pier_events_append (const char *root, const char *type, const char *action, const char *id,
                    const char *name, int exit_code)
{
  g_autofree char *path = g_build_filename (root, PIER_EVENTS_FILE, NULL);
  g_auto (PierJsonWriter) w = { NULL };
  g_autoptr (GError) local_error = NULL;
  json_t *o = json_object ();
  g_autofree char *line = NULL;
  g_autofree char *with_newline = NULL;
  pier_autofd int fd = -1;
  struct stat st;

  pier_json_set (&w, o, "time", json_integer (g_get_real_time ()));
  pier_json_set_text (&w, o, "type", type);
  pier_json_set_text (&w, o, "action", action);
  pier_json_set_text (&w, o, "id", id);
  pier_json_set_text (&w, o, "name", name);
  if (strcmp (action, "exit") == 0)
    pier_json_set (&w, o, "exit_code", json_integer (exit_code));
  line = pier_json_writer_dump (&w, o, JSON_COMPACT | JSON_PRESERVE_ORDER, &local_error);
  if (line == NULL)
    {
      g_warning (_("cannot write the event %s %s %s: %s"), type, action, id, local_error->message);
      return;
    }
  with_newline = g_strconcat (line, "\n", NULL);

  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && fstat (fd, &st) == 0 && st.st_size > ROTATE_SIZE)
    {
      g_autofree char *old = g_strconcat (path, ".1", NULL);
      rename (path, old);
      close (fd);
      fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    }
  if (fd < 0 || write (fd, with_newline, strlen (with_newline)) != (ssize_t) strlen (with_newline))
    g_warning (_("cannot write the event journal %s: %s"), path, g_strerror (errno));
}

GPtrArray *
pier_events_read (const char *root, guint64 offset, guint64 *next_offset, GError **error)
{
  g_autofree char *path = g_build_filename (root, PIER_EVENTS_FILE, NULL);
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_event_free);
  pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);
  g_autofree char *data = NULL;
  gsize len = 0;
  struct stat st;
  char *line, *end;

  *next_offset = offset;
  if (fd < 0)
    {
      if (errno == ENOENT)
        return g_steal_pointer (&events);
      pier_set_errno (error, errno, _("opening %s"), path);
      return NULL;
    }
  if (fstat (fd, &st) < 0)
    {
      pier_set_errno (error, errno, _("reading %s"), path);
      return NULL;
    }
  if ((guint64) st.st_size < offset)
    offset = 0;
  if (lseek (fd, offset, SEEK_SET) < 0 || !pier_fs_read_fd (fd, 64 * 1024 * 1024, &data, &len, error))
    return NULL;
  /* Only whole lines: a line being written right now is read next time. */
  for (line = data; (end = memchr (line, '\n', len - (line - data))) != NULL; line = end + 1)
    {
      json_t *o = json_loadb (line, end - line, 0, NULL);
      if (json_is_object (o))
        {
          PierEvent *e = g_new0 (PierEvent, 1);
          e->time = json_integer_value (json_object_get (o, "time"));
          e->type = g_strdup (json_string_value (json_object_get (o, "type")));
          e->action = g_strdup (json_string_value (json_object_get (o, "action")));
          e->id = g_strdup (json_string_value (json_object_get (o, "id")));
          e->name = g_strdup (json_string_value (json_object_get (o, "name")));
          e->exit_code = json_integer_value (json_object_get (o, "exit_code"));
          g_ptr_array_add (events, e);
        }
      json_decref (o);
    }
  *next_offset = offset + (line - data);
  return g_steal_pointer (&events);
}
