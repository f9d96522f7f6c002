/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-proc-entry-private.h"

#include "pier-fsutil.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The scanner's cost model: for a process it already knows (same PID, same start time) a
 * refresh reads /proc/PID/stat only, through a descriptor kept open. Everything else is read
 * when stat says it may have changed: after an exec (comm, or the argv and text addresses that
 * every exec moves), after setsid/setpgid, and while the process is young; status is also
 * re-read in a slow rotation, for a setuid() without exec. A process's namespace links are
 * read only when it is in a PID namespace below the scanner's: only those belong to a
 * container, and the two links would cost as much as its stat. */

/* Daemons drop privileges and rewrite their argv right after fork: status and cmdline are read
 * on every snapshot while a process is younger than this. */
#define YOUNG_SECONDS 5
/* Every this many snapshots (staggered by PID) a known process's status is read again. */
#define STATUS_PERIOD 16
/* An exec can land between two reads of one process; after this many tries it is left out of
 * this snapshot. */
#define MAX_ATTEMPTS 3
/* Snapshots closer together than this keep the previous CPU share: ticks are too coarse. */
#define MIN_CPU_INTERVAL_US 100000
#define MAX_CMDLINE (1024 * 1024)

enum {
  READ_STATUS = 1 << 0,
  READ_CMDLINE = 1 << 1,
  READ_NS = 1 << 2,
  READ_MAPS = 1 << 3,
};

typedef struct {
  guint flags;
  PierProcStatus status;
  guint32 host_uid, host_gid;
  GRefString *cmdline; /* set when the command line differs from the entry's */
  gboolean cmdline_empty;
  guint64 pid_ns, user_ns, mnt_ns;
} Pending;

/* Descriptors held by all the scanners of the process: together they keep to half of
 * RLIMIT_NOFILE's soft limit, whatever each one's own cap. */
static gint all_held;

static gboolean
same_exec (const PierProcStat *a, const PierProcStat *b)
{
  /* kernel threads rename themselves (kworker/0:1-events) without an exec */
  return (strcmp (a->comm, b->comm) == 0 || (b->flags & PF_KTHREAD))
         && a->start_code == b->start_code && a->arg_start == b->arg_start
         && a->arg_end == b->arg_end;
}

/* Command lines are read only for the processes a snapshot shows: a container's snapshot
 * leaves the host's alone. A process whose namespace is unknown is shown when it can be. */
static gboolean
shown (PierProcessScanner *self, guint64 pid_ns)
{
  return self->filter_pid_ns == 0 || pid_ns == 0 || pid_ns == self->filter_pid_ns;
}

/* status in a slow rotation, staggered by PID, for a setuid () without exec: kernel threads
 * have none */
static gboolean
status_due (PierProcessScanner *self, PierProcEntry *e)
{
  return (self->generation + (guint32) e->pid) % STATUS_PERIOD == 0
         && !(e->stat.flags & PF_KTHREAD);
}

static guint
needed_reads (PierProcessScanner *self, PierProcReader *r, PierProcEntry *e, const PierProcStat *st)
{
  guint flags = 0;
  guint64 now_ticks = (guint64) (self->now_us * self->ticks_per_second / G_USEC_PER_SEC);

  if (!e->known || !same_exec (&e->stat, st))
    return READ_STATUS | READ_CMDLINE | READ_NS;
  if (e->stat.pgrp != st->pgrp || e->stat.session != st->session)
    flags |= READ_STATUS;
  if (now_ticks < st->start + (guint64) (YOUNG_SECONDS * self->ticks_per_second))
    flags |= READ_STATUS | READ_CMDLINE;
  /* caught between an exec's new comm and its new argv (or while exiting): look again */
  if ((e->cmdline_empty && !(st->flags & PF_KTHREAD) && st->state != 'Z')
      || (e->cmdline == NULL && shown (self, e->pid_ns)))
    flags |= READ_CMDLINE | READ_STATUS; /* status after cmdline proves no exec in between */
  if (status_due (self, e))
    flags |= READ_STATUS;
  if (pier_proc_user_ns_needs_maps (self, r, e->user_ns))
    flags |= READ_MAPS;
  return flags;
}

