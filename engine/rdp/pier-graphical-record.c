/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whether a port listens in a container's network namespace, and the record of the server
 * Pier uses for it. */
#include "pier-graphical-record-private.h"

#include "pier-fsutil.h"
#include "pier-rdp-relay.h"
#include "pier-sandbox-record.h"

#include <string.h>

/* ---- is a port listening in a network namespace ---- */

static gboolean
tcp_table_has_listener (const char *path, guint16 port, gboolean ipv6)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  /* "sl local_address rem_address st …": addresses are hex, the port after a colon; state 0A
   * is LISTEN. IPv4 addresses print as a little-endian word: 0100007F is 127.0.0.1. */
  for (char **line = lines + 1; *line != NULL; line++)
    {
      g_auto (GStrv) fields = g_strsplit_set (g_strstrip (*line), " ", -1);
      g_autoptr (GPtrArray) words = g_ptr_array_new ();
      const char *local, *colon;

      for (char **f = fields; *f; f++)
        if (**f != '\0')
          g_ptr_array_add (words, *f);
      if (words->len < 4 || strcmp (words->pdata[3], "0A") != 0)
        continue;
      local = words->pdata[1];
      colon = strchr (local, ':');
      if (colon == NULL || g_ascii_strtoull (colon + 1, NULL, 16) != port)
        continue;
      if (!ipv6 && (strncmp (local, "0100007F:", 9) == 0 || strncmp (local, "00000000:", 9) == 0))
        return TRUE;
      if (ipv6 && (strncmp (local, "00000000000000000000000000000000:", 33) == 0
                   || strncmp (local, "0000000000000000FFFF00000100007F:", 33) == 0))
        return TRUE;
    }
  return FALSE;
}

gboolean
pier_graphical_session_port_listening (pid_t pid, guint16 port)
{
  g_autofree char *tcp = g_strdup_printf ("/proc/%d/net/tcp", (int) pid);
  g_autofree char *tcp6 = g_strdup_printf ("/proc/%d/net/tcp6", (int) pid);

  return tcp_table_has_listener (tcp, port, FALSE) || tcp_table_has_listener (tcp6, port, TRUE);
}

void
pier_graphical_server_record_free (PierGraphicalServerRecord *record)
{
  g_free (record->fingerprint);
  g_free (record->display);
  g_free (record);
}

PierGraphicalServerRecord *
pier_graphical_server_record_read (int state_fd)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (PierGraphicalServerRecord) record = g_new0 (PierGraphicalServerRecord, 1);
  gboolean has_kind = FALSE;

  if (!pier_fs_read_all_at (state_fd, RECORD_NAME, 64 * 1024, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      const char *value = strchr (*line, ' ');
      g_autofree char *key = value ? g_strndup (*line, value - *line) : NULL;

      if (key == NULL)
        continue;
      value++;
      if (strcmp (key, "kind") == 0)
        {
          has_kind = TRUE;
          record->kind = strcmp (value, "image") == 0 ? PIER_GRAPHICAL_SESSION_SERVER_IMAGE
                                                      : PIER_GRAPHICAL_SESSION_SERVER_WESTON;
        }
      else if (strcmp (key, "pid") == 0)
        record->pid = (pid_t) g_ascii_strtoll (value, NULL, 10);
      else if (strcmp (key, "start-time") == 0)
        record->start_time = g_ascii_strtoull (value, NULL, 10);
      else if (strcmp (key, "fingerprint") == 0)
        record->fingerprint = g_strdup (value);
      else if (strcmp (key, "display") == 0)
        record->display = g_strdup (value);
    }
  if (!has_kind || record->fingerprint == NULL)
    return NULL;
  return g_steal_pointer (&record);
}

gboolean
pier_graphical_server_record_write (int state_fd, const PierGraphicalServerRecord *record,
                                    GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_append_printf (text, "kind %s\n",
                          record->kind == PIER_GRAPHICAL_SESSION_SERVER_IMAGE ? "image" : "weston");
  if (record->kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON)
    g_string_append_printf (text, "pid %d\nstart-time %" G_GUINT64_FORMAT "\n",
                            (int) record->pid, record->start_time);
  g_string_append_printf (text, "fingerprint %s\n", record->fingerprint);
  if (record->display != NULL)
    g_string_append_printf (text, "display %s\n", record->display);
  return pier_sandbox_write_file_at (state_fd, RECORD_NAME, text->str, text->len, 0600, error);
}

/* A recorded server still serves: Weston is the process that was started (not a reused pid),
 * and something listens on the port. */
gboolean
pier_graphical_server_record_alive (const PierGraphicalServerRecord *record, pid_t init_pid)
{
  if (record->kind == PIER_GRAPHICAL_SESSION_SERVER_WESTON
      && (record->pid <= 0 || pier_proc_start_time (record->pid) != record->start_time))
    return FALSE;
  return pier_graphical_session_port_listening (init_pid, PIER_RDP_PORT);
}
