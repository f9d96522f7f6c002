#include "pier-process-snapshot.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-passwd-private.h"
#include "pier-proc-files-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* The scanner's cost model: for a process it already knows (same PID, same start time) a
 * refresh reads /proc/PID/stat only, through a descriptor kept open. Everything else is read
 * when stat says it may have changed: after an exec (comm, or the argv and text addresses that
 * every exec moves), after setsid/setpgid, and while the process is young; status is also
 * re-read in a slow rotation, for a setuid() without exec. A process's namespace links are
 * read only when it is in a PID namespace below the scanner's: only those belong to a
 * container, and the two links would cost as much as its stat. */

#define PF_KTHREAD 0x00200000u

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
/* Threads for a cold pass, the calling one included, and how many new processes make one worth
 * starting them; the threads take this many processes at a time. */
#define MAX_SCAN_THREADS 4
#define COLD_PASS_MIN 256
#define COLD_PASS_CHUNK 32

enum {
  READ_STATUS = 1 << 0,
  READ_CMDLINE = 1 << 1,
  READ_NS = 1 << 2,
  READ_MAPS = 1 << 3,
};

typedef enum {
  SCAN_OK,
  SCAN_GONE,     /* the process has exited (or its PID now names a thread) */
  SCAN_REPLACED, /* the PID now belongs to a process started later */
  SCAN_UNSTABLE, /* it exec'd between every pair of reads: try again next snapshot */
} ScanResult;

typedef struct {
  guint64 ino;
  int fd; /* holds the namespace, so that its inode number is not reused while cached */
  guint32 seen;
  guint32 loaded; /* generation of the last read, so an unwritten map is read once a snapshot */
  gboolean complete; /* both maps written: they can never change again */
  GArray *uid, *gid; /* PierIdExtent */
} UserNs;

typedef struct {
  int pid;
  int stat_fd; /* on the process's /proc/PID/stat, or -1 beyond the descriptor budget */
  gboolean known;
  guint32 seen;
  PierProcStat stat;
  PierProcStatus status;
  guint32 host_uid, host_gid; /* status's ids in the first user namespace */
  GRefString *comm;
  GRefString *cmdline;
  gboolean cmdline_empty;
  guint64 pid_ns, user_ns, mnt_ns;
  guint64 prev_ticks;
  gint64 prev_us; /* CLOCK_BOOTTIME of prev_ticks; 0 before the first look */
  double cpu_percent;
} ProcEntry;

typedef struct {
  guint flags;
  PierProcStatus status;
  guint32 host_uid, host_gid;
  GRefString *cmdline; /* set when the command line differs from the entry's */
  gboolean cmdline_empty;
  guint64 pid_ns, user_ns, mnt_ns;
} Pending;

typedef struct {
  guint64 mnt_ns;
  PierIdNames *passwd, *group; /* borrowed: the snapshot holds the references */
} MntNames;

/* What one reading thread owns: the serial pass has one, each thread of a parallel cold pass
 * its own. */
typedef struct {
  char *buf;
  gsize buf_size;
  int failure; /* errno of a failure that is not the process's exit: fails the snapshot */
  int failed_pid;
  GHashTable *maps; /* &ino -> UserNs read by this reader, for the scanner's table after */
} Reader;

struct _PierProcessScanner {
  int proc_fd;
  int host_root_fd;
  guint64 host_pid_ns;
  long ticks_per_second;
  long page_size;
  guint32 overflow_uid, overflow_gid;
  /* The scanner's own user namespace's maps, read from inside: its ids to its parent's, which
   * for Pier is the first namespace (rootless Pier nests one level). /proc shows every id in
   * the scanner's namespace. */
  GArray *own_uid, *own_gid;
  guint max_open_files, n_open_files;
  guint process_budget; /* half of RLIMIT_NOFILE, read at each snapshot */
  guint max_threads;
  guint64 filter_pid_ns; /* the current snapshot's: 0 for all */
  guint32 generation;
  gint64 now_us; /* CLOCK_BOOTTIME when the current scan started */
  GHashTable *entries; /* pid -> ProcEntry */
  GHashTable *user_ns; /* &ino -> UserNs */
  GHashTable *mnt_names; /* &ino -> MntNames, for the current snapshot only */
  PierIdNamesCache *names;
  GArray *pids;
  GPtrArray *selected;
  char *dents;
  Reader reader;
};