static void
pending_clear (Pending *p)
{
  g_clear_pointer (&p->cmdline, g_ref_string_release);
  memset (p, 0, sizeof *p);
}

/* stat's comm and ids against status's, read after it and after cmdline: they differ when the
 * process exec'd or called setsid or setpgid in between. An exec sets comm before the new argv
 * shows, so a command line read in between is the old one or comes with a new comm here. An
 * exec that keeps comm shows in the next refresh's stat (same_exec), which reads everything
 * again. */
static gboolean
status_matches_stat (const PierProcStatus *status, const PierProcStat *st)
{
  /* status escapes backslashes and control characters in comm: only plain names compare */
  gboolean plain = strchr (status->name, '\\') == NULL;

  return status->pgrp == st->pgrp && status->session == st->session
         && (!plain || strcmp (status->name, st->comm) == 0);
}

/* The kernel's own threads run as root in the first namespaces, each its own thread group,
 * and have no command line: nothing is read for them but stat. */
static void
kthread_status (int pid, const PierProcStat *st, PierProcStatus *out)
{
  memset (out, 0, sizeof *out);
  g_strlcpy (out->name, st->comm, sizeof out->name);
  out->tgid = pid;
  out->levels = 1;
  out->ns_pid = pid;
  out->ns_pgid = out->pgrp = st->pgrp;
  out->ns_sid = out->session = st->session;
}

/* The first user namespace's view of the ids in @p->status, which are the scanner's namespace's:
 * translated through the scanner's own maps. Where those leave ids out (rootless Pier), the
 * kernel shows an id it cannot map as the overflow id, which the maps may give a meaning of
 * their own; the process's user namespace tells the two apart, being readable only when it is
 * the scanner's or one below it, where every id is mapped. An id that cannot be learned is
 * PIER_PROCESS_ID_UNKNOWN, never another one. (A process outside whose host id maps to the
 * overflow id reads as unknown too: the scanner cannot tell it from the others.) */
static void
host_ids (PierProcessScanner *self, int dirfd, gboolean kthread, Pending *p)
{
  gboolean uid_ambiguous =
      p->status.uid == self->overflow_uid && !pier_proc_id_map_is_full (self->own_uid);
  gboolean gid_ambiguous =
      p->status.gid == self->overflow_gid && !pier_proc_id_map_is_full (self->own_gid);
  gboolean foreign = FALSE;
  char link[64];

  /* the kernel's own threads run as root of the first namespace */
  if (kthread)
    {
      p->host_uid = p->host_gid = 0;
      return;
    }
  if (uid_ambiguous || gid_ambiguous)
    foreign = readlinkat (dirfd, "ns/user", link, sizeof link) < 0;
  p->host_uid = uid_ambiguous && foreign
                    ? PIER_PROCESS_ID_UNKNOWN
                    : pier_proc_map_id_outward (self->own_uid, p->status.uid, PIER_PROCESS_ID_UNKNOWN);
  p->host_gid = gid_ambiguous && foreign
                    ? PIER_PROCESS_ID_UNKNOWN
                    : pier_proc_map_id_outward (self->own_gid, p->status.gid, PIER_PROCESS_ID_UNKNOWN);
}

static PierProcScanResult
read_cmdline (PierProcReader *r, int dirfd, PierProcEntry *e, Pending *p)
{
  gssize n = pier_proc_read_at (r, dirfd, "cmdline", MAX_CMDLINE);

  if (n < 0)
    return PIER_PROC_SCAN_GONE;
  while (n > 0 && r->buf[n - 1] == '\0')
    n--;
  for (gssize i = 0; i < n; i++)
    if (r->buf[i] == '\0')
      r->buf[i] = ' ';
  r->buf[n] = '\0';
  p->cmdline_empty = n == 0;
  if (n > 0 && (e->cmdline == NULL || e->cmdline_empty || strcmp (e->cmdline, r->buf) != 0))
    p->cmdline = g_ref_string_new_len (r->buf, n);
  return PIER_PROC_SCAN_OK;
}

