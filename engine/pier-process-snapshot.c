#include "pier-process-snapshot.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-passwd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* The scanner's cost model: for a process it already knows (same PID, same start time) a
 * refresh reads /proc/PID/stat only, through a descriptor kept open. Everything else is read
 * when stat says it may have changed: after an exec (comm, or the argv and text addresses that
 * every exec moves), after setsid/setpgid, and while the process is young; status is also
 * re-read in a slow rotation, for a setuid() without exec. */

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
#define MAX_SYMLINKS 40

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
  char comm[64];
  char state;
  int ppid, pgrp, session;
  guint32 tty_nr;
  guint32 flags;
  guint32 threads;
  guint64 utime, stime, start;
  guint64 rss_pages;
  /* Moved by every exec (stack and mapping randomisation); 0 for processes the reader may not
   * ptrace, where only comm tells an exec. */
  guint64 start_code, arg_start, arg_end;
} ProcStat;

typedef struct {
  int tgid;
  guint32 uid, gid;
  int levels; /* PID namespaces from the scanner's down to the process's own */
  int ns_pid, ns_pgid, ns_sid;
} ProcStatus;

typedef struct {
  guint32 first, lower, count;
} IdExtent;

typedef struct {
  guint64 ino;
  int fd; /* holds the namespace, so that its inode number is not reused while cached */
  guint32 seen;
  guint32 loaded; /* generation of the last read, so an unwritten map is read once a snapshot */
  gboolean complete; /* both maps written: they can never change again */
  GArray *uid, *gid; /* IdExtent */
} UserNs;

typedef struct {
  int pid;
  int stat_fd; /* on the process's /proc/PID/stat, or -1 beyond the descriptor budget */
  gboolean known;
  guint32 seen;
  ProcStat stat;
  ProcStatus status;
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
  ProcStatus status;
  GRefString *cmdline; /* set when the command line differs from the entry's */
  gboolean cmdline_empty;
  guint64 pid_ns, user_ns, mnt_ns;
  UserNs *maps;
} Pending;

typedef struct {
  guint64 mnt_ns;
  PierIdNames *passwd, *group; /* borrowed: the snapshot holds the references */
} MntNames;

