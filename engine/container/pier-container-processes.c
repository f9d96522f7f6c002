/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-processes.h"

#include "pier-error.h"
#include "pier-exe-layer.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

guint64
pier_container_get_pid_ns (const PierContainer *container)
{
  g_autofree char *path = NULL;
  struct stat st;

  if (container->status != PIER_CONTAINER_RUNNING || container->pid <= 0)
    return 0;
  path = g_strdup_printf ("/proc/%d/ns/pid", container->pid);
  return stat (path, &st) == 0 ? st.st_ino : 0;
}

PierProcessSnapshot *
pier_container_snapshot (PierProcessScanner *scanner, const PierContainer *container,
                         GError **error)
{
  PierProcessFilter filter = { .pid_ns = pier_container_get_pid_ns (container) };

  if (filter.pid_ns == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("container %s is not running"),
                   container->name);
      return NULL;
    }
  return pier_process_scanner_snapshot (scanner, &filter, error);
}

gboolean
pier_container_record_session (PierStore *store, const PierContainer *container, int host_sid,
                               const char *origin, GError **error)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, container);
  return pier_sandbox_record_session (state_dir, host_sid, origin, error);
}

GPtrArray *
pier_container_sessions (PierStore *store, const PierContainer *container,
                         PierProcessSnapshot *snapshot)
{
  g_autofree char *state_dir = pier_container_get_state_dir (store, container);
  g_autoptr (GHashTable) origins = pier_sandbox_read_sessions (state_dir);

  if (container->pid > 0)
    g_hash_table_insert (origins, GINT_TO_POINTER (container->pid), g_strdup (PIER_SESSION_INIT));
  return pier_process_snapshot_sessions (snapshot, pier_container_get_pid_ns (container), origins);
}

GHashTable *
pier_store_containers_by_pid_ns (PierStore *store, GError **error)
{
  g_autoptr (GPtrArray) all = pier_store_list_containers (store, error);
  GHashTable *map;

  if (all == NULL)
    return NULL;
  map = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                               (GDestroyNotify) pier_container_free);
  for (guint i = all->len; i > 0; i--)
    {
      guint64 ns = pier_container_get_pid_ns (all->pdata[i - 1]);
      if (ns != 0)
        g_hash_table_insert (map, g_memdup2 (&ns, sizeof ns), g_ptr_array_steal_index (all, i - 1));
    }
  return map;
}

gboolean
pier_container_process_provenance (PierStore *store, const PierContainer *container,
                                   const PierProcess *process, int *layer_index,
                                   char **description, GError **error)
{
  g_autofree char *exe = pier_process_read_exe (process, error);
  g_autoptr (GPtrArray) dirs = NULL;
  g_autoptr (GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (PierImage) image = NULL;
  int index;

  if (exe == NULL)
    return FALSE;
  dirs = pier_container_get_lower_dirs (store, container);
  g_ptr_array_insert (dirs, 0, pier_container_get_upper_dir (store, container));
  for (guint i = 0; i < dirs->len; i++)
    {
      int fd = open (dirs->pdata[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        {
          pier_set_errno (error, errno, _("opening layer %s"), (char *) dirs->pdata[i]);
          for (guint j = 0; j < fds->len; j++)
            close (g_array_index (fds, int, j));
          return FALSE;
        }
      g_array_append_val (fds, fd);
    }
  index = pier_process_exe_layer (exe, (const int *) (void *) fds->data, fds->len, error);
  for (guint j = 0; j < fds->len; j++)
    close (g_array_index (fds, int, j));
  if (index < 0)
    return FALSE;
  *layer_index = index;
  if (index == 0)
    {
      *description = g_strdup_printf ("%s: the container's own changes (its sandbox layer)", exe);
      return TRUE;
    }
  /* Layer index k (from the top) is diff_id n-k; its history line is the n-k'th non-empty one. */
  image = pier_store_find_image (store, container->image_id, NULL);
  {
    guint wanted = container->layer_diff_ids->len - index;
    guint seen = 0;
    const char *created_by = NULL;
    for (guint i = 0; image && i < image->config->history->len; i++)
      {
        PierHistoryEntry *e = image->config->history->pdata[i];
        if (e->empty_layer)
          continue;
        if (seen++ == wanted)
          {
            created_by = e->created_by;
            break;
          }
      }
    *description = g_strdup_printf ("%s: image layer %u of %u%s%s", exe, wanted + 1,
                                    container->layer_diff_ids->len,
                                    created_by ? ", made by " : "", created_by ? created_by : "");
  }
  return TRUE;
}