struct _PierProcessSnapshot {
  gatomicrefcount ref_count;
  PierProcess *processes;
  guint n_processes;
  GPtrArray *names; /* PierIdNames the rows point into */
  gint64 time;
};

#define DENTS_SIZE 32768

/* Descriptors held by all the scanners of the process: together they keep to half of
 * RLIMIT_NOFILE's soft limit, whatever each one's own cap. */
static gint all_held;

static gint64
clock_us (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* ---- reading /proc ------------------------------------------------------------------------ */

/* ENOENT and ESRCH say the process has exited, EACCES that it is hidden from us: the row is
 * left out. Anything else (no descriptor left, no memory) fails the snapshot instead of
 * silently dropping rows. */
static void
note_failure (Reader *r)
{
  if (errno != ENOENT && errno != ESRCH && errno != EACCES && errno != EPERM && r->failure == 0)
    r->failure = errno;
}

static void
user_ns_free (gpointer p)
{
  UserNs *ns = p;

  if (ns->fd >= 0)
    close (ns->fd);
  g_array_unref (ns->uid);
  g_array_unref (ns->gid);
  g_free (ns);
}

static void
reader_init (Reader *r)
{
  r->buf_size = 4096;
  r->buf = g_malloc (r->buf_size);
  r->failure = 0;
  r->failed_pid = 0;
  r->maps = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, user_ns_free);
}

static void
reader_clear (Reader *r)
{
  g_hash_table_unref (r->maps);
  g_free (r->buf);
}

/* The whole file from offset 0 into r->buf, NUL-terminated: one pread when the buffer is
 * large enough (a /proc file gives everything it has to one large read). -1 with errno. */
static gssize
read_fd (Reader *r, int fd, gsize max_len)
{
  gsize len = 0;

  for (;;)
    {
      ssize_t n = pread (fd, r->buf + len, r->buf_size - 1 - len, (off_t) len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          note_failure (r);
          return -1;
        }
      len += n;
      if (len < r->buf_size - 1 || n == 0 || r->buf_size > max_len)
        break;
      r->buf_size *= 2;
      r->buf = g_realloc (r->buf, r->buf_size);
    }
  r->buf[len] = '\0';
  return (gssize) len;
}

/* /proc/PID as a directory: what is opened through it belongs to that very process or fails,
 * since a reused PID gets a directory of its own. That spares a second look to prove that a
 * file read by PID was not another process's. */