struct _PierProcessScanner {
  int proc_fd;
  int host_root_fd;
  guint64 host_pid_ns;
  long ticks_per_second;
  long page_size;
  guint32 overflow_uid, overflow_gid;
  guint max_open_files, n_open_files;
  guint process_budget; /* half of RLIMIT_NOFILE, read at each snapshot */
  int failure; /* errno of a failure that is not the process's exit: fails the snapshot */
  guint32 generation;
  gint64 now_us; /* CLOCK_BOOTTIME when the current scan started */
  GHashTable *entries; /* pid -> ProcEntry */
  GHashTable *user_ns; /* &ino -> UserNs */
  GHashTable *mnt_names; /* &ino -> MntNames, for the current snapshot only */
  PierIdNamesCache *names;
  GArray *pids;
  GPtrArray *selected;
  char *dents;
  char *buf;
  gsize buf_size;
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

/* ---- parsing ------------------------------------------------------------------------------ */

static const char *
parse_u64 (const char *p, const char *end, guint64 *out)
{
  guint64 v = 0;
  gboolean negative = FALSE;

  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (p < end && *p == '-')
    {
      negative = TRUE;
      p++;
    }
  if (p == end || *p < '0' || *p > '9')
    return NULL;
  while (p < end && *p >= '0' && *p <= '9')
    v = v * 10 + (guint64) (*p++ - '0');
  *out = negative ? (guint64) -(gint64) v : v;
  return p;
}

/* /proc/PID/stat: "pid (comm) state f4 f5 ...": comm may hold spaces and parentheses, so the
 * fields start after the last ')'. */
static gboolean
parse_stat (const char *buf, gsize len, ProcStat *st)
{
  const char *end = buf + len;
  const char *open = memchr (buf, '(', len);
  const char *close = memrchr (buf, ')', len);
  guint64 f[53] = { 0 };
  const char *p;
  gsize comm_len;
  int i;

  if (open == NULL || close == NULL || close < open || close + 3 >= end)
    return FALSE;
  comm_len = MIN ((gsize) (close - open - 1), sizeof st->comm - 1);
  memcpy (st->comm, open + 1, comm_len);
  st->comm[comm_len] = '\0';
  st->state = close[2];
  p = close + 3;
  for (i = 4; i < (int) G_N_ELEMENTS (f); i++)
    {
      const char *next = parse_u64 (p, end, &f[i]);
      if (next == NULL)
        break;
      p = next;
    }
  if (i <= 24) /* older than anything Pier runs on, or not a stat file */
    return FALSE;
  st->ppid = (int) f[4];
  st->pgrp = (int) f[5];
  st->session = (int) f[6];
  st->tty_nr = (guint32) f[7];
  st->flags = (guint32) f[9];
  st->utime = f[14];
  st->stime = f[15];
  st->threads = (guint32) f[20];
  st->start = f[22];
  st->rss_pages = f[24];
  st->start_code = f[26];
  st->arg_start = f[48];
  st->arg_end = f[49];
  return TRUE;
}

static int
last_number (const char *p, const char *eol, int *count)
{
  guint64 v = 0;
  int n = 0;

  for (;;)
    {
      const char *next = parse_u64 (p, eol, &v);
      if (next == NULL)
        break;
      p = next;
      n++;
    }
  if (count)
    *count = n;
  return (int) v;
}

static gboolean
parse_status (const char *buf, gsize len, ProcStatus *out)
{
  const char *p = buf, *end = buf + len;
  guint found = 0;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      guint64 v;

      if (eol == NULL)
        eol = end;
#define KEY(k) (eol - p > (long) sizeof k - 1 && memcmp (p, k, sizeof k - 1) == 0)
      if (KEY ("Tgid:") && parse_u64 (p + 5, eol, &v))
        out->tgid = (int) v, found |= 1;
      else if (KEY ("Uid:") && parse_u64 (p + 4, eol, &v))
        out->uid = (guint32) v, found |= 2;
      else if (KEY ("Gid:") && parse_u64 (p + 4, eol, &v))
        out->gid = (guint32) v, found |= 4;
      else if (KEY ("NSpid:"))
        out->ns_pid = last_number (p + 6, eol, &out->levels), found |= 8;
      else if (KEY ("NSpgid:"))
        out->ns_pgid = last_number (p + 7, eol, NULL);
      else if (KEY ("NSsid:"))
        out->ns_sid = last_number (p + 6, eol, NULL);
#undef KEY
      p = eol + 1;
    }
  return found == 15 && out->levels > 0;
}

/* "user:[4026531837]" */
static guint64
parse_ns_link (const char *link, gssize len)
{
  const char *open = len > 0 ? memchr (link, '[', len) : NULL;
  guint64 ino = 0;

  if (open == NULL || parse_u64 (open + 1, link + len, &ino) == NULL)
    return 0;
  return ino;
}

static GArray *
parse_id_map (const char *buf, gsize len)
{
  GArray *map = g_array_new (FALSE, FALSE, sizeof (IdExtent));
  const char *p = buf, *end = buf + len;

  while (p < end)
    {
      guint64 first, lower, count;
      const char *q;

      if ((q = parse_u64 (p, end, &first)) && (q = parse_u64 (q, end, &lower))
          && (q = parse_u64 (q, end, &count)))
        {
          IdExtent e = { (guint32) first, (guint32) lower, (guint32) count };
          g_array_append_val (map, e);
        }
      q = memchr (p, '\n', end - p);
      if (q == NULL)
        break;
      p = q + 1;
    }
  return map;
}

static guint32
map_id (GArray *map, guint32 host_id, guint32 overflow)
{
  for (guint i = 0; i < map->len; i++)
    {
      const IdExtent *e = &g_array_index (map, IdExtent, i);
      if (host_id >= e->lower && host_id - e->lower < e->count)
        return e->first + (host_id - e->lower);
    }
  return overflow;
}

