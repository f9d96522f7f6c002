/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the process scanner takes from /proc/PID/stat, /proc/PID/status, the ns links and the
 * uid_map and gid_map files. The parsers accept any length and need no NUL at the end. */

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
} PierProcStat;

typedef struct {
  char name[64]; /* comm, with backslashes and control characters escaped */
  int tgid;
  guint32 uid, gid;
  int levels; /* PID namespaces from the scanner's down to the process's own */
  int ns_pid, ns_pgid, ns_sid;
  int pgrp, session; /* in the scanner's namespace, as stat gives them */
} PierProcStatus;

typedef struct {
  guint32 first, lower, count;
} PierIdExtent;

/* A decimal number after optional blanks, or a negative one as two's complement; the end of
 * the number, or NULL when there is none. */
const char *pier_proc_parse_u64 (const char *p, const char *end, guint64 *out);
gboolean pier_proc_parse_stat (const char *buf, gsize len, PierProcStat *st);
/* FALSE unless Name, Tgid, Uid, Gid, NSpid and NSsid are all there. */
gboolean pier_proc_parse_status (const char *buf, gsize len, PierProcStatus *out);
/* The inode number of "user:[4026531837]"; 0 for anything else. */
guint64 pier_proc_parse_ns_link (const char *link, gssize len);
/* A uid_map or gid_map: an array of PierIdExtent. */
GArray *pier_proc_parse_id_map (const char *buf, gsize len);
/* @host_id through @map, or @overflow when the map does not cover it. */
guint32 pier_proc_map_id (GArray *map, guint32 host_id, guint32 overflow);
/* The other way, for a map read from inside its namespace: the parent namespace's id for @id,
 * or @unmapped when the map does not cover it. */
guint32 pier_proc_map_id_outward (GArray *map, guint32 id, guint32 unmapped);
/* TRUE when @map covers every id of the parent namespace (the first namespace's own map),
 * so that no id reads as the overflow id through it. */
gboolean pier_proc_id_map_is_full (GArray *map);
/* "pts/3", "tty2", "ttyS0", "console" for stat's tty_nr, interned; NULL for none or others. */
const char *pier_proc_tty_name (guint32 tty_nr);

G_END_DECLS