static int
open_pid_dir (PierProcessScanner *self, Reader *r, int pid)
{
  char path[16];
  int fd;

  g_snprintf (path, sizeof path, "%d", pid);
  fd = openat (self->proc_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    note_failure (r);
  return fd;
}

static int
open_at (Reader *r, int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    note_failure (r);
  return fd;
}

static gssize
read_at (Reader *r, int dirfd, const char *name, gsize max_len)
{
  pier_autofd int fd = open_at (r, dirfd, name);

  if (fd < 0)
    return -1;
  return read_fd (r, fd, max_len);
}

static guint64
read_ns_at (int dirfd, const char *name)
{
  char link[64];
  gssize n = readlinkat (dirfd, name, link, sizeof link);

  return pier_proc_parse_ns_link (link, n);
}

static gboolean
read_stat (Reader *r, int fd, PierProcStat *st)
{
  gssize n = read_fd (r, fd, 65536);

  if (n <= 0)
    return FALSE;
  return pier_proc_parse_stat (r->buf, n, st);
}

/* ---- user namespaces ---------------------------------------------------------------------- */

static gboolean
user_ns_needs_maps (PierProcessScanner *self, Reader *r, guint64 ino)
{
  UserNs *ns;

  if (ino == 0)
    return FALSE;
  ns = g_hash_table_lookup (r->maps, &ino);
  if (ns == NULL)
    ns = g_hash_table_lookup (self->user_ns, &ino);
  return ns == NULL || (!ns->complete && ns->loaded != self->generation);
}

/* Reads the uid_map and gid_map of the process of @dirfd into the reader's table: from the
 * scanner's user namespace their lower ids are the scanner's ids, the same ones
 * /proc/PID/status gives. Nothing when they are not readable. */
static void
user_ns_load (PierProcessScanner *self, Reader *r, int dirfd, guint64 ino)
{
  pier_autofd int fd = open_at (r, dirfd, "ns/user");
  UserNs *ns;
  struct stat st;
  gssize n;

  if (fd < 0 || fstat (fd, &st) < 0 || st.st_ino != ino)
    return;
  ns = g_new0 (UserNs, 1);
  ns->ino = ino;
  ns->fd = g_steal_fd (&fd);
  ns->loaded = self->generation;
  n = read_at (r, dirfd, "uid_map", 65536);
  ns->uid = pier_proc_parse_id_map (r->buf, MAX (n, 0));
  n = read_at (r, dirfd, "gid_map", 65536);
  ns->gid = pier_proc_parse_id_map (r->buf, MAX (n, 0));
  ns->complete = ns->uid->len > 0 && ns->gid->len > 0;
  g_hash_table_replace (r->maps, &ns->ino, ns);
}

/* Moves what @r read into the scanner's table, once no reader is running. */
static void
user_ns_adopt (PierProcessScanner *self, Reader *r)
{
  GHashTableIter iter;
  UserNs *ns;

  g_hash_table_iter_init (&iter, r->maps);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &ns))
    {
      g_hash_table_iter_steal (&iter);
      g_hash_table_replace (self->user_ns, &ns->ino, ns);
    }
}

static gint64
ticks_to_us (PierProcessScanner *self, guint64 ticks)
{
  return (gint64) (ticks * G_USEC_PER_SEC / (guint64) self->ticks_per_second);
}

/* ---- one process ------------------------------------------------------------------------- */

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
status_due (PierProcessScanner *self, ProcEntry *e)
{
  return (self->generation + (guint32) e->pid) % STATUS_PERIOD == 0
         && !(e->stat.flags & PF_KTHREAD);
}

static guint
needed_reads (PierProcessScanner *self, Reader *r, ProcEntry *e, const PierProcStat *st)
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
  if (user_ns_needs_maps (self, r, e->user_ns))
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

static ScanResult
read_cmdline (Reader *r, int dirfd, ProcEntry *e, Pending *p)
{
  gssize n = read_at (r, dirfd, "cmdline", MAX_CMDLINE);

  if (n < 0)
    return SCAN_GONE;
  while (n > 0 && r->buf[n - 1] == '\0')
    n--;
  for (gssize i = 0; i < n; i++)
    if (r->buf[i] == '\0')
      r->buf[i] = ' ';
  r->buf[n] = '\0';
  p->cmdline_empty = n == 0;
  if (n > 0 && (e->cmdline == NULL || e->cmdline_empty || strcmp (e->cmdline, r->buf) != 0))
    p->cmdline = g_ref_string_new_len (r->buf, n);
  return SCAN_OK;
}

/* Reads what @flags ask for through @dirfd, after @st was read through it, status last:
 * SCAN_UNSTABLE when the process changed in between. */