static const char *
tty_name (guint32 tty_nr)
{
  guint major = (tty_nr >> 8) & 0xfff;
  guint minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
  char name[32];

  if (tty_nr == 0)
    return NULL;
  if (major >= 136 && major <= 143)
    g_snprintf (name, sizeof name, "pts/%u", (major - 136) * 256 + minor);
  else if (major == 4 && minor < 64)
    g_snprintf (name, sizeof name, "tty%u", minor);
  else if (major == 4)
    g_snprintf (name, sizeof name, "ttyS%u", minor - 64);
  else if (major == 5 && minor == 1)
    return "console";
  else
    return NULL;
  return g_intern_string (name);
}

/* ---- reading /proc ------------------------------------------------------------------------ */

/* ENOENT and ESRCH say the process has exited, EACCES that it is hidden from us: the row is
 * left out. Anything else (no descriptor left, no memory) fails the snapshot instead of
 * silently dropping rows. */
static void
note_failure (PierProcessScanner *self)
{
  if (errno != ENOENT && errno != ESRCH && errno != EACCES && errno != EPERM && self->failure == 0)
    self->failure = errno;
}

static void
grow_buffer (PierProcessScanner *self)
{
  self->buf_size *= 2;
  self->buf = g_realloc (self->buf, self->buf_size);
}

/* The whole file from offset 0 into self->buf, NUL-terminated: one pread when the buffer is
 * large enough (a /proc file gives everything it has to one large read). -1 with errno. */
static gssize
read_fd (PierProcessScanner *self, int fd, gsize max_len)
{
  gsize len = 0;

  for (;;)
    {
      ssize_t n = pread (fd, self->buf + len, self->buf_size - 1 - len, (off_t) len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          note_failure (self);
          return -1;
        }
      len += n;
      if (len < self->buf_size - 1 || n == 0 || self->buf_size > max_len)
        break;
      grow_buffer (self);
    }
  self->buf[len] = '\0';
  return (gssize) len;
}

static int
open_pid_file (PierProcessScanner *self, int pid, const char *name)
{
  char path[64];

  int fd;

  g_snprintf (path, sizeof path, "%d/%s", pid, name);
  fd = openat (self->proc_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    note_failure (self);
  return fd;
}

static gssize
read_pid_file (PierProcessScanner *self, int pid, const char *name, gsize max_len)
{
  pier_autofd int fd = open_pid_file (self, pid, name);

  if (fd < 0)
    return -1;
  return read_fd (self, fd, max_len);
}

static guint64
read_ns (PierProcessScanner *self, int pid, const char *type)
{
  char path[64], link[64];
  gssize n;

  g_snprintf (path, sizeof path, "%d/ns/%s", pid, type);
  n = readlinkat (self->proc_fd, path, link, sizeof link);
  return parse_ns_link (link, n);
}

static gboolean
read_stat (PierProcessScanner *self, int fd, ProcStat *st)
{
  gssize n = read_fd (self, fd, 65536);

  if (n <= 0)
    return FALSE;
  return parse_stat (self->buf, n, st);
}

/* ---- user namespaces ---------------------------------------------------------------------- */

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

static gboolean
user_ns_needs_maps (PierProcessScanner *self, guint64 ino)
{
  UserNs *ns;

  if (ino == 0)
    return FALSE;
  ns = g_hash_table_lookup (self->user_ns, &ino);
  return ns == NULL || (!ns->complete && ns->loaded != self->generation);
}

/* Reads @pid's uid_map and gid_map: from the scanner's user namespace their lower ids are the
 * scanner's ids, the same ones /proc/PID/status gives. NULL when not readable. */
static UserNs *
user_ns_load (PierProcessScanner *self, int pid, guint64 ino)
{
  pier_autofd int fd = open_pid_file (self, pid, "ns/user");
  UserNs *ns;
  struct stat st;
  gssize n;

  if (fd < 0 || fstat (fd, &st) < 0 || st.st_ino != ino)
    return NULL;
  ns = g_new0 (UserNs, 1);
  ns->ino = ino;
  ns->fd = g_steal_fd (&fd);
  ns->loaded = self->generation;
  n = read_pid_file (self, pid, "uid_map", 65536);
  ns->uid = parse_id_map (self->buf, MAX (n, 0));
  n = read_pid_file (self, pid, "gid_map", 65536);
  ns->gid = parse_id_map (self->buf, MAX (n, 0));
  ns->complete = ns->uid->len > 0 && ns->gid->len > 0;
  return ns;
}

static gint64
ticks_to_us (PierProcessScanner *self, guint64 ticks)
{
  return (gint64) (ticks * G_USEC_PER_SEC / (guint64) self->ticks_per_second);
}

/* ---- one process ------------------------------------------------------------------------- */

static gboolean
same_exec (const ProcStat *a, const ProcStat *b)
{
  /* kernel threads rename themselves (kworker/0:1-events) without an exec */
  return (strcmp (a->comm, b->comm) == 0 || (b->flags & PF_KTHREAD))
         && a->start_code == b->start_code && a->arg_start == b->arg_start
         && a->arg_end == b->arg_end;
}

static gboolean
same_identity (const ProcStat *a, const ProcStat *b)
{
  return same_exec (a, b) && a->pgrp == b->pgrp && a->session == b->session;
}

static guint
needed_reads (PierProcessScanner *self, ProcEntry *e, const ProcStat *st)
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
  if (e->cmdline_empty && !(st->flags & PF_KTHREAD) && st->state != 'Z')
    flags |= READ_CMDLINE;
  if ((self->generation + (guint32) e->pid) % STATUS_PERIOD == 0)
    flags |= READ_STATUS;
  if (user_ns_needs_maps (self, e->user_ns))
    flags |= READ_MAPS;
  return flags;
}

