/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The files a monitor leaves in state_dir for everyone else: who runs the container, and how
 * it ended. Plain "key value" lines: read far more often than written, by shell users too. */
#include "pier-sandbox-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void
pier_sandbox_record_free (PierSandboxRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->runroot);
  g_free (record->cgroup_backend);
  g_strfreev (record->cgroup_dirs);
  g_free (record);
}

gboolean
pier_sandbox_write_file_at (int dirfd, const char *name, const char *data, gsize len,
                            mode_t mode, GError **error)
{
  g_autofree char *tmp = g_strconcat (".", name, ".tmp", NULL);
  pier_autofd int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

  if (fd < 0)
    return pier_set_errno (error, errno, _("creating %s"), name);
  if (!pier_fs_write_all (fd, data, len, error))
    {
      g_prefix_error (error, "%s: ", name);
      unlinkat (dirfd, tmp, 0);
      return FALSE;
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int errsv = errno;
      unlinkat (dirfd, tmp, 0);
      return pier_set_errno (error, errsv, _("replacing %s"), name);
    }
  return TRUE;
}

gboolean
pier_sandbox_record_write (int state_dirfd, const PierSandboxRecord *record, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_string_append_printf (text, "monitor %d %" G_GUINT64_FORMAT "\n", (int) record->monitor_pid,
                          record->monitor_start_time);
  g_string_append_printf (text, "init %d %" G_GUINT64_FORMAT "\n", (int) record->init_pid,
                          record->init_start_time);
  g_string_append_printf (text, "network %s\n", pier_network_mode_to_string (record->network));
  g_string_append_printf (text, "rootless %d\n", record->rootless ? 1 : 0);
  g_string_append_printf (text, "tty %d\n", record->tty ? 1 : 0);
  g_string_append_printf (text, "stop-signal %d\n", record->stop_signal);
  g_string_append_printf (text, "id %s\n", record->id);
  g_string_append_printf (text, "runroot %s\n", record->runroot);
  if (record->cgroup_backend != NULL)
    {
      g_string_append_printf (text, "cgroup %s\n", record->cgroup_backend);
      for (char **dir = record->cgroup_dirs; dir && *dir; dir++)
        g_string_append_printf (text, "cgroup-dir %s\n", *dir);
    }
  return pier_sandbox_write_file_at (state_dirfd, PIER_SANDBOX_STATE, text->str, text->len, 0644,
                                     error);
}

PierSandboxRecord *
pier_sandbox_record_read (int state_dirfd, GError **error)
{
  g_autoptr (PierSandboxRecord) record = g_new0 (PierSandboxRecord, 1);
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean have_monitor = FALSE, have_init = FALSE;

  if (!pier_fs_read_all_at (state_dirfd, PIER_SANDBOX_STATE, 1 << 20, &data, NULL, error))
    return NULL;
  lines = g_strsplit (data, "\n", -1);
  for (char **line = lines; *line; line++)
    {
      char *value = strchr (*line, ' ');
      int pid;
      guint64 start;

      if (value == NULL)
        continue;
      *value++ = '\0';
      if (strcmp (*line, "monitor") == 0
          && sscanf (value, "%d %" G_GUINT64_FORMAT, &pid, &start) == 2)
        {
          record->monitor_pid = pid;
          record->monitor_start_time = start;
          have_monitor = TRUE;
        }
      else if (strcmp (*line, "init") == 0
               && sscanf (value, "%d %" G_GUINT64_FORMAT, &pid, &start) == 2)
        {
          record->init_pid = pid;
          record->init_start_time = start;
          have_init = TRUE;
        }
      else if (strcmp (*line, "network") == 0)
        pier_network_mode_from_string (value, &record->network, NULL);
      else if (strcmp (*line, "rootless") == 0)
        record->rootless = strcmp (value, "1") == 0;
      else if (strcmp (*line, "tty") == 0)
        record->tty = strcmp (value, "1") == 0;
      else if (strcmp (*line, "stop-signal") == 0)
        record->stop_signal = atoi (value);
      else if (strcmp (*line, "id") == 0)
        record->id = g_strdup (value);
      else if (strcmp (*line, "runroot") == 0)
        record->runroot = g_strdup (value);
      else if (strcmp (*line, "cgroup") == 0)
        record->cgroup_backend = g_strdup (value);
      else if (strcmp (*line, "cgroup-dir") == 0)
        g_ptr_array_add (dirs, g_strdup (value));
    }
  if (!have_monitor || !have_init || record->id == NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_CORRUPT, _("the container's state record is "
                                                            "incomplete"));
      return NULL;
    }
  g_ptr_array_add (dirs, NULL);
  record->cgroup_dirs = (char **) g_ptr_array_free (g_steal_pointer (&dirs), FALSE);
  return g_steal_pointer (&record);
}

gboolean
pier_sandbox_exit_write (int state_dirfd, int exit_code, gint64 finished_at, GError **error)
{
  g_autofree char *text = g_strdup_printf ("code %d\nfinished %" G_GINT64_FORMAT "\n", exit_code,
                                           finished_at);

  return pier_sandbox_write_file_at (state_dirfd, PIER_SANDBOX_EXIT, text, strlen (text), 0644,
                                     error);
}

gboolean
pier_sandbox_exit_read (int state_dirfd, int *exit_code, gint64 *finished_at)
{
  g_autofree char *data = NULL;

  if (!pier_fs_read_all_at (state_dirfd, PIER_SANDBOX_EXIT, 4096, &data, NULL, NULL))
    return FALSE;
  return sscanf (data, "code %d\nfinished %" G_GINT64_FORMAT, exit_code, finished_at) == 2;
}
