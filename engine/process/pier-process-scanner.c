/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-process-snapshot.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-passwd-private.h"
#include "pier-proc-cold-pass-private.h"
#include "pier-proc-entry-private.h"
#include "pier-proc-files-private.h"
#include "pier-process-scanner-private.h"
#include "pier-process-snapshot-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  guint64 mnt_ns;
  PierIdNames *passwd, *group; /* borrowed: the snapshot holds the references */
} MntNames;

#define DENTS_SIZE 32768

static gint64
clock_us (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* ---- scanner ------------------------------------------------------------------------------ */

PierProcessScanner *
pier_process_scanner_new (void)
{
  PierProcessScanner *self = g_new0 (PierProcessScanner, 1);

  self->proc_fd = -1;
  self->host_root_fd = -1;
  self->ticks_per_second = sysconf (_SC_CLK_TCK);
  self->page_size = sysconf (_SC_PAGESIZE);
  self->overflow_uid = self->overflow_gid = 65534;
  self->max_open_files = G_MAXUINT;
  self->entries = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->user_ns = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, pier_proc_user_ns_free);
  self->mnt_names = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->names = pier_id_names_cache_new ();
  self->pids = g_array_new (FALSE, FALSE, sizeof (int));
  self->selected = g_ptr_array_new ();
  self->dents = g_malloc (DENTS_SIZE);
  self->max_threads = MAX_SCAN_THREADS;
  pier_proc_reader_init (&self->reader);
  return self;
}

void
pier_process_scanner_free (PierProcessScanner *self)
{
  GHashTableIter iter;
  PierProcEntry *e;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    pier_proc_entry_free (self, e);
  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->user_ns);
  g_hash_table_unref (self->mnt_names);
  pier_id_names_cache_free (self->names);
  g_array_unref (self->pids);
  g_ptr_array_unref (self->selected);
  g_free (self->dents);
  g_clear_pointer (&self->own_uid, g_array_unref);
  g_clear_pointer (&self->own_gid, g_array_unref);
  pier_proc_reader_clear (&self->reader);
  if (self->proc_fd >= 0)
    close (self->proc_fd);
  if (self->host_root_fd >= 0)
    close (self->host_root_fd);
  g_free (self);
}