static ScanResult
read_extras (PierProcessScanner *self, Reader *r, int dirfd, ProcEntry *e, const PierProcStat *st,
             guint flags, Pending *p)
{
  gboolean kthread = (st->flags & PF_KTHREAD) != 0;
  guint64 pid_ns = e->pid_ns, user_ns;
  gssize n;

  p->flags = flags;
  /* a container's snapshot tells its processes by their PID namespace before their command
   * lines are read */
  if ((flags & READ_NS) && self->filter_pid_ns != 0 && !kthread)
    pid_ns = p->pid_ns = read_ns_at (dirfd, "ns/pid");
  if (!shown (self, pid_ns))
    p->flags = flags &= ~READ_CMDLINE;
  if ((flags & READ_CMDLINE) && kthread)
    p->cmdline_empty = TRUE;
  else if ((flags & READ_CMDLINE) && read_cmdline (r, dirfd, e, p) != SCAN_OK)
    return SCAN_GONE;

  if ((flags & READ_STATUS) && kthread)
    kthread_status (e->pid, st, &p->status);
  else if (flags & READ_STATUS)
    {
      n = read_at (r, dirfd, "status", 1024 * 1024);
      /* a PID can come back as a thread of another process: /proc lists only thread groups */
      if (n < 0 || !pier_proc_parse_status (r->buf, n, &p->status) || p->status.tgid != e->pid)
        return SCAN_GONE;
      if (!status_matches_stat (&p->status, st))
        return SCAN_UNSTABLE;
    }
  if (flags & READ_STATUS)
    host_ids (self, dirfd, kthread, p);
  if ((flags & READ_NS) && (flags & READ_STATUS ? &p->status : &e->status)->levels > 1)
    {
      /* NS links are not readable for zombies or without ptrace rights: 0, unknown */
      p->user_ns = read_ns_at (dirfd, "ns/user");
      p->mnt_ns = read_ns_at (dirfd, "ns/mnt");
      if (p->pid_ns == 0)
        p->pid_ns = read_ns_at (dirfd, "ns/pid");
    }
  else if (flags & READ_NS)
    p->pid_ns = self->host_pid_ns;
  user_ns = (flags & READ_NS) ? p->user_ns : e->user_ns;
  if (user_ns_needs_maps (self, r, user_ns))
    user_ns_load (self, r, dirfd, user_ns);
  return SCAN_OK;
}

static void
commit (PierProcessScanner *self, ProcEntry *e, const PierProcStat *st, Pending *p)
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
      base_us = ticks_to_us (self, st->start);
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
static ScanResult
scan_entry (PierProcessScanner *self, Reader *r, ProcEntry *e, int *new_stat_fd)
{
  pier_autofd int dirfd = -1;
  pier_autofd int stat_fd = -1;
  PierProcStat st;
  ScanResult result = SCAN_UNSTABLE;
  int fd;

  /* stat is read twice when more than stat is needed: not when it is known beforehand */
  if (e->stat_fd >= 0 && !(e->known && status_due (self, e)))
    {
      if (!read_stat (r, e->stat_fd, &st))
        return SCAN_GONE;
      if (st.start != e->stat.start)
        return SCAN_REPLACED;
      if (needed_reads (self, r, e, &st) == 0)
        {
          Pending p = { 0 };
          commit (self, e, &st, &p);
          return SCAN_OK;
        }
    }
  dirfd = open_pid_dir (self, r, e->pid);
  if (dirfd < 0)
    return SCAN_GONE;
  /* a held descriptor read after the directory was opened proves that the directory is its
   * process's: that process was alive then, so the PID was still its own */
  fd = e->stat_fd >= 0 ? e->stat_fd : (stat_fd = open_at (r, dirfd, "stat"));
  if (fd < 0)
    return SCAN_GONE;
  for (int attempt = 0; attempt < MAX_ATTEMPTS && result == SCAN_UNSTABLE; attempt++)
    {
      Pending p = { 0 };

      if (!read_stat (r, fd, &st))
        return SCAN_GONE;
      if (e->known && st.start != e->stat.start)
        return SCAN_REPLACED;
      result = read_extras (self, r, dirfd, e, &st, needed_reads (self, r, e, &st), &p);
      if (result == SCAN_OK)
        commit (self, e, &st, &p);
      pending_clear (&p);
    }
  if (result == SCAN_OK && stat_fd >= 0)
    *new_stat_fd = g_steal_fd (&stat_fd);
  return result;
}

