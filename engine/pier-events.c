#include "pier-events.h"

#include "pier-error.h"
#include "pier-fsutil.h"

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
  json_t *o = json_object ();
  char *line;
  g_autofree char *with_newline = NULL;
  pier_autofd int fd = -1;
  struct stat st;

  json_object_set_new (o, "time", json_integer (g_get_real_time ()));
  json_object_set_new (o, "type", json_string (type));
  json_object_set_new (o, "action", json_string (action));
  json_object_set_new (o, "id", json_string (id));
  if (name != NULL)
    json_object_set_new (o, "name", json_string (name));
  if (strcmp (action, "exit") == 0)
    json_object_set_new (o, "exit_code", json_integer (exit_code));
  line = json_dumps (o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref (o);
  with_newline = g_strconcat (line, "\n", NULL);
  free (line);

  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && fstat (fd, &st) == 0 && st.st_size > ROTATE_SIZE)
    {
      g_autofree char *old = g_strconcat (path, ".1", NULL);
      rename (path, old);
      close (fd);
      fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    }
  if (fd < 0 || write (fd, with_newline, strlen (with_newline)) != (ssize_t) strlen (with_newline))
    g_warning ("cannot write the event journal %s: %s", path, g_strerror (errno));
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
      pier_set_errno (error, errno, "opening %s", path);
      return NULL;
    }
  if (fstat (fd, &st) < 0)
    {
      pier_set_errno (error, errno, "reading %s", path);
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
