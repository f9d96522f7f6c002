/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-process-snapshot.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-proc-files-private.h"
#include "pier-process-snapshot-private.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

PierProcessSnapshot *
pier_process_snapshot_ref (PierProcessSnapshot *snapshot)
{
  g_atomic_ref_count_inc (&snapshot->ref_count);
  return snapshot;
}

void
pier_process_snapshot_unref (PierProcessSnapshot *snapshot)
{
  if (!g_atomic_ref_count_dec (&snapshot->ref_count))
    return;
  for (guint i = 0; i < snapshot->n_processes; i++)
    {
      g_ref_string_release ((char *) snapshot->processes[i].comm);
      g_ref_string_release ((char *) snapshot->processes[i].cmdline);
    }
  g_free (snapshot->processes);
  g_ptr_array_unref (snapshot->names);
  g_free (snapshot);
}

guint
pier_process_snapshot_get_n_processes (PierProcessSnapshot *snapshot)
{
  return snapshot->n_processes;
}

const PierProcess *
pier_process_snapshot_get_process (PierProcessSnapshot *snapshot, guint index)
{
  g_return_val_if_fail (index < snapshot->n_processes, NULL);
  return &snapshot->processes[index];
}

const PierProcess *
pier_process_snapshot_find (PierProcessSnapshot *snapshot, int host_pid)
{
  guint lo = 0, hi = snapshot->n_processes;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      int pid = snapshot->processes[mid].host_pid;
      if (pid == host_pid)
        return &snapshot->processes[mid];
      if (pid < host_pid)
        lo = mid + 1;
      else
        hi = mid;
    }
  return NULL;
}

gint64
pier_process_snapshot_get_time (PierProcessSnapshot *snapshot)
{
  return snapshot->time;
}

static void
session_free (gpointer p)
{
  PierProcessSession *s = p;

  g_ptr_array_unref (s->processes);
  g_free (s->origin);
  pier_process_snapshot_unref (s->snapshot);
  g_free (s);
}

static int
compare_sessions (gconstpointer a, gconstpointer b)
{
  const PierProcessSession *x = *(PierProcessSession *const *) a;
  const PierProcessSession *y = *(PierProcessSession *const *) b;
  return (x->host_sid > y->host_sid) - (x->host_sid < y->host_sid);
}

GPtrArray *
pier_process_snapshot_sessions (PierProcessSnapshot *snapshot, guint64 pid_ns, GHashTable *origins)
{
  GPtrArray *sessions = g_ptr_array_new_with_free_func (session_free);
  g_autoptr (GHashTable) by_sid = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 0; i < snapshot->n_processes; i++)
    {
      const PierProcess *p = &snapshot->processes[i];
      PierProcessSession *s;

      if (p->pid_ns != pid_ns)
        continue;
      s = g_hash_table_lookup (by_sid, GINT_TO_POINTER (p->host_sid));
      if (s == NULL)
        {
          s = g_new0 (PierProcessSession, 1);
          s->host_sid = p->host_sid;
          s->container_sid = p->container_sid;
          s->leader = pier_process_snapshot_find (snapshot, p->host_sid);
          if (origins != NULL)
            s->origin = g_strdup (g_hash_table_lookup (origins, GINT_TO_POINTER (p->host_sid)));
          s->processes = g_ptr_array_new ();
          s->snapshot = pier_process_snapshot_ref (snapshot);
          g_hash_table_insert (by_sid, GINT_TO_POINTER (p->host_sid), s);
          g_ptr_array_add (sessions, s);
        }
      g_ptr_array_add (s->processes, (gpointer) p);
    }
  g_ptr_array_sort (sessions, compare_sessions);
  return sessions;
}

/* ---- executables -------------------------------------------------------------------------- */

char *
pier_process_read_exe (const PierProcess *process, GError **error)
{
  char path[32], stat_buf[4096], target[4096];
  pier_autofd int dirfd = -1;
  pier_autofd int statfd = -1;
  PierProcStat st;
  gssize n;

  g_snprintf (path, sizeof path, "/proc/%d", process->host_pid);
  dirfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0)
    statfd = openat (dirfd, "stat", O_RDONLY | O_CLOEXEC);
  n = statfd >= 0 ? read (statfd, stat_buf, sizeof stat_buf - 1) : -1;
  if (n <= 0 || !pier_proc_parse_stat (stat_buf, n, &st) || st.start != process->start_ticks)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("process %d has exited"),
                   process->host_pid);
      return NULL;
    }
  /* through the same directory descriptor: the link read is this process's */
  n = readlinkat (dirfd, "exe", target, sizeof target - 1);
  if (n < 0)
    {
      pier_set_errno (error, errno, _("reading the executable of process %d"), process->host_pid);
      return NULL;
    }
  return g_strndup (target, n);
}