static void
pending_clear (Pending *p)
{
  g_clear_pointer (&p->cmdline, g_ref_string_release);
  g_clear_pointer (&p->maps, user_ns_free);
  memset (p, 0, sizeof *p);
}

/* Reads what @flags ask for, by path: the caller's stat read afterwards, through a descriptor
 * opened before, proves they all came from the same process. FALSE when it is gone. */
static gboolean
read_extras (PierProcessScanner *self, ProcEntry *e, guint flags, Pending *p)
{
  guint64 user_ns;
  gssize n;

  p->flags = flags;
  if (flags & READ_STATUS)
    {
      n = read_pid_file (self, e->pid, "status", 1024 * 1024);
      /* a PID can come back as a thread of another process: /proc lists only thread groups */
      if (n < 0 || !parse_status (self->buf, n, &p->status) || p->status.tgid != e->pid)
        return FALSE;
    }
  if (flags & READ_NS)
    {
      /* NS links are not readable for zombies or without ptrace rights: 0, unknown */
      p->user_ns = read_ns (self, e->pid, "user");
      p->mnt_ns = read_ns (self, e->pid, "mnt");
      p->pid_ns = p->status.levels > 1 ? read_ns (self, e->pid, "pid") : self->host_pid_ns;
    }
  if (flags & READ_CMDLINE)
    {
      n = read_pid_file (self, e->pid, "cmdline", MAX_CMDLINE);
      if (n < 0)
        return FALSE;
      while (n > 0 && self->buf[n - 1] == '\0')
        n--;
      for (gssize i = 0; i < n; i++)
        if (self->buf[i] == '\0')
          self->buf[i] = ' ';
      self->buf[n] = '\0';
      p->cmdline_empty = n == 0;
      if (n > 0 && (e->cmdline == NULL || e->cmdline_empty || strcmp (e->cmdline, self->buf) != 0))
        p->cmdline = g_ref_string_new_len (self->buf, n);
    }
  user_ns = (flags & READ_NS) ? p->user_ns : e->user_ns;
  if (user_ns_needs_maps (self, user_ns))
    p->maps = user_ns_load (self, e->pid, user_ns);
  return TRUE;
}