/* Reads what @flags ask for through @dirfd, after @st was read through it, status last:
 * PIER_PROC_SCAN_UNSTABLE when the process changed in between. */
static PierProcScanResult
read_extras (PierProcessScanner *self, PierProcReader *r, int dirfd, PierProcEntry *e,
             const PierProcStat *st, guint flags, Pending *p)
{
  gboolean kthread = (st->flags & PF_KTHREAD) != 0;
  guint64 pid_ns = e->pid_ns, user_ns;
  gssize n;

  p->flags = flags;
  /* a container's snapshot tells its processes by their PID namespace before their command
   * lines are read */
  if ((flags & READ_NS) && self->filter_pid_ns != 0 && !kthread)
    pid_ns = p->pid_ns = pier_proc_read_ns_at (dirfd, "ns/pid");
  if (!shown (self, pid_ns))
    p->flags = flags &= ~READ_CMDLINE;
  if ((flags & READ_CMDLINE) && kthread)
    p->cmdline_empty = TRUE;
  else if ((flags & READ_CMDLINE) && read_cmdline (r, dirfd, e, p) != PIER_PROC_SCAN_OK)
    return PIER_PROC_SCAN_GONE;

  if ((flags & READ_STATUS) && kthread)
    kthread_status (e->pid, st, &p->status);
  else if (flags & READ_STATUS)
    {
      n = pier_proc_read_at (r, dirfd, "status", 1024 * 1024);
      /* a PID can come back as a thread of another process: /proc lists only thread groups */
      if (n < 0 || !pier_proc_parse_status (r->buf, n, &p->status) || p->status.tgid != e->pid)
        return PIER_PROC_SCAN_GONE;
      if (!status_matches_stat (&p->status, st))
        return PIER_PROC_SCAN_UNSTABLE;
    }
  if (flags & READ_STATUS)
    host_ids (self, dirfd, kthread, p);
  if ((flags & READ_NS) && (flags & READ_STATUS ? &p->status : &e->status)->levels > 1)
    {
      /* NS links are not readable for zombies or without ptrace rights: 0, unknown */
      p->user_ns = pier_proc_read_ns_at (dirfd, "ns/user");
      p->mnt_ns = pier_proc_read_ns_at (dirfd, "ns/mnt");
      if (p->pid_ns == 0)
        p->pid_ns = pier_proc_read_ns_at (dirfd, "ns/pid");
    }
  else if (flags & READ_NS)
    p->pid_ns = self->host_pid_ns;
  user_ns = (flags & READ_NS) ? p->user_ns : e->user_ns;
  if (pier_proc_user_ns_needs_maps (self, r, user_ns))
    pier_proc_user_ns_load (self, r, dirfd, user_ns);
  return PIER_PROC_SCAN_OK;
}