/* Keeps @fd open on @e's stat while the budgets allow; closes it otherwise. */
static void
hold_stat_fd (PierProcessScanner *self, ProcEntry *e, int fd)
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

static void
entry_free (PierProcessScanner *self, ProcEntry *e)
{
  if (e->stat_fd >= 0)
    {
      close (e->stat_fd);
      self->n_open_files--;
      g_atomic_int_add (&all_held, -1);
    }
  g_clear_pointer (&e->comm, g_ref_string_release);
  g_clear_pointer (&e->cmdline, g_ref_string_release);
  g_free (e);
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
  self->user_ns = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, user_ns_free);
  self->mnt_names = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->names = pier_id_names_cache_new ();
  self->pids = g_array_new (FALSE, FALSE, sizeof (int));
  self->selected = g_ptr_array_new ();
  self->dents = g_malloc (DENTS_SIZE);
  self->max_threads = MAX_SCAN_THREADS;
  reader_init (&self->reader);
  return self;
}

void
pier_process_scanner_free (PierProcessScanner *self)
{
  GHashTableIter iter;
  ProcEntry *e;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    entry_free (self, e);
  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->user_ns);
  g_hash_table_unref (self->mnt_names);
  pier_id_names_cache_free (self->names);
  g_array_unref (self->pids);
  g_ptr_array_unref (self->selected);
  g_free (self->dents);
  g_clear_pointer (&self->own_uid, g_array_unref);
  g_clear_pointer (&self->own_gid, g_array_unref);
  reader_clear (&self->reader);
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
  ProcEntry *e;

  self->max_open_files = max_open_files;
  g_hash_table_iter_init (&iter, self->entries);
  while (self->n_open_files > max_open_files
         && g_hash_table_iter_next (&iter, NULL, (gpointer *) &e))
    if (e->stat_fd >= 0)
      {
        close (e->stat_fd);
        e->stat_fd = -1;
        self->n_open_files--;
        g_atomic_int_add (&all_held, -1);
      }
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
  gssize n = fd >= 0 ? read_fd (&self->reader, fd, 64) : -1;

  return n > 0 && pier_proc_parse_u64 (self->reader.buf, self->reader.buf + n, out) != NULL;
}