void
pier_process_scanner_set_max_open_files (PierProcessScanner *self, guint max_open_files)
{
  GHashTableIter iter;
  PierProcEntry *e;

  self->max_open_files = max_open_files;
  g_hash_table_iter_init (&iter, self->entries);
  while (self->n_open_files > max_open_files
         && g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    pier_proc_entry_close_stat_fd (self, e);
}

guint
pier_process_scanner_get_n_open_files (PierProcessScanner *self)
{
  return self->n_open_files;
}

void
pier_process_scanner_set_max_threads (PierProcessScanner *self, guint max_threads)
{
  self->max_threads = MAX (max_threads, 1);
}

static gboolean
read_proc_number (PierProcessScanner *self, const char *path, guint64 *out)
{
  pier_autofd int fd = openat (self->proc_fd, path, O_RDONLY | O_CLOEXEC);
  gssize n = fd >= 0 ? pier_proc_read_fd (&self->reader, fd, 64) : -1;

  return n > 0 && pier_proc_parse_u64 (self->reader.buf, self->reader.buf + n, out) != NULL;
}

/* A kernel without user namespaces has no map: every id is the host's. */
static GArray *
read_own_map (PierProcessScanner *self, const char *path)
{
  pier_autofd int fd = openat (self->proc_fd, path, O_RDONLY | O_CLOEXEC);
  gssize n = fd >= 0 ? pier_proc_read_fd (&self->reader, fd, 65536) : -1;
  GArray *map = pier_proc_parse_id_map (self->reader.buf, MAX (n, 0));

  if (n < 0)
    {
      PierIdExtent identity = { 0, 0, G_MAXUINT32 };
      g_array_append_val (map, identity);
    }
  return map;
}

static gboolean
scanner_open (PierProcessScanner *self, GError **error)
{
  char link[64];
  gssize n;
  guint64 v;

  if (self->proc_fd >= 0)
    return TRUE;
  self->proc_fd = open ("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->proc_fd < 0)
    return pier_set_errno (error, errno, _("opening /proc"));
  self->host_root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self->host_root_fd < 0)
    return pier_set_errno (error, errno, _("opening /"));
  n = readlinkat (self->proc_fd, "self/ns/pid", link, sizeof link);
  self->host_pid_ns = pier_proc_parse_ns_link (link, n);
  if (read_proc_number (self, "sys/kernel/overflowuid", &v))
    self->overflow_uid = (guint32) v;
  if (read_proc_number (self, "sys/kernel/overflowgid", &v))
    self->overflow_gid = (guint32) v;
  self->own_uid = read_own_map (self, "self/uid_map");
  self->own_gid = read_own_map (self, "self/gid_map");
  return TRUE;
}

static int
compare_int (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

static gboolean
list_pids (PierProcessScanner *self, GError **error)
{
  g_array_set_size (self->pids, 0);
  if (lseek (self->proc_fd, 0, SEEK_SET) < 0)
    return pier_set_errno (error, errno, _("reading /proc"));
  for (;;)
    {
      ssize_t n = getdents64 (self->proc_fd, self->dents, DENTS_SIZE);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, _("reading /proc"));
      if (n == 0)
        break;
      for (ssize_t off = 0; off < n;)
        {
          struct dirent64 *d = (struct dirent64 *) (self->dents + off);
          const char *s = d->d_name;
          int pid = 0;

          off += d->d_reclen;
          if (*s < '1' || *s > '9')
            continue;
          for (; *s >= '0' && *s <= '9'; s++)
            pid = pid * 10 + (*s - '0');
          if (*s == '\0')
            g_array_append_val (self->pids, pid);
        }
    }
  g_array_sort (self->pids, compare_int);
  return TRUE;
}

/* The process's /etc/passwd and /etc/group, once per mount namespace and snapshot. The root is
 * opened through a directory descriptor on /proc/PID, so root and mount namespace come from
 * the same process, which must still be in the namespace the row names. */
static MntNames *
mnt_names_get (PierProcessScanner *self, PierProcessSnapshot *snapshot, PierProcEntry *e)
{
  MntNames *m = g_hash_table_lookup (self->mnt_names, &e->mnt_ns);
  pier_autofd int dirfd = -1;
  pier_autofd int rootfd = -1;
  char path[32], link[64];
  gssize n;

  if (m != NULL || e->mnt_ns == 0)
    return m;
  g_snprintf (path, sizeof path, "%d", e->pid);
  dirfd = openat (self->proc_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return NULL;
  n = readlinkat (dirfd, "ns/mnt", link, sizeof link);
  if (pier_proc_parse_ns_link (link, n) != e->mnt_ns)
    return NULL; /* gone or moved: another process of the namespace may answer */
  m = g_new0 (MntNames, 1);
  m->mnt_ns = e->mnt_ns;
  g_hash_table_insert (self->mnt_names, &m->mnt_ns, m);
  rootfd = openat (dirfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return m;
  m->passwd = pier_id_names_cache_load (self->names, rootfd, "etc/passwd", NULL);
  m->group = pier_id_names_cache_load (self->names, rootfd, "etc/group", NULL);
  if (m->passwd)
    g_ptr_array_add (snapshot->names, m->passwd);
  if (m->group)
    g_ptr_array_add (snapshot->names, m->group);
  return m;
}

static const char *
lookup_name (PierIdNames *names, guint32 id)
{
  return names != NULL && id != PIER_PROCESS_ID_UNKNOWN ? pier_id_names_lookup (names, id) : NULL;
}

static void
fill_row (PierProcessScanner *self, PierProcessSnapshot *snapshot, PierProcEntry *e,
          PierProcess *row, PierIdNames *host_passwd, PierIdNames *host_group,
          gint64 boot_epoch_us)
{
  PierProcEntry *parent = g_hash_table_lookup (self->entries, GINT_TO_POINTER (e->stat.ppid));
  PierProcUserNs *ns = e->user_ns ? g_hash_table_lookup (self->user_ns, &e->user_ns) : NULL;
  MntNames *m = mnt_names_get (self, snapshot, e);

  row->host_pid = e->pid;
  row->container_pid = e->status.ns_pid;
  row->host_ppid = e->stat.ppid;
  /* A parent's PID namespace is the child's or an ancestor of it: visible inside only when
   * it is the same one. */
  if (parent != NULL && parent->seen == self->generation && parent->pid_ns != 0
      && parent->pid_ns == e->pid_ns && parent->stat.start <= e->stat.start)
    row->container_ppid = parent->status.ns_pid;
  row->host_pgid = e->stat.pgrp;
  row->container_pgid = e->status.ns_pgid;
  row->host_sid = e->stat.session;
  row->container_sid = e->status.ns_sid;
  row->tty_nr = e->stat.tty_nr;
  row->tty = pier_proc_tty_name (e->stat.tty_nr);
  row->host_uid = e->host_uid;
  row->host_gid = e->host_gid;
  row->uid = ns ? pier_proc_map_id (ns->uid, e->status.uid, self->overflow_uid) : PIER_PROCESS_ID_UNKNOWN;
  row->gid = ns ? pier_proc_map_id (ns->gid, e->status.gid, self->overflow_gid) : PIER_PROCESS_ID_UNKNOWN;
  row->user = lookup_name (m ? m->passwd : NULL, row->uid);
  row->group = lookup_name (m ? m->group : NULL, row->gid);
  row->host_user = lookup_name (host_passwd, row->host_uid);
  row->host_group = lookup_name (host_group, row->host_gid);
  row->comm = g_ref_string_acquire (e->comm);
  row->cmdline = g_ref_string_acquire (e->cmdline);
  row->state = e->stat.state;
  row->kernel_thread = (e->stat.flags & PF_KTHREAD) != 0;
  row->n_threads = e->stat.threads;
  row->start_ticks = e->stat.start;
  row->start_time = boot_epoch_us + pier_proc_ticks_to_us (self, e->stat.start);
  row->cpu_ticks = e->stat.utime + e->stat.stime;
  row->cpu_percent = e->cpu_percent;
  row->rss_bytes = e->stat.rss_pages * (guint64) self->page_size;
  row->pid_ns = e->pid_ns;
  row->user_ns = e->user_ns;
  row->mnt_ns = e->mnt_ns;
}

static void
sweep (PierProcessScanner *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PierProcEntry *e = value;
      if (e->seen != self->generation)
        {
          g_hash_table_iter_remove (&iter);
          pier_proc_entry_free (self, e);
        }
      else if (e->user_ns != 0)
        {
          PierProcUserNs *ns = g_hash_table_lookup (self->user_ns, &e->user_ns);
          if (ns != NULL)
            ns->seen = self->generation;
        }
    }
  g_hash_table_iter_init (&iter, self->user_ns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((PierProcUserNs *) value)->seen != self->generation)
      g_hash_table_iter_remove (&iter);
  pier_id_names_cache_sweep (self->names);
}

/* Reads every PID of self->pids into self->entries and puts those the filter selects into
 * self->selected, by PID. */
static gboolean
scan_all (PierProcessScanner *self, PierProcColdPass *c, GError **error)
{
  guint next_new = 0;

  g_ptr_array_set_size (self->selected, 0);
  pier_proc_cold_pass (self, c);
  for (guint i = 0; i < self->pids->len && self->reader.failure == 0; i++)
    {
      int pid = g_array_index (self->pids, int, i);
      PierProcEntry *e;

      if (next_new < c->n && c->entries[next_new]->pid == pid)
        {
          e = pier_proc_entry_settle (self, c->entries[next_new], c->results[next_new],
                                      c->stat_fds[next_new]);
          c->entries[next_new++] = NULL;
        }
      else
        e = pier_proc_scan_pid (self, pid);
      if (self->reader.failure != 0 && self->reader.failed_pid == 0)
        self->reader.failed_pid = pid;
      if (e == NULL)
        continue;
      if (e->pid_ns == 0 && e->status.levels > 1)
        {
          /* a zombie's namespace links are gone; its parent's namespace is its own when both
           * are at the same depth */
          PierProcEntry *parent = g_hash_table_lookup (self->entries,
                                                       GINT_TO_POINTER (e->stat.ppid));
          if (parent != NULL && parent->status.levels == e->status.levels)
            e->pid_ns = parent->pid_ns;
        }
      if (self->filter_pid_ns == 0 || self->filter_pid_ns == e->pid_ns)
        g_ptr_array_add (self->selected, e);
    }
  pier_proc_user_ns_adopt (self, &self->reader);
  if (self->reader.failure != 0)
    return pier_set_errno (error, self->reader.failure, _("reading /proc/%d"),
                           self->reader.failed_pid);
  return TRUE;
}

PierProcessSnapshot *
pier_process_scanner_snapshot (PierProcessScanner *self, const PierProcessFilter *filter,
                               GError **error)
{
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  PierIdNames *host_passwd, *host_group;
  PierProcColdPass cold = { 0 };
  gint64 boot_epoch_us;
  gboolean ok;

  struct rlimit rl;

  if (!scanner_open (self, error) || !list_pids (self, error))
    return NULL;
  self->process_budget =
      getrlimit (RLIMIT_NOFILE, &rl) == 0 ? (guint) MIN (rl.rlim_cur / 2, G_MAXUINT) : 0;
  self->reader.failure = 0;
  self->reader.failed_pid = 0;
  self->filter_pid_ns = filter ? filter->pid_ns : 0;
  self->generation++;
  self->now_us = clock_us (CLOCK_BOOTTIME);
  boot_epoch_us = clock_us (CLOCK_REALTIME) - self->now_us;

  ok = scan_all (self, &cold, error);
  pier_proc_cold_pass_clear (self, &cold);
  if (!ok)
    return NULL;
  sweep (self);

  snapshot = g_new0 (PierProcessSnapshot, 1);
  g_atomic_ref_count_init (&snapshot->ref_count);
  snapshot->names = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_id_names_unref);
  snapshot->time = boot_epoch_us + self->now_us;

  g_hash_table_remove_all (self->mnt_names);
  host_passwd = pier_id_names_cache_load (self->names, self->host_root_fd, "etc/passwd", NULL);
  host_group = pier_id_names_cache_load (self->names, self->host_root_fd, "etc/group", NULL);
  if (host_passwd)
    g_ptr_array_add (snapshot->names, host_passwd);
  if (host_group)
    g_ptr_array_add (snapshot->names, host_group);

  snapshot->n_processes = self->selected->len;
  snapshot->processes = g_new0 (PierProcess, MAX (snapshot->n_processes, 1));
  for (guint i = 0; i < self->selected->len; i++)
    fill_row (self, snapshot, self->selected->pdata[i], &snapshot->processes[i], host_passwd,
              host_group, boot_epoch_us);
  return g_steal_pointer (&snapshot);
}