static void
commit (PierProcessScanner *self, PierProcEntry *e, const PierProcStat *st, Pending *p)
{
  gboolean comm_changed = e->comm == NULL || strcmp (e->comm, st->comm) != 0;
  gboolean cmdline_changed = FALSE;
  guint64 ticks = st->utime + st->stime;
  /* the scan's start for every process: each is read at about the same offset into every
   * scan, so the offsets cancel out of the intervals (and clock_gettime costs a syscall on
   * some virtual machines) */
  gint64 now_us = self->now_us;
  gint64 base_us;
  guint64 base_ticks;

  if (comm_changed)
    {
      g_clear_pointer (&e->comm, g_ref_string_release);
      e->comm = g_ref_string_new (st->comm);
    }
  if (p->flags & READ_STATUS)
    {
      e->status = p->status;
      e->host_uid = p->host_uid;
      e->host_gid = p->host_gid;
    }
  if (p->flags & READ_NS)
    {
      e->user_ns = p->user_ns;
      e->mnt_ns = p->mnt_ns;
      e->pid_ns = p->pid_ns;
    }
  if (p->flags & READ_CMDLINE)
    {
      cmdline_changed = p->cmdline != NULL || p->cmdline_empty != e->cmdline_empty;
      if (p->cmdline != NULL)
        {
          g_clear_pointer (&e->cmdline, g_ref_string_release);
          e->cmdline = g_steal_pointer (&p->cmdline);
        }
      e->cmdline_empty = p->cmdline_empty;
    }
  if (e->cmdline_empty && (comm_changed || cmdline_changed || e->cmdline == NULL))
    {
      g_autofree char *bracketed = g_strdup_printf ("[%s]", st->comm);
      g_clear_pointer (&e->cmdline, g_ref_string_release);
      e->cmdline = g_ref_string_new (bracketed);
    }

  if (e->prev_us == 0)
    {
      base_us = pier_proc_ticks_to_us (self, st->start);
      base_ticks = 0;
    }
  else
    {
      base_us = e->prev_us;
      base_ticks = e->prev_ticks;
    }
  if (e->prev_us == 0 || now_us - base_us >= MIN_CPU_INTERVAL_US)
    {
      gint64 dt = MAX (now_us - base_us, 1);
      e->cpu_percent = (double) (ticks - MIN (ticks, base_ticks)) * G_USEC_PER_SEC * 100.0
                       / (double) self->ticks_per_second / (double) dt;
      e->prev_us = now_us;
      e->prev_ticks = ticks;
    }
  e->stat = *st;
  e->known = TRUE;
}

/* Reads @e's process. A known one is read through its held stat descriptor, and that is all
 * when stat shows nothing that needs more; otherwise everything comes through /proc/PID opened
 * as a directory: stat first, then the rest, checked against stat (read_extras). Touches only
 * @e and @r, so that threads may read new processes side by side. A stat descriptor opened
 * here goes to *new_stat_fd. */
PierProcScanResult
pier_proc_entry_scan (PierProcessScanner *self, PierProcReader *r, PierProcEntry *e,
                      int *new_stat_fd)
{
  pier_autofd int dirfd = -1;
  pier_autofd int stat_fd = -1;
  PierProcStat st;
  PierProcScanResult result = PIER_PROC_SCAN_UNSTABLE;
  int fd;

  /* stat is read twice when more than stat is needed: not when it is known beforehand */
  if (e->stat_fd >= 0 && !(e->known && status_due (self, e)))
    {
      if (!pier_proc_read_stat (r, e->stat_fd, &st))
        return PIER_PROC_SCAN_GONE;
      if (st.start != e->stat.start)
        return PIER_PROC_SCAN_REPLACED;
      if (needed_reads (self, r, e, &st) == 0)
        {
          Pending p = { 0 };
          commit (self, e, &st, &p);
          return PIER_PROC_SCAN_OK;
        }
    }
  dirfd = pier_proc_open_pid_dir (self, r, e->pid);
  if (dirfd < 0)
    return PIER_PROC_SCAN_GONE;
  /* a held descriptor read after the directory was opened proves that the directory is its
   * process's: that process was alive then, so the PID was still its own */
  fd = e->stat_fd >= 0 ? e->stat_fd : (stat_fd = pier_proc_open_at (r, dirfd, "stat"));
  if (fd < 0)
    return PIER_PROC_SCAN_GONE;
  for (int attempt = 0; attempt < MAX_ATTEMPTS && result == PIER_PROC_SCAN_UNSTABLE; attempt++)
    {
      Pending p = { 0 };

      if (!pier_proc_read_stat (r, fd, &st))
        return PIER_PROC_SCAN_GONE;
      if (e->known && st.start != e->stat.start)
        return PIER_PROC_SCAN_REPLACED;
      result = read_extras (self, r, dirfd, e, &st, needed_reads (self, r, e, &st), &p);
      if (result == PIER_PROC_SCAN_OK)
        commit (self, e, &st, &p);
      pending_clear (&p);
    }
  if (result == PIER_PROC_SCAN_OK && stat_fd >= 0)
    *new_stat_fd = g_steal_fd (&stat_fd);
  return result;
}