/* A kernel without user namespaces has no map: every id is the host's. */
static GArray *
read_own_map (PierProcessScanner *self, const char *path)
{
  pier_autofd int fd = openat (self->proc_fd, path, O_RDONLY | O_CLOEXEC);
  gssize n = fd >= 0 ? read_fd (&self->reader, fd, 65536) : -1;
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
mnt_names_get (PierProcessScanner *self, PierProcessSnapshot *snapshot, ProcEntry *e)
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
fill_row (PierProcessScanner *self, PierProcessSnapshot *snapshot, ProcEntry *e, PierProcess *row,
          PierIdNames *host_passwd, PierIdNames *host_group, gint64 boot_epoch_us)
{
  ProcEntry *parent = g_hash_table_lookup (self->entries, GINT_TO_POINTER (e->stat.ppid));
  UserNs *ns = e->user_ns ? g_hash_table_lookup (self->user_ns, &e->user_ns) : NULL;
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
  row->start_time = boot_epoch_us + ticks_to_us (self, e->stat.start);
  row->cpu_ticks = e->stat.utime + e->stat.stime;
  row->cpu_percent = e->cpu_percent;
  row->rss_bytes = e->stat.rss_pages * (guint64) self->page_size;
  row->pid_ns = e->pid_ns;
  row->user_ns = e->user_ns;
  row->mnt_ns = e->mnt_ns;
}

static ProcEntry *
entry_new (int pid)
{
  ProcEntry *e = g_new0 (ProcEntry, 1);

  e->pid = pid;
  e->stat_fd = -1;
  return e;
}

/* What scan_pid () does with a process read on another thread: keeps or drops it. */
static ProcEntry *
settle_new (PierProcessScanner *self, ProcEntry *e, ScanResult result, int stat_fd)
{
  if (result != SCAN_OK)
    {
      if (stat_fd >= 0)
        close (stat_fd);
      entry_free (self, e);
      return NULL;
    }
  hold_stat_fd (self, e, stat_fd);
  e->seen = self->generation;
  g_hash_table_insert (self->entries, GINT_TO_POINTER (e->pid), e);
  return e;
}

static ProcEntry *
scan_pid (PierProcessScanner *self, int pid)
{
  ProcEntry *e = g_hash_table_lookup (self->entries, GINT_TO_POINTER (pid));
  int stat_fd = -1;
  ScanResult r;

  if (e != NULL)
    {
      r = scan_entry (self, &self->reader, e, &stat_fd);
      if (r == SCAN_OK || r == SCAN_UNSTABLE)
        {
          hold_stat_fd (self, e, stat_fd);
          e->seen = self->generation;
          return r == SCAN_OK ? e : NULL;
        }
      /* exited, perhaps with its PID taken already: a new process starts from nothing */
      g_hash_table_remove (self->entries, GINT_TO_POINTER (pid));
      entry_free (self, e);
    }
  e = entry_new (pid);
  r = scan_entry (self, &self->reader, e, &stat_fd);
  return settle_new (self, e, r, stat_fd);
}

/* ---- a cold pass on several threads --------------------------------------------------------- */

/* A first snapshot reads thousands of processes it does not know, each through a handful of
 * /proc files that the kernel renders on the reading CPU: those reads run on several threads,
 * and what they found is settled in PID order by the serial pass. */

typedef struct {
  PierProcessScanner *self;
  ProcEntry **entries; /* the new processes, by PID; NULL once settled */
  ScanResult *results;
  int *stat_fds;
  guint n;
  gint next;
  gboolean keep_fds;
} ColdPass;

typedef struct {
  ColdPass *pass;
  Reader reader;
  GThread *thread;
} ColdPassWorker;

static void
cold_pass_run (ColdPass *c, Reader *r)
{
  for (;;)
    {
      guint first = (guint) g_atomic_int_add (&c->next, COLD_PASS_CHUNK);

      if (first >= c->n)
        return;
      for (guint i = first; i < MIN (first + COLD_PASS_CHUNK, c->n); i++)
        {
          c->results[i] = scan_entry (c->self, r, c->entries[i], &c->stat_fds[i]);
          if (r->failure != 0 && r->failed_pid == 0)
            r->failed_pid = c->entries[i]->pid;
          /* a descriptor for each of thousands of processes, held to the join, could run out:
           * they are kept only when the budget has room for all */
          if (!c->keep_fds && c->stat_fds[i] >= 0)
            {
              close (c->stat_fds[i]);
              c->stat_fds[i] = -1;
            }
        }
    }
}

static gpointer
cold_pass_worker_run (gpointer data)
{
  ColdPassWorker *w = data;

  cold_pass_run (w->pass, &w->reader);
  return NULL;
}

/* Reads the processes of self->pids that the scanner does not know, on up to max_threads
 * threads, when there are enough of them to be worth it; @c is left empty otherwise. */
static void
cold_pass (PierProcessScanner *self, ColdPass *c)
{
  guint n_threads = MIN (self->max_threads, g_get_num_processors ());
  guint held = (guint) g_atomic_int_get (&all_held);
  g_autoptr (GArray) new_pids = g_array_new (FALSE, FALSE, sizeof (int));
  guint room;
  ColdPassWorker *workers;

  c->self = self;
  for (guint i = 0; i < self->pids->len; i++)
    {
      int pid = g_array_index (self->pids, int, i);
      if (!g_hash_table_contains (self->entries, GINT_TO_POINTER (pid)))
        g_array_append_val (new_pids, pid);
    }
  if (new_pids->len < COLD_PASS_MIN || n_threads < 2)
    return;
  c->n = new_pids->len;
  c->entries = g_new (ProcEntry *, c->n);
  c->results = g_new (ScanResult, c->n);
  c->stat_fds = g_new (int, c->n);
  for (guint i = 0; i < c->n; i++)
    {
      c->entries[i] = entry_new (g_array_index (new_pids, int, i));
      c->stat_fds[i] = -1;
    }
  room = MIN (self->max_open_files - MIN (self->n_open_files, self->max_open_files),
              self->process_budget - MIN (held, self->process_budget));
  c->keep_fds = c->n <= room;

  workers = g_new0 (ColdPassWorker, n_threads - 1);
  for (guint i = 0; i < n_threads - 1; i++)
    {
      workers[i].pass = c;
      reader_init (&workers[i].reader);
      /* without the thread, the calling one reads its share */
      workers[i].thread =
          g_thread_try_new ("pier-proc-scan", cold_pass_worker_run, &workers[i], NULL);
    }
  cold_pass_run (c, &self->reader);
  for (guint i = 0; i < n_threads - 1; i++)
    {
      Reader *r = &workers[i].reader;

      if (workers[i].thread != NULL)
        g_thread_join (workers[i].thread);
      if (r->failure != 0 && self->reader.failure == 0)
        {
          self->reader.failure = r->failure;
          self->reader.failed_pid = r->failed_pid;
        }
      user_ns_adopt (self, r);
      reader_clear (r);
    }
  g_free (workers);
}

/* Frees what the serial pass did not settle (it stopped at a failure). */
static void
cold_pass_clear (PierProcessScanner *self, ColdPass *c)
{
  for (guint i = 0; i < c->n; i++)
    if (c->entries[i] != NULL)
      {
        if (c->stat_fds[i] >= 0)
          close (c->stat_fds[i]);
        entry_free (self, c->entries[i]);
      }
  g_free (c->entries);
  g_free (c->results);
  g_free (c->stat_fds);
}

static void
sweep (PierProcessScanner *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ProcEntry *e = value;
      if (e->seen != self->generation)
        {
          g_hash_table_iter_remove (&iter);
          entry_free (self, e);
        }
      else if (e->user_ns != 0)
        {
          UserNs *ns = g_hash_table_lookup (self->user_ns, &e->user_ns);
          if (ns != NULL)
            ns->seen = self->generation;
        }
    }
  g_hash_table_iter_init (&iter, self->user_ns);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((UserNs *) value)->seen != self->generation)
      g_hash_table_iter_remove (&iter);
  pier_id_names_cache_sweep (self->names);
}