static void
commit (PierProcessScanner *self, ProcEntry *e, const ProcStat *st, Pending *p)
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
    e->status = p->status;
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
  if (p->maps != NULL)
    {
      UserNs *ns = g_steal_pointer (&p->maps);
      g_hash_table_replace (self->user_ns, &ns->ino, ns);
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

/* Reads @e's process: stat first through a descriptor that pins the process, then whatever
 * stat says may have changed, then stat again through the same descriptor. If the second read
 * succeeds the process was alive throughout, so no PID reuse could slip another process's
 * files in; if the two stat reads agree, no exec or setsid happened in between. */
static ScanResult
scan_entry (PierProcessScanner *self, ProcEntry *e)
{
  pier_autofd int own_fd = -1;
  int fd = e->stat_fd;

  if (fd < 0)
    {
      fd = own_fd = open_pid_file (self, e->pid, "stat");
      if (fd < 0)
        return SCAN_GONE;
    }
  for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      Pending p = { 0 };
      ProcStat before, after;
      guint flags;

      if (!read_stat (self, fd, &before))
        return SCAN_GONE;
      if (e->known && before.start != e->stat.start)
        return SCAN_REPLACED;
      flags = needed_reads (self, e, &before);
      if (flags == 0)
        {
          commit (self, e, &before, &p);
          break;
        }
      if (!read_extras (self, e, flags, &p))
        {
          pending_clear (&p);
          return SCAN_GONE;
        }
      if (!read_stat (self, fd, &after))
        {
          pending_clear (&p);
          return SCAN_GONE;
        }
      if (after.start == before.start && same_identity (&before, &after))
        {
          commit (self, e, &after, &p);
          pending_clear (&p);
          break;
        }
      pending_clear (&p);
      if (attempt == MAX_ATTEMPTS - 1)
        return SCAN_UNSTABLE;
    }
  if (own_fd >= 0 && self->n_open_files < self->max_open_files
      && (guint) g_atomic_int_get (&all_held) < self->process_budget)
    {
      e->stat_fd = g_steal_fd (&own_fd);
      self->n_open_files++;
      g_atomic_int_inc (&all_held);
    }
  return SCAN_OK;
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
  self->buf_size = 4096;
  self->buf = g_malloc (self->buf_size);
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
  g_free (self->buf);
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

static gboolean
read_proc_number (PierProcessScanner *self, const char *path, guint64 *out)
{
  pier_autofd int fd = openat (self->proc_fd, path, O_RDONLY | O_CLOEXEC);
  gssize n = fd >= 0 ? read_fd (self, fd, 64) : -1;

  return n > 0 && parse_u64 (self->buf, self->buf + n, out) != NULL;
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
    return pier_set_errno (error, errno, "opening /proc");
  self->host_root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (self->host_root_fd < 0)
    return pier_set_errno (error, errno, "opening /");
  n = readlinkat (self->proc_fd, "self/ns/pid", link, sizeof link);
  self->host_pid_ns = parse_ns_link (link, n);
  if (read_proc_number (self, "sys/kernel/overflowuid", &v))
    self->overflow_uid = (guint32) v;
  if (read_proc_number (self, "sys/kernel/overflowgid", &v))
    self->overflow_gid = (guint32) v;
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
    return pier_set_errno (error, errno, "reading /proc");
  for (;;)
    {
      ssize_t n = getdents64 (self->proc_fd, self->dents, DENTS_SIZE);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return pier_set_errno (error, errno, "reading /proc");
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
  if (parse_ns_link (link, n) != e->mnt_ns)
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
  row->tty = tty_name (e->stat.tty_nr);
  row->host_uid = e->status.uid;
  row->host_gid = e->status.gid;
  row->uid = ns ? map_id (ns->uid, e->status.uid, self->overflow_uid) : PIER_PROCESS_ID_UNKNOWN;
  row->gid = ns ? map_id (ns->gid, e->status.gid, self->overflow_gid) : PIER_PROCESS_ID_UNKNOWN;
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
scan_pid (PierProcessScanner *self, int pid)
{
  ProcEntry *e = g_hash_table_lookup (self->entries, GINT_TO_POINTER (pid));
  ScanResult r;

  if (e != NULL)
    {
      r = scan_entry (self, e);
      if (r == SCAN_OK || r == SCAN_UNSTABLE)
        {
          e->seen = self->generation;
          return r == SCAN_OK ? e : NULL;
        }
      /* exited, perhaps with its PID taken already: a new process starts from nothing */
      g_hash_table_remove (self->entries, GINT_TO_POINTER (pid));
      entry_free (self, e);
    }
  e = g_new0 (ProcEntry, 1);
  e->pid = pid;
  e->stat_fd = -1;
  if (scan_entry (self, e) != SCAN_OK)
    {
      entry_free (self, e);
      return NULL;
    }
  e->seen = self->generation;
  g_hash_table_insert (self->entries, GINT_TO_POINTER (pid), e);
  return e;
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

PierProcessSnapshot *
pier_process_scanner_snapshot (PierProcessScanner *self, const PierProcessFilter *filter,
                               GError **error)
{
  g_autoptr (PierProcessSnapshot) snapshot = NULL;
  PierIdNames *host_passwd, *host_group;
  gint64 boot_epoch_us;

  struct rlimit rl;

  if (!scanner_open (self, error) || !list_pids (self, error))
    return NULL;
  self->process_budget =
      getrlimit (RLIMIT_NOFILE, &rl) == 0 ? (guint) MIN (rl.rlim_cur / 2, G_MAXUINT) : 0;
  self->failure = 0;
  self->generation++;
  self->now_us = clock_us (CLOCK_BOOTTIME);
  boot_epoch_us = clock_us (CLOCK_REALTIME) - self->now_us;

  snapshot = g_new0 (PierProcessSnapshot, 1);
  g_atomic_ref_count_init (&snapshot->ref_count);
  snapshot->names = g_ptr_array_new_with_free_func ((GDestroyNotify) pier_id_names_unref);
  snapshot->time = boot_epoch_us + self->now_us;

  g_ptr_array_set_size (self->selected, 0);
  for (guint i = 0; i < self->pids->len; i++)
    {
      int pid = g_array_index (self->pids, int, i);
      ProcEntry *e = scan_pid (self, pid);
      if (self->failure != 0)
        {
          pier_set_errno (error, self->failure, "reading /proc/%d", pid);
          return NULL;
        }
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
      if (filter == NULL || filter->pid_ns == 0 || filter->pid_ns == e->pid_ns)
        g_ptr_array_add (self->selected, e);
    }
  sweep (self);

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
  ProcStat st;
  gssize n;

  g_snprintf (path, sizeof path, "/proc/%d", process->host_pid);
  dirfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd >= 0)
    statfd = openat (dirfd, "stat", O_RDONLY | O_CLOEXEC);
  n = statfd >= 0 ? read (statfd, stat_buf, sizeof stat_buf - 1) : -1;
  if (n <= 0 || !parse_stat (stat_buf, n, &st) || st.start != process->start_ticks)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, "process %d has exited",
                   process->host_pid);
      return NULL;
    }
  /* through the same directory descriptor: the link read is this process's */
  n = readlinkat (dirfd, "exe", target, sizeof target - 1);
  if (n < 0)
    {
      pier_set_errno (error, errno, "reading the executable of process %d", process->host_pid);
      return NULL;
    }
  return g_strndup (target, n);
}

typedef struct {
  guint layer;
  int fd;
} LayerDir;

static void
layer_dirs_free (gpointer p)
{
  GArray *dirs = p;

  for (guint i = 0; i < dirs->len; i++)
    close (g_array_index (dirs, LayerDir, i).fd);
  g_array_unref (dirs);
}

static gboolean
is_opaque (int dirfd)
{
  char v[2];

  if (fgetxattr (dirfd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
    return TRUE;
  return fgetxattr (dirfd, "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

static void
push_components (GQueue *queue, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);

  for (guint i = g_strv_length (parts); i > 0; i--)
    if (parts[i - 1][0] != '\0' && strcmp (parts[i - 1], ".") != 0)
      g_queue_push_head (queue, g_strdup (parts[i - 1]));
}

/* Each step looks a name up in every layer directory that makes up the current merged
 * directory, top first, as overlayfs does: a whiteout hides what lies below, a non-directory
 * ends the lookup (and is ignored under a directory found above), directories merge until an
 * opaque one. Names are single components without "." or "..", opened with O_NOFOLLOW relative
 * to a layer's directory descriptor, so nothing resolves outside the layers. */
int
pier_process_exe_layer (const char *exe_path, const int *layer_dirfds, guint n_layers,
                        GError **error)
{
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (layer_dirs_free);
  g_autoptr (GError) local_error = NULL;
  GQueue queue = G_QUEUE_INIT;
  GArray *root = g_array_new (FALSE, FALSE, sizeof (LayerDir));
  guint n_links = 0;
  int result = -1;

  g_ptr_array_add (frames, root);
  for (guint i = 0; i < n_layers; i++)
    {
      LayerDir ld = { i, fcntl (layer_dirfds[i], F_DUPFD_CLOEXEC, 3) };
      if (ld.fd < 0)
        {
          pier_set_errno (error, errno, "layer %u", i);
          return -1;
        }
      g_array_append_val (root, ld);
    }
  push_components (&queue, exe_path);
  while (!g_queue_is_empty (&queue))
    {
      g_autofree char *name = g_queue_pop_head (&queue);
      GArray *dir = g_ptr_array_index (frames, frames->len - 1);
      GArray *sub;
      int found = -1, found_fd = -1;
      mode_t found_mode = 0;

      if (strcmp (name, "..") == 0)
        {
          if (frames->len > 1)
            g_ptr_array_remove_index (frames, frames->len - 1);
          continue;
        }
      sub = g_array_new (FALSE, FALSE, sizeof (LayerDir));
      for (guint i = 0; i < dir->len; i++)
        {
          const LayerDir *ld = &g_array_index (dir, LayerDir, i);
          LayerDir child = { ld->layer, -1 };
          struct stat st;

          if (fstatat (ld->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            {
              if (errno == ENOENT)
                continue;
              pier_set_errno (&local_error, errno, "“%s”: looking up “%s” in layer %u", exe_path,
                              name, ld->layer);
              break;
            }
          if (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0))
            break;
          if (found < 0)
            {
              found = (int) ld->layer;
              found_fd = ld->fd;
              found_mode = st.st_mode;
            }
          if (!S_ISDIR (st.st_mode))
            break;
          child.fd = openat (ld->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (child.fd < 0)
            {
              pier_set_errno (&local_error, errno, "“%s”: opening “%s” in layer %u", exe_path, name,
                              ld->layer);
              break;
            }
          g_array_append_val (sub, child);
          if (is_opaque (child.fd))
            break;
        }
      if (local_error != NULL)
        {
          layer_dirs_free (sub);
          break;
        }
      if (found < 0)
        {
          g_set_error (&local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       "“%s”: no layer provides “%s” (whited out, or not from the image)",
                       exe_path, name);
          layer_dirs_free (sub);
          break;
        }
      if (S_ISLNK (found_mode))
        {
          char target[4096];
          gssize n = readlinkat (found_fd, name, target, sizeof target - 1);

          layer_dirs_free (sub);
          if (n < 0)
            {
              pier_set_errno (&local_error, errno, "“%s”: reading the link “%s”", exe_path, name);
              break;
            }
          if (++n_links > MAX_SYMLINKS)
            {
              g_set_error (&local_error, PIER_ERROR, PIER_ERROR_INVALID,
                           "“%s”: too many levels of symbolic links", exe_path);
              break;
            }
          target[n] = '\0';
          if (target[0] == '/')
            g_ptr_array_set_size (frames, 1);
          push_components (&queue, target);
          continue;
        }
      if (g_queue_is_empty (&queue))
        {
          layer_dirs_free (sub);
          result = found;
          break;
        }
      if (!S_ISDIR (found_mode))
        {
          g_set_error (&local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       "“%s”: “%s” is not a directory", exe_path, name);
          layer_dirs_free (sub);
          break;
        }
      g_ptr_array_add (frames, sub);
    }
  g_queue_clear_full (&queue, g_free);
  if (result < 0 && local_error == NULL) /* "/", or a path that ends climbing with ".." */
    g_set_error (&local_error, PIER_ERROR, PIER_ERROR_INVALID, "“%s” does not name a file",
                 exe_path);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return result;
}