/* Keeps @fd open on @e's stat while the budgets allow; closes it otherwise. */
void
pier_proc_entry_hold_stat_fd (PierProcessScanner *self, PierProcEntry *e, int fd)
{
  if (fd < 0)
    return;
  if (e->stat_fd < 0 && self->n_open_files < self->max_open_files
      && (guint) g_atomic_int_get (&all_held) < self->process_budget)
    {
      e->stat_fd = fd;
      self->n_open_files++;
      g_atomic_int_inc (&all_held);
    }
  else
    close (fd);
}

void
pier_proc_entry_close_stat_fd (PierProcessScanner *self, PierProcEntry *e)
{
  if (e->stat_fd < 0)
    return;
  close (e->stat_fd);
  e->stat_fd = -1;
  self->n_open_files--;
  g_atomic_int_add (&all_held, -1);
}

guint
pier_proc_entry_fd_room (PierProcessScanner *self)
{
  guint held = (guint) g_atomic_int_get (&all_held);

  return MIN (self->max_open_files - MIN (self->n_open_files, self->max_open_files),
              self->process_budget - MIN (held, self->process_budget));
}

void
pier_proc_entry_free (PierProcessScanner *self, PierProcEntry *e)
{
  pier_proc_entry_close_stat_fd (self, e);
  g_clear_pointer (&e->comm, g_ref_string_release);
  g_clear_pointer (&e->cmdline, g_ref_string_release);
  g_free (e);
}


PierProcEntry *
pier_proc_entry_new (int pid)
{
  PierProcEntry *e = g_new0 (PierProcEntry, 1);

  e->pid = pid;
  e->stat_fd = -1;
  return e;
}

/* What pier_proc_scan_pid () does with a process read on another thread: keeps or drops it. */
PierProcEntry *
pier_proc_entry_settle (PierProcessScanner *self, PierProcEntry *e, PierProcScanResult result,
                        int stat_fd)
{
  if (result != PIER_PROC_SCAN_OK)
    {
      if (stat_fd >= 0)
        close (stat_fd);
      pier_proc_entry_free (self, e);
      return NULL;
    }
  pier_proc_entry_hold_stat_fd (self, e, stat_fd);
  e->seen = self->generation;
  g_hash_table_insert (self->entries, GINT_TO_POINTER (e->pid), e);
  return e;
}

PierProcEntry *
pier_proc_scan_pid (PierProcessScanner *self, int pid)
{
  PierProcEntry *e = g_hash_table_lookup (self->entries, GINT_TO_POINTER (pid));
  int stat_fd = -1;
  PierProcScanResult r;

  if (e != NULL)
    {
      r = pier_proc_entry_scan (self, &self->reader, e, &stat_fd);
      if (r == PIER_PROC_SCAN_OK || r == PIER_PROC_SCAN_UNSTABLE)
        {
          pier_proc_entry_hold_stat_fd (self, e, stat_fd);
          e->seen = self->generation;
          return r == PIER_PROC_SCAN_OK ? e : NULL;
        }
      /* exited, perhaps with its PID taken already: a new process starts from nothing */
      g_hash_table_remove (self->entries, GINT_TO_POINTER (pid));
      pier_proc_entry_free (self, e);
    }
  e = pier_proc_entry_new (pid);
  r = pier_proc_entry_scan (self, &self->reader, e, &stat_fd);
  return pier_proc_entry_settle (self, e, r, stat_fd);
}