/* Reads every PID of self->pids into self->entries and puts those the filter selects into
 * self->selected, by PID. */
static gboolean
scan_all (PierProcessScanner *self, ColdPass *c, GError **error)
{
  guint next_new = 0;

  g_ptr_array_set_size (self->selected, 0);
  cold_pass (self, c);
  for (guint i = 0; i < self->pids->len && self->reader.failure == 0; i++)
    {
      int pid = g_array_index (self->pids, int, i);
      ProcEntry *e;

      if (next_new < c->n && c->entries[next_new]->pid == pid)
        {
          e = settle_new (self, c->entries[next_new], c->results[next_new],
                          c->stat_fds[next_new]);
          c->entries[next_new++] = NULL;
        }
      else
        e = scan_pid (self, pid);
      if (self->reader.failure != 0 && self->reader.failed_pid == 0)
        self->reader.failed_pid = pid;
      if (e == NULL)
        continue;
      if (e->pid_ns == 0 && e->status.levels > 1)
        {
          /* a zombie's namespace links are gone; its parent's namespace is its own when both
           * are at the same depth */
          ProcEntry *parent = g_hash_table_lookup (self->entries, GINT_TO_POINTER (e->stat.ppid));
          if (parent != NULL && parent->status.levels == e->status.levels)
            e->pid_ns = parent->pid_ns;
        }
      if (self->filter_pid_ns == 0 || self->filter_pid_ns == e->pid_ns)
        g_ptr_array_add (self->selected, e);
    }
  user_ns_adopt (self, &self->reader);
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
  ColdPass cold = { 0 };
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
  cold_pass_clear (self, &cold);
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

/* ---- snapshots ---------------------------------------------------------------------------- */

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
