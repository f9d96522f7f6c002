/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads /proc into plain rows that put a process's view from inside its container (PID
 * namespace, user namespace, the container's own /etc/passwd) beside the host's view of the
 * same process. A scanner is used by one thread at a time; snapshots are immutable and may be
 * passed to other threads. */
typedef struct _PierProcessScanner PierProcessScanner;
typedef struct _PierProcessSnapshot PierProcessSnapshot;

/* An id the scanner could not learn (the process's namespaces are not readable to it). */
#define PIER_PROCESS_ID_UNKNOWN ((guint32) -1)

/* Host PIDs and SIDs are the scanner's PID namespace's: rootless Pier makes none of its own, so
 * they are the host's there too. */
typedef struct {
  int host_pid;
  int container_pid;  /* in the process's own PID namespace; host_pid for host processes */
  int host_ppid;
  int container_ppid; /* 0 when the parent is outside the process's PID namespace */
  int host_pgid;
  int container_pgid; /* 0 when the group's leader is outside the namespace */
  int host_sid;
  int container_sid;  /* 0 when the session's leader is outside the namespace */
  guint32 tty_nr;     /* as in /proc/PID/stat; 0 without a controlling terminal */
  const char *tty;    /* "pts/3", "tty2", "ttyS0", "console"; NULL when none or unknown */

  /* Real ids as the process's own user namespace sees them (the kernel's overflow id, 65534,
   * when its map does not cover the host id), and on the host. The first pair, with user and
   * group, is PIER_PROCESS_ID_UNKNOWN and NULL for processes in the scanner's own PID
   * namespace: they belong to no container, and their user namespace is not read. The host
   * pair is the first user namespace's also when the scanner runs in a namespace of its own
   * (rootless Pier): PIER_PROCESS_ID_UNKNOWN for the ids that namespace does not map. */
  guint32 uid, gid;
  guint32 host_uid, host_gid;
  /* From the process's own root's /etc/passwd and /etc/group, and from the scanner's (the
   * host's: rootless Pier keeps the host's root), for the host ids; NULL when the file is
   * absent, unreadable or has no such id. */
  const char *user, *group;
  const char *host_user, *host_group;

  const char *comm;
  const char *cmdline; /* argv joined with spaces; "[comm]" when there is none (kernel
                        * threads, zombies) */
  char state;          /* R, S, D, Z, T, t, X, I as in ps */
  gboolean kernel_thread;
  guint32 n_threads;
  guint64 start_ticks; /* since boot, in clock ticks (sysconf (_SC_CLK_TCK)) */
  gint64 start_time;   /* wall clock, microseconds since the epoch */
  guint64 cpu_ticks;   /* utime + stime of all its threads */
  /* Share of one core since this scanner's previous look at this very process (same PID and
   * start time), or since it started when it is new: a lifetime average on a first snapshot,
   * and never another process's ticks when a PID is reused. Above 100 for busy threads. */
  double cpu_percent;
  guint64 rss_bytes;
  /* Namespace inode numbers; 0 when not readable. user_ns and mnt_ns are read only for
   * processes in a PID namespace below the scanner's (0 for the others). */
  guint64 pid_ns, user_ns, mnt_ns;
} PierProcess;

typedef struct {
  guint64 pid_ns; /* only processes whose own PID namespace has this inode; 0 for all */
} PierProcessFilter;

typedef struct {
  int host_sid;
  int container_sid;         /* the leader's PID inside; 0 when the leader is outside */
  const PierProcess *leader; /* NULL when the leader has exited or is not in the snapshot */
  char *origin;              /* from the caller's table ("init", "exec", "graphical") or NULL */
  GPtrArray *processes;      /* const PierProcess *, by host PID */
  /*< private >*/
  PierProcessSnapshot *snapshot;
} PierProcessSession;

PierProcessScanner *pier_process_scanner_new (void);
void pier_process_scanner_free (PierProcessScanner *scanner);

/* The scanner keeps /proc/PID/stat open for the processes it knows, so that a refresh costs
 * one pread() per process; each such descriptor also holds a page of kernel memory. All the
 * scanners of a process together hold at most half of RLIMIT_NOFILE's soft limit (an app that
 * shows thousands of processes raises its soft limit to the hard one at start), and each at
 * most @max_open_files (unlimited by default); the processes beyond are read with open, read
 * and close each time. Running out of descriptors fails a snapshot, never drops rows. */
void pier_process_scanner_set_max_open_files (PierProcessScanner *scanner, guint max_open_files);
guint pier_process_scanner_get_n_open_files (PierProcessScanner *scanner);

/* A snapshot that meets hundreds of processes the scanner does not know yet (the first one,
 * above all) reads them on up to @max_threads threads, the calling one included, and no more
 * than there are processors; 4 by default, 1 to read on the calling thread only. */
void pier_process_scanner_set_max_threads (PierProcessScanner *scanner, guint max_threads);

/* All processes of the host (the scanner's /proc), or those @filter selects (NULL for all),
 * by host PID. A process that exits during the scan is left out; every field of a row comes
 * from the same process. */
PierProcessSnapshot *pier_process_scanner_snapshot (PierProcessScanner *scanner,
                                                    const PierProcessFilter *filter,
                                                    GError **error);

PierProcessSnapshot *pier_process_snapshot_ref (PierProcessSnapshot *snapshot);
void pier_process_snapshot_unref (PierProcessSnapshot *snapshot);
guint pier_process_snapshot_get_n_processes (PierProcessSnapshot *snapshot);
const PierProcess *pier_process_snapshot_get_process (PierProcessSnapshot *snapshot, guint index);
const PierProcess *pier_process_snapshot_find (PierProcessSnapshot *snapshot, int host_pid);
/* When the scan started, wall clock microseconds since the epoch. */
gint64 pier_process_snapshot_get_time (PierProcessSnapshot *snapshot);

/* The sessions of @pid_ns's processes, by host SID: sessions are grouped by host SID, so a
 * process entered from the host without setsid belongs to the host session it came from
 * (container_sid 0). @origins maps GINT_TO_POINTER (host SID) to a const char * naming how
 * the runtime started the session; NULL when there is no table. Each session keeps the
 * snapshot alive. */
GPtrArray *pier_process_snapshot_sessions (PierProcessSnapshot *snapshot, guint64 pid_ns,
                                           GHashTable *origins);

/* The executable's path as the kernel gives it for /proc/PID/exe (relative to the process's
 * root when that root is not reachable from the caller's), checked to belong to the very
 * process of @process: PIER_ERROR_NOT_FOUND once it has exited, even if its PID is reused. */
char *pier_process_read_exe (const PierProcess *process, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierProcessScanner, pier_process_scanner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierProcessSnapshot, pier_process_snapshot_unref)

G_END_DECLS
